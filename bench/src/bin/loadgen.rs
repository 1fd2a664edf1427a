//! `loadgen`: the read-API benchmark of the server. Seeds a region-sized team
//! structure into a fresh database, starts a real `uppsok serve` (release build) on it,
//! authenticates N clients over HTTP — half enrolled phones (one-time code → device token), half
//! supervisors (password + TOTP → session) — and lets them hit the read API concurrently for a
//! while. Prints requests/s, p50/p99/max latency and errors per backend and N, as a table and as
//! JSON lines.
//!
//! Two load models, both reported (`--think-ms 0,1000`):
//!
//! - **closed loop** (`think 0`): each client sends its next request the moment the previous
//!   answer arrives. This measures capacity (requests/s). Its latency is not a service-level
//!   figure: with N clients always waiting, Little's law makes the mean latency N / throughput
//!   whatever the server does, so 500 clients at 2,500 req/s sit ~200 ms in the queue.
//! - **paced** (`think > 0`): each client behaves like a person or a phone, one request, then a
//!   pause of `think` ± 50 % (uniform), on its own schedule. Latency is measured from the
//!   *scheduled* start of each request, not from when it was actually sent, so a server that
//!   falls behind cannot hide its queue (no coordinated omission): a request due while the
//!   previous one is still outstanding is sent as soon as that one returns, and its wait counts.
//!
//! Each supervisor request reads client data (`/v1/clients`, `/v1/visits?client=…`) or the
//! directory (`/v1/teams`, `/v1/staff`); each client-data read also appends its access-log rows
//! before answering, so this measures writes too. Phones read `/v1/devices/me`.
//!
//! ```sh
//! cargo build --release -p uppsok --bin uppsok
//! cargo run --release -p uppsok-bench --bin loadgen -- --backend both --clients 50,500
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{TimeZone, Utc};
use clap::Parser;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::Connection;
use tokio::io::AsyncBufReadExt;
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ConsentState, ContactKind, Note, OrgKind, PersonName,
    Phase, PlaceName, Rates, Record, Role, Setting, StaffId, Username, Visit, VisitId,
};
use uppsok_server::auth::{self, PasswordCost};
use uppsok_server::store::{NewStaff, PoolSize, RecordWrite, Store, now_ms};

#[derive(Parser, Debug)]
#[command(
    name = "loadgen",
    about = "Read-API load test of a real `uppsok serve` on SQLite and PostgreSQL."
)]
struct Args {
    /// sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    backend: String,
    /// Concurrent clients, comma separated.
    #[arg(long, default_value = "50,500", value_delimiter = ',')]
    clients: Vec<usize>,
    /// Seconds of measurement per run (after a short warm-up).
    #[arg(long, default_value_t = 15)]
    duration_s: u64,
    /// Pause of each client between requests, in ms, comma separated for several runs
    /// (0 = closed loop, as fast as possible; a person or a phone is more like 1000, paced
    /// with ±50 % jitter and latency measured from the scheduled start).
    #[arg(long, default_value = "0", value_delimiter = ',')]
    think_ms: Vec<u64>,
    /// The server binary [default: target/release/uppsok of this workspace].
    #[arg(long)]
    bin: Option<PathBuf>,
    /// PostgreSQL server with CREATE DATABASE rights [default: $UPPSOK_TEST_POSTGRES or the
    /// local trust-auth server].
    #[arg(long)]
    postgres: Option<String>,
    /// Teams to seed (15 clients each, 20 visits per client).
    #[arg(long, default_value_t = 10)]
    teams: usize,
}

struct Seeded {
    /// (username, totp secret) of supervisors, one per simulated supervisor.
    supervisors: Vec<(String, String)>,
    /// Enrolment codes, one per simulated phone.
    codes: Vec<String>,
    /// Per team: client ids.
    team_clients: Vec<(uuid::Uuid, Vec<ClientId>)>,
}

const PASSWORD: &str = "load test password 1";

