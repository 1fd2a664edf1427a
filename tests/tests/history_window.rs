//! The phones' history window end to end, on SQLite and PostgreSQL: real phones (the device
//! store and sync client) over HTTP to a real server, the window set by the real
//! `uppsok admin retention window` command on the same database.
//!
//! Anna (Kalix kommun, team ACT Kalix) logs a client K-001 with a contact today, one 200 days
//! ago and one 60 days ago, an outcome 250 days ago and a trip 250 days ago. At her sync the
//! server names the default window (183 days): the old contact, outcome and trip leave her phone
//! while the server keeps them; her colleague Dan's first pull brings them and they leave his
//! phone in the same sync. From `GET /v1/clients/{id}/history` Anna gets them back, in memory
//! only, and the access log holds the opening of the history via the phone; Cecilia, of another
//! team, is refused and nothing is logged for her. An administrator shortens the window to one
//! month: at the next sync the 60-day-old contact leaves too, and the history route pages it.

mod phone_support;
mod server_common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::{Duration, Utc};
use phone_support::{case_managers, phone, sync_until_done};
use server_common::{Backend, TestApp, blocking_app};
use uppsok_device::DeviceError;
use uppsok_device::sync::{SyncClient, SyncConfig, SyncError};
use uppsok_model::outcome::{Event, Source};
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ContactKind, DistanceSource, Entity, Note, OrgKind,
    Outcome, OutcomeId, PersonName, Phase, PlaceName, Purpose, Rates, Setting, Trip, TripId,
    Username, Vehicle, Visit, VisitId,
};
use uppsok_server::store::{AuditAction, AuditFilter, AuditRow, Via};
use uppsok_tests::uppsok_bin;

