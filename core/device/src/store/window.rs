//! The history window (docs/device-store.md, "What the phone keeps"): the phone keeps its active
//! clients and a window of contacts, outcomes and trips, which the server names in each sync
//! reply; older records leave the phone after a sync has been applied and come back on demand
//! while online (`GET /v1/clients/{id}/history`), shown without being stored.
//!
//! Eviction is not deletion: nothing goes to the outbox, no tombstone is left, the pull cursor
//! stays where it is (so the evicted records are not pulled again), and the server keeps them.
//! What always stays, whatever its age:
//! * a record with a change waiting to be sent, or refused and not yet dropped: the change is
//!   the only copy of the user's work until the server has it, and a refused one must stay
//!   for the user to fix or drop (sync reads the record from its row for both);
//! * trips of the current and the previous calendar month (Swedish time), and trips go only in
//!   whole months, so a month's total on the phone is never a part shown as if it were whole;
//! * a client that is not closed, or was closed within the window, or has a planned contact
//!   (`next_contact`) within it, or still has a contact or outcome on the phone, or a change
//!   waiting. A closure without a day counts from the client's last change.
//!
//! The rules are the pure [`Cutoffs::of`] and [`client_goes`]; the statements are in
//! [`evict`].

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use rusqlite::{Transaction, params};
use uppsok_model::{Client, Hlc, Phase};

use super::Keys;
use super::records;
use crate::error::Result;
use uppsok_model::{Entity, Record};

/// The meta key of the window in days, as the server last named it (plain: a number).
pub(crate) const WINDOW_DAYS: &str = "history_window_days";

/// The first day (or instant) each kind of record is kept from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Contacts that start on or after this day (00:00 UTC), outcomes of this day or later.
    /// Also the day to ask the server's history route for `before`.
    pub contacts_from: NaiveDate,
    /// A closed client stays while its closure is on or after this day.
    pub closed_from: NaiveDate,
    /// Trips that start at or after this instant: 00:00 Swedish time on the first day of a
    /// month, never later than the first day of the previous month.
    pub trips_from: DateTime<Utc>,
}

impl Cutoffs {
    /// The cut-offs of a `days`-day window on `today` (the device's day, UTC).
    pub fn of(today: NaiveDate, days: u32) -> Cutoffs {
        let contacts_from = today
            .checked_sub_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MIN);
        let this_month = today.with_day(1).unwrap_or(today);
        let previous_month = this_month
            .checked_sub_months(Months::new(1))
            .unwrap_or(this_month);
        let month = contacts_from.min(previous_month);
        let month = month.with_day(1).unwrap_or(month);
        Cutoffs {
            contacts_from,
            closed_from: contacts_from,
            trips_from: swedish_month_start(month),
        }
    }
}

/// 00:00 Swedish time on `first` (a first of the month), as an instant. Summer time runs from
/// the last Sunday of March to the last Sunday of October, so on the first of April through
/// October Sweden is two hours ahead of UTC, on the first of the other months one.
fn swedish_month_start(first: NaiveDate) -> DateTime<Utc> {
    let ahead = if (4..=10).contains(&first.month()) {
        2
    } else {
        1
    };
    first
        .and_hms_opt(0, 0, 0)
        .map_or(DateTime::<Utc>::MIN_UTC, |t| {
            t.and_utc() - chrono::Duration::hours(ahead)
        })
}

/// Whether a client leaves the phone: closed before `cut.closed_from` (the closure's day, or
/// for a closure without one the client's last change `changed`), with no planned contact in
/// the window. The caller has checked it has nothing left on the phone and nothing waiting.
pub fn client_goes(client: &Client, changed: Option<NaiveDate>, cut: &Cutoffs) -> bool {
    if client.phase != Phase::Closed {
        return false;
    }
    if client.next_contact.is_some_and(|d| d >= cut.closed_from) {
        return false;
    }
    client
        .closed_on
        .or(changed)
        .is_some_and(|d| d < cut.closed_from)
}

/// What one eviction removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evicted {
    pub visits: u64,
    pub outcomes: u64,
    pub trips: u64,
    pub clients: u64,
}

impl Evicted {
    pub fn total(&self) -> u64 {
        self.visits + self.outcomes + self.trips + self.clients
    }
}

