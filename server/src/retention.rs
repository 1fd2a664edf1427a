//! Retention (gallring): how long each organisation keeps each class of data, and the job that
//! culls what is past its period — on the server, and through sync's tombstones on the phones.
//!
//! The rules here are pure (classes, their defaults from the law, the floor an administrator may
//! not go below, the cut-off of a day); the job ([`plan`], [`run`]) reads and writes through
//! [`crate::store`] (`store/retention.rs`). `uppsok admin retention …` and the daily task of
//! `uppsok serve` ([`spawn_daily`]) are its two callers. docs/retention.md has the why and the
//! legal sources; docs/privacy.md the framing.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uppsok_model::{OrgId, OrgKind};

use crate::store::{ClassRow, Store, StoreResult};

/// Who a run by `uppsok serve`'s daily task is recorded as.
pub const SCHEDULER: &str = "schemaläggare";

/// What is kept for how long. One class per law that sets a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionClass {
    /// A client's record and all its contacts (visits with their notes): the social-services
    /// personakt or the health-care journal. Counted from the last entry about the client.
    ClientRecords,
    /// Trips and their mileage approvals: accounting records (räkenskapsinformation).
    Trips,
    /// The access log.
    AccessLog,
}

impl RetentionClass {
    pub const ALL: [RetentionClass; 3] = [
        RetentionClass::ClientRecords,
        RetentionClass::Trips,
        RetentionClass::AccessLog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RetentionClass::ClientRecords => "client_records",
            RetentionClass::Trips => "trips",
            RetentionClass::AccessLog => "access_log",
        }
    }

    /// The period the law sets for an organisation of `kind` (docs/retention.md names each
    /// source): a default to confirm with the organisation's archivist, and the floor.
    pub fn default_years(self, kind: OrgKind) -> i64 {
        match (self, kind) {
            // Socialtjänstlagen: personakter are culled five years after the last entry.
            (RetentionClass::ClientRecords, OrgKind::Municipality) => 5,
            // Patientdatalagen 3 kap. 17 §: at least ten years after the last entry.
            (RetentionClass::ClientRecords, OrgKind::Region) => 10,
            // Bokföringslagen 7 kap. 2 §: through the seventh year after the year ended.
            (RetentionClass::Trips, _) => 7,
            // HSLF-FS 2016:40: access logs are kept at least five years.
            (RetentionClass::AccessLog, _) => 5,
        }
    }

    /// Whether a proposed period is allowed: `Err` names the field and the rule.
    pub fn check_years(self, kind: OrgKind, years: i64) -> Result<(), RetentionError> {
        let floor = self.default_years(kind);
        if years > 100 {
            return Err(RetentionError::Invalid(
                "years: must be at most 100".to_owned(),
            ));
        }
        if years < floor {
            return Err(RetentionError::Invalid(format!(
                "years: the law asks at least {floor} years for {} of a {}",
                self.as_str(),
                kind
            )));
        }
        Ok(())
    }

    /// The first instant that is kept on `today`: everything older goes (Unix ms, midnight UTC).
    /// Trips follow bokföringslagen's calendar years (kept through the `years`-th year after the
    /// year they belong to, so on 2026-03-01 with 7 years, 2018's go and 2019's stay); the
    /// others count whole years back from today.
    pub fn cutoff_ms(self, today: NaiveDate, years: i64) -> i64 {
        let years = i32::try_from(years.clamp(0, 1000)).unwrap_or(1000);
        let day = match self {
            RetentionClass::Trips => NaiveDate::from_ymd_opt(today.year() - years, 1, 1),
            _ => today.with_year(today.year() - years).or_else(|| {
                // 29 February in a year without one: the day after.
                NaiveDate::from_ymd_opt(today.year() - years, 3, 1)
            }),
        };
        day.and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(i64::MIN, |t| t.and_utc().timestamp_millis())
    }
}

impl std::fmt::Display for RetentionClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RetentionClass {
    type Err = RetentionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RetentionClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                RetentionError::Invalid(
                    "class: must be client_records, trips or access_log".to_owned(),
                )
            })
    }
}

