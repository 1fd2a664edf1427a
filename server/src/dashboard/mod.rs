//! The supervisor dashboard: server-rendered HTML pages that work without JavaScript, in Swedish
//! (default) or English, served by `uppsok serve` next to the JSON API.
//!
//! Who sees what is decided by [`crate::access`], the same functions the API and sync use; this
//! module only gathers the facts and renders. Every page that shows client data appends to the
//! access log (`via = "dashboard"`) before it answers, so a page never goes out unlogged.
//!
//! Security of the browser session: login with password and TOTP through the server's own
//! checks ([`crate::auth`], the account lock and the address limiter), a session row of kind
//! `cookie` whose token lives only in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` when the
//! request came over TLS: `X-Forwarded-Proto: https`, or `UPPSOK_COOKIE_SECURE=1`), and a
//! synchronizer CSRF token stored with the session that every POST form must echo (403
//! otherwise). The login form itself is protected by a double-submit cookie.
//!
//! Layout: [`html`] (escaping, page frame), [`i18n`], [`charts`] (inline SVG), [`data`]
//! (loading a team's records through the access rules), [`export`] (CSV and PDF), and one
//! module per page.

mod api_login;
mod audit;
mod away;
mod charts;
mod client;

mod cost;
mod devices;
pub mod export;
mod fidelity;
mod followup;
mod html;
mod i18n;
mod login;
pub mod mileage;
mod notice;
pub mod outcomes;
mod overview;
mod password;
mod phone_enrol;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use uppsok_model::fidelity::Lang;
use uppsok_model::{ClientId, Entity, OrgId, Role, TeamId};

use crate::access::Viewer;
use crate::error::ApiError;
use crate::extract::Actor;
use crate::state::AppState;
use crate::store::{AuditEntry, StoreError, TeamRow};

use crate::store::{AuditAction, Via};
pub use html::esc;
use i18n::tr;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "uppsok_session";
/// The login form's double-submit cookie.
pub const LOGIN_CSRF_COOKIE: &str = "uppsok_login_csrf";
pub const LANG_COOKIE: &str = "uppsok_lang";

/// Default N of "not reached in N days"; `UPPSOK_NOT_REACHED_DAYS` or `?days=` change it.
pub const NOT_REACHED_DAYS: u32 = 7;

/// The dashboard's routes; [`crate::app::app`] merges them so they get the same middleware.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/oidc", get(login::oidc_start))
        .route(crate::oidc::CALLBACK_PATH, get(login::oidc_callback))
        .route("/login/oidc/api", get(api_login::start))
        .route("/enrol/oidc", get(phone_enrol::start))
        .route("/logout", post(login::logout))
        .route("/password", get(password::form).post(password::submit))
        .route("/overview", get(overview::page))
        .route("/fidelity", get(fidelity::page))
        .route("/cost", get(cost::page))
        .route("/cost/report.pdf", get(cost::report_pdf))
        .route("/client/{id}", get(client::page))
        .route("/client/{id}/outcomes", post(outcomes::record))
        .route("/outcomes", get(outcomes::page))
        .route("/mileage", get(mileage::page))
        .route("/mileage/approve", post(mileage::approve))
        .route("/mileage/payroll.csv", get(mileage::payroll_csv))
        .route("/mileage/korjournal", get(mileage::korjournal))
        .route("/mileage/vehicle", get(mileage::vehicle_korjournal))
        .route("/devices", get(devices::page))
        .route(
            "/devices/{id}/revoke",
            get(devices::confirm_revoke).post(devices::revoke),
        )
        .route(
            "/devices/{id}/wipe",
            get(devices::confirm_wipe).post(devices::wipe),
        )
        .route("/devices/{id}/withdraw-wipe", post(devices::withdraw_wipe))
        .route("/audit", get(audit::page))
        .route("/audit/extract.csv", get(audit::extract))
        .route("/audit/followup", get(followup::page).post(followup::save))
        .route("/audit/followup/sample", get(followup::sample_page))
        .route("/audit/followup/{id}", get(followup::show))
        .route("/audit/followups.csv", get(followup::csv))
}

