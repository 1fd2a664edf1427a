//! The JSON API's account routes: log in (through [`login`], the one login path, with a bearer
//! token in return; or with the one-time code of a login through the organisation's identity
//! provider, `dashboard::api_login`), log out, change one's password, and who am I.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::directory::StaffView;
use super::rfc3339;
use crate::auth;
use crate::auth::login::{self, Attempt, Door, FIELD_MAX, LoginError};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientIp, PendingActor};
use crate::state::AppState;
use crate::store::{AuthMethod, SessionAuth, now_ms};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(max_length = 1024)]
    pub username: String,
    #[schema(max_length = 1024)]
    pub password: String,
    /// The 6-digit code of the authenticator app; required for supervisors and admins.
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub token_type: String,
    pub expires_at: String,
    pub staff: StaffView,
    /// The password was set by an admin and should be changed.
    pub must_change_password: bool,
}

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::RateLimited { retry_after_s } => ApiError::RateLimited { retry_after_s },
            LoginError::TooLong => ApiError::InvalidBody(format!(
                "username, password and code may be at most {FIELD_MAX} characters"
            )),
            LoginError::Invalid | LoginError::WrongDoor => ApiError::InvalidCredentials,
            LoginError::PasswordsOff => ApiError::Forbidden(
                "your organisation logs in through its identity provider; password login is turned off (a program logs in at /login/oidc/api in a browser and exchanges the code at /v1/auth/oidc/token)",
            ),
            LoginError::Locked { until_ms } => ApiError::AccountLocked { until_ms },
            LoginError::TotpRequired => ApiError::TotpRequired,
            LoginError::NewPassword(problem) => ApiError::Validation {
                field: "new_password".into(),
                rule: problem.to_string(),
            },
            LoginError::Hash(cause) => ApiError::Internal(cause),
            LoginError::Store(e) => e.into(),
        }
    }
}

/// Logs in through [`login::log_in`], the same checks as the dashboard's form.
#[utoipa::path(post, path = "/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, description = "logged in", body = LoginResponse),
              (status = 401, description = "`invalid-credentials`, or `totp-required` when the password was right and the code is missing"),
              (status = 423, description = "`account-locked` (with `locked_until`) after too many failed logins"),
              (status = 429, description = "`rate-limited`: too many attempts from this address")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let attempt = Attempt {
        username: &req.username,
        password: &req.password,
        totp: req.totp.as_deref(),
    };
    let done = login::log_in(&state, ip, attempt, Door::Api).await?;
    Ok(Json(LoginResponse {
        token: done.token,
        token_type: "Bearer".into(),
        expires_at: rfc3339(done.session.expires_ms),
        staff: StaffView::from(&done.staff),
        must_change_password: done.must_change_password,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcTokenRequest {
    /// The one-time code shown at the end of a login through the organisation's identity
    /// provider started at `GET /login/oidc/api` (case, spaces and dashes do not matter).
    #[schema(max_length = 1024)]
    pub code: String,
}

/// Exchanges the one-time code of a login through the organisation's identity provider for a
/// session token. The code works once and for five minutes; the session's access-log entries
/// carry the method (`oidc`) and the provider's `acr`. Wrong codes count towards the
/// per-address limit like failed logins.
#[utoipa::path(post, path = "/v1/auth/oidc/token", request_body = OidcTokenRequest,
    responses((status = 200, description = "logged in", body = LoginResponse),
              (status = 401, description = "`invalid-credentials`: the code is unknown, used already or expired, or its account is no longer active"),
              (status = 429, description = "`rate-limited`: too many attempts from this address")))]
pub async fn oidc_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<OidcTokenRequest>,
) -> ApiResult<Json<LoginResponse>> {
    state
        .limiter
        .attempt(ip)
        .map_err(|retry_after_s| ApiError::RateLimited { retry_after_s })?;
    if req.code.chars().count() > FIELD_MAX {
        return Err(ApiError::InvalidBody(format!(
            "code may be at most {FIELD_MAX} characters"
        )));
    }
    let taken = state
        .store
        .take_api_login_code(&auth::hash_enrolment_code(&req.code))
        .await?
        .filter(|c| c.expires_ms > now_ms())
        .ok_or(ApiError::InvalidCredentials)?;
    // Deactivated since the provider's login: the code is spent and worth nothing.
    let staff = state
        .store
        .staff_by_id(taken.staff)
        .await?
        .filter(|s| s.active)
        .ok_or(ApiError::InvalidCredentials)?;
    let how = SessionAuth {
        method: AuthMethod::Oidc,
        acr: taken.acr,
    };
    let done = login::open_session(&state, staff, false, Door::Api, how).await?;
    state.limiter.forgive(ip);
    Ok(Json(LoginResponse {
        token: done.token,
        token_type: "Bearer".into(),
        expires_at: rfc3339(done.session.expires_ms),
        staff: StaffView::from(&done.staff),
        must_change_password: false,
    }))
}

/// Ends the session of the token used.
#[utoipa::path(post, path = "/v1/auth/logout", security(("bearer" = [])),
    responses((status = 204, description = "the session has ended")))]
pub async fn logout(
    State(state): State<AppState>,
    PendingActor(actor): PendingActor,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_session(&actor.session.token_hash)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(max_length = 1024)]
    pub current_password: String,
    /// At least 12 characters.
    #[schema(max_length = 1024)]
    pub new_password: String,
}

/// Changes the caller's own password. The current password is required (a session left open
/// on a shared computer must not be enough to take the account over); on success every other
/// session of the account ends, this one stays. Wrong current passwords count towards the
/// account lock and the per-address limit like failed logins.
#[utoipa::path(post, path = "/v1/auth/password", request_body = ChangePasswordRequest, security(("bearer" = [])),
    responses((status = 204, description = "changed; the account's other sessions have ended"),
              (status = 401, description = "`invalid-credentials`: the current password is wrong"),
              (status = 422, description = "`validation-failed` (field `new_password`): too short, too plain or unchanged"),
              (status = 423, description = "`account-locked` (with `locked_until`) after too many wrong passwords"),
              (status = 429, description = "`rate-limited`: too many attempts from this address, or the server is busy hashing")))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    PendingActor(actor): PendingActor,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    if req.new_password.chars().count() > FIELD_MAX {
        return Err(ApiError::InvalidBody(format!(
            "new_password may be at most {FIELD_MAX} characters"
        )));
    }
    let staff = &actor.staff;
    login::change_password(
        &state,
        ip,
        staff.id,
        &actor.session.token_hash,
        &req.current_password,
        &req.new_password,
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/v1/me", security(("bearer" = [])),
    responses((status = 200, description = "the caller", body = StaffView)))]
pub async fn me(PendingActor(actor): PendingActor) -> Json<StaffView> {
    Json(StaffView::from(&actor.staff))
}
