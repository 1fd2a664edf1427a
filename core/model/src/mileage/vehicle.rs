//! The organisation's own cars — pool cars (*poolbil*) that several staff drive and benefit
//! cars (*förmånsbil*) — and the körjournal per vehicle that Skatteverket expects of them: every
//! trip of the car whoever drove it, in order, with an odometer that runs on from one trip to
//! the next and its readings at the start and end of the period. A trip names its car the way
//! it always has, `service:REGISTRATION` ([`crate::trip::Vehicle::Service`]); the server's
//! register of vehicles (migration 0021, `uppsok admin vehicle add`) says what kind of car that
//! registration is. Pure: the server and the field device build the same journal.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::korjournal::{KorjournalRow, Period, km_sv, to_csv};
use super::reimbursement::VehicleKind;
use crate::error::{ValidationError, invalid};
use crate::ids::TripId;
use crate::trip::{Trip, Vehicle};

/// A Swedish registration number as the register keeps it: 2–7 capital letters and digits,
/// spaces and dashes dropped (`abc-123` is `ABC123`; plates are written both ways).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Registration(String);

impl Registration {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let reg: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_uppercase();
        if !(2..=7).contains(&reg.len())
            || !reg
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return invalid(
                "registration",
                "must be 2–7 letters and digits, like ABC123",
            );
        }
        Ok(Registration(reg))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `trip` was driven in this car.
    pub fn drove(&self, trip: &Trip) -> bool {
        matches!(&trip.vehicle, Vehicle::Service { registration } if *registration == self.0)
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Registration {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        Registration::parse(s)
    }
}

impl Serialize for Registration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Registration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Registration::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// What kind of car the organisation keeps. Neither is paid own-car mileage: a pool car is
/// priced at the organisation's service-car rate (usually nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CarKind {
    /// Shared by the team's staff (*poolbil*).
    PoolCar,
    /// One employee's benefit car (*förmånsbil*), also driven for work.
    BenefitCar,
}

impl CarKind {
    pub const ALL: [CarKind; 2] = [CarKind::PoolCar, CarKind::BenefitCar];

    pub fn as_str(self) -> &'static str {
        match self {
            CarKind::PoolCar => "pool_car",
            CarKind::BenefitCar => "benefit_car",
        }
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            CarKind::PoolCar => "poolbil",
            CarKind::BenefitCar => "förmånsbil",
        }
    }

    /// As a heading starts: "Poolbil", "Förmånsbil".
    pub fn title_sv(self) -> &'static str {
        match self {
            CarKind::PoolCar => "Poolbil",
            CarKind::BenefitCar => "Förmånsbil",
        }
    }
}

impl fmt::Display for CarKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CarKind {
    type Err = ValidationError;
    /// `pool_car` or `benefit_car`; `pool` and `benefit` too.
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        match s.trim() {
            "pool_car" | "pool" => Ok(CarKind::PoolCar),
            "benefit_car" | "benefit" => Ok(CarKind::BenefitCar),
            _ => invalid("kind", "must be pool_car or benefit_car"),
        }
    }
}

/// What a car runs on, as Skatteverket's fuel allowance for a benefit car tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fuel {
    /// Petrol, diesel, ethanol, gas, and plug-in hybrids (they are not electric alone).
    Fossil,
    /// Electricity alone.
    Electric,
}

impl Fuel {
    pub const ALL: [Fuel; 2] = [Fuel::Fossil, Fuel::Electric];

    pub fn as_str(self) -> &'static str {
        match self {
            Fuel::Fossil => "fossil",
            Fuel::Electric => "electric",
        }
    }

    /// As a document names it: "bensin/diesel", "el".
    pub fn label_sv(self) -> &'static str {
        match self {
            Fuel::Fossil => "bensin/diesel",
            Fuel::Electric => "el",
        }
    }
}

impl fmt::Display for Fuel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Fuel {
    type Err = ValidationError;
    /// `fossil` (also `petrol`, `diesel`, `bensin`, `hybrid`) or `electric` (`el`).
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        match s.trim().to_lowercase().as_str() {
            "fossil" | "petrol" | "diesel" | "bensin" | "hybrid" | "gas" => Ok(Fuel::Fossil),
            "electric" | "el" => Ok(Fuel::Electric),
            _ => invalid(
                "fuel",
                "must be fossil (petrol, diesel, hybrid) or electric",
            ),
        }
    }
}

