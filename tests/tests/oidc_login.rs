//! Logging in to the dashboard with the organisation's identity provider, end to end and on
//! both backends: a real `uppsok serve` process set up through `uppsok admin` (`org oidc`,
//! `user add --oidc-subject`, `user oidc-subject`), a real OpenID provider on the loopback (the
//! certified npm package `oidc-provider` under Node, `tests/oidc-provider`, with its own signing
//! key), and plain HTTP through the whole redirect flow with a cookie jar standing in for the
//! browser. The provider answers its login prompt as the test says (`/test/next`), and can
//! re-sign an ID token it issued with one wrong claim; everything else is the package's own.
//!
//! Every refusal is checked for its status and its Swedish words, and that it opened no
//! session; the server's log is checked for the client secret and the subjects.
//!
//! The same flow enrols a phone (`GET /enrol/oidc`, ending in an `uppsok://enrol` link whose
//! code a real phone store enrols with and syncs), and creates the account of someone unknown
//! at their first login where the organisation allows it, which an admin then completes; and
//! it gives a program a JSON API session (`GET /login/oidc/api`, a one-time code on the page,
//! exchanged at `POST /v1/auth/oidc/token`).

mod phone_support;
mod server_common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use server_common::*;
use tokio::io::AsyncBufReadExt;
use uppsok_model::{ClientId, OrgId, TeamId};
use uppsok_server::store::{AuditAction, AuditFilter, AuditRow, AuthMethod, PoolSize, Store, Via};

backend_tests!(
    oidc_login_logout_and_replays,
    oidc_refusals_and_key_rotation,
    oidc_phone_enrolment,
    oidc_provisioning_at_first_login,
    oidc_api_login
);

const CLIENT_ID: &str = "uppsok-test";
const CLIENT_SECRET: &str = "client-secret-MARKER-4711";
const SARA_SUBJECT: &str = "sara-SUBJECTMARKER";
const KIM_SUBJECT: &str = "kim-SUBJECTMARKER";
const ADA_SUBJECT: &str = "ada-SUBJECTMARKER";

/// The provider script, installed by `tests/tools/ensure-oidc-provider` (tests/run does it).
fn provider_script() -> PathBuf {
    let script = std::env::var_os("UPPSOK_OIDC_PROVIDER").map_or_else(
        || uppsok_tests::workspace_root().join("tests/oidc-provider/provider.mjs"),
        PathBuf::from,
    );
    let modules = script
        .parent()
        .expect("the script's directory")
        .join("node_modules/oidc-provider");
    assert!(
        modules.exists(),
        "the test OpenID provider is not installed: run tests/tools/ensure-oidc-provider"
    );
    script
}

/// Reads the "listening on URL" line a child prints first, then keeps draining its stdout.
async fn listening_line(child: &mut tokio::process::Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the process prints its address in time")
        .expect("read")
        .expect("a line");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    line.strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim()
        .to_owned()
}

/// The OpenID provider, on `port` (0: any) with a signing key named `kid`.
struct OidcProvider {
    child: tokio::process::Child,
    issuer: String,
}

