//! What a screen reader is told beyond what egui says by itself (issue 12, SPEC §5): tables
//! as tables, with rows, cells and column headers; combo boxes that say their value; disabled
//! controls out of the tab order; a named window.
//!
//! egui_extras draws a table's cells as plain containers, all children of one body: a screen
//! reader sees a flat run of labels. [`table`] wraps a `TableBuilder` in a node of role
//! Table, and [`TableTree`] (fed by every cell as it is drawn) regroups the cells into Row
//! nodes at the end of the pass, in the same AccessKit tree egui sends out.

use std::collections::BTreeMap;

use egui::accesskit::{Action, NodeId, Role};
use egui::{Context, Id, Rect, Response, Ui, UiBuilder, Widget};

/// Names the window for assistive technology (the root of the tree). The title bar's text
/// is the window manager's; a screen reader reads this.
pub fn name_window(ctx: &Context, name: &str) {
    ctx.accesskit_node_builder(egui::accesskit_root_id(), |n| n.set_label(name));
}

/// A combo box that says its current value: AT-SPI has no string value for a combo box
/// (AccessKit's value, which egui sets, reaches Windows and macOS only), so the value is
/// also its description, which Orca reads after the name.
pub trait SaysValue {
    fn says_value(self) -> Self;
}

impl SaysValue for Response {
    fn says_value(self) -> Self {
        self.ctx.accesskit_node_builder(self.id, |n| {
            if let Some(v) = n.value().map(str::to_owned) {
                n.set_description(v);
            }
        });
        self
    }
}

/// The choices in a combo box's list, as list options that say whether they are the one
/// chosen (egui's selectable labels read as toggle buttons).
pub trait ListOption {
    fn list_option<'a, V: PartialEq>(
        &mut self,
        current: &mut V,
        value: V,
        text: impl egui::IntoAtoms<'a>,
    ) -> Response;
}

impl ListOption for Ui {
    fn list_option<'a, V: PartialEq>(
        &mut self,
        current: &mut V,
        value: V,
        text: impl egui::IntoAtoms<'a>,
    ) -> Response {
        let chosen = *current == value;
        let r = self.selectable_value(current, value, text);
        r.ctx.accesskit_node_builder(r.id, |n| {
            n.set_role(Role::ListBoxOption);
            n.clear_toggled();
            n.set_selected(chosen);
        });
        r
    }
}

/// Takes a disabled control out of the tab order as assistive technology sees it too (egui
/// skips it with Tab, but still offers it a Focus action).
pub fn out_of_tab_order_if_disabled(r: &Response) {
    if !r.enabled() {
        r.ctx
            .accesskit_node_builder(r.id, |n| n.remove_action(Action::Focus));
    }
}

/// `Ui::add_enabled` for controls that are off at times: a disabled one is out of the tab
/// order for a screen reader as well.
pub trait AddIf {
    fn add_if(&mut self, enabled: bool, widget: impl Widget) -> Response;
}

impl AddIf for Ui {
    fn add_if(&mut self, enabled: bool, widget: impl Widget) -> Response {
        let r = self.add_enabled(enabled, widget);
        out_of_tab_order_if_disabled(&r);
        r
    }
}

/// One shown row of a table: its cells in order, where it is, whether it is selected.
#[derive(Debug, Default)]
struct RowCells {
    cells: Vec<Id>,
    rect: Option<Rect>,
    selected: bool,
}

/// The cells of one table as they are drawn in this pass; see the module note.
#[derive(Debug)]
pub struct TableTree {
    table: Id,
    /// Where the rows' ids come from: stable, so a screen reader's click finds its row.
    rows_base: Id,
    header: Vec<Id>,
    header_row: Option<Id>,
    body: Option<Id>,
    rows: BTreeMap<usize, RowCells>,
}

impl TableTree {
    /// The node of row `index` (stable across frames, so a screen reader keeps its place).
    pub fn row_id(&self, index: usize) -> Id {
        self.rows_base.with(index)
    }

    /// Records a header cell (call first thing in each header cell's closure).
    pub fn header_cell(&mut self, ui: &Ui) {
        self.header.push(ui.unique_id());
        self.header_row = ui.stack().parent.as_ref().map(|p| p.unique_id);
    }

    /// Records a body cell of row `row` (call first thing in each cell's closure).
    pub fn cell(&mut self, ui: &Ui, row: usize, selected: bool) {
        self.body = ui.stack().parent.as_ref().map(|p| p.unique_id);
        let r = self.rows.entry(row).or_default();
        r.cells.push(ui.unique_id());
        r.selected |= selected;
        let rect = ui.max_rect();
        r.rect = Some(r.rect.map_or(rect, |old| old.union(rect)));
    }

