//! The one login path, for the JSON API and the dashboard alike: [`validate_credentials`] decides
//! whether a username, password and one-time code may open a session, [`log_in`] opens it. The
//! two front doors differ only in what they answer (problem+json or the form again) and in the
//! [`Door`] they name, never in the checks.
//!
//! The order of the checks is the policy:
//! 1. the address's attempt is counted *before* any work, so simultaneous logins cannot all
//!    pass the per-address limit while their hashes are still running;
//! 2. every Argon2id verification waits for a permit of the [`HashGate`], so a flood of logins
//!    queues (and, past the wait, gets 429) instead of holding 19 MiB each at once;
//! 3. an unknown username costs the same hash as a known one, and is "locked" after as many
//!    failures as an account is, so neither the timing nor the lock tells which names exist;
//! 4. a locked account is refused without looking at the password (guessing stays stopped).
//!    Anyone can lock an account by guessing; the lock is short (15 minutes by default), an
//!    admin's password reset lifts it, and case managers work through their phones' device
//!    tokens, which a lock does not touch;
//! 5. "a code is needed" and "this account has no dashboard" are said only to someone who gave
//!    the right password, so neither tells roles apart to a stranger;
//! 6. the TOTP step is consumed atomically in the store, so one code opens one session even
//!    when eight requests carry it at the same instant; a spent code is refused without a
//!    strike (it is a replay, not a guess), a wrong one with a strike;
//! 7. an organisation that logs in through its identity provider and has turned passwords off
//!    refuses them, said (like 5.) only to someone who gave the right password.
//!
//! A login through the organisation's OpenID provider (`crate::oidc`) makes its own checks of
//! the provider's answer, then opens its session here too, through [`open_session`].

use std::net::IpAddr;

use uppsok_model::{Role, StaffId, Username};

use crate::auth::{self, HashBusy, PasswordProblem};
use crate::state::AppState;
use crate::store::{SessionAuth, SessionKind, SessionRow, StaffRow, StoreError, now_ms};

/// Longest username, password or code looked at, in characters; longer input is refused
/// before any work.
pub const FIELD_MAX: usize = 1024;

/// Which front door a login comes through; it decides the session kind and who may enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// `POST /v1/auth/login`: a bearer token, for every role.
    Api,
    /// The dashboard's form: a cookie session, for supervisors and admins only.
    Dashboard,
}

impl Door {
    fn session_kind(self) -> SessionKind {
        match self {
            Door::Api => SessionKind::Bearer,
            Door::Dashboard => SessionKind::Cookie,
        }
    }

    fn admits(self, role: Role) -> bool {
        match self {
            Door::Api => true,
            Door::Dashboard => matches!(role, Role::Supervisor | Role::Admin),
        }
    }
}

/// What a person typed.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The authenticator's code; spaces are ignored ("123 456" as the app shows it).
    pub totp: Option<&'a str>,
}

/// Why a login was refused. The front doors map each to their own answer.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("too many attempts from this address")]
    RateLimited { retry_after_s: u64 },
    #[error("username or password longer than {FIELD_MAX} characters")]
    TooLong,
    #[error("wrong username, password or code")]
    Invalid,
    #[error("the account is locked")]
    Locked { until_ms: i64 },
    /// The password was right; the account needs the authenticator's code too.
    #[error("a one-time code is required")]
    TotpRequired,
    /// The password (and code) were right, but this door is not for this role.
    #[error("this account has no access here")]
    WrongDoor,
    /// The password (and code) were right, but the account's organisation logs in through its
    /// identity provider only.
    #[error("the organisation has turned password login off")]
    PasswordsOff,
    /// A password change: the current password was right, the new one will not do.
    #[error("the new password {0}")]
    NewPassword(PasswordProblem),
    #[error("could not hash the new password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<HashBusy> for LoginError {
    fn from(_: HashBusy) -> Self {
        LoginError::RateLimited { retry_after_s: 1 }
    }
}

/// A session just opened: the token is shown to the caller once and stored only as a hash.
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub session: SessionRow,
    pub staff: StaffRow,
    pub must_change_password: bool,
}

