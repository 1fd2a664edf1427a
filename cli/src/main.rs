//! The `uppsok` binary: one executable for the server (`serve`), its administration (`admin`),
//! the desktop field device (`field`) and the one-command demo (`demo`). Each subcommand's module
//! does its own error reporting; the exit codes are [`uppsok_cli::exit`]'s, so scripts can rely
//! on them.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use uppsok_cli::exit;

#[derive(Parser)]
#[command(
    name = "uppsok",
    version,
    about = "Uppsök: outreach visits and mileage for ACT teams",
    after_help = exit::HELP
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
    #[command(after_help = exit::HELP)]
    Admin(uppsok_cli::admin::AdminArgs),
    /// The desktop field device: drives the phone's core exactly as the app does.
    #[command(after_help = exit::HELP)]
    Field(uppsok_field::FieldArgs),
    /// One command to see it all: a demo team with three months of data, served on loopback.
    Demo(uppsok_cli::demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout, errors to stderr, as clap decides.
            let _ = e.print();
            return exit::for_clap(&e);
        }
    };
    match cli.command {
        Command::Serve(args) => uppsok_cli::serve::run(args),
        Command::Admin(args) => {
            exit::quiet_on_closed_pipe();
            uppsok_cli::admin::run(args)
        }
        Command::Field(args) => {
            exit::quiet_on_closed_pipe();
            exit::field(uppsok_field::run(args))
        }
        Command::Demo(args) => uppsok_cli::demo::run(args),
    }
}
