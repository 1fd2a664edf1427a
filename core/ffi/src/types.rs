//! The plain records and enums the apps see, and their conversion to and from the model.
//!
//! Mirror types rather than uniffi derives on the model: the model crate stays free of uniffi
//! (the server shares it), and the app-facing shape can differ where phones need it to (unix
//! milliseconds for instants, `YYYY-MM-DD` text for dates, signed integers because Kotlin's
//! unsigned types are awkward in forms). Everything coming in goes through the model's parsers
//! and validation; errors name the field.

use super::error::{Result, UppsokError};
use chrono::{DateTime, NaiveDate, Utc};
use std::str::FromStr;
use uppsok_model as m;

// ----- enums -----
// Each has the model's name and variants (so one name per concept from the phone to the
// dashboard); the one variant that differs says why at its `mirror!` line.

/// How a contact was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ContactKind {
    FaceToFace,
    Phone,
    Video,
    Message,
    /// Went out (or called) and did not reach the client.
    Attempted,
}

/// Where a face-to-face contact (or attempt) took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Setting {
    Home,
    Community,
    Office,
    Inpatient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Phase {
    Intake,
    Active,
    Stable,
    Closed,
}

/// Consent to share the client's contacts with the team's other organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ConsentState {
    NotRecorded,
    Given,
    Withdrawn,
}

/// Where a trip's km came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DistanceSource {
    Gps,
    Odometer,
    Manual,
    Suggested,
}

/// How far a GPS distance can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum QualityGrade {
    NoData,
    Good,
    Fair,
    Poor,
}

macro_rules! mirror {
    ($ffi:ident <=> $model:path { $($a:ident <=> $b:ident),* $(,)? }) => {
        impl From<$ffi> for $model {
            fn from(v: $ffi) -> Self {
                match v { $($ffi::$a => <$model>::$b),* }
            }
        }
        impl From<$model> for $ffi {
            fn from(v: $model) -> Self {
                match v { $(<$model>::$b => $ffi::$a),* }
            }
        }
    };
}

mirror!(ContactKind <=> m::ContactKind {
    FaceToFace <=> FaceToFace, Phone <=> Phone, Video <=> Video, Message <=> Message,
    Attempted <=> Attempted,
});
mirror!(Setting <=> m::Setting {
    Home <=> Home, Community <=> Community, Office <=> Office, Inpatient <=> Inpatient,
});
mirror!(Phase <=> m::Phase {
    Intake <=> Intake, Active <=> Active, Stable <=> Stable, Closed <=> Closed,
});
// `None` in the model is `NotRecorded` here: Swift's `Optional.none` and Kotlin's `null` make a
// case named `none` read as "no value" in the apps.
mirror!(ConsentState <=> m::ConsentState {
    NotRecorded <=> None, Given <=> Given, Withdrawn <=> Withdrawn,
});
mirror!(DistanceSource <=> m::DistanceSource {
    Gps <=> Gps, Odometer <=> Odometer, Manual <=> Manual, Suggested <=> Suggested,
});
mirror!(QualityGrade <=> m::mileage::QualityGrade {
    NoData <=> NoData, Good <=> Good, Fair <=> Fair, Poor <=> Poor,
});

// ----- records -----

/// Who uses this phone and where it syncs.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ProfileInfo {
    pub username: String,
    pub team_id: String,
    pub org_id: String,
    /// The team's client code pattern: `#` a digit, `@` a capital letter (e.g. `K-###`).
    pub code_pattern: String,
    pub server_url: Option<String>,
    pub device_id: Option<String>,
    /// Whether the phone holds a device token (was enrolled and not wiped).
    pub enrolled: bool,
}

/// A new client (`id` = null) or an edit of one.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClientInput {
    pub id: Option<String>,
    /// Pseudonymous code matching the team's pattern, e.g. `K-017`.
    pub code: String,
    /// Sensitive: sealed on the phone.
    pub name: String,
    pub phase: Phase,
    /// Required when the phase is closed, forbidden otherwise.
    pub closed_reason: Option<String>,
    /// `YYYY-MM-DD`.
    pub next_contact: Option<String>,
    pub consent: ConsentState,
    /// `YYYY-MM-DD`; required unless consent is not recorded.
    pub consent_date: Option<String>,
}

