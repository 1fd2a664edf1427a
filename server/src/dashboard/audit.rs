//! Following up the access log (*logguppföljning*, Patientdatalagen 4 kap. 3 §): filter by
//! member of staff, client and period; entries that deserve a look are flagged; an extract of
//! every entry about one client as CSV (what a client asking "who read my data?" gets).
//!
//! Which entries a viewer sees is [`crate::access::may_see_audit_entry`]. Flags:
//! - **outside the team**: the reader is not a member of the team the client belongs to;
//! - **many clients**: the reader opened more than [`BURST_CLIENTS`] distinct clients' records
//!   within [`BURST_WINDOW_MS`]. Only single-record reads and exports count: list pages
//!   (the overview) and sync show many clients by design.
//!
//! So that the page can be read through: entries with the same reader, way in, action and
//! client within [`GROUP_WINDOW_MS`] of the group's newest are one row with a count
//! ([`group`]); the viewer's own list views are hidden unless asked for; [`PAGE_ROWS`] rows a
//! page, with page links that keep the filters. Codes are shown by their Swedish labels
//! ([`i18n::via`], [`i18n::audit_action`]); the stored values never change.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use uppsok_model::fidelity::{Lang, swedish_date};
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
/// Entries of one burst (same reader, way, action, client) within this of its newest are one row.
pub const GROUP_WINDOW_MS: i64 = 10 * 60 * 1000;
/// Rows (groups) on one page.
pub const PAGE_ROWS: usize = 100;
/// Entries read for one page's selection; more means the period should be narrowed.
const FETCH_LIMIT: i64 = 20_000;

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
    /// `show` shows the viewer's own list views (hidden by default).
    #[serde(default)]
    own: Option<String>,
    #[serde(default)]
    page: Option<String>,
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
            && (r.action == AuditAction::Read || r.action.is_export())
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

pub(super) fn date_ms(s: Option<&str>, end: bool) -> DashResult<Option<i64>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                DashError::BadRequest("Datum skrivs ÅÅÅÅ-MM-DD (fälten från och till).".into())
            })?;
            let d = if end { d + Duration::days(1) } else { d };
            // Swedish midnight is 23:00 or 22:00 UTC the day before; an hour's slack either way
            // is harmless for a log search and keeps this free of a time-zone database.
            Ok(d.and_hms_opt(0, 0, 0)
                .map(|n| n.and_utc().timestamp_millis() - 3_600_000 * if end { 1 } else { 2 }))
        }
    }
}

