//! The whole server as one router: [`app`] mounts the JSON API (`/v1`, see [`crate::api`]), the
//! device sync route, the dashboard pages, `/healthz` and `/metrics`, under one stack of
//! middleware (metrics, body limit, timeout, compression). Tests drive it with `oneshot` or serve
//! it on port 0; `uppsok serve` serves exactly the same thing.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::ApiError;
use crate::metrics;
use crate::state::AppState;

/// The whole server as a router; every route gets the same middleware.
pub fn app(state: AppState) -> Router {
    let settings = state.settings.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .nest("/v1", crate::api::router())
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
        // Outermost, so it sees the bare answers of the layers above (timeout, decompression).
        .layer(middleware::map_response(
            crate::error::problem_for_bare_errors,
        ))
        // Outside the JSON API, errors are pages a person reads (problem+json stays on /v1).
        .layer(middleware::from_fn(crate::dashboard::html_errors))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

/// Liveness and readiness: 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, description = "the server and its database answer", body = Health),
    (status = 503, description = "the database does not answer", body = Health)))]
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
