//! `POST /v1/sync`: the HTTP side of device sync (docs/design.md §5, `uppsok_model::protocol`);
//! the rules it applies are in [`crate::sync`].
//!
//! One request is one round trip: authenticate the device, check the protocol version, read the
//! (already gunzipped, size-bounded) body, judge the pushed changes ([`apply`](crate::sync::apply)), write them
//! exactly once with their access log and the device's counters, commit, pull what the user may
//! see since the cursor ([`pull`](crate::sync::pull)) with its own access log, answer. Writes and pull are one
//! transaction on SQLite; on PostgreSQL the pull reads right after the commit, outside the
//! writers' queue (see `run`). The reply is gzip-compressed by the router's compression layer
//! when the phone accepts it.
//!
//! Choices a phone relies on:
//! * A revoked device gets `401` with the `device-revoked` problem and `wipe: bool` (the same
//!   answer as every other device route), checked before anything else so even an outdated app
//!   learns it must wipe; a device revoked while its request runs is answered the same way and
//!   nothing of the request is kept. A `200` therefore always says `status: active`.
//! * An app whose `Uppsok-Protocol` is missing or older than `MIN_PROTOCOL_VERSION` gets `426`
//!   with [`OUTDATED_CLIENT_TYPE`] and a message to show as it is.
//! * More than `MAX_PUSH` changes is `413` (nothing applied); a body over [`BODY_LIMIT`] bytes
//!   after decompression is `413` too (a gzip bomb stops there).

use std::future::poll_fn;
use std::pin::Pin;

use axum::body::{Body, HttpBody};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{SubsecRound, Utc};
use uppsok_model::protocol::history::window_days;
use uppsok_model::protocol::mileage_terms::{MAX_TAG_LEN, MileageTerms};
use uppsok_model::protocol::{
    DeviceStatus, MAX_ACCESS_EVENTS, MAX_PULL, MAX_PUSH, MIN_PROTOCOL_VERSION,
    OUTDATED_CLIENT_TYPE, PROTOCOL_HEADER, PROTOCOL_VERSION, SyncRequest, SyncResponse,
};
use uppsok_model::{ClientId, CodePattern, Entity, TeamId};

use crate::error::{ApiError, PROBLEM_BASE, Problem};
use crate::extract::DeviceAuth;
use crate::state::AppState;
use crate::store::sync_writes::DeviceTouch;

use crate::store::{AuditAction, now_ms};
use crate::sync::access_events;
use crate::sync::apply::{self, Sender};
use crate::sync::pull;

/// The most bytes a sync body may have once decompressed: `MAX_PUSH` records of the largest
/// realistic size (a visit with a 4,000-character note is under 17 kB) with room to spare.
pub const BODY_LIMIT: usize = 12 * 1024 * 1024;

/// The most JSON values a sync body may hold: `MAX_PUSH` changes of about a hundred values each,
/// ten times over. Each parsed value costs tens of bytes, so a 12 MiB body of tiny values
/// (`[0,0,0,…]`, a few KiB gzipped) would otherwise cost hundreds of MiB to parse.
pub const MAX_VALUES: usize = MAX_PUSH * 1000;

/// Longest `app_version` kept for the devices page.
const APP_VERSION_MAX: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "This version of the Uppsök app is too old to sync with this server. Update the app; \
         everything you logged stays on the phone and is sent after the update."
    )]
    Outdated,
    #[error(
        "a sync request may push at most {MAX_PUSH} changes (this one has {0}); send the rest in the next request"
    )]
    TooManyChanges(usize),
    #[error(
        "a sync request may carry at most {MAX_ACCESS_EVENTS} access events (this one has {0}); send the rest in the next request"
    )]
    TooManyAccessEvents(usize),
    #[error("the sync request body is larger than {BODY_LIMIT} bytes once decompressed")]
    BodyTooLarge,
    #[error(
        "the sync request holds more than {MAX_VALUES} JSON values; send fewer changes per request"
    )]
    TooManyValues,
    #[error("the request body could not be read (an incomplete or corrupt gzip stream?)")]
    UnreadableBody,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<crate::store::StoreError> for SyncError {
    fn from(e: crate::store::StoreError) -> Self {
        SyncError::Api(e.into())
    }
}

