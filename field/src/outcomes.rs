//! `uppsok field outcome …`: outcomes (a stay in inpatient care, an emergency-room visit,
//! housing, occupation, the yearly satisfaction answer) on the desktop field device, through the
//! same store calls as the phone, so E2E tests can record one and sync it.
//!
//! The codes on the command line are the model's (`inpatient`, `inpatient_care`, `none` …), so a
//! wrong one is refused by the model's own parser with the field and the allowed codes.

use super::commands::{FieldError, Result, find_client, parse_date};
use chrono::Local;
use clap::{Args, Subcommand};
use std::str::FromStr;
use uppsok_device::Store;
use uppsok_model::outcome::{
    Care, Event, Housing, Kind, Occupation, Respondent, SATISFACTION_QUESTIONS, Source,
};
use uppsok_model::{AccessKind, ClientCode, Outcome, OutcomeId, ValidationError};

#[derive(Subcommand, Debug)]
pub enum OutcomeCommand {
    /// Record an outcome about a client; prints its id.
    Add {
        /// Client code, e.g. K-017.
        #[arg(long)]
        client: String,
        #[command(flatten)]
        fields: OutcomeFields,
    },
    /// Change an outcome you recorded (the whole outcome is given again); prints its id.
    Edit {
        id: String,
        #[arg(long)]
        client: String,
        #[command(flatten)]
        fields: OutcomeFields,
    },
    /// Delete an outcome you recorded.
    Delete { id: String },
    /// A client's outcomes, newest first.
    List {
        #[arg(long)]
        client: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct OutcomeFields {
    /// inpatient, emergency, housing, occupation or satisfaction.
    #[arg(long)]
    pub kind: String,
    /// The day it began (admitted, seen, moved, started, answered), YYYY-MM-DD [default: today].
    #[arg(long, value_name = "DATE")]
    pub day: Option<String>,
    /// Where the information came from: client, relative, inpatient_care, records, staff or
    /// other [default: client].
    #[arg(long)]
    pub source: Option<String>,
    /// Inpatient: psychiatric or addiction.
    #[arg(long)]
    pub care: Option<String>,
    /// Inpatient: the day of discharge, YYYY-MM-DD (leave out while still admitted).
    #[arg(long, value_name = "DATE")]
    pub discharged: Option<String>,
    /// Inpatient: compulsory care (LPT/LRV in psychiatric care, LVM in addiction care).
    #[arg(long)]
    pub compulsory: bool,
    /// Housing: own, secondhand, supported, family, institution or homeless.
    #[arg(long)]
    pub housing: Option<String>,
    /// Occupation: work, studies, work_training, daily_activity or none.
    #[arg(long)]
    pub occupation: Option<String>,
    /// Satisfaction: client or relative [default: client].
    #[arg(long)]
    pub respondent: Option<String>,
    /// Satisfaction: the four answers 1–5 in order, comma-separated, empty for a skipped one
    /// (e.g. "4,,5,1").
    #[arg(long, value_name = "LIST")]
    pub answers: Option<String>,
}

fn needed<'a>(field: &'static str, v: &'a Option<String>, kind: &str) -> Result<&'a str> {
    v.as_deref()
        .ok_or_else(|| ValidationError::new(field, format!("is needed for {kind}")).into())
}

fn answers(text: &str) -> Result<[Option<u8>; 4]> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != SATISFACTION_QUESTIONS.len() {
        return Err(ValidationError::new(
            "answers",
            "must list 4 answers separated by commas (empty for a skipped one)",
        )
        .into());
    }
    let mut out = [None; 4];
    for (slot, p) in out.iter_mut().zip(parts) {
        if !p.is_empty() {
            *slot = Some(p.parse().map_err(|_| {
                ValidationError::new("answers", "each answer must be between 1 and 5")
            })?);
        }
    }
    Ok(out)
}

impl OutcomeFields {
    fn event(&self, kind: Kind) -> Result<Event> {
        Ok(match kind {
            Kind::Inpatient => Event::Inpatient {
                care: Care::from_str(needed("care", &self.care, "an inpatient stay")?)?,
                discharged: self
                    .discharged
                    .as_deref()
                    .map(|d| parse_date("discharged", d))
                    .transpose()?,
                compulsory: self.compulsory,
            },
            Kind::Emergency => Event::Emergency,
            Kind::Housing => Event::Housing {
                housing: Housing::from_str(needed("housing", &self.housing, "a housing outcome")?)?,
            },
            Kind::Occupation => Event::Occupation {
                occupation: Occupation::from_str(needed(
                    "occupation",
                    &self.occupation,
                    "an occupation outcome",
                )?)?,
            },
            Kind::Satisfaction => Event::Satisfaction {
                respondent: match &self.respondent {
                    Some(r) => Respondent::from_str(r)?,
                    None => Respondent::Client,
                },
                answers: answers(needed("answers", &self.answers, "a satisfaction answer")?)?,
            },
        })
    }

