//! Work trips on the phone: recording one by GPS, adding one by odometer, km or suggestion, and
//! the small state around them (the trip in progress, each vehicle's last odometer reading).
//!
//! A recording ([`TripRecording`]) wraps the model's [`TripRecorder`] with what the trip needs
//! (from, errand, vehicle, start) and keeps all of it in a sealed blob of the store, so a trip
//! in progress survives the app being killed, the phone rebooting or the battery dying
//! (docs/design.md §4: the fixes are personal data — where the case manager drove — so they are
//! sealed like a note). The state is written on start, every [`SavePolicy::every_fixes`] fixes
//! or [`SavePolicy::every_s`] seconds of fix time, and on finish, when the trip is saved and the
//! blob deleted in the same transaction: once the trip exists, its fixes do not.
//!
//! Why that cadence: sealing and fsyncing the state costs about a millisecond, and a phone
//! gives a fix a second, so saving every fix would be affordable but pointless wear; losing
//! the last ten seconds when the app is killed costs a few hundred metres at most, which the
//! recorder bridges as a flagged estimate when the recording resumes.
//!
//! Distances, best first: both odometer readings (they override GPS), the GPS recording, km
//! typed by hand, and last a suggestion ([`suggest_km`]: the median of the team's earlier trips
//! between the same places, else straight line × detour factor), marked `suggested`.

use crate::error::{DeviceError, Result};
use crate::store::{Store, TripFilter, Writer};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uppsok_model::gazetteer::{self, normalise};
use uppsok_model::mileage::{
    Fix, FixOutcome, LatLon, PastTrip, PlaceRef, QualityGrade, Suggestion, TripRecorder,
    TripSummary, suggest,
};
use uppsok_model::{
    Address, DistanceSource, PlaceName, Purpose, Trip, TripId, Username, ValidationError, Vehicle,
    VisitId,
};

/// The sealed blob holding the trip in progress.
const RECORDING_BLOB: &str = "trip_recording";
/// Prefix of the sealed blobs holding a vehicle's last odometer reading.
const ODOMETER_BLOB: &str = "odometer:";

/// How often a recording's state is written while fixes come in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SavePolicy {
    pub every_fixes: u32,
    /// Seconds of fix time (the fixes' own clock, so a test replaying a track saves the same
    /// way as a phone driving it).
    pub every_s: u32,
}

impl Default for SavePolicy {
    fn default() -> Self {
        Self {
            every_fixes: 10,
            every_s: 15,
        }
    }
}

/// What the driver says when a recording starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripStart {
    pub from: PlaceName,
    pub purpose: Purpose,
    pub vehicle: Vehicle,
    pub start: DateTime<Utc>,
    #[serde(default)]
    pub visited: Option<String>,
    #[serde(default)]
    pub visits: Vec<VisitId>,
    /// The odometer when leaving; prefilled from [`last_odometer`].
    #[serde(default)]
    pub odometer_start: Option<u32>,
    /// Leaving from home rather than the workplace (the home–workplace part is not paid).
    #[serde(default)]
    pub from_home: bool,
}

/// What the driver adds when a recording ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripFinish {
    pub to: PlaceName,
    pub end: DateTime<Utc>,
    /// With an odometer reading at the start, this overrides the GPS distance.
    #[serde(default)]
    pub odometer_end: Option<u32>,
    #[serde(default)]
    pub to_address: Option<Address>,
}

/// Everything a trip in progress needs, as it is sealed in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RecordingState {
    id: TripId,
    driver: Username,
    start: TripStart,
    recorder: TripRecorder,
    policy: SavePolicy,
    /// Fixes pushed and the newest fix time at the last save.
    saved_fixes: u64,
    saved_at_ms: Option<i64>,
    pushed: u64,
    newest_ms: Option<i64>,
}

/// A trip being recorded by GPS. Hold one per store; [`TripRecording::resume`] gets it back
/// after a restart.
#[derive(Debug, Clone, PartialEq)]
pub struct TripRecording {
    state: RecordingState,
}

fn undecodable() -> DeviceError {
    DeviceError::Undecodable {
        what: "trip recording",
    }
}

