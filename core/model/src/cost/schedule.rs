//! An organisation's hourly staff cost over time (*timkostnad*: salary with social fees and
//! other personnel costs, per paid hour), each from the day it took effect, like the mileage
//! rates ([`crate::mileage::RateSchedule`]): an hour worked is priced with the cost in force on
//! the day it was worked, so a new cost (a wage round) never re-prices earlier months.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, invalid};

/// The highest hourly cost taken, öre (5 000 kr): above it the figure is a typing error.
pub const ORE_PER_HOUR_MAX: i64 = 500_000;

/// Checks an hourly cost in öre: 1 öre to [`ORE_PER_HOUR_MAX`].
pub fn check_ore_per_hour(ore: i64) -> Result<(), ValidationError> {
    if !(1..=ORE_PER_HOUR_MAX).contains(&ore) {
        return invalid(
            "per_hour",
            format!(
                "must be between 0.01 and {} kr per hour",
                ORE_PER_HOUR_MAX / 100
            ),
        );
    }
    Ok(())
}

/// A cost typed in kronor ("480", "480,50", "480.5") as öre.
pub fn parse_kronor_per_hour(s: &str) -> Result<i64, ValidationError> {
    let kr: f64 = s
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| ValidationError::new("per_hour", "must be kronor like 480 or 480,50"))?;
    if !kr.is_finite() {
        return invalid("per_hour", "must be kronor like 480 or 480,50");
    }
    // Checked finite; the range check below catches anything the cast saturated.
    let ore = (kr * 100.0).round() as i64;
    check_ore_per_hour(ore)?;
    Ok(ore)
}

/// Hourly costs with the day each took effect, oldest first. The first entry also covers any
/// day before it, as with the mileage rates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCostSchedule {
    entries: Vec<(NaiveDate, i64)>,
}

impl StaffCostSchedule {
    /// From `(effective from, öre per hour)` pairs in any order; of two on the same day the last
    /// given wins. `None` when there are none.
    pub fn new(mut entries: Vec<(NaiveDate, i64)>) -> Option<StaffCostSchedule> {
        if entries.is_empty() {
            return None;
        }
        // Stable: the given order stays within a day, so the last one given wins below.
        entries.sort_by_key(|(d, _)| *d);
        let mut out: Vec<(NaiveDate, i64)> = Vec::with_capacity(entries.len());
        for (d, ore) in entries {
            match out.last_mut() {
                Some(last) if last.0 == d => last.1 = ore,
                _ => out.push((d, ore)),
            }
        }
        Some(StaffCostSchedule { entries: out })
    }

    /// The cost per hour in force on `day`, öre.
    pub fn at(&self, day: NaiveDate) -> i64 {
        let i = self.entries.partition_point(|(d, _)| *d <= day);
        // `new` never builds an empty schedule, so index 0 exists.
        self.entries[i.saturating_sub(1)].1
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[(NaiveDate, i64)] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_cost_applies_from_its_day_until_the_next() {
        let s = StaffCostSchedule::new(vec![
            (d(2026, 4, 1), 50_000),
            (d(2025, 1, 1), 48_000),
            (d(2026, 4, 1), 49_500),
        ])
        .unwrap();
        assert_eq!(s.entries().len(), 2);
        assert_eq!(s.at(d(2024, 6, 1)), 48_000, "before the first");
        assert_eq!(s.at(d(2026, 3, 31)), 48_000);
        assert_eq!(s.at(d(2026, 4, 1)), 49_500, "the last given on a day wins");
        assert!(StaffCostSchedule::new(vec![]).is_none());
    }

    #[test]
    fn kronor_are_parsed_and_bounded() {
        assert_eq!(parse_kronor_per_hour("480").unwrap(), 48_000);
        assert_eq!(parse_kronor_per_hour(" 480,50 ").unwrap(), 48_050);
        assert_eq!(parse_kronor_per_hour("560.5").unwrap(), 56_050);
        for bad in ["", "abc", "0", "-5", "5001", "NaN", "inf"] {
            assert_eq!(
                parse_kronor_per_hour(bad).unwrap_err().field,
                "per_hour",
                "{bad}"
            );
        }
    }
}