/// The entries the viewer may see, filtered.
pub(super) async fn entries(
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
pub(super) async fn codes(state: &AppState, v: &Viewer) -> DashResult<HashMap<Uuid, String>> {
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

/// A reader as the follow-up names them.
#[derive(Debug, Clone, Default)]
struct Reader {
    name: String,
    teams: String,
    org: String,
}

/// Each reader's teams (for the flags) and how they are named, and every organisation's name.
async fn readers(
    state: &AppState,
    rows: &[AuditRow],
) -> DashResult<(
    HashMap<Uuid, HashSet<Uuid>>,
    HashMap<Uuid, Reader>,
    HashMap<Uuid, String>,
)> {
    let orgs: HashMap<Uuid, String> = state
        .store
        .list_orgs()
        .await?
        .into_iter()
        .map(|o| (o.id.0, o.name))
        .collect();
    let mut team_names: HashMap<TeamId, String> = HashMap::new();
    let mut teams = HashMap::new();
    let mut names = HashMap::new();
    for id in rows.iter().map(|r| r.actor_staff).collect::<HashSet<_>>() {
        let Some(s) = state.store.staff_by_id(StaffId::from(id)).await? else {
            continue;
        };
        let mut tn = Vec::new();
        for t in &s.teams {
            if !team_names.contains_key(t)
                && let Some(row) = state.store.team(*t).await?
            {
                team_names.insert(*t, row.name);
            }
            if let Some(n) = team_names.get(t) {
                tn.push(n.clone());
            }
        }
        tn.sort();
        teams.insert(id, s.teams.iter().map(|t| t.0).collect());
        names.insert(
            id,
            Reader {
                name: s.name,
                teams: tn.join(", "),
                org: orgs.get(&s.org.0).cloned().unwrap_or_default(),
            },
        );
    }
    Ok((teams, names, orgs))
}

/// One row of the page: a burst of entries alike (see [`group`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Index of the newest entry, which the row shows.
    pub newest: usize,
    pub count: usize,
    pub oldest_ms: i64,
    pub flags: Flags,
}

/// Groups `rows` (newest first): an entry joins the open group with the same reader, way in,
/// action, client and team when the group's newest entry is at most [`GROUP_WINDOW_MS`] later;
/// otherwise it opens a new one. Groups keep the order of their newest entries, and carry
/// every flag of their entries.
pub fn group(rows: &[AuditRow], flags: &[Flags]) -> Vec<Group> {
    type Key = (Uuid, Via, AuditAction, Option<Uuid>, Option<Uuid>);
    let mut groups: Vec<Group> = Vec::new();
    let mut open: HashMap<Key, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let key = (r.actor_staff, r.via, r.action, r.client, r.team);
        let f = flags.get(i).copied().unwrap_or_default();
        if let Some(&g) = open.get(&key)
            && rows[groups[g].newest].at_ms - r.at_ms <= GROUP_WINDOW_MS
        {
            let grp = &mut groups[g];
            grp.count += 1;
            grp.oldest_ms = grp.oldest_ms.min(r.at_ms);
            grp.flags.outside_team |= f.outside_team;
            grp.flags.many_clients |= f.many_clients;
            continue;
        }
        open.insert(key, groups.len());
        groups.push(Group {
            newest: i,
            count: 1,
            oldest_ms: r.at_ms,
            flags: f,
        });
    }
    groups
}

/// The client a filter names: a code the viewer may see, or a client id.
fn resolve_client(given: &str, codes: &HashMap<Uuid, String>) -> DashResult<ClientId> {
    let given = given.trim();
    codes
        .iter()
        .find(|(_, c)| c.as_str() == given)
        .map(|(id, _)| *id)
        .or_else(|| given.parse::<Uuid>().ok())
        .map(ClientId::from)
        .ok_or(DashError::BadRequest(
            "Fältet klient ska vara en klientkod som du får se.".into(),
        ))
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(i18n::date_time)
        .unwrap_or_default()
}

