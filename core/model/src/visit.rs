//! A visit: one contact with a client, or one attempt at it. Failed attempts are logged too —
//! outreach means going out again — and count apart from contacts that reached the client.

use crate::error::{ValidationError, invalid};
use crate::ids::{ClientId, VisitId};
use crate::text::{Note, PlaceName, Username};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// How the contact was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    FaceToFace,
    Phone,
    Video,
    Message,
    /// Went out (or called) and did not reach the client.
    Attempted,
}

impl ContactKind {
    pub const ALL: [ContactKind; 5] = [
        ContactKind::FaceToFace,
        ContactKind::Phone,
        ContactKind::Video,
        ContactKind::Message,
        ContactKind::Attempted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::FaceToFace => "face_to_face",
            ContactKind::Phone => "phone",
            ContactKind::Video => "video",
            ContactKind::Message => "message",
            ContactKind::Attempted => "attempted",
        }
    }

    /// Whether the client was reached (every kind but an attempt).
    pub fn reached(self) -> bool {
        self != ContactKind::Attempted
    }
}

impl FromStr for ContactKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        ContactKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                ValidationError::new(
                    "contact",
                    "must be face_to_face, phone, video, message or attempted",
                )
            })
    }
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a face-to-face contact took place. ACT wants most of them out in the community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    Home,
    Community,
    Office,
    Inpatient,
}

impl Setting {
    pub const ALL: [Setting; 4] = [
        Setting::Home,
        Setting::Community,
        Setting::Office,
        Setting::Inpatient,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Setting::Home => "home",
            Setting::Community => "community",
            Setting::Office => "office",
            Setting::Inpatient => "inpatient",
        }
    }

    /// In vivo: at home or elsewhere in the community, as opposed to the office or a ward.
    pub fn in_community(self) -> bool {
        matches!(self, Setting::Home | Setting::Community)
    }
}

impl FromStr for Setting {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        Setting::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                ValidationError::new("setting", "must be home, community, office or inpatient")
            })
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MINUTES_MAX: u16 = 1440;
pub const STAFF_PRESENT_MAX: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: VisitId,
    pub client: ClientId,
    /// Who logged it; visits are edited by their author only.
    pub author: Username,
    /// Everyone present, the author included. Two staff on one visit is one contact for
    /// frequency, and counts for the team approach.
    pub staff: Vec<Username>,
    pub start: DateTime<Utc>,
    pub minutes: u16,
    pub contact: ContactKind,
    #[serde(default)]
    pub setting: Option<Setting>,
    /// Family or the client's network took part.
    #[serde(default)]
    pub network: bool,
    /// Whether the client took part. A contact with the network alone (a relative, the
    /// landlord, Försäkringskassan, the ward) while the client is absent is `false`: it does not
    /// count as reaching the client.
    #[serde(default = "present_by_default")]
    pub client_present: bool,
    /// A group activity with several clients (*gruppkontakt*).
    #[serde(default)]
    pub group: bool,
    /// Village level, never a street address (sealed on the phone).
    #[serde(default)]
    pub place: Option<PlaceName>,
    /// Sensitive; stays inside the author's organisation.
    #[serde(default)]
    pub note: Option<Note>,
}

/// Visits written before the field existed were all with the client present.
fn present_by_default() -> bool {
    true
}

