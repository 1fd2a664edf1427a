//! "Kostnad och resultat": what the team's work costs, per client and month over the year, by
//! organisation (the municipality's and the region's share) and by member of staff, with the
//! shares of time on failed attempts and on the road and the team's staffing beside Piteå's
//! assumption and housing support; and the yearly follow-up PDF (*Verksamhetsuppföljning*)
//! built from the same figures.
//!
//! Computed over the whole team — both organisations' contacts and trips — so every supervisor
//! of the team sees the same figures, as on the fidelity page. Trips are each organisation's own
//! business (`access::may_see_trip`): the other organisation's mileage reaches a supervisor only
//! as sums ([`access::may_see_trip_totals`]); the staff table shows road time, km and mileage for
//! the viewer's own organisation's members only, and no page lists a trip or a client. Figures per
//! client and month from fewer than three clients are withheld (`uppsok_model::cost`).
//!
//! The page and the PDF are lists of sections ([`PageSection`], [`followup_pdf::Section`]); the
//! last is the outcomes ("Utfall", [`super::outcomes`]): the team's figures for the clients the
//! viewer may see, as of the end of the year shown (a year in the team counts once it is over).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::cost::{
    self, ClientSpan, CostInput, CostReport, HOUSING_SUPPORT_CLIENTS_PER_POST,
    PITEA_CLIENTS_PER_POST, StaffingComparison, Totals, TripCost,
};
use uppsok_model::fidelity::{FidelityReport, Lang, Period, program, swedish_date};
use uppsok_model::{ClientId, OrgId, OrgKind, Phase, Role, Username, VisitId};
use uppsok_report::followup_pdf::{self, Bar, Block, FollowUpDoc, Section};

use super::charts::{TrendPoint, value_bars};
use super::html::{Nav, esc};
use super::i18n::{self, money, num, percent, tr};
use super::outcomes;
use super::{Dash, DashError, DashResult};
use crate::access;
use crate::state::AppState;
use crate::store::dashboard as data;
use crate::store::{AuditAction, AuditEntry, OrgRow, TeamRow};

#[derive(Debug, Deserialize)]
pub struct CostQuery {
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    year: Option<String>,
}

/// One section of the page: an id for its anchor, its heading and its body.
#[derive(Debug, Clone)]
pub struct PageSection {
    pub id: &'static str,
    pub title: String,
    pub html: String,
}

/// A member of staff as the page shows them.
#[derive(Debug, Clone)]
struct Member {
    name: String,
    org: OrgId,
}

/// The figures of one team and year, for the page and the PDF.
pub struct TeamCost {
    pub team: TeamRow,
    pub year: i32,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub report: CostReport,
    orgs: Vec<OrgRow>,
    members: BTreeMap<Username, Member>,
    pub staffing: StaffingComparison,
    /// Whether the posts come from the staffing the admin set (else: active case managers).
    pub staffing_set: bool,
    /// Organisations with staff time in the figures but no hourly cost set.
    unpriced: Vec<String>,
}

/// The year asked for: `?year=`, else this one; from 2000 to this year.
fn parse_year(s: Option<&str>, today: NaiveDate) -> DashResult<i32> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today.year()),
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2000..=today.year()).contains(&y) => Ok(y),
            _ => Err(DashError::BadRequest(format!(
                "Fältet year ska vara ett år från 2000 till {}.",
                today.year()
            ))),
        },
    }
}

/// The midnight (UTC) starting `day`, in ms.
fn day_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or(0)
}

