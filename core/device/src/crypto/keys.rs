//! Keys: the random data key (DEK) that seals every value, the key-encryption key (KEK) that
//! wraps it, where the KEK comes from ([`KeyProvider`]), and the key slot stored in the database.
//!
//! Two levels so that changing the passphrase, or moving from a passphrase to the platform
//! keystore, rewraps 32 bytes instead of re-encrypting the store, and so that wiping the phone
//! only has to destroy those 32 wrapped bytes (crypto-shredding).
//!
//! The slot holds, besides the wrapped DEK, a canary: a known text sealed with the KEK. If the
//! canary does not open, the key is wrong; if the canary opens but the wrapped DEK does not, the
//! key is right and the slot was damaged. That is how the store tells the user "wrong passphrase"
//! apart from "your data is damaged" (mozilla application-services does the same).

use super::envelope::{Aad, Cipher};
use crate::error::{DeviceError, KeyProviderError};
use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};
use std::num::NonZeroU32;
use zeroize::Zeroizing;

/// 32 secret bytes, scrubbed from memory when dropped.
#[derive(Clone)]
pub struct Kek(Zeroizing<[u8; 32]>);

impl Kek {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// From a slice of exactly 32 bytes (what a platform keystore hands back).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyProviderError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyProviderError::Unavailable("the device key must be 32 bytes".into()))?;
        Ok(Self::from_bytes(arr))
    }

    /// A fresh random key, for a platform provider to keep in its keystore.
    pub fn random() -> Result<Self, DeviceError> {
        let mut k = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(&mut k[..])
            .map_err(|_| DeviceError::Crypto("the system random generator failed"))?;
        Ok(Self(k))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

/// The data key: 256 random bits, never stored unwrapped, scrubbed when dropped.
pub struct Dek(Zeroizing<[u8; 32]>);

impl Dek {
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Dek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dek(..)")
    }
}

/// Where the key-encryption key comes from.
///
/// On a phone this is the platform: the app keeps a random 32-byte key in the Android Keystore
/// or the iOS Keychain and hands it over here (the uniffi foreign trait will wrap this trait).
/// On the desktop device it is a passphrase run through PBKDF2 ([`PassphraseKeyProvider`]).
/// Methods are fallible because keystores are: locked, cancelled, or gone after a reset.
pub trait KeyProvider: Send + Sync {
    /// The KEK for the store whose key slot carries `salt` (16 random bytes chosen when the store
    /// was created). Providers that hold a random key may ignore the salt.
    fn kek(&self, salt: &[u8]) -> Result<Kek, KeyProviderError>;
}

/// A provider that holds the KEK itself: what a platform keystore provider does, and what tests
/// and benchmarks use.
#[derive(Debug, Clone)]
pub struct FixedKeyProvider(Kek);

impl FixedKeyProvider {
    pub fn new(kek: Kek) -> Self {
        Self(kek)
    }
}

impl KeyProvider for FixedKeyProvider {
    fn kek(&self, _salt: &[u8]) -> Result<Kek, KeyProviderError> {
        Ok(self.0.clone())
    }
}

/// The production floor for PBKDF2-HMAC-SHA256 (OWASP 2023: 600,000).
pub const PBKDF2_MIN_ITERATIONS: u32 = 600_000;

/// The cost of turning a passphrase into a KEK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    iterations: NonZeroU32,
}

impl KdfParams {
    /// The production setting: [`PBKDF2_MIN_ITERATIONS`].
    pub fn production() -> Self {
        Self::with_iterations(PBKDF2_MIN_ITERATIONS)
    }

    /// A cheaper setting so tests do not spend 0.3 s per open. Honoured only in builds with
    /// debug assertions (tests, dev builds); a release build raises it to the production floor,
    /// so a stray call can never weaken a real phone's store.
    pub fn insecure_for_tests(iterations: u32) -> Self {
        if cfg!(debug_assertions) {
            Self::with_iterations(iterations)
        } else {
            Self::production()
        }
    }

    fn with_iterations(iterations: u32) -> Self {
        Self {
            iterations: NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN),
        }
    }

    pub fn iterations(&self) -> u32 {
        self.iterations.get()
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::production()
    }
}

/// A KEK derived from a passphrase with PBKDF2-HMAC-SHA256 and the store's salt.
pub struct PassphraseKeyProvider {
    passphrase: Zeroizing<String>,
    params: KdfParams,
}

impl PassphraseKeyProvider {
    pub fn new(passphrase: impl Into<String>, params: KdfParams) -> Self {
        Self {
            passphrase: Zeroizing::new(passphrase.into()),
            params,
        }
    }
}

impl KeyProvider for PassphraseKeyProvider {
    fn kek(&self, salt: &[u8]) -> Result<Kek, KeyProviderError> {
        if self.passphrase.is_empty() {
            return Err(KeyProviderError::WrongKey);
        }
        let mut out = Zeroizing::new([0u8; 32]);
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            self.params.iterations,
            salt,
            self.passphrase.as_bytes(),
            &mut out[..],
        );
        Ok(Kek(out))
    }
}

