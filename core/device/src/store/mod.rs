//! The encrypted store on the phone (docs/design.md §4): SQLite through rusqlite, every sensitive
//! value sealed with the data key, and an outbox written in the same transaction as each change.
//!
//! [`Store`] is the handle the app (and the FFI layer, and `uppsok field`) holds: `Send + Sync`,
//! one connection behind a mutex, because a phone does one thing at a time and SQLite serialises
//! writers anyway. Reads are methods on the store; writes go through [`Store::write`], which
//! hands a [`Writer`] over one immediate transaction, so sync can apply a pulled batch and move
//! its cursor atomically. The `save_*` / `delete_*` methods on `Store` are one-write shortcuts.
//!
//! Durability: WAL with `synchronous = FULL`, so when a write call returns, its transaction is
//! on disk (fsynced) and survives the app being killed or the battery dying. `temp_store =
//! MEMORY` keeps SQLite's temporary tables and sort files off the disk.

mod access;
mod meta;
mod outbox;
mod records;
mod schema;
mod tombstones;
mod window;

#[cfg(test)]
mod tests;

pub use meta::{Profile, TeamRoster};
pub use outbox::{OutboxEntry, Rejection};
/// Every schema version's SQL, oldest first (for the benchmark's plaintext baseline, which must
/// use the same tables and indexes; not an API to build on).
#[doc(hidden)]
pub use schema::MIGRATIONS as SCHEMA_SCRIPTS;
pub use schema::SCHEMA_VERSION;
pub use tombstones::KEEP_DAYS as TOMBSTONE_KEEP_DAYS;
pub use window::{Cutoffs, Evicted, client_goes};

use crate::crypto::{self, BlindIndex, Cipher, KeyProvider, KeySlot};
use crate::error::{DeviceError, Result};
use chrono::{DateTime, Utc};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use uppsok_model::protocol::{client_groups_edited, record_body};
use uppsok_model::{
    AccessEvent, AccessKind, ChangeId, Client, ClientCode, ClientId, Entity, Hlc, HlcClock,
    Outcome, OutcomeId, Place, PlaceId, Record, Trip, TripId, Username, ValidationError, Visit,
    VisitId,
};
use uuid::Uuid;
use zeroize::Zeroizing;

/// Whether `user` is the client's contact person or deputy: the client is one of "my clients".
pub fn is_my_client(c: &Client, user: &Username) -> bool {
    c.is_cared_for_by(user.as_str())
}

/// The keys of an open store: the data cipher and the blind index, both derived from the DEK.
pub(crate) struct Keys {
    pub(crate) cipher: Cipher,
    pub(crate) blind: BlindIndex,
}

struct State {
    conn: Connection,
    clock: HlcClock,
}

/// An open, unlocked store.
pub struct Store {
    path: PathBuf,
    keys: Keys,
    state: Mutex<State>,
    /// How far this device's wall clock is off, in ms (0 on a real phone); see
    /// [`Store::set_clock_offset`].
    clock_offset_ms: AtomicI64,
    /// Rows that listings found unreadable since the store was opened (see
    /// [`Store::damaged_records`]).
    damaged: Mutex<BTreeSet<(Entity, Uuid)>>,
    /// When each (client, kind) of access was last logged, in this run of the app only (see
    /// [`Store::log_access`]); never on disk.
    recent_access: Mutex<HashMap<(ClientId, AccessKind), i64>>,
}

/// An access to the same client of the same kind within this many milliseconds of the last
/// logged one is not logged again: a screen reads a client several times while it is open
/// (a redraw, the visits and the outcomes of one history page).
pub const ACCESS_REPEAT_MS: i64 = 60_000;

/// Which visits to list. `from` is inclusive, `before` exclusive; both optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VisitFilter {
    pub client: Option<ClientId>,
    pub from: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

/// Which trips to list, by start: `from` inclusive, `before` exclusive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TripFilter {
    pub from: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

/// Counts for a status screen ("N changes waiting").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreStatus {
    pub clients: u64,
    pub visits: u64,
    pub trips: u64,
    pub places: u64,
    /// Changes waiting to be sent.
    pub outbox_pending: u64,
    /// Changes the server refused, kept with their reason.
    pub outbox_rejected: u64,
    /// Access events waiting for the server to log them.
    pub access_pending: u64,
    pub schema_version: u32,
}

/// What [`Writer::apply_remote`] did with a pulled record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteOutcome {
    Applied,
    /// The record has local changes still waiting to be sent; the local version stays until the
    /// server has seen them (its reply will bring the merged result).
    KeptLocal,
}

const DB_FILE_SUFFIXES: [&str; 3] = ["", "-wal", "-shm"];

fn open_connection(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(DeviceError::Storage(rusqlite::Error::InvalidQuery));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // A deleted row's bytes are overwritten with zeros, not left in a free page: records that
    // leave the phone (the history window, a deletion) leave no sealed copy behind once the
    // WAL is checkpointed.
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// The stored checksum of the key slot; `None` in a store older than schema 3 (the column is
/// added by the upgrade, which runs after unlocking) or before its first unlock since.
fn read_slot_checksum(conn: &Connection) -> Result<Option<Vec<u8>>> {
    if schema::user_version(conn)? < 3 {
        return Ok(None);
    }
    Ok(conn
        .query_row("SELECT checksum FROM key WHERE id = 1", [], |r| r.get(0))
        .optional()?
        .flatten())
}

fn read_slot(conn: &Connection) -> Result<Option<KeySlot>> {
    Ok(conn
        .query_row(
            "SELECT salt, wrapped_dek, canary FROM key WHERE id = 1",
            [],
            |r| {
                Ok(KeySlot {
                    salt: r.get(0)?,
                    wrapped_dek: r.get(1)?,
                    canary: r.get(2)?,
                })
            },
        )
        .optional()?)
}

fn keys_from(dek: &crypto::Dek) -> Result<Keys> {
    Ok(Keys {
        cipher: Cipher::new(dek.as_bytes())?,
        blind: BlindIndex::new(dek),
    })
}

/// The clock resumes after the newest stamp it ever handed out or saw.
fn resume_clock(conn: &Connection) -> Result<HlcClock> {
    let node: u32 = meta::get(conn, meta::NODE)?
        .and_then(|s| s.parse().ok())
        .ok_or(DeviceError::Undecodable {
            what: "device profile",
        })?;
    let saved: Option<Hlc> = meta::get(conn, meta::HLC_LAST)?.and_then(|s| s.parse().ok());
    let last = saved
        .max(outbox::last_hlc(conn)?)
        .unwrap_or(Hlc { node, ..Hlc::ZERO });
    Ok(HlcClock::resume(node, last))
}

fn random_u32() -> Result<u32> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 4];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| DeviceError::Crypto("the system random generator failed"))?;
    Ok(u32::from_le_bytes(b))
}

