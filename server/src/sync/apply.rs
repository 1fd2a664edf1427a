//! Applying a device's pushed changes: exactly once per change id, each judged on its own (a
//! rejected change never blocks the rest), in one transaction for the whole batch.
//!
//! Per batch: one read ([`Tx::sync_reads`](crate::store::Tx::sync_reads): the sequence lock, the
//! change ids already seen, the records the batch touches and the clients its visits refer to;
//! one round trip on PostgreSQL), then decisions in memory in batch order (a client created
//! earlier in the batch is known to a visit later in it). What to write — `sync_changes`,
//! `revisions`, the new current versions — is returned for the caller to write with its access
//! log ([`Tx::write_sync`](crate::store::Tx::write_sync): one statement on PostgreSQL).
//! Validation happens before anything is written, so no savepoints are needed: a change either
//! produces rows or a rejection.
//!
//! Rules (docs/design.md §3, §5): visits and trips are written by their author only (`author` /
//! `driver` is the device user's username; another author's record is `forbidden`); a visit's
//! client must exist and be visible to the sender (`unknown_reference`); clients are written only
//! in the sender's own teams and record space; places only in the sender's teams. The record
//! space (`org`) of a new record is the sender's organisation, assigned here, never taken from the
//! device. Visits, trips and places: last write by clock wins, every revision is kept, a late
//! older edit is stored as a revision only (still `applied`). Clients: merged per field group
//! ([`super::merge`]), only the groups a change set on purpose winning when it says which. Deletes are tombstones with a clock.
//!
//! Convergence: the pusher must end up holding the server's current version of every record it
//! changed. Pulls leave out a record only while it is exactly what this device last pushed
//! (`sync_device` is the sender and `sync_seq` is the row's sequence). So, per record, the last
//! change of the batch that applied decides: if it became current as pushed, the row is marked as
//! the sender's; otherwise, unless the stored version equals what was pushed anyway, the row
//! gets that change's sequence number and no `sync_device`, and the pull of this very request
//! carries it. Because that is written in the batch's transaction, a replay after a lost reply
//! (answered with `duplicate`, from the same cursor) pulls it again: no reply-only echo that a
//! cut connection could lose.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use uppsok_model::protocol::{Change, ChangeResult, RejectCode, Rejection, record_body};
use uppsok_model::{
    ChangeId, Client, ClientId, CodePattern, ConsentScope, DeviceId, Entity, Hlc, OrgId, Outcome,
    Record, StaffId, TeamId, Visit,
};
use uuid::Uuid;

use super::merge::{self, FieldMap, Stored};
use crate::access::{self, ClientFacts, RecordFacts, Viewer};
use crate::store::AuditAction;
use crate::store::sync::{RevisionRow, StoredOutcome, SyncChangeRow, SyncRow};
use crate::store::sync_writes::SyncWrites;
use crate::store::{AuditEntry, StampedEntry, StoreResult, Tx, now_ms};

/// How far ahead of the server's clock a change's stamp may be. Phones are often a day off
/// (docs/design.md §10); a stamp years ahead would win every conflict for ever.
pub const MAX_CLOCK_AHEAD: Duration = Duration::days(7);

/// Who is pushing, with what the rules need to know.
#[derive(Debug, Clone)]
pub struct Sender {
    pub device: DeviceId,
    pub staff: StaffId,
    pub username: String,
    pub org: OrgId,
    pub viewer: Viewer,
    /// Client-code patterns of the sender's teams.
    pub patterns: HashMap<TeamId, CodePattern>,
    /// For access-log entries.
    pub audit_base: AuditEntry,
    /// The app reads outcomes (`SyncRequest::knows_outcomes`); an older one is sent none.
    pub knows_outcomes: bool,
}

/// What applying a batch produced.
#[derive(Debug, Default)]
pub struct Applied {
    pub results: Vec<ChangeResult>,
    /// One access-log entry per applied change (places aside), see [`write_entry`].
    pub audit: Vec<StampedEntry>,
    /// What to write: the caller writes it with its access log and device update
    /// ([`Tx::write_sync`](crate::store::Tx::write_sync)).
    pub writes: SyncWrites,
    /// Clients whose consent this batch changed: their visits and outcomes move to new sequence
    /// numbers once written
    /// ([`Tx::resequence_client_records`](crate::store::Tx::resequence_client_records)).
    pub consent_changed: Vec<ClientId>,
    pub applied: i64,
    pub rejected: i64,
    /// The phone's access events as logged (the caller fills it in, see
    /// [`super::access_events`]).
    pub access_logged: Vec<crate::store::StampedEntry>,
}

