//! Client data for supervisors: clients, visits and trips of their teams, filtered by
//! [`crate::access`] row by row, with an access-log entry for every record returned or written.
//! The log entries are committed before the response is sent: no unlogged read leaves the
//! server.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uppsok_model::{
    Client, ClientId, CodePattern, ConsentScope, Entity, Record, Role, StaffId, TeamId,
};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{limit_of, rfc3339};
use crate::access::{self, ClientFacts, RecordFacts, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::store::AuditAction;
use crate::store::{AuditEntry, RecordFilter, RecordRow, RecordWrite};

/// A stored record as the API shows it: the record's own JSON plus where it belongs.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordView {
    pub id: Uuid,
    pub team: Option<Uuid>,
    /// The record space (organisation) the record belongs to.
    pub org: Uuid,
    /// Staff id of the author.
    pub author: Uuid,
    /// The server sequence number of this version.
    pub seq: i64,
    pub updated_at: String,
    /// For visits: the note was removed because it belongs to another organisation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub note_withheld: bool,
    /// The record as `uppsok-model` defines it (`Client`, `Visit` or `Trip`).
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<RecordView>,
    /// More matched than `limit`; narrow the filter (e.g. `from`/`to`).
    pub truncated: bool,
}

fn view(row: &RecordRow, withhold_note: bool) -> RecordView {
    let mut record = row.body.clone();
    if withhold_note && let Some(obj) = record.as_object_mut() {
        obj.remove("note");
    }
    RecordView {
        id: row.id,
        team: row.team.map(|t| t.0),
        org: row.org.0,
        author: row.author.0,
        seq: row.seq,
        updated_at: rfc3339(row.updated_ms),
        note_withheld: withhold_note,
        record,
    }
}

fn client_facts(row: &RecordRow) -> Option<ClientFacts> {
    Some(ClientFacts {
        team: row.team?,
        org: row.client_org?,
        consent_given: row.client_consent?,
    })
}

fn record_facts(row: &RecordRow) -> Option<RecordFacts> {
    Some(RecordFacts {
        team: row.team?,
        org: row.org,
    })
}

fn audit_entry(actor: &Actor, action: AuditAction, row: &RecordRow) -> AuditEntry {
    AuditEntry {
        entity: Some(row.entity),
        client: row.client,
        record: Some(row.id),
        team: row.team,
        record_org: Some(row.org),
        ..actor.audit(action)
    }
}

/// Which teams a list covers: the one asked for (if it is the viewer's) or all of theirs.
fn teams_for(v: &Viewer, team: Option<Uuid>) -> ApiResult<Vec<TeamId>> {
    match team.map(TeamId::from) {
        Some(t) if v.teams.contains(&t) => Ok(vec![t]),
        Some(_) => Err(ApiError::Forbidden("that is not one of your teams")),
        None => Ok(v.teams.iter().copied().collect()),
    }
}

fn client_api(actor: &Actor) -> ApiResult<Viewer> {
    actor.require(&[Role::Supervisor])?;
    let v = actor.viewer();
    if !access::may_use_client_api(&v) {
        return Err(ApiError::Forbidden("your role may not use this route"));
    }
    Ok(v)
}

async fn finish(
    state: &AppState,
    actor: &Actor,
    rows: Vec<(RecordRow, bool)>,
    limit: i64,
) -> ApiResult<Json<RecordList>> {
    let entries: Vec<AuditEntry> = rows
        .iter()
        .map(|(r, _)| audit_entry(actor, AuditAction::Read, r))
        .collect();
    state.store.append_audit(&entries).await?;
    let truncated = rows.len() as i64 >= limit;
    Ok(Json(RecordList {
        items: rows
            .iter()
            .map(|(r, withhold)| view(r, *withhold))
            .collect(),
        truncated,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    pub team: Option<Uuid>,
    /// At most this many (default 500); `truncated` says when more matched.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Clients of the supervisor's teams that the supervisor's organisation may see.
#[utoipa::path(get, path = "/v1/clients", params(ClientQuery), security(("bearer" = [])),
    responses((status = 200, description = "the clients", body = RecordList),
              (status = 403, description = "`forbidden`: only supervisors (of a record space that may use the client API); a team not theirs")))]
pub async fn list_clients(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<ClientQuery>,
) -> ApiResult<Json<RecordList>> {
    let v = client_api(&actor)?;
    let limit = limit_of(q.limit, 500, 1000)?;
    let mut f = RecordFilter::new(Entity::Client);
    f.teams = Some(teams_for(&v, q.team)?);
    f.limit = 10_000;
    let rows: Vec<(RecordRow, bool)> = state
        .store
        .list_records(&f)
        .await?
        .into_iter()
        .filter(|r| client_facts(r).is_some_and(|c| access::may_see_client(&v, &c)))
        .take(limit as usize)
        .map(|r| (r, false))
        .collect();
    finish(&state, &actor, rows, limit).await
}

/// One client; 404 when it does not exist or the caller may not see it (no difference shown).
#[utoipa::path(get, path = "/v1/clients/{id}", security(("bearer" = [])), params(("id" = Uuid, Path, description = "client id")),
    responses((status = 200, description = "the client", body = RecordView),
              (status = 403, description = "`forbidden`: only supervisors (of a record space that may use the client API); a team not theirs"),
              (status = 404, description = "`not-found`: no such client, or not one the caller may see")))]
