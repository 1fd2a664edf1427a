//! The kinds of record that sync between phones and the server, as one enum, so the outbox, the
//! wire protocol and the server's revision tables speak of the same things.

use crate::client::Client;
use crate::error::{ValidationError, invalid};
use crate::outcome::Outcome;
use crate::place::Place;
use crate::text::CodePattern;
use crate::trip::Trip;
use crate::visit::Visit;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Client,
    Visit,
    Trip,
    Place,
    Outcome,
}

impl Entity {
    pub const ALL: [Entity; 5] = [
        Entity::Client,
        Entity::Visit,
        Entity::Trip,
        Entity::Place,
        Entity::Outcome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Client => "client",
            Entity::Visit => "visit",
            Entity::Trip => "trip",
            Entity::Place => "place",
            Entity::Outcome => "outcome",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Entity {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        Entity::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .map_or_else(
                || invalid("entity", "must be client, visit, trip, place or outcome"),
                Ok,
            )
    }
}

/// One record of any kind, tagged by its entity in JSON: `{"entity": "visit", "record": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", content = "record", rename_all = "snake_case")]
pub enum Record {
    Client(Client),
    Visit(Visit),
    Trip(Trip),
    Place(Place),
    Outcome(Outcome),
}

impl Record {
    pub fn entity(&self) -> Entity {
        match self {
            Record::Client(_) => Entity::Client,
            Record::Visit(_) => Entity::Visit,
            Record::Trip(_) => Entity::Trip,
            Record::Place(_) => Entity::Place,
            Record::Outcome(_) => Entity::Outcome,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Record::Client(c) => c.id.0,
            Record::Visit(v) => v.id.0,
            Record::Trip(t) => t.id.0,
            Record::Place(p) => p.id.0,
            Record::Outcome(o) => o.id.0,
        }
    }

    /// Every rule of the record's type, as the phone and the server both check it.
    pub fn validate(
        &self,
        now: DateTime<Utc>,
        pattern: &CodePattern,
    ) -> Result<(), ValidationError> {
        match self {
            Record::Client(c) => c.validate(pattern, now),
            Record::Visit(v) => v.validate(now),
            Record::Trip(t) => t.validate(now),
            Record::Place(p) => p.validate(),
            Record::Outcome(o) => o.validate(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_json() {
        let v = crate::visit::tests::visit();
        let r = Record::Visit(v.clone());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["entity"], "visit");
        assert_eq!(json["record"]["id"], v.id.to_string());
        assert_eq!(serde_json::from_value::<Record>(json).unwrap(), r);
        assert_eq!(r.entity(), Entity::Visit);
        assert_eq!(r.id(), v.id.0);
    }
}