/// A client as the lists show it, with when the team last saw them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClientItem {
    pub id: String,
    pub code: String,
    pub name: String,
    pub phase: Phase,
    pub closed_reason: Option<String>,
    pub next_contact: Option<String>,
    pub consent: ConsentState,
    pub consent_date: Option<String>,
    /// Start of the newest visit logged on this phone, attempts included (unix ms).
    pub last_visit_ms: Option<i64>,
    /// Start of the newest visit that reached the client (unix ms).
    pub last_contact_ms: Option<i64>,
    /// Whole local days since `last_contact_ms` (0 = today).
    pub days_since_contact: Option<i64>,
}

/// A new visit (`id` = null) or an edit. The author is the phone's user, added to `staff` if
/// missing.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VisitInput {
    pub id: Option<String>,
    pub client_id: String,
    /// Usernames of everyone present.
    pub staff: Vec<String>,
    pub start_ms: i64,
    pub minutes: i32,
    pub contact: ContactKind,
    /// Required for face-to-face, allowed for attempts, forbidden otherwise.
    pub setting: Option<Setting>,
    /// Family or the client's network took part.
    pub network: bool,
    /// Village level, never a street address.
    pub place: Option<String>,
    /// Short note (sensitive; stays inside the author's organisation).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VisitItem {
    pub id: String,
    pub client_id: String,
    /// The client's code, when the client is on the phone.
    pub client_code: Option<String>,
    pub author: String,
    pub staff: Vec<String>,
    pub start_ms: i64,
    pub minutes: i32,
    pub contact: ContactKind,
    pub setting: Option<Setting>,
    pub network: bool,
    pub place: Option<String>,
    pub note: Option<String>,
}

/// How a manually logged trip's distance is known.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum TripDistance {
    /// Typed in, in km.
    Manual { km: f64 },
    /// Odometer readings at the start and end (km); the distance is their difference.
    Odometer { start: i32, end: i32 },
}

/// A trip logged by hand (manual km or odometer readings). GPS trips come from
/// [`TripRecording::finish`](super::TripRecording::finish).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TripInput {
    pub id: Option<String>,
    /// `null` for the driver's own car, else the service car's registration (`ABC123`).
    pub service_car: Option<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub from_place: String,
    pub to_place: String,
    /// Street addresses, only when the körjournal needs them (sensitive).
    pub from_address: Option<String>,
    pub to_address: Option<String>,
    /// The errand (ärende), e.g. "Hembesök".
    pub purpose: String,
    /// Whom visited: a client code or an organisation.
    pub visited: Option<String>,
    pub visit_ids: Vec<String>,
    pub distance: TripDistance,
}

/// What a GPS trip keeps of its track.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GpsInfo {
    pub share_estimated: f64,
    pub fixes_used: i64,
    pub fixes_dropped: i64,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TripItem {
    pub id: String,
    pub driver: String,
    pub service_car: Option<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub from_place: String,
    pub to_place: String,
    pub from_address: Option<String>,
    pub to_address: Option<String>,
    pub purpose: String,
    pub visited: Option<String>,
    pub visit_ids: Vec<String>,
    pub km: f64,
    pub source: DistanceSource,
    pub odometer_start: Option<i32>,
    pub odometer_end: Option<i32>,
    pub gps: Option<GpsInfo>,
}

/// A colleague of the user's teams, for the visit form's "present" picker.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TeamMemberItem {
    pub username: String,
    pub name: String,
}

/// A place in the team's list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PlaceItem {
    pub id: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// Added by the team rather than taken from the gazetteer.
    pub team_added: bool,
}

/// A town or village from the gazetteer shipped with the app.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GazetteerHit {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub population: i64,
    /// GeoNames county code (`14` = Norrbottens län).
    pub county: String,
}

// ----- conversions -----

pub(crate) fn parse_id<T: FromStr>(field: &str, s: &str) -> Result<T> {
    s.trim()
        .parse()
        .map_err(|_| UppsokError::invalid(field, "is not a valid id"))
}

pub(crate) fn instant(field: &str, ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| UppsokError::invalid(field, "is out of range"))
}

