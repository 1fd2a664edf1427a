//! Changing one's own password on the dashboard: the form, and its answer through
//! [`login::change_password`], the same path as `POST /v1/auth/password`. A person whose
//! password was set by an admin (`must_change`) is sent here by [`super::Dash`] from every other
//! page until they have chosen their own.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppsok_model::fidelity::Lang;

use super::i18n::tr;
use super::{Dash, DashError, DashResult, html};
use crate::auth::PASSWORD_MIN;
use crate::auth::login::{self, LoginError};
use crate::extract::ClientIp;
use crate::state::AppState;

/// What the form says above its fields.
enum Notice {
    None,
    /// The account's password was set by an admin.
    MustChange,
    Changed,
    Refused {
        sv: &'static str,
        en: String,
    },
}

#[derive(Debug, Deserialize)]
pub struct PasswordQuery {
    #[serde(default)]
    changed: Option<String>,
}

pub async fn form(dash: Dash, Query(q): Query<PasswordQuery>) -> Response {
    let notice = if dash.actor.must_change_password {
        Notice::MustChange
    } else if q.changed.is_some() {
        Notice::Changed
    } else {
        Notice::None
    };
    page(&dash, &notice)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    dash: Dash,
    Form(f): Form<PasswordForm>,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    let result = login::change_password(
        &state,
        ip,
        dash.actor.staff.id,
        &dash.actor.session.token_hash,
        &f.current,
        &f.new,
        Some(&f.repeat),
    )
    .await;
    let (status, sv, en) = match result {
        Ok(()) => return Ok(Redirect::to("/password?changed=1").into_response()),
        Err(LoginError::NewPassword(p)) => (StatusCode::UNPROCESSABLE_ENTITY, p.swedish(), {
            format!("The new password {p}.")
        }),
        Err(LoginError::Invalid | LoginError::TooLong) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Det nuvarande lösenordet stämmer inte.",
            "The current password is wrong.".to_owned(),
        ),
        Err(LoginError::Locked { .. }) => (
            StatusCode::LOCKED,
            "Kontot är låst efter för många fel lösenord. Försök igen senare.",
            "The account is locked after too many wrong passwords. Try again later.".to_owned(),
        ),
        Err(LoginError::RateLimited { .. }) => (
            StatusCode::TOO_MANY_REQUESTS,
            "För många försök från den här adressen. Försök igen senare.",
            "Too many attempts from this address. Try again later.".to_owned(),
        ),
        Err(LoginError::Store(e)) => return Err(e.into()),
        Err(
            e @ (LoginError::Hash(_)
            | LoginError::TotpRequired
            | LoginError::WrongDoor
            | LoginError::PasswordsOff),
        ) => {
            return Err(DashError::Internal(e.to_string()));
        }
    };
    let mut r = page(&dash, &Notice::Refused { sv, en });
    *r.status_mut() = status;
    Ok(r)
}

fn page(dash: &Dash, notice: &Notice) -> Response {
    let l = dash.lang();
    let msg = match notice {
        Notice::None => String::new(),
        Notice::MustChange => format!(
            "<p class=\"warn\" role=\"status\">{}</p>",
            tr(
                l,
                "Ditt lösenord har satts av en administratör. Välj ett eget innan du fortsätter.",
                "Your password was set by an administrator. Choose your own before you go on."
            )
        ),
        Notice::Changed => format!(
            "<p class=\"ok\" role=\"status\">{}</p>",
            tr(
                l,
                "Lösenordet är bytt. Dina andra inloggningar har avslutats.",
                "The password is changed. Your other sessions have ended."
            )
        ),
        Notice::Refused { sv, en } => format!(
            "<p class=\"alert\" role=\"alert\">{}</p>",
            html::esc(match l {
                Lang::Sv => sv,
                Lang::En => en.as_str(),
            })
        ),
    };
    let body = format!(
        "{msg}<form class=\"stack\" method=\"post\" action=\"/password\">{csrf}\
         <label for=\"current\">{c}<input id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" required autofocus></label>\
         <label for=\"new\">{n}<input id=\"new\" name=\"new\" type=\"password\" autocomplete=\"new-password\" minlength=\"{PASSWORD_MIN}\" required aria-describedby=\"new-help\"></label>\
         <span id=\"new-help\" class=\"muted\">{h}</span>\
         <label for=\"repeat\">{r}<input id=\"repeat\" name=\"repeat\" type=\"password\" autocomplete=\"new-password\" minlength=\"{PASSWORD_MIN}\" required></label>\
         <button type=\"submit\">{b}</button></form>",
        csrf = html::csrf_field(dash.csrf()),
        c = tr(l, "Nuvarande lösenord", "Current password"),
        n = tr(l, "Nytt lösenord", "New password"),
        h = tr(
            l,
            "Minst 12 tecken, varav minst 6 olika. Dina andra inloggningar avslutas.",
            "At least 12 characters, at least 6 of them different. Your other sessions end."
        ),
        r = tr(l, "Nytt lösenord igen", "New password again"),
        b = tr(l, "Byt lösenord", "Change password"),
    );
    dash.render(
        tr(l, "Byt lösenord", "Change password"),
        html::Nav::None,
        None,
        &body,
    )
}
