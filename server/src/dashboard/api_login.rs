//! Logging in to the JSON API through the organisation's identity provider, for a program a
//! person runs (a script, a report tool): the person opens `GET /login/oidc/api?org=ID` in a
//! browser (without `org`: a choice of the organisations with a provider), logs in at the
//! provider exactly as for the dashboard ([`crate::oidc`], with [`crate::store::OidcPurpose::Api`] kept with
//! the login's `state`), and the one callback shows a one-time code, good once and for
//! [`CODE_TTL`]. The program exchanges it at `POST /v1/auth/oidc/token` for a bearer session
//! whose access-log entries carry the method (`oidc`) and the `acr`, as a dashboard session
//! from the provider does. No token of the provider's leaves the server; the code stands for
//! the finished login and nothing else, and only its hash is kept.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::Response;

use super::away::{self, Away};
use super::html::{self, esc};
use super::i18n::tr;
use super::login::OidcStart;
use super::{DashResult, Req};
use crate::auth;
use crate::state::AppState;
use crate::store::{ApiLoginCode, SessionAuth, StaffRow, now_ms};

/// How long the code works: the person copies it from the browser to the program at once.
pub const CODE_TTL: Duration = Duration::from_secs(5 * 60);

/// `GET /login/oidc/api?org=ID`: off to the organisation's provider for a program's session
/// (without `org`: the organisations with a provider).
pub async fn start(
    State(state): State<AppState>,
    req: Req,
    headers: axum::http::HeaderMap,
    Query(q): Query<OidcStart>,
) -> DashResult<Response> {
    away::start(&state, &req, &headers, &q, Away::Program).await
}

/// After the provider vouched for `staff`: a fresh one-time code, shown for the person to
/// copy into the program.
pub(super) async fn hand_out(
    state: &AppState,
    req: &Req,
    staff: &StaffRow,
    how: SessionAuth,
) -> DashResult<Response> {
    let (code, hash) = auth::new_enrolment_code();
    state
        .store
        .put_api_login_code(
            &hash,
            &ApiLoginCode {
                staff: staff.id,
                acr: how.acr,
                expires_ms: now_ms().saturating_add(CODE_TTL.as_millis() as i64),
            },
        )
        .await?;
    tracing::info!(staff = %staff.id, "JSON API login code handed out after the identity provider's login");
    let l = req.lang;
    let body = format!(
        "<p role=\"status\">{}</p>\
         <p class=\"code\"><code id=\"api-code\">{}</code></p>\
         <p>{}</p><p>{}</p>",
        tr(
            l,
            "Du är inloggad. Skriv in eller klistra in den här koden i programmet:",
            "You are logged in. Type or paste this code into the program:"
        ),
        esc(&code),
        tr(
            l,
            "Koden gäller i fem minuter och kan användas en gång. Ge den inte till någon annan: den ger tillgång till Uppsök i ditt namn.",
            "The code works for five minutes and once. Do not give it to anyone else: it gives access to Uppsök in your name."
        ),
        away::back(Away::Program, l),
    );
    let mut r = html::respond(html::page(&away::frame(req, Away::Program), &body));
    away::spend_cookies(req, &mut r);
    Ok(req.finish(r))
}
