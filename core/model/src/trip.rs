//! A trip driven for work: enough for a Swedish körjournal (date, odometer, from/to, km,
//! errand, whom visited, driver, vehicle) and for reimbursement.

use crate::error::{ValidationError, invalid};
use crate::ids::{TripId, VisitId};
use crate::mileage::QualityGrade;
use crate::text::{Address, PlaceName, Purpose, Username};
use crate::visit::check_start;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub const KM_MAX: f64 = 2000.0;

/// The driver's own car (reimbursed per km, partly tax-free) or a service car.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Vehicle {
    Own,
    /// A service car with its registration number, e.g. `ABC123`.
    Service {
        registration: String,
    },
}

impl Vehicle {
    pub fn is_own(&self) -> bool {
        matches!(self, Vehicle::Own)
    }
}

impl fmt::Display for Vehicle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vehicle::Own => f.write_str("own"),
            Vehicle::Service { registration } => write!(f, "service:{registration}"),
        }
    }
}

impl FromStr for Vehicle {
    type Err = ValidationError;
    /// `own`, or `service:ABC123` (spaces, dashes and case in the registration are forgiven:
    /// `service:abc-123` is `ABC123`, as plates are written both ways).
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s == "own" {
            return Ok(Vehicle::Own);
        }
        let Some(reg) = s.strip_prefix("service:") else {
            return invalid(
                "vehicle",
                "must be own or service:REGISTRATION (e.g. service:ABC123)",
            );
        };
        // One rule for registration numbers: the vehicle register's.
        match crate::mileage::Registration::parse(reg) {
            Ok(r) => Ok(Vehicle::Service {
                registration: r.as_str().to_owned(),
            }),
            Err(_) => invalid(
                "vehicle",
                "the registration must be 2–7 letters and digits, like ABC123",
            ),
        }
    }
}

impl Serialize for Vehicle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Vehicle {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Where a trip's km came from. Odometer beats GPS beats a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistanceSource {
    Gps,
    Odometer,
    Manual,
    /// From the team's earlier trips between the same places, or straight line × detour.
    Suggested,
}

impl DistanceSource {
    pub const ALL: [DistanceSource; 4] = [
        DistanceSource::Gps,
        DistanceSource::Odometer,
        DistanceSource::Manual,
        DistanceSource::Suggested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DistanceSource::Gps => "gps",
            DistanceSource::Odometer => "odometer",
            DistanceSource::Manual => "manual",
            DistanceSource::Suggested => "suggested",
        }
    }
}

impl fmt::Display for DistanceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is kept of a GPS track once the trip is saved (the fixes themselves are dropped).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GpsQuality {
    /// Share of the distance bridged over gaps as an estimate, 0–1.
    pub share_estimated: f64,
    pub fixes_used: u32,
    pub fixes_dropped: u32,
    /// The recorder's grade: whether the distance is within the accuracy the recorder
    /// promises (docs/mileage.md, "Accuracy"). Absent on trips saved before it was kept, and
    /// then not guessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<QualityGrade>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trip {
    pub id: TripId,
    pub driver: Username,
    pub vehicle: Vehicle,
    pub start: DateTime<Utc>,
    #[serde(default)]
    pub end: Option<DateTime<Utc>>,
    pub from: PlaceName,
    pub to: PlaceName,
    /// Sensitive, optional: a street address when the körjournal needs one.
    #[serde(default)]
    pub from_address: Option<Address>,
    #[serde(default)]
    pub to_address: Option<Address>,
    /// The errand (ärende).
    pub purpose: Purpose,
    /// Whom visited: a client code or an organisation.
    #[serde(default)]
    pub visited: Option<String>,
    #[serde(default)]
    pub visits: Vec<crate::ids::VisitId>,
    pub km: f64,
    pub distance_source: DistanceSource,
    #[serde(default)]
    pub odometer_start: Option<u32>,
    #[serde(default)]
    pub odometer_end: Option<u32>,
    #[serde(default)]
    pub gps: Option<GpsQuality>,
    /// The driver has confirmed a suggested distance (checked it against the road they drove).
    /// Only a suggestion is confirmed: measured and typed km are the driver's own figure. A
    /// month with an unconfirmed suggestion cannot be approved for payment. Absent in trips
    /// from phones that predate it: they read as unconfirmed.
    #[serde(default)]
    pub distance_confirmed: bool,
    /// The trip started at the driver's home rather than at the workplace: under the agreement
    /// only the part beyond the driver's home–workplace distance is business travel
    /// ([`crate::mileage::business_km`]). Absent in older trips: from the workplace.
    #[serde(default)]
    pub from_home: bool,
}

