//! Keyboard movement in a table: arrows, Page Up/Down, Home, End and Enter, taken only when
//! no text field has the keyboard (there the keys edit the text).

use egui::{Key, Modifiers, Ui};

/// A key that moves through a table's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKey {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Open the row under the cursor.
    Enter,
}

/// Takes the first table key pressed this frame (without modifiers), if no widget has the
/// keyboard. A focused button or checkbox keeps Enter for itself.
pub fn read(ui: &Ui) -> Option<TableKey> {
    if ui.memory(|m| m.focused().is_some()) {
        return None;
    }
    ui.input_mut(|i| {
        [
            (Key::ArrowUp, TableKey::Up),
            (Key::ArrowDown, TableKey::Down),
            (Key::PageUp, TableKey::PageUp),
            (Key::PageDown, TableKey::PageDown),
            (Key::Home, TableKey::Home),
            (Key::End, TableKey::End),
            (Key::Enter, TableKey::Enter),
        ]
        .into_iter()
        .find(|(k, _)| i.consume_key(Modifiers::NONE, *k))
        .map(|(_, t)| t)
    })
}

/// The row the cursor moves to from `cursor` (none yet: the first row) in a table of `total`
/// rows showing `page` rows at a time; `None` for an empty table or for Enter.
pub fn moved(cursor: Option<u64>, key: TableKey, total: u64, page: u64) -> Option<u64> {
    let last = total.checked_sub(1)?;
    let page = page.max(1);
    let Some(at) = cursor.map(|c| c.min(last)) else {
        return match key {
            TableKey::End => Some(last),
            TableKey::Enter => None,
            _ => Some(0),
        };
    };
    Some(match key {
        TableKey::Up => at.saturating_sub(1),
        TableKey::Down => (at + 1).min(last),
        TableKey::PageUp => at.saturating_sub(page),
        TableKey::PageDown => (at + page).min(last),
        TableKey::Home => 0,
        TableKey::End => last,
        TableKey::Enter => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_by_row_page_and_to_either_end_without_leaving_the_table() {
        use TableKey::*;
        assert_eq!(moved(None, Down, 10, 4), Some(0));
        assert_eq!(moved(None, End, 10, 4), Some(9));
        assert_eq!(moved(Some(3), Down, 10, 4), Some(4));
        assert_eq!(moved(Some(3), Up, 10, 4), Some(2));
        assert_eq!(moved(Some(0), Up, 10, 4), Some(0));
        assert_eq!(moved(Some(9), Down, 10, 4), Some(9));
        assert_eq!(moved(Some(3), PageDown, 10, 4), Some(7));
        assert_eq!(moved(Some(7), PageDown, 10, 4), Some(9));
        assert_eq!(moved(Some(2), PageUp, 10, 4), Some(0));
        assert_eq!(moved(Some(5), Home, 10, 4), Some(0));
        assert_eq!(moved(Some(5), End, 1_000_000, 4), Some(999_999));
        // A cursor past the end of a narrowed search comes back to the last row.
        assert_eq!(moved(Some(50), Up, 10, 4), Some(8));
        assert_eq!(moved(Some(1), Enter, 10, 4), None);
        assert_eq!(moved(None, Down, 0, 4), None);
    }
}
