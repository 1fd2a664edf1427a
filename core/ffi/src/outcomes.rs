//! Outcomes through the facade: a stay in inpatient care, an emergency-room visit, housing,
//! occupation and the yearly satisfaction answer, recorded on the phone like visits.
//!
//! The model's `Event` is a tagged enum; here it is one flat record ([`OutcomeInput`] /
//! [`OutcomeItem`]) with a [`OutcomeKind`] and the fields each kind needs, because a form edits
//! fields, and a Kotlin sealed class or Swift enum with payloads would make every form field a
//! pattern match. The conversion checks that the kind's fields are there (the error names the
//! missing one) and the model's validation does the rest. The labels and the satisfaction
//! questions come from the model, so the apps never hold a second copy of the wording.

use super::error::{Result, UppsokError};
use super::store::UppsokStore;
use super::types::parse_id;
use chrono::NaiveDate;
use uppsok_model as m;
use uppsok_model::outcome as o;

// ----- enums -----

/// The kinds of outcome (the model's `outcome::Kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OutcomeKind {
    Inpatient,
    Emergency,
    Housing,
    Occupation,
    Satisfaction,
}

/// Where the information came from (the model's `outcome::Source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OutcomeSource {
    Client,
    Relative,
    InpatientCare,
    Records,
    Staff,
    Other,
}

/// Which inpatient care a stay was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Care {
    Psychiatric,
    Addiction,
}

/// Where the client lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Housing {
    Own,
    Secondhand,
    Supported,
    Family,
    Institution,
    Homeless,
}

/// What the client does in the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Occupation {
    Work,
    Studies,
    WorkTraining,
    DailyActivity,
    NoRegularActivity,
}

/// Who answered the satisfaction form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Respondent {
    Client,
    Relative,
}

macro_rules! mirror {
    ($ffi:ident <=> $model:path { $($a:ident <=> $b:ident),* $(,)? }) => {
        impl From<$ffi> for $model {
            fn from(v: $ffi) -> Self {
                match v { $($ffi::$a => <$model>::$b),* }
            }
        }
        impl From<$model> for $ffi {
            fn from(v: $model) -> Self {
                match v { $(<$model>::$b => $ffi::$a),* }
            }
        }
    };
}

mirror!(OutcomeKind <=> o::Kind {
    Inpatient <=> Inpatient, Emergency <=> Emergency, Housing <=> Housing,
    Occupation <=> Occupation, Satisfaction <=> Satisfaction,
});
mirror!(OutcomeSource <=> o::Source {
    Client <=> Client, Relative <=> Relative, InpatientCare <=> InpatientCare,
    Records <=> Records, Staff <=> Staff, Other <=> Other,
});
mirror!(Care <=> o::Care { Psychiatric <=> Psychiatric, Addiction <=> Addiction });
mirror!(Housing <=> o::Housing {
    Own <=> Own, Secondhand <=> Secondhand, Supported <=> Supported, Family <=> Family,
    Institution <=> Institution, Homeless <=> Homeless,
});
// `None` in the model is `NoRegularActivity` here, for the same reason as `NotRecorded` in
// `ConsentState`: Swift's `Optional.none` would shadow a case named `none`.
mirror!(Occupation <=> o::Occupation {
    Work <=> Work, Studies <=> Studies, WorkTraining <=> WorkTraining,
    DailyActivity <=> DailyActivity, NoRegularActivity <=> None,
});
mirror!(Respondent <=> o::Respondent { Client <=> Client, Relative <=> Relative });

// ----- records -----

/// A text in both of the apps' languages.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bilingual {
    pub sv: String,
    pub en: String,
}

impl From<m::fidelity::Text> for Bilingual {
    fn from(t: m::fidelity::Text) -> Self {
        Bilingual {
            sv: t.sv.to_owned(),
            en: t.en.to_owned(),
        }
    }
}

