//! Reading outcomes for the dashboard: one client's, for the client page, and a team's with each
//! client's admission and closure day, ready for [`uppsok_model::outcome::figures`]. Every row is
//! checked with [`crate::access::may_see_outcome`] here (the contacts' rule: the author's record
//! space, across organisations while the client's consent is given), so a page built from these
//! never holds an outcome its viewer may not see.
//!
//! The team query takes only clients the viewer may see and that have an admission day: the
//! before/after comparison is framed by that day, and a client the viewer may not see must not
//! shape a figure shown next to per-client rows (a team of three where one row is missing would
//! give that client's figures away by subtraction).

use std::collections::HashMap;

use chrono::NaiveDate;
use uppsok_model::outcome::figures::ClientOutcomes;
use uppsok_model::{ClientId, OrgId, Outcome, TeamId};

use super::dashboard::{TeamClient, team_clients};
use super::{Store, StoreError, StoreResult, on_pool};
use crate::access::{self, RecordFacts, Viewer};

/// An outcome the viewer may see, with its record space.
#[derive(Debug, Clone)]
pub struct SeenOutcome {
    pub outcome: Outcome,
    /// The author's organisation.
    pub org: OrgId,
}

/// A client of the team the viewer may see, with the days that frame its outcomes.
#[derive(Debug, Clone)]
pub struct OutcomeClient {
    pub client: ClientId,
    pub code: String,
    pub admitted: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    /// The outcomes the viewer may see, oldest first.
    pub outcomes: Vec<Outcome>,
}

/// The clients of a team with their outcomes, as [`outcomes_for_team`] loads them.
#[derive(Debug, Clone, Default)]
pub struct TeamOutcomes {
    pub clients: Vec<OutcomeClient>,
}

impl TeamOutcomes {
    /// The outcomes of each client as references, in client order: what
    /// [`TeamOutcomes::figures_input`] borrows from.
    pub fn refs(&self) -> Vec<Vec<&Outcome>> {
        self.clients
            .iter()
            .map(|c| c.outcomes.iter().collect())
            .collect()
    }

    /// The figures' input, one per client; `refs` is [`TeamOutcomes::refs`] of `self`.
    pub fn figures_input<'a>(&'a self, refs: &'a [Vec<&'a Outcome>]) -> Vec<ClientOutcomes<'a>> {
        self.clients
            .iter()
            .zip(refs)
            .map(|(c, r)| ClientOutcomes {
                client: c.client,
                admitted: c.admitted,
                closed_on: c.closed_on,
                outcomes: r.as_slice(),
            })
            .collect()
    }
}

fn parse<T: std::str::FromStr>(s: &str) -> StoreResult<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt("an id column holds something other than a UUID".into()))
}

fn outcome_of(body: &str) -> StoreResult<Outcome> {
    serde_json::from_str(body)
        .map_err(|_| StoreError::Corrupt("an outcome body does not parse".into()))
}

/// The outcomes of `client` in `team` the viewer may see, oldest day first. `clients` are the
/// team's clients (for the client's consent).
pub async fn client_outcomes(
    store: &Store,
    v: &Viewer,
    team: TeamId,
    clients: &[TeamClient],
    client: ClientId,
) -> StoreResult<Vec<SeenOutcome>> {
    let facts = clients
        .iter()
        .find(|c| c.client.id == client)
        .map(TeamClient::outcome_facts);
    let rows: Vec<(String, String)> = on_pool!(store, p => {
        sqlx::query_as("SELECT org, body FROM outcomes WHERE client = $1 AND team = $2 AND deleted = FALSE ORDER BY start_ms, id")
            .bind(client.to_string())
            .bind(team.to_string())
            .fetch_all(p)
            .await?
    });
    let mut out = Vec::with_capacity(rows.len());
    for (org, body) in rows {
        let org: OrgId = parse(&org)?;
        if !access::may_see_outcome(v, &RecordFacts { team, org }, facts.as_ref()) {
            continue;
        }
        out.push(SeenOutcome {
            outcome: outcome_of(&body)?,
            org,
        });
    }
    Ok(out)
}

/// The team's clients the viewer may see that have an admission day, each with the outcomes
/// the viewer may see, by client code.
pub async fn outcomes_for_team(
    store: &Store,
    v: &Viewer,
    team: TeamId,
) -> StoreResult<TeamOutcomes> {
    if !access::works_with_client_data(v) || !v.teams.contains(&team) {
        return Ok(TeamOutcomes::default());
    }
    let all = team_clients(store, team).await?;
    let mut clients: Vec<OutcomeClient> = Vec::new();
    let mut index: HashMap<ClientId, (usize, crate::access::ClientFacts)> = HashMap::new();
    for c in &all {
        let Some(admitted) = c.client.admitted else {
            continue;
        };
        if !access::may_see_client(v, &c.facts) {
            continue;
        }
        index.insert(c.client.id, (clients.len(), c.outcome_facts()));
        clients.push(OutcomeClient {
            client: c.client.id,
            code: c.client.code.as_str().to_owned(),
            admitted,
            closed_on: c.client.closed_on,
            outcomes: Vec::new(),
        });
    }
    let rows: Vec<(String, String, String)> = on_pool!(store, p => {
        sqlx::query_as("SELECT client, org, body FROM outcomes WHERE team = $1 AND deleted = FALSE AND client IS NOT NULL ORDER BY start_ms, id")
            .bind(team.to_string())
            .fetch_all(p)
            .await?
    });
    for (client, org, body) in rows {
        let client: ClientId = parse(&client)?;
        let Some((i, facts)) = index.get(&client) else {
            continue;
        };
        let org: OrgId = parse(&org)?;
        if !access::may_see_outcome(v, &RecordFacts { team, org }, Some(facts)) {
            continue;
        }
        clients[*i].outcomes.push(outcome_of(&body)?);
    }
    Ok(TeamOutcomes { clients })
}
