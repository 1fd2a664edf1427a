//! A place in the team's list: a town or village with coordinates, from the gazetteer shipped
//! with the app or added by the team. Used to pick where a visit happened and to suggest the
//! distance of a trip.

use crate::error::{ValidationError, invalid};
use crate::ids::{PlaceId, TeamId};
use crate::text::PlaceName;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: PlaceId,
    pub name: PlaceName,
    pub lat: f64,
    pub lon: f64,
    /// The team that added it; `None` for a gazetteer entry.
    #[serde(default)]
    pub team: Option<TeamId>,
}

impl Place {
    pub fn validate(&self) -> Result<(), ValidationError> {
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return invalid("lat", "must be a latitude between -90 and 90");
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return invalid("lon", "must be a longitude between -180 and 180");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_checked() {
        let mut p = Place {
            id: PlaceId::new(),
            name: PlaceName::parse("Morjärv").unwrap(),
            lat: 66.06,
            lon: 22.70,
            team: None,
        };
        p.validate().unwrap();
        p.lat = 91.0;
        assert_eq!(p.validate().unwrap_err().field, "lat");
        p.lat = 66.0;
        p.lon = f64::NAN;
        assert_eq!(p.validate().unwrap_err().field, "lon");
    }
}
