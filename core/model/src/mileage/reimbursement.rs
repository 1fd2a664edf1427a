//! Mileage reimbursement (*milersättning*): what a trip pays the driver, and how much of that is
//! the tax-free allowance (*skattefri milersättning*) and how much is taxable salary.
//!
//! Skatteverket's tax-free allowance for driving one's own car at work is 18.50 kr/mil
//! (1.85 kr/km) for 2007–2022 and 25 kr/mil (2.50 kr/km) from 2023; no change is known for
//! 2026, so the latest rate carries on until the table is updated. A pool car or a benefit car
//! whose fuel the employer pays gives the driver no tax-free allowance. A benefit car
//! (*förmånsbil*) whose driver pays the fuel earns the fuel allowance (*bilersättning för
//! förmånsbil*): the organisation's rate per km for the car's fuel, tax-free up to
//! Skatteverket's amount for that fuel and year (12 kr/mil fossil, 9.50 kr/mil electric,
//! 2023–2026; where each figure comes from is in docs/mileage.md).
//!
//! Money is counted in öre (`i64`) so sums over a year never drift. **One rounding rule,
//! everywhere money is shown** (the dashboard, the payroll file, the körjournal as CSV and PDF,
//! the phones): each trip's distance is rounded to 0.1 km — as the körjournal writes it — and
//! its amount is computed from that rounded distance and rounded to whole öre on its own, so a
//! monthly statement is exactly the sum of its lines and every document says the same.

use super::vehicle::Fuel;
use super::{MileageError, RateSchedule};
use crate::org::Rates;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which car the trip was driven in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleKind {
    /// The driver's own car (*egen bil*).
    OwnCar,
    /// A car the employer provides (*tjänstebil*): a pool car, or a benefit car whose fuel the
    /// employer pays.
    ServiceCar,
    /// A benefit car (*förmånsbil*) whose driver pays the fuel, running on `Fuel`: its trips
    /// earn the fuel allowance. Which registrations these are is the register's
    /// ([`super::vehicle::DriverFuelledCars`], carried by the [`RateSchedule`]).
    BenefitCarDriverFuel(Fuel),
}

impl From<&crate::trip::Vehicle> for VehicleKind {
    fn from(v: &crate::trip::Vehicle) -> Self {
        if v.is_own() {
            Self::OwnCar
        } else {
            Self::ServiceCar
        }
    }
}

/// First year of the table; earlier years had other rates that we have no need for.
const FIRST_KNOWN_YEAR: i32 = 2007;

/// First year of the benefit car's fuel allowance table: the amounts before 2023 (6.50 kr/mil
/// diesel, 9.50 kr/mil other fuels, changed in the middle of 2022) are not kept.
const FIRST_KNOWN_BENEFIT_YEAR: i32 = 2023;

/// Skatteverket's tax-free allowance for an own car, öre per km, for `year`.
pub fn tax_free_own_car_ore_per_km(year: i32) -> Result<i64, MileageError> {
    match year {
        y if y < FIRST_KNOWN_YEAR => Err(MileageError::UnknownYear {
            year,
            first_known: FIRST_KNOWN_YEAR,
        }),
        // 18.50 kr/mil.
        ..=2022 => Ok(185),
        // 25 kr/mil from 2023 (and 2024, 2025, 2026 unchanged).
        _ => Ok(250),
    }
}

/// Skatteverket's tax-free fuel allowance for a benefit car whose driver pays the fuel, öre per
/// km, for `year` and the car's `fuel`. The sources of each figure, and which could not be
/// confirmed, are in docs/mileage.md; the latest year carries on until the table is updated.
pub fn tax_free_benefit_car_ore_per_km(year: i32, fuel: Fuel) -> Result<i64, MileageError> {
    if year < FIRST_KNOWN_BENEFIT_YEAR {
        return Err(MileageError::UnknownBenefitYear {
            year,
            first_known: FIRST_KNOWN_BENEFIT_YEAR,
        });
    }
    Ok(match fuel {
        // 12 kr/mil for petrol, diesel, gas and plug-in hybrids, 2023–2026.
        Fuel::Fossil => 120,
        // 9.50 kr/mil for a car that runs on electricity alone, 2023–2026.
        Fuel::Electric => 95,
    })
}

