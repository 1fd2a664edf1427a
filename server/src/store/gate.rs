//! The write gate and sync's group commit.
//!
//! **The gate.** SQLite has one write lock; a connection that finds it taken waits in SQLite's
//! busy handler, which *sleeps* (1, 2, 5 … 100 ms) and polls, so under concurrent writes the
//! lock sits free while waiters sleep. Writers of this process therefore queue on one async
//! mutex first ([`WriteGate`]), which hands over the moment it is released and keeps pool
//! connections free for reads instead of parked in the busy handler. On PostgreSQL only the
//! writers that serialise on the sequence counter anyway (sync) take it.
//!
//! **Group commit.** A sync request's transaction is small (tens of rows) but ends in a commit
//! that waits for the disk (`synchronous=FULL`, PostgreSQL's WAL flush): one fsync per request
//! made the disk the ceiling of the whole server. So [`Store::sync_group`] runs each request's
//! work inside one shared transaction, under a savepoint of its own, and commits when nobody
//! else is queued behind it (or the batch is [`MAX_MEMBERS`] requests or [`MAX_OPEN`] old).
//! N requests that arrive together cost one commit. The guarantees of one transaction per
//! request are kept:
//! * a request is answered only after the commit that holds its rows (members wait for it);
//! * a request that fails rolls back to its savepoint, leaving nothing behind and the others
//!   untouched; if the commit itself fails, every member gets the error and nothing was kept
//!   (pushes are exactly-once, so the phones simply send again);
//! * requests run one after the other inside the transaction, each seeing what the earlier ones
//!   wrote, exactly as if each had committed alone; the sequence counter is taken in the same
//!   order, and the batch becomes visible atomically, so sequence order is still commit order;
//! * the work runs in a task of its own, so a client that hangs up cannot cancel it halfway
//!   through a statement of a transaction others share.
//!
//! Any other writer that takes the gate commits an open batch first ([`GateState::flush`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::{AfterCommit, Pool, Store, StoreError, StoreResult, Tx, on_tx};

/// How long a writer waits for the gate (as long as SQLite's busy timeout): a writer that waits
/// longer gets the "busy" answer it would have got from SQLite, never a hang.
const GATE_WAIT: Duration = Duration::from_secs(10);
/// Most requests in one group commit.
pub const MAX_MEMBERS: usize = 64;
/// Longest a batch stays open before the next member commits it.
pub const MAX_OPEN: Duration = Duration::from_millis(25);

/// The in-process writer queue; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct WriteGate {
    state: Arc<Mutex<GateState>>,
    /// Writers waiting for the gate (the group commit waits for them instead of committing).
    queued: Arc<AtomicUsize>,
}

/// Held by a transaction for as long as it lives.
pub type GateGuard = Option<OwnedMutexGuard<GateState>>;

/// What the gate protects: the open group-commit batch, if any.
#[derive(Default)]
pub struct GateState {
    open: Option<Batch>,
    next_id: u64,
}

impl std::fmt::Debug for GateState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateState")
            .field("open_members", &self.open.as_ref().map(|b| b.members.len()))
            .finish()
    }
}

struct Batch {
    tx: Tx,
    id: u64,
    opened: Instant,
    members: Vec<oneshot::Sender<bool>>,
}

impl WriteGate {
    /// Waits for the gate (at most [`GATE_WAIT`]).
    pub async fn acquire(&self) -> StoreResult<OwnedMutexGuard<GateState>> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let r = tokio::time::timeout(GATE_WAIT, self.state.clone().lock_owned()).await;
        self.queued.fetch_sub(1, Ordering::SeqCst);
        r.map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))
    }

    fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }
}

impl GateState {
    /// Commits the open batch, if any, and tells its members how it went.
    pub async fn flush(&mut self) {
        let Some(b) = self.open.take() else {
            return;
        };
        let after = match b.tx.commit_only().await {
            Ok(after) => after,
            Err(e) => {
                tracing::warn!(error = %e, requests = b.members.len(), "sync group commit failed; nothing of the batch was kept");
                answer(b.members, false);
                return;
            }
        };
        if after.is_empty() {
            answer(b.members, true);
            return;
        }
        // The batch's access-log entries go to the journal after the gate is free again (the
        // next batch need not wait for this file's flush); its members are answered only once
        // they are on disk.
        tokio::spawn(async move {
            let members = b.members.len();
            let ok = match after.journal().await {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(error = %e, requests = members, "access-log journal not written after a sync group commit; its requests fail");
                    false
                }
            };
            answer(b.members, ok);
        });
    }
}

/// The work of one request inside the shared transaction.
pub type GroupWork<T, E> = Box<
    dyn for<'a> FnOnce(&'a mut Tx) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'a>>
        + Send,
>;

fn commit_failed() -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(
        "the transaction holding this request could not be committed".into(),
    ))
}

