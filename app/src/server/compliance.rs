//! The compliance view's use cases: the dashboard (`/compliance`), the people behind a number
//! (`/compliance/list`) and a person's record (`/compliance/people/{id}`, with the exact texts
//! they signed). The rules are in `safety_core::compliance`.
//!
//! Every page is authorised here on every request: the viewer must be active, hold a role
//! allowed `Action::ViewCompletion` (DSL, deputy DSL, admin) and belong to this site's
//! organisation. Everything is read with this site's organisation id, never one from the
//! request, so another organisation's people cannot be named.

pub mod sort;

use super::{Outcome, SiteState};
use chrono::{DateTime, NaiveDate, Utc};
use safety_core::compliance::{
    self as core, ComplianceError, Dashboard, Filter, ItemNumbers, ListedPerson, PersonRecord,
    Standing,
};
use safety_core::content::{Kind, Page};
use safety_core::dates;
use safety_core::learning::{ItemKind, ItemRef};
use safety_core::roles::Role;
use serde::Deserialize;
use sort::Sort;
use std::cmp::Ordering;

/// People listed per page behind a number.
pub const LIST_PAGE: usize = 100;
/// The most days "expiring" may look ahead.
pub const MAX_DAYS: i64 = 366;

/// The dashboard's and the lists' query string. Anything unreadable is ignored (the unfiltered
/// view), never an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ComplianceQuery {
    pub role: Option<String>,
    pub group: Option<String>,
    /// `MODULE#<id>` or `AUP#<id>`.
    pub item: Option<String>,
    pub days: Option<String>,
    pub standing: Option<String>,
    pub page: Option<String>,
    /// A column of the table (`sort::Sort`), and `asc` or `desc`.
    pub sort: Option<String>,
    pub dir: Option<String>,
}

impl ComplianceQuery {
    pub fn filter(&self) -> Filter {
        Filter {
            role: self.role.as_deref().and_then(Role::parse),
            group: self.group.clone().filter(|g| !g.trim().is_empty()),
            item: self.item.as_deref().and_then(ItemRef::parse),
            within_days: self
                .days
                .as_deref()
                .and_then(|d| d.trim().parse::<i64>().ok())
                .filter(|d| (1..=MAX_DAYS).contains(d))
                .unwrap_or(core::DEFAULT_EXPIRING_DAYS),
        }
    }

    /// The dashboard's order: the content's own (none) unless a column is asked for.
    pub fn dashboard_sort(&self) -> Option<Sort> {
        let none = Sort::asc("");
        Some(Sort::parse(
            self.sort.as_deref(),
            self.dir.as_deref(),
            &DASHBOARD_COLUMNS,
            none,
        ))
        .filter(|s| *s != none)
    }

    /// A list's order: by name unless another column is asked for.
    pub fn list_sort(&self) -> Sort {
        Sort::parse(
            self.sort.as_deref(),
            self.dir.as_deref(),
            &LIST_COLUMNS,
            Sort::asc("name"),
        )
    }

