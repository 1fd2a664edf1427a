//! Rows of the record tables: how a model record becomes a row (plain index columns and one
//! sealed `body` holding the record's JSON) and back. Write functions take the open transaction,
//! so a caller composes several writes (and their outbox entries) into one atomic unit.

use super::Keys;
use crate::crypto::Aad;
use crate::error::{DeviceError, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uppsok_model::{Client, ClientCode, ClientId, Entity, Hlc, Record, ValidationError};
use uuid::Uuid;
use zeroize::Zeroizing;

/// Table names are the entity names; kept in one place so AAD and SQL agree.
pub(crate) fn table(entity: Entity) -> &'static str {
    match entity {
        Entity::Client => "client",
        Entity::Visit => "visit",
        Entity::Trip => "trip",
        Entity::Place => "place",
        Entity::Outcome => "outcome",
    }
}

/// How an error names a record: the kind, never the content.
pub(crate) fn what(entity: Entity) -> &'static str {
    match entity {
        Entity::Client => "client record",
        Entity::Visit => "visit record",
        Entity::Trip => "trip record",
        Entity::Place => "place record",
        Entity::Outcome => "outcome record",
    }
}

pub(crate) const CODE_INDEX_DOMAIN: &str = "client.code";

/// The record's JSON (without the entity tag), in a buffer scrubbed on drop.
pub(crate) fn encode(record: &Record) -> Result<Zeroizing<Vec<u8>>> {
    let json = match record {
        Record::Client(c) => serde_json::to_vec(c),
        Record::Visit(v) => serde_json::to_vec(v),
        Record::Trip(t) => serde_json::to_vec(t),
        Record::Place(p) => serde_json::to_vec(p),
        Record::Outcome(o) => serde_json::to_vec(o),
    };
    // Model types serialise to plain JSON objects; failing here would be a model bug.
    json.map(Zeroizing::new)
        .map_err(|_| DeviceError::Invalid(ValidationError::new("record", "could not be encoded")))
}

pub(crate) fn decode(entity: Entity, json: &[u8]) -> Result<Record> {
    let undecodable = |_| DeviceError::Undecodable { what: what(entity) };
    Ok(match entity {
        Entity::Client => Record::Client(serde_json::from_slice(json).map_err(undecodable)?),
        Entity::Visit => Record::Visit(serde_json::from_slice(json).map_err(undecodable)?),
        Entity::Trip => Record::Trip(serde_json::from_slice(json).map_err(undecodable)?),
        Entity::Place => Record::Place(serde_json::from_slice(json).map_err(undecodable)?),
        Entity::Outcome => Record::Outcome(serde_json::from_slice(json).map_err(undecodable)?),
    })
}

/// Open a row's sealed body and decode the record in it.
pub(crate) fn open_body(keys: &Keys, entity: Entity, id: &[u8], body: Vec<u8>) -> Result<Record> {
    let json = keys
        .cipher
        .open_owned(Aad::new(table(entity), id, "body"), body)
        .map_err(|_| DeviceError::Tampered { what: what(entity) })?;
    decode(entity, &json)
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Insert or replace the row of `record`; `json` is its [`encode`]d form (serialised once by the
/// caller, which seals it again for the outbox).
pub(crate) fn put(
    tx: &Transaction<'_>,
    keys: &Keys,
    record: &Record,
    json: &[u8],
    hlc: Hlc,
) -> Result<()> {
    let id = record.id();
    let idb = id.as_bytes().as_slice();
    let body = keys
        .cipher
        .seal(Aad::new(table(record.entity()), idb, "body"), json)?;
    let hlc = hlc.to_string();
    match record {
        Record::Client(c) => {
            let index = keys.blind.hash(CODE_INDEX_DOMAIN, c.code.as_str());
            tx.prepare_cached(
                "INSERT INTO client (id, code_index, hlc, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET code_index = excluded.code_index,
                     hlc = excluded.hlc, body = excluded.body",
            )?
            .execute(params![idb, index, hlc, body])?;
        }
        Record::Visit(v) => {
            tx.prepare_cached(
                "INSERT INTO visit (id, client, start, hlc, body) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET client = excluded.client, start = excluded.start,
                     hlc = excluded.hlc, body = excluded.body",
            )?
            .execute(params![
                idb,
                v.client.0.as_bytes().as_slice(),
                millis(v.start),
                hlc,
                body
            ])?;
        }
        Record::Trip(t) => {
            tx.prepare_cached(
                "INSERT INTO trip (id, start, hlc, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET start = excluded.start, hlc = excluded.hlc,
                     body = excluded.body",
            )?
            .execute(params![idb, millis(t.start), hlc, body])?;
        }
        Record::Place(_) => {
            tx.prepare_cached(
                "INSERT INTO place (id, hlc, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET hlc = excluded.hlc, body = excluded.body",
            )?
            .execute(params![idb, hlc, body])?;
        }
        Record::Outcome(o) => {
            tx.prepare_cached(
                "INSERT INTO outcome (id, client, day, hlc, body) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET client = excluded.client, day = excluded.day,
                     hlc = excluded.hlc, body = excluded.body",
            )?
            .execute(params![
                idb,
                o.client.0.as_bytes().as_slice(),
                o.day.to_string(),
                hlc,
                body
            ])?;
        }
    }
    Ok(())
}

/// Delete a row; whether there was one.
pub(crate) fn remove(tx: &Transaction<'_>, entity: Entity, id: Uuid) -> Result<bool> {
    let sql = format!("DELETE FROM {} WHERE id = ?1", table(entity));
    Ok(tx
        .prepare_cached(&sql)?
        .execute([id.as_bytes().as_slice()])?
        > 0)
}

pub(crate) fn exists(conn: &Connection, entity: Entity, id: Uuid) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} WHERE id = ?1", table(entity));
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.as_bytes().as_slice()], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(crate) fn get(
    conn: &Connection,
    keys: &Keys,
    entity: Entity,
    id: Uuid,
) -> Result<Option<Record>> {
    let sql = format!("SELECT body FROM {} WHERE id = ?1", table(entity));
    let idb = id.as_bytes().as_slice();
    let body: Option<Vec<u8>> = conn
        .prepare_cached(&sql)?
        .query_row([idb], |r| r.get(0))
        .optional()?;
    body.map(|b| open_body(keys, entity, idb, b)).transpose()
}

