//! The sync round trip between a phone and the server, both directions.
//!
//! A device `POST`s a [`SyncRequest`] to `/v1/sync` with a bounded batch of outgoing changes from
//! its outbox and its pull cursor. The server applies each change id exactly once and answers with
//! a [`SyncResponse`]: a result per change, the changes this device's user may see since the
//! cursor, the next cursor, `has_more`, and the device's status. Nothing leaves the phone's outbox
//! until a result for it came back; a rejected change is kept on the phone with its reason and
//! never blocks the others.
//!
//! * **Headers.** `Uppsok-Protocol: 1` on every request ([`PROTOCOL_HEADER`]); a server that no
//!   longer speaks the device's version answers `426 Upgrade Required` with a problem document
//!   whose `type` is [`OUTDATED_CLIENT_TYPE`] and a message the app can show as it is.
//!   `Authorization: Bearer <device token>`. Bodies are gzip-compressed both ways
//!   (`Content-Encoding: gzip`, `Accept-Encoding: gzip`).
//! * **Ordering.** The cursor is the server's sequence number, never a device clock: a phone whose
//!   clock is a day wrong still pulls everything. The [`Hlc`] stamp only settles conflicts between
//!   edits of the same record (visits and trips: last write wins, every revision kept; clients:
//!   merged per field).
//! * **Records as values.** A change carries its record as a JSON value, parsed by the server per
//!   change with the same model code the phone used ([`Change::record`]), so one malformed record
//!   is rejected on its own instead of failing the whole batch.
//! * **Bounds.** At most [`MAX_PUSH`] changes per request and at most [`MAX_PULL`] pulled per
//!   response (the device may ask for fewer); `has_more` says to come again.
//! * **Convergence.** Once a device's last waiting change of a record is acknowledged, the device
//!   ends with the server's current version of that record, whatever the merge or last-writer
//!   rule decided. The server leaves a record out of a device's pulls only while its current
//!   version is exactly what that device pushed last for it; every other outcome of a pushed
//!   change (merged, lost to a newer clock, kept as stored) leaves the record at a sequence above
//!   the request's cursor, written in the batch's transaction, so the pull of the same reply — or
//!   of the replay after a lost reply, answered `duplicate` — carries it. The device, for its
//!   part, applies results before pulled changes, keeps a pulled record local while a change of
//!   it still waits, and then holds its cursor just before that record so it is pulled again.
//! * **A restored server.** A cursor beyond the server's sequence means the server's database
//!   was restored from a backup taken before this device last pulled: what the server
//!   acknowledged since then is gone from it, though the phones that wrote it still hold it. The
//!   server then answers `restored: true` and pulls for that device from the start again; the
//!   device takes the lower cursor (the only time a cursor goes back) and, before it applies the
//!   pulled versions, queues again with their stored clock stamps the records it may write — its
//!   organisation's clients, its user's visits and trips, and the deletions it made — so
//!   last-writer-wins puts back whatever the backup lacks, deletes again what was deleted
//!   since, and changes nothing else, and the older pulled versions of those records are held
//!   back by the waiting changes instead of overwriting the phone's.
//! * **Clients merge per field group.** A client's change says which groups ([`CLIENT_GROUPS`])
//!   it set on purpose ([`Change::edited`]); only those can win, by clock, so a deliberate
//!   revert is kept and a value carried along from an older version never wins.
//!
//! An example exchange (shown uncompressed):
//!
//! ```text
//! POST /v1/sync
//! Uppsok-Protocol: 1
//! Authorization: Bearer 7Hq…
//! Content-Encoding: gzip
//!
//! {"cursor": 1041, "changes": [
//!   {"change_id": "019a…01", "entity": "visit", "record_id": "019a…aa",
//!    "clock": "1763629200000-00000000-5e1a09c2", "deleted": false,
//!    "record": {"id": "019a…aa", "client": "019a…cc", "author": "anna", "staff": ["anna"],
//!               "start": "2026-11-20T09:00:00Z", "minutes": 45, "contact": "face_to_face",
//!               "setting": "home", "network": false, "place": "Töre", "note": "…"}},
//!   {"change_id": "019a…02", "entity": "visit", "record_id": "019a…ab",
//!    "clock": "1763629260000-00000000-5e1a09c2", "deleted": false,
//!    "record": {"id": "019a…ab", "minutes": 0, "…": "…"}}]}
//!
//! 200 OK
//! Content-Encoding: gzip
//!
//! {"results": [
//!    {"change_id": "019a…01", "outcome": "applied"},
//!    {"change_id": "019a…02", "outcome": "rejected", "code": "invalid_record",
//!     "reason": "minutes: must be between 1 and 1440 (got 0)"}],
//!  "changes": [
//!    {"seq": 1042, "entity": "client", "record_id": "019a…cd",
//!     "clock": "1763620000000-00000000-0a11c0de", "deleted": false, "record": {"…": "…"}}],
//!  "cursor": 1042, "has_more": false, "status": "active",
//!  "server_time": "2026-11-22T08:00:00Z"}
//! ```
//!
//! A replayed change (the reply was lost on a weak link and the phone sent the batch again)
//! comes back as `{"outcome": "duplicate", "original": "applied"}` (or the original rejection's
//! code and reason), so the phone can act exactly as if it had seen the first reply.

