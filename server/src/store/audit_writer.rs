//! Group commit for the access log.
//!
//! Every read of client data must have its access-log rows durable before the data is answered
//! (Patientdatalagen). Committing one transaction per read made each read a serialised,
//! fsync-bound write (SQLite `synchronous=FULL` holds one write lock; PostgreSQL waits for one
//! WAL flush per commit), and that was the read API's bottleneck under load. So
//! [`Store::append_audit`](super::Store::append_audit) hands its entries to one writer task
//! over a channel; the task takes whatever is queued (up to [`MAX_BATCH`] entries), writes it
//! all in ONE transaction, commits, and only then answers each request. Durability per request
//! is unchanged — a caller returns only after the commit that holds its rows — but N concurrent
//! reads cost one commit instead of N.
//!
//! Writes that already run in a record-writing transaction keep using
//! [`Tx::append_audit`](super::Tx::append_audit) directly: their log rows must commit together
//! with the write they describe, not in a separate batch.
//!
//! If a batch fails, each request's entries are retried in a transaction of their own, so one
//! bad entry cannot make the other requests in its batch fail.
//!
//! With a journal (`audit_journal`), each batch is stamped (time and id per entry) and then
//! appended to the journal file and flushed to disk while the transaction commits: the two
//! `fsync`s run side by side, and a request is answered only once both are done. If the journal
//! cannot be written, every request of the batch fails (its rows may be committed: a read
//! logged but not answered errs on the safe side).

use std::sync::{Arc, Mutex};

use super::audit_journal::JournalWriter;
use super::{AuditEntry, Pool, StampedEntry, StoreError, StoreResult, WriteGate, begin_tx, now_ms};
use tokio::sync::{mpsc, oneshot};

/// Most entries written in one transaction; more wait for the next batch. Bounds the time one
/// commit takes and so the wait of the earliest request in it.
pub const MAX_BATCH: usize = 2048;
/// Requests that may queue before senders wait (backpressure instead of unbounded memory).
const QUEUE: usize = 8192;

type Ack = oneshot::Sender<StoreResult<()>>;
/// The journal's writer, used from blocking threads one batch at a time.
type Journal = Arc<Mutex<JournalWriter>>;

enum Msg {
    Append(Vec<AuditEntry>, Ack),
    /// Stop taking requests, write what is queued, then answer.
    Shutdown(oneshot::Sender<()>),
}

/// A handle to the writer task; cheap to clone. The task ends when the last handle is dropped
/// or on [`AuditWriter::shutdown`].
#[derive(Debug, Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Msg>,
    /// The task's journal, shared with [`AuditWriter::journal_only`].
    journal: Option<Journal>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Append(e, _) => write!(f, "Append({} entries)", e.len()),
            Msg::Shutdown(_) => f.write_str("Shutdown"),
        }
    }
}

/// The error to give a request whose writer is gone (shut down or panicked): the same
/// "unavailable" answer as a closed pool.
fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

impl AuditWriter {
    /// Starts the writer task on the current tokio runtime; with `journal`, it also journals
    /// every batch before answering it.
    pub(crate) fn spawn(pool: Pool, gate: WriteGate, journal: Option<JournalWriter>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let journal = journal.map(|j| Arc::new(Mutex::new(j)));
        tokio::spawn(run(pool, gate, journal.clone(), rx));
        Self { tx, journal }
    }

