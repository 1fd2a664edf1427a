//! The server's JSON API over real HTTP on loopback, every scenario against both backends
//! (SQLite in a temp dir, PostgreSQL in a fresh database): the access matrix, tokens, enrolment,
//! login and its limits, the access log, and a fuzz test of every JSON route.

mod server_common;

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use server_common::*;
use uppsok_model::{ClientId, Entity, Role};
use uppsok_server::auth;
use uppsok_server::store::{DeviceStatus, now_ms};

backend_tests!(
    access_matrix,
    tokens_revoked_expired_or_unknown_get_401,
    enrolment_code_works_once,
    login_with_totp_and_lockout,
    totp_required_is_said_only_after_the_right_password,
    one_totp_code_opens_one_session_under_a_race,
    simultaneous_logins_are_counted_before_hashing,
    metrics_do_not_grow_with_invented_methods,
    address_rate_limit,
    fuzz_json_routes_never_5xx_and_write_nothing,
    ops_endpoints,
    audit_log_follows_reads_and_writes,
    client_writes_stay_in_own_record_space,
    change_password_ends_other_sessions,
    an_initial_password_must_be_changed_first,
    problem_details_never_quote_the_input,
    forwarded_for_believed_only_from_trusted_proxies,
    consent_change_resequences_the_clients_visits,
    query_bounds_are_refused_not_clamped,
);

const LIST_ROUTES: [&str; 9] = [
    "/v1/teams",
    "/v1/staff",
    "/v1/clients",
    "/v1/visits",
    "/v1/outcomes",
    "/v1/trips",
    "/v1/audit",
    "/v1/devices",
    "/v1/me",
];

/// Expected status of a list route per role.
fn expected(role: Role, route: &str) -> u16 {
    match (role, route) {
        (_, "/v1/me") => 200,
        (Role::CaseManager, _) => 403,
        (Role::Admin, "/v1/clients" | "/v1/visits" | "/v1/outcomes" | "/v1/trips") => 403,
        _ => 200,
    }
}

/// Every role × every route × own/other team × same/other organisation × consent: statuses, and
/// every marker string appears in a body exactly when the rules allow it.
async fn access_matrix(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;

    // Without a token every route is 401.
    for route in LIST_ROUTES {
        let (s, body) = app.get(route, None).await;
        assert_eq!(s, 401, "{route} without token");
        assert!(problem_type(&body).ends_with("/unauthenticated"));
    }

    let mut viewers = Vec::new();
    for oi in 0..2 {
        for ti in 0..2 {
            viewers.push((&w.case_managers[oi][ti], oi, Some(ti)));
            viewers.push((&w.supervisors[oi][ti], oi, Some(ti)));
        }
        viewers.push((&w.admins[oi], oi, None));
    }
    let all_markers: Vec<String> = w
        .clients
        .iter()
        .flat_map(|c| std::iter::once(c.marker.clone()).chain(c.visits.iter().map(|v| v.2.clone())))
        .chain(w.trips.iter().map(|t| t.marker.clone()))
        .collect();

    for (staff, oi, ti) in &viewers {
        let token = app.session_for(staff.id).await;
        let mut bodies = String::new();
        for route in LIST_ROUTES {
            let (s, body) = app.get(route, Some(&token)).await;
            assert_eq!(
                s,
                expected(staff.role, route),
                "{} {route}: {body}",
                staff.username
            );
            if s != 200 {
                assert!(problem_type(&body).ends_with("/forbidden"), "{body}");
            }
            bodies.push_str(&body);
        }
        // Explicit team filters: own team 200, other team 403 (supervisors).
        if staff.role == Role::Supervisor {
            let own = w.teams[ti.expect("team")];
            let other = w.teams[1 - ti.expect("team")];
            for route in ["/v1/clients", "/v1/visits", "/v1/trips", "/v1/staff"] {
                let (s, b) = app.get(&format!("{route}?team={own}"), Some(&token)).await;
                assert_eq!(s, 200, "{route} own team");
                bodies.push_str(&b);
                let (s, b) = app
                    .get(&format!("{route}?team={other}"), Some(&token))
                    .await;
                assert_eq!(s, 403, "{route} other team");
                assert!(!b.contains("Namn") && !b.contains("Anteckning") && !b.contains("Resa"));
            }
        }
        // Each client by id: 200 exactly when visible, else 404 (403 for roles without the API).
        for c in &w.clients {
            let (s, b) = app
                .get(&format!("/v1/clients/{}", c.id), Some(&token))
                .await;
            let visible = staff.role == Role::Supervisor
                && Some(c.team) == *ti
                && (c.org == *oi || c.consent);
            let want = match staff.role {
                Role::Supervisor if visible => 200,
                Role::Supervisor => 404,
                _ => 403,
            };
            assert_eq!(s, want, "{} client {}: {b}", staff.username, c.marker);
            bodies.push_str(&b);
        }
        // Visits filtered by client.
        if staff.role == Role::Supervisor {
            for c in &w.clients {
                let (s, b) = app
                    .get(&format!("/v1/visits?client={}", c.id), Some(&token))
                    .await;
                assert_eq!(s, 200);
                bodies.push_str(&b);
            }
        }

        // The markers: what this viewer may see appears, nothing else does.
        for marker in &all_markers {
            let may = match staff.role {
                Role::Supervisor => {
                    let t = ti.expect("team");
                    if let Some(c) = w.clients.iter().find(|c| &c.marker == marker) {
                        c.team == t && (c.org == *oi || c.consent)
                    } else if let Some((c, v)) = w
                        .clients
                        .iter()
                        .find_map(|c| c.visits.iter().find(|v| &v.2 == marker).map(|v| (c, v)))
                    {
                        // A note: only in its own record space (and only where the visit is visible).
                        c.team == t && v.1 == *oi
                    } else {
                        let tr = w
                            .trips
                            .iter()
                            .find(|x| &x.marker == marker)
                            .expect("trip marker");
                        tr.team == t && tr.org == *oi
                    }
                }
                _ => false,
            };
            assert_eq!(
                bodies.contains(marker.as_str()),
                may,
                "{} ({:?}) and marker {marker}",
                staff.username,
                staff.role
            );
        }
    }

    // Visits of the other organisation are listed (with consent) but without their notes.
    let sup = &w.supervisors[1][0];
    let token = app.session_for(sup.id).await;
    let (_, b) = app.get("/v1/visits", Some(&token)).await;
    let v: Value = serde_json::from_str(&b).expect("json");
    let items = v["items"].as_array().expect("items");
    let withheld = items
        .iter()
        .filter(|i| i["note_withheld"] == json!(true))
        .count();
    // Team A, region supervisor: M's consenting client has a visit by M (note withheld),
    // R's clients' visits by M (withheld only for the consenting one; the other invisible).
    assert!(withheld >= 2, "{b}");
    for i in items {
        if i["note_withheld"] == json!(true) {
            assert!(i["record"].get("note").is_none());
        }
    }
    app.stop().await;
}

