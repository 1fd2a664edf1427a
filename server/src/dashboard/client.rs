//! One client: the timeline of contacts and trips of the last year (notes only where the
//! viewer's organisation may read them), the history of phase and consent from the stored
//! revisions, and the client's outcomes with a form to record one. A client the viewer may not see answers 404, the same as one that does not exist.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use uppsok_model::{ClientId, ConsentState, Entity, OrgId, TeamId};
use uuid::Uuid;

use super::html::{Nav, esc};
use super::i18n::{self, num, tr};
use super::{Dash, DashError, DashResult};
use crate::access::{self, ClientFacts};
use crate::state::AppState;
use crate::store::AuditAction;
use crate::store::dashboard::{self as data, TeamClient};

/// How far back the timeline reaches; bounds the page's cost for long-standing clients.
const TIMELINE_DAYS: i64 = 365;

enum Item<'a> {
    Visit(&'a data::SeenVisit),
    Trip(&'a data::SeenTrip),
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
) -> DashResult<Response> {
    dash.require_supervisor()?;
    let l = dash.lang();
    let v = dash.viewer();
    let id: Uuid = id.parse().map_err(|_| DashError::NotFound("client"))?;
    let row = state
        .store
        .record(Entity::Client, id)
        .await?
        .filter(|r| !r.deleted)
        .ok_or(DashError::NotFound("client"))?;
    let team: TeamId = row.team.ok_or(DashError::NotFound("client"))?;
    let facts = ClientFacts {
        team,
        org: row.org,
        consent_given: row.client_consent.unwrap_or(false),
    };
    if !access::may_see_client(&v, &facts) {
        return Err(DashError::NotFound("client"));
    }
    let client: uppsok_model::Client = serde_json::from_value(row.body.clone())
        .map_err(|_| DashError::Internal("a client body does not parse".into()))?;
    let cid = ClientId::from(id);
    let team_row = state
        .store
        .team(team)
        .await?
        .ok_or(DashError::NotFound("team"))?;
    state
        .store
        .append_audit(&[dash.audit_client(AuditAction::Read, cid, team, row.org)])
        .await?;

    let me = TeamClient {
        client: client.clone(),
        facts,
        author: row.author,
        updated_ms: row.updated_ms,
    };
    let now = Utc::now();
    let from = (now - Duration::days(TIMELINE_DAYS)).timestamp_millis();
    let to = (now + Duration::days(1)).timestamp_millis();
    let mut visits = data::visits(
        &state.store,
        &v,
        team,
        std::slice::from_ref(&me),
        Some(cid),
        from,
        to,
    )
    .await?;
    visits.sort_by_key(|s| std::cmp::Reverse(s.visit.start));
    let visit_ids: HashSet<_> = visits.iter().map(|s| s.visit.id).collect();
    let trips: Vec<data::SeenTrip> = data::trips(&state.store, &v, team, from, to)
        .await?
        .into_iter()
        .filter(|t| {
            t.trip.visited.as_deref().map(str::trim) == Some(client.code.as_str())
                || t.trip.visits.iter().any(|vid| visit_ids.contains(vid))
        })
        .collect();
    let mut items: Vec<(DateTime<Utc>, Item<'_>)> = visits
        .iter()
        .map(|s| (s.visit.start, Item::Visit(s)))
        .chain(trips.iter().map(|t| (t.trip.start, Item::Trip(t))))
        .collect();
    items.sort_by_key(|i| std::cmp::Reverse(i.0));
    let revisions = data::client_revisions(&state.store, cid).await?;
    let outcomes = crate::store::outcomes::client_outcomes(
        &state.store,
        &v,
        team,
        std::slice::from_ref(&me),
        cid,
    )
    .await?;
    if !outcomes.is_empty() {
        // The outcomes are records of their own; their read is logged as such.
        state
            .store
            .append_audit(&[crate::store::AuditEntry {
                entity: Some(Entity::Outcome),
                record: None,
                ..dash.audit_client(AuditAction::Read, cid, team, row.org)
            }])
            .await?;
    }

    // People by name, as everywhere on the dashboard; a username only for someone who has left.
    let names: HashMap<String, String> = state
        .store
        .list_staff(None, Some(&[team]))
        .await?
        .into_iter()
        .map(|s| (s.username, s.name))
        .collect();
    let name_of = |u: &str| names.get(u).cloned().unwrap_or_else(|| u.to_owned());
    let org_name = |o: OrgId| async move {
        state
            .store
            .org(o)
            .await
            .ok()
            .flatten()
            .map(|r| r.name)
            .unwrap_or_default()
    };
    let owner = org_name(row.org).await;

    let mut body = String::new();
    let consent = match client.consent.state {
        ConsentState::Given => tr(l, "Samtycke till delning givet", "Consent to share given"),
        ConsentState::Withdrawn => tr(l, "Samtycke återkallat", "Consent withdrawn"),
        ConsentState::None => tr(l, "Inget samtycke till delning", "No consent to share"),
    };
    let _ = write!(
        body,
        "<dl class=\"def\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        tr(l, "Namn", "Name"),
        esc(client.name.as_str()),
        tr(l, "Team", "Team"),
        esc(&team_row.name),
        tr(l, "Journalhållare", "Record space"),
        esc(&owner),
        tr(l, "Fas", "Phase"),
        i18n::phase(l, client.phase),
        tr(l, "Samtycke", "Consent"),
        consent,
        tr(l, "Nästa planerade kontakt", "Next planned contact"),
        client.next_contact.map_or_else(|| "–".into(), i18n::date),
    );

    let _ = write!(
        body,
        "<h2>{}</h2><table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(l, "Tidslinje", "Timeline"),
        tr(
            l,
            "Kontakter och resor, senaste året, nyast först",
            "Contacts and trips, last year, newest first"
        ),
        tr(l, "Tid", "Time"),
        tr(l, "Vad", "What"),
        tr(l, "Vem", "Who"),
        tr(l, "Var", "Where"),
        tr(l, "Anteckning", "Note"),
    );
    for (at, item) in &items {
        match item {
            Item::Visit(s) => {
                let vis = &s.visit;
                let mut what = format!("{}, {} min", i18n::contact(l, vis.contact), vis.minutes);
                if let Some(set) = vis.setting {
                    let _ = write!(what, ", {}", i18n::setting(l, set));
                }
                if vis.network {
                    let _ = write!(what, ", {}", tr(l, "med nätverk", "with network"));
                }
                let note = if s.note_visible {
                    vis.note
                        .as_ref()
                        .map(|n| esc(n.as_str()))
                        .unwrap_or_default()
                } else {
                    format!(
                        "<span class=\"muted\">{}</span>",
                        tr(
                            l,
                            "Anteckningen finns hos den andra organisationen",
                            "The note stays with the other organisation"
                        )
                    )
                };
                let who: Vec<String> = vis.staff.iter().map(|u| name_of(u.as_str())).collect();
                let _ = write!(
                    body,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{note}</td></tr>",
                    i18n::date_time(*at),
                    esc(&what),
                    esc(&who.join(", ")),
                    vis.place
                        .as_ref()
                        .map(|p| esc(p.as_str()))
                        .unwrap_or_default(),
                );
            }
            Item::Trip(t) => {
                let trip = &t.trip;
                let _ = write!(
                    body,
                    "<tr><td>{}</td><td>{} {} km ({})</td><td>{}</td><td>{} → {}</td><td>{}</td></tr>",
                    i18n::date_time(*at),
                    tr(l, "Resa", "Trip"),
                    num(l, trip.km, 1),
                    i18n::distance_source(l, trip.distance_source),
                    esc(&name_of(trip.driver.as_str())),
                    esc(trip.from.as_str()),
                    esc(trip.to.as_str()),
                    esc(trip.purpose.as_str()),
                );
            }
        }
    }
    if items.is_empty() {
        let _ = write!(
            body,
            "<tr><td colspan=\"5\">{}</td></tr>",
            tr(l, "Inga kontakter.", "No contacts.")
        );
    }
    body.push_str("</tbody></table>");

    let _ = write!(
        body,
        "<h2>{}</h2><table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(
            l,
            "Fas och samtycke över tid",
            "Phase and consent over time"
        ),
        tr(
            l,
            "Ändringar enligt sparade versioner",
            "Changes from the stored versions"
        ),
        tr(l, "Sparad", "Stored"),
        tr(l, "Fas", "Phase"),
        tr(l, "Samtycke", "Consent"),
    );
    let mut prev: Option<(uppsok_model::Phase, ConsentState)> = None;
    for r in &revisions {
        let now_state = (r.client.phase, r.client.consent.state);
        if prev == Some(now_state) {
            continue;
        }
        prev = Some(now_state);
        let consent = match r.client.consent.state {
            ConsentState::Given => tr(l, "givet", "given"),
            ConsentState::Withdrawn => tr(l, "återkallat", "withdrawn"),
            ConsentState::None => tr(l, "saknas", "none"),
        };
        let when = DateTime::from_timestamp_millis(r.at_ms)
            .map(i18n::date_time)
            .unwrap_or_default();
        let consent_date = r
            .client
            .consent
            .date
            .map(|d| format!(" ({})", i18n::date(d)))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{when}</td><td>{}{}</td><td>{consent}{consent_date}</td></tr>",
            i18n::phase(l, r.client.phase),
            r.client
                .closed_reason
                .as_deref()
                .map(|x| format!(": {}", esc(x)))
                .unwrap_or_default(),
        );
    }
    body.push_str("</tbody></table>");
    body.push_str(&super::outcomes::client_section(
        l,
        cid,
        &outcomes,
        dash.csrf(),
    ));
    let title = format!("{} {}", tr(l, "Klient", "Client"), client.code.as_str());
    Ok(dash.render(&title, Nav::Overview, Some(&team_row), &body))
}