/// The stored form of the key: the row of the `key` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySlot {
    pub salt: Vec<u8>,
    pub wrapped_dek: Vec<u8>,
    pub canary: Vec<u8>,
}

impl KeySlot {
    /// A SHA-256 over the slot's three parts. Not a secret and no defence against someone who
    /// rewrites the file (they could recompute it): it tells damage apart from a wrong key. A
    /// flipped bit in the salt or the canary would otherwise read as "wrong passphrase", and
    /// the person would keep typing a right one.
    pub fn checksum(&self) -> Vec<u8> {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"uppsok key slot v1");
        for part in [&self.salt, &self.wrapped_dek, &self.canary] {
            ctx.update(&(part.len() as u64).to_le_bytes());
            ctx.update(part);
        }
        ctx.finish().as_ref().to_vec()
    }
}

const CANARY: &[u8] = b"uppsok key canary v1";
const SALT_LEN: usize = 16;

fn slot_aad(what: &'static str) -> Aad<'static> {
    Aad::new("key", b"1", what)
}

/// A fresh DEK and the slot that stores it wrapped by the provider's KEK.
pub(crate) fn new_slot(provider: &dyn KeyProvider) -> Result<(Dek, KeySlot), DeviceError> {
    let rng = SystemRandom::new();
    let fail = |_| DeviceError::Crypto("the system random generator failed");
    let mut salt = vec![0u8; SALT_LEN];
    rng.fill(&mut salt).map_err(fail)?;
    let mut dek = Zeroizing::new([0u8; 32]);
    rng.fill(&mut dek[..]).map_err(fail)?;
    let kek = provider.kek(&salt)?;
    let wrap = Cipher::new(kek.as_bytes())?;
    let slot = KeySlot {
        wrapped_dek: wrap.seal(slot_aad("wrapped_dek"), &dek[..])?,
        canary: wrap.seal(slot_aad("canary"), CANARY)?,
        salt,
    };
    Ok((Dek(dek), slot))
}

/// Unwrap the DEK: a wrong key and a damaged slot give different errors.
pub(crate) fn open_slot(provider: &dyn KeyProvider, slot: &KeySlot) -> Result<Dek, DeviceError> {
    let kek = provider.kek(&slot.salt)?;
    let wrap = Cipher::new(kek.as_bytes())?;
    match wrap.open(slot_aad("canary"), &slot.canary) {
        Ok(c) if &c[..] == CANARY => {}
        Ok(_) => return Err(DeviceError::Tampered { what: "key canary" }),
        Err(_) => return Err(DeviceError::WrongKey),
    }
    let raw = wrap
        .open(slot_aad("wrapped_dek"), &slot.wrapped_dek)
        .map_err(|_| DeviceError::Tampered { what: "data key" })?;
    let arr: [u8; 32] = raw[..]
        .try_into()
        .map_err(|_| DeviceError::Tampered { what: "data key" })?;
    Ok(Dek(Zeroizing::new(arr)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap(p: &str) -> PassphraseKeyProvider {
        PassphraseKeyProvider::new(p, KdfParams::insecure_for_tests(1_000))
    }

    #[test]
    fn right_key_opens_wrong_key_is_told_apart_from_damage() {
        let (dek, slot) = new_slot(&cheap("correct horse")).unwrap();
        assert_eq!(
            open_slot(&cheap("correct horse"), &slot)
                .unwrap()
                .as_bytes(),
            dek.as_bytes()
        );
        assert!(matches!(
            open_slot(&cheap("wrong"), &slot),
            Err(DeviceError::WrongKey)
        ));
        let mut damaged = slot.clone();
        damaged.wrapped_dek[20] ^= 1;
        assert!(matches!(
            open_slot(&cheap("correct horse"), &damaged),
            Err(DeviceError::Tampered { what: "data key" })
        ));
        assert!(matches!(
            open_slot(&cheap(""), &slot),
            Err(DeviceError::WrongKey)
        ));
    }

    #[test]
    fn salt_is_per_store_and_iterations_matter() {
        let (_, a) = new_slot(&cheap("p")).unwrap();
        let (_, b) = new_slot(&cheap("p")).unwrap();
        assert_ne!(a.salt, b.salt);
        let other = PassphraseKeyProvider::new("p", KdfParams::insecure_for_tests(1_001));
        assert!(matches!(open_slot(&other, &a), Err(DeviceError::WrongKey)));
    }

    #[test]
    fn production_floor() {
        assert_eq!(KdfParams::production().iterations(), 600_000);
        assert_eq!(KdfParams::default(), KdfParams::production());
    }

    #[test]
    fn fixed_provider_and_kek_checks() {
        let p = FixedKeyProvider::new(Kek::random().unwrap());
        let (dek, slot) = new_slot(&p).unwrap();
        assert_eq!(open_slot(&p, &slot).unwrap().as_bytes(), dek.as_bytes());
        assert!(Kek::from_slice(&[0u8; 31]).is_err());
        assert_eq!(format!("{:?}", Kek::from_bytes([1; 32])), "Kek(..)");
    }
}
