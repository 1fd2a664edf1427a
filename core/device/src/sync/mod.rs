//! The sync client on the phone (docs/design.md §5, protocol in [`uppsok_model::protocol`]): enrol
//! once with a code, then sync in rounds that each push a bounded batch from the outbox and pull
//! what the user may see since the server cursor, until both sides are drained.
//!
//! What holds, whatever the network does:
//! - **Nothing lost, nothing twice.** A change leaves the outbox only when the server's result
//!   for it arrived (`applied` or `duplicate`); a cut connection leaves it queued, and the
//!   server's exactly-once table answers the replay with `duplicate`.
//! - **Rejected changes never block.** They are kept with the server's code and reason (see
//!   [`status`]) and left out of later batches.
//! - **Local edits are not overwritten by pulls** while they wait: such a pulled record is
//!   skipped and the cursor is held just before it, so once the local change is acknowledged
//!   the next round pulls the server's verdict (the edit won or lost by clock).
//! - **It ends with the server's version.** The server's half (protocol docs, *Convergence*):
//!   it leaves a record out of this device's pulls only while it is exactly what the device
//!   pushed last, and puts every other outcome at a sequence above the request's cursor, in the
//!   batch's transaction. So acknowledging before applying pulled records, and holding the
//!   cursor before a record kept local, are all this side needs, lost replies included.
//! - **The cursor moves in the same transaction** as the pulled records it covers.
//! - **The phone's access log goes up too.** Each request carries the oldest waiting access
//!   events (as many as changes, at most [`MAX_ACCESS_EVENTS`]); an event is deleted from the
//!   phone only when the reply names it in `access_logged`. A lost reply sends it again, and
//!   the server, which logs each event id once, answers it as logged.
//! - **Only a window of history stays.** The reply names how many days of contacts, outcomes
//!   and trips the organisation keeps on its phones; each round deletes, in its transaction,
//!   what is older and has no change waiting, and a run that pulled everything also drops
//!   closed clients with nothing left ([`crate::store::Cutoffs`]). The cursor is not touched.
//! - **Backoff with jitter** between failed attempts inside a run ([`Backoff::WITHIN_RUN`]) and
//!   between runs ([`Backoff::BETWEEN_RUNS`], persisted as `next_attempt` for the apps).
//! - **Revoked** stops syncing and keeps the data; **wipe** (status or a 401 problem with
//!   `wipe: true`) destroys the key, then the files ([`Store::wipe_shared`]).
//!
//! [`SyncClient`] is the facade: `sync` / `enrol` are async; `sync_once` / `enrol_blocking`
//! run them on the client's own small runtime for a caller's background thread (uniffi, the
//! field CLI). Do not call the blocking ones from inside a tokio runtime.

mod backoff;
mod enrol;
mod error;
mod http;
mod state;

#[cfg(test)]
mod tests;

pub use backoff::Backoff;
pub use enrol::Enrolment;
pub use error::SyncError;

/// How long a fetched team roster is used before the next sync fetches it again.
pub const ROSTER_MAX_AGE: chrono::Duration = chrono::Duration::hours(12);
pub use http::Timeouts;
pub use state::{RejectedChange, SyncStatus, discard_rejected, retry_rejected, status};

use crate::error::DeviceError;
use crate::store::{OutboxEntry, RemoteOutcome, Store};
use http::SyncReply;
use serde::Serialize;
use uppsok_model::protocol::history::{MIN_WINDOW_MONTHS, window_days};
use uppsok_model::protocol::{
    Change, DeviceStatus, MAX_ACCESS_EVENTS, MAX_PULL, MAX_PUSH, SyncRequest, SyncResponse,
};
use uppsok_model::{ChangeId, Record};
use uuid::Uuid;

