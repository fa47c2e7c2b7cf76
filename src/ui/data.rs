//! The jobs of the Users, Audit and Outbox views and the File menu, run on the worker thread:
//! windowed user pages, user changes, CSV import and export, audit exports, backups.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::worker::Answer;
use crate::core::audit::{AuditEvent, AuditFilter, write_audit_csv};
use crate::core::model::{Anchors, Matches, StoredMessage, UserFilter};
use crate::core::model::{Operator, User};
use crate::core::service::UserInput;
use crate::core::transfer::{ImportError, ImportReport};
use crate::core::{CoreError, Service};

/// Rows per page of the Users table; the table asks for the pages around what it shows.
pub const USER_PAGE: u64 = 200;

/// Progress of a slow job, shared between the worker (writes) and the UI (reads each frame).
#[derive(Clone, Debug, Default)]
pub struct Progress(Arc<(AtomicU64, AtomicU64)>);

impl Progress {
    /// Records `done` of `total`.
    pub fn set(&self, done: u64, total: u64) {
        self.0.1.store(total, Ordering::Relaxed);
        self.0.0.store(done, Ordering::Relaxed);
    }

    /// `(done, total)` so far.
    pub fn get(&self) -> (u64, u64) {
        (
            self.0.0.load(Ordering::Relaxed),
            self.0.1.load(Ordering::Relaxed),
        )
    }

    /// The fraction done, 0 to 1.
    pub fn fraction(&self) -> f32 {
        let (done, total) = self.get();
        if total == 0 {
            0.0
        } else {
            (done as f64 / total as f64) as f32
        }
    }
}

/// Where the Users table is scrolled to, shared by the panel (writes each frame) and the
/// worker (reads before a page job): a page request that a newer scroll has overtaken is
/// dropped unread, so a jump across a million rows waits for one page, not for every page
/// scrolled past.
#[derive(Clone, Debug, Default)]
pub struct ScrollMark(Arc<AtomicU64>);

impl ScrollMark {
    /// Records the first page on screen.
    pub fn set(&self, first_visible_page: u64) {
        self.0.store(first_visible_page, Ordering::Relaxed);
    }

    /// Whether `page` is still on screen or next to it.
    pub fn wants(&self, page: u64) -> bool {
        let first = self.0.load(Ordering::Relaxed);
        // The screen shows at most two pages; one either side is prefetched.
        page + 1 >= first && page <= first + 2
    }
}

/// A change to one user from the details pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserChange {
    Spr(bool),
    /// New contacts: an empty text clears one.
    Contacts {
        email: String,
        text_email: String,
    },
    Unlock {
        reason: String,
    },
    Deactivate,
    Reactivate,
    Delete,
}

/// Which users a bulk change applies to.
#[derive(Clone, Debug)]
pub enum BulkTarget {
    Ids(Vec<i64>),
    Matching(UserFilter),
}

/// An audit export's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditFormat {
    Csv,
    Json,
}

/// What the views ask of the worker.
#[derive(Debug)]
pub enum DataJob {
    /// Every provider (for the filters and the import).
    Providers,
    /// The first page of a new search or filter, with the matches counted up to
    /// [`COUNT_BOUND`]: no search waits for every match to be counted.
    UserQuery { generation: u64, filter: UserFilter },
    /// The exact number of matches, asked after the first page when there are many.
    UserCount { generation: u64, filter: UserFilter },
    /// One page of the current query; skipped when `mark` says it was scrolled past.
    UserPage {
        generation: u64,
        filter: UserFilter,
        matches: Matches,
        /// The list's signposts, once its exact count has come with them.
        anchors: Option<Arc<Anchors>>,
        page: u64,
        mark: ScrollMark,
    },
    /// One user, fresh.
    UserDetail { id: i64 },
    /// A change from the details pane.
    ChangeUser {
        actor: Operator,
        id: i64,
        change: UserChange,
    },
    /// Bulk enable or disable SPR.
    BulkSpr {
        actor: Operator,
        target: BulkTarget,
        on: bool,
        progress: Progress,
        /// Set by the panel's Cancel: the worker stops and rolls the whole batch back.
        cancel: Arc<AtomicBool>,
    },
    /// One new user, entered in the Add user dialog.
    AddUser {
        actor: Operator,
        code: String,
        input: UserInput,
    },
    /// CSV import into a provider.
    Import {
        actor: Operator,
        code: String,
        path: PathBuf,
        progress: Progress,
        /// Set by the panel's Cancel: the import stops and rolls back.
        cancel: Arc<AtomicBool>,
    },
    /// CSV export of the users matching a filter.
    Export {
        actor: Operator,
        filter: UserFilter,
        path: PathBuf,
        progress: Progress,
    },
    /// A page of the audit log, with the number of matching events.
    Audit {
        generation: u64,
        filter: AuditFilter,
    },
    /// The matching events, oldest first, as CSV or JSON.
    AuditExport {
        filter: AuditFilter,
        path: PathBuf,
        format: AuditFormat,
    },
    /// The newest outbox messages.
    Outbox { last: u32 },
    /// A copy of the whole database (SQLite online backup).
    Backup {
        actor: Operator,
        path: PathBuf,
        progress: Progress,
    },
}

