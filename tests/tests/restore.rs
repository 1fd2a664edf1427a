//! Disaster recovery, end to end: a real `uppsok serve` process on SQLite, two real phones (the
//! device store and sync client over HTTP), an online backup with `uppsok admin backup`, more
//! work synced after it, the server killed and its database replaced by the backup, the server
//! started again. Nothing the phones wrote is lost: each phone learns that the server was
//! restored, sends again what it wrote (with its original stamps), and pulls what colleagues
//! wrote after the restore although its cursor was ahead of the restored sequence. Then, on
//! both backends, two phones create, edit and delete after the backup: every create and edit
//! is back after the restore, and no deletion is undone (the phones send their tombstones
//! again). And the access log: reads through the API after the backup are back after the
//! restore, each exactly once, from the access-log journal (`uppsok serve` replays it when it
//! starts, `uppsok admin restore-journal` on demand).

mod phone_support;
mod server_common;

use phone_support::{case_managers, phone, sync_until_done};
use server_common::{
    Backend, ServeProcess, TestDb, client_record, http_client, postgres_admin_url, seed_world,
    session_in, uppsok_bin,
};
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_device::{Store, VisitFilter};
use uppsok_model::{
    AccessKind, Client, ClientCode, ClientId, Consent, ContactKind, Entity, Note, OrgId, OrgKind,
    PersonName, Phase, PlaceName, Rates, Setting, TeamId, Username, Visit, VisitId,
};
use uppsok_server::store::{AuditFilter, PoolSize, Store as ServerStore};

