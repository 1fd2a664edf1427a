//! `uppsok admin vehicle add|set|list`: the organisation's own cars — pool cars and benefit
//! cars — by registration number, what each runs on, and whether a benefit car's driver pays
//! the fuel (its trips then earn the fuel allowance). Trips name a car as `service:REGISTRATION`; a car in this register
//! gets its own körjournal on the dashboard's mileage page (docs/mileage.md).

use std::io::Write;

use anyhow::{anyhow, bail};
use clap::Subcommand;
use uppsok_model::mileage::{CarKind, Fuel, Registration};
use uppsok_server::store::{Store, VehicleRow};

/// "ABC123, förmånsbil, el, föraren betalar drivmedlet, Kalix kommun", tab-separated.
fn line(v: &VehicleRow, org: &str) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{org}",
        v.registration,
        v.kind.label_sv(),
        v.fuel.label_sv(),
        if v.driver_pays_fuel {
            "föraren betalar drivmedlet"
        } else {
            "arbetsgivaren betalar drivmedlet"
        },
    )
}

#[derive(Subcommand, Debug)]
pub enum VehicleCommand {
    /// Add a car to an organisation's register.
    Add {
        /// The organisation that has the car (name or id).
        #[arg(long)]
        org: String,
        /// The registration number, e.g. ABC123 (spaces and dashes are dropped).
        #[arg(long)]
        registration: String,
        /// pool_car (poolbil) or benefit_car (förmånsbil).
        #[arg(long)]
        kind: String,
        /// fossil (petrol, diesel, gas, plug-in hybrid) or electric (electricity alone).
        #[arg(long, default_value = "fossil")]
        fuel: String,
        /// The driver pays the fuel (a benefit car only): its trips earn the fuel allowance.
        #[arg(long)]
        driver_pays_fuel: bool,
    },
    /// Change what a car runs on and who pays its fuel, from now on (months already approved
    /// keep their figures; the mileage page shows them as changed after approval).
    Set {
        #[arg(long)]
        org: String,
        #[arg(long)]
        registration: String,
        /// fossil or electric.
        #[arg(long)]
        fuel: String,
        /// yes: the driver pays the fuel; no: the employer does.
        #[arg(long)]
        driver_pays_fuel: String,
    },
    /// The organisation's cars (all organisations' without --org).
    List {
        #[arg(long)]
        org: Option<String>,
    },
}

pub async fn run(store: &Store, cmd: VehicleCommand, out: &mut impl Write) -> anyhow::Result<()> {
    match cmd {
        VehicleCommand::Add {
            org,
            registration,
            kind,
            fuel,
            driver_pays_fuel,
        } => {
            let o = crate::admin::org(store, &org).await?;
            let registration = Registration::parse(&registration).map_err(|e| anyhow!("--{e}"))?;
            let kind: CarKind = kind.parse().map_err(|e| anyhow!("--{e}"))?;
            let fuel: Fuel = fuel.parse().map_err(|e| anyhow!("--{e}"))?;
            let v = store
                .add_vehicle(
                    o.id,
                    &registration,
                    kind,
                    fuel,
                    driver_pays_fuel,
                    &crate::retention::operator(),
                )
                .await?;
            writeln!(out, "{}", line(&v, &o.name))?;
        }
        VehicleCommand::Set {
            org,
            registration,
            fuel,
            driver_pays_fuel,
        } => {
            let o = crate::admin::org(store, &org).await?;
            let registration = Registration::parse(&registration).map_err(|e| anyhow!("--{e}"))?;
            let fuel: Fuel = fuel.parse().map_err(|e| anyhow!("--{e}"))?;
            let pays = match driver_pays_fuel.trim() {
                "yes" | "ja" | "true" => true,
                "no" | "nej" | "false" => false,
                _ => bail!("--driver-pays-fuel is yes or no"),
            };
            let v = store
                .set_vehicle_fuel(o.id, &registration, fuel, pays)
                .await?;
            writeln!(out, "{}", line(&v, &o.name))?;
        }
        VehicleCommand::List { org } => {
            let orgs = match org {
                Some(o) => vec![crate::admin::org(store, &o).await?],
                None => store.list_orgs().await?,
            };
            for o in orgs {
                for v in store.vehicles(o.id).await? {
                    writeln!(out, "{}", line(&v, &o.name))?;
                }
            }
        }
    }
    Ok(())
}
