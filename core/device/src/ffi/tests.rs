//! Rust-side checks of the facade; the full suite runs from Kotlin against the built library
//! (`tests/kotlin/run`).

use super::*;
use std::sync::Arc;

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

fn key() -> Arc<dyn PlatformKeyProvider> {
    Arc::new(Fixed(generate_device_key().unwrap()))
}

fn path(dir: &tempfile::TempDir) -> String {
    dir.path().join("s.db").to_string_lossy().into_owned()
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
            id: None,
            code: "K-017".into(),
            name: "Aino Niemi".into(),
            phase: ClientPhase::Active,
            closed_reason: None,
            next_contact: Some("2026-12-01".into()),
            consent: ConsentStatus::NotRecorded,
            consent_date: None,
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
            contact: Contact::FaceToFace,
            setting: Some(VisitSetting::Home),
            network: false,
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
            contact: Contact::Phone,
            setting: None,
            network: false,
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
    assert_eq!(trip.source, TripSource::Gps);
    assert!(store.active_trip().unwrap().is_none());
    assert_eq!(store.sync_status().unwrap().waiting, 3);
    store.wipe().unwrap();
    assert_eq!(store.clients().err(), Some(UppsokError::Wiped));
    assert!(!store_exists(path(&dir)));
}
