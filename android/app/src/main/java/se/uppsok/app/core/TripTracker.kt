// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.FixInput
import se.uppsok.core.TripRecording

/**
 * What the location service does with each platform fix: hand them to the core's recorder in
 * batches of [batch] (one FFI call per batch instead of per fix: the recorder seals its state
 * every 10 fixes anyway, so a kill loses no more than it would), and keep the notification text
 * current. The Android foreground service and the iOS location delegate are thin shells around
 * this. Not thread-safe: call it from one thread (the service's location callback).
 */
class TripTracker(private val recording: TripRecording, private val lang: Lang, private val batch: Int = 10) {
    private val pending = ArrayList<FixInput>(batch)
    var accepted = 0
        private set
    var dropped = 0
        private set

    /** One fix from the platform (Android `Location`, iOS `CLLocation`), already unpacked. */
    fun onLocation(lat: Double, lon: Double, accuracyM: Float?, timeMs: Long, speedMps: Float?) {
        // A platform that does not know its accuracy says so with 0; the recorder drops those.
        pending.add(FixInput(lat, lon, accuracyM?.toDouble() ?: 0.0, timeMs, speedMps?.toDouble()))
        if (pending.size >= batch) flush()
    }

    /** Hand the waiting fixes to the recorder now (before the notification, on stop). */
    fun flush() {
        if (pending.isEmpty()) return
        val n = pending.size
        val ok = recording.feedFixes(pending.toList())
        pending.clear()
        accepted += ok
        dropped += n - ok
    }

    /** "12,4 km · 18 min" for the ongoing notification. */
    fun notificationText(nowMs: Long): String {
        flush()
        val p = recording.progress()
        val minutes = ((nowMs - p.startedMs).coerceAtLeast(0L) / 60_000L).toInt()
        return "${Format.km(p.km, lang)} · ${Format.minutes(minutes, lang)}"
    }
}
