package se.uppsok.app.core

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import se.uppsok.core.TripStart
import se.uppsok.core.UppsokException
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** The facade called from several threads at once: no crash, no lost write, typed errors only. */
class ConcurrencyTest {
    @Test
    fun `writers, readers and a recorder at the same time`() {
        val (store, _) = newStore()
        store.use {
            val clients = (1..4).map { store.addClient(clientInput("K-10$it")) }
            val threads = 8
            val perThread = 15
            val pool = Executors.newFixedThreadPool(threads + 2)
            val go = CountDownLatch(1)
            val errors = Collections.synchronizedList(mutableListOf<Throwable>())
            val rec = store.startTrip(TripStart(null, "Kalix", "Hembesök", null, emptyList(), null))
            val fixes = drive(300)
            repeat(threads) { t ->
                pool.execute {
                    try {
                        go.await()
                        repeat(perThread) { i ->
                            store.logVisit(visitInput(clients[(t + i) % clients.size].id))
                            if (i % 3 == 0) store.clients()
                            if (i % 5 == 0) store.syncStatus()
                        }
                    } catch (e: Throwable) {
                        errors.add(e)
                    }
                }
            }
            pool.execute {
                try {
                    go.await()
                    for (f in fixes) rec.feedFix(f)
                } catch (e: Throwable) {
                    errors.add(e)
                }
            }
            pool.execute {
                try {
                    go.await()
                    repeat(20) { store.visitsBetween(0, Long.MAX_VALUE / 2); rec.currentKm() }
                } catch (e: Throwable) {
                    errors.add(e)
                }
            }
            go.countDown()
            pool.shutdown()
            assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS), "threads finished")
            assertEquals(emptyList<Throwable>(), errors)
            assertEquals(threads * perThread, store.visitsBetween(0, Long.MAX_VALUE / 2).size)
            assertEquals(threads * perThread + clients.size.toLong(), store.syncStatus().waiting)
            assertTrue(rec.currentKm() in 5.7..6.2)
            rec.cancel()
        }
    }

    @Test
    fun `a wipe racing with readers ends every call in a result or Wiped`() {
        val (store, _) = newStore()
        val c = store.addClient(clientInput("K-017"))
        repeat(5) { store.logVisit(visitInput(c.id)) }
        val pool = Executors.newFixedThreadPool(4)
        val unexpected = Collections.synchronizedList(mutableListOf<Throwable>())
        repeat(3) {
            pool.execute {
                repeat(50) {
                    try {
                        store.visitsForClient(c.id)
                    } catch (e: UppsokException.Wiped) {
                        // expected once the wipe went through
                    } catch (e: Throwable) {
                        unexpected.add(e)
                    }
                }
            }
        }
        pool.execute { Thread.sleep(5); store.wipe() }
        pool.shutdown()
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS))
        assertEquals(emptyList<Throwable>(), unexpected)
        store.close()
    }
}
