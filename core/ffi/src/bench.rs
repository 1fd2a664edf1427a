//! Timing helpers for the FFI benchmark (`tests/kotlin/bench`): each runs, from Rust, exactly
//! the facade calls the Kotlin benchmark makes across the FFI, so the two timings taken in the
//! same process give the cost of crossing the boundary as a ratio.

use super::error::Result;
use super::position::uppsok_feed_position;
use super::recording::{FixInput, TripStart};
use super::store::UppsokStore;
use std::sync::Arc;
use std::time::Instant;

fn nanos(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_nanos()).unwrap_or(i64::MAX)
}

/// Nanoseconds for `rounds` calls of [`UppsokStore::visits_between`] made from Rust.
#[uniffi::export]
pub fn bench_list_visits(
    store: Arc<UppsokStore>,
    from_ms: i64,
    before_ms: i64,
    rounds: i32,
) -> Result<i64> {
    let t = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(store.visits_between(from_ms, before_ms)?);
    }
    Ok(nanos(t))
}

/// Which facade call [`bench_feed_fixes`] feeds the fixes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FeedPath {
    /// One [`feed_fix`](super::TripRecording::feed_fix) call per fix (a `FixInput` record).
    Record,
    /// One [`feed_position`](super::TripRecording::feed_position) call per fix.
    Numbers,
    /// One [`uppsok_feed_position`](super::uppsok_feed_position) call per fix, through the
    /// recording's [`position_sink`](super::TripRecording::position_sink).
    Sink,
    /// [`feed_fixes`](super::TripRecording::feed_fixes) calls of `batch` fixes.
    Batch,
}

/// Nanoseconds to feed `fixes` to a new recording from Rust, the way the Kotlin benchmark does
/// across the FFI, through `path` (`batch` fixes per call for [`FeedPath::Batch`]). The
/// recording is cancelled afterwards (not timed).
#[uniffi::export]
pub fn bench_feed_fixes(
    store: Arc<UppsokStore>,
    fixes: Vec<FixInput>,
    path: FeedPath,
    batch: i32,
) -> Result<i64> {
    let rec = store.start_trip(TripStart {
        service_car: None,
        from_place: "Kalix".into(),
        purpose: "Benchmark".into(),
        visited: None,
        visit_ids: Vec::new(),
        odometer_start: None,
        from_home: false,
    })?;
    // The chunks and the sink are made before the clock starts, as Kotlin's are.
    let size = usize::try_from(batch).unwrap_or(1).max(1);
    let chunks: Vec<Vec<FixInput>> = fixes.chunks(size).map(<[FixInput]>::to_vec).collect();
    let sink = Arc::clone(&rec).position_sink();
    let t = Instant::now();
    match path {
        FeedPath::Record => {
            for fix in fixes {
                std::hint::black_box(rec.feed_fix(fix)?);
            }
        }
        FeedPath::Numbers => {
            for f in fixes {
                let speed = f.speed_mps.unwrap_or(f64::NAN);
                let accepted = rec.feed_position(f.lat, f.lon, f.accuracy_m, f.time_ms, speed)?;
                std::hint::black_box(accepted);
            }
        }
        FeedPath::Sink => {
            for f in fixes {
                let speed = f.speed_mps.unwrap_or(f64::NAN);
                let code = uppsok_feed_position(sink, f.lat, f.lon, f.accuracy_m, f.time_ms, speed);
                if code < 0 {
                    // Kotlin's wrapper does the same: fetch the typed error.
                    rec.take_feed_error()?;
                }
                std::hint::black_box(code);
            }
        }
        FeedPath::Batch => {
            for chunk in chunks {
                std::hint::black_box(rec.feed_fixes(chunk)?);
            }
        }
    }
    let took = nanos(t);
    rec.cancel()?;
    Ok(took)
}
