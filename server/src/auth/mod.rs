//! Credentials and secrets: Argon2id password hashes (run through the [`HashGate`]), TOTP
//! (RFC 6238) second factors, random bearer tokens and enrolment codes stored only as SHA-256
//! hashes, and the per-address limit on attempts. [`login`] is the one login path built on
//! them; who is asking on each request is [`crate::extract`].

pub mod login;
pub mod provision;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Secret, TOTP};

/// Prefix of session tokens (JSON API and, later, dashboard cookies).
pub const SESSION_PREFIX: &str = "uss_";
/// Prefix of device tokens.
pub const DEVICE_PREFIX: &str = "udt_";
pub const TOTP_STEP_S: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the stored TOTP secret is unusable")]
    BadTotpSecret,
}

/// Argon2id cost. The default follows OWASP (19 MiB, 2 passes, 1 lane); tests use
/// [`PasswordCost::cheap`] so hundreds of logins stay fast.
#[derive(Debug, Clone, Copy)]
pub struct PasswordCost {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl Default for PasswordCost {
    fn default() -> Self {
        Self {
            m_kib: 19_456,
            t: 2,
            p: 1,
        }
    }
}

impl PasswordCost {
    pub fn cheap() -> Self {
        Self {
            m_kib: 64,
            t: 1,
            p: 1,
        }
    }
}

thread_local! {
    /// Argon2's working memory (19 MiB at the default cost), kept by each thread and reused.
    /// Allocated afresh for every hash, glibc kept each freed block (measured: +19 MiB of
    /// resident memory per login, never returned); reused, a thread holds one.
    static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs Argon2id with `params` into `out`, on this thread's reused working memory.
fn argon2_raw(
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let n = params.block_count();
    let argon = Argon2::new(Algorithm::Argon2id, version, params);
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < n {
            blocks.resize(n, Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..n])
    })
}

/// An Argon2id hash of `password` in the PHC string format (`$argon2id$v=19$m=…`).
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String, AuthError> {
    let params = Params::new(cost.m_kib, cost.t, cost.p, None)
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; 32];
    argon2_raw(Version::V0x13, params, password.as_bytes(), &salt, &mut out)
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        cost.m_kib,
        cost.t,
        cost.p,
        b64.encode(salt),
        b64.encode(out)
    ))
}

/// The hash carries its own parameters, so old hashes keep verifying after a cost change.
pub fn verify_password(hash: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    let version = match parsed.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    argon2_raw(version, params, password.as_bytes(), salt, &mut out).is_ok()
        // `Output`'s equality is constant-time.
        && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

/// A hash to verify against when the username is unknown, so the answer takes as long as for a
/// known user and does not reveal which usernames exist.
pub fn dummy_hash(cost: PasswordCost) -> String {
    hash_password("not-a-real-password", cost).unwrap_or_default()
}

/// Minimum length of passwords set by people; generated ones are longer.
pub const PASSWORD_MIN: usize = 12;

/// Why a password a person chose is refused. Length alone let "            " (12 spaces)
/// through: a password also needs some variety. The English text reads after "the password";
/// [`PasswordProblem::swedish`] is the dashboard's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("must be at least {} characters", PASSWORD_MIN)]
    TooShort,
    #[error(
        "must have at least {} characters besides leading and trailing spaces, with at least 6 different ones",
        PASSWORD_MIN
    )]
    TooPlain,
    #[error("may be at most {} bytes", login::FIELD_MAX)]
    TooLong,
    #[error("must differ from the current password")]
    Unchanged,
    #[error("must be typed the same way twice")]
    Mismatch,
}

