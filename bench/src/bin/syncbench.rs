//! `syncbench`: the Uppsök half of the sync benchmark, run by `bench/sync.sh`.
//!
//! `pushpull`: one device pushes N visits (made offline), another device of the same team pulls
//! them, on loopback and through the fault proxy set to a rural link; wall time, HTTP requests
//! and bytes on the wire (counted at the proxy, headers included) per visit; then one idle sync
//! (nothing to do) measured alone. `load`: D enrolled devices push gzip-compressed batches of
//! visits concurrently against the server, either paced (open loop: each device syncs on its own
//! schedule, K changes every T seconds with jitter, so the offered load is D·K/T changes/s and
//! each latency counts from the request's scheduled start, not from when a late predecessor let
//! it go — no coordinated omission) or closed (each device pushes back to back: the saturation
//! throughput, where latency is simply D / request rate); achieved changes per second, latency
//! percentiles and errors (failed requests and rejected changes, by kind). Both set up organisations,
//! teams, users and enrolment codes straight in the server's database (`--database`), then talk
//! to the running `uppsok serve` (`--server`) over HTTP only. Prints one JSON object.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::{Parser, Subcommand};
use flate2::Compression;
use flate2::write::GzEncoder;
use rand::{Rng, SeedableRng};
use serde_json::json;
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_device::{FixedKeyProvider, Kek, Profile, Store};
use uppsok_faultproxy::{FaultConfig, FaultProxy, ProxyOptions};
use uppsok_model::protocol::{Change, PROTOCOL_HEADER, SyncRequest, SyncResponse};
use uppsok_model::{
    ChangeId, Client, ClientCode, ClientId, Consent, ContactKind, Hlc, Note, OrgKind, PersonName,
    Phase, PlaceName, Rates, Record, Role, Setting, StaffId, TeamId, Username, Visit, VisitId,
};
use uppsok_server::store::{NewStaff, OrgRow, PoolSize, Store as ServerStore};

#[derive(Parser)]
struct Args {
    /// The running server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    server: String,
    /// The server's database (sqlite://… or postgres://…), for setting up users.
    #[arg(long)]
    database: String,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Push and pull of N visits on loopback and over a rural link.
    Pushpull {
        #[arg(long, default_value_t = 10_000)]
        visits: usize,
        #[arg(long, default_value_t = 150)]
        latency_ms: u64,
        #[arg(long, default_value_t = 125_000)]
        bandwidth_bps: u64,
        #[arg(long)]
        skip_rural: bool,
    },
    /// D devices pushing batches concurrently: paced (each on its own schedule, the target
    /// statement) or closed (back to back, the saturation figure).
    Load {
        #[arg(long, value_enum, default_value_t = LoadMode::Paced)]
        mode: LoadMode,
        #[arg(long, default_value_t = 500)]
        devices: usize,
        /// Users per team (one client per team).
        #[arg(long, default_value_t = 10)]
        team_size: usize,
        /// Syncs per device.
        #[arg(long, default_value_t = 8)]
        rounds: usize,
        /// Visits pushed per sync.
        #[arg(long, default_value_t = 25)]
        batch: usize,
        /// Paced: seconds between one device's syncs (offered load = devices × batch / period).
        #[arg(long, default_value_t = 4.0)]
        period_s: f64,
        /// Paced: each sync lands up to this share of a period early or late.
        #[arg(long, default_value_t = 0.2)]
        jitter: f64,
        /// Changes pulled per sync (the load is about accepting pushes; `pushpull` measures
        /// pulls). Each device carries its cursor forward as a phone does.
        #[arg(long, default_value_t = 1)]
        pull_limit: u32,
    },
}

fn key() -> FixedKeyProvider {
    FixedKeyProvider::new(Kek::from_bytes([3; 32]))
}

struct Setup {
    store: ServerStore,
    org: OrgRow,
    hash: String,
}

impl Setup {
    async fn new(db: &str, tag: &str) -> Result<Setup> {
        let store = ServerStore::connect(db, PoolSize { max: 4 }).await?;
        let org = store
            .create_org(
                &format!("Bench {tag}"),
                OrgKind::Municipality,
                Rates::default(),
            )
            .await?;
        let hash = uppsok_server::auth::hash_password(
            "ett långt lösenord",
            uppsok_server::auth::PasswordCost::cheap(),
        )?;
        Ok(Setup { store, org, hash })
    }

