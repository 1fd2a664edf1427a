//! Storage for device sync (`POST /v1/sync`): the exactly-once table of pushed change ids, the
//! clock columns beside each synced record, batched revision and record writes, the pull scan
//! in sequence order, and the device counters the devices page shows.
//!
//! Everything here works on a [`Tx`] so one sync request is one transaction (one fsync), and
//! each statement covers a whole batch where the engines allow it: per-change work stays at a
//! share of one multi-row insert into `sync_changes`, one into `revisions` and one upsert.
//! Deciding what to write is [`crate::sync`]'s job; this layer only stores.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::Row;

use sqlx::AssertSqlSafe;
use uppsok_model::protocol::{RejectCode, Rejection};
use uppsok_model::{ChangeId, ClientId, DeviceId, Entity, OrgId, StaffId, TeamId};
use uuid::Uuid;

use super::records::table;
use super::{Param, Store, StoreError, StoreResult, Tx, now_ms, on_pool, on_tx, parse_uuid};
use crate::store::bind_all;

/// Rows per multi-row statement: at most 16 parameters a row keeps every statement far below
/// SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 100;

/// What a change id got the first time it was pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOutcome {
    pub staff: StaffId,
    /// `None`: applied.
    pub rejection: Option<Rejection>,
}

/// The `outcome`, `code` and `reason` columns of a change's verdict.
pub(crate) fn outcome_columns(
    rejection: &Option<Rejection>,
) -> (&'static str, Option<&'static str>, Option<String>) {
    match rejection {
        None => ("applied", None, None),
        Some(r) => ("rejected", Some(r.code.as_str()), Some(r.reason.clone())),
    }
}

/// One row of `sync_changes` to insert.
#[derive(Debug, Clone)]
pub struct SyncChangeRow {
    pub change_id: ChangeId,
    pub device: DeviceId,
    pub staff: StaffId,
    pub entity: Entity,
    pub record_id: Uuid,
    /// `None`: applied.
    pub rejection: Option<Rejection>,
    pub seq: Option<i64>,
}

/// The current version of a record as sync needs it (body kept as JSON text: most rows are only
/// compared or passed on, never parsed).
#[derive(Debug, Clone)]
pub struct SyncRow {
    pub entity: Entity,
    pub id: Uuid,
    pub team: Option<TeamId>,
    pub org: OrgId,
    pub author: StaffId,
    pub client: Option<ClientId>,
    pub start_ms: Option<i64>,
    pub consent_given: bool,
    pub seq: i64,
    pub deleted: bool,
    pub updated_ms: i64,
    pub body: String,
    pub clock: Option<String>,
    pub field_clocks: Option<String>,
    pub sync_seq: Option<i64>,
    pub sync_device: Option<DeviceId>,
}

/// One revision to append (every version ever pushed, winning or not).
#[derive(Debug, Clone)]
pub struct RevisionRow {
    pub entity: Entity,
    pub record_id: Uuid,
    pub seq: i64,
    pub author: StaffId,
    pub org: OrgId,
    pub device: DeviceId,
    pub deleted: bool,
    pub body: String,
    pub clock: String,
    pub change_id: ChangeId,
}

/// A row the pull scanned, with its client's record space and consent for the access rules.
#[derive(Debug, Clone)]
pub struct PullRow {
    pub entity: Entity,
    pub id: Uuid,
    pub team: Option<TeamId>,
    pub org: OrgId,
    /// Who wrote the record (a trip's driver).
    pub author: StaffId,
    pub client: Option<ClientId>,
    pub seq: i64,
    pub deleted: bool,
    pub updated_ms: i64,
    pub body: String,
    pub clock: Option<String>,
    pub sync_seq: Option<i64>,
    pub sync_device: Option<DeviceId>,
    pub client_org: Option<OrgId>,
    /// The client's consent as it governs this record (for an outcome: only when its scope
    /// covers outcomes; see `records::client_consent_sql`).
    pub client_consent: Option<bool>,
    pub client_team: Option<TeamId>,
    /// The client was shared across organisations at some time (see migration 0008): only
    /// then may the other organisation's phones hold something of it to be told to drop.
    pub client_shared_once: Option<bool>,
}

/// A device's sync counters, for the devices page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceSyncStats {
    pub applied_changes: i64,
    pub rejected_changes: i64,
    pub last_rejected_ms: Option<i64>,
    pub last_sync_ms: Option<i64>,
    pub app_version: Option<String>,
}

