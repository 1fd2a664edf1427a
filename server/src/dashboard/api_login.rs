//! Logging in to the JSON API through the organisation's identity provider, for a program a
//! person runs (a script, a report tool): the person opens `GET /login/oidc/api?org=ID` in a
//! browser (without `org`: a choice of the organisations with a provider), logs in at the
//! provider exactly as for the dashboard ([`crate::oidc`], with [`OidcPurpose::Api`] kept with
//! the login's `state`), and the one callback shows a one-time code, good once and for
//! [`CODE_TTL`]. The program exchanges it at `POST /v1/auth/oidc/token` for a bearer session
//! whose access-log entries carry the method (`oidc`) and the `acr`, as a dashboard session
//! from the provider does. No token of the provider's leaves the server; the code stands for
//! the finished login and nothing else, and only its hash is kept.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::away::{self, Away};
use super::html::{self, esc};
use super::i18n::tr;
use super::login::{OIDC_PHONE_COOKIE, OidcStart, callback_url, to_provider};
use super::{DashError, DashResult, Req, set_cookie};
use crate::auth;
use crate::oidc;
use crate::state::AppState;
use crate::store::{ApiLoginCode, OidcPurpose, SessionAuth, StaffRow, now_ms};

/// How long the code works: the person copies it from the browser to the program at once.
pub const CODE_TTL: Duration = Duration::from_secs(5 * 60);

/// `GET /login/oidc/api?org=ID`: off to the organisation's provider for a program's session.
pub async fn start(
    State(state): State<AppState>,
    req: Req,
    headers: axum::http::HeaderMap,
    Query(q): Query<OidcStart>,
) -> DashResult<Response> {
    if q.is_empty() {
        return choose(&state, &req).await;
    }
    let org = q.org()?;
    let callback = callback_url(&req, &headers)
        .ok_or_else(|| DashError::BadRequest("the request has no usable Host header".into()))?;
    match oidc::begin(&state.store, &state.oidc, org, &callback, OidcPurpose::Api).await {
        Ok(begun) => {
            let mut r = to_provider(&req, &begun);
            let h = r.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(
                    Away::Program.cookie(),
                    "1",
                    oidc::PENDING_TTL.as_secs() as i64,
                    req.tls,
                ),
            );
            // A phone's login started earlier in this browser no longer decides the pages.
            h.append(
                header::SET_COOKIE,
                set_cookie(OIDC_PHONE_COOKIE, "", 0, req.tls),
            );
            Ok(r)
        }
        Err(e) => away::refused(&req, e, Away::Program),
    }
}

/// Without `org`: the organisations with a provider (straight on when there is one).
async fn choose(state: &AppState, req: &Req) -> DashResult<Response> {
    let orgs = state.store.oidc_orgs().await?;
    if let [(org, _)] = orgs.as_slice() {
        return Ok(Redirect::to(&format!("/login/oidc/api?org={org}")).into_response());
    }
    if orgs.is_empty() {
        return Ok(away::notice_page(
            req,
            super::login::OidcNotice::NotConfigured,
            Away::Program,
        ));
    }
    let l = req.lang;
    let mut body = format!(
        "<p>{}</p>",
        tr(
            l,
            "Välj din organisation för att logga in i programmet.",
            "Choose your organisation to log in to the program."
        )
    );
    for (org, name) in &orgs {
        body.push_str(&format!(
            "<p><a class=\"button\" href=\"/login/oidc/api?org={org}\">{}</a></p>",
            esc(name)
        ));
    }
    Ok(req.finish(html::respond(html::page(
        &away::frame(req, Away::Program),
        &body,
    ))))
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
