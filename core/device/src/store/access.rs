//! The phone's access log (schema V6): each opening of a client, of a client's history and each
//! export, as an [`AccessEvent`] sealed whole with the data key — the client's id too, so the
//! file says nothing about whom the case manager looked at. Rows are only ever inserted (a
//! trigger refuses UPDATE) and deleted when the server has acknowledged them in a sync reply,
//! or with everything else by a wipe. Plaintext is the event's random id and the insertion
//! order, which sync needs without opening anything.

use super::Keys;
use crate::crypto::Aad;
use crate::error::{DeviceError, Result};
use rusqlite::{Connection, Transaction, params};
use uppsok_model::AccessEvent;
use uuid::Uuid;

const TABLE: &str = "access_event";

fn aad(id: &Uuid) -> Aad<'_> {
    Aad::new(TABLE, id.as_bytes(), "body")
}

/// Appends `event`, sealed.
pub(crate) fn append(tx: &Transaction<'_>, keys: &Keys, event: &AccessEvent) -> Result<()> {
    let json = serde_json::to_vec(event).map_err(|_| DeviceError::Undecodable {
        what: "access event",
    })?;
    let body = keys.cipher.seal(aad(&event.id), &json)?;
    tx.prepare_cached("INSERT INTO access_event (id, body) VALUES (?1, ?2)")?
        .execute(params![event.id.as_bytes().as_slice(), body])?;
    Ok(())
}

/// The oldest `limit` events waiting for the server, in the order they happened on the phone.
/// A row that does not open is left out (it cannot be sent; it stays until a wipe).
pub(crate) fn pending(conn: &Connection, keys: &Keys, limit: usize) -> Result<Vec<AccessEvent>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, body FROM access_event ORDER BY seq LIMIT ?1")?;
    let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body) = row?;
        let Ok(id) = Uuid::from_slice(&id) else {
            continue;
        };
        let Ok(plain) = keys.cipher.open_owned(aad(&id), body) else {
            continue;
        };
        match serde_json::from_slice::<AccessEvent>(&plain) {
            Ok(e) if e.id == id => out.push(e),
            _ => {}
        }
    }
    Ok(out)
}

/// Forgets the events the server acknowledged; how many were found.
pub(crate) fn acked(tx: &Transaction<'_>, ids: &[Uuid]) -> Result<usize> {
    let mut stmt = tx.prepare_cached("DELETE FROM access_event WHERE id = ?1")?;
    let mut n = 0;
    for id in ids {
        n += stmt.execute([id.as_bytes().as_slice()])?;
    }
    Ok(n)
}

/// How many events wait for the server.
pub(crate) fn count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM access_event")?
        .query_row([], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}
