//! `POST /v1/sync` over real HTTP on loopback, against SQLite and PostgreSQL: exactly-once under
//! replay, rejections that never block a batch, last-writer-wins with late older edits,
//! per-field client merge, visibility and note stripping across organisations with and without
//! consent, outdated protocol, revoked devices, gzip both ways, bounds, fuzzed bodies.
//!
//! Each test runs twice (`sqlite`, `postgres`); the PostgreSQL half uses a fresh database on the
//! server `UPPSOK_TEST_POSTGRES` names and is skipped only outside `tests/run`.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uppsok_model::Outcome;
use uppsok_model::outcome::{Care, Event, Source};
use uppsok_model::protocol::{
    Change, DEVICE_REVOKED_TYPE, MAX_PUSH, OUTDATED_CLIENT_TYPE, OutcomeKind, RejectCode,
    SyncRequest, SyncResponse,
};
use uppsok_model::{
    ChangeId, Client, ClientCode, ClientId, Consent, ConsentScope, ConsentState, ContactKind,
    DeviceId, DistanceSource, Entity, Hlc, Note, OrgId, OrgKind, OutcomeId, PersonName, Phase,
    PlaceName, Purpose, Rates, Record, Role, Setting, TeamId, Trip, Username, Vehicle, Visit,
    VisitId,
};
use uppsok_server::app::app;
use uppsok_server::auth::{self, PasswordCost};
use uppsok_server::consent;
use uppsok_server::state::{AppState, Settings};
use uppsok_server::store::{AuditFilter, DeviceStatus, NewStaff, PoolSize, Store};
use uppsok_tests::gzip::{gunzip, gzip};
use uppsok_tests::postgres_env::{fresh_database_name, test_postgres_url, with_database};

const NAME_MARKER: &str = "Hemlig Namnsson";
const NOTE_MARKER: &str = "HEMLIGANTECKNING-7731";
const REGION_NOTE: &str = "REGIONSANTECKNING-5521";

struct User {
    username: String,
    token: String,
    device: DeviceId,
    node: u32,
}

struct Env {
    base: String,
    store: Store,
    http: reqwest::Client,
    raw: reqwest::Client,
    muni: OrgId,
    team: TeamId,
    other_team: TeamId,
    /// Municipality case managers in `team`.
    anna: User,
    bo: User,
    /// Region case manager in `team`.
    rut: User,
    /// Municipality case manager in `other_team`.
    olle: User,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Env {
    async fn sqlite() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("uppsok.db").display());
        Env::start(&url, Some(dir), None).await
    }

    async fn postgres() -> Option<Env> {
        let server = test_postgres_url().expect("PostgreSQL test setup")?;
        let name = fresh_database_name();
        let admin = sqlx::PgPool::connect(&server)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let url = with_database(&server, &name);
        Some(Env::start(&url, None, Some((server, name))).await)
    }

    async fn start(url: &str, dir: Option<tempfile::TempDir>, pg: Option<(String, String)>) -> Env {
        install_crypto();
        let store = Store::connect(url, PoolSize { max: 8 }).await.unwrap();
        let muni = store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .unwrap()
            .id;
        let region = store
            .create_org("Region Norrbotten", OrgKind::Region, Rates::default())
            .await
            .unwrap()
            .id;
        let team = store
            .create_team("ACT Kalix", muni, "K-###")
            .await
            .unwrap()
            .id;
        let other_team = store
            .create_team("ACT Luleå", muni, "L-###")
            .await
            .unwrap()
            .id;
        let mut node = 0;
        let mut user = |username: &'static str, org: OrgId, team: TeamId| {
            node += 1;
            let store = store.clone();
            let n = node;
            async move {
                let s = store
                    .create_staff(&NewStaff {
                        username: Username::parse(username).unwrap(),
                        name: PersonName::parse("Test Person").unwrap(),
                        org,
                        role: Role::CaseManager,
                        teams: vec![team],
                        password_hash: "unused".into(),
                        must_change: false,
                    })
                    .await
                    .unwrap();
                let (token, hash) = auth::new_token(auth::DEVICE_PREFIX);
                let device = store
                    .insert_device(s.id, &hash, DeviceStatus::Active)
                    .await
                    .unwrap();
                User {
                    username: username.to_owned(),
                    token,
                    device,
                    node: n,
                }
            }
        };
        let anna = user("anna", muni, team).await;
        let bo = user("bo", muni, team).await;
        let rut = user("rut", region, team).await;
        let olle = user("olle", muni, other_team).await;

        let settings = Settings {
            password_cost: PasswordCost::cheap(),
            ..Settings::default()
        };
        let router = app(AppState::new(store.clone(), settings));
        let (addr, _server) = uppsok_tests::serve_on_loopback(router).await;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let raw = reqwest::Client::builder()
            .no_gzip()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Env {
            base: format!("http://{addr}"),
            store,
            http,
            raw,
            muni,
            team,
            other_team,
            anna,
            bo,
            rut,
            olle,
            _dir: dir,
            pg,
        }
    }

    async fn finish(self) {
        self.store.close().await;
        if let Some((server, name)) = &self.pg
            && let Ok(admin) = sqlx::PgPool::connect(server).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await;
            admin.close().await;
        }
    }

    fn url(&self) -> String {
        format!("{}/v1/sync", self.base)
    }

    /// Posts a raw body; returns status, headers and body text.
    async fn post_raw(
        &self,
        token: Option<&str>,
        protocol: Option<&str>,
        body: Vec<u8>,
        gzip_body: bool,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let mut rb = self
            .http
            .post(self.url())
            .header("content-type", "application/json");
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(p) = protocol {
            rb = rb.header("uppsok-protocol", p);
        }
        if gzip_body {
            rb = rb.header("content-encoding", "gzip");
        }
        let res = rb.body(body).send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.text().await.unwrap())
    }

    async fn sync_text(&self, u: &User, req: &SyncRequest) -> (u16, String) {
        let (s, _, t) = self
            .post_raw(
                Some(&u.token),
                Some("1"),
                serde_json::to_vec(req).unwrap(),
                false,
            )
            .await;
        (s, t)
    }

    async fn sync(&self, u: &User, req: &SyncRequest) -> SyncResponse {
        let (s, t) = self.sync_text(u, req).await;
        assert_eq!(s, 200, "sync failed: {t}");
        serde_json::from_str(&t).unwrap()
    }
}

fn req(cursor: u64, changes: Vec<Change>) -> SyncRequest {
    SyncRequest {
        cursor,
        changes,
        pull_limit: None,
        app_version: Some("1.0.0-test".into()),
        knows_outcomes: true,
        access_events: Vec::new(),
        mileage_terms: None,
    }
}

fn hlc(u: &User, offset_ms: i64) -> Hlc {
    Hlc {
        wall_ms: Utc::now().timestamp_millis() + offset_ms,
        counter: 0,
        node: u.node,
    }
}

fn client(env: &Env, code: &str) -> Client {
    Client {
        id: ClientId::new(),
        team: env.team,
        code: ClientCode::parse(code).unwrap(),
        name: PersonName::parse(NAME_MARKER).unwrap(),
        org: env.muni,
        phase: Phase::Intake,
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

fn visit(u: &User, client: ClientId, note: &str) -> Visit {
    let me = Username::parse(&u.username).unwrap();
    Visit {
        id: VisitId::new(),
        client,
        author: me.clone(),
        staff: vec![me],
        start: Utc::now() - chrono::Duration::hours(2),
        minutes: 45,
        contact: ContactKind::FaceToFace,
        setting: Some(Setting::Home),
        network: false,
        place: Some(PlaceName::parse("Töre").unwrap()),
        note: Some(Note::parse(note).unwrap()),
        client_present: true,
        group: false,
    }
}

fn trip(u: &User) -> Trip {
    Trip {
        id: uppsok_model::TripId::new(),
        driver: Username::parse(&u.username).unwrap(),
        vehicle: Vehicle::Own,
        start: Utc::now() - chrono::Duration::hours(3),
        end: Some(Utc::now() - chrono::Duration::hours(2)),
        from: PlaceName::parse("Kalix").unwrap(),
        to: PlaceName::parse("Töre").unwrap(),
        from_address: None,
        to_address: None,
        purpose: Purpose::parse("Hembesök").unwrap(),
        visited: None,
        visits: vec![],
        km: 25.0,
        distance_source: DistanceSource::Manual,
        odometer_start: None,
        odometer_end: None,
        gps: None,
        distance_confirmed: false,
        from_home: false,
    }
}

fn up(u: &User, offset_ms: i64, r: Record) -> Change {
    Change::upsert(ChangeId::new(), hlc(u, offset_ms), &r).unwrap()
}

fn outcomes(r: &SyncResponse) -> Vec<OutcomeKind> {
    r.results.iter().map(|x| x.outcome).collect()
}

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let env = super::Env::sqlite().await;
                super::$name(&env).await;
                env.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(env) = super::Env::postgres().await else {
                    return;
                };
                super::$name(&env).await;
                env.finish().await;
            }
        }
    };
}

