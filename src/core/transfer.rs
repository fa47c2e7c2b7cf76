//! CSV import and export of users (SPEC §4 `user import` / `user export`), shared by the
//! command line and the console.
//!
//! An import is all or nothing: every row is checked first (and every bad row is named by
//! its line number), then all rows are written in one `BEGIN IMMEDIATE` transaction. An
//! export writes the import's six columns first, so an exported file imports elsewhere.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Read, Write};

use super::CoreError;
use super::Service;
use super::audit::{NewEvent, Outcome, action};
use super::clock::rfc3339;
use super::model::{Email, LoginName, Operator, Provider, ProviderCode};
use super::service::{CANCELLED, check_name};
use std::sync::atomic::{AtomicBool, Ordering};

/// A reader that fails once `cancel` is set, so a streaming import stops at its next read.
struct CancelRead<'a, R> {
    inner: R,
    cancel: &'a AtomicBool,
}

impl<R: Read> Read for CancelRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("cancelled"));
        }
        self.inner.read(buf)
    }
}
use crate::store::db::Db;
use crate::store::transfer::{ImportedUser, existing_users, insert_imported_batch};
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

impl From<crate::store::StoreError> for ImportError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Core(e.into())
    }
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
    // A cell an export guarded against spreadsheets ('=…) comes back as it was (SPEC §3.14).
    let field = |i: Option<usize>| {
        crate::core::text::csv_uncell(i.and_then(|i| rec.get(i)).unwrap_or("").trim())
    };
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

