//! Mileage: per driver and month, km, trips and the reimbursement split into the tax-free
//! allowance and the taxable rest (computed by `uppsok-model::mileage` with the viewer's
//! organisation's rates); approving a month once it is over (stored with the totals approved,
//! and logged), and approving it again when it changed after approval; the payroll CSV; and the
//! körjournal per driver as CSV or PDF, and per car of the organisation's register (pool and
//! benefit cars: all the team's drivers, the odometer checked from trip to trip). The page opens on the last whole month, the one payroll
//! pays. Whether a driver's month may be approved is [`standing`], a rule without I/O.
//!
//! Trips never cross organisations: a supervisor sees and approves the trips of their own
//! organisation's drivers in their team.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::{Lang, swedish_date, swedish_time};
use uppsok_model::mileage::korjournal::{self, JournalCopy, Period};
use uppsok_model::mileage::{
    DrivenTrip, MonthlyTotal, QualityGrade, RateSchedule, Registration, VehicleJournal,
    business_km, monthly_totals, vehicle_journal,
};
use uppsok_model::{Entity, Trip};

use super::export::{self, Csv};
use super::html::{Nav, attr, csrf_field, esc, url_enc};
use super::i18n::{self, money, num, tr};
use super::notice::Notice;
use super::{Dash, DashError, DashResult};
use crate::state::AppState;
use crate::store::AuditAction;
use crate::store::dashboard::{self as data, ApprovedTotals, SeenTrip};
use crate::store::{AuditEntry, TeamRow, VehicleRow};
use uppsok_report::korjournal_pdf::{self, Attest, KorjournalDoc};

/// A month (`2026-11`) or a whole year (`2026`) of Swedish calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Span {
    pub fn parse(s: &str) -> Option<Span> {
        let s = s.trim();
        if let Some((y, m)) = s.split_once('-') {
            let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            let next = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)?
            };
            Some(Span {
                first,
                last: next.pred_opt()?,
            })
        } else {
            let y: i32 = s.parse().ok()?;
            Some(Span {
                first: NaiveDate::from_ymd_opt(y, 1, 1)?,
                last: NaiveDate::from_ymd_opt(y, 12, 31)?,
            })
        }
    }

    /// The last whole month: the one a supervisor approves and payroll pays.
    pub fn last_month() -> Span {
        Self::month_before(swedish_date(Utc::now()))
    }

    /// The calendar month before the one `today` is in.
    pub fn month_before(today: NaiveDate) -> Span {
        let first_of_this = today.with_day(1).unwrap_or(today);
        let last = first_of_this.pred_opt().unwrap_or(first_of_this);
        Span {
            first: last.with_day(1).unwrap_or(last),
            last,
        }
    }

    pub fn label(&self) -> String {
        if self.first.month() == 1 && self.last.month() == 12 && self.last.day() == 31 {
            format!("{}", self.first.year())
        } else {
            format!("{}-{:02}", self.first.year(), self.first.month())
        }
    }

    /// UTC milliseconds that surely cover the span (a day of margin each side); trips are then
    /// filtered by their Swedish date.
    fn ms(&self) -> (i64, i64) {
        let at = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|n| n.and_utc().timestamp_millis())
                .unwrap_or(0)
        };
        (
            at(self.first - Duration::days(1)),
            at(self.last + Duration::days(2)),
        )
    }

    fn contains(&self, d: NaiveDate) -> bool {
        self.first <= d && d <= self.last
    }

    /// The körjournal's period: a whole year, or the month the span starts in.
    pub fn period(&self) -> Period {
        if self.label().len() == 4 {
            Period::Year {
                year: self.first.year(),
            }
        } else {
            Period::Month {
                year: self.first.year(),
                month: self.first.month(),
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MileageQuery {
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    driver: Option<String>,
    #[serde(default)]
    format: Option<String>,
    /// Which körjournal copy the links make: `payroll` (the default) or `team`.
    #[serde(default)]
    copy: Option<String>,
    /// The car whose körjournal `/mileage/vehicle` makes.
    #[serde(default)]
    registration: Option<String>,
    #[serde(default)]
    notice: Option<String>,
}

/// Where one driver's month stands for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing<'a> {
    /// Over and never approved: may be approved (version 1).
    Open,
    /// Not over yet: trips may still come in, so it can be approved from `from` on.
    NotOver { from: NaiveDate },
    /// A whole year is shown: months are approved one by one.
    Year,
    /// Approved, and the figures are still those approved.
    Approved(&'a data::Approval),
    /// Approved, but the figures have changed since (a trip synced late, a distance corrected):
    /// payroll must not pay the new figures until a supervisor approves them again.
    Changed(&'a data::Approval),
    /// Over (and not approved as it stands), but `count` trips have a suggested distance the
    /// driver has not confirmed: a guess is not paid until the driver stands behind it.
    /// `approval` is the earlier approval when there is one.
    Unconfirmed {
        count: usize,
        approval: Option<&'a data::Approval>,
    },
}

impl Standing<'_> {
    /// The version an approval from this page stores, if it may be approved now.
    pub fn next_version(&self) -> Option<i64> {
        match self {
            Standing::Open => Some(1),
            Standing::Changed(a) => Some(a.version + 1),
            _ => None,
        }
    }
}

/// Whether a driver's month in `span` may be approved on `today` (the Swedish date), given its
/// latest approval, its figures now and how many of its trips have a suggested distance the
/// driver has not confirmed. A month is over the day after its last day.
pub fn standing<'a>(
    span: Span,
    today: NaiveDate,
    approval: Option<&'a data::Approval>,
    now: &ApprovedTotals,
    unconfirmed: usize,
) -> Standing<'a> {
    if span.label().len() == 4 {
        return Standing::Year;
    }
    let st = match approval {
        Some(a) => {
            let same = a.trips == now.trips
                && a.centi_km == now.centi_km
                && a.amount_ore == now.amount_ore
                && a.tax_free_ore.is_none_or(|v| v == now.tax_free_ore)
                && a.taxable_ore.is_none_or(|v| v == now.taxable_ore);
            if same {
                Standing::Approved(a)
            } else {
                Standing::Changed(a)
            }
        }
        None if today <= span.last => Standing::NotOver {
            from: span.last.succ_opt().unwrap_or(span.last),
        },
        None => Standing::Open,
    };
    match st {
        Standing::Open | Standing::Changed(_) if unconfirmed > 0 => Standing::Unconfirmed {
            count: unconfirmed,
            approval,
        },
        st => st,
    }
}

/// How many of `driver`'s trips have a suggested distance the driver has not confirmed.
fn unconfirmed_of<'a>(trips: impl IntoIterator<Item = &'a Trip>, driver: &str) -> usize {
    trips
        .into_iter()
        .filter(|t| t.driver.as_str() == driver && t.awaits_confirmation())
        .count()
}