both!(exactly_once_under_replay);
async fn exactly_once_under_replay(env: &Env) {
    let c = client(env, "K-001");
    let mut batch = vec![up(&env.anna, 0, Record::Client(c.clone()))];
    for i in 0..3 {
        batch.push(up(
            &env.anna,
            1 + i,
            Record::Visit(visit(&env.anna, c.id, "ok")),
        ));
    }
    let first = env.sync(&env.anna, &req(0, batch.clone())).await;
    assert_eq!(outcomes(&first), vec![OutcomeKind::Applied; 4]);
    // The reply was lost: the phone sends the same batch again, twice.
    for _ in 0..2 {
        let again = env.sync(&env.anna, &req(0, batch.clone())).await;
        assert!(again.results.iter().all(
            |r| r.outcome == OutcomeKind::Duplicate && r.original == Some(OutcomeKind::Applied)
        ));
        assert!(again.results.iter().all(|r| r.rejection().is_none()));
    }
    assert_eq!(env.store.count_records(Entity::Visit).await.unwrap(), 3);
    assert_eq!(env.store.count_records(Entity::Client).await.unwrap(), 1);
    assert_eq!(env.store.count_sync_changes().await.unwrap(), 4);
    for ch in &batch {
        assert_eq!(
            env.store
                .count_revisions(ch.entity, ch.record_id)
                .await
                .unwrap(),
            1
        );
    }
    // The same change twice in one batch is applied once.
    let v = up(&env.anna, 10, Record::Visit(visit(&env.anna, c.id, "x")));
    let r = env
        .sync(&env.anna, &req(first.cursor, vec![v.clone(), v]))
        .await;
    assert_eq!(
        outcomes(&r),
        vec![OutcomeKind::Applied, OutcomeKind::Duplicate]
    );
    assert_eq!(env.store.count_records(Entity::Visit).await.unwrap(), 4);
}

