//! How much history a phone keeps, and how it asks for the rest while online.
//!
//! Data minimisation (docs/privacy.md, docs/retention.md): a phone keeps its active clients and
//! a **window** of contacts, outcomes and trips; each organisation sets the window in months
//! (default [`DEFAULT_WINDOW_MONTHS`], bounds [`MIN_WINDOW_MONTHS`]–[`MAX_WINDOW_MONTHS`]), and
//! the server tells each phone its window in days in every sync reply
//! ([`crate::protocol::SyncResponse::history_window_days`]). Days on the wire, not months: the
//! phone then needs no calendar rule of the server's, and a month is counted as the mean
//! month of a leap year (30.5 days, rounded up), so 6 months is 183 days.
//!
//! Older contacts and outcomes of one client come back on demand, while online, from
//! `GET /v1/clients/{id}/history?before=YYYY-MM-DD` ([`HistoryResponse`]), under exactly the
//! pull's visibility rules; the phone shows them without storing them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An organisation that set nothing keeps six months on its phones.
pub const DEFAULT_WINDOW_MONTHS: u32 = 6;
/// The shortest window an organisation may set: a month of contacts and trips.
pub const MIN_WINDOW_MONTHS: u32 = 1;
/// The longest window: three years (past that, the phone would hold most of a record).
pub const MAX_WINDOW_MONTHS: u32 = 36;
/// The most days a sync reply may name ([`window_days`] of [`MAX_WINDOW_MONTHS`]).
pub const MAX_WINDOW_DAYS: u32 = 1098;
/// The most records of each kind one history request returns; `next_before` says where to go
/// on.
pub const MAX_HISTORY: usize = 500;

/// The window in days the phones are told for `months` (30.5 days a month, rounded up).
pub fn window_days(months: u32) -> u32 {
    (months * 61).div_ceil(2)
}

/// Whether `months` is a window an organisation may set.
pub fn valid_window_months(months: i64) -> bool {
    (i64::from(MIN_WINDOW_MONTHS)..=i64::from(MAX_WINDOW_MONTHS)).contains(&months)
}

/// A client's contacts and outcomes older than the day asked for, newest first, as the pull
/// would send them (a contact of the other organisation without its note).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryResponse {
    /// The day asked for: everything here is from before it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub before: NaiveDate,
    /// Contacts (`Visit` of uppsok-model), newest start first, at most 500.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>, max_items = 500))]
    pub visits: Vec<serde_json::Value>,
    /// Outcomes (`Outcome` of uppsok-model), newest day first, at most 500.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>, max_items = 500))]
    pub outcomes: Vec<serde_json::Value>,
    /// There is more: ask again with this day as `before` (the page ends at a whole day, so
    /// nothing is skipped or sent twice). Absent when nothing older is left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub next_before: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_become_days_of_the_mean_leap_year_month() {
        assert_eq!(window_days(DEFAULT_WINDOW_MONTHS), 183);
        assert_eq!(window_days(1), 31);
        assert_eq!(window_days(12), 366);
        assert_eq!(window_days(MAX_WINDOW_MONTHS), MAX_WINDOW_DAYS);
        assert!(valid_window_months(1) && valid_window_months(36));
        assert!(!valid_window_months(0) && !valid_window_months(37) && !valid_window_months(-6));
    }
}
