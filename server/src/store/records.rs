//! The synced records (clients, visits, trips, places): the current version of each as a JSON
//! body plus the columns that queries and access checks need, every version in `revisions`,
//! and the server-wide sequence that orders them (the sync cursor).
//!
//! This layer stores; it does not decide who may write what. Callers check with
//! [`crate::access`] first (the JSON API) or with sync's own rules.

use sqlx::AssertSqlSafe;
use uppsok_model::{ClientId, DeviceId, Entity, OrgId, Record, StaffId, TeamId};
use uuid::Uuid;

use super::{Param, Store, StoreError, StoreResult, Tx, Where, now_ms, on_pool, on_tx, parse_uuid};
use crate::store::bind_all;

/// One write of a record with who made it.
#[derive(Debug, Clone)]
pub struct RecordWrite {
    pub record: Record,
    pub deleted: bool,
    /// The author (the device's user, or the member of staff using the API).
    pub author: StaffId,
    /// The author's organisation: the record space the record belongs to. For clients the
    /// client's own `org` field is used, which the caller has checked equals this.
    pub org: OrgId,
    /// The team a trip (or a place) belongs to. Clients carry their team; a visit's team is its
    /// client's, looked up when `None`.
    pub team: Option<TeamId>,
    pub device: Option<DeviceId>,
}

/// A stored record with its access columns.
#[derive(Debug, Clone)]
pub struct RecordRow {
    pub entity: Entity,
    pub id: Uuid,
    pub team: Option<TeamId>,
    /// The record space (author's organisation; the client's for clients).
    pub org: OrgId,
    pub author: StaffId,
    pub client: Option<ClientId>,
    pub start_ms: Option<i64>,
    pub seq: i64,
    pub deleted: bool,
    pub updated_ms: i64,
    pub body: serde_json::Value,
    /// The client's record space and consent (for a client: its own; for a visit or an outcome:
    /// its client's, for an outcome only when the consent's scope covers outcomes; `None` when
    /// the record is about no client or the client is unknown here).
    pub client_org: Option<OrgId>,
    pub client_consent: Option<bool>,
}

/// What to list. Empty `teams` lists nothing; `None` means no team filter.
#[derive(Debug, Clone)]
pub struct RecordFilter {
    pub entity: Entity,
    pub teams: Option<Vec<TeamId>>,
    pub orgs: Option<Vec<OrgId>>,
    pub client: Option<ClientId>,
    pub author: Option<StaffId>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub after_seq: Option<i64>,
    pub include_deleted: bool,
    pub limit: i64,
}

impl RecordFilter {
    pub fn new(entity: Entity) -> Self {
        Self {
            entity,
            teams: None,
            orgs: None,
            client: None,
            author: None,
            from_ms: None,
            to_ms: None,
            after_seq: None,
            include_deleted: false,
            limit: 1000,
        }
    }
}

pub(crate) fn table(entity: Entity) -> &'static str {
    match entity {
        Entity::Client => "clients",
        Entity::Visit => "visits",
        Entity::Trip => "trips",
        Entity::Place => "places",
        Entity::Outcome => "outcomes",
    }
}

type RowTuple = (
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<i64>,
    i64,
    bool,
    i64,
    String,
    Option<String>,
    Option<bool>,
);

/// The columns of a [`RecordRow`]; the last is the client's consent as it governs a record of
/// `entity` ([`client_consent_sql`]).
fn row_cols(entity: Entity) -> String {
    format!(
        "r.id, r.team, r.org, r.author, r.client, r.start_ms, r.seq, r.deleted, r.updated_ms, r.body, c.org, {}",
        client_consent_sql(entity)
    )
}

/// The client's consent as the access rules read it for a record of `entity` joined as `c`:
/// consent in force (`consent_given`, kept so by writes and by `crate::consent`'s sweep), and
/// for an outcome also a scope that covers outcomes (migration 0019).
pub(crate) fn client_consent_sql(entity: Entity) -> &'static str {
    match entity {
        Entity::Outcome => "(c.consent_given AND c.consent_outcomes)",
        _ => "c.consent_given",
    }
}

