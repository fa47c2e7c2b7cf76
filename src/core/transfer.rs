//! CSV import and export of users (SPEC §4 `user import` / `user export`), shared by the
//! command line and the console.
//!
//! An import is all or nothing: every row is checked first (and every bad row is named by
//! its line number), then all rows are written in one `BEGIN IMMEDIATE` transaction. An
//! export writes the import's six columns first, so an exported file imports elsewhere.

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};

use rusqlite::{Transaction, TransactionBehavior};

use super::CoreError;
use super::Service;
use super::audit::{NewEvent, action};
use super::clock::rfc3339;
use super::model::{Email, LoginName, Operator, ProviderCode};
use super::service::check_name;
use crate::store::transfer::{ImportedUser, insert_imported, login_taken};
use crate::store::users::UserFilter;
use crate::store::{self};

/// The columns `user import` reads, in the order `user export` writes them.
pub const IMPORT_COLUMNS: [&str; 6] = ["login", "first", "last", "email", "text_email", "spr"];

/// Columns `user export` adds after the import's; an import accepts and ignores them, except
/// that a `provider` value must match the provider imported into.
pub const EXPORT_ONLY_COLUMNS: [&str; 4] = ["provider", "status", "failed_attempts", "locked_at"];

/// How often (in rows) the progress callback is called.
const PROGRESS_EVERY: u64 = 500;

/// A row the import refuses, with every problem found on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// The line of the file where the row starts (the header is line 1).
    pub line: u64,
    pub problems: Vec<String>,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problems.join("; "))
    }
}

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Some rows are bad; all of them are listed, in line order.
    #[error("{}", rejected_text(.0))]
    Rejected(Vec<BadRow>),
    /// The operator, the provider, the file or the database stopped it.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl ImportError {
    /// The command line's exit status: a bad file is a validation error (2).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Rejected(_) => 2,
            Self::Core(e) => e.exit_code(),
        }
    }

    /// The bad rows, when that is why.
    pub fn bad_rows(&self) -> &[BadRow] {
        match self {
            Self::Rejected(rows) => rows,
            Self::Core(_) => &[],
        }
    }
}

fn rejected_text(rows: &[BadRow]) -> String {
    let mut s = format!(
        "The import was refused and nothing was changed: {} bad row{}.",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    for r in rows {
        s.push('\n');
        s.push_str(&r.to_string());
    }
    s
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub provider: ProviderCode,
    pub imported: u64,
    pub spr_enabled: u64,
}

/// Which column of the file holds which field.
#[derive(Default)]
struct Columns {
    login: usize,
    first: Option<usize>,
    last: Option<usize>,
    email: Option<usize>,
    text_email: Option<usize>,
    spr: Option<usize>,
    provider: Option<usize>,
}

fn header_columns(header: &csv::StringRecord) -> Result<Columns, BadRow> {
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let key = name.trim().to_ascii_lowercase();
        if !IMPORT_COLUMNS.contains(&key.as_str()) && !EXPORT_ONLY_COLUMNS.contains(&key.as_str()) {
            problems.push(format!("unknown column \"{}\"", name.trim()));
        } else if seen.insert(key, i).is_some() {
            problems.push(format!("the column \"{}\" appears twice", name.trim()));
        }
    }
    let login = seen.get("login").copied();
    if login.is_none() {
        problems.push("the header has no login column".into());
    }
    match login {
        Some(login) if problems.is_empty() => Ok(Columns {
            login,
            first: seen.get("first").copied(),
            last: seen.get("last").copied(),
            email: seen.get("email").copied(),
            text_email: seen.get("text_email").copied(),
            spr: seen.get("spr").copied(),
            provider: seen.get("provider").copied(),
        }),
        _ => {
            problems.push(format!(
                "the first line must be the header {} (in any order)",
                IMPORT_COLUMNS.join(",")
            ));
            Err(BadRow { line: 1, problems })
        }
    }
}

fn parse_spr(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" | "off" | "no" | "false" | "0" | "n" => Ok(false),
        "on" | "yes" | "true" | "1" | "y" => Ok(true),
        other => Err(format!(
            "spr \"{other}\" is not on or off (use on/off, yes/no, true/false or 1/0)"
        )),
    }
}

/// Checks one data row on its own (not against other rows or the database).
fn check_row(
    rec: &csv::StringRecord,
    cols: &Columns,
    code: &ProviderCode,
) -> Result<ImportedUser, Vec<String>> {
    let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
    let mut problems = Vec::new();
    let login = match LoginName::parse(field(Some(cols.login))) {
        Ok(l) => l.as_str().to_owned(),
        Err(_) if field(Some(cols.login)).is_empty() => {
            problems.push("the Login Name is empty".to_owned());
            String::new()
        }
        Err(e) => {
            problems.push(e.to_string());
            String::new()
        }
    };
    let (first, last) = (field(cols.first), field(cols.last));
    for (v, what) in [(first, "first name"), (last, "last name")] {
        if let Err(e) = check_name(v, what) {
            problems.push(e.to_string());
        }
    }
    let mut contact = |i: Option<usize>, what: &str| match field(i) {
        "" => None,
        v => match Email::parse(v) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                problems.push(format!("{what} \"{v}\" is not a valid email address"));
                None
            }
        },
    };
    let email = contact(cols.email, "email");
    let text_email = contact(cols.text_email, "text_email");
    let spr_enabled = parse_spr(field(cols.spr)).unwrap_or_else(|e| {
        problems.push(e);
        false
    });
    let provider = field(cols.provider);
    if !provider.is_empty() && !provider.eq_ignore_ascii_case(code.as_str()) {
        problems.push(format!(
            "the row is for provider {provider}, but the import is into {code}"
        ));
    }
    if problems.is_empty() {
        Ok(ImportedUser {
            login,
            first: first.to_owned(),
            last: last.to_owned(),
            email,
            text_email,
            spr_enabled,
        })
    } else {
        Err(problems)
    }
}

