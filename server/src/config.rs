//! Settings of `uppsok serve` and `uppsok admin`: flags, then environment variables (`UPPSOK_*`,
//! through clap), then an optional TOML file (`--config`), then defaults. The default database
//! is a SQLite file in the data directory, so a first start needs nothing installed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::state::Settings;

/// The TOML file: every key optional, same names as the flags.
///
/// ```toml
/// bind = "0.0.0.0:8080"
/// database = "postgres://uppsok@db/uppsok"
/// log_format = "json"
/// body_limit_kb = 256
/// request_timeout_s = 30
/// session_ttl_h = 8
/// # only behind a reverse proxy: whose X-Forwarded-For to believe (addresses or networks)
/// trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
/// # the key that seals TOTP secrets [default: server.key beside a SQLite database, else in
/// # the data directory]; every instance on one database needs the same one
/// secret_key_file = "/etc/uppsok/server.key"
/// # the access-log journal's directory [default: access-journal beside a SQLite database; none
/// # for PostgreSQL unless set]
/// audit_journal = "/var/lib/uppsok/access-journal"
/// # the daily culling of data past its retention period (docs/retention.md) [default: true]
/// retention_schedule = true
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub database: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log_format: Option<String>,
    pub body_limit_kb: Option<usize>,
    pub request_timeout_s: Option<u64>,
    pub session_ttl_h: Option<u64>,
    pub db_pool_max: Option<u32>,
    pub trusted_proxies: Option<Vec<String>>,
    pub secret_key_file: Option<PathBuf>,
    pub audit_journal: Option<PathBuf>,
    pub retention_schedule: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("the config file {0} is not valid: {1}")]
    Parse(PathBuf, toml::de::Error),
    #[error("no data directory: set --data-dir or UPPSOK_DATA_DIR")]
    NoDataDir,
    #[error("cannot create the data directory {0}: {1}")]
    CreateDir(PathBuf, std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

pub fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse(path.to_owned(), e))
}

/// `--data-dir`, else the platform's data directory (`~/.local/share/uppsok` on Linux).
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    match explicit {
        Some(p) => Ok(p.to_owned()),
        None => dirs::data_dir()
            .map(|d| d.join("uppsok"))
            .ok_or(ConfigError::NoDataDir),
    }
}

/// `sqlite://DATA_DIR/uppsok.db`, without creating anything.
pub fn default_database_url(data_dir_opt: Option<&Path>) -> Result<String, ConfigError> {
    Ok(format!(
        "sqlite://{}",
        data_dir(data_dir_opt)?.join("uppsok.db").display()
    ))
}

/// The database URL: explicit, or `sqlite://DATA_DIR/uppsok.db` (creating the directory).
pub fn database_url(
    explicit: Option<&str>,
    data_dir_opt: Option<&Path>,
) -> Result<String, ConfigError> {
    if let Some(u) = explicit {
        return Ok(u.to_owned());
    }
    let dir = data_dir(data_dir_opt)?;
    if !dir.exists() {
        std::fs::create_dir_all(&dir).map_err(|e| ConfigError::CreateDir(dir.clone(), e))?;
        // A data directory we create is ours alone (database, WAL, server key); one that
        // already exists keeps the mode its administrator gave it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| ConfigError::CreateDir(dir.clone(), e))?;
        }
    }
    Ok(format!("sqlite://{}", dir.join("uppsok.db").display()))
}

/// The server key's file: explicit, else `server.key` beside a SQLite database, else in the data
/// directory (see `crate::secrets`).
pub fn secret_key_path(
    explicit: Option<&Path>,
    database_url: &str,
    data_dir_opt: Option<&Path>,
) -> Result<PathBuf, ConfigError> {
    if let Some(p) = explicit {
        return Ok(p.to_owned());
    }
    match crate::secrets::key_path_beside(database_url) {
        Some(p) => Ok(p),
        None => Ok(data_dir(data_dir_opt)?.join("server.key")),
    }
}

/// The access-log journal's directory: explicit, else `access-journal` beside a SQLite
/// database, else none (PostgreSQL without a setting; see `store::audit_journal`).
pub fn audit_journal_dir(explicit: Option<&Path>, database_url: &str) -> Option<PathBuf> {
    explicit
        .map(Path::to_owned)
        .or_else(|| crate::store::audit_journal::dir_beside(database_url))
}

/// The resolved settings of `uppsok serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub bind: String,
    pub database: String,
    pub secret_key_file: PathBuf,
    /// Where the access log is journalled; `None` only for PostgreSQL without a setting.
    pub audit_journal: Option<PathBuf>,
    pub json_logs: bool,
    pub db_pool_max: u32,
    /// Whether `serve` runs the culling job daily (`crate::retention::spawn_daily`).
    pub retention_schedule: bool,
    pub settings: Settings,
}

