-- Tombstones go only where a record could have been: a phone of the other organisation is told
-- to drop a client (or its visits) only if that client was ever shared with it. Without this
-- every unshared client of the team reached the other organisation as a bare id (a UUIDv7 with
-- its creation time), telling it that a client exists. `shared_once` is set by the database on
-- every write whose consent is given, whoever writes, and never cleared. Existing clients count
-- as shared when consent is given or was withdrawn (withdrawn means it was given before).
ALTER TABLE clients ADD COLUMN shared_once BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE clients SET shared_once = TRUE
    WHERE consent_given OR json_extract(body, '$.consent.state') = 'withdrawn';
CREATE TRIGGER clients_shared_once_insert AFTER INSERT ON clients
    WHEN NEW.consent_given AND NOT NEW.shared_once
BEGIN
    UPDATE clients SET shared_once = TRUE WHERE id = NEW.id;
END;
CREATE TRIGGER clients_shared_once_update AFTER UPDATE ON clients
    WHEN NEW.consent_given AND NOT NEW.shared_once
BEGIN
    UPDATE clients SET shared_once = TRUE WHERE id = NEW.id;
END;