    fn outcome(&self, store: &Store, id: OutcomeId, client: &str) -> Result<Outcome> {
        let kind = Kind::from_str(&self.kind)?;
        Ok(Outcome {
            id,
            client: find_client(store, client)?.id,
            author: store.profile()?.user,
            day: match &self.day {
                Some(d) => parse_date("day", d)?,
                None => Local::now().date_naive(),
            },
            source: match &self.source {
                Some(s) => Source::from_str(s)?,
                None => Source::Client,
            },
            event: self.event(kind)?,
        })
    }
}

fn parse_id(s: &str) -> Result<OutcomeId> {
    s.trim()
        .parse()
        .map_err(|_| ValidationError::new("id", "is not a valid id").into())
}

/// Only the author changes or deletes an outcome, as on the phone.
fn own(store: &Store, id: OutcomeId) -> Result<Outcome> {
    let o = store.outcome(id)?;
    if o.author != store.profile()?.user {
        return Err(ValidationError::new(
            "author",
            "only the colleague who recorded the outcome can change it",
        )
        .into());
    }
    Ok(o)
}

pub fn outcome_add(store: &Store, client: &str, f: &OutcomeFields) -> Result<Outcome> {
    let o = f.outcome(store, OutcomeId::new(), client)?;
    store.save_outcome(&o)?;
    Ok(o)
}

pub fn outcome_edit(store: &Store, id: &str, client: &str, f: &OutcomeFields) -> Result<Outcome> {
    let id = own(store, parse_id(id)?)?.id;
    let o = f.outcome(store, id, client)?;
    store.save_outcome(&o)?;
    Ok(o)
}

pub fn outcome_delete(store: &Store, id: &str) -> Result<OutcomeId> {
    let id = own(store, parse_id(id)?)?.id;
    store.delete_outcome(id)?;
    Ok(id)
}

pub fn outcome_list(store: &Store, client: &str) -> Result<Vec<Outcome>> {
    let c = find_client(store, client)?;
    store.log_access(c.id, AccessKind::OpenHistory)?;
    Ok(store.outcomes_for_client(c.id)?)
}

/// One line per outcome: id, day, kind and what it was, source, author.
pub fn render_outcomes(code: &ClientCode, rows: &[Outcome]) -> String {
    let mut out = String::new();
    for o in rows {
        let what = match &o.event {
            Event::Inpatient {
                care, discharged, ..
            } => format!(
                "{care}{} until:{}",
                o.compulsory_law()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default(),
                discharged.map_or("-".to_string(), |d| d.to_string())
            ),
            Event::Emergency => String::new(),
            Event::Housing { housing } => housing.to_string(),
            Event::Occupation { occupation } => occupation.to_string(),
            Event::Satisfaction {
                respondent,
                answers,
            } => format!(
                "{respondent} {}",
                answers
                    .iter()
                    .map(|a| a.map_or("-".to_string(), |a| a.to_string()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        out.push_str(&format!(
            "{}  {}  {:<8} {:<12} {:<28} source:{} by:{}\n",
            o.id,
            o.day,
            code.as_str(),
            o.event.kind().as_str(),
            what,
            o.source,
            o.author
        ));
    }
    if rows.is_empty() {
        out.push_str("no outcomes\n");
    }
    out
}

/// Run one `outcome` command; returns what to print.
pub fn run_outcome(store: &Store, cmd: OutcomeCommand) -> Result<String> {
    Ok(match cmd {
        OutcomeCommand::Add { client, fields } => {
            format!("{}\n", outcome_add(store, &client, &fields)?.id)
        }
        OutcomeCommand::Edit { id, client, fields } => {
            format!("{}\n", outcome_edit(store, &id, &client, &fields)?.id)
        }
        OutcomeCommand::Delete { id } => format!("deleted {}\n", outcome_delete(store, &id)?),
        OutcomeCommand::List { client, json } => {
            let rows = outcome_list(store, &client)?;
            if json {
                let mut s = serde_json::to_string_pretty(&rows)
                    .map_err(|e| FieldError::Usage(format!("cannot write JSON: {e}")))?;
                s.push('\n');
                s
            } else {
                render_outcomes(&find_client(store, &client)?.code, &rows)
            }
        }
    })
}
