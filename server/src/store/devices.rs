//! Enrolment codes and enrolled devices. Only SHA-256 hashes of codes and tokens are stored:
//! a copy of the database does not let anyone enrol a phone or act as one.

use sqlx::AssertSqlSafe;
use uppsok_model::{DeviceId, StaffId};

use super::accounts::{parse_teams, staff_from, teams_column};
use super::{StaffRow, Store, StoreError, StoreResult, Where, now_ms, on_pool, on_tx, parse_uuid};
use crate::store::bind_all;

pub use uppsok_model::protocol::DeviceStatus;

fn status_from(s: &str) -> StoreResult<DeviceStatus> {
    DeviceStatus::parse(s).ok_or_else(|| StoreError::Corrupt("device status".into()))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub staff: StaffId,
    pub name: Option<String>,
    pub app_version: Option<String>,
    pub status: DeviceStatus,
    pub enrolled_ms: i64,
    pub last_sync_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
    /// The last pull cursor the server handed this device (`None` before its first sync
    /// since migration 0006). A device presenting a higher one got it from a history this
    /// database does not have: the database was restored from a backup.
    pub last_cursor: Option<i64>,
    /// When the server told the phone to wipe itself; a wipe can be withdrawn until then.
    pub wipe_sent_ms: Option<i64>,
}

/// What redeeming an enrolment code led to.
#[derive(Debug, Clone)]
pub enum EnrolmentOutcome {
    Enrolled(DeviceRow),
    /// Unknown, already used or expired: deliberately one answer, so codes cannot be probed.
    Refused,
}

type DeviceTuple = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);
const DEVICE_COLS: &str = "id, staff, name, app_version, status, enrolled_ms, last_sync_ms, revoked_ms, last_cursor, wipe_sent_ms";
/// [`DEVICE_COLS`] qualified by the alias `d`, for joins (kept as a literal: it is read on every
/// device request).
const DEVICE_COLS_D: &str = "d.id, d.staff, d.name, d.app_version, d.status, d.enrolled_ms, d.last_sync_ms, d.revoked_ms, d.last_cursor, d.wipe_sent_ms";

fn device_from(t: DeviceTuple) -> StoreResult<DeviceRow> {
    Ok(DeviceRow {
        id: parse_uuid(&t.0)?,
        staff: parse_uuid(&t.1)?,
        name: t.2,
        app_version: t.3,
        status: status_from(&t.4)?,
        enrolled_ms: t.5,
        last_sync_ms: t.6,
        revoked_ms: t.7,
        last_cursor: t.8,
        wipe_sent_ms: t.9,
    })
}

impl Store {
    pub async fn create_enrolment_code(
        &self,
        staff: StaffId,
        code_hash: &str,
        valid_ms: i64,
    ) -> StoreResult<i64> {
        let now = now_ms();
        let expires = now + valid_ms;
        on_pool!(self, p => {
            sqlx::query("INSERT INTO enrolment_codes (code_hash, staff, created_ms, expires_ms) VALUES ($1, $2, $3, $4)")
                .bind(code_hash)
                .bind(staff.to_string())
                .bind(now)
                .bind(expires)
                .execute(p)
                .await?;
        });
        Ok(expires)
    }

