//! Organisations, teams, staff, their credentials and login sessions.
//!
//! Credentials live apart from `staff` so that listing staff never loads a password hash, and
//! the failed-attempt counter and lock survive restarts (the per-account rate limit).

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use uppsok_model::fidelity::swedish_date;
use uppsok_model::mileage::RateSchedule;
use uppsok_model::{OrgId, OrgKind, Rates, Role, StaffId, TeamId};

use super::{Param, Store, StoreError, StoreResult, Tx, Where, now_ms, on_pool, on_tx, parse_uuid};
use crate::store::bind_all;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub rates: Rates,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TeamRow {
    pub id: TeamId,
    pub name: String,
    pub org: OrgId,
    pub client_code_pattern: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StaffRow {
    pub id: StaffId,
    pub username: String,
    pub name: String,
    pub org: OrgId,
    pub role: Role,
    pub active: bool,
    pub teams: Vec<TeamId>,
}

#[derive(Debug, Clone)]
pub struct NewStaff {
    pub username: uppsok_model::Username,
    pub name: uppsok_model::PersonName,
    pub org: OrgId,
    pub role: Role,
    pub teams: Vec<TeamId>,
    pub password_hash: String,
    pub must_change: bool,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub staff: StaffId,
    pub password_hash: String,
    pub must_change: bool,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i64,
    pub locked_until_ms: Option<i64>,
}

/// What a session was opened for; stored as its [`SessionKind::as_str`] name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A bearer token of the JSON API.
    Bearer,
    /// A dashboard cookie, which also needs the session's CSRF token to change anything.
    Cookie,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Bearer => "bearer",
            SessionKind::Cookie => "cookie",
        }
    }

    pub fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "bearer" => Ok(SessionKind::Bearer),
            "cookie" => Ok(SessionKind::Cookie),
            _ => Err(StoreError::Corrupt("session kind".into())),
        }
    }
}

/// How a session was opened; stored as its [`AuthMethod::as_str`] name on the session and on
/// every access-log entry made under it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// Username, password and (for supervisors and admins) the authenticator's code.
    Password,
    /// The organisation's OpenID provider (`crate::oidc`).
    Oidc,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::Oidc => "oidc",
        }
    }

    pub fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "password" => Ok(AuthMethod::Password),
            "oidc" => Ok(AuthMethod::Oidc),
            _ => Err(StoreError::Corrupt("authentication method".into())),
        }
    }
}

/// The authentication behind a session: the method and, for OIDC, the provider's `acr` (the
/// authentication context, e.g. a SITHS or Freja level of assurance). Serialised into the
/// access-log journal with the entry it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionAuth {
    pub method: AuthMethod,
    pub acr: Option<String>,
}

impl SessionAuth {
    pub const PASSWORD: SessionAuth = SessionAuth {
        method: AuthMethod::Password,
        acr: None,
    };
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub token_hash: String,
    pub staff: StaffId,
    pub kind: SessionKind,
    pub csrf: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked: bool,
}

type OrgTuple = (String, String, String, i64, i64, i64, i64);
type TeamTuple = (String, String, String, String);
pub(crate) type StaffTuple = (String, String, String, String, String, bool);
type StaffTeamsTuple = (String, String, String, String, String, bool, Option<String>);
type CredTuple = (String, bool, Option<String>, Option<i64>, i64, Option<i64>);

fn org_from(t: OrgTuple) -> StoreResult<OrgRow> {
    Ok(OrgRow {
        id: parse_uuid(&t.0)?,
        name: t.1,
        kind: t
            .2
            .parse()
            .map_err(|_| StoreError::Corrupt("organisation kind".into()))?,
        rates: Rates {
            own_car_ore_per_km: t.3,
            service_car_ore_per_km: t.4,
            benefit_fossil_ore_per_km: t.5,
            benefit_electric_ore_per_km: t.6,
        },
    })
}

