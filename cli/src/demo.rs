//! `uppsok demo`: one command that shows all of Uppsök working. It creates a SQLite database in
//! a temporary directory (or `--data`), an ACT team like Kalix stödteam (two case managers from
//! Kalix kommun, two from Region Norrbotten, a supervisor from each), 27 clients with
//! pseudonymous codes and made-up names in villages around Kalix (coordinates from the model's
//! gazetteer), and then runs one simulated phone per case manager on the real `uppsok-device`
//! code: each phone has its own encrypted store under the data directory, is enrolled with a
//! one-time enrolment code over HTTP, logs three months of visits (attempts, two-staff visits,
//! phone contacts, network contacts) and trips offline, day by day, and every few days syncs
//! with the device sync client over HTTP to the demo's own server through a local fault proxy
//! ([`uppsok_faultproxy`]) that breaks a fifth of the connections (refused, request cut,
//! response cut), retrying until everything is acknowledged. Then it serves the dashboard until
//! Ctrl-C and prints the URL and the demo supervisor's login.
//!
//! While seeding, the server runs on a loopback port of its own (also with `--seed-only`); the
//! dashboard is served on `--bind` only once the data is in. The phones use a platform-style
//! random key ([`FixedKeyProvider`]) instead of a PBKDF2 passphrase so the demo starts in
//! seconds.
//!
//! Everything is made up: names, codes and notes. The login is printed on purpose: it is a
//! demo account on a loopback address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uppsok_device::sync::{Backoff, SyncClient, SyncConfig, SyncReport, Timeouts};
use uppsok_device::{FixedKeyProvider, Kek, Profile, Store as DeviceStore};
use uppsok_faultproxy::{FaultConfig, FaultProxy, ProxyOptions, ProxyStats};
use uppsok_model::fidelity::swedish_date;
use uppsok_model::mileage::straight_line_km;
use uppsok_model::outcome::{Care, Event, Housing, Occupation, Outcome, Respondent, Source};
use uppsok_model::{
    Client, ClientCode, ClientId, ClosureReason, Consent, ConsentScope, ConsentState, ContactKind,
    DistanceSource, Entity, OrgId, OrgKind, OutcomeId, PersonName, Phase, PlaceName, Purpose,
    Rates, Referral, Role, Setting, StaffId, TeamId, Trip, TripId, Username, Vehicle, Visit,
    VisitId, gazetteer,
};

use uppsok_server::app::app;
use uppsok_server::auth::{self, PasswordCost};
use uppsok_server::state::{AppState, Settings};
use uppsok_server::store::{AuditAction, Via};
use uppsok_server::store::{AuditEntry, NewStaff, PoolSize, SessionAuth, Store};

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Directory for the database and the phones' stores [default: a fresh temporary directory,
    /// removed on exit].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Seed the database, write `demo-login.json` and exit without serving (for tests, which then
    /// run `uppsok serve` on the same database).
    #[arg(long)]
    pub seed_only: bool,
    /// Days of history to simulate.
    #[arg(long, default_value_t = 91)]
    pub days: u32,
    /// Seed of the simulation, so two runs produce the same team.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// The demo's password for every account (a demo on loopback; printed on purpose).
pub const DEMO_PASSWORD: &str = "uppsok-demo-2026";