use crate::access::AccessEvent;
use crate::clock::Hlc;
use crate::error::ValidationError;
use crate::ids::ChangeId;
use crate::record::{Entity, Record};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The oldest version the server still accepts.
pub const MIN_PROTOCOL_VERSION: u32 = 1;
/// The header that carries the version.
pub const PROTOCOL_HEADER: &str = "uppsok-protocol";
/// The problem `type` of an outdated client (HTTP 426).
pub const OUTDATED_CLIENT_TYPE: &str = "https://uppsok.se/problems/outdated-client";
/// The problem `type` of a revoked device (HTTP 401); its body carries `wipe: bool`.
pub const DEVICE_REVOKED_TYPE: &str = "https://uppsok.se/problems/device-revoked";
/// The most changes one request may push.
pub const MAX_PUSH: usize = 500;
/// The most changes one response pulls.
pub const MAX_PULL: usize = 1000;
/// The most access events one request may carry (more is 413, nothing applied).
pub const MAX_ACCESS_EVENTS: usize = 500;

/// One local change leaving a device's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Change {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub change_id: ChangeId,
    pub entity: Entity,
    pub record_id: Uuid,
    /// A hybrid logical clock stamp, `MILLIS-COUNTER-NODE` (decimal, hex, hex).
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{1,18}-[0-9a-fA-F]{1,8}-[0-9a-fA-F]{1,8}$", example = "1763629200000-00000000-5e1a09c2"))]
    pub clock: Hlc,
    #[serde(default)]
    pub deleted: bool,
    /// The full record; absent for a delete. Any JSON value: it is parsed per change, and a
    /// malformed record is rejected in its result, not with an error status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<serde_json::Value>,
    /// For a client: the field groups ([`CLIENT_GROUPS`]) this change set on purpose — those
    /// whose value differs from what the device held before the edit. The others are carried
    /// along and never win a merge. Absent (an older app, a re-send after a restore): the
    /// server tells edits from carried values by the request's cursor instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited: Option<Vec<String>>,
}

/// The field groups of a client that merge on their own, each with the fields it covers.
/// Groups, not single fields, where fields are only valid together: `team` + `code` (the code
/// pattern is the team's), the phase with its closure (a closed phase needs its reason and
/// day), `consent` (state, date, who recorded it, scope and end are one fact), admission with
/// its referral source, and the contact person with the deputy (who must differ). `id` and
/// `org` never merge. A phone that predates a group never names it in `edited`, so what it
/// carries for that group (nothing) never wins.
pub const CLIENT_GROUPS: &[(&str, &[&str])] = &[
    ("team", &["team", "code"]),
    ("name", &["name"]),
    ("phase", &["phase", "closed_reason", "closure", "closed_on"]),
    ("next_contact", &["next_contact"]),
    ("consent", &["consent"]),
    ("admission", &["admitted", "referral"]),
    ("contact_person", &["contact_person", "deputy"]),
    ("protected_identity", &["protected_identity"]),
];

