//! `dashbench`: page times of the supervisor dashboard on a region-sized database.
//!
//! Generates, straight into the database with multi-row INSERTs (no per-record transactions, no
//! revisions: the pages do not read them), N teams with their staff, clients and visits spread
//! over two years, then serves the real router in process and times `GET /overview` and
//! `GET /fidelity` (default period: 12 weeks) for the teams' supervisors, reporting p50, p99 and
//! max, over HTTP on loopback (the page time a browser sees, minus the network). The first view
//! of each team's page warms the caches and is reported apart: after a restart or on a cold OS
//! cache it reads the team's visits from disk. Works on SQLite (default, a temporary file) and
//! PostgreSQL (`--database postgres://…`, which must be an empty database).
//!
//! `cargo run --release -p uppsok-bench --bin dashbench -- --visits 1000000`

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ConsentState, ContactKind, OrgKind, PersonName, Phase,
    Rates, Role, Setting, StaffId, TeamId, Username, Visit, VisitId,
};
use uppsok_server::app::app;
use uppsok_server::auth;
use uppsok_server::state::{AppState, Settings};
use uppsok_server::store::{NewStaff, Param, PoolSize, SessionRow, Store, now_ms, on_pool, on_tx};

#[derive(Parser, Debug)]
struct Args {
    /// sqlite://PATH or postgres://… (an empty database) [default: a temporary SQLite file].
    #[arg(long)]
    database: Option<String>,
    #[arg(long, default_value_t = 20)]
    teams: usize,
    #[arg(long, default_value_t = 200)]
    staff: usize,
    #[arg(long, default_value_t = 2000)]
    clients: usize,
    #[arg(long, default_value_t = 1_000_000)]
    visits: usize,
    /// Requests per page.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// With `--database`: time the pages on a database an earlier run filled (its teams and
    /// supervisors are looked up) instead of generating one; for profiling page changes without
    /// four minutes of loading each time.
    #[arg(long)]
    reuse: bool,
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn insert_rows(
    store: &Store,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Param>>,
) -> anyhow::Result<()> {
    // 500 rows × ≤ 11 columns stays under every engine's parameter limit; one transaction per
    // call so the bulk load is not one fsync per statement.
    let mut tx = store.begin().await?;
    for chunk in rows.chunks(500) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let mut params = Vec::with_capacity(chunk.len() * cols.len());
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let marks: Vec<String> = (0..cols.len())
                .map(|k| format!("${}", params.len() + k + 1))
                .collect();
            sql.push_str(&format!("({})", marks.join(", ")));
            params.extend(r.iter().cloned());
        }
        on_tx!(&mut tx, c => {
            uppsok_server::store::bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), &params)
                .execute(&mut *c)
                .await?;
        });
    }
    tx.commit().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Args::parse();
    let tmp = tempfile::tempdir()?;
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", tmp.path().join("bench.db").display()));
    let store = Store::connect(&url, PoolSize { max: 8 })
        .await
        .context("connect")?;
    println!(
        "dashbench on {} ({})",
        store.backend(),
        if args.database.is_some() {
            "given database"
        } else {
            "temporary file"
        }
    );
    let teams = if args.reuse {
        anyhow::ensure!(args.database.is_some(), "--reuse needs --database");
        existing_teams(&store).await?
    } else {
        generate(&store, &args).await?
    };
    anyhow::ensure!(!teams.is_empty(), "the database has no bench teams");
    let per_team_clients = (args.clients / args.teams).max(1);

    // Sessions for each team's supervisor, then the pages.
    let state = AppState::new(store.clone(), Settings::default());
    let mut cookies = Vec::new();
    for (team, sup) in &teams {
        let (token, hash) = auth::new_token(auth::SESSION_PREFIX);
        store
            .create_session(&SessionRow {
                token_hash: hash,
                staff: *sup,
                kind: uppsok_server::store::SessionKind::Cookie,
                csrf: "x".into(),
                created_ms: now_ms(),
                expires_ms: now_ms() + 3_600_000,
                revoked: false,
            })
            .await?;
        cookies.push((format!("uppsok_session={token}"), *team));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = app(state.clone());
    tokio::spawn(uppsok_server::serve::serve(
        listener,
        router,
        uppsok_server::serve::Limits::default(),
        std::future::pending(),
    ));
    let http = reqwest::Client::new();
    for page in ["overview", "fidelity"] {
        // The first view of each team's page reads that team's visits from disk unless the OS
        // has them cached; those views are reported apart ("first views"), the rest are the
        // page times of a running server, which is what the target is judged on.
        let warm_up = cookies.len();
        let mut first_views = Vec::with_capacity(warm_up);
        let mut times = Vec::with_capacity(args.requests);
        let mut bytes = 0usize;
        for i in 0..args.requests + warm_up {
            let (cookie, team) = &cookies[i % cookies.len()];
            let started = Instant::now();
            let r = http
                .get(format!("http://{addr}/{page}?team={team}"))
                .header("cookie", cookie.as_str())
                .send()
                .await?;
            let status = r.status();
            let body = r.bytes().await?;
            let took = started.elapsed();
            anyhow::ensure!(status.as_u16() == 200, "{page}: {status}");
            if i >= warm_up {
                times.push(took);
                bytes = body.len();
            } else {
                first_views.push(took);
            }
        }
        times.sort();
        first_views.sort();
        println!(
            "  /{page}: n={} p50={:.1} ms p99={:.1} ms max={:.1} ms ({} kB per page, {} clients per team); first view of each of {} teams: p50={:.1} ms max={:.1} ms",
            times.len(),
            pct(&times, 0.5).as_secs_f64() * 1e3,
            pct(&times, 0.99).as_secs_f64() * 1e3,
            times.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
            bytes / 1024,
            per_team_clients,
            first_views.len(),
            pct(&first_views, 0.5).as_secs_f64() * 1e3,
            first_views.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        );
    }
    store.close().await;
    Ok(())
}