fn row_from(entity: Entity, t: RowTuple) -> StoreResult<RecordRow> {
    Ok(RecordRow {
        entity,
        id: parse_uuid(&t.0)?,
        team: t.1.as_deref().map(parse_uuid).transpose()?,
        org: parse_uuid(&t.2)?,
        author: parse_uuid(&t.3)?,
        client: t.4.as_deref().map(parse_uuid).transpose()?,
        start_ms: t.5,
        seq: t.6,
        deleted: t.7,
        updated_ms: t.8,
        body: serde_json::from_str(&t.9)
            .map_err(|_| StoreError::Corrupt("record body is not JSON".into()))?,
        client_org: t.10.as_deref().map(parse_uuid).transpose()?,
        client_consent: t.11,
    })
}

fn from_clause(entity: Entity) -> String {
    format!("{} r LEFT JOIN clients c ON c.id = r.client", table(entity))
}

/// The record without its `{"entity": …}` tag: what the `body` column holds.
fn body_of(record: &Record) -> StoreResult<String> {
    let r = match record {
        Record::Client(c) => serde_json::to_string(c),
        Record::Visit(v) => serde_json::to_string(v),
        Record::Trip(t) => serde_json::to_string(t),
        Record::Place(p) => serde_json::to_string(p),
        Record::Outcome(o) => serde_json::to_string(o),
    };
    r.map_err(|e| StoreError::Invalid(format!("record does not serialise: {e}")))
}

impl Tx {
    /// The team of a record about a client: the one given, else the client's.
    async fn client_team(
        &mut self,
        given: Option<TeamId>,
        client: ClientId,
    ) -> StoreResult<TeamId> {
        if let Some(t) = given {
            return Ok(t);
        }
        self.record(Entity::Client, client.0)
            .await?
            .and_then(|c| c.team)
            .ok_or_else(|| {
                StoreError::Invalid("the record's client is not known to the server".into())
            })
    }

    /// Stores `w` as the current version and as a new revision; returns its sequence number.
    pub async fn upsert_record(&mut self, w: &RecordWrite) -> StoreResult<i64> {
        // First statement takes the write lock and the sequence number (see `next_seq`).
        let seq = self.next_seq().await?;
        let now = now_ms();
        let entity = w.record.entity();
        let id = w.record.id().to_string();
        let (team, org, client, start_ms, consent): (
            Option<TeamId>,
            OrgId,
            Option<ClientId>,
            Option<i64>,
            bool,
        ) = match &w.record {
            Record::Client(c) => (
                Some(c.team),
                c.org,
                Some(c.id),
                None,
                c.consent.in_force(crate::consent::today()),
            ),
            Record::Visit(v) => {
                let team = self.client_team(w.team, v.client).await?;
                (
                    Some(team),
                    w.org,
                    Some(v.client),
                    Some(v.start.timestamp_millis()),
                    false,
                )
            }
            // An outcome is about a client like a contact; its day is kept as that day's first
            // millisecond (UTC) so listings by time work the same.
            Record::Outcome(o) => {
                let team = self.client_team(w.team, o.client).await?;
                let start = o.day.and_time(chrono::NaiveTime::MIN).and_utc();
                (
                    Some(team),
                    w.org,
                    Some(o.client),
                    Some(start.timestamp_millis()),
                    false,
                )
            }
            Record::Trip(t) => {
                if w.team.is_none() {
                    return Err(StoreError::Invalid(
                        "a trip needs the team it was driven for".into(),
                    ));
                }
                (w.team, w.org, None, Some(t.start.timestamp_millis()), false)
            }
            Record::Place(p) => (p.team.or(w.team), w.org, None, None, false),
        };
        let body = body_of(&w.record)?;
        let t = table(entity);
        // The record space (org) and author of the first version stay: an edit never moves a
        // record into another organisation's space.
        let sql = format!(
            "INSERT INTO {t} (id, team, org, author, client, start_ms, consent_given, seq, deleted, updated_ms, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET team = excluded.team, client = excluded.client, \
             start_ms = excluded.start_ms, consent_given = excluded.consent_given, seq = excluded.seq, \
             deleted = excluded.deleted, updated_ms = excluded.updated_ms, body = excluded.body"
        );
        on_tx!(self, c => {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&id)
                .bind(team.map(|t| t.to_string()))
                .bind(org.to_string())
                .bind(w.author.to_string())
                .bind(client.map(|c| c.to_string()))
                .bind(start_ms)
                .bind(consent)
                .bind(seq)
                .bind(w.deleted)
                .bind(now)
                .bind(&body)
                .execute(&mut *c)
                .await?;
            sqlx::query("INSERT INTO revisions (entity, record_id, seq, author, org, device, at_ms, deleted, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(entity.as_str())
                .bind(&id)
                .bind(seq)
                .bind(w.author.to_string())
                .bind(org.to_string())
                .bind(w.device.map(|d| d.to_string()))
                .bind(now)
                .bind(w.deleted)
                .bind(&body)
                .execute(&mut *c)
                .await?;
        });
        Ok(seq)
    }