impl SyncError {
    fn problem(&self, status: StatusCode, kind: String, title: &'static str) -> Response {
        let problem = Problem {
            kind,
            title: title.into(),
            status: status.as_u16(),
            detail: self.to_string(),
            field: None,
            wipe: None,
            locked_until: None,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

impl IntoResponse for SyncError {
    fn into_response(self) -> Response {
        match &self {
            SyncError::Outdated => self.problem(
                StatusCode::UPGRADE_REQUIRED,
                OUTDATED_CLIENT_TYPE.to_owned(),
                "App update required",
            ),
            SyncError::TooManyChanges(_)
            | SyncError::TooManyAccessEvents(_)
            | SyncError::BodyTooLarge
            | SyncError::TooManyValues => self.problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{PROBLEM_BASE}payload-too-large"),
                "Payload too large",
            ),
            SyncError::UnreadableBody => self.problem(
                StatusCode::BAD_REQUEST,
                format!("{PROBLEM_BASE}malformed-body"),
                "Unreadable body",
            ),
            SyncError::Api(_) => match self {
                SyncError::Api(e) => e.into_response(),
                _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            },
        }
    }
}

/// One sync round trip of an enrolled phone: push up to 500 changes, pull what its user may see
/// since `cursor`. Bodies may be gzip-compressed (`Content-Encoding: gzip`); a body over 12 MiB
/// once decompressed is refused. Error answers carry the server's `Uppsok-Protocol`.
#[utoipa::path(post, path = "/v1/sync", request_body = SyncRequest, security(("device" = [])),
    params(("Uppsok-Protocol" = i64, Header, minimum = 1, maximum = 4294967295_i64,
        description = "the protocol version the app speaks; missing or older than the server's oldest is 426")),
    responses((status = 200, description = "the results of the pushed changes and the pulled ones", body = SyncResponse),
              (status = 400, description = "`malformed-body`: the (gzip) body could not be read"),
              (status = 401, description = "checked before anything else, so even an outdated app learns it must wipe"),
              (status = 413, description = "`payload-too-large`: more than 500 changes, too many JSON values, or over 12 MiB decompressed; nothing applied"),
              (status = 422, description = "`validation-failed`: `app_version` too long or with control characters, `mileage_terms` longer than 64 characters, or `cursor` beyond any sequence number"),
              (status = 426, description = "`outdated-client`: the app must be updated; `detail` is a message to show as it is")))]
pub async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    device: Result<DeviceAuth, ApiError>,
    body: Body,
) -> Response {
    match run(&state, &headers, device, body).await {
        // A 200 is in the version the phone asked for; an idle sync stays small without it.
        Ok(r) => r,
        Err(e) => {
            let mut res = e.into_response();
            res.headers_mut()
                .insert(PROTOCOL_HEADER, HeaderValue::from(PROTOCOL_VERSION));
            res
        }
    }
}

/// The protocol version the request speaks; `Err` when missing, unreadable or too old.
pub fn check_protocol(headers: &HeaderMap) -> Result<u32, SyncError> {
    headers
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|v| *v >= MIN_PROTOCOL_VERSION)
        .ok_or(SyncError::Outdated)
}

/// Reads the body (decompressed by the router's layer) up to `limit` bytes.
async fn read_body(mut body: Body, limit: usize) -> Result<Vec<u8>, SyncError> {
    let mut buf = Vec::new();
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            // A length-limit or decoder error from an inner layer; either way the body is
            // unusable. Say which when we can.
            let text = e.to_string();
            if text.contains("length limit") {
                SyncError::BodyTooLarge
            } else {
                SyncError::UnreadableBody
            }
        })?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(SyncError::BodyTooLarge);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}

/// Counts the body's JSON values from the bytes alone (commas and openings outside strings, an
/// upper bound), stopping as soon as `max` is passed. Linear, allocation-free.
fn more_values_than(bytes: &[u8], max: usize) -> bool {
    let (mut in_string, mut escaped, mut n) = (false, false, 1usize);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' => {
                n += 1;
                if n > max {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// serde_json's messages can quote the input (a name, a note); keep only what names the rule.
fn describe_json_error(e: &serde_json::Error) -> ApiError {
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            ApiError::MalformedJson(format!("the body is not valid JSON ({at})"))
        }
        serde_json::error::Category::Io => {
            ApiError::MalformedJson("the body could not be read".into())
        }
        serde_json::error::Category::Data => {
            let msg = e.to_string();
            let safe = if msg.starts_with("missing field") || msg.starts_with("unknown field") {
                msg.split(" at line ").next().unwrap_or("").to_owned()
            } else {
                "a field has the wrong type or shape".to_owned()
            };
            ApiError::InvalidBody(format!("the body is not a sync request: {safe} ({at})"))
        }
    }
}

