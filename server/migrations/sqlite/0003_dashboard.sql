-- The supervisor dashboard's own table and indexes. They used to be created at run time
-- by the dashboard and the demo; `IF NOT EXISTS` keeps databases where that already happened
-- migrating cleanly. Same DDL on both engines.

-- An approved month of one driver's körjournal, with the totals as they were when approved.
CREATE TABLE IF NOT EXISTS dashboard_mileage_approvals (
    team TEXT NOT NULL,
    org TEXT NOT NULL,
    driver TEXT NOT NULL,
    month TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_ms BIGINT NOT NULL,
    trips BIGINT NOT NULL,
    centi_km BIGINT NOT NULL,
    amount_ore BIGINT NOT NULL,
    PRIMARY KEY (team, org, driver, month)
);

-- The mileage page: one organisation's trips of a team in a month.
CREATE INDEX IF NOT EXISTS trips_team_org_start ON trips (team, org, start_ms);
-- The client page: one client's visits in a window, within the team.
CREATE INDEX IF NOT EXISTS visits_client_team_start ON visits (client, team, start_ms);

-- The overview and fidelity pages count and rate a team's visits in a window: thousands of rows
-- at a region's size. The facts they need are read out of the JSON body by generated columns
-- (SQLite can add only VIRTUAL ones: computed by SQLite's JSON functions on read, so the pages
-- parse no JSON themselves); the PostgreSQL flavour stores them and covers them with an index.
ALTER TABLE visits ADD COLUMN dash_author TEXT GENERATED ALWAYS AS (json_extract(body, '$.author')) VIRTUAL;
ALTER TABLE visits ADD COLUMN dash_staff TEXT GENERATED ALWAYS AS (json_extract(body, '$.staff')) VIRTUAL;
ALTER TABLE visits ADD COLUMN dash_minutes BIGINT GENERATED ALWAYS AS (json_extract(body, '$.minutes')) VIRTUAL;
ALTER TABLE visits ADD COLUMN dash_contact TEXT GENERATED ALWAYS AS (json_extract(body, '$.contact')) VIRTUAL;
ALTER TABLE visits ADD COLUMN dash_setting TEXT GENERATED ALWAYS AS (json_extract(body, '$.setting')) VIRTUAL;
ALTER TABLE visits ADD COLUMN dash_network BOOLEAN GENERATED ALWAYS AS (json_extract(body, '$.network')) VIRTUAL;
