//! A client of the team as an ACT team knows one: a pseudonymous code, a name (sensitive), the
//! organisation whose record space the client belongs to, the phase of care, the episode of care
//! (admission, referral source, closure with a coded reason), the one contact person
//! (*kontaktperson*) and a deputy, a protected-identity marker, and the consent to share between
//! the two organisations of the team.
//!
//! Records written before the episode fields existed carry none of them: their admission is then
//! estimated from the client's first revision by whoever reads it ([`Client::admission`]), and a
//! closure without a code counts as [`ClosureReason::Other`] with its text.

use crate::error::{ValidationError, invalid};
use crate::fidelity::Text;
use crate::ids::{ClientId, OrgId, TeamId};
use crate::text::{ClientCode, CodePattern, PersonName, Username};
use chrono::{DateTime, NaiveDate, Utc};
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

/// Why a client's care with the team ended (DACTS S2 tells planned endings from drop-outs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosureReason {
    /// The goals of the care are reached.
    GoalReached,
    /// Stepped down to other, less intensive support (housing support, primary care …).
    SteppedDown,
    /// Moved out of the team's area.
    Moved,
    /// The client declined further contact.
    Declined,
    Died,
    /// Transferred to another unit that took over the care.
    Transferred,
    /// Anything else; the text says what.
    Other,
}

impl ClosureReason {
    pub const ALL: [ClosureReason; 7] = [
        ClosureReason::GoalReached,
        ClosureReason::SteppedDown,
        ClosureReason::Moved,
        ClosureReason::Declined,
        ClosureReason::Died,
        ClosureReason::Transferred,
        ClosureReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClosureReason::GoalReached => "goal_reached",
            ClosureReason::SteppedDown => "stepped_down",
            ClosureReason::Moved => "moved",
            ClosureReason::Declined => "declined",
            ClosureReason::Died => "died",
            ClosureReason::Transferred => "transferred",
            ClosureReason::Other => "other",
        }
    }

    /// What the apps and the dashboard call it.
    pub fn label(self) -> Text {
        let (sv, en) = match self {
            ClosureReason::GoalReached => ("Målen uppnådda", "Goals reached"),
            ClosureReason::SteppedDown => {
                ("Övergått till annat stöd", "Stepped down to other support")
            }
            ClosureReason::Moved => ("Flyttat från området", "Moved out of the area"),
            ClosureReason::Declined => ("Avböjt fortsatt kontakt", "Declined further contact"),
            ClosureReason::Died => ("Avliden", "Died"),
            ClosureReason::Transferred => {
                ("Överförd till annan enhet", "Transferred to another unit")
            }
            ClosureReason::Other => ("Annat", "Other"),
        };
        Text { sv, en }
    }

    /// Whether the ending counts as a drop-out for retention (DACTS S2): the client left the
    /// care unplanned. Goals reached, a step down, a move out of the area and death do not.
    pub fn is_dropout(self) -> bool {
        matches!(
            self,
            ClosureReason::Declined | ClosureReason::Transferred | ClosureReason::Other
        )
    }
}

impl FromStr for ClosureReason {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        ClosureReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "closure",
                    "must be goal_reached, stepped_down, moved, declined, died, transferred or other",
                )
            })
    }
}

impl fmt::Display for ClosureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who referred the client to the team (the intake source, for O2 and the yearly report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Referral {
    /// Adult psychiatry, in- or outpatient (*vuxenpsykiatrin*).
    Psychiatry,
    /// The municipality's social services (*socialtjänsten*).
    SocialServices,
    /// Addiction care (*beroendevården*).
    AddictionCare,
    /// A health centre (*vårdcentralen*).
    PrimaryCare,
    /// The prison and probation service (*Kriminalvården*).
    Probation,
    /// The client asked (*egen ansökan*).
    SelfReferral,
    /// A relative or someone else close (*anhörig*).
    Relative,
    Other,
}

impl Referral {
    pub const ALL: [Referral; 8] = [
        Referral::Psychiatry,
        Referral::SocialServices,
        Referral::AddictionCare,
        Referral::PrimaryCare,
        Referral::Probation,
        Referral::SelfReferral,
        Referral::Relative,
        Referral::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Referral::Psychiatry => "psychiatry",
            Referral::SocialServices => "social_services",
            Referral::AddictionCare => "addiction_care",
            Referral::PrimaryCare => "primary_care",
            Referral::Probation => "probation",
            Referral::SelfReferral => "self_referral",
            Referral::Relative => "relative",
            Referral::Other => "other",
        }
    }

    pub fn label(self) -> Text {
        let (sv, en) = match self {
            Referral::Psychiatry => ("Psykiatrin", "Psychiatry"),
            Referral::SocialServices => ("Socialtjänsten", "Social services"),
            Referral::AddictionCare => ("Beroendevården", "Addiction care"),
            Referral::PrimaryCare => ("Vårdcentralen", "Primary care"),
            Referral::Probation => ("Kriminalvården", "Prison and probation"),
            Referral::SelfReferral => ("Egen ansökan", "Self-referral"),
            Referral::Relative => ("Anhörig", "Relative"),
            Referral::Other => ("Annan", "Other"),
        };
        Text { sv, en }
    }
}

