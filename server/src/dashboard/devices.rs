//! Phones: each enrolled device's user, status, last sync, app version and the changes the
//! server rejected; revoke (the token stops working) and wipe (the phone also destroys its
//! data at its next contact). Both are destructive, so each goes through a confirmation page
//! that names the user and the phone and says what is lost (everything done on the phone since
//! its last sync), then a POST with the session's CSRF token and a ticked box, then a result
//! banner. A wipe can be withdrawn until the server has sent the order to the phone. Who may
//! manage which device is [`crate::access::may_manage_device`].

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uppsok_model::fidelity::Lang;
use uppsok_model::{DeviceId, Role, StaffId};

use super::html::{Nav, attr, csrf_field, esc};
use super::i18n::{self, tr};
use super::notice::Notice;
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

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    notice: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    dash: Dash,
    Query(q): Query<PageQuery>,
) -> DashResult<Response> {
    let l = dash.lang();
    let staff = manageable_staff(&state, &dash).await?;
    let by_id: HashMap<StaffId, &StaffRow> = staff.iter().map(|s| (s.id, s)).collect();
    let ids: Vec<StaffId> = staff.iter().map(|s| s.id).collect();
    let devices = state.store.list_devices(Some(&ids)).await?;
    let rejected = crate::store::dashboard::rejected_counts(&state.store).await?;
    let mut body = Notice::banner_for(q.notice.as_deref(), l);
    if dash.viewer().role == Role::Admin {
        let waiting = state
            .store
            .staff_awaiting_role(Some(dash.viewer().org))
            .await?;
        body.push_str(&awaiting_section(
            waiting.iter().filter_map(|id| by_id.get(id).copied()),
            l,
        ));
    }
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
        let actions = match (d.status, d.wipe_sent_ms) {
            (DeviceStatus::Wipe, Some(sent)) => format!(
                "<span class=\"muted\">{} {}</span>",
                tr(l, "Raderingsordern skickad", "Wipe order sent"),
                when(Some(sent))
            ),
            (DeviceStatus::Wipe, None) => format!(
                "<form method=\"post\" action=\"/devices/{id}/withdraw-wipe\">{csrf}\
                 <button type=\"submit\" aria-label=\"{} {}\">{}</button></form>",
                tr(l, "Ångra raderingen av", "Withdraw the wipe of"),
                attr(&device_name),
                tr(l, "Ångra radering", "Withdraw wipe"),
                id = d.id,
                csrf = csrf_field(dash.csrf()),
            ),
            (status, _) => {
                let revoke = if status == DeviceStatus::Active {
                    format!(
                        "<a class=\"button\" href=\"/devices/{id}/revoke\" aria-label=\"{} {}\">{}</a> ",
                        tr(l, "Spärra telefonen", "Revoke the phone"),
                        attr(&device_name),
                        tr(l, "Spärra …", "Revoke …"),
                        id = d.id,
                    )
                } else {
                    String::new()
                };
                format!(
                    "{revoke}<a class=\"button danger\" href=\"/devices/{id}/wipe\" aria-label=\"{} {}\">{}</a>",
                    tr(
                        l,
                        "Spärra och radera telefonen",
                        "Revoke and wipe the phone"
                    ),
                    attr(&device_name),
                    tr(l, "Radera …", "Wipe …"),
                    id = d.id,
                )
            }
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

/// For an admin: the accounts created at their first login through the organisation's
/// provider that wait for a role, a team and activation, with the commands that give them
/// (accounts are managed with `uppsok admin`). Empty when none waits.
fn awaiting_section<'a>(waiting: impl Iterator<Item = &'a StaffRow>, l: Lang) -> String {
    let rows: String = waiting
        .map(|s| {
            format!(
                "<tr data-awaiting=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td><code>uppsok admin user role {} case_manager</code></td></tr>",
                attr(&s.username),
                esc(&s.username),
                esc(&s.name),
                esc(&s.username),
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "<section aria-labelledby=\"awaiting\"><h2 id=\"awaiting\">{}</h2><p role=\"status\">{}</p>\
         <table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\
         <tbody>{rows}</tbody></table><p>{}</p></section>",
        tr(l, "Konton som väntar på dig", "Accounts waiting for you"),
        tr(
            l,
            "De här kontona skapades när någon loggade in första gången via organisationens inloggning. De kan inget förrän du ger dem roll och team och aktiverar dem.",
            "These accounts were created when someone first logged in through the organisation's login. They can do nothing until you give them a role and a team and activate them."
        ),
        tr(l, "Användare", "User"),
        tr(l, "Namn", "Name"),
        tr(
            l,
            "Ge roll (case_manager, supervisor eller admin)",
            "Give a role (case_manager, supervisor or admin)"
        ),
        tr(
            l,
            "Sedan: <code>uppsok admin user add-team ANVÄNDARE TEAM</code> och <code>uppsok admin user activate ANVÄNDARE</code>.",
            "Then: <code>uppsok admin user add-team USER TEAM</code> and <code>uppsok admin user activate USER</code>."
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: Option<String>,
    /// The ticked box: `yes`.
    #[serde(default)]
    confirm: Option<String>,
}

/// Revoke (the token stops working) or wipe (and the phone destroys its data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Revoke,
    Wipe,
}

/// A device the viewer may manage, with its owner; anything else is "not found", as a device
/// that does not exist.
async fn manageable(state: &AppState, dash: &Dash, id: &str) -> DashResult<(DeviceRow, StaffRow)> {
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
    Ok((device, owner))
}

/// The page that asks before revoking or wiping: who, which phone, when it last synced, what
/// will be lost.
async fn confirm_page(
    state: &AppState,
    dash: &Dash,
    id: &str,
    action: Action,
) -> DashResult<Response> {
    let l = dash.lang();
    let (d, owner) = manageable(state, dash, id).await?;
    let rejected = crate::store::dashboard::rejected_counts(&state.store)
        .await?
        .get(&d.id.to_string())
        .copied()
        .unwrap_or(0);
    let device_name = d.name.clone().unwrap_or_else(|| d.id.to_string());
    let last_sync = d
        .last_sync_ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(|| tr(l, "aldrig", "never").to_string(), i18n::date_time);
    let (title, what, button, path) = match action {
        Action::Revoke => (
            tr(l, "Spärra telefonen?", "Revoke the phone?"),
            tr(
                l,
                "Telefonen kan inte längre synka. Det som gjorts i den sedan senaste synken stannar i telefonen (krypterat) och når inte servern förrän den skrivs in igen. Personen kan fortsätta arbeta i appen tills dess.",
                "The phone can no longer sync. What was done on it since its last sync stays on the phone (encrypted) and does not reach the server until it is enrolled again.",
            ),
            tr(l, "Spärra telefonen", "Revoke the phone"),
            "revoke",
        ),
        Action::Wipe => (
            tr(
                l,
                "Spärra och radera telefonen?",
                "Revoke and wipe the phone?",
            ),
            tr(
                l,
                "Telefonen förstör alla sina Uppsök-data nästa gång den kontaktar servern. Allt som gjorts i den sedan senaste synken (besök, resor, ändringar som väntar) går förlorat för gott. Använd detta när telefonen är stulen eller borttappad. Raderingen kan ångras här tills telefonen har fått ordern.",
                "The phone destroys all its Uppsök data the next time it contacts the server. Everything done on it since its last sync (visits, trips, changes waiting) is lost for good. Use this when the phone is stolen or lost. The wipe can be withdrawn here until the phone has received the order.",
            ),
            tr(l, "Spärra och radera", "Revoke and wipe"),
            "wipe",
        ),
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<div class=\"{}\"><p><strong>{}</strong></p><p>{}</p></div>\
         <dl><dt>{}</dt><dd>{} ({})</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd></dl>\
         <form method=\"post\" action=\"/devices/{}/{path}\">{}\
         <p><label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> {}</label></p>\
         <p><button type=\"submit\" class=\"{}\">{button}</button> <a href=\"/devices\">{}</a></p></form>",
        if action == Action::Wipe {
            "alert"
        } else {
            "warn"
        },
        title,
        what,
        tr(l, "Användare", "User"),
        esc(&owner.name),
        esc(&owner.username),
        tr(l, "Telefon", "Phone"),
        esc(&device_name),
        tr(l, "Senaste synk", "Last sync"),
        last_sync,
        tr(
            l,
            "Avvisade ändringar som ligger kvar i telefonen",
            "Rejected changes still on the phone"
        ),
        rejected,
        d.id,
        csrf_field(dash.csrf()),
        tr(
            l,
            "Jag har kontrollerat att det är rätt telefon",
            "I have checked that this is the right phone"
        ),
        if action == Action::Wipe { "danger" } else { "" },
        tr(l, "Avbryt", "Cancel"),
    );
    Ok(dash.render(title, Nav::Devices, None, &body))
}

pub async fn confirm_revoke(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
) -> DashResult<Response> {
    confirm_page(&state, &dash, &id, Action::Revoke).await
}

pub async fn confirm_wipe(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
) -> DashResult<Response> {
    confirm_page(&state, &dash, &id, Action::Wipe).await
}

fn back(notice: Notice) -> Response {
    Redirect::to(&format!("/devices?notice={}", notice.code())).into_response()
}

async fn act(
    state: &AppState,
    dash: &Dash,
    id: &str,
    f: &ConfirmForm,
    action: Action,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    let (device, _) = manageable(state, dash, id).await?;
    if f.confirm.as_deref() != Some("yes") {
        return Ok(back(Notice::NotConfirmed));
    }
    let wipe = action == Action::Wipe;
    state.store.revoke_device(device.id, wipe).await?;
    tracing::info!(device = %device.id, wipe, by = %dash.actor.staff.id, "dashboard: device revoked");
    Ok(back(if wipe {
        Notice::WipeOrdered
    } else {
        Notice::Revoked
    }))
}

pub async fn revoke(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> DashResult<Response> {
    act(&state, &dash, &id, &f, Action::Revoke).await
}

pub async fn wipe(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> DashResult<Response> {
    act(&state, &dash, &id, &f, Action::Wipe).await
}

/// Withdraws a wipe order the phone has not received; the phone stays revoked.
pub async fn withdraw_wipe(
    State(state): State<AppState>,
    dash: Dash,
    Path(id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> DashResult<Response> {
    dash.check_csrf(f.csrf.as_deref())?;
    let (device, _) = manageable(&state, &dash, &id).await?;
    let withdrawn = state.store.withdraw_wipe(device.id).await?;
    tracing::info!(device = %device.id, withdrawn, by = %dash.actor.staff.id, "dashboard: wipe withdrawn");
    Ok(back(if withdrawn {
        Notice::WipeWithdrawn
    } else {
        Notice::WipeAlreadyDone
    }))
}