both!(rejections_never_block_the_batch);
async fn rejections_never_block_the_batch(env: &Env) {
    let c = client(env, "K-002");
    let bos = visit(&env.bo, c.id, "bo's");
    let setup = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(c.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&setup), vec![OutcomeKind::Applied]);
    let r = env
        .sync(
            &env.bo,
            &req(0, vec![up(&env.bo, 0, Record::Visit(bos.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);

    let mut zero = visit(&env.anna, c.id, "zero minutes");
    zero.minutes = 0;
    let unknown_client = visit(&env.anna, ClientId::new(), "nobody");
    let as_bo = visit(&env.bo, c.id, "pretending");
    let mut take_over = bos.clone();
    take_over.author = Username::parse("anna").unwrap();
    take_over.staff = vec![Username::parse("anna").unwrap()];
    let good = visit(&env.anna, c.id, "good");
    let mut bad_code = client(env, "X-1");
    bad_code.code = ClientCode::parse("X-999").unwrap();
    let mut other_team_client = client(env, "K-003");
    other_team_client.team = env.other_team;
    let batch = vec![
        up(&env.anna, 1, Record::Visit(zero)),
        up(&env.anna, 2, Record::Visit(unknown_client)),
        up(&env.anna, 3, Record::Visit(as_bo)),
        up(&env.anna, 4, Record::Visit(take_over)),
        up(&env.anna, 5, Record::Visit(good.clone())),
        up(&env.anna, 6, Record::Client(bad_code)),
        up(&env.anna, 7, Record::Client(other_team_client)),
    ];
    let r = env.sync(&env.anna, &req(setup.cursor, batch.clone())).await;
    let codes: Vec<Option<RejectCode>> = r.results.iter().map(|x| x.code).collect();
    assert_eq!(
        codes,
        vec![
            Some(RejectCode::InvalidRecord),
            Some(RejectCode::UnknownReference),
            Some(RejectCode::Forbidden),
            Some(RejectCode::Forbidden),
            None,
            Some(RejectCode::InvalidRecord),
            Some(RejectCode::Forbidden),
        ],
        "{:?}",
        r.results
    );
    assert_eq!(r.results[4].outcome, OutcomeKind::Applied);
    assert!(
        r.results[0]
            .reason
            .as_deref()
            .unwrap()
            .starts_with("minutes")
    );
    let stored = env.store.record(Entity::Visit, good.id.0).await.unwrap();
    assert!(stored.is_some(), "the good visit was applied");
    let theirs = env
        .store
        .record(Entity::Visit, bos.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        theirs.body["note"], "bo's",
        "another author's visit is untouched"
    );
    // A replay keeps the original rejections, code and reason.
    let again = env.sync(&env.anna, &req(setup.cursor, batch)).await;
    for (a, b) in again.results.iter().zip(&r.results) {
        assert_eq!(a.outcome, OutcomeKind::Duplicate);
        assert_eq!(a.code, b.code);
        assert_eq!(a.reason, b.reason);
    }
    let stats = env
        .store
        .device_sync_stats(env.anna.device)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stats.rejected_changes, 6);
    assert_eq!(stats.app_version.as_deref(), Some("1.0.0-test"));
    assert!(stats.last_sync_ms.is_some());
}

both!(client_codes_are_unique_in_a_team);
async fn client_codes_are_unique_in_a_team(env: &Env) {
    let reason = |r: &SyncResponse, i: usize| r.results[i].reason.clone().unwrap_or_default();
    let first = client(env, "K-010");
    let r = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(first.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    // The region's case manager in the same team, another record space: the code is taken all
    // the same (a phone finds clients by code).
    let region = env
        .store
        .staff_by_username("rut")
        .await
        .unwrap()
        .unwrap()
        .org;
    let mut second = client(env, "K-010");
    second.org = region;
    let r = env
        .sync(
            &env.rut,
            &req(0, vec![up(&env.rut, 0, Record::Client(second.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Rejected]);
    assert_eq!(r.results[0].code, Some(RejectCode::InvalidRecord));
    assert!(
        reason(&r, 0).starts_with("code: another client of the team"),
        "{r:?}"
    );
    // Two new clients with one code in one batch: the first is kept.
    let (a, b) = (client(env, "K-011"), client(env, "K-011"));
    let r = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 1, Record::Client(a.clone())),
                    up(&env.anna, 2, Record::Client(b)),
                ],
            ),
        )
        .await;
    assert_eq!(
        outcomes(&r),
        vec![OutcomeKind::Applied, OutcomeKind::Rejected]
    );
    // A client given a new code frees the old one.
    let mut renamed = first.clone();
    renamed.code = ClientCode::parse("K-012").unwrap();
    let r = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 10, Record::Client(renamed))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let r = env
        .sync(
            &env.rut,
            &req(0, vec![up(&env.rut, 20, Record::Client(second))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied], "{r:?}");
    // The database itself refuses a duplicate, whoever writes.
    let anna = env.store.staff_by_username("anna").await.unwrap().unwrap();
    let mut tx = env.store.begin().await.unwrap();
    let dup = client(env, "K-012");
    let err = tx
        .upsert_record(&uppsok_server::store::RecordWrite {
            record: Record::Client(dup),
            deleted: false,
            author: anna.id,
            org: env.muni,
            team: Some(env.team),
            device: None,
        })
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
}

both!(staff_present_are_members_of_the_team);
/// Everyone named as present on a visit is a member of the client's team: a colleague of the
/// team (another organisation too) is fine; an unknown username or someone of another team is
/// refused with the reason, and nothing is stored.
async fn staff_present_are_members_of_the_team(env: &Env) {
    let c = client(env, "K-031");
    let r = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(c.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let with = |names: &[&str]| {
        let mut v = visit(&env.anna, c.id, "anteckning");
        v.staff
            .extend(names.iter().map(|n| Username::parse(n).unwrap()));
        v
    };
    let ok = with(&["bo", "rut"]);
    let stranger = with(&["bo", "okand.person"]);
    let other_team = with(&["olle"]);
    let r = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 1, Record::Visit(ok.clone())),
                    up(&env.anna, 2, Record::Visit(stranger.clone())),
                    up(&env.anna, 3, Record::Visit(other_team.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(
        outcomes(&r),
        vec![
            OutcomeKind::Applied,
            OutcomeKind::Rejected,
            OutcomeKind::Rejected
        ]
    );
    for i in [1, 2] {
        assert_eq!(r.results[i].code, Some(RejectCode::InvalidRecord));
        assert!(
            r.results[i]
                .reason
                .as_deref()
                .is_some_and(|m| m.starts_with("staff: ")),
            "{r:?}"
        );
    }
    let stored = |id: uuid::Uuid| async move {
        env.store.record(Entity::Visit, id).await.unwrap().is_some()
    };
    assert!(stored(ok.id.0).await);
    assert!(!stored(stranger.id.0).await, "a refused visit was stored");
    assert!(!stored(other_team.id.0).await, "a refused visit was stored");
}

both!(places_stay_in_their_record_space);
/// A team's place (here a client's name at house-level coordinates) reaches the author's
/// organisation in the team, never the other organisation's phones, whose attempt to change it
/// is refused; the read is logged; a gazetteer place (no team) reaches everyone.
async fn places_stay_in_their_record_space(env: &Env) {
    use uppsok_model::{Place, PlaceId};
    let home = Place {
        id: PlaceId::new(),
        name: PlaceName::parse(NAME_MARKER).unwrap(),
        lat: 65.8561,
        lon: 23.1432,
        team: Some(env.team),
    };
    let r = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Place(home.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let has_place = |r: &SyncResponse| {
        r.changes
            .iter()
            .any(|c| c.record_id == home.id.0 && !c.deleted)
    };
    // Bo (same organisation, same team) gets it; Rut (the region, same team) does not, and
    // neither does Olle (another team).
    assert!(has_place(&env.sync(&env.bo, &req(0, vec![])).await));
    let rut = env.sync(&env.rut, &req(0, vec![])).await;
    assert!(!has_place(&rut), "a place crossed organisations");
    assert!(!serde_json::to_string(&rut).unwrap().contains(NAME_MARKER));
    assert!(!has_place(&env.sync(&env.olle, &req(0, vec![])).await));
    // Rut cannot rename it either.
    let mut renamed = home.clone();
    renamed.name = PlaceName::parse("Omdöpt").unwrap();
    let r = env
        .sync(
            &env.rut,
            &req(0, vec![up(&env.rut, 5, Record::Place(renamed))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Rejected]);
    assert_eq!(r.results[0].code, Some(RejectCode::Forbidden));
    // Bo's read of it is in the access log.
    let bo = env.store.staff_by_username("bo").await.unwrap().unwrap();
    let logged = env
        .store
        .list_audit(&AuditFilter {
            staff: Some(bo.id),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(
        logged.iter().any(|e| e.entity.as_deref() == Some("place")
            && e.action.as_str() == "read"
            && e.record == Some(home.id.0)),
        "the place's read was not logged"
    );
}

both!(last_write_wins_and_late_older_edits);
async fn last_write_wins_and_late_older_edits(env: &Env) {
    let c = client(env, "K-004");
    let mut v = visit(&env.anna, c.id, "first");
    let r = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 0, Record::Client(c.clone())),
                    up(&env.anna, 10_000, Record::Visit(v.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied; 2]);
    // An older edit (clock 5 s earlier) arrives late: kept as a revision, not current.
    v.minutes = 30;
    v.note = Some(Note::parse("older").unwrap());
    let late = env
        .sync(
            &env.anna,
            &req(
                r.cursor,
                vec![up(&env.anna, 5_000, Record::Visit(v.clone()))],
            ),
        )
        .await;
    assert_eq!(outcomes(&late), vec![OutcomeKind::Applied]);
    // The phone is sent the version that stayed current, so it converges.
    let current = late
        .changes
        .iter()
        .find(|x| x.record_id == v.id.0)
        .expect("winner sent back");
    assert_eq!(current.record.as_ref().unwrap()["minutes"], 45);
    let row = env
        .store
        .record(Entity::Visit, v.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.body["minutes"], 45);
    assert_eq!(row.body["note"], "first");
    assert_eq!(
        env.store
            .count_revisions(Entity::Visit, v.id.0)
            .await
            .unwrap(),
        2
    );
    // A newer edit wins.
    v.minutes = 50;
    env.sync(
        &env.anna,
        &req(
            late.cursor,
            vec![up(&env.anna, 20_000, Record::Visit(v.clone()))],
        ),
    )
    .await;
    let row = env
        .store
        .record(Entity::Visit, v.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.body["minutes"], 50);
    // Delete at +30 s; an edit stamped +25 s arriving later does not resurrect it.
    let del = Change::delete(
        ChangeId::new(),
        hlc(&env.anna, 30_000),
        Entity::Visit,
        v.id.0,
    );
    env.sync(&env.anna, &req(0, vec![del])).await;
    v.minutes = 55;
    let r = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 25_000, Record::Visit(v.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let row = env
        .store
        .record(Entity::Visit, v.id.0)
        .await
        .unwrap()
        .unwrap();
    assert!(row.deleted);
    assert_eq!(
        env.store
            .count_revisions(Entity::Visit, v.id.0)
            .await
            .unwrap(),
        5
    );
    // Bo sees the tombstone, without the record.
    let pulled = env.sync(&env.bo, &req(0, vec![])).await;
    let tomb = pulled
        .changes
        .iter()
        .find(|c| c.record_id == v.id.0)
        .unwrap();
    assert!(tomb.deleted && tomb.record.is_none());
    // Only the author may delete.
    let c2 = ChangeId::new();
    let r = env
        .sync(
            &env.bo,
            &req(
                0,
                vec![Change::delete(
                    c2,
                    hlc(&env.bo, 60_000),
                    Entity::Client,
                    c.id.0,
                )],
            ),
        )
        .await;
    assert_eq!(
        outcomes(&r),
        vec![OutcomeKind::Applied],
        "same org and team may delete a client"
    );
    let vb = visit(&env.anna, c.id, "x");
    let r = env
        .sync(
            &env.bo,
            &req(
                0,
                vec![Change::delete(
                    ChangeId::new(),
                    hlc(&env.bo, 0),
                    Entity::Visit,
                    vb.id.0,
                )],
            ),
        )
        .await;
    assert_eq!(
        outcomes(&r),
        vec![OutcomeKind::Applied],
        "deleting an unknown record is a no-op"
    );
}

both!(a_marked_revert_wins_and_a_carried_value_does_not);
/// The merge's rule over real HTTP (docs/sync-server.md, "Conflicts"): a change that names the
/// groups it set on purpose (`edited`) keeps a revert even while the pusher's cursor is below
/// the change it reverts, and the groups it only carried never win.
async fn a_marked_revert_wins_and_a_carried_value_does_not(env: &Env) {
    let c = client(env, "K-007");
    let base = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(c.clone()))]),
        )
        .await;
    let groups = |g: &[&str]| Some(g.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    // Bo sets the phase to active.
    let bo_view = env.sync(&env.bo, &req(0, vec![])).await;
    let mut active = c.clone();
    active.phase = Phase::Active;
    env.sync(
        &env.bo,
        &req(
            bo_view.cursor,
            vec![up(&env.bo, 1_000, Record::Client(active)).with_edited(groups(&["phase"]))],
        ),
    )
    .await;
    // Anna, with her cursor still at the base, sets the next contact and carries the old
    // phase: the carry loses, her edit wins.
    let mut carry = c.clone();
    carry.next_contact = NaiveDate::from_ymd_opt(2026, 12, 1);
    env.sync(
        &env.anna,
        &req(
            base.cursor,
            vec![
                up(&env.anna, 2_000, Record::Client(carry.clone()))
                    .with_edited(groups(&["next_contact"])),
            ],
        ),
    )
    .await;
    let row = env
        .store
        .record(Entity::Client, c.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.body["phase"], "active", "a carried value never wins");
    assert_eq!(row.body["next_contact"], "2026-12-01");
    // Anna then sets the phase back to intake on purpose, cursor still below Bo's change:
    // the cursor rule took this for a stale carry; marked, it is kept.
    let r = env
        .sync(
            &env.anna,
            &req(
                base.cursor,
                vec![up(&env.anna, 3_000, Record::Client(carry)).with_edited(groups(&["phase"]))],
            ),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let row = env
        .store
        .record(Entity::Client, c.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.body["phase"], "intake", "the deliberate revert is kept");
    assert_eq!(row.body["next_contact"], "2026-12-01");
    // A group name the server does not know is refused on its own, without echo.
    let bad = up(&env.anna, 4_000, Record::Client(c.clone())).with_edited(groups(&["hemligt"]));
    let r = env.sync(&env.anna, &req(r.cursor, vec![bad])).await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Rejected]);
    let reason = r.results[0].reason.clone().unwrap_or_default();
    assert!(
        reason.starts_with("edited:") && !reason.contains("hemligt"),
        "{reason}"
    );
}

both!(clients_merge_per_field);
async fn clients_merge_per_field(env: &Env) {
    let c = client(env, "K-005");
    let base = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(c.clone()))]),
        )
        .await;
    let bo_view = env.sync(&env.bo, &req(0, vec![])).await;
    assert!(bo_view.changes.iter().any(|x| x.record_id == c.id.0));
    // Anna changes the phase; Bo, offline, changes the next contact a little later and still
    // carries the old phase.
    let mut a = c.clone();
    a.phase = Phase::Active;
    env.sync(
        &env.anna,
        &req(base.cursor, vec![up(&env.anna, 1_000, Record::Client(a))]),
    )
    .await;
    let mut b = c.clone();
    b.next_contact = NaiveDate::from_ymd_opt(2026, 12, 1);
    let r = env
        .sync(
            &env.bo,
            &req(bo_view.cursor, vec![up(&env.bo, 2_000, Record::Client(b))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let row = env
        .store
        .record(Entity::Client, c.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.body["phase"], "active", "Anna's phase survives");
    assert_eq!(
        row.body["next_contact"], "2026-12-01",
        "Bo's next contact survives"
    );
    // Bo gets the merged version back (it differs from what he pushed).
    let merged = r
        .changes
        .iter()
        .find(|x| x.record_id == c.id.0)
        .expect("merged client pulled");
    let back: Client = serde_json::from_value(merged.record.clone().unwrap()).unwrap();
    assert_eq!(back.phase, Phase::Active);
    // The same field edited concurrently: the newer clock wins; an older edit arriving late
    // loses.
    let mut x = c.clone();
    x.name = PersonName::parse("Namn Nyare").unwrap();
    x.phase = Phase::Active;
    x.next_contact = NaiveDate::from_ymd_opt(2026, 12, 1);
    let mut y = x.clone();
    y.name = PersonName::parse("Namn Aldre").unwrap();
    env.sync(
        &env.anna,
        &req(r.cursor, vec![up(&env.anna, 9_000, Record::Client(x))]),
    )
    .await;
    env.sync(
        &env.bo,
        &req(r.cursor, vec![up(&env.bo, 8_000, Record::Client(y))]),
    )
    .await;
    let row = env
        .store
        .record(Entity::Client, c.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.body["name"], "Namn Nyare");
    // The record space is the server's: a pushed org is ignored.
    let mut z = client(env, "K-006");
    z.org = OrgId::new();
    let r = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(z.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let row = env
        .store
        .record(Entity::Client, z.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.org, env.muni);
    assert_eq!(row.body["org"], env.muni.to_string());
}

/// What a phone holds of record `id` after `reply`, when nothing of it waits any more: the
/// version the reply carries (the last one, if several), else what it pushed last.
fn phone_after(reply: &SyncResponse, id: uuid::Uuid, pushed: &Client) -> Option<Value> {
    match reply.changes.iter().rev().find(|c| c.record_id == id) {
        Some(c) if c.deleted => None,
        Some(c) => c.record.clone(),
        None => Some(serde_json::to_value(pushed).unwrap()),
    }
}

async fn server_body(env: &Env, id: uuid::Uuid) -> Option<Value> {
    let row = env.store.record(Entity::Client, id).await.unwrap()?;
    (!row.deleted).then_some(row.body)
}

/// A client Anna created that Bo has since set to `active` (Bo's write is newer than Anna's
/// cursor `before_bo`, which is where a phone holds its cursor while another pulled record waits
/// for a local change).
async fn client_bo_changed(env: &Env, code: &str) -> (Client, u64) {
    let c = client(env, code);
    let created = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(c.clone()))]),
        )
        .await;
    let bo_view = env.sync(&env.bo, &req(0, vec![])).await;
    let mut b = c.clone();
    b.phase = Phase::Active;
    env.sync(
        &env.bo,
        &req(
            bo_view.cursor,
            vec![up(&env.bo, 1_000, Record::Client(b.clone()))],
        ),
    )
    .await;
    (b, created.cursor)
}