impl TripRecording {
    /// Start recording: refuses while another recording is in progress (finish or cancel it
    /// first), and saves the fresh state at once.
    pub fn start(store: &Store, start: TripStart) -> Result<Self> {
        Self::start_with(store, start, SavePolicy::default())
    }

    pub fn start_with(store: &Store, start: TripStart, policy: SavePolicy) -> Result<Self> {
        if store.get_sealed_blob(RECORDING_BLOB)?.is_some() {
            return Err(ValidationError::new(
                "trip",
                "a trip is already being recorded; finish or cancel it first",
            )
            .into());
        }
        let mut rec = TripRecording {
            state: RecordingState {
                id: TripId::new(),
                driver: store.profile()?.user,
                start,
                recorder: TripRecorder::new(),
                policy: SavePolicy {
                    every_fixes: policy.every_fixes.max(1),
                    every_s: policy.every_s,
                },
                saved_fixes: 0,
                saved_at_ms: None,
                pushed: 0,
                newest_ms: None,
            },
        };
        rec.save(store)?;
        Ok(rec)
    }

    /// The recording in progress, as last saved, if there is one.
    pub fn resume(store: &Store) -> Result<Option<Self>> {
        let Some(bytes) = store.get_sealed_blob(RECORDING_BLOB)? else {
            return Ok(None);
        };
        let state: RecordingState = serde_json::from_slice(&bytes).map_err(|_| undecodable())?;
        Ok(Some(TripRecording { state }))
    }

    /// Feed one fix from the platform; saves the state when the policy says so. Invalid fixes
    /// are counted and dropped by the recorder, never an error.
    pub fn push(&mut self, store: &Store, fix: Fix) -> Result<FixOutcome> {
        let outcome = self.state.recorder.push(fix);
        let s = &mut self.state;
        s.pushed += 1;
        if matches!(outcome, FixOutcome::Accepted) {
            s.newest_ms = Some(s.newest_ms.map_or(fix.time_ms, |t| t.max(fix.time_ms)));
        }
        let by_count = s.pushed - s.saved_fixes >= u64::from(s.policy.every_fixes);
        let by_time = match (s.newest_ms, s.saved_at_ms) {
            (Some(newest), Some(saved)) => {
                newest.saturating_sub(saved) >= i64::from(s.policy.every_s) * 1000
            }
            (Some(_), None) => false,
            _ => false,
        };
        if by_count || by_time {
            self.save(store)?;
        }
        Ok(outcome)
    }

    /// Write the state now (the app is going to the background, say).
    pub fn save(&mut self, store: &Store) -> Result<()> {
        self.state.saved_fixes = self.state.pushed;
        self.state.saved_at_ms = self.state.newest_ms.or(self.state.saved_at_ms);
        let bytes = serde_json::to_vec(&self.state).map_err(|_| undecodable())?;
        store.put_sealed_blob(RECORDING_BLOB, &bytes)
    }

    pub fn id(&self) -> TripId {
        self.state.id
    }

    pub fn started(&self) -> &TripStart {
        &self.state.start
    }

    /// Fixes fed so far (including those not yet saved).
    pub fn fixes_pushed(&self) -> u64 {
        self.state.pushed
    }

    /// The distance so far, for the screen.
    pub fn distance_km(&self) -> f64 {
        self.state.recorder.summary().distance_km
    }

    pub fn summary(&self) -> TripSummary {
        self.state.recorder.summary()
    }

