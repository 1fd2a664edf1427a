//! End-to-end sync: a real `uppsok serve` process, real devices (the `uppsok-device`
//! library in-process, and the `uppsok field` binary), both backends, the fault proxy between
//! them.
//!
//! - `fleet`: 20 devices in 2 teams × 2 organisations each make `UPPSOK_E2E_CHANGES` (default
//!   500) changes offline, then sync through a proxy that faults 30 % of connections while the
//!   server is SIGKILLed and restarted twice. At the end every device agrees with a freshly
//!   enrolled device of its team and organisation (the server's view), every change is on the
//!   server exactly once, and no marker of another team, another organisation's notes or an
//!   unshared client reached any device (its records or the JSON it received).
//! - `rejected_change_keeps_the_rest`: a visit of a client the server never saw is rejected with
//!   its reason, the rest of its batch is applied, and it is not resent.
//! - `revoked_with_wipe`: `uppsok admin device revoke ID --wipe` makes the device destroy its data
//!   on its next sync (in-process and through `uppsok field sync`); the token is refused after.
//! - `clock_skew`: devices whose clocks are a day behind and a day ahead sync correctly.
//!
//! Organisations, teams and users are created with the server crate's store on the same
//! database (fast); enrolment codes and revocation go through the real `uppsok admin` CLI.
//! Devices use a fixed test key (no PBKDF2), which production code never offers.

#[path = "field_support/mod.rs"]
mod field_support;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uppsok_device::sync::{Backoff, Observer, SyncClient, SyncConfig, SyncError};
use uppsok_device::{FixedKeyProvider, Kek, Profile, Store};
use uppsok_model::{
    ChangeId, Client, ClientCode, ClientId, Consent, ConsentState, ContactKind, Entity, Note,
    OrgKind, PersonName, Phase, PlaceName, Rates, Record, Role, Setting, StaffId, TeamId, Username,
    Visit, VisitId,
};
use uppsok_server::store::{NewStaff, PoolSize, Store as ServerStore};
use uppsok_tests::postgres_env;
use uppsok_tests::proxy::{ByteRange, FaultConfig, FaultProxy, ProxyOptions};

// ----- backends and databases -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test: a SQLite file in a temp dir, or a fresh PostgreSQL database that is
/// dropped afterwards.
struct TestDb {
    url: String,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// `None`: PostgreSQL is not configured and not required (skip).
    fn new(backend: Backend, rt: &tokio::runtime::Runtime) -> Option<TestDb> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Some(TestDb {
                url: format!("sqlite://{}", dir.path().join("server.db").display()),
                dir,
                pg: None,
            }),
            Backend::Postgres => {
                let admin = postgres_env::test_postgres_url().expect("postgres env")?;
                let name = postgres_env::fresh_database_name();
                rt.block_on(async {
                    use sqlx::Connection;
                    let mut c = sqlx::PgConnection::connect(&admin).await.expect("postgres");
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&mut c)
                        .await
                        .expect("create database");
                });
                Some(TestDb {
                    url: postgres_env::with_database(&admin, &name),
                    dir,
                    pg: Some((admin, name)),
                })
            }
        }
    }

    fn drop_in(self, rt: &tokio::runtime::Runtime) {
        if let Some((admin, name)) = &self.pg {
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await;
                }
            });
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

// ----- the server process -----

