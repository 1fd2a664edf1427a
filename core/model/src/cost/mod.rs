//! What the team costs: the direct cost of its work with clients, per client, month, member of
//! staff, organisation (the municipality's and the region's share) and for the team, and the
//! **kronor per client and month** a politician asks about.
//!
//! What the direct cost includes, stated once (docs/cost.md gives the reasoning):
//! - **staff time in contacts**: a visit's minutes × each member of staff present (a two-staff
//!   visit costs both), priced with the hourly staff cost of each one's organisation in force on
//!   the Swedish day of the visit; contacts with the client, with the network alone and failed
//!   attempts are counted apart;
//! - **travel time**: a trip's end − start, priced with the driver's organisation's hourly cost;
//! - **mileage paid**: the trip's reimbursement by the existing mileage rules
//!   ([`crate::mileage::reimburse`], tax-free and taxable apart).
//!
//! It leaves out everything not recorded as a contact or a trip (documentation, meetings,
//! supervision, leave, premises): the **full staff cost** ([`Staffing`]: members × full-time
//! hours × hourly cost) is shown beside it when the team's staffing is set.
//!
//! Money is in öre (`i64`). Every priced line (one member of staff on one visit, one trip) is
//! rounded to whole öre once, and every figure is a sum of such lines, so the months add up to
//! the year, the organisations and the members of staff to the team, to the öre. A trip with
//! several clients splits its minutes, km and money equally between them; the öre left over go
//! one each to the first clients by id, so the shares add up to the trip.
//!
//! A figure per client and month computed from fewer than [`crate::fidelity::program::MIN_CLIENTS`]
//! clients is withheld (`None`), as on the fidelity page.

pub mod schedule;

pub use schedule::{
    ORE_PER_HOUR_MAX, StaffCostSchedule, check_ore_per_hour, parse_kronor_per_hour,
};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::fidelity::swedish_date;
use crate::ids::{ClientId, OrgId};
use crate::mileage::{MileageError, RateSchedule, business_km, reimburse};
use crate::text::Username;
use crate::trip::Trip;
use crate::visit::{ContactKind, Visit};

/// Full time: 40 hours a week for 52 weeks, the paid hours of a full-time post a year. An hourly
/// cost with social fees times these hours is the post's yearly cost (holidays and leave are
/// paid hours too).
pub const FULL_TIME_HOURS_PER_YEAR: i64 = 2080;

/// A client's days in the team's care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSpan {
    pub id: ClientId,
    pub admitted: NaiveDate,
    /// The last day in care, for a closed client.
    pub closed_on: Option<NaiveDate>,
}

impl ClientSpan {
    /// In care on some day from `first` to `last`.
    pub fn in_care_within(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.admitted <= last && self.closed_on.is_none_or(|c| c >= first)
    }
}

/// A trip as the cost sees it: priced once, by the mileage rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripCost {
    pub driver: Username,
    /// The Swedish day the trip began.
    pub day: NaiveDate,
    /// End − start, whole minutes; 0 for a trip without an end time.
    pub travel_minutes: i64,
    pub has_end: bool,
    /// The distance driven at the körjournal's 0.1 km, in hundredths of a km.
    pub centi_km: i64,
    pub tax_free_ore: i64,
    pub taxable_ore: i64,
    /// The clients visited on the trip (the clients of its visits), each once.
    pub clients: Vec<ClientId>,
}

impl TripCost {
    /// Prices `trip` as the körjournal does: its business km (a trip from home less the
    /// driver's home–workplace distance, `home_work_deci_km`), the rates of the driver's
    /// organisation in force on the day, and Skatteverket's tax-free share.
    pub fn new(
        trip: &Trip,
        rates: &RateSchedule,
        home_work_deci_km: i64,
        mut clients: Vec<ClientId>,
    ) -> Result<TripCost, MileageError> {
        let day = swedish_date(trip.start);
        let km = business_km(trip.km, trip.from_home, home_work_deci_km);
        let kind = rates.kind_of(&trip.vehicle);
        let r = reimburse(&rates.at(day), kind, day, km)?;
        clients.sort();
        clients.dedup();
        Ok(TripCost {
            driver: trip.driver.clone(),
            day,
            travel_minutes: trip
                .end
                .map_or(0, |end| (end - trip.start).num_minutes().max(0)),
            has_end: trip.end.is_some(),
            // The km driven (not only the business part) is the road time's distance.
            centi_km: reimburse(&rates.at(day), kind, day, trip.km)?.centi_km,
            tax_free_ore: r.tax_free_ore,
            taxable_ore: r.taxable_ore,
            clients,
        })
    }
}

