//! Disaster recovery, end to end: a real `uppsok serve` process on SQLite, two real phones (the
//! device store and sync client over HTTP), an online backup with `uppsok admin backup`, more
//! work synced after it, the server killed and its database replaced by the backup, the server
//! started again. Nothing the phones wrote is lost: each phone learns that the server was
//! restored, sends again what it wrote (with its original stamps), and pulls what colleagues
//! wrote after the restore although its cursor was ahead of the restored sequence.

mod phone_support;
mod server_common;

use phone_support::{case_managers, phone, sync_until_done};
use server_common::{ServeProcess, uppsok_bin};
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_device::{Store, VisitFilter};
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ContactKind, Entity, Note, OrgId, OrgKind, PersonName,
    Phase, PlaceName, Rates, Setting, TeamId, Username, Visit, VisitId,
};
use uppsok_server::store::{PoolSize, Store as ServerStore};

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