    /// Whether a screen reader asked to click (open) row `index` in this frame.
    pub fn row_clicked(&self, ctx: &Context, index: usize) -> bool {
        let id = self.row_id(index);
        ctx.input(|i| {
            i.accesskit_action_requests(id, Action::Click)
                .next()
                .is_some()
        })
    }

    /// Puts the recorded cells under Row nodes, the header cells under a header row.
    fn finish(self, ctx: &Context, total_rows: usize, columns: usize) {
        for (c, id) in self.header.iter().enumerate() {
            ctx.accesskit_node_builder(*id, |n| {
                n.set_role(Role::ColumnHeader);
                n.set_column_index(c);
            });
        }
        if let Some(h) = self.header_row {
            ctx.accesskit_node_builder(h, |n| {
                n.set_role(Role::Row);
                n.set_row_index(0);
            });
        }
        ctx.accesskit_node_builder(self.table, |n| {
            // The header row counts: rows are numbered from it.
            n.set_row_count(total_rows + 1);
            n.set_column_count(columns);
        });
        // Only nodes that exist in this pass may be moved (a cell of a sizing pass or an
        // invisible Ui has none): AccessKit refuses a tree with a child it was not given.
        let Some(body) = self
            .body
            .filter(|b| ctx.accesskit_node_builder(*b, |_| ()).is_some())
        else {
            return;
        };
        let mut row_nodes: Vec<NodeId> = Vec::new();
        let mut cell_nodes: std::collections::HashSet<NodeId> = std::collections::HashSet::new();
        for (i, row) in &self.rows {
            let mut cells: Vec<NodeId> = Vec::new();
            for (c, cell) in row.cells.iter().enumerate() {
                let there = ctx.accesskit_node_builder(*cell, |n| {
                    n.set_role(Role::Cell);
                    n.set_column_index(c);
                    n.set_row_index(i + 1);
                });
                if there.is_some() {
                    cells.push(cell.accesskit_id());
                }
            }
            if cells.is_empty() {
                continue;
            }
            let id = self.row_id(*i);
            ctx.accesskit_node_builder(id, |n| {
                n.set_role(Role::Row);
                n.set_row_index(i + 1);
                n.set_children(cells.clone());
                n.add_action(Action::Click);
                if row.selected {
                    n.set_selected(true);
                }
                if let Some(r) = row.rect {
                    n.set_bounds(egui::accesskit::Rect {
                        x0: r.min.x.into(),
                        y0: r.min.y.into(),
                        x1: r.max.x.into(),
                        y1: r.max.y.into(),
                    });
                }
            });
            row_nodes.push(id.accesskit_id());
            cell_nodes.extend(cells);
        }
        // A node egui does not know the parent of lands under the root: take the rows
        // from there, and the cells from the body, where the rows go instead.
        ctx.accesskit_node_builder(egui::accesskit_root_id(), |n| {
            let kept: Vec<NodeId> = n
                .children()
                .iter()
                .copied()
                .filter(|k| !row_nodes.contains(k))
                .collect();
            n.set_children(kept);
        });
        ctx.accesskit_node_builder(body, |n| {
            let mut kept: Vec<NodeId> = n
                .children()
                .iter()
                .copied()
                .filter(|k| !cell_nodes.contains(k))
                .collect();
            kept.extend(row_nodes.iter().copied());
            n.set_children(kept);
        });
    }
}

/// Draws a table (`add` builds it with a `TableBuilder` on the `Ui` it is given) as one
/// Table node named `name`, of `total_rows` rows (the shown ones are built) and `columns`
/// columns. `add` records every cell in the [`TableTree`].
pub fn table<R>(
    ui: &mut Ui,
    name: &str,
    total_rows: usize,
    columns: usize,
    add: impl FnOnce(&mut Ui, &mut TableTree) -> R,
) -> R {
    ui.scope_builder(
        UiBuilder::new()
            .accessibility_role(Role::Table)
            .accessibility_label(name),
        |ui| {
            let mut tree = TableTree {
                table: ui.unique_id(),
                rows_base: ui.make_persistent_id(("table-rows", name)),
                header: Vec::new(),
                header_row: None,
                body: None,
                rows: BTreeMap::new(),
            };
            let r = add(ui, &mut tree);
            tree.finish(ui.ctx(), total_rows, columns);
            r
        },
    )
    .inner
}
