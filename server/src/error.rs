//! The HTTP error of the server and its one mapping to `application/problem+json` (RFC 9457).
//!
//! Each variant has a stable `type` URI (`https://uppsok.se/problems/<slug>`) that clients
//! branch on, and a `detail` for people. Details never hold personal data or tokens; internal
//! errors are logged with their cause and answered with a generic message.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

pub use uppsok_model::protocol::problem::{PROBLEM_BASE, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    MalformedJson(String),
    #[error("{0}")]
    InvalidBody(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    InvalidPath(String),
    #[error("{field}: {rule}")]
    Validation { field: String, rule: String },
    #[error("the request body is larger than this server accepts")]
    PayloadTooLarge,
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("send the body uncompressed or with Content-Encoding: gzip")]
    UnsupportedEncoding,
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("this device was revoked")]
    DeviceRevoked { wipe: bool },
    #[error("wrong username, password or code")]
    InvalidCredentials,
    #[error("this account needs a one-time code from the authenticator app (field `totp`)")]
    TotpRequired,
    #[error("the account is locked after too many failed logins")]
    AccountLocked { until_ms: i64 },
    #[error("too many attempts from this address; try again later")]
    RateLimited { retry_after_s: u64 },
    #[error("the enrolment code is unknown, used or expired")]
    EnrolmentRefused,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("this account must change its password first (POST /v1/auth/password)")]
    PasswordChangeRequired,
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("internal error")]
    Internal(String),
    #[error("the database is not reachable")]
    Unavailable,
    #[error("the request took longer than this server allows")]
    Timeout,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        use ApiError::*;
        match self {
            MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed-json", "Malformed JSON"),
            InvalidBody(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-body",
                "Invalid request body",
            ),
            InvalidQuery(_) => (
                StatusCode::BAD_REQUEST,
                "invalid-query",
                "Invalid query parameters",
            ),
            InvalidPath(_) => (
                StatusCode::BAD_REQUEST,
                "invalid-path",
                "Invalid path parameter",
            ),
            Validation { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-failed",
                "Validation failed",
            ),
            PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload too large",
            ),
            UnsupportedMediaType | UnsupportedEncoding => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Unauthenticated(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Not authenticated",
            ),
            DeviceRevoked { .. } => (StatusCode::UNAUTHORIZED, "device-revoked", "Device revoked"),
            InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Invalid credentials",
            ),
            TotpRequired => (
                StatusCode::UNAUTHORIZED,
                "totp-required",
                "Second factor required",
            ),
            AccountLocked { .. } => (StatusCode::LOCKED, "account-locked", "Account locked"),
            RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many attempts",
            ),
            EnrolmentRefused => (
                StatusCode::BAD_REQUEST,
                "enrolment-refused",
                "Enrolment refused",
            ),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            PasswordChangeRequired => (
                StatusCode::FORBIDDEN,
                "password-change-required",
                "Password change required",
            ),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
            Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
            ),
            Timeout => (StatusCode::SERVICE_UNAVAILABLE, "timeout", "Timed out"),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    pub fn slug(&self) -> &'static str {
        self.parts().1
    }

    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        Problem {
            kind: format!("{PROBLEM_BASE}{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: self.to_string(),
            field: match self {
                ApiError::Validation { field, .. } => Some(field.clone()),
                _ => None,
            },
            wipe: match self {
                ApiError::DeviceRevoked { wipe } => Some(*wipe),
                _ => None,
            },
            locked_until: match self {
                ApiError::AccountLocked { until_ms } => {
                    chrono::DateTime::from_timestamp_millis(*until_ms).map(|d| d.to_rfc3339())
                }
                _ => None,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %cause, "internal error");
        }
        let problem = self.problem();
        let status = self.status();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            ApiError::RateLimited { retry_after_s } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            ApiError::Unauthenticated(_)
            | ApiError::DeviceRevoked { .. }
            | ApiError::InvalidCredentials
            | ApiError::TotpRequired => {
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"uppsok\""),
                );
            }
            _ => {}
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(what) => ApiError::Conflict(what),
            StoreError::Invalid(what) => ApiError::Validation {
                field: "record".into(),
                rule: what,
            },
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => ApiError::Unavailable,
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<uppsok_model::ValidationError> for ApiError {
    fn from(e: uppsok_model::ValidationError) -> Self {
        ApiError::Validation {
            field: e.field.to_owned(),
            rule: e.rule,
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => ApiError::InvalidBody(shape_error(&r.body_text())),
            _ => match r {
                JsonRejection::JsonSyntaxError(_) => {
                    ApiError::MalformedJson("the body is not valid JSON".into())
                }
                _ => ApiError::MalformedJson("the request body could not be read".into()),
            },
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        ApiError::InvalidQuery(if let Some(expected) = text.split_once(", expected") {
            format!(
                "this route takes no such query parameter (expected{})",
                expected.1
            )
        } else {
            "a query parameter has a malformed value".into()
        })
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::InvalidPath("a path parameter is malformed".into())
    }
}

/// serde's messages quote the input (`invalid type: string "Anna", expected …`), and a detail
/// must never copy what was sent. Keep the field path and what was expected.
fn shape_error(text: &str) -> String {
    let text = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(text);
    let text = text.split(" at line ").next().unwrap_or(text);
    if text.starts_with("missing field") {
        return text.to_owned();
    }
    if let Some((_, expected)) = text.split_once("unknown field")
        && let Some((_, expected)) = expected.split_once(", expected")
    {
        return format!("a field is not one this request takes (expected{expected})");
    }
    let field = text.split_once(": ").map(|(f, _)| f).filter(|f| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c))
    });
    let expected = text
        .rsplit_once(", expected ")
        .map(|(_, e)| format!(" (expected {e})"))
        .unwrap_or_default();
    match field {
        Some(f) => format!("{f}: wrong type or value{expected}"),
        None => format!("the body does not have this request's shape{expected}"),
    }
}

/// Answers the bare error responses of the middleware (the timeout's 503, the decompression
/// layer's 415) as problem documents like every other error.
pub async fn problem_for_bare_errors(res: Response) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    let error = match status {
        StatusCode::SERVICE_UNAVAILABLE => ApiError::Timeout,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedEncoding,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::NOT_FOUND => ApiError::NotFound("route"),
        _ => return res,
    };
    let mut problem = error.into_response();
    // Keep what the layer said besides the status (e.g. `Accept-Encoding` on a 415).
    for (name, value) in res.headers() {
        problem
            .headers_mut()
            .entry(name)
            .or_insert_with(|| value.clone());
    }
    problem
}

pub type ApiResult<T> = Result<T, ApiError>;