    async fn team(&self, name: &str) -> Result<TeamId> {
        Ok(self
            .store
            .create_team(name, self.org.id, "K-####")
            .await?
            .id)
    }

    async fn user(&self, username: &str, team: TeamId) -> Result<(StaffId, String)> {
        let s = self
            .store
            .create_staff(&NewStaff {
                username: Username::parse(username)?,
                name: PersonName::parse("Bänk Handläggare")?,
                org: self.org.id,
                role: Role::CaseManager,
                teams: vec![team],
                password_hash: self.hash.clone(),
                must_change: false,
            })
            .await?;
        let (code, hash) = uppsok_server::auth::new_enrolment_code();
        self.store
            .create_enrolment_code(s.id, &hash, 3_600_000)
            .await?;
        Ok((s.id, code))
    }
}

fn visit(user: &Username, client: ClientId, i: usize) -> Visit {
    let face = !i.is_multiple_of(3);
    Visit {
        id: VisitId::new(),
        client,
        author: user.clone(),
        staff: vec![user.clone()],
        start: Utc::now() - chrono::Duration::minutes(60 + (i as i64 % 40_000)),
        minutes: 15 + (i % 90) as u16,
        contact: if face {
            ContactKind::FaceToFace
        } else {
            ContactKind::Phone
        },
        setting: face.then_some(Setting::Home),
        network: i.is_multiple_of(7),
        place: Some(PlaceName::parse(["Töre", "Morjärv", "Haparanda", "Kalix"][i % 4]).ok())
            .flatten(),
        note: Note::parse(format!(
            "Hembesök nr {i}: pratade om veckan, boendet och nästa läkartid. Mådde bättre."
        ))
        .ok(),
        client_present: true,
        group: false,
    }
}

fn client_record(p: &Profile, code: &str) -> Result<Client> {
    Ok(Client {
        id: ClientId::new(),
        team: p.team,
        code: ClientCode::parse(code)?,
        name: PersonName::parse("Aino Bänk")?,
        org: p.org,
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
    })
}

struct Dev {
    store: Store,
    sync: SyncClient,
    _dir: tempfile::TempDir,
}

fn device(user: &str, url: &str, code: &str) -> Result<Dev> {
    let dir = tempfile::tempdir()?;
    let store = Store::create(
        dir.path().join("d.db"),
        &key(),
        &Profile::local(Username::parse(user)?),
    )?;
    let sync = SyncClient::new(SyncConfig::default())?;
    sync.enrol_blocking(&store, url, code, Some("bench"))?;
    Ok(Dev {
        store,
        sync,
        _dir: dir,
    })
}

/// Sync until drained; (wall s, requests).
fn drain(d: &Dev) -> Result<(f64, u64)> {
    let t = Instant::now();
    let mut requests = 0;
    for _ in 0..50 {
        let r = d.sync.sync_once(&d.store)?;
        requests += r.requests;
        if r.complete {
            return Ok((t.elapsed().as_secs_f64(), requests));
        }
    }
    bail!("sync did not finish")
}

