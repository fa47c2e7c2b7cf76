//! The Users table's pages at scale (issue 13): the first page without counting every match,
//! the same rows as the plain sorted list on every page and both plans, a jump to the end
//! read backwards, page requests that a newer scroll overtook skipped, and a new search that
//! starts at the top. A real SQLite file with the demo's users plus 12,000 generated ones.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, engines};
use spr_console::core::Service;
use spr_console::core::demo;
use spr_console::core::model::{Operator, SortColumn, SortDirection, Status, UserSort};
use spr_console::store::StoreError;
use spr_console::store::user_pages::{self, COUNT_BOUND, Matches};
use spr_console::store::users::{self, UserFilter};
use spr_console::ui::data::{self, DataJob, ScrollMark, USER_PAGE, UsersAnswer};
use spr_console::ui::users::UsersPanel;
use spr_console::ui::view::Shell;
use spr_console::ui::worker::{Answer, Job};

const GENERATED: u32 = 12_000;

fn database() -> (tempfile::TempDir, Service, Operator) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scale.sqlite3");
    demo::create(&path, GENERATED).unwrap();
    let mut svc = Service::open(&path).unwrap();
    let op = svc
        .operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    (dir, svc, op)
}

fn search(q: &str, locked_first: bool) -> UserFilter {
    UserFilter {
        search: Some(q.into()).filter(|q: &String| !q.is_empty()),
        locked_first,
        ..UserFilter::default()
    }
}

fn logins(rows: &[spr_console::core::model::User]) -> Vec<String> {
    rows.iter().map(|u| u.login.as_str().to_owned()).collect()
}

/// On both engines: PostgreSQL walks each provider's Login Name index through a LATERAL
/// join where SQLite walks it through CROSS JOIN; both must give the plain sorted list.
fn every_page_of_both_plans_is_the_sorted_list(db: TestDb) {
    demo::create(db.location(), GENERATED).unwrap();
    let mut svc = db.open_service();
    // Providers before and after DEMO in code order, so the walk (and a page read from a
    // signpost) crosses from one provider to the next.
    let op = svc
        .operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    for (code, first, n) in [("AAA", 8, 150), ("ZED", 9, 130)] {
        svc.add_provider(&op, code, code).unwrap();
        let mut csv = String::from("login,first,last\n");
        for i in 0..n {
            csv.push_str(&format!("user{first}{i:04},Ann,Kim{i}\n"));
        }
        svc.import_users(&op, code, "test", csv.as_bytes(), 0, |_, _| {})
            .unwrap();
    }
    let c = svc.store().conn();
    let filters = [
        search("", true),
        search("", false),
        search("u", true),
        search("user01", true),
        search("Kim", false),
        search("b", true),
        search("nobody", true),
        UserFilter {
            status: Some(Status::AdminLocked),
            ..search("", true)
        },
        UserFilter {
            spr_enabled: Some(false),
            ..search("user", true)
        },
    ];
    for f in &filters {
        let exact = users::count(c, f).unwrap();
        let bounded = user_pages::count_bounded(c, f, COUNT_BOUND).unwrap();
        if exact > COUNT_BOUND {
            assert_eq!(
                bounded,
                Matches {
                    n: COUNT_BOUND,
                    exact: false
                },
                "{f:?}"
            );
        } else {
            assert_eq!(
                bounded,
                Matches {
                    n: exact,
                    exact: true
                },
                "{f:?}"
            );
        }
        let known = Matches {
            n: exact,
            exact: true,
        };
        let last = exact.saturating_sub(1) / USER_PAGE * USER_PAGE;
        // Signposts every 97 rows and every 61 (primes, so pages straddle them).
        let signposts = [97, 61].map(|every| user_pages::anchors(c, f, every).unwrap());
        for every in [97, 61] {
            let (n, _) = user_pages::count_and_anchors(c, f, every).unwrap();
            assert_eq!(n, exact, "{f:?}: the count that comes with the signposts");
        }
        for offset in [
            0,
            USER_PAGE,
            97 * 40,
            61 * 99 + 60,
            exact / 2,
            exact / 2 + 137,
            last,
        ] {
            let want = logins(&users::list(c, f, offset, USER_PAGE).unwrap());
            for m in [bounded, known] {
                let got = logins(&user_pages::page(c, f, m, offset, USER_PAGE).unwrap());
                assert_eq!(got, want, "{f:?} offset {offset} with {m:?}");
                for a in &signposts {
                    let got = user_pages::page_with(c, f, m, Some(a), offset, USER_PAGE);
                    assert_eq!(
                        logins(&got.unwrap()),
                        want,
                        "{f:?} offset {offset} with {m:?} and signposts every {}",
                        a.every
                    );
                }
            }
        }
    }
}

