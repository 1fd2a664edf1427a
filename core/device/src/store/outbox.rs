//! The outbox: every local change, written in the same transaction as the change itself, waiting
//! for the server to acknowledge it (docs/design.md §5).
//!
//! Each entry carries a change id (UUIDv7, the server applies it exactly once), the entity, the
//! record id, the clock stamp, whether it is a deletion, and the full record sealed under the
//! entry's own change id (so it cannot be swapped with the record table's copy or another entry).
//! Entries are read in the order they were written (`seq`). A rejected entry stays with the
//! server's reason, out of the way of later ones, until the user fixes or discards it.
//!
//! A client's entry also says which field groups the change set on purpose (`edited`), so the
//! server's merge can tell a deliberate revert from a value carried along. A deletion sent
//! again from a tombstone after a server restore carries no record (`null` sealed in its
//! place): the record is gone from the phone, and a delete needs only its id.

use super::Keys;
use super::records;
use crate::crypto::Aad;
use crate::error::{DeviceError, Result};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use uppsok_model::{ChangeId, Entity, Hlc, Record};
use uuid::Uuid;

/// One waiting (or rejected) change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    /// Local order; later changes have larger numbers.
    pub seq: i64,
    pub change_id: ChangeId,
    pub entity: Entity,
    pub record_id: Uuid,
    pub hlc: Hlc,
    pub deleted: bool,
    /// The record as it was when the change was made (for a deletion: its last state; `None`
    /// for a deletion sent again from a tombstone).
    pub record: Option<Record>,
    /// For a client: the field groups this change set on purpose; `None`: unknown.
    pub edited: Option<Vec<String>>,
    /// Set when the server refused the change.
    pub rejected: Option<Rejection>,
}

/// Why the server refused a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Machine-readable, e.g. `invalid` or `forbidden`.
    pub code: String,
    /// For a person, e.g. "minutes: must be between 1 and 1440".
    pub reason: String,
}

const WHAT: &str = "outbox entry";

/// What a new entry says about its change.
pub(crate) struct NewEntry<'a> {
    pub entity: Entity,
    pub record_id: Uuid,
    /// The record [`records::encode`]d, or `null` for a deletion without a record.
    pub json: &'a [u8],
    pub hlc: Hlc,
    pub deleted: bool,
    pub edited: Option<&'a [String]>,
}

/// Queue a change.
pub(crate) fn push(tx: &Transaction<'_>, keys: &Keys, e: NewEntry<'_>) -> Result<ChangeId> {
    let change = ChangeId::new();
    let cid = change.0.as_bytes().as_slice();
    let body = keys
        .cipher
        .seal(Aad::new("outbox", cid, "record"), e.json)?;
    tx.prepare_cached(
        "INSERT INTO outbox (change_id, entity, record_id, hlc, deleted, body, edited)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        cid,
        e.entity.as_str(),
        e.record_id.as_bytes().as_slice(),
        e.hlc.to_string(),
        e.deleted,
        body,
        e.edited.map(|g| g.join(","))
    ])?;
    Ok(change)
}

/// The body of a deletion that carries no record.
pub(crate) const NO_RECORD: &[u8] = b"null";

fn read(
    conn: &Connection,
    keys: &Keys,
    sql: &str,
    p: impl rusqlite::Params,
) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(p)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let cid: Vec<u8> = r.get(1)?;
        let entity: String = r.get(2)?;
        let rid: Vec<u8> = r.get(3)?;
        let hlc: String = r.get(4)?;
        let deleted: bool = r.get(5)?;
        let body: Vec<u8> = r.get(6)?;
        let code: Option<String> = r.get(7)?;
        let reason: Option<String> = r.get(8)?;
        let edited: Option<String> = r.get(9)?;
        let bad = || DeviceError::Tampered { what: WHAT };
        let change_id = ChangeId(Uuid::from_slice(&cid).map_err(|_| bad())?);
        let entity: Entity = entity.parse().map_err(|_| bad())?;
        let json = keys
            .cipher
            .open_owned(Aad::new("outbox", &cid, "record"), body)
            .map_err(|_| bad())?;
        let record_id = Uuid::from_slice(&rid).map_err(|_| bad())?;
        let record = if deleted && json[..] == *NO_RECORD {
            None
        } else {
            let record = records::decode(entity, &json)?;
            // The plain columns are not authenticated; the sealed record is. They must agree.
            if record.entity() != entity || record.id() != record_id {
                return Err(bad());
            }
            Some(record)
        };
        out.push(OutboxEntry {
            seq,
            change_id,
            entity,
            record_id,
            hlc: hlc.parse().map_err(|_| bad())?,
            deleted,
            record,
            edited: edited.map(|g| {
                g.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
            rejected: code.map(|code| Rejection {
                code,
                reason: reason.unwrap_or_default(),
            }),
        });
    }
    Ok(out)
}

