//! Logging in and out of the dashboard: username, password and the authenticator's code go
//! through [`login`], the same path as the JSON API's, which opens a cookie session with its own
//! CSRF token; this module only draws the form and says why it is shown again. The form also
//! offers "Logga in med organisationens inloggning" for each organisation with an OpenID
//! provider; that flow is [`crate::oidc`], and its handlers are here too, so both ways in end
//! in [`login::open_session`] and in the same cookie. The one callback also finishes a phone's
//! enrolment through the provider ([`super::phone_enrol`]) or a program's JSON API login
//! ([`super::api_login`]) and creates the account of someone
//! the provider vouches for at their first login, where the organisation allows it
//! ([`crate::auth::provision`]).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::away::{self, Away};
use super::html::{self, attr, esc};
use super::i18n::{self, tr};
use super::{
    Dash, DashError, DashResult, LOGIN_CSRF_COOKIE, Req, SESSION_COOKIE, cookie, same_secret,
    set_cookie,
};
use crate::auth;
use crate::auth::login::{self, Attempt, Door, LoginError};
use crate::extract::ClientIp;
use crate::oidc::{self, Account, OidcError, TokenProblem};
use crate::state::AppState;
use crate::store::{AuditAction, AuditEntry, AuthMethod, OidcPurpose, SessionAuth, StaffRow, Via};
use axum::http::StatusCode;
use uppsok_model::OrgId;
use uppsok_model::fidelity::Lang;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    expired: Option<String>,
    /// After logging out of an OIDC session: the organisation whose provider's end-session
    /// endpoint to offer.
    #[serde(default)]
    sso: Option<String>,
}

/// The cookie that ties a provider's callback to the browser that started the login.
pub const OIDC_STATE_COOKIE: &str = "uppsok_oidc_state";

/// The cookie that marks a login through the provider as a phone's (which page a refusal is
/// shown on; what the login is for is kept server-side with its `state`).
pub const OIDC_PHONE_COOKIE: &str = "uppsok_oidc_phone";

/// The cookie that marks a login through the provider as a program's (JSON API), likewise.
pub const OIDC_API_COOKIE: &str = "uppsok_oidc_api";

/// Why a login through the organisation's provider was refused (or, for
/// [`OidcNotice::Provisioned`], what became of it), as the page words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OidcNotice {
    NotConfigured,
    Unavailable,
    State,
    Expired,
    Denied,
    CodeRefused,
    Token(TokenProblem),
    Acr,
    NoSubject,
    UnknownSubject,
    Inactive,
    AwaitingAdmin,
    PhoneEnrolmentOff,
    /// A phone's enrolment for an account whose role has no phone (an admin's).
    NoPhone,
    /// The account was created just now and awaits an admin.
    Provisioned,
}

impl OidcNotice {
    pub(super) fn of(e: &OidcError) -> Option<OidcNotice> {
        Some(match e {
            OidcError::NotConfigured => OidcNotice::NotConfigured,
            OidcError::Provider(_) => OidcNotice::Unavailable,
            OidcError::StateMismatch | OidcError::StateUnknown => OidcNotice::State,
            OidcError::Expired => OidcNotice::Expired,
            OidcError::Denied => OidcNotice::Denied,
            OidcError::CodeRefused => OidcNotice::CodeRefused,
            OidcError::Token(p) => OidcNotice::Token(*p),
            OidcError::AcrTooLow => OidcNotice::Acr,
            OidcError::NoSubject => OidcNotice::NoSubject,
            OidcError::UnknownSubject => OidcNotice::UnknownSubject,
            OidcError::Inactive => OidcNotice::Inactive,
            OidcError::AwaitingAdmin => OidcNotice::AwaitingAdmin,
            OidcError::PhoneEnrolmentOff => OidcNotice::PhoneEnrolmentOff,
            OidcError::Store(_) => return None,
        })
    }

    pub(super) fn status(self) -> StatusCode {
        match self {
            OidcNotice::Provisioned => StatusCode::OK,
            OidcNotice::NotConfigured | OidcNotice::PhoneEnrolmentOff => StatusCode::NOT_FOUND,
            OidcNotice::Unavailable => StatusCode::BAD_GATEWAY,
            OidcNotice::State | OidcNotice::Expired => StatusCode::BAD_REQUEST,
            OidcNotice::Denied | OidcNotice::CodeRefused | OidcNotice::Token(_) => {
                StatusCode::UNAUTHORIZED
            }
            OidcNotice::Acr
            | OidcNotice::NoSubject
            | OidcNotice::UnknownSubject
            | OidcNotice::Inactive
            | OidcNotice::AwaitingAdmin
            | OidcNotice::NoPhone => StatusCode::FORBIDDEN,
        }
    }

