//! Rust-side checks of the facade; the full suite runs from Kotlin against the built library
//! (`tests/kotlin/run`).

use super::*;
use std::sync::Arc;
use uppsok_model as m;

struct Fixed(Vec<u8>);

impl PlatformKeyProvider for Fixed {
    fn key(&self, _salt: Vec<u8>) -> Result<Vec<u8>, KeyProviderError> {
        Ok(self.0.clone())
    }
}

struct Failing;

impl PlatformKeyProvider for Failing {
    fn key(&self, _salt: Vec<u8>) -> Result<Vec<u8>, KeyProviderError> {
        Err(KeyProviderError::Unavailable {
            reason: "keystore locked".into(),
        })
    }
}

pub(crate) fn key() -> Arc<dyn PlatformKeyProvider> {
    Arc::new(Fixed(generate_device_key().unwrap()))
}

pub(crate) fn path(dir: &tempfile::TempDir) -> String {
    dir.path().join("s.db").to_string_lossy().into_owned()
}

/// A new active client with only its code and a name.
pub(crate) fn new_client(code: &str) -> ClientInput {
    ClientInput {
        id: None,
        code: code.into(),
        name: "Aino Niemi".into(),
        phase: Phase::Active,
        closure: None,
        closed_on: None,
        closed_reason: None,
        next_contact: None,
        consent: ConsentState::NotRecorded,
        consent_date: None,
        consent_scope: ConsentScope::Contacts,
        consent_until: None,
        admitted: None,
        referral: None,
        contact_person: None,
        deputy: None,
        protected_identity: false,
    }
}

#[test]
fn create_open_wrong_key_and_failing_provider() {
    let dir = tempfile::tempdir().unwrap();
    let k = key();
    let store = UppsokStore::create(path(&dir), "anna".into(), Arc::clone(&k)).unwrap();
    assert_eq!(store.profile().unwrap().username, "anna");
    drop(store);
    assert!(store_exists(path(&dir)));
    assert_eq!(
        UppsokStore::open(path(&dir), key()).err(),
        Some(UppsokError::WrongKey)
    );
    assert!(matches!(
        UppsokStore::open(path(&dir), Arc::new(Failing)).err(),
        Some(UppsokError::KeyProvider { .. })
    ));
    assert!(matches!(
        UppsokStore::open(path(&dir), Arc::new(Fixed(vec![1; 31]))).err(),
        Some(UppsokError::KeyProvider { .. })
    ));
    UppsokStore::open(path(&dir), k).unwrap();
}

#[test]
fn client_visit_trip_and_recording() {
    let dir = tempfile::tempdir().unwrap();
    let store = UppsokStore::create(path(&dir), "anna".into(), key()).unwrap();
    let c = store
        .add_client(ClientInput {
            next_contact: Some("2026-12-01".into()),
            ..new_client("K-017")
        })
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let v = store
        .log_visit(VisitInput {
            id: None,
            client_id: c.id.clone(),
            staff: vec![],
            start_ms: now - 3_600_000,
            minutes: 45,
            contact: ContactKind::FaceToFace,
            setting: Some(Setting::Home),
            network: false,
            client_present: true,
            group: false,
            place: Some("Töre".into()),
            note: None,
        })
        .unwrap();
    assert_eq!(v.staff, vec!["anna".to_string()]);
    assert_eq!(v.client_code.as_deref(), Some("K-017"));
    let clients = store.clients().unwrap();
    assert_eq!(clients[0].days_since_contact.map(|d| d <= 1), Some(true));
    let bad = store.log_visit(VisitInput {
        minutes: 0,
        ..VisitInput {
            id: None,
            client_id: c.id.clone(),
            staff: vec![],
            start_ms: now,
            minutes: 1,
            contact: ContactKind::Phone,
            setting: None,
            network: false,
            client_present: true,
            group: false,
            place: None,
            note: None,
        }
    });
    assert!(matches!(bad, Err(UppsokError::Invalid { field, .. }) if field == "minutes"));

    let rec = store
        .start_trip(TripStart {
            service_car: None,
            from_place: "Kalix".into(),
            purpose: "Hembesök".into(),
            visited: Some("K-017".into()),
            visit_ids: vec![v.id.clone()],
            odometer_start: None,
            from_home: false,
        })
        .unwrap();
    for i in 0..120 {
        let fix = FixInput {
            lat: 65.85 + f64::from(i) * 0.0002,
            lon: 23.15,
            accuracy_m: 5.0,
            time_ms: now + i64::from(i) * 1000,
            speed_mps: None,
        };
        rec.feed_fix(fix).unwrap();
    }
    let again = store.active_trip().unwrap().unwrap();
    assert_eq!(again.trip_id(), rec.trip_id());
    let trip = rec.finish("Töre".into(), None, None).unwrap();
    assert!((trip.km - 2.65).abs() < 0.1, "{}", trip.km);
    assert_eq!(trip.source, DistanceSource::Gps);
    // Positions without Doppler speed: the recorder cannot vouch for the km in town, the
    // saved trip keeps its grade and the trip list says so.
    assert_eq!(
        trip.gps.as_ref().and_then(|g| g.grade),
        Some(QualityGrade::Fair)
    );
    assert_eq!(trip.gps_doubt, Some(QualityGrade::Fair));
    let listed = store.trips_between(0, i64::MAX).unwrap();
    assert_eq!(listed[0].gps_doubt, Some(QualityGrade::Fair));
    assert!(store.active_trip().unwrap().is_none());
    assert_eq!(store.sync_status().unwrap().waiting, 3);
    store.wipe().unwrap();
    assert_eq!(store.clients().err(), Some(UppsokError::Wiped));
    assert!(!store_exists(path(&dir)));
}

