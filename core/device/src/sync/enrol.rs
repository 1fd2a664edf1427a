//! Enrolment: exchange the one-time code from `uppsok admin enrol` for a device id and token,
//! and make the phone's profile the server's user, team and organisation.
//!
//! A phone may be used before it is enrolled (the field device is, in demos): its records then
//! carry a placeholder team and organisation and whatever username it started with. On the
//! first enrolment those records are re-stamped to the real user, team and organisation and
//! queued again as one change each (the server never saw the earlier ones), so nothing logged
//! offline is lost or rejected for a stale stamp. A phone that was enrolled before refuses to
//! be enrolled for another user while it holds records: they belong to the first one.

use super::error::SyncError;
use super::http;
use super::state;
use crate::store::{Profile, Store};
use uppsok_model::protocol::enrol::{EnrolRequest, EnrolResponse};
use uppsok_model::{CodePattern, DeviceId, OrgId, Record, TeamId, Username};

/// What an enrolment did.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    pub device_id: DeviceId,
    pub profile: Profile,
    /// Records logged before enrolment and re-stamped for the enrolled user.
    pub restamped: usize,
    /// Set when re-stamping failed (e.g. a client code that does not match the team's
    /// pattern): the enrolment holds, the old changes stay queued and the server will say
    /// what it refuses.
    pub warning: Option<String>,
}

fn profile_from(resp: &EnrolResponse, server_url: &str) -> Result<Profile, SyncError> {
    let user = Username::parse(&resp.staff.username)
        .map_err(|_| SyncError::Protocol("the server sent an unusable username".into()))?;
    // A member of several teams works in the first of their own organisation's teams.
    let team = resp
        .teams
        .iter()
        .find(|t| t.org == resp.staff.org)
        .or_else(|| resp.teams.first())
        .ok_or_else(|| {
            SyncError::Protocol(
                "the account belongs to no team; ask the administrator to add it to one".into(),
            )
        })?;
    Ok(Profile {
        user,
        team: TeamId(team.id),
        org: OrgId(resp.staff.org),
        code_pattern: CodePattern(team.client_code_pattern.clone()),
        server_url: Some(server_url.trim_end_matches('/').to_owned()),
        device_id: Some(DeviceId(resp.device_id)),
    })
}

/// The server address must name a scheme and a host, so a typed `uppsok.kalix.se:443` is told
/// what is missing rather than failing later as "the connection broke off".
pub(crate) fn check_server_address(url: &str) -> Result<(), SyncError> {
    let url = url.trim();
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err(SyncError::BadServerAddress(
            "the server address must start with https:// (for example https://uppsok.kalix.se)",
        ));
    };
    if rest.is_empty() || rest.starts_with(['/', ':']) || rest.contains(char::is_whitespace) {
        return Err(SyncError::BadServerAddress(
            "the server address must name a host after https:// (for example https://uppsok.kalix.se)",
        ));
    }
    Ok(())
}

fn has_records(store: &Store) -> Result<bool, SyncError> {
    let s = store.status()?;
    Ok(s.clients + s.visits + s.trips + s.places + s.outbox_pending + s.outbox_rejected > 0)
}

pub(crate) async fn enrol(
    client: &reqwest::Client,
    store: &Store,
    server_url: &str,
    code: &str,
    device_name: Option<&str>,
    app_version: Option<&str>,
) -> Result<Enrolment, SyncError> {
    check_server_address(server_url)?;
    let old = store.profile()?;
    let resp = http::enrol(
        client,
        server_url,
        &EnrolRequest {
            code: code.to_owned(),
            device_name: device_name.map(str::to_owned),
            app_version: app_version.map(str::to_owned),
        },
    )
    .await?;
    let new = profile_from(&resp, server_url)?;
    let device_id = DeviceId(resp.device_id);
    let first = old.device_id.is_none();
    if !first && old.user != new.user && has_records(store)? {
        return Err(SyncError::WrongUser(
            "this phone holds another user's records; wipe it before enrolling it for someone else"
                .into(),
        ));
    }
    store.write(|w| {
        w.set_profile(&new)?;
        w.put_sealed_blob(crate::store::DEVICE_TOKEN, resp.token.as_bytes())?;
        if first {
            w.set_pull_cursor(0)?;
        }
        state::reset(w)
    })?;
    let mut enrolment = Enrolment {
        device_id,
        profile: new.clone(),
        restamped: 0,
        warning: None,
    };
    if first && has_records(store)? {
        match restamp(store, &old, &new) {
            Ok(n) => enrolment.restamped = n,
            Err(e) => enrolment.warning = Some(format!("records logged before enrolment: {e}")),
        }
    }
    Ok(enrolment)
}

/// Rewrite every local record for the enrolled profile and queue each once, in one transaction.
fn restamp(store: &Store, old: &Profile, new: &Profile) -> Result<usize, SyncError> {
    let swap_user = |u: &mut Username| {
        if *u == old.user {
            *u = new.user.clone();
        }
    };
    let mut records: Vec<Record> = Vec::new();
    for mut c in store.clients()? {
        if c.team == old.team {
            c.team = new.team;
        }
        if c.org == old.org {
            c.org = new.org;
        }
        if let Some(u) = c.consent.recorded_by.as_mut() {
            swap_user(u);
        }
        records.push(Record::Client(c));
    }
    for mut p in store.places()? {
        if p.team == Some(old.team) {
            p.team = Some(new.team);
        }
        records.push(Record::Place(p));
    }
    for mut v in store.visits(&Default::default())? {
        swap_user(&mut v.author);
        v.staff.iter_mut().for_each(swap_user);
        records.push(Record::Visit(v));
    }
    for mut t in store.trips(&Default::default())? {
        swap_user(&mut t.driver);
        records.push(Record::Trip(t));
    }
    for mut o in store.outcomes()? {
        swap_user(&mut o.author);
        records.push(Record::Outcome(o));
    }
    let mut queued: Vec<_> = store
        .outbox_batch(usize::MAX)?
        .into_iter()
        .map(|e| e.change_id)
        .collect();
    queued.extend(store.rejected_changes()?.into_iter().map(|e| e.change_id));
    let n = records.len();
    store.write(|w| {
        // The server never saw these: one fresh change per record replaces them all.
        w.ack(&queued)?;
        // Clients first: a visit is checked against its client on the device.
        for r in &records {
            match r {
                Record::Client(c) => w.save_client(c)?,
                Record::Place(p) => w.save_place(p)?,
                Record::Visit(v) => w.save_visit(v)?,
                Record::Trip(t) => w.save_trip(t)?,
                Record::Outcome(o) => w.save_outcome(o)?,
            };
        }
        Ok(())
    })?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_address_needs_a_scheme_and_a_host() {
        for bad in [
            "127.0.0.1:18080",
            "uppsok.kalix.se",
            "https://",
            "https:///x",
            "ftp://a",
            "https://a b",
        ] {
            let e = check_server_address(bad).unwrap_err();
            // One of the two fixed reasons, never a copy of what was typed.
            assert!(
                e.to_string().starts_with("the server address must"),
                "{bad}: {e}"
            );
            assert!(matches!(e, SyncError::BadServerAddress(_)));
        }
        for good in [
            "https://uppsok.kalix.se",
            "http://127.0.0.1:18080",
            " https://x.se/ ",
        ] {
            check_server_address(good).unwrap();
        }
    }
}
