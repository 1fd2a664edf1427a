//! The real `uppsok serve` process: SIGKILL in the middle of a stream of writes loses no write
//! the server acknowledged, on SQLite and PostgreSQL; the server restarts on the same database;
//! SIGTERM stops it cleanly. `uppsok admin backup` copies a SQLite database while the server
//! takes writes, and a server started on the copy has every write acknowledged before it.

mod server_common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use server_common::*;
use uppsok_model::{ClientId, Entity, OrgKind, Rates, Role};
use uppsok_server::store::{OrgRow as Organisation, PoolSize, StaffRow, Store, TeamRow as Team};

backend_tests!(
    sigkill_during_writes_loses_no_acknowledged_write,
    backup_while_serving,
    totp_secrets_are_sealed_at_rest
);

/// An organisation with one team and a supervisor `username` in it, written straight into
/// the database; returns them with a session token of the supervisor.
async fn one_team(db: &TestDb, username: &str) -> (Organisation, Team, StaffRow, String) {
    let store = Store::connect(&db.url, PoolSize { max: 2 })
        .await
        .expect("migrate");
    let org = store
        .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
        .await
        .expect("org");
    let team = store
        .create_team("Team A", org.id, "K-#####")
        .await
        .expect("team");
    let sup = add_staff(
        &store,
        username,
        Role::Supervisor,
        org.id,
        &[team.id],
        PASSWORD,
    )
    .await;
    let token = session_in(&store, sup.id, 3_600_000).await;
    store.close().await;
    (org, team, sup, token)
}

#[derive(Default)]
struct Ledger {
    /// Last acknowledged name per client.
    acked: HashMap<ClientId, String>,
    /// A write sent but not answered when the server died: it may or may not have landed.
    in_flight: HashMap<ClientId, String>,
}