/// The team's staffing from an organisation, for the full staff cost: how many full-time posts
/// (in hundredths: 250 is 2.5 posts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staffing {
    pub org: OrgId,
    pub fte_hundredths: i64,
}

/// What the cost is computed from. Visits and trips outside `first..=last` are ignored.
#[derive(Debug, Clone, Copy)]
pub struct CostInput<'a> {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub clients: &'a [ClientSpan],
    pub visits: &'a [Visit],
    pub trips: &'a [TripCost],
    /// Each member of staff's organisation.
    pub staff_org: &'a BTreeMap<Username, OrgId>,
    /// Each organisation's hourly staff cost.
    pub hourly: &'a BTreeMap<OrgId, StaffCostSchedule>,
    /// Empty when no staffing is set: then there is no full staff cost.
    pub staffing: &'a [Staffing],
    pub min_clients: usize,
}

/// Minutes, km and money of one slice (a client, a month, a member of staff, an organisation,
/// the team).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Staff-minutes in contacts that reached the client (minutes × staff present).
    pub contact_minutes: i64,
    /// Staff-minutes in contacts with the client's network while the client was absent.
    pub network_minutes: i64,
    /// Staff-minutes on failed attempts.
    pub attempt_minutes: i64,
    /// Minutes on the road (a trip's end − start; the driver's).
    pub travel_minutes: i64,
    /// Staff-minutes of a member of staff whose organisation has no hourly cost set: counted,
    /// but priced at nothing.
    pub unpriced_minutes: i64,
    /// Km driven, in hundredths.
    pub centi_km: i64,
    /// Face-to-face contacts with the client (one per visit, however many staff).
    pub face_to_face: u32,
    pub trips: u32,
    /// Trips without an end time (their road time is unknown and counts as 0).
    pub trips_without_end: u32,
    /// Staff time in contacts, network contacts and attempts, priced.
    pub contact_cost_ore: i64,
    /// Travel time, priced.
    pub travel_cost_ore: i64,
    pub tax_free_ore: i64,
    pub taxable_ore: i64,
}

impl Totals {
    /// The direct cost: staff time in contacts and on the road plus mileage.
    pub fn total_ore(&self) -> i64 {
        self.contact_cost_ore + self.travel_cost_ore + self.tax_free_ore + self.taxable_ore
    }

    pub fn mileage_ore(&self) -> i64 {
        self.tax_free_ore + self.taxable_ore
    }

    /// Staff time recorded in contacts, attempts and on the road.
    pub fn staff_minutes(&self) -> i64 {
        self.contact_minutes + self.network_minutes + self.attempt_minutes + self.travel_minutes
    }

    fn share(&self, part: i64) -> Option<f64> {
        let all = self.staff_minutes();
        (all > 0).then(|| part as f64 / all as f64)
    }

    /// The share of the recorded staff time spent on failed attempts.
    pub fn attempt_share(&self) -> Option<f64> {
        self.share(self.attempt_minutes)
    }

    /// The share of the recorded staff time spent on the road.
    pub fn road_share(&self) -> Option<f64> {
        self.share(self.travel_minutes)
    }

    /// Km per face-to-face contact.
    pub fn km_per_face_to_face(&self) -> Option<f64> {
        (self.face_to_face > 0).then(|| self.centi_km as f64 / 100.0 / f64::from(self.face_to_face))
    }

    /// Road minutes per face-to-face contact.
    pub fn travel_minutes_per_face_to_face(&self) -> Option<f64> {
        (self.face_to_face > 0).then(|| self.travel_minutes as f64 / f64::from(self.face_to_face))
    }

