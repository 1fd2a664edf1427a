//! Test support for Uppsök's end-to-end tests: helpers that the integration tests under `tests/`
//! and the tools under `src/bin/` share, such as the fault-injecting proxy and where to find
//! PostgreSQL.

pub mod postgres_env;
pub mod proxy;
