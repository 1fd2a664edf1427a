//! The retention tables (migration 0014) and the culling itself, both backends: the classes an
//! administrator set, legal holds, what is due, and the one transaction per organisation and
//! class that culls it and writes its gallring record.
//!
//! Culling a record keeps its row as a tombstone — `deleted`, a new sequence number, an empty
//! body `{}`, no start time, no sync stamps — so the pull sends every phone that may hold it a
//! deletion at its next sync (docs/sync-server.md); every stored version of it (`revisions`)
//! is deleted. The access log loses rows only here, through the gate of migration 0014.

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use uppsok_model::{ClientId, OrgId, TeamId};
use uuid::Uuid;

use super::{Store, StoreError, StoreResult, Tx, now_ms, on_pool, on_tx, parse_uuid};
use crate::retention::{ClassPlan, RetentionClass};

/// One dated period an administrator set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    pub org: OrgId,
    pub class: RetentionClass,
    pub years: i64,
    pub effective_from: NaiveDate,
    pub set_by: String,
    pub set_ms: i64,
}

/// A client with what decides its culling: when anything was last written about it, and which
/// organisations hold records about it.
#[derive(Debug, Clone)]
pub struct RetentionCandidate {
    pub client: Uuid,
    pub org: OrgId,
    pub team_name: String,
    pub code: String,
    pub last_entry_ms: i64,
    pub visits: i64,
    /// Its outcomes (stays in care, housing …), which go with it like its visits.
    pub outcomes: i64,
    pub record_orgs: Vec<OrgId>,
    pub held: bool,
}

/// A client under a legal hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRow {
    pub client: ClientId,
    pub team: TeamId,
    pub code: Option<String>,
    pub set_by: String,
    pub set_ms: i64,
}

/// A gallring record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub run_ms: i64,
    pub run_by: String,
    pub org: OrgId,
    pub class: RetentionClass,
    pub years: i64,
    pub cutoff_ms: i64,
    pub removed: i64,
    pub held: i64,
}

fn class_of(s: &str) -> StoreResult<RetentionClass> {
    s.parse()
        .map_err(|_| StoreError::Corrupt("retention class".into()))
}