pub async fn get_client(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<RecordView>> {
    let v = client_api(&actor)?;
    let row = state
        .store
        .record(Entity::Client, id)
        .await?
        .filter(|r| !r.deleted && client_facts(r).is_some_and(|c| access::may_see_client(&v, &c)))
        .ok_or(ApiError::NotFound("client"))?;
    state
        .store
        .append_audit(&[audit_entry(&actor, AuditAction::Read, &row)])
        .await?;
    Ok(Json(view(&row, false)))
}

/// Creates or updates a client in the supervisor's own record space and team (e.g. at intake,
/// or to close a client). The body is the `uppsok-model` `Client`; its `id` must equal the path.
#[utoipa::path(put, path = "/v1/clients/{id}", security(("bearer" = [])), params(("id" = Uuid, Path, description = "client id")),
    request_body(content = Client, description = "a Client of uppsok-model; rules the schema cannot state (the team's code pattern, what a name may hold) are 422"),
    responses((status = 200, description = "updated", body = RecordView), (status = 201, description = "created", body = RecordView),
              (status = 403, description = "`forbidden`: not a supervisor, or a team or record space not theirs"),
              (status = 422, description = "`validation-failed`: the client breaks a rule of the model, its `id` differs from the path, or its code is taken")))]
pub async fn put_client(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(client): ApiJson<Client>,
) -> ApiResult<(StatusCode, Json<RecordView>)> {
    let v = client_api(&actor)?;
    if client.id != ClientId::from(id) {
        return Err(ApiError::Validation {
            field: "id".into(),
            rule: "must equal the id in the path".into(),
        });
    }
    let team = state
        .store
        .team(client.team)
        .await?
        .ok_or(ApiError::Forbidden("that is not one of your teams"))?;
    let existing = state.store.record(Entity::Client, id).await?;
    let new_facts = ClientFacts {
        team: client.team,
        org: client.org,
        consent_given: client.consent.in_force(crate::consent::today()),
    };
    let new_outcomes = client.consent.shares_outcomes(crate::consent::today());
    let old_facts = existing.as_ref().and_then(client_facts);
    if !access::may_write_client(&v, &new_facts, old_facts.as_ref()) {
        return Err(ApiError::Forbidden(
            "you may write clients only in your own team and organisation",
        ));
    }
    client.validate(
        &CodePattern(team.client_code_pattern.clone()),
        chrono::Utc::now(),
    )?;
    let code = client.code.to_string();
    let write = RecordWrite {
        record: Record::Client(client),
        deleted: false,
        author: actor.staff.id,
        org: actor.staff.org,
        team: Some(team.id),
        device: None,
    };
    let action = if existing.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    // Whether the other organisation sees the client's contacts, and its outcomes.
    let old_outcomes = old_facts.as_ref().is_some_and(|o| o.consent_given)
        && existing.as_ref().is_some_and(|r| {
            serde_json::from_value::<Client>(r.body.clone())
                .is_ok_and(|c| c.consent.scope == ConsentScope::ContactsAndOutcomes)
        });
    let consent_changed = (
        old_facts.as_ref().is_some_and(|o| o.consent_given),
        old_outcomes,
    ) != (new_facts.consent_given, new_outcomes);
    let mut tx = state.store.begin().await?;
    let holder = tx.client_codes(&[team.id]).await?.remove(&(team.id, code));
    if holder.is_some_and(|other| other != id) {
        return Err(ApiError::Validation {
            field: "code".into(),
            rule: "another client of the team already has this code".into(),
        });
    }
    // The check above reads inside this transaction; a writer that got in between is caught by
    // the database's unique index and answered the same way.
    let seq = tx.upsert_record(&write).await.map_err(|e| {
        if e.is_unique_violation() {
            ApiError::Validation {
                field: "code".into(),
                rule: "another client of the team already has this code".into(),
            }
        } else {
            e.into()
        }
    })?;
    if consent_changed {
        // Consent decides whether the other organisation's phones hold this client's visits:
        // new sequence numbers make every phone of the team pull them (or their tombstones)
        // on its next sync, exactly as when the change arrives through sync.
        tx.resequence_client_records(ClientId::from(id)).await?;
    }
    let row = tx
        .record(Entity::Client, id)
        .await?
        .ok_or(ApiError::Internal("written client vanished".into()))?;
    tx.append_audit(&[audit_entry(&actor, action, &row)])
        .await?;
    tx.commit().await?;
    debug_assert_eq!(row.seq, seq);
    let status = if existing.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(view(&row, false))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    pub team: Option<Uuid>,
    pub client: Option<Uuid>,
    /// Author's staff id.
    pub staff: Option<Uuid>,
    /// Start at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Start before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// At most this many (default 500); `truncated` says when more matched.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

fn filter_for(entity: Entity, v: &Viewer, q: &VisitQuery) -> ApiResult<RecordFilter> {
    let mut f = RecordFilter::new(entity);
    f.teams = Some(teams_for(v, q.team)?);
    f.client = q.client.map(ClientId::from);
    f.author = q.staff.map(StaffId::from);
    f.from_ms = q.from.map(|d| d.timestamp_millis());
    f.to_ms = q.to.map(|d| d.timestamp_millis());
    f.limit = 10_000;
    Ok(f)
}

/// Visits in the supervisor's teams: own organisation's always, the other organisation's only
/// while the client's consent is given, and then without the note.
#[utoipa::path(get, path = "/v1/visits", params(VisitQuery), security(("bearer" = [])),
    responses((status = 200, description = "the visits", body = RecordList),
              (status = 403, description = "`forbidden`: only supervisors (of a record space that may use the client API); a team not theirs")))]