fn trip_start() -> TripStart {
    TripStart {
        service_car: None,
        from_place: "Kalix".into(),
        purpose: "Hembesök".into(),
        visited: None,
        visit_ids: vec![],
        odometer_start: None,
        from_home: false,
    }
}

/// A trip from home with the suggested km: saved unconfirmed, confirmed by the driver; a typed
/// trip cannot be "confirmed"; no suggestion for an unknown place names the field.
#[test]
fn a_suggested_trip_from_home_is_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let store = UppsokStore::create(path(&dir), "anna".into(), key()).unwrap();
    let s = store
        .suggest_km("Kalix".into(), "Töre".into())
        .unwrap()
        .expect("both places are in the gazetteer");
    assert_eq!(s.earlier_trips, 0);
    assert!(s.km > s.straight_km.unwrap());
    let now = chrono::Utc::now().timestamp_millis();
    let input = TripInput {
        id: None,
        service_car: None,
        start_ms: now - 3_600_000,
        end_ms: None,
        from_place: "Kalix".into(),
        to_place: "Töre".into(),
        from_address: None,
        to_address: None,
        purpose: "Hembesök".into(),
        visited: None,
        visit_ids: vec![],
        distance: TripDistance::Suggested { confirmed: false },
        from_home: true,
    };
    let trip = store.log_trip(input.clone()).unwrap();
    assert_eq!(trip.source, DistanceSource::Suggested);
    assert!((trip.km - s.km).abs() < 1e-9);
    assert!(trip.from_home && trip.awaits_confirmation && !trip.distance_confirmed);
    let confirmed = store.confirm_trip(trip.id.clone()).unwrap();
    assert!(confirmed.distance_confirmed && !confirmed.awaits_confirmation);
    assert!(confirmed.from_home);
    let typed = store
        .log_trip(TripInput {
            distance: TripDistance::Manual { km: 25.3 },
            from_home: false,
            ..input.clone()
        })
        .unwrap();
    assert!(!typed.from_home && !typed.awaits_confirmation);
    let refused = store.confirm_trip(typed.id);
    assert!(
        matches!(&refused, Err(UppsokError::Invalid { field, .. }) if field == "distance_source"),
        "{refused:?}"
    );
    let unknown = store.log_trip(TripInput {
        to_place: "Ingenstansby".into(),
        ..input
    });
    assert!(
        matches!(&unknown, Err(UppsokError::Invalid { field, .. }) if field == "distance"),
        "{unknown:?}"
    );
    assert_eq!(store.trips_between(0, i64::MAX).unwrap().len(), 2);
}

