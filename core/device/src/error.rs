//! The one error type at the crate boundary, [`DeviceError`], and the narrower error a
//! [`KeyProvider`](crate::crypto::KeyProvider) reports.
//!
//! Modelled on mozilla application-services' `logins/src/error.rs`: each variant is something the
//! app can act on (ask for the passphrase again, show "the data on this phone is damaged", tell
//! the user to update the app), and every message is written for a person. No message ever holds
//! personal data: errors name the kind of record or the field, never a value, because error text
//! ends up in logs and crash reports.

use uppsok_model::ValidationError;

/// Everything that can go wrong in the device core.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The passphrase or platform key does not open this store.
    #[error("wrong key: the passphrase or device key does not open this store")]
    WrongKey,

    /// Sealed bytes failed authentication although the key is right: someone or something
    /// changed the file. `what` names the kind of value (e.g. "visit record"), never its content.
    #[error("the stored {what} has been altered or damaged and cannot be read")]
    Tampered { what: &'static str },

    /// A sealed value opened but its content could not be decoded: written by another version
    /// of the app whose rules this one does not accept.
    #[error("the stored {what} could not be decoded by this version of the app")]
    Undecodable { what: &'static str },

    /// The store was written by a newer version of the app.
    #[error(
        "the store has schema version {found}, but this app supports up to {supported}; update the app"
    )]
    NewerSchema { found: u32, supported: u32 },

    /// Input broke one of the model's rules; nothing was written.
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),

    /// The record asked for does not exist (or was deleted).
    #[error("no such {what}")]
    NotFound { what: &'static str },

    /// `create` found a store already there.
    #[error("a store already exists here")]
    AlreadyExists,

    /// `open` found no store.
    #[error("no store here yet; create one first")]
    NoStore,

    /// The platform key provider failed (keystore locked, user cancelled, hardware error).
    #[error("the device key is not available: {0}")]
    KeyProvider(String),

    /// SQLite failed: disk full, file locked, I/O error. Queries use parameters only, so the
    /// message holds no record content.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),

    /// The system's random generator or the cipher failed; nothing was written.
    #[error("encryption failed: {0}")]
    Crypto(&'static str),

    /// A file operation failed (creating the directory, wiping the files).
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl DeviceError {
    /// The short machine-readable kind, for the FFI layer and for tests.
    pub fn kind(&self) -> &'static str {
        match self {
            DeviceError::WrongKey => "wrong_key",
            DeviceError::Tampered { .. } => "tampered",
            DeviceError::Undecodable { .. } => "undecodable",
            DeviceError::NewerSchema { .. } => "newer_schema",
            DeviceError::Invalid(_) => "invalid",
            DeviceError::NotFound { .. } => "not_found",
            DeviceError::AlreadyExists => "already_exists",
            DeviceError::NoStore => "no_store",
            DeviceError::KeyProvider(_) => "key_provider",
            DeviceError::Storage(_) => "storage",
            DeviceError::Crypto(_) => "crypto",
            DeviceError::Io(_) => "io",
        }
    }
}

/// What a key provider may report. The uniffi foreign trait will map its exceptions onto this.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProviderError {
    /// The provider knows the key it has cannot be the right one (e.g. an empty passphrase).
    #[error("wrong key")]
    WrongKey,
    /// The key cannot be reached right now; the message is the platform's, without secrets.
    #[error("{0}")]
    Unavailable(String),
}

impl From<KeyProviderError> for DeviceError {
    fn from(e: KeyProviderError) -> Self {
        match e {
            KeyProviderError::WrongKey => DeviceError::WrongKey,
            KeyProviderError::Unavailable(m) => DeviceError::KeyProvider(m),
        }
    }
}

pub type Result<T, E = DeviceError> = std::result::Result<T, E>;
