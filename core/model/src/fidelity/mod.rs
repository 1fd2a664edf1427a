//! ACT fidelity for a team over a period, computed from the visits: the six indicators a
//! supervisor follows over the period (caseload, contact frequency, contact hours, share in the
//! community, team approach, network contacts) and the four over a fixed window before its end
//! (retention, intake rate, time-unlimited services, staff continuity; [`program`]), each with
//! its value, DACTS-style 1–5 rating, definition in Swedish and English, and a trend series for
//! a chart; plus the per-client figures of the team overview page ([`overview`]).
//!
//! Pure: the server (or the phone) gathers the team's clients, staff and visits and calls
//! [`compute`]; nothing here reads a database or a clock. The counting rules, stated once:
//! - a visit with several staff is **one** contact for frequency, hours and community share, and
//!   counts **each** of them for the team approach;
//! - only `face_to_face` contacts count as meetings; phone, video and message reach the client
//!   but are not face to face; `attempted` never counts as a contact and is counted apart;
//! - per-client rates are divided by the client-days in care inside the period, so a client
//!   closed before the period (or admitted after it) weighs nothing and one admitted mid-period
//!   weighs only the days in care; visits outside a client's days in care are not counted;
//! - a contact with the network while the client was absent (`client_present == false`)
//!   counts for the network indicator only, never as reaching the client;
//! - a day is the Swedish calendar day of the visit's start ([`swedish_date`]);
//! - a figure about clients' care computed from fewer than three clients is suppressed
//!   ([`Missing::TooFewClients`]); the caseload is about staff and is always shown;
//! - nothing is divided by zero: a value that cannot be computed is `None` with a [`Missing`]
//!   reason.

mod calendar;
pub mod overview;
pub mod program;
mod scale;

#[cfg(test)]
mod tests;

pub use calendar::{Period, swedish_date, swedish_time};
pub use overview::{
    ClientOverview, NotReached, NotReachedLists, OverviewOptions, WeekCounts, client_overview,
    not_reached,
};
pub use scale::{Anchors, DAYS_PER_MONTH, Direction, IndicatorId, Lang, Missing, Rating, Text};

use crate::client::{ClosureReason, Phase};
use crate::ids::ClientId;
use crate::text::Username;
use crate::visit::{ContactKind, Visit};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A client as the fidelity count needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInCare {
    pub id: ClientId,
    /// The current phase; `Closed` without a `closed` date means closed before any period asked
    /// about, so the client is left out.
    pub phase: Phase,
    /// First day in the team's care; `None` = before any period asked about.
    pub admitted: Option<NaiveDate>,
    /// `admitted` is the day the record was first written, not a date a person gave: good
    /// enough for days in care, not for the intake rate or months since admission.
    pub admission_estimated: bool,
    /// The day the client was closed (still in care that day); `None` = not closed, unless the
    /// phase says otherwise.
    pub closed: Option<NaiveDate>,
    /// The primary case manager (*kontaktperson*), for the per-staff caseload.
    pub case_manager: Option<Username>,
    /// Why the care ended (closed clients; `None` read as other).
    pub closure: Option<ClosureReason>,
}

impl ClientInCare {
    /// The days of `period` the client was in care; `None` when there are none.
    pub fn days_in_care(&self, period: &Period) -> Option<Period> {
        if self.phase == Phase::Closed && self.closed.is_none() {
            return None;
        }
        let days = Period::new(
            self.admitted.unwrap_or(period.first),
            self.closed.unwrap_or(period.last),
        )
        .intersect(period);
        (!days.is_empty()).then_some(days)
    }
}

/// Everything the indicators are computed from. The caller passes the team's clients and staff
/// and the visits with those clients (visits with other clients are ignored).
#[derive(Debug, Clone, Copy)]
pub struct FidelityInput<'a> {
    pub period: Period,
    /// The team's case managers during the period, for the caseload ratio.
    pub staff: &'a [Username],
    pub clients: &'a [ClientInCare],
    /// One entry per visit (latest revision); any order.
    pub visits: &'a [Visit],
    /// Staff who left the team in the 24 months up to the period's last day (DACTS H5).
    pub staff_exits: usize,
    /// Figures about clients' care computed from fewer clients than this are suppressed
    /// ([`Missing::TooFewClients`]): [`program::MIN_CLIENTS`] wherever a person reads them; 1
    /// (nothing suppressed) only to check the arithmetic on small cases.
    pub min_clients: usize,
}

/// One point of a trend chart: the indicator over a week or a two-week window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub value: Option<f64>,
    pub rating: Option<Rating>,
}

