//! The pages of a login through the organisation's provider that ends outside the dashboard:
//! a phone's enrolment ([`super::phone_enrol`]) or a program's JSON API session
//! ([`super::api_login`]). They are worded for someone going back to the app or the program,
//! never the dashboard's login form (a case manager has no dashboard), and each one spends the
//! login's cookies.

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use uppsok_model::fidelity::Lang;

use super::html::{self, esc};
use super::i18n::tr;
use super::login::{
    OIDC_API_COOKIE, OIDC_PHONE_COOKIE, OIDC_STATE_COOKIE, OidcNotice, OidcStart, callback_url,
    to_provider,
};
use super::{DashError, DashResult, Req, set_cookie};
use crate::oidc::{self, OidcError};
use crate::state::AppState;
use crate::store::OidcPurpose;

/// Where the person goes back to once the provider's login is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Away {
    /// The Uppsök app on the phone being enrolled.
    Phone,
    /// A program of the person's own that talks to the JSON API.
    Program,
}

impl Away {
    /// The cookie that marks a login as this kind (which page a refusal is shown on; what the
    /// login is for is kept server-side with its `state`).
    pub(super) fn cookie(self) -> &'static str {
        match self {
            Away::Phone => OIDC_PHONE_COOKIE,
            Away::Program => OIDC_API_COOKIE,
        }
    }

    /// What the login is for, kept with its `state`.
    fn purpose(self) -> OidcPurpose {
        match self {
            Away::Phone => OidcPurpose::Phone,
            Away::Program => OidcPurpose::Api,
        }
    }

    /// Where the login starts (`?org=ID`).
    fn path(self) -> &'static str {
        match self {
            Away::Phone => "/enrol/oidc",
            Away::Program => "/login/oidc/api",
        }
    }

    /// The other kind's cookie, spent when this kind starts: the latest login decides the pages.
    fn other_cookie(self) -> &'static str {
        match self {
            Away::Phone => OIDC_API_COOKIE,
            Away::Program => OIDC_PHONE_COOKIE,
        }
    }

    fn choose_words(self) -> (&'static str, &'static str) {
        match self {
            Away::Phone => (
                "Välj din organisation för att registrera telefonen.",
                "Choose your organisation to enrol the phone.",
            ),
            Away::Program => (
                "Välj din organisation för att logga in i programmet.",
                "Choose your organisation to log in to the program.",
            ),
        }
    }

    fn title(self) -> (&'static str, &'static str) {
        match self {
            Away::Phone => ("Registrera telefonen", "Enrol the phone"),
            Away::Program => ("Logga in i ett program", "Log in to a program"),
        }
    }

    fn back(self) -> (&'static str, &'static str) {
        match self {
            Away::Phone => (
                "Stäng fönstret och gå tillbaka till appen Uppsök.",
                "Close this window and go back to the Uppsök app.",
            ),
            Away::Program => (
                "Stäng fönstret och gå tillbaka till programmet du loggar in i.",
                "Close this window and go back to the program you are logging in to.",
            ),
        }
    }
}

/// `GET {path}?org=ID`: off to the organisation's provider, with the cookies that tie its
/// answer to this browser and say which pages it gets; without `org`, the choice.
pub(super) async fn start(
    state: &AppState,
    req: &Req,
    headers: &HeaderMap,
    q: &OidcStart,
    away: Away,
) -> DashResult<Response> {
    if q.is_empty() {
        return choose(state, req, away).await;
    }
    let org = q.org()?;
    let callback = callback_url(req, headers)
        .ok_or_else(|| DashError::BadRequest("the request has no usable Host header".into()))?;
    match oidc::begin(&state.store, &state.oidc, org, &callback, away.purpose()).await {
        Ok(begun) => {
            let mut r = to_provider(req, &begun);
            let h = r.headers_mut();
            let ttl = oidc::PENDING_TTL.as_secs() as i64;
            h.append(
                header::SET_COOKIE,
                set_cookie(away.cookie(), "1", ttl, req.tls),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(away.other_cookie(), "", 0, req.tls),
            );
            Ok(r)
        }
        Err(e) => refused(req, e, away),
    }
}

/// Without `org`: the organisations whose provider serves this kind of login (straight on when
/// there is one; a notice when none does).
async fn choose(state: &AppState, req: &Req, away: Away) -> DashResult<Response> {
    let (orgs, none) = match away {
        Away::Phone => (
            state.store.oidc_phone_orgs().await?,
            OidcNotice::PhoneEnrolmentOff,
        ),
        Away::Program => (state.store.oidc_orgs().await?, OidcNotice::NotConfigured),
    };
    let path = away.path();
    if let [(org, _)] = orgs.as_slice() {
        return Ok(Redirect::to(&format!("{path}?org={org}")).into_response());
    }
    if orgs.is_empty() {
        return Ok(notice_page(req, none, away));
    }
    let (sv, en) = away.choose_words();
    let mut body = format!("<p>{}</p>", tr(req.lang, sv, en));
    for (org, name) in &orgs {
        body.push_str(&format!(
            "<p><a class=\"button\" href=\"{path}?org={org}\">{}</a></p>",
            esc(name)
        ));
    }
    Ok(req.finish(html::respond(html::page(&frame(req, away), &body))))
}

/// The closing line: back to the app or the program.
pub(super) fn back(away: Away, l: Lang) -> &'static str {
    let (sv, en) = away.back();
    tr(l, sv, en)
}

/// The page saying why the login through the provider was refused.
pub(super) fn refused(req: &Req, e: OidcError, away: Away) -> DashResult<Response> {
    let Some(notice) = OidcNotice::of(&e) else {
        return Err(match e {
            OidcError::Store(s) => s.into(),
            other => DashError::Internal(other.to_string()),
        });
    };
    tracing::warn!(reason = %e, ?away, "login through the organisation's identity provider refused");
    Ok(notice_page(req, notice, away))
}

/// A notice: what happened, and back to the app or the program.
pub(super) fn notice_page(req: &Req, notice: OidcNotice, away: Away) -> Response {
    let l = req.lang;
    let (sv, en) = notice.words();
    let class = notice.class();
    let role = if class == "alert" { "alert" } else { "status" };
    let body = format!(
        "<p class=\"{class}\" role=\"{role}\">{}</p><p>{}</p>",
        esc(tr(l, sv, en)),
        back(away, l)
    );
    let mut r = html::respond(html::page(&frame(req, away), &body));
    *r.status_mut() = notice.status();
    spend_cookies(req, &mut r);
    req.finish(r)
}

/// Ends the login's cookies: its `state` and what it was for.
pub(super) fn spend_cookies(req: &Req, r: &mut Response) {
    for name in [OIDC_STATE_COOKIE, OIDC_PHONE_COOKIE, OIDC_API_COOKIE] {
        r.headers_mut()
            .append(header::SET_COOKIE, set_cookie(name, "", 0, req.tls));
    }
}

/// The frame of these pages: no navigation, no account (nobody is logged in to the dashboard).
pub(super) fn frame(req: &Req, away: Away) -> html::Frame<'_> {
    let (sv, en) = away.title();
    html::Frame {
        lang: req.lang,
        title: tr(req.lang, sv, en),
        nav: html::Nav::None,
        user: None,
        csrf: None,
        here: &req.here,
        team_query: "",
        supervisor: false,
    }
}