/// Nothing of the record waits in the outbox, sent or refused.
const NOTHING_WAITING: &str = "id NOT IN (SELECT record_id FROM outbox)";

/// Deletes, inside `tx`, what lies outside `cut` and has no change waiting; closed clients
/// too when `clients` is set (sync does that once a run has pulled everything, so a client is
/// never dropped just before a contact of it arrives in the next round).
pub(crate) fn evict(
    tx: &Transaction<'_>,
    keys: &Keys,
    cut: &Cutoffs,
    clients: bool,
) -> Result<Evicted> {
    let contacts_ms = cut
        .contacts_from
        .and_hms_opt(0, 0, 0)
        .map_or(i64::MIN, |t| t.and_utc().timestamp_millis());
    let mut out = Evicted {
        visits: tx.execute(
            &format!("DELETE FROM visit WHERE start < ?1 AND {NOTHING_WAITING}"),
            params![contacts_ms],
        )? as u64,
        outcomes: tx.execute(
            &format!("DELETE FROM outcome WHERE day < ?1 AND {NOTHING_WAITING}"),
            params![cut.contacts_from.to_string()],
        )? as u64,
        trips: tx.execute(
            &format!("DELETE FROM trip WHERE start < ?1 AND {NOTHING_WAITING}"),
            params![cut.trips_from.timestamp_millis()],
        )? as u64,
        clients: 0,
    };
    if clients {
        out.clients = evict_clients(tx, keys, cut)?;
    }
    Ok(out)
}

/// Closed clients with nothing left: their rows are read (a client's closure is sealed), and
/// a row that does not open is left alone for the repair to deal with.
fn evict_clients(tx: &Transaction<'_>, keys: &Keys, cut: &Cutoffs) -> Result<u64> {
    let rows: Vec<(Vec<u8>, String, Vec<u8>)> = {
        let mut stmt = tx.prepare(&format!(
            "SELECT id, hlc, body FROM client c WHERE {NOTHING_WAITING}
               AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.client = c.id)
               AND NOT EXISTS (SELECT 1 FROM outcome o WHERE o.client = c.id)"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let mut gone = 0;
    for (id, hlc, body) in rows {
        let Ok(Record::Client(client)) = records::open_body(keys, Entity::Client, &id, body) else {
            continue;
        };
        let changed = hlc
            .parse::<Hlc>()
            .ok()
            .and_then(|h| DateTime::from_timestamp_millis(h.wall_ms))
            .map(|t| t.date_naive());
        if client_goes(&client, changed, cut) {
            gone += tx.execute("DELETE FROM client WHERE id = ?1", params![id])? as u64;
        }
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uppsok_model::fidelity::swedish_date;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn six_months_from_the_sixth_of_december() {
        let c = Cutoffs::of(day(2026, 12, 6), 183);
        assert_eq!(c.contacts_from, day(2026, 6, 6));
        // Trips go in whole months: June's first day, Swedish summer time (UTC+2).
        assert_eq!(c.trips_from.to_rfc3339(), "2026-05-31T22:00:00+00:00");
        assert_eq!(swedish_date(c.trips_from), day(2026, 6, 1));
        let just_before = c.trips_from - chrono::Duration::milliseconds(1);
        assert_eq!(swedish_date(just_before), day(2026, 5, 31));
    }

    #[test]
    fn a_short_window_keeps_the_previous_month_of_trips_whole() {
        // 31 days back from 10 March is 7 February: trips are kept from 1 February.
        let c = Cutoffs::of(day(2027, 3, 10), 31);
        assert_eq!(c.contacts_from, day(2027, 2, 7));
        assert_eq!(c.trips_from.to_rfc3339(), "2027-01-31T23:00:00+00:00");
        assert_eq!(swedish_date(c.trips_from), day(2027, 2, 1));
        // In January the previous month is December of the year before.
        let c = Cutoffs::of(day(2027, 1, 3), 1);
        assert_eq!(swedish_date(c.trips_from), day(2026, 12, 1));
    }

    #[test]
    fn winter_and_summer_month_starts_are_midnight_in_sweden() {
        for m in 1..=12 {
            let first = day(2026, m, 1);
            let t = swedish_month_start(first);
            assert_eq!(swedish_date(t), first, "month {m}");
            assert_ne!(
                swedish_date(t - chrono::Duration::milliseconds(1)),
                first,
                "month {m}"
            );
        }
    }
}