    /// The notice's class: every one is a refusal but the account's creation.
    pub(super) fn class(self) -> &'static str {
        if self == OidcNotice::Provisioned {
            "ok"
        } else {
            "alert"
        }
    }

    /// (Swedish, English).
    pub(super) fn words(self) -> (&'static str, &'static str) {
        match self {
            OidcNotice::Provisioned => (
                "Ditt konto i Uppsök är skapat. En administratör för Uppsök i din organisation behöver ge det roll och team innan du kan använda det. Logga in igen när det är gjort.",
                "Your Uppsök account has been created. An Uppsök administrator in your organisation needs to give it a role and a team before you can use it. Log in again once that is done.",
            ),
            OidcNotice::AwaitingAdmin => (
                "Ditt konto i Uppsök är skapat men väntar på att en administratör för Uppsök i din organisation ger det roll och team.",
                "Your Uppsök account has been created but is waiting for an Uppsök administrator in your organisation to give it a role and a team.",
            ),
            OidcNotice::PhoneEnrolmentOff => (
                "Din organisation har inte slagit på registrering av telefoner via organisationens inloggning. Be en administratör för Uppsök om en registreringskod.",
                "Your organisation has not turned on enrolling phones through the organisation's login. Ask an Uppsök administrator for an enrolment code.",
            ),
            OidcNotice::NoPhone => (
                "Ditt konto i Uppsök har ingen telefon: appen är för case managers och arbetsledare. Använd översikten i webbläsaren.",
                "Your Uppsök account has no phone: the app is for case managers and supervisors. Use the dashboard in the browser.",
            ),
            OidcNotice::NotConfigured => (
                "Organisationen har ingen inloggning via egen identitetsleverantör.",
                "The organisation has no login through its own identity provider.",
            ),
            OidcNotice::Unavailable => (
                "Organisationens inloggning svarar inte just nu. Försök igen om en stund, eller kontakta er IT-support.",
                "The organisation's login does not answer right now. Try again in a while, or contact your IT support.",
            ),
            OidcNotice::State => (
                "Svaret från organisationens inloggning hörde inte till en pågående inloggning i den här webbläsaren (det var redan använt, eller inloggningen startades någon annanstans). Börja om.",
                "The answer from the organisation's login did not belong to a login in progress in this browser (it was used already, or the login was started elsewhere). Start again.",
            ),
            OidcNotice::Expired => (
                "Inloggningen tog för lång tid hos organisationens inloggning. Börja om.",
                "The login took too long at the organisation's login. Start again.",
            ),
            OidcNotice::Denied => (
                "Inloggningen avbröts eller nekades hos organisationens inloggning. Börja om.",
                "The login was cancelled or refused at the organisation's login. Start again.",
            ),
            OidcNotice::CodeRefused => (
                "Organisationens inloggning godtog inte inloggningen när Uppsök hämtade den (den var redan använd eller för gammal). Börja om.",
                "The organisation's login did not accept the login when Uppsök fetched it (used already, or too old). Start again.",
            ),
            OidcNotice::Token(TokenProblem::Expired) => (
                "Legitimationen från organisationens inloggning har gått ut. Börja om; om det upprepas, kontrollera datorns och serverns klockor.",
                "The credential from the organisation's login has expired. Start again; if it happens again, check the clocks.",
            ),
            OidcNotice::Token(TokenProblem::Audience) => (
                "Legitimationen från organisationens inloggning var utfärdad till en annan tjänst än Uppsök och godtas inte.",
                "The credential from the organisation's login was issued to another service than Uppsök and is not accepted.",
            ),
            OidcNotice::Token(TokenProblem::Nonce) => (
                "Legitimationen från organisationens inloggning hörde till en annan inloggning och godtas inte. Börja om.",
                "The credential from the organisation's login belonged to another login and is not accepted. Start again.",
            ),
            OidcNotice::Token(TokenProblem::Signature) => (
                "Legitimationens signatur kunde inte kontrolleras mot organisationens inloggning, så den godtas inte.",
                "The credential's signature could not be checked against the organisation's login, so it is not accepted.",
            ),
            OidcNotice::Token(_) => (
                "Legitimationen från organisationens inloggning var inte giltig och godtas inte.",
                "The credential from the organisation's login was not valid and is not accepted.",
            ),
            OidcNotice::Acr => (
                "Du loggade in med en inloggningsmetod som inte räcker för Uppsök. Logga in igen med en metod som din organisation godkänt för patientuppgifter, till exempel SITHS-kort eller Freja eID+.",
                "You logged in with a method that is not strong enough for Uppsök. Log in again with a method your organisation approved for patient data, such as a SITHS card or Freja eID+.",
            ),
            OidcNotice::NoSubject => (
                "Organisationens inloggning skickade inte uppgiften som kopplar dig till ett konto i Uppsök. Be en administratör för Uppsök i din organisation att kontrollera inställningen.",
                "The organisation's login did not send what links you to an account in Uppsök. Ask an Uppsök administrator in your organisation to check the setting.",
            ),
            OidcNotice::UnknownSubject => (
                "Du är inloggad hos din organisation, men inget konto i Uppsök är kopplat till dig. Be en administratör för Uppsök i din organisation att lägga upp ditt konto eller koppla det till organisationens inloggning.",
                "You are logged in at your organisation, but no Uppsök account is linked to you. Ask an Uppsök administrator in your organisation to create your account or link it to the organisation's login.",
            ),
            OidcNotice::Inactive => (
                "Ditt konto i Uppsök är avstängt. Be en administratör för Uppsök i din organisation att aktivera det.",
                "Your Uppsök account is deactivated. Ask an Uppsök administrator in your organisation to activate it.",
            ),
        }
    }
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
    /// The password was right, but the organisation logs in through its provider only.
    PasswordsOff,
    /// A login through the organisation's provider was refused.
    Oidc(OidcNotice),
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
            Notice::Oidc(n) => {
                let (sv, en) = n.words();
                (n.class(), sv, en)
            }
            Notice::PasswordsOff => (
                "alert",
                "Din organisation loggar in via organisationens inloggning; lösenord är avstängda. Använd knappen ”Logga in med organisationens inloggning”.",
                "Your organisation logs in through the organisation's login; passwords are turned off. Use the button “Log in with the organisation's login”.",
            ),
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

