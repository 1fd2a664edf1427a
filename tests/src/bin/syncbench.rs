//! `syncbench`: the Uppsök half of the sync benchmark (issue 4), run by `tests/bench/sync.sh`.
//!
//! `pushpull`: one device pushes N visits (made offline), another device of the same team pulls
//! them, on loopback and through the fault proxy set to a rural link; wall time, HTTP requests
//! and bytes on the wire (counted at the proxy, headers included) per visit; then one idle sync
//! (nothing to do) measured alone. `load`: D enrolled devices push batches concurrently against
//! the server; changes per second, latency percentiles and errors. Both set up organisations,
//! teams, users and enrolment codes straight in the server's database (`--database`), then talk
//! to the running `uppsok serve` (`--server`) over HTTP only. Prints one JSON object.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::{Parser, Subcommand};
use serde_json::json;
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_device::{FixedKeyProvider, Kek, Profile, Store};
use uppsok_model::protocol::{Change, PROTOCOL_HEADER, SyncRequest, SyncResponse};
use uppsok_model::{
    ChangeId, Client, ClientCode, ClientId, Consent, ContactKind, Hlc, Note, OrgKind, PersonName,
    Phase, PlaceName, Rates, Record, Role, Setting, StaffId, TeamId, Username, Visit, VisitId,
};
use uppsok_server::store::{NewStaff, OrgRow, PoolSize, Store as ServerStore};
use uppsok_tests::proxy::{FaultConfig, FaultProxy, ProxyOptions};

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
    /// D devices pushing batches concurrently.
    Load {
        #[arg(long, default_value_t = 500)]
        devices: usize,
        #[arg(long, default_value_t = 4)]
        batches: usize,
        #[arg(long, default_value_t = 25)]
        batch: usize,
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
    sync.enroll_blocking(&store, url, code, Some("bench"))?;
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
                from: &uppsok_tests::proxy::ProxyStats,
                to: &uppsok_tests::proxy::ProxyStats| {
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

async fn load(
    setup: &Setup,
    url: &str,
    devices: usize,
    batches: usize,
    batch: usize,
) -> Result<serde_json::Value> {
    // reqwest is built with `rustls-no-provider` (DESIGN.md §10); plain http needs no TLS,
    // but the builder insists on a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(devices)
        .timeout(Duration::from_secs(60))
        .build()?;
    // 10 teams, one client each, `devices` users with one device each.
    let teams_n = 10usize;
    let mut teams = Vec::new();
    for t in 0..teams_n {
        teams.push(setup.team(&format!("Load {t}")).await?);
    }
    let mut tokens = Vec::new();
    for i in 0..devices {
        let username = format!("load{i:04}");
        let (_, code) = setup.user(&username, teams[i % teams_n]).await?;
        let r: serde_json::Value = http
            .post(format!("{url}/v1/devices/enroll"))
            .json(&json!({"code": code}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = r["token"].as_str().context("token")?.to_owned();
        tokens.push((Username::parse(&username)?, i % teams_n, token));
    }
    // One client per team, created by the team's first device.
    let mut clients: Vec<ClientId> = (0..teams_n).map(|_| ClientId::new()).collect();
    for t in 0..teams_n {
        let (user, _, token) = &tokens[t];
        let c = Client {
            id: clients[t],
            team: teams[t],
            code: ClientCode::parse("K-0001")?,
            name: PersonName::parse("Aino Bänk")?,
            org: setup.org.id,
            phase: Phase::Active,
            closed_reason: None,
            next_contact: None,
            consent: Consent {
                recorded_by: Some(user.clone()),
                ..Consent::default()
            },
        };
        clients[t] = c.id;
        let ch = Change::upsert(ChangeId::new(), Hlc::ZERO, &Record::Client(c))?;
        let resp = post(&http, url, token, &[ch]).await?;
        if let Some(r) = resp.results.first().and_then(|r| r.rejection()) {
            bail!(
                "the load client was rejected: {} {}",
                r.code.as_str(),
                r.reason
            );
        }
    }
    let clients = Arc::new(clients);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (user, team, token) in tokens {
        let (http, url, clients) = (http.clone(), url.to_owned(), clients.clone());
        tasks.spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut applied = 0u64;
            for b in 0..batches {
                let changes: Vec<Change> = (0..batch)
                    .filter_map(|i| {
                        let v = visit(&user, clients[team], b * batch + i);
                        let hlc = Hlc {
                            wall_ms: Utc::now().timestamp_millis(),
                            counter: (b * batch + i) as u32,
                            node: 1,
                        };
                        Change::upsert(ChangeId::new(), hlc, &Record::Visit(v)).ok()
                    })
                    .collect();
                let t = Instant::now();
                match post(&http, &url, &token, &changes).await {
                    Ok(r) => {
                        lat.push(t.elapsed());
                        let bad = r.results.iter().filter(|x| x.rejection().is_some()).count();
                        errors += bad as u64;
                        applied += (r.results.len() - bad) as u64;
                    }
                    Err(_) => errors += 1,
                }
            }
            (lat, errors, applied)
        });
    }
    let mut lat = Vec::new();
    let (mut errors, mut applied) = (0u64, 0u64);
    while let Some(r) = tasks.join_next().await {
        let (l, e, a) = r?;
        lat.extend(l);
        errors += e;
        applied += a;
    }
    let wall = started.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(json!({
        "devices": devices, "batches_per_device": batches, "changes_per_batch": batch,
        "changes_applied": applied, "errors": errors, "wall_s": wall,
        "changes_per_s": applied as f64 / wall,
        "latency_ms": {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "max": pct(1.0)},
    }))
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    changes: &[Change],
) -> Result<SyncResponse> {
    let body = serde_json::to_vec(&SyncRequest {
        cursor: 0,
        changes: changes.to_vec(),
        // Load is about accepting pushes; a one-change pull keeps answers small. Bodies go
        // uncompressed here (no gzip encoder in this crate), which spares the server work.
        pull_limit: Some(1),
        app_version: None,
    })?;
    let r = http
        .post(format!("{url}/v1/sync"))
        .header(PROTOCOL_HEADER, "1")
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?
        .error_for_status()?;
    Ok(r.json().await?)
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
            devices,
            batches,
            batch,
        } => rt.block_on(load(&setup, &args.server, devices, batches, batch))?,
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