/// The value of one group of a client's body: its fields in order, missing ones as `null`.
pub fn client_group_value(body: &serde_json::Value, fields: &[&str]) -> serde_json::Value {
    serde_json::Value::Array(
        fields
            .iter()
            .map(|f| body.get(*f).cloned().unwrap_or(serde_json::Value::Null))
            .collect(),
    )
}

/// The groups of a client whose value differs between `before` (what the device held; `None`
/// for a new client: every group) and `after`, in [`CLIENT_GROUPS`] order.
pub fn client_groups_edited(
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> Vec<String> {
    CLIENT_GROUPS
        .iter()
        .filter(|(_, fields)| {
            before
                .is_none_or(|b| client_group_value(b, fields) != client_group_value(after, fields))
        })
        .map(|(g, _)| (*g).to_owned())
        .collect()
}

impl Change {
    /// A change that carries `record` as it is now.
    pub fn upsert(
        change_id: ChangeId,
        clock: Hlc,
        record: &Record,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            change_id,
            entity: record.entity(),
            record_id: record.id(),
            clock,
            deleted: false,
            record: Some(record_body(record)?),
            edited: None,
        })
    }

    /// The same change, saying which client field groups it set on purpose.
    pub fn with_edited(mut self, edited: Option<Vec<String>>) -> Self {
        self.edited = edited;
        self
    }

    /// A change that deletes the record `record_id` of `entity`.
    pub fn delete(change_id: ChangeId, clock: Hlc, entity: Entity, record_id: Uuid) -> Self {
        Self {
            change_id,
            entity,
            record_id,
            clock,
            deleted: true,
            record: None,
            edited: None,
        }
    }

    /// Parse the carried record with the model's rules for its entity, and check it is the record
    /// the change names. `Ok(None)` for a delete.
    pub fn record(&self) -> Result<Option<Record>, Rejection> {
        if let Some(edited) = &self.edited
            && edited
                .iter()
                .any(|g| !CLIENT_GROUPS.iter().any(|(name, _)| name == g))
        {
            return Err(Rejection::new(
                RejectCode::InvalidRecord,
                "edited: names a field group clients do not have",
            ));
        }
        parse_record(
            self.entity,
            self.record_id,
            self.deleted,
            self.record.as_ref(),
        )
    }
}

/// One change another device (or the server) made, as a device pulls it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteChange {
    /// The server's sequence number: the cursor after this change.
    pub seq: u64,
    pub entity: Entity,
    pub record_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[0-9]{1,18}-[0-9a-fA-F]{1,8}-[0-9a-fA-F]{1,8}$", example = "1763629200000-00000000-5e1a09c2"))]
    pub clock: Hlc,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub record: Option<serde_json::Value>,
}

impl RemoteChange {
    pub fn record(&self) -> Result<Option<Record>, Rejection> {
        parse_record(
            self.entity,
            self.record_id,
            self.deleted,
            self.record.as_ref(),
        )
    }
}

/// The body of a record without its entity tag (the change carries the entity).
pub fn record_body(record: &Record) -> Result<serde_json::Value, serde_json::Error> {
    match record {
        Record::Client(r) => serde_json::to_value(r),
        Record::Visit(r) => serde_json::to_value(r),
        Record::Trip(r) => serde_json::to_value(r),
        Record::Place(r) => serde_json::to_value(r),
        Record::Outcome(r) => serde_json::to_value(r),
    }
}

