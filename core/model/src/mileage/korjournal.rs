//! The körjournal (driving log) Skatteverket expects for each work trip: date, odometer at the
//! start and end, from and to, km, errand (*ärende*), whom or where visited, driver and vehicle,
//! with a total. [`rows`] picks one driver's trips for a month or a year; [`to_csv`] writes
//! them as a CSV that opens right in a Swedish Excel, and [`parse_csv`] reads such a file back
//! (the tests use it to prove the export loses nothing; an import could too).
//!
//! Why the CSV looks the way it does: Swedish Excel takes `;` as the list separator (`,` is the
//! decimal mark), needs the UTF-8 byte order mark or it reads "Töre" as "TÃ¶re", and expects
//! CRLF. Text that begins with `=`, `+`, `-` or `@` would be run as a formula when the file is
//! opened (CSV injection), so such text is written with a leading `'`, which Excel shows as
//! text and [`parse_csv`] removes again.
//!
//! Pure: the caller says how a UTC time becomes a local one (the model carries no time-zone
//! data), so the same code runs on the phone and the server.

use super::reimbursement::{VehicleKind, business_km, reimburse};
use super::{DistanceSource, MileageError, RateSchedule};
use crate::ids::TripId;
use crate::text::ClientCode;
use crate::trip::{Trip, Vehicle};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar month or year the körjournal covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Period {
    Month { year: i32, month: u32 },
    Year { year: i32 },
}

impl Period {
    pub fn contains(&self, d: NaiveDate) -> bool {
        match *self {
            Period::Month { year, month } => d.year() == year && d.month() == month,
            Period::Year { year } => d.year() == year,
        }
    }

    /// First day and the day after the last, for range queries.
    pub fn bounds(&self) -> Option<(NaiveDate, NaiveDate)> {
        match *self {
            Period::Month { year, month } => {
                let first = NaiveDate::from_ymd_opt(year, month, 1)?;
                let next = if month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1)?
                };
                Some((first, next))
            }
            Period::Year { year } => Some((
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
            )),
        }
    }

    /// "november 2026" or "2026", as a Swedish heading writes it.
    pub fn label_sv(&self) -> String {
        const MONTHS: [&str; 12] = [
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ];
        match *self {
            Period::Month { year, month } => {
                let name = MONTHS.get(month.wrapping_sub(1) as usize).unwrap_or(&"?");
                format!("{name} {year}")
            }
            Period::Year { year } => year.to_string(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Year { year } => write!(f, "{year:04}"),
        }
    }
}

impl FromStr for Period {
    type Err = KorjournalError;
    /// `2026-11` (a month) or `2026` (a year).
    fn from_str(s: &str) -> Result<Self, KorjournalError> {
        let s = s.trim();
        let bad = || KorjournalError::Period;
        let year_of = |y: &str| -> Result<i32, KorjournalError> {
            let y: i32 = y.parse().map_err(|_| bad())?;
            if (1900..=9998).contains(&y) && s.len() >= 4 {
                Ok(y)
            } else {
                Err(bad())
            }
        };
        match s.split_once('-') {
            None => Ok(Period::Year { year: year_of(s)? }),
            Some((y, m)) => {
                let month: u32 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&month) || m.len() != 2 {
                    return Err(bad());
                }
                Ok(Period::Month {
                    year: year_of(y)?,
                    month,
                })
            }
        }
    }
}

/// What can be wrong with a körjournal file or request. Messages name the line and column,
/// never their content (it may hold a client code).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KorjournalError {
    #[error("a period must be a month like 2026-11 or a year like 2026")]
    Period,
    #[error("the copy must be payroll or team")]
    Copy,
    #[error("the file does not start with the körjournal's header line")]
    Header,
    #[error("line {line}: column {column} {rule}")]
    Field {
        line: usize,
        column: &'static str,
        rule: &'static str,
    },
    #[error("line {line}: a quoted field is not closed")]
    Unclosed { line: usize },
    #[error("the total line is missing or does not match the trips")]
    Total,
    #[error(transparent)]
    Mileage(#[from] MileageError),
}

/// One line of the körjournal: one trip, at the precision the körjournal states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KorjournalRow {
    pub id: TripId,
    /// Local date and time of the start, to the minute.
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: Option<NaiveTime>,
    pub odometer_start: Option<u32>,
    pub odometer_end: Option<u32>,
    pub from: String,
    pub to: String,
    /// Rounded to 0.1 km, as written.
    pub km: f64,
    pub source: DistanceSource,
    pub purpose: String,
    /// Client code or organisation; empty when not given.
    pub visited: String,
    pub driver: String,
    pub vehicle: Vehicle,
    /// The trip started at the driver's home.
    #[serde(default)]
    pub from_home: bool,
    /// The home–workplace km deducted from this trip (0.1 km; 0 unless from home): the part
    /// that is the driver's commute, not business travel. Set by [`with_home_work`].
    #[serde(default)]
    pub deduction_km: f64,
}

impl KorjournalRow {
    /// The km paid for: the km written less the home–workplace deduction.
    pub fn paid_km(&self) -> f64 {
        round_tenth(self.km - self.deduction_km).max(0.0)
    }

