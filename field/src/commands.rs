//! What each `uppsok field` command does, as plain functions over an open [`Store`] (or a home
//! directory), without a process, a terminal or clap: the tests call these directly, and the
//! clap layer in `mod.rs` only parses, opens and prints.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use uppsok_device::{DeviceError, KeyProvider, Profile, Store, StoreStatus, VisitFilter};
use uppsok_model::{
    AccessKind, Client, ClientCode, ClientId, ClosureReason, Consent, ConsentScope, ConsentState,
    ContactKind, Note, PersonName, Phase, PlaceName, Referral, Setting, Username, ValidationError,
    Visit, VisitId,
};

/// Why a field command failed. Every message is one line for a person and holds no names,
/// notes or places.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    /// A failure the message explains (no store yet, an unreadable file…).
    #[error("{0}")]
    Usage(String),
    /// The command line lacks something only the caller can add (`--yes`, `--month`).
    #[error("{0}")]
    CommandLine(String),
}

impl FieldError {
    pub fn is_wrong_key(&self) -> bool {
        matches!(self, FieldError::Device(DeviceError::WrongKey))
    }

    /// The command line was wrong (exit 64, like clap's own refusals).
    pub fn is_usage(&self) -> bool {
        matches!(self, FieldError::CommandLine(_))
    }
}

pub type Result<T> = std::result::Result<T, FieldError>;

/// The store file inside a field home directory.
pub fn store_path(home: &Path) -> PathBuf {
    home.join("uppsok.db")
}

/// A username from the login name: lowercase, only the characters usernames may hold.
pub fn sanitise_username(raw: &str) -> Option<Username> {
    let s: String = raw
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'ö' => 'o',
            c => c,
        })
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        .take(32)
        .collect();
    Username::parse(s).ok()
}

/// `init`: create the home directory and a store with a local profile.
pub fn init(home: &Path, provider: &dyn KeyProvider, user: Option<&str>) -> Result<Profile> {
    let user = match user {
        Some(u) => Username::parse(u)?,
        None => std::env::var("USER")
            .ok()
            .and_then(|u| sanitise_username(&u))
            // "field" is 5 lowercase letters, which every username rule accepts.
            .unwrap_or_else(|| Username::parse("field").expect("'field' is a valid username")),
    };
    std::fs::create_dir_all(home).map_err(DeviceError::from)?;
    make_private(home)?;
    let profile = Profile::local(user);
    Store::create(store_path(home), provider, &profile)?;
    make_private(home)?;
    Ok(profile)
}

/// The home directory 0700 and every file in it 0600: the store is encrypted, but its size,
/// times and the client-code index are nobody else's business on a shared computer. SQLite
/// creates its `-wal` and `-shm` files with the database file's mode, so they follow.
pub fn make_private(home: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |p: &Path, mode: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
                .map_err(|e| FieldError::Usage(format!("cannot make {} private: {e}", p.display())))
        };
        set(home, 0o700)?;
        let entries = std::fs::read_dir(home)
            .map_err(|e| FieldError::Usage(format!("cannot read {}: {e}", home.display())))?;
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                set(&entry.path(), 0o600)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = home;
    Ok(())
}

/// Local wall-clock time as typed (`2026-11-20T10:00`, seconds optional, `T` or a space), or an
/// RFC 3339 time with its offset.
pub fn parse_local_time(field: &'static str, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .ok_or_else(|| ValidationError::new(field, "must be a local time like 2026-11-20T10:00"))?;
    local_to_utc(field, naive)
}

fn local_to_utc(field: &'static str, naive: NaiveDateTime) -> Result<DateTime<Utc>> {
    // In the autumn hour that occurs twice, take the earlier; in the spring gap there is none.
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            ValidationError::new(field, "does not exist in local time (clocks moved forward)")
                .into()
        })
}

pub fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| ValidationError::new(field, "must be a date like 2026-11-20").into())
}

/// Midnight at the start of a local day.
fn local_midnight(field: &'static str, d: NaiveDate) -> Result<DateTime<Utc>> {
    local_to_utc(field, d.and_time(chrono::NaiveTime::MIN))
}

// ----- clients -----

/// Input of `client add` / `client edit`; `None` leaves a field as it is (or at its default),
/// and an empty text clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ClientInput {
    pub name: Option<String>,
    pub consent: Option<String>,
    pub consent_scope: Option<String>,
    pub consent_until: Option<String>,
    pub phase: Option<String>,
    pub next_contact: Option<String>,
    pub closed_reason: Option<String>,
    pub closure: Option<String>,
    pub closed_on: Option<String>,
    pub admitted: Option<String>,
    pub referral: Option<String>,
    pub contact_person: Option<String>,
    pub deputy: Option<String>,
    pub protected: Option<bool>,
}

