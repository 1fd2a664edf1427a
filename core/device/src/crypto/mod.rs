//! The cryptography of the store: the versioned AEAD envelope every sensitive value is sealed in,
//! the data key (DEK) and how it is wrapped by a key-encryption key (KEK) from a
//! [`KeyProvider`], and the keyed blind index for look-ups by sensitive values.
//!
//! Everything is ring (AES-256-GCM, PBKDF2-HMAC-SHA256, HMAC-SHA256), so the phone builds carry
//! one audited crypto library and no OpenSSL. Key bytes live in `Zeroizing` buffers and are
//! scrubbed when dropped.

mod blind;
mod envelope;
mod keys;

pub use blind::BlindIndex;
pub use envelope::{Aad, Cipher, ENVELOPE_OVERHEAD, ENVELOPE_VERSION, OpenError, Plaintext};
pub use keys::{
    Dek, FixedKeyProvider, KdfParams, Kek, KeyProvider, KeySlot, PBKDF2_MIN_ITERATIONS,
    PassphraseKeyProvider,
};
pub(crate) use keys::{new_slot, open_slot};