async fn tokens_revoked_expired_or_unknown_get_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let sup = &w.supervisors[0][0];

    // Never issued.
    for t in ["uss_not-a-token", "udt_not-a-token", "garbage", ""] {
        let (s, _) = app.get("/v1/me", Some(t)).await;
        assert_eq!(s, 401, "session route, token {t:?}");
        let (s, _) = app.get("/v1/devices/me", Some(t)).await;
        assert_eq!(s, 401, "device route, token {t:?}");
    }
    // Expired session.
    let expired = session_in(&app.store, sup.id, -1000).await;
    let (s, b) = app.get("/v1/clients", Some(&expired)).await;
    assert_eq!(s, 401, "{b}");
    // Revoked (logged out) session.
    let token = app.session_for(sup.id).await;
    assert_eq!(app.get("/v1/clients", Some(&token)).await.0, 200);
    assert_eq!(
        app.post("/v1/auth/logout", Some(&token), &json!({}))
            .await
            .0,
        204
    );
    assert_eq!(app.get("/v1/clients", Some(&token)).await.0, 401);
    // A device token is not a session token and vice versa.
    let (dtoken, dhash) = auth::new_token(auth::DEVICE_PREFIX);
    let cm = &w.case_managers[0][0];
    let device = app
        .store
        .insert_device(cm.id, &dhash, DeviceStatus::Active)
        .await
        .expect("device");
    assert_eq!(app.get("/v1/devices/me", Some(&dtoken)).await.0, 200);
    assert_eq!(app.get("/v1/me", Some(&dtoken)).await.0, 401);
    let stoken = app.session_for(cm.id).await;
    assert_eq!(app.get("/v1/devices/me", Some(&stoken)).await.0, 401);
    // Revoked device: 401 device-revoked, wipe false; then wipe: wipe true.
    app.store
        .revoke_device(device, false)
        .await
        .expect("revoke");
    let (s, b) = app.get("/v1/devices/me", Some(&dtoken)).await;
    assert_eq!(s, 401);
    let p: Value = serde_json::from_str(&b).expect("problem");
    assert_eq!(p["type"], "https://uppsok.se/problems/device-revoked");
    assert_eq!(p["wipe"], false);
    // Revoked through the API by an admin, with wipe.
    let admin = app.session_for(w.admins[0].id).await;
    let (s, b) = app
        .post(
            &format!("/v1/devices/{device}/revoke"),
            Some(&admin),
            &json!({"wipe": true}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app.get("/v1/devices/me", Some(&dtoken)).await;
    assert_eq!(s, 401);
    let p: Value = serde_json::from_str(&b).expect("problem");
    assert_eq!(p["wipe"], true);
    // The other organisation's admin may not revoke (nor see) it.
    let other_admin = app.session_for(w.admins[1].id).await;
    let (s, _) = app
        .post(
            &format!("/v1/devices/{device}/revoke"),
            Some(&other_admin),
            &json!({"wipe": false}),
        )
        .await;
    assert_eq!(s, 404);
    // A deactivated user's session and device stop working.
    let (d2, h2) = auth::new_token(auth::DEVICE_PREFIX);
    app.store
        .insert_device(cm.id, &h2, DeviceStatus::Active)
        .await
        .expect("device");
    app.store
        .set_staff_active(cm.id, false)
        .await
        .expect("deactivate");
    assert_eq!(app.get("/v1/devices/me", Some(&d2)).await.0, 401);
    assert_eq!(app.get("/v1/me", Some(&stoken)).await.0, 401);
    app.stop().await;
}

async fn enrolment_code_works_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let cm = &w.case_managers[1][0];
    let (code, hash) = auth::new_enrolment_code();
    app.store
        .create_enrolment_code(cm.id, &hash, 24 * 3600 * 1000)
        .await
        .expect("code");
    let body =
        json!({"code": code.to_lowercase(), "device_name": "Pixel 8", "app_version": "1.0.0"});
    let (s, b) = app.post("/v1/devices/enroll", None, &body).await;
    assert_eq!(s, 201, "{b}");
    let r: Value = serde_json::from_str(&b).expect("json");
    assert_eq!(r["staff"]["username"], cm.username);
    assert_eq!(r["org"]["id"], w.orgs[1].to_string());
    assert_eq!(r["teams"][0]["id"], w.teams[0].to_string());
    let token = r["token"].as_str().expect("token").to_owned();
    let (s, b) = app.get("/v1/devices/me", Some(&token)).await;
    assert_eq!(s, 200, "{b}");
    // Only the hash is stored.
    let device = app
        .store
        .device(r["device_id"].as_str().expect("id").parse().expect("uuid"))
        .await
        .expect("db")
        .expect("row");
    assert_eq!(device.status, DeviceStatus::Active);
    assert!(
        app.store
            .device_by_token_hash(&token)
            .await
            .expect("db")
            .is_none()
    );
    // Second use, in parallel races too: refused.
    let mut handles = Vec::new();
    for _ in 0..4 {
        let http = app.http.clone();
        let url = app.url("/v1/devices/enroll");
        let body = body.clone();
        handles.push(tokio::spawn(async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .expect("req")
                .status()
                .as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.expect("join"), 400);
    }
    // Expired and unknown codes.
    let (code2, hash2) = auth::new_enrolment_code();
    app.store
        .create_enrolment_code(cm.id, &hash2, -1)
        .await
        .expect("code");
    let (s, b) = app
        .post("/v1/devices/enroll", None, &json!({"code": code2}))
        .await;
    assert_eq!(s, 400);
    assert!(problem_type(&b).ends_with("/enrolment-refused"));
    assert_eq!(
        app.post(
            "/v1/devices/enroll",
            None,
            &json!({"code": "AAAA-BBBB-CCCC"})
        )
        .await
        .0,
        400
    );
    assert_eq!(app.store.list_devices(None).await.expect("list").len(), 1);
    app.stop().await;
}

async fn login_with_totp_and_lockout(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    // A case manager logs in with a password alone.
    let cm = &w.case_managers[0][0];
    let (s, b) = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": cm.username, "password": PASSWORD}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let token = serde_json::from_str::<Value>(&b).expect("json")["token"]
        .as_str()
        .expect("t")
        .to_owned();
    assert_eq!(app.get("/v1/me", Some(&token)).await.0, 200);
    // A supervisor needs the code.
    let sup = &w.supervisors[0][0];
    let (s, b) = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": sup.username, "password": PASSWORD}),
        )
        .await;
    assert_eq!(s, 401);
    assert!(problem_type(&b).ends_with("/totp-required"));
    let code = totp_now(&app.store, sup.id, 0).await;
    let login = json!({"username": sup.username, "password": PASSWORD, "totp": code});
    let (s, b) = app.post("/v1/auth/login", None, &login).await;
    assert_eq!(s, 200, "{b}");
    // The same code does not work twice.
    let (s, _) = app.post("/v1/auth/login", None, &login).await;
    assert_eq!(s, 401);
    // Wrong passwords lock the account after 5 failures, and a locked account says so.
    let sup2 = &w.supervisors[1][1];
    let mut last = (0, String::new());
    for _ in 0..5 {
        last = app
            .post("/v1/auth/login", None, &json!({"username": sup2.username, "password": "wrong password!", "totp": "000000"}))
            .await;
    }
    assert_eq!(last.0, 423, "{}", last.1);
    let p: Value = serde_json::from_str(&last.1).expect("json");
    assert_eq!(p["type"], "https://uppsok.se/problems/account-locked");
    assert!(p["locked_until"].is_string());
    let code = totp_now(&app.store, sup2.id, 0).await;
    let (s, _) = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": sup2.username, "password": PASSWORD, "totp": code}),
        )
        .await;
    assert_eq!(s, 423, "the right password does not open a locked account");
    // Unknown users get the same answers as a wrong password: invalid, and after five tries
    // "locked", so the lock does not tell which usernames exist.
    let mut answers = Vec::new();
    for _ in 0..5 {
        let (s, b) = app
            .post(
                "/v1/auth/login",
                None,
                &json!({"username": "nobody", "password": "wrong password!"}),
            )
            .await;
        answers.push((s, problem_type(&b)));
    }
    assert_eq!(answers[0].0, 401);
    assert!(answers[0].1.ends_with("/invalid-credentials"));
    assert_eq!(answers[4].0, 423, "{answers:?}");
    assert!(answers[4].1.ends_with("/account-locked"));
    app.stop().await;
}