    /// Marks the code used and creates the device in one transaction; the conditional UPDATE
    /// makes a code work once even when two phones race with it.
    pub async fn redeem_enrolment_code(
        &self,
        code_hash: &str,
        token_hash: &str,
        name: Option<&str>,
        app_version: Option<&str>,
    ) -> StoreResult<EnrolmentOutcome> {
        let now = now_ms();
        let device = DeviceId::new();
        let mut tx = self.begin().await?;
        let staff: Option<String> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("UPDATE enrolment_codes SET used_ms = $1, device = $2 WHERE code_hash = $3 AND used_ms IS NULL AND expires_ms > $1 RETURNING staff")
                .bind(now)
                .bind(device.to_string())
                .bind(code_hash)
                .fetch_optional(&mut *c)
                .await?
        });
        let Some(staff) = staff else {
            return Ok(EnrolmentOutcome::Refused);
        };
        let active: Option<bool> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT active FROM staff WHERE id = $1")
                .bind(&staff)
                .fetch_optional(&mut *c)
                .await?
        });
        if active != Some(true) {
            return Ok(EnrolmentOutcome::Refused);
        }
        on_tx!(&mut tx, c => {
            sqlx::query("INSERT INTO devices (id, token_hash, staff, name, app_version, status, enrolled_ms) VALUES ($1, $2, $3, $4, $5, 'active', $6)")
                .bind(device.to_string())
                .bind(token_hash)
                .bind(&staff)
                .bind(name)
                .bind(app_version)
                .bind(now)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(EnrolmentOutcome::Enrolled(DeviceRow {
            id: device,
            staff: parse_uuid(&staff)?,
            name: name.map(str::to_owned),
            app_version: app_version.map(str::to_owned),
            status: DeviceStatus::Active,
            enrolled_ms: now,
            last_sync_ms: None,
            revoked_ms: None,
            last_cursor: None,
            wipe_sent_ms: None,
        }))
    }

    pub async fn device_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<DeviceRow>> {
        let row: Option<DeviceTuple> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {DEVICE_COLS} FROM devices WHERE token_hash = $1")))
                .bind(token_hash)
                .fetch_optional(p)
                .await?
        });
        row.map(device_from).transpose()
    }

    /// A device and its user (with teams) in one round trip: the check every request with a
    /// device token makes, sync included.
    pub async fn device_with_staff(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(DeviceRow, StaffRow)>> {
        let sql = format!(
            "SELECT {DEVICE_COLS_D}, staff.username, staff.name, staff.org, staff.role, staff.active, {} \
             FROM devices d JOIN staff ON staff.id = d.staff WHERE d.token_hash = $1",
            teams_column(&self.pool, "staff.id")
        );
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            i64,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            String,
            String,
            String,
            String,
            bool,
            Option<String>,
        );
        let row: Option<Row> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await?
        });
        let Some(r) = row else {
            return Ok(None);
        };
        let staff = staff_from(
            (r.1.clone(), r.10, r.11, r.12, r.13, r.14),
            parse_teams(r.15.as_deref())?,
        )?;
        let device = device_from((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9))?;
        Ok(Some((device, staff)))
    }

    pub async fn device(&self, id: DeviceId) -> StoreResult<Option<DeviceRow>> {
        let row: Option<DeviceTuple> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1")))
                .bind(id.to_string())
                .fetch_optional(p)
                .await?
        });
        row.map(device_from).transpose()
    }

    /// Devices of the given staff (all when `None`), newest first.
    pub async fn list_devices(&self, staff: Option<&[StaffId]>) -> StoreResult<Vec<DeviceRow>> {
        let mut w = Where::default();
        if let Some(s) = staff {
            w.and_in("staff", s.iter().map(|s| s.to_string()));
        }
        let sql = format!(
            "SELECT {DEVICE_COLS} FROM devices{} ORDER BY enrolled_ms DESC",
            w.sql()
        );
        let rows: Vec<DeviceTuple> = on_pool!(self, p => {
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &w.params).fetch_all(p).await?
        });
        rows.into_iter().map(device_from).collect()
    }

    /// Revokes a device; `wipe` also tells the phone to destroy its data. A wipe order is never
    /// downgraded to a plain revoke.
    pub async fn revoke_device(&self, id: DeviceId, wipe: bool) -> StoreResult<DeviceRow> {
        let status = if wipe {
            DeviceStatus::Wipe
        } else {
            DeviceStatus::Revoked
        };
        on_pool!(self, p => {
            sqlx::query("UPDATE devices SET status = CASE WHEN status = 'wipe' THEN 'wipe' ELSE $1 END, revoked_ms = COALESCE(revoked_ms, $2) WHERE id = $3")
                .bind(status.as_str())
                .bind(now_ms())
                .bind(id.to_string())
                .execute(p)
                .await?;
        });
        self.device(id).await?.ok_or(StoreError::NotFound("device"))
    }

    /// Marks a wipe order as sent, just before the answer that carries it. Returns whether the
    /// device is (still) to be wiped: false when the order was withdrawn a moment before, and
    /// then the phone is told only that it is revoked.
    pub async fn send_wipe(&self, id: DeviceId) -> StoreResult<bool> {
        let n = on_pool!(self, p => {
            sqlx::query("UPDATE devices SET wipe_sent_ms = COALESCE(wipe_sent_ms, $1) WHERE id = $2 AND status = 'wipe'")
                .bind(now_ms())
                .bind(id.to_string())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Withdraws a wipe order the phone has not received yet; the device stays revoked.
    /// Returns false when there is nothing to withdraw (already sent, or never ordered).
    pub async fn withdraw_wipe(&self, id: DeviceId) -> StoreResult<bool> {
        let n = on_pool!(self, p => {
            sqlx::query("UPDATE devices SET status = 'revoked' WHERE id = $1 AND status = 'wipe' AND wipe_sent_ms IS NULL")
                .bind(id.to_string())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Records a completed sync (for the devices page); called by the sync handler.
    pub async fn touch_device_sync(
        &self,
        id: DeviceId,
        app_version: Option<&str>,
    ) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("UPDATE devices SET last_sync_ms = $1, app_version = COALESCE($2, app_version) WHERE id = $3")
                .bind(now_ms())
                .bind(app_version)
                .bind(id.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// For tests and the admin CLI: a device row with a chosen status, bypassing enrolment.
    pub async fn insert_device(
        &self,
        staff: StaffId,
        token_hash: &str,
        status: DeviceStatus,
    ) -> StoreResult<DeviceId> {
        let id = DeviceId::new();
        on_pool!(self, p => {
            sqlx::query("INSERT INTO devices (id, token_hash, staff, status, enrolled_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.to_string())
                .bind(token_hash)
                .bind(staff.to_string())
                .bind(status.as_str())
                .bind(now_ms())
                .execute(p)
                .await?;
        });
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::{DEVICE_COLS, DEVICE_COLS_D};

    #[test]
    fn qualified_columns_match_the_plain_list() {
        let derived: Vec<String> = DEVICE_COLS.split(", ").map(|c| format!("d.{c}")).collect();
        assert_eq!(DEVICE_COLS_D, derived.join(", "));
    }
}
