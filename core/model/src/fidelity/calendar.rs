//! Days as the team lives them: the Swedish calendar date of a visit, periods of whole days, and
//! the weeks and two-week windows the indicators are counted over.
//!
//! Visits carry UTC times, but a visit at 00:30 on a Monday in Kalix is Monday's visit, not
//! Sunday's; the Swedish offset (EU summer time rule) is computed here rather than pulling a
//! time-zone database into the pure model.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// The calendar date in Sweden (Europe/Stockholm) of an instant.
///
/// Sweden follows the EU rule since 1996: UTC+2 from 01:00 UTC on the last Sunday of March to
/// 01:00 UTC on the last Sunday of October, UTC+1 otherwise.
pub fn swedish_date(t: DateTime<Utc>) -> NaiveDate {
    swedish_time(t).date()
}

/// The wall-clock time in Sweden of an instant (see [`swedish_date`] for the rule): what a
/// körjournal made on the server writes as a trip's date and time.
pub fn swedish_time(t: DateTime<Utc>) -> NaiveDateTime {
    let year = t.year();
    // Only March and October hold a switch; the other months need no calendar arithmetic, which
    // matters when a region's visits are counted.
    let summer = match t.month() {
        4..=9 => true,
        3 => switch_instant(year, 3).is_some_and(|start| t >= start),
        10 => switch_instant(year, 10).is_some_and(|end| t < end),
        _ => false,
    };
    let offset = if summer { 2 } else { 1 };
    t.checked_add_signed(Duration::hours(offset))
        .unwrap_or(t)
        .naive_utc()
}

/// 01:00 UTC on the last Sunday of `month`.
fn switch_instant(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let first_of_next = NaiveDate::from_ymd_opt(year, month + 1, 1)?;
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    let sunday = last - Duration::days(i64::from(back));
    Some(sunday.and_hms_opt(1, 0, 0)?.and_utc())
}

/// A period of whole days, both ends included. `last < first` is an empty period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    pub fn new(first: NaiveDate, last: NaiveDate) -> Period {
        Period { first, last }
    }

    /// Number of days, 0 for an empty period.
    pub fn days(&self) -> i64 {
        ((self.last - self.first).num_days() + 1).max(0)
    }

    pub fn is_empty(&self) -> bool {
        self.days() == 0
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.first <= d && d <= self.last
    }

    /// The days both periods share (possibly empty).
    pub fn intersect(&self, other: &Period) -> Period {
        Period {
            first: self.first.max(other.first),
            last: self.last.min(other.last),
        }
    }

    /// The calendar weeks (Monday–Sunday) that touch the period, clipped to it: the first and
    /// last may be shorter than seven days. Empty for an empty period.
    pub fn weeks(&self) -> Vec<Period> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        let mut start = self.first;
        while start <= self.last {
            let end = start
                .week(Weekday::Mon)
                .checked_last_day()
                .map_or(self.last, |sunday| sunday.min(self.last));
            out.push(Period::new(start, end));
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        out
    }

    /// Whole 14-day windows counted back from the last day, oldest first. Days at the start that
    /// do not fill a window are left out, so every window weighs the same and the latest
    /// fortnight is always a full one.
    pub fn fortnights(&self) -> Vec<Period> {
        let n = self.days() / 14;
        (0..n)
            .rev()
            .map(|k| {
                let last = self.last - Duration::days(14 * k);
                Period::new(last - Duration::days(13), last)
            })
            .collect()
    }
}