    /// Appends `entries` and waits until the transaction holding them has committed.
    pub async fn append(&self, entries: Vec<AuditEntry>) -> StoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Msg::Append(entries, ack))
            .await
            .map_err(|_| gone())?;
        done.await.unwrap_or_else(|_| Err(gone()))
    }

    /// What a new transaction journals once it commits: nothing yet, into this writer's
    /// journal.
    pub(crate) fn after_commit(&self) -> AfterCommit {
        AfterCommit {
            journal: self.journal.clone(),
            entries: Vec::new(),
        }
    }

    /// Stops taking new entries, commits everything already queued, and returns once done.
    /// Later appends fail as unavailable.
    pub async fn shutdown(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Msg::Shutdown(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// The access-log entries a transaction wrote beside its record writes (a phone's push, a
/// supervisor's edit, a sync's pull), kept until the transaction commits and then appended to
/// the journal, so that a restore from a backup gets them back as it gets back the reads. Not
/// before the commit: a rolled-back write must not leave an entry a replay would put back.
#[derive(Debug, Default)]
pub struct AfterCommit {
    journal: Option<Journal>,
    entries: Vec<StampedEntry>,
}

impl AfterCommit {
    pub(crate) fn push(&mut self, entries: &[StampedEntry]) {
        if self.journal.is_some() {
            self.entries.extend_from_slice(entries);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.entries.truncate(len);
    }

    /// Appends the entries to the journal and returns once they are on disk (at once without
    /// a journal or entries).
    pub(crate) async fn journal(self) -> StoreResult<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        journal_all(self.journal.as_ref(), &Arc::new(vec![self.entries])).await
    }
}

async fn write_all(pool: &Pool, gate: &WriteGate, groups: &[&[StampedEntry]]) -> StoreResult<()> {
    // As `Store::begin`: through the write gate on SQLite, side by side on PostgreSQL. The
    // entries are journalled by the writer itself, beside this transaction.
    let mut tx = begin_tx(pool, gate, false, AfterCommit::default()).await?;
    for g in groups {
        tx.append_stamped(g, false).await?;
    }
    tx.commit().await
}

/// Appends the batch to the journal on a blocking thread (file writes and `fsync`).
async fn journal_all(
    journal: Option<&Journal>,
    stamped: &Arc<Vec<Vec<StampedEntry>>>,
) -> StoreResult<()> {
    let Some(journal) = journal else {
        return Ok(());
    };
    let (journal, stamped) = (journal.clone(), stamped.clone());
    tokio::task::spawn_blocking(move || {
        // A panic while holding the lock leaves the writer as consistent as a failed write
        // (it reopens its file on the next append).
        let mut w = journal.lock().unwrap_or_else(|p| p.into_inner());
        w.append(stamped.iter().flatten())
    })
    .await
    .map_err(|e| StoreError::Journal(format!("the writer thread stopped: {e}")))?
}

async fn flush(
    pool: &Pool,
    gate: &WriteGate,
    journal: Option<&Journal>,
    batch: &mut Vec<(Vec<AuditEntry>, Ack)>,
) {
    if batch.is_empty() {
        return;
    }
    // One time for the batch: what the journal and the table both hold.
    let at_ms = now_ms();
    let stamped: Arc<Vec<Vec<StampedEntry>>> = Arc::new(
        batch
            .iter_mut()
            .map(|(entries, _)| StampedEntry::stamp(std::mem::take(entries), at_ms))
            .collect(),
    );
    let groups: Vec<&[StampedEntry]> = stamped.iter().map(Vec::as_slice).collect();
    let (journaled, written) = tokio::join!(
        journal_all(journal, &stamped),
        write_all(pool, gate, &groups)
    );
    if let Err(e) = journaled {
        tracing::error!(error = %e, requests = batch.len(), "access-log journal not written; the batch's requests fail");
        let text = e.to_string();
        for (_, ack) in batch.drain(..) {
            let _ = ack.send(Err(StoreError::Journal(text.clone())));
        }
        return;
    }
    match written {
        Ok(()) => {
            for (_, ack) in batch.drain(..) {
                // A request that gave up (timeout, client gone) no longer listens; its rows
                // are committed all the same.
                let _ = ack.send(Ok(()));
            }
        }
        Err(e) if batch.len() == 1 => {
            if let Some((_, ack)) = batch.pop() {
                let _ = ack.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, requests = batch.len(), "access-log batch failed; retrying per request");
            // The journal already holds these entries; the retries write the same stamps.
            for ((_, ack), entries) in batch.drain(..).zip(groups) {
                let _ = ack.send(write_all(pool, gate, &[entries]).await);
            }
        }
    }
}

async fn run(pool: Pool, gate: WriteGate, journal: Option<Journal>, mut rx: mpsc::Receiver<Msg>) {
    let mut batch: Vec<(Vec<AuditEntry>, Ack)> = Vec::new();
    let mut stopping: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut n = 0;
        let mut msg = Some(first);
        while let Some(m) = msg.take() {
            match m {
                Msg::Append(e, ack) => {
                    n += e.len();
                    batch.push((e, ack));
                }
                Msg::Shutdown(ack) => {
                    // No new senders get in; what is already queued is still received.
                    rx.close();
                    stopping.push(ack);
                }
            }
            if n >= MAX_BATCH {
                break;
            }
            msg = rx.try_recv().ok();
        }
        flush(&pool, &gate, journal.as_ref(), &mut batch).await;
    }
    // The channel is closed and empty: everything queued has been committed and answered.
    for ack in stopping {
        let _ = ack.send(());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use uuid::Uuid;

    use crate::store::{AuditAction, AuditEntry, AuditFilter, PoolSize, Store, StoreError, Via};

    fn entry(staff: Uuid, org: Uuid, k: usize) -> AuditEntry {
        AuditEntry {
            actor_staff: staff.into(),
            actor_username: format!("u{k}"),
            actor_org: org.into(),
            device: None,
            via: Via::Api,
            action: AuditAction::Read,
            entity: None,
            client: None,
            record: Some(Uuid::new_v4()),
            team: None,
            record_org: Some(org.into()),
            auth: None,
        }
    }

    /// N concurrent appends: every one is acknowledged, and at the moment of its ack its rows
    /// are visible to another connection (committed, not merely queued). Then a shutdown with
    /// appends in flight commits them all before returning.
    /// With a journal as well: afterwards the journal holds exactly the rows the table holds
    /// (same ids, same times), so nothing acknowledged is missing from it.
    async fn concurrent_appends_land(url: &str, journal: Option<&std::path::Path>) {
        const N: usize = 300;
        const PER: usize = 3;
        let key_dir = tempfile::tempdir().unwrap();
        let key = crate::secrets::ServerKey::load_or_create(&key_dir.path().join("k")).unwrap();
        let journal = journal.map(|d| crate::store::AuditJournal::open(d, &key).unwrap());
        let store = Store::connect_with_journal(url, PoolSize { max: 8 }, journal.clone())
            .await
            .unwrap();
        let org = Uuid::new_v4();
        let mut tasks = Vec::new();
        for k in 0..N {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let staff = Uuid::new_v4();
                let entries: Vec<_> = (0..PER).map(|_| entry(staff, org, k)).collect();
                store.append_audit(&entries).await.unwrap();
                let seen = store
                    .list_audit(&AuditFilter {
                        staff: Some(staff.into()),
                        limit: 100,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                assert_eq!(
                    seen.len(),
                    PER,
                    "acknowledged before its rows were committed"
                );
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let orgs = |o: Uuid| AuditFilter {
            orgs: Some(vec![o.into()]),
            limit: 10_000,
            ..Default::default()
        };
        assert_eq!(store.list_audit(&orgs(org)).await.unwrap().len(), N * PER);

        // Shutdown drains: appends already queued when it is called still commit.
        let org2 = Uuid::new_v4();
        let acked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for k in 0..50 {
            let (store, acked) = (store.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                if store
                    .append_audit(&[entry(Uuid::new_v4(), org2, k)])
                    .await
                    .is_ok()
                {
                    acked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }));
        }
        tokio::task::yield_now().await;
        store.audit.shutdown().await;
        for t in tasks {
            t.await.unwrap();
        }
        let n = acked.load(std::sync::atomic::Ordering::SeqCst);
        // Every ack is backed by a committed row, and nothing unacknowledged was written.
        assert_eq!(store.list_audit(&orgs(org2)).await.unwrap().len(), n);
        // After shutdown, appends are refused rather than silently lost.
        assert!(store.append_audit(&[entry(org2, org2, 0)]).await.is_err());
        if let Some(j) = journal {
            let (lines, report) = j.read_since(None).unwrap();
            assert_eq!(report.skipped, 0);
            let mut journaled: Vec<(i64, String)> = lines
                .iter()
                .map(|l| (l.at_ms, l.entry.actor_username.clone()))
                .collect();
            let mut stored: Vec<(i64, String)> = store
                .list_audit(&AuditFilter {
                    limit: 10_000,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.at_ms, r.actor_username))
                .collect();
            journaled.sort();
            stored.sort();
            assert_eq!(journaled.len(), N * PER + n);
            assert_eq!(journaled, stored, "the journal holds what the table holds");
        }
        store.close().await;
    }

    /// Entries written beside a record write reach the journal once their transaction commits:
    /// a committed one and a sync group's member that succeeded are journalled, a transaction
    /// dropped without commit and a member rolled back to its savepoint are not — in the table
    /// as in the journal.
    async fn entries_written_with_a_transaction_are_journalled_after_it(url: &str) {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::secrets::ServerKey::load_or_create(&dir.path().join("k")).unwrap();
        let journal = crate::store::AuditJournal::open(&dir.path().join("j"), &key).unwrap();
        let store = Store::connect_with_journal(url, PoolSize { max: 4 }, Some(journal.clone()))
            .await
            .unwrap();
        let org = Uuid::new_v4();
        let write = |k: usize| entry(Uuid::new_v4(), org, k);

        let mut tx = store.begin().await.unwrap();
        tx.append_audit(&[write(1)]).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        tx.append_audit(&[write(2)]).await.unwrap();
        drop(tx);

        let ok: Result<(), StoreError> = store
            .sync_group(Box::new(move |tx| {
                Box::pin(async move { tx.append_audit(&[entry(Uuid::new_v4(), org, 3)]).await })
            }))
            .await;
        ok.unwrap();
        let failed: Result<(), StoreError> = store
            .sync_group(Box::new(move |tx| {
                Box::pin(async move {
                    tx.append_audit(&[entry(Uuid::new_v4(), org, 4)]).await?;
                    Err(StoreError::Journal(
                        "the request fails after logging".into(),
                    ))
                })
            }))
            .await;
        assert!(failed.is_err());

        let users = |mut u: Vec<String>| {
            u.sort();
            u
        };
        let (lines, _) = journal.read_since(None).unwrap();
        let journalled = users(lines.into_iter().map(|l| l.entry.actor_username).collect());
        let stored = users(
            store
                .list_audit(&AuditFilter {
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.actor_username)
                .collect(),
        );
        assert_eq!(stored, ["u1", "u3"]);
        assert_eq!(
            journalled, stored,
            "the journal holds what was committed, only that"
        );
        store.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn transaction_entries_journalled_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        entries_written_with_a_transaction_are_journalled_after_it(&url).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn transaction_entries_journalled_postgres() {
        crate::store::on_scratch_postgres(|url| async move {
            entries_written_with_a_transaction_are_journalled_after_it(&url).await;
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn group_commit_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        concurrent_appends_land(&url, None).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn group_commit_with_journal_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        concurrent_appends_land(&url, Some(&dir.path().join("journal"))).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn group_commit_postgres() {
        let journal = tempfile::tempdir().unwrap();
        let path = journal.path().to_owned();
        crate::store::on_scratch_postgres(|url| async move {
            concurrent_appends_land(&url, Some(&path)).await;
        })
        .await;
    }
}
