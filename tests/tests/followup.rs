//! Documented log follow-up over real HTTP, on SQLite and PostgreSQL: a supervisor draws a sample
//! of a period's access-log entries with a seed — the same seed draws the same sample, another
//! seed another — saves it with findings and action (CSRF and the findings rule checked first,
//! nothing saved on a refusal), finds it in the list and on its own page, and exports every
//! follow-up with its sample as CSV; the sample saved is the one shown. A case manager gets no
//! follow-up page; a supervisor of the other organisation cannot open this one.

mod server_common;

use chrono::Utc;
use server_common::{Backend, TestApp, seed_world};
use uppsok_model::Entity;
use uppsok_server::dashboard::export;
use uppsok_server::store::{AuditAction, AuditEntry, Via};

async fn get(app: &TestApp, path: &str, cookie: &str) -> (u16, String) {
    let r = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
fn form_body(form: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    form.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app
        .http
        .post(app.url(path))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(form))
        .send()
        .await
        .expect("request");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// The audit ids in the first column of the sample table.
fn sample_ids(page: &str) -> Vec<i64> {
    let table = page
        .split("<caption>Stickprovet</caption>")
        .nth(1)
        .expect("the sample table");
    // The page frame labels each cell (`<td data-label="Post">`) for narrow screens.
    table
        .split("<tr><td")
        .skip(1)
        .map(|row| {
            let cell = row.split("</td>").next().unwrap();
            cell.rsplit('>').next().unwrap().parse().expect("an id")
        })
        .collect()
}

async fn followup_over_http(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let world = seed_world(&app.store).await;
    let (m, team_a) = (world.orgs[0], world.teams[0]);
    let reader = &world.case_managers[0][0];
    // Sixty reads of team A's data by its case manager.
    let entries: Vec<AuditEntry> = (0..60)
        .map(|_| AuditEntry {
            actor_staff: reader.id,
            actor_username: reader.username.to_string(),
            actor_org: m,
            device: None,
            via: Via::Api,
            action: AuditAction::Read,
            entity: Some(Entity::Client),
            client: None,
            record: Some(uuid::Uuid::new_v4()),
            team: Some(team_a),
            record_org: Some(m),
            auth: None,
        })
        .collect();
    app.store.append_audit(&entries).await.expect("log");

    let supervisor = &world.supervisors[0][0];
    let (cookie, csrf) = app.cookie_session(supervisor.id).await;
    let today = uppsok_model::fidelity::swedish_date(Utc::now()).to_string();
    let q =
        |seed: u32| format!("/audit/followup/sample?from={today}&to={today}&seed={seed}&size=10");
    let (s, first) = get(&app, &q(7), &cookie).await;
    assert_eq!(s, 200, "{first}");
    let (_, again) = get(&app, &q(7), &cookie).await;
    let (_, other) = get(&app, &q(8), &cookie).await;
    let chosen = sample_ids(&first);
    assert_eq!(chosen.len(), 10);
    assert_eq!(
        chosen,
        sample_ids(&again),
        "same seed and period, same sample"
    );
    assert_ne!(chosen, sample_ids(&other), "another seed, another sample");
    let (s, bad) = get(
        &app,
        "/audit/followup/sample?from=2026-13-01&to=x&seed=1",
        &cookie,
    )
    .await;
    assert_eq!(s, 400);
    assert!(bad.contains("Fältet från"), "{bad}");

    let form = |csrf: &str, findings: &str| {
        vec![
            ("csrf", csrf.to_owned()),
            ("from", today.clone()),
            ("to", today.clone()),
            ("seed", "7".to_owned()),
            ("size", "10".to_owned()),
            ("findings", findings.to_owned()),
            ("action_taken", String::new()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(app, "/audit/followup", &cookie, &pairs).await
        }
    };
    let (s, _) = send(form("wrong", "Inga avvikelser")).await;
    assert_eq!(s, 403, "a form without this session's CSRF token");
    let (s, page) = send(form(&csrf, "   ")).await;
    assert_eq!(s, 400);
    assert!(page.contains("Fältet fynd"), "{page}");
    assert!(
        app.store.followups(m).await.expect("list").is_empty(),
        "nothing saved"
    );

    let (s, shown) = send(form(&csrf, "Alla läsningar hör till teamets klienter.")).await;
    assert_eq!(s, 200, "redirected to the saved follow-up: {shown}");
    assert!(shown.contains("Alla läsningar hör till teamets klienter."));
    assert!(shown.contains("Ingen åtgärd"));
    let saved = app.store.followups(m).await.expect("list");
    assert_eq!(saved.len(), 1);
    let f = &saved[0];
    assert_eq!((f.seed, f.reviewer), (7, supervisor.id));
    assert!(f.population >= 60, "{}", f.population);
    let mut kept: Vec<i64> = app
        .store
        .followup_sample(f.id)
        .await
        .expect("sample")
        .iter()
        .map(|e| e.audit_id)
        .collect();
    kept.sort_unstable();
    let mut shown_ids = chosen.clone();
    shown_ids.sort_unstable();
    assert_eq!(kept, shown_ids, "the saved sample is the one shown");
    assert_eq!(sample_ids(&shown).len(), 10);

    let (s, list) = get(&app, "/audit/followup", &cookie).await;
    assert_eq!(s, 200);
    assert!(
        list.contains(&format!("/audit/followup/{}", f.id)),
        "{list}"
    );
    let (s, csv) = get(&app, "/audit/followups.csv", &cookie).await;
    assert_eq!(s, 200);
    let rows = export::parse(&csv);
    assert_eq!(rows.len(), 11, "a header and one row per sampled entry");
    assert_eq!(rows[0][7], "Fynd");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[5] == "7" && r[8] == "Ingen åtgärd")
    );

    // A case manager has no follow-up page; the other organisation cannot open this one.
    let (cm_cookie, _) = app.cookie_session(reader.id).await;
    let (s, _) = get(&app, "/audit/followup", &cm_cookie).await;
    assert_eq!(s, 403);
    let (r_cookie, _) = app.cookie_session(world.supervisors[1][0].id).await;
    let (s, _) = get(&app, &format!("/audit/followup/{}", f.id), &r_cookie).await;
    assert_eq!(s, 404);
    app.stop().await;
}

backend_tests!(followup_over_http);