/// What can go wrong with a retention request, apart from the database.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The period of `class` in force for an organisation on `today`: the row with the latest
/// `effective_from` on or before it, else the law's default for the organisation's kind.
pub fn years_in_force(
    rows: &[ClassRow],
    org: OrgId,
    kind: OrgKind,
    class: RetentionClass,
    today: NaiveDate,
) -> i64 {
    rows.iter()
        .filter(|r| r.org == org && r.class == class && r.effective_from <= today)
        .max_by_key(|r| r.effective_from)
        .map_or_else(|| class.default_years(kind), |r| r.years)
}

/// A client whose records are past their period (or would be, but for a hold).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueClient {
    pub client: uuid::Uuid,
    pub team_name: String,
    /// The client's code (the only thing about a client the plan shows).
    pub code: String,
    pub last_entry_ms: i64,
    /// Its visits that go with it (live or deleted, not yet culled).
    pub visits: i64,
    /// Its outcomes that go with it, counted the same way.
    pub outcomes: i64,
}

/// What one class of one organisation loses on a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassPlan {
    pub org: OrgId,
    pub org_name: String,
    pub class: RetentionClass,
    pub years: i64,
    pub cutoff_ms: i64,
    /// Client records: the clients that go, and those a hold keeps.
    pub clients: Vec<DueClient>,
    pub held: Vec<DueClient>,
    /// Trips: the trips and the mileage-approval versions that go.
    pub trips: i64,
    pub approvals: i64,
    /// Access log: the rows that go.
    pub log_rows: i64,
}

impl ClassPlan {
    /// How many records the class loses: a client and its visits and outcomes, trips and approval versions,
    /// access-log rows. What the gallring record keeps as `removed`.
    pub fn removed(&self) -> i64 {
        match self.class {
            RetentionClass::ClientRecords => {
                self.clients.iter().map(|c| 1 + c.visits + c.outcomes).sum()
            }
            RetentionClass::Trips => self.trips + self.approvals,
            RetentionClass::AccessLog => self.log_rows,
        }
    }
}

/// What a run would cull on `now`'s day, per organisation and class; changes nothing.
pub async fn plan(store: &Store, now: DateTime<Utc>) -> StoreResult<Vec<ClassPlan>> {
    let today = uppsok_model::fidelity::swedish_date(now);
    let classes = store.retention_classes().await?;
    let mut orgs = store.list_orgs().await?;
    orgs.sort_by(|a, b| a.name.cmp(&b.name));
    // A client's records go together, so the longest period among the organisations that hold
    // records about it decides (a region's journal entries keep their ten years even when the
    // client record is the municipality's); the client counts under its own organisation.
    let cutoff_of = |org: OrgId, class: RetentionClass| {
        let kind = orgs
            .iter()
            .find(|o| o.id == org)
            .map_or(OrgKind::Region, |o| o.kind);
        let years = years_in_force(&classes, org, kind, class, today);
        (years, class.cutoff_ms(today, years))
    };
    let candidates = store.retention_clients().await?;
    let mut out = Vec::new();
    for o in &orgs {
        for class in RetentionClass::ALL {
            let (years, cutoff_ms) = cutoff_of(o.id, class);
            let mut p = ClassPlan {
                org: o.id,
                org_name: o.name.clone(),
                class,
                years,
                cutoff_ms,
                clients: Vec::new(),
                held: Vec::new(),
                trips: 0,
                approvals: 0,
                log_rows: 0,
            };
            match class {
                RetentionClass::ClientRecords => {
                    for c in candidates.iter().filter(|c| c.org == o.id) {
                        let cutoff = c
                            .record_orgs
                            .iter()
                            .map(|&org| cutoff_of(org, class).1)
                            .fold(cutoff_ms, i64::min);
                        if c.last_entry_ms >= cutoff {
                            continue;
                        }
                        let due = DueClient {
                            client: c.client,
                            team_name: c.team_name.clone(),
                            code: c.code.clone(),
                            last_entry_ms: c.last_entry_ms,
                            visits: c.visits,
                            outcomes: c.outcomes,
                        };
                        if c.held {
                            p.held.push(due);
                        } else {
                            p.clients.push(due);
                        }
                    }
                }
                RetentionClass::Trips => {
                    (p.trips, p.approvals) = store.retention_trips_due(o.id, cutoff_ms).await?;
                }
                RetentionClass::AccessLog => {
                    p.log_rows = store.retention_log_due(o.id, cutoff_ms).await?;
                }
            }
            out.push(p);
        }
    }
    Ok(out)
}