fn marks(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt_uuid<T: From<Uuid>>(s: Option<String>) -> StoreResult<Option<T>> {
    s.as_deref().map(parse_uuid).transpose()
}

type SyncTuple = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<i64>,
    bool,
    i64,
    bool,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

const SYNC_COLS: &str = "id, team, org, author, client, start_ms, consent_given, seq, deleted, updated_ms, body, clock, field_clocks, sync_seq, sync_device";

fn sync_row(entity: Entity, t: SyncTuple) -> StoreResult<SyncRow> {
    Ok(SyncRow {
        entity,
        id: parse_uuid(&t.0)?,
        team: opt_uuid(t.1)?,
        org: parse_uuid(&t.2)?,
        author: parse_uuid(&t.3)?,
        client: opt_uuid(t.4)?,
        start_ms: t.5,
        consent_given: t.6,
        seq: t.7,
        deleted: t.8,
        updated_ms: t.9,
        body: t.10,
        clock: t.11,
        field_clocks: t.12,
        sync_seq: t.13,
        sync_device: opt_uuid(t.14)?,
    })
}

fn stored_outcome(t: OutcomeTuple) -> StoreResult<(ChangeId, StoredOutcome)> {
    let (id, staff, outcome, code, reason) = t;
    let rejection = match outcome.as_str() {
        "applied" => None,
        "rejected" => Some(Rejection::new(
            code.as_deref()
                .and_then(RejectCode::parse)
                .ok_or_else(|| StoreError::Corrupt("sync change code".into()))?,
            reason.unwrap_or_default(),
        )),
        _ => return Err(StoreError::Corrupt("sync change outcome".into())),
    };
    Ok((
        parse_uuid(&id)?,
        StoredOutcome {
            staff: parse_uuid(&staff)?,
            rejection,
        },
    ))
}

/// What a writing sync reads before it judges a batch (see [`Tx::sync_reads`]).
#[derive(Debug, Default)]
pub struct SyncReads {
    /// The first of the sequence numbers reserved (0 when none were asked for).
    pub first_seq: i64,
    /// Outcomes of the change ids pushed before.
    pub seen: HashMap<ChangeId, StoredOutcome>,
    /// Current rows of the records asked for (missing ones are absent).
    pub rows: Vec<SyncRow>,
}

type OutcomeTuple = (String, String, String, Option<String>, Option<String>);
type StatsTuple = (i64, i64, Option<i64>, Option<i64>, Option<String>);

type PullTuple = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    i64,
    bool,
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<bool>,
    Option<String>,
    Option<bool>,
);

fn pull_row(entity: Entity, t: PullTuple) -> StoreResult<PullRow> {
    Ok(PullRow {
        entity,
        id: parse_uuid(&t.0)?,
        team: opt_uuid(t.1)?,
        org: parse_uuid(&t.2)?,
        author: parse_uuid(&t.3)?,
        client: opt_uuid(t.4)?,
        seq: t.5,
        deleted: t.6,
        updated_ms: t.7,
        body: t.8,
        clock: t.9,
        sync_seq: t.10,
        sync_device: opt_uuid(t.11)?,
        client_org: opt_uuid(t.12)?,
        client_consent: t.13,
        client_team: opt_uuid(t.14)?,
        client_shared_once: t.15,
    })
}

