//! The team overview: every client in care with phase, days since the last face-to-face
//! contact, contacts per week over 4 and 12 weeks (with a small chart) and the next planned
//! contact; above it, the clients not reached in N days, with those where staff tried and
//! failed kept apart from those nobody tried to reach.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Duration, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::{
    Lang, NotReached, OverviewOptions, client_overview, not_reached, swedish_date,
};
use uppsok_model::{ClientId, Phase};

use super::charts::weekly_bars;
use super::html::{Nav, attr, esc};
use super::i18n::{self, num, tr};
use super::{Dash, DashResult, NOT_REACHED_DAYS};
use crate::state::AppState;
use crate::store::AuditAction;
use crate::store::dashboard::{self as data, TeamClient};

#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    days: Option<String>,
}

/// N of "not reached in N days": `?days=`, else `UPPSOK_NOT_REACHED_DAYS`, else 7.
fn days_of(q: Option<&str>) -> u32 {
    q.and_then(|d| d.trim().parse::<u32>().ok())
        .or_else(|| {
            std::env::var("UPPSOK_NOT_REACHED_DAYS")
                .ok()
                .and_then(|d| d.trim().parse().ok())
        })
        .unwrap_or(NOT_REACHED_DAYS)
        .clamp(1, 365)
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<OverviewQuery>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let l = dash.lang();
    let v = dash.viewer();
    let team = dash.team(&state, q.team.as_deref()).await?;
    let days = days_of(q.days.as_deref());
    let all = data::team_clients(&state.store, team.id).await?;
    let shown: Vec<TeamClient> = data::visible(&v, &all)
        .into_iter()
        .filter(|c| c.client.phase != Phase::Closed)
        .collect();
    let now = Utc::now();
    let today = swedish_date(now);
    // Twelve weeks back plus a day of margin for the Swedish offset; nothing older is read.
    let from = (now - Duration::days(12 * 7 + 1)).timestamp_millis();
    let to = (now + Duration::days(1)).timestamp_millis();
    let visits = data::visit_facts(&state.store, &v, team.id, &all, from, to).await?;
    let opts = OverviewOptions {
        not_reached_days: days,
        face_to_face_only: false,
    };
    let ids: Vec<ClientId> = shown.iter().map(|c| c.client.id).collect();
    let rows = client_overview(&ids, &visits, today, &opts);
    let lists = not_reached(&rows, &opts);
    let by_id: HashMap<ClientId, &TeamClient> = shown.iter().map(|c| (c.client.id, c)).collect();

    let entries: Vec<_> = shown
        .iter()
        .map(|c| dash.audit_client(AuditAction::List, c.client.id, team.id, c.facts.org))
        .collect();
    state.store.append_audit(&entries).await?;

    let mut body = dash.team_picker(&state, &team).await?;
    let _ = write!(
        body,
        "<p class=\"muted\">{} <strong>{}</strong> · {} {}</p>\
         <form class=\"filters\" method=\"get\" action=\"/overview\">\
         <input type=\"hidden\" name=\"team\" value=\"{}\">\
         <label for=\"days\">{}<input id=\"days\" name=\"days\" type=\"number\" min=\"1\" max=\"365\" value=\"{days}\"></label>\
         <button type=\"submit\">{}</button></form>",
        tr(l, "Team", "Team"),
        esc(&team.name),
        shown.len(),
        tr(
            l,
            "klienter i vård som du får se",
            "clients in care you may see"
        ),
        team.id,
        tr(l, "Ej nådd på antal dagar", "Not reached in days"),
        tr(l, "Uppdatera", "Update"),
    );

    let flagged = lists.not_tried.len() + lists.failed_attempts.len();
    let _ = write!(
        body,
        "<section aria-labelledby=\"nr\" class=\"{}\"><h2 id=\"nr\">{} {days} {}</h2>",
        if flagged > 0 { "alert" } else { "ok" },
        tr(l, "Inte nådda på", "Not reached in"),
        tr(l, "dagar", "days"),
    );
    if flagged == 0 {
        let _ = write!(
            body,
            "<p>{}</p>",
            tr(
                l,
                "Alla klienter har nåtts.",
                "Every client has been reached."
            )
        );
    } else {
        let _ = write!(
            body,
            "<h3>{}</h3>{}<h3>{}</h3>{}",
            tr(
                l,
                "Ingen har försökt – planera ett besök",
                "Nobody tried – plan a visit"
            ),
            not_reached_list(l, &lists.not_tried, &by_id, &team.id.to_string(), false),
            tr(
                l,
                "Misslyckade försök – uppsökande pågår, pröva ett annat sätt",
                "Failed attempts – outreach under way, try another way"
            ),
            not_reached_list(
                l,
                &lists.failed_attempts,
                &by_id,
                &team.id.to_string(),
                true
            ),
        );
    }
    body.push_str("</section>");

    let _ = write!(
        body,
        "<table><caption>{}</caption><thead><tr>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         </tr></thead><tbody>",
        tr(l, "Klienter i vård", "Clients in care"),
        tr(l, "Kod", "Code"),
        tr(l, "Namn", "Name"),
        tr(l, "Fas", "Phase"),
        tr(l, "Dagar sedan fysiskt möte", "Days since face to face"),
        tr(l, "Kontakter/vecka, 4 v", "Contacts/week, 4 wk"),
        tr(l, "Kontakter/vecka, 12 v", "Contacts/week, 12 wk"),
        tr(
            l,
            "12 veckor (mörkt = fysiskt, rött = försök)",
            "12 weeks (dark = face to face, red = attempt)"
        ),
        tr(l, "Nästa planerade kontakt", "Next planned contact"),
    );
    for row in &rows {
        let Some(c) = by_id.get(&row.client) else {
            continue;
        };
        let flag = if row.not_reached {
            format!(
                " <span class=\"flag\">({})</span>",
                tr(l, "ej nådd", "not reached")
            )
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<tr><th scope=\"row\"><a href=\"/client/{}\">{}</a>{flag}</th><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            c.client.id,
            esc(c.client.code.as_str()),
            esc(c.client.name.as_str()),
            i18n::phase(l, c.client.phase),
            row.days_since_face_to_face
                .map_or_else(|| tr(l, "aldrig", "never").to_string(), |d| d.to_string()),
            row.contacts_per_week(4)
                .map_or_else(String::new, |x| num(l, x, 1)),
            row.contacts_per_week(12)
                .map_or_else(String::new, |x| num(l, x, 1)),
            weekly_bars(l, &row.weeks),
            c.client
                .next_contact
                .map_or_else(|| "–".to_string(), i18n::date),
        );
    }
    body.push_str("</tbody></table>");
    Ok(dash.render(
        tr(l, "Teamöversikt", "Team overview"),
        Nav::Overview,
        Some(&team),
        &body,
    ))
}