impl FromStr for Referral {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        Referral::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "referral",
                    "must be psychiatry, social_services, addiction_care, primary_care, probation, self_referral, relative or other",
                )
            })
    }
}

impl fmt::Display for Referral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the consent to share covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// Contacts (visits) only.
    #[default]
    Contacts,
    /// Contacts and outcomes (admissions, housing, occupation …).
    ContactsAndOutcomes,
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
    /// What the consent covers (given consent only).
    #[serde(default)]
    pub scope: ConsentScope,
    /// The last day a given consent holds; after it the other organisation loses access as on
    /// withdrawal. `None`: until withdrawn.
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

impl Consent {
    /// Whether consent is given (whatever its end date; see [`Consent::in_force`]).
    pub fn is_given(&self) -> bool {
        self.state == ConsentState::Given
    }

    /// Whether a given consent still holds on `day`.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.is_given() && self.until.is_none_or(|u| day <= u)
    }

    /// Whether the other organisation may see the client's outcomes on `day`: consent in
    /// force whose scope covers them.
    pub fn shares_outcomes(&self, day: NaiveDate) -> bool {
        self.in_force(day) && self.scope == ConsentScope::ContactsAndOutcomes
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
    /// Free text about the closure; required with [`ClosureReason::Other`] and for a closure
    /// written before reasons were coded.
    #[serde(default)]
    pub closed_reason: Option<String>,
    #[serde(default)]
    pub next_contact: Option<NaiveDate>,
    #[serde(default)]
    pub consent: Consent,
    /// First day in the team's care (*inskrivningsdatum*). `None` on records from before it was
    /// asked: estimated from the first revision until a person confirms it.
    #[serde(default)]
    pub admitted: Option<NaiveDate>,
    /// Who referred the client.
    #[serde(default)]
    pub referral: Option<Referral>,
    /// The one contact person (*kontaktperson*), a case manager of the team.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub contact_person: Option<Username>,
    /// Who stands in when the contact person is away (*ersättare*).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub deputy: Option<Username>,
    /// The last day in care (closed clients only).
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    /// Why the care ended (closed clients only).
    #[serde(default)]
    pub closure: Option<ClosureReason>,
    /// Protected personal data (*skyddade personuppgifter*): name and places never leave the
    /// client page; lists, exports and the körjournal show the code only.
    #[serde(default)]
    pub protected_identity: bool,
}

pub const CLOSED_REASON_MAX: usize = 200;

/// The admission date a reader uses, and whether it is only an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub date: NaiveDate,
    /// Taken from the client's first revision; no person has confirmed it.
    pub estimated: bool,
}

impl Client {
    /// Rules that span fields or need the date; single fields were checked when parsed. `now`
    /// is the checking side's clock (a date a day ahead is allowed, as for visits).
    pub fn validate(
        &self,
        pattern: &CodePattern,
        now: DateTime<Utc>,
    ) -> Result<(), ValidationError> {
        pattern.check(&self.code)?;
        let latest = now.date_naive() + chrono::Duration::days(1);
        let earliest = crate::visit::earliest_start().date_naive();
        for (field, day) in [
            ("admitted", self.admitted),
            ("closed_on", self.closed_on),
            ("consent.date", self.consent.date),
        ] {
            match day {
                Some(d) if d > latest => return invalid(field, "must not be in the future"),
                Some(d) if d < earliest => {
                    return invalid(field, "must not be before the year 2000");
                }
                _ => {}
            }
        }
        self.validate_closure()?;
        if let (Some(a), Some(c)) = (self.admitted, self.closed_on)
            && c < a
        {
            return invalid("closed_on", "must not be before the admission date");
        }
        if self.deputy.is_some() && self.deputy == self.contact_person {
            return invalid("deputy", "must be someone else than the contact person");
        }
        if self.deputy.is_some() && self.contact_person.is_none() {
            return invalid("deputy", "needs a contact person to stand in for");
        }
        if self.consent.state != ConsentState::None && self.consent.date.is_none() {
            return invalid(
                "consent.date",
                "is required when consent is given or withdrawn",
            );
        }
        if let Some(until) = self.consent.until {
            if self.consent.state != ConsentState::Given {
                return invalid("consent.until", "is only for consent that is given");
            }
            if self.consent.date.is_some_and(|d| until < d) {
                return invalid(
                    "consent.until",
                    "must not be before the day consent was given",
                );
            }
        }
        Ok(())
    }

