-- Device sync: exactly-once bookkeeping of pushed changes, the clocks that settle
-- conflicts, and the per-device counters the devices page shows. Kept column-for-column equal to
-- the SQLite flavour.

-- Every change id a device pushed, with the outcome it got the first time, so a replay (the
-- reply was lost on a weak link) is answered `duplicate` with that outcome and applied never
-- twice. `seq` is the revision the change produced (NULL for a rejection or a no-op).
CREATE TABLE sync_changes (
    change_id TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    staff TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'rejected')),
    code TEXT,
    reason TEXT,
    seq BIGINT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX sync_changes_device ON sync_changes (device, at_ms);

-- `clock`: the hybrid-logical-clock stamp of the current version (its text form sorts like the
-- stamp). `field_clocks`: for clients, the clock, sequence and value hashes of each merged field
-- group (JSON). `sync_seq`/`sync_device`: the sequence at which sync last wrote the row and the
-- device whose pushed record the row then equalled; a later write by another path changes `seq`,
-- which tells sync that the clocks are stale and that the row must go to every device.
ALTER TABLE clients ADD COLUMN clock TEXT;
ALTER TABLE clients ADD COLUMN field_clocks TEXT;
ALTER TABLE clients ADD COLUMN sync_seq BIGINT;
ALTER TABLE clients ADD COLUMN sync_device TEXT;
ALTER TABLE visits ADD COLUMN clock TEXT;
ALTER TABLE visits ADD COLUMN field_clocks TEXT;
ALTER TABLE visits ADD COLUMN sync_seq BIGINT;
ALTER TABLE visits ADD COLUMN sync_device TEXT;
ALTER TABLE trips ADD COLUMN clock TEXT;
ALTER TABLE trips ADD COLUMN field_clocks TEXT;
ALTER TABLE trips ADD COLUMN sync_seq BIGINT;
ALTER TABLE trips ADD COLUMN sync_device TEXT;
ALTER TABLE places ADD COLUMN clock TEXT;
ALTER TABLE places ADD COLUMN field_clocks TEXT;
ALTER TABLE places ADD COLUMN sync_seq BIGINT;
ALTER TABLE places ADD COLUMN sync_device TEXT;

-- The pull scans one team's rows in sequence order.
CREATE INDEX clients_team_seq ON clients (team, seq);
CREATE INDEX visits_team_seq ON visits (team, seq);
CREATE INDEX trips_team_seq ON trips (team, seq);
CREATE INDEX places_team_seq ON places (team, seq);

ALTER TABLE revisions ADD COLUMN clock TEXT;
ALTER TABLE revisions ADD COLUMN change_id TEXT;

ALTER TABLE devices ADD COLUMN applied_changes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN rejected_changes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN last_rejected_ms BIGINT;
