//! The dashboard's queries (SQL lives in `store`, this is the pages' part of it), loading what a
//! page shows through the access rules: a team's clients, the visits and trips
//! in a bounded window of time, a client's revisions, and the mileage approvals.
//!
//! Queries select only the columns the pages need and always bound visits and trips by team and
//! start time, so they use the `(team, start_ms)` indexes and a page costs the same whether the
//! database holds one team's three months or a region's years. Every row is checked with
//! [`crate::access`] before it leaves this module; callers never see a record they may not.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uppsok_model::{
    Client, ClientId, ConsentScope, ContactKind, OrgId, Setting, StaffId, TeamId, Trip, Username,
    Visit,
};

use super::{Store, StoreError, StoreResult, now_ms, on_pool};
use crate::access::{self, ClientFacts, RecordFacts, Viewer};

/// A client of the team with the facts the access rules need.
#[derive(Debug, Clone)]
pub struct TeamClient {
    pub client: Client,
    pub facts: ClientFacts,
    pub author: StaffId,
    pub updated_ms: i64,
}

impl TeamClient {
    /// The facts as they govern the client's outcomes: shared across organisations only while
    /// consent is in force and its scope covers outcomes.
    pub fn outcome_facts(&self) -> ClientFacts {
        ClientFacts {
            consent_given: self.facts.consent_given
                && self.client.consent.scope == ConsentScope::ContactsAndOutcomes,
            ..self.facts
        }
    }
}

/// A visit the viewer may see, and whether its note may be shown.
#[derive(Debug, Clone)]
pub struct SeenVisit {
    pub visit: Visit,
    pub org: OrgId,
    pub note_visible: bool,
}

/// All clients of `team` (visible or not: visit checks need the facts of each), by code.
pub async fn team_clients(store: &Store, team: TeamId) -> StoreResult<Vec<TeamClient>> {
    let rows: Vec<(String, String, bool, i64, String)> = on_pool!(store, p => {
        sqlx::query_as("SELECT org, author, consent_given, updated_ms, body FROM clients WHERE team = $1 AND deleted = FALSE")
            .bind(team.to_string())
            .fetch_all(p)
            .await?
    });
    let mut out = Vec::with_capacity(rows.len());
    for (org, author, consent, updated_ms, body) in rows {
        let client: Client = serde_json::from_str(&body)
            .map_err(|_| StoreError::Corrupt("a client body does not parse".into()))?;
        out.push(TeamClient {
            facts: ClientFacts {
                team,
                org: parse(&org)?,
                consent_given: consent,
            },
            client,
            author: parse(&author)?,
            updated_ms,
        });
    }
    out.sort_by(|a, b| a.client.code.cmp(&b.client.code));
    Ok(out)
}

fn parse<T: std::str::FromStr>(s: &str) -> StoreResult<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt("an id column holds something other than a UUID".into()))
}

/// The clients of the team the viewer may see.
pub fn visible(v: &Viewer, clients: &[TeamClient]) -> Vec<TeamClient> {
    clients
        .iter()
        .filter(|c| access::may_see_client(v, &c.facts))
        .cloned()
        .collect()
}

/// Visits of `team` starting in `[from_ms, to_ms)` that the viewer may see, optionally of one
/// client only. `clients` are all the team's clients (for consent).
pub async fn visits(
    store: &Store,
    v: &Viewer,
    team: TeamId,
    clients: &[TeamClient],
    client: Option<ClientId>,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<SeenVisit>> {
    let facts: HashMap<ClientId, &ClientFacts> =
        clients.iter().map(|c| (c.client.id, &c.facts)).collect();
    let rows: Vec<(String, String)> = match client {
        Some(c) => on_pool!(store, p => {
            sqlx::query_as("SELECT org, body FROM visits WHERE client = $1 AND team = $2 AND start_ms >= $3 AND start_ms < $4 AND deleted = FALSE")
                .bind(c.to_string())
                .bind(team.to_string())
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(p)
                .await?
        }),
        None => on_pool!(store, p => {
            sqlx::query_as("SELECT org, body FROM visits WHERE team = $1 AND start_ms >= $2 AND start_ms < $3 AND deleted = FALSE")
                .bind(team.to_string())
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(p)
                .await?
        }),
    };
    let mut out = Vec::with_capacity(rows.len());
    for (org, body) in rows {
        let org: OrgId = parse(&org)?;
        let visit: Visit = serde_json::from_str(&body)
            .map_err(|_| StoreError::Corrupt("a visit body does not parse".into()))?;
        let rf = RecordFacts { team, org };
        let cf = facts.get(&visit.client).copied();
        if !access::may_see_visit(v, &rf, cf) {
            continue;
        }
        let note_visible = access::may_see_note(v, &rf, cf);
        out.push(SeenVisit {
            visit,
            org,
            note_visible,
        });
    }
    Ok(out)
}

fn corrupt_visit() -> StoreError {
    StoreError::Corrupt("a visit's stored facts do not parse".into())
}

fn enum_of<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    use serde::de::IntoDeserializer;
    T::deserialize(IntoDeserializer::<serde::de::value::Error>::into_deserializer(s))
        .map_err(|_| corrupt_visit())
}

