//! The command line's arguments (SPEC §4): every subcommand and option, as clap reads them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// spr-console: the Self Password Reset admin console. Without a subcommand it opens the window.
#[derive(Debug, Parser)]
#[command(name = "spr-console", version, about, long_about = None)]
pub struct Cli {
    /// The database file (default: spr-console.sqlite3 in the platform's data folder).
    #[arg(long, global = true, env = "SPR_CONSOLE_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Machine-readable output on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// The operator running an admin command (password: SPR_OPERATOR_PASSWORD).
    #[arg(long, global = true, env = "SPR_OPERATOR", value_name = "LOGIN")]
    pub operator: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database and its first super admin (password: SPR_OPERATOR_PASSWORD).
    Init,
    /// Manage console operators.
    #[command(subcommand)]
    Operator(OperatorCmd),
    /// Manage providers (agencies) and their password policy.
    #[command(subcommand)]
    Provider(ProviderCmd),
    /// Manage users.
    #[command(subcommand)]
    User(UserCmd),
    /// The Forgot Password flow, as the user.
    #[command(subcommand)]
    Reset(ResetCmd),
    /// Log in as a user (password: SPR_USER_PASSWORD).
    Login(Account),
    /// Mail delivery settings.
    #[command(subcommand)]
    Mail(MailCmd),
    /// Show the outbox's messages, oldest first.
    Outbox {
        /// Only the last N messages.
        #[arg(long)]
        last: Option<u32>,
    },
    /// Show the audit log, oldest first; `audit verify` checks its hash chain.
    Audit {
        #[command(subcommand)]
        check: Option<AuditCmd>,
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        login: Option<String>,
        /// Only events at or after this RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_parser = ["table", "csv", "json"])]
        format: Option<String>,
    },
    /// List the carriers' email-to-SMS gateways and their status.
    Carriers,
    /// The database itself: `db copy --to URL` copies a file into an empty PostgreSQL database.
    #[command(subcommand)]
    Db(DbCmd),
    /// Create a fresh demo database (its own file unless --db is given), then open the console.
    Demo {
        /// How many generated users besides the named demo users.
        #[arg(long, default_value_t = 25)]
        users: u32,
    },
}

/// Database subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Copy the database file (--db) into an empty PostgreSQL database and check the copy:
    /// the same users, the same events, the same chain head (super admin). Writes no event.
    Copy {
        /// The target: postgres://USER@HOST[:PORT]/DB (password from PGPASSWORD or ~/.pgpass).
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Recompute the audit hash chain: the number of events and the head hash, or the
    /// sequence number of the first event that does not match (exit 3).
    Verify,
}

/// Operator subcommands.
#[derive(Debug, Subcommand)]
pub enum OperatorCmd {
    /// Add an operator (password: SPR_NEW_PASSWORD).
    Add {
        login: String,
        #[arg(long, value_parser = ["super-admin", "helpdesk"])]
        role: String,
    },
}

/// Provider subcommands.
#[derive(Debug, Subcommand)]
pub enum ProviderCmd {
    /// Add a provider.
    Add {
        code: String,
        #[arg(long)]
        name: String,
    },
    /// Change Self Password Reset and the password policy.
    Set {
        code: String,
        #[arg(long, value_parser = ["on", "off"])]
        spr: Option<String>,
        /// Maximum number of incorrect passwords tolerated (1–100).
        #[arg(long)]
        max_incorrect: Option<u32>,
        /// Minutes a password token is valid (1–60).
        #[arg(long)]
        token_minutes: Option<u32>,
        /// Minimum password length (8–64).
        #[arg(long)]
        min_length: Option<u32>,
        /// Previous passwords that may not be reused (0–24).
        #[arg(long)]
        history: Option<u32>,
        /// Password tokens per user per hour (1–100).
        #[arg(long)]
        max_tokens_per_hour: Option<u32>,
    },
    /// Show a provider.
    Show { code: String },
}

/// A user named by provider and Login Name.
#[derive(Debug, Args)]
pub struct Account {
    #[arg(long)]
    pub provider: String,
    #[arg(long)]
    pub login: String,
}

/// User subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user (password: SPR_NEW_PASSWORD).
    Add {
        #[command(flatten)]
        account: Account,
        #[arg(long, default_value = "")]
        first: String,
        #[arg(long, default_value = "")]
        last: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        text_email: Option<String>,
    },
    /// Enable or disable Self Password Reset for one user or all users of a provider.
    Spr {
        #[arg(long)]
        provider: String,
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        login: Option<String>,
        #[arg(long)]
        all: bool,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Configure SPR contacts as the user (current password: SPR_USER_PASSWORD).
    Configure {
        #[command(flatten)]
        account: Account,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        text_email: Option<String>,
    },
    /// Unlock an Admin Locked account.
    Unlock {
        #[command(flatten)]
        account: Account,
        #[arg(long)]
        reason: String,
    },
    /// Deactivate an account.
    Deactivate(Account),
    /// Reactivate a Deactivated account.
    Reactivate(Account),
    /// Delete an account (kept for the audit log).
    Delete(Account),
    /// Show one user.
    Show(Account),
    /// List users.
    List {
        #[arg(long)]
        provider: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        search: Option<String>,
    },
    /// Import users from CSV (header: login,first,last,email,text_email,spr); all rows or none.
    Import {
        #[arg(long)]
        provider: String,
        /// The CSV file.
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
    /// Export users as CSV to FILE, or to stdout when no file is given.
    Export {
        #[arg(long)]
        provider: Option<String>,
        /// The CSV file to write (stdout when left out).
        #[arg(value_name = "FILE.csv")]
        file: Option<PathBuf>,
    },
}

/// Reset subcommands.
#[derive(Debug, Subcommand)]
pub enum ResetCmd {
    /// Forgot Password: send a password token to the address entered.
    Request {
        #[command(flatten)]
        account: Account,
        #[arg(long)]
        address: String,
    },
    /// Send a new token to the same address while the current one is valid.
    Resend(Account),
    /// Change Password with the token (new password: SPR_NEW_PASSWORD).
    Complete {
        #[command(flatten)]
        account: Account,
        #[arg(long, env = "SPR_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
}

/// Mail subcommands.
#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// Choose how messages are delivered.
    #[command(subcommand)]
    Set(MailSetCmd),
    /// Send one test message and report the relay's answer.
    Test {
        #[arg(long)]
        to: String,
    },
}

/// Delivery choices.
#[derive(Debug, Subcommand)]
pub enum MailSetCmd {
    /// Deliver through an SMTP relay (password: SPR_SMTP_PASSWORD when --username is given).
    Smtp {
        #[arg(long)]
        host: String,
        #[arg(long)]
        port: u16,
        #[arg(long, value_parser = ["none", "starttls", "tls"])]
        security: String,
        #[arg(long)]
        username: Option<String>,
        /// An extra root certificate (PEM) for a relay signed by a private CA.
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        timeout_secs: u64,
        #[arg(long)]
        from: String,
    },
    /// Keep messages in the database's outbox (demos and trainings).
    Outbox,
}
