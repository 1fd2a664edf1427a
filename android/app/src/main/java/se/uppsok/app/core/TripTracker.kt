// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import se.uppsok.core.TripRecording

/**
 * What the location service does with each platform fix: hand it to the core's recorder and
 * keep the notification text current. The Android foreground service and the iOS location
 * delegate are thin shells around this.
 */
class TripTracker(private val recording: TripRecording, private val lang: Lang) {
    var accepted = 0
        private set
    var dropped = 0
        private set

    /** One fix from the platform (Android `Location`, iOS `CLLocation`), already unpacked. */
    fun onLocation(lat: Double, lon: Double, accuracyM: Float?, timeMs: Long, speedMps: Float?): Boolean {
        // A platform that does not know its accuracy says so with 0; the recorder drops those.
        // feedPosition takes plain numbers: no buffer per call, once a second for hours.
        val ok = recording.feedPosition(lat, lon, accuracyM?.toDouble() ?: 0.0, timeMs, speedMps?.toDouble() ?: Double.NaN)
        if (ok) accepted++ else dropped++
        return ok
    }

    /** "12,4 km · 18 min" for the ongoing notification. */
    fun notificationText(nowMs: Long): String {
        val p = recording.progress()
        val minutes = ((nowMs - p.startedMs).coerceAtLeast(0L) / 60_000L).toInt()
        return "${Format.km(p.km, lang)} · ${Format.minutes(minutes, lang)}"
    }
}
