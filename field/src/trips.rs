//! `uppsok field trip …` and `uppsok field export korjournal`: work trips on the desktop field
//! device, through the same `uppsok_device::trips` API the phone uses — a GPX track is fed fix
//! by fix to a [`TripRecording`] exactly as the phone's location callback would, and the
//! körjournal comes from the same model code as the phone's CSV export.
//!
//! The GPX reader is a small one of our own rather than the `gpx` crate: it needs only `trkpt`
//! positions, times and an accuracy hint, and `gpx` brings `xml-rs`, `geo-types` and `time`
//! into a server build for that; a GPX file is simple enough that scanning for `<trkpt>`
//! elements is robust (tested on the files GPSLogger, OsmAnd and Garmin write).

use super::commands::{FieldError, Result, parse_local_time};
use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use uppsok_device::Store;
use uppsok_device::TripFilter;
use uppsok_device::trips::{
    NewTrip, TripFinish, TripRecording, TripStart, add_trip, confirm_trip, last_odometer,
};
use uppsok_model::mileage::korjournal::{self, JournalCopy, Period};
use uppsok_model::mileage::{Fix, FixOutcome, SuggestionBasis};
use uppsok_model::{PlaceName, Purpose, Rates, Trip, ValidationError, Vehicle, VisitId};

