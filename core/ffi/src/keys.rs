//! The platform key provider as a foreign trait: the app keeps a random 32-byte key in the
//! Android Keystore or the iOS Keychain and hands it over when the store is created or opened.
//! The key wraps the store's data key (docs/design.md §4); it never leaves this call.

use super::error::KeyProviderError;
use std::sync::Arc;
use uppsok_device::crypto::{Kek, KeyProvider};

/// Implemented by the app (Android Keystore, iOS Keychain). Called from a background thread
/// while a store is created or opened.
#[uniffi::export(with_foreign)]
pub trait PlatformKeyProvider: Send + Sync {
    /// The 32-byte key for the store whose key slot carries `salt` (16 random bytes chosen at
    /// creation). A provider that keeps one random key may ignore the salt.
    fn key(&self, salt: Vec<u8>) -> Result<Vec<u8>, KeyProviderError>;
}

/// Adapts the foreign trait to the store's [`KeyProvider`].
pub(crate) struct ForeignKeys(pub(crate) Arc<dyn PlatformKeyProvider>);

impl KeyProvider for ForeignKeys {
    fn kek(&self, salt: &[u8]) -> Result<Kek, uppsok_device::error::KeyProviderError> {
        // Held in a zeroizing buffer so the key's bytes are scrubbed before they are freed.
        let bytes = zeroize::Zeroizing::new(self.0.key(salt.to_vec())?);
        Kek::from_slice(&bytes)
    }
}

/// 32 fresh random bytes, for an app to keep in its keystore the first time it runs.
#[uniffi::export]
pub fn generate_device_key() -> Result<Vec<u8>, super::UppsokError> {
    Ok(Kek::random()?.as_bytes().to_vec())
}