/// Loads the whole team's clients, contacts, trips, staff and costs and computes the year up
/// to `today`. Not the viewer's share: the figures are the team's.
pub async fn team_cost(
    state: &AppState,
    team: TeamRow,
    year: i32,
    today: NaiveDate,
) -> DashResult<TeamCost> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let last = NaiveDate::from_ymd_opt(year, 12, 31)
        .unwrap_or(today)
        .min(today);
    let all = data::team_clients(&state.store, team.id).await?;
    let first_written = data::first_written(&state.store, team.id).await?;
    let ms_day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(swedish_date)
            .unwrap_or(today)
    };
    let spans: Vec<ClientSpan> = all
        .iter()
        .map(|c| {
            let written = first_written
                .get(&c.client.id)
                .copied()
                .map_or(today, ms_day);
            ClientSpan {
                id: c.client.id,
                admitted: c.client.admission(written).date,
                closed_on: (c.client.phase == Phase::Closed)
                    .then(|| c.client.closed_on.unwrap_or_else(|| ms_day(c.updated_ms))),
            }
        })
        .collect();
    // A day's slack on each side: a Swedish day starts before UTC's; the model keeps the year.
    let (from_ms, to_ms) = (
        day_ms(first - Duration::days(1)),
        day_ms(last + Duration::days(2)),
    );
    let visits = data::visit_facts(
        &state.store,
        data::FactsFor::TeamTotals,
        team.id,
        &all,
        from_ms,
        to_ms,
    )
    .await?;
    let client_of: HashMap<VisitId, ClientId> = visits.iter().map(|v| (v.id, v.client)).collect();
    let by_code: HashMap<&str, ClientId> = all
        .iter()
        .map(|c| (c.client.code.as_str(), c.client.id))
        .collect();

    let orgs = state.store.list_orgs().await?;
    let staff = state.store.list_staff(None, None).await?;
    let members: BTreeMap<Username, Member> = staff
        .iter()
        .filter_map(|s| {
            Some((
                Username::parse(&s.username).ok()?,
                Member {
                    name: s.name.clone(),
                    org: s.org,
                },
            ))
        })
        .collect();
    let staff_org: BTreeMap<Username, OrgId> =
        members.iter().map(|(u, m)| (u.clone(), m.org)).collect();

    let mut trips = Vec::new();
    let mut rates = HashMap::new();
    let mut home_work = HashMap::new();
    for (org, trip) in state
        .store
        .team_trips_for_totals(team.id, from_ms, to_ms)
        .await?
    {
        if let std::collections::hash_map::Entry::Vacant(e) = rates.entry(org) {
            e.insert(state.store.rate_schedule(org).await?);
            home_work.insert(org, state.store.home_work_distances(org).await?);
        }
        // The clients visited: those of the trip's contacts, else the client code it names.
        let mut clients: Vec<ClientId> = trip
            .visits
            .iter()
            .filter_map(|v| client_of.get(v).copied())
            .collect();
        if clients.is_empty()
            && let Some(c) = trip.visited.as_deref().and_then(|c| by_code.get(c.trim()))
        {
            clients.push(*c);
        }
        let deduct = home_work
            .get(&org)
            .and_then(|h: &HashMap<String, i64>| h.get(trip.driver.as_str()))
            .copied()
            .unwrap_or(0);
        let Some(schedule) = rates.get(&org) else {
            continue;
        };
        // A stored trip passed validation (km within 0–2 000); one that cannot be priced is
        // corrupt and stops the page rather than being left out of a total silently.
        let priced = TripCost::new(&trip, schedule, deduct, clients).map_err(|_| {
            DashError::Store(crate::store::StoreError::Corrupt(
                "a trip's distance cannot be priced".into(),
            ))
        })?;
        trips.push(priced);
    }
    let hourly = state.store.staff_cost_schedules().await?;
    let staffing = state.store.team_staffing(team.id).await?;
    let report = cost::compute(&CostInput {
        first,
        last,
        clients: &spans,
        visits: &visits,
        trips: &trips,
        staff_org: &staff_org,
        hourly: &hourly,
        staffing: &staffing,
        min_clients: program::MIN_CLIENTS,
    });
    let caseload = spans
        .iter()
        .filter(|c| c.in_care_within(last, last))
        .count();
    let posts: i64 = staffing.iter().map(|s| s.fte_hundredths).sum();
    let case_managers = staff
        .iter()
        .filter(|s| s.active && s.role == Role::CaseManager && s.teams.contains(&team.id))
        .count();
    let (posts, staffing_set) = if posts > 0 {
        (posts, true)
    } else {
        (i64::try_from(case_managers).unwrap_or(0) * 100, false)
    };
    let mut unpriced: Vec<String> = report
        .by_staff
        .iter()
        .filter(|(_, t)| t.unpriced_minutes > 0)
        .filter_map(|(u, _)| members.get(u))
        .filter_map(|m| orgs.iter().find(|o| o.id == m.org))
        .map(|o| o.name.clone())
        .collect();
    unpriced.sort();
    unpriced.dedup();
    Ok(TeamCost {
        team,
        year,
        first,
        last,
        report,
        orgs,
        members,
        staffing: StaffingComparison {
            clients: caseload,
            posts_hundredths: posts,
        },
        staffing_set,
        unpriced,
    })
}

impl TeamCost {
    fn org_name(&self, id: OrgId) -> String {
        self.orgs
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| "?".to_owned(), |o| o.name.clone())
    }

    fn org_kind(&self, l: Lang, id: OrgId) -> &'static str {
        match self.orgs.iter().find(|o| o.id == id).map(|o| o.kind) {
            Some(OrgKind::Municipality) => tr(l, "kommun", "municipality"),
            Some(OrgKind::Region) => tr(l, "region", "region"),
            None => "",
        }
    }
}

fn hours(l: Lang, minutes: i64) -> String {
    num(l, minutes as f64 / 60.0, 1)
}

fn km(l: Lang, centi_km: i64) -> String {
    num(l, centi_km as f64 / 100.0, 1)
}

fn opt(l: Lang, v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| tr(l, "–", "–").to_owned(), f)
}