impl PasswordProblem {
    pub fn swedish(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "Det nya lösenordet måste ha minst 12 tecken.",
            PasswordProblem::TooPlain => {
                "Det nya lösenordet måste ha minst 12 tecken utöver inledande och avslutande \
                 mellanslag, varav minst 6 olika."
            }
            PasswordProblem::TooLong => "Det nya lösenordet är för långt (högst 1024 byte).",
            PasswordProblem::Unchanged => "Det nya lösenordet måste skilja sig från det nuvarande.",
            PasswordProblem::Mismatch => "De två nya lösenorden är inte lika.",
        }
    }
}

/// What is wrong with a password a person chose; `None` when it will do.
pub fn password_problem(password: &str) -> Option<PasswordProblem> {
    let distinct: std::collections::HashSet<char> =
        password.chars().filter(|c| !c.is_whitespace()).collect();
    if password.len() > login::FIELD_MAX {
        Some(PasswordProblem::TooLong)
    } else if password.chars().count() < PASSWORD_MIN {
        Some(PasswordProblem::TooShort)
    } else if password.trim().chars().count() < PASSWORD_MIN || distinct.len() < 6 {
        Some(PasswordProblem::TooPlain)
    } else {
        None
    }
}

/// A random initial password: 20 characters of an unambiguous alphabet (~100 bits).
pub fn random_password() -> String {
    random_from(
        b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789",
        20,
    )
}

/// `n` random lower-case letters and digits (generated user names).
pub fn random_lower(n: usize) -> String {
    random_from(b"abcdefghijklmnopqrstuvwxyz0123456789", n)
}

fn random_from(alphabet: &[u8], n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| {
            // Rejection sampling keeps every character equally likely.
            let limit = 256 - (256 % alphabet.len());
            loop {
                let b = (rng.next_u32() & 0xff) as usize;
                if b < limit {
                    return alphabet[b % alphabet.len()] as char;
                }
            }
        })
        .collect()
}

/// SHA-256 of a token or code, hex: what the database stores and looks up.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new bearer token (`prefix` + 32 random bytes, base64url) and its hash.
pub fn new_token(prefix: &str) -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = hash_secret(&token);
    (token, hash)
}

/// Enrolment codes are typed by hand from a screen: 12 characters without look-alikes, shown
/// in groups of four (60 bits; one-time, 24 h, and attempts are rate-limited).
pub fn new_enrolment_code() -> (String, String) {
    let raw = random_from(b"ABCDEFGHJKMNPQRSTUVWXYZ23456789", 12);
    let shown = format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]);
    let hash = hash_secret(&normalise_code(&shown));
    (shown, hash)
}

/// Case, spaces and dashes do not matter when typing a code.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub fn hash_enrolment_code(code: &str) -> String {
    hash_secret(&normalise_code(code))
}

/// A new TOTP secret (160 bits, base32 as authenticator apps expect).
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_base32: &str, username: &str) -> Result<TOTP, AuthError> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|_| AuthError::BadTotpSecret)?;
    TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        TOTP_STEP_S,
        bytes,
        Some("Uppsok".to_owned()),
        username.to_owned(),
    )
    .map_err(|_| AuthError::BadTotpSecret)
}

/// The `otpauth://` URI for an authenticator app.
pub fn otpauth_uri(secret_base32: &str, username: &str) -> Result<String, AuthError> {
    Ok(totp(secret_base32, username)?.get_url())
}

/// The code for `unix_s` (tests and the demo).
pub fn totp_code(secret_base32: &str, unix_s: u64) -> Result<String, AuthError> {
    Ok(totp(secret_base32, "x")?.generate(unix_s))
}

