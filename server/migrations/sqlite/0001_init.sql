-- Uppsök server schema, SQLite flavour. Kept column-for-column equal to the PostgreSQL
-- migration so one set of queries serves both: ids are UUID text, times are Unix milliseconds
-- (BIGINT), flags are BOOLEAN, record bodies are JSON text.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('municipality', 'region')),
    own_car_ore_per_km BIGINT NOT NULL,
    service_car_ore_per_km BIGINT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    org TEXT NOT NULL REFERENCES organisations (id),
    client_code_pattern TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    org TEXT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL CHECK (role IN ('case_manager', 'supervisor', 'admin')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms BIGINT NOT NULL
);

CREATE TABLE staff_teams (
    staff TEXT NOT NULL REFERENCES staff (id),
    team TEXT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (staff, team)
);
CREATE INDEX staff_teams_team ON staff_teams (team);

CREATE TABLE credentials (
    staff TEXT PRIMARY KEY REFERENCES staff (id),
    password_hash TEXT NOT NULL,
    must_change BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret TEXT,
    totp_last_step BIGINT,
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until_ms BIGINT,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff TEXT NOT NULL REFERENCES staff (id),
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sessions_staff ON sessions (staff);

CREATE TABLE enrolment_codes (
    code_hash TEXT PRIMARY KEY,
    staff TEXT NOT NULL REFERENCES staff (id),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT,
    device TEXT
);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    staff TEXT NOT NULL REFERENCES staff (id),
    name TEXT,
    app_version TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'wipe')),
    enrolled_ms BIGINT NOT NULL,
    last_sync_ms BIGINT,
    revoked_ms BIGINT
);
CREATE INDEX devices_staff ON devices (staff);

-- Patientdatalagen 4 kap. 3 §: who read or wrote which client's data, when, from which
-- organisation. Append-only: the code has no UPDATE or DELETE for it, and these triggers refuse
-- them from anyone else too.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms BIGINT NOT NULL,
    actor_staff TEXT NOT NULL,
    actor_username TEXT NOT NULL,
    actor_org TEXT NOT NULL,
    device TEXT,
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT,
    client TEXT,
    record TEXT,
    team TEXT,
    record_org TEXT
);
CREATE INDEX audit_client ON audit_log (client, at_ms);
CREATE INDEX audit_actor ON audit_log (actor_staff, at_ms);
CREATE INDEX audit_at ON audit_log (at_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The server-wide sync cursor. One row, bumped inside each writing transaction: the row lock
-- makes commit order equal sequence order, which a SEQUENCE would not guarantee on PostgreSQL
-- (a reader could see seq 11 committed before seq 10 and skip 10 for ever).
CREATE TABLE seq_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO seq_counter (id, value) VALUES (1, 0);

-- The current version of each synced record. `org` is the record space (the author's
-- organisation), `author` the staff id, `client` the client the record is about (the client's
-- own id for clients). `consent_given` is only meaningful for clients.
CREATE TABLE clients (
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
    body TEXT NOT NULL
);
CREATE INDEX clients_team ON clients (team);

CREATE TABLE visits (
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
    body TEXT NOT NULL
);
CREATE INDEX visits_team_start ON visits (team, start_ms);
CREATE INDEX visits_client ON visits (client, start_ms);

CREATE TABLE trips (
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
    body TEXT NOT NULL
);
CREATE INDEX trips_team_start ON trips (team, start_ms);

CREATE TABLE places (
    id TEXT PRIMARY KEY,
    team TEXT,
    org TEXT NOT NULL,
    author TEXT NOT NULL,
    client TEXT,
    start_ms BIGINT,
    consent_given BOOLEAN NOT NULL DEFAULT FALSE,
    seq BIGINT NOT NULL UNIQUE,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_ms BIGINT NOT NULL,
    body TEXT NOT NULL
);

-- Every version ever stored, by sequence number.
CREATE TABLE revisions (
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    author TEXT NOT NULL,
    org TEXT NOT NULL,
    device TEXT,
    at_ms BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (entity, record_id, seq)
);