/// Whole kronor, for the figures a politician reads ("5 210 kr").
fn kronor(l: Lang, ore: i64) -> String {
    let whole = (ore + 50).div_euclid(100) * 100;
    let m = money(l, whole);
    match l {
        Lang::Sv => m.replace(",00", ""),
        Lang::En => m.replace(".00", ""),
    }
}

/// A count of clients as the page shows it: 1–2 is shown as such, as on the fidelity page.
fn clients_shown(l: Lang, n: usize) -> String {
    if n > 0 && n < program::MIN_CLIENTS {
        tr(l, "1–2", "1–2").to_owned()
    } else {
        n.to_string()
    }
}

/// What the direct cost includes, said once on the page and in the PDF.
fn includes(l: Lang) -> &'static str {
    tr(
        l,
        "Direkt kostnad = personalens tid i kontakter (minuter × antal personal, även nätverkskontakter \
         och misslyckade försök) och på väg (resans sluttid − starttid), prissatt med varje organisations \
         timkostnad inklusive sociala avgifter, plus utbetald milersättning (skattefri och skattepliktig). \
         Dokumentation, möten, handledning, ledighet och lokaler ingår inte; därför visas också hela \
         personalkostnaden när teamets bemanning är angiven (tjänster × 2 080 timmar per år × timkostnad). \
         Kronor per klient och månad: kostnaden delad med antal klientmånader (klienter i vård någon dag i månaden).",
        "Direct cost = staff time in contacts (minutes × staff present, network contacts and failed \
         attempts included) and on the road (a trip's end − start), priced with each organisation's \
         hourly cost including social fees, plus mileage paid (tax-free and taxable). Documentation, \
         meetings, supervision, leave and premises are not included; so the full staff cost is shown too \
         when the team's staffing is set (posts × 2,080 hours a year × hourly cost). Kronor per client \
         and month: the cost divided by the client-months (clients in care on some day of the month).",
    )
}

fn summary_section(l: Lang, c: &TeamCost) -> PageSection {
    let r = &c.report;
    let withheld = tr(
        l,
        "visas inte (färre än 3 klienter)",
        "not shown (fewer than 3 clients)",
    );
    let per = r
        .per_client_month_ore
        .map_or_else(|| withheld.to_owned(), |o| kronor(l, o));
    let mut html = format!(
        "<p class=\"big\">{} <strong id=\"per-client-month\">{}</strong></p>",
        tr(
            l,
            "Direkt kostnad per klient och månad:",
            "Direct cost per client and month:"
        ),
        esc(&per)
    );
    if let Some(full) = r.full_per_client_month_ore {
        let _ = write!(
            html,
            "<p>{} <strong id=\"full-per-client-month\">{}</strong></p>",
            tr(
                l,
                "Hela personalkostnaden per klient och månad:",
                "Full staff cost per client and month:"
            ),
            esc(&kronor(l, full))
        );
    }
    let _ = write!(
        html,
        "<p>{} {} – {}: {} <strong>{}</strong> · {} {} · {} {}</p><p class=\"muted\">{}</p>",
        tr(l, "Perioden", "The period"),
        i18n::date(c.first),
        i18n::date(c.last),
        tr(l, "direkt kostnad", "direct cost"),
        esc(&money(l, r.team.total_ore())),
        clients_shown(l, r.clients),
        tr(l, "klienter i vård", "clients in care"),
        r.client_months,
        tr(l, "klientmånader", "client-months"),
        includes(l),
    );
    if !c.unpriced.is_empty() {
        let _ = write!(
            html,
            "<p class=\"notice\">{} {}</p>",
            tr(
                l,
                "Ingen timkostnad är angiven för (deras tid räknas men prissätts inte):",
                "No hourly cost is set for (their time is counted but not priced):"
            ),
            esc(&c.unpriced.join(", "))
        );
    }
    PageSection {
        id: "summary",
        title: tr(
            l,
            "Kostnad per klient och månad",
            "Cost per client and month",
        )
        .into(),
        html,
    }
}

