//! What the outcomes add up to: inpatient stays, days and emergency-room visits in the 12 months
//! before a client came to the team against each full 12 months in the team, per client and for
//! the team, and how housing, occupation and satisfaction moved.
//!
//! Two rules keep the comparison honest. A year after admission counts only once it is over and
//! the client was in the team all of it (a client who left after five months has no "first year"),
//! and the team's "before" for year *k* is summed over exactly the clients who completed year *k*,
//! so each row compares the same people. Inpatient days are nights, as in the national patient
//! register (discharge day minus admission day); a stay still going counts up to today.
//!
//! Team figures about fewer than [`crate::fidelity::program::MIN_CLIENTS`] clients are withheld (`None`), as on the
//! fidelity page (docs/fidelity.md gives the reasoning).

use super::{Event, Housing, Occupation, Outcome, Respondent};
use crate::ids::ClientId;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most years after admission compared; ACT is time-unlimited, a table is not.
pub const MAX_YEARS: u32 = 10;

/// One client's outcomes with the days that frame them.
#[derive(Debug, Clone, Copy)]
pub struct ClientOutcomes<'a> {
    pub client: ClientId,
    pub admitted: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub outcomes: &'a [&'a Outcome],
}

/// Stays, days and emergency visits within a span of days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Stays begun in the span.
    pub admissions: u32,
    /// Of those, under LPT/LRV or LVM.
    pub compulsory: u32,
    /// Nights in inpatient care within the span, whenever the stay began.
    pub inpatient_days: u32,
    pub emergency_visits: u32,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, o: Tally) {
        self.admissions += o.admissions;
        self.compulsory += o.compulsory;
        self.inpatient_days += o.inpatient_days;
        self.emergency_visits += o.emergency_visits;
    }
}

/// The tally of `outcomes` over the days `from..to` (end exclusive), counting a stay without a
/// discharge day up to `today`.
pub fn tally(outcomes: &[&Outcome], from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Tally {
    let mut t = Tally::default();
    for o in outcomes {
        match o.event {
            Event::Inpatient {
                discharged,
                compulsory,
                ..
            } => {
                if (from..to).contains(&o.day) {
                    t.admissions += 1;
                    t.compulsory += u32::from(compulsory);
                }
                let end = discharged.unwrap_or(today.max(o.day));
                let nights = (end.min(to) - o.day.max(from)).num_days();
                t.inpatient_days += u32::try_from(nights.max(0)).unwrap_or(u32::MAX);
            }
            Event::Emergency if (from..to).contains(&o.day) => t.emergency_visits += 1,
            _ => {}
        }
    }
    t
}

/// One client's 12 months before admission and each full year in the team since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientComparison {
    pub client: ClientId,
    pub admitted: NaiveDate,
    pub before: Tally,
    /// Year 1, 2, … after admission, complete years in the team only.
    pub after: Vec<Tally>,
}

fn shift(day: NaiveDate, months: u32) -> Option<NaiveDate> {
    day.checked_add_months(Months::new(months))
}

/// The comparison for one client as of `today`.
pub fn compare(c: &ClientOutcomes, today: NaiveDate) -> ClientComparison {
    let start = c
        .admitted
        .checked_sub_months(Months::new(12))
        .unwrap_or(NaiveDate::MIN);
    let before = tally(c.outcomes, start, c.admitted, today);
    let mut after = Vec::new();
    for year in 1..=MAX_YEARS {
        let (Some(from), Some(to)) = (
            shift(c.admitted, 12 * (year - 1)),
            shift(c.admitted, 12 * year),
        ) else {
            break;
        };
        // In the team the whole year: over by today, and not closed before its last day.
        let last = to.pred_opt().unwrap_or(to);
        if to > today || c.closed_on.is_some_and(|closed| closed < last) {
            break;
        }
        after.push(tally(c.outcomes, from, to, today));
    }
    ClientComparison {
        client: c.client,
        admitted: c.admitted,
        before,
        after,
    }
}

/// The team's row for year *k* after admission: the clients who completed it, their 12 months
/// before and their year *k*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamYear {
    pub year: u32,
    pub clients: usize,
    /// `None` when fewer than `min_clients` clients are behind the row.
    pub before: Option<Tally>,
    pub after: Option<Tally>,
}

/// Rows for each year some client completed, year 1 first.
pub fn team_years(comparisons: &[ClientComparison], min_clients: usize) -> Vec<TeamYear> {
    let longest = comparisons.iter().map(|c| c.after.len()).max().unwrap_or(0);
    (1..=longest)
        .map(|year| {
            let mut before = Tally::default();
            let mut after = Tally::default();
            let mut clients = 0;
            for c in comparisons {
                if let Some(a) = c.after.get(year - 1) {
                    before += c.before;
                    after += *a;
                    clients += 1;
                }
            }
            let shown = clients >= min_clients;
            TeamYear {
                year: u32::try_from(year).unwrap_or(u32::MAX),
                clients,
                before: shown.then_some(before),
                after: shown.then_some(after),
            }
        })
        .collect()
}

