//! How a pushed client record is merged into the stored one, per field group, by clock
//! (docs/design.md §5, docs/sync-server.md "Conflicts"). Pure, so the rules are tested without
//! a database, property tests included.
//!
//! A change carries the *whole* record, not a diff, so "the change's fields win where its clock
//! is newer" needs care: a phone that edited only `next_contact` still sends the `phase` it had,
//! which may be stale. A phone therefore says which groups it set on purpose
//! (`Change::edited`: those whose value differs from what it held before the edit). Only those
//! groups can win, each when the change's clock is newer than the group's stamp; the others are
//! carried and never win. So a deliberate revert (setting a group back to a value it had) wins
//! like any edit, and a stale carry never does, whatever the phone's cursor.
//!
//! A change without `edited` (an older app, or a record re-sent after a restore) falls back to
//! telling edits from carried values by the request's cursor: a group counts as written only
//! when its value differs from the stored one, and not when it equals the value the group had
//! *before* its current value was written by a change the phone could not have seen yet (its
//! sequence is above the cursor). That rule cannot tell a revert from a stale carry.
//!
//! The groups are [`CLIENT_GROUPS`] of the model (the phone computes `edited` with the same
//! list). `id` and `org` never merge: the id is the record and the record space is assigned by
//! the server.
//!
//! Each group's stamp keeps its clock, the sequence that wrote it, and hashes of its current and
//! previous value (hashes, so the map beside the record holds no second copy of a name).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uppsok_model::Hlc;
use uppsok_model::protocol::{CLIENT_GROUPS as GROUPS, client_group_value as group_value};

/// The stamp of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The clock of the change that wrote the current value.
    pub c: Hlc,
    /// The server sequence that wrote it.
    pub s: i64,
    /// Hash of the current value.
    pub h: String,
    /// Hash of the value before it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<String>,
}

pub type FieldMap = BTreeMap<String, Stamp>;

/// The stored client as the merge sees it.
#[derive(Debug, Clone)]
pub struct Stored<'a> {
    pub body: &'a Value,
    pub map: FieldMap,
    pub deleted: bool,
    /// The row's own clock (the newest stamp, or a deletion's).
    pub clock: Hlc,
    pub seq: i64,
    /// The clock to give groups whose stored value no stamp explains (written by the JSON API
    /// or before sync existed): the time of that write.
    pub foreign_clock: Hlc,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub body: Value,
    pub map: FieldMap,
    /// Whether any group took the incoming value (or the record was created or resurrected).
    pub changed: bool,
}

fn hash(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

/// The stamps of a record taken whole from one change.
pub fn fresh_map(body: &Value, clock: Hlc, seq: i64) -> FieldMap {
    GROUPS
        .iter()
        .map(|(g, fields)| {
            (
                (*g).to_owned(),
                Stamp {
                    c: clock,
                    s: seq,
                    h: hash(&group_value(body, fields)),
                    p: None,
                },
            )
        })
        .collect()
}

/// The newest clock among the stamps.
pub fn newest(map: &FieldMap) -> Hlc {
    map.values().map(|s| s.c).max().unwrap_or(Hlc::ZERO)
}

/// What a pushed client says about itself besides its body.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The whole client as pushed.
    pub body: &'a Value,
    pub clock: Hlc,
    /// The groups the change set on purpose (`Change::edited`); `None`: unknown.
    pub edited: Option<&'a [String]>,
    /// The sequence the pushing device had pulled up to (used only when `edited` is unknown).
    pub cursor: i64,
}