/// The facts of the visits in a window, as one JSON array of arrays (`id, org, client,
/// start_ms, author, staff, minutes, contact, setting, network, present`) built by the database: a
/// region's team has thousands of visits in twelve weeks, and handing them over as one value
/// instead of row by row is most of the page's time on SQLite, whose driver passes each row
/// between threads (measured: 141 ms of a 160 ms overview at 5,800 visits).
const FACTS_SQLITE: &str = "SELECT json_group_array(json_array(id, org, client, start_ms, dash_author, dash_staff, \
     dash_minutes, dash_contact, dash_setting, dash_network, dash_present)) \
     FROM visits WHERE team = $1 AND start_ms >= $2 AND start_ms < $3 AND deleted = FALSE";
const FACTS_POSTGRES: &str = "SELECT COALESCE(json_agg(json_build_array(id, org, client, start_ms, dash_author, dash_staff, \
     dash_minutes, dash_contact, dash_setting, dash_network, dash_present))::text, '[]') \
     FROM visits WHERE team = $1 AND start_ms >= $2 AND start_ms < $3 AND deleted = FALSE";

fn text_of(v: &serde_json::Value) -> StoreResult<&str> {
    v.as_str().ok_or_else(corrupt_visit)
}

/// Whose visits [`visit_facts`] returns.
#[derive(Debug, Clone, Copy)]
pub enum FactsFor<'a> {
    /// The visits this viewer may see (the same access checks as [`visits`]).
    Viewer(&'a Viewer),
    /// Every visit of the team, for figures that leave the server only as team totals with
    /// small cells suppressed (the fidelity page: every supervisor of the team sees the same
    /// figures). Never for anything that lists or names a client or a visit.
    TeamTotals,
}

