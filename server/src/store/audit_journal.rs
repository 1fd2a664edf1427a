//! The access log's journal: a second, append-only copy of the entries the group-commit writer
//! (`audit_writer`) stores, in files outside the database, so that a database restored from a
//! backup can get back the entries written after the backup was taken.
//!
//! Why a file and not only the table: the law wants the access log kept for years, and phones
//! hold no copy of what was read. A restore replaces the database wholesale, so whatever was
//! logged after the backup exists only where the database is not. The writer appends every
//! batch here and `fsync`s it before any request in the batch is answered; an acknowledged read
//! therefore has its entry in the journal even when the database it was committed to is lost.
//!
//! Format: one JSON object per line (`access-YYYY-MM.jsonl`, one file per UTC month in which
//! the lines were written, so old months can be archived), the entry as the table holds it — ids,
//! names of staff accounts, times, never client content — plus `"journalled_ms"` (when the line
//! was written) and `"mac"`: HMAC-SHA256 of the line's bytes
//! before that field, under a key derived from the server key (`secrets`). A line torn by a crash
//! or changed by hand fails the MAC and is skipped (counted, never fatal), and a replay cannot be
//! used to slip forged entries into the log. When a file is opened for appending and its last
//! line is incomplete, a newline ends that fragment first, so it stays one bad line instead of
//! spoiling the next good one.
//!
//! Replay ([`Store::replay_audit_journal`]) re-inserts only entries journalled from
//! [`REPLAY_OVERLAP_MS`] before the database's newest entry onwards, and only those whose id the
//! table does not hold yet: running it twice adds nothing, and entries older than what the
//! database holds — ones a retention job may have deleted on purpose — are never brought back.
//! The overlap covers entries committed out of time order (a batch stamped before, but committed
//! after, a record write's entry that made it into the backup).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ring::hmac;

use super::audit::StampedEntry;
use super::{Store, StoreError, StoreResult, on_pool};
use crate::secrets::ServerKey;

/// How far before the database's newest entry a replay still looks for missing entries. Far
/// above any commit's duration, far below any retention period.
pub const REPLAY_OVERLAP_MS: i64 = 3600 * 1000;

const PREFIX: &str = "access-";
const SUFFIX: &str = ".jsonl";
/// What ends every line: `,"mac":"` + 64 hex digits + `"}`.
const MAC_OPEN: &str = ",\"mac\":\"";
const MAC_HEX: usize = 64;
const MAC_TAIL: usize = MAC_OPEN.len() + MAC_HEX + 2;

/// Where the journal is and the key its lines are signed with; cheap to clone.
#[derive(Clone)]
pub struct AuditJournal {
    dir: PathBuf,
    mac: hmac::Key,
}

impl std::fmt::Debug for AuditJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditJournal")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The default journal directory of a SQLite database: `access-journal` beside its file
/// (`None`: not a SQLite file, e.g. PostgreSQL, where it must be configured).
pub fn dir_beside(database_url: &str) -> Option<PathBuf> {
    crate::secrets::key_path_beside(database_url)
        .and_then(|key| key.parent().map(|d| d.join("access-journal")))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Journal(format!("{what} {}: {e}", path.display()))
}

/// What a replay found and did, for the administrator (counts only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Journal files read (months before the overlap are not opened).
    pub files: usize,
    /// Lines whose MAC verified.
    pub verified: u64,
    /// Lines skipped: torn by a crash, changed, or signed with another server key.
    pub skipped: u64,
    /// Verified entries older than the overlap before the database's newest entry: left alone.
    pub older: u64,
    /// Entries in the overlap or newer that the database already held.
    pub present: u64,
    /// Entries put back.
    pub inserted: u64,
}

