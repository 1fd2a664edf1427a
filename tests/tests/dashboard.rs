//! Dashboard handler tests over the whole router (`oneshot`), on a SQLite database seeded by the
//! demo's own seeding (three weeks of a Kalix-like team): login with TOTP and its CSRF, every
//! page for the right roles, the access rules on each page, CSRF on every POST, the access log,
//! and the exports parsing back.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;
use uppsok_model::mileage::QualityGrade;
use uppsok_model::{ClientId, Entity, Role};

use uppsok_server::app::app;
use uppsok_server::auth;
use uppsok_server::dashboard::{self, export};
use uppsok_server::state::{AppState, Settings};
use uppsok_server::store::{
    AuditAction, AuditEntry, AuditFilter, DeviceStatus, PoolSize, SessionRow, Store, Via, now_ms,
};

struct World {
    _dir: tempfile::TempDir,
    state: AppState,
    logins: Vec<serde_json::Value>,
}

async fn world() -> World {
    world_of(21).await
}

/// A world seeded with `days` of the demo team's work, ending now.
async fn world_of(days: u32) -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::connect(&url, PoolSize::default()).await.unwrap();
    let seeded = uppsok_cli::demo::seed(&store, dir.path(), days, 7)
        .await
        .unwrap();
    let settings = Settings {
        password_cost: auth::PasswordCost::cheap(),
        ..Settings::default()
    };
    World {
        _dir: dir,
        state: AppState::new(store, settings),
        logins: seeded.logins,
    }
}

impl World {
    /// A staff account of the seeded team, by username.
    async fn staff(&self, user: &str) -> uppsok_server::store::StaffRow {
        self.state
            .store
            .staff_by_username(user)
            .await
            .unwrap()
            .unwrap()
    }

    fn secret(&self, user: &str) -> String {
        self.logins
            .iter()
            .find(|l| l["username"] == user)
            .and_then(|l| l["totp_secret"].as_str())
            .unwrap()
            .to_owned()
    }

    /// A dashboard session for `user` without going through the form (the form is tested on
    /// its own); returns the cookie header value and the CSRF token.
    async fn session(&self, user: &str) -> (String, String) {
        let staff = self.staff(user).await;
        let (token, hash) = auth::new_token(auth::SESSION_PREFIX);
        let csrf = format!("csrf-{user}");
        self.state
            .store
            .create_session(&SessionRow {
                token_hash: hash,
                staff: staff.id,
                kind: uppsok_server::store::SessionKind::Cookie,
                csrf: csrf.clone(),
                created_ms: now_ms(),
                expires_ms: now_ms() + 3_600_000,
                revoked: false,
            })
            .await
            .unwrap();
        (format!("{}={token}", dashboard::SESSION_COOKIE), csrf)
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let r = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let body = axum::body::to_bytes(r.into_body(), 10 << 20)
            .await
            .unwrap()
            .to_vec();
        (status, headers, body)
    }

    async fn get(&self, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let (s, h, b) = self.send(req).await;
        (s, h, String::from_utf8_lossy(&b).into_owned())
    }

    async fn post(&self, path: &str, cookie: &str, form: &str) -> (StatusCode, HeaderMap, String) {
        let req = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        let (s, h, b) = self.send(req).await;
        (s, h, String::from_utf8_lossy(&b).into_owned())
    }

    async fn client_id(&self, code: &str) -> ClientId {
        let team = self
            .state
            .store
            .find_team("Kalix stödteam")
            .await
            .unwrap()
            .unwrap();
        uppsok_server::store::dashboard::team_clients(&self.state.store, team.id)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.client.code.as_str() == code)
            .unwrap()
            .client
            .id
    }
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn value_of(set_cookie: &[String], name: &str) -> String {
    set_cookie
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned()
}

/// The month the mileage page shows by default (the one payroll pays): its label and span.
fn last_month() -> (String, dashboard::mileage::Span) {
    let today = uppsok_model::fidelity::swedish_date(chrono::Utc::now());
    let span = dashboard::mileage::Span::month_before(today);
    (span.label(), span)
}

#[tokio::test]
async fn login_with_totp_sets_a_strict_cookie_and_logout_ends_it() {
    let w = world().await;
    let (s, h, body) = w.get("/login", "").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<html lang=\"sv\""));
    assert!(body.contains("<label for=\"totp\">"));
    let login_csrf = value_of(&set_cookies(&h), dashboard::LOGIN_CSRF_COOKIE);
    let cookie = format!("{}={login_csrf}", dashboard::LOGIN_CSRF_COOKIE);
    let code = auth::totp_code(
        &w.secret("chef.kalix"),
        u64::try_from(now_ms() / 1000).unwrap(),
    )
    .unwrap();

    // Without the login form's token, or with a form whose cookie has gone (older than its
    // hour) or been replaced (a second login tab): the form again, with a fresh token and a
    // notice; nothing was tried, no session.
    let form = format!("username=chef.kalix&password=uppsok-demo-2026&totp={code}");
    let (_, h2, _) = w.get("/login", "").await;
    let second_tab = value_of(&set_cookies(&h2), dashboard::LOGIN_CSRF_COOKIE);
    for (cookie, body) in [
        (cookie.clone(), form.clone()),
        (String::new(), format!("csrf={login_csrf}&{form}")),
        (
            format!("{}={second_tab}", dashboard::LOGIN_CSRF_COOKIE),
            format!("csrf={login_csrf}&{form}"),
        ),
    ] {
        let (s, h, page) = w.post("/login", &cookie, &body).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            page.contains("Inloggningsformuläret hade gått ut"),
            "{page}"
        );
        let fresh = value_of(&set_cookies(&h), dashboard::LOGIN_CSRF_COOKIE);
        assert!(page.contains(&fresh), "the form carries the new token");
        assert!(
            !set_cookies(&h)
                .iter()
                .any(|c| c.starts_with(dashboard::SESSION_COOKIE))
        );
    }
    // Wrong code: the form again, 401.
    let (s, _, body) = w
        .post(
            "/login",
            &cookie,
            &format!("csrf={login_csrf}&username=chef.kalix&password=uppsok-demo-2026&totp=000000"),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Fel användarnamn"));
    // Right: a session cookie, HttpOnly and SameSite, no Secure on plain HTTP.
    let (s, h, _) = w
        .post("/login", &cookie, &format!("csrf={login_csrf}&{form}"))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let sc = set_cookies(&h);
    let session = sc
        .iter()
        .find(|c| c.starts_with(dashboard::SESSION_COOKIE))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert!(!session.contains("Secure"));
    let token = value_of(&sc, dashboard::SESSION_COOKIE);
    let cookie = format!("{}={token}", dashboard::SESSION_COOKIE);
    let (s, _, body) = w.get("/overview", &cookie).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // The same code a second time is refused (one use per step).
    let (s, _, _) = w
        .post(
            "/login",
            &format!("{}={login_csrf}", dashboard::LOGIN_CSRF_COOKIE),
            &format!("csrf={login_csrf}&{form}"),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Logout needs the session's CSRF token, then the cookie no longer works.
    let (s, _, _) = w.post("/logout", &cookie, "").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let session_row = w
        .state
        .store
        .session(&auth::hash_secret(&token))
        .await
        .unwrap()
        .unwrap();
    let (s, _, _) = w
        .post("/logout", &cookie, &format!("csrf={}", session_row.csrf))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, h, _) = w.get("/overview", &cookie).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/login");

    // Behind TLS the cookie is Secure.
    let req = Request::get("/login")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = w.send(req).await;
    assert!(set_cookies(&h).iter().all(|c| c.contains("; Secure")));
}

#[tokio::test]
async fn a_case_manager_on_the_dashboard_is_told_to_use_the_app_without_a_strike() {
    let w = world().await;
    let (_, h, _) = w.get("/login", "").await;
    let login_csrf = value_of(&set_cookies(&h), dashboard::LOGIN_CSRF_COOKIE);
    let cookie = format!("{}={login_csrf}", dashboard::LOGIN_CSRF_COOKIE);
    let form = format!("csrf={login_csrf}&username=anna.lind&password=uppsok-demo-2026");
    let (s, h, body) = w.post("/login", &cookie, &form).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("Uppsök-appen"), "{body}");
    assert!(
        !set_cookies(&h)
            .iter()
            .any(|c| c.starts_with(dashboard::SESSION_COOKIE)),
        "no session"
    );
    let anna = w.staff("anna.lind").await;
    let creds = w.state.store.credentials(anna.id).await.unwrap().unwrap();
    assert_eq!(
        creds.failed_attempts, 0,
        "a right password is not a failed login"
    );
    // A wrong password for the same account is the ordinary failure.
    let form = format!("csrf={login_csrf}&username=anna.lind&password=wrong-password-1");
    let (s, _, body) = w.post("/login", &cookie, &form).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body.contains("Fel användarnamn"));
}

