//! Organisations, teams and staff as the server describes them: in the enrolment answer, the
//! staff and team lists and `/v1/me`. Ids are bare UUIDs on the wire.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::org::{OrgKind, Role};

/// An organisation and its mileage rates (öre per km).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgView {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub own_car_ore_per_km: i64,
    pub service_car_ore_per_km: i64,
}

/// A team, with the pattern its client codes follow (e.g. `K-###`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamView {
    pub id: Uuid,
    pub name: String,
    pub org: Uuid,
    pub client_code_pattern: String,
}

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffView {
    pub id: Uuid,
    pub username: String,
    pub name: String,
    pub org: Uuid,
    pub role: Role,
    pub teams: Vec<Uuid>,
    pub active: bool,
}
