//! The items a team is rated on over a fixed window before the period's end rather than over
//! the period: retention (DACTS S2) and time-unlimited services (O7) over 12 months, the intake
//! rate (O2) over six calendar months, staff continuity (H5) over 24 months; plus two figures
//! without DACTS anchors: the share of contacts outside office hours (a proxy for O4, the team's
//! own crisis cover) and contact intensity by months since admission ("kontakten brukar vara
//! tätast i början").
//!
//! Every figure that describes clients' care is suppressed when fewer than
//! [`MIN_CLIENTS`] clients are behind it (docs/fidelity.md gives the reasoning).

use chrono::{Datelike, Months, NaiveDate, Timelike, Weekday};
use serde::Serialize;

use super::calendar::{Period, swedish_time};
use super::{ClientInCare, Missing, Text};
use crate::client::ClosureReason;
use crate::visit::Visit;

/// The fewest clients a figure about their care may be computed from.
pub const MIN_CLIENTS: usize = 3;

/// The window of `months` calendar months ending on `last` (inclusive).
pub fn months_back(last: NaiveDate, months: u32) -> Period {
    let first = last
        .checked_sub_months(Months::new(months))
        .and_then(|d| d.succ_opt())
        .unwrap_or(last);
    Period::new(first, last)
}

/// Closures in a window, by reason, for the retention and time-unlimited items.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Closures {
    /// Clients in care on at least one day of the window.
    pub in_care: usize,
    /// Closed inside the window, per reason in [`ClosureReason::ALL`] order.
    pub by_reason: Vec<(ClosureReason, usize)>,
}

impl Closures {
    fn count(&self, pick: impl Fn(ClosureReason) -> bool) -> usize {
        self.by_reason
            .iter()
            .filter(|(r, _)| pick(*r))
            .map(|(_, n)| n)
            .sum()
    }

    fn share(&self, n: usize, min: usize) -> Result<f64, Missing> {
        match self.in_care {
            0 => Err(Missing::NoClientsInCare),
            c if c < min => Err(Missing::TooFewClients),
            c => Ok(n as f64 / c as f64),
        }
    }

    /// DACTS S2: the share of clients in care who did not leave as drop-outs.
    pub fn retention(&self, min: usize) -> Result<f64, Missing> {
        self.share(self.count(ClosureReason::is_dropout), min)
            .map(|dropped| 1.0 - dropped)
    }

    /// DACTS O7: the share of clients in care who left as done (goals reached or stepped down).
    pub fn graduation(&self, min: usize) -> Result<f64, Missing> {
        self.share(
            self.count(|r| matches!(r, ClosureReason::GoalReached | ClosureReason::SteppedDown)),
            min,
        )
    }
}

/// Who was in care in `window` and who was closed in it, and why.
pub fn closures(clients: &[ClientInCare], window: &Period) -> Closures {
    let mut by_reason: Vec<(ClosureReason, usize)> =
        ClosureReason::ALL.into_iter().map(|r| (r, 0)).collect();
    let mut in_care = 0;
    for c in clients {
        if c.days_in_care(window).is_none() {
            continue;
        }
        in_care += 1;
        if let Some(closed) = c.closed
            && window.contains(closed)
        {
            let reason = c.closure.unwrap_or(ClosureReason::Other);
            if let Some(slot) = by_reason.iter_mut().find(|(r, _)| *r == reason) {
                slot.1 += 1;
            }
        }
    }
    Closures { in_care, by_reason }
}

/// Admissions per calendar month for the six months ending with `last`'s month (oldest
/// first), counting confirmed admission dates only: an estimate is the day the record was first
/// written, and a team that started using Uppsök would otherwise show all its clients admitted
/// in one month.
pub fn intake_by_month(clients: &[ClientInCare], last: NaiveDate) -> Vec<(NaiveDate, usize)> {
    let this_month = last.with_day(1).unwrap_or(last);
    (0..6u32)
        .rev()
        .filter_map(|back| this_month.checked_sub_months(Months::new(back)))
        .map(|month| {
            let n = clients
                .iter()
                .filter(|c| !c.admission_estimated)
                .filter_map(|c| c.admitted)
                .filter(|a| a.year() == month.year() && a.month() == month.month() && *a <= last)
                .count();
            (month, n)
        })
        .collect()
}

/// DACTS O2: the highest month of [`intake_by_month`].
pub fn intake_rate(clients: &[ClientInCare], last: NaiveDate) -> Result<f64, Missing> {
    if !clients
        .iter()
        .any(|c| !c.admission_estimated && c.admitted.is_some())
    {
        return Err(Missing::NoConfirmedAdmissions);
    }
    Ok(intake_by_month(clients, last)
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0) as f64)
}