fn team_from(t: TeamTuple) -> StoreResult<TeamRow> {
    Ok(TeamRow {
        id: parse_uuid(&t.0)?,
        name: t.1,
        org: parse_uuid(&t.2)?,
        client_code_pattern: t.3,
    })
}

pub(crate) fn staff_from(t: StaffTuple, teams: Vec<TeamId>) -> StoreResult<StaffRow> {
    Ok(StaffRow {
        id: parse_uuid(&t.0)?,
        username: t.1,
        name: t.2,
        org: parse_uuid(&t.3)?,
        role: t
            .4
            .parse()
            .map_err(|_| StoreError::Corrupt("staff role".into()))?,
        active: t.5,
        teams,
    })
}

/// The first day of an organisation's first rates: before any trip.
const RATES_FROM_START: &str = "2000-01-01";

/// An organisation's columns, with the rates in force today (Swedish date) from `org_rates`.
fn org_cols() -> String {
    // A date this function formats itself, never input, so it may sit in the SQL text.
    let today = swedish_date(chrono::Utc::now()).format("%Y-%m-%d");
    // The fallback: the organisation's own column, or (the benefit car's fuel allowance, which
    // only `org_rates` has) the default's figure.
    let rate = |col: &str, fallback: String| {
        format!(
            "COALESCE((SELECT r.{col} FROM org_rates r WHERE r.org = o.id AND r.effective_from <= '{today}' \
             ORDER BY r.effective_from DESC LIMIT 1), {fallback})"
        )
    };
    let d = Rates::default();
    format!(
        "o.id, o.name, o.kind, {}, {}, {}, {}",
        rate("own_car_ore_per_km", "o.own_car_ore_per_km".into()),
        rate("service_car_ore_per_km", "o.service_car_ore_per_km".into()),
        rate(
            "benefit_fossil_ore_per_km",
            d.benefit_fossil_ore_per_km.to_string()
        ),
        rate(
            "benefit_electric_ore_per_km",
            d.benefit_electric_ore_per_km.to_string()
        ),
    )
}
const TEAM_COLS: &str = "id, name, org, client_code_pattern";
const STAFF_COLS: &str = "id, username, name, org, role, active";

/// A column holding the comma-separated team ids of the staff member whose id is `staff_id`
/// (an SQL expression of the outer query). The one place the two engines' SQL differs.
pub(crate) fn teams_column(pool: &super::Pool, staff_id: &str) -> String {
    let agg = match pool {
        super::Pool::Sqlite(_) => "group_concat(st.team, ',')",
        super::Pool::Postgres(_) => "string_agg(st.team, ',')",
    };
    format!("(SELECT {agg} FROM staff_teams st WHERE st.staff = {staff_id})")
}

/// The teams of [`teams_column`], sorted as the old per-staff query returned them.
pub(crate) fn parse_teams(list: Option<&str>) -> StoreResult<Vec<TeamId>> {
    let mut teams = list
        .unwrap_or("")
        .split(',')
        .filter(|t| !t.is_empty())
        .map(parse_uuid)
        .collect::<StoreResult<Vec<TeamId>>>()?;
    teams.sort_unstable();
    Ok(teams)
}

/// Whether `s` looks like a UUID, so "ORG accepts a name or an id" can try the id first.
fn as_uuid(s: &str) -> Option<String> {
    uuid::Uuid::parse_str(s.trim()).ok().map(|u| u.to_string())
}

