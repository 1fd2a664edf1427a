//! Uppsök's domain model: the types a case manager's phone and the supervisors' server share, the
//! rules that make a record valid (checked by the same code on both sides), the hybrid logical
//! clock, and the pure computations (mileage, ACT fidelity) that both need.
//!
//! Pure by design: no I/O, no crypto, no async, so it compiles for every phone target and its
//! tests are fast.

pub mod access;
pub mod client;
pub mod clock;
pub mod cost;
pub mod error;
pub mod fidelity;
pub mod gazetteer;
pub mod ids;
pub mod mileage;
pub mod org;
pub mod outcome;
pub mod place;
pub mod protocol;
pub mod record;
pub mod text;
pub mod trip;
pub mod visit;

pub use access::{AccessEvent, AccessKind};
pub use client::{
    Admission, Client, ClosureReason, Consent, ConsentScope, ConsentState, Phase, Referral,
};
pub use clock::{Hlc, HlcClock};
pub use error::ValidationError;
pub use ids::{
    ChangeId, ClientId, DeviceId, OrgId, OutcomeId, PlaceId, StaffId, TeamId, TripId, VisitId,
};
pub use org::{OrgKind, Organisation, Rates, Role, Staff, Team};
pub use outcome::Outcome;
pub use place::Place;
pub use record::{Entity, Record};
pub use text::{Address, ClientCode, CodePattern, Note, PersonName, PlaceName, Purpose, Username};
pub use trip::{DistanceSource, GpsQuality, Trip, Vehicle};
pub use visit::{ContactKind, Setting, Visit};
