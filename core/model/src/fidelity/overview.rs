//! The team overview's per-client figures: days since the last face-to-face contact, the last
//! failed attempt, reached contacts per week over the last 12 weeks, and the clients not reached
//! in N days — split into those nobody tried to reach and those with failed attempts, because
//! the two call for different actions (plan a visit vs. try another way). A contact with the
//! client's network while the client was absent does not reach the client: it is counted and
//! shown apart.
//!
//! Weeks here are rolling seven-day stretches ending today, so the latest bar of the chart is a
//! whole week rather than a calendar week cut short on a Tuesday.

use super::calendar::swedish_date;
use crate::ids::ClientId;
use crate::visit::{ContactKind, Visit};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// How many weekly points the overview keeps; the 4-week figures are the last four of them.
pub const OVERVIEW_WEEKS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverviewOptions {
    /// A client is "not reached" with no contact in the last this many days (today included).
    /// 0 flags every client.
    pub not_reached_days: u32,
    /// Whether only a face-to-face meeting counts as reaching the client (otherwise a phone call,
    /// video call or message that got an answer counts too).
    pub face_to_face_only: bool,
}

impl Default for OverviewOptions {
    fn default() -> Self {
        OverviewOptions {
            not_reached_days: 7,
            face_to_face_only: false,
        }
    }
}

/// Contacts with one client in one rolling week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekCounts {
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Contacts that reached the client, any kind (a two-staff visit is one).
    pub reached: u32,
    pub face_to_face: u32,
    /// Failed attempts, apart from the contacts.
    pub attempts: u32,
    /// Contacts with the network while the client was absent (not in `reached`).
    pub network_only: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientOverview {
    pub client: ClientId,
    pub last_face_to_face: Option<DateTime<Utc>>,
    /// Whole days from the Swedish date of the last face-to-face contact to today.
    pub days_since_face_to_face: Option<i64>,
    /// The last contact that counts as reaching the client under the options.
    pub last_reached: Option<DateTime<Utc>>,
    pub days_since_reached: Option<i64>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub days_since_attempt: Option<i64>,
    /// Failed attempts after `last_reached` (all of them if never reached).
    pub attempts_since_reached: u32,
    /// Failed attempts in the last `not_reached_days` days.
    pub recent_attempts: u32,
    /// The latest contact with the network while the client was absent.
    pub last_network_only: Option<DateTime<Utc>>,
    /// [`OVERVIEW_WEEKS`] rolling weeks ending today, oldest first.
    pub weeks: Vec<WeekCounts>,
    /// No reaching contact in the last `not_reached_days` days.
    pub not_reached: bool,
}

impl ClientOverview {
    /// The last `n` weeks of [`Self::weeks`] (all of them if fewer).
    pub fn last_weeks(&self, n: usize) -> &[WeekCounts] {
        &self.weeks[self.weeks.len().saturating_sub(n)..]
    }

    /// Mean reached contacts per week over the last `n` weeks; `None` for `n == 0`.
    pub fn contacts_per_week(&self, n: usize) -> Option<f64> {
        mean(self.last_weeks(n), |w| w.reached)
    }

    /// Mean face-to-face contacts per week over the last `n` weeks; `None` for `n == 0`.
    pub fn face_to_face_per_week(&self, n: usize) -> Option<f64> {
        mean(self.last_weeks(n), |w| w.face_to_face)
    }
}

fn mean(weeks: &[WeekCounts], f: impl Fn(&WeekCounts) -> u32) -> Option<f64> {
    if weeks.is_empty() {
        return None;
    }
    Some(weeks.iter().map(|w| f64::from(f(w))).sum::<f64>() / weeks.len() as f64)
}

/// The overview row of each client in `clients` (same order), from the visits up to and
/// including `today` (a Swedish date); later visits and visits with other clients are ignored.
pub fn client_overview(
    clients: &[ClientId],
    visits: &[Visit],
    today: NaiveDate,
    opts: &OverviewOptions,
) -> Vec<ClientOverview> {
    let index: HashMap<ClientId, usize> =
        clients.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    // Each visit's Swedish date is worked out once, here.
    let mut per_client: Vec<Vec<Dated<'_>>> = vec![Vec::new(); clients.len()];
    for v in visits {
        let date = swedish_date(v.start);
        if let Some(&i) = index.get(&v.client)
            && date <= today
        {
            per_client[i].push(Dated { date, visit: v });
        }
    }
    clients
        .iter()
        .zip(per_client)
        .map(|(&client, visits)| one_client(client, &visits, today, opts))
        .collect()
}

#[derive(Debug, Clone, Copy)]
struct Dated<'a> {
    date: NaiveDate,
    visit: &'a Visit,
}

