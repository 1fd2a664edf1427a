//! Trip recording and trips on a real store in a temporary directory: a recording survives the
//! store being dropped and reopened mid-trip, the fixes are sealed and gone once the trip is
//! saved, odometer readings win and are remembered, suggestions come from the store's trips.

use super::*;
use crate::crypto::{KdfParams, PassphraseKeyProvider};
use crate::store::Profile;
use chrono::TimeZone;
use std::path::{Path, PathBuf};
use uppsok_model::Place;
use uppsok_model::PlaceId;
use uppsok_model::mileage::geo::destination;

fn key() -> PassphraseKeyProvider {
    PassphraseKeyProvider::new("hemligt lösen", KdfParams::insecure_for_tests(1_000))
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fixture() -> (Fixture, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("uppsok.db");
    let profile = Profile::local(Username::parse("anna").expect("valid"));
    let store = Store::create(&path, &key(), &profile).expect("create");
    (Fixture { _dir: dir, path }, store)
}

fn reopen(path: &Path) -> Store {
    Store::open(path, &key()).expect("reopen")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 7, 30, 0)
        .single()
        .expect("valid")
}

/// Kalix towards Töre: 20 minutes at 20 m/s with gentle bends and some noise, a fix a second.
fn drive() -> Vec<Fix> {
    let mut p = LatLon::new(65.853, 23.156);
    let mut heading = 60.0f64;
    (0..1200)
        .map(|i| {
            heading += (f64::from(i) / 40.0).sin() * 0.6;
            p = destination(p, heading, 20.0);
            let wobble = destination(p, f64::from(i * 53 % 360), 3.0);
            Fix {
                lat: wobble.lat,
                lon: wobble.lon,
                accuracy_m: 6.0,
                time_ms: t0().timestamp_millis() + i64::from(i) * 1000,
                speed_mps: None,
            }
        })
        .collect()
}

fn start(odometer: Option<u32>) -> TripStart {
    TripStart {
        from: PlaceName::parse("Kalix").expect("valid"),
        purpose: Purpose::parse("Hembesök").expect("valid"),
        vehicle: Vehicle::Own,
        start: t0(),
        visited: Some("K-017".into()),
        visits: vec![],
        odometer_start: odometer,
        from_home: false,
    }
}

fn finish(odometer: Option<u32>) -> TripFinish {
    TripFinish {
        to: PlaceName::parse("Töre").expect("valid"),
        end: t0() + chrono::Duration::minutes(20),
        odometer_end: odometer,
        to_address: None,
    }
}

