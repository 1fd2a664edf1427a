-- The organisation's own cars, by registration number: pool cars several staff drive and
-- benefit cars (förmånsbil). Trips name a car as `service:REGISTRATION`; this register says what
-- kind of car that is, and the dashboard keeps a körjournal per car (all its drivers, the
-- odometer from trip to trip). Added with `uppsok admin vehicle add`.
CREATE TABLE vehicles (
    org TEXT NOT NULL REFERENCES organisations(id),
    registration TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pool_car', 'benefit_car')),
    added_by TEXT NOT NULL,
    added_ms BIGINT NOT NULL,
    PRIMARY KEY (org, registration)
);
