//! The access log (Patientdatalagen 4 kap. 3 §): who read or wrote which client's data, when,
//! and from which organisation. Append-only by construction — this module has an insert and
//! queries, nothing else, and the schema's triggers refuse UPDATE and DELETE.
//!
//! Entries hold ids, never client content, so the log itself can be shown to those who follow
//! it up without widening who sees client data.

use sqlx::AssertSqlSafe;
use uppsok_model::{ClientId, DeviceId, Entity, OrgId, StaffId, TeamId};
use uuid::Uuid;

use super::{
    AuthMethod, Param, SessionAuth, Store, StoreError, StoreResult, Tx, Where, now_ms, on_pool,
    on_tx, parse_uuid,
};
use crate::store::bind_all;

/// Which door the data went through.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The JSON API (`/v1/…`).
    Api,
    /// A phone's sync.
    Sync,
    /// The supervisors' dashboard.
    Dashboard,
    /// Shown on a phone: a client or a client's history opened, or data exported there,
    /// recorded by the phone (offline too) and sent up with a sync
    /// ([`crate::sync::access_events`]). The entry's time is the phone's.
    Phone,
}

/// What was done with the data.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// One record opened.
    Read,
    /// Records shown in a list or a page.
    List,
    Create,
    Update,
    Delete,
    /// Taken out of the system (CSV, PDF, an access-log extract).
    Export,
    /// A körjournal taken out as payroll's copy ("klientbesök", no client codes); one entry per
    /// client whose trips it holds.
    ExportPayrollCopy,
    /// A körjournal taken out as the team's internal copy, with client codes; one entry per
    /// client whose code it holds.
    ExportTeamCopy,
    /// Trips approved for payment.
    Approve,
    /// The fidelity page's figures, computed from the team's visits.
    Fidelity,
    /// The cost page's figures, computed from the team's visits and trips.
    Cost,
    /// An account created at its first login through the organisation's identity provider
    /// (the actor is the new account; no client data).
    Provision,
    /// A phone's one-time enrolment code fetched by logging in at the organisation's identity
    /// provider from the app (no client data).
    EnrolCode,
}