fn months_section(l: Lang, c: &TeamCost) -> PageSection {
    let labels: Vec<String> = c
        .report
        .months
        .iter()
        .map(|m| m.month.format("%Y-%m").to_string())
        .collect();
    let points: Vec<TrendPoint<'_>> = c
        .report
        .months
        .iter()
        .zip(&labels)
        .map(|(m, label)| TrendPoint {
            label,
            value: m.per_client_ore.map(|o| o as f64 / 100.0),
        })
        .collect();
    let chart = value_bars(
        tr(
            l,
            "Direkt kostnad per klient och månad, kronor",
            "Direct cost per client and month, kronor",
        ),
        &points,
        &|v| kronor(l, (v * 100.0).round() as i64),
    );
    let mut rows = String::new();
    for (m, label) in c.report.months.iter().zip(&labels) {
        let t = &m.totals;
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{label}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            clients_shown(l, m.clients),
            esc(&money(l, t.contact_cost_ore)),
            esc(&money(l, t.travel_cost_ore)),
            esc(&money(l, t.mileage_ore())),
            esc(&money(l, t.total_ore())),
            esc(&opt(l, m.per_client_ore.map(|o| o as f64), |o| kronor(
                l, o as i64
            ))),
        );
    }
    let t = &c.report.team;
    let html = format!(
        "<figure><figcaption>{}</figcaption>{chart}</figure>\
         <table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>{rows}</tbody>\
         <tfoot><tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot></table>",
        tr(
            l,
            "Månader med färre än 3 klienter i vård har ingen stapel.",
            "Months with fewer than 3 clients in care have no bar."
        ),
        tr(l, "Kostnad per månad", "Cost per month"),
        tr(l, "Månad", "Month"),
        tr(l, "Klienter", "Clients"),
        tr(l, "Tid i kontakter", "Time in contacts"),
        tr(l, "Restid", "Travel time"),
        tr(l, "Milersättning", "Mileage"),
        tr(l, "Direkt kostnad", "Direct cost"),
        tr(l, "Per klient", "Per client"),
        tr(l, "Året", "The year"),
        c.report.client_months,
        esc(&money(l, t.contact_cost_ore)),
        esc(&money(l, t.travel_cost_ore)),
        esc(&money(l, t.mileage_ore())),
        esc(&money(l, t.total_ore())),
        esc(&opt(
            l,
            c.report.per_client_month_ore.map(|o| o as f64),
            |o| { kronor(l, o as i64) }
        )),
    );
    PageSection {
        id: "months",
        title: tr(l, "Över året", "Over the year").into(),
        html,
    }
}

fn share_of(part: i64, all: i64) -> Option<f64> {
    (all > 0).then(|| part as f64 / all as f64)
}

fn org_section(l: Lang, c: &TeamCost) -> PageSection {
    let r = &c.report;
    let mut rows = String::new();
    for (org, t) in &r.by_org {
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{} <span class=\"muted\">({})</span></th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&c.org_name(*org)),
            c.org_kind(l, *org),
            esc(&money(l, t.contact_cost_ore)),
            esc(&money(l, t.travel_cost_ore)),
            esc(&money(l, t.tax_free_ore)),
            esc(&money(l, t.taxable_ore)),
            esc(&money(l, t.total_ore())),
            esc(&opt(l, share_of(t.total_ore(), r.team.total_ore()), |s| {
                percent(l, s)
            })),
            esc(&r
                .full_by_org
                .get(org)
                .map_or_else(|| "–".to_owned(), |o| money(l, *o))),
        );
    }
    let html = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>{rows}</tbody></table>\
         <p class=\"muted\">{}</p>",
        tr(
            l,
            "Kostnad per organisation (var och en betalar sin personal och sina resor)",
            "Cost by organisation (each pays its own staff and trips)"
        ),
        tr(l, "Organisation", "Organisation"),
        tr(l, "Tid i kontakter", "Time in contacts"),
        tr(l, "Restid", "Travel time"),
        tr(l, "Skattefri milersättning", "Tax-free mileage"),
        tr(l, "Skattepliktig milersättning", "Taxable mileage"),
        tr(l, "Direkt kostnad", "Direct cost"),
        tr(l, "Andel", "Share"),
        tr(l, "Hela personalkostnaden", "Full staff cost"),
        tr(
            l,
            "Den andra organisationens resor syns bara som summor: resorna är varje arbetsgivares egen sak.",
            "The other organisation's trips show only as totals: trips are each employer's own business."
        ),
    );
    PageSection {
        id: "organisations",
        title: tr(
            l,
            "Kommunens och regionens andel",
            "The municipality's and the region's share",
        )
        .into(),
        html,
    }
}

fn staff_section(l: Lang, c: &TeamCost, viewer_org: OrgId) -> PageSection {
    let mut rows = String::new();
    for (u, t) in &c.report.by_staff {
        let Some(m) = c.members.get(u) else { continue };
        let own = m.org == viewer_org;
        let road = |s: String| if own { s } else { "–".to_owned() };
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&m.name),
            esc(&c.org_name(m.org)),
            hours(l, t.contact_minutes),
            hours(l, t.network_minutes),
            hours(l, t.attempt_minutes),
            esc(&money(l, t.contact_cost_ore)),
            road(hours(l, t.travel_minutes)),
            road(km(l, t.centi_km)),
            esc(&road(money(l, t.travel_cost_ore + t.mileage_ore()))),
        );
    }
    let html = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>{rows}</tbody></table><p class=\"muted\">{}</p>",
        tr(l, "Per medarbetare", "By member of staff"),
        tr(l, "Namn", "Name"),
        tr(l, "Organisation", "Organisation"),
        tr(l, "Timmar med klienten", "Hours with the client"),
        tr(l, "Timmar med nätverket", "Hours with the network"),
        tr(l, "Timmar på försök", "Hours on attempts"),
        tr(l, "Kostnad, kontakter", "Cost, contacts"),
        tr(l, "Timmar på väg", "Hours on the road"),
        tr(l, "Km", "Km"),
        tr(l, "Kostnad, resor", "Cost, trips"),
        tr(
            l,
            "Restid, km och resekostnad visas bara för den egna organisationens medarbetare (–).",
            "Road time, km and trip cost are shown only for your own organisation's staff (–)."
        ),
    );
    PageSection {
        id: "staff",
        title: tr(l, "Per medarbetare", "By member of staff").into(),
        html,
    }
}

