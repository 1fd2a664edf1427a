//! Timing helpers for the FFI benchmark (`tests/kotlin/bench`): each runs, from Rust, exactly
//! the facade calls the Kotlin benchmark makes across the FFI, so the two timings taken in the
//! same process give the cost of crossing the boundary as a ratio.

use super::error::Result;
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

/// Nanoseconds to feed `fixes` to a new recording from Rust, the way the Kotlin benchmark does
/// across the FFI: in [`feed_fixes`](super::TripRecording::feed_fixes) calls of `batch` fixes
/// when `batch` > 1, else one call per fix, through
/// [`feed_position`](super::TripRecording::feed_position) when `positions` and
/// [`feed_fix`](super::TripRecording::feed_fix) otherwise. The recording is cancelled afterwards
/// (not timed).
#[uniffi::export]
pub fn bench_feed_fixes(
    store: Arc<UppsokStore>,
    fixes: Vec<FixInput>,
    positions: bool,
    batch: i32,
) -> Result<i64> {
    let rec = store.start_trip(TripStart {
        service_car: None,
        from_place: "Kalix".into(),
        purpose: "Benchmark".into(),
        visited: None,
        visit_ids: Vec::new(),
        odometer_start: None,
    })?;
    let chunks: Vec<Vec<FixInput>> = match usize::try_from(batch) {
        Ok(n) if n > 1 => fixes.chunks(n).map(<[FixInput]>::to_vec).collect(),
        _ => Vec::new(),
    };
    let t = Instant::now();
    if chunks.is_empty() {
        for fix in fixes {
            let accepted = if positions {
                rec.feed_position(
                    fix.lat,
                    fix.lon,
                    fix.accuracy_m,
                    fix.time_ms,
                    fix.speed_mps.unwrap_or(f64::NAN),
                )?
            } else {
                rec.feed_fix(fix)?
            };
            std::hint::black_box(accepted);
        }
    } else {
        // The chunks are made before the clock starts, as Kotlin's are.
        for chunk in chunks {
            std::hint::black_box(rec.feed_fixes(chunk)?);
        }
    }
    let took = nanos(t);
    rec.cancel()?;
    Ok(took)
}
