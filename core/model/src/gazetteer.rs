//! Swedish towns and villages with coordinates, shipped with the app to seed a team's place
//! list (docs/design.md §3) and to give suggestions a straight-line distance.
//!
//! Data: GeoNames (CC BY 4.0, attribution: GeoNames) via `tools/gazetteer/build.py`, plus a few
//! hand-curated Norrbotten villages GeoNames lacks; see `core/model/data/README.md`. The CSV is
//! compiled in and parsed on first use, once, so apps that never look a place up pay nothing.
//!
//! Look-ups ignore case, diacritics (å ä ö é ü …) and spacing, because people type "Tore" and
//! "LULEA" on a phone keyboard. Sweden repeats place names (two Karlsborg), so [`find`] prefers
//! the larger place and [`find_in`] narrows by county.

use crate::mileage::LatLon;
use std::sync::OnceLock;

const GEONAMES_CSV: &str = include_str!("../data/places_se.csv");
const CURATED_CSV: &str = include_str!("../data/places_se_curated.csv");

/// GeoNames' admin1 code for Norrbottens län, where the first teams work.
pub const NORRBOTTEN: &str = "14";

#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub population: u32,
    /// GeoNames' county code (`14` = Norrbottens län).
    pub admin1: &'static str,
    /// Whether the place came from the hand-curated list rather than GeoNames.
    pub curated: bool,
}

impl Place {
    pub fn at(&self) -> LatLon {
        LatLon::new(self.lat, self.lon)
    }
}

struct Index {
    places: Vec<Place>,
    /// Normalised name, index into `places`; sorted by name, then larger population first.
    by_name: Vec<(String, usize)>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut places: Vec<Place> = parse(GEONAMES_CSV, false)
            .chain(parse(CURATED_CSV, true))
            .filter_map(Result::ok)
            .collect();
        places.sort_by(|a, b| a.name.cmp(b.name).then(b.population.cmp(&a.population)));
        let mut by_name: Vec<(String, usize)> = places
            .iter()
            .enumerate()
            .map(|(i, p)| (normalise(p.name), i))
            .collect();
        by_name.sort_by(|(a, i), (b, j)| {
            a.cmp(b)
                .then(places[*j].population.cmp(&places[*i].population))
        });
        Index { places, by_name }
    })
}

/// A line that is not a place, with its number, for the data tests.
#[derive(Debug, Clone, PartialEq)]
struct BadLine(usize, &'static str);

/// Data lines of one CSV. Malformed lines are reported to the tests and skipped at run time:
/// the shipped files are checked by `shipped_data_has_no_bad_lines`.
fn parse(csv: &'static str, curated: bool) -> impl Iterator<Item = Result<Place, BadLine>> {
    csv.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("name;"))
        .map(move |(n, line)| {
            let bad = |why| BadLine(n + 1, why);
            let mut cols = line.split(';');
            let mut next = |why| cols.next().map(str::trim).ok_or(bad(why));
            let name = next("no name")?;
            let lat: f64 = next("no lat")?.parse().map_err(|_| bad("lat"))?;
            let lon: f64 = next("no lon")?.parse().map_err(|_| bad("lon"))?;
            let population: u32 = next("no population")?
                .parse()
                .map_err(|_| bad("population"))?;
            let admin1 = next("no admin1")?;
            if name.is_empty() || !LatLon::new(lat, lon).is_valid() {
                return Err(bad("empty name or coordinates out of range"));
            }
            Ok(Place {
                name,
                lat,
                lon,
                population,
                admin1,
                curated,
            })
        })
}

/// Lower case, Nordic and accented letters folded to ASCII, runs of space, `-` and `_` made
/// one space. Used wherever place names are compared.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'å' | 'ä' | 'á' | 'à' | 'â' | 'ã' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'æ' => 'a',
            'ç' => 'c',
            'ñ' => 'n',
            ' ' | '-' | '_' | '\t' => ' ',
            other => other,
        };
        if folded == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(folded);
    }
    out
}

/// Every place, sorted by name.
pub fn all() -> &'static [Place] {
    &index().places
}

