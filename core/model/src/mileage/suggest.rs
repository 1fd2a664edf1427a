//! A distance for a trip that was not recorded: the team's own experience of the same pair of
//! places if there is any, else the straight line times a road detour factor. Either way the
//! result is marked [`DistanceSource::Suggested`] so the driver confirms or corrects it.
//!
//! The median, not the mean, of earlier trips: one trip with a detour to the pharmacy or a
//! mistyped odometer reading must not move the suggestion.
//!
//! The detour factor 1.15: road over straight-line distance for the trips docs/design.md §1 names,
//! with the gazetteer's coordinates, is Kalix → Töre 25 / 23.9 km = 1.05, → Haparanda 50 / 44.6
//! = 1.12, → Morjärv 40 / 31.5 = 1.27; their mean is 1.15. The often-quoted 1.3 (national
//! road-circuity studies, which include towns and fjords) would overstate the two coastal trips
//! by 16–24 %; 1.15 keeps all three within about ±10 % (the test below). A team's own history takes
//! over as soon as a pair has been driven once.

use super::DistanceSource;
use super::geo::{LatLon, straight_line_km};
use crate::gazetteer::normalise;
use serde::{Deserialize, Serialize};

/// Road distance over straight-line distance when nothing better is known.
pub const DEFAULT_DETOUR_FACTOR: f64 = 1.15;

/// An earlier trip of the team, as far as suggestions care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastTrip {
    pub from: String,
    pub to: String,
    pub km: f64,
}

/// One end of the trip to suggest for: a place name and, if the place list has them, its
/// coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaceRef<'a> {
    pub name: &'a str,
    pub at: Option<LatLon>,
}

/// Why the suggestion is what it is, to show beside it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "basis")]
pub enum SuggestionBasis {
    /// The median of this many earlier trips between the same places, in either direction.
    TeamMedian { trips: usize },
    /// Straight-line distance times a detour factor.
    StraightLine {
        straight_km: f64,
        detour_factor: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Rounded to 0.1 km: more digits would pretend a precision a guess does not have.
    pub km: f64,
    /// Always [`DistanceSource::Suggested`].
    pub source: DistanceSource,
    pub basis: SuggestionBasis,
}

/// The median km of earlier trips between `a` and `b` in either direction, with their count.
/// Names match case- and diacritic-insensitively; trips with a non-positive or non-finite
/// distance are ignored.
pub fn team_median_km(history: &[PastTrip], a: &str, b: &str) -> Option<(f64, usize)> {
    let (a, b) = (normalise(a), normalise(b));
    let mut kms: Vec<f64> = history
        .iter()
        .filter(|t| t.km.is_finite() && t.km > 0.0)
        .filter(|t| {
            let (f, to) = (normalise(&t.from), normalise(&t.to));
            (f == a && to == b) || (f == b && to == a)
        })
        .map(|t| t.km)
        .collect();
    if kms.is_empty() {
        return None;
    }
    kms.sort_by(f64::total_cmp);
    let n = kms.len();
    let median = if n % 2 == 1 {
        kms[n / 2]
    } else {
        (kms[n / 2 - 1] + kms[n / 2]) / 2.0
    };
    Some((median, n))
}

/// Straight line × `detour_factor` between two known points.
pub fn straight_line_estimate(from: LatLon, to: LatLon, detour_factor: f64) -> Suggestion {
    let straight_km = straight_line_km(from, to);
    Suggestion {
        km: round_tenth(straight_km * detour_factor),
        source: DistanceSource::Suggested,
        basis: SuggestionBasis::StraightLine {
            straight_km,
            detour_factor,
        },
    }
}

/// The suggestion for a trip between `from` and `to`: the team's median if the pair has been
/// driven before, else the straight line × [`DEFAULT_DETOUR_FACTOR`]; `None` if neither is
/// possible (an unknown pair without coordinates).
pub fn suggest(from: PlaceRef<'_>, to: PlaceRef<'_>, history: &[PastTrip]) -> Option<Suggestion> {
    suggest_with_factor(from, to, history, DEFAULT_DETOUR_FACTOR)
}

/// [`suggest`] with another detour factor (a team that knows its roads better).
pub fn suggest_with_factor(
    from: PlaceRef<'_>,
    to: PlaceRef<'_>,
    history: &[PastTrip],
    detour_factor: f64,
) -> Option<Suggestion> {
    if let Some((km, trips)) = team_median_km(history, from.name, to.name) {
        return Some(Suggestion {
            km: round_tenth(km),
            source: DistanceSource::Suggested,
            basis: SuggestionBasis::TeamMedian { trips },
        });
    }
    let factor = if detour_factor.is_finite() && detour_factor >= 1.0 {
        detour_factor
    } else {
        DEFAULT_DETOUR_FACTOR
    };
    Some(straight_line_estimate(from.at?, to.at?, factor))
}

fn round_tenth(km: f64) -> f64 {
    (km * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer;

    fn trip(from: &str, to: &str, km: f64) -> PastTrip {
        PastTrip {
            from: from.into(),
            to: to.into(),
            km,
        }
    }

    fn place(name: &str) -> PlaceRef<'_> {
        PlaceRef {
            name,
            at: gazetteer::find(name).map(|p| p.at()),
        }
    }

    #[test]
    fn median_of_earlier_trips_in_either_direction() {
        let history = vec![
            trip("Kalix", "Töre", 26.0),
            trip("Töre", "Kalix", 25.0),
            trip("kalix", "TORE", 24.8),
            trip("Kalix", "Töre", 61.0), // with a detour: must not move the median much
            trip("Kalix", "Morjärv", 40.0),
            trip("Kalix", "Töre", f64::NAN),
        ];
        let s = suggest(place("Kalix"), place("Töre"), &history).unwrap();
        assert_eq!(s.basis, SuggestionBasis::TeamMedian { trips: 4 });
        assert_eq!(s.km, 25.5);
        assert_eq!(s.source, DistanceSource::Suggested);
        assert_eq!(
            team_median_km(&history, "Morjärv", "Kalix"),
            Some((40.0, 1))
        );
    }

    #[test]
    fn straight_line_times_detour_without_history() {
        let s = suggest(place("Kalix"), place("Haparanda"), &[]).unwrap();
        let SuggestionBasis::StraightLine {
            straight_km,
            detour_factor,
        } = s.basis
        else {
            panic!("{s:?}")
        };
        assert_eq!(detour_factor, DEFAULT_DETOUR_FACTOR);
        assert!((43.0..47.0).contains(&straight_km), "{straight_km}");
        assert_eq!(s.km, round_tenth(straight_km * DEFAULT_DETOUR_FACTOR));
    }

    #[test]
    fn detour_factor_fits_the_trips_design_names() {
        // Road distances from docs/design.md §1.
        for (to, road_km) in [("Töre", 25.0), ("Morjärv", 40.0), ("Haparanda", 50.0)] {
            let s = suggest(place("Kalix"), place(to), &[]).unwrap();
            let err = (s.km - road_km) / road_km;
            assert!(
                err.abs() < 0.11,
                "Kalix → {to}: {} km vs {road_km} km",
                s.km
            );
        }
    }

    #[test]
    fn nothing_to_suggest_for_unknown_places() {
        let nowhere = PlaceRef {
            name: "Ingenstans",
            at: None,
        };
        assert_eq!(suggest(place("Kalix"), nowhere, &[]), None);
    }
}
