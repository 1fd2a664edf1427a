-- Retention (gallring): how long each organisation keeps each class of data, clients under a
-- legal hold that no culling may touch, and the record of every culling run, which is itself
-- kept. See docs/retention.md. Kept column-for-column equal to the PostgreSQL flavour.

-- A class's period with the day it took effect; the row with the latest `effective_from` on or
-- before the day of a run is in force. An organisation without a row for a class gets the
-- default for its kind (server/src/retention.rs).
CREATE TABLE retention_classes (
    org TEXT NOT NULL REFERENCES organisations (id),
    class TEXT NOT NULL CHECK (class IN ('client_records', 'trips', 'access_log')),
    years BIGINT NOT NULL CHECK (years BETWEEN 1 AND 100),
    effective_from TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (org, class, effective_from)
);

-- A client whose records must not be culled (a court case, a complaint, an archive decision).
CREATE TABLE retention_holds (
    client TEXT PRIMARY KEY,
    team TEXT NOT NULL REFERENCES teams (id),
    set_by TEXT NOT NULL,
    set_ms BIGINT NOT NULL
);

-- One row per organisation and class of each run: how many records went, how many clients a
-- hold kept, who ran it (a username, or 'schemaläggare' for the daily run), when, and the
-- cut-off. Counts and dates only: nothing of what was culled.
CREATE TABLE retention_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_ms BIGINT NOT NULL,
    run_by TEXT NOT NULL,
    org TEXT NOT NULL,
    class TEXT NOT NULL,
    years BIGINT NOT NULL,
    cutoff_ms BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    held BIGINT NOT NULL
);
CREATE INDEX retention_runs_at ON retention_runs (run_ms);

-- The access log stays append-only for everyone but the culling job. The job opens this gate
-- inside its own transaction with the cut-off of the class it culls and closes it before
-- committing, so no other transaction ever sees it open; while it is open only rows older than
-- the cut-off may go. An UPDATE is still refused always.
CREATE TABLE audit_log_gallring (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    delete_before_ms BIGINT
);
INSERT INTO audit_log_gallring (id, delete_before_ms) VALUES (1, NULL);

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    WHEN NOT COALESCE(OLD.at_ms < (SELECT delete_before_ms FROM audit_log_gallring WHERE id = 1), FALSE)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Documented follow-up of the access log (logguppföljning, HSLF-FS 2016:40 4 kap. 9 §): a random
-- sample of a period's entries drawn with a chosen seed (the same seed and period draw the same
-- sample), the reviewer's findings and what was done. The sample is copied, not referenced, so
-- the record stays whole when the access log is culled.
CREATE TABLE audit_followups (
    id TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES organisations (id),
    reviewer TEXT NOT NULL REFERENCES staff (id),
    reviewer_username TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    seed BIGINT NOT NULL,
    population BIGINT NOT NULL,
    findings TEXT NOT NULL,
    action_taken TEXT NOT NULL
);
CREATE INDEX audit_followups_org ON audit_followups (org, created_ms);

CREATE TABLE audit_followup_samples (
    followup TEXT NOT NULL REFERENCES audit_followups (id),
    audit_id BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    actor_username TEXT NOT NULL,
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    client TEXT,
    team TEXT,
    PRIMARY KEY (followup, audit_id)
);
