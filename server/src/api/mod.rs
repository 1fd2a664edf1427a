//! The HTTP surface: [`app`] builds the whole router from an [`AppState`], so tests can drive it
//! with `oneshot` or serve it on port 0, and `uppsok serve` serves exactly the same thing.
//!
//! Routes (JSON API under `/v1`, described by `/v1/openapi.json`):
//! `POST /v1/auth/login`, `POST /v1/auth/logout`, `POST /v1/auth/password`, `GET /v1/me`, `POST /v1/devices/enroll`,
//! `GET /v1/devices/me`, `GET /v1/devices`, `POST /v1/devices/{id}/revoke`, `GET /v1/teams`,
//! `GET /v1/staff`, `GET /v1/clients`, `GET|PUT /v1/clients/{id}`, `GET /v1/visits`,
//! `GET /v1/trips`, `GET /v1/audit`; plus `GET /healthz` and `GET /metrics`.

pub mod extract;
pub mod metrics;

mod audit;
mod devices;
mod directory;
mod openapi;
mod records;
mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;

pub use openapi::ApiDoc;

use crate::auth::{AddressLimiter, PasswordCost, TrustedProxies};
use crate::error::ApiError;
use crate::store::Store;

/// Tunables of the HTTP layer and of authentication.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_ttl: Duration,
    pub enrolment_valid: Duration,
    /// Failed logins in a row that lock an account, and for how long.
    pub lock_threshold: i64,
    pub lock_duration: Duration,
    /// Failed logins or enrolments per client address per window before 429.
    pub address_failures: usize,
    pub address_window: Duration,
    pub password_cost: PasswordCost,
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed for the per-address limit.
    pub trusted_proxies: TrustedProxies,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(8 * 3600),
            enrolment_valid: Duration::from_secs(24 * 3600),
            lock_threshold: 5,
            lock_duration: Duration::from_secs(15 * 60),
            address_failures: 30,
            address_window: Duration::from_secs(15 * 60),
            password_cost: PasswordCost::default(),
            body_limit: 256 * 1024,
            request_timeout: Duration::from_secs(30),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub limiter: Arc<AddressLimiter>,
    pub metrics: Arc<metrics::Metrics>,
    /// Verified against for unknown usernames, so timing does not reveal which exist.
    pub dummy_hash: Arc<String>,
}

impl AppState {
    pub fn new(store: Store, settings: Settings) -> Self {
        let limiter = AddressLimiter::new(settings.address_failures, settings.address_window);
        let dummy = crate::auth::dummy_hash(settings.password_cost);
        Self {
            store,
            settings: Arc::new(settings),
            limiter: Arc::new(limiter),
            metrics: Arc::new(metrics::Metrics::default()),
            dummy_hash: Arc::new(dummy),
        }
    }
}

/// The whole server as a router. Add routes of later issues (sync, dashboard) by merging their
/// routers here, so they get the same middleware.
pub fn app(state: AppState) -> Router {
    let settings = state.settings.clone();
    let v1 = Router::new()
        .route("/auth/login", post(session::login))
        .route("/auth/logout", post(session::logout))
        .route("/auth/password", post(session::change_password))
        .route("/me", get(session::me))
        .route("/devices/enroll", post(devices::enroll))
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
        .route("/visits", get(records::list_visits))
        .route("/trips", get(records::list_trips))
        .route("/audit", get(audit::list))
        .route("/sync", post(crate::sync::sync))
        .route("/openapi.json", get(openapi::document));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .nest("/v1", v1)
        .merge(crate::dashboard::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            settings.request_timeout,
        ))
        // Fastest gzip: list answers are a few KiB of repetitive JSON that level 1 already
        // shrinks ~5×; the default level cost several times the CPU for a few % more, and CPU
        // is what a 2-core server runs out of first.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .quality(tower_http::CompressionLevel::Fastest)
                // Not below 256 bytes: gzip's framing and the headers it brings (content-encoding,
                // vary, chunked transfer) outweigh what it saves, e.g. on an idle sync.
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(256))),
        )
        .layer(RequestDecompressionLayer::new().gzip(true))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed() -> Response {
    let mut r = ApiError::Forbidden("this method is not allowed on this route").into_response();
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    r
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

/// Liveness and readiness: 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(Health {
            status: "ok",
            database: state.store.backend(),
        })
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                    database: state.store.backend(),
                }),
            )
                .into_response()
        }
    }
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let body = state
        .metrics
        .render(state.store.pool_stats(), state.store.backend());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Page size bounds for list routes.
pub(crate) fn limit_of(requested: Option<i64>) -> i64 {
    requested.unwrap_or(500).clamp(1, 1000)
}

/// `(chrono, ms)` helper: RFC 3339 text of a Unix-millisecond time.
pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}