async fn totp_required_is_said_only_after_the_right_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let sup = &w.supervisors[0][0];
    // A stranger guessing a supervisor's password learns nothing about the role.
    let (s, b) = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": sup.username, "password": "not the password"}),
        )
        .await;
    assert_eq!(s, 401);
    assert!(problem_type(&b).ends_with("/invalid-credentials"), "{b}");
    // With the right password, the missing code is named, and that costs no account strike.
    let (s, b) = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": sup.username, "password": PASSWORD, "totp": " "}),
        )
        .await;
    assert_eq!(s, 401);
    assert!(problem_type(&b).ends_with("/totp-required"), "{b}");
    let creds = app
        .store
        .credentials(sup.id)
        .await
        .expect("creds")
        .expect("creds");
    assert_eq!(creds.failed_attempts, 1, "only the wrong password counted");
    // The code as the app shows it, with a space in the middle, works.
    let code = totp_now(&app.store, sup.id, 0).await;
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let (s, b) = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": sup.username, "password": PASSWORD, "totp": spaced}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    app.stop().await;
}

async fn one_totp_code_opens_one_session_under_a_race(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let sup = &w.supervisors[0][0];
    let code = totp_now(&app.store, sup.id, 0).await;
    let body = json!({"username": sup.username, "password": PASSWORD, "totp": code});
    let racers = (0..8).map(|_| app.post("/v1/auth/login", None, &body));
    let answers = futures_util::future::join_all(racers).await;
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(ok, 1, "one code, one session: {answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == 200 || *s == 401),
        "{answers:?}"
    );
    app.stop().await;
}

