//! `uppsok admin retention …`: the periods each organisation keeps its data (dated), the window
//! of history its phones keep (dated too), legal holds,
//! the culling job's plan and run, and the gallring records (docs/retention.md). Straight against
//! the database like the rest of `admin`. What it prints about clients is their codes, never a
//! name or a place.

use std::io::Write;

use anyhow::{anyhow, bail};
use clap::Subcommand;
use uppsok_model::protocol::history::window_days;
use uppsok_server::retention::{self, ClassPlan, RetentionClass};
use uppsok_server::store::{Store, TeamRow};

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Set how many years an organisation keeps a class of data, from a day on (default today).
    /// Classes: client_records (a client and its contacts, counted from the last entry), trips
    /// (and their approvals, whole calendar years), access_log. The law's period is the floor.
    Set {
        /// The organisation (name or id).
        org: String,
        #[arg(long)]
        class: String,
        #[arg(long)]
        years: i64,
        /// The first day the period applies, YYYY-MM-DD (default: today).
        #[arg(long)]
        from: Option<String>,
    },
    /// Set how many months of contacts, outcomes and trips an organisation's phones keep, from
    /// a day on (default today); 1–36, default 6. Older records leave the phones at their next
    /// sync (nothing leaves the server) and are fetched on demand while online.
    Window {
        /// The organisation (name or id).
        org: String,
        #[arg(long)]
        months: i64,
        /// The first day the window applies, YYYY-MM-DD (default: today).
        #[arg(long)]
        from: Option<String>,
    },
    /// The periods and the phones' window in force today for each organisation, and every one
    /// set before.
    Show,
    /// What a run today would cull and why: per organisation and class the period, the
    /// cut-off and the counts; the codes of the clients that would go and of those a hold keeps.
    Plan,
    /// Cull what the plan lists, on the server now and on the phones at their next sync, and
    /// write a gallring record per organisation and class.
    Run,
    /// Put a client under a legal hold: no culling touches its records until released.
    Hold {
        /// The client's code, e.g. K-017.
        code: String,
        /// The client's team (name or id).
        #[arg(long)]
        team: String,
    },
    /// Lift a legal hold.
    Release {
        code: String,
        #[arg(long)]
        team: String,
    },
    /// The clients under a legal hold.
    Holds,
    /// The gallring records, newest first.
    Log {
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

/// Who ran the command, as the gallring record and the settings keep it: the operating-system
/// account (the admin command has no login of its own).
pub(crate) fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "okänd".into());
    format!("uppsok admin ({user})")
}

/// `--from`: the day given, or today in Sweden.
fn from_day(from: Option<&str>) -> anyhow::Result<chrono::NaiveDate> {
    match from {
        None => Ok(uppsok_model::fidelity::swedish_date(chrono::Utc::now())),
        Some(s) => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow!("--from is a date written YYYY-MM-DD")),
    }
}

