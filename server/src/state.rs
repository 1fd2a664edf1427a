//! What every handler shares: the [`Settings`] of the HTTP layer and of authentication, and the
//! [`AppState`] built from them once at start (store, limits, metrics).

use std::sync::Arc;
use std::time::Duration;

use crate::auth::{AddressLimiter, HashGate, PasswordCost, TrustedProxies, UnknownNames};
use crate::metrics::Metrics;
use crate::store::Store;

/// Tunables of the HTTP layer and of authentication.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_ttl: Duration,
    pub enrolment_valid: Duration,
    /// Failed logins in a row that lock an account, and for how long.
    pub lock_threshold: i64,
    pub lock_duration: Duration,
    /// Failed logins or enrolments per client address per window before 429.
    pub address_failures: usize,
    pub address_window: Duration,
    pub password_cost: PasswordCost,
    /// Threads that compute password hashes (each holds `password_cost`'s memory).
    pub hash_concurrency: usize,
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed for the per-address limit.
    pub trusted_proxies: TrustedProxies,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(8 * 3600),
            enrolment_valid: Duration::from_secs(24 * 3600),
            lock_threshold: 5,
            lock_duration: Duration::from_secs(15 * 60),
            address_failures: 30,
            address_window: Duration::from_secs(15 * 60),
            password_cost: PasswordCost::default(),
            // One per core: hashing is CPU-bound, and memory stays at cores × 19 MiB.
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            body_limit: 256 * 1024,
            request_timeout: Duration::from_secs(30),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub limiter: Arc<AddressLimiter>,
    pub metrics: Arc<Metrics>,
    /// Every password hash and verification waits here (see [`HashGate`]).
    pub hashes: Arc<HashGate>,
    /// Verified against for unknown usernames, so timing does not reveal which exist.
    pub dummy_hash: Arc<String>,
    /// Failed logins for usernames without an account, locked like accounts (see
    /// [`UnknownNames`]).
    pub unknown_names: Arc<UnknownNames>,
    /// The organisations' OpenID providers: the HTTP client and their cached metadata.
    pub oidc: Arc<crate::oidc::Providers>,
}

impl AppState {
    pub fn new(store: Store, settings: Settings) -> Self {
        let limiter = AddressLimiter::new(settings.address_failures, settings.address_window);
        let dummy = crate::auth::dummy_hash(settings.password_cost);
        let hashes = HashGate::new(settings.hash_concurrency);
        let unknown_names = UnknownNames::new(settings.lock_threshold, settings.lock_duration);
        Self {
            store,
            settings: Arc::new(settings),
            limiter: Arc::new(limiter),
            metrics: Arc::new(Metrics::default()),
            hashes: Arc::new(hashes),
            dummy_hash: Arc::new(dummy),
            unknown_names: Arc::new(unknown_names),
            oidc: Arc::new(crate::oidc::Providers::default()),
        }
    }
}