async fn simultaneous_logins_are_counted_before_hashing(backend: Backend) {
    let settings = uppsok_server::state::Settings {
        address_failures: 5,
        // One hash at a time: the 20 requests are all in flight while the first is hashed.
        hash_concurrency: 1,
        ..test_settings()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    let body = json!({"username": "ghost", "password": "guess"});
    let answers =
        futures_util::future::join_all((0..20).map(|_| app.post("/v1/auth/login", None, &body)))
            .await;
    // Five are tried (the fifth "locks" the name, as it would an account), the rest wait.
    let tried = answers
        .iter()
        .filter(|(s, _)| *s == 401 || *s == 423)
        .count();
    let limited = answers.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!((tried, limited), (5, 15), "{answers:?}");
    app.stop().await;
}

async fn metrics_do_not_grow_with_invented_methods(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut rng = StdRng::seed_from_u64(21);
    let mut invented = || {
        let name: String = (0..12)
            .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
            .collect();
        Method::from_bytes(name.as_bytes()).expect("a token")
    };
    let series = |m: &str| m.lines().filter(|l| !l.starts_with('#')).count();
    let first = invented();
    app.http
        .request(first, app.url("/v1/me"))
        .send()
        .await
        .expect("req");
    let before = series(&app.get("/metrics", None).await.1);
    for _ in 0..300 {
        let res = app
            .http
            .request(invented(), app.url("/v1/me"))
            .send()
            .await
            .expect("req");
        assert_eq!(res.status().as_u16(), 405);
    }
    let (_, after) = app.get("/metrics", None).await;
    // Only the /metrics reads themselves may add their own series.
    assert!(
        series(&after) <= before + 16,
        "{} → {}",
        before,
        series(&after)
    );
    assert!(after.contains("method=\"OTHER\""), "{after}");
    app.stop().await;
}

async fn address_rate_limit(backend: Backend) {
    let settings = uppsok_server::state::Settings {
        address_failures: 3,
        ..test_settings()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    for _ in 0..3 {
        let (s, _) = app
            .post(
                "/v1/auth/login",
                None,
                &json!({"username": "ghost", "password": "nope"}),
            )
            .await;
        assert_eq!(s, 401);
    }
    let res = app
        .http
        .post(app.url("/v1/auth/login"))
        .json(&json!({"username": "ghost", "password": "nope"}))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().get("retry-after").is_some());
    // Enrolment guesses count against the same address.
    assert_eq!(
        app.post("/v1/devices/enroll", None, &json!({"code": "AAAA"}))
            .await
            .0,
        429
    );
    app.stop().await;
}

/// Mutations of a valid body: truncated, wrong types, unknown fields, junk bytes, deep nesting.
fn mutate(rng: &mut StdRng, valid: &Value) -> Vec<u8> {
    let text = valid.to_string();
    match rng.random_range(0..9) {
        0 => text.as_bytes()[..rng.random_range(0..text.len())].to_vec(),
        1 => (0..rng.random_range(0..200))
            .map(|_| rng.random::<u8>())
            .collect(),
        2 => {
            let mut v = valid.clone();
            if let Some(o) = v.as_object_mut() {
                o.insert(format!("unknown_{}", rng.random::<u16>()), json!(1));
            }
            v.to_string().into_bytes()
        }
        3 => {
            let mut v = valid.clone();
            if let Some(o) = v.as_object_mut() {
                let keys: Vec<String> = o.keys().cloned().collect();
                if !keys.is_empty() {
                    let k = &keys[rng.random_range(0..keys.len())];
                    let junk = [
                        json!(null),
                        json!(42),
                        json!(-1.5e300),
                        json!([1, 2]),
                        json!({"a": "b"}),
                        json!(true),
                        json!("x"),
                    ];
                    o.insert(k.clone(), junk[rng.random_range(0..junk.len())].clone());
                }
            }
            v.to_string().into_bytes()
        }
        4 => {
            let mut v = valid.clone();
            if let Some(o) = v.as_object_mut() {
                let keys: Vec<String> = o.keys().cloned().collect();
                if !keys.is_empty() {
                    o.remove(&keys[rng.random_range(0..keys.len())]);
                }
            }
            v.to_string().into_bytes()
        }
        5 => format!(
            "{}{}",
            "[".repeat(rng.random_range(100..5000)),
            "]".repeat(rng.random_range(0..10))
        )
        .into_bytes(),
        6 => {
            let mut b = text.into_bytes();
            let i = rng.random_range(0..b.len().max(1));
            if i < b.len() {
                b[i] = rng.random();
            }
            b
        }
        7 => json!([valid, valid]).to_string().into_bytes(),
        _ => {
            let mut v = valid.clone();
            if let Some(o) = v.as_object_mut() {
                let keys: Vec<String> = o.keys().cloned().collect();
                if !keys.is_empty() {
                    o.insert(
                        keys[rng.random_range(0..keys.len())].clone(),
                        json!("\u{0}\u{7}ÅÄÖ".repeat(rng.random_range(1..3000))),
                    );
                }
            }
            v.to_string().into_bytes()
        }
    }
}

/// Whether a mutated body is still a valid request for the route (then it may legitimately
/// write, and is not sent).
fn still_valid(path: &str, body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    if path.ends_with("/revoke") {
        return v
            .as_object()
            .is_some_and(|o| o.len() == 1 && o.get("wipe").is_some_and(Value::is_boolean));
    }
    if path.starts_with("/v1/clients/") {
        return serde_json::from_value::<uppsok_model::Client>(v).is_ok();
    }
    false
}

async fn fuzz_json_routes_never_5xx_and_write_nothing(backend: Backend) {
    let settings = uppsok_server::state::Settings {
        address_failures: 100_000,
        ..test_settings()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    let w = seed_world(&app.store).await;
    let sup = &w.supervisors[0][0];
    let token = app.session_for(sup.id).await;
    let admin = app.session_for(w.admins[0].id).await;
    let (dtoken, dhash) = auth::new_token(auth::DEVICE_PREFIX);
    let device = app
        .store
        .insert_device(w.case_managers[0][0].id, &dhash, DeviceStatus::Active)
        .await
        .expect("device");
    let (code, hash) = auth::new_enrolment_code();
    app.store
        .create_enrolment_code(w.case_managers[0][0].id, &hash, 3_600_000)
        .await
        .expect("code");

    let new_client = ClientId::new();
    let client_body = serde_json::to_value(client_record(
        new_client,
        w.teams[0],
        w.orgs[0],
        "K-900",
        "Fuzzad Person",
        true,
    ))
    .expect("json");
    let routes: Vec<(Method, String, Option<String>, Value)> = vec![
        (
            Method::POST,
            "/v1/auth/login".into(),
            None,
            json!({"username": sup.username, "password": PASSWORD, "totp": "123456"}),
        ),
        (
            Method::POST,
            "/v1/devices/enroll".into(),
            None,
            json!({"code": "AAAA-BBBB-CCCC", "device_name": "x", "app_version": "1"}),
        ),
        (
            Method::POST,
            format!("/v1/devices/{device}/revoke"),
            Some(admin.clone()),
            json!({"wipe": true}),
        ),
        (
            Method::PUT,
            format!("/v1/clients/{new_client}"),
            Some(token.clone()),
            client_body,
        ),
        (
            // The current password is wrong, so no mutation of it can change anything.
            Method::POST,
            "/v1/auth/password".into(),
            Some(admin.clone()),
            json!({"current_password": "not the password", "new_password": "a new long password"}),
        ),
    ];
    let before = (
        app.store
            .count_records(Entity::Client)
            .await
            .expect("count"),
        app.store.count_audit().await.expect("count"),
        app.store.current_seq().await.expect("seq"),
    );
    // A fresh connection per request: the server may close a connection whose body it refused
    // unread, and a pooled reuse of it would fail on the client side.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let mut rng = StdRng::seed_from_u64(0x5eed_0003);
    let mut sent = 0;
    for (method, path, tok, valid) in &routes {
        for i in 0..60 {
            let body = mutate(&mut rng, valid);
            if still_valid(path, &body) {
                continue;
            }
            let len = body.len();
            let mut req = http.request(method.clone(), app.url(path)).body(body);
            req = match i % 5 {
                0 => req.header("content-type", "text/plain"),
                1 => req,
                _ => req.header("content-type", "application/json"),
            };
            if let Some(t) = tok {
                req = req.bearer_auth(t);
            }
            let res = match req.send().await {
                Ok(r) => r,
                // The server may answer 413 and close before reading an oversized body.
                Err(_) if len > 16 * 1024 => continue,
                Err(e) => panic!("{method} {path}: {e}"),
            };
            let s = res.status().as_u16();
            let ct = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let b = res.text().await.unwrap_or_default();
            assert!((400..500).contains(&s), "{method} {path}: {s} {b}");
            assert!(
                ct.starts_with("application/problem+json"),
                "{method} {path}: {s} {ct} {b}"
            );
            sent += 1;
        }
        // Oversized (over the 16 KiB limit of the test server).
        let big = json!({"pad": "x".repeat(64 * 1024)}).to_string();
        let mut req = http
            .request(method.clone(), app.url(path))
            .header("content-type", "application/json")
            .body(big);
        if let Some(t) = tok {
            req = req.bearer_auth(t);
        }
        if let Ok(res) = req.send().await {
            assert_eq!(res.status().as_u16(), 413, "{path} oversized");
        }
        // Query strings with wrong types and unknown keys.
    }
    for q in [
        "/v1/visits?from=yesterday",
        "/v1/visits?team=42",
        "/v1/clients?bogus=1",
        "/v1/audit?limit=abc",
        "/v1/visits?to=%ff%fe",
        "/v1/clients/not-a-uuid",
        "/v1/trips?client=01a20238-47b5-7362-8baf-f034d68a24d7",
    ] {
        let (s, b) = app.get(q, Some(&token)).await;
        assert!((400..500).contains(&s), "{q}: {s} {b}");
    }
    let after = (
        app.store
            .count_records(Entity::Client)
            .await
            .expect("count"),
        app.store.count_audit().await.expect("count"),
        app.store.current_seq().await.expect("seq"),
    );
    assert_eq!(before, after, "a rejected request wrote something");
    // Nothing revoked, the code still unused.
    assert_eq!(app.get("/v1/devices/me", Some(&dtoken)).await.0, 200);
    assert_eq!(
        app.post("/v1/devices/enroll", None, &json!({"code": code}))
            .await
            .0,
        201
    );
    // The valid write does work (so the fuzz was not simply refused for another reason).
    let (s, b) = app
        .send_json(Method::PUT, &routes[3].1, Some(&token), &routes[3].3)
        .await;
    assert_eq!(s, 201, "{b}");
    assert!(sent >= 200);
    app.stop().await;
}

async fn ops_endpoints(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (s, b) = app.get("/healthz", None).await;
    assert_eq!(s, 200, "{b}");
    assert!(b.contains("\"ok\""));
    let (s, b) = app.get("/v1/openapi.json", None).await;
    assert_eq!(s, 200);
    let doc: Value = serde_json::from_str(&b).expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for p in [
        "/v1/auth/login",
        "/v1/devices/enroll",
        "/v1/clients",
        "/v1/visits",
        "/v1/trips",
        "/v1/audit",
        "/v1/teams",
        "/v1/staff",
    ] {
        assert!(doc["paths"].get(p).is_some(), "openapi lacks {p}");
    }
    // Sync is in it with the phone's own answers, and every error everywhere is problem+json.
    let sync = &doc["paths"]["/v1/sync"]["post"];
    for status in ["200", "401", "413", "426"] {
        assert!(
            sync["responses"].get(status).is_some(),
            "sync lacks {status}"
        );
    }
    assert_eq!(sync["security"][0]["device"], json!([]));
    let mut errors = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            for (status, r) in op["responses"].as_object().expect("responses") {
                if status.starts_with('4') || status.starts_with('5') {
                    errors += 1;
                    assert_eq!(
                        r["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(errors > 50, "{errors} error responses documented");
    let clients = &doc["paths"]["/v1/clients"]["get"];
    let limit = clients["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit");
    assert_eq!(limit["schema"]["minimum"], 1, "{limit}");
    assert_eq!(limit["schema"]["maximum"], 1000, "{limit}");
    let (s, b) = app.get("/v1/no/such/route", None).await;
    assert_eq!(s, 404);
    assert!(problem_type(&b).ends_with("/not-found"));
    // Outside the API a missing page is a page a person reads (docs/dashboard.md).
    let (s, b) = app.get("/no/such/route", None).await;
    assert_eq!(s, 404);
    assert!(b.contains("Sidan finns inte (404)"), "{b}");
    let (s, b) = app
        .send_json(Method::DELETE, "/v1/clients", None, &json!({}))
        .await;
    assert_eq!(s, 405);
    let p: Value = serde_json::from_str(&b).expect("problem");
    assert_eq!(p["status"], 405, "the document agrees with the status: {b}");
    assert!(problem_type(&b).ends_with("/method-not-allowed"), "{b}");
    let (_, _) = app.get("/v1/clients?team=x", Some("uss_x")).await;
    let (s, m) = app.get("/metrics", None).await;
    assert_eq!(s, 200);
    assert!(
        m.contains(
            "uppsok_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("route=\"/v1/clients\""), "{m}");
    assert!(m.contains("uppsok_http_request_duration_seconds_bucket"));
    assert!(m.contains("uppsok_db_pool_connections"));
    assert!(!m.contains("team=x"), "no query strings in metrics");
    // Gzip when asked for.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client");
    let res = raw
        .get(app.url("/v1/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("req");
    assert_eq!(
        res.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    app.stop().await;
}

async fn audit_log_follows_reads_and_writes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    // The region's supervisor in team A reads the municipality's consenting client.
    let c = w
        .clients
        .iter()
        .find(|c| c.team == 0 && c.org == 0 && c.consent)
        .expect("client");
    let reader = &w.supervisors[1][0];
    let t = app.session_for(reader.id).await;
    let start = now_ms();
    assert_eq!(
        app.get(&format!("/v1/clients/{}", c.id), Some(&t)).await.0,
        200
    );
    assert_eq!(
        app.get(&format!("/v1/visits?client={}", c.id), Some(&t))
            .await
            .0,
        200
    );
    // The municipality's supervisor of team A follows it up, by client and by staff.
    let follower = app.session_for(w.supervisors[0][0].id).await;
    let (s, b) = app
        .get(&format!("/v1/audit?client={}", c.id), Some(&follower))
        .await;
    assert_eq!(s, 200, "{b}");
    let v: Value = serde_json::from_str(&b).expect("json");
    let items = v["items"].as_array().expect("items");
    let by_reader: Vec<&Value> = items
        .iter()
        .filter(|e| e["actor_username"] == reader.username.as_str())
        .collect();
    assert_eq!(
        by_reader.len(),
        2,
        "the client and the municipality's visit: {b}"
    );
    for e in &by_reader {
        assert_eq!(e["action"], "read");
        assert_eq!(e["actor_org"], w.orgs[1].to_string());
        assert_eq!(e["client"], c.id.to_string());
        assert!(e["at_ms"].as_i64().expect("at") >= start - 1000);
        assert!(
            !e.to_string().contains("Namn") && !e.to_string().contains("Anteckning"),
            "no content in the log"
        );
    }
    let (s, b) = app
        .get(&format!("/v1/audit?staff={}", reader.id), Some(&follower))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&b).expect("json")["items"]
            .as_array()
            .expect("items")
            .len(),
        2
    );
    // Team B's supervisor does not see team A's log; the admins of both organisations do.
    let other = app.session_for(w.supervisors[0][1].id).await;
    let (_, b) = app
        .get(&format!("/v1/audit?client={}", c.id), Some(&other))
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&b).expect("json")["items"]
            .as_array()
            .expect("items")
            .len(),
        0
    );
    // The municipality's side sees reads of its own record space (the client and the visit by
    // the municipality), not the region reading the region's own visit; the region sees all three.
    for (adm, n) in w.admins.iter().zip([2, 3]) {
        let t = app.session_for(adm.id).await;
        let (s, b) = app
            .get(&format!("/v1/audit?client={}", c.id), Some(&t))
            .await;
        assert_eq!(s, 200);
        assert_eq!(
            serde_json::from_str::<Value>(&b).expect("json")["items"]
                .as_array()
                .expect("items")
                .len(),
            n,
            "{b}"
        );
    }
    // Case managers may not read the log.
    let cm = app.session_for(w.case_managers[0][0].id).await;
    assert_eq!(app.get("/v1/audit", Some(&cm)).await.0, 403);
    // Writes are logged too.
    let sup = &w.supervisors[0][0];
    let st = app.session_for(sup.id).await;
    let id = ClientId::new();
    let body = serde_json::to_value(client_record(
        id,
        w.teams[0],
        w.orgs[0],
        "K-500",
        "Ny Klient",
        false,
    ))
    .expect("json");
    assert_eq!(
        app.send_json(Method::PUT, &format!("/v1/clients/{id}"), Some(&st), &body)
            .await
            .0,
        201
    );
    assert_eq!(
        app.send_json(Method::PUT, &format!("/v1/clients/{id}"), Some(&st), &body)
            .await
            .0,
        200
    );
    let (_, b) = app.get(&format!("/v1/audit?client={id}"), Some(&st)).await;
    let v: Value = serde_json::from_str(&b).expect("json");
    let actions: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(actions, ["update", "create"], "{b}");
    app.stop().await;
}

async fn client_writes_stay_in_own_record_space(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let put = |token: String, team: usize, org: usize, id: ClientId, code: &'static str| {
        let body = serde_json::to_value(client_record(
            id,
            w.teams[team],
            w.orgs[org],
            code,
            "Skriv Test",
            true,
        ))
        .expect("json");
        let app = &app;
        async move {
            app.send_json(
                Method::PUT,
                &format!("/v1/clients/{id}"),
                Some(&token),
                &body,
            )
            .await
            .0
        }
    };
    let sup_m_a = app.session_for(w.supervisors[0][0].id).await;
    let k601 = ClientId::new();
    assert_eq!(put(sup_m_a.clone(), 0, 0, k601, "K-601").await, 201);
    // A second client with the code in the team is refused; the same one may keep it.
    assert_eq!(
        put(sup_m_a.clone(), 0, 0, ClientId::new(), "K-601").await,
        422,
        "a code already used in the team"
    );
    assert_eq!(put(sup_m_a.clone(), 0, 0, k601, "K-601").await, 200);
    assert_eq!(
        put(sup_m_a.clone(), 0, 1, ClientId::new(), "K-602").await,
        403,
        "other org's space"
    );
    assert_eq!(
        put(sup_m_a.clone(), 1, 0, ClientId::new(), "K-603").await,
        403,
        "other team"
    );
    // Taking over the region's client in the same team: refused.
    let theirs = w
        .clients
        .iter()
        .find(|c| c.team == 0 && c.org == 1)
        .expect("c")
        .id;
    assert_eq!(put(sup_m_a.clone(), 0, 0, theirs, "K-604").await, 403);
    // Roles without client writes.
    assert_eq!(
        put(
            app.session_for(w.admins[0].id).await,
            0,
            0,
            ClientId::new(),
            "K-605"
        )
        .await,
        403
    );
    assert_eq!(
        put(
            app.session_for(w.case_managers[0][0].id).await,
            0,
            0,
            ClientId::new(),
            "K-606"
        )
        .await,
        403
    );
    // Validation by uppsok-model: the team's code pattern.
    let (s, b) = {
        let id = ClientId::new();
        let body = serde_json::to_value(client_record(
            id, w.teams[0], w.orgs[0], "KX-1", "Fel Kod", true,
        ))
        .expect("json");
        app.send_json(
            Method::PUT,
            &format!("/v1/clients/{id}"),
            Some(&sup_m_a),
            &body,
        )
        .await
    };
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        serde_json::from_str::<Value>(&b).expect("json")["field"],
        "code"
    );
    // Path and body ids must agree.
    let body = serde_json::to_value(client_record(
        ClientId::new(),
        w.teams[0],
        w.orgs[0],
        "K-607",
        "Id Fel",
        true,
    ))
    .expect("json");
    let (s, _) = app
        .send_json(
            Method::PUT,
            &format!("/v1/clients/{}", ClientId::new()),
            Some(&sup_m_a),
            &body,
        )
        .await;
    assert_eq!(s, 422);
    tokio::time::sleep(Duration::from_millis(1)).await;
    app.stop().await;
}

/// A member of staff changes their own password: the current one is required, the new one must
/// be long enough, every other session ends and this one stays, and only the new password logs
/// in afterwards.
async fn change_password_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let cm = &w.case_managers[0][0];
    let this = app.session_for(cm.id).await;
    let other = app.session_for(cm.id).await;
    let someone_else = app.session_for(w.case_managers[1][0].id).await;
    const NEW: &str = "a much better passphrase";

    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    assert_eq!(
        app.post("/v1/auth/password", None, &change(PASSWORD, NEW))
            .await
            .0,
        401,
        "needs a session"
    );
    let (s, b) = app
        .post(
            "/v1/auth/password",
            Some(&this),
            &change("wrong password", NEW),
        )
        .await;
    assert_eq!(s, 401, "{b}");
    assert!(problem_type(&b).ends_with("/invalid-credentials"), "{b}");
    let (s, b) = app
        .post("/v1/auth/password", Some(&this), &change(PASSWORD, "short"))
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, _) = app
        .post(
            "/v1/auth/password",
            Some(&this),
            &change(PASSWORD, PASSWORD),
        )
        .await;
    assert_eq!(s, 422, "the same password again is refused");
    // Nothing changed so far: the other session works, the old password logs in.
    assert_eq!(app.get("/v1/me", Some(&other)).await.0, 200);

    let (s, b) = app
        .post("/v1/auth/password", Some(&this), &change(PASSWORD, NEW))
        .await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(
        app.get("/v1/me", Some(&this)).await.0,
        200,
        "this session stays"
    );
    assert_eq!(
        app.get("/v1/me", Some(&other)).await.0,
        401,
        "other sessions end"
    );
    assert_eq!(
        app.get("/v1/me", Some(&someone_else)).await.0,
        200,
        "other people's sessions are untouched"
    );
    let login = |pw: &str| json!({"username": cm.username, "password": pw});
    assert_eq!(
        app.post("/v1/auth/login", None, &login(PASSWORD)).await.0,
        401
    );
    assert_eq!(app.post("/v1/auth/login", None, &login(NEW)).await.0, 200);
    let creds = app
        .store
        .credentials(cm.id)
        .await
        .expect("credentials")
        .expect("row");
    assert!(creds.password_hash.starts_with("$argon2id$"));
    assert!(!creds.must_change);
    app.stop().await;
}

