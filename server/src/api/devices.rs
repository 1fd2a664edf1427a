//! Phones: enrolment with a one-time code, the device's own status, and the list and revoke
//! routes for admins and supervisors.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use uppsok_model::{DeviceId, Role};
use utoipa::ToSchema;
use uuid::Uuid;

use super::directory::{OrgView, StaffView, TeamView};
use super::rfc3339;
use crate::access;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Actor, ApiJson, ApiPath, ClientIp, DeviceAuth};
use crate::state::AppState;
use crate::store::{DeviceRow, DeviceStatus, EnrolmentOutcome};
use uppsok_model::protocol::directory::{DeviceSelf, TeamMember};
use uppsok_model::protocol::enrol::{EnrolRequest, EnrolResponse};

fn check_label(field: &'static str, v: &Option<String>, max: usize) -> ApiResult<()> {
    if let Some(v) = v
        && (v.chars().count() > max || v.chars().any(char::is_control))
    {
        return Err(ApiError::Validation {
            field: field.into(),
            rule: format!("must be at most {max} characters without control characters"),
        });
    }
    Ok(())
}

/// Exchanges an enrolment code (once) for a device id and token.
#[utoipa::path(post, path = "/v1/devices/enroll", request_body = EnrolRequest,
    responses((status = 201, description = "enrolled; the token is shown only now", body = EnrolResponse),
              (status = 400, description = "`enrolment-refused`: the code is unknown, used or expired"),
              (status = 422, description = "`validation-failed`: `device_name` or `app_version` too long or with control characters"),
              (status = 429, description = "`rate-limited`: too many wrong codes from this address")))]
pub async fn enrol(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<EnrolRequest>,
) -> ApiResult<(StatusCode, Json<EnrolResponse>)> {
    if let Err(retry_after_s) = state.limiter.check(ip) {
        return Err(ApiError::RateLimited { retry_after_s });
    }
    check_label("device_name", &req.device_name, 100)?;
    check_label("app_version", &req.app_version, 40)?;
    if req.code.chars().count() > 64 {
        state.limiter.fail(ip);
        return Err(ApiError::EnrolmentRefused);
    }
    let (token, token_hash) = auth::new_token(auth::DEVICE_PREFIX);
    let outcome = state
        .store
        .redeem_enrolment_code(
            &auth::hash_enrolment_code(&req.code),
            &token_hash,
            req.device_name.as_deref(),
            req.app_version.as_deref(),
        )
        .await?;
    let device = match outcome {
        EnrolmentOutcome::Enrolled(d) => d,
        EnrolmentOutcome::Refused => {
            state.limiter.fail(ip);
            return Err(ApiError::EnrolmentRefused);
        }
    };
    let staff = state
        .store
        .staff_by_id(device.staff)
        .await?
        .ok_or(ApiError::NotFound("staff"))?;
    let org = state
        .store
        .org(staff.org)
        .await?
        .ok_or(ApiError::NotFound("organisation"))?;
    let mut teams = Vec::new();
    for t in &staff.teams {
        if let Some(t) = state.store.team(*t).await? {
            teams.push(TeamView::from(&t));
        }
    }
    tracing::info!(device = %device.id, staff = %staff.id, "device enrolled");
    Ok((
        StatusCode::CREATED,
        Json(EnrolResponse {
            device_id: device.id.0,
            token,
            staff: StaffView::from(&staff),
            org: OrgView::from(&org),
            teams,
        }),
    ))
}

/// The calling device's status, its user and the colleagues of the user's teams (a cheap
/// authenticated read for phones; the visit form offers and accepts only those colleagues).
#[utoipa::path(get, path = "/v1/devices/me", security(("device" = [])),
    responses((status = 200, description = "the device, its user and the colleagues of the user's teams", body = DeviceSelf)))]
pub async fn me(State(state): State<AppState>, device: DeviceAuth) -> ApiResult<Json<DeviceSelf>> {
    let teams = &device.staff.teams;
    let team_members = state
        .store
        .list_staff(None, Some(teams))
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| TeamMember {
            teams: s
                .teams
                .iter()
                .filter(|t| teams.contains(t))
                .map(|t| t.0)
                .collect(),
            username: s.username,
            name: s.name,
        })
        .collect();
    Ok(Json(DeviceSelf {
        device_id: device.device.id.0,
        status: device.device.status,
        staff: StaffView::from(&device.staff),
        team_members,
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviceView {
    pub id: Uuid,
    pub staff: Uuid,
    pub username: String,
    pub name: Option<String>,
    pub app_version: Option<String>,
    pub status: DeviceStatus,
    pub enrolled_at: String,
    pub last_sync_at: Option<String>,
    pub revoked_at: Option<String>,
}

fn view(d: &DeviceRow, username: &str) -> DeviceView {
    DeviceView {
        id: d.id.0,
        staff: d.staff.0,
        username: username.to_owned(),
        name: d.name.clone(),
        app_version: d.app_version.clone(),
        status: d.status,
        enrolled_at: rfc3339(d.enrolled_ms),
        last_sync_at: d.last_sync_ms.map(rfc3339),
        revoked_at: d.revoked_ms.map(rfc3339),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeviceList {
    pub items: Vec<DeviceView>,
}

/// Devices the caller may manage: admins their organisation's, supervisors those of their own
/// organisation's staff in their teams.
#[utoipa::path(get, path = "/v1/devices", security(("bearer" = [])),
    responses((status = 200, description = "the devices", body = DeviceList),
              (status = 403, description = "`forbidden`: only supervisors and admins")))]
pub async fn list(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<DeviceList>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let v = actor.viewer();
    let staff: Vec<_> = state
        .store
        .list_staff(Some(v.org), None)
        .await?
        .into_iter()
        .filter(|s| access::may_manage_device(&v, s.org, &s.teams))
        .collect();
    let ids: Vec<_> = staff.iter().map(|s| s.id).collect();
    let devices = state.store.list_devices(Some(&ids)).await?;
    let items = devices
        .iter()
        .map(|d| {
            let name = staff
                .iter()
                .find(|s| s.id == d.staff)
                .map_or("", |s| s.username.as_str());
            view(d, name)
        })
        .collect();
    Ok(Json(DeviceList { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Also order the phone to destroy its local data on its next contact. Required, so that
    /// an empty or garbled body never revokes by accident.
    pub wipe: bool,
}

#[utoipa::path(post, path = "/v1/devices/{id}/revoke", request_body = RevokeRequest, security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "device id")),
    responses((status = 200, description = "revoked (again, if it was)", body = DeviceView),
              (status = 403, description = "`forbidden`: only supervisors and admins"),
              (status = 404, description = "`not-found`: no such device, or not one the caller manages")))]
pub async fn revoke(
    State(state): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<RevokeRequest>,
) -> ApiResult<Json<DeviceView>> {
    actor.require(&[Role::Supervisor, Role::Admin])?;
    let v = actor.viewer();
    let device = state
        .store
        .device(DeviceId::from(id))
        .await?
        .ok_or(ApiError::NotFound("device"))?;
    let owner = state
        .store
        .staff_by_id(device.staff)
        .await?
        .ok_or(ApiError::NotFound("device"))?;
    if !access::may_manage_device(&v, owner.org, &owner.teams) {
        // Not revealing devices one may not manage.
        return Err(ApiError::NotFound("device"));
    }
    let d = state.store.revoke_device(device.id, req.wipe).await?;
    tracing::info!(device = %d.id, wipe = req.wipe, by = %actor.staff.id, "device revoked");
    Ok(Json(view(&d, &owner.username)))
}