async fn root(dash: Result<Dash, Response>) -> Response {
    match dash {
        Ok(d) if d.is_supervisor() => Redirect::to("/overview").into_response(),
        Ok(_) => Redirect::to("/devices").into_response(),
        // The extractor's own answer: to the login page, or to the password page first.
        Err(r) => r,
    }
}

/// What can go wrong on a page. Rendered as a short HTML page; never holds personal data.
#[derive(Debug, thiserror::Error)]
pub enum DashError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("the form was not sent from this dashboard (CSRF token missing or wrong)")]
    Csrf,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl DashError {
    /// The status and what the page says, in both languages.
    fn texts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            DashError::Store(e) => {
                tracing::error!(error = %e, "dashboard: database error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Ett internt fel inträffade. Försök igen om en stund.",
                    "An internal error occurred. Try again in a while.",
                )
            }
            DashError::Internal(e) => {
                tracing::error!(error = %e, "dashboard: internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Ett internt fel inträffade. Försök igen om en stund.",
                    "An internal error occurred. Try again in a while.",
                )
            }
            DashError::Csrf => (
                StatusCode::FORBIDDEN,
                "Formuläret kom inte från den här sidan (säkerhetskontroll). Ladda om sidan och försök igen.",
                "The form did not come from this dashboard (security check). Reload the page and try again.",
            ),
            DashError::Forbidden(_) => (
                StatusCode::FORBIDDEN,
                "Du har inte behörighet till den här sidan.",
                "You may not open this page.",
            ),
            DashError::NotFound(_) => (
                StatusCode::NOT_FOUND,
                "Sidan eller uppgiften finns inte, eller så får du inte se den.",
                "The page or record does not exist, or you may not see it.",
            ),
            DashError::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                "Förfrågan kunde inte besvaras som den var skriven.",
                "The request could not be answered as it was written.",
            ),
        }
    }
}

/// What an error page says, kept on the response so [`html_errors`] can write the page in the
/// language of the request (the error itself does not know it).
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub sv: &'static str,
    pub en: &'static str,
    /// A Swedish sentence naming the field or rule (never a value that was sent).
    pub detail: String,
}

impl ErrorPage {
    /// The words for a status that no dashboard handler chose (a route that does not exist, a
    /// form or query the extractor could not read, a timeout).
    fn for_status(status: StatusCode) -> Self {
        let (sv, en) = match status.as_u16() {
            404 => (
                "Det finns ingen sida med den adressen.",
                "There is no page at this address.",
            ),
            405 => (
                "Den här sidan tar inte emot den sortens förfrågan.",
                "This page does not take this kind of request.",
            ),
            400 | 422 => (
                "Förfrågan kunde inte läsas: ett fält saknas eller har fel form.",
                "The request could not be read: a field is missing or malformed.",
            ),
            413 => (
                "Förfrågan är större än servern tar emot.",
                "The request is larger than the server accepts.",
            ),
            503 => (
                "Servern hann inte svara. Försök igen om en stund.",
                "The server did not answer in time. Try again in a while.",
            ),
            _ => (
                "Förfrågan kunde inte besvaras.",
                "The request could not be answered.",
            ),
        };
        ErrorPage {
            sv,
            en,
            detail: String::new(),
        }
    }

    fn render(&self, status: StatusCode, lang: Lang, here: &str) -> Response {
        let body = html::error_page(
            lang,
            status.as_u16(),
            here,
            tr(lang, self.sv, self.en),
            &self.detail,
        );
        let mut r = html::respond(body);
        *r.status_mut() = status;
        r.extensions_mut().insert(self.clone());
        r
    }
}

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        let (status, sv, en) = self.texts();
        let detail = match self {
            DashError::BadRequest(m) => m,
            _ => String::new(),
        };
        // Swedish until html_errors, which knows the request, writes it in its language.
        ErrorPage { sv, en, detail }.render(status, Lang::Sv, "/")
    }
}