    /// `local` turns a UTC time into the driver's wall-clock time.
    pub fn from_trip(t: &Trip, local: &impl Fn(DateTime<Utc>) -> NaiveDateTime) -> Self {
        let start = local(t.start);
        let minute = |dt: NaiveDateTime| {
            let time = dt.time();
            NaiveTime::from_hms_opt(time.hour(), time.minute(), 0).unwrap_or(time)
        };
        KorjournalRow {
            id: t.id,
            date: start.date(),
            start: minute(start),
            end: t.end.map(|e| minute(local(e))),
            odometer_start: t.odometer_start,
            odometer_end: t.odometer_end,
            from: t.from.to_string(),
            to: t.to.to_string(),
            km: round_tenth(t.km),
            source: t.distance_source,
            purpose: t.purpose.to_string(),
            visited: t.visited.clone().unwrap_or_default(),
            driver: t.driver.to_string(),
            vehicle: t.vehicle.clone(),
            from_home: t.from_home,
            deduction_km: 0.0,
        }
    }
}

/// The rows with the home–workplace deduction of the driver (`home_work_deci_km`, tenths of a
/// km) on each trip from home, by the one rule in [`business_km`].
pub fn with_home_work(rows: Vec<KorjournalRow>, home_work_deci_km: i64) -> Vec<KorjournalRow> {
    rows.into_iter()
        .map(|mut r| {
            r.deduction_km = round_tenth(r.km - business_km(r.km, r.from_home, home_work_deci_km));
            r
        })
        .collect()
}

fn round_tenth(km: f64) -> f64 {
    (km * 10.0).round() / 10.0
}

/// One driver's trips in `period`, by start, as körjournal rows. Trips of other drivers are
/// left out: a körjournal is personal.
pub fn rows(
    trips: &[Trip],
    driver: &str,
    period: Period,
    local: impl Fn(DateTime<Utc>) -> NaiveDateTime,
) -> Vec<KorjournalRow> {
    let mut out: Vec<KorjournalRow> = trips
        .iter()
        .filter(|t| t.driver.as_str() == driver)
        .map(|t| KorjournalRow::from_trip(t, &local))
        .filter(|r| period.contains(r.date))
        .collect();
    out.sort_by_key(|r| (r.date, r.start, r.id));
    out
}

/// Which copy of a körjournal is made. Payroll needs the trips, not whom they were for: its
/// copy says [`CLIENT_VISIT`] where the team's own copy has the client code, so a client code
/// (a pseudonym that the team can resolve to a person) never leaves the team with a pay file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalCopy {
    /// For payroll: no client codes. The default, so the copy that travels is the safe one.
    #[default]
    Payroll,
    /// The team's internal copy, with client codes.
    Team,
}

impl JournalCopy {
    pub const ALL: [JournalCopy; 2] = [JournalCopy::Payroll, JournalCopy::Team];

    pub fn as_str(self) -> &'static str {
        match self {
            JournalCopy::Payroll => "payroll",
            JournalCopy::Team => "team",
        }
    }

    /// What the copy is, as its PDF and the dashboard say it.
    pub fn label_sv(self) -> &'static str {
        match self {
            JournalCopy::Payroll => "Exemplar för lönen (utan klientkoder)",
            JournalCopy::Team => "Teamets exemplar (med klientkoder, lämnas inte ut)",
        }
    }

    /// The rows as this copy shows them. `client_codes` are the team's codes: payroll's copy
    /// also hides them where a driver typed one into the free-text errand
    /// ([`mask_client_codes`]).
    pub fn apply(self, rows: Vec<KorjournalRow>, client_codes: &[&str]) -> Vec<KorjournalRow> {
        match self {
            JournalCopy::Team => rows,
            JournalCopy::Payroll => rows
                .into_iter()
                .map(|mut r| {
                    if is_client_code(&r.visited) {
                        r.visited = CLIENT_VISIT.to_owned();
                    }
                    r.purpose = mask_client_codes(&r.purpose, client_codes);
                    r
                })
                .collect(),
        }
    }
}

impl FromStr for JournalCopy {
    type Err = KorjournalError;
    fn from_str(s: &str) -> Result<Self, KorjournalError> {
        JournalCopy::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or(KorjournalError::Copy)
    }
}

/// What the payroll copy writes in place of a client code.
pub const CLIENT_VISIT: &str = "klientbesök";

/// Whether a trip's "visited" text is, or could be, a client code: anything shaped like one
/// (capital letters, digits and `-`, as every team's codes are) counts, so an organisation
/// written in capitals ("BUP") is hidden too rather than a code slipping through. Organisations
/// written as words ("Socialkontoret") stay.
pub fn is_client_code(visited: &str) -> bool {
    !visited.trim().is_empty() && ClientCode::parse(visited).is_ok()
}

/// What the payroll copy writes in a free-text errand where the team's copy has a client code.
pub const CLIENT_IN_TEXT: &str = "[klient]";

