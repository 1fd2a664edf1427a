//! ACT fidelity for a team over a chosen period: the six indicators `uppsok-model` computes
//! (value, DACTS-style 1–5 rating, definition, target, anchors, weekly trend chart), computed
//! from the clients and visits the viewer may see.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::{
    ClientInCare, Direction, FidelityInput, IndicatorId, Lang, Period, compute, swedish_date,
};
use uppsok_model::{Phase, Role, StaffId, Username};

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

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<FidelityQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let l = dash.lang();
    let v = dash.viewer();
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

    let all = data::team_clients(&state.store, team.id).await?;
    let shown = data::visible(&v, &all);
    let staff = state.store.list_staff(None, Some(&[team.id])).await?;
    let usernames: HashMap<StaffId, Username> = staff
        .iter()
        .filter_map(|s| Username::parse(&s.username).ok().map(|u| (s.id, u)))
        .collect();
    let case_managers: Vec<Username> = staff
        .iter()
        .filter(|s| s.role == Role::CaseManager && s.active)
        .filter_map(|s| usernames.get(&s.id).cloned())
        .collect();
    let clients: Vec<ClientInCare> = shown
        .iter()
        .map(|c| ClientInCare {
            id: c.client.id,
            phase: c.client.phase,
            // The client record carries no admission date; clients count as in care from
            // before any period asked about, and a closed client until its last change.
            admitted: None,
            closed: (c.client.phase == Phase::Closed).then(|| {
                chrono::DateTime::from_timestamp_millis(c.updated_ms)
                    .map(swedish_date)
                    .unwrap_or(today)
            }),
            case_manager: usernames.get(&c.author).cloned(),
        })
        .collect();
    let from_ms = (first - Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or(0);
    let to_ms = (last + Duration::days(2))
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_millis())
        .unwrap_or(i64::MAX);
    let visits = data::visit_facts(&state.store, &v, team.id, &all, from_ms, to_ms).await?;
    let report = compute(&FidelityInput {
        period,
        staff: &case_managers,
        clients: &clients,
        visits: &visits,
    });
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
        "<p>{} <strong>{}</strong>, {} – {}. {} {} {}, {} {}, {} {} ({} {}), {} {}.</p>",
        tr(l, "Team", "Team"),
        esc(&team.name),
        i18n::date(first),
        i18n::date(last),
        tr(l, "Underlag:", "Based on:"),
        c.clients_in_period,
        tr(l, "klienter som du får se", "clients you may see"),
        c.staff,
        tr(l, "case managers", "case managers"),
        c.reached,
        tr(l, "kontakter", "contacts"),
        c.face_to_face,
        tr(l, "fysiska", "face to face"),
        c.attempts,
        tr(
            l,
            "misslyckade försök (räknas inte som kontakter)",
            "failed attempts (not counted as contacts)"
        ),
    );
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
        let chart = trend_line(l, ind.label.get(l), &points, ind.target, &move |x| {
            format_value(l, id, x)
        });
        let _ = write!(
            body,
            "<section class=\"card\" aria-labelledby=\"ind-{id}\" id=\"{id}\">\
             <h2 id=\"ind-{id}\">{} <span class=\"muted\">(DACTS {})</span></h2>\
             <p>{} {value} · {} {} · {} {}</p>\
             <p>{}</p>\
             <table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\" class=\"num\">1</th><th scope=\"col\" class=\"num\">2</th><th scope=\"col\" class=\"num\">3</th>\
             <th scope=\"col\" class=\"num\">4</th><th scope=\"col\" class=\"num\">5</th></tr></thead>\
             <tbody><tr><th scope=\"row\">{}</th>{anchors}</tr></tbody></table>\
             <figure><figcaption>{}</figcaption>{chart}</figure></section>",
            esc(ind.label.get(l)),
            ind.dacts_item,
            tr(l, "Värde:", "Value:"),
            tr(l, "Skattning", "Rating"),
            rating_badge(l, ind.rating.map(|r| r.get())),
            tr(l, "Mål:", "Target:"),
            esc(&target),
            esc(ind.definition.get(l)),
            tr(l, "Skattningsskala (DACTS)", "Rating anchors (DACTS)"),
            tr(l, "Skattning", "Rating"),
            esc(ind.unit.get(l)),
            if id == IndicatorId::TeamApproach {
                tr(
                    l,
                    "Utveckling per tvåveckorsfönster",
                    "Trend per two-week window",
                )
            } else {
                tr(l, "Utveckling per vecka", "Trend per week")
            },
        );
    }
    if !report.caseloads.is_empty() {
        let _ = write!(
            body,
            "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            tr(
                l,
                "Klienter per case manager (kontaktperson)",
                "Clients per case manager (primary)"
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