    fn page(&self) -> usize {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

/// The query string of a filter (and more), for links that keep it.
pub fn query_of(filter: &Filter, extra: &[(&str, String)]) -> String {
    let mut parts: Vec<(String, String)> = Vec::new();
    if let Some(r) = filter.role {
        parts.push(("role".into(), r.as_str().into()));
    }
    if let Some(g) = &filter.group {
        parts.push(("group".into(), g.clone()));
    }
    if let Some(i) = &filter.item {
        parts.push(("item".into(), i.key_part()));
    }
    if filter.within_days != core::DEFAULT_EXPIRING_DAYS {
        parts.push(("days".into(), filter.within_days.to_string()));
    }
    for (k, v) in extra {
        parts.push((k.to_string(), v.clone()));
    }
    serde_urlencoded::to_string(parts).unwrap_or_default()
}

/// The columns the dashboard's tables sort by (the policies' table has `older` and not
/// `in-progress`; `done` is "signed the current version" there, `not-started` "never signed").
pub const DASHBOARD_COLUMNS: [&str; 8] = [
    "title",
    "assigned",
    "done",
    "expiring",
    "overdue",
    "in-progress",
    "not-started",
    "older",
];

/// The columns a list of people sorts by.
pub const LIST_COLUMNS: [&str; 7] = [
    "name", "roles", "groups", "status", "version", "done", "until",
];

/// Two items of the dashboard compared by a column.
fn item_order(column: &str, a: &ItemNumbers, b: &ItemNumbers) -> Ordering {
    let is_aup = |n: &ItemNumbers| n.item.kind == ItemKind::Aup;
    let done = |n: &ItemNumbers| {
        if is_aup(n) {
            n.signed_current()
        } else {
            n.done()
        }
    };
    let not_started = |n: &ItemNumbers| {
        if is_aup(n) {
            n.never_signed()
        } else {
            n.count(Standing::NotStarted)
        }
    };
    let overdue = |n: &ItemNumbers| {
        if is_aup(n) {
            n.count(Standing::Expired)
        } else {
            n.overdue()
        }
    };
    match column {
        "assigned" => a.assigned.cmp(&b.assigned),
        "done" => done(a).cmp(&done(b)),
        "expiring" => a
            .count(Standing::Expiring)
            .cmp(&b.count(Standing::Expiring)),
        "overdue" => overdue(a).cmp(&overdue(b)),
        "in-progress" => a
            .count(Standing::InProgress)
            .cmp(&b.count(Standing::InProgress)),
        "not-started" => not_started(a).cmp(&not_started(b)),
        "older" => a.signed_older_only().cmp(&b.signed_older_only()),
        _ => sort::text(&a.title, &b.title),
    }
}

/// A version as numbers ("1.10" after "1.9"); anything else as text.
fn version_order(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Option<Vec<u64>> { v.split('.').map(|p| p.parse().ok()).collect() };
    match (parts(a), parts(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => sort::text(a, b),
    }
}

/// Nothing (not done) after every value, whichever way the values go.
fn blank_last<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(T, T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => cmp(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Two people of a list compared by a column.
fn listed_order(column: &str, a: &ListedPerson, b: &ListedPerson) -> Ordering {
    let roles = |p: &ListedPerson| {
        p.roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let day = |p: &ListedPerson| {
        p.done_at
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%d %B %Y").ok())
    };
    match column {
        "roles" => sort::text(&roles(a), &roles(b)),
        "groups" => sort::text(&a.groups.join(", "), &b.groups.join(", ")),
        "status" => a.standing.cmp(&b.standing),
        "version" => blank_last(a.version.as_deref(), b.version.as_deref(), version_order),
        "done" => blank_last(day(a), day(b), |x, y| x.cmp(&y)),
        "until" => blank_last(a.until, b.until, |x, y| x.cmp(&y)),
        _ => sort::text(&a.name, &b.name),
    }
}

/// A module or policy overdue (or nearly) for review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewDue {
    pub kind: &'static str,
    pub title: String,
    pub url: String,
    pub version: String,
    pub next_review: String,
    pub overdue: bool,
}

/// What `/compliance` shows.
#[derive(Clone, Debug)]
pub struct DashboardScreen {
    pub org_name: String,
    pub result: Result<Dashboard, String>,
    /// Every module and AUP, for the filter's choice of item.
    pub all_items: Vec<(String, String)>,
    pub review: Vec<ReviewDue>,
    pub today: String,
    /// The tables' order (none: the content's own).
    pub sort: Option<Sort>,
}

/// Content due for review within this many days is listed too.
pub const REVIEW_WITHIN_DAYS: i64 = 60;

/// Content due for review (the rule is `safety_core::content::review`), with where to read it.
fn review_due(library: &safety_core::content::Library, today: NaiveDate) -> Vec<ReviewDue> {
    safety_core::content::review::due_for_review(library, today, REVIEW_WITHIN_DAYS)
        .into_iter()
        .map(|r| ReviewDue {
            kind: match r.kind {
                Kind::Module => "Module",
                Kind::Aup => "Acceptable use policy",
                _ => "Guidance",
            },
            url: library
                .page(r.kind, &r.id)
                .map(Page::url)
                .unwrap_or_default(),
            title: r.title,
            version: r.version,
            next_review: r.next_review.format("%-d %B %Y").to_string(),
            overdue: r.overdue,
        })
        .collect()
}

pub async fn dashboard(
    site: &SiteState,
    query: &ComplianceQuery,
    now: DateTime<Utc>,
) -> DashboardScreen {
    let setting = site.setting();
    let sort = query.dashboard_sort();
    let result = core::dashboard(&site.store, &setting, &query.filter(), now)
        .await
        .map(|mut d| {
            if let Some(sort) = sort {
                sort.apply(&mut d.items, item_order);
            }
            d
        })
        .map_err(|e| {
            tracing::error!(error = %e, "the compliance dashboard could not be read");
            e.user_message()
        });
    let lib = &site.library;
    let all_items = lib
        .pages_of(Kind::Module)
        .map(|p| (ItemRef::module(&p.id).key_part(), p.title.clone()))
        .chain(
            lib.pages_of(Kind::Aup)
                .map(|p| (ItemRef::aup(&p.id).key_part(), format!("{} (AUP)", p.title))),
        )
        .collect();
    let today = core::uk_day(now);
    DashboardScreen {
        org_name: site.org.name.clone(),
        result,
        all_items,
        review: review_due(lib, today),
        today: dates::show_date(now),
        sort,
    }
}

/// What `/compliance/list` shows.
#[derive(Clone, Debug)]
pub struct ListScreen {
    pub title: String,
    pub item: Option<ItemRef>,
    pub standing: Option<Standing>,
    pub filter: Filter,
    pub result: Result<Vec<ListedPerson>, String>,
    /// 1-based page, and whether there are more.
    pub page: usize,
    pub total: usize,
    pub sort: Sort,
}

pub async fn list(site: &SiteState, query: &ComplianceQuery, now: DateTime<Utc>) -> ListScreen {
    let filter = query.filter();
    let standing = query.standing.as_deref().and_then(Standing::parse);
    let page = query.page();
    let item = filter.item.clone();
    let title = item
        .as_ref()
        .and_then(|i| {
            let kind = match i.kind {
                ItemKind::Module => Kind::Module,
                ItemKind::Aup => Kind::Aup,
            };
            site.library.page(kind, &i.id).map(|p| p.title.clone())
        })
        .unwrap_or_default();
    let result = match &item {
        None => Err(ComplianceError::UnknownItem.user_message()),
        Some(i) => core::people_in(&site.store, &site.setting(), i, standing, &filter, now)
            .await
            .map_err(|e| {
                if !matches!(e, ComplianceError::UnknownItem) {
                    tracing::error!(error = %e, "a compliance list could not be read");
                }
                e.user_message()
            }),
    };
    let total = result.as_ref().map_or(0, Vec::len);
    let sort = query.list_sort();
    let result = result.map(|mut all| {
        // All of them, then the page: the order runs across pages.
        sort.apply(&mut all, listed_order);
        all.into_iter()
            .skip((page - 1) * LIST_PAGE)
            .take(LIST_PAGE)
            .collect()
    });
    ListScreen {
        title,
        item,
        standing,
        filter,
        result,
        page,
        total,
        sort,
    }
}

/// What `/compliance/people/{id}` shows.
#[derive(Clone, Debug)]
pub struct PersonScreen(pub Result<PersonRecord, (Outcome, String)>);

pub async fn person(site: &SiteState, person_id: &str, now: DateTime<Utc>) -> PersonScreen {
    PersonScreen(
        core::person_record(&site.store, &site.setting(), person_id, now)
            .await
            .map_err(|e| match e {
                ComplianceError::PersonNotFound => (Outcome::NotFound, e.user_message()),
                e => {
                    tracing::error!(error = %e, "a person's record could not be read");
                    (Outcome::Unavailable, e.user_message())
                }
            }),
    )
}

/// What `/compliance/people/{id}/signed/{sha}` shows: the exact text a person signed.
#[derive(Clone, Debug)]
pub struct SignedByScreen(pub Result<SignedBy, (Outcome, String)>);

#[derive(Clone, Debug)]
pub struct SignedBy {
    pub person_id: String,
    pub person_name: String,
    pub title: String,
    pub version: String,
    pub typed_name: String,
    pub signed_on: String,
    pub html: String,
}

pub async fn signed_by(site: &SiteState, person_id: &str, sha256: &str) -> SignedByScreen {
    let not_found = || {
        (
            Outcome::NotFound,
            "We could not find that signed text for this person.".to_string(),
        )
    };
    let found = async {
        let person = safety_core::identity::people::get(&site.store, &site.org_id, person_id)
            .await
            .map_err(ComplianceError::from)?;
        let text = core::signed_text_of(&site.store, &site.org_id, person_id, sha256).await?;
        Ok::<_, ComplianceError>(text.map(|t| (person, t)))
    }
    .await;
    SignedByScreen(match found {
        Ok(Some((person, (s, html)))) => Ok(SignedBy {
            person_id: person.id,
            person_name: person.name,
            title: site
                .library
                .page(Kind::Aup, &s.aup_id)
                .map_or_else(|| s.aup_id.clone(), |p| p.title.clone()),
            version: s.version,
            typed_name: s.typed_name,
            signed_on: dates::parse(&s.signed_at)
                .map(dates::show_date_time)
                .unwrap_or(s.signed_at),
            html,
        }),
        Ok(None) | Err(ComplianceError::PersonNotFound) => Err(not_found()),
        Err(e) => {
            tracing::error!(error = %e, "a signed text could not be read");
            Err((Outcome::Unavailable, e.user_message()))
        }
    })
}
