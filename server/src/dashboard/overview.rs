//! The team overview, a supervisor's working list: every client in care with phase, days since
//! the last face-to-face contact, contacts per week over 4 and 12 weeks (with a small chart on a
//! scale the rows share) and the next planned contact, flagged once it has passed; sortable by
//! each column and filtered by phase with plain links (no JavaScript); the team's contacts per
//! week; who carries how many clients; how many clients are not shown for lack of consent.
//! Above it, the clients not reached in N days, with those where staff tried and failed kept
//! apart from those nobody tried to reach.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Duration, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::{ClientOverview, WeekCounts};
use uppsok_model::fidelity::{
    Lang, NotReached, OverviewOptions, client_overview, not_reached, swedish_date,
};
use uppsok_model::{ClientId, Phase, StaffId};

use super::charts::{shared_scale, weekly_bars};
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
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    phase: Option<String>,
}

/// The column the client list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Code,
    Name,
    Phase,
    /// Longest since a face-to-face contact first (never met first of all).
    DaysSince,
    /// Fewest contacts per week over four weeks first.
    Contacts,
    /// Earliest next planned contact first (none planned last).
    NextContact,
}

const SORT_KEYS: [(SortKey, &str); 6] = [
    (SortKey::Code, "code"),
    (SortKey::Name, "name"),
    (SortKey::Phase, "phase"),
    (SortKey::DaysSince, "days"),
    (SortKey::Contacts, "contacts"),
    (SortKey::NextContact, "next"),
];

impl SortKey {
    pub fn parse(s: &str) -> Option<SortKey> {
        SORT_KEYS.iter().find(|(_, k)| *k == s).map(|(key, _)| *key)
    }

    pub fn code(self) -> &'static str {
        SORT_KEYS
            .iter()
            .find(|(key, _)| *key == self)
            .map_or("code", |(_, k)| k)
    }
}

/// One row of the list: what the sort and the filters look at.
pub struct Row<'a> {
    pub client: &'a TeamClient,
    pub overview: &'a ClientOverview,
}

