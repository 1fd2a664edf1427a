//! The blind index: a keyed hash (HMAC-SHA256) of a sensitive value, stored beside its sealed
//! form so the store can find a row by that value (and keep it unique) without keeping the value
//! in plaintext. Without the data key the hashes say nothing, not even to a dictionary attack.
//!
//! The HMAC key is derived from the DEK with a fixed label, so it needs no storage of its own and
//! dies with the DEK on a wipe. A domain string per indexed field keeps equal values in different
//! fields from matching.

use super::keys::Dek;
use ring::hmac;

pub struct BlindIndex {
    key: hmac::Key,
}

impl BlindIndex {
    pub(crate) fn new(dek: &Dek) -> Self {
        let derived = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, dek.as_bytes()),
            b"uppsok blind index v1",
        );
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        }
    }

    /// The index value of `value` in the field `domain`.
    pub fn hash(&self, domain: &str, value: &str) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(&(domain.len() as u32).to_le_bytes());
        ctx.update(domain.as_bytes());
        ctx.update(value.as_bytes());
        ctx.sign().as_ref().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_and_domain_separated() {
        let a = BlindIndex::new(&Dek::from_bytes([1; 32]));
        let b = BlindIndex::new(&Dek::from_bytes([2; 32]));
        assert_eq!(a.hash("code", "K-017"), a.hash("code", "K-017"));
        assert_ne!(a.hash("code", "K-017"), b.hash("code", "K-017"));
        assert_ne!(a.hash("code", "K-017"), a.hash("name", "K-017"));
        assert_ne!(a.hash("code", "K-017"), a.hash("code", "K-018"));
    }
}
