//! The two errors the apps see: [`UppsokError`] for every facade call, and
//! [`KeyProviderError`], which the app's platform key provider throws.
//!
//! Modelled on mozilla application-services' `logins/src/error.rs`: the internal
//! [`DeviceError`] is detailed, the public error is small, and one mapping table sits between
//! them. Every variant is something an app can act on (ask again, tell the user to update, show
//! "the data on this phone is damaged"), and no variant carries personal data: fields name a
//! kind of record or a rule, never a value, because exception text ends up in crash reports.
//! No variant has a field called `message`: that clashes with `Throwable.message` in Kotlin.

use uppsok_device::error::DeviceError;

/// What went wrong in a facade call. Becomes `UppsokException` in Kotlin and `UppsokError` in
/// Swift; `toString()` / `description` is a plain English sentence, and the apps translate the
/// variant (Swedish first) in their own layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum UppsokError {
    /// The key from the platform key provider does not open this store.
    #[error("wrong key: the device key does not open the data on this phone")]
    WrongKey,
    /// Stored bytes were altered or damaged; `what` names the kind of value.
    #[error("the stored {what} has been altered or damaged and cannot be read")]
    Tampered { what: String },
    /// Input broke a rule; nothing was saved. `field` is the model's field name.
    #[error("invalid input: {field}: {rule}")]
    Invalid { field: String, rule: String },
    /// The record does not exist (or was deleted).
    #[error("no such {what}")]
    NotFound { what: String },
    /// `create` found a store already there.
    #[error("there is already a store on this phone")]
    AlreadyExists,
    /// `open` found no store; create one (enrol) first.
    #[error("there is no store on this phone yet")]
    NoStore,
    /// The platform key provider failed (keystore locked, user cancelled, key gone).
    #[error("the device key is not available: {reason}")]
    KeyProvider { reason: String },
    /// The server could not be reached or answered with an error; try again later.
    #[error("could not reach the server: {reason}")]
    Network { reason: String },
    /// The phone has not been enrolled with a server yet.
    #[error("this phone is not enrolled yet; enrol it with a code from the administrator")]
    NotEnrolled,
    /// The server no longer accepts this phone; enrol again.
    #[error("this phone has been signed out by an administrator")]
    Revoked,
    /// The store was wiped (by the user or remotely); nothing is left to read.
    #[error("the data on this phone has been wiped")]
    Wiped,
    /// This app version is too old for the data or the server; update the app.
    #[error("this version of the app is too old: {reason}")]
    Outdated { reason: String },
    /// The phone's storage failed (disk full, I/O error).
    #[error("storage error: {reason}")]
    Storage { reason: String },
}

/// Shorthand for the facade's results.
pub type Result<T, E = UppsokError> = std::result::Result<T, E>;

impl UppsokError {
    pub(crate) fn invalid(field: &str, rule: impl Into<String>) -> Self {
        UppsokError::Invalid {
            field: field.to_owned(),
            rule: rule.into(),
        }
    }
}

/// The one mapping table from the device core's errors to the public ones.
impl From<DeviceError> for UppsokError {
    fn from(e: DeviceError) -> Self {
        match e {
            DeviceError::WrongKey => UppsokError::WrongKey,
            DeviceError::Tampered { what } => UppsokError::Tampered { what: what.into() },
            DeviceError::Undecodable { what } => UppsokError::Outdated {
                reason: format!("the stored {what} was written by another version of the app"),
            },
            DeviceError::NewerSchema { found, supported } => UppsokError::Outdated {
                reason: format!(
                    "the data has schema version {found}, this app reads up to {supported}"
                ),
            },
            DeviceError::Invalid(v) => UppsokError::Invalid {
                field: v.field.to_owned(),
                rule: v.rule,
            },
            DeviceError::NotFound { what } => UppsokError::NotFound { what: what.into() },
            DeviceError::AlreadyExists => UppsokError::AlreadyExists,
            DeviceError::NoStore => UppsokError::NoStore,
            DeviceError::KeyProvider(reason) => UppsokError::KeyProvider { reason },
            // SQLite's and the OS's texts name the failure, never row content: queries only
            // take parameters.
            DeviceError::Storage(e) => UppsokError::Storage {
                reason: e.to_string(),
            },
            DeviceError::Io(e) => UppsokError::Storage {
                reason: e.kind().to_string(),
            },
            DeviceError::Crypto(what) => UppsokError::Storage {
                reason: what.to_owned(),
            },
        }
    }
}

impl From<uppsok_model::ValidationError> for UppsokError {
    fn from(v: uppsok_model::ValidationError) -> Self {
        UppsokError::Invalid {
            field: v.field.to_owned(),
            rule: v.rule,
        }
    }
}

/// What the app's key provider throws (`KeyProviderException` in Kotlin).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyProviderError {
    /// The provider knows its key cannot be the right one (e.g. the user's PIN was wrong).
    #[error("wrong key")]
    WrongKey,
    /// The key cannot be reached right now: keystore locked, user cancelled, hardware error.
    /// `reason` is shown in logs: the platform's words, never the key.
    #[error("{reason}")]
    Unavailable { reason: String },
}

/// Any other exception thrown by the app's provider lands here instead of aborting the process
/// (a callback that cannot fail would turn it into a Rust panic). The exception's own text is
/// not kept: it is the platform's and might hold anything.
impl From<uniffi::UnexpectedUniFFICallbackError> for KeyProviderError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyProviderError::Unavailable {
            reason: "the platform key provider failed unexpectedly".into(),
        }
    }
}

impl From<KeyProviderError> for uppsok_device::error::KeyProviderError {
    fn from(e: KeyProviderError) -> Self {
        match e {
            KeyProviderError::WrongKey => uppsok_device::error::KeyProviderError::WrongKey,
            KeyProviderError::Unavailable { reason } => {
                uppsok_device::error::KeyProviderError::Unavailable(reason)
            }
        }
    }
}