/// Checks `code` against the steps around `unix_s` (±1 for clock drift) and returns the step
/// it matched. A step at or before `last_step` is refused: each code works once.
pub fn check_totp(
    secret_base32: &str,
    code: &str,
    unix_s: u64,
    last_step: Option<i64>,
) -> Option<i64> {
    let t = totp(secret_base32, "x").ok()?;
    let code = code.trim();
    let now_step = (unix_s / TOTP_STEP_S) as i64;
    for step in [now_step - 1, now_step, now_step + 1] {
        if step < 0 || last_step.is_some_and(|l| step <= l) {
            continue;
        }
        let expected = t.generate(step as u64 * TOTP_STEP_S);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            return Some(step);
        }
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed logins per username that has no account, counted and locked like an account's (in
/// memory), so that the answer after five wrong tries is "locked" whether the name exists or
/// not: the lock tells no one which usernames are real.
#[derive(Debug)]
pub struct UnknownNames {
    threshold: u32,
    lock: Duration,
    /// Name → failures and, once locked, until when.
    seen: Mutex<HashMap<String, (u32, Option<Instant>)>>,
}

/// Names remembered at most; past it the table starts over. Whoever fills it only resets the
/// counters of names that protect no account, so a plain bound is enough.
const UNKNOWN_NAMES_MAX: usize = 50_000;

impl UnknownNames {
    pub fn new(threshold: i64, lock: Duration) -> Self {
        Self {
            threshold: u32::try_from(threshold.max(1)).unwrap_or(u32::MAX),
            lock,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a failed login for `name`; `Some(unix ms)` while it is "locked", as an account
    /// would be after as many failures.
    pub fn failed(&self, name: &str) -> Option<i64> {
        let now = Instant::now();
        let key = name.trim().to_lowercase();
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= UNKNOWN_NAMES_MAX && !seen.contains_key(&key) {
            seen.clear();
        }
        let entry = seen.entry(key).or_insert((0, None));
        if entry.1.is_some_and(|until| until <= now) {
            *entry = (0, None);
        }
        if entry.1.is_none() {
            entry.0 += 1;
            if entry.0 >= self.threshold {
                entry.1 = Some(now + self.lock);
            }
        }
        entry.1.map(|until| {
            let left =
                i64::try_from(until.saturating_duration_since(now).as_millis()).unwrap_or(i64::MAX);
            crate::store::now_ms().saturating_add(left)
        })
    }
}

/// Failed attempts per client address in a sliding window. In memory: a restart forgets it,
/// which is fine for a limit meant to slow guessing down (the per-account lock is persistent).
#[derive(Debug)]
pub struct AddressLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl AddressLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when the address is over its limit.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.admit(ip, false)
    }

    /// Checks the address and counts this attempt in one step, before any work is done, so
    /// requests arriving together cannot all slip under the limit. A successful attempt is
    /// taken back with [`AddressLimiter::forgive`].
    pub fn attempt(&self, ip: IpAddr) -> Result<(), u64> {
        self.admit(ip, true)
    }

    /// The check, and with `count` the count too, under one lock: two requests must not both
    /// see the last slot.
    fn admit(&self, ip: IpAddr, count: bool) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let q = if count {
            self.bound(&mut map, now);
            map.entry(ip).or_default()
        } else {
            match map.get_mut(&ip) {
                Some(q) => q,
                None => return Ok(()),
            }
        };
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.window)
        {
            q.pop_front();
        }
        if q.len() >= self.max_failures {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        if count {
            q.push_back(now);
        }
        Ok(())
    }

    /// Bounds memory under a spray from many addresses: past 100,000 of them, drops those whose
    /// window has passed.
    fn bound(&self, map: &mut HashMap<IpAddr, VecDeque<Instant>>, now: Instant) {
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) <= window));
        }
    }

    /// Takes back the newest attempt counted for `ip` (it succeeded).
    pub fn forgive(&self, ip: IpAddr) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = map.get_mut(&ip) {
            q.pop_back();
            if q.is_empty() {
                map.remove(&ip);
            }
        }
    }

    pub fn fail(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        self.bound(&mut map, now);
        map.entry(ip).or_default().push_back(now);
    }
}

