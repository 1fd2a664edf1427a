//! The trip recorder: turns the platform's stream of GPS fixes into a driven distance.
//!
//! The phone feeds fixes one at a time ([`TripRecorder::push`]). Each fix goes through:
//!
//! 1. **Screening**, at once: not-a-number, out of range, no accuracy, time going backwards or
//!    standing still, accuracy worse than [`RecorderConfig::max_accuracy_m`] — dropped and
//!    counted per reason. A fix stamped far in the future (a GPS time glitch) would make every
//!    later fix look "backwards"; when [`RecorderConfig::reanchor_after`] such fixes in a row
//!    agree with each other, the future fix was the wrong one: it is dropped as a
//!    [`DropReason::TimeGlitch`] and the recording continues from them.
//! 2. **Spike check**, two fixes later: a fix far off the line between its neighbours is an
//!    outlier. Phones produce such jumps (multipath, a cold start) while still claiming good
//!    accuracy, and no filter that trusts the claim is safe from them, so the recorder looks
//!    at the next fixes before it believes one. A detour the Doppler speeds say the car drove
//!    is a corner, not a spike.
//! 3. **Jump check and dead zones**: a fix that would need more than
//!    [`RecorderConfig::max_speed_mps`] is dropped; after a pause longer than
//!    [`RecorderConfig::gap_s`] the distance across is the speed before and after times the
//!    time, kept between two detour factors of the straight line, and kept apart as an
//!    *estimate* so the körjournal can say how much of a trip was guessed.
//! 4. **Kalman filter** (constant velocity, in a local metric frame) with an innovation gate,
//!    then a **fixed-lag Rauch–Tung–Striebel smoother** over the last ten fixes: each point is
//!    counted once later fixes have corrected it.
//! 5. **Counting**: between points with a Doppler speed, the speed integrated over the time
//!    between them when it is plausible against the chord (it follows the curves that fixes
//!    5–10 s apart cut); elsewhere the distance between successive smoothed points, once the
//!    track has moved clearly beyond its own uncertainty, so a parked car with wandering fixes
//!    adds nothing.
//!
//! Why all this: each fix carries metres of noise, and a plain sum of noisy points zig-zags —
//! it overstates a trip by 10–40 % at 1 s sampling (100 % at σ 10 m), while a smoothed track
//! of sparse fixes cuts junctions and roundabouts. The grade ([`QualityGrade`]) says when the
//! distance cannot be promised: much of it estimated, positions without speed, sparse fixes.
//! What was tried and measured is in `docs/mileage.md` (the `mileage_accuracy` harness,
//! `tests/src/accuracy.rs`).
//!
//! The whole state is plain serde data without floats that JSON cannot hold (no NaN), so the
//! device can seal it after every fix and resume a trip after the app was killed. It costs
//! well under a microsecond per fix (0.4–0.5 µs measured by the harness).

use super::MileageError;
use super::geo::{LatLon, LocalFrame, haversine_m};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// One position from the platform's location API.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy as the platforms report it: the radius of ~68 % confidence, metres.
    pub accuracy_m: f64,
    /// Unix time, milliseconds.
    pub time_ms: i64,
    /// Doppler speed over ground if the platform has one, m/s: the recorder integrates it
    /// between fixes (see [`RecorderConfig::use_speed`]). An invalid value is ignored, not
    /// held against the position.
    #[serde(default)]
    pub speed_mps: Option<f64>,
}

/// Why a fix was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Latitude, longitude or accuracy is NaN or infinite.
    NotANumber,
    /// Latitude outside ±90° or longitude outside ±180°.
    OutOfRange,
    /// Accuracy zero or negative: the platform did not know it.
    InvalidAccuracy,
    /// Accuracy worse than [`RecorderConfig::max_accuracy_m`].
    PoorAccuracy,
    /// Older than the last fix used.
    TimeBackwards,
    /// Same time as the last fix used.
    DuplicateTime,
    /// Reaching it would need more than [`RecorderConfig::max_speed_mps`].
    ImpossibleJump,
    /// Too far from where the filter expected the car to be, or far off the line between the
    /// fixes before and after it (a spike).
    Outlier,
    /// Stamped later than the fixes that followed it agree on (a receiver's clock glitch).
    TimeGlitch,
}

impl DropReason {
    /// A sentence for a person looking at a trip's GPS quality.
    pub fn describe(self) -> &'static str {
        match self {
            Self::NotANumber => "the position was not a number",
            Self::OutOfRange => "the position was outside the globe's range",
            Self::InvalidAccuracy => "the phone did not say how accurate the position was",
            Self::PoorAccuracy => "the position was too inaccurate",
            Self::TimeBackwards => "the position was older than one already used",
            Self::DuplicateTime => "the position had the same time as one already used",
            Self::ImpossibleJump => "reaching the position would have needed an impossible speed",
            Self::Outlier => "the position was far from where the car could be",
            Self::TimeGlitch => "the position's time was later than the fixes after it",
        }
    }
}

/// What the recorder did with one fix.
///
/// `Accepted` means the fix passed every check that can be made on its own. It reaches the
/// filter two fixes later, once its successors can tell whether it was a spike; a fix found
/// to be one then (or rejected by the filter) moves from `fixes_used` to the drop counters, so
/// the counts always add up to the fixes pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome", content = "reason")]
pub enum FixOutcome {
    Accepted,
    Dropped(DropReason),
}

/// How many fixes were dropped, per reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropCounts {
    pub not_a_number: u64,
    pub out_of_range: u64,
    pub invalid_accuracy: u64,
    pub poor_accuracy: u64,
    pub time_backwards: u64,
    pub duplicate_time: u64,
    pub impossible_jump: u64,
    pub outlier: u64,
    /// Absent from states saved before the glitch guard existed.
    #[serde(default)]
    pub time_glitch: u64,
}

impl DropCounts {
    pub fn total(&self) -> u64 {
        self.not_a_number
            + self.out_of_range
            + self.invalid_accuracy
            + self.poor_accuracy
            + self.time_backwards
            + self.duplicate_time
            + self.impossible_jump
            + self.outlier
            + self.time_glitch
    }

    pub fn get(&self, reason: DropReason) -> u64 {
        match reason {
            DropReason::NotANumber => self.not_a_number,
            DropReason::OutOfRange => self.out_of_range,
            DropReason::InvalidAccuracy => self.invalid_accuracy,
            DropReason::PoorAccuracy => self.poor_accuracy,
            DropReason::TimeBackwards => self.time_backwards,
            DropReason::DuplicateTime => self.duplicate_time,
            DropReason::ImpossibleJump => self.impossible_jump,
            DropReason::Outlier => self.outlier,
            DropReason::TimeGlitch => self.time_glitch,
        }
    }

    fn bump(&mut self, reason: DropReason) {
        let c = match reason {
            DropReason::NotANumber => &mut self.not_a_number,
            DropReason::OutOfRange => &mut self.out_of_range,
            DropReason::InvalidAccuracy => &mut self.invalid_accuracy,
            DropReason::PoorAccuracy => &mut self.poor_accuracy,
            DropReason::TimeBackwards => &mut self.time_backwards,
            DropReason::DuplicateTime => &mut self.duplicate_time,
            DropReason::ImpossibleJump => &mut self.impossible_jump,
            DropReason::Outlier => &mut self.outlier,
            DropReason::TimeGlitch => &mut self.time_glitch,
        };
        *c = c.saturating_add(1);
    }
}

/// How the accepted fixes are turned into a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Smoothing {
    /// Sum the accepted fixes as they are (after the drop filters). Kept for comparison.
    None,
    /// Constant-velocity Kalman filter; the default.
    Kalman,
}