#[derive(Subcommand, Debug)]
pub enum TripCommand {
    /// Add a trip afterwards; km from the odometer, --km, or a suggestion. Prints its id.
    Add {
        #[command(flatten)]
        what: TripWhat,
        /// Where the trip ended (a town or village).
        #[arg(long)]
        to: String,
        /// Distance in km (decimal point or comma).
        #[arg(long, conflicts_with_all = ["odometer_start", "odometer_end"])]
        km: Option<String>,
        /// Odometer at the start [default: the vehicle's last reading on this device].
        #[arg(long, value_name = "KM")]
        odometer_start: Option<u32>,
        #[arg(long, value_name = "KM")]
        odometer_end: Option<u32>,
        /// Local start time, e.g. 2026-11-20T08:30 [default: now].
        #[arg(long)]
        start: Option<String>,
        /// Local end time.
        #[arg(long)]
        end: Option<String>,
    },
    /// Record a trip from a GPX track (fed to the recorder fix by fix, as the phone does).
    ImportGpx {
        file: PathBuf,
        #[command(flatten)]
        what: TripWhat,
        #[arg(long)]
        to: String,
    },
    /// List trips by start time.
    List {
        /// A month like 2026-11.
        #[arg(long, conflicts_with = "year")]
        month: Option<String>,
        #[arg(long)]
        year: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Start recording a trip by GPS; feed it with `trip fix`, end it with `trip finish`.
    Start {
        #[command(flatten)]
        what: TripWhat,
        /// Odometer when leaving [default: the vehicle's last reading on this device].
        #[arg(long, value_name = "KM")]
        odometer_start: Option<u32>,
    },
    /// Feed one GPS fix to the trip being recorded.
    Fix {
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// Horizontal accuracy, metres.
        #[arg(long, default_value_t = 10.0)]
        accuracy: f64,
        /// RFC 3339 time [default: now].
        #[arg(long)]
        time: Option<String>,
        #[arg(long)]
        speed: Option<f64>,
    },
    /// End the recording and save the trip; prints its id and km.
    Finish {
        #[arg(long)]
        to: String,
        #[arg(long, value_name = "KM")]
        odometer_end: Option<u32>,
    },
    /// Throw away the recording in progress.
    Cancel,
    /// Confirm a suggested distance after checking it against the road driven (a month with
    /// an unconfirmed suggestion cannot be approved for payment). Wrong km: add the trip again
    /// with --km instead.
    Confirm {
        /// The trip's id, as `trip add` and `trip list` print it.
        id: String,
    },
}

/// What every way of making a trip asks.
#[derive(Args, Debug)]
pub struct TripWhat {
    /// Where the trip started (a town or village).
    #[arg(long)]
    from: String,
    /// The errand (ärende), e.g. Hembesök.
    #[arg(long)]
    purpose: String,
    /// own, or service:REGISTRATION.
    #[arg(long, default_value = "own")]
    vehicle: String,
    /// Whom visited: a client code or an organisation.
    #[arg(long)]
    visited: Option<String>,
    /// Ids of visits the trip was for.
    #[arg(long = "visit", value_name = "ID", num_args = 1..)]
    visits: Vec<String>,
    /// The trip starts at home, not at the workplace: only the part beyond the home–workplace
    /// distance is paid.
    #[arg(long)]
    from_home: bool,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// The körjournal of one driver for a month or a year.
    Korjournal {
        /// A month like 2026-11.
        #[arg(long, conflicts_with = "year", required_unless_present = "year")]
        month: Option<String>,
        /// A year like 2026.
        #[arg(long)]
        year: Option<String>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Whose trips [default: this device's user].
        #[arg(long)]
        driver: Option<String>,
        /// The organisation's own-car rate, öre per km [default: 305].
        #[arg(long, value_name = "ORE")]
        own_car_rate: Option<i64>,
        /// The driver's home–workplace distance, km (12,5): deducted from each trip from home
        /// [default: 0].
        #[arg(long, value_name = "KM")]
        home_work_km: Option<String>,
        /// payroll: "klientbesök" instead of client codes, for handing in; team: the team's
        /// internal copy with client codes.
        #[arg(long, value_enum, default_value = "payroll")]
        copy: CopyArg,
    },
}

/// Which copy of the körjournal to write.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyArg {
    Payroll,
    Team,
}

impl From<CopyArg> for JournalCopy {
    fn from(c: CopyArg) -> Self {
        match c {
            CopyArg::Payroll => JournalCopy::Payroll,
            CopyArg::Team => JournalCopy::Team,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Pdf,
}

fn invalid(field: &'static str, rule: &'static str) -> FieldError {
    ValidationError::new(field, rule).into()
}

struct Common {
    from: PlaceName,
    purpose: Purpose,
    vehicle: Vehicle,
    visited: Option<String>,
    visits: Vec<VisitId>,
    from_home: bool,
}

fn common(store: &Store, w: &TripWhat) -> Result<Common> {
    let mut visits = Vec::new();
    for v in &w.visits {
        let id: VisitId = v.parse()?;
        // A link to a visit this device does not know would dangle in the körjournal.
        store
            .visit(id)
            .map_err(|_| invalid("visit", "is not a visit on this device"))?;
        visits.push(id);
    }
    Ok(Common {
        from: PlaceName::parse(&w.from)?,
        purpose: Purpose::parse(&w.purpose)?,
        vehicle: w.vehicle.parse()?,
        visited: w.visited.as_ref().map(|s| s.trim().to_owned()),
        visits,
        from_home: w.from_home,
    })
}

fn parse_km(s: &str) -> Result<f64> {
    s.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|k| k.is_finite())
        .ok_or_else(|| invalid("km", "must be a number like 25.3"))
}

/// Run a `trip` subcommand on an open store; what to print on stdout, and a note for stderr.
pub fn run_trip(store: &Store, cmd: TripCommand) -> Result<(String, Option<String>)> {
    match cmd {
        TripCommand::Add {
            what,
            to,
            km,
            odometer_start,
            odometer_end,
            start,
            end,
        } => {
            let c = common(store, &what)?;
            let start = match start {
                Some(s) => parse_local_time("start", &s)?,
                None => Utc::now(),
            };
            let end = end.map(|e| parse_local_time("end", &e)).transpose()?;
            let input = NewTrip {
                from: c.from,
                to: PlaceName::parse(&to)?,
                purpose: c.purpose,
                vehicle: c.vehicle,
                start,
                end,
                visited: c.visited,
                visits: c.visits,
                km: km.as_deref().map(parse_km).transpose()?,
                odometer_start,
                odometer_end,
                from_home: c.from_home,
            };
            let added = add_trip(store, &input)?;
            let note = added.suggestion.map(|s| match s.basis {
                SuggestionBasis::TeamMedian { trips } => format!(
                    "no km or odometer given: used the suggestion {} km (median of {trips} earlier trips between these places)",
                    s.km
                ),
                SuggestionBasis::StraightLine {
                    straight_km,
                    detour_factor,
                } => format!(
                    "no km or odometer given: used the suggestion {} km (straight line {straight_km:.1} km × {detour_factor}), marked suggested",
                    s.km
                ),
            });
            Ok((format!("{}\n", added.trip.id), note))
        }
        TripCommand::ImportGpx { file, what, to } => {
            let c = common(store, &what)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| FieldError::Usage(format!("cannot read {}: {e}", file.display())))?;
            let fixes = parse_gpx(&text)?;
            let (Some(first), Some(last)) = (fixes.first(), fixes.last()) else {
                return Err(FieldError::Usage(
                    "the GPX file has no track points with a time".into(),
                ));
            };
            let start = ms_to_utc(first.time_ms)?;
            let end = ms_to_utc(last.time_ms)?;
            let mut rec = TripRecording::start(
                store,
                TripStart {
                    from: c.from,
                    purpose: c.purpose,
                    vehicle: c.vehicle,
                    start,
                    visited: c.visited,
                    visits: c.visits,
                    odometer_start: None,
                    from_home: c.from_home,
                },
            )?;
            let mut dropped = 0usize;
            for f in &fixes {
                if let FixOutcome::Dropped(_) = rec.push(store, *f)? {
                    dropped += 1;
                }
            }
            let trip = match rec.clone().finish(
                store,
                TripFinish {
                    to: PlaceName::parse(&to)?,
                    end,
                    odometer_end: None,
                    to_address: None,
                },
            ) {
                Ok(t) => t,
                Err(e) => {
                    // Not a recording the user started by hand: leave nothing behind.
                    rec.cancel(store)?;
                    return Err(e.into());
                }
            };
            let q = trip.gps.map(|q| q.share_estimated).unwrap_or(0.0);
            Ok((
                format!("{}\n", trip.id),
                Some(format!(
                    "recorded {:.2} km from {} track points ({} dropped, {:.0} % estimated across gaps)",
                    trip.km,
                    fixes.len(),
                    dropped,
                    q * 100.0
                )),
            ))
        }
        TripCommand::List { month, year, json } => {
            let period = match (month, year) {
                (Some(m), _) => Some(parse_period(&m)?),
                (None, Some(y)) => Some(parse_period(&y)?),
                (None, None) => None,
            };
            let trips = trips_in(store, period)?;
            if json {
                let s = serde_json::to_string_pretty(&trips)
                    .map_err(|e| FieldError::Usage(format!("cannot print JSON: {e}")))?;
                Ok((format!("{s}\n"), None))
            } else {
                Ok((render_trips(&trips), None))
            }
        }
        TripCommand::Start {
            what,
            odometer_start,
        } => {
            let c = common(store, &what)?;
            let odometer_start = match odometer_start {
                Some(o) => Some(o),
                None => last_odometer(store, &c.vehicle)?,
            };
            let rec = TripRecording::start(
                store,
                TripStart {
                    from: c.from,
                    purpose: c.purpose,
                    vehicle: c.vehicle,
                    start: Utc::now(),
                    visited: c.visited,
                    visits: c.visits,
                    odometer_start,
                    from_home: c.from_home,
                },
            )?;
            let note = odometer_start.map(|o| format!("odometer at the start: {o}"));
            Ok((format!("{}\n", rec.id()), note))
        }
        TripCommand::Fix {
            lat,
            lon,
            accuracy,
            time,
            speed,
        } => {
            let mut rec = recording(store)?;
            let time_ms = match time {
                Some(t) => DateTime::parse_from_rfc3339(t.trim())
                    .map_err(|_| invalid("time", "must be an RFC 3339 time"))?
                    .timestamp_millis(),
                None => Utc::now().timestamp_millis(),
            };
            let outcome = rec.push(
                store,
                Fix {
                    lat,
                    lon,
                    accuracy_m: accuracy,
                    time_ms,
                    speed_mps: speed,
                },
            )?;
            // One process per fix: save every time, or the fix is lost when it exits.
            rec.save(store)?;
            let what = match outcome {
                FixOutcome::Accepted => "accepted".to_owned(),
                FixOutcome::Dropped(r) => format!("dropped: {}", r.describe()),
            };
            Ok((
                format!("{what}; {:.2} km so far\n", rec.distance_km()),
                None,
            ))
        }
        TripCommand::Finish { to, odometer_end } => {
            let rec = recording(store)?;
            let trip = rec.finish(
                store,
                TripFinish {
                    to: PlaceName::parse(&to)?,
                    end: Utc::now(),
                    odometer_end,
                    to_address: None,
                },
            )?;
            Ok((
                format!("{}\n", trip.id),
                Some(format!("{:.2} km ({})", trip.km, trip.distance_source)),
            ))
        }
        TripCommand::Cancel => {
            recording(store)?.cancel(store)?;
            Ok(("cancelled the recording\n".into(), None))
        }
        TripCommand::Confirm { id } => {
            let trip = confirm_trip(store, id.trim().parse()?)?;
            Ok((
                format!("{}\n", trip.id),
                Some(format!("confirmed the suggested {:.1} km", trip.km)),
            ))
        }
    }
}

fn recording(store: &Store) -> Result<TripRecording> {
    TripRecording::resume(store)?.ok_or_else(|| {
        FieldError::Usage("no trip is being recorded; start one with `trip start`".into())
    })
}

fn ms_to_utc(ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| invalid("time", "is out of range"))
}

