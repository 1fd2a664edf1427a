//! Logging in to the JSON API: password (Argon2id) plus TOTP for supervisors and admins, a
//! bearer session token in return. Failed attempts lock the account after a few tries
//! (persistent) and slow down the address (in memory).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::directory::StaffView;
use super::extract::{Actor, ApiJson, ClientIp};
use super::{AppState, rfc3339};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::store::{SessionRow, now_ms};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The 6-digit code of the authenticator app; required for supervisors and admins.
    #[serde(default)]
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

/// Caps on what a login body may hold before any work is done.
const FIELD_MAX: usize = 1024;

#[utoipa::path(post, path = "/v1/auth/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::Problem),
              (status = 423, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    if let Err(retry_after_s) = state.limiter.check(ip) {
        return Err(ApiError::RateLimited { retry_after_s });
    }
    if req.password.len() > FIELD_MAX || req.username.len() > FIELD_MAX {
        return Err(ApiError::InvalidBody(
            "username or password too long".into(),
        ));
    }
    let staff = match uppsok_model::Username::parse(&req.username) {
        Ok(u) => state.store.staff_by_username(u.as_str()).await?,
        Err(_) => None,
    };
    let creds = match &staff {
        Some(s) => state.store.credentials(s.id).await?,
        None => None,
    };
    let (Some(staff), Some(creds)) = (staff, creds) else {
        verify(&state.dummy_hash, &req.password).await;
        state.limiter.fail(ip);
        return Err(ApiError::InvalidCredentials);
    };
    let now = now_ms();
    if let Some(until) = creds.locked_until_ms.filter(|u| *u > now) {
        state.limiter.fail(ip);
        return Err(ApiError::AccountLocked { until_ms: until });
    }
    if staff.role.needs_totp() && req.totp.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(ApiError::TotpRequired);
    }
    let password_ok = verify(&creds.password_hash, &req.password).await;
    let totp_step = match (staff.role.needs_totp(), &creds.totp_secret, &req.totp) {
        (false, _, _) => Ok(None),
        (true, Some(secret), Some(code)) => {
            let unix_s = u64::try_from(now / 1000).unwrap_or(0);
            auth::check_totp(secret, code, unix_s, creds.totp_last_step)
                .map(Some)
                .ok_or(())
        }
        // A supervisor without a TOTP secret cannot log in until an admin sets one up.
        _ => Err(()),
    };
    if !password_ok || totp_step.is_err() || !staff.active {
        return Err(failed_attempt(&state, ip, staff.id, "failed logins").await);
    }
    state
        .store
        .login_succeeded(staff.id, totp_step.ok().flatten())
        .await?;
    let (token, token_hash) = auth::new_token(auth::SESSION_PREFIX);
    let (csrf, _) = auth::new_token("");
    let ttl = i64::try_from(state.settings.session_ttl.as_millis()).unwrap_or(i64::MAX);
    let session = SessionRow {
        token_hash,
        staff: staff.id,
        kind: "bearer".into(),
        csrf,
        created_ms: now,
        expires_ms: now.saturating_add(ttl),
        revoked: false,
    };
    state.store.create_session(&session).await?;
    Ok(Json(LoginResponse {
        token,
        token_type: "Bearer".into(),
        expires_at: rfc3339(session.expires_ms),
        staff: StaffView::from(&staff),
        must_change_password: creds.must_change,
    }))
}

/// Argon2 is deliberately slow: keep it off the async workers.
async fn verify(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

/// Ends the session of the token used.
#[utoipa::path(post, path = "/v1/auth/logout", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::Problem)))]
pub async fn logout(State(state): State<AppState>, actor: Actor) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_session(&actor.session.token_hash)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Changes the caller's own password. The current password is required (a session left open
/// on a shared computer must not be enough to take the account over); on success every other
/// session of the account ends, this one stays. Wrong current passwords count towards the
/// account lock and the per-address limit like failed logins.
#[utoipa::path(post, path = "/v1/auth/password", request_body = ChangePasswordRequest, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
              (status = 423, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    actor: Actor,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    if let Err(retry_after_s) = state.limiter.check(ip) {
        return Err(ApiError::RateLimited { retry_after_s });
    }
    if req.current_password.len() > FIELD_MAX || req.new_password.len() > FIELD_MAX {
        return Err(ApiError::InvalidBody("password too long".into()));
    }
    let staff = &actor.staff;
    let creds = state
        .store
        .credentials(staff.id)
        .await?
        .ok_or(ApiError::InvalidCredentials)?;
    let now = now_ms();
    if let Some(until) = creds.locked_until_ms.filter(|u| *u > now) {
        state.limiter.fail(ip);
        return Err(ApiError::AccountLocked { until_ms: until });
    }
    if !verify(&creds.password_hash, &req.current_password).await {
        return Err(failed_attempt(&state, ip, staff.id, "wrong current passwords").await);
    }
    if req.new_password.chars().count() < auth::PASSWORD_MIN {
        return Err(ApiError::Validation {
            field: "new_password".into(),
            rule: format!("must be at least {} characters", auth::PASSWORD_MIN),
        });
    }
    if req.new_password == req.current_password {
        return Err(ApiError::Validation {
            field: "new_password".into(),
            rule: "must differ from the current password".into(),
        });
    }
    let cost = state.settings.password_cost;
    let new = req.new_password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new, cost))
        .await
        .map_err(|_| ApiError::Internal("password hashing task failed".into()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .store
        .change_password(staff.id, &hash, &actor.session.token_hash)
        .await?;
    tracing::info!(staff = %staff.id, "password changed; other sessions ended");
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/v1/me", security(("bearer" = [])),
    responses((status = 200, body = StaffView), (status = 401, body = crate::error::Problem)))]
pub async fn me(actor: Actor) -> Json<StaffView> {
    Json(StaffView::from(&actor.staff))
}

/// A wrong password (at login or when changing it): counts against the address and the
/// account, and says whether this attempt locked the account. `what` names the attempts in the
/// log line; no personal data goes there, only the staff id.
async fn failed_attempt(
    state: &AppState,
    ip: std::net::IpAddr,
    staff: uppsok_model::StaffId,
    what: &str,
) -> ApiError {
    state.limiter.fail(ip);
    let s = &state.settings;
    let lock_ms = i64::try_from(s.lock_duration.as_millis()).unwrap_or(i64::MAX);
    match state
        .store
        .login_failed(staff, s.lock_threshold, lock_ms)
        .await
    {
        Ok(Some(until)) => {
            tracing::warn!(%staff, "account locked after repeated {what}");
            ApiError::AccountLocked { until_ms: until }
        }
        Ok(None) => ApiError::InvalidCredentials,
        Err(e) => e.into(),
    }
}