/// What the login page offers besides the password form.
#[derive(Debug, Default)]
struct Offers {
    /// The organisations with an OpenID provider (id, name).
    sso: Vec<(OrgId, String)>,
    /// After logging out of an OIDC session: the provider's end-session address.
    end_session: Option<String>,
}

impl Offers {
    async fn load(state: &AppState) -> DashResult<Offers> {
        Ok(Offers {
            sso: state.store.oidc_orgs().await?,
            end_session: None,
        })
    }
}

fn form_page(req: &Req, notice: Notice, login_csrf: &str, offers: &Offers) -> Response {
    let l = req.lang;
    let msg = notice.text(l).map_or_else(String::new, |(class, text)| {
        // Errors interrupt a screen reader; the others wait their turn.
        let role = if class == "alert" { "alert" } else { "status" };
        format!("<p class=\"{class}\" role=\"{role}\">{}</p>", esc(&text))
    });
    let mut sso = String::new();
    if let Some(url) = &offers.end_session {
        sso.push_str(&format!(
            "<p><a class=\"button\" href=\"{}\">{}</a></p>",
            attr(url),
            tr(
                l,
                "Logga ut även från organisationens inloggning",
                "Also log out of the organisation's login"
            )
        ));
    }
    for (org, name) in &offers.sso {
        // One button per organisation: the name tells which provider it goes to.
        sso.push_str(&format!(
            "<p><a class=\"button\" href=\"/login/oidc?org={org}\">{} <span class=\"sub\">{}</span></a></p>",
            tr(
                l,
                "Logga in med organisationens inloggning",
                "Log in with the organisation's login"
            ),
            esc(name)
        ));
    }
    let body = format!(
        "{msg}{sso}<form class=\"stack\" method=\"post\" action=\"/login\">\
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
        Notice::WrongDoor | Notice::PasswordsOff => {
            *r.status_mut() = axum::http::StatusCode::FORBIDDEN
        }
        Notice::Oidc(n) => *r.status_mut() = n.status(),
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

pub async fn form(
    State(state): State<AppState>,
    req: Req,
    Query(q): Query<LoginQuery>,
) -> DashResult<Response> {
    let notice = match q.expired.as_deref() {
        Some("1") => Notice::Expired,
        Some("out") => Notice::LoggedOut,
        _ => Notice::None,
    };
    let mut offers = Offers::load(&state).await?;
    if notice == Notice::LoggedOut
        && let Some(org) = q.sso.as_deref().and_then(|o| o.parse::<uuid::Uuid>().ok())
    {
        offers.end_session = state
            .oidc
            .end_session_url(&state.store, OrgId::from(org))
            .await;
    }
    Ok(form_page(&req, notice, &new_login_csrf(), &offers))
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
        _ => {
            let offers = Offers::load(&state).await?;
            return Ok(form_page(
                &req,
                Notice::FormExpired,
                &new_login_csrf(),
                &offers,
            ));
        }
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
                LoginError::PasswordsOff => Notice::PasswordsOff,
                LoginError::Store(e) => return Err(e.into()),
                e @ (LoginError::NewPassword(_) | LoginError::Hash(_)) => {
                    return Err(DashError::Internal(e.to_string()));
                }
            };
            let offers = Offers::load(&state).await?;
            return Ok(form_page(&req, notice, &new_login_csrf(), &offers));
        }
    };
    Ok(logged_in(&req, &done))
}

