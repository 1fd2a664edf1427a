//! Distances on the Earth for mileage: great-circle distance, bearing, and a small local metric
//! projection for the trip recorder's filter.
//!
//! A sphere is accurate to about 0.5 % against the ellipsoid, which is far below the error of
//! consumer GPS and road-versus-crow-flight differences; every distance in the app (recorder,
//! suggestions, the benchmark's ground truth) uses this same sphere so they agree with each other.

use serde::{Deserialize, Serialize};

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point in degrees (WGS 84 latitude and longitude).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub const fn new(lat: f64, lon: f64) -> Self {
        Self { lat, lon }
    }

    /// Finite and inside ±90° / ±180°.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }
}

/// Great-circle distance in metres (haversine, stable for the short steps between fixes).
pub fn haversine_m(a: LatLon, b: LatLon) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dphi = phi2 - phi1;
    let dlambda = (b.lon - a.lon).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    // Rounding can push h a hair above 1 for antipodal points; asin would then return NaN.
    2.0 * EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

/// Straight-line ("as the crow flies") distance in km.
pub fn straight_line_km(a: LatLon, b: LatLon) -> f64 {
    haversine_m(a, b) / 1000.0
}

/// Initial bearing from `a` to `b`, degrees clockwise from north in `[0, 360)`.
pub fn bearing_deg(a: LatLon, b: LatLon) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlambda = (b.lon - a.lon).to_radians();
    let y = dlambda.sin() * phi2.cos();
    let x = phi1.cos() * phi2.sin() - phi1.sin() * phi2.cos() * dlambda.cos();
    (y.atan2(x).to_degrees() + 360.0) % 360.0
}

/// The point `distance_m` from `from` along initial bearing `bearing_deg` on the sphere.
pub fn destination(from: LatLon, bearing_deg: f64, distance_m: f64) -> LatLon {
    let delta = distance_m / EARTH_RADIUS_M;
    let theta = bearing_deg.to_radians();
    let phi1 = from.lat.to_radians();
    let lambda1 = from.lon.to_radians();
    let sin_phi2 = phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * theta.cos();
    let phi2 = sin_phi2.clamp(-1.0, 1.0).asin();
    let lambda2 = lambda1
        + (theta.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * sin_phi2);
    let lon = (lambda2.to_degrees() + 540.0) % 360.0 - 180.0;
    LatLon::new(phi2.to_degrees(), lon)
}

/// An equirectangular projection around an origin: east/north metres.
///
/// Its scale error grows with distance from the origin (about 4 % per degree of latitude up
/// here, because cos(lat) changes fast at 66° N), so the recorder re-centres it every
/// [`LocalFrame::RECENTRE_M`] metres instead of using one frame for a 60 km trip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LocalFrame {
    pub origin: LatLon,
    /// Metres per degree of longitude at the origin.
    m_per_deg_lon: f64,
}

/// Metres per degree of latitude on the sphere.
const M_PER_DEG_LAT: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

impl LocalFrame {
    /// Within this distance of the origin the projection's scale error stays below ~0.1 %.
    pub const RECENTRE_M: f64 = 2_000.0;

    pub fn new(origin: LatLon) -> Self {
        // Clamp keeps the scale usable (never zero) even for a fix at a pole.
        let m_per_deg_lon = M_PER_DEG_LAT * origin.lat.to_radians().cos().max(1e-6);
        Self {
            origin,
            m_per_deg_lon,
        }
    }

    /// East and north metres of `p` from the origin.
    pub fn to_xy(&self, p: LatLon) -> (f64, f64) {
        let mut dlon = p.lon - self.origin.lon;
        // Across the antimeridian take the short way round.
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        (
            dlon * self.m_per_deg_lon,
            (p.lat - self.origin.lat) * M_PER_DEG_LAT,
        )
    }

    /// The point `x` m east and `y` m north of the origin.
    pub fn to_latlon(&self, x: f64, y: f64) -> LatLon {
        let lat = (self.origin.lat + y / M_PER_DEG_LAT).clamp(-90.0, 90.0);
        let lon = (self.origin.lon + x / self.m_per_deg_lon + 540.0) % 360.0 - 180.0;
        LatLon::new(lat, lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KALIX: LatLon = LatLon::new(65.853, 23.156);
    const LULEA: LatLon = LatLon::new(65.584, 22.155);

    #[test]
    fn haversine_known_distances() {
        // One degree of latitude on this sphere.
        let d = haversine_m(LatLon::new(65.0, 22.0), LatLon::new(66.0, 22.0));
        assert!((d - 111_195.0).abs() < 1.0, "{d}");
        // Kalix–Luleå as the crow flies: 0.27° north (29.9 km) and 1.0° east (45.4 km here).
        let km = straight_line_km(KALIX, LULEA);
        assert!((54.0..55.0).contains(&km), "{km}");
        assert_eq!(haversine_m(KALIX, KALIX), 0.0);
        // Antipodes do not turn into NaN.
        let far = haversine_m(LatLon::new(0.0, 0.0), LatLon::new(0.0, 180.0));
        assert!((far - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1.0);
    }

    #[test]
    fn bearing_cardinal_directions() {
        let o = LatLon::new(65.0, 22.0);
        assert!((bearing_deg(o, LatLon::new(66.0, 22.0)) - 0.0).abs() < 1e-9);
        assert!((bearing_deg(o, LatLon::new(64.0, 22.0)) - 180.0).abs() < 1e-9);
        let east = bearing_deg(o, LatLon::new(65.0, 22.1));
        assert!((east - 90.0).abs() < 0.1, "{east}");
    }

    #[test]
    fn destination_inverts_haversine_and_bearing() {
        let p = destination(KALIX, 237.0, 12_345.0);
        assert!((haversine_m(KALIX, p) - 12_345.0).abs() < 1e-6);
        assert!((bearing_deg(KALIX, p) - 237.0).abs() < 1e-6);
    }

    #[test]
    fn local_frame_round_trips_and_keeps_scale_near_origin() {
        let f = LocalFrame::new(KALIX);
        let p = destination(KALIX, 60.0, 1_500.0);
        let (x, y) = f.to_xy(p);
        assert!(((x * x + y * y).sqrt() - 1_500.0).abs() < 1.5);
        let back = f.to_latlon(x, y);
        assert!(haversine_m(back, p) < 1e-6);
    }
}