async fn sigkill_during_writes_loses_no_acknowledged_write(backend: Backend) {
    let db = TestDb::new(backend).await;
    let (org, team, _, token) = one_team(&db, "sup").await;

    let mut server = ServeProcess::start(&db.url).await;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let http = http_client();
    let mut writers = Vec::new();
    for w in 0..6 {
        let (http, base, token, ledger) = (
            http.clone(),
            server.base.clone(),
            token.clone(),
            ledger.clone(),
        );
        let (team, org) = (team.id, org.id);
        writers.push(tokio::spawn(async move {
            let mut mine: Vec<(ClientId, String)> = Vec::new();
            for i in 0..100_000u32 {
                // Alternate new clients and edits of earlier ones; a client keeps its code,
                // and codes are unique in the team.
                let (id, code) = if i % 3 == 2 && !mine.is_empty() {
                    mine[(i as usize * 7) % mine.len()].clone()
                } else {
                    (ClientId::new(), format!("K-{:05}", w * 10_000 + i % 10_000))
                };
                let name = format!("Klient {w} {i}");
                let body = serde_json::to_value(client_record(id, team, org, &code, &name, true))
                    .expect("json");
                ledger
                    .lock()
                    .expect("lock")
                    .in_flight
                    .insert(id, name.clone());
                let res = http
                    .put(format!("{base}/v1/clients/{id}"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().is_success() => {
                        let mut l = ledger.lock().expect("lock");
                        l.in_flight.remove(&id);
                        l.acked.insert(id, name);
                        if !mine.iter().any(|(m, _)| *m == id) {
                            mine.push((id, code));
                        }
                    }
                    Ok(r) => panic!("write refused: {}", r.status()),
                    Err(_) => return i,
                }
            }
            100_000
        }));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    server.child.start_kill().expect("SIGKILL");
    let _ = server.child.wait().await;
    for w in writers {
        w.await.expect("writer");
    }

    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .expect("writers done")
        .into_inner()
        .expect("lock");
    assert!(
        ledger.acked.len() > 20,
        "too few writes to mean anything: {}",
        ledger.acked.len()
    );
    let store = Store::connect(&db.url, PoolSize { max: 2 })
        .await
        .expect("reopen after the kill");
    for (id, name) in &ledger.acked {
        let row = store
            .record(Entity::Client, id.0)
            .await
            .expect("read")
            .unwrap_or_else(|| panic!("acknowledged client {id} lost"));
        let stored = row.body["name"].as_str().expect("name").to_owned();
        let pending = ledger.in_flight.get(id);
        assert!(
            &stored == name || Some(&stored) == pending,
            "client {id}: stored {stored:?}, acknowledged {name:?}, in flight {pending:?}"
        );
    }
    // Every acknowledged write was logged with it.
    assert!(store.count_audit().await.expect("audit") >= ledger.acked.len() as i64);
    store.close().await;

    // The server starts again on the same database and stops cleanly on SIGTERM.
    let mut server = ServeProcess::start(&db.url).await;
    let res = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(res.status().as_u16(), 200);
    let pid = server.child.id().expect("pid");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("stops in time")
        .expect("wait");
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
    println!(
        "{backend:?}: {} clients acknowledged before SIGKILL, all present",
        ledger.acked.len()
    );
}

/// `uppsok admin backup` against the database of a running server that is taking writes.
async fn backup_while_serving(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("nightly.db");
    let backup = || async {
        tokio::process::Command::new(uppsok_bin())
            .args(["admin", "--database", &db.url, "backup", "--out"])
            .arg(&dest)
            .output()
            .await
            .expect("uppsok admin runs")
    };
    if backend == Backend::Postgres {
        // Migrate first, so the refusal is about the engine and not a missing schema.
        Store::connect(&db.url, PoolSize { max: 1 })
            .await
            .expect("migrate")
            .close()
            .await;
        let out = backup().await;
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("pg_dump"), "names the tool to use: {err}");
        assert!(!dest.exists());
        return;
    }

    let (org, team, _, token) = one_team(&db, "sup").await;

    let server = ServeProcess::start(&db.url).await;
    let http = http_client();
    let acked: Arc<Mutex<Vec<ClientId>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (http, base, token, acked, stop) = (
            http.clone(),
            server.base.clone(),
            token.clone(),
            acked.clone(),
            stop.clone(),
        );
        let (team, org) = (team.id, org.id);
        writers.push(tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let id = ClientId::new();
                let body = serde_json::to_value(client_record(
                    id,
                    team,
                    org,
                    &format!("K-{:05}", w * 10_000 + i),
                    &format!("Klient {w} {i}"),
                    true,
                ))
                .expect("json");
                let r = http
                    .put(format!("{base}/v1/clients/{id}"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .expect("the server answers");
                assert!(r.status().is_success(), "write refused: {}", r.status());
                acked.lock().expect("lock").push(id);
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;

    // Everything acknowledged before the backup starts must be in it.
    let before: Vec<ClientId> = acked.lock().expect("lock").clone();
    let out = backup().await;
    assert!(
        out.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let during = acked.lock().expect("lock").len();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }
    let after = acked.lock().expect("lock").len();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("integrity ok"), "{said}");
    assert!(
        before.len() > 10,
        "too few writes to mean anything: {}",
        before.len()
    );
    assert!(
        after > during || during > before.len(),
        "the server kept taking writes"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest)
            .expect("backup")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the backup is the owner's only: {mode:o}");
    }

    // Restore: the copy holds every client acknowledged before the backup, and a server
    // started on it serves them (the supervisor's session came along too).
    let copy_url = format!("sqlite://{}", dest.display());
    let copy = Store::connect(&copy_url, PoolSize { max: 2 })
        .await
        .expect("the copy opens");
    for id in &before {
        assert!(
            copy.record(Entity::Client, id.0)
                .await
                .expect("read")
                .is_some(),
            "client {id} missing from the backup"
        );
    }
    copy.close().await;
    let restored = ServeProcess::start(&copy_url).await;
    for id in [before[0], before[before.len() - 1]] {
        let r = http
            .get(format!("{}/v1/clients/{id}", restored.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("the restored server answers");
        assert_eq!(
            r.status().as_u16(),
            200,
            "client {id} on the restored server"
        );
    }
    println!(
        "backup: {} clients acknowledged before it, all restored; {} written meanwhile",
        before.len(),
        after - before.len()
    );
    drop(restored);
    drop(server);
}

/// `uppsok serve` seals TOTP secrets it finds in plain text with its server key; the database
/// then holds no secret, logins with the code still work, and a server started with another
/// key refuses the login instead of accepting any code.
async fn totp_secrets_are_sealed_at_rest(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let key = dir.path().join("server.key");
    let (_, _, sup, _) = one_team(&db, "sara").await;
    let store = Store::connect(&db.url, PoolSize { max: 1 })
        .await
        .expect("open");
    let secret = uppsok_server::auth::new_totp_secret();
    store
        .set_totp_secret(sup.id, Some(&secret))
        .await
        .expect("secret");
    store.close().await;

    let start = |key: std::path::PathBuf| {
        let url = db.url.clone();
        async move {
            let mut child = tokio::process::Command::new(uppsok_bin())
                .args(["serve", "--bind", "127.0.0.1:0", "--database", &url])
                .arg("--secret-key-file")
                .arg(&key)
                .env("UPPSOK_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("uppsok serve starts");
            use tokio::io::AsyncBufReadExt;
            let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await
                .expect("serve prints its address")
                .expect("read")
                .expect("a line");
            let base = line
                .strip_prefix("listening on ")
                .expect("listening")
                .to_owned();
            (child, base)
        }
    };
    let login = |base: String| {
        let secret = secret.clone();
        async move {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("time")
                .as_secs();
            let code = uppsok_server::auth::totp_code(&secret, now).expect("code");
            http_client()
                .post(format!("{base}/v1/auth/login"))
                .json(&serde_json::json!({"username": "sara", "password": PASSWORD, "totp": code}))
                .send()
                .await
                .expect("the server answers")
        }
    };

    let (child, base) = start(key.clone()).await;
    let r = login(base).await;
    assert_eq!(
        r.status().as_u16(),
        200,
        "{}",
        r.text().await.unwrap_or_default()
    );
    drop(child);
    // What the database holds now is sealed, and not the secret.
    let store = Store::connect(&db.url, PoolSize { max: 1 })
        .await
        .expect("reopen");
    let stored: Option<String> = uppsok_server::on_pool!(store, p => {
        sqlx::query_scalar("SELECT totp_secret FROM credentials WHERE staff = $1")
            .bind(sup.id.to_string())
            .fetch_one(p)
            .await
            .expect("read")
    });
    let stored = stored.expect("a secret is stored");
    assert!(
        stored.starts_with("v1.") && !stored.contains(&secret),
        "sealed"
    );
    store.close().await;

    // Another key: the login is refused (and says nothing of the secret), not waved through.
    let (child, base) = start(dir.path().join("another.key")).await;
    let r = login(base).await;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    assert!(status >= 500, "{status}: {body}");
    assert!(!body.contains(&secret) && !body.contains(&stored));
    drop(child);
}

/// The resident memory a process ever reached, in KiB (`VmHWM` in /proc).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// 100 simultaneous logins against a real server: the per-address limit counts them before any
/// hashing (429s), and the hashing threads bound the memory (each Argon2id run holds 19 MiB;
/// unbounded, 100 logins took the server past 500 MB).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_logins_stays_within_a_memory_bound() {
    let db = TestDb::new(Backend::Sqlite).await;
    Store::connect(&db.url, PoolSize { max: 1 })
        .await
        .expect("migrate")
        .close()
        .await;
    let server = ServeProcess::start(&db.url).await;
    let pid = server.child.id().expect("pid");
    let before = peak_rss_kib(pid);
    let http = http_client();
    let url = format!("{}/v1/auth/login", server.base);
    let logins = (0..100).map(|i| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            http.post(url)
                .json(&serde_json::json!({"username": format!("ghost{i}"), "password": "a guess of twenty chars"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let answers = futures_util::future::join_all(logins).await;
    let limited = answers.iter().filter(|s| **s == 429).count();
    assert!(
        answers.iter().all(|s| *s == 401 || *s == 429),
        "{answers:?}"
    );
    assert!(
        limited >= 70,
        "the address limit (30) stops the rest first: {answers:?}"
    );
    let grown_mib = (peak_rss_kib(pid).saturating_sub(before)) / 1024;
    // Hashing threads = cores; 19 MiB each, plus the requests themselves.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    assert!(
        grown_mib <= cores * 20 + 60,
        "peak memory grew by {grown_mib} MiB for {cores} hashing threads"
    );
}