/// The latest `T` recorded on or before `day`, by the outcome's day (the later-recorded of two on
/// the same day wins: ids are time-ordered).
fn latest_on<T: Copy>(
    outcomes: &[&Outcome],
    day: NaiveDate,
    pick: impl Fn(&Event) -> Option<T>,
) -> Option<T> {
    outcomes
        .iter()
        .filter(|o| o.day <= day)
        .filter_map(|o| pick(&o.event).map(|v| (o.day, o.id, v)))
        .max_by_key(|(d, id, _)| (*d, *id))
        .map(|(_, _, v)| v)
}

/// How long after admission what the team learns still counts as "at admission": staff often
/// hear about housing and days at the first visits, not on the day itself.
pub const AT_ADMISSION_GRACE_DAYS: i64 = 30;

/// Counts by category at admission and now; categories with 1 to `min_clients − 1` clients are
/// withheld (`None`), and the whole table is empty when fewer than `min_clients` clients are in
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shift<T: Ord> {
    pub clients: usize,
    pub at_admission: BTreeMap<T, Option<usize>>,
    pub now: BTreeMap<T, Option<usize>>,
    /// Clients with nothing recorded, at admission and now.
    pub unknown: (usize, usize),
}

fn shift_of<T: Ord + Copy>(
    clients: &[ClientOutcomes],
    today: NaiveDate,
    min_clients: usize,
    pick: impl Fn(&Event) -> Option<T> + Copy,
) -> Option<Shift<T>> {
    if clients.len() < min_clients {
        return None;
    }
    let mut at: BTreeMap<T, usize> = BTreeMap::new();
    let mut now: BTreeMap<T, usize> = BTreeMap::new();
    let mut unknown = (0, 0);
    for c in clients {
        let grace = c.admitted + chrono::Duration::days(AT_ADMISSION_GRACE_DAYS);
        match latest_on(c.outcomes, grace.min(today), pick) {
            Some(v) => *at.entry(v).or_default() += 1,
            None => unknown.0 += 1,
        }
        let end = c.closed_on.map_or(today, |d| d.min(today));
        match latest_on(c.outcomes, end, pick) {
            Some(v) => *now.entry(v).or_default() += 1,
            None => unknown.1 += 1,
        }
    }
    let hide = |m: BTreeMap<T, usize>| {
        m.into_iter()
            .map(|(k, n)| (k, (n >= min_clients).then_some(n)))
            .collect()
    };
    Some(Shift {
        clients: clients.len(),
        at_admission: hide(at),
        now: hide(now),
        unknown,
    })
}

/// Where the clients lived at admission and where they live now (or lived when they left).
pub fn housing_shift(
    clients: &[ClientOutcomes],
    today: NaiveDate,
    min_clients: usize,
) -> Option<Shift<Housing>> {
    shift_of(clients, today, min_clients, |e| match e {
        Event::Housing { housing } => Some(*housing),
        _ => None,
    })
}

/// What the clients did in the day at admission and now.
pub fn occupation_shift(
    clients: &[ClientOutcomes],
    today: NaiveDate,
    min_clients: usize,
) -> Option<Shift<Occupation>> {
    shift_of(clients, today, min_clients, |e| match e {
        Event::Occupation { occupation } => Some(*occupation),
        _ => None,
    })
}

/// The satisfaction answers of one calendar year from one kind of respondent: the mean of each
/// question over those who answered it, withheld below `min_clients` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Satisfaction {
    pub year: i32,
    pub respondent: Respondent,
    /// Forms counted (each client's or relative's latest of the year).
    pub answered: usize,
    pub means: [Option<f64>; 4],
}

