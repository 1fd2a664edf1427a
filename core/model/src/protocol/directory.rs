//! Organisations, teams and staff as the server describes them: in the enrolment answer, the
//! staff and team lists, `/v1/me` and a device's `/v1/devices/me`. Ids are bare UUIDs on the
//! wire.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::org::{OrgKind, Role};
use crate::protocol::sync::DeviceStatus;

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

/// A colleague in one of the device user's teams: whom the phone offers as "present" on a visit
/// (and the only names it accepts there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    pub username: String,
    pub name: String,
    pub teams: Vec<Uuid>,
}

/// `GET /v1/devices/me`: the calling device, its user and the active colleagues of the user's
/// teams (the user included). A phone asks for it now and then, after a sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceSelf {
    pub device_id: Uuid,
    pub status: DeviceStatus,
    pub staff: StaffView,
    /// Absent from servers older than this field: then the phone checks no names.
    #[serde(default)]
    pub team_members: Vec<TeamMember>,
}
