//! The envelope: `version (1 byte) | nonce (12) | ciphertext + tag (16)`, AES-256-GCM.
//!
//! The associated data binds a ciphertext to the table, record id and column it was written for,
//! so a sealed note copied into another row, or another column, fails to open instead of showing
//! up as someone else's note. The version byte lets a later release change cipher or layout
//! while still reading old rows.
//!
//! Nonces are random (96 bits: safe for far more seals than a phone will ever make with one key),
//! drawn from a buffer refilled a few kilobytes at a time: one `getrandom` call per seal made
//! sealing three times slower (docs/design.md §10).

use crate::error::DeviceError;
use ring::aead::{AES_256_GCM, Aad as RingAad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The envelope format this build writes.
pub const ENVELOPE_VERSION: u8 = 1;
const TAG_LEN: usize = 16;
/// Bytes an envelope adds to its plaintext.
pub const ENVELOPE_OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// Where a sealed value lives: it opens only there.
#[derive(Debug, Clone, Copy)]
pub struct Aad<'a> {
    pub table: &'a str,
    pub id: &'a [u8],
    pub column: &'a str,
}

impl<'a> Aad<'a> {
    pub fn new(table: &'a str, id: &'a [u8], column: &'a str) -> Self {
        Self { table, id, column }
    }

    /// Length-prefixed parts, so ("ab", "c") and ("a", "bc") can never give the same bytes.
    fn encode(&self) -> AadBytes {
        let mut out = AadBytes {
            stack: [0; AAD_STACK],
            len: 0,
            heap: Vec::new(),
        };
        out.push(&[ENVELOPE_VERSION]);
        for part in [self.table.as_bytes(), self.id, self.column.as_bytes()] {
            out.push(&(part.len() as u32).to_le_bytes());
            out.push(part);
        }
        out
    }
}

const AAD_STACK: usize = 96;

/// The encoded AAD, on the stack when it fits (always, for the store's tables): a heap
/// allocation per row was a measurable part of listing thousands of visits.
struct AadBytes {
    stack: [u8; AAD_STACK],
    len: usize,
    heap: Vec<u8>,
}

impl AadBytes {
    fn push(&mut self, bytes: &[u8]) {
        if self.heap.is_empty() && self.len + bytes.len() <= AAD_STACK {
            self.stack[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.stack[..self.len]);
            }
            self.heap.extend_from_slice(bytes);
        }
    }

    fn as_slice(&self) -> &[u8] {
        if self.heap.is_empty() {
            &self.stack[..self.len]
        } else {
            &self.heap
        }
    }
}

/// A value opened from a row. Its buffer is overwritten with zeros when dropped, so decrypted
/// notes do not linger in freed memory.
///
/// A plain `fill(0)` kept alive by `black_box` rather than `zeroize`'s byte-by-byte volatile
/// writes: on a listing of 10,000 visits the volatile loop alone cost a third of the decryption.
pub struct Plaintext {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

impl std::ops::Deref for Plaintext {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.len]
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        self.buf.fill(0);
        // Keeps the compiler from removing the fill as a dead store before the free.
        std::hint::black_box(&mut self.buf);
    }
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plaintext({} bytes)", self.len)
    }
}

/// An envelope did not open: wrong key, altered bytes, the wrong row, or an unknown version.
/// Deliberately without detail; the caller knows what it was reading and says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sealed value did not open")]
pub struct OpenError;

/// Random nonces, fetched from the OS in blocks.
struct NonceSource {
    rng: SystemRandom,
    buf: Mutex<(Box<[u8; NONCE_BLOCK]>, usize)>,
}

const NONCE_BLOCK: usize = NONCE_LEN * 341; // ~4 KiB per getrandom call

impl NonceSource {
    fn new() -> Self {
        Self {
            rng: SystemRandom::new(),
            // Start "empty" so the first seal fills the buffer.
            buf: Mutex::new((Box::new([0u8; NONCE_BLOCK]), NONCE_BLOCK)),
        }
    }

