//! `uppsok demo`: one command that shows all of Uppsök working. It creates a SQLite database in
//! a temporary directory (or `--data`), an ACT team like Kalix stödteam (two case managers from
//! Kalix kommun, two from Region Norrbotten, a supervisor from each), 27 clients with
//! pseudonymous codes and made-up names in villages around Kalix (coordinates from the model's
//! gazetteer), and then runs one simulated phone per case manager on the real `uppsok-device`
//! encrypted store: the phones log three months of visits (attempts, two-staff visits, phone
//! contacts, network contacts) and trips offline, day by day, and every few days drain their
//! outbox to the server. Then it serves the dashboard until Ctrl-C and prints the URL and the
//! demo supervisor's login.
//!
//! Honest limits: the phones drain their outbox in-process into the server's store (the same
//! record writes, revisions and access-log entries the sync route makes) rather than over HTTP
//! through the fault proxy — the device sync client was not in the tree when this was written
//! and the proxy lives in the tests crate. The phones use a platform-style random key
//! ([`FixedKeyProvider`]) instead of a PBKDF2 passphrase so the demo starts in seconds.
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
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use uppsok_device::{FixedKeyProvider, Kek, Profile, Store as DeviceStore};
use uppsok_model::fidelity::swedish_date;
use uppsok_model::mileage::straight_line_km;
use uppsok_model::{
    Client, ClientCode, ClientId, Consent, ConsentState, ContactKind, DeviceId, DistanceSource,
    Entity, OrgId, OrgKind, PersonName, Phase, PlaceName, Purpose, Rates, Record, Role, Setting,
    StaffId, TeamId, Trip, TripId, Username, Vehicle, Visit, VisitId, gazetteer,
};

use crate::api::{AppState, Settings, app};
use crate::auth::{self, PasswordCost};
use crate::store::{AuditEntry, NewStaff, PoolSize, RecordWrite, Store};

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
    let started = Instant::now();
    let (dir, _cleanup) = match &args.data {
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
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let db = dir.join("uppsok.db");
    if db.exists() {
        anyhow::bail!(
            "{} already holds a database; give an empty --data directory",
            dir.display()
        );
    }
    let url = format!("sqlite://{}", db.display());
    let store = Store::connect(&url, PoolSize::default())
        .await
        .context("cannot create the database")?;
    let seeded = seed(&store, &dir, args.days, args.seed).await?;
    crate::dashboard::data::ensure_indexes(&store).await?;
    let login = serde_json::json!({
        "database": url,
        "password": DEMO_PASSWORD,
        "users": seeded.logins,
        "team": seeded.team.to_string(),
    });
    std::fs::write(
        dir.join("demo-login.json"),
        serde_json::to_vec_pretty(&login)?,
    )?;
    eprintln!(
        "uppsok demo: team, 27 clients, {} visits and {} trips from {} phones in {:.1} s",
        seeded.visits,
        seeded.trips,
        seeded.phones,
        started.elapsed().as_secs_f64()
    );
    if args.seed_only {
        store.close().await;
        println!("seeded {}", dir.display());
        // Keep the directory: the caller asked for the database.
        std::mem::forget(_cleanup);
        return Ok(());
    }

    let listener = TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let settings = Settings::default();
    let router = app(AppState::new(store.clone(), settings));
    let (user, secret) = seeded
        .supervisor
        .clone()
        .context("the demo supervisor was not created")?;
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
        dir.join("demo-login.json").display()
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
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(crate::serve::shutdown_signal())
    .await
    .context("server error")?;
    printer.abort();
    store.close().await;
    Ok(())
}