impl Tx {
    /// Takes the sequence counter's row lock without moving it. Called first by a writing sync
    /// so that concurrent syncs serialise before they read the records they will merge into
    /// (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already did), which rules out lost updates.
    pub async fn lock_seq(&mut self) -> StoreResult<()> {
        on_tx!(self, c => {
            sqlx::query("UPDATE seq_counter SET value = value WHERE id = 1")
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Everything a writing sync reads before judging its batch, in the order that rules out
    /// lost updates: first the sequence counter's lock, reserving `seqs` numbers (none: only the
    /// lock), then the outcomes of `change_ids` pushed before and the current rows of `load`.
    ///
    /// On PostgreSQL this is one round trip: the statements go together over the simple query
    /// protocol, each planned for its own values (a prepared statement's cached plan, made
    /// while a table was small, can stay a sequential scan long after it has grown). The values
    /// are written into the SQL text, which is safe because every one of them is a UUID or an
    /// integer formatted by this code, never text from a request.
    pub async fn sync_reads(
        &mut self,
        seqs: i64,
        change_ids: &[ChangeId],
        load: &BTreeMap<Entity, Vec<Uuid>>,
    ) -> StoreResult<SyncReads> {
        let Tx::Postgres(t, ..) = self else {
            let first_seq = if seqs > 0 {
                self.take_seqs(seqs).await?
            } else {
                self.lock_seq().await?;
                0
            };
            let seen = self.change_outcomes(change_ids).await?;
            let mut rows = Vec::new();
            for (entity, ids) in load {
                rows.extend(self.sync_rows(*entity, ids).await?);
            }
            return Ok(SyncReads {
                first_seq,
                seen,
                rows,
            });
        };
        let list = |ids: &mut dyn Iterator<Item = String>| {
            let quoted: Vec<String> = ids.map(|id| format!("'{id}'")).collect();
            quoted.join(", ")
        };
        let mut sql = format!(
            "UPDATE seq_counter SET value = value + {} WHERE id = 1 RETURNING 's'::text, value;",
            seqs.max(0)
        );
        if !change_ids.is_empty() {
            sql.push_str(&format!(
                " SELECT 'o'::text, change_id, staff, outcome, code, reason FROM sync_changes WHERE change_id IN ({});",
                list(&mut change_ids.iter().map(ToString::to_string))
            ));
        }
        for (k, entity) in Entity::ALL.iter().enumerate() {
            let Some(ids) = load.get(entity).filter(|ids| !ids.is_empty()) else {
                continue;
            };
            sql.push_str(&format!(
                " SELECT '{k}'::text, {SYNC_COLS} FROM {} WHERE id IN ({});",
                table(*entity),
                list(&mut ids.iter().map(ToString::to_string))
            ));
        }
        let rows: Vec<sqlx::postgres::PgRow> = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_all(&mut **t)
            .await?;
        let mut out = SyncReads::default();
        let mut last = None;
        for row in rows {
            let tag: String = row.try_get(0)?;
            match tag.as_str() {
                "s" => last = Some(row.try_get::<i64, _>(1)?),
                "o" => {
                    let (id, o) = stored_outcome((
                        row.try_get(1)?,
                        row.try_get(2)?,
                        row.try_get(3)?,
                        row.try_get(4)?,
                        row.try_get(5)?,
                    ))?;
                    out.seen.insert(id, o);
                }
                k => {
                    let entity = k
                        .parse::<usize>()
                        .ok()
                        .and_then(|k| Entity::ALL.get(k).copied())
                        .ok_or_else(|| StoreError::Corrupt("an unexpected sync read".into()))?;
                    let t: SyncTuple = (
                        row.try_get(1)?,
                        row.try_get(2)?,
                        row.try_get(3)?,
                        row.try_get(4)?,
                        row.try_get(5)?,
                        row.try_get(6)?,
                        row.try_get(7)?,
                        row.try_get(8)?,
                        row.try_get(9)?,
                        row.try_get(10)?,
                        row.try_get(11)?,
                        row.try_get(12)?,
                        row.try_get(13)?,
                        row.try_get(14)?,
                        row.try_get(15)?,
                    );
                    out.rows.push(sync_row(entity, t)?);
                }
            }
        }
        let last =
            last.ok_or_else(|| StoreError::Corrupt("the sequence counter is missing".into()))?;
        out.first_seq = if seqs > 0 { last - seqs + 1 } else { 0 };
        Ok(out)
    }

    /// Takes `n` consecutive sequence numbers and returns the first.
    pub async fn take_seqs(&mut self, n: i64) -> StoreResult<i64> {
        let last: i64 = on_tx!(self, c => {
            sqlx::query_scalar("UPDATE seq_counter SET value = value + $1 WHERE id = 1 RETURNING value")
                .bind(n)
                .fetch_one(&mut *c)
                .await?
        });
        Ok(last - n + 1)
    }

    /// The highest sequence number committed (or taken by this transaction).
    pub async fn seq_now(&mut self) -> StoreResult<i64> {
        Ok(on_tx!(self, c => {
            sqlx::query_scalar("SELECT value FROM seq_counter WHERE id = 1").fetch_one(&mut *c).await?
        }))
    }

    /// The stored outcomes of those of `ids` that were pushed before.
    pub async fn change_outcomes(
        &mut self,
        ids: &[ChangeId],
    ) -> StoreResult<HashMap<ChangeId, StoredOutcome>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT change_id, staff, outcome, code, reason FROM sync_changes WHERE change_id IN ({})",
                marks(1, chunk.len())
            );
            let params: Vec<Param> = chunk
                .iter()
                .map(|id| Param::Text(Some(id.to_string())))
                .collect();
            let rows: Vec<OutcomeTuple> = on_tx!(self, c => {
                bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &params).fetch_all(&mut *c).await?
            });
            for t in rows {
                let (id, o) = stored_outcome(t)?;
                out.insert(id, o);
            }
        }
        Ok(out)
    }

    /// The codes of the live clients of `teams`: (team, code) → the client's id. Read inside the
    /// writing transaction, so no other writer adds a code between this and the write.
    pub async fn client_codes(
        &mut self,
        teams: &[TeamId],
    ) -> StoreResult<HashMap<(TeamId, String), Uuid>> {
        let mut out = HashMap::new();
        for chunk in teams.chunks(500) {
            let sql = format!(
                "SELECT team, code, id FROM clients WHERE deleted = FALSE AND code IS NOT NULL AND team IN ({})",
                marks(1, chunk.len())
            );
            let params: Vec<Param> = chunk
                .iter()
                .map(|t| Param::Text(Some(t.to_string())))
                .collect();
            let rows: Vec<(String, String, String)> = on_tx!(self, c => {
                bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &params).fetch_all(&mut *c).await?
            });
            for (team, code, id) in rows {
                out.insert((parse_uuid(&team)?, code), parse_uuid(&id)?);
            }
        }
        Ok(out)
    }

    /// The usernames of everyone who is or was a member of each of `teams`: who may be named
    /// as present on a visit of the team (a visit logged before someone left stays valid).
    pub async fn team_rosters(
        &mut self,
        teams: &[TeamId],
    ) -> StoreResult<HashMap<TeamId, HashSet<String>>> {
        let mut out: HashMap<TeamId, HashSet<String>> = HashMap::new();
        for chunk in teams.chunks(250) {
            let n = chunk.len();
            let sql = format!(
                "SELECT m.team, s.username FROM staff_teams m JOIN staff s ON s.id = m.staff \
                 WHERE m.team IN ({}) \
                 UNION SELECT e.team, s.username FROM staff_team_exits e JOIN staff s ON s.id = e.staff \
                 WHERE e.team IN ({})",
                marks(1, n),
                marks(n + 1, n)
            );
            let params: Vec<Param> = chunk
                .iter()
                .chain(chunk)
                .map(|t| Param::Text(Some(t.to_string())))
                .collect();
            let rows: Vec<(String, String)> = on_tx!(self, c => {
                bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &params).fetch_all(&mut *c).await?
            });
            for (team, username) in rows {
                out.entry(parse_uuid(&team)?).or_default().insert(username);
            }
        }
        Ok(out)
    }

    /// The current rows of `entity` with these ids (missing ids are simply absent).
    pub async fn sync_rows(&mut self, entity: Entity, ids: &[Uuid]) -> StoreResult<Vec<SyncRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {SYNC_COLS} FROM {} WHERE id IN ({})",
                table(entity),
                marks(1, chunk.len())
            );
            let params: Vec<Param> = chunk
                .iter()
                .map(|id| Param::Text(Some(id.to_string())))
                .collect();
            let rows: Vec<SyncTuple> = on_tx!(self, c => {
                bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &params).fetch_all(&mut *c).await?
            });
            for t in rows {
                out.push(sync_row(entity, t)?);
            }
        }
        Ok(out)
    }

    pub async fn insert_sync_changes(&mut self, rows: &[SyncChangeRow]) -> StoreResult<()> {
        let now = now_ms();
        for chunk in rows.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO sync_changes (change_id, device, staff, entity, record_id, outcome, code, reason, seq, at_ms) VALUES ",
            );
            let mut params = Vec::with_capacity(chunk.len() * 10);
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("({})", marks(params.len() + 1, 10)));
                let (outcome, code, reason) = outcome_columns(&r.rejection);
                params.extend([
                    Param::Text(Some(r.change_id.to_string())),
                    Param::Text(Some(r.device.to_string())),
                    Param::Text(Some(r.staff.to_string())),
                    Param::Text(Some(r.entity.as_str().to_owned())),
                    Param::Text(Some(r.record_id.to_string())),
                    Param::Text(Some(outcome.to_owned())),
                    Param::Text(code.map(str::to_owned)),
                    Param::Text(reason),
                    Param::Int(r.seq),
                    Param::Int(Some(now)),
                ]);
            }
            on_tx!(self, c => {
                bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    pub async fn insert_revisions(&mut self, rows: &[RevisionRow]) -> StoreResult<()> {
        let now = now_ms();
        for chunk in rows.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO revisions (entity, record_id, seq, author, org, device, at_ms, deleted, body, clock, change_id) VALUES ",
            );
            let mut params = Vec::with_capacity(chunk.len() * 11);
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("({})", marks(params.len() + 1, 11)));
                params.extend([
                    Param::Text(Some(r.entity.as_str().to_owned())),
                    Param::Text(Some(r.record_id.to_string())),
                    Param::Int(Some(r.seq)),
                    Param::Text(Some(r.author.to_string())),
                    Param::Text(Some(r.org.to_string())),
                    Param::Text(Some(r.device.to_string())),
                    Param::Int(Some(now)),
                    Param::Bool(r.deleted),
                    Param::Text(Some(r.body.clone())),
                    Param::Text(Some(r.clock.clone())),
                    Param::Text(Some(r.change_id.to_string())),
                ]);
            }
            on_tx!(self, c => {
                bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// Writes the new current versions of records of one entity (each id at most once). The
    /// record space and author of an existing row are kept, as in [`Tx::upsert_record`].
    pub async fn upsert_sync_rows(&mut self, entity: Entity, rows: &[SyncRow]) -> StoreResult<()> {
        let t = table(entity);
        for chunk in rows.chunks(CHUNK) {
            let mut sql = format!("INSERT INTO {t} ({SYNC_COLS}) VALUES ");
            let mut params = Vec::with_capacity(chunk.len() * 15);
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("({})", marks(params.len() + 1, 15)));
                params.extend([
                    Param::Text(Some(r.id.to_string())),
                    Param::Text(r.team.map(|x| x.to_string())),
                    Param::Text(Some(r.org.to_string())),
                    Param::Text(Some(r.author.to_string())),
                    Param::Text(r.client.map(|x| x.to_string())),
                    Param::Int(r.start_ms),
                    Param::Bool(r.consent_given),
                    Param::Int(Some(r.seq)),
                    Param::Bool(r.deleted),
                    Param::Int(Some(r.updated_ms)),
                    Param::Text(Some(r.body.clone())),
                    Param::Text(r.clock.clone()),
                    Param::Text(r.field_clocks.clone()),
                    Param::Int(r.sync_seq),
                    Param::Text(r.sync_device.map(|x| x.to_string())),
                ]);
            }
            sql.push_str(
                " ON CONFLICT (id) DO UPDATE SET team = excluded.team, client = excluded.client, \
                 start_ms = excluded.start_ms, consent_given = excluded.consent_given, seq = excluded.seq, \
                 deleted = excluded.deleted, updated_ms = excluded.updated_ms, body = excluded.body, \
                 clock = excluded.clock, field_clocks = excluded.field_clocks, \
                 sync_seq = excluded.sync_seq, sync_device = excluded.sync_device",
            );
            on_tx!(self, c => {
                bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// Ids of the visits about `client`, oldest first.
    pub async fn visit_ids_of_client(&mut self, client: ClientId) -> StoreResult<Vec<Uuid>> {
        let ids: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT id FROM visits WHERE client = $1 ORDER BY seq")
                .bind(client.to_string())
                .fetch_all(&mut *c)
                .await?
        });
        ids.iter().map(|s| parse_uuid(s)).collect()
    }

    /// Ids of the outcomes about `client`, oldest first.
    pub async fn outcome_ids_of_client(&mut self, client: ClientId) -> StoreResult<Vec<Uuid>> {
        let ids: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT id FROM outcomes WHERE client = $1 ORDER BY seq")
                .bind(client.to_string())
                .fetch_all(&mut *c)
                .await?
        });
        ids.iter().map(|s| parse_uuid(s)).collect()
    }

    /// Moves every visit and outcome of `client` to a new sequence number. Call it in the
    /// transaction that changes whether the client's consent is in force or covers outcomes
    /// (sync, the JSON API and the consent sweep do), so the other organisation's phones pull
    /// those records — or their tombstones — again.
    pub async fn resequence_client_records(&mut self, client: ClientId) -> StoreResult<()> {
        let visits = self.visit_ids_of_client(client).await?;
        self.move_to_new_seqs(Entity::Visit, &visits).await?;
        let outcomes = self.outcome_ids_of_client(client).await?;
        self.move_to_new_seqs(Entity::Outcome, &outcomes).await
    }

    /// Rows of `entity` with `after < seq <= upto` in `teams` (plus team-less rows when
    /// `teamless`), in sequence order, at most `limit`.
    ///
    /// Each team (and the team-less rows) is its own range scan of the `(team, seq)` index,
    /// already in sequence order and stopped after `limit` rows; with more than one they are
    /// joined by `UNION ALL` and cut to `limit` again. One `team IN (…) OR team IS NULL` filter
    /// instead makes both engines read every row after the cursor and sort them before
    /// applying the limit: a device far behind (or new) in a big team paid for the whole
    /// history on every page.
    pub async fn pull_scan(
        &mut self,
        entity: Entity,
        after: i64,
        upto: i64,
        teams: &[TeamId],
        teamless: bool,
        limit: i64,
    ) -> StoreResult<Vec<PullRow>> {
        let limit = limit.max(1);
        let mut params = vec![Param::Int(Some(after)), Param::Int(Some(upto))];
        let mut scopes = Vec::new();
        for t in teams {
            params.push(Param::Text(Some(t.to_string())));
            scopes.push(format!("r.team = ${}", params.len()));
        }
        if teamless {
            scopes.push("r.team IS NULL".to_owned());
        }
        let one = |scope: &str| {
            format!(
                "SELECT r.id, r.team, r.org, r.author, r.client, r.seq, r.deleted, r.updated_ms, r.body, r.clock, \
                 r.sync_seq, r.sync_device, c.org AS client_org, {} AS client_consent, \
                 c.team AS client_team, c.shared_once AS client_shared_once \
                 FROM {} r LEFT JOIN clients c ON c.id = r.client \
                 WHERE {scope} AND r.seq > $1 AND r.seq <= $2 ORDER BY r.seq LIMIT {limit}",
                super::records::client_consent_sql(entity),
                table(entity)
            )
        };
        let sql = match scopes.as_slice() {
            [] => return Ok(Vec::new()),
            [scope] => one(scope),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .enumerate()
                    .map(|(i, scope)| format!("SELECT * FROM ({}) s{i}", one(scope)))
                    .collect();
                format!("{} ORDER BY seq LIMIT {limit}", parts.join(" UNION ALL "))
            }
        };
        let rows: Vec<PullTuple> = on_tx!(self, c => {
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &params).fetch_all(&mut *c).await?
        });
        rows.into_iter().map(|t| pull_row(entity, t)).collect()
    }

    /// One client's live contacts or outcomes (`entity`) of `teams` that start before
    /// `before_ms`, newest first, at most `limit`: the rows a phone asks for when it shows
    /// history older than its window (`GET /v1/clients/{id}/history`). The same columns as
    /// [`Tx::pull_scan`], so the pull's own judgement decides what the phone may see; the
    /// `(client, start_ms)` index serves it. The SQL leaves out rows of the other organisation
    /// without consent so that a page is not filled with rows the judgement drops; the
    /// judgement stays the authority.
    pub async fn history_scan(
        &mut self,
        entity: Entity,
        client: ClientId,
        before_ms: i64,
        teams: &[TeamId],
        viewer_org: OrgId,
        limit: i64,
    ) -> StoreResult<Vec<PullRow>> {
        if teams.is_empty() {
            return Ok(Vec::new());
        }
        let mut params = vec![
            Param::Text(Some(client.to_string())),
            Param::Int(Some(before_ms)),
            Param::Text(Some(viewer_org.to_string())),
        ];
        let mut scopes = Vec::new();
        for t in teams {
            params.push(Param::Text(Some(t.to_string())));
            scopes.push(format!("${}", params.len()));
        }
        let sql = format!(
            "SELECT r.id, r.team, r.org, r.author, r.client, r.seq, r.deleted, r.updated_ms, r.body, r.clock, \
             r.sync_seq, r.sync_device, c.org AS client_org, {} AS client_consent, \
             c.team AS client_team, c.shared_once AS client_shared_once \
             FROM {} r LEFT JOIN clients c ON c.id = r.client \
             WHERE r.client = $1 AND r.start_ms < $2 AND r.deleted = FALSE AND r.team IN ({}) \
             AND (r.org = $3 OR COALESCE({}, FALSE)) \
             ORDER BY r.start_ms DESC, r.id DESC LIMIT {}",
            super::records::client_consent_sql(entity),
            table(entity),
            scopes.join(", "),
            super::records::client_consent_sql(entity),
            limit.max(1)
        );
        let rows: Vec<PullTuple> = on_tx!(self, c => {
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &params).fetch_all(&mut *c).await?
        });
        rows.into_iter().map(|t| pull_row(entity, t)).collect()
    }

    /// Records the pull cursor handed to `device` (see `DeviceRow::last_cursor`): never lower
    /// than one handed before, unless the device is being brought back after a restore.
    pub async fn record_handed_cursor(
        &mut self,
        device: DeviceId,
        cursor: i64,
        restored: bool,
    ) -> StoreResult<()> {
        on_tx!(self, c => {
            sqlx::query(
                "UPDATE devices SET last_cursor = $1 \
                 WHERE id = $2 AND (last_cursor IS NULL OR last_cursor < $1 OR $3)",
            )
            .bind(cursor)
            .bind(device.to_string())
            .bind(restored)
            .execute(&mut *c)
            .await?;
        });
        Ok(())
    }

    /// Records a sync of `device` and returns its status as it is now (an admin may have revoked
    /// it while the request ran), or `None` when the device is gone.
    pub async fn touch_device_after_sync(
        &mut self,
        device: DeviceId,
        app_version: Option<&str>,
        applied: i64,
        rejected: i64,
    ) -> StoreResult<Option<String>> {
        let now = now_ms();
        Ok(on_tx!(self, c => {
            sqlx::query_scalar(
                "UPDATE devices SET last_sync_ms = $1, app_version = COALESCE($2, app_version), \
                 applied_changes = applied_changes + $3, rejected_changes = rejected_changes + $4, \
                 last_rejected_ms = CASE WHEN $4 > 0 THEN $1 ELSE last_rejected_ms END \
                 WHERE id = $5 RETURNING status",
            )
            .bind(now)
            .bind(app_version)
            .bind(applied)
            .bind(rejected)
            .bind(device.to_string())
            .fetch_optional(&mut *c)
            .await?
        }))
    }
}

