//! Phones: each enrolled device's user, status, last sync, app version and the changes the
//! server rejected; revoke (the token stops working) and wipe (the phone also destroys its
//! data at its next contact), each a POST with the session's CSRF token. Who may manage which
//! device is [`crate::access::may_manage_device`].

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppsok_model::{DeviceId, Role, StaffId};

use super::html::{Nav, attr, csrf_field, esc};
use super::i18n::{self, tr};
use super::{Dash, DashError, DashResult};
use crate::access;
use crate::state::AppState;
use crate::store::{DeviceRow, DeviceStatus, StaffRow};

/// The staff whose devices the viewer may manage.
async fn manageable_staff(state: &AppState, dash: &Dash) -> DashResult<Vec<StaffRow>> {
    let v = dash.viewer();
    let staff = match v.role {
        Role::Admin => state.store.list_staff(Some(v.org), None).await?,
        _ => {
            let teams: Vec<_> = v.teams.iter().copied().collect();
            state.store.list_staff(Some(v.org), Some(&teams)).await?
        }
    };
    Ok(staff
        .into_iter()
        .filter(|s| access::may_manage_device(&v, s.org, &s.teams))
        .collect())
}

pub async fn page(State(state): State<AppState>, dash: Dash) -> DashResult<Response> {
    let l = dash.lang();
    let staff = manageable_staff(&state, &dash).await?;
    let by_id: HashMap<StaffId, &StaffRow> = staff.iter().map(|s| (s.id, s)).collect();
    let ids: Vec<StaffId> = staff.iter().map(|s| s.id).collect();
    let devices = state.store.list_devices(Some(&ids)).await?;
    let rejected = crate::store::dashboard::rejected_counts(&state.store).await?;
    let mut body = String::new();
    let _ = write!(
        body,
        "<p>{}</p><table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        tr(
            l,
            "Spärra en telefon som tappats bort. Radera gör att telefonen förstör sina data nästa gång den kontaktar servern.",
            "Revoke a lost phone. Wipe also makes the phone destroy its data the next time it contacts the server."
        ),
        tr(l, "Inskrivna telefoner", "Enrolled phones"),
        tr(l, "Användare", "User"),
        tr(l, "Telefon", "Phone"),
        tr(l, "Status", "Status"),
        tr(l, "Senaste synk", "Last sync"),
        tr(l, "Appversion", "App version"),
        tr(l, "Inskriven", "Enrolled"),
        tr(l, "Avvisade ändringar", "Changes rejected"),
        tr(l, "Åtgärd", "Action"),
    );
    for d in &devices {
        let Some(owner) = by_id.get(&d.staff) else {
            continue;
        };
        let status = match d.status {
            DeviceStatus::Active => tr(l, "Aktiv", "Active"),
            DeviceStatus::Revoked => tr(l, "Spärrad", "Revoked"),
            DeviceStatus::Wipe => tr(l, "Spärrad, ska raderas", "Revoked, to be wiped"),
        };
        let when = |ms: Option<i64>| {
            ms.and_then(chrono::DateTime::from_timestamp_millis)
                .map_or_else(|| tr(l, "aldrig", "never").to_string(), i18n::date_time)
        };
        let device_name = d.name.clone().unwrap_or_else(|| d.id.to_string());
        let actions = if d.status == DeviceStatus::Wipe {
            String::new()
        } else {
            let revoke = if d.status == DeviceStatus::Active {
                format!(
                    "<form method=\"post\" action=\"/devices/{id}/revoke\">{csrf}\
                     <button type=\"submit\" aria-label=\"{} {}\">{}</button></form>",
                    tr(l, "Spärra telefonen", "Revoke the phone"),
                    attr(&device_name),
                    tr(l, "Spärra", "Revoke"),
                    id = d.id,
                    csrf = csrf_field(dash.csrf()),
                )
            } else {
                String::new()
            };
            format!(
                "{revoke}<form method=\"post\" action=\"/devices/{id}/wipe\">{csrf}\
                 <button type=\"submit\" class=\"danger\" aria-label=\"{} {}\">{}</button></form>",
                tr(
                    l,
                    "Spärra och radera telefonen",
                    "Revoke and wipe the phone"
                ),
                attr(&device_name),
                tr(l, "Radera", "Wipe"),
                id = d.id,
                csrf = csrf_field(dash.csrf()),
            )
        };
        let _ = write!(
            body,
            "<tr data-device=\"{}\"><th scope=\"row\">{} ({})</th><td>{}</td><td>{status}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td class=\"num\">{}</td><td>{actions}</td></tr>",
            d.id,
            esc(&owner.name),
            esc(&owner.username),
            esc(&device_name),
            when(d.last_sync_ms),
            esc(d.app_version.as_deref().unwrap_or("–")),
            when(Some(d.enrolled_ms)),
            rejected
                .get(&d.id.to_string())
                .map_or_else(|| "–".to_string(), |n| n.to_string()),
        );
    }
    if devices.is_empty() {
        let _ = write!(
            body,
            "<tr><td colspan=\"8\">{}</td></tr>",
            tr(l, "Inga telefoner.", "No phones.")
        );
    }
    body.push_str("</tbody></table>");
    Ok(dash.render(tr(l, "Telefoner", "Devices"), Nav::Devices, None, &body))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

async fn act(state: &AppState, dash: &Dash, id: &str, wipe: bool) -> DashResult<DeviceRow> {
    let id: DeviceId = id.parse().map_err(|_| DashError::NotFound("device"))?;
    let device = state
        .store
        .device(id)
        .await?
        .ok_or(DashError::NotFound("device"))?;
    let owner = state
        .store
        .staff_by_id(device.staff)
        .await?
        .ok_or(DashError::NotFound("device"))?;
    if !access::may_manage_device(&dash.viewer(), owner.org, &owner.teams) {
        return Err(DashError::NotFound("device"));
    }
    let row = state.store.revoke_device(id, wipe).await?;
    tracing::info!(device = %id, wipe, by = %dash.actor.staff.id, "dashboard: device revoked");
    Ok(row)
}

pub async fn revoke(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    act(&state, &dash, &id, false).await?;
    Ok(Redirect::to("/devices").into_response())
}

pub async fn wipe(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    act(&state, &dash, &id, true).await?;
    Ok(Redirect::to("/devices").into_response())
}
