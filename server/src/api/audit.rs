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
    /// At most this many entries (default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditRow>,
}

#[utoipa::path(get, path = "/v1/audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, description = "the entries, newest first", body = AuditList),
              (status = 403, description = "`forbidden`: only supervisors and admins")))]
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
        limit: super::limit_of(q.limit, 1000, 10_000)?,
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