/// A refused request's problem+json names the field and the rule but never repeats what was
/// sent: a name in a wrongly typed field, an unknown enum value, a bad query or path value.
async fn problem_details_never_quote_the_input(backend: Backend) {
    const MARKER: &str = "Hemlig Namnsson";
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let sup = app.session_for(w.supervisors[0][0].id).await;
    let id = w.clients[0].id;
    let bodies = [
        json!({"name": 42, "code": MARKER}),
        json!({"consent": MARKER}),
        json!({MARKER: 1}),
    ];
    let mut seen = 0;
    for body in &bodies {
        let (s, b) = app
            .send_json(Method::PUT, &format!("/v1/clients/{id}"), Some(&sup), body)
            .await;
        assert!((400..500).contains(&s), "{s} {b}");
        assert!(!b.contains(MARKER), "the detail quotes the input: {b}");
        seen += 1;
    }
    let marker_q = MARKER.replace(' ', "%20");
    for path in [
        format!("/v1/clients?limit={marker_q}"),
        format!("/v1/clients/{marker_q}"),
        format!("/v1/visits?client={marker_q}"),
    ] {
        let (s, b) = app.get(&path, Some(&sup)).await;
        assert!((400..500).contains(&s), "{path}: {s} {b}");
        assert!(!b.contains(MARKER) && !b.contains("Hemlig"), "{path}: {b}");
        seen += 1;
    }
    let (s, b) = app
        .post(
            "/v1/auth/login",
            None,
            &json!({"username": 7, "password": MARKER}),
        )
        .await;
    assert!((400..500).contains(&s), "{s} {b}");
    assert!(!b.contains(MARKER), "{b}");
    assert_eq!(seen, 6);
    app.stop().await;
}

