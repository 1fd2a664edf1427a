//! The `uppsok` binary: one executable for the server (`serve`), its administration (`admin`),
//! the desktop field device (`field`) and the one-command demo (`demo`). Each subcommand's module
//! does its own error reporting and chooses the exit code, so scripts can rely on them.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "uppsok",
    version,
    about = "Uppsök: outreach visits and mileage for ACT teams"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server that phones sync to and supervisors read.
    Serve(uppsok_cli::serve::ServeArgs),
    /// Administer organisations, teams, users and phones (works without the server running).
    Admin(uppsok_cli::admin::AdminArgs),
    /// The desktop field device: drives the phone's core exactly as the app does.
    Field(uppsok_field::FieldArgs),
    /// One command to see it all: a demo team with three months of data, served on loopback.
    Demo(uppsok_cli::demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => uppsok_cli::serve::run(args),
        Command::Admin(args) => uppsok_cli::admin::run(args),
        Command::Field(args) => uppsok_field::run(args),
        Command::Demo(args) => uppsok_cli::demo::run(args),
    }
}