/// An optional value as typed: empty text clears it.
fn optional<T>(
    s: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T>,
) -> Result<Option<Option<T>>> {
    s.as_deref()
        .map(|t| {
            if t.trim().is_empty() {
                Ok(None)
            } else {
                parse(t).map(Some)
            }
        })
        .transpose()
}

fn username(field: &'static str, s: &str) -> Result<Username> {
    Username::parse(s.trim()).map_err(|e| ValidationError::new(field, e.rule).into())
}

/// `contacts` or `contacts_and_outcomes` (the wire names).
fn consent_scope(s: &str) -> Result<ConsentScope> {
    match s.trim() {
        "contacts" => Ok(ConsentScope::Contacts),
        "contacts_and_outcomes" => Ok(ConsentScope::ContactsAndOutcomes),
        _ => Err(ValidationError::new(
            "consent_scope",
            "must be contacts or contacts_and_outcomes",
        )
        .into()),
    }
}

fn apply_client_input(store: &Store, c: &mut Client, input: &ClientInput) -> Result<()> {
    let today = Local::now().date_naive();
    if let Some(n) = &input.name {
        c.name = PersonName::parse(n)?;
    }
    let mut closing = false;
    if let Some(p) = &input.phase {
        let phase = p.parse::<Phase>()?;
        if phase != Phase::Closed {
            c.closed_reason = None;
            c.closure = None;
            c.closed_on = None;
        } else if c.phase != Phase::Closed {
            // Closed today unless the day is given.
            c.closed_on = Some(today);
            closing = true;
        }
        c.phase = phase;
    }
    if let Some(r) = &input.closed_reason {
        c.closed_reason = Some(r.trim().to_owned()).filter(|r| !r.is_empty());
    }
    if let Some(v) = optional(&input.closure, |t| Ok(t.parse::<ClosureReason>()?))? {
        c.closure = v;
    }
    if let Some(v) = optional(&input.closed_on, |t| parse_date("closed_on", t))? {
        c.closed_on = v;
    }
    // The model still reads a closure with text only (records from before reasons were coded);
    // a client closed now gets a coded reason.
    if closing && c.closure.is_none() {
        return Err(ValidationError::new(
            "closure",
            "is required when the phase is closed (goal_reached, stepped_down, moved, declined, died, transferred or other)",
        )
        .into());
    }
    if let Some(v) = optional(&input.next_contact, |t| parse_date("next_contact", t))? {
        c.next_contact = v;
    }
    if let Some(v) = optional(&input.admitted, |t| parse_date("admitted", t))? {
        c.admitted = v;
    }
    if let Some(v) = optional(&input.referral, |t| Ok(t.parse::<Referral>()?))? {
        c.referral = v;
    }
    if let Some(v) = optional(&input.contact_person, |t| username("contact_person", t))? {
        c.contact_person = v;
    }
    if let Some(v) = optional(&input.deputy, |t| username("deputy", t))? {
        c.deputy = v;
    }
    if let Some(p) = input.protected {
        c.protected_identity = p;
    }
    let before = c.consent.clone();
    if let Some(s) = &input.consent {
        let state: ConsentState = s.parse()?;
        if state != c.consent.state {
            c.consent = Consent {
                state,
                date: (state != ConsentState::None).then_some(today),
                ..Consent::default()
            };
        }
    }
    if let Some(s) = &input.consent_scope {
        c.consent.scope = consent_scope(s)?;
    }
    if let Some(v) = optional(&input.consent_until, |t| parse_date("consent.until", t))? {
        c.consent.until = v;
    }
    if c.consent != before {
        // Whoever changes the consent records it.
        c.consent.recorded_by = Some(store.profile()?.user);
    }
    Ok(())
}

pub fn client_add(store: &Store, code: &str, input: &ClientInput) -> Result<Client> {
    let profile = store.profile()?;
    let name = input
        .name
        .as_deref()
        .ok_or_else(|| ValidationError::new("name", "is required"))?;
    let mut c = Client {
        id: ClientId::new(),
        team: profile.team,
        code: ClientCode::parse(code)?,
        name: PersonName::parse(name)?,
        org: profile.org,
        phase: Phase::Intake,
        closed_reason: None,
        next_contact: None,
        consent: Consent::default(),
        // A new client's care starts today unless `--admitted` says otherwise.
        admitted: Some(Local::now().date_naive()),
        referral: None,
        contact_person: None,
        deputy: None,
        closed_on: None,
        closure: None,
        protected_identity: false,
    };
    apply_client_input(store, &mut c, input)?;
    store.save_client(&c)?;
    Ok(c)
}