pub async fn list_visits(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> ApiResult<Json<RecordList>> {
    let v = client_api(&actor)?;
    let limit = limit_of(q.limit, 500, 1000)?;
    let f = filter_for(Entity::Visit, &v, &q)?;
    let rows: Vec<(RecordRow, bool)> = state
        .store
        .list_records(&f)
        .await?
        .into_iter()
        .filter_map(|r| {
            let rf = record_facts(&r)?;
            let cf = client_facts(&r);
            access::may_see_visit(&v, &rf, cf.as_ref()).then(|| {
                let withhold = !access::may_see_note(&v, &rf, cf.as_ref());
                (r, withhold)
            })
        })
        .take(limit as usize)
        .collect();
    finish(&state, &actor, rows, limit).await
}

/// Outcomes (stays in care, emergency visits, housing, occupation, satisfaction answers) in the
/// supervisor's teams, by the contacts' rule: own organisation's always, the other
/// organisation's only while the client's consent is in force and covers outcomes. `from`/`to` compare with the
/// outcome's day (its first moment, UTC).
#[utoipa::path(get, path = "/v1/outcomes", params(VisitQuery), security(("bearer" = [])),
    responses((status = 200, description = "the outcomes", body = RecordList),
              (status = 403, description = "`forbidden`: only supervisors (of a record space that may use the client API); a team not theirs")))]
pub async fn list_outcomes(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> ApiResult<Json<RecordList>> {
    let v = client_api(&actor)?;
    let limit = limit_of(q.limit, 500, 1000)?;
    let f = filter_for(Entity::Outcome, &v, &q)?;
    let rows: Vec<(RecordRow, bool)> = state
        .store
        .list_records(&f)
        .await?
        .into_iter()
        .filter(|r| {
            record_facts(r)
                .is_some_and(|rf| access::may_see_outcome(&v, &rf, client_facts(r).as_ref()))
        })
        .take(limit as usize)
        .map(|r| (r, false))
        .collect();
    finish(&state, &actor, rows, limit).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TripQuery {
    pub team: Option<Uuid>,
    /// The driver's staff id.
    pub staff: Option<Uuid>,
    /// Start at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Start before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// At most this many (default 500); `truncated` says when more matched.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Trips driven by the supervisor's own organisation's staff in the supervisor's teams. Trips
/// are not about a client, so there is no `client` filter (asking for one is 400, as any
/// parameter a route does not take).
#[utoipa::path(get, path = "/v1/trips", params(TripQuery), security(("bearer" = [])),
    responses((status = 200, description = "the trips", body = RecordList),
              (status = 403, description = "`forbidden`: only supervisors (of a record space that may use the client API); a team not theirs")))]
pub async fn list_trips(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<TripQuery>,
) -> ApiResult<Json<RecordList>> {
    let v = client_api(&actor)?;
    let q = VisitQuery {
        team: q.team,
        client: None,
        staff: q.staff,
        from: q.from,
        to: q.to,
        limit: q.limit,
    };
    let limit = limit_of(q.limit, 500, 1000)?;
    let mut f = filter_for(Entity::Trip, &v, &q)?;
    f.orgs = Some(vec![v.org]);
    let rows: Vec<(RecordRow, bool)> = state
        .store
        .list_records(&f)
        .await?
        .into_iter()
        .filter(|r| record_facts(r).is_some_and(|rf| access::may_see_trip(&v, &rf)))
        .take(limit as usize)
        .map(|r| (r, false))
        .collect();
    finish(&state, &actor, rows, limit).await
}