/// The access-log entry of one applied change. Its id is derived from the record and the
/// change's clock stamp, which identify the write wherever it is sent from: a phone that sends
/// the same write again after the server was restored from a backup (see `docs/server.md`)
/// meets the entry the journal put back and logs nothing twice.
fn write_entry(sender: &Sender, ch: &Change, at_ms: i64, what: WriteFacts) -> StampedEntry {
    let key = format!("{}/{}/{}", ch.entity.as_str(), ch.record_id, ch.clock);
    StampedEntry {
        id: Uuid::new_v5(&WRITE_ENTRY_NAMESPACE, key.as_bytes()),
        at_ms,
        entry: AuditEntry {
            entity: Some(ch.entity),
            client: what.client,
            record: Some(ch.record_id),
            team: what.team,
            record_org: Some(what.record_org),
            action: what.action,
            ..sender.audit_base.clone()
        },
    }
}

/// The namespace of [`write_entry`]'s ids (a fixed random UUID: never change it, or a re-sent
/// write is logged twice).
const WRITE_ENTRY_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a4e_93d7_4b58_a0e2_5c8b_7d31_f4a9);

/// What a write's entry says besides the record.
struct WriteFacts {
    action: AuditAction,
    client: Option<ClientId>,
    team: Option<TeamId>,
    record_org: OrgId,
}

/// What one change does, once judged.
enum Decision {
    Reject(Rejection),
    /// Applied: a revision, and maybe a new current version.
    Apply {
        revision_body: String,
        deleted: bool,
        new_row: Option<Box<SyncRow>>,
        action: AuditAction,
        /// For the access log: the client, team and record space the change is about.
        client: Option<ClientId>,
        team: Option<TeamId>,
        record_org: OrgId,
        author: StaffId,
    },
    /// A delete of a record the server never had: nothing to store but the outcome.
    Nothing,
}

/// The teams of the clients a batch writes.
fn prepared_client_teams(parsed: &[Option<Result<Option<Record>, Rejection>>]) -> Vec<TeamId> {
    let mut teams: Vec<TeamId> = parsed
        .iter()
        .filter_map(|p| match p {
            Some(Ok(Some(Record::Client(c)))) => Some(c.team),
            _ => None,
        })
        .collect();
    teams.sort();
    teams.dedup();
    teams
}

/// Refuses a visit that names someone as present who never was a member of its team.
fn keep_staff_in_team(d: Decision, rosters: &HashMap<TeamId, HashSet<String>>) -> Decision {
    let Decision::Apply {
        new_row: Some(row), ..
    } = &d
    else {
        return d;
    };
    if row.entity != Entity::Visit || row.deleted {
        return d;
    }
    let staff: Vec<String> = serde_json::from_str::<serde_json::Value>(&row.body)
        .ok()
        .and_then(|b| serde_json::from_value(b["staff"].clone()).ok())
        .unwrap_or_default();
    let roster = row.team.and_then(|t| rosters.get(&t));
    if staff
        .iter()
        .all(|name| roster.is_some_and(|r| r.contains(name)))
    {
        return d;
    }
    reject(
        RejectCode::InvalidRecord,
        "staff: everyone present must be a member of the client's team",
    )
}

