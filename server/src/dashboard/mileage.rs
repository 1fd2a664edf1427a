//! Mileage: per driver and month, km, trips and the reimbursement split into the tax-free
//! allowance and the taxable rest (computed by `uppsok-model::mileage` with the viewer's
//! organisation's rates); approving a month (stored with the totals approved, and logged); the
//! payroll CSV; and the körjournal per driver as CSV or PDF.
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
use uppsok_model::fidelity::{swedish_date, swedish_time};
use uppsok_model::mileage::korjournal::{self, Period};
use uppsok_model::mileage::{DrivenTrip, MonthlyTotal, VehicleKind, monthly_totals};
use uppsok_model::{Entity, Rates, Trip};

use super::export::{self, Csv};
use super::html::{Nav, attr, csrf_field, esc, url_enc};
use super::i18n::{self, money, num, tr};
use super::{Dash, DashError, DashResult};
use crate::state::AppState;
use crate::store::AuditAction;
use crate::store::dashboard::{self as data, SeenTrip};
use crate::store::{AuditEntry, TeamRow};
use uppsok_report::korjournal_pdf::{self, KorjournalDoc};

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

    pub fn this_month() -> Span {
        let today = swedish_date(Utc::now());
        let s = format!("{}-{:02}", today.year(), today.month());
        // Built from a real date, so it always parses.
        Span::parse(&s).unwrap_or(Span {
            first: today,
            last: today,
        })
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
}