impl Store {
    /// Sets `class`'s period for `org` from `from` on (a later setting for the same day
    /// replaces it). `years` must be within the law's floor and 100 (`Invalid` names the rule).
    pub async fn set_retention_class(
        &self,
        org: OrgId,
        class: RetentionClass,
        years: i64,
        from: NaiveDate,
        set_by: &str,
    ) -> StoreResult<()> {
        let Some(o) = self.org(org).await? else {
            return Err(StoreError::NotFound("organisation"));
        };
        class
            .check_years(o.kind, years)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO retention_classes (org, class, years, effective_from, set_by, set_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org, class, effective_from) \
                 DO UPDATE SET years = excluded.years, set_by = excluded.set_by, set_ms = excluded.set_ms",
            )
            .bind(org.to_string())
            .bind(class.as_str())
            .bind(years)
            .bind(from.format("%Y-%m-%d").to_string())
            .bind(set_by)
            .bind(now_ms())
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Every period ever set, oldest first.
    pub async fn retention_classes(&self) -> StoreResult<Vec<ClassRow>> {
        let rows: Vec<(String, String, i64, String, String, i64)> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT org, class, years, effective_from, set_by, set_ms FROM retention_classes \
                 ORDER BY effective_from, set_ms",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(org, class, years, from, set_by, set_ms)| {
                Ok(ClassRow {
                    org: parse_uuid(&org)?,
                    class: class_of(&class)?,
                    years,
                    effective_from: NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt("retention effective_from".into()))?,
                    set_by,
                    set_ms,
                })
            })
            .collect()
    }

    /// The live client with `code` in `team`.
    pub async fn client_by_code(&self, team: TeamId, code: &str) -> StoreResult<Option<ClientId>> {
        let id: Option<String> = on_pool!(self, p => {
            sqlx::query_scalar("SELECT id FROM clients WHERE team = $1 AND code = $2 AND deleted = FALSE")
                .bind(team.to_string())
                .bind(code.trim())
                .fetch_optional(p)
                .await?
        });
        id.as_deref().map(parse_uuid).transpose()
    }

    /// Puts `client` under a legal hold; `false` when it already was.
    pub async fn hold_client(&self, client: ClientId, team: TeamId, by: &str) -> StoreResult<bool> {
        let n = on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO retention_holds (client, team, set_by, set_ms) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (client) DO NOTHING",
            )
            .bind(client.to_string())
            .bind(team.to_string())
            .bind(by)
            .bind(now_ms())
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Lifts a hold; `false` when there was none.
    pub async fn release_client(&self, client: ClientId) -> StoreResult<bool> {
        let n = on_pool!(self, p => {
            sqlx::query("DELETE FROM retention_holds WHERE client = $1")
                .bind(client.to_string())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn retention_holds(&self) -> StoreResult<Vec<HoldRow>> {
        let rows: Vec<(String, String, Option<String>, String, i64)> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT h.client, h.team, c.code, h.set_by, h.set_ms FROM retention_holds h \
                 LEFT JOIN clients c ON c.id = h.client ORDER BY h.set_ms",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(client, team, code, set_by, set_ms)| {
                Ok(HoldRow {
                    client: parse_uuid(&client)?,
                    team: parse_uuid(&team)?,
                    code,
                    set_by,
                    set_ms,
                })
            })
            .collect()
    }

    /// Every client not yet culled (live, or deleted by a person but still holding its content),
    /// with the last time anything was written about it: the client record's last write, its
    /// visits' and outcomes' start and last write (deleted ones count: a deletion is an entry
    /// too).
    pub async fn retention_clients(&self) -> StoreResult<Vec<RetentionCandidate>> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            i64,
            Option<String>,
            Option<i64>,
            Option<i64>,
            i64,
            bool,
        );
        let rows: Vec<Row> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT c.id, c.org, t.name, c.code, c.updated_ms, v.org, MAX(v.start_ms), \
                 MAX(v.updated_ms), COUNT(v.id), \
                 EXISTS (SELECT 1 FROM retention_holds h WHERE h.client = c.id) \
                 FROM clients c JOIN teams t ON t.id = c.team \
                 LEFT JOIN visits v ON v.client = c.id AND v.start_ms IS NOT NULL \
                 WHERE c.body <> '{}' \
                 GROUP BY c.id, c.org, t.name, c.code, c.updated_ms, v.org",
            )
            .fetch_all(p)
            .await?
        });
        let mut out: Vec<RetentionCandidate> = Vec::new();
        for (id, org, team_name, code, updated, v_org, v_start, v_updated, n, held) in rows {
            let client: Uuid = parse_uuid(&id)?;
            let last = updated
                .max(v_start.unwrap_or(0))
                .max(v_updated.unwrap_or(0));
            let v_org: Option<OrgId> = v_org.as_deref().map(parse_uuid).transpose()?;
            let c = match out.iter_mut().find(|c| c.client == client) {
                Some(c) => c,
                None => {
                    out.push(RetentionCandidate {
                        client,
                        org: parse_uuid(&org)?,
                        team_name,
                        // A deleted client's code is not in the generated column; "-" then.
                        code: code.unwrap_or_else(|| "-".into()),
                        last_entry_ms: last,
                        visits: 0,
                        outcomes: 0,
                        record_orgs: Vec::new(),
                        held,
                    });
                    let Some(c) = out.last_mut() else {
                        continue;
                    };
                    c
                }
            };
            c.last_entry_ms = c.last_entry_ms.max(last);
            c.visits += n;
            if let Some(o) = v_org.filter(|o| !c.record_orgs.contains(o)) {
                c.record_orgs.push(o);
            }
        }
        // Outcomes are in their author's record space like visits: the same questions, asked
        // of their own table (a second join would multiply the visit counts).
        // client, record space, latest day, latest write, how many.
        type OutcomeRow = (String, String, Option<i64>, Option<i64>, i64);
        let rows: Vec<OutcomeRow> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT client, org, MAX(start_ms), MAX(updated_ms), COUNT(id) FROM outcomes \
                 WHERE client IS NOT NULL AND start_ms IS NOT NULL GROUP BY client, org",
            )
            .fetch_all(p)
            .await?
        });
        for (client, org, o_start, o_updated, n) in rows {
            let client: Uuid = parse_uuid(&client)?;
            let Some(c) = out.iter_mut().find(|c| c.client == client) else {
                continue;
            };
            let o_org: OrgId = parse_uuid(&org)?;
            c.last_entry_ms = c
                .last_entry_ms
                .max(o_start.unwrap_or(0))
                .max(o_updated.unwrap_or(0));
            c.outcomes += n;
            if !c.record_orgs.contains(&o_org) {
                c.record_orgs.push(o_org);
            }
        }
        out.sort_by(|a, b| (&a.team_name, &a.code).cmp(&(&b.team_name, &b.code)));
        Ok(out)
    }

    /// (trips, mileage-approval versions) of `org` before `cutoff_ms` not yet culled.
    pub async fn retention_trips_due(&self, org: OrgId, cutoff_ms: i64) -> StoreResult<(i64, i64)> {
        let month = cutoff_month(cutoff_ms);
        Ok(on_pool!(self, p => {
            let trips: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trips WHERE org = $1 AND start_ms < $2")
                .bind(org.to_string())
                .bind(cutoff_ms)
                .fetch_one(p)
                .await?;
            let approvals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mileage_approvals WHERE org = $1 AND month < $2")
                .bind(org.to_string())
                .bind(&month)
                .fetch_one(p)
                .await?;
            (trips, approvals)
        }))
    }

    /// Access-log rows about `org`'s data (or by its staff, when about no data) before
    /// `cutoff_ms`, those about a held client excepted.
    pub async fn retention_log_due(&self, org: OrgId, cutoff_ms: i64) -> StoreResult<i64> {
        let sql = format!("SELECT COUNT(*) FROM audit_log WHERE {LOG_DUE}");
        Ok(on_pool!(self, p => {
            sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(org.to_string())
                .bind(cutoff_ms)
                .fetch_one(p)
                .await?
        }))
    }

    /// Culls what `p` found, in one transaction, and writes its gallring record. Whatever was
    /// written about a client after the plan was made keeps it: each client is checked again
    /// inside the transaction.
    pub async fn retention_carry_out(
        &self,
        p: &ClassPlan,
        run_ms: i64,
        by: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let removed = match p.class {
            RetentionClass::ClientRecords => {
                let mut n = 0;
                for c in &p.clients {
                    n += tx.cull_client(c.client, c.last_entry_ms, run_ms).await?;
                }
                n
            }
            RetentionClass::Trips => tx.cull_trips(p.org, p.cutoff_ms, run_ms).await?,
            RetentionClass::AccessLog => tx.cull_log(p.org, p.cutoff_ms).await?,
        };
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO retention_runs (run_ms, run_by, org, class, years, cutoff_ms, removed, held) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(run_ms)
            .bind(by)
            .bind(p.org.to_string())
            .bind(p.class.as_str())
            .bind(p.years)
            .bind(p.cutoff_ms)
            .bind(removed)
            .bind(p.held.len() as i64)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// The gallring records, newest first.
    pub async fn retention_runs(&self, limit: i64) -> StoreResult<Vec<RunRow>> {
        type Row = (i64, String, String, String, i64, i64, i64, i64);
        let rows: Vec<Row> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT run_ms, run_by, org, class, years, cutoff_ms, removed, held FROM retention_runs \
                 ORDER BY run_ms DESC, id DESC LIMIT $1",
            )
            .bind(limit.clamp(1, 100_000))
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(
                |(run_ms, run_by, org, class, years, cutoff_ms, removed, held)| {
                    Ok(RunRow {
                        run_ms,
                        run_by,
                        org: parse_uuid(&org)?,
                        class: class_of(&class)?,
                        years,
                        cutoff_ms,
                        removed,
                        held,
                    })
                },
            )
            .collect()
    }
}

