//! Organisations, teams and staff: who works where, with which role.
//!
//! A record belongs to the *record space* of its author's organisation (docs/design.md §3); the team
//! is where people from a municipality and a region meet. The server holds these; the phone knows
//! its own user and team from enrolment and sync.

use crate::error::{ValidationError, invalid};
use crate::ids::{OrgId, StaffId, TeamId};
use crate::text::{CodePattern, PersonName, Username};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A municipality's social services or a region's psychiatry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Municipality,
    Region,
}

/// What an organisation pays per km driven for work, in öre (1/100 kr) so sums never drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    /// Own car (egen bil), per km. Common collective agreements pay about 30.50 kr/mil.
    pub own_car_ore_per_km: i64,
    /// Service car (tjänstebil), per km: usually nothing to the driver.
    pub service_car_ore_per_km: i64,
    /// Fuel allowance (*bilersättning för förmånsbil*) for a benefit car whose driver pays its
    /// fuel, fossil fuel (petrol, diesel, gas, a plug-in hybrid), per km. By default
    /// Skatteverket's tax-free amount (12 kr/mil), so all of it is tax-free.
    #[serde(default = "default_benefit_fossil")]
    pub benefit_fossil_ore_per_km: i64,
    /// The same for a benefit car that runs on electricity alone, per km (9.50 kr/mil).
    #[serde(default = "default_benefit_electric")]
    pub benefit_electric_ore_per_km: i64,
}

fn default_benefit_fossil() -> i64 {
    120
}

fn default_benefit_electric() -> i64 {
    95
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            own_car_ore_per_km: 305,
            service_car_ore_per_km: 0,
            benefit_fossil_ore_per_km: default_benefit_fossil(),
            benefit_electric_ore_per_km: default_benefit_electric(),
        }
    }
}

impl Rates {
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, v) in [
            ("own_car_ore_per_km", self.own_car_ore_per_km),
            ("service_car_ore_per_km", self.service_car_ore_per_km),
            ("benefit_fossil_ore_per_km", self.benefit_fossil_ore_per_km),
            (
                "benefit_electric_ore_per_km",
                self.benefit_electric_ore_per_km,
            ),
        ] {
            if !(0..=10_000).contains(&v) {
                return invalid(field, "must be between 0 and 100 kr per km, given in öre");
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub name: PersonName,
    pub kind: OrgKind,
    #[serde(default)]
    pub rates: Rates,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub name: PersonName,
    /// The organisation that runs the team; its members may come from others too.
    pub org: OrgId,
    #[serde(default)]
    pub client_code_pattern: CodePattern,
}

/// What a member of staff may do. Checked on every server route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CaseManager,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CaseManager => "case_manager",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Supervisors and admins log in with a second factor.
    pub fn needs_totp(self) -> bool {
        !matches!(self, Role::CaseManager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "case_manager" => Ok(Role::CaseManager),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            _ => invalid("role", "must be case_manager, supervisor or admin"),
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrgKind::Municipality => "municipality",
            OrgKind::Region => "region",
        })
    }
}

impl FromStr for OrgKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "municipality" | "kommun" => Ok(OrgKind::Municipality),
            "region" => Ok(OrgKind::Region),
            _ => invalid("kind", "must be municipality or region"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Staff {
    pub id: StaffId,
    pub username: Username,
    pub name: PersonName,
    pub org: OrgId,
    pub role: Role,
    #[serde(default)]
    pub teams: Vec<TeamId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_text_round_trip() {
        for r in [Role::CaseManager, Role::Supervisor, Role::Admin] {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
        }
        assert_eq!("boss".parse::<Role>().unwrap_err().field, "role");
        assert!(Role::Supervisor.needs_totp() && !Role::CaseManager.needs_totp());
    }

    #[test]
    fn rates_are_bounded() {
        assert!(Rates::default().validate().is_ok());
        let bad = Rates {
            own_car_ore_per_km: -1,
            ..Rates::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "own_car_ore_per_km");
    }
}