/// Tuning. The defaults are what the accuracy harness found best; see `docs/mileage.md`.
/// A state saved by an older app lacks newer fields: they take their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecorderConfig {
    /// Fixes whose reported accuracy is worse than this are dropped, metres.
    pub max_accuracy_m: f64,
    /// Implied speed above which a fix is an impossible jump, m/s (70 m/s = 252 km/h).
    pub max_speed_mps: f64,
    /// A pause between fixes longer than this is a dead zone, bridged as an estimate, seconds.
    pub gap_s: f64,
    /// Road distance over straight-line distance across a dead zone (at least).
    pub gap_detour_factor: f64,
    /// If above `gap_detour_factor`: the bridge is the mean speed before and after the dead
    /// zone (the fixes' Doppler speed where they have one, else the filter's) times its duration, kept between `gap_detour_factor` and this many times the straight line (a
    /// winding road driven at speed is longer than the straight line; a stop inside the dead
    /// zone makes speed × time too long, which the cap limits).
    pub gap_max_factor: f64,
    pub smoothing: Smoothing,
    /// Fixed-lag smoothing: a point is counted once this many later fixes have refined it
    /// (a backward Rauch–Tung–Striebel pass over the window). 0 counts filtered points as they
    /// come.
    pub smoother_lag: u32,
    /// Kalman process noise: spectral density of the car's acceleration, m²/s³.
    pub accel_noise: f64,
    /// Platforms report a 68 % radius; one axis' standard deviation is that divided by this.
    pub accuracy_per_sigma: f64,
    /// The filter's measurement variance is the reported accuracy's (see `accuracy_per_sigma`)
    /// times this. Below 1 the track follows the fixes more closely than their claimed accuracy
    /// says: a stiffer filter rounds off junctions and roundabouts, which shortens town drives
    /// by several per cent. The checks (gate, spike) keep the reported accuracy.
    pub measurement_scale: f64,
    /// Innovation gate in standard deviations; a fix outside is an outlier. 0 turns it off.
    pub gate_sigma: f64,
    /// A fix whose detour from the line between its neighbours exceeds this many standard
    /// deviations is a spike and dropped before it reaches the filter. 0 turns it off.
    pub spike_sigmas: f64,
    /// Fixes further than this many standard deviations from the prediction (but inside the
    /// gate) count for less: their variance is inflated so they pull the track only as far
    /// as one at this distance would (a Huber-like robust update). 0 turns it off.
    pub robust_sigma: f64,
    /// The track advances only when the smoothed position has moved this many of its own
    /// standard deviations from the last counted point, so standing still adds nothing.
    pub step_sigmas: f64,
    /// ... and at least this far, metres.
    pub min_step_m: f64,
    /// After this many rejected fixes in a row that agree with each other, the filter was
    /// wrong, not they: it starts again from the first of them.
    pub restart_after: u32,
    /// After this many fixes in a row dropped as older than the newest one, each later than
    /// the one before and reachable from it, the newest one's time was a glitch: it is dropped
    /// and the recording goes on from them. 5 fixes are 5–25 s of driving, long enough that
    /// shuffled delivery (which the platforms do not do for more than a fix or two) is not
    /// mistaken for a glitch, short enough to lose little distance.
    pub reanchor_after: u32,
    /// Only a fix this many seconds or more ahead of the one before it can be a time glitch.
    /// Smaller jumps are trusted: the worst they do is hold up the fixes after them for as
    /// long as they jumped, and shuffled fixes (a few seconds apart) are never re-anchored on.
    pub glitch_jump_s: f64,
    /// Use the fixes' Doppler speed where they have one: the distance between two fixes is
    /// the speed integrated over the time between them (checked against the chord), which
    /// follows the road through curves that sparse fixes cut.
    pub use_speed: bool,
    /// A single dead zone at least this long, seconds, grades the trip at most fair, however
    /// little of it was estimated; 0: no such rule (docs/mileage.md, "Dead zones").
    pub long_dead_zone_s: f64,
    /// When the dead zones could hide more than this share of the trip, the trip is graded at
    /// most fair: what a dead zone may hide is the distance the car covers in it at the
    /// fastest of its speeds before and after and its mean speed on the trip so far, less what
    /// the bridge counted (a car that wound through town streets drove more than the line
    /// across). 0: no such rule.
    pub hidden_share_max: f64,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            max_accuracy_m: 50.0,
            max_speed_mps: 70.0,
            gap_s: 30.0,
            gap_detour_factor: 1.05,
            gap_max_factor: 1.5,
            smoothing: Smoothing::Kalman,
            smoother_lag: 10,
            accel_noise: 8.0,
            accuracy_per_sigma: 1.5,
            measurement_scale: 0.5625,
            gate_sigma: 5.0,
            robust_sigma: 0.0,
            spike_sigmas: 4.0,
            step_sigmas: 2.0,
            min_step_m: 2.0,
            restart_after: 5,
            reanchor_after: 5,
            glitch_jump_s: 300.0,
            use_speed: true,
            // Checked on fresh seed sets, see docs/mileage.md "Dead zones": the single-length
            // rule downgraded four times as many good trips for no more misses caught.
            long_dead_zone_s: 0.0,
            // The 5 % target less the 2 points the measured part may itself add (its target
            // at 5 s): a dead zone that could hide more than that cannot promise 5 %.
            hidden_share_max: 0.03,
        }
    }
}

impl RecorderConfig {
    /// Plain sum of the accepted fixes: the filters without smoothing.
    pub fn unsmoothed() -> Self {
        Self {
            smoothing: Smoothing::None,
            gate_sigma: 0.0,
            robust_sigma: 0.0,
            spike_sigmas: 0.0,
            step_sigmas: 0.0,
            min_step_m: 0.0,
            ..Self::default()
        }
    }

    pub fn validate(&self) -> Result<(), MileageError> {
        let positive = [
            ("max_accuracy_m", self.max_accuracy_m),
            ("max_speed_mps", self.max_speed_mps),
            ("gap_s", self.gap_s),
            ("accel_noise", self.accel_noise),
            ("accuracy_per_sigma", self.accuracy_per_sigma),
            ("measurement_scale", self.measurement_scale),
            ("glitch_jump_s", self.glitch_jump_s),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(MileageError::InvalidConfig {
                    field: name,
                    rule: "must be a positive number",
                });
            }
        }
        let non_negative = [
            ("gate_sigma", self.gate_sigma),
            ("robust_sigma", self.robust_sigma),
            ("spike_sigmas", self.spike_sigmas),
            ("step_sigmas", self.step_sigmas),
            ("min_step_m", self.min_step_m),
            ("long_dead_zone_s", self.long_dead_zone_s),
        ];
        for (name, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return Err(MileageError::InvalidConfig {
                    field: name,
                    rule: "must be zero or a positive number",
                });
            }
        }
        if !(self.hidden_share_max.is_finite() && (0.0..=1.0).contains(&self.hidden_share_max)) {
            return Err(MileageError::InvalidConfig {
                field: "hidden_share_max",
                rule: "must be between 0 and 1",
            });
        }
        if !(self.gap_max_factor.is_finite() && (0.0..=3.0).contains(&self.gap_max_factor)) {
            return Err(MileageError::InvalidConfig {
                field: "gap_max_factor",
                rule: "must be between 0 and 3",
            });
        }
        if !(self.gap_detour_factor.is_finite() && (1.0..=3.0).contains(&self.gap_detour_factor)) {
            return Err(MileageError::InvalidConfig {
                field: "gap_detour_factor",
                rule: "must be between 1 and 3",
            });
        }
        Ok(())
    }
}

/// How far a recorded distance can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityGrade {
    /// Fewer than two usable fixes: no GPS distance at all.
    NoData,
    /// At most 5 % of the distance estimated across dead zones, Doppler speed on most of the
    /// drive and fixes less than 8 s apart.
    Good,
    /// At most 25 % estimated; or positions without speed (town driving may be a few per cent
    /// off); or fixes 8 s apart or more even with speed.
    Fair,
    /// More than a quarter estimated, or positions without speed at least 4 s apart: check
    /// against the odometer or a suggestion.
    Poor,
}

/// What a recorded trip amounts to; the only part kept once the trip is saved (docs/design.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TripSummary {
    /// Measured plus estimated.
    pub distance_km: f64,
    /// From the first to the last fix used.
    pub duration_s: f64,
    /// The part bridged across dead zones and restarts.
    pub estimated_km: f64,
    /// `estimated_km / distance_km`, 0 for an empty trip.
    pub share_estimated: f64,
    /// The longest dead zone, seconds (0: none).
    #[serde(default)]
    pub longest_dead_zone_s: f64,
    /// What the dead zones could hide beyond their estimate: the car driven through each at
    /// the fastest of its speeds on either side and its mean speed so far, less what was
    /// counted, km.
    #[serde(default)]
    pub hidden_km: f64,
    pub fixes_used: u64,
    pub fixes_dropped: DropCounts,
    pub quality: QualityGrade,
}

impl TripSummary {
    /// What the saved trip keeps of the recording (docs/design.md §4: the fixes themselves go).
    pub fn gps_quality(&self) -> crate::trip::GpsQuality {
        crate::trip::GpsQuality {
            share_estimated: self.share_estimated,
            fixes_used: u32::try_from(self.fixes_used).unwrap_or(u32::MAX),
            fixes_dropped: u32::try_from(self.fixes_dropped.total()).unwrap_or(u32::MAX),
            grade: Some(self.quality),
        }
    }
}

/// Constant-velocity filter state for both axes. With the same isotropic measurement noise and
/// process noise on east and north, both axes share one covariance, so it is stored once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Track {
    /// East position, east velocity, north position, north velocity (m, m/s) in `frame`.
    x: f64,
    vx: f64,
    y: f64,
    vy: f64,
    /// Covariance of (position, velocity) of one axis: [pp, pv, vv].
    p: [f64; 3],
}

/// Fixes held back until their successors can tell whether they were spikes.
const HOLD: usize = 2;

/// Uncertainty of the velocity guessed at a (re)start: 5 m/s σ per axis. A recording starts
/// with the car parked, and a restart knows the velocity from the fixes that caused it, so the
/// guess is good; a wide prior (20 m/s) let a single outlier as the second fix set a wrong
/// velocity that then rejected the good fixes after it.
const START_VELOCITY_VAR: f64 = 25.0;

impl Track {
    fn start(r: f64, vx: f64, vy: f64) -> Self {
        Self {
            x: 0.0,
            vx,
            y: 0.0,
            vy,
            p: [r, 0.0, START_VELOCITY_VAR],
        }
    }

    fn predict(&mut self, dt: f64, q: f64) {
        self.x += self.vx * dt;
        self.y += self.vy * dt;
        let [pp, pv, vv] = self.p;
        let dt2 = dt * dt;
        self.p = [
            pp + 2.0 * pv * dt + vv * dt2 + q * dt2 * dt / 3.0,
            pv + vv * dt + q * dt2 / 2.0,
            vv + q * dt,
        ];
    }

    /// Squared Mahalanobis distance of a measurement from the prediction (2 degrees of freedom).
    fn innovation_d2(&self, zx: f64, zy: f64, r: f64) -> f64 {
        let s = self.p[0] + r;
        ((zx - self.x).powi(2) + (zy - self.y).powi(2)) / s
    }

    fn update(&mut self, zx: f64, zy: f64, r: f64) {
        let [pp, pv, vv] = self.p;
        let s = pp + r;
        let (k0, k1) = (pp / s, pv / s);
        let (ex, ey) = (zx - self.x, zy - self.y);
        self.x += k0 * ex;
        self.vx += k1 * ex;
        self.y += k0 * ey;
        self.vy += k1 * ey;
        // The simple form is enough here: the 2×2 stays symmetric by construction and r > 0
        // keeps it positive definite.
        self.p = [pp * r / s, pv * r / s, vv - pv * pv / s];
    }
}

/// Rauch–Tung–Striebel gain from a filtered covariance `p` to the prediction `pp` made from it
/// over `dt`: `C = P Fᵀ Pp⁻¹`, row-major.
fn rts_gain(p: [f64; 3], pp: [f64; 3], dt: f64) -> [f64; 4] {
    let [a, b, c] = p;
    let (m00, m01, m10, m11) = (a + b * dt, b, b + c * dt, c);
    let [pa, pb, pd] = pp;
    let det = pa * pd - pb * pb;
    if !(det.is_finite() && det > 1e-12) {
        // No usable prediction covariance: keep the filtered estimate as it is.
        return [0.0; 4];
    }
    [
        (m00 * pd - m01 * pb) / det,
        (m01 * pa - m00 * pb) / det,
        (m10 * pd - m11 * pb) / det,
        (m11 * pa - m10 * pb) / det,
    ]
}