/// "1 resa" / "3 resor" with a suggested distance the driver has not confirmed.
fn unconfirmed_sv(l: Lang, count: usize) -> String {
    match (l, count) {
        (Lang::Sv, 1) => "1 resa med föreslagen sträcka är inte bekräftad av föraren".into(),
        (Lang::Sv, n) => {
            format!("{n} resor med föreslagen sträcka är inte bekräftade av föraren")
        }
        (_, 1) => "1 trip with a suggested distance is not confirmed by the driver".into(),
        (_, n) => format!("{n} trips with a suggested distance are not confirmed by the driver"),
    }
}

fn copy_of(s: Option<&str>) -> DashResult<JournalCopy> {
    match s.filter(|s| !s.trim().is_empty()) {
        None => Ok(JournalCopy::default()),
        Some(s) => s.parse().map_err(|_| {
            DashError::BadRequest("Fältet exemplar ska vara payroll eller team.".into())
        }),
    }
}

/// A körjournal's file format: `csv` (the default) or `pdf`.
fn format_of(s: Option<&str>) -> DashResult<&'static str> {
    match s.unwrap_or("csv") {
        "csv" => Ok("csv"),
        "pdf" => Ok("pdf"),
        _ => Err(DashError::BadRequest(
            "Formatet ska vara csv eller pdf.".into(),
        )),
    }
}

/// One driver's figures for the span, summed over the months it covers.
fn approved_totals(sums: &[&MonthlyTotal<String>]) -> ApprovedTotals {
    sums.iter().fold(
        ApprovedTotals {
            trips: 0,
            centi_km: 0,
            amount_ore: 0,
            tax_free_ore: 0,
            taxable_ore: 0,
        },
        |acc, t| ApprovedTotals {
            trips: acc.trips + i64::from(t.trips),
            centi_km: acc.centi_km + t.centi_km,
            amount_ore: acc.amount_ore + t.amount_ore,
            tax_free_ore: acc.tax_free_ore + t.tax_free_ore,
            taxable_ore: acc.taxable_ore + t.taxable_ore,
        },
    )
}

fn span_of(s: Option<&str>) -> DashResult<Span> {
    match s.filter(|s| !s.trim().is_empty()) {
        None => Ok(Span::last_month()),
        Some(s) => Span::parse(s).ok_or_else(|| {
            DashError::BadRequest("månaden skrivs ÅÅÅÅ-MM (eller ett år ÅÅÅÅ)".into())
        }),
    }
}

/// The viewer's own organisation's trips in the team during the span, oldest first.
async fn span_trips(
    state: &AppState,
    dash: &Dash,
    team: &TeamRow,
    span: Span,
) -> DashResult<Vec<SeenTrip>> {
    let (from, to) = span.ms();
    let v = dash.viewer();
    Ok(data::trips(&state.store, &v, team.id, from, to)
        .await?
        .into_iter()
        .filter(|t| span.contains(swedish_date(t.trip.start)))
        .collect())
}

/// The viewer's organisation's rates over time: each trip is priced with the rate of its day.
async fn rates_of(state: &AppState, dash: &Dash) -> DashResult<RateSchedule> {
    Ok(state.store.rate_schedule(dash.actor.staff.org).await?)
}

/// Home–workplace distances of the viewer's organisation's drivers, tenths of a km.
type HomeWork = HashMap<String, i64>;

async fn home_work_of(state: &AppState, dash: &Dash) -> DashResult<HomeWork> {
    Ok(state
        .store
        .home_work_distances(dash.actor.staff.org)
        .await?)
}

/// The km of `t` that are paid: a trip from home less its driver's home–workplace distance.
fn paid_km(t: &Trip, home_work: &HomeWork) -> f64 {
    business_km(
        t.km,
        t.from_home,
        home_work.get(t.driver.as_str()).copied().unwrap_or(0),
    )
}

/// Tenths of a km `driver`'s trips from home had deducted as the commute.
fn deducted_deci_km<'a>(
    trips: impl IntoIterator<Item = &'a Trip>,
    driver: &str,
    home_work: &HomeWork,
) -> i64 {
    trips
        .into_iter()
        .filter(|t| t.driver.as_str() == driver && t.from_home)
        .map(|t| ((t.km * 10.0).round() - (paid_km(t, home_work) * 10.0).round()) as i64)
        .sum()
}

fn totals<'a>(
    trips: impl IntoIterator<Item = &'a Trip>,
    rates: &RateSchedule,
    home_work: &HomeWork,
) -> DashResult<Vec<MonthlyTotal<String>>> {
    let driven: Vec<DrivenTrip<String>> = trips
        .into_iter()
        .map(|t| DrivenTrip {
            driver: t.driver.as_str().to_owned(),
            date: swedish_date(t.start),
            vehicle: rates.kind_of(&t.vehicle),
            km: paid_km(t, home_work),
        })
        .collect();
    monthly_totals(&driven, rates).map_err(|e| DashError::Internal(e.to_string()))
}

async fn names(state: &AppState, team: &TeamRow) -> DashResult<HashMap<String, String>> {
    Ok(state
        .store
        .list_staff(None, Some(&[team.id]))
        .await?
        .into_iter()
        .map(|s| (s.username, s.name))
        .collect())
}

