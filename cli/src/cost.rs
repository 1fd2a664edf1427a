//! `uppsok admin org staff-cost …` and `uppsok admin team staffing …`: what an hour of an
//! organisation's staff costs (dated, like the mileage rates) and how many full-time posts each
//! organisation puts into a team, for the cost page and the yearly report (docs/cost.md). Every
//! change is kept with who made it (the operating-system account, as for retention).

use std::io::Write;

use anyhow::{anyhow, bail};
use clap::Subcommand;
use uppsok_model::cost::parse_kronor_per_hour;
use uppsok_server::store::{CostChangeKind, Store};

#[derive(Subcommand, Debug)]
pub enum StaffCostCommand {
    /// Set the hourly staff cost (salary with social fees, kronor per paid hour) from a day on
    /// (default today). Hours before that day keep their old cost.
    Set {
        /// The organisation (name or id).
        org: String,
        /// The first day the cost applies, YYYY-MM-DD (default: today).
        #[arg(long)]
        from: Option<String>,
        /// Kronor per hour, e.g. 480 or 480,50.
        #[arg(long)]
        per_hour: String,
    },
    /// The costs with the day each took effect, and every change made.
    Show {
        /// The organisation (name or id).
        org: String,
    },
}

/// Parses `--from`, default today (Swedish date).
fn from_day(from: Option<&str>) -> anyhow::Result<chrono::NaiveDate> {
    match from {
        None => Ok(uppsok_model::fidelity::swedish_date(chrono::Utc::now())),
        Some(s) => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow!("--from is a date written YYYY-MM-DD")),
    }
}

fn kr(ore: i64) -> String {
    format!("{}.{:02}", ore / 100, ore % 100)
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || "-".into(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

pub async fn staff_cost(
    store: &Store,
    cmd: StaffCostCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match cmd {
        StaffCostCommand::Set {
            org,
            from,
            per_hour,
        } => {
            let o = crate::admin::org(store, &org).await?;
            let from = from_day(from.as_deref())?;
            let ore = parse_kronor_per_hour(&per_hour).map_err(|e| anyhow!("--{e}"))?;
            store
                .set_staff_cost(o.id, from, ore, &crate::retention::operator())
                .await?;
            writeln!(
                out,
                "staff cost of {} from {from}: {} kr per hour",
                o.name,
                kr(ore)
            )?;
        }
        StaffCostCommand::Show { org } => {
            let o = crate::admin::org(store, &org).await?;
            match store.staff_cost_schedule(o.id).await? {
                None => writeln!(
                    out,
                    "{}: no staff cost set (uppsok admin org staff-cost set)",
                    o.name
                )?,
                Some(s) => {
                    for (from, ore) in s.entries() {
                        writeln!(out, "{}\tfrom {from}\t{} kr per hour", o.name, kr(*ore))?;
                    }
                }
            }
            for c in store.staff_cost_changes(o.id).await? {
                let before = c.previous_value.map_or("new".to_owned(), |v| match c.kind {
                    CostChangeKind::StaffCost => format!("was {} kr", kr(v)),
                    CostChangeKind::Staffing => format!("was {} posts", kr(v)),
                });
                match c.kind {
                    CostChangeKind::StaffCost => writeln!(
                        out,
                        "  changed {}\tby {}\tcost from {}: {} kr per hour ({before})",
                        time(c.set_ms),
                        c.set_by,
                        c.effective_from.map_or("-".into(), |d| d.to_string()),
                        kr(c.value)
                    )?,
                    CostChangeKind::Staffing => writeln!(
                        out,
                        "  changed {}\tby {}\tstaffing of team {}: {} posts ({before})",
                        time(c.set_ms),
                        c.set_by,
                        c.team.map_or("-".into(), |t| t.to_string()),
                        kr(c.value)
                    )?,
                }
            }
        }
    }
    Ok(())
}

/// Posts typed as "2,5" or "2.5", in hundredths.
fn parse_posts(s: &str) -> anyhow::Result<i64> {
    let n: f64 = s
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| anyhow!("--posts must be a number of full-time posts like 2,5"))?;
    if !n.is_finite() || !(0.0..=100.0).contains(&n) {
        bail!("--posts must be between 0 and 100 full-time posts");
    }
    // In range by the check above, so the cast cannot saturate.
    Ok((n * 100.0).round() as i64)
}

/// `uppsok admin team staffing TEAM --org ORG --posts N`.
pub async fn staffing(
    store: &Store,
    team: &str,
    org: &str,
    posts: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let t = crate::admin::team(store, team).await?;
    let o = crate::admin::org(store, org).await?;
    let fte = parse_posts(posts)?;
    store
        .set_team_staffing(t.id, o.id, fte, &crate::retention::operator())
        .await?;
    writeln!(
        out,
        "staffing of {} from {}: {} full-time posts",
        t.name,
        o.name,
        kr(fte)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_parsed_and_bounded() {
        assert_eq!(parse_posts("2,5").unwrap(), 250);
        assert_eq!(parse_posts("0").unwrap(), 0);
        assert!(parse_posts("-1").is_err());
        assert!(parse_posts("101").is_err());
        assert!(parse_posts("två").is_err());
        assert_eq!(kr(48_050), "480.50");
    }
}