impl AuditJournal {
    /// The journal in `dir` (created mode 0700 when missing), signed with `key`.
    pub fn open(dir: &Path, key: &ServerKey) -> StoreResult<AuditJournal> {
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                    .map_err(|e| io("cannot make private", dir, e))?;
            }
        } else if !dir.is_dir() {
            return Err(StoreError::Journal(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        Ok(AuditJournal {
            dir: dir.to_owned(),
            mac: key.journal_mac_key().clone(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file the entries of `at_ms`'s UTC month go to.
    fn file_for(&self, at_ms: i64) -> PathBuf {
        let month = chrono::DateTime::from_timestamp_millis(at_ms)
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_else(|| "0000-00".into());
        self.dir.join(format!("{PREFIX}{month}{SUFFIX}"))
    }

    /// One line, newline included: the entry, when it was journalled, and the MAC.
    fn encode(&self, e: &StampedEntry, journalled_ms: i64) -> StoreResult<String> {
        let mut line = serde_json::to_string(e)
            .map_err(|e| StoreError::Journal(format!("cannot encode an entry: {e}")))?;
        // The object's closing brace comes off, the MAC goes in before it: the MAC covers the
        // bytes up to the field, which a reader finds again without re-encoding anything.
        line.pop();
        line.push_str(&format!(",\"journalled_ms\":{journalled_ms}"));
        let tag = hmac::sign(&self.mac, line.as_bytes());
        line.push_str(MAC_OPEN);
        line.push_str(&hex::encode(tag.as_ref()));
        line.push_str("\"}\n");
        Ok(line)
    }

    /// The entry of one complete line (without its newline) and when it was journalled (a line
    /// from before that was written down: the entry's own time), if its MAC verifies.
    fn decode(&self, line: &[u8]) -> Option<(StampedEntry, i64)> {
        if line.len() <= MAC_TAIL || !line.ends_with(b"\"}") {
            return None;
        }
        let (body, tail) = line.split_at(line.len() - MAC_TAIL);
        let hex_tag = tail.strip_prefix(MAC_OPEN.as_bytes())?;
        let tag = hex::decode(&hex_tag[..MAC_HEX]).ok()?;
        hmac::verify(&self.mac, body, &tag).ok()?;
        let mut object = body.to_vec();
        object.push(b'}');
        let line: Line = serde_json::from_slice(&object).ok()?;
        let journalled = line.journalled_ms.unwrap_or(line.entry.at_ms);
        Some((line.entry, journalled))
    }

    /// A writer that appends to this journal; the group-commit writer owns one.
    pub(crate) fn writer(&self) -> JournalWriter {
        JournalWriter {
            journal: self.clone(),
            open: None,
        }
    }

    /// The journal's files, oldest month first.
    fn files(&self) -> StoreResult<Vec<(String, PathBuf)>> {
        let mut files = Vec::new();
        let listing = std::fs::read_dir(&self.dir).map_err(|e| io("cannot read", &self.dir, e))?;
        for item in listing {
            let item = item.map_err(|e| io("cannot read", &self.dir, e))?;
            let name = item.file_name().to_string_lossy().into_owned();
            if let Some(month) = name
                .strip_prefix(PREFIX)
                .and_then(|m| m.strip_suffix(SUFFIX))
            {
                files.push((month.to_owned(), item.path()));
            }
        }
        files.sort();
        Ok(files)
    }

    /// The verified entries at or after `from_ms` (all, when `None`), in file order, and what
    /// was read to find them (`present` and `inserted` left at zero).
    pub fn read_since(
        &self,
        from_ms: Option<i64>,
    ) -> StoreResult<(Vec<StampedEntry>, ReplayReport)> {
        let first_month = from_ms.and_then(|ms| {
            chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%Y-%m").to_string())
        });
        let mut report = ReplayReport::default();
        let mut found = Vec::new();
        for (month, path) in self.files()? {
            if first_month.as_ref().is_some_and(|first| month < *first) {
                continue;
            }
            report.files += 1;
            let bytes = std::fs::read(&path).map_err(|e| io("cannot read", &path, e))?;
            let mut lines = bytes.split(|b| *b == b'\n').peekable();
            while let Some(line) = lines.next() {
                if lines.peek().is_none() {
                    // After the last newline: empty, or a line a crash cut short.
                    if !line.is_empty() {
                        report.skipped += 1;
                    }
                    break;
                }
                match self.decode(line) {
                    None => report.skipped += 1,
                    Some((e, journalled)) => {
                        report.verified += 1;
                        if from_ms.is_some_and(|from| journalled < from) {
                            report.older += 1;
                        } else {
                            found.push(e);
                        }
                    }
                }
            }
        }
        Ok((found, report))
    }
}

/// A journal line as read back.
#[derive(serde::Deserialize)]
struct Line {
    #[serde(flatten)]
    entry: StampedEntry,
    /// Absent in lines written before the journal recorded it.
    #[serde(default)]
    journalled_ms: Option<i64>,
}

/// Appends to the journal's current month file, kept open between batches.
#[derive(Debug)]
pub(crate) struct JournalWriter {
    journal: AuditJournal,
    open: Option<(PathBuf, File)>,
}

impl JournalWriter {
    /// Appends `entries` to the current month's file and flushes them to disk; returns only
    /// once they are durable.
    pub(crate) fn append<'a>(
        &mut self,
        entries: impl IntoIterator<Item = &'a StampedEntry>,
    ) -> StoreResult<()> {
        self.append_at(entries, super::now_ms())
    }

    /// [`JournalWriter::append`] as journalled at `journalled_ms`. The lines go to that
    /// month's file and a replay judges them by that time, not the entry's own: a phone's
    /// access event keeps the (earlier) time it happened, but reached the server — and the
    /// journal — only at its sync, perhaps after a backup whose newest entry is later.
    pub(crate) fn append_at<'a>(
        &mut self,
        entries: impl IntoIterator<Item = &'a StampedEntry>,
        journalled_ms: i64,
    ) -> StoreResult<()> {
        let mut text = String::new();
        for e in entries {
            text.push_str(&self.journal.encode(e, journalled_ms)?);
        }
        if text.is_empty() {
            return Ok(());
        }
        let path = self.journal.file_for(journalled_ms);
        self.write(&path, &text)
    }

    fn write(&mut self, path: &Path, text: &str) -> StoreResult<()> {
        if !matches!(&self.open, Some((p, _)) if p.as_path() == path) {
            // A new month: the last one's file is closed, the new one opened (or created).
            self.open = None;
            self.open = Some((path.to_owned(), open_for_append(&self.journal.dir, path)?));
        }
        let result = match &mut self.open {
            Some((_, file)) => file
                .write_all(text.as_bytes())
                .and_then(|()| file.sync_data()),
            None => Ok(()),
        };
        if let Err(e) = result {
            // Reopen next time: a failed write may have left a partial line, which the reopen
            // ends with a newline.
            self.open = None;
            return Err(io("cannot write", path, e));
        }
        Ok(())
    }
}

/// Opens (creating, mode 0600) a month file for appending. A new file's directory entry is
/// flushed too; an existing file whose last line a crash cut short gets a newline first.
fn open_for_append(dir: &Path, path: &Path) -> StoreResult<File> {
    let created = !path.exists();
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path).map_err(|e| io("cannot open", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A file of an older install or copied in by hand: who-read-what is personal data.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io("cannot make private", path, e))?;
    }
    if created {
        if let Ok(d) = File::open(dir) {
            d.sync_all().map_err(|e| io("cannot flush", dir, e))?;
        }
        return Ok(file);
    }
    let len = file
        .metadata()
        .map_err(|e| io("cannot read", path, e))?
        .len();
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::End(-1))
            .and_then(|_| file.read_exact(&mut last))
            .map_err(|e| io("cannot read", path, e))?;
        if last[0] != b'\n' {
            file.write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(|e| io("cannot repair", path, e))?;
        }
    }
    Ok(file)
}

