//! The Users panel: search and filters, a windowed table that stays smooth at 100,000 users,
//! the details pane (SPR, contacts with the carrier helper, unlock, status), bulk SPR, and
//! CSV import and export.
//!
//! The table never holds all users: it knows the count and keeps a few pages of rows
//! (`USER_PAGE` each) around what is on screen, fetched by the worker with indexed queries.
//! Only the visible rows are built (`TableBuilder::body.rows`).

mod add;
mod answers;
mod details;
mod import;
mod table;

use crate::core::secret::Secret;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use egui::{Key, KeyboardShortcut, Modifiers, RichText, TextEdit, Ui};
use egui_extras::{Column, TableBuilder};

use super::a11y::{AddIf as _, ListOption as _, SaysValue as _};
use super::data::{BulkTarget, DataJob, Progress, ScrollMark, USER_PAGE, UserChange, UsersAnswer};
use super::file_menu::{Dialogs, Purpose, progress_ui};
use super::view::{Jobs, Shell};
use super::widgets::{Note, entered, error_color, field_row, form_grid, short_time, warn_color};
use crate::core::clock::rfc3339;
use crate::core::error::CoreError;
use crate::core::model::{Anchors, IncorrectEntry, Operator, Provider, Status, User};
use crate::core::model::{Matches, SortColumn, SortDirection, UserFilter, UserSort};
use crate::core::service::{CANCELLED, UserInput};
use crate::core::transfer::{BadRow, ImportError};
use crate::mail::carriers;

/// Pages kept in memory; older ones are dropped (a page is `USER_PAGE` rows).
const CACHED_PAGES: usize = 24;
/// Height of one table row.
pub const ROW_HEIGHT: f32 = 22.0;

/// The details pane's form for the selected user.
#[derive(Debug, Default)]
struct Details {
    user_id: i64,
    email: String,
    text_email: String,
    phone: String,
    carrier: String,
    unlock_reason: String,
    confirm_delete: bool,
    helper_error: Option<String>,
    /// The cursor went to the unlock reason once (an unlock is why a locked user is opened).
    reason_focused: bool,
}

impl Details {
    fn for_user(u: &User) -> Self {
        Self {
            user_id: u.id,
            email: u
                .email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            text_email: u
                .text_email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            ..Self::default()
        }
    }
}

/// The Add user dialog's form.
#[derive(Debug, Default)]
struct AddUserForm {
    code: String,
    login: String,
    first: String,
    last: String,
    email: String,
    text_email: String,
    spr: bool,
    password: Secret,
    confirm: Secret,
    note: Option<Note>,
    /// The cursor went to the first field when the dialog opened.
    focused: bool,
    /// The job is on the worker: no second submit until it answers.
    adding: bool,
}

