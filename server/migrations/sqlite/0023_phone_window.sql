-- How much history each organisation's phones keep (docs/retention.md, "The phones' window"):
-- a number of months with the day it took effect, dated like `retention_classes` so a change
-- can be planned and the history stays visible. An organisation without a row in force keeps
-- the default (six months, `uppsok_model::protocol::history`). Kept equal in both flavours.
CREATE TABLE phone_windows (
    org TEXT NOT NULL REFERENCES organisations (id),
    months BIGINT NOT NULL CHECK (months BETWEEN 1 AND 36),
    effective_from TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (org, effective_from)
);
