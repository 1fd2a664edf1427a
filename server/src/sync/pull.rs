//! The pull half of a sync: the changes a device's user may see since its cursor, in server
//! sequence order, filtered by exactly the rules of [`crate::access`] (docs/design.md §3).
//!
//! The scan reads the current version of each record (a record edited ten times since the
//! cursor is sent once), limited to the user's teams in SQL and judged row by row in Rust. The
//! next cursor is the last sequence *scanned*, not the last one sent, so rows the user may not
//! see are skipped for good without being re-read; with nothing more to scan it is the counter's
//! committed value, read before the scan so a change committing meanwhile is never jumped over.
//!
//! What a device receives:
//! * records it may see, visits of the other organisation without their `note`;
//! * tombstones (`deleted`, no record) for deleted records it may see, and for clients and
//!   visits of its teams that belong to the other organisation and are not shared (consent
//!   withdrawn or never given), so a phone that held them while consent was given drops them.
//!   A tombstone carries ids only, never content;
//! * not a record whose current version is exactly what this device pushed last for it (the
//!   phone holds it): `sync_device` is the device and `sync_seq` the row's sequence. Every
//!   other version, a merge or a change that lost included, is pulled like anyone's; apply
//!   moves a record whose pushed change did not become current to a new sequence, so the
//!   pusher pulls it even if its cursor had passed the record (see [`super::apply`]);
//! * tombstones for the records of a team the user *left* (`crate::store::Tx::team_exits_after`:
//!   the records were moved above the phone's cursor when the user was taken off the team), so
//!   the phone keeps nothing of it — except the user's own trips, which are their körjournal.
//!   A team the user *joined* needs nothing here: its records were moved above the cursor too,
//!   and are judged like any others.

use std::collections::BTreeMap;

use serde_json::Value;
use uppsok_model::protocol::RemoteChange;
use uppsok_model::{ClientId, Entity, Hlc, OrgId, TeamId};

use super::apply::Sender;
use crate::access::{self, ClientFacts, RecordFacts, Viewer};
use crate::store::AuditAction;
use crate::store::sync::PullRow;
use crate::store::{AuditEntry, StoreResult, Tx};

/// What the pull decided inside the transaction; [`render`] turns it into wire changes after
/// the commit, so the JSON work is done without holding the write lock.
#[derive(Debug, Default)]
pub struct Pulled {
    pub rows: Vec<(PullRow, Verdict)>,
    pub cursor: i64,
    pub has_more: bool,
    pub audit: Vec<AuditEntry>,
    /// The cursor was beyond the counter: the database was restored from a backup.
    pub restored: bool,
}

/// Pulled rows are logged once per entity, client, team and record space.
type ReadKey = (Entity, Option<ClientId>, Option<TeamId>, OrgId);

#[derive(Debug, Clone, Copy)]
pub enum Verdict {
    Send { strip_note: bool },
    Tombstone,
    Skip,
}