/// One filtered point of the track, waiting in the smoothing window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Filtered {
    x: f64,
    vx: f64,
    y: f64,
    vy: f64,
    /// Standard deviation of the filtered position, one axis, m.
    sigma: f64,
    /// RTS gain to the next point and the time step to it; zero until the next fix is used.
    gain: [f64; 4],
    dt: f64,
    /// The fix's Doppler speed, if it had a usable one (absent from older saved states).
    #[serde(default)]
    speed: Option<f64>,
    /// Seconds since the point before (0 at a start).
    #[serde(default)]
    dt_prev: f64,
}

/// A point of the track as the counting sees it: smoothed position, its σ, the fix's speed
/// and the seconds since the point before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Point {
    x: f64,
    y: f64,
    sigma: f64,
    speed: Option<f64>,
    dt_prev: f64,
}

/// Positions of the window after a backward RTS pass (fixed-lag smoothing). The newest point
/// keeps its filtered value; each older one is pulled towards what the later fixes say.
fn smooth(window: &VecDeque<Filtered>) -> Vec<Point> {
    let point = |f: &Filtered, x: f64, y: f64| Point {
        x,
        y,
        sigma: f.sigma,
        speed: f.speed,
        dt_prev: f.dt_prev,
    };
    let Some(last) = window.back() else {
        return Vec::new();
    };
    let mut out = vec![point(last, last.x, last.y); window.len()];
    let (mut sx, mut svx, mut sy, mut svy) = (last.x, last.vx, last.y, last.vy);
    for (i, f) in window.iter().enumerate().rev().skip(1) {
        let [c00, c01, c10, c11] = f.gain;
        let (ex, evx) = (sx - (f.x + f.vx * f.dt), svx - f.vx);
        let (ey, evy) = (sy - (f.y + f.vy * f.dt), svy - f.vy);
        sx = f.x + c00 * ex + c01 * evx;
        svx = f.vx + c10 * ex + c11 * evx;
        sy = f.y + c00 * ey + c01 * evy;
        svy = f.vy + c10 * ey + c11 * evy;
        out[i] = point(f, sx, sy);
    }
    out
}

/// A dead zone whose estimate waits for the speed after it (see
/// [`RecorderConfig::gap_max_factor`]); `counted_m` is already in the estimated distance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct OpenBridge {
    straight_m: f64,
    dt: f64,
    speed_before: f64,
    counted_m: f64,
    fixes_after: u32,
}

/// Fixes after a dead zone before the filter's speed is trusted for its estimate.
const BRIDGE_SETTLE_FIXES: u32 = 5;

/// Intervals between the fixes the filter used (dead zones not included): for the quality grade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Sampling {
    intervals: u64,
    seconds: f64,
    /// Seconds of intervals with a Doppler speed at both ends.
    speed_seconds: f64,
}

/// Without Doppler speed on at least half of the drive, fixes this many seconds apart or more
/// (on average) cut corners the recorder cannot recover: the distance is graded poor.
const SPARSE_WITHOUT_SPEED_S: f64 = 4.0;
/// With speed, fixes this far apart still miss the shape of junctions and roundabouts more
/// than the tests could bound: at most fair.
const SPARSE_WITH_SPEED_S: f64 = 8.0;

/// The last fix the recorder used, raw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct LastFix {
    at: LatLon,
    accuracy_m: f64,
    time_ms: i64,
    /// Doppler speed if the fix had a plausible one (absent from older saved states).
    #[serde(default)]
    speed_mps: Option<f64>,
}

/// See the module documentation. Feed it with [`push`](Self::push), read it with
/// [`summary`](Self::summary); serialise it whenever the app may be killed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripRecorder {
    config: RecorderConfig,
    frame: Option<LocalFrame>,
    track: Option<Track>,
    /// Filtered points not yet smoothed enough to count, oldest first.
    window: VecDeque<Filtered>,
    /// The last counted point of the smoothed track, in `frame`; `None` at a (re)start.
    anchor: Option<(f64, f64)>,
    /// The path since `anchor` (absent from older saved states).
    #[serde(default)]
    walk: Walk,
    /// How densely the fixes came and how many had speed (absent from older saved states).
    #[serde(default)]
    sampling: Sampling,
    last: Option<LastFix>,
    /// Fixes that passed the first checks and wait for their successors' verdict, oldest first.
    held: VecDeque<LastFix>,
    /// Fixes rejected in a row since the last one used, oldest first.
    pending: Vec<LastFix>,
    bridge: Option<OpenBridge>,
    /// Fixes dropped in a row as older than the newest fix, oldest first (see
    /// [`RecorderConfig::reanchor_after`]). Absent from states saved by older versions.
    #[serde(default)]
    behind: Vec<LastFix>,
    /// The newest fix before the last forward jump of at least
    /// [`RecorderConfig::glitch_jump_s`]: fixes re-anchored on must be newer than it.
    #[serde(default)]
    jump_from: Option<LastFix>,
    first_time_ms: Option<i64>,
    measured_m: f64,
    estimated_m: f64,
    /// See [`TripSummary::hidden_km`]; absent from states saved by older versions.
    #[serde(default)]
    hidden_m: f64,
    #[serde(default)]
    longest_dead_zone_s: f64,
    fixes_used: u64,
    dropped: DropCounts,
}

impl Default for TripRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl TripRecorder {
    pub fn new() -> Self {
        Self::unchecked(RecorderConfig::default())
    }

    pub fn with_config(config: RecorderConfig) -> Result<Self, MileageError> {
        config.validate()?;
        Ok(Self::unchecked(config))
    }

    fn unchecked(config: RecorderConfig) -> Self {
        Self {
            config,
            frame: None,
            track: None,
            window: VecDeque::new(),
            anchor: None,
            walk: Walk::default(),
            sampling: Sampling::default(),
            last: None,
            held: VecDeque::new(),
            pending: Vec::new(),
            bridge: None,
            behind: Vec::new(),
            jump_from: None,
            first_time_ms: None,
            measured_m: 0.0,
            estimated_m: 0.0,
            hidden_m: 0.0,
            longest_dead_zone_s: 0.0,
            fixes_used: 0,
            dropped: DropCounts::default(),
        }
    }

    pub fn config(&self) -> &RecorderConfig {
        &self.config
    }

    /// Feed one fix. Never panics, whatever the numbers.
    pub fn push(&mut self, fix: Fix) -> FixOutcome {
        match self.screen(fix) {
            Ok(here) => {
                self.behind.clear();
                if let Some(newest) = self.held.back().or(self.last.as_ref()).copied()
                    && (here.time_ms.saturating_sub(newest.time_ms) as f64)
                        >= self.config.glitch_jump_s * 1000.0
                {
                    self.jump_from = Some(newest);
                }
                self.hold(here);
                FixOutcome::Accepted
            }
            Err(DropReason::TimeBackwards) => {
                self.dropped.bump(DropReason::TimeBackwards);
                if self.watch_behind(fix) {
                    self.reanchor();
                    return FixOutcome::Accepted;
                }
                FixOutcome::Dropped(DropReason::TimeBackwards)
            }
            Err(reason) => {
                self.dropped.bump(reason);
                FixOutcome::Dropped(reason)
            }
        }
    }

    /// Count a fix as used and hold it until its successors can judge it.
    fn hold(&mut self, here: LastFix) {
        self.fixes_used = self.fixes_used.saturating_add(1);
        self.held.push_back(here);
        if self.held.len() > HOLD
            && let Some(oldest) = self.held.pop_front()
        {
            self.settle(oldest);
        }
    }

    /// Remember a fix dropped as older than the newest one (it passed every other check:
    /// `screen` tests time after validity); whether enough such fixes now agree that the
    /// newest one's time must have been the error.
    fn watch_behind(&mut self, fix: Fix) -> bool {
        if fix.accuracy_m > self.config.max_accuracy_m {
            return false;
        }
        let here = LastFix {
            at: LatLon::new(fix.lat, fix.lon),
            accuracy_m: fix.accuracy_m,
            time_ms: fix.time_ms,
            speed_mps: self.usable_speed(fix.speed_mps),
        };
        let agrees = self
            .behind
            .last()
            .is_none_or(|prev| here.time_ms > prev.time_ms && self.reachable(prev, &here));
        if !agrees {
            self.behind.clear();
        }
        self.behind.push(here);
        let Some(before) = self.jump_from else {
            return false;
        };
        let first = self.behind[0];
        self.behind.len() >= self.config.reanchor_after.max(2) as usize
            && first.time_ms > before.time_ms
            && self.reachable(&before, &first)
    }

    /// The fixes in `behind` agree: drop everything stamped at or after the first of them as
    /// a time glitch and go on from them.
    fn reanchor(&mut self) {
        let behind = std::mem::take(&mut self.behind);
        self.jump_from = None;
        let Some(first) = behind.first().copied() else {
            return;
        };
        let before = self.held.len();
        self.held.retain(|f| f.time_ms < first.time_ms);
        let mut glitched = (before - self.held.len()) as u64;
        if self.last.is_some_and(|l| l.time_ms >= first.time_ms) {
            // The glitch reached the filter already (several future fixes in a row): that
            // track cannot be continued back in time. Keep what was counted, start afresh
            // without bridging — the glitch fixes' positions may lie anywhere along the road,
            // and a bridge back to them could count a stretch twice.
            self.flush();
            self.close_bridge();
            self.frame = None;
            self.track = None;
            self.last = None;
            self.pending.clear();
            glitched += 1;
            // Everything the filter had was already counted as used; only the newest is
            // known to be a glitch, the rest stays as it was.
        }
        self.fixes_used = self.fixes_used.saturating_sub(glitched);
        self.dropped.time_glitch = self.dropped.time_glitch.saturating_add(glitched);
        // They were reported dropped as they came; they are used after all.
        let n = behind.len() as u64;
        self.dropped.time_backwards = self.dropped.time_backwards.saturating_sub(n);
        for f in behind {
            self.hold(f);
        }
    }

