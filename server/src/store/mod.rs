//! Storage: one [`Store`] over either SQLite (the default, a single file) or PostgreSQL.
//!
//! Why an enum and not a trait with two implementations: both schemas are kept column-for-column
//! equal (UUID text ids, BIGINT millisecond times, BOOLEAN flags, JSON text bodies) and every
//! query is written in the portable subset both engines accept (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`). So each method is written once and the [`on_pool!`] / [`on_tx!`] macros expand
//! its body twice, once per sqlx driver: two monomorphic implementations from one source, no
//! duplicated SQL, and handlers take a concrete `Store` instead of being generic over a backend.
//! Only the migrations differ (`migrations/sqlite`, `migrations/postgres`).
//!
//! Write paths take a [`Tx`], so callers (sync's exactly-once bookkeeping, the access log) can
//! put their own rows into the same transaction; `Store` has convenience wrappers that open and
//! commit one.

mod accounts;
mod audit;
pub mod audit_journal;
mod audit_writer;
mod backup;
mod checkpoint;
mod consent;
mod costs;
pub mod dashboard;
mod devices;
mod followup;
mod gate;
mod membership;
mod oidc;
pub mod outcomes;
mod phone_window;
mod records;
mod retention;
pub mod sync;
pub mod sync_writes;
mod vehicles;

pub use accounts::{
    AuthMethod, Credentials, NewStaff, OrgRow, SessionAuth, SessionKind, SessionRow, StaffRow,
    TeamRow,
};
pub use audit::{AuditAction, AuditEntry, AuditFilter, AuditRow, StampedEntry, Via};
pub use audit_journal::{AuditJournal, ReplayReport};
pub use audit_writer::{AfterCommit, AuditWriter};
pub use backup::BackupReport;
pub use costs::{CostChangeKind, CostChangeRow, FTE_HUNDREDTHS_MAX};
pub use devices::{DeviceRow, DeviceStatus, EnrolmentOutcome};
pub use followup::{FollowUp, SampledEntry};
pub(crate) use gate::begin_tx;
pub use gate::{GateGuard, GroupWork, WriteGate};
pub use oidc::{
    ApiLoginCode, OidcConfig, OidcPending, OidcPurpose, SUBJECT_MAX, subject_ok as oidc_subject_ok,
};
pub use phone_window::WindowRow;
pub use records::{RecordFilter, RecordRow, RecordWrite};
pub use retention::{ClassRow, HoldRow, RetentionCandidate, RunRow};
pub use vehicles::VehicleRow;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// Everything that can go wrong below the HTTP layer. Messages never hold personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite://PATH or postgres://…)")]
    BadUrl,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// The database's files could not be created or made private.
    #[error("the database file: {0}")]
    Io(String),
    /// The access-log journal could not be written or read (`audit_journal`).
    #[error("the access-log journal: {0}")]
    Journal(String),
}

impl StoreError {
    /// A unique or primary-key constraint refused the write (same answer on both engines).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle to the database; cheap to clone (the pools are reference counted).
#[derive(Debug, Clone)]
pub struct Store {
    pub pool: Pool,
    /// Group-commit writer behind [`Store::append_audit`] (see `audit_writer`).
    audit: AuditWriter,
    /// Where that writer also journals its entries (see `audit_journal`), if anywhere.
    journal: Option<AuditJournal>,
    /// One writing transaction at a time in this process, and sync's group commit (`gate`).
    gate: WriteGate,
    /// Seals TOTP secrets at rest (`crate::secrets`); `None` stores them as given (tests).
    server_key: Option<std::sync::Arc<crate::secrets::ServerKey>>,
}

/// An open transaction on either backend. Dropping it without [`Tx::commit`] rolls back. The
/// second field is the write gate, when the transaction holds it; the third, the access-log
/// entries it wrote, which go to the journal once it has committed.
pub enum Tx {
    Sqlite(
        sqlx::Transaction<'static, sqlx::Sqlite>,
        GateGuard,
        AfterCommit,
    ),
    Postgres(
        sqlx::Transaction<'static, sqlx::Postgres>,
        GateGuard,
        AfterCommit,
    ),
}

/// Runs `$body` with `$p` bound to the backend's pool (an `Executor`); the body is compiled once
/// per backend. Public so modules built on top (sync, dashboard) can add queries the same way.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to `&mut` the transaction's connection; use `&mut *$c` as the
/// executor so it can be used more than once.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t, ..) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t, ..) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub use crate::{on_pool, on_tx};

/// A bound parameter of a query assembled at run time (filters, IN lists).
#[derive(Debug, Clone)]
pub enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

/// Binds `params` in order to a `sqlx::query(..)` of either backend.
#[macro_export]
macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                $crate::store::Param::Text(v) => q.bind(v.clone()),
                $crate::store::Param::Int(v) => q.bind(*v),
                $crate::store::Param::Bool(v) => q.bind(*v),
            };
        }
        q
    }};
}
pub use crate::bind_all;

