//! The consent sweep's SQL: clients whose consent to share ended before today but still count as
//! shared (`consent_given`), turned unshared and moved, with their contacts and outcomes, to new
//! sequence numbers so the other organisation's phones drop them at their next sync.

use uppsok_model::{ClientId, Entity};

use super::{StoreResult, Tx, on_tx, parse_uuid};

impl Tx {
    /// Ends sharing for every client whose consent's last day (`until`, migration 0019) is
    /// before `today`; returns those clients. The body keeps the consent as recorded (its end
    /// date says why); only the access column changes.
    pub async fn expire_consents(
        &mut self,
        today: chrono::NaiveDate,
    ) -> StoreResult<Vec<ClientId>> {
        let ids: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar(
                "UPDATE clients SET consent_given = FALSE \
                 WHERE consent_given AND consent_until IS NOT NULL AND consent_until < $1 \
                 RETURNING id",
            )
            .bind(today.to_string())
            .fetch_all(&mut *c)
            .await?
        });
        let ids = ids
            .iter()
            .map(|s| parse_uuid(s))
            .collect::<StoreResult<Vec<_>>>()?;
        // The client row itself moves too: a phone of the other organisation learns from it
        // (as a tombstone) that it may no longer hold the client.
        self.move_to_new_seqs(Entity::Client, &ids).await?;
        for id in &ids {
            self.resequence_client_records(ClientId(*id)).await?;
        }
        Ok(ids.into_iter().map(ClientId).collect())
    }
}
