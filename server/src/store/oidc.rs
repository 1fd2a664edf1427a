//! What OpenID Connect login keeps in the database: each organisation's provider settings (its
//! client secret sealed with the server key, like the TOTP secrets), the provider subject of
//! each account, and the logins sent to a provider that have not come back yet (single use,
//! short-lived). The protocol itself is `crate::oidc`.

use uppsok_model::{OrgId, Role, StaffId};
use zeroize::Zeroizing;

use super::{Param, Store, StoreError, StoreResult, Where, now_ms, on_pool, on_tx};
use crate::store::accounts::conflict;
use crate::store::{NewStaff, StaffRow};

/// Longest subject (and claim value) taken; HSA-ids and Entra object ids are far shorter.
pub const SUBJECT_MAX: usize = 255;

/// One organisation's provider. `Debug` leaves the client secret out.
#[derive(Clone)]
pub struct OidcConfig {
    pub org: OrgId,
    /// The issuer URL, as the provider names itself in its discovery document and its tokens.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Zeroizing<String>,
    /// The ID-token claim whose value is an account's `oidc_subject` (`sub` unless set).
    pub subject_claim: String,
    /// Accepted `acr` values; empty accepts any (and a token without one).
    pub acr_values: Vec<String>,
    /// Whether the organisation's staff may still log in with a password.
    pub passwords_allowed: bool,
    /// Whether a case manager (or supervisor) may fetch a phone's enrolment code by logging in
    /// at the provider from the app.
    pub phone_enrolment: bool,
    /// Whether a subject no account has gets one at its first login (inactive, awaiting an
    /// admin who gives it a role).
    pub provision: bool,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("org", &self.org)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("subject_claim", &self.subject_claim)
            .field("acr_values", &self.acr_values)
            .field("passwords_allowed", &self.passwords_allowed)
            .field("phone_enrolment", &self.phone_enrolment)
            .field("provision", &self.provision)
            .finish_non_exhaustive()
    }
}

/// What a login sent to the provider is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcPurpose {
    /// A dashboard session.
    Dashboard,
    /// A one-time enrolment code handed back to the phone's app.
    Phone,
    /// A one-time code the person takes to a program of theirs, exchanged for a JSON API
    /// session (`POST /v1/auth/oidc/token`).
    Api,
}

impl OidcPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            OidcPurpose::Dashboard => "dashboard",
            OidcPurpose::Phone => "phone",
            OidcPurpose::Api => "api",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "dashboard" => Ok(OidcPurpose::Dashboard),
            "phone" => Ok(OidcPurpose::Phone),
            "api" => Ok(OidcPurpose::Api),
            _ => Err(StoreError::Corrupt("oidc_pending purpose".into())),
        }
    }
}

/// A login waiting for the provider's answer, taken (and deleted) by its `state`.
#[derive(Clone)]
pub struct OidcPending {
    pub org: OrgId,
    pub purpose: OidcPurpose,
    pub nonce: Zeroizing<String>,
    pub pkce_verifier: Zeroizing<String>,
    pub expires_ms: i64,
}

/// The associated data of a sealed client secret: bound to its organisation.
fn secret_context(org: OrgId) -> String {
    format!("oidc:{org}")
}

/// Whether a subject (or claim value) is one the store keeps: 1–255 characters, no control
/// characters, no leading or trailing space.
pub fn subject_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= SUBJECT_MAX
        && s.trim() == s
        && !s.chars().any(char::is_control)
}

type ConfigTuple = (String, String, String, String, String, bool, bool, bool);

