-- Contacts say whether the client took part (`client_present`; false = a contact with the
-- network alone). The dashboard's fidelity and overview count it from the same kind of column
-- as the other visit facts (0003). Visits written before the field were all with the client:
-- a missing value reads as present.
ALTER TABLE visits ADD COLUMN dash_present BOOLEAN GENERATED ALWAYS AS (COALESCE(json_extract(body, '$.client_present'), 1)) VIRTUAL;
