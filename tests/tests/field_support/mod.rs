//! Shared helpers of the `field_*` tests: find (or build) the real `uppsok` binary and run
//! `uppsok field` commands against a home directory, with the test passphrase and a cheap KDF
//! (honoured by debug builds only).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const PASSPHRASE: &str = "fjällräv i snön";
pub const KDF_ITERATIONS: &str = "1000";

pub use uppsok_tests::uppsok_bin;

/// `uppsok field --home HOME ARGS…` with the test passphrase.
pub fn field(home: &Path, args: &[&str]) -> Output {
    field_with(home, args, PASSPHRASE)
}

pub fn field_with(home: &Path, args: &[&str], passphrase: &str) -> Output {
    Command::new(uppsok_bin())
        .arg("field")
        .arg("--home")
        .arg(home)
        .args(args)
        .env("UPPSOK_PASSPHRASE", passphrase)
        .env("UPPSOK_INSECURE_KDF_ITERATIONS", KDF_ITERATIONS)
        .output()
        .expect("uppsok runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert success and return stdout.
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}, stderr: {}",
        o.status.code(),
        stderr(&o)
    );
    stdout(&o)
}

/// Every file under `dir` (the store, its `-wal` and `-shm`, any temp file), with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Yesterday at `hh:mm` local time, as `visit add --start` takes it.
pub fn yesterday_at(hm: &str) -> String {
    let d = chrono_free_yesterday();
    format!("{d}T{hm}")
}

fn chrono_free_yesterday() -> String {
    // `date` keeps this crate free of a chrono dependency and uses the same local zone as the CLI.
    let o = Command::new("date")
        .args(["-d", "yesterday", "+%Y-%m-%d"])
        .output()
        .expect("date runs");
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}