    fn add(&mut self, o: &Totals) {
        self.contact_minutes += o.contact_minutes;
        self.network_minutes += o.network_minutes;
        self.attempt_minutes += o.attempt_minutes;
        self.travel_minutes += o.travel_minutes;
        self.unpriced_minutes += o.unpriced_minutes;
        self.centi_km += o.centi_km;
        self.face_to_face += o.face_to_face;
        self.trips += o.trips;
        self.trips_without_end += o.trips_without_end;
        self.contact_cost_ore += o.contact_cost_ore;
        self.travel_cost_ore += o.travel_cost_ore;
        self.tax_free_ore += o.tax_free_ore;
        self.taxable_ore += o.taxable_ore;
    }
}

/// One calendar month of the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCost {
    /// The month's first day.
    pub month: NaiveDate,
    /// Clients in care on some day of the month (one client-month each).
    pub clients: usize,
    pub totals: Totals,
    /// The direct cost per client in care; `None` under `min_clients` clients.
    pub per_client_ore: Option<i64>,
    /// The full staff cost of the month (staffing set), `None` without staffing.
    pub full_ore: Option<i64>,
    /// The full staff cost per client in care; `None` without staffing or under `min_clients`.
    pub full_per_client_ore: Option<i64>,
}

/// The cost of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub team: Totals,
    pub months: Vec<MonthCost>,
    pub by_org: BTreeMap<OrgId, Totals>,
    pub by_staff: BTreeMap<Username, Totals>,
    /// Per client: for a reader who may see that client, never in a team total.
    pub by_client: BTreeMap<ClientId, Totals>,
    /// Clients in care some day of the period.
    pub clients: usize,
    /// Σ clients in care per month.
    pub client_months: usize,
    /// The direct cost per client and month over the period; `None` under `min_clients`
    /// clients.
    pub per_client_month_ore: Option<i64>,
    /// The full staff cost of the period per organisation (staffing set).
    pub full_by_org: BTreeMap<OrgId, i64>,
    pub full_per_client_month_ore: Option<i64>,
}

impl CostReport {
    pub fn full_ore(&self) -> Option<i64> {
        (!self.full_by_org.is_empty()).then(|| self.full_by_org.values().sum())
    }
}

/// `a / b` rounded half up, for öre per client (`b > 0`).
fn div_round(a: i64, b: i64) -> i64 {
    (2 * a + b).div_euclid(2 * b)
}

/// `minutes × öre per hour / 60`, rounded half up to whole öre: one priced line.
pub fn price_minutes(minutes: i64, ore_per_hour: i64) -> i64 {
    div_round(minutes * ore_per_hour, 60)
}

/// `x` split into `n` parts that differ by at most 1 and add up to `x`; the larger parts
/// first. `n > 0`.
fn split(x: i64, n: usize) -> Vec<i64> {
    let n_i = i64::try_from(n).unwrap_or(i64::MAX).max(1);
    let base = x.div_euclid(n_i);
    let rest = x.rem_euclid(n_i);
    (0..n_i).map(|i| base + i64::from(i < rest)).collect()
}

/// The first day of `day`'s month.
pub fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn month_last(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first)
}

/// The months of `first..=last`, each by its first day.
pub fn months_within(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = month_of(first);
    while m <= last {
        out.push(m);
        match m.checked_add_months(Months::new(1)) {
            Some(next) => m = next,
            None => break,
        }
    }
    out
}