/// Runs every Argon2id computation on a few threads of its own. Each computation holds its
/// memory cost (19 MiB by default) while it runs, and the allocator keeps a thread's freed
/// blocks for that thread: on tokio's blocking pool a burst of logins would leave 19 MiB behind
/// on each of dozens of threads (measured: 100 simultaneous logins, 506 MB). On a fixed set of
/// threads, memory is bounded by their number; a burst waits in line and, past
/// [`HashGate::WAIT`], is told to come back (429).
pub struct HashGate {
    permits: tokio::sync::Semaphore,
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

impl std::fmt::Debug for HashGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashGate")
            .field("free", &self.permits.available_permits())
            .finish()
    }
}

/// No hashing thread came free within [`HashGate::WAIT`].
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the server is busy checking other passwords; try again in a moment")]
pub struct HashBusy;

impl HashGate {
    /// How long an attempt waits for a thread before it is turned away.
    pub const WAIT: Duration = Duration::from_secs(5);

    /// `threads` hashing threads (at least one), started now and living as long as the gate.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("uppsok-hash-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next job, not while it runs.
                        let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match job {
                            // A panic (a bug) ends the job, not the thread.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            // The gate is gone: the thread ends.
                            Err(_) => break,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        Self {
            permits: tokio::sync::Semaphore::new(threads),
            jobs,
        }
    }

    /// [`verify_password`] on a hashing thread.
    pub async fn verify(&self, hash: &str, password: &str) -> Result<bool, HashBusy> {
        let (hash, password) = (hash.to_owned(), password.to_owned());
        self.run(move || verify_password(&hash, &password)).await
    }