/// Sorts the list by `key`; ties keep the client code order.
pub fn sort_rows(rows: &mut [Row<'_>], key: SortKey) {
    rows.sort_by(|a, b| {
        let (ca, cb) = (&a.client.client, &b.client.client);
        let by = match key {
            SortKey::Code => std::cmp::Ordering::Equal,
            SortKey::Name => ca.name.as_str().cmp(cb.name.as_str()),
            SortKey::Phase => phase_rank(ca.phase).cmp(&phase_rank(cb.phase)),
            SortKey::DaysSince => {
                // Never met sorts before any number of days.
                let d = |o: &ClientOverview| o.days_since_face_to_face.unwrap_or(i64::MAX);
                d(b.overview).cmp(&d(a.overview))
            }
            SortKey::Contacts => {
                let c = |o: &ClientOverview| o.contacts_per_week(4).unwrap_or(0.0);
                c(a.overview).total_cmp(&c(b.overview))
            }
            SortKey::NextContact => match (ca.next_contact, cb.next_contact) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
        };
        by.then_with(|| ca.code.as_str().cmp(cb.code.as_str()))
    });
}

fn phase_rank(p: Phase) -> u8 {
    match p {
        Phase::Intake => 0,
        Phase::Active => 1,
        Phase::Stable => 2,
        Phase::Closed => 3,
    }
}

const PHASES: [Phase; 3] = [Phase::Intake, Phase::Active, Phase::Stable];

/// The team's contacts per week: the clients' weeks added up.
fn team_weeks(rows: &[ClientOverview]) -> Vec<WeekCounts> {
    let mut out: Vec<WeekCounts> = Vec::new();
    for r in rows {
        for (i, w) in r.weeks.iter().enumerate() {
            match out.get_mut(i) {
                Some(t) => {
                    t.reached += w.reached;
                    t.face_to_face += w.face_to_face;
                    t.attempts += w.attempts;
                }
                None => out.push(*w),
            }
        }
    }
    out
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
    let sort = q
        .sort
        .as_deref()
        .and_then(SortKey::parse)
        .unwrap_or(SortKey::Code);
    let phase = q
        .phase
        .as_deref()
        .and_then(|p| PHASES.into_iter().find(|x| x.as_str() == p));
    let all = data::team_clients(&state.store, team.id).await?;
    let in_care = all
        .iter()
        .filter(|c| c.client.phase != Phase::Closed)
        .count();
    let visible: Vec<TeamClient> = data::visible(&v, &all)
        .into_iter()
        .filter(|c| c.client.phase != Phase::Closed)
        .collect();
    // The other organisation's clients without consent to share: only their number is shown.
    let hidden = in_care.saturating_sub(visible.len());
    let shown: Vec<TeamClient> = visible
        .into_iter()
        .filter(|c| phase.is_none_or(|p| c.client.phase == p))
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
    let staff_names: HashMap<StaffId, String> = state
        .store
        .list_staff(None, Some(&[team.id]))
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();

    let mut body = dash.team_picker(&state, &team).await?;
    let mut phase_opts = format!("<option value=\"\">{}</option>", tr(l, "Alla", "All"));
    for p in PHASES {
        let _ = write!(
            phase_opts,
            "<option value=\"{}\"{}>{}</option>",
            p.as_str(),
            if phase == Some(p) { " selected" } else { "" },
            i18n::phase(l, p)
        );
    }
    let _ = write!(
        body,
        "<p class=\"muted\">{} <strong>{}</strong> · {} {}{}</p>\
         <form class=\"filters\" method=\"get\" action=\"/overview\">\
         <input type=\"hidden\" name=\"team\" value=\"{}\">\
         <input type=\"hidden\" name=\"sort\" value=\"{}\">\
         <label for=\"days\">{}<input id=\"days\" name=\"days\" type=\"number\" min=\"1\" max=\"365\" value=\"{days}\"></label>\
         <label for=\"phase\">{}<select id=\"phase\" name=\"phase\">{phase_opts}</select></label>\
         <button type=\"submit\">{}</button></form>",
        tr(l, "Team", "Team"),
        esc(&team.name),
        shown.len(),
        tr(
            l,
            "klienter i vård som du får se",
            "clients in care you may see"
        ),
        if hidden > 0 {
            match l {
                Lang::Sv => format!(
                    " · {hidden} klienter visas inte (samtycke att dela saknas; den andra organisationen ser dem)"
                ),
                Lang::En => format!(
                    " · {hidden} clients not shown (no consent to share; the other organisation sees them)"
                ),
            }
        } else {
            String::new()
        },
        team.id,
        sort.code(),
        tr(l, "Ej nådd på antal dagar", "Not reached in days"),
        tr(l, "Fas", "Phase"),
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

    // The team's week, on its own scale.
    let team_week = team_weeks(&rows);
    let _ = write!(
        body,
        "<section aria-labelledby=\"tw\"><h2 id=\"tw\">{}</h2>{}</section>",
        tr(
            l,
            "Teamets kontakter per vecka (12 veckor, mörkt = fysiskt, rött = misslyckade försök)",
            "The team's contacts per week (12 weeks, dark = face to face, red = failed attempts)"
        ),
        weekly_bars(l, &team_week, shared_scale([team_week.as_slice()])),
    );

    let phase_q = phase
        .map(|p| format!("&amp;phase={}", p.as_str()))
        .unwrap_or_default();
    let head = |key: SortKey, label: &str, num_col: bool| {
        let current = if key == sort {
            " aria-sort=\"ascending\""
        } else {
            ""
        };
        format!(
            "<th scope=\"col\"{}{current}><a href=\"/overview?team={}&amp;days={days}{phase_q}&amp;sort={}\">{}{}</a></th>",
            if num_col { " class=\"num\"" } else { "" },
            team.id,
            key.code(),
            esc(label),
            if key == sort { " ▲" } else { "" },
        )
    };
    let _ = write!(
        body,
        "<table class=\"clients\"><caption>{}</caption><thead><tr>{}{}{}{}{}\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th>{}\
         </tr></thead><tbody>",
        tr(
            l,
            "Klienter i vård (klicka på en kolumnrubrik för att sortera)",
            "Clients in care (click a column heading to sort)"
        ),
        head(SortKey::Code, tr(l, "Kod", "Code"), false),
        head(SortKey::Name, tr(l, "Namn", "Name"), false),
        head(SortKey::Phase, tr(l, "Fas", "Phase"), false),
        head(
            SortKey::DaysSince,
            tr(l, "Dagar sedan fysiskt möte", "Days since face to face"),
            true
        ),
        head(
            SortKey::Contacts,
            tr(l, "Kontakter/vecka, 4 v", "Contacts/week, 4 wk"),
            true
        ),
        tr(l, "Kontakter/vecka, 12 v", "Contacts/week, 12 wk"),
        tr(
            l,
            "12 veckor, gemensam skala (mörkt = fysiskt, rött = försök)",
            "12 weeks, one scale (dark = face to face, red = attempt)"
        ),
        head(
            SortKey::NextContact,
            tr(l, "Nästa planerade kontakt", "Next planned contact"),
            false
        ),
    );
    let scale = shared_scale(rows.iter().map(|r| r.weeks.as_slice()));
    let mut list: Vec<Row<'_>> = rows
        .iter()
        .filter_map(|r| {
            by_id.get(&r.client).map(|c| Row {
                client: c,
                overview: r,
            })
        })
        .collect();
    sort_rows(&mut list, sort);
    for Row {
        client: c,
        overview: row,
    } in &list
    {
        let flag = if row.not_reached {
            format!(
                " <span class=\"flag\">({})</span>",
                tr(l, "ej nådd", "not reached")
            )
        } else {
            String::new()
        };
        let next = match c.client.next_contact {
            None => "–".to_string(),
            Some(d) if d < today => format!(
                "{} <span class=\"flag\">({})</span>",
                i18n::date(d),
                tr(l, "planerad kontakt passerad", "planned contact passed")
            ),
            Some(d) => i18n::date(d),
        };
        let _ = write!(
            body,
            "<tr data-row=\"{}\"><th scope=\"row\"><a href=\"/client/{}\">{}</a>{flag}</th><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            attr(c.client.code.as_str()),
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
            weekly_bars(l, &row.weeks, scale),
            next,
        );
    }
    body.push_str("</tbody></table>");
    body.push_str(&caseload(l, &shown, &staff_names));
    Ok(dash.render(
        tr(l, "Teamöversikt", "Team overview"),
        Nav::Overview,
        Some(&team),
        &body,
    ))
}

/// Clients per person, by who registered the client: the record has no contact person yet, so
/// the heading says what is counted.
fn caseload(l: Lang, shown: &[TeamClient], names: &HashMap<StaffId, String>) -> String {
    let mut per: HashMap<StaffId, usize> = HashMap::new();
    for c in shown {
        *per.entry(c.author).or_default() += 1;
    }
    let mut rows: Vec<(String, usize)> = per
        .into_iter()
        .map(|(id, n)| {
            (
                names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| tr(l, "(har slutat)", "(has left)").to_string()),
                n,
            )
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut s = format!(
        "<table class=\"caseload\"><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>",
        tr(
            l,
            "Klienter per medarbetare (den som skrev in klienten; kontaktperson finns ännu inte i klientposten)",
            "Clients per staff member (who registered the client; the record has no contact person yet)"
        ),
        tr(l, "Medarbetare", "Staff member"),
        tr(l, "Klienter", "Clients"),
    );
    for (name, n) in rows {
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{n}</td></tr>",
            esc(&name)
        );
    }
    s.push_str("</tbody></table>");
    s
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