/// `uppsok admin --database URL ARGS…`: its exit status and output.
fn admin(url: &str, data: &Path, args: &[&str]) -> (bool, String) {
    let o: Output = Command::new(uppsok_bin())
        .arg("admin")
        .arg("--database")
        .arg(url)
        .args(args)
        .env("UPPSOK_DATA_DIR", data)
        .env("USER", "arkivarie")
        .stdin(Stdio::null())
        .output()
        .expect("uppsok runs");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn visit(client: ClientId, days_ago: i64, note: &str) -> Visit {
    let anna = Username::parse("anna").expect("username");
    Visit {
        id: VisitId::new(),
        client,
        author: anna.clone(),
        staff: vec![anna],
        start: Utc::now() - Duration::days(days_ago) - Duration::hours(1),
        minutes: 40,
        contact: ContactKind::FaceToFace,
        setting: Some(Setting::Home),
        network: false,
        client_present: true,
        group: false,
        place: Some(PlaceName::parse("Töre").expect("place")),
        note: Some(Note::parse(note).expect("note")),
    }
}

/// The history openings via the phone in the server's access log about `client`.
async fn history_rows(app: &TestApp, client: ClientId) -> Vec<AuditRow> {
    app.store
        .list_audit(&AuditFilter {
            client: Some(client),
            ..Default::default()
        })
        .await
        .expect("access log")
        .into_iter()
        .filter(|r| r.via == Via::Phone && r.action == AuditAction::List)
        .collect()
}

fn scenario(backend: Backend) {
    let (rt, app) = blocking_app(backend);
    let (team, org, codes) = rt.block_on(async {
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
        let other = app
            .store
            .create_team("ACT Haparanda", org.id, "H-###")
            .await
            .expect("team");
        let codes = case_managers(
            &app.store,
            org.id,
            &[("anna", team.id), ("dan", team.id), ("cecilia", other.id)],
        )
        .await;
        (team.id, org.id, codes)
    });
    let dir = tempfile::tempdir().expect("dir");
    let sync = SyncClient::new(SyncConfig::default()).expect("sync client");
    let phones: Vec<_> = ["anna", "dan", "cecilia"]
        .iter()
        .zip(&codes)
        .map(|(user, (_, code))| {
            let p = phone(dir.path(), user);
            sync.enrol_blocking(&p, &app.base, code, Some(user))
                .expect("enrol");
            p
        })
        .collect();
    let (anna, dan, cecilia) = (&phones[0], &phones[1], &phones[2]);

    let k = Client {
        id: ClientId::new(),
        team,
        code: ClientCode::parse("K-001").expect("code"),
        name: PersonName::parse("Maja Vesterlund").expect("name"),
        org,
        phase: Phase::Active,
        closed_reason: None,
        next_contact: None,
        consent: Consent::default(),
        admitted: None,
        referral: None,
        contact_person: None,
        deputy: None,
        closed_on: None,
        closure: None,
        protected_identity: false,
    };
    anna.save_client(&k).expect("client");
    let today = visit(k.id, 0, "idag");
    let old = visit(k.id, 200, "för länge sedan");
    let sixty = visit(k.id, 60, "i höstas");
    for v in [&today, &old, &sixty] {
        anna.save_visit(v).expect("visit");
    }
    let stay = Outcome {
        id: OutcomeId::new(),
        client: k.id,
        author: Username::parse("anna").expect("username"),
        day: (Utc::now() - Duration::days(250)).date_naive(),
        source: Source::Client,
        event: Event::Emergency,
    };
    anna.save_outcome(&stay).expect("outcome");
    let start = Utc::now() - Duration::days(250);
    let trip = Trip {
        id: TripId::new(),
        driver: Username::parse("anna").expect("username"),
        vehicle: Vehicle::Own,
        start,
        end: Some(start + Duration::minutes(35)),
        from: PlaceName::parse("Kalix").expect("place"),
        to: PlaceName::parse("Töre").expect("place"),
        from_address: None,
        to_address: None,
        purpose: Purpose::parse("Hembesök").expect("purpose"),
        visited: None,
        visits: vec![],
        km: 31.5,
        distance_confirmed: false,
        distance_source: DistanceSource::Manual,
        odometer_start: None,
        odometer_end: None,
        gps: None,
        from_home: false,
    };
    anna.save_trip(&trip).expect("trip");

    // The sync that sends them is the one that evicts them (once the server has them).
    sync_until_done(&sync, anna);
    let (days, cut) = anna.history_window().expect("window").expect("named");
    assert_eq!(days, 183, "the default window, six months");
    let gone = |p: &uppsok_device::Store, e: Entity, id: uuid::Uuid| {
        p.record(e, id).expect("read").is_none()
    };
    assert!(gone(anna, Entity::Visit, old.id.0));
    assert!(gone(anna, Entity::Outcome, stay.id.0));
    assert!(gone(anna, Entity::Trip, trip.id.0));
    assert!(!gone(anna, Entity::Visit, today.id.0) && !gone(anna, Entity::Visit, sixty.id.0));
    assert!(anna.client(k.id).is_ok(), "an active client stays");
    let on_server = |e: Entity, id: uuid::Uuid| {
        rt.block_on(app.store.record(e, id))
            .expect("server read")
            .is_some_and(|r| !r.deleted)
    };
    assert!(on_server(Entity::Visit, old.id.0) && on_server(Entity::Trip, trip.id.0));
    assert!(on_server(Entity::Outcome, stay.id.0));

    // Dan's first pull brings them, and they leave his phone in the same sync.
    let report = sync.sync_once(dan).expect("dan syncs");
    assert!(report.complete);
    assert_eq!(report.evicted, 3, "{report:?}");
    assert!(gone(dan, Entity::Visit, old.id.0) && !gone(dan, Entity::Visit, today.id.0));
    assert!(gone(dan, Entity::Trip, trip.id.0));

    // Anna asks for what is older than her window: the server's copies, nothing stored.
    assert!(rt.block_on(history_rows(&app, k.id)).is_empty());
    let h = sync
        .fetch_history_blocking(anna, k.id, None)
        .expect("older history");
    let ids = |vs: &[Visit]| vs.iter().map(|v| v.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&h.visits),
        vec![old.id],
        "older than {}",
        cut.contacts_from
    );
    assert_eq!(
        h.visits[0].note, old.note,
        "the own organisation's note comes with it"
    );
    assert_eq!(
        h.outcomes.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![stay.id]
    );
    assert_eq!(h.next_before, None);
    assert!(gone(anna, Entity::Visit, old.id.0), "shown, not stored");
    let rows = rt.block_on(history_rows(&app, k.id));
    assert_eq!(rows.len(), 1, "one opening of the history");
    assert_eq!(rows[0].actor_username, "anna");
    assert_eq!(rows[0].entity.as_deref(), Some(Entity::Visit.as_str()));
    assert!(rows[0].device.is_some());
    assert_eq!(
        (rows[0].team, rows[0].record_org),
        (Some(team.0), Some(org.0))
    );

    // Another team's phone is refused, the same answer as for a client that does not exist,
    // and nothing is logged for it.
    sync_until_done(&sync, cecilia);
    assert!(matches!(
        sync.fetch_history_blocking(cecilia, k.id, None),
        Err(SyncError::NotVisible)
    ));
    assert!(matches!(
        sync.fetch_history_blocking(cecilia, ClientId::new(), None),
        Err(SyncError::NotVisible)
    ));
    assert_eq!(rt.block_on(history_rows(&app, k.id)).len(), 1);

    // The administrator shortens the window: out of bounds is refused, one month is taken and
    // shown, and at the next sync the 60-day-old contact leaves Anna's phone too.
    let data = tempfile::tempdir().expect("data dir");
    let url = app.db.url.clone();
    let (ok, out) = admin(
        &url,
        data.path(),
        &["retention", "window", "Kalix kommun", "--months", "37"],
    );
    assert!(
        !ok && out.contains("months: must be between 1 and 36"),
        "{out}"
    );
    let (ok, out) = admin(
        &url,
        data.path(),
        &["retention", "window", "Kalix kommun", "--months", "1"],
    );
    assert!(ok && out.contains("1 months (31 days)"), "{out}");
    let (ok, out) = admin(&url, data.path(), &["retention", "show"]);
    assert!(
        ok && out.contains("Kalix kommun\tphone_window\t1 months (31 days)"),
        "{out}"
    );
    assert!(out.contains("set by uppsok admin (arkivarie)"), "{out}");
    sync_until_done(&sync, anna);
    assert_eq!(anna.history_window().expect("window").expect("named").0, 31);
    assert!(gone(anna, Entity::Visit, sixty.id.0));
    assert!(!gone(anna, Entity::Visit, today.id.0));
    let h = sync
        .fetch_history_blocking(anna, k.id, None)
        .expect("older history");
    assert_eq!(ids(&h.visits), vec![sixty.id, old.id], "newest first");
    let before = (Utc::now() - Duration::days(100)).date_naive();
    let h = sync
        .fetch_history_blocking(anna, k.id, Some(before))
        .expect("older history");
    assert_eq!(
        ids(&h.visits),
        vec![old.id],
        "only what is from before the day asked for"
    );
    assert_eq!(rt.block_on(history_rows(&app, k.id)).len(), 3);
    assert!(matches!(
        anna.visit(sixty.id),
        Err(DeviceError::NotFound { .. })
    ));
    drop(app);
}

#[test]
fn phones_keep_a_window_and_fetch_older_history_sqlite() {
    scenario(Backend::Sqlite);
}

#[test]
fn phones_keep_a_window_and_fetch_older_history_postgres() {
    scenario(Backend::Postgres);
}
