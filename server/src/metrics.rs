//! Prometheus metrics and the request log, in one middleware so both see the same route
//! template (never the raw path or query string, which could carry ids a log does not need)
//! and the same status and latency.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// (method, route, status) → count
    requests: BTreeMap<(&'static str, String, u16), u64>,
    /// (method, route) → latency
    latency: BTreeMap<(&'static str, String), Histogram>,
}

/// The method as a label from a fixed set: a client may send any token as a method, and a
/// series per invented method would let anyone grow `/metrics` without bound.
pub fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
    ]
    .iter()
    .find(|k| *k == m)
    .map_or("OTHER", |k| k.as_str())
}

impl Metrics {
    /// Routes are the router's templates (or `<unmatched>`) and statuses are three digits, so
    /// with [`method_label`] the number of series is bounded by the code, not by the clients.
    pub fn observe(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *m.requests
            .entry((method, route.to_owned(), status))
            .or_default() += 1;
        let h = m.latency.entry((method, route.to_owned())).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self, pool: (u32, usize), backend: &str) -> String {
        let m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP uppsok_http_requests_total HTTP requests by route template and status.\n",
        );
        out.push_str("# TYPE uppsok_http_requests_total counter\n");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "uppsok_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP uppsok_http_request_duration_seconds Time to the response head.\n");
        out.push_str("# TYPE uppsok_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &m.latency {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "uppsok_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "uppsok_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "uppsok_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "uppsok_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out.push_str("# HELP uppsok_db_pool_connections Open database connections.\n");
        out.push_str("# TYPE uppsok_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "uppsok_db_pool_connections{{backend=\"{backend}\"}} {}",
            pool.0
        );
        out.push_str("# HELP uppsok_db_pool_idle Idle database connections.\n");
        out.push_str("# TYPE uppsok_db_pool_idle gauge\n");
        let _ = writeln!(
            out,
            "uppsok_db_pool_idle{{backend=\"{backend}\"}} {}",
            pool.1
        );
        out
    }
}

/// Counts and logs each request under its route template. Unmatched paths are counted as
/// `<unmatched>`; nothing from the path or query is logged.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "<unmatched>".to_owned());
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    state
        .metrics
        .observe(method, &route, status, elapsed.as_secs_f64());
    tracing::info!(
        target: "uppsok::request",
        method = %method,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    res
}