/// Fills the database: teams with staff and clients, then the visits. Returns each team with
/// its supervisor.
async fn generate(store: &Store, args: &Args) -> anyhow::Result<Vec<(TeamId, StaffId)>> {
    let store = store.clone();
    let t0 = Instant::now();
    let mut rng = StdRng::seed_from_u64(1);
    let kommun = store
        .create_org("Bench kommun", OrgKind::Municipality, Rates::default())
        .await?;
    let cheap = auth::hash_password("bench-password", auth::PasswordCost::cheap())?;
    let per_team_staff = (args.staff / args.teams).max(2);
    let per_team_clients = (args.clients / args.teams).max(1);
    let mut teams: Vec<(TeamId, StaffId, Vec<Username>, Vec<ClientId>)> = Vec::new();
    let mut seq: i64 = 0;
    for t in 0..args.teams {
        let team = store
            .create_team(&format!("Team {t:02}"), kommun.id, "K-####")
            .await?;
        let mut usernames = Vec::new();
        let mut supervisor = None;
        for s in 0..per_team_staff {
            let role = if s == 0 {
                Role::Supervisor
            } else {
                Role::CaseManager
            };
            let u = Username::parse(format!("t{t:02}.s{s:02}"))?;
            let row = store
                .create_staff(&NewStaff {
                    username: u.clone(),
                    name: PersonName::parse(format!("Person {t} {s}"))?,
                    org: kommun.id,
                    role,
                    teams: vec![team.id],
                    password_hash: cheap.clone(),
                    must_change: false,
                })
                .await?;
            if s == 0 {
                supervisor = Some(row.id);
            } else {
                usernames.push(u);
            }
        }
        let mut rows = Vec::new();
        let mut ids = Vec::new();
        for c in 0..per_team_clients {
            let client = Client {
                id: ClientId::new(),
                team: team.id,
                code: ClientCode::parse(format!("K-{c:04}"))?,
                name: PersonName::parse(format!("Klient {t} {c}"))?,
                org: kommun.id,
                phase: if c % 7 == 0 {
                    Phase::Stable
                } else {
                    Phase::Active
                },
                closed_reason: None,
                next_contact: None,
                consent: Consent {
                    state: ConsentState::Given,
                    date: Some(Utc::now().date_naive()),
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
            seq += 1;
            ids.push(client.id);
            rows.push(vec![
                Param::Text(Some(client.id.to_string())),
                Param::Text(Some(team.id.to_string())),
                Param::Text(Some(kommun.id.to_string())),
                Param::Text(Some(supervisor.unwrap_or_default().to_string())),
                Param::Text(Some(client.id.to_string())),
                Param::Bool(true),
                Param::Int(Some(seq)),
                Param::Bool(false),
                Param::Int(Some(now_ms())),
                Param::Text(Some(serde_json::to_string(&client)?)),
            ]);
        }
        insert_rows(
            &store,
            "clients",
            &[
                "id",
                "team",
                "org",
                "author",
                "client",
                "consent_given",
                "seq",
                "deleted",
                "updated_ms",
                "body",
            ],
            rows,
        )
        .await?;
        teams.push((team.id, supervisor.unwrap_or_default(), usernames, ids));
    }
    println!(
        "  teams, {} staff, {} clients in {:.1} s",
        args.teams * per_team_staff,
        args.teams * per_team_clients,
        t0.elapsed().as_secs_f64()
    );

    // Visits over two years, newest at today; each team gets its share.
    let t1 = Instant::now();
    let span_ms: i64 = 730 * 86_400_000;
    let now = now_ms();
    let mut batch: Vec<Vec<Param>> = Vec::with_capacity(10_000);
    let author = teams[0].1;
    for i in 0..args.visits {
        let (team, _, staff, clients) = &teams[i % teams.len()];
        let client = clients[rng.random_range(0..clients.len())];
        let start_ms = now - rng.random_range(0..span_ms);
        let kind = match rng.random_range(0..10) {
            0..=5 => ContactKind::FaceToFace,
            6 | 7 => ContactKind::Phone,
            8 => ContactKind::Message,
            _ => ContactKind::Attempted,
        };
        let a = staff[rng.random_range(0..staff.len())].clone();
        let mut present = vec![a.clone()];
        if kind == ContactKind::FaceToFace && rng.random_bool(0.25) {
            let b = staff[rng.random_range(0..staff.len())].clone();
            if b != a {
                present.push(b);
            }
        }
        let v = Visit {
            id: VisitId::new(),
            client,
            author: a,
            staff: present,
            start: chrono::DateTime::from_timestamp_millis(start_ms).context("time")?,
            minutes: 45,
            contact: kind,
            setting: match kind {
                ContactKind::FaceToFace => Some(if rng.random_bool(0.8) {
                    Setting::Home
                } else {
                    Setting::Office
                }),
                _ => None,
            },
            network: rng.random_bool(0.1),
            place: None,
            note: None,
            client_present: true,
            group: false,
        };
        seq += 1;
        batch.push(vec![
            Param::Text(Some(v.id.to_string())),
            Param::Text(Some(team.to_string())),
            Param::Text(Some(kommun.id.to_string())),
            Param::Text(Some(author.to_string())),
            Param::Text(Some(client.to_string())),
            Param::Int(Some(start_ms)),
            Param::Bool(false),
            Param::Int(Some(seq)),
            Param::Bool(false),
            Param::Int(Some(now)),
            Param::Text(Some(serde_json::to_string(&v)?)),
        ]);
        if batch.len() == 10_000 {
            insert_rows(
                &store,
                "visits",
                &[
                    "id",
                    "team",
                    "org",
                    "author",
                    "client",
                    "start_ms",
                    "consent_given",
                    "seq",
                    "deleted",
                    "updated_ms",
                    "body",
                ],
                std::mem::take(&mut batch),
            )
            .await?;
        }
    }
    insert_rows(
        &store,
        "visits",
        &[
            "id",
            "team",
            "org",
            "author",
            "client",
            "start_ms",
            "consent_given",
            "seq",
            "deleted",
            "updated_ms",
            "body",
        ],
        batch,
    )
    .await?;
    on_pool!(store, p => {
        sqlx::query("UPDATE seq_counter SET value = $1 WHERE id = 1").bind(seq).execute(p).await?;
    });
    // Fresh statistics, so both planners pick the (team, start_ms) index. On PostgreSQL also
    // VACUUM, as autovacuum would soon after such a load anyway: otherwise it runs on the same two
    // cores while the pages are timed, and the visibility map is empty.
    match &store.pool {
        uppsok_server::store::Pool::Sqlite(p) => {
            sqlx::query("ANALYZE").execute(p).await?;
        }
        uppsok_server::store::Pool::Postgres(p) => {
            sqlx::query("VACUUM ANALYZE").execute(p).await?;
        }
    }
    println!(
        "  {} visits in {:.1} s",
        args.visits,
        t1.elapsed().as_secs_f64()
    );

    Ok(teams.into_iter().map(|(t, s, _, _)| (t, s)).collect())
}

/// The teams and supervisors (`tNN.s00`) an earlier run generated.
async fn existing_teams(store: &Store) -> anyhow::Result<Vec<(TeamId, StaffId)>> {
    let rows: Vec<(String, String)> = on_pool!(store, p => {
        sqlx::query_as(
            "SELECT st.team, s.id FROM staff s JOIN staff_teams st ON st.staff = s.id \
             WHERE s.username LIKE 't%.s00' ORDER BY s.username",
        )
        .fetch_all(p)
        .await?
    });
    rows.into_iter()
        .map(|(t, s)| Ok((t.parse()?, s.parse()?)))
        .collect()
}