/// Builds a `WHERE` clause with numbered `$n` parameters, valid for both engines.
#[derive(Debug, Default)]
pub struct Where {
    clauses: Vec<String>,
    pub params: Vec<Param>,
}

impl Where {
    /// Adds a clause; each `$?` in `sql` is replaced by the next parameter number.
    pub fn and(&mut self, sql: &str, params: impl IntoIterator<Item = Param>) -> &mut Self {
        let mut out = String::new();
        let mut params = params.into_iter();
        let mut rest = sql;
        while let Some(i) = rest.find("$?") {
            out.push_str(&rest[..i]);
            if let Some(p) = params.next() {
                self.params.push(p);
            }
            out.push_str(&format!("${}", self.params.len()));
            rest = &rest[i + 2..];
        }
        out.push_str(rest);
        self.clauses.push(out);
        self
    }

    /// `column IN (…)`; an empty list matches nothing.
    pub fn and_in(&mut self, column: &str, values: impl IntoIterator<Item = String>) -> &mut Self {
        let values: Vec<String> = values.into_iter().collect();
        if values.is_empty() {
            self.clauses.push("1 = 0".into());
            return self;
        }
        let marks = vec!["$?"; values.len()].join(", ");
        self.and(
            &format!("{column} IN ({marks})"),
            values.into_iter().map(|v| Param::Text(Some(v))),
        )
    }

    pub fn next_param(&self) -> usize {
        self.params.len() + 1
    }

    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// Unix milliseconds now; the one clock of the store.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// How large the pool may grow; SQLite serialises writers anyway, readers benefit from a few.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    pub max: u32,
}

impl Default for PoolSize {
    fn default() -> Self {
        Self { max: 16 }
    }
}

/// The SQLite database and its `-wal` and `-shm` files readable by their owner only (they hold
/// names and notes): a new database file is made 0600 before SQLite opens it, and SQLite gives
/// its `-wal` and `-shm` the database file's mode; files of an older install are narrowed here.
fn private_sqlite_files(db: &std::path::Path) -> StoreResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if db.as_os_str().is_empty() || db.as_os_str() == ":memory:" {
            return Ok(());
        }
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", db.display()));
        if !db.exists() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(db)
                .map_err(io)?;
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            let p = std::path::PathBuf::from(name);
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db;
    Ok(())
}

/// A database URL as a person should see it: the file of a SQLite database; host, port,
/// database and user of a PostgreSQL one (never its password).
pub fn describe(url: &str) -> String {
    if url.starts_with("sqlite:") {
        match SqliteConnectOptions::from_str(url) {
            Ok(o) => format!("SQLite database {}", o.get_filename().display()),
            Err(_) => "a SQLite database (unreadable URL)".into(),
        }
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        match PgConnectOptions::from_str(url) {
            Ok(o) => format!(
                "PostgreSQL database {} on {}:{} as {}",
                o.get_database().unwrap_or("(default)"),
                o.get_host(),
                o.get_port(),
                o.get_username()
            ),
            Err(_) => "a PostgreSQL database (unreadable URL)".into(),
        }
    } else {
        "an unsupported database URL".into()
    }
}

/// Whether `url` names a database Uppsök has set up before, looked at without creating or
/// changing anything: the SQLite file exists, or the PostgreSQL database holds the migrations'
/// table. `uppsok admin` uses it to refuse to create a database by accident.
pub async fn is_set_up(url: &str) -> StoreResult<bool> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?;
        Ok(opts.get_filename().exists())
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect_with(&PgConnectOptions::from_str(url)?).await?;
        let found: bool =
            sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
                .fetch_one(&mut c)
                .await?;
        let _ = c.close().await;
        Ok(found)
    } else {
        Err(StoreError::BadUrl)
    }
}

impl Store {
    /// Opens (creating a SQLite file when missing) and migrates the database at `url`, without
    /// an access-log journal.
    pub async fn connect(url: &str, size: PoolSize) -> StoreResult<Store> {
        Self::connect_with_journal(url, size, None).await
    }