impl Store {
    /// The client-code pattern of each of `teams` that exists.
    pub async fn team_patterns(&self, teams: &[TeamId]) -> StoreResult<HashMap<TeamId, String>> {
        if teams.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, client_code_pattern FROM teams WHERE id IN ({})",
            marks(1, teams.len())
        );
        let params: Vec<Param> = teams
            .iter()
            .map(|t| Param::Text(Some(t.to_string())))
            .collect();
        let rows: Vec<(String, String)> = on_pool!(self, p => {
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &params).fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(id, pattern)| Ok((parse_uuid(&id)?, pattern)))
            .collect()
    }

    /// Sync counters of a device (the devices page), `None` when it does not exist.
    pub async fn device_sync_stats(
        &self,
        device: DeviceId,
    ) -> StoreResult<Option<DeviceSyncStats>> {
        let row: Option<StatsTuple> = on_pool!(self, p => {
            sqlx::query_as("SELECT applied_changes, rejected_changes, last_rejected_ms, last_sync_ms, app_version FROM devices WHERE id = $1")
                .bind(device.to_string())
                .fetch_optional(p)
                .await?
        });
        Ok(row.map(|t| DeviceSyncStats {
            applied_changes: t.0,
            rejected_changes: t.1,
            last_rejected_ms: t.2,
            last_sync_ms: t.3,
            app_version: t.4,
        }))
    }

    /// How many revisions a record has (tests: every version is kept).
    pub async fn count_revisions(&self, entity: Entity, id: Uuid) -> StoreResult<i64> {
        Ok(on_pool!(self, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM revisions WHERE entity = $1 AND record_id = $2")
                .bind(entity.as_str())
                .bind(id.to_string())
                .fetch_one(p)
                .await?
        }))
    }

    /// How many change ids were recorded (tests: each exactly once).
    pub async fn count_sync_changes(&self) -> StoreResult<i64> {
        Ok(on_pool!(self, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sync_changes").fetch_one(p).await?
        }))
    }
}