    /// End the recording: build the trip (odometer if both readings are there, else GPS),
    /// save it, remember the vehicle's odometer and delete the fixes, in one transaction.
    ///
    /// Without two usable fixes and without odometer readings there is no distance: the
    /// recording is left as it is, so the driver can add the odometer reading and finish again,
    /// or cancel and add the trip by hand.
    pub fn finish(self, store: &Store, finish: TripFinish) -> Result<Trip> {
        let s = self.state;
        let summary = s.recorder.summary();
        let (km, source, gps) = match (s.start.odometer_start, finish.odometer_end) {
            (Some(a), Some(b)) => (
                f64::from(b.saturating_sub(a)),
                DistanceSource::Odometer,
                None,
            ),
            _ if summary.quality == QualityGrade::NoData => {
                return Err(ValidationError::new(
                    "km",
                    "the recording has too few GPS positions for a distance; give the odometer reading or add the trip by hand",
                )
                .into());
            }
            _ => (
                summary.distance_km,
                DistanceSource::Gps,
                Some(summary.gps_quality()),
            ),
        };
        let trip = Trip {
            id: s.id,
            driver: s.driver,
            vehicle: s.start.vehicle,
            start: s.start.start,
            end: Some(finish.end),
            from: s.start.from,
            to: finish.to,
            from_address: None,
            to_address: finish.to_address,
            purpose: s.start.purpose,
            visited: s.start.visited,
            visits: s.start.visits,
            km,
            distance_source: source,
            odometer_start: if source == DistanceSource::Odometer {
                s.start.odometer_start
            } else {
                None
            },
            odometer_end: if source == DistanceSource::Odometer {
                finish.odometer_end
            } else {
                None
            },
            gps,
            distance_confirmed: false,
            from_home: s.start.from_home,
        };
        store.write(|w| {
            w.save_trip(&trip)?;
            if let Some(reading) = finish.odometer_end {
                remember_odometer(w, &trip.vehicle, reading)?;
            }
            w.delete_sealed_blob(RECORDING_BLOB)?;
            Ok(())
        })?;
        Ok(trip)
    }

    /// Throw the recording away (fixes included) without saving a trip.
    pub fn cancel(self, store: &Store) -> Result<()> {
        store.delete_sealed_blob(RECORDING_BLOB).map(|_| ())
    }
}

// ----- odometer memory -----

fn odometer_blob(v: &Vehicle) -> String {
    // `own` or `service:ABC123`: a service car's registration is the employer's, not personal
    // data, and the reading is sealed either way.
    format!("{ODOMETER_BLOB}{v}")
}

/// The vehicle's last odometer reading on this device, to prefill the next trip's start.
pub fn last_odometer(store: &Store, vehicle: &Vehicle) -> Result<Option<u32>> {
    let Some(bytes) = store.get_sealed_blob(&odometer_blob(vehicle))? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| DeviceError::Undecodable {
        what: "odometer reading",
    })?;
    text.parse()
        .map(Some)
        .map_err(|_| DeviceError::Undecodable {
            what: "odometer reading",
        })
}

/// Remember `reading` as the vehicle's latest, inside a write.
pub fn remember_odometer(w: &mut Writer<'_>, vehicle: &Vehicle, reading: u32) -> Result<()> {
    w.put_sealed_blob(&odometer_blob(vehicle), reading.to_string().as_bytes())
}

// ----- suggestions -----

/// Where a place is: the team's own places first (they may correct or add to the gazetteer),
/// then the gazetteer shipped with the app.
pub fn place_coordinates(store: &Store, name: &str) -> Result<Option<LatLon>> {
    let key = normalise(name);
    if let Some(p) = store
        .places()?
        .into_iter()
        .find(|p| normalise(p.name.as_str()) == key)
    {
        return Ok(Some(LatLon::new(p.lat, p.lon)));
    }
    Ok(gazetteer::find(name).map(|p| p.at()))
}

/// A distance for a trip between `from` and `to` that nobody measured: the median of the
/// trips in the store between the same places (either direction; suggested ones do not count,
/// or a guess would confirm itself), else the straight line × detour factor. `None` when the
/// pair has no history and a place is unknown.
pub fn suggest_km(store: &Store, from: &str, to: &str) -> Result<Option<Suggestion>> {
    let history: Vec<PastTrip> = store
        .trips(&TripFilter::default())?
        .into_iter()
        .filter(|t| t.distance_source != DistanceSource::Suggested)
        .map(|t| PastTrip {
            from: t.from.to_string(),
            to: t.to.to_string(),
            km: t.km,
        })
        .collect();
    let (a, b) = (
        place_coordinates(store, from)?,
        place_coordinates(store, to)?,
    );
    Ok(suggest(
        PlaceRef { name: from, at: a },
        PlaceRef { name: to, at: b },
        &history,
    ))
}

// ----- trips added afterwards -----

