//! Following up the access log (*logguppföljning*, Patientdatalagen 4 kap. 3 §): filter by
//! member of staff, client and period; entries that deserve a look are flagged; an extract of
//! every entry about one client as CSV (what a client asking "who read my data?" gets).
//!
//! Which entries a viewer sees is [`crate::access::may_see_audit_entry`]. Flags:
//! - **outside the team**: the reader is not a member of the team the client belongs to;
//! - **many clients**: the reader opened more than [`BURST_CLIENTS`] distinct clients' records
//!   within [`BURST_WINDOW_MS`]. Only single-record reads and exports count: list pages
//!   (the overview) and sync show many clients by design.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::swedish_date;
use uppsok_model::{ClientId, OrgId, Role, StaffId, TeamId};
use uuid::Uuid;

use super::export::Csv;
use super::html::{Nav, attr, esc, url_enc};
use super::i18n::{self, tr};
use super::{Dash, DashError, DashResult};
use crate::access::{self, Viewer};
use crate::state::AppState;
use crate::store::dashboard as data;
use crate::store::{AuditAction, Via};
use crate::store::{AuditEntry, AuditFilter, AuditRow};

pub const BURST_CLIENTS: usize = 15;
pub const BURST_WINDOW_MS: i64 = 30 * 60 * 1000;

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    staff: Option<String>,
    #[serde(default)]
    client: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    flagged: Option<String>,
}

/// Why an entry is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    pub outside_team: bool,
    pub many_clients: bool,
}

/// Flags for `rows` (any order); `teams_of` gives each reader's teams.
pub fn flag(rows: &[AuditRow], teams_of: &HashMap<Uuid, HashSet<Uuid>>) -> Vec<Flags> {
    let mut flags = vec![Flags::default(); rows.len()];
    for (i, r) in rows.iter().enumerate() {
        if let Some(team) = r.team
            && r.client.is_some()
            && !teams_of
                .get(&r.actor_staff)
                .is_some_and(|ts| ts.contains(&team))
        {
            flags[i].outside_team = true;
        }
    }
    // Per reader, a sliding window over time of single-record reads.
    let mut by_actor: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.client.is_some()
            && matches!(r.action, AuditAction::Read | AuditAction::Export)
            && r.via != Via::Sync
        {
            by_actor.entry(r.actor_staff).or_default().push(i);
        }
    }
    for idx in by_actor.values_mut() {
        idx.sort_by_key(|&i| rows[i].at_ms);
        let mut window: VecDeque<usize> = VecDeque::new();
        for &i in idx.iter() {
            window.push_back(i);
            while let Some(&f) = window.front() {
                if rows[i].at_ms - rows[f].at_ms > BURST_WINDOW_MS {
                    window.pop_front();
                } else {
                    break;
                }
            }
            let distinct: HashSet<Uuid> = window.iter().filter_map(|&j| rows[j].client).collect();
            if distinct.len() > BURST_CLIENTS {
                for &j in &window {
                    flags[j].many_clients = true;
                }
            }
        }
    }
    flags
}

fn date_ms(s: Option<&str>, end: bool) -> DashResult<Option<i64>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| DashError::BadRequest("dates are written YYYY-MM-DD".into()))?;
            let d = if end { d + Duration::days(1) } else { d };
            // Swedish midnight is 23:00 or 22:00 UTC the day before; an hour's slack either way
            // is harmless for a log search and keeps this free of a time-zone database.
            Ok(d.and_hms_opt(0, 0, 0)
                .map(|n| n.and_utc().timestamp_millis() - 3_600_000 * if end { 1 } else { 2 }))
        }
    }
}

/// The entries the viewer may see, filtered.
async fn entries(
    state: &AppState,
    v: &Viewer,
    client: Option<ClientId>,
    staff: Option<StaffId>,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    limit: i64,
) -> DashResult<Vec<AuditRow>> {
    let f = AuditFilter {
        client,
        staff,
        from_ms,
        to_ms,
        orgs: Some(vec![v.org]),
        teams: (v.role == Role::Supervisor).then(|| v.teams.iter().copied().collect()),
        limit,
    };
    Ok(state
        .store
        .list_audit(&f)
        .await?
        .into_iter()
        .filter(|e| {
            access::may_see_audit_entry(
                v,
                OrgId::from(e.actor_org),
                e.record_org.map(OrgId::from),
                e.team.map(TeamId::from),
            )
        })
        .collect())
}

/// Client codes the viewer may see, by id, over all of the viewer's teams.
async fn codes(state: &AppState, v: &Viewer) -> DashResult<HashMap<Uuid, String>> {
    let mut out = HashMap::new();
    if v.role != Role::Supervisor {
        return Ok(out);
    }
    for t in &v.teams {
        for c in data::visible(v, &data::team_clients(&state.store, *t).await?) {
            out.insert(c.client.id.0, c.client.code.as_str().to_owned());
        }
    }
    Ok(out)
}