fn raw_files(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        if let Ok(b) = std::fs::read(PathBuf::from(p)) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_recording_survives_the_app_being_killed() {
    let fixes = drive();
    let (_f1, s1) = fixture();
    let mut straight = TripRecording::start(&s1, start(None)).expect("start");
    for f in &fixes {
        straight.push(&s1, *f).expect("push");
    }
    let uninterrupted = straight.finish(&s1, finish(None)).expect("finish");

    let (f2, s2) = fixture();
    let mut rec = TripRecording::start(&s2, start(None)).expect("start");
    for f in &fixes[..537] {
        rec.push(&s2, *f).expect("push");
    }
    rec.save(&s2).expect("save");
    let id = rec.id();
    // The app is killed: the recording and the store go away without a word.
    drop(rec);
    drop(s2);
    let s2 = reopen(&f2.path);
    let mut rec = TripRecording::resume(&s2)
        .expect("resume")
        .expect("a recording in progress");
    assert_eq!(rec.id(), id);
    assert_eq!(rec.fixes_pushed(), 537);
    for f in &fixes[537..] {
        rec.push(&s2, *f).expect("push");
    }
    let resumed = rec.finish(&s2, finish(None)).expect("finish");

    assert_eq!(resumed.distance_source, DistanceSource::Gps);
    assert!(
        (resumed.km - uninterrupted.km).abs() < 1e-9,
        "{} vs {}",
        resumed.km,
        uninterrupted.km
    );
    assert_eq!(resumed.gps, uninterrupted.gps);
    // 1200 s at 20 m/s.
    assert!((resumed.km - 24.0).abs() < 0.3, "{}", resumed.km);
    let q = resumed.gps.expect("gps quality");
    assert_eq!(q.fixes_used, 1200);
    assert_eq!(s2.trip(id).expect("saved"), resumed);
    assert!(TripRecording::resume(&s2).expect("resume").is_none());
}

#[test]
fn the_cadence_saves_without_being_asked() {
    let fixes = drive();
    let (f, s) = fixture();
    let mut rec = TripRecording::start(&s, start(None)).expect("start");
    for fix in &fixes[..25] {
        rec.push(&s, *fix).expect("push");
    }
    drop(rec);
    drop(s);
    let s = reopen(&f.path);
    let rec = TripRecording::resume(&s)
        .expect("resume")
        .expect("in progress");
    // Saved at 10 and 20 fixes (every 10 fixes by default); the last five are lost.
    assert_eq!(rec.fixes_pushed(), 20);
}

#[test]
fn fixes_are_sealed_and_gone_once_the_trip_is_saved() {
    let (f, s) = fixture();
    let mut rec = TripRecording::start(&s, start(None)).expect("start");
    for fix in &drive()[..100] {
        rec.push(&s, *fix).expect("push");
    }
    let raw = raw_files(&f.path);
    assert!(!contains(&raw, "Hembesök"));
    assert!(!contains(&raw, "65.85"));
    assert!(!contains(&raw, "accuracy_m"));
    let trip = rec.finish(&s, finish(None)).expect("finish");
    assert!(s.get_sealed_blob(RECORDING_BLOB).expect("read").is_none());
    assert!(trip.gps.is_some());
}

#[test]
fn one_recording_at_a_time_and_cancel_forgets_it() {
    let (_f, s) = fixture();
    let rec = TripRecording::start(&s, start(None)).expect("start");
    let err = TripRecording::start(&s, start(None)).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    rec.cancel(&s).expect("cancel");
    assert!(TripRecording::resume(&s).expect("resume").is_none());
    assert_eq!(s.trips(&TripFilter::default()).expect("trips").len(), 0);
}

#[test]
fn no_distance_without_fixes_or_odometer_and_the_recording_stays() {
    let (_f, s) = fixture();
    let mut rec = TripRecording::start(&s, start(None)).expect("start");
    // Garbage only: never a crash, never a distance.
    for bad in [f64::NAN, f64::INFINITY, 91.0] {
        let fix = Fix {
            lat: bad,
            lon: 23.1,
            accuracy_m: 5.0,
            time_ms: t0().timestamp_millis(),
            speed_mps: None,
        };
        assert!(matches!(
            rec.push(&s, fix).expect("push"),
            FixOutcome::Dropped(_)
        ));
    }
    let err = rec.clone().finish(&s, finish(None)).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert!(TripRecording::resume(&s).expect("resume").is_some());
}

#[test]
fn odometer_readings_override_gps_and_are_remembered() {
    let (f, s) = fixture();
    assert_eq!(last_odometer(&s, &Vehicle::Own).expect("read"), None);
    let mut rec = TripRecording::start(&s, start(Some(12_000))).expect("start");
    for fix in &drive() {
        rec.push(&s, *fix).expect("push");
    }
    let trip = rec.finish(&s, finish(Some(12_026))).expect("finish");
    assert_eq!(trip.distance_source, DistanceSource::Odometer);
    assert_eq!(trip.km, 26.0);
    assert_eq!(
        (trip.odometer_start, trip.odometer_end),
        (Some(12_000), Some(12_026))
    );
    assert_eq!(trip.gps, None);
    assert_eq!(
        last_odometer(&s, &Vehicle::Own).expect("read"),
        Some(12_026)
    );
    // Per vehicle, and sealed.
    let service: Vehicle = "service:ABC123".parse().expect("valid");
    assert_eq!(last_odometer(&s, &service).expect("read"), None);
    assert!(!contains(&raw_files(&f.path), "12026"));

    // The next trip needs only the end reading: the start is prefilled.
    let added = add_trip(
        &s,
        &NewTrip {
            from: PlaceName::parse("Töre").expect("valid"),
            to: PlaceName::parse("Kalix").expect("valid"),
            purpose: Purpose::parse("Tillbaka").expect("valid"),
            vehicle: Vehicle::Own,
            start: t0() + chrono::Duration::hours(2),
            end: None,
            visited: None,
            visits: vec![],
            km: None,
            odometer_start: None,
            odometer_end: Some(12_051),
            from_home: false,
        },
    )
    .expect("add");
    assert_eq!(added.trip.odometer_start, Some(12_026));
    assert_eq!(added.trip.km, 25.0);
    assert_eq!(
        last_odometer(&s, &Vehicle::Own).expect("read"),
        Some(12_051)
    );
}

fn new_trip(from: &str, to: &str, km: Option<f64>) -> NewTrip {
    NewTrip {
        from: PlaceName::parse(from).expect("valid"),
        to: PlaceName::parse(to).expect("valid"),
        purpose: Purpose::parse("Hembesök").expect("valid"),
        vehicle: Vehicle::Own,
        start: t0(),
        end: None,
        visited: None,
        visits: vec![],
        km,
        odometer_start: None,
        odometer_end: None,
        from_home: false,
    }
}

#[test]
fn suggestions_use_the_teams_trips_then_the_straight_line() {
    let (_f, s) = fixture();
    // Nothing driven yet: straight line × 1.15 from the gazetteer (Kalix–Töre is 23.9 km).
    let first = add_trip(&s, &new_trip("Kalix", "Töre", None)).expect("add");
    assert_eq!(first.trip.distance_source, DistanceSource::Suggested);
    assert!((first.trip.km - 27.5).abs() < 1.0, "{}", first.trip.km);
    // Three measured trips, one of them the other way round: their median wins, and the
    // suggested trip above does not count.
    for km in [25.0, 24.6, 31.0] {
        add_trip(&s, &new_trip("Töre", "Kalix", Some(km))).expect("add");
    }
    let s2 = suggest_km(&s, "kalix", "TORE")
        .expect("suggest")
        .expect("some");
    assert_eq!(s2.km, 25.0);
    // A team place the gazetteer lacks.
    let p = Place {
        id: PlaceId::new(),
        name: PlaceName::parse("Lillkorsträsk").expect("valid"),
        lat: 65.95,
        lon: 22.95,
        team: None,
    };
    s.save_place(&p).expect("place");
    let s3 = suggest_km(&s, "Kalix", "Lillkorsträsk")
        .expect("suggest")
        .expect("some");
    assert!(s3.km > 5.0);
    assert_eq!(
        suggest_km(&s, "Kalix", "Ingenstans").expect("suggest"),
        None
    );
    let err = add_trip(&s, &new_trip("Kalix", "Ingenstans", None)).unwrap_err();
    assert_eq!(err.kind(), "invalid");
}

#[test]
fn a_suggested_distance_is_confirmed_by_the_driver_and_nothing_else_is() {
    let (f, s) = fixture();
    let suggested = add_trip(&s, &new_trip("Kalix", "Töre", None)).expect("add");
    assert!(suggested.trip.awaits_confirmation());
    let confirmed = confirm_trip(&s, suggested.trip.id).expect("confirm");
    assert!(confirmed.distance_confirmed && !confirmed.awaits_confirmation());
    // Confirming changes nothing else, and a second time changes nothing more.
    assert_eq!(
        confirmed,
        Trip {
            distance_confirmed: true,
            ..suggested.trip.clone()
        }
    );
    assert_eq!(
        confirm_trip(&s, suggested.trip.id).expect("again"),
        confirmed
    );
    drop(s);
    let s = reopen(&f.path);
    assert_eq!(s.trip(suggested.trip.id).expect("read"), confirmed);
    // Typed km are the driver's own figure: there is nothing to confirm.
    let typed = add_trip(&s, &new_trip("Kalix", "Töre", Some(25.3))).expect("add");
    let err = confirm_trip(&s, typed.trip.id).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert!(err.to_string().contains("distance_source"), "{err}");
    assert!(!s.trip(typed.trip.id).expect("read").distance_confirmed);
}

#[test]
fn typed_km_and_odometer_are_not_mixed() {
    let (_f, s) = fixture();
    let mut t = new_trip("Kalix", "Töre", Some(25.3));
    let added = add_trip(&s, &t).expect("add");
    assert_eq!(added.trip.distance_source, DistanceSource::Manual);
    assert_eq!(added.suggestion, None);
    t.odometer_start = Some(100);
    t.odometer_end = Some(125);
    assert_eq!(add_trip(&s, &t).unwrap_err().kind(), "invalid");
    t.km = None;
    t.odometer_end = Some(90);
    assert_eq!(add_trip(&s, &t).unwrap_err().kind(), "invalid");
}

#[test]
fn a_trip_round_trips_through_the_store_and_json() {
    let (f, s) = fixture();
    let mut rec = TripRecording::start(&s, start(None)).expect("start");
    for fix in &drive()[..300] {
        rec.push(&s, *fix).expect("push");
    }
    let trip = rec.finish(&s, finish(None)).expect("finish");
    drop(s);
    let s = reopen(&f.path);
    let back = s.trip(trip.id).expect("read");
    assert_eq!(back, trip);
    let json = serde_json::to_string(&uppsok_model::Record::Trip(back.clone())).expect("json");
    let again: uppsok_model::Record = serde_json::from_str(&json).expect("parse");
    assert_eq!(again, uppsok_model::Record::Trip(trip.clone()));
    // It waits in the outbox for sync like any record.
    let batch = s.outbox_batch(10).expect("outbox");
    assert!(batch.iter().any(|e| e.record_id == trip.id.0), "{batch:?}");
}