/// `None` for an empty (or blank) text.
fn non_empty(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A bulk change running on the worker: how far it is, and the flag its Cancel sets.
#[derive(Debug, Default)]
struct BulkRun {
    progress: Progress,
    cancel: Arc<AtomicBool>,
}

/// A switch that starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnByDefault(pub bool);

impl Default for OnByDefault {
    fn default() -> Self {
        Self(true)
    }
}

/// The Users panel.
#[derive(Debug, Default)]
pub struct UsersPanel {
    pub search: String,
    pub provider_id: Option<i64>,
    pub status: Option<Status>,
    pub spr: Option<bool>,
    pub configured: Option<bool>,
    pub retired_only: bool,
    /// Admin Locked users at the top, newest lock first: on by default, since finding a
    /// locked account is what super admins come here for most.
    pub locked_first: OnByDefault,
    /// The order a clicked header asked for (the default is provider and Login Name).
    pub sort: UserSort,
    providers: Vec<Provider>,
    asked_providers: bool,
    /// The filter of the rows held, and a number that changes with it (late answers to an
    /// older filter are dropped).
    applied: Option<UserFilter>,
    generation: u64,
    /// A count-and-first-page query is running: keystrokes typed meanwhile are coalesced
    /// into one query sent when it answers (a broad prefix at 100,000 users takes ~0.1 s).
    query_in_flight: bool,
    /// How many users match: first counted up to a bound, then exactly.
    total: Option<Matches>,
    /// The signposts of a long list, which came with its exact count: pages deep in it are
    /// read from them.
    anchors: Option<Arc<Anchors>>,
    /// The first page on screen, read by the worker to drop page requests scrolled past.
    scroll_mark: ScrollMark,
    /// A row to bring on screen at the next frame (a new search scrolls to the top).
    scroll_to: Option<u64>,
    /// The row the keyboard moves from (the last one clicked or reached by the keys).
    cursor: Option<u64>,
    /// The cursor moved by a key: select its row when it is on hand, and scroll just enough.
    cursor_moved: bool,
    pages: HashMap<u64, Vec<User>>,
    page_order: VecDeque<u64>,
    pending: HashSet<u64>,
    selected: Option<User>,
    /// "Start supervised session…" was clicked for this account (Provider Code, Login Name).
    pub start_session: Option<(String, String)>,
    details: Details,
    checked: BTreeSet<i64>,
    note: Option<Note>,
    bad_rows: Vec<BadRow>,
    import_code: String,
    import_open: bool,
    import_progress: Option<Progress>,
    /// The running import's Cancel flag.
    import_cancel: Option<Arc<AtomicBool>>,
    export_progress: Option<Progress>,
    add_user: Option<AddUserForm>,
    pub dialogs: Dialogs,
    focus_search: bool,
    /// A bulk change of SPR waiting for the operator's yes (SPEC §5: it names the count).
    confirm_bulk: Option<(BulkTarget, bool, u64)>,
    /// The bulk change on the worker: its progress bar and its Cancel.
    bulk_run: Option<BulkRun>,
    /// A refresh's query is running: the old rows show until its first page comes.
    keep_rows: bool,
    /// The selected user is read again at the next frame (after a change).
    detail_stale: bool,
}

fn tri_combo(ui: &mut Ui, label: &str, value: &mut Option<bool>, yes: &str, no: &str) {
    let text = match value {
        None => "Any",
        Some(true) => yes,
        Some(false) => no,
    };
    // One unit, so a wrapping row never parts a label from its control.
    ui.horizontal(|ui| {
        let combo_label = ui.label(label);
        egui::ComboBox::from_id_salt(label)
            .selected_text(text)
            .width(90.0)
            .show_ui(ui, |ui| {
                ui.list_option(value, None, "Any");
                ui.list_option(value, Some(true), yes);
                ui.list_option(value, Some(false), no);
            })
            .response
            .labelled_by(combo_label.id)
            .says_value();
    });
}

fn lock_words(u: &User) -> String {
    let cause = u
        .lock_cause
        .map_or("wrong entries", IncorrectEntry::plural_words);
    match u.locked_at {
        Some(t) => format!(
            "Admin Locked {} after {} {cause}",
            short_time(&rfc3339(t)),
            u.failed_attempts
        ),
        None => "Admin Locked".into(),
    }
}

/// The Users table's sortable columns, left to right.
const SORT_COLUMNS: [SortColumn; 7] = [
    SortColumn::Provider,
    SortColumn::LoginName,
    SortColumn::FirstName,
    SortColumn::LastName,
    SortColumn::Contacts,
    SortColumn::Spr,
    SortColumn::Status,
];

/// A column's header: a button that sorts by the column (again: the other way round), with
/// an arrow for the order. Its name says the order to a screen reader, and the header cell
/// carries the order as its sort direction. Returns whether it was clicked.
fn sort_header(ui: &mut Ui, column: SortColumn, shown: Option<UserSort>) -> bool {
    use egui::accesskit::SortDirection as Aria;
    let title = column.title();
    let dir = shown.filter(|s| s.column == column).map(|s| s.direction);
    let (text, name, hint) = match dir {
        Some(SortDirection::Ascending) => (
            format!("{title} ▲"),
            format!("{title}, sorted ascending"),
            "Sorted ascending: click for descending",
        ),
        Some(SortDirection::Descending) => (
            format!("{title} ▼"),
            format!("{title}, sorted descending"),
            "Sorted descending: click for ascending",
        ),
        None => (
            title.to_owned(),
            title.to_owned(),
            "Click to sort by this column",
        ),
    };
    let cell = ui.unique_id();
    let r = ui
        .add(egui::Button::new(RichText::new(text).strong()).frame(false))
        .on_hover_text(hint);
    r.ctx.accesskit_node_builder(r.id, |n| n.set_label(name));
    // The header cell is named by its column (a cell is read with its header's name).
    ui.ctx().accesskit_node_builder(cell, |n| {
        n.set_label(title);
        if let Some(dir) = dir {
            n.set_sort_direction(match dir {
                SortDirection::Ascending => Aria::Ascending,
                SortDirection::Descending => Aria::Descending,
            });
        }
    });
    r.clicked()
}

fn has_retired_only_contacts(u: &User) -> bool {
    let contacts: Vec<&str> = [u.email.as_ref(), u.text_email.as_ref()]
        .into_iter()
        .flatten()
        .map(|e| e.as_str())
        .collect();
    !contacts.is_empty() && contacts.iter().all(|c| carriers::is_retired_gateway(c))
}

impl UsersPanel {
    /// The filter the fields describe now.
    pub fn filter(&self) -> UserFilter {
        UserFilter {
            provider_id: self.provider_id,
            status: self.status,
            spr_enabled: self.spr,
            configured: self.configured,
            search: Some(self.search.trim().to_owned()).filter(|s| !s.is_empty()),
            locked_first: self.locked_first.0,
            retired_gateway_only: self.retired_only,
            sort: self.sort,
        }
    }

    /// The order the table's headers show: none while Admin Locked users come first.
    pub fn shown_sort(&self) -> Option<UserSort> {
        (!(self.sort.is_default() && self.locked_first.0)).then_some(self.sort)
    }

    /// A click on a column's header: sorts by it, or the other way round when it is the
    /// order already. Admin Locked first gives way (its box says so).
    pub fn sort_by(&mut self, column: SortColumn) {
        self.sort = match self.shown_sort() {
            Some(s) => s.clicked(column),
            None => UserSort::by(column),
        };
        self.locked_first.0 = false;
        // A new order starts at the top, as a new search does.
        self.scroll_to = Some(0);
    }

    /// How many rows the table has, once known (the bounded count until the exact one).
    pub fn total(&self) -> Option<u64> {
        self.total.map(|m| m.n)
    }

    /// What is known of the number of matches.
    pub fn matches(&self) -> Option<Matches> {
        self.total
    }

    /// Brings row `index` on screen at the next frame (Ctrl+Home and Ctrl+End use it).
    pub fn scroll_to_row(&mut self, index: u64) {
        self.scroll_to = Some(index);
    }

    /// The row at `index`, if its page is here.
    pub fn row(&self, index: u64) -> Option<&User> {
        self.pages
            .get(&(index / USER_PAGE))
            .and_then(|p| p.get((index % USER_PAGE) as usize))
    }

    /// The user whose details show, if any.
    pub fn selected_user(&self) -> Option<&User> {
        self.selected.as_ref()
    }

    /// Reads the rows and the selected user again when the panel is next drawn (after a
    /// change, here or at another seat). The rows held stay on screen, and the place in the
    /// table is kept, until the new ones come.
    pub fn refresh(&mut self) {
        self.applied = None;
        self.query_in_flight = false;
        self.asked_providers = false;
        self.detail_stale = true;
    }

    /// Lists the users a Provider count card counts: that provider, that filter, nothing
    /// else (a search typed earlier would give another number than the card's).
    pub fn show_count(&mut self, provider_id: i64, card: super::provider::CountCard) {
        use super::provider::CountCard;
        self.search.clear();
        self.provider_id = Some(provider_id);
        self.status = None;
        self.spr = None;
        self.configured = None;
        self.retired_only = false;
        match card {
            CountCard::Users => {}
            CountCard::SprEnabled => self.spr = Some(true),
            CountCard::Configured => self.configured = Some(true),
            CountCard::AdminLocked => self.status = Some(Status::AdminLocked),
        }
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        let actor = sh.operator;
        let jobs = &mut *sh.jobs;
        if !self.asked_providers {
            self.asked_providers = true;
            jobs.push(DataJob::Providers);
        }
        if std::mem::take(&mut self.detail_stale)
            && let Some(u) = &self.selected
        {
            jobs.push(DataJob::UserDetail { id: u.id });
        }
        if ui.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::F)))
        {
            self.focus_search = true;
        }
        self.filters_ui(ui);
        let filter = self.filter();
        if self.applied.as_ref() != Some(&filter) && !self.query_in_flight {
            self.query_in_flight = true;
            self.generation += 1;
            self.pending.clear();
            self.anchors = None;
            // A refresh keeps the rows on screen until the new first page replaces them.
            self.keep_rows = self.applied.is_none() && self.total.is_some();
            if !self.keep_rows {
                self.pages.clear();
                self.page_order.clear();
            }
            if self.applied.as_ref().is_some_and(|old| old != &filter) {
                // A new search or filter starts at the top; a refresh keeps the place.
                self.scroll_to = Some(0);
                self.cursor = None;
            }
            self.applied = Some(filter.clone());
            jobs.push(DataJob::UserQuery {
                generation: self.generation,
                filter,
            });
        }
        self.toolbar_ui(ui, actor, jobs);
        if let Some((purpose, path)) = self.dialogs.ui(ui.ctx()) {
            match purpose {
                Purpose::ImportUsers => {
                    let progress = Progress::default();
                    let cancel = Arc::new(AtomicBool::new(false));
                    self.import_progress = Some(progress.clone());
                    self.import_cancel = Some(cancel.clone());
                    self.bad_rows.clear();
                    jobs.push(DataJob::Import {
                        actor: actor.clone(),
                        code: self.import_code.clone(),
                        path,
                        progress,
                        cancel,
                    });
                }
                Purpose::ExportUsers => {
                    let progress = Progress::default();
                    self.export_progress = Some(progress.clone());
                    jobs.push(DataJob::Export {
                        actor: actor.clone(),
                        filter: self.filter(),
                        path,
                        progress,
                    });
                }
                _ => {}
            }
        }
        self.import_ui(ui, actor);
        self.add_user_ui(ui, actor, jobs);
        if let Some(n) = &self.note {
            n.ui(ui);
        }
        ui.separator();
        if self.selected.is_some() {
            egui::Panel::right("user-details")
                .resizable(true)
                .default_size(340.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| self.details_ui(ui, actor, jobs));
                });
        }
        egui::CentralPanel::no_frame().show(ui, |ui| self.table_ui(ui, actor, jobs));
    }

    fn filters_ui(&mut self, ui: &mut Ui) {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Search");
            let r = ui
                .add(
                    TextEdit::singleline(&mut self.search)
                        .hint_text("Login Name, first or last name, email (Ctrl+F)")
                        .desired_width(280.0),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus_search) {
                r.request_focus();
            }
            let providers = &self.providers;
            let current = self
                .provider_id
                .and_then(|id| providers.iter().find(|p| p.id == id))
                .map_or("All".to_owned(), |p| p.code.to_string());
            ui.horizontal(|ui| {
                let combo_label = ui.label("Provider");
                egui::ComboBox::from_id_salt("Provider")
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        ui.list_option(&mut self.provider_id, None, "All");
                        for p in providers {
                            ui.list_option(&mut self.provider_id, Some(p.id), p.code.as_str());
                        }
                    })
                    .response
                    .labelled_by(combo_label.id)
                    .says_value();
            });
            let status = self.status.map_or("All but Deleted", Status::label);
            ui.horizontal(|ui| {
                let combo_label = ui.label("Status");
                egui::ComboBox::from_id_salt("Status")
                    .selected_text(status)
                    .show_ui(ui, |ui| {
                        ui.list_option(&mut self.status, None, "All but Deleted");
                        for s in Status::ALL {
                            ui.list_option(&mut self.status, Some(s), s.label());
                        }
                    })
                    .response
                    .labelled_by(combo_label.id)
                    .says_value();
            });
            tri_combo(ui, "SPR enabled", &mut self.spr, "Enabled", "Disabled");
            tri_combo(
                ui,
                "Configured",
                &mut self.configured,
                "Configured",
                "Not configured",
            );
            ui.checkbox(&mut self.retired_only, "Only a retired text gateway")
                .on_hover_text(
                    "Users whose every contact is on a carrier gateway that no longer delivers",
                );
            // Admin Locked first is an order of its own: it takes over from a clicked header.
            if ui
                .checkbox(&mut self.locked_first.0, "Admin Locked first")
                .changed()
                && self.locked_first.0
            {
                self.sort = UserSort::default();
            }
        });
    }

    /// Asks before a bulk change of SPR, naming how many users it changes.
    fn confirm_bulk_ui(&mut self, ui: &mut Ui, actor: &Operator, jobs: &mut Jobs) {
        let Some((_, on, n)) = &self.confirm_bulk else {
            return;
        };
        let (on, n) = (*on, *n);
        let word = if on { "Enable" } else { "Disable" };
        let users = super::widgets::count_of(n, "user", "users");
        let (mut yes, mut no) = (false, false);
        let modal = egui::Modal::new(egui::Id::unique("confirm-bulk-spr")).show(ui.ctx(), |ui| {
            ui.set_width(440.0);
            super::widgets::heading(ui, format!("{word} Self Password Reset for {users}?"));
            ui.label(if on {
                "Each of them may then reset their own password once they have a contact."
            } else {
                "Their live password tokens stop working, and they can no longer reset on their own."
            });
            ui.label("Each change is audited, with one summary event for the whole batch.");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                yes = ui.button(format!("{word} for {users}")).clicked();
                no = ui.button("Cancel").clicked();
            });
        });
        if no || modal.should_close() {
            self.confirm_bulk = None;
        } else if yes && let Some((target, on, _)) = self.confirm_bulk.take() {
            let run = BulkRun::default();
            jobs.push(DataJob::BulkSpr {
                actor: actor.clone(),
                target,
                on,
                progress: run.progress.clone(),
                cancel: run.cancel.clone(),
            });
            self.bulk_run = Some(run);
        }
    }

    fn toolbar_ui(&mut self, ui: &mut Ui, actor: &Operator, jobs: &mut Jobs) {
        self.confirm_bulk_ui(ui, actor, jobs);
        ui.horizontal_wrapped(|ui| {
            match self.total {
                Some(m) => ui.label(RichText::new(m.to_string()).strong()),
                None => ui.label("Counting…"),
            };
            if let Some(run) = &self.bulk_run {
                ui.separator();
                // The worker reads the flag every few users and rolls the batch back.
                if run.cancel.load(Ordering::Relaxed) {
                    progress_ui(ui, "Cancelling", &run.progress);
                } else {
                    progress_ui(ui, "Changing Self Password Reset", &run.progress);
                    if ui
                        .button("Cancel the change")
                        .on_hover_text("Stops it and rolls it back: nothing will have changed")
                        .clicked()
                    {
                        run.cancel.store(true, Ordering::Relaxed);
                    }
                }
            }
            if actor.is_super_admin() {
                ui.separator();
                let idle = self.bulk_run.is_none();
                let n = self.checked.len();
                for on in [true, false] {
                    let word = if on { "Enable" } else { "Disable" };
                    if ui
                        .add_if(
                            idle && n > 0,
                            egui::Button::new(format!("{word} SPR for {n} selected")),
                        )
                        .clicked()
                    {
                        self.confirm_bulk = Some((
                            BulkTarget::Ids(self.checked.iter().copied().collect()),
                            on,
                            n as u64,
                        ));
                    }
                }
                for on in [true, false] {
                    let word = if on { "Enable" } else { "Disable" };
                    // The question names the count, so it waits for the exact one.
                    let exact = self.total.filter(|t| t.exact && t.n > 0);
                    let r = ui.add_if(
                        idle && exact.is_some(),
                        egui::Button::new(format!("{word} SPR for all matching")),
                    );
                    if let Some(t) = exact
                        && r.clicked()
                    {
                        self.confirm_bulk = Some((BulkTarget::Matching(self.filter()), on, t.n));
                    }
                }
                ui.separator();
                if ui
                    .add_if(
                        self.import_progress.is_none(),
                        egui::Button::new("Import CSV…"),
                    )
                    .clicked()
                {
                    self.import_open = true;
                    if self.import_code.is_empty()
                        && let Some(p) = self
                            .provider_id
                            .and_then(|id| self.providers.iter().find(|p| p.id == id))
                            .or(self.providers.first())
                    {
                        self.import_code = p.code.to_string();
                    }
                }
                if ui
                    .button("Add user…")
                    .on_hover_text("Add one user to a provider")
                    .clicked()
                {
                    let code = self
                        .provider_id
                        .and_then(|id| self.providers.iter().find(|p| p.id == id))
                        .or(self.providers.first())
                        .map(|p| p.code.to_string())
                        .unwrap_or_default();
                    self.add_user = Some(AddUserForm {
                        code,
                        ..AddUserForm::default()
                    });
                }
            }
            if ui
                .add_if(
                    self.export_progress.is_none(),
                    egui::Button::new("Export CSV…"),
                )
                .on_hover_text("The users that match the search and filters")
                .clicked()
            {
                self.dialogs.ask(ui.ctx(), Purpose::ExportUsers);
            }
            if let Some(p) = &self.export_progress {
                progress_ui(ui, "Exporting", p);
            }
        });
    }
}
