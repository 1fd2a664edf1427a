-- Phones enrolled through the organisation's identity provider, and accounts created at their
-- first login there (docs/server.md, "Inloggning med OIDC").
--
-- `phone_enrolment`: a case manager (or supervisor) may fetch a phone's one-time enrolment code
-- by logging in at the provider from the app. `provision`: a subject the provider vouches for
-- and no account has gets an account of its own, inactive and awaiting an admin. Both off
-- unless the organisation turns them on.
ALTER TABLE org_oidc ADD COLUMN phone_enrolment BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE org_oidc ADD COLUMN provision BOOLEAN NOT NULL DEFAULT FALSE;

-- What a login sent to the provider is for: 'dashboard' (a session) or 'phone' (an
-- enrolment code handed back to the app).
ALTER TABLE oidc_pending ADD COLUMN purpose TEXT NOT NULL DEFAULT 'dashboard';

-- An account created at its first login through the provider, until an admin gives it its
-- role: inactive meanwhile, and said to be waiting rather than deactivated.
ALTER TABLE staff ADD COLUMN awaiting_role BOOLEAN NOT NULL DEFAULT FALSE;