fn client(team: TeamId, org: OrgId, code: &str) -> Client {
    Client {
        id: ClientId::new(),
        team,
        code: ClientCode::parse(code).expect("code"),
        name: PersonName::parse("Elsa Björk").expect("name"),
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

fn visit(author: &str, client: ClientId, note: &str) -> Visit {
    let me = Username::parse(author).expect("username");
    Visit {
        id: VisitId::new(),
        client,
        author: me.clone(),
        staff: vec![me],
        start: chrono::Utc::now() - chrono::Duration::hours(2),
        minutes: 40,
        contact: ContactKind::FaceToFace,
        setting: Some(Setting::Home),
        network: false,
        place: Some(PlaceName::parse("Morjärv").expect("place")),
        note: Some(Note::parse(note).expect("note")),
        client_present: true,
        group: false,
    }
}

async fn on_server(url: &str, entity: Entity, id: uuid::Uuid) -> bool {
    let store = ServerStore::connect(url, PoolSize { max: 1 })
        .await
        .expect("open the server's database");
    let found = store.record(entity, id).await.expect("read").is_some();
    store.close().await;
    found
}

#[test]
fn nothing_the_phones_wrote_is_lost_when_the_server_is_restored_from_a_backup() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("uppsok.db");
    let url = format!("sqlite://{}", db.display());
    let backup = dir.path().join("backup.db");

    let (team, org, codes) = rt.block_on(async {
        let store = ServerStore::connect(&url, PoolSize { max: 2 })
            .await
            .expect("migrate");
        let org = store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .expect("org");
        let team = store
            .create_team("ACT Kalix", org.id, "K-###")
            .await
            .expect("team");
        let codes: Vec<String> =
            case_managers(&store, org.id, &[("anna", team.id), ("bo", team.id)])
                .await
                .into_iter()
                .map(|(_, code)| code)
                .collect();
        store.close().await;
        (team.id, org.id, codes)
    });
    let mut server = rt.block_on(ServeProcess::start(&url));
    let sync = SyncClient::new(SyncConfig::default()).expect("sync client");
    let (anna, bo) = (phone(dir.path(), "anna"), phone(dir.path(), "bo"));
    sync.enrol_blocking(&anna, &server.base, &codes[0], Some("anna"))
        .expect("enrol anna");
    sync.enrol_blocking(&bo, &server.base, &codes[1], Some("bo"))
        .expect("enrol bo");

    // Before the backup.
    let k1 = client(team, org, "K-001");
    let v1 = visit("anna", k1.id, "före säkerhetskopian");
    anna.save_client(&k1).expect("client");
    anna.save_visit(&v1).expect("visit");
    sync_until_done(&sync, &anna);
    sync_until_done(&sync, &bo);

    let out = std::process::Command::new(uppsok_bin())
        .args(["admin", "--database", &url, "backup", "--out"])
        .arg(&backup)
        .output()
        .expect("uppsok admin runs");
    assert!(
        out.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // After the backup: acknowledged by the server, then lost with it.
    let k2 = client(team, org, "K-002");
    let v2 = visit("anna", k1.id, "efter säkerhetskopian");
    let v3 = visit("anna", k2.id, "ny klient efter säkerhetskopian");
    anna.save_client(&k2).expect("client");
    anna.save_visit(&v2).expect("visit");
    anna.save_visit(&v3).expect("visit");
    sync_until_done(&sync, &anna);
    assert_eq!(
        anna.status().expect("status").outbox_pending,
        0,
        "acknowledged"
    );
    sync_until_done(&sync, &bo);
    assert!(bo.visit(v3.id).is_ok(), "bo pulled it");

    // The disaster: the server dies, its database is replaced by last night's backup.
    rt.block_on(async {
        server.child.start_kill().expect("kill");
        let _ = server.child.wait().await;
    });
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&backup, &db).expect("restore the backup");
    assert!(
        !rt.block_on(on_server(&url, Entity::Visit, v2.id.0)),
        "the restored database lacks what came after the backup"
    );
    let bind = server
        .base
        .strip_prefix("http://")
        .expect("http base")
        .to_owned();
    drop(server);
    // Where the phones know it; kept alive to the end of the test (dropping it kills it).
    let _restored = rt.block_on(ServeProcess::start_on(&url, &bind));

    // Bo syncs first: the server says it was restored; bo then writes a visit, which gets a
    // sequence number the restored server hands out again — below anna's old cursor.
    let r = sync_until_done(&sync, &bo);
    assert!(
        r.requeued >= 2,
        "bo sends back the organisation's clients: {r:?}"
    );
    let v4 = visit("bo", k2.id, "efter återställningen");
    bo.save_visit(&v4).expect("visit");
    sync_until_done(&sync, &bo);

    // Anna syncs: she sends back what she wrote and pulls bo's visit from after the restore.
    let r = sync_until_done(&sync, &anna);
    assert!(r.requeued >= 5, "her clients and visits go back: {r:?}");
    assert!(
        anna.visit(v4.id).is_ok(),
        "a visit written after the restore reaches a phone whose cursor was ahead"
    );
    assert_eq!(anna.status().expect("status").outbox_pending, 0);
    rt.block_on(async {
        for (entity, id) in [
            (Entity::Client, k1.id.0),
            (Entity::Client, k2.id.0),
            (Entity::Visit, v1.id.0),
            (Entity::Visit, v2.id.0),
            (Entity::Visit, v3.id.0),
            (Entity::Visit, v4.id.0),
        ] {
            assert!(
                on_server(&url, entity, id).await,
                "{entity:?} {id} is on the restored server"
            );
        }
    });
    // And the phones agree with each other again.
    let visits = |s: &Store| {
        let mut ids: Vec<VisitId> = s
            .visits(&VisitFilter::default())
            .expect("visits")
            .into_iter()
            .map(|v| v.id)
            .collect();
        ids.sort();
        ids
    };
    sync_until_done(&sync, &bo);
    assert_eq!(visits(&anna), visits(&bo));
    assert_eq!(visits(&anna).len(), 4);
}

/// Where a backup of the server's database is, per backend: SQLite's through
/// `uppsok admin backup`, PostgreSQL's through `pg_dump` (docs/server.md, "Back it up").
enum Backup {
    Sqlite {
        db: std::path::PathBuf,
        file: std::path::PathBuf,
    },
    Postgres {
        admin: String,
        name: String,
        file: std::path::PathBuf,
    },
}

impl Backup {
    fn take(&self, url: &str) {
        let out = match self {
            Backup::Sqlite { file, .. } => std::process::Command::new(uppsok_bin())
                .args(["admin", "--database", url, "backup", "--out"])
                .arg(file)
                .output(),
            Backup::Postgres { file, .. } => std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(file)
                .arg(url)
                .output(),
        }
        .expect("the backup command runs");
        assert!(
            out.status.success(),
            "backup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// With the server stopped: the database becomes the backup.
    async fn restore(&self, url: &str) {
        match self {
            Backup::Sqlite { db, file } => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                }
                std::fs::copy(file, db).expect("restore the backup");
            }
            Backup::Postgres { admin, name, file } => {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(admin).await.expect("admin");
                for sql in [
                    format!("DROP DATABASE {name} WITH (FORCE)"),
                    format!("CREATE DATABASE {name}"),
                ] {
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await
                        .expect("recreate the database");
                }
                let out = std::process::Command::new("pg_restore")
                    .args(["--no-owner", "--exit-on-error", "--dbname", url])
                    .arg(file)
                    .output()
                    .expect("pg_restore runs");
                assert!(
                    out.status.success(),
                    "pg_restore: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

async fn server_row(url: &str, entity: Entity, id: uuid::Uuid) -> Option<serde_json::Value> {
    let store = ServerStore::connect(url, PoolSize { max: 1 })
        .await
        .expect("open the server's database");
    let row = store.record(entity, id).await.expect("read");
    store.close().await;
    row.filter(|r| !r.deleted).map(|r| r.body)
}

/// Two phones create, edit and delete after the backup; the database is restored; after
/// syncing, every create and edit is back on the server and on both phones, and no record
/// deleted after the backup is back anywhere — neither one the backup holds nor one created
/// and deleted after it.
fn restore_keeps_creates_edits_and_deletions(backend: Backend) {
    if backend == Backend::Postgres
        && uppsok_tests::postgres_env::test_postgres_url()
            .expect("PostgreSQL settings")
            .is_none()
    {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let db = rt.block_on(TestDb::new(backend));
    let url = db.url.clone();
    let backup = match backend {
        Backend::Sqlite => Backup::Sqlite {
            db: std::path::PathBuf::from(url.trim_start_matches("sqlite://")),
            file: dir.path().join("backup.db"),
        },
        Backend::Postgres => Backup::Postgres {
            admin: postgres_admin_url(),
            name: url
                .rsplit('/')
                .next()
                .and_then(|s| s.split('?').next())
                .expect("database name")
                .to_owned(),
            file: dir.path().join("backup.dump"),
        },
    };
    let (team, org, codes) = rt.block_on(async {
        let store = ServerStore::connect(&url, PoolSize { max: 2 })
            .await
            .expect("migrate");
        let org = store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .expect("org");
        let team = store
            .create_team("ACT Kalix", org.id, "K-###")
            .await
            .expect("team");
        let codes: Vec<String> =
            case_managers(&store, org.id, &[("anna", team.id), ("bo", team.id)])
                .await
                .into_iter()
                .map(|(_, code)| code)
                .collect();
        store.close().await;
        (team.id, org.id, codes)
    });
    let mut server = rt.block_on(ServeProcess::start(&url));
    let sync = SyncClient::new(SyncConfig::default()).expect("sync client");
    let (anna, bo) = (phone(dir.path(), "anna"), phone(dir.path(), "bo"));
    sync.enrol_blocking(&anna, &server.base, &codes[0], Some("anna"))
        .expect("enrol anna");
    sync.enrol_blocking(&bo, &server.base, &codes[1], Some("bo"))
        .expect("enrol bo");
    let round = || {
        for p in [&anna, &bo, &anna, &bo] {
            sync_until_done(&sync, p);
        }
    };

    // Before the backup.
    let mut k1 = client(team, org, "K-001");
    anna.save_client(&k1).expect("client");
    let va1 = visit("anna", k1.id, "raderas efter kopian");
    let mut va3 = visit("anna", k1.id, "ändras efter kopian");
    anna.save_visit(&va1).expect("visit");
    anna.save_visit(&va3).expect("visit");
    sync_until_done(&sync, &anna);
    sync_until_done(&sync, &bo);
    let vb1 = visit("bo", k1.id, "bos, raderas efter kopian");
    let mut vb2 = visit("bo", k1.id, "bos, ändras efter kopian");
    bo.save_visit(&vb1).expect("visit");
    bo.save_visit(&vb2).expect("visit");
    round();
    backup.take(&url);

    // After the backup, on both phones: creates, edits (visits and both halves of a client,
    // each by another phone) and deletes, one of a record created after the backup.
    let k2 = client(team, org, "K-002");
    anna.save_client(&k2).expect("client");
    let va4 = visit("anna", k2.id, "ny efter kopian");
    anna.save_visit(&va4).expect("visit");
    va3.minutes = 55;
    anna.save_visit(&va3).expect("edit");
    anna.delete_visit(va1.id).expect("delete");
    let va5 = visit("anna", k2.id, "skapas och raderas efter kopian");
    anna.save_visit(&va5).expect("visit");
    sync_until_done(&sync, &anna);
    anna.delete_visit(va5.id).expect("delete");
    k1.name = PersonName::parse("Elsa Björk-Lind").expect("name");
    anna.save_client(&k1).expect("client edit");
    let vb3 = visit("bo", k1.id, "bos nya efter kopian");
    bo.save_visit(&vb3).expect("visit");
    vb2.minutes = 70;
    bo.save_visit(&vb2).expect("edit");
    bo.delete_visit(vb1.id).expect("delete");
    round();
    let mut k1_at_bo = bo.client(k1.id).expect("pulled");
    assert_eq!(k1_at_bo.name, k1.name);
    let next = chrono::NaiveDate::from_ymd_opt(2026, 12, 24).expect("date");
    k1_at_bo.next_contact = Some(next);
    bo.save_client(&k1_at_bo).expect("client edit");
    round();
    for p in [&anna, &bo] {
        assert_eq!(p.status().expect("status").outbox_pending, 0);
    }

    // The disaster: the server dies, its database is replaced by the backup.
    rt.block_on(async {
        server.child.start_kill().expect("kill");
        let _ = server.child.wait().await;
    });
    rt.block_on(backup.restore(&url));
    assert!(
        rt.block_on(server_row(&url, Entity::Visit, va1.id.0))
            .is_some(),
        "the backup still holds a record deleted after it"
    );
    let bind = server
        .base
        .strip_prefix("http://")
        .expect("http base")
        .to_owned();
    drop(server);
    let _restored = rt.block_on(ServeProcess::start_on(&url, &bind));

    // Bo first, so his phone pulls the backup's old versions before anna's re-sends.
    round();
    round();

    let live = [
        (Entity::Client, k1.id.0),
        (Entity::Client, k2.id.0),
        (Entity::Visit, va3.id.0),
        (Entity::Visit, va4.id.0),
        (Entity::Visit, vb2.id.0),
        (Entity::Visit, vb3.id.0),
    ];
    let gone = [va1.id, vb1.id, va5.id];
    rt.block_on(async {
        for (entity, id) in live {
            assert!(
                server_row(&url, entity, id).await.is_some(),
                "{entity:?} {id} is back on the restored server"
            );
        }
        for id in gone {
            assert!(
                server_row(&url, Entity::Visit, id.0).await.is_none(),
                "visit {id}, deleted after the backup, stays deleted"
            );
        }
        let k1_row = server_row(&url, Entity::Client, k1.id.0).await.expect("k1");
        assert_eq!(k1_row["name"], "Elsa Björk-Lind", "anna's edit");
        assert_eq!(k1_row["next_contact"], "2026-12-24", "bo's edit");
        let minutes = |v: Option<serde_json::Value>| v.expect("visit")["minutes"].clone();
        assert_eq!(minutes(server_row(&url, Entity::Visit, va3.id.0).await), 55);
        assert_eq!(minutes(server_row(&url, Entity::Visit, vb2.id.0).await), 70);
    });
    for p in [&anna, &bo] {
        let mut ids: Vec<VisitId> = p
            .visits(&VisitFilter::default())
            .expect("visits")
            .into_iter()
            .map(|v| v.id)
            .collect();
        ids.sort();
        let mut want = vec![va3.id, va4.id, vb2.id, vb3.id];
        want.sort();
        assert_eq!(
            ids, want,
            "the phone holds every live visit and no deleted one"
        );
        assert_eq!(p.visit(va3.id).expect("va3").minutes, 55);
        assert_eq!(p.visit(vb2.id).expect("vb2").minutes, 70);
        let k = p.client(k1.id).expect("k1");
        assert_eq!(
            (k.name.as_str(), k.next_contact),
            ("Elsa Björk-Lind", Some(next))
        );
        assert_eq!(p.status().expect("status").outbox_pending, 0);
    }
}

#[test]
fn restore_keeps_creates_edits_and_deletions_sqlite() {
    restore_keeps_creates_edits_and_deletions(Backend::Sqlite);
}

#[test]
fn restore_keeps_creates_edits_and_deletions_postgres() {
    restore_keeps_creates_edits_and_deletions(Backend::Postgres);
}

/// One access-log entry as compared: time, reader, action, client, record.
type LogEntry = (i64, String, String, Option<uuid::Uuid>, Option<uuid::Uuid>);

/// The whole access log, sorted.
async fn access_log(url: &str) -> Vec<LogEntry> {
    let store = ServerStore::connect(url, PoolSize { max: 1 })
        .await
        .expect("open the server's database");
    let mut rows: Vec<_> = store
        .list_audit(&AuditFilter {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("read the access log")
        .into_iter()
        .map(|r| {
            (
                r.at_ms,
                r.actor_username,
                r.action.to_string(),
                r.client,
                r.record,
            )
        })
        .collect();
    store.close().await;
    rows.sort();
    rows
}

fn admin(url: &str, extra: &[&str], command: &[&str]) -> String {
    let out = std::process::Command::new(uppsok_bin())
        .args(["admin", "--database", url])
        .args(extra)
        .args(command)
        .output()
        .expect("uppsok admin runs");
    assert!(
        out.status.success(),
        "admin {command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A supervisor reads clients through the JSON API before and after a backup; the server is
/// killed and its database restored from the backup, which lacks the later reads; the journal is
/// replayed (on SQLite by `uppsok serve` as it starts, from the default journal beside the
/// database; on PostgreSQL by `uppsok admin restore-journal` from a configured one); the access
/// log then holds every entry exactly once, and replaying again adds nothing.
async fn access_log_survives_a_restore(backend: Backend) {
    if backend == Backend::Postgres
        && uppsok_tests::postgres_env::test_postgres_url()
            .expect("PostgreSQL settings")
            .is_none()
    {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let db = TestDb::new(backend).await;
    let url = db.url.clone();
    let (backup, journal_dir, extra): (Backup, std::path::PathBuf, Vec<String>) = match backend {
        Backend::Sqlite => {
            let file = std::path::PathBuf::from(url.trim_start_matches("sqlite://"));
            let beside = file.parent().expect("folder").join("access-journal");
            (
                Backup::Sqlite {
                    db: file,
                    file: dir.path().join("backup.db"),
                },
                beside,
                Vec::new(),
            )
        }
        Backend::Postgres => {
            let journal = dir.path().join("journal");
            let key = dir.path().join("server.key");
            (
                Backup::Postgres {
                    admin: postgres_admin_url(),
                    name: url
                        .rsplit('/')
                        .next()
                        .and_then(|s| s.split('?').next())
                        .expect("database name")
                        .to_owned(),
                    file: dir.path().join("backup.dump"),
                },
                journal.clone(),
                vec![
                    "--audit-journal".into(),
                    journal.display().to_string(),
                    "--secret-key-file".into(),
                    key.display().to_string(),
                ],
            )
        }
    };
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let (token, own, code, team_a, org_a) = {
        let store = ServerStore::connect(&url, PoolSize { max: 2 })
            .await
            .expect("migrate");
        let world = seed_world(&store).await;
        let sup = &world.supervisors[0][0];
        // The clients of team A in the supervisor's own record space (visible whatever the
        // consent).
        let own: Vec<uuid::Uuid> = world
            .clients
            .iter()
            .filter(|c| c.team == 0 && c.org == 0)
            .map(|c| c.id.0)
            .collect();
        assert_eq!(own.len(), 2);
        let token = session_in(&store, sup.id, 3600 * 1000).await;
        let codes = case_managers(&store, world.orgs[0], &[("anna", world.teams[0])]).await;
        store.close().await;
        (
            token,
            own,
            codes[0].1.clone(),
            world.teams[0],
            world.orgs[0],
        )
    };
    let server = ServeProcess::start_with(&url, "127.0.0.1:0", &extra).await;
    let http = http_client();
    let read = |base: String, id: uuid::Uuid| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let res = http
                .get(format!("{base}/v1/clients/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("request");
            assert_eq!(
                res.status().as_u16(),
                200,
                "the supervisor reads the client"
            );
        }
    };

    // A phone, enrolled before the backup; it first syncs after it.
    let sync = SyncClient::new(SyncConfig::default()).expect("sync client");
    let anna = phone(dir.path(), "anna");
    let (sync, anna) = {
        let base = server.base.clone();
        tokio::task::spawn_blocking(move || {
            sync.enrol_blocking(&anna, &base, &code, Some("anna"))
                .expect("enrol anna");
            (sync, anna)
        })
        .await
        .expect("enrolment")
    };

    read(server.base.clone(), own[0]).await;
    let at_backup = access_log(&url).await;
    match &backup {
        Backup::Sqlite { file, .. } => {
            let out = admin(
                &url,
                &extra,
                &["backup", "--out", &file.display().to_string()],
            );
            assert!(
                out.contains("stay in the journal"),
                "the backup says what a restore keeps: {out}"
            );
        }
        Backup::Postgres { .. } => backup.take(&url),
    }
    // After the backup: four reads, acknowledged (answered) by the server.
    for id in [own[0], own[1], own[1], own[0]] {
        read(server.base.clone(), id).await;
    }
    // Anna's first sync pulls the team's records, logged as reads (on SQLite inside the sync's
    // group commit, on PostgreSQL through the group-commit writer). Then she logs a visit and
    // opens a client's history on a phone whose clock is two hours behind, so the event's time
    // is older than the backup's newest entry; her next sync's push logs the visit's write in
    // the sync's own transaction, and the event.
    let visit = visit("anna", ClientId(own[0]), "efter säkerhetskopian");
    let visit_id = visit.id.0;
    let opened = ClientId(own[1]);
    let (sync, anna) = tokio::task::spawn_blocking(move || {
        sync_until_done(&sync, &anna);
        anna.save_visit(&visit).expect("visit");
        anna.set_clock_offset(chrono::Duration::hours(-2));
        anna.log_access(opened, AccessKind::OpenHistory)
            .expect("log")
            .expect("a first opening is logged");
        anna.set_clock_offset(chrono::Duration::zero());
        sync_until_done(&sync, &anna);
        (sync, anna)
    })
    .await
    .expect("sync");
    // And the supervisor adds a client through the API: its entry commits with the client.
    let added = ClientId::new();
    let res = http
        .put(format!("{}/v1/clients/{}", server.base, added.0))
        .bearer_auth(&token)
        .json(&client_record(
            added,
            team_a,
            org_a,
            "K-901",
            "Ny Klient",
            true,
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 201, "the supervisor adds a client");

    let before = access_log(&url).await;
    let by = |log: &[LogEntry], who: &str, action: &str| {
        log.iter().filter(|e| e.1 == who && e.2 == action).count()
    };
    let pulled = by(&before, "anna", "read");
    assert!(pulled >= 3, "the pull logs what the phone read: {pulled}");
    let visit_written = |log: &[LogEntry]| {
        log.iter()
            .filter(|e| e.1 == "anna" && e.2 == "create" && e.4 == Some(visit_id))
            .count()
    };
    assert_eq!(visit_written(&before), 1, "the push logs the visit");
    assert_eq!(
        by(&before, "anna", "list"),
        1,
        "the phone's event is logged"
    );
    assert_eq!(
        by(&before, "sup-m-a", "create"),
        1,
        "the API write is logged"
    );
    assert_eq!(before.len(), at_backup.len() + 4 + pulled + 3);
    let reads = |log: &[LogEntry]| by(log, "sup-m-a", "read");
    assert_eq!(reads(&before), 5);

    // The disaster: the server dies at once (nothing flushed on the way out), and the
    // database becomes the backup.
    let bind = server
        .base
        .strip_prefix("http://")
        .expect("http base")
        .to_owned();
    let mut server = server;
    server.child.start_kill().expect("kill");
    let _ = server.child.wait().await;
    drop(server);
    backup.restore(&url).await;
    assert_eq!(
        access_log(&url).await,
        at_backup,
        "the restored database lacks the reads after the backup"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in std::fs::read_dir(&journal_dir).expect("the journal exists") {
            let mode = f
                .expect("entry")
                .metadata()
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "journal files are private: {mode:o}");
        }
    }

    let restored = match backend {
        Backend::Sqlite => ServeProcess::start_with(&url, &bind, &extra).await,
        Backend::Postgres => {
            let out = admin(&url, &extra, &["restore-journal"]);
            let want = format!(
                "access-log journal replayed: {} entries put back, 1 already",
                4 + pulled + 3
            );
            assert!(out.starts_with(&want), "{out}");
            ServeProcess::start_with(&url, &bind, &extra).await
        }
    };
    assert_eq!(
        access_log(&url).await,
        before,
        "every entry is back, exactly once"
    );
    let out = admin(&url, &extra, &["restore-journal"]);
    assert!(
        out.starts_with("access-log journal replayed: 0 entries put back"),
        "{out}"
    );
    assert_eq!(
        access_log(&url).await,
        before,
        "replaying again adds nothing"
    );

    // The restored server logs (and journals) on as before.
    read(restored.base.clone(), own[1]).await;
    let after = access_log(&url).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(reads(&after), 6);

    // Anna's phone learns of the restore and sends her visit again, with its original stamp:
    // the visit is back, and its write is not logged a second time (its entry, put back from
    // the journal, has the id the re-sent write would have). Her new pull is logged as new
    // reads.
    let anna = tokio::task::spawn_blocking(move || {
        let report = sync_until_done(&sync, &anna);
        assert!(report.requeued > 0, "the phone heard of the restore");
        anna
    })
    .await
    .expect("sync");
    drop(anna);
    let last = access_log(&url).await;
    assert_eq!(
        visit_written(&last),
        1,
        "the re-sent write is not logged again"
    );
    assert_eq!(by(&last, "anna", "list"), 1);
    assert_eq!(by(&last, "sup-m-a", "create"), 1);
    assert!(by(&last, "anna", "read") > pulled, "the new pull is logged");
    drop(restored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_log_survives_a_restore_sqlite() {
    access_log_survives_a_restore(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_log_survives_a_restore_postgres() {
    access_log_survives_a_restore(Backend::Postgres).await;
}
