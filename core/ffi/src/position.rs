//! The once-a-second position call without uniffi's per-call machinery, for Kotlin on JNA.
//!
//! Why it exists: through uniffi 0.32 every method call from Kotlin is two JNA calls (the first
//! clones the object's handle), and each allocates a `RustCallStatus` JNA `Structure` that JNA
//! writes before and reads after the call by reflection. `tests/kotlin/bench` measured that at
//! tens of µs per call on the build machine, more than the recorder's own work per fix, so a
//! location callback feeding one fix a second for hours paid mostly for the crossing.
//! [`uppsok_feed_position`] takes only numbers and returns a number, which JNA's direct mapping
//! passes without any structure: one plain native call.
//!
//! It stays safe Rust: the recording is found by a number from a registry
//! ([`TripRecording::position_sink`]), never by a pointer, so a stale or made-up number gives
//! an error code, not undefined behaviour. A failed call returns a negative code and leaves the
//! typed error with the recording, for [`TripRecording::take_feed_error`] to throw. The work
//! behind the call is exactly [`TripRecording::feed_position`]'s (the durable-write cadence
//! included), so a fix fed this way survives a kill exactly as one fed through uniffi.
//!
//! Swift calls uniffi's C functions directly with the status on the stack (no JNA, no
//! reflection), so the iOS app keeps `feedPosition`.

use super::error::UppsokError;
use super::recording::TripRecording;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// [`uppsok_feed_position`]: the fix passed the recorder's checks.
pub const FEED_ACCEPTED: i32 = 1;
/// The fix was dropped by the recorder's checks (accuracy, speed, time): not an error.
pub const FEED_DROPPED: i32 = 0;
/// The call failed; [`TripRecording::take_feed_error`] throws the reason.
pub const FEED_FAILED: i32 = -1;
/// No live recording has this sink number (its object was closed, or the number is wrong).
pub const FEED_UNKNOWN_SINK: i32 = -2;
/// The recorder panicked; the panic was caught at the boundary.
pub const FEED_PANICKED: i32 = -3;

/// Sink number → recording. Weak, so a sink never keeps a closed recording object alive.
fn sinks() -> &'static Mutex<HashMap<i64, Weak<TripRecording>>> {
    static SINKS: std::sync::OnceLock<Mutex<HashMap<i64, Weak<TripRecording>>>> =
        std::sync::OnceLock::new();
    SINKS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Numbers start at 1, so 0 (what a Kotlin `Long` field starts as) is never a sink.
static NEXT_SINK: AtomicI64 = AtomicI64::new(1);

/// The sink number of `rec`, registered on first use.
pub(crate) fn register(rec: &Arc<TripRecording>) -> i64 {
    *rec.sink.get_or_init(|| {
        let n = NEXT_SINK.fetch_add(1, Ordering::Relaxed);
        let mut map = sinks().lock().unwrap_or_else(PoisonError::into_inner);
        // Drop the entries of recording objects that are gone, so the map stays as small as
        // the number of live handles.
        map.retain(|_, w| w.strong_count() > 0);
        map.insert(n, Arc::downgrade(rec));
        n
    })
}

fn lookup(sink: i64) -> Option<Arc<TripRecording>> {
    sinks()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&sink)
        .and_then(Weak::upgrade)
}

/// Feed one fix to the recording registered as `sink` (see [`TripRecording::position_sink`]):
/// [`TripRecording::feed_position`] with a plain C signature. `speed_mps` NaN means unknown.
/// Returns [`FEED_ACCEPTED`], [`FEED_DROPPED`], or a negative code ([`FEED_FAILED`]: the
/// error waits in [`TripRecording::take_feed_error`]; [`FEED_UNKNOWN_SINK`];
/// [`FEED_PANICKED`]).
#[unsafe(no_mangle)]
pub extern "C" fn uppsok_feed_position(
    sink: i64,
    lat: f64,
    lon: f64,
    accuracy_m: f64,
    time_ms: i64,
    speed_mps: f64,
) -> i32 {
    // A panic must not unwind into the JVM (an `extern "C"` function would abort the app).
    let outcome = std::panic::catch_unwind(|| {
        let Some(rec) = lookup(sink) else {
            return FEED_UNKNOWN_SINK;
        };
        match rec.feed_position(lat, lon, accuracy_m, time_ms, speed_mps) {
            Ok(true) => FEED_ACCEPTED,
            Ok(false) => FEED_DROPPED,
            Err(e) => {
                rec.keep_feed_error(e);
                FEED_FAILED
            }
        }
    });
    outcome.unwrap_or(FEED_PANICKED)
}

impl TripRecording {
    /// Leave `e` for [`TripRecording::take_feed_error`] (the newest error wins).
    pub(crate) fn keep_feed_error(&self, e: UppsokError) {
        *self
            .feed_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(e);
    }
}