/// Tunables of a sync run. The defaults suit a phone on a weak link.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Sent to the server, shown to supervisors on the devices page.
    pub app_version: Option<String>,
    /// Changes per request (at most [`MAX_PUSH`]).
    pub push_limit: usize,
    /// Uncompressed JSON bytes per request, so a batch of long notes stays well under the
    /// server's sync body limit; a 413 halves the batch anyway.
    pub push_bytes: usize,
    /// Pulled changes per response (at most [`MAX_PULL`]; `None`: the server's default).
    pub pull_limit: Option<u32>,
    /// Rounds per run; a run stops earlier when both sides are drained.
    pub max_rounds: u32,
    /// Attempts of one request before the run gives up (transient failures only).
    pub attempts: u32,
    pub retry_backoff: Backoff,
    pub run_backoff: Backoff,
    pub timeouts: Timeouts,
    /// Keep connections open between requests (one TLS handshake per run instead of one per
    /// round). Tests turn it off so every request meets the fault proxy's dice.
    pub reuse_connections: bool,
    /// Sees every sync answer before it is applied (tests check what reached a device; a
    /// diagnostics screen may count bytes). Never log what it sees: it holds records.
    pub observer: Option<Observer>,
}

/// A hook on every sync answer; see [`SyncConfig::observer`].
#[derive(Clone)]
pub struct Observer(pub std::sync::Arc<dyn Fn(&SyncResponse) + Send + Sync>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            app_version: Some(concat!("uppsok-device/", env!("CARGO_PKG_VERSION")).to_owned()),
            push_limit: MAX_PUSH,
            push_bytes: 1024 * 1024,
            pull_limit: None,
            max_rounds: 200,
            attempts: 4,
            retry_backoff: Backoff::WITHIN_RUN,
            run_backoff: Backoff::BETWEEN_RUNS,
            timeouts: Timeouts::default(),
            reuse_connections: true,
            observer: None,
        }
    }
}

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    /// Changes pushed (a change resent after a lost answer counts once per send).
    pub sent: u64,
    pub applied: u64,
    /// Changes the server had already applied (their first answer was lost).
    pub duplicates: u64,
    /// Changes refused in this run, with reasons.
    pub rejected: Vec<RejectedChange>,
    /// Access events the server has logged (deleted from the phone).
    pub access_logged: u64,
    /// Pulled changes applied to the local store.
    pub received: u64,
    /// Pulled changes left alone because a local change of the record still waits.
    pub kept_local: u64,
    /// Pulled records this app version could not read (skipped, not fatal).
    pub unreadable: u64,
    /// Records that left the phone because they are older than the window of history the
    /// server names (`store::window`): the server keeps them.
    pub evicted: u64,
    /// Records queued again because the server said its database was restored from a backup
    /// (`SyncResponse::restored`): what it acknowledged since the backup is sent again.
    pub requeued: u64,
    pub rounds: u32,
    /// HTTP requests made, failed ones included.
    pub requests: u64,
    /// Requests that failed and were retried.
    pub retries: u64,
    /// Request body bytes sent (compressed).
    pub body_bytes_sent: u64,
    /// The server's cursor after the run.
    pub cursor: u64,
    /// Both sides drained: nothing waiting, nothing more to pull.
    pub complete: bool,
    /// The team roster was fetched anew after the sync (see [`ROSTER_MAX_AGE`]).
    pub roster_refreshed: bool,
}