    fn next(&self) -> Result<[u8; NONCE_LEN], DeviceError> {
        // A poisoned lock only means another thread panicked mid-copy; the buffer is then at
        // worst partly refilled random bytes, and `pos` still marks unused ones, so carry on.
        let mut guard = self.buf.lock().unwrap_or_else(|p| p.into_inner());
        let (buf, pos) = &mut *guard;
        if *pos + NONCE_LEN > NONCE_BLOCK {
            self.rng
                .fill(&mut buf[..])
                .map_err(|_| DeviceError::Crypto("the system random generator failed"))?;
            *pos = 0;
        }
        let mut n = [0u8; NONCE_LEN];
        n.copy_from_slice(&buf[*pos..*pos + NONCE_LEN]);
        // Never hand out the same bytes twice, even if a refill failed half-way.
        buf[*pos..*pos + NONCE_LEN].fill(0);
        *pos += NONCE_LEN;
        Ok(n)
    }
}

/// One AES-256-GCM key with its nonce source: seals and opens envelopes.
pub struct Cipher {
    key: LessSafeKey,
    nonces: NonceSource,
}

impl Cipher {
    pub fn new(key: &[u8; 32]) -> Result<Self, DeviceError> {
        let unbound = UnboundKey::new(&AES_256_GCM, key)
            .map_err(|_| DeviceError::Crypto("the cipher rejected the key"))?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
            nonces: NonceSource::new(),
        })
    }

    /// Seal `plaintext` for the place `aad` names.
    pub fn seal(&self, aad: Aad<'_>, plaintext: &[u8]) -> Result<Vec<u8>, DeviceError> {
        let nonce = self.nonces.next()?;
        let mut out = Vec::with_capacity(ENVELOPE_OVERHEAD + plaintext.len());
        out.push(ENVELOPE_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let ad = aad.encode();
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                RingAad::from(ad.as_slice()),
                &mut out[1 + NONCE_LEN..],
            )
            .map_err(|_| DeviceError::Crypto("the value is too large to seal"))?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Open an envelope read from a row, decrypting in place: no copy and no shift, because
    /// listing thousands of visits should cost little more than reading them in plaintext.
    pub fn open_owned(&self, aad: Aad<'_>, envelope: Vec<u8>) -> Result<Plaintext, OpenError> {
        let mut out = Plaintext {
            buf: envelope,
            start: 1 + NONCE_LEN,
            len: 0,
        };
        if out.buf.len() < ENVELOPE_OVERHEAD || out.buf[0] != ENVELOPE_VERSION {
            return Err(OpenError);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&out.buf[1..1 + NONCE_LEN]);
        let ad = aad.encode();
        out.len = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                RingAad::from(ad.as_slice()),
                &mut out.buf[1 + NONCE_LEN..],
            )
            .map_err(|_| OpenError)?
            .len();
        Ok(out)
    }

    /// Open an envelope sealed for `aad`. The plaintext is scrubbed from memory when dropped.
    pub fn open(&self, aad: Aad<'_>, envelope: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        if envelope.len() < ENVELOPE_OVERHEAD || envelope[0] != ENVELOPE_VERSION {
            return Err(OpenError);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&envelope[1..1 + NONCE_LEN]);
        let ad = aad.encode();
        let mut buf = Zeroizing::new(envelope[1 + NONCE_LEN..].to_vec());
        let len = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                RingAad::from(ad.as_slice()),
                &mut buf[..],
            )
            .map_err(|_| OpenError)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cipher() -> Cipher {
        Cipher::new(&[7u8; 32]).unwrap()
    }

    #[test]
    fn layout_is_version_nonce_ciphertext_tag() {
        let c = cipher();
        let e = c.seal(Aad::new("visit", b"id", "body"), b"hello").unwrap();
        assert_eq!(e[0], ENVELOPE_VERSION);
        assert_eq!(e.len(), 5 + ENVELOPE_OVERHEAD);
        assert!(!e.windows(5).any(|w| w == b"hello"));
    }

    #[test]
    fn nonces_differ_between_seals() {
        let c = cipher();
        let a = c.seal(Aad::new("t", b"i", "c"), b"x").unwrap();
        let b = c.seal(Aad::new("t", b"i", "c"), b"x").unwrap();
        assert_ne!(a[1..13], b[1..13]);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            assert!(seen.insert(c.nonces.next().unwrap()));
        }
    }

    #[test]
    fn aad_binds_table_id_and_column() {
        let c = cipher();
        let e = c.seal(Aad::new("visit", b"id1", "body"), b"note").unwrap();
        assert!(c.open(Aad::new("visit", b"id2", "body"), &e).is_err());
        assert!(c.open(Aad::new("trip", b"id1", "body"), &e).is_err());
        assert!(c.open(Aad::new("visit", b"id1", "note"), &e).is_err());
        assert!(c.open(Aad::new("visi", b"tid1", "body"), &e).is_err());
        assert_eq!(
            &c.open(Aad::new("visit", b"id1", "body"), &e).unwrap()[..],
            b"note"
        );
        assert_eq!(
            &c.open_owned(Aad::new("visit", b"id1", "body"), e.clone())
                .unwrap()[..],
            b"note"
        );
        assert!(c.open_owned(Aad::new("visit", b"id2", "body"), e).is_err());
    }

    #[test]
    fn long_aad_goes_to_the_heap_and_still_binds() {
        let c = cipher();
        let long = "x".repeat(200);
        let e = c.seal(Aad::new(&long, b"id", "c"), b"v").unwrap();
        assert_eq!(&c.open(Aad::new(&long, b"id", "c"), &e).unwrap()[..], b"v");
        assert!(c.open(Aad::new(&long[1..], b"id", "c"), &e).is_err());
        let a = Aad::new(&long, b"id", "c").encode();
        assert_eq!(a.as_slice().len(), 1 + 4 + 200 + 4 + 2 + 4 + 1);
        assert_eq!(
            Aad::new("visit", b"id", "body").encode().as_slice().len(),
            1 + 4 + 5 + 4 + 2 + 4 + 4
        );
    }

    #[test]
    fn other_key_and_unknown_version_fail() {
        let e = cipher().seal(Aad::new("t", b"i", "c"), b"x").unwrap();
        let other = Cipher::new(&[8u8; 32]).unwrap();
        assert_eq!(other.open(Aad::new("t", b"i", "c"), &e), Err(OpenError));
        let mut v2 = e.clone();
        v2[0] = 2;
        assert!(cipher().open(Aad::new("t", b"i", "c"), &v2).is_err());
        assert!(cipher().open(Aad::new("t", b"i", "c"), &e[..10]).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(plain in proptest::collection::vec(any::<u8>(), 0..2000),
                      table in "[a-z_]{1,12}", id in proptest::collection::vec(any::<u8>(), 0..32),
                      column in "[a-z_]{1,12}") {
            let c = cipher();
            let aad = Aad::new(&table, &id, &column);
            let e = c.seal(aad, &plain).unwrap();
            prop_assert_eq!(e.len(), plain.len() + ENVELOPE_OVERHEAD);
            prop_assert_eq!(&c.open(aad, &e).unwrap()[..], &plain[..]);
            prop_assert_eq!(&c.open_owned(aad, e).unwrap()[..], &plain[..]);
        }

        #[test]
        fn any_flipped_bit_fails(plain in proptest::collection::vec(any::<u8>(), 0..300),
                                 pos in any::<prop::sample::Index>(), bit in 0u8..8) {
            let c = cipher();
            let aad = Aad::new("visit", b"x", "body");
            let mut e = c.seal(aad, &plain).unwrap();
            let i = pos.index(e.len());
            e[i] ^= 1 << bit;
            prop_assert_eq!(c.open(aad, &e), Err(OpenError));
        }
    }
}
