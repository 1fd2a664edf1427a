//! Test support for Uppsök's end-to-end tests: helpers that the integration tests under `tests/`
//! and the tools under `src/bin/` share, such as the fault-injecting proxy and where to find
//! PostgreSQL.

pub mod pdf;
pub mod postgres_env;
/// The fault-injecting proxy, now its own crate (`uppsok-faultproxy`) so that `uppsok demo` can
/// use it too; re-exported under its old path for the tests and benches that import it.
pub use uppsok_faultproxy as proxy;
