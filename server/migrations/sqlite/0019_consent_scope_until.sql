-- A consent's scope and end date, read from the client's body, for the access rules and the
-- hourly sweep that ends sharing the day after `until` (server/src/consent.rs).
-- `consent_given` keeps meaning "shared with the other organisation now" (a given consent in
-- force); `consent_outcomes` says whether its scope covers outcomes too.
ALTER TABLE clients ADD COLUMN consent_outcomes BOOLEAN GENERATED ALWAYS AS (
    COALESCE(json_extract(body, '$.consent.scope') = 'contacts_and_outcomes', 0)
) VIRTUAL;
ALTER TABLE clients ADD COLUMN consent_until TEXT GENERATED ALWAYS AS (
    json_extract(body, '$.consent.until')
) VIRTUAL;
CREATE INDEX clients_consent_until ON clients (consent_until) WHERE consent_given;
