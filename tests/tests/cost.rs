//! What the team costs, end to end: the staff-cost and staffing commands of `uppsok admin` on
//! SQLite and PostgreSQL (dated costs, kept changes, errors that name the field and change
//! nothing), and the "Kostnad och resultat" page and its yearly PDF over the whole router on a
//! database the demo seeded: who may open them, that both organisations' supervisors see the
//! same team figures, that trips cross organisations only as totals, that the sums shown add up
//! to the öre, and that both are logged.

mod server_common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::NaiveDate;
use server_common::{Backend, TestDb};
use tower::ServiceExt;
use uppsok_server::app::app;
use uppsok_server::auth;
use uppsok_server::dashboard;
use uppsok_server::state::{AppState, Settings};
use uppsok_server::store::{AuditFilter, PoolSize, SessionRow, Store, now_ms};
use uppsok_tests::uppsok_bin;

/// `uppsok admin --database URL ARGS…`: (success, stdout, stderr).
fn admin(url: &str, data: &Path, args: &[&str]) -> (bool, String, String) {
    let o: Output = Command::new(uppsok_bin())
        .arg("admin")
        .arg("--database")
        .arg(url)
        .args(args)
        .env("UPPSOK_DATA_DIR", data)
        .env("USER", "ekonom")
        .stdin(Stdio::null())
        .output()
        .expect("uppsok runs");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(url: &str, data: &Path, args: &[&str]) -> String {
    let (success, out, err) = admin(url, data, args);
    assert!(success, "uppsok admin {args:?} failed: {err}{out}");
    out
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn staff_costs_through_the_admin_command(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (url, data) = (db.url.as_str(), dir.path());
    ok(url, data, &["--create", "init"]);
    ok(
        url,
        data,
        &[
            "org",
            "add",
            "--name",
            "Kalix kommun",
            "--kind",
            "municipality",
        ],
    );
    ok(
        url,
        data,
        &[
            "team",
            "add",
            "--name",
            "Kalix stödteam",
            "--org",
            "Kalix kommun",
        ],
    );
    let out = ok(
        url,
        data,
        &[
            "org",
            "staff-cost",
            "set",
            "Kalix kommun",
            "--from",
            "2026-01-01",
            "--per-hour",
            "480",
        ],
    );
    assert_eq!(
        out.trim(),
        "staff cost of Kalix kommun from 2026-01-01: 480.00 kr per hour"
    );
    ok(
        url,
        data,
        &[
            "org",
            "staff-cost",
            "set",
            "Kalix kommun",
            "--from",
            "2026-07-01",
            "--per-hour",
            "495,50",
        ],
    );
    // The same day again replaces it, and the change keeps what it replaced.
    ok(
        url,
        data,
        &[
            "org",
            "staff-cost",
            "set",
            "Kalix kommun",
            "--from",
            "2026-07-01",
            "--per-hour",
            "500",
        ],
    );

    // Bad input: an error naming the problem, and nothing changes.
    for (args, says) in [
        (vec!["--from", "2026-13-01", "--per-hour", "480"], "--from"),
        (
            vec!["--from", "2026-08-01", "--per-hour", "fyrahundra"],
            "per_hour",
        ),
        (vec!["--from", "2026-08-01", "--per-hour", "0"], "per_hour"),
        (
            vec!["--from", "2026-08-01", "--per-hour", "9000"],
            "per_hour",
        ),
    ] {
        let mut all = vec!["org", "staff-cost", "set", "Kalix kommun"];
        all.extend(args.iter().copied());
        let (success, _, err) = admin(url, data, &all);
        assert!(!success, "{all:?}");
        assert!(err.contains(says), "{all:?}: {err}");
    }
    let (success, _, err) = admin(
        url,
        data,
        &[
            "org",
            "staff-cost",
            "set",
            "Luleå kommun",
            "--per-hour",
            "480",
        ],
    );
    assert!(!success && err.contains("no organisation"), "{err}");

    let shown = ok(url, data, &["org", "staff-cost", "show", "Kalix kommun"]);
    assert!(
        shown.contains("from 2026-01-01\t480.00 kr per hour"),
        "{shown}"
    );
    assert!(
        shown.contains("from 2026-07-01\t500.00 kr per hour"),
        "{shown}"
    );
    assert!(
        !shown.contains("from 2026-08-01"),
        "nothing of the refused: {shown}"
    );
    let changes: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("  changed"))
        .collect();
    assert_eq!(changes.len(), 3, "{shown}");
    assert!(changes[0].contains("by uppsok admin (ekonom)") && changes[0].ends_with("(new)"));
    assert!(
        changes[2].contains("500.00 kr per hour (was 495.50 kr)"),
        "{}",
        changes[2]
    );

    // Staffing: posts per organisation in the team; out of range is refused.
    let out = ok(
        url,
        data,
        &[
            "team",
            "staffing",
            "Kalix stödteam",
            "--org",
            "Kalix kommun",
            "--posts",
            "2,5",
        ],
    );
    assert!(out.contains("2.50 full-time posts"), "{out}");
    let (success, _, err) = admin(
        url,
        data,
        &[
            "team",
            "staffing",
            "Kalix stödteam",
            "--org",
            "Kalix kommun",
            "--posts",
            "250",
        ],
    );
    assert!(!success && err.contains("--posts"), "{err}");

    let store = Store::connect(url, PoolSize::default()).await.unwrap();
    let org = store.find_org("Kalix kommun").await.unwrap().unwrap();
    let team = store.find_team("Kalix stödteam").await.unwrap().unwrap();
    let s = store.staff_cost_schedule(org.id).await.unwrap().unwrap();
    assert_eq!(s.at(d(2026, 6, 30)), 48_000);
    assert_eq!(s.at(d(2026, 7, 1)), 50_000);
    assert_eq!(s.entries().len(), 2);
    let staffing = store.team_staffing(team.id).await.unwrap();
    assert_eq!(staffing.len(), 1);
    assert_eq!(staffing[0].fte_hundredths, 250);
    assert_eq!(store.staff_cost_changes(org.id).await.unwrap().len(), 4);
}

backend_tests!(staff_costs_through_the_admin_command);

struct World {
    _dir: tempfile::TempDir,
    state: AppState,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::connect(&url, PoolSize::default()).await.unwrap();
    uppsok_cli::demo::seed(&store, dir.path(), 42, 7)
        .await
        .unwrap();
    let settings = Settings {
        password_cost: auth::PasswordCost::cheap(),
        ..Settings::default()
    };
    World {
        _dir: dir,
        state: AppState::new(store, settings),
    }
}

impl World {
    async fn session(&self, user: &str) -> String {
        let staff = self
            .state
            .store
            .staff_by_username(user)
            .await
            .unwrap()
            .unwrap();
        let (token, hash) = auth::new_token(auth::SESSION_PREFIX);
        self.state
            .store
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

    async fn get(&self, path: &str, cookie: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let r = app(self.state.clone()).oneshot(req).await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        let body = axum::body::to_bytes(r.into_body(), 10 << 20)
            .await
            .unwrap()
            .to_vec();
        (status, headers, body)
    }

    async fn page(&self, path: &str, cookie: &str) -> String {
        let (s, _, b) = self.get(path, cookie).await;
        let body = String::from_utf8_lossy(&b).into_owned();
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
        body
    }
}

/// The section with `id` of a page.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// The text between `start` and the next `end` after it.
fn between(html: &str, start: &str, end: &str) -> String {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {html}"))
        + start.len();
    let rest = &html[from..];
    rest[..rest.find(end).unwrap_or(rest.len())].to_owned()
}

/// The text of each cell of each row of a piece of HTML (the text after a cell's last tag).
fn rows(html: &str) -> Vec<Vec<String>> {
    html.split("<tr>")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or("");
            let mut cells: Vec<String> = row
                .split("</t")
                .map(|cell| cell.rsplit('>').next().unwrap_or("").trim().to_owned())
                .collect();
            // After the last cell's end tag.
            cells.pop();
            cells
        })
        .collect()
}