/// Every error answer outside the JSON API (`/v1`, which keeps problem+json) becomes a styled
/// page in the request's language with a way back: the dashboard's own errors, the router's
/// 404 and 405, the extractors' rejections of a malformed query or form (whose plain-text
/// English would quote the input), and the timeout.
pub async fn html_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path();
    if path == "/v1" || path.starts_with("/v1/") || matches!(path, "/healthz" | "/metrics") {
        return next.run(req).await;
    }
    let (lang, _) = lang_of(req.uri(), req.headers());
    // The path alone: the language switch must not repeat a query that was refused.
    let here = req.uri().path().to_owned();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let page = match res.extensions().get::<ErrorPage>() {
        Some(p) => p.clone(),
        // A page that answers with an error status on purpose (the login form after a wrong
        // password) is already what the user should see.
        None if is_html => return res,
        None => ErrorPage::for_status(status),
    };
    let mut out = page.render(status, lang, &here);
    if let Some(v) = res.headers().get(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    out
}

impl From<ApiError> for DashError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Forbidden(m) => DashError::Forbidden(m),
            ApiError::NotFound(m) => DashError::NotFound(m),
            other => DashError::Internal(other.to_string()),
        }
    }
}

pub type DashResult<T> = Result<T, DashError>;

/// A value of the request's `Cookie` header.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether cookies should be marked `Secure`: the request came over TLS (a reverse proxy says
/// so in `X-Forwarded-Proto`) or the operator says the site is HTTPS only.
pub fn is_tls(headers: &HeaderMap) -> bool {
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    forwarded || std::env::var("UPPSOK_COOKIE_SECURE").is_ok_and(|v| v == "1" || v == "true")
}

/// A `Set-Cookie` value with the flags every dashboard cookie carries.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}");
    // Names and values are ours (ASCII tokens), so the header value is always valid.
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Compares two secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The language of the request: `?lang=` first (and remembered in a cookie), then the cookie,
/// then Swedish.
fn lang_of(uri: &axum::http::Uri, headers: &HeaderMap) -> (Lang, bool) {
    let from_query = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| i18n::parse_lang(v))
    });
    if let Some(l) = from_query {
        return (l, true);
    }
    let from_cookie = cookie(headers, LANG_COOKIE).and_then(i18n::parse_lang);
    (from_cookie.unwrap_or_default(), false)
}

/// The path and query of the request without `lang=`, for the language switch links.
fn here_of(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    let rest: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
        .collect();
    if rest.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", rest.join("&"))
    }
}

/// The page's language and frame facts, available without a session (the login page).
pub struct Req {
    pub lang: Lang,
    pub lang_from_query: bool,
    pub here: String,
    pub tls: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let (lang, lang_from_query) = lang_of(&parts.uri, &parts.headers);
        Ok(Req {
            lang,
            lang_from_query,
            here: here_of(&parts.uri),
            tls: is_tls(&parts.headers),
        })
    }
}

impl Req {
    /// Adds the language cookie when the language was chosen in this request.
    pub fn finish(&self, mut r: Response) -> Response {
        if self.lang_from_query {
            let v = match self.lang {
                Lang::Sv => "sv",
                Lang::En => "en",
            };
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(LANG_COOKIE, v, 365 * 24 * 3600, self.tls),
            );
        }
        r
    }
}

/// A logged-in supervisor or admin on a dashboard page.
pub struct Dash {
    pub actor: Actor,
    pub req: Req,
}

impl FromRequestParts<AppState> for Dash {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let req = Req::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|e| match e {});
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/login").into_response());
        };
        let actor = match Actor::from_session_token(state, token).await {
            Ok(a) if a.session.kind == crate::store::SessionKind::Cookie => a,
            Ok(_) => return Err(Redirect::to("/login").into_response()),
            Err(ApiError::Unauthenticated(m)) if m.contains("expired") => {
                return Err(Redirect::to("/login?expired=1").into_response());
            }
            Err(ApiError::Unauthenticated(_)) => {
                return Err(Redirect::to("/login").into_response());
            }
            Err(e) => return Err(DashError::from(e).into_response()),
        };
        if !matches!(actor.staff.role, Role::Supervisor | Role::Admin) {
            return Err(
                DashError::Forbidden("the dashboard is for supervisors and admins").into_response(),
            );
        }
        // A password set by an admin is changed before anything else is shown.
        if actor.must_change_password && !matches!(parts.uri.path(), "/password" | "/logout") {
            return Err(Redirect::to("/password").into_response());
        }
        Ok(Dash { actor, req })
    }
}