impl Store {
    /// Sets (or replaces) the organisation's provider. Needs the server key: the client secret
    /// is never stored in plain text.
    pub async fn set_oidc_config(&self, c: &OidcConfig) -> StoreResult<()> {
        let key = self
            .server_key
            .as_ref()
            .ok_or(crate::secrets::SecretError::NoKey)?;
        let sealed = key.seal(&secret_context(c.org), &c.client_secret)?;
        on_pool!(self, p => {
            sqlx::query("INSERT INTO org_oidc (org, issuer, client_id, client_secret, subject_claim, acr_values, passwords_allowed, updated_ms, phone_enrolment, provision) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (org) DO UPDATE SET issuer = excluded.issuer, \
                         client_id = excluded.client_id, client_secret = excluded.client_secret, subject_claim = excluded.subject_claim, \
                         acr_values = excluded.acr_values, passwords_allowed = excluded.passwords_allowed, updated_ms = excluded.updated_ms, \
                         phone_enrolment = excluded.phone_enrolment, provision = excluded.provision")
                .bind(c.org.to_string())
                .bind(&c.issuer)
                .bind(&c.client_id)
                .bind(&sealed)
                .bind(&c.subject_claim)
                .bind(c.acr_values.join(" "))
                .bind(c.passwords_allowed)
                .bind(now_ms())
                .bind(c.phone_enrolment)
                .bind(c.provision)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Turns OIDC off for the organisation (passwords work again); whether there was any.
    pub async fn remove_oidc_config(&self, org: OrgId) -> StoreResult<bool> {
        let n = on_pool!(self, p => {
            sqlx::query("DELETE FROM org_oidc WHERE org = $1")
                .bind(org.to_string())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// The organisation's provider, with its client secret opened.
    pub async fn oidc_config(&self, org: OrgId) -> StoreResult<Option<OidcConfig>> {
        let row: Option<ConfigTuple> = on_pool!(self, p => {
            sqlx::query_as("SELECT issuer, client_id, client_secret, subject_claim, acr_values, passwords_allowed, phone_enrolment, provision FROM org_oidc WHERE org = $1")
                .bind(org.to_string())
                .fetch_optional(p)
                .await?
        });
        let Some((
            issuer,
            client_id,
            sealed,
            subject_claim,
            acr,
            passwords_allowed,
            phone_enrolment,
            provision,
        )) = row
        else {
            return Ok(None);
        };
        let key = self
            .server_key
            .as_ref()
            .ok_or(crate::secrets::SecretError::NoKey)?;
        let client_secret = key.open(&secret_context(org), &sealed)?;
        Ok(Some(OidcConfig {
            org,
            issuer,
            client_id,
            client_secret,
            subject_claim,
            acr_values: acr.split_whitespace().map(str::to_owned).collect(),
            passwords_allowed,
            phone_enrolment,
            provision,
        }))
    }

    /// The organisations with a provider, by name: the login page's buttons.
    pub async fn oidc_orgs(&self) -> StoreResult<Vec<(OrgId, String)>> {
        let rows: Vec<(String, String)> = on_pool!(self, p => {
            sqlx::query_as("SELECT o.id, o.name FROM org_oidc c JOIN organisations o ON o.id = c.org ORDER BY o.name")
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(id, name)| Ok((super::parse_uuid(&id)?, name)))
            .collect()
    }

    /// The organisations that enrol phones through their provider, by name.
    pub async fn oidc_phone_orgs(&self) -> StoreResult<Vec<(OrgId, String)>> {
        let rows: Vec<(String, String)> = on_pool!(self, p => {
            sqlx::query_as("SELECT o.id, o.name FROM org_oidc c JOIN organisations o ON o.id = c.org WHERE c.phone_enrolment ORDER BY o.name")
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(id, name)| Ok((super::parse_uuid(&id)?, name)))
            .collect()
    }

    /// Whether the organisation's staff may log in with a password (true without a provider).
    pub async fn passwords_allowed(&self, org: OrgId) -> StoreResult<bool> {
        let allowed: Option<bool> = on_pool!(self, p => {
            sqlx::query_scalar("SELECT passwords_allowed FROM org_oidc WHERE org = $1")
                .bind(org.to_string())
                .fetch_optional(p)
                .await?
        });
        Ok(allowed.unwrap_or(true))
    }

    /// [`Store::create_staff`] with the account's subject at its organisation's provider, in
    /// the same transaction: a subject already taken leaves no account behind.
    pub async fn create_staff_with_subject(
        &self,
        s: &NewStaff,
        subject: Option<&str>,
    ) -> StoreResult<StaffRow> {
        if let Some(sub) = subject
            && !subject_ok(sub)
        {
            return Err(bad_subject());
        }
        let mut tx = self.begin().await?;
        let row = tx.create_staff(s).await?;
        if let Some(sub) = subject {
            on_tx!(&mut tx, c => {
                sqlx::query("UPDATE staff SET oidc_subject = $1 WHERE id = $2")
                    .bind(sub)
                    .bind(row.id.to_string())
                    .execute(&mut *c)
                    .await
                    .map_err(|e| conflict(e, SUBJECT_TAKEN))?;
            });
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Sets or (with `None`) clears the account's subject at its organisation's provider.
    pub async fn set_oidc_subject(&self, staff: StaffId, subject: Option<&str>) -> StoreResult<()> {
        if let Some(sub) = subject
            && !subject_ok(sub)
        {
            return Err(bad_subject());
        }
        let n = on_pool!(self, p => {
            sqlx::query("UPDATE staff SET oidc_subject = $1 WHERE id = $2")
                .bind(subject)
                .bind(staff.to_string())
                .execute(p)
                .await
                .map_err(|e| conflict(e, SUBJECT_TAKEN))?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("staff"));
        }
        Ok(())
    }

    /// The account's subject, if it has one.
    pub async fn oidc_subject(&self, staff: StaffId) -> StoreResult<Option<String>> {
        let sub: Option<Option<String>> = on_pool!(self, p => {
            sqlx::query_scalar("SELECT oidc_subject FROM staff WHERE id = $1")
                .bind(staff.to_string())
                .fetch_optional(p)
                .await?
        });
        Ok(sub.flatten())
    }

    /// The organisation's account with this subject.
    pub async fn staff_by_oidc_subject(
        &self,
        org: OrgId,
        subject: &str,
    ) -> StoreResult<Option<StaffRow>> {
        let mut w = Where::default();
        w.and("org = $?", [Param::Text(Some(org.to_string()))]);
        w.and("oidc_subject = $?", [Param::Text(Some(subject.to_owned()))]);
        Ok(self.staff_where(w).await?.pop())
    }

    /// Remembers a login sent to the provider, and forgets those whose time has passed.
    pub async fn put_oidc_pending(&self, state_hash: &str, p: &OidcPending) -> StoreResult<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM oidc_pending WHERE expires_ms <= $1")
                .bind(now)
                .execute(&mut *c)
                .await?;
            sqlx::query("INSERT INTO oidc_pending (state_hash, org, nonce, pkce_verifier, expires_ms, purpose) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(state_hash)
                .bind(p.org.to_string())
                .bind(p.nonce.as_str())
                .bind(p.pkce_verifier.as_str())
                .bind(p.expires_ms)
                .bind(p.purpose.as_str())
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }

    /// Takes the login with this `state` out, in one statement: of two callbacks carrying the
    /// same `state`, one gets it. Expired ones come back too; the caller refuses them.
    pub async fn take_oidc_pending(&self, state_hash: &str) -> StoreResult<Option<OidcPending>> {
        let row: Option<(String, String, String, i64, String)> = on_pool!(self, p => {
            sqlx::query_as("DELETE FROM oidc_pending WHERE state_hash = $1 RETURNING org, nonce, pkce_verifier, expires_ms, purpose")
                .bind(state_hash)
                .fetch_optional(p)
                .await?
        });
        row.map(|(org, nonce, verifier, expires_ms, purpose)| {
            Ok(OidcPending {
                org: super::parse_uuid(&org)?,
                purpose: OidcPurpose::parse(&purpose)?,
                nonce: Zeroizing::new(nonce),
                pkce_verifier: Zeroizing::new(verifier),
                expires_ms,
            })
        })
        .transpose()
    }
}

/// A JSON API login the provider vouched for, waiting for its one-time code to be exchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiLoginCode {
    pub staff: StaffId,
    pub acr: Option<String>,
    pub expires_ms: i64,
}

impl Store {
    /// Remembers the one-time code (its hash) of a JSON API login through the provider, and
    /// forgets those whose time has passed.
    pub async fn put_api_login_code(&self, code_hash: &str, c: &ApiLoginCode) -> StoreResult<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM api_login_codes WHERE expires_ms <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO api_login_codes (code_hash, staff, acr, expires_ms) VALUES ($1, $2, $3, $4)")
                .bind(code_hash)
                .bind(c.staff.to_string())
                .bind(c.acr.as_deref())
                .bind(c.expires_ms)
                .execute(&mut *conn)
                .await?;
        });
        tx.commit().await
    }

    /// Takes the code out in one statement, so of two exchanges of the same code one gets it.
    /// Expired ones come back too; the caller refuses them.
    pub async fn take_api_login_code(&self, code_hash: &str) -> StoreResult<Option<ApiLoginCode>> {
        let row: Option<(String, Option<String>, i64)> = on_pool!(self, p => {
            sqlx::query_as("DELETE FROM api_login_codes WHERE code_hash = $1 RETURNING staff, acr, expires_ms")
                .bind(code_hash)
                .fetch_optional(p)
                .await?
        });
        row.map(|(staff, acr, expires_ms)| {
            Ok(ApiLoginCode {
                staff: super::parse_uuid(&staff)?,
                acr,
                expires_ms,
            })
        })
        .transpose()
    }
}

impl Store {
    /// Creates an account at its first login through the provider: with the subject, inactive
    /// and awaiting an admin (no team; the role stored is the least, but the account can do
    /// nothing until an admin sets the role and activates it), in one transaction.
    pub async fn provision_staff(&self, s: &NewStaff, subject: &str) -> StoreResult<StaffRow> {
        if !subject_ok(subject) {
            return Err(bad_subject());
        }
        let mut tx = self.begin().await?;
        let mut row = tx.create_staff(s).await?;
        on_tx!(&mut tx, c => {
            sqlx::query("UPDATE staff SET oidc_subject = $1, active = FALSE, awaiting_role = TRUE WHERE id = $2")
                .bind(subject)
                .bind(row.id.to_string())
                .execute(&mut *c)
                .await
                .map_err(|e| conflict(e, SUBJECT_TAKEN))?;
        });
        tx.commit().await?;
        row.active = false;
        Ok(row)
    }

    /// Whether the account was created at a first login and no admin has given it a role yet.
    pub async fn awaiting_role(&self, staff: StaffId) -> StoreResult<bool> {
        let v: Option<bool> = on_pool!(self, p => {
            sqlx::query_scalar("SELECT awaiting_role FROM staff WHERE id = $1")
                .bind(staff.to_string())
                .fetch_optional(p)
                .await?
        });
        Ok(v.unwrap_or(false))
    }

    /// The accounts awaiting an admin (of `org`, or of every organisation).
    pub async fn staff_awaiting_role(&self, org: Option<OrgId>) -> StoreResult<Vec<StaffId>> {
        let ids: Vec<String> = on_pool!(self, p => {
            sqlx::query_scalar("SELECT id FROM staff WHERE awaiting_role AND ($1 IS NULL OR org = $1) ORDER BY username")
                .bind(org.map(|o| o.to_string()))
                .fetch_all(p)
                .await?
        });
        ids.iter().map(|i| super::parse_uuid(i)).collect()
    }

    /// An admin gives the account its role; an account awaiting one stops waiting (it stays
    /// inactive until activated).
    pub async fn set_staff_role(&self, staff: StaffId, role: Role) -> StoreResult<()> {
        let n = on_pool!(self, p => {
            sqlx::query("UPDATE staff SET role = $1, awaiting_role = FALSE WHERE id = $2")
                .bind(role.as_str())
                .bind(staff.to_string())
                .execute(p)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("staff"));
        }
        Ok(())
    }
}

const SUBJECT_TAKEN: &str = "another account of the organisation has that OIDC subject";

fn bad_subject() -> StoreError {
    StoreError::Invalid(format!(
        "the OIDC subject must be 1–{SUBJECT_MAX} characters, without control characters or leading or trailing spaces"
    ))
}
