//! Enrolment: `POST /v1/devices/enroll` trades the one-time code an administrator printed for a
//! device id and token (shown once, stored on the server only as a hash), with who the phone now
//! belongs to. Failures are [`problem`](super::problem) documents: `enrolment-refused` for an
//! unknown, used or expired code, 429 after too many wrong codes from one address.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::directory::{OrgView, StaffView, TeamView};

/// What the phone sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The code `uppsok admin enrol` printed (case, spaces and dashes do not matter).
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub code: String,
    /// A name for the devices page, e.g. "Annas telefon" (no control characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")
    )]
    pub device_name: Option<String>,
    /// No control characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 40, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")
    )]
    pub app_version: Option<String>,
}

/// What the server answers (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    pub device_id: Uuid,
    /// The device's bearer token; shown once, stored on the server only as a hash.
    pub token: String,
    pub staff: StaffView,
    pub org: OrgView,
    pub teams: Vec<TeamView>,
}