/// Visits of `team` starting in `[from_ms, to_ms)`, for the pages that only count and rate
/// them (overview, fidelity). It reads the facts those need from the `dash_*` columns of
/// migrations 0003, 0004 and 0012 instead of the JSON body (on PostgreSQL from a covering index
/// alone): the place and the note are left out (`None`), whether or not the viewer may read the
/// note. `clients` are all the team's clients (for consent).
pub async fn visit_facts(
    store: &Store,
    whose: FactsFor<'_>,
    team: TeamId,
    clients: &[TeamClient],
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<Visit>> {
    use serde_json::Value;
    let facts: HashMap<ClientId, &ClientFacts> =
        clients.iter().map(|c| (c.client.id, &c.facts)).collect();
    let sql = match &store.pool {
        crate::store::Pool::Sqlite(_) => FACTS_SQLITE,
        crate::store::Pool::Postgres(_) => FACTS_POSTGRES,
    };
    let text: String = on_pool!(store, p => {
        sqlx::query_scalar(sql)
            .bind(team.to_string())
            .bind(from_ms)
            .bind(to_ms)
            .fetch_one(p)
            .await?
    });
    let rows: Vec<[Value; 11]> = serde_json::from_str(&text).map_err(|_| corrupt_visit())?;
    let own = match whose {
        FactsFor::Viewer(v) => Some((v, v.org.to_string())),
        FactsFor::TeamTotals => None,
    };
    let mut out = Vec::with_capacity(rows.len());
    for [
        id,
        org,
        client,
        start_ms,
        author,
        staff,
        minutes,
        contact,
        setting,
        network,
        present,
    ] in rows
    {
        let org = text_of(&org)?;
        let client: ClientId = parse(text_of(&client)?)?;
        if let Some((v, own)) = &own {
            // Most rows are the viewer's own organisation's: compare the text before parsing it.
            let org: OrgId = if org == own { v.org } else { parse(org)? };
            let rf = RecordFacts { team, org };
            if !access::may_see_visit(v, &rf, facts.get(&client).copied()) {
                continue;
            }
        }
        let author = Username::parse(text_of(&author)?).map_err(|_| corrupt_visit())?;
        // The staff list is JSON text in the column; SQLite may also hand it over as the
        // array itself.
        let staff: Vec<Username> = match staff {
            Value::String(s) => serde_json::from_str(&s).map_err(|_| corrupt_visit())?,
            Value::Null => Vec::new(),
            other => serde_json::from_value(other).map_err(|_| corrupt_visit())?,
        };
        // SQLite has no booleans: its JSON functions give 1 or 0.
        let flag = |v: Value, missing: bool| match v {
            Value::Bool(b) => b,
            Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
            _ => missing,
        };
        let network = flag(network, false);
        let client_present = flag(present, true);
        out.push(Visit {
            id: parse(text_of(&id)?)?,
            client,
            author,
            staff,
            start: start_ms
                .as_i64()
                .and_then(DateTime::<Utc>::from_timestamp_millis)
                .ok_or_else(corrupt_visit)?,
            minutes: minutes
                .as_i64()
                .and_then(|m| u16::try_from(m).ok())
                .ok_or_else(corrupt_visit)?,
            contact: enum_of::<ContactKind>(text_of(&contact)?)?,
            setting: setting.as_str().map(enum_of::<Setting>).transpose()?,
            network,
            place: None,
            note: None,
            client_present,
            group: false,
        });
    }
    Ok(out)
}

/// The day each of the team's clients was first written (its first revision), in ms: the
/// estimate of the admission date for clients recorded before it was asked.
pub async fn first_written(store: &Store, team: TeamId) -> StoreResult<HashMap<ClientId, i64>> {
    let rows: Vec<(String, i64)> = on_pool!(store, p => {
        sqlx::query_as(
            "SELECT c.id, MIN(r.at_ms) FROM clients c JOIN revisions r \
             ON r.entity = 'client' AND r.record_id = c.id WHERE c.team = $1 GROUP BY c.id",
        )
        .bind(team.to_string())
        .fetch_all(p)
        .await?
    });
    rows.into_iter()
        .map(|(id, at)| Ok((parse(&id)?, at)))
        .collect()
}

/// How many staff left `team` in `[from_ms, to_ms]` (the last exit of each; DACTS H5).
pub async fn team_exits_between(
    store: &Store,
    team: TeamId,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<usize> {
    let n: i64 = on_pool!(store, p => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM staff_team_exits WHERE team = $1 AND at_ms >= $2 AND at_ms <= $3",
        )
        .bind(team.to_string())
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(p)
        .await?
    });
    Ok(usize::try_from(n).unwrap_or(0))
}

/// A trip the viewer may see, with its author (the driver's staff id).
#[derive(Debug, Clone)]
pub struct SeenTrip {
    pub trip: Trip,
    pub author: StaffId,
}