fn date(field: &str, s: &Option<String>) -> Result<Option<NaiveDate>> {
    s.as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| UppsokError::invalid(field, "must be a date like 2026-11-22"))
        })
        .transpose()
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn opt<T>(
    s: &Option<String>,
    parse: impl Fn(&str) -> Result<T, m::ValidationError>,
) -> Result<Option<T>> {
    s.as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(|t| parse(t).map_err(UppsokError::from))
        .transpose()
}

fn small_int<T: TryFrom<i32>>(field: &str, v: i32, rule: &str) -> Result<T> {
    T::try_from(v).map_err(|_| UppsokError::invalid(field, rule))
}

impl ClientInput {
    /// The model client; `team`/`org` come from the existing record or the profile.
    pub(crate) fn to_model(
        &self,
        team: m::TeamId,
        org: m::OrgId,
        recorded_by: &m::Username,
    ) -> Result<m::Client> {
        let consent_date = date("consent.date", &self.consent_date)?;
        Ok(m::Client {
            id: match &self.id {
                Some(id) => parse_id("id", id)?,
                None => m::ClientId::new(),
            },
            team,
            code: m::ClientCode::parse(&self.code)?,
            name: m::PersonName::parse(&self.name)?,
            org,
            phase: self.phase.into(),
            closed_reason: self
                .closed_reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            next_contact: date("next_contact", &self.next_contact)?,
            consent: m::Consent {
                state: self.consent.into(),
                date: consent_date,
                recorded_by: (self.consent != ConsentState::NotRecorded)
                    .then(|| recorded_by.clone()),
                scope: Default::default(),
                until: None,
            },
            admitted: None,
            referral: None,
            contact_person: None,
            deputy: None,
            closed_on: None,
            closure: None,
            protected_identity: false,
        })
    }
}

impl ClientItem {
    pub(crate) fn from_model(
        c: &m::Client,
        last_visit: Option<DateTime<Utc>>,
        last_contact: Option<DateTime<Utc>>,
    ) -> Self {
        let today = chrono::Local::now().date_naive();
        ClientItem {
            id: c.id.to_string(),
            code: c.code.to_string(),
            name: c.name.to_string(),
            phase: c.phase.into(),
            closed_reason: c.closed_reason.clone(),
            next_contact: date_text(c.next_contact),
            consent: c.consent.state.into(),
            consent_date: date_text(c.consent.date),
            last_visit_ms: last_visit.map(|t| t.timestamp_millis()),
            last_contact_ms: last_contact.map(|t| t.timestamp_millis()),
            days_since_contact: last_contact.map(|t| {
                (today - t.with_timezone(&chrono::Local).date_naive())
                    .num_days()
                    .max(0)
            }),
        }
    }
}

impl VisitInput {
    pub(crate) fn to_model(&self, author: &m::Username) -> Result<m::Visit> {
        let mut staff = vec![author.clone()];
        for s in &self.staff {
            let u = m::Username::parse(s)?;
            if !staff.contains(&u) {
                staff.push(u);
            }
        }
        Ok(m::Visit {
            id: match &self.id {
                Some(id) => parse_id("id", id)?,
                None => m::VisitId::new(),
            },
            client: parse_id("client", &self.client_id)?,
            author: author.clone(),
            staff,
            start: instant("start", self.start_ms)?,
            minutes: small_int("minutes", self.minutes, "must be between 1 and 1440")?,
            contact: self.contact.into(),
            setting: self.setting.map(Into::into),
            network: self.network,
            place: opt(&self.place, |t| m::PlaceName::parse(t))?,
            note: opt(&self.note, |t| m::Note::parse(t))?,
            client_present: true,
            group: false,
        })
    }
}

impl VisitItem {
    pub(crate) fn from_model(v: &m::Visit, client_code: Option<String>) -> Self {
        VisitItem {
            id: v.id.to_string(),
            client_id: v.client.to_string(),
            client_code,
            author: v.author.to_string(),
            staff: v.staff.iter().map(ToString::to_string).collect(),
            start_ms: v.start.timestamp_millis(),
            minutes: i32::from(v.minutes),
            contact: v.contact.into(),
            setting: v.setting.map(Into::into),
            network: v.network,
            place: v.place.as_ref().map(ToString::to_string),
            note: v.note.as_ref().map(ToString::to_string),
        }
    }
}