fn trip_audit(dash: &Dash, team: &TeamRow, action: AuditAction) -> AuditEntry {
    AuditEntry {
        entity: Some(Entity::Trip),
        team: Some(team.id),
        record_org: Some(dash.actor.staff.org),
        ..dash.audit(action)
    }
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<MileageQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let l = dash.lang();
    let team = dash.team(&state, q.team.as_deref()).await?;
    let span = span_of(q.month.as_deref())?;
    let trips = span_trips(&state, &dash, &team, span).await?;
    let rates = rates_of(&state, &dash).await?;
    let home_work = home_work_of(&state, &dash).await?;
    let sums = totals(trips.iter().map(|t| &t.trip), &rates, &home_work)?;
    let names = names(&state, &team).await?;
    let copy = copy_of(q.copy.as_deref())?;
    let month = span.label();
    let approvals: HashMap<String, data::Approval> =
        data::approvals(&state.store, team.id, dash.actor.staff.org, &month)
            .await?
            .into_iter()
            .map(|a| (a.driver.clone(), a))
            .collect();
    state
        .store
        .append_audit(&[trip_audit(&dash, &team, AuditAction::List)])
        .await?;

    let mut body = Notice::banner_for(q.notice.as_deref(), l);
    body.push_str(&dash.team_picker(&state, &team).await?);
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/mileage\">\
         <input type=\"hidden\" name=\"team\" value=\"{}\">\
         <label for=\"month\">{}<input id=\"month\" name=\"month\" type=\"month\" value=\"{}\"></label>\
         <label for=\"copy\">{}<select id=\"copy\" name=\"copy\">{}</select></label>\
         <button type=\"submit\">{}</button></form>\
         <p>{} {} {} · {} {}</p>",
        team.id,
        tr(l, "Månad", "Month"),
        attr(&month),
        tr(l, "Körjournalens exemplar", "Driving log copy"),
        JournalCopy::ALL
            .into_iter()
            .map(|c| format!(
                "<option value=\"{}\"{}>{}</option>",
                c.as_str(),
                if c == copy { " selected" } else { "" },
                match c {
                    JournalCopy::Payroll => tr(
                        l,
                        "För lönen – ”klientbesök” i stället för klientkoder",
                        "For payroll – \"klientbesök\" instead of client codes"
                    ),
                    JournalCopy::Team => tr(
                        l,
                        "Teamets eget – med klientkoder",
                        "The team's own – with client codes"
                    ),
                }
            ))
            .collect::<String>(),
        tr(l, "Visa", "Show"),
        tr(l, "Ersättning per km:", "Rate per km:"),
        money(l, rates.at(span.first).own_car_ore_per_km),
        tr(l, "egen bil", "own car"),
        money(l, rates.at(span.first).service_car_ore_per_km),
        tr(l, "tjänstebil", "service car"),
    );
    if rates.has_driver_fuelled() {
        body.push_str(&fuel_rates(l, &rates.at(span.first), None));
    }
    for (from, r) in rates.changes_within(span.first, span.last) {
        let _ = write!(
            body,
            "<p>{} {}: {} {} · {} {}</p>",
            tr(l, "Ny ersättning från", "New rate from"),
            i18n::date(from),
            money(l, r.own_car_ore_per_km),
            tr(l, "egen bil", "own car"),
            money(l, r.service_car_ore_per_km),
            tr(l, "tjänstebil", "service car"),
        );
        if rates.has_driver_fuelled() {
            body.push_str(&fuel_rates(l, &r, Some(from)));
        }
    }
    let _ = write!(
        body,
        "<table><caption>{} {}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(l, "Milersättning per förare", "Mileage per driver"),
        esc(&month),
        tr(l, "Förare", "Driver"),
        tr(l, "Resor", "Trips"),
        tr(l, "Km", "Km"),
        tr(l, "Belopp", "Amount"),
        tr(l, "Skattefritt", "Tax-free"),
        tr(l, "Skattepliktigt", "Taxable"),
        tr(l, "Attest", "Approval"),
        tr(l, "Körjournal", "Driving log"),
    );
    let today = swedish_date(Utc::now());
    for t in &sums {
        let name = names
            .get(&t.driver)
            .cloned()
            .unwrap_or_else(|| t.driver.clone());
        let now = approved_totals(&[t]);
        let unconfirmed = unconfirmed_of(trips.iter().map(|t| &t.trip), &t.driver);
        let st = standing(span, today, approvals.get(&t.driver), &now, unconfirmed);
        let by = |a: &data::Approval| {
            let who = names
                .get(&a.approved_by)
                .cloned()
                .unwrap_or_else(|| a.approved_by.clone());
            let when = chrono::DateTime::from_timestamp_millis(a.approved_ms)
                .map(i18n::date_time)
                .unwrap_or_default();
            format!(
                "{} {} {} {when}",
                tr(l, "Attesterad av", "Approved by"),
                esc(&who),
                tr(l, "den", "on"),
            )
        };
        let form = |label: &str| {
            format!(
                "<form method=\"post\" action=\"/mileage/approve\">{}\
                 <input type=\"hidden\" name=\"team\" value=\"{}\">\
                 <input type=\"hidden\" name=\"month\" value=\"{}\">\
                 <input type=\"hidden\" name=\"driver\" value=\"{}\">\
                 <input type=\"hidden\" name=\"version\" value=\"{}\">\
                 <input type=\"hidden\" name=\"trips\" value=\"{}\">\
                 <input type=\"hidden\" name=\"amount\" value=\"{}\">\
                 <button type=\"submit\" aria-label=\"{label} {}\">{label}</button></form>",
                csrf_field(dash.csrf()),
                team.id,
                attr(&month),
                attr(&t.driver),
                st.next_version().unwrap_or(1),
                now.trips,
                now.amount_ore,
                attr(&name),
            )
        };
        let approval = match st {
            Standing::Open => form(tr(l, "Attestera", "Approve")),
            Standing::NotOver { from } => format!(
                "<span class=\"muted\">{} {}</span>",
                tr(
                    l,
                    "Månaden pågår; kan attesteras från",
                    "Month not over; can be approved from"
                ),
                i18n::date(from),
            ),
            Standing::Year => format!(
                "<span class=\"muted\">{}</span>",
                tr(l, "Attesteras per månad", "Approved month by month")
            ),
            Standing::Approved(a) => by(a),
            Standing::Changed(a) => format!(
                "<span class=\"flag\">{}</span><br>{}: {}, {} {}, {} km<br>{}{}",
                tr(
                    l,
                    "Ändrad efter attest – attestera igen",
                    "Changed after approval – approve again"
                ),
                tr(l, "Attesterat", "Approved"),
                money(l, a.amount_ore),
                a.trips,
                tr(l, "resor", "trips"),
                num(l, a.centi_km as f64 / 100.0, 1),
                by(a),
                form(tr(l, "Attestera igen", "Approve again")),
            ),
            Standing::Unconfirmed { count, approval } => format!(
                "<span class=\"flag\">{}: {}</span>{}",
                tr(l, "Kan inte attesteras", "Cannot be approved"),
                esc(&unconfirmed_sv(l, count)),
                approval
                    .map(|a| format!(
                        "<br>{} – {}",
                        tr(l, "Ändrad efter attest", "Changed after approval"),
                        by(a)
                    ))
                    .unwrap_or_default(),
            ),
        };
        let q = format!(
            "team={}&month={}&driver={}&copy={}",
            team.id,
            url_enc(&month),
            url_enc(&t.driver),
            copy.as_str(),
        );
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{approval}</td>\
             <td><a href=\"/mileage/korjournal?{q}&amp;format=csv\" aria-label=\"{} CSV {}\">CSV</a> · \
             <a href=\"/mileage/korjournal?{q}&amp;format=pdf\" aria-label=\"{} PDF {}\">PDF</a></td></tr>",
            esc(&name),
            t.trips,
            km_cell(
                l,
                t.centi_km,
                deducted_deci_km(trips.iter().map(|t| &t.trip), &t.driver, &home_work)
            ),
            amount_cell(l, t),
            money(l, t.tax_free_ore),
            money(l, t.taxable_ore),
            tr(l, "Körjournal", "Driving log"),
            attr(&name),
            tr(l, "Körjournal", "Driving log"),
            attr(&name),
        );
    }
    if sums.is_empty() {
        let _ = write!(
            body,
            "<tr><td colspan=\"8\">{}</td></tr>",
            tr(l, "Inga resor denna månad.", "No trips this month.")
        );
    }
    body.push_str("</tbody></table>");
    body.push_str(&unconfirmed_table(l, &trips, &names));
    body.push_str(&gps_doubt_table(l, &trips, &names));
    let vehicles = state.store.vehicles(dash.actor.staff.org).await?;
    body.push_str(&vehicles_table(l, &team, &month, copy, &trips, &vehicles));
    let _ = write!(
        body,
        "<p><a href=\"/mileage/payroll.csv?team={}&amp;month={}\">{}</a></p>\
         <p class=\"muted\">{}</p>",
        team.id,
        url_enc(&month),
        tr(
            l,
            "Ladda ner lönefil (CSV för Excel)",
            "Download the payroll file (CSV for Excel)"
        ),
        tr(
            l,
            "Skattefri milersättning för egen bil: 25 kr/mil (2,50 kr/km) från 2023. Förmånsbil där föraren betalar drivmedlet: skattefritt 12 kr/mil bensin/diesel, 9,50 kr/mil el (2023–2026). Poolbil och förmånsbil med arbetsgivarens drivmedel ger ingen skattefri del.",
            "Tax-free allowance for an own car: SEK 25 per 10 km (2.50/km) from 2023. A benefit car whose driver pays the fuel: tax-free SEK 12 per 10 km fossil fuel, 9.50 electric (2023–2026). A pool car or a benefit car with the employer's fuel has no tax-free part."
        ),
    );
    Ok(dash.render(
        tr(l, "Körjournal och milersättning", "Mileage"),
        Nav::Mileage,
        Some(&team),
        &body,
    ))
}