/// Rows of the access log a class of `$1` (an organisation) with cut-off `$2` covers.
const LOG_DUE: &str = "COALESCE(record_org, actor_org) = $1 AND at_ms < $2 \
     AND (client IS NULL OR client NOT IN (SELECT client FROM retention_holds))";

/// `YYYY-MM` of the cut-off: approvals of earlier months go.
fn cutoff_month(cutoff_ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(cutoff_ms)
        .map_or_else(|| "0000-00".into(), |d| d.format("%Y-%m").to_string())
}

impl Tx {
    /// Turns one row into a culled tombstone at a new sequence number and deletes its versions.
    async fn cull_row(
        &mut self,
        table: &str,
        entity: &str,
        id: &str,
        run_ms: i64,
    ) -> StoreResult<()> {
        let seq = self.next_seq().await?;
        let sql = format!(
            "UPDATE {table} SET deleted = TRUE, body = '{{}}', start_ms = NULL, seq = $1, \
             updated_ms = $2, field_clocks = NULL, sync_seq = NULL, sync_device = NULL WHERE id = $3"
        );
        on_tx!(self, c => {
            sqlx::query(AssertSqlSafe(sql))
                .bind(seq)
                .bind(run_ms)
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM revisions WHERE entity = $1 AND record_id = $2")
                .bind(entity)
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }

    /// Culls a client with its visits and outcomes if nothing about it was written after `last_entry_ms` (what
    /// the plan saw) and no hold keeps it, both checked again here; returns how many records went.
    async fn cull_client(
        &mut self,
        client: Uuid,
        last_entry_ms: i64,
        run_ms: i64,
    ) -> StoreResult<i64> {
        let id = client.to_string();
        let (newest, held): (Option<i64>, bool) = on_tx!(self, c => {
            sqlx::query_as(
                "SELECT MAX(t), EXISTS (SELECT 1 FROM retention_holds WHERE client = $1) FROM ( \
                 SELECT updated_ms AS t FROM clients WHERE id = $1 \
                 UNION ALL SELECT start_ms FROM visits WHERE client = $1 \
                 UNION ALL SELECT updated_ms FROM visits WHERE client = $1 AND start_ms IS NOT NULL \
                 UNION ALL SELECT start_ms FROM outcomes WHERE client = $1 \
                 UNION ALL SELECT updated_ms FROM outcomes WHERE client = $1 AND start_ms IS NOT NULL) x",
            )
            .bind(&id)
            .fetch_one(&mut *c)
            .await?
        });
        if held || newest.is_some_and(|t| t > last_entry_ms) {
            return Ok(0);
        }
        let visits: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT id FROM visits WHERE client = $1 AND start_ms IS NOT NULL ORDER BY id")
                .bind(&id)
                .fetch_all(&mut *c)
                .await?
        });
        for v in &visits {
            self.cull_row("visits", "visit", v, run_ms).await?;
        }
        let outcomes: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT id FROM outcomes WHERE client = $1 AND start_ms IS NOT NULL ORDER BY id")
                .bind(&id)
                .fetch_all(&mut *c)
                .await?
        });
        for o in &outcomes {
            self.cull_row("outcomes", "outcome", o, run_ms).await?;
        }
        self.cull_row("clients", "client", &id, run_ms).await?;
        Ok(1 + visits.len() as i64 + outcomes.len() as i64)
    }

    async fn cull_trips(&mut self, org: OrgId, cutoff_ms: i64, run_ms: i64) -> StoreResult<i64> {
        let trips: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT id FROM trips WHERE org = $1 AND start_ms < $2 ORDER BY id")
                .bind(org.to_string())
                .bind(cutoff_ms)
                .fetch_all(&mut *c)
                .await?
        });
        for t in &trips {
            self.cull_row("trips", "trip", t, run_ms).await?;
        }
        let approvals = on_tx!(self, c => {
            sqlx::query("DELETE FROM mileage_approvals WHERE org = $1 AND month < $2")
                .bind(org.to_string())
                .bind(cutoff_month(cutoff_ms))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(trips.len() as i64 + approvals as i64)
    }

    /// Opens the access log's gate for rows before `cutoff_ms`, deletes the class's rows, and
    /// closes the gate again, all in this transaction.
    async fn cull_log(&mut self, org: OrgId, cutoff_ms: i64) -> StoreResult<i64> {
        let sql = format!("DELETE FROM audit_log WHERE {LOG_DUE}");
        let n = on_tx!(self, c => {
            sqlx::query("UPDATE audit_log_gallring SET delete_before_ms = $1 WHERE id = 1")
                .bind(cutoff_ms)
                .execute(&mut *c)
                .await?;
            let n = sqlx::query(AssertSqlSafe(sql))
                .bind(org.to_string())
                .bind(cutoff_ms)
                .execute(&mut *c)
                .await?
                .rows_affected();
            sqlx::query("UPDATE audit_log_gallring SET delete_before_ms = NULL WHERE id = 1")
                .execute(&mut *c)
                .await?;
            n
        });
        Ok(n as i64)
    }
}
