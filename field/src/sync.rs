//! `uppsok field init --server URL --enrol CODE`, `sync`, `rejected list|discard` and the sync
//! half of `status`: the desktop device enrols and syncs through `uppsok_device::sync`, exactly
//! as the phone app does. Exit 0 from `sync` means the server was reached and answered.

use super::commands::{FieldError, Result};
use serde::Serialize;
use uppsok_device::Store;
use uppsok_device::sync::{self, Enrolment, SyncClient, SyncConfig, SyncError, SyncReport};
use uppsok_model::{ChangeId, ClientId, Entity, OutcomeId, TripId, VisitId};
use uuid::Uuid;

/// How a person knows a record: a client by its code, a visit by its client and time, a trip
/// by its day — never by its UUID.
pub fn record_label(store: &Store, entity: Entity, id: Uuid) -> String {
    let local = |t: chrono::DateTime<chrono::Utc>, f: &str| {
        t.with_timezone(&chrono::Local).format(f).to_string()
    };
    let label = match entity {
        Entity::Client => store
            .client(ClientId(id))
            .map(|c| format!("client {}", c.code)),
        Entity::Visit => store.visit(VisitId(id)).and_then(|v| {
            let code = store.client(v.client)?.code;
            Ok(format!(
                "visit to {code} on {}",
                local(v.start, "%Y-%m-%d %H:%M")
            ))
        }),
        Entity::Trip => store
            .trip(TripId(id))
            .map(|t| format!("trip on {}", local(t.start, "%Y-%m-%d %H:%M"))),
        Entity::Place => Ok("a saved place".to_owned()),
        Entity::Outcome => store.outcome(OutcomeId(id)).and_then(|o| {
            let code = store.client(o.client)?.code;
            Ok(format!("{} of {code} on {}", o.event.kind(), o.day))
        }),
    };
    label.unwrap_or_else(|_| format!("a {} no longer on this device", entity.as_str()))
}

impl From<SyncError> for FieldError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(d) => FieldError::Device(d),
            other => FieldError::Usage(other.to_string()),
        }
    }
}

fn client() -> Result<SyncClient> {
    let config = SyncConfig {
        app_version: Some(concat!("uppsok-field/", env!("CARGO_PKG_VERSION")).to_owned()),
        ..SyncConfig::default()
    };
    Ok(SyncClient::new(config)?)
}

/// Enrol the store with a one-time code.
pub fn enrol(store: &Store, server: &str, code: &str) -> Result<Enrolment> {
    let name = format!("uppsok field on {}", std::env::consts::OS);
    Ok(client()?.enrol_blocking(store, server, code, Some(&name))?)
}

pub fn render_enrolment(e: &Enrolment) -> String {
    let mut out = format!(
        "enrolled as {} (device {}) at {}\n",
        e.profile.user,
        e.device_id,
        e.profile.server_url.as_deref().unwrap_or("-")
    );
    if e.restamped > 0 {
        out.push_str(&format!(
            "{} records logged before enrolment were queued for the enrolled user\n",
            e.restamped
        ));
    }
    if let Some(w) = &e.warning {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// One sync run.
pub fn run(store: &Store) -> Result<SyncReport> {
    Ok(client()?.sync_once(store)?)
}

pub fn render_report(store: &Store, r: &SyncReport, waiting: u64) -> String {
    let mut out = format!(
        "sent {} changes ({} applied, {} already there, {} rejected), received {}, {} still waiting{}\n",
        r.sent,
        r.applied,
        r.duplicates,
        r.rejected.len(),
        r.received,
        waiting,
        if r.complete { "" } else { " (run sync again)" }
    );
    if r.requeued > 0 {
        out.push_str(&format!(
            "the server was restored from a backup: {} records this phone wrote were sent again\n",
            r.requeued
        ));
    }
    for x in &r.rejected {
        out.push_str(&format!(
            "rejected: {}: {}\n",
            record_label(store, x.entity, x.record_id),
            x.reason
        ));
    }
    if !r.rejected.is_empty() {
        out.push_str("see them with `uppsok field rejected list`\n");
    }
    out
}

#[derive(Debug, Serialize)]
pub struct SyncOutput<'a> {
    #[serde(flatten)]
    pub report: &'a SyncReport,
    pub waiting: u64,
}

pub fn rejected_list(store: &Store) -> Result<Vec<sync::RejectedChange>> {
    Ok(sync::status(store)?.rejected)
}

/// Numbered, by the records' names; the number (or, in `--json`, the change id) is what
/// `rejected discard` takes.
pub fn render_rejected(store: &Store, list: &[sync::RejectedChange]) -> String {
    if list.is_empty() {
        return "no rejected changes\n".into();
    }
    let mut out: String = list
        .iter()
        .enumerate()
        .map(|(i, x)| {
            format!(
                "{}. {}: {}\n",
                i + 1,
                record_label(store, x.entity, x.record_id),
                x.reason
            )
        })
        .collect();
    out.push_str("discard one with `uppsok field rejected discard NUMBER`\n");
    out
}

/// Discards a rejected change named by its number in `rejected list` or its change id;
/// returns the label of the record it was about.
pub fn rejected_discard(store: &Store, which: &str) -> Result<String> {
    let list = rejected_list(store)?;
    let found = match which.trim().parse::<usize>() {
        Ok(n) => n.checked_sub(1).and_then(|i| list.get(i)),
        Err(_) => which
            .parse::<ChangeId>()
            .ok()
            .and_then(|id| list.iter().find(|x| x.change_id == id)),
    };
    let Some(x) = found else {
        return Err(FieldError::Usage(format!(
            "no rejected change {which:?}: give a number from `uppsok field rejected list` (1–{})",
            list.len()
        )));
    };
    let label = record_label(store, x.entity, x.record_id);
    sync::discard_rejected(store, x.change_id)?;
    Ok(label)
}

pub fn render_status(s: &sync::SyncStatus) -> String {
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "never".into())
    };
    let mut out = format!(
        "enrolled: {}\nlast sync: {}\n",
        if s.revoked {
            "revoked"
        } else if s.enrolled {
            "yes"
        } else {
            "no"
        },
        time(s.last_sync)
    );
    if let Some(e) = &s.last_error {
        out.push_str(&format!("last error: {e}\n"));
    }
    out
}
