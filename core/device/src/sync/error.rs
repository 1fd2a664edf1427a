//! [`SyncError`]: why an enrolment or a sync did not happen, in words a case manager can act on
//! ("no connection", "update the app", "this phone was revoked"). Like [`DeviceError`], no
//! message ever holds personal data, a token or a record's content: they end up in the status
//! screen, logs and crash reports.

use crate::error::DeviceError;

/// Everything that can stop an enrolment or a sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached, or the connection broke off. Nothing was lost: the
    /// changes stay in the outbox and the next attempt resumes.
    #[error("no connection to the server ({0}); the changes wait on the phone")]
    Network(&'static str),

    /// The server answered with a failure of its own (5xx, 429). Transient.
    #[error("the server is busy or has a problem (HTTP {status}); it will be tried again")]
    Server { status: u16 },

    /// The server no longer speaks this app's protocol version (HTTP 426).
    #[error("this version of the app is too old for the server; update the app ({detail})")]
    Outdated { detail: String },

    /// An administrator revoked this phone; its data stays on it.
    #[error(
        "this phone's access was revoked by an administrator; the data stays on the phone but no longer syncs"
    )]
    Revoked,

    /// An administrator ordered this phone wiped, and it was: the key, then the files.
    #[error("this phone was wiped on an administrator's order; enrol it again to use it")]
    Wiped,

    /// The device has no server or token yet.
    #[error("this phone is not enrolled yet; enrol it with a code from the administrator")]
    NotEnrolled,

    /// The stored device token does not open (a damaged file): repair removes it, then the
    /// phone is enrolled again.
    #[error(
        "this phone's sign-in key is damaged; run repair, then enrol the phone again with a new code (changes waiting stay on the phone)"
    )]
    TokenDamaged,

    /// The server does not accept the device token (and did not say revoked).
    #[error("the server no longer accepts this phone's key; enrol it again")]
    Unauthorized,

    /// The server address cannot be used (no `https://`, no host); the reason says which.
    #[error("{0}")]
    BadServerAddress(&'static str),

    /// The enrolment code was wrong, used or expired.
    #[error("the enrolment code was refused: it is wrong, already used or expired")]
    EnrolmentRefused,

    /// Enrolling as another user than the one whose records are on the phone.
    #[error("{0}")]
    WrongUser(String),

    /// The server's answer broke the protocol (or another request failed in a way the app
    /// cannot fix by retrying). `what` is a short description without content.
    #[error("the server's answer could not be used: {0}")]
    Protocol(String),

    /// The server does not show this user the client asked about (another team's, consent
    /// withdrawn, or no longer there).
    #[error("the server does not show this client to this phone's user")]
    NotVisible,

    /// The local store failed.
    #[error(transparent)]
    Store(#[from] DeviceError),
}

impl SyncError {
    /// Whether trying again later may help (backoff applies); otherwise the user or an
    /// administrator must act first.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Network(_) | SyncError::Server { .. })
    }

    /// A short machine-readable kind for the FFI layer and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::Network(_) => "network",
            SyncError::Server { .. } => "server",
            SyncError::Outdated { .. } => "outdated",
            SyncError::Revoked => "revoked",
            SyncError::Wiped => "wiped",
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::TokenDamaged => "token_damaged",
            SyncError::Unauthorized => "unauthorized",
            SyncError::EnrolmentRefused => "enrolment_refused",
            SyncError::BadServerAddress(_) => "bad_server_address",
            SyncError::WrongUser(_) => "wrong_user",
            SyncError::Protocol(_) => "protocol",
            SyncError::NotVisible => "not_visible",
            SyncError::Store(_) => "store",
        }
    }
}
