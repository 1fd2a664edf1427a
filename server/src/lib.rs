//! The Uppsök server crate: the axum server, its storage (SQLite or PostgreSQL), accounts, roles,
//! the access log, and the command-line front ends (`admin`, `field`) of the `uppsok` binary.
//!
//! Layout: [`store`] (the database, both backends), [`auth`] (hashes, TOTP, tokens, rate
//! limits), [`access`] (who may see what, pure), [`api`] (the router, extractors, handlers),
//! [`error`] (problem+json), [`config`] (serve settings), and the commands [`serve`], [`admin`].

pub mod access;
pub mod api;
pub mod auth;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod secrets;
pub mod store;
pub mod sync;