fn parse_record(
    entity: Entity,
    record_id: Uuid,
    deleted: bool,
    body: Option<&serde_json::Value>,
) -> Result<Option<Record>, Rejection> {
    let body = match (deleted, body) {
        (true, _) => return Ok(None),
        (false, None) => {
            return Err(Rejection::new(
                RejectCode::InvalidRecord,
                "the change carries no record and is not a delete",
            ));
        }
        (false, Some(b)) => b.clone(),
    };
    let bad =
        |e: serde_json::Error| Rejection::new(RejectCode::InvalidRecord, describe_serde_error(&e));
    let record = match entity {
        Entity::Client => Record::Client(serde_json::from_value(body).map_err(bad)?),
        Entity::Visit => Record::Visit(serde_json::from_value(body).map_err(bad)?),
        Entity::Trip => Record::Trip(serde_json::from_value(body).map_err(bad)?),
        Entity::Place => Record::Place(serde_json::from_value(body).map_err(bad)?),
        Entity::Outcome => Record::Outcome(serde_json::from_value(body).map_err(bad)?),
    };
    if record.id() != record_id {
        return Err(Rejection::new(
            RejectCode::MismatchedId,
            "the record's id differs from the change's record_id",
        ));
    }
    Ok(Some(record))
}

/// serde_json's messages may quote the offending input (a note, a name). Keep the part that
/// names the rule, never the value: our own validation messages never echo values, and for
/// type errors we say which kind of value was expected.
fn describe_serde_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // Our ValidationError messages start with a field name and never hold the value.
    if let Some((field, rule)) = msg.split_once(": ")
        && field
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
    {
        let rule = rule.split(" at line ").next().unwrap_or(rule);
        return format!("{field}: {rule}");
    }
    if msg.starts_with("missing field") || msg.starts_with("unknown field") {
        return msg.split(" at line ").next().unwrap_or(&msg).to_owned();
    }
    if msg.starts_with("unknown variant") {
        // "unknown variant `x`, expected one of …": drop the echoed value.
        let expected = msg
            .split("expected")
            .nth(1)
            .unwrap_or("")
            .split(" at line ")
            .next()
            .unwrap_or("");
        return format!("a value is not one of the allowed ones (expected{expected})");
    }
    "a field has the wrong type or shape".to_owned()
}

/// Why the server refused a change. The codes are stable; the app may translate them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The record broke a rule of the model (the reason names field and rule).
    InvalidRecord,
    /// The record's id differs from the change's `record_id`.
    MismatchedId,
    /// The sender may not write this record (another author's visit, another team's client…).
    Forbidden,
    /// The record refers to something the server does not know or the sender may not see.
    UnknownReference,
}

impl RejectCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::InvalidRecord => "invalid_record",
            RejectCode::MismatchedId => "mismatched_id",
            RejectCode::Forbidden => "forbidden",
            RejectCode::UnknownReference => "unknown_reference",
        }
    }

    /// The inverse of [`RejectCode::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            RejectCode::InvalidRecord,
            RejectCode::MismatchedId,
            RejectCode::Forbidden,
            RejectCode::UnknownReference,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// A refusal with its stable code and a reason in words (no personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct Rejection {
    pub code: RejectCode,
    pub reason: String,
}

