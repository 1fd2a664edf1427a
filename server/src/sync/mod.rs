//! Device sync's rules, apart from HTTP (the handler is [`crate::api::sync`]): [`apply`] judges
//! pushed changes and writes them exactly once, [`merge`] decides field by field between a
//! pushed client record and the stored one (pure), [`pull`] selects and renders what a user may
//! see since a cursor, [`access_events`] turns the phone's own access log into access-log
//! entries. The wire types are `uppsok_model::protocol`; the design is
//! docs/design.md §5.

pub mod access_events;
pub mod apply;
pub mod merge;
pub mod pull;
