-- A consent's scope and end date, read from the client's body, for the access rules and the
-- hourly sweep that ends sharing the day after `until` (server/src/consent.rs).
-- `consent_given` keeps meaning "shared with the other organisation now" (a given consent in
-- force); `consent_outcomes` says whether its scope covers outcomes too.
ALTER TABLE clients ADD COLUMN consent_outcomes BOOLEAN GENERATED ALWAYS AS (
    COALESCE((body::jsonb -> 'consent' ->> 'scope') = 'contacts_and_outcomes', FALSE)
) STORED;
ALTER TABLE clients ADD COLUMN consent_until TEXT GENERATED ALWAYS AS (
    body::jsonb -> 'consent' ->> 'until'
) STORED;
CREATE INDEX clients_consent_until ON clients (consent_until) WHERE consent_given;
