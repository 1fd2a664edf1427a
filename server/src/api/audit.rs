//! Following up the access log (logguppföljning): supervisors see entries about their teams,
//! admins entries involving their organisation — as reader or as the record space read. The
//! entries are ids and times, no client content (see [`crate::access`]).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uppsok_model::{ClientId, OrgId, Role, StaffId, TeamId};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::access;
use crate::error::ApiResult;
use crate::extract::{Actor, ApiQuery};
use crate::state::AppState;
use crate::store::{AuditFilter, AuditRow};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub client: Option<Uuid>,
    /// The reader's staff id.
    pub staff: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditRow>,
}

#[utoipa::path(get, path = "/v1/audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = AuditList), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let v = actor.viewer();
    let f = AuditFilter {
        client: q.client.map(ClientId::from),
        staff: q.staff.map(StaffId::from),
        from_ms: q.from.map(|d| d.timestamp_millis()),
        to_ms: q.to.map(|d| d.timestamp_millis()),
        orgs: Some(vec![v.org]),
        teams: (v.role == Role::Supervisor).then(|| v.teams.iter().copied().collect()),
        limit: q.limit.unwrap_or(1000).clamp(1, 10_000),
    };
    let items = state
        .store
        .list_audit(&f)
        .await?
        .into_iter()
        .filter(|e| {
            access::may_see_audit_entry(
                &v,
                OrgId::from(e.actor_org),
                e.record_org.map(OrgId::from),
                e.team.map(TeamId::from),
            )
        })
        .collect();
    Ok(Json(AuditList { items }))
}
