//! The phones' history window per organisation (migration 0023): how many months of contacts,
//! outcomes and trips its phones keep, dated like the retention periods so a change can be
//! planned ahead and the settings before it stay visible. The sync reply carries the window in
//! force (docs/retention.md, "The phones' window").

use chrono::NaiveDate;
use uppsok_model::OrgId;
use uppsok_model::protocol::history::{
    DEFAULT_WINDOW_MONTHS, MAX_WINDOW_MONTHS, MIN_WINDOW_MONTHS, valid_window_months,
};

use super::{Store, StoreError, StoreResult, now_ms, on_pool, parse_uuid};

/// One dated window an administrator set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowRow {
    pub org: OrgId,
    pub months: i64,
    pub effective_from: NaiveDate,
    pub set_by: String,
    pub set_ms: i64,
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl Store {
    /// Sets `org`'s phone window to `months` from `from` on (a later setting for the same day
    /// replaces it). `Invalid` names the rule when `months` is out of bounds.
    pub async fn set_phone_window(
        &self,
        org: OrgId,
        months: i64,
        from: NaiveDate,
        set_by: &str,
    ) -> StoreResult<()> {
        if !valid_window_months(months) {
            return Err(StoreError::Invalid(format!(
                "months: must be between {MIN_WINDOW_MONTHS} and {MAX_WINDOW_MONTHS}"
            )));
        }
        if self.org(org).await?.is_none() {
            return Err(StoreError::NotFound("organisation"));
        }
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO phone_windows (org, months, effective_from, set_by, set_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org, effective_from) \
                 DO UPDATE SET months = excluded.months, set_by = excluded.set_by, set_ms = excluded.set_ms",
            )
            .bind(org.to_string())
            .bind(months)
            .bind(day_text(from))
            .bind(set_by)
            .bind(now_ms())
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// Every window ever set, oldest first.
    pub async fn phone_windows(&self) -> StoreResult<Vec<WindowRow>> {
        let rows: Vec<(String, i64, String, String, i64)> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT org, months, effective_from, set_by, set_ms FROM phone_windows \
                 ORDER BY effective_from, set_ms",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(org, months, from, set_by, set_ms)| {
                Ok(WindowRow {
                    org: parse_uuid(&org)?,
                    months,
                    effective_from: NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt("phone window effective_from".into()))?,
                    set_by,
                    set_ms,
                })
            })
            .collect()
    }

    /// The months `org`'s phones keep on `day`: the setting with the latest day on or before
    /// it, else the default. One indexed read (the primary key), made once per sync request.
    pub async fn phone_window_months(&self, org: OrgId, day: NaiveDate) -> StoreResult<u32> {
        Ok(self.phone_window_in_force(org, day).await?.0)
    }

    /// The window in force on `day` (months) and since when a phone could have missed it: the
    /// later of when the setting was made and the start of its first day (UTC), 0 for the
    /// default. Sync names the window in a reply only to a phone that may not know it yet.
    pub async fn phone_window_in_force(
        &self,
        org: OrgId,
        day: NaiveDate,
    ) -> StoreResult<(u32, i64)> {
        let row: Option<(i64, String, i64)> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT months, effective_from, set_ms FROM phone_windows WHERE org = $1 AND effective_from <= $2 \
                 ORDER BY effective_from DESC LIMIT 1",
            )
            .bind(org.to_string())
            .bind(day_text(day))
            .fetch_optional(p)
            .await?
        });
        Ok(match row {
            Some((m, from, set_ms)) if valid_window_months(m) => {
                let from_ms = NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map_or(0, |t| t.and_utc().timestamp_millis());
                (
                    u32::try_from(m).unwrap_or(DEFAULT_WINDOW_MONTHS),
                    set_ms.max(from_ms),
                )
            }
            _ => (DEFAULT_WINDOW_MONTHS, 0),
        })
    }
}
