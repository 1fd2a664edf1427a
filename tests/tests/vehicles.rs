//! Pool cars end to end on SQLite and PostgreSQL: `uppsok admin vehicle add|list` (the
//! registration number checked, a car added twice refused), and a car's körjournal on the
//! dashboard over the whole router on a database the demo seeded — the region's pool car
//! NRB123 that several case managers drive: all its drivers' trips in order, the odometer's
//! readings and breaks under the table, payroll's copy without client codes, supervisors of the
//! car's organisation only, and every export in the access log.

mod server_common;

use std::path::Path;
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use server_common::{Backend, TestDb};
use tower::ServiceExt;
use uppsok_model::mileage::korjournal::parse_csv;
use uppsok_server::app::app;
use uppsok_server::auth;
use uppsok_server::dashboard;
use uppsok_server::state::{AppState, Settings};
use uppsok_server::store::{AuditAction, AuditFilter, PoolSize, SessionRow, Store, now_ms};
use uppsok_tests::uppsok_bin;

/// `uppsok admin --database URL ARGS…`: (success, stdout, stderr).
fn admin(url: &str, data: &Path, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(uppsok_bin())
        .arg("admin")
        .arg("--database")
        .arg(url)
        .args(args)
        .env("UPPSOK_DATA_DIR", data)
        .env("USER", "fordonsansvarig")
        .stdin(Stdio::null())
        .output()
        .expect("uppsok runs");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

async fn session(store: &Store, user: &str) -> String {
    let staff = store.staff_by_username(user).await.unwrap().unwrap();
    let (token, hash) = auth::new_token(auth::SESSION_PREFIX);
    store
        .create_session(&SessionRow {
            token_hash: hash,
            staff: staff.id,
            kind: uppsok_server::store::SessionKind::Cookie,
            csrf: format!("csrf-{user}"),
            created_ms: now_ms(),
            expires_ms: now_ms() + 3_600_000,
            revoked: false,
        })
        .await
        .unwrap();
    format!("{}={token}", dashboard::SESSION_COOKIE)
}

async fn get(state: &AppState, path: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let r = app(state.clone()).oneshot(req).await.unwrap();
    let status = r.status();
    let body = axum::body::to_bytes(r.into_body(), 10 << 20)
        .await
        .unwrap()
        .to_vec();
    (status, body)
}

async fn a_pool_cars_korjournal(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (url, data) = (db.url.as_str(), dir.path());
    let store = Store::connect(url, PoolSize::default()).await.unwrap();
    uppsok_cli::demo::seed(&store, data, 60, 7).await.unwrap();

    // The register: the registration is normalised, checked, and unique per organisation.
    let (ok, out, err) = admin(
        url,
        data,
        &[
            "vehicle",
            "add",
            "--org",
            "Region Norrbotten",
            "--registration",
            "nrb-123",
            "--kind",
            "pool_car",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "NRB123\tpoolbil\tRegion Norrbotten");
    let (ok, _, err) = admin(
        url,
        data,
        &[
            "vehicle",
            "add",
            "--org",
            "Region Norrbotten",
            "--registration",
            "NRB 123",
            "--kind",
            "pool",
        ],
    );
    assert!(!ok && err.contains("already"), "{err}");
    let (ok, _, err) = admin(
        url,
        data,
        &[
            "vehicle",
            "add",
            "--org",
            "Kalix kommun",
            "--registration",
            "ÅÄÖ",
            "--kind",
            "pool",
        ],
    );
    assert!(!ok && err.contains("--registration"), "{err}");
    let (ok, _, err) = admin(
        url,
        data,
        &[
            "vehicle",
            "add",
            "--org",
            "Kalix kommun",
            "--registration",
            "KLX9",
            "--kind",
            "own",
        ],
    );
    assert!(!ok && err.contains("--kind"), "{err}");
    let (ok, list, _) = admin(url, data, &["vehicle", "list"]);
    assert!(ok);
    assert_eq!(list.trim(), "NRB123\tpoolbil\tRegion Norrbotten");

    let state = AppState::new(
        store.clone(),
        Settings {
            password_cost: auth::PasswordCost::cheap(),
            ..Settings::default()
        },
    );
    let team = store.find_team("Kalix stödteam").await.unwrap().unwrap();
    let year = uppsok_model::fidelity::swedish_date(chrono::Utc::now())
        .format("%Y")
        .to_string();
    let region = session(&store, "chef.region").await;

    // The mileage page lists the car with its links.
    let (s, page) = get(&state, &format!("/mileage?team={}", team.id), &region).await;
    let page = String::from_utf8_lossy(&page).into_owned();
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("Körjournal per bil"), "{page}");
    assert!(page.contains("registration=NRB123"), "{page}");

    // The year's CSV: every trip in the car, whoever drove, in order; the readings after.
    let q = format!("team={}&month={year}&registration=nrb123", team.id);
    let since = now_ms();
    let (s, csv) = get(&state, &format!("/mileage/vehicle?{q}&format=csv"), &region).await;
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(s, StatusCode::OK, "{csv}");
    let table: String = csv
        .split_inclusive("\r\n")
        .take_while(|l| !l.starts_with("Mätarställning vid"))
        .collect();
    let rows = parse_csv(&table).expect("the table parses as a körjournal");
    assert!(rows.len() >= 2, "{csv}");
    assert!(rows.iter().all(|r| matches!(&r.vehicle,
        uppsok_model::Vehicle::Service { registration } if registration == "NRB123")));
    let mut drivers: Vec<&str> = rows.iter().map(|r| r.driver.as_str()).collect();
    assert!(
        rows.windows(2)
            .all(|w| (w[0].date, w[0].start) <= (w[1].date, w[1].start))
    );
    drivers.sort_unstable();
    drivers.dedup();
    assert!(
        drivers.len() >= 2,
        "a pool car has several drivers: {drivers:?}"
    );
    assert!(
        csv.contains("Mätarställning vid periodens början: "),
        "{csv}"
    );
    // The demo's drivers each count their own odometer, so the car's odometer breaks.
    assert!(csv.contains("Glapp i mätarställningen: "), "{csv}");
    assert!(!csv.contains(";K-"), "payroll's copy names no client");

    // The PDF says whose car it is and names each trip's driver.
    let (s, pdf) = get(&state, &format!("/mileage/vehicle?{q}&format=pdf"), &region).await;
    assert_eq!(s, StatusCode::OK);
    let text = uppsok_tests::pdf::pdf_text(&pdf);
    assert!(text.contains("Poolbil NRB123, alla förare"), "{text}");
    assert!(
        text.contains("Mätarställning vid periodens början"),
        "{text}"
    );
    assert!(!text.contains("K-0"), "{text}");

    // Both exports are in the access log, under payroll's copy.
    let log = store
        .list_audit(&AuditFilter {
            from_ms: Some(since),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(
        log.iter()
            .filter(|e| e.action == AuditAction::ExportPayrollCopy)
            .count()
            >= 2,
        "{log:?}"
    );

    // A car not in the viewer's organisation's register, a bad number, a case manager: no.
    let kommun = session(&store, "chef.kalix").await;
    let (s, _) = get(&state, &format!("/mileage/vehicle?{q}&format=csv"), &kommun).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let bad = format!("team={}&month={year}&registration=%C3%85", team.id);
    let (s, _) = get(&state, &format!("/mileage/vehicle?{bad}"), &region).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let staff = store.list_staff(None, None).await.unwrap();
    let case_manager = staff
        .iter()
        .find(|s| s.role == uppsok_model::Role::CaseManager && s.org == team.org)
        .unwrap();
    let cm = session(&store, case_manager.username.as_str()).await;
    let (s, _) = get(&state, &format!("/mileage/vehicle?{q}&format=csv"), &cm).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

backend_tests!(a_pool_cars_korjournal);
