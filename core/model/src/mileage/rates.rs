//! An organisation's reimbursement rates over time. A new rate (a new collective agreement, a
//! decision by the municipality) applies from its date on; every trip is priced with the rate
//! in force on the day it was driven, so changing a rate never re-prices a month already paid.
//! Skatteverket's tax-free allowances are dated by year on their own
//! ([`super::reimbursement::tax_free_own_car_ore_per_km`],
//! [`super::reimbursement::tax_free_benefit_car_ore_per_km`]).
//!
//! The schedule also carries which of the organisation's cars are benefit cars whose driver
//! pays the fuel ([`DriverFuelledCars`]): the rates say what such a trip pays, the register
//! which trips those are, and with both in one value every document that prices trips with the
//! organisation's rates (the mileage page, the payroll file, the körjournals, the cost) prices
//! them alike.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::reimbursement::VehicleKind;
use super::vehicle::DriverFuelledCars;
use crate::org::Rates;
use crate::trip::Vehicle;

/// Rates with the day each took effect, oldest first. The first entry also covers any day
/// before it: an organisation has had its first rates for as long as it has had trips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScheduleParts")]
pub struct RateSchedule {
    entries: Vec<(NaiveDate, Rates)>,
    /// The benefit cars whose trips earn the fuel allowance; none unless given.
    #[serde(default)]
    driver_fuelled: DriverFuelledCars,
}

impl RateSchedule {
    /// From `(effective from, rates)` pairs in any order; of two on the same day the last
    /// given wins. `None` when there are none.
    pub fn new(mut entries: Vec<(NaiveDate, Rates)>) -> Option<RateSchedule> {
        if entries.is_empty() {
            return None;
        }
        // A stable sort keeps the given order within a day, so the last one given wins below.
        entries.sort_by_key(|(d, _)| *d);
        let mut out: Vec<(NaiveDate, Rates)> = Vec::with_capacity(entries.len());
        for (d, r) in entries {
            match out.last_mut() {
                Some(last) if last.0 == d => last.1 = r,
                _ => out.push((d, r)),
            }
        }
        Some(RateSchedule {
            entries: out,
            driver_fuelled: DriverFuelledCars::default(),
        })
    }

    /// The same rates, with the register's benefit cars whose driver pays the fuel.
    pub fn with_driver_fuelled(mut self, cars: DriverFuelledCars) -> Self {
        self.driver_fuelled = cars;
        self
    }

    /// How a trip in `vehicle` is priced: own car, service car, or a benefit car whose driver
    /// pays the fuel (with its fuel).
    pub fn kind_of(&self, vehicle: &Vehicle) -> VehicleKind {
        self.driver_fuelled.kind_of(vehicle)
    }

    /// Whether any car earns the fuel allowance (documents then show its rate).
    pub fn has_driver_fuelled(&self) -> bool {
        !self.driver_fuelled.is_empty()
    }

    /// The rates in force on `day`.
    pub fn at(&self, day: NaiveDate) -> Rates {
        let i = self.entries.partition_point(|(d, _)| *d <= day);
        // `new` never builds an empty schedule, so index 0 exists.
        self.entries[i.saturating_sub(1)].1
    }

    /// The changes that take effect after `first` up to and including `last`, for a document
    /// that covers those days and must say that the rate changed within them.
    pub fn changes_within(&self, first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, Rates)> {
        self.entries
            .iter()
            .filter(|(d, _)| first < *d && *d <= last)
            .copied()
            .collect()
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[(NaiveDate, Rates)] {
        &self.entries
    }
}

/// A schedule as it comes over the wire, checked by [`RateSchedule::new`] before use: one
/// without a rate would leave [`RateSchedule::at`] nothing to answer.
#[derive(Deserialize)]
struct ScheduleParts {
    entries: Vec<(NaiveDate, Rates)>,
    #[serde(default)]
    driver_fuelled: DriverFuelledCars,
}

impl TryFrom<ScheduleParts> for RateSchedule {
    type Error = &'static str;

    fn try_from(p: ScheduleParts) -> Result<Self, Self::Error> {
        RateSchedule::new(p.entries)
            .map(|s| s.with_driver_fuelled(p.driver_fuelled))
            .ok_or("a rate schedule needs at least one rate")
    }
}

impl From<Rates> for RateSchedule {
    /// One rate for all time (the field device's own export, tests).
    fn from(r: Rates) -> Self {
        RateSchedule {
            entries: vec![(NaiveDate::MIN, r)],
            driver_fuelled: DriverFuelledCars::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn own(ore: i64) -> Rates {
        Rates {
            own_car_ore_per_km: ore,
            ..Rates::default()
        }
    }

    #[test]
    fn a_rate_applies_from_its_day_until_the_next() {
        let s = RateSchedule::new(vec![
            (d(2026, 7, 1), own(320)),
            (d(2025, 1, 1), own(305)),
            (d(2026, 7, 1), own(325)),
        ])
        .unwrap();
        assert_eq!(s.entries().len(), 2, "one entry per day, the last given");
        assert_eq!(
            s.at(d(2024, 3, 1)).own_car_ore_per_km,
            305,
            "before the first"
        );
        assert_eq!(s.at(d(2026, 6, 30)).own_car_ore_per_km, 305);
        assert_eq!(s.at(d(2026, 7, 1)).own_car_ore_per_km, 325);
        assert_eq!(s.at(d(2027, 1, 1)).own_car_ore_per_km, 325);
        assert_eq!(
            s.changes_within(d(2026, 7, 1), d(2026, 7, 31)),
            vec![],
            "a rate from the first day is no change within the month"
        );
        assert_eq!(s.changes_within(d(2026, 6, 1), d(2026, 7, 31)).len(), 1);
        assert!(RateSchedule::new(vec![]).is_none());
    }
}
