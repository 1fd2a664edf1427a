//! ACT fidelity for a team over a chosen period: the indicators `uppsok-model` computes (value,
//! DACTS-style 1–5 rating with the matching TMACT item, definition, target, anchors, weekly
//! trend chart), contact intensity by months since admission, closures and intake.
//!
//! Computed over the whole team — every client and contact of both organisations — so every
//! supervisor of the team sees the same figures. Only team totals leave this page, and a figure
//! about clients' care computed from fewer than three clients is withheld (docs/fidelity.md
//! gives the legal reasoning); the page lists no client.

use std::fmt::Write as _;

use uppsok_model::fidelity::{FidelityReport, program};

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::{
    ClientInCare, Direction, FidelityInput, IndicatorId, Lang, Period, compute, swedish_date,
};
use uppsok_model::{Phase, Role, Username};

use super::charts::{TrendPoint, trend_line};
use super::html::{Nav, esc};
use super::i18n::{self, num, percent, tr};
use super::{Dash, DashError, DashResult};
use crate::state::AppState;
use crate::store::AuditAction;
use crate::store::AuditEntry;
use crate::store::dashboard as data;

#[derive(Debug, Deserialize)]
pub struct FidelityQuery {
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The longest period a page computes: bounds the visits read for one request.
const MAX_DAYS: i64 = 366;

fn parse_date(s: Option<&str>) -> DashResult<Option<NaiveDate>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                DashError::BadRequest("Datum skrivs ÅÅÅÅ-MM-DD (fälten från och till).".into())
            }),
    }
}

/// How the page prints a value of `id`.
pub fn format_value(l: Lang, id: IndicatorId, v: f64) -> String {
    match id {
        IndicatorId::InCommunity | IndicatorId::TeamApproach => percent(l, v),
        _ => num(l, v, 1),
    }
}

fn rating_badge(l: Lang, r: Option<u8>) -> String {
    match r {
        Some(r) => format!(
            "<span class=\"rating r{r}\" aria-label=\"{} {r} {}\">{r}</span>",
            tr(l, "Skattning", "Rating"),
            tr(l, "av 5", "of 5")
        ),
        None => format!(
            "<span class=\"rating r0\" aria-label=\"{}\">–</span>",
            tr(l, "Ingen skattning", "No rating")
        ),
    }
}

/// The default period: the twelve whole calendar weeks (Monday–Sunday) before the week `today`
/// is in, so no trend starts or ends with a part of a week that looks like a drop.
pub fn whole_weeks_before(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let last = today - Duration::days(i64::from(today.weekday().num_days_from_monday()) + 1);
    (last - Duration::days(12 * 7 - 1), last)
}

/// The midnight (UTC) starting `day`, in ms: the bounds of a day's visits with a day's slack on
/// each side, since a Swedish day starts an hour or two before UTC's.
fn day_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or(0)
}