/// One indicator, ready for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub id: IndicatorId,
    pub dacts_item: &'static str,
    pub label: Text,
    pub definition: Text,
    pub unit: Text,
    pub target: f64,
    pub anchors: Anchors,
    pub value: Option<f64>,
    pub rating: Option<Rating>,
    /// Why `value` is `None`.
    pub missing: Option<Missing>,
    /// Weekly points (calendar weeks clipped to the period); two-week windows for the team
    /// approach; the caseload on the last day of each week.
    pub trend: Vec<TrendPoint>,
}

/// The raw counts behind the indicators, for the dashboard's small print and for checking.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Distinct staff listed for the team.
    pub staff: usize,
    /// Clients in care on the period's last day.
    pub clients_at_end: usize,
    /// Clients in care on at least one day of the period.
    pub clients_in_period: usize,
    /// Sum over clients of their days in care inside the period.
    pub client_days: i64,
    /// Contacts that reached the client (any kind but `attempted`).
    pub reached: u64,
    pub face_to_face: u64,
    /// Face-to-face contacts at home or in the community.
    pub in_community: u64,
    /// Minutes of face-to-face contact (once per visit, however many staff).
    pub face_to_face_minutes: u64,
    /// Reached contacts with family or network taking part.
    pub network: u64,
    /// Of those, contacts with the network while the client was absent.
    pub network_only: u64,
    /// Went out (or called) and did not reach the client.
    pub attempts: u64,
    /// Contacts (any kind that reached someone) outside office hours ([`program::after_hours`]).
    pub after_hours: u64,
}

/// Clients assigned to one case manager, among the clients in care at the period's end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffCaseload {
    pub staff: Username,
    pub clients: usize,
    pub rating: Option<Rating>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FidelityReport {
    pub period: Period,
    /// In [`IndicatorId::ALL`] order.
    pub indicators: Vec<Indicator>,
    pub counts: Counts,
    /// In the order of [`FidelityInput::staff`].
    pub caseloads: Vec<StaffCaseload>,
    /// Clients in care at the end with no case manager, or one not on the staff list.
    pub unassigned: usize,
    /// Share of contacts outside office hours (a proxy for DACTS O4, crisis cover by the team
    /// itself); no DACTS anchors, so no rating. Suppressed under three clients.
    pub after_hours: Option<f64>,
    pub after_hours_missing: Option<Missing>,
    /// Contacts per client-week by months since admission.
    pub by_stage: Vec<program::StagePoint>,
    /// Closures in the 12 months up to the period's last day, behind retention and O7.
    pub closures: program::Closures,
    /// Admissions per calendar month, six months up to the period's last day (O2).
    pub intake: Vec<(NaiveDate, usize)>,
    /// Clients in care at the period's end whose admission date is only estimated.
    pub estimated_admissions: usize,
}

impl FidelityReport {
    pub fn indicator(&self, id: IndicatorId) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// Sums for one stretch of days (the whole period or one week).
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    client_days: i64,
    face_to_face: u64,
    in_community: u64,
    minutes: u64,
    network: u64,
}

impl Tally {
    fn client_weeks(&self) -> f64 {
        self.client_days as f64 / 7.0
    }

    fn per_client_week(&self, n: f64) -> Result<f64, Missing> {
        if self.client_days == 0 {
            return Err(Missing::NoClientsInCare);
        }
        Ok(n / self.client_weeks())
    }

    /// The indicator over this stretch; `clients` is how many clients had days in care in it,
    /// `min` the fewest a figure about their care may come from.
    fn value(
        &self,
        id: IndicatorId,
        staff: usize,
        clients_at_end: usize,
        (clients, min): (usize, usize),
    ) -> Result<f64, Missing> {
        if id != IndicatorId::Caseload && (1..min).contains(&clients) {
            return Err(Missing::TooFewClients);
        }
        match id {
            IndicatorId::Caseload => {
                if staff == 0 {
                    return Err(Missing::NoStaff);
                }
                Ok(clients_at_end as f64 / staff as f64)
            }
            IndicatorId::ContactFrequency => self.per_client_week(self.face_to_face as f64),
            IndicatorId::ContactHours => self.per_client_week(self.minutes as f64 / 60.0),
            IndicatorId::InCommunity => {
                if self.face_to_face == 0 {
                    return Err(Missing::NoFaceToFaceContacts);
                }
                Ok(self.in_community as f64 / self.face_to_face as f64)
            }
            IndicatorId::NetworkContacts => self
                .per_client_week(self.network as f64)
                .map(|w| w / 7.0 * DAYS_PER_MONTH),
            // Counted per window or over a fixed window, not from a tally.
            IndicatorId::TeamApproach
            | IndicatorId::Retention
            | IndicatorId::IntakeRate
            | IndicatorId::TimeUnlimited
            | IndicatorId::StaffContinuity => Err(Missing::PeriodShorterThanTwoWeeks),
        }
    }
}