/// Whether a car of the register earns the fuel allowance: only a benefit car whose driver
/// pays the fuel does. A pool car's fuel is the employer's, so it never does; the register
/// refuses to say otherwise.
pub fn check_driver_pays_fuel(
    kind: CarKind,
    driver_pays_fuel: bool,
) -> Result<(), ValidationError> {
    if driver_pays_fuel && kind != CarKind::BenefitCar {
        return invalid(
            "driver_pays_fuel",
            "only a benefit car's driver pays its fuel; a pool car's fuel is the employer's",
        );
    }
    Ok(())
}

/// The cars of an organisation's register whose trips earn the fuel allowance: benefit cars
/// whose driver pays the fuel, with what they run on. Every other car a trip names (a pool car,
/// a benefit car with the employer's fuel, a car not in the register) is priced as a service
/// car. [`super::RateSchedule`] carries it, so every place that prices a trip with the
/// organisation's rates prices such a trip alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriverFuelledCars(BTreeMap<Registration, Fuel>);

impl DriverFuelledCars {
    /// From the register's `(registration, kind, fuel, driver pays the fuel)`; the cars that
    /// do not earn the allowance are left out.
    pub fn from_register<'a>(
        cars: impl IntoIterator<Item = (&'a Registration, CarKind, Fuel, bool)>,
    ) -> Self {
        DriverFuelledCars(
            cars.into_iter()
                .filter(|(_, kind, _, pays)| *pays && *kind == CarKind::BenefitCar)
                .map(|(reg, _, fuel, _)| (reg.clone(), fuel))
                .collect(),
        )
    }

    /// How a trip in `vehicle` is priced.
    pub fn kind_of(&self, vehicle: &Vehicle) -> VehicleKind {
        match vehicle {
            Vehicle::Own => VehicleKind::OwnCar,
            Vehicle::Service { registration } => Registration::parse(registration)
                .ok()
                .and_then(|r| self.0.get(&r).copied())
                .map_or(VehicleKind::ServiceCar, VehicleKind::BenefitCarDriverFuel),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where the odometer does not run on from one trip to the next: the car was driven without a
/// trip being logged (`to_km` above `from_km`), or the readings go backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OdometerGap {
    /// The trip whose end reading is `from_km`.
    pub after: TripId,
    /// The next trip with readings, which starts at `to_km`.
    pub before: TripId,
    pub from_km: u32,
    pub to_km: u32,
}

impl OdometerGap {
    /// "12 041 → 12 100 (59 km utan resa)" or "12 041 → 12 030 (mätaren går bakåt 11 km)".
    pub fn describe_sv(&self) -> String {
        let (a, b) = (self.from_km, self.to_km);
        if b > a {
            format!(
                "{a} → {b} ({} km utan loggad resa)",
                km_sv(f64::from(b - a))
            )
        } else {
            format!(
                "{a} → {b} (mätaren går bakåt {} km)",
                km_sv(f64::from(a - b))
            )
        }
    }
}

/// One car's körjournal for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleJournal {
    pub registration: Registration,
    /// Every driver's trips in the car, by start.
    pub rows: Vec<KorjournalRow>,
    /// The first reading of the period (the first trip's start reading) and the last (the last
    /// trip's end reading); `None` when no trip in the period has readings.
    pub reading_start: Option<u32>,
    pub reading_end: Option<u32>,
    pub gaps: Vec<OdometerGap>,
    /// Trips in the car without odometer readings: their place in the odometer is unknown.
    pub without_readings: Vec<TripId>,
}

/// The journal of the car with `registration` in `period`: the trips of all drivers, with the
/// odometer checked from each trip's end to the next trip's start.
pub fn vehicle_journal(
    trips: &[Trip],
    registration: &Registration,
    period: Period,
    local: impl Fn(DateTime<Utc>) -> NaiveDateTime,
) -> VehicleJournal {
    let mut rows: Vec<KorjournalRow> = trips
        .iter()
        .filter(|t| registration.drove(t))
        .map(|t| KorjournalRow::from_trip(t, &local))
        .filter(|r| period.contains(r.date))
        .collect();
    rows.sort_by_key(|r| (r.date, r.start, r.id));
    let mut gaps = Vec::new();
    let mut without_readings = Vec::new();
    let mut last: Option<(TripId, u32)> = None;
    let (mut reading_start, mut reading_end) = (None, None);
    for r in &rows {
        let (Some(a), Some(b)) = (r.odometer_start, r.odometer_end) else {
            without_readings.push(r.id);
            continue;
        };
        if let Some((after, from_km)) = last
            && from_km != a
        {
            gaps.push(OdometerGap {
                after,
                before: r.id,
                from_km,
                to_km: a,
            });
        }
        reading_start.get_or_insert(a);
        reading_end = Some(b);
        last = Some((r.id, b));
    }
    VehicleJournal {
        registration: registration.clone(),
        rows,
        reading_start,
        reading_end,
        gaps,
        without_readings,
    }
}

impl VehicleJournal {
    /// The lines under the table that a vehicle's körjournal adds to a driver's (CSV and PDF):
    /// the readings at the start and end, and every break in the odometer.
    pub fn notes_sv(&self) -> Vec<String> {
        let reading = |r: Option<u32>| r.map_or_else(|| "–".to_owned(), |v| v.to_string());
        let mut out = vec![format!(
            "Mätarställning vid periodens början: {}; vid periodens slut: {}",
            reading(self.reading_start),
            reading(self.reading_end)
        )];
        if self.gaps.is_empty() && self.without_readings.is_empty() {
            out.push("Mätarställningen är obruten.".to_owned());
        }
        for g in &self.gaps {
            out.push(format!("Glapp i mätarställningen: {}", g.describe_sv()));
        }
        if !self.without_readings.is_empty() {
            out.push(match self.without_readings.len() {
                1 => "1 resa saknar mätarställning".to_owned(),
                n => format!("{n} resor saknar mätarställning"),
            });
        }
        out
    }

