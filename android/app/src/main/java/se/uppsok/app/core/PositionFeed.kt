// Plain Kotlin (no Android imports): compiled and tested on the host JVM by tests/kotlin/run.
package se.uppsok.app.core

import com.sun.jna.Native
import se.uppsok.core.TripRecording

/**
 * The core's `uppsok_feed_position` C function, bound with JNA's direct mapping: six numbers in,
 * one number out, no JNA `Structure`. A uniffi method call from Kotlin costs two JNA calls, each
 * with a call-status structure JNA writes and reads by reflection; for the once-a-second location
 * callback that crossing cost more than the recorder's own work (tests/kotlin/bench,
 * docs/phones.md). Everything else goes through the generated bindings.
 */
internal object NativePosition {
    init {
        // The same library, and the same override property, as the generated bindings use.
        Native.register(
            NativePosition::class.java,
            System.getProperty("uniffi.component.uppsok_core.libraryOverride") ?: "uppsok_core",
        )
    }

    external fun uppsok_feed_position(sink: Long, lat: Double, lon: Double, accuracyM: Double, timeMs: Long, speedMps: Double): Int

    // The codes of core/device/src/ffi/position.rs.
    const val ACCEPTED = 1
    const val DROPPED = 0
    const val FAILED = -1
    const val UNKNOWN_SINK = -2
}

/**
 * Feeds fixes to [recording] one call each through [NativePosition]: what
 * [TripRecording.feedPosition] does (same checks, same durable saves), without uniffi's per-call
 * structures. Errors surface as the same typed `UppsokException` (fetched with
 * [TripRecording.takeFeedError]). Keep [recording] open while this is used.
 */
class PositionFeed(private val recording: TripRecording) {
    private val sink: Long = recording.positionSink()

    /** One fix; `true` when the recorder used it. [speedMps] NaN (or null) means unknown. */
    fun feed(lat: Double, lon: Double, accuracyM: Double, timeMs: Long, speedMps: Double = Double.NaN): Boolean =
        when (val code = NativePosition.uppsok_feed_position(sink, lat, lon, accuracyM, timeMs, speedMps)) {
            NativePosition.ACCEPTED -> true
            NativePosition.DROPPED -> false
            else -> {
                // Throws the typed error the failed call left behind, if there is one.
                recording.takeFeedError()
                throw IllegalStateException(
                    if (code == NativePosition.UNKNOWN_SINK) "the trip recording was closed" else "feeding a position failed ($code)",
                )
            }
        }
}
