//! Everything one sync request writes, in as few round trips as each engine allows.
//!
//! A sync request's writes run while every other sync waits for the sequence lock (see
//! `gate`), so each statement's round trip is paid by the whole server. Once its changes are
//! judged, a request writes its `sync_changes` rows, its revisions, the new current versions,
//! its access-log entries and the device's counters. On SQLite those are in-process calls and
//! stay separate statements. On PostgreSQL they go as ONE statement: each table's rows as
//! arrays (`UNNEST`) in a data-modifying CTE, the device update last, returning the device's
//! status. The statement's text is the same whatever the row counts, so it is parsed and
//! planned once per connection, and one network round trip carries the whole write.

use sqlx::postgres::PgConnection;
use uppsok_model::{DeviceId, Entity};

use super::records::table;
use super::sync::{RevisionRow, SyncChangeRow, SyncRow, outcome_columns};
use super::{AuditEntry, StampedEntry, StoreResult, Tx, now_ms};

/// The rows a judged sync request writes (current versions: each record at most once).
#[derive(Debug, Default)]
pub struct SyncWrites {
    pub changes: Vec<SyncChangeRow>,
    pub revisions: Vec<RevisionRow>,
    pub rows: Vec<SyncRow>,
}

/// The device's counters after a sync.
#[derive(Debug, Clone, Copy)]
pub struct DeviceTouch<'a> {
    pub device: DeviceId,
    pub app_version: Option<&'a str>,
    pub applied: i64,
    pub rejected: i64,
}

impl Tx {
    /// Writes `w` and `audit`, records the sync on the device and returns the device's status
    /// as it is now (`None` when the device is gone); see the module docs.
    pub async fn write_sync(
        &mut self,
        w: &SyncWrites,
        audit: &[StampedEntry],
        touch: DeviceTouch<'_>,
    ) -> StoreResult<Option<String>> {
        // Entries already there (a write sent again after a restore) are skipped, and all go
        // to the journal once the sync's transaction commits.
        self.journal_after_commit(audit);
        if let Tx::Postgres(t, ..) = self {
            return write_pg(t, w, audit, touch).await;
        }
        self.insert_sync_changes(&w.changes).await?;
        self.insert_revisions(&w.revisions).await?;
        for entity in Entity::ALL {
            let rows: Vec<SyncRow> = w
                .rows
                .iter()
                .filter(|r| r.entity == entity)
                .cloned()
                .collect();
            if !rows.is_empty() {
                self.upsert_sync_rows(entity, &rows).await?;
            }
        }
        if !audit.is_empty() {
            self.append_stamped(audit, true).await?;
        }
        self.touch_device_after_sync(
            touch.device,
            touch.app_version,
            touch.applied,
            touch.rejected,
        )
        .await
    }
}

/// The one PostgreSQL statement. Parameters: `$1` the time, then each table's columns as
/// arrays; the upserts of the four record tables are always present (an empty array inserts
/// nothing) so the text never changes.
fn pg_statement() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let mut sql = String::from(
            "WITH sc AS (INSERT INTO sync_changes (change_id, device, staff, entity, record_id, outcome, code, reason, seq, at_ms) \
             SELECT u.*, $1 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[]) u), \
             rv AS (INSERT INTO revisions (entity, record_id, seq, author, org, device, deleted, body, clock, change_id, at_ms) \
             SELECT u.*, $1 FROM UNNEST($11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::bool[], $18::text[], $19::text[], $20::text[]) u), \
             al AS (INSERT INTO audit_log (actor_staff, actor_username, actor_org, device, via, action, entity, client, record, team, record_org, entry_id, at_ms) \
             SELECT * FROM UNNEST($21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::text[], $29::text[], $30::text[], $31::text[], $AUDIT_ID::text[], $AUDIT_AT::bigint[]) \
             ON CONFLICT (entry_id) DO NOTHING)",
        );
        // $32..$35: the device; the record tables from $36, 15 arrays each.
        for (k, entity) in Entity::ALL.iter().enumerate() {
            let b = 36 + k * 15;
            let m = |i: usize, ty: &str| format!("${}::{ty}[]", b + i);
            sql.push_str(&format!(
                ", up{k} AS (INSERT INTO {t} (id, team, org, author, client, start_ms, consent_given, seq, deleted, updated_ms, body, clock, field_clocks, sync_seq, sync_device) \
                 SELECT * FROM UNNEST({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) \
                 ON CONFLICT (id) DO UPDATE SET team = excluded.team, client = excluded.client, \
                 start_ms = excluded.start_ms, consent_given = excluded.consent_given, seq = excluded.seq, \
                 deleted = excluded.deleted, updated_ms = excluded.updated_ms, body = excluded.body, \
                 clock = excluded.clock, field_clocks = excluded.field_clocks, \
                 sync_seq = excluded.sync_seq, sync_device = excluded.sync_device)",
                m(0, "text"),
                m(1, "text"),
                m(2, "text"),
                m(3, "text"),
                m(4, "text"),
                m(5, "bigint"),
                m(6, "bool"),
                m(7, "bigint"),
                m(8, "bool"),
                m(9, "bigint"),
                m(10, "text"),
                m(11, "text"),
                m(12, "text"),
                m(13, "bigint"),
                m(14, "text"),
                t = table(*entity),
            ));
        }
        // The access-log entries' ids and times come last, after the record tables.
        let after = 36 + Entity::ALL.len() * 15;
        sql = sql
            .replace("$AUDIT_ID", &format!("${after}"))
            .replace("$AUDIT_AT", &format!("${}", after + 1));
        sql.push_str(
            " UPDATE devices SET last_sync_ms = $1, app_version = COALESCE($33, app_version), \
             applied_changes = applied_changes + $34, rejected_changes = rejected_changes + $35, \
             last_rejected_ms = CASE WHEN $35 > 0 THEN $1 ELSE last_rejected_ms END \
             WHERE id = $32 RETURNING status",
        );
        sql
    })
}