fn day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| "-".into(), |d| d.format("%Y-%m-%d").to_string())
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || "-".into(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn print_plans(out: &mut impl Write, plans: &[ClassPlan], verb: &str) -> anyhow::Result<()> {
    for p in plans {
        writeln!(
            out,
            "{}\t{}\t{} years\tbefore {}\t{verb} {}\theld {}",
            p.org_name,
            p.class,
            p.years,
            day(p.cutoff_ms),
            p.removed(),
            p.held.len()
        )?;
        for c in &p.clients {
            writeln!(
                out,
                "  {verb} {} ({})\tlast entry {}\t{} contacts",
                c.code,
                c.team_name,
                day(c.last_entry_ms),
                c.visits
            )?;
        }
        for c in &p.held {
            writeln!(
                out,
                "  held {} ({})\tlast entry {}\tunder a legal hold",
                c.code,
                c.team_name,
                day(c.last_entry_ms)
            )?;
        }
        if p.class == RetentionClass::Trips && p.removed() > 0 {
            writeln!(
                out,
                "  {} trips, {} approval versions",
                p.trips, p.approvals
            )?;
        }
    }
    Ok(())
}

async fn client(
    store: &Store,
    code: &str,
    team: &str,
) -> anyhow::Result<(uppsok_model::ClientId, TeamRow)> {
    let t = store
        .find_team(team)
        .await?
        .ok_or_else(|| anyhow!("--team: no team named or with id {team:?}"))?;
    let id = store
        .client_by_code(t.id, code)
        .await?
        .ok_or_else(|| anyhow!("code: no live client with that code in {}", t.name))?;
    Ok((id, t))
}

pub async fn dispatch(
    store: &Store,
    cmd: RetentionCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match cmd {
        RetentionCommand::Set {
            org,
            class,
            years,
            from,
        } => {
            let o = store
                .find_org(&org)
                .await?
                .ok_or_else(|| anyhow!("no organisation named or with id {org:?}"))?;
            let class: RetentionClass = class.parse()?;
            let from = from_day(from.as_deref())?;
            store
                .set_retention_class(o.id, class, years, from, &operator())
                .await?;
            writeln!(out, "{}: {class} kept {years} years from {from}", o.name)?;
        }
        RetentionCommand::Window { org, months, from } => {
            let o = store
                .find_org(&org)
                .await?
                .ok_or_else(|| anyhow!("no organisation named or with id {org:?}"))?;
            let from = from_day(from.as_deref())?;
            store
                .set_phone_window(o.id, months, from, &operator())
                .await?;
            writeln!(
                out,
                "{}: phones keep {months} months ({} days) of contacts, outcomes and trips from {from}",
                o.name,
                window_days(months as u32)
            )?;
        }
        RetentionCommand::Show => {
            let today = uppsok_model::fidelity::swedish_date(chrono::Utc::now());
            let rows = store.retention_classes().await?;
            for o in store.list_orgs().await? {
                for class in RetentionClass::ALL {
                    let years = retention::years_in_force(&rows, o.id, o.kind, class, today);
                    let source = if rows
                        .iter()
                        .any(|r| r.org == o.id && r.class == class && r.effective_from <= today)
                    {
                        "set"
                    } else {
                        "default"
                    };
                    writeln!(out, "{}\t{class}\t{years} years\t{source}", o.name)?;
                }
            }
            for o in store.list_orgs().await? {
                let months = store.phone_window_months(o.id, today).await?;
                writeln!(
                    out,
                    "{}\tphone_window\t{months} months ({} days)",
                    o.name,
                    window_days(months)
                )?;
            }
            for r in &rows {
                let name = store
                    .org(r.org)
                    .await?
                    .map_or_else(|| r.org.to_string(), |o| o.name);
                writeln!(
                    out,
                    "history\t{name}\t{}\t{} years from {}\tset by {} at {}",
                    r.class,
                    r.years,
                    r.effective_from,
                    r.set_by,
                    time(r.set_ms)
                )?;
            }
            for r in store.phone_windows().await? {
                let name = store
                    .org(r.org)
                    .await?
                    .map_or_else(|| r.org.to_string(), |o| o.name);
                writeln!(
                    out,
                    "history\t{name}\tphone_window\t{} months from {}\tset by {} at {}",
                    r.months,
                    r.effective_from,
                    r.set_by,
                    time(r.set_ms)
                )?;
            }
        }
        RetentionCommand::Plan => {
            let plans = retention::plan(store, chrono::Utc::now()).await?;
            print_plans(out, &plans, "would cull")?;
        }
        RetentionCommand::Run => {
            let plans = retention::run(store, chrono::Utc::now(), &operator()).await?;
            print_plans(out, &plans, "culled")?;
            let total: i64 = plans.iter().map(ClassPlan::removed).sum();
            writeln!(
                out,
                "{total} records culled; phones drop them at their next sync; see `uppsok admin retention log`"
            )?;
        }
        RetentionCommand::Hold { code, team } => {
            let (id, t) = client(store, &code, &team).await?;
            let team_name = t.name;
            if store.hold_client(id, t.id, &operator()).await? {
                writeln!(out, "{code} ({team_name}) is under a legal hold")?;
            } else {
                writeln!(out, "{code} ({team_name}) was already under a legal hold")?;
            }
        }
        RetentionCommand::Release { code, team } => {
            let (id, t) = client(store, &code, &team).await?;
            let team_name = t.name;
            if !store.release_client(id).await? {
                bail!("{code} ({team_name}) is not under a legal hold");
            }
            writeln!(out, "{code} ({team_name}) is no longer under a legal hold")?;
        }
        RetentionCommand::Holds => {
            let teams = store.list_teams().await?;
            for h in store.retention_holds().await? {
                let team = teams
                    .iter()
                    .find(|t| t.id == h.team)
                    .map_or("?", |t| t.name.as_str());
                writeln!(
                    out,
                    "{}\t{team}\tsince {}\tby {}",
                    h.code.as_deref().unwrap_or("-"),
                    time(h.set_ms),
                    h.set_by
                )?;
            }
        }
        RetentionCommand::Log { limit } => {
            let orgs = store.list_orgs().await?;
            for r in store.retention_runs(limit).await? {
                let org = orgs
                    .iter()
                    .find(|o| o.id == r.org)
                    .map_or("?", |o| o.name.as_str());
                writeln!(
                    out,
                    "{}\t{}\t{org}\t{}\t{} years\tbefore {}\tculled {}\theld {}",
                    time(r.run_ms),
                    r.run_by,
                    r.class,
                    r.years,
                    day(r.cutoff_ms),
                    r.removed,
                    r.held
                )?;
            }
        }
    }
    Ok(())
}
