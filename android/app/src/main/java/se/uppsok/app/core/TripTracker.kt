// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.TripRecording

/**
 * What the location service does with each platform fix: hand it to the core's recorder at
 * once, one call per fix through [PositionFeed] (plain numbers over JNA's direct mapping, the
 * cheapest crossing: tests/kotlin/bench), and keep the notification text current. Nothing is
 * held back in Kotlin, so a killed app loses only what the recorder had not sealed yet (at most
 * 10 fixes or 15 s of track: `trips::SavePolicy`). The Android foreground service is a thin
 * shell around this. Not thread-safe: call it from one thread (the service's location callback).
 */
class TripTracker(private val recording: TripRecording, private val lang: Lang) {
    private val feed = PositionFeed(recording)
    var accepted = 0
        private set
    var dropped = 0
        private set

    /** One fix from the platform (Android `Location`), already unpacked. */
    fun onLocation(lat: Double, lon: Double, accuracyM: Float?, timeMs: Long, speedMps: Float?) {
        // A platform that does not know its accuracy says so with 0; the recorder drops those.
        if (feed.feed(lat, lon, accuracyM?.toDouble() ?: 0.0, timeMs, speedMps?.toDouble() ?: Double.NaN)) {
            accepted++
        } else {
            dropped++
        }
    }

    /** "12,4 km · 18 min" for the ongoing notification. */
    fun notificationText(nowMs: Long): String {
        val p = recording.progress()
        val minutes = ((nowMs - p.startedMs).coerceAtLeast(0L) / 60_000L).toInt()
        return "${Format.km(p.km, lang)} · ${Format.minutes(minutes, lang)}"
    }
}