impl Rejection {
    pub fn new(code: RejectCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

impl From<ValidationError> for Rejection {
    fn from(e: ValidationError) -> Self {
        Rejection::new(RejectCode::InvalidRecord, e.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Applied,
    Duplicate,
    Rejected,
}

/// The server's answer for one pushed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeResult {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub change_id: ChangeId,
    pub outcome: OutcomeKind,
    /// For a duplicate: what happened the first time (applied or rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<OutcomeKind>,
    /// For a rejection (or a duplicate of one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<RejectCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ChangeResult {
    pub fn applied(change_id: ChangeId) -> Self {
        Self {
            change_id,
            outcome: OutcomeKind::Applied,
            original: None,
            code: None,
            reason: None,
        }
    }

    pub fn rejected(change_id: ChangeId, r: Rejection) -> Self {
        Self {
            change_id,
            outcome: OutcomeKind::Rejected,
            original: None,
            code: Some(r.code),
            reason: Some(r.reason),
        }
    }

    /// The answer to a replay of a change whose first outcome was `first`.
    pub fn duplicate_of(first: &ChangeResult) -> Self {
        Self {
            change_id: first.change_id,
            outcome: OutcomeKind::Duplicate,
            original: Some(match first.outcome {
                OutcomeKind::Duplicate => first.original.unwrap_or(OutcomeKind::Applied),
                o => o,
            }),
            code: first.code,
            reason: first.reason.clone(),
        }
    }

    /// What the device should do with the change: drop it from the outbox (it reached the
    /// server) or keep it as rejected with this reason.
    pub fn rejection(&self) -> Option<Rejection> {
        let rejected = self.outcome == OutcomeKind::Rejected
            || (self.outcome == OutcomeKind::Duplicate
                && self.original == Some(OutcomeKind::Rejected));
        rejected.then(|| {
            Rejection::new(
                self.code.unwrap_or(RejectCode::InvalidRecord),
                self.reason.clone().unwrap_or_default(),
            )
        })
    }
}

/// What the server says about the device itself; also how the server stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Active,
    /// The token no longer works; keep local data (e.g. the phone was replaced).
    Revoked,
    /// Destroy local data now (a lost phone): the key first, then the files.
    Wipe,
}

impl DeviceStatus {
    /// The name on the wire and in the server's database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Active => "active",
            DeviceStatus::Revoked => "revoked",
            DeviceStatus::Wipe => "wipe",
        }
    }

    /// The inverse of [`DeviceStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            DeviceStatus::Active,
            DeviceStatus::Revoked,
            DeviceStatus::Wipe,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// The server sequence this device has pulled up to (0 at first).
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 9223372036854775807_i64))]
    #[serde(deserialize_with = "whole::number")]
    pub cursor: u64,
    /// At most [`MAX_PUSH`] (500) changes; more is refused with 413 and nothing applied.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub changes: Vec<Change>,
    /// Pull at most this many. Not an error out of range: 0 counts as 1, anything above
    /// [`MAX_PULL`] (1000) as 1000, so an app built for a larger bound still syncs.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole::optional"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64))]
    pub pull_limit: Option<u32>,
    /// The app's version, shown to supervisors on the devices page: at most 40 characters, no
    /// control characters (else 422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")
    )]
    pub app_version: Option<String>,
    /// The app reads the `outcome` entity. An app built before outcomes existed leaves this
    /// out (`false`) and is sent none: its pull would fail on an entity it cannot name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub knows_outcomes: bool,
    /// What the phone recorded of its own use — openings of a client or a client's history,
    /// exports — oldest first, at most [`MAX_ACCESS_EVENTS`] (else 413). The server writes each
    /// into its access log once, by the event's id, and names them in
    /// [`SyncResponse::access_logged`]. Append-only facts, never pulled back nor merged, so a
    /// list of their own rather than an [`Entity`]. Absent (empty) from older apps and idle
    /// syncs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub access_events: Vec<AccessEvent>,
    /// The tag of the mileage terms the phone holds ([`crate::protocol::mileage_terms`]); the
    /// reply carries the terms only when they differ. Absent: the phone holds none (or is an
    /// older app). At most 64 characters (else 422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub mileage_terms: Option<String>,
}

/// Whole numbers as JSON Schema counts them: `1502.0` is the integer 1502 there (and in the
/// API document), while serde reads it only into a float. Anything with a fraction, negative or
/// out of range is still refused.
pub(crate) mod whole {
    use serde::Deserialize;
    use serde::de::{Deserializer, Error};