impl Store {
    /// The journal this store writes, if any.
    pub fn audit_journal(&self) -> Option<&AuditJournal> {
        self.journal.as_ref()
    }

    /// The newest access-log entry's time, if there is any entry.
    pub async fn newest_audit_ms(&self) -> StoreResult<Option<i64>> {
        Ok(on_pool!(self, p => {
            sqlx::query_scalar("SELECT MAX(at_ms) FROM audit_log").fetch_one(p).await?
        }))
    }

    /// Puts back the journal's entries that the database lacks (see the module docs): those from
    /// [`REPLAY_OVERLAP_MS`] before its newest entry on, whose id it does not hold. Idempotent.
    pub async fn replay_audit_journal(&self) -> StoreResult<ReplayReport> {
        let journal = self.journal.clone().ok_or_else(|| {
            StoreError::Journal("no access-log journal is configured for this database".into())
        })?;
        let from = self
            .newest_audit_ms()
            .await?
            .map(|n| n.saturating_sub(REPLAY_OVERLAP_MS));
        let (entries, mut report) = tokio::task::spawn_blocking(move || journal.read_since(from))
            .await
            .map_err(|e| StoreError::Journal(format!("the reader stopped: {e}")))??;
        if entries.is_empty() {
            return Ok(report);
        }
        let mut tx = self.begin().await?;
        let inserted = tx.append_stamped(&entries, true).await?;
        tx.commit().await?;
        report.inserted = inserted;
        report.present = entries.len() as u64 - inserted;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AuditAction, AuditEntry, Via};
    use uuid::Uuid;

