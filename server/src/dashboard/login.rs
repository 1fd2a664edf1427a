//! Logging in and out of the dashboard: username, password and the authenticator's code, checked
//! exactly as the JSON API checks them (Argon2id, TOTP once per step, the per-account lock and
//! the per-address limit), then a cookie session with its own CSRF token.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::html::{self, attr};
use super::i18n::tr;
use super::{
    Dash, DashError, DashResult, LOGIN_CSRF_COOKIE, Req, SESSION_COOKIE, cookie, same_secret,
    set_cookie,
};
use crate::api::AppState;
use crate::api::extract::ClientIp;
use crate::auth;
use crate::store::{SessionRow, now_ms};

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
    Locked,
    Limited,
    LoggedOut,
}

fn form_page(req: &Req, notice: Notice, login_csrf: &str) -> Response {
    let l = req.lang;
    let msg = match notice {
        Notice::None => String::new(),
        Notice::Expired => format!(
            "<p class=\"warn\" role=\"status\">{}</p>",
            tr(
                l,
                "Din session har gått ut. Logga in igen.",
                "Your session has expired. Log in again."
            )
        ),
        Notice::LoggedOut => format!(
            "<p class=\"ok\" role=\"status\">{}</p>",
            tr(l, "Du är utloggad.", "You are logged out.")
        ),
        Notice::Failed => format!(
            "<p class=\"alert\" role=\"alert\">{}</p>",
            tr(
                l,
                "Fel användarnamn, lösenord eller kod.",
                "Wrong username, password or code."
            )
        ),
        Notice::Locked => format!(
            "<p class=\"alert\" role=\"alert\">{}</p>",
            tr(
                l,
                "Kontot är låst efter för många misslyckade inloggningar. Försök igen senare.",
                "The account is locked after too many failed logins. Try again later."
            )
        ),
        Notice::Limited => format!(
            "<p class=\"alert\" role=\"alert\">{}</p>",
            tr(
                l,
                "För många försök från den här adressen. Försök igen senare.",
                "Too many attempts from this address. Try again later."
            )
        ),
    };
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
    if notice == Notice::Failed || notice == Notice::Locked || notice == Notice::Limited {
        *r.status_mut() = match notice {
            Notice::Limited => axum::http::StatusCode::TOO_MANY_REQUESTS,
            _ => axum::http::StatusCode::UNAUTHORIZED,
        };
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

const FIELD_MAX: usize = 1024;

/// Argon2 is deliberately slow: keep it off the async workers.
async fn verify(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
        .await
        .unwrap_or(false)
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
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE);
    match (f.csrf.as_deref(), cookie_token) {
        (Some(a), Some(b)) if !a.is_empty() && same_secret(a, b) => {}
        _ => return Err(DashError::Csrf),
    }
    let fresh = new_login_csrf();
    if state.limiter.check(ip).is_err() {
        return Ok(form_page(&req, Notice::Limited, &fresh));
    }
    if f.username.len() > FIELD_MAX || f.password.len() > FIELD_MAX {
        return Ok(form_page(&req, Notice::Failed, &fresh));
    }
    let staff = match uppsok_model::Username::parse(&f.username) {
        Ok(u) => state.store.staff_by_username(u.as_str()).await?,
        Err(_) => None,
    };
    let creds = match &staff {
        Some(s) => state.store.credentials(s.id).await?,
        None => None,
    };
    let (Some(staff), Some(creds)) = (staff, creds) else {
        verify(&state.dummy_hash, &f.password).await;
        state.limiter.fail(ip);
        return Ok(form_page(&req, Notice::Failed, &fresh));
    };
    let now = now_ms();
    if creds.locked_until_ms.is_some_and(|u| u > now) {
        state.limiter.fail(ip);
        return Ok(form_page(&req, Notice::Locked, &fresh));
    }
    let password_ok = verify(&creds.password_hash, &f.password).await;
    let totp_ok = match (staff.role.needs_totp(), &creds.totp_secret, &f.totp) {
        (false, _, _) => Ok(None),
        (true, Some(secret), Some(code)) if !code.trim().is_empty() => {
            let unix_s = u64::try_from(now / 1000).unwrap_or(0);
            auth::check_totp(secret, &code.replace(' ', ""), unix_s, creds.totp_last_step)
                .map(Some)
                .ok_or(())
        }
        _ => Err(()),
    };
    // Case managers have no dashboard; refusing them here keeps the answer the same as for a
    // wrong password, so the form does not tell roles apart.
    let allowed = matches!(
        staff.role,
        uppsok_model::Role::Supervisor | uppsok_model::Role::Admin
    );
    if !password_ok || totp_ok.is_err() || !staff.active || !allowed {
        state.limiter.fail(ip);
        let s = &state.settings;
        let lock_ms = i64::try_from(s.lock_duration.as_millis()).unwrap_or(i64::MAX);
        if state
            .store
            .login_failed(staff.id, s.lock_threshold, lock_ms)
            .await?
            .is_some()
        {
            tracing::warn!(staff = %staff.id, "dashboard: account locked after repeated failed logins");
            return Ok(form_page(&req, Notice::Locked, &fresh));
        }
        return Ok(form_page(&req, Notice::Failed, &fresh));
    }
    state
        .store
        .login_succeeded(staff.id, totp_ok.ok().flatten())
        .await?;
    let (token, token_hash) = auth::new_token(auth::SESSION_PREFIX);
    let (csrf, _) = auth::new_token("");
    let ttl = i64::try_from(state.settings.session_ttl.as_millis()).unwrap_or(i64::MAX);
    state
        .store
        .create_session(&SessionRow {
            token_hash,
            staff: staff.id,
            kind: "cookie".into(),
            csrf,
            created_ms: now,
            expires_ms: now.saturating_add(ttl),
            revoked: false,
        })
        .await?;
    tracing::info!(staff = %staff.id, "dashboard login");
    let mut r = Redirect::to("/").into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, ttl / 1000, req.tls),
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