/// Names as stored and shown; `parse` is their inverse. One table per enum, so the two cannot
/// drift apart.
macro_rules! names {
    ($ty:ident { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$v => $s),+ }
            }

            pub fn parse(s: &str) -> StoreResult<Self> {
                match s {
                    $($s => Ok($ty::$v),)+
                    _ => Err(StoreError::Corrupt(concat!("audit ", stringify!($ty)).into())),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(Via { Api => "api", Sync => "sync", Dashboard => "dashboard", Phone => "phone" });
names!(AuditAction {
    Read => "read",
    List => "list",
    Create => "create",
    Update => "update",
    Delete => "delete",
    Export => "export",
    ExportPayrollCopy => "export_payroll_copy",
    ExportTeamCopy => "export_team_copy",
    Approve => "approve",
    Fidelity => "fidelity",
    Cost => "cost",
    Provision => "provision",
    EnrolCode => "enrol_code",
});

impl AuditAction {
    /// Data taken out of the system, in whichever form.
    pub fn is_export(self) -> bool {
        matches!(
            self,
            AuditAction::Export | AuditAction::ExportPayrollCopy | AuditAction::ExportTeamCopy
        )
    }
}

/// One entry to append. `at_ms` is set by the store. Serialised as is into the access-log
/// journal (`audit_journal`), so the journal holds exactly what the table holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub actor_staff: StaffId,
    pub actor_username: String,
    pub actor_org: OrgId,
    pub device: Option<DeviceId>,
    pub via: Via,
    pub action: AuditAction,
    pub entity: Option<Entity>,
    pub client: Option<ClientId>,
    pub record: Option<Uuid>,
    pub team: Option<TeamId>,
    /// The record space the data came from.
    pub record_org: Option<OrgId>,
    /// How the actor's session was opened (`None` for a phone's sync: a device token).
    #[serde(default)]
    pub auth: Option<SessionAuth>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub at: String,
    pub actor_staff: Uuid,
    pub actor_username: String,
    pub actor_org: Uuid,
    pub device: Option<Uuid>,
    pub via: Via,
    pub action: AuditAction,
    pub entity: Option<String>,
    pub client: Option<Uuid>,
    pub record: Option<Uuid>,
    pub team: Option<Uuid>,
    pub record_org: Option<Uuid>,
    /// How the reader's session was opened (`None` for a phone's sync).
    pub auth_method: Option<AuthMethod>,
    /// The provider's authentication context of an OIDC session.
    pub acr: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub client: Option<ClientId>,
    pub staff: Option<StaffId>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Entries where the reader's organisation or the data's organisation is one of these.
    pub orgs: Option<Vec<OrgId>>,
    /// Entries about these teams (entries without a team are excluded when set).
    pub teams: Option<Vec<TeamId>>,
    pub limit: i64,
}

type AuditTuple = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const COLS: &str = "id, at_ms, actor_staff, actor_username, actor_org, device, via, action, entity, client, record, team, record_org, auth_method, acr";
/// Rows per INSERT statement; 14 parameters each stays far below every engine's limit.
const CHUNK: usize = 200;

fn opt_uuid(s: Option<String>) -> StoreResult<Option<Uuid>> {
    s.as_deref().map(parse_uuid).transpose()
}

fn row_from(t: AuditTuple) -> StoreResult<AuditRow> {
    let at = chrono::DateTime::from_timestamp_millis(t.1)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default();
    Ok(AuditRow {
        id: t.0,
        at_ms: t.1,
        at,
        actor_staff: parse_uuid(&t.2)?,
        actor_username: t.3,
        actor_org: parse_uuid(&t.4)?,
        device: opt_uuid(t.5)?,
        via: Via::parse(&t.6)?,
        action: AuditAction::parse(&t.7)?,
        entity: t.8,
        client: opt_uuid(t.9)?,
        record: opt_uuid(t.10)?,
        team: opt_uuid(t.11)?,
        record_org: opt_uuid(t.12)?,
        auth_method: t.13.as_deref().map(AuthMethod::parse).transpose()?,
        acr: t.14,
    })
}

/// An entry with the time and id it is stored under. The group-commit writer stamps its entries
/// before they go to the journal and the table, so both hold the same time and id; the id lets a
/// replay of the journal tell which entries the database already holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StampedEntry {
    pub id: Uuid,
    pub at_ms: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

impl StampedEntry {
    /// `entries` stamped with `at_ms` and fresh ids.
    pub fn stamp(entries: Vec<AuditEntry>, at_ms: i64) -> Vec<StampedEntry> {
        entries
            .into_iter()
            .map(|entry| StampedEntry {
                id: Uuid::new_v4(),
                at_ms,
                entry,
            })
            .collect()
    }
}

impl Tx {
    /// Appends `entries` inside this transaction, so the log entry and the write it describes
    /// commit together or not at all; they reach the journal once it has committed.
    pub async fn append_audit(&mut self, entries: &[AuditEntry]) -> StoreResult<()> {
        let stamped = StampedEntry::stamp(entries.to_vec(), now_ms());
        self.append_journalled(&stamped, false).await.map(drop)
    }

    /// [`Tx::append_stamped`], and the entries go to the journal once this transaction has
    /// committed (see `AfterCommit`). Returns the number of rows inserted.
    pub async fn append_journalled(
        &mut self,
        entries: &[StampedEntry],
        skip_present: bool,
    ) -> StoreResult<u64> {
        let inserted = self.append_stamped(entries, skip_present).await?;
        self.journal_after_commit(entries);
        Ok(inserted)
    }

    /// Queues entries this transaction has already written for the journal.
    pub(crate) fn journal_after_commit(&mut self, entries: &[StampedEntry]) {
        self.after_commit().push(entries);
    }

    /// How many entries are queued for the journal; with [`Tx::journal_rollback`], a savepoint
    /// for them.
    pub(crate) fn journal_mark(&mut self) -> usize {
        self.after_commit().len()
    }

    /// Forgets the entries queued since `mark` (their rows were rolled back).
    pub(crate) fn journal_rollback(&mut self, mark: usize) {
        self.after_commit().truncate(mark);
    }

    /// Appends entries stamped beforehand (the group-commit writer, a sync's pull, a journal
    /// replay). With
    /// `skip_present`, an entry whose id the table already holds is left out instead of
    /// failing the transaction. Returns the number of rows inserted.
    pub async fn append_stamped(
        &mut self,
        entries: &[StampedEntry],
        skip_present: bool,
    ) -> StoreResult<u64> {
        let rows: Vec<(i64, Option<Uuid>, &AuditEntry)> = entries
            .iter()
            .map(|s| (s.at_ms, Some(s.id), &s.entry))
            .collect();
        self.insert_audit(&rows, skip_present).await
    }

    async fn insert_audit(
        &mut self,
        rows: &[(i64, Option<Uuid>, &AuditEntry)],
        skip_present: bool,
    ) -> StoreResult<u64> {
        let mut inserted = 0;
        for chunk in rows.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO audit_log (at_ms, entry_id, actor_staff, actor_username, actor_org, device, via, action, entity, client, record, team, record_org, auth_method, acr) VALUES ",
            );
            let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 15);
            for (i, (at_ms, id, e)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let base = params.len();
                let marks: Vec<String> = (1..=15).map(|k| format!("${}", base + k)).collect();
                sql.push_str(&format!("({})", marks.join(", ")));
                params.extend([
                    Param::Int(Some(*at_ms)),
                    Param::Text(id.map(|x| x.to_string())),
                    Param::Text(Some(e.actor_staff.to_string())),
                    Param::Text(Some(e.actor_username.clone())),
                    Param::Text(Some(e.actor_org.to_string())),
                    Param::Text(e.device.map(|d| d.to_string())),
                    Param::Text(Some(e.via.as_str().to_owned())),
                    Param::Text(Some(e.action.as_str().to_owned())),
                    Param::Text(e.entity.map(|x| x.as_str().to_owned())),
                    Param::Text(e.client.map(|x| x.to_string())),
                    Param::Text(e.record.map(|x| x.to_string())),
                    Param::Text(e.team.map(|x| x.to_string())),
                    Param::Text(e.record_org.map(|x| x.to_string())),
                    Param::Text(e.auth.as_ref().map(|a| a.method.as_str().to_owned())),
                    Param::Text(e.auth.as_ref().and_then(|a| a.acr.clone())),
                ]);
            }
            if skip_present {
                sql.push_str(" ON CONFLICT (entry_id) DO NOTHING");
            }
            inserted += on_tx!(self, c => {
                bind_all!(sqlx::query(AssertSqlSafe(sql)), &params).execute(&mut *c).await?.rows_affected()
            });
        }
        Ok(inserted)
    }
}