/// Loads the whole team's clients, contacts and staff changes and computes the report. Not the
/// viewer's share of them: the figures are the team's, the same for every supervisor.
pub async fn team_report(
    state: &AppState,
    team: uppsok_model::TeamId,
    period: Period,
    today: NaiveDate,
) -> DashResult<FidelityReport> {
    let all = data::team_clients(&state.store, team).await?;
    let first_written = data::first_written(&state.store, team).await?;
    let staff = state.store.list_staff(None, Some(&[team])).await?;
    let case_managers: Vec<Username> = staff
        .iter()
        .filter(|s| s.role == Role::CaseManager && s.active)
        .filter_map(|s| Username::parse(&s.username).ok())
        .collect();
    let ms_day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(swedish_date)
            .unwrap_or(today)
    };
    let clients: Vec<ClientInCare> = all
        .iter()
        .map(|c| {
            let first = first_written
                .get(&c.client.id)
                .copied()
                .map_or(today, ms_day);
            let admission = c.client.admission(first);
            ClientInCare {
                id: c.client.id,
                phase: c.client.phase,
                admitted: Some(admission.date),
                admission_estimated: admission.estimated,
                // A closure from before the day was asked: the last change is the best guess.
                closed: (c.client.phase == Phase::Closed)
                    .then(|| c.client.closed_on.unwrap_or_else(|| ms_day(c.updated_ms))),
                case_manager: c.client.contact_person.clone(),
                closure: c.client.closure_reason(),
            }
        })
        .collect();
    let visits = data::visit_facts(
        &state.store,
        data::FactsFor::TeamTotals,
        team,
        &all,
        day_ms(period.first - Duration::days(1)),
        day_ms(period.last + Duration::days(2)),
    )
    .await?;
    let exits_from = program::months_back(period.last, 24).first;
    let staff_exits = data::team_exits_between(
        &state.store,
        team,
        day_ms(exits_from),
        day_ms(period.last + Duration::days(1)),
    )
    .await?;
    Ok(compute(&FidelityInput {
        period,
        staff: &case_managers,
        clients: &clients,
        visits: &visits,
        staff_exits,
        min_clients: program::MIN_CLIENTS,
    }))
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<FidelityQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let l = dash.lang();
    let team = dash.team(&state, q.team.as_deref()).await?;
    let today = swedish_date(Utc::now());
    let (default_first, default_last) = whole_weeks_before(today);
    let last = parse_date(q.to.as_deref())?.unwrap_or(default_last);
    let first = match parse_date(q.from.as_deref())? {
        Some(d) => d,
        None if q.to.is_some() => last - Duration::days(12 * 7 - 1),
        None => default_first,
    };
    if last < first || (last - first).num_days() >= MAX_DAYS {
        return Err(DashError::BadRequest(
            "Perioden ska vara 1 till 366 dagar, med från före till.".into(),
        ));
    }
    let period = Period::new(first, last);

    let report = team_report(&state, team.id, period, today).await?;
    state
        .store
        .append_audit(&[AuditEntry {
            team: Some(team.id),
            ..dash.audit(AuditAction::Fidelity)
        }])
        .await?;

    let mut body = dash.team_picker(&state, &team).await?;
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/fidelity\">\
         <input type=\"hidden\" name=\"team\" value=\"{}\">\
         <label for=\"from\">{}<input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></label>\
         <label for=\"to\">{}<input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button></form>",
        team.id,
        tr(l, "Från", "From"),
        i18n::date(first),
        tr(l, "Till och med", "To (inclusive)"),
        i18n::date(last),
        tr(l, "Visa period", "Show period"),
    );
    let c = &report.counts;
    let _ = write!(
        body,
        "<p>{} <strong>{}</strong>, {} – {}. {} {} {}, {} {}, {} {} ({} {}), {} {}, {} {}.</p>",
        tr(l, "Team", "Team"),
        esc(&team.name),
        i18n::date(first),
        i18n::date(last),
        tr(l, "Underlag:", "Based on:"),
        c.clients_in_period,
        tr(
            l,
            "klienter i teamets vård (båda organisationerna; här visas bara summor för hela teamet)",
            "clients in the team's care (both organisations; only team totals are shown here)"
        ),
        c.staff,
        tr(l, "case managers", "case managers"),
        c.reached,
        tr(l, "kontakter med klienten", "contacts with the client"),
        c.face_to_face,
        tr(l, "fysiska", "face to face"),
        c.network_only,
        tr(
            l,
            "nätverkskontakter utan klienten",
            "network contacts without the client"
        ),
        c.attempts,
        tr(
            l,
            "misslyckade försök (räknas inte som kontakter)",
            "failed attempts (not counted as contacts)"
        ),
    );
    body.push_str(&structure_note(l));
    if report.estimated_admissions > 0 {
        let _ = write!(
            body,
            "<p class=\"notice\">{} {}</p>",
            report.estimated_admissions,
            tr(
                l,
                "klienter i vård har ett uppskattat inskrivningsdatum (dagen de registrerades). \
                 Bekräfta datumet i appen så räknas de med i intagningstakt och kontakt efter tid i vård.",
                "clients in care have an estimated admission date (the day they were recorded). \
                 Confirm the date in the app so they count in the intake rate and contact by time in care."
            )
        );
    }
    for ind in &report.indicators {
        let value = match ind.value {
            Some(x) => format!(
                "<strong>{}</strong> {}",
                format_value(l, ind.id, x),
                esc(ind.unit.get(l))
            ),
            None => ind
                .missing
                .map(|m| esc(m.text().get(l)))
                .unwrap_or_default(),
        };
        let target = match ind.anchors.direction {
            Direction::AtLeast => format!("≥ {}", format_value(l, ind.id, ind.target)),
            Direction::AtMost => format!("≤ {}", format_value(l, ind.id, ind.target)),
        };
        let bands = ind.anchors.bands();
        let mut anchors = String::new();
        for (i, (lo, hi)) in bands.iter().enumerate() {
            let f = |x: f64| format_value(l, ind.id, x);
            let text = match (lo, hi) {
                (None, Some(h)) => format!("< {}", f(*h)),
                (Some(lo), None) => format!("≥ {}", f(*lo)),
                (Some(lo), Some(h)) => format!("{} – {}", f(*lo), f(*h)),
                (None, None) => String::new(),
            };
            let text = if ind.anchors.direction == Direction::AtMost {
                match (lo, hi) {
                    (None, Some(h)) => format!("≤ {}", f(*h)),
                    (Some(lo), None) => format!("> {}", f(*lo)),
                    _ => text,
                }
            } else {
                text
            };
            let _ = write!(anchors, "<td class=\"num\">{}</td>", esc(&text));
            let _ = i;
        }
        let labels: Vec<String> = ind
            .trend
            .iter()
            .map(|p| p.first.format("%m-%d").to_string())
            .collect();
        let points: Vec<TrendPoint<'_>> = ind
            .trend
            .iter()
            .zip(&labels)
            .map(|(p, label)| TrendPoint {
                label,
                value: p.value,
            })
            .collect();
        let id = ind.id;
        let chart = if points.is_empty() {
            String::new()
        } else {
            format!(
                "<figure><figcaption>{}</figcaption>{}</figure>",
                if id == IndicatorId::TeamApproach {
                    tr(
                        l,
                        "Utveckling per tvåveckorsfönster",
                        "Trend per two-week window",
                    )
                } else {
                    tr(l, "Utveckling per vecka", "Trend per week")
                },
                trend_line(l, ind.label.get(l), &points, ind.target, &move |x| {
                    format_value(l, id, x)
                })
            )
        };
        let _ = write!(
            body,
            "<section class=\"card\" aria-labelledby=\"ind-{id}\" id=\"{id}\">\
             <h2 id=\"ind-{id}\">{} <span class=\"muted\">(DACTS {} · TMACT: {})</span></h2>\
             <p>{} {value} · {} {} · {} {}</p>\
             <p>{}</p>\
             <table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\" class=\"num\">1</th><th scope=\"col\" class=\"num\">2</th><th scope=\"col\" class=\"num\">3</th>\
             <th scope=\"col\" class=\"num\">4</th><th scope=\"col\" class=\"num\">5</th></tr></thead>\
             <tbody><tr><th scope=\"row\">{}</th>{anchors}</tr></tbody></table>\
             {chart}</section>",
            esc(ind.label.get(l)),
            ind.dacts_item,
            esc(ind.id.tmact_item().get(l)),
            tr(l, "Värde:", "Value:"),
            tr(l, "Skattning", "Rating"),
            rating_badge(l, ind.rating.map(|r| r.get())),
            tr(l, "Mål:", "Target:"),
            esc(&target),
            esc(ind.definition.get(l)),
            tr(l, "Skattningsskala (DACTS)", "Rating anchors (DACTS)"),
            tr(l, "Skattning", "Rating"),
            esc(ind.unit.get(l)),
        );
    }
    body.push_str(&after_hours_card(l, &report));
    body.push_str(&stage_card(l, &report));
    body.push_str(&closures_card(l, &report));
    if !report.caseloads.is_empty() {
        let _ = write!(
            body,
            "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            tr(
                l,
                "Klienter per kontaktperson (i vård periodens sista dag)",
                "Clients per contact person (in care on the period's last day)"
            ),
            tr(l, "Case manager", "Case manager"),
            tr(l, "Klienter", "Clients"),
            tr(l, "Skattning", "Rating"),
        );
        for cl in &report.caseloads {
            let _ = write!(
                body,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(cl.staff.as_str()),
                cl.clients,
                rating_badge(l, cl.rating.map(|r| r.get()))
            );
        }
        let _ = write!(
            body,
            "</tbody></table><p class=\"muted\">{} {}</p>",
            tr(
                l,
                "Utan kontaktperson i teamet:",
                "Without a case manager on the team:"
            ),
            report.unassigned
        );
    }
    Ok(dash.render(
        tr(l, "ACT-trohet", "ACT fidelity"),
        Nav::Fidelity,
        Some(&team),
        &body,
    ))
}