/// "Förmånsbil, föraren betalar drivmedlet: 1,20 kr/km bensin/diesel · 0,95 kr/km el", with
/// the day a new rate took effect when `from` is given.
fn fuel_rates(l: Lang, r: &uppsok_model::Rates, from: Option<NaiveDate>) -> String {
    format!(
        "<p>{}{}: {} {} · {} {}</p>",
        tr(
            l,
            "Förmånsbil, föraren betalar drivmedlet",
            "Benefit car, the driver pays the fuel"
        ),
        from.map(|d| format!(" {} {}", tr(l, "från", "from"), i18n::date(d)))
            .unwrap_or_default(),
        money(l, r.benefit_fossil_ore_per_km),
        tr(l, "bensin/diesel", "petrol/diesel"),
        money(l, r.benefit_electric_ore_per_km),
        tr(l, "el", "electric"),
    )
}

/// The amount, and under it the part that is a benefit car's fuel allowance when there is one:
/// payroll reports it as car allowance, not as own-car mileage.
fn amount_cell(l: Lang, t: &MonthlyTotal<String>) -> String {
    let amount = money(l, t.amount_ore);
    if t.fuel_allowance_ore == 0 {
        return amount;
    }
    format!(
        "{amount}<br><span class=\"muted\">{} {} ({} {})</span>",
        tr(
            l,
            "varav bilersättning förmånsbil",
            "of which benefit car fuel allowance"
        ),
        money(l, t.fuel_allowance_ore),
        money(l, t.fuel_allowance_tax_free_ore),
        tr(l, "skattefritt", "tax-free"),
    )
}

/// The paid km, and under it the km deducted for trips from home when there were any: the
/// amount is for the paid km, so the page says why it is less than the körjournal's sum.
fn km_cell(l: Lang, paid_centi_km: i64, deducted_deci_km: i64) -> String {
    let paid = num(l, paid_centi_km as f64 / 100.0, 1);
    if deducted_deci_km == 0 {
        return paid;
    }
    format!(
        "{paid}<br><span class=\"muted\">{} {} km</span>",
        tr(
            l,
            "efter avdrag hem–arbete",
            "after the home–work deduction of"
        ),
        num(l, deducted_deci_km as f64 / 10.0, 1),
    )
}

/// The trips whose suggested distance the driver has not confirmed, so the supervisor sees
/// which figures are still estimates and whom to ask.
fn unconfirmed_table(l: Lang, trips: &[SeenTrip], names: &HashMap<String, String>) -> String {
    let rows = trips
        .iter()
        .map(|t| &t.trip)
        .filter(|t| t.awaits_confirmation())
        .map(|t| (t, None))
        .collect();
    let heads = ListHeads {
        id: "unconfirmed",
        caption: tr(
            l,
            "Föreslagna sträckor som föraren inte har bekräftat",
            "Suggested distances the driver has not confirmed",
        ),
        km: tr(l, "Km (förslag)", "Km (suggested)"),
        why: None,
    };
    trip_list(l, &heads, rows, names)
}