/// The `uppsok` binary: `UPPSOK_BIN` when set (a prebuilt binary, e.g. in CI or while another
/// build holds cargo's lock), else this workspace's debug build.
fn uppsok_bin() -> PathBuf {
    match std::env::var_os("UPPSOK_BIN") {
        Some(p) => PathBuf::from(p),
        None => field_support::uppsok_bin().to_owned(),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A running `uppsok serve` on a fixed port (so it can be killed and restarted behind a proxy).
struct Server {
    child: Option<Child>,
    port: u16,
    db: String,
    data_dir: PathBuf,
}

impl Server {
    fn start(db: &str, data_dir: &Path) -> Server {
        let mut s = Server {
            child: None,
            port: free_port(),
            db: db.to_owned(),
            data_dir: data_dir.to_owned(),
        };
        s.spawn();
        s
    }

    fn spawn(&mut self) {
        let mut child = Command::new(uppsok_bin())
            .args(["serve", "--bind", &format!("127.0.0.1:{}", self.port)])
            .args(["--database", &self.db])
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env("UPPSOK_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("uppsok serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("serve prints its address");
        assert!(line.starts_with("listening on"), "unexpected: {line}");
        self.child = Some(child);
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// SIGKILL: no graceful shutdown, requests in flight die with it.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn restart(&mut self) {
        self.kill();
        // The port may linger a moment after the kill.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpListener::bind(self.addr()).is_ok() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.spawn();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `uppsok field --home HOME ARGS…` with the test passphrase and a cheap KDF (honoured by debug
/// builds only).
fn field(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(uppsok_bin())
        .arg("field")
        .arg("--home")
        .arg(home)
        .args(args)
        .env("UPPSOK_PASSPHRASE", field_support::PASSPHRASE)
        .env(
            "UPPSOK_INSECURE_KDF_ITERATIONS",
            field_support::KDF_ITERATIONS,
        )
        .output()
        .expect("uppsok runs")
}

/// `uppsok admin ARGS…` against the test database.
fn admin(db: &str, args: &[&str]) -> String {
    let o = Command::new(uppsok_bin())
        .arg("admin")
        .args(["--database", db])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("uppsok admin runs");
    assert!(
        o.status.success(),
        "uppsok admin {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A one-time enrolment code from `uppsok admin enrol USER --no-qr`.
fn enrolment_code(db: &str, user: &str) -> String {
    admin(db, &["enrol", user, "--no-qr"])
        .lines()
        .nth(1)
        .expect("the code is on the second line")
        .trim()
        .to_owned()
}

// ----- the world: organisations, teams, users -----

struct Member {
    username: String,
    team: usize,
    org: usize,
}

struct World {
    teams: Vec<TeamId>,
    members: Vec<Member>,
    staff: HashMap<String, StaffId>,
}

/// Two organisations (a municipality and a region) and two teams with members of both;
/// `per_group` case managers per (team, organisation).
fn setup_world(rt: &tokio::runtime::Runtime, db: &str, per_group: usize) -> World {
    rt.block_on(async {
        let s = ServerStore::connect(db, PoolSize { max: 2 })
            .await
            .expect("server store");
        let orgs = [
            s.create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
                .await
                .expect("org"),
            s.create_org("Region Norrbotten", OrgKind::Region, Rates::default())
                .await
                .expect("org"),
        ];
        let mut teams = Vec::new();
        for (i, name) in ["ACT Kalix", "ACT Haparanda"].iter().enumerate() {
            teams.push(
                s.create_team(name, orgs[i].id, "K-####")
                    .await
                    .expect("team")
                    .id,
            );
        }
        let hash = uppsok_server::auth::hash_password(
            "ett långt lösenord",
            uppsok_server::auth::PasswordCost::cheap(),
        )
        .expect("hash");
        let mut members = Vec::new();
        let mut staff = HashMap::new();
        for (team, team_id) in teams.iter().enumerate() {
            for (org, org_row) in orgs.iter().enumerate() {
                for k in 0..per_group {
                    let username = format!("cm{team}{org}{k:02}");
                    let row = s
                        .create_staff(&NewStaff {
                            username: Username::parse(&username).expect("username"),
                            name: PersonName::parse(format!("Handläggare {username}"))
                                .expect("name"),
                            org: org_row.id,
                            role: Role::CaseManager,
                            teams: vec![*team_id],
                            password_hash: hash.clone(),
                            must_change: false,
                        })
                        .await
                        .expect("staff");
                    staff.insert(username.clone(), row.id);
                    members.push(Member {
                        username,
                        team,
                        org,
                    });
                }
            }
        }
        s.close().await;
        World {
            teams,
            members,
            staff,
        }
    })
}

// ----- devices -----

/// The marker every sensitive string of a (team, org) group carries, by kind.
fn marker(team: usize, org: usize, kind: &str) -> String {
    format!("MRK-T{team}-O{org}-{kind}")
}

/// What a device of (team, org) must never see.
fn forbidden_for(team: usize, org: usize) -> Vec<String> {
    let mut f = Vec::new();
    for t in 0..2 {
        for o in 0..2 {
            if t != team {
                f.push(format!("MRK-T{t}-O{o}-"));
            } else if o != org {
                f.push(marker(t, o, "NOTE"));
                f.push(marker(t, o, "NONAME"));
            }
        }
    }
    f
}

struct Device {
    store: Store,
    sync: SyncClient,
    username: String,
    team: usize,
    org: usize,
    /// Pulled JSON that held a forbidden marker, and pulled bytes seen.
    violations: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

fn test_key() -> FixedKeyProvider {
    FixedKeyProvider::new(Kek::from_bytes([7; 32]))
}

fn config(observer: Option<Observer>) -> SyncConfig {
    SyncConfig {
        // Quick retries so the test does not sleep through its faults; the policy's shape is
        // the production one.
        retry_backoff: Backoff {
            base: Duration::from_millis(50),
            max: Duration::from_millis(500),
        },
        attempts: 3,
        max_rounds: 50,
        timeouts: uppsok_device::sync::Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        },
        reuse_connections: false,
        observer,
        ..SyncConfig::default()
    }
}

impl Device {
    fn new(username: &str, team: usize, org: usize) -> Device {
        let dir = tempfile::tempdir().expect("device dir");
        let store = Store::create(
            dir.path().join("device.db"),
            &test_key(),
            &Profile::local(Username::parse(username).expect("username")),
        )
        .expect("device store");
        let violations = Arc::new(AtomicUsize::new(0));
        let forbidden = forbidden_for(team, org);
        let v = violations.clone();
        let observer = Observer(Arc::new(move |resp| {
            let json = serde_json::to_string(resp).unwrap_or_default();
            if forbidden.iter().any(|m| json.contains(m.as_str())) {
                v.fetch_add(1, Ordering::SeqCst);
            }
        }));
        Device {
            store,
            sync: SyncClient::new(config(Some(observer))).expect("sync client"),
            username: username.to_owned(),
            team,
            org,
            violations,
            _dir: dir,
        }
    }

    fn enrol(&self, db: &str, url: &str) {
        let code = enrolment_code(db, &self.username);
        self.sync
            .enrol_blocking(&self.store, url, &code, Some("e2e"))
            .expect("enrolment");
    }

    /// Sync until drained (clean link expected), at most `runs` runs.
    fn sync_until_done(&self, runs: usize) {
        for _ in 0..runs {
            match self.sync.sync_once(&self.store) {
                Ok(r) if r.complete => return,
                Ok(_) => {}
                Err(e) if e.is_transient() => std::thread::sleep(Duration::from_millis(100)),
                Err(e) => panic!("{}: sync failed: {e}", self.username),
            }
        }
        panic!("{}: sync did not finish in {runs} runs", self.username);
    }

    /// Every record on the device, by (entity, id), as canonical JSON.
    fn records(&self) -> BTreeMap<(Entity, uuid::Uuid), String> {
        let mut out = BTreeMap::new();
        let mut put = |r: Record| {
            let json = serde_json::to_string(&r).expect("json");
            out.insert((r.entity(), r.id()), json);
        };
        self.store
            .clients()
            .expect("clients")
            .into_iter()
            .for_each(|c| put(Record::Client(c)));
        self.store
            .visits(&Default::default())
            .expect("visits")
            .into_iter()
            .for_each(|v| put(Record::Visit(v)));
        out
    }

    fn client_of(&self, id: ClientId) -> Client {
        self.store.client(id).expect("client")
    }
}

fn new_client(dev: &Device, code: &str, consent: bool, n: usize) -> Client {
    let p = dev.store.profile().expect("profile");
    let kind = if consent { "NAME" } else { "NONAME" };
    Client {
        id: ClientId::new(),
        team: p.team,
        code: ClientCode::parse(code).expect("code"),
        name: PersonName::parse(format!("{} {n}", marker(dev.team, dev.org, kind))).expect("name"),
        org: p.org,
        phase: Phase::Intake,
        closed_reason: None,
        next_contact: None,
        consent: Consent {
            state: if consent {
                ConsentState::Given
            } else {
                ConsentState::None
            },
            date: consent.then(|| Utc::now().date_naive()),
            recorded_by: Some(p.user.clone()),
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

fn new_visit(dev: &Device, client: ClientId, rng: &mut StdRng) -> Visit {
    let user = Username::parse(&dev.username).expect("username");
    let now = dev.store.now();
    let face = rng.random_bool(0.5);
    Visit {
        id: VisitId::new(),
        client,
        author: user.clone(),
        staff: vec![user],
        start: now - chrono::Duration::minutes(rng.random_range(60..60 * 24 * 20)),
        minutes: rng.random_range(5..120),
        contact: if face {
            ContactKind::FaceToFace
        } else {
            ContactKind::Phone
        },
        setting: face.then_some(Setting::Home),
        network: false,
        client_present: true,
        group: false,
        place: Some(PlaceName::parse("Töre").expect("place")),
        note: Some(
            Note::parse(format!(
                "{} besök {}",
                marker(dev.team, dev.org, "NOTE"),
                rng.random::<u32>()
            ))
            .expect("note"),
        ),
    }
}

/// `n` offline changes on `dev`: its own clients, visits created, edited and deleted, and edits
/// of the group's shared clients (which the group's other devices edit too). Returns the change
/// ids made.
fn offline_work(dev: &Device, index: usize, shared: &[ClientId], n: usize) -> Vec<ChangeId> {
    let mut rng = StdRng::seed_from_u64(index as u64);
    let mut ids = Vec::with_capacity(n);
    let mut own_clients = Vec::new();
    for i in 0..(n / 50).max(1) {
        let c = new_client(dev, &format!("K-{index:02}{i:02}"), i % 2 == 0, i);
        ids.push(dev.store.save_client(&c).expect("client"));
        own_clients.push(c.id);
    }
    let mut visits: Vec<Visit> = Vec::new();
    while ids.len() < n {
        let roll = rng.random_range(0..100);
        if roll < 15 && !shared.is_empty() {
            let mut c = dev.client_of(shared[rng.random_range(0..shared.len())]);
            c.phase = [Phase::Intake, Phase::Active, Phase::Stable][rng.random_range(0..3)];
            c.next_contact =
                Some(Utc::now().date_naive() + chrono::Duration::days(rng.random_range(1..30)));
            ids.push(dev.store.save_client(&c).expect("client edit"));
        } else if roll < 30 && !visits.is_empty() {
            let k = rng.random_range(0..visits.len());
            visits[k].minutes = rng.random_range(5..120);
            ids.push(dev.store.save_visit(&visits[k]).expect("visit edit"));
        } else if roll < 40 && visits.len() > 5 {
            let v = visits.swap_remove(rng.random_range(0..visits.len()));
            ids.push(dev.store.delete_visit(v.id).expect("visit delete"));
        } else {
            let pool: Vec<ClientId> = own_clients.iter().chain(shared).copied().collect();
            let v = new_visit(dev, pool[rng.random_range(0..pool.len())], &mut rng);
            ids.push(dev.store.save_visit(&v).expect("visit"));
            visits.push(v);
        }
    }
    ids
}

/// (change id, outcome) rows of the server's exactly-once table.
type Outcomes = Vec<(String, String)>;
/// (change id, revisions) for every change id in `revisions`.
type RevisionCounts = Vec<(String, i64)>;

/// Rows in the server's exactly-once table and revisions for these change ids.
fn server_counts(
    rt: &tokio::runtime::Runtime,
    db: &str,
    ids: &[ChangeId],
) -> (usize, usize, usize, usize) {
    rt.block_on(async {
        use sqlx::Row;
        let ids: std::collections::HashSet<String> = ids.iter().map(|i| i.to_string()).collect();
        let (changes, revs): (Outcomes, RevisionCounts) =
            if db.starts_with("sqlite") {
                let pool = sqlx::SqlitePool::connect(db).await.expect("sqlite");
                let c = sqlx::query("SELECT change_id, outcome FROM sync_changes")
                    .fetch_all(&pool)
                    .await
                    .expect("sync_changes")
                    .iter()
                    .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
                    .collect();
                let r = sqlx::query(
                    "SELECT change_id, COUNT(*) FROM revisions WHERE change_id IS NOT NULL GROUP BY change_id",
                )
                .fetch_all(&pool)
                .await
                .expect("revisions")
                .iter()
                .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
                .collect();
                pool.close().await;
                (c, r)
            } else {
                let pool = sqlx::PgPool::connect(db).await.expect("postgres");
                let c = sqlx::query("SELECT change_id, outcome FROM sync_changes")
                    .fetch_all(&pool)
                    .await
                    .expect("sync_changes")
                    .iter()
                    .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
                    .collect();
                let r = sqlx::query(
                    "SELECT change_id, COUNT(*) FROM revisions WHERE change_id IS NOT NULL GROUP BY change_id",
                )
                .fetch_all(&pool)
                .await
                .expect("revisions")
                .iter()
                .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
                .collect();
                pool.close().await;
                (c, r)
            };
        let ours: Vec<_> = changes.iter().filter(|(c, _)| ids.contains(c)).collect();
        let applied = ours.iter().filter(|(_, o)| o == "applied").count();
        let revised = revs.iter().filter(|(c, _)| ids.contains(c)).count();
        let twice = revs.iter().filter(|(_, n)| *n > 1).count();
        (ours.len(), applied, revised, twice)
    })
}

fn check_markers(dev: &Device) {
    let forbidden = forbidden_for(dev.team, dev.org);
    for json in dev.records().values() {
        for m in &forbidden {
            assert!(
                !json.contains(m.as_str()),
                "{} holds a record with {m}",
                dev.username
            );
        }
    }
    assert_eq!(
        dev.violations.load(Ordering::SeqCst),
        0,
        "{} received JSON with a forbidden marker",
        dev.username
    );
}

// ----- (a) the fleet -----

fn changes_per_device() -> usize {
    std::env::var("UPPSOK_E2E_CHANGES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500)
}

fn fleet(backend: Backend) {
    let started = Instant::now();
    let rt = runtime();
    let Some(db) = TestDb::new(backend, &rt) else {
        eprintln!("skipped: no PostgreSQL configured");
        return;
    };
    let world = setup_world(&rt, &db.url, 5);
    let mut server = Server::start(&db.url, db.dir.path());
    let proxy = rt
        .block_on(FaultProxy::start_with(ProxyOptions {
            seed: 4,
            ..ProxyOptions::new(server.addr())
        }))
        .expect("proxy");
    let url = proxy.url();
    let devices: Vec<Device> = world
        .members
        .iter()
        .map(|m| Device::new(&m.username, m.team, m.org))
        .collect();
    for d in &devices {
        d.enrol(&db.url, &url);
    }
    // The first device of each group seeds the group's shared clients; everyone pulls them.
    let mut shared: HashMap<(usize, usize), Vec<ClientId>> = HashMap::new();
    for (i, d) in devices.iter().enumerate() {
        let group = shared.entry((d.team, d.org)).or_default();
        if group.is_empty() {
            for k in 0..4 {
                let c = new_client(d, &format!("K-9{i:02}{k}"), k % 2 == 0, 100 + k);
                d.store.save_client(&c).expect("seed client");
                group.push(c.id);
            }
            d.sync_until_done(5);
        }
    }
    std::thread::scope(|s| {
        for d in &devices {
            s.spawn(|| d.sync_until_done(10));
        }
    });
    eprintln!("[{backend:?}] setup {:?}", started.elapsed());

    // Offline: every device makes its changes.
    let n = changes_per_device();
    let made: Vec<ChangeId> = std::thread::scope(|s| {
        let handles: Vec<_> = devices
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let group = shared[&(d.team, d.org)].clone();
                s.spawn(move || offline_work(d, i, &group, n))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("offline work"))
            .collect()
    });
    assert_eq!(made.len(), n * devices.len());
    eprintln!(
        "[{backend:?}] {} offline changes made {:?}",
        made.len(),
        started.elapsed()
    );

    // Chaos: 30 % of connections faulted (refused, request cut, response cut inside the body),
    // the server SIGKILLed and restarted twice while the devices sync.
    // The share of faults is judged on the connections of this phase only: the setup's clean
    // connections would dilute it.
    let calm = proxy.stats();
    proxy
        .set_config(FaultConfig {
            // Every request and answer (even an idle one) is longer than these, so a drawn cut
            // always hits: in the headers or in the body, after the server did the work.
            cut_request_after: ByteRange::new(0, 250),
            cut_response_after: ByteRange::new(0, 400),
            ..FaultConfig::clean().with_fault_rate(0.3)
        })
        .expect("faults");
    let total = made.len() as u64;
    let waiting = || -> u64 {
        devices
            .iter()
            .map(|d| d.store.status().expect("status").outbox_pending)
            .sum()
    };
    let stop = AtomicBool::new(false);
    let errors = AtomicU64::new(0);
    let kills = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for d in &devices {
            let (stop, errors) = (&stop, &errors);
            s.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match d.sync.sync_once(&d.store) {
                        Ok(r) if r.complete => std::thread::sleep(Duration::from_millis(300)),
                        Ok(_) => {}
                        Err(e) => {
                            assert!(e.is_transient(), "{}: {e}", d.username);
                            errors.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                }
            });
        }
        // Kill at about a quarter and at about two thirds of the way.
        let chaos_deadline = Instant::now() + Duration::from_secs(240);
        for threshold in [0.75, 0.35] {
            while (waiting() as f64) > threshold * total as f64 && Instant::now() < chaos_deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            server.restart();
            kills
                .lock()
                .expect("kills")
                .push((waiting(), started.elapsed()));
        }
        while waiting() > 0 && Instant::now() < chaos_deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        // Let a few more faulted rounds pull under chaos, then stop.
        std::thread::sleep(Duration::from_secs(2));
        stop.store(true, Ordering::SeqCst);
    });
    let faults = proxy.stats();
    eprintln!(
        "[{backend:?}] chaos done {:?}: kills at (waiting, t) {:?}, transient errors {}, proxy {faults:?}",
        started.elapsed(),
        kills.lock().expect("kills"),
        errors.load(Ordering::SeqCst)
    );
    // Connections that found the server down (killed, restarting) end as `upstream_failed`
    // whatever fault was drawn for them: they are not part of the dice's share.
    // A connection open when the faults were switched on (calm.active) was drawn as clean.
    let judged = (faults.connections - calm.connections).saturating_sub(
        (faults.upstream_failed - calm.upstream_failed) + faults.active + calm.active,
    );
    let share = (faults.faulted - calm.faulted) as f64 / judged.max(1) as f64;
    // 30 % drawn; four standard deviations below it is chance once in ~30 000 runs.
    let floor = 0.3 - 4.0 * (0.3 * 0.7 / judged.max(1) as f64).sqrt();
    assert!(
        judged >= 50 && share > floor,
        "about 30 % of the {judged} connections that reached the server under chaos faulted, got {share:.2} (floor {floor:.2})"
    );

    // Calm: clean link; sync everyone until a whole pass brings nothing new.
    proxy.set_config(FaultConfig::clean()).expect("clean");
    for _ in 0..3 {
        std::thread::scope(|s| {
            for d in &devices {
                s.spawn(|| d.sync_until_done(20));
            }
        });
    }
    eprintln!("[{backend:?}] converged {:?}", started.elapsed());

    // Exactly once: every change the devices made is in the server's table once, applied, and
    // no change id produced two revisions.
    let (rows, applied, revised, twice) = server_counts(&rt, &db.url, &made);
    assert_eq!(rows, made.len(), "every change reached the server");
    assert_eq!(applied, made.len(), "every change applied (none rejected)");
    assert_eq!(twice, 0, "no change id has two revisions");
    assert!(revised <= made.len());
    for d in &devices {
        let st = uppsok_device::sync::status(&d.store).expect("status");
        assert_eq!(st.waiting, 0, "{}", d.username);
        assert!(st.rejected.is_empty(), "{}: {:?}", d.username, st.rejected);
        assert!(st.last_sync.is_some() && st.last_error.is_none());
    }

    // Agreement: each device holds exactly what a freshly enrolled device of its group pulls.
    let mut fresh: HashMap<(usize, usize), BTreeMap<(Entity, uuid::Uuid), String>> = HashMap::new();
    for d in &devices {
        if let std::collections::hash_map::Entry::Vacant(e) = fresh.entry((d.team, d.org)) {
            let f = Device::new(&d.username, d.team, d.org);
            f.enrol(&db.url, &server.url());
            f.sync_until_done(20);
            check_markers(&f);
            e.insert(f.records());
        }
    }
    for d in &devices {
        let mine = d.records();
        let truth = &fresh[&(d.team, d.org)];
        let differ: Vec<_> = truth
            .iter()
            .filter(|(k, v)| mine.get(k) != Some(v))
            .map(|(k, _)| k)
            .chain(mine.keys().filter(|k| !truth.contains_key(k)))
            .take(5)
            .collect();
        // Every record must agree, the concurrently edited shared clients included (a regression guard:
        // the server leaves a record out of a device's pulls only while it is what that device
        // pushed last). Print what differs before failing, to tell merge from delivery.
        for k in &differ {
            eprintln!(
                "{}: mine {:?}\nserver {:?}",
                d.username,
                mine.get(k),
                truth.get(k)
            );
        }
        assert!(
            differ.is_empty(),
            "{} differs from the server on {} of {} records, e.g. {differ:?}",
            d.username,
            differ.len(),
            truth.len()
        );
        check_markers(d);
    }
    let visits: usize = fresh
        .values()
        .map(|m| m.keys().filter(|(e, _)| *e == Entity::Visit).count())
        .sum();
    eprintln!(
        "[{backend:?}] fleet passed in {:?}: {} changes, {visits} visits across groups",
        started.elapsed(),
        made.len()
    );
    let _ = world.teams;
    let _ = world.staff;
    drop(server);
    drop(proxy);
    db.drop_in(&rt);
}

#[test]
fn fleet_sqlite() {
    fleet(Backend::Sqlite);
}

#[test]
fn fleet_postgres() {
    fleet(Backend::Postgres);
}

// ----- (b) a rejected change does not block its batch -----

fn rejected_change_keeps_the_rest(backend: Backend) {
    let rt = runtime();
    let Some(db) = TestDb::new(backend, &rt) else {
        return;
    };
    let world = setup_world(&rt, &db.url, 1);
    let server = Server::start(&db.url, db.dir.path());
    let m = &world.members[0];
    let d = Device::new(&m.username, m.team, m.org);
    d.enrol(&db.url, &server.url());
    let known = new_client(&d, "K-0001", true, 1);
    d.store.save_client(&known).expect("client");
    d.sync_until_done(3);

    // A client the server never hears of: its change is dropped from the outbox before sync,
    // so the visit that references it passes the device's checks but not the server's.
    let ghost = new_client(&d, "K-0002", true, 2);
    let ghost_change = d.store.save_client(&ghost).expect("ghost");
    d.store
        .ack(&[ghost_change])
        .expect("drop the ghost's change");
    let mut rng = StdRng::seed_from_u64(1);
    let mut good = Vec::new();
    for i in 0..7 {
        if i == 3 {
            let bad = new_visit(&d, ghost.id, &mut rng);
            d.store.save_visit(&bad).expect("bad visit saves locally");
        }
        let v = new_visit(&d, known.id, &mut rng);
        d.store.save_visit(&v).expect("visit");
        good.push(v.id);
    }
    let r = d.sync.sync_once(&d.store).expect("sync");
    assert_eq!(r.sent, 8);
    assert_eq!(r.applied, 7, "{r:?}");
    assert_eq!(r.rejected.len(), 1, "{r:?}");
    assert_eq!(r.rejected[0].code, "unknown_reference");
    assert!(!r.rejected[0].reason.is_empty());
    let st = uppsok_device::sync::status(&d.store).expect("status");
    assert_eq!(st.waiting, 0);
    assert_eq!(st.rejected.len(), 1);
    assert!(
        !st.rejected[0].reason.contains("MRK"),
        "no content in reasons"
    );
    // Not resent: the next sync sends nothing.
    let again = d.sync.sync_once(&d.store).expect("sync");
    assert_eq!(again.sent, 0);
    assert!(again.complete);
    // A second device of the same user sees the seven good visits.
    let f = Device::new(&m.username, m.team, m.org);
    f.enrol(&db.url, &server.url());
    f.sync_until_done(3);
    for id in good {
        f.store.visit(id).expect("good visit on the server");
    }
    drop(server);
    db.drop_in(&rt);
}

#[test]
fn rejected_change_keeps_the_rest_sqlite() {
    rejected_change_keeps_the_rest(Backend::Sqlite);
}

#[test]
fn rejected_change_keeps_the_rest_postgres() {
    rejected_change_keeps_the_rest(Backend::Postgres);
}

// ----- (c) revoke with wipe -----

fn device_id_of(d: &Device) -> String {
    d.store
        .profile()
        .expect("profile")
        .device_id
        .expect("enrolled")
        .to_string()
}

fn revoked_with_wipe(backend: Backend) {
    let rt = runtime();
    let Some(db) = TestDb::new(backend, &rt) else {
        return;
    };
    let world = setup_world(&rt, &db.url, 2);
    let server = Server::start(&db.url, db.dir.path());

    // In-process device: wiped on its next sync, its token refused afterwards.
    let m = &world.members[0];
    let d = Device::new(&m.username, m.team, m.org);
    d.enrol(&db.url, &server.url());
    let c = new_client(&d, "K-0001", true, 1);
    d.store.save_client(&c).expect("client");
    d.sync_until_done(3);
    let token = d.store.device_token().expect("token").expect("token");
    let path = d.store.path().to_owned();
    admin(&db.url, &["device", "revoke", &device_id_of(&d), "--wipe"]);
    let e = d.sync.sync_once(&d.store).expect_err("wiped");
    assert!(matches!(e, SyncError::Wiped), "{e}");
    assert!(!Store::exists(&path), "the store file is gone");
    assert!(Store::open(&path, &test_key()).is_err());
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/v1/sync", server.url()))
            .header("uppsok-protocol", "1")
            .bearer_auth(token.as_str())
            .json(&serde_json::json!({"cursor": 0}))
            .send()
            .await
            .expect("request")
            .status()
    });
    assert_eq!(status, 401, "the token no longer works");

    // A plain revoke (no wipe) keeps the data and says so.
    let m2 = &world.members[1];
    let keep = Device::new(&m2.username, m2.team, m2.org);
    keep.enrol(&db.url, &server.url());
    keep.sync_until_done(3);
    admin(&db.url, &["device", "revoke", &device_id_of(&keep)]);
    let e = keep.sync.sync_once(&keep.store).expect_err("revoked");
    assert!(matches!(e, SyncError::Revoked), "{e}");
    let st = uppsok_device::sync::status(&keep.store).expect("status");
    assert!(st.revoked);
    assert!(st.last_error.expect("error").contains("revoked"));
    assert!(keep.store.client(c.id).is_ok(), "data kept");

    // The field binary: init --server --enrol, sync, revoke --wipe, sync → files gone.
    let home = tempfile::tempdir().expect("home");
    let code = enrolment_code(&db.url, &world.members[2].username);
    let out = field_support::ok(field(
        home.path(),
        &[
            "init",
            "--user",
            &world.members[2].username,
            "--server",
            &server.url(),
            "--enrol",
            &code,
        ],
    ));
    assert!(out.contains("enrolled as"), "{out}");
    field_support::ok(field(
        home.path(),
        &["client", "add", "--code", "K-0100", "--name", "Aino Niemi"],
    ));
    let out = field_support::ok(field(home.path(), &["sync"]));
    assert!(out.contains("sent 1 changes (1 applied"), "{out}");
    // The sync brought the team roster: a visit names only colleagues of the team as present,
    // refused at once on the phone otherwise (no waiting change is made).
    let me = &world.members[2];
    let mate = world
        .members
        .iter()
        .find(|m| m.team == me.team && m.username != me.username)
        .expect("a team mate");
    let start = field_support::yesterday_at("10:00");
    let visit_with = |who: &str| {
        field(
            home.path(),
            &[
                "visit",
                "add",
                "--client",
                "K-0100",
                "--start",
                &start,
                "--minutes",
                "20",
                "--contact",
                "phone",
                "--with",
                who,
            ],
        )
    };
    let refused = visit_with("okand.person");
    assert!(!refused.status.success());
    let why = field_support::stderr(&refused);
    assert!(
        why.contains("staff") && why.contains("member of the team"),
        "{why}"
    );
    assert!(
        !why.contains("okand.person"),
        "the error repeats the input: {why}"
    );
    field_support::ok(visit_with(&mate.username));
    let out = field_support::ok(field(home.path(), &["sync"]));
    assert!(out.contains("sent 1 changes (1 applied"), "{out}");
    let status: serde_json::Value = serde_json::from_str(&field_support::ok(field(
        home.path(),
        &["status", "--json"],
    )))
    .expect("status json");
    assert_eq!(status["waiting"], 0);
    assert!(status["last_sync"].is_string());
    assert!(status["last_error"].is_null());
    assert!(status["rejected"].as_array().expect("list").is_empty());
    // A second field device of the team logs a client under the same code offline: the server
    // refuses it, and the device names it by its code, never by a UUID.
    let me = &world.members[2];
    let other = world
        .members
        .iter()
        .find(|m| m.team == me.team && m.username != me.username)
        .expect("a team mate");
    let home2 = tempfile::tempdir().expect("home");
    let code2 = enrolment_code(&db.url, &other.username);
    field_support::ok(field(
        home2.path(),
        &[
            "init",
            "--user",
            &other.username,
            "--server",
            &server.url(),
            "--enrol",
            &code2,
        ],
    ));
    field_support::ok(field(
        home2.path(),
        &["client", "add", "--code", "K-0100", "--name", "Bengt Lahti"],
    ));
    let out = field_support::ok(field(home2.path(), &["sync"]));
    assert!(out.contains("1 rejected"), "{out}");
    assert!(
        out.contains(
            "rejected: client K-0100: code: another client of the team already has this code"
        ),
        "{out}"
    );
    let list = field_support::ok(field(home2.path(), &["rejected", "list"]));
    assert!(list.starts_with("1. client K-0100: code:"), "{list}");
    let uuid_like = regex_free_uuid(&list);
    assert!(!uuid_like, "no UUID in what a person reads: {list}");
    let out = field_support::ok(field(home2.path(), &["rejected", "discard", "1"]));
    assert!(out.contains("client K-0100"), "{out}");
    let list = field_support::ok(field(home2.path(), &["rejected", "list"]));
    assert_eq!(list.trim(), "no rejected changes");
    // The discarded value does not stay on the phone: after the next sync Bengt Lahti, whom the
    // server never accepted, is gone; the only K-0100 it may show is the server's (Aino Niemi,
    // when her record space is visible to this user).
    field_support::ok(field(home2.path(), &["sync"]));
    let clients: serde_json::Value = serde_json::from_str(&field_support::ok(field(
        home2.path(),
        &["client", "list", "--json"],
    )))
    .expect("client list json");
    let names: Vec<&str> = clients
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["code"] == "K-0100")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.iter().all(|n| *n == "Aino Niemi"), "{clients}");

    let id = {
        let s = Store::exists(home.path().join("uppsok.db"));
        assert!(s);
        let out = admin(
            &db.url,
            &["device", "list", "--user", &world.members[2].username],
        );
        out.split('\t').next().expect("id").trim().to_owned()
    };
    admin(&db.url, &["device", "revoke", &id, "--wipe"]);
    let o = field(home.path(), &["sync"]);
    assert!(!o.status.success());
    assert!(
        field_support::stderr(&o).contains("wiped"),
        "{}",
        field_support::stderr(&o)
    );
    assert!(!home.path().join("uppsok.db").exists());
    let leftovers = field_support::all_files(home.path());
    assert!(
        leftovers
            .iter()
            .all(|(_, b)| !field_support::contains(b, "Aino")),
        "nothing readable is left"
    );
    drop(server);
    db.drop_in(&rt);
}

#[test]
fn revoked_with_wipe_sqlite() {
    revoked_with_wipe(Backend::Sqlite);
}

#[test]
fn revoked_with_wipe_postgres() {
    revoked_with_wipe(Backend::Postgres);
}

// ----- (d) clock skew -----

fn clock_skew(backend: Backend) {
    let rt = runtime();
    let Some(db) = TestDb::new(backend, &rt) else {
        return;
    };
    let world = setup_world(&rt, &db.url, 3);
    let server = Server::start(&db.url, db.dir.path());
    // Three devices of one group: on time, a day behind, a day ahead.
    let group: Vec<&Member> = world
        .members
        .iter()
        .filter(|m| m.team == 0 && m.org == 0)
        .collect();
    let devs: Vec<Device> = group
        .iter()
        .map(|m| Device::new(&m.username, m.team, m.org))
        .collect();
    devs[1].store.set_clock_offset(chrono::Duration::days(-1));
    devs[2].store.set_clock_offset(chrono::Duration::days(1));
    for d in &devs {
        d.enrol(&db.url, &server.url());
    }
    let shared = new_client(&devs[0], "K-0001", true, 1);
    devs[0].store.save_client(&shared).expect("client");
    devs[0].sync_until_done(3);
    for d in &devs {
        d.sync_until_done(3);
        d.store.client(shared.id).expect("everyone has the client");
    }
    let mut rng = StdRng::seed_from_u64(9);
    let mut made = Vec::new();
    for (i, d) in devs.iter().enumerate() {
        for _ in 0..20 {
            let mut v = new_visit(d, shared.id, &mut rng);
            // Days in the past by the server's clock too, so the ahead device's visits pass
            // the server's "not in the future" rule.
            v.start = Utc::now() - chrono::Duration::days(2 + i as i64);
            made.push(d.store.save_visit(&v).expect("visit"));
        }
        let mut c = d.client_of(shared.id);
        c.phase = [Phase::Active, Phase::Stable, Phase::Closed][i];
        c.closed_reason = (i == 2).then(|| "Flyttat".to_owned());
        made.push(d.store.save_client(&c).expect("client edit"));
    }
    // The device a day behind syncs last: its cursor is the server's, so it still gets all.
    for d in devs.iter().rev() {
        d.sync_until_done(3);
    }
    for d in &devs {
        d.sync_until_done(3);
    }
    let (rows, applied, _, twice) = server_counts(&rt, &db.url, &made);
    assert_eq!((rows, applied, twice), (made.len(), made.len(), 0));
    let truth = devs[0].records();
    assert_eq!(
        truth.keys().filter(|(e, _)| *e == Entity::Visit).count(),
        60
    );
    for d in &devs {
        assert_eq!(d.records(), truth, "{} agrees", d.username);
    }
    // The device a day ahead made the client edit with the latest clock: it wins.
    assert_eq!(devs[0].client_of(shared.id).phase, Phase::Closed);
    drop(server);
    db.drop_in(&rt);
}

#[test]
fn clock_skew_sqlite() {
    clock_skew(Backend::Sqlite);
}

#[test]
fn clock_skew_postgres() {
    clock_skew(Backend::Postgres);
}

/// Whether `text` holds something shaped like a UUID (8-4-4-4-12 hex digits).
fn regex_free_uuid(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .any(|w| {
            let parts: Vec<usize> = w.split('-').map(str::len).collect();
            parts == [8, 4, 4, 4, 12]
        })
}
