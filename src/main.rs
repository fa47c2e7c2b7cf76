//! spr-console: run a command-line subcommand, or open the desktop console.

// On Windows the binary is a GUI program, so opening the console shows no terminal window;
// subcommands attach to the terminal they were started from so that they still print.
#![cfg_attr(windows, windows_subsystem = "windows")]

use clap::Parser;
use spr_console::cli::{self, Cli, Command};

fn main() {
    attach_parent_console();
    let mut cli = Cli::parse();
    let code = match cli.command.take() {
        // `demo` makes its database through the command line's path, then opens the window.
        Some(Command::Demo { users }) => {
            let location = spr_console::core::demo::demo_location(cli.db.as_deref());
            let code = cli::run(cli, Command::Demo { users });
            match location {
                Ok(location) if code == 0 => open_window(&location),
                _ => code,
            }
        }
        Some(command) => cli::run(cli, command),
        None => match cli::db_location(cli.db.as_deref()) {
            Ok(location) => open_window(&location),
            Err(e) => {
                eprintln!("spr-console: {}", e.message);
                e.code
            }
        },
    };
    std::process::exit(code);
}

fn open_window(location: &spr_console::store::Location) -> i32 {
    match spr_console::ui::run(location) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("spr-console: {e}");
            1
        }
    }
}

/// On Windows, writes stdout and stderr to the terminal that started us, if there is one.
#[cfg(windows)]
#[allow(unsafe_code)]
fn attach_parent_console() {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    // SAFETY: AttachConsole takes a process id and has no memory-safety preconditions; when
    // there is no parent console (started from Explorer) it fails and nothing changes.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}

#[cfg(not(windows))]
fn attach_parent_console() {}
