package se.uppsok.app.core

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import se.uppsok.core.DeviceState
import se.uppsok.core.UppsokException
import se.uppsok.core.UppsokStore
import se.uppsok.core.storeExists

/**
 * Enrolment and sync against a real `uppsok serve` started here over a fresh SQLite database,
 * set up with `uppsok admin` like an IT administrator would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SyncTest {
    private lateinit var server: TestServer
    private lateinit var annaCode: String

    @BeforeAll
    fun startServer() {
        server = TestServer()
        annaCode = server.setUpTeam("anna")
        server.start()
        server.admin("user", "add", "--username", "bertil", "--name", "Bertil Ek", "--role", "case_manager",
            "--org", "Kalix kommun", "--team", "ACT Kalix", "--password-stdin", stdin = "correct horse battery staple\n")
    }

    @AfterAll
    fun stopServer() = server.close()

    private fun enrol(store: UppsokStore, code: String) {
        val r = store.enrol(server.url, code, "JVM test")
        assertTrue(r.profile.enrolled)
        assertEquals(null, r.warning)
    }

    @Test
    fun `the test server runs and hands out enrolment codes`() {
        assertTrue(annaCode.filter { it.isLetterOrDigit() }.length >= 6, annaCode)
        assertTrue(server.enrolmentCode("bertil").isNotBlank())
    }

    @Test
    fun `the month's amount comes with the sync, as payroll will pay it`() {
        server.admin("user", "add", "--username", "cilla", "--name", "Cilla Ek", "--role", "case_manager",
            "--org", "Kalix kommun", "--team", "ACT Kalix", "--password-stdin", stdin = "correct horse battery staple\n")
        val (store, _) = newStore("cilla")
        store.use {
            enrol(store, server.enrolmentCode("cilla"))
            val now = java.time.ZonedDateTime.now(java.time.ZoneId.of("Europe/Stockholm"))
            // 25.3 km from the workplace, two minutes ago (this month but for a run at midnight).
            store.logTrip(TripForm(fromPlace = "Kalix", toPlace = "Töre", kmText = "25,3",
                startMs = System.currentTimeMillis() - 120_000).toInput())
            assertEquals(null, store.monthPay(now.year, now.monthValue), "no rates before a sync")
            assertEquals(null, MonthTotals.amountLine(null, Lang.SV))
            store.syncNow()
            val synced = store.monthPay(now.year, now.monthValue)
            assertNotNull(synced, "the sync brought the rates")
            val pay = synced!!
            // The organisation's default 3.05 kr/km, tax-free up to 2.50 kr/km, half-öre up.
            assertEquals(1, pay.trips)
            assertEquals(2530L, pay.centiKm)
            assertEquals((2530L * 305 + 50) / 100, pay.amountOre)
            assertEquals((2530L * 250 + 50) / 100, pay.taxFreeOre)
            assertEquals("Ersättning 77,17\u00A0kr, varav 63,25\u00A0kr skattefritt", MonthTotals.amountLine(pay, Lang.SV))
            assertThrows(UppsokException.Invalid::class.java) { store.monthPay(now.year, 13) }
        }
    }

    @Test
    fun `a wrong enrolment code is refused with a typed exception`() {
        val (store, _) = newStore()
        store.use {
            val e = assertThrows(UppsokException.Invalid::class.java) { store.enrol(server.url, "WRONGCODE1", null) }
            assertEquals("code", e.field)
            assertFalse(store.profile().enrolled)
            assertThrows(UppsokException.Network::class.java) { store.enrol("http://127.0.0.1:9", "ABCDEFGH", null) }
        }
    }

    @Test
    fun `enrol, sync both ways, see a rejected change with its reason, remote wipe`() {
        val (anna, annaPath) = newStore("anna")
        val (bertil, _) = newStore("bertil")
        try {
            enrol(anna, annaCode)
            enrol(bertil, server.enrolmentCode("bertil"))
            val profile = anna.profile()
            assertTrue(profile.enrolled)
            assertEquals(server.url, profile.serverUrl)
            assertNotNull(profile.deviceId)

            // Anna logs a client and a visit offline, then syncs.
            val c = anna.addClient(clientInput("K-017", "Aino Niemi"))
            val v = anna.logVisit(visitInput(c.id))
            assertEquals(2L, anna.syncStatus().waiting)
            val sent = anna.syncNow()
            assertEquals(2L, sent.sent)
            assertEquals(2L, sent.accepted)
            assertEquals(DeviceState.ACTIVE, sent.deviceState)
            val s = anna.syncStatus()
            assertEquals(0L, s.waiting)
            assertNotNull(s.lastSyncMs)
            assertEquals(null, s.lastError)

            // Bertil, in the same team, receives them.
            val got = bertil.syncNow()
            assertTrue(got.received >= 2, got.toString())
            assertEquals(listOf("K-017"), bertil.clients().map { it.code })
            assertEquals(listOf(v.id), bertil.visitsForClient(c.id).map { it.id })

            // Bertil edits Anna's visit: visits are edited by their author only, so the server
            // refuses it; the change stays on his phone with the reason, and does not block his next.
            bertil.logVisit(visitInput(c.id).copy(id = v.id, minutes = 90))
            bertil.logVisit(visitInput(c.id))
            val mixed = bertil.syncNow()
            assertEquals(1L, mixed.rejected)
            assertEquals(1L, mixed.accepted)
            val rejected = bertil.syncStatus().rejected.single()
            assertEquals("visit", rejected.entity)
            assertEquals(v.id, rejected.recordId)
            assertTrue(rejected.reason.isNotBlank())
            assertEquals(0L, bertil.syncStatus().waiting)
            assertTrue(SyncStatusView.of(bertil.syncStatus(), System.currentTimeMillis(), Lang.SV).rejected.single().startsWith("Besök avvisades"))
            // Retried, it is refused again (the rule has not changed); discarded, it is gone.
            bertil.retryRejected(rejected.changeId)
            assertEquals(1L, bertil.syncStatus().waiting)
            assertEquals(1L, bertil.syncNow().rejected)
            bertil.discardRejected(bertil.syncStatus().rejected.single().changeId)
            assertTrue(bertil.syncStatus().rejected.isEmpty())
            assertEquals(0L, bertil.syncStatus().waiting)

            // An administrator revokes Anna's lost phone with --wipe: the next sync wipes it.
            server.admin("device", "revoke", profile.deviceId!!, "--wipe")
            assertThrows(UppsokException.Wiped::class.java) { anna.syncNow() }
            assertFalse(storeExists(annaPath))
            assertThrows(UppsokException.Wiped::class.java) { anna.clients() }
        } finally {
            anna.close()
            bertil.close()
        }
    }
}