/// Merges flag/env values (`Some` wins) over the file over defaults.
#[allow(clippy::too_many_arguments)]
pub fn resolve(
    bind: Option<String>,
    database: Option<String>,
    data_dir: Option<PathBuf>,
    log_format: Option<String>,
    body_limit_kb: Option<usize>,
    request_timeout_s: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
    secret_key_file: Option<PathBuf>,
    audit_journal: Option<PathBuf>,
    file: FileConfig,
) -> Result<ServeConfig, ConfigError> {
    let data_dir = data_dir.or(file.data_dir);
    let database = database_url(database.or(file.database).as_deref(), data_dir.as_deref())?;
    let secret_key_file = secret_key_path(
        secret_key_file.or(file.secret_key_file).as_deref(),
        &database,
        data_dir.as_deref(),
    )?;
    let audit_journal =
        audit_journal_dir(audit_journal.or(file.audit_journal).as_deref(), &database);
    let log_format = log_format
        .or(file.log_format)
        .unwrap_or_else(|| "text".into());
    let json_logs = match log_format.as_str() {
        "json" => true,
        "text" => false,
        _ => {
            return Err(ConfigError::Invalid(
                "log format must be text or json".into(),
            ));
        }
    };
    let mut settings = Settings::default();
    if let Some(kb) = body_limit_kb.or(file.body_limit_kb) {
        settings.body_limit = kb.clamp(1, 64 * 1024) * 1024;
    }
    if let Some(s) = request_timeout_s.or(file.request_timeout_s) {
        settings.request_timeout = Duration::from_secs(s.clamp(1, 3600));
    }
    if let Some(list) = trusted_proxies.or(file.trusted_proxies) {
        settings.trusted_proxies = crate::auth::TrustedProxies::parse(&list)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    }
    if let Some(h) = file.session_ttl_h {
        settings.session_ttl = Duration::from_secs(h.clamp(1, 24 * 30) * 3600);
    }
    Ok(ServeConfig {
        bind: bind
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into()),
        database,
        secret_key_file,
        audit_journal,
        json_logs,
        db_pool_max: file.db_pool_max.unwrap_or(16).clamp(1, 512),
        retention_schedule: file.retention_schedule.unwrap_or(true),
        settings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_over_defaults() {
        let file: FileConfig = toml::from_str(
            "bind = \"0.0.0.0:9000\"\ndatabase = \"sqlite://f.db\"\nbody_limit_kb = 10",
        )
        .unwrap();
        let c = resolve(
            None,
            Some("sqlite://flag.db".into()),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            file,
        )
        .unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.database, "sqlite://flag.db");
        assert_eq!(c.settings.body_limit, 10 * 1024);
        assert!(!c.json_logs);
        assert!(
            toml::from_str::<FileConfig>("colour = 1").is_err(),
            "unknown keys are refused"
        );
        assert!(
            c.settings.trusted_proxies.is_empty(),
            "no proxy trusted by default"
        );
    }

    #[test]
    fn trusted_proxies_from_file_or_flag() {
        let file: FileConfig = toml::from_str("trusted_proxies = [\"10.0.0.0/8\"]").unwrap();
        let c = resolve(
            None,
            Some("sqlite://x.db".into()),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            file,
        )
        .unwrap();
        assert!(
            c.settings
                .trusted_proxies
                .contains("10.1.2.3".parse().unwrap())
        );
        let flag = Some(vec!["192.0.2.1".to_owned()]);
        let file: FileConfig = toml::from_str("trusted_proxies = [\"10.0.0.0/8\"]").unwrap();
        let c = resolve(
            None,
            Some("sqlite://x.db".into()),
            None,
            None,
            None,
            None,
            flag,
            None,
            None,
            file,
        )
        .unwrap();
        assert!(
            !c.settings
                .trusted_proxies
                .contains("10.1.2.3".parse().unwrap())
        );
        let bad = Some(vec!["not an address".to_owned()]);
        let err = resolve(
            None,
            Some("sqlite://x.db".into()),
            None,
            None,
            None,
            None,
            bad,
            None,
            None,
            FileConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not an address"), "{err}");
    }

    #[test]
    fn the_journal_sits_beside_a_sqlite_database_unless_set() {
        let c = |db: &str, flag: Option<&str>, file: &str| {
            resolve(
                None,
                Some(db.into()),
                None,
                None,
                None,
                None,
                None,
                None,
                flag.map(PathBuf::from),
                toml::from_str(file).unwrap(),
            )
            .unwrap()
            .audit_journal
        };
        assert_eq!(
            c("sqlite:///var/lib/uppsok/uppsok.db", None, ""),
            Some(PathBuf::from("/var/lib/uppsok/access-journal"))
        );
        assert_eq!(c("postgres://u@db/uppsok", None, ""), None);
        assert_eq!(
            c("postgres://u@db/uppsok", None, "audit_journal = \"/srv/j\""),
            Some(PathBuf::from("/srv/j"))
        );
        assert_eq!(
            c(
                "sqlite:///x/u.db",
                Some("/flag"),
                "audit_journal = \"/srv/j\""
            ),
            Some(PathBuf::from("/flag")),
            "the flag wins over the file"
        );
    }

    #[test]
    fn default_database_is_a_file_in_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(None, Some(dir.path())).unwrap();
        assert!(url.starts_with("sqlite://") && url.ends_with("uppsok.db"));
    }
}