/// One row per year and respondent, oldest first. Of one client's forms in a year, from the
/// same kind of respondent, the latest counts: the form is yearly.
pub fn satisfaction(clients: &[ClientOutcomes], min_clients: usize) -> Vec<Satisfaction> {
    let mut latest: BTreeMap<(i32, Respondent, ClientId), &Outcome> = BTreeMap::new();
    for c in clients {
        for o in c.outcomes {
            if let Event::Satisfaction { respondent, .. } = o.event {
                let key = (o.day.year(), respondent, c.client);
                let keep = latest
                    .get(&key)
                    .is_none_or(|k| (k.day, k.id) < (o.day, o.id));
                if keep {
                    latest.insert(key, o);
                }
            }
        }
    }
    let mut rows: BTreeMap<(i32, Respondent), Vec<[Option<u8>; 4]>> = BTreeMap::new();
    for ((year, respondent, _), o) in latest {
        if let Event::Satisfaction { answers, .. } = o.event {
            rows.entry((year, respondent)).or_default().push(answers);
        }
    }
    rows.into_iter()
        .map(|((year, respondent), forms)| {
            let means = std::array::from_fn(|q| {
                let given: Vec<u8> = forms.iter().filter_map(|f| f[q]).collect();
                (given.len() >= min_clients)
                    .then(|| given.iter().map(|&a| f64::from(a)).sum::<f64>() / given.len() as f64)
            });
            Satisfaction {
                year,
                respondent,
                answered: forms.len(),
                means,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{day, outcome};
    use super::super::{Care, Source};
    use super::*;

    fn stay(from: NaiveDate, to: Option<NaiveDate>, compulsory: bool) -> Outcome {
        outcome(
            from,
            Event::Inpatient {
                care: Care::Psychiatric,
                discharged: to,
                compulsory,
            },
        )
    }

    #[test]
    fn nights_are_counted_within_the_span_whenever_the_stay_began() {
        // In 28 Dec – out 5 Jan: 8 nights, 4 of them in December, 4 in January.
        let s = stay(day(2025, 12, 28), Some(day(2026, 1, 5)), true);
        let e = outcome(day(2026, 1, 3), Event::Emergency);
        let all = [&s, &e];
        let dec = tally(&all, day(2025, 12, 1), day(2026, 1, 1), day(2026, 6, 1));
        assert_eq!(
            dec,
            Tally {
                admissions: 1,
                compulsory: 1,
                inpatient_days: 4,
                emergency_visits: 0
            }
        );
        let jan = tally(&all, day(2026, 1, 1), day(2026, 2, 1), day(2026, 6, 1));
        assert_eq!(
            jan,
            Tally {
                admissions: 0,
                compulsory: 0,
                inpatient_days: 4,
                emergency_visits: 1
            }
        );
        // A same-day stay is an admission with no nights; a stay still going counts to today.
        let same = stay(day(2026, 2, 10), Some(day(2026, 2, 10)), false);
        let open = stay(day(2026, 5, 20), None, false);
        let t = tally(
            &[&same, &open],
            day(2026, 1, 1),
            day(2027, 1, 1),
            day(2026, 6, 1),
        );
        assert_eq!(t.admissions, 2);
        assert_eq!(t.compulsory, 0);
        assert_eq!(t.inpatient_days, 12);
    }

    #[test]
    fn a_client_admitted_mid_year_compares_only_full_years_in_the_team() {
        // Admitted 15 June 2024. Before: 15 Jun 2023 – 14 Jun 2024. Today 1 Sep 2026: year 1
        // (to 14 Jun 2025) and year 2 (to 14 Jun 2026) are over; year 3 is not.
        let before = stay(day(2023, 9, 1), Some(day(2023, 9, 21)), true); // 20 nights
        let edge = stay(day(2024, 6, 10), Some(day(2024, 6, 20)), false); // 5 + 5 nights
        let y1 = outcome(day(2025, 2, 1), Event::Emergency);
        let too_early = stay(day(2023, 6, 1), Some(day(2023, 6, 5)), false); // before the window
        let all = [&before, &edge, &y1, &too_early];
        let c = ClientOutcomes {
            client: ClientId::new(),
            admitted: day(2024, 6, 15),
            closed_on: None,
            outcomes: &all,
        };
        let cmp = compare(&c, day(2026, 9, 1));
        assert_eq!(
            cmp.before,
            Tally {
                admissions: 2,
                compulsory: 1,
                inpatient_days: 25,
                emergency_visits: 0
            }
        );
        assert_eq!(cmp.after.len(), 2);
        assert_eq!(
            cmp.after[0],
            Tally {
                admissions: 0,
                compulsory: 0,
                inpatient_days: 5,
                emergency_visits: 1
            }
        );
        assert_eq!(cmp.after[1], Tally::default());

        // Closed in the second year: only year 1 counts. Closed on the last day of year 2:
        // both.
        let closed = |on| {
            compare(
                &ClientOutcomes {
                    closed_on: Some(on),
                    ..c
                },
                day(2026, 9, 1),
            )
        };
        assert_eq!(closed(day(2026, 1, 10)).after.len(), 1);
        assert_eq!(closed(day(2026, 6, 14)).after.len(), 2);
    }

    #[test]
    fn team_rows_compare_the_same_clients_and_hide_small_rows() {
        let mk = |admissions: u32, after: Vec<u32>| ClientComparison {
            client: ClientId::new(),
            admitted: day(2024, 1, 1),
            before: Tally {
                admissions,
                inpatient_days: admissions * 10,
                ..Tally::default()
            },
            after: after
                .into_iter()
                .map(|a| Tally {
                    admissions: a,
                    inpatient_days: a * 10,
                    ..Tally::default()
                })
                .collect(),
        };
        let comparisons = [
            mk(3, vec![1, 0]),
            mk(2, vec![0, 0]),
            mk(4, vec![2]),
            mk(1, vec![]),
        ];
        let rows = team_years(&comparisons, 3);
        assert_eq!(rows.len(), 2);
        // Year 1: the three clients who completed it, before 3 + 2 + 4, after 1 + 0 + 2; the
        // fourth client (no full year) is in neither.
        assert_eq!(rows[0].year, 1);
        assert_eq!(rows[0].clients, 3);
        assert_eq!(rows[0].before.unwrap().admissions, 9);
        assert_eq!(rows[0].before.unwrap().inpatient_days, 90);
        assert_eq!(rows[0].after.unwrap().admissions, 3);
        // Year 2: two clients, withheld.
        assert_eq!(rows[1].clients, 2);
        assert_eq!(rows[1].before, None);
        assert_eq!(rows[1].after, None);
        assert_eq!(team_years(&comparisons, 2)[1].after.unwrap().admissions, 0);
    }

    fn lives(on: NaiveDate, housing: Housing) -> Outcome {
        outcome(on, Event::Housing { housing })
    }

    #[test]
    fn housing_at_admission_and_now_with_small_cells_withheld() {
        let admitted = day(2025, 1, 10);
        // Three homeless at admission (one told in the first weeks), now two own, one secondhand;
        // a fourth nothing recorded.
        let a = [
            lives(day(2024, 11, 1), Housing::Homeless),
            lives(day(2025, 8, 1), Housing::Own),
        ];
        let b = [
            lives(day(2025, 1, 25), Housing::Homeless),
            lives(day(2025, 9, 1), Housing::Own),
        ];
        let c = [
            lives(day(2025, 1, 1), Housing::Homeless),
            lives(day(2025, 3, 1), Housing::Secondhand),
            // Recorded after the client left: not "now".
            lives(day(2026, 3, 1), Housing::Homeless),
        ];
        let (a, b, c): (Vec<&Outcome>, Vec<&Outcome>, Vec<&Outcome>) =
            (a.iter().collect(), b.iter().collect(), c.iter().collect());
        let client = |outcomes, closed_on| ClientOutcomes {
            client: ClientId::new(),
            admitted,
            closed_on,
            outcomes,
        };
        let clients = [
            client(&a, None),
            client(&b, None),
            client(&c, Some(day(2026, 1, 1))),
            client(&[], None),
        ];
        let s = housing_shift(&clients, day(2026, 6, 1), 3).unwrap();
        assert_eq!(s.clients, 4);
        assert_eq!(s.at_admission.get(&Housing::Homeless), Some(&Some(3)));
        assert_eq!(s.now[&Housing::Own], None, "2 clients: withheld");
        assert!(s.now.contains_key(&Housing::Secondhand));
        assert_eq!(s.now[&Housing::Secondhand], None);
        assert_eq!(s.unknown, (1, 1));
        let shown = housing_shift(&clients, day(2026, 6, 1), 1).unwrap();
        assert_eq!(shown.now[&Housing::Own], Some(2));
        assert_eq!(shown.now[&Housing::Secondhand], Some(1));
        assert_eq!(housing_shift(&clients[..2], day(2026, 6, 1), 3), None);
        assert_eq!(
            occupation_shift(&clients, day(2026, 6, 1), 3)
                .unwrap()
                .unknown,
            (4, 4)
        );
    }

    #[test]
    fn satisfaction_means_count_each_clients_latest_form_of_the_year() {
        let form = |on, answers| Outcome {
            source: Source::Client,
            ..outcome(
                on,
                Event::Satisfaction {
                    respondent: Respondent::Client,
                    answers,
                },
            )
        };
        let a1 = form(day(2026, 3, 1), [Some(1), Some(1), Some(1), Some(1)]);
        let a2 = form(day(2026, 9, 1), [Some(4), Some(5), None, Some(3)]);
        let b = form(day(2026, 5, 1), [Some(5), Some(4), Some(5), Some(4)]);
        let c = form(day(2026, 6, 1), [Some(3), None, Some(4), Some(2)]);
        let (a, b, c) = ([&a1, &a2], [&b], [&c]);
        let client = |outcomes| ClientOutcomes {
            client: ClientId::new(),
            admitted: day(2024, 1, 1),
            closed_on: None,
            outcomes,
        };
        let rows = satisfaction(&[client(&a), client(&b), client(&c)], 3);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].year, 2026);
        assert_eq!(rows[0].answered, 3);
        // Q1: (4 + 5 + 3) / 3 = 4.0; Q2: two answers, withheld; Q3: two answers (a's latest
        // left it out), withheld; Q4: (3 + 4 + 2) / 3 = 3.0.
        assert_eq!(rows[0].means, [Some(4.0), None, None, Some(3.0)]);
    }
}