/// Trips of `team` starting in `[from_ms, to_ms)` that the viewer may see (their own
/// organisation's drivers only: trips never cross organisations).
pub async fn trips(
    store: &Store,
    v: &Viewer,
    team: TeamId,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<SeenTrip>> {
    let rows: Vec<(String, String, String)> = on_pool!(store, p => {
        sqlx::query_as("SELECT org, author, body FROM trips WHERE team = $1 AND org = $2 AND start_ms >= $3 AND start_ms < $4 AND deleted = FALSE ORDER BY start_ms")
            .bind(team.to_string())
            .bind(v.org.to_string())
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(p)
            .await?
    });
    let mut out = Vec::with_capacity(rows.len());
    for (org, author, body) in rows {
        let rf = RecordFacts {
            team,
            org: parse(&org)?,
        };
        if !access::may_see_trip(v, &rf) {
            continue;
        }
        let trip: Trip = serde_json::from_str(&body)
            .map_err(|_| StoreError::Corrupt("a trip body does not parse".into()))?;
        out.push(SeenTrip {
            trip,
            author: parse(&author)?,
        });
    }
    Ok(out)
}

/// One stored version of a client.
#[derive(Debug, Clone)]
pub struct ClientRevision {
    pub at_ms: i64,
    pub author: StaffId,
    pub client: Client,
}

/// Every stored version of a client, oldest first.
pub async fn client_revisions(store: &Store, id: ClientId) -> StoreResult<Vec<ClientRevision>> {
    let rows: Vec<(i64, String, String)> = on_pool!(store, p => {
        sqlx::query_as("SELECT at_ms, author, body FROM revisions WHERE entity = 'client' AND record_id = $1 ORDER BY seq")
            .bind(id.to_string())
            .fetch_all(p)
            .await?
    });
    let mut out = Vec::new();
    for (at_ms, author, body) in rows {
        // A revision that no longer parses (an older schema) is skipped rather than failing
        // the whole page: the history is informative, the current record is authoritative.
        if let Ok(client) = serde_json::from_str::<Client>(&body) {
            out.push(ClientRevision {
                at_ms,
                author: parse(&author)?,
                client,
            });
        }
    }
    Ok(out)
}

/// An approved month of one driver, with the totals as they were when approved. A month
/// approved again after a change has a higher `version`; earlier versions are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub driver: String,
    pub version: i64,
    pub approved_by: String,
    pub approved_ms: i64,
    pub trips: i64,
    pub centi_km: i64,
    pub amount_ore: i64,
    /// `None` for approvals stored before the split was kept.
    pub tax_free_ore: Option<i64>,
    pub taxable_ore: Option<i64>,
}

/// The figures a supervisor approves: one driver's month as the page showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovedTotals {
    pub trips: i64,
    pub centi_km: i64,
    pub amount_ore: i64,
    pub tax_free_ore: i64,
    pub taxable_ore: i64,
}

type ApprovalRow = (
    String,
    i64,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
);

/// The latest approval of each driver's `month` (`YYYY-MM`) in the team, for the organisation.
pub async fn approvals(
    store: &Store,
    team: TeamId,
    org: OrgId,
    month: &str,
) -> StoreResult<Vec<Approval>> {
    let rows: Vec<ApprovalRow> = on_pool!(store, p => {
        sqlx::query_as("SELECT a.driver, a.version, a.approved_by, a.approved_ms, a.trips, a.centi_km, a.amount_ore, a.tax_free_ore, a.taxable_ore \
                        FROM mileage_approvals a WHERE a.team = $1 AND a.org = $2 AND a.month = $3 \
                        AND a.version = (SELECT MAX(b.version) FROM mileage_approvals b \
                                         WHERE b.team = a.team AND b.org = a.org AND b.driver = a.driver AND b.month = a.month)")
            .bind(team.to_string())
            .bind(org.to_string())
            .bind(month)
            .fetch_all(p)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| Approval {
            driver: r.0,
            version: r.1,
            approved_by: r.2,
            approved_ms: r.3,
            trips: r.4,
            centi_km: r.5,
            amount_ore: r.6,
            tax_free_ore: r.7,
            taxable_ore: r.8,
        })
        .collect())
}

/// Stores approval `version` of a driver's month (1 for the first, the shown version + 1 for an
/// approval after a change). Returns false when that version exists already: someone approved
/// the same figures a moment earlier, and nothing is stored twice.
#[allow(clippy::too_many_arguments)]
pub async fn approve(
    store: &Store,
    team: TeamId,
    org: OrgId,
    driver: &str,
    month: &str,
    version: i64,
    by: &str,
    totals: ApprovedTotals,
) -> StoreResult<bool> {
    let n = on_pool!(store, p => {
        sqlx::query("INSERT INTO mileage_approvals (team, org, driver, month, version, approved_by, approved_ms, trips, centi_km, amount_ore, tax_free_ore, taxable_ore) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING")
            .bind(team.to_string())
            .bind(org.to_string())
            .bind(driver)
            .bind(month)
            .bind(version)
            .bind(by)
            .bind(now_ms())
            .bind(totals.trips)
            .bind(totals.centi_km)
            .bind(totals.amount_ore)
            .bind(totals.tax_free_ore)
            .bind(totals.taxable_ore)
            .execute(p)
            .await?
            .rows_affected()
    });
    Ok(n > 0)
}

/// Changes rejected per device id, for the devices page.
pub async fn rejected_counts(store: &Store) -> StoreResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = on_pool!(store, p => {
        sqlx::query_as("SELECT id, rejected_changes FROM devices").fetch_all(p).await?
    });
    Ok(rows.into_iter().collect())
}