impl DataJob {
    /// Reads for drawing show no spinner; changes and file work do.
    pub fn is_action(&self) -> bool {
        !matches!(
            self,
            DataJob::Providers
                | DataJob::UserQuery { .. }
                | DataJob::UserCount { .. }
                | DataJob::UserPage { .. }
                | DataJob::UserDetail { .. }
                | DataJob::Audit { .. }
                | DataJob::Outbox { .. }
        )
    }

    /// Words for the spinner.
    pub fn describe(&self) -> &'static str {
        match self {
            DataJob::ChangeUser { .. } => "Saving…",
            DataJob::BulkSpr { .. } => "Changing Self Password Reset…",
            DataJob::AddUser { .. } => "Adding the user…",
            DataJob::Import { .. } => "Importing users…",
            DataJob::Export { .. } => "Exporting users…",
            DataJob::AuditExport { .. } => "Exporting the audit log…",
            DataJob::Backup { .. } => "Saving a backup copy…",
            _ => "Reading…",
        }
    }
}

/// The Users panel's answers.
#[derive(Debug)]
pub enum UsersAnswer {
    Providers(Result<Vec<crate::core::model::Provider>, CoreError>),
    UserQuery {
        generation: u64,
        result: Result<(Matches, Vec<User>), CoreError>,
    },
    UserCount {
        generation: u64,
        /// The exact count and the list's signposts.
        result: Result<(u64, Arc<Anchors>), CoreError>,
    },
    /// `Ok(None)`: the page was scrolled past before its turn came, and was not read.
    UserPage {
        generation: u64,
        page: u64,
        result: Result<Option<Vec<User>>, CoreError>,
    },
    UserDetail(Result<User, CoreError>),
    UserChanged {
        change: UserChange,
        result: Result<User, CoreError>,
    },
    BulkDone {
        on: bool,
        result: Result<usize, CoreError>,
    },
    UserAdded(Result<User, CoreError>),
    Imported(Result<ImportReport, ImportError>),
    Exported {
        path: PathBuf,
        result: Result<u64, CoreError>,
    },
}

/// The Audit view's answers.
#[derive(Debug)]
pub enum AuditAnswer {
    Page {
        generation: u64,
        result: Result<(u64, Vec<AuditEvent>), CoreError>,
    },
    Exported {
        path: PathBuf,
        result: Result<u64, CoreError>,
    },
}

/// The Outbox view's answer: the newest messages, oldest first.
#[derive(Debug)]
pub struct OutboxAnswer(pub Result<Vec<StoredMessage>, CoreError>);

/// The File menu's answer: a backup copy saved, or why not.
#[derive(Debug)]
pub struct FilesAnswer {
    pub path: PathBuf,
    pub result: Result<(), CoreError>,
}