impl Store {
    /// Create a new store at `path` (a file; its directory must exist) with a fresh data key
    /// wrapped by `provider`'s key.
    pub fn create(
        path: impl AsRef<Path>,
        provider: &dyn KeyProvider,
        profile: &Profile,
    ) -> Result<Store> {
        let path = path.as_ref();
        let mut conn = open_connection(path, true)?;
        // An empty file (or one left by an interrupted create) is fair game; a store is not.
        if schema::user_version(&conn)? > 0 && read_slot(&conn)?.is_some() {
            return Err(DeviceError::AlreadyExists);
        }
        schema::migrate(&mut conn)?;
        let (dek, slot) = crypto::new_slot(provider)?;
        let node = random_u32()?;
        {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if read_slot(&tx)?.is_some() {
                return Err(DeviceError::AlreadyExists);
            }
            tx.execute(
                "INSERT INTO key (id, salt, wrapped_dek, canary, checksum) VALUES (1, ?1, ?2, ?3, ?4)",
                params![slot.salt, slot.wrapped_dek, slot.canary, slot.checksum()],
            )?;
            meta::set(&tx, meta::NODE, &node.to_string())?;
            meta::set_profile(&tx, profile)?;
            tx.commit()?;
        }
        Ok(Store {
            path: path.to_owned(),
            keys: keys_from(&dek)?,
            state: Mutex::new(State {
                conn,
                clock: HlcClock::new(node),
            }),
            clock_offset_ms: AtomicI64::new(0),
            damaged: Mutex::default(),
            recent_access: Mutex::default(),
        })
    }

    /// Open and unlock the store at `path`, upgrading its schema if it is older.
    ///
    /// Errors: [`DeviceError::NoStore`] if there is none, [`DeviceError::WrongKey`] if the
    /// provider's key does not fit, [`DeviceError::NewerSchema`] if a newer app wrote it,
    /// [`DeviceError::Tampered`] if the key slot was damaged.
    pub fn open(path: impl AsRef<Path>, provider: &dyn KeyProvider) -> Result<Store> {
        let path = path.as_ref();
        if !Self::exists(path) {
            return Err(DeviceError::NoStore);
        }
        let mut conn = open_connection(path, false)?;
        let found = schema::user_version(&conn)?;
        if found == 0 {
            return Err(DeviceError::NoStore);
        }
        // Unlock before upgrading: a wrong passphrase must not change the file.
        let slot = read_slot(&conn)?.ok_or(DeviceError::NoStore)?;
        let stored_sum = read_slot_checksum(&conn)?;
        if stored_sum
            .as_ref()
            .is_some_and(|sum| *sum != slot.checksum())
        {
            return Err(DeviceError::Tampered { what: "key slot" });
        }
        let dek = crypto::open_slot(provider, &slot)?;
        schema::migrate(&mut conn)?;
        if stored_sum.is_none() {
            conn.execute(
                "UPDATE key SET checksum = ?1 WHERE id = 1",
                params![slot.checksum()],
            )?;
        }
        let clock = resume_clock(&conn)?;
        Ok(Store {
            path: path.to_owned(),
            keys: keys_from(&dek)?,
            state: Mutex::new(State { conn, clock }),
            clock_offset_ms: AtomicI64::new(0),
            damaged: Mutex::default(),
            recent_access: Mutex::default(),
        })
    }

    /// Whether a store exists at `path` (without unlocking it).
    pub fn exists(path: impl AsRef<Path>) -> bool {
        std::fs::metadata(path.as_ref()).is_ok_and(|m| m.len() > 0)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock dropped its Transaction, which rolled back; the
        // connection and clock are still consistent, so the store stays usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read<T>(&self, f: impl FnOnce(&Connection, &Keys) -> Result<T>) -> Result<T> {
        let st = self.lock();
        f(&st.conn, &self.keys)
    }

    /// Run `f` in one immediate transaction; it commits (durably) when `f` returns `Ok`, and
    /// nothing is written when it returns `Err`.
    pub fn write<T>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let mut st = self.lock();
        let State { conn, clock } = &mut *st;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut w = Writer {
            tx: &tx,
            keys: &self.keys,
            clock,
            now: self.now(),
            persist_clock: false,
        };
        let out = f(&mut w)?;
        if w.persist_clock {
            meta::set(&tx, meta::HLC_LAST, &w.clock.last().to_string())?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// The device's idea of the current time: the system clock plus the offset set by
    /// [`Store::set_clock_offset`]. Every write stamps and validates against this.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.clock_offset_ms.load(Ordering::Relaxed))
    }

