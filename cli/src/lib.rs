//! The commands of the `uppsok` binary, as a library so that the end-to-end tests can seed a
//! database exactly as the demo does: [`serve`] (start the server), [`admin`] (organisations,
//! teams, staff and phones, without the server running; its `retention` commands in [`retention`], staff costs and staffing in [`cost`]) and [`demo`] (a seeded team, simulated
//! phones syncing through a fault proxy, and the server). `main.rs` only parses the command line.

pub mod admin;
pub mod cost;
pub mod demo;
pub mod exit;
pub mod retention;
pub mod serve;
pub mod vehicle;