fn shares_rows(l: Lang, t: &Totals) -> [String; 4] {
    [
        opt(l, t.attempt_share(), |s| percent(l, s)),
        opt(l, t.road_share(), |s| percent(l, s)),
        opt(l, t.km_per_face_to_face(), |v| num(l, v, 1)),
        opt(l, t.travel_minutes_per_face_to_face(), |v| num(l, v, 0)),
    ]
}

fn shares_section(l: Lang, c: &TeamCost) -> PageSection {
    let mut rows = String::new();
    let mut row = |name: String, t: &Totals| {
        let [a, r, k, m] = shares_rows(l, t);
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{a}</td><td class=\"num\">{r}</td><td class=\"num\">{k}</td><td class=\"num\">{m}</td><td class=\"num\">{}</td></tr>",
            esc(&name),
            t.face_to_face
        );
    };
    row(tr(l, "Teamet", "The team").to_owned(), &c.report.team);
    for (org, t) in &c.report.by_org {
        row(c.org_name(*org), t);
    }
    let html = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\"></th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>{rows}</tbody></table><p class=\"muted\">{}</p>",
        tr(
            l,
            "Tid på försök och på väg",
            "Time on attempts and on the road"
        ),
        tr(
            l,
            "Andel tid på misslyckade försök",
            "Share of time on failed attempts"
        ),
        tr(l, "Andel tid på väg", "Share of time on the road"),
        tr(l, "Km per fysiskt möte", "Km per face-to-face contact"),
        tr(
            l,
            "Minuter på väg per fysiskt möte",
            "Road minutes per face-to-face contact"
        ),
        tr(l, "Fysiska möten", "Face-to-face contacts"),
        tr(
            l,
            "Andelarna av personalens registrerade tid: kontakter, försök och resor.",
            "Shares of the staff time recorded: contacts, attempts and trips."
        ),
    );
    PageSection {
        id: "shares",
        title: tr(l, "Försök och resor", "Attempts and travel").into(),
        html,
    }
}

fn staffing_section(l: Lang, c: &TeamCost) -> PageSection {
    let s = &c.staffing;
    let posts = num(l, s.posts_hundredths as f64 / 100.0, 1);
    let (lo, hi) = HOUSING_SUPPORT_CLIENTS_PER_POST;
    let html = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\"></th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>\
         <tr><th scope=\"row\">{} ({} {}, {posts} {})</th><td class=\"num\" id=\"team-clients-per-post\">{}</td><td class=\"num\">{}</td></tr>\
         <tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\
         <tr><th scope=\"row\">{}</th><td class=\"num\">{}–{}</td><td class=\"num\">{}–{}</td></tr>\
         </tbody></table><p class=\"muted\">{}</p>",
        tr(l, "Bemanning per klient", "Staffing per client"),
        tr(l, "Klienter per heltid", "Clients per full-time post"),
        tr(l, "Personal per 10 klienter", "Staff per 10 clients"),
        tr(l, "Teamet", "The team"),
        c.staffing.clients,
        tr(l, "klienter i vård", "clients in care"),
        if c.staffing_set {
            tr(l, "tjänster", "posts")
        } else {
            tr(l, "case managers", "case managers")
        },
        opt(l, s.clients_per_post(), |v| num(l, v, 1)),
        opt(l, s.posts_per_ten_clients(), |v| num(l, v, 1)),
        tr(
            l,
            "Piteås antagande för case management (2 personal per 10 klienter)",
            "Piteå's assumption for case management (2 staff per 10 clients)"
        ),
        num(l, PITEA_CLIENTS_PER_POST, 0),
        num(l, 2.0, 0),
        tr(
            l,
            "Boendestöd (1 personal per 45–50)",
            "Housing support (1 staff per 45–50)"
        ),
        num(l, lo, 0),
        num(l, hi, 0),
        num(l, 10.0 / hi, 2),
        num(l, 10.0 / lo, 2),
        if c.staffing_set {
            tr(
                l,
                "Tjänsterna är teamets bemanning som administratören angett; klienterna är de i vård periodens sista dag.",
                "Posts are the team's staffing as set by the admin; clients are those in care on the period's last day.",
            )
        } else {
            tr(
                l,
                "Ingen bemanning är angiven: varje aktiv case manager räknas som en heltid. Klienterna är de i vård periodens sista dag.",
                "No staffing is set: each active case manager counts as one full-time post. Clients are those in care on the period's last day.",
            )
        },
    );
    PageSection {
        id: "staffing",
        title: tr(
            l,
            "Bemanning jämfört med Piteå och boendestöd",
            "Staffing beside Piteå and housing support",
        )
        .into(),
        html,
    }
}

