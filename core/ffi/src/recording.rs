//! Recording a trip by GPS: the app's foreground service (Android) or location updates (iOS)
//! feed fixes into a [`TripRecording`]; finishing it saves the trip with the smoothed distance
//! and its quality (or the odometer's, when both readings were given), and drops the fixes
//! (docs/design.md §4: data minimisation).
//!
//! The recording itself is `uppsok-device::trips::TripRecording`, which seals its state into
//! the store on start, every few fixes and on finish, so a trip survives the app being killed:
//! [`super::UppsokStore::active_trip`] picks it up again. This module keeps the one recording of
//! a store object in memory for all handles, so every handle to the active trip sees the same
//! recorder, and converts the app's records.

use super::error::{Result, UppsokError};
use super::store::Shared;
use super::types::{QualityGrade, TripItem, parse_id, vehicle, vehicle_text};
use chrono::Utc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use uppsok_model as m;
use uppsok_model::mileage::{Fix, FixOutcome};

/// The recording held by a store object (at most one at a time).
pub(crate) type RecordingState = uppsok_device::trips::TripRecording;

/// What is known when a recording starts.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TripStart {
    /// `null` for the driver's own car, else the service car's registration.
    pub service_car: Option<String>,
    pub from_place: String,
    /// The errand (ärende).
    pub purpose: String,
    /// Whom visited: a client code or an organisation.
    pub visited: Option<String>,
    /// Visits the trip is driven for.
    pub visit_ids: Vec<String>,
    /// The odometer when leaving; with a reading at the end it overrides the GPS distance.
    pub odometer_start: Option<i32>,
    /// Leaving from home rather than the workplace: only the part beyond the driver's
    /// home–workplace distance is paid.
    #[uniffi(default = false)]
    pub from_home: bool,
}

/// One position from the platform's location API.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct FixInput {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy (68 % radius), metres, as the platform reports it.
    pub accuracy_m: f64,
    /// Unix time of the fix, ms.
    pub time_ms: i64,
    /// Doppler speed, if the platform has one.
    pub speed_mps: Option<f64>,
}

impl From<FixInput> for Fix {
    fn from(f: FixInput) -> Self {
        Fix {
            lat: f.lat,
            lon: f.lon,
            accuracy_m: f.accuracy_m,
            time_ms: f.time_ms,
            speed_mps: f.speed_mps,
        }
    }
}

/// The recording so far, for the screen that shows a running trip.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RecordingProgress {
    pub started_ms: i64,
    pub km: f64,
    /// The part of `km` bridged across dead zones.
    pub estimated_km: f64,
    pub duration_s: f64,
    pub fixes_used: i64,
    pub fixes_dropped: i64,
    pub quality: QualityGrade,
}

fn reading(field: &str, v: Option<i32>) -> Result<Option<u32>> {
    v.map(|r| u32::try_from(r).map_err(|_| UppsokError::invalid(field, "must not be negative")))
        .transpose()
}

/// A handle to the trip being recorded. Every method is cheap except [`finish`](Self::finish)
/// and the periodic save inside the feed methods (one SQLite write).
#[derive(uniffi::Object)]
pub struct TripRecording {
    shared: Arc<Shared>,
    id: m::TripId,
    /// This handle's number for `uppsok_feed_position` (`super::position`), once asked for.
    pub(crate) sink: OnceLock<i64>,
    /// The last error of a call through `uppsok_feed_position`, which can only return a code.
    pub(crate) feed_error: Mutex<Option<UppsokError>>,
}

impl TripRecording {
    pub(crate) fn start(shared: &Arc<Shared>, start: TripStart) -> Result<Arc<Self>> {
        let ts = uppsok_device::trips::TripStart {
            from: m::PlaceName::parse(&start.from_place)?,
            purpose: m::Purpose::parse(&start.purpose)?,
            vehicle: vehicle(&start.service_car)?,
            start: Utc::now(),
            visited: start
                .visited
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            visits: start
                .visit_ids
                .iter()
                .map(|v| parse_id("visits", v))
                .collect::<Result<_>>()?,
            odometer_start: reading("odometer_start", start.odometer_start)?,
            from_home: start.from_home,
        };
        let mut slot = shared.recording();
        if slot.is_some() {
            return Err(UppsokError::invalid(
                "trip",
                "a trip is already being recorded; finish or cancel it first",
            ));
        }
        let rec = shared.with(|s| Ok(RecordingState::start(s, ts)?))?;
        let id = rec.id();
        *slot = Some(rec);
        Ok(Self::handle(shared, id))
    }

    fn handle(shared: &Arc<Shared>, id: m::TripId) -> Arc<Self> {
        Arc::new(TripRecording {
            shared: Arc::clone(shared),
            id,
            sink: OnceLock::new(),
            feed_error: Mutex::new(None),
        })
    }

    pub(crate) fn resume(shared: &Arc<Shared>) -> Result<Option<Arc<Self>>> {
        let mut slot = shared.recording();
        if slot.is_none() {
            *slot = shared.with(|s| Ok(RecordingState::resume(s)?))?;
        }
        Ok(slot.as_ref().map(|rec| Self::handle(shared, rec.id())))
    }

    /// Run `f` on this recording; `NotFound` once it was finished or cancelled.
    fn with_state<T>(&self, f: impl FnOnce(&mut RecordingState) -> Result<T>) -> Result<T> {
        let mut slot = self.shared.recording();
        match slot.as_mut() {
            Some(rec) if rec.id() == self.id => f(rec),
            _ => Err(UppsokError::NotFound {
                what: "trip recording".into(),
            }),
        }
    }

    fn push(&self, fix: Fix) -> Result<bool> {
        self.with_state(|rec| {
            self.shared
                .with(|s| Ok(rec.push(s, fix)? == FixOutcome::Accepted))
        })
    }
}

