//! Enrolment, sync and the sync status the app shows ("3 ändringar väntar", last sync, the
//! changes the server refused and why), adapted from `uppsok-device::sync` to the app's records
//! and errors.
//!
//! One [`SyncClient`] per store object, made on first use (it holds the HTTP connection pool and
//! a small runtime), and one sync at a time: a second "sync now" while the background sync runs
//! waits for it instead of sending the same batch twice.

use super::error::{Result, UppsokError};
use super::types::ProfileInfo;
use std::sync::{Mutex, PoisonError};
use uppsok_device::store::Store;
use uppsok_device::sync::{SyncClient, SyncConfig, SyncError};

/// What the server says about this phone after a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceState {
    Active,
    /// Signed out by an administrator; local data is kept, sync stops.
    Revoked,
}

/// What one `sync_now` did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    /// Changes sent to the server (a change resent after a lost answer counts again).
    pub sent: i64,
    /// Accepted by the server, including ones it already had from an interrupted sync.
    pub accepted: i64,
    /// Refused in this sync; they stay on the phone with the reason.
    pub rejected: i64,
    /// Changes by colleagues (or this user's other phones) received.
    pub received: i64,
    /// Both directions drained: nothing waiting, nothing more to fetch.
    pub complete: bool,
    pub device_state: DeviceState,
}

/// A change the server refused, kept on the phone with its reason.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RejectedChange {
    pub change_id: String,
    /// `client`, `visit`, `trip` or `place`.
    pub entity: String,
    pub record_id: String,
    /// Stable code, e.g. `invalid_record` or `forbidden`; the app may translate it.
    pub code: String,
    /// The server's reason in words (names the field and rule, never a value).
    pub reason: String,
}

/// For the sync status line and screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncStatus {
    /// Changes not yet acknowledged by the server ("N ändringar väntar").
    pub waiting: i64,
    pub rejected: Vec<RejectedChange>,
    pub last_sync_ms: Option<i64>,
    /// The last failure in plain words; cleared by a successful sync.
    pub last_error: Option<String>,
    /// Failed syncs in a row.
    pub failures: i32,
    /// When the backoff allows the next automatic sync (null: any time).
    pub next_attempt_ms: Option<i64>,
    pub enrolled: bool,
    pub revoked: bool,
    pub server_url: Option<String>,
}

/// What an enrolment did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EnrolResult {
    pub profile: ProfileInfo,
    /// Records logged before enrolment, re-stamped for the enrolled user and team.
    pub restamped: i64,
    /// Set when some of those could not be re-stamped (the server will say what it refuses).
    pub warning: Option<String>,
}

/// The one mapping from sync's errors to the app's.
impl From<SyncError> for UppsokError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Network(_) | SyncError::Server { .. } | SyncError::Protocol(_) => {
                UppsokError::Network {
                    reason: e.to_string(),
                }
            }
            SyncError::Outdated { .. } => UppsokError::Outdated {
                reason: e.to_string(),
            },
            SyncError::Revoked | SyncError::Unauthorized => UppsokError::Revoked,
            SyncError::Wiped => UppsokError::Wiped,
            SyncError::NotEnrolled => UppsokError::NotEnrolled,
            SyncError::TokenDamaged => UppsokError::Tampered {
                what: "device token".into(),
            },
            SyncError::EnrolmentRefused => {
                UppsokError::invalid("code", "was refused: it is wrong, already used or expired")
            }
            SyncError::WrongUser(rule) => UppsokError::invalid("username", rule),
            SyncError::BadServerAddress(rule) => UppsokError::invalid("server", rule),
            SyncError::NotVisible => UppsokError::NotFound {
                what: "client".into(),
            },
            SyncError::Store(e) => e.into(),
        }
    }
}

fn ms(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

/// The sync client of one store object.
pub(crate) struct SyncHandle {
    client: Mutex<Option<SyncClient>>,
}

impl SyncHandle {
    pub(crate) fn new() -> Self {
        SyncHandle {
            client: Mutex::new(None),
        }
    }

    /// Run `f` with the client, made on first use; holding the lock serialises syncs.
    fn with<T>(&self, f: impl FnOnce(&SyncClient) -> Result<T>) -> Result<T> {
        let mut slot = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(SyncClient::new(SyncConfig::default())?);
        }
        match slot.as_ref() {
            Some(client) => f(client),
            None => Err(UppsokError::Network {
                reason: "the sync client could not start".into(),
            }),
        }
    }

    pub(crate) fn enrol(
        &self,
        s: &Store,
        server_url: &str,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<EnrolResult> {
        if code.trim().is_empty() {
            return Err(UppsokError::invalid("code", "must not be empty"));
        }
        if !(server_url.starts_with("https://") || server_url.starts_with("http://")) {
            return Err(UppsokError::invalid(
                "server_url",
                "must start with https:// (or http:// on a test network)",
            ));
        }
        let e = self.with(|c| Ok(c.enrol_blocking(s, server_url, code, device_name)?))?;
        Ok(EnrolResult {
            profile: ProfileInfo::from_model(&e.profile, true),
            restamped: i64::try_from(e.restamped).unwrap_or(i64::MAX),
            warning: e.warning,
        })
    }

    pub(crate) fn sync_now(&self, s: &Store) -> Result<SyncReport> {
        let r = self.with(|c| Ok(c.sync_once(s)?))?;
        Ok(SyncReport {
            sent: i64::try_from(r.sent).unwrap_or(i64::MAX),
            accepted: i64::try_from(r.applied.saturating_add(r.duplicates)).unwrap_or(i64::MAX),
            rejected: i64::try_from(r.rejected.len()).unwrap_or(i64::MAX),
            received: i64::try_from(r.received).unwrap_or(i64::MAX),
            complete: r.complete,
            device_state: DeviceState::Active,
        })
    }

    /// A client's history from before the phone's window, from the server, in memory only.
    pub(crate) fn fetch_history(
        &self,
        s: &Store,
        client: uppsok_model::ClientId,
        before: Option<chrono::NaiveDate>,
    ) -> Result<uppsok_device::sync::OlderHistory> {
        self.with(|c| Ok(c.fetch_history_blocking(s, client, before)?))
    }

    /// Whether the backoff allows an automatic sync now (background schedulers ask first).
    pub(crate) fn due(&self, s: &Store) -> Result<bool> {
        self.with(|c| Ok(c.due(s)?))
    }
}

pub(crate) fn status(s: &Store) -> Result<SyncStatus> {
    let st = uppsok_device::sync::status(s)?;
    let profile = s.profile()?;
    Ok(SyncStatus {
        waiting: i64::try_from(st.waiting).unwrap_or(i64::MAX),
        rejected: st
            .rejected
            .into_iter()
            .map(|r| RejectedChange {
                change_id: r.change_id.to_string(),
                entity: r.entity.as_str().to_owned(),
                record_id: r.record_id.to_string(),
                code: r.code,
                reason: r.reason,
            })
            .collect(),
        last_sync_ms: ms(st.last_sync),
        last_error: st.last_error,
        failures: i32::try_from(st.failures).unwrap_or(i32::MAX),
        next_attempt_ms: ms(st.next_attempt),
        enrolled: st.enrolled,
        revoked: st.revoked,
        server_url: profile.server_url,
    })
}