/// Tax-free allowance per km for a trip in `vehicle` during `year`, öre.
pub fn tax_free_ore_per_km(year: i32, vehicle: VehicleKind) -> Result<i64, MileageError> {
    match vehicle {
        VehicleKind::OwnCar => tax_free_own_car_ore_per_km(year),
        VehicleKind::ServiceCar => {
            // Still check the year so both kinds reject the same dates.
            tax_free_own_car_ore_per_km(year)?;
            Ok(0)
        }
        VehicleKind::BenefitCarDriverFuel(fuel) => tax_free_benefit_car_ore_per_km(year, fuel),
    }
}

/// What one trip pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reimbursement {
    /// The distance paid for, in units of 10 m (hundredths of a km); always a whole tenth of a
    /// km (a multiple of 10), the distance the körjournal writes.
    pub centi_km: i64,
    /// The organisation's rate for this vehicle, öre per km.
    pub rate_ore_per_km: i64,
    /// The tax-free allowance for this vehicle and year, öre per km.
    pub tax_free_rate_ore_per_km: i64,
    pub amount_ore: i64,
    /// `min(rate, tax-free rate) × km`.
    pub tax_free_ore: i64,
    /// `amount − tax-free`.
    pub taxable_ore: i64,
}

impl Reimbursement {
    pub fn km(&self) -> f64 {
        self.centi_km as f64 / 100.0
    }
}

fn rate_for(rates: &Rates, vehicle: VehicleKind) -> Result<i64, MileageError> {
    let rate = match vehicle {
        VehicleKind::OwnCar => rates.own_car_ore_per_km,
        VehicleKind::ServiceCar => rates.service_car_ore_per_km,
        VehicleKind::BenefitCarDriverFuel(Fuel::Fossil) => rates.benefit_fossil_ore_per_km,
        VehicleKind::BenefitCarDriverFuel(Fuel::Electric) => rates.benefit_electric_ore_per_km,
    };
    if (0..=10_000).contains(&rate) {
        Ok(rate)
    } else {
        Err(MileageError::InvalidRate)
    }
}

/// The distance paid for: rounded to 0.1 km (half away from zero, as `korjournal` writes it),
/// in hundredths of a km.
fn centi_km(km: f64) -> Result<i64, MileageError> {
    if km.is_finite() && (0.0..=10_000.0).contains(&km) {
        // In range by the check above, so the cast cannot saturate.
        Ok((km * 10.0).round() as i64 * 10)
    } else {
        Err(MileageError::InvalidDistance)
    }
}

/// `centi_km × öre/km / 100`, rounded half up to whole öre.
fn ore(centi_km: i64, ore_per_km: i64) -> i64 {
    (centi_km * ore_per_km + 50).div_euclid(100)
}

/// What a trip of `km` in `vehicle` on `date` pays under the organisation's `rates`.
pub fn reimburse(
    rates: &Rates,
    vehicle: VehicleKind,
    date: NaiveDate,
    km: f64,
) -> Result<Reimbursement, MileageError> {
    let rate = rate_for(rates, vehicle)?;
    let tax_free_rate = tax_free_ore_per_km(date.year(), vehicle)?;
    let centi_km = centi_km(km)?;
    let amount_ore = ore(centi_km, rate);
    let tax_free_ore = ore(centi_km, rate.min(tax_free_rate));
    Ok(Reimbursement {
        centi_km,
        rate_ore_per_km: rate,
        tax_free_rate_ore_per_km: tax_free_rate,
        amount_ore,
        tax_free_ore,
        taxable_ore: amount_ore - tax_free_ore,
    })
}

/// The longest home–workplace distance taken, km: beyond a day's drive it is a typing error.
pub const HOME_WORK_KM_MAX: f64 = 300.0;

/// The part of a trip that is business travel, at the körjournal's 0.1 km. A trip from home
/// counts only beyond the driver's home–workplace distance (`home_work_deci_km`, tenths of a
/// km): the agreement pays for the work, not the commute the driver makes anyway. Deducted per
/// trip from home and never below 0. Any other trip counts whole. Both distances are taken at
/// 0.1 km before the subtraction, so the deduction is exactly the one the körjournal shows and
/// [`reimburse`] pays on the result without a second rounding.
pub fn business_km(km: f64, from_home: bool, home_work_deci_km: i64) -> f64 {
    if !from_home || !km.is_finite() {
        // An invalid distance goes on to `reimburse`, which refuses it.
        return km;
    }
    let driven = (km * 10.0).round() as i64;
    (driven - home_work_deci_km.max(0)).max(0) as f64 / 10.0
}

