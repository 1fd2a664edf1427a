//! What the team's time costs: each organisation's hourly staff cost with the day it took effect
//! (migration 0018), the team's staffing per organisation, and the kept record of every change to
//! either (`staff_cost_changes`: who set what, when, and what it replaced). Set with
//! `uppsok admin org staff-cost` and `uppsok admin team staffing`; read by the cost page and the
//! yearly report (docs/cost.md).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use uppsok_model::cost::{StaffCostSchedule, Staffing, check_ore_per_hour};
use uppsok_model::{OrgId, TeamId, Trip};

use super::{Store, StoreError, StoreResult, now_ms, on_pool, on_tx};

/// The most full-time posts one organisation puts into one team, in hundredths (100 posts).
pub const FTE_HUNDREDTHS_MAX: i64 = 10_000;

/// One kept change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostChangeRow {
    pub kind: CostChangeKind,
    pub org: OrgId,
    pub team: Option<TeamId>,
    pub effective_from: Option<NaiveDate>,
    pub value: i64,
    pub previous_value: Option<i64>,
    pub set_by: String,
    pub set_ms: i64,
}

/// What a change set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostChangeKind {
    /// An hourly staff cost, öre.
    StaffCost,
    /// A team's staffing from an organisation, posts in hundredths.
    Staffing,
}

impl CostChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CostChangeKind::StaffCost => "staff_cost",
            CostChangeKind::Staffing => "staffing",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "staff_cost" => Ok(CostChangeKind::StaffCost),
            "staffing" => Ok(CostChangeKind::Staffing),
            _ => Err(StoreError::Corrupt("a staff cost change's kind".into())),
        }
    }
}

fn id<T: std::str::FromStr>(s: &str) -> StoreResult<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt("an id column holds something other than a UUID".into()))
}

fn day(s: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt("a staff cost's date".into()))
}