/// What seeding made.
pub struct Seeded {
    pub team: TeamId,
    pub visits: usize,
    pub trips: usize,
    pub phones: usize,
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
/// A client not reached for 12 days despite attempts, and one nobody tried for 10 days.
const OVERDUE_ATTEMPTS: usize = 7;
const OVERDUE_UNTRIED: usize = 13;

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
                service_car_ore_per_km: 0,
            },
        )
        .await?;
    let team = store
        .create_team("Kalix stödteam", kommun.id, "K-###")
        .await?;
    let other_team = store
        .create_team("Haparanda stödteam", kommun.id, "H-###")
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

    // One phone per case manager, enrolled with a one-time code like a real phone.
    let phones_dir = dir.join("phones");
    std::fs::create_dir_all(&phones_dir)?;
    let mut phones: Vec<(DeviceStore, DeviceId)> = Vec::new();
    for p in &people {
        let (code, hash) = auth::new_enrolment_code();
        store.create_enrolment_code(p.id, &hash, 3_600_000).await?;
        let (token, token_hash) = auth::new_token(auth::DEVICE_PREFIX);
        let device = match store
            .redeem_enrolment_code(
                &auth::hash_enrolment_code(&code),
                &token_hash,
                Some(&format!("Telefon {}", p.username)),
                Some("1.0.0-demo"),
            )
            .await?
        {
            crate::store::EnrolmentOutcome::Enrolled(d) => d,
            crate::store::EnrolmentOutcome::Refused => anyhow::bail!("enrolment refused"),
        };
        let provider = FixedKeyProvider::new(Kek::random()?);
        let profile = Profile {
            user: p.username.clone(),
            team: team.id,
            org: p.org,
            code_pattern: uppsok_model::CodePattern("K-###".into()),
            server_url: None,
            device_id: Some(device.id),
        };
        let phone = DeviceStore::create(
            phones_dir.join(format!("{}.db", p.username)),
            &provider,
            &profile,
        )?;
        phone.set_device_token(Some(&token))?;
        phones.push((phone, device.id));
    }

    // Clients: registered on their owner's phone; the other phones get them as a pull would.
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
        let consent = if NO_CONSENT.contains(&n) {
            Consent::default()
        } else {
            Consent {
                state: ConsentState::Given,
                date: Some(first_day),
                recorded_by: Some(people[owner].username.clone()),
            }
        };
        let phase = match n % 5 {
            0 => Phase::Stable,
            1 if n > 20 => Phase::Intake,
            _ => Phase::Active,
        };
        let c = Client {
            id: ClientId::new(),
            team: team.id,
            code: ClientCode::parse(format!("K-{n:03}"))?,
            name: PersonName::parse(name)?,
            org: people[owner].org,
            phase,
            closed_reason: None,
            next_contact: Some(today + Duration::days(rng.random_range(1..10))),
            consent,
        };
        clients.push((c, owner, 1 + i % (places.len().max(2) - 1)));
    }
    for (c, owner, _) in &clients {
        phones[*owner].0.save_client(c)?;
    }
    let mut counts = (0usize, 0usize);
    drain_all(store, &phones, &people, team.id, &mut counts).await?;
    for (phone, _) in &phones {
        // Read before the write: the store's lock is not re-entrant.
        let mut missing = Vec::new();
        for (c, _, _) in &clients {
            if phone.record(Entity::Client, c.id.0)?.is_none() {
                missing.push(c.clone());
            }
        }
        let hlc = phone.last_hlc();
        phone.write(|w| {
            for c in missing {
                w.apply_remote(&Record::Client(c), hlc, false)?;
            }
            Ok(())
        })?;
    }

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
        for (n0, (c, owner, village)) in clients.iter().enumerate() {
            let n = n0 + 1;
            let since = (today - day).num_days();
            // The two overdue clients: nothing reached them lately (see the overview).
            if n == OVERDUE_ATTEMPTS && since < 12 {
                if since == 5 || since == 2 {
                    let v = visit(
                        &mut rng,
                        c,
                        &people[*owner],
                        None,
                        day,
                        ContactKind::Attempted,
                        places[*village].0,
                    )?;
                    per_phone[*owner].0.push(v);
                }
                continue;
            }
            if n == OVERDUE_UNTRIED && since < 10 {
                continue;
            }
            let rate = match c.phase {
                Phase::Intake => 0.9,
                Phase::Active => 0.75,
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
            let second = (kind == ContactKind::FaceToFace && rng.random_bool(0.3))
                .then(|| (author + 1 + rng.random_range(0..people.len() - 1)) % people.len());
            let place = places[*village].0;
            let v = visit(
                &mut rng,
                c,
                &people[author],
                second.map(|s| &people[s]),
                day,
                kind,
                place,
            )?;
            if matches!(kind, ContactKind::FaceToFace | ContactKind::Attempted)
                && v.setting != Some(Setting::Office)
                && place != "Kalix"
            {
                let (_, lat, lon) = places[*village];
                let one_way = straight_line_km(
                    uppsok_model::mileage::LatLon::new(base.0, base.1),
                    uppsok_model::mileage::LatLon::new(lat, lon),
                ) * 1.25;
                let km = (one_way * 2.0 * 10.0).round() / 10.0;
                let p = &people[author];
                let with_odometer = rng.random_bool(0.3);
                let odo_start = odometer[author];
                let km = if with_odometer { km.round() } else { km };
                odometer[author] += km.round() as u32 + 3;
                let trip = Trip {
                    id: TripId::new(),
                    driver: p.username.clone(),
                    vehicle: if p.kommun {
                        Vehicle::Own
                    } else {
                        Vehicle::Service {
                            registration: "NRB123".into(),
                        }
                    },
                    start: v.start - Duration::minutes(45),
                    end: Some(v.start + Duration::minutes(i64::from(v.minutes) + 45)),
                    from: PlaceName::parse("Kalix")?,
                    to: PlaceName::parse(place)?,
                    from_address: None,
                    to_address: None,
                    purpose: Purpose::parse(if kind == ContactKind::Attempted {
                        "Hembesök (ej anträffad)"
                    } else {
                        "Hembesök"
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
                        share_estimated: if place == "Morjärv" || place == "Överkalix" {
                            0.18
                        } else {
                            0.02
                        },
                        fixes_used: 900,
                        fixes_dropped: 12,
                    }),
                };
                per_phone[author].1.push(trip);
            }
            per_phone[author].0.push(v);
        }
        for ((phone, _), (visits, trips)) in phones.iter().zip(per_phone) {
            if visits.is_empty() && trips.is_empty() {
                continue;
            }
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
                drain(store, &phones[i], &people[i], team.id, &mut counts).await?;
                *next = day + Duration::days(rng.random_range(1..=4));
            }
        }
        day += Duration::days(1);
    }
    drain_all(store, &phones, &people, team.id, &mut counts).await?;

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
            via: "api",
            action: "read",
            entity: Some(Entity::Client),
            client: Some(c.id),
            record: Some(c.id.0),
            team: Some(team.id),
            record_org: Some(c.org),
        });
    }
    if let Some((c, _, _)) = clients.get(4) {
        entries.push(AuditEntry {
            actor_staff: outsider,
            actor_username: "lars.ek".into(),
            actor_org: kommun.id,
            device: None,
            via: "api",
            action: "read",
            entity: Some(Entity::Client),
            client: Some(c.id),
            record: Some(c.id.0),
            team: Some(team.id),
            record_org: Some(c.org),
        });
    }
    store.append_audit(&entries).await?;
    Ok(Seeded {
        team: team.id,
        visits: counts.0,
        trips: counts.1,
        phones: phones.len(),
        supervisor,
        logins,
    })
}

