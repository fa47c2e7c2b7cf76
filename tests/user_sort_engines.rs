//! The Users list's header orders give the same rows on SQLite and PostgreSQL: the store
//! writes the ORDER BY once for both (issue 12).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use common::engines::TestDb;
use spr_console::core::demo;
use spr_console::core::model::{SortColumn, SortDirection, UserFilter, UserSort};
use spr_console::store::users;

fn logins_in_every_order(db: &TestDb) -> Vec<(UserSort, Vec<String>)> {
    demo::create(db.location(), 300).unwrap();
    let svc = db.open_service();
    let c = svc.store().conn();
    let mut out = Vec::new();
    for column in [
        SortColumn::Provider,
        SortColumn::LoginName,
        SortColumn::FirstName,
        SortColumn::LastName,
        SortColumn::Contacts,
        SortColumn::Spr,
        SortColumn::Status,
    ] {
        for direction in [SortDirection::Ascending, SortDirection::Descending] {
            let sort = UserSort { column, direction };
            let f = UserFilter {
                sort,
                ..UserFilter::default()
            };
            let rows = users::list(c, &f, 0, 1_000).unwrap();
            out.push((
                sort,
                rows.iter().map(|u| u.login.as_str().to_owned()).collect(),
            ));
        }
    }
    out
}

#[test]
fn every_header_order_lists_the_same_rows_on_both_engines() {
    let sqlite = logins_in_every_order(&TestDb::sqlite());
    let Some(pg) = TestDb::postgres() else {
        return;
    };
    let postgres = logins_in_every_order(&pg);
    assert_eq!(sqlite.len(), 14);
    for ((sort, a), (_, b)) in sqlite.iter().zip(&postgres) {
        assert!(a.len() > 300, "{sort:?}: {}", a.len());
        assert!(
            a == b,
            "{sort:?}: SQLite {:?} PostgreSQL {:?}",
            &a[..6],
            &b[..6]
        );
    }
}