/// The page's cost sections, in order; [`page`] adds the outcomes after them.
pub fn cost_sections(l: Lang, c: &TeamCost, viewer_org: OrgId) -> Vec<PageSection> {
    vec![
        summary_section(l, c),
        months_section(l, c),
        org_section(l, c),
        shares_section(l, c),
        staffing_section(l, c),
        staff_section(l, c, viewer_org),
    ]
}

/// The outcomes as a section of this page: the team's figures only (the page names no client),
/// with the way to the per-client rows on the outcomes page, where each row shown is logged.
fn outcomes_section(l: Lang, c: &TeamCost, view: &outcomes::OutcomesView) -> PageSection {
    PageSection {
        id: "utfall",
        title: tr(l, "Utfall", "Outcomes").into(),
        html: format!(
            "{}<p><a href=\"/outcomes?team={}\">{}</a></p>",
            outcomes::team_figures(view, l),
            c.team.id,
            tr(
                l,
                "Per klient och med klienternas utfall: sidan Utfall",
                "Per client and each client's outcomes: the Outcomes page"
            )
        ),
    }
}

fn render_sections(sections: &[PageSection]) -> String {
    let mut body = String::new();
    for s in sections {
        let _ = write!(
            body,
            "<section class=\"card\" aria-labelledby=\"h-{id}\" id=\"{id}\"><h2 id=\"h-{id}\">{}</h2>{}</section>",
            esc(&s.title),
            s.html,
            id = s.id,
        );
    }
    body
}

/// Checks the viewer and the team and loads the year's figures.
async fn load(state: &AppState, dash: &Dash, q: &CostQuery) -> DashResult<(TeamCost, NaiveDate)> {
    dash.require_supervisor()?;
    let today = swedish_date(Utc::now());
    let year = parse_year(q.year.as_deref(), today)?;
    let team = dash.team(state, q.team.as_deref()).await?;
    if !access::may_see_trip_totals(&dash.viewer(), team.id) {
        return Err(DashError::Forbidden(
            "the cost page is for the team's supervisors",
        ));
    }
    Ok((team_cost(state, team, year, today).await?, today))
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<CostQuery>,
) -> DashResult<Response> {
    let l = dash.lang();
    let (c, today) = load(&state, &dash, &q).await?;
    state
        .store
        .append_audit(&[AuditEntry {
            team: Some(c.team.id),
            ..dash.audit(AuditAction::Cost)
        }])
        .await?;
    let mut body = dash.team_picker(&state, &c.team).await?;
    let mut years = String::new();
    for y in (today.year() - 4..=today.year()).rev() {
        let _ = write!(
            years,
            "<option value=\"{y}\"{}>{y}</option>",
            if y == c.year { " selected" } else { "" }
        );
    }
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/cost\">\
         <input type=\"hidden\" name=\"team\" value=\"{team}\">\
         <label for=\"year\">{}<select id=\"year\" name=\"year\">{years}</select></label>\
         <button type=\"submit\">{}</button></form>\
         <p><a id=\"report-pdf\" href=\"/cost/report.pdf?team={team}&amp;year={year}&amp;lang={lang}\">{}</a></p>",
        tr(l, "År", "Year"),
        tr(l, "Visa år", "Show year"),
        tr(
            l,
            "Ladda ner verksamhetsuppföljningen (PDF)",
            "Download the yearly follow-up (PDF)"
        ),
        team = c.team.id,
        year = c.year,
        lang = match l {
            Lang::Sv => "sv",
            Lang::En => "en",
        },
    );
    let mut sections = cost_sections(l, &c, dash.viewer().org);
    let outcomes = outcomes::load_outcomes_view(
        &state.store,
        &dash.viewer(),
        c.team.id,
        outcomes::as_of(c.last, today),
    )
    .await?;
    sections.push(outcomes_section(l, &c, &outcomes));
    body.push_str(&render_sections(&sections));
    Ok(dash.render(
        tr(l, "Kostnad och resultat", "Cost and results"),
        Nav::Cost,
        Some(&c.team),
        &body,
    ))
}