/// What the team is and is not: a small integrated team is case management according to ACT,
/// and the structural DACTS items no such team can meet are said once, not left to look like
/// failures.
fn structure_note(l: Lang) -> String {
    format!(
        "<section class=\"card\" aria-labelledby=\"structure\"><h2 id=\"structure\">{}</h2><p>{}</p></section>",
        tr(
            l,
            "Case management enligt ACT – inte fullt ACT",
            "Case management according to ACT – not full ACT"
        ),
        tr(
            l,
            "Ett litet integrerat team (några case managers från kommunen och regionen) arbetar \
             enligt ACT-modellens principer men är inte ett fullt ACT-team. Vid en \
             trohetsmätning (DACTS/TMACT) blir det lågt på de strukturella punkterna: \
             teamets storlek och bemanning (H6, H11), psykiater, sjuksköterska, \
             beroende-, arbets- och kamratspecialister i teamet (H7–H10), dygnet-runt-ansvar \
             för kriser (O4) och ansvar för in- och utskrivning i slutenvård (O5, O6). \
             Måtten här följer det teamet självt kan påverka.",
            "A small integrated team (a few case managers from the municipality and the region) \
             works by the principles of ACT but is not a full ACT team. A fidelity review \
             (DACTS/TMACT) rates it low on the structural items: team size and staffing (H6, \
             H11), a psychiatrist, a nurse and substance-use, vocational and peer specialists \
             on the team (H7–H10), 24-hour crisis responsibility (O4) and responsibility for \
             hospital admissions and discharges (O5, O6). The figures here follow what the \
             team itself can change."
        )
    )
}

