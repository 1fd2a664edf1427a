//! The Uppsök server crate: the axum server, its storage (SQLite or PostgreSQL), accounts, roles,
//! the access log, and the command-line front ends (`admin`, `field`) of the `uppsok` binary.

pub mod admin;
pub mod field;
pub mod serve;