/// An account whose password an admin set (`must_change`) can log in, see who it is and change
/// its password, but every other route answers `password-change-required` until it has; the
/// change clears the flag and the same session then works everywhere.
async fn an_initial_password_must_be_changed_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let sup = &w.supervisors[0][0];
    let hash = auth::hash_password(PASSWORD, auth::PasswordCost::cheap()).expect("hash");
    app.store
        .set_password(sup.id, &hash, true)
        .await
        .expect("reset");
    let token = app.session_for(sup.id).await;
    for route in ["/v1/clients", "/v1/teams", "/v1/audit", "/v1/devices"] {
        let (s, b) = app.get(route, Some(&token)).await;
        assert_eq!(s, 403, "{route}: {b}");
        assert!(
            problem_type(&b).ends_with("/password-change-required"),
            "{route}: {b}"
        );
    }
    assert_eq!(app.get("/v1/me", Some(&token)).await.0, 200);
    let (s, b) = app
        .post(
            "/v1/auth/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "a passphrase of my own"}),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    for route in ["/v1/clients", "/v1/teams", "/v1/audit", "/v1/devices"] {
        assert_eq!(app.get(route, Some(&token)).await.0, 200, "{route}");
    }
    app.stop().await;
}

/// The per-address login limit uses `X-Forwarded-For` only when the peer is a trusted proxy:
/// without `trusted_proxies` a client cannot escape the limit by inventing addresses; with the
/// proxy trusted, each forwarded client has its own count.
async fn forwarded_for_believed_only_from_trusted_proxies(backend: Backend) {
    // A new name each time: five failures on one name would lock it, which is not what is
    // tested here.
    let names = std::sync::atomic::AtomicUsize::new(0);
    let bad_login = || {
        let n = names.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        json!({"username": format!("ghost{n}"), "password": "nope"})
    };
    for trusted in [false, true] {
        let mut settings = uppsok_server::state::Settings {
            address_failures: 3,
            ..test_settings()
        };
        if trusted {
            settings.trusted_proxies =
                auth::TrustedProxies::parse(&["127.0.0.0/8"]).expect("proxies");
        }
        let app = TestApp::spawn_with(backend, settings).await;
        let login_from = |xff: String| {
            let req = app
                .http
                .post(app.url("/v1/auth/login"))
                .header("x-forwarded-for", xff)
                .json(&bad_login());
            async move { req.send().await.expect("request").status().as_u16() }
        };
        // Three failures, each claiming another address.
        for k in 0..3 {
            assert_eq!(login_from(format!("198.51.100.{k}")).await, 401);
        }
        let fourth = login_from("198.51.100.3".into()).await;
        if trusted {
            assert_eq!(fourth, 401, "each forwarded client has its own limit");
            // The same forwarded client is limited once over, whatever it puts in front.
            for _ in 0..3 {
                login_from("203.0.113.9".into()).await;
            }
            assert_eq!(login_from("6.6.6.6, 203.0.113.9".into()).await, 429);
            assert_eq!(login_from("203.0.113.10".into()).await, 401);
        } else {
            assert_eq!(
                fourth, 429,
                "an untrusted header is ignored: one peer, one limit"
            );
        }
        app.stop().await;
    }
}