pub(crate) fn vehicle(service_car: &Option<String>) -> Result<m::Vehicle> {
    match service_car
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        None => Ok(m::Vehicle::Own),
        Some(reg) => Ok(format!("service:{reg}").parse()?),
    }
}

pub(crate) fn vehicle_text(v: &m::Vehicle) -> Option<String> {
    match v {
        m::Vehicle::Own => None,
        m::Vehicle::Service { registration } => Some(registration.clone()),
    }
}

impl TripInput {
    pub(crate) fn to_model(&self, driver: &m::Username) -> Result<m::Trip> {
        let (km, source, odometer_start, odometer_end) = match self.distance {
            TripDistance::Manual { km } => (km, m::DistanceSource::Manual, None, None),
            TripDistance::Odometer { start, end } => {
                let rule = "must be a reading between 0 and 2,147,483,647 km";
                let a: u32 = small_int("odometer_start", start, rule)?;
                let b: u32 = small_int("odometer_end", end, rule)?;
                let km = if b >= a { f64::from(b - a) } else { 0.0 };
                (km, m::DistanceSource::Odometer, Some(a), Some(b))
            }
        };
        Ok(m::Trip {
            id: match &self.id {
                Some(id) => parse_id("id", id)?,
                None => m::TripId::new(),
            },
            driver: driver.clone(),
            vehicle: vehicle(&self.service_car)?,
            start: instant("start", self.start_ms)?,
            end: self.end_ms.map(|e| instant("end", e)).transpose()?,
            from: m::PlaceName::parse(&self.from_place)?,
            to: m::PlaceName::parse(&self.to_place)?,
            from_address: opt(&self.from_address, |t| m::Address::parse(t))?,
            to_address: opt(&self.to_address, |t| m::Address::parse(t))?,
            purpose: m::Purpose::parse(&self.purpose)?,
            visited: self
                .visited
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            visits: self
                .visit_ids
                .iter()
                .map(|v| parse_id("visits", v))
                .collect::<Result<_>>()?,
            km,
            distance_source: source,
            odometer_start,
            odometer_end,
            gps: None,
            distance_confirmed: false,
            from_home: false,
        })
    }
}

impl TripItem {
    pub(crate) fn from_model(t: &m::Trip) -> Self {
        TripItem {
            id: t.id.to_string(),
            driver: t.driver.to_string(),
            service_car: vehicle_text(&t.vehicle),
            start_ms: t.start.timestamp_millis(),
            end_ms: t.end.map(|e| e.timestamp_millis()),
            from_place: t.from.to_string(),
            to_place: t.to.to_string(),
            from_address: t.from_address.as_ref().map(ToString::to_string),
            to_address: t.to_address.as_ref().map(ToString::to_string),
            purpose: t.purpose.to_string(),
            visited: t.visited.clone(),
            visit_ids: t.visits.iter().map(ToString::to_string).collect(),
            km: t.km,
            source: t.distance_source.into(),
            odometer_start: t.odometer_start.and_then(|v| i32::try_from(v).ok()),
            odometer_end: t.odometer_end.and_then(|v| i32::try_from(v).ok()),
            gps: t.gps.map(|g| GpsInfo {
                share_estimated: g.share_estimated,
                fixes_used: i64::from(g.fixes_used),
                fixes_dropped: i64::from(g.fixes_dropped),
            }),
        }
    }
}

impl PlaceItem {
    pub(crate) fn from_model(p: &m::Place) -> Self {
        PlaceItem {
            id: p.id.to_string(),
            name: p.name.to_string(),
            lat: p.lat,
            lon: p.lon,
            team_added: p.team.is_some(),
        }
    }
}

impl ProfileInfo {
    pub(crate) fn from_model(p: &uppsok_device::Profile, enrolled: bool) -> Self {
        ProfileInfo {
            username: p.user.to_string(),
            team_id: p.team.to_string(),
            org_id: p.org.to_string(),
            code_pattern: p.code_pattern.0.clone(),
            server_url: p.server_url.clone(),
            device_id: p.device_id.map(|d| d.to_string()),
            enrolled,
        }
    }
}
