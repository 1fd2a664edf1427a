//! How every `uppsok` command ends, in one place: the exit codes scripts rely on, and output
//! that survives a closed pipe.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | failed; one line on stderr says why |
//! | 2 | wrong passphrase (the field device) |
//! | 64 | usage error (`EX_USAGE`): a mistyped command, option or value |

use std::process::ExitCode;

/// The command did what it was asked.
pub const OK: u8 = 0;
/// It failed for a reason its message names.
pub const FAILED: u8 = 1;
/// The field device's passphrase was wrong.
pub const WRONG_PASSPHRASE: u8 = 2;
/// The command line itself was wrong (BSD `sysexits.h` `EX_USAGE`).
pub const USAGE: u8 = 64;

/// The text `--help` shows under every command.
pub const HELP: &str = "Exit codes: 0 done, 1 failed (the message says why), 2 wrong passphrase \
                        (field device), 64 usage error.";

/// Exit code for a command line clap refused: 0 for `--help`/`--version`, else [`USAGE`].
pub fn for_clap(e: &clap::Error) -> ExitCode {
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitCode::from(OK),
        _ => ExitCode::from(USAGE),
    }
}

/// How a field-device command ended.
pub fn field(result: Result<(), uppsok_field::FieldError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::from(OK),
        Err(e) => {
            eprintln!("uppsok field: {e}");
            ExitCode::from(if e.is_wrong_key() {
                WRONG_PASSPHRASE
            } else if e.is_usage() {
                USAGE
            } else {
                FAILED
            })
        }
    }
}

/// For commands whose output is read by other programs (`admin`, `field`): a closed pipe
/// (`uppsok admin user list | head -1`) ends the process quietly, as it does `ls` or `grep`,
/// instead of a panic in `println!`. Not for `serve` or `demo`: a server must outlive a client
/// that hangs up.
pub fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start, before any thread is spawned, to restore the default
    // disposition the Rust runtime replaced with "ignore"; no handler is installed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