/// A password an admin set sends its owner to the password page from every page until they
/// have chosen their own; the form needs the CSRF token, the current password and the same new
/// password twice, and says in Swedish what is wrong; afterwards the pages open.
#[tokio::test]
async fn an_initial_password_is_changed_before_any_page_opens() {
    let w = world().await;
    let chef = w.staff("chef.kalix").await;
    let hash = auth::hash_password("uppsok-demo-2026", auth::PasswordCost::cheap()).unwrap();
    w.state
        .store
        .set_password(chef.id, &hash, true)
        .await
        .unwrap();
    let (cookie, csrf) = w.session("chef.kalix").await;
    for page in ["/", "/overview", "/mileage", "/audit", "/devices"] {
        let (s, h, _) = w.get(page, &cookie).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(h[header::LOCATION], "/password", "{page}");
    }
    let (s, _, body) = w.get("/password", &cookie).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Välj ett eget"), "{body}");

    let form = |current: &str, new: &str, repeat: &str| {
        format!("csrf={csrf}&current={current}&new={new}&repeat={repeat}")
    };
    let (s, _, _) = w
        .post(
            "/password",
            &cookie,
            "current=uppsok-demo-2026&new=ett-eget-losenord&repeat=ett-eget-losenord",
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no CSRF token");
    let (s, _, body) = w
        .post(
            "/password",
            &cookie,
            &form("fel-losenord-1", "ett-eget-losenord", "ett-eget-losenord"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("nuvarande lösenordet stämmer inte"), "{body}");
    let (s, _, body) = w
        .post(
            "/password",
            &cookie,
            &form(
                "uppsok-demo-2026",
                "ett-eget-losenord",
                "ett-annat-losenord",
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("inte lika"), "{body}");
    let (s, _, body) = w
        .post(
            "/password",
            &cookie,
            &form("uppsok-demo-2026", "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("minst 6 olika"), "{body}");
    assert!(
        w.state
            .store
            .credentials(chef.id)
            .await
            .unwrap()
            .unwrap()
            .must_change,
        "nothing changed yet"
    );

    let (s, h, _) = w
        .post(
            "/password",
            &cookie,
            &form("uppsok-demo-2026", "ett-eget-losenord", "ett-eget-losenord"),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/password?changed=1");
    let (_, _, body) = w.get("/password?changed=1", &cookie).await;
    assert!(body.contains("Lösenordet är bytt"), "{body}");
    let (s, _, _) = w.get("/overview", &cookie).await;
    assert_eq!(s, StatusCode::OK);
    let creds = w.state.store.credentials(chef.id).await.unwrap().unwrap();
    assert!(!creds.must_change);
    assert!(auth::verify_password(
        &creds.password_hash,
        "ett-eget-losenord"
    ));
}

#[tokio::test]
async fn pages_render_for_supervisors_and_log_client_reads() {
    let w = world().await;
    let (cookie, _) = w.session("chef.kalix").await;
    for path in [
        "/overview",
        "/fidelity",
        "/mileage",
        "/devices",
        "/audit",
        "/overview?days=3",
        "/fidelity?from=2026-01-01&to=2026-03-31",
    ] {
        let (s, h, body) = w.get(path, &cookie).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert!(
            body.starts_with("<!DOCTYPE html><html lang=\"sv\""),
            "{path}"
        );
        assert!(!body.contains("<script"), "{path}: no scripts");
    }
    let (_, _, overview) = w.get("/overview", &cookie).await;
    // The two overdue clients of the demo, apart by whether anyone tried.
    let untried = overview.find("Ingen har försökt").unwrap();
    let failed = overview.find("Misslyckade försök – uppsökande").unwrap();
    let k13 = overview.find("data-code=\"K-013\"").unwrap();
    let k07 = overview.find("data-code=\"K-007\"").unwrap();
    assert!(untried < k13 && k13 < failed && failed < k07);
    assert!(overview.contains("<svg role=\"img\" aria-label=\"Kontakter per vecka"));

    let (_, _, fidelity) = w.get("/fidelity", &cookie).await;
    for id in [
        "caseload",
        "contact_frequency",
        "contact_hours",
        "in_community",
        "team_approach",
        "network_contacts",
    ] {
        assert!(fidelity.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(fidelity.contains("DACTS H1") && fidelity.contains("class=\"rating r"));
    for id in [
        "retention",
        "intake_rate",
        "time_unlimited",
        "staff_continuity",
        "after_hours",
        "by_stage",
        "closures",
    ] {
        assert!(fidelity.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(fidelity.contains("DACTS S4 · TMACT: Insatsernas intensitet"));
    assert!(fidelity.contains("Case management enligt ACT – inte fullt ACT"));

    // English on request, remembered in a cookie.
    let (_, h, en) = w.get("/overview?lang=en", &cookie).await;
    assert!(en.starts_with("<!DOCTYPE html><html lang=\"en\""));
    assert!(en.contains("Not reached in"));
    assert!(
        set_cookies(&h)
            .iter()
            .any(|c| c.starts_with("uppsok_lang=en"))
    );

    // A client page is logged as a read of that client through the dashboard.
    let k1 = w.client_id("K-001").await;
    let (s, _, page) = w.get(&format!("/client/{k1}"), &cookie).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Tidslinje") && page.contains("Fas och samtycke"));
    let log = w
        .state
        .store
        .list_audit(&AuditFilter {
            client: Some(k1),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.via.as_str() == "dashboard"
        && e.action.as_str() == "read"
        && e.actor_username == "chef.kalix"));
    assert!(
        log.iter()
            .any(|e| e.via.as_str() == "dashboard" && e.action.as_str() == "list"),
        "the overview logged its list"
    );
}

#[tokio::test]
async fn the_other_organisation_without_consent_sees_nothing_of_the_client() {
    let w = world().await;
    // K-009 belongs to Kalix kommun and has no consent to share; K-004 to the region, likewise.
    let k9 = w.client_id("K-009").await;
    let k4 = w.client_id("K-004").await;
    let (region, _) = w.session("chef.region").await;
    let (kommun, _) = w.session("chef.kalix").await;
    let (_, _, o) = w.get("/overview", &region).await;
    assert!(!o.contains("K-009") && o.contains("K-004"));
    let (s, _, _) = w.get(&format!("/client/{k9}"), &region).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, _, o) = w.get("/overview", &kommun).await;
    assert!(o.contains("K-009") && !o.contains("K-004"));
    let (s, _, _) = w.get(&format!("/client/{k4}"), &kommun).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // With consent, the region sees the kommun's client but never its notes.
    let k1 = w.client_id("K-001").await;
    let (s, _, page) = w.get(&format!("/client/{k1}"), &region).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Anteckningen finns hos den andra organisationen"));
    // The audit page does not name clients the viewer may not see.
    let (_, _, audit) = w.get("/audit?flagged=1", &region).await;
    assert!(!audit.contains("K-009"));
}

#[tokio::test]
async fn admins_and_case_managers_see_no_client_pages() {
    let w = world().await;
    let (admin, _) = w.session("it.kalix").await;
    for path in ["/overview", "/fidelity", "/mileage"] {
        let (s, _, _) = w.get(path, &admin).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
    }
    let (s, _, body) = w.get("/devices", &admin).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Telefon anna.lind"));
    let (cm, _) = w.session("anna.lind").await;
    let (s, _, _) = w.get("/devices", &cm).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, h, _) = w.get("/overview", "").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/login");
    // A bearer session of the JSON API is not a dashboard session.
    let staff = w.staff("chef.kalix").await;
    assert_eq!(staff.role, Role::Supervisor);
}

#[tokio::test]
async fn device_revoke_and_wipe_need_csrf_and_a_confirmation() {
    let w = world().await;
    let (cookie, csrf) = w.session("chef.kalix").await;
    let anna = w.staff("anna.lind").await;
    let device = w.state.store.list_devices(Some(&[anna.id])).await.unwrap()[0].id;
    let status = || async { w.state.store.device(device).await.unwrap().unwrap().status };
    let path = format!("/devices/{device}/revoke");
    // The confirmation page names the user and the phone, and changes nothing.
    let (s, _, page) = w.get(&path, &cookie).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("Anna Lind") && page.contains("anna.lind"),
        "{page}"
    );
    assert!(page.contains("name=\"confirm\""), "{page}");
    assert_eq!(status().await, DeviceStatus::Active);
    // CSRF first.
    let (s, _, _) = w.post(&path, &cookie, "confirm=yes").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = w.post(&path, &cookie, "csrf=wrong&confirm=yes").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(status().await, DeviceStatus::Active);
    // Without the ticked box: back to the list with a notice, nothing revoked.
    let (s, h, _) = w.post(&path, &cookie, &format!("csrf={csrf}")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/devices?notice=not-confirmed");
    assert_eq!(status().await, DeviceStatus::Active);
    let (_, _, list) = w.get("/devices?notice=not-confirmed", &cookie).await;
    assert!(list.contains("kryssa i rutan"), "{list}");
    let (s, h, _) = w
        .post(&path, &cookie, &format!("csrf={csrf}&confirm=yes"))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/devices?notice=revoked");
    assert_eq!(status().await, DeviceStatus::Revoked);

    // A wipe, withdrawn before the phone heard of it: the phone stays revoked.
    let wipe = format!("/devices/{device}/wipe");
    let (s, _, page) = w.get(&wipe, &cookie).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("går förlorat för gott"), "{page}");
    let (_, h, _) = w
        .post(&wipe, &cookie, &format!("csrf={csrf}&confirm=yes"))
        .await;
    assert_eq!(h[header::LOCATION], "/devices?notice=wipe-ordered");
    assert_eq!(status().await, DeviceStatus::Wipe);
    let withdraw = format!("/devices/{device}/withdraw-wipe");
    let (_, h, _) = w.post(&withdraw, &cookie, &format!("csrf={csrf}")).await;
    assert_eq!(h[header::LOCATION], "/devices?notice=wipe-withdrawn");
    assert_eq!(status().await, DeviceStatus::Revoked);

    // The region supervisor may not manage a kommun phone, nor see its confirmation page.
    let (region, rcsrf) = w.session("chef.region").await;
    let (s, _, _) = w
        .post(&path, &region, &format!("csrf={rcsrf}&confirm=yes"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = w.get(&wipe, &region).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wipe_the_phone_has_received_cannot_be_withdrawn() {
    let w = world().await;
    let (cookie, csrf) = w.session("chef.kalix").await;
    let anna = w.staff("anna.lind").await;
    let (token, hash) = auth::new_token(auth::DEVICE_PREFIX);
    let device = w
        .state
        .store
        .insert_device(anna.id, &hash, DeviceStatus::Active)
        .await
        .unwrap();
    let (_, h, _) = w
        .post(
            &format!("/devices/{device}/wipe"),
            &cookie,
            &format!("csrf={csrf}&confirm=yes"),
        )
        .await;
    assert_eq!(h[header::LOCATION], "/devices?notice=wipe-ordered");
    // The phone calls in and is told to wipe itself.
    let req = Request::post("/v1/sync")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("uppsok-protocol", "1")
        .body(Body::from(r#"{"cursor":0,"changes":[]}"#))
        .unwrap();
    let (s, _, body) = w.send(req).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["wipe"], true, "{problem}");
    let row = w.state.store.device(device).await.unwrap().unwrap();
    assert!(row.wipe_sent_ms.is_some());
    // Too late now.
    let (_, h, _) = w
        .post(
            &format!("/devices/{device}/withdraw-wipe"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(h[header::LOCATION], "/devices?notice=wipe-already-done");
    assert_eq!(
        w.state.store.device(device).await.unwrap().unwrap().status,
        DeviceStatus::Wipe
    );
    let (_, _, list) = w.get("/devices", &cookie).await;
    assert!(list.contains("Raderingsordern skickad"), "{list}");
}

/// The approve form's hidden fields for `driver` on a mileage page: version, trips, amount.
fn approve_form(page: &str, driver: &str) -> Option<(i64, i64, i64)> {
    let at = page.find(&format!("name=\"driver\" value=\"{driver}\""))?;
    let rest = &page[at..];
    let field = |name: &str| -> Option<i64> {
        let key = format!("name=\"{name}\" value=\"");
        let from = rest.find(&key)? + key.len();
        rest[from..].split('"').next()?.parse().ok()
    };
    Some((field("version")?, field("trips")?, field("amount")?))
}

/// The payroll file's row for `driver`.
fn payroll_row(csv: &str, driver: &str) -> Vec<String> {
    let rows = export::parse(csv);
    assert_eq!(rows[0][0], "Användarnamn");
    assert_eq!(rows[0][8], "Attest");
    rows.into_iter().find(|r| r[0] == driver).unwrap()
}

/// Öre from a Swedish amount as the CSV writes it ("1234,50").
fn ore(kronor: &str) -> i64 {
    let (kr, ore) = kronor.split_once(',').unwrap();
    kr.parse::<i64>().unwrap() * 100 + ore.parse::<i64>().unwrap()
}

#[tokio::test]
async fn mileage_approval_re_approval_and_exports_agree() {
    // Long enough that last month surely has trips, whatever today's date.
    let w = world_of(40).await;
    let (cookie, csrf) = w.session("chef.kalix").await;
    let today = uppsok_model::fidelity::swedish_date(chrono::Utc::now());
    let month = dashboard::mileage::Span::month_before(today).label();
    let this_month = today.format("%Y-%m").to_string();
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let supervisor = w.staff("chef.kalix").await;

    // The page opens on last month, the one payroll pays.
    let (_, _, page) = w.get("/mileage", &cookie).await;
    assert!(page.contains(&format!("value=\"{month}\"")), "{page}");
    assert!(page.contains("Anna Lind"), "{page}");
    assert!(
        !page.contains("Maria Berg"),
        "trips never cross organisations"
    );

    // This month is not over: no form, and a forged approval is refused.
    let (_, _, now_page) = w
        .get(&format!("/mileage?month={this_month}"), &cookie)
        .await;
    if now_page.contains("Anna Lind") {
        assert!(approve_form(&now_page, "anna.lind").is_none());
        assert!(now_page.contains("kan attesteras från"), "{now_page}");
    }
    let forged = format!(
        "csrf={csrf}&team={}&month={this_month}&driver=anna.lind&version=1&trips=1&amount=1",
        team.id
    );
    let (_, h, _) = w.post("/mileage/approve", &cookie, &forged).await;
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=month-not-over")
    );

    let (version, trips, amount) = approve_form(&page, "anna.lind").expect("an approve form");
    assert_eq!(version, 1);
    let form = |v: i64, t: i64, a: i64| {
        format!(
            "team={}&month={month}&driver=anna.lind&version={v}&trips={t}&amount={a}",
            team.id
        )
    };
    // CSRF, then figures that are not the ones on the page.
    let (s, _, _) = w
        .post("/mileage/approve", &cookie, &form(1, trips, amount))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, h, _) = w
        .post(
            "/mileage/approve",
            &cookie,
            &format!("csrf={csrf}&{}", form(1, trips, amount + 1)),
        )
        .await;
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=figures-changed")
    );
    let (_, _, csv) = w
        .get(&format!("/mileage/payroll.csv?month={month}"), &cookie)
        .await;
    assert_eq!(payroll_row(&csv, "anna.lind")[8], "ej attesterad");

    // Approved as shown; pressing again stores nothing twice.
    let approve = format!("csrf={csrf}&{}", form(1, trips, amount));
    let (_, h, _) = w.post("/mileage/approve", &cookie, &approve).await;
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=approved")
    );
    let (_, h, _) = w.post("/mileage/approve", &cookie, &approve).await;
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=already-approved")
    );
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(
        page.contains(&format!("Attesterad av {}", supervisor.name)),
        "{page}"
    );
    let (_, _, csv) = w
        .get(&format!("/mileage/payroll.csv?month={month}"), &cookie)
        .await;
    let row = payroll_row(&csv, "anna.lind");
    assert_eq!(row[8], "attesterad");
    assert_eq!(ore(&row[5]), amount);
    assert_eq!(ore(&row[9]), amount);
    assert_eq!(row[10], supervisor.name);
    assert_eq!(ore(&row[5]), ore(&row[6]) + ore(&row[7]));
    // One rounding rule: the km column has one decimal, as the körjournal writes it.
    assert!(
        row[4].split(',').nth(1).is_some_and(|d| d.len() == 1),
        "{}",
        row[4]
    );

    // A trip of that month syncs late: the page and the file flag it; the approved figure stays.
    let anna = w.staff("anna.lind").await;
    let (token, hash) = auth::new_token(auth::DEVICE_PREFIX);
    w.state
        .store
        .insert_device(anna.id, &hash, DeviceStatus::Active)
        .await
        .unwrap();
    let span = dashboard::mileage::Span::parse(&month).unwrap();
    let start = span.first.and_hms_opt(9, 0, 0).unwrap().and_utc();
    let body = serde_json::to_vec(&uppsok_tests::late_trip::sync_request(
        "anna.lind",
        start,
        40,
        31.26,
        77,
    ))
    .unwrap();
    let req = Request::post("/v1/sync")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("uppsok-protocol", "1")
        .body(Body::from(body))
        .unwrap();
    let (s, _, b) = w.send(req).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));

    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(page.contains("Ändrad efter attest"), "{page}");
    let (version2, trips2, amount2) = approve_form(&page, "anna.lind").expect("approve again");
    assert_eq!((version2, trips2), (2, trips + 1));
    // 31.26 km is paid as 31.3 km at the kommun's rate.
    let rate = w
        .state
        .store
        .org(anna.org)
        .await
        .unwrap()
        .unwrap()
        .rates
        .own_car_ore_per_km;
    assert_eq!(amount2 - amount, (313 * rate + 5) / 10);
    let (_, _, csv) = w
        .get(&format!("/mileage/payroll.csv?month={month}"), &cookie)
        .await;
    let row = payroll_row(&csv, "anna.lind");
    assert_eq!(row[8], "ändrad efter attest – ej attesterad");
    assert_eq!(ore(&row[5]), amount2);
    assert_eq!(ore(&row[9]), amount, "the figure approved is kept");

    let q = format!("team={}&month={month}&driver=anna.lind", team.id);
    let pdf_text = |pdf: &[u8]| uppsok_tests::pdf::pdf_text(pdf);
    let (_, _, pdf) = w
        .send(
            Request::get(format!("/mileage/korjournal?{q}&format=pdf"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = pdf_text(&pdf);
    assert!(text.contains("ändrad efter attest"), "{text}");

    // Approved again: version 2, and every document says the same amount to the öre.
    let (_, h, _) = w
        .post(
            "/mileage/approve",
            &cookie,
            &format!("csrf={csrf}&{}", form(version2, trips2, amount2)),
        )
        .await;
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=approved")
    );
    let (_, _, csv) = w
        .get(&format!("/mileage/payroll.csv?month={month}"), &cookie)
        .await;
    let row = payroll_row(&csv, "anna.lind");
    assert_eq!(row[8], "attesterad");
    assert_eq!((ore(&row[5]), ore(&row[9])), (amount2, amount2));
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(!page.contains("Ändrad efter attest"));
    let kronor_sv = |ore: i64| format!("{},{:02}", ore / 100, ore % 100);
    let shown = kronor_sv(amount2);
    let grouped = |s: &str| s.replace(['\u{a0}', ' '], "");
    assert!(
        grouped(&page).contains(&format!("{shown}kr")),
        "page shows {shown}"
    );

    let (s, _, kj) = w
        .get(&format!("/mileage/korjournal?{q}&format=csv"), &cookie)
        .await;
    assert_eq!(s, StatusCode::OK);
    let rows = uppsok_model::mileage::korjournal::parse_csv(&kj).expect("the körjournal parses");
    assert_eq!(rows.len() as i64, trips2);
    assert!(rows.iter().all(|r| r.driver == "anna.lind"));
    let (_, _, pdf) = w
        .send(
            Request::get(format!("/mileage/korjournal?{q}&format=pdf"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = pdf_text(&pdf);
    assert!(
        grouped(&text).contains(&format!("{shown}kr")),
        "the PDF's total is the page's {shown}: {text}"
    );
    assert!(
        text.contains(&format!("Attesterad av {}", supervisor.name))
            && !text.contains("ändrad efter attest"),
        "{text}"
    );

    let (s, _, _) = w
        .get(&format!("/mileage/korjournal?{q}&format=xlsx"), &cookie)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // A new rate never re-prices an approved month: one from inside it is refused, one from
    // the next month is taken and leaves the approved month as approved.
    let new_rates = uppsok_model::Rates {
        own_car_ore_per_km: rate + 20,
        service_car_ore_per_km: 0,
        ..uppsok_model::Rates::default()
    };
    let refused = w
        .state
        .store
        .set_org_rates(anna.org, new_rates, span.last)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("already approved"),
        "{refused}"
    );
    let next_month = span.last.succ_opt().unwrap();
    w.state
        .store
        .set_org_rates(anna.org, new_rates, next_month)
        .await
        .unwrap();
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(!page.contains("Ändrad efter attest"), "{page}");
    let schedule = w.state.store.rate_schedule(anna.org).await.unwrap();
    assert_eq!(schedule.at(span.last).own_car_ore_per_km, rate);
    assert_eq!(schedule.at(next_month).own_car_ore_per_km, rate + 20);
}

/// A phone of `user`'s that can sync: its bearer token.
async fn phone_of(w: &World, user: &str) -> String {
    let staff = w.staff(user).await;
    let (token, hash) = auth::new_token(auth::DEVICE_PREFIX);
    w.state
        .store
        .insert_device(staff.id, &hash, DeviceStatus::Active)
        .await
        .unwrap();
    token
}

async fn sync_trip(w: &World, token: &str, trip: &uppsok_model::Trip) {
    let body = serde_json::to_vec(&uppsok_tests::late_trip::request(trip, 78)).unwrap();
    let req = Request::post("/v1/sync")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("uppsok-protocol", "1")
        .body(Body::from(body))
        .unwrap();
    let (s, _, b) = w.send(req).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
}

#[tokio::test]
async fn the_payroll_korjournal_says_klientbesok_and_the_log_names_copy_and_clients() {
    let w = world_of(40).await;
    let (cookie, _) = w.session("chef.kalix").await;
    let (month, _) = last_month();
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let q = format!("team={}&month={month}&driver=anna.lind", team.id);
    let since = now_ms();

    // The page offers the choice, payroll's copy first and chosen; its links say which.
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(
        page.contains("<option value=\"payroll\" selected>"),
        "{page}"
    );
    assert!(page.contains("copy=payroll&amp;format=csv"), "{page}");
    let (_, _, team_page) = w
        .get(&format!("/mileage?month={month}&copy=team"), &cookie)
        .await;
    assert!(team_page.contains("<option value=\"team\" selected>"));
    assert!(team_page.contains("copy=team"));

    // Without a choice: payroll's copy. Every trip of the demo is a client visit.
    let (s, _, payroll) = w
        .get(&format!("/mileage/korjournal?{q}&format=csv"), &cookie)
        .await;
    assert_eq!(s, StatusCode::OK);
    let payroll_rows = uppsok_model::mileage::korjournal::parse_csv(&payroll).unwrap();
    assert!(!payroll_rows.is_empty());
    assert!(
        payroll_rows.iter().all(|r| r.visited == "klientbesök"),
        "{payroll}"
    );
    assert!(!payroll.contains(";K-"), "no client code in payroll's copy");

    // The team's copy has the codes; the trips and km are the same.
    let (_, _, internal) = w
        .get(
            &format!("/mileage/korjournal?{q}&format=csv&copy=team"),
            &cookie,
        )
        .await;
    let team_rows = uppsok_model::mileage::korjournal::parse_csv(&internal).unwrap();
    assert_eq!(team_rows.len(), payroll_rows.len());
    assert!(team_rows.iter().all(|r| r.visited.starts_with("K-")));
    for (a, b) in team_rows.iter().zip(&payroll_rows) {
        assert_eq!((a.id, a.km, &a.from, &a.to), (b.id, b.km, &b.from, &b.to));
    }
    let mut codes: Vec<&str> = team_rows.iter().map(|r| r.visited.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();

    // The PDF: payroll's copy by default, and it says so.
    let (_, _, pdf) = w
        .send(
            Request::get(format!("/mileage/korjournal?{q}&format=pdf"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = uppsok_tests::pdf::pdf_text(&pdf);
    assert!(text.contains("Exemplar för lönen"), "{text}");
    assert!(
        text.contains("klientbesök") && !text.contains("K-0"),
        "{text}"
    );

    // Anything but the two copies is refused, naming the field.
    let (s, _, body) = w
        .get(
            &format!("/mileage/korjournal?{q}&format=csv&copy=alla"),
            &cookie,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("exemplar"), "{body}");

    // The access log: one entry per client whose trips each export held, under the copy's
    // own action; the CSV and the PDF of payroll's copy, and the team's CSV.
    let log = w
        .state
        .store
        .list_audit(&AuditFilter {
            from_ms: Some(since),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let expected: std::collections::BTreeSet<ClientId> = {
        let mut ids = std::collections::BTreeSet::new();
        for c in &codes {
            ids.insert(w.client_id(c).await);
        }
        ids
    };
    for (action, exports) in [("export_payroll_copy", 2), ("export_team_copy", 1)] {
        let entries: Vec<_> = log.iter().filter(|e| e.action.as_str() == action).collect();
        assert_eq!(entries.len(), exports * expected.len(), "{action}");
        let named: std::collections::BTreeSet<ClientId> = entries
            .iter()
            .map(|e| ClientId(e.client.expect("each entry names a client")))
            .collect();
        assert_eq!(named, expected, "{action}");
        assert!(
            entries
                .iter()
                .all(|e| e.entity.as_deref() == Some("trip") && e.actor_username == "chef.kalix")
        );
    }
    let (_, _, audit_page) = w.get("/audit", &cookie).await;
    assert!(
        audit_page.contains("Tog ut körjournal för lönen (utan klientkoder)"),
        "{audit_page}"
    );
}

#[tokio::test]
async fn gps_distances_the_recorder_could_not_vouch_for_are_listed_for_the_supervisor() {
    let w = world_of(41).await;
    let (cookie, _) = w.session("chef.kalix").await;
    let (month, span) = last_month();
    let token = phone_of(&w, "anna.lind").await;
    let gps = |grade, share_estimated| uppsok_model::GpsQuality {
        share_estimated,
        fixes_used: 1200,
        fixes_dropped: 4,
        grade: Some(grade),
    };
    let at = |day| {
        (span.first + chrono::Duration::days(day))
            .and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc()
    };
    // One good, one poor (a third bridged across dead zones), one fair, one whose odometer
    // won over its GPS track.
    let mut trips = Vec::new();
    use uppsok_model::DistanceSource::{Gps, Odometer};
    for (day, km, grade, share, source) in [
        (2, 31.24, QualityGrade::Good, 0.01, Gps),
        (3, 44.46, QualityGrade::Poor, 0.31, Gps),
        (4, 12.04, QualityGrade::Fair, 0.0, Gps),
        (5, 18.0, QualityGrade::Poor, 0.4, Odometer),
    ] {
        let mut t = uppsok_tests::late_trip::trip("anna.lind", at(day), 40, km);
        t.distance_source = source;
        t.gps = Some(gps(grade, share));
        if source == Odometer {
            t.odometer_start = Some(12_000);
            t.odometer_end = Some(12_018);
        }
        sync_trip(&w, &token, &t).await;
        trips.push(t);
    }

    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    let list = &page[page
        .find("id=\"gps-doubt\"")
        .expect("the list of GPS distances in doubt")..];
    let list = &list[..list.find("</table>").unwrap()];
    assert!(
        list.contains("GPS-sträckor som inte kan garanteras"),
        "{list}"
    );
    assert!(
        list.contains("44,5")
            && list.contains(
                "Osäker: jämför med mätarställningen. Uppskattat över täckningsluckor: 31 %."
            ),
        "{list}"
    );
    assert!(
        list.contains("12,0") && list.contains("Kan vara några procent fel"),
        "{list}"
    );
    assert!(
        !list.contains("31,2"),
        "a good GPS distance is not in doubt: {list}"
    );
    assert!(
        !list.contains("18,0"),
        "the odometer's km are not the recorder's: {list}"
    );
    assert!(!list.contains("K-"), "no client codes: {list}");
    // Measured distances in doubt do not hold up approval: the supervisor asks, then attests.
    assert!(approve_form(&page, "anna.lind").is_some(), "{page}");
}

#[tokio::test]
async fn a_suggested_distance_holds_up_approval_until_the_driver_confirms_it() {
    let w = world_of(40).await;
    let (cookie, csrf) = w.session("chef.kalix").await;
    let (month, span) = last_month();
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let token = phone_of(&w, "anna.lind").await;

    // Two trips whose km were suggested, never confirmed.
    let mut suggested = Vec::new();
    for day in [2, 3] {
        let start = (span.first + chrono::Duration::days(day))
            .and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc();
        let mut t = uppsok_tests::late_trip::trip("anna.lind", start, 35, 27.46);
        t.distance_source = uppsok_model::DistanceSource::Suggested;
        sync_trip(&w, &token, &t).await;
        suggested.push(t);
    }

    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(approve_form(&page, "anna.lind").is_none(), "{page}");
    if page.contains("Erik Nilsson") {
        assert!(approve_form(&page, "erik.nilsson").is_some(), "{page}");
    }
    assert!(
        page.contains(
            "Kan inte attesteras: 2 resor med föreslagen sträcka är inte bekräftade av föraren"
        ),
        "{page}"
    );
    // The list of estimates: both trips, at the km the körjournal writes.
    let list = &page[page
        .find("id=\"unconfirmed\"")
        .expect("the list of estimates")..];
    assert_eq!(list.matches("27,5").count(), 2, "{list}");

    // A forged approval is refused with the reason; the payroll file says how many.
    let forged = format!(
        "csrf={csrf}&team={}&month={month}&driver=anna.lind&version=1&trips=1&amount=1",
        team.id
    );
    let (_, h, _) = w.post("/mileage/approve", &cookie, &forged).await;
    let to = h[header::LOCATION].to_str().unwrap().to_owned();
    assert!(to.ends_with("notice=unconfirmed"), "{to}");
    let (_, _, banner) = w.get(&to, &cookie).await;
    assert!(banner.contains("inte har bekräftat"), "{banner}");
    let (_, _, csv) = w
        .get(&format!("/mileage/payroll.csv?month={month}"), &cookie)
        .await;
    assert_eq!(
        payroll_row(&csv, "anna.lind")[8],
        "ej attesterad: 2 resor med föreslagen sträcka är inte bekräftade av föraren"
    );
    assert!(
        w.state
            .store
            .list_audit(&AuditFilter {
                limit: 1000,
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .iter()
            .all(|e| e.action.as_str() != "approve"),
        "nothing was approved"
    );

    // The driver confirms one: one remains.
    let mut first = suggested[0].clone();
    first.distance_confirmed = true;
    sync_trip(&w, &token, &first).await;
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(
        page.contains(
            "Kan inte attesteras: 1 resa med föreslagen sträcka är inte bekräftad av föraren"
        ),
        "{page}"
    );
    // And the other: the month can be approved, at the suggested km.
    let mut second = suggested[1].clone();
    second.distance_confirmed = true;
    std::thread::sleep(std::time::Duration::from_millis(2));
    sync_trip(&w, &token, &second).await;
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(!page.contains("id=\"unconfirmed\""), "{page}");
    let (version, trips, amount) = approve_form(&page, "anna.lind").expect("an approve form");
    let (_, h, _) = w
        .post(
            "/mileage/approve",
            &cookie,
            &format!(
                "csrf={csrf}&team={}&month={month}&driver=anna.lind&version={version}&trips={trips}&amount={amount}",
                team.id
            ),
        )
        .await;
    assert!(
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("notice=approved")
    );
}

#[tokio::test]
async fn a_trip_from_home_is_paid_beyond_the_commute_alike_on_page_csv_and_pdf() {
    let w = world_of(40).await;
    let (cookie, _) = w.session("chef.kalix").await;
    let (month, span) = last_month();
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let anna = w.staff("anna.lind").await;
    let rate = w
        .state
        .store
        .org(anna.org)
        .await
        .unwrap()
        .unwrap()
        .rates
        .own_car_ore_per_km;
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    let (_, trips_before, amount_before) = approve_form(&page, "anna.lind").unwrap();

    // Anna lives 12 km from the office; on the 4th she drives 45.26 km from home.
    w.state.store.set_home_work(anna.id, 120).await.unwrap();
    let token = phone_of(&w, "anna.lind").await;
    let start = (span.first + chrono::Duration::days(3))
        .and_hms_opt(7, 10, 0)
        .unwrap()
        .and_utc();
    let mut t = uppsok_tests::late_trip::trip("anna.lind", start, 50, 45.26);
    t.from_home = true;
    sync_trip(&w, &token, &t).await;

    // Paid: 45.3 − 12.0 = 33.3 km at the kommun's rate, rounded to the öre once.
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    let (_, trips_after, amount) = approve_form(&page, "anna.lind").unwrap();
    assert_eq!(trips_after, trips_before + 1);
    assert_eq!(amount - amount_before, (333 * rate + 5) / 10);
    assert!(page.contains("efter avdrag hem–arbete 12,0 km"), "{page}");
    let grouped = |s: &str| s.replace(['\u{a0}', ' '], "");
    let shown = format!("{},{:02}kr", amount / 100, amount % 100);
    assert!(grouped(&page).contains(&shown), "page shows {shown}");

    // The payroll file: the same amount, and the deduction in its own column.
    let (_, _, csv) = w
        .get(&format!("/mileage/payroll.csv?month={month}"), &cookie)
        .await;
    let row = payroll_row(&csv, "anna.lind");
    assert_eq!(ore(&row[5]), amount);
    assert_eq!(row[12], "12,0");

    // The körjournal: the trip as driven, marked from home, with its deduction; the PDF's
    // totals are the page's to the öre and explain the deduction.
    let q = format!("team={}&month={month}&driver=anna.lind", team.id);
    let (_, _, kj) = w
        .get(&format!("/mileage/korjournal?{q}&format=csv"), &cookie)
        .await;
    let rows = uppsok_model::mileage::korjournal::parse_csv(&kj).unwrap();
    let home = rows
        .iter()
        .find(|r| r.id == t.id)
        .expect("the trip from home");
    assert_eq!(
        (home.km, home.from_home, home.deduction_km),
        (45.3, true, 12.0)
    );
    assert!(rows.iter().filter(|r| r.id != t.id).all(|r| !r.from_home));
    let (_, _, pdf) = w
        .send(
            Request::get(format!("/mileage/korjournal?{q}&format=pdf"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let text = uppsok_tests::pdf::pdf_text(&pdf);
    assert!(
        grouped(&text).contains(&shown),
        "the PDF says {shown}: {text}"
    );
    assert!(
        text.contains("Resa från bostaden: sträckan hem–arbete räknas av (1 resor, 12,0 km)"),
        "{text}"
    );

    // A trip from home shorter than the commute pays nothing, never less.
    let mut short =
        uppsok_tests::late_trip::trip("anna.lind", start + chrono::Duration::days(1), 15, 9.0);
    short.from_home = true;
    sync_trip(&w, &token, &short).await;
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    let (_, trips_now, amount_now) = approve_form(&page, "anna.lind").unwrap();
    assert_eq!((trips_now, amount_now), (trips_after + 1, amount));
    assert!(page.contains("efter avdrag hem–arbete 21,0 km"), "{page}");
}

#[tokio::test]
async fn audit_follow_up_flags_and_extracts() {
    let w = world().await;
    let (cookie, _) = w.session("chef.kalix").await;
    let (s, _, page) = w.get("/audit?flagged=1", &cookie).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("utanför läsarens team"),
        "the outsider's read"
    );
    assert!(
        page.contains("många klienter på kort tid"),
        "the burst of reads"
    );
    let (s, _, page) = w.get("/audit?staff=anna.lind", &cookie).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("anna.lind") && !page.contains("lars.ek"));
    let (s, _, _) = w.get("/audit?staff=nobody", &cookie).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let k5 = w.client_id("K-005").await;
    // By code (the link on the page) and by id alike.
    for q in ["K-005".to_owned(), k5.to_string()] {
        let newest = w
            .state
            .store
            .list_audit(&AuditFilter {
                client: Some(k5),
                limit: 1,
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .remove(0);
        let (s, h, csv) = w
            .get(&format!("/audit/extract.csv?client={q}"), &cookie)
            .await;
        assert_eq!(s, StatusCode::OK);
        let disposition = h[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"loggutdrag-K-005-"),
            "{disposition}"
        );
        let rows = export::parse(&csv);
        assert_eq!(
            rows[0],
            [
                "Tid (svensk tid)",
                "Läsare",
                "Användarnamn",
                "Läsarens team",
                "Läsarens organisation",
                "Väg in",
                "Åtgärd",
                "Uppgift",
                "Klientkod",
                "Uppgifternas organisation",
                "Flagga",
            ]
        );
        let orgs: Vec<String> = w
            .state
            .store
            .list_orgs()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        for r in &rows[1..] {
            assert_eq!(r[8], "K-005");
            assert!(
                orgs.contains(&r[4]),
                "the reader's organisation by name: {r:?}"
            );
            assert!(
                orgs.contains(&r[9]),
                "the data's organisation by name: {r:?}"
            );
            for code in [
                "dashboard",
                "sync",
                "api",
                "read",
                "list",
                "export",
                "client",
            ] {
                assert!(!r[5..8].iter().any(|c| c == code), "{r:?}");
            }
            assert!(
                !r.iter().any(|c| c.parse::<uuid::Uuid>().is_ok()),
                "no ids: {r:?}"
            );
        }
        assert!(
            rows.iter()
                .any(|r| r[2] == "lars.ek" && r[10].contains("utanför läsarens team"))
        );
        // Swedish local time to the second: one or two hours after the stored UTC instant.
        let local = chrono::NaiveDateTime::parse_from_str(&rows[1][0], "%Y-%m-%d %H:%M:%S")
            .expect("local time");
        let utc = chrono::DateTime::from_timestamp_millis(newest.at_ms / 1000 * 1000)
            .unwrap()
            .naive_utc();
        let offset = (local - utc).num_seconds();
        assert!(offset == 3600 || offset == 7200, "{offset}");
    }
    let n = w.state.store.count_audit().await.unwrap();
    assert!(n > 0);
    let _ = Entity::Client;
}

/// The follow-up as a page one can read through: a burst of reads is one row with its count,
/// 100 rows a page with page links that keep the filters, one's own list views hidden unless
/// asked for, the codes in Swedish, the reader with name, team and organisation.
#[tokio::test]
async fn audit_follow_up_groups_pages_and_speaks_swedish() {
    let w = world().await;
    let (cookie, _) = w.session("chef.kalix").await;
    let store = &w.state.store;
    let anna = store.staff_by_username("anna.lind").await.unwrap().unwrap();
    let team = store.find_team("Kalix stödteam").await.unwrap().unwrap();
    let k5 = w.client_id("K-005").await;
    let entry = |client: ClientId| AuditEntry {
        actor_staff: anna.id,
        actor_username: anna.username.clone(),
        actor_org: anna.org,
        device: None,
        via: Via::Dashboard,
        action: AuditAction::Read,
        entity: Some(Entity::Client),
        client: Some(client),
        record: Some(client.0),
        team: Some(team.id),
        record_org: Some(team.org),
        auth: None,
    };
    // 250 reads of as many clients, then a burst of seven reads of one client (newest first,
    // so its row is on the first page).
    let mut entries: Vec<AuditEntry> = (0..250)
        .map(|_| entry(ClientId::from(uuid::Uuid::new_v4())))
        .collect();
    entries.extend(vec![entry(k5); 7]);
    store.append_audit(&entries).await.unwrap();
    // The supervisor's own list view.
    let (s, _, _) = w.get("/overview", &cookie).await;
    assert_eq!(s, StatusCode::OK);

    let (s, _, page) = w.get("/audit", &cookie).await;
    assert_eq!(s, StatusCode::OK);
    let tbody = &page[page.find("<tbody>").unwrap()..page.find("</tbody>").unwrap()];
    assert_eq!(tbody.matches("<tr").count(), 100, "100 rows a page");
    let burst = tbody
        .split("<tr")
        .find(|r| r.contains(">K-005</a>") && r.contains("anna.lind"))
        .expect("the burst's row");
    assert!(burst.contains("× 7"), "{burst}");
    assert!(
        burst.contains("Anna Lind") || burst.contains(&anna.name),
        "{burst}"
    );
    assert!(
        burst.contains("Kalix stödteam"),
        "the reader's team: {burst}"
    );
    assert!(burst.contains("Öppnade uppgifter") && burst.contains("Webbpanelen"));
    for code in [">read<", ">list<", ">dashboard<", ">sync<", ">export<"] {
        assert!(!page.contains(code), "{code} on the page");
    }
    // Page links keep the filters.
    assert!(page.contains("rader med dina egna listvisningar är dolda"));
    let link = page
        .split("href=\"")
        .skip(1)
        .map(|h| h.split('"').next().unwrap().replace("&amp;", "&"))
        .find(|h| h.ends_with("&page=2"))
        .expect("a link to page 2");
    assert!(link.contains("from=") && link.contains("to="), "{link}");
    let (s, _, p2) = w.get(&link, &cookie).await;
    assert_eq!(s, StatusCode::OK);
    assert!(p2.contains("<span aria-current=\"page\">2</span>"));
    let (_, _, filtered) = w.get("/audit?client=K-005", &cookie).await;
    assert!(filtered.contains("× 7"));
    assert!(
        !filtered.contains("&amp;page=2\""),
        "one client's rows: one page"
    );
    // 250 clients read within half an hour: every one of those rows is flagged.
    let (_, _, flagged) = w.get("/audit?staff=anna.lind&flagged=1", &cookie).await;
    assert!(
        flagged.contains("&amp;flagged=1&amp;page=2\""),
        "the pager keeps the flag filter"
    );
    let (_, _, p) = w.get("/audit?staff=anna.lind", &cookie).await;
    assert!(
        p.contains("staff=anna.lind&amp;from="),
        "the pager keeps the staff filter"
    );
    // One's own list views on request.
    let own_row = |p: &str| {
        p.split("<tr")
            .any(|r| r.contains("chef.kalix") && r.contains("Visade en lista"))
    };
    assert!(!own_row(&page));
    let (_, _, shown) = w.get("/audit?own=show", &cookie).await;
    assert!(own_row(&shown));
    let (s, _, bad) = w.get("/audit?page=0", &cookie).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(bad.contains("Fältet sida"), "{bad}");
}

/// Outside the JSON API an error is a styled page in the request's language with a way back;
/// the API keeps problem+json; a refused value is never repeated.
#[tokio::test]
async fn errors_outside_the_api_are_pages_with_a_way_back() {
    let w = world().await;
    let (cookie, _) = w.session("chef.kalix").await;
    let html = |h: &HeaderMap| {
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    };
    let (s, h, b) = w.get("/finns-inte", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html(&h), "{h:?}");
    assert!(b.starts_with("<!DOCTYPE html><html lang=\"sv\""));
    assert!(b.contains("<h1>Sidan finns inte (404)</h1>") && b.contains("href=\"/\""));
    assert!(b.contains("<style>"), "styled like the other pages");
    let (s, h, b) = w.get("/v1/finns-inte", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(h[header::CONTENT_TYPE], "application/problem+json", "{b}");

    // A value the page refuses: the rule in Swedish, not the value.
    let (s, h, b) = w.get("/audit?from=hemligt-v%C3%A4rde", &cookie).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html(&h));
    assert!(
        b.contains("Felaktig förfrågan (400)") && b.contains("ÅÅÅÅ-MM-DD"),
        "{b}"
    );
    assert!(!b.contains("hemligt"), "the value is not repeated");
    // A query the extractor cannot read (no client): a page too, not axum's English text.
    let (s, h, b) = w.get("/audit/extract.csv", &cookie).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html(&h) && b.contains("Förfrågan kunde inte läsas"), "{b}");
    // A record that is not there or not the viewer's.
    let (s, _, b) = w
        .get(&format!("/client/{}", uuid::Uuid::new_v4()), &cookie)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(b.contains("Sidan finns inte (404)") && b.contains("får du inte se den"));
    // A wrong method.
    let (s, h, b) = w.post("/overview", &cookie, "").await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert!(html(&h) && b.contains("(405)"), "{b}");
    // In English when the user chose English.
    let (s, _, b) = w
        .get("/finns-inte", &format!("{cookie}; uppsok_lang=en"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(b.starts_with("<!DOCTYPE html><html lang=\"en\""));
    assert!(b.contains("Page not found (404)"), "{b}");
}

/// The overview and fidelity pages read visits from the generated columns of migration 0003;
/// they must give the same visits (place and note aside) as parsing the stored bodies, and the
/// same access decisions, for a supervisor of either organisation.
#[tokio::test]
async fn visit_facts_equal_the_stored_bodies() {
    let w = world().await;
    let store = &w.state.store;
    for user in ["chef.kalix", "chef.region"] {
        let staff = store.staff_by_username(user).await.unwrap().unwrap();
        let viewer = uppsok_server::access::Viewer {
            staff: staff.id,
            org: staff.org,
            role: staff.role,
            teams: staff.teams.iter().copied().collect(),
        };
        let team = staff.teams[0];
        let all = uppsok_server::store::dashboard::team_clients(store, team)
            .await
            .unwrap();
        let (from, to) = (0, i64::MAX);
        let mut full: Vec<_> =
            uppsok_server::store::dashboard::visits(store, &viewer, team, &all, None, from, to)
                .await
                .unwrap()
                .into_iter()
                .map(|s| uppsok_model::Visit {
                    place: None,
                    note: None,
                    ..s.visit
                })
                .collect();
        let mut facts = uppsok_server::store::dashboard::visit_facts(
            store,
            uppsok_server::store::dashboard::FactsFor::Viewer(&viewer),
            team,
            &all,
            from,
            to,
        )
        .await
        .unwrap();
        assert!(full.len() > 100, "{user}: the demo's visits are there");
        full.sort_by_key(|v| v.id.0);
        facts.sort_by_key(|v| v.id.0);
        assert_eq!(facts, full, "{user}");
    }
}

#[tokio::test]
async fn a_locked_account_is_told_until_when() {
    let w = world().await;
    let (_, h, _) = w.get("/login", "").await;
    let login_csrf = value_of(&set_cookies(&h), dashboard::LOGIN_CSRF_COOKIE);
    let cookie = format!("{}={login_csrf}", dashboard::LOGIN_CSRF_COOKIE);
    let wrong = format!("csrf={login_csrf}&username=chef.region&password=fel-fel-fel&totp=000000");
    let mut last = String::new();
    for _ in 0..8 {
        let (_, _, page) = w.post("/login", &cookie, &wrong).await;
        last = page;
        if last.contains("Kontot är låst") {
            break;
        }
    }
    assert!(last.contains("Kontot är låst"), "{last}");
    // The time it opens again, on the Swedish clock ("… till 5 dec. 2026 19:42").
    let until = last.split("inloggningar, till ").nth(1).unwrap_or("");
    assert!(
        until.chars().take_while(|c| *c != '.').count() > 3 && until.contains(':'),
        "{last}"
    );
}

/// Every stored record of `table` (`visits`, `trips`), parsed.
async fn bodies<T: serde::de::DeserializeOwned>(w: &World, table: &str) -> Vec<T> {
    let uppsok_server::store::Pool::Sqlite(pool) = &w.state.store.pool else {
        panic!("the dashboard world is SQLite");
    };
    let rows: Vec<(String,)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT body FROM {table}")))
            .fetch_all(pool)
            .await
            .unwrap();
    rows.iter()
        .map(|(b,)| serde_json::from_str(b).unwrap())
        .collect()
}

#[tokio::test]
async fn the_demo_is_a_plausible_team() {
    let w = world().await;
    let now = chrono::Utc::now();
    let visits: Vec<uppsok_model::Visit> = bodies(&w, "visits").await;
    let trips: Vec<uppsok_model::Trip> = bodies(&w, "trips").await;
    assert!(
        visits.len() > 100 && trips.len() > 30,
        "{} / {}",
        visits.len(),
        trips.len()
    );

    // Nothing after now.
    assert!(visits.iter().all(|v| v.start <= now));
    assert!(trips.iter().all(|t| t.end.is_none_or(|e| e <= now)));

    // No driver has two trips at once.
    let mut by_driver: std::collections::HashMap<&str, Vec<&uppsok_model::Trip>> =
        Default::default();
    for t in &trips {
        by_driver.entry(t.driver.as_str()).or_default().push(t);
    }
    for (driver, mut ts) in by_driver {
        ts.sort_by_key(|t| t.start);
        for pair in ts.windows(2) {
            let end = pair[0].end.expect("demo trips end");
            assert!(
                end <= pair[1].start,
                "{driver}: a trip {}–{end} overlaps one from {}",
                pair[0].start,
                pair[1].start
            );
        }
    }
    // No one is at two contacts at once (the second person of a visit included).
    let mut by_staff: std::collections::HashMap<&str, Vec<&uppsok_model::Visit>> =
        Default::default();
    for v in &visits {
        for s in &v.staff {
            by_staff.entry(s.as_str()).or_default().push(v);
        }
    }
    for (who, mut vs) in by_staff {
        vs.sort_by_key(|v| v.start);
        for pair in vs.windows(2) {
            let end = pair[0].start + chrono::Duration::minutes(i64::from(pair[0].minutes));
            assert!(
                end <= pair[1].start,
                "{who}: two contacts at once at {}",
                pair[1].start
            );
        }
    }
    // Every trip serves the visit it names, which lies within it.
    let by_id: std::collections::HashMap<_, _> = visits.iter().map(|v| (v.id, v)).collect();
    for t in &trips {
        let v = by_id[&t.visits[0]];
        assert!(t.start <= v.start && v.start <= t.end.unwrap());
    }
    // Office contacts at the office, ward visits at the hospital; notes that fit.
    for v in &visits {
        let place = v.place.as_ref().map(|p| p.as_str());
        match v.setting {
            Some(uppsok_model::Setting::Office) => assert_eq!(place, Some("Kalix")),
            Some(uppsok_model::Setting::Inpatient) => {
                assert_eq!(place, Some(uppsok_cli::demo::HOSPITAL))
            }
            _ => {}
        }
        let note = v.note.as_ref().map(|n| n.as_str()).unwrap_or("");
        if v.contact != uppsok_model::ContactKind::Attempted {
            assert!(!note.contains("Ingen öppnade"), "{note}");
        }
    }
    // Clients move on: one steps down to the stable phase, one is closed with a reason and has
    // no contact after its closure.
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let clients = uppsok_server::store::dashboard::team_clients(&w.state.store, team.id)
        .await
        .unwrap();
    let by_code = |code: &str| {
        clients
            .iter()
            .find(|c| c.client.code.as_str() == code)
            .unwrap()
    };
    assert_eq!(by_code("K-011").client.phase, uppsok_model::Phase::Stable);
    let closed = by_code("K-025");
    assert_eq!(closed.client.phase, uppsok_model::Phase::Closed);
    assert_eq!(
        closed.client.closure,
        Some(uppsok_model::ClosureReason::Moved)
    );
    let closed_on = now - chrono::Duration::days(8);
    assert_eq!(
        closed.client.closed_on,
        Some(uppsok_model::fidelity::swedish_date(closed_on))
    );
    // Every client has a contact person on the team and an admission date (two only estimated),
    // admissions spread over years, and no contact before admission.
    let usernames: Vec<String> = w
        .state
        .store
        .list_staff(None, Some(&[team.id]))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.username)
        .collect();
    for c in &clients {
        let cp = c.client.contact_person.as_ref().expect("a contact person");
        assert!(usernames.contains(&cp.to_string()), "{cp}");
        assert_ne!(c.client.deputy.as_ref(), Some(cp));
        if let Some(admitted) = c.client.admitted {
            assert!(
                visits
                    .iter()
                    .filter(|v| v.client == c.client.id)
                    .all(|v| uppsok_model::fidelity::swedish_date(v.start) >= admitted),
                "{}: a contact before admission",
                c.client.code
            );
        }
    }
    let admitted: Vec<chrono::NaiveDate> =
        clients.iter().filter_map(|c| c.client.admitted).collect();
    assert_eq!(admitted.len(), clients.len() - 2);
    let span = *admitted.iter().max().unwrap() - *admitted.iter().min().unwrap();
    assert!(span.num_days() > 3 * 365, "admissions over years: {span}");
    // Closures with coded reasons, before and during the demo's months.
    let reasons: std::collections::HashSet<_> =
        clients.iter().filter_map(|c| c.client.closure).collect();
    assert!(reasons.len() >= 4, "{reasons:?}");
    // Contacts with the network alone, some of them.
    let network_only = visits.iter().filter(|v| !v.client_present).count();
    assert!(network_only >= 3, "{network_only} network-only contacts");
    assert!(
        visits
            .iter()
            .filter(|v| !v.client_present)
            .all(|v| v.network && v.contact != uppsok_model::ContactKind::Attempted)
    );
    assert!(
        visits
            .iter()
            .filter(|v| v.client == closed.client.id)
            .all(|v| v.start < closed_on + chrono::Duration::days(1)),
        "no contact after the closure"
    );
}

/// The figures of a fidelity page: every indicator's value and the raw counts line, without
/// the parts that name the viewer (navigation, team picker).
fn fidelity_figures(page: &str) -> Vec<String> {
    let start = page.find("Underlag:").expect("the counts line");
    let end = page.rfind("</main>").unwrap_or(page.len());
    page[start..end]
        .split("<strong>")
        .skip(1)
        .filter_map(|s| s.split("</strong>").next().map(str::to_owned))
        .chain(std::iter::once(
            page[start..].split("</p>").next().unwrap_or("").to_owned(),
        ))
        .collect()
}

#[tokio::test]
async fn both_organisations_supervisors_see_the_same_team_figures() {
    let w = world_of(42).await;
    let (kommun, _) = w.session("chef.kalix").await;
    let (region, _) = w.session("chef.region").await;
    let (_, _, a) = w.get("/fidelity", &kommun).await;
    let (_, _, b) = w.get("/fidelity", &region).await;
    let (fa, fb) = (fidelity_figures(&a), fidelity_figures(&b));
    assert!(fa.len() > 8, "{fa:?}");
    assert_eq!(fa, fb, "the same figures for both supervisors");
    // Each still sees only what it may of the other's clients: the overview lists differ, and
    // neither lists the other's clients without consent.
    let (_, _, oa) = w.get("/overview", &kommun).await;
    let (_, _, ob) = w.get("/overview", &region).await;
    assert!(oa.contains("klienter visas inte") && ob.contains("klienter visas inte"));
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let clients = uppsok_server::store::dashboard::team_clients(&w.state.store, team.id)
        .await
        .unwrap();
    for c in clients.iter().filter(|c| !c.facts.consent_given) {
        let page = if c.facts.org == w.staff("chef.kalix").await.org {
            &ob
        } else {
            &oa
        };
        assert!(
            !page.contains(&format!("data-row=\"{}\"", c.client.code)),
            "{} leaked to the other organisation",
            c.client.code
        );
        assert!(!page.contains(c.client.name.as_str()));
    }
    // The fidelity page names no client.
    for c in &clients {
        assert!(!a.contains(c.client.name.as_str()) && !a.contains(c.client.code.as_str()));
    }
}

#[tokio::test]
async fn the_overview_shows_and_filters_by_contact_person() {
    let w = world().await;
    let (kommun, _) = w.session("chef.kalix").await;
    let (_, _, all) = w.get("/overview", &kommun).await;
    assert!(all.contains("data-col=\"contact-person\""));
    assert!(all.contains("ersättare"));
    let rows = |page: &str| page.matches("data-row=\"").count();
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let clients = uppsok_server::store::dashboard::team_clients(&w.state.store, team.id)
        .await
        .unwrap();
    // One case manager's clients: exactly those in care with that contact person (the kommun
    // supervisor sees the kommun's own clients, and the region's with consent).
    let anna = clients
        .iter()
        .find(|c| c.client.phase != uppsok_model::Phase::Closed)
        .and_then(|c| c.client.contact_person.clone())
        .unwrap();
    let (_, _, theirs) = w.get(&format!("/overview?person={anna}"), &kommun).await;
    let kalix_org = w.staff("chef.kalix").await.org;
    let want = clients
        .iter()
        .filter(|c| c.client.phase != uppsok_model::Phase::Closed)
        .filter(|c| c.client.contact_person.as_ref() == Some(&anna))
        .filter(|c| c.facts.org == kalix_org || c.facts.consent_given)
        .count();
    assert!(want > 0);
    assert_eq!(rows(&theirs), want, "{theirs}");
    assert!(theirs.contains(&format!("value=\"{anna}\" selected")));
    // Sorting links keep the filter.
    assert!(theirs.contains(&format!("&amp;person={anna}&amp;sort=name")));
    // The supervisor carries no clients: "my clients" is empty, not an error.
    let (status, _, mine) = w.get("/overview?person=mine", &kommun).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&mine), 0);
    // K-013's mother called while nobody reached K-013: shown beside the client, and K-013
    // is still not reached.
    let (_, _, page) = w.get("/overview", &kommun).await;
    let k13 = page.find("data-code=\"K-013\"").unwrap();
    let line = &page[k13..k13 + page[k13..].find("</li>").unwrap()];
    assert!(line.contains("nätverkskontakt utan klienten"), "{line}");
}

#[tokio::test]
async fn a_client_with_protected_identity_is_listed_by_code_only() {
    let w = world().await;
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let clients = uppsok_server::store::dashboard::team_clients(&w.state.store, team.id)
        .await
        .unwrap();
    let protected: Vec<_> = clients
        .iter()
        .filter(|c| c.client.protected_identity)
        .collect();
    assert_eq!(protected.len(), 1, "the demo has one");
    let c = &protected[0].client;
    let mut listed = 0;
    for who in ["chef.kalix", "chef.region"] {
        let (session, _) = w.session(who).await;
        for path in ["/overview", "/overview?sort=name"] {
            let (_, _, page) = w.get(path, &session).await;
            assert!(
                !page.contains(c.name.as_str()),
                "{who} {path}: the name is listed"
            );
            if let Some(at) = page.find(&format!("data-row=\"{}\"", c.code)) {
                let row = &page[at..at + page[at..].find("</tr>").unwrap()];
                assert!(row.contains("(skyddad identitet)"), "{row}");
                listed += 1;
            }
        }
        // Its own page names the client (opening it is logged).
        let (status, _, page) = w.get(&format!("/client/{}", c.id), &session).await;
        if status == StatusCode::OK {
            assert!(page.contains(c.name.as_str()));
        }
    }
    assert!(listed > 0, "the client is on someone's overview");
}

#[tokio::test]
async fn the_overview_is_a_working_list() {
    let w = world().await;
    let (kommun, _) = w.session("chef.kalix").await;
    let codes = |page: &str| -> Vec<String> {
        page.split("data-row=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(str::to_owned))
            .collect()
    };
    // Sorted by code by default; by name on request, with the same clients.
    let (_, _, by_code) = w.get("/overview", &kommun).await;
    let listed = codes(&by_code);
    assert!(listed.len() > 10, "{by_code}");
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted);
    let (_, _, by_name) = w.get("/overview?sort=name", &kommun).await;
    let mut again = codes(&by_name);
    assert_ne!(again, listed, "the order changes");
    again.sort();
    assert_eq!(again, sorted, "the same clients");
    assert!(by_name.contains("aria-sort=\"ascending\""));
    // Sorting links keep the filters.
    let (_, _, intake) = w.get("/overview?phase=intake&days=5", &kommun).await;
    assert!(
        intake.contains("days=5&amp;phase=intake&amp;sort=name"),
        "{intake}"
    );
    let intake_codes = codes(&intake);
    assert!(!intake_codes.is_empty() && intake_codes.len() < listed.len());
    // The kommun does not see the region's four clients without consent, and is told how many.
    assert!(by_code.contains("3 klienter visas inte"), "{by_code}");
    // One shared scale: every row's chart says the same scale.
    let scales: std::collections::BTreeSet<&str> = by_code
        .split("Skala ")
        .skip(1)
        .filter_map(|s| s.split('.').next())
        .collect();
    assert_eq!(
        scales.len(),
        2,
        "the team chart's and the rows' one: {scales:?}"
    );
    // Names, not usernames, in the caseload per contact person.
    assert!(by_code.contains("Klienter per kontaktperson"));
    assert!(
        by_code.contains("scope=\"row\">Anna Lind</th>"),
        "{by_code}"
    );
    assert!(!by_code.contains(">anna.lind<"));
    // And on a client's timeline: who was there and who drove, by name.
    let k1 = w.client_id("K-001").await;
    let (_, _, page) = w.get(&format!("/client/{k1}"), &kommun).await;
    assert!(page.contains("Anna Lind"), "{page}");
    assert!(!page.contains("anna.lind"), "{page}");
}

/// The outcomes of client `code` as stored, whoever may see them (for checking what a page
/// left out).
async fn stored_outcomes(w: &World, code: &str) -> Vec<uppsok_model::Outcome> {
    let id = w.client_id(code).await;
    let mut f = uppsok_server::store::RecordFilter::new(Entity::Outcome);
    f.client = Some(id);
    w.state
        .store
        .list_records(&f)
        .await
        .unwrap()
        .into_iter()
        .map(|r| serde_json::from_value(r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn the_demo_team_has_fewer_inpatient_days_after_admission_but_not_for_every_client() {
    let w = world().await;
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let sup = w.staff("chef.kalix").await;
    let v = uppsok_server::extract::viewer_of(&sup);
    let today = uppsok_model::fidelity::swedish_date(chrono::Utc::now());
    let view = dashboard::outcomes::load_outcomes_view(&w.state.store, &v, team.id, today)
        .await
        .unwrap();
    let year1 = view.years.first().expect("clients a year in the team");
    assert_eq!(year1.year, 1);
    assert!(year1.clients >= 3, "{year1:?}");
    let (before, after) = (year1.before.unwrap(), year1.after.unwrap());
    assert!(
        after.inpatient_days < before.inpatient_days,
        "{before:?} → {after:?}"
    );
    assert!(after.admissions < before.admissions);
    // Not a story where everyone improves: some clients were admitted as often in their first
    // year as in the year before.
    let with_year = view.rows.iter().filter(|r| !r.comparison.after.is_empty());
    let (same, fewer): (Vec<_>, Vec<_>) =
        with_year.partition(|r| r.comparison.after[0].admissions >= r.comparison.before.admissions);
    assert!(
        !same.is_empty() && !fewer.is_empty(),
        "{} {}",
        same.len(),
        fewer.len()
    );
    // The kommun's supervisor sees none of the region's clients without consent (K-004), and
    // the team row is summed over exactly the rows shown.
    assert!(view.rows.iter().all(|r| r.code != "K-004"));
    let shown: u32 = view
        .rows
        .iter()
        .filter(|r| !r.comparison.after.is_empty())
        .map(|r| r.comparison.before.inpatient_days)
        .sum();
    assert_eq!(shown, before.inpatient_days);
    assert!(view.housing.is_some() && !view.satisfaction.is_empty());
}

#[tokio::test]
async fn the_outcomes_page_shows_only_clients_the_viewer_may_see() {
    let w = world().await;
    let (kommun, _) = w.session("chef.kalix").await;
    let (region, _) = w.session("chef.region").await;
    let (s, _, page) = w.get("/outcomes", &kommun).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("<h2>Utfall</h2>") && page.contains("Vårddygn"));
    assert!(page.contains("<svg class=\"bars\" role=\"img\" aria-label=\"Vårddygn"));
    assert!(page.contains(">K-009<") && !page.contains(">K-004<"));
    let (_, _, page) = w.get("/outcomes", &region).await;
    assert!(!page.contains(">K-009<") && page.contains(">K-004<"));
    let (_, _, en) = w.get("/outcomes?lang=en", &kommun).await;
    assert!(en.contains("Inpatient days") && en.contains("Year 1"));
    // Each client row shown is logged as a list of that client's outcomes.
    let k9 = w.client_id("K-009").await;
    let log = w
        .state
        .store
        .list_audit(&AuditFilter {
            client: Some(k9),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.action.as_str() == "list"
        && e.entity.as_deref() == Some("outcome")
        && e.actor_username == "chef.kalix"));
    assert!(!log.iter().any(|e| e.actor_username == "chef.region"));
    // Admins and case managers get no outcome page.
    for user in ["it.kalix", "anna.lind"] {
        let (c, _) = w.session(user).await;
        let (s, _, _) = w.get("/outcomes", &c).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }
}

#[tokio::test]
async fn a_supervisor_records_an_outcome_on_the_client_page() {
    let w = world().await;
    let (kommun, csrf) = w.session("chef.kalix").await;
    let (region, region_csrf) = w.session("chef.region").await;
    // K-009: the kommun's, no consent to share.
    let k9 = w.client_id("K-009").await;
    let before = stored_outcomes(&w, "K-009").await.len();
    let (s, _, page) = w.get(&format!("/client/{k9}"), &kommun).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("id=\"utfall\"") && page.contains("Registrera utfall"));
    assert!(
        page.contains("Boende: Hemlös eller tillfälligt boende"),
        "{page}"
    );

    let path = format!("/client/{k9}/outcomes");
    let form = format!(
        "csrf={csrf}&kind=inpatient&day=2026-01-10&source=inpatient_care&care=addiction&discharged=2026-01-24&compulsory=yes"
    );
    // No CSRF: refused, nothing stored.
    let (s, _, _) = w
        .post(
            &path,
            &kommun,
            &form.replace(&format!("csrf={csrf}"), "csrf=wrong"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A day after the discharge day: named in Swedish, nothing stored.
    let (s, _, body) = w
        .post(
            &path,
            &kommun,
            &form.replace("discharged=2026-01-24", "discharged=2026-01-05"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("Fältet utskriven"), "{body}");
    let (s, _, body) = w
        .post(&path, &kommun, &form.replace("kind=inpatient", "kind=stay"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("Fältet slag"), "{body}");
    assert_eq!(stored_outcomes(&w, "K-009").await.len(), before);
    // The region may not see K-009: the same answer as a client that does not exist.
    let (s, _, _) = w
        .post(&path, &region, &form.replace(&csrf, &region_csrf))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(stored_outcomes(&w, "K-009").await.len(), before);

    let (s, h, _) = w.post(&path, &kommun, &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], format!("/client/{k9}#utfall"));
    let stored = stored_outcomes(&w, "K-009").await;
    assert_eq!(stored.len(), before + 1);
    let new = stored
        .iter()
        .find(|o| {
            o.day == chrono::NaiveDate::from_ymd_opt(2026, 1, 10).unwrap()
                && o.compulsory_law() == Some("LVM")
        })
        .expect("the stay as entered");
    assert_eq!(new.author.as_str(), "chef.kalix");
    let (_, _, page) = w.get(&format!("/client/{k9}"), &kommun).await;
    assert!(
        page.contains("Beroendevård (avgiftning, behandlingshem), LVM, utskriven 2026-01-24"),
        "{page}"
    );
}
