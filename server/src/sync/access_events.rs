//! Access a phone recorded (docs/sync-server.md, "Access on the phone"): the
//! openings of a client, of a client's history and the exports a phone made, offline or not,
//! sent up with its syncs ([`SyncRequest::access_events`](uppsok_model::protocol::SyncRequest))
//! and written into the access log exactly once.
//!
//! * **Exactly once.** An event's id, chosen on the phone, becomes the access-log entry's id
//!   (`audit_log.entry_id`, unique since migration 0016), inserted with "skip what is there":
//!   a replay after a lost reply, or an event sent twice in one request, adds nothing. The
//!   reply names every event of the request (`access_logged`) whether it was written now or
//!   before, so the phone can forget them.
//! * **Evidence, not permission.** An event is logged whatever the access rules say today: it
//!   records what the phone showed, from data the server had sent it, and at the event's time
//!   the user may well have been allowed (a consent withdrawn or a team left since). The entry
//!   carries the client's team and record space, so the client's own supervisors find it, and
//!   the access-log page marks a reader outside the client's team as it does for every entry.
//!   An event about a client the server does not know (its creation was refused) is logged
//!   with the client id only.
//! * **The phone's time, bounded.** The entry's time is the event's, as the phone's clock read
//!   it; one more than [`MAX_AHEAD_MS`] ahead of the server is put at the server's time
//!   instead (a phone cannot place an access in the future of the log). Older times are kept:
//!   a phone may sync days after it was used offline.

use std::collections::{HashMap, HashSet};

use uppsok_model::{AccessEvent, AccessKind, ClientId, Entity};

use super::apply::Sender;
use crate::access::ClientFacts;
use crate::store::{AuditAction, StampedEntry, Via};

/// How far ahead of the server's clock a phone's event time may be before it is clamped.
pub const MAX_AHEAD_MS: i64 = 5 * 60 * 1000;

/// The access-log action and entity an event becomes.
pub fn action_of(what: AccessKind) -> (AuditAction, Option<Entity>) {
    match what {
        AccessKind::OpenClient => (AuditAction::Read, Some(Entity::Client)),
        AccessKind::OpenHistory => (AuditAction::List, Some(Entity::Visit)),
        AccessKind::Export => (AuditAction::Export, None),
    }
}

/// The entries for `events` (each id once), stamped with the event's id and (bounded) time.
/// `clients` holds what the server knows of the clients they name.
pub fn entries(
    sender: &Sender,
    events: &[AccessEvent],
    clients: &HashMap<ClientId, ClientFacts>,
    now_ms: i64,
) -> Vec<StampedEntry> {
    let mut seen = HashSet::new();
    events
        .iter()
        .filter(|e| seen.insert(e.id))
        .map(|e| {
            let (action, entity) = action_of(e.what);
            let facts = clients.get(&e.client);
            let mut entry = sender.audit_base.clone();
            entry.via = Via::Phone;
            entry.action = action;
            entry.entity = entity;
            entry.client = Some(e.client);
            entry.record = None;
            entry.team = facts.map(|f| f.team);
            entry.record_org = facts.map(|f| f.org);
            let at_ms = if e.at_ms > now_ms + MAX_AHEAD_MS {
                now_ms
            } else {
                e.at_ms
            };
            StampedEntry {
                id: e.id,
                at_ms,
                entry,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Viewer;
    use crate::store::AuditEntry;
    use uppsok_model::{DeviceId, OrgId, Role, StaffId, TeamId};
    use uuid::Uuid;

    fn sender() -> Sender {
        let (staff, org, device) = (StaffId::new(), OrgId::new(), DeviceId::new());
        Sender {
            device,
            staff,
            username: "anna".into(),
            org,
            viewer: Viewer {
                staff,
                org,
                role: Role::CaseManager,
                teams: Default::default(),
            },
            patterns: HashMap::new(),
            audit_base: AuditEntry {
                actor_staff: staff,
                actor_username: "anna".into(),
                actor_org: org,
                device: Some(device),
                via: Via::Sync,
                action: AuditAction::Read,
                entity: None,
                client: None,
                record: None,
                team: None,
                record_org: None,
                auth: None,
            },
            knows_outcomes: true,
        }
    }

    fn event(at_ms: i64, client: ClientId, what: AccessKind) -> AccessEvent {
        AccessEvent::new(Uuid::now_v7(), at_ms, client, what).unwrap()
    }

    #[test]
    fn events_become_phone_entries_once_with_the_phones_time_bounded() {
        let s = sender();
        let now = 1_800_000_000_000;
        let (known, unknown) = (ClientId::new(), ClientId::new());
        let facts = ClientFacts {
            team: TeamId::new(),
            org: OrgId::new(),
            consent_given: false,
        };
        let clients = HashMap::from([(known, facts)]);
        let offline = event(now - 86_400_000, known, AccessKind::OpenClient);
        let ahead = event(now + MAX_AHEAD_MS + 1, known, AccessKind::OpenHistory);
        let slightly = event(now + MAX_AHEAD_MS, unknown, AccessKind::Export);
        let out = entries(&s, &[offline, ahead, slightly, offline], &clients, now);
        assert_eq!(out.len(), 3, "an id sent twice is one entry");
        assert_eq!(
            out.iter().map(|e| (e.id, e.at_ms)).collect::<Vec<_>>(),
            vec![
                (offline.id, offline.at_ms),
                (ahead.id, now),
                (slightly.id, slightly.at_ms)
            ]
        );
        for e in &out {
            assert_eq!(e.entry.via, Via::Phone);
            assert_eq!(e.entry.device, Some(s.device));
            assert_eq!(e.entry.actor_staff, s.staff);
        }
        assert_eq!(
            (out[0].entry.action, out[0].entry.entity),
            (AuditAction::Read, Some(Entity::Client))
        );
        assert_eq!(
            (out[1].entry.action, out[1].entry.entity),
            (AuditAction::List, Some(Entity::Visit))
        );
        assert_eq!(out[2].entry.action, AuditAction::Export);
        // The client's team and record space, so its supervisors find the entry; none for a
        // client the server does not know.
        assert_eq!(
            (out[0].entry.team, out[0].entry.record_org),
            (Some(facts.team), Some(facts.org))
        );
        assert_eq!(out[2].entry.client, Some(unknown));
        assert_eq!((out[2].entry.team, out[2].entry.record_org), (None, None));
    }
}