    /// As [`Store::connect`]; with a journal, every entry of the group-commit writer is also
    /// appended and flushed there before it is acknowledged (see `audit_journal`).
    pub async fn connect_with_journal(
        url: &str,
        size: PoolSize,
        journal: Option<AuditJournal>,
    ) -> StoreResult<Store> {
        let store = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?;
            private_sqlite_files(opts.get_filename())?;
            let opts = opts
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: an acknowledged write survives power loss too, not only a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // Checkpoints run in a task of their own, not inside a request's commit.
                .pragma("wal_autocheckpoint", "0");
            let pool = SqlitePoolOptions::new()
                .max_connections(size.max)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            checkpoint::spawn(pool.clone());
            Store::with_pool(Pool::Sqlite(pool), journal)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(size.max)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Store::with_pool(Pool::Postgres(pool), journal)
        } else {
            return Err(StoreError::BadUrl);
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Needs a tokio runtime: starts the access-log writer task.
    fn with_pool(pool: Pool, journal: Option<AuditJournal>) -> Store {
        let gate = WriteGate::default();
        let audit = AuditWriter::spawn(
            pool.clone(),
            gate.clone(),
            journal.as_ref().map(AuditJournal::writer),
        );
        Store {
            pool,
            audit,
            journal,
            gate,
            server_key: None,
        }
    }

    /// This store with TOTP secrets sealed by `key` from now on (and readable when sealed).
    pub fn with_server_key(mut self, key: std::sync::Arc<crate::secrets::ServerKey>) -> Store {
        self.server_key = Some(key);
        self
    }

    async fn migrate(&self) -> StoreResult<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// A writing transaction. On SQLite it first queues on the process's write gate (see
    /// `gate`); PostgreSQL writers lock only the rows they touch and run side by side.
    pub async fn begin(&self) -> StoreResult<Tx> {
        begin_tx(&self.pool, &self.gate, false, self.audit.after_commit()).await
    }

    /// A transaction outside the write gate: one consistent snapshot on SQLite (a deferred
    /// transaction, which must then only read), statement snapshots on PostgreSQL, where it may
    /// also write a row no queued writer contends for (sync's pull records the cursor it hands
    /// out on the device).
    pub async fn begin_read(&self) -> StoreResult<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?, None, self.audit.after_commit()),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?, None, self.audit.after_commit()),
        })
    }

    /// A round trip to the database, for `/healthz`.
    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    /// (connections open, idle) for `/metrics`.
    pub fn pool_stats(&self) -> (u32, usize) {
        match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle()),
            Pool::Postgres(p) => (p.size(), p.num_idle()),
        }
    }

    /// Commits the access-log entries still queued, then closes the pool.
    pub async fn close(&self) {
        self.audit.shutdown().await;
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    /// Commits, then journals the access-log entries the transaction wrote (see
    /// [`AfterCommit`]); returns once both are durable.
    pub async fn commit(self) -> StoreResult<()> {
        self.commit_only().await?.journal().await
    }

    /// Commits and hands back what is still to be journalled, for a caller that journals
    /// outside the write gate (sync's group commit).
    pub(crate) async fn commit_only(self) -> StoreResult<AfterCommit> {
        Ok(match self {
            // The gate is released when its guard drops, after the commit and before the
            // journal's own flush.
            Tx::Sqlite(t, _gate, after) => {
                t.commit().await?;
                after
            }
            Tx::Postgres(t, _gate, after) => {
                t.commit().await?;
                after
            }
        })
    }

    fn after_commit(&mut self) -> &mut AfterCommit {
        match self {
            Tx::Sqlite(_, _, a) | Tx::Postgres(_, _, a) => a,
        }
    }

    /// Takes the next server sequence number. The counter row stays locked until this
    /// transaction ends, so sequence order is commit order (the sync cursor relies on it).
    pub async fn next_seq(&mut self) -> StoreResult<i64> {
        let v: i64 = on_tx!(self, c => {
            sqlx::query_scalar("UPDATE seq_counter SET value = value + 1 WHERE id = 1 RETURNING value")
                .fetch_one(&mut *c)
                .await?
        });
        Ok(v)
    }
}

pub(crate) fn parse_uuid<T: From<uuid::Uuid>>(s: &str) -> StoreResult<T> {
    uuid::Uuid::parse_str(s)
        .map(T::from)
        .map_err(|_| StoreError::Corrupt("an id column holds something other than a UUID".into()))
}

/// A PostgreSQL database of its own for one unit test, dropped afterwards: migrating the
/// server's base database would leave schema behind that later runs (and other versions of the
/// migrations) trip over. The server's base URL is `UPPSOK_TEST_POSTGRES` (default: the
/// loopback's `postgres` database).
#[cfg(test)]
pub(crate) async fn on_scratch_postgres<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use sqlx::Connection;
    let base = std::env::var("UPPSOK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("uppsok_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    test(format!("{server}/{name}")).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
}
