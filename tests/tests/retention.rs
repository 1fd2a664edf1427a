//! Retention (gallring) end to end, on SQLite and PostgreSQL: real phones (the device store and
//! sync client) over HTTP to a real server, the job run by the real `uppsok admin retention`
//! command on the same database.
//!
//! Anna (kommun) and Bo (region) work in one team. Anna's K-001 and K-002 and Bo's R-001 were
//! last written about six years ago (the test ages their rows in the database), K-003 today;
//! Anna's trip was driven nine years ago. K-002 is under a legal hold. The kommun keeps client
//! records 5 years, the region 10, trips 7 calendar years, access logs 5 years. After
//! `retention run` and a sync: K-001 with its visit and the old trip are gone from the server
//! (tombstones without content, no stored versions) and from Anna's phone; K-002 (held), K-003
//! (recent) and R-001 (the region's ten years) stay; the gallring records say how many went and
//! that one was held; the access log lost exactly the three rows older than five years, and
//! still refuses any other DELETE.

mod phone_support;
mod server_common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::{Duration, Utc};
use phone_support::{case_managers, phone, sync_until_done};
use server_common::{Backend, TestApp, blocking_app};
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_device::{TripFilter, VisitFilter};
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ContactKind, DistanceSource, OrgId, OrgKind, PersonName,
    Phase, PlaceName, Purpose, Rates, Setting, TeamId, Trip, TripId, Username, Vehicle, Visit,
    VisitId,
};
use uppsok_server::retention::RetentionClass;
use uppsok_server::store::{Pool, Store};
use uppsok_tests::uppsok_bin;

