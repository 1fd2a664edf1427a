//! Request extractors: who is asking ([`Actor`] for a staff session, [`DeviceAuth`] for an
//! enrolled phone), and JSON / query / path extractors whose rejections are problem+json.
//!
//! Both identities come from `Authorization: Bearer …`; session tokens start with
//! [`auth::SESSION_PREFIX`], device tokens with [`auth::DEVICE_PREFIX`]. The dashboard adds
//! cookie sessions by calling [`Actor::from_session_token`] with the cookie's value.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use uppsok_model::Role;

use crate::access::Viewer;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{
    AuditAction, AuditEntry, AuthMethod, DeviceRow, DeviceStatus, SessionAuth, SessionRow,
    StaffRow, Via, now_ms,
};

/// JSON body whose rejections (syntax, types, unknown fields, size, content type) are 4xx
/// problems.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query string, rejected as `invalid-query`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters, rejected as `invalid-path`.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The `Bearer` token of the request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The peer address (loopback when served without connect info, as in `oneshot` tests).
pub fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// A member of staff with a valid session.
#[derive(Debug, Clone)]
pub struct Actor {
    pub staff: StaffRow,
    pub session: SessionRow,
    /// How the session was opened; the access log records it with everything done under it.
    pub auth: SessionAuth,
    /// An initial or reset password that must be changed before anything else: the [`Actor`]
    /// extractor refuses such a session everywhere but [`PendingActor`]'s routes.
    pub must_change_password: bool,
}

impl Actor {
    /// Validates a session token (from a bearer header or, later, a cookie).
    pub async fn from_session_token(state: &AppState, token: &str) -> ApiResult<Actor> {
        if !token.starts_with(auth::SESSION_PREFIX) {
            return Err(ApiError::Unauthenticated(
                "the token is not a session token",
            ));
        }
        // One round trip: the session and its member of staff with their teams. Deliberately
        // not cached in memory: `uppsok admin` revokes and deactivates from another process,
        // and that must take effect on the very next request.
        let (session, staff, must_change_password, auth) = state
            .store
            .session_with_staff(&auth::hash_secret(token))
            .await?
            .ok_or(ApiError::Unauthenticated("the session token is not valid"))?;
        if session.revoked {
            return Err(ApiError::Unauthenticated("the session has ended"));
        }
        if session.expires_ms <= now_ms() {
            return Err(ApiError::Unauthenticated(
                "the session has expired; log in again",
            ));
        }
        if !staff.active {
            return Err(ApiError::Unauthenticated("the account is not active"));
        }
        // A password that must change stands in the way of password sessions only: a session
        // from the organisation's provider never used it.
        let must_change_password = must_change_password && auth.method == AuthMethod::Password;
        Ok(Actor {
            staff,
            session,
            auth,
            must_change_password,
        })
    }

    pub fn viewer(&self) -> Viewer {
        viewer_of(&self.staff)
    }

    /// The role guard: 403 unless the actor has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.staff.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("your role may not use this route"))
        }
    }

    /// An access-log entry for this actor through the JSON API.
    pub fn audit(&self, action: AuditAction) -> AuditEntry {
        AuditEntry {
            actor_staff: self.staff.id,
            actor_username: self.staff.username.clone(),
            actor_org: self.staff.org,
            device: None,
            via: Via::Api,
            action,
            entity: None,
            client: None,
            record: None,
            team: None,
            record_org: None,
            auth: Some(self.auth.clone()),
        }
    }
}

pub fn viewer_of(staff: &StaffRow) -> Viewer {
    Viewer {
        staff: staff.id,
        org: staff.org,
        role: staff.role,
        teams: staff.teams.iter().copied().collect(),
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let PendingActor(actor) = PendingActor::from_request_parts(parts, state).await?;
        if actor.must_change_password {
            return Err(ApiError::PasswordChangeRequired);
        }
        Ok(actor)
    }
}

/// A valid session whose password may still have to change: only the routes a person needs to
/// get out of that state take it (change the password, see who they are, log out). Everything
/// else takes [`Actor`], which refuses such a session with `password-change-required`.
#[derive(Debug, Clone)]
pub struct PendingActor(pub Actor);

impl FromRequestParts<AppState> for PendingActor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthenticated(
            "send Authorization: Bearer <session token>",
        ))?;
        Actor::from_session_token(state, token)
            .await
            .map(PendingActor)
    }
}

/// An enrolled, active device and its user. Revoked devices are refused with
/// `device-revoked` and `wipe`, so the phone knows whether to destroy its data.
#[derive(Debug, Clone)]
pub struct DeviceAuth {
    pub device: DeviceRow,
    pub staff: StaffRow,
}

impl DeviceAuth {
    pub async fn from_token(state: &AppState, token: &str) -> ApiResult<DeviceAuth> {
        if !token.starts_with(auth::DEVICE_PREFIX) {
            return Err(ApiError::Unauthenticated("the token is not a device token"));
        }
        // One round trip, not cached, for the same reason as sessions (see `Actor`).
        let (device, staff) = state
            .store
            .device_with_staff(&auth::hash_secret(token))
            .await?
            .ok_or(ApiError::Unauthenticated("the device token is not valid"))?;
        match device.status {
            DeviceStatus::Active => {}
            DeviceStatus::Revoked => return Err(ApiError::DeviceRevoked { wipe: false }),
            DeviceStatus::Wipe => {
                // Recorded before answering, so a supervisor can no longer withdraw an order
                // the phone may already be carrying out.
                let wipe = state.store.send_wipe(device.id).await?;
                return Err(ApiError::DeviceRevoked { wipe });
            }
        }
        if !staff.active {
            // A deactivated user's phone is treated as revoked; its data stays until an admin
            // orders a wipe.
            return Err(ApiError::DeviceRevoked { wipe: false });
        }
        Ok(DeviceAuth { device, staff })
    }

    pub fn viewer(&self) -> Viewer {
        viewer_of(&self.staff)
    }

    /// An access-log entry for this device's user through sync.
    pub fn audit(&self, action: AuditAction) -> AuditEntry {
        AuditEntry {
            actor_staff: self.staff.id,
            actor_username: self.staff.username.clone(),
            actor_org: self.staff.org,
            device: Some(self.device.id),
            via: Via::Sync,
            action,
            entity: None,
            client: None,
            record: None,
            team: None,
            record_org: None,
            auth: None,
        }
    }
}

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthenticated(
            "send Authorization: Bearer <device token>",
        ))?;
        DeviceAuth::from_token(state, token).await
    }
}

/// The client's address, for per-address rate limits: the peer, or the address a trusted
/// proxy put in `X-Forwarded-For` (see [`auth::TrustedProxies`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub fn of(parts: &Parts, proxies: &auth::TrustedProxies) -> ClientIp {
        let peer = client_ip(parts);
        if proxies.is_empty() {
            return ClientIp(peer);
        }
        // Several header lines count as one comma-separated list, in order.
        let entries: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        ClientIp(proxies.client_addr(peer, entries.into_iter()))
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp::of(parts, &state.settings.trusted_proxies))
    }
}
