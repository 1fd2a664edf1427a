//! The team overview, a supervisor's working list: every client in care with phase, days since
//! the last face-to-face contact, contacts per week over 4 and 12 weeks (with a small chart on a
//! scale the rows share) and the next planned contact, flagged once it has passed; sortable by
//! each column and filtered by phase and contact person with plain links and forms (no
//! JavaScript); the team's contacts per week; how many clients each contact person carries; how
//! many clients are not shown for lack of consent. Above it, the clients not reached in N days,
//! with those where staff tried and failed kept apart from those nobody tried to reach. Only a
//! contact with the client present reaches the client; a contact with the network alone is
//! shown beside the client, not counted as reaching them.

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
use uppsok_model::{Client, ClientId, Phase};

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
    #[serde(default)]
    person: Option<String>,
}

/// Whose clients the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonFilter {
    All,
    /// The viewer is contact person or deputy (a team leader who also carries clients).
    Mine,
    /// Clients without a contact person.
    Unassigned,
    /// Clients whose contact person is this username.
    ContactPerson(String),
}

impl PersonFilter {
    /// `""` → all, `mine`, `none`, or a username; anything else is still just a username that
    /// matches no one, so a stale link shows an empty list rather than an error.
    pub fn parse(s: Option<&str>) -> PersonFilter {
        match s.map(str::trim).unwrap_or("") {
            "" => PersonFilter::All,
            "mine" => PersonFilter::Mine,
            "none" => PersonFilter::Unassigned,
            u => PersonFilter::ContactPerson(u.to_owned()),
        }
    }

    pub fn code(&self) -> &str {
        match self {
            PersonFilter::All => "",
            PersonFilter::Mine => "mine",
            PersonFilter::Unassigned => "none",
            PersonFilter::ContactPerson(u) => u,
        }
    }

