//! Logging in and out of the dashboard: username, password and the authenticator's code go
//! through [`login`], the same path as the JSON API's, which opens a cookie session with its own
//! CSRF token; this module only draws the form and says why it is shown again.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::html::{self, attr, esc};
use super::i18n::{self, tr};
use super::{
    Dash, DashError, DashResult, LOGIN_CSRF_COOKIE, Req, SESSION_COOKIE, cookie, same_secret,
    set_cookie,
};
use crate::auth;
use crate::auth::login::{self, Attempt, Door, LoginError};
use crate::extract::ClientIp;
use crate::state::AppState;
use uppsok_model::fidelity::Lang;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    expired: Option<String>,
}

/// Why the form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    None,
    Expired,
    Failed,
    /// Locked until this time (UTC milliseconds).
    Locked {
        until_ms: i64,
    },
    /// Too many attempts from the address; try again after this many seconds.
    Limited {
        retry_after_s: u64,
    },
    /// The form's one-time token no longer matched (older than an hour, or another login tab
    /// was opened since): nothing was tried, the form is simply shown again.
    FormExpired,
    LoggedOut,
    /// The password was right; the authenticator's code is missing.
    TotpRequired,
    /// The password was right, but the account is a case manager's, who has the app instead.
    WrongDoor,
}

impl Notice {
    /// The notice's class and its words in `l`; `None` for the plain form.
    fn text(self, l: Lang) -> Option<(&'static str, String)> {
        match self {
            Notice::Locked { until_ms } => {
                let until = chrono::DateTime::from_timestamp_millis(until_ms)
                    .map(i18n::date_time)
                    .unwrap_or_default();
                return Some((
                    "alert",
                    match l {
                        Lang::Sv => format!(
                            "Kontot är låst efter för många misslyckade inloggningar, till {until}. Försök igen då, eller be en administratör låsa upp det."
                        ),
                        Lang::En => format!(
                            "The account is locked after too many failed logins, until {until}. Try again then, or ask an admin to unlock it."
                        ),
                    },
                ));
            }
            Notice::Limited { retry_after_s } => {
                let minutes = retry_after_s.div_ceil(60).max(1);
                return Some((
                    "alert",
                    match l {
                        Lang::Sv => format!(
                            "För många försök från den här adressen. Försök igen om {minutes} min."
                        ),
                        Lang::En => format!(
                            "Too many attempts from this address. Try again in {minutes} min."
                        ),
                    },
                ));
            }
            _ => {}
        }
        self.words()
            .map(|(class, sv, en)| (class, tr(l, sv, en).to_owned()))
    }

    /// The fixed notices' class and words (Swedish, English).
    fn words(self) -> Option<(&'static str, &'static str, &'static str)> {
        Some(match self {
            Notice::None => return None,
            Notice::Expired => (
                "warn",
                "Din session har gått ut. Logga in igen.",
                "Your session has expired. Log in again.",
            ),
            Notice::LoggedOut => ("ok", "Du är utloggad.", "You are logged out."),
            Notice::Failed => (
                "alert",
                "Fel användarnamn, lösenord eller kod.",
                "Wrong username, password or code.",
            ),
            Notice::FormExpired => (
                "warn",
                "Inloggningsformuläret hade gått ut (det var äldre än en timme, eller en annan inloggningsflik öppnades senare). Inget försök räknades; fyll i det igen.",
                "The login form had expired (older than an hour, or another login tab was opened since). Nothing was counted; fill it in again.",
            ),
            Notice::Locked { .. } | Notice::Limited { .. } => return None,
            Notice::TotpRequired => (
                "alert",
                "Kontot behöver engångskoden från autentiseringsappen.",
                "The account needs the one-time code from the authenticator app.",
            ),
            Notice::WrongDoor => (
                "alert",
                "Översikten är för arbetsledare och administratörer. Som case manager använder du Uppsök-appen i telefonen.",
                "The dashboard is for supervisors and admins. As a case manager you use the Uppsök app on your phone.",
            ),
        })
    }
}