pub fn run(args: DemoArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("uppsok demo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(demo(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uppsok demo: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Removes the temporary directory when the demo ends (not for `--data`).
struct TempDir(Option<PathBuf>);

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    // The port first: one already in use must not leave a half-made data directory behind.
    let listener = if args.seed_only {
        None
    } else {
        Some(TcpListener::bind(&args.bind).await.with_context(|| {
            format!(
                "cannot listen on {} (another demo or server there? choose another address with --bind)",
                args.bind
            )
        })?)
    };
    let (dir, cleanup) = match &args.data {
        Some(d) => (d.clone(), TempDir(None)),
        None => {
            let d = std::env::temp_dir().join(format!(
                "uppsok-demo-{}-{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            (d.clone(), TempDir(Some(d)))
        }
    };
    let login_file = dir.join("demo-login.json");
    let (store, login) = if dir.join("uppsok.db").exists() {
        reuse(&dir, &login_file, args.seed_only).await?
    } else {
        create(&dir, &login_file, &args).await?
    };
    let Some(listener) = listener else {
        store.close().await;
        println!("seeded {}", dir.display());
        // Keep the directory: the caller asked for the database.
        std::mem::forget(cleanup);
        return Ok(());
    };
    serve(listener, store, &login, &login_file).await
}

/// A data directory a finished demo left: its database and logins again, nothing re-seeded.
async fn reuse(
    dir: &Path,
    login_file: &Path,
    seed_only: bool,
) -> anyhow::Result<(Store, serde_json::Value)> {
    let start_over = format!(
        "to start over, remove {} or give another --data directory",
        dir.display()
    );
    if seed_only {
        anyhow::bail!("{} already holds a database; {start_over}", dir.display());
    }
    let login: serde_json::Value = std::fs::read(login_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .with_context(|| {
            format!(
                "{} holds a database but no finished demo (no readable {}); {start_over}",
                dir.display(),
                login_file.display()
            )
        })?;
    let key = uppsok_server::secrets::ServerKey::load_or_create(&dir.join("server.key"))?;
    let url = format!("sqlite://{}", dir.join("uppsok.db").display());
    let store = Store::connect(&url, PoolSize::default())
        .await
        .context("cannot open the demo's database")?
        .with_server_key(std::sync::Arc::new(key));
    eprintln!(
        "uppsok demo: reusing the demo in {} ({start_over})",
        dir.display()
    );
    Ok((store, login))
}

/// A fresh demo: database, seeded team and phones, and the logins file.
async fn create(
    dir: &Path,
    login_file: &Path,
    args: &DemoArgs,
) -> anyhow::Result<(Store, serde_json::Value)> {
    let started = Instant::now();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let url = format!("sqlite://{}", dir.join("uppsok.db").display());
    // The server key beside the database, as `uppsok serve` finds it there.
    let key = uppsok_server::secrets::ServerKey::load_or_create(&dir.join("server.key"))?;
    let store = Store::connect(&url, PoolSize::default())
        .await
        .context("cannot create the database")?
        .with_server_key(std::sync::Arc::new(key));
    let seeded = seed(&store, dir, args.days, args.seed).await?;
    let (user, secret) = seeded
        .supervisor
        .clone()
        .context("the demo supervisor was not created")?;
    let login = serde_json::json!({
        "database": url,
        "password": DEMO_PASSWORD,
        "users": seeded.logins,
        "team": seeded.team.to_string(),
        "supervisor": {"username": user, "totp_secret": secret},
    });
    // Written last: its presence marks a finished demo that a second run may reuse.
    std::fs::write(login_file, serde_json::to_vec_pretty(&login)?)?;
    let n = &seeded.network;
    eprintln!(
        "uppsok demo: team, 27 clients, {} visits and {} trips from {} phones enrolled over HTTP; \
         {} sync runs sent {} changes through the fault proxy ({} of {} connections broken: \
         {} refused, {} requests cut, {} responses cut; {} requests retried, {} runs given up \
         and rerun, {} resent changes answered as duplicates), all acknowledged; {:.1} s",
        seeded.visits,
        seeded.trips,
        seeded.phones,
        n.runs,
        n.sent,
        n.proxy.faulted,
        n.proxy.connections,
        n.proxy.refused,
        n.proxy.requests_cut,
        n.proxy.responses_cut,
        n.retries,
        n.failed_runs,
        n.duplicates,
        started.elapsed().as_secs_f64()
    );
    Ok((store, login))
}

/// Serves the demo on `listener`, printing the supervisor's login and fresh TOTP codes.
async fn serve(
    listener: TcpListener,
    store: Store,
    login: &serde_json::Value,
    login_file: &Path,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let router = app(AppState::new(store.clone(), Settings::default()));
    let text = |k: &str| login["supervisor"][k].as_str().map(str::to_owned);
    let (Some(user), Some(secret)) = (text("username"), text("totp_secret")) else {
        anyhow::bail!("{} names no demo supervisor", login_file.display());
    };
    let now_s = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    let code = auth::totp_code(&secret, now_s).unwrap_or_default();
    println!();
    println!("  Uppsök demo (DEMO ONLY: made-up data, printed password, loopback)");
    println!("  Dashboard:  http://{addr}/");
    println!("  Username:   {user}");
    println!("  Password:   {DEMO_PASSWORD}");
    println!("  TOTP code:  {code}  (changes every 30 s; a fresh one is printed below)");
    println!("  TOTP key:   {secret}  (add it to an authenticator app, or use the printed codes)");
    println!(
        "  Other logins (same password): chef.region (Region Norrbotten supervisor), see {}",
        login_file.display()
    );
    println!("  Stop with Ctrl-C.");
    println!();
    println!("listening on http://{addr}");
    let printer = tokio::spawn(async move {
        let mut last = String::new();
        loop {
            let now_s = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
            if let Ok(c) = auth::totp_code(&secret, now_s)
                && c != last
            {
                if !last.is_empty() {
                    println!("  TOTP code for {user}: {c}");
                }
                last = c;
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    });
    uppsok_server::serve::serve(
        listener,
        router,
        uppsok_server::serve::Limits::default(),
        crate::serve::shutdown_signal(),
    )
    .await;
    printer.abort();
    store.close().await;
    Ok(())
}

/// What seeding made.
pub struct Seeded {
    pub team: TeamId,
    /// Visits and trips the phones logged (all of them acknowledged by the server).
    pub visits: usize,
    pub trips: usize,
    pub phones: usize,
    /// What the phones' syncs went through.
    pub network: Network,
    /// (username, TOTP secret) of the demo supervisor.
    pub supervisor: Option<(String, String)>,
    pub logins: Vec<serde_json::Value>,
}

struct Person {
    id: StaffId,
    username: Username,
    org: OrgId,
    kommun: bool,
}

const CLIENT_NAMES: [&str; 27] = [
    "Aino Niemi",
    "Bengt Lahti",
    "Cecilia Rova",
    "Dan Keinänen",
    "Elsa Mäki",
    "Fredrik Huuva",
    "Greta Kaunisto",
    "Hannes Alatalo",
    "Ida Pekkari",
    "Jonas Vaara",
    "Karin Lassila",
    "Leo Tornberg",
    "Maja Kreku",
    "Nils Hietala",
    "Olivia Kostet",
    "Per Rantatalo",
    "Rut Salmi",
    "Sven Kaarto",
    "Tilda Jokela",
    "Ulf Pohjanen",
    "Vera Isaksson",
    "Ville Koski",
    "Wilma Suup",
    "Axel Raattamaa",
    "Britt Kero",
    "Carl Tapio",
    "Doris Mella",
];

const VILLAGES: [&str; 12] = [
    "Kalix",
    "Töre",
    "Morjärv",
    "Sangis",
    "Nyborg",
    "Risögrund",
    "Rolfs",
    "Båtskärsnäs",
    "Karlsborg",
    "Påläng",
    "Haparanda",
    "Överkalix",
];

/// Clients whose consent to share is not given (the other organisation cannot see them).
const NO_CONSENT: [usize; 4] = [4, 9, 15, 20];

/// Clients whose consent covers outcomes too (the others' covers contacts only).
const CONSENT_TO_OUTCOMES: [usize; 6] = [1, 2, 5, 8, 12, 16];

/// A client with protected identity (*skyddade personuppgifter*): listed by code only.
const PROTECTED_IDENTITY: usize = 11;
/// A client not reached for 12 days despite attempts, and one nobody tried for 10 days.
const OVERDUE_ATTEMPTS: usize = 7;
const OVERDUE_UNTRIED: usize = 13;

/// How clients move on during the demo's months: (client number, days before today, new phase,
/// closure reason). K-006 comes in through intake and becomes active; K-011 is doing well enough
/// to step down to the stable phase; K-012 is taken over by another unit; K-025 moves away and
/// is closed. Each change is saved on its contact person's phone like any edit, so the client
/// page shows the history.
const PHASE_CHANGES: [(usize, i64, Phase, Option<ClosureReason>); 4] = [
    (6, 45, Phase::Active, None),
    (11, 20, Phase::Stable, None),
    (12, 70, Phase::Closed, Some(ClosureReason::Transferred)),
    (25, 8, Phase::Closed, Some(ClosureReason::Moved)),
];

/// Clients whose care ended before the demo's months, so retention and the time-unlimited item
/// have a year to look at: (client number, days before today, reason).
const CLOSED_BEFORE: [(usize, i64, ClosureReason); 3] = [
    (18, 150, ClosureReason::GoalReached),
    (23, 290, ClosureReason::SteppedDown),
    (27, 120, ClosureReason::Declined),
];

/// Clients admitted during the demo's months (days before today): their contacts start then,
/// densest in the first weeks.
const ADMITTED_LATELY: [(usize, i64); 3] = [(6, 60), (21, 40), (26, 25)];

/// Clients recorded before admission dates were asked: their admission is only estimated.
const ESTIMATED_ADMISSION: [usize; 2] = [3, 17];

/// The day client `n` was admitted: the recent intakes above, the others spread over the
/// team's years (up to about four years back), before any closure.
fn admitted_days_ago(n: usize) -> i64 {
    ADMITTED_LATELY
        .iter()
        .find(|(k, _)| *k == n)
        .map_or(320 + (n as i64 * 97) % 1100, |(_, d)| *d)
}

async fn staff(
    store: &Store,
    username: &str,
    name: &str,
    org: OrgId,
    role: Role,
    teams: Vec<TeamId>,
    cost: PasswordCost,
) -> anyhow::Result<StaffId> {
    let hash = auth::hash_password(DEMO_PASSWORD, cost)?;
    let row = store
        .create_staff(&NewStaff {
            username: Username::parse(username)?,
            name: PersonName::parse(name)?,
            org,
            role,
            teams,
            password_hash: hash,
            must_change: false,
        })
        .await?;
    Ok(row.id)
}

/// Creates the organisations, team, staff, phones and three months of records.
pub async fn seed(store: &Store, dir: &Path, days: u32, seed: u64) -> anyhow::Result<Seeded> {
    let mut rng = StdRng::seed_from_u64(seed);
    let kommun = store
        .create_org("Kalix kommun", OrgKind::Municipality, Rates::default())
        .await?;
    let region = store
        .create_org(
            "Region Norrbotten",
            OrgKind::Region,
            Rates {
                own_car_ore_per_km: 290,
                ..Rates::default()
            },
        )
        .await?;
    let team = store
        .create_team("Kalix stödteam", kommun.id, "K-###")
        .await?;
    let other_team = store
        .create_team("Haparanda stödteam", kommun.id, "H-###")
        .await?;
    // Demo figures, not any real organisation's: about 480 kr an hour for the municipality's
    // staff and 560 for the region's, salary with social fees (docs/cost.md); two full-time
    // posts from each in the team.
    let demo = "uppsok demo";
    let from = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    store.set_staff_cost(kommun.id, from, 48_000, demo).await?;
    store.set_staff_cost(region.id, from, 56_000, demo).await?;
    store
        .set_team_staffing(team.id, kommun.id, 200, demo)
        .await?;
    store
        .set_team_staffing(team.id, region.id, 200, demo)
        .await?;
    let cheap = PasswordCost::cheap();
    let mut people = Vec::new();
    for (u, n, kommun_org) in [
        ("anna.lind", "Anna Lind", true),
        ("erik.nilsson", "Erik Nilsson", true),
        ("maria.berg", "Maria Berg", false),
        ("johan.sandin", "Johan Sandin", false),
    ] {
        let org = if kommun_org { kommun.id } else { region.id };
        let id = staff(store, u, n, org, Role::CaseManager, vec![team.id], cheap).await?;
        people.push(Person {
            id,
            username: Username::parse(u)?,
            org,
            kommun: kommun_org,
        });
    }
    let outsider = staff(
        store,
        "lars.ek",
        "Lars Ek",
        kommun.id,
        Role::CaseManager,
        vec![other_team.id],
        cheap,
    )
    .await?;
    let mut logins = Vec::new();
    let mut supervisor = None;
    for (u, n, org) in [
        ("chef.kalix", "Karin Enhetschef", kommun.id),
        ("chef.region", "Rolf Enhetschef", region.id),
    ] {
        let id = staff(
            store,
            u,
            n,
            org,
            Role::Supervisor,
            vec![team.id],
            PasswordCost::default(),
        )
        .await?;
        let secret = auth::new_totp_secret();
        store.set_totp_secret(id, Some(&secret)).await?;
        if supervisor.is_none() {
            supervisor = Some((u.to_owned(), secret.clone()));
        }
        logins.push(serde_json::json!({
            "username": u, "role": "supervisor", "totp_secret": secret,
            "org": if org == kommun.id { "Kalix kommun" } else { "Region Norrbotten" },
        }));
    }
    let admin = staff(
        store,
        "it.kalix",
        "IT Kalix",
        kommun.id,
        Role::Admin,
        vec![],
        PasswordCost::default(),
    )
    .await?;
    let admin_secret = auth::new_totp_secret();
    store.set_totp_secret(admin, Some(&admin_secret)).await?;
    logins.push(serde_json::json!({"username": "it.kalix", "role": "admin", "totp_secret": admin_secret, "org": "Kalix kommun"}));

    // The demo's own server on a loopback port, and a fault proxy in front of it: the phones
    // only ever talk to the proxy.
    let server = LocalServer::start(store.clone()).await?;
    let proxy = FaultProxy::start_with(ProxyOptions {
        seed,
        ..ProxyOptions::new(server.addr)
    })
    .await
    .context("cannot start the demo's fault proxy")?;
    let sync = DemoSync::new()?;
    let mut network = Network::default();

    // One phone per case manager, enrolled over HTTP with a one-time code like a real phone.
    // Enrolment goes through a clean link: a response cut after the server redeemed the code
    // would leave the phone with a used code (a real user would ask for a new one).
    let phones_dir = dir.join("phones");
    std::fs::create_dir_all(&phones_dir)?;
    let mut phones: Vec<DeviceStore> = Vec::new();
    for p in &people {
        let (code, hash) = auth::new_enrolment_code();
        store.create_enrolment_code(p.id, &hash, 3_600_000).await?;
        let provider = FixedKeyProvider::new(Kek::random()?);
        let phone = DeviceStore::create(
            phones_dir.join(format!("{}.db", p.username)),
            &provider,
            &Profile::local(p.username.clone()),
        )?;
        sync.client()?
            .enrol(
                &phone,
                &proxy.url(),
                &code,
                Some(&format!("Telefon {}", p.username)),
            )
            .await
            .context("a demo phone could not enrol")?;
        phones.push(phone);
    }
    // From here on a fifth of the connections break, split evenly between refusals, requests
    // cut before the server saw them and answers cut after the server did the work.
    proxy
        .set_config(FaultConfig::clean().with_fault_rate(FAULT_RATE))
        .context("the demo's fault configuration")?;

    // Clients: registered on their owner's phone; the other phones pull those they may see.
    let places: Vec<(&str, f64, f64)> = VILLAGES
        .iter()
        .filter_map(|v| gazetteer::find_in(v, gazetteer::NORRBOTTEN).map(|p| (*v, p.lat, p.lon)))
        .collect();
    let today = swedish_date(Utc::now());
    let first_day = today - Duration::days(i64::from(days));
    let mut clients: Vec<(Client, usize, usize)> = Vec::new(); // (client, owner idx, village idx)
    for (i, name) in CLIENT_NAMES.iter().enumerate() {
        let n = i + 1;
        let owner = i % people.len();
        let admitted = today - Duration::days(admitted_days_ago(n));
        let consent = if NO_CONSENT.contains(&n) {
            Consent::default()
        } else {
            Consent {
                state: ConsentState::Given,
                date: Some(first_day.max(admitted)),
                recorded_by: Some(people[owner].username.clone()),
                scope: if CONSENT_TO_OUTCOMES.contains(&n) {
                    ConsentScope::ContactsAndOutcomes
                } else {
                    ConsentScope::Contacts
                },
                until: None,
            }
        };
        let phase = match n % 5 {
            // K-006 starts in intake (see PHASE_CHANGES).
            _ if n == 6 => Phase::Intake,
            _ if CLOSED_BEFORE.iter().any(|(k, ..)| *k == n) => Phase::Closed,
            0 => Phase::Stable,
            1 if n > 20 => Phase::Intake,
            _ => Phase::Active,
        };
        let closed = CLOSED_BEFORE.iter().find(|(k, ..)| *k == n);
        // The deputy works in the same organisation, so the client's records are theirs to see.
        let deputy = (1..people.len())
            .map(|k| (owner + k) % people.len())
            .find(|&k| people[k].org == people[owner].org)
            .map(|k| people[k].username.clone());
        let c = Client {
            id: ClientId::new(),
            team: team.id,
            code: ClientCode::parse(format!("K-{n:03}"))?,
            name: PersonName::parse(name)?,
            org: people[owner].org,
            phase,
            closed_reason: None,
            next_contact: closed
                .is_none()
                .then(|| today + Duration::days(rng.random_range(1..10))),
            consent,
            admitted: (!ESTIMATED_ADMISSION.contains(&n)).then_some(admitted),
            referral: Some(Referral::ALL[(n * 5) % Referral::ALL.len()]),
            contact_person: Some(people[owner].username.clone()),
            deputy,
            closed_on: closed.map(|(_, days_ago, _)| today - Duration::days(*days_ago)),
            closure: closed.map(|(_, _, reason)| *reason),
            protected_identity: n == PROTECTED_IDENTITY,
        };
        clients.push((c, owner, 1 + i % (places.len().max(2) - 1)));
    }
    for (c, owner, _) in &clients {
        phones[*owner].save_client(c)?;
    }
    // Outcomes on the contact person's phone, pushed with the clients. Their own generator, so
    // adding them left the contacts the demo always had unchanged.
    let mut outcome_rng = StdRng::seed_from_u64(seed ^ OUTCOME_SEED);
    for (n0, (c, owner, _)) in clients.iter().enumerate() {
        let n = n0 + 1;
        let end = PHASE_CHANGES
            .iter()
            .find(|(k, _, _, reason)| *k == n && reason.is_some())
            .map(|(_, days_ago, ..)| today - Duration::days(*days_ago))
            .or(c.closed_on)
            .unwrap_or(today)
            .min(today);
        let admitted = today - Duration::days(admitted_days_ago(n));
        for o in demo_outcomes(
            &mut outcome_rng,
            n,
            c.id,
            &people[*owner].username,
            admitted,
            end,
        ) {
            phones[*owner].save_outcome(&o)?;
        }
    }
    // Twice round: the first pass pushes every phone's clients, the second pulls the others'.
    for _ in 0..2 {
        for phone in &phones {
            sync_phone(&sync, phone, &mut network).await?;
        }
    }
    // Who may log a visit for a client: whoever has it on their phone (their own
    // organisation's clients, the other's only with consent to share).
    let may_visit =
        |c: &Client, p: &Person| c.org == p.org || c.consent.state == ConsentState::Given;

    let mut counts = (0usize, 0usize);
    // Three months, day by day: each phone logs its own visits and trips; sync happens when the
    // phone has coverage (every 1–4 days).
    let mut next_sync: Vec<NaiveDate> = vec![first_day; phones.len()];
    let mut odometer: Vec<u32> = (0..phones.len())
        .map(|i| 41_000 + 7_919 * i as u32)
        .collect();
    let base = places
        .first()
        .map(|p| (p.1, p.2))
        .unwrap_or((65.853, 23.156));
    let mut day = first_day;
    while day <= today {
        let weekend = matches!(
            chrono::Datelike::weekday(&day),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        );
        let mut per_phone: Vec<(Vec<Visit>, Vec<Trip>)> =
            vec![(Vec::new(), Vec::new()); phones.len()];
        let mut planned: Vec<Planned> = Vec::new();
        let since_today = (today - day).num_days();
        for &(n, days_ago, phase, reason) in &PHASE_CHANGES {
            if let Some((c, owner, _)) = clients.get_mut(n - 1).filter(|_| days_ago == since_today)
            {
                c.phase = phase;
                c.closure = reason;
                c.closed_on = reason.map(|_| day);
                if reason.is_some() {
                    c.next_contact = None;
                }
                phones[*owner].save_client(c)?;
            }
        }
        for (n0, (c, owner, village)) in clients.iter().enumerate() {
            let n = n0 + 1;
            let since = (today - day).num_days();
            if c.phase == Phase::Closed {
                continue;
            }
            // Not yet in the team's care.
            let in_care_days = (day - today).num_days() + admitted_days_ago(n);
            if in_care_days < 0 {
                continue;
            }
            // K-013's mother calls while nobody reaches K-013 (the overview shows it apart).
            if n == OVERDUE_UNTRIED && since == 4 {
                planned.push(Planned {
                    client: n0,
                    author: *owner,
                    second: None,
                    kind: ContactKind::Phone,
                    setting: None,
                    village: *village,
                    client_present: false,
                });
            }
            // The two overdue clients: nothing reached them lately (see the overview).
            if n == OVERDUE_ATTEMPTS && since < 12 {
                if since == 5 || since == 2 {
                    planned.push(Planned {
                        client: n0,
                        author: *owner,
                        second: None,
                        kind: ContactKind::Attempted,
                        setting: Some(Setting::Home),
                        village: *village,
                        client_present: true,
                    });
                }
                continue;
            }
            if n == OVERDUE_UNTRIED && since < 10 {
                continue;
            }
            // Contact is densest in the first weeks after admission, whatever the phase says.
            let rate = match (c.phase, in_care_days) {
                (_, 0..=30) => 0.95,
                (_, 31..=60) | (Phase::Intake, _) => 0.9,
                (Phase::Active, _) => 0.75,
                _ => 0.3,
            } * if weekend { 0.15 } else { 1.0 };
            if !rng.random_bool(rate) {
                continue;
            }
            let roll: f64 = rng.random();
            let kind = if roll < 0.66 {
                ContactKind::FaceToFace
            } else if roll < 0.80 {
                ContactKind::Phone
            } else if roll < 0.86 {
                ContactKind::Message
            } else {
                ContactKind::Attempted
            };
            // Somebody else on the team covers now and then (team approach), and some visits
            // are made by two.
            let author = if rng.random_bool(0.3) {
                rng.random_range(0..people.len())
            } else {
                *owner
            };
            // A colleague who cannot see the client (the other organisation, no consent) does
            // not have it on the phone; the owner goes instead.
            let author = if may_visit(c, &people[author]) {
                author
            } else {
                *owner
            };
            let second = (kind == ContactKind::FaceToFace && rng.random_bool(0.3))
                .then(|| (author + 1 + rng.random_range(0..people.len() - 1)) % people.len());
            let setting = setting_for(&mut rng, kind);
            // Some calls are with the client's network while the client is not there.
            let client_present = !(kind == ContactKind::Phone && rng.random_bool(0.3));
            planned.push(Planned {
                client: n0,
                author,
                second,
                kind,
                setting,
                village: *village,
                client_present,
            });
        }
        // Each person's day in order: contacts one after the other from the morning, a drive
        // out and back around each visit away from the office, nothing after the working day
        // or after now. So no one is in two places at once and no trip overlaps another.
        planned.shuffle(&mut rng);
        // Calls with a client's network first thing in the morning, so a full day never
        // pushes them out (K-013's mother's call must happen).
        planned.sort_by_key(|p| p.client_present);
        let mut free_at: Vec<DateTime<Utc>> = (0..people.len())
            .map(|_| local_time(day, 8, 15))
            .collect::<anyhow::Result<_>>()?;
        let day_ends = local_time(day, 16, 30)?;
        let now = Utc::now();
        for p in &planned {
            let (c, _, _) = &clients[p.client];
            let venue = match p.setting {
                Some(Setting::Office) | None => Venue::office(&places),
                Some(Setting::Inpatient) => Venue::hospital(),
                Some(_) => Venue::village(&places, p.village),
            };
            let one_way_km = straight_line_km(
                uppsok_model::mileage::LatLon::new(base.0, base.1),
                uppsok_model::mileage::LatLon::new(venue.lat, venue.lon),
            ) * 1.25;
            let drives = venue.name != places[0].0;
            // 70 km/h on the roads around Kalix, rounded up to whole 5 minutes.
            let drive = if drives {
                Duration::minutes(((one_way_km / 70.0 * 60.0 / 5.0).ceil() as i64).max(1) * 5)
            } else {
                Duration::zero()
            };
            let leave = p
                .second
                .map_or(free_at[p.author], |s| free_at[p.author].max(free_at[s]));
            let start = leave + drive;
            let v = visit(
                &mut rng,
                c,
                &people[p.author],
                p.second.map(|s| &people[s]),
                start,
                (p.kind, p.client_present),
                p.setting,
                venue.name,
            )?;
            let back = v.start + Duration::minutes(i64::from(v.minutes)) + drive;
            if v.start > day_ends || back > now {
                continue;
            }
            free_at[p.author] = back + Duration::minutes(10);
            if let Some(s) = p.second {
                free_at[s] = free_at[p.author];
            }
            if drives {
                let km = (one_way_km * 2.0 * 10.0).round() / 10.0;
                let author = p.author;
                let person = &people[author];
                let with_odometer = rng.random_bool(0.3);
                let odo_start = odometer[author];
                let km = if with_odometer { km.round() } else { km };
                odometer[author] += km.round() as u32 + 3;
                let trip = Trip {
                    id: TripId::new(),
                    driver: person.username.clone(),
                    vehicle: if person.kommun {
                        Vehicle::Own
                    } else {
                        Vehicle::Service {
                            registration: "NRB123".into(),
                        }
                    },
                    start: leave,
                    end: Some(back),
                    from: PlaceName::parse(places[0].0)?,
                    to: PlaceName::parse(venue.name)?,
                    from_address: None,
                    to_address: None,
                    purpose: Purpose::parse(match (p.kind, p.setting) {
                        (ContactKind::Attempted, _) => "Hembesök (ej anträffad)",
                        (_, Some(Setting::Inpatient)) => "Besök på vårdavdelning",
                        (_, Some(Setting::Community)) => "Besök i närmiljön",
                        _ => "Hembesök",
                    })?,
                    visited: Some(c.code.as_str().to_owned()),
                    visits: vec![v.id],
                    km,
                    distance_source: if with_odometer {
                        DistanceSource::Odometer
                    } else {
                        DistanceSource::Gps
                    },
                    odometer_start: with_odometer.then_some(odo_start),
                    odometer_end: with_odometer.then_some(odo_start + km as u32),
                    gps: (!with_odometer).then_some(uppsok_model::GpsQuality {
                        share_estimated: if venue.name == "Morjärv" || venue.name == "Överkalix" {
                            0.18
                        } else {
                            0.02
                        },
                        fixes_used: 900,
                        fixes_dropped: 12,
                        // A fifth estimated across the dead zones of the river valley: the
                        // recorder grades it fair, as the supervisor's page then shows.
                        grade: Some(if venue.name == "Morjärv" || venue.name == "Överkalix" {
                            uppsok_model::mileage::QualityGrade::Fair
                        } else {
                            uppsok_model::mileage::QualityGrade::Good
                        }),
                    }),
                    distance_confirmed: false,
                    from_home: false,
                };
                per_phone[author].1.push(trip);
            }
            per_phone[p.author].0.push(v);
        }
        for (phone, (visits, trips)) in phones.iter().zip(per_phone) {
            if visits.is_empty() && trips.is_empty() {
                continue;
            }
            counts.0 += visits.len();
            counts.1 += trips.len();
            phone.write(|w| {
                for v in &visits {
                    w.save_visit(v)?;
                }
                for t in &trips {
                    w.save_trip(t)?;
                }
                Ok(())
            })?;
        }
        for (i, next) in next_sync.iter_mut().enumerate() {
            if day >= *next || day == today {
                sync_phone(&sync, &phones[i], &mut network).await?;
                *next = day + Duration::days(rng.random_range(1..=4));
            }
        }
        day += Duration::days(1);
    }
    for phone in &phones {
        sync_phone(&sync, phone, &mut network).await?;
    }
    for phone in &phones {
        let s = phone.status()?;
        if s.outbox_pending + s.outbox_rejected > 0 {
            anyhow::bail!("a demo phone still has changes the server has not acknowledged");
        }
    }
    network.proxy = proxy.settled(std::time::Duration::from_secs(5)).await;
    drop(proxy);
    server.stop().await;

    // Something for the access-log page to flag: a case manager opening many client records in
    // a few minutes, and a member of another team reading a Kalix client.
    let mut entries = Vec::new();
    let reader = &people[0];
    for (c, _, _) in clients.iter().take(18) {
        entries.push(AuditEntry {
            actor_staff: reader.id,
            actor_username: reader.username.to_string(),
            actor_org: reader.org,
            device: None,
            via: Via::Api,
            action: AuditAction::Read,
            entity: Some(Entity::Client),
            client: Some(c.id),
            record: Some(c.id.0),
            team: Some(team.id),
            record_org: Some(c.org),
            auth: Some(SessionAuth::PASSWORD),
        });
    }
    if let Some((c, _, _)) = clients.get(4) {
        entries.push(AuditEntry {
            actor_staff: outsider,
            actor_username: "lars.ek".into(),
            actor_org: kommun.id,
            device: None,
            via: Via::Api,
            action: AuditAction::Read,
            entity: Some(Entity::Client),
            client: Some(c.id),
            record: Some(c.id.0),
            team: Some(team.id),
            record_org: Some(c.org),
            auth: Some(SessionAuth::PASSWORD),
        });
    }
    store.append_audit(&entries).await?;
    Ok(Seeded {
        team: team.id,
        visits: counts.0,
        trips: counts.1,
        phones: phones.len(),
        network,
        supervisor,
        logins,
    })
}

/// Mixed into the demo's seed for the outcomes' own generator.
const OUTCOME_SEED: u64 = 0x0ffc_0e5e;

/// Clients whose stays in care did not change with the team (as many as the others had before).
fn unchanged(n: usize) -> bool {
    n.is_multiple_of(6)
}

/// The outcomes the team learned about client `n`, admitted on `admitted`, up to `end` (today or
/// the day the client left): stays in care and emergency visits in the year before and fewer
/// after (the same number for [`unchanged`] clients), housing and occupation at admission and
/// the move most make later, and a yearly satisfaction answer from the client and, for some,
/// a relative.
fn demo_outcomes(
    rng: &mut StdRng,
    n: usize,
    client: ClientId,
    author: &Username,
    admitted: NaiveDate,
    end: NaiveDate,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut add = |day: NaiveDate, source: Source, event: Event| {
        out.push(Outcome {
            id: OutcomeId::new(),
            client,
            author: author.clone(),
            day,
            source,
            event,
        });
    };
    let care = if n.is_multiple_of(3) {
        Care::Addiction
    } else {
        Care::Psychiatric
    };
    // A year's stays and emergency visits within `from..to`, each stay ending by `to`.
    let year = |rng: &mut StdRng,
                add: &mut dyn FnMut(NaiveDate, Source, Event),
                from: NaiveDate,
                to: NaiveDate,
                stays: u32,
                longest: i64,
                er: u32| {
        let span = (to - from).num_days();
        if span < 40 {
            return;
        }
        for _ in 0..stays {
            let nights = rng.random_range(3..=longest);
            let start = from + Duration::days(rng.random_range(0..span - nights - 1));
            add(
                start,
                if rng.random_bool(0.7) {
                    Source::InpatientCare
                } else {
                    Source::Records
                },
                Event::Inpatient {
                    care,
                    discharged: Some(start + Duration::days(nights)),
                    compulsory: rng.random_bool(0.3),
                },
            );
        }
        for _ in 0..er {
            add(
                from + Duration::days(rng.random_range(0..span)),
                if rng.random_bool(0.5) {
                    Source::Client
                } else {
                    Source::Records
                },
                Event::Emergency,
            );
        }
    };
    let before = rng.random_range(2..=4);
    let before_er = rng.random_range(2..=6);
    let year_ago = admitted - Duration::days(365);
    year(
        &mut *rng, &mut add, year_ago, admitted, before, 30, before_er,
    );
    let mut from = admitted;
    while from < end {
        let to = (from + Duration::days(365)).min(end);
        if unchanged(n) {
            year(&mut *rng, &mut add, from, to, before, 30, before_er);
        } else {
            let stays = rng.random_range(0..=1);
            let er = rng.random_range(0..=2);
            year(&mut *rng, &mut add, from, to, stays, 12, er);
        }
        from = to;
    }
    let housing_then = [Housing::Homeless, Housing::Institution, Housing::Family][n % 3];
    add(
        admitted,
        Source::Staff,
        Event::Housing {
            housing: housing_then,
        },
    );
    add(
        admitted,
        Source::Client,
        Event::Occupation {
            occupation: Occupation::None,
        },
    );
    let moved = admitted + Duration::days(rng.random_range(90..300));
    if moved <= end && !unchanged(n) && !n.is_multiple_of(5) {
        let housing = if n.is_multiple_of(2) {
            Housing::Own
        } else {
            Housing::Secondhand
        };
        add(moved, Source::Staff, Event::Housing { housing });
    }
    let started = admitted + Duration::days(rng.random_range(120..400));
    if started <= end && n % 2 == 1 {
        let occupation = [
            Occupation::DailyActivity,
            Occupation::WorkTraining,
            Occupation::Work,
        ][n % 3];
        add(started, Source::Client, Event::Occupation { occupation });
    }
    // Yearly, some months into the team's care.
    let mut asked = admitted + Duration::days(150);
    while asked <= end {
        let answer = |rng: &mut StdRng| Some(rng.random_range(3u8..=5));
        let answers = [
            answer(&mut *rng),
            answer(&mut *rng),
            answer(&mut *rng),
            answer(&mut *rng),
        ];
        add(
            asked,
            Source::Client,
            Event::Satisfaction {
                respondent: Respondent::Client,
                answers,
            },
        );
        if n.is_multiple_of(4) {
            let answers = [
                answer(&mut *rng),
                None,
                answer(&mut *rng),
                answer(&mut *rng),
            ];
            add(
                asked,
                Source::Relative,
                Event::Satisfaction {
                    respondent: Respondent::Relative,
                    answers,
                },
            );
        }
        asked += Duration::days(365);
    }
    out
}

/// A contact decided for the day, before it is given its time.
struct Planned {
    /// Index into the clients.
    client: usize,
    /// Index into the people: who logs it.
    author: usize,
    second: Option<usize>,
    kind: ContactKind,
    setting: Option<Setting>,
    /// Index into the places: where the client lives.
    village: usize,
    /// False: a contact with the client's network alone.
    client_present: bool,
}

/// Where a contact takes place.
struct Venue {
    name: &'static str,
    lat: f64,
    lon: f64,
}

impl Venue {
    /// The team's office, in the first place (Kalix).
    fn office(places: &[(&'static str, f64, f64)]) -> Venue {
        Self::village(places, 0)
    }

    fn village(places: &[(&'static str, f64, f64)], i: usize) -> Venue {
        let (name, lat, lon) = places[i];
        Venue { name, lat, lon }
    }

    /// Norrbotten's psychiatric and addiction wards are at Sunderby sjukhus, between Luleå and
    /// Boden.
    fn hospital() -> Venue {
        Venue {
            name: HOSPITAL,
            lat: 65.6717,
            lon: 21.9622,
        }
    }
}

/// Where ward visits take place (see [`Venue::hospital`]).
pub const HOSPITAL: &str = "Sunderby sjukhus";

/// Swedish wall-clock time `h:m` on `day`, in UTC (summer time from the last Sunday of March to
/// the last Sunday of October).
fn local_time(day: NaiveDate, h: u32, m: u32) -> anyhow::Result<DateTime<Utc>> {
    let wall = day.and_hms_opt(h, m, 0).context("a valid time")?;
    for offset in [1, 2] {
        let t = Utc.from_utc_datetime(&(wall - Duration::hours(offset)));
        if uppsok_model::fidelity::swedish_time(t) == wall {
            return Ok(t);
        }
    }
    Ok(Utc.from_utc_datetime(&(wall - Duration::hours(1))))
}

/// Where a contact of `kind` takes place: most face-to-face contacts at home, some in the
/// community, a few at the office or on a ward; attempts at the door; calls have no setting.
fn setting_for(rng: &mut StdRng, kind: ContactKind) -> Option<Setting> {
    match kind {
        ContactKind::FaceToFace => Some(match rng.random_range(0..20) {
            0..=11 => Setting::Home,
            12..=16 => Setting::Community,
            17..=18 => Setting::Office,
            _ => Setting::Inpatient,
        }),
        ContactKind::Attempted => Some(Setting::Home),
        _ => None,
    }
}

/// A note that fits what happened.
fn note_for(
    rng: &mut StdRng,
    kind: ContactKind,
    setting: Option<Setting>,
    client_present: bool,
) -> &'static str {
    if !client_present {
        let pick = [
            "Samtal med mamman, klienten var inte med.",
            "Pratade med hyresvärden om hyran.",
            "Samtal med Försäkringskassan om sjukpenningen.",
        ];
        return pick[rng.random_range(0..pick.len())];
    }
    let pick: &[&'static str] = match (kind, setting) {
        (ContactKind::Attempted, _) => &[
            "Ingen öppnade.",
            "Inte hemma, lämnade en lapp i dörren.",
            "Ingen svarade på dörren eller telefonen.",
        ],
        (ContactKind::Phone, _) => &[
            "Ringde, bokade nytt besök.",
            "Telefonsamtal, mår ungefär som förra veckan.",
            "Ringde om tiden hos läkaren.",
        ],
        (ContactKind::Message, _) => &["Sms om tiden i morgon.", "Sms, bekräftade besöket."],
        (_, Some(Setting::Office)) => &[
            "Samtal på kontoret om boendet.",
            "Planeringssamtal på kontoret.",
        ],
        (_, Some(Setting::Inpatient)) => &[
            "Besök på avdelningen, planerar utskrivningen.",
            "Besök på avdelningen, vill gärna hem.",
        ],
        (_, Some(Setting::Community)) => &[
            "Följde med till apoteket.",
            "Handlade tillsammans, mår bättre.",
            "Följde med till Försäkringskassan.",
        ],
        _ => &[
            "Hembesök, pratade om veckans planering.",
            "Hjälpte till med post och räkningar.",
            "Sov dåligt, ringer i morgon.",
        ],
    };
    pick[rng.random_range(0..pick.len())]
}

#[allow(clippy::too_many_arguments)]
fn visit(
    rng: &mut StdRng,
    c: &Client,
    author: &Person,
    second: Option<&Person>,
    start: DateTime<Utc>,
    (kind, client_present): (ContactKind, bool),
    setting: Option<Setting>,
    place: &str,
) -> anyhow::Result<Visit> {
    let mut staff = vec![author.username.clone()];
    if let Some(s) = second {
        staff.push(s.username.clone());
    }
    Ok(Visit {
        id: VisitId::new(),
        client: c.id,
        author: author.username.clone(),
        staff,
        start,
        minutes: match kind {
            ContactKind::FaceToFace => rng.random_range(3..10) * 10,
            ContactKind::Attempted => 10,
            _ => rng.random_range(1..4) * 10,
        },
        contact: kind,
        setting,
        network: !client_present || (kind != ContactKind::Attempted && rng.random_bool(0.12)),
        client_present,
        group: false,
        place: Some(PlaceName::parse(place)?),
        note: Some(uppsok_model::Note::parse(note_for(
            rng,
            kind,
            setting,
            client_present,
        ))?),
    })
}

/// Share of the proxy's connections broken on purpose once the phones are enrolled.
const FAULT_RATE: f64 = 0.2;

/// Sync runs one phone gets to drain both sides before the demo gives up. A run fails only when
/// four requests in a row break (0.2⁴ per request), so this is never reached on loopback.
const MAX_RUNS: usize = 30;

/// What the phones' syncs went through, for the line the demo prints.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Sync runs, finished or given up.
    pub runs: u64,
    /// Runs that gave up on a broken connection and were run again.
    pub failed_runs: u64,
    /// Changes pushed (a change resent after a lost answer counts once per send).
    pub sent: u64,
    pub applied: u64,
    /// Resent changes the server had already applied (their answer was cut).
    pub duplicates: u64,
    /// Pulled changes applied on the phones.
    pub received: u64,
    /// Requests retried inside a run after a broken connection.
    pub retries: u64,
    /// The proxy's counters at the end.
    pub proxy: ProxyStats,
}

impl Network {
    fn add(&mut self, r: &SyncReport) {
        self.sent += r.sent;
        self.applied += r.applied;
        self.duplicates += r.duplicates;
        self.received += r.received;
        self.retries += r.retries;
    }
}

/// The demo's sync client. It owns a small tokio runtime (for its blocking calls), which must
/// not be dropped on an async worker, so it is dropped on a thread of its own.
struct DemoSync(Option<SyncClient>);

impl DemoSync {
    fn new() -> anyhow::Result<Self> {
        let config = SyncConfig {
            // A new connection for every request, so every request meets the proxy's dice.
            reuse_connections: false,
            // Loopback: a broken connection is worth retrying at once, not after seconds.
            retry_backoff: Backoff {
                base: std::time::Duration::from_millis(10),
                max: std::time::Duration::from_millis(100),
            },
            timeouts: Timeouts {
                connect: std::time::Duration::from_secs(5),
                request: std::time::Duration::from_secs(30),
            },
            ..SyncConfig::default()
        };
        Ok(Self(Some(
            SyncClient::new(config).context("cannot set up the demo phones' sync client")?,
        )))
    }

    fn client(&self) -> anyhow::Result<&SyncClient> {
        self.0.as_ref().context("the demo's sync client is gone")
    }
}

impl Drop for DemoSync {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            // Dropping a runtime inside an async context panics; a plain thread may.
            let _ = std::thread::spawn(move || drop(c)).join();
        }
    }
}

/// Syncs one phone over the fault proxy until both sides are drained: runs that give up on
/// broken connections are run again (the outbox keeps what was not acknowledged, and the server
/// answers a resent change as a duplicate). A change the server refuses is a bug in the demo.
async fn sync_phone(
    sync: &DemoSync,
    phone: &DeviceStore,
    network: &mut Network,
) -> anyhow::Result<()> {
    let client = sync.client()?;
    for _ in 0..MAX_RUNS {
        network.runs += 1;
        match client.sync(phone).await {
            Ok(r) => {
                network.add(&r);
                if let Some(first) = r.rejected.first() {
                    anyhow::bail!(
                        "the server refused {} of a demo phone's changes (first: {})",
                        r.rejected.len(),
                        first.reason
                    );
                }
                if r.complete {
                    return Ok(());
                }
            }
            Err(e) if e.is_transient() => network.failed_runs += 1,
            Err(e) => return Err(anyhow::anyhow!("a demo phone could not sync: {e}")),
        }
    }
    anyhow::bail!("a demo phone did not finish syncing in {MAX_RUNS} runs")
}

/// The demo's server on a loopback port while the phones sync: the same router as `serve`.
struct LocalServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl LocalServer {
    async fn start(store: Store) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot listen on a loopback port for the demo phones")?;
        let addr = listener.local_addr()?;
        let router = app(AppState::new(store, Settings::default()));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(uppsok_server::serve::serve(
            listener,
            router,
            uppsok_server::serve::Limits::default(),
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Self { addr, stop, task })
    }

    /// Stops taking connections and waits (briefly) for those in flight.
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.task).await;
    }
}

/// For tests: the usernames the demo creates, by role.
pub fn demo_usernames() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("supervisor_kommun", "chef.kalix"),
        ("supervisor_region", "chef.region"),
        ("admin", "it.kalix"),
    ])
}
