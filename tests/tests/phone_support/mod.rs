//! Real phones for the end-to-end tests: the device's encrypted store (with a fixed key, as the
//! platform keystore would give one) and its sync client against a real server, enrolled with
//! one-time codes over HTTP. Shared by the tests that follow records from phone to phone.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use uppsok_device::crypto::{FixedKeyProvider, Kek};
use uppsok_device::sync::{SyncClient, SyncReport};
use uppsok_device::{Profile, Store};
use uppsok_model::{OrgId, Role, StaffId, TeamId, Username};
use uppsok_server::store::Store as ServerStore;

use crate::server_common::add_staff;

/// A phone's store for `user` in `dir`.
pub fn phone(dir: &Path, user: &str) -> Store {
    Store::create(
        dir.join(format!("{user}.db")),
        &FixedKeyProvider::new(Kek::from_bytes([7; 32])),
        &Profile::local(Username::parse(user).expect("username")),
    )
    .expect("device store")
}

/// Syncs until both sides are drained (retrying what fails on the way); returns the runs'
/// counts added up.
pub fn sync_until_done(client: &SyncClient, store: &Store) -> SyncReport {
    let mut total = SyncReport::default();
    for _ in 0..30 {
        match client.sync_once(store) {
            Ok(r) => {
                total.sent += r.sent;
                total.applied += r.applied;
                total.received += r.received;
                total.requeued += r.requeued;
                if r.complete {
                    total.complete = true;
                    return total;
                }
            }
            Err(e) if e.is_transient() => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => panic!("sync failed: {e}"),
        }
    }
    panic!("sync did not finish");
}

/// Case managers `users` (username and team) in `org`, each with a one-time enrolment code.
pub async fn case_managers(
    store: &ServerStore,
    org: OrgId,
    users: &[(&str, TeamId)],
) -> Vec<(StaffId, String)> {
    let mut out = Vec::new();
    for (user, team) in users {
        let s = add_staff(
            store,
            user,
            Role::CaseManager,
            org,
            &[*team],
            "ett långt lösenord",
        )
        .await;
        let (code, hash) = uppsok_server::auth::new_enrolment_code();
        store
            .create_enrolment_code(s.id, &hash, 3_600_000)
            .await
            .expect("code");
        out.push((s.id, code));
    }
    out
}