/// DACTS H5: staff who left in the 24 months, per current staff member.
pub fn turnover(exits: usize, staff: usize) -> Result<f64, Missing> {
    if staff == 0 {
        return Err(Missing::NoStaff);
    }
    Ok(exits as f64 / staff as f64)
}

/// Outside office hours in Sweden: before 08:00, from 17:00, or on a Saturday or Sunday.
/// Public holidays are not known to the model and count as weekdays.
pub fn after_hours(v: &Visit) -> bool {
    let t = swedish_time(v.start);
    matches!(t.weekday(), Weekday::Sat | Weekday::Sun) || t.hour() < 8 || t.hour() >= 17
}

/// Whole months from `admitted` to `day` (0 in the first month of care).
pub fn months_in_care(admitted: NaiveDate, day: NaiveDate) -> u32 {
    let months = (day.year() - admitted.year()) * 12 + day.month() as i32
        - admitted.month() as i32
        - i32::from(day.day() < admitted.day());
    u32::try_from(months).unwrap_or(0)
}

/// The stages of care the intensity chart groups months into: first, second and third month,
/// then 3–5, 6–11, 12–23 and 24 or more.
pub const CARE_STAGES: [(u32, Option<u32>); 7] = [
    (0, Some(0)),
    (1, Some(1)),
    (2, Some(2)),
    (3, Some(5)),
    (6, Some(11)),
    (12, Some(23)),
    (24, None),
];

fn stage_of(months: u32) -> usize {
    CARE_STAGES
        .iter()
        .position(|(lo, hi)| months >= *lo && hi.is_none_or(|h| months <= h))
        .unwrap_or(CARE_STAGES.len() - 1)
}

/// Face-to-face contacts per client-week in one stage of care.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StagePoint {
    /// First and last month since admission (0 = the first month); `None`: open-ended.
    pub from_month: u32,
    pub to_month: Option<u32>,
    /// Distinct clients with days in this stage inside the period.
    pub clients: usize,
    pub client_days: i64,
    pub face_to_face: u64,
    /// Contacts per client-week; `None` when suppressed or without client-days.
    pub value: Option<f64>,
    pub missing: Option<Missing>,
}

impl StagePoint {
    pub fn label(&self) -> Text {
        const LABELS: [Text; 7] = [
            Text {
                sv: "Månad 1",
                en: "Month 1",
            },
            Text {
                sv: "Månad 2",
                en: "Month 2",
            },
            Text {
                sv: "Månad 3",
                en: "Month 3",
            },
            Text {
                sv: "Månad 4–6",
                en: "Months 4–6",
            },
            Text {
                sv: "Månad 7–12",
                en: "Months 7–12",
            },
            Text {
                sv: "År 2",
                en: "Year 2",
            },
            Text {
                sv: "År 3 och senare",
                en: "Year 3 and later",
            },
        ];
        LABELS[stage_of(self.from_month)]
    }
}

/// Contact intensity by stage of care inside `period`: client-days and face-to-face contacts
/// with the client present, by months since a confirmed admission. `care[i]` is the days in care
/// of `clients[i]` inside the period (as `compute` found them).
pub fn by_stage(
    clients: &[ClientInCare],
    care: &[Option<Period>],
    visits: &[(usize, &Visit)],
    min: usize,
) -> Vec<StagePoint> {
    let mut days = [0i64; CARE_STAGES.len()];
    let mut contacts = [0u64; CARE_STAGES.len()];
    let mut who: [Vec<usize>; CARE_STAGES.len()] = Default::default();
    for (ci, c) in clients.iter().enumerate() {
        let (Some(span), Some(admitted), false) = (care[ci], c.admitted, c.admission_estimated)
        else {
            continue;
        };
        for day in span.first.iter_days().take_while(|d| *d <= span.last) {
            let s = stage_of(months_in_care(admitted, day));
            days[s] += 1;
            if who[s].last() != Some(&ci) {
                who[s].push(ci);
            }
        }
    }
    for (ci, v) in visits {
        let c = &clients[*ci];
        if let (Some(admitted), false) = (c.admitted, c.admission_estimated) {
            let day = super::swedish_date(v.start);
            contacts[stage_of(months_in_care(admitted, day))] += 1;
        }
    }
    CARE_STAGES
        .iter()
        .enumerate()
        .map(|(s, (lo, hi))| {
            let value = match (who[s].len(), days[s]) {
                (_, 0) => Err(Missing::NoClientsInCare),
                (n, _) if n < min => Err(Missing::TooFewClients),
                (_, d) => Ok(contacts[s] as f64 / (d as f64 / 7.0)),
            };
            StagePoint {
                from_month: *lo,
                to_month: *hi,
                clients: who[s].len(),
                client_days: days[s],
                face_to_face: contacts[s],
                value: value.ok(),
                missing: value.err(),
            }
        })
        .collect()
}