/// Culls what [`plan`] finds on `now`'s day, each organisation's class in one transaction, and
/// writes a gallring record for each (also when nothing went). `by` is the username that ran it
/// or [`SCHEDULER`]. Returns the plans carried out.
pub async fn run(store: &Store, now: DateTime<Utc>, by: &str) -> StoreResult<Vec<ClassPlan>> {
    let plans = plan(store, now).await?;
    for p in &plans {
        store
            .retention_carry_out(p, now.timestamp_millis(), by)
            .await?;
    }
    Ok(plans)
}

/// Runs the job once a day inside `uppsok serve` (first an hour after the start, so a restart
/// loop does not cull in a hurry), logging counts only. Ends with the runtime.
pub fn spawn_daily(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(3600),
            Duration::from_secs(24 * 3600),
        );
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run(&store, Utc::now(), SCHEDULER).await {
                Ok(plans) => {
                    let removed: i64 = plans.iter().map(ClassPlan::removed).sum();
                    let held: usize = plans.iter().map(|p| p.held.len()).sum();
                    tracing::info!(removed, held, "retention: daily culling done");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "retention: daily culling failed; retried tomorrow")
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ms(s: &str) -> i64 {
        day(s)
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn cutoffs_by_hand() {
        let today = day("2026-12-05");
        assert_eq!(
            RetentionClass::ClientRecords.cutoff_ms(today, 5),
            ms("2021-12-05")
        );
        assert_eq!(
            RetentionClass::AccessLog.cutoff_ms(today, 5),
            ms("2021-12-05")
        );
        // Bokföringslagen: 2019's trips are kept through 2026; 2018's go.
        assert_eq!(RetentionClass::Trips.cutoff_ms(today, 7), ms("2019-01-01"));
        // 29 February back to a year without one.
        assert_eq!(
            RetentionClass::ClientRecords.cutoff_ms(day("2028-02-29"), 5),
            ms("2023-03-01")
        );
    }

    #[test]
    fn defaults_and_floor_follow_the_kind() {
        use OrgKind::{Municipality, Region};
        assert_eq!(RetentionClass::ClientRecords.default_years(Municipality), 5);
        assert_eq!(RetentionClass::ClientRecords.default_years(Region), 10);
        assert!(
            RetentionClass::ClientRecords
                .check_years(Region, 9)
                .is_err()
        );
        assert!(
            RetentionClass::ClientRecords
                .check_years(Municipality, 9)
                .is_ok()
        );
        assert!(RetentionClass::Trips.check_years(Municipality, 6).is_err());
        assert!(RetentionClass::AccessLog.check_years(Region, 101).is_err());
        let e = RetentionClass::Trips
            .check_years(Region, 3)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("years:"), "{e}");
        assert!("notes".parse::<RetentionClass>().is_err());
        assert_eq!(
            "access_log".parse::<RetentionClass>().unwrap(),
            RetentionClass::AccessLog
        );
    }

    #[test]
    fn the_latest_row_in_force_wins() {
        let org = OrgId::from(uuid::Uuid::new_v4());
        let row = |years, from: &str| ClassRow {
            org,
            class: RetentionClass::ClientRecords,
            years,
            effective_from: day(from),
            set_by: "admin".into(),
            set_ms: 0,
        };
        let rows = vec![row(8, "2025-01-01"), row(12, "2027-01-01")];
        let k = OrgKind::Municipality;
        let c = RetentionClass::ClientRecords;
        assert_eq!(years_in_force(&rows, org, k, c, day("2024-06-01")), 5);
        assert_eq!(years_in_force(&rows, org, k, c, day("2026-06-01")), 8);
        assert_eq!(years_in_force(&rows, org, k, c, day("2027-01-01")), 12);
        assert_eq!(
            years_in_force(&rows, org, k, RetentionClass::Trips, day("2027-01-01")),
            7
        );
    }
}
