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

/// Why a client's care with the team ended (`Annat` needs the text in `closed_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ClosureReason {
    GoalReached,
    SteppedDown,
    Moved,
    Declined,
    Died,
    Transferred,
    Other,
}

/// Who referred the client to the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Referral {
    Psychiatry,
    SocialServices,
    AddictionCare,
    PrimaryCare,
    Probation,
    SelfReferral,
    Relative,
    Other,
}

/// What a given consent covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ConsentScope {
    Contacts,
    ContactsAndOutcomes,
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
mirror!(ClosureReason <=> m::ClosureReason {
    GoalReached <=> GoalReached, SteppedDown <=> SteppedDown, Moved <=> Moved,
    Declined <=> Declined, Died <=> Died, Transferred <=> Transferred, Other <=> Other,
});
mirror!(Referral <=> m::Referral {
    Psychiatry <=> Psychiatry, SocialServices <=> SocialServices, AddictionCare <=> AddictionCare,
    PrimaryCare <=> PrimaryCare, Probation <=> Probation, SelfReferral <=> SelfReferral,
    Relative <=> Relative, Other <=> Other,
});
mirror!(ConsentScope <=> m::ConsentScope {
    Contacts <=> Contacts, ContactsAndOutcomes <=> ContactsAndOutcomes,
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

/// A new client (`id` = null) or an edit of one. The whole client, every field: an edit starts
/// from [`client_edit_input`] (the client as the phone holds it) and changes what the user
/// changed, so fields the form does not show (a contact person set on the dashboard) are saved
/// as they were and the change names only the field groups that differ.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClientInput {
    pub id: Option<String>,
    /// Pseudonymous code matching the team's pattern, e.g. `K-017`.
    pub code: String,
    /// Sensitive: sealed on the phone.
    pub name: String,
    pub phase: Phase,
    /// Why the care ended: required when the phase is closed, forbidden otherwise.
    pub closure: Option<ClosureReason>,
    /// The last day in care, `YYYY-MM-DD` (closed clients only).
    pub closed_on: Option<String>,
    /// Text about the closure: required with `ClosureReason.Other`, allowed with the others
    /// when closed, forbidden otherwise.
    pub closed_reason: Option<String>,
    /// `YYYY-MM-DD`.
    pub next_contact: Option<String>,
    pub consent: ConsentState,
    /// `YYYY-MM-DD`; required unless consent is not recorded.
    pub consent_date: Option<String>,
    /// What a given consent covers.
    pub consent_scope: ConsentScope,
    /// The last day a given consent holds, `YYYY-MM-DD`; null: until withdrawn.
    pub consent_until: Option<String>,
    /// First day in the team's care, `YYYY-MM-DD` (*inskrivningsdatum*); null when nobody has
    /// given it (old records).
    pub admitted: Option<String>,
    pub referral: Option<Referral>,
    /// Username of the contact person (*kontaktperson*), a colleague from `teamMembers`.
    pub contact_person: Option<String>,
    /// Username of the deputy (*ersättare*); needs a contact person, and someone else.
    pub deputy: Option<String>,
    /// Protected personal data (*skyddade personuppgifter*).
    pub protected_identity: bool,
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
    pub consent_scope: ConsentScope,
    pub consent_until: Option<String>,
    pub closure: Option<ClosureReason>,
    pub closed_on: Option<String>,
    /// The admission date as recorded; null on records from before it was asked.
    pub admitted: Option<String>,
    /// The admission date to show: `admitted`, or when that is null the phone's estimate (the
    /// day the record was first made, as far as the phone can tell: the earliest of the id's
    /// creation time, the current revision and the first visit on the phone), `YYYY-MM-DD`.
    pub admission: String,
    /// `admission` is the estimate: the form flags it ("uppskattat") until a person saves it.
    pub admission_estimated: bool,
    pub referral: Option<Referral>,
    pub contact_person: Option<String>,
    pub deputy: Option<String>,
    pub protected_identity: bool,
    /// The phone's user is the contact person or the deputy ("Mina klienter").
    pub mine: bool,
    /// Start of the newest visit logged on this phone, attempts included (unix ms).
    pub last_visit_ms: Option<i64>,
    /// Start of the newest visit that reached the client (unix ms): not an attempt, and the
    /// client took part (a network-only contact does not count).
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
    /// Whether the client took part. False: a network-only contact (*nätverkskontakt*: with a
    /// relative, the landlord, Försäkringskassan … while the client is absent); needs `network`
    /// and is never an attempt.
    pub client_present: bool,
    /// A group activity with several clients (*gruppkontakt*).
    pub group: bool,
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
    pub client_present: bool,
    pub group: bool,
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
    /// The distance the phone suggests for the two places
    /// ([`UppsokStore::suggest_km`](super::UppsokStore::suggest_km): the team's earlier trips,
    /// else the straight line × 1.15), worked out when the trip is saved. `confirmed`: the
    /// driver has checked it against the road they drove; a month with an unconfirmed
    /// suggestion cannot be approved for payment, so confirm now or later with
    /// [`UppsokStore::confirm_trip`](super::UppsokStore::confirm_trip).
    Suggested { confirmed: bool },
    /// The distance as the saved trip has it — measured by GPS (with its track's figures),
    /// from the odometer, typed or suggested (and whether confirmed): an edit of the places,
    /// the errand or whom was visited keeps it. Only with `id` naming a trip on the phone.
    AsSaved,
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
    /// The trip starts at the driver's home rather than the workplace: only the part beyond
    /// the driver's home–workplace distance is paid (the server knows that distance).
    #[uniffi(default = false)]
    pub from_home: bool,
}

/// A distance the phone can suggest for a trip between two places.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TripSuggestion {
    /// Rounded to 0.1 km.
    pub km: f64,
    /// The suggestion is the median of this many earlier trips between the places (either
    /// direction); 0 when there were none and it is the straight line × the detour factor.
    pub earlier_trips: i32,
    /// The straight-line km, when that is what the suggestion comes from.
    pub straight_km: Option<f64>,
}

