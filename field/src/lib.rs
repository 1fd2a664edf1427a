//! `uppsok field`: the desktop field device. It drives `uppsok-device` exactly as the phone app
//! does (same store, same validation, same outbox), so scripts and end-to-end tests can act as a
//! case manager's phone.
//!
//! This file is the thin clap layer: parse, get the passphrase, open the store, call a function
//! of [`commands`], print. Errors come back as [`FieldError`]: the binary prints them as one line
//! on stderr that names the field and rule and never holds personal data, and exits 2 for a wrong
//! passphrase, 64 for a usage error, 1 for anything else.

pub mod commands;
pub mod outcomes;
pub mod sync;
pub mod trips;

#[cfg(test)]
mod tests;

use clap::{Args, Subcommand};
pub use commands::FieldError;
use commands::{ClientInput, VisitInput, VisitListInput};
use serde::Serialize;
use std::path::{Path, PathBuf};
use uppsok_device::{KdfParams, PassphraseKeyProvider, Store};

#[derive(Args, Debug)]
pub struct FieldArgs {
    /// Directory holding the device's data [default: the platform data dir, e.g.
    /// ~/.local/share/uppsok/field]
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,

    #[command(subcommand)]
    command: FieldCommand,
}

#[derive(Subcommand, Debug)]
enum FieldCommand {
    /// Create the encrypted store and this device's profile.
    Init {
        /// Your username [default: $USER, lowercased]
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// The Uppsök server to enrol with, e.g. https://uppsok.kalix.se (needs --enrol).
        #[arg(long, value_name = "URL", requires = "enrol")]
        server: Option<String>,
        /// The one-time code from `uppsok admin enrol` (needs --server). Also enrols an
        /// existing store.
        #[arg(long, value_name = "CODE", requires = "server", alias = "enroll")]
        enrol: Option<String>,
    },
    /// Send waiting changes and receive the team's: prints what was sent, received, rejected.
    /// Exits 0 only when the server was reached.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Changes the server refused, with its reasons.
    #[command(subcommand)]
    Rejected(RejectedCommand),
    /// Add, edit and list clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Log, edit, delete and list visits.
    #[command(subcommand)]
    Visit(VisitCommand),
    /// Outcomes: a stay in inpatient care, an emergency-room visit, housing, occupation, the
    /// yearly satisfaction answer.
    #[command(subcommand)]
    Outcome(outcomes::OutcomeCommand),
    /// Work trips: add afterwards, import a GPX track, record by GPS, list.
    #[command(subcommand)]
    Trip(trips::TripCommand),
    /// Export the körjournal as CSV or PDF.
    #[command(subcommand)]
    Export(trips::ExportCommand),
    /// Records per kind and changes waiting for sync.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Repair records that can no longer be read (damaged or altered): rewritten from a change
    /// still waiting to be sent, or removed and fetched from the server at the next sync.
    Repair,
    /// Destroy the store: the key first, then the files. Needs no passphrase.
    Wipe {
        /// Required, so a slip of the finger does not destroy the data.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
enum RejectedCommand {
    /// List refused changes with the server's reasons.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Forget a refused change for good: its number in `rejected list` (or its change id).
    Discard { which: String },
}

#[derive(Subcommand, Debug)]
enum ClientCommand {
    /// Add a client.
    Add {
        /// Pseudonymous code matching the team's pattern, e.g. K-017.
        #[arg(long)]
        code: String,
        /// Full name (kept encrypted).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: ClientFields,
    },
    /// Change a client's details (only the options given change).
    Edit {
        /// The client's current code.
        code: String,
        #[arg(long)]
        new_code: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: ClientFields,
    },
    /// List clients by code.
    List {
        /// Only my clients: those whose contact person or deputy I am.
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
struct ClientFields {
    /// Consent to share with the team's other organisation: given, withdrawn or none.
    #[arg(long)]
    consent: Option<String>,
    /// What the consent covers: contacts or contacts_and_outcomes.
    #[arg(long, value_name = "SCOPE")]
    consent_scope: Option<String>,
    /// The last day a given consent holds, YYYY-MM-DD (empty: until withdrawn).
    #[arg(long, value_name = "DATE")]
    consent_until: Option<String>,
    /// intake, active, stable or closed.
    #[arg(long)]
    phase: Option<String>,
    /// Why the care ended (required when closing): goal_reached, stepped_down, moved,
    /// declined, died, transferred or other.
    #[arg(long, value_name = "REASON")]
    closure: Option<String>,
    /// The last day in care, YYYY-MM-DD (closing sets today unless given).
    #[arg(long, value_name = "DATE")]
    closed_on: Option<String>,
    /// Text about the closure; required with --closure other.
    #[arg(long)]
    closed_reason: Option<String>,
    /// Next planned contact, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    next_contact: Option<String>,
    /// First day in the team's care, YYYY-MM-DD (`client add` sets today unless given).
    #[arg(long, value_name = "DATE")]
    admitted: Option<String>,
    /// Who referred the client: psychiatry, social_services, addiction_care, primary_care,
    /// probation, self_referral, relative or other.
    #[arg(long)]
    referral: Option<String>,
    /// The contact person (kontaktperson): a username of the team (empty clears).
    #[arg(long, value_name = "USERNAME")]
    contact_person: Option<String>,
    /// The deputy (ersättare): a username of the team, not the contact person (empty clears).
    #[arg(long, value_name = "USERNAME")]
    deputy: Option<String>,
    /// Protected personal data (skyddade personuppgifter); `--protected false` clears it.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    protected: Option<bool>,
}

#[derive(Subcommand, Debug)]
enum VisitCommand {
    /// Log a visit (or an attempt); prints the new visit's id.
    Add {
        /// Client code, e.g. K-017.
        #[arg(long)]
        client: String,
        /// Local time, e.g. 2026-11-20T10:00.
        #[arg(long)]
        start: String,
        #[arg(long)]
        minutes: u16,
        /// face_to_face, phone, video, message or attempted.
        #[arg(long)]
        contact: String,
        #[command(flatten)]
        fields: VisitFields,
    },
    /// Change a visit (only the options given change); prints its id.
    Edit {
        id: String,
        #[arg(long)]
        client: Option<String>,
        #[arg(long)]
        start: Option<String>,
        #[arg(long)]
        minutes: Option<u16>,
        #[arg(long)]
        contact: Option<String>,
        /// Set (true) or clear (false) whether family or network took part.
        #[arg(long, value_name = "BOOL")]
        set_network: Option<bool>,
        /// Set whether the client took part (false: a network-only contact).
        #[arg(long, value_name = "BOOL")]
        set_client_present: Option<bool>,
        /// Set (true) or clear (false) whether it was a group contact.
        #[arg(long, value_name = "BOOL")]
        set_group: Option<bool>,
        #[command(flatten)]
        fields: VisitFields,
    },
    /// Delete a visit.
    Delete { id: String },
    /// List visits by start time.
    List {
        /// Only this client's visits.
        #[arg(long)]
        client: Option<String>,
        /// First local day, YYYY-MM-DD (inclusive).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last local day, YYYY-MM-DD (inclusive).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
struct VisitFields {
    /// For face-to-face contacts: home, community, office or inpatient.
    #[arg(long)]
    setting: Option<String>,
    /// Town or village (never a street address).
    #[arg(long)]
    place: Option<String>,
    /// Other staff present (usernames).
    #[arg(long = "with", value_name = "USERNAME", num_args = 1..)]
    with: Vec<String>,
    /// Family or the client's network took part.
    #[arg(long)]
    network: bool,
    /// A network-only contact (nätverkskontakt): with relatives, the landlord,
    /// Försäkringskassan … while the client was absent. Implies --network; never an attempt.
    #[arg(long)]
    client_absent: bool,
    /// A group contact (gruppkontakt) with several clients.
    #[arg(long)]
    group: bool,
    /// Short note (kept encrypted).
    #[arg(long)]
    note: Option<String>,
}

/// The passphrase variable; without it the passphrase is asked for on the terminal.
const PASSPHRASE_ENV: &str = "UPPSOK_PASSPHRASE";
/// Shortest passphrase a new store accepts.
const PASSPHRASE_MIN: usize = 10;
/// Test-only: a cheaper PBKDF2 cost. Ignored by release builds (see `KdfParams`).
const KDF_ENV: &str = "UPPSOK_INSECURE_KDF_ITERATIONS";

fn default_home() -> Result<PathBuf, FieldError> {
    dirs::data_dir()
        .map(|d| d.join("uppsok").join("field"))
        .ok_or_else(|| {
            FieldError::Usage("no data directory on this system; pass --home DIR".into())
        })
}

fn kdf_params() -> KdfParams {
    match std::env::var(KDF_ENV).ok().and_then(|s| s.parse().ok()) {
        Some(n) if cfg!(debug_assertions) => KdfParams::insecure_for_tests(n),
        _ => KdfParams::production(),
    }
}

/// The passphrase of a new store: long enough that its PBKDF2 wrapping means something, checked
/// without echoing it.
fn check_new_passphrase(p: &str) -> Result<(), FieldError> {
    let distinct: std::collections::HashSet<char> = p.chars().collect();
    if p.chars().count() < PASSPHRASE_MIN || distinct.len() < 5 {
        return Err(FieldError::Usage(format!(
            "the passphrase must be at least {PASSPHRASE_MIN} characters and not one character \
             repeated; a few words are easy to remember and hard to guess"
        )));
    }
    Ok(())
}

fn passphrase(confirm: bool) -> Result<String, FieldError> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        if p.is_empty() {
            return Err(FieldError::Usage(format!("{PASSPHRASE_ENV} is empty")));
        }
        if confirm {
            check_new_passphrase(&p)?;
        }
        return Ok(p);
    }
    let read = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|_| {
            FieldError::Usage(format!(
                "no passphrase: set {PASSPHRASE_ENV} or run in a terminal"
            ))
        })
    };
    let p = read("Passphrase: ")?;
    if p.is_empty() {
        return Err(FieldError::Usage("the passphrase must not be empty".into()));
    }
    if confirm {
        check_new_passphrase(&p)?;
    }
    if confirm && read("Passphrase again: ")? != p {
        return Err(FieldError::Usage("the passphrases differ".into()));
    }
    Ok(p)
}

fn open(home: &Path) -> Result<Store, FieldError> {
    let path = commands::store_path(home);
    if !Store::exists(&path) {
        return Err(FieldError::Usage(format!(
            "no field store in {}; run `uppsok field init` first",
            home.display()
        )));
    }
    let provider = PassphraseKeyProvider::new(passphrase(false)?, kdf_params());
    let store = Store::open(path, &provider)?;
    // Stores made before files were kept private are made so on their next use.
    commands::make_private(home)?;
    Ok(store)
}

fn print_json<T: Serialize>(v: &T) -> Result<(), FieldError> {
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| FieldError::Usage(format!("cannot print JSON: {e}")))?;
    println!("{s}");
    Ok(())
}

fn execute(args: FieldArgs) -> Result<(), FieldError> {
    let home = match args.home {
        Some(h) => h,
        None => default_home()?,
    };
    match args.command {
        FieldCommand::Init {
            user,
            server: Some(server),
            enrol: Some(code),
        } if Store::exists(commands::store_path(&home)) => {
            let _ = user;
            let store = open(&home)?;
            print!(
                "{}",
                sync::render_enrolment(&sync::enrol(&store, &server, &code)?)
            );
        }
        FieldCommand::Init {
            user,
            server,
            enrol,
        } => {
            if Store::exists(commands::store_path(&home)) {
                return Err(FieldError::Usage(format!(
                    "a field store already exists in {}",
                    home.display()
                )));
            }
            let provider = PassphraseKeyProvider::new(passphrase(true)?, kdf_params());
            let p = commands::init(&home, &provider, user.as_deref())?;
            println!(
                "created the field store in {} for user {}",
                home.display(),
                p.user
            );
            if let (Some(server), Some(code)) = (server, enrol) {
                let store = open(&home)?;
                print!(
                    "{}",
                    sync::render_enrolment(&sync::enrol(&store, &server, &code)?)
                );
            }
        }
        FieldCommand::Sync { json } => {
            let store = open(&home)?;
            let report = sync::run(&store)?;
            let waiting = store.status()?.outbox_pending;
            if json {
                print_json(&sync::SyncOutput {
                    report: &report,
                    waiting,
                })?;
            } else {
                print!("{}", sync::render_report(&store, &report, waiting));
            }
        }
        FieldCommand::Rejected(cmd) => {
            let store = open(&home)?;
            match cmd {
                RejectedCommand::List { json } => {
                    let list = sync::rejected_list(&store)?;
                    if json {
                        print_json(&list)?;
                    } else {
                        print!("{}", sync::render_rejected(&store, &list));
                    }
                }
                RejectedCommand::Discard { which } => {
                    let label = sync::rejected_discard(&store, &which)?;
                    println!("discarded the refused change of {label}");
                }
            }
        }
        FieldCommand::Client(cmd) => {
            let store = open(&home)?;
            match cmd {
                ClientCommand::Add { code, name, fields } => {
                    let c = commands::client_add(&store, &code, &client_input(Some(name), fields))?;
                    println!("{}", c.id);
                }
                ClientCommand::Edit {
                    code,
                    new_code,
                    name,
                    fields,
                } => {
                    let c = commands::client_edit(
                        &store,
                        &code,
                        new_code.as_deref(),
                        &client_input(name, fields),
                    )?;
                    println!("{}", c.id);
                }
                ClientCommand::List { mine, json } => {
                    let clients = commands::client_list(&store, mine)?;
                    if json {
                        print_json(&clients)?;
                    } else {
                        print!("{}", commands::render_clients(&clients));
                    }
                }
            }
        }
        FieldCommand::Visit(cmd) => {
            let store = open(&home)?;
            match cmd {
                VisitCommand::Add {
                    client,
                    start,
                    minutes,
                    contact,
                    fields,
                } => {
                    let mut input = visit_input(fields);
                    input.client = Some(client);
                    input.start = Some(start);
                    input.minutes = Some(minutes);
                    input.contact = Some(contact);
                    let v = commands::visit_add(&store, &input)?;
                    println!("{}", v.id);
                }
                VisitCommand::Edit {
                    id,
                    client,
                    start,
                    minutes,
                    contact,
                    set_network,
                    set_client_present,
                    set_group,
                    fields,
                } => {
                    let mut input = visit_input(fields);
                    input.network = set_network.or(input.network);
                    input.client_present = set_client_present.or(input.client_present);
                    input.group = set_group.or(input.group);
                    input.client = client;
                    input.start = start;
                    input.minutes = minutes;
                    input.contact = contact;
                    let v = commands::visit_edit(&store, &id, &input)?;
                    println!("{}", v.id);
                }
                VisitCommand::Delete { id } => {
                    let id = commands::visit_delete(&store, &id)?;
                    println!("deleted {id}");
                }
                VisitCommand::List {
                    client,
                    from,
                    to,
                    json,
                } => {
                    let rows = commands::visit_list(&store, &VisitListInput { client, from, to })?;
                    if json {
                        print_json(&rows)?;
                    } else {
                        print!("{}", commands::render_visits(&rows));
                    }
                }
            }
        }
        FieldCommand::Outcome(cmd) => {
            let store = open(&home)?;
            print!("{}", outcomes::run_outcome(&store, cmd)?);
        }
        FieldCommand::Trip(cmd) => {
            let store = open(&home)?;
            let (out, note) = trips::run_trip(&store, cmd)?;
            print!("{out}");
            if let Some(note) = note {
                eprintln!("{note}");
            }
        }
        FieldCommand::Export(cmd) => {
            let store = open(&home)?;
            print!("{}", trips::run_export(&store, cmd)?);
        }
        FieldCommand::Status { json } => {
            let store = open(&home)?;
            let s = commands::status(&store)?;
            if json {
                print_json(&s)?;
            } else {
                print!("{}", commands::render_status(&s));
                print!("{}", sync::render_status(&s.sync));
            }
        }
        FieldCommand::Repair => {
            let store = open(&home)?;
            let removed = store.repair_damaged()?;
            if removed == 0 {
                println!("no damaged records");
            } else {
                println!(
                    "repaired {removed} damaged records: rewritten from changes still waiting to be sent, or removed until the next sync fetches the server's copies"
                );
            }
        }
        FieldCommand::Wipe { yes } => {
            if !yes {
                return Err(FieldError::CommandLine(
                    "wipe destroys all data on this device; add --yes".into(),
                ));
            }
            Store::wipe_at(commands::store_path(&home))?;
            println!("wiped the field store in {}", home.display());
        }
    }
    Ok(())
}

fn client_input(name: Option<String>, f: ClientFields) -> ClientInput {
    ClientInput {
        name,
        consent: f.consent,
        consent_scope: f.consent_scope,
        consent_until: f.consent_until,
        phase: f.phase,
        next_contact: f.next_contact,
        closed_reason: f.closed_reason,
        closure: f.closure,
        closed_on: f.closed_on,
        admitted: f.admitted,
        referral: f.referral,
        contact_person: f.contact_person,
        deputy: f.deputy,
        protected: f.protected,
    }
}

fn visit_input(f: VisitFields) -> VisitInput {
    VisitInput {
        setting: f.setting,
        place: f.place,
        with: (!f.with.is_empty()).then_some(f.with),
        // A plain `--network` flag can only switch it on; `visit edit --set-network false` clears.
        // A network-only contact is one with the network.
        network: (f.network || f.client_absent).then_some(true),
        client_present: f.client_absent.then_some(false),
        group: f.group.then_some(true),
        note: f.note,
        ..Default::default()
    }
}

/// Run one `uppsok field` command. The `uppsok` binary prints the error and turns it into the
/// exit code (`uppsok_cli::exit`).
pub fn run(args: FieldArgs) -> Result<(), FieldError> {
    execute(args)
}
