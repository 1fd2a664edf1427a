//! Accounts created at their first login through the organisation's identity provider, where
//! the organisation turned this on (`uppsok admin org oidc … --provision allow`). The provider
//! has vouched for the person (every check of `crate::oidc` passed); Uppsök has not decided
//! what they may do, so the account sees nothing: it is created inactive, without a team and
//! marked as awaiting an admin, who gives it a role (`uppsok admin user role`), teams and
//! then activates it. Its password is a random one nobody is told (the provider is the way in;
//! hashing a real one keeps a password attempt on it as slow as on any other account).
//!
//! The user name comes from the provider's `preferred_username` when that is a valid, free
//! Uppsök user name, else it is `sso-` and eight random characters; the name from `name`, else
//! a placeholder the admin replaces when they recognise the person.

use uppsok_model::{OrgId, PersonName, Role, Username};

use crate::auth;
use crate::oidc::NewSubject;
use crate::state::AppState;
use crate::store::{NewStaff, StaffRow, StoreError};

/// The name given when the provider sends none.
pub const UNNAMED: &str = "Ny användare (organisationens inloggning)";

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("the password hashing queue is full")]
    Busy,
    #[error("hashing the account's password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The user name the provider suggests, when it is one Uppsök takes.
pub fn suggested_username(preferred: Option<&str>) -> Option<Username> {
    let p = preferred?.trim().to_lowercase();
    // An e-mail-like name keeps its local part: `anna.k@region.se` is `anna.k`.
    let local = p.split('@').next().unwrap_or_default();
    Username::parse(local).ok()
}

/// A generated user name: `sso-` and eight random lower-case letters and digits.
pub fn generated_username() -> Username {
    let tail = auth::random_lower(8);
    // Invariant: 12 characters of [a-z0-9-] always parse as a user name.
    Username::parse(format!("sso-{tail}")).expect("a generated user name parses")
}

/// The person's name from the provider, or [`UNNAMED`].
pub fn display_name(name: Option<&str>) -> PersonName {
    name.and_then(|n| PersonName::parse(n).ok())
        .unwrap_or_else(|| {
            // Invariant: the placeholder is a valid name.
            PersonName::parse(UNNAMED).expect("the placeholder name parses")
        })
}

/// Creates the account for `who` in `org`: inactive, no team, awaiting an admin.
pub async fn provision(
    state: &AppState,
    org: OrgId,
    who: &NewSubject,
) -> Result<StaffRow, ProvisionError> {
    let password = auth::random_password();
    let hash = state
        .hashes
        .hash(&password, state.settings.password_cost)
        .await
        .map_err(|_| ProvisionError::Busy)?
        .map_err(|e| ProvisionError::Hash(e.to_string()))?;
    let name = display_name(who.name.as_deref());
    let mut candidates: Vec<Username> = suggested_username(who.preferred_username.as_deref())
        .into_iter()
        .collect();
    candidates.push(generated_username());
    candidates.push(generated_username());
    let mut last = None;
    for username in candidates {
        let new = NewStaff {
            username,
            name: name.clone(),
            org,
            // The least role; the account is inactive and awaiting an admin, so it does
            // nothing with it until an admin has chosen the real one.
            role: Role::CaseManager,
            teams: Vec::new(),
            password_hash: hash.clone(),
            must_change: false,
        };
        match state.store.provision_staff(&new, &who.subject).await {
            Ok(row) => return Ok(row),
            // A taken user name: the next candidate.
            Err(StoreError::Conflict(what)) if what.contains("username") => {
                last = Some(StoreError::Conflict(what));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(last
        .unwrap_or_else(|| StoreError::Conflict("username".into()))
        .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_user_name_is_taken_when_it_is_valid() {
        assert_eq!(
            suggested_username(Some("Anna.K@region.se")).map(|u| u.as_str().to_owned()),
            Some("anna.k".into())
        );
        assert_eq!(
            suggested_username(Some("kim")).map(|u| u.as_str().to_owned()),
            Some("kim".into())
        );
        assert!(suggested_username(Some("Åsa Öberg")).is_none());
        assert!(suggested_username(Some("x")).is_none());
        assert!(suggested_username(None).is_none());
    }

    #[test]
    fn generated_names_are_valid_and_differ() {
        let a = generated_username();
        let b = generated_username();
        assert!(a.as_str().starts_with("sso-") && a.as_str().len() == 12);
        assert_ne!(a, b);
    }

    #[test]
    fn a_missing_or_unusable_name_gets_the_placeholder() {
        assert_eq!(display_name(Some("Sara Lind")).as_str(), "Sara Lind");
        assert_eq!(display_name(None).as_str(), UNNAMED);
        assert_eq!(display_name(Some("  ")).as_str(), UNNAMED);
    }
}