/// `text` with every one of `codes` it contains replaced by [`CLIENT_IN_TEXT`]: the errand is
/// typed freely, so a driver may well write "Hembesök K-017". A code matches as a whole word
/// only (not inside a longer word or code: "K-01" is not in "K-017"), whatever its case (a
/// code typed as "k-017" is still the client), longest codes first.
pub fn mask_client_codes(text: &str, codes: &[&str]) -> String {
    let mut codes: Vec<&str> = codes
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    codes.sort_by_key(|c| std::cmp::Reverse(c.len()));
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let before = text[..i].chars().next_back();
        let hit = (!word(before))
            .then(|| {
                codes.iter().find(|code| {
                    text.get(i..i + code.len())
                        .is_some_and(|t| t.eq_ignore_ascii_case(code))
                        && !word(text[i + code.len()..].chars().next())
                })
            })
            .flatten();
        match hit {
            Some(code) => {
                out.push_str(CLIENT_IN_TEXT);
                i += code.len();
            }
            None => {
                // `i` is always on a char boundary: it moves by whole chars or whole matches.
                let c = text[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8().max(1);
            }
        }
    }
    out
}

/// Sum of the rows' km as written (so the total matches what a reader adds up).
pub fn total_km(rows: &[KorjournalRow]) -> f64 {
    round_tenth(rows.iter().map(|r| r.km).sum())
}

/// The totals a körjournal ends with, money in öre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KorjournalTotals {
    pub trips: u32,
    /// Tenths of a km, as driven.
    pub deci_km: i64,
    /// Tenths of a km deducted as the driver's commute (trips from home).
    pub deducted_deci_km: i64,
    /// Trips from home.
    pub from_home: u32,
    pub amount_ore: i64,
    pub tax_free_ore: i64,
    pub taxable_ore: i64,
    /// Of the amount: the fuel allowance for trips in a benefit car whose driver pays the fuel,
    /// and its tax-free part (the rest of it is in `taxable_ore`).
    #[serde(default)]
    pub fuel_allowance_ore: i64,
    #[serde(default)]
    pub fuel_allowance_tax_free_ore: i64,
}

impl KorjournalTotals {
    /// "Bilersättning för förmånsbil (föraren betalar drivmedlet): 64,95 kr, varav skattefritt
    /// 51,96 kr, skattepliktigt 12,99 kr", when any trip earned it.
    pub fn fuel_allowance_sv(&self) -> Option<String> {
        (self.fuel_allowance_ore > 0).then(|| {
            format!(
                "Bilersättning för förmånsbil (föraren betalar drivmedlet): {} kr, varav skattefritt {} kr, skattepliktigt {} kr",
                kronor_sv(self.fuel_allowance_ore),
                kronor_sv(self.fuel_allowance_tax_free_ore),
                kronor_sv(self.fuel_allowance_ore - self.fuel_allowance_tax_free_ore),
            )
        })
    }
}

/// `1234,50`: öre as kronor with a decimal comma.
pub fn kronor_sv(ore: i64) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let ore = ore.unsigned_abs();
    format!("{sign}{},{:02}", ore / 100, ore % 100)
}

/// Reimbursement for the rows under the organisation's `rates`, each trip rounded on its own
/// (as on the pay slip), split into the tax-free allowance and the taxable rest.
pub fn totals(
    rows: &[KorjournalRow],
    rates: &RateSchedule,
) -> Result<KorjournalTotals, MileageError> {
    let mut t = KorjournalTotals {
        trips: 0,
        deci_km: 0,
        deducted_deci_km: 0,
        from_home: 0,
        amount_ore: 0,
        tax_free_ore: 0,
        taxable_ore: 0,
        fuel_allowance_ore: 0,
        fuel_allowance_tax_free_ore: 0,
    };
    for r in rows {
        let kind = rates.kind_of(&r.vehicle);
        let pay = reimburse(&rates.at(r.date), kind, r.date, r.paid_km())?;
        if matches!(kind, VehicleKind::BenefitCarDriverFuel(_)) {
            t.fuel_allowance_ore += pay.amount_ore;
            t.fuel_allowance_tax_free_ore += pay.tax_free_ore;
        }
        t.trips += 1;
        t.deci_km += (r.km * 10.0).round() as i64;
        t.deducted_deci_km += (r.deduction_km * 10.0).round() as i64;
        t.from_home += u32::from(r.from_home);
        t.amount_ore += pay.amount_ore;
        t.tax_free_ore += pay.tax_free_ore;
        t.taxable_ore += pay.taxable_ore;
    }
    Ok(t)
}

/// The header line, Swedish, in column order. Files written before trips from home had the
/// first 15 columns only; [`parse_csv`] reads those too.
pub const HEADER: [&str; 17] = [
    "Datum",
    "Start",
    "Slut",
    "Mätarställning start",
    "Mätarställning slut",
    "Från",
    "Till",
    "Km",
    "Källa",
    "Ärende",
    "Besökt",
    "Förare",
    "Fordon",
    "Registreringsnummer",
    "Id",
    "Från bostaden",
    "Avdrag hem–arbete km",
];