/// The PDF's sections about caseload, fidelity, contacts, cost and staffing; [`report_pdf`]
/// adds the outcomes after them.
pub fn report_sections(l: Lang, c: &TeamCost, f: &FidelityReport) -> Vec<Section> {
    let r = &c.report;
    let counts = &f.counts;
    let admitted: usize = f.intake.iter().map(|(_, n)| n).sum();
    let caseload = Section {
        heading: tr(l, "Klienter", "Clients").into(),
        blocks: vec![Block::Figures(vec![
            (
                tr(
                    l,
                    "Klienter i vård under året",
                    "Clients in care during the year",
                )
                .into(),
                clients_shown(l, counts.clients_in_period),
            ),
            (
                tr(
                    l,
                    "Klienter i vård vid periodens slut",
                    "Clients in care at the period's end",
                )
                .into(),
                clients_shown(l, counts.clients_at_end),
            ),
            (
                tr(
                    l,
                    "Inskrivna de senaste sex månaderna",
                    "Admitted in the last six months",
                )
                .into(),
                admitted.to_string(),
            ),
            (
                tr(
                    l,
                    "Avslutade de senaste 12 månaderna",
                    "Closed in the last 12 months",
                )
                .into(),
                f.closures
                    .by_reason
                    .iter()
                    .map(|(_, n)| n)
                    .sum::<usize>()
                    .to_string(),
            ),
        ])],
    };
    let mut fidelity_rows = Vec::new();
    for ind in &f.indicators {
        fidelity_rows.push(vec![
            ind.label.get(l).to_owned(),
            ind.value.map_or_else(
                || "–".to_owned(),
                |v| super::fidelity::format_value(l, ind.id, v),
            ),
            ind.rating
                .map_or_else(|| "–".to_owned(), |r| format!("{} / 5", r.get())),
        ]);
    }
    let fidelity = Section {
        heading: tr(l, "ACT-trohet", "ACT fidelity").into(),
        blocks: vec![
            Block::Text(
                tr(
                    l,
                    "Måtten följer det teamet självt kan påverka, med skattning 1–5 enligt DACTS (5 är bäst). \
                     Ett litet integrerat team är case management enligt ACT, inte ett fullt ACT-team.",
                    "The figures follow what the team itself can change, rated 1–5 by DACTS (5 is best). \
                     A small integrated team is case management according to ACT, not a full ACT team.",
                )
                .into(),
            ),
            Block::Table {
                head: vec![
                    tr(l, "Mått", "Indicator").into(),
                    tr(l, "Värde", "Value").into(),
                    tr(l, "Skattning", "Rating").into(),
                ],
                rows: fidelity_rows,
            },
        ],
    };
    let contacts = Section {
        heading: tr(l, "Kontakter", "Contacts").into(),
        blocks: vec![Block::Figures(vec![
            (
                tr(l, "Kontakter med klienten", "Contacts with the client").into(),
                counts.reached.to_string(),
            ),
            (
                tr(l, "– varav fysiska möten", "– of them face to face").into(),
                counts.face_to_face.to_string(),
            ),
            (
                tr(
                    l,
                    "Nätverkskontakter utan klienten",
                    "Network contacts without the client",
                )
                .into(),
                counts.network_only.to_string(),
            ),
            (
                tr(l, "Misslyckade försök", "Failed attempts").into(),
                counts.attempts.to_string(),
            ),
            (
                tr(l, "Km körda", "Km driven").into(),
                km(l, r.team.centi_km),
            ),
        ])],
    };
    let bars = r
        .months
        .iter()
        .map(|m| Bar {
            label: m.month.format("%Y-%m").to_string(),
            value: m.per_client_ore.map(|o| o as f64),
            shown: m.per_client_ore.map_or_else(
                || tr(l, "färre än 3 klienter", "fewer than 3 clients").to_owned(),
                |o| kronor(l, o),
            ),
        })
        .collect();
    let mut figures = vec![(
        tr(
            l,
            "Direkt kostnad per klient och månad",
            "Direct cost per client and month",
        )
        .into(),
        r.per_client_month_ore.map_or_else(
            || {
                tr(
                    l,
                    "visas inte (färre än 3 klienter)",
                    "not shown (fewer than 3 clients)",
                )
                .to_owned()
            },
            |o| kronor(l, o),
        ),
    )];
    if let Some(full) = r.full_per_client_month_ore {
        figures.push((
            tr(
                l,
                "Hela personalkostnaden per klient och månad",
                "Full staff cost per client and month",
            )
            .into(),
            kronor(l, full),
        ));
    }
    figures.push((
        tr(
            l,
            "Direkt kostnad under perioden",
            "Direct cost in the period",
        )
        .into(),
        money(l, r.team.total_ore()),
    ));
    for (org, t) in &r.by_org {
        figures.push((format!("– {}", c.org_name(*org)), money(l, t.total_ore())));
    }
    figures.push((
        tr(l, "Andel tid på väg", "Share of time on the road").into(),
        opt(l, r.team.road_share(), |s| percent(l, s)),
    ));
    figures.push((
        tr(
            l,
            "Andel tid på misslyckade försök",
            "Share of time on failed attempts",
        )
        .into(),
        opt(l, r.team.attempt_share(), |s| percent(l, s)),
    ));
    let cost = Section {
        heading: tr(l, "Kostnad", "Cost").into(),
        blocks: vec![
            Block::Figures(figures),
            Block::Bars {
                caption: tr(
                    l,
                    "Direkt kostnad per klient och månad",
                    "Direct cost per client and month",
                )
                .into(),
                bars,
            },
            Block::Text(includes(l).into()),
        ],
    };
    let s = &c.staffing;
    let staffing = Section {
        heading: tr(l, "Bemanning", "Staffing").into(),
        blocks: vec![Block::Table {
            head: vec![
                "".into(),
                tr(l, "Klienter per heltid", "Clients per full-time post").into(),
            ],
            rows: vec![
                vec![
                    tr(l, "Teamet", "The team").into(),
                    opt(l, s.clients_per_post(), |v| num(l, v, 1)),
                ],
                vec![
                    tr(
                        l,
                        "Piteås antagande (2 per 10)",
                        "Piteå's assumption (2 per 10)",
                    )
                    .into(),
                    num(l, PITEA_CLIENTS_PER_POST, 0),
                ],
                vec![
                    tr(
                        l,
                        "Boendestöd (1 per 45–50)",
                        "Housing support (1 per 45–50)",
                    )
                    .into(),
                    format!(
                        "{}–{}",
                        num(l, HOUSING_SUPPORT_CLIENTS_PER_POST.0, 0),
                        num(l, HOUSING_SUPPORT_CLIENTS_PER_POST.1, 0)
                    ),
                ],
            ],
        }],
    };
    vec![caseload, fidelity, contacts, cost, staffing]
}

