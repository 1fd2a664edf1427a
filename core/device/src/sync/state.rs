//! What the status screen shows about sync ("3 changes waiting", "last sync 10:32", "no
//! connection"), persisted in the store's plain meta table so it survives the app being killed:
//! last successful sync, last attempt, the last error in plain words, failures in a row and
//! when the next attempt is due, and whether the server revoked the device. None of it is
//! sensitive: times, counts and fixed sentences.

use super::SyncError;
use crate::error::Result;
use crate::store::{Store, Writer};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uppsok_model::{ChangeId, Entity};
use uuid::Uuid;

pub(crate) const LAST_OK: &str = "sync.last_ok";
pub(crate) const LAST_ATTEMPT: &str = "sync.last_attempt";
pub(crate) const LAST_ERROR: &str = "sync.last_error";
pub(crate) const FAILURES: &str = "sync.failures";
pub(crate) const NEXT_ATTEMPT: &str = "sync.next_attempt";
/// `revoked` once the server said so; cleared by a new enrolment.
pub(crate) const DEVICE: &str = "sync.device";
/// The app version the server last received.
pub(crate) const APP_VERSION: &str = "sync.app_version";

/// A change the server refused, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedChange {
    pub change_id: ChangeId,
    pub entity: Entity,
    pub record_id: Uuid,
    /// Stable code (`invalid_record`, `forbidden`, `unknown_reference`, …).
    pub code: String,
    /// The server's reason in words (names a field and rule, never a value).
    pub reason: String,
}

/// Sync's state for the status screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub revoked: bool,
    /// Changes not yet acknowledged by the server.
    pub waiting: u64,
    /// Changes the server refused, with reasons; they never block the others.
    pub rejected: Vec<RejectedChange>,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The last failure in plain words; `None` after a successful sync.
    pub last_error: Option<String>,
    /// Failed runs in a row.
    pub failures: u32,
    /// When the backoff policy allows the next automatic attempt (`None`: any time).
    pub next_attempt: Option<DateTime<Utc>>,
}

fn time(store: &Store, name: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(store
        .meta_value(name)?
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc)))
}

/// The current sync status of `store`.
pub fn status(store: &Store) -> Result<SyncStatus> {
    let profile = store.profile()?;
    let counts = store.status()?;
    let rejected = store
        .rejected_changes()?
        .into_iter()
        .filter_map(|e| {
            e.rejected.map(|r| RejectedChange {
                change_id: e.change_id,
                entity: e.entity,
                record_id: e.record_id,
                code: r.code,
                reason: r.reason,
            })
        })
        .collect();
    // A damaged token must not take the status screen down with it: it says what to do.
    let token_damaged = store.device_token_damaged();
    let last_error = if token_damaged {
        Some(SyncError::TokenDamaged.to_string())
    } else {
        store.meta_value(LAST_ERROR)?
    };
    Ok(SyncStatus {
        enrolled: profile.device_id.is_some() && matches!(store.device_token(), Ok(Some(_))),
        revoked: store.meta_value(DEVICE)?.as_deref() == Some("revoked"),
        waiting: counts.outbox_pending,
        rejected,
        last_sync: time(store, LAST_OK)?,
        last_attempt: time(store, LAST_ATTEMPT)?,
        last_error,
        failures: store
            .meta_value(FAILURES)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        next_attempt: time(store, NEXT_ATTEMPT)?,
    })
}

pub(crate) fn set_time(w: &mut Writer<'_>, name: &str, t: Option<DateTime<Utc>>) -> Result<()> {
    w.set_meta_value(name, t.map(|t| t.to_rfc3339()).as_deref())
}

/// Forget the sync state of an earlier enrolment.
pub(crate) fn reset(w: &mut Writer<'_>) -> Result<()> {
    for name in [
        LAST_OK,
        LAST_ATTEMPT,
        LAST_ERROR,
        FAILURES,
        NEXT_ATTEMPT,
        DEVICE,
        APP_VERSION,
    ] {
        w.set_meta_value(name, None)?;
    }
    Ok(())
}

/// Drop a rejected change for good (the user gave up on it).
pub fn discard_rejected(store: &Store, id: ChangeId) -> Result<()> {
    store.write(|w| w.discard_rejected(id))
}

/// Put a rejected change back in line (after the user fixed what the server objected to, or
/// when the server's rules changed).
pub fn retry_rejected(store: &Store, id: ChangeId) -> Result<()> {
    store.write(|w| w.retry_rejected(id))
}