/// The GPS distances the recorder could not vouch for (graded fair or poor), so the supervisor
/// knows which measured figures to ask about before paying; they do not hold up approval.
fn gps_doubt_table(l: Lang, trips: &[SeenTrip], names: &HashMap<String, String>) -> String {
    let rows = trips
        .iter()
        .filter_map(|t| {
            let grade = t.trip.gps_doubt()?;
            let share = t.trip.gps.map_or(0.0, |g| g.share_estimated);
            Some((&t.trip, Some(gps_doubt_reason(l, grade, share))))
        })
        .collect();
    let heads = ListHeads {
        id: "gps-doubt",
        caption: tr(
            l,
            "GPS-sträckor som inte kan garanteras",
            "GPS distances that cannot be vouched for",
        ),
        km: tr(l, "Km (GPS)", "Km (GPS)"),
        why: Some(tr(l, "Varför", "Why")),
    };
    trip_list(l, &heads, rows, names)
}

/// What sets one follow-up list of trips apart from another.
struct ListHeads {
    id: &'static str,
    caption: &'static str,
    km: &'static str,
    /// The head of a last column saying why each trip is listed, if there is one.
    why: Option<&'static str>,
}

/// A list of trips for the supervisor to follow up: driver, date, from, to, km at the
/// körjournal's 0.1 and, when the list has one, why. Places and km only: no client codes.
/// Empty when there is nothing to follow up.
fn trip_list(
    l: Lang,
    heads: &ListHeads,
    rows: Vec<(&Trip, Option<String>)>,
    names: &HashMap<String, String>,
) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<table id=\"{}\"><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th>",
        heads.id,
        heads.caption,
        tr(l, "Förare", "Driver"),
        tr(l, "Datum", "Date"),
        tr(l, "Från", "From"),
        tr(l, "Till", "To"),
        heads.km,
    );
    if let Some(why) = heads.why {
        let _ = write!(out, "<th scope=\"col\">{why}</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for (t, why) in rows {
        let name = names
            .get(t.driver.as_str())
            .map_or(t.driver.as_str(), String::as_str);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>",
            esc(name),
            i18n::date(swedish_date(t.start)),
            esc(t.from.as_str()),
            esc(t.to.as_str()),
            num(l, (t.km * 10.0).round() / 10.0, 1),
        );
        if let Some(why) = why {
            let _ = write!(out, "<td>{}</td>", esc(&why));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// Why a GPS distance is in doubt, in words a supervisor can act on.
fn gps_doubt_reason(l: Lang, grade: QualityGrade, share_estimated: f64) -> String {
    let estimated = if share_estimated > 0.05 {
        format!(
            " {} {} %.",
            tr(
                l,
                "Uppskattat över täckningsluckor:",
                "Estimated across gaps in coverage:"
            ),
            num(l, share_estimated * 100.0, 0)
        )
    } else {
        String::new()
    };
    let head = match grade {
        QualityGrade::Poor => tr(
            l,
            "Osäker: jämför med mätarställningen.",
            "Uncertain: compare with the odometer.",
        ),
        _ => tr(
            l,
            "Kan vara några procent fel (glesa eller ofullständiga positioner).",
            "May be a few per cent off (sparse or incomplete positions).",
        ),
    };
    format!("{head}{estimated}")
}

#[derive(Debug, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    driver: Option<String>,
    /// The approval version the page offered (1, or the shown version + 1).
    #[serde(default)]
    version: Option<i64>,
    /// The figures the page showed: an approval stores only what the supervisor saw.
    #[serde(default)]
    trips: Option<i64>,
    #[serde(default)]
    amount: Option<i64>,
}

/// Approves a driver's month as the page showed it, or says why not (a banner on the page):
/// the month is not over, its figures changed since the page was shown, or someone approved it
/// a moment earlier.
pub async fn approve(
    State(state): State<AppState>,
    dash: Dash,
    Form(f): Form<ApproveForm>,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    dash.require_supervisor()?;
    let team = dash.team(&state, f.team.as_deref()).await?;
    let span = span_of(f.month.as_deref())?;
    let driver = f
        .driver
        .ok_or_else(|| DashError::BadRequest("föraren saknas i formuläret".into()))?;
    let trips: Vec<SeenTrip> = span_trips(&state, &dash, &team, span)
        .await?
        .into_iter()
        .filter(|t| t.trip.driver.as_str() == driver)
        .collect();
    let rates = rates_of(&state, &dash).await?;
    let home_work = home_work_of(&state, &dash).await?;
    let sums = totals(trips.iter().map(|t| &t.trip), &rates, &home_work)?;
    let now = approved_totals(&sums.iter().collect::<Vec<_>>());
    let latest = data::approvals(&state.store, team.id, dash.actor.staff.org, &span.label())
        .await?
        .into_iter()
        .find(|a| a.driver == driver);
    let unconfirmed = unconfirmed_of(trips.iter().map(|t| &t.trip), &driver);
    let st = standing(
        span,
        swedish_date(Utc::now()),
        latest.as_ref(),
        &now,
        unconfirmed,
    );
    let notice = match (st, st.next_version()) {
        (Standing::NotOver { .. } | Standing::Year, _) => Notice::MonthNotOver,
        (Standing::Unconfirmed { .. }, _) => Notice::Unconfirmed,
        (Standing::Approved(_), _) => Notice::AlreadyApproved,
        _ if now.trips == 0 => Notice::NothingToApprove,
        (_, Some(version))
            if f.version == Some(version)
                && f.trips == Some(now.trips)
                && f.amount == Some(now.amount_ore) =>
        {
            let stored = data::approve(
                &state.store,
                team.id,
                dash.actor.staff.org,
                &driver,
                &span.label(),
                version,
                &dash.actor.staff.username,
                now,
            )
            .await?;
            if stored {
                state
                    .store
                    .append_audit(&[trip_audit(&dash, &team, AuditAction::Approve)])
                    .await?;
                Notice::Approved
            } else {
                Notice::AlreadyApproved
            }
        }
        _ => Notice::FiguresChanged,
    };
    Ok(Redirect::to(&format!(
        "/mileage?team={}&month={}&notice={}",
        team.id,
        url_enc(&span.label()),
        notice.code()
    ))
    .into_response())
}

/// The approval line for a driver's körjournal PDF of a month: who approved it and when, and
/// whether the figures have changed since.
#[allow(clippy::too_many_arguments)]
async fn attest(
    state: &AppState,
    dash: &Dash,
    team: &TeamRow,
    span: Span,
    driver: &str,
    trips: &[Trip],
    rates: &RateSchedule,
    names: &HashMap<String, String>,
) -> DashResult<Option<Attest>> {
    let latest = data::approvals(&state.store, team.id, dash.actor.staff.org, &span.label())
        .await?
        .into_iter()
        .find(|a| a.driver == driver);
    let Some(latest) = latest else {
        return Ok(None);
    };
    let home_work = home_work_of(state, dash).await?;
    let sums = totals(trips, rates, &home_work)?;
    let now = approved_totals(&sums.iter().collect::<Vec<_>>());
    let unconfirmed = unconfirmed_of(trips, driver);
    let changed_since = match standing(
        span,
        swedish_date(Utc::now()),
        Some(&latest),
        &now,
        unconfirmed,
    ) {
        Standing::Approved(_) => false,
        Standing::Changed(_)
        | Standing::Unconfirmed {
            approval: Some(_), ..
        } => true,
        _ => return Ok(None),
    };
    Ok(Some(Attest {
        by: names
            .get(&latest.approved_by)
            .cloned()
            .unwrap_or_else(|| latest.approved_by.clone()),
        on: chrono::DateTime::from_timestamp_millis(latest.approved_ms)
            .map(swedish_date)
            .unwrap_or(span.last),
        changed_since,
    }))
}

fn download(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A safe file-name part (usernames and months are already tame; this keeps it so).
fn file_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The payroll file: one row per driver and month.
pub async fn payroll_csv(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<MileageQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let team = dash.team(&state, q.team.as_deref()).await?;
    let span = span_of(q.month.as_deref())?;
    let trips = span_trips(&state, &dash, &team, span).await?;
    let rates = rates_of(&state, &dash).await?;
    let home_work = home_work_of(&state, &dash).await?;
    let sums = totals(trips.iter().map(|t| &t.trip), &rates, &home_work)?;
    let names = names(&state, &team).await?;
    let approvals: HashMap<String, data::Approval> =
        data::approvals(&state.store, team.id, dash.actor.staff.org, &span.label())
            .await?
            .into_iter()
            .map(|a| (a.driver.clone(), a))
            .collect();
    state
        .store
        .append_audit(&[trip_audit(&dash, &team, AuditAction::Export)])
        .await?;
    let mut csv = Csv::new();
    csv.row(&[
        "Användarnamn",
        "Namn",
        "Månad",
        "Antal resor",
        "Km",
        "Belopp kr",
        "Skattefritt kr",
        "Skattepliktigt kr",
        "Attest",
        "Attesterat belopp kr",
        "Attesterad av",
        "Attesterad den",
        "Avdrag hem–arbete km",
        "Varav bilersättning förmånsbil kr",
        "Varav bilersättning förmånsbil skattefritt kr",
        "Varav bilersättning förmånsbil skattepliktigt kr",
    ]);
    let today = swedish_date(Utc::now());
    for t in &sums {
        let now = approved_totals(&[t]);
        let unconfirmed = unconfirmed_of(trips.iter().map(|t| &t.trip), &t.driver);
        let st = standing(span, today, approvals.get(&t.driver), &now, unconfirmed);
        let (status, approved) = match st {
            Standing::Approved(a) => ("attesterad".to_owned(), Some(a)),
            Standing::Changed(a) => ("ändrad efter attest – ej attesterad".to_owned(), Some(a)),
            Standing::Open => ("ej attesterad".to_owned(), None),
            Standing::NotOver { .. } => ("ej attesterad (månaden pågår)".to_owned(), None),
            Standing::Year => ("attesteras per månad".to_owned(), None),
            Standing::Unconfirmed { count, approval } => (
                format!(
                    "{}ej attesterad: {}",
                    if approval.is_some() {
                        "ändrad efter attest – "
                    } else {
                        ""
                    },
                    unconfirmed_sv(Lang::Sv, count)
                ),
                approval,
            ),
        };
        let when = |a: &data::Approval| {
            chrono::DateTime::from_timestamp_millis(a.approved_ms)
                .map(|t| swedish_time(t).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        };
        csv.row(&[
            t.driver.clone(),
            names.get(&t.driver).cloned().unwrap_or_default(),
            format!("{}-{:02}", t.year, t.month),
            t.trips.to_string(),
            export::decimal(t.centi_km as f64 / 100.0, 1),
            export::kronor(t.amount_ore),
            export::kronor(t.tax_free_ore),
            export::kronor(t.taxable_ore),
            status,
            approved
                .map(|a| export::kronor(a.amount_ore))
                .unwrap_or_default(),
            approved
                .map(|a| {
                    names
                        .get(&a.approved_by)
                        .cloned()
                        .unwrap_or_else(|| a.approved_by.clone())
                })
                .unwrap_or_default(),
            approved.map(when).unwrap_or_default(),
            export::decimal(
                deducted_deci_km(trips.iter().map(|t| &t.trip), &t.driver, &home_work) as f64
                    / 10.0,
                1,
            ),
            export::kronor(t.fuel_allowance_ore),
            export::kronor(t.fuel_allowance_tax_free_ore),
            export::kronor(t.fuel_allowance_ore - t.fuel_allowance_tax_free_ore),
        ]);
    }
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("milersattning-{}.csv", file_part(&span.label())),
        csv.finish().into_bytes(),
    ))
}

/// One driver's körjournal for a month or a year, as CSV or PDF: the same rows, CSV and PDF
/// as the field device's `export korjournal` (`uppsok_model::mileage::korjournal` and
/// [`uppsok_report::korjournal_pdf`]), with times on the Swedish wall clock and the viewer's
/// organisation's rates for the totals. `copy=payroll` (the default) says "klientbesök" where
/// `copy=team` has client codes; the access log names the copy and each client whose trips it
/// holds.
pub async fn korjournal(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<MileageQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let team = dash.team(&state, q.team.as_deref()).await?;
    let span = span_of(q.month.as_deref())?;
    let driver = q
        .driver
        .ok_or_else(|| DashError::BadRequest("Fältet förare saknas.".into()))?;
    let format = format_of(q.format.as_deref())?;
    let copy = copy_of(q.copy.as_deref())?;
    let trips: Vec<Trip> = span_trips(&state, &dash, &team, span)
        .await?
        .into_iter()
        .map(|t| t.trip)
        .filter(|t| t.driver.as_str() == driver)
        .collect();
    let rates = rates_of(&state, &dash).await?;
    let names = names(&state, &team).await?;
    let driver_line = match names.get(&driver) {
        Some(name) => format!("{name} ({driver})"),
        None => driver.clone(),
    };
    let home_work = home_work_of(&state, &dash).await?;
    let rows = korjournal::with_home_work(
        korjournal::rows(&trips, &driver, span.period(), swedish_time),
        home_work.get(&driver).copied().unwrap_or(0),
    );
    // Read once: payroll's copy hides these codes, and the access log names these clients.
    let clients = data::team_clients(&state.store, team.id).await?;
    let codes = codes_of(&clients);
    log_export(&state, &dash, &team, copy, &rows, &clients).await?;
    let base = format!(
        "korjournal-{}-{}",
        file_part(&driver),
        file_part(&span.label())
    );
    if format == "pdf" {
        let approval = attest(&state, &dash, &team, span, &driver, &trips, &rates, &names).await?;
        let pdf = korjournal_pdf::render(&KorjournalDoc {
            driver: driver_line,
            period: span.period(),
            rows,
            rates,
            created: swedish_date(Utc::now()),
            approval,
            copy,
            client_codes: codes,
            notes: Vec::new(),
            per_car: false,
        })
        .map_err(|e| DashError::Internal(e.to_string()))?;
        return Ok(download("application/pdf", &format!("{base}.pdf"), pdf));
    }
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{base}.csv"),
        korjournal::to_csv(&copy.apply(rows, &codes)).into_bytes(),
    ))
}

