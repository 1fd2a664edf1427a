-- The PostgreSQL flavour of 0004 computes the dashboard's visit facts in a trigger instead of
-- six generated columns. SQLite's are VIRTUAL (computed on read, nothing to do on write); only
-- the index that `visits_client_team_start` (0003) covers is dropped: one write less per row.
DROP INDEX visits_client;