/// Runs `sql` (test-made text: ids and numbers only) on the server's database.
async fn exec(store: &Store, sql: &str) -> Result<u64, sqlx::Error> {
    match &store.pool {
        Pool::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        Pool::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
}

async fn scalar(store: &Store, sql: &str) -> i64 {
    match &store.pool {
        Pool::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(p)
            .await
            .expect(sql),
        Pool::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(p)
            .await
            .expect(sql),
    }
}

/// `uppsok admin --database URL ARGS…`, its stdout; fails the test on a non-zero exit.
fn admin(url: &str, data: &Path, args: &[&str]) -> String {
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
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "uppsok admin {args:?} failed: {}{out}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn client(team: TeamId, org: OrgId, code: &str, name: &str) -> Client {
    Client {
        id: ClientId::new(),
        team,
        code: ClientCode::parse(code).expect("code"),
        name: PersonName::parse(name).expect("name"),
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
    }
}

fn visit(client: ClientId, who: &str) -> Visit {
    let me = Username::parse(who).expect("username");
    Visit {
        id: VisitId::new(),
        client,
        author: me.clone(),
        staff: vec![me],
        start: Utc::now() - Duration::hours(3),
        minutes: 40,
        contact: ContactKind::FaceToFace,
        setting: Some(Setting::Home),
        network: false,
        client_present: true,
        group: false,
        place: Some(PlaceName::parse("Töre").expect("place")),
        note: None,
    }
}

fn scenario(backend: Backend) {
    let (rt, app) = blocking_app(backend);
    let (team, kommun, region, codes) = rt.block_on(async {
        let kommun = app
            .store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .expect("org");
        let region = app
            .store
            .create_org("Region Norrbotten", OrgKind::Region, Rates::default())
            .await
            .expect("org");
        let team = app
            .store
            .create_team("ACT Kalix", kommun.id, "@-###")
            .await
            .expect("team");
        let mut codes = case_managers(&app.store, kommun.id, &[("anna", team.id)]).await;
        codes.extend(case_managers(&app.store, region.id, &[("bo", team.id)]).await);
        (team.id, kommun.id, region.id, codes)
    });

    let dir = tempfile::tempdir().expect("dir");
    let (anna, bo) = (phone(dir.path(), "anna"), phone(dir.path(), "bo"));
    let sync = SyncClient::new(SyncConfig::default()).expect("sync client");
    sync.enrol_blocking(&anna, &app.base, &codes[0].1, Some("anna"))
        .expect("enrol anna");
    sync.enrol_blocking(&bo, &app.base, &codes[1].1, Some("bo"))
        .expect("enrol bo");

    let old = client(team, kommun, "K-001", "Gammal Klient");
    let held = client(team, kommun, "K-002", "Skyddad Klient");
    let recent = client(team, kommun, "K-003", "Ny Klient");
    let regions = client(team, region, "R-001", "Regionens Patient");
    let old_visit = visit(old.id, "anna");
    for c in [&old, &held, &recent] {
        anna.save_client(c).expect("save client");
    }
    anna.save_visit(&old_visit).expect("visit");
    anna.save_visit(&visit(held.id, "anna")).expect("visit");
    anna.save_visit(&visit(recent.id, "anna")).expect("visit");
    let start = Utc::now() - Duration::hours(30);
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
        distance_source: DistanceSource::Manual,
        odometer_start: None,
        odometer_end: None,
        gps: None,
        distance_confirmed: false,
        from_home: false,
    };
    anna.save_trip(&trip).expect("trip");
    sync_until_done(&sync, &anna);
    bo.save_client(&regions).expect("save client");
    bo.save_visit(&visit(regions.id, "bo")).expect("visit");
    sync_until_done(&sync, &bo);
    sync_until_done(&sync, &anna);
    assert_eq!(anna.clients().expect("clients").len(), 3);

    // Six years pass for K-001, K-002 and R-001, nine for the trip; the access log gets three
    // rows from six years ago and one from four.
    let now = Utc::now().timestamp_millis();
    let six = now - 6 * 365 * 86_400_000;
    let four = now - 4 * 365 * 86_400_000;
    let nine = now - 9 * 365 * 86_400_000;
    rt.block_on(async {
        let s = &app.store;
        let aged = format!("'{}', '{}', '{}'", old.id, held.id, regions.id);
        exec(s, &format!("UPDATE clients SET updated_ms = {six} WHERE id IN ({aged})"))
            .await
            .expect("age clients");
        exec(
            s,
            &format!("UPDATE visits SET start_ms = {six}, updated_ms = {six} WHERE client IN ({aged})"),
        )
        .await
        .expect("age visits");
        exec(
            s,
            &format!("UPDATE trips SET start_ms = {nine} WHERE id = '{}'", trip.id),
        )
        .await
        .expect("age trip");
        for at in [six, six + 1, six + 2, four] {
            exec(
                s,
                &format!(
                    "INSERT INTO audit_log (at_ms, actor_staff, actor_username, actor_org, via, action, record_org) \
                     VALUES ({at}, '{}', 'anna', '{kommun}', 'api', 'read', '{kommun}')",
                    codes[0].0
                ),
            )
            .await
            .expect("old log rows");
        }
    });
    let log_before = rt.block_on(scalar(&app.store, "SELECT COUNT(*) FROM audit_log"));
    let recent_log = rt.block_on(scalar(
        &app.store,
        &format!("SELECT COUNT(*) FROM audit_log WHERE at_ms > {four}"),
    ));

    // The hold, the plan (codes only, never a name), the run.
    let data = tempfile::tempdir().expect("data dir");
    let url = app.db.url.clone();
    let out = admin(
        &url,
        data.path(),
        &["retention", "hold", "K-002", "--team", "ACT Kalix"],
    );
    assert!(
        out.contains("K-002 (ACT Kalix) is under a legal hold"),
        "{out}"
    );
    let plan = admin(&url, data.path(), &["retention", "plan"]);
    for name in ["Gammal", "Skyddad", "Ny Klient", "Regionens", "Töre"] {
        assert!(
            !plan.contains(name),
            "the plan shows no names or places: {plan}"
        );
    }
    assert!(plan.contains("would cull K-001 (ACT Kalix)"), "{plan}");
    assert!(plan.contains("held K-002 (ACT Kalix)"), "{plan}");
    assert!(!plan.contains("K-003") && !plan.contains("R-001"), "{plan}");
    assert!(
        plan.contains("Kalix kommun\tclient_records\t5 years")
            && plan.contains("would cull 2\theld 1"),
        "{plan}"
    );
    assert!(
        plan.contains("Region Norrbotten\tclient_records\t10 years"),
        "{plan}"
    );
    assert!(plan.contains("Kalix kommun\taccess_log\t5 years"), "{plan}");
    // Nothing changed yet.
    assert_eq!(
        rt.block_on(scalar(&app.store, "SELECT COUNT(*) FROM audit_log")),
        log_before
    );
    let ran = admin(&url, data.path(), &["retention", "run"]);
    assert!(ran.contains("culled K-001"), "{ran}");

    // On the server: K-001, its visit and the trip are contentless tombstones without versions.
    rt.block_on(async {
        let s = &app.store;
        let gone = |table: &str, id: String| {
            format!("SELECT COUNT(*) FROM {table} WHERE id = '{id}' AND deleted = TRUE AND body = '{{}}' AND start_ms IS NULL")
        };
        assert_eq!(scalar(s, &gone("clients", old.id.to_string())).await, 1);
        assert_eq!(scalar(s, &gone("visits", old_visit.id.to_string())).await, 1);
        assert_eq!(scalar(s, &gone("trips", trip.id.to_string())).await, 1);
        let versions = format!(
            "SELECT COUNT(*) FROM revisions WHERE record_id IN ('{}', '{}', '{}')",
            old.id, old_visit.id, trip.id
        );
        assert_eq!(scalar(s, &versions).await, 0, "no stored version is left");
        let live = format!(
            "SELECT COUNT(*) FROM clients WHERE deleted = FALSE AND id IN ('{}', '{}', '{}')",
            held.id, recent.id, regions.id
        );
        assert_eq!(scalar(s, &live).await, 3, "held, recent and the region's client stay");
        assert_eq!(
            scalar(s, "SELECT COUNT(*) FROM visits WHERE deleted = FALSE").await,
            3
        );
        // The access log lost exactly the three rows past its five years.
        assert_eq!(
            scalar(s, "SELECT COUNT(*) FROM audit_log").await,
            log_before - 3
        );
        assert_eq!(
            scalar(s, &format!("SELECT COUNT(*) FROM audit_log WHERE at_ms > {four}")).await,
            recent_log,
        );
        // And still refuses every other DELETE, old rows included.
        assert!(exec(s, "DELETE FROM audit_log").await.is_err());
        assert!(exec(s, &format!("DELETE FROM audit_log WHERE at_ms = {four}")).await.is_err());
        assert!(exec(s, "UPDATE audit_log SET via = 'api'").await.is_err());
    });

    // The gallring records.
    let runs = rt.block_on(app.store.retention_runs(100)).expect("runs");
    let find = |org: OrgId, class: RetentionClass| {
        runs.iter()
            .find(|r| r.org == org && r.class == class)
            .unwrap_or_else(|| panic!("a record for {class}"))
            .clone()
    };
    let records = find(kommun, RetentionClass::ClientRecords);
    assert_eq!(
        (records.removed, records.held),
        (2, 1),
        "K-001 and its visit; K-002 held"
    );
    assert_eq!(records.run_by, "uppsok admin (arkivarie)");
    assert_eq!(records.years, 5);
    assert_eq!(find(kommun, RetentionClass::Trips).removed, 1);
    assert_eq!(find(kommun, RetentionClass::AccessLog).removed, 3);
    assert_eq!(find(region, RetentionClass::ClientRecords).removed, 0);
    assert_eq!(runs.len(), 6, "two organisations, three classes");
    let log = admin(&url, data.path(), &["retention", "log"]);
    assert!(
        log.contains("uppsok admin (arkivarie)\tKalix kommun\tclient_records\t5 years"),
        "{log}"
    );
    assert!(log.contains("culled 2\theld 1"), "{log}");

    // On the phones at their next sync.
    sync_until_done(&sync, &anna);
    sync_until_done(&sync, &bo);
    let mut on_anna: Vec<String> = anna
        .clients()
        .expect("clients")
        .into_iter()
        .map(|c| c.code.to_string())
        .collect();
    on_anna.sort();
    assert_eq!(on_anna, ["K-002", "K-003"], "K-001 is gone from the phone");
    assert!(anna.client(old.id).is_err());
    let visits = anna.visits(&VisitFilter::default()).expect("visits");
    assert_eq!(visits.len(), 2);
    assert!(visits.iter().all(|v| v.id != old_visit.id));
    assert!(
        anna.trips(&TripFilter::default())
            .expect("trips")
            .is_empty(),
        "the nine-year-old trip is gone from the phone"
    );
    assert_eq!(
        bo.client(regions.id)
            .expect("bo keeps R-001")
            .code
            .to_string(),
        "R-001"
    );

    // A second run finds nothing more; the released client goes at the next.
    let again = rt
        .block_on(uppsok_server::retention::run(
            &app.store,
            Utc::now(),
            "test",
        ))
        .expect("run again");
    assert_eq!(again.iter().map(|p| p.removed()).sum::<i64>(), 0);
    admin(
        &url,
        data.path(),
        &["retention", "release", "K-002", "--team", "ACT Kalix"],
    );
    let third = rt
        .block_on(uppsok_server::retention::run(
            &app.store,
            Utc::now(),
            "test",
        ))
        .expect("run");
    let k = third
        .iter()
        .find(|p| p.org == kommun && p.class == RetentionClass::ClientRecords)
        .expect("plan");
    assert_eq!((k.removed(), k.held.len()), (2, 0));
    drop(app);
}

