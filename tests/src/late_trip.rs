//! A trip typed in on a phone and synced late, as one sync request: what the mileage tests push
//! after a month was approved, to see the approval flagged and approved again.

use chrono::{DateTime, Duration, Utc};
use uppsok_model::protocol::{Change, SyncRequest};
use uppsok_model::{
    ChangeId, DistanceSource, Hlc, PlaceName, Purpose, Record, Trip, TripId, Username, Vehicle,
};

/// One own-car trip Kalix → Töre of `km` typed in by `driver`, starting at `start` and taking
/// `minutes`, as the only change of a sync request from a phone whose clock node is `node`.
pub fn sync_request(
    driver: &str,
    start: DateTime<Utc>,
    minutes: i64,
    km: f64,
    node: u32,
) -> SyncRequest {
    request(&trip(driver, start, minutes, km), node)
}

/// The trip [`sync_request`] sends, for a test that changes it first (a suggested distance,
/// then confirmed).
pub fn trip(driver: &str, start: DateTime<Utc>, minutes: i64, km: f64) -> Trip {
    Trip {
        id: TripId::new(),
        driver: Username::parse(driver).expect("a valid username"),
        vehicle: Vehicle::Own,
        start,
        end: Some(start + Duration::minutes(minutes)),
        from: PlaceName::parse("Kalix").expect("a place"),
        to: PlaceName::parse("Töre").expect("a place"),
        from_address: None,
        to_address: None,
        purpose: Purpose::parse("Hembesök").expect("a purpose"),
        visited: None,
        visits: vec![],
        km,
        distance_source: DistanceSource::Manual,
        odometer_start: None,
        odometer_end: None,
        gps: None,
        distance_confirmed: false,
        from_home: false,
    }
}

/// `trip` as the only change of a sync request from a phone whose clock node is `node`.
pub fn request(trip: &Trip, node: u32) -> SyncRequest {
    let change = Change::upsert(
        ChangeId::new(),
        Hlc {
            wall_ms: Utc::now().timestamp_millis(),
            counter: 0,
            node,
        },
        &Record::Trip(trip.clone()),
    )
    .expect("a trip makes a change");
    SyncRequest {
        cursor: 0,
        changes: vec![change],
        pull_limit: Some(1),
        app_version: None,
        knows_outcomes: true,
        access_events: Vec::new(),
        mileage_terms: None,
    }
}
