//! SIGKILL in the middle of a run of saves: the store must open afterwards, pass SQLite's
//! integrity check, and hold every visit whose save had returned (its id was printed).
//! Also: what the killed process left behind (including an un-checkpointed `-wal`) holds no
//! sensitive string.

mod field_support;

use field_support::*;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use uppsok_device::{KdfParams, PassphraseKeyProvider, Store, VisitFilter};

#[test]
fn killed_mid_save_loses_nothing_that_returned() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("field");
    ok(field(&home, &["init", "--user", "anna"]));
    ok(field(
        &home,
        &[
            "client",
            "add",
            "--code",
            "K-017",
            "--name",
            "Aino Kraschdotter",
        ],
    ));
    let store_file = home.join("uppsok.db");
    let provider = PassphraseKeyProvider::new(PASSPHRASE, KdfParams::insecure_for_tests(1000));

    let mut printed: HashSet<String> = HashSet::new();
    for (round, kill_after) in [7usize, 60, 150].into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_field_save_loop"))
            .arg(&store_file)
            .arg("K-017")
            .env("UPPSOK_PASSPHRASE", PASSPHRASE)
            .env("UPPSOK_INSECURE_KDF_ITERATIONS", KDF_ITERATIONS)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut n = 0;
        while n < kill_after {
            let line = lines.next().expect("the loop prints ids").unwrap();
            printed.insert(line);
            n += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix: no destructor, no checkpoint
        child.wait().unwrap();
        // Ids printed between our last read and the kill count too.
        for line in lines {
            printed.insert(line.unwrap());
        }

        // Files as the crash left them, before anything opens the store again.
        for (path, bytes) in all_files(&home) {
            for secret in [
                "Aino Kraschdotter",
                "Kraschby",
                "anteckning som måste överleva",
            ] {
                assert!(
                    !contains(&bytes, secret),
                    "round {round}: {} holds a sensitive string",
                    path.display()
                );
            }
        }

        let store = Store::open(&store_file, &provider).expect("the store opens after SIGKILL");
        store.check_integrity().expect("integrity_check passes");
        let saved: HashSet<String> = store
            .visits(&VisitFilter::default())
            .unwrap()
            .into_iter()
            .map(|v| v.id.to_string())
            .collect();
        let missing: Vec<_> = printed.difference(&saved).collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} printed ids missing",
            missing.len()
        );
        assert_eq!(
            store.status().unwrap().outbox_pending as usize,
            saved.len() + 1,
            "every save has its outbox entry"
        );
    }
}
