//! A client of the team: a pseudonymous code, a name (sensitive), the organisation whose record
//! space the client belongs to, the phase of care and the consent to share between the two
//! organisations of the team.

use crate::error::{ValidationError, invalid};
use crate::ids::{ClientId, OrgId, TeamId};
use crate::text::{ClientCode, CodePattern, PersonName, Username};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where the client is in the care: contact is densest at intake and thins out when stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Intake,
    Active,
    Stable,
    Closed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Intake => "intake",
            Phase::Active => "active",
            Phase::Stable => "stable",
            Phase::Closed => "closed",
        }
    }
}

impl FromStr for Phase {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "intake" => Ok(Phase::Intake),
            "active" => Ok(Phase::Active),
            "stable" => Ok(Phase::Stable),
            "closed" => Ok(Phase::Closed),
            _ => invalid("phase", "must be intake, active, stable or closed"),
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Consent to share the client's contacts with the other organisation of the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    /// Never asked or not recorded: nothing is shared.
    #[default]
    None,
    Given,
    Withdrawn,
}

impl FromStr for ConsentState {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "none" => Ok(ConsentState::None),
            "given" => Ok(ConsentState::Given),
            "withdrawn" => Ok(ConsentState::Withdrawn),
            _ => invalid("consent", "must be given, withdrawn or none"),
        }
    }
}

impl fmt::Display for ConsentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConsentState::None => "none",
            ConsentState::Given => "given",
            ConsentState::Withdrawn => "withdrawn",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    pub state: ConsentState,
    /// The day consent was given or withdrawn.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// Who recorded it (a username).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub recorded_by: Option<Username>,
}

impl Consent {
    pub fn is_given(&self) -> bool {
        self.state == ConsentState::Given
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Client {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: ClientId,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub team: TeamId,
    /// In the pattern of the client's team (`client_code_pattern`, e.g. `K-###`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: ClientCode,
    /// Sensitive: sealed on the phone, never logged.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name: PersonName,
    /// The organisation whose record space holds the client.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub org: OrgId,
    pub phase: Phase,
    #[serde(default)]
    pub closed_reason: Option<String>,
    #[serde(default)]
    pub next_contact: Option<NaiveDate>,
    #[serde(default)]
    pub consent: Consent,
}

pub const CLOSED_REASON_MAX: usize = 200;

impl Client {
    /// Rules that span fields; single fields were checked when parsed.
    pub fn validate(&self, pattern: &CodePattern) -> Result<(), ValidationError> {
        pattern.check(&self.code)?;
        match (&self.phase, &self.closed_reason) {
            (Phase::Closed, None) => {
                return invalid("closed_reason", "is required when the phase is closed");
            }
            (Phase::Closed, Some(r))
                if r.trim().is_empty() || r.chars().count() > CLOSED_REASON_MAX =>
            {
                return invalid(
                    "closed_reason",
                    format!("must be 1–{CLOSED_REASON_MAX} characters long"),
                );
            }
            (p, Some(_)) if *p != Phase::Closed => {
                return invalid(
                    "closed_reason",
                    "is only for a client whose phase is closed",
                );
            }
            _ => {}
        }
        if self.consent.state != ConsentState::None && self.consent.date.is_none() {
            return invalid(
                "consent.date",
                "is required when consent is given or withdrawn",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn client() -> Client {
        Client {
            id: ClientId::new(),
            team: TeamId::new(),
            code: ClientCode::parse("K-017").unwrap(),
            name: PersonName::parse("Aino Niemi").unwrap(),
            org: OrgId::new(),
            phase: Phase::Intake,
            closed_reason: None,
            next_contact: None,
            consent: Consent::default(),
        }
    }

    #[test]
    fn closed_needs_a_reason() {
        let mut c = client();
        c.phase = Phase::Closed;
        assert_eq!(
            c.validate(&CodePattern::default()).unwrap_err().field,
            "closed_reason"
        );
        c.closed_reason = Some("Flyttat".into());
        assert!(c.validate(&CodePattern::default()).is_ok());
    }

    #[test]
    fn consent_needs_a_date() {
        let mut c = client();
        c.consent.state = ConsentState::Given;
        assert_eq!(
            c.validate(&CodePattern::default()).unwrap_err().field,
            "consent.date"
        );
        c.consent.date = NaiveDate::from_ymd_opt(2026, 11, 1);
        assert!(c.validate(&CodePattern::default()).is_ok());
    }

    #[test]
    fn code_must_match_team_pattern() {
        let c = client();
        assert!(c.validate(&CodePattern("KX-####".into())).is_err());
    }

    #[test]
    fn serde_names_are_stable() {
        let c = client();
        let v = serde_json::to_value(&c).unwrap();
        for k in [
            "id",
            "team",
            "code",
            "name",
            "org",
            "phase",
            "closed_reason",
            "next_contact",
            "consent",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(v["phase"], "intake");
        assert_eq!(v["consent"]["state"], "none");
        let back: Client = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }
}
