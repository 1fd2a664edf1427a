//! `uppsok admin`: administration straight against the database, so it works before the
//! server first starts and while it is stopped. Scripts rely on the command names. Secrets
//! (initial passwords, enrolment codes, TOTP URIs) are printed once on stdout and stored only
//! as hashes — the TOTP secret excepted, which the server must be able to read to check codes:
//! it is sealed with the server key (`uppsok_server::secrets`), which this command loads like `serve`.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand};
use uppsok_model::{DeviceId, OrgKind, PersonName, Rates, Role, Username};

use uppsok_server::auth::{self, PasswordCost};
use uppsok_server::config;
use uppsok_server::store::{
    AuditJournal, NewStaff, OidcConfig, OrgRow, PoolSize, StaffRow, Store, TeamRow,
};

#[derive(Args, Debug)]
pub struct AdminArgs {
    /// sqlite://PATH or postgres://… [default: the SQLite file `uppsok serve` uses].
    #[arg(long, env = "UPPSOK_DATABASE", global = true)]
    pub database: Option<String>,
    /// Where the default SQLite database lives.
    #[arg(long, env = "UPPSOK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// The key that seals TOTP secrets, as for `uppsok serve` [default: server.key beside a
    /// SQLite database, else in the data directory].
    #[arg(
        long,
        env = "UPPSOK_SECRET_KEY_FILE",
        global = true,
        value_name = "FILE"
    )]
    pub secret_key_file: Option<PathBuf>,
    /// The access-log journal's directory, as for `uppsok serve` [default: access-journal
    /// beside a SQLite database].
    #[arg(long, env = "UPPSOK_AUDIT_JOURNAL", global = true, value_name = "DIR")]
    pub audit_journal: Option<PathBuf>,
    /// Create the database when it does not exist yet (as `uppsok admin init` does); without
    /// it, a missing database is an error that names where it was looked for.
    #[arg(long, global = true)]
    pub create: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create the database (and the server key) where `--database` or the data directory says,
    /// or bring an existing one up to date. Every other command refuses to create one.
    Init,
    /// Organisations (a municipality or a region).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Print a one-time enrolment code (valid 24 h) for a user's phone, with its QR code.
    /// (`enroll` is accepted too.)
    #[command(alias = "enroll")]
    Enrol {
        username: String,
        /// Do not draw the QR code.
        #[arg(long)]
        no_qr: bool,
    },
    /// Enrolled phones.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// The organisation's own cars (pool cars and benefit cars), each with its körjournal.
    #[command(subcommand)]
    Vehicle(crate::vehicle::VehicleCommand),
    /// Retention (gallring): periods per organisation and class, legal holds, the culling job
    /// and its records.
    #[command(subcommand)]
    Retention(crate::retention::RetentionCommand),
    /// Write a consistent copy of the SQLite database to FILE while the server keeps running
    /// (replacing an earlier backup there only once the new one is complete and checked; the
    /// file is readable by its owner only). PostgreSQL: use pg_dump.
    Backup {
        /// Where the copy goes, e.g. /var/backups/uppsok/uppsok-$(date +%F).db
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// After restoring the database from a backup: put back the access-log entries the
    /// journal holds and the database lacks (from an hour before its newest entry on; running
    /// it twice adds nothing). `uppsok serve` does the same when it starts.
    RestoreJournal,
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    Add {
        #[arg(long)]
        name: String,
        /// municipality or region
        #[arg(long)]
        kind: String,
        /// Reimbursement for driving one's own car, kr per km (e.g. 3.05).
        #[arg(long)]
        own_car_rate: Option<f64>,
        /// Reimbursement for driving a service car, kr per km (usually 0).
        #[arg(long)]
        service_car_rate: Option<f64>,
    },
    List,
    /// Change the reimbursement rates, from a day on (default today). Trips before that day
    /// keep their old price; a day in or before a month already approved is refused.
    Rates {
        org: String,
        #[arg(long)]
        own_car_rate: Option<f64>,
        #[arg(long)]
        service_car_rate: Option<f64>,
        /// Fuel allowance for a benefit car whose driver pays the fuel, fossil fuel, kr per km
        /// (Skatteverket's tax-free amount 1.20).
        #[arg(long)]
        benefit_fossil_rate: Option<f64>,
        /// The same for a benefit car that runs on electricity alone, kr per km (tax-free 0.95).
        #[arg(long)]
        benefit_electric_rate: Option<f64>,
        /// The first day the new rates apply, YYYY-MM-DD (default: today).
        #[arg(long)]
        from: Option<String>,
    },
    /// Log in with the organisation's identity provider (OpenID Connect). The client secret
    /// comes from UPPSOK_OIDC_CLIENT_SECRET or the first line of stdin (--client-secret-stdin),
    /// never from the command line; it is stored sealed with the server key. When the
    /// organisation already has a provider, an omitted secret keeps the stored one. Register
    /// https://YOUR-HOST/login/oidc/callback as the redirect URI at the provider.
    Oidc {
        org: String,
        /// The provider's issuer URL (https; http only on the loopback).
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// Read the client secret from the first line of stdin.
        #[arg(long)]
        client_secret_stdin: bool,
        /// The ID-token claim that names the account (`sub`, or e.g. an HSA-id claim).
        #[arg(long, default_value = "sub")]
        subject_claim: String,
        /// An accepted authentication context (`acr`); repeat for several. None: any.
        #[arg(long = "acr")]
        acr: Vec<String>,
        /// Whether the organisation's staff may still log in with a password.
        #[arg(long, value_enum, default_value = "allow")]
        passwords: Passwords,
        /// Whether case managers and supervisors may enrol their phones by logging in at the
        /// provider from the app (GET /enrol/oidc), instead of a code from an admin.
        #[arg(long, value_enum, default_value = "refuse")]
        phone_enrolment: Passwords,
        /// Whether someone the provider vouches for and no account has gets one at their first
        /// login: inactive, without a role or team until an admin sets them (`user role`).
        #[arg(long, value_enum, default_value = "refuse")]
        provision: Passwords,
    },
    /// Turn the organisation's OIDC login off (passwords work again).
    OidcOff {
        org: String,
    },
    /// What an hour of the organisation's staff costs, dated (for the cost page and the yearly
    /// report).
    #[command(subcommand)]
    StaffCost(crate::cost::StaffCostCommand),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passwords {
    Allow,
    Refuse,
}

#[derive(Subcommand, Debug)]
pub enum TeamCommand {
    Add {
        #[arg(long)]
        name: String,
        /// The organisation that runs the team (name or id).
        #[arg(long)]
        org: String,
        /// Pattern of client codes: # a digit, @ a capital letter.
        #[arg(long, default_value = "K-###")]
        code_pattern: String,
    },
    List,
    /// How many full-time posts an organisation puts into the team (for the full staff cost
    /// per client on the cost page; 0 removes it).
    Staffing {
        /// The team (name or id).
        team: String,
        /// The organisation (name or id).
        #[arg(long)]
        org: String,
        /// Full-time posts, e.g. 2,5.
        #[arg(long)]
        posts: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; prints a one-time initial password (or reads one with
    /// --password-stdin).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// case_manager, supervisor or admin
        #[arg(long)]
        role: String,
        /// Organisation (name or id).
        #[arg(long)]
        org: String,
        /// Team (name or id); repeat for several.
        #[arg(long = "team")]
        teams: Vec<String>,
        /// Read the initial password from the first line of stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// The account's subject at its organisation's identity provider (the value of the
        /// organisation's subject claim), for logging in there.
        #[arg(long)]
        oidc_subject: Option<String>,
    },
    /// Set (or with --clear remove) the account's subject at its organisation's identity
    /// provider.
    OidcSubject {
        username: String,
        subject: Option<String>,
        #[arg(long, conflicts_with = "subject")]
        clear: bool,
    },
    List {
        /// Only this organisation's staff (name or id).
        #[arg(long)]
        org: Option<String>,
    },
    /// Print the otpauth:// URI (and QR code) of the user's TOTP second factor, creating the
    /// secret when there is none.
    Totp {
        username: String,
        /// Replace the secret (the old authenticator entry stops working).
        #[arg(long)]
        reset: bool,
        #[arg(long)]
        no_qr: bool,
    },
    /// Set a new one-time password (printed, or read with --password-stdin); unlocks the account
    /// and ends its sessions.
    ResetPassword {
        username: String,
        /// Read the new password from the first line of stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Add the user to a team; their phones get the team's records at their next sync.
    AddTeam {
        username: String,
        team: String,
    },
    /// Take the user off a team; their phones drop its records at their next sync (their own
    /// trips stay: the körjournal is theirs).
    RemoveTeam {
        username: String,
        team: String,
    },
    /// Change a person's settings.
    Set {
        username: String,
        /// Home–workplace distance in km (12,5; 0 clears it): a trip from home is paid only
        /// beyond it.
        #[arg(long, value_name = "KM")]
        home_work_km: String,
    },
    /// Give the account its role (case_manager, supervisor or admin); an account created at
    /// its first login through the identity provider then stops awaiting an admin (activate it
    /// after adding its teams).
    Role {
        username: String,
        role: String,
    },
    /// Stop the account from logging in or syncing (its records and log entries stay).
    Deactivate {
        username: String,
    },
    Activate {
        username: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DeviceCommand {
    List {
        /// Only this user's devices.
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a device; with --wipe the phone also destroys its local data on next contact.
    Revoke {
        id: String,
        #[arg(long)]
        wipe: bool,
    },
}

pub fn run(args: AdminArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("uppsok admin: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(admin(args)) {
        Ok(()) => ExitCode::from(crate::exit::OK),
        Err(e) => {
            eprintln!("uppsok admin: {e:#}");
            ExitCode::from(crate::exit::FAILED)
        }
    }
}

async fn admin(args: AdminArgs) -> anyhow::Result<()> {
    let create = args.create || matches!(args.command, AdminCommand::Init);
    let url = match &args.database {
        Some(u) => u.clone(),
        None => config::default_database_url(args.data_dir.as_deref())?,
    };
    let what = uppsok_server::store::describe(&url);
    let existed = uppsok_server::store::is_set_up(&url)
        .await
        .with_context(|| format!("cannot reach the {what}"))?;
    if !existed && !create {
        bail!(
            "there is no Uppsök database yet at {where_}: run `uppsok admin init` to create it \
             there, or point --database (UPPSOK_DATABASE) or --data-dir (UPPSOK_DATA_DIR) at the \
             existing one",
            where_ = what.trim_start_matches("SQLite database ")
        );
    }
    if !existed && url.starts_with("sqlite:") {
        // The data directory, created only now that a database was asked for.
        config::database_url(args.database.as_deref(), args.data_dir.as_deref())?;
    }
    eprintln!(
        "uppsok admin: {} {what}",
        if existed { "using" } else { "creating" }
    );
    let key_path = config::secret_key_path(
        args.secret_key_file.as_deref(),
        &url,
        args.data_dir.as_deref(),
    )?;
    let key = uppsok_server::secrets::ServerKey::load_or_create(&key_path)?;
    let journal_dir = config::audit_journal_dir(args.audit_journal.as_deref(), &url);
    let journal = match (&args.command, &journal_dir) {
        (AdminCommand::RestoreJournal, None) => bail!(
            "the database is not a SQLite file: say where the access-log journal is with \
             --audit-journal DIR (UPPSOK_AUDIT_JOURNAL)"
        ),
        (AdminCommand::RestoreJournal, Some(dir)) if !dir.is_dir() => {
            bail!("there is no access-log journal at {}", dir.display())
        }
        (AdminCommand::RestoreJournal, Some(dir)) => {
            Some(AuditJournal::open(dir, &key).context("cannot open the access-log journal")?)
        }
        _ => None,
    };
    let store = Store::connect_with_journal(&url, PoolSize { max: 2 }, journal)
        .await
        .context("cannot open the database")?
        .with_server_key(std::sync::Arc::new(key));
    store
        .seal_plaintext_totp_secrets()
        .await
        .context("cannot seal the stored TOTP secrets")?;
    let result = dispatch(&store, args.command, journal_dir.as_deref()).await;
    store.close().await;
    result
}

fn ore_per_km(kr: Option<f64>, default: i64) -> anyhow::Result<i64> {
    match kr {
        None => Ok(default),
        Some(k) if k.is_finite() && (0.0..=100.0).contains(&k) => Ok((k * 100.0).round() as i64),
        Some(_) => bail!("a rate must be between 0 and 100 kr per km"),
    }
}

pub(crate) async fn org(store: &Store, name_or_id: &str) -> anyhow::Result<OrgRow> {
    store
        .find_org(name_or_id)
        .await?
        .ok_or_else(|| anyhow!("no organisation named or with id {name_or_id:?}"))
}

pub(crate) async fn team(store: &Store, name_or_id: &str) -> anyhow::Result<TeamRow> {
    store
        .find_team(name_or_id)
        .await?
        .ok_or_else(|| anyhow!("no team named or with id {name_or_id:?}"))
}

async fn user(store: &Store, name_or_id: &str) -> anyhow::Result<StaffRow> {
    store
        .find_staff(name_or_id)
        .await?
        .ok_or_else(|| anyhow!("no user {name_or_id:?}"))
}

/// A password from stdin when it is piped, else a generated one that is printed. Returns
/// (password, generated?).
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((auth::random_password(), true));
    }
    let stdin = std::io::stdin();
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_owned();
    if let Some(rule) = auth::password_problem(&pw) {
        bail!("the password on stdin {rule}");
    }
    Ok((pw, false))
}

/// An identifier an admin types: 1–`max` characters, none of them a space or a control.
fn printable(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.chars().count() <= max
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn subject_rule() -> String {
    format!(
        "--oidc-subject must be 1–{} characters, without control characters or leading or trailing spaces",
        uppsok_server::store::SUBJECT_MAX
    )
}

/// The OIDC client secret from UPPSOK_OIDC_CLIENT_SECRET or, with `from_stdin`, the first line
/// of stdin; `None` when neither gives one.
fn client_secret(from_stdin: bool) -> anyhow::Result<Option<zeroize::Zeroizing<String>>> {
    let secret = if from_stdin {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line)?;
        zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
    } else {
        match std::env::var("UPPSOK_OIDC_CLIENT_SECRET") {
            Ok(v) => zeroize::Zeroizing::new(v),
            Err(_) => return Ok(None),
        }
    };
    if secret.is_empty() || secret.chars().count() > 1024 || secret.chars().any(char::is_control) {
        bail!("the client secret must be 1–1024 characters without control characters");
    }
    Ok(Some(secret))
}

fn print_qr(text: &str) -> anyhow::Result<()> {
    let code = qrcode::QrCode::new(text.as_bytes()).context("cannot draw the QR code")?;
    let image = code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .build();
    println!("{image}");
    Ok(())
}

fn ms_text(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

async fn dispatch(
    store: &Store,
    cmd: AdminCommand,
    journal_dir: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        AdminCommand::Init => {
            let (orgs, staff) = (
                store.list_orgs().await?.len(),
                store.list_staff(None, None).await?.len(),
            );
            writeln!(
                out,
                "the database is ready ({orgs} organisations, {staff} accounts); next: uppsok admin org add"
            )?;
        }
        AdminCommand::Retention(cmd) => crate::retention::dispatch(store, cmd, &mut out).await?,
        AdminCommand::Backup { out: dest } => {
            let r = store
                .backup_to(&dest)
                .await
                .context("the backup was not written")?;
            writeln!(
                out,
                "backup written to {} ({} bytes, schema {}, {} clients, {} visits, {} trips, {} access-log entries; integrity ok)",
                r.path.display(),
                r.bytes,
                r.schema_version,
                r.clients,
                r.visits,
                r.trips,
                r.audit_entries
            )?;
            // What a restore from this file keeps of the access log (docs/server.md).
            match journal_dir.filter(|d| d.is_dir()) {
                Some(d) => writeln!(
                    out,
                    "access-log entries written after this backup stay in the journal {}; after a \
                     restore, uppsok serve puts them back when it starts (or: uppsok admin \
                     restore-journal)",
                    d.display()
                )?,
                None => writeln!(
                    out,
                    "warning: no access-log journal found{}: access-log entries written after \
                     this backup would be lost with a restore",
                    journal_dir.map_or(String::new(), |d| format!(" at {}", d.display()))
                )?,
            }
        }
        AdminCommand::RestoreJournal => {
            let r = store
                .replay_audit_journal()
                .await
                .context("the journal was not replayed")?;
            writeln!(
                out,
                "access-log journal replayed: {} entries put back, {} already in the database, \
                 {} older than the database's newest entry (left alone), {} lines skipped \
                 (cut short, changed or signed with another server key), {} files read",
                r.inserted, r.present, r.older, r.skipped, r.files
            )?;
        }
        AdminCommand::Org(OrgCommand::Add {
            name,
            kind,
            own_car_rate,
            service_car_rate,
        }) => {
            let name = PersonName::parse(&name)?;
            let kind: OrgKind = kind.parse()?;
            let d = Rates::default();
            let rates = Rates {
                own_car_ore_per_km: ore_per_km(own_car_rate, d.own_car_ore_per_km)?,
                service_car_ore_per_km: ore_per_km(service_car_rate, d.service_car_ore_per_km)?,
                ..d
            };
            let o = store.create_org(name.as_str(), kind, rates).await?;
            writeln!(out, "{}\t{}\t{}", o.id, o.name, o.kind)?;
        }
        AdminCommand::Org(OrgCommand::List) => {
            for o in store.list_orgs().await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\town car {:.2} kr/km\tservice car {:.2} kr/km",
                    o.id,
                    o.name,
                    o.kind,
                    o.rates.own_car_ore_per_km as f64 / 100.0,
                    o.rates.service_car_ore_per_km as f64 / 100.0
                )?;
            }
        }
        AdminCommand::Org(OrgCommand::Rates {
            org: o,
            own_car_rate,
            service_car_rate,
            benefit_fossil_rate,
            benefit_electric_rate,
            from,
        }) => {
            let o = org(store, &o).await?;
            let from = match from.as_deref() {
                None => uppsok_model::fidelity::swedish_date(chrono::Utc::now()),
                Some(s) => chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map_err(|_| anyhow!("--from is a date written YYYY-MM-DD"))?,
            };
            let rates = Rates {
                own_car_ore_per_km: ore_per_km(own_car_rate, o.rates.own_car_ore_per_km)?,
                service_car_ore_per_km: ore_per_km(
                    service_car_rate,
                    o.rates.service_car_ore_per_km,
                )?,
                benefit_fossil_ore_per_km: ore_per_km(
                    benefit_fossil_rate,
                    o.rates.benefit_fossil_ore_per_km,
                )?,
                benefit_electric_ore_per_km: ore_per_km(
                    benefit_electric_rate,
                    o.rates.benefit_electric_ore_per_km,
                )?,
            };
            store.set_org_rates(o.id, rates, from).await?;
            writeln!(
                out,
                "rates of {} from {from}: {:.2} kr/km own car, {:.2} kr/km service car, \
                 benefit car with the driver's fuel {:.2} kr/km fossil, {:.2} kr/km electric",
                o.name,
                rates.own_car_ore_per_km as f64 / 100.0,
                rates.service_car_ore_per_km as f64 / 100.0,
                rates.benefit_fossil_ore_per_km as f64 / 100.0,
                rates.benefit_electric_ore_per_km as f64 / 100.0
            )?;
        }
        AdminCommand::Org(OrgCommand::Oidc {
            org: o,
            issuer,
            client_id,
            client_secret_stdin,
            subject_claim,
            acr,
            passwords,
            phone_enrolment,
            provision,
        }) => {
            let o = org(store, &o).await?;
            let issuer = issuer.trim().to_owned();
            if let Some(rule) = uppsok_server::oidc::issuer_problem(&issuer) {
                bail!("--issuer {rule}");
            }
            if !printable(&client_id, 255) {
                bail!("--client-id must be 1–255 printable characters without spaces");
            }
            if !printable(&subject_claim, 100) {
                bail!("--subject-claim must be 1–100 printable characters without spaces");
            }
            if let Some(bad) = acr.iter().position(|a| !printable(a, 255)) {
                bail!(
                    "--acr (number {}) must be 1–255 printable characters without spaces",
                    bad + 1
                );
            }
            let secret = match client_secret(client_secret_stdin)? {
                Some(s) => s,
                None => match store.oidc_config(o.id).await? {
                    Some(old) => old.client_secret,
                    None => bail!(
                        "the client secret is missing: set UPPSOK_OIDC_CLIENT_SECRET or pass it on stdin with --client-secret-stdin"
                    ),
                },
            };
            let allowed = passwords == Passwords::Allow;
            store
                .set_oidc_config(&OidcConfig {
                    org: o.id,
                    issuer: issuer.clone(),
                    client_id: client_id.clone(),
                    client_secret: secret,
                    subject_claim: subject_claim.clone(),
                    acr_values: acr.clone(),
                    passwords_allowed: allowed,
                    phone_enrolment: phone_enrolment == Passwords::Allow,
                    provision: provision == Passwords::Allow,
                })
                .await?;
            writeln!(
                out,
                "{} logs in with {issuer} (client {client_id}, account claim {subject_claim}, acr {}); passwords {}; phone enrolment {}; accounts at first login {}",
                o.name,
                if acr.is_empty() {
                    "any".to_owned()
                } else {
                    acr.join(" or ")
                },
                if allowed { "still allowed" } else { "refused" },
                if phone_enrolment == Passwords::Allow {
                    "allowed"
                } else {
                    "off"
                },
                if provision == Passwords::Allow {
                    "created, awaiting an admin"
                } else {
                    "refused"
                }
            )?;
            writeln!(
                out,
                "register https://YOUR-HOST/login/oidc/callback as the redirect URI at the provider"
            )?;
        }
        AdminCommand::Org(OrgCommand::OidcOff { org: o }) => {
            let o = org(store, &o).await?;
            if store.remove_oidc_config(o.id).await? {
                writeln!(out, "{} logs in with passwords only again", o.name)?;
            } else {
                writeln!(out, "{} had no identity provider", o.name)?;
            }
        }
        AdminCommand::Team(TeamCommand::Add {
            name,
            org: o,
            code_pattern,
        }) => {
            let name = PersonName::parse(&name)?;
            let o = org(store, &o).await?;
            if code_pattern.is_empty() || code_pattern.len() > 16 {
                bail!("the code pattern must be 1–16 characters, like K-###");
            }
            let t = store
                .create_team(name.as_str(), o.id, &code_pattern)
                .await?;
            writeln!(out, "{}\t{}\t{}", t.id, t.name, o.name)?;
        }
        AdminCommand::Org(OrgCommand::StaffCost(cmd)) => {
            crate::cost::staff_cost(store, cmd, &mut out).await?
        }
        AdminCommand::Vehicle(cmd) => crate::vehicle::run(store, cmd, &mut out).await?,
        AdminCommand::Team(TeamCommand::Staffing { team, org, posts }) => {
            crate::cost::staffing(store, &team, &org, &posts, &mut out).await?
        }
        AdminCommand::Team(TeamCommand::List) => {
            let orgs = store.list_orgs().await?;
            for t in store.list_teams().await? {
                let o = orgs
                    .iter()
                    .find(|o| o.id == t.org)
                    .map_or("?", |o| o.name.as_str());
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    t.id, t.name, o, t.client_code_pattern
                )?;
            }
        }
        AdminCommand::User(UserCommand::Add {
            username,
            name,
            role,
            org: o,
            teams,
            password_stdin,
            oidc_subject,
        }) => {
            if let Some(sub) = oidc_subject.as_deref()
                && !uppsok_server::store::oidc_subject_ok(sub)
            {
                bail!("{}", subject_rule());
            }
            let username = Username::parse(&username)?;
            let name = PersonName::parse(&name)?;
            let role: Role = role.parse()?;
            let o = org(store, &o).await?;
            let mut team_ids = Vec::new();
            for t in &teams {
                team_ids.push(team(store, t).await?.id);
            }
            let (password, generated) = new_password(password_stdin)?;
            let hash = auth::hash_password(&password, PasswordCost::default())?;
            let s = store
                .create_staff_with_subject(
                    &NewStaff {
                        username,
                        name,
                        org: o.id,
                        role,
                        teams: team_ids,
                        password_hash: hash,
                        must_change: generated,
                    },
                    oidc_subject.as_deref(),
                )
                .await?;
            writeln!(
                out,
                "created {} ({}, {}) id {}",
                s.username, s.role, o.name, s.id
            )?;
            if generated {
                writeln!(out, "initial password (shown once): {password}")?;
            }
            if role.needs_totp() {
                writeln!(
                    out,
                    "a {role} also needs a second factor: uppsok admin user totp {}",
                    s.username
                )?;
            }
        }
        AdminCommand::User(UserCommand::OidcSubject {
            username,
            subject,
            clear,
        }) => {
            let s = user(store, &username).await?;
            if subject.is_none() && !clear {
                bail!("give the subject, or --clear to remove it");
            }
            if let Some(sub) = subject.as_deref()
                && !uppsok_server::store::oidc_subject_ok(sub)
            {
                bail!("{}", subject_rule());
            }
            store.set_oidc_subject(s.id, subject.as_deref()).await?;
            if subject.is_some() {
                writeln!(
                    out,
                    "{} logs in with the organisation's identity provider",
                    s.username
                )?;
            } else {
                writeln!(
                    out,
                    "{} has no identity-provider subject any more",
                    s.username
                )?;
            }
        }
        AdminCommand::User(UserCommand::List { org: o }) => {
            let org_id = match o {
                Some(o) => Some(org(store, &o).await?.id),
                None => None,
            };
            let teams = store.list_teams().await?;
            let awaiting = store.staff_awaiting_role(org_id).await?;
            for s in store.list_staff(org_id, None).await? {
                let names: Vec<&str> = s
                    .teams
                    .iter()
                    .filter_map(|t| teams.iter().find(|x| x.id == *t).map(|x| x.name.as_str()))
                    .collect();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    s.id,
                    s.username,
                    if awaiting.contains(&s.id) {
                        "-".to_owned()
                    } else {
                        s.role.to_string()
                    },
                    if awaiting.contains(&s.id) {
                        "awaiting-admin"
                    } else if s.active {
                        "active"
                    } else {
                        "inactive"
                    },
                    s.name,
                    names.join(",")
                )?;
            }
        }
        AdminCommand::User(UserCommand::Totp {
            username,
            reset,
            no_qr,
        }) => {
            let s = user(store, &username).await?;
            let creds = store
                .credentials(s.id)
                .await?
                .ok_or_else(|| anyhow!("the user has no credentials"))?;
            let secret = match creds.totp_secret {
                Some(existing) if !reset => existing,
                _ => {
                    let secret = auth::new_totp_secret();
                    store.set_totp_secret(s.id, Some(&secret)).await?;
                    secret
                }
            };
            let uri = auth::otpauth_uri(&secret, &s.username)?;
            writeln!(out, "{uri}")?;
            if !no_qr {
                drop(out);
                print_qr(&uri)?;
            }
        }
        AdminCommand::User(UserCommand::ResetPassword {
            username,
            password_stdin,
        }) => {
            let s = user(store, &username).await?;
            let (password, generated) = new_password(password_stdin)?;
            let hash = auth::hash_password(&password, PasswordCost::default())?;
            store.set_password(s.id, &hash, generated).await?;
            store.revoke_sessions_of(s.id).await?;
            writeln!(
                out,
                "password of {} reset; the account is unlocked",
                s.username
            )?;
            if generated {
                writeln!(out, "new password (shown once): {password}")?;
            }
        }
        AdminCommand::User(UserCommand::AddTeam { username, team: t }) => {
            let s = user(store, &username).await?;
            let t = team(store, &t).await?;
            if store.add_staff_team(s.id, t.id).await? {
                writeln!(
                    out,
                    "{} is now in {}; their phones get its records at their next sync",
                    s.username, t.name
                )?;
            } else {
                writeln!(out, "{} was already in {}", s.username, t.name)?;
            }
        }
        AdminCommand::User(UserCommand::RemoveTeam { username, team: t }) => {
            let s = user(store, &username).await?;
            let t = team(store, &t).await?;
            if !store.remove_staff_team(s.id, t.id).await? {
                bail!("{} is not in {}", s.username, t.name);
            }
            writeln!(
                out,
                "{} is no longer in {}; their phones drop its records at their next sync",
                s.username, t.name
            )?;
        }
        AdminCommand::User(UserCommand::Set {
            username,
            home_work_km,
        }) => {
            let s = user(store, &username).await?;
            let deci = uppsok_model::mileage::parse_home_work_km(&home_work_km)?;
            store.set_home_work(s.id, deci).await?;
            writeln!(
                out,
                "home–workplace distance of {} set to {} km; trips from home are paid beyond it",
                s.username,
                uppsok_model::mileage::korjournal::km_sv(deci as f64 / 10.0)
            )?;
        }
        AdminCommand::User(UserCommand::Deactivate { username }) => {
            let s = user(store, &username).await?;
            store.set_staff_active(s.id, false).await?;
            store.revoke_sessions_of(s.id).await?;
            writeln!(
                out,
                "{} deactivated; sessions ended, devices refused",
                s.username
            )?;
        }
        AdminCommand::User(UserCommand::Role { username, role }) => {
            let s = user(store, &username).await?;
            let role: Role = role.parse()?;
            store.set_staff_role(s.id, role).await?;
            // A changed role takes effect at the next login.
            store.revoke_sessions_of(s.id).await?;
            writeln!(out, "{} is now {role}", s.username)?;
        }
        AdminCommand::User(UserCommand::Activate { username }) => {
            let s = user(store, &username).await?;
            if store.awaiting_role(s.id).await? {
                bail!(
                    "{} was created at its first login and has no role yet: set it first with `uppsok admin user role {} ROLE`",
                    s.username,
                    s.username
                );
            }
            store.set_staff_active(s.id, true).await?;
            writeln!(out, "{} activated", s.username)?;
        }
        AdminCommand::Enrol { username, no_qr } => {
            let s = user(store, &username).await?;
            if !s.active {
                bail!("{} is deactivated", s.username);
            }
            let (code, hash) = auth::new_enrolment_code();
            let expires = store
                .create_enrolment_code(s.id, &hash, 24 * 3600 * 1000)
                .await?;
            writeln!(
                out,
                "enrolment code for {} (one use, valid until {} UTC):",
                s.username,
                ms_text(Some(expires))
            )?;
            writeln!(out, "{code}")?;
            if !no_qr {
                drop(out);
                print_qr(&code)?;
            }
        }
        AdminCommand::Device(DeviceCommand::List { user: u }) => {
            let filter = match u {
                Some(u) => Some(vec![user(store, &u).await?.id]),
                None => None,
            };
            let staff = store.list_staff(None, None).await?;
            for d in store.list_devices(filter.as_deref()).await? {
                let who = staff
                    .iter()
                    .find(|s| s.id == d.staff)
                    .map_or("?", |s| s.username.as_str());
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\tenrolled {}\tlast sync {}\t{}",
                    d.id,
                    who,
                    d.status.as_str(),
                    d.name.as_deref().unwrap_or("-"),
                    ms_text(Some(d.enrolled_ms)),
                    ms_text(d.last_sync_ms),
                    d.app_version.as_deref().unwrap_or("-")
                )?;
            }
        }
        AdminCommand::Device(DeviceCommand::Revoke { id, wipe }) => {
            let id: DeviceId = id.parse()?;
            store
                .device(id)
                .await?
                .ok_or_else(|| anyhow!("no device {id}"))?;
            let d = store.revoke_device(id, wipe).await?;
            writeln!(out, "device {} is now {}", d.id, d.status.as_str())?;
        }
    }
    Ok(())
}
