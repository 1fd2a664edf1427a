-- Mileage approvals become a history. A month that changes after it was approved (a trip synced
-- late, a distance corrected) is approved again by a supervisor; payroll must see both the figure
-- first approved and the new one, and who approved each, so nothing is overwritten: each approval
-- is a new version. A version number (not the time) keys it, so two supervisors pressing
-- "approve again" on the same page at once make one version, not two (the second insert
-- conflicts and changes nothing). The tax-free and taxable parts are kept too; approvals made
-- before this migration did not store them (NULL).
CREATE TABLE mileage_approvals (
    team TEXT NOT NULL,
    org TEXT NOT NULL,
    driver TEXT NOT NULL,
    month TEXT NOT NULL,
    version BIGINT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_ms BIGINT NOT NULL,
    trips BIGINT NOT NULL,
    centi_km BIGINT NOT NULL,
    amount_ore BIGINT NOT NULL,
    tax_free_ore BIGINT,
    taxable_ore BIGINT,
    PRIMARY KEY (team, org, driver, month, version)
);

INSERT INTO mileage_approvals
    (team, org, driver, month, version, approved_by, approved_ms, trips, centi_km, amount_ore)
SELECT team, org, driver, month, 1, approved_by, approved_ms, trips, centi_km, amount_ore
FROM dashboard_mileage_approvals;

DROP TABLE dashboard_mileage_approvals;