fn parse_period(s: &str) -> Result<Period> {
    s.parse::<Period>()
        .map_err(|_| invalid("month", "must be a month like 2026-11 or a year like 2026"))
}

fn local_start_of(d: NaiveDate) -> Result<DateTime<Utc>> {
    Local
        .from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| invalid("month", "does not exist in local time"))
}

fn local_naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&Local).naive_local()
}

/// Trips whose local start date lies in `period` (all without one), by start. A period that
/// begins before the first month the device still keeps (the history window, whole months) is
/// refused: a list or körjournal of it would show a part as if it were the whole.
pub fn trips_in(store: &Store, period: Option<Period>) -> Result<Vec<Trip>> {
    let mut f = TripFilter::default();
    if let Some(p) = period {
        let (a, b) = p
            .bounds()
            .ok_or_else(|| invalid("month", "is out of range"))?;
        if let Some((days, cut)) = store.history_window()? {
            let first = uppsok_model::fidelity::swedish_date(cut.trips_from);
            if a < first {
                return Err(FieldError::Usage(format!(
                    "trips before {} are no longer on this device (it keeps {days} days of history); \
                     the server's körjournal has them",
                    first.format("%Y-%m")
                )));
            }
        }
        f.from = Some(local_start_of(a)?);
        f.before = Some(local_start_of(b)?);
    }
    Ok(store.trips(&f)?)
}

