-- What the team costs (docs/cost.md): each organisation's hourly staff cost (salary with social
-- fees, öre per paid hour) with the day it took effect, every change to it kept, and the team's
-- staffing from each organisation (full-time posts in hundredths) for the full staff cost. Kept
-- column-for-column equal to the other backend's flavour.

-- The row with the latest `effective_from` on or before a day is the cost of an hour worked that
-- day; the first row also covers the days before it.
CREATE TABLE org_staff_costs (
    org TEXT NOT NULL REFERENCES organisations (id),
    effective_from TEXT NOT NULL,
    ore_per_hour BIGINT NOT NULL CHECK (ore_per_hour BETWEEN 1 AND 500000),
    set_by TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (org, effective_from)
);

-- Every setting of a cost or of the staffing, never changed or removed: who set what, when, and
-- what it replaced (`previous_value` NULL for a new one). `kind` says which:
-- 'staff_cost' (value: öre per hour, `effective_from` its day) or 'staffing' (value: posts in
-- hundredths, `team` the team).
CREATE TABLE staff_cost_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('staff_cost', 'staffing')),
    org TEXT NOT NULL,
    team TEXT,
    effective_from TEXT,
    value BIGINT NOT NULL,
    previous_value BIGINT,
    set_by TEXT NOT NULL,
    set_ms BIGINT NOT NULL
);

-- The team's staffing from an organisation as it is now: full-time posts in hundredths.
CREATE TABLE team_staffing (
    team TEXT NOT NULL REFERENCES teams (id),
    org TEXT NOT NULL REFERENCES organisations (id),
    fte_hundredths BIGINT NOT NULL CHECK (fte_hundredths BETWEEN 0 AND 10000),
    set_by TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (team, org)
);