    /// Whether `c` passes; `me` is the viewer's username.
    pub fn matches(&self, c: &uppsok_model::Client, me: &str) -> bool {
        let is = |u: &Option<uppsok_model::Username>, who: &str| {
            u.as_ref().is_some_and(|u| u.as_str() == who)
        };
        match self {
            PersonFilter::All => true,
            PersonFilter::Mine => c.is_cared_for_by(me),
            PersonFilter::Unassigned => c.contact_person.is_none(),
            PersonFilter::ContactPerson(u) => is(&c.contact_person, u),
        }
    }
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
            // By the name as listed: a protected client's place in the order would hint at
            // the name.
            SortKey::Name => listed_name(Lang::Sv, ca).cmp(&listed_name(Lang::Sv, cb)),
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

/// A client's name as lists show it: a client with protected identity (*skyddade
/// personuppgifter*) is listed by code only; the name is on the client's own page, where
/// opening it is logged.
pub fn listed_name(l: Lang, c: &Client) -> String {
    if c.protected_identity {
        tr(l, "(skyddad identitet)", "(protected identity)").to_owned()
    } else {
        c.name.as_str().to_owned()
    }
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
                    t.network_only += w.network_only;
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
    let person = PersonFilter::parse(q.person.as_deref());
    let staff = state.store.list_staff(None, Some(&[team.id])).await?;
    let me = staff
        .iter()
        .find(|s| s.id == v.staff)
        .map(|s| s.username.clone())
        .unwrap_or_default();
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
        .filter(|c| person.matches(&c.client, &me))
        .collect();
    let now = Utc::now();
    let today = swedish_date(now);
    // Twelve weeks back plus a day of margin for the Swedish offset; nothing older is read.
    let from = (now - Duration::days(12 * 7 + 1)).timestamp_millis();
    let to = (now + Duration::days(1)).timestamp_millis();
    let visits = data::visit_facts(
        &state.store,
        data::FactsFor::Viewer(&v),
        team.id,
        &all,
        from,
        to,
    )
    .await?;
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
    // Contact persons by username, as the client record names them.
    let names: HashMap<String, String> = staff
        .iter()
        .map(|s| (s.username.clone(), s.name.clone()))
        .collect();
    let name_of = |u: &Option<uppsok_model::Username>| -> String {
        match u {
            None => "–".to_string(),
            Some(u) => names.get(u.as_str()).cloned().unwrap_or_else(|| {
                format!(
                    "{} {}",
                    u.as_str(),
                    tr(l, "(ej i teamet)", "(not on the team)")
                )
            }),
        }
    };

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
    let mut person_opts = String::new();
    let mut people: Vec<&crate::store::StaffRow> = staff
        .iter()
        .filter(|s| s.role == uppsok_model::Role::CaseManager)
        .collect();
    people.sort_by(|a, b| a.name.cmp(&b.name));
    for (code, label) in [
        ("", tr(l, "Alla", "All").to_string()),
        (
            "mine",
            tr(
                l,
                "Mina klienter (kontaktperson eller ersättare)",
                "My clients (contact person or deputy)",
            )
            .to_string(),
        ),
        (
            "none",
            tr(l, "Utan kontaktperson", "Without a contact person").to_string(),
        ),
    ]
    .into_iter()
    .chain(people.iter().map(|s| (s.username.as_str(), s.name.clone())))
    {
        let _ = write!(
            person_opts,
            "<option value=\"{}\"{}>{}</option>",
            attr(code),
            if person.code() == code {
                " selected"
            } else {
                ""
            },
            esc(&label)
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
         <label for=\"person\">{}<select id=\"person\" name=\"person\">{person_opts}</select></label>\
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
        tr(l, "Kontaktperson", "Contact person"),
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
            not_reached_list(l, &lists.not_tried, &by_id, &name_of, false),
            tr(
                l,
                "Misslyckade försök – uppsökande pågår, pröva ett annat sätt",
                "Failed attempts – outreach under way, try another way"
            ),
            not_reached_list(l, &lists.failed_attempts, &by_id, &name_of, true),
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
        .unwrap_or_default()
        + &match person.code() {
            "" => String::new(),
            code => format!("&amp;person={}", attr(code)),
        };
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
        "<table class=\"clients\"><caption>{}</caption><thead><tr>{}{}{}<th scope=\"col\">{}</th>{}{}\
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
        tr(l, "Kontaktperson", "Contact person"),
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
        let contact = match &c.client.deputy {
            Some(_) => format!(
                "{} <span class=\"muted\">({} {})</span>",
                esc(&name_of(&c.client.contact_person)),
                tr(l, "ersättare", "deputy"),
                esc(&name_of(&c.client.deputy))
            ),
            None => esc(&name_of(&c.client.contact_person)),
        };
        let network = row
            .last_network_only
            .filter(|t| row.last_reached.is_none_or(|r| *t > r))
            .map(|t| {
                format!(
                    "<br><span class=\"muted\">{} {}</span>",
                    tr(
                        l,
                        "nätverkskontakt utan klienten",
                        "network contact without the client"
                    ),
                    i18n::date(i18n::day(t))
                )
            })
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr data-row=\"{}\"><th scope=\"row\"><a href=\"/client/{}\">{}</a>{flag}</th><td>{}</td><td>{}</td><td data-col=\"contact-person\">{contact}</td>\
             <td class=\"num\">{}{network}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            attr(c.client.code.as_str()),
            c.client.id,
            esc(c.client.code.as_str()),
            esc(&listed_name(l, &c.client)),
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
    body.push_str(&caseload(l, &shown, &name_of));
    Ok(dash.render(
        tr(l, "Teamöversikt", "Team overview"),
        Nav::Overview,
        Some(&team),
        &body,
    ))
}

/// Clients per contact person among the clients listed (those the viewer may see; the
/// fidelity page counts the whole team).
fn caseload(
    l: Lang,
    shown: &[TeamClient],
    name_of: &dyn Fn(&Option<uppsok_model::Username>) -> String,
) -> String {
    let mut per: HashMap<String, usize> = HashMap::new();
    for c in shown {
        let who = match c.client.contact_person {
            None => tr(l, "(ingen kontaktperson)", "(no contact person)").to_string(),
            ref u => name_of(u),
        };
        *per.entry(who).or_default() += 1;
    }
    let mut rows: Vec<(String, usize)> = per.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut s = format!(
        "<table class=\"caseload\"><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th></tr></thead><tbody>",
        tr(
            l,
            "Klienter per kontaktperson (i listan ovan)",
            "Clients per contact person (in the list above)"
        ),
        tr(l, "Kontaktperson", "Contact person"),
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
    name_of: &dyn Fn(&Option<uppsok_model::Username>) -> String,
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
        let network = r
            .last_network_only
            .map(|t| {
                format!(
                    "; {} {}",
                    tr(
                        l,
                        "nätverkskontakt utan klienten",
                        "network contact without the client"
                    ),
                    i18n::date(i18n::day(t))
                )
            })
            .unwrap_or_default();
        let _ = write!(
            s,
            "<li><a href=\"/client/{}\" data-code=\"{}\">{}</a> {} – {since}{tries}{network} ({} {})</li>",
            c.client.id,
            attr(c.client.code.as_str()),
            esc(c.client.code.as_str()),
            esc(&listed_name(l, &c.client)),
            tr(l, "kontaktperson", "contact person"),
            esc(&name_of(&c.client.contact_person)),
        );
    }
    s.push_str("</ul>");
    s
}
