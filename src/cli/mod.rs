//! The command line of SPEC §4: clap commands → core calls → text or JSON.

mod args;
mod output;
mod secrets;
mod transfer;

pub use args::*;

use std::path::Path;

use serde_json::json;

use crate::core::audit::AuditFilter;
use crate::core::model::UserFilter;
use crate::core::model::{Operator, Role, Status};
use crate::core::service::{FlowOk, ProviderChanges, UserInput};
use crate::core::{CoreError, Service};
use crate::mail::MailSettings;
use crate::mail::smtp::{Security, SmtpSettings};
use crate::store::Location;
use output::{Out, user_json};
use secrets::secret;

/// An error that ends the command: its exit status and one plain sentence.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        Self {
            code: e.exit_code(),
            message: one_line(&e.to_string()),
        }
    }
}

impl CliError {
    /// A usage or validation error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .map(|l| l.trim_start_matches("- ").trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the database is: `--db`, `SPR_CONSOLE_DB` (a file path or a `postgres://` URL),
/// or the platform's default file.
pub fn db_location(cli_db: Option<&Path>) -> Result<Location, CliError> {
    match cli_db {
        Some(p) => Ok(Location::from_arg(p)),
        None => crate::store::default_path()
            .map(Location::File)
            .ok_or_else(|| {
                CliError::usage("No home folder was found: give the database with --db PATH.")
            }),
    }
}

/// Runs a subcommand; returns the process exit status.
pub fn run(cli: Cli, command: Command) -> i32 {
    let mut out = Out::new(cli.json);
    match dispatch(&cli, command, &mut out) {
        Ok(()) => 0,
        Err(mut e) => {
            // SQLite found the file damaged mid-command: name the file, in one sentence.
            if let Some(what) = e.message.strip_prefix(crate::store::DAMAGED_PREFIX)
                && let Ok(Location::File(path)) = db_location(cli.db.as_deref())
            {
                e.message = crate::store::name_damaged_file(
                    crate::store::StoreError::Damaged(what.to_owned()),
                    &path,
                )
                .to_string();
            }
            out.error(&e.message);
            e.code
        }
    }
}

/// The line every command run on a training database prints once on stderr (§3.11).
pub const TRAINING_NOTE: &str =
    "note: training database: messages stay in the outbox and every operator can read them";

fn open(cli: &Cli) -> Result<Service, CliError> {
    let location = db_location(cli.db.as_deref())?;
    let svc = Service::open_at(&location)?;
    if svc.is_training()? {
        eprintln!("{TRAINING_NOTE}");
    }
    Ok(svc)
}

/// Opens the database for a command that only reads (SPEC §3.13): never creates it, never
/// writes a byte of it.
fn open_read_only(cli: &Cli) -> Result<Service, CliError> {
    let location = db_location(cli.db.as_deref())?;
    let svc = Service::open_read_only_at(&location)?;
    if svc.is_training()? {
        eprintln!("{TRAINING_NOTE}");
    }
    Ok(svc)
}

/// The operator of a command that only reads: a wrong password is refused after a fixed
/// one-second pause, and nothing is written (SPEC §3.9).
fn authenticate_reader(cli: &Cli, svc: &Service) -> Result<Operator, CliError> {
    let login = cli.operator.as_deref().ok_or_else(|| {
        CliError::usage(
            "This command needs an operator: give --operator LOGIN (or set SPR_OPERATOR).",
        )
    })?;
    let password = secret(
        "SPR_OPERATOR_PASSWORD",
        &format!("Password for operator {login}: "),
    )?;
    match svc.operator_check(login, &password)? {
        Some(op) => Ok(op),
        None => {
            std::thread::sleep(std::time::Duration::from_secs(1));
            Err(CoreError::Forbidden(format!(
                "The operator login or password is wrong for \"{login}\"."
            ))
            .into())
        }
    }
}

/// Checks the operator's password and returns the operator; waits out a growing delay first.
fn authenticate(cli: &Cli, svc: &mut Service) -> Result<Operator, CliError> {
    let login = cli.operator.as_deref().ok_or_else(|| {
        CliError::usage(
            "This command needs an operator: give --operator LOGIN (or set SPR_OPERATOR).",
        )
    })?;
    if svc.needs_first_operator()? {
        return Err(CliError::usage(
            "This database has no operator yet: run `spr-console init --operator LOGIN` first.",
        ));
    }
    let password = secret(
        "SPR_OPERATOR_PASSWORD",
        &format!("Password for operator {login}: "),
    )?;
    let wait = svc.operator_wait(login)?;
    if !wait.is_zero() {
        // Scripts are slowed, not failed: the growing delay is what stops guessing.
        std::thread::sleep(wait);
    }
    Ok(svc.operator_login(login, &password)?)
}

fn dispatch(cli: &Cli, command: Command, out: &mut Out) -> Result<(), CliError> {
    match command {
        Command::Init => {
            let login = cli.operator.as_deref().ok_or_else(|| {
                CliError::usage(
                    "Name the first super admin with --operator LOGIN (or SPR_OPERATOR).",
                )
            })?;
            let password = secret(
                "SPR_OPERATOR_PASSWORD",
                &format!("New password for super admin {login}: "),
            )?;
            // `init` is the one command that creates spr-console's tables in an empty
            // PostgreSQL database (a file is created by any command that writes).
            let mut svc = Service::create_at(&db_location(cli.db.as_deref())?)?;
            let op = svc.init_first_operator(login, &password)?;
            let database = svc.location().to_string();
            out.value(
                &json!({"database": database, "operator": op.login, "role": op.role.as_str()}),
                &format!("Created {database} with super admin {}.", op.login),
            );
        }
        Command::Operator(OperatorCmd::Add { login, role }) => {
            let mut svc = open(cli)?;
            let actor = authenticate(cli, &mut svc)?;
            let role: Role = role.parse()?;
            let password = secret(
                "SPR_NEW_PASSWORD",
                &format!("New password for operator {login}: "),
            )?;
            let op = svc.add_operator(&actor, &login, role, &password)?;
            out.value(
                &json!({"login": op.login, "role": op.role.as_str()}),
                &format!("Added operator {} ({}).", op.login, op.role.label()),
            );
        }
        Command::Provider(cmd) => provider_cmd(cli, cmd, out)?,
        Command::User(cmd) => user_cmd(cli, cmd, out)?,
        Command::Reset(cmd) => reset_cmd(cli, cmd, out)?,
        Command::Login(account) => {
            let password = secret(
                "SPR_USER_PASSWORD",
                &format!("Password for {}: ", account.login),
            )?;
            let mut svc = open(cli)?;
            let r = svc.login(&account.provider, &account.login, &password);
            flow_result(out, r)?;
        }
        Command::Mail(cmd) => mail_cmd(cli, cmd, out)?,
        Command::Outbox { last } => {
            let svc = open_read_only(cli)?;
            // Refused before the password is asked: outside a training database there is none.
            if !svc.is_training()? {
                return Err(CliError {
                    code: 3,
                    message: "This is not a training database: messages are delivered, never kept, so there is no outbox to show.".into(),
                });
            }
            authenticate_reader(cli, &svc)?;
            let msgs = svc.outbox(last)?;
            if cli.json {
                out.json(&serde_json::to_value(&msgs).unwrap_or_default());
            } else if msgs.is_empty() {
                out.line("The outbox is empty.");
            } else {
                for m in msgs {
                    out.line(&format!("--- {}  To: {}", m.at, m.to));
                    if let Some(s) = &m.subject {
                        out.line(&format!("Subject: {s}"));
                    }
                    out.line(&m.body);
                }
            }
        }
        Command::Audit {
            check: Some(AuditCmd::Verify),
            ..
        } => {
            let svc = open_read_only(cli)?;
            authenticate_reader(cli, &svc)?;
            let report = svc.audit_verify()?;
            out.value(
                &json!({"events": report.events, "head": report.head, "ok": report.ok, "first_bad": report.first_bad}),
                &match report.first_bad {
                    None => format!(
                        "The audit chain is intact: {} events, head {}.",
                        report.events, report.head
                    ),
                    Some(seq) => format!(
                        "The audit chain is broken at event {seq}: it or an event before it was changed ({} events).",
                        report.events
                    ),
                },
            );
            if let Some(seq) = report.first_bad {
                return Err(CliError {
                    code: 3,
                    message: format!(
                        "The audit chain does not match at event {seq}: the log was changed outside spr-console."
                    ),
                });
            }
        }
        Command::Audit {
            check: None,
            provider,
            login,
            since,
            format,
        } => {
            let svc = open_read_only(cli)?;
            authenticate_reader(cli, &svc)?;
            if let Some(s) = &since
                && crate::core::clock::parse_rfc3339(s).is_none()
            {
                return Err(CliError::usage(format!(
                    "--since \"{s}\" is not an RFC 3339 time (e.g. 2026-11-28T09:00:00Z)."
                )));
            }
            let filter = AuditFilter {
                provider: provider.map(|p| p.trim().to_uppercase()),
                login,
                since: since
                    .as_deref()
                    .and_then(crate::core::clock::parse_rfc3339)
                    .map(crate::core::clock::rfc3339),
                ..AuditFilter::default()
            };
            let events = svc.audit_events(&filter)?;
            let format = format.unwrap_or_else(|| {
                if cli.json {
                    "json".into()
                } else {
                    "table".into()
                }
            });
            // The CSV's last line carries the whole chain's head (SPEC §3.10).
            let head = if format == "csv" {
                Some(svc.audit_verify()?)
            } else {
                None
            };
            output::audit(out, &events, head.as_ref(), &format)?;
        }
        Command::Carriers => output::carriers(out),
        Command::Db(DbCmd::Copy { to }) => {
            let to = Location::parse(&to);
            if !matches!(to, Location::Server(_)) {
                return Err(CliError::usage(
                    "--to takes a PostgreSQL URL: postgres://USER@HOST[:PORT]/DB.",
                ));
            }
            // The source is read as it is (migrated if older), and nothing is audited.
            let svc = open(cli)?;
            if !matches!(svc.location(), Location::File(_)) {
                return Err(CliError::usage(
                    "db copy reads a database file: give it with --db PATH.",
                ));
            }
            let op = authenticate_reader(cli, &svc)?;
            let started = std::time::Instant::now();
            let report = svc.copy_to(&op, &to, |table, n| {
                if n > 0 && n % 50_000 == 0 {
                    eprintln!("{table}: {n} rows copied…");
                }
            })?;
            let secs = started.elapsed().as_secs_f64();
            let rows: u64 = report.tables.iter().map(|(_, n)| n).sum();
            out.value(
                &json!({"to": to.to_string(), "tables": report.tables.iter().map(|(t, n)| json!({"table": t, "rows": n})).collect::<Vec<_>>(), "events": report.events, "head": report.head, "seconds": secs}),
                &format!(
                    "Copied {} to {to}: {rows} rows, {} audit events, chain head {} on both. Checked: the same rows in every table. {secs:.1} s.",
                    svc.location(),
                    report.events,
                    report.head
                ),
            );
        }
        Command::Demo { users } => {
            let location = crate::core::demo::demo_location(cli.db.as_deref())?;
            let started = std::time::Instant::now();
            let s = crate::core::demo::create(&location, users)?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{TRAINING_NOTE}");
            out.value(
                &json!({"database": s.location.to_string(), "named_users": s.named_users, "generated_users": s.generated_users, "seconds": secs}),
                &format!("Created the demo database {} ({} named and {} generated users) in {secs:.1} s.\n{}", s.location, s.named_users, s.generated_users, crate::core::demo::banner_text()),
            );
        }
    }
    Ok(())
}

fn on_off(s: &str) -> bool {
    s == "on"
}

fn provider_cmd(cli: &Cli, cmd: ProviderCmd, out: &mut Out) -> Result<(), CliError> {
    let p = if let ProviderCmd::Show { code } = &cmd {
        let svc = open_read_only(cli)?;
        authenticate_reader(cli, &svc)?;
        svc.provider(code)?
    } else {
        let mut svc = open(cli)?;
        let actor = authenticate(cli, &mut svc)?;
        provider_change(&mut svc, &actor, cmd)?
    };
    provider_out(out, &p);
    Ok(())
}

fn provider_change(
    svc: &mut Service,
    actor: &Operator,
    cmd: ProviderCmd,
) -> Result<crate::core::model::Provider, CliError> {
    Ok(match cmd {
        ProviderCmd::Add { code, name } => svc.add_provider(actor, &code, &name)?,
        ProviderCmd::Set {
            code,
            spr,
            max_incorrect,
            token_minutes,
            min_length,
            history,
            max_tokens_per_hour,
        } => {
            let ch = ProviderChanges {
                name: None,
                spr_enabled: spr.as_deref().map(on_off),
                max_incorrect,
                token_minutes,
                min_length,
                history,
                max_tokens_per_hour,
            };
            svc.update_provider(actor, &code, &ch)?
        }
        ProviderCmd::Show { code } => svc.provider(&code)?,
    })
}

fn provider_out(out: &mut Out, p: &crate::core::model::Provider) {
    let v = json!({
        "code": p.code.as_str(), "name": p.name, "spr_enabled": p.spr_enabled,
        "max_incorrect": p.policy.max_incorrect, "token_minutes": p.policy.token_minutes,
        "min_length": p.policy.min_length, "history": p.policy.history,
        "max_tokens_per_hour": p.policy.max_tokens_per_hour,
    });
    let text = format!(
        "{} — {}\n  Self Password Reset: {}\n  Maximum number of incorrect passwords tolerated: {} ({})\n  Password token valid for: {} minutes\n  Minimum password length: {}\n  Previous passwords not reusable: {}\n  Maximum password tokens per hour: {}",
        p.code,
        p.name,
        if p.spr_enabled { "enabled" } else { "disabled" },
        p.policy.max_incorrect,
        crate::core::policy::lockout_in_words(p.policy.max_incorrect),
        p.policy.token_minutes,
        p.policy.min_length,
        p.policy.history,
        p.policy.max_tokens_per_hour
    );
    out.value(&v, &text);
}

fn user_cmd(cli: &Cli, cmd: UserCmd, out: &mut Out) -> Result<(), CliError> {
    if matches!(
        cmd,
        UserCmd::Show(_) | UserCmd::List { .. } | UserCmd::Export { .. }
    ) {
        return user_read(cli, cmd, out);
    }
    let mut svc = open(cli)?;
    if let UserCmd::Configure {
        account,
        email,
        text_email,
    } = cmd
    {
        if email.is_none() && text_email.is_none() {
            return Err(CliError::usage("Give --email and/or --text-email."));
        }
        let password = secret(
            "SPR_USER_PASSWORD",
            &format!("Current password for {}: ", account.login),
        )?;
        let u = svc.configure(
            &account.provider,
            &account.login,
            &password,
            email.as_deref(),
            text_email.as_deref(),
        )?;
        out.value(
            &user_json(&u),
            &format!("Self Password Reset configured for {}.", u.login),
        );
        return Ok(());
    }
    let actor = authenticate(cli, &mut svc)?;
    match cmd {
        UserCmd::Add {
            account,
            first,
            last,
            email,
            text_email,
        } => {
            let password = secret(
                "SPR_NEW_PASSWORD",
                &format!("Initial password for {}: ", account.login),
            )?;
            let u = svc.add_user(
                &actor,
                &account.provider,
                &UserInput {
                    login: account.login,
                    first,
                    last,
                    email,
                    text_email,
                    spr_enabled: false,
                    password: Some(password.expose().to_owned()),
                },
            )?;
            out.value(
                &user_json(&u),
                &format!("Added user {} to provider {}.", u.login, u.provider_code),
            );
        }
        UserCmd::Spr {
            provider,
            login,
            all,
            state,
        } => {
            let on = on_off(&state);
            let n = if all {
                let p = svc.provider(&provider)?;
                svc.set_spr_matching(
                    &actor,
                    &UserFilter {
                        provider_id: Some(p.id),
                        ..UserFilter::default()
                    },
                    on,
                )?
            } else {
                let u = svc.user(&provider, login.as_deref().unwrap_or_default())?;
                svc.set_spr_for(&actor, &[u.id], on)?
            };
            out.value(
                &json!({"changed": n, "spr_enabled": on}),
                &format!(
                    "Self Password Reset {} for {n} user(s).",
                    if on { "enabled" } else { "disabled" }
                ),
            );
        }
        UserCmd::Unlock { account, reason } => {
            let u = svc.user(&account.provider, &account.login)?;
            let u = svc.unlock(&actor, u.id, &reason)?;
            out.value(&user_json(&u), &format!("Unlocked {}.", u.login));
        }
        UserCmd::Deactivate(a) | UserCmd::Reactivate(a) | UserCmd::Delete(a)
            if !actor.is_super_admin() =>
        {
            let _ = a;
            return Err(CoreError::Forbidden(format!(
                "Operator {} is Helpdesk: only a super admin may do this.",
                actor.login
            ))
            .into());
        }
        UserCmd::Deactivate(a) => {
            let u = svc.user(&a.provider, &a.login)?;
            let u = svc.deactivate(&actor, u.id)?;
            out.value(&user_json(&u), &format!("Deactivated {}.", u.login));
        }
        UserCmd::Reactivate(a) => {
            let u = svc.user(&a.provider, &a.login)?;
            let u = svc.reactivate(&actor, u.id)?;
            out.value(&user_json(&u), &format!("Reactivated {}.", u.login));
        }
        UserCmd::Delete(a) => {
            let u = svc.user(&a.provider, &a.login)?;
            let u = svc.delete(&actor, u.id)?;
            out.value(&user_json(&u), &format!("Deleted {}.", u.login));
        }
        UserCmd::Import { provider, file } => {
            transfer::import(out, &mut svc, &actor, &provider, &file)?
        }
        UserCmd::Configure { .. }
        | UserCmd::Show(_)
        | UserCmd::List { .. }
        | UserCmd::Export { .. } => {}
    }
    Ok(())
}

/// `user show`, `user list` and `user export`: read-only (SPEC §3.13).
fn user_read(cli: &Cli, cmd: UserCmd, out: &mut Out) -> Result<(), CliError> {
    let mut svc = open_read_only(cli)?;
    let actor = authenticate_reader(cli, &svc)?;
    match cmd {
        UserCmd::Show(a) => {
            let u = svc.user(&a.provider, &a.login)?;
            out.value(&user_json(&u), &output::user_text(&u));
        }
        UserCmd::List {
            provider,
            status,
            search,
        } => {
            let provider_id = provider
                .map(|p| svc.provider(&p).map(|p| p.id))
                .transpose()?;
            let status: Option<Status> = status.map(|s| s.parse()).transpose()?;
            let filter = UserFilter {
                provider_id,
                status,
                search,
                ..UserFilter::default()
            };
            output::user_list(out, &svc, &filter)?;
        }
        UserCmd::Export { provider, file } => {
            transfer::export(out, &mut svc, &actor, provider.as_deref(), file.as_deref())?;
        }
        _ => {}
    }
    Ok(())
}

fn flow_result(out: &mut Out, r: Result<FlowOk, CoreError>) -> Result<(), CliError> {
    match r {
        Ok(ok) => {
            out.value(
                &json!({"outcome": "ok", "message": ok.message}),
                &ok.message,
            );
            Ok(())
        }
        Err(CoreError::Refused(refusal)) => {
            let mut v = json!({"outcome": refusal.outcome().as_str(), "message": refusal.message});
            if let Some(n) = refusal.tries_left {
                v["tries_left"] = json!(n);
            }
            if out.is_json() {
                out.json(&v);
            }
            Err(CliError {
                code: 3,
                message: one_line(&refusal.message),
            })
        }
        Err(e) => {
            if out.is_json() {
                out.json(&json!({"outcome": "error", "message": e.to_string()}));
            }
            Err(e.into())
        }
    }
}

fn reset_cmd(cli: &Cli, cmd: ResetCmd, out: &mut Out) -> Result<(), CliError> {
    match cmd {
        ResetCmd::Request { account, address } => {
            let mut svc = open(cli)?;
            let r = svc.request_token(&account.login, &account.provider, &address);
            flow_result(out, r)
        }
        ResetCmd::Resend(a) => {
            let mut svc = open(cli)?;
            let r = svc.resend(&a.provider, &a.login);
            flow_result(out, r)
        }
        ResetCmd::Complete { account, token } => {
            let token = match token {
                Some(t) => crate::core::secret::Secret::from(t),
                None => secret("SPR_TOKEN", "Password token: ")?,
            };
            let password = secret("SPR_NEW_PASSWORD", "New password: ")?;
            let mut svc = open(cli)?;
            let r = svc.complete_reset(
                &account.provider,
                &account.login,
                &token,
                &password,
                &password,
            );
            flow_result(out, r)
        }
    }
}

fn mail_cmd(cli: &Cli, cmd: MailCmd, out: &mut Out) -> Result<(), CliError> {
    let mut svc = open(cli)?;
    let actor = authenticate(cli, &mut svc)?;
    match cmd {
        MailCmd::Set(MailSetCmd::Outbox) => {
            svc.set_mail_settings(&actor, &MailSettings::Outbox)?;
            out.value(
                &json!({"transport": "outbox"}),
                "Messages now go to the outbox.",
            );
        }
        MailCmd::Set(MailSetCmd::Smtp {
            host,
            port,
            security,
            username,
            ca_file,
            timeout_secs,
            from,
        }) => {
            let security: Security = security.parse().map_err(CliError::usage)?;
            let ca_pem = ca_file
                .map(|p| {
                    std::fs::read_to_string(&p).map_err(|e| {
                        CliError::usage(format!("Cannot read the CA file {}: {e}.", p.display()))
                    })
                })
                .transpose()?;
            let password = match &username {
                Some(u) => Some(
                    secret("SPR_SMTP_PASSWORD", &format!("SMTP password for {u}: "))?
                        .expose()
                        .to_owned(),
                ),
                None => None,
            };
            let s = SmtpSettings {
                host,
                port,
                security,
                username,
                password,
                from,
                timeout_secs,
                ca_pem,
            };
            svc.set_mail_settings(&actor, &MailSettings::Smtp(s.clone()))?;
            out.value(
                &json!({"transport": "smtp", "host": s.host, "port": s.port, "security": s.security.as_str()}),
                &format!("Messages now go through {}:{} ({}). Use `spr-console mail test --to ADDR` to check.", s.host, s.port, s.security.as_str()),
            );
        }
        MailCmd::Test { to } => {
            let answer = svc.send_test(&actor, &to)?;
            out.value(
                &json!({"outcome": "ok", "message": answer}),
                &format!("Test message sent to {to}: {answer}"),
            );
        }
    }
    Ok(())
}