fn pushpull_case(
    rt: &tokio::runtime::Runtime,
    setup: &Setup,
    server: SocketAddr,
    label: &str,
    config: FaultConfig,
    n: usize,
) -> Result<serde_json::Value> {
    let proxy = rt.block_on(FaultProxy::start_with(ProxyOptions {
        config,
        ..ProxyOptions::new(server)
    }))?;
    let team = rt.block_on(setup.team(&format!("Bench {label}")))?;
    let (_, code_a) = rt.block_on(setup.user(&format!("push{label}"), team))?;
    let (_, code_b) = rt.block_on(setup.user(&format!("pull{label}"), team))?;
    let a = device(&format!("push{label}"), &proxy.url(), &code_a)?;
    let b = device(&format!("pull{label}"), &proxy.url(), &code_b)?;
    let pa = a.store.profile()?;
    let c = client_record(&pa, "K-0001")?;
    a.store.save_client(&c)?;
    drain(&a)?;
    drain(&b)?;
    let user = pa.user.clone();
    a.store.write(|w| {
        for i in 0..n {
            w.save_visit(&visit(&user, c.id, i))?;
        }
        Ok(())
    })?;
    let s0 = rt.block_on(proxy.settled(Duration::from_secs(5)));
    let (push_s, push_req) = drain(&a)?;
    let s1 = rt.block_on(proxy.settled(Duration::from_secs(5)));
    let (pull_s, pull_req) = drain(&b)?;
    let s2 = rt.block_on(proxy.settled(Duration::from_secs(5)));
    if b.store.status()?.visits != n as u64 {
        bail!("the puller got {} of {n} visits", b.store.status()?.visits);
    }
    let t = Instant::now();
    let idle = b.sync.sync_once(&b.store)?;
    let idle_s = t.elapsed().as_secs_f64();
    let s3 = rt.block_on(proxy.settled(Duration::from_secs(5)));
    let part = |wall: f64,
                req: u64,
                from: &uppsok_faultproxy::ProxyStats,
                to: &uppsok_faultproxy::ProxyStats| {
        let up = to.bytes_up - from.bytes_up;
        let down = to.bytes_down - from.bytes_down;
        json!({"wall_s": wall, "requests": req, "bytes": up + down, "bytes_up": up,
               "bytes_down": down, "bytes_per_doc": (up + down) as f64 / n as f64})
    };
    Ok(json!({
        "push": part(push_s, push_req, &s0, &s1),
        "pull": part(pull_s, pull_req, &s1, &s2),
        "idle": {"wall_s": idle_s, "requests": idle.requests,
                 "bytes": (s3.bytes_up - s2.bytes_up) + (s3.bytes_down - s2.bytes_down),
                 "bytes_up": s3.bytes_up - s2.bytes_up, "bytes_down": s3.bytes_down - s2.bytes_down},
    }))
}

/// How the load devices decide when to sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LoadMode {
    /// Open loop: each device syncs on its own schedule (a batch every period, with jitter),
    /// whether or not the server kept up; latency counts from the scheduled start.
    Paced,
    /// Closed loop: each device pushes its batches back to back as fast as the server answers
    /// (the saturation figure; latency is then about devices / request rate).
    Closed,
}

/// Load settings (see `Mode::Load`).
#[derive(Clone, Copy, Debug)]
struct LoadPlan {
    mode: LoadMode,
    devices: usize,
    team_size: usize,
    rounds: usize,
    batch: usize,
    period: Duration,
    jitter: f64,
    pull_limit: u32,
}

/// One device of the load: its user, team (index) and token.
struct LoadDevice {
    user: Username,
    team: usize,
    token: String,
}

/// What one device saw.
#[derive(Default)]
struct DeviceTally {
    latencies: Vec<Duration>,
    applied: u64,
    rejected: u64,
    failed: u64,
    error_kinds: std::collections::BTreeMap<String, u64>,
    last_done: Option<Instant>,
}

