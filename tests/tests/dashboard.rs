//! Dashboard handler tests over the whole router (`oneshot`), on a SQLite database seeded by the
//! demo's own seeding (three weeks of a Kalix-like team): login with TOTP and its CSRF, every
//! page for the right roles, the access rules on each page, CSRF on every POST, the access log,
//! and the exports parsing back.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use tower::ServiceExt;
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
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::connect(&url, PoolSize::default()).await.unwrap();
    let seeded = uppsok_cli::demo::seed(&store, dir.path(), 21, 7)
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
        let staff = self
            .state
            .store
            .staff_by_username(user)
            .await
            .unwrap()
            .unwrap();
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

    // Without the login form's token: refused.
    let form = format!("username=chef.kalix&password=uppsok-demo-2026&totp={code}");
    let (s, _, _) = w.post("/login", &cookie, &form).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
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
    let anna = w
        .state
        .store
        .staff_by_username("anna.lind")
        .await
        .unwrap()
        .unwrap();
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
    let chef = w
        .state
        .store
        .staff_by_username("chef.kalix")
        .await
        .unwrap()
        .unwrap();
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
    let staff = w
        .state
        .store
        .staff_by_username("chef.kalix")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(staff.role, Role::Supervisor);
}

#[tokio::test]
async fn device_revoke_and_wipe_need_the_csrf_token() {
    let w = world().await;
    let (cookie, csrf) = w.session("chef.kalix").await;
    let anna = w
        .state
        .store
        .staff_by_username("anna.lind")
        .await
        .unwrap()
        .unwrap();
    let device = w.state.store.list_devices(Some(&[anna.id])).await.unwrap()[0].id;
    let path = format!("/devices/{device}/revoke");
    let (s, _, _) = w.post(&path, &cookie, "").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = w.post(&path, &cookie, "csrf=wrong").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        w.state.store.device(device).await.unwrap().unwrap().status,
        DeviceStatus::Active
    );
    let (s, _, _) = w.post(&path, &cookie, &format!("csrf={csrf}")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        w.state.store.device(device).await.unwrap().unwrap().status,
        DeviceStatus::Revoked
    );
    let (s, _, _) = w
        .post(
            &format!("/devices/{device}/wipe"),
            &cookie,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        w.state.store.device(device).await.unwrap().unwrap().status,
        DeviceStatus::Wipe
    );
    // The region supervisor may not manage a kommun phone.
    let (region, rcsrf) = w.session("chef.region").await;
    let (s, _, _) = w.post(&path, &region, &format!("csrf={rcsrf}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn mileage_approval_and_exports_parse_back() {
    let w = world().await;
    let (cookie, csrf) = w.session("chef.kalix").await;
    let month = dashboard::mileage::Span::this_month().label();
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(page.contains("Anna Lind"), "{page}");
    assert!(
        !page.contains("Maria Berg"),
        "trips never cross organisations"
    );
    let team = w
        .state
        .store
        .find_team("Kalix stödteam")
        .await
        .unwrap()
        .unwrap();
    let form = format!("team={}&month={month}&driver=anna.lind", team.id);
    let (s, _, _) = w.post("/mileage/approve", &cookie, &form).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = w
        .post("/mileage/approve", &cookie, &format!("csrf={csrf}&{form}"))
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = w.get(&format!("/mileage?month={month}"), &cookie).await;
    assert!(page.contains("Attesterad av chef.kalix"));

    let (s, h, csv) = w
        .get(&format!("/mileage/payroll.csv?month={month}"), &cookie)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.starts_with('\u{feff}'));
    let rows = export::parse(&csv);
    assert_eq!(rows[0][0], "Användarnamn");
    let anna = rows.iter().find(|r| r[0] == "anna.lind").unwrap();
    assert_eq!(anna[8], "ja");
    assert!(anna[5].contains(','), "decimal comma: {}", anna[5]);
    let amount: f64 = anna[5].replace(',', ".").parse().unwrap();
    let tax_free: f64 = anna[6].replace(',', ".").parse().unwrap();
    let taxable: f64 = anna[7].replace(',', ".").parse().unwrap();
    assert!((amount - tax_free - taxable).abs() < 0.005);

    let q = format!("team={}&month={month}&driver=anna.lind", team.id);
    let (s, _, kj) = w
        .get(&format!("/mileage/korjournal?{q}&format=csv"), &cookie)
        .await;
    assert_eq!(s, StatusCode::OK);
    // The field device's format, read back by the model's own parser (which also checks the
    // total line against the rows).
    let rows = uppsok_model::mileage::korjournal::parse_csv(&kj).expect("the körjournal parses");
    let trips: usize = anna[3].parse().unwrap();
    assert_eq!(rows.len(), trips);
    assert!(
        rows.iter()
            .all(|r| r.from == "Kalix" && r.visited.starts_with("K-") && r.driver == "anna.lind")
    );
    assert!(
        rows.windows(2)
            .all(|p| (p[0].date, p[0].start) <= (p[1].date, p[1].start))
    );

    let req = Request::get(format!("/mileage/korjournal?{q}&format=pdf"))
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let (s, h, pdf) = w.send(req).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
    // Its text is read back with pdftotext in the browser test (tests/tests/browser.rs).
    assert!(pdf.starts_with(b"%PDF-"));

    let (s, _, _) = w
        .get(&format!("/mileage/korjournal?{q}&format=xlsx"), &cookie)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
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
        let mut facts =
            uppsok_server::store::dashboard::visit_facts(store, &viewer, team, &all, from, to)
                .await
                .unwrap();
        assert!(full.len() > 100, "{user}: the demo's visits are there");
        full.sort_by_key(|v| v.id.0);
        facts.sort_by_key(|v| v.id.0);
        assert_eq!(facts, full, "{user}");
    }
}
