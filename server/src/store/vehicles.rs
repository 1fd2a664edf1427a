//! The organisation's own cars (migration 0021): pool cars and benefit cars by registration
//! number, added with `uppsok admin vehicle add` and listed on the dashboard's mileage page,
//! where each has its körjournal (`uppsok_model::mileage::vehicle`). Migration 0022 adds what a
//! car runs on and whether its driver pays the fuel: such a benefit car's trips earn the fuel
//! allowance ([`Store::driver_fuelled_cars`]).

use uppsok_model::OrgId;
use uppsok_model::mileage::vehicle::check_driver_pays_fuel;
use uppsok_model::mileage::{CarKind, DriverFuelledCars, Fuel, Registration};

use sqlx::AssertSqlSafe;

use super::{Store, StoreError, StoreResult, now_ms, on_pool};

/// One car in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRow {
    pub org: OrgId,
    pub registration: Registration,
    pub kind: CarKind,
    pub fuel: Fuel,
    /// The driver pays the fuel (a benefit car only): its trips earn the fuel allowance.
    pub driver_pays_fuel: bool,
    /// Who added it (the operating-system user of `uppsok admin`).
    pub added_by: String,
    pub added_ms: i64,
}

type Raw = (String, String, String, String, bool, String, i64);

const COLS: &str = "org, registration, kind, fuel, driver_pays_fuel, added_by, added_ms";

fn row(
    (org, registration, kind, fuel, driver_pays_fuel, added_by, added_ms): Raw,
) -> StoreResult<VehicleRow> {
    Ok(VehicleRow {
        org: org
            .parse()
            .map_err(|_| StoreError::Corrupt("a vehicle's organisation".into()))?,
        registration: Registration::parse(&registration)
            .map_err(|_| StoreError::Corrupt("a vehicle's registration number".into()))?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::Corrupt("a vehicle's kind".into()))?,
        fuel: fuel
            .parse()
            .map_err(|_| StoreError::Corrupt("a vehicle's fuel".into()))?,
        driver_pays_fuel,
        added_by,
        added_ms,
    })
}

impl Store {
    /// Adds a car to `org`'s register; the same registration twice is a conflict, and only a
    /// benefit car's driver may pay its fuel.
    pub async fn add_vehicle(
        &self,
        org: OrgId,
        registration: &Registration,
        kind: CarKind,
        fuel: Fuel,
        driver_pays_fuel: bool,
        added_by: &str,
    ) -> StoreResult<VehicleRow> {
        check_driver_pays_fuel(kind, driver_pays_fuel)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        if self.org(org).await?.is_none() {
            return Err(StoreError::NotFound("organisation"));
        }
        let now = now_ms();
        let done: Result<_, sqlx::Error> = on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO vehicles (org, registration, kind, fuel, driver_pays_fuel, added_by, added_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(org.to_string())
            .bind(registration.as_str())
            .bind(kind.as_str())
            .bind(fuel.as_str())
            .bind(driver_pays_fuel)
            .bind(added_by)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ())
        });
        match done.map_err(StoreError::from) {
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(format!(
                "{registration} is already in the organisation's register"
            ))),
            Err(e) => Err(e),
            Ok(()) => Ok(VehicleRow {
                org,
                registration: registration.clone(),
                kind,
                fuel,
                driver_pays_fuel,
                added_by: added_by.to_owned(),
                added_ms: now,
            }),
        }
    }

    /// `org`'s cars, by registration.
    pub async fn vehicles(&self, org: OrgId) -> StoreResult<Vec<VehicleRow>> {
        let rows: Vec<Raw> = on_pool!(self, p => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {COLS} FROM vehicles WHERE org = $1 ORDER BY registration"
            )))
            .bind(org.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(row).collect()
    }

    /// What a car runs on and whether its driver pays the fuel, from now on. Months already
    /// approved keep their figures (the mileage page shows them as changed after approval).
    pub async fn set_vehicle_fuel(
        &self,
        org: OrgId,
        registration: &Registration,
        fuel: Fuel,
        driver_pays_fuel: bool,
    ) -> StoreResult<VehicleRow> {
        let Some(v) = self.vehicle(org, registration).await? else {
            return Err(StoreError::NotFound("vehicle"));
        };
        check_driver_pays_fuel(v.kind, driver_pays_fuel)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        on_pool!(self, p => {
            sqlx::query(
                "UPDATE vehicles SET fuel = $1, driver_pays_fuel = $2 WHERE org = $3 AND registration = $4",
            )
            .bind(fuel.as_str())
            .bind(driver_pays_fuel)
            .bind(org.to_string())
            .bind(registration.as_str())
            .execute(p)
            .await?;
        });
        Ok(VehicleRow {
            fuel,
            driver_pays_fuel,
            ..v
        })
    }

    /// `org`'s benefit cars whose driver pays the fuel: what pricing needs of the register.
    pub async fn driver_fuelled_cars(&self, org: OrgId) -> StoreResult<DriverFuelledCars> {
        let cars = self.vehicles(org).await?;
        Ok(DriverFuelledCars::from_register(cars.iter().map(|v| {
            (&v.registration, v.kind, v.fuel, v.driver_pays_fuel)
        })))
    }

    /// One of `org`'s cars, if it is in the register.
    pub async fn vehicle(
        &self,
        org: OrgId,
        registration: &Registration,
    ) -> StoreResult<Option<VehicleRow>> {
        Ok(self
            .vehicles(org)
            .await?
            .into_iter()
            .find(|v| v.registration == *registration))
    }
}
