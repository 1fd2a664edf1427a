//! Tombstones of what this device deleted: entity, id and the deletion's clock stamp, kept after
//! the server acknowledged the deletion so it can be sent again when the server says its
//! database was restored from a backup (`SyncResponse::restored`). Without them a record deleted
//! after the backup would come back from the restored server, since phones re-send what they
//! hold and a deleted record is no longer held (docs/sync-device.md).
//!
//! A tombstone holds only what a live record's row holds in plaintext (random id, entity, clock
//! stamp) — nothing of the deleted record itself, which is gone from the phone. It is dropped
//! [`KEEP_DAYS`] after the server acknowledged it: a restore from an older backup is not
//! covered (docs/server.md, "Back it up").

use crate::error::{DeviceError, Result};
use rusqlite::{Transaction, params};
use uppsok_model::{ChangeId, Entity, Hlc};
use uuid::Uuid;

/// How long an acknowledged tombstone is kept: longer than the nightly backups a restore is
/// taken from are kept on the server's disk.
pub const KEEP_DAYS: i64 = 35;

/// One deletion to send again.
pub(crate) struct Tombstone {
    pub entity: Entity,
    pub id: Uuid,
    pub hlc: Hlc,
}

/// Remember that `id` was deleted at `hlc` by the change `change`, waiting to be acknowledged.
pub(crate) fn put(
    tx: &Transaction<'_>,
    entity: Entity,
    id: Uuid,
    hlc: Hlc,
    change: ChangeId,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO tombstone (id, entity, hlc, change_id, acked_ms) VALUES (?1, ?2, ?3, ?4, NULL)
         ON CONFLICT (id) DO UPDATE SET entity = ?2, hlc = ?3, change_id = ?4, acked_ms = NULL",
    )?
    .execute(params![
        id.as_bytes().as_slice(),
        entity.as_str(),
        hlc.to_string(),
        change.0.as_bytes().as_slice()
    ])?;
    Ok(())
}

/// The server acknowledged these changes: their tombstones start their time to keep, and the
/// ones kept long enough go.
pub(crate) fn acked(tx: &Transaction<'_>, changes: &[ChangeId], now_ms: i64) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "UPDATE tombstone SET acked_ms = ?2 WHERE change_id = ?1 AND acked_ms IS NULL",
    )?;
    for c in changes {
        stmt.execute(params![c.0.as_bytes().as_slice(), now_ms])?;
    }
    tx.prepare_cached("DELETE FROM tombstone WHERE acked_ms < ?1")?
        .execute([now_ms - KEEP_DAYS * 86_400_000])?;
    Ok(())
}

/// The deletion `change` was refused and dropped by the user: the record was not deleted on the
/// server, so there is nothing to send again.
pub(crate) fn forget_change(tx: &Transaction<'_>, change: ChangeId) -> Result<()> {
    tx.prepare_cached("DELETE FROM tombstone WHERE change_id = ?1")?
        .execute([change.0.as_bytes().as_slice()])?;
    Ok(())
}

/// Every tombstone, for sending again.
pub(crate) fn all(tx: &Transaction<'_>) -> Result<Vec<Tombstone>> {
    let mut stmt = tx.prepare_cached("SELECT entity, id, hlc FROM tombstone ORDER BY hlc")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let bad = || DeviceError::Undecodable { what: "tombstone" };
    let mut out = Vec::new();
    for row in rows {
        let (entity, id, hlc) = row?;
        out.push(Tombstone {
            entity: entity.parse().map_err(|_| bad())?,
            id: Uuid::from_slice(&id).map_err(|_| bad())?,
            hlc: hlc.parse().map_err(|_| bad())?,
        });
    }
    Ok(out)
}

/// The tombstone now travels in `change`, waiting for the server again.
pub(crate) fn resent(tx: &Transaction<'_>, id: Uuid, change: ChangeId) -> Result<()> {
    tx.prepare_cached("UPDATE tombstone SET change_id = ?2, acked_ms = NULL WHERE id = ?1")?
        .execute(params![
            id.as_bytes().as_slice(),
            change.0.as_bytes().as_slice()
        ])?;
    Ok(())
}