/// Columns of a file written before trips from home.
const OLD_COLUMNS: usize = 15;
const FROM_HOME: &str = "ja";

const TOTAL_LABEL: &str = "Summa";
const OWN_CAR: &str = "Egen bil";
const SERVICE_CAR: &str = "Tjänstebil";
const BOM: &str = "\u{feff}";

/// `25,3`: Swedish decimal comma, one decimal; never `-0,0` (a sum of nothing, or a rounding of
/// a tiny negative, is shown as `0,0`).
pub fn km_sv(km: f64) -> String {
    let r = round_tenth(km);
    // `+ 0.0` turns -0.0 into 0.0 and leaves every other value as it is.
    format!("{:.1}", r + 0.0).replace('.', ",")
}

/// Text a spreadsheet would take for a formula starts with one of these; `'` itself is on the
/// list so that a leading `'` the writer adds can always be told from one in the data.
fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r', '\''])
}

/// One text field: defused against formulas, quoted when it holds `;`, `"`, a line break or
/// edge spaces.
fn text_field(s: &str) -> String {
    let s = if formula_like(s) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    quote(&s)
}

fn quote(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn opt_num(n: Option<u32>) -> String {
    n.map(|v| v.to_string()).unwrap_or_default()
}

fn vehicle_cols(v: &Vehicle) -> (&'static str, &str) {
    match v {
        Vehicle::Own => (OWN_CAR, ""),
        Vehicle::Service { registration } => (SERVICE_CAR, registration),
    }
}

/// The whole CSV file: BOM, header, one line per row, the total line; CRLF throughout.
/// Where a trip's km came from, as the körjournal says it in Swedish (CSV, PDF, dashboard).
pub fn source_sv(s: DistanceSource) -> &'static str {
    match s {
        DistanceSource::Gps => "GPS",
        DistanceSource::Odometer => "mätare",
        DistanceSource::Manual => "manuell",
        DistanceSource::Suggested => "förslag",
    }
}

pub fn to_csv(rows: &[KorjournalRow]) -> String {
    let mut out = String::from(BOM);
    let header: Vec<String> = HEADER.iter().map(|h| quote(h)).collect();
    out.push_str(&header.join(";"));
    out.push_str("\r\n");
    for r in rows {
        let (kind, reg) = vehicle_cols(&r.vehicle);
        let cols = [
            r.date.format("%Y-%m-%d").to_string(),
            r.start.format("%H:%M").to_string(),
            r.end
                .map(|e| e.format("%H:%M").to_string())
                .unwrap_or_default(),
            opt_num(r.odometer_start),
            opt_num(r.odometer_end),
            text_field(&r.from),
            text_field(&r.to),
            km_sv(r.km),
            source_sv(r.source).to_owned(),
            text_field(&r.purpose),
            text_field(&r.visited),
            text_field(&r.driver),
            kind.to_owned(),
            text_field(reg),
            r.id.to_string(),
            if r.from_home { FROM_HOME } else { "" }.to_owned(),
            if r.from_home {
                km_sv(r.deduction_km)
            } else {
                String::new()
            },
        ];
        out.push_str(&cols.join(";"));
        out.push_str("\r\n");
    }
    let mut total = vec![String::new(); HEADER.len()];
    total[0] = TOTAL_LABEL.to_owned();
    total[7] = km_sv(total_km(rows));
    total[8] = format!("{} resor", rows.len());
    let deducted: f64 = rows.iter().map(|r| r.deduction_km).sum();
    if rows.iter().any(|r| r.from_home) {
        total[15] = format!("{} resor", rows.iter().filter(|r| r.from_home).count());
        total[16] = km_sv(deducted);
    }
    out.push_str(&total.join(";"));
    out.push_str("\r\n");
    out
}

/// Split CSV text into records of fields (RFC 4180 with `;`): quotes double inside quoted
/// fields, and a quoted field may hold line breaks. Line numbers count physical lines.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, KorjournalError> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ';' => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push((record_line, std::mem::take(&mut fields)));
                line += 1;
                record_line = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(KorjournalError::Unclosed { line: record_line });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((record_line, fields));
    }
    Ok(out)
}

fn unfield(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest.to_owned(),
        _ => s.to_owned(),
    }
}

fn parse_km(s: &str) -> Option<f64> {
    let km: f64 = s.trim().replace(',', ".").parse().ok()?;
    km.is_finite().then_some(km)
}

