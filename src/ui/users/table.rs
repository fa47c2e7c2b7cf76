//! The Users table: its columns, sortable headers, pages fetched as they scroll into view,
//! and the keys that move its selection.

#[allow(clippy::wildcard_imports)]
use super::*;

impl UsersPanel {
    pub(super) fn table_ui(&mut self, ui: &mut Ui, actor: &Operator, jobs: &mut Jobs) {
        let total = self.total.map_or(0, |m| m.n);
        // Ctrl+Home / Ctrl+End go to the first / last row when no field has the keyboard.
        if ui.memory(|m| m.focused().is_none()) {
            if ui.input_mut(|i| {
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::Home))
            }) {
                self.scroll_to = Some(0);
            }
            if ui.input_mut(|i| {
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::End))
            }) {
                self.scroll_to = Some(total.saturating_sub(1));
            }
        }
        let row_pitch = ROW_HEIGHT + ui.spacing().item_spacing.y;
        // Arrows, Page Up/Down, Home and End move the selection; Enter opens the row again.
        let page_rows = ((ui.available_height() - 24.0) / row_pitch)
            .floor()
            .max(1.0) as u64;
        match crate::ui::table_keys::read(ui) {
            Some(crate::ui::table_keys::TableKey::Enter) => {
                self.cursor_moved = self.cursor.is_some()
            }
            Some(key) => {
                if let Some(to) = crate::ui::table_keys::moved(self.cursor, key, total, page_rows) {
                    self.cursor = Some(to);
                    self.cursor_moved = true;
                }
            }
            None => {}
        }
        let cursor = self.cursor.filter(|_| self.cursor_moved);
        let mut reached: Option<User> = None;
        let mut wanted: BTreeSet<u64> = BTreeSet::new();
        let mut first_shown: Option<u64> = None;
        let mut clicked: Option<(u64, User)> = None;
        let selected_id = self.selected.as_ref().map(|u| u.id);
        let bulk = actor.is_super_admin();
        let mut toggles: Vec<(i64, bool)> = Vec::new();
        // A click anywhere on a row selects it: cell texts must not take it for selecting text.
        ui.style_mut().interaction.selectable_labels = false;
        // With the details pane open at 1024 points the full widths would push Status out of
        // sight: narrower columns (clipped, whole text on hover) keep every column shown.
        let narrow = ui.available_width() < 820.0;
        let [login_w, first_w, last_w, contacts_w, spr_w] = if narrow {
            [100.0, 70.0, 80.0, 115.0, 60.0]
        } else {
            [140.0, 100.0, 120.0, 220.0, 90.0]
        };
        let columns = if bulk { 8 } else { 7 };
        let shown_sort = self.shown_sort();
        let mut sort_clicked: Option<SortColumn> = None;
        let ctx = ui.ctx().clone();
        crate::ui::a11y::table(ui, "Users", total as usize, columns, |ui, tree| {
            let mut table = TableBuilder::new(ui)
                .id_salt("users-table")
                .striped(true)
                // Clicks but no keyboard focus: Tab must not stop on every cell (the arrows move
                // the selection instead).
                .sense(egui::Sense::CLICK)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center));
            if let Some(row) = self.scroll_to.take() {
                // An offset, not `scroll_to_row`: it moves the view in this very frame, so the
                // rows there are asked for now (the scroll area clamps it at the end).
                let row = row.min(total.saturating_sub(1)) as f32;
                table = table.vertical_scroll_offset(row * row_pitch);
            } else if let Some(row) = cursor {
                table = table.scroll_to_row(row as usize, None);
            }
            if bulk {
                table = table.column(Column::exact(24.0));
            }
            table
                .column(Column::auto().at_least(60.0))
                .column(Column::initial(login_w).at_least(80.0).clip(true))
                .column(Column::initial(first_w).at_least(60.0).clip(true))
                .column(Column::initial(last_w).at_least(60.0).clip(true))
                .column(Column::initial(contacts_w).at_least(80.0).clip(true))
                .column(Column::initial(spr_w))
                .column(Column::remainder().at_least(120.0).clip(true))
                .header(24.0, |mut h| {
                    if bulk {
                        h.col(|ui| {
                            tree.header_cell(ui);
                            ui.label("").on_hover_text("Selected for a bulk change");
                        });
                    }
                    for column in SORT_COLUMNS {
                        h.col(|ui| {
                            tree.header_cell(ui);
                            if sort_header(ui, column, shown_sort) {
                                sort_clicked = Some(column);
                            }
                        });
                    }
                })
                .body(|body| {
                    body.rows(ROW_HEIGHT, total as usize, |mut row| {
                        let i = row.index() as u64;
                        first_shown = Some(first_shown.map_or(i, |f| f.min(i)));
                        let Some(u) = self
                            .pages
                            .get(&(i / USER_PAGE))
                            .and_then(|p| p.get((i % USER_PAGE) as usize))
                        else {
                            wanted.insert(i / USER_PAGE);
                            row.col(|ui| {
                                tree.cell(ui, i as usize, false);
                                ui.weak("…");
                            });
                            return;
                        };
                        if cursor == Some(i) {
                            reached = Some(u.clone());
                        }
                        let is_selected = Some(u.id) == selected_id;
                        row.set_selected(is_selected);
                        let mut tree_cell = |ui: &mut Ui| tree.cell(ui, i as usize, is_selected);
                        if bulk {
                            row.col(|ui| {
                                tree_cell(ui);
                                let mut on = self.checked.contains(&u.id);
                                if ui
                                    .checkbox(&mut on, "")
                                    .on_hover_text(format!("Select {} for a bulk change", u.login))
                                    .changed()
                                {
                                    toggles.push((u.id, on));
                                }
                            });
                        }
                        row.col(|ui| {
                            tree_cell(ui);
                            ui.label(u.provider_code.as_str());
                        });
                        row.col(|ui| {
                            tree_cell(ui);
                            ui.label(u.login.as_str());
                        });
                        row.col(|ui| {
                            tree_cell(ui);
                            ui.label(&u.first);
                        });
                        row.col(|ui| {
                            tree_cell(ui);
                            ui.label(&u.last);
                        });
                        row.col(|ui| {
                            tree_cell(ui);
                            let text = match (&u.email, &u.text_email) {
                                (Some(e), Some(t)) => format!("{e}, {t}"),
                                (Some(e), None) => e.to_string(),
                                (None, Some(t)) => t.to_string(),
                                (None, None) => "not configured".into(),
                            };
                            if has_retired_only_contacts(u) {
                                // One tooltip, with the whole address: a clipped label
                                // would add its own with the text alone.
                                ui.add(
                                    egui::Label::new(
                                        RichText::new(format!("Retired gateway: {text}"))
                                            .color(warn_color(ui)),
                                    )
                                    .show_tooltip_when_elided(false),
                                )
                                .on_hover_text(format!(
                                    "{text}\nOnly a retired text gateway: a token cannot reach this user"
                                ));
                            } else if u.is_configured() {
                                ui.label(text);
                            } else {
                                ui.weak(text);
                            }
                        });
                        row.col(|ui| {
                            tree_cell(ui);
                            ui.label(if u.spr_enabled { "Enabled" } else { "Disabled" });
                        });
                        row.col(|ui| {
                            tree_cell(ui);
                            if u.status == Status::AdminLocked && is_selected {
                                // Red on the selection's blue cannot be read: strong text there.
                                ui.label(RichText::new(lock_words(u)).strong());
                            } else if u.status == Status::AdminLocked {
                                ui.colored_label(error_color(ui), lock_words(u));
                            } else {
                                ui.label(u.status.label());
                            }
                        });
                        // A click, or a screen reader's click on the row, opens the user.
                        if row.response().clicked() || tree.row_clicked(&ctx, i as usize) {
                            clicked = Some((i, u.clone()));
                        }
                    });
                });
        });
        if let Some(column) = sort_clicked {
            self.sort_by(column);
        }
        for (id, on) in toggles {
            if on {
                self.checked.insert(id);
            } else {
                self.checked.remove(&id);
            }
        }
        if let Some(u) = reached {
            self.cursor_moved = false;
            self.select(u);
        }
        if let Some((i, u)) = clicked {
            self.cursor = Some(i);
            self.cursor_moved = false;
            self.select(u);
        }
        if let Some(i) = first_shown {
            self.scroll_mark.set(i / USER_PAGE);
        }
        // Ask for the missing pages on screen first, then one either side so scrolling finds
        // them; the worker skips those a newer scroll has left behind.
        let mut ask: Vec<u64> = wanted.iter().copied().collect();
        for p in &wanted {
            ask.push(p + 1);
            if *p > 0 {
                ask.push(p - 1);
            }
        }
        let last_page = total.saturating_sub(1) / USER_PAGE;
        let Some(matches) = self.total else {
            return;
        };
        for page in ask {
            if page <= last_page
                && !self.pages.contains_key(&page)
                && self.pending.insert(page)
                && let Some(filter) = self.applied.clone()
            {
                jobs.push(DataJob::UserPage {
                    generation: self.generation,
                    filter,
                    matches,
                    anchors: self.anchors.clone(),
                    page,
                    mark: self.scroll_mark.clone(),
                });
            }
        }
    }
}