impl Store {
    /// The organisation's hourly staff cost from `from` on, öre per hour (a later setting for
    /// the same day replaces it). The change is kept with `set_by` and what it replaced.
    pub async fn set_staff_cost(
        &self,
        org: OrgId,
        from: NaiveDate,
        ore_per_hour: i64,
        set_by: &str,
    ) -> StoreResult<()> {
        check_ore_per_hour(ore_per_hour).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if self.org(org).await?.is_none() {
            return Err(StoreError::NotFound("organisation"));
        }
        let from_s = from.format("%Y-%m-%d").to_string();
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => {
            let previous: Option<i64> = sqlx::query_scalar(
                "SELECT ore_per_hour FROM org_staff_costs WHERE org = $1 AND effective_from = $2",
            )
            .bind(org.to_string())
            .bind(&from_s)
            .fetch_optional(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO org_staff_costs (org, effective_from, ore_per_hour, set_by, set_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org, effective_from) DO UPDATE SET \
                 ore_per_hour = excluded.ore_per_hour, set_by = excluded.set_by, set_ms = excluded.set_ms",
            )
            .bind(org.to_string())
            .bind(&from_s)
            .bind(ore_per_hour)
            .bind(set_by)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO staff_cost_changes (kind, org, team, effective_from, value, previous_value, set_by, set_ms) \
                 VALUES ($1, $2, NULL, $3, $4, $5, $6, $7)",
            )
            .bind(CostChangeKind::StaffCost.as_str())
            .bind(org.to_string())
            .bind(&from_s)
            .bind(ore_per_hour)
            .bind(previous)
            .bind(set_by)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// The organisation's hourly staff costs over time; `None` when none is set.
    pub async fn staff_cost_schedule(&self, org: OrgId) -> StoreResult<Option<StaffCostSchedule>> {
        let rows: Vec<(String, i64)> = on_pool!(self, p => {
            sqlx::query_as("SELECT effective_from, ore_per_hour FROM org_staff_costs WHERE org = $1")
                .bind(org.to_string())
                .fetch_all(p)
                .await?
        });
        let entries = rows
            .into_iter()
            .map(|(d, ore)| Ok((day(&d)?, ore)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(StaffCostSchedule::new(entries))
    }

    /// Every organisation's schedule, for the organisations that have one.
    pub async fn staff_cost_schedules(&self) -> StoreResult<BTreeMap<OrgId, StaffCostSchedule>> {
        let rows: Vec<(String, String, i64)> = on_pool!(self, p => {
            sqlx::query_as("SELECT org, effective_from, ore_per_hour FROM org_staff_costs")
                .fetch_all(p)
                .await?
        });
        let mut by_org: BTreeMap<OrgId, Vec<(NaiveDate, i64)>> = BTreeMap::new();
        for (org, d, ore) in rows {
            by_org.entry(id(&org)?).or_default().push((day(&d)?, ore));
        }
        Ok(by_org
            .into_iter()
            .filter_map(|(org, e)| StaffCostSchedule::new(e).map(|s| (org, s)))
            .collect())
    }

    /// The team's staffing from `org`: full-time posts in hundredths (0 removes it from the
    /// full cost). The change is kept.
    pub async fn set_team_staffing(
        &self,
        team: TeamId,
        org: OrgId,
        fte_hundredths: i64,
        set_by: &str,
    ) -> StoreResult<()> {
        if !(0..=FTE_HUNDREDTHS_MAX).contains(&fte_hundredths) {
            return Err(StoreError::Invalid(
                "posts must be between 0 and 100 full-time posts".into(),
            ));
        }
        if self.org(org).await?.is_none() {
            return Err(StoreError::NotFound("organisation"));
        }
        if self.team(team).await?.is_none() {
            return Err(StoreError::NotFound("team"));
        }
        let now = now_ms();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => {
            let previous: Option<i64> = sqlx::query_scalar(
                "SELECT fte_hundredths FROM team_staffing WHERE team = $1 AND org = $2",
            )
            .bind(team.to_string())
            .bind(org.to_string())
            .fetch_optional(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO team_staffing (team, org, fte_hundredths, set_by, set_ms) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (team, org) DO UPDATE SET fte_hundredths = excluded.fte_hundredths, \
                 set_by = excluded.set_by, set_ms = excluded.set_ms",
            )
            .bind(team.to_string())
            .bind(org.to_string())
            .bind(fte_hundredths)
            .bind(set_by)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "INSERT INTO staff_cost_changes (kind, org, team, effective_from, value, previous_value, set_by, set_ms) \
                 VALUES ($1, $2, $3, NULL, $4, $5, $6, $7)",
            )
            .bind(CostChangeKind::Staffing.as_str())
            .bind(org.to_string())
            .bind(team.to_string())
            .bind(fte_hundredths)
            .bind(previous)
            .bind(set_by)
            .bind(now)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// The team's staffing per organisation (posts above 0 only).
    pub async fn team_staffing(&self, team: TeamId) -> StoreResult<Vec<Staffing>> {
        let rows: Vec<(String, i64)> = on_pool!(self, p => {
            sqlx::query_as("SELECT org, fte_hundredths FROM team_staffing WHERE team = $1 AND fte_hundredths > 0 ORDER BY org")
                .bind(team.to_string())
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(org, fte)| {
                Ok(Staffing {
                    org: id(&org)?,
                    fte_hundredths: fte,
                })
            })
            .collect()
    }

    /// The kept changes about `org` (its costs, and staffing it puts into teams), oldest first.
    pub async fn staff_cost_changes(&self, org: OrgId) -> StoreResult<Vec<CostChangeRow>> {
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
            String,
            i64,
        );
        let rows: Vec<Row> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT kind, org, team, effective_from, value, previous_value, set_by, set_ms \
                 FROM staff_cost_changes WHERE org = $1 ORDER BY id",
            )
            .bind(org.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(
                |(kind, org, team, from, value, previous_value, set_by, set_ms)| {
                    Ok(CostChangeRow {
                        kind: CostChangeKind::parse(&kind)?,
                        org: id(&org)?,
                        team: team.as_deref().map(id).transpose()?,
                        effective_from: from.as_deref().map(day).transpose()?,
                        value,
                        previous_value,
                        set_by,
                        set_ms,
                    })
                },
            )
            .collect()
    }

    /// Every trip of `team` starting in `[from_ms, to_ms)`, of every organisation, with the
    /// driver's organisation: only for figures that leave the server as sums (the cost page's
    /// team and organisation totals, `access::may_see_trip_totals`), never for anything that
    /// lists a trip or shows another organisation's driver.
    pub async fn team_trips_for_totals(
        &self,
        team: TeamId,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<(OrgId, Trip)>> {
        let rows: Vec<(String, String)> = on_pool!(self, p => {
            sqlx::query_as("SELECT org, body FROM trips WHERE team = $1 AND start_ms >= $2 AND start_ms < $3 AND deleted = FALSE ORDER BY start_ms")
                .bind(team.to_string())
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(org, body)| {
                let trip: Trip = serde_json::from_str(&body)
                    .map_err(|_| StoreError::Corrupt("a trip body does not parse".into()))?;
                Ok((id(&org)?, trip))
            })
            .collect()
    }
}