    /// Make this store behave as on a phone whose clock is `offset` off (tests and the demo:
    /// real phones are wrong by minutes to days, docs/design.md §10). Not persisted.
    pub fn set_clock_offset(&self, offset: chrono::Duration) {
        self.clock_offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    /// A plain value of the small state beside the records (sync bookkeeping); never sensitive.
    pub(crate) fn meta_value(&self, name: &str) -> Result<Option<String>> {
        self.read(|c, _| meta::get(c, name))
    }

    // ----- profile and small state -----

    pub fn profile(&self) -> Result<Profile> {
        self.read(|c, _| meta::profile(c))
    }

    pub fn set_profile(&self, profile: &Profile) -> Result<()> {
        self.write(|w| w.set_profile(profile))
    }

    /// The server's sequence number up to which this device has pulled.
    pub fn pull_cursor(&self) -> Result<Option<u64>> {
        self.read(|c, _| Ok(meta::get(c, meta::PULL_CURSOR)?.and_then(|s| s.parse().ok())))
    }

    /// The window of history the server last named (`SyncResponse::history_window_days`) and
    /// the cut-offs it gives today; `None` before a server has named one (the phone then keeps
    /// everything, as before the window existed).
    pub fn history_window(&self) -> Result<Option<(u32, Cutoffs)>> {
        let days = self.read(|c, _| {
            Ok(meta::get(c, window::WINDOW_DAYS)?.and_then(|s| s.parse::<u32>().ok()))
        })?;
        Ok(days.map(|d| (d, Cutoffs::of(self.now().date_naive(), d))))
    }

    /// Deletes what lies outside the history window (see [`Writer::evict_outside_window`]).
    pub fn evict_outside_window(&self, clients: bool) -> Result<Evicted> {
        self.write(|w| w.evict_outside_window(clients))
    }

    /// Store `bytes` sealed under `name` (e.g. the trip recorder's state).
    pub fn put_sealed_blob(&self, name: &str, bytes: &[u8]) -> Result<()> {
        self.write(|w| w.put_sealed_blob(name, bytes))
    }

    pub fn get_sealed_blob(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        self.read(|c, k| meta::get_blob(c, k, name))
    }

    pub fn delete_sealed_blob(&self, name: &str) -> Result<bool> {
        self.write(|w| w.delete_sealed_blob(name))
    }

    /// The device token the server issued at enrolment (sealed at rest). A token that no
    /// longer opens is [`DeviceError::Tampered`] `{ what: "device token" }`; [`Store::repair_damaged`]
    /// removes it so the phone can be enrolled again.
    pub fn device_token(&self) -> Result<Option<Zeroizing<String>>> {
        let b = match self.get_sealed_blob(DEVICE_TOKEN) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(DeviceError::Tampered { .. }) => {
                return Err(DeviceError::Tampered {
                    what: "device token",
                });
            }
            Err(e) => return Err(e),
        };
        let s = std::str::from_utf8(&b).map_err(|_| DeviceError::Tampered {
            what: "device token",
        })?;
        Ok(Some(Zeroizing::new(s.to_owned())))
    }

    /// The team roster last fetched from the server (`None` before the first).
    pub fn team_roster(&self) -> Result<Option<TeamRoster>> {
        self.read(meta::team_roster)
    }

    pub fn set_team_roster(&self, roster: &TeamRoster) -> Result<()> {
        let json = serde_json::to_vec(roster).map_err(|_| DeviceError::Undecodable {
            what: "team roster",
        })?;
        self.write(|w| w.put_sealed_blob(meta::TEAM_ROSTER, &json))
    }

    /// Whether the stored device token is there but does not open (see [`Store::device_token`]).
    pub fn device_token_damaged(&self) -> bool {
        matches!(
            self.device_token(),
            Err(DeviceError::Tampered {
                what: "device token"
            })
        )
    }

    pub fn set_device_token(&self, token: Option<&str>) -> Result<()> {
        self.write(|w| match token {
            Some(t) => w.put_sealed_blob(DEVICE_TOKEN, t.as_bytes()),
            None => w.delete_sealed_blob(DEVICE_TOKEN).map(|_| ()),
        })
    }

    // ----- records: shortcuts for one write -----

    pub fn save_client(&self, c: &Client) -> Result<ChangeId> {
        self.write(|w| w.save_client(c))
    }
    pub fn save_visit(&self, v: &Visit) -> Result<ChangeId> {
        self.write(|w| w.save_visit(v))
    }
    pub fn save_trip(&self, t: &Trip) -> Result<ChangeId> {
        self.write(|w| w.save_trip(t))
    }
    pub fn save_place(&self, p: &Place) -> Result<ChangeId> {
        self.write(|w| w.save_place(p))
    }
    pub fn delete_visit(&self, id: VisitId) -> Result<ChangeId> {
        self.write(|w| w.delete(Entity::Visit, id.0))
    }
    pub fn delete_trip(&self, id: TripId) -> Result<ChangeId> {
        self.write(|w| w.delete(Entity::Trip, id.0))
    }
    pub fn delete_place(&self, id: PlaceId) -> Result<ChangeId> {
        self.write(|w| w.delete(Entity::Place, id.0))
    }
    pub fn save_outcome(&self, o: &Outcome) -> Result<ChangeId> {
        self.write(|w| w.save_outcome(o))
    }
    pub fn delete_outcome(&self, id: OutcomeId) -> Result<ChangeId> {
        self.write(|w| w.delete(Entity::Outcome, id.0))
    }

    // ----- records: reads -----

    pub fn client(&self, id: ClientId) -> Result<Client> {
        match self.read(|c, k| records::get(c, k, Entity::Client, id.0))? {
            Some(Record::Client(c)) => Ok(c),
            _ => Err(DeviceError::NotFound { what: "client" }),
        }
    }

    /// Find a client by code through the blind index. Two clients with one code (possible only
    /// in data from before the server enforced unique codes) is an error rather than a guess: a
    /// visit logged on the first match could land on the wrong person.
    pub fn client_by_code(&self, code: &ClientCode) -> Result<Option<Client>> {
        let mut found = self.read(|c, k| records::clients_by_code(c, k, code))?;
        if found.len() > 1 {
            return Err(ValidationError::new(
                "code",
                "belongs to more than one client; ask the administrator to give one of them a new code",
            )
            .into());
        }
        Ok(found.pop())
    }

