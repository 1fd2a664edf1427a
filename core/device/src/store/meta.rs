//! The device's profile and small state kept beside the records: who uses the device, the team's
//! code pattern, the server and the pull cursor (plain; sync needs them and they say nothing
//! about clients), and sealed key-value slots for secrets and private state (the device token,
//! the trip recorder's state with its GPS fixes, the team roster).

use super::Keys;
use crate::crypto::Aad;
use crate::error::{DeviceError, Result};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use uppsok_model::{CodePattern, DeviceId, OrgId, TeamId, Username};
use zeroize::Zeroizing;

/// The colleagues of the user's teams as the server last listed them (sealed: names of staff).
/// The visit form offers them as "present" and accepts no one else; a phone that has never
/// fetched it checks no names (the server still does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRoster {
    pub fetched_at: chrono::DateTime<chrono::Utc>,
    pub members: Vec<uppsok_model::protocol::directory::TeamMember>,
}

pub(crate) const TEAM_ROSTER: &str = "team_roster";

/// Who and where this device is. Team and org are placeholders until the device is enrolled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub user: Username,
    pub team: TeamId,
    pub org: OrgId,
    #[serde(default)]
    pub code_pattern: CodePattern,
    #[serde(default)]
    pub server_url: Option<String>,
    #[serde(default)]
    pub device_id: Option<DeviceId>,
}

impl Profile {
    /// A profile for a device not (yet) enrolled: fresh team and org ids, the default pattern.
    pub fn local(user: Username) -> Self {
        Self {
            user,
            team: TeamId::new(),
            org: OrgId::new(),
            code_pattern: CodePattern::default(),
            server_url: None,
            device_id: None,
        }
    }
}

pub(crate) const PROFILE: &str = "profile";
pub(crate) const NODE: &str = "hlc_node";
pub(crate) const HLC_LAST: &str = "hlc_last";
pub(crate) const PULL_CURSOR: &str = "pull_cursor";

pub(crate) fn get(conn: &Connection, name: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set(tx: &Transaction<'_>, name: &str, value: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![name, value])?;
    Ok(())
}

pub(crate) fn profile(conn: &Connection) -> Result<Profile> {
    let text = get(conn, PROFILE)?.ok_or(DeviceError::NoStore)?;
    serde_json::from_str(&text).map_err(|_| DeviceError::Undecodable {
        what: "device profile",
    })
}

pub(crate) fn set_profile(tx: &Transaction<'_>, p: &Profile) -> Result<()> {
    let text = serde_json::to_string(p).map_err(|_| DeviceError::Undecodable {
        what: "device profile",
    })?;
    set(tx, PROFILE, &text)
}

pub(crate) fn put_blob(tx: &Transaction<'_>, keys: &Keys, name: &str, bytes: &[u8]) -> Result<()> {
    let body = keys
        .cipher
        .seal(Aad::new("sealed_blob", name.as_bytes(), "body"), bytes)?;
    tx.prepare_cached(
        "INSERT INTO sealed_blob (name, body) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![name, body])?;
    Ok(())
}

pub(crate) fn get_blob(
    conn: &Connection,
    keys: &Keys,
    name: &str,
) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let body: Option<Vec<u8>> = conn
        .prepare_cached("SELECT body FROM sealed_blob WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    body.map(|b| {
        keys.cipher
            .open_owned(Aad::new("sealed_blob", name.as_bytes(), "body"), b)
            .map(|p| Zeroizing::new(p.to_vec()))
            .map_err(|_| DeviceError::Tampered {
                what: "sealed value",
            })
    })
    .transpose()
}

pub(crate) fn delete_blob(tx: &Transaction<'_>, name: &str) -> Result<bool> {
    Ok(tx
        .prepare_cached("DELETE FROM sealed_blob WHERE name = ?1")?
        .execute([name])?
        > 0)
}

/// The sealed team roster, if one was fetched; one that does not open counts as none (it is
/// fetched again at the next sync).
pub(crate) fn team_roster(conn: &Connection, keys: &Keys) -> Result<Option<TeamRoster>> {
    Ok(get_blob(conn, keys, TEAM_ROSTER)
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok()))
}