fn missing_text(l: Lang, m: Option<uppsok_model::fidelity::Missing>) -> String {
    m.map(|m| esc(m.text().get(l))).unwrap_or_default()
}

/// The share of contacts outside office hours: a proxy for crisis cover by the team (O4).
fn after_hours_card(l: Lang, r: &FidelityReport) -> String {
    let value = match r.after_hours {
        Some(v) => format!("<strong>{}</strong>", percent(l, v)),
        None => missing_text(l, r.after_hours_missing),
    };
    format!(
        "<section class=\"card\" aria-labelledby=\"after-hours\" id=\"after_hours\"><h2 id=\"after-hours\">{} <span class=\"muted\">({})</span></h2><p>{} {value}</p><p>{}</p></section>",
        tr(
            l,
            "Kontakter utanför kontorstid",
            "Contacts outside office hours"
        ),
        tr(
            l,
            "ersättning för DACTS O4, utan skattning",
            "proxy for DACTS O4, not rated"
        ),
        tr(l, "Andel:", "Share:"),
        tr(
            l,
            "Kontakter (alla kontaktsätt som nådde klienten eller nätverket) som började före \
             08.00, från 17.00 eller på lördag eller söndag, svensk tid, delat med alla \
             kontakter. Helgdagar räknas som vardagar.",
            "Contacts (any kind that reached the client or the network) starting before 08:00, \
             from 17:00 or on a Saturday or Sunday, Swedish time, divided by all contacts. \
             Public holidays count as weekdays."
        ),
    )
}