/// The earliest start any record may have: older dates are typing mistakes.
pub fn earliest_start() -> DateTime<Utc> {
    // 2000-01-01 is a valid date; `single()` cannot be None for a UTC date without a gap.
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A start may lie at most a day ahead: a visit planned for tomorrow morning is fine, next
/// month is a typo.
pub(crate) fn check_start(start: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ValidationError> {
    if start > now + Duration::days(1) {
        return invalid("start", "must not be more than 1 day in the future");
    }
    if start < earliest_start() {
        return invalid("start", "must not be before the year 2000");
    }
    Ok(())
}

impl Visit {
    /// Rules that span fields or need the time; `now` is the checking side's clock.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        if !(1..=MINUTES_MAX).contains(&self.minutes) {
            return invalid(
                "minutes",
                format!("must be between 1 and {MINUTES_MAX} (got {})", self.minutes),
            );
        }
        check_start(self.start, now)?;
        match (self.contact, self.setting) {
            (ContactKind::FaceToFace, None) => {
                return invalid(
                    "setting",
                    "is required for a face-to-face contact (home, community, office or inpatient)",
                );
            }
            (ContactKind::Phone | ContactKind::Video | ContactKind::Message, Some(_)) => {
                return invalid("setting", "is only for face-to-face contacts and attempts");
            }
            _ => {}
        }
        if self.staff.is_empty() || !self.staff.contains(&self.author) {
            return invalid("staff", "must include the author of the visit");
        }
        if self.staff.len() > STAFF_PRESENT_MAX {
            return invalid(
                "staff",
                format!("must list at most {STAFF_PRESENT_MAX} people"),
            );
        }
        let mut seen = HashSet::new();
        if !self.staff.iter().all(|s| seen.insert(s)) {
            return invalid("staff", "must not list the same person twice");
        }
        if !self.client_present {
            if self.contact == ContactKind::Attempted {
                return invalid(
                    "client_present",
                    "an attempt is an attempt to reach the client; log a network contact as a contact",
                );
            }
            if !self.network {
                return invalid(
                    "network",
                    "must be set for a contact without the client (a network-only contact)",
                );
            }
        }
        Ok(())
    }

    /// Whether the contact reached the client: not an attempt, and the client took part.
    pub fn reached_client(&self) -> bool {
        self.contact.reached() && self.client_present
    }

    /// A contact with the client's network while the client was absent.
    pub fn network_only(&self) -> bool {
        !self.client_present && self.contact.reached()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn visit() -> Visit {
        let author = Username::parse("anna").unwrap();
        Visit {
            id: VisitId::new(),
            client: ClientId::new(),
            author: author.clone(),
            staff: vec![author],
            start: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
            minutes: 45,
            contact: ContactKind::FaceToFace,
            setting: Some(Setting::Home),
            network: false,
            client_present: true,
            group: false,
            place: Some(PlaceName::parse("Töre").unwrap()),
            note: Some(Note::parse("Mådde bättre").unwrap()),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_good_visit_passes() {
        visit().validate(now()).unwrap();
    }

    #[test]
    fn each_rule_names_its_field() {
        type Breaker = Box<dyn Fn(&mut Visit)>;
        let cases: Vec<(&str, Breaker)> = vec![
            ("minutes", Box::new(|v| v.minutes = 0)),
            ("minutes", Box::new(|v| v.minutes = 1441)),
            ("start", Box::new(|v| v.start = now() + Duration::hours(25))),
            (
                "start",
                Box::new(|v| v.start = Utc.with_ymd_and_hms(1999, 1, 1, 0, 0, 0).unwrap()),
            ),
            ("setting", Box::new(|v| v.setting = None)),
            (
                "setting",
                Box::new(|v| {
                    v.contact = ContactKind::Phone;
                }),
            ),
            ("staff", Box::new(|v| v.staff.clear())),
            ("staff", Box::new(|v| v.staff.push(v.author.clone()))),
            ("network", Box::new(|v| v.client_present = false)),
            (
                "client_present",
                Box::new(|v| {
                    v.client_present = false;
                    v.network = true;
                    v.contact = ContactKind::Attempted;
                }),
            ),
        ];
        for (field, break_it) in cases {
            let mut v = visit();
            break_it(&mut v);
            let e = v.validate(now()).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
    }

    #[test]
    fn start_a_few_hours_ahead_is_allowed() {
        let mut v = visit();
        v.start = now() + Duration::hours(23);
        v.validate(now()).unwrap();
    }

    #[test]
    fn an_attempt_may_have_a_setting_and_a_phone_call_not() {
        let mut v = visit();
        v.contact = ContactKind::Attempted;
        v.validate(now()).unwrap();
        v.setting = None;
        v.validate(now()).unwrap();
        assert!(!ContactKind::Attempted.reached());
    }

    #[test]
    fn a_call_with_the_mother_does_not_reach_the_client() {
        let mut v = visit();
        v.contact = ContactKind::Phone;
        v.setting = None;
        v.client_present = false;
        v.network = true;
        v.validate(now()).unwrap();
        assert!(!v.reached_client());
        assert!(v.network_only());
        v.client_present = true;
        assert!(v.reached_client());
        assert!(!v.network_only());
    }

    #[test]
    fn a_visit_from_before_the_field_had_the_client_present() {
        let mut json = serde_json::to_value(visit()).unwrap();
        let obj = json.as_object_mut().unwrap();
        obj.remove("client_present");
        obj.remove("group");
        let v: Visit = serde_json::from_value(json).unwrap();
        assert!(v.client_present);
        assert!(!v.group);
    }

    #[test]
    fn serde_names_are_stable() {
        let v = serde_json::to_value(visit()).unwrap();
        assert_eq!(v["contact"], "face_to_face");
        assert_eq!(v["setting"], "home");
        assert_eq!(v["place"], "Töre");
        for k in [
            "id", "client", "author", "staff", "start", "minutes", "network", "note",
        ] {
            assert!(v.get(k).is_some(), "missing {k}");
        }
        let bad = serde_json::json!({"contact": "teleport"});
        assert!(serde_json::from_value::<ContactKind>(bad["contact"].clone()).is_err());
    }

    fn arb_contact() -> impl Strategy<Value = ContactKind> {
        prop::sample::select(ContactKind::ALL.to_vec())
    }
    fn arb_setting() -> impl Strategy<Value = Option<Setting>> {
        prop::option::of(prop::sample::select(Setting::ALL.to_vec()))
    }

    proptest! {
        #[test]
        fn validation_matches_the_rules(minutes in 0u16..2000, contact in arb_contact(), setting in arb_setting(),
                                        ahead_h in -2000i64..100, note in ".{0,50}") {
            let mut v = visit();
            v.minutes = minutes;
            v.contact = contact;
            v.setting = setting;
            v.start = now() + Duration::hours(ahead_h);
            v.note = Note::parse(&note).ok();
            let expect_ok = (1..=1440).contains(&minutes)
                && ahead_h <= 24
                && match contact {
                    ContactKind::FaceToFace => setting.is_some(),
                    ContactKind::Attempted => true,
                    _ => setting.is_none(),
                };
            prop_assert_eq!(v.validate(now()).is_ok(), expect_ok);
        }

        #[test]
        fn serde_round_trip(minutes in 1u16..1440, contact in arb_contact(), setting in arb_setting(),
                            network: bool, note in prop::option::of("[^\u{0}-\u{8}]{0,200}")) {
            let mut v = visit();
            v.minutes = minutes;
            v.contact = contact;
            v.setting = setting;
            v.network = network;
            v.note = note.and_then(|n| Note::parse(n).ok());
            let json = serde_json::to_string(&v).unwrap();
            let back: Visit = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, v);
        }
    }
}
