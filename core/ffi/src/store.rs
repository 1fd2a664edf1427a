//! [`UppsokStore`]: the object the app holds for the whole session — the open, unlocked store
//! with every read and write the screens need.
//!
//! Thread-safe: the object is shared as an `Arc` and every method takes `&self`. The store sits
//! behind a read-write lock only so that [`UppsokStore::wipe`] can take it away while other
//! calls wait; ordinary calls share the read side and the store serialises its own SQLite work.
//! Every method blocks (SQLite with fsync, the key provider, and for sync the network): the app
//! calls them off the UI thread (`Dispatchers.IO` on Android, a `Task` on iOS).

use super::error::{Result, UppsokError};
use super::keys::{ForeignKeys, PlatformKeyProvider};
use super::recording::{RecordingState, TripRecording, TripStart};
use super::sync::{self, EnrolResult, SyncHandle, SyncReport, SyncStatus};
use super::types::*;
use chrono::{DateTime, Local, NaiveTime, Utc};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use uppsok_device::Profile;
use uppsok_device::store::{Store, TripFilter, VisitFilter};
use uppsok_model as m;

/// What the store object and its trip recording handles share.
pub(crate) struct Shared {
    store: RwLock<Option<Store>>,
    pub(crate) recording: Mutex<Option<RecordingState>>,
    pub(crate) sync: SyncHandle,
    path: PathBuf,
}

impl Shared {
    /// Run `f` on the open store, or fail with [`UppsokError::Wiped`] after a wipe. Never call
    /// it from inside `f`: a waiting wipe would then deadlock the nested read.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let guard = self.store.read().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(store) => f(store),
            None => Err(UppsokError::Wiped),
        }
    }

    pub(crate) fn recording(&self) -> MutexGuard<'_, Option<RecordingState>> {
        // A panic while the lock was held left the recorder in its last pushed state, which is
        // still a consistent recorder.
        self.recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The encrypted store on this phone. Create it once (first run), open it on every start.
#[derive(uniffi::Object)]
pub struct UppsokStore {
    pub(crate) shared: Arc<Shared>,
}

/// Whether a store exists at `path` (without unlocking it): decides between the enrolment and
/// the unlock screen.
#[uniffi::export]
pub fn store_exists(path: String) -> bool {
    Store::exists(&path)
}

/// Wipe the store at `path` without its key (a lost key, a reset keystore): the wrapped data
/// key is destroyed first, then the files.
#[uniffi::export]
pub fn wipe_store_at(path: String) -> Result<()> {
    Ok(Store::wipe_at(&path)?)
}

/// Places whose name starts with `prefix` (case, å/ä/ö and spacing ignored), larger first.
#[uniffi::export]
pub fn search_gazetteer(prefix: String, limit: i32) -> Vec<GazetteerHit> {
    let limit = usize::try_from(limit).unwrap_or(0);
    m::gazetteer::search(&prefix, limit)
        .into_iter()
        .map(|p| GazetteerHit {
            name: p.name.to_owned(),
            lat: p.lat,
            lon: p.lon,
            population: i64::from(p.population),
            county: p.admin1.to_owned(),
        })
        .collect()
}

