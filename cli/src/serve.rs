//! `uppsok serve`: resolves the settings, opens and migrates the database, and serves
//! [`uppsok_server::app::app`] until SIGTERM or SIGINT, then stops accepting connections and lets the
//! requests in flight finish before closing the database.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use tokio::net::TcpListener;

use uppsok_server::app::app;
use uppsok_server::config;
use uppsok_server::serve::Limits;
use uppsok_server::state::AppState;
use uppsok_server::store::{AuditJournal, PoolSize, Store};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "UPPSOK_BIND")]
    pub bind: Option<String>,
    /// sqlite://PATH or postgres://… [default: a SQLite file in the data directory].
    #[arg(long, env = "UPPSOK_DATABASE")]
    pub database: Option<String>,
    /// Where the default SQLite database lives [default: ~/.local/share/uppsok].
    #[arg(long, env = "UPPSOK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A TOML file with the same settings (flags and environment win).
    #[arg(long, env = "UPPSOK_CONFIG")]
    pub config: Option<PathBuf>,
    /// `text` or `json` request and event logs on stderr.
    #[arg(long, env = "UPPSOK_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Largest request body accepted, in KiB [default: 256].
    #[arg(long, env = "UPPSOK_BODY_LIMIT_KB")]
    pub body_limit_kb: Option<usize>,
    /// Longest a request may take, in seconds [default: 30].
    #[arg(long, env = "UPPSOK_REQUEST_TIMEOUT_S")]
    pub request_timeout_s: Option<u64>,
    /// Most database connections [default: 16].
    #[arg(long, env = "UPPSOK_DB_POOL_MAX")]
    pub db_pool_max: Option<u32>,
    /// Reverse proxies (addresses or networks, comma separated) whose X-Forwarded-For header
    /// gives the client address for rate limits [default: none, the header is ignored].
    #[arg(long, env = "UPPSOK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<String>>,
    /// The key that seals TOTP secrets at rest, created on first start [default: server.key
    /// beside a SQLite database, else in the data directory].
    #[arg(long, env = "UPPSOK_SECRET_KEY_FILE", value_name = "FILE")]
    pub secret_key_file: Option<PathBuf>,
    /// Directory of the access-log journal, which survives a restore of the database from a
    /// backup [default: access-journal beside a SQLite database; none for PostgreSQL].
    #[arg(long, env = "UPPSOK_AUDIT_JOURNAL", value_name = "DIR")]
    pub audit_journal: Option<PathBuf>,
    /// Do not run the daily culling of data past its retention period (run
    /// `uppsok admin retention run` instead) [config: retention_schedule = false].
    #[arg(long, env = "UPPSOK_NO_RETENTION_SCHEDULE")]
    pub no_retention_schedule: bool,
}

pub fn run(args: ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("uppsok serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("uppsok serve: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("UPPSOK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // `try_init`: a second call (tests) keeps the first subscriber.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let file = match &args.config {
        Some(p) => config::read_file(p)?,
        None => config::FileConfig::default(),
    };
    let cfg = config::resolve(
        args.bind,
        args.database,
        args.data_dir,
        args.log_format,
        args.body_limit_kb,
        args.request_timeout_s,
        args.trusted_proxies,
        args.secret_key_file,
        args.audit_journal,
        file,
    )?;
    let db_pool_max = args
        .db_pool_max
        .map_or(cfg.db_pool_max, |n| n.clamp(1, 512));
    init_logs(cfg.json_logs);
    let key = uppsok_server::secrets::ServerKey::load_or_create(&cfg.secret_key_file)?;
    let journal = match &cfg.audit_journal {
        Some(dir) => {
            Some(AuditJournal::open(dir, &key).context("cannot open the access-log journal")?)
        }
        None => {
            tracing::warn!(
                "no access-log journal (set --audit-journal): access-log entries written after \
                 a backup are lost if the database is restored from it"
            );
            None
        }
    };
    let store = Store::connect_with_journal(&cfg.database, PoolSize { max: db_pool_max }, journal)
        .await
        .context("cannot open the database")?
        .with_server_key(std::sync::Arc::new(key));
    if store.audit_journal().is_some() {
        // After a restore from a backup the journal holds entries the database lacks: they go
        // back before the first request (idempotent, so a normal start changes nothing).
        let r = store
            .replay_audit_journal()
            .await
            .context("cannot replay the access-log journal")?;
        if r.inserted > 0 {
            tracing::warn!(
                inserted = r.inserted,
                "put back access-log entries from the journal that the database lacked (restored from a backup?)"
            );
        }
        if r.skipped > 0 {
            tracing::warn!(
                skipped = r.skipped,
                "access-log journal lines that did not verify were skipped (cut short by a crash, changed, or signed with another server key)"
            );
        }
    }
    let sealed = store
        .seal_plaintext_totp_secrets()
        .await
        .context("cannot seal the stored TOTP secrets")?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed TOTP secrets stored in plain text");
    }
    let listener = TcpListener::bind(&cfg.bind)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = store.backend(), "uppsok serve listening");
    // Before the line below: a script may stop the server as soon as it reads it.
    let shutdown = shutdown_signal();
    // Scripts and tests read the port from this line.
    println!("listening on http://{addr}");
    let culling = (cfg.retention_schedule && !args.no_retention_schedule)
        .then(|| uppsok_server::retention::spawn_daily(store.clone()));
    tracing::info!(daily = culling.is_some(), "retention culling schedule");
    // Not optional: sharing must end when consent does.
    let consent_sweep = uppsok_server::consent::spawn_hourly(store.clone());
    let router = app(AppState::new(store.clone(), cfg.settings));
    uppsok_server::serve::serve(listener, router, Limits::default(), shutdown).await;
    if let Some(task) = culling {
        task.abort();
    }
    consent_sweep.abort();
    store.close().await;
    tracing::info!("uppsok serve stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (systemd, docker stop). The handlers are installed
/// when this is called, not when the future is first polled: the server loop polls it only
/// between connections, and a SIGTERM that came before that would end the process at once
/// (the default action) instead of draining the requests in flight.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        tokio::select! {
            () = received(interrupt) => {}
            () = received(terminate) => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

/// Resolves when `signal` arrives; never, when its handler could not be installed.
#[cfg(unix)]
async fn received(signal: Option<tokio::signal::unix::Signal>) {
    match signal {
        Some(mut s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
