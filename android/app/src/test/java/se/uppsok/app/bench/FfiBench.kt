package se.uppsok.app.bench

import se.uppsok.app.core.clientInput
import se.uppsok.app.core.drive
import se.uppsok.app.core.newStore
import se.uppsok.app.core.visitInput
import se.uppsok.app.core.TestKeys
import se.uppsok.core.TripStart
import se.uppsok.core.UppsokStore
import se.uppsok.core.benchFeedFixes
import se.uppsok.core.benchListVisits

/**
 * The FFI benchmark (tests/kotlin/bench): the same facade calls timed from Kotlin across the FFI
 * and from Rust inside the library (the exported `bench_*` helpers), in one process, as ratios.
 *
 * 1. list 1,000 visits: `visitsBetween` over a store holding 1,000 visits;
 * 2. feed 3,600 fixes (an hour at 1 Hz) one call at a time to a recording: `feedPosition`
 *    (plain numbers, what the apps' location callbacks use) and `feedFix` (a `FixInput` record).
 *
 * Each figure is the median of several rounds after a warm-up, so the JIT and SQLite's page cache
 * are warm on both sides.
 */
fun main() {
    // UPPSOK_BENCH_DIR=/dev/shm takes the disk's fsync (which both sides pay alike, noisily on a
    // busy machine) out of the comparison.
    val dir = System.getenv("UPPSOK_BENCH_DIR")?.takeIf { it.isNotBlank() }?.let { java.nio.file.Files.createTempDirectory(java.nio.file.Path.of(it), "uppsok-bench").toFile() }
    val (store, _) = if (dir == null) newStore() else UppsokStore.create(java.io.File(dir, "bench.db").path, "anna", TestKeys()) to ""
    println("store in ${dir ?: "the temp directory"}")
    val clients = (1..10).map { store.addClient(clientInput("K-%03d".format(it))) }
    val now = System.currentTimeMillis()
    val t0 = System.nanoTime()
    repeat(1000) { i -> store.logVisit(visitInput(clients[i % clients.size].id, now - 3_600_000L - i * 60_000L)) }
    val seedMs = (System.nanoTime() - t0) / 1e6
    val from = 0L
    val before = now + 3_600_000L
    check(store.visitsBetween(from, before).size == 1000)

    fun median(xs: List<Double>) = xs.sorted()[xs.size / 2]

    // --- list 1,000 visits ---
    val rounds = 5
    repeat(3) { store.visitsBetween(from, before); benchListVisits(store, from, before, 1) }
    val ktList = mutableListOf<Double>()
    val rsList = mutableListOf<Double>()
    repeat(7) {
        val t = System.nanoTime()
        repeat(rounds) { store.visitsBetween(from, before) }
        ktList += (System.nanoTime() - t) / 1e6 / rounds
        rsList += benchListVisits(store, from, before, rounds) / 1e6 / rounds
    }

    // --- feed 3,600 fixes ---
    val fixes = drive(3600)
    val start = TripStart(null, "Kalix", "Benchmark", null, emptyList(), null)
    val ktFix = mutableListOf<Double>()
    val rsFix = mutableListOf<Double>()
    val ktPos = mutableListOf<Double>()
    val rsPos = mutableListOf<Double>()
    val batch = mutableListOf<Double>()
    val rsBatch = mutableListOf<Double>()
    repeat(6) { round ->
        val rec = store.startTrip(start)
        val t = System.nanoTime()
        for (f in fixes) rec.feedFix(f)
        val took = (System.nanoTime() - t) / 1e6
        rec.cancel()
        rec.close()
        val rust = benchFeedFixes(store, fixes, false, 0) / 1e6
        val rp = store.startTrip(start)
        val tp = System.nanoTime()
        for (f in fixes) rp.feedPosition(f.lat, f.lon, f.accuracyM, f.timeMs, f.speedMps ?: Double.NaN)
        val tookPos = (System.nanoTime() - tp) / 1e6
        rp.cancel()
        rp.close()
        val rustPos = benchFeedFixes(store, fixes, true, 0) / 1e6
        val rb = store.startTrip(start)
        val chunks = fixes.chunked(10)
        val tb = System.nanoTime()
        for (c in chunks) rb.feedFixes(c)
        val tookBatch = (System.nanoTime() - tb) / 1e6
        rb.cancel()
        rb.close()
        val rustBatch = benchFeedFixes(store, fixes, false, 10) / 1e6
        if (round > 0) { // round 0 warms up
            ktFix += took
            rsFix += rust
            ktPos += tookPos
            rsPos += rustPos
            batch += tookBatch
            rsBatch += rustBatch
        }
    }

    val list = median(ktList) / median(rsList)
    val fix = median(ktFix) / median(rsFix)
    val pos = median(ktPos) / median(rsPos)
    val bat = median(batch) / median(rsBatch)
    println("seed: 1,000 visits logged one call each in %.0f ms (%.2f ms per durable save)".format(seedMs, seedMs / 1000))
    println("list 1,000 visits: Kotlin %.2f ms, Rust %.2f ms per call -> ratio %.2fx (target <= 3x)"
        .format(median(ktList), median(rsList), list))
    println("feed 3,600 fixes one feedPosition call each: Kotlin %.1f ms, Rust %.1f ms -> ratio %.2fx (target <= 2x)"
        .format(median(ktPos), median(rsPos), pos))
    println("feed 3,600 fixes one feedFix(FixInput) call each: Kotlin %.1f ms, Rust %.1f ms -> ratio %.2fx"
        .format(median(ktFix), median(rsFix), fix))
    println("feed 3,600 fixes in 360 feedFixes calls of 10 (what the Android tracker does): Kotlin %.1f ms, Rust %.1f ms -> ratio %.2fx (target <= 2x)"
        .format(median(batch), median(rsBatch), bat))
    println("per fix: feedPosition %.1f us from Kotlin (Rust %.1f us), feedFix %.1f us (Rust %.1f us)".format(
        median(ktPos) * 1000 / 3600, median(rsPos) * 1000 / 3600, median(ktFix) * 1000 / 3600, median(rsFix) * 1000 / 3600))
    store.wipe()
    store.close()
    println(if (list <= 3.0 && bat <= 2.0) "targets met (list, batched fixes)" else "TARGET MISSED")
}
