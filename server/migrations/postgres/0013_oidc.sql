-- Log in with the organisation's own identity provider (OpenID Connect; docs/server.md,
-- "Inloggning med OIDC").
--
-- One provider per organisation. `client_secret` is sealed with the server key (like the TOTP
-- secrets; associated data "oidc:" + the organisation's id), never stored in plain text.
-- `subject_claim` names the ID-token claim whose value is a staff account's `oidc_subject`;
-- `acr_values` the accepted authentication contexts, space-separated (empty: any).
CREATE TABLE org_oidc (
    org TEXT PRIMARY KEY REFERENCES organisations (id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    subject_claim TEXT NOT NULL,
    acr_values TEXT NOT NULL,
    passwords_allowed BOOLEAN NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- The account's identity at its organisation's provider; unique within the organisation.
ALTER TABLE staff ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX staff_oidc_subject ON staff (org, oidc_subject);

-- Logins sent to a provider and not back yet: looked up by the hash of their `state`, deleted
-- by the callback that uses them (single use) and worthless after `expires_ms`.
CREATE TABLE oidc_pending (
    state_hash TEXT PRIMARY KEY,
    org TEXT NOT NULL REFERENCES organisations (id),
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX oidc_pending_expires ON oidc_pending (expires_ms);

-- How each session was opened ('password' or 'oidc') and, for OIDC, the provider's `acr`;
-- the access log copies both onto every entry made under the session.
ALTER TABLE sessions ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN acr TEXT;
ALTER TABLE audit_log ADD COLUMN auth_method TEXT;
ALTER TABLE audit_log ADD COLUMN acr TEXT;