both!(pusher_ends_with_the_servers_version);
/// Convergence: whatever the merge decides, once a phone's last change of a record is
/// acknowledged the phone must hold the server's current version — in the same reply, or in the
/// reply to the replay when that reply was lost. Here Anna's phone pulled Bo's phase (its cursor
/// held below it) and sets it back; the merge takes that for a stale carry and keeps Bo's phase,
/// so the phone must be told.
async fn pusher_ends_with_the_servers_version(env: &Env) {
    // Two edits in one batch: the first becomes current as pushed, the second does not.
    let (seen, before_bo) = client_bo_changed(env, "K-030").await;
    let mut a1 = seen.clone();
    a1.next_contact = NaiveDate::from_ymd_opt(2026, 12, 1);
    let mut a2 = a1.clone();
    a2.phase = Phase::Intake;
    let r = env
        .sync(
            &env.anna,
            &req(
                before_bo,
                vec![
                    up(&env.anna, 2_000, Record::Client(a1)),
                    up(&env.anna, 3_000, Record::Client(a2.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied; 2]);
    let server = server_body(env, seen.id.0).await;
    assert!(server.is_some());
    assert_eq!(
        phone_after(&r, seen.id.0, &a2),
        server,
        "the phone holds the server's version after one batch"
    );

    // The second edit in a later batch whose reply is lost: the replay is answered with
    // `duplicate`, and must still bring the server's version.
    let (seen, before_bo) = client_bo_changed(env, "K-031").await;
    let mut a1 = seen.clone();
    a1.next_contact = NaiveDate::from_ymd_opt(2026, 12, 2);
    let first = env
        .sync(
            &env.anna,
            &req(
                before_bo,
                vec![up(&env.anna, 2_000, Record::Client(a1.clone()))],
            ),
        )
        .await;
    assert_eq!(
        phone_after(&first, seen.id.0, &a1),
        server_body(env, seen.id.0).await
    );
    let mut a2 = a1.clone();
    a2.phase = Phase::Intake;
    let batch = req(
        before_bo,
        vec![up(&env.anna, 3_000, Record::Client(a2.clone()))],
    );
    let lost = env.sync(&env.anna, &batch).await;
    assert_eq!(outcomes(&lost), vec![OutcomeKind::Applied]);
    let replay = env.sync(&env.anna, &batch).await;
    assert_eq!(outcomes(&replay), vec![OutcomeKind::Duplicate]);
    let server = server_body(env, seen.id.0).await;
    assert_eq!(
        phone_after(&replay, seen.id.0, &a2),
        server,
        "the replay's reply brings the server's version"
    );
    // Nothing is sent back when the phone holds the current version already.
    let mut a3: Client = serde_json::from_value(server.unwrap()).unwrap();
    a3.next_contact = NaiveDate::from_ymd_opt(2026, 12, 3);
    let r = env
        .sync(
            &env.anna,
            &req(
                replay.cursor,
                vec![up(&env.anna, 4_000, Record::Client(a3.clone()))],
            ),
        )
        .await;
    assert!(r.changes.iter().all(|c| c.record_id != seen.id.0));
    assert_eq!(
        server_body(env, seen.id.0).await,
        Some(serde_json::to_value(&a3).unwrap())
    );
}

both!(visibility_consent_and_notes);
async fn visibility_consent_and_notes(env: &Env) {
    let mut c = client(env, "K-007");
    let v = visit(&env.anna, c.id, NOTE_MARKER);
    let t = trip(&env.anna);
    let pushed = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 0, Record::Client(c.clone())),
                    up(&env.anna, 1, Record::Visit(v.clone())),
                    up(&env.anna, 2, Record::Trip(t.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(
        outcomes(&pushed),
        vec![OutcomeKind::Applied; 3],
        "{:?}",
        pushed.results
    );
    // Anna's own changes are not sent back to her.
    assert!(pushed.changes.is_empty(), "{:?}", pushed.changes);

    // The region's case manager in the same team, no consent ever given: nothing, not even a
    // tombstone's id (which would say that a client exists, and since when).
    let (s, text) = env.sync_text(&env.rut, &req(0, vec![])).await;
    assert_eq!(s, 200);
    assert!(!text.contains(NAME_MARKER) && !text.contains(NOTE_MARKER) && !text.contains("Töre"));
    assert!(
        !text.contains(&c.id.to_string()) && !text.contains(&v.id.to_string()),
        "an unshared client's id reached the other organisation: {text}"
    );
    let rut0: SyncResponse = serde_json::from_str(&text).unwrap();
    assert!(rut0.changes.iter().all(|x| x.deleted && x.record.is_none()));
    assert!(
        !rut0.changes.iter().any(|x| x.record_id == t.id.0),
        "trips never cross orgs"
    );
    // Another team sees nothing at all, not even ids.
    let (_, text) = env.sync_text(&env.olle, &req(0, vec![])).await;
    assert!(!text.contains(&c.id.to_string()) && !text.contains(&v.id.to_string()));
    assert!(!text.contains(NAME_MARKER) && !text.contains(NOTE_MARKER));
    // Bo (same org) sees everything, note included.
    let (_, text) = env.sync_text(&env.bo, &req(0, vec![])).await;
    assert!(text.contains(NOTE_MARKER) && text.contains(NAME_MARKER));

    // Consent given: the region sees the client and the visit, never the note.
    c.consent = Consent {
        state: ConsentState::Given,
        date: NaiveDate::from_ymd_opt(2026, 11, 1),
        recorded_by: Some(Username::parse("anna").unwrap()),
        scope: Default::default(),
        until: None,
    };
    let r = env
        .sync(
            &env.anna,
            &req(
                pushed.cursor,
                vec![up(&env.anna, 10, Record::Client(c.clone()))],
            ),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let (_, text) = env.sync_text(&env.rut, &req(rut0.cursor, vec![])).await;
    assert!(
        !text.contains(NOTE_MARKER),
        "notes never cross organisations"
    );
    let rut1: SyncResponse = serde_json::from_str(&text).unwrap();
    let got_client = rut1.changes.iter().find(|x| x.record_id == c.id.0).unwrap();
    assert!(!got_client.deleted);
    let got_visit = rut1
        .changes
        .iter()
        .find(|x| x.record_id == v.id.0)
        .expect("visit shared");
    let body = got_visit.record.as_ref().unwrap();
    assert!(body.get("note").is_none());
    assert_eq!(body["minutes"], 45);
    assert!(!rut1.changes.iter().any(|x| x.record_id == t.id.0));

    // The region logs its own visit with the client; Anna gets it without the region's note.
    let rv = visit(&env.rut, c.id, REGION_NOTE);
    let r = env
        .sync(
            &env.rut,
            &req(
                rut1.cursor,
                vec![up(&env.rut, 20, Record::Visit(rv.clone()))],
            ),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied], "{:?}", r.results);
    let (_, text) = env.sync_text(&env.anna, &req(0, vec![])).await;
    assert!(!text.contains(REGION_NOTE));
    assert!(text.contains(&rv.id.to_string()));
    // The region may not edit the municipality's client.
    let r = env
        .sync(
            &env.rut,
            &req(r.cursor, vec![up(&env.rut, 30, Record::Client(c.clone()))]),
        )
        .await;
    assert_eq!(r.results[0].code, Some(RejectCode::Forbidden));

    // Consent withdrawn: the region's phone is told to drop the client and the visit.
    c.consent.state = ConsentState::Withdrawn;
    env.sync(
        &env.anna,
        &req(0, vec![up(&env.anna, 40, Record::Client(c.clone()))]),
    )
    .await;
    let (_, text) = env.sync_text(&env.rut, &req(r.cursor, vec![])).await;
    assert!(!text.contains(NAME_MARKER) && !text.contains(NOTE_MARKER));
    let rut2: SyncResponse = serde_json::from_str(&text).unwrap();
    for id in [c.id.0, v.id.0] {
        let x = rut2
            .changes
            .iter()
            .find(|x| x.record_id == id)
            .expect("tombstone");
        assert!(x.deleted && x.record.is_none());
    }
    // Rut's own visit stays hers, note and all.
    let (_, text) = env.sync_text(&env.rut, &req(0, vec![])).await;
    assert!(text.contains(REGION_NOTE));

    // Reads and writes through sync are in the access log, per client.
    let log = env
        .store
        .list_audit(&AuditFilter {
            client: Some(c.id),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.via.as_str() == "sync"
        && e.action.as_str() == "read"
        && e.actor_username == "rut"));
    assert!(log.iter().any(|e| e.via.as_str() == "sync"
        && e.action.as_str() == "create"
        && e.actor_username == "anna"));
    assert!(
        log.iter()
            .any(|e| e.via.as_str() == "sync" && e.action.as_str() == "update")
    );
}

both!(pull_pages_by_cursor);
async fn pull_pages_by_cursor(env: &Env) {
    let c = client(env, "K-008");
    let mut batch = vec![up(&env.anna, 0, Record::Client(c.clone()))];
    for i in 0..24 {
        batch.push(up(
            &env.anna,
            1 + i,
            Record::Visit(visit(&env.anna, c.id, "p")),
        ));
    }
    env.sync(&env.anna, &req(0, batch)).await;
    let mut cursor = 0;
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    let mut terms: Option<String> = None;
    loop {
        let mut r = req(cursor, vec![]);
        r.pull_limit = Some(10);
        r.mileage_terms = terms.clone();
        let res = env.sync(&env.bo, &r).await;
        pages += 1;
        // The mileage terms come once, then not again while the phone names them.
        match (&terms, &res.mileage_terms) {
            (None, Some(t)) => terms = Some(t.tag.clone()),
            (Some(_), None) => {}
            other => panic!("the terms came again or never: {other:?}"),
        }
        assert!(res.changes.len() <= 10);
        assert!(res.changes.windows(2).all(|w| w[0].seq < w[1].seq));
        for ch in &res.changes {
            assert!(ch.seq > cursor);
            assert!(seen.insert(ch.record_id), "sent twice");
        }
        assert!(res.cursor >= cursor);
        cursor = res.cursor;
        if !res.has_more {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25);
    assert_eq!(cursor as i64, env.store.current_seq().await.unwrap());
    // Nothing to do: one small request.
    let (s, _, text) = env
        .post_raw(
            Some(&env.bo.token),
            Some("1"),
            serde_json::to_vec(&json!({"cursor": cursor, "mileage_terms": terms})).unwrap(),
            false,
        )
        .await;
    assert_eq!(s, 200);
    assert!(text.len() < 500, "{}", text.len());
    // The pages named the phones' window and the terms; an idle reply to a phone that has
    // them does not.
    assert!(
        !text.contains("history_window_days") && !text.contains("mileage_terms"),
        "an idle reply stays small: {text}"
    );
    // A phone holding other terms (or none) gets them; a tag too long is refused.
    let (s, _, text) = env
        .post_raw(
            Some(&env.bo.token),
            Some("1"),
            serde_json::to_vec(&json!({"cursor": cursor, "mileage_terms": "0000000000000000"}))
                .unwrap(),
            false,
        )
        .await;
    assert_eq!(s, 200);
    assert!(text.contains("\"mileage_terms\":{\"tag\""), "{text}");
    let (s, _, text) = env
        .post_raw(
            Some(&env.bo.token),
            Some("1"),
            serde_json::to_vec(&json!({"cursor": cursor, "mileage_terms": "x".repeat(65)}))
                .unwrap(),
            false,
        )
        .await;
    assert_eq!(s, 422, "{text}");
    assert!(text.contains("mileage_terms"), "{text}");
}

both!(protocol_auth_and_bounds);
async fn protocol_auth_and_bounds(env: &Env) {
    let body = serde_json::to_vec(&json!({"cursor": 0})).unwrap();
    for proto in [None, Some("0"), Some("abc")] {
        let (s, h, text) = env
            .post_raw(Some(&env.anna.token), proto, body.clone(), false)
            .await;
        assert_eq!(s, 426, "{text}");
        assert_eq!(h["content-type"], "application/problem+json");
        let p: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(p["type"], OUTDATED_CLIENT_TYPE);
        assert!(p["detail"].as_str().unwrap().contains("Update the app"));
    }
    let (s, _, _) = env.post_raw(None, Some("1"), body.clone(), false).await;
    assert_eq!(s, 401);
    let (s, _, _) = env
        .post_raw(Some("udt_nonsense"), Some("1"), body.clone(), false)
        .await;
    assert_eq!(s, 401);

    // Too many changes: 413, nothing applied.
    let c = client(env, "K-009");
    let changes: Vec<Change> = (0..=MAX_PUSH as i64)
        .map(|i| up(&env.anna, i, Record::Visit(visit(&env.anna, c.id, "n"))))
        .collect();
    let (s, text) = env.sync_text(&env.anna, &req(0, changes)).await;
    assert_eq!(s, 413, "{text}");
    assert_eq!(env.store.count_sync_changes().await.unwrap(), 0);

    // A gzip bomb: a small compressed body that inflates past the limit.
    let mut huge = b"{\"cursor\": 0, \"changes\": [".to_vec();
    huge.extend(std::iter::repeat_n(
        b' ',
        uppsok_server::api::sync::BODY_LIMIT + 1024,
    ));
    huge.extend(b"]}");
    let bomb = gzip(&huge);
    assert!(bomb.len() < 200_000);
    let (s, _, text) = env
        .post_raw(Some(&env.anna.token), Some("1"), bomb, true)
        .await;
    assert_eq!(s, 413, "{text}");

    // Revoked devices: 401 with the device-revoked type and whether to wipe, even when the app
    // is outdated too.
    env.store.revoke_device(env.bo.device, false).await.unwrap();
    env.store
        .revoke_device(env.olle.device, true)
        .await
        .unwrap();
    for (u, wipe) in [(&env.bo, false), (&env.olle, true)] {
        for proto in [Some("1"), None] {
            let (s, _, text) = env
                .post_raw(Some(&u.token), proto, body.clone(), false)
                .await;
            assert_eq!(s, 401);
            let p: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(p["type"], DEVICE_REVOKED_TYPE);
            assert_eq!(p["wipe"], wipe);
        }
    }
}

both!(a_body_of_tiny_values_is_refused_before_parsing);
async fn a_body_of_tiny_values_is_refused_before_parsing(env: &Env) {
    // About 12 KiB gzipped, 8 MiB of `0,` once inflated: millions of values, which would cost
    // hundreds of MiB to parse into JSON values.
    let plain = format!(
        "{{\"cursor\":0,\"changes\":[{{\"a\":[{}0]}}]}}",
        "0,".repeat(4 * 1024 * 1024)
    );
    let zipped = gzip(plain.as_bytes());
    assert!(zipped.len() < 64 * 1024, "{}", zipped.len());
    let (s, _, body) = env
        .post_raw(Some(&env.anna.token), Some("1"), zipped, true)
        .await;
    assert_eq!(s, 413, "{body}");
    assert!(body.contains("JSON values"), "{body}");
    // An ordinary batch of the largest size still goes through.
    let c = client(env, "K-777");
    let mut changes = vec![up(&env.anna, 0, Record::Client(c.clone()))];
    for i in 0..(MAX_PUSH - 1) {
        changes.push(up(
            &env.anna,
            1 + i as i64,
            Record::Visit(visit(&env.anna, c.id, "full")),
        ));
    }
    let r = env.sync(&env.anna, &req(0, changes)).await;
    assert!(r.results.iter().all(|x| x.outcome == OutcomeKind::Applied));
}

both!(gzip_both_ways);
async fn gzip_both_ways(env: &Env) {
    let c = client(env, "K-010");
    let mut changes = vec![up(&env.anna, 0, Record::Client(c.clone()))];
    for i in 0..50 {
        changes.push(up(
            &env.anna,
            1 + i,
            Record::Visit(visit(&env.anna, c.id, "gzip")),
        ));
    }
    let plain = serde_json::to_vec(&req(0, changes)).unwrap();
    let zipped = gzip(&plain);
    assert!(zipped.len() * 3 < plain.len());
    let (s, _, text) = env
        .post_raw(Some(&env.anna.token), Some("1"), zipped, true)
        .await;
    assert_eq!(s, 200, "{text}");
    let r: SyncResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(r.results.len(), 51);
    assert!(r.results.iter().all(|x| x.outcome == OutcomeKind::Applied));
    // Bo pulls with Accept-Encoding: gzip and gets a gzip body.
    let res = env
        .raw
        .post(env.url())
        .bearer_auth(&env.bo.token)
        .header("uppsok-protocol", "1")
        .header("accept-encoding", "gzip")
        .header("content-type", "application/json")
        .body(r#"{"cursor": 0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let zipped = res.bytes().await.unwrap().to_vec();
    let body = gunzip(&zipped).unwrap();
    assert!(zipped.len() * 3 < body.len());
    let pulled: SyncResponse = serde_json::from_slice(&body).unwrap();
    assert_eq!(pulled.changes.len(), 51);
    // A corrupt gzip stream is a 4xx.
    let (s, _, _) = env
        .post_raw(
            Some(&env.anna.token),
            Some("1"),
            b"\x1f\x8b\x08\x00garbage".to_vec(),
            true,
        )
        .await;
    assert!((400..500).contains(&s), "{s}");
}

both!(fuzzed_bodies_never_5xx);
async fn fuzzed_bodies_never_5xx(env: &Env) {
    let c = client(env, "K-011");
    let valid = serde_json::to_vec(&req(
        0,
        vec![
            up(&env.anna, 0, Record::Client(c.clone())),
            up(&env.anna, 1, Record::Visit(visit(&env.anna, c.id, "fuzz"))),
            up(&env.anna, 2, Record::Trip(trip(&env.anna))),
        ],
    ))
    .unwrap();
    let fixed: Vec<Vec<u8>> = vec![
        vec![],
        b"null".to_vec(),
        b"[]".to_vec(),
        b"{".to_vec(),
        b"{\"cursor\": -1}".to_vec(),
        b"{\"cursor\": 1e99}".to_vec(),
        b"{\"cursor\": 18446744073709551615}".to_vec(),
        b"{\"cursor\": 0, \"pull_limit\": 0}".to_vec(),
        b"{\"cursor\": 0, \"changes\": {}}".to_vec(),
        b"{\"cursor\": 0, \"changes\": [{}]}".to_vec(),
        b"{\"cursor\": 0, \"changes\": [null]}".to_vec(),
        br#"{"cursor": 0, "changes": [{"change_id": "x", "entity": "visit", "record_id": "y", "clock": "z"}]}"#.to_vec(),
        format!(
            r#"{{"cursor": 0, "changes": [{{"change_id": "{}", "entity": "visit", "record_id": "{}", "clock": "9999999999999-00000000-00000001", "record": {{"id": 5}}}}]}}"#,
            ChangeId::new(),
            VisitId::new()
        )
        .into_bytes(),
        format!(
            r#"{{"cursor": 0, "changes": [{{"change_id": "{}", "entity": "client", "record_id": "{}", "clock": "1-00000000-00000001", "record": "Aino Niemi"}}]}}"#,
            ChangeId::new(),
            ClientId::new()
        )
        .into_bytes(),
        format!("{{\"cursor\": 0, \"app_version\": \"{}\"}}", "x".repeat(5000)).into_bytes(),
        b"\xff\xfe\x00garbage".to_vec(),
        valid[..valid.len() / 2].to_vec(),
    ];
    for body in fixed {
        let (s, _, text) = env
            .post_raw(Some(&env.anna.token), Some("1"), body, false)
            .await;
        assert!(s < 500, "{s}: {text}");
        assert!(!text.contains("Aino"), "no echo of input: {text}");
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    for _ in 0..150 {
        let mut body = valid.clone();
        for _ in 0..rng.random_range(1..6) {
            let i = rng.random_range(0..body.len());
            match rng.random_range(0..3) {
                0 => body[i] = rng.random(),
                1 => {
                    body.remove(i);
                }
                _ => body.insert(i, b"{}[]\",:0-e\\"[rng.random_range(0..11)]),
            }
        }
        let (s, _, text) = env
            .post_raw(Some(&env.anna.token), Some("1"), body, false)
            .await;
        assert!(s < 500, "{s}: {text}");
    }
    // Whatever got through was applied at most once per change id.
    let ids = env.store.count_sync_changes().await.unwrap();
    assert!(ids <= 3 + 150);
}

/// Load: `UPPSOK_LOAD_DEVICES` phones (default 500) in teams of ten, each pushing
/// `UPPSOK_LOAD_BATCHES` batches of `UPPSOK_LOAD_BATCH` visits and pulling its team's, all at
/// once. Prints changes/s and request latency. `cargo test --release -p uppsok-tests --test
/// sync_server load -- --ignored --nocapture` (PostgreSQL with `UPPSOK_LOAD_POSTGRES=1`).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "load measurement, run by hand"]
async fn load_many_devices() {
    use uppsok_server::store::RecordWrite;
    let var = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (devices, batches, batch) = (
        var("UPPSOK_LOAD_DEVICES", 500),
        var("UPPSOK_LOAD_BATCHES", 4),
        var("UPPSOK_LOAD_BATCH", 25),
    );
    let env = if std::env::var("UPPSOK_LOAD_POSTGRES").is_ok_and(|v| v == "1") {
        Env::postgres().await.expect("UPPSOK_TEST_POSTGRES")
    } else {
        Env::sqlite().await
    };
    let mut phones = Vec::new();
    let mut team = env.team;
    let mut client_id = ClientId::new();
    for i in 0..devices {
        if i % 10 == 0 {
            team = env
                .store
                .create_team(&format!("Load {i}"), env.muni, "K-###")
                .await
                .unwrap()
                .id;
            let mut c = client(&env, "K-100");
            c.team = team;
            client_id = c.id;
            let s = env.store.staff_by_username("anna").await.unwrap().unwrap();
            env.store
                .upsert_record(&RecordWrite {
                    record: Record::Client(c),
                    deleted: false,
                    author: s.id,
                    org: env.muni,
                    team: Some(team),
                    device: None,
                })
                .await
                .unwrap();
        }
        let username = format!("load{i}");
        let s = env
            .store
            .create_staff(&NewStaff {
                username: Username::parse(&username).unwrap(),
                name: PersonName::parse("Load Test").unwrap(),
                org: env.muni,
                role: Role::CaseManager,
                teams: vec![team],
                password_hash: "unused".into(),
                must_change: false,
            })
            .await
            .unwrap();
        let (token, hash) = auth::new_token(auth::DEVICE_PREFIX);
        let device = env
            .store
            .insert_device(s.id, &hash, DeviceStatus::Active)
            .await
            .unwrap();
        phones.push((
            User {
                username,
                token,
                device,
                node: 1000 + i as u32,
            },
            client_id,
        ));
    }
    let env = std::sync::Arc::new(env);
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for (u, client) in phones {
        let env = env.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut cursor = 0;
            for b in 0..batches {
                let changes = (0..batch)
                    .map(|k| {
                        up(
                            &u,
                            (b * batch + k) as i64,
                            Record::Visit(visit(&u, client, "load")),
                        )
                    })
                    .collect();
                let t = std::time::Instant::now();
                let r = env.sync(&u, &req(cursor, changes)).await;
                lat.push(t.elapsed());
                assert!(r.results.iter().all(|x| x.outcome == OutcomeKind::Applied));
                cursor = r.cursor;
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let wall = started.elapsed();
    lat.sort();
    let total = devices * batches * batch;
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{}: {devices} devices × {batches} × {batch} = {total} changes in {:.2?}: {:.0} changes/s, {} requests, p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        env.store.backend(),
        wall,
        total as f64 / wall.as_secs_f64(),
        lat.len(),
        pct(0.5),
        pct(0.99),
        lat[lat.len() - 1]
    );
    assert_eq!(
        env.store.count_records(Entity::Visit).await.unwrap() as usize,
        total
    );
}

both!(dashboard_facts_follow_sync_writes);
/// The dashboard reads visits from their `dash_*` columns (migration 0003; on PostgreSQL set by
/// 0004's trigger, which parses the body once instead of six generated columns). They must
/// equal the body after sync creates a visit and after sync replaces it with an edit, and on
/// PostgreSQL nothing may set them apart from the body.
async fn dashboard_facts_follow_sync_writes(env: &Env) {
    use uppsok_server::store::dashboard::{team_clients, visit_facts};
    let staff = env
        .store
        .staff_by_username(&env.anna.username)
        .await
        .unwrap()
        .unwrap();
    let viewer = uppsok_server::access::Viewer {
        staff: staff.id,
        org: staff.org,
        role: staff.role,
        teams: staff.teams.iter().copied().collect(),
    };
    let facts_of = |v: VisitId| {
        let viewer = viewer.clone();
        async move {
            let all = team_clients(&env.store, env.team).await.unwrap();
            visit_facts(
                &env.store,
                uppsok_server::store::dashboard::FactsFor::Viewer(&viewer),
                env.team,
                &all,
                0,
                i64::MAX,
            )
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.id == v)
        }
    };
    let c = client(env, "K-090");
    let mut v = visit(&env.anna, c.id, "facts");
    // The column holds milliseconds, as the pages need.
    v.start = chrono::SubsecRound::trunc_subsecs(v.start, 3);
    let first = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 0, Record::Client(c.clone())),
                    up(&env.anna, 1, Record::Visit(v.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(outcomes(&first), vec![OutcomeKind::Applied; 2]);
    let bare = |v: &Visit| Visit {
        place: None,
        note: None,
        ..v.clone()
    };
    assert_eq!(facts_of(v.id).await, Some(bare(&v)));

    v.minutes = 95;
    v.contact = ContactKind::Phone;
    v.setting = None;
    v.network = true;
    v.staff.push(Username::parse(&env.bo.username).unwrap());
    let second = env
        .sync(
            &env.anna,
            &req(
                first.cursor,
                vec![up(&env.anna, 5, Record::Visit(v.clone()))],
            ),
        )
        .await;
    assert_eq!(outcomes(&second), vec![OutcomeKind::Applied]);
    assert_eq!(facts_of(v.id).await, Some(bare(&v)), "after the edit");

    if let uppsok_server::store::Pool::Postgres(p) = &env.store.pool {
        sqlx::query("UPDATE visits SET dash_minutes = 1, dash_contact = 'attempted' WHERE id = $1")
            .bind(v.id.to_string())
            .execute(p)
            .await
            .unwrap();
        assert_eq!(
            facts_of(v.id).await,
            Some(bare(&v)),
            "a direct write of the facts is put back to the body's"
        );
    }
}

both!(team_membership_reaches_the_phones);
/// A user added to a team gets the team's history although their cursor had passed it; a user
/// taken off a team gets tombstones for everything of it except their own trips, once.
async fn team_membership_reaches_the_phones(env: &Env) {
    let staff_id = |u: &User| {
        let name = u.username.clone();
        async move {
            env.store
                .staff_by_username(&name)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let sent = |r: &SyncResponse, id: uuid::Uuid| {
        r.changes
            .iter()
            .find(|ch| ch.record_id == id)
            .map(|ch| (ch.deleted, ch.record.clone()))
    };
    let c = client(env, "K-301");
    let v = visit(&env.anna, c.id, NOTE_MARKER);
    let t = trip(&env.anna);
    let a1 = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 0, Record::Client(c.clone())),
                    up(&env.anna, 1, Record::Visit(v.clone())),
                    up(&env.anna, 2, Record::Trip(t.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(outcomes(&a1), vec![OutcomeKind::Applied; 3]);

    // Olle works in ACT Luleå: his cursor passes the Kalix team's records unseen.
    let o1 = env.sync(&env.olle, &req(0, vec![])).await;
    assert!(sent(&o1, c.id.0).is_none() && sent(&o1, v.id.0).is_none());
    let olle = staff_id(&env.olle).await;
    assert!(env.store.add_staff_team(olle, env.team).await.unwrap());
    assert!(
        !env.store.add_staff_team(olle, env.team).await.unwrap(),
        "already a member"
    );
    // His phone, from the cursor it had, gets the team's history: the client, the visit with
    // its note (same organisation) and Anna's trip (trips are seen within the organisation).
    let o2 = env.sync(&env.olle, &req(o1.cursor, vec![])).await;
    for id in [c.id.0, v.id.0, t.id.0] {
        assert!(
            matches!(sent(&o2, id), Some((false, Some(_)))),
            "{id} reaches the new member: {:?}",
            o2.changes
        );
    }
    let (_, text) = env.sync_text(&env.olle, &req(o1.cursor, vec![])).await;
    assert!(text.contains(NOTE_MARKER));
    let v2 = visit(&env.olle, c.id, "Olles besök");
    let o3 = env
        .sync(
            &env.olle,
            &req(o2.cursor, vec![up(&env.olle, 0, Record::Visit(v2.clone()))]),
        )
        .await;
    assert_eq!(
        outcomes(&o3),
        vec![OutcomeKind::Applied],
        "{:?}",
        o3.results
    );

    // Anna moves to ACT Luleå.
    let anna = staff_id(&env.anna).await;
    let a2 = env.sync(&env.anna, &req(a1.cursor, vec![])).await;
    assert!(
        env.store
            .add_staff_team(anna, env.other_team)
            .await
            .unwrap()
    );
    assert!(env.store.remove_staff_team(anna, env.team).await.unwrap());
    assert!(
        !env.store.remove_staff_team(anna, env.team).await.unwrap(),
        "not a member any more"
    );
    let (_, text) = env.sync_text(&env.anna, &req(a2.cursor, vec![])).await;
    assert!(
        !text.contains(NOTE_MARKER) && !text.contains(NAME_MARKER) && !text.contains("Olles"),
        "nothing of the team she left"
    );
    let a3: SyncResponse = serde_json::from_str(&text).unwrap();
    for id in [c.id.0, v.id.0, v2.id.0] {
        assert_eq!(
            sent(&a3, id),
            Some((true, None)),
            "{id}: a tombstone for the phone of the member who left"
        );
    }
    assert_eq!(sent(&a3, t.id.0), None, "her own trip stays on her phone");
    assert!(
        a3.changes
            .iter()
            .all(|ch| ch.deleted || ch.entity == Entity::Place)
    );
    // Once her cursor has passed the move, the team costs her phone nothing.
    let a4 = env.sync(&env.anna, &req(a3.cursor, vec![])).await;
    assert!(a4.changes.is_empty(), "{:?}", a4.changes);
    // What she writes to the team's client now is refused.
    let late = visit(&env.anna, c.id, "för sent");
    let a5 = env
        .sync(
            &env.anna,
            &req(a4.cursor, vec![up(&env.anna, 0, Record::Visit(late))]),
        )
        .await;
    assert_eq!(outcomes(&a5), vec![OutcomeKind::Rejected]);

    // Back in the team: the history comes back.
    assert!(env.store.add_staff_team(anna, env.team).await.unwrap());
    let a6 = env.sync(&env.anna, &req(a5.cursor, vec![])).await;
    for id in [c.id.0, v2.id.0] {
        assert!(
            matches!(sent(&a6, id), Some((false, Some(_)))),
            "{id} comes back"
        );
    }
}

both!(a_restored_database_tells_the_phone);
/// A phone whose cursor is above the last one the server handed it (the database was restored
/// from a backup taken after the phone synced) is told so, and pulls again from that last cursor;
/// an ordinary reply says nothing of it.
async fn a_restored_database_tells_the_phone(env: &Env) {
    let c = client(env, "K-401");
    let first = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 0, Record::Client(c.clone()))]),
        )
        .await;
    let bo1 = env.sync(&env.bo, &req(0, vec![])).await;
    assert!(bo1.changes.iter().any(|ch| ch.record_id == c.id.0));
    let (_, text) = env.sync_text(&env.bo, &req(bo1.cursor, vec![])).await;
    assert!(!text.contains("restored"), "an ordinary reply: {text}");

    // Bo's phone comes with a cursor from a history this database does not have.
    let (_, text) = env
        .sync_text(&env.bo, &req(bo1.cursor + 1_000, vec![]))
        .await;
    let back: SyncResponse = serde_json::from_str(&text).unwrap();
    assert!(back.restored, "{text}");
    assert!(
        back.cursor <= bo1.cursor,
        "the cursor goes back: {}",
        back.cursor
    );
    // Taking it, the phone is an ordinary phone again, and pulls what is written from now on.
    let v = visit(&env.anna, c.id, "efter återställningen");
    env.sync(
        &env.anna,
        &req(
            first.cursor,
            vec![up(&env.anna, 0, Record::Visit(v.clone()))],
        ),
    )
    .await;
    let next = env.sync(&env.bo, &req(back.cursor, vec![])).await;
    assert!(!next.restored);
    assert!(next.changes.iter().any(|ch| ch.record_id == v.id.0));
    // A cursor the phone was handed and then lost the answer for is not a restore.
    let again = env.sync(&env.bo, &req(back.cursor, vec![])).await;
    assert!(!again.restored);
}

both!(consent_scope_and_end_date_govern_what_the_other_organisation_holds);
async fn consent_scope_and_end_date_govern_what_the_other_organisation_holds(env: &Env) {
    let today = uppsok_server::consent::today();
    let mut c = client(env, "K-008");
    c.consent = Consent {
        state: ConsentState::Given,
        date: Some(today),
        recorded_by: Some(Username::parse("anna").unwrap()),
        scope: ConsentScope::Contacts,
        until: Some(today),
    };
    let v = visit(&env.anna, c.id, NOTE_MARKER);
    let o = Outcome {
        id: OutcomeId::new(),
        client: c.id,
        author: Username::parse("anna").unwrap(),
        day: today,
        source: Source::Client,
        event: Event::Emergency,
    };
    let pushed = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 0, Record::Client(c.clone())),
                    up(&env.anna, 1, Record::Visit(v.clone())),
                    up(&env.anna, 2, Record::Outcome(o.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(
        outcomes(&pushed),
        vec![OutcomeKind::Applied; 3],
        "{:?}",
        pushed.results
    );

    // Consent to share contacts: the region holds the client and the visit, and nothing of the
    // outcome but (at most) that it may not.
    let rut0 = env.sync(&env.rut, &req(0, vec![])).await;
    let got = |r: &SyncResponse, id: uuid::Uuid| {
        r.changes
            .iter()
            .find(|x| x.record_id == id)
            .map(|x| x.record.is_some())
    };
    assert_eq!(got(&rut0, c.id.0), Some(true));
    assert_eq!(got(&rut0, v.id.0), Some(true));
    assert_ne!(
        got(&rut0, o.id.0),
        Some(true),
        "an outcome outside the consent's scope"
    );

    // Widened to outcomes: the region's phone gets it at its next pull.
    c.consent.scope = ConsentScope::ContactsAndOutcomes;
    let r = env
        .sync(
            &env.anna,
            &req(
                pushed.cursor,
                vec![up(&env.anna, 10, Record::Client(c.clone()))],
            ),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let rut1 = env.sync(&env.rut, &req(rut0.cursor, vec![])).await;
    assert_eq!(got(&rut1, o.id.0), Some(true), "{:?}", rut1.changes);

    // Today is the consent's last day: the sweep leaves it. Tomorrow it ends sharing, once.
    assert!(
        consent::expire(&env.store, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    assert_eq!(
        consent::expire(&env.store, tomorrow).await.unwrap(),
        vec![c.id]
    );
    assert!(
        consent::expire(&env.store, tomorrow)
            .await
            .unwrap()
            .is_empty()
    );
    let rut2 = env.sync(&env.rut, &req(rut1.cursor, vec![])).await;
    for id in [c.id.0, v.id.0, o.id.0] {
        assert_eq!(
            got(&rut2, id),
            Some(false),
            "a tombstone for each: {:?}",
            rut2.changes
        );
    }
    // The municipality's own phones keep all of it.
    let bo = env.sync(&env.bo, &req(0, vec![])).await;
    for id in [c.id.0, v.id.0, o.id.0] {
        assert_eq!(got(&bo, id), Some(true));
    }

    // A consent already past its end when written is not shared at all.
    let mut old = client(env, "K-009");
    old.consent = Consent {
        state: ConsentState::Given,
        date: today.checked_sub_days(chrono::Days::new(30)),
        recorded_by: Some(Username::parse("anna").unwrap()),
        scope: ConsentScope::ContactsAndOutcomes,
        until: today.pred_opt(),
    };
    let r = env
        .sync(
            &env.anna,
            &req(0, vec![up(&env.anna, 20, Record::Client(old.clone()))]),
        )
        .await;
    assert_eq!(outcomes(&r), vec![OutcomeKind::Applied]);
    let rut3 = env.sync(&env.rut, &req(rut2.cursor, vec![])).await;
    assert_ne!(got(&rut3, old.id.0), Some(true));
}

fn stay(u: &User, client: ClientId) -> Outcome {
    Outcome {
        id: OutcomeId::new(),
        client,
        author: Username::parse(&u.username).unwrap(),
        day: NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
        source: Source::InpatientCare,
        event: Event::Inpatient {
            care: Care::Psychiatric,
            discharged: NaiveDate::from_ymd_opt(2026, 2, 17),
            compulsory: true,
        },
    }
}

// An outcome follows the contacts' rule: its author's record space, the other organisation
// only while the client's consent is given (and told to drop it when consent goes), another
// team never; edited by its author only; an app that does not know outcomes is sent none.
both!(outcomes_follow_the_contacts_rule);
async fn outcomes_follow_the_contacts_rule(env: &Env) {
    let mut c = client(env, "K-031");
    let o = stay(&env.anna, c.id);
    let pushed = env
        .sync(
            &env.anna,
            &req(
                0,
                vec![
                    up(&env.anna, 0, Record::Client(c.clone())),
                    up(&env.anna, 1, Record::Outcome(o.clone())),
                ],
            ),
        )
        .await;
    assert_eq!(
        outcomes(&pushed),
        vec![OutcomeKind::Applied; 2],
        "{:?}",
        pushed.results
    );
    assert_eq!(env.store.count_records(Entity::Outcome).await.unwrap(), 1);

    // Bo, same organisation: the outcome as Anna recorded it.
    let bo = env.sync(&env.bo, &req(0, vec![])).await;
    let got = bo
        .changes
        .iter()
        .find(|x| x.record_id == o.id.0)
        .expect("bo gets the outcome");
    assert_eq!(got.entity, Entity::Outcome);
    assert_eq!(got.record().unwrap(), Some(Record::Outcome(o.clone())));
    // An app from before outcomes: none sent, so its response still parses.
    let mut old = req(0, vec![]);
    old.knows_outcomes = false;
    let (s, text) = env.sync_text(&env.bo, &old).await;
    assert_eq!(s, 200);
    assert!(!text.contains(&o.id.to_string()) && !text.contains("\"outcome\""));
    // The region without consent and another team: not even the id.
    let (_, text) = env.sync_text(&env.rut, &req(0, vec![])).await;
    assert!(!text.contains(&o.id.to_string()), "{text}");
    let rut0: SyncResponse = serde_json::from_str(&text).unwrap();
    let (_, text) = env.sync_text(&env.olle, &req(0, vec![])).await;
    assert!(!text.contains(&o.id.to_string()) && !text.contains(&c.id.to_string()));
    // Nor may the region record one about a client it may not see.
    let r = env
        .sync(
            &env.rut,
            &req(
                rut0.cursor,
                vec![up(&env.rut, 0, Record::Outcome(stay(&env.rut, c.id)))],
            ),
        )
        .await;
    assert_eq!(
        r.results[0].code,
        Some(RejectCode::UnknownReference),
        "{:?}",
        r.results
    );

    // Author-only: Bo may neither change Anna's outcome nor record one in her name.
    let mut changed = o.clone();
    changed.author = Username::parse("bo").unwrap();
    changed.source = Source::Client;
    let mut as_anna = stay(&env.anna, c.id);
    as_anna.day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let r = env
        .sync(
            &env.bo,
            &req(
                bo.cursor,
                vec![
                    up(&env.bo, 50, Record::Outcome(changed)),
                    up(&env.bo, 51, Record::Outcome(as_anna)),
                ],
            ),
        )
        .await;
    assert_eq!(
        r.results.iter().map(|x| x.code).collect::<Vec<_>>(),
        vec![Some(RejectCode::Forbidden); 2],
        "{:?}",
        r.results
    );
    // Invalid: discharged before admitted, named by field.
    let mut wrong = stay(&env.anna, c.id);
    wrong.event = Event::Inpatient {
        care: Care::Addiction,
        discharged: NaiveDate::from_ymd_opt(2026, 1, 1),
        compulsory: false,
    };
    let r = env
        .sync(
            &env.anna,
            &req(
                pushed.cursor,
                vec![up(&env.anna, 60, Record::Outcome(wrong))],
            ),
        )
        .await;
    assert_eq!(r.results[0].code, Some(RejectCode::InvalidRecord));
    assert!(
        r.results[0]
            .rejection()
            .unwrap()
            .reason
            .starts_with("discharged"),
        "{:?}",
        r.results
    );
    assert_eq!(env.store.count_records(Entity::Outcome).await.unwrap(), 1);

    // Consent given, its scope covering outcomes: the region's next pull carries the outcome,
    // though its cursor had passed it.
    c.consent = Consent {
        state: ConsentState::Given,
        date: NaiveDate::from_ymd_opt(2026, 11, 1),
        recorded_by: Some(Username::parse("anna").unwrap()),
        scope: ConsentScope::ContactsAndOutcomes,
        until: None,
    };
    env.sync(
        &env.anna,
        &req(0, vec![up(&env.anna, 70, Record::Client(c.clone()))]),
    )
    .await;
    let rut1 = env.sync(&env.rut, &req(rut0.cursor, vec![])).await;
    let got = rut1
        .changes
        .iter()
        .find(|x| x.record_id == o.id.0)
        .expect("shared with consent");
    assert_eq!(got.record().unwrap(), Some(Record::Outcome(o.clone())));
    // Consent withdrawn: the region's phone is told to drop it.
    c.consent.state = ConsentState::Withdrawn;
    env.sync(
        &env.anna,
        &req(0, vec![up(&env.anna, 80, Record::Client(c.clone()))]),
    )
    .await;
    let (_, text) = env.sync_text(&env.rut, &req(rut1.cursor, vec![])).await;
    assert!(!text.contains("inpatient_care") && !text.contains("psychiatric"));
    let rut2: SyncResponse = serde_json::from_str(&text).unwrap();
    let x = rut2
        .changes
        .iter()
        .find(|x| x.record_id == o.id.0)
        .expect("tombstone");
    assert!(x.deleted && x.record.is_none());
}
