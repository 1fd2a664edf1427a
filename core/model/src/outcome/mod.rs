//! An outcome: something in a client's life the team wants to know changed — a stay in inpatient
//! care (with LPT or LVM as a flag), an emergency-room visit, where the client lives, what the
//! client does in the day, and a yearly satisfaction answer from the client or a relative.
//!
//! Outcomes are recorded on the phone and the dashboard like contacts, under the same consent and
//! record-space rules, and each says where the information came from (the client, inpatient
//! care …) because a figure built on the client's own account reads differently from one taken
//! from the ward's records. [`figures`] turns them into the before/after comparison a committee
//! asks for.

pub mod figures;

use crate::error::{ValidationError, invalid};
use crate::fidelity::Text;
use crate::ids::{ClientId, OutcomeId};
use crate::text::Username;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A closed list of codes stored as snake_case text, with a Swedish and English label: the
/// same shape as the client's referral and closure codes, written once for this module's five.
macro_rules! code_enum {
    (
        $(#[$doc:meta])*
        $name:ident, $field:literal {
            $($(#[$vdoc:meta])* $variant:ident = $code:literal, $sv:literal, $en:literal;)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            pub fn label(self) -> Text {
                match self {
                    $($name::$variant => Text { sv: $sv, en: $en },)+
                }
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, ValidationError> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let codes: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    ValidationError::new($field, format!("must be one of {}", codes.join(", ")))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum! {
    /// Where the information came from.
    Source, "source" {
        /// *Uppgift från klienten.*
        Client = "client", "Uppgift från klienten", "From the client";
        /// *Uppgift från närstående.*
        Relative = "relative", "Uppgift från närstående", "From a relative";
        /// *Från slutenvården* (the ward's discharge note, a call from the ward).
        InpatientCare = "inpatient_care", "Från slutenvården", "From inpatient care";
        /// *Från journal eller register* (the region's records, the municipality's case file).
        Records = "records", "Från journal eller register", "From records";
        /// What the staff saw themselves.
        Staff = "staff", "Personalens iakttagelse", "Seen by staff";
        Other = "other", "Annan källa", "Other source";
    }
}

code_enum! {
    /// Which inpatient care a stay was in.
    Care, "care" {
        /// Psychiatric inpatient care (*psykiatrisk slutenvård*); compulsory care is LPT or LRV.
        Psychiatric = "psychiatric", "Psykiatrisk slutenvård", "Psychiatric inpatient care";
        /// Addiction care: detoxification ward or treatment home; compulsory care is LVM.
        Addiction = "addiction", "Beroendevård (avgiftning, behandlingshem)", "Addiction inpatient care";
    }
}

impl Care {
    /// The law a compulsory stay is under: LPT (or LRV) in psychiatric care, LVM in addiction
    /// care. The form's switch is labelled with it.
    pub fn compulsory_law(self) -> &'static str {
        match self {
            Care::Psychiatric => "LPT",
            Care::Addiction => "LVM",
        }
    }
}

code_enum! {
    /// Where the client lives.
    Housing, "housing" {
        /// Own tenancy or owned home (*eget förstahandskontrakt, ägd bostad*).
        Own = "own", "Eget boende", "Own home";
        /// A lease through social services, Housing First included (*andrahandskontrakt*).
        Secondhand = "secondhand", "Andrahandskontrakt (t.ex. Bostad först)", "Sublease (e.g. Housing First)";
        /// Supported or staffed housing (*boende med särskild service, stödboende*).
        Supported = "supported", "Stödboende eller särskilt boende", "Supported housing";
        /// Living with parents or other family.
        Family = "family", "Hos familj eller anhöriga", "With family";
        /// A treatment home or institution (*HVB, LVM-hem*).
        Institution = "institution", "Institution eller HVB", "Institution";
        /// Homeless, emergency shelter or temporary stay (*akut hemlös, härbärge, tillfälligt*).
        Homeless = "homeless", "Hemlös eller tillfälligt boende", "Homeless or temporary";
    }
}

code_enum! {
    /// What the client does in the day.
    Occupation, "occupation" {
        /// Work, supported employment (IPS) included.
        Work = "work", "Arbete (även IPS)", "Work (IPS included)";
        Studies = "studies", "Studier", "Studies";
        /// Work training or a work-oriented programme (*arbetsträning*).
        WorkTraining = "work_training", "Arbetsträning", "Work training";
        /// Daily activity run by the municipality (*sysselsättning, daglig verksamhet*).
        DailyActivity = "daily_activity", "Sysselsättning", "Daily activity";
        /// Nothing regular.
        None = "none", "Ingen regelbunden sysselsättning", "No regular activity";
    }
}

code_enum! {
    /// Who answered the satisfaction form.
    Respondent, "respondent" {
        Client = "client", "Klienten", "The client";
        Relative = "relative", "Närstående", "A relative";
    }
}

/// The yearly satisfaction form: four statements, each answered 1 (not at all) … 5 (fully), or
/// left out. Short on purpose: it is asked at a visit, on a phone, of someone who may be tired.
pub const SATISFACTION_QUESTIONS: [Text; 4] = [
    Text {
        sv: "Jag får hjälp med det som är viktigt för mig",
        en: "I get help with what matters to me",
    },
    Text {
        sv: "Det är lätt att få tag på personalen",
        en: "It is easy to reach the staff",
    },
    Text {
        sv: "Jag blir bemött med respekt",
        en: "I am treated with respect",
    },
    Text {
        sv: "Min situation har blivit bättre",
        en: "My situation has improved",
    },
];

/// What happened. The outcome's `day` is the day it began (admitted, seen at the emergency
/// room, moved, started, answered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A stay in inpatient care. `discharged` is `None` while the client is still there.
    /// `compulsory` is care under LPT/LRV (psychiatric) or LVM (addiction).
    Inpatient {
        care: Care,
        #[serde(default)]
        discharged: Option<NaiveDate>,
        #[serde(default)]
        compulsory: bool,
    },
    /// A visit to an emergency room (*akutmottagning*), psychiatric or somatic.
    Emergency,
    /// The client lives like this from `day` on.
    Housing { housing: Housing },
    /// The client does this from `day` on.
    Occupation { occupation: Occupation },
    /// The yearly satisfaction answer: one entry per [`SATISFACTION_QUESTIONS`], 1–5 or left out.
    Satisfaction {
        respondent: Respondent,
        answers: [Option<u8>; 4],
    },
}

impl Event {
    pub fn kind(&self) -> Kind {
        match self {
            Event::Inpatient { .. } => Kind::Inpatient,
            Event::Emergency => Kind::Emergency,
            Event::Housing { .. } => Kind::Housing,
            Event::Occupation { .. } => Kind::Occupation,
            Event::Satisfaction { .. } => Kind::Satisfaction,
        }
    }
}

code_enum! {
    /// The kinds of outcome, for lists and filters.
    Kind, "kind" {
        Inpatient = "inpatient", "Inskrivning i slutenvård", "Inpatient stay";
        Emergency = "emergency", "Besök på akutmottagning", "Emergency-room visit";
        Housing = "housing", "Boende", "Housing";
        Occupation = "occupation", "Sysselsättning", "Daily occupation";
        Satisfaction = "satisfaction", "Nöjdhet (årlig fråga)", "Satisfaction (yearly)";
    }
}

/// One recorded outcome about one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: OutcomeId,
    pub client: ClientId,
    /// Who recorded it; edited by its author only, like a contact.
    pub author: Username,
    /// The day it happened (see [`Event`]).
    pub day: NaiveDate,
    pub source: Source,
    pub event: Event,
}

impl Outcome {
    /// Rules that span fields or need the date; `now` is the checking side's clock (a day
    /// ahead is allowed, as for contacts, for a phone whose clock runs fast).
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        let latest = now.date_naive() + chrono::Duration::days(1);
        // Outcomes before admission are asked for (the year before the team), so older days
        // are fine; before 1990 is a typing error, not a history anyone has records of.
        let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN);
        if self.day > latest {
            return invalid("day", "must not be in the future");
        }
        if self.day < earliest {
            return invalid("day", "must not be before 1990");
        }
        match &self.event {
            Event::Inpatient {
                discharged: Some(out),
                ..
            } => {
                if *out < self.day {
                    return invalid("discharged", "must not be before the day of admission");
                }
                if *out > latest {
                    return invalid(
                        "discharged",
                        "must not be in the future (leave it out while the client is still admitted)",
                    );
                }
            }
            Event::Satisfaction { answers, .. } => {
                if answers.iter().flatten().any(|a| !(1..=5).contains(a)) {
                    return invalid("answers", "each answer must be between 1 and 5");
                }
                if answers.iter().all(Option::is_none) {
                    return invalid("answers", "must answer at least one question");
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// For a stay in inpatient care: the law it was under, when compulsory ("LPT" in
    /// psychiatric care, "LVM" in addiction care).
    pub fn compulsory_law(&self) -> Option<&'static str> {
        match self.event {
            Event::Inpatient {
                care,
                compulsory: true,
                ..
            } => Some(care.compulsory_law()),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub fn outcome(on: NaiveDate, event: Event) -> Outcome {
        Outcome {
            id: OutcomeId::new(),
            client: ClientId::new(),
            author: "anna".parse().unwrap(),
            day: on,
            source: Source::InpatientCare,
            event,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_stay_round_trips_as_tagged_json() {
        let o = outcome(
            day(2026, 3, 2),
            Event::Inpatient {
                care: Care::Psychiatric,
                discharged: Some(day(2026, 3, 9)),
                compulsory: true,
            },
        );
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["event"]["kind"], "inpatient");
        assert_eq!(json["event"]["care"], "psychiatric");
        assert_eq!(json["source"], "inpatient_care");
        assert_eq!(serde_json::from_value::<Outcome>(json).unwrap(), o);
        assert_eq!(o.compulsory_law(), Some("LPT"));
        o.validate(now()).unwrap();
    }

    #[test]
    fn an_old_body_without_flags_reads_as_a_voluntary_ongoing_stay() {
        let id = OutcomeId::new();
        let json = serde_json::json!({
            "id": id, "client": ClientId::new(), "author": "anna", "day": "2026-01-05",
            "source": "client", "event": {"kind": "inpatient", "care": "addiction"}
        });
        let o: Outcome = serde_json::from_value(json).unwrap();
        assert_eq!(
            o.event,
            Event::Inpatient {
                care: Care::Addiction,
                discharged: None,
                compulsory: false
            }
        );
        assert_eq!(o.compulsory_law(), None);
    }

    #[test]
    fn validation_names_the_field_and_the_rule() {
        let stay = |out| Event::Inpatient {
            care: Care::Addiction,
            discharged: Some(out),
            compulsory: true,
        };
        let e = outcome(day(2026, 3, 2), stay(day(2026, 3, 1)))
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "discharged");
        let e = outcome(day(2026, 5, 30), stay(day(2026, 6, 20)))
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "discharged");
        assert_eq!(
            outcome(day(2026, 3, 2), stay(day(2026, 3, 2))).compulsory_law(),
            Some("LVM")
        );
        outcome(day(2026, 3, 2), stay(day(2026, 3, 2)))
            .validate(now())
            .unwrap();

        let e = outcome(day(2026, 6, 3), Event::Emergency)
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "day");
        let e = outcome(day(1989, 12, 31), Event::Emergency)
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "day");
        outcome(day(2026, 6, 2), Event::Emergency)
            .validate(now())
            .unwrap();

        let answer = |answers| Event::Satisfaction {
            respondent: Respondent::Relative,
            answers,
        };
        let e = outcome(day(2026, 5, 1), answer([Some(6), None, None, None]))
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "answers");
        let e = outcome(day(2026, 5, 1), answer([Some(0), None, None, None]))
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "answers");
        let e = outcome(day(2026, 5, 1), answer([None; 4]))
            .validate(now())
            .unwrap_err();
        assert_eq!(e.field, "answers");
        outcome(day(2026, 5, 1), answer([Some(5), None, Some(1), Some(3)]))
            .validate(now())
            .unwrap();
    }

    #[test]
    fn codes_parse_and_name_the_choices_when_wrong() {
        for h in Housing::ALL {
            assert_eq!(h.as_str().parse::<Housing>().unwrap(), *h);
        }
        assert_eq!(" work ".parse::<Occupation>().unwrap(), Occupation::Work);
        let e = "flat".parse::<Housing>().unwrap_err();
        assert_eq!(e.field, "housing");
        assert!(e.rule.contains("secondhand"), "{}", e.rule);
        assert_eq!(Source::InpatientCare.label().sv, "Från slutenvården");
        assert_eq!(
            Event::Housing {
                housing: Housing::Own
            }
            .kind(),
            Kind::Housing
        );
    }
}