#[test]
fn the_locked_account_comes_first_and_a_page_past_the_end_is_empty() {
    let (_dir, svc, _) = database();
    let c = svc.store().conn();
    let f = search("", true);
    let m = user_pages::count_bounded(c, &f, COUNT_BOUND).unwrap();
    let first = user_pages::page(c, &f, m, 0, 3).unwrap();
    assert_eq!(first[0].login.as_str(), "bking", "{:?}", logins(&first));
    let n = users::count(c, &f).unwrap();
    let exact = Matches { n, exact: true };
    let end = user_pages::page(c, &f, exact, n - 2, USER_PAGE).unwrap();
    assert_eq!(end.len(), 2);
    assert!(
        user_pages::page(c, &f, exact, n, USER_PAGE)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_broad_search_walks_the_login_order_and_a_narrow_one_uses_the_search_indexes() {
    let (_dir, svc, _) = database();
    let c = svc.store().conn();
    let many = Matches {
        n: COUNT_BOUND,
        exact: false,
    };
    for backwards in [false, true] {
        let plan = user_pages::page_plan(c, &search("u", true), many, backwards).unwrap();
        assert!(
            plan.iter().all(|s| !s.contains("TEMP B-TREE")),
            "a broad search sorts its matches: {plan:?}"
        );
        assert!(
            plan.iter()
                .any(|s| s.contains("sqlite_autoindex_users_1 (provider_id=?)")),
            "{plan:?}"
        );
    }
    let few = Matches { n: 12, exact: true };
    let plan = user_pages::page_plan(c, &search("smi", true), few, false).unwrap();
    assert!(
        plan.iter().all(|s| !s.starts_with("SCAN u")),
        "a narrow search scans users: {plan:?}"
    );
    assert!(plan.iter().any(|s| s.contains("users_login")), "{plan:?}");
}

#[test]
fn a_page_scrolled_past_before_its_turn_is_not_read() {
    let (_dir, mut svc, _) = database();
    let f = search("", true);
    let mark = ScrollMark::default();
    mark.set(40);
    let matches = Matches {
        n: COUNT_BOUND,
        exact: false,
    };
    for (page, read) in [
        (0, false),
        (38, false),
        (39, true),
        (40, true),
        (42, true),
        (43, false),
    ] {
        let a = data::handle(
            &mut svc,
            DataJob::UserPage {
                generation: 1,
                filter: f.clone(),
                matches,
                anchors: None,
                page,
                mark: mark.clone(),
            },
        );
        let Answer::Users(UsersAnswer::UserPage { result, .. }) = a else {
            panic!("not a page answer");
        };
        let rows = result.unwrap();
        assert_eq!(rows.is_some(), read, "page {page}");
        if let Some(rows) = rows {
            assert_eq!(rows.len() as u64, USER_PAGE, "page {page}");
        }
    }
}

/// Runs `f` with a shell of its own; returns the jobs the Users panel asked for.
fn shell(op: &Operator, f: impl FnOnce(&mut Shell<'_>)) -> Vec<DataJob> {
    Shell::alone(op, f)
        .into_iter()
        .map(|j| match j {
            Job::Data(d) => d,
            other => panic!("the Users panel asked for {other:?}"),
        })
        .collect()
}

fn frame(ctx: &egui::Context, panel: &mut UsersPanel, op: &Operator) -> Vec<DataJob> {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        ..egui::RawInput::default()
    };
    let mut jobs = Vec::new();
    let mut out = ctx.run_ui(input, |ui| {
        jobs = shell(op, |sh| {
            egui::CentralPanel::default().show(ui, |ui| panel.ui(ui, sh));
        });
    });
    out.textures_delta.clear();
    jobs
}

/// Runs frames, answering jobs inline, until nothing is asked; returns the pages asked for.
fn settle(
    ctx: &egui::Context,
    panel: &mut UsersPanel,
    op: &Operator,
    svc: &mut Service,
) -> Vec<u64> {
    let mut asked = Vec::new();
    for _ in 0..50 {
        // In the order asked, as the worker's channel delivers them.
        let mut jobs: std::collections::VecDeque<DataJob> = frame(ctx, panel, op).into();
        if jobs.is_empty() {
            return asked;
        }
        while let Some(j) = jobs.pop_front() {
            if let DataJob::UserPage { page, .. } = &j {
                asked.push(*page);
            }
            let Answer::Users(a) = data::handle(svc, j) else {
                panic!("not an answer for the Users panel");
            };
            jobs.extend(shell(op, |sh| panel.on_answer(a, sh)));
        }
    }
    panic!("the panel kept asking");
}

#[test]
fn the_table_counts_later_jumps_to_the_end_and_a_new_search_starts_at_the_top() {
    let (_dir, mut svc, op) = database();
    let ctx = egui::Context::default();
    let mut panel = UsersPanel::default();
    settle(&ctx, &mut panel, &op, &mut svc);
    // The first answer said "more than 10,000"; the exact count followed by itself.
    let all = users::count(svc.store().conn(), &panel.filter()).unwrap();
    assert_eq!(
        panel.matches(),
        Some(Matches {
            n: all,
            exact: true
        })
    );
    panel.scroll_to_row(all - 1);
    let asked = settle(&ctx, &mut panel, &op, &mut svc);
    let last_page = (all - 1) / USER_PAGE;
    assert_eq!(
        asked.first(),
        Some(&last_page),
        "the target page first: {asked:?}"
    );
    let last = panel.row(all - 1).unwrap();
    let want = users::list(svc.store().conn(), &panel.filter(), all - 1, 1).unwrap();
    assert_eq!(last, &want[0]);
    // A new search: the table shows its first rows, asking for nothing near the old place.
    panel.search = "user00".into();
    let asked = settle(&ctx, &mut panel, &op, &mut svc);
    assert!(asked.iter().all(|p| *p <= 1), "{asked:?}");
    let first = users::list(svc.store().conn(), &panel.filter(), 0, 1).unwrap();
    assert_eq!(panel.row(0), Some(&first[0]));
}

/// The order a sort asks for, computed here from the users themselves (SQLite's NOCASE
/// folds ASCII case; ties fall back to provider and Login Name).
fn sorted_by_hand(
    mut all: Vec<spr_console::core::model::User>,
    sort: UserSort,
) -> Vec<spr_console::core::model::User> {
    let fold = |s: &str| s.to_ascii_lowercase();
    all.sort_by_cached_key(|u| {
        let tie = (u.provider_code.as_str().to_owned(), fold(u.login.as_str()));
        let key: Vec<String> = match sort.column {
            SortColumn::Provider => vec![],
            SortColumn::LoginName => vec![tie.1.clone()],
            SortColumn::FirstName => vec![fold(&u.first), fold(&u.last)],
            SortColumn::LastName => vec![fold(&u.last), fold(&u.first)],
            SortColumn::Contacts => vec![fold(
                u.email
                    .as_ref()
                    .or(u.text_email.as_ref())
                    .map_or("", |e| e.as_str()),
            )],
            SortColumn::Spr => vec![u.spr_enabled.to_string()],
            SortColumn::Status => vec![u.status.as_str().to_owned()],
        };
        (key, tie)
    });
    if sort.direction == SortDirection::Descending {
        all.reverse();
    }
    all
}

#[test]
fn a_clicked_header_order_pages_through_every_match_in_that_order() {
    let (_dir, svc, _) = database();
    let c = svc.store().conn();
    for base in [search("", true), search("b", false), search("nobody", true)] {
        let mut all = Vec::new();
        users::each(c, &search_of(&base), |u| -> Result<(), StoreError> {
            all.push(u.clone());
            Ok(())
        })
        .unwrap();
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
                if sort.is_default() && base.locked_first {
                    // Admin Locked first, then the default order: the tests above.
                    continue;
                }
                let f = UserFilter {
                    sort,
                    ..base.clone()
                };
                let want = logins(&sorted_by_hand(all.clone(), sort));
                // The whole list at once, and page by page with a bounded then an exact count.
                let mut every = Vec::new();
                users::each(c, &f, |u| -> Result<(), StoreError> {
                    every.push(u.login.as_str().to_owned());
                    Ok(())
                })
                .unwrap();
                assert!(
                    every == want,
                    "each(), {sort:?} {base:?}: {:?}",
                    &every[..9.min(every.len())]
                );
                let bounded = user_pages::count_bounded(c, &f, COUNT_BOUND).unwrap();
                let exact = Matches {
                    n: want.len() as u64,
                    exact: true,
                };
                for m in [bounded, exact] {
                    let mut paged = Vec::new();
                    let mut offset = 0;
                    loop {
                        let rows = user_pages::page(c, &f, m, offset, 1000).unwrap();
                        if rows.is_empty() {
                            break;
                        }
                        offset += rows.len() as u64;
                        paged.extend(logins(&rows));
                    }
                    assert!(
                        paged == want,
                        "pages, {sort:?} {base:?} {m:?}: {:?}",
                        &paged[..9.min(paged.len())]
                    );
                }
            }
        }
    }
}

/// The filter without its order or "locked first": what is matched, not how it is ordered.
fn search_of(f: &UserFilter) -> UserFilter {
    UserFilter {
        locked_first: false,
        sort: UserSort::default(),
        ..f.clone()
    }
}

engines!(every_page_of_both_plans_is_the_sorted_list);
