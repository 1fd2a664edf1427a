-- Logging in to the JSON API through the organisation's identity provider (docs/server.md,
-- "Inloggning med OIDC"): the provider's login ends on a page that shows a one-time code, and
-- the program the person uses exchanges it once, within five minutes, at
-- POST /v1/auth/oidc/token for a session token. Only the code's hash is kept; the row goes
-- when it is exchanged or, once expired, at the next code's creation. Kept equal in both
-- flavours.
CREATE TABLE api_login_codes (
    code_hash TEXT PRIMARY KEY,
    staff TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    acr TEXT,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX api_login_codes_expires ON api_login_codes (expires_ms);