/// A home–workplace distance as typed ("12,5" or "12.5" km), in tenths of a km.
pub fn parse_home_work_km(s: &str) -> Result<i64, crate::ValidationError> {
    let km: f64 = s.trim().replace(',', ".").parse().map_err(|_| {
        crate::ValidationError::new("home_work_km", "must be a number of km like 12,5")
    })?;
    if !km.is_finite() || !(0.0..=HOME_WORK_KM_MAX).contains(&km) {
        return Err(crate::ValidationError::new(
            "home_work_km",
            format!("must be between 0 and {HOME_WORK_KM_MAX} km"),
        ));
    }
    Ok((km * 10.0).round() as i64)
}

/// A trip as reimbursement sees it. `K` is whatever identifies the driver (a staff id, a
/// username).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrivenTrip<K> {
    pub driver: K,
    pub date: NaiveDate,
    pub vehicle: VehicleKind,
    pub km: f64,
}

/// One driver's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyTotal<K> {
    pub driver: K,
    pub year: i32,
    /// 1–12.
    pub month: u32,
    pub trips: u32,
    pub centi_km: i64,
    pub amount_ore: i64,
    pub tax_free_ore: i64,
    pub taxable_ore: i64,
    /// Of the amount: the fuel allowance for trips in a benefit car whose driver pays the fuel,
    /// and its tax-free part, for payroll to see apart from own-car mileage.
    #[serde(default)]
    pub fuel_allowance_ore: i64,
    #[serde(default)]
    pub fuel_allowance_tax_free_ore: i64,
}

impl<K> MonthlyTotal<K> {
    /// A month without trips.
    pub fn empty(driver: K, year: i32, month: u32) -> Self {
        MonthlyTotal {
            driver,
            year,
            month,
            trips: 0,
            centi_km: 0,
            amount_ore: 0,
            tax_free_ore: 0,
            taxable_ore: 0,
            fuel_allowance_ore: 0,
            fuel_allowance_tax_free_ore: 0,
        }
    }
}