/// The C entry point does what `feed_position` does, reports by code, keeps the typed error
/// for `take_feed_error`, and never reaches a recording through a stale number.
#[test]
fn feed_position_through_the_c_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    let k = key();
    let store = UppsokStore::create(path(&dir), "anna".into(), Arc::clone(&k)).unwrap();
    let rec = store.start_trip(trip_start()).unwrap();
    let sink = Arc::clone(&rec).position_sink();
    assert!(sink > 0);
    assert_eq!(
        Arc::clone(&rec).position_sink(),
        sink,
        "one number per object"
    );
    let now = chrono::Utc::now().timestamp_millis() - 100_000;
    let at = |i: i32| (65.85 + f64::from(i) * 0.0002, now + i64::from(i) * 1000);
    for i in 0..25 {
        let (lat, t) = at(i);
        assert_eq!(
            uppsok_feed_position(sink, lat, 23.15, 5.0, t, f64::NAN),
            FEED_ACCEPTED,
            "fix {i}"
        );
    }
    let (lat, t) = at(25);
    assert_eq!(
        uppsok_feed_position(sink, lat, 23.15, -1.0, t, 20.0),
        FEED_DROPPED,
        "bad accuracy is dropped, not an error"
    );
    assert_eq!(rec.take_feed_error(), Ok(()));
    let km = rec.current_km().unwrap();
    assert!((km - 0.53).abs() < 0.05, "{km}");

    // Killed now: the store holds the state of the last save (every 10 fixes), fix 20.
    drop(rec);
    drop(store);
    assert_eq!(
        uppsok_feed_position(sink, lat, 23.15, 5.0, t, f64::NAN),
        FEED_UNKNOWN_SINK,
        "a closed object's number reaches nothing"
    );
    let store = UppsokStore::open(path(&dir), k).unwrap();
    let resumed = store.active_trip().unwrap().unwrap();
    let p = resumed.progress().unwrap();
    assert!(p.fixes_used >= 18 && p.fixes_used <= 20, "{p:?}");
    let sink2 = Arc::clone(&resumed).position_sink();
    assert_ne!(sink2, sink, "numbers are not reused");
    resumed.cancel().unwrap();
    let (lat, t) = at(26);
    assert_eq!(
        uppsok_feed_position(sink2, lat, 23.15, 5.0, t, f64::NAN),
        FEED_FAILED
    );
    assert!(matches!(
        resumed.take_feed_error(),
        Err(UppsokError::NotFound { what }) if what == "trip recording"
    ));
    assert_eq!(resumed.take_feed_error(), Ok(()), "taken once");
    assert_eq!(
        uppsok_feed_position(0, lat, 23.15, 5.0, t, f64::NAN),
        FEED_UNKNOWN_SINK
    );
}

/// Every path of the benchmark helper runs the facade calls it claims to and cleans up.
#[cfg(feature = "bench")]
#[test]
fn bench_feed_fixes_every_path() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(UppsokStore::create(path(&dir), "anna".into(), key()).unwrap());
    let now = chrono::Utc::now().timestamp_millis() - 100_000;
    let fixes: Vec<FixInput> = (0..30)
        .map(|i| FixInput {
            lat: 65.85 + f64::from(i) * 0.0002,
            lon: 23.15,
            accuracy_m: 5.0,
            time_ms: now + i64::from(i) * 1000,
            speed_mps: Some(22.0),
        })
        .collect();
    for path in [
        FeedPath::Record,
        FeedPath::Numbers,
        FeedPath::Sink,
        FeedPath::Batch,
    ] {
        assert!(bench_feed_fixes(Arc::clone(&store), fixes.clone(), path, 10).unwrap() > 0);
        assert!(store.active_trip().unwrap().is_none(), "{path:?} cancels");
    }
}

#[test]
fn damaged_records_are_counted_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let k = key();
    let store = UppsokStore::create(path(&dir), "anna".into(), Arc::clone(&k)).unwrap();
    for code in ["K-017", "K-018"] {
        store.add_client(new_client(code)).unwrap();
    }
    drop(store);
    {
        let db = rusqlite::Connection::open(path(&dir)).unwrap();
        let (id, mut body): (Vec<u8>, Vec<u8>) = db
            .query_row("SELECT id, body FROM client LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        body[25] ^= 0x01;
        db.execute(
            "UPDATE client SET body = ?2 WHERE id = ?1",
            rusqlite::params![id, body],
        )
        .unwrap();
    }
    let store = UppsokStore::open(path(&dir), k).unwrap();
    assert_eq!(
        store.clients().unwrap().len(),
        1,
        "the readable one is listed"
    );
    assert_eq!(store.damaged_records(false).unwrap(), 1);
    assert_eq!(store.damaged_records(true).unwrap(), 1);
    assert_eq!(store.repair_damaged().unwrap(), 1);
    assert_eq!(store.damaged_records(true).unwrap(), 0);
    assert_eq!(
        store.clients().unwrap().len(),
        2,
        "rewritten from its waiting change"
    );
}

fn contact(client: &ClientItem, start_ms: i64) -> VisitInput {
    VisitInput {
        id: None,
        client_id: client.id.clone(),
        staff: vec![],
        start_ms,
        minutes: 30,
        contact: ContactKind::FaceToFace,
        setting: Some(Setting::Home),
        network: false,
        client_present: true,
        group: false,
        place: Some("Töre".into()),
        note: None,
    }
}