async fn run(
    state: &AppState,
    headers: &HeaderMap,
    device: Result<DeviceAuth, ApiError>,
    body: Body,
) -> Result<Response, SyncError> {
    // A revoked device hears it first, whatever else is wrong with the request: a lost phone
    // with an old app must still wipe itself.
    let device = match device {
        Err(e @ ApiError::DeviceRevoked { .. }) => return Err(e.into()),
        other => other,
    };
    check_protocol(headers)?;
    let device = device?;
    let bytes = read_body(body, BODY_LIMIT).await?;
    if more_values_than(&bytes, MAX_VALUES) {
        return Err(SyncError::TooManyValues);
    }
    let req: SyncRequest = serde_json::from_slice(&bytes).map_err(|e| describe_json_error(&e))?;
    if req.changes.len() > MAX_PUSH {
        return Err(SyncError::TooManyChanges(req.changes.len()));
    }
    if req.access_events.len() > MAX_ACCESS_EVENTS {
        return Err(SyncError::TooManyAccessEvents(req.access_events.len()));
    }
    if let Some(v) = &req.app_version
        && (v.chars().count() > APP_VERSION_MAX || v.chars().any(char::is_control))
    {
        return Err(ApiError::Validation {
            field: "app_version".into(),
            rule: format!(
                "must be at most {APP_VERSION_MAX} characters without control characters"
            ),
        }
        .into());
    }
    if req
        .mileage_terms
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_TAG_LEN)
    {
        return Err(ApiError::Validation {
            field: "mileage_terms".into(),
            rule: format!("must be at most {MAX_TAG_LEN} characters"),
        }
        .into());
    }
    let terms_held = req.mileage_terms.clone();
    let cursor = i64::try_from(req.cursor).map_err(|_| ApiError::Validation {
        field: "cursor".into(),
        rule: "is larger than any sequence number".into(),
    })?;
    let limit = req
        .pull_limit
        .map_or(MAX_PULL, |l| (l as usize).clamp(1, MAX_PULL));

    let last_cursor = device.device.last_cursor;
    let last_sync_ms = device.device.last_sync_ms;
    let team_ids: Vec<TeamId> = device.staff.teams.clone();
    let patterns = state
        .store
        .team_patterns(&team_ids)
        .await?
        .into_iter()
        .map(|(t, p)| (t, CodePattern(p)))
        .collect();
    let sender = Sender {
        device: device.device.id,
        staff: device.staff.id,
        username: device.staff.username.clone(),
        org: device.staff.org,
        viewer: device.viewer(),
        patterns,
        audit_base: device.audit(AuditAction::Read),
        knows_outcomes: req.knows_outcomes,
    };

    let now = Utc::now();
    let prepared = apply::prepare(&sender, &req.changes, now);
    let app_version = req.app_version;
    let pushed = req.changes;
    let access = req.access_events;
    // Where the pull runs. On SQLite inside the group commit, under the gate: each statement
    // is an in-process call, and its access-log rows ride in the batch's one commit (a separate
    // audit transaction would need the one write lock and a second fsync). On PostgreSQL after
    // the commit, on a connection of its own: every statement under the gate is a network round
    // trip that all other syncs wait for, and the pull's six need nothing the gate protects —
    // sequence order is commit order, so a fresh snapshot from the cursor sees this request's
    // writes and everything committed before them.
    let pull_in_group = state.store.backend() == "sqlite";
    let group_sender = sender.clone();
    let (applied, pulled) = state
        .store
        .sync_group::<_, SyncError>(Box::new(move |tx| {
            Box::pin(async move {
                let sender = group_sender;
                let mut applied =
                    apply::apply_batch(tx, &sender, &pushed, prepared, cursor).await?;
                let audit = std::mem::take(&mut applied.audit);
                let writes = std::mem::take(&mut applied.writes);
                let status = tx
                    .write_sync(
                        &writes,
                        &audit,
                        DeviceTouch {
                            device: sender.device,
                            app_version: app_version.as_deref(),
                            applied: applied.applied,
                            rejected: applied.rejected,
                        },
                    )
                    .await?;
                match status.as_deref() {
                    Some("active") => {}
                    // Revoked while this request ran: keep nothing of it, and say so as the
                    // extractor would.
                    Some("wipe") => return Err(ApiError::DeviceRevoked { wipe: true }.into()),
                    _ => return Err(ApiError::DeviceRevoked { wipe: false }.into()),
                }
                for client in std::mem::take(&mut applied.consent_changed) {
                    tx.resequence_client_records(client).await?;
                }
                // The phone's access log, after the writes so a client created in this same
                // request is known; each event id once (see `access_events`).
                let logged = if access.is_empty() {
                    Vec::new()
                } else {
                    let mut ids: Vec<uuid::Uuid> = access.iter().map(|e| e.client.0).collect();
                    ids.sort();
                    ids.dedup();
                    let clients = tx
                        .sync_rows(Entity::Client, &ids)
                        .await?
                        .iter()
                        .filter_map(|row| {
                            Some((
                                ClientId(row.id),
                                crate::access::ClientFacts {
                                    team: row.team?,
                                    org: row.org,
                                    consent_given: row.consent_given,
                                },
                            ))
                        })
                        .collect();
                    let stamped = access_events::entries(&sender, &access, &clients, now_ms());
                    tx.append_journalled(&stamped, true).await?;
                    stamped
                };
                applied.access_logged = logged;
                // The pull comes after the writes: it must carry what they moved for this
                // device (see `apply`'s convergence rule).
                let pulled = if pull_in_group {
                    let p = pull::pull(tx, &sender, cursor, limit, last_cursor).await?;
                    // Journalled once the group commits, before this request is answered.
                    tx.append_audit(&p.audit).await?;
                    Some(p)
                } else {
                    None
                };
                Ok((applied, pulled))
            })
        }))
        .await?;
    // Committed with the sync and, like its other access-log entries, on disk in the journal
    // before anything is answered (a replayed event id is skipped on restore, as it is in the
    // table).
    let access_logged: Vec<uuid::Uuid> = applied.access_logged.iter().map(|s| s.id).collect();
    let pulled = match pulled {
        Some(p) => p,
        None => {
            let mut tx = state.store.begin_read().await?;
            let pulled = pull::pull(&mut tx, &sender, cursor, limit, last_cursor).await?;
            tx.commit().await?;
            // Durable before anything is answered (the access log's rule).
            state.store.append_audit(&pulled.audit).await?;
            pulled
        }
    };
    let changes = pull::render(pulled.rows);
    // The window of the device's organisation goes in every reply that carries records, and in
    // any reply to a phone that may not know it yet (a first or restored pull, or a setting
    // made or come into force since its last sync): an idle sync stays as small as it was.
    let (window_months, window_since) = state
        .store
        .phone_window_in_force(sender.org, uppsok_model::fidelity::swedish_date(now))
        .await?;
    let tell_window = cursor == 0
        || pulled.restored
        || !changes.is_empty()
        || last_sync_ms.is_none_or(|last| window_since >= last);
    // The mileage terms go only to a phone that holds other ones (an ETag): three indexed
    // reads, and no bytes on an idle reply.
    let terms = MileageTerms::new(
        state.store.rate_schedule(sender.org).await?,
        state.store.home_work_of(device.staff.id).await?,
    );
    let mileage_terms = (terms_held.as_deref() != Some(terms.tag.as_str())).then_some(terms);
    let resp = SyncResponse {
        results: applied.results,
        changes,
        cursor: pulled.cursor.max(0) as u64,
        has_more: pulled.has_more,
        status: DeviceStatus::Active,
        // Milliseconds are all a phone's clock check needs (and six bytes fewer per reply).
        server_time: now.trunc_subsecs(3),
        restored: pulled.restored,
        access_logged,
        history_window_days: tell_window.then(|| window_days(window_months)),
        mileage_terms,
    };
    let body = serde_json::to_vec(&resp)
        .map_err(|e| ApiError::Internal(format!("sync response does not serialise: {e}")))?;
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_outside_strings() {
        assert!(!more_values_than(br#"{"cursor":0,"changes":[]}"#, 4));
        assert!(more_values_than(b"[0,0,0,0,0]", 4));
        // Commas and brackets inside strings (escaped quotes too) are text, not values.
        assert!(!more_values_than(br#"["a,b,c,[{","x\",,,,"]"#, 3));
        let bomb = format!("[{}0]", "0,".repeat(MAX_VALUES));
        assert!(more_values_than(bomb.as_bytes(), MAX_VALUES));
    }
}