/// Refuses a client write whose code another live client of the team has; otherwise records
/// the code the write leaves (or frees it, for a delete) in `codes`.
fn keep_codes_unique(d: Decision, codes: &mut HashMap<(TeamId, String), Uuid>) -> Decision {
    let Decision::Apply {
        new_row: Some(row), ..
    } = &d
    else {
        return d;
    };
    if row.entity != Entity::Client {
        return d;
    }
    let id = row.id;
    let code = serde_json::from_str::<serde_json::Value>(&row.body)
        .ok()
        .and_then(|b| b["code"].as_str().map(str::to_owned));
    let taken = match (row.team, &code) {
        (Some(team), Some(code)) if !row.deleted => codes
            .get(&(team, code.clone()))
            .is_some_and(|other| *other != id),
        _ => false,
    };
    if taken {
        // The stored row keeps its code, so `codes` stays as it is.
        return reject(
            RejectCode::InvalidRecord,
            "code: another client of the team already has this code; choose another",
        );
    }
    codes.retain(|_, holder| *holder != id);
    if let (Some(team), Some(code), false) = (row.team, code, row.deleted) {
        codes.insert((team, code), id);
    }
    d
}

fn reject(code: RejectCode, reason: &str) -> Decision {
    Decision::Reject(Rejection::new(code, reason))
}

fn parse_clock(s: Option<&str>) -> Hlc {
    s.and_then(|s| s.parse().ok()).unwrap_or(Hlc::ZERO)
}

/// The clock of a stored row for last-writer-wins: its own, or the time of the write when
/// another path (the JSON API) wrote it after sync did.
fn row_clock(row: &SyncRow) -> Hlc {
    let own = parse_clock(row.clock.as_deref());
    if row.sync_seq == Some(row.seq) {
        own
    } else {
        own.max(foreign_clock(row))
    }
}

fn foreign_clock(row: &SyncRow) -> Hlc {
    Hlc {
        wall_ms: row.updated_ms,
        counter: 0,
        node: 0,
    }
}

/// What a client row shares with the other organisation: contacts (consent in force), and
/// outcomes too (its scope covers them).
fn sharing(row: &SyncRow) -> (bool, bool) {
    let outcomes = row.consent_given
        && serde_json::from_str::<Client>(&row.body)
            .is_ok_and(|c| c.consent.scope == ConsentScope::ContactsAndOutcomes);
    (row.consent_given, outcomes)
}

fn client_facts(row: &SyncRow) -> Option<ClientFacts> {
    Some(ClientFacts {
        team: row.team?,
        org: row.org,
        consent_given: row.consent_given,
    })
}

fn stored_outcome_result(id: ChangeId, s: &StoredOutcome) -> ChangeResult {
    let first = match &s.rejection {
        Some(r) => ChangeResult::rejected(id, r.clone()),
        None => ChangeResult::applied(id),
    };
    ChangeResult::duplicate_of(&first)
}

/// The checks of every change that need no database (parsing, model rules, clock, author),
/// done before the transaction so the write lock is held for as short as possible.
pub struct Prepared {
    checked: Vec<Result<Option<Record>, Rejection>>,
}

pub fn prepare(sender: &Sender, changes: &[Change], now: DateTime<Utc>) -> Prepared {
    Prepared {
        checked: changes.iter().map(|ch| precheck(sender, ch, now)).collect(),
    }
}

