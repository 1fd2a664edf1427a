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
-- at a region's size. The facts they need are copied out of the JSON body into generated columns
-- (kept equal to the body by the database on every insert and update, whoever writes), and a
-- covering index holds them next to (team, start_ms), so a page reads the index alone (an
-- index-only scan) instead of one scattered heap page per visit and parses no JSON.
ALTER TABLE visits
    ADD COLUMN dash_author TEXT GENERATED ALWAYS AS (body::jsonb ->> 'author') STORED,
    ADD COLUMN dash_staff TEXT GENERATED ALWAYS AS ((body::jsonb -> 'staff')::text) STORED,
    ADD COLUMN dash_minutes BIGINT GENERATED ALWAYS AS ((body::jsonb ->> 'minutes')::bigint) STORED,
    ADD COLUMN dash_contact TEXT GENERATED ALWAYS AS (body::jsonb ->> 'contact') STORED,
    ADD COLUMN dash_setting TEXT GENERATED ALWAYS AS (body::jsonb ->> 'setting') STORED,
    ADD COLUMN dash_network BOOLEAN GENERATED ALWAYS AS ((body::jsonb ->> 'network')::boolean) STORED;
CREATE INDEX visits_team_start_facts ON visits (team, start_ms)
    INCLUDE (deleted, org, client, id, dash_author, dash_staff, dash_minutes, dash_contact, dash_setting, dash_network);