pub fn render_trips(trips: &[Trip]) -> String {
    let mut out = String::new();
    for t in trips {
        out.push_str(&format!(
            "{}  {}  {:<14} → {:<14} {:>7.1} km  {:<9} {:<16} {}{}\n",
            t.id,
            local_naive(t.start).format("%Y-%m-%d %H:%M"),
            t.from,
            t.to,
            t.km,
            t.distance_source,
            t.vehicle,
            t.purpose,
            if t.awaits_confirmation() {
                "  (unconfirmed: `trip confirm ID`)"
            } else {
                ""
            },
        ));
    }
    if trips.is_empty() {
        out.push_str("no trips\n");
    }
    out
}

/// `export korjournal`: write the file; a line for stdout.
pub fn run_export(store: &Store, cmd: ExportCommand) -> Result<String> {
    let ExportCommand::Korjournal {
        month,
        year,
        format,
        out,
        driver,
        own_car_rate,
        home_work_km,
        copy,
    } = cmd;
    let home_work = home_work_km
        .as_deref()
        .map(uppsok_model::mileage::parse_home_work_km)
        .transpose()?
        .unwrap_or(0);
    let copy = JournalCopy::from(copy);
    let period = match (month, year) {
        (Some(m), _) => parse_period(&m)?,
        (None, Some(y)) => parse_period(&y)?,
        (None, None) => return Err(FieldError::CommandLine("give --month or --year".into())),
    };
    let driver = match driver {
        Some(d) => uppsok_model::Username::parse(d)?.to_string(),
        None => store.profile()?.user.to_string(),
    };
    let trips = trips_in(store, Some(period))?;
    let rows = korjournal::with_home_work(
        korjournal::rows(&trips, &driver, period, local_naive),
        home_work,
    );
    let mut rates = Rates::default();
    if let Some(r) = own_car_rate {
        rates.own_car_ore_per_km = r;
        rates.validate()?;
    }
    // The clients this device knows: payroll's copy hides their codes in the errand too.
    let codes: Vec<String> = store
        .clients()?
        .iter()
        .map(|c| c.code.to_string())
        .collect();
    let bytes = match format {
        ExportFormat::Csv => {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            korjournal::to_csv(&copy.apply(rows.clone(), &codes)).into_bytes()
        }
        ExportFormat::Pdf => {
            uppsok_report::korjournal_pdf::render(&uppsok_report::korjournal_pdf::KorjournalDoc {
                driver: driver.clone(),
                period,
                rows: rows.clone(),
                rates: rates.into(),
                created: Local::now().date_naive(),
                approval: None,
                copy,
                client_codes: codes,
                notes: Vec::new(),
                per_car: false,
            })
            .map_err(|e| FieldError::Usage(e.to_string()))?
        }
    };
    write_file(&out, &bytes)?;
    Ok(format!(
        "wrote the {} körjournal for {} ({} trips, {} km) to {}\n",
        copy.as_str(),
        period,
        rows.len(),
        korjournal::km_sv(korjournal::total_km(&rows)),
        out.display()
    ))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| FieldError::Usage(format!("cannot write {}: {e}", path.display())))
}

