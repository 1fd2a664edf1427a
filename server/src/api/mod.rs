//! The JSON API under `/v1`, described by `/v1/openapi.json`: [`router`] mounts
//! `POST /v1/auth/login`, `POST /v1/auth/oidc/token`, `POST /v1/auth/logout`, `POST /v1/auth/password`, `GET /v1/me`,
//! `POST /v1/devices/enroll`, `GET /v1/devices/me`, `GET /v1/devices`,
//! `POST /v1/devices/{id}/revoke`, `GET /v1/teams`, `GET /v1/staff`, `GET /v1/clients`,
//! `GET|PUT /v1/clients/{id}`, `GET /v1/clients/{id}/history` (phones, [`history`]),
//! `GET /v1/visits`, `GET /v1/trips`, `GET /v1/audit` and
//! `POST /v1/sync` (the handler in [`sync`]; the rules it applies are in [`crate::sync`]).

mod audit;
mod auth;
mod devices;
mod directory;
mod history;
mod openapi;
mod records;
pub mod sync;

use axum::Router;
use axum::routing::{get, post};

pub use openapi::ApiDoc;

use crate::state::AppState;

/// The `/v1` routes; [`crate::app::app`] nests them under `/v1` with the shared middleware.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/oidc/token", post(auth::oidc_token))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/password", post(auth::change_password))
        .route("/me", get(auth::me))
        .route("/devices/enroll", post(devices::enrol))
        .route("/devices/me", get(devices::me))
        .route("/devices", get(devices::list))
        .route("/devices/{id}/revoke", post(devices::revoke))
        .route("/teams", get(directory::teams))
        .route("/staff", get(directory::staff))
        .route("/clients", get(records::list_clients))
        .route(
            "/clients/{id}",
            get(records::get_client).put(records::put_client),
        )
        .route("/clients/{id}/history", get(history::history))
        .route("/visits", get(records::list_visits))
        .route("/outcomes", get(records::list_outcomes))
        .route("/trips", get(records::list_trips))
        .route("/audit", get(audit::list))
        .route("/sync", post(sync::sync))
        .route("/openapi.json", get(openapi::document))
}

/// The `limit` of a list route: `default` when absent, refused (not clamped) outside
/// `1..=max`, because the document states the bounds and a client that asks for 5000 and
/// silently gets 1000 would take the page for everything there is.
pub(crate) fn limit_of(
    requested: Option<i64>,
    default: i64,
    max: i64,
) -> crate::error::ApiResult<i64> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(crate::error::ApiError::InvalidQuery(format!(
            "limit must be between 1 and {max}"
        ))),
    }
}

/// `(chrono, ms)` helper: RFC 3339 text of a Unix-millisecond time.
pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}