    pub async fn record(&mut self, entity: Entity, id: Uuid) -> StoreResult<Option<RecordRow>> {
        let sql = format!(
            "SELECT {} FROM {} WHERE r.id = $1",
            row_cols(entity),
            from_clause(entity)
        );
        let row: Option<RowTuple> = on_tx!(self, c => {
            sqlx::query_as(AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(&mut *c).await?
        });
        row.map(|t| row_from(entity, t)).transpose()
    }
}

impl Store {
    /// Convenience: one upsert in its own transaction.
    pub async fn upsert_record(&self, w: &RecordWrite) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let seq = tx.upsert_record(w).await?;
        tx.commit().await?;
        Ok(seq)
    }

    pub async fn record(&self, entity: Entity, id: Uuid) -> StoreResult<Option<RecordRow>> {
        let sql = format!(
            "SELECT {} FROM {} WHERE r.id = $1",
            row_cols(entity),
            from_clause(entity)
        );
        let row: Option<RowTuple> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(sql)).bind(id.to_string()).fetch_optional(p).await?
        });
        row.map(|t| row_from(entity, t)).transpose()
    }

    /// Records matching `f`, by start (newest first) when listing by time, else by sequence.
    pub async fn list_records(&self, f: &RecordFilter) -> StoreResult<Vec<RecordRow>> {
        let mut w = Where::default();
        if let Some(teams) = &f.teams {
            w.and_in("r.team", teams.iter().map(|t| t.to_string()));
        }
        if let Some(orgs) = &f.orgs {
            w.and_in("r.org", orgs.iter().map(|t| t.to_string()));
        }
        if let Some(c) = f.client {
            w.and("r.client = $?", [Param::Text(Some(c.to_string()))]);
        }
        if let Some(a) = f.author {
            w.and("r.author = $?", [Param::Text(Some(a.to_string()))]);
        }
        if let Some(from) = f.from_ms {
            w.and("r.start_ms >= $?", [Param::Int(Some(from))]);
        }
        if let Some(to) = f.to_ms {
            w.and("r.start_ms < $?", [Param::Int(Some(to))]);
        }
        if let Some(after) = f.after_seq {
            w.and("r.seq > $?", [Param::Int(Some(after))]);
        }
        if !f.include_deleted {
            w.and("r.deleted = $?", [Param::Bool(false)]);
        }
        let order = if f.after_seq.is_some() {
            "r.seq"
        } else {
            "r.start_ms DESC, r.seq DESC"
        };
        let sql = format!(
            "SELECT {} FROM {}{} ORDER BY {order} LIMIT {}",
            row_cols(f.entity),
            from_clause(f.entity),
            w.sql(),
            f.limit.clamp(1, 10_000)
        );
        let rows: Vec<RowTuple> = on_pool!(self, p => {
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &w.params).fetch_all(p).await?
        });
        rows.into_iter().map(|t| row_from(f.entity, t)).collect()
    }

    /// How many records of `entity` exist (tests check that rejected requests wrote nothing).
    pub async fn count_records(&self, entity: Entity) -> StoreResult<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", table(entity));
        Ok(on_pool!(self, p => {
            sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(p).await?
        }))
    }

    /// The highest sequence number handed out so far.
    pub async fn current_seq(&self) -> StoreResult<i64> {
        Ok(on_pool!(self, p => {
            sqlx::query_scalar("SELECT value FROM seq_counter WHERE id = 1").fetch_one(p).await?
        }))
    }
}