/// Runs one job on the worker thread.
pub fn handle(svc: &mut Service, job: DataJob) -> Answer {
    let users = Answer::Users;
    match job {
        DataJob::Providers => users(UsersAnswer::Providers(svc.providers())),
        DataJob::UserQuery { generation, filter } => users(UsersAnswer::UserQuery {
            generation,
            result: first_user_page(svc, &filter),
        }),
        DataJob::UserCount { generation, filter } => users(UsersAnswer::UserCount {
            generation,
            result: svc
                .count_users_with_anchors(&filter)
                .map(|(n, a)| (n, Arc::new(a))),
        }),
        DataJob::UserPage {
            generation,
            filter,
            matches,
            anchors,
            page,
            mark,
        } => users(UsersAnswer::UserPage {
            generation,
            page,
            result: if mark.wants(page) {
                svc.user_page(
                    &filter,
                    matches,
                    anchors.as_deref(),
                    page * USER_PAGE,
                    USER_PAGE,
                )
                .map(Some)
            } else {
                Ok(None)
            },
        }),
        DataJob::UserDetail { id } => users(UsersAnswer::UserDetail(svc.user_by_id(id))),
        DataJob::ChangeUser { actor, id, change } => {
            let result = match &change {
                UserChange::Spr(on) => svc
                    .set_spr_for(&actor, &[id], *on)
                    .and_then(|_| svc.user_by_id(id)),
                UserChange::Contacts { email, text_email } => {
                    svc.set_contacts(&actor, id, Some(email), Some(text_email))
                }
                UserChange::Unlock { reason } => svc.unlock(&actor, id, reason),
                UserChange::Deactivate => svc.deactivate(&actor, id),
                UserChange::Reactivate => svc.reactivate(&actor, id),
                UserChange::Delete => svc.delete(&actor, id),
            };
            users(UsersAnswer::UserChanged { change, result })
        }
        DataJob::BulkSpr {
            actor,
            target,
            on,
            progress,
            cancel,
        } => {
            let mut report = |done, total| progress.set(done, total);
            users(UsersAnswer::BulkDone {
                on,
                result: match target {
                    BulkTarget::Ids(ids) => {
                        svc.set_spr_for_with(&actor, &ids, on, &mut report, &cancel)
                    }
                    BulkTarget::Matching(f) => {
                        svc.set_spr_matching_with(&actor, &f, on, &mut report, &cancel)
                    }
                },
            })
        }
        DataJob::AddUser { actor, code, input } => {
            users(UsersAnswer::UserAdded(svc.add_user(&actor, &code, &input)))
        }
        DataJob::Import {
            actor,
            code,
            path,
            progress,
            cancel,
        } => users(UsersAnswer::Imported(svc.import_users_file_with(
            &actor,
            &code,
            &path,
            |d, t| progress.set(d, t),
            &cancel,
        ))),
        DataJob::Export {
            actor,
            filter,
            path,
            progress,
        } => {
            let result = export_users(svc, &actor, &filter, &path, &progress);
            users(UsersAnswer::Exported { path, result })
        }
        DataJob::Audit { generation, filter } => Answer::Audit(AuditAnswer::Page {
            generation,
            result: svc
                .audit_count(&AuditFilter {
                    limit: None,
                    offset: None,
                    ..filter.clone()
                })
                .and_then(|n| Ok((n, svc.audit_events(&filter)?))),
        }),
        DataJob::AuditExport {
            filter,
            path,
            format,
        } => {
            let result = export_audit(svc, &filter, &path, format);
            Answer::Audit(AuditAnswer::Exported { path, result })
        }
        DataJob::Outbox { last } => Answer::Outbox(OutboxAnswer(svc.outbox(Some(last)))),
        DataJob::Backup {
            actor,
            path,
            progress,
        } => {
            // The core checks the role, refuses the open database and audits the copy.
            let result = svc.backup(&actor, &path, |done, total| {
                progress.set(
                    u64::try_from(done).unwrap_or(0),
                    u64::try_from(total).unwrap_or(0),
                );
            });
            Answer::Files(FilesAnswer { path, result })
        }
    }
}

/// The matches counted up to a bound and the first page: a few milliseconds at a million
/// users, whatever the search.
pub fn first_user_page(
    svc: &Service,
    filter: &UserFilter,
) -> Result<(Matches, Vec<User>), CoreError> {
    svc.first_user_page(filter, USER_PAGE)
}

fn io_error(path: &std::path::Path, e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(format!("Cannot write {}: {e}.", path.display()))
}

/// Users as CSV, written beside the file and renamed onto it, owner-only (SPEC §3.13).
fn export_users(
    svc: &mut Service,
    actor: &Operator,
    filter: &UserFilter,
    path: &std::path::Path,
    progress: &Progress,
) -> Result<u64, CoreError> {
    let db = svc.database_file().map(std::path::Path::to_path_buf);
    crate::core::files::write_private(path, db.as_deref(), |w| {
        svc.export_users(actor, filter, &path.display().to_string(), w, |d, t| {
            progress.set(d, t);
        })
    })
}

/// The audit log as CSV or JSON, oldest first (SPEC §3.10), whatever order the view shows;
/// the CSV ends with the chain head of the whole log.
fn export_audit(
    svc: &Service,
    filter: &AuditFilter,
    path: &std::path::Path,
    format: AuditFormat,
) -> Result<u64, CoreError> {
    use std::io::Write;
    let events = svc.audit_events(&AuditFilter {
        newest_first: false,
        limit: None,
        offset: None,
        ..filter.clone()
    })?;
    let head = match format {
        AuditFormat::Csv => Some(svc.audit_verify()?),
        AuditFormat::Json => None,
    };
    crate::core::files::write_private(path, svc.database_file(), |w| {
        match format {
            AuditFormat::Json => {
                serde_json::to_writer_pretty(&mut *w, &events).map_err(|e| io_error(path, e))?;
                w.write_all(b"\n").map_err(|e| io_error(path, e))?;
            }
            AuditFormat::Csv => {
                write_audit_csv(&events, head.as_ref(), &mut *w, &path.display().to_string())?;
            }
        }
        Ok(events.len() as u64)
    })
}

/// The views of part 2 of the console, as the app shell holds them.
#[derive(Debug, Default)]
pub struct DataViews {
    pub users: super::users::UsersPanel,
    pub audit: super::audit::AuditView,
    pub outbox: super::outbox::OutboxView,
    pub files: super::file_menu::FileMenu,
}
