//! Typed record identifiers: UUIDv7, so ids sort by creation time and index well in SQLite and
//! PostgreSQL, and made on the phone without asking the server.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::ValidationError::new("id", "is not a valid id (expected a UUID)"))
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(/// An organisation (a municipality or a region).
    OrgId);
id_type!(/// A team of case managers.
    TeamId);
id_type!(/// A member of staff.
    StaffId);
id_type!(/// A client of the team.
    ClientId);
id_type!(/// A visit (a contact, or an attempt at one).
    VisitId);
id_type!(/// A trip driven for work.
    TripId);
id_type!(/// An outcome recorded about a client (a stay in care, housing …).
    OutcomeId);
id_type!(/// A place in the team's list.
    PlaceId);
id_type!(/// An enrolled phone (or desktop device).
    DeviceId);
id_type!(/// One change in a device's outbox; the server applies each exactly once.
    ChangeId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_time_ordered() {
        let a = VisitId::new();
        let b = VisitId::new();
        assert_eq!(a.0.get_version_num(), 7);
        assert!(a < b, "v7 ids made later sort later");
    }

    #[test]
    fn id_round_trips_through_text_and_json() {
        let a = ClientId::new();
        assert_eq!(a.to_string().parse::<ClientId>().unwrap(), a);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, format!("\"{a}\""));
        assert_eq!(serde_json::from_str::<ClientId>(&json).unwrap(), a);
        assert!("not-a-uuid".parse::<ClientId>().is_err());
    }
}
