//! Consent with an end date: the day after a client's consent's last day (`until`), the other
//! organisation of the team stops seeing the client's contacts and outcomes, as on withdrawal.
//!
//! Writes store whether a consent is in force on the day they are made; this sweep catches the
//! consents that run out later. `uppsok serve` runs it at start and every hour
//! ([`spawn_hourly`]), so sharing ends within an hour of midnight (Swedish time) on the day
//! after `until`. docs/privacy.md says what it guarantees.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use uppsok_model::ClientId;
use uppsok_model::fidelity::swedish_date;

use crate::store::{Store, StoreResult};

/// Today's date in Sweden: the day consents are judged on.
pub fn today() -> NaiveDate {
    swedish_date(Utc::now())
}

/// Ends sharing for every consent that ran out before the Swedish day of `now`, in one
/// transaction; returns the clients concerned (for tests and the log's count).
pub async fn expire(store: &Store, now: DateTime<Utc>) -> StoreResult<Vec<ClientId>> {
    let mut tx = store.begin().await?;
    let ended = tx.expire_consents(swedish_date(now)).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Runs [`expire`] now and then every hour inside `uppsok serve`, logging counts only (never
/// which clients).
pub fn spawn_hourly(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match expire(&store, Utc::now()).await {
                Ok(ended) if !ended.is_empty() => {
                    tracing::info!(
                        clients = ended.len(),
                        "consent: sharing ended after end date"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "consent: sweep failed; retried in an hour"),
            }
        }
    })
}