/// What `v`'s phone gets of `row`: the one place the pull's visibility is decided (the history
/// route for older contacts asks it too).
pub(crate) fn judge(v: &Viewer, row: &PullRow) -> Verdict {
    let in_team = row.team.is_some_and(|t| v.teams.contains(&t));
    let hidden_by_consent = in_team && access::works_with_client_data(v) && row.org != v.org;
    // A client or visit of the other organisation is dropped from a phone only if the phone
    // could hold it, i.e. the client was shared at some time; otherwise even a tombstone would
    // tell the other organisation that the record exists (and, by its UUIDv7, since when).
    let may_be_held = hidden_by_consent && row.client_shared_once.unwrap_or(false);
    match row.entity {
        Entity::Client => {
            let facts = row.team.map(|team| ClientFacts {
                team,
                org: row.org,
                consent_given: row.client_consent.unwrap_or(false),
            });
            if facts.is_some_and(|f| access::may_see_client(v, &f)) {
                Verdict::Send { strip_note: false }
            } else if may_be_held {
                Verdict::Tombstone
            } else {
                Verdict::Skip
            }
        }
        // An outcome follows its client's contacts: its author's record space, across
        // organisations while the client's consent to share is given.
        Entity::Visit | Entity::Outcome => {
            let Some(team) = row.team else {
                return Verdict::Skip;
            };
            let rf = RecordFacts { team, org: row.org };
            let cf = match (row.client_team, row.client_org, row.client_consent) {
                (Some(team), Some(org), Some(consent_given)) => Some(ClientFacts {
                    team,
                    org,
                    consent_given,
                }),
                _ => None,
            };
            let visible = match row.entity {
                Entity::Outcome => access::may_see_outcome(v, &rf, cf.as_ref()),
                _ => access::may_see_visit(v, &rf, cf.as_ref()),
            };
            if visible {
                Verdict::Send {
                    strip_note: !access::may_see_note(v, &rf, cf.as_ref()),
                }
            } else if may_be_held {
                Verdict::Tombstone
            } else {
                Verdict::Skip
            }
        }
        Entity::Trip => match row.team {
            Some(team) if access::may_see_trip(v, &RecordFacts { team, org: row.org }) => {
                Verdict::Send { strip_note: false }
            }
            _ => Verdict::Skip,
        },
        // A team's places are its author's organisation's (a client's name at house-level
        // coordinates is client data); the other organisation's phones drop any copy they got
        // before this rule. Gazetteer entries (no team) go to everyone.
        Entity::Place => match row.team {
            None => Verdict::Send { strip_note: false },
            Some(team) if access::may_see_place(v, &RecordFacts { team, org: row.org }) => {
                Verdict::Send { strip_note: false }
            }
            Some(_) if hidden_by_consent => Verdict::Tombstone,
            Some(_) => Verdict::Skip,
        },
    }
}

/// A record of a team the user left: the phone drops it, but keeps the user's own trips.
fn judge_left(sender: &Sender, row: &PullRow) -> Verdict {
    if row.entity == Entity::Trip && row.author == sender.staff {
        Verdict::Skip
    } else {
        Verdict::Tombstone
    }
}

fn clock_of(row: &PullRow) -> Hlc {
    let own = row.clock.as_deref().and_then(|c| c.parse().ok());
    let written_elsewhere = Hlc {
        wall_ms: row.updated_ms,
        counter: 0,
        node: 0,
    };
    match own {
        Some(c) if row.sync_seq == Some(row.seq) => c,
        Some(c) => c.max(written_elsewhere),
        None => written_elsewhere,
    }
}

/// Pulls at most `limit` changes after `cursor` for `sender`, inside `tx`, and records the
/// cursor handed out on the device. `last_cursor` is the one the device was handed before.
pub async fn pull(
    tx: &mut Tx,
    sender: &Sender,
    cursor: i64,
    limit: usize,
    last_cursor: Option<i64>,
) -> StoreResult<Pulled> {
    let upto = tx.seq_now().await?;
    // A device never holds a cursor above the last one it was handed. One that does got it
    // from a history this database lacks: the database was restored from a backup taken after
    // the device last synced (a cursor beyond the counter says the same, for a device not yet
    // seen since migration 0006). The device is told so and sends again what it wrote, which
    // the backup may lack (`SyncResponse::restored`); and it pulls again from the cursor it
    // had when the backup was taken — the only time its cursor goes back — since the sequence
    // numbers handed out after the restore repeat ones it saw in the lost history.
    let restored = match last_cursor {
        Some(last) => cursor > last,
        None => cursor > upto,
    };
    let cursor = if restored {
        last_cursor.unwrap_or(0).clamp(0, upto)
    } else {
        cursor
    };
    let pulled = pull_from(tx, sender, cursor, upto, limit).await?;
    tx.record_handed_cursor(sender.device, pulled.cursor, restored)
        .await?;
    Ok(Pulled { restored, ..pulled })
}