/// A row that does not open is damaged (a flipped bit in flash, a tampered file) or from a
/// format this build cannot read; a listing leaves it out instead of failing as a whole.
fn is_unreadable(e: &DeviceError) -> bool {
    matches!(
        e,
        DeviceError::Tampered { .. } | DeviceError::Undecodable { .. }
    )
}

fn row_id(bytes: &[u8]) -> Uuid {
    // Ids are written from 16-byte UUIDs; anything else is itself damage, reported as nil.
    Uuid::from_slice(bytes).unwrap_or(Uuid::nil())
}

/// Like [`query`] for listings: a row that does not open is left out and its id added to
/// `damaged`, so one bad row does not hide a case manager's other clients or visits.
pub(crate) fn query_readable(
    conn: &Connection,
    keys: &Keys,
    entity: Entity,
    sql: &str,
    params: impl rusqlite::Params,
    damaged: &mut Vec<Uuid>,
) -> Result<Vec<Record>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let id: Vec<u8> = row.get(0)?;
        let body: Vec<u8> = row.get(1)?;
        match open_body(keys, entity, &id, body) {
            Ok(r) => out.push(r),
            Err(e) if is_unreadable(&e) => damaged.push(row_id(&id)),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Run `sql` (selecting `id, body`) and open every row; a row that does not open fails the
/// call (for look-ups that must see every row, e.g. keeping client codes unique).
pub(crate) fn query(
    conn: &Connection,
    keys: &Keys,
    entity: Entity,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Record>> {
    let mut damaged = Vec::new();
    let out = query_readable(conn, keys, entity, sql, params, &mut damaged)?;
    if !damaged.is_empty() {
        return Err(DeviceError::Tampered { what: what(entity) });
    }
    Ok(out)
}

/// Like [`query_readable`], decoding straight into the entity's type (no `Record` in between,
/// which showed up in the cost of listing thousands of visits).
pub(crate) fn query_as_readable<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    keys: &Keys,
    entity: Entity,
    sql: &str,
    params: impl rusqlite::Params,
    damaged: &mut Vec<Uuid>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let id = row
            .get_ref(0)?
            .as_blob()
            .map_err(|_| DeviceError::Tampered { what: what(entity) })?;
        let body: Vec<u8> = row.get(1)?;
        let Ok(json) = keys
            .cipher
            .open_owned(Aad::new(table(entity), id, "body"), body)
        else {
            damaged.push(row_id(id));
            continue;
        };
        match serde_json::from_slice(&json) {
            Ok(v) => out.push(v),
            Err(_) => damaged.push(row_id(id)),
        }
    }
    Ok(out)
}

/// Ids of the rows of `entity` that do not open (a full scan: for repairs, not listings).
pub(crate) fn unreadable_ids(conn: &Connection, keys: &Keys, entity: Entity) -> Result<Vec<Uuid>> {
    let mut damaged = Vec::new();
    let sql = format!("SELECT id, body FROM {}", table(entity));
    query_readable(conn, keys, entity, &sql, [], &mut damaged)?;
    Ok(damaged)
}

/// The clients whose code has the given blind index (normally one).
pub(crate) fn clients_by_code(
    conn: &Connection,
    keys: &Keys,
    code: &ClientCode,
) -> Result<Vec<Client>> {
    let index = keys.blind.hash(CODE_INDEX_DOMAIN, code.as_str());
    let found = query(
        conn,
        keys,
        Entity::Client,
        "SELECT id, body FROM client WHERE code_index = ?1",
        [index],
    )?;
    Ok(found
        .into_iter()
        .filter_map(|r| match r {
            // The hash is 256 bits: a collision is not a practical concern, but comparing is free.
            Record::Client(c) if c.code == *code => Some(c),
            _ => None,
        })
        .collect())
}

pub(crate) fn count(conn: &Connection, entity: Entity) -> Result<u64> {
    let sql = format!("SELECT count(*) FROM {}", table(entity));
    Ok(conn.query_row(&sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
}

pub(crate) fn client_id_bytes(id: ClientId) -> [u8; 16] {
    *id.0.as_bytes()
}