/// Into the dashboard with the new session's cookie; the login's own cookies are spent.
fn logged_in(req: &Req, done: &login::LoggedIn) -> Response {
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
    h.append(
        header::SET_COOKIE,
        set_cookie(OIDC_STATE_COOKIE, "", 0, req.tls),
    );
    r
}

/// This server's callback address as the browser reaches it: the provider must send the
/// browser back to the host it came from (and only accepts addresses registered with it, so a
/// forged `Host` leads nowhere).
pub(super) fn callback_url(req: &Req, headers: &axum::http::HeaderMap) -> Option<String> {
    Some(format!("{}{}", origin(req, headers)?, oidc::CALLBACK_PATH))
}

/// This server as the browser reaches it (`https://host`), from the `Host` header.
pub(super) fn origin(req: &Req, headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || c == '/' || c == '@')
    {
        return None;
    }
    let scheme = if req.tls { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

#[derive(Debug, Deserialize)]
pub struct OidcStart {
    #[serde(default)]
    org: Option<String>,
}

impl OidcStart {
    pub(super) fn is_empty(&self) -> bool {
        self.org.is_none()
    }

    pub(super) fn org(&self) -> DashResult<OrgId> {
        self.org
            .as_deref()
            .and_then(|o| o.parse::<uuid::Uuid>().ok())
            .map(OrgId::from)
            .ok_or_else(|| DashError::BadRequest("org: must be the id of an organisation".into()))
    }
}

/// Off to the provider, with the cookie that ties its answer to this browser.
pub(super) fn to_provider(req: &Req, begun: &oidc::Begun) -> Response {
    let mut r = Redirect::to(&begun.url).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            OIDC_STATE_COOKIE,
            &begun.state,
            oidc::PENDING_TTL.as_secs() as i64,
            req.tls,
        ),
    );
    r
}

/// `GET /login/oidc?org=ID`: off to the organisation's provider.
pub async fn oidc_start(
    State(state): State<AppState>,
    req: Req,
    headers: axum::http::HeaderMap,
    Query(q): Query<OidcStart>,
) -> DashResult<Response> {
    let org = q.org()?;
    let callback = callback_url(&req, &headers)
        .ok_or_else(|| DashError::BadRequest("the request has no usable Host header".into()))?;
    match oidc::begin(
        &state.store,
        &state.oidc,
        org,
        &callback,
        OidcPurpose::Dashboard,
    )
    .await
    {
        Ok(begun) => {
            let mut r = to_provider(&req, &begun);
            // A phone's or a program's login started earlier in this browser no longer
            // decides the pages.
            for away in [OIDC_PHONE_COOKIE, OIDC_API_COOKIE] {
                r.headers_mut()
                    .append(header::SET_COOKIE, set_cookie(away, "", 0, req.tls));
            }
            Ok(r)
        }
        Err(e) => oidc_refused(&state, &req, e).await,
    }
}

