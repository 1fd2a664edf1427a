-- One client per code in a team, whichever organisation holds the record: a phone finds a client
-- by its code, so a second K-002 would put visits on the wrong person. The code is copied out of
-- the JSON body by the database (kept equal on every write, whoever writes) and a partial unique
-- index refuses a second live client with it; a deleted client frees its code.
-- A database that already holds duplicates stops here: rename one of each pair first (the
-- error names the index).
ALTER TABLE clients ADD COLUMN code TEXT GENERATED ALWAYS AS (json_extract(body, '$.code')) VIRTUAL;
CREATE UNIQUE INDEX clients_team_code ON clients (team, code) WHERE deleted = FALSE;
