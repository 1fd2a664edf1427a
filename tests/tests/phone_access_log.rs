//! The phone's access log reaches the server's exactly once, over real HTTP
//! on SQLite and PostgreSQL, with a real phone's store and sync client behind the fault proxy:
//! a case manager opens a client with the phone offline (the phone's clock two hours behind the
//! server's), the next sync's reply is lost after the server has logged the opening, the phone
//! sends it again — and the server's access log holds exactly one entry for it, `via` phone,
//! at the phone's time, from that device. An opening stamped a day in the future is logged at
//! the server's time. The phone keeps nothing once the server has answered; the follow-up
//! sample and the access-log page show the entries "Via telefon".

mod phone_support;
mod server_common;

use std::time::Duration;

use chrono::Utc;
use phone_support::{case_managers, phone, sync_until_done};
use server_common::{Backend, TestApp, add_staff, blocking_app};
use uppsok_device::sync::{SyncClient, SyncConfig};
use uppsok_faultproxy::{FaultConfig, FaultProxy};
use uppsok_model::{
    AccessKind, Client, ClientCode, ClientId, Consent, Entity, OrgKind, PersonName, Phase, Rates,
    Role,
};
use uppsok_server::store::{AuditAction, AuditFilter, AuditRow, Via, now_ms};

/// The phone entries of the server's access log about `client`, oldest first.
async fn phone_rows(app: &TestApp, client: ClientId) -> Vec<AuditRow> {
    let mut rows: Vec<AuditRow> = app
        .store
        .list_audit(&AuditFilter {
            client: Some(client),
            ..Default::default()
        })
        .await
        .expect("access log")
        .into_iter()
        .filter(|r| r.via == Via::Phone)
        .collect();
    rows.reverse();
    rows
}

async fn dashboard_get(app: &TestApp, path: &str, staff: uppsok_model::StaffId) -> String {
    let (cookie, _) = app.cookie_session(staff).await;
    let r = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().await.expect("page")
}

