-- Contacts say whether the client took part (`client_present`; false = a contact with the
-- network alone). The dashboard's fidelity and overview count it from the same kind of column
-- as the other visit facts, set by the 0004 trigger from one parse of the body and carried in
-- the covering index. Visits written before the field were all with the client: a missing
-- value reads as present.
ALTER TABLE visits ADD COLUMN dash_present BOOLEAN;

CREATE OR REPLACE FUNCTION visits_dash_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b jsonb := NEW.body::jsonb;
BEGIN
    NEW.dash_author := b ->> 'author';
    NEW.dash_staff := (b -> 'staff')::text;
    NEW.dash_minutes := (b ->> 'minutes')::bigint;
    NEW.dash_contact := b ->> 'contact';
    NEW.dash_setting := b ->> 'setting';
    NEW.dash_network := (b ->> 'network')::boolean;
    NEW.dash_present := COALESCE((b ->> 'client_present')::boolean, TRUE);
    RETURN NEW;
END
$$;

DROP TRIGGER visits_dash_facts ON visits;
CREATE TRIGGER visits_dash_facts
    BEFORE INSERT OR UPDATE OF body, dash_author, dash_staff, dash_minutes, dash_contact, dash_setting, dash_network, dash_present
    ON visits FOR EACH ROW EXECUTE FUNCTION visits_dash_facts();

UPDATE visits SET dash_present = COALESCE((body::jsonb ->> 'client_present')::boolean, TRUE);

DROP INDEX visits_team_start_facts;
CREATE INDEX visits_team_start_facts ON visits (team, start_ms)
    INCLUDE (deleted, org, client, id, dash_author, dash_staff, dash_minutes, dash_contact, dash_setting, dash_network, dash_present);
