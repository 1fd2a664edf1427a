//! The Uppsök server as a library: the axum app, its storage (SQLite or PostgreSQL), accounts,
//! roles and the access log. The `uppsok` command (`cli/`) serves it and administers it.
//!
//! Layout: [`store`] (all SQL, both backends), [`auth`] (hashes, TOTP, tokens, rate limits),
//! [`secrets`] (TOTP secrets sealed at rest), [`access`] (who may see what, pure), [`api`] (the
//! router [`api::app`], extractors, JSON handlers), [`sync`] (device sync), [`dashboard`] (the
//! supervisors' pages), [`error`] (problem+json), [`config`] (serve settings).

pub mod access;
pub mod api;
pub mod auth;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod secrets;
pub mod store;
pub mod sync;
