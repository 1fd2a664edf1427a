//! `auditbench`: what the access-log journal costs the group-commit writer. Opens a fresh
//! database per run, lets N concurrent "requests" append their access-log entries through
//! `Store::append_audit` back to back (each waits for its acknowledgement, as a read waits
//! before it answers) for a while, and counts acknowledged requests and entries per second —
//! once without the journal and once with it, alternating, several rounds in one run, so both
//! see the same machine. Prints each run, the medians and the ratio (with / without).
//!
//! ```sh
//! cargo run --release -p uppsok-bench --bin auditbench -- --backend both
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Parser;
use sqlx::Connection;
use uppsok_server::secrets::ServerKey;
use uppsok_server::store::{AuditAction, AuditEntry, AuditJournal, PoolSize, Store, Via};
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(
    name = "auditbench",
    about = "Access-log group-commit throughput with and without the journal."
)]
struct Args {
    /// sqlite, postgres or both.
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Concurrent requests appending.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Entries per request (a client page lists several records).
    #[arg(long, default_value_t = 3)]
    entries: usize,
    /// Seconds per run.
    #[arg(long, default_value_t = 5)]
    duration_s: u64,
    /// Rounds of (without, with).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// PostgreSQL server with CREATE DATABASE rights [default: $UPPSOK_TEST_POSTGRES or the
    /// local trust-auth server].
    #[arg(long)]
    postgres: Option<String>,
}

fn entry(staff: Uuid, org: Uuid) -> AuditEntry {
    AuditEntry {
        actor_staff: staff.into(),
        actor_username: "bench-supervisor".into(),
        actor_org: org.into(),
        device: None,
        via: Via::Api,
        action: AuditAction::Read,
        entity: Some(uppsok_model::Entity::Client),
        client: Some(Uuid::new_v4().into()),
        record: Some(Uuid::new_v4()),
        team: Some(Uuid::new_v4().into()),
        record_org: Some(org.into()),
        auth: None,
    }
}

/// Requests per second and entries per second of one run.
async fn run(store: &Store, args: &Args) -> Result<(f64, f64)> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (store, stop, done) = (store.clone(), stop.clone(), done.clone());
        let per = args.entries;
        tasks.push(tokio::spawn(async move {
            let (staff, org) = (Uuid::new_v4(), Uuid::new_v4());
            while !stop.load(Ordering::Relaxed) {
                let batch: Vec<AuditEntry> = (0..per).map(|_| entry(staff, org)).collect();
                store.append_audit(&batch).await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    // A short warm-up, then the measured window.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start_count = done.load(Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.duration_s)).await;
    let n = done.load(Ordering::Relaxed) - start_count;
    let secs = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await??;
    }
    let rps = n as f64 / secs;
    Ok((rps, rps * args.entries as f64))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A fresh database for one run: a SQLite file in `dir`, or a new PostgreSQL database (its
/// name returned for dropping).
async fn fresh(
    backend: &str,
    dir: &std::path::Path,
    pg: &str,
    k: usize,
) -> Result<(String, Option<String>)> {
    if backend == "sqlite" {
        return Ok((
            format!("sqlite://{}", dir.join(format!("run{k}.db")).display()),
            None,
        ));
    }
    let name = format!("uppsok_auditbench_{}", Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(pg).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    Ok((
        uppsok_tests::postgres_env::with_database(pg, &name),
        Some(name),
    ))
}

async fn drop_pg(pg: &str, name: &str) -> Result<()> {
    let mut admin = sqlx::PgConnection::connect(pg).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let backends: Vec<&str> = match args.backend.as_str() {
        "both" => vec!["sqlite", "postgres"],
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        _ => bail!("--backend is sqlite, postgres or both"),
    };
    let pg = match &args.postgres {
        Some(u) => u.clone(),
        None => uppsok_tests::postgres_env::test_postgres_url()?
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into()),
    };
    let dir = tempfile::tempdir()?;
    let key = ServerKey::load_or_create(&dir.path().join("server.key"))?;
    println!(
        "access-log writer, {} concurrent requests of {} entries, {} s per run, {} rounds",
        args.concurrency, args.entries, args.duration_s, args.rounds
    );
    println!("backend     journal  requests/s  entries/s");
    let mut k = 0;
    for backend in backends {
        let mut without = Vec::new();
        let mut with = Vec::new();
        for _ in 0..args.rounds {
            for journal in [false, true] {
                k += 1;
                let (url, pg_name) = fresh(backend, dir.path(), &pg, k).await?;
                let j = if journal {
                    Some(AuditJournal::open(
                        &dir.path().join(format!("journal{k}")),
                        &key,
                    )?)
                } else {
                    None
                };
                let store = Store::connect_with_journal(&url, PoolSize { max: 8 }, j).await?;
                let (rps, eps) = run(&store, &args).await?;
                store.close().await;
                if let Some(name) = pg_name {
                    drop_pg(&pg, &name).await?;
                }
                println!(
                    "{backend:<11} {:<8} {rps:>10.0}  {eps:>9.0}",
                    if journal { "yes" } else { "no" }
                );
                if journal {
                    with.push(rps);
                } else {
                    without.push(rps);
                }
            }
        }
        let (a, b) = (median(without), median(with));
        println!(
            "{backend}: median {a:.0} requests/s without the journal, {b:.0} with it: ratio {:.2}",
            b / a
        );
        println!(
            "{{\"bench\":\"auditbench\",\"backend\":\"{backend}\",\"without_rps\":{a:.0},\"with_rps\":{b:.0},\"ratio\":{:.3}}}",
            b / a
        );
    }
    Ok(())
}