/// Editing a recorded trip's errand, destination or whom was visited keeps what the GPS
/// measured (km, source, the track's figures); keeping "the distance as saved" needs a saved
/// trip; an edit may still replace the distance with typed km.
#[test]
fn editing_a_gps_trip_keeps_its_measured_distance() {
    let dir = tempfile::tempdir().unwrap();
    let store = UppsokStore::create(path(&dir), "anna".into(), key()).unwrap();
    let rec = store.start_trip(trip_start()).unwrap();
    let now = chrono::Utc::now().timestamp_millis() - 200_000;
    for i in 0..120 {
        rec.feed_fix(FixInput {
            lat: 65.85 + f64::from(i) * 0.0002,
            lon: 23.15,
            accuracy_m: 5.0,
            time_ms: now + i64::from(i) * 1000,
            speed_mps: None,
        })
        .unwrap();
    }
    let measured = rec.finish("Töre".into(), None, None).unwrap();
    assert_eq!(measured.source, DistanceSource::Gps);
    let gps = measured.gps.clone().expect("the track's figures");

    let edit = TripInput {
        id: Some(measured.id.clone()),
        service_car: measured.service_car.clone(),
        start_ms: measured.start_ms,
        end_ms: measured.end_ms,
        from_place: measured.from_place.clone(),
        to_place: "Sangis".into(),
        from_address: None,
        to_address: None,
        purpose: "Läkarbesök med klient".into(),
        visited: Some("K-017".into()),
        visit_ids: vec![],
        distance: TripDistance::AsSaved,
        from_home: false,
    };
    let edited = store.log_trip(edit.clone()).unwrap();
    assert_eq!(edited.id, measured.id);
    assert_eq!(edited.to_place, "Sangis");
    assert_eq!(edited.purpose, "Läkarbesök med klient");
    assert_eq!(edited.source, DistanceSource::Gps);
    assert_eq!(edited.km, measured.km);
    assert_eq!(edited.gps, Some(gps));
    assert_eq!(store.trips_between(0, i64::MAX).unwrap(), vec![edited]);

    let new = store.log_trip(TripInput {
        id: None,
        ..edit.clone()
    });
    assert!(
        matches!(&new, Err(UppsokError::Invalid { field, .. }) if field == "distance"),
        "{new:?}"
    );
    let unknown = store.log_trip(TripInput {
        id: Some(m::TripId::new().to_string()),
        ..edit.clone()
    });
    assert!(
        matches!(&unknown, Err(UppsokError::NotFound { .. })),
        "{unknown:?}"
    );
    let typed = store
        .log_trip(TripInput {
            distance: TripDistance::Manual { km: 31.0 },
            ..edit
        })
        .unwrap();
    assert_eq!(typed.source, DistanceSource::Manual);
    assert_eq!(typed.km, 31.0);
    assert!(typed.gps.is_none());
    assert_eq!(store.trips_between(0, i64::MAX).unwrap().len(), 1);
}

/// A client's trips are those linked to its contacts or naming its code, however typed; not
/// another client's; reading them is logged as an opening of the client's history.
#[test]
fn a_clients_trips_are_found_by_its_contacts_and_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let store = UppsokStore::create(path(&dir), "anna".into(), key()).unwrap();
    let k17 = store.add_client(new_client("K-017")).unwrap();
    let k18 = store.add_client(new_client("K-018")).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let hour = 3_600_000;
    let v17 = store.log_visit(contact(&k17, now - 5 * hour)).unwrap();
    let v18 = store.log_visit(contact(&k18, now - 4 * hour)).unwrap();
    let trip = |start_ms: i64, visited: Option<&str>, visit_ids: Vec<String>| TripInput {
        id: None,
        service_car: None,
        start_ms,
        end_ms: None,
        from_place: "Kalix".into(),
        to_place: "Töre".into(),
        from_address: None,
        to_address: None,
        purpose: "Hembesök".into(),
        visited: visited.map(str::to_owned),
        visit_ids,
        distance: TripDistance::Manual { km: 20.0 },
        from_home: false,
    };
    let by_contact = store
        .log_trip(trip(now - 6 * hour, None, vec![v17.id.clone()]))
        .unwrap();
    let by_code = store
        .log_trip(trip(now - 3 * hour, Some("k17"), vec![]))
        .unwrap();
    store
        .log_trip(trip(now - 2 * hour, Some("K-018"), vec![v18.id.clone()]))
        .unwrap();
    store
        .log_trip(trip(now - hour, Some("Försäkringskassan"), vec![]))
        .unwrap();
    store
        .log_trip(trip(now - hour / 2, Some("K-170"), vec![]))
        .unwrap();

    let pending = |s: &UppsokStore| s.shared.with(|st| Ok(st.pending_access(100)?)).unwrap();
    assert!(pending(&store).is_empty());
    let found = store.trips_for_client(k17.id.clone()).unwrap();
    assert_eq!(
        found.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        vec![by_contact.id, by_code.id],
        "oldest first"
    );
    let events = pending(&store);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].what, m::AccessKind::OpenHistory);
    assert_eq!(events[0].client.to_string(), k17.id);
    assert_eq!(store.trips_for_client(k18.id.clone()).unwrap().len(), 1);
    assert!(
        store
            .trips_for_client(m::ClientId::new().to_string())
            .unwrap()
            .is_empty()
    );
}
