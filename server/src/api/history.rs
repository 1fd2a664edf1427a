//! `GET /v1/clients/{id}/history?before=YYYY-MM-DD`: a client's contacts and outcomes older than
//! a day, for a phone that keeps only its window of history (docs/sync-device.md, "The history
//! window") and shows the rest on demand while online, without storing it.
//!
//! Device tokens only. What the phone gets is decided by the pull's own judgement
//! ([`crate::sync::pull::judge`]): the user's teams, the other organisation's records only while
//! the client's consent is in force (for outcomes: with a scope that covers them), never the
//! other organisation's notes. A client the user may not see is `404`, the same answer as one
//! that does not exist. Every answer is one access-log entry, an opening of the client's history
//! via the phone, committed before the response is sent.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;
use uppsok_model::protocol::history::{HistoryResponse, MAX_HISTORY};
use uppsok_model::{ClientId, Entity, TeamId};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::access::{self, ClientFacts};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery, DeviceAuth};
use crate::state::AppState;
use crate::store::sync::PullRow;
use crate::store::{AuditAction, Via};
use crate::sync::pull::{Verdict, judge};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only what is from before this day (`YYYY-MM-DD`; a contact's start, an outcome's day,
    /// in UTC): the first day the phone still holds.
    #[param(value_type = String, format = Date)]
    pub before: NaiveDate,
}

/// A client's contacts and outcomes from before `before`, newest first, at most 500 of each
/// kind (`next_before` says where to go on). Logged as an opening of the client's history via
/// the phone.
#[utoipa::path(get, path = "/v1/clients/{id}/history", security(("device" = [])),
    params(("id" = Uuid, Path, description = "client id"), HistoryQuery),
    responses((status = 200, description = "the client's older contacts and outcomes this device's user may see", body = HistoryResponse),
              (status = 404, description = "`not-found`: no such client, or not one the user may see")))]
pub async fn history(
    State(state): State<AppState>,
    device: DeviceAuth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<HistoryResponse>> {
    let v = device.viewer();
    let client = state
        .store
        .record(Entity::Client, id)
        .await?
        .filter(|r| !r.deleted)
        .and_then(|r| {
            Some(ClientFacts {
                team: r.team?,
                org: r.client_org.unwrap_or(r.org),
                consent_given: r.client_consent.unwrap_or(false),
            })
        })
        .filter(|c| access::may_see_client(&v, c))
        .ok_or(ApiError::NotFound("client"))?;
    let before_ms = day_start_ms(q.before);
    let teams: Vec<TeamId> = v.teams.iter().copied().collect();
    let mut tx = state.store.begin_read().await?;
    let mut kinds = Vec::with_capacity(2);
    for entity in [Entity::Visit, Entity::Outcome] {
        let rows = tx
            .history_scan(
                entity,
                ClientId(id),
                before_ms,
                &teams,
                v.org,
                MAX_HISTORY as i64 + 1,
            )
            .await?;
        kinds.push(visible(&v, rows));
    }
    tx.commit().await?;
    let outcomes = kinds.pop().unwrap_or_default();
    let visits = kinds.pop().unwrap_or_default();
    let (visits, outcomes, next_before) = page(visits, outcomes, q.before, MAX_HISTORY);

    let mut entry = device.audit(AuditAction::List);
    entry.via = Via::Phone;
    entry.entity = Some(Entity::Visit);
    entry.client = Some(ClientId(id));
    entry.team = Some(client.team);
    entry.record_org = Some(client.org);
    // Durable before anything is answered (the access log's rule).
    state.store.append_audit(&[entry]).await?;
    Ok(Json(HistoryResponse {
        before: q.before,
        visits: visits.into_iter().map(|(_, body)| body).collect(),
        outcomes: outcomes.into_iter().map(|(_, body)| body).collect(),
        next_before,
    }))
}

fn day_start_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(i64::MIN, |t| t.and_utc().timestamp_millis())
}

/// The rows the pull would send, with their day, as the phone reads them (notes removed where
/// the rules say so). A stored body that does not parse is left out, as the pull does.
fn visible(v: &access::Viewer, rows: Vec<PullRow>) -> Vec<(NaiveDate, Value)> {
    rows.into_iter()
        .filter_map(|row| {
            let Verdict::Send { strip_note } = judge(v, &row) else {
                return None;
            };
            let mut body: Value = serde_json::from_str(&row.body).ok()?;
            if strip_note && let Some(obj) = body.as_object_mut() {
                obj.remove("note");
            }
            let day = day_of(row.entity, &body)?;
            Some((day, body))
        })
        .collect()
}

/// A contact's day is its start's (UTC), an outcome's its own.
fn day_of(entity: Entity, body: &Value) -> Option<NaiveDate> {
    match entity {
        Entity::Outcome => body.get("day")?.as_str()?.parse().ok(),
        _ => body
            .get("start")?
            .as_str()?
            .parse::<DateTime<Utc>>()
            .ok()
            .map(|t| t.date_naive()),
    }
}

type Dated = Vec<(NaiveDate, Value)>;

/// Ends a page at a whole day, the same one for both kinds, so that asking again with
/// `next_before` neither skips nor repeats anything. Each list is newest first and holds at
/// most `max + 1` rows; a list with more than `max` has more beyond its `max`-th row's day, so
/// that day goes whole to the next page. Only if that would leave the page empty (over `max`
/// records on one day, which a person cannot log) is the page cut inside the day.
fn page(
    mut visits: Dated,
    mut outcomes: Dated,
    before: NaiveDate,
    max: usize,
) -> (Dated, Dated, Option<NaiveDate>) {
    let boundary = [&visits, &outcomes]
        .into_iter()
        .filter(|l| l.len() > max)
        .map(|l| l[max - 1].0)
        .max();
    let Some(day) = boundary else {
        return (visits, outcomes, None);
    };
    match day
        .checked_add_days(Days::new(1))
        .filter(|next| *next < before)
    {
        Some(next) => {
            visits.retain(|(d, _)| *d > day);
            outcomes.retain(|(d, _)| *d > day);
            (visits, outcomes, Some(next))
        }
        None => {
            visits.truncate(max);
            outcomes.truncate(max);
            (visits, outcomes, Some(day))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, day).unwrap()
    }

    fn list(days: &[u32]) -> Dated {
        days.iter().map(|x| (d(*x), Value::from(*x))).collect()
    }

    #[test]
    fn a_short_history_is_one_page() {
        let (v, o, next) = page(list(&[9, 5]), list(&[7]), d(20), 3);
        assert_eq!((v.len(), o.len(), next), (2, 1, None));
    }

    #[test]
    fn a_long_history_ends_at_a_whole_day_for_both_kinds() {
        // Visits: 4 rows with max 3 → day 6 (the 3rd) may have more: it goes whole.
        let (v, o, next) = page(list(&[9, 8, 6, 6]), list(&[9, 6, 2]), d(20), 3);
        assert_eq!(v, list(&[9, 8]));
        assert_eq!(
            o,
            list(&[9]),
            "an outcome of the boundary day comes with the next page"
        );
        assert_eq!(next, Some(d(7)));
        // The next page asks for before day 7: it starts exactly at day 6.
    }

    #[test]
    fn a_page_never_comes_back_empty_with_the_same_day() {
        let (v, _, next) = page(list(&[19, 19, 19, 19]), Vec::new(), d(20), 3);
        assert_eq!((v.len(), next), (3, Some(d(19))));
    }
}