fn span_of(s: Option<&str>) -> DashResult<Span> {
    match s.filter(|s| !s.trim().is_empty()) {
        None => Ok(Span::this_month()),
        Some(s) => Span::parse(s)
            .ok_or_else(|| DashError::BadRequest("Månaden skrivs ÅÅÅÅ-MM (eller ÅÅÅÅ).".into())),
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

async fn rates_of(state: &AppState, dash: &Dash) -> DashResult<Rates> {
    Ok(state
        .store
        .org(dash.actor.staff.org)
        .await?
        .map(|o| o.rates)
        .unwrap_or_default())
}

fn totals(trips: &[SeenTrip], rates: &Rates) -> DashResult<Vec<MonthlyTotal<String>>> {
    let driven: Vec<DrivenTrip<String>> = trips
        .iter()
        .map(|t| DrivenTrip {
            driver: t.trip.driver.as_str().to_owned(),
            date: swedish_date(t.trip.start),
            vehicle: VehicleKind::from(&t.trip.vehicle),
            km: t.trip.km,
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
    let sums = totals(&trips, &rates)?;
    let names = names(&state, &team).await?;
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

    let mut body = dash.team_picker(&state, &team).await?;
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/mileage\">\
         <input type=\"hidden\" name=\"team\" value=\"{}\">\
         <label for=\"month\">{}<input id=\"month\" name=\"month\" type=\"month\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button></form>\
         <p>{} {} {} · {} {}</p>",
        team.id,
        tr(l, "Månad", "Month"),
        attr(&month),
        tr(l, "Visa", "Show"),
        tr(l, "Ersättning per km:", "Rate per km:"),
        money(l, rates.own_car_ore_per_km),
        tr(l, "egen bil", "own car"),
        money(l, rates.service_car_ore_per_km),
        tr(l, "tjänstebil", "service car"),
    );
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
    for t in &sums {
        let name = names
            .get(&t.driver)
            .cloned()
            .unwrap_or_else(|| t.driver.clone());
        let approval = match approvals.get(&t.driver) {
            Some(a) => {
                let changed = a.trips != i64::from(t.trips)
                    || a.centi_km != t.centi_km
                    || a.amount_ore != t.amount_ore;
                let when = chrono::DateTime::from_timestamp_millis(a.approved_ms)
                    .map(i18n::date_time)
                    .unwrap_or_default();
                format!(
                    "{} {} ({when}){}",
                    tr(l, "Attesterad av", "Approved by"),
                    esc(&a.approved_by),
                    if changed {
                        format!(
                            " <span class=\"flag\">{}</span>",
                            tr(l, "– ändrad efter attest!", "– changed after approval!")
                        )
                    } else {
                        String::new()
                    }
                )
            }
            None => format!(
                "<form method=\"post\" action=\"/mileage/approve\">{}\
                 <input type=\"hidden\" name=\"team\" value=\"{}\">\
                 <input type=\"hidden\" name=\"month\" value=\"{}\">\
                 <input type=\"hidden\" name=\"driver\" value=\"{}\">\
                 <button type=\"submit\" aria-label=\"{} {}\">{}</button></form>",
                csrf_field(dash.csrf()),
                team.id,
                attr(&month),
                attr(&t.driver),
                tr(l, "Attestera månaden för", "Approve the month for"),
                attr(&name),
                tr(l, "Attestera", "Approve"),
            ),
        };
        let q = format!(
            "team={}&month={}&driver={}",
            team.id,
            url_enc(&month),
            url_enc(&t.driver)
        );
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{approval}</td>\
             <td><a href=\"/mileage/korjournal?{q}&amp;format=csv\" aria-label=\"{} CSV {}\">CSV</a> · \
             <a href=\"/mileage/korjournal?{q}&amp;format=pdf\" aria-label=\"{} PDF {}\">PDF</a></td></tr>",
            esc(&name),
            t.trips,
            num(l, t.centi_km as f64 / 100.0, 1),
            money(l, t.amount_ore),
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
            "Skattefri milersättning för egen bil: 25 kr/mil (2,50 kr/km) från 2023; tjänstebil ger ingen skattefri del.",
            "Tax-free allowance for an own car: SEK 25 per 10 km (2.50/km) from 2023; a service car has no tax-free part."
        ),
    );
    Ok(dash.render(
        tr(l, "Körjournal och milersättning", "Mileage"),
        Nav::Mileage,
        Some(&team),
        &body,
    ))
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
}

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
        .ok_or_else(|| DashError::BadRequest("Fältet förare saknas.".into()))?;
    let trips: Vec<SeenTrip> = span_trips(&state, &dash, &team, span)
        .await?
        .into_iter()
        .filter(|t| t.trip.driver.as_str() == driver)
        .collect();
    let rates = rates_of(&state, &dash).await?;
    let t = totals(&trips, &rates)?;
    let (n, km, amount) = t.iter().fold((0i64, 0i64, 0i64), |acc, t| {
        (
            acc.0 + i64::from(t.trips),
            acc.1 + t.centi_km,
            acc.2 + t.amount_ore,
        )
    });
    if n == 0 {
        return Err(DashError::BadRequest(
            "Det finns inga resor att attestera.".into(),
        ));
    }
    data::approve(
        &state.store,
        team.id,
        dash.actor.staff.org,
        &driver,
        &span.label(),
        &dash.actor.staff.username,
        n,
        km,
        amount,
    )
    .await?;
    state
        .store
        .append_audit(&[trip_audit(&dash, &team, AuditAction::Approve)])
        .await?;
    Ok(Redirect::to(&format!(
        "/mileage?team={}&month={}",
        team.id,
        url_enc(&span.label())
    ))
    .into_response())
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
    let sums = totals(&trips, &rates)?;
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
        "Attesterad",
        "Attesterad av",
    ]);
    for t in &sums {
        let a = approvals.get(&t.driver);
        csv.row(&[
            t.driver.clone(),
            names.get(&t.driver).cloned().unwrap_or_default(),
            format!("{}-{:02}", t.year, t.month),
            t.trips.to_string(),
            export::decimal(t.centi_km as f64 / 100.0, 2),
            export::kronor(t.amount_ore),
            export::kronor(t.tax_free_ore),
            export::kronor(t.taxable_ore),
            if a.is_some() { "ja" } else { "nej" }.to_string(),
            a.map(|a| a.approved_by.clone()).unwrap_or_default(),
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
/// organisation's rates for the totals.
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
    let format = match q.format.as_deref().unwrap_or("csv") {
        f @ ("csv" | "pdf") => f,
        _ => {
            return Err(DashError::BadRequest(
                "Formatet ska vara csv eller pdf.".into(),
            ));
        }
    };
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
    state
        .store
        .append_audit(&[trip_audit(&dash, &team, AuditAction::Export)])
        .await?;
    let rows = korjournal::rows(&trips, &driver, span.period(), swedish_time);
    let base = format!(
        "korjournal-{}-{}",
        file_part(&driver),
        file_part(&span.label())
    );
    if format == "pdf" {
        let pdf = korjournal_pdf::render(&KorjournalDoc {
            driver: driver_line,
            period: span.period(),
            rows,
            rates,
            created: swedish_date(Utc::now()),
        })
        .map_err(|e| DashError::Internal(e.to_string()))?;
        return Ok(download("application/pdf", &format!("{base}.pdf"), pdf));
    }
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{base}.csv"),
        korjournal::to_csv(&rows).into_bytes(),
    ))
}