/// "1 234,50 kr" as öre.
fn ore(text: &str) -> i64 {
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("not money: {text:?}"))
}

#[tokio::test]
async fn the_cost_page_shows_the_team_figures_to_its_supervisors_only() {
    let w = world().await;
    let kommun = w.session("chef.kalix").await;
    let region = w.session("chef.region").await;
    let a = w.page("/cost", &kommun).await;
    let b = w.page("/cost", &region).await;
    assert!(a.starts_with("<!DOCTYPE html><html lang=\"sv\""));
    assert!(a.contains("aria-current=\"page\" href=\"/cost") || a.contains("href=\"/cost"));
    for id in [
        "summary",
        "months",
        "organisations",
        "shares",
        "staffing",
        "staff",
        "utfall",
    ] {
        assert!(a.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // The outcomes are the team's figures, as on the outcomes page, and name no client.
    let outcomes = section(&a, "utfall");
    let days = between(outcomes, "id=\"outcomes-days\">", "<");
    let on_outcomes_page = w.page("/outcomes", &kommun).await;
    assert!(
        on_outcomes_page.contains(&format!("id=\"outcomes-days\">{days}<")),
        "the cost page shows the outcomes page's {days}"
    );
    assert!(outcomes.contains("href=\"/outcomes?team="));
    assert!(!a.contains("<script"));
    // The team's figures are the same for both organisations' supervisors.
    for id in ["summary", "months", "organisations", "shares", "staffing"] {
        assert_eq!(section(&a, id), section(&b, id), "{id}");
    }
    // No client is named on the page.
    assert!(!a.contains("K-0") && !b.contains("K-0"));
    // The demo sets staffing and costs: the full cost per client and month is shown.
    assert!(a.contains("id=\"full-per-client-month\""));

    // The months add up to the year, and the organisations to the team, to the öre.
    let months = rows(section(&a, "months"));
    let year = months.last().unwrap().clone();
    assert_eq!(year[0], "Året");
    let month_rows = &months[1..months.len() - 1];
    assert!(!month_rows.is_empty());
    for col in 2..=5 {
        let sum: i64 = month_rows.iter().map(|r| ore(&r[col])).sum();
        assert_eq!(sum, ore(&year[col]), "column {col}");
    }
    let orgs = rows(section(&a, "organisations"));
    let org_rows = &orgs[1..];
    assert_eq!(org_rows.len(), 2, "{orgs:?}");
    let team_total: i64 = org_rows.iter().map(|r| ore(&r[5])).sum();
    assert_eq!(team_total, ore(&year[5]), "kommun + region = team");
    // Both organisations' staff were on the road; mileage is paid for own cars only (the
    // demo's municipality drives its own cars, the region a service car).
    assert!(
        org_rows.iter().all(|r| ore(&r[2]) > 0),
        "both organisations drove: {orgs:?}"
    );
    assert_eq!(
        org_rows.iter().filter(|r| ore(&r[3]) > 0).count(),
        1,
        "one organisation paid mileage: {orgs:?}"
    );

    // Road time, km and trip cost per member of staff only for the viewer's own organisation.
    let staff_of = |page: &str, name: &str| {
        rows(section(page, "staff"))
            .into_iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    let anna_by_region = staff_of(&b, "Anna Lind");
    assert_eq!(&anna_by_region[6..9], ["–", "–", "–"], "{anna_by_region:?}");
    let anna_by_kommun = staff_of(&a, "Anna Lind");
    assert_ne!(anna_by_kommun[7], "–");
    let maria_by_region = staff_of(&b, "Maria Berg");
    assert_ne!(maria_by_region[7], "–");
    assert_eq!(
        anna_by_region[5], anna_by_kommun[5],
        "contact time is the team's"
    );

    // English.
    let en = w.page("/cost?lang=en", &kommun).await;
    assert!(en.contains("Cost and results") && en.contains("Piteå"));

    // Who may not: case managers, admins, another team, a bad year.
    for user in ["anna.lind", "it.kalix"] {
        let c = w.session(user).await;
        for path in ["/cost", "/cost/report.pdf"] {
            let (s, _, _) = w.get(path, &c).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{user} {path}");
        }
    }
    let other = w
        .state
        .store
        .find_team("Haparanda stödteam")
        .await
        .unwrap()
        .unwrap();
    let (s, _, _) = w.get(&format!("/cost?team={}", other.id), &kommun).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = w.get("/cost?year=1999", &kommun).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = w.get("/cost/report.pdf?year=tjugo", &kommun).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The yearly PDF downloads, and both the page and the download are in the access log.
    let (s, h, pdf) = w.get("/cost/report.pdf?lang=sv", &kommun).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
    assert!(
        h[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("verksamhetsuppfoljning-")
    );
    assert!(pdf.starts_with(b"%PDF-"));
    let text = uppsok_tests::pdf::pdf_text(&pdf);
    assert!(text.contains("Utfall"), "{text}");
    assert!(
        text.contains(&days),
        "the PDF says the page's inpatient days {days}: {text}"
    );
    assert!(!text.contains("K-0"), "the PDF names no client");
    let log = w
        .state
        .store
        .list_audit(&AuditFilter {
            limit: 1000,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let by = |action: &str| {
        log.iter()
            .filter(|e| e.actor_username == "chef.kalix" && e.action.as_str() == action)
            .count()
    };
    assert!(by("cost") >= 2, "each page view is logged");
    assert_eq!(by("export"), 1, "the download is logged once");
}