    fn validate_closure(&self) -> Result<(), ValidationError> {
        let text = self.closed_reason.as_deref();
        if self.phase != Phase::Closed {
            if text.is_some() {
                return invalid(
                    "closed_reason",
                    "is only for a client whose phase is closed",
                );
            }
            if self.closure.is_some() {
                return invalid("closure", "is only for a client whose phase is closed");
            }
            if self.closed_on.is_some() {
                return invalid("closed_on", "is only for a client whose phase is closed");
            }
            return Ok(());
        }
        if let Some(t) = text
            && (t.trim().is_empty() || t.chars().count() > CLOSED_REASON_MAX)
        {
            return invalid(
                "closed_reason",
                format!("must be 1–{CLOSED_REASON_MAX} characters long"),
            );
        }
        match (self.closure, text) {
            (None, None) => invalid("closure", "is required when the phase is closed"),
            (Some(ClosureReason::Other), None) => invalid(
                "closed_reason",
                "is required when the closure reason is other",
            ),
            _ => Ok(()),
        }
    }

    /// The closure reason a reader uses: a closure written before reasons were coded (text
    /// only) counts as [`ClosureReason::Other`]. `None` for a client not closed.
    pub fn closure_reason(&self) -> Option<ClosureReason> {
        (self.phase == Phase::Closed).then(|| self.closure.unwrap_or(ClosureReason::Other))
    }

    /// The admission date, or `first_revision` (the Swedish day the record was first written)
    /// flagged as an estimate when no person has given one.
    pub fn admission(&self, first_revision: NaiveDate) -> Admission {
        match self.admitted {
            Some(date) => Admission {
                date,
                estimated: false,
            },
            None => Admission {
                date: first_revision,
                estimated: true,
            },
        }
    }

    /// Whether `user` is the client's contact person or deputy: one of that user's own clients
    /// ("mina klienter").
    pub fn is_cared_for_by(&self, user: &str) -> bool {
        [&self.contact_person, &self.deputy]
            .into_iter()
            .flatten()
            .any(|u| u.as_str() == user)
    }

