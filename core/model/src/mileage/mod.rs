//! Mileage: how far a trip was, where the number came from, and what it pays.
//!
//! - [`recorder`]: GPS fixes in, a smoothed distance with its quality out.
//! - [`geo`]: great-circle distances and a local metric frame.
//! - [`suggest`]: a distance for a trip nobody recorded: the team's median for the same pair of
//!   places, or the straight line times a road detour factor.
//! - [`rates`]: the organisation's rates over time, each from the day it took effect.
//! - [`reimbursement`]: the organisation's rate per km split into the tax-free allowance and
//!   the taxable rest, per trip and per driver and month.
//! - [`korjournal`]: the driving log Skatteverket expects, as rows and as a CSV for Swedish
//!   Excel (and back).
//! - [`vehicle`]: the organisation's pool and benefit cars and the körjournal per car (all its
//!   drivers, the odometer checked from trip to trip).
//!
//! All pure functions and plain data, shared by the phone and the server (docs/design.md §6).

pub mod geo;
pub mod korjournal;
pub mod rates;
pub mod recorder;
pub mod reimbursement;
pub mod suggest;
pub mod vehicle;

pub use geo::{LatLon, haversine_m, straight_line_km};
pub use rates::RateSchedule;
pub use recorder::{
    DropCounts, DropReason, Fix, FixOutcome, QualityGrade, RecorderConfig, Smoothing, TripRecorder,
    TripSummary,
};
pub use reimbursement::{
    DrivenTrip, HOME_WORK_KM_MAX, MonthlyTotal, Reimbursement, VehicleKind, business_km,
    monthly_totals, parse_home_work_km, reimburse, tax_free_benefit_car_ore_per_km,
};
pub use suggest::{
    DEFAULT_DETOUR_FACTOR, PastTrip, PlaceRef, Suggestion, SuggestionBasis, suggest,
};
pub use vehicle::{
    CarKind, DriverFuelledCars, Fuel, OdometerGap, Registration, VehicleJournal, vehicle_journal,
};

/// Where a trip's distance came from; defined with the trip (docs/design.md §3).
pub use crate::trip::DistanceSource;

/// What can go wrong in mileage calculations. Messages name the rule, for a person to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MileageError {
    #[error("recorder setting {field} {rule}")]
    InvalidConfig {
        field: &'static str,
        rule: &'static str,
    },
    #[error("a trip's distance must be a number of km between 0 and 10 000")]
    InvalidDistance,
    #[error("a rate per km must be between 0 and 100 kr (given in öre)")]
    InvalidRate,
    #[error("no tax-free mileage allowance is known for {year}; the table starts in {first_known}")]
    UnknownYear { year: i32, first_known: i32 },
    #[error(
        "no tax-free fuel allowance for a benefit car is known for {year}; the table starts in {first_known}"
    )]
    UnknownBenefitYear { year: i32, first_known: i32 },
}
