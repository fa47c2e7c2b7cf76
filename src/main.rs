//! spr-console: run a command-line subcommand, or open the desktop console.

use clap::Parser;
use spr_console::cli::{self, Cli};

fn main() {
    let mut cli = Cli::parse();
    let code = match cli.command.take() {
        Some(command) => cli::run(cli, command),
        None => {
            eprintln!(
                "spr-console: the desktop console is not built yet; use a subcommand (see --help)."
            );
            2
        }
    };
    std::process::exit(code);
}
