//! Shared harness of the server tests (modelled on zero2prod's `tests/api/helpers.rs`): a fresh
//! database per test on either backend, the real router served on a loopback port 0, a seeded
//! world of two organisations and two teams with marker strings in every sensitive field, and
//! helpers to log in and call the API.
//!
//! The one suite runs against both backends through [`backend_tests!`], which instantiates each
//! scenario once for SQLite and once for PostgreSQL.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use sqlx::Connection;
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ConsentState, ContactKind, DistanceSource, OrgId,
    OrgKind, PersonName, Phase, PlaceName, Purpose, Rates, Record, Role, Setting, StaffId, TeamId,
    Trip, TripId, Username, Vehicle, Visit, VisitId,
};
use uppsok_server::app::app;
use uppsok_server::auth::{self, PasswordCost};
use uppsok_server::state::{AppState, Settings};
use uppsok_server::store::{NewStaff, PoolSize, RecordWrite, SessionRow, StaffRow, Store, now_ms};

pub const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Instantiates `async fn name(backend: Backend)` scenarios as `name::sqlite` and
/// `name::postgres` tests.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::server_common::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::server_common::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// The PostgreSQL server to create test databases on: `UPPSOK_TEST_POSTGRES`; if missing,
/// a failure under `UPPSOK_REQUIRE_POSTGRES=1`, else the local server with trust auth.
pub fn postgres_admin_url() -> String {
    match uppsok_tests::postgres_env::test_postgres_url() {
        Ok(Some(url)) => url,
        Ok(None) => DEFAULT_PG.to_owned(),
        Err(e) => panic!("{e}"),
    }
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("uppsok.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = uppsok_tests::postgres_env::fresh_database_name();
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin}: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("CREATE DATABASE");
                let url = uppsok_tests::postgres_env::with_database(&admin, &name);
                TestDb {
                    url,
                    _dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs inside the test's runtime: use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

pub fn test_settings() -> Settings {
    Settings {
        password_cost: PasswordCost::cheap(),
        body_limit: 16 * 1024,
        ..Settings::default()
    }
}

/// The real router on 127.0.0.1:0 over a fresh database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub store: Store,
    pub http: reqwest::Client,
    pub backend: Backend,
    server: tokio::task::JoinHandle<()>,
    pub db: TestDb,
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

/// A test app on the loopback and the runtime it runs on, for the scenarios that drive real
/// phones (whose sync client blocks) from a plain `#[test]`.
pub fn blocking_app(backend: Backend) -> (tokio::runtime::Runtime, TestApp) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = rt.block_on(TestApp::spawn(backend));
    (rt, app)
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, test_settings()).await
    }

    pub async fn spawn_with(backend: Backend, settings: Settings) -> TestApp {
        let db = TestDb::new(backend).await;
        let store = Store::connect(&db.url, PoolSize { max: 8 })
            .await
            .expect("connect and migrate");
        let router = app(AppState::new(store.clone(), settings));
        let (addr, server) = uppsok_tests::serve_on_loopback(router).await;
        TestApp {
            addr,
            base: format!("http://{addr}"),
            store,
            http: http_client(),
            backend,
            server,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, String) {
        let mut req = self.http.request(method, self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        (status, res.text().await.unwrap_or_default())
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, String) {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    /// A session for `staff` straight in the store (no Argon2, no TOTP step used up).
    pub async fn session_for(&self, staff: StaffId) -> String {
        session_in(&self.store, staff, 3600 * 1000).await
    }

    /// A dashboard (cookie) session for `staff`, straight in the store: the `Cookie` header's
    /// value and the session's CSRF token.
    pub async fn cookie_session(&self, staff: StaffId) -> (String, String) {
        let (token, hash) = auth::new_token(auth::SESSION_PREFIX);
        let csrf = format!("csrf-{}", uuid::Uuid::new_v4());
        self.store
            .create_session(&SessionRow {
                token_hash: hash,
                staff,
                kind: uppsok_server::store::SessionKind::Cookie,
                csrf: csrf.clone(),
                created_ms: now_ms(),
                expires_ms: now_ms() + 3_600_000,
                revoked: false,
            })
            .await
            .expect("session");
        (
            format!("{}={token}", uppsok_server::dashboard::SESSION_COOKIE),
            csrf,
        )
    }

    pub async fn stop(self) {
        self.server.abort();
        self.store.close().await;
    }
}

pub async fn session_in(store: &Store, staff: StaffId, ttl_ms: i64) -> String {
    let (token, hash) = auth::new_token(auth::SESSION_PREFIX);
    let now = now_ms();
    store
        .create_session(&SessionRow {
            token_hash: hash,
            staff,
            kind: uppsok_server::store::SessionKind::Bearer,
            csrf: "x".into(),
            created_ms: now,
            expires_ms: now + ttl_ms,
            revoked: false,
        })
        .await
        .expect("session");
    token
}

pub async fn add_staff(
    store: &Store,
    username: &str,
    role: Role,
    org: OrgId,
    teams: &[TeamId],
    password: &str,
) -> StaffRow {
    store
        .create_staff(&NewStaff {
            username: Username::parse(username).expect("username"),
            name: PersonName::parse(format!("Staff {username}")).expect("name"),
            org,
            role,
            teams: teams.to_vec(),
            password_hash: auth::hash_password(password, PasswordCost::cheap()).expect("hash"),
            must_change: false,
        })
        .await
        .expect("create staff")
}

/// Organisation short names used in markers.
pub const ORGS: [&str; 2] = ["M", "R"];
pub const TEAMS: [&str; 2] = ["A", "B"];

/// A seeded client and the visits about it.
#[derive(Debug, Clone)]
pub struct SeedClient {
    pub id: ClientId,
    pub team: usize,
    pub org: usize,
    pub consent: bool,
    /// In the client's name.
    pub marker: String,
    /// (visit id, author org index, marker in the note, marker in the place? no: in the note)
    pub visits: Vec<(VisitId, usize, String)>,
}

#[derive(Debug, Clone)]
pub struct SeedTrip {
    pub id: TripId,
    pub team: usize,
    pub org: usize,
    pub marker: String,
}

/// Two organisations (M municipality, R region), two teams (A run by M, B run by R), both with
/// members of both organisations: per organisation and team a case manager and a supervisor,
/// and per organisation an admin without teams. Per team and owning organisation a client with
/// consent given and one with consent withdrawn; each client has a visit by each organisation;
/// per team and organisation a trip.
pub struct World {
    pub orgs: [OrgId; 2],
    pub teams: [TeamId; 2],
    /// [org][team]
    pub case_managers: [[StaffRow; 2]; 2],
    pub supervisors: [[StaffRow; 2]; 2],
    pub admins: [StaffRow; 2],
    pub clients: Vec<SeedClient>,
    pub trips: Vec<SeedTrip>,
}

pub const PASSWORD: &str = "correct horse battery staple";

fn now_start() -> chrono::DateTime<Utc> {
    Utc.timestamp_millis_opt(now_ms() - 3 * 24 * 3600 * 1000)
        .single()
        .expect("time")
}

pub fn client_record(
    id: ClientId,
    team: TeamId,
    org: OrgId,
    code: &str,
    name: &str,
    consent: bool,
) -> Client {
    Client {
        id,
        team,
        code: ClientCode::parse(code).expect("code"),
        name: PersonName::parse(name).expect("name"),
        org,
        phase: Phase::Active,
        closed_reason: None,
        next_contact: None,
        consent: Consent {
            state: if consent {
                ConsentState::Given
            } else {
                ConsentState::Withdrawn
            },
            date: NaiveDate::from_ymd_opt(2026, 10, 1),
            recorded_by: None,
            scope: Default::default(),
            until: None,
        },
        admitted: None,
        referral: None,
        contact_person: None,
        deputy: None,
        closed_on: None,
        closure: None,
        protected_identity: false,
    }
}

pub async fn seed_world(store: &Store) -> World {
    let m = store
        .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
        .await
        .expect("org");
    let r = store
        .create_org("Region Norrbotten", OrgKind::Region, Rates::default())
        .await
        .expect("org");
    let orgs = [m.id, r.id];
    let a = store
        .create_team("Team A", m.id, "K-###")
        .await
        .expect("team");
    let b = store
        .create_team("Team B", r.id, "K-###")
        .await
        .expect("team");
    let teams = [a.id, b.id];
    let mut cms = Vec::new();
    let mut sups = Vec::new();
    for (oi, o) in ORGS.iter().enumerate() {
        let mut cm_row = Vec::new();
        let mut sup_row = Vec::new();
        for (ti, t) in TEAMS.iter().enumerate() {
            let lo = o.to_lowercase();
            let lt = t.to_lowercase();
            cm_row.push(
                add_staff(
                    store,
                    &format!("cm-{lo}-{lt}"),
                    Role::CaseManager,
                    orgs[oi],
                    &[teams[ti]],
                    PASSWORD,
                )
                .await,
            );
            let sup = add_staff(
                store,
                &format!("sup-{lo}-{lt}"),
                Role::Supervisor,
                orgs[oi],
                &[teams[ti]],
                PASSWORD,
            )
            .await;
            store
                .set_totp_secret(sup.id, Some(&auth::new_totp_secret()))
                .await
                .expect("totp");
            sup_row.push(sup);
        }
        cms.push(<[StaffRow; 2]>::try_from(cm_row).expect("two"));
        sups.push(<[StaffRow; 2]>::try_from(sup_row).expect("two"));
    }
    let mut admins = Vec::new();
    for (oi, o) in ORGS.iter().enumerate() {
        let adm = add_staff(
            store,
            &format!("adm-{}", o.to_lowercase()),
            Role::Admin,
            orgs[oi],
            &[],
            PASSWORD,
        )
        .await;
        store
            .set_totp_secret(adm.id, Some(&auth::new_totp_secret()))
            .await
            .expect("totp");
        admins.push(adm);
    }
    let case_managers = <[[StaffRow; 2]; 2]>::try_from(cms).expect("2x2");
    let supervisors = <[[StaffRow; 2]; 2]>::try_from(sups).expect("2x2");
    let mut clients = Vec::new();
    let mut n = 0;
    for ti in 0..2 {
        for oi in 0..2 {
            for consent in [true, false] {
                n += 1;
                let id = ClientId::new();
                let c = if consent { "given" } else { "withdrawn" };
                let marker = format!("Namn{}{}{}", TEAMS[ti], ORGS[oi], c);
                let author = &case_managers[oi][ti];
                let client = client_record(
                    id,
                    teams[ti],
                    orgs[oi],
                    &format!("K-{n:03}"),
                    &marker,
                    consent,
                );
                store
                    .upsert_record(&RecordWrite {
                        record: Record::Client(client),
                        deleted: false,
                        author: author.id,
                        org: orgs[oi],
                        team: Some(teams[ti]),
                        device: None,
                    })
                    .await
                    .expect("client");
                let mut visits = Vec::new();
                for vi in 0..2 {
                    let vauthor = &case_managers[vi][ti];
                    let vid = VisitId::new();
                    let note = format!("Anteckning{}{}{}av{}", TEAMS[ti], ORGS[oi], c, ORGS[vi]);
                    let u = Username::parse(&vauthor.username).expect("u");
                    let visit = Visit {
                        id: vid,
                        client: id,
                        author: u.clone(),
                        staff: vec![u],
                        start: now_start(),
                        minutes: 30,
                        contact: ContactKind::FaceToFace,
                        setting: Some(Setting::Home),
                        network: false,
                        place: Some(PlaceName::parse("Töre").expect("place")),
                        note: Some(uppsok_model::Note::parse(&note).expect("note")),
                        client_present: true,
                        group: false,
                    };
                    store
                        .upsert_record(&RecordWrite {
                            record: Record::Visit(visit),
                            deleted: false,
                            author: vauthor.id,
                            org: orgs[vi],
                            team: None,
                            device: None,
                        })
                        .await
                        .expect("visit");
                    visits.push((vid, vi, note));
                }
                clients.push(SeedClient {
                    id,
                    team: ti,
                    org: oi,
                    consent,
                    marker,
                    visits,
                });
            }
        }
    }
    let mut trips = Vec::new();
    for ti in 0..2 {
        for oi in 0..2 {
            let driver = &case_managers[oi][ti];
            let id = TripId::new();
            let marker = format!("Resa{}{}", TEAMS[ti], ORGS[oi]);
            let trip = Trip {
                id,
                driver: Username::parse(&driver.username).expect("u"),
                vehicle: Vehicle::Own,
                start: now_start(),
                end: None,
                from: PlaceName::parse("Kalix").expect("p"),
                to: PlaceName::parse("Töre").expect("p"),
                from_address: None,
                to_address: None,
                purpose: Purpose::parse(&marker).expect("purpose"),
                visited: None,
                visits: vec![],
                km: 25.0,
                distance_source: DistanceSource::Manual,
                odometer_start: None,
                odometer_end: None,
                gps: None,
                distance_confirmed: false,
                from_home: false,
            };
            store
                .upsert_record(&RecordWrite {
                    record: Record::Trip(trip),
                    deleted: false,
                    author: driver.id,
                    org: orgs[oi],
                    team: Some(teams[ti]),
                    device: None,
                })
                .await
                .expect("trip");
            trips.push(SeedTrip {
                id,
                team: ti,
                org: oi,
                marker,
            });
        }
    }
    World {
        orgs,
        teams,
        case_managers,
        supervisors,
        admins: <[StaffRow; 2]>::try_from(admins).expect("2"),
        clients,
        trips,
    }
}

/// The current TOTP code of a member of staff.
pub async fn totp_now(store: &Store, staff: StaffId, offset_s: i64) -> String {
    let secret = store
        .credentials(staff)
        .await
        .expect("creds")
        .expect("creds")
        .totp_secret
        .expect("totp");
    let unix = (now_ms() / 1000 + offset_s) as u64;
    auth::totp_code(&secret, unix).expect("code")
}

pub fn problem_type(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub use uppsok_tests::uppsok_bin;

/// A real `uppsok serve` process on a free loopback port.
pub struct ServeProcess {
    pub child: tokio::process::Child,
    pub base: String,
}

impl ServeProcess {
    pub async fn start(database: &str) -> ServeProcess {
        Self::start_on(database, "127.0.0.1:0").await
    }

    /// On a given address, e.g. the one an earlier process had (phones keep the server's URL).
    pub async fn start_on(database: &str, bind: &str) -> ServeProcess {
        Self::start_with(database, bind, &[]).await
    }

    /// With more `serve` options (`--audit-journal DIR`, `--secret-key-file FILE`, …).
    pub async fn start_with(database: &str, bind: &str, extra: &[&str]) -> ServeProcess {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(uppsok_bin())
            .args(["serve", "--bind", bind, "--database", database])
            .args(extra)
            .env("UPPSOK_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("uppsok serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("serve prints its address in time")
            .expect("read")
            .expect("a line");
        let base = line
            .strip_prefix("listening on ")
            .expect("listening line")
            .trim()
            .to_owned();
        // Keep draining stdout so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        ServeProcess { child, base }
    }
}
