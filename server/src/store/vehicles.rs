//! The organisation's own cars (migration 0021): pool cars and benefit cars by registration
//! number, added with `uppsok admin vehicle add` and listed on the dashboard's mileage page,
//! where each has its körjournal (`uppsok_model::mileage::vehicle`).

use uppsok_model::OrgId;
use uppsok_model::mileage::{CarKind, Registration};

use super::{Store, StoreError, StoreResult, now_ms, on_pool};

/// One car in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRow {
    pub org: OrgId,
    pub registration: Registration,
    pub kind: CarKind,
    /// Who added it (the operating-system user of `uppsok admin`).
    pub added_by: String,
    pub added_ms: i64,
}

type Raw = (String, String, String, String, i64);

fn row((org, registration, kind, added_by, added_ms): Raw) -> StoreResult<VehicleRow> {
    Ok(VehicleRow {
        org: org
            .parse()
            .map_err(|_| StoreError::Corrupt("a vehicle's organisation".into()))?,
        registration: Registration::parse(&registration)
            .map_err(|_| StoreError::Corrupt("a vehicle's registration number".into()))?,
        kind: kind
            .parse()
            .map_err(|_| StoreError::Corrupt("a vehicle's kind".into()))?,
        added_by,
        added_ms,
    })
}

impl Store {
    /// Adds a car to `org`'s register; the same registration twice is a conflict.
    pub async fn add_vehicle(
        &self,
        org: OrgId,
        registration: &Registration,
        kind: CarKind,
        added_by: &str,
    ) -> StoreResult<VehicleRow> {
        if self.org(org).await?.is_none() {
            return Err(StoreError::NotFound("organisation"));
        }
        let now = now_ms();
        let done: Result<_, sqlx::Error> = on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO vehicles (org, registration, kind, added_by, added_ms) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(org.to_string())
            .bind(registration.as_str())
            .bind(kind.as_str())
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
                added_by: added_by.to_owned(),
                added_ms: now,
            }),
        }
    }

    /// `org`'s cars, by registration.
    pub async fn vehicles(&self, org: OrgId) -> StoreResult<Vec<VehicleRow>> {
        let rows: Vec<Raw> = on_pool!(self, p => {
            sqlx::query_as(
                "SELECT org, registration, kind, added_by, added_ms FROM vehicles \
                 WHERE org = $1 ORDER BY registration",
            )
            .bind(org.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(row).collect()
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