/// Logs a körjournal export (a driver's or a car's): one entry per client whose code its rows
/// name, under the copy's own action; one for the team when they name none.
async fn log_export(
    state: &AppState,
    dash: &Dash,
    team: &TeamRow,
    copy: JournalCopy,
    rows: &[korjournal::KorjournalRow],
    team_clients: &[data::TeamClient],
) -> DashResult<()> {
    let action = match copy {
        JournalCopy::Payroll => AuditAction::ExportPayrollCopy,
        JournalCopy::Team => AuditAction::ExportTeamCopy,
    };
    let clients = clients_in(team_clients, rows);
    let entries: Vec<AuditEntry> = if clients.is_empty() {
        vec![trip_audit(dash, team, action)]
    } else {
        clients
            .into_iter()
            .map(|client| AuditEntry {
                client: Some(client),
                ..trip_audit(dash, team, action)
            })
            .collect()
    };
    state.store.append_audit(&entries).await?;
    Ok(())
}

/// The organisation's cars with their trips in the team this month and links to each car's
/// körjournal for the month and for the year; nothing when the register is empty.
fn vehicles_table(
    l: Lang,
    team: &TeamRow,
    month: &str,
    copy: JournalCopy,
    trips: &[SeenTrip],
    vehicles: &[VehicleRow],
) -> String {
    if vehicles.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(
            l,
            "Körjournal per bil (alla förare)",
            "Driving log per car (all drivers)"
        ),
        tr(l, "Registreringsnummer", "Registration"),
        tr(l, "Slag", "Kind"),
        tr(l, "Drivmedel", "Fuel"),
        tr(l, "Resor", "Trips"),
        tr(l, "Km", "Km"),
        tr(l, "Körjournal", "Driving log"),
    );
    let year = month.get(..4).unwrap_or(month);
    for v in vehicles {
        let (n, km) = trips
            .iter()
            .filter(|t| v.registration.drove(&t.trip))
            .fold((0, 0.0), |(n, km), t| (n + 1, km + t.trip.km));
        let link = |period: &str, format: &str, label: &str| {
            format!(
                "<a href=\"/mileage/vehicle?team={}&amp;month={}&amp;registration={}&amp;copy={}&amp;format={format}\">{label}</a>",
                team.id,
                url_enc(period),
                url_enc(v.registration.as_str()),
                copy.as_str(),
            )
        };
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td class=\"num\">{n}</td><td class=\"num\">{}</td>\
             <td>{} {} · {} · {} {} · {}</td></tr>",
            esc(v.registration.as_str()),
            esc(v.kind.label_sv()),
            esc(&format!(
                "{}, {}",
                v.fuel.label_sv(),
                if v.driver_pays_fuel {
                    tr(l, "föraren betalar", "the driver pays")
                } else {
                    tr(l, "arbetsgivaren betalar", "the employer pays")
                }
            )),
            num(l, km, 1),
            esc(month),
            link(month, "csv", "CSV"),
            link(month, "pdf", "PDF"),
            esc(year),
            link(year, "csv", "CSV"),
            link(year, "pdf", "PDF"),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// One car's körjournal for a month or a year, as CSV or PDF: every trip the team's drivers
/// (of the viewer's organisation) drove in it, in order, with the odometer readings at the
/// start and end of the period and every break in the odometer between two trips flagged
/// (`uppsok_model::mileage::vehicle_journal`). Only for a car in the organisation's register;
/// supervisors only; the copies and the access log as for a driver's körjournal.
pub async fn vehicle_korjournal(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<MileageQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let team = dash.team(&state, q.team.as_deref()).await?;
    let span = span_of(q.month.as_deref())?;
    let registration = q
        .registration
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| DashError::BadRequest("Fältet registreringsnummer saknas.".into()))?;
    let registration = Registration::parse(registration).map_err(|_| {
        DashError::BadRequest(
            "Registreringsnumret ska vara 2–7 bokstäver och siffror, som ABC123.".into(),
        )
    })?;
    let vehicle = state
        .store
        .vehicle(dash.actor.staff.org, &registration)
        .await?
        .ok_or(DashError::NotFound("vehicle"))?;
    let format = format_of(q.format.as_deref())?;
    let copy = copy_of(q.copy.as_deref())?;
    let trips: Vec<Trip> = span_trips(&state, &dash, &team, span)
        .await?
        .into_iter()
        .map(|t| t.trip)
        .collect();
    let mut journal = vehicle_journal(&trips, &registration, span.period(), swedish_time);
    // Each driver's trips from home less their own commute, so the car's money is the money the
    // drivers' körjournals and payroll show.
    let home_work = home_work_of(&state, &dash).await?;
    journal.rows = journal
        .rows
        .into_iter()
        .flat_map(|r| {
            let hw = home_work.get(r.driver.as_str()).copied().unwrap_or(0);
            korjournal::with_home_work(vec![r], hw)
        })
        .collect();
    let rates = rates_of(&state, &dash).await?;
    // Read once: payroll's copy hides these codes, and the access log names these clients.
    let clients = data::team_clients(&state.store, team.id).await?;
    let codes = codes_of(&clients);
    log_export(&state, &dash, &team, copy, &journal.rows, &clients).await?;
    let base = format!(
        "korjournal-{}-{}",
        file_part(registration.as_str()),
        file_part(&span.label())
    );
    if format == "pdf" {
        let pdf = korjournal_pdf::render(&KorjournalDoc {
            driver: format!("{} {registration}, alla förare", vehicle.kind.title_sv()),
            period: span.period(),
            rows: journal.rows.clone(),
            rates,
            created: swedish_date(Utc::now()),
            approval: None,
            copy,
            client_codes: codes,
            notes: journal.notes_sv(),
            per_car: true,
        })
        .map_err(|e| DashError::Internal(e.to_string()))?;
        return Ok(download("application/pdf", &format!("{base}.pdf"), pdf));
    }
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let sums = korjournal::totals(&journal.rows, &rates)
        .map_err(|e| DashError::Internal(e.to_string()))?;
    let journal = VehicleJournal {
        rows: copy.apply(journal.rows.clone(), &codes),
        ..journal
    };
    let mut csv = journal.to_csv();
    if let Some(line) = sums.fuel_allowance_sv() {
        csv.push_str(&line.replace(';', ","));
        csv.push_str("\r\n");
    }
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{base}.csv"),
        csv.into_bytes(),
    ))
}