/// A trip entered after the fact (`trip add`): the distance comes from the odometer, typed km,
/// or a suggestion, in that order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTrip {
    pub from: PlaceName,
    pub to: PlaceName,
    pub purpose: Purpose,
    pub vehicle: Vehicle,
    pub start: DateTime<Utc>,
    #[serde(default)]
    pub end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub visited: Option<String>,
    #[serde(default)]
    pub visits: Vec<VisitId>,
    #[serde(default)]
    pub km: Option<f64>,
    /// Without it, a given `odometer_end` starts from the vehicle's last reading.
    #[serde(default)]
    pub odometer_start: Option<u32>,
    #[serde(default)]
    pub odometer_end: Option<u32>,
    /// Leaving from home rather than the workplace (the home–workplace part is not paid).
    #[serde(default)]
    pub from_home: bool,
}

/// The saved trip, and the suggestion when that is where its km came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddedTrip {
    pub trip: Trip,
    pub suggestion: Option<Suggestion>,
}

/// Save a trip entered after the fact. Odometer readings beat typed km; typed km beat a
/// suggestion; with none of them and no way to suggest, nothing is saved.
pub fn add_trip(store: &Store, input: &NewTrip) -> Result<AddedTrip> {
    if input.km.is_some() && input.odometer_end.is_some() {
        return Err(ValidationError::new(
            "km",
            "give either km or odometer readings, not both (the odometer would win)",
        )
        .into());
    }
    let odometer_start = match (input.odometer_start, input.odometer_end) {
        (Some(a), _) => Some(a),
        (None, Some(_)) => Some(last_odometer(store, &input.vehicle)?.ok_or_else(|| {
            ValidationError::new(
                "odometer_start",
                "is needed: this device has no earlier reading for the vehicle",
            )
        })?),
        (None, None) => None,
    };
    let mut suggestion = None;
    let (km, source) = match (odometer_start, input.odometer_end, input.km) {
        (Some(a), Some(b), _) => {
            if b < a {
                return Err(ValidationError::new(
                    "odometer_end",
                    "must not be less than odometer_start",
                )
                .into());
            }
            (f64::from(b - a), DistanceSource::Odometer)
        }
        (Some(_), None, _) => {
            return Err(
                ValidationError::new("odometer_end", "is needed with odometer_start").into(),
            );
        }
        (None, _, Some(km)) => (km, DistanceSource::Manual),
        (None, _, None) => {
            let s = suggest_km(store, input.from.as_str(), input.to.as_str())?.ok_or_else(|| {
                ValidationError::new(
                    "km",
                    "is needed: no earlier trips between these places and a place is not in the place list",
                )
            })?;
            suggestion = Some(s);
            (s.km, DistanceSource::Suggested)
        }
    };
    let odometer = source == DistanceSource::Odometer;
    let trip = Trip {
        id: TripId::new(),
        driver: store.profile()?.user,
        vehicle: input.vehicle.clone(),
        start: input.start,
        end: input.end,
        from: input.from.clone(),
        to: input.to.clone(),
        from_address: None,
        to_address: None,
        purpose: input.purpose.clone(),
        visited: input.visited.clone(),
        visits: input.visits.clone(),
        km,
        distance_source: source,
        odometer_start: odometer.then_some(odometer_start).flatten(),
        odometer_end: odometer.then_some(input.odometer_end).flatten(),
        gps: None,
        distance_confirmed: false,
        from_home: input.from_home,
    };
    store.write(|w| {
        w.save_trip(&trip)?;
        if let (true, Some(end)) = (odometer, input.odometer_end) {
            remember_odometer(w, &trip.vehicle, end)?;
        }
        Ok(())
    })?;
    Ok(AddedTrip { trip, suggestion })
}

/// The driver confirms a suggested distance: they have checked it against the road they drove.
/// Until then the trip holds up its month's approval (a supervisor sees it as an estimate). A
/// distance that is wrong is corrected by typing the km instead, which makes it the driver's
/// own figure; only a suggestion is confirmed. Confirming twice changes nothing more.
pub fn confirm_trip(store: &Store, id: TripId) -> Result<Trip> {
    let mut trip = store.trip(id)?;
    if trip.distance_source != DistanceSource::Suggested {
        return Err(ValidationError::new(
            "distance_source",
            "only a suggested distance is confirmed; this trip's km were measured or typed",
        )
        .into());
    }
    if !trip.distance_confirmed {
        trip.distance_confirmed = true;
        store.save_trip(&trip)?;
    }
    Ok(trip)
}

#[cfg(test)]
mod tests;
