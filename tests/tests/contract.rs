//! The API's contract: Schemathesis generates requests from the `/v1/openapi.json` a real
//! `uppsok serve` process serves (valid ones, boundary values and invalid ones, with and
//! without credentials) and fails on any answer the document does not describe — an
//! undocumented status, a body that does not match its schema, a wrong content type, a missing
//! documented header, a 5xx, a schema-valid request refused or an invalid one accepted.
//!
//! Ignored in the plain `cargo test` run: it needs Schemathesis (a pinned Python package that
//! `tests/tools/ensure-schemathesis` installs) and takes a minute or two, so `tests/run contract`
//! runs it on its own. Run by hand: `cargo test -p uppsok-tests --test contract -- --ignored`.
//!
//! The seeded world is the server tests' one (two organisations, two teams); requests carry a
//! supervisor's session (`bearer`) and a case manager's enrolled phone (`device`).
//! `POST /v1/auth/logout` runs in a second pass with a session of its own, since ending the
//! session every other operation uses would turn the rest into 401s.

mod server_common;

use std::path::Path;
use std::time::Instant;

use server_common::*;
use uppsok_server::auth;
use uppsok_server::store::{DeviceStatus, PoolSize, Store};

/// Test cases per operation and phase; with the coverage phase's boundary cases this keeps the
/// run within about two minutes on two cores.
const MAX_EXAMPLES: u32 = 100;
/// Fixed, so a failure reproduces with the same requests.
const SEED: u64 = 20_261_205;

/// What one Schemathesis run found, from its JUnit report.
#[derive(Debug, Default)]
struct Outcome {
    operations: u32,
    failed: u32,
    errors: u32,
    skipped: u32,
    /// Test cases (requests) Schemathesis says it generated.
    cases: u64,
}

fn attr(tag: &str, name: &str) -> u32 {
    let key = format!(" {name}=\"");
    tag.find(&key)
        .and_then(|i| tag[i + key.len()..].split('"').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn read_junit(path: &Path) -> Outcome {
    let xml = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no JUnit report at {}: {e}", path.display()));
    let tag = xml
        .split("<testsuite ")
        .nth(1)
        .and_then(|t| t.split('>').next())
        .unwrap_or_else(|| panic!("no <testsuite> in {}", path.display()));
    Outcome {
        operations: attr(tag, "tests"),
        failed: attr(tag, "failures"),
        errors: attr(tag, "errors"),
        skipped: attr(tag, "skipped"),
        cases: 0,
    }
}

/// The `st` executable: `UPPSOK_SCHEMATHESIS`, else what `tests/tools/ensure-schemathesis`
/// installs (and prints as `SCHEMATHESIS=…`).
fn schemathesis() -> String {
    if let Ok(st) = std::env::var("UPPSOK_SCHEMATHESIS") {
        return st;
    }
    let script = uppsok_tests::workspace_root().join("tests/tools/ensure-schemathesis");
    let out = std::process::Command::new(&script)
        .output()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("SCHEMATHESIS="))
        .expect("ensure-schemathesis prints SCHEMATHESIS=<path>")
        .to_owned()
}

/// The configuration both passes share. Per operation, the answers a *valid* request may get
/// beyond Schemathesis's defaults, each because generated data cannot satisfy a rule the
/// schema cannot state (a real enrolment code, a team's client code pattern, a password only
/// its owner knows and the lock and limit that guessing it trips).
/// `client` and `revoked` are ids the supervisor may read and revoke, so that those routes are
/// also tested past their 404 (Schemathesis's random ids find nothing). The revoked device is
/// one of its own, not the one whose token the other requests carry.
fn config(session: &str, device: &str, client: &str, revoked: &str) -> String {
    format!(
        r#"
[auth.openapi.bearer]
bearer = "{session}"

[auth.openapi.device]
bearer = "{device}"

[[operations]]
include-name = "GET /v1/clients/{{id}}"
parameters = {{ "path.id" = "{client}" }}

[[operations]]
include-name = "POST /v1/devices/{{id}}/revoke"
parameters = {{ "path.id" = "{revoked}" }}

[[operations]]
include-path = "/v1/devices/enroll"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "429"]

[[operations]]
include-path = "/v1/auth/login"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "423", "429"]

[[operations]]
include-path = "/v1/auth/password"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "422", "423", "429"]

[[operations]]
include-name = "PUT /v1/clients/{{id}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "403", "422"]

# An app that sends no protocol version predates it: 426 tells it to update (by design, so
# that even the oldest app shows the message), where a generic API would say 400.
[[operations]]
include-path = "/v1/sync"
checks.missing_required_header.expected-statuses = ["426"]
checks.negative_data_rejection.expected-statuses = ["400", "401", "413", "415", "422", "426"]
"#
    )
}