/// The follow-up document of `c` with `sections`.
pub fn report_doc(l: Lang, c: &TeamCost, sections: Vec<Section>, today: NaiveDate) -> FollowUpDoc {
    FollowUpDoc {
        title: format!(
            "{} {} – {}",
            tr(l, "Verksamhetsuppföljning", "Yearly follow-up"),
            c.year,
            c.team.name
        ),
        subtitle: format!(
            "{} {} – {}. {}",
            tr(l, "Perioden", "The period"),
            i18n::date(c.first),
            i18n::date(c.last),
            tr(
                l,
                "Siffrorna gäller hela teamet, båda organisationerna. Inga enskilda klienter redovisas, och tal från färre än tre klienter visas inte.",
                "The figures are the whole team's, both organisations. No single client is shown, and figures from fewer than three clients are withheld."
            )
        ),
        footer: format!(
            "{} {} {}",
            tr(l, "Utskriven", "Printed"),
            i18n::date(today),
            tr(l, "av Uppsök", "by Uppsök")
        ),
        page_words: (tr(l, "Sida", "Page").into(), tr(l, "av", "of").into()),
        created: today,
        sections,
    }
}

pub async fn report_pdf(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<CostQuery>,
) -> DashResult<Response> {
    let l = dash.lang();
    let (c, today) = load(&state, &dash, &q).await?;
    let fidelity =
        super::fidelity::team_report(&state, c.team.id, Period::new(c.first, c.last), today)
            .await?;
    state
        .store
        .append_audit(&[AuditEntry {
            team: Some(c.team.id),
            ..dash.audit(AuditAction::Export)
        }])
        .await?;
    let outcomes = outcomes::load_outcomes_view(
        &state.store,
        &dash.viewer(),
        c.team.id,
        outcomes::as_of(c.last, today),
    )
    .await?;
    let mut sections = report_sections(l, &c, &fidelity);
    sections.push(outcomes::report_section(&outcomes, l));
    let doc = report_doc(l, &c, sections, today);
    let pdf = followup_pdf::render(&doc)
        .map_err(|e| DashError::Internal(format!("the follow-up PDF: {e}")))?;
    let mut r = pdf.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"verksamhetsuppfoljning-{}.pdf\"",
        c.year
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_is_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(parse_year(None, today).unwrap(), 2026);
        assert_eq!(parse_year(Some("2025"), today).unwrap(), 2025);
        for bad in ["1999", "2027", "tjugo"] {
            assert!(parse_year(Some(bad), today).is_err(), "{bad}");
        }
    }

    #[test]
    fn kronor_are_whole_and_rounded() {
        assert_eq!(kronor(Lang::Sv, 520_049), "5\u{a0}200\u{a0}kr");
        assert_eq!(kronor(Lang::Sv, 520_050), "5\u{a0}201\u{a0}kr");
        assert_eq!(kronor(Lang::En, 520_050), "SEK\u{a0}5,201");
    }
}