fn form_page(req: &Req, notice: Notice, login_csrf: &str) -> Response {
    let l = req.lang;
    let msg = notice.text(l).map_or_else(String::new, |(class, text)| {
        // Errors interrupt a screen reader; the others wait their turn.
        let role = if class == "alert" { "alert" } else { "status" };
        format!("<p class=\"{class}\" role=\"{role}\">{}</p>", esc(&text))
    });
    let body = format!(
        "{msg}<form class=\"stack\" method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"username\">{u}<input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus></label>\
         <label for=\"password\">{p}<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <label for=\"totp\">{t}<input id=\"totp\" name=\"totp\" inputmode=\"numeric\" pattern=\"[0-9 ]*\" autocomplete=\"one-time-code\" aria-describedby=\"totp-help\"></label>\
         <span id=\"totp-help\" class=\"muted\">{th}</span>\
         <button type=\"submit\">{b}</button></form>",
        csrf = attr(login_csrf),
        u = tr(l, "Användarnamn", "Username"),
        p = tr(l, "Lösenord", "Password"),
        t = tr(l, "Engångskod", "One-time code"),
        th = tr(
            l,
            "Sex siffror från autentiseringsappen.",
            "Six digits from the authenticator app."
        ),
        b = tr(l, "Logga in", "Log in"),
    );
    let frame = html::Frame {
        lang: l,
        title: tr(l, "Logga in", "Log in"),
        nav: html::Nav::None,
        user: None,
        csrf: None,
        here: &req.here,
        team_query: "",
        supervisor: false,
    };
    let mut r = html::respond(html::page(&frame, &body));
    match notice {
        Notice::None | Notice::Expired | Notice::LoggedOut | Notice::FormExpired => {}
        Notice::Limited { .. } => *r.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS,
        Notice::WrongDoor => *r.status_mut() = axum::http::StatusCode::FORBIDDEN,
        Notice::Failed | Notice::Locked { .. } | Notice::TotpRequired => {
            *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED
        }
    }
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, login_csrf, 3600, req.tls),
    );
    req.finish(r)
}

fn new_login_csrf() -> String {
    auth::new_token("").0
}

pub async fn form(req: Req, Query(q): Query<LoginQuery>) -> Response {
    let notice = match q.expired.as_deref() {
        Some("1") => Notice::Expired,
        Some("out") => Notice::LoggedOut,
        _ => Notice::None,
    };
    form_page(&req, notice, &new_login_csrf())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    req: Req,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> DashResult<Response> {
    // Login CSRF: the form must carry the value of the cookie set with it (double submit), so
    // another site cannot log a browser into an account of its choosing.
    // A mismatch is most often an honest one (a form left open past the cookie's hour, or two
    // login tabs): the form is shown again with a fresh token and nothing is tried or counted.
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE);
    match (f.csrf.as_deref(), cookie_token) {
        (Some(a), Some(b)) if !a.is_empty() && same_secret(a, b) => {}
        _ => return Ok(form_page(&req, Notice::FormExpired, &new_login_csrf())),
    }
    let attempt = Attempt {
        username: &f.username,
        password: &f.password,
        totp: f.totp.as_deref(),
    };
    let done = match login::log_in(&state, ip, attempt, Door::Dashboard).await {
        Ok(done) => done,
        Err(e) => {
            let notice = match e {
                LoginError::RateLimited { retry_after_s } => Notice::Limited { retry_after_s },
                LoginError::TooLong | LoginError::Invalid => Notice::Failed,
                LoginError::Locked { until_ms } => Notice::Locked { until_ms },
                LoginError::TotpRequired => Notice::TotpRequired,
                LoginError::WrongDoor => Notice::WrongDoor,
                LoginError::Store(e) => return Err(e.into()),
                e @ (LoginError::NewPassword(_) | LoginError::Hash(_)) => {
                    return Err(DashError::Internal(e.to_string()));
                }
            };
            return Ok(form_page(&req, notice, &new_login_csrf()));
        }
    };
    let max_age_s = (done.session.expires_ms - done.session.created_ms) / 1000;
    let mut r = Redirect::to("/").into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &done.token, max_age_s, req.tls),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, req.tls),
    );
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

pub async fn logout(
    State(state): State<AppState>,
    dash: Dash,
    Form(f): Form<CsrfForm>,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    state
        .store
        .revoke_session(&dash.actor.session.token_hash)
        .await?;
    let mut r = Redirect::to("/login?expired=out").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, dash.req.tls),
    );
    Ok(r)
}