fn scenario(backend: Backend) {
    let (rt, app) = blocking_app(backend);
    let proxy = rt
        .block_on(FaultProxy::start(app.addr, FaultConfig::clean()))
        .expect("proxy");
    let (org, team, codes, supervisor) = rt.block_on(async {
        let org = app
            .store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .expect("org");
        let team = app
            .store
            .create_team("ACT Kalix", org.id, "K-###")
            .await
            .expect("team");
        let users = case_managers(&app.store, org.id, &[("anna", team.id)]).await;
        let sara = add_staff(
            &app.store,
            "sara",
            Role::Supervisor,
            org.id,
            &[team.id],
            "ett långt lösenord",
        )
        .await;
        let codes: Vec<String> = users.into_iter().map(|(_, code)| code).collect();
        (org.id, team.id, codes, sara.id)
    });

    let dir = tempfile::tempdir().expect("dir");
    let anna = phone(dir.path(), "anna");
    let client = SyncClient::new(SyncConfig {
        attempts: 1,
        reuse_connections: false,
        ..SyncConfig::default()
    })
    .expect("sync client");
    client
        .enrol_blocking(&anna, &proxy.url(), &codes[0], Some("anna"))
        .expect("enrol through the proxy");
    let k = Client {
        id: ClientId::new(),
        team,
        code: ClientCode::parse("K-017").expect("code"),
        name: PersonName::parse("Maja Vesterlund").expect("name"),
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
    };
    anna.save_client(&k).expect("save client");
    sync_until_done(&client, &anna);
    assert!(rt.block_on(phone_rows(&app, k.id)).is_empty());

    // Offline, on a phone whose clock is two hours behind: Anna opens the client.
    proxy.update(|c| c.refuse = 1.0).expect("offline");
    anna.set_clock_offset(chrono::Duration::hours(-2));
    let opened = anna
        .log_access(k.id, AccessKind::OpenClient)
        .expect("log")
        .expect("a first opening is logged");
    assert!(client.sync_once(&anna).is_err(), "no network, no sync");
    assert_eq!(anna.status().expect("status").access_pending, 1);

    // Back online, but the reply is lost after the server did the work.
    proxy
        .set_config(FaultConfig {
            cut_response: 1.0,
            ..FaultConfig::clean()
        })
        .expect("lossy");
    assert!(client.sync_once(&anna).is_err(), "the reply was cut");
    let rows = rt.block_on(phone_rows(&app, k.id));
    assert_eq!(rows.len(), 1, "logged before the reply was lost");
    assert_eq!(
        anna.status().expect("status").access_pending,
        1,
        "the phone keeps what the server has not confirmed"
    );

    // A clean link: the phone sends the event again; still one entry, and the phone forgets it.
    proxy.set_config(FaultConfig::clean()).expect("clean");
    let report = sync_until_done(&client, &anna);
    assert!(report.complete);
    assert_eq!(anna.status().expect("status").access_pending, 0);
    let rows = rt.block_on(phone_rows(&app, k.id));
    assert_eq!(
        rows.len(),
        1,
        "exactly one entry after a lost reply and a replay"
    );
    let row = &rows[0];
    assert_eq!(row.at_ms, opened.at_ms, "the phone's time of the opening");
    assert!(row.at_ms < now_ms() - 3_600_000);
    assert_eq!(row.action, AuditAction::Read);
    assert_eq!(row.entity.as_deref(), Some(Entity::Client.as_str()));
    assert_eq!(row.actor_username, "anna");
    assert!(row.device.is_some(), "the device that logged it");
    assert_eq!((row.team, row.record_org), (Some(team.0), Some(org.0)));

    // Once more, the same opening sent again by hand (as an old reply lost twice would): the
    // server answers it as logged and adds nothing.
    let token = anna.device_token().expect("token").expect("enrolled");
    let replay = uppsok_model::protocol::SyncRequest {
        cursor: anna.pull_cursor().expect("cursor").unwrap_or(0),
        changes: Vec::new(),
        pull_limit: None,
        app_version: None,
        knows_outcomes: true,
        access_events: vec![opened],
        mileage_terms: None,
    };
    let resp: uppsok_model::protocol::SyncResponse = rt.block_on(async {
        app.http
            .post(app.url("/v1/sync"))
            .bearer_auth(token.as_str())
            .header("uppsok-protocol", "1")
            .json(&replay)
            .send()
            .await
            .expect("replay")
            .json()
            .await
            .expect("reply")
    });
    assert_eq!(resp.access_logged, vec![opened.id]);
    assert_eq!(rt.block_on(phone_rows(&app, k.id)).len(), 1);

    // A phone clock a day ahead: logged, at the server's time instead.
    anna.set_clock_offset(chrono::Duration::days(1));
    let ahead = anna
        .log_access(k.id, AccessKind::OpenHistory)
        .expect("log")
        .expect("logged");
    let before = now_ms();
    sync_until_done(&client, &anna);
    let rows = rt.block_on(phone_rows(&app, k.id));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].action, AuditAction::List);
    assert!(
        rows[1].at_ms >= before && rows[1].at_ms <= now_ms() && rows[1].at_ms < ahead.at_ms,
        "a time in the future is put at the server's"
    );

    // The supervisor's follow-up sample and access-log page show them as the phone's.
    let today = uppsok_model::fidelity::swedish_date(Utc::now());
    let yesterday = today.pred_opt().expect("a day before");
    let sample = rt.block_on(dashboard_get(
        &app,
        &format!("/audit/followup/sample?from={yesterday}&to={today}&seed=7&size=200"),
        supervisor,
    ));
    assert!(sample.contains("Via telefon"), "{sample}");
    let log = rt.block_on(dashboard_get(&app, "/audit?client=K-017", supervisor));
    assert!(log.contains("Via telefon"), "{log}");

    drop(proxy);
    std::thread::sleep(Duration::from_millis(10));
    drop(app);
}

#[test]
fn phone_access_is_logged_once_sqlite() {
    scenario(Backend::Sqlite);
}

#[test]
fn phone_access_is_logged_once_postgres() {
    scenario(Backend::Postgres);
}
