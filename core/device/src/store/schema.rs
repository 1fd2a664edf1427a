//! The schema and its migrations, tracked in SQLite's `PRAGMA user_version`.
//!
//! Each version's SQL is kept here verbatim, in order, and never edited once released: a store
//! at version *n* reaches the current one by running the scripts after *n*, each in its own
//! transaction together with the bump of `user_version`, so a crash mid-upgrade leaves the store
//! at a version it can resume from. Tests build a fixture of every earlier version from these
//! same scripts.
//!
//! What is plaintext, and why: ids (random UUIDs, no meaning), a visit's client id and start and
//! a trip's start (so a week's listing is an index range scan), clock stamps and outbox
//! bookkeeping (sync needs them without the key). Everything a person typed or that says who a
//! client is lives in a sealed `body`; the client code is found through a keyed blind index.

use crate::error::{DeviceError, Result};
use rusqlite::Connection;

/// Version 1: the key slot, the profile, the four record tables and the outbox.
const V1: &str = r#"
CREATE TABLE key (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    salt        BLOB NOT NULL,
    wrapped_dek BLOB NOT NULL,
    canary      BLOB NOT NULL
);
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE client (
    id         BLOB PRIMARY KEY,
    code_index BLOB NOT NULL,
    hlc        TEXT NOT NULL,
    body       BLOB NOT NULL
);
CREATE INDEX client_code ON client (code_index);
CREATE TABLE visit (
    id     BLOB PRIMARY KEY,
    client BLOB NOT NULL,
    start  INTEGER NOT NULL,
    hlc    TEXT NOT NULL,
    body   BLOB NOT NULL
);
CREATE INDEX visit_start ON visit (start);
CREATE TABLE trip (
    id    BLOB PRIMARY KEY,
    start INTEGER NOT NULL,
    hlc   TEXT NOT NULL,
    body  BLOB NOT NULL
);
CREATE INDEX trip_start ON trip (start);
CREATE TABLE place (
    id   BLOB PRIMARY KEY,
    hlc  TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY,
    change_id BLOB NOT NULL UNIQUE,
    entity    TEXT NOT NULL,
    record_id BLOB NOT NULL,
    hlc       TEXT NOT NULL,
    deleted   INTEGER NOT NULL,
    body      BLOB NOT NULL
);
CREATE INDEX outbox_record ON outbox (record_id);
"#;

/// Version 2: sync bookkeeping (rejected changes stay, with the server's reason), sealed
/// key-value slots (trip recorder state, device token), and listing a client's visits by date.
const V2: &str = r#"
ALTER TABLE outbox ADD COLUMN rejected_code TEXT;
ALTER TABLE outbox ADD COLUMN rejected_reason TEXT;
CREATE TABLE sealed_blob (
    name TEXT PRIMARY KEY,
    body BLOB NOT NULL
);
CREATE INDEX visit_client_start ON visit (client, start);
"#;

/// Version 3: a checksum of the key slot, so a damaged slot is told apart from a wrong key
/// (filled in at the first unlock of an older store).
const V3: &str = r#"
ALTER TABLE key ADD COLUMN checksum BLOB;
"#;

/// Version 4: which field groups of a client a waiting change set on purpose (`edited`,
/// comma-separated; NULL for changes queued by an older app: unknown), and the tombstones of
/// what this device deleted, kept so they can be sent again to a server restored from a backup
/// (docs/sync-device.md). A tombstone holds only what a live record's row holds in plaintext:
/// entity, id and clock stamp, with the change that carries it and when the server
/// acknowledged that.
const V4: &str = r#"
ALTER TABLE outbox ADD COLUMN edited TEXT;
CREATE TABLE tombstone (
    id        BLOB PRIMARY KEY,
    entity    TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    change_id BLOB NOT NULL,
    acked_ms  INTEGER
);
CREATE INDEX tombstone_change ON tombstone (change_id);
"#;

/// Version 5: outcomes (a stay in care, housing, a satisfaction answer …), shaped like visits:
/// the client's id and the day in plaintext for a client's listing, the rest sealed.
const V5: &str = r#"
CREATE TABLE outcome (
    id     BLOB PRIMARY KEY,
    client BLOB NOT NULL,
    day    TEXT NOT NULL,
    hlc    TEXT NOT NULL,
    body   BLOB NOT NULL
);
CREATE INDEX outcome_client_day ON outcome (client, day);
"#;

/// Version 6: the phone's access log (`store::access`): each opening of a client, of a
/// client's history and each export, sealed whole (the client's id too) until the server has
/// acknowledged it. Only the event's random id and the insertion order are plaintext. Rows are
/// inserted and deleted (once acknowledged, or by a wipe), never changed.
const V6: &str = r#"
CREATE TABLE access_event (
    seq  INTEGER PRIMARY KEY,
    id   BLOB NOT NULL UNIQUE,
    body BLOB NOT NULL
);
CREATE TRIGGER access_event_append_only BEFORE UPDATE ON access_event
BEGIN SELECT RAISE(ABORT, 'access_event is append-only'); END;
"#;

/// Every version's script, oldest first: `MIGRATIONS[n]` takes a store from version `n` to `n+1`.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn user_version(conn: &Connection) -> Result<u32> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0))?)
}

/// Bring the store up to [`SCHEMA_VERSION`], or refuse one written by a newer app.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Run the scripts up to `target` (tests use this to build fixtures of older versions).
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let found = user_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(DeviceError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (v, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(found as usize)
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the write lock.
        if user_version(&tx)? > v as u32 {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", v as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
