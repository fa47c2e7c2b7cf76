//! Reads for the screens and the command line that go past one method of the flows: the
//! Users table's pages, streaming every matching user, and where the data lives. The UI and
//! the command line reach the store only through these.

use std::path::Path;

use crate::core::CoreError;
use crate::core::model::{Anchors, Matches, User, UserFilter};
use crate::core::service::Service;
use crate::store::{self, Location, user_pages};

impl Service {
    /// A service on the database at `location` with this clock and hashing, creating the
    /// database as the console's first run does (a file, or the tables in an empty
    /// PostgreSQL database). The console's worker and its tests build theirs with it.
    pub fn create_with(
        location: &Location,
        clock: std::sync::Arc<dyn crate::core::clock::Clock>,
        hasher: crate::core::hashing::Hasher,
    ) -> Result<Self, CoreError> {
        Ok(Self::new(store::Store::create_at(location)?, clock, hasher))
    }

    /// Where this service's data lives (a file, or a server's database).
    pub fn location(&self) -> &Location {
        self.store().location()
    }

    /// The database file, when the data is in one (exports refuse to overwrite it).
    pub fn database_file(&self) -> Option<&Path> {
        self.store().file()
    }

    /// The matches counted up to [`user_pages::COUNT_BOUND`] and the first `page_size` rows:
    /// a few milliseconds at a million users, whatever the search.
    pub fn first_user_page(
        &self,
        filter: &UserFilter,
        page_size: u64,
    ) -> Result<(Matches, Vec<User>), CoreError> {
        let conn = self.store().conn();
        let matches = user_pages::count_bounded(conn, filter, user_pages::COUNT_BOUND)?;
        let rows = user_pages::page(conn, filter, matches, 0, page_size)?;
        Ok((matches, rows))
    }

    /// The exact number of matches, and the list's signposts every
    /// [`user_pages::ANCHOR_EVERY`] rows (none for a list in another than its default order):
    /// read together after the first page of a long list, so a jump anywhere in it then reads
    /// only a page. One snapshot, so the count and the signposts agree.
    pub fn count_users_with_anchors(
        &self,
        filter: &UserFilter,
    ) -> Result<(u64, Anchors), CoreError> {
        let conn = self.store().conn();
        conn.in_snapshot(|tx| -> Result<(u64, Anchors), CoreError> {
            Ok(user_pages::count_and_anchors(
                tx,
                filter,
                user_pages::ANCHOR_EVERY,
            )?)
        })
    }

    /// Rows `offset..offset + limit` of the matches, in the Users table's order; `matches`
    /// is what is known of their number, `anchors` the list's signposts if read (see
    /// [`Service::count_users_with_anchors`]).
    pub fn user_page(
        &self,
        filter: &UserFilter,
        matches: Matches,
        anchors: Option<&Anchors>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<User>, CoreError> {
        Ok(user_pages::page_with(
            self.store().conn(),
            filter,
            matches,
            anchors,
            offset,
            limit,
        )?)
    }

    /// Calls `f` on every matching user in the list's order, read by one statement (no ever
    /// longer offsets at a million users); returns how many.
    pub fn each_user<E: From<CoreError>>(
        &self,
        filter: &UserFilter,
        mut f: impl FnMut(&User) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut failed: Option<E> = None;
        let n = store::users::each(self.store().conn(), filter, |u| -> Result<(), CoreError> {
            if let Err(e) = f(u) {
                failed = Some(e);
                return Err(CoreError::Internal(String::new()));
            }
            Ok(())
        });
        match (n, failed) {
            (_, Some(e)) => Err(e),
            (Ok(n), None) => Ok(n),
            (Err(e), None) => Err(e.into()),
        }
    }
}
