//! The Uppsök server as a library: the axum app, its storage (SQLite or PostgreSQL), accounts,
//! roles and the access log. The `uppsok` command (`cli/`) serves it and administers it.
//!
//! Layout: [`app`] (the router, `fn app`), [`state`] (settings and shared state), [`config`]
//! (serve settings from file and environment), [`extract`] (who is asking: sessions, device
//! tokens, client address), [`auth`] (the one login service, hashes, TOTP, tokens, rate limits),
//! [`oidc`] (login through the organisation's OpenID provider), [`secrets`] (TOTP secrets and
//! OIDC client secrets sealed at rest), [`access`] (who may see what, pure), [`api`] (the
//! JSON handlers under `/v1`, the sync handler included), [`sync`] (sync's rules, no HTTP),
//! [`dashboard`] (the supervisors' pages), [`store`] (all SQL, both backends), [`metrics`]
//! (Prometheus text), [`error`] (problem+json), [`retention`] (gallring: classes and the culling job).

pub mod access;
pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod consent;
pub mod dashboard;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod oidc;
pub mod retention;
pub mod secrets;
pub mod serve;
pub mod state;
pub mod store;
pub mod sync;