/// The good rows of a file with their line numbers, and its bad rows.
type ParsedFile = (Vec<(u64, ImportedUser)>, Vec<BadRow>);

/// Reads and checks the whole file: good rows with their line numbers, and the bad rows.
fn parse_file(bytes: &[u8], code: &ProviderCode) -> Result<ParsedFile, ImportError> {
    // Spreadsheet programs often start a UTF-8 CSV with a byte order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(ImportError::Rejected(vec![BadRow {
                line: 1,
                problems: vec![format!("the header cannot be read: {}", csv_problem(&e))],
            }]));
        }
    };
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(CoreError::Invalid(format!(
            "The file is empty: it needs the header {} and one row per user.",
            IMPORT_COLUMNS.join(",")
        ))
        .into());
    }
    let cols = header_columns(&header).map_err(|b| ImportError::Rejected(vec![b]))?;
    let mut good = Vec::new();
    let mut bad = Vec::new();
    // Login Names are unique per provider ignoring case, as SQLite's NOCASE compares them.
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(line, csv::Position::line);
                match check_row(&rec, &cols, code) {
                    Ok(u) => {
                        let key = u.login.to_ascii_lowercase();
                        if let Some(&first) = first_seen.get(&key) {
                            bad.push(BadRow {
                                line,
                                problems: vec![format!(
                                    "the Login Name {} appears again (first on line {first})",
                                    u.login
                                )],
                            });
                        } else {
                            first_seen.insert(key, line);
                            good.push((line, u));
                        }
                    }
                    Err(problems) => bad.push(BadRow { line, problems }),
                }
            }
            Err(e) => {
                let at = e.position().map_or(line, csv::Position::line);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(CoreError::Internal(format!("Cannot read the file: {e}.")).into());
                }
                bad.push(BadRow {
                    line: at,
                    problems: vec![csv_problem(&e)],
                });
            }
        }
    }
    if good.is_empty() && bad.is_empty() {
        return Err(CoreError::Invalid(
            "The file has a header but no user rows: nothing to import.".into(),
        )
        .into());
    }
    Ok((good, bad))
}

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields; the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8 text".into(),
        _ => e.to_string(),
    }
}

fn now_str(svc: &Service) -> String {
    rfc3339(svc.now())
}

impl Service {
    /// Imports users from CSV into a provider (super admins only): all rows or none.
    ///
    /// `source` names the file in the audit log. `progress(done, total)` is called as rows
    /// are checked against the database and written.
    pub fn import_users(
        &mut self,
        actor: &Operator,
        code: &str,
        source: &str,
        mut input: impl Read,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<ImportReport, ImportError> {
        Service::require_super_admin(actor)?;
        let p = self.provider(code)?;
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|e| CoreError::Internal(format!("Cannot read {source}: {e}.")))?;
        let (rows, mut bad) = parse_file(&bytes, &p.code)?;
        let total = rows.len() as u64;
        progress(0, total);
        let now = now_str(self);
        let conn = self.store().conn();
        // Checking and writing share one transaction, so no other console can add a
        // clashing Login Name in between; dropping it on any error rolls everything back.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(CoreError::from)?;
        let mut spr_enabled = 0;
        for (i, (line, u)) in rows.iter().enumerate() {
            if login_taken(&tx, p.id, &u.login)? {
                bad.push(BadRow {
                    line: *line,
                    problems: vec![format!(
                        "a user with Login Name {} already exists in provider {}",
                        u.login, p.code
                    )],
                });
            } else if bad.is_empty() {
                // Once one row is bad nothing will be written: only keep checking.
                insert_imported(&tx, p.id, u, &now)?;
                spr_enabled += u64::from(u.spr_enabled);
            }
            let done = i as u64 + 1;
            if done.is_multiple_of(PROGRESS_EVERY) || done == total {
                progress(done, total);
            }
        }
        if !bad.is_empty() {
            drop(tx);
            bad.sort_by_key(|b| b.line);
            return Err(ImportError::Rejected(bad));
        }
        // One summary event, not one per user: 100,000 events would double the import's
        // time and bury the log (and its exports) under rows that say nothing more. Each
        // imported user's `created_at` equals this event's time, which ties them to it; from
        // then on every change to a user is audited on its own as usual.
        let e = NewEvent {
            actor: actor.login.clone(),
            action: action::USER_IMPORT,
            provider: Some(p.code.as_str().to_owned()),
            login: None,
            outcome: "ok",
            reason: None,
            detail: format!(
                "{total} user{} imported from {source} without a password, {spr_enabled} with Self Password Reset enabled",
                if total == 1 { "" } else { "s" }
            ),
            ..NewEvent::default()
        };
        store::audit::append(&tx, &now, &e)?;
        tx.commit().map_err(CoreError::from)?;
        Ok(ImportReport {
            provider: p.code,
            imported: total,
            spr_enabled,
        })
    }