fn flag_texts(l: Lang, f: Flags) -> Vec<&'static str> {
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
    fl
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<AuditQuery>,
) -> DashResult<Response> {
    let l = dash.lang();
    let v = dash.viewer();
    let me = dash.actor.staff.id.0;
    let codes = codes(&state, &v).await?;
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
                .ok_or(DashError::BadRequest(
                    "Fältet medarbetare ska vara någon i dina team.".into(),
                ))?,
        ),
        None => None,
    };
    let client_filter = match q.client.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => Some(resolve_client(c, &codes)?),
        None => None,
    };
    let page_no: usize = match q.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or(DashError::BadRequest(
                "Fältet sida ska vara ett heltal från 1.".into(),
            ))?,
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
        FETCH_LIMIT,
    )
    .await?;
    let (teams_of, readers, _) = readers(&state, &rows).await?;
    let flags = flag(&rows, &teams_of);
    let only_flagged = q.flagged.as_deref() == Some("1");
    let show_own = q.own.as_deref() == Some("show");
    let all_groups = group(&rows, &flags);
    let n_flagged = all_groups
        .iter()
        .filter(|g| g.flags.outside_team || g.flags.many_clients)
        .count();
    let is_own_list =
        |g: &Group| rows[g.newest].actor_staff == me && rows[g.newest].action == AuditAction::List;
    let n_own_hidden = if show_own {
        0
    } else {
        all_groups.iter().filter(|g| is_own_list(g)).count()
    };
    let groups: Vec<&Group> = all_groups
        .iter()
        .filter(|g| show_own || !is_own_list(g))
        .filter(|g| !only_flagged || g.flags.outside_team || g.flags.many_clients)
        .collect();
    let pages = groups.len().div_ceil(PAGE_ROWS).max(1);
    let page_no = page_no.min(pages);

    // The filters as a query, for the page links and the "show own" link.
    let mut filters = Vec::new();
    for (k, val) in [
        ("staff", q.staff.as_deref()),
        ("client", q.client.as_deref()),
        ("from", Some(from_s.as_str())),
        ("to", Some(to_s.as_str())),
        ("flagged", q.flagged.as_deref()),
    ] {
        if let Some(val) = val.map(str::trim).filter(|x| !x.is_empty()) {
            filters.push(format!("{k}={}", url_enc(val)));
        }
    }
    let base = filters.join("&");
    let own_q = if show_own { "&own=show" } else { "" };

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
         <label for=\"own\">{}<select id=\"own\" name=\"own\"><option value=\"\">{}</option><option value=\"show\"{}>{}</option></select></label>\
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
        tr(l, "Mina listvisningar", "My list views"),
        tr(l, "Dölj", "Hide"),
        if show_own { " selected" } else { "" },
        tr(l, "Visa", "Show"),
        tr(l, "Sök", "Search"),
    );
    let _ = write!(
        body,
        "<p><a href=\"/audit/followup\">{}</a></p>",
        tr(
            l,
            "Dokumenterad uppföljning: stickprov, fynd och åtgärd",
            "Documented follow-up: sample, findings and action"
        )
    );
    let _ = write!(
        body,
        "<p class=\"{}\">{} {} ({} {}), {} {}. {}</p>",
        if n_flagged > 0 { "warn" } else { "ok" },
        rows.len(),
        tr(l, "poster i urvalet", "entries in the selection"),
        all_groups.len(),
        tr(l, "rader", "rows"),
        n_flagged,
        tr(l, "flaggade för granskning", "flagged for review"),
        tr(
            l,
            "Flaggas: läsning av klient utanför läsarens team, och många olika klienter på kort tid. \
             Upprepade poster av samma slag inom tio minuter visas som en rad med antal.",
            "Flagged: reading a client outside the reader's team, and many different clients in a short time. \
             Repeated entries of one kind within ten minutes are one row with a count."
        ),
    );
    if rows.len() as i64 >= FETCH_LIMIT {
        let _ = write!(
            body,
            "<p class=\"warn\">{}</p>",
            tr(
                l,
                "Urvalet är större än vad sidan läser in; bara de senaste posterna visas. Korta perioden.",
                "The selection is larger than the page reads; only the latest entries are shown. Shorten the period."
            )
        );
    }
    if n_own_hidden > 0 {
        let _ = write!(
            body,
            "<p>{n_own_hidden} {} <a href=\"{}\">{}</a></p>",
            tr(
                l,
                "rader med dina egna listvisningar är dolda.",
                "rows of your own list views are hidden."
            ),
            attr(&format!("/audit?{base}&own=show")),
            tr(l, "Visa dem", "Show them"),
        );
    }
    if let Some(c) = client_filter {
        let _ = write!(
            body,
            "<p><a href=\"/audit/extract.csv?client={}\">{}</a></p>",
            url_enc(&codes.get(&c.0).cloned().unwrap_or_else(|| c.to_string())),
            tr(
                l,
                "Ladda ner loggutdrag för klienten (CSV)",
                "Download the access log extract for the client (CSV)"
            )
        );
    }
    let pager = pager(l, &base, own_q, page_no, pages);
    body.push_str(&pager);
    let _ = write!(
        body,
        "<table><caption>{} {page_no} {} {pages}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(
            l,
            "Åtkomstlogg, nyast först, sida",
            "Access log, newest first, page"
        ),
        tr(l, "av", "of"),
        tr(l, "Tid", "Time"),
        tr(l, "Läsare", "Reader"),
        tr(l, "Väg in", "Way in"),
        tr(l, "Åtgärd", "Action"),
        tr(l, "Klient", "Client"),
        tr(l, "Flagga", "Flag"),
    );
    for g in groups
        .iter()
        .skip((page_no - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
    {
        let r = &rows[g.newest];
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
        let fl = flag_texts(l, g.flags);
        let time = if g.count > 1 {
            format!(
                "{}<span class=\"sub\">{} {}</span>",
                when(r.at_ms),
                tr(l, "första", "first"),
                esc(&when(g.oldest_ms))
            )
        } else {
            when(r.at_ms)
        };
        let count = if g.count > 1 {
            format!(
                " <span class=\"count\" title=\"{}\">× {}</span>",
                tr(l, "antal poster", "number of entries"),
                g.count
            )
        } else {
            String::new()
        };
        let who = readers.get(&r.actor_staff).cloned().unwrap_or_default();
        let mut sub = vec![esc(&r.actor_username)];
        for part in [&who.teams, &who.org] {
            if !part.is_empty() {
                sub.push(esc(part));
            }
        }
        let _ = write!(
            body,
            "<tr{}><td>{time}</td><td>{}<span class=\"sub\">{}</span></td><td>{}</td><td>{}{count}</td><td>{client}</td><td class=\"flag\">{}</td></tr>",
            if fl.is_empty() {
                ""
            } else {
                " class=\"flagged\""
            },
            esc(&who.name),
            sub.join(" · "),
            i18n::via(l, r.via),
            i18n::audit_action(l, r.action),
            fl.join(", "),
        );
    }
    body.push_str("</tbody></table>");
    body.push_str(&pager);
    Ok(dash.render(
        tr(l, "Logguppföljning", "Access log follow-up"),
        Nav::Audit,
        None,
        &body,
    ))
}

/// Links to the other pages of the selection; empty when it fits on one.
fn pager(l: Lang, base: &str, own_q: &str, current: usize, pages: usize) -> String {
    if pages < 2 {
        return String::new();
    }
    let mut out = format!(
        "<nav class=\"pager\" aria-label=\"{}\"><ul>",
        tr(l, "Sidor", "Pages")
    );
    let link = |n: usize, text: &str| {
        format!(
            "<li><a href=\"{}\">{text}</a></li>",
            attr(&format!("/audit?{base}{own_q}&page={n}"))
        )
    };
    if current > 1 {
        out.push_str(&link(current - 1, tr(l, "‹ Nyare", "‹ Newer")));
    }
    for n in 1..=pages {
        // The first, the last and the neighbourhood of the current page; "…" between.
        if n == 1 || n == pages || n.abs_diff(current) <= 2 {
            if n == current {
                let _ = write!(out, "<li><span aria-current=\"page\">{n}</span></li>");
            } else {
                out.push_str(&link(n, &n.to_string()));
            }
        } else if n.abs_diff(current) == 3 {
            out.push_str("<li><span>…</span></li>");
        }
    }
    if current < pages {
        out.push_str(&link(current + 1, tr(l, "Äldre ›", "Older ›")));
    }
    out.push_str("</ul></nav>");
    out
}

#[derive(Debug, Deserialize)]
pub struct ExtractQuery {
    client: String,
}

/// Every entry about one client that the viewer may see, as CSV in Swedish: local time, the
/// reader's name, team and organisation, the client's code and the data's organisation by
/// name. The file is named by the client code (only someone allowed to see the client gets
/// it); the extract itself is logged.
pub async fn extract(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<ExtractQuery>,
) -> DashResult<Response> {
    let v = dash.viewer();
    let codes = codes(&state, &v).await?;
    let client = resolve_client(&q.client, &codes)?;
    let code = codes.get(&client.0).cloned();
    let rows = entries(&state, &v, Some(client), None, None, None, 10_000).await?;
    let (teams_of, readers, orgs) = readers(&state, &rows).await?;
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
    let sv = Lang::Sv;
    let mut csv = Csv::new();
    csv.row(&[
        "Tid (svensk tid)",
        "Läsare",
        "Användarnamn",
        "Läsarens team",
        "Läsarens organisation",
        "Väg in",
        "Åtgärd",
        "Uppgift",
        "Klientkod",
        "Uppgifternas organisation",
        "Flagga",
    ]);
    for (r, f) in rows.iter().zip(&flags) {
        let who = readers.get(&r.actor_staff).cloned().unwrap_or_default();
        let org_of = |id: Option<Uuid>| id.and_then(|o| orgs.get(&o).cloned()).unwrap_or_default();
        csv.row(&[
            chrono::DateTime::from_timestamp_millis(r.at_ms)
                .map(i18n::date_time_s)
                .unwrap_or_default(),
            who.name,
            r.actor_username.clone(),
            who.teams,
            if who.org.is_empty() {
                org_of(Some(r.actor_org))
            } else {
                who.org
            },
            i18n::via(sv, r.via).to_owned(),
            i18n::audit_action(sv, r.action).to_owned(),
            r.entity
                .as_deref()
                .map(|e| i18n::entity(sv, e))
                .unwrap_or("–")
                .to_owned(),
            code.clone().unwrap_or_else(|| client.to_string()),
            org_of(r.record_org),
            flag_texts(sv, *f).join(", "),
        ]);
    }
    let mut resp = csv.finish().into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let name: String = code
        .unwrap_or_else(|| client.to_string())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let day = i18n::date(swedish_date(Utc::now()));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"loggutdrag-{name}-{day}.csv\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ms: i64, actor: u128, action: AuditAction, client: Option<u128>) -> AuditRow {
        AuditRow {
            id: ms,
            at_ms: ms,
            at: String::new(),
            actor_staff: Uuid::from_u128(actor),
            actor_username: format!("u{actor}"),
            actor_org: Uuid::from_u128(100),
            device: None,
            via: Via::Dashboard,
            action,
            entity: None,
            client: client.map(Uuid::from_u128),
            record: None,
            team: Some(Uuid::from_u128(200)),
            record_org: None,
            auth_method: None,
            acr: None,
        }
    }

    #[test]
    fn a_burst_of_reads_is_one_row_with_its_count_and_flags() {
        let min = 60_000;
        // Newest first: reader 1 reads client 7 five times over eight minutes, interleaved with
        // reader 2; then, 30 minutes earlier, once more (a new row).
        let mut rows = Vec::new();
        for k in 0..5 {
            rows.push(row(100 * min - 2 * k * min, 1, AuditAction::Read, Some(7)));
            rows.push(row(
                100 * min - (2 * k + 1) * min,
                2,
                AuditAction::Read,
                Some(7),
            ));
        }
        rows.push(row(60 * min, 1, AuditAction::Read, Some(7)));
        rows.push(row(59 * min, 1, AuditAction::List, None));
        let mut flags = vec![Flags::default(); rows.len()];
        flags[4].outside_team = true;
        let g = group(&rows, &flags);
        assert_eq!(g.len(), 4, "{g:?}");
        assert_eq!((g[0].newest, g[0].count), (0, 5));
        assert_eq!(g[0].oldest_ms, 92 * min);
        assert!(g[0].flags.outside_team, "a flag of any entry marks the row");
        assert_eq!((g[1].newest, g[1].count), (1, 5));
        assert!(!g[1].flags.outside_team);
        assert_eq!(
            (g[2].newest, g[2].count),
            (10, 1),
            "outside the window: a new row"
        );
        assert_eq!(g[3].count, 1, "a list view is not a read");
        assert_eq!(g.iter().map(|g| g.count).sum::<usize>(), rows.len());
    }
}