/// The full staff cost of `staffing` over the days `first..=last`: posts × full-time hours a
/// year ÷ days in the year × the hourly cost in force each day, rounded once to whole öre.
pub fn full_cost_ore(
    staffing: &Staffing,
    hourly: &StaffCostSchedule,
    first: NaiveDate,
    last: NaiveDate,
) -> i64 {
    // Σ fte_hundredths × hours × öre/h / (100 × days in year), as one fraction per year so
    // the rounding is once per year's part.
    let mut total = 0i64;
    let mut day = first;
    let mut num: i128 = 0;
    let mut year = first.year();
    let days_in = |y: i32| -> i128 {
        if NaiveDate::from_ymd_opt(y, 2, 29).is_some() {
            366
        } else {
            365
        }
    };
    while day <= last {
        if day.year() != year {
            total += round_i128(num, 100 * days_in(year));
            num = 0;
            year = day.year();
        }
        num += i128::from(staffing.fte_hundredths)
            * i128::from(FULL_TIME_HOURS_PER_YEAR)
            * i128::from(hourly.at(day));
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    total + round_i128(num, 100 * days_in(year))
}

fn round_i128(a: i128, b: i128) -> i64 {
    i64::try_from((2 * a + b).div_euclid(2 * b)).unwrap_or(i64::MAX)
}

/// Computes the cost of the period.
pub fn compute(input: &CostInput) -> CostReport {
    let months = months_within(input.first, input.last);
    let mut by_month: BTreeMap<NaiveDate, Totals> =
        months.iter().map(|m| (*m, Totals::default())).collect();
    let mut team = Totals::default();
    let mut by_org: BTreeMap<OrgId, Totals> = BTreeMap::new();
    let mut by_staff: BTreeMap<Username, Totals> = BTreeMap::new();
    let mut by_client: BTreeMap<ClientId, Totals> = BTreeMap::new();
    let in_period = |d: NaiveDate| input.first <= d && d <= input.last;
    let rate = |who: &Username, day: NaiveDate| -> Option<(OrgId, i64)> {
        let org = *input.staff_org.get(who)?;
        Some((org, input.hourly.get(&org)?.at(day)))
    };

    for v in input.visits {
        let day = swedish_date(v.start);
        if !in_period(day) {
            continue;
        }
        let minutes = i64::from(v.minutes);
        // A visit always has its author among the staff; an old record without the list is
        // the author's alone.
        let mut staff: Vec<&Username> = v.staff.iter().collect();
        if staff.is_empty() {
            staff.push(&v.author);
        }
        staff.sort();
        staff.dedup();
        let face = v.contact == ContactKind::FaceToFace && v.client_present;
        let mut visit = Totals {
            face_to_face: u32::from(face),
            ..Totals::default()
        };
        let mut orgs_present = BTreeSet::new();
        for who in staff {
            let mut line = Totals::default();
            match (v.contact, v.client_present) {
                (ContactKind::Attempted, _) => line.attempt_minutes = minutes,
                (_, false) => line.network_minutes = minutes,
                (_, true) => line.contact_minutes = minutes,
            }
            match rate(who, day) {
                Some((org, ore)) => {
                    line.contact_cost_ore = price_minutes(minutes, ore);
                    let org_line = by_org.entry(org).or_default();
                    org_line.add(&line);
                    if face && orgs_present.insert(org) {
                        org_line.face_to_face += 1;
                    }
                }
                None => line.unpriced_minutes = minutes,
            }
            let staff_line = by_staff.entry(who.clone()).or_default();
            staff_line.add(&line);
            staff_line.face_to_face += u32::from(face);
            visit.add(&line);
        }
        team.add(&visit);
        by_client.entry(v.client).or_default().add(&visit);
        by_month.entry(month_of(day)).or_default().add(&visit);
    }

    for t in input.trips {
        if !in_period(t.day) {
            continue;
        }
        let mut trip = Totals {
            travel_minutes: t.travel_minutes,
            centi_km: t.centi_km,
            trips: 1,
            trips_without_end: u32::from(!t.has_end),
            tax_free_ore: t.tax_free_ore,
            taxable_ore: t.taxable_ore,
            ..Totals::default()
        };
        match rate(&t.driver, t.day) {
            Some((org, ore)) => {
                trip.travel_cost_ore = price_minutes(t.travel_minutes, ore);
                by_org.entry(org).or_default().add(&trip);
            }
            None => trip.unpriced_minutes = t.travel_minutes,
        }
        team.add(&trip);
        by_staff.entry(t.driver.clone()).or_default().add(&trip);
        by_month.entry(month_of(t.day)).or_default().add(&trip);
        let n = t.clients.len();
        if n > 0 {
            let parts = [
                split(trip.travel_minutes, n),
                split(trip.unpriced_minutes, n),
                split(trip.centi_km, n),
                split(trip.travel_cost_ore, n),
                split(trip.tax_free_ore, n),
                split(trip.taxable_ore, n),
            ];
            for (i, c) in t.clients.iter().enumerate() {
                by_client.entry(*c).or_default().add(&Totals {
                    travel_minutes: parts[0][i],
                    unpriced_minutes: parts[1][i],
                    centi_km: parts[2][i],
                    travel_cost_ore: parts[3][i],
                    tax_free_ore: parts[4][i],
                    taxable_ore: parts[5][i],
                    trips: 1,
                    trips_without_end: trip.trips_without_end,
                    ..Totals::default()
                });
            }
        }
    }

    let full_month = |m: NaiveDate| -> BTreeMap<OrgId, i64> {
        let first = m.max(input.first);
        let last = month_last(m).min(input.last);
        input
            .staffing
            .iter()
            .filter_map(|s| {
                let h = input.hourly.get(&s.org)?;
                Some((s.org, full_cost_ore(s, h, first, last)))
            })
            .collect()
    };
    let mut full_by_org: BTreeMap<OrgId, i64> = BTreeMap::new();
    let mut client_months = 0;
    let month_rows: Vec<MonthCost> = by_month
        .into_iter()
        .map(|(m, totals)| {
            let clients = input
                .clients
                .iter()
                .filter(|c| c.in_care_within(m, month_last(m)))
                .count();
            client_months += clients;
            let full = full_month(m);
            for (org, ore) in &full {
                *full_by_org.entry(*org).or_default() += ore;
            }
            let full_ore = (!full.is_empty()).then(|| full.values().sum::<i64>());
            let shown = clients >= input.min_clients && clients > 0;
            let per = |ore: i64| shown.then(|| div_round(ore, clients as i64));
            MonthCost {
                month: m,
                clients,
                per_client_ore: per(totals.total_ore()),
                full_per_client_ore: full_ore.and_then(per),
                full_ore,
                totals,
            }
        })
        .collect();
    let clients = input
        .clients
        .iter()
        .filter(|c| c.in_care_within(input.first, input.last))
        .count();
    let shown = clients >= input.min_clients && client_months > 0;
    let per = |ore: i64| shown.then(|| div_round(ore, client_months as i64));
    CostReport {
        first: input.first,
        last: input.last,
        per_client_month_ore: per(team.total_ore()),
        full_per_client_month_ore: (!full_by_org.is_empty())
            .then(|| full_by_org.values().sum::<i64>())
            .and_then(per),
        team,
        months: month_rows,
        by_org,
        by_staff,
        by_client,
        clients,
        client_months,
        full_by_org,
    }
}

/// Staffing beside the two ratios the debate uses: clients per full-time post in the team, in
/// Piteå's assumption for case management (2 staff per 10 clients: 5 per post) and in housing
/// support (*boendestöd*: 45–50 people per post).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StaffingComparison {
    /// Clients in care on the day compared.
    pub clients: usize,
    /// Full-time posts (or members, when no staffing is set), in hundredths.
    pub posts_hundredths: i64,
}

/// Piteå's assumption: at most ten clients for two staff.
pub const PITEA_CLIENTS_PER_POST: f64 = 5.0;
/// Housing support: each member of staff supports 45 to 50 people.
pub const HOUSING_SUPPORT_CLIENTS_PER_POST: (f64, f64) = (45.0, 50.0);

impl StaffingComparison {
    /// Clients per post; `None` without posts.
    pub fn clients_per_post(&self) -> Option<f64> {
        (self.posts_hundredths > 0)
            .then(|| self.clients as f64 * 100.0 / self.posts_hundredths as f64)
    }

    /// Staff per ten clients; `None` without clients.
    pub fn posts_per_ten_clients(&self) -> Option<f64> {
        (self.clients > 0)
            .then(|| self.posts_hundredths as f64 / 100.0 * 10.0 / self.clients as f64)
    }
}

#[cfg(test)]
mod tests;