/// Checks an attempt without opening a session. On success the failed-attempt counters are reset
/// and the TOTP step is spent; the caller gets the account and whether its password must change.
pub async fn validate_credentials(
    state: &AppState,
    ip: IpAddr,
    attempt: Attempt<'_>,
    door: Door,
) -> Result<(StaffRow, bool), LoginError> {
    state
        .limiter
        .attempt(ip)
        .map_err(|retry_after_s| LoginError::RateLimited { retry_after_s })?;
    // Characters, as the API document's maxLength counts them (at most 4 KiB of UTF-8).
    let too_long = |s: &str| s.chars().count() > FIELD_MAX;
    if too_long(attempt.username)
        || too_long(attempt.password)
        || attempt.totp.is_some_and(too_long)
    {
        return Err(LoginError::TooLong);
    }
    let staff = match Username::parse(attempt.username) {
        Ok(u) => state.store.staff_by_username(u.as_str()).await?,
        Err(_) => None,
    };
    let creds = match &staff {
        Some(s) => state.store.credentials(s.id).await?,
        None => None,
    };
    let (Some(staff), Some(creds)) = (staff, creds) else {
        state
            .hashes
            .verify(&state.dummy_hash, attempt.password)
            .await?;
        // Five wrong tries lock a name that has no account just as they lock one that has.
        return Err(match state.unknown_names.failed(attempt.username) {
            Some(until_ms) => LoginError::Locked { until_ms },
            None => LoginError::Invalid,
        });
    };
    let now = now_ms();
    if let Some(until_ms) = creds.locked_until_ms.filter(|u| *u > now) {
        // The same hash as for a name without an account, so a locked account does not
        // answer faster than a "locked" name that does not exist.
        state
            .hashes
            .verify(&state.dummy_hash, attempt.password)
            .await?;
        return Err(LoginError::Locked { until_ms });
    }
    if !state
        .hashes
        .verify(&creds.password_hash, attempt.password)
        .await?
        || !staff.active
    {
        return Err(failed(state, staff.id).await);
    }
    let code = attempt
        .totp
        .map(|t| t.replace(' ', ""))
        .filter(|t| !t.is_empty());
    if staff.role.needs_totp() {
        let Some(code) = code else {
            return Err(LoginError::TotpRequired);
        };
        // A supervisor without a TOTP secret cannot log in until an admin sets one up.
        let Some(secret) = &creds.totp_secret else {
            return Err(failed(state, staff.id).await);
        };
        let unix_s = u64::try_from(now / 1000).unwrap_or(0);
        let Some(step) = auth::check_totp(secret, &code, unix_s, creds.totp_last_step) else {
            // A code already spent is a replay, not a guess at a new code: refused, no strike
            // (else a replayed code would lock out the person who just used it).
            if auth::check_totp(secret, &code, unix_s, None).is_some() {
                return Err(LoginError::Invalid);
            }
            return Err(failed(state, staff.id).await);
        };
        if !state.store.spend_totp_step(staff.id, step).await? {
            // Another request with the same right password and code got there first: refused,
            // but it is not a guess, so no strike against the account that just logged in.
            return Err(LoginError::Invalid);
        }
    }
    if !door.admits(staff.role) {
        return Err(LoginError::WrongDoor);
    }
    if !state.store.passwords_allowed(staff.org).await? {
        return Err(LoginError::PasswordsOff);
    }
    state.store.login_succeeded(staff.id).await?;
    state.limiter.forgive(ip);
    Ok((staff, creds.must_change))
}

/// [`validate_credentials`], then a new session of the door's kind.
pub async fn log_in(
    state: &AppState,
    ip: IpAddr,
    attempt: Attempt<'_>,
    door: Door,
) -> Result<LoggedIn, LoginError> {
    let (staff, must_change_password) = validate_credentials(state, ip, attempt, door).await?;
    open_session(
        state,
        staff,
        must_change_password,
        door,
        SessionAuth::PASSWORD,
    )
    .await
}

