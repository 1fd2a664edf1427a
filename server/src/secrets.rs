//! The server key: what keeps the TOTP secrets of supervisors and admins sealed at rest.
//!
//! Passwords are stored as Argon2id hashes, but a TOTP secret must be stored so that the server
//! can compute the expected code — in plain text it would travel with every database dump and
//! every `uppsok admin backup`, and whoever holds a copy would hold everyone's second factor.
//! So the secrets are sealed with AES-256-GCM (ring, which the workspace already builds for the
//! phone) under a 256-bit key kept in a file of its own, never in the database: `server.key`
//! beside a SQLite database (or in the data directory for PostgreSQL), mode 0600, 64 hex digits.
//! `uppsok serve`, `uppsok admin` and `uppsok demo` create it on first use and seal any secret
//! still stored in plain text. The associated data is the staff id, so a sealed secret copied to
//! another account does not open. Several server instances on one PostgreSQL database need the
//! same key file; without it, supervisors and admins need new TOTP secrets (`user totp --reset`).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

/// The prefix of a sealed value: `v1.` + base64url(nonce ‖ ciphertext ‖ tag).
const SEALED_PREFIX: &str = "v1.";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the server key {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("cannot create the server key {0}: {1}")]
    Create(PathBuf, std::io::Error),
    #[error("the server key {0} is not 64 hexadecimal digits")]
    Malformed(PathBuf),
    #[error("a stored secret does not open with this server key (another server.key?)")]
    WrongKey,
    #[error("the system random generator failed")]
    Random,
    #[error("TOTP secrets are sealed with the server key, and this process has none")]
    NoKey,
}

/// The key, loaded once per process.
pub struct ServerKey {
    key: LessSafeKey,
    /// Signs the access-log journal's lines (`store::audit_journal`); derived from the key, so
    /// a line signed by one server does not verify under another's key.
    journal_mac: ring::hmac::Key,
    rng: SystemRandom,
    path: PathBuf,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKey")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Whether a stored value is sealed (as opposed to a secret from before sealing).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

impl ServerKey {
    /// Reads the key at `path`, or creates it (random, mode 0600) when there is none. Two
    /// processes starting at once agree on one key: the new key is written to a temporary file
    /// and linked into place, which fails for the second, which then reads the first's.
    pub fn load_or_create(path: &Path) -> Result<ServerKey, SecretError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Self::create(path)?;
                let text = std::fs::read_to_string(path)
                    .map_err(|e| SecretError::Read(path.to_owned(), e))?;
                Self::from_hex(path, &text)
            }
            Err(e) => Err(SecretError::Read(path.to_owned(), e)),
        }
    }

    fn create(path: &Path) -> Result<(), SecretError> {
        let err = |e| SecretError::Create(path.to_owned(), e);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| SecretError::Random)?;
        let text = Zeroizing::new(format!("{}\n", hex::encode(bytes.as_ref())));
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(format!(".new-{}", std::process::id()));
        let tmp = PathBuf::from(tmp_name);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let written = opts.open(&tmp).and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(err(e));
        }
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(()),
            // Another process made it first: use that one.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(err(e)),
        }
    }

    fn from_hex(path: &Path, text: &str) -> Result<ServerKey, SecretError> {
        let malformed = || SecretError::Malformed(path.to_owned());
        let bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| malformed())?);
        if bytes.len() != 32 {
            return Err(malformed());
        }
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| malformed())?;
        // HKDF: one key file, independent keys per purpose (sealing, journal MACs).
        let journal_mac = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"uppsok server key")
            .extract(&bytes)
            .expand(&[b"access-log journal v1"], ring::hmac::HMAC_SHA256)
            .map(ring::hmac::Key::from)
            .map_err(|_| malformed())?;
        Ok(ServerKey {
            key: LessSafeKey::new(key),
            journal_mac,
            rng: SystemRandom::new(),
            path: path.to_owned(),
        })
    }

    /// The HMAC-SHA256 key of the access-log journal's lines.
    pub fn journal_mac_key(&self) -> &ring::hmac::Key {
        &self.journal_mac
    }

    /// Where the key was read from (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Seals `plaintext`, bound to `context` (e.g. the staff id).
    pub fn seal(&self, context: &str, plaintext: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| SecretError::Random)?;
        let mut buf = plaintext.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buf,
            )
            .map_err(|_| SecretError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens a value [`ServerKey::seal`] made for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Zeroizing<String>, SecretError> {
        let body = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(SecretError::WrongKey)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SecretError::WrongKey)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::WrongKey);
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::WrongKey)?;
        let mut buf = ct.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| SecretError::WrongKey)?;
        String::from_utf8(plain.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| SecretError::WrongKey)
    }
}

/// Where the server key lives unless configured: beside a SQLite database file, else in the
/// data directory (`None`: the database is not a SQLite file).
pub fn key_path_beside(database_url: &str) -> Option<PathBuf> {
    database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|p| !p.is_empty() && !p.starts_with(":memory:"))
        .and_then(|p| Path::new(p).parent().map(Path::to_owned))
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join("server.key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_bound_to_its_context_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/server.key");
        let key = ServerKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "owner only: {mode:o}");
        }
        let sealed = key.seal("staff-1", "JBSWY3DPEHPK3PXP").unwrap();
        assert!(is_sealed(&sealed) && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            key.seal("staff-1", "JBSWY3DPEHPK3PXP").unwrap(),
            "fresh nonce"
        );
        assert_eq!(
            key.open("staff-1", &sealed).unwrap().as_str(),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(matches!(
            key.open("staff-2", &sealed),
            Err(SecretError::WrongKey)
        ));

        // The same file gives the same key; another file does not open it.
        let again = ServerKey::load_or_create(&path).unwrap();
        assert_eq!(
            again.open("staff-1", &sealed).unwrap().as_str(),
            "JBSWY3DPEHPK3PXP"
        );
        let other = ServerKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(matches!(
            other.open("staff-1", &sealed),
            Err(SecretError::WrongKey)
        ));

        // A damaged key file is named, not used.
        std::fs::write(dir.path().join("bad.key"), "not hex\n").unwrap();
        let err = ServerKey::load_or_create(&dir.path().join("bad.key")).unwrap_err();
        assert!(err.to_string().contains("64 hexadecimal digits"), "{err}");
    }

    #[test]
    fn the_key_sits_beside_a_sqlite_database() {
        assert_eq!(
            key_path_beside("sqlite:///srv/db/uppsok.db?mode=rwc").as_deref(),
            Some(Path::new("/srv/db/server.key"))
        );
        assert_eq!(key_path_beside("postgres://u@db/uppsok"), None);
        assert_eq!(key_path_beside("sqlite::memory:"), None);
    }
}