/// A new outcome (`id` = null) or an edit of one the user recorded. Only the fields of `kind`
/// are read; the others are ignored.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutcomeInput {
    pub id: Option<String>,
    pub client_id: String,
    /// `YYYY-MM-DD`: the day it began (admitted, seen, moved, started, answered).
    pub day: String,
    pub source: OutcomeSource,
    pub kind: OutcomeKind,
    /// Inpatient: which care (required).
    pub care: Option<Care>,
    /// Inpatient: `YYYY-MM-DD`, null while the client is still admitted.
    pub discharged: Option<String>,
    /// Inpatient: under LPT/LRV (psychiatric) or LVM (addiction).
    pub compulsory: bool,
    /// Housing: required.
    pub housing: Option<Housing>,
    /// Occupation: required.
    pub occupation: Option<Occupation>,
    /// Satisfaction: required.
    pub respondent: Option<Respondent>,
    /// Satisfaction: one per [`satisfaction_questions`], 1–5 or null (skipped); at least one.
    pub answers: Vec<Option<i32>>,
}

/// A recorded outcome, with the client's code when the client is on the phone.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutcomeItem {
    pub id: String,
    pub client_id: String,
    pub client_code: Option<String>,
    pub author: String,
    pub day: String,
    pub source: OutcomeSource,
    pub kind: OutcomeKind,
    pub care: Option<Care>,
    pub discharged: Option<String>,
    pub compulsory: bool,
    /// "LPT" or "LVM" for a compulsory stay, else null.
    pub compulsory_law: Option<String>,
    pub housing: Option<Housing>,
    pub occupation: Option<Occupation>,
    pub respondent: Option<Respondent>,
    /// Four entries for a satisfaction answer, empty for the other kinds.
    pub answers: Vec<Option<i32>>,
}

// ----- wording -----

/// The yearly satisfaction form's four statements, in order, each answered 1 (not at all) to
/// 5 (fully) or skipped.
#[uniffi::export]
pub fn satisfaction_questions() -> Vec<Bilingual> {
    o::SATISFACTION_QUESTIONS
        .iter()
        .copied()
        .map(Bilingual::from)
        .collect()
}

#[uniffi::export]
pub fn outcome_kind_label(kind: OutcomeKind) -> Bilingual {
    o::Kind::from(kind).label().into()
}

#[uniffi::export]
pub fn outcome_source_label(source: OutcomeSource) -> Bilingual {
    o::Source::from(source).label().into()
}

#[uniffi::export]
pub fn care_label(care: Care) -> Bilingual {
    o::Care::from(care).label().into()
}

#[uniffi::export]
pub fn housing_label(housing: Housing) -> Bilingual {
    o::Housing::from(housing).label().into()
}

#[uniffi::export]
pub fn occupation_label(occupation: Occupation) -> Bilingual {
    o::Occupation::from(occupation).label().into()
}

#[uniffi::export]
pub fn respondent_label(respondent: Respondent) -> Bilingual {
    o::Respondent::from(respondent).label().into()
}

/// The law a compulsory stay in `care` is under: "LPT" (psychiatric) or "LVM" (addiction), for
/// the label of the form's compulsory-care switch.
#[uniffi::export]
pub fn compulsory_law(care: Care) -> String {
    o::Care::from(care).compulsory_law().to_owned()
}

// ----- conversions -----

fn day(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| UppsokError::invalid(field, "must be a date like 2026-11-22"))
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn needed<T>(field: &str, v: Option<T>, kind: &str) -> Result<T> {
    v.ok_or_else(|| UppsokError::invalid(field, format!("is needed for {kind}")))
}

impl OutcomeInput {
    fn event(&self) -> Result<o::Event> {
        Ok(match self.kind {
            OutcomeKind::Inpatient => o::Event::Inpatient {
                care: needed("care", self.care, "an inpatient stay")?.into(),
                discharged: self
                    .discharged
                    .as_deref()
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| day("discharged", d))
                    .transpose()?,
                compulsory: self.compulsory,
            },
            OutcomeKind::Emergency => o::Event::Emergency,
            OutcomeKind::Housing => o::Event::Housing {
                housing: needed("housing", self.housing, "a housing outcome")?.into(),
            },
            OutcomeKind::Occupation => o::Event::Occupation {
                occupation: needed("occupation", self.occupation, "an occupation outcome")?.into(),
            },
            OutcomeKind::Satisfaction => {
                let respondent = needed("respondent", self.respondent, "a satisfaction answer")?;
                let n = o::SATISFACTION_QUESTIONS.len();
                if self.answers.len() != n {
                    return Err(UppsokError::invalid(
                        "answers",
                        format!("must have {n} entries, one per question"),
                    ));
                }
                let mut answers = [None; 4];
                for (slot, a) in answers.iter_mut().zip(&self.answers) {
                    *slot = a
                        .map(|a| {
                            u8::try_from(a).map_err(|_| {
                                UppsokError::invalid(
                                    "answers",
                                    "each answer must be between 1 and 5",
                                )
                            })
                        })
                        .transpose()?;
                }
                o::Event::Satisfaction {
                    respondent: respondent.into(),
                    answers,
                }
            }
        })
    }

    pub(crate) fn to_model(&self, author: &m::Username) -> Result<m::Outcome> {
        Ok(m::Outcome {
            id: match &self.id {
                Some(id) => parse_id("id", id)?,
                None => m::OutcomeId::new(),
            },
            client: parse_id("client", &self.client_id)?,
            author: author.clone(),
            day: day("day", &self.day)?,
            source: self.source.into(),
            event: self.event()?,
        })
    }
}