#[uniffi::export]
impl TripRecording {
    /// The id the saved trip will have.
    pub fn trip_id(&self) -> String {
        self.id.to_string()
    }

    /// What was given when the recording started (from, errand, car, odometer reading): the
    /// app needs it to finish a recording too thin for GPS with two odometer readings after it
    /// was killed and resumed (it then saves the trip by hand and cancels the recording).
    pub fn started(&self) -> Result<TripStart> {
        self.with_state(|rec| {
            let s = rec.started();
            Ok(TripStart {
                service_car: vehicle_text(&s.vehicle),
                from_place: s.from.to_string(),
                purpose: s.purpose.to_string(),
                visited: s.visited.clone(),
                visit_ids: s.visits.iter().map(ToString::to_string).collect(),
                odometer_start: s
                    .odometer_start
                    .map(|r| i32::try_from(r).unwrap_or(i32::MAX)),
                from_home: s.from_home,
            })
        })
    }

    /// Feed one fix; `true` when it passed the recorder's checks (accuracy, speed, time).
    pub fn feed_fix(&self, fix: FixInput) -> Result<bool> {
        self.push(fix.into())
    }

    /// [`feed_fix`](Self::feed_fix) with plain numbers instead of a record: the call a location
    /// callback makes once a second for hours, so it crosses the FFI without allocating a
    /// buffer. `speed_mps` NaN means unknown.
    pub fn feed_position(
        &self,
        lat: f64,
        lon: f64,
        accuracy_m: f64,
        time_ms: i64,
        speed_mps: f64,
    ) -> Result<bool> {
        self.push(Fix {
            lat,
            lon,
            accuracy_m,
            time_ms,
            speed_mps: speed_mps.is_finite().then_some(speed_mps),
        })
    }

    /// The number that names this recording to `uppsok_feed_position`, the plain C function
    /// that does what [`feed_position`](Self::feed_position) does without uniffi's per-call
    /// structures (Kotlin's location callback calls it through JNA's direct mapping; see
    /// `ffi::position`). Valid while this object is open; the same number on every call.
    pub fn position_sink(self: Arc<Self>) -> i64 {
        super::position::register(&self)
    }

    /// Throw the error of the last failed `uppsok_feed_position` call (it returned a negative
    /// code), once; `Ok` when there is none.
    pub fn take_feed_error(&self) -> Result<()> {
        match self
            .feed_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Feed fixes the platform delivered in a batch; returns how many were accepted. Saves the
    /// state at the end.
    pub fn feed_fixes(&self, fixes: Vec<FixInput>) -> Result<i32> {
        self.with_state(|rec| {
            self.shared.with(|s| {
                let mut accepted = 0i32;
                for fix in fixes {
                    if rec.push(s, fix.into())? == FixOutcome::Accepted {
                        accepted = accepted.saturating_add(1);
                    }
                }
                rec.save(s)?;
                Ok(accepted)
            })
        })
    }

    /// The distance so far, km (measured plus bridged).
    pub fn current_km(&self) -> Result<f64> {
        self.with_state(|rec| Ok(rec.distance_km()))
    }

    pub fn progress(&self) -> Result<RecordingProgress> {
        self.with_state(|rec| {
            let s = rec.summary();
            Ok(RecordingProgress {
                started_ms: rec.started().start.timestamp_millis(),
                km: s.distance_km,
                estimated_km: s.estimated_km,
                duration_s: s.duration_s,
                fixes_used: i64::try_from(s.fixes_used).unwrap_or(i64::MAX),
                fixes_dropped: i64::try_from(s.fixes_dropped.total()).unwrap_or(i64::MAX),
                quality: s.quality.into(),
            })
        })
    }

    /// Seal the state now (the app calls it when it goes to the background).
    pub fn save(&self) -> Result<()> {
        self.with_state(|rec| self.shared.with(|s| Ok(rec.save(s)?)))
    }

    /// End the recording and save the trip: the odometer distance when both readings are
    /// there, else the GPS distance; the fixes are dropped in the same transaction. Fails (and
    /// keeps recording) when there is no distance (too few usable fixes and no odometer): the
    /// app then asks for the odometer reading or manual entry.
    pub fn finish(
        &self,
        to_place: String,
        to_address: Option<String>,
        odometer_end: Option<i32>,
    ) -> Result<TripItem> {
        let fin = uppsok_device::trips::TripFinish {
            to: m::PlaceName::parse(&to_place)?,
            end: Utc::now(),
            odometer_end: reading("odometer_end", odometer_end)?,
            to_address: to_address
                .as_deref()
                .filter(|a| !a.trim().is_empty())
                .map(m::Address::parse)
                .transpose()?,
        };
        let mut slot = self.shared.recording();
        let rec = match slot.as_ref() {
            Some(rec) if rec.id() == self.id => rec,
            _ => {
                return Err(UppsokError::NotFound {
                    what: "trip recording".into(),
                });
            }
        };
        // `finish` consumes the recording; a clone keeps ours when it refuses.
        let trip = self.shared.with(|s| Ok(rec.clone().finish(s, fin)?))?;
        *slot = None;
        Ok(TripItem::from_model(&trip))
    }

    /// Stop recording without saving a trip; the fixes are deleted.
    pub fn cancel(&self) -> Result<()> {
        let mut slot = self.shared.recording();
        match slot.as_ref() {
            Some(rec) if rec.id() == self.id => {
                self.shared.with(|s| Ok(rec.clone().cancel(s)?))?;
                *slot = None;
                Ok(())
            }
            _ => Err(UppsokError::NotFound {
                what: "trip recording".into(),
            }),
        }
    }
}