    /// The checks a fix can be given on its own and against the one before it.
    fn screen(&self, fix: Fix) -> Result<LastFix, DropReason> {
        if !(fix.lat.is_finite() && fix.lon.is_finite() && fix.accuracy_m.is_finite()) {
            return Err(DropReason::NotANumber);
        }
        let at = LatLon::new(fix.lat, fix.lon);
        if !at.is_valid() {
            return Err(DropReason::OutOfRange);
        }
        if fix.accuracy_m <= 0.0 {
            return Err(DropReason::InvalidAccuracy);
        }
        if let Some(newest) = self.held.back().or(self.last.as_ref()) {
            if fix.time_ms < newest.time_ms {
                return Err(DropReason::TimeBackwards);
            }
            if fix.time_ms == newest.time_ms {
                return Err(DropReason::DuplicateTime);
            }
        }
        if fix.accuracy_m > self.config.max_accuracy_m {
            return Err(DropReason::PoorAccuracy);
        }
        Ok(LastFix {
            at,
            accuracy_m: fix.accuracy_m,
            time_ms: fix.time_ms,
            speed_mps: self.usable_speed(fix.speed_mps),
        })
    }

    /// A Doppler speed the recorder may use: switched on, a number, not negative, not beyond
    /// what a car does. Anything else is ignored rather than held against the position.
    fn usable_speed(&self, speed: Option<f64>) -> Option<f64> {
        speed.filter(|v| {
            self.config.use_speed && v.is_finite() && (0.0..=self.config.max_speed_mps).contains(v)
        })
    }

    /// Decide on a held fix now that its successors are known: drop it as a spike, or feed it.
    fn settle(&mut self, fix: LastFix) {
        let verdict = if self.is_spike(&fix) {
            Err(DropReason::Outlier)
        } else {
            self.feed(fix)
        };
        if let Err(reason) = verdict {
            // It was counted as used when it was pushed.
            self.fixes_used = self.fixes_used.saturating_sub(1);
            self.dropped.bump(reason);
        }
    }

    /// Whether `fix` is a spike: far off the line from the fix before it (or, at the start,
    /// the line back from the two after it) to the one after it. A car does not go 100 m
    /// sideways and straight back in a few seconds; noise of a few σ does not either.
    fn is_spike(&self, fix: &LastFix) -> bool {
        let k = self.config.spike_sigmas;
        let (Some(next), true) = (self.held.front(), k > 0.0) else {
            return false;
        };
        let sigma = |f: &LastFix| f.accuracy_m / self.config.accuracy_per_sigma;
        let secs = |a: &LastFix, b: &LastFix| b.time_ms.saturating_sub(a.time_ms) as f64 / 1000.0;
        let gap = self.config.gap_s;
        if let Some(prev) = self.last {
            if secs(&prev, fix) > gap || secs(fix, next) > gap {
                return false;
            }
            let legs = haversine_m(prev.at, fix.at) + haversine_m(fix.at, next.at);
            let detour = legs - haversine_m(prev.at, next.at);
            let allowed = k * (sigma(&prev) + 2.0 * sigma(fix) + sigma(next)) / 2.0;
            // With Doppler speeds the road driven is known: a fix whose detour the car did
            // drive is a corner (fixes 5–10 s apart at a junction), not a spike.
            if let (Some(a), Some(b), Some(c)) = (prev.speed_mps, fix.speed_mps, next.speed_mps) {
                let driven = (a + b) / 2.0 * secs(&prev, fix) + (b + c) / 2.0 * secs(fix, next);
                if legs <= driven + allowed {
                    return false;
                }
            }
            return detour > allowed;
        }
        // The very first fix: extrapolate back from the next two.
        let Some(next2) = self.held.get(1) else {
            return false;
        };
        let (back, ahead) = (secs(fix, next), secs(next, next2));
        if back > gap || ahead > gap || ahead <= 0.0 {
            return false;
        }
        let allowed = k * (sigma(next2) + 2.0 * sigma(fix) + sigma(next)) / 2.0;
        // With speeds, a first fix no further from the next than the car drove is not a spike
        // (the line back from the next two misses it in a curve).
        if let (Some(a), Some(b)) = (fix.speed_mps, next.speed_mps)
            && haversine_m(fix.at, next.at) <= (a + b) / 2.0 * back + allowed
        {
            return false;
        }
        let frame = LocalFrame::new(next.at);
        let (x2, y2) = frame.to_xy(next2.at);
        let expected = frame.to_latlon(-x2 * back / ahead, -y2 * back / ahead);
        haversine_m(expected, fix.at) > allowed
    }

    /// Give a fix to the filter: start, bridge a dead zone, or a normal step.
    fn feed(&mut self, here: LastFix) -> Result<(), DropReason> {
        let (Some(last), Some(frame)) = (self.last, self.frame) else {
            self.start_track(here, 0.0, 0.0);
            // After a time glitch the track starts again; the trip started at the first fix.
            self.first_time_ms = Some(
                self.first_time_ms
                    .map_or(here.time_ms, |t| t.min(here.time_ms)),
            );
            return Ok(());
        };

        // Positive: the time checks rule out the rest.
        let dt = here.time_ms.saturating_sub(last.time_ms) as f64 / 1000.0;
        if !self.reachable(&last, &here) {
            return self.reject(DropReason::ImpossibleJump, here);
        }

        if dt > self.config.gap_s {
            let from = self.current_position(frame);
            self.flush();
            let straight = haversine_m(from, here.at);
            let low = straight * self.config.gap_detour_factor;
            self.close_bridge();
            self.estimated_m += low;
            self.longest_dead_zone_s = self.longest_dead_zone_s.max(dt);
            // Open even when there is no room above the line (a car back where it lost the
            // signal): what the dead zone may hide is settled with the speed after it.
            self.bridge = Some(OpenBridge {
                straight_m: straight,
                dt,
                speed_before: last
                    .speed_mps
                    .unwrap_or_else(|| self.track.map_or(0.0, |t| t.vx.hypot(t.vy))),
                counted_m: low,
                fixes_after: 0,
            });
            // The average velocity across the dead zone is the best guess of the current one.
            let (dx, dy) = LocalFrame::new(from).to_xy(here.at);
            self.start_track(here, dx / dt, dy / dt);
            return Ok(());
        }

        match self.filter_step(frame, here, dt, true) {
            Ok(()) => Ok(()),
            Err(reason) => self.reject(reason, here),
        }
    }

    /// Whether a car could get from one fix to the other, allowing for both fixes' accuracy.
    fn reachable(&self, from: &LastFix, to: &LastFix) -> bool {
        let dt = to.time_ms.saturating_sub(from.time_ms) as f64 / 1000.0;
        haversine_m(from.at, to.at) - from.accuracy_m - to.accuracy_m
            <= self.config.max_speed_mps * dt
    }

    /// Predict to `fix`, and (unless gated out) update the filter with it and count what the
    /// smoother has settled.
    fn filter_step(
        &mut self,
        frame: LocalFrame,
        fix: LastFix,
        dt: f64,
        gate: bool,
    ) -> Result<(), DropReason> {
        let r_reported = (fix.accuracy_m / self.config.accuracy_per_sigma).powi(2);
        let r = r_reported * self.config.measurement_scale;
        let (zx, zy) = frame.to_xy(fix.at);
        let point = match (self.config.smoothing, self.track.as_mut()) {
            (Smoothing::Kalman, Some(track)) => {
                let mut predicted = *track;
                predicted.predict(dt, self.config.accel_noise);
                let d2 = predicted.innovation_d2(zx, zy, r_reported);
                if gate && self.config.gate_sigma > 0.0 && d2 > self.config.gate_sigma.powi(2) {
                    return Err(DropReason::Outlier);
                }
                let k2 = self.config.robust_sigma.powi(2);
                let r = if k2 > 0.0 && d2 > k2 { r * d2 / k2 } else { r };
                let gain = rts_gain(track.p, predicted.p, dt);
                predicted.update(zx, zy, r);
                *track = predicted;
                if let Some(prev) = self.window.back_mut() {
                    prev.gain = gain;
                    prev.dt = dt;
                }
                Filtered {
                    x: track.x,
                    vx: track.vx,
                    y: track.y,
                    vy: track.vy,
                    sigma: track.p[0].sqrt(),
                    gain: [0.0; 4],
                    dt: 0.0,
                    speed: fix.speed_mps,
                    dt_prev: dt,
                }
            }
            _ => Filtered {
                x: zx,
                vx: 0.0,
                y: zy,
                vy: 0.0,
                sigma: r.sqrt(),
                gain: [0.0; 4],
                dt,
                speed: fix.speed_mps,
                dt_prev: dt,
            },
        };
        self.pending.clear();
        if let Some(prev) = self.last {
            self.sampling.intervals = self.sampling.intervals.saturating_add(1);
            self.sampling.seconds += dt;
            if prev.speed_mps.is_some() && fix.speed_mps.is_some() {
                self.sampling.speed_seconds += dt;
            }
        }
        self.last = Some(fix);
        if let Some(b) = self.bridge.as_mut() {
            b.fixes_after += 1;
            if b.fixes_after >= BRIDGE_SETTLE_FIXES {
                self.close_bridge();
            }
        }
        self.window.push_back(point);
        let lag = match self.config.smoothing {
            Smoothing::Kalman => self.config.smoother_lag as usize,
            Smoothing::None => 0,
        };
        if self.window.len() > lag {
            let smoothed = smooth(&self.window);
            let (d, anchor, walk) = count_steps(
                &self.config,
                self.anchor,
                self.walk,
                smoothed.into_iter().take(1),
            );
            self.measured_m += d;
            self.anchor = anchor;
            self.walk = walk;
            self.window.pop_front();
        }
        if zx.hypot(zy) > LocalFrame::RECENTRE_M {
            self.recentre(frame, zx, zy);
        }
        Ok(())
    }

