//! Teams and staff lists, and the view types of organisations, teams and staff that other
//! routes reuse. No client data here, so no access-log entries.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use uppsok_model::{Role, TeamId};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::access;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Actor, ApiQuery};
use crate::state::AppState;
use crate::store::{OrgRow, StaffRow, TeamRow};
pub use uppsok_model::protocol::directory::{OrgView, StaffView, TeamView};

impl From<&OrgRow> for OrgView {
    fn from(o: &OrgRow) -> Self {
        Self {
            id: o.id.0,
            name: o.name.clone(),
            kind: o.kind,
            own_car_ore_per_km: o.rates.own_car_ore_per_km,
            service_car_ore_per_km: o.rates.service_car_ore_per_km,
        }
    }
}

impl From<&TeamRow> for TeamView {
    fn from(t: &TeamRow) -> Self {
        Self {
            id: t.id.0,
            name: t.name.clone(),
            org: t.org.0,
            client_code_pattern: t.client_code_pattern.clone(),
        }
    }
}

impl From<&StaffRow> for StaffView {
    fn from(s: &StaffRow) -> Self {
        Self {
            id: s.id.0,
            username: s.username.clone(),
            name: s.name.clone(),
            org: s.org.0,
            role: s.role,
            teams: s.teams.iter().map(|t| t.0).collect(),
            active: s.active,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamView>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffView>,
}

/// Supervisors see their own teams; admins the teams their organisation runs or has members in.
#[utoipa::path(get, path = "/v1/teams", security(("bearer" = [])),
    responses((status = 200, description = "the teams", body = TeamList),
              (status = 403, description = "`forbidden`: only supervisors and admins")))]
pub async fn teams(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<TeamList>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let v = actor.viewer();
    let member_teams: BTreeSet<TeamId> = if v.role == Role::Admin {
        state
            .store
            .list_staff(Some(v.org), None)
            .await?
            .into_iter()
            .flat_map(|s| s.teams)
            .collect()
    } else {
        BTreeSet::new()
    };
    let items = state
        .store
        .list_teams()
        .await?
        .iter()
        .filter(|t| access::may_see_team(&v, t.id, t.org, member_teams.contains(&t.id)))
        .map(TeamView::from)
        .collect();
    Ok(Json(TeamList { items }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// Only members of this team.
    pub team: Option<Uuid>,
}

/// Supervisors see the members of their teams; admins their organisation's staff.
#[utoipa::path(get, path = "/v1/staff", params(StaffQuery), security(("bearer" = [])),
    responses((status = 200, description = "the staff", body = StaffList),
              (status = 403, description = "`forbidden`: only supervisors and admins; a supervisor asked for a team not theirs")))]
pub async fn staff(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<StaffQuery>,
) -> ApiResult<Json<StaffList>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let v = actor.viewer();
    let team = q.team.map(TeamId::from);
    if let Some(t) = team
        && v.role == Role::Supervisor
        && !v.teams.contains(&t)
    {
        return Err(ApiError::Forbidden("that is not one of your teams"));
    }
    let rows = match v.role {
        Role::Admin => state.store.list_staff(Some(v.org), None).await?,
        _ => {
            let teams: Vec<TeamId> = v.teams.iter().copied().collect();
            state.store.list_staff(None, Some(&teams)).await?
        }
    };
    let items = rows
        .iter()
        .filter(|s| access::may_see_staff(&v, s.org, &s.teams))
        .filter(|s| team.is_none_or(|t| s.teams.contains(&t)))
        .map(StaffView::from)
        .collect();
    Ok(Json(StaffList { items }))
}
