//! Placeholder for `uppsok field`; its owner replaces this file (or turns it into a directory).

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct FieldArgs {}

pub fn run(_args: FieldArgs) -> ExitCode {
    eprintln!("uppsok field: not built yet");
    ExitCode::FAILURE
}