/// Read a körjournal CSV written by [`to_csv`] (BOM optional, CRLF or LF) back into rows, and
/// check its total line against them.
pub fn parse_csv(text: &str) -> Result<Vec<KorjournalRow>, KorjournalError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let mut recs = records(text)?.into_iter();
    let columns = match recs.next() {
        Some((_, h)) if h.iter().map(String::as_str).eq(HEADER.iter().copied()) => HEADER.len(),
        Some((_, h))
            if h.iter()
                .map(String::as_str)
                .eq(HEADER[..OLD_COLUMNS].iter().copied()) =>
        {
            OLD_COLUMNS
        }
        _ => return Err(KorjournalError::Header),
    };
    let mut rows = Vec::new();
    let mut total_seen = None;
    for (line, cols) in recs {
        if cols.iter().all(|c| c.is_empty()) {
            continue;
        }
        if cols.len() != columns {
            return Err(KorjournalError::Field {
                line,
                column: "(all)",
                rule: "the line must have as many columns as the header",
            });
        }
        let bad = |column: &'static str, rule: &'static str| KorjournalError::Field {
            line,
            column,
            rule,
        };
        if cols[0] == TOTAL_LABEL {
            total_seen = Some(parse_km(&cols[7]).ok_or(bad("Km", "must be a number like 25,3"))?);
            continue;
        }
        let time = |s: &str, column| {
            NaiveTime::parse_from_str(s, "%H:%M")
                .map_err(|_| bad(column, "must be a time like 08:30"))
        };
        let odo = |s: &str, column| -> Result<Option<u32>, KorjournalError> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| bad(column, "must be whole km"))
            }
        };
        // The Swedish words, or the stored names that files written before used.
        let source = match DistanceSource::ALL
            .into_iter()
            .find(|s| cols[8] == source_sv(*s) || cols[8] == s.as_str())
        {
            Some(s) => s,
            None => return Err(bad("Källa", "must be GPS, mätare, manuell or förslag")),
        };
        let vehicle = match cols[12].as_str() {
            OWN_CAR => Vehicle::Own,
            SERVICE_CAR => format!("service:{}", unfield(&cols[13]))
                .parse()
                .map_err(|_| bad("Registreringsnummer", "must be a registration like ABC123"))?,
            _ => return Err(bad("Fordon", "must be Egen bil or Tjänstebil")),
        };
        rows.push(KorjournalRow {
            id: cols[14]
                .parse()
                .map_err(|_| bad("Id", "must be a trip id"))?,
            date: NaiveDate::parse_from_str(&cols[0], "%Y-%m-%d")
                .map_err(|_| bad("Datum", "must be a date like 2026-11-20"))?,
            start: time(&cols[1], "Start")?,
            end: if cols[2].is_empty() {
                None
            } else {
                Some(time(&cols[2], "Slut")?)
            },
            odometer_start: odo(&cols[3], "Mätarställning start")?,
            odometer_end: odo(&cols[4], "Mätarställning slut")?,
            from: unfield(&cols[5]),
            to: unfield(&cols[6]),
            km: parse_km(&cols[7]).ok_or(bad("Km", "must be a number like 25,3"))?,
            source,
            purpose: unfield(&cols[9]),
            visited: unfield(&cols[10]),
            driver: unfield(&cols[11]),
            vehicle,
            from_home: match cols.get(15).map(String::as_str) {
                None | Some("") => false,
                Some(FROM_HOME) => true,
                Some(_) => return Err(bad("Från bostaden", "must be ja or empty")),
            },
            deduction_km: match cols.get(16).map(String::as_str) {
                None | Some("") => 0.0,
                Some(s) => {
                    parse_km(s).ok_or(bad("Avdrag hem–arbete km", "must be a number like 12,0"))?
                }
            },
        });
    }
    match total_seen {
        Some(t) if (t - total_km(&rows)).abs() < 0.05 => Ok(rows),
        _ => Err(KorjournalError::Total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{PlaceName, Purpose, Username};
    use crate::trip::GpsQuality;
    use chrono::{FixedOffset, TimeZone};
    use proptest::prelude::*;

    #[test]
    fn km_is_never_negative_zero() {
        assert_eq!(km_sv(-0.0), "0,0");
        assert_eq!(km_sv(-0.04), "0,0");
        assert_eq!(km_sv(0.0), "0,0");
        assert_eq!(km_sv(25.25), "25,3");
        assert_eq!(km_sv(-1.26), "-1,3");
    }

    /// Swedish winter time, enough for November tests.
    fn cet(t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&FixedOffset::east_opt(3600).expect("valid offset"))
            .naive_local()
    }

    fn trip(day: u32, hour: u32, km: f64) -> Trip {
        let start = Utc
            .with_ymd_and_hms(2026, 11, day, hour, 5, 30)
            .single()
            .expect("valid time");
        Trip {
            id: TripId::new(),
            driver: Username::parse("anna").expect("valid"),
            vehicle: Vehicle::Own,
            start,
            end: Some(start + chrono::Duration::minutes(31)),
            from: PlaceName::parse("Kalix").expect("valid"),
            to: PlaceName::parse("Töre").expect("valid"),
            from_address: None,
            to_address: None,
            purpose: Purpose::parse("Hembesök").expect("valid"),
            visited: Some("K-017".into()),
            visits: vec![],
            km,
            distance_source: DistanceSource::Gps,
            odometer_start: None,
            odometer_end: None,
            gps: Some(GpsQuality {
                share_estimated: 0.0,
                fixes_used: 100,
                fixes_dropped: 1,
                grade: None,
            }),
            distance_confirmed: false,
            from_home: false,
        }
    }

    fn month() -> Period {
        Period::Month {
            year: 2026,
            month: 11,
        }
    }

    #[test]
    fn csv_is_what_swedish_excel_wants() {
        let mut t = trip(20, 7, 25.34);
        t.vehicle = "service:ABC123".parse().expect("valid");
        t.distance_source = DistanceSource::Odometer;
        t.gps = None;
        t.odometer_start = Some(12_000);
        t.odometer_end = Some(12_025);
        t.km = 25.0;
        t.purpose = Purpose::parse("Hembesök; \"akut\"").expect("valid");
        let rows = rows(&[t.clone()], "anna", month(), cet);
        let csv = to_csv(&rows);
        assert!(csv.starts_with("\u{feff}Datum;Start;Slut;Mätarställning start;"));
        assert!(csv.ends_with("\r\n"));
        assert_eq!(csv.matches('\n').count(), csv.matches("\r\n").count());
        let line = csv.lines().nth(1).expect("a trip line");
        assert_eq!(
            line,
            format!(
                "2026-11-20;08:05;08:36;12000;12025;Kalix;Töre;25,0;mätare;\"Hembesök; \"\"akut\"\"\";K-017;anna;Tjänstebil;ABC123;{};;",
                t.id
            )
        );
        let total = csv.lines().nth(2).expect("the total line");
        assert_eq!(total, "Summa;;;;;;;25,0;1 resor;;;;;;;;");
    }

    #[test]
    fn csv_parses_back_to_the_same_trips() {
        let mut trips = vec![trip(3, 7, 25.34), trip(3, 12, 24.96), trip(21, 9, 40.04)];
        trips[1].vehicle = "service:XYZ987".parse().expect("valid");
        trips[1].purpose = Purpose::parse("=HYPERLINK(\"x\")").expect("valid");
        trips[2].visited = None;
        trips[2].end = None;
        trips[2].to = PlaceName::parse("Morjärv").expect("valid");
        // Another driver's trip and one from October stay out.
        let mut other = trip(4, 7, 10.0);
        other.driver = Username::parse("bertil").expect("valid");
        let mut october = trip(4, 7, 10.0);
        october.start = Utc
            .with_ymd_and_hms(2026, 10, 31, 8, 0, 0)
            .single()
            .expect("valid");
        trips.push(other);
        trips.push(october);

        let rows = rows(&trips, "anna", month(), cet);
        assert_eq!(rows.len(), 3);
        let csv = to_csv(&rows);
        // The formula is defused in the file, and restored when read.
        assert!(csv.contains(";\"'=HYPERLINK"));
        let back = parse_csv(&csv).expect("parses");
        assert_eq!(back, rows);
        for (r, t) in back.iter().zip(&trips) {
            assert_eq!(r.id, t.id);
            assert_eq!(r.from, t.from.as_str());
            assert_eq!(r.to, t.to.as_str());
            assert_eq!(r.purpose, t.purpose.as_str());
            assert_eq!(r.vehicle, t.vehicle);
            assert!((r.km - t.km).abs() <= 0.05);
        }
        assert_eq!(total_km(&back), 90.3);
        // LF-only line ends (a file saved by another tool) read the same.
        assert_eq!(parse_csv(&csv.replace("\r\n", "\n")).expect("parses"), rows);
    }

    #[test]
    fn a_damaged_file_is_refused_with_the_line() {
        let rows = rows(&[trip(3, 7, 25.0)], "anna", month(), cet);
        let csv = to_csv(&rows);
        assert_eq!(parse_csv("Datum;Km\r\n"), Err(KorjournalError::Header));
        let bad_km = csv.replace("25,0;GPS", "många;GPS");
        assert!(matches!(
            parse_csv(&bad_km),
            Err(KorjournalError::Field {
                line: 2,
                column: "Km",
                ..
            })
        ));
        let no_total: String = csv.lines().take(2).map(|l| format!("{l}\n")).collect();
        assert_eq!(parse_csv(&no_total), Err(KorjournalError::Total));
        // The source in Swedish, or as files written before said it; nothing else.
        assert_eq!(parse_csv(&csv.replace(";GPS;", ";gps;")), Ok(rows.clone()));
        assert!(matches!(
            parse_csv(&csv.replace(";GPS;", ";satellit;")),
            Err(KorjournalError::Field {
                line: 2,
                column: "Källa",
                ..
            })
        ));
        assert!(matches!(
            parse_csv(&csv.replace("Kalix", "\"Kalix")),
            Err(KorjournalError::Unclosed { .. })
        ));
    }

    #[test]
    fn periods_parse_and_bound() {
        assert_eq!("2026-11".parse::<Period>(), Ok(month()));
        assert_eq!("2026".parse::<Period>(), Ok(Period::Year { year: 2026 }));
        for bad in ["2026-13", "2026-1", "26", "nov", "2026-11-01"] {
            assert_eq!(bad.parse::<Period>(), Err(KorjournalError::Period), "{bad}");
        }
        let (a, b) = month().bounds().expect("bounds");
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-11-01".into(), "2026-12-01".into())
        );
        let (a, b) = Period::Month {
            year: 2026,
            month: 12,
        }
        .bounds()
        .expect("bounds");
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-12-01".into(), "2027-01-01".into())
        );
        assert_eq!(month().label_sv(), "november 2026");
        assert_eq!(month().to_string(), "2026-11");
    }

    #[test]
    fn totals_split_tax_free_and_taxable() {
        let mut trips = vec![trip(3, 7, 40.0), trip(4, 7, 40.0)];
        trips[1].vehicle = "service:ABC123".parse().expect("valid");
        let rows = rows(&trips, "anna", month(), cet);
        let rates = crate::Rates {
            own_car_ore_per_km: 305,
            service_car_ore_per_km: 0,
            benefit_fossil_ore_per_km: 120,
            benefit_electric_ore_per_km: 95,
        };
        let t = totals(&rows, &rates.into()).expect("totals");
        // Own car 40 km × 3.05 = 122.00 kr, of which 40 × 2.50 = 100.00 kr tax-free.
        assert_eq!(
            t,
            KorjournalTotals {
                trips: 2,
                deci_km: 800,
                deducted_deci_km: 0,
                from_home: 0,
                amount_ore: 12_200,
                tax_free_ore: 10_000,
                taxable_ore: 2_200,
                fuel_allowance_ore: 0,
                fuel_allowance_tax_free_ore: 0,
            }
        );
    }

    #[test]
    fn a_benefit_cars_fuel_allowance_is_in_the_totals_and_said_apart() {
        let mut trips = vec![trip(3, 7, 43.26), trip(4, 7, 40.0)];
        trips[0].vehicle = crate::trip::Vehicle::Service {
            registration: "ABC123".into(),
        };
        let rows = rows(&trips, "anna", month(), cet);
        let reg = crate::mileage::Registration::parse("ABC123").expect("valid");
        let cars = crate::mileage::DriverFuelledCars::from_register([(
            &reg,
            crate::mileage::CarKind::BenefitCar,
            crate::mileage::Fuel::Fossil,
            true,
        )]);
        let rates = crate::Rates {
            benefit_fossil_ore_per_km: 150,
            ..crate::Rates::default()
        };
        let t =
            totals(&rows, &RateSchedule::from(rates).with_driver_fuelled(cars)).expect("totals");
        // 43.3 km × 1.50 = 64.95 kr (51.96 kr tax-free) + own car 40 km × 3.05 = 122.00 kr
        // (100.00 kr tax-free).
        assert_eq!(
            (t.amount_ore, t.tax_free_ore, t.taxable_ore),
            (18_695, 15_196, 3_499)
        );
        assert_eq!(
            (t.fuel_allowance_ore, t.fuel_allowance_tax_free_ore),
            (6_495, 5_196)
        );
        assert_eq!(
            t.fuel_allowance_sv().as_deref(),
            Some(
                "Bilersättning för förmånsbil (föraren betalar drivmedlet): 64,95 kr, varav skattefritt 51,96 kr, skattepliktigt 12,99 kr"
            )
        );
        // Without the register the same car pays the service-car rate: nothing.
        let t = totals(&rows, &rates.into()).expect("totals");
        assert_eq!((t.amount_ore, t.fuel_allowance_ore), (12_200, 0));
        assert_eq!(t.fuel_allowance_sv(), None);
    }

    #[test]
    fn trips_from_home_are_written_with_their_deduction_and_paid_beyond_it() {
        let mut trips = vec![trip(3, 7, 45.26), trip(4, 7, 8.0), trip(5, 7, 40.0)];
        trips[0].from_home = true;
        trips[1].from_home = true;
        let rows = with_home_work(rows(&trips, "anna", month(), cet), 120);
        let deducted: Vec<f64> = rows.iter().map(|r| r.deduction_km).collect();
        // 45.3 − 12.0; 8.0 is all commute (never below 0); from the workplace nothing.
        assert_eq!(deducted, [12.0, 8.0, 0.0]);
        assert_eq!(rows[0].paid_km(), 33.3);
        let rates = crate::Rates {
            own_car_ore_per_km: 305,
            service_car_ore_per_km: 0,
            benefit_fossil_ore_per_km: 120,
            benefit_electric_ore_per_km: 95,
        };
        let t = totals(&rows, &rates.into()).expect("totals");
        // Paid: 33.3 + 0 + 40.0 = 73.3 km × 3.05 = 101.57 + 0 + 122.00 = 223.57 kr, each trip
        // rounded on its own; tax-free 83.25 + 100.00 = 183.25 kr.
        assert_eq!(
            t,
            KorjournalTotals {
                trips: 3,
                deci_km: 933,
                deducted_deci_km: 200,
                from_home: 2,
                amount_ore: 22_357,
                tax_free_ore: 18_325,
                taxable_ore: 4_032,
                fuel_allowance_ore: 0,
                fuel_allowance_tax_free_ore: 0,
            }
        );
        let csv = to_csv(&rows);
        let line = csv.lines().nth(1).expect("a trip line");
        assert!(line.ends_with(";ja;12,0"), "{line}");
        assert!(csv.lines().nth(3).expect("a line").ends_with(";;"));
        assert!(
            csv.lines()
                .nth(4)
                .expect("the total")
                .ends_with(";2 resor;20,0"),
            "{csv}"
        );
        assert_eq!(parse_csv(&csv).expect("parses"), rows);
        // A file from before trips from home (15 columns) still reads.
        let old: String = to_csv(&rows[2..])
            .lines()
            .map(|l| {
                let cols: Vec<&str> = l.split(';').take(15).collect();
                format!("{}\r\n", cols.join(";"))
            })
            .collect();
        let back = parse_csv(&old).expect("an old file parses");
        assert_eq!(back, rows[2..]);
    }

    #[test]
    fn a_client_code_in_the_errand_is_masked_as_a_whole_word_in_any_case() {
        let codes = ["K-017", "K-01", "AB12"];
        let m = |t: &str| mask_client_codes(t, &codes);
        assert_eq!(m("K-017 hembesök"), "[klient] hembesök", "at the start");
        assert_eq!(
            m("Hembesök hos K-017"),
            "Hembesök hos [klient]",
            "at the end"
        );
        assert_eq!(m("K-017"), "[klient]", "the whole text");
        assert_eq!(
            m("möte om k-017, och K-01."),
            "möte om [klient], och [klient]."
        );
        assert_eq!(m("Ab12/K-017"), "[klient]/[klient]", "case and punctuation");
        // Inside a longer word or code it is not the code.
        assert_eq!(m("XK-017 och K-0175"), "XK-017 och K-0175");
        assert_eq!(m("AB123 kurs"), "AB123 kurs");
        assert_eq!(m("bilAB12"), "bilAB12");
        // Non-ASCII around a code is kept intact.
        assert_eq!(m("Över K-017 på väg"), "Över [klient] på väg");
        assert_eq!(
            m("ÅK-017"),
            "ÅK-017",
            "a letter before it makes it another word"
        );
        assert_eq!(m("Socialkontoret"), "Socialkontoret");
        assert_eq!(mask_client_codes("K-017", &[]), "K-017");
        assert_eq!(mask_client_codes("K-017", &[" "]), "K-017");
    }

    #[test]
    fn the_payroll_copy_masks_codes_in_the_errand_and_the_team_copy_keeps_them() {
        let mut trips = vec![trip(3, 7, 25.0)];
        trips[0].purpose =
            crate::text::Purpose::parse("Hembesök K-017 (k-017 bad om det)").unwrap();
        let team = rows(&trips, "anna", month(), cet);
        let payroll = JournalCopy::Payroll.apply(team.clone(), &["K-017"]);
        assert_eq!(
            payroll[0].purpose,
            "Hembesök [klient] ([klient] bad om det)"
        );
        assert!(!to_csv(&payroll).to_uppercase().contains("K-017"));
        assert_eq!(
            JournalCopy::Team.apply(team.clone(), &["K-017"])[0].purpose,
            team[0].purpose
        );
    }

    #[test]
    fn the_payroll_copy_says_klientbesok_instead_of_client_codes() {
        let mut trips = vec![trip(3, 7, 25.0), trip(4, 7, 12.0), trip(5, 7, 8.0)];
        trips[1].visited = Some("Socialkontoret".into());
        trips[2].visited = None;
        let team = rows(&trips, "anna", month(), cet);
        assert_eq!(JournalCopy::default(), JournalCopy::Payroll);
        let payroll = JournalCopy::Payroll.apply(team.clone(), &["K-017"]);
        let visited: Vec<&str> = payroll.iter().map(|r| r.visited.as_str()).collect();
        assert_eq!(visited, ["klientbesök", "Socialkontoret", ""]);
        let csv = to_csv(&payroll);
        assert!(!csv.contains("K-017"), "{csv}");
        assert!(csv.contains(";klientbesök;"));
        // Everything else, the money included, is the same as in the team's copy.
        assert_eq!(parse_csv(&csv).expect("parses").len(), 3);
        assert_eq!(JournalCopy::Team.apply(team.clone(), &["K-017"]), team);
        assert_eq!(team[0].visited, "K-017");
        assert_eq!("team".parse::<JournalCopy>(), Ok(JournalCopy::Team));
        assert_eq!("alla".parse::<JournalCopy>(), Err(KorjournalError::Copy));
        assert!(is_client_code("X-2") && is_client_code("BUP"));
        assert!(!is_client_code("Socialkontoret") && !is_client_code(" "));
    }

    proptest! {
        #[test]
        fn any_text_survives_the_csv(
            purpose in "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{7f}]{1,60}",
            visited in "[ -~åäöÅÄÖ\n\";=+-]{1,40}",
            km in 0.0f64..2000.0,
        ) {
            prop_assume!(!purpose.trim().is_empty() && !visited.trim().is_empty());
            let Ok(p) = Purpose::parse(&purpose) else { return Ok(()); };
            let mut t = trip(5, 9, km);
            t.purpose = p;
            t.visited = Some(visited);
            let rows = rows(&[t], "anna", month(), cet);
            let back = parse_csv(&to_csv(&rows)).expect("parses");
            prop_assert_eq!(back, rows);
        }
    }
}
