//! Documented follow-ups of the access log (migration 0014): the record of who checked which
//! period with which seed, what they found and did, and a copy of the sampled entries. Written
//! once, never changed (the dashboard has no edit).

use uppsok_model::{OrgId, StaffId};
use uuid::Uuid;

use super::{AuditAction, AuditRow, Store, StoreResult, Via, now_ms, on_pool, parse_uuid};

/// A follow-up as saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub id: Uuid,
    pub org: OrgId,
    pub reviewer: StaffId,
    pub reviewer_username: String,
    pub created_ms: i64,
    /// The period, Swedish days `YYYY-MM-DD`, both included.
    pub from_day: String,
    pub to_day: String,
    pub seed: i64,
    /// How many entries the sample was drawn from.
    pub population: i64,
    pub findings: String,
    pub action_taken: String,
}

/// One sampled entry, as it was when the follow-up was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampledEntry {
    pub audit_id: i64,
    pub at_ms: i64,
    pub actor_username: String,
    pub via: Via,
    pub action: AuditAction,
    pub client: Option<Uuid>,
    pub team: Option<Uuid>,
}

impl From<&AuditRow> for SampledEntry {
    fn from(r: &AuditRow) -> Self {
        SampledEntry {
            audit_id: r.id,
            at_ms: r.at_ms,
            actor_username: r.actor_username.clone(),
            via: r.via,
            action: r.action,
            client: r.client,
            team: r.team,
        }
    }
}

type FollowUpTuple = (
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    String,
    String,
);

const COLS: &str = "id, org, reviewer, reviewer_username, created_ms, from_day, to_day, seed, population, findings, action_taken";

fn from_tuple(t: FollowUpTuple) -> StoreResult<FollowUp> {
    Ok(FollowUp {
        id: parse_uuid(&t.0)?,
        org: parse_uuid(&t.1)?,
        reviewer: parse_uuid(&t.2)?,
        reviewer_username: t.3,
        created_ms: t.4,
        from_day: t.5,
        to_day: t.6,
        seed: t.7,
        population: t.8,
        findings: t.9,
        action_taken: t.10,
    })
}

impl Store {
    /// Saves a follow-up with its sample in one transaction; `f.id` and `f.created_ms` are set
    /// here. Returns the saved record.
    pub async fn save_followup(
        &self,
        mut f: FollowUp,
        sample: &[SampledEntry],
    ) -> StoreResult<FollowUp> {
        f.id = Uuid::now_v7();
        f.created_ms = now_ms();
        let mut tx = self.begin().await?;
        crate::on_tx!(&mut tx, c => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO audit_followups ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            )))
            .bind(f.id.to_string())
            .bind(f.org.to_string())
            .bind(f.reviewer.to_string())
            .bind(&f.reviewer_username)
            .bind(f.created_ms)
            .bind(&f.from_day)
            .bind(&f.to_day)
            .bind(f.seed)
            .bind(f.population)
            .bind(&f.findings)
            .bind(&f.action_taken)
            .execute(&mut *c)
            .await?;
            for s in sample {
                sqlx::query(
                    "INSERT INTO audit_followup_samples (followup, audit_id, at_ms, actor_username, via, action, client, team) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(f.id.to_string())
                .bind(s.audit_id)
                .bind(s.at_ms)
                .bind(&s.actor_username)
                .bind(s.via.as_str())
                .bind(s.action.as_str())
                .bind(s.client.map(|c| c.to_string()))
                .bind(s.team.map(|t| t.to_string()))
                .execute(&mut *c)
                .await?;
            }
        });
        tx.commit().await?;
        Ok(f)
    }

    /// An organisation's follow-ups, newest first.
    pub async fn followups(&self, org: OrgId) -> StoreResult<Vec<FollowUp>> {
        let rows: Vec<FollowUpTuple> = on_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM audit_followups WHERE org = $1 ORDER BY created_ms DESC, id DESC"
            )))
            .bind(org.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(from_tuple).collect()
    }

    pub async fn followup(&self, id: Uuid) -> StoreResult<Option<FollowUp>> {
        let row: Option<FollowUpTuple> = on_pool!(self, p => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM audit_followups WHERE id = $1"
            )))
            .bind(id.to_string())
            .fetch_optional(p)
            .await?
        });
        row.map(from_tuple).transpose()
    }

    /// The sample of a follow-up, oldest entry first.
    pub async fn followup_sample(&self, id: Uuid) -> StoreResult<Vec<SampledEntry>> {
        type Row = (
            i64,
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT audit_id, at_ms, actor_username, via, action, client, team FROM audit_followup_samples \
                 WHERE followup = $1 ORDER BY at_ms, audit_id",
            )
            .bind(id.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(
                |(audit_id, at_ms, actor_username, via, action, client, team)| {
                    Ok(SampledEntry {
                        audit_id,
                        at_ms,
                        actor_username,
                        via: Via::parse(&via)?,
                        action: AuditAction::parse(&action)?,
                        client: client.as_deref().map(parse_uuid).transpose()?,
                        team: team.as_deref().map(parse_uuid).transpose()?,
                    })
                },
            )
            .collect()
    }
}