const COLUMNS: &str =
    "seq, change_id, entity, record_id, hlc, deleted, body, rejected_code, rejected_reason, edited";

/// The oldest `limit` changes still waiting (rejected ones are left out).
pub(crate) fn batch(conn: &Connection, keys: &Keys, limit: usize) -> Result<Vec<OutboxEntry>> {
    let sql =
        format!("SELECT {COLUMNS} FROM outbox WHERE rejected_code IS NULL ORDER BY seq LIMIT ?1");
    read(conn, keys, &sql, [limit.min(i64::MAX as usize) as i64])
}

/// The newest change of `record_id` still waiting, if any (for repairing its record row).
pub(crate) fn newest_waiting(
    conn: &Connection,
    keys: &Keys,
    record_id: Uuid,
) -> Result<Option<OutboxEntry>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE record_id = ?1 AND rejected_code IS NULL \
         ORDER BY seq DESC LIMIT 1"
    );
    Ok(read(conn, keys, &sql, [record_id.as_bytes().as_slice()])?
        .into_iter()
        .next())
}

pub(crate) fn rejected(conn: &Connection, keys: &Keys) -> Result<Vec<OutboxEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE rejected_code IS NOT NULL ORDER BY seq");
    read(conn, keys, &sql, [])
}

/// Forget acknowledged changes; how many there were.
pub(crate) fn ack(tx: &Transaction<'_>, ids: &[ChangeId]) -> Result<usize> {
    let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE change_id = ?1")?;
    let mut n = 0;
    for id in ids {
        n += stmt.execute([id.0.as_bytes().as_slice()])?;
    }
    Ok(n)
}

pub(crate) fn mark_rejected(
    tx: &Transaction<'_>,
    id: ChangeId,
    code: &str,
    reason: &str,
) -> Result<()> {
    let n = tx
        .prepare_cached(
            "UPDATE outbox SET rejected_code = ?2, rejected_reason = ?3 WHERE change_id = ?1",
        )?
        .execute(params![id.0.as_bytes().as_slice(), code, reason])?;
    if n == 0 {
        return Err(DeviceError::NotFound {
            what: "outbox entry",
        });
    }
    Ok(())
}

/// Put a rejected change back in line (after the user fixed what the server objected to).
pub(crate) fn retry(tx: &Transaction<'_>, id: ChangeId) -> Result<()> {
    let n = tx
        .prepare_cached(
            "UPDATE outbox SET rejected_code = NULL, rejected_reason = NULL WHERE change_id = ?1",
        )?
        .execute([id.0.as_bytes().as_slice()])?;
    if n == 0 {
        return Err(DeviceError::NotFound {
            what: "outbox entry",
        });
    }
    Ok(())
}

/// Changes of this record still waiting to be sent (rejected ones are not waiting).
pub(crate) fn pending_for(conn: &Connection, record_id: Uuid) -> Result<usize> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM outbox WHERE record_id = ?1 AND rejected_code IS NULL",
        )?
        .query_row([record_id.as_bytes().as_slice()], |r| r.get(0))?;
    Ok(n.max(0) as usize)
}

/// (waiting, rejected)
pub(crate) fn counts(conn: &Connection) -> Result<(u64, u64)> {
    let (w, r): (i64, i64) = conn.query_row(
        "SELECT count(*) - count(rejected_code), count(rejected_code) FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((w.max(0) as u64, r.max(0) as u64))
}

/// The stamp of the newest local change (local stamps grow with `seq`).
pub(crate) fn last_hlc(conn: &Connection) -> Result<Option<Hlc>> {
    let s: Option<String> = conn
        .query_row(
            "SELECT hlc FROM outbox ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(s.and_then(|s| s.parse().ok()))
}
