-- Reimbursement rates with the day each took effect. A trip is priced with the rate in force on
-- the day it was driven, so a new rate (a new agreement) never re-prices a month already paid.
-- Each organisation's rates so far apply from the beginning ('2000-01-01', before any trip).
-- `organisations.own_car_ore_per_km` / `service_car_ore_per_km` stay as they were, only as the
-- fallback for an organisation without rows here.
CREATE TABLE org_rates (
    org TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    own_car_ore_per_km BIGINT NOT NULL,
    service_car_ore_per_km BIGINT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (org, effective_from)
);

INSERT INTO org_rates (org, effective_from, own_car_ore_per_km, service_car_ore_per_km, set_ms)
SELECT id, '2000-01-01', own_car_ore_per_km, service_car_ore_per_km, created_ms FROM organisations;