impl Dash {
    pub fn viewer(&self) -> Viewer {
        self.actor.viewer()
    }

    pub fn lang(&self) -> Lang {
        self.req.lang
    }

    pub fn csrf(&self) -> &str {
        &self.actor.session.csrf
    }

    pub fn is_supervisor(&self) -> bool {
        self.actor.staff.role == Role::Supervisor
    }

    /// 403 unless a supervisor: the client-data pages are theirs (admins see no client data).
    pub fn require_supervisor(&self) -> DashResult<()> {
        if self.is_supervisor() {
            Ok(())
        } else {
            Err(DashError::Forbidden(
                "client data pages are for supervisors",
            ))
        }
    }

    /// The CSRF check of a POST: the form's token must equal the session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> DashResult<()> {
        match sent {
            Some(t) if same_secret(t, &self.actor.session.csrf) => Ok(()),
            _ => Err(DashError::Csrf),
        }
    }

    /// An access-log entry for this user through the dashboard.
    pub fn audit(&self, action: AuditAction) -> AuditEntry {
        let mut e = self.actor.audit(action);
        e.via = Via::Dashboard;
        e
    }

    /// An access-log entry about one client.
    pub fn audit_client(
        &self,
        action: AuditAction,
        client: ClientId,
        team: TeamId,
        org: OrgId,
    ) -> AuditEntry {
        AuditEntry {
            entity: Some(Entity::Client),
            client: Some(client),
            record: Some(client.0),
            team: Some(team),
            record_org: Some(org),
            ..self.audit(action)
        }
    }

    /// The page frame and the response, with the language cookie when one was chosen.
    pub fn render(
        &self,
        title: &str,
        nav: html::Nav,
        team: Option<&TeamRow>,
        body: &str,
    ) -> Response {
        let team_query = team.map(|t| format!("?team={}", t.id)).unwrap_or_default();
        let frame = html::Frame {
            lang: self.lang(),
            title,
            nav,
            user: Some(&self.actor.staff.name),
            csrf: Some(self.csrf()),
            here: &self.req.here,
            team_query: &team_query,
            supervisor: self.is_supervisor(),
        };
        self.req.finish(html::respond(html::page(&frame, body)))
    }

    /// The team a page is about: `?team=` if it is one of the viewer's, else their first team
    /// (by name). Admins have no team pages.
    pub async fn team(&self, state: &AppState, wanted: Option<&str>) -> DashResult<TeamRow> {
        let v = self.viewer();
        if let Some(w) = wanted.filter(|w| !w.is_empty()) {
            let id: TeamId = w
                .parse()
                .map_err(|_| DashError::BadRequest("Fältet team ska vara ett team-id.".into()))?;
            if !v.teams.contains(&id) {
                return Err(DashError::NotFound("team"));
            }
            return state
                .store
                .team(id)
                .await?
                .ok_or(DashError::NotFound("team"));
        }
        let mut teams = Vec::new();
        for t in &v.teams {
            if let Some(row) = state.store.team(*t).await? {
                teams.push(row);
            }
        }
        teams.sort_by(|a, b| a.name.cmp(&b.name));
        teams.into_iter().next().ok_or(DashError::NotFound("team"))
    }

    /// A `<select>` to switch team when the viewer has several; empty otherwise.
    pub async fn team_picker(&self, state: &AppState, current: &TeamRow) -> DashResult<String> {
        let v = self.viewer();
        if v.teams.len() < 2 {
            return Ok(String::new());
        }
        let mut opts = String::new();
        for t in &v.teams {
            if let Some(row) = state.store.team(*t).await? {
                let sel = if row.id == current.id {
                    " selected"
                } else {
                    ""
                };
                opts.push_str(&format!(
                    "<option value=\"{}\"{sel}>{}</option>",
                    row.id,
                    esc(&row.name)
                ));
            }
        }
        let l = self.lang();
        Ok(format!(
            "<form class=\"filters\" method=\"get\"><label>{}<select name=\"team\">{opts}</select></label>\
             <button type=\"submit\">{}</button></form>",
            tr(l, "Team", "Team"),
            tr(l, "Visa", "Show")
        ))
    }
}
