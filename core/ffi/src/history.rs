//! The window of history the phone keeps, and older history on demand: the client page's
//! "Visa äldre" fetches a client's contacts and outcomes from before the window from the
//! server while online and shows them without storing them (docs/sync-device.md, "The history
//! window"). The server logs that opening of the history in its access log.

use super::error::{Result, UppsokError};
use super::outcomes::OutcomeItem;
use super::store::UppsokStore;
use super::types::{VisitItem, parse_id};
use chrono::NaiveDate;
use uppsok_model as m;

/// How much history the phone keeps, as the server last said.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HistoryWindow {
    /// Days of contacts, outcomes and trips the organisation keeps on its phones.
    pub days: i32,
    /// The first day whose contacts and outcomes are on the phone (`ÅÅÅÅ-MM-DD`): older ones
    /// are fetched with [`UppsokStore::older_history`].
    pub first_day: String,
}

/// A client's contacts and outcomes from before a day, fetched from the server. Held in
/// memory only: nothing of it is written to the phone.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OlderHistory {
    /// Newest first.
    pub visits: Vec<VisitItem>,
    /// Newest day first.
    pub outcomes: Vec<OutcomeItem>,
    /// There is more: pass this day (`ÅÅÅÅ-MM-DD`) as `before` to fetch the next part.
    pub next_before: Option<String>,
}

#[uniffi::export]
impl UppsokStore {
    /// The window of history the phone keeps; `None` before a server has named one (the phone
    /// then keeps everything).
    pub fn history_window(&self) -> Result<Option<HistoryWindow>> {
        self.shared.with(|s| {
            Ok(s.history_window()?.map(|(days, cut)| HistoryWindow {
                days: i32::try_from(days).unwrap_or(i32::MAX),
                first_day: cut.contacts_from.to_string(),
            }))
        })
    }

    /// A client's contacts and outcomes from before `before` (`ÅÅÅÅ-MM-DD`; `None`: the first
    /// day the phone keeps), from the server. Blocks on the network like `sync_now`; offline
    /// it fails with [`UppsokError::Network`], and for a client the server does not show this
    /// user with [`UppsokError::NotFound`]. Nothing is stored.
    pub fn older_history(&self, client_id: String, before: Option<String>) -> Result<OlderHistory> {
        let client: m::ClientId = parse_id("client", &client_id)?;
        let before = before
            .map(|b| {
                NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d")
                    .map_err(|_| UppsokError::invalid("before", "must be a date like 2026-05-31"))
            })
            .transpose()?;
        self.shared.with(|s| {
            let h = self.shared.sync.fetch_history(s, client, before)?;
            let code = s.client(client).ok().map(|c| c.code.to_string());
            Ok(OlderHistory {
                visits: h
                    .visits
                    .iter()
                    .map(|v| VisitItem::from_model(v, code.clone()))
                    .collect(),
                outcomes: h
                    .outcomes
                    .iter()
                    .map(|o| OutcomeItem::from_model(o, code.clone()))
                    .collect(),
                next_before: h.next_before.map(|d| d.to_string()),
            })
        })
    }
}
