//! SQLite's WAL checkpoints, off the request path.
//!
//! By default SQLite copies the write-ahead log back into the database file from inside
//! whichever commit pushes the log past 1,000 pages ("auto-checkpoint"), and that commit waits
//! for the copy and its fsync. At a region's size that is hundreds of milliseconds, paid by one
//! unlucky request: the dashboard overview, which logs a hundred reads per view, had a p99 of
//! 424 ms against a p50 of 63 ms. So the server's connections do not auto-checkpoint; this task
//! runs a `PASSIVE` checkpoint every [`INTERVAL`] instead, which copies what no reader still needs
//! without blocking readers or writers. SQLite checkpoints once more when the last connection
//! closes, so a stopped server leaves no log behind.

use std::time::Duration;

use sqlx::SqlitePool;

/// How often the log is copied back. Short enough that the log stays small under load (it
/// restarts from the beginning once fully copied), long enough to cost nothing when idle.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// Starts the checkpoint task on the current runtime; it ends when the pool is closed.
pub fn spawn(pool: SqlitePool) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(INTERVAL).await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                if pool.is_closed() {
                    break;
                }
                tracing::warn!(error = %e, "WAL checkpoint failed; retrying in a second");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use crate::store::{Pool, PoolSize, Store};

    /// Commits leave the log alone (no request pays for a checkpoint), and yet the log is
    /// copied back into the database file by the task within a few intervals while the server
    /// keeps its connections open: the file grows by what was written.
    #[tokio::test]
    async fn the_task_copies_the_log_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.db");
        let url = format!("sqlite://{}", file.display());
        let store = Store::connect(&url, PoolSize::default()).await.unwrap();
        let Pool::Sqlite(p) = &store.pool else {
            unreachable!()
        };
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(p)
            .await
            .unwrap();
        assert_eq!(auto, 0, "commits do not checkpoint");
        tokio::time::sleep(super::INTERVAL * 2).await;
        let before = std::fs::metadata(&file).unwrap().len();
        sqlx::query("CREATE TABLE filler (x BLOB)")
            .execute(p)
            .await
            .unwrap();
        for _ in 0..200 {
            sqlx::query("INSERT INTO filler (x) VALUES (zeroblob(10000))")
                .execute(p)
                .await
                .unwrap();
        }
        let mut grown = 0;
        for _ in 0..20 {
            tokio::time::sleep(super::INTERVAL / 2).await;
            grown = std::fs::metadata(&file)
                .unwrap()
                .len()
                .saturating_sub(before);
            if grown >= 2_000_000 {
                break;
            }
        }
        assert!(
            grown >= 2_000_000,
            "the log was copied back (file grew by {grown} bytes)"
        );
        store.close().await;
    }
}