    fn key(dir: &Path, name: &str) -> ServerKey {
        ServerKey::load_or_create(&dir.join(name)).unwrap()
    }

    fn stamped(at_ms: i64, k: usize) -> StampedEntry {
        StampedEntry {
            id: Uuid::new_v4(),
            at_ms,
            entry: AuditEntry {
                actor_staff: Uuid::new_v4().into(),
                actor_username: format!("user{k}"),
                actor_org: Uuid::new_v4().into(),
                device: None,
                via: Via::Dashboard,
                action: AuditAction::Read,
                entity: Some(uppsok_model::Entity::Client),
                client: Some(Uuid::new_v4().into()),
                record: Some(Uuid::new_v4()),
                team: Some(Uuid::new_v4().into()),
                record_org: None,
                // The authentication travels with the entry (an OIDC session's level).
                auth: Some(crate::store::SessionAuth {
                    method: crate::store::AuthMethod::Oidc,
                    acr: Some("loa3".into()),
                }),
            },
        }
    }

    /// 2026-12-05 12:00 UTC and 2027-01-02 08:00 UTC.
    const DEC: i64 = 1_796_472_000_000;
    const JAN: i64 = 1_798_876_800_000;

    #[test]
    fn lines_round_trip_and_rotate_per_month_into_private_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("journal");
        let j = AuditJournal::open(&dir, &key(tmp.path(), "server.key")).unwrap();
        let entries = vec![stamped(DEC, 1), stamped(DEC + 5, 2), stamped(JAN, 3)];
        let mut w = j.writer();
        for e in &entries {
            w.append_at([e], e.at_ms).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["access-2026-12.jsonl", "access-2027-01.jsonl"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join("access-2026-12.jsonl")), 0o600);
        }
        let dec = std::fs::read_to_string(dir.join("access-2026-12.jsonl")).unwrap();
        assert_eq!(dec.lines().count(), 2);
        let first: serde_json::Value = serde_json::from_str(dec.lines().next().unwrap()).unwrap();
        assert_eq!(
            first["actor_username"], "user1",
            "plain JSON, one entry a line"
        );
        assert_eq!(first["mac"].as_str().unwrap().len(), 64);

        let (all, report) = j.read_since(None).unwrap();
        assert_eq!(all, entries);
        assert_eq!((report.files, report.verified, report.skipped), (2, 3, 0));
        // From January on, December's file is not even opened.
        let (jan, report) = j.read_since(Some(JAN - 1000)).unwrap();
        assert_eq!(jan, entries[2..]);
        assert_eq!(report.files, 1);
        // Inside a file, older entries are counted and left out.
        let (late, report) = j.read_since(Some(DEC + 1)).unwrap();
        assert_eq!(late, entries[1..]);
        assert_eq!(report.older, 1);
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_the_next_append_starts_clean() {
        let tmp = tempfile::tempdir().unwrap();
        let j = AuditJournal::open(tmp.path(), &key(tmp.path(), "server.key")).unwrap();
        let a = stamped(DEC, 1);
        j.writer().append_at([&a], DEC).unwrap();
        // A crash in the middle of the next write: half a line, no newline.
        let path = tmp.path().join("access-2026-12.jsonl");
        let torn = j.encode(&stamped(DEC + 1, 2), DEC + 1).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&torn.as_bytes()[..torn.len() / 2]).unwrap();
        drop(f);
        let (found, report) = j.read_since(None).unwrap();
        assert_eq!(found, std::slice::from_ref(&a));
        assert_eq!(report.skipped, 1, "the torn line is counted, not fatal");

        // The restarted writer ends the fragment before appending.
        let b = stamped(DEC + 2, 3);
        j.writer().append_at([&b], DEC + 2).unwrap();
        let (found, report) = j.read_since(None).unwrap();
        assert_eq!(found, [a, b]);
        assert_eq!((report.verified, report.skipped), (2, 1));
    }

    #[test]
    fn a_changed_line_or_another_servers_key_does_not_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let j = AuditJournal::open(tmp.path(), &key(tmp.path(), "server.key")).unwrap();
        let entries = vec![stamped(DEC, 1), stamped(DEC + 1, 2), stamped(DEC + 2, 3)];
        j.writer().append_at(&entries, DEC + 2).unwrap();
        let path = tmp.path().join("access-2026-12.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        // Someone makes the second entry about another user.
        let changed = text.replacen("\"user2\"", "\"user9\"", 1);
        assert_ne!(changed, text);
        std::fs::write(&path, changed).unwrap();
        let (found, report) = j.read_since(None).unwrap();
        assert_eq!(found, [entries[0].clone(), entries[2].clone()]);
        assert_eq!(report.skipped, 1);

        let other = AuditJournal::open(tmp.path(), &key(tmp.path(), "other.key")).unwrap();
        let (found, report) = other.read_since(None).unwrap();
        assert!(found.is_empty());
        assert_eq!(report.skipped, 3);
    }

    async fn replay_is_idempotent_and_never_reaches_back(url: &str) {
        use crate::store::{AuditFilter, PoolSize};
        let tmp = tempfile::tempdir().unwrap();
        let jdir = tmp.path().join("journal");
        let j = AuditJournal::open(&jdir, &key(tmp.path(), "server.key")).unwrap();
        let store = Store::connect_with_journal(url, PoolSize { max: 4 }, Some(j.clone()))
            .await
            .unwrap();
        let now = crate::store::now_ms();
        // In the journal only: one long before the database's newest entry (as if a retention
        // job had deleted it), one inside the overlap, two after it, and a phone's access event
        // that happened long before but reached the journal after the newest entry.
        let old = stamped(now - 3 * REPLAY_OVERLAP_MS, 1);
        let overlap = stamped(now - REPLAY_OVERLAP_MS / 2, 2);
        let newer = [stamped(now + 10, 3), stamped(now + 20, 4)];
        let in_db = stamped(now, 5);
        let late_event = stamped(now - 3 * REPLAY_OVERLAP_MS, 6);
        let mut w = j.writer();
        for e in [&old, &overlap, &in_db, &newer[0], &newer[1]] {
            w.append_at([e], e.at_ms).unwrap();
        }
        w.append_at([&late_event], now + 30).unwrap();
        // The database holds `in_db` only (its newest entry).
        let mut tx = store.begin().await.unwrap();
        tx.append_stamped(std::slice::from_ref(&in_db), false)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let r = store.replay_audit_journal().await.unwrap();
        assert_eq!(
            (r.verified, r.older, r.present, r.inserted),
            (6, 1, 1, 4),
            "{r:?}"
        );
        let users = |rows: Vec<crate::store::AuditRow>| {
            let mut u: Vec<String> = rows.into_iter().map(|r| r.actor_username).collect();
            u.sort();
            u
        };
        let all = AuditFilter {
            limit: 100,
            ..Default::default()
        };
        assert_eq!(
            users(store.list_audit(&all).await.unwrap()),
            ["user2", "user3", "user4", "user5", "user6"]
        );
        // Now the newest is `newer[1]`: the overlap still reaches `overlap`, all five are there.
        let again = store.replay_audit_journal().await.unwrap();
        assert_eq!(
            (again.older, again.present, again.inserted),
            (1, 5, 0),
            "{again:?}"
        );
        assert_eq!(store.count_audit().await.unwrap(), 5);
        store.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replay_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        replay_is_idempotent_and_never_reaches_back(&url).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replay_postgres() {
        crate::store::on_scratch_postgres(|url| async move {
            replay_is_idempotent_and_never_reaches_back(&url).await;
        })
        .await;
    }
}