async fn run_schemathesis(
    st: &str,
    base: &str,
    dir: &Path,
    name: &str,
    config: &str,
    filter: &[&str],
) -> Outcome {
    let config_path = dir.join(format!("{name}.toml"));
    std::fs::write(&config_path, config).expect("write config");
    let junit = dir.join(format!("{name}.xml"));
    let mut cmd = tokio::process::Command::new(st);
    cmd.arg("--no-color")
        .arg("--config-file")
        .arg(&config_path)
        .arg("run")
        .arg(format!("{base}/v1/openapi.json"))
        .args(["--url", base])
        .args(["--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", &MAX_EXAMPLES.to_string()])
        .args(["--seed", &SEED.to_string()])
        // One worker: Schemathesis runs workers as threads, and CPython 3.11's `ast` keeps its
        // recursion depth in state the threads share, so Hypothesis parsing lambda sources in
        // two threads at once can die with "AST constructor recursion depth mismatch"
        // (python/cpython#106905) — a crash of the tool, not a finding about the API.
        .args(["--workers", "1"])
        .args(["--request-timeout", "30"])
        .args(["--report", "junit"])
        .arg("--report-junit-path")
        .arg(&junit)
        .args(filter)
        .current_dir(dir)
        .kill_on_drop(true);
    let out = cmd.output().await.expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    let mut outcome = read_junit(&junit);
    // "Test cases:\n  123 generated, …" in the closing summary.
    outcome.cases = stdout
        .split("Test cases:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if !out.status.success() && outcome.failed + outcome.errors == 0 {
        panic!(
            "schemathesis exited with {} and reported no failure",
            out.status
        );
    }
    outcome
}

/// How many operations the served document describes.
async fn documented_operations(base: &str) -> u32 {
    let doc: serde_json::Value = http_client()
        .get(format!("{base}/v1/openapi.json"))
        .send()
        .await
        .expect("the document")
        .json()
        .await
        .expect("JSON");
    let paths = doc["paths"].as_object().expect("paths");
    let n = paths
        .values()
        .filter_map(|i| i.as_object())
        .map(|i| i.len())
        .sum::<usize>();
    u32::try_from(n).expect("a few operations")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Schemathesis; run by `tests/run contract`"]
async fn the_served_document_is_the_contract() {
    let started = Instant::now();
    let st = schemathesis();
    let db = TestDb::new(Backend::Sqlite).await;
    let store = Store::connect(&db.url, PoolSize { max: 2 })
        .await
        .expect("migrate");
    let w = seed_world(&store).await;
    let supervisor = &w.supervisors[0][0];
    let session = session_in(&store, supervisor.id, 3_600_000).await;
    let logout_session = session_in(&store, supervisor.id, 3_600_000).await;
    let (device, device_hash) = auth::new_token(auth::DEVICE_PREFIX);
    let case_manager = w.case_managers[0][0].id;
    store
        .insert_device(case_manager, &device_hash, DeviceStatus::Active)
        .await
        .expect("device");
    let (_, spare_hash) = auth::new_token(auth::DEVICE_PREFIX);
    let spare = store
        .insert_device(case_manager, &spare_hash, DeviceStatus::Active)
        .await
        .expect("device");
    let client = w
        .clients
        .iter()
        .find(|c| c.team == 0 && c.org == 0)
        .expect("a client of the supervisor's team")
        .id
        .to_string();
    let (client, spare) = (client.as_str(), spare.to_string());
    store.close().await;

    let server = ServeProcess::start(&db.url).await;
    // Reports (JUnit) and configs stay for a look after a failure; git ignores artifacts/.
    let dir = uppsok_tests::workspace_root().join("tests/artifacts/contract");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    let documented = documented_operations(&server.base).await;
    let main = run_schemathesis(
        &st,
        &server.base,
        &dir,
        "main",
        &config(&session, &device, client, &spare),
        &["--exclude-path", "/v1/auth/logout"],
    )
    .await;
    let logout = run_schemathesis(
        &st,
        &server.base,
        &dir,
        "logout",
        &config(&logout_session, &device, client, &spare),
        &["--include-path", "/v1/auth/logout"],
    )
    .await;
    drop(server);

    let operations = main.operations + logout.operations;
    let failed = main.failed + main.errors + logout.failed + logout.errors;
    let skipped = main.skipped + logout.skipped;
    println!(
        "contract: {} passed, {failed} failed, {skipped} skipped of {operations} operations; \
         {} test cases in {:.0} s",
        operations - failed - skipped,
        main.cases + logout.cases,
        started.elapsed().as_secs_f64()
    );
    // Every documented operation was exercised: the two passes together cover the document,
    // but for `GET /v1/openapi.json`, which Schemathesis leaves out as the document's own
    // address (fetched above, and parsed by Schemathesis, so it is tested all the same).
    assert_eq!(skipped, 0, "operations were skipped");
    assert_eq!(
        operations + 1,
        documented,
        "{operations} operations tested; the document has {documented}"
    );
    assert_eq!(
        failed, 0,
        "the server's answers do not match its document (details above)"
    );
}
