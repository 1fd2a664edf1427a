//! Online backup of the SQLite database: a consistent copy taken while `uppsok serve` keeps
//! running, for an IT administrator's nightly job (`uppsok admin backup --out FILE`).
//!
//! `VACUUM INTO` writes the database as one read transaction sees it — every acknowledged
//! write committed before it started, nothing half-written — into a new, compacted file,
//! without blocking the server's writers (WAL). Copying the files by hand would not do: the
//! database file alone misses what is still in the write-ahead log, and a copy taken while a
//! checkpoint runs can be torn. The copy goes to a temporary file beside the target, is
//! checked (`PRAGMA integrity_check`, the migration level) and flushed to disk, and only then
//! renamed over the target, so a crash or a full disk never leaves a half backup under the
//! target's name and yesterday's backup stays until today's is whole. The file is created
//! readable by its owner only: it holds client names and notes in plain text like the
//! database itself.
//!
//! PostgreSQL has its own tools for this (`pg_dump`, base backups, replication); the command
//! says so instead of pretending.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use super::{Pool, Store, StoreError, StoreResult};

/// What a finished backup holds, for the administrator's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// The newest migration the copy carries (what a restored server starts from).
    pub schema_version: i64,
    pub clients: i64,
    pub visits: i64,
    pub trips: i64,
    pub audit_entries: i64,
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Invalid(format!("{what} {}: {e}", path.display()))
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `dest` (replacing an earlier backup
    /// there only once the new one is complete and checked); see the module docs.
    pub async fn backup_to(&self, dest: &Path) -> StoreResult<BackupReport> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StoreError::Invalid(
                "the database is PostgreSQL: back it up with pg_dump or PostgreSQL's own base \
                 backups and replication (see docs/server.md)"
                    .into(),
            ));
        };
        let name = dest
            .file_name()
            .ok_or_else(|| StoreError::Invalid(format!("{} is not a file name", dest.display())))?;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(StoreError::Invalid(format!(
                "the folder {} does not exist",
                dir.display()
            )));
        }
        let mut tmp_name = name.to_owned();
        tmp_name.push(format!(".partial-{}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let result = copy_and_check(pool, &tmp).await;
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        std::fs::rename(&tmp, dest).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_error("cannot move the backup to", dest, e)
        })?;
        // The rename is durable only once the folder's entry is on disk too.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(BackupReport {
            path: dest.to_owned(),
            ..report
        })
    }
}

/// An empty file only the owner may read: `VACUUM INTO` accepts an empty file and keeps its
/// permissions, so the copy is never readable by others, not even for a moment.
fn create_private(path: &Path) -> StoreResult<()> {
    let _ = std::fs::remove_file(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map(drop)
        .map_err(|e| io_error("cannot create", path, e))
}

async fn copy_and_check(pool: &sqlx::SqlitePool, tmp: &Path) -> StoreResult<BackupReport> {
    create_private(tmp)?;
    let target = tmp
        .to_str()
        .ok_or_else(|| StoreError::Invalid("the backup's path must be valid UTF-8".into()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await?;

    // Check the copy on a connection of its own, read-only: what a restore would open.
    let mut conn = SqliteConnectOptions::new()
        .filename(tmp)
        .read_only(true)
        .connect()
        .await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    if check != "ok" {
        return Err(StoreError::Corrupt(
            "the backup copy failed SQLite's integrity check; the earlier backup was kept".into(),
        ));
    }
    let schema_version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await?;
    let clients = count(&mut conn, "clients").await?;
    let visits = count(&mut conn, "visits").await?;
    let trips = count(&mut conn, "trips").await?;
    let audit_entries = count(&mut conn, "audit_log").await?;
    conn.close().await?;

    let file = std::fs::File::open(tmp).map_err(|e| io_error("cannot reopen", tmp, e))?;
    file.sync_all()
        .map_err(|e| io_error("cannot flush", tmp, e))?;
    let bytes = file
        .metadata()
        .map_err(|e| io_error("cannot read", tmp, e))?
        .len();
    Ok(BackupReport {
        path: tmp.to_owned(),
        bytes,
        schema_version,
        clients,
        visits,
        trips,
        audit_entries,
    })
}

/// Rows in one of this module's fixed table names.
async fn count(conn: &mut SqliteConnection, table: &'static str) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::PoolSize;
    use uppsok_model::{OrgKind, Rates};

    async fn store_in(dir: &Path) -> Store {
        let url = format!("sqlite://{}", dir.join("live.db").display());
        Store::connect(&url, PoolSize::default()).await.unwrap()
    }

    #[tokio::test]
    async fn a_backup_is_a_private_checked_copy_that_replaces_the_last_only_when_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path()).await;
        store
            .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
            .await
            .unwrap();
        let dest = dir.path().join("nightly.db");
        let first = store.backup_to(&dest).await.unwrap();
        assert_eq!(first.path, dest);
        assert!(first.schema_version >= 4, "{first:?}");
        assert_eq!(first.bytes, std::fs::metadata(&dest).unwrap().len());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner may read it: {mode:o}");
        }

        // A second backup replaces the first and carries what was written since.
        store
            .create_org("Region Norrbotten", OrgKind::Region, Rates::default())
            .await
            .unwrap();
        store.backup_to(&dest).await.unwrap();
        let url = format!("sqlite://{}", dest.display());
        let copy = Store::connect(&url, PoolSize::default()).await.unwrap();
        let names: Vec<String> = copy
            .list_orgs()
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert!(names.contains(&"Region Norrbotten".to_owned()), "{names:?}");
        copy.close().await;

        // A folder that does not exist: a clear error, the old backup untouched, no leftovers.
        let before = std::fs::read(&dest).unwrap();
        let err = store
            .backup_to(&dir.path().join("missing/nightly.db"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert_eq!(std::fs::read(&dest).unwrap(), before);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".partial-"))
            .collect();
        assert!(leftovers.is_empty());
        store.close().await;
    }
}