/// Totals per driver and calendar month, sorted by driver, then month, each trip priced with the
/// rates in force on its day (`trip.vehicle` already says whether the trip earns the benefit
/// car's fuel allowance: [`RateSchedule::kind_of`]). The first invalid trip stops the
/// calculation: a statement with a silently missing trip would be worse.
pub fn monthly_totals<K: Ord + Clone>(
    trips: &[DrivenTrip<K>],
    rates: &RateSchedule,
) -> Result<Vec<MonthlyTotal<K>>, MileageError> {
    let mut months: BTreeMap<(K, i32, u32), MonthlyTotal<K>> = BTreeMap::new();
    for trip in trips {
        let r = reimburse(&rates.at(trip.date), trip.vehicle, trip.date, trip.km)?;
        let (year, month) = (trip.date.year(), trip.date.month());
        let total = months
            .entry((trip.driver.clone(), year, month))
            .or_insert_with(|| MonthlyTotal::empty(trip.driver.clone(), year, month));
        if matches!(trip.vehicle, VehicleKind::BenefitCarDriverFuel(_)) {
            total.fuel_allowance_ore += r.amount_ore;
            total.fuel_allowance_tax_free_ore += r.tax_free_ore;
        }
        total.trips += 1;
        total.centi_km += r.centi_km;
        total.amount_ore += r.amount_ore;
        total.tax_free_ore += r.tax_free_ore;
        total.taxable_ore += r.taxable_ore;
    }
    Ok(months.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mileage::vehicle::{CarKind, DriverFuelledCars, Registration};
    use crate::trip::Vehicle;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// 30.50 kr/mil own car (a common agreement), 0 for service cars.
    const RATES: Rates = Rates {
        own_car_ore_per_km: 305,
        service_car_ore_per_km: 0,
        benefit_fossil_ore_per_km: 120,
        benefit_electric_ore_per_km: 95,
    };

    #[test]
    fn a_trip_from_home_pays_only_beyond_the_commute() {
        // 45.26 km from home, 12.0 km home–workplace: 45.3 − 12.0 = 33.3 km of business.
        assert_eq!(business_km(45.26, true, 120), 33.3);
        // × 3.05 kr = 101.565 kr → 101.57 kr; tax-free 33.3 × 2.50 = 83.25 kr.
        let r = reimburse(
            &RATES,
            VehicleKind::OwnCar,
            date(2026, 11, 3),
            business_km(45.26, true, 120),
        )
        .unwrap();
        assert_eq!(
            (r.centi_km, r.amount_ore, r.tax_free_ore, r.taxable_ore),
            (3_330, 10_157, 8_325, 1_832)
        );
        // Shorter than the commute: nothing, never less.
        assert_eq!(business_km(8.0, true, 120), 0.0);
        assert_eq!(business_km(12.04, true, 120), 0.0);
        // From the workplace, or no distance set: the whole trip.
        assert_eq!(business_km(45.26, false, 120), 45.26);
        assert_eq!(business_km(45.26, true, 0), 45.3);
        assert!(business_km(f64::NAN, true, 120).is_nan());
        assert_eq!(parse_home_work_km("12,5"), Ok(125));
        assert_eq!(parse_home_work_km(" 7.04 "), Ok(70));
        for bad in ["-1", "301", "tolv", "NaN"] {
            assert_eq!(
                parse_home_work_km(bad).unwrap_err().field,
                "home_work_km",
                "{bad}"
            );
        }
    }

    #[test]
    fn tax_free_table_by_year() {
        assert_eq!(tax_free_own_car_ore_per_km(2022), Ok(185));
        assert_eq!(tax_free_own_car_ore_per_km(2007), Ok(185));
        for y in 2023..=2026 {
            assert_eq!(tax_free_own_car_ore_per_km(y), Ok(250));
        }
        assert_eq!(tax_free_ore_per_km(2025, VehicleKind::ServiceCar), Ok(0));
        let err = tax_free_own_car_ore_per_km(2006).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no tax-free mileage allowance is known for 2006; the table starts in 2007"
        );
    }

    #[test]
    fn kalix_to_morjarv_and_back_in_own_car_2025() {
        // 2 × 40 km at 3.05 kr/km = 244.00 kr; tax-free 80 × 2.50 = 200.00 kr; taxable 44.00 kr.
        let r = reimburse(&RATES, VehicleKind::OwnCar, date(2025, 3, 14), 80.0).unwrap();
        assert_eq!(r.centi_km, 8_000);
        assert_eq!(r.amount_ore, 24_400);
        assert_eq!(r.tax_free_ore, 20_000);
        assert_eq!(r.taxable_ore, 4_400);
    }

    #[test]
    fn same_trip_in_2022_has_the_old_allowance() {
        // 80 km × 1.85 = 148.00 kr tax-free; 244.00 − 148.00 = 96.00 kr taxable.
        let r = reimburse(&RATES, VehicleKind::OwnCar, date(2022, 12, 31), 80.0).unwrap();
        assert_eq!(
            (r.amount_ore, r.tax_free_ore, r.taxable_ore),
            (24_400, 14_800, 9_600)
        );
    }

    #[test]
    fn km_round_to_a_tenth_and_money_to_whole_ore() {
        // 23.456 km → 23.5 km (as the körjournal writes it); × 3.05 = 71.675 kr → 71.68 kr;
        // × 2.50 = 58.75 kr.
        let r = reimburse(&RATES, VehicleKind::OwnCar, date(2024, 6, 1), 23.456).unwrap();
        assert_eq!(r.centi_km, 2_350);
        assert_eq!(r.amount_ore, 7_168);
        assert_eq!(r.tax_free_ore, 5_875);
        assert_eq!(r.taxable_ore, 1_293);
        // 0.04 km is written 0,0 and pays nothing; 0.05 km is written 0,1:
        // × 3.05 kr = 30.5 öre → rounds half up to 31.
        let r = reimburse(&RATES, VehicleKind::OwnCar, date(2024, 6, 1), 0.04).unwrap();
        assert_eq!((r.centi_km, r.amount_ore), (0, 0));
        let r = reimburse(&RATES, VehicleKind::OwnCar, date(2024, 6, 1), 0.05).unwrap();
        assert_eq!((r.amount_ore, r.tax_free_ore, r.taxable_ore), (31, 25, 6));
    }

    #[test]
    fn a_rate_change_mid_year_prices_each_trip_by_its_day() {
        // 30.50 kr/mil until June, 32.00 kr/mil from 1 July (a new agreement): June's trip keeps
        // its price, July's gets the new one, and a month approved in June is not re-priced.
        let schedule = RateSchedule::new(vec![
            (date(2026, 1, 1), RATES),
            (
                date(2026, 7, 1),
                Rates {
                    own_car_ore_per_km: 320,
                    service_car_ore_per_km: 0,
                    benefit_fossil_ore_per_km: 120,
                    benefit_electric_ore_per_km: 95,
                },
            ),
        ])
        .unwrap();
        let trips = [date(2026, 6, 30), date(2026, 7, 1)].map(|d| DrivenTrip {
            driver: "anna",
            date: d,
            vehicle: VehicleKind::OwnCar,
            km: 10.0,
        });
        let t = monthly_totals(&trips, &schedule).unwrap();
        assert_eq!((t[0].month, t[0].amount_ore), (6, 3_050));
        assert_eq!((t[1].month, t[1].amount_ore), (7, 3_200));
        // The tax-free part is Skatteverket's, whatever the agreement: 10 km × 2.50 kr.
        assert_eq!((t[0].tax_free_ore, t[1].tax_free_ore), (2_500, 2_500));
    }

    /// The register of the tests below: ABC123 a petrol benefit car, ELB123 an electric one
    /// (both fuelled by their drivers), POOL1 a pool car, FRI123 a benefit car with the
    /// employer's fuel.
    fn register() -> DriverFuelledCars {
        let reg = |s: &str| Registration::parse(s).unwrap();
        let cars = [
            (reg("ABC123"), CarKind::BenefitCar, Fuel::Fossil, true),
            (reg("ELB123"), CarKind::BenefitCar, Fuel::Electric, true),
            (reg("POOL1"), CarKind::PoolCar, Fuel::Fossil, false),
            (reg("FRI123"), CarKind::BenefitCar, Fuel::Fossil, false),
        ];
        DriverFuelledCars::from_register(cars.iter().map(|(r, k, f, p)| (r, *k, *f, *p)))
    }

    fn in_car(registration: &str) -> Vehicle {
        Vehicle::Service {
            registration: registration.into(),
        }
    }

    /// An agreement that pays 15 kr/mil for a fossil-fuelled benefit car and 9.50 kr/mil for
    /// an electric one.
    const BENEFIT: Rates = Rates {
        own_car_ore_per_km: 305,
        service_car_ore_per_km: 0,
        benefit_fossil_ore_per_km: 150,
        benefit_electric_ore_per_km: 95,
    };

    #[test]
    fn a_benefit_car_whose_driver_pays_the_fuel_earns_the_fuel_allowance() {
        let cars = register();
        let schedule = RateSchedule::from(BENEFIT).with_driver_fuelled(cars.clone());
        let petrol = schedule.kind_of(&in_car("abc-123"));
        assert_eq!(petrol, VehicleKind::BenefitCarDriverFuel(Fuel::Fossil));
        // 43.26 km → 43.3 km × 1.50 kr = 64.95 kr; tax-free 43.3 × 1.20 = 51.96 kr; 12.99 kr
        // taxable.
        let r = reimburse(&BENEFIT, petrol, date(2025, 3, 14), 43.26).unwrap();
        assert_eq!(
            (r.centi_km, r.rate_ore_per_km, r.tax_free_rate_ore_per_km),
            (4_330, 150, 120)
        );
        assert_eq!(
            (r.amount_ore, r.tax_free_ore, r.taxable_ore),
            (6_495, 5_196, 1_299)
        );
        // Electric: 43.3 km × 0.95 kr = 41.135 → 41.14 kr, all of it tax-free.
        let electric = schedule.kind_of(&in_car("ELB123"));
        assert_eq!(electric, VehicleKind::BenefitCarDriverFuel(Fuel::Electric));
        let r = reimburse(&BENEFIT, electric, date(2025, 3, 14), 43.26).unwrap();
        assert_eq!(
            (r.amount_ore, r.tax_free_ore, r.taxable_ore),
            (4_114, 4_114, 0)
        );
        // A pool car, a benefit car with the employer's fuel, a car not in the register and
        // an own car are priced as before.
        for v in [in_car("POOL1"), in_car("FRI123"), in_car("QQQ999")] {
            assert_eq!(schedule.kind_of(&v), VehicleKind::ServiceCar, "{v:?}");
        }
        assert_eq!(schedule.kind_of(&Vehicle::Own), VehicleKind::OwnCar);
        // Without the register (the field device) the car is a service car: nothing.
        assert_eq!(
            RateSchedule::from(BENEFIT).kind_of(&in_car("ABC123")),
            VehicleKind::ServiceCar
        );
    }

    #[test]
    fn the_fuel_allowance_table_by_year_and_fuel() {
        for y in 2023..=2026 {
            assert_eq!(tax_free_benefit_car_ore_per_km(y, Fuel::Fossil), Ok(120));
            assert_eq!(tax_free_benefit_car_ore_per_km(y, Fuel::Electric), Ok(95));
        }
        let err = tax_free_benefit_car_ore_per_km(2022, Fuel::Fossil).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no tax-free fuel allowance for a benefit car is known for 2022; the table starts in 2023"
        );
        // An own car's table is untouched by it.
        assert_eq!(tax_free_ore_per_km(2022, VehicleKind::OwnCar), Ok(185));
        assert!(crate::mileage::vehicle::check_driver_pays_fuel(CarKind::PoolCar, true).is_err());
        assert!(crate::mileage::vehicle::check_driver_pays_fuel(CarKind::BenefitCar, true).is_ok());
    }

    #[test]
    fn a_fuel_allowance_change_mid_year_leaves_the_approved_month_as_it_was() {
        // The agreement pays Skatteverket's 12 kr/mil until June; from 1 July 14 kr/mil.
        let until_june = RateSchedule::new(vec![(date(2026, 1, 1), BENEFIT_AT_SKV)]).unwrap();
        let with_july = RateSchedule::new(vec![
            (date(2026, 1, 1), BENEFIT_AT_SKV),
            (
                date(2026, 7, 1),
                Rates {
                    benefit_fossil_ore_per_km: 140,
                    ..BENEFIT_AT_SKV
                },
            ),
        ])
        .unwrap();
        let trips = [date(2026, 6, 30), date(2026, 7, 1)].map(|d| DrivenTrip {
            driver: "anna",
            date: d,
            vehicle: VehicleKind::BenefitCarDriverFuel(Fuel::Fossil),
            km: 25.0,
        });
        let before = monthly_totals(&trips[..1], &until_june).unwrap();
        let after = monthly_totals(&trips, &with_july).unwrap();
        // June, approved before the change, keeps its figures: 25 km × 1.20 = 30.00 kr, all
        // tax-free.
        assert_eq!(before[0], after[0]);
        assert_eq!(
            (
                after[0].amount_ore,
                after[0].tax_free_ore,
                after[0].taxable_ore
            ),
            (3_000, 3_000, 0)
        );
        // July: 25 km × 1.40 = 35.00 kr; Skatteverket's 1.20 kr/km tax-free, 5.00 kr taxable.
        assert_eq!(
            (
                after[1].month,
                after[1].amount_ore,
                after[1].tax_free_ore,
                after[1].taxable_ore
            ),
            (7, 3_500, 3_000, 500)
        );
        // All of it is the fuel allowance, which payroll sees apart.
        assert_eq!(
            (
                after[1].fuel_allowance_ore,
                after[1].fuel_allowance_tax_free_ore
            ),
            (3_500, 3_000)
        );
    }

    /// The default agreement: Skatteverket's amounts, all tax-free.
    const BENEFIT_AT_SKV: Rates = Rates {
        own_car_ore_per_km: 305,
        service_car_ore_per_km: 0,
        benefit_fossil_ore_per_km: 120,
        benefit_electric_ore_per_km: 95,
    };

    #[test]
    fn the_money_is_the_money_of_the_written_distance() {
        // Two trips the körjournal writes as 58,0 + 58,1 = 116,1 km: the statement pays
        // 116.1 km, not the 116.09 km the GPS measured.
        let trips = [58.04, 58.05].map(|km| DrivenTrip {
            driver: "anna",
            date: date(2026, 10, 5),
            vehicle: VehicleKind::OwnCar,
            km,
        });
        let t = monthly_totals(&trips, &RATES.into()).unwrap();
        assert_eq!(t[0].centi_km, 11_610);
        // 58.0 × 3.05 = 176.90 kr; 58.1 × 3.05 = 177.205 → 177.21 kr.
        assert_eq!(t[0].amount_ore, 17_690 + 17_721);
    }

    #[test]
    fn rate_below_the_allowance_is_all_tax_free() {
        let low = Rates {
            own_car_ore_per_km: 200,
            service_car_ore_per_km: 0,
            benefit_fossil_ore_per_km: 120,
            benefit_electric_ore_per_km: 95,
        };
        // 50 km × 2.00 = 100.00 kr, all of it under the 2.50 kr allowance.
        let r = reimburse(&low, VehicleKind::OwnCar, date(2025, 1, 2), 50.0).unwrap();
        assert_eq!(
            (r.amount_ore, r.tax_free_ore, r.taxable_ore),
            (10_000, 10_000, 0)
        );
    }

    #[test]
    fn vehicle_kind_follows_the_trip_vehicle() {
        assert_eq!(VehicleKind::from(&Vehicle::Own), VehicleKind::OwnCar);
        let service = Vehicle::Service {
            registration: "ABC123".into(),
        };
        assert_eq!(VehicleKind::from(&service), VehicleKind::ServiceCar);
    }

    #[test]
    fn service_car_pay_is_all_taxable() {
        let rates = Rates {
            own_car_ore_per_km: 305,
            service_car_ore_per_km: 50,
            benefit_fossil_ore_per_km: 120,
            benefit_electric_ore_per_km: 95,
        };
        // 40 km × 0.50 kr = 20.00 kr, nothing tax-free.
        let r = reimburse(&rates, VehicleKind::ServiceCar, date(2025, 1, 2), 40.0).unwrap();
        assert_eq!(
            (r.amount_ore, r.tax_free_ore, r.taxable_ore),
            (2_000, 0, 2_000)
        );
    }

    #[test]
    fn invalid_inputs_are_refused() {
        let d = date(2025, 1, 1);
        for km in [f64::NAN, -1.0, f64::INFINITY, 10_000.5] {
            assert_eq!(
                reimburse(&RATES, VehicleKind::OwnCar, d, km),
                Err(MileageError::InvalidDistance)
            );
        }
        let bad = Rates {
            own_car_ore_per_km: -1,
            service_car_ore_per_km: 0,
            benefit_fossil_ore_per_km: 120,
            benefit_electric_ore_per_km: 95,
        };
        assert_eq!(
            reimburse(&bad, VehicleKind::OwnCar, d, 1.0),
            Err(MileageError::InvalidRate)
        );
    }

    #[test]
    fn monthly_totals_per_driver_and_month() {
        let trips = vec![
            DrivenTrip {
                driver: "anna",
                date: date(2025, 1, 7),
                vehicle: VehicleKind::OwnCar,
                km: 25.0,
            },
            DrivenTrip {
                driver: "bo",
                date: date(2025, 1, 8),
                vehicle: VehicleKind::OwnCar,
                km: 50.0,
            },
            DrivenTrip {
                driver: "anna",
                date: date(2025, 1, 20),
                vehicle: VehicleKind::ServiceCar,
                km: 40.0,
            },
            DrivenTrip {
                driver: "anna",
                date: date(2025, 2, 3),
                vehicle: VehicleKind::OwnCar,
                km: 12.34,
            },
            DrivenTrip {
                driver: "anna",
                date: date(2025, 1, 31),
                vehicle: VehicleKind::OwnCar,
                km: 25.0,
            },
        ];
        let totals = monthly_totals(&trips, &RATES.into()).unwrap();
        assert_eq!(totals.len(), 3);
        // Anna, January: 25 + 25 km own car (152.50 kr, 125.00 tax-free) + 40 km service car
        // at 0 kr.
        let jan = &totals[0];
        assert_eq!(
            (jan.driver, jan.year, jan.month, jan.trips),
            ("anna", 2025, 1, 3)
        );
        assert_eq!(jan.centi_km, 9_000);
        assert_eq!(
            (jan.amount_ore, jan.tax_free_ore, jan.taxable_ore),
            (15_250, 12_500, 2_750)
        );
        // Anna, February: 12.34 km → 12.3 km × 3.05 = 37.515 → 37.52 kr; × 2.50 = 30.75 kr.
        let feb = &totals[1];
        assert_eq!(
            (feb.month, feb.amount_ore, feb.tax_free_ore, feb.taxable_ore),
            (2, 3_752, 3_075, 677)
        );
        // Bo, January: 50 km → 152.50 kr, 125.00 tax-free.
        let bo = &totals[2];
        assert_eq!(
            (bo.driver, bo.amount_ore, bo.tax_free_ore, bo.taxable_ore),
            ("bo", 15_250, 12_500, 2_750)
        );
    }
}