fn not_reached_list(
    l: Lang,
    list: &[NotReached],
    by_id: &HashMap<ClientId, &TeamClient>,
    _team: &str,
    attempts: bool,
) -> String {
    if list.is_empty() {
        return format!("<p>{}</p>", tr(l, "Inga.", "None."));
    }
    let mut s = String::from("<ul>");
    for r in list {
        let Some(c) = by_id.get(&r.client) else {
            continue;
        };
        let since = match r.days_since_reached {
            Some(d) => format!(
                "{d} {}",
                tr(l, "dagar sedan senaste kontakt", "days since last contact")
            ),
            None => tr(l, "aldrig nådd", "never reached").to_string(),
        };
        let tries = if attempts {
            format!(
                ", {} {}{}",
                r.recent_attempts,
                tr(l, "misslyckade försök", "failed attempts"),
                r.last_attempt
                    .map(|t| format!(
                        " ({} {})",
                        tr(l, "senast", "last"),
                        i18n::date(i18n::day(t))
                    ))
                    .unwrap_or_default()
            )
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "<li><a href=\"/client/{}\" data-code=\"{}\">{}</a> {} – {since}{tries}</li>",
            c.client.id,
            attr(c.client.code.as_str()),
            esc(c.client.code.as_str()),
            esc(c.client.name.as_str()),
        );
    }
    s.push_str("</ul>");
    s
}