    /// The CSV: the körjournal's columns and total line (so a spreadsheet reads it like a
    /// driver's), then the notes, one per line in the first column.
    pub fn to_csv(&self) -> String {
        let mut out = to_csv(&self.rows);
        for n in self.notes_sv() {
            out.push_str(&n.replace(';', ","));
            out.push_str("\r\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mileage::korjournal::parse_csv;
    use crate::text::{PlaceName, Purpose, Username};
    use crate::trip::DistanceSource;
    use chrono::{FixedOffset, TimeZone};

    fn cet(t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&FixedOffset::east_opt(3600).expect("valid offset"))
            .naive_local()
    }

    fn reg(s: &str) -> Registration {
        Registration::parse(s).expect("valid registration")
    }

    /// A trip in the pool car ABC123 (or `car`) on 2026-11-`day` by `driver`, with readings.
    fn drive(driver: &str, day: u32, car: &str, odo: Option<(u32, u32)>) -> Trip {
        let start = Utc
            .with_ymd_and_hms(2026, 11, day, 8, 0, 0)
            .single()
            .expect("valid time");
        let km = odo.map_or(12.0, |(a, b)| f64::from(b - a));
        Trip {
            id: TripId::new(),
            driver: Username::parse(driver).expect("valid"),
            vehicle: Vehicle::Service {
                registration: car.into(),
            },
            start,
            end: Some(start + chrono::Duration::minutes(40)),
            from: PlaceName::parse("Kalix").expect("valid"),
            to: PlaceName::parse("Töre").expect("valid"),
            from_address: None,
            to_address: None,
            purpose: Purpose::parse("Hembesök").expect("valid"),
            visited: None,
            visits: vec![],
            km,
            distance_source: if odo.is_some() {
                DistanceSource::Odometer
            } else {
                DistanceSource::Manual
            },
            odometer_start: odo.map(|o| o.0),
            odometer_end: odo.map(|o| o.1),
            gps: None,
            distance_confirmed: false,
            from_home: false,
        }
    }

    const NOV: Period = Period::Month {
        year: 2026,
        month: 11,
    };

    #[test]
    fn registration_numbers_are_normalised_and_checked() {
        assert_eq!(reg("abc-123").as_str(), "ABC123");
        assert_eq!(reg(" ABC 12A ").as_str(), "ABC12A");
        for bad in ["", "A", "ABCD12345", "ÅÄÖ123", "AB_123"] {
            let e = Registration::parse(bad).expect_err(bad);
            assert_eq!(e.field, "registration", "{bad}");
        }
        assert_eq!("pool".parse::<CarKind>(), Ok(CarKind::PoolCar));
        assert_eq!("benefit_car".parse::<CarKind>(), Ok(CarKind::BenefitCar));
        assert!("own".parse::<CarKind>().is_err());
    }

    #[test]
    fn a_continuous_odometer_over_several_drivers_has_no_gaps() {
        let trips = vec![
            drive("berit", 9, "ABC123", Some((12_041, 12_100))),
            drive("anna", 3, "ABC123", Some((12_000, 12_041))),
            drive("anna", 4, "XYZ999", Some((500, 560))),
            drive("carl", 20, "ABC123", Some((12_100, 12_180))),
        ];
        let j = vehicle_journal(&trips, &reg("ABC123"), NOV, cet);
        let drivers: Vec<&str> = j.rows.iter().map(|r| r.driver.as_str()).collect();
        assert_eq!(drivers, ["anna", "berit", "carl"], "all drivers, in order");
        assert_eq!(
            (j.reading_start, j.reading_end),
            (Some(12_000), Some(12_180))
        );
        assert!(j.gaps.is_empty() && j.without_readings.is_empty());
        assert_eq!(
            j.notes_sv(),
            [
                "Mätarställning vid periodens början: 12000; vid periodens slut: 12180",
                "Mätarställningen är obruten."
            ]
        );
        // The CSV: the körjournal's rows and total, which parse back, and the notes after.
        let csv = j.to_csv();
        assert!(csv.ends_with("Mätarställningen är obruten.\r\n"), "{csv}");
        let without_notes: String = csv.split_inclusive("\r\n").take(5).collect();
        assert_eq!(parse_csv(&without_notes).expect("parses").len(), 3);
    }

    #[test]
    fn gaps_backwards_readings_and_trips_without_readings_are_flagged() {
        let trips = vec![
            drive("anna", 3, "ABC123", Some((12_000, 12_041))),
            // 59 km driven without a logged trip.
            drive("berit", 9, "ABC123", Some((12_100, 12_150))),
            drive("carl", 10, "ABC123", None),
            // The readings go backwards.
            drive("anna", 12, "ABC123", Some((12_140, 12_200))),
        ];
        let j = vehicle_journal(&trips, &reg("ABC123"), NOV, cet);
        assert_eq!(j.gaps.len(), 2);
        assert_eq!((j.gaps[0].from_km, j.gaps[0].to_km), (12_041, 12_100));
        assert_eq!(
            (j.gaps[0].after, j.gaps[0].before),
            (j.rows[0].id, j.rows[1].id)
        );
        assert_eq!((j.gaps[1].from_km, j.gaps[1].to_km), (12_150, 12_140));
        assert_eq!(j.without_readings, [j.rows[2].id]);
        let notes = j.notes_sv();
        assert_eq!(
            notes[1],
            "Glapp i mätarställningen: 12041 → 12100 (59,0 km utan loggad resa)"
        );
        assert_eq!(
            notes[2],
            "Glapp i mätarställningen: 12150 → 12140 (mätaren går bakåt 10,0 km)"
        );
        assert_eq!(notes[3], "1 resa saknar mätarställning");
        assert_eq!(
            (j.reading_start, j.reading_end),
            (Some(12_000), Some(12_200))
        );
    }

    #[test]
    fn a_period_without_the_car_has_no_readings() {
        let trips = vec![drive("anna", 3, "ABC123", Some((1, 2)))];
        let j = vehicle_journal(&trips, &reg("QQQ111"), NOV, cet);
        assert!(j.rows.is_empty());
        assert_eq!((j.reading_start, j.reading_end), (None, None));
        let dec = Period::Month {
            year: 2026,
            month: 12,
        };
        assert!(
            vehicle_journal(&trips, &reg("ABC123"), dec, cet)
                .rows
                .is_empty()
        );
    }
}