async fn pull_from(
    tx: &mut Tx,
    sender: &Sender,
    cursor: i64,
    upto: i64,
    limit: usize,
) -> StoreResult<Pulled> {
    if cursor >= upto {
        return Ok(Pulled {
            cursor: upto,
            ..Pulled::default()
        });
    }
    let teams: Vec<TeamId> = sender.viewer.teams.iter().copied().collect();
    let left = tx.team_exits_after(sender.staff, cursor).await?;
    // `true`: a record of a team the user left.
    let mut rows: Vec<(PullRow, bool)> = Vec::new();
    for entity in Entity::ALL {
        // An app from before outcomes would fail on the whole response; it never gets one.
        if entity == Entity::Outcome && !sender.knows_outcomes {
            continue;
        }
        let teamless = entity == Entity::Place;
        let scan = tx
            .pull_scan(entity, cursor, upto, &teams, teamless, limit as i64 + 1)
            .await?;
        rows.extend(scan.into_iter().map(|r| (r, false)));
        if !left.is_empty() {
            let scan = tx
                .pull_scan(entity, cursor, upto, &left, false, limit as i64 + 1)
                .await?;
            rows.extend(scan.into_iter().map(|r| (r, true)));
        }
    }
    rows.sort_by_key(|(r, _)| r.seq);
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let next = if has_more {
        rows.last().map_or(upto, |(r, _)| r.seq)
    } else {
        upto
    };

    let mut kept = Vec::with_capacity(rows.len());
    let mut reads: BTreeMap<ReadKey, Vec<uuid::Uuid>> = BTreeMap::new();
    for (row, in_left_team) in rows {
        if row.sync_device == Some(sender.device) && row.sync_seq == Some(row.seq) {
            continue;
        }
        let verdict = if in_left_team {
            judge_left(sender, &row)
        } else {
            judge(&sender.viewer, &row)
        };
        match verdict {
            Verdict::Skip => continue,
            // Every read of a team's record is logged; the public gazetteer's are not.
            Verdict::Send { .. } if !row.deleted && row.team.is_some() => {
                reads
                    .entry((row.entity, row.client, row.team, row.org))
                    .or_default()
                    .push(row.id);
            }
            _ => {}
        }
        kept.push((row, verdict));
    }
    let audit = reads
        .into_iter()
        .map(|((entity, client, team, record_org), ids)| AuditEntry {
            entity: Some(entity),
            client,
            record: (ids.len() == 1).then(|| ids[0]),
            team,
            record_org: Some(record_org),
            action: AuditAction::Read,
            ..sender.audit_base.clone()
        })
        .collect();
    Ok(Pulled {
        rows: kept,
        cursor: next,
        has_more,
        audit,
        restored: false,
    })
}

/// The wire form of what [`pull`] kept: bodies parsed, notes removed where the rules say so,
/// tombstones without their record.
pub fn render(rows: Vec<(PullRow, Verdict)>) -> Vec<RemoteChange> {
    let mut changes = Vec::with_capacity(rows.len());
    for (row, verdict) in rows {
        let (deleted, record) = match verdict {
            Verdict::Skip => continue,
            Verdict::Tombstone => (true, None),
            Verdict::Send { .. } if row.deleted => (true, None),
            Verdict::Send { strip_note } => {
                let Ok(mut body) = serde_json::from_str::<Value>(&row.body) else {
                    tracing::warn!(entity = %row.entity, seq = row.seq, "stored record body is not JSON; not sent");
                    continue;
                };
                if strip_note && let Some(obj) = body.as_object_mut() {
                    obj.remove("note");
                }
                (false, Some(body))
            }
        };
        changes.push(RemoteChange {
            seq: row.seq.max(0) as u64,
            entity: row.entity,
            record_id: row.id,
            clock: clock_of(&row),
            deleted,
            record,
        });
    }
    changes
}