    /// Imports users from a CSV file (see [`Service::import_users`]).
    pub fn import_users_file(
        &mut self,
        actor: &Operator,
        code: &str,
        path: &std::path::Path,
        progress: impl FnMut(u64, u64),
    ) -> Result<ImportReport, ImportError> {
        let file = std::fs::File::open(path)
            .map_err(|e| CoreError::Invalid(format!("Cannot open {}: {e}.", path.display())))?;
        self.import_users(
            actor,
            code,
            &path.display().to_string(),
            std::io::BufReader::new(file),
            progress,
        )
    }

    /// Writes the users matching `filter` as CSV (helpdesk or super admin); returns how many.
    ///
    /// The export is audited (`user_export`): it copies people's contact details out of the
    /// console, which a super admin will want to be able to trace.
    pub fn export_users(
        &mut self,
        actor: &Operator,
        filter: &UserFilter,
        destination: &str,
        out: impl Write,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, CoreError> {
        const PAGE: u64 = 2000;
        let io = |e: csv::Error| CoreError::Internal(format!("Cannot write {destination}: {e}."));
        let conn = self.store().conn();
        // One read transaction: pages come from one snapshot even if another console writes.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?;
        let total = store::users::count(&tx, filter)?;
        progress(0, total);
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<&str> = IMPORT_COLUMNS.to_vec();
        header.extend(EXPORT_ONLY_COLUMNS);
        w.write_record(&header).map_err(io)?;
        let mut done = 0;
        loop {
            let page = store::users::list(&tx, filter, done, PAGE)?;
            for u in &page {
                let failed = u.failed_attempts.to_string();
                let locked = u.locked_at.map(rfc3339).unwrap_or_default();
                w.write_record([
                    u.login.as_str(),
                    &u.first,
                    &u.last,
                    u.email.as_ref().map_or("", Email::as_str),
                    u.text_email.as_ref().map_or("", Email::as_str),
                    if u.spr_enabled { "on" } else { "off" },
                    u.provider_code.as_str(),
                    u.status.as_str(),
                    &failed,
                    &locked,
                ])
                .map_err(io)?;
            }
            done += page.len() as u64;
            progress(done, total.max(done));
            if (page.len() as u64) < PAGE {
                break;
            }
        }
        w.flush()
            .map_err(|e| CoreError::Internal(format!("Cannot write {destination}: {e}.")))?;
        drop(w);
        tx.commit()?;
        let provider = match filter.provider_id {
            Some(id) => store::providers::by_id(self.store().conn(), id)?.map(|p| p.code),
            None => None,
        };
        let now = now_str(self);
        let e = NewEvent {
            actor: actor.login.clone(),
            action: action::USER_EXPORT,
            provider: provider.map(|c| c.as_str().to_owned()),
            login: None,
            outcome: "ok",
            reason: None,
            detail: format!(
                "{done} user{} exported to {destination}",
                if done == 1 { "" } else { "s" }
            ),
            ..NewEvent::default()
        };
        store::audit::append(self.store().conn(), &now, &e)?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> ProviderCode {
        ProviderCode::parse("ACME").unwrap()
    }

    #[test]
    fn a_header_with_a_typo_is_refused_on_line_1() {
        let err = parse_file(b"login,frist\nann,Ann\n", &code()).unwrap_err();
        let rows = err.bad_rows();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 1);
        assert!(rows[0].problems[0].contains("frist"), "{rows:?}");
    }

    #[test]
    fn a_byte_order_mark_and_columns_in_any_order_are_accepted() {
        let (good, bad) = parse_file(
            b"\xEF\xBB\xBFspr,login,email\nyes,ann,ann@example.org\n",
            &code(),
        )
        .unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(good[0].1.login, "ann");
        assert!(good[0].1.spr_enabled);
    }

    #[test]
    fn quoted_fields_span_lines_and_later_rows_keep_their_line_numbers() {
        let csv = "login,first,last,email,text_email,spr\n\"ann\",\"Ann\nMarie\",X,,,off\nbob,Bob,Y,not-an-address,,off\n";
        let (good, bad) = parse_file(csv.as_bytes(), &code()).unwrap();
        assert_eq!(good.len(), 0, "a name with a line break is refused");
        let lines: Vec<u64> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![2, 4]);
    }

    #[test]
    fn a_duplicate_login_names_the_first_line() {
        let (_, bad) = parse_file(b"login\nAnn\nbob\nann\n", &code()).unwrap();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 4);
        assert!(bad[0].problems[0].contains("line 2"), "{bad:?}");
    }
}