/// The sync facade: one HTTP client (with its connection pool) and, for the blocking calls, a
/// small runtime. Create one per app and keep it.
pub struct SyncClient {
    config: SyncConfig,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl SyncClient {
    pub fn new(config: SyncConfig) -> Result<Self, SyncError> {
        let http = http::client(config.timeouts, config.reuse_connections)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|_| SyncError::Protocol("the sync runtime could not start".into()))?;
        Ok(Self {
            config,
            http,
            runtime,
        })
    }

    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// Enrol this phone at `server_url` with a one-time `code` (async).
    pub async fn enrol(
        &self,
        store: &Store,
        server_url: &str,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<Enrolment, SyncError> {
        enrol::enrol(
            &self.http,
            store,
            server_url,
            code,
            device_name,
            self.config.app_version.as_deref(),
        )
        .await
    }

    /// [`SyncClient::enrol`] on the client's own runtime, for a plain background thread.
    pub fn enrol_blocking(
        &self,
        store: &Store,
        server_url: &str,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<Enrolment, SyncError> {
        self.runtime
            .block_on(self.enrol(store, server_url, code, device_name))
    }

    /// [`SyncClient::sync`] on the client's own runtime, for a plain background thread.
    pub fn sync_once(&self, store: &Store) -> Result<SyncReport, SyncError> {
        self.runtime.block_on(self.sync(store))
    }

    /// Whether the backoff policy allows an automatic attempt now (a user's "sync now" button
    /// ignores it).
    pub fn due(&self, store: &Store) -> Result<bool, SyncError> {
        let s = status(store)?;
        Ok(!s.revoked && s.next_attempt.is_none_or(|t| t <= store.now()))
    }

    /// One sync run: rounds until both sides are drained (or `max_rounds`), then the outcome
    /// is recorded for the status screen.
    pub async fn sync(&self, store: &Store) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let started = store.now();
        let result = self.rounds(store, &mut report).await;
        // The sync itself is done: a roster that cannot be fetched now is fetched at the next
        // one, and until then the phone keeps the one it has (or checks no names).
        if result.is_ok() {
            report.roster_refreshed = self.refresh_roster(store).await.unwrap_or(false);
        }
        match &result {
            Ok(()) => store.write(|w| {
                state::set_time(w, state::LAST_OK, Some(store.now()))?;
                state::set_time(w, state::LAST_ATTEMPT, Some(started))?;
                state::set_time(w, state::NEXT_ATTEMPT, None)?;
                w.set_meta_value(state::LAST_ERROR, None)?;
                w.set_meta_value(state::FAILURES, None)
            })?,
            // The files are gone; there is nothing left to record in.
            Err(SyncError::Wiped) => {}
            Err(e) => {
                let failures = status(store)?.failures.saturating_add(1);
                let next = e
                    .is_transient()
                    .then(|| self.config.run_backoff.next_attempt(store.now(), failures));
                // A damaged token is said by the status itself for as long as it lasts (and
                // no longer once repair removed it), so it is not stored as the last error.
                let words = (!matches!(e, SyncError::TokenDamaged)).then(|| e.to_string());
                store.write(|w| {
                    state::set_time(w, state::LAST_ATTEMPT, Some(started))?;
                    state::set_time(w, state::NEXT_ATTEMPT, next)?;
                    w.set_meta_value(state::LAST_ERROR, words.as_deref())?;
                    w.set_meta_value(state::FAILURES, Some(&failures.to_string()))?;
                    if matches!(e, SyncError::Revoked) {
                        w.set_meta_value(state::DEVICE, Some("revoked"))?;
                    }
                    Ok(())
                })?;
            }
        }
        result.map(|()| report)
    }

    async fn rounds(&self, store: &Store, report: &mut SyncReport) -> Result<(), SyncError> {
        let profile = store.profile()?;
        let base = profile.server_url.ok_or(SyncError::NotEnrolled)?;
        if store.meta_value(state::DEVICE)?.as_deref() == Some("revoked") {
            return Err(SyncError::Revoked);
        }
        let token = match store.device_token() {
            Ok(token) => token.ok_or(SyncError::NotEnrolled)?,
            Err(DeviceError::Tampered { .. }) => return Err(SyncError::TokenDamaged),
            Err(e) => return Err(e.into()),
        };
        let mut push_limit = self.config.push_limit.clamp(1, MAX_PUSH);
        let pull_limit = self.config.pull_limit.map(|n| n.clamp(1, MAX_PULL as u32));
        while report.rounds < self.config.max_rounds {
            report.rounds += 1;
            let (changes, ids) = self.batch(store, push_limit)?;
            let access_events = store.pending_access(push_limit.min(MAX_ACCESS_EVENTS))?;
            let cursor = store.pull_cursor()?.unwrap_or(0);
            // The version is sent until the server has seen it once: an idle sync stays small.
            let app_version = self.config.app_version.clone().filter(|v| {
                store.meta_value(state::APP_VERSION).ok().flatten().as_ref() != Some(v)
            });
            let req = SyncRequest {
                cursor,
                changes,
                pull_limit,
                app_version,
                knows_outcomes: true,
                access_events,
                mileage_terms: crate::pay::terms(store)?.map(|t| t.tag),
            };
            let resp = match self.send(&base, &token, &req, report).await? {
                SyncReply::Response(r) => r,
                SyncReply::WipeOrdered => return wipe(store),
                SyncReply::TooLarge if req.changes.len().max(req.access_events.len()) > 1 => {
                    push_limit = req.changes.len().max(req.access_events.len()) / 2;
                    continue;
                }
                SyncReply::TooLarge => {
                    return Err(SyncError::Protocol(
                        "one change is larger than the server accepts".into(),
                    ));
                }
            };
            if let Some(o) = &self.config.observer {
                (o.0)(&resp);
            }
            if resp.status == DeviceStatus::Wipe {
                return wipe(store);
            }
            report.sent += req.changes.len() as u64;
            if let Some(v) = &req.app_version {
                store.write(|w| w.set_meta_value(state::APP_VERSION, Some(v)))?;
            }
            let access_ids: Vec<Uuid> = req.access_events.iter().map(|e| e.id).collect();
            let progress = self.apply(store, cursor, (&ids[..], &access_ids[..]), &resp, report)?;
            if resp.status == DeviceStatus::Revoked {
                return Err(SyncError::Revoked);
            }
            let counts = store.status()?;
            let waiting = counts.outbox_pending + counts.access_pending;
            if waiting == 0 && !resp.has_more && !progress.held {
                report.complete = true;
                // Everything is pulled: only now can a closed client be seen to have nothing
                // left (a contact of it may come in a later round).
                report.evicted += store.evict_outside_window(true)?.total();
                return Ok(());
            }
            if !progress.moved {
                // The server answered but nothing changed on either side: coming again at
                // once would get the same answer.
                return Ok(());
            }
        }
        Ok(())
    }

    /// A client's contacts and outcomes from before `before` (by default the first day the
    /// phone keeps, [`Store::history_window`]), fetched from the server while online and
    /// returned without being stored: the phone keeps only its window. The server logs the
    /// opening of the history in its access log, so nothing is logged on the phone.
    pub async fn fetch_history(
        &self,
        store: &Store,
        client: uppsok_model::ClientId,
        before: Option<chrono::NaiveDate>,
    ) -> Result<OlderHistory, SyncError> {
        let base = store.profile()?.server_url.ok_or(SyncError::NotEnrolled)?;
        let token = match store.device_token() {
            Ok(token) => token.ok_or(SyncError::NotEnrolled)?,
            Err(DeviceError::Tampered { .. }) => return Err(SyncError::TokenDamaged),
            Err(e) => return Err(e.into()),
        };
        let before = match before {
            Some(d) => d,
            None => first_kept_day(store)?,
        };
        let h = http::history(&self.http, &base, &token, client.0, before).await?;
        Ok(OlderHistory::from_wire(h))
    }

    /// [`SyncClient::fetch_history`] on the client's own runtime, for a plain background thread.
    pub fn fetch_history_blocking(
        &self,
        store: &Store,
        client: uppsok_model::ClientId,
        before: Option<chrono::NaiveDate>,
    ) -> Result<OlderHistory, SyncError> {
        self.runtime
            .block_on(self.fetch_history(store, client, before))
    }

    /// Fetches the team roster (`GET /v1/devices/me`) when the phone has none or it is older
    /// than [`ROSTER_MAX_AGE`]: team membership changes seldom, and an idle sync stays one
    /// request. A server too old to list the team leaves the phone without a roster (and
    /// without the check it enables).
    async fn refresh_roster(&self, store: &Store) -> Result<bool, SyncError> {
        let now = store.now();
        let fresh = store
            .team_roster()?
            .is_some_and(|r| now - r.fetched_at < ROSTER_MAX_AGE && r.fetched_at <= now);
        if fresh {
            return Ok(false);
        }
        let (Some(base), Ok(Some(token))) = (store.profile()?.server_url, store.device_token())
        else {
            return Ok(false);
        };
        let me = http::device_self(&self.http, &base, &token).await?;
        if me.team_members.is_empty() {
            return Ok(false);
        }
        store.set_team_roster(&crate::store::TeamRoster {
            fetched_at: now,
            members: me.team_members,
        })?;
        Ok(true)
    }

    /// The next batch: the oldest waiting changes, bounded by count and by encoded size.
    fn batch(
        &self,
        store: &Store,
        limit: usize,
    ) -> Result<(Vec<Change>, Vec<ChangeId>), SyncError> {
        let mut changes = Vec::new();
        let mut size = 0usize;
        for e in store.outbox_batch(limit)? {
            let c = to_change(&e)?;
            // Encoding twice costs far less than a rejected oversized request on a weak link.
            let n = serde_json::to_vec(&c).map(|v| v.len()).unwrap_or(0);
            if !changes.is_empty() && size + n > self.config.push_bytes {
                break;
            }
            size += n;
            changes.push(c);
        }
        let ids = changes.iter().map(|c| c.change_id).collect();
        Ok((changes, ids))
    }

    /// Send one request, retrying transient failures with jittered backoff.
    async fn send(
        &self,
        base: &str,
        token: &str,
        req: &SyncRequest,
        report: &mut SyncReport,
    ) -> Result<SyncReply, SyncError> {
        let mut failures = 0u32;
        loop {
            report.requests += 1;
            match http::sync(&self.http, base, token, req).await {
                Ok((reply, sent)) => {
                    report.body_bytes_sent += sent.body_bytes;
                    return Ok(reply);
                }
                Err(e) if e.is_transient() && failures + 1 < self.config.attempts.max(1) => {
                    failures += 1;
                    report.retries += 1;
                    tokio::time::sleep(self.config.retry_backoff.delay(failures)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Record the results and apply the pulled changes in one transaction with the cursor.
    fn apply(
        &self,
        store: &Store,
        cursor: u64,
        (sent, sent_access): (&[ChangeId], &[Uuid]),
        resp: &SyncResponse,
        report: &mut SyncReport,
    ) -> Result<Progress, SyncError> {
        let mut progress = Progress::default();
        store.write(|w| {
            // Only what this request carried leaves the phone's access log.
            let logged: Vec<Uuid> = resp
                .access_logged
                .iter()
                .filter(|id| sent_access.contains(id))
                .copied()
                .collect();
            let forgotten = w.ack_access(&logged)?;
            if forgotten > 0 {
                progress.moved = true;
            }
            report.access_logged += forgotten as u64;
            let mut acked = Vec::new();
            for r in &resp.results {
                // A result for a change this request did not carry is ignored: the outbox only
                // shrinks for what was asked.
                if !sent.contains(&r.change_id) {
                    continue;
                }
                progress.moved = true;
                if let Some(rej) = r.rejection() {
                    w.mark_rejected(r.change_id, rej.code.as_str(), &rej.reason)?;
                } else {
                    acked.push(r.change_id);
                }
            }
            // Acknowledged first, so a pulled record whose waiting change was in this batch is
            // no longer held back by it.
            w.ack(&acked)?;
            // A server restored from a backup lost what it acknowledged since: queue again what
            // this device wrote, before the pulled (older) versions are applied, so that those
            // are held back by the waiting changes instead of overwriting the newer local ones.
            if resp.restored {
                report.requeued += w.requeue_for_restored_server()?;
                progress.moved = true;
            }
            let mut first_held: Option<u64> = None;
            let (mut received, mut kept, mut unreadable) = (0, 0, 0);
            for ch in &resp.changes {
                let outcome = if ch.deleted {
                    w.apply_remote_deleted(ch.entity, ch.record_id, ch.clock)?
                } else {
                    match ch.record() {
                        Ok(Some(record)) => w.apply_remote(&record, ch.clock, false)?,
                        _ => {
                            unreadable += 1;
                            continue;
                        }
                    }
                };
                match outcome {
                    RemoteOutcome::Applied => received += 1,
                    RemoteOutcome::KeptLocal => {
                        kept += 1;
                        first_held.get_or_insert(ch.seq);
                    }
                }
            }
            // Hold the cursor just before the first record kept local, so its server version
            // is pulled again once the local change has been answered. Pulled records have
            // sequences above the request's cursor; `max` only guards against a server that
            // breaks that — except a server restored from a backup, whose sequence is behind
            // this device: then its cursor is taken as it is.
            let floor = if resp.restored { 0 } else { cursor };
            let next = match first_held {
                Some(seq) => seq.saturating_sub(1).max(floor),
                None => resp.cursor.max(floor),
            };
            progress.held = first_held.is_some();
            if next != cursor {
                progress.moved = true;
            }
            w.set_pull_cursor(next)?;
            // The window goes with the records it applies to: what this reply pulled from
            // before it leaves again in the same transaction.
            if let Some(days) = resp.history_window_days {
                w.set_history_window(days.max(window_days(MIN_WINDOW_MONTHS)))?;
            }
            if let Some(terms) = &resp.mileage_terms {
                crate::pay::keep_terms(w, terms)?;
            }
            report.evicted += w.evict_outside_window(false)?.total();
            report.received += received;
            report.kept_local += kept;
            report.unreadable += unreadable;
            report.cursor = next;
            Ok(())
        })?;
        for r in &resp.results {
            if !sent.contains(&r.change_id) {
                continue;
            }
            match r.rejection() {
                Some(rej) => {
                    let entry = store
                        .rejected_changes()?
                        .into_iter()
                        .find(|e| e.change_id == r.change_id);
                    if let Some(e) = entry {
                        report.rejected.push(RejectedChange {
                            change_id: e.change_id,
                            entity: e.entity,
                            record_id: e.record_id,
                            code: rej.code.as_str().to_owned(),
                            reason: rej.reason,
                        });
                    }
                }
                None if r.outcome == uppsok_model::protocol::OutcomeKind::Duplicate => {
                    report.duplicates += 1
                }
                None => report.applied += 1,
            }
        }
        Ok(progress)
    }
}

/// The first day whose contacts the phone holds: the window's, or (before a server named one)
/// tomorrow, so that everything the server has is older.
fn first_kept_day(store: &Store) -> Result<chrono::NaiveDate, SyncError> {
    Ok(match store.history_window()? {
        Some((_, cut)) => cut.contacts_from,
        None => store.now().date_naive() + chrono::Days::new(1),
    })
}

/// A client's history from before the phone's window, in memory only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OlderHistory {
    /// Newest first.
    pub visits: Vec<uppsok_model::Visit>,
    /// Newest day first.
    pub outcomes: Vec<uppsok_model::Outcome>,
    /// Ask again with this day for more (see `HistoryResponse::next_before`).
    pub next_before: Option<chrono::NaiveDate>,
    /// Records this app version could not read (left out, as a pull does).
    pub unreadable: u64,
}

impl OlderHistory {
    fn from_wire(h: uppsok_model::protocol::history::HistoryResponse) -> Self {
        let mut unreadable = 0;
        let visits = parse_all(h.visits, &mut unreadable);
        let outcomes = parse_all(h.outcomes, &mut unreadable);
        OlderHistory {
            visits,
            outcomes,
            next_before: h.next_before,
            unreadable,
        }
    }
}

fn parse_all<T: serde::de::DeserializeOwned>(
    values: Vec<serde_json::Value>,
    unreadable: &mut u64,
) -> Vec<T> {
    values
        .into_iter()
        .filter_map(|v| {
            let parsed = serde_json::from_value(v).ok();
            *unreadable += u64::from(parsed.is_none());
            parsed
        })
        .collect()
}

#[derive(Default)]
struct Progress {
    /// Something changed: a result recorded or the cursor moved.
    moved: bool,
    /// The cursor is held back for a record whose local change still waits.
    held: bool,
}

fn wipe(store: &Store) -> Result<(), SyncError> {
    store.wipe_shared()?;
    Err(SyncError::Wiped)
}

fn to_change(e: &OutboxEntry) -> Result<Change, SyncError> {
    let bad = || SyncError::Protocol("a waiting change could not be encoded".into());
    if e.deleted {
        return Ok(Change::delete(e.change_id, e.hlc, e.entity, e.record_id));
    }
    let record = e.record.as_ref().ok_or_else(bad)?;
    Ok(Change::upsert(e.change_id, e.hlc, record)
        .map_err(|_| bad())?
        .with_edited(e.edited.clone()))
}

/// The record kinds a pulled change may carry, for tests and tools that inspect them.
pub fn record_of(change: &uppsok_model::protocol::RemoteChange) -> Option<Record> {
    change.record().ok().flatten()
}