    /// A whole number that may be negative (`-3`, `1502.0`), into an `i64`.
    pub fn signed<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let n = serde_json::Number::deserialize(d)?;
        n.as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && (i64::MIN as f64..i64::MAX as f64).contains(f))
                    // In range and whole, checked just above.
                    .map(|f| f as i64)
            })
            .ok_or_else(|| D::Error::custom("expected a whole number in range"))
    }

    pub fn number<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<T, D::Error> {
        let n = serde_json::Number::deserialize(d)?;
        let whole = n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(f))
                // In range and whole, checked just above.
                .map(|f| f as u64)
        });
        whole
            .and_then(|w| T::try_from(w).ok())
            .ok_or_else(|| D::Error::custom("expected a whole number in range"))
    }

    pub fn optional<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<serde_json::Number>::deserialize(d)? {
            None => Ok(None),
            Some(n) => number(n).map(Some).map_err(D::Error::custom),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    pub results: Vec<ChangeResult>,
    pub changes: Vec<RemoteChange>,
    pub cursor: u64,
    pub has_more: bool,
    pub status: DeviceStatus,
    pub server_time: DateTime<Utc>,
    /// The request's cursor was beyond the server's sequence: its database was restored from a
    /// backup. Take `cursor` even though it is lower, and send again what this device wrote
    /// (see the module docs). Absent (false) otherwise, so an ordinary reply is no larger.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restored: bool,
    /// The ids of the request's access events that the access log holds (written now, or by
    /// an earlier request whose reply was lost): the phone deletes exactly these. Absent when
    /// the request carried none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<uuid::Uuid>))]
    pub access_logged: Vec<Uuid>,
    /// How many days of contacts, outcomes and trips this device's organisation keeps on its
    /// phones ([`crate::protocol::history`]): after applying the reply the phone deletes older
    /// ones that have nothing waiting to be sent. Absent from an older server; an older app
    /// ignores it (and keeps everything, as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1, maximum = 1098))]
    pub history_window_days: Option<u32>,
    /// The organisation's mileage rates and the user's home–workplace distance, when they differ
    /// from the terms the request named ([`SyncRequest::mileage_terms`]); absent otherwise and
    /// from an older server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mileage_terms: Option<crate::protocol::mileage_terms::MileageTerms>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::visit::tests::visit;

    fn clock() -> Hlc {
        Hlc {
            wall_ms: 1_763_629_200_000,
            counter: 0,
            node: 7,
        }
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats_but_fractions_are_refused() {
        let parse = |json: &str| serde_json::from_str::<SyncRequest>(json);
        let r = parse(r#"{"cursor": 1502.0, "pull_limit": 20.0}"#).unwrap();
        assert_eq!((r.cursor, r.pull_limit), (1502, Some(20)));
        let r = parse(r#"{"cursor": 7, "pull_limit": null}"#).unwrap();
        assert_eq!((r.cursor, r.pull_limit), (7, None));
        for bad in [
            r#"{"cursor": 1502.5}"#,
            r#"{"cursor": -1}"#,
            r#"{"cursor": "1"}"#,
            r#"{"cursor": 0, "pull_limit": 4294967296}"#,
            r#"{"cursor": 0, "pull_limit": 1.5}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_change_round_trips_and_parses_its_record() {
        let v = visit();
        let c = Change::upsert(ChangeId::new(), clock(), &Record::Visit(v.clone())).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        let back: Change = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.record().unwrap(), Some(Record::Visit(v)));
    }

    #[test]
    fn a_bad_record_is_rejected_by_itself_without_echoing_values() {
        let mut v = serde_json::to_value(visit()).unwrap();
        let id: Uuid = serde_json::from_value(v["id"].clone()).unwrap();
        v["note"] = serde_json::json!("hemligt ".repeat(600));
        let c = Change {
            change_id: ChangeId::new(),
            entity: Entity::Visit,
            record_id: id,
            clock: clock(),
            deleted: false,
            record: Some(v),
            edited: None,
        };
        let r = c.record().unwrap_err();
        assert_eq!(r.code, RejectCode::InvalidRecord);
        assert!(
            r.reason.starts_with("note: must be at most 4000"),
            "{}",
            r.reason
        );
        assert!(!r.reason.contains("hemligt"));
    }

    #[test]
    fn unknown_variants_and_wrong_types_do_not_echo_input() {
        let mut v = serde_json::to_value(visit()).unwrap();
        let id: Uuid = serde_json::from_value(v["id"].clone()).unwrap();
        v["contact"] = serde_json::json!("Aino Niemi");
        let c = Change {
            change_id: ChangeId::new(),
            entity: Entity::Visit,
            record_id: id,
            clock: clock(),
            deleted: false,
            record: Some(v.clone()),
            edited: None,
        };
        let r = c.record().unwrap_err();
        assert!(!r.reason.contains("Aino"), "{}", r.reason);
        v["contact"] = serde_json::json!("phone");
        v["minutes"] = serde_json::json!("Aino Niemi");
        let c = Change {
            record: Some(v),
            ..c
        };
        let r = c.record().unwrap_err();
        assert!(!r.reason.contains("Aino"), "{}", r.reason);
    }

    #[test]
    fn edited_groups_are_the_ones_that_differ_and_must_be_known() {
        let before = serde_json::json!({"team": "t", "code": "K-1", "name": "A", "phase": "intake",
            "closed_reason": null, "next_contact": null, "consent": {"state": "none"}});
        let mut after = before.clone();
        after["closed_reason"] = serde_json::json!("Flyttat");
        after["name"] = serde_json::json!("B");
        assert_eq!(
            client_groups_edited(Some(&before), &after),
            ["name", "phase"]
        );
        assert_eq!(
            client_groups_edited(None, &after).len(),
            CLIENT_GROUPS.len()
        );
        assert!(client_groups_edited(Some(&after), &after).is_empty());
        let v = visit();
        let c = Change::upsert(ChangeId::new(), clock(), &Record::Visit(v))
            .unwrap()
            .with_edited(Some(vec!["name".into(), "hemligt".into()]));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Change>(&json).unwrap(), c);
        let r = c.record().unwrap_err();
        assert_eq!(r.code, RejectCode::InvalidRecord);
        assert!(r.reason.starts_with("edited:") && !r.reason.contains("hemligt"));
    }

    #[test]
    fn mismatched_id_and_missing_record() {
        let v = visit();
        let mut c = Change::upsert(ChangeId::new(), clock(), &Record::Visit(v)).unwrap();
        c.record_id = Uuid::now_v7();
        assert_eq!(c.record().unwrap_err().code, RejectCode::MismatchedId);
        c.record = None;
        assert_eq!(c.record().unwrap_err().code, RejectCode::InvalidRecord);
        let d = Change::delete(ChangeId::new(), clock(), Entity::Visit, Uuid::now_v7());
        assert_eq!(d.record().unwrap(), None);
    }

    #[test]
    fn duplicate_carries_the_original_outcome() {
        let id = ChangeId::new();
        let first = ChangeResult::rejected(id, Rejection::new(RejectCode::Forbidden, "not yours"));
        let dup = ChangeResult::duplicate_of(&first);
        assert_eq!(dup.outcome, OutcomeKind::Duplicate);
        assert_eq!(dup.original, Some(OutcomeKind::Rejected));
        assert_eq!(dup.rejection().unwrap().code, RejectCode::Forbidden);
        let dup2 = ChangeResult::duplicate_of(&dup);
        assert_eq!(dup2.original, Some(OutcomeKind::Rejected));
        assert!(
            ChangeResult::duplicate_of(&ChangeResult::applied(id))
                .rejection()
                .is_none()
        );
        let json = serde_json::to_value(ChangeResult::applied(id)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"change_id": id.to_string(), "outcome": "applied"})
        );
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let bad = r#"{"cursor": 0, "changes": [], "evil": 1}"#;
        assert!(serde_json::from_str::<SyncRequest>(bad).is_err());
        let ok: SyncRequest = serde_json::from_str(r#"{"cursor": 5}"#).unwrap();
        assert_eq!(ok.cursor, 5);
        assert!(ok.changes.is_empty());
    }
}