/// Contacts per client-week by months since admission: "densest at the start".
fn stage_card(l: Lang, r: &FidelityReport) -> String {
    let labels: Vec<&str> = r.by_stage.iter().map(|p| p.label().get(l)).collect();
    let points: Vec<TrendPoint<'_>> = r
        .by_stage
        .iter()
        .zip(&labels)
        .map(|(p, label)| TrendPoint {
            label,
            value: p.value,
        })
        .collect();
    let target = IndicatorId::ContactFrequency.target();
    let chart = trend_line(
        l,
        tr(
            l,
            "Fysiska möten per klient och vecka efter tid i vård",
            "Face-to-face contacts per client per week by time in care",
        ),
        &points,
        target,
        &|x| num(l, x, 1),
    );
    let mut rows = String::new();
    for (p, label) in r.by_stage.iter().zip(&labels) {
        let value = match p.value {
            Some(v) => num(l, v, 2),
            None => missing_text(l, p.missing),
        };
        let clients = if p.clients > 0 && p.clients < program::MIN_CLIENTS {
            tr(l, "färre än 3", "fewer than 3").to_string()
        } else {
            p.clients.to_string()
        };
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{clients}</td><td class=\"num\">{value}</td></tr>",
            esc(label)
        );
    }
    format!(
        "<section class=\"card\" aria-labelledby=\"by-stage\" id=\"by_stage\"><h2 id=\"by-stage\">{}</h2><p>{}</p>\
         <figure><figcaption>{}</figcaption>{chart}</figure>\
         <table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>{rows}</tbody></table></section>",
        tr(l, "Kontakt efter tid i vård", "Contact by time in care"),
        tr(
            l,
            "Kontakten brukar vara tätast i början. Fysiska möten med klienten per klientvecka \
             under perioden, efter hur många hela månader klienten då varit inskriven. Klienter \
             med uppskattat inskrivningsdatum räknas inte.",
            "Contact is usually densest at the start. Face-to-face contacts with the client per \
             client-week in the period, by whole months since admission. Clients with an \
             estimated admission date are left out."
        ),
        tr(
            l,
            "Streckad linje: ACT-målet 4 möten per vecka",
            "Dashed line: the ACT target of 4 contacts per week"
        ),
        tr(l, "Kontakt efter tid i vård", "Contact by time in care"),
        tr(l, "Tid i vård", "Time in care"),
        tr(l, "Klienter", "Clients"),
        tr(
            l,
            "Möten per klient och vecka",
            "Contacts per client per week"
        ),
    )
}

/// Closures by reason and intake by month over the program items' windows.
fn closures_card(l: Lang, r: &FidelityReport) -> String {
    let count = |n: usize| {
        if n > 0 && n < program::MIN_CLIENTS {
            tr(l, "1–2", "1–2").to_string()
        } else {
            n.to_string()
        }
    };
    let mut rows = String::new();
    for (reason, n) in &r.closures.by_reason {
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(reason.label().get(l)),
            count(*n),
            if reason.is_dropout() {
                tr(l, "avhopp", "drop-out")
            } else {
                ""
            }
        );
    }
    let mut intake = String::new();
    for (month, n) in &r.intake {
        let _ = write!(
            intake,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{n}</td></tr>",
            month.format("%Y-%m")
        );
    }
    format!(
        "<section class=\"card\" aria-labelledby=\"closures\" id=\"closures\"><h2 id=\"closures\">{}</h2>\
         <table><caption>{} ({} {})</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\"></th></tr></thead><tbody>{rows}</tbody></table>\
         <table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>{intake}</tbody></table>\
         <p class=\"muted\">{}</p></section>",
        tr(l, "Avslut och inskrivningar", "Closures and admissions"),
        tr(
            l,
            "Avslut de senaste 12 månaderna efter orsak",
            "Closures in the last 12 months by reason"
        ),
        r.closures.in_care,
        tr(
            l,
            "klienter i vård under tiden",
            "clients in care meanwhile"
        ),
        tr(l, "Orsak", "Reason"),
        tr(l, "Antal", "Number"),
        tr(
            l,
            "Inskrivna per månad (bekräftade datum)",
            "Admitted per month (confirmed dates)"
        ),
        tr(l, "Månad", "Month"),
        tr(l, "Inskrivna", "Admitted"),
        tr(
            l,
            "Antal under 3 visas som 1–2 så att ingen enskild klient kan pekas ut.",
            "Numbers under 3 are shown as 1–2 so that no single client can be singled out."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn the_default_period_is_twelve_whole_weeks() {
        for day in 1..=14 {
            let today = NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
            let (first, last) = whole_weeks_before(today);
            assert_eq!(first.weekday(), Weekday::Mon, "{today}");
            assert_eq!(last.weekday(), Weekday::Sun, "{today}");
            assert_eq!((last - first).num_days(), 83);
            assert!(last < today && (today - last).num_days() <= 7, "{today}");
        }
    }
}