/// A new session of the door's kind for an account whose login was checked — by
/// [`validate_credentials`] or by the OIDC callback — recording how it was opened.
pub async fn open_session(
    state: &AppState,
    staff: StaffRow,
    must_change_password: bool,
    door: Door,
    how: SessionAuth,
) -> Result<LoggedIn, LoginError> {
    if !door.admits(staff.role) {
        return Err(LoginError::WrongDoor);
    }
    let (token, token_hash) = auth::new_token(auth::SESSION_PREFIX);
    let (csrf, _) = auth::new_token("");
    let now = now_ms();
    let ttl = i64::try_from(state.settings.session_ttl.as_millis()).unwrap_or(i64::MAX);
    let session = SessionRow {
        token_hash,
        staff: staff.id,
        kind: door.session_kind(),
        csrf,
        created_ms: now,
        expires_ms: now.saturating_add(ttl),
        revoked: false,
    };
    state.store.create_session_with(&session, &how).await?;
    tracing::info!(staff = %staff.id, ?door, method = how.method.as_str(), "login");
    Ok(LoggedIn {
        token,
        session,
        staff,
        must_change_password,
    })
}

/// Checks the password of someone already logged in (before a password change), with the same
/// limits, lock and counting as a login.
pub async fn confirm_password(
    state: &AppState,
    ip: IpAddr,
    staff: StaffId,
    password: &str,
) -> Result<(), LoginError> {
    state
        .limiter
        .attempt(ip)
        .map_err(|retry_after_s| LoginError::RateLimited { retry_after_s })?;
    if password.chars().count() > FIELD_MAX {
        return Err(LoginError::TooLong);
    }
    let creds = state
        .store
        .credentials(staff)
        .await?
        .ok_or(LoginError::Invalid)?;
    if let Some(until_ms) = creds.locked_until_ms.filter(|u| *u > now_ms()) {
        return Err(LoginError::Locked { until_ms });
    }
    if !state.hashes.verify(&creds.password_hash, password).await? {
        return Err(failed(state, staff).await);
    }
    state.limiter.forgive(ip);
    Ok(())
}

/// A logged-in person changes their own password: the current one is confirmed like a login
/// (same limits, lock and counting), the new one must pass [`auth::password_problem`], differ
/// from the current one and, where the form asks twice, match `repeat`. On success
/// `must_change` is cleared and every session of the account but `keep_session` ends. The
/// JSON API and the dashboard both come here.
pub async fn change_password(
    state: &AppState,
    ip: IpAddr,
    staff: StaffId,
    keep_session: &str,
    current: &str,
    new: &str,
    repeat: Option<&str>,
) -> Result<(), LoginError> {
    confirm_password(state, ip, staff, current).await?;
    let problem = auth::password_problem(new)
        .or((new == current).then_some(PasswordProblem::Unchanged))
        .or(repeat
            .is_some_and(|r| r != new)
            .then_some(PasswordProblem::Mismatch));
    if let Some(problem) = problem {
        return Err(LoginError::NewPassword(problem));
    }
    let hash = state
        .hashes
        .hash(new, state.settings.password_cost)
        .await?
        .map_err(|e| LoginError::Hash(e.to_string()))?;
    state
        .store
        .change_password(staff, &hash, keep_session)
        .await?;
    tracing::info!(%staff, "password changed; other sessions ended");
    Ok(())
}

/// A wrong password or code for a known account: counts towards its lock and says whether this
/// attempt locked it. Only the staff id goes to the log, no personal data.
async fn failed(state: &AppState, staff: StaffId) -> LoginError {
    let s = &state.settings;
    let lock_ms = i64::try_from(s.lock_duration.as_millis()).unwrap_or(i64::MAX);
    match state
        .store
        .login_failed(staff, s.lock_threshold, lock_ms)
        .await
    {
        Ok(Some(until_ms)) => {
            tracing::warn!(%staff, "account locked after repeated failed attempts");
            LoginError::Locked { until_ms }
        }
        Ok(None) => LoginError::Invalid,
        Err(e) => e.into(),
    }
}