    /// [`hash_password`] on a hashing thread.
    pub async fn hash(
        &self,
        password: &str,
        cost: PasswordCost,
    ) -> Result<Result<String, AuthError>, HashBusy> {
        let password = password.to_owned();
        self.run(move || hash_password(&password, cost)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashBusy> {
        // One permit per thread: a job is queued only when a thread is free for it.
        let _permit = tokio::time::timeout(Self::WAIT, self.permits.acquire())
            .await
            .map_err(|_| HashBusy)?
            .map_err(|_| HashBusy)?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| HashBusy)?;
        // A panic inside Argon2 (a bug) drops `done`: answer "busy" rather than hang.
        result.await.map_err(|_| HashBusy)
    }
}

/// Addresses of reverse proxies whose `X-Forwarded-For` header is believed (`trusted_proxies`
/// in the config). Empty by default: then the header is ignored, because anyone can send it and
/// believing it would let a client pick a fresh address for every guess and so escape the
/// per-address limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

#[derive(Debug, thiserror::Error)]
#[error("trusted proxy {0:?} is not an address or an address/prefix (e.g. 10.0.0.0/8)")]
pub struct BadProxy(pub String);

impl TrustedProxies {
    /// Parses addresses (`10.1.2.3`, `::1`) and networks (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, BadProxy> {
        let mut nets = Vec::new();
        for item in items {
            let text = item.as_ref().trim();
            let bad = || BadProxy(text.to_owned());
            let (addr, prefix) = match text.split_once('/') {
                Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
                None => (text, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| bad())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = prefix.unwrap_or(max);
            if prefix > max {
                return Err(bad());
            }
            nets.push((addr, prefix));
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, prefix)| match (canonical(*net), ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), *prefix),
                (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), *prefix),
                _ => false,
            })
    }

    /// The client's address: the peer, unless the peer is a trusted proxy; then the nearest
    /// address in `X-Forwarded-For` (read from the right, the end our proxies appended to) that
    /// is not itself a trusted proxy. Entries left of that were written by the client and are
    /// not believed. An unreadable entry stops the walk at the last address we could trust.
    pub fn client_addr<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    ) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        for entry in forwarded_for.rev() {
            let Ok(ip) = entry.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, as dual-stack sockets report) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[full] & mask == b[full] & mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn racing_attempts_never_pass_the_limit() {
        let limiter = std::sync::Arc::new(AddressLimiter::new(5, Duration::from_secs(60)));
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let passed: usize = (0..32)
            .map(|_| {
                let l = limiter.clone();
                std::thread::spawn(move || l.attempt(ip).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| usize::from(t.join().unwrap()))
            .sum();
        assert_eq!(passed, 5);
        limiter.forgive(ip);
        assert!(limiter.attempt(ip).is_ok(), "a success gives its slot back");
        assert!(limiter.attempt(ip).is_err());
    }

    #[test]
    fn passwords_need_length_and_variety() {
        for weak in [
            "short",
            "            ",
            "aaaaaaaaaaaaaaaa",
            "  abcdefghij  ",
            "abababababababab",
        ] {
            assert!(password_problem(weak).is_some(), "{weak:?}");
        }
        for ok in ["correct horse battery", "Kalix-2026-vinter"] {
            assert_eq!(password_problem(ok), None, "{ok:?}");
        }
    }

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse battery", PasswordCost::cheap()).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "wrong"));
        assert!(!verify_password("garbage", "x"));
    }

    #[test]
    fn totp_codes_work_once_and_near_now() {
        let s = new_totp_secret();
        let now = 1_800_000_000;
        let code = totp_code(&s, now).unwrap();
        let step = check_totp(&s, &code, now, None).unwrap();
        assert_eq!(step, (now / 30) as i64);
        assert_eq!(
            check_totp(&s, &code, now, Some(step)),
            None,
            "replay refused"
        );
        assert_eq!(check_totp(&s, &code, now + 300, None), None, "too old");
        assert!(
            otpauth_uri(&s, "sara")
                .unwrap()
                .starts_with("otpauth://totp/")
        );
    }

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(totp_code(&secret, 59).unwrap(), "287082");
    }

    #[test]
    fn codes_and_tokens() {
        let (code, hash) = new_enrolment_code();
        assert_eq!(code.len(), 14);
        assert_eq!(
            hash_enrolment_code(&code.to_lowercase().replace('-', " ")),
            hash
        );
        let (t, h) = new_token(DEVICE_PREFIX);
        assert!(t.starts_with(DEVICE_PREFIX));
        assert_eq!(hash_secret(&t), h);
        assert_ne!(new_token(DEVICE_PREFIX).0, t);
    }

    #[test]
    fn limiter_blocks_after_max() {
        let l = AddressLimiter::new(3, Duration::from_secs(60));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.check(ip).is_ok());
            l.fail(ip);
        }
        assert!(l.check(ip).is_err());
        assert!(l.check("127.0.0.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_addr(ip("127.0.0.1"), ["9.9.9.9"].into_iter()),
            ip("127.0.0.1")
        );
        let t = TrustedProxies::parse(&["127.0.0.1", "10.0.0.0/8"]).unwrap();
        assert!(t.contains(ip("10.200.3.4")) && !t.contains(ip("11.0.0.1")));
        assert!(t.contains(ip("::ffff:10.0.0.1")), "IPv4-mapped");
        // Direct client: its own header is ignored.
        assert_eq!(
            t.client_addr(ip("8.8.8.8"), ["1.2.3.4"].into_iter()),
            ip("8.8.8.8")
        );
        // Through a proxy: the rightmost untrusted entry; the spoofed left one is ignored.
        let xff = ["6.6.6.6", "203.0.113.7", "10.0.0.2"];
        assert_eq!(
            t.client_addr(ip("127.0.0.1"), xff.into_iter()),
            ip("203.0.113.7")
        );
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            t.client_addr(ip("10.0.0.9"), ["nonsense"].into_iter()),
            ip("10.0.0.9")
        );
        assert_eq!(
            t.client_addr(ip("10.0.0.9"), std::iter::empty()),
            ip("10.0.0.9")
        );
        for bad in ["10.0.0.0/33", "host.example", "10.0.0.0/x"] {
            assert!(TrustedProxies::parse(&[bad]).is_err(), "{bad}");
        }
        let v6 = TrustedProxies::parse(&["fd00::/8"]).unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
    }
}
