//! Uppsök device core: what runs on the phone (and in `uppsok field` on a desktop).
//!
//! - [`store`]: the encrypted SQLite store of visits, clients, trips and places, with the outbox
//!   that sync drains, the device profile and sealed key-value slots.
//! - [`crypto`]: the AEAD envelope, the data key and its wrapping by a [`crypto::KeyProvider`]
//!   (platform keystore or passphrase), and the blind index.
//! - [`sync`]: enrolment and the sync client that drains the outbox and pulls what the user may
//!   see, with its status for the UI.
//! - [`pay`]: the driver's month priced as payroll will, with the terms sync brought.
//! - [`error`]: [`DeviceError`], the one error type at the crate boundary.
//!
//! Start with [`Store::create`] / [`Store::open`].

pub mod crypto;
pub mod error;
pub mod pay;
pub mod store;
pub mod sync;
pub mod trips;

pub use crypto::{FixedKeyProvider, KdfParams, Kek, KeyProvider, PassphraseKeyProvider};
pub use error::{DeviceError, KeyProviderError};
pub use store::{
    OutboxEntry, Profile, Rejection, RemoteOutcome, SCHEMA_VERSION, Store, StoreStatus, TripFilter,
    VisitFilter, Writer,
};