/// What a GPS trip keeps of its track.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GpsInfo {
    pub share_estimated: f64,
    pub fixes_used: i64,
    pub fixes_dropped: i64,
    /// The recorder's grade; absent on trips saved before it was kept.
    pub grade: Option<QualityGrade>,
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
    /// From the driver's home (the home–workplace distance is deducted from the paid km).
    #[uniffi(default = false)]
    pub from_home: bool,
    /// A suggested distance the driver has confirmed.
    #[uniffi(default = false)]
    pub distance_confirmed: bool,
    /// A suggested distance the driver has not confirmed yet: it holds up the month's
    /// approval until they do ([`UppsokStore::confirm_trip`](super::UppsokStore::confirm_trip)).
    #[uniffi(default = false)]
    pub awaits_confirmation: bool,
    /// A GPS distance the recorder could not vouch for, with its grade (fair or poor): the
    /// trip list says so and the driver may check it against the odometer.
    #[uniffi(default = None)]
    pub gps_doubt: Option<QualityGrade>,
}

/// The user's trips of one month priced as the payroll office will see them (the same rounding
/// as the körjournal and the payroll file: each trip to 0.1 km, each amount to the öre).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MonthPay {
    pub year: i32,
    /// 1–12.
    pub month: i32,
    pub trips: i32,
    /// Paid km in hundredths (always whole tenths): trips from home less the home–workplace
    /// distance.
    pub centi_km: i64,
    pub amount_ore: i64,
    pub tax_free_ore: i64,
    pub taxable_ore: i64,
    /// Of the amount: the fuel allowance for a benefit car whose driver pays the fuel.
    pub fuel_allowance_ore: i64,
}

