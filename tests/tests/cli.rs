//! The `uppsok` command as an IT administrator meets it, run as a real process: the README's
//! administrator block exactly as written, `admin` refusing to create a database by accident,
//! the exit codes, output into a pipe that closes early, and `demo` on a busy port or a used
//! data directory.

mod field_support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use field_support::{field, stderr, stdout, uppsok_bin};
use uppsok_tests::workspace_root;

/// The shell block the README marks as the administrator's, as it stands in the README.
fn readme_admin_block() -> String {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let after = readme
        .split_once("<!-- admin-block")
        .expect("the README marks its administrator block")
        .1;
    let body = after.split_once("```sh\n").expect("a sh block follows").1;
    body.split_once("\n```")
        .expect("the block ends")
        .0
        .to_owned()
}

/// `uppsok admin ARGS…` against the data directory `data`.
fn admin(data: &Path, args: &[&str]) -> Output {
    Command::new(uppsok_bin())
        .arg("admin")
        .args(args)
        .env("UPPSOK_DATA_DIR", data)
        .env_remove("UPPSOK_DATABASE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn the_readme_administrator_block_works_as_written() {
    let block = readme_admin_block();
    assert!(block.contains("uppsok admin init"), "{block}");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin_dir = uppsok_bin().parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &block])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("UPPSOK_DATA_DIR", &data)
        .env_remove("UPPSOK_DATABASE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "the README block failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    let out = stdout(&o);
    assert!(out.contains("initial password (shown once)"), "{out}");
    assert!(out.contains("otpauth://"), "{out}");
    // Every admin command said which database it used.
    let err = stderr(&o);
    assert!(
        err.lines()
            .filter(|l| l.starts_with("uppsok admin: using SQLite database"))
            .count()
            >= 10,
        "{err}"
    );
    // What the block did is there: anna moved to the Luleå team, a backup beside.
    let users = stdout(&admin(&data, &["user", "list"]));
    let anna = users.lines().find(|l| l.contains("anna")).expect("anna");
    assert!(
        anna.contains("Luleå stödteam") && !anna.contains("Kalix stödteam"),
        "{users}"
    );
    assert!(users.contains("sara"), "{users}");
    assert!(
        out.contains("home–workplace distance of anna set to 12,5 km"),
        "{out}"
    );
    // A distance out of range is refused naming the field and the rule, not the value.
    let o = admin(&data, &["user", "set", "anna", "--home-work-km", "301"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("home_work_km") && err.contains("between 0 and 300") && !err.contains("301"),
        "{err}"
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("uppsok-"))
        .collect();
    assert_eq!(backups.len(), 1, "one backup file in the working directory");
}

#[test]
fn admin_never_creates_a_database_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("forgotten");
    let o = admin(
        &data,
        &[
            "org",
            "add",
            "--name",
            "Kalix kommun",
            "--kind",
            "municipality",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&data.join("uppsok.db").display().to_string())
            && err.contains("uppsok admin init"),
        "names the path and the way out: {err}"
    );
    assert!(!data.exists(), "nothing was created");
    // Asked for, it is created, and says so; later runs say which one they use.
    let o = admin(&data, &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("creating SQLite database"),
        "{}",
        stderr(&o)
    );
    let o = admin(
        &data,
        &[
            "org",
            "add",
            "--name",
            "Kalix kommun",
            "--kind",
            "municipality",
        ],
    );
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("using SQLite database"),
        "{}",
        stderr(&o)
    );
    // Names and notes live in these files: the owner's alone, in a directory of the owner's.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    let mut files = 0;
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        let p = entry.path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
        files += 1;
    }
    assert!(files >= 2, "the database and the server key at least");
    // `--create` works like init for one command.
    let other = dir.path().join("other");
    let o = admin(
        &other,
        &[
            "--create",
            "org",
            "add",
            "--name",
            "Region Norrbotten",
            "--kind",
            "region",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(other.join("uppsok.db").exists());
    // A database file an older install left world-readable is narrowed on the next open.
    let db = other.join("uppsok.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(admin(&other, &["org", "list"]).status.success());
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn exit_codes_tell_usage_from_failure() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(uppsok_bin())
            .args(args)
            .env("UPPSOK_DATA_DIR", dir.path())
            .env("UPPSOK_PASSPHRASE", field_support::PASSPHRASE)
            .output()
            .unwrap()
    };
    // Help is success, on stdout, and lists the codes.
    let o = run(&["admin", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("64 usage error"), "{}", stdout(&o));
    // Mistyped commands and values are usage errors (64), not "wrong passphrase" (2).
    for args in [
        &["admin", "frobnicate"][..],
        &["admin", "org", "add", "--kind"],
        &["field", "--home", "x", "visit", "list", "--minutes", "1,5"],
        &[
            "field",
            "--home",
            "x",
            "visit",
            "add",
            "--client",
            "K-001",
            "--start",
            "2026-11-20T10:00",
            "--minutes",
            "1,5",
            "--contact",
            "phone",
        ],
        &["no-such-command"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", stderr(&o));
    }
    // A failure the command names is 1.
    let o = run(&["admin", "org", "list"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The field device: a missing --yes is a usage error, a wrong passphrase 2.
    let home = dir.path().join("field");
    assert!(field(&home, &["init"]).status.success());
    assert_eq!(field(&home, &["wipe"]).status.code(), Some(64));
    let o = field_support::field_with(&home, &["status"], "not the passphrase");
    assert_eq!(o.status.code(), Some(2));
}

/// Runs `cmd` with its stdout a pipe closed before it writes, and says how it ended.
fn closed_pipe(mut cmd: Command) -> (std::process::ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    (o.status, stderr(&o))
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(admin(&data, &["init"]).status.success());
    for args in [
        &[
            "org",
            "add",
            "--name",
            "Kalix kommun",
            "--kind",
            "municipality",
        ][..],
        &[
            "team",
            "add",
            "--name",
            "Kalix stödteam",
            "--org",
            "Kalix kommun",
        ],
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
            "Kalix kommun",
            "--team",
            "Kalix stödteam",
        ],
    ] {
        let o = admin(&data, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
    // The longest outputs: a TOTP QR code, a field device's lists.
    let mut totp = Command::new(uppsok_bin());
    totp.args(["admin", "user", "totp", "sara"])
        .env("UPPSOK_DATA_DIR", &data);
    let home = dir.path().join("field");
    assert!(field(&home, &["init", "--user", "anna"]).status.success());
    for i in 1..=30 {
        let code = format!("K-{i:03}");
        let o = field(
            &home,
            &["client", "add", "--code", &code, "--name", "Aino Niemi"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let mut list = Command::new(uppsok_bin());
    list.args(["field", "--home"])
        .arg(&home)
        .args(["client", "list"])
        .env("UPPSOK_PASSPHRASE", field_support::PASSPHRASE)
        .env(
            "UPPSOK_INSECURE_KDF_ITERATIONS",
            field_support::KDF_ITERATIONS,
        );
    for cmd in [totp, list] {
        let (status, err) = closed_pipe(cmd);
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            status.success() || status.signal() == Some(libc_sigpipe()),
            "{status:?}: {err}"
        );
    }
}

/// SIGPIPE's number on Linux and the BSDs.
fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn demo_checks_its_port_first_and_reuses_a_finished_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let o = Command::new(uppsok_bin())
        .args(["demo", "--bind", &addr, "--days", "2", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot listen"), "{}", stderr(&o));
    assert!(!data.exists(), "the data directory was not touched");
    drop(busy);

    // A finished demo directory is served again, not re-seeded and not refused.
    let o = Command::new(uppsok_bin())
        .args(["demo", "--seed-only", "--days", "2", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut child = Command::new(uppsok_bin())
        .args(["demo", "--bind", "127.0.0.1:0", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        let done = line.starts_with("listening on http://");
        seen.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        seen.iter().any(|l| l.contains("Username:   chef.kalix")),
        "{seen:?}"
    );
    assert!(stderr(&o).contains("reusing the demo"), "{}", stderr(&o));
    // A directory holding some other database is refused with the way out.
    let stray = dir.path().join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::write(stray.join("uppsok.db"), b"").unwrap();
    let o = Command::new(uppsok_bin())
        .args(["demo", "--bind", "127.0.0.1:0", "--data"])
        .arg(&stray)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("to start over"), "{}", stderr(&o));
}