fn visit(
    rng: &mut StdRng,
    c: &Client,
    author: &Person,
    second: Option<&Person>,
    day: NaiveDate,
    kind: ContactKind,
    place: &str,
) -> anyhow::Result<Visit> {
    // Daytime in Sweden: 08:00–16:00 local is 07:00–15:00 UTC in winter.
    let hour = rng.random_range(7..15);
    let minute = rng.random_range(0..4) * 15;
    let start: DateTime<Utc> =
        Utc.from_utc_datetime(&day.and_hms_opt(hour, minute, 0).context("a valid time")?);
    let mut staff = vec![author.username.clone()];
    if let Some(s) = second {
        staff.push(s.username.clone());
    }
    let setting = match kind {
        ContactKind::FaceToFace => Some(match rng.random_range(0..20) {
            0..=11 => Setting::Home,
            12..=16 => Setting::Community,
            17..=18 => Setting::Office,
            _ => Setting::Inpatient,
        }),
        ContactKind::Attempted => Some(Setting::Home),
        _ => None,
    };
    let notes = [
        "Pratade om veckans planering.",
        "Följde med till apoteket.",
        "Handlade tillsammans, mår bättre.",
        "Sov dåligt, ringer i morgon.",
        "Ingen öppnade.",
    ];
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
        network: kind != ContactKind::Attempted && rng.random_bool(0.12),
        place: Some(PlaceName::parse(place)?),
        note: Some(uppsok_model::Note::parse(
            notes[rng.random_range(0..notes.len())],
        )?),
    })
}

async fn drain_all(
    store: &Store,
    phones: &[(DeviceStore, DeviceId)],
    people: &[Person],
    team: TeamId,
    counts: &mut (usize, usize),
) -> anyhow::Result<()> {
    for (i, p) in phones.iter().enumerate() {
        drain(store, p, &people[i], team, counts).await?;
    }
    Ok(())
}

/// One phone's sync: its outbox in batches to the server, each batch in one server transaction
/// with its access-log entries, acknowledged on the phone only after the commit.
async fn drain(
    store: &Store,
    phone: &(DeviceStore, DeviceId),
    person: &Person,
    team: TeamId,
    counts: &mut (usize, usize),
) -> anyhow::Result<()> {
    let (device, device_id) = phone;
    loop {
        let batch = device.outbox_batch(200)?;
        if batch.is_empty() {
            break;
        }
        let mut tx = store.begin().await?;
        let mut audit = Vec::with_capacity(batch.len());
        for e in &batch {
            let org = match &e.record {
                Record::Client(c) => c.org,
                _ => person.org,
            };
            tx.upsert_record(&RecordWrite {
                record: e.record.clone(),
                deleted: e.deleted,
                author: person.id,
                org,
                team: Some(team),
                device: Some(*device_id),
            })
            .await?;
            match &e.record {
                Record::Visit(_) => counts.0 += 1,
                Record::Trip(_) => counts.1 += 1,
                _ => {}
            }
            let client = match &e.record {
                Record::Client(c) => Some(c.id),
                Record::Visit(v) => Some(v.client),
                _ => None,
            };
            audit.push(AuditEntry {
                actor_staff: person.id,
                actor_username: person.username.to_string(),
                actor_org: person.org,
                device: Some(*device_id),
                via: "sync",
                action: "create",
                entity: Some(e.entity),
                client,
                record: Some(e.record_id),
                team: Some(team),
                record_org: Some(org),
            });
        }
        tx.append_audit(&audit).await?;
        tx.commit().await?;
        let ids: Vec<_> = batch.iter().map(|e| e.change_id).collect();
        device.ack(&ids)?;
        store
            .touch_device_sync(*device_id, Some("1.0.0-demo"))
            .await?;
    }
    Ok(())
}

/// For tests: the usernames the demo creates, by role.
pub fn demo_usernames() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("supervisor_kommun", "chef.kalix"),
        ("supervisor_region", "chef.region"),
        ("admin", "it.kalix"),
    ])
}