// ----- GPX -----

/// The attribute `name="…"` (or `'…'`) of a start tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before_ok = rest[..i].chars().last().is_some_and(char::is_whitespace);
        let after = rest[i + name.len()..].trim_start();
        if before_ok && let Some(after) = after.strip_prefix('=') {
            let after = after.trim_start();
            let q = after.chars().next()?;
            if q == '"' || q == '\'' {
                let body = &after[1..];
                return body.find(q).map(|end| &body[..end]);
            }
        }
        rest = &rest[i + name.len()..];
    }
    None
}

/// The text of the first element with local name `name` (any namespace prefix) in `body`.
fn element<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        if tag.starts_with('/') || tag.ends_with('/') {
            continue;
        }
        let tag_name = tag.split_whitespace().next().unwrap_or("");
        let local = tag_name.rsplit(':').next().unwrap_or(tag_name);
        if local == name {
            let content = &rest[end + 1..];
            let close = content.find("</")?;
            return Some(content[..close].trim());
        }
    }
    None
}

/// Metres of horizontal accuracy per unit of HDOP: a phone's or logger's user range error is
/// about 5 m in open sky, and platforms report accuracy roughly as HDOP × that.
const METRES_PER_HDOP: f64 = 5.0;
/// Accuracy assumed for a track point with neither accuracy nor HDOP (a typical phone fix).
const DEFAULT_ACCURACY_M: f64 = 10.0;

/// Track points of a GPX 1.0/1.1 file as fixes, in file order (the recorder judges order).
/// Points without a time are skipped: the recorder cannot place them. Accuracy comes from an
/// `accuracy` element (as Android loggers write in extensions), else HDOP × 5 m, else 10 m.
pub fn parse_gpx(text: &str) -> Result<Vec<Fix>> {
    if !text.contains("<gpx") {
        return Err(FieldError::Usage("the file is not a GPX file".into()));
    }
    let mut fixes = Vec::new();
    let mut rest = text;
    let mut n = 0usize;
    while let Some(i) = rest.find("<trkpt") {
        n += 1;
        rest = &rest[i..];
        let tag_end = rest
            .find('>')
            .ok_or_else(|| FieldError::Usage(format!("track point {n} is not closed")))?;
        let tag = &rest[..tag_end];
        let self_closing = tag.ends_with('/');
        let (body, next) = if self_closing {
            ("", &rest[tag_end + 1..])
        } else {
            let close = rest
                .find("</trkpt>")
                .ok_or_else(|| FieldError::Usage(format!("track point {n} has no </trkpt>")))?;
            (&rest[tag_end + 1..close], &rest[close + "</trkpt>".len()..])
        };
        let num = |s: Option<&str>, what: &str| -> Result<f64> {
            s.and_then(|v| v.trim().parse::<f64>().ok()).ok_or_else(|| {
                FieldError::Usage(format!(
                    "track point {n}: {what} is missing or not a number"
                ))
            })
        };
        let lat = num(attr(tag, "lat"), "lat")?;
        let lon = num(attr(tag, "lon"), "lon")?;
        rest = next;
        let Some(time) = element(body, "time") else {
            continue;
        };
        let time_ms = DateTime::parse_from_rfc3339(time)
            .map_err(|_| FieldError::Usage(format!("track point {n}: time is not RFC 3339")))?
            .timestamp_millis();
        let accuracy_m = element(body, "accuracy")
            .and_then(|s| s.parse::<f64>().ok())
            .or_else(|| {
                element(body, "hdop")
                    .and_then(|s| s.parse::<f64>().ok())
                    .map(|h| h * METRES_PER_HDOP)
            })
            .unwrap_or(DEFAULT_ACCURACY_M);
        let speed_mps = element(body, "speed").and_then(|s| s.parse::<f64>().ok());
        fixes.push(Fix {
            lat,
            lon,
            accuracy_m,
            time_ms,
            speed_mps,
        });
    }
    Ok(fixes)
}