/// `PUT /v1/clients/{id}` that changes consent moves the client's visits to new sequence
/// numbers (so the other organisation's phones pull them, or their removal, on the next sync);
/// a PUT that leaves consent as it was does not.
async fn consent_change_resequences_the_clients_visits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let c = w
        .clients
        .iter()
        .find(|c| c.consent && c.visits.len() >= 2)
        .expect("a client with consent and visits")
        .clone();
    let sup = app.session_for(w.supervisors[c.org][c.team].id).await;
    let stored = app
        .store
        .record(Entity::Client, c.id.0)
        .await
        .expect("read")
        .expect("client");
    let mut body = stored.body.clone();
    let visit_seqs = || async {
        let mut seqs = Vec::new();
        for (v, _, _) in &c.visits {
            let r = app
                .store
                .record(Entity::Visit, v.0)
                .await
                .expect("read")
                .expect("visit");
            seqs.push(r.seq);
        }
        seqs
    };
    let put = |body: Value| {
        let app = &app;
        let sup = sup.clone();
        async move {
            app.send_json(
                Method::PUT,
                &format!("/v1/clients/{}", c.id),
                Some(&sup),
                &body,
            )
            .await
        }
    };

    // Same consent (a name change): the visits keep their sequence numbers.
    let before = visit_seqs().await;
    body["name"] = json!("Ny Namnsdag");
    let (s, b) = put(body.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(visit_seqs().await, before);

    // Consent withdrawn: every visit moves past everything there was before.
    let high = app.store.current_seq().await.expect("seq");
    body["consent"]["state"] = json!("withdrawn");
    let (s, b) = put(body.clone()).await;
    assert_eq!(s, 200, "{b}");
    let after = visit_seqs().await;
    assert!(after.iter().all(|s| *s > high), "{after:?} after {high}");
    let mut distinct = after.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), after.len(), "one new number per visit");

    // And given again: moved once more.
    let high = app.store.current_seq().await.expect("seq");
    body["consent"]["state"] = json!("given");
    let (s, b) = put(body).await;
    assert_eq!(s, 200, "{b}");
    assert!(visit_seqs().await.iter().all(|s| *s > high));
    app.stop().await;
}