impl MonthPay {
    pub(crate) fn from_model(t: &m::mileage::MonthlyTotal<String>) -> Self {
        MonthPay {
            year: t.year,
            // 1–12 and a month's trips: both far below i32::MAX.
            month: i32::try_from(t.month).unwrap_or(i32::MAX),
            trips: i32::try_from(t.trips).unwrap_or(i32::MAX),
            centi_km: t.centi_km,
            amount_ore: t.amount_ore,
            tax_free_ore: t.tax_free_ore,
            taxable_ore: t.taxable_ore,
            fuel_allowance_ore: t.fuel_allowance_ore,
        }
    }
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

fn username(field: &'static str, s: &Option<String>) -> Result<Option<m::Username>> {
    s.as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| m::Username::parse(u).map_err(|e| UppsokError::invalid(field, e.rule)))
        .transpose()
}

impl ClientInput {
    /// The model client. `old` is the client as stored (None for a new one): its team and org
    /// are kept, and so is who recorded the consent when the consent did not change (else the
    /// phone's user recorded it), so an unchanged consent is not an edit of its group.
    pub(crate) fn to_model(
        &self,
        old: Option<&m::Client>,
        profile: &uppsok_device::Profile,
    ) -> Result<m::Client> {
        let state: m::ConsentState = self.consent.into();
        let given = date("consent.date", &self.consent_date)?;
        let scope: m::ConsentScope = self.consent_scope.into();
        let until = date("consent.until", &self.consent_until)?;
        let recorded_by = match old.map(|o| &o.consent) {
            Some(c) if (c.state, c.date, c.scope, c.until) == (state, given, scope, until) => {
                c.recorded_by.clone()
            }
            _ => (state != m::ConsentState::None).then(|| profile.user.clone()),
        };
        Ok(m::Client {
            id: match &self.id {
                Some(id) => parse_id("id", id)?,
                None => m::ClientId::new(),
            },
            team: old.map_or(profile.team, |o| o.team),
            code: m::ClientCode::parse(&self.code)?,
            name: m::PersonName::parse(&self.name)?,
            org: old.map_or(profile.org, |o| o.org),
            phase: self.phase.into(),
            closed_reason: self
                .closed_reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            next_contact: date("next_contact", &self.next_contact)?,
            consent: m::Consent {
                state,
                date: given,
                recorded_by,
                scope,
                until,
            },
            admitted: date("admitted", &self.admitted)?,
            referral: self.referral.map(Into::into),
            contact_person: username("contact_person", &self.contact_person)?,
            deputy: username("deputy", &self.deputy)?,
            closed_on: date("closed_on", &self.closed_on)?,
            closure: self.closure.map(Into::into),
            protected_identity: self.protected_identity,
        })
    }
}

/// What a client's listing adds to the record: the visits on the phone and who is asking.
pub(crate) struct ClientContext<'a> {
    pub user: &'a m::Username,
    /// Start of the client's first visit on the phone.
    pub first_visit: Option<DateTime<Utc>>,
    /// When the record was first made, from its id (UUIDv7), when it is one.
    pub created: Option<DateTime<Utc>>,
    pub last_visit: Option<DateTime<Utc>>,
    pub last_contact: Option<DateTime<Utc>>,
    /// When the record's current revision was written.
    pub revised: Option<DateTime<Utc>>,
}

/// The local day of an instant.
fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono::Local).date_naive()
}

