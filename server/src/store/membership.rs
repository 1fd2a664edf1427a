//! Team membership, and what phones must catch up on when it changes.
//!
//! A phone pulls by one cursor, the server's sequence: it gets what changed after the cursor in
//! its user's teams. A user who *joins* a team has a cursor past the team's whole history, and
//! a user who *leaves* one has phones that still hold the team's clients and notes. So both
//! moves put every record of the team on new sequence numbers, in the transaction that changes
//! the membership: the joiner's phones pull the history at their next sync; the leaver's phones
//! find the records above their cursors too, and the pull sends them tombstones instead (see
//! `crate::sync::pull`), for which `staff_team_exits` remembers the team until every phone's
//! cursor has passed the move. The other members' phones pull the moved records once more,
//! unchanged — a one-off cost of a rare event, and simpler and safer than per-device catch-up
//! state that a lost reply could leave half-done: everything stays driven by the cursor the
//! phone sends, which it moves only for what it applied.

use uppsok_model::{Entity, StaffId, TeamId};
use uuid::Uuid;

use super::records::table;
use super::{Store, StoreResult, Tx, now_ms, on_tx, parse_uuid};

/// Ids per `UPDATE … FROM (VALUES …)`: two parameters each, far below every engine's limit.
const MOVE_CHUNK: usize = 400;

impl Store {
    /// Adds `staff` to `team`; returns whether they were not in it before. Their phones then
    /// pull the team's history at their next sync (see the module docs).
    pub async fn add_staff_team(&self, staff: StaffId, team: TeamId) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let added = on_tx!(&mut tx, c => {
            sqlx::query("INSERT INTO staff_teams (staff, team) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(staff.to_string())
                .bind(team.to_string())
                .execute(&mut *c)
                .await?
                .rows_affected()
        }) == 1;
        if added {
            on_tx!(&mut tx, c => {
                sqlx::query("DELETE FROM staff_team_exits WHERE staff = $1 AND team = $2")
                    .bind(staff.to_string())
                    .bind(team.to_string())
                    .execute(&mut *c)
                    .await?;
            });
            tx.resequence_team(team).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Takes `staff` off `team`; returns whether they were in it. From the next request on
    /// they see nothing of the team, and their phones drop its records at their next sync
    /// (their own trips excepted: the körjournal is the driver's).
    pub async fn remove_staff_team(&self, staff: StaffId, team: TeamId) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let removed = on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM staff_teams WHERE staff = $1 AND team = $2")
                .bind(staff.to_string())
                .bind(team.to_string())
                .execute(&mut *c)
                .await?
                .rows_affected()
        }) == 1;
        if removed {
            tx.resequence_team(team).await?;
            let seq = tx.seq_now().await?;
            on_tx!(&mut tx, c => {
                sqlx::query(
                    "INSERT INTO staff_team_exits (staff, team, seq, at_ms) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (staff, team) DO UPDATE SET seq = excluded.seq, at_ms = excluded.at_ms",
                )
                .bind(staff.to_string())
                .bind(team.to_string())
                .bind(seq)
                .bind(now_ms())
                .execute(&mut *c)
                .await?;
            });
        }
        tx.commit().await?;
        Ok(removed)
    }
}

impl Tx {
    /// Moves every record of `team` (clients, visits, trips, places, tombstones included) to new
    /// sequence numbers in their present order; returns how many moved.
    pub async fn resequence_team(&mut self, team: TeamId) -> StoreResult<u64> {
        let mut moved = 0;
        for entity in Entity::ALL {
            let sql = format!(
                "SELECT id FROM {} WHERE team = $1 ORDER BY seq",
                table(entity)
            );
            let ids: Vec<String> = on_tx!(self, c => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(team.to_string())
                    .fetch_all(&mut *c)
                    .await?
            });
            let ids: Vec<Uuid> = ids
                .iter()
                .map(|s| parse_uuid(s))
                .collect::<StoreResult<_>>()?;
            self.move_to_new_seqs(entity, &ids).await?;
            moved += ids.len() as u64;
        }
        Ok(moved)
    }

    /// Gives each of `ids` (rows of `entity`) a new sequence number, in order, without changing
    /// the row otherwise: phones pull them again. A moved row is no longer "what its pusher
    /// sent last" (`sync_seq` stays behind), so its pusher pulls it too.
    pub async fn move_to_new_seqs(&mut self, entity: Entity, ids: &[Uuid]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let first = self.take_seqs(ids.len() as i64).await?;
        let t = table(entity);
        for (k, chunk) in ids.chunks(MOVE_CHUNK).enumerate() {
            // `UPDATE … FROM (VALUES …)`: both engines name the columns column1, column2.
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let sql = format!(
                "UPDATE {t} SET seq = v.column2 FROM (VALUES {}) AS v WHERE {t}.id = v.column1",
                rows.join(", ")
            );
            let base = first + (k * MOVE_CHUNK) as i64;
            on_tx!(self, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (i, id) in chunk.iter().enumerate() {
                    q = q.bind(id.to_string()).bind(base + i as i64);
                }
                q.execute(&mut *c).await?;
            });
        }
        Ok(())
    }

    /// Teams `staff` left whose records were moved above `cursor`: a phone at that cursor may
    /// still hold some of them.
    pub async fn team_exits_after(
        &mut self,
        staff: StaffId,
        cursor: i64,
    ) -> StoreResult<Vec<TeamId>> {
        let rows: Vec<String> = on_tx!(self, c => {
            sqlx::query_scalar("SELECT team FROM staff_team_exits WHERE staff = $1 AND seq > $2")
                .bind(staff.to_string())
                .bind(cursor)
                .fetch_all(&mut *c)
                .await?
        });
        rows.iter().map(|s| parse_uuid(s)).collect()
    }
}
