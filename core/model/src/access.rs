//! Access on the phone (Patientdatalagen 4 kap. 3 §): each time the phone's core shows a client,
//! a client's history or takes client data out, it records an [`AccessEvent`] — who is implied
//! by the enrolled device, the rest is here: an id chosen on the phone, when, which client, what.
//! The phone keeps the events sealed and append-only until the server acknowledges them in a
//! sync reply ([`crate::protocol::SyncRequest::access_events`]); the server writes each into its
//! access log exactly once, keyed by the event's id.
//!
//! Events validate on parse like records do: an event with a time before the system existed is
//! refused as a whole request (a phone never makes one; the bound is in the OpenAPI document).

use crate::error::ValidationError;
use crate::ids::ClientId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// No event is older than this (2020-01-01T00:00:00Z): a phone whose clock reads 1970 sends a
/// time the follow-up could not place.
pub const EARLIEST_MS: i64 = 1_577_836_800_000;

/// What the phone showed or gave away. Named after the server's access-log actions they become:
/// `OpenClient` is a read of the client, `OpenHistory` a listing of the client's contacts and
/// outcomes, `Export` data taken off the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// The client's page was opened.
    OpenClient,
    /// The client's history (contacts, outcomes) was listed.
    OpenHistory,
    /// The client's data left the phone (a shared PDF or file).
    Export,
}

impl AccessKind {
    pub const ALL: [AccessKind; 3] = [
        AccessKind::OpenClient,
        AccessKind::OpenHistory,
        AccessKind::Export,
    ];

    /// The name on the wire and in the phone's sealed rows.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::OpenClient => "open_client",
            AccessKind::OpenHistory => "open_history",
            AccessKind::Export => "export",
        }
    }
}

/// One access recorded on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawAccessEvent")]
// For the API document only (utoipa reads it as `additionalProperties: false`): the fields are
// checked by `RawAccessEvent`, which refuses unknown ones.
#[serde(deny_unknown_fields)]
pub struct AccessEvent {
    /// Chosen on the phone (UUIDv7); the server logs each id once.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: Uuid,
    /// The phone's clock when it happened, Unix milliseconds; not before 2020 ([`EARLIEST_MS`]).
    #[cfg_attr(feature = "openapi", schema(minimum = 1_577_836_800_000_i64))]
    pub at_ms: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub client: ClientId,
    pub what: AccessKind,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccessEvent {
    id: Uuid,
    // `1700000000000.0` is a whole number to JSON Schema, and to the API document.
    #[serde(deserialize_with = "crate::protocol::sync::whole::signed")]
    at_ms: i64,
    client: ClientId,
    what: AccessKind,
}

impl TryFrom<RawAccessEvent> for AccessEvent {
    type Error = ValidationError;

    fn try_from(r: RawAccessEvent) -> Result<Self, ValidationError> {
        AccessEvent::new(r.id, r.at_ms, r.client, r.what)
    }
}

impl AccessEvent {
    /// A checked event.
    pub fn new(
        id: Uuid,
        at_ms: i64,
        client: ClientId,
        what: AccessKind,
    ) -> Result<Self, ValidationError> {
        if at_ms < EARLIEST_MS {
            return Err(ValidationError::new(
                "at_ms",
                "is before 2020-01-01 (is the phone's clock set?)",
            ));
        }
        Ok(Self {
            id,
            at_ms,
            client,
            what,
        })
    }

    /// A new event happening at `at` (a fresh time-ordered id).
    pub fn now(
        at: DateTime<Utc>,
        client: ClientId,
        what: AccessKind,
    ) -> Result<Self, ValidationError> {
        Self::new(Uuid::now_v7(), at.timestamp_millis(), client, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let c = ClientId::new();
        let e = AccessEvent::now(Utc::now(), c, AccessKind::OpenHistory).unwrap();
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains(r#""what":"open_history""#), "{json}");
        assert_eq!(serde_json::from_str::<AccessEvent>(&json).unwrap(), e);
        for kind in AccessKind::ALL {
            let j = serde_json::to_string(&kind).unwrap();
            assert_eq!(j, format!("\"{}\"", kind.as_str()));
        }
        let bad = |s: String| serde_json::from_str::<AccessEvent>(&s).is_err();
        let id = Uuid::now_v7();
        assert!(bad(format!(
            r#"{{"id":"{}","at_ms":5,"client":"{c}","what":"export"}}"#,
            id
        )));
        assert!(bad(format!(
            r#"{{"id":"{id}","at_ms":1800000000000,"client":"{c}","what":"peek"}}"#
        )));
        assert!(bad(format!(
            r#"{{"id":"{id}","at_ms":1800000000000,"client":"{c}","what":"export","x":1}}"#
        )));
        assert!(!bad(format!(
            r#"{{"id":"{id}","at_ms":1800000000000,"client":"{c}","what":"export"}}"#
        )));
        // A whole number written with a fraction of zero is a whole number; a fraction is not.
        let whole: AccessEvent = serde_json::from_str(&format!(
            r#"{{"id":"{id}","at_ms":1800000000000.0,"client":"{c}","what":"export"}}"#
        ))
        .unwrap();
        assert_eq!(whole.at_ms, 1_800_000_000_000);
        assert!(bad(format!(
            r#"{{"id":"{id}","at_ms":1800000000000.5,"client":"{c}","what":"export"}}"#
        )));
        assert!(bad(format!(
            r#"{{"id":"{id}","at_ms":-1.0,"client":"{c}","what":"export"}}"#
        )));
    }
}