pub const VISITED_MAX: usize = 80;
pub const TRIP_HOURS_MAX: i64 = 24;

impl Trip {
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        if !self.km.is_finite() || !(0.0..=KM_MAX).contains(&self.km) {
            return invalid("km", format!("must be between 0 and {KM_MAX} km"));
        }
        check_start(self.start, now)?;
        if let Some(end) = self.end {
            if end < self.start {
                return invalid("end", "must not be before the start");
            }
            if end - self.start > Duration::hours(TRIP_HOURS_MAX) {
                return invalid(
                    "end",
                    format!("a trip may last at most {TRIP_HOURS_MAX} hours"),
                );
            }
        }
        match (self.odometer_start, self.odometer_end) {
            (Some(a), Some(b)) => {
                if b < a {
                    return invalid("odometer_end", "must not be less than odometer_start");
                }
                if self.distance_source != DistanceSource::Odometer {
                    return invalid(
                        "distance_source",
                        "must be odometer when both odometer readings are given (they override GPS)",
                    );
                }
                if (f64::from(b - a) - self.km).abs() > 0.05 {
                    return invalid("km", "must equal odometer_end − odometer_start");
                }
            }
            (None, None) | (Some(_), None) | (None, Some(_))
                if self.distance_source == DistanceSource::Odometer =>
            {
                return invalid(
                    "odometer_end",
                    "both odometer readings are needed when the distance comes from the odometer",
                );
            }
            _ => {}
        }
        if self.distance_confirmed && self.distance_source != DistanceSource::Suggested {
            return invalid(
                "distance_confirmed",
                "is only for suggested distances (measured or typed km need no confirmation)",
            );
        }
        if self.gps.is_some() && self.distance_source != DistanceSource::Gps {
            return invalid("gps", "is only for trips measured by GPS");
        }
        if let Some(q) = &self.gps
            && !(q.share_estimated.is_finite() && (0.0..=1.0).contains(&q.share_estimated))
        {
            return invalid("gps.share_estimated", "must be between 0 and 1");
        }
        if let Some(v) = &self.visited
            && (v.trim().is_empty() || v.chars().count() > VISITED_MAX)
        {
            return invalid(
                "visited",
                format!("must be 1–{VISITED_MAX} characters long"),
            );
        }
        Ok(())
    }

    /// A suggested distance the driver has not confirmed: it holds up the month's approval.
    pub fn awaits_confirmation(&self) -> bool {
        self.distance_source == DistanceSource::Suggested && !self.distance_confirmed
    }

    /// A GPS distance the recorder could not vouch for (graded fair or poor: positions without
    /// speed, sparse fixes, much bridged or hidden in dead zones), with its grade. The
    /// supervisor sees such trips beside the month's figures, and the driver can check them
    /// against the odometer; they do not hold up approval, since the distance is measured.
    pub fn gps_doubt(&self) -> Option<QualityGrade> {
        if self.distance_source != DistanceSource::Gps {
            return None;
        }
        self.gps
            .and_then(|g| g.grade)
            .filter(|g| matches!(g, QualityGrade::Fair | QualityGrade::Poor))
    }

    /// Ids of visits this trip was driven for.
    pub fn linked_visits(&self) -> &[VisitId] {
        &self.visits
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn registrations_are_normalised() {
        for typed in ["service:abc-123", "service:ABC 123", "service: abc123 "] {
            assert_eq!(
                typed.parse::<Vehicle>().unwrap(),
                Vehicle::Service {
                    registration: "ABC123".into()
                },
                "{typed}"
            );
        }
        assert!("service:AB_123".parse::<Vehicle>().is_err());
        assert!("service:-".parse::<Vehicle>().is_err());
    }

    pub(crate) fn trip() -> Trip {
        Trip {
            id: TripId::new(),
            driver: Username::parse("anna").unwrap(),
            vehicle: Vehicle::Own,
            start: Utc.with_ymd_and_hms(2026, 11, 20, 8, 30, 0).unwrap(),
            end: Some(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()),
            from: PlaceName::parse("Kalix").unwrap(),
            to: PlaceName::parse("Töre").unwrap(),
            from_address: None,
            to_address: None,
            purpose: Purpose::parse("Hembesök").unwrap(),
            visited: Some("K-017".into()),
            visits: vec![],
            km: 25.3,
            distance_source: DistanceSource::Manual,
            odometer_start: None,
            odometer_end: None,
            gps: None,
            distance_confirmed: false,
            from_home: false,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    #[test]
    fn vehicle_text_form() {
        assert_eq!("own".parse::<Vehicle>().unwrap(), Vehicle::Own);
        let v: Vehicle = "service: abc 123".parse().unwrap();
        assert_eq!(v.to_string(), "service:ABC123");
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"service:ABC123\"");
        assert!("bike".parse::<Vehicle>().is_err());
        assert!("service:ÅÄÖ!".parse::<Vehicle>().is_err());
    }

    #[test]
    fn odometer_rules() {
        let mut t = trip();
        t.odometer_start = Some(12_000);
        t.odometer_end = Some(11_990);
        assert_eq!(t.validate(now()).unwrap_err().field, "odometer_end");
        t.odometer_end = Some(12_025);
        assert_eq!(t.validate(now()).unwrap_err().field, "distance_source");
        t.distance_source = DistanceSource::Odometer;
        assert_eq!(t.validate(now()).unwrap_err().field, "km");
        t.km = 25.0;
        t.validate(now()).unwrap();
        t.odometer_end = None;
        assert_eq!(t.validate(now()).unwrap_err().field, "odometer_end");
    }

    #[test]
    fn km_and_time_rules() {
        let mut t = trip();
        t.km = 2000.5;
        assert_eq!(t.validate(now()).unwrap_err().field, "km");
        t.km = f64::NAN;
        assert_eq!(t.validate(now()).unwrap_err().field, "km");
        let mut t = trip();
        t.end = Some(t.start - Duration::minutes(1));
        assert_eq!(t.validate(now()).unwrap_err().field, "end");
        let mut t = trip();
        t.gps = Some(GpsQuality {
            share_estimated: 0.1,
            fixes_used: 10,
            fixes_dropped: 0,
            grade: None,
        });
        assert_eq!(t.validate(now()).unwrap_err().field, "gps");
    }

    #[test]
    fn a_gps_distance_graded_fair_or_poor_is_in_doubt() {
        let gps = |grade| GpsQuality {
            share_estimated: 0.0,
            fixes_used: 500,
            fixes_dropped: 3,
            grade,
        };
        let mut t = trip();
        t.distance_source = DistanceSource::Gps;
        for (grade, doubt) in [
            (Some(QualityGrade::Good), None),
            (Some(QualityGrade::Fair), Some(QualityGrade::Fair)),
            (Some(QualityGrade::Poor), Some(QualityGrade::Poor)),
            // Saved before the grade was kept: not guessed.
            (None, None),
        ] {
            t.gps = Some(gps(grade));
            assert_eq!(t.gps_doubt(), doubt, "{grade:?}");
        }
        // The odometer won over the GPS: its km are not the recorder's.
        t.gps = Some(gps(Some(QualityGrade::Poor)));
        t.distance_source = DistanceSource::Odometer;
        assert_eq!(t.gps_doubt(), None);
        // Trips saved by older phones, without the field, read back; the field is left out
        // of the JSON when absent, so older servers and phones read new trips too.
        let json = r#"{"share_estimated":0.1,"fixes_used":10,"fixes_dropped":0}"#;
        let old: GpsQuality = serde_json::from_str(json).expect("older gps quality");
        assert_eq!(old.grade, None);
        assert_eq!(serde_json::to_string(&old).expect("json"), json);
        let new = serde_json::to_string(&gps(Some(QualityGrade::Fair))).expect("json");
        assert!(new.ends_with(r#","grade":"fair"}"#), "{new}");
    }

    #[test]
    fn only_a_suggestion_is_confirmed() {
        let mut t = trip();
        assert!(!t.awaits_confirmation(), "typed km need no confirmation");
        t.distance_confirmed = true;
        assert_eq!(t.validate(now()).unwrap_err().field, "distance_confirmed");
        t.distance_source = DistanceSource::Suggested;
        t.validate(now()).unwrap();
        assert!(!t.awaits_confirmation());
        t.distance_confirmed = false;
        assert!(t.awaits_confirmation());
        // A trip from a phone that predates the field reads as unconfirmed.
        let mut json = serde_json::to_value(&t).unwrap();
        json.as_object_mut().unwrap().remove("distance_confirmed");
        let old: Trip = serde_json::from_value(json).unwrap();
        assert!(old.awaits_confirmation());
    }

    proptest! {
        #[test]
        fn km_rule(km in -10.0f64..3000.0) {
            let mut t = trip();
            t.km = km;
            prop_assert_eq!(t.validate(now()).is_ok(), (0.0..=2000.0).contains(&km));
        }

        #[test]
        fn serde_round_trip(km in 0.0f64..2000.0, reg in "[A-Z]{3}[0-9]{3}", own: bool) {
            let mut t = trip();
            t.km = km;
            t.vehicle = if own { Vehicle::Own } else { Vehicle::Service { registration: reg } };
            let back: Trip = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
            prop_assert_eq!(back, t);
        }
    }
}
