-- The id an access-log entry had in the append-only journal (`store::audit_journal`): a restore
-- replays the journal and skips entries whose id the table already holds, so running it twice
-- adds nothing. Entries written inside a record write have none (NULL; NULLs are distinct in a
-- unique index on both engines).
ALTER TABLE audit_log ADD COLUMN entry_id TEXT;
CREATE UNIQUE INDEX audit_entry_id ON audit_log (entry_id);