async fn reader_teams(
    state: &AppState,
    rows: &[AuditRow],
) -> DashResult<(HashMap<Uuid, HashSet<Uuid>>, HashMap<Uuid, String>)> {
    let mut teams = HashMap::new();
    let mut names = HashMap::new();
    for id in rows.iter().map(|r| r.actor_staff).collect::<HashSet<_>>() {
        if let Some(s) = state.store.staff_by_id(StaffId::from(id)).await? {
            teams.insert(id, s.teams.iter().map(|t| t.0).collect());
            names.insert(id, s.name);
        }
    }
    Ok((teams, names))
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<AuditQuery>,
) -> DashResult<Response> {
    let l = dash.lang();
    let v = dash.viewer();
    let codes = codes(&state, &v).await?;
    let code_to_id: HashMap<&str, Uuid> = codes.iter().map(|(k, c)| (c.as_str(), *k)).collect();
    let people: Vec<_> = if v.role == Role::Admin {
        state.store.list_staff(Some(v.org), None).await?
    } else {
        let teams: Vec<_> = v.teams.iter().copied().collect();
        state.store.list_staff(None, Some(&teams)).await?
    };
    let staff_filter = match q.staff.as_deref().filter(|s| !s.is_empty()) {
        Some(u) => Some(
            people
                .iter()
                .find(|p| p.username == u)
                .map(|p| p.id)
                .ok_or(DashError::BadRequest("unknown member of staff".into()))?,
        ),
        None => None,
    };
    let client_filter = match q.client.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => Some(ClientId::from(
            code_to_id
                .get(c)
                .copied()
                .or_else(|| c.parse::<Uuid>().ok())
                .ok_or(DashError::BadRequest("unknown client code".into()))?,
        )),
        None => None,
    };
    let today = swedish_date(Utc::now());
    let from_s = q
        .from
        .clone()
        .unwrap_or_else(|| i18n::date(today - Duration::days(30)));
    let to_s = q.to.clone().unwrap_or_else(|| i18n::date(today));
    let from_ms = date_ms(Some(&from_s), false)?;
    let to_ms = date_ms(Some(&to_s), true)?;
    let rows = entries(
        &state,
        &v,
        client_filter,
        staff_filter,
        from_ms,
        to_ms,
        5000,
    )
    .await?;
    let (teams_of, names) = reader_teams(&state, &rows).await?;
    let flags = flag(&rows, &teams_of);
    let only_flagged = q.flagged.as_deref() == Some("1");
    let n_flagged = flags
        .iter()
        .filter(|f| f.outside_team || f.many_clients)
        .count();

    let mut body = String::new();
    let mut staff_opts = format!("<option value=\"\">{}</option>", tr(l, "Alla", "All"));
    for p in &people {
        let sel = if Some(p.id) == staff_filter {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            staff_opts,
            "<option value=\"{}\"{sel}>{} ({})</option>",
            attr(&p.username),
            esc(&p.name),
            esc(&p.username)
        );
    }
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/audit\">\
         <label for=\"staff\">{}<select id=\"staff\" name=\"staff\">{staff_opts}</select></label>\
         <label for=\"client\">{}<input id=\"client\" name=\"client\" value=\"{}\" placeholder=\"K-001\"></label>\
         <label for=\"from\">{}<input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></label>\
         <label for=\"to\">{}<input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></label>\
         <label for=\"flagged\">{}<select id=\"flagged\" name=\"flagged\"><option value=\"\">{}</option><option value=\"1\"{}>{}</option></select></label>\
         <button type=\"submit\">{}</button></form>",
        tr(l, "Medarbetare", "Staff member"),
        tr(l, "Klient (kod)", "Client (code)"),
        attr(q.client.as_deref().unwrap_or("")),
        tr(l, "Från", "From"),
        attr(&from_s),
        tr(l, "Till och med", "To (inclusive)"),
        attr(&to_s),
        tr(l, "Visa", "Show"),
        tr(l, "Alla poster", "All entries"),
        if only_flagged { " selected" } else { "" },
        tr(l, "Endast flaggade", "Flagged only"),
        tr(l, "Sök", "Search"),
    );
    let _ = write!(
        body,
        "<p class=\"{}\">{} {} {}, {} {}. {}</p>",
        if n_flagged > 0 { "warn" } else { "ok" },
        rows.len(),
        tr(l, "poster", "entries"),
        tr(l, "i urvalet", "in the selection"),
        n_flagged,
        tr(l, "flaggade för granskning", "flagged for review"),
        tr(
            l,
            "Flaggas: läsning av klient utanför läsarens team, och många olika klienter på kort tid.",
            "Flagged: reading a client outside the reader's team, and many different clients in a short time."
        ),
    );
    if let Some(c) = client_filter {
        let _ = write!(
            body,
            "<p><a href=\"/audit/extract.csv?client={}\">{}</a></p>",
            c,
            tr(
                l,
                "Ladda ner loggutdrag för klienten (CSV)",
                "Download the access log extract for the client (CSV)"
            )
        );
    }
    let _ = write!(
        body,
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(l, "Åtkomstlogg, nyast först", "Access log, newest first"),
        tr(l, "Tid", "Time"),
        tr(l, "Läsare", "Reader"),
        tr(l, "Via", "Via"),
        tr(l, "Åtgärd", "Action"),
        tr(l, "Klient", "Client"),
        tr(l, "Flagga", "Flag"),
    );
    let mut shown = 0;
    for (r, f) in rows.iter().zip(&flags) {
        if only_flagged && !(f.outside_team || f.many_clients) {
            continue;
        }
        shown += 1;
        if shown > 1000 {
            break;
        }
        let client = match r.client {
            Some(c) => match codes.get(&c) {
                Some(code) => format!(
                    "<a href=\"/audit?client={}\">{}</a>",
                    url_enc(code),
                    esc(code)
                ),
                None => format!(
                    "<span class=\"muted\">{}</span>",
                    tr(l, "(dold för dig)", "(hidden from you)")
                ),
            },
            None => "–".into(),
        };
        let mut fl = Vec::new();
        if f.outside_team {
            fl.push(tr(l, "utanför läsarens team", "outside the reader's team"));
        }
        if f.many_clients {
            fl.push(tr(
                l,
                "många klienter på kort tid",
                "many clients in a short time",
            ));
        }
        let when = chrono::DateTime::from_timestamp_millis(r.at_ms)
            .map(i18n::date_time)
            .unwrap_or_default();
        let reader = names.get(&r.actor_staff).cloned().unwrap_or_default();
        let _ = write!(
            body,
            "<tr{}><td>{when}</td><td>{} ({})</td><td>{}</td><td>{}</td><td>{client}</td><td class=\"flag\">{}</td></tr>",
            if fl.is_empty() {
                ""
            } else {
                " class=\"flagged\""
            },
            esc(&reader),
            esc(&r.actor_username),
            esc(r.via.as_str()),
            esc(r.action.as_str()),
            fl.join(", "),
        );
    }
    body.push_str("</tbody></table>");
    Ok(dash.render(
        tr(l, "Logguppföljning", "Access log follow-up"),
        Nav::Audit,
        None,
        &body,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExtractQuery {
    client: String,
}

/// Every entry about one client that the viewer may see, as CSV. The extract itself is logged.
pub async fn extract(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<ExtractQuery>,
) -> DashResult<Response> {
    let v = dash.viewer();
    let id: Uuid = q
        .client
        .trim()
        .parse()
        .map_err(|_| DashError::BadRequest("client is not a valid id".into()))?;
    let client = ClientId::from(id);
    let rows = entries(&state, &v, Some(client), None, None, None, 10_000).await?;
    let (teams_of, names) = reader_teams(&state, &rows).await?;
    let flags = flag(&rows, &teams_of);
    if let Some(first) = rows.first() {
        state
            .store
            .append_audit(&[AuditEntry {
                entity: Some(uppsok_model::Entity::Client),
                client: Some(client),
                team: first.team.map(TeamId::from),
                record_org: first.record_org.map(OrgId::from),
                ..dash.audit(AuditAction::Export)
            }])
            .await?;
    }
    let mut csv = Csv::new();
    csv.row(&[
        "Tid (UTC)",
        "Läsare",
        "Namn",
        "Läsarens organisation",
        "Via",
        "Åtgärd",
        "Posttyp",
        "Post",
        "Klient-id",
        "Flagga",
    ]);
    for (r, f) in rows.iter().zip(&flags) {
        let mut fl = Vec::new();
        if f.outside_team {
            fl.push("utanför team");
        }
        if f.many_clients {
            fl.push("många klienter");
        }
        csv.row(&[
            r.at.clone(),
            r.actor_username.clone(),
            names.get(&r.actor_staff).cloned().unwrap_or_default(),
            r.actor_org.to_string(),
            r.via.to_string(),
            r.action.to_string(),
            r.entity.clone().unwrap_or_default(),
            r.record.map(|x| x.to_string()).unwrap_or_default(),
            r.client.map(|x| x.to_string()).unwrap_or_default(),
            fl.join(", "),
        ]);
    }
    let mut resp = csv.finish().into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"loggutdrag-{id}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
