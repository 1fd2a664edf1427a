//! `uppsok admin vehicle add|list`: the organisation's own cars — pool cars and benefit cars —
//! by registration number. Trips name a car as `service:REGISTRATION`; a car in this register
//! gets its own körjournal on the dashboard's mileage page (docs/mileage.md).

use std::io::Write;

use anyhow::anyhow;
use clap::Subcommand;
use uppsok_model::mileage::{CarKind, Registration};
use uppsok_server::store::Store;

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
        } => {
            let o = crate::admin::org(store, &org).await?;
            let registration = Registration::parse(&registration).map_err(|e| anyhow!("--{e}"))?;
            let kind: CarKind = kind.parse().map_err(|e| anyhow!("--{e}"))?;
            let v = store
                .add_vehicle(o.id, &registration, kind, &crate::retention::operator())
                .await?;
            writeln!(out, "{}\t{}\t{}", v.registration, v.kind.label_sv(), o.name)?;
        }
        VehicleCommand::List { org } => {
            let orgs = match org {
                Some(o) => vec![crate::admin::org(store, &o).await?],
                None => store.list_orgs().await?,
            };
            for o in orgs {
                for v in store.vehicles(o.id).await? {
                    writeln!(out, "{}\t{}\t{}", v.registration, v.kind.label_sv(), o.name)?;
                }
            }
        }
    }
    Ok(())
}
