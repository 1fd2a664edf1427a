//! `uppsok field init --server URL --enrol CODE`, `sync`, `rejected list|discard` and the sync
//! half of `status`: the desktop device enrols and syncs through `uppsok_device::sync`, exactly
//! as the phone app does. Exit 0 from `sync` means the server was reached and answered.

use super::commands::{FieldError, Result};
use serde::Serialize;
use uppsok_device::Store;
use uppsok_device::sync::{self, Enrolment, SyncClient, SyncConfig, SyncError, SyncReport};
use uppsok_model::ChangeId;

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

pub fn render_report(r: &SyncReport, waiting: u64) -> String {
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
            "rejected {} {} {}: {} ({})\n",
            x.entity.as_str(),
            x.record_id,
            x.change_id,
            x.reason,
            x.code
        ));
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

pub fn render_rejected(list: &[sync::RejectedChange]) -> String {
    if list.is_empty() {
        return "no rejected changes\n".into();
    }
    list.iter()
        .map(|x| {
            format!(
                "{}  {:<6} {}  {}: {}\n",
                x.change_id,
                x.entity.as_str(),
                x.record_id,
                x.code,
                x.reason
            )
        })
        .collect()
}

pub fn rejected_discard(store: &Store, id: &str) -> Result<ChangeId> {
    let id: ChangeId = id
        .parse()
        .map_err(|_| FieldError::Usage("not a change id".into()))?;
    sync::discard_rejected(store, id)?;
    Ok(id)
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
