//! The Users panel's answers from the worker: pages, counts, details and the results of
//! changes, each put where the panel draws it.

#[allow(clippy::wildcard_imports)]
use super::*;

impl UsersPanel {
    /// Takes this panel's answers.
    pub fn on_answer(&mut self, a: UsersAnswer, sh: &mut Shell<'_>) {
        let jobs = &mut *sh.jobs;
        match a {
            UsersAnswer::Providers(Ok(p)) => self.providers = p,
            UsersAnswer::Providers(Err(e)) => self.note = Some(Note::Error(e.to_string())),
            UsersAnswer::UserQuery { generation, .. } if generation != self.generation => {
                self.query_in_flight = false;
            }
            UsersAnswer::UserQuery { result, .. } => {
                self.query_in_flight = false;
                match result {
                    Ok((matches, first)) => {
                        if std::mem::take(&mut self.keep_rows) {
                            self.pages.clear();
                            self.page_order.clear();
                        }
                        self.total = Some(matches);
                        self.store_page(0, first);
                        if !matches.exact
                            && let Some(filter) = self.applied.clone()
                        {
                            jobs.push(DataJob::UserCount {
                                generation: self.generation,
                                filter,
                            });
                        }
                    }
                    Err(e) => self.note = Some(Note::Error(e.to_string())),
                }
            }
            UsersAnswer::UserCount { generation, result } if generation == self.generation => {
                match result {
                    Ok((n, anchors)) => {
                        self.total = Some(Matches { n, exact: true });
                        self.anchors = Some(anchors);
                    }
                    Err(e) => self.note = Some(Note::Error(e.to_string())),
                }
            }
            UsersAnswer::UserPage {
                generation,
                page,
                result,
            } if generation == self.generation => {
                self.pending.remove(&page);
                match result {
                    Ok(Some(rows)) => self.store_page(page, rows),
                    // Scrolled past before it was read: asked again if it comes back on screen.
                    Ok(None) => {}
                    Err(e) => self.note = Some(Note::Error(e.to_string())),
                }
            }
            // A fresh copy of the user shown; one clicked away from meanwhile stays away.
            UsersAnswer::UserDetail(Ok(u)) => {
                if self.selected.as_ref().is_some_and(|s| s.id == u.id) {
                    self.select(u);
                }
            }
            UsersAnswer::UserDetail(Err(e)) => self.note = Some(Note::Error(e.to_string())),
            UsersAnswer::UserChanged { change, result } => match result {
                Ok(u) => {
                    self.note = Some(Note::Ok(match change {
                        UserChange::Spr(true) => {
                            format!("Self Password Reset enabled for {}.", u.login)
                        }
                        UserChange::Spr(false) => {
                            format!("Self Password Reset disabled for {}.", u.login)
                        }
                        UserChange::Contacts { .. } => format!("Contacts of {} saved.", u.login),
                        UserChange::Unlock { .. } => format!("{} is unlocked.", u.login),
                        UserChange::Deactivate => format!("{} is deactivated.", u.login),
                        UserChange::Reactivate => format!("{} is reactivated.", u.login),
                        UserChange::Delete => format!("{} is deleted.", u.login),
                    }));
                    self.select(u);
                    self.refresh();
                }
                Err(e) => self.note = Some(Note::Error(e.to_string())),
            },
            UsersAnswer::BulkDone { on, result } => {
                self.bulk_run = None;
                match result {
                    Ok(n) => {
                        self.note = Some(Note::Ok(format!(
                            "Self Password Reset {} for {}.",
                            if on { "enabled" } else { "disabled" },
                            crate::ui::widgets::count_of(n as u64, "user", "users")
                        )));
                        self.checked.clear();
                    }
                    Err(CoreError::Invalid(m)) if m == CANCELLED => {
                        self.note = Some(Note::Info(m));
                    }
                    Err(e) => self.note = Some(Note::Error(e.to_string())),
                }
                self.refresh();
                if let Some(u) = &self.selected {
                    jobs.push(DataJob::UserDetail { id: u.id });
                }
            }
            UsersAnswer::UserAdded(result) => match result {
                Ok(u) => {
                    self.add_user = None;
                    self.note = Some(Note::Ok(format!(
                        "Added user {} to {}.",
                        u.login, u.provider_code
                    )));
                    self.refresh();
                }
                Err(e) => match &mut self.add_user {
                    Some(f) => {
                        f.adding = false;
                        f.note = Some(Note::Error(e.to_string()));
                    }
                    None => self.note = Some(Note::Error(e.to_string())),
                },
            },
            UsersAnswer::Imported(result) => {
                self.import_progress = None;
                self.import_cancel = None;
                self.bad_rows.clear();
                match result {
                    Ok(r) => {
                        self.note = Some(Note::Ok(format!(
                            "Imported {} user(s) into {} ({} with Self Password Reset enabled). They have no password yet.",
                            r.imported, r.provider, r.spr_enabled
                        )));
                        self.import_open = false;
                        self.refresh();
                    }
                    Err(ImportError::Rejected(rows)) => {
                        self.note = Some(Note::Error(format!(
                            "The import was refused and nothing was changed: {} bad row(s).",
                            rows.len()
                        )));
                        self.bad_rows = rows;
                        self.import_open = true;
                    }
                    Err(ImportError::Core(e)) => self.note = Some(Note::Error(e.to_string())),
                }
            }
            UsersAnswer::Exported { path, result } => {
                self.export_progress = None;
                self.note = Some(match result {
                    Ok(n) => Note::Ok(format!("Exported {n} user(s) to {}.", path.display())),
                    Err(e) => Note::Error(e.to_string()),
                });
            }
            // Late answers to an older search or filter.
            UsersAnswer::UserCount { .. } | UsersAnswer::UserPage { .. } => {}
        }
    }

    pub(super) fn store_page(&mut self, page: u64, rows: Vec<User>) {
        // Keep the selected user fresh when its row comes back.
        if let Some(sel) = &self.selected
            && let Some(u) = rows.iter().find(|u| u.id == sel.id)
            && u != sel
        {
            self.selected = Some(u.clone());
        }
        self.pages.insert(page, rows);
        self.page_order.retain(|p| *p != page);
        self.page_order.push_back(page);
        while self.page_order.len() > CACHED_PAGES {
            if let Some(old) = self.page_order.pop_front() {
                self.pages.remove(&old);
            }
        }
    }

    pub(super) fn select(&mut self, u: User) {
        if self.details.user_id != u.id {
            self.details = Details::for_user(&u);
        } else {
            // Keep what is being typed; take the saved contacts when they changed.
            let fresh = Details::for_user(&u);
            if self
                .selected
                .as_ref()
                .is_none_or(|old| old.email != u.email || old.text_email != u.text_email)
            {
                self.details.email = fresh.email;
                self.details.text_email = fresh.text_email;
            }
        }
        self.selected = Some(u);
    }
}