async fn seed(store: &Store, teams: usize, supervisors: usize, phones: usize) -> Result<Seeded> {
    let m = store
        .create_org("Kommunen", OrgKind::Municipality, Rates::default())
        .await?;
    let r = store
        .create_org("Regionen", OrgKind::Region, Rates::default())
        .await?;
    let hash = auth::hash_password(PASSWORD, PasswordCost::cheap())?;
    let mut team_rows = Vec::new();
    let mut team_clients = Vec::new();
    let mut case_managers: Vec<StaffId> = Vec::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    for t in 0..teams {
        let org = if t.is_multiple_of(2) { &m } else { &r };
        let team = store
            .create_team(&format!("Team {t}"), org.id, "K-###")
            .await?;
        let mut authors = Vec::new();
        for (k, o) in [m.id, m.id, r.id, r.id].into_iter().enumerate() {
            let s = store
                .create_staff(&NewStaff {
                    username: Username::parse(format!("cm{t}-{k}"))?,
                    name: PersonName::parse(format!("Handläggare {t} {k}"))?,
                    org: o,
                    role: Role::CaseManager,
                    teams: vec![team.id],
                    password_hash: hash.clone(),
                    must_change: false,
                })
                .await?;
            case_managers.push(s.id);
            authors.push(s);
        }
        let mut clients = Vec::new();
        for c in 0..15 {
            let author = &authors[c % 4];
            let id = ClientId::new();
            let client = Client {
                id,
                team: team.id,
                code: ClientCode::parse(format!("K-{c:03}"))?,
                name: PersonName::parse(format!("Klient {t} {c}"))?,
                org: author.org,
                phase: Phase::Active,
                closed_reason: None,
                next_contact: None,
                consent: Consent {
                    state: if c.is_multiple_of(3) {
                        ConsentState::Withdrawn
                    } else {
                        ConsentState::Given
                    },
                    date: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
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
            };
            let mut tx = store.begin().await?;
            tx.upsert_record(&RecordWrite {
                record: Record::Client(client),
                deleted: false,
                author: author.id,
                org: author.org,
                team: Some(team.id),
                device: None,
            })
            .await?;
            for v in 0..20 {
                let va = &authors[(c + v) % 4];
                let u = Username::parse(&va.username)?;
                let start = Utc
                    .timestamp_millis_opt(now_ms() - rng.random_range(1..90) * 86_400_000)
                    .single()
                    .context("time")?;
                tx.upsert_record(&RecordWrite {
                    record: Record::Visit(Visit {
                        id: VisitId::new(),
                        client: id,
                        author: u.clone(),
                        staff: vec![u],
                        start,
                        minutes: 45,
                        contact: ContactKind::FaceToFace,
                        setting: Some(Setting::Home),
                        network: false,
                        place: Some(PlaceName::parse("Töre")?),
                        note: Some(Note::parse("Hembesök, mådde bättre.")?),
                        client_present: true,
                        group: false,
                    }),
                    deleted: false,
                    author: va.id,
                    org: va.org,
                    team: Some(team.id),
                    device: None,
                })
                .await?;
            }
            tx.commit().await?;
            clients.push(id);
        }
        team_clients.push((team.id.0, clients));
        team_rows.push(team);
    }
    let mut sups = Vec::new();
    for i in 0..supervisors {
        let team = &team_rows[i % team_rows.len()];
        let org = if i.is_multiple_of(2) { m.id } else { r.id };
        let s = store
            .create_staff(&NewStaff {
                username: Username::parse(format!("sup{i}"))?,
                name: PersonName::parse(format!("Enhetschef {i}"))?,
                org,
                role: Role::Supervisor,
                teams: vec![team.id],
                password_hash: hash.clone(),
                must_change: false,
            })
            .await?;
        let secret = auth::new_totp_secret();
        store.set_totp_secret(s.id, Some(&secret)).await?;
        sups.push((s.username, secret));
    }
    let mut codes = Vec::new();
    for i in 0..phones {
        let (code, h) = auth::new_enrolment_code();
        store
            .create_enrolment_code(case_managers[i % case_managers.len()], &h, 3_600_000)
            .await?;
        codes.push(code);
    }
    Ok(Seeded {
        supervisors: sups,
        codes,
        team_clients,
    })
}

enum Who {
    Phone(String),
    Supervisor {
        token: String,
        team: uuid::Uuid,
        clients: Vec<ClientId>,
    },
}

#[derive(Debug, Default)]
struct Run {
    latencies_us: Vec<u64>,
    errors: u64,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

async fn start_server(bin: &PathBuf, db: &str) -> Result<(tokio::process::Child, String)> {
    let mut child = tokio::process::Command::new(bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--database", db])
        .env("UPPSOK_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await??
        .context("no output")?;
    let base = line
        .strip_prefix("listening on ")
        .context("unexpected first line")?
        .trim()
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, base))
}

async fn run_one(args: &Args, backend: &str, n: usize, think_ms: u64) -> Result<serde_json::Value> {
    // A fresh database per run.
    let dir = tempfile::tempdir()?;
    let (db_url, pg_drop) = if backend == "sqlite" {
        (
            format!("sqlite://{}", dir.path().join("load.db").display()),
            None,
        )
    } else {
        let admin = match &args.postgres {
            Some(u) => u.clone(),
            None => uppsok_tests::postgres_env::test_postgres_url()?
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        };
        let name = uppsok_tests::postgres_env::fresh_database_name();
        let mut c = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await?;
        (
            uppsok_tests::postgres_env::with_database(&admin, &name),
            Some((admin, name)),
        )
    };
    let phones = n / 2;
    let sups = n - phones;
    let store = Store::connect(&db_url, PoolSize { max: 4 }).await?;
    let seeded = seed(&store, args.teams, sups, phones).await?;
    store.close().await;

    let bin = match &args.bin {
        Some(b) => b.clone(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/uppsok"),
    };
    let (mut server, base) = start_server(&bin, &db_url).await?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(n + 10)
        .timeout(Duration::from_secs(30))
        .build()?;

    // Authenticate everyone over HTTP.
    let mut who = Vec::new();
    for code in &seeded.codes {
        let r: serde_json::Value = http
            .post(format!("{base}/v1/devices/enroll"))
            .json(&json!({"code": code, "device_name": "load", "app_version": "1.0.0"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        who.push(Who::Phone(r["token"].as_str().context("token")?.to_owned()));
    }
    for (i, (username, secret)) in seeded.supervisors.iter().enumerate() {
        let code = auth::totp_code(secret, (now_ms() / 1000) as u64)?;
        let r: serde_json::Value = http
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({"username": username, "password": PASSWORD, "totp": code}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let (team, clients) = seeded.team_clients[i % seeded.team_clients.len()].clone();
        who.push(Who::Supervisor {
            token: r["token"].as_str().context("token")?.to_owned(),
            team,
            clients,
        });
    }

    let warmup = Duration::from_secs(2);
    let measure = Duration::from_secs(args.duration_s);
    let t0 = Instant::now();
    let think = Duration::from_millis(think_ms);
    let mut tasks = Vec::new();
    for (i, w) in who.into_iter().enumerate() {
        let http = http.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(i as u64);
            let mut run = Run::default();
            // Paced clients start at a random point of their first pause, so they do not
            // march in step.
            let mut due = t0;
            if !think.is_zero() {
                due += Duration::from_millis(rng.random_range(0..think.as_millis() as u64 + 1));
            }
            loop {
                if due.duration_since(t0) > warmup + measure {
                    break;
                }
                // Paced: wait for the scheduled start (no wait if already late).
                tokio::time::sleep_until(due.into()).await;
                let req = match &w {
                    Who::Phone(token) => {
                        http.get(format!("{base}/v1/devices/me")).bearer_auth(token)
                    }
                    Who::Supervisor {
                        token,
                        team,
                        clients,
                    } => {
                        let url = match rng.random_range(0..10) {
                            0..=3 => format!(
                                "{base}/v1/visits?client={}&limit=50",
                                clients[rng.random_range(0..clients.len())]
                            ),
                            4..=6 => format!("{base}/v1/clients?team={team}"),
                            7..=8 => format!("{base}/v1/staff?team={team}"),
                            _ => format!("{base}/v1/teams"),
                        };
                        http.get(url).bearer_auth(token)
                    }
                };
                // Closed loop: from the send. Paced: from the scheduled start, so time spent
                // waiting behind a slow previous request counts.
                let start = if think.is_zero() { Instant::now() } else { due };
                let ok = match req.send().await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        ok && r.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                let us = start.elapsed().as_micros() as u64;
                if due.duration_since(t0) >= warmup {
                    if ok {
                        run.latencies_us.push(us);
                    } else {
                        run.errors += 1;
                    }
                }
                due = if think.is_zero() {
                    Instant::now()
                } else {
                    let half = think.as_millis() as u64 / 2;
                    due + Duration::from_millis(half + rng.random_range(0..=2 * half))
                };
            }
            run
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let r = t.await?;
        all.extend(r.latencies_us);
        errors += r.errors;
    }
    server.start_kill()?;
    let _ = server.wait().await;
    if let Some((admin, name)) = pg_drop {
        let mut c = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut c)
        .await?;
    }
    all.sort_unstable();
    let rps = all.len() as f64 / measure.as_secs_f64();
    Ok(json!({
        "backend": backend,
        "clients": n,
        "model": if think_ms == 0 { "closed" } else { "paced" },
        "think_ms": think_ms,
        "requests": all.len(),
        "errors": errors,
        "rps": (rps * 10.0).round() / 10.0,
        "p50_ms": percentile(&all, 0.50),
        "p99_ms": percentile(&all, 0.99),
        "max_ms": percentile(&all, 1.0),
    }))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let backends: Vec<&str> = match args.backend.as_str() {
        "both" => vec!["sqlite", "postgres"],
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        other => bail!("unknown backend {other}"),
    };
    let mut rows = Vec::new();
    for b in &backends {
        for &think in &args.think_ms {
            for &n in &args.clients {
                let r = run_one(&args, b, n, think)
                    .await
                    .with_context(|| format!("{b} with {n} clients, think {think} ms"))?;
                println!("{r}");
                rows.push(r);
            }
        }
    }
    println!();
    println!(
        "| backend | clients | model (think ms) | req/s | p50 ms | p99 ms | max ms | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} ({}) | {} | {:.1} | {:.1} | {:.1} | {} |",
            r["backend"].as_str().unwrap_or(""),
            r["clients"],
            r["model"].as_str().unwrap_or(""),
            r["think_ms"],
            r["rps"],
            r["p50_ms"].as_f64().unwrap_or(0.0),
            r["p99_ms"].as_f64().unwrap_or(0.0),
            r["max_ms"].as_f64().unwrap_or(0.0),
            r["errors"]
        );
    }
    Ok(())
}