impl OutcomeItem {
    pub(crate) fn from_model(v: &m::Outcome, client_code: Option<String>) -> Self {
        let mut item = OutcomeItem {
            id: v.id.to_string(),
            client_id: v.client.to_string(),
            client_code,
            author: v.author.to_string(),
            day: day_text(v.day),
            source: v.source.into(),
            kind: v.event.kind().into(),
            care: None,
            discharged: None,
            compulsory: false,
            compulsory_law: v.compulsory_law().map(str::to_owned),
            housing: None,
            occupation: None,
            respondent: None,
            answers: Vec::new(),
        };
        match &v.event {
            o::Event::Inpatient {
                care,
                discharged,
                compulsory,
            } => {
                item.care = Some((*care).into());
                item.discharged = discharged.map(day_text);
                item.compulsory = *compulsory;
            }
            o::Event::Emergency => {}
            o::Event::Housing { housing } => item.housing = Some((*housing).into()),
            o::Event::Occupation { occupation } => item.occupation = Some((*occupation).into()),
            o::Event::Satisfaction {
                respondent,
                answers,
            } => {
                item.respondent = Some((*respondent).into());
                item.answers = answers.iter().map(|a| a.map(i32::from)).collect();
            }
        }
        item
    }
}

// ----- the store's calls -----

#[uniffi::export]
impl UppsokStore {
    /// Record an outcome (or, with `input.id`, change one the user recorded: like a contact,
    /// an outcome is edited by its author only). The phone's user is the author.
    pub fn save_outcome(&self, input: OutcomeInput) -> Result<OutcomeItem> {
        self.shared.with(|s| {
            let profile = s.profile()?;
            let outcome = input.to_model(&profile.user)?;
            match s.outcome(outcome.id) {
                Ok(old) if old.author != profile.user => {
                    return Err(UppsokError::invalid(
                        "author",
                        "only the colleague who recorded the outcome can change it",
                    ));
                }
                Ok(_) | Err(uppsok_device::DeviceError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            s.save_outcome(&outcome)?;
            let code = s.client(outcome.client).ok().map(|c| c.code.to_string());
            Ok(OutcomeItem::from_model(&outcome, code))
        })
    }

    /// Delete an outcome the user recorded.
    pub fn delete_outcome(&self, id: String) -> Result<()> {
        let id: m::OutcomeId = parse_id("id", &id)?;
        self.shared.with(|s| {
            if s.outcome(id)?.author != s.profile()?.user {
                return Err(UppsokError::invalid(
                    "author",
                    "only the colleague who recorded the outcome can delete it",
                ));
            }
            Ok(s.delete_outcome(id).map(|_| ())?)
        })
    }

    /// A client's outcomes, newest day first (then the latest recorded first): part of the
    /// client's history, logged in the phone's access log like its visits.
    pub fn outcomes_for_client(&self, client_id: String) -> Result<Vec<OutcomeItem>> {
        let client: m::ClientId = parse_id("client", &client_id)?;
        self.shared.with(|s| {
            super::store::log_history(s, client)?;
            let code = s.client(client).ok().map(|c| c.code.to_string());
            Ok(s.outcomes_for_client(client)?
                .iter()
                .map(|v| OutcomeItem::from_model(v, code.clone()))
                .collect())
        })
    }
}