impl Store {
    /// Appends `entries` outside any record write (reads: the log is written before the data
    /// is returned, so a response never goes out unlogged). Goes through the group-commit
    /// writer: returns once the transaction holding these entries has committed.
    pub async fn append_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        self.audit.append(entries.to_vec()).await
    }

    pub async fn list_audit(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
        let mut w = Where::default();
        if let Some(c) = f.client {
            w.and("client = $?", [Param::Text(Some(c.to_string()))]);
        }
        if let Some(s) = f.staff {
            w.and("actor_staff = $?", [Param::Text(Some(s.to_string()))]);
        }
        if let Some(from) = f.from_ms {
            w.and("at_ms >= $?", [Param::Int(Some(from))]);
        }
        if let Some(to) = f.to_ms {
            w.and("at_ms < $?", [Param::Int(Some(to))]);
        }
        if let Some(orgs) = &f.orgs {
            if orgs.is_empty() {
                w.and("1 = 0", []);
            } else {
                let n = orgs.len();
                let marks = vec!["$?"; n].join(", ");
                let texts: Vec<Param> = orgs
                    .iter()
                    .map(|o| Param::Text(Some(o.to_string())))
                    .collect();
                w.and(
                    &format!("(actor_org IN ({marks}) OR record_org IN ({marks}))"),
                    texts.clone().into_iter().chain(texts),
                );
            }
        }
        if let Some(teams) = &f.teams {
            w.and_in("team", teams.iter().map(|t| t.to_string()));
        }
        let limit = if f.limit <= 0 {
            1000
        } else {
            f.limit.min(10_000)
        };
        let sql = format!(
            "SELECT {COLS} FROM audit_log{} ORDER BY id DESC LIMIT {limit}",
            w.sql()
        );
        let rows: Vec<AuditTuple> = on_pool!(self, p => {
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &w.params).fetch_all(p).await?
        });
        rows.into_iter().map(row_from).collect()
    }

    pub async fn count_audit(&self) -> StoreResult<i64> {
        Ok(on_pool!(self, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(p).await?
        }))
    }
}