    /// Count a rejection. When enough rejected fixes in a row agree with each other, the track
    /// was lost (or started on an outlier): start again from the first of them.
    fn reject(&mut self, reason: DropReason, fix: LastFix) -> Result<(), DropReason> {
        self.pending.push(fix);
        let needed = self.config.restart_after.max(2) as usize;
        if self.pending.len() < needed {
            return Err(reason);
        }
        let consistent = self
            .pending
            .windows(2)
            .all(|w| self.reachable(&w[0], &w[1]));
        if !consistent {
            // Scattered outliers: forget the oldest and keep waiting for agreement.
            self.pending.remove(0);
            return Err(reason);
        }
        let pending = std::mem::take(&mut self.pending);
        self.close_bridge();
        let (first, newest) = (pending[0], pending[pending.len() - 1]);
        if let Some(frame) = self.frame {
            let from = self.current_position(frame);
            self.flush();
            self.estimated_m += haversine_m(from, first.at);
        }
        let span_s = newest.time_ms.saturating_sub(first.time_ms) as f64 / 1000.0;
        let (dx, dy) = LocalFrame::new(first.at).to_xy(newest.at);
        self.start_track(first, dx / span_s, dy / span_s);
        // The earlier ones were reported dropped and stay counted so; their positions are still
        // the best information there is, so the new track is built from them.
        for pair in pending.windows(2) {
            let dt = pair[1].time_ms.saturating_sub(pair[0].time_ms) as f64 / 1000.0;
            if let Some(frame) = self.frame {
                // Without the gate nothing is rejected, so this cannot fail.
                let _ = self.filter_step(frame, pair[1], dt, false);
            }
        }
        Ok(())
    }

    /// Settle an open dead-zone estimate with the speed the filter has now.
    fn close_bridge(&mut self) {
        let Some(b) = self.bridge.take() else {
            return;
        };
        let after = self
            .last
            .and_then(|l| l.speed_mps)
            .unwrap_or_else(|| self.track.map_or(0.0, |t| t.vx.hypot(t.vy)));
        let high = b.straight_m * self.config.gap_max_factor;
        let mut estimate = b.counted_m;
        if high > b.counted_m {
            estimate = ((b.speed_before + after) / 2.0 * b.dt).clamp(b.counted_m, high);
            self.estimated_m += estimate - b.counted_m;
        }
        // The most the car can have driven in the dead zone, short of going faster than it
        // was seen at either edge or than its mean speed on the trip so far: what the
        // estimate may have missed. The mean matters when the signal went or came back at a
        // standstill (lights, a junction): the speeds at the edges are then near 0 and say
        // nothing of the streets driven in between.
        let reach = b.speed_before.max(after).max(self.mean_speed_mps()) * b.dt;
        self.hidden_m += (reach - estimate).max(0.0);
    }

    /// The trip's mean speed so far, stops included: the distance counted and estimated over
    /// the time since the first fix (0 before there is any).
    fn mean_speed_mps(&self) -> f64 {
        let (Some(first), Some(last)) = (self.first_time_ms, self.last) else {
            return 0.0;
        };
        let elapsed_s = last.time_ms.saturating_sub(first) as f64 / 1000.0;
        if elapsed_s > 0.0 {
            (self.measured_m + self.estimated_m) / elapsed_s
        } else {
            0.0
        }
    }

    /// Count what is still in the smoothing window: the track is about to be cut.
    fn flush(&mut self) {
        let (d, _, _) = count_steps(
            &self.config,
            self.anchor,
            self.walk,
            smooth(&self.window).into_iter(),
        );
        self.measured_m += d;
        self.window.clear();
        self.anchor = None;
        self.walk = Walk::default();
    }

    fn start_track(&mut self, fix: LastFix, vx: f64, vy: f64) {
        let r = (fix.accuracy_m / self.config.accuracy_per_sigma).powi(2)
            * self.config.measurement_scale;
        // A velocity from a division by a tiny time span could be absurd: keep it plausible.
        let limit = self.config.max_speed_mps;
        let (vx, vy) = if vx.hypot(vy).is_finite() && vx.hypot(vy) <= limit {
            (vx, vy)
        } else {
            (0.0, 0.0)
        };
        self.frame = Some(LocalFrame::new(fix.at));
        self.track = Some(Track::start(r, vx, vy));
        self.window.clear();
        self.window.push_back(Filtered {
            x: 0.0,
            vx,
            y: 0.0,
            vy,
            sigma: r.sqrt(),
            gain: [0.0; 4],
            dt: 0.0,
            speed: fix.speed_mps,
            dt_prev: 0.0,
        });
        self.anchor = None;
        self.walk = Walk::default();
        self.pending.clear();
        self.last = Some(fix);
    }

    /// Where the track stands now: the filtered position, or the last fix without smoothing.
    fn current_position(&self, frame: LocalFrame) -> LatLon {
        match (self.config.smoothing, self.track) {
            (Smoothing::Kalman, Some(t)) => frame.to_latlon(t.x, t.y),
            _ => self.last.map_or(frame.origin, |l| l.at),
        }
    }

    /// Move the frame's origin near the current position and shift everything held in it.
    fn recentre(&mut self, frame: LocalFrame, x: f64, y: f64) {
        let new = LocalFrame::new(frame.to_latlon(x, y));
        let shift = |(x, y): (f64, f64)| new.to_xy(frame.to_latlon(x, y));
        self.anchor = self.anchor.map(shift);
        self.walk.prev = self.walk.prev.map(shift);
        if let Some(t) = self.track.as_mut() {
            (t.x, t.y) = shift((t.x, t.y));
        }
        for f in self.window.iter_mut() {
            (f.x, f.y) = shift((f.x, f.y));
        }
        self.frame = Some(new);
    }

    pub fn summary(&self) -> TripSummary {
        if self.held.is_empty() && self.bridge.is_none() {
            return self.summary_now();
        }
        // The held fixes and an open dead zone count too: settle them on a copy, as if the
        // trip ended here.
        let mut settled = self.clone();
        while let Some(fix) = settled.held.pop_front() {
            settled.settle(fix);
        }
        settled.close_bridge();
        settled.summary_now()
    }

    /// The grade the dead zones allow whatever share of the distance was estimated: a short
    /// estimate can still be far off when the car wound through streets the line cuts across
    /// (the rules of [`RecorderConfig::long_dead_zone_s`] and
    /// [`RecorderConfig::hidden_share_max`]).
    fn by_dead_zones(&self, total_m: f64) -> QualityGrade {
        let c = &self.config;
        let long = c.long_dead_zone_s > 0.0 && self.longest_dead_zone_s >= c.long_dead_zone_s;
        let hides = c.hidden_share_max > 0.0
            && total_m > 0.0
            && self.hidden_m > c.hidden_share_max * total_m;
        if long || hides {
            QualityGrade::Fair
        } else {
            QualityGrade::Good
        }
    }

    fn summary_now(&self) -> TripSummary {
        let (tail_m, _, _) = count_steps(
            &self.config,
            self.anchor,
            self.walk,
            smooth(&self.window).into_iter(),
        );
        let measured_m = self.measured_m + tail_m;
        let total_m = measured_m + self.estimated_m;
        let duration_s = match (self.first_time_ms, self.last) {
            (Some(first), Some(last)) => last.time_ms.saturating_sub(first).max(0) as f64 / 1000.0,
            _ => 0.0,
        };
        let share_estimated = if total_m > 0.0 {
            self.estimated_m / total_m
        } else {
            0.0
        };
        let by_estimate = if share_estimated <= 0.05 {
            QualityGrade::Good
        } else if share_estimated <= 0.25 {
            QualityGrade::Fair
        } else {
            QualityGrade::Poor
        };
        let sampling = &self.sampling;
        let mean_interval_s = sampling.seconds / sampling.intervals.max(1) as f64;
        let with_speed = sampling.seconds > 0.0 && sampling.speed_seconds >= 0.5 * sampling.seconds;
        // Positions alone: town driving (junctions, roundabouts, stops) costs or adds a few
        // per cent even at 1 s (docs/mileage.md, "Accuracy"), so never better than fair.
        let by_sampling = match (with_speed, mean_interval_s) {
            (false, i) if i >= SPARSE_WITHOUT_SPEED_S => QualityGrade::Poor,
            (false, _) => QualityGrade::Fair,
            (true, i) if i >= SPARSE_WITH_SPEED_S => QualityGrade::Fair,
            (true, _) => QualityGrade::Good,
        };
        let quality = if self.fixes_used < 2 {
            QualityGrade::NoData
        } else {
            by_estimate
                .max(by_sampling)
                .max(self.by_dead_zones(total_m))
        };
        TripSummary {
            distance_km: total_m / 1000.0,
            duration_s,
            estimated_km: self.estimated_m / 1000.0,
            share_estimated,
            longest_dead_zone_s: self.longest_dead_zone_s,
            hidden_km: self.hidden_m / 1000.0,
            fixes_used: self.fixes_used,
            fixes_dropped: self.dropped,
            quality,
        }
    }
}

/// What the counting remembers of the point before: where it was and its speed (a speed held
/// over from the point before it when the fix had none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Walk {
    prev: Option<(f64, f64)>,
    prev_speed: Option<f64>,
    /// `prev_speed` was held over, not measured: it is not held over a second time.
    held: bool,
}

/// Below this speed (m/s) a Doppler reading is taken as standing still: a phone's speed at rest
/// is noise of a few tenths of a m/s, always positive, and would add up over a long stop.
const STILL_MPS: f64 = 1.0;

/// The speed's path is distrusted when shorter than this share of the chord (less the
/// positions' noise): a road between two fixes is never shorter than the straight line.
const ALONG_MIN_FACTOR: f64 = 0.7;
/// ... or longer than the arc a car at that speed could drive between them: turning with at
/// most this lateral acceleration (m/s²) and on no tighter a radius than this (m).
const MAX_LATERAL_MPS2: f64 = 4.0;
const MIN_TURN_RADIUS_M: f64 = 5.0;

/// The longest path (per metre of chord) a car at `speed` can drive in `dt` seconds between two
/// points: the arc of the sharpest turn it can take, θ / (2 sin(θ/2)); without bound once it
/// could turn half round.
fn max_arc_per_chord(speed: f64, dt: f64) -> f64 {
    let turn_rate = (MAX_LATERAL_MPS2 / speed.max(0.1)).min(speed / MIN_TURN_RADIUS_M);
    let theta = turn_rate * dt;
    if theta >= 3.0 {
        f64::INFINITY
    } else {
        (theta / (2.0 * (theta / 2.0).sin())).max(1.0)
    }
}