/// Applies `changes` (checked by [`prepare`]) inside `tx`. `cursor` is the request's pull
/// cursor (the merge uses it to tell stale values from edits).
pub async fn apply_batch(
    tx: &mut Tx,
    sender: &Sender,
    changes: &[Change],
    prepared: Prepared,
    cursor: i64,
) -> StoreResult<Applied> {
    let mut out = Applied::default();
    if changes.is_empty() {
        return Ok(out);
    }
    // One read before judging (`Tx::sync_reads`): the sequence lock first, so concurrent
    // writers serialise before reading what they merge into, with a sequence number reserved
    // for every change that passed the checks (an upper bound: replays and changes judged
    // later leave gaps, harmless since the cursor is "seen up to", not a count); then the
    // change ids seen before and the current rows of every record the batch names (and the
    // clients its visits refer to).
    let candidates = prepared.checked.iter().filter(|p| p.is_ok()).count() as i64;
    let ids: Vec<ChangeId> = changes.iter().map(|c| c.change_id).collect();
    let mut load: BTreeMap<Entity, Vec<Uuid>> = BTreeMap::new();
    let mut named: HashSet<(Entity, Uuid)> = HashSet::new();
    for (ch, p) in changes.iter().zip(&prepared.checked) {
        let Ok(rec) = p else { continue };
        let mut want = vec![(ch.entity, ch.record_id)];
        if let Some(Record::Visit(Visit { client, .. }) | Record::Outcome(Outcome { client, .. })) =
            rec
        {
            want.push((Entity::Client, client.0));
        }
        for (entity, id) in want {
            if named.insert((entity, id)) {
                load.entry(entity).or_default().push(id);
            }
        }
    }
    let reads = tx.sync_reads(candidates, &ids, &load).await?;
    let mut next_seq = reads.first_seq;
    let seen = reads.seen;
    let mut state: HashMap<(Entity, Uuid), SyncRow> = reads
        .rows
        .into_iter()
        .map(|row| ((row.entity, row.id), row))
        .collect();

    // First pass: set aside replays (and ids repeated within the batch).
    let mut checked = prepared.checked.into_iter();
    let mut parsed: Vec<Option<Result<Option<Record>, Rejection>>> =
        Vec::with_capacity(changes.len());
    let mut first_in_batch: HashMap<ChangeId, usize> = HashMap::new();
    for (i, ch) in changes.iter().enumerate() {
        let p = checked.next().unwrap_or_else(|| {
            Err(Rejection::new(
                RejectCode::InvalidRecord,
                "the change was not checked",
            ))
        });
        if seen.contains_key(&ch.change_id) || first_in_batch.contains_key(&ch.change_id) {
            parsed.push(None);
            continue;
        }
        first_in_batch.insert(ch.change_id, i);
        parsed.push(Some(p));
    }

    // Client codes are unique in a team (a phone finds a client by its code): the codes in use
    // in the teams of the batch's clients, kept current as the batch applies.
    let code_teams: Vec<TeamId> = prepared_client_teams(&parsed);
    let mut codes = if code_teams.is_empty() {
        HashMap::new()
    } else {
        tx.client_codes(&code_teams).await?
    };

    // Everyone named as present on a visit is or was in the visit's team (a typo in
    // `--with` or a stranger must not count for the team approach). Visits are only accepted
    // in the sender's teams, so those teams' rosters are all a batch can need.
    let has_visits = parsed
        .iter()
        .any(|p| matches!(p, Some(Ok(Some(Record::Visit(_))))));
    let rosters = if has_visits {
        let teams: Vec<TeamId> = sender.viewer.teams.iter().copied().collect();
        tx.team_rosters(&teams).await?
    } else {
        HashMap::new()
    };

    let consent_before: HashMap<Uuid, (bool, bool)> = state
        .iter()
        .filter(|((e, _), _)| *e == Entity::Client)
        .map(|((_, id), r)| (*id, sharing(r)))
        .collect();

    let mut results: Vec<Option<ChangeResult>> = vec![None; changes.len()];
    let mut sync_rows: Vec<SyncChangeRow> = Vec::new();
    let mut revisions: Vec<RevisionRow> = Vec::new();
    let mut dirty: Vec<(Entity, Uuid)> = Vec::new();
    // Per record: the last change of this batch that applied, its sequence, and whether it
    // wrote the current row.
    let mut last: HashMap<(Entity, Uuid), (usize, i64, bool)> = HashMap::new();
    let at_ms = now_ms();

    for (i, ch) in changes.iter().enumerate() {
        let Some(p) = parsed[i].take() else {
            let result = match seen.get(&ch.change_id) {
                Some(s) if s.staff == sender.staff => stored_outcome_result(ch.change_id, s),
                // Someone else's change id: answer without learning or revealing anything.
                Some(_) => ChangeResult::rejected(
                    ch.change_id,
                    Rejection::new(
                        RejectCode::Forbidden,
                        "this change id was already used by another user",
                    ),
                ),
                None => {
                    let first = first_in_batch
                        .get(&ch.change_id)
                        .and_then(|&j| results[j].clone());
                    match first {
                        Some(f) => ChangeResult::duplicate_of(&f),
                        None => ChangeResult::rejected(
                            ch.change_id,
                            Rejection::new(
                                RejectCode::InvalidRecord,
                                "duplicate change id in one batch",
                            ),
                        ),
                    }
                }
            };
            results[i] = Some(result);
            continue;
        };
        let decision = match p {
            Err(r) => Decision::Reject(r),
            Ok(rec) => {
                let seq = next_seq;
                let d = decide(sender, ch, rec, &state, cursor, seq);
                if matches!(d, Decision::Apply { .. }) {
                    next_seq += 1;
                }
                // A refusal after the sequence was taken leaves a gap, harmless (see above).
                let d = keep_codes_unique(d, &mut codes);
                keep_staff_in_team(d, &rosters)
            }
        };
        match decision {
            Decision::Reject(r) => {
                out.rejected += 1;
                sync_rows.push(SyncChangeRow {
                    change_id: ch.change_id,
                    device: sender.device,
                    staff: sender.staff,
                    entity: ch.entity,
                    record_id: ch.record_id,
                    rejection: Some(r.clone()),
                    seq: None,
                });
                results[i] = Some(ChangeResult::rejected(ch.change_id, r));
            }
            Decision::Nothing => {
                out.applied += 1;
                sync_rows.push(SyncChangeRow {
                    change_id: ch.change_id,
                    device: sender.device,
                    staff: sender.staff,
                    entity: ch.entity,
                    record_id: ch.record_id,
                    rejection: None,
                    seq: None,
                });
                results[i] = Some(ChangeResult::applied(ch.change_id));
            }
            Decision::Apply {
                revision_body,
                deleted,
                new_row,
                action,
                client,
                team,
                record_org,
                author,
            } => {
                let seq = next_seq - 1;
                out.applied += 1;
                sync_rows.push(SyncChangeRow {
                    change_id: ch.change_id,
                    device: sender.device,
                    staff: sender.staff,
                    entity: ch.entity,
                    record_id: ch.record_id,
                    rejection: None,
                    seq: Some(seq),
                });
                revisions.push(RevisionRow {
                    entity: ch.entity,
                    record_id: ch.record_id,
                    seq,
                    author,
                    org: record_org,
                    device: sender.device,
                    deleted,
                    body: revision_body,
                    clock: ch.clock.to_string(),
                    change_id: ch.change_id,
                });
                last.insert((ch.entity, ch.record_id), (i, seq, new_row.is_some()));
                if let Some(row) = new_row.map(|r| *r) {
                    let key = (row.entity, row.id);
                    if !dirty.contains(&key) {
                        dirty.push(key);
                    }
                    state.insert(key, row);
                }
                if ch.entity != Entity::Place {
                    out.audit.push(write_entry(
                        sender,
                        ch,
                        at_ms,
                        WriteFacts {
                            action,
                            client,
                            team,
                            record_org,
                        },
                    ));
                }
                results[i] = Some(ChangeResult::applied(ch.change_id));
            }
        }
    }

    // Convergence (see the module docs): a record whose last pushed version did not become
    // current moves to that change's sequence, marked as nobody's, so the sender pulls it.
    for (key, &(i, seq, wrote)) in &last {
        let Some(row) = state.get_mut(key) else {
            continue;
        };
        // A row this change wrote is marked as the sender's exactly when it is the pushed
        // version (see `decide`); one it did not write is compared.
        let holds = if wrote {
            row.sync_device == Some(sender.device)
        } else {
            holds_pushed(row, &changes[i])
        };
        if holds || wrote {
            // Written but not as pushed: it has this batch's sequence and no `sync_device`,
            // so it is pulled already.
            continue;
        }
        if row.sync_seq == Some(row.seq) {
            row.sync_seq = Some(seq);
        }
        row.seq = seq;
        row.sync_device = None;
        if !dirty.contains(key) {
            dirty.push(*key);
        }
    }

    // Consent given, withdrawn or widened to outcomes changes who sees the client's visits and
    // outcomes: the caller moves them to new sequence numbers (after writing) so the other
    // organisation's devices pull them (or their tombstones).
    for (entity, id) in &dirty {
        if *entity != Entity::Client {
            continue;
        }
        let now = state
            .get(&(Entity::Client, *id))
            .map_or((false, false), sharing);
        if consent_before.get(id).copied().unwrap_or((false, false)) != now {
            out.consent_changed.push(ClientId(*id));
        }
    }
    out.writes = SyncWrites {
        changes: sync_rows,
        revisions,
        rows: dirty.iter().filter_map(|k| state.remove(k)).collect(),
    };

    out.results = results
        .into_iter()
        .zip(changes)
        .map(|(r, ch)| {
            r.unwrap_or_else(|| {
                ChangeResult::rejected(
                    ch.change_id,
                    Rejection::new(RejectCode::InvalidRecord, "the change could not be judged"),
                )
            })
        })
        .collect();
    Ok(out)
}