/// The core library's version, for the settings screen and bug reports.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A range bound; one outside what a date can hold is no bound at all.
fn bound(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

fn local_midnight(day: chrono::NaiveDate) -> DateTime<Utc> {
    // A midnight that does not exist locally (a DST gap) falls back to UTC midnight; Swedish
    // clocks change at 02:00/03:00, so this never happens there.
    day.and_time(NaiveTime::MIN)
        .and_local_timezone(Local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_time(NaiveTime::MIN).and_utc())
}

impl UppsokStore {
    fn new(store: Store, path: PathBuf) -> Arc<Self> {
        Arc::new(UppsokStore {
            shared: Arc::new(Shared {
                store: RwLock::new(Some(store)),
                recording: Mutex::new(None),
                sync: SyncHandle::new(),
                path,
            }),
        })
    }

    fn client_codes(store: &Store) -> Result<HashMap<m::ClientId, String>> {
        Ok(store
            .clients()?
            .into_iter()
            .map(|c| (c.id, c.code.to_string()))
            .collect())
    }

    fn visits_where(&self, filter: VisitFilter) -> Result<Vec<VisitItem>> {
        self.shared.with(|s| {
            let codes = Self::client_codes(s)?;
            Ok(s.visits(&filter)?
                .iter()
                .map(|v| VisitItem::from_model(v, codes.get(&v.client).cloned()))
                .collect())
        })
    }

    fn client_items(s: &Store) -> Result<Vec<ClientItem>> {
        let user = s.profile()?.user;
        let mut first_visit: HashMap<m::ClientId, DateTime<Utc>> = HashMap::new();
        let mut last_visit: HashMap<m::ClientId, DateTime<Utc>> = HashMap::new();
        let mut last_contact: HashMap<m::ClientId, DateTime<Utc>> = HashMap::new();
        for v in s.visits(&VisitFilter::default())? {
            // Visits come ordered by start: the first one seen is the oldest, the last the newest.
            first_visit.entry(v.client).or_insert(v.start);
            last_visit.insert(v.client, v.start);
            if v.reached_client() {
                last_contact.insert(v.client, v.start);
            }
        }
        let revised = s.client_revisions()?;
        Ok(s.clients()?
            .iter()
            .map(|c| {
                ClientItem::from_model(
                    c,
                    &ClientContext {
                        user: &user,
                        first_visit: first_visit.get(&c.id).copied(),
                        created: created(c.id),
                        last_visit: last_visit.get(&c.id).copied(),
                        last_contact: last_contact.get(&c.id).copied(),
                        revised: revised.get(&c.id).copied(),
                    },
                )
            })
            .collect())
    }

    fn save_client(&self, input: ClientInput, must_exist: bool) -> Result<ClientItem> {
        self.shared.with(|s| {
            let profile = s.profile()?;
            let old = match &input.id {
                Some(id) => match s.client(parse_id("id", id)?) {
                    Ok(old) => Some(old),
                    Err(e) if must_exist => return Err(e.into()),
                    Err(_) => None,
                },
                None if must_exist => {
                    return Err(UppsokError::invalid("id", "is needed to edit a client"));
                }
                None => None,
            };
            let client = input.to_model(old.as_ref(), &profile)?;
            s.save_client(&client)?;
            let items = Self::client_items(s)?;
            items
                .into_iter()
                .find(|c| c.id == client.id.to_string())
                .ok_or(UppsokError::NotFound {
                    what: "client".into(),
                })
        })
    }
}

/// A client code as people type it in a trip's "visited": case, dashes and spaces and the
/// leading zeros of a number do not matter ("k17" and "K-017" are one code, "K-170" another).
fn code_key(text: &str) -> String {
    let mut key = String::new();
    let mut in_number = false;
    for ch in text.chars().filter(|c| c.is_alphanumeric()) {
        let digit = ch.is_ascii_digit();
        if digit && !in_number && ch == '0' {
            continue;
        }
        in_number = digit;
        key.extend(ch.to_uppercase());
    }
    key
}

/// Logs that a client's history (visits, outcomes) is shown; nothing for an id the phone does
/// not hold (the listing is empty then).
pub(crate) fn log_history(s: &Store, client: m::ClientId) -> Result<()> {
    if s.client(client).is_ok() {
        s.log_access(client, m::AccessKind::OpenHistory)?;
    }
    Ok(())
}

/// When a client record was first made, read from its id: ids are UUIDv7, whose first 48 bits
/// are the creation time. `None` for an id of another kind.
fn created(id: m::ClientId) -> Option<DateTime<Utc>> {
    let (secs, nanos) = id.0.get_timestamp()?.to_unix();
    DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
}

#[uniffi::export]
impl UppsokStore {
    /// Create a new store at `path` (a file in the app's private directory) for `username`,
    /// with a fresh data key wrapped by the provider's key. Blocks: call off the UI thread.
    #[uniffi::constructor]
    pub fn create(
        path: String,
        username: String,
        keys: Arc<dyn PlatformKeyProvider>,
    ) -> Result<Arc<Self>> {
        let user = m::Username::parse(&username)?;
        if let Some(dir) = std::path::Path::new(&path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(uppsok_device::DeviceError::from)?;
        }
        let store = Store::create(&path, &ForeignKeys(keys), &Profile::local(user))?;
        Ok(Self::new(store, PathBuf::from(path)))
    }

    /// Open and unlock the store at `path`. `WrongKey` when the key does not fit, `NoStore`
    /// when there is none, `KeyProvider` when the provider failed. Blocks.
    #[uniffi::constructor]
    pub fn open(path: String, keys: Arc<dyn PlatformKeyProvider>) -> Result<Arc<Self>> {
        let store = Store::open(&path, &ForeignKeys(keys))?;
        Ok(Self::new(store, PathBuf::from(path)))
    }

    /// Who uses the phone, the team's code pattern and the server.
    pub fn profile(&self) -> Result<ProfileInfo> {
        self.shared.with(|s| {
            let enrolled = uppsok_device::sync::status(s)?.enrolled;
            Ok(ProfileInfo::from_model(&s.profile()?, enrolled))
        })
    }

    // ----- clients -----

    /// Add a client (`input.id` null, or an id made by the app).
    pub fn add_client(&self, input: ClientInput) -> Result<ClientItem> {
        self.save_client(input, false)
    }

    /// Change a client; `input.id` must name one on the phone.
    pub fn edit_client(&self, input: ClientInput) -> Result<ClientItem> {
        self.save_client(input, true)
    }

    /// One client, as its page shows it. Logged in the phone's access log as an opening of
    /// the client (a repeat within a minute is not logged again).
    pub fn client(&self, id: String) -> Result<ClientItem> {
        let id: m::ClientId = parse_id("id", &id)?;
        self.shared.with(|s| {
            s.client(id)?;
            // Before the data is handed out, as the server logs its reads.
            s.log_access(id, m::AccessKind::OpenClient)?;
            Self::client_items(s)?
                .into_iter()
                .find(|c| c.id == id.to_string())
                .ok_or(UppsokError::NotFound {
                    what: "client".into(),
                })
        })
    }

    /// All clients by code, each with the days since the last contact that reached them.
    pub fn clients(&self) -> Result<Vec<ClientItem>> {
        self.shared.with(Self::client_items)
    }

    /// Open clients for the first step of logging a visit: the user's own ("my clients": the
    /// user is their contact person or deputy) first, each part by the most recent visit on the
    /// phone (attempts count), then by code; closed clients last. At most `limit`.
    pub fn recent_clients(&self, limit: i32) -> Result<Vec<ClientItem>> {
        let mut items = self.clients()?;
        items.sort_by(|a, b| {
            (a.phase == Phase::Closed)
                .cmp(&(b.phase == Phase::Closed))
                .then(b.mine.cmp(&a.mine))
                .then(b.last_visit_ms.cmp(&a.last_visit_ms))
                .then(a.code.cmp(&b.code))
        });
        items.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(items)
    }

    /// The user's own clients (contact person or deputy), open ones, by code: the "Mina
    /// klienter" list.
    pub fn my_clients(&self) -> Result<Vec<ClientItem>> {
        Ok(self
            .clients()?
            .into_iter()
            .filter(|c| c.mine && c.phase != Phase::Closed)
            .collect())
    }

    // ----- visits -----

    /// Log a visit (or, with `input.id`, change one). The phone's user is the author.
    pub fn log_visit(&self, input: VisitInput) -> Result<VisitItem> {
        self.shared.with(|s| {
            let profile = s.profile()?;
            let visit = input.to_model(&profile.user)?;
            s.save_visit(&visit)?;
            let code = s.client(visit.client).ok().map(|c| c.code.to_string());
            Ok(VisitItem::from_model(&visit, code))
        })
    }

    pub fn delete_visit(&self, id: String) -> Result<()> {
        let id: m::VisitId = parse_id("id", &id)?;
        self.shared.with(|s| Ok(s.delete_visit(id).map(|_| ())?))
    }

    /// A client's visits, oldest first: the client's history, logged in the phone's access
    /// log (a repeat within a minute is not logged again).
    pub fn visits_for_client(&self, client_id: String) -> Result<Vec<VisitItem>> {
        let client = parse_id("client", &client_id)?;
        self.shared.with(|s| log_history(s, client))?;
        self.visits_where(VisitFilter {
            client: Some(client),
            ..VisitFilter::default()
        })
    }

    /// Visits starting in `[from_ms, before_ms)`, oldest first. A bound beyond the calendar's
    /// range (e.g. `Long.MAX_VALUE`) means no bound.
    pub fn visits_between(&self, from_ms: i64, before_ms: i64) -> Result<Vec<VisitItem>> {
        self.visits_where(VisitFilter {
            client: None,
            from: bound(from_ms),
            before: bound(before_ms),
        })
    }

    /// Today's visits in the phone's time zone, oldest first.
    pub fn visits_today(&self) -> Result<Vec<VisitItem>> {
        let today = Local::now().date_naive();
        let tomorrow = today.succ_opt().unwrap_or(today);
        self.visits_where(VisitFilter {
            client: None,
            from: Some(local_midnight(today)),
            before: Some(local_midnight(tomorrow)),
        })
    }

    // ----- trips -----

    /// Log a trip with a typed distance or odometer readings (or change one, with `input.id`).
    pub fn log_trip(&self, input: TripInput) -> Result<TripItem> {
        self.shared.with(|s| {
            let profile = s.profile()?;
            let suggested = match input.distance {
                TripDistance::Suggested { .. } => {
                    uppsok_device::trips::suggest_km(s, &input.from_place, &input.to_place)?
                        .map(|g| g.km)
                }
                _ => None,
            };
            let saved = match (&input.distance, &input.id) {
                (TripDistance::AsSaved, Some(id)) => Some(s.trip(parse_id("id", id)?)?),
                _ => None,
            };
            let trip = input.to_model(&profile.user, suggested, saved.as_ref())?;
            s.save_trip(&trip)?;
            Ok(TripItem::from_model(&trip))
        })
    }

    /// The user's trips of `month` (1–12) of `year`, priced as the payroll office will see
    /// them, with the organisation's rates and the user's home–workplace distance the server
    /// sent at sync; `null` before a sync brought them (the apps then show km only).
    pub fn month_pay(&self, year: i32, month: i32) -> Result<Option<MonthPay>> {
        let month = u32::try_from(month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| UppsokError::invalid("month", "must be 1–12"))?;
        self.shared.with(|s| {
            Ok(uppsok_device::pay::month(s, year, month)?
                .as_ref()
                .map(MonthPay::from_model))
        })
    }

    /// A client's trips, oldest first: those linked to one of the client's contacts on the
    /// phone, or whose "visited" is the client's code. Part of the client's history, so logged
    /// as its opening, like [`Self::visits_for_client`] (a repeat within a minute is not
    /// logged again); empty for an id the phone does not hold.
    pub fn trips_for_client(&self, client_id: String) -> Result<Vec<TripItem>> {
        let client: m::ClientId = parse_id("client", &client_id)?;
        self.shared.with(|s| {
            let Ok(c) = s.client(client) else {
                return Ok(Vec::new());
            };
            s.log_access(client, m::AccessKind::OpenHistory)?;
            let contacts: HashSet<m::VisitId> = s
                .visits(&VisitFilter {
                    client: Some(client),
                    ..VisitFilter::default()
                })?
                .iter()
                .map(|v| v.id)
                .collect();
            let code = code_key(c.code.as_str());
            let to_client = |t: &m::Trip| {
                t.visits.iter().any(|v| contacts.contains(v))
                    || t.visited.as_deref().is_some_and(|v| code_key(v) == code)
            };
            Ok(s.trips(&TripFilter::default())?
                .iter()
                .filter(|t| to_client(t))
                .map(TripItem::from_model)
                .collect())
        })
    }

    /// The distance the phone would suggest between two places (the team's earlier trips
    /// between them, else the straight line × 1.15), or `null` when it knows neither place.
    pub fn suggest_km(
        &self,
        from_place: String,
        to_place: String,
    ) -> Result<Option<TripSuggestion>> {
        self.shared.with(|s| {
            Ok(uppsok_device::trips::suggest_km(s, &from_place, &to_place)?
                .as_ref()
                .map(TripSuggestion::from_model))
        })
    }

    /// The driver confirms a trip's suggested distance (it matches the road they drove), so
    /// the month can be approved. A wrong suggestion is corrected by saving the trip with
    /// typed km instead. Refused for measured or typed km, naming `distance_source`.
    pub fn confirm_trip(&self, id: String) -> Result<TripItem> {
        let id: m::TripId = parse_id("id", &id)?;
        self.shared.with(|s| {
            Ok(TripItem::from_model(&uppsok_device::trips::confirm_trip(
                s, id,
            )?))
        })
    }

    pub fn delete_trip(&self, id: String) -> Result<()> {
        let id: m::TripId = parse_id("id", &id)?;
        self.shared.with(|s| Ok(s.delete_trip(id).map(|_| ())?))
    }

    /// Trips starting in `[from_ms, before_ms)`, oldest first (bounds as in `visits_between`).
    pub fn trips_between(&self, from_ms: i64, before_ms: i64) -> Result<Vec<TripItem>> {
        let filter = TripFilter {
            from: bound(from_ms),
            before: bound(before_ms),
        };
        self.shared
            .with(|s| Ok(s.trips(&filter)?.iter().map(TripItem::from_model).collect()))
    }

    /// Start recording a trip by GPS. Only one trip records at a time.
    pub fn start_trip(&self, start: TripStart) -> Result<Arc<TripRecording>> {
        TripRecording::start(&self.shared, start)
    }

    /// The trip being recorded, if any — also after the app was killed and restarted.
    pub fn active_trip(&self) -> Result<Option<Arc<TripRecording>>> {
        TripRecording::resume(&self.shared)
    }

    // ----- colleagues -----

    /// The colleagues of the user's teams by name, as the server last listed them (fetched
    /// after a sync, at most twice a day); empty before the first. A visit names only these
    /// as present.
    pub fn team_members(&self) -> Result<Vec<TeamMemberItem>> {
        self.shared.with(|s| {
            let mut members: Vec<TeamMemberItem> = s
                .team_roster()?
                .map(|r| r.members)
                .unwrap_or_default()
                .into_iter()
                .map(|m| TeamMemberItem {
                    username: m.username,
                    name: m.name,
                })
                .collect();
            members.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(members)
        })
    }

    // ----- places -----

    /// The team's places, by name.
    pub fn places(&self) -> Result<Vec<PlaceItem>> {
        self.shared
            .with(|s| Ok(s.places()?.iter().map(PlaceItem::from_model).collect()))
    }

    /// Add a place to the team's list (typically a gazetteer hit).
    pub fn add_place(&self, name: String, lat: f64, lon: f64) -> Result<PlaceItem> {
        self.shared.with(|s| {
            let profile = s.profile()?;
            let place = m::Place {
                id: m::PlaceId::new(),
                name: m::PlaceName::parse(&name)?,
                lat,
                lon,
                team: Some(profile.team),
            };
            s.save_place(&place)?;
            Ok(PlaceItem::from_model(&place))
        })
    }

    // ----- sync -----

    /// Enrol this phone with the server using the one-time code an administrator printed
    /// (typed or scanned from the QR code). Records logged before are re-stamped for the
    /// enrolled user and team. Blocks on the network.
    pub fn enrol(
        &self,
        server_url: String,
        code: String,
        device_name: Option<String>,
    ) -> Result<EnrolResult> {
        self.shared.with(|s| {
            self.shared
                .sync
                .enrol(s, &server_url, &code, device_name.as_deref())
        })
    }

    /// Send waiting changes and fetch the team's, until both sides are drained. Blocks on the
    /// network (seconds on a weak link); a second call waits for the first. A `wipe` order
    /// from the server wipes the phone and ends in [`UppsokError::Wiped`]; later calls on this
    /// object fail with `Wiped` too.
    pub fn sync_now(&self) -> Result<SyncReport> {
        let outcome = self.shared.with(|s| self.shared.sync.sync_now(s));
        if let Err(UppsokError::Wiped) = outcome {
            // Sync already destroyed the key and the files; drop the dead handle.
            self.wipe_inner()?;
        }
        outcome
    }

    /// Whether the backoff after failures allows an automatic sync now (background schedulers
    /// ask first; "sync now" does not).
    pub fn sync_due(&self) -> Result<bool> {
        self.shared.with(|s| self.shared.sync.due(s))
    }

    /// Changes waiting, rejected changes with their reasons, the last sync and the last error.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.shared.with(sync::status)
    }

    /// Put a rejected change back in line (after the user fixed the record).
    pub fn retry_rejected(&self, change_id: String) -> Result<()> {
        let id: m::ChangeId = parse_id("change_id", &change_id)?;
        self.shared
            .with(|s| Ok(uppsok_device::sync::retry_rejected(s, id)?))
    }

    /// Drop a rejected change for good (the user gave up on it).
    pub fn discard_rejected(&self, change_id: String) -> Result<()> {
        let id: m::ChangeId = parse_id("change_id", &change_id)?;
        self.shared
            .with(|s| Ok(uppsok_device::sync::discard_rejected(s, id)?))
    }

    // ----- damaged records -----

    /// How many records the lists left out so far because they could not be read (damaged
    /// storage or an altered file): the app says "N poster kunde inte läsas" and offers
    /// [`UppsokStore::repair_damaged`]. `full_scan` checks every record (slower) instead of
    /// counting what listings met.
    pub fn damaged_records(&self, full_scan: bool) -> Result<i64> {
        self.shared.with(|s| {
            let n = if full_scan {
                s.scan_damaged()?.len()
            } else {
                s.damaged_records().len()
            };
            Ok(i64::try_from(n).unwrap_or(i64::MAX))
        })
    }

    /// Rewrites damaged records from their changes still waiting to be sent, removes the
    /// others and has the next sync fetch the server's copies; returns how many were repaired.
    pub fn repair_damaged(&self) -> Result<i64> {
        self.shared
            .with(|s| Ok(i64::try_from(s.repair_damaged()?).unwrap_or(i64::MAX)))
    }

    // ----- wipe -----

    /// Destroy everything on the phone: the data key first (crypto-shredding), then the files.
    /// Later calls on this object fail with `Wiped`.
    pub fn wipe(&self) -> Result<()> {
        self.wipe_inner()
    }
}

impl UppsokStore {
    fn wipe_inner(&self) -> Result<()> {
        // Take the store under the write lock (waiting for calls in flight), then release the
        // lock before touching the recording, so no lock is ever held while taking the other.
        let taken = self
            .shared
            .store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        *self.shared.recording() = None;
        match taken {
            // After a remote wipe the files are already gone; wiping by path finds nothing.
            Some(store) if Store::exists(&self.shared.path) => Ok(store.wipe()?),
            _ => Ok(Store::wipe_at(&self.shared.path)?),
        }
    }
}