/// Slow-loris: half-sent headers and idle sockets are dropped after the header timeout, and a
/// real request still gets through while the connection cap is full of them.
#[tokio::test]
async fn slow_and_idle_connections_are_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store =
        uppsok_server::store::Store::connect(&url, uppsok_server::store::PoolSize { max: 2 })
            .await
            .expect("store");
    let router =
        uppsok_server::app::app(uppsok_server::state::AppState::new(store, test_settings()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let limits = uppsok_server::serve::Limits {
        header_read: Duration::from_secs(1),
        connections: 8,
        drain: Duration::from_secs(1),
    };
    tokio::spawn(uppsok_server::serve::serve(
        listener,
        router,
        limits,
        std::future::pending(),
    ));

    // Half-sent headers: the server hangs up within the header timeout (plus slack).
    let mut slow = tokio::net::TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(4), slow.read_to_end(&mut buf)).await;
    assert!(ended.is_ok(), "a half-sent request was kept open");
    // A kept-alive connection that goes quiet after a request is closed the same way.
    let mut kept = tokio::net::TcpStream::connect(addr).await.expect("connect");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(4), kept.read_to_end(&mut buf)).await;
    assert!(ended.is_ok(), "an idle kept-alive connection was kept open");
    assert!(
        String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"),
        "the request itself was answered"
    );
    // Idle sockets fill the cap; a real request waits for them to be dropped, then is served.
    let mut idle = Vec::new();
    for _ in 0..std::env::var("IDLE_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8)
    {
        idle.push(tokio::net::TcpStream::connect(addr).await.expect("connect"));
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let started = std::time::Instant::now();
    let res = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(6))
        .send()
        .await
        .expect("served once the idle sockets are dropped");
    assert_eq!(res.status().as_u16(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    for mut s in idle {
        let mut b = [0u8; 1];
        let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut b))
            .await
            .expect("idle socket closed by the server");
        assert!(
            matches!(n, Ok(0) | Err(_)),
            "closed without a response: {n:?}"
        );
    }
}

/// `limit` and unknown query parameters answer what the OpenAPI document says: bounds are
/// refused with 400 `invalid-query` (not clamped), unknown parameters too, and no problem's
/// `detail` copies what was sent.
async fn query_bounds_are_refused_not_clamped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = seed_world(&app.store).await;
    let token = app.session_for(w.supervisors[0][0].id).await;
    for (q, ok) in [
        ("/v1/clients?limit=1", true),
        ("/v1/clients?limit=1000", true),
        ("/v1/visits?limit=1000", true),
        ("/v1/audit?limit=10000", true),
        ("/v1/clients?limit=0", false),
        ("/v1/clients?limit=1001", false),
        ("/v1/visits?limit=-3", false),
        ("/v1/trips?limit=99999999999", false),
        ("/v1/audit?limit=10001", false),
        ("/v1/visits?limt=5", false),
        ("/v1/staff?team=SECRET-MARKER", false),
    ] {
        let (s, b) = app.get(q, Some(&token)).await;
        if ok {
            assert_eq!(s, 200, "{q}: {b}");
        } else {
            assert_eq!(s, 400, "{q}: {b}");
            assert!(problem_type(&b).ends_with("/invalid-query"), "{q}: {b}");
            assert!(
                !b.contains("limt") && !b.contains("SECRET"),
                "{q} echoed: {b}"
            );
        }
    }
    // The bound holds: with `limit=1` one client comes back and the list says it is cut.
    let (_, b) = app.get("/v1/clients?limit=1", Some(&token)).await;
    let v: Value = serde_json::from_str(&b).expect("json");
    assert_eq!(v["items"].as_array().expect("items").len(), 1, "{b}");
    assert_eq!(v["truncated"], true, "{b}");
    // A body of the wrong shape is named by field and rule, not by the value sent.
    let id = ClientId::new();
    let (s, b) = app
        .send_json(
            Method::PUT,
            &format!("/v1/clients/{id}"),
            Some(&token),
            &json!({"id": id, "name": 987_654, "team": "SECRET-MARKER"}),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(problem_type(&b).ends_with("/invalid-body"), "{b}");
    assert!(
        !b.contains("SECRET") && !b.contains("987654"),
        "echoed: {b}"
    );
    // A content encoding the server does not speak is a problem document too.
    let res = app
        .http
        .post(app.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .header("content-encoding", "br")
        .body("{}")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 415);
    let ct = res.headers().get("content-type").cloned();
    assert_eq!(
        ct.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    app.stop().await;
}
