//! The two migration sets (`server/migrations/sqlite`, `server/migrations/postgres`) describe one
//! schema: the same migration files in the same order, and after migrating, the same tables with
//! the same columns. A column added on one backend only would pass every test of the other and
//! fail in production on the one nobody ran, so this compares real migrated databases.

mod server_common;

use std::collections::BTreeSet;
use std::path::Path;

use server_common::{Backend, TestDb};
use sqlx::Row;
use uppsok_server::store::{Pool, PoolSize, Store};

/// Tables that belong to the tools, not to Uppsök's schema.
const NOT_OURS: [&str; 2] = ["_sqlx_migrations", "sqlite_sequence"];

fn migration_files(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../server/migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

/// `(table, column)` of every table in the migrated database.
async fn columns(backend: Backend) -> BTreeSet<(String, String)> {
    let db = TestDb::new(backend).await;
    let store = Store::connect(&db.url, PoolSize::default()).await.unwrap();
    let rows: Vec<(String, String)> = match &store.pool {
        Pool::Sqlite(pool) => sqlx::query(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_xinfo(m.name) p \
             WHERE m.type = 'table'",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect(),
        Pool::Postgres(pool) => sqlx::query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema()",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect(),
    };
    rows.into_iter()
        .filter(|(t, _)| !NOT_OURS.contains(&t.as_str()))
        .collect()
}

#[test]
fn the_same_migrations_in_the_same_order() {
    let sqlite = migration_files("sqlite");
    assert!(sqlite.len() >= 6, "migrations found: {sqlite:?}");
    assert_eq!(sqlite, migration_files("postgres"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_tables_and_columns() {
    let sqlite = columns(Backend::Sqlite).await;
    let postgres = columns(Backend::Postgres).await;
    assert!(
        sqlite.iter().any(|(t, c)| t == "visits" && c == "id"),
        "the SQLite schema was not read: {sqlite:?}"
    );
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ:\n  only in SQLite: {only_sqlite:?}\n  only in PostgreSQL: {only_postgres:?}"
    );
}