fn col<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

fn s<T: ToString>(v: &T) -> String {
    v.to_string()
}

async fn write_pg(
    c: &mut PgConnection,
    w: &SyncWrites,
    audit: &[StampedEntry],
    touch: DeviceTouch<'_>,
) -> StoreResult<Option<String>> {
    let ch = &w.changes;
    let audit_ids = col(audit, |e| s(&e.id));
    let audit_at = col(audit, |e| e.at_ms);
    let audit: Vec<&AuditEntry> = audit.iter().map(|e| &e.entry).collect();
    let rv = &w.revisions;
    let mut q = sqlx::query_scalar::<_, String>(pg_statement())
        .bind(now_ms())
        .bind(col(ch, |r| s(&r.change_id)))
        .bind(col(ch, |r| s(&r.device)))
        .bind(col(ch, |r| s(&r.staff)))
        .bind(col(ch, |r| r.entity.as_str().to_owned()))
        .bind(col(ch, |r| s(&r.record_id)))
        .bind(col(ch, |r| outcome_columns(&r.rejection).0.to_owned()))
        .bind(col(ch, |r| {
            outcome_columns(&r.rejection).1.map(str::to_owned)
        }))
        .bind(col(ch, |r| outcome_columns(&r.rejection).2))
        .bind(col(ch, |r| r.seq))
        .bind(col(rv, |r| r.entity.as_str().to_owned()))
        .bind(col(rv, |r| s(&r.record_id)))
        .bind(col(rv, |r| r.seq))
        .bind(col(rv, |r| s(&r.author)))
        .bind(col(rv, |r| s(&r.org)))
        .bind(col(rv, |r| s(&r.device)))
        .bind(col(rv, |r| r.deleted))
        .bind(col(rv, |r| r.body.clone()))
        .bind(col(rv, |r| r.clock.clone()))
        .bind(col(rv, |r| s(&r.change_id)))
        .bind(col(&audit, |e| s(&e.actor_staff)))
        .bind(col(&audit, |e| e.actor_username.clone()))
        .bind(col(&audit, |e| s(&e.actor_org)))
        .bind(col(&audit, |e| e.device.map(|d| d.to_string())))
        .bind(col(&audit, |e| e.via.as_str().to_owned()))
        .bind(col(&audit, |e| e.action.as_str().to_owned()))
        .bind(col(&audit, |e| e.entity.map(|x| x.as_str().to_owned())))
        .bind(col(&audit, |e| e.client.map(|x| x.to_string())))
        .bind(col(&audit, |e| e.record.map(|x| x.to_string())))
        .bind(col(&audit, |e| e.team.map(|x| x.to_string())))
        .bind(col(&audit, |e| e.record_org.map(|x| x.to_string())))
        .bind(s(&touch.device))
        .bind(touch.app_version)
        .bind(touch.applied)
        .bind(touch.rejected);
    for entity in Entity::ALL {
        let rows: Vec<&SyncRow> = w.rows.iter().filter(|r| r.entity == entity).collect();
        q = q
            .bind(col(&rows, |r| s(&r.id)))
            .bind(col(&rows, |r| r.team.map(|x| x.to_string())))
            .bind(col(&rows, |r| s(&r.org)))
            .bind(col(&rows, |r| s(&r.author)))
            .bind(col(&rows, |r| r.client.map(|x| x.to_string())))
            .bind(col(&rows, |r| r.start_ms))
            .bind(col(&rows, |r| r.consent_given))
            .bind(col(&rows, |r| r.seq))
            .bind(col(&rows, |r| r.deleted))
            .bind(col(&rows, |r| r.updated_ms))
            .bind(col(&rows, |r| r.body.clone()))
            .bind(col(&rows, |r| r.clock.clone()))
            .bind(col(&rows, |r| r.field_clocks.clone()))
            .bind(col(&rows, |r| r.sync_seq))
            .bind(col(&rows, |r| r.sync_device.map(|x| x.to_string())));
    }
    q = q.bind(audit_ids).bind(audit_at);
    Ok(q.fetch_optional(&mut *c).await?)
}