/// Who met a client face to face in one window: enough to tell one person from several.
#[derive(Debug, Clone, Copy)]
enum Seen<'a> {
    One(&'a Username),
    Several,
}

/// Computes every indicator for the team over `input.period`.
pub fn compute(input: &FidelityInput<'_>) -> FidelityReport {
    let period = input.period;
    let min = input.min_clients.max(1);
    let staff: Vec<&Username> = {
        let mut seen = HashSet::new();
        input.staff.iter().filter(|s| seen.insert(*s)).collect()
    };
    let weeks = period.weeks();
    let windows = period.fortnights();
    // A client listed twice would count their days twice: the first entry wins.
    let mut index: HashMap<ClientId, usize> = HashMap::new();
    let care: Vec<Option<Period>> = input
        .clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let first_entry = *index.entry(c.id).or_insert(i) == i;
            c.days_in_care(&period).filter(|_| first_entry)
        })
        .collect();

    let mut counts = Counts {
        staff: staff.len(),
        ..Counts::default()
    };
    let mut total = Tally::default();
    let mut weekly = vec![Tally::default(); weeks.len()];
    let mut weekly_clients = vec![0usize; weeks.len()];
    for days in care.iter().flatten() {
        counts.clients_in_period += 1;
        if days.contains(period.last) {
            counts.clients_at_end += 1;
        }
        total.client_days += days.days();
        for ((week, tally), n) in weeks.iter().zip(weekly.iter_mut()).zip(&mut weekly_clients) {
            let d = days.intersect(week).days();
            tally.client_days += d;
            *n += usize::from(d > 0);
        }
    }
    counts.client_days = total.client_days;
    let mut met: Vec<(usize, &Visit)> = Vec::new();

    let mut seen: HashMap<(usize, usize), Seen<'_>> = HashMap::new();
    for v in input.visits {
        let Some(&ci) = index.get(&v.client) else {
            continue;
        };
        let day = swedish_date(v.start);
        if !care[ci].is_some_and(|days| days.contains(day)) {
            continue;
        }
        if v.contact == ContactKind::Attempted {
            counts.attempts += 1;
            continue;
        }
        counts.after_hours += u64::from(program::after_hours(v));
        // The day lies inside the period, so it falls in exactly one week and at most one window.
        let wi = week_index(&weeks, day);
        let mut add = |f: &dyn Fn(&mut Tally)| {
            f(&mut total);
            if let Some(t) = wi.and_then(|i| weekly.get_mut(i)) {
                f(t);
            }
        };
        if v.network || !v.client_present {
            add(&|t| t.network += 1);
        }
        if !v.client_present {
            counts.network_only += 1;
            continue;
        }
        counts.reached += 1;
        if v.contact != ContactKind::FaceToFace {
            continue;
        }
        met.push((ci, v));
        let community = v.setting.is_some_and(|s| s.in_community());
        add(&|t| {
            t.face_to_face += 1;
            t.minutes += u64::from(v.minutes);
            t.in_community += u64::from(community);
        });
        if let Some(w) = window_index(&windows, day) {
            for s in &v.staff {
                seen.entry((w, ci))
                    .and_modify(|e| {
                        if let Seen::One(first) = e
                            && *first != s
                        {
                            *e = Seen::Several;
                        }
                    })
                    .or_insert(Seen::One(s));
            }
        }
    }
    counts.face_to_face = total.face_to_face;
    counts.in_community = total.in_community;
    counts.face_to_face_minutes = total.minutes;
    counts.network = total.network;

    let team_trend: Vec<(Period, Result<f64, Missing>)> = windows
        .iter()
        .enumerate()
        .map(|(w, win)| {
            let eligible: Vec<usize> = (0..care.len())
                .filter(|&ci| {
                    care[ci].is_some_and(|days| days.first <= win.first && win.last <= days.last)
                })
                .collect();
            if eligible.is_empty() {
                return (*win, Err(Missing::NoClientsInCare));
            }
            if eligible.len() < min {
                return (*win, Err(Missing::TooFewClients));
            }
            let several = eligible
                .iter()
                .filter(|&&ci| matches!(seen.get(&(w, ci)), Some(Seen::Several)))
                .count();
            (*win, Ok(several as f64 / eligible.len() as f64))
        })
        .collect();

    let closures = program::closures(input.clients, &program::months_back(period.last, 12));
    let indicators = IndicatorId::ALL
        .into_iter()
        .map(|id| {
            let anchors = id.anchors();
            let point = |p: Period, r: Result<f64, Missing>| TrendPoint {
                first: p.first,
                last: p.last,
                rating: r.ok().and_then(|v| anchors.rate(v)),
                value: r.ok(),
            };
            let (value, trend) = if period.is_empty() {
                (Err(Missing::EmptyPeriod), Vec::new())
            } else if id.is_program_item() {
                let value = match id {
                    IndicatorId::Retention => closures.retention(min),
                    IndicatorId::TimeUnlimited => closures.graduation(min),
                    IndicatorId::IntakeRate => program::intake_rate(input.clients, period.last),
                    _ => program::turnover(input.staff_exits, staff.len()),
                };
                (value, Vec::new())
            } else if id == IndicatorId::TeamApproach {
                let shares: Vec<f64> = team_trend.iter().filter_map(|(_, r)| r.ok()).collect();
                let value = if windows.is_empty() {
                    Err(Missing::PeriodShorterThanTwoWeeks)
                } else if shares.is_empty() {
                    Err(team_trend
                        .iter()
                        .find_map(|(_, r)| r.err())
                        .unwrap_or(Missing::NoClientsInCare))
                } else {
                    Ok(shares.iter().sum::<f64>() / shares.len() as f64)
                };
                let trend = team_trend.iter().map(|&(p, r)| point(p, r)).collect();
                (value, trend)
            } else {
                let value = total.value(
                    id,
                    staff.len(),
                    counts.clients_at_end,
                    (counts.clients_in_period, min),
                );
                let trend = weeks
                    .iter()
                    .zip(&weekly)
                    .zip(&weekly_clients)
                    .map(|((week, tally), n)| {
                        let at_end = care
                            .iter()
                            .flatten()
                            .filter(|days| days.contains(week.last))
                            .count();
                        point(*week, tally.value(id, staff.len(), at_end, (*n, min)))
                    })
                    .collect();
                (value, trend)
            };
            Indicator {
                id,
                dacts_item: id.dacts_item(),
                label: id.label(),
                definition: id.definition(),
                unit: id.unit(),
                target: id.target(),
                anchors,
                rating: value.ok().and_then(|v| anchors.rate(v)),
                value: value.ok(),
                missing: value.err(),
                trend,
            }
        })
        .collect();

    let at_end: Vec<&ClientInCare> = input
        .clients
        .iter()
        .zip(&care)
        .filter(|(_, days)| days.is_some_and(|d| d.contains(period.last)))
        .map(|(c, _)| c)
        .collect();
    let caseloads: Vec<StaffCaseload> = staff
        .iter()
        .map(|&s| {
            let n = at_end
                .iter()
                .filter(|c| c.case_manager.as_ref() == Some(s))
                .count();
            StaffCaseload {
                staff: s.clone(),
                clients: n,
                rating: IndicatorId::Caseload.anchors().rate(n as f64),
            }
        })
        .collect();
    let unassigned = at_end
        .iter()
        .filter(|c| c.case_manager.as_ref().is_none_or(|m| !staff.contains(&m)))
        .count();

    let contacts = counts.reached + counts.network_only;
    let after_hours = match counts.clients_in_period {
        0 => Err(Missing::NoClientsInCare),
        n if n < min => Err(Missing::TooFewClients),
        _ if contacts == 0 => Err(Missing::NoFaceToFaceContacts),
        _ => Ok(counts.after_hours as f64 / contacts as f64),
    };
    let estimated_admissions = at_end.iter().filter(|c| c.admission_estimated).count();
    FidelityReport {
        period,
        indicators,
        counts,
        caseloads,
        unassigned,
        after_hours: after_hours.ok(),
        after_hours_missing: after_hours.err(),
        by_stage: program::by_stage(input.clients, &care, &met, min),
        closures,
        intake: program::intake_by_month(input.clients, period.last),
        estimated_admissions,
    }
}

/// The index of the week (from [`Period::weeks`]) holding `day`, by arithmetic: a visit list can
/// be long and a year has 53 weeks.
fn week_index(weeks: &[Period], day: NaiveDate) -> Option<usize> {
    let first = weeks.first()?;
    let monday = first.first.week(chrono::Weekday::Mon).checked_first_day()?;
    let i = usize::try_from((day - monday).num_days() / 7).ok()?;
    weeks.get(i).filter(|w| w.contains(day)).map(|_| i)
}

/// The index of the two-week window (from [`Period::fortnights`], oldest first) holding `day`.
fn window_index(windows: &[Period], day: NaiveDate) -> Option<usize> {
    let last = windows.last()?.last;
    let back = usize::try_from((last - day).num_days() / 14).ok()?;
    let i = windows.len().checked_sub(back + 1)?;
    windows.get(i).filter(|w| w.contains(day)).map(|_| i)
}
