//! A trip recorded by GPS on one phone goes through `/v1/sync` to the server and on to a
//! colleague's phone in the same organisation, unchanged: the device's trip recording, the
//! outbox, the wire protocol and the server's record store agree on every field (GPS quality
//! included), and the fixes themselves never leave the phone.

mod phone_support;
mod server_common;

use phone_support::{case_managers, phone, sync_until_done};
use server_common::{Backend, TestApp};
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_device::trips::{TripFinish, TripRecording, TripStart};
use uppsok_model::mileage::Fix;
use uppsok_model::mileage::geo::{LatLon, destination};
use uppsok_model::{DistanceSource, OrgKind, PlaceName, Purpose, Rates, Vehicle};

#[test]
fn a_recorded_trip_round_trips_through_sync() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = rt.block_on(TestApp::spawn(Backend::Sqlite));
    let codes = rt.block_on(async {
        let org = app
            .store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .expect("org");
        let team = app
            .store
            .create_team("ACT Kalix", org.id, "K-###")
            .await
            .expect("team");
        case_managers(&app.store, org.id, &[("anna", team.id), ("bo", team.id)])
            .await
            .into_iter()
            .map(|(_, code)| code)
            .collect::<Vec<_>>()
    });

    let dir = tempfile::tempdir().expect("dir");
    let (anna, bo) = (phone(dir.path(), "anna"), phone(dir.path(), "bo"));
    let client = SyncClient::new(SyncConfig::default()).expect("sync client");
    client
        .enrol_blocking(&anna, &app.base, &codes[0], Some("anna"))
        .expect("enrol anna");
    client
        .enrol_blocking(&bo, &app.base, &codes[1], Some("bo"))
        .expect("enrol bo");

    // Ten minutes towards Töre, a fix a second, with a little wobble.
    let t0 = chrono::Utc::now() - chrono::Duration::hours(2);
    let mut rec = TripRecording::start(
        &anna,
        TripStart {
            from: PlaceName::parse("Kalix").expect("place"),
            purpose: Purpose::parse("Hembesök").expect("purpose"),
            vehicle: Vehicle::Own,
            start: t0,
            visited: Some("K-017".into()),
            visits: vec![],
            odometer_start: None,
            from_home: false,
        },
    )
    .expect("start");
    let mut p = LatLon::new(65.853, 23.156);
    for i in 0..600 {
        p = destination(p, 70.0 + f64::from(i % 7), 19.0);
        let w = destination(p, f64::from(i * 41 % 360), 2.5);
        rec.push(
            &anna,
            Fix {
                lat: w.lat,
                lon: w.lon,
                accuracy_m: 6.0,
                time_ms: t0.timestamp_millis() + i64::from(i) * 1000,
                speed_mps: None,
            },
        )
        .expect("push");
    }
    let trip = rec
        .finish(
            &anna,
            TripFinish {
                to: PlaceName::parse("Töre").expect("place"),
                end: t0 + chrono::Duration::minutes(10),
                odometer_end: None,
                to_address: None,
            },
        )
        .expect("finish");
    assert_eq!(trip.distance_source, DistanceSource::Gps);
    assert!(trip.gps.is_some());

    sync_until_done(&client, &anna);
    assert_eq!(anna.status().expect("status").outbox_pending, 0);
    sync_until_done(&client, &bo);
    let seen = bo.trip(trip.id).expect("the trip reached bo's phone");
    assert_eq!(seen, trip);
    // And anna's own phone still has exactly what she recorded.
    assert_eq!(anna.trip(trip.id).expect("still there"), trip);
    drop(app);
}