/// Checks that need no stored data: the record parses, its clock is sane, and it names the
/// sender where it must. Model validation of clients waits for the team check in [`decide`].
fn precheck(sender: &Sender, ch: &Change, now: DateTime<Utc>) -> Result<Option<Record>, Rejection> {
    if ch.clock.wall_ms > (now + MAX_CLOCK_AHEAD).timestamp_millis() {
        return Err(Rejection::new(
            RejectCode::InvalidRecord,
            "clock: is more than 7 days ahead of the server's time (check the phone's date)",
        ));
    }
    let rec = ch.record()?;
    match &rec {
        Some(Record::Visit(v)) if v.author.as_str() != sender.username => Err(Rejection::new(
            RejectCode::Forbidden,
            "author: a visit can only be logged by its author (the author must be you)",
        )),
        Some(Record::Trip(t)) if t.driver.as_str() != sender.username => Err(Rejection::new(
            RejectCode::Forbidden,
            "driver: a trip can only be logged by its driver (the driver must be you)",
        )),
        Some(Record::Outcome(o)) if o.author.as_str() != sender.username => Err(Rejection::new(
            RejectCode::Forbidden,
            "author: an outcome can only be recorded by its author (the author must be you)",
        )),
        Some(r @ (Record::Visit(_) | Record::Trip(_) | Record::Place(_) | Record::Outcome(_))) => {
            r.validate(now, &CodePattern::default())?;
            Ok(rec)
        }
        _ => Ok(rec),
    }
}

