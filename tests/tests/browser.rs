//! Browser tests of the supervisor dashboard in real headless Chromium, driven over WebDriver
//! (chromedriver) by a few lines of HTTP — no WebDriver crate needed for this handful of
//! commands. Against a real `uppsok serve` process on a database the demo seeded.
//!
//! Ignored in `cargo test`; `tests/browser/run` runs it (after making sure Debian's chromium and
//! chromium-driver are installed, and the test OpenID provider) with `--ignored`, and fails if
//! Chromium cannot be driven. Screenshots of each page go to `tests/artifacts/screenshots/`.
//!
//! `oidc_redirect_flow_in_chromium` logs in through a real OpenID provider (the npm package
//! `oidc-provider` under Node, `tests/oidc-provider`, in its interactive mode): the login page's
//! button, the provider's own login and consent forms, back in the dashboard.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn uppsok_bin() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("target"));
    target.join("debug").join("uppsok")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Driver {
    http: reqwest::Client,
    base: String,
    session: String,
    shots: PathBuf,
}

impl Driver {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    async fn count(&self, css: &str) -> usize {
        self.cmd(
            reqwest::Method::POST,
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        )
        .await
        .as_array()
        .unwrap()
        .len()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Clicks a link or a form's button and waits until the page it leads to has loaded:
    /// chromedriver may answer the click before the navigation it starts has even begun, and
    /// reading the URL or the source then sees the old page (it did, with Chromium 156).
    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.script("window.__uppsokOldPage = true;").await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let loaded = self
                .try_script(
                    "return document.readyState === 'complete' && window.__uppsokOldPage !== true;",
                )
                .await;
            if loaded == Some(Value::Bool(true)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "clicking {css} led to no new page within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ticks a checkbox (a click that leads nowhere).
    async fn tick(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
        assert_eq!(
            self.script(&format!(
                "return document.querySelector({}).checked;",
                json!(css)
            ))
            .await,
            Value::Bool(true),
            "{css} is ticked"
        );
    }

    /// A script's value, or `None` while there is no page to run it in (mid-navigation).
    async fn try_script(&self, js: &str) -> Option<Value> {
        let url = format!("{}/session/{}/execute/sync", self.base, self.session);
        let v: Value = self
            .http
            .post(&url)
            .json(&json!({ "script": js, "args": [] }))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        if v["value"].get("error").is_some() {
            return None;
        }
        Some(v["value"].clone())
    }

    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{e}/attribute/{name}"),
            None,
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    async fn script(&self, js: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": js, "args": [] })),
        )
        .await
    }

    async fn screenshot(&self, name: &str) {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = b64(v.as_str().unwrap());
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// A Chrome DevTools command through chromedriver (viewport and media emulation).
    async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
        .await
    }

