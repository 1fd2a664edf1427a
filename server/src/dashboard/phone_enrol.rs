//! Enrolling a phone through the organisation's identity provider: the app opens the system
//! browser at `GET /enrol/oidc?org=ID` (without `org`: a choice of the organisations that allow
//! it), the person logs in at the provider exactly as for the dashboard ([`crate::oidc`], with
//! [`crate::store::OidcPurpose::Phone`] kept with the login's `state`), and the one callback hands an active
//! case manager or supervisor a fresh one-time enrolment code, the kind an admin hands out but
//! valid for [`CODE_TTL`] only, by redirecting to `uppsok://enrol?server=…&code=…`: the link
//! the apps already read. The app fills in its form from it and enrols with the code as always.
//!
//! The pages here are the provider login's, worded for someone holding a phone: no password
//! form (a case manager has no dashboard). The access log records the code's fetching with
//! the method (`oidc`) and `acr`, as a session's entries carry them.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use uppsok_model::Role;

use super::away::{self, Away};
use super::html::{self, attr};
use super::i18n::tr;
use super::login::{OidcNotice, OidcStart, oidc_audit, origin};
use super::{DashError, DashResult, Req};
use crate::auth;
use crate::state::AppState;
use crate::store::{AuditAction, SessionAuth, StaffRow};

/// How long a code fetched through the provider works: the person is holding the phone.
pub const CODE_TTL: Duration = Duration::from_secs(10 * 60);

/// Whether an account of this role has the app (admins have the dashboard only).
pub fn has_phone(role: Role) -> bool {
    matches!(role, Role::CaseManager | Role::Supervisor)
}

/// The enrolment link the apps read: this server and the code, both query-escaped.
pub fn enrolment_link(server: &str, code: &str) -> String {
    let q = |s: &str| {
        openidconnect::url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
    };
    format!("uppsok://enrol?server={}&code={}", q(server), q(code))
}

/// `GET /enrol/oidc?org=ID`: off to the organisation's provider for a phone's enrolment
/// (without `org`: the organisations that enrol phones through their provider).
pub async fn start(
    State(state): State<AppState>,
    req: Req,
    headers: axum::http::HeaderMap,
    Query(q): Query<OidcStart>,
) -> DashResult<Response> {
    away::start(&state, &req, &headers, &q, Away::Phone).await
}

/// After the provider vouched for `staff`: a fresh one-time code, logged, handed to the app.
pub(super) async fn hand_out(
    state: &AppState,
    req: &Req,
    headers: &axum::http::HeaderMap,
    staff: &StaffRow,
    how: SessionAuth,
) -> DashResult<Response> {
    if !has_phone(staff.role) {
        return Ok(away::notice_page(req, OidcNotice::NoPhone, Away::Phone));
    }
    let server = origin(req, headers)
        .ok_or_else(|| DashError::BadRequest("the request has no usable Host header".into()))?;
    let (code, hash) = auth::new_enrolment_code();
    state
        .store
        .create_enrolment_code(staff.id, &hash, CODE_TTL.as_millis() as i64)
        .await?;
    state
        .store
        .append_audit(&[oidc_audit(staff, AuditAction::EnrolCode, how)])
        .await?;
    tracing::info!(staff = %staff.id, "enrolment code fetched through the identity provider");
    let link = enrolment_link(&server, &code);
    // The body is for a browser that does not hand the link to the app by itself.
    let l = req.lang;
    let body = format!(
        "<p><a class=\"button\" href=\"{}\">{}</a></p>",
        attr(&link),
        tr(l, "Öppna Uppsök-appen", "Open the Uppsök app")
    );
    let mut r = html::respond(html::page(&away::frame(req, Away::Phone), &body));
    *r.status_mut() = StatusCode::SEE_OTHER;
    let h = r.headers_mut();
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(&link)
            .map_err(|_| DashError::Internal("the enrolment link is not a header value".into()))?,
    );
    away::spend_cookies(req, &mut r);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_escapes_the_server_and_carries_the_code() {
        assert_eq!(
            enrolment_link("https://uppsok.kalix.se", "ABCD-EFGH-JKLM"),
            "uppsok://enrol?server=https%3A%2F%2Fuppsok.kalix.se&code=ABCD-EFGH-JKLM"
        );
        assert_eq!(
            enrolment_link("http://127.0.0.1:8080", "A&B"),
            "uppsok://enrol?server=http%3A%2F%2F127.0.0.1%3A8080&code=A%26B"
        );
    }

    #[test]
    fn only_roles_with_the_app_get_a_code() {
        assert!(has_phone(Role::CaseManager));
        assert!(has_phone(Role::Supervisor));
        assert!(!has_phone(Role::Admin));
    }
}
