//! Placeholder for `uppsok serve`; its owner replaces this file (or turns it into a directory).

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> ExitCode {
    eprintln!("uppsok serve: not built yet");
    ExitCode::FAILURE
}