/// The team's client codes: what payroll's copy hides wherever a driver typed one.
fn codes_of(clients: &[data::TeamClient]) -> Vec<String> {
    clients.iter().map(|c| c.client.code.to_string()).collect()
}

/// The team's clients whose codes the rows name, each once, in code order: whom the export is
/// about, for the access log (ids only; a code that is no client of the team, such as an
/// organisation, names no one).
fn clients_in(
    clients: &[data::TeamClient],
    rows: &[korjournal::KorjournalRow],
) -> Vec<uppsok_model::ClientId> {
    let named: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r.visited.as_str())
        .filter(|v| korjournal::is_client_code(v))
        .collect();
    clients
        .iter()
        .filter(|c| named.contains(c.client.code.as_str()))
        .map(|c| c.client.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn figures(amount_ore: i64) -> ApprovedTotals {
        ApprovedTotals {
            trips: 3,
            centi_km: 9_000,
            amount_ore,
            tax_free_ore: 22_500,
            taxable_ore: amount_ore - 22_500,
        }
    }

    fn approval(version: i64, amount_ore: i64, split: bool) -> data::Approval {
        let f = figures(amount_ore);
        data::Approval {
            driver: "anna".into(),
            version,
            approved_by: "chef".into(),
            approved_ms: 0,
            trips: f.trips,
            centi_km: f.centi_km,
            amount_ore,
            tax_free_ore: split.then_some(f.tax_free_ore),
            taxable_ore: split.then_some(f.taxable_ore),
        }
    }

    #[test]
    fn the_default_month_is_the_last_whole_one() {
        assert_eq!(Span::month_before(d(2026, 12, 5)).label(), "2026-11");
        assert_eq!(Span::month_before(d(2026, 1, 1)).label(), "2025-12");
        let feb = Span::month_before(d(2028, 3, 31));
        assert_eq!((feb.first, feb.last), (d(2028, 2, 1), d(2028, 2, 29)));
    }

    #[test]
    fn a_month_is_approved_once_it_is_over_and_again_after_a_change() {
        let nov = Span::parse("2026-11").unwrap();
        let now = figures(27_450);
        // On its last day it is not over; the day after it is.
        assert_eq!(
            standing(nov, d(2026, 11, 30), None, &now, 0),
            Standing::NotOver {
                from: d(2026, 12, 1)
            }
        );
        assert_eq!(standing(nov, d(2026, 12, 1), None, &now, 0), Standing::Open);
        assert_eq!(Standing::Open.next_version(), Some(1));
        let a = approval(1, 27_450, true);
        let st = standing(nov, d(2026, 12, 2), Some(&a), &now, 0);
        assert_eq!(st, Standing::Approved(&a));
        assert_eq!(st.next_version(), None);
        // A trip synced late changes the amount: approve again, as version 2.
        let st = standing(nov, d(2026, 12, 2), Some(&a), &figures(30_000), 0);
        assert_eq!(st, Standing::Changed(&a));
        assert_eq!(st.next_version(), Some(2));
        // A changed split alone is a change too, unless the old approval never stored it.
        let mut moved = now;
        moved.tax_free_ore -= 100;
        moved.taxable_ore += 100;
        assert_eq!(
            standing(nov, d(2026, 12, 2), Some(&a), &moved, 0),
            Standing::Changed(&a)
        );
        let old = approval(1, 27_450, false);
        assert_eq!(
            standing(nov, d(2026, 12, 2), Some(&old), &moved, 0),
            Standing::Approved(&old)
        );
        // A whole year is never approved at once.
        let year = Span::parse("2026").unwrap();
        assert_eq!(standing(year, d(2027, 2, 1), None, &now, 0), Standing::Year);
    }

    #[test]
    fn unconfirmed_suggestions_hold_up_approval_and_say_how_many() {
        let nov = Span::parse("2026-11").unwrap();
        let now = figures(27_450);
        let st = standing(nov, d(2026, 12, 1), None, &now, 2);
        assert_eq!(
            st,
            Standing::Unconfirmed {
                count: 2,
                approval: None
            }
        );
        assert_eq!(st.next_version(), None);
        // While the month runs the driver still has time: it is simply not over.
        assert!(matches!(
            standing(nov, d(2026, 11, 30), None, &now, 2),
            Standing::NotOver { .. }
        ));
        // A changed month is not approved again either until they are confirmed.
        let a = approval(1, 27_450, true);
        let st = standing(nov, d(2026, 12, 2), Some(&a), &figures(30_000), 1);
        assert_eq!(
            st,
            Standing::Unconfirmed {
                count: 1,
                approval: Some(&a)
            }
        );
        assert_eq!(st.next_version(), None);
        // An approved month whose figures stand stays approved.
        assert_eq!(
            standing(nov, d(2026, 12, 2), Some(&a), &now, 1),
            Standing::Approved(&a)
        );
        assert_eq!(
            unconfirmed_sv(Lang::Sv, 1),
            "1 resa med föreslagen sträcka är inte bekräftad av föraren"
        );
        assert_eq!(
            unconfirmed_sv(Lang::Sv, 3),
            "3 resor med föreslagen sträcka är inte bekräftade av föraren"
        );
    }
}