pub fn find_client(store: &Store, code: &str) -> Result<Client> {
    let code = ClientCode::parse(code)?;
    store.client_by_code(&code)?.ok_or_else(|| {
        ValidationError::new("client", "no client with this code on the device").into()
    })
}

pub fn client_edit(
    store: &Store,
    code: &str,
    new_code: Option<&str>,
    input: &ClientInput,
) -> Result<Client> {
    let mut c = find_client(store, code)?;
    if let Some(nc) = new_code {
        c.code = ClientCode::parse(nc)?;
    }
    apply_client_input(store, &mut c, input)?;
    store.save_client(&c)?;
    Ok(c)
}

/// Every client by code, or with `mine` only the user's own (contact person or deputy).
pub fn client_list(store: &Store, mine: bool) -> Result<Vec<Client>> {
    if mine {
        Ok(store.my_clients(&store.profile()?.user)?)
    } else {
        Ok(store.clients()?)
    }
}

// ----- visits -----

/// Input of `visit add` / `visit edit`, as typed.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    pub client: Option<String>,
    pub start: Option<String>,
    pub minutes: Option<u16>,
    pub contact: Option<String>,
    pub setting: Option<String>,
    pub place: Option<String>,
    pub with: Option<Vec<String>>,
    pub network: Option<bool>,
    /// Whether the client took part; `Some(false)` is a network-only contact.
    pub client_present: Option<bool>,
    pub group: Option<bool>,
    pub note: Option<String>,
}

fn apply_visit_input(store: &Store, v: &mut Visit, input: &VisitInput) -> Result<()> {
    if let Some(code) = &input.client {
        v.client = find_client(store, code)?.id;
    }
    if let Some(s) = &input.start {
        v.start = parse_local_time("start", s)?;
    }
    if let Some(m) = input.minutes {
        v.minutes = m;
    }
    if let Some(c) = &input.contact {
        v.contact = c.parse::<ContactKind>()?;
    }
    if let Some(s) = &input.setting {
        v.setting = if s.trim().is_empty() {
            None
        } else {
            Some(s.parse::<Setting>()?)
        };
    }
    if let Some(p) = &input.place {
        v.place = if p.trim().is_empty() {
            None
        } else {
            Some(PlaceName::parse(p)?)
        };
    }
    if let Some(with) = &input.with {
        let mut staff = vec![v.author.clone()];
        for u in with {
            let u = Username::parse(u).map_err(|e| ValidationError::new("with", e.rule))?;
            if !staff.contains(&u) {
                staff.push(u);
            }
        }
        v.staff = staff;
    }
    if let Some(n) = input.network {
        v.network = n;
    }
    if let Some(p) = input.client_present {
        v.client_present = p;
    }
    if let Some(g) = input.group {
        v.group = g;
    }
    if let Some(n) = &input.note {
        v.note = if n.is_empty() {
            None
        } else {
            Some(Note::parse(n)?)
        };
    }
    Ok(())
}

pub fn visit_add(store: &Store, input: &VisitInput) -> Result<Visit> {
    let author = store.profile()?.user;
    let required = |field: &'static str, present: bool| {
        if present {
            Ok(())
        } else {
            Err(FieldError::from(ValidationError::new(field, "is required")))
        }
    };
    required("client", input.client.is_some())?;
    required("start", input.start.is_some())?;
    required("minutes", input.minutes.is_some())?;
    required("contact", input.contact.is_some())?;
    let mut v = Visit {
        id: VisitId::new(),
        client: ClientId::new(),
        author: author.clone(),
        staff: vec![author],
        start: Utc::now(),
        minutes: 0,
        contact: ContactKind::Attempted,
        setting: None,
        network: false,
        place: None,
        note: None,
        client_present: true,
        group: false,
    };
    apply_visit_input(store, &mut v, input)?;
    store.save_visit(&v)?;
    Ok(v)
}

pub fn visit_edit(store: &Store, id: &str, input: &VisitInput) -> Result<Visit> {
    let id: VisitId = id.parse()?;
    let mut v = store.visit(id)?;
    apply_visit_input(store, &mut v, input)?;
    store.save_visit(&v)?;
    Ok(v)
}

pub fn visit_delete(store: &Store, id: &str) -> Result<VisitId> {
    let id: VisitId = id.parse()?;
    store.delete_visit(id)?;
    Ok(id)
}

/// Filter of `visit list`: dates are local days, both inclusive.
#[derive(Debug, Clone, Default)]
pub struct VisitListInput {
    pub client: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A visit with its client's code beside the id, as `visit list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct VisitRow {
    #[serde(flatten)]
    pub visit: Visit,
    pub client_code: Option<ClientCode>,
}