/// `GET /login/oidc/callback`: the provider's answer; a session, or the login page saying why
/// not.
pub async fn oidc_callback(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    req: Req,
    headers: axum::http::HeaderMap,
    Query(cb): Query<oidc::Callback>,
) -> DashResult<Response> {
    // Counted like a password attempt, so a flood of forged callbacks meets the same limit.
    if let Err(retry_after_s) = state.limiter.attempt(ip) {
        let offers = Offers::load(&state).await?;
        return Ok(form_page(
            &req,
            Notice::Limited { retry_after_s },
            &new_login_csrf(),
            &offers,
        ));
    }
    let callback = callback_url(&req, &headers)
        .ok_or_else(|| DashError::BadRequest("the request has no usable Host header".into()))?;
    let cookie_state = cookie(&headers, OIDC_STATE_COOKIE);
    let away = if cookie(&headers, OIDC_PHONE_COOKIE).is_some() {
        Some(Away::Phone)
    } else if cookie(&headers, OIDC_API_COOKIE).is_some() {
        Some(Away::Program)
    } else {
        None
    };
    let verified = match oidc::finish(&state.store, &state.oidc, &cb, cookie_state, &callback).await
    {
        Ok(v) => v,
        Err(e) => {
            return match away {
                Some(away) => away::refused(&req, e, away),
                None => oidc_refused(&state, &req, e).await,
            };
        }
    };
    let how = SessionAuth {
        method: AuthMethod::Oidc,
        acr: verified.acr,
    };
    let staff = match verified.account {
        Account::Known(staff) => staff,
        Account::New(who) => {
            let staff = crate::auth::provision::provision(&state, verified.org, &who)
                .await
                .map_err(|e| DashError::Internal(e.to_string()))?;
            state
                .store
                .append_audit(&[oidc_audit(&staff, AuditAction::Provision, how)])
                .await?;
            tracing::info!(staff = %staff.id, "account created at its first login through the identity provider");
            state.limiter.forgive(ip);
            return match verified.purpose {
                OidcPurpose::Phone => Ok(away::notice_page(
                    &req,
                    OidcNotice::Provisioned,
                    Away::Phone,
                )),
                OidcPurpose::Api => Ok(away::notice_page(
                    &req,
                    OidcNotice::Provisioned,
                    Away::Program,
                )),
                OidcPurpose::Dashboard => {
                    let offers = Offers::load(&state).await?;
                    Ok(form_page(
                        &req,
                        Notice::Oidc(OidcNotice::Provisioned),
                        &new_login_csrf(),
                        &offers,
                    ))
                }
            };
        }
    };
    match verified.purpose {
        OidcPurpose::Phone => {
            let r = super::phone_enrol::hand_out(&state, &req, &headers, &staff, how).await?;
            state.limiter.forgive(ip);
            return Ok(r);
        }
        OidcPurpose::Api => {
            let r = super::api_login::hand_out(&state, &req, &staff, how).await?;
            state.limiter.forgive(ip);
            return Ok(r);
        }
        OidcPurpose::Dashboard => {}
    }
    match login::open_session(&state, staff, false, Door::Dashboard, how).await {
        Ok(done) => {
            state.limiter.forgive(ip);
            Ok(logged_in(&req, &done))
        }
        Err(LoginError::WrongDoor) => {
            let offers = Offers::load(&state).await?;
            Ok(form_page(
                &req,
                Notice::WrongDoor,
                &new_login_csrf(),
                &offers,
            ))
        }
        Err(LoginError::Store(e)) => Err(e.into()),
        Err(e) => Err(DashError::Internal(e.to_string())),
    }
}

/// An access-log entry for an account's doing through the provider, outside any session: the
/// method and `acr` as a session's entries carry them.
pub(super) fn oidc_audit(staff: &StaffRow, action: AuditAction, how: SessionAuth) -> AuditEntry {
    AuditEntry {
        actor_staff: staff.id,
        actor_username: staff.username.clone(),
        actor_org: staff.org,
        device: None,
        via: Via::Dashboard,
        action,
        entity: None,
        client: None,
        record: None,
        team: None,
        record_org: None,
        auth: Some(how),
    }
}

/// The login page saying why the provider's login was refused (the reason, never the token or
/// the subject, goes to the log).
async fn oidc_refused(state: &AppState, req: &Req, e: OidcError) -> DashResult<Response> {
    let Some(notice) = OidcNotice::of(&e) else {
        return Err(match e {
            OidcError::Store(s) => s.into(),
            other => DashError::Internal(other.to_string()),
        });
    };
    tracing::warn!(reason = %e, "login through the organisation's identity provider refused");
    let offers = Offers::load(state).await?;
    let mut r = form_page(req, Notice::Oidc(notice), &new_login_csrf(), &offers);
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(OIDC_STATE_COOKIE, "", 0, req.tls),
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
    // After a session from the organisation's provider, the page offers to end that one too.
    let to = match dash.actor.auth.method {
        AuthMethod::Oidc => format!("/login?expired=out&sso={}", dash.actor.staff.org),
        AuthMethod::Password => "/login?expired=out".to_owned(),
    };
    let mut r = Redirect::to(&to).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, dash.req.tls),
    );
    Ok(r)
}