impl Store {
    pub async fn create_org(&self, name: &str, kind: OrgKind, rates: Rates) -> StoreResult<OrgRow> {
        rates
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let row = OrgRow {
            id: OrgId::new(),
            name: name.trim().to_owned(),
            kind,
            rates,
        };
        on_pool!(self, p => {
            sqlx::query("INSERT INTO organisations (id, name, kind, own_car_ore_per_km, service_car_ore_per_km, created_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(row.id.to_string())
                .bind(&row.name)
                .bind(kind.to_string())
                .bind(rates.own_car_ore_per_km)
                .bind(rates.service_car_ore_per_km)
                .bind(now_ms())
                .execute(p)
                .await
                .map(|_| ())
        })
        .map_err(|e| conflict(e, "an organisation with that name exists"))?;
        self.put_rates(row.id, RATES_FROM_START, rates).await?;
        Ok(row)
    }

    async fn put_rates(&self, org: OrgId, from: &str, rates: Rates) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("INSERT INTO org_rates (org, effective_from, own_car_ore_per_km, service_car_ore_per_km, \
                         benefit_fossil_ore_per_km, benefit_electric_ore_per_km, set_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (org, effective_from) DO UPDATE SET own_car_ore_per_km = excluded.own_car_ore_per_km, \
                         service_car_ore_per_km = excluded.service_car_ore_per_km, \
                         benefit_fossil_ore_per_km = excluded.benefit_fossil_ore_per_km, \
                         benefit_electric_ore_per_km = excluded.benefit_electric_ore_per_km, set_ms = excluded.set_ms")
                .bind(org.to_string())
                .bind(from)
                .bind(rates.own_car_ore_per_km)
                .bind(rates.service_car_ore_per_km)
                .bind(rates.benefit_fossil_ore_per_km)
                .bind(rates.benefit_electric_ore_per_km)
                .bind(now_ms())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// New rates for the organisation from `from` on. Refused when `from` falls in or before a
    /// month already approved for one of its drivers: that month was paid at the old rates, and
    /// a new rate must never re-price it.
    pub async fn set_org_rates(
        &self,
        org: OrgId,
        rates: Rates,
        from: NaiveDate,
    ) -> StoreResult<()> {
        rates
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if self.org(org).await?.is_none() {
            return Err(StoreError::NotFound("organisation"));
        }
        let approved: Option<(Option<String>,)> = on_pool!(self, p => {
            sqlx::query_as("SELECT MAX(month) FROM mileage_approvals WHERE org = $1")
                .bind(org.to_string())
                .fetch_optional(p)
                .await?
        });
        if let Some(month) = approved
            .and_then(|r| r.0)
            .filter(|month| from.format("%Y-%m").to_string() <= *month)
        {
            return Err(StoreError::Invalid(format!(
                "new rates cannot take effect from {from}: mileage for {month} is already approved and paid at the old rates; choose a day after {month}"
            )));
        }
        self.put_rates(org, &from.format("%Y-%m-%d").to_string(), rates)
            .await
    }

    /// The organisation's rates over time, oldest first, with its register's benefit cars whose
    /// driver pays the fuel (their trips earn the fuel allowance).
    pub async fn rate_schedule(&self, org: OrgId) -> StoreResult<RateSchedule> {
        let cars = self.driver_fuelled_cars(org).await?;
        Ok(self.rates_over_time(org).await?.with_driver_fuelled(cars))
    }

    async fn rates_over_time(&self, org: OrgId) -> StoreResult<RateSchedule> {
        let rows: Vec<(String, i64, i64, i64, i64)> = on_pool!(self, p => {
            sqlx::query_as("SELECT effective_from, own_car_ore_per_km, service_car_ore_per_km, \
                            benefit_fossil_ore_per_km, benefit_electric_ore_per_km FROM org_rates WHERE org = $1")
                .bind(org.to_string())
                .fetch_all(p)
                .await?
        });
        let mut entries = Vec::with_capacity(rows.len());
        for (from, own, service, fossil, electric) in rows {
            let day = NaiveDate::parse_from_str(&from, "%Y-%m-%d")
                .map_err(|_| StoreError::Corrupt("a rate's date".into()))?;
            entries.push((
                day,
                Rates {
                    own_car_ore_per_km: own,
                    service_car_ore_per_km: service,
                    benefit_fossil_ore_per_km: fossil,
                    benefit_electric_ore_per_km: electric,
                },
            ));
        }
        match RateSchedule::new(entries) {
            Some(s) => Ok(s),
            // An organisation from before dated rates that somehow lacks its row: its one rate.
            None => Ok(self
                .org(org)
                .await?
                .ok_or(StoreError::NotFound("organisation"))?
                .rates
                .into()),
        }
    }

    pub async fn list_orgs(&self) -> StoreResult<Vec<OrgRow>> {
        let rows: Vec<OrgTuple> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {} FROM organisations o ORDER BY o.name", org_cols())))
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(org_from).collect()
    }

    pub async fn org(&self, id: OrgId) -> StoreResult<Option<OrgRow>> {
        self.find_org(&id.to_string()).await
    }

    /// By id or by exact name.
    pub async fn find_org(&self, name_or_id: &str) -> StoreResult<Option<OrgRow>> {
        let id = as_uuid(name_or_id).unwrap_or_default();
        let row: Option<OrgTuple> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {} FROM organisations o WHERE o.id = $1 OR o.name = $2", org_cols())))
                .bind(id)
                .bind(name_or_id.trim())
                .fetch_optional(p)
                .await?
        });
        row.map(org_from).transpose()
    }

    pub async fn create_team(&self, name: &str, org: OrgId, pattern: &str) -> StoreResult<TeamRow> {
        let row = TeamRow {
            id: TeamId::new(),
            name: name.trim().to_owned(),
            org,
            client_code_pattern: pattern.to_owned(),
        };
        on_pool!(self, p => {
            sqlx::query("INSERT INTO teams (id, name, org, client_code_pattern, created_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(row.id.to_string())
                .bind(&row.name)
                .bind(org.to_string())
                .bind(pattern)
                .bind(now_ms())
                .execute(p)
                .await
                .map(|_| ())
        })
        .map_err(|e| conflict(e, "a team with that name exists"))?;
        Ok(row)
    }

    pub async fn list_teams(&self) -> StoreResult<Vec<TeamRow>> {
        let rows: Vec<TeamTuple> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {TEAM_COLS} FROM teams ORDER BY name")))
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(team_from).collect()
    }

    pub async fn team(&self, id: TeamId) -> StoreResult<Option<TeamRow>> {
        self.find_team(&id.to_string()).await
    }

    /// By id or by exact name.
    pub async fn find_team(&self, name_or_id: &str) -> StoreResult<Option<TeamRow>> {
        let id = as_uuid(name_or_id).unwrap_or_default();
        let row: Option<TeamTuple> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {TEAM_COLS} FROM teams WHERE id = $1 OR name = $2")))
                .bind(id)
                .bind(name_or_id.trim())
                .fetch_optional(p)
                .await?
        });
        row.map(team_from).transpose()
    }

    /// Creates the account with its password hash and team memberships in one transaction.
    pub async fn create_staff(&self, s: &NewStaff) -> StoreResult<StaffRow> {
        let mut tx = self.begin().await?;
        let row = tx.create_staff(s).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deactivated staff cannot log in and their devices stop working; rows stay for the log.
    /// A person's home–workplace distance, tenths of a km (validated by the caller with
    /// `uppsok_model::mileage::parse_home_work_km`; 0 clears it).
    pub async fn set_home_work(&self, staff: StaffId, deci_km: i64) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("UPDATE staff SET home_work_deci_km = $1 WHERE id = $2")
                .bind(deci_km)
                .bind(staff.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// One person's home–workplace distance, tenths of a km (0: none recorded).
    pub async fn home_work_of(&self, staff: StaffId) -> StoreResult<i64> {
        let km: Option<i64> = on_pool!(self, p => {
            sqlx::query_scalar("SELECT home_work_deci_km FROM staff WHERE id = $1")
                .bind(staff.to_string())
                .fetch_optional(p)
                .await?
        });
        Ok(km.unwrap_or(0))
    }

    /// Home–workplace distances of `org`'s staff that have one: username → tenths of a km.
    pub async fn home_work_distances(
        &self,
        org: uppsok_model::OrgId,
    ) -> StoreResult<std::collections::HashMap<String, i64>> {
        let rows: Vec<(String, i64)> = on_pool!(self, p => {
            sqlx::query_as("SELECT username, home_work_deci_km FROM staff WHERE org = $1 AND home_work_deci_km > 0")
                .bind(org.to_string())
                .fetch_all(p)
                .await?
        });
        Ok(rows.into_iter().collect())
    }

    pub async fn set_staff_active(&self, staff: StaffId, active: bool) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("UPDATE staff SET active = $1 WHERE id = $2")
                .bind(active)
                .bind(staff.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// The staff row and its teams in ONE query: the teams come back as one comma-separated
    /// column from a correlated subquery. Every authenticated request loads its caller this way,
    /// so a second round trip per request for the teams was a noticeable share of the read API's
    /// cost.
    pub(super) async fn staff_where(&self, w: Where) -> StoreResult<Vec<StaffRow>> {
        let sql = format!(
            "SELECT {STAFF_COLS}, {} FROM staff{} ORDER BY username",
            teams_column(&self.pool, "staff.id"),
            w.sql()
        );
        let rows: Vec<StaffTeamsTuple> = on_pool!(self, p => {
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &w.params).fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(id, username, name, org, role, active, teams)| {
                staff_from(
                    (id, username, name, org, role, active),
                    parse_teams(teams.as_deref())?,
                )
            })
            .collect()
    }

    pub async fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRow>> {
        let mut w = Where::default();
        w.and(
            "username = $?",
            [Param::Text(Some(username.trim().to_owned()))],
        );
        Ok(self.staff_where(w).await?.pop())
    }

    pub async fn staff_by_id(&self, id: StaffId) -> StoreResult<Option<StaffRow>> {
        let mut w = Where::default();
        w.and("id = $?", [Param::Text(Some(id.to_string()))]);
        Ok(self.staff_where(w).await?.pop())
    }

    /// A username or a staff id.
    pub async fn find_staff(&self, name_or_id: &str) -> StoreResult<Option<StaffRow>> {
        match as_uuid(name_or_id) {
            Some(id) => {
                let mut w = Where::default();
                w.and("id = $?", [Param::Text(Some(id))]);
                Ok(self.staff_where(w).await?.pop())
            }
            None => self.staff_by_username(name_or_id).await,
        }
    }

    /// Staff of `org` (when given) who are members of any of `teams` (when given).
    pub async fn list_staff(
        &self,
        org: Option<OrgId>,
        teams: Option<&[TeamId]>,
    ) -> StoreResult<Vec<StaffRow>> {
        let mut w = Where::default();
        if let Some(o) = org {
            w.and("org = $?", [Param::Text(Some(o.to_string()))]);
        }
        if let Some(ts) = teams {
            let marks = vec!["$?"; ts.len().max(1)].join(", ");
            if ts.is_empty() {
                w.and("1 = 0", []);
            } else {
                w.and(
                    &format!("id IN (SELECT staff FROM staff_teams WHERE team IN ({marks}))"),
                    ts.iter().map(|t| Param::Text(Some(t.to_string()))),
                );
            }
        }
        self.staff_where(w).await
    }

    pub async fn credentials(&self, staff: StaffId) -> StoreResult<Option<Credentials>> {
        let row: Option<CredTuple> = on_pool!(self, p => {
            sqlx::query_as("SELECT password_hash, must_change, totp_secret, totp_last_step, failed_attempts, locked_until_ms FROM credentials WHERE staff = $1")
                .bind(staff.to_string())
                .fetch_optional(p)
                .await?
        });
        let Some(r) = row else {
            return Ok(None);
        };
        let totp_secret = match r.2 {
            Some(stored) if crate::secrets::is_sealed(&stored) => {
                let key = self
                    .server_key
                    .as_ref()
                    .ok_or(crate::secrets::SecretError::NoKey)?;
                Some(key.open(&staff.to_string(), &stored)?.to_string())
            }
            other => other,
        };
        Ok(Some(Credentials {
            staff,
            password_hash: r.0,
            must_change: r.1,
            totp_secret,
            totp_last_step: r.3,
            failed_attempts: r.4,
            locked_until_ms: r.5,
        }))
    }

    /// Seals every TOTP secret still stored in plain text (from before the server key, or
    /// written by a process without it); returns how many. Needs the server key.
    pub async fn seal_plaintext_totp_secrets(&self) -> StoreResult<u64> {
        let Some(key) = &self.server_key else {
            return Ok(0);
        };
        let rows: Vec<(String, String)> = on_pool!(self, p => {
            sqlx::query_as("SELECT staff, totp_secret FROM credentials WHERE totp_secret IS NOT NULL")
                .fetch_all(p)
                .await?
        });
        let mut sealed = 0;
        for (staff, secret) in rows {
            if crate::secrets::is_sealed(&secret) {
                continue;
            }
            let value = key.seal(&staff, &secret)?;
            on_pool!(self, p => {
                // Only if unchanged meanwhile: a new secret written since wins.
                sqlx::query("UPDATE credentials SET totp_secret = $1 WHERE staff = $2 AND totp_secret = $3")
                    .bind(&value)
                    .bind(&staff)
                    .bind(&secret)
                    .execute(p)
                    .await?;
            });
            sealed += 1;
        }
        Ok(sealed)
    }

    /// A new password also clears the lock and the failure count (an admin reset unlocks).
    pub async fn set_password(
        &self,
        staff: StaffId,
        hash: &str,
        must_change: bool,
    ) -> StoreResult<()> {
        let n = on_pool!(self, p => {
            sqlx::query("UPDATE credentials SET password_hash = $1, must_change = $2, failed_attempts = 0, locked_until_ms = NULL, updated_ms = $3 WHERE staff = $4")
                .bind(hash)
                .bind(must_change)
                .bind(now_ms())
                .bind(staff.to_string())
                .execute(p)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("staff"));
        }
        Ok(())
    }

    pub async fn set_totp_secret(
        &self,
        staff: StaffId,
        secret_base32: Option<&str>,
    ) -> StoreResult<()> {
        let stored = match (secret_base32, &self.server_key) {
            (Some(secret), Some(key)) => Some(key.seal(&staff.to_string(), secret)?),
            (secret, _) => secret.map(str::to_owned),
        };
        on_pool!(self, p => {
            sqlx::query("UPDATE credentials SET totp_secret = $1, totp_last_step = NULL, updated_ms = $2 WHERE staff = $3")
                .bind(&stored)
                .bind(now_ms())
                .bind(staff.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Counts a failed login; from `threshold` failures on, the account is locked for `lock_ms`.
    /// Returns the lock's end when the account is now locked.
    pub async fn login_failed(
        &self,
        staff: StaffId,
        threshold: i64,
        lock_ms: i64,
    ) -> StoreResult<Option<i64>> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let (failed,): (i64,) = on_tx!(&mut tx, c => {
            sqlx::query_as("UPDATE credentials SET failed_attempts = failed_attempts + 1, updated_ms = $1 WHERE staff = $2 RETURNING failed_attempts")
                .bind(now)
                .bind(staff.to_string())
                .fetch_one(&mut *c)
                .await?
        });
        let locked = if failed >= threshold {
            let until = now + lock_ms;
            on_tx!(&mut tx, c => {
                sqlx::query("UPDATE credentials SET locked_until_ms = $1, failed_attempts = 0 WHERE staff = $2")
                    .bind(until)
                    .bind(staff.to_string())
                    .execute(&mut *c)
                    .await?;
            });
            Some(until)
        } else {
            None
        };
        tx.commit().await?;
        Ok(locked)
    }

    /// Resets the failure count and remembers the TOTP step used, so a code is accepted once.
    /// A login went through: the failed-attempt count and any lock are cleared.
    pub async fn login_succeeded(&self, staff: StaffId) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("UPDATE credentials SET failed_attempts = 0, locked_until_ms = NULL, updated_ms = $1 WHERE staff = $2")
                .bind(now_ms())
                .bind(staff.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// Marks TOTP `step` as used, in one statement that only succeeds when no step at or after
    /// it was used before: of several requests carrying the same code, exactly one gets `true`.
    pub async fn spend_totp_step(&self, staff: StaffId, step: i64) -> StoreResult<bool> {
        let done = on_pool!(self, p => {
            sqlx::query("UPDATE credentials SET totp_last_step = $1, updated_ms = $2 WHERE staff = $3 AND (totp_last_step IS NULL OR totp_last_step < $1)")
                .bind(step)
                .bind(now_ms())
                .bind(staff.to_string())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// A session opened with a password.
    pub async fn create_session(&self, s: &SessionRow) -> StoreResult<()> {
        self.create_session_with(s, &SessionAuth::PASSWORD).await
    }

    /// A session and how it was opened.
    pub async fn create_session_with(&self, s: &SessionRow, auth: &SessionAuth) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("INSERT INTO sessions (token_hash, staff, kind, csrf, created_ms, expires_ms, revoked, auth_method, acr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(&s.token_hash)
                .bind(s.staff.to_string())
                .bind(s.kind.as_str())
                .bind(&s.csrf)
                .bind(s.created_ms)
                .bind(s.expires_ms)
                .bind(s.revoked)
                .bind(auth.method.as_str())
                .bind(&auth.acr)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRow>> {
        let row: Option<(String, String, String, String, i64, i64, bool)> = on_pool!(self, p => {
            sqlx::query_as("SELECT token_hash, staff, kind, csrf, created_ms, expires_ms, revoked FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(p)
                .await?
        });
        row.map(|r| {
            Ok(SessionRow {
                token_hash: r.0,
                staff: parse_uuid(&r.1)?,
                kind: SessionKind::parse(&r.2)?,
                csrf: r.3,
                created_ms: r.4,
                expires_ms: r.5,
                revoked: r.6,
            })
        })
        .transpose()
    }

    /// A session, the member of staff it belongs to (with their teams), whether their
    /// password must change and how the session was opened, in one round trip: the check every
    /// request with a session token makes.
    pub async fn session_with_staff(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(SessionRow, StaffRow, bool, SessionAuth)>> {
        let sql = format!(
            "SELECT s.token_hash, s.kind, s.csrf, s.created_ms, s.expires_ms, s.revoked, \
             staff.id, staff.username, staff.name, staff.org, staff.role, staff.active, {}, \
             COALESCE(cr.must_change, FALSE), s.auth_method, s.acr \
             FROM sessions s JOIN staff ON staff.id = s.staff \
             LEFT JOIN credentials cr ON cr.staff = staff.id WHERE s.token_hash = $1",
            teams_column(&self.pool, "staff.id")
        );
        type Row = (
            String,
            String,
            String,
            i64,
            i64,
            bool,
            String,
            String,
            String,
            String,
            String,
            bool,
            Option<String>,
            bool,
            String,
            Option<String>,
        );
        let row: Option<Row> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await?
        });
        let Some(r) = row else {
            return Ok(None);
        };
        let staff = staff_from(
            (r.6, r.7, r.8, r.9, r.10, r.11),
            parse_teams(r.12.as_deref())?,
        )?;
        let session = SessionRow {
            token_hash: r.0,
            staff: staff.id,
            kind: SessionKind::parse(&r.1)?,
            csrf: r.2,
            created_ms: r.3,
            expires_ms: r.4,
            revoked: r.5,
        };
        let auth = SessionAuth {
            method: AuthMethod::parse(&r.14)?,
            acr: r.15,
        };
        Ok(Some((session, staff, r.13, auth)))
    }

    pub async fn revoke_session(&self, token_hash: &str) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("UPDATE sessions SET revoked = TRUE WHERE token_hash = $1")
                .bind(token_hash)
                .execute(p)
                .await?;
        });
        Ok(())
    }

    /// A member of staff's own password change: the new hash (clearing `must_change`, the
    /// lock and the failure count) and the end of every other session, in one transaction so
    /// a session stolen with the old password cannot outlive the change.
    pub async fn change_password(
        &self,
        staff: StaffId,
        hash: &str,
        keep_session: &str,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => {
            let n = sqlx::query("UPDATE credentials SET password_hash = $1, must_change = $2, failed_attempts = 0, locked_until_ms = NULL, updated_ms = $3 WHERE staff = $4")
                .bind(hash)
                .bind(false)
                .bind(now_ms())
                .bind(staff.to_string())
                .execute(&mut *c)
                .await?
                .rows_affected();
            sqlx::query("UPDATE sessions SET revoked = TRUE WHERE staff = $1 AND token_hash <> $2")
                .bind(staff.to_string())
                .bind(keep_session)
                .execute(&mut *c)
                .await?;
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound("staff"));
        }
        tx.commit().await
    }

    /// Ends every session of a member of staff (password reset, deactivation).
    pub async fn revoke_sessions_of(&self, staff: StaffId) -> StoreResult<()> {
        on_pool!(self, p => {
            sqlx::query("UPDATE sessions SET revoked = TRUE WHERE staff = $1")
                .bind(staff.to_string())
                .execute(p)
                .await?;
        });
        Ok(())
    }
}

impl Tx {
    /// The account, its password hash and its team memberships, inside this transaction.
    pub async fn create_staff(&mut self, s: &NewStaff) -> StoreResult<StaffRow> {
        let id = StaffId::new();
        let now = now_ms();
        on_tx!(self, c => {
            sqlx::query("INSERT INTO staff (id, username, name, org, role, active, created_ms) VALUES ($1, $2, $3, $4, $5, TRUE, $6)")
                .bind(id.to_string())
                .bind(s.username.as_str())
                .bind(s.name.as_str())
                .bind(s.org.to_string())
                .bind(s.role.as_str())
                .bind(now)
                .execute(&mut *c)
                .await
                .map_err(|e| conflict(e, "that username is taken"))?;
            for t in &s.teams {
                sqlx::query("INSERT INTO staff_teams (staff, team) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id.to_string())
                    .bind(t.to_string())
                    .execute(&mut *c)
                    .await?;
            }
            sqlx::query("INSERT INTO credentials (staff, password_hash, must_change, failed_attempts, updated_ms) VALUES ($1, $2, $3, 0, $4)")
                .bind(id.to_string())
                .bind(&s.password_hash)
                .bind(s.must_change)
                .bind(now)
                .execute(&mut *c)
                .await?;
        });
        Ok(StaffRow {
            id,
            username: s.username.to_string(),
            name: s.name.to_string(),
            org: s.org,
            role: s.role,
            active: true,
            teams: s.teams.clone(),
        })
    }

    /// Whether the team exists; used by record writes inside their transaction.
    pub async fn team_exists(&mut self, team: TeamId) -> StoreResult<bool> {
        let n: i64 = on_tx!(self, c => {
            sqlx::query_scalar("SELECT COUNT(*) FROM teams WHERE id = $1")
                .bind(team.to_string())
                .fetch_one(&mut *c)
                .await?
        });
        Ok(n > 0)
    }
}

pub(crate) fn conflict(e: sqlx::Error, what: &str) -> StoreError {
    let e = StoreError::Database(e);
    if e.is_unique_violation() {
        StoreError::Conflict(what.to_owned())
    } else {
        e
    }
}
