//! Where tests find PostgreSQL, in one place: `tests/run` exports `UPPSOK_TEST_POSTGRES` (a URL
//! whose role may `CREATE DATABASE`) and `UPPSOK_REQUIRE_POSTGRES=1`. A test asks
//! [`test_postgres_url`]; outside `tests/run` a missing variable means "skip", under it a missing
//! variable is a broken setup and must fail rather than pass quietly. Every test creates a database
//! of its own ([`fresh_database_name`], [`with_database`]) so tests can run in parallel and leave
//! nothing shared behind. No PostgreSQL client here: the caller uses whichever it already has.

use rand::Rng;

/// The variable holding the server URL (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
pub const URL_VAR: &str = "UPPSOK_TEST_POSTGRES";
/// Set to `1` by `tests/run`: a missing [`URL_VAR`] is then an error, not a skip.
pub const REQUIRE_VAR: &str = "UPPSOK_REQUIRE_POSTGRES";

#[derive(Debug, thiserror::Error)]
pub enum PostgresEnvError {
    #[error("{REQUIRE_VAR}=1 but {URL_VAR} is not set: run the tests through tests/run")]
    Required,
    #[error("{URL_VAR} is not a postgres:// or postgresql:// URL")]
    NotAUrl,
}

/// The server URL to create test databases on; `Ok(None)` means skip the test (not required).
pub fn test_postgres_url() -> Result<Option<String>, PostgresEnvError> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => {
            let url = url.trim().to_owned();
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                Ok(Some(url))
            } else {
                Err(PostgresEnvError::NotAUrl)
            }
        }
        _ if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") => Err(PostgresEnvError::Required),
        _ => Ok(None),
    }
}

/// A name for a database no other test uses: `uppsok_test_` and 16 random hex digits (lower case
/// and short, so it needs no quoting and fits PostgreSQL's 63-byte limit).
pub fn fresh_database_name() -> String {
    format!("uppsok_test_{:016x}", rand::rng().random::<u64>())
}

/// `base` with its database replaced by `database`, keeping user, host, port and query.
pub fn with_database(base: &str, database: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (base, None),
    };
    // The database is whatever follows the first '/' after the authority ("scheme://authority").
    let authority_start = without_query.find("://").map_or(0, |i| i + 3);
    let server = match without_query[authority_start..].find('/') {
        Some(slash) => &without_query[..authority_start + slash],
        None => without_query,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h:1/db?sslmode=disable", "t2"),
            "postgresql://u:p@h:1/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t3"), "postgres://h/t3");
        assert_eq!(
            with_database("postgres://h?host=/tmp/sock", "t4"),
            "postgres://h/t4?host=/tmp/sock"
        );
    }

    #[test]
    fn fresh_names_differ_and_need_no_quoting() {
        let (a, b) = (fresh_database_name(), fresh_database_name());
        assert_ne!(a, b);
        assert!(a.len() < 63);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
    }
}