#[test]
fn culling_reaches_server_and_phone_sqlite() {
    scenario(Backend::Sqlite);
}

#[test]
fn culling_reaches_server_and_phone_postgres() {
    scenario(Backend::Postgres);
}

/// An administrator's period below the law's floor is refused with the field and the rule, and
/// changes nothing; a longer one is dated and in force from its day.
#[test]
fn periods_are_dated_and_floored() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = rt.block_on(TestApp::spawn(Backend::Sqlite));
    let org = rt
        .block_on(
            app.store
                .create_org("Region Norrbotten", OrgKind::Region, Rates::default()),
        )
        .expect("org");
    let data = tempfile::tempdir().expect("data dir");
    let url = app.db.url.clone();
    let o = Command::new(uppsok_bin())
        .args([
            "admin",
            "--database",
            &url,
            "retention",
            "set",
            "Region Norrbotten",
        ])
        .args(["--class", "client_records", "--years", "6"])
        .env("UPPSOK_DATA_DIR", data.path())
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("years: the law asks at least 10 years"),
        "{err}"
    );
    assert!(
        rt.block_on(app.store.retention_classes())
            .expect("rows")
            .is_empty()
    );

    admin(
        &url,
        data.path(),
        &[
            "retention",
            "set",
            "Region Norrbotten",
            "--class",
            "client_records",
            "--years",
            "12",
            "--from",
            "2020-01-01",
        ],
    );
    admin(
        &url,
        data.path(),
        &[
            "retention",
            "set",
            "Region Norrbotten",
            "--class",
            "client_records",
            "--years",
            "15",
            "--from",
            "2999-01-01",
        ],
    );
    let show = admin(&url, data.path(), &["retention", "show"]);
    assert!(
        show.contains("Region Norrbotten\tclient_records\t12 years\tset"),
        "{show}"
    );
    assert!(
        show.contains("Region Norrbotten\ttrips\t7 years\tdefault"),
        "{show}"
    );
    assert!(
        show.contains("15 years from 2999-01-01\tset by uppsok admin"),
        "{show}"
    );
    let rows = rt.block_on(app.store.retention_classes()).expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.org == org.id));
}