/// Merges `incoming` into `stored`; `seq` is the sequence this change gets.
pub fn merge(stored: Option<&Stored<'_>>, inc: Incoming<'_>, seq: i64) -> Merged {
    let Incoming {
        body: incoming,
        clock,
        edited,
        cursor,
    } = inc;
    let whole = || Merged {
        body: incoming.clone(),
        map: fresh_map(incoming, clock, seq),
        changed: true,
    };
    let Some(st) = stored else {
        return whole();
    };
    if st.deleted {
        // A tombstone is one stamp for the whole record: only a newer edit brings it back.
        return if clock > st.clock {
            whole()
        } else {
            Merged {
                body: st.body.clone(),
                map: st.map.clone(),
                changed: false,
            }
        };
    }
    let mut body = st.body.clone();
    let mut map = FieldMap::new();
    let mut changed = false;
    for (g, fields) in GROUPS {
        let cur_value = group_value(st.body, fields);
        let cur_hash = hash(&cur_value);
        let stamp = match st.map.get(*g) {
            Some(s) if s.h == cur_hash => s.clone(),
            // The stored value was written by another path (the JSON API) after the last sync
            // write: it gets the time of that write as its clock.
            other => Stamp {
                c: st.foreign_clock,
                s: st.seq,
                h: cur_hash.clone(),
                p: other.map(|s| s.h.clone()),
            },
        };
        let in_value = group_value(incoming, fields);
        let in_hash = hash(&in_value);
        let wins = match edited {
            // Set on purpose: the newer clock wins, even with the value the group has (the
            // stamp moves, so an older concurrent edit arriving later still loses to it).
            Some(edited) => edited.iter().any(|e| e == g) && clock > stamp.c,
            None => {
                let stale_carry = stamp.p.as_deref() == Some(in_hash.as_str()) && stamp.s > cursor;
                in_hash != stamp.h && !stale_carry && clock > stamp.c
            }
        };
        if wins {
            if let (Some(obj), Value::Array(vals)) = (body.as_object_mut(), &in_value) {
                for (f, v) in fields.iter().zip(vals) {
                    obj.insert((*f).to_owned(), v.clone());
                }
            }
            map.insert(
                (*g).to_owned(),
                Stamp {
                    c: clock,
                    s: seq,
                    p: if in_hash == stamp.h {
                        stamp.p.clone()
                    } else {
                        Some(stamp.h.clone())
                    },
                    h: in_hash,
                },
            );
            changed = true;
        } else {
            map.insert((*g).to_owned(), stamp);
        }
    }
    Merged { body, map, changed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uppsok_model::HlcClock;
    use uppsok_model::protocol::client_groups_edited;

    fn hlc(ms: i64, node: u32) -> Hlc {
        Hlc {
            wall_ms: ms,
            counter: 0,
            node,
        }
    }

    fn base() -> Value {
        json!({"id": "c1", "team": "t1", "code": "K-001", "name": "Aino", "org": "o1",
               "phase": "intake", "closed_reason": null, "next_contact": null,
               "consent": {"state": "none", "date": null, "recorded_by": null}})
    }

    fn stored_from(body: &Value, clock: Hlc, seq: i64) -> (Value, FieldMap) {
        (body.clone(), fresh_map(body, clock, seq))
    }

    fn st<'a>(body: &'a Value, map: &FieldMap, seq: i64) -> Stored<'a> {
        Stored {
            body,
            map: map.clone(),
            deleted: false,
            clock: newest(map),
            seq,
            foreign_clock: hlc(0, 0),
        }
    }

    /// A change from an app that does not say which groups it edited.
    fn legacy(body: &Value, clock: Hlc, cursor: i64) -> Incoming<'_> {
        Incoming {
            body,
            clock,
            edited: None,
            cursor,
        }
    }

    /// A change that says it set `edited` on purpose.
    fn marked<'a>(body: &'a Value, clock: Hlc, edited: &'a [String]) -> Incoming<'a> {
        Incoming {
            body,
            clock,
            edited: Some(edited),
            cursor: 0,
        }
    }

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn concurrent_edits_of_different_fields_both_survive() {
        // Both phones pulled the base at seq 1; A sets the phase, then B (who has not seen A's
        // change) sets next_contact with a newer clock and carries the old phase.
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut a = base();
        a["phase"] = json!("active");
        let after_a = merge(Some(&st(&b0, &m0, 1)), legacy(&a, hlc(200, 2), 1), 2);
        assert!(after_a.changed);
        let mut b = base();
        b["next_contact"] = json!("2026-12-01");
        let after_b = merge(
            Some(&st(&after_a.body, &after_a.map, 2)),
            legacy(&b, hlc(300, 3), 1),
            3,
        );
        assert_eq!(
            after_b.body["phase"], "active",
            "stale carry must not revert A"
        );
        assert_eq!(after_b.body["next_contact"], "2026-12-01");
        // The same with marked changes: the carried phase is not among B's edits.
        let nc = groups(&["next_contact"]);
        let marked_b = merge(
            Some(&st(&after_a.body, &after_a.map, 2)),
            marked(&b, hlc(300, 3), &nc),
            3,
        );
        assert_eq!(marked_b.body["phase"], "active");
        assert_eq!(marked_b.body["next_contact"], "2026-12-01");
    }

    #[test]
    fn same_field_newer_clock_wins_and_late_older_edit_loses() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut x = base();
        x["name"] = json!("X");
        let mut y = base();
        y["name"] = json!("Y");
        // Y is newer and a real edit (not the previous value): wins even though it was concurrent.
        let m1 = merge(Some(&st(&b0, &m0, 1)), legacy(&x, hlc(200, 2), 1), 2);
        let m2 = merge(
            Some(&st(&m1.body, &m1.map, 2)),
            legacy(&y, hlc(300, 3), 1),
            3,
        );
        assert_eq!(m2.body["name"], "Y");
        // The other order: the newer arrives first, the older arrives late and loses.
        let n1 = merge(Some(&st(&b0, &m0, 1)), legacy(&y, hlc(300, 3), 1), 2);
        let n2 = merge(
            Some(&st(&n1.body, &n1.map, 2)),
            legacy(&x, hlc(200, 2), 1),
            3,
        );
        assert_eq!(n2.body["name"], "Y");
        assert!(!n2.changed);
    }

    #[test]
    fn a_deliberate_revert_after_seeing_the_change_wins() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut a = base();
        a["phase"] = json!("active");
        let m1 = merge(Some(&st(&b0, &m0, 1)), legacy(&a, hlc(200, 2), 1), 2);
        // B pulled seq 2 (cursor 2) and set the phase back.
        let m2 = merge(
            Some(&st(&m1.body, &m1.map, 2)),
            legacy(&base(), hlc(300, 3), 2),
            3,
        );
        assert_eq!(m2.body["phase"], "intake");
    }

    #[test]
    fn a_marked_revert_wins_whatever_the_cursor() {
        // The two cases the cursor rule gets wrong (docs/sync-server.md, "Conflicts").
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut active = base();
        active["phase"] = json!("active");
        let phase = groups(&["phase"]);
        // 1. A phone sets the phase and back again in one batch (cursor 1, both above it).
        let m1 = merge(
            Some(&st(&b0, &m0, 1)),
            marked(&active, hlc(200, 2), &phase),
            2,
        );
        let legacy_revert = merge(
            Some(&st(&m1.body, &m1.map, 2)),
            legacy(&base(), hlc(210, 2), 1),
            3,
        );
        assert_eq!(
            legacy_revert.body["phase"], "active",
            "the cursor rule takes the revert for a stale carry"
        );
        let revert = merge(
            Some(&st(&m1.body, &m1.map, 2)),
            marked(&base(), hlc(210, 2), &phase),
            3,
        );
        assert_eq!(revert.body["phase"], "intake");
        assert_eq!(revert.map["phase"].c, hlc(210, 2));
        // 2. A colleague's edit was pulled, but the phone's cursor is held below it (a change
        // of the record was waiting); the phone sets the phase back.
        let held = merge(
            Some(&st(&m1.body, &m1.map, 2)),
            marked(&base(), hlc(300, 3), &phase),
            3,
        );
        assert_eq!(held.body["phase"], "intake");
        // A stale carry of the same value, not marked, still loses.
        let nc = groups(&["next_contact"]);
        let mut carry = base();
        carry["next_contact"] = json!("2026-12-24");
        let stale = merge(
            Some(&st(&m1.body, &m1.map, 2)),
            marked(&carry, hlc(300, 3), &nc),
            3,
        );
        assert_eq!(stale.body["phase"], "active");
        assert_eq!(stale.body["next_contact"], "2026-12-24");
    }

    #[test]
    fn consent_and_phase_groups_move_together() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut a = base();
        a["phase"] = json!("closed");
        a["closed_reason"] = json!("Flyttat");
        a["consent"] = json!({"state": "given", "date": "2026-11-01", "recorded_by": "anna"});
        let m = merge(Some(&st(&b0, &m0, 1)), legacy(&a, hlc(200, 2), 1), 2);
        assert_eq!(m.body["closed_reason"], "Flyttat");
        assert_eq!(m.body["consent"]["state"], "given");
        assert_eq!(m.map["consent"].c, hlc(200, 2));
        assert_eq!(m.map["name"].c, hlc(100, 1));
    }

    #[test]
    fn tombstones_hold_against_older_edits() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut s = st(&b0, &m0, 2);
        s.deleted = true;
        s.clock = hlc(200, 1);
        let all = groups(&["name", "phase"]);
        assert!(!merge(Some(&s), legacy(&base(), hlc(150, 2), 1), 3).changed);
        assert!(!merge(Some(&s), marked(&base(), hlc(150, 2), &all), 3).changed);
        assert!(merge(Some(&s), legacy(&base(), hlc(250, 2), 1), 3).changed);
    }

    #[test]
    fn values_written_by_the_api_get_the_time_of_that_write() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut api = b0.clone();
        api["name"] = json!("Via API");
        let mut s = st(&api, &m0, 5);
        s.foreign_clock = hlc(500, 0);
        let mut older = base();
        older["name"] = json!("Old phone edit");
        let m = merge(Some(&s), legacy(&older, hlc(400, 2), 5), 6);
        assert_eq!(m.body["name"], "Via API");
        let newer = merge(Some(&s), legacy(&older, hlc(600, 2), 5), 6);
        assert_eq!(newer.body["name"], "Old phone edit");
        let name = groups(&["name"]);
        assert_eq!(
            merge(Some(&s), marked(&older, hlc(400, 2), &name), 6).body["name"],
            "Via API"
        );
    }

    /// Random interleavings of two and three phones editing one client: the property the merge
    /// promises (docs/sync-server.md, "Conflicts").
    mod interleavings {
        use super::*;
        use proptest::prelude::*;

        /// Three values per group, so phones often set a group back to a value it had.
        fn value(group: usize, k: usize) -> Vec<Value> {
            let k = k % 3;
            match group {
                0 => vec![json!("t1"), json!(["K-001", "K-002", "K-003"][k])],
                1 => vec![json!(["Aino", "Bertil", "Cecilia"][k])],
                2 => [
                    vec![json!("intake"), Value::Null],
                    vec![json!("active"), Value::Null],
                    vec![json!("closed"), json!("Flyttat")],
                ][k]
                    .clone(),
                3 => vec![[Value::Null, json!("2026-12-01"), json!("2026-12-15")][k].clone()],
                _ => vec![
                    [
                        json!({"state": "none", "date": null, "recorded_by": null}),
                        json!({"state": "given", "date": "2026-11-01", "recorded_by": "anna"}),
                        json!({"state": "withdrawn", "date": "2026-11-20", "recorded_by": "bo"}),
                    ][k]
                        .clone(),
                ],
            }
        }

        #[derive(Debug, Clone)]
        enum Op {
            /// Phone `dev` sets group `group` to value `k` (often the value it had before).
            Edit { dev: usize, group: usize, k: usize },
            /// Phone `dev` syncs: pushes its outbox with its cursor, then pulls — unless the
            /// reply is lost, when the server keeps the changes and the phone keeps them too.
            Sync { dev: usize, lose_reply: bool },
            /// Phone `dev` pulls only (a sync with nothing to push, or a pushed batch's pull
            /// that came back before its own changes were answered).
            Pull { dev: usize },
            /// Time passes (phones' clocks differ by a fixed skew each).
            Tick { ms: i64 },
        }

        fn op(devices: usize) -> impl Strategy<Value = Op> {
            prop_oneof![
                4 => (0..devices, 0..GROUPS.len(), 0..3usize)
                    .prop_map(|(dev, group, k)| Op::Edit { dev, group, k }),
                2 => (0..devices, proptest::bool::weighted(0.2))
                    .prop_map(|(dev, lose_reply)| Op::Sync { dev, lose_reply }),
                1 => (0..devices).prop_map(|dev| Op::Pull { dev }),
                1 => (0i64..50).prop_map(|ms| Op::Tick { ms }),
            ]
        }

        struct Pending {
            id: usize,
            body: Value,
            clock: Hlc,
            edited: Vec<String>,
        }

        struct Phone {
            local: Value,
            cursor: i64,
            clock: HlcClock,
            skew: i64,
            outbox: Vec<Pending>,
        }

        struct Server {
            body: Value,
            map: FieldMap,
            seq: i64,
            /// Change ids applied (exactly once).
            seen: std::collections::HashSet<usize>,
        }

        /// Per group: the newest intentional value so far, by clock.
        type Intent = Vec<(Hlc, Value)>;

        fn push(server: &mut Server, phone: &Phone, received: &mut Intent) {
            for p in &phone.outbox {
                if !server.seen.insert(p.id) {
                    continue; // a replay: answered `duplicate`, nothing merged
                }
                for (g, (name, fields)) in GROUPS.iter().enumerate() {
                    if p.edited.iter().any(|e| e == name) && p.clock > received[g].0 {
                        received[g] = (p.clock, group_value(&p.body, fields));
                    }
                }
                let seq = server.seq + 1;
                let stored = Stored {
                    body: &server.body,
                    map: server.map.clone(),
                    deleted: false,
                    clock: newest(&server.map),
                    seq: server.seq,
                    foreign_clock: Hlc::ZERO,
                };
                let m = merge(Some(&stored), marked(&p.body, p.clock, &p.edited), seq);
                // The server gives the row a new sequence whether or not it changed, so the
                // pusher pulls the server's version (docs/sync-server.md, "Convergence").
                server.seq = seq;
                if m.changed {
                    server.body = m.body;
                    server.map = m.map;
                }
            }
        }

        fn pull(server: &Server, phone: &mut Phone, wall: i64) {
            if !phone.outbox.is_empty() || server.seq <= phone.cursor {
                return; // a waiting change keeps the local version and holds the cursor
            }
            phone.local = server.body.clone();
            phone.cursor = server.seq;
            phone.clock.observe(newest(&server.map), wall + phone.skew);
        }

        fn check(server: &Server, received: &Intent) -> Result<(), TestCaseError> {
            for (g, (name, fields)) in GROUPS.iter().enumerate() {
                prop_assert_eq!(
                    group_value(&server.body, fields),
                    received[g].1.clone(),
                    "group {}: the newest intentional value by clock must be the stored one",
                    name
                );
            }
            Ok(())
        }

        fn run(devices: usize, skews: &[i64], ops: &[Op]) -> Result<(), TestCaseError> {
            let created = hlc(1_000, 1);
            let mut server = Server {
                body: base(),
                map: fresh_map(&base(), created, 1),
                seq: 1,
                seen: Default::default(),
            };
            let mut received: Intent = GROUPS
                .iter()
                .map(|(_, fields)| (created, group_value(&base(), fields)))
                .collect();
            let mut wall = 1_000;
            let mut phones: Vec<Phone> = (0..devices)
                .map(|d| {
                    let mut clock = HlcClock::new(d as u32 + 1);
                    clock.observe(created, wall);
                    Phone {
                        local: base(),
                        cursor: 1,
                        clock,
                        skew: skews[d],
                        outbox: Vec::new(),
                    }
                })
                .collect();
            let mut next_id = 0;
            for op in ops {
                match *op {
                    Op::Tick { ms } => wall += ms,
                    Op::Edit { dev, group, k } => {
                        let phone = &mut phones[dev];
                        let mut body = phone.local.clone();
                        for (f, v) in GROUPS[group].1.iter().zip(value(group, k)) {
                            body[*f] = v;
                        }
                        let edited = client_groups_edited(Some(&phone.local), &body);
                        let clock = phone.clock.tick(wall + phone.skew);
                        phone.local = body.clone();
                        phone.outbox.push(Pending {
                            id: next_id,
                            body,
                            clock,
                            edited,
                        });
                        next_id += 1;
                    }
                    Op::Sync { dev, lose_reply } => {
                        push(&mut server, &phones[dev], &mut received);
                        check(&server, &received)?;
                        if !lose_reply {
                            phones[dev].outbox.clear();
                            pull(&server, &mut phones[dev], wall);
                        }
                    }
                    Op::Pull { dev } => pull(&server, &mut phones[dev], wall),
                }
            }
            // Everyone syncs until nothing waits, then pulls: all agree on the newest
            // intentional value of every group.
            for phone in &mut phones {
                push(&mut server, phone, &mut received);
                phone.outbox.clear();
            }
            check(&server, &received)?;
            for phone in &mut phones {
                pull(&server, phone, wall);
                prop_assert_eq!(&phone.local, &server.body);
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn two_phones(skews in proptest::collection::vec(-40i64..40, 2),
                          ops in proptest::collection::vec(op(2), 1..60)) {
                run(2, &skews, &ops)?;
            }

            #[test]
            fn three_phones(skews in proptest::collection::vec(-40i64..40, 3),
                            ops in proptest::collection::vec(op(3), 1..80)) {
                run(3, &skews, &ops)?;
            }
        }
    }
}
