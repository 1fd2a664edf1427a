-- Outcomes (a stay in inpatient care, an emergency-room visit, housing, occupation, a yearly
-- satisfaction answer): records about a client like contacts, in their author's record space, so
-- the table has the same access columns as `visits` and the sync columns of 0002. `start_ms` is
-- the outcome's day at 00:00 UTC.
CREATE TABLE outcomes (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    org TEXT NOT NULL,
    author TEXT NOT NULL,
    client TEXT,
    start_ms BIGINT,
    consent_given BOOLEAN NOT NULL DEFAULT FALSE,
    seq BIGINT NOT NULL UNIQUE,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_ms BIGINT NOT NULL,
    body TEXT NOT NULL,
    clock TEXT,
    field_clocks TEXT,
    sync_seq BIGINT,
    sync_device TEXT
);
CREATE INDEX outcomes_team_start ON outcomes (team, start_ms);
CREATE INDEX outcomes_client ON outcomes (client, start_ms);
CREATE INDEX outcomes_team_seq ON outcomes (team, seq);