impl OidcProvider {
    async fn start(port: u16, kid: &str, redirect_uri: &str) -> OidcProvider {
        let mut child = tokio::process::Command::new("node")
            .arg(provider_script())
            .env("PORT", port.to_string())
            .env("KID", kid)
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", redirect_uri)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the provider");
        let issuer = listening_line(&mut child).await;
        OidcProvider { child, issuer }
    }

    fn port(&self) -> u16 {
        self.issuer
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the issuer has a port")
    }

    /// How the provider answers the next login.
    async fn next(&self, account: &str, acr: &str, tamper: Option<&str>) {
        let mut url = format!("{}/test/next?account={account}&acr={acr}", self.issuer);
        if let Some(t) = tamper {
            url.push_str(&format!("&tamper={t}"));
        }
        let r = http_client().get(url).send().await.expect("provider");
        assert_eq!(r.status().as_u16(), 204);
    }

    /// The same issuer (port) with a new signing key: a key rotation.
    async fn restart(&mut self, kid: &str, redirect_uri: &str) {
        let port = self.port();
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        *self = OidcProvider::start(port, kid, redirect_uri).await;
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// `uppsok serve` with its stderr (the log) in a file, so the test can read what it logged.
struct Server {
    child: tokio::process::Child,
    base: String,
    log: PathBuf,
}

impl Server {
    async fn start(db: &str, key: &Path, log: PathBuf) -> Server {
        let mut child = tokio::process::Command::new(uppsok_bin())
            .args(["serve", "--bind", "127.0.0.1:0", "--database", db])
            .arg("--secret-key-file")
            .arg(key)
            .env("UPPSOK_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .kill_on_drop(true)
            .spawn()
            .expect("uppsok serve starts");
        let base = listening_line(&mut child).await;
        Server { child, base, log }
    }

    fn callback(&self) -> String {
        format!("{}/login/oidc/callback", self.base)
    }
}

/// `uppsok admin ARGS…` on the test's database and key; its stdout, or a panic with stderr.
fn admin(db: &str, key: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = admin_output(db, key, args, env);
    assert!(
        out.status.success(),
        "uppsok admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn admin_output(db: &str, key: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(uppsok_bin());
    c.arg("admin")
        .args(["--database", db])
        .arg("--secret-key-file")
        .arg(key)
        .args(args)
        .env_remove("UPPSOK_OIDC_CLIENT_SECRET")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("uppsok admin runs")
}

/// A browser as far as the flow needs one: no automatic redirects, one cookie jar for the
/// loopback (browsers share cookies between ports of a host too).
struct Browser {
    http: reqwest::Client,
    jar: HashMap<String, String>,
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Browser {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            jar: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let res = req
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("request");
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().expect("ascii cookie");
            let first = v.split(';').next().unwrap_or_default();
            let (name, value) = first.split_once('=').expect("name=value");
            let gone = value.is_empty()
                || v.to_ascii_lowercase().contains("max-age=0")
                || v.to_ascii_lowercase().contains("expires=thu, 01 jan 1970");
            if gone {
                self.jar.remove(name.trim());
            } else {
                self.jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().expect("ascii location").to_owned());
        let body = res.text().await.unwrap_or_default();
        Answer {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, url: &str) -> Answer {
        let req = self.http.get(url);
        self.send(req).await
    }

    /// Follows redirects from `url` (relative ones against `url`'s origin) until one points at
    /// `stop` (returned, not requested); panics on anything else.
    async fn follow_until(&mut self, url: &str, stop: &str) -> String {
        let mut url = url.to_owned();
        for _ in 0..20 {
            let a = self.get(&url).await;
            let Some(loc) = a.location else {
                panic!("{url} answered {} without a redirect: {}", a.status, a.body);
            };
            let next = if loc.starts_with('/') {
                let origin: String = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
                format!("{origin}{loc}")
            } else {
                loc
            };
            if next.starts_with(stop) {
                return next;
            }
            url = next;
        }
        panic!("more than 20 redirects");
    }
}

/// Replaces the value of query parameter `name` in `url`.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').expect("a query");
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k == name => format!("{k}={value}"),
            _ => kv.to_owned(),
        })
        .collect();
    assert!(
        parts.iter().any(|p| p.starts_with(&format!("{name}="))),
        "{name} in {url}"
    );
    format!("{base}?{}", parts.join("&"))
}

fn param(url: &str, name: &str) -> String {
    url.split_once('?')
        .expect("a query")
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .to_owned()
}

/// The set-up both scenarios share: Region Norrbotten logs in through the provider (acr loa3
/// or loa4, passwords refused), Sara is a supervisor there with a provider subject.
struct World {
    db: TestDb,
    _dir: tempfile::TempDir,
    key: PathBuf,
    server: Server,
    provider: OidcProvider,
    org: String,
}

impl World {
    async fn new(backend: Backend) -> World {
        let db = TestDb::new(backend).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("server.key");
        let server = Server::start(&db.url, &key, dir.path().join("serve.log")).await;
        let provider = OidcProvider::start(0, "key-1", &server.callback()).await;
        let url = db.url.clone();
        let out = admin(
            &url,
            &key,
            &[
                "org",
                "add",
                "--name",
                "Region Norrbotten",
                "--kind",
                "region",
            ],
            &[],
        );
        let org = out.split('\t').next().expect("org id").to_owned();
        admin(
            &url,
            &key,
            &["team", "add", "--name", "Team Kalix", "--org", &org],
            &[],
        );
        let out = admin(
            &url,
            &key,
            &[
                "org",
                "oidc",
                "Region Norrbotten",
                "--issuer",
                &provider.issuer,
                "--client-id",
                CLIENT_ID,
                "--acr",
                "loa3",
                "--acr",
                "loa4",
                "--passwords",
                "refuse",
            ],
            &[("UPPSOK_OIDC_CLIENT_SECRET", CLIENT_SECRET)],
        );
        assert!(out.contains("passwords refused"), "{out}");
        assert!(!out.contains(CLIENT_SECRET), "the secret is never printed");
        admin(
            &url,
            &key,
            &[
                "user",
                "add",
                "--username",
                "sara",
                "--name",
                "Sara Lind",
                "--role",
                "supervisor",
                "--org",
                &org,
                "--team",
                "Team Kalix",
                "--oidc-subject",
                SARA_SUBJECT,
            ],
            &[],
        );
        World {
            db,
            _dir: dir,
            key,
            server,
            provider,
            org,
        }
    }

    /// `uppsok admin org oidc` again with the scenario's provider and `extra` flags.
    fn reconfigure(&self, extra: &[&str]) -> String {
        let mut args = vec![
            "org",
            "oidc",
            "Region Norrbotten",
            "--issuer",
            &self.provider.issuer,
            "--client-id",
            CLIENT_ID,
            "--acr",
            "loa3",
            "--acr",
            "loa4",
            "--passwords",
            "refuse",
        ];
        args.extend_from_slice(extra);
        admin(&self.db.url, &self.key, &args, &[])
    }

    /// A phone's enrolment through the provider as `account`: from `GET /enrol/oidc` (no
    /// organisation: the server picks the only one that allows it) through the provider to the
    /// callback's answer, which is returned.
    async fn phone_login(&self, b: &mut Browser, account: &str) -> Answer {
        self.provider.next(account, "loa3", None).await;
        let start = format!("{}/enrol/oidc", self.server.base);
        let a = b.get(&start).await;
        if a.status != 303 {
            return a;
        }
        let to_org = a.location.expect("to the organisation's start");
        assert_eq!(to_org, format!("/enrol/oidc?org={}", self.org));
        let a = b.get(&format!("{}{to_org}", self.server.base)).await;
        assert_eq!(a.status, 303, "{}", a.body);
        assert!(b.jar.contains_key("uppsok_oidc_phone"));
        let authorize = a.location.expect("to the provider");
        assert!(authorize.starts_with(&self.provider.issuer), "{authorize}");
        let callback = self.at_provider(b, &authorize).await;
        b.get(&callback).await
    }

    /// `GET /login/oidc?org=…` → the provider's authorization URL (the state cookie is set).
    async fn start_login(&self, b: &mut Browser) -> String {
        let a = b
            .get(&format!("{}/login/oidc?org={}", self.server.base, self.org))
            .await;
        assert_eq!(a.status, 303, "{}", a.body);
        let to = a.location.expect("to the provider");
        assert!(to.starts_with(&self.provider.issuer), "{to}");
        assert!(b.jar.contains_key("uppsok_oidc_state"));
        to
    }

    /// Through the provider (which logs in as it was told) to the callback URL, not requested.
    async fn at_provider(&self, b: &mut Browser, authorize: &str) -> String {
        b.follow_until(authorize, &self.server.callback()).await
    }

    /// A whole login as `account` with `acr`: the callback's answer.
    async fn login(&self, b: &mut Browser, account: &str, acr: &str) -> Answer {
        self.provider.next(account, acr, None).await;
        let authorize = self.start_login(b).await;
        let callback = self.at_provider(b, &authorize).await;
        b.get(&callback).await
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.server.log).unwrap_or_default()
    }

    /// The access log's entries of `action` (newest first), read straight from the database.
    async fn access_log(&self, action: AuditAction) -> Vec<AuditRow> {
        let store = Store::connect(&self.db.url, PoolSize { max: 2 })
            .await
            .expect("store");
        let entries = store
            .list_audit(&AuditFilter {
                limit: 100,
                ..AuditFilter::default()
            })
            .await
            .expect("audit");
        store.close().await;
        entries.into_iter().filter(|e| e.action == action).collect()
    }

    async fn stop(mut self) {
        self.provider.stop().await;
        let _ = self.server.child.start_kill();
        let _ = self.server.child.wait().await;
        drop(self.db);
    }
}