fn one_client(
    client: ClientId,
    visits: &[Dated<'_>],
    today: NaiveDate,
    opts: &OverviewOptions,
) -> ClientOverview {
    let counts_as_reached = |v: &Visit| {
        v.reached_client() && (!opts.face_to_face_only || v.contact == ContactKind::FaceToFace)
    };
    let latest = |pred: &dyn Fn(&Visit) -> bool| {
        visits
            .iter()
            .filter(|d| pred(d.visit))
            .max_by_key(|d| d.visit.start)
            .copied()
    };
    let last_face_to_face = latest(&|v| v.contact == ContactKind::FaceToFace && v.client_present);
    let last_network_only = latest(&|v| v.network_only());
    let last_reached = latest(&counts_as_reached);
    let last_attempt = latest(&|v| v.contact == ContactKind::Attempted);
    let days_since = |d: Option<Dated<'_>>| d.map(|d| (today - d.date).num_days());
    let time = |d: Option<Dated<'_>>| d.map(|d| d.visit.start);

    let n = i64::from(opts.not_reached_days);
    // Day `today - n + 1` is the first of the last n days; n = 0 leaves no day in the window.
    let in_window = |d: NaiveDate| (today - d).num_days() < n;
    let attempts = visits
        .iter()
        .filter(|d| d.visit.contact == ContactKind::Attempted);
    let attempts_since_reached = attempts
        .clone()
        .filter(|d| last_reached.is_none_or(|r| d.visit.start > r.visit.start))
        .count();
    let recent_attempts = attempts.filter(|d| in_window(d.date)).count();

    let mut weeks: Vec<WeekCounts> = (0..OVERVIEW_WEEKS)
        .rev()
        .map(|k| {
            let last = today - Duration::days(7 * k as i64);
            WeekCounts {
                first: last - Duration::days(6),
                last,
                reached: 0,
                face_to_face: 0,
                attempts: 0,
                network_only: 0,
            }
        })
        .collect();
    for d in visits {
        // Weeks back from today: 0 is the week ending today, the last element of `weeks`.
        let back = (today - d.date).num_days() / 7;
        let Some(w) = usize::try_from(back)
            .ok()
            .and_then(|b| OVERVIEW_WEEKS.checked_sub(b + 1))
            .and_then(|i| weeks.get_mut(i))
        else {
            continue;
        };
        match d.visit.contact {
            _ if d.visit.network_only() => w.network_only += 1,
            ContactKind::Attempted => w.attempts += 1,
            ContactKind::FaceToFace => {
                w.reached += 1;
                w.face_to_face += 1;
            }
            _ => w.reached += 1,
        }
    }

    ClientOverview {
        client,
        last_face_to_face: time(last_face_to_face),
        days_since_face_to_face: days_since(last_face_to_face),
        last_reached: time(last_reached),
        days_since_reached: days_since(last_reached),
        last_attempt: time(last_attempt),
        days_since_attempt: days_since(last_attempt),
        attempts_since_reached: saturating_u32(attempts_since_reached),
        recent_attempts: saturating_u32(recent_attempts),
        last_network_only: time(last_network_only),
        weeks,
        not_reached: last_reached.is_none_or(|d| !in_window(d.date)),
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One client of the "not reached" list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotReached {
    pub client: ClientId,
    /// `None` = never reached.
    pub days_since_reached: Option<i64>,
    pub recent_attempts: u32,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The latest contact with the network alone: someone is in touch, but not with the client.
    pub last_network_only: Option<DateTime<Utc>>,
}

/// The clients not reached in N days, apart by whether anyone tried in those days. Each list
/// has the never reached first, then the longest since the last contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotReachedLists {
    pub days: u32,
    /// Nobody tried in the last N days: plan a visit.
    pub not_tried: Vec<NotReached>,
    /// Tried and failed in the last N days: outreach is under way, maybe another way is needed.
    pub failed_attempts: Vec<NotReached>,
}

/// Picks the not-reached clients out of an overview made with the same `opts`.
pub fn not_reached(overview: &[ClientOverview], opts: &OverviewOptions) -> NotReachedLists {
    let mut not_tried = Vec::new();
    let mut failed_attempts = Vec::new();
    for c in overview.iter().filter(|c| c.not_reached) {
        let row = NotReached {
            client: c.client,
            days_since_reached: c.days_since_reached,
            recent_attempts: c.recent_attempts,
            last_attempt: c.last_attempt,
            last_network_only: c.last_network_only,
        };
        if c.recent_attempts > 0 {
            failed_attempts.push(row);
        } else {
            not_tried.push(row);
        }
    }
    for list in [&mut not_tried, &mut failed_attempts] {
        // Never reached (None) sorts before any number of days.
        list.sort_by_key(|r| (r.days_since_reached.map_or(i64::MIN, |d| -d), r.client));
    }
    NotReachedLists {
        days: opts.not_reached_days,
        not_tried,
        failed_attempts,
    }
}