impl ClientItem {
    pub(crate) fn from_model(c: &m::Client, cx: &ClientContext<'_>) -> Self {
        let today = chrono::Local::now().date_naive();
        // The phone does not hold the record's revisions; the earliest trace of the client it
        // does hold (the id's creation time, the current revision, the first visit) is its
        // estimate of the first one.
        let first_seen = [cx.created, cx.revised, cx.first_visit]
            .into_iter()
            .flatten()
            .map(local_day)
            .min()
            .unwrap_or(today);
        let admission = c.admission(first_seen);
        ClientItem {
            id: c.id.to_string(),
            code: c.code.to_string(),
            name: c.name.to_string(),
            phase: c.phase.into(),
            closed_reason: c.closed_reason.clone(),
            next_contact: date_text(c.next_contact),
            consent: c.consent.state.into(),
            consent_date: date_text(c.consent.date),
            consent_scope: c.consent.scope.into(),
            consent_until: date_text(c.consent.until),
            closure: c.closure.map(Into::into),
            closed_on: date_text(c.closed_on),
            admitted: date_text(c.admitted),
            admission: admission.date.format("%Y-%m-%d").to_string(),
            admission_estimated: admission.estimated,
            referral: c.referral.map(Into::into),
            contact_person: c.contact_person.as_ref().map(ToString::to_string),
            deputy: c.deputy.as_ref().map(ToString::to_string),
            protected_identity: c.protected_identity,
            mine: uppsok_device::store::is_my_client(c, cx.user),
            last_visit_ms: cx.last_visit.map(|t| t.timestamp_millis()),
            last_contact_ms: cx.last_contact.map(|t| t.timestamp_millis()),
            days_since_contact: cx
                .last_contact
                .map(|t| (today - local_day(t)).num_days().max(0)),
        }
    }
}

/// The input that saves `client` exactly as it is: what an edit starts from, so that changing
/// one field changes only that field (the estimated admission stays unrecorded).
#[uniffi::export]
pub fn client_edit_input(client: ClientItem) -> ClientInput {
    ClientInput {
        id: Some(client.id),
        code: client.code,
        name: client.name,
        phase: client.phase,
        closure: client.closure,
        closed_on: client.closed_on,
        closed_reason: client.closed_reason,
        next_contact: client.next_contact,
        consent: client.consent,
        consent_date: client.consent_date,
        consent_scope: client.consent_scope,
        consent_until: client.consent_until,
        admitted: client.admitted,
        referral: client.referral,
        contact_person: client.contact_person,
        deputy: client.deputy,
        protected_identity: client.protected_identity,
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
            client_present: self.client_present,
            group: self.group,
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
            client_present: v.client_present,
            group: v.group,
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
    /// The trip as the model has it; `suggested_km` is the store's suggestion, needed (and
    /// used) only for [`TripDistance::Suggested`], and `saved` the trip as stored, only for
    /// [`TripDistance::AsSaved`].
    pub(crate) fn to_model(
        &self,
        driver: &m::Username,
        suggested_km: Option<f64>,
        saved: Option<&m::Trip>,
    ) -> Result<m::Trip> {
        let mut confirmed = false;
        let mut gps = None;
        let (km, source, odometer_start, odometer_end) = match self.distance {
            TripDistance::AsSaved => {
                let t = saved.ok_or_else(|| {
                    UppsokError::invalid("distance", "can be kept only when editing a saved trip")
                })?;
                confirmed = t.distance_confirmed;
                gps = t.gps;
                (t.km, t.distance_source, t.odometer_start, t.odometer_end)
            }
            TripDistance::Manual { km } => (km, m::DistanceSource::Manual, None, None),
            TripDistance::Suggested { confirmed: c } => {
                confirmed = c;
                let km = suggested_km.ok_or_else(|| {
                    UppsokError::invalid(
                        "distance",
                        "no distance can be suggested between these places; type the km",
                    )
                })?;
                (km, m::DistanceSource::Suggested, None, None)
            }
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
            gps,
            distance_confirmed: confirmed,
            from_home: self.from_home,
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
                grade: g.grade.map(Into::into),
            }),
            from_home: t.from_home,
            distance_confirmed: t.distance_confirmed,
            awaits_confirmation: t.awaits_confirmation(),
            gps_doubt: t.gps_doubt().map(Into::into),
        }
    }
}

impl TripSuggestion {
    pub(crate) fn from_model(s: &m::mileage::Suggestion) -> Self {
        let (earlier_trips, straight_km) = match s.basis {
            m::mileage::SuggestionBasis::TeamMedian { trips } => {
                (i32::try_from(trips).unwrap_or(i32::MAX), None)
            }
            m::mileage::SuggestionBasis::StraightLine { straight_km, .. } => (0, Some(straight_km)),
        };
        TripSuggestion {
            km: s.km,
            earlier_trips,
            straight_km,
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