/// Whether the stored `row` is what `ch` pushed (for a delete: a tombstone). A false "no" only
/// costs the sender one pull of a record it already has.
fn holds_pushed(row: &SyncRow, ch: &Change) -> bool {
    if ch.deleted {
        return row.deleted;
    }
    !row.deleted
        && ch.record.as_ref().is_some_and(|pushed| {
            serde_json::from_str::<Value>(&row.body).is_ok_and(|stored| &stored == pushed)
        })
}

fn body_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Judges one parsed change against the current state.
fn decide(
    sender: &Sender,
    ch: &Change,
    rec: Option<Record>,
    state: &HashMap<(Entity, Uuid), SyncRow>,
    cursor: i64,
    seq: i64,
) -> Decision {
    let cur = state.get(&(ch.entity, ch.record_id));
    let v = &sender.viewer;
    // Rights over an existing record.
    if let Some(cur) = cur {
        let allowed = match ch.entity {
            Entity::Visit | Entity::Trip | Entity::Outcome => cur.author == sender.staff,
            Entity::Client => client_facts(cur).is_some_and(|f| {
                cur.org == v.org && v.teams.contains(&f.team) && access::works_with_client_data(v)
            }),
            Entity::Place => cur
                .team
                .is_some_and(|team| access::may_see_place(v, &RecordFacts { team, org: cur.org })),
        };
        if !allowed {
            return reject(
                RejectCode::Forbidden,
                match ch.entity {
                    Entity::Visit => "only the author of this visit may change it",
                    Entity::Trip => "only the driver of this trip may change it",
                    Entity::Client => {
                        "you may change clients only in your own team and organisation"
                    }
                    Entity::Place => "you may change places only in your own team and organisation",
                    Entity::Outcome => "only the author of this outcome may change it",
                },
            );
        }
    }
    let clock = ch.clock;
    let now_ms = now_ms();
    let author = cur.map_or(sender.staff, |c| c.author);
    let org = cur.map_or(sender.org, |c| c.org);

    let Some(rec) = rec else {
        // A delete: a tombstone with the change's clock, if it is the newest word.
        let Some(cur) = cur else {
            return Decision::Nothing;
        };
        let cur_clock = if ch.entity == Entity::Client {
            row_clock(cur).max(
                cur.field_clocks
                    .as_deref()
                    .and_then(|m| serde_json::from_str::<FieldMap>(m).ok())
                    .map(|m| merge::newest(&m))
                    .unwrap_or(Hlc::ZERO),
            )
        } else {
            row_clock(cur)
        };
        let new_row = (clock > cur_clock && !cur.deleted).then(|| SyncRow {
            seq,
            deleted: true,
            updated_ms: now_ms,
            clock: Some(clock.to_string()),
            sync_seq: Some(seq),
            sync_device: Some(sender.device),
            ..cur.clone()
        });
        return Decision::Apply {
            revision_body: cur.body.clone(),
            deleted: true,
            new_row: new_row.map(Box::new),
            action: AuditAction::Delete,
            client: cur.client,
            team: cur.team,
            record_org: cur.org,
            author,
        };
    };

    let action = if cur.is_none_or(|c| c.deleted) {
        AuditAction::Create
    } else {
        AuditAction::Update
    };
    // Visits, trips and places: the last writer by clock wins; the pushed version is kept as a
    // revision either way (serialised once for both).
    let last_writer_wins = |entity: Entity,
                            team: TeamId,
                            client: Option<ClientId>,
                            start_ms: Option<i64>,
                            body: Value| {
        let text = body_text(&body);
        let new_row = cur.is_none_or(|c| clock > row_clock(c)).then(|| SyncRow {
            entity,
            id: ch.record_id,
            team: Some(team),
            org,
            author,
            client,
            start_ms,
            consent_given: false,
            seq,
            deleted: false,
            updated_ms: now_ms,
            body: text.clone(),
            clock: Some(clock.to_string()),
            field_clocks: None,
            sync_seq: Some(seq),
            sync_device: (ch.record.as_ref() == Some(&body)).then_some(sender.device),
        });
        Decision::Apply {
            revision_body: text,
            deleted: false,
            new_row: new_row.map(Box::new),
            action,
            client,
            team: Some(team),
            record_org: org,
            author,
        }
    };
    match rec {
        Record::Client(mut c) => {
            // The record space is the server's to assign.
            c.org = org;
            let Some(pattern) = sender.patterns.get(&c.team) else {
                return reject(
                    RejectCode::Forbidden,
                    "team: you may write clients only in your own teams",
                );
            };
            let facts = ClientFacts {
                team: c.team,
                org,
                consent_given: c.consent.in_force(crate::consent::today()),
            };
            if !access::may_write_client(v, &facts, cur.and_then(client_facts).as_ref()) {
                return reject(
                    RejectCode::Forbidden,
                    "you may write clients only in your own team and organisation",
                );
            }
            if let Err(e) = c.validate(pattern, chrono::Utc::now()) {
                return Decision::Reject(e.into());
            }
            let incoming = match record_body(&Record::Client(c.clone())) {
                Ok(b) => b,
                Err(_) => {
                    return reject(RejectCode::InvalidRecord, "the client could not be stored");
                }
            };
            let pushed_equals_stored = ch.record.as_ref() == Some(&incoming);
            let cur_body: Option<Value> = cur.and_then(|r| serde_json::from_str(&r.body).ok());
            let stored = match (cur, &cur_body) {
                (Some(r), Some(body)) => Some(Stored {
                    body,
                    map: r
                        .field_clocks
                        .as_deref()
                        .and_then(|m| serde_json::from_str(m).ok())
                        .unwrap_or_default(),
                    deleted: r.deleted,
                    clock: row_clock(r),
                    seq: r.seq,
                    foreign_clock: if r.sync_seq == Some(r.seq) {
                        parse_clock(r.clock.as_deref())
                    } else {
                        foreign_clock(r)
                    },
                }),
                _ => None,
            };
            let inc = merge::Incoming {
                body: &incoming,
                clock,
                edited: ch.edited.as_deref(),
                cursor,
            };
            let mut merged = merge::merge(stored.as_ref(), inc, seq);
            // Groups merged from different edits must still make a valid client; if they do
            // not, the newest edit is taken whole.
            let mut client: Option<uppsok_model::Client> =
                serde_json::from_value(merged.body.clone()).ok();
            let valid = client.as_ref().is_some_and(|m| {
                sender
                    .patterns
                    .get(&m.team)
                    .is_some_and(|p| m.validate(p, chrono::Utc::now()).is_ok())
            });
            if merged.changed && !valid {
                let newest = stored
                    .as_ref()
                    .map_or(Hlc::ZERO, |s| merge::newest(&s.map).max(s.clock));
                merged = if clock > newest {
                    merge::merge(None, inc, seq)
                } else {
                    merge::Merged {
                        body: cur_body.clone().unwrap_or_default(),
                        map: stored.as_ref().map(|s| s.map.clone()).unwrap_or_default(),
                        changed: false,
                    }
                };
                client = serde_json::from_value(merged.body.clone()).ok();
            }
            let new_row = match (merged.changed, client) {
                (true, Some(m)) => Some(SyncRow {
                    entity: Entity::Client,
                    id: ch.record_id,
                    team: Some(m.team),
                    org,
                    author,
                    client: Some(m.id),
                    start_ms: None,
                    consent_given: m.consent.in_force(crate::consent::today()),
                    seq,
                    deleted: false,
                    updated_ms: now_ms,
                    body: body_text(&merged.body),
                    clock: Some(merge::newest(&merged.map).to_string()),
                    field_clocks: serde_json::to_string(&merged.map).ok(),
                    sync_seq: Some(seq),
                    sync_device: (pushed_equals_stored && merged.body == incoming)
                        .then_some(sender.device),
                }),
                _ => None,
            };
            let team = new_row.as_ref().and_then(|r| r.team).or(Some(c.team));
            Decision::Apply {
                revision_body: body_text(&incoming),
                deleted: false,
                new_row: new_row.map(Box::new),
                action,
                client: Some(c.id),
                team,
                record_org: org,
                author,
            }
        }
        Record::Visit(visit) => {
            let Some(client) = state
                .get(&(Entity::Client, visit.client.0))
                .filter(|c| !c.deleted)
            else {
                return reject(
                    RejectCode::UnknownReference,
                    "client: the visit's client is not known to the server (or was deleted)",
                );
            };
            let Some(facts) = client_facts(client).filter(|f| access::may_see_client(v, f)) else {
                return reject(
                    RejectCode::UnknownReference,
                    "client: the visit's client is not known to the server or not visible to you",
                );
            };
            let body = record_body(&Record::Visit(visit.clone())).unwrap_or_default();
            last_writer_wins(
                Entity::Visit,
                facts.team,
                Some(visit.client),
                Some(visit.start.timestamp_millis()),
                body,
            )
        }
        Record::Outcome(outcome) => {
            let Some(facts) = state
                .get(&(Entity::Client, outcome.client.0))
                .filter(|c| !c.deleted)
                .and_then(client_facts)
                .filter(|f| access::may_see_client(v, f))
            else {
                return reject(
                    RejectCode::UnknownReference,
                    "client: the outcome's client is not known to the server or not visible to you",
                );
            };
            let day = outcome.day.and_time(chrono::NaiveTime::MIN).and_utc();
            let body = record_body(&Record::Outcome(outcome.clone())).unwrap_or_default();
            last_writer_wins(
                Entity::Outcome,
                facts.team,
                Some(outcome.client),
                Some(day.timestamp_millis()),
                body,
            )
        }
        Record::Trip(trip) => {
            let team = cur
                .and_then(|c| c.team)
                .filter(|t| v.teams.contains(t))
                .or_else(|| v.teams.iter().next().copied());
            let Some(team) = team else {
                return reject(
                    RejectCode::Forbidden,
                    "you are in no team, so you cannot log trips",
                );
            };
            let body = record_body(&Record::Trip(trip.clone())).unwrap_or_default();
            last_writer_wins(
                Entity::Trip,
                team,
                None,
                Some(trip.start.timestamp_millis()),
                body,
            )
        }
        Record::Place(place) => {
            let Some(team) = place.team.filter(|t| v.teams.contains(t)) else {
                return reject(
                    RejectCode::Forbidden,
                    "team: places pushed from a phone must belong to one of your teams",
                );
            };
            let body = record_body(&Record::Place(place.clone())).unwrap_or_default();
            last_writer_wins(Entity::Place, team, None, None, body)
        }
    }
}