    /// Whether the other organisation of the team may see the client's contacts on `day`.
    pub fn shared_on(&self, day: NaiveDate) -> bool {
        self.consent.in_force(day)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

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
            admitted: NaiveDate::from_ymd_opt(2026, 3, 2),
            referral: Some(Referral::Psychiatry),
            contact_person: Some(Username::parse("anna").unwrap()),
            deputy: Some(Username::parse("bo").unwrap()),
            closed_on: None,
            closure: None,
            protected_identity: false,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn check(c: &Client) -> Result<(), ValidationError> {
        c.validate(&CodePattern::default(), now())
    }

    #[test]
    fn a_closure_needs_a_coded_reason_or_legacy_text() {
        let mut c = client();
        c.phase = Phase::Closed;
        assert_eq!(check(&c).unwrap_err().field, "closure");
        c.closure = Some(ClosureReason::Moved);
        c.closed_on = day(2026, 11, 1);
        check(&c).unwrap();
        assert_eq!(c.closure_reason(), Some(ClosureReason::Moved));
        // Other says what in words.
        c.closure = Some(ClosureReason::Other);
        assert_eq!(check(&c).unwrap_err().field, "closed_reason");
        c.closed_reason = Some("Flyttat till vårdboende".into());
        check(&c).unwrap();
        // A record from before reasons were coded: text only, read as Other.
        c.closure = None;
        check(&c).unwrap();
        assert_eq!(c.closure_reason(), Some(ClosureReason::Other));
    }

    #[test]
    fn each_rule_names_its_field() {
        type Breaker = Box<dyn Fn(&mut Client)>;
        let cases: Vec<(&str, Breaker)> = vec![
            ("admitted", Box::new(|c| c.admitted = day(2026, 11, 25))),
            ("admitted", Box::new(|c| c.admitted = day(1999, 12, 31))),
            (
                "closed_reason",
                Box::new(|c| c.closed_reason = Some("Flyttat".into())),
            ),
            (
                "closure",
                Box::new(|c| c.closure = Some(ClosureReason::Died)),
            ),
            ("closed_on", Box::new(|c| c.closed_on = day(2026, 11, 1))),
            (
                "closed_on",
                Box::new(|c| {
                    c.phase = Phase::Closed;
                    c.closure = Some(ClosureReason::GoalReached);
                    c.closed_on = day(2026, 3, 1);
                }),
            ),
            (
                "closed_reason",
                Box::new(|c| {
                    c.phase = Phase::Closed;
                    c.closure = Some(ClosureReason::GoalReached);
                    c.closed_reason = Some(" ".into());
                }),
            ),
            ("deputy", Box::new(|c| c.deputy = c.contact_person.clone())),
            ("deputy", Box::new(|c| c.contact_person = None)),
            (
                "consent.date",
                Box::new(|c| c.consent.state = ConsentState::Given),
            ),
            (
                "consent.until",
                Box::new(|c| {
                    c.consent.state = ConsentState::Withdrawn;
                    c.consent.date = day(2026, 5, 1);
                    c.consent.until = day(2026, 12, 31);
                }),
            ),
            (
                "consent.until",
                Box::new(|c| {
                    c.consent.state = ConsentState::Given;
                    c.consent.date = day(2026, 5, 1);
                    c.consent.until = day(2026, 4, 30);
                }),
            ),
        ];
        for (field, break_it) in cases {
            let mut c = client();
            check(&c).unwrap();
            break_it(&mut c);
            let e = check(&c).unwrap_err();
            assert_eq!(e.field, field, "{e}");
            assert!(!e.to_string().contains("Aino"), "{e}");
        }
    }

    #[test]
    fn consent_holds_until_its_end_date() {
        let mut c = client();
        c.consent = Consent {
            state: ConsentState::Given,
            date: day(2026, 5, 1),
            recorded_by: None,
            scope: ConsentScope::Contacts,
            until: day(2026, 10, 31),
        };
        check(&c).unwrap();
        assert!(c.shared_on(day(2026, 10, 31).unwrap()));
        assert!(!c.shared_on(day(2026, 11, 1).unwrap()));
        c.consent.until = None;
        assert!(c.shared_on(day(2030, 1, 1).unwrap()));
        c.consent.state = ConsentState::Withdrawn;
        assert!(!c.shared_on(day(2026, 6, 1).unwrap()));
    }

    #[test]
    fn admission_is_estimated_from_the_first_revision_until_given() {
        let mut c = client();
        let first = day(2025, 1, 9).unwrap();
        assert_eq!(
            c.admission(first),
            Admission {
                date: day(2026, 3, 2).unwrap(),
                estimated: false
            }
        );
        c.admitted = None;
        assert_eq!(
            c.admission(first),
            Admission {
                date: first,
                estimated: true
            }
        );
    }

    #[test]
    fn a_client_is_cared_for_by_the_contact_person_and_the_deputy() {
        let c = client();
        assert!(c.is_cared_for_by("anna") && c.is_cared_for_by("bo"));
        assert!(!c.is_cared_for_by("cecilia"));
    }

    #[test]
    fn code_must_match_team_pattern() {
        let c = client();
        assert!(c.validate(&CodePattern("KX-####".into()), now()).is_err());
    }

    #[test]
    fn a_record_from_before_the_episode_fields_still_reads() {
        let old = serde_json::json!({
            "id": ClientId::new().to_string(), "team": TeamId::new().to_string(),
            "code": "K-001", "name": "Aino Niemi", "org": OrgId::new().to_string(),
            "phase": "closed", "closed_reason": "Flyttat",
            "consent": {"state": "given", "date": "2026-01-02"}
        });
        let c: Client = serde_json::from_value(old).unwrap();
        check(&c).unwrap();
        assert_eq!(c.admitted, None);
        assert_eq!(c.consent.scope, ConsentScope::Contacts);
        assert_eq!(c.closure_reason(), Some(ClosureReason::Other));
        assert!(!c.protected_identity);
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
            "admitted",
            "referral",
            "contact_person",
            "deputy",
            "closed_on",
            "closure",
            "protected_identity",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        assert_eq!(v["phase"], "intake");
        assert_eq!(v["referral"], "psychiatry");
        assert_eq!(v["consent"]["state"], "none");
        assert_eq!(v["consent"]["scope"], "contacts");
        let back: Client = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
        for r in ClosureReason::ALL {
            assert_eq!(r.as_str().parse::<ClosureReason>().unwrap(), r);
        }
        for r in Referral::ALL {
            assert_eq!(r.as_str().parse::<Referral>().unwrap(), r);
        }
    }
}
