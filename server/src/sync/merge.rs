//! How a pushed client record is merged into the stored one, per field group, by clock
//! (docs/design.md §5). Pure, so the rules are unit-tested without a database.
//!
//! A change carries the *whole* record, not a diff, so "the change's fields win where its clock
//! is newer" needs care: a phone that edited only `next_contact` still sends the `phase` it had,
//! which may be stale. A group therefore counts as written by a change only when its value
//! differs from the stored one, and not when it equals the value the group had *before* its
//! current value was written by a change the phone could not have seen yet (its sequence is
//! above the request's cursor): that is a stale carry, not an edit. Everything else that differs
//! wins when the change's clock is newer than the group's.
//!
//! Groups, not single fields, where fields are only valid together: `team` + `code` (the code
//! pattern is the team's), `phase` + `closed_reason`, and `consent` (state, date and who
//! recorded it are one fact). `id` and `org` never merge: the id is the record and the record
//! space is assigned by the server.
//!
//! Each group's stamp keeps its clock, the sequence that wrote it, and hashes of its current and
//! previous value (hashes, so the map beside the record holds no second copy of a name).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uppsok_model::Hlc;

/// The merged groups of a client and the fields each covers.
pub const GROUPS: &[(&str, &[&str])] = &[
    ("team", &["team", "code"]),
    ("name", &["name"]),
    ("phase", &["phase", "closed_reason"]),
    ("next_contact", &["next_contact"]),
    ("consent", &["consent"]),
];

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

fn group_value(body: &Value, fields: &[&str]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| body.get(*f).cloned().unwrap_or(Value::Null))
            .collect(),
    )
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

/// Merges `incoming` (a whole client as pushed, with `clock`) into `stored`. `cursor` is the
/// sequence the pushing device had pulled up to; `seq` the sequence this change gets.
pub fn merge(
    stored: Option<&Stored<'_>>,
    incoming: &Value,
    clock: Hlc,
    cursor: i64,
    seq: i64,
) -> Merged {
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
        let stale_carry = stamp.p.as_deref() == Some(in_hash.as_str()) && stamp.s > cursor;
        if in_hash != stamp.h && !stale_carry && clock > stamp.c {
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
                    h: in_hash,
                    p: Some(stamp.h.clone()),
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

    #[test]
    fn concurrent_edits_of_different_fields_both_survive() {
        // Both phones pulled the base at seq 1; A sets the phase, then B (who has not seen A's
        // change) sets next_contact with a newer clock and carries the old phase.
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut a = base();
        a["phase"] = json!("active");
        let after_a = merge(Some(&st(&b0, &m0, 1)), &a, hlc(200, 2), 1, 2);
        assert!(after_a.changed);
        let mut b = base();
        b["next_contact"] = json!("2026-12-01");
        let after_b = merge(
            Some(&st(&after_a.body, &after_a.map, 2)),
            &b,
            hlc(300, 3),
            1,
            3,
        );
        assert_eq!(
            after_b.body["phase"], "active",
            "stale carry must not revert A"
        );
        assert_eq!(after_b.body["next_contact"], "2026-12-01");
    }

    #[test]
    fn same_field_newer_clock_wins_and_late_older_edit_loses() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut x = base();
        x["name"] = json!("X");
        let mut y = base();
        y["name"] = json!("Y");
        // Y is newer and a real edit (not the previous value): wins even though it was concurrent.
        let m1 = merge(Some(&st(&b0, &m0, 1)), &x, hlc(200, 2), 1, 2);
        let m2 = merge(Some(&st(&m1.body, &m1.map, 2)), &y, hlc(300, 3), 1, 3);
        assert_eq!(m2.body["name"], "Y");
        // The other order: the newer arrives first, the older arrives late and loses.
        let n1 = merge(Some(&st(&b0, &m0, 1)), &y, hlc(300, 3), 1, 2);
        let n2 = merge(Some(&st(&n1.body, &n1.map, 2)), &x, hlc(200, 2), 1, 3);
        assert_eq!(n2.body["name"], "Y");
        assert!(!n2.changed);
    }

    #[test]
    fn a_deliberate_revert_after_seeing_the_change_wins() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut a = base();
        a["phase"] = json!("active");
        let m1 = merge(Some(&st(&b0, &m0, 1)), &a, hlc(200, 2), 1, 2);
        // B pulled seq 2 (cursor 2) and set the phase back.
        let m2 = merge(Some(&st(&m1.body, &m1.map, 2)), &base(), hlc(300, 3), 2, 3);
        assert_eq!(m2.body["phase"], "intake");
    }

    #[test]
    fn consent_and_phase_groups_move_together() {
        let (b0, m0) = stored_from(&base(), hlc(100, 1), 1);
        let mut a = base();
        a["phase"] = json!("closed");
        a["closed_reason"] = json!("Flyttat");
        a["consent"] = json!({"state": "given", "date": "2026-11-01", "recorded_by": "anna"});
        let m = merge(Some(&st(&b0, &m0, 1)), &a, hlc(200, 2), 1, 2);
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
        assert!(!merge(Some(&s), &base(), hlc(150, 2), 1, 3).changed);
        assert!(merge(Some(&s), &base(), hlc(250, 2), 1, 3).changed);
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
        let m = merge(Some(&s), &older, hlc(400, 2), 5, 6);
        assert_eq!(m.body["name"], "Via API");
        let newer = merge(Some(&s), &older, hlc(600, 2), 5, 6);
        assert_eq!(newer.body["name"], "Old phone edit");
    }
}
