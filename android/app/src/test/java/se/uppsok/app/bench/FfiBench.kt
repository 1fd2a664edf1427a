package se.uppsok.app.bench

import se.uppsok.app.core.clientInput
import se.uppsok.app.core.drive
import se.uppsok.app.core.newStore
import se.uppsok.app.core.visitInput
import se.uppsok.app.core.PositionFeed
import se.uppsok.app.core.TestKeys
import se.uppsok.core.FeedPath
import se.uppsok.core.TripStart
import se.uppsok.core.UppsokStore
import se.uppsok.core.benchFeedFixes
import se.uppsok.core.benchListVisits

/**
 * The FFI benchmark (tests/kotlin/bench): the same facade calls timed from Kotlin across the FFI
 * and from Rust inside the library (the exported `bench_*` helpers), in one process, as ratios.
 *
 * 1. list 1,000 visits: `visitsBetween` over a store holding 1,000 visits;
 * 2. feed 3,600 fixes (an hour at 1 Hz) to a recording, one call per fix: `PositionFeed.feed`
 *    (the C entry point `uppsok_feed_position` over JNA's direct mapping, what the Android
 *    tracker uses), `feedPosition` (uniffi, plain numbers) and `feedFix` (uniffi, a `FixInput`
 *    record); and in `feedFixes` calls of 10. Rust runs the same facade calls (`FeedPath`).
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
    // Each path: Kotlin's loop over the FFI, then the same calls from Rust (benchFeedFixes), in
    // turn, so load changes on the machine hit both sides alike.
    val paths = listOf(FeedPath.SINK, FeedPath.NUMBERS, FeedPath.RECORD, FeedPath.BATCH)
    val kt = paths.associateWith { mutableListOf<Double>() }
    val rs = paths.associateWith { mutableListOf<Double>() }
    val chunks = fixes.chunked(10)
    repeat(6) { round ->
        for (path in paths) {
            val rec = store.startTrip(start)
            val feed = PositionFeed(rec) // as TripTracker: the sink is looked up once, untimed
            val t = System.nanoTime()
            when (path) {
                FeedPath.SINK -> for (f in fixes) feed.feed(f.lat, f.lon, f.accuracyM, f.timeMs, f.speedMps ?: Double.NaN)
                FeedPath.NUMBERS -> for (f in fixes) rec.feedPosition(f.lat, f.lon, f.accuracyM, f.timeMs, f.speedMps ?: Double.NaN)
                FeedPath.RECORD -> for (f in fixes) rec.feedFix(f)
                FeedPath.BATCH -> for (c in chunks) rec.feedFixes(c)
            }
            val took = (System.nanoTime() - t) / 1e6
            rec.cancel()
            rec.close()
            val rust = benchFeedFixes(store, fixes, path, 10) / 1e6
            if (round > 0) { // round 0 warms up
                kt.getValue(path) += took
                rs.getValue(path) += rust
            }
        }
    }

    val list = median(ktList) / median(rsList)
    fun ratio(p: FeedPath) = median(kt.getValue(p)) / median(rs.getValue(p))
    fun perCallUs(p: FeedPath, calls: Int) = (median(kt.getValue(p)) - median(rs.getValue(p))) * 1000 / calls
    println("seed: 1,000 visits logged one call each in %.0f ms (%.2f ms per durable save)".format(seedMs, seedMs / 1000))
    println("list 1,000 visits: Kotlin %.2f ms, Rust %.2f ms per call -> ratio %.2fx (target <= 3x)"
        .format(median(ktList), median(rsList), list))
    val what = mapOf(
        FeedPath.SINK to "one PositionFeed.feed call each (uppsok_feed_position over JNA direct mapping; what TripTracker does)",
        FeedPath.NUMBERS to "one feedPosition call each (uniffi, five numbers)",
        FeedPath.RECORD to "one feedFix(FixInput) call each (uniffi, a record)",
        FeedPath.BATCH to "in 360 feedFixes calls of 10 (uniffi, a list)",
    )
    for (p in paths) {
        val calls = if (p == FeedPath.BATCH) chunks.size else fixes.size
        println("feed 3,600 fixes %s: Kotlin %.1f ms, Rust %.1f ms -> ratio %.2fx%s; crossing %.1f us per call, Rust's work %.1f us per fix"
            .format(what.getValue(p), median(kt.getValue(p)), median(rs.getValue(p)), ratio(p),
                if (p == FeedPath.SINK || p == FeedPath.BATCH) " (target <= 2x)" else "",
                perCallUs(p, calls), median(rs.getValue(p)) * 1000 / fixes.size))
    }
    val met = list <= 3.0 && ratio(FeedPath.SINK) <= 2.0
    println(if (met) "targets met (list; one fix per call)" else "TARGET MISSED")
    store.wipe()
    store.close()
}