/// A GPX 1.1 file of fixes, as the tests and `uppsok demo` write them.
pub fn write_gpx(fixes: &[Fix]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"Uppsök\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n<trk><trkseg>\n",
    );
    for f in fixes {
        let time = DateTime::from_timestamp_millis(f.time_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        out.push_str(&format!(
            "<trkpt lat=\"{:.7}\" lon=\"{:.7}\"><time>{time}</time><hdop>{:.2}</hdop></trkpt>\n",
            f.lat,
            f.lon,
            f.accuracy_m / METRES_PER_HDOP
        ));
    }
    out.push_str("</trkseg></trk>\n</gpx>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpx_from_common_loggers_is_read() {
        let gpx = r#"<?xml version="1.0"?>
<gpx version="1.1" creator="GPSLogger" xmlns:gpxtpx="x">
 <trk><name>Kalix</name><trkseg>
  <trkpt lat="65.853" lon='23.156'><ele>5.0</ele><time>2026-11-20T07:30:00Z</time><hdop>1.2</hdop></trkpt>
  <trkpt lon="23.157" lat="65.854"><time>2026-11-20T07:30:01.500Z</time><extensions><gpxtpx:accuracy>4.5</gpxtpx:accuracy><speed>12.5</speed></extensions></trkpt>
  <trkpt lat="65.855" lon="23.158"><time>2026-11-20T08:30:02+01:00</time></trkpt>
  <trkpt lat="65.856" lon="23.159"/>
  <trkpt lat="-1.5" lon="-0.25"><time>2026-11-20T07:30:03Z</time></trkpt>
 </trkseg></trk></gpx>"#;
        let f = parse_gpx(gpx).expect("parses");
        assert_eq!(f.len(), 4);
        assert_eq!((f[0].lat, f[0].lon), (65.853, 23.156));
        assert!((f[0].accuracy_m - 6.0).abs() < 1e-9);
        assert_eq!((f[1].lat, f[1].lon, f[1].accuracy_m), (65.854, 23.157, 4.5));
        assert_eq!(f[1].time_ms - f[0].time_ms, 1_500);
        assert_eq!(f[1].speed_mps, Some(12.5));
        assert_eq!(f[2].time_ms - f[0].time_ms, 2_000);
        assert_eq!(f[2].accuracy_m, DEFAULT_ACCURACY_M);
        assert_eq!((f[3].lat, f[3].lon), (-1.5, -0.25));
    }

    #[test]
    fn broken_gpx_is_refused_without_echoing_it() {
        assert!(parse_gpx("hello").is_err());
        let e = parse_gpx(
            r#"<gpx><trkpt lat="x" lon="1"><time>2026-11-20T07:30:00Z</time></trkpt></gpx>"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "track point 1: lat is missing or not a number"
        );
        assert!(
            parse_gpx(r#"<gpx><trkpt lat="1" lon="1"><time>igår</time></trkpt></gpx>"#).is_err()
        );
    }

    #[test]
    fn written_gpx_reads_back() {
        let fixes: Vec<Fix> = (0..5)
            .map(|i| Fix {
                lat: 65.85 + f64::from(i) * 1e-4,
                lon: 23.15,
                accuracy_m: 5.0,
                time_ms: 1_795_330_800_000 + i64::from(i) * 1000,
                speed_mps: None,
            })
            .collect();
        let back = parse_gpx(&write_gpx(&fixes)).expect("parses");
        assert_eq!(back.len(), 5);
        for (a, b) in back.iter().zip(&fixes) {
            assert!((a.lat - b.lat).abs() < 1e-7 && (a.lon - b.lon).abs() < 1e-7);
            assert_eq!(a.time_ms, b.time_ms);
            assert!((a.accuracy_m - b.accuracy_m).abs() < 1e-9);
        }
    }
}