async fn savepoint(tx: &mut Tx, sql: &'static str) -> StoreResult<()> {
    on_tx!(tx, c => {
        sqlx::query(sql).execute(&mut *c).await?;
    });
    Ok(())
}

/// A transaction without the gate (the caller holds it).
async fn begin_ungated(pool: &Pool, after: AfterCommit) -> StoreResult<Tx> {
    Ok(match pool {
        Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, None, after),
        Pool::Postgres(p) => Tx::Postgres(p.begin().await?, None, after),
    })
}

impl Store {
    /// Runs `work` in the shared sync transaction (see the module docs) and returns its value
    /// once the transaction holding it has committed. An `Err` from `work` leaves nothing
    /// behind.
    pub async fn sync_group<T, E>(&self, work: GroupWork<T, E>) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let store = self.clone();
        match tokio::spawn(async move { store.sync_group_inner(work).await }).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Database(sqlx::Error::WorkerCrashed).into()),
        }
    }

    async fn sync_group_inner<T, E>(&self, work: GroupWork<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut g = self.gate.acquire().await?;
        if g.open.is_none() {
            let tx = begin_ungated(&self.pool, self.audit.after_commit()).await?;
            let id = g.next_id;
            g.next_id += 1;
            g.open = Some(Batch {
                tx,
                id,
                opened: Instant::now(),
                members: Vec::new(),
            });
        }
        let Some(batch) = g.open.as_mut() else {
            return Err(commit_failed().into());
        };
        let id = batch.id;
        if let Err(e) = savepoint(&mut batch.tx, "SAVEPOINT sync_request").await {
            fail_batch(&mut g);
            return Err(e.into());
        }
        let journalled = batch.tx.journal_mark();
        let result = work(&mut batch.tx).await;
        let undo = if result.is_ok() {
            savepoint(&mut batch.tx, "RELEASE SAVEPOINT sync_request").await
        } else {
            // What the request logged is rolled back with it: it must not reach the journal.
            batch.tx.journal_rollback(journalled);
            match savepoint(&mut batch.tx, "ROLLBACK TO SAVEPOINT sync_request").await {
                Ok(()) => savepoint(&mut batch.tx, "RELEASE SAVEPOINT sync_request").await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = undo {
            // The transaction is in an unknown state: give it up, with everyone in it.
            fail_batch(&mut g);
            return Err(e.into());
        }
        let done = if result.is_ok() {
            let (s, r) = oneshot::channel();
            batch.members.push(s);
            Some(r)
        } else {
            None
        };
        let commit_now = self.gate.queued() == 0
            || batch.members.len() >= MAX_MEMBERS
            || batch.opened.elapsed() >= MAX_OPEN;
        if commit_now {
            g.flush().await;
        }
        drop(g);
        let value = result?;
        let Some(mut done) = done else {
            return Err(commit_failed().into());
        };
        loop {
            match tokio::time::timeout(MAX_OPEN, &mut done).await {
                Ok(Ok(true)) => return Ok(value),
                Ok(_) => return Err(commit_failed().into()),
                // Whoever was queued behind should have committed by now; if the batch is
                // still open, commit it.
                Err(_) => {
                    let mut g = self.gate.acquire().await?;
                    if g.open.as_ref().is_some_and(|b| b.id == id) {
                        g.flush().await;
                    }
                }
            }
        }
    }
}

fn answer(members: Vec<oneshot::Sender<bool>>, ok: bool) {
    for m in members {
        // A member that stopped listening (its task panicked) changes nothing.
        let _ = m.send(ok);
    }
}

/// Drops the open batch (rolling it back) and fails every member waiting for it.
fn fail_batch(g: &mut GateState) {
    if let Some(b) = g.open.take() {
        tracing::warn!(
            requests = b.members.len(),
            "sync group transaction abandoned after a failed savepoint"
        );
        for m in b.members {
            let _ = m.send(false);
        }
    }
}

/// Begins a writing transaction, through the gate on SQLite (always) and PostgreSQL (when
/// `gate_postgres`), committing an open sync batch first.
pub(crate) async fn begin_tx(
    pool: &Pool,
    gate: &WriteGate,
    gate_postgres: bool,
    after: AfterCommit,
) -> StoreResult<Tx> {
    let take = |gate: &WriteGate| {
        let gate = gate.clone();
        async move {
            let mut g = gate.acquire().await?;
            g.flush().await;
            Ok::<_, StoreError>(g)
        }
    };
    Ok(match pool {
        Pool::Sqlite(p) => {
            let guard = take(gate).await?;
            // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
            // and writes later can fail with SQLITE_BUSY without waiting for the busy timeout.
            Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, Some(guard), after)
        }
        Pool::Postgres(p) => {
            let guard = if gate_postgres {
                Some(take(gate).await?)
            } else {
                None
            };
            Tx::Postgres(p.begin().await?, guard, after)
        }
    })
}
