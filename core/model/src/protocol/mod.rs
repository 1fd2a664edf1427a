//! Everything a phone and the server say to each other, declared once here and used by both
//! sides: [`sync`] (the sync round trip, re-exported at this level), [`enrol`] (trading a one-time
//! code for a device token), [`history`] (how much history a phone keeps and how it fetches the
//! rest), [`mileage_terms`] (the rates a phone prices its driver's trips with), [`directory`]
//! (how organisations, teams and staff are described on
//! the wire) and [`problem`] (the RFC 9457 error document every route answers with).
//!
//! With the `openapi` feature (the server's), the types also describe themselves to utoipa for
//! `/v1/openapi.json`; the phone builds without it.

pub mod directory;
pub mod enrol;
pub mod history;
pub mod mileage_terms;
pub mod problem;
pub mod sync;

pub use sync::*;