/// Walk smoothed points from `anchor` and return the distance, the new anchor and the walk.
///
/// Between two points that both have a Doppler speed (one missing speed is bridged by the one
/// before) the distance is the speed integrated over the time between them, if that is
/// plausible against the chord: it follows the curves that the chord between sparse fixes
/// cuts, and a speed below [`STILL_MPS`] says the car stood still whatever the fixes wander.
/// Elsewhere a step counts only once the track has moved clearly beyond its own uncertainty
/// from the last counted point, so a car standing still with wandering fixes adds nothing.
fn count_steps(
    config: &RecorderConfig,
    mut anchor: Option<(f64, f64)>,
    mut walk: Walk,
    points: impl Iterator<Item = Point>,
) -> (f64, Option<(f64, f64)>, Walk) {
    let mut distance = 0.0;
    for p in points {
        let (Some((ax, ay)), Some((px, py))) = (anchor, walk.prev) else {
            anchor = Some((p.x, p.y));
            walk = Walk {
                prev: Some((p.x, p.y)),
                prev_speed: p.speed,
                held: false,
            };
            continue;
        };
        let (speed, held) = match p.speed {
            Some(v) => (Some(v), false),
            None if !walk.held => (walk.prev_speed, true),
            None => (None, true),
        };
        let along = match (walk.prev_speed, speed) {
            (Some(a), Some(b)) if a.max(b) < STILL_MPS => Some((0.0, 1.0)),
            (Some(a), Some(b)) => Some((
                (a + b) / 2.0 * p.dt_prev,
                max_arc_per_chord((a + b) / 2.0, p.dt_prev),
            )),
            _ => None,
        };
        walk = Walk {
            prev: Some((p.x, p.y)),
            prev_speed: speed,
            held,
        };
        let chord = (p.x - px).hypot(p.y - py);
        let margin = 2.0 * p.sigma;
        if let Some((along, _)) = along.filter(|(a, max_ratio)| {
            *a >= ALONG_MIN_FACTOR * chord - margin && *a <= max_ratio * chord + margin
        }) {
            // The stretch from the anchor to the point before had no usable speed: its chord.
            distance += (px - ax).hypot(py - ay) + along;
            anchor = Some((p.x, p.y));
            continue;
        }
        let step = (p.x - ax).hypot(p.y - ay);
        if step >= config.min_step_m.max(config.step_sigmas * p.sigma) {
            distance += step;
            anchor = Some((p.x, p.y));
        }
    }
    (distance, anchor, walk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mileage::geo::destination;
    use proptest::prelude::*;

    const START: LatLon = LatLon::new(65.853, 23.156);
    const T0: i64 = 1_763_800_000_000;

    fn fix_at(p: LatLon, t_s: f64) -> Fix {
        Fix {
            lat: p.lat,
            lon: p.lon,
            accuracy_m: 5.0,
            time_ms: T0 + (t_s * 1000.0) as i64,
            speed_mps: None,
        }
    }

    /// A straight drive east at `speed` m/s, one clean fix a second with its Doppler speed.
    fn straight_drive(seconds: usize, speed: f64) -> Vec<Fix> {
        (0..=seconds)
            .map(|i| Fix {
                speed_mps: Some(speed),
                ..fix_at(destination(START, 90.0, speed * i as f64), i as f64)
            })
            .collect()
    }

    fn without_speed(fixes: &[Fix]) -> Vec<Fix> {
        fixes
            .iter()
            .map(|f| Fix {
                speed_mps: None,
                ..*f
            })
            .collect()
    }

    fn feed(rec: &mut TripRecorder, fixes: &[Fix]) {
        for f in fixes {
            rec.push(*f);
        }
    }

    #[test]
    fn clean_straight_drive_is_measured_closely() {
        let mut rec = TripRecorder::new();
        feed(&mut rec, &straight_drive(300, 20.0));
        let s = rec.summary();
        assert!((s.distance_km - 6.0).abs() < 0.03, "{s:?}");
        assert_eq!(s.estimated_km, 0.0);
        assert_eq!(s.fixes_used, 301);
        assert_eq!(s.fixes_dropped.total(), 0);
        assert_eq!(s.quality, QualityGrade::Good);
        assert!((s.duration_s - 300.0).abs() < 1e-9);

        // The same fixes without Doppler speed: as close, but positions alone cannot promise
        // that in town, so the grade says fair.
        let mut rec = TripRecorder::new();
        feed(&mut rec, &without_speed(&straight_drive(300, 20.0)));
        let s = rec.summary();
        assert!((s.distance_km - 6.0).abs() < 0.03, "{s:?}");
        assert_eq!(s.quality, QualityGrade::Fair);
    }

    #[test]
    fn summary_maps_to_the_saved_trip_quality() {
        let mut rec = TripRecorder::new();
        feed(&mut rec, &straight_drive(100, 10.0));
        rec.push(Fix {
            lat: f64::NAN,
            ..fix_at(START, 101.0)
        });
        let q = rec.summary().gps_quality();
        assert_eq!((q.fixes_used, q.fixes_dropped), (101, 1));
        assert_eq!(q.share_estimated, 0.0);
    }

    #[test]
    fn empty_and_single_fix_trips_have_no_data() {
        let rec = TripRecorder::new();
        assert_eq!(rec.summary().quality, QualityGrade::NoData);
        assert_eq!(rec.summary().distance_km, 0.0);
        let mut rec = TripRecorder::new();
        rec.push(fix_at(START, 0.0));
        assert_eq!(rec.summary().quality, QualityGrade::NoData);
    }

    fn expect_drop(mut f: Fix, edit: impl FnOnce(&mut Fix), reason: DropReason) {
        let mut rec = TripRecorder::new();
        feed(&mut rec, &straight_drive(10, 10.0));
        edit(&mut f);
        assert_eq!(rec.push(f), FixOutcome::Dropped(reason), "{f:?}");
        assert_eq!(rec.summary().fixes_dropped.get(reason), 1);
        assert_eq!(rec.summary().fixes_dropped.total(), 1);
        assert_eq!(rec.summary().fixes_used, 11);
    }

    #[test]
    fn each_invalid_fix_is_dropped_with_its_reason() {
        let next = fix_at(destination(START, 90.0, 110.0), 11.0);
        expect_drop(next, |f| f.lat = f64::NAN, DropReason::NotANumber);
        expect_drop(next, |f| f.lon = f64::INFINITY, DropReason::NotANumber);
        expect_drop(next, |f| f.accuracy_m = f64::NAN, DropReason::NotANumber);
        expect_drop(next, |f| f.lat = 90.5, DropReason::OutOfRange);
        expect_drop(next, |f| f.lon = -180.01, DropReason::OutOfRange);
        expect_drop(next, |f| f.accuracy_m = 0.0, DropReason::InvalidAccuracy);
        expect_drop(next, |f| f.accuracy_m = -3.0, DropReason::InvalidAccuracy);
        expect_drop(next, |f| f.accuracy_m = 51.0, DropReason::PoorAccuracy);
        expect_drop(next, |f| f.time_ms = T0 + 5_000, DropReason::TimeBackwards);
        expect_drop(next, |f| f.time_ms = T0 + 10_000, DropReason::DuplicateTime);
    }

    #[test]
    fn a_fix_from_the_far_future_does_not_block_the_rest_of_the_trip() {
        let drive = straight_drive(300, 20.0);
        let mut clean = TripRecorder::new();
        feed(&mut clean, &drive);

        let mut rec = TripRecorder::new();
        feed(&mut rec, &drive[..100]);
        // The receiver stamps one fix a day ahead; its position is fine.
        let glitch = Fix {
            time_ms: drive[100].time_ms + 86_400_000,
            ..drive[100]
        };
        assert_eq!(rec.push(glitch), FixOutcome::Accepted);
        let mut outcomes = Vec::new();
        for f in &drive[101..] {
            outcomes.push(rec.push(*f));
        }
        // Four are refused as older than the glitch, the fifth shows they agree.
        assert!(
            outcomes[..4]
                .iter()
                .all(|o| *o == FixOutcome::Dropped(DropReason::TimeBackwards))
        );
        assert!(outcomes[4..].iter().all(|o| *o == FixOutcome::Accepted));
        let (s, c) = (rec.summary(), clean.summary());
        assert_eq!(s.fixes_dropped.time_glitch, 1, "{s:?}");
        assert_eq!(s.fixes_dropped.time_backwards, 0, "{s:?}");
        assert_eq!(s.fixes_used + s.fixes_dropped.total(), 301);
        assert!(
            (s.distance_km - c.distance_km).abs() < 0.03,
            "{s:?} vs {c:?}"
        );
        assert!((s.duration_s - 300.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.quality, QualityGrade::Good);
    }

    #[test]
    fn several_future_fixes_in_a_row_are_recovered_from_too() {
        let drive = straight_drive(300, 20.0);
        let mut rec = TripRecorder::new();
        feed(&mut rec, &drive[..100]);
        // Four glitched fixes in a row: they reach the filter before anything contradicts them.
        for f in &drive[100..104] {
            rec.push(Fix {
                time_ms: f.time_ms + 86_400_000,
                ..*f
            });
        }
        feed(&mut rec, &drive[104..]);
        let s = rec.summary();
        assert!(s.fixes_dropped.time_glitch >= 1, "{s:?}");
        assert_eq!(s.fixes_used + s.fixes_dropped.total(), 301);
        // At worst the few seconds around the glitch are missing; nothing is counted twice.
        assert!(s.distance_km > 5.8 && s.distance_km < 6.03, "{s:?}");
        // And the state stays serialisable with the new field.
        let back: TripRecorder =
            serde_json::from_str(&serde_json::to_string(&rec).expect("serialise"))
                .expect("deserialise");
        assert_eq!(back.summary().fixes_used, s.fixes_used);
    }

    #[test]
    fn scattered_late_fixes_are_not_mistaken_for_a_glitch() {
        let drive = straight_drive(60, 10.0);
        let mut rec = TripRecorder::new();
        feed(&mut rec, &drive);
        // Stale fixes delivered late, each far from the one before: they do not agree.
        for (i, t) in [5.0, 40.0, 12.0, 33.0, 20.0, 2.0].iter().enumerate() {
            let p = destination(START, 90.0 + 40.0 * i as f64, 10.0 * t);
            assert_eq!(
                rec.push(fix_at(p, *t)),
                FixOutcome::Dropped(DropReason::TimeBackwards)
            );
        }
        assert_eq!(rec.summary().fixes_dropped.time_glitch, 0);
    }

    #[test]
    fn an_impossible_jump_is_dropped_once_it_reaches_the_filter() {
        let mut rec = TripRecorder::new();
        feed(&mut rec, &straight_drive(10, 10.0));
        // 5 km in one second: it passes the checks a fix gets on its own, and is dropped two
        // fixes later (or at the summary) when the filter sees it.
        let far = fix_at(destination(START, 0.0, 5_000.0), 11.0);
        assert_eq!(rec.push(far), FixOutcome::Accepted);
        let s = rec.summary();
        assert_eq!(s.fixes_dropped.impossible_jump, 1, "{s:?}");
        assert_eq!(s.fixes_used, 11);
        assert!((s.distance_km - 0.1).abs() < 0.01, "{s:?}");
    }

    #[test]
    fn invalid_speed_is_ignored_not_fatal() {
        let mut rec = TripRecorder::new();
        feed(&mut rec, &straight_drive(10, 10.0));
        let mut f = fix_at(destination(START, 90.0, 110.0), 11.0);
        f.speed_mps = Some(f64::NAN);
        assert_eq!(rec.push(f), FixOutcome::Accepted);
    }

    #[test]
    fn poor_accuracy_limit_is_configurable() {
        let config = RecorderConfig {
            max_accuracy_m: 100.0,
            ..RecorderConfig::default()
        };
        let mut rec = TripRecorder::with_config(config).expect("valid config");
        feed(&mut rec, &straight_drive(10, 10.0));
        let mut f = fix_at(destination(START, 90.0, 110.0), 11.0);
        f.accuracy_m = 80.0;
        assert_eq!(rec.push(f), FixOutcome::Accepted);
    }

    #[test]
    fn invalid_config_is_refused_with_a_reason() {
        let config = RecorderConfig {
            gap_s: f64::NAN,
            ..RecorderConfig::default()
        };
        let err = TripRecorder::with_config(config).unwrap_err();
        assert!(err.to_string().contains("gap_s"), "{err}");
    }

    #[test]
    fn a_moderate_outlier_is_gated() {
        let mut rec = TripRecorder::new();
        feed(&mut rec, &straight_drive(30, 20.0));
        // 60 m sideways at 5 m accuracy: reachable in one second, but not by a car going east.
        let p = destination(destination(START, 90.0, 620.0), 0.0, 60.0);
        assert_eq!(rec.push(fix_at(p, 31.0)), FixOutcome::Accepted);
        feed(&mut rec, &straight_drive(60, 20.0)[32..]);
        let s = rec.summary();
        assert_eq!(s.fixes_dropped.outlier, 1, "{s:?}");
        assert!((s.distance_km - 1.2).abs() < 0.01, "{s:?}");
    }

    #[test]
    fn the_filter_gate_catches_what_the_spike_check_cannot() {
        let config = RecorderConfig {
            spike_sigmas: 0.0,
            ..RecorderConfig::default()
        };
        let mut rec = TripRecorder::with_config(config).expect("valid config");
        feed(&mut rec, &straight_drive(30, 20.0));
        let p = destination(destination(START, 90.0, 620.0), 0.0, 60.0);
        rec.push(fix_at(p, 31.0));
        feed(&mut rec, &straight_drive(60, 20.0)[32..]);
        let s = rec.summary();
        assert_eq!(s.fixes_dropped.outlier, 1, "{s:?}");
        assert!((s.distance_km - 1.2).abs() < 0.01, "{s:?}");
    }

    #[test]
    fn a_bad_first_fix_does_not_start_the_trip_in_the_wrong_place() {
        let mut rec = TripRecorder::new();
        let mut drive = straight_drive(60, 10.0);
        // The first fix 300 m off, claiming 5 m accuracy, as a cold GPS start may.
        let off = destination(START, 0.0, 300.0);
        (drive[0].lat, drive[0].lon) = (off.lat, off.lon);
        feed(&mut rec, &drive);
        let s = rec.summary();
        assert_eq!(s.fixes_dropped.outlier, 1, "{s:?}");
        assert!((s.distance_km - 0.59).abs() < 0.01, "{s:?}");
    }

    #[test]
    fn losing_the_track_restarts_instead_of_dropping_forever() {
        let mut rec = TripRecorder::new();
        feed(&mut rec, &straight_drive(10, 10.0));
        // The car is suddenly reported 2 km north and stays there: after five rejections the
        // recorder believes it.
        for i in 11..40 {
            let p = destination(destination(START, 90.0, 10.0 * i as f64), 0.0, 2_000.0);
            rec.push(fix_at(p, i as f64));
        }
        let s = rec.summary();
        // Four rejected, the fifth agreeing one restarts the track from the first of them.
        assert_eq!(s.fixes_dropped.impossible_jump, 4, "{s:?}");
        assert!((s.estimated_km - 2.0).abs() < 0.02, "{s:?}");
        // 0.1 km before, 0.28 km after the jump (fixes 11–39).
        assert!(
            (s.distance_km - s.estimated_km - 0.38).abs() < 0.02,
            "{s:?}"
        );
    }

    #[test]
    fn standing_still_with_noise_adds_little() {
        let mut rec = TripRecorder::new();
        // A pseudo-random ±4 m wobble around one point for 10 minutes.
        let mut state = 12345u64;
        for i in 0..600 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let bearing = (state >> 33) as f64 / (1u64 << 31) as f64 * 360.0;
            let dist = ((state >> 13) & 0xff) as f64 / 255.0 * 4.0;
            rec.push(fix_at(destination(START, bearing, dist), i as f64));
        }
        let s = rec.summary();
        assert!(s.distance_km < 0.05, "{s:?}");
    }

    #[test]
    fn a_dead_zone_is_bridged_and_flagged() {
        let mut rec = TripRecorder::new();
        let drive = straight_drive(400, 20.0);
        feed(&mut rec, &drive[..=100]);
        feed(&mut rec, &drive[250..]);
        let s = rec.summary();
        // 150 s × 20 m/s = 3 km straight, times the detour factor.
        let expected_est = 3.0 * RecorderConfig::default().gap_detour_factor;
        assert!((s.estimated_km - expected_est).abs() < 0.03, "{s:?}");
        assert!((s.distance_km - (5.0 + expected_est)).abs() < 0.05, "{s:?}");
        assert!(s.share_estimated > 0.3);
        assert_eq!(s.quality, QualityGrade::Poor);
    }

    /// `side` seconds east at 10 m/s, a 90 s dead zone out of which the car comes `across_m`
    /// further east (whatever it drove inside), then `side` seconds east again; clean fixes
    /// with speed.
    fn through_a_dead_zone(across_m: f64, side: usize) -> Vec<Fix> {
        let at = |east_m: f64, t: f64| Fix {
            speed_mps: Some(10.0),
            ..fix_at(destination(START, 90.0, east_m), t)
        };
        let gone = 10.0 * side as f64;
        let before = (0..=side).map(|i| at(10.0 * i as f64, i as f64));
        let after =
            (0..=side).map(|i| at(gone + across_m + 10.0 * i as f64, (side + 90 + i) as f64));
        before.chain(after).collect()
    }

    #[test]
    fn a_dead_zone_that_could_hide_much_grades_fair_though_little_was_estimated() {
        // Winding through town for 900 m while the line across is 100 m: the bridge counts
        // 150 m (1.5 × the line), 3 % of the trip, and the trip is 12 % short. The car could
        // have driven 900 m in the 90 s, so the dead zone could hide 750 m, 15 % of the trip.
        let mut rec = TripRecorder::new();
        feed(&mut rec, &through_a_dead_zone(100.0, 250));
        let s = rec.summary();
        assert!(s.share_estimated < 0.05, "{s:?}");
        assert_eq!(s.longest_dead_zone_s, 90.0);
        assert!((s.hidden_km - 0.75).abs() < 0.03, "{s:?}");
        assert_eq!(s.quality, QualityGrade::Fair, "{s:?}");
        // Without the rule it was graded good: the unflagged miss the rule is for.
        let off = RecorderConfig {
            long_dead_zone_s: 0.0,
            hidden_share_max: 0.0,
            ..RecorderConfig::default()
        };
        let mut rec = TripRecorder::with_config(off).unwrap();
        feed(&mut rec, &through_a_dead_zone(100.0, 250));
        assert_eq!(rec.summary().quality, QualityGrade::Good);
    }

    #[test]
    fn a_dead_zone_between_two_standstills_is_judged_by_the_trips_mean_speed() {
        // 2.5 km at 10 m/s, 20 s at the lights, the signal gone for 90 s, back at the next
        // lights 100 m further on, 20 s there, 2.5 km more. The speeds at the dead zone's edges
        // are 0, so by them it could hide nothing; at the trip's mean speed (about 7 m/s with
        // the stops) the car could have wound 600 m through the streets, 10 % of the trip.
        let stand = |east_m: f64, from_s: usize| {
            (0..20).map(move |i| Fix {
                speed_mps: Some(0.0),
                ..fix_at(destination(START, 90.0, east_m), (from_s + i) as f64)
            })
        };
        let drive = |from_m: f64, from_s: usize| {
            (0..=250).map(move |i| Fix {
                speed_mps: Some(10.0),
                ..fix_at(
                    destination(START, 90.0, from_m + 10.0 * i as f64),
                    (from_s + i) as f64,
                )
            })
        };
        let fixes: Vec<Fix> = drive(0.0, 0)
            .chain(stand(2_500.0, 251))
            .chain(stand(2_600.0, 361))
            .chain(drive(2_600.0, 381))
            .collect();
        let mut rec = TripRecorder::new();
        feed(&mut rec, &fixes);
        let s = rec.summary();
        assert_eq!(s.longest_dead_zone_s, 91.0);
        assert!(s.share_estimated < 0.05, "{s:?}");
        assert!(s.hidden_km > 0.4 && s.hidden_km < 0.7, "{s:?}");
        assert_eq!(s.quality, QualityGrade::Fair, "{s:?}");
    }

    #[test]
    fn a_dead_zone_on_a_straight_road_hides_nothing_and_stays_good() {
        // Straight on at 10 m/s for 10 km each side: 900 m across, bridged as 945 m (4.5 % of
        // the trip); nothing more fits in 90 s at 10 m/s.
        let mut rec = TripRecorder::new();
        feed(&mut rec, &through_a_dead_zone(900.0, 1_000));
        let s = rec.summary();
        assert!(s.hidden_km < 0.01, "{s:?}");
        assert!(s.share_estimated < 0.05, "{s:?}");
        assert_eq!(s.quality, QualityGrade::Good, "{s:?}");
    }

    #[test]
    fn serde_round_trip_mid_trip_gives_the_same_result() {
        let drive = straight_drive(600, 17.0);
        // Some wobble so the filter state is not trivial.
        let drive: Vec<Fix> = drive
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let p = destination(LatLon::new(f.lat, f.lon), (i * 37 % 360) as f64, 3.0);
                Fix {
                    lat: p.lat,
                    lon: p.lon,
                    ..*f
                }
            })
            .collect();
        let mut straight_through = TripRecorder::new();
        feed(&mut straight_through, &drive);

        let mut first = TripRecorder::new();
        feed(&mut first, &drive[..333]);
        let json = serde_json::to_string(&first).expect("serialise");
        let mut resumed: TripRecorder = serde_json::from_str(&json).expect("deserialise");
        feed(&mut resumed, &drive[333..]);
        let (a, b) = (resumed.summary(), straight_through.summary());
        // serde_json without its `float_roundtrip` feature may parse a float 1 ulp off, so
        // compare to 1e-9 m rather than bit for bit; everything else must be identical.
        assert!(
            (a.distance_km - b.distance_km).abs() < 1e-12,
            "{a:?} vs {b:?}"
        );
        assert_eq!(a.estimated_km, b.estimated_km);
        assert_eq!(
            (a.fixes_used, a.fixes_dropped, a.quality),
            (b.fixes_used, b.fixes_dropped, b.quality)
        );
        assert_eq!(a.duration_s, b.duration_s);
    }

    /// Parked for 30 s, then laps of a circle of `radius` m at `speed` m/s; a clean fix every
    /// `every_s` seconds, with or without Doppler speed.
    fn circle(radius: f64, speed: f64, laps: f64, every_s: usize, with_speed: bool) -> Vec<Fix> {
        let seconds = (laps * std::f64::consts::TAU * radius / speed) as usize;
        (0..=seconds + 30)
            .step_by(every_s)
            .map(|t| {
                let driven = speed * t.saturating_sub(30) as f64;
                let angle = (driven / radius).to_degrees();
                Fix {
                    speed_mps: with_speed.then_some(if t > 30 { speed } else { 0.0 }),
                    ..fix_at(destination(START, angle, radius), t as f64)
                }
            })
            .collect()
    }

    #[test]
    fn doppler_speed_recovers_the_corners_sparse_fixes_cut() {
        // Round a 60 m circle at 10 m/s, fixes 5 s apart: each chord cuts 50 m of arc to 46 m.
        let drive = circle(60.0, 10.0, 3.0, 5, false);
        let last_s = (drive[drive.len() - 1].time_ms - T0) as f64 / 1000.0;
        let true_km = 10.0 * (last_s - 30.0) / 1000.0;
        let mut positions = TripRecorder::new();
        feed(&mut positions, &drive);
        let p = positions.summary();
        let mut doppler = TripRecorder::new();
        feed(&mut doppler, &circle(60.0, 10.0, 3.0, 5, true));
        let d = doppler.summary();
        assert!(
            (true_km * 0.9..true_km * 0.97).contains(&p.distance_km),
            "{p:?} vs {true_km}"
        );
        assert!(
            (d.distance_km - true_km).abs() < true_km * 0.01,
            "{d:?} vs {true_km}"
        );
        // Sparse fixes without speed cannot promise the distance; with speed they can.
        assert_eq!(p.quality, QualityGrade::Poor);
        assert_eq!(d.quality, QualityGrade::Good);
    }

    #[test]
    fn a_speed_that_contradicts_the_positions_is_not_believed() {
        // A phone that reports 0 m/s (or a stuck 40 m/s) while the fixes move 20 m a second.
        for wrong in [0.0, 40.0] {
            let drive: Vec<Fix> = straight_drive(300, 20.0)
                .into_iter()
                .map(|f| Fix {
                    speed_mps: Some(wrong),
                    ..f
                })
                .collect();
            let mut rec = TripRecorder::new();
            feed(&mut rec, &drive);
            let s = rec.summary();
            assert!((s.distance_km - 6.0).abs() < 0.03, "{wrong}: {s:?}");
        }
    }

    #[test]
    fn doppler_noise_while_parked_adds_nothing() {
        // Ten minutes parked: the fixes wobble by metres, the speed by a few tenths of a m/s.
        let mut state = 99u64;
        let mut rec = TripRecorder::new();
        for i in 0..600 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let bearing = (state >> 33) as f64 / (1u64 << 31) as f64 * 360.0;
            let dist = ((state >> 13) & 0xff) as f64 / 255.0 * 4.0;
            let speed = ((state >> 24) & 0xff) as f64 / 255.0 * 0.6;
            rec.push(Fix {
                speed_mps: Some(speed),
                ..fix_at(destination(START, bearing, dist), i as f64)
            });
        }
        assert!(rec.summary().distance_km < 0.01, "{:?}", rec.summary());
    }

    #[test]
    fn a_state_saved_mid_curve_with_speeds_resumes_to_the_same_distance() {
        let drive = circle(80.0, 12.0, 2.0, 5, true);
        let mut straight_through = TripRecorder::new();
        feed(&mut straight_through, &drive);
        let mut first = TripRecorder::new();
        feed(&mut first, &drive[..12]);
        let json = serde_json::to_string(&first).expect("serialise");
        let mut resumed: TripRecorder = serde_json::from_str(&json).expect("deserialise");
        feed(&mut resumed, &drive[12..]);
        let (a, b) = (resumed.summary(), straight_through.summary());
        assert!(
            (a.distance_km - b.distance_km).abs() < 1e-12,
            "{a:?} vs {b:?}"
        );
        assert_eq!(a.quality, b.quality);
    }

    fn noisy_track(n: usize, seed: u64) -> Vec<Fix> {
        let mut state = seed | 1;
        let mut p = START;
        let mut heading = 45.0;
        (0..n)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                heading += ((state >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 20.0;
                p = destination(p, heading, 15.0);
                let noisy = destination(p, (state >> 20) as f64 % 360.0, (state & 7) as f64);
                fix_at(noisy, i as f64)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn distance_is_never_negative_or_nan(
            raw in proptest::collection::vec(
                (-100.0f64..100.0, -200.0f64..200.0, -5.0f64..80.0, 0i64..2_000_000, proptest::option::of(-1.0f64..60.0)),
                0..200,
            ),
            poison in proptest::collection::vec(0usize..6, 0..10),
        ) {
            let mut rec = TripRecorder::new();
            for (i, (lat, lon, acc, t, speed)) in raw.into_iter().enumerate() {
                let mut f = Fix { lat, lon, accuracy_m: acc, time_ms: T0 + t, speed_mps: speed };
                match poison.get(i % 16) {
                    Some(0) => f.lat = f64::NAN,
                    Some(1) => f.lon = f64::NEG_INFINITY,
                    Some(2) => f.accuracy_m = f64::NAN,
                    Some(3) => f.time_ms = i64::MIN,
                    Some(4) => f.time_ms = i64::MAX,
                    _ => {}
                }
                rec.push(f);
                let s = rec.summary();
                prop_assert!(s.distance_km.is_finite() && s.distance_km >= 0.0, "{s:?}");
                prop_assert!(s.estimated_km.is_finite() && s.estimated_km >= 0.0);
                prop_assert!(s.estimated_km <= s.distance_km + 1e-12);
                prop_assert!((0.0..=1.0).contains(&s.share_estimated));
            }
            // The state stays JSON-safe (no NaN) whatever came in.
            let json = serde_json::to_string(&rec).expect("serialise");
            let back: TripRecorder = serde_json::from_str(&json).expect("deserialise");
            prop_assert_eq!(back.summary().fixes_used, rec.summary().fixes_used);
        }

        #[test]
        fn shuffled_fixes_never_inflate_the_distance(
            seed in any::<u64>(),
            swaps in proptest::collection::vec((0usize..300, 0usize..300), 0..300),
        ) {
            let fixes = noisy_track(300, seed);
            let mut in_order = TripRecorder::new();
            feed(&mut in_order, &fixes);
            let reference = in_order.summary();

            let mut shuffled = fixes.clone();
            for (a, b) in swaps {
                shuffled.swap(a, b);
            }
            let mut rec = TripRecorder::new();
            for f in &shuffled {
                rec.push(*f);
                let s = rec.summary();
                prop_assert!(s.distance_km.is_finite() && s.distance_km >= 0.0);
            }
            let s = rec.summary();
            // Out-of-order fixes are dropped, so what is used is an in-order subsequence of
            // the same track. Its smoothed length can differ a little from the full one, and a
            // subsequence with holes over `gap_s` is bridged with up to the larger detour
            // factor, which can exceed a nearly straight true path by that factor.
            let config = RecorderConfig::default();
            let factor = config.gap_detour_factor.max(config.gap_max_factor);
            let limit = reference.distance_km * factor + 0.05;
            prop_assert!(s.distance_km <= limit, "{} > {} ({:?})", s.distance_km, limit, s);
            prop_assert_eq!(
                s.fixes_used + s.fixes_dropped.total(),
                300
            );
        }
    }
}
