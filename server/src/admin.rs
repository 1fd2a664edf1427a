//! Placeholder for `uppsok admin`; its owner replaces this file (or turns it into a directory).

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct AdminArgs {}

pub fn run(_args: AdminArgs) -> ExitCode {
    eprintln!("uppsok admin: not built yet");
    ExitCode::FAILURE
}