/// The CSV reader over `input`, past a byte order mark (spreadsheet programs often start a
/// UTF-8 CSV with one), and the header's columns.
fn open_csv<R: BufRead>(mut input: R) -> Result<(csv::Reader<R>, Columns), ImportError> {
    let bom = input
        .fill_buf()
        .map_err(|e| CoreError::Internal(format!("Cannot read the file: {e}.")))?
        .starts_with(b"\xEF\xBB\xBF");
    if bom {
        input.consume(3);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
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
    Ok((reader, cols))
}

/// Where each row written by this import came from: ids are handed out in increasing order
/// inside the transaction, so a sorted list finds the line of a Login Name met again in
/// 16 bytes a row, not a map of every Login Name.
#[derive(Default)]
struct WrittenLines {
    rows: Vec<(i64, u64)>,
    spr_enabled: u64,
    /// Login Names refused as already in the provider, for rows that repeat them.
    refused: HashMap<String, u64>,
}

impl WrittenLines {
    fn line_of(&self, id: i64) -> Option<u64> {
        self.rows
            .binary_search_by_key(&id, |&(i, _)| i)
            .ok()
            .map(|k| self.rows[k].1)
    }
}

/// Checked rows written per call to the store: on PostgreSQL a batch is four round trips
/// (a COPY into a temporary table and one INSERT … SELECT), so 100,000 rows pay about 100
/// instead of one a row. 4,096 rows gave 1.43× the server's own COPY where 1,024 gave 1.57–1.71
/// (`SPR_SCALE_ONLY=postgres cargo bench --bench scale`); a batch holds about 1 MB.
const IMPORT_BATCH: usize = 4096;

/// Checked rows not yet written, in file order, with their lines.
#[derive(Default)]
struct Pending {
    users: Vec<ImportedUser>,
    lines: Vec<u64>,
}

impl Pending {
    fn push(&mut self, u: ImportedUser, line: u64) {
        self.users.push(u);
        self.lines.push(line);
    }
}

/// Writes the checked rows waiting in `pending` (in file order) and empties it. A row whose
/// Login Name the provider already has becomes a bad row that names the line it clashes with,
/// or says the user already existed before the import.
fn write_batch(
    tx: Db<'_>,
    p: &Provider,
    now: &str,
    pending: &mut Pending,
    written: &mut WrittenLines,
    bad: &mut Vec<BadRow>,
) -> Result<(), ImportError> {
    let ids = insert_imported_batch(tx, p.id, &pending.users, now)?;
    // The rows the unique key refused, looked up together to name what they clash with.
    let clashes: Vec<&str> = (pending.users.iter().zip(&ids))
        .filter(|(_, id)| id.is_none())
        .map(|(u, _)| u.login.as_str())
        .collect();
    let existing = existing_users(tx, p.id, &clashes)?;
    let rows = pending.users.drain(..).zip(pending.lines.drain(..));
    for ((u, line), id) in rows.zip(ids) {
        if let Some(id) = id {
            written.rows.push((id, line));
            written.spr_enabled += u64::from(u.spr_enabled);
            continue;
        }
        let key = u.login.to_ascii_lowercase();
        let first = existing
            .get(&key)
            .and_then(|&id| written.line_of(id))
            .or_else(|| written.refused.get(&key).copied());
        let problem = match first {
            Some(first) => format!(
                "the Login Name {} appears again (first on line {first})",
                u.login
            ),
            None => {
                written.refused.insert(key, line);
                format!(
                    "a user with Login Name {} already exists in provider {}",
                    u.login, p.code
                )
            }
        };
        bad.push(BadRow {
            line,
            problems: vec![problem],
        });
    }
    Ok(())
}

/// Counts the bytes read, for the import's progress.
struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
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
    /// `source` names the file in the audit log. The file is read once, as a stream: each
    /// row is checked and written as it comes. `progress(done, total)` is called as it is
    /// read, in bytes of `size` (the file's length, 0 when unknown).
    pub fn import_users(
        &mut self,
        actor: &Operator,
        code: &str,
        source: &str,
        input: impl Read,
        size_hint: u64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<ImportReport, ImportError> {
        Service::require_super_admin(actor)?;
        let p = self.provider(code)?;
        let mut input = CountingReader {
            inner: input,
            read: 0,
        };
        let (mut reader, cols) = open_csv(std::io::BufReader::with_capacity(1 << 16, &mut input))?;
        progress(0, size_hint);
        let now = now_str(self);
        let conn = self.store().conn();
        // One pass over the file: each row is checked and written as it is read, so memory
        // stays flat for a million rows. Checking and writing share one transaction, so no
        // other console can add a clashing Login Name in between, and dropping it on any bad
        // row or error rolls everything back: good rows are still written after a bad one,
        // which lets the database itself find Login Names met again later in the file.
        conn.in_write(|tx| -> Result<ImportReport, ImportError> {
        let mut bad: Vec<BadRow> = Vec::new();
        let mut written = WrittenLines::default();
        let mut pending = Pending::default();
        let mut rec = csv::StringRecord::new();
        let mut rows = 0u64;
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    rows += 1;
                    let line = rec.position().map_or(line, csv::Position::line);
                    match check_row(&rec, &cols, &p.code) {
                        Ok(u) => {
                            pending.push(u, line);
                            if pending.lines.len() == IMPORT_BATCH {
                                write_batch(tx, &p, &now, &mut pending, &mut written, &mut bad)?;
                            }
                        }
                        Err(problems) => bad.push(BadRow { line, problems }),
                    }
                }
                Err(e) => {
                    let at = e.position().map_or(line, csv::Position::line);
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return Err(
                            CoreError::Internal(format!("Cannot read {source}: {e}.")).into()
                        );
                    }
                    rows += 1;
                    bad.push(BadRow {
                        line: at,
                        problems: vec![csv_problem(&e)],
                    });
                }
            }
            if rows.is_multiple_of(PROGRESS_EVERY) {
                progress(reader.get_ref().get_ref().read, size_hint);
            }
        }
        write_batch(tx, &p, &now, &mut pending, &mut written, &mut bad)?;
        if rows == 0 {
            return Err(CoreError::Invalid(
                "The file has a header but no user rows: nothing to import.".into(),
            )
            .into());
        }
        progress(size_hint, size_hint);
        let (total, spr_enabled) = (written.rows.len() as u64, written.spr_enabled);
        if !bad.is_empty() {
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
            outcome: Outcome::Ok,
            reason: None,
            detail: format!(
                "{total} user{} imported from {source} without a password, {spr_enabled} with Self Password Reset enabled",
                if total == 1 { "" } else { "s" }
            ),
            ..NewEvent::default()
        };
        store::audit::append(tx, &now, &e)?;
        Ok(ImportReport {
            provider: p.code,
            imported: total,
            spr_enabled,
        })
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
        self.import_users_file_with(actor, code, path, progress, &AtomicBool::new(false))
    }

    /// As [`Service::import_users_file`], stopping when `cancel` is set (the console's
    /// Cancel): the import is one transaction, so a cancelled import changes nothing, writes
    /// no event, and answers [`CANCELLED`].
    pub fn import_users_file_with(
        &mut self,
        actor: &Operator,
        code: &str,
        path: &std::path::Path,
        progress: impl FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<ImportReport, ImportError> {
        let file = std::fs::File::open(path)
            .map_err(|e| CoreError::Invalid(format!("Cannot open {}: {e}.", path.display())))?;
        let size = file.metadata().map_or(0, |m| m.len());
        let result = self.import_users(
            actor,
            code,
            &path.display().to_string(),
            CancelRead {
                inner: file,
                cancel,
            },
            size,
            progress,
        );
        match result {
            // The read that saw the flag failed, and the transaction was rolled back.
            Err(_) if cancel.load(Ordering::Relaxed) => {
                Err(CoreError::Invalid(CANCELLED.into()).into())
            }
            other => other,
        }
    }

    /// Writes the users matching `filter` as CSV (helpdesk or super admin); returns how many.
    ///
    /// The export is audited (`user_export`) when the database is open for writing (the
    /// console): it copies people's contact details out, which a super admin will want to
    /// trace. The command line's export only reads and writes nothing (SPEC §3.13).
    /// Every cell is neutralised for spreadsheets (SPEC §3.14).
    pub fn export_users(
        &mut self,
        actor: &Operator,
        filter: &UserFilter,
        destination: &str,
        out: impl Write,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, CoreError> {
        let io = |e: csv::Error| CoreError::Internal(format!("Cannot write {destination}: {e}."));
        let conn = self.store().conn();
        // One read transaction: pages come from one snapshot even if another console writes.
        let done = conn.in_snapshot(|tx| -> Result<u64, CoreError> {
            let total = store::users::count(tx, filter)?;
            progress(0, total);
            let mut w = csv::Writer::from_writer(out);
            let mut header: Vec<&str> = IMPORT_COLUMNS.to_vec();
            header.extend(EXPORT_ONLY_COLUMNS);
            w.write_record(&header).map_err(io)?;
            let mut done = 0u64;
            store::users::each(tx, filter, |u| -> Result<(), CoreError> {
                let failed = u.failed_attempts.to_string();
                let locked = u.locked_at.map(rfc3339).unwrap_or_default();
                w.write_record(
                    [
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
                    ]
                    .map(crate::core::text::csv_cell)
                    .iter()
                    .map(|c| c.as_bytes()),
                )
                .map_err(io)?;
                done += 1;
                if done.is_multiple_of(PROGRESS_EVERY) {
                    progress(done, total.max(done));
                }
                Ok(())
            })?;
            progress(done, total.max(done));
            w.flush()
                .map_err(|e| CoreError::Internal(format!("Cannot write {destination}: {e}.")))?;
            drop(w);
            Ok(done)
        })?;
        if self.store().is_read_only() {
            return Ok(done);
        }
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
            outcome: Outcome::Ok,
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

    /// Imports `csv` into provider ACME of a fresh database that already has user `taken`.
    fn import(csv: &[u8]) -> (Result<ImportReport, ImportError>, u64) {
        let dir = tempfile::tempdir().unwrap();
        let mut svc = Service::open(&dir.path().join("t.sqlite3")).unwrap();
        let op = svc
            .init_first_operator(
                crate::core::demo::OPERATOR,
                crate::core::demo::OPERATOR_PASSWORD,
            )
            .unwrap();
        svc.add_provider(&op, "ACME", "Acme").unwrap();
        svc.import_users(
            &op,
            "ACME",
            "first.csv",
            &b"login\ntaken\n"[..],
            0,
            |_, _| {},
        )
        .unwrap();
        let r = svc.import_users(&op, "ACME", "t.csv", csv, csv.len() as u64, |_, _| {});
        let n = svc.count_users(&UserFilter::default()).unwrap();
        (r, n)
    }

    fn bad(csv: &[u8]) -> Vec<BadRow> {
        let (r, n) = import(csv);
        assert_eq!(n, 1, "a refused import changes nothing");
        match r {
            Err(ImportError::Rejected(rows)) => rows,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_header_with_a_typo_is_refused_on_line_1() {
        let rows = bad(b"login,frist\nann,Ann\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 1);
        assert!(rows[0].problems[0].contains("frist"), "{rows:?}");
    }

    #[test]
    fn a_byte_order_mark_and_columns_in_any_order_are_accepted() {
        let (r, n) = import(b"\xEF\xBB\xBFspr,login,email\nyes,ann,ann@example.org\n");
        let r = r.unwrap();
        assert_eq!((r.imported, r.spr_enabled, n), (1, 1, 2));
    }

    #[test]
    fn quoted_fields_span_lines_and_later_rows_keep_their_line_numbers() {
        let csv = "login,first,last,email,text_email,spr\n\"ann\",\"Ann\nMarie\",X,,,off\nbob,Bob,Y,not-an-address,,off\ncid,Cid,Z,,,off\n";
        let lines: Vec<u64> = bad(csv.as_bytes()).iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![2, 4], "a name with a line break is refused");
    }

    #[test]
    fn a_duplicate_login_names_the_first_line() {
        let rows = bad(b"login\nAnn\nbob\nann\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 4);
        assert!(rows[0].problems[0].contains("line 2"), "{rows:?}");
    }

    #[test]
    fn a_login_already_in_the_provider_is_named_and_its_repeat_points_back() {
        let rows = bad(b"login\nann\nTAKEN\nbob\ntaken\n");
        let lines: Vec<u64> = rows.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![3, 5], "{rows:?}");
        assert!(rows[0].problems[0].contains("already exists"), "{rows:?}");
        assert!(rows[1].problems[0].contains("first on line 3"), "{rows:?}");
    }
}