fn assert_logged_in(a: &Answer, b: &Browser) {
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location.as_deref(), Some("/"));
    assert!(b.jar.contains_key("uppsok_session"), "a session cookie");
    assert!(
        !b.jar.contains_key("uppsok_oidc_state"),
        "the state cookie is spent"
    );
}

/// A refusal: the status, the login page with the Swedish words, and no session.
fn assert_refused(a: &Answer, b: &Browser, status: u16, words: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert!(a.body.contains(words), "expected {words:?} in {}", a.body);
    assert!(a.body.contains("role=\"alert\""), "an alert");
    assert!(!b.jar.contains_key("uppsok_session"), "no session");
}

async fn oidc_login_logout_and_replays(backend: Backend) {
    let w = World::new(backend).await;
    let base = w.server.base.clone();

    // The login page offers the organisation's login.
    let mut b = Browser::new();
    let page = b.get(&format!("{base}/login")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Logga in med organisationens inloggning")
            && page.body.contains("Region Norrbotten")
            && page
                .body
                .contains(&format!("href=\"/login/oidc?org={}\"", w.org)),
        "{}",
        page.body
    );

    // Sara logs in with loa3 and reads the fidelity page: the access log says how.
    let a = w.login(&mut b, SARA_SUBJECT, "loa3").await;
    assert_logged_in(&a, &b);
    let page = b.get(&format!("{base}/fidelity")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Sara Lind"), "logged in as Sara");
    let reads = w.access_log(AuditAction::Fidelity).await;
    let read = reads.first().expect("the fidelity page was logged");
    assert_eq!(read.via, Via::Dashboard);
    assert_eq!(read.auth_method, Some(AuthMethod::Oidc));
    assert_eq!(read.acr.as_deref(), Some("loa3"));

    // Logging out ends the session here and offers the provider's end-session endpoint.
    let csrf = page
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the logout form's token")
        .to_owned();
    let req = b
        .http
        .post(format!("{base}/logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        // The token is base64url: nothing in it needs escaping.
        .body(format!("csrf={csrf}"));
    let out = b.send(req).await;
    assert_eq!(out.status, 303);
    let to = out.location.expect("to the login page");
    assert_eq!(to, format!("/login?expired=out&sso={}", w.org));
    let page = b.get(&format!("{base}{to}")).await;
    assert!(page.body.contains("Du är utloggad."), "{}", page.body);
    assert!(
        page.body
            .contains("Logga ut även från organisationens inloggning")
            && page.body.contains(&format!(
                "href=\"{}/session/end?client_id={CLIENT_ID}\"",
                w.provider.issuer
            )),
        "{}",
        page.body
    );
    let after = b.get(&format!("{base}/fidelity")).await;
    assert_eq!(after.status, 303, "the session has ended");
    b.jar.remove("uppsok_session");

    // The organisation refuses passwords: Kim's right password opens nothing.
    let out = admin(
        &w.db.url,
        &w.key,
        &[
            "user",
            "add",
            "--username",
            "kim",
            "--name",
            "Kim Berg",
            "--role",
            "case_manager",
            "--org",
            &w.org,
            "--team",
            "Team Kalix",
        ],
        &[],
    );
    let password = out
        .split("initial password (shown once): ")
        .nth(1)
        .expect("a password")
        .trim()
        .to_owned();
    let r = http_client()
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({"username": "kim", "password": password}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status().as_u16(), 403);
    let body = r.text().await.expect("body");
    assert!(body.contains("password login is turned off"), "{body}");

    // The same callback twice: the second finds its state spent.
    let mut b = Browser::new();
    w.provider.next(SARA_SUBJECT, "loa4", None).await;
    let authorize = w.start_login(&mut b).await;
    let callback = w.at_provider(&mut b, &authorize).await;
    let state_cookie = b.jar.get("uppsok_oidc_state").cloned().expect("state");
    assert_logged_in(&b.get(&callback).await, &b);
    b.jar.remove("uppsok_session");
    b.jar.insert("uppsok_oidc_state".into(), state_cookie);
    let again = b.get(&callback).await;
    assert_refused(&again, &b, 400, "det var redan använt");

    // A callback whose state is not the browser's.
    let mut b = Browser::new();
    w.provider.next(SARA_SUBJECT, "loa3", None).await;
    let authorize = w.start_login(&mut b).await;
    let callback = w.at_provider(&mut b, &authorize).await;
    let forged = with_param(&callback, "state", "forged-state-value");
    assert_refused(
        &b.get(&forged).await,
        &b,
        400,
        "hörde inte till en pågående inloggning",
    );

    // A code already redeemed, brought to a login of its own: the provider refuses it.
    let mut b = Browser::new();
    w.provider.next(SARA_SUBJECT, "loa3", None).await;
    let authorize = w.start_login(&mut b).await;
    let used = w.at_provider(&mut b, &authorize).await;
    assert_logged_in(&b.get(&used).await, &b);
    b.jar.remove("uppsok_session");
    let authorize = w.start_login(&mut b).await;
    let replay = with_param(&used, "state", &param(&authorize, "state"));
    assert_refused(
        &b.get(&replay).await,
        &b,
        401,
        "godtog inte inloggningen när Uppsök hämtade den",
    );

    let log = w.log();
    assert!(log.contains("login"), "the server logged: {log}");
    for secret in [CLIENT_SECRET, SARA_SUBJECT, &password] {
        assert!(!log.contains(secret), "the log holds a secret: {log}");
    }
    w.stop().await;
}

async fn oidc_refusals_and_key_rotation(backend: Backend) {
    let mut w = World::new(backend).await;

    // A nonce other than the one Uppsök sent: the ID token belongs to another login.
    let mut b = Browser::new();
    w.provider.next(SARA_SUBJECT, "loa3", None).await;
    let authorize = w.start_login(&mut b).await;
    let authorize = with_param(&authorize, "nonce", "someone-elses-nonce");
    let callback = w.at_provider(&mut b, &authorize).await;
    assert_refused(
        &b.get(&callback).await,
        &b,
        401,
        "hörde till en annan inloggning",
    );

    // An ID token the provider signed, but expired ten minutes ago.
    let mut b = Browser::new();
    w.provider.next(SARA_SUBJECT, "loa3", Some("exp")).await;
    let authorize = w.start_login(&mut b).await;
    let callback = w.at_provider(&mut b, &authorize).await;
    assert_refused(&b.get(&callback).await, &b, 401, "har gått ut");

    // … and one issued to another service.
    let mut b = Browser::new();
    w.provider.next(SARA_SUBJECT, "loa3", Some("aud")).await;
    let authorize = w.start_login(&mut b).await;
    let callback = w.at_provider(&mut b, &authorize).await;
    assert_refused(
        &b.get(&callback).await,
        &b,
        401,
        "utfärdad till en annan tjänst",
    );

    // A login at a level below what the organisation accepts.
    let mut b = Browser::new();
    let a = w.login(&mut b, SARA_SUBJECT, "low").await;
    assert_refused(&a, &b, 403, "inloggningsmetod som inte räcker");

    // Someone the provider knows and Uppsök does not: told whom to ask.
    let mut b = Browser::new();
    let a = w.login(&mut b, "stranger", "loa3").await;
    assert_refused(
        &a,
        &b,
        403,
        "Be en administratör för Uppsök i din organisation att lägga upp ditt konto",
    );

    // A key rotated at the provider: Uppsök fetches the new keys and the login works.
    let mut b = Browser::new();
    assert_logged_in(&w.login(&mut b, SARA_SUBJECT, "loa3").await, &b);
    w.provider.restart("key-2", &w.server.callback()).await;
    let mut b = Browser::new();
    assert_logged_in(&w.login(&mut b, SARA_SUBJECT, "loa4").await, &b);

    // Another claim names the account: the HSA-id. The stored secret is kept when the command
    // leaves it out.
    admin(
        &w.db.url,
        &w.key,
        &[
            "org",
            "oidc",
            "Region Norrbotten",
            "--issuer",
            &w.provider.issuer,
            "--client-id",
            CLIENT_ID,
            "--subject-claim",
            "hsa_id",
            "--acr",
            "loa3",
        ],
        &[],
    );
    let mut b = Browser::new();
    let a = w.login(&mut b, SARA_SUBJECT, "loa3").await;
    assert_refused(&a, &b, 403, "inget konto i Uppsök är kopplat till dig");
    let hsa = format!("SE2321000230-{SARA_SUBJECT}");
    admin(
        &w.db.url,
        &w.key,
        &["user", "oidc-subject", "sara", &hsa],
        &[],
    );
    let mut b = Browser::new();
    assert_logged_in(&w.login(&mut b, SARA_SUBJECT, "loa3").await, &b);

    // Bad input to the admin commands is named and changes nothing.
    let out = admin_output(
        &w.db.url,
        &w.key,
        &[
            "org",
            "oidc",
            "Region Norrbotten",
            "--issuer",
            "http://idp.example.se",
            "--client-id",
            CLIENT_ID,
        ],
        &[],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--issuer must use https"), "{err}");
    let out = admin_output(
        &w.db.url,
        &w.key,
        &["user", "oidc-subject", "sara", " padded"],
        &[],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--oidc-subject must be"), "{err}");
    assert!(!err.contains("padded"), "the value is not echoed: {err}");
    let mut b = Browser::new();
    assert_logged_in(&w.login(&mut b, SARA_SUBJECT, "loa3").await, &b);

    let log = w.log();
    for secret in [CLIENT_SECRET, SARA_SUBJECT] {
        assert!(!log.contains(secret), "the log holds a secret: {log}");
    }
    w.stop().await;
}

/// A refusal on the phone's page: the status, the Swedish words, no password form, no session.
fn assert_phone_refused(a: &Answer, b: &Browser, status: u16, words: &str) {
    assert_refused(a, b, status, words);
    assert!(
        a.body.contains("gå tillbaka till appen Uppsök"),
        "the phone's page: {}",
        a.body
    );
    assert!(!a.body.contains("name=\"password\""), "no password form");
    assert!(!a.body.contains("uppsok://"), "no enrolment link");
}

async fn oidc_phone_enrolment(backend: Backend) {
    let w = World::new(backend).await;
    let base = w.server.base.clone();
    admin(
        &w.db.url,
        &w.key,
        &[
            "user",
            "add",
            "--username",
            "kim",
            "--name",
            "Kim Berg",
            "--role",
            "case_manager",
            "--org",
            &w.org,
            "--team",
            "Team Kalix",
            "--oidc-subject",
            KIM_SUBJECT,
        ],
        &[],
    );

    // Not turned on: the start refuses, on the phone's page, before the provider is asked.
    let mut b = Browser::new();
    let a = b.get(&format!("{base}/enrol/oidc?org={}", w.org)).await;
    assert_phone_refused(&a, &b, 404, "har inte slagit på registrering av telefoner");
    let a = w.phone_login(&mut b, KIM_SUBJECT).await;
    assert_phone_refused(&a, &b, 404, "har inte slagit på registrering av telefoner");

    let out = w.reconfigure(&["--phone-enrolment", "allow"]);
    assert!(out.contains("phone enrolment allowed"), "{out}");

    // Kim logs in at the provider from the app: the answer is the app's enrolment link.
    let mut b = Browser::new();
    let a = w.phone_login(&mut b, KIM_SUBJECT).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let link = a.location.clone().expect("the enrolment link");
    assert!(link.starts_with("uppsok://enrol?"), "{link}");
    assert!(
        !b.jar.contains_key("uppsok_session"),
        "no dashboard session"
    );
    assert!(
        !b.jar.contains_key("uppsok_oidc_state"),
        "the state is spent"
    );
    let url = reqwest::Url::parse(&link).expect("a URL");
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q.get("server"), Some(&base), "{link}");
    let code = q.get("code").expect("a code").clone();
    assert_eq!(code.len(), 14, "a code like an admin's: {code}");

    // A real phone enrols with the link's code and syncs.
    let dir = tempfile::tempdir().expect("temp dir");
    let phone_dir = dir.path().to_owned();
    let (server, c) = (base.clone(), code.clone());
    let (enrolled_staff, report) = tokio::task::spawn_blocking(move || {
        let store = phone_support::phone(&phone_dir, "kim");
        let client =
            uppsok_device::sync::SyncClient::new(uppsok_device::sync::SyncConfig::default())
                .expect("sync client");
        let e = client
            .enrol_blocking(&store, &server, &c, Some("Kims telefon"))
            .expect("the phone enrols with the code from the link");
        let report = phone_support::sync_until_done(&client, &store);
        (e.profile.user.to_string(), report)
    })
    .await
    .expect("the phone's thread");
    assert_eq!(enrolled_staff, "kim");
    assert!(report.complete, "{report:?}");

    // The code is one-time: a second phone cannot use it.
    let r = http_client()
        .post(format!("{base}/v1/devices/enroll"))
        .json(&serde_json::json!({"code": code}))
        .send()
        .await
        .expect("enrol");
    assert_eq!(r.status().as_u16(), 400);

    // The access log says who fetched a code, how and at which level.
    let fetched = w.access_log(AuditAction::EnrolCode).await;
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0].actor_username, "kim");
    assert_eq!(fetched[0].auth_method, Some(AuthMethod::Oidc));
    assert_eq!(fetched[0].acr.as_deref(), Some("loa3"));

    // Someone the provider knows and Uppsök does not: no code, told whom to ask.
    let mut b = Browser::new();
    let a = w.phone_login(&mut b, "stranger").await;
    assert_phone_refused(&a, &b, 403, "inget konto i Uppsök är kopplat till dig");

    // A deactivated account gets no code either.
    admin(&w.db.url, &w.key, &["user", "deactivate", "kim"], &[]);
    let mut b = Browser::new();
    let a = w.phone_login(&mut b, KIM_SUBJECT).await;
    assert_phone_refused(&a, &b, 403, "avstängt");

    let log = w.log();
    assert!(log.contains("enrolment code fetched"), "{log}");
    for secret in [CLIENT_SECRET, KIM_SUBJECT, code.as_str()] {
        assert!(!log.contains(secret), "the log holds a secret: {log}");
    }
    w.stop().await;
}

async fn oidc_provisioning_at_first_login(backend: Backend) {
    let w = World::new(backend).await;
    let base = w.server.base.clone();
    const NEW: &str = "new-person";

    // Not allowed: refused as before, and no account appears.
    let mut b = Browser::new();
    let a = w.login(&mut b, NEW, "loa3").await;
    assert_refused(&a, &b, 403, "inget konto i Uppsök är kopplat till dig");
    let list = admin(&w.db.url, &w.key, &["user", "list"], &[]);
    assert!(!list.contains(&format!("Testperson {NEW}")), "{list}");

    let out = w.reconfigure(&["--provision", "allow"]);
    assert!(
        out.contains("accounts at first login created, awaiting an admin"),
        "{out}"
    );

    // Allowed: the account is created, and the page says it waits for an admin.
    let mut b = Browser::new();
    let a = w.login(&mut b, NEW, "loa3").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.body.contains("Ditt konto i Uppsök är skapat") && a.body.contains("role=\"status\""),
        "{}",
        a.body
    );
    assert!(!b.jar.contains_key("uppsok_session"), "no session yet");

    // The admin sees it, without a role, awaiting them.
    let list = admin(&w.db.url, &w.key, &["user", "list"], &[]);
    let line = list
        .lines()
        .find(|l| l.contains(&format!("Testperson {NEW}")))
        .unwrap_or_else(|| panic!("the new account is listed: {list}"));
    let cols: Vec<&str> = line.split('\t').collect();
    let username = cols[1].to_owned();
    assert!(username.starts_with("sso-"), "{line}");
    assert_eq!(cols[2], "-", "no role: {line}");
    assert_eq!(cols[3], "awaiting-admin", "{line}");
    assert_eq!(cols[5], "", "no team: {line}");

    // The access log records the provisioning, with the method and level.
    let made = w.access_log(AuditAction::Provision).await;
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0].actor_username, username);
    assert_eq!(made[0].auth_method, Some(AuthMethod::Oidc));
    assert_eq!(made[0].acr.as_deref(), Some("loa3"));
    assert_eq!(made[0].client, None);

    // Until an admin acts, a new login only hears that it waits; no second account is made.
    let mut b = Browser::new();
    let a = w.login(&mut b, NEW, "loa3").await;
    assert_refused(&a, &b, 403, "väntar på att en administratör");
    let list = admin(&w.db.url, &w.key, &["user", "list"], &[]);
    assert_eq!(
        list.matches(&format!("Testperson {NEW}")).count(),
        1,
        "{list}"
    );
    // … and it cannot be activated before it has a role.
    let out = admin_output(&w.db.url, &w.key, &["user", "activate", &username], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no role yet"), "{err}");

    // The organisation's admin sees it waiting on the dashboard, with what to run; a
    // supervisor does not.
    admin(
        &w.db.url,
        &w.key,
        &[
            "user",
            "add",
            "--username",
            "ada",
            "--name",
            "Ada Admin",
            "--role",
            "admin",
            "--org",
            &w.org,
            "--oidc-subject",
            ADA_SUBJECT,
        ],
        &[],
    );
    let mut ada = Browser::new();
    assert_logged_in(&w.login(&mut ada, ADA_SUBJECT, "loa3").await, &ada);
    let devices = ada.get(&format!("{base}/devices")).await;
    assert_eq!(devices.status, 200, "{}", devices.body);
    assert!(
        devices.body.contains("Konton som väntar på dig"),
        "{}",
        devices.body
    );
    assert!(
        devices
            .body
            .contains(&format!("data-awaiting=\"{username}\""))
            && devices
                .body
                .contains(&format!("uppsok admin user role {username} case_manager")),
        "{}",
        devices.body
    );
    let mut sara = Browser::new();
    assert_logged_in(&w.login(&mut sara, SARA_SUBJECT, "loa3").await, &sara);
    let theirs = sara.get(&format!("{base}/devices")).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(!theirs.body.contains("data-awaiting"), "{}", theirs.body);

    // The admin gives it a role and a team and activates it: the person logs in.
    let out = admin(
        &w.db.url,
        &w.key,
        &["user", "role", &username, "supervisor"],
        &[],
    );
    assert!(out.contains("is now supervisor"), "{out}");
    admin(
        &w.db.url,
        &w.key,
        &["user", "add-team", &username, "Team Kalix"],
        &[],
    );
    admin(&w.db.url, &w.key, &["user", "activate", &username], &[]);
    let list = admin(&w.db.url, &w.key, &["user", "list"], &[]);
    assert!(
        list.lines().any(|l| l.contains(&username)
            && l.contains("\tsupervisor\tactive\t")
            && l.ends_with("Team Kalix")),
        "{list}"
    );
    let mut b = Browser::new();
    assert_logged_in(&w.login(&mut b, NEW, "loa3").await, &b);
    let page = b.get(&format!("{base}/fidelity")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // No longer waiting: gone from the admin's list.
    let devices = ada.get(&format!("{base}/devices")).await;
    assert_eq!(devices.status, 200, "{}", devices.body);
    assert!(!devices.body.contains("data-awaiting"), "{}", devices.body);

    let log = w.log();
    assert!(log.contains("account created at its first login"), "{log}");
    assert!(!log.contains(NEW), "the log holds the subject: {log}");
    w.stop().await;
}

/// A program's login through the provider as `account`: from `GET /login/oidc/api` (no
/// organisation: the server picks the only one with a provider) to the callback's page.
async fn api_login_page(w: &World, b: &mut Browser, account: &str, acr: &str) -> Answer {
    w.provider.next(account, acr, None).await;
    let a = b.get(&format!("{}/login/oidc/api", w.server.base)).await;
    assert_eq!(a.status, 303, "{}", a.body);
    let to_org = a.location.expect("to the organisation's start");
    assert_eq!(to_org, format!("/login/oidc/api?org={}", w.org));
    let a = b.get(&format!("{}{to_org}", w.server.base)).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(b.jar.contains_key("uppsok_oidc_api"));
    let authorize = a.location.expect("to the provider");
    assert!(authorize.starts_with(&w.provider.issuer), "{authorize}");
    let callback = w.at_provider(b, &authorize).await;
    b.get(&callback).await
}

/// The code on the page the provider's login ended on.
fn shown_code(a: &Answer) -> String {
    assert_eq!(a.status, 200, "{}", a.body);
    let code = a
        .body
        .split("<code id=\"api-code\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_else(|| panic!("a code on the page: {}", a.body))
        .to_owned();
    assert_eq!(code.len(), 14, "{code}");
    code
}

async fn exchange(base: &str, code: &str) -> (u16, serde_json::Value) {
    let r = http_client()
        .post(format!("{base}/v1/auth/oidc/token"))
        .json(&serde_json::json!({ "code": code }))
        .send()
        .await
        .expect("exchange");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

async fn oidc_api_login(backend: Backend) {
    let w = World::new(backend).await;
    let base = w.server.base.clone();

    // Sara logs in at the provider for a program: the page shows a code, opens no session.
    let mut b = Browser::new();
    let a = api_login_page(&w, &mut b, SARA_SUBJECT, "loa4").await;
    let code = shown_code(&a);
    assert!(a.body.contains("programmet"), "{}", a.body);
    assert!(
        !b.jar.contains_key("uppsok_session"),
        "no dashboard session"
    );
    for spent in ["uppsok_oidc_state", "uppsok_oidc_api"] {
        assert!(!b.jar.contains_key(spent), "{spent} is spent");
    }

    // The program exchanges it (typed in lower case with spaces: it still works) for a token.
    let typed = code.to_lowercase().replace('-', " ");
    let (status, body) = exchange(&base, &typed).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["staff"]["username"], "sara");
    let token = body["token"].as_str().expect("a token").to_owned();
    let http = http_client();
    let me = http
        .get(format!("{base}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(me.status().as_u16(), 200);

    // Once only: the same code again, and a code never shown, are refused alike.
    for tried in [code.as_str(), "ABCD-EFGH-JKMN"] {
        let (status, body) = exchange(&base, tried).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(
            body["type"]
                .as_str()
                .map(|t| t.ends_with("invalid-credentials")),
            Some(true),
            "{body}"
        );
    }

    // What the session does is logged with the method and the provider's level.
    let teams: serde_json::Value = http
        .get(format!("{base}/v1/teams"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("teams")
        .json()
        .await
        .expect("json");
    let team: uuid::Uuid = teams["items"][0]["id"]
        .as_str()
        .expect("Sara's team")
        .parse()
        .expect("a team id");
    let org: uuid::Uuid = w.org.parse().expect("org id");
    let added = ClientId::new();
    let r = http
        .put(format!("{base}/v1/clients/{}", added.0))
        .bearer_auth(&token)
        .json(&client_record(
            added,
            TeamId::from(team),
            OrgId::from(org),
            "K-501",
            "Lisa Ek",
            true,
        ))
        .send()
        .await
        .expect("put client");
    assert_eq!(r.status().as_u16(), 201);
    let created: Vec<_> = w
        .access_log(AuditAction::Create)
        .await
        .into_iter()
        .filter(|e| e.via == Via::Api)
        .collect();
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].actor_username, "sara");
    assert_eq!(created[0].auth_method, Some(AuthMethod::Oidc));
    assert_eq!(created[0].acr.as_deref(), Some("loa4"));

    // A code whose account was deactivated in between is worth nothing.
    let mut b = Browser::new();
    let code = shown_code(&api_login_page(&w, &mut b, SARA_SUBJECT, "loa3").await);
    admin(&w.db.url, &w.key, &["user", "deactivate", "sara"], &[]);
    let (status, body) = exchange(&base, &code).await;
    assert_eq!(status, 401, "{body}");

    // Refusals at the provider's end come on the program's page, not the dashboard's form.
    let mut b = Browser::new();
    let a = api_login_page(&w, &mut b, "stranger", "loa3").await;
    assert_refused(&a, &b, 403, "inget konto i Uppsök är kopplat till dig");
    assert!(a.body.contains("gå tillbaka till programmet"), "{}", a.body);
    assert!(!a.body.contains("name=\"password\""), "no password form");
    assert!(!a.body.contains("api-code"), "no code");
    let mut b = Browser::new();
    let a = api_login_page(&w, &mut b, SARA_SUBJECT, "low").await;
    assert_refused(&a, &b, 403, "inte räcker för Uppsök");

    let log = w.log();
    assert!(log.contains("JSON API login code handed out"), "{log}");
    for secret in [CLIENT_SECRET, SARA_SUBJECT, code.as_str(), token.as_str()] {
        assert!(!log.contains(secret), "the log holds a secret: {log}");
    }
    w.stop().await;
}