    /// Lays the page out as a screen `width` CSS pixels wide (a phone below 600).
    async fn viewport(&self, width: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": if width < 600 { 844 } else { 900 },
                    "deviceScaleFactor": 1, "mobile": width < 600 }),
        )
        .await;
    }

    /// A screenshot of the whole page, not only the visible part (phones scroll a long way).
    async fn full_screenshot(&self, name: &str) {
        let size = self
            .script("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            .await;
        let v = self
            .cdp(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true,
                        "clip": { "x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1 } }),
            )
            .await;
        let png = b64(v["data"].as_str().unwrap());
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// The page printed to PDF by Chromium (the print style sheet applies).
    async fn print_pdf(&self) -> Vec<u8> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/print",
                Some(json!({ "orientation": "portrait", "background": false })),
            )
            .await;
        b64(v.as_str().unwrap())
    }

    async fn cookie_header(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/cookie", None).await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{}={}",
                    c["name"].as_str().unwrap(),
                    c["value"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn login(&self, base: &str, user: &str, secret: &str) {
        self.goto(&format!("{base}/login")).await;
        self.type_into("#username", user).await;
        self.type_into("#password", "uppsok-demo-2026").await;
        // A code used once is refused the second time: wait for a fresh step when needed.
        let now = chrono::Utc::now().timestamp() as u64;
        let code = uppsok_server::auth::totp_code(secret, now).unwrap();
        self.type_into("#totp", &code).await;
        self.click("button[type=submit]").await;
    }
}

/// Standard base64 (the screenshots).
fn b64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A seeded `uppsok serve` and a Chromium session on it.
struct Rig {
    d: Driver,
    base: String,
    http: reqwest::Client,
    login: Value,
    _driver: Kill,
    _server: Kill,
    _tmp: tempfile::TempDir,
}

impl Rig {
    fn secret(&self, u: &str) -> String {
        self.login["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["username"] == u)
            .unwrap()["totp_secret"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Seeds a demo database, serves it with the real `uppsok serve`, and starts Chromium.
async fn start() -> Rig {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bin = uppsok_bin();
    assert!(bin.exists(), "build the server first: {}", bin.display());
    let shots = repo().join("tests/artifacts/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");

    // Seed with the demo, then serve that database with the real `uppsok serve`.
    let st = Command::new(&bin)
        .args(["demo", "--seed-only", "--days", "42", "--data"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(st.success(), "seeding failed");
    let login: Value =
        serde_json::from_slice(&std::fs::read(data.join("demo-login.json")).unwrap()).unwrap();
    let mut server = Command::new(&bin)
        .args(["serve", "--bind", "127.0.0.1:0", "--database"])
        .arg(login["database"].as_str().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let server = Kill(server);
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("serve prints its address")
        .to_owned();

    let port = free_port();
    let driver = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver must be installed (tests/tools/ensure-chromium)");
    let driver = Kill(driver);
    let http = reqwest::Client::new();
    let wd = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if http.get(format!("{wd}/status")).send().await.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tmp.path().join("chromium-profile");
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=sv-SE",
                     format!("--user-data-dir={}", profile.display())]
        }
    }}});
    let v: Value = http
        .post(format!("{wd}/session"))
        .json(&caps)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("Chromium did not start: {v}"))
        .to_owned();
    let d = Driver {
        http: http.clone(),
        base: wd.clone(),
        session,
        shots,
    };
    Rig {
        d,
        base,
        http,
        login,
        _driver: driver,
        _server: server,
        _tmp: tmp,
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium; run by tests/browser/run"]
async fn dashboard_in_headless_chromium() {
    let rig = start().await;
    let (d, base, http) = (&rig.d, rig.base.as_str(), &rig.http);
    let secret = |u: &str| rig.secret(u);

    // Log in with password and TOTP.
    d.goto(&format!("{base}/login")).await;
    d.screenshot("01-login").await;
    d.login(base, "chef.kalix", &secret("chef.kalix")).await;
    assert!(d.url().await.ends_with("/overview"), "{}", d.url().await);
    let html = d.source().await;
    assert!(html.contains("lang=\"sv\""));

    // The overdue client is in the highlighted list, with failed attempts shown apart.
    assert_eq!(d.count("section.alert a[data-code=\"K-007\"]").await, 1);
    assert_eq!(d.count("section.alert a[data-code=\"K-013\"]").await, 1);
    let k9_href = d.attr("a[href^=\"/client/\"][data-code]", "href").await;
    assert!(k9_href.starts_with("/client/"));
    let k9 = {
        // The link of K-009 in the table (a kommun client without consent).
        let js = "return [...document.querySelectorAll('th a')].find(a => a.textContent === 'K-009').getAttribute('href')";
        d.script(js).await.as_str().unwrap().to_owned()
    };
    d.screenshot("02-overview").await;

    // The client page.
    d.click("section.alert a[data-code=\"K-007\"]").await;
    assert!(d.text("h1").await.contains("K-007"));
    d.screenshot("03-client").await;

    // Fidelity.
    d.goto(&format!("{base}/fidelity")).await;
    // Ten rated items, the note on what the team is, and the three unrated figures.
    assert_eq!(d.count("section.card").await, 14);
    assert!(d.text("#caseload h2").await.contains("DACTS H1"));
    assert!(d.text("#retention h2").await.contains("DACTS S2"));
    assert_eq!(d.count("#by_stage svg").await, 1);
    d.screenshot("04-fidelity").await;
    d.goto(&format!("{base}/fidelity?lang=en")).await;
    assert!(d.text("h1").await.contains("ACT fidelity"));
    d.screenshot("04b-fidelity-en").await;
    d.goto(&format!("{base}/overview?lang=sv")).await;

    // Cost and results: the year's figures, its chart, and the yearly follow-up PDF that says
    // the same figure per client and month as the page.
    d.goto(&format!("{base}/cost")).await;
    assert!(d.text("h1").await.contains("Kostnad och resultat"));
    for id in [
        "summary",
        "months",
        "organisations",
        "shares",
        "staffing",
        "staff",
        "utfall",
    ] {
        assert_eq!(d.count(&format!("section#{id}")).await, 1, "{id}");
    }
    // The outcomes: the team's inpatient days before and in the first year, with their chart.
    let days = d.text("#outcomes-days").await;
    assert!(days.contains(" / "), "{days}");
    assert!(d.count("#utfall svg").await > 0, "the outcomes chart");
    assert!(d.count("#months svg rect").await > 0, "the chart has bars");
    let per_client = d.text("#per-client-month").await;
    assert!(per_client.ends_with("kr"), "{per_client}");
    let per_post = d.text("#team-clients-per-post").await;
    d.screenshot("04c-cost").await;
    let href = d.attr("#report-pdf", "href").await;
    let cookies = d.cookie_header().await;
    let pdf = http
        .get(format!("{base}{href}"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::write(d.shots.join("04d-verksamhetsuppfoljning.pdf"), &pdf).unwrap();
    let text = uppsok_tests::pdf::pdf_text(&pdf);
    let flat = |s: &str| s.replace(['\u{a0}', ' '], "");
    assert!(text.contains("Verksamhetsuppföljning"), "{text}");
    assert!(text.contains("Kalix stödteam"), "{text}");
    assert!(
        flat(&text).contains(&flat(&per_client)),
        "the PDF says the page's {per_client}: {text}"
    );
    assert!(flat(&text).contains(&flat(&per_post)), "{per_post}: {text}");
    assert!(
        flat(&text).contains(&flat(&days)),
        "the PDF says the page's inpatient days {days}: {text}"
    );
    for heading in [
        "Klienter",
        "ACT-trohet",
        "Kontakter",
        "Kostnad",
        "Bemanning",
        "Utfall",
    ] {
        assert!(text.contains(heading), "{heading}");
    }
    d.goto(&format!("{base}/cost?lang=en")).await;
    assert!(d.text("h1").await.contains("Cost and results"));
    d.goto(&format!("{base}/overview?lang=sv")).await;

    // Mileage and a körjournal export with the browser's session.
    d.goto(&format!("{base}/mileage")).await;
    d.screenshot("05-mileage").await;
    let href = d
        .attr("a[href*=\"korjournal\"][href*=\"format=csv\"]", "href")
        .await;
    let cookies = d.cookie_header().await;
    let csv = http
        .get(format!("{base}{href}"))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    // The field device's körjournal format, read back by the model's parser (which checks the
    // total line against the trips too).
    let rows = uppsok_model::mileage::korjournal::parse_csv(&csv).expect("the körjournal parses");
    assert!(!rows.is_empty(), "the körjournal holds trips");
    let pdf = http
        .get(format!(
            "{base}{}",
            href.replace("format=csv", "format=pdf")
        ))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::write(d.shots.join("05b-korjournal.pdf"), &pdf).unwrap();
    // The PDF's text holds the trips of the CSV and its total.
    let text = uppsok_tests::pdf::pdf_text(&pdf);
    let first = &rows[0];
    let date = first.date.format("%Y-%m-%d").to_string();
    assert!(
        text.lines()
            .any(|l| l.contains(&date) && l.contains(&first.from) && l.contains(&first.to)),
        "the PDF lists the trip of {date} from {} to {}",
        first.from,
        first.to
    );
    assert!(
        text.contains(&format!("Summa: {} resor", rows.len())),
        "the PDF's total counts every trip"
    );
    // Approve last month (the page's default: the one payroll pays) through the form.
    d.click("form[action=\"/mileage/approve\"] button").await;
    assert!(
        d.text("p.ok").await.contains("Månaden är attesterad"),
        "a result banner"
    );
    assert!(d.source().await.contains("Attesterad av"));

    // A trip of that month syncs late from a phone enrolled like any other: the page flags the
    // month, the payroll file says it is not approved in this form, and approving it again
    // makes page, file and PDF agree to the öre.
    let month = d.attr("#month", "value").await;
    let out = Command::new(uppsok_bin())
        .args(["admin", "--database"])
        .arg(rig.login["database"].as_str().unwrap())
        .args(["enrol", "anna.lind", "--no-qr"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    let enrolled: Value = http
        .post(format!("{base}/v1/devices/enroll"))
        .json(&json!({ "code": code, "device_name": "Annas nya telefon" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = enrolled["token"]
        .as_str()
        .expect("a device token")
        .to_owned();
    let first_day = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
    let start = first_day.and_hms_opt(16, 0, 0).unwrap().and_utc();
    let synced = http
        .post(format!("{base}/v1/sync"))
        .bearer_auth(&token)
        .header("uppsok-protocol", "1")
        .json(&uppsok_tests::late_trip::sync_request(
            "anna.lind",
            start,
            50,
            47.26,
            4242,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(synced.status(), 200, "{}", synced.text().await.unwrap());
    d.goto(&format!("{base}/mileage?month={month}")).await;
    assert!(d.source().await.contains("Ändrad efter attest"));
    d.screenshot("05c-mileage-changed-after-approval").await;
    let cookies = d.cookie_header().await;
    let payroll_url = format!("{base}/mileage/payroll.csv?month={month}");
    let payroll = |cookies: String| {
        let url = payroll_url.clone();
        async move {
            let csv = http
                .get(url)
                .header("cookie", cookies)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            uppsok_server::dashboard::export::parse(&csv)
                .into_iter()
                .find(|r| r[0] == "anna.lind")
                .expect("Anna's row")
        }
    };
    let row = payroll(cookies.clone()).await;
    assert_eq!(row[8], "ändrad efter attest – ej attesterad");
    assert_ne!(
        row[5], row[9],
        "the figure approved is kept beside the new one"
    );
    d.click(
        "form[action=\"/mileage/approve\"]:has(input[name=driver][value=\"anna.lind\"]) button",
    )
    .await;
    assert!(d.text("p.ok").await.contains("Månaden är attesterad"));
    assert!(!d.source().await.contains("Ändrad efter attest"));
    let row = payroll(cookies.clone()).await;
    assert_eq!(row[8], "attesterad");
    assert_eq!(row[5], row[9]);
    // The körjournal PDF's total is the payroll file's amount, to the öre.
    let pdf = http
        .get(format!(
            "{base}/mileage/korjournal?month={month}&driver=anna.lind&format=pdf"
        ))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = uppsok_tests::pdf::pdf_text(&pdf).replace(['\u{a0}', ' '], "");
    assert!(
        text.contains(&format!("{}kr", row[5])),
        "the PDF's total is {}: {text}",
        row[5]
    );
    assert!(text.contains("Attesteradav"), "{text}");

    // Devices: revoking needs its confirmation page, which names the user and the phone.
    d.goto(&format!("{base}/devices")).await;
    d.screenshot("06-devices").await;
    let before = d.count("a[href$=\"/revoke\"]").await;
    assert!(before > 0, "active phones can be revoked");
    assert_eq!(
        d.count("form[action$=\"/revoke\"]").await,
        0,
        "no one-click revoke on the list"
    );
    d.click("a[href$=\"/revoke\"]").await;
    assert!(d.text("h1").await.contains("Spärra telefonen?"));
    assert!(d.source().await.contains("Senaste synk"));
    d.screenshot("06a-devices-confirm-revoke").await;
    // Sent without the tick (the browser's `required` taken away): nothing happens.
    d.script("document.querySelector('input[name=confirm]').removeAttribute('required')")
        .await;
    d.click("form[action$=\"/revoke\"] button").await;
    assert!(d.text("p.warn").await.contains("kryssa i rutan"));
    assert_eq!(
        d.count("a[href$=\"/revoke\"]").await,
        before,
        "nothing revoked"
    );
    // With the tick.
    d.click("a[href$=\"/revoke\"]").await;
    d.tick("input[name=confirm]").await;
    d.click("form[action$=\"/revoke\"] button").await;
    assert!(d.text("p.ok").await.contains("Telefonen är spärrad"));
    assert_eq!(d.count("a[href$=\"/revoke\"]").await, before - 1);
    assert!(d.source().await.contains("Spärrad"));
    d.screenshot("06b-devices-revoked").await;

    // A form posted without its CSRF token is refused.
    d.click("a[href$=\"/revoke\"]").await;
    d.script("document.querySelectorAll('form[action$=\"/revoke\"] input[name=csrf]').forEach(i => i.remove())")
        .await;
    d.tick("input[name=confirm]").await;
    d.click("form[action$=\"/revoke\"] button").await;
    assert!(d.text("h1").await.contains("403"));
    d.screenshot("07-csrf-refused").await;
    d.goto(&format!("{base}/devices")).await;
    assert_eq!(
        d.count("a[href$=\"/revoke\"]").await,
        before - 1,
        "nothing revoked"
    );

    // A wipe is confirmed too, and can be withdrawn until the phone has received it.
    d.click("a[href$=\"/wipe\"]").await;
    assert!(d.text("h1").await.contains("radera"));
    assert!(d.source().await.contains("går förlorat för gott"));
    d.screenshot("07a-devices-confirm-wipe").await;
    d.tick("input[name=confirm]").await;
    d.click("form[action$=\"/wipe\"] button").await;
    assert!(d.text("p.ok").await.contains("raderar sina data"));
    assert_eq!(d.count("form[action$=\"/withdraw-wipe\"]").await, 1);
    d.click("form[action$=\"/withdraw-wipe\"] button").await;
    assert!(d.text("p.ok").await.contains("Raderingen är ångrad"));
    assert_eq!(d.count("form[action$=\"/withdraw-wipe\"]").await, 0);
    d.screenshot("07b-devices-wipe-withdrawn").await;

    // Access log follow-up.
    d.goto(&format!("{base}/audit?flagged=1")).await;
    assert!(d.source().await.contains("utanför läsarens team"));
    d.screenshot("08-audit").await;

    // The other organisation, without consent, does not see the kommun's client K-009.
    d.click("header form button").await;
    assert!(d.url().await.contains("/login"));
    // The region supervisor's first code of this test: no reuse problem.
    d.login(base, "chef.region", &secret("chef.region")).await;
    assert!(d.url().await.ends_with("/overview"));
    let html = d.source().await;
    assert!(!html.contains("K-009"), "region sees K-009");
    assert!(html.contains("K-004"));
    d.screenshot("09-overview-region").await;
    d.goto(&format!("{base}{k9}")).await;
    assert!(d.text("h1").await.contains("404"));
    d.screenshot("10-client-hidden-from-region").await;

    d.cmd(reqwest::Method::DELETE, "", None).await;
}

/// English words that must not appear on a Swedish page: the access log's codes, the
/// körjournal's sources, and the words of English error answers.
const ENGLISH: &[&str] = &[
    "dashboard",
    "list",
    "read",
    "sync",
    "export",
    "api",
    "create",
    "update",
    "delete",
    "approve",
    "odometer",
    "manual",
    "suggested",
    "error",
    "not",
    "found",
    "bad",
    "request",
    "forbidden",
    "internal",
    "csrf",
    "page",
    "client",
    "staff",
    "device",
    "trip",
    "visit",
    "the",
    "and",
    "of",
    "with",
    "from",
    "to",
    "is",
    "route",
];

/// The English words from [`ENGLISH`] in the page's text and its attributes people read
/// (labels, titles, placeholders), leaving out what is marked `lang="en"` (the language switch).
async fn english_on_page(d: &Driver) -> Vec<String> {
    let js = "const b = document.body.cloneNode(true);\
              b.querySelectorAll('[lang=en]').forEach(e => e.remove());\
              const attrs = [...b.querySelectorAll('[aria-label],[title],[placeholder],[alt]')]\
                .flatMap(e => ['aria-label','title','placeholder','alt'].map(a => e.getAttribute(a) || ''));\
              return b.textContent + ' ' + attrs.join(' ') + ' ' + document.title;";
    let text = d.script(js).await.as_str().unwrap_or("").to_lowercase();
    // Words of prose: punctuation around a word goes ("(odometer)", "read,"), a token with
    // punctuation inside ("chef.kalix", "uppsok-device/0.1.0") is a name, not a word.
    let mut found: Vec<String> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
        .filter(|w| ENGLISH.contains(w))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Every page in Swedish, at 1366 and at 390 CSS pixels and on paper: no English word from a
/// fixed list, nothing wider than a phone's screen (rows become cards), the navigation and the
/// forms left off the printout. Screenshots and printouts of each page are kept as artefacts.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium; run by tests/browser/run"]
async fn every_page_in_swedish_on_a_phone_and_on_paper() {
    let rig = start().await;
    let (d, base) = (&rig.d, rig.base.as_str());

    let mut problems = Vec::new();
    // Logged out: the login page.
    check_page(
        d,
        "01-login",
        &format!("{base}/login?lang=sv"),
        &mut problems,
    )
    .await;
    d.login(base, "chef.kalix", &rig.secret("chef.kalix")).await;
    assert!(d.url().await.ends_with("/overview"), "{}", d.url().await);
    let client = d.attr("section.alert a[data-code=\"K-007\"]", "href").await;
    d.goto(&format!("{base}/devices")).await;
    let revoke = d.attr("a[href$=\"/revoke\"]", "href").await;
    let wipe = d.attr("a[href$=\"/wipe\"]", "href").await;
    for (name, path) in [
        ("02-overview", "/overview".to_owned()),
        ("03-client", client),
        ("04-fidelity", "/fidelity".into()),
        ("04c-cost", "/cost".into()),
        ("05-mileage", "/mileage".into()),
        ("06-devices", "/devices".into()),
        ("06a-devices-confirm-revoke", revoke),
        ("06b-devices-confirm-wipe", wipe),
        ("07-audit", "/audit".into()),
        ("08-audit-flagged", "/audit?flagged=1".into()),
        ("09-password", "/password".into()),
        ("10-not-found", "/finns-inte".into()),
        ("11-bad-request", "/audit?from=igar".into()),
    ] {
        check_page(d, name, &format!("{base}{path}"), &mut problems).await;
    }

    // The error pages are styled pages with a way back, in the frame of the others.
    d.goto(&format!("{base}/finns-inte")).await;
    assert!(d.text("h1").await.contains("404"));
    assert_eq!(d.attr("main a[href=\"/\"]", "href").await, "/");
    // Below 600 px a table row is a card whose cells name their column.
    d.viewport(390).await;
    d.goto(&format!("{base}/audit")).await;
    let shown = d
        .script(
            "const td = document.querySelector('tbody td[data-label]');\
             return td ? getComputedStyle(td, '::before').content : '';",
        )
        .await;
    assert_eq!(
        shown.as_str(),
        Some("\"Tid\""),
        "the cell shows its column's name"
    );
    d.viewport(1366).await;

    assert!(problems.is_empty(), "{}", problems.join("\n"));
    d.cmd(reqwest::Method::DELETE, "", None).await;
}

/// One page at 1366 and 390 px and printed: what [`every_page_in_swedish_on_a_phone_and_on_paper`]
/// asks of it goes into `problems`, so one run reports every page that falls short.
async fn check_page(d: &Driver, name: &str, url: &str, problems: &mut Vec<String>) {
    for width in [1366u32, 390] {
        d.viewport(width).await;
        d.goto(url).await;
        assert!(
            d.source().await.contains("lang=\"sv\""),
            "{name} is not in Swedish"
        );
        let english = english_on_page(d).await;
        if !english.is_empty() {
            problems.push(format!("{name} at {width} px has English: {english:?}"));
        }
        let doc_w = d
            .script("return document.documentElement.scrollWidth")
            .await
            .as_u64()
            .unwrap();
        // A phone's layout viewport widens to fit a page that is too wide, so both are
        // compared with the screen's width.
        let view_w = d.script("return window.innerWidth").await.as_u64().unwrap();
        let screen = u64::from(width);
        if doc_w.max(view_w) > screen {
            problems.push(format!(
                "{name} at {width} px is {} px wide, wider than the viewport",
                doc_w.max(view_w)
            ));
        }
        d.full_screenshot(&format!("w{width}-{name}")).await;
    }
    // On paper: the print style sheet leaves out the navigation and the forms.
    d.viewport(1366).await;
    let pdf = d.print_pdf().await;
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::write(d.shots.join(format!("print-{name}.pdf")), &pdf).unwrap();
    let text = uppsok_tests::pdf::pdf_text(&pdf);
    for hidden in ["Logga ut", "Hoppa till innehållet", "Språk:"] {
        if text.contains(hidden) {
            problems.push(format!("{name} printed shows \"{hidden}\""));
        }
    }
}

/// A child's first line "listening on URL", read within 60 s; the URL.
fn listening(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the child prints its address");
    line.trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned()
}

/// `uppsok admin ARGS…` on the rig's database (its key is the default one beside it).
fn admin(db: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut c = Command::new(uppsok_bin());
    c.arg("admin").args(["--database", db]).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("uppsok admin runs");
    assert!(
        out.status.success(),
        "uppsok admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and Node; run by tests/browser/run"]
async fn oidc_redirect_flow_in_chromium() {
    const CLIENT_ID: &str = "uppsok-browser";
    const CLIENT_SECRET: &str = "browser-client-secret";
    const SUBJECT: &str = "chef-kalix-at-the-provider";
    let script = std::env::var_os("UPPSOK_OIDC_PROVIDER").map_or_else(
        || repo().join("tests/oidc-provider/provider.mjs"),
        PathBuf::from,
    );
    assert!(
        script
            .parent()
            .expect("the script's directory")
            .join("node_modules/oidc-provider")
            .exists(),
        "the test OpenID provider is not installed: run tests/tools/ensure-oidc-provider"
    );
    let rig = start().await;
    let (d, base) = (&rig.d, rig.base.as_str());
    let db = rig.login["database"]
        .as_str()
        .expect("the database")
        .to_owned();
    let user = rig.login["supervisor"]["username"]
        .as_str()
        .expect("the supervisor")
        .to_owned();
    let org_name = rig.login["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == user.as_str())
        .and_then(|u| u["org"].as_str())
        .expect("the supervisor's organisation")
        .to_owned();

    // The organisation's provider, asking for the account and consent in its own pages.
    let mut provider = Command::new("node")
        .arg(&script)
        .env("PORT", "0")
        .env("KID", "browser-key")
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env("REDIRECT_URI", format!("{base}/login/oidc/callback"))
        .env("INTERACTIVE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs the provider");
    let issuer = listening(&mut provider);
    let _provider = Kill(provider);
    let out = admin(
        &db,
        &[
            "org",
            "oidc",
            &org_name,
            "--issuer",
            &issuer,
            "--client-id",
            CLIENT_ID,
            "--acr",
            "loa3",
        ],
        &[("UPPSOK_OIDC_CLIENT_SECRET", CLIENT_SECRET)],
    );
    assert!(out.contains("logs in with"), "{out}");
    admin(&db, &["user", "oidc-subject", &user, SUBJECT], &[]);
    let org_id = admin(&db, &["org", "list"], &[])
        .lines()
        .find(|l| l.contains(&org_name))
        .and_then(|l| l.split('\t').next())
        .expect("the organisation's id")
        .to_owned();

    // The login page's button → the provider's login form.
    d.goto(&format!("{base}/login")).await;
    let button = format!("a[href=\"/login/oidc?org={org_id}\"]");
    assert_eq!(d.count(&button).await, 1, "{}", d.source().await);
    d.click(&button).await;
    assert!(d.url().await.starts_with(&issuer), "{}", d.url().await);
    assert!(d.source().await.contains("Testleverantörens inloggning"));
    d.screenshot("oidc-1-provider-login").await;
    d.type_into("#account", SUBJECT).await;
    d.click("#sign-in").await;

    // The provider's consent page → back at Uppsök, logged in.
    assert!(d.url().await.starts_with(&issuer), "{}", d.url().await);
    assert!(
        d.source().await.contains("Uppsök vill veta vem du är"),
        "{}",
        d.source().await
    );
    d.screenshot("oidc-2-provider-consent").await;
    d.click("#consent").await;
    let url = d.url().await;
    assert!(url.starts_with(base) && url.ends_with("/overview"), "{url}");
    let html = d.source().await;
    assert!(html.contains("action=\"/logout\""), "logged in: {html}");
    d.screenshot("oidc-3-dashboard").await;
    let cookies = d.cookie_header().await;
    assert!(cookies.contains("uppsok_session="), "{cookies}");
    assert!(
        !cookies.contains("uppsok_oidc_state="),
        "the state cookie is spent: {cookies}"
    );

    // Logging out offers the provider's logout too.
    d.click("form[action=\"/logout\"] button").await;
    assert!(
        d.source()
            .await
            .contains("Logga ut även från organisationens inloggning")
    );
}
