//! What a phone needs to show its driver's month "as the payroll office will see it": the
//! organisation's dated mileage rates (with the benefit cars whose drivers pay the fuel) and
//! the driver's own home–workplace distance. With them the phone prices its trips with the same
//! functions the dashboard and the payroll file use ([`crate::mileage::monthly_totals`],
//! [`crate::mileage::business_km`]), so the amounts agree to the öre.
//!
//! The terms change seldom, so they travel like an `ETag`: the phone sends back the [`tag`]
//! of the terms it holds ([`crate::protocol::SyncRequest::mileage_terms`]), and a reply carries
//! the terms ([`crate::protocol::SyncResponse::mileage_terms`]) only when they differ. An idle
//! sync of a phone that is up to date stays as small as before.

use serde::{Deserialize, Serialize};

use crate::mileage::RateSchedule;

/// The longest tag a phone may send (a tag is 16 hex digits; room for a future format).
pub const MAX_TAG_LEN: usize = 64;

/// The organisation's rates over time and the driver's home–workplace distance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MileageTerms {
    /// Names these terms; the phone sends it back to say which terms it holds.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub tag: String,
    /// Each rate with the day it took effect, and the registrations of benefit cars whose
    /// driver pays the fuel (their trips earn the fuel allowance).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub rates: RateSchedule,
    /// The driver's home–workplace distance in tenths of a km: deducted from each trip from
    /// home. 0 when none is recorded.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 3000))]
    pub home_work_deci_km: i64,
}

impl MileageTerms {
    /// The terms with their tag.
    pub fn new(rates: RateSchedule, home_work_deci_km: i64) -> MileageTerms {
        let tag = tag(&rates, home_work_deci_km);
        MileageTerms {
            tag,
            rates,
            home_work_deci_km,
        }
    }
}

/// A tag of the terms: FNV-1a (64 bits) of their JSON, in hex. Not a secret and not a guard
/// against forgery — the server makes every tag — only a short name that changes with the terms.
pub fn tag(rates: &RateSchedule, home_work_deci_km: i64) -> String {
    let json = serde_json::to_vec(&(rates, home_work_deci_km)).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in json {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Rates;
    use chrono::NaiveDate;

    fn rates(own: i64) -> RateSchedule {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        RateSchedule::new(vec![(
            day,
            Rates {
                own_car_ore_per_km: own,
                service_car_ore_per_km: 0,
                benefit_fossil_ore_per_km: 120,
                benefit_electric_ore_per_km: 95,
            },
        )])
        .expect("one rate")
    }

    #[test]
    fn the_tag_changes_with_the_rates_and_the_distance_and_only_then() {
        let a = MileageTerms::new(rates(305), 120);
        assert_eq!(a.tag.len(), 16);
        assert_eq!(a.tag, MileageTerms::new(rates(305), 120).tag);
        assert_ne!(a.tag, MileageTerms::new(rates(306), 120).tag);
        assert_ne!(a.tag, MileageTerms::new(rates(305), 125).tag);
    }

    #[test]
    fn terms_survive_the_wire_and_an_empty_schedule_is_refused() {
        let a = MileageTerms::new(rates(305), 120);
        let json = serde_json::to_string(&a).expect("json");
        let back: MileageTerms = serde_json::from_str(&json).expect("back");
        assert_eq!(back, a);
        let empty = json.replacen("\"entries\":[[", "\"entries\":[],\"x\":[[", 1);
        assert!(
            serde_json::from_str::<MileageTerms>(&empty).is_err(),
            "{empty}"
        );
    }
}