    /// All clients, by code. A row that does not open is left out (and counted in
    /// [`Store::damaged_records`]), so one damaged record does not hide the rest.
    pub fn clients(&self) -> Result<Vec<Client>> {
        let mut damaged = Vec::new();
        let rows = self.read(|c, k| {
            records::query_readable(
                c,
                k,
                Entity::Client,
                "SELECT id, body FROM client",
                [],
                &mut damaged,
            )
        })?;
        self.note_damaged(Entity::Client, damaged);
        let mut out: Vec<Client> = rows
            .into_iter()
            .filter_map(|r| match r {
                Record::Client(c) => Some(c),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    /// The user's own clients ("my clients"): those whose contact person or deputy the user
    /// is, by code; closed ones included (the caller decides).
    pub fn my_clients(&self, user: &Username) -> Result<Vec<Client>> {
        Ok(self
            .clients()?
            .into_iter()
            .filter(|c| is_my_client(c, user))
            .collect())
    }

    /// When each client's current revision was written (its clock stamp's wall time), read
    /// without opening the records: the phone's best trace of how long a client has been
    /// known, for the admission estimate of records that have no admission date.
    pub fn client_revisions(&self) -> Result<HashMap<ClientId, DateTime<Utc>>> {
        self.read(|c, _| {
            let mut stmt = c.prepare_cached("SELECT id, hlc FROM client")?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut out = HashMap::new();
            for row in rows {
                let (id, hlc) = row?;
                // A row whose id or stamp does not parse is damage that the listings report;
                // it simply has no revision time here.
                if let (Ok(id), Ok(hlc)) = (Uuid::from_slice(&id), hlc.parse::<Hlc>())
                    && let Some(t) = DateTime::from_timestamp_millis(hlc.wall_ms)
                {
                    out.insert(ClientId(id), t);
                }
            }
            Ok(out)
        })
    }

    pub fn visit(&self, id: VisitId) -> Result<Visit> {
        match self.read(|c, k| records::get(c, k, Entity::Visit, id.0))? {
            Some(Record::Visit(v)) => Ok(v),
            _ => Err(DeviceError::NotFound { what: "visit" }),
        }
    }

    /// Visits by start time (then id), filtered by client and a time range; both use an index.
    /// Rows that do not open are left out, as in [`Store::clients`].
    pub fn visits(&self, f: &VisitFilter) -> Result<Vec<Visit>> {
        let from = f.from.map_or(i64::MIN, |t| t.timestamp_millis());
        let before = f.before.map_or(i64::MAX, |t| t.timestamp_millis());
        let mut damaged = Vec::new();
        let out = self.read(|c, k| match f.client {
            Some(client) => records::query_as_readable::<Visit>(
                c,
                k,
                Entity::Visit,
                "SELECT id, body FROM visit WHERE client = ?1 AND start >= ?2 AND start < ?3
                 ORDER BY start, id",
                params![records::client_id_bytes(client).as_slice(), from, before],
                &mut damaged,
            ),
            None => records::query_as_readable::<Visit>(
                c,
                k,
                Entity::Visit,
                "SELECT id, body FROM visit WHERE start >= ?1 AND start < ?2 ORDER BY start, id",
                params![from, before],
                &mut damaged,
            ),
        })?;
        self.note_damaged(Entity::Visit, damaged);
        Ok(out)
    }

    pub fn outcome(&self, id: OutcomeId) -> Result<Outcome> {
        match self.read(|c, k| records::get(c, k, Entity::Outcome, id.0))? {
            Some(Record::Outcome(o)) => Ok(o),
            _ => Err(DeviceError::NotFound { what: "outcome" }),
        }
    }

    /// Every outcome on the device, oldest day first.
    pub fn outcomes(&self) -> Result<Vec<Outcome>> {
        let mut damaged = Vec::new();
        let out = self.read(|c, k| {
            records::query_as_readable::<Outcome>(
                c,
                k,
                Entity::Outcome,
                "SELECT id, body FROM outcome ORDER BY day, id",
                [],
                &mut damaged,
            )
        })?;
        self.note_damaged(Entity::Outcome, damaged);
        Ok(out)
    }

    /// A client's outcomes, newest day first (then the latest recorded first). Rows that do not
    /// open are left out, as in [`Store::clients`].
    pub fn outcomes_for_client(&self, client: ClientId) -> Result<Vec<Outcome>> {
        let mut damaged = Vec::new();
        let out = self.read(|c, k| {
            records::query_as_readable::<Outcome>(
                c,
                k,
                Entity::Outcome,
                "SELECT id, body FROM outcome WHERE client = ?1 ORDER BY day DESC, id DESC",
                params![records::client_id_bytes(client).as_slice()],
                &mut damaged,
            )
        })?;
        self.note_damaged(Entity::Outcome, damaged);
        Ok(out)
    }

    pub fn trip(&self, id: TripId) -> Result<Trip> {
        match self.read(|c, k| records::get(c, k, Entity::Trip, id.0))? {
            Some(Record::Trip(t)) => Ok(t),
            _ => Err(DeviceError::NotFound { what: "trip" }),
        }
    }

    /// Trips by start time; rows that do not open are left out, as in [`Store::clients`].
    pub fn trips(&self, f: &TripFilter) -> Result<Vec<Trip>> {
        let from = f.from.map_or(i64::MIN, |t| t.timestamp_millis());
        let before = f.before.map_or(i64::MAX, |t| t.timestamp_millis());
        let mut damaged = Vec::new();
        let rows = self.read(|c, k| {
            records::query_readable(
                c,
                k,
                Entity::Trip,
                "SELECT id, body FROM trip WHERE start >= ?1 AND start < ?2 ORDER BY start, id",
                params![from, before],
                &mut damaged,
            )
        })?;
        self.note_damaged(Entity::Trip, damaged);
        Ok(rows
            .into_iter()
            .filter_map(|r| match r {
                Record::Trip(t) => Some(t),
                _ => None,
            })
            .collect())
    }

    pub fn place(&self, id: PlaceId) -> Result<Place> {
        match self.read(|c, k| records::get(c, k, Entity::Place, id.0))? {
            Some(Record::Place(p)) => Ok(p),
            _ => Err(DeviceError::NotFound { what: "place" }),
        }
    }

    /// All places, by name; rows that do not open are left out, as in [`Store::clients`].
    pub fn places(&self) -> Result<Vec<Place>> {
        let mut damaged = Vec::new();
        let rows = self.read(|c, k| {
            records::query_readable(
                c,
                k,
                Entity::Place,
                "SELECT id, body FROM place",
                [],
                &mut damaged,
            )
        })?;
        self.note_damaged(Entity::Place, damaged);
        let mut out: Vec<Place> = rows
            .into_iter()
            .filter_map(|r| match r {
                Record::Place(p) => Some(p),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn note_damaged(&self, entity: Entity, ids: Vec<Uuid>) {
        if ids.is_empty() {
            return;
        }
        // Only a set of ids: a panic elsewhere while holding it cannot leave it inconsistent.
        let mut set = self.damaged.lock().unwrap_or_else(PoisonError::into_inner);
        set.extend(ids.into_iter().map(|id| (entity, id)));
    }

    /// Records that listings left out since the store was opened because they did not open
    /// (damaged or altered), for the app to say "N records could not be read" and offer
    /// [`Store::repair_damaged`]. Kind and id only, never content.
    pub fn damaged_records(&self) -> Vec<(Entity, Uuid)> {
        let set = self.damaged.lock().unwrap_or_else(PoisonError::into_inner);
        set.iter().copied().collect()
    }

    /// Every record row that does not open, by a full scan (it decrypts the whole store: for a
    /// status screen or a check, not for every listing).
    pub fn scan_damaged(&self) -> Result<Vec<(Entity, Uuid)>> {
        let found = self.read(|c, k| {
            let mut out = Vec::new();
            for entity in Entity::ALL {
                out.extend(
                    records::unreadable_ids(c, k, entity)?
                        .into_iter()
                        .map(|id| (entity, id)),
                );
            }
            Ok(out)
        })?;
        let mut set = self.damaged.lock().unwrap_or_else(PoisonError::into_inner);
        set.extend(found.iter().copied());
        Ok(found)
    }

    /// Repairs every record row that does not open: one with a change still waiting is
    /// rewritten from that change (its outbox entry is sealed on its own and holds the newest
    /// local version); any other is removed, and the pull cursor goes back to 0 so the next
    /// sync brings the server's copies of everything again. Returns how many rows were
    /// repaired or removed. A record that never reached the server and has no waiting change
    /// cannot come back — it was unreadable already.
    pub fn repair_damaged(&self) -> Result<u64> {
        let repaired = self.write(|w| {
            let (mut rewritten, mut removed) = (0, 0);
            for entity in Entity::ALL {
                for id in records::unreadable_ids(w.tx, w.keys, entity)? {
                    match outbox::newest_waiting(w.tx, w.keys, id)? {
                        Some(OutboxEntry {
                            deleted: false,
                            record: Some(record),
                            hlc,
                            ..
                        }) => {
                            let json = records::encode(&record)?;
                            records::put(w.tx, w.keys, &record, &json, hlc)?;
                            rewritten += 1;
                        }
                        _ => {
                            if records::remove(w.tx, entity, id)? {
                                removed += 1;
                            }
                        }
                    }
                }
            }
            if removed > 0 {
                w.set_pull_cursor(0)?;
            }
            // A device token that does not open cannot be repaired (the server keeps only its
            // hash): it goes, and the phone is enrolled again; nothing waiting is lost.
            let token_damaged = match meta::get_blob(w.tx, w.keys, DEVICE_TOKEN) {
                Err(DeviceError::Tampered { .. }) => true,
                Ok(Some(b)) => std::str::from_utf8(&b).is_err(),
                Ok(None) => false,
                Err(e) => return Err(e),
            };
            if token_damaged {
                w.delete_sealed_blob(DEVICE_TOKEN)?;
            }
            Ok(rewritten + removed + u64::from(token_damaged))
        })?;
        self.damaged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        Ok(repaired)
    }

    /// Any record by entity and id (`None` if absent).
    pub fn record(&self, entity: Entity, id: Uuid) -> Result<Option<Record>> {
        self.read(|c, k| records::get(c, k, entity, id))
    }

    pub fn status(&self) -> Result<StoreStatus> {
        self.read(|c, _| {
            let (pending, rejected) = outbox::counts(c)?;
            Ok(StoreStatus {
                clients: records::count(c, Entity::Client)?,
                visits: records::count(c, Entity::Visit)?,
                trips: records::count(c, Entity::Trip)?,
                places: records::count(c, Entity::Place)?,
                outbox_pending: pending,
                outbox_rejected: rejected,
                access_pending: access::count(c)?,
                schema_version: schema::user_version(c)?,
            })
        })
    }

    // ----- the phone's access log -----

    /// Records that the user opened `client`'s page or history, or took its data off the
    /// phone, at the device's time: sealed, append-only, kept until a sync reply says the
    /// server logged it. The core calls this itself where it serves such a read (the FFI's
    /// client, visits and outcomes of a client), so no screen can forget it. A repeat of the
    /// same access within [`ACCESS_REPEAT_MS`] is not logged again (`Ok(None)`).
    pub fn log_access(&self, client: ClientId, what: AccessKind) -> Result<Option<AccessEvent>> {
        let now = self.now();
        let now_ms = now.timestamp_millis();
        {
            let recent = self
                .recent_access
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if recent
                .get(&(client, what))
                .is_some_and(|last| (now_ms - last).abs() < ACCESS_REPEAT_MS)
            {
                return Ok(None);
            }
        }
        let event = AccessEvent::now(now, client, what)?;
        self.write(|w| access::append(w.tx, w.keys, &event))?;
        self.recent_access
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((client, what), now_ms);
        Ok(Some(event))
    }

    /// The oldest `limit` access events not yet logged by the server, oldest first.
    pub fn pending_access(&self, limit: usize) -> Result<Vec<AccessEvent>> {
        self.read(|c, k| access::pending(c, k, limit))
    }

    // ----- outbox, for sync -----

    /// The oldest `limit` changes waiting to be sent, in the order they were made.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.read(|c, k| outbox::batch(c, k, limit))
    }

    /// Changes the server refused, with its reasons.
    pub fn rejected_changes(&self) -> Result<Vec<OutboxEntry>> {
        self.read(outbox::rejected)
    }

    /// Forget changes the server acknowledged (applied or duplicate); how many were found.
    pub fn ack(&self, ids: &[ChangeId]) -> Result<usize> {
        self.write(|w| w.ack(ids))
    }

    /// Keep a refused change with the server's reason; it no longer appears in batches.
    pub fn mark_rejected(&self, id: ChangeId, code: &str, reason: &str) -> Result<()> {
        self.write(|w| w.mark_rejected(id, code, reason))
    }

    /// Local changes of a record still waiting to be sent.
    pub fn pending_for(&self, record_id: Uuid) -> Result<usize> {
        self.read(|c, _| outbox::pending_for(c, record_id))
    }

    /// Apply one pulled record (see [`Writer::apply_remote`]).
    pub fn apply_remote(&self, record: &Record, hlc: Hlc, deleted: bool) -> Result<RemoteOutcome> {
        self.write(|w| w.apply_remote(record, hlc, deleted))
    }

    /// The newest clock stamp this device made or saw.
    pub fn last_hlc(&self) -> Hlc {
        self.lock().clock.last()
    }

    /// `PRAGMA integrity_check`; `Ok(())` when SQLite finds the file sound.
    pub fn check_integrity(&self) -> Result<()> {
        let r: String =
            self.read(|c, _| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))?;
        if r == "ok" {
            Ok(())
        } else {
            Err(DeviceError::Tampered {
                what: "database file",
            })
        }
    }

    /// Remote wipe / sign-out: destroy the wrapped data key first (crypto-shredding: whatever
    /// remains on flash afterwards cannot be opened), then delete the files.
    pub fn wipe(self) -> Result<()> {
        let Store { path, state, .. } = self;
        let st = state.into_inner().unwrap_or_else(PoisonError::into_inner);
        shred_key(&st.conn)?;
        drop(st);
        remove_files(&path)
    }

    /// Remote wipe through a shared handle (sync holds `&Store`, the app may hold it in an
    /// `Arc`): the same order as [`Store::wipe`], key first, then the files. The handle stays
    /// alive but its files are gone; the app must drop it and start over.
    pub fn wipe_shared(&self) -> Result<()> {
        let st = self.lock();
        shred_key(&st.conn)?;
        remove_files(&self.path)
    }

    /// Wipe the store at `path` without its key (a forgotten passphrase, a revoked phone that
    /// cannot unlock): same order as [`Store::wipe`].
    pub fn wipe_at(path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if path.exists() {
            let conn = open_connection(path, false)?;
            if schema::user_version(&conn)? > 0 {
                shred_key(&conn)?;
            }
        }
        remove_files(path)
    }
}

pub(crate) const DEVICE_TOKEN: &str = "device_token";

/// Overwrite the key slot in place, delete it, and checkpoint so no copy stays in the WAL.
fn shred_key(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         UPDATE key SET salt = zeroblob(length(salt)), wrapped_dek = zeroblob(length(wrapped_dek)),
                        canary = zeroblob(length(canary)), checksum = NULL;
         DELETE FROM key;
         COMMIT;",
    )?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

fn remove_files(path: &Path) -> Result<()> {
    for suffix in DB_FILE_SUFFIXES {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(PathBuf::from(p)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// One write transaction (see [`Store::write`]). Every change of a record also queues an outbox
/// entry; remote records and bookkeeping do not.
pub struct Writer<'a> {
    tx: &'a Transaction<'a>,
    keys: &'a Keys,
    clock: &'a mut HlcClock,
    now: DateTime<Utc>,
    persist_clock: bool,
}

impl Writer<'_> {
    /// The open transaction, for callers that need to compose their own statements.
    pub fn transaction(&self) -> &Transaction<'_> {
        self.tx
    }

    fn tick(&mut self) -> Hlc {
        self.clock.tick(self.now.timestamp_millis())
    }

    /// Seal the record into its row and the outbox, serialising it once. A client's change
    /// says which field groups differ from the version held before (`edited`), so the server
    /// keeps a deliberate revert and ignores the values carried along.
    fn put_local(&mut self, record: &Record) -> Result<ChangeId> {
        let edited = match record {
            Record::Client(_) => {
                // Model types serialise to plain JSON objects; failing would be a model bug.
                let body = |r: &Record| {
                    record_body(r).map_err(|_| {
                        DeviceError::Invalid(ValidationError::new("record", "could not be encoded"))
                    })
                };
                let before = records::get(self.tx, self.keys, Entity::Client, record.id())?
                    .map(|r| body(&r))
                    .transpose()?;
                Some(client_groups_edited(before.as_ref(), &body(record)?))
            }
            _ => None,
        };
        let hlc = self.tick();
        let json = records::encode(record)?;
        records::put(self.tx, self.keys, record, &json, hlc)?;
        outbox::push(
            self.tx,
            self.keys,
            outbox::NewEntry {
                entity: record.entity(),
                record_id: record.id(),
                json: &json,
                hlc,
                deleted: false,
                edited: edited.as_deref(),
            },
        )
    }

    /// Insert or update a client, checked against the team's code pattern; the code must be
    /// unique on the device.
    pub fn save_client(&mut self, c: &Client) -> Result<ChangeId> {
        let profile = meta::profile(self.tx)?;
        c.validate(&profile.code_pattern, self.now)?;
        // A client is changed only by its own organisation (the server refuses anything else):
        // said here, offline, rather than as a refusal at the next sync.
        let stored_org = match records::get(self.tx, self.keys, Entity::Client, c.id.0)? {
            Some(Record::Client(old)) => Some(old.org),
            _ => None,
        };
        if c.org != profile.org || stored_org.is_some_and(|o| o != profile.org) {
            return Err(ValidationError::new(
                "org",
                "the client belongs to the other organisation; only its own staff may change it",
            )
            .into());
        }
        if records::clients_by_code(self.tx, self.keys, &c.code)?
            .iter()
            .any(|other| other.id != c.id)
        {
            return Err(ValidationError::new("code", "is already used by another client").into());
        }
        if let Some(roster) = meta::team_roster(self.tx, self.keys)? {
            // As for the people present at a visit: a colleague of the team, or the name the
            // client already had (a contact person who has left the team is still on record).
            let before = match records::get(self.tx, self.keys, Entity::Client, c.id.0)? {
                Some(Record::Client(old)) => vec![old.contact_person, old.deputy],
                _ => Vec::new(),
            };
            for (field, who) in [("contact_person", &c.contact_person), ("deputy", &c.deputy)] {
                if let Some(u) = who
                    && !before.iter().flatten().any(|b| b == u)
                    && !roster.members.iter().any(|m| m.username == u.as_str())
                {
                    return Err(ValidationError::new(field, "must be a member of the team").into());
                }
            }
        }
        self.put_local(&Record::Client(c.clone()))
    }

    /// Insert or update a visit; its client must be on the device, and everyone present a
    /// colleague of the team (once the phone has the roster; the server checks either way).
    pub fn save_visit(&mut self, v: &Visit) -> Result<ChangeId> {
        v.validate(self.now)?;
        if !records::exists(self.tx, Entity::Client, v.client.0)? {
            return Err(ValidationError::new("client", "is not a client on this device").into());
        }
        if let Some(roster) = meta::team_roster(self.tx, self.keys)? {
            let me = meta::profile(self.tx)?.user;
            // Names already on the visit stay allowed: a colleague who has left the team since
            // was present all the same.
            let before = match records::get(self.tx, self.keys, Entity::Visit, v.id.0)? {
                Some(Record::Visit(old)) => old.staff,
                _ => Vec::new(),
            };
            let known = |u: &uppsok_model::Username| {
                *u == me
                    || before.contains(u)
                    || roster.members.iter().any(|m| m.username == u.as_str())
            };
            if !v.staff.iter().all(known) {
                return Err(ValidationError::new(
                    "staff",
                    "everyone present must be a member of the team",
                )
                .into());
            }
        }
        self.put_local(&Record::Visit(v.clone()))
    }

    pub fn save_trip(&mut self, t: &Trip) -> Result<ChangeId> {
        t.validate(self.now)?;
        self.put_local(&Record::Trip(t.clone()))
    }

    pub fn save_place(&mut self, p: &Place) -> Result<ChangeId> {
        p.validate()?;
        self.put_local(&Record::Place(p.clone()))
    }

    /// An outcome is about a client on this device, like a contact.
    pub fn save_outcome(&mut self, o: &Outcome) -> Result<ChangeId> {
        o.validate(self.now)?;
        if !records::exists(self.tx, Entity::Client, o.client.0)? {
            return Err(ValidationError::new("client", "is not a client on this device").into());
        }
        self.put_local(&Record::Outcome(o.clone()))
    }

    /// Delete a record; the outbox entry carries its last state, and a tombstone (id and
    /// clock only) stays after it is sent, for a server restored from a backup.
    pub fn delete(&mut self, entity: Entity, id: Uuid) -> Result<ChangeId> {
        let record =
            records::get(self.tx, self.keys, entity, id)?.ok_or(DeviceError::NotFound {
                what: records::what(entity),
            })?;
        let hlc = self.tick();
        let json = records::encode(&record)?;
        records::remove(self.tx, entity, id)?;
        let change = outbox::push(
            self.tx,
            self.keys,
            outbox::NewEntry {
                entity,
                record_id: id,
                json: &json,
                hlc,
                deleted: true,
                edited: None,
            },
        )?;
        tombstones::put(self.tx, entity, id, hlc, change)?;
        Ok(change)
    }

    /// Apply a record pulled from the server, unless the record has local changes waiting (the
    /// server will answer those with the merged result). Not validated: the server did that,
    /// with the same model code, and refusing here would stall sync on a rule change.
    pub fn apply_remote(
        &mut self,
        record: &Record,
        hlc: Hlc,
        deleted: bool,
    ) -> Result<RemoteOutcome> {
        self.clock.observe(hlc, self.now.timestamp_millis());
        self.persist_clock = true;
        if outbox::pending_for(self.tx, record.id())? > 0 {
            return Ok(RemoteOutcome::KeptLocal);
        }
        if deleted {
            records::remove(self.tx, record.entity(), record.id())?;
        } else {
            let json = records::encode(record)?;
            records::put(self.tx, self.keys, record, &json, hlc)?;
        }
        Ok(RemoteOutcome::Applied)
    }

    /// After the server said its database was restored from a backup
    /// (`SyncResponse::restored`): queue again, each with its stored clock stamp, the records
    /// this device may write and has no change waiting for — its organisation's clients first
    /// (visits refer to them), then its user's own visits and trips — and then the deletions
    /// this device made (its tombstones). Whatever the backup lacks is put back and whatever
    /// was deleted since is deleted again; what it has is left as it is (the same stamp changes
    /// nothing under last-writer-wins or the per-field merge). Returns how many were queued.
    pub fn requeue_for_restored_server(&mut self) -> Result<u64> {
        let profile = meta::profile(self.tx)?;
        let mut queued = 0;
        for entity in [Entity::Client, Entity::Visit, Entity::Trip, Entity::Outcome] {
            let sql = format!("SELECT id, hlc, body FROM {}", records::table(entity));
            let rows: Vec<(Vec<u8>, String, Vec<u8>)> = {
                let mut stmt = self.tx.prepare(&sql)?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<std::result::Result<_, _>>()?
            };
            for (id, hlc, body) in rows {
                let record = records::open_body(self.keys, entity, &id, body)?;
                let mine = match &record {
                    Record::Client(c) => c.org == profile.org,
                    Record::Visit(v) => v.author == profile.user,
                    Record::Trip(t) => t.driver == profile.user,
                    Record::Outcome(o) => o.author == profile.user,
                    Record::Place(_) => false,
                };
                if !mine || outbox::pending_for(self.tx, record.id())? > 0 {
                    continue;
                }
                let hlc: Hlc = hlc.parse().map_err(|_| DeviceError::Tampered {
                    what: records::what(entity),
                })?;
                let json = records::encode(&record)?;
                // Which groups were set on purpose is not known any more: the server tells
                // them by its cursor rule (the same stamp changes nothing it already has).
                outbox::push(
                    self.tx,
                    self.keys,
                    outbox::NewEntry {
                        entity,
                        record_id: record.id(),
                        json: &json,
                        hlc,
                        deleted: false,
                        edited: None,
                    },
                )?;
                queued += 1;
            }
        }
        for t in tombstones::all(self.tx)? {
            if outbox::pending_for(self.tx, t.id)? > 0 {
                continue;
            }
            let change = outbox::push(
                self.tx,
                self.keys,
                outbox::NewEntry {
                    entity: t.entity,
                    record_id: t.id,
                    json: outbox::NO_RECORD,
                    hlc: t.hlc,
                    deleted: true,
                    edited: None,
                },
            )?;
            tombstones::resent(self.tx, t.id, change)?;
            queued += 1;
        }
        Ok(queued)
    }

    pub fn ack(&mut self, ids: &[ChangeId]) -> Result<usize> {
        // The outbox held the newest local stamp; keep it once those rows are gone.
        self.persist_clock = true;
        tombstones::acked(self.tx, ids, self.now.timestamp_millis())?;
        outbox::ack(self.tx, ids)
    }

    /// Forget access events the server has logged (its `access_logged`); how many were found.
    pub fn ack_access(&mut self, ids: &[Uuid]) -> Result<usize> {
        access::acked(self.tx, ids)
    }

    pub fn mark_rejected(&mut self, id: ChangeId, code: &str, reason: &str) -> Result<()> {
        outbox::mark_rejected(self.tx, id, code, reason)
    }

    /// Put a rejected change back in line.
    pub fn retry_rejected(&mut self, id: ChangeId) -> Result<()> {
        outbox::retry(self.tx, id)
    }

    /// Apply a deletion pulled from the server (it carries no record), unless the record has
    /// local changes waiting, as [`Writer::apply_remote`].
    pub fn apply_remote_deleted(
        &mut self,
        entity: Entity,
        id: Uuid,
        hlc: Hlc,
    ) -> Result<RemoteOutcome> {
        self.clock.observe(hlc, self.now.timestamp_millis());
        self.persist_clock = true;
        if outbox::pending_for(self.tx, id)? > 0 {
            return Ok(RemoteOutcome::KeptLocal);
        }
        records::remove(self.tx, entity, id)?;
        Ok(RemoteOutcome::Applied)
    }

    /// Set a plain bookkeeping value (sync status); never for anything sensitive.
    pub(crate) fn set_meta_value(&mut self, name: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => meta::set(self.tx, name, v),
            None => {
                self.tx
                    .prepare_cached("DELETE FROM meta WHERE name = ?1")?
                    .execute([name])?;
                Ok(())
            }
        }
    }

    /// Forget a rejected change for good (the user gave up on it). Waiting changes are not
    /// touched: they are not the user's to drop.
    /// Drops a refused change, and with it the refused value: unless other changes of the
    /// record are still queued, the local row goes and the pull starts over from the beginning,
    /// so the next sync brings the server's version back (or nothing, for a record the server
    /// never accepted). Keeping the row would leave the refused value on the phone for good: it
    /// was pulled before, so the cursor is past the server's version.
    pub fn discard_rejected(&mut self, id: ChangeId) -> Result<()> {
        let target: Option<(String, Vec<u8>)> = self
            .tx
            .prepare_cached(
                "SELECT entity, record_id FROM outbox WHERE change_id = ?1 AND rejected_code IS NOT NULL",
            )?
            .query_row([id.0.as_bytes().as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((entity, record)) = target else {
            return Err(DeviceError::NotFound {
                what: "rejected change",
            });
        };
        self.tx
            .prepare_cached("DELETE FROM outbox WHERE change_id = ?1")?
            .execute([id.0.as_bytes().as_slice()])?;
        tombstones::forget_change(self.tx, id)?;
        let entity: Entity = entity.parse().map_err(|_| DeviceError::Undecodable {
            what: "outbox entry",
        })?;
        let record = Uuid::from_slice(&record).map_err(|_| DeviceError::Undecodable {
            what: "outbox entry",
        })?;
        let others: i64 = self
            .tx
            .prepare_cached("SELECT count(*) FROM outbox WHERE record_id = ?1")?
            .query_row([record.as_bytes().as_slice()], |r| r.get(0))?;
        if others == 0 {
            records::remove(self.tx, entity, record)?;
            self.set_pull_cursor(0)?;
        }
        Ok(())
    }

    /// Remembers the window of history the server named (days; see `store::window`).
    pub fn set_history_window(&mut self, days: u32) -> Result<()> {
        meta::set(self.tx, window::WINDOW_DAYS, &days.to_string())
    }

    /// Deletes the contacts, outcomes and trips outside the window the server last named, and
    /// with `clients` the closed clients with nothing left, never a record with a change
    /// waiting or refused (docs/device-store.md, "What the phone keeps"). Nothing is queued and
    /// the pull cursor is not touched: the server keeps them, the phone does not pull them
    /// again. Without a window named, nothing goes.
    pub fn evict_outside_window(&mut self, clients: bool) -> Result<Evicted> {
        let days = meta::get(self.tx, window::WINDOW_DAYS)?.and_then(|s| s.parse::<u32>().ok());
        match days {
            Some(d) => window::evict(
                self.tx,
                self.keys,
                &Cutoffs::of(self.now.date_naive(), d),
                clients,
            ),
            None => Ok(Evicted::default()),
        }
    }

    pub fn set_pull_cursor(&mut self, cursor: u64) -> Result<()> {
        meta::set(self.tx, meta::PULL_CURSOR, &cursor.to_string())
    }

    pub fn set_profile(&mut self, p: &Profile) -> Result<()> {
        meta::set_profile(self.tx, p)
    }

    pub fn put_sealed_blob(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        meta::put_blob(self.tx, self.keys, name, bytes)
    }

    pub fn delete_sealed_blob(&mut self, name: &str) -> Result<bool> {
        meta::delete_blob(self.tx, name)
    }
}