async fn load(setup: &Setup, url: &str, plan: LoadPlan) -> Result<serde_json::Value> {
    // reqwest is built with `rustls-no-provider` (docs/design.md §10); plain http needs no TLS,
    // but the builder insists on a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.devices)
        .timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .build()?;
    // Teams of `team_size` (ACT teams are about ten people), one client each, one device per
    // user.
    let teams_n = plan.devices.div_ceil(plan.team_size.max(1)).max(1);
    let mut teams = Vec::new();
    for t in 0..teams_n {
        teams.push(setup.team(&format!("Load {t}")).await?);
    }
    let mut devices = Vec::new();
    for i in 0..plan.devices {
        let username = format!("load{i:04}");
        let team = i / plan.team_size.max(1);
        let (_, code) = setup.user(&username, teams[team]).await?;
        let r: serde_json::Value = http
            .post(format!("{url}/v1/devices/enroll"))
            .json(&json!({"code": code}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = r["token"].as_str().context("token")?.to_owned();
        devices.push(LoadDevice {
            user: Username::parse(&username)?,
            team,
            token,
        });
    }
    // One client per team, created by the team's first device.
    let mut clients: Vec<ClientId> = Vec::with_capacity(teams_n);
    for (t, team) in teams.iter().enumerate() {
        let first = devices
            .iter()
            .find(|d| d.team == t)
            .context("a team without devices")?;
        let c = Client {
            id: ClientId::new(),
            team: *team,
            code: ClientCode::parse("K-0001")?,
            name: PersonName::parse("Aino Bänk")?,
            org: setup.org.id,
            phase: Phase::Active,
            closed_reason: None,
            next_contact: None,
            consent: Consent {
                recorded_by: Some(first.user.clone()),
                ..Consent::default()
            },
            admitted: None,
            referral: None,
            contact_person: None,
            deputy: None,
            closed_on: None,
            closure: None,
            protected_identity: false,
        };
        clients.push(c.id);
        let ch = Change::upsert(ChangeId::new(), Hlc::ZERO, &Record::Client(c))?;
        let (resp, _) = post(&http, url, &first.token, 0, &[ch], plan.pull_limit).await?;
        if let Some(r) = resp.results.first().and_then(|r| r.rejection()) {
            bail!(
                "the load client was rejected: {} {}",
                r.code.as_str(),
                r.reason
            );
        }
    }
    let clients = Arc::new(clients);
    // Everyone starts from the same instant; in paced mode each device's first sync falls
    // somewhere in the first period, so the offered load is even from the start.
    let started = Instant::now() + Duration::from_millis(200);
    let mut tasks = tokio::task::JoinSet::new();
    for (n, d) in devices.into_iter().enumerate() {
        let (http, url, clients) = (http.clone(), url.to_owned(), clients.clone());
        let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
        tasks.spawn(async move {
            let mut tally = DeviceTally::default();
            let mut cursor = 0u64;
            let offset = plan.period.mul_f64(rng.random::<f64>());
            for b in 0..plan.rounds {
                let scheduled = match plan.mode {
                    LoadMode::Closed => Instant::now(),
                    LoadMode::Paced => {
                        let j = 1.0 + plan.jitter * (2.0 * rng.random::<f64>() - 1.0);
                        let at = started + offset + plan.period * b as u32;
                        // Jitter moves this sync around its slot without drifting the schedule.
                        let at = if b == 0 {
                            at
                        } else {
                            at - plan.period + plan.period.mul_f64(j)
                        };
                        tokio::time::sleep_until(at.into()).await;
                        at
                    }
                };
                let changes: Vec<Change> = (0..plan.batch)
                    .filter_map(|i| {
                        let v = visit(&d.user, clients[d.team], b * plan.batch + i);
                        let hlc = Hlc {
                            wall_ms: Utc::now().timestamp_millis(),
                            counter: (b * plan.batch + i) as u32,
                            node: 1,
                        };
                        Change::upsert(ChangeId::new(), hlc, &Record::Visit(v)).ok()
                    })
                    .collect();
                match post(&http, &url, &d.token, cursor, &changes, plan.pull_limit).await {
                    Ok((r, _)) => {
                        // From the scheduled start: a request that waited for the previous
                        // one of its device counts that wait (no coordinated omission).
                        tally.latencies.push(scheduled.elapsed());
                        cursor = r.cursor;
                        for x in &r.results {
                            match x.rejection() {
                                Some(rej) => {
                                    tally.rejected += 1;
                                    *tally
                                        .error_kinds
                                        .entry(format!("rejected {}", rej.code.as_str()))
                                        .or_default() += 1;
                                }
                                None => tally.applied += 1,
                            }
                        }
                        let missing = changes.len().saturating_sub(r.results.len());
                        if missing > 0 {
                            tally.rejected += missing as u64;
                            *tally.error_kinds.entry("no result".into()).or_default() +=
                                missing as u64;
                        }
                    }
                    Err(e) => {
                        tally.failed += 1;
                        *tally.error_kinds.entry(format!("{e:#}")).or_default() += 1;
                    }
                }
                tally.last_done = Some(Instant::now());
            }
            tally
        });
    }
    let mut lat = Vec::new();
    let (mut applied, mut rejected, mut failed) = (0u64, 0u64, 0u64);
    let mut kinds: std::collections::BTreeMap<String, u64> = Default::default();
    let mut last = started;
    while let Some(r) = tasks.join_next().await {
        let t = r?;
        lat.extend(t.latencies);
        applied += t.applied;
        rejected += t.rejected;
        failed += t.failed;
        for (k, v) in t.error_kinds {
            *kinds.entry(k).or_default() += v;
        }
        if let Some(l) = t.last_done {
            last = last.max(l);
        }
    }
    let wall = last.saturating_duration_since(started).as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let offered = match plan.mode {
        LoadMode::Paced => {
            json!(plan.devices as f64 * plan.batch as f64 / plan.period.as_secs_f64())
        }
        LoadMode::Closed => serde_json::Value::Null,
    };
    Ok(json!({
        "mode": match plan.mode { LoadMode::Paced => "paced", LoadMode::Closed => "closed" },
        "devices": plan.devices, "team_size": plan.team_size, "rounds_per_device": plan.rounds,
        "changes_per_batch": plan.batch, "period_s": plan.period.as_secs_f64(),
        "jitter": plan.jitter, "pull_limit": plan.pull_limit, "request_bodies": "gzip",
        "offered_changes_per_s": offered,
        "requests": lat.len() as u64 + failed,
        "changes_applied": applied, "changes_rejected": rejected, "requests_failed": failed,
        "errors": rejected + failed, "error_kinds": kinds, "wall_s": wall,
        "changes_per_s": applied as f64 / wall,
        "latency_ms": {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "max": pct(1.0)},
    }))
}

/// One `POST /v1/sync` as a phone sends it: gzip-compressed JSON body. Returns the answer and
/// the compressed body's size.
async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    cursor: u64,
    changes: &[Change],
    pull_limit: u32,
) -> Result<(SyncResponse, usize)> {
    let json = serde_json::to_vec(&SyncRequest {
        cursor,
        changes: changes.to_vec(),
        pull_limit: Some(pull_limit),
        app_version: None,
        knows_outcomes: true,
        access_events: Vec::new(),
        mileage_terms: None,
    })?;
    let mut enc = GzEncoder::new(
        Vec::with_capacity(json.len() / 4 + 64),
        Compression::default(),
    );
    enc.write_all(&json)?;
    let body = enc.finish()?;
    let size = body.len();
    let r = http
        .post(format!("{url}/v1/sync"))
        .header(PROTOCOL_HEADER, "1")
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await?;
    let status = r.status();
    if !status.is_success() {
        let text = r.text().await.unwrap_or_default();
        let kind = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["type"].as_str().map(str::to_owned))
            .unwrap_or_default();
        bail!("HTTP {} {kind}", status.as_u16());
    }
    Ok((r.json().await?, size))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let tag = format!("{}", Utc::now().timestamp_millis());
    let setup = rt.block_on(Setup::new(&args.database, &tag))?;
    let server: SocketAddr = args
        .server
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .context("--server must be http://IP:PORT")?;
    let out = match args.mode {
        Mode::Pushpull {
            visits,
            latency_ms,
            bandwidth_bps,
            skip_rural,
        } => {
            let loopback = pushpull_case(
                &rt,
                &setup,
                server,
                &format!("l{tag}"),
                FaultConfig::clean(),
                visits,
            )?;
            eprintln!("[syncbench] loopback done");
            let rural = if skip_rural {
                serde_json::Value::Null
            } else {
                let mut c = FaultConfig::clean().with_bandwidth(bandwidth_bps);
                c.latency_up = Duration::from_millis(latency_ms);
                c.latency_down = Duration::from_millis(latency_ms);
                pushpull_case(&rt, &setup, server, &format!("r{tag}"), c, visits)?
            };
            json!({"peer": "uppsok", "docs": visits, "loopback": loopback, "rural": {
                "link": {"latency_ms_each_way": latency_ms, "bandwidth_bps_each_way": bandwidth_bps, "fault_rate": 0},
                "case": rural}})
        }
        Mode::Load {
            mode,
            devices,
            team_size,
            rounds,
            batch,
            period_s,
            jitter,
            pull_limit,
        } => {
            if !(period_s > 0.0 && (0.0..1.0).contains(&jitter)) {
                bail!("--period-s must be positive and --jitter in [0, 1)");
            }
            let plan = LoadPlan {
                mode,
                devices,
                team_size: team_size.max(1),
                rounds,
                batch,
                period: Duration::from_secs_f64(period_s),
                jitter,
                pull_limit: pull_limit.max(1),
            };
            rt.block_on(load(&setup, &args.server, plan))?
        }
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