pub fn visit_list(store: &Store, input: &VisitListInput) -> Result<Vec<VisitRow>> {
    let mut f = VisitFilter::default();
    if let Some(code) = &input.client {
        let id = find_client(store, code)?.id;
        // A client's visits are its history: logged as the phone's core logs it.
        store.log_access(id, AccessKind::OpenHistory)?;
        f.client = Some(id);
    }
    if let Some(d) = &input.from {
        f.from = Some(local_midnight("from", parse_date("from", d)?)?);
    }
    if let Some(d) = &input.to {
        let next = parse_date("to", d)?
            .succ_opt()
            .ok_or_else(|| ValidationError::new("to", "is too far in the future"))?;
        f.before = Some(local_midnight("to", next)?);
    }
    let codes: HashMap<ClientId, ClientCode> = store
        .clients()?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect();
    Ok(store
        .visits(&f)?
        .into_iter()
        .map(|v| VisitRow {
            client_code: codes.get(&v.client).cloned(),
            visit: v,
        })
        .collect())
}

// ----- status -----

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub user: Username,
    pub store: PathBuf,
    #[serde(flatten)]
    pub counts: StoreStatus,
    pub server_url: Option<String>,
    /// Record rows (and a device token) that do not open (damaged or altered); `uppsok field
    /// repair` fixes them.
    pub damaged: u64,
    /// `waiting`, `rejected` (with reasons), `last_sync`, `last_error`, … (sync's status).
    #[serde(flatten)]
    pub sync: uppsok_device::sync::SyncStatus,
}

pub fn status(store: &Store) -> Result<StatusReport> {
    let p = store.profile()?;
    Ok(StatusReport {
        user: p.user,
        store: store.path().to_owned(),
        counts: store.status()?,
        server_url: p.server_url,
        damaged: store.scan_damaged()?.len() as u64 + u64::from(store.device_token_damaged()),
        sync: uppsok_device::sync::status(store)?,
    })
}

// ----- text output -----

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

pub fn render_clients(clients: &[Client]) -> String {
    let mut out = String::new();
    for c in clients {
        let next = c
            .next_contact
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into());
        let who = |u: &Option<Username>| u.as_ref().map_or("-", |u| u.as_str()).to_owned();
        out.push_str(&format!(
            "{:<10} {:<30} {:<8} consent:{:<9} next:{:<10} contact:{}/{}{}\n",
            c.code,
            // Protected identity: the name stays on the client page, never in a list.
            if c.protected_identity {
                "(skyddad)"
            } else {
                c.name.as_str()
            },
            c.phase,
            c.consent.state,
            next,
            who(&c.contact_person),
            who(&c.deputy),
            c.closure
                .map(|r| format!(" closure:{r}"))
                .unwrap_or_default(),
        ));
    }
    if clients.is_empty() {
        out.push_str("no clients\n");
    }
    out
}

pub fn render_visits(rows: &[VisitRow]) -> String {
    let mut out = String::new();
    for r in rows {
        let v = &r.visit;
        let kind = match (v.client_present, v.group) {
            (false, _) => format!("{} (network only)", v.contact),
            (true, true) => format!("{} (group)", v.contact),
            (true, false) => v.contact.to_string(),
        };
        out.push_str(&format!(
            "{}  {}  {:<8} {:>4} min  {:<12} {:<9} {:<16} {}\n",
            v.id,
            local(v.start),
            r.client_code.as_ref().map_or("?", |c| c.as_str()),
            v.minutes,
            kind,
            v.setting.map_or("-".to_string(), |s| s.to_string()),
            v.place.as_ref().map_or("-", |p| p.as_str()),
            v.note
                .as_ref()
                .map_or("", |n| n.as_str())
                .replace('\n', " "),
        ));
    }
    if rows.is_empty() {
        out.push_str("no visits\n");
    }
    out
}

pub fn render_status(s: &StatusReport) -> String {
    let mut out = format!(
        "user: {}\nstore: {}\nclients: {}\nvisits: {}\ntrips: {}\nplaces: {}\nchanges waiting: {}\nchanges rejected: {}\n",
        s.user,
        s.store.display(),
        s.counts.clients,
        s.counts.visits,
        s.counts.trips,
        s.counts.places,
        s.counts.outbox_pending,
        s.counts.outbox_rejected
    );
    if s.counts.access_pending > 0 {
        out.push_str(&format!(
            "access events waiting: {} (sent to the server's access log at the next sync)\n",
            s.counts.access_pending
        ));
    }
    if s.damaged > 0 {
        out.push_str(&format!(
            "damaged records: {} (they cannot be read; `uppsok field repair` removes them and fetches the server's copies at the next sync)\n",
            s.damaged
        ));
    }
    out
}