/// All places whose normalised name equals `name`'s, larger first.
pub fn find_all(name: &str) -> impl Iterator<Item = &'static Place> {
    let idx = index();
    let key = normalise(name);
    let start = idx
        .by_name
        .partition_point(|(n, _)| n.as_str() < key.as_str());
    idx.by_name[start..]
        .iter()
        .take_while(move |(n, _)| *n == key)
        .map(|(_, i)| &idx.places[*i])
}

/// The place called `name`; of several, the largest.
pub fn find(name: &str) -> Option<&'static Place> {
    find_all(name).next()
}

/// The place called `name` in county `admin1` (e.g. [`NORRBOTTEN`]).
pub fn find_in(name: &str, admin1: &str) -> Option<&'static Place> {
    find_all(name).find(|p| p.admin1 == admin1)
}

/// Places whose normalised name starts with `prefix`, larger first, at most `limit`: for
/// completing a place name as it is typed.
pub fn search(prefix: &str, limit: usize) -> Vec<&'static Place> {
    let idx = index();
    let key = normalise(prefix);
    let start = idx
        .by_name
        .partition_point(|(n, _)| n.as_str() < key.as_str());
    let mut hits: Vec<&Place> = idx.by_name[start..]
        .iter()
        .take_while(|(n, _)| n.starts_with(key.as_str()))
        .map(|(_, i)| &idx.places[*i])
        .collect();
    hits.sort_by(|a, b| b.population.cmp(&a.population).then(a.name.cmp(b.name)));
    hits.truncate(limit);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mileage::geo::straight_line_km;

    #[test]
    fn shipped_data_has_no_bad_lines() {
        let bad: Vec<BadLine> = parse(GEONAMES_CSV, false)
            .chain(parse(CURATED_CSV, true))
            .filter_map(Result::err)
            .collect();
        assert!(bad.is_empty(), "{bad:?}");
        assert!(all().len() > 1_300, "{}", all().len());
    }

    #[test]
    fn finds_the_team_towns_with_sane_coordinates() {
        for (name, lat, lon) in [
            ("Kalix", 65.85, 23.16),
            ("Töre", 65.91, 22.65),
            ("Luleå", 65.58, 22.15),
            ("Haparanda", 65.84, 24.14),
            ("Morjärv", 66.07, 22.71),
            ("Överkalix", 66.33, 22.84),
        ] {
            let p = find(name).unwrap_or_else(|| panic!("{name} missing"));
            assert!(
                (p.lat - lat).abs() < 0.03 && (p.lon - lon).abs() < 0.03,
                "{p:?}"
            );
            assert_eq!(p.admin1, NORRBOTTEN, "{p:?}");
        }
        // Kalix–Luleå ~54.5 km as the crow flies.
        let d = straight_line_km(find("Kalix").unwrap().at(), find("Luleå").unwrap().at());
        assert!((53.5..55.5).contains(&d), "{d}");
    }

    #[test]
    fn look_up_ignores_case_diacritics_and_spacing() {
        assert_eq!(find("TORE").map(|p| p.name), Some("Töre"));
        assert_eq!(find("  lulea ").map(|p| p.name), Some("Luleå"));
        assert_eq!(find("overkalix").map(|p| p.name), Some("Överkalix"));
        assert_eq!(
            find("sodra  sunderbyn").map(|p| p.name),
            Some("Södra Sunderbyn")
        );
        assert_eq!(find("Ingenstans"), None);
    }

    #[test]
    fn duplicate_names_prefer_the_larger_or_the_county() {
        let big = find("Karlsborg").unwrap();
        assert_eq!(big.admin1, "28");
        let kalix = find_in("karlsborg", NORRBOTTEN).unwrap();
        assert!(kalix.curated);
        assert!((kalix.lat - 65.80).abs() < 0.02, "{kalix:?}");
    }

    #[test]
    fn prefix_search_for_typing() {
        let hits = search("kal", 5);
        assert_eq!(hits.first().map(|p| p.name), Some("Kalmar"));
        assert!(hits.iter().any(|p| p.name == "Kalix"), "{hits:?}");
        assert_eq!(hits.len(), 5);
        assert!(search("mörj", 5).iter().any(|p| p.name == "Morjärv"));
    }
}
