//! What the driver's trips pay, on the phone, as the payroll office will see it: the month's
//! trips priced by the shared model ([`uppsok_model::mileage::monthly_totals`], each trip from
//! home less the driver's home–workplace distance by [`business_km`], each trip dated by its
//! Swedish day) with the mileage terms the server sent at sync
//! ([`uppsok_model::protocol::mileage_terms`]). The terms are kept sealed: the home–workplace
//! distance says something about where the driver lives.

use chrono::Datelike;
use uppsok_model::fidelity::swedish_date;
use uppsok_model::mileage::{DrivenTrip, MonthlyTotal, business_km, monthly_totals};
use uppsok_model::protocol::mileage_terms::MileageTerms;

use crate::error::{DeviceError, Result};
use crate::store::{Store, TripFilter, Writer};

/// The sealed slot the terms live in.
pub const MILEAGE_TERMS: &str = "mileage_terms";

/// The terms the server last sent; `None` before the first sync that brought them, or when the
/// slot does not read (the next sync then asks for them again).
pub fn terms(store: &Store) -> Result<Option<MileageTerms>> {
    Ok(store
        .get_sealed_blob(MILEAGE_TERMS)?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// Keeps the terms a sync reply brought, in the transaction that applies the reply.
pub(crate) fn keep_terms(w: &mut Writer, terms: &MileageTerms) -> Result<()> {
    let json = serde_json::to_vec(terms).map_err(|_| DeviceError::Undecodable {
        what: "mileage terms",
    })?;
    w.put_sealed_blob(MILEAGE_TERMS, &json)
}

/// The phone user's month `year`-`month` (a Swedish calendar month), priced: `None` before the
/// phone holds terms. A month without trips is all zeros.
pub fn month(store: &Store, year: i32, month: u32) -> Result<Option<MonthlyTotal<String>>> {
    let Some(terms) = terms(store)? else {
        return Ok(None);
    };
    let user = store.profile()?.user.to_string();
    let driven: Vec<DrivenTrip<String>> = store
        .trips(&TripFilter::default())?
        .into_iter()
        .filter(|t| t.driver.as_str() == user)
        .map(|t| DrivenTrip {
            driver: user.clone(),
            date: swedish_date(t.start),
            vehicle: terms.rates.kind_of(&t.vehicle),
            km: business_km(t.km, t.from_home, terms.home_work_deci_km),
        })
        .filter(|d| d.date.year() == year && d.date.month() == month)
        .collect();
    // Every saved trip passed the model's checks, so pricing cannot refuse one.
    let totals = monthly_totals(&driven, &terms.rates)
        .map_err(|_| DeviceError::Undecodable { what: "trip" })?;
    Ok(Some(
        totals
            .into_iter()
            .next()
            .unwrap_or_else(|| MonthlyTotal::empty(user, year, month)),
    ))
}
