//! An admin's people pages: the list, inviting, deactivating and reactivating, roles and
//! groups, and importing people from a CSV file as a resumable job. The rules (who may change what, what is
//! announced, how a file is checked) are in `safety_core::identity`; this turns their answers
//! into what the pages show and how each ended. The caller (the web edge) has checked that the
//! viewer may manage people and that a form carries their token.

use super::compliance::sort::{self, Sort};
use super::{Outcome, SiteState, Viewer};
use chrono::Utc;
use safety_core::governance;
use safety_core::identity::import::{self, ImportError};
use safety_core::identity::import_job::{self, JobStatus, Slice};
use safety_core::identity::{NewPerson, PeopleError, Person, people};
use safety_core::roles::Role;
use safety_core::store::Cursor;
use std::cmp::Ordering;
use std::time::Duration;

/// People listed per page.
pub const PAGE_SIZE: usize = 50;

/// The people page's query string: a page of the list (`after`, a cursor, in the default
/// order; `page` in any other), and its order (`sort`, `dir`). Anything unreadable is the first
/// page by name, never an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PeopleQuery {
    pub after: Option<String>,
    pub page: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
}

/// The columns the people list sorts by.
pub const PEOPLE_COLUMNS: [&str; 5] = ["name", "email", "roles", "groups", "status"];

impl PeopleQuery {
    pub fn sort(&self) -> Sort {
        Sort::parse(
            self.sort.as_deref(),
            self.dir.as_deref(),
            &PEOPLE_COLUMNS,
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

/// The address of the people list in `sort`'s order, at `page` (1-based) or after `cursor`.
pub fn people_href(sort: Sort, page: usize, cursor: Option<&str>) -> String {
    let mut parts: Vec<(&str, String)> = Vec::new();
    if sort != Sort::asc("name") {
        parts.extend(sort.params());
    }
    if page > 1 {
        parts.push(("page", page.to_string()));
    }
    if let Some(c) = cursor {
        parts.push(("after", c.to_string()));
    }
    let query = serde_urlencoded::to_string(parts).unwrap_or_default();
    if query.is_empty() {
        "/admin/people".into()
    } else {
        format!("/admin/people?{query}")
    }
}

/// Two people compared by a column of the list.
fn person_order(column: &str, a: &Person, b: &Person) -> Ordering {
    let roles = |p: &Person| {
        p.roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match column {
        "email" => a.email.cmp(&b.email),
        "roles" => sort::text(&roles(a), &roles(b)),
        "groups" => sort::text(&a.groups.join(", "), &b.groups.join(", ")),
        // Active first.
        "status" => b.active.cmp(&a.active),
        _ => sort::text(&a.name, &b.name),
    }
}

/// What the people page of an admin shows.
#[derive(Clone, Debug, Default)]
pub struct PeopleView {
    pub people: Vec<safety_core::identity::Person>,
    /// The address of the next page, if any.
    pub next: Option<String>,
    /// The address of the previous page (in an order other than the default).
    pub previous: Option<String>,
    /// The list's order.
    pub sort: Option<Sort>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The kinds of worry nobody active may read now (a safeguarding role vacant, e.g. an
    /// organisation just created, whose DSL has no account yet), each saying who to name.
    pub gaps: Vec<String>,
    /// The invite form as typed (kept when refused).
    pub invite: InviteForm,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InviteForm {
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub groups: String,
}

/// What the people-import page shows.
#[derive(Clone, Debug)]
pub enum ImportView {
    /// Choose a file (again, with why the last one was refused).
    Form { error: Option<String> },
    /// What importing the file would do; nothing is written yet.
    Preview {
        /// The file's text, sent back with the confirmation.
        csv: String,
        preview: safety_core::identity::ImportPreview,
    },
    /// An import job: its progress while it runs, what it did once finished.
    Job(ImportJobView),
}

/// The page of one import job.
#[derive(Clone, Debug)]
pub struct ImportJobView {
    pub job: safety_core::identity::ImportJob,
    /// The rows not imported (read once the job has finished).
    pub failures: Vec<safety_core::identity::RowFailure>,
    /// While it runs: the address the page refreshes to, which continues the job. `None` when
    /// finished or stopped (a refresh would only fail again: the admin presses Continue).
    pub refresh: Option<String>,
    /// The last attempt to continue it stopped on a store failure.
    pub stopped: bool,
}

/// How a refused change to a person ended.
fn outcome_of(e: &PeopleError) -> Outcome {
    match e {
        PeopleError::NotFound => Outcome::NotFound,
        PeopleError::VersionConflict => Outcome::Conflict,
        PeopleError::Store(_) | PeopleError::Corrupt(_) => Outcome::Unavailable,
        _ => Outcome::Invalid,
    }
}

/// The people page: `view` (a notice, an error, the invite form as typed) with the list as
/// `query` asks. By name, the default, it is read a page at a time from the store's index; in
/// another order everyone is read and sorted here, then shown a page at a time.
pub async fn people_page(
    site: &SiteState,
    mut view: PeopleView,
    query: &PeopleQuery,
) -> PeopleView {
    let sort = query.sort();
    view.sort = Some(sort);
    let read = if sort == Sort::asc("name") {
        people::list(
            &site.store,
            &site.org_id,
            query.after.clone().map(Cursor),
            PAGE_SIZE,
        )
        .await
        .map(|(list, next)| {
            let next = next.map(|c| people_href(sort, 1, Some(&c.0)));
            (list, next, None)
        })
    } else {
        let page = query.page();
        people::list_all(&site.store, &site.org_id)
            .await
            .map(|mut all| {
                sort.apply(&mut all, person_order);
                let more = all.len() > page * PAGE_SIZE;
                let list = all
                    .into_iter()
                    .skip((page - 1) * PAGE_SIZE)
                    .take(PAGE_SIZE)
                    .collect();
                let next = more.then(|| people_href(sort, page + 1, None));
                let previous = (page > 1).then(|| people_href(sort, page - 1, None));
                (list, next, previous)
            })
    };
    // Who reads each kind of worry, from the safeguarding roles' index (one query): a gap is
    // said at the top of the page, since a worry told now would reach nobody on the platform.
    match safety_core::identity::safeguarders::list(&site.store, &site.org_id).await {
        Ok(holders) => {
            view.gaps = safety_core::routing::gaps(&holders)
                .iter()
                .map(|g| g.message().to_string())
                .collect();
        }
        Err(e) => tracing::warn!(error = %e, "the safeguarding roles could not be read"),
    }
    match read {
        Ok((list, next, previous)) => {
            view.people = list;
            view.next = next;
            view.previous = previous;
        }
        Err(e) => {
            tracing::warn!(error = %e, "the people list could not be read");
            view.error.get_or_insert(e.user_message());
        }
    }
    view
}

/// The people page with a confirmation.
fn notice(text: String) -> (PeopleView, Outcome) {
    let view = PeopleView {
        notice: Some(text),
        ..PeopleView::default()
    };
    (view, Outcome::Ok)
}

/// The people page saying why a change was refused.
fn refused(message: String, outcome: Outcome) -> (PeopleView, Outcome) {
    let view = PeopleView {
        error: Some(message),
        ..PeopleView::default()
    };
    (view, outcome)
}

/// Groups as typed in a form: separated by commas.
fn split_groups(typed: &str) -> Vec<String> {
    typed
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

fn roles_of(typed: &[String]) -> Vec<Role> {
    typed.iter().filter_map(|r| Role::parse(r)).collect()
}

/// Adds a person. A safeguarding role given is announced to the DSL, allegations lead and
/// chair (through the notifier).
pub async fn invite(site: &SiteState, who: &Viewer, typed: InviteForm) -> (PeopleView, Outcome) {
    let new = NewPerson {
        email: typed.email.clone(),
        name: typed.name.clone(),
        roles: roles_of(&typed.roles),
        groups: split_groups(&typed.groups),
    };
    match governance::invite(&site.store, &site.org_id, &who.person, &new, Utc::now()).await {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "person invited"
            );
            (site.on_worry_stored)();
            notice(format!(
                "{} was added. They can sign in with {} on the sign-in page.",
                person.name, person.email
            ))
        }
        Err(e) => {
            let outcome = if matches!(e, PeopleError::Store(_)) {
                Outcome::Unavailable
            } else {
                Outcome::Invalid
            };
            let view = PeopleView {
                error: Some(e.user_message()),
                invite: typed,
                ..PeopleView::default()
            };
            (view, outcome)
        }
    }
}

/// Deactivates a person (never oneself): signed out everywhere, records kept.
pub async fn deactivate(site: &SiteState, who: &Viewer, id: &str) -> (PeopleView, Outcome) {
    if id == who.person.id {
        return refused(
            "You cannot deactivate yourself. Ask another admin to do it.".into(),
            Outcome::Invalid,
        );
    }
    match governance::deactivate(&site.store, &site.org_id, &who.person, id, Utc::now()).await {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "person deactivated"
            );
            (site.on_worry_stored)();
            notice(format!(
                "{} was deactivated and signed out everywhere. Their records are kept.",
                person.name
            ))
        }
        Err(e) => refused(e.user_message(), outcome_of(&e)),
    }
}

/// Reactivates a deactivated person: they may sign in again (with a new link) and are counted
/// on the dashboard again. A safeguarding role they hold is recorded and announced.
pub async fn reactivate(site: &SiteState, who: &Viewer, id: &str) -> (PeopleView, Outcome) {
    match governance::reactivate(&site.store, &site.org_id, &who.person, id, Utc::now()).await {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "person reactivated"
            );
            (site.on_worry_stored)();
            notice(format!(
                "{} was reactivated. They can sign in again with {} on the sign-in page.",
                person.name, person.email
            ))
        }
        Err(e) => {
            tracing::info!(
                admin = who.person.id,
                person_id = id,
                error = %e,
                "reactivation refused"
            );
            refused(e.user_message(), outcome_of(&e))
        }
    }
}

/// The roles form of one person.
#[derive(Clone, Debug, Default)]
pub struct RolesForm {
    pub roles: Vec<String>,
    /// Groups separated by commas; `None` leaves them as they are.
    pub groups: Option<String>,
    /// The version of the person the form was made from.
    pub version: u64,
}

/// Changes a person's roles and groups. An admin cannot take away their own admin role, so an
/// organisation always keeps one.
pub async fn change_roles(
    site: &SiteState,
    who: &Viewer,
    id: &str,
    form: RolesForm,
) -> (PeopleView, Outcome) {
    let roles = roles_of(&form.roles);
    if id == who.person.id && !roles.contains(&Role::Admin) {
        return refused(
            "You cannot remove your own admin role. Ask another admin to do it.".into(),
            Outcome::Invalid,
        );
    }
    let groups = form.groups.as_deref().map(split_groups);
    let changed = governance::change_roles(
        &site.store,
        &site.org_id,
        &who.person,
        id,
        &roles,
        groups.as_deref(),
        form.version,
        Utc::now(),
    )
    .await;
    match changed {
        Ok(person) => {
            tracing::info!(
                admin = who.person.id,
                person_id = person.id,
                "roles changed"
            );
            (site.on_worry_stored)();
            let roles = person
                .roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", ");
            let groups = if person.groups.is_empty() {
                "no groups".to_string()
            } else {
                person.groups.join(", ")
            };
            notice(format!(
                "{} now has these roles: {roles}; and {groups}.",
                person.name
            ))
        }
        Err(e) => refused(e.user_message(), outcome_of(&e)),
    }
}

/// The import form, saying why a file was refused.
fn import_refused(e: ImportError) -> (ImportView, Outcome) {
    let outcome = match e {
        ImportError::Store(_) => Outcome::Unavailable,
        _ => Outcome::Invalid,
    };
    let view = ImportView::Form {
        error: Some(e.user_message()),
    };
    (view, outcome)
}

/// Checks an uploaded file and shows what importing it would do. Writes nothing.
pub async fn preview(site: &SiteState, who: &Viewer, bytes: &[u8]) -> (ImportView, Outcome) {
    let checked = match import::decode_upload(bytes) {
        Ok(text) => import::preview(&site.store, &site.org_id, text)
            .await
            .map(|p| (text.to_string(), p)),
        Err(e) => Err(e),
    };
    match checked {
        Ok((csv, preview)) => {
            tracing::info!(
                admin = who.person.id,
                rows = preview.rows.len(),
                "import previewed"
            );
            (ImportView::Preview { csv, preview }, Outcome::Ok)
        }
        Err(e) => import_refused(e),
    }
}

/// How much one request does of an import job. The confirming request does one chunk, so the
/// admin sees the progress page soon; each refresh or Continue then works for about 2 s, far
/// inside the function's 10 s and API Gateway's 29 s.
const FIRST_SLICE: Slice = Slice {
    max_chunks: 1,
    max_time: Duration::from_secs(2),
};
const SLICE: Slice = Slice {
    max_chunks: usize::MAX,
    max_time: Duration::from_secs(2),
};

/// The address of a job's page.
pub fn job_path(id: &str) -> String {
    format!("/admin/people/import/jobs/{id}")
}

/// Imports a checked file: plans it again against the people as they are now (the file comes
/// back from the browser, so it is checked again in full), stores the plan as a job and does
/// the first slice of it. `Ok` is the job's page to go to; `Err` the form saying why not.
pub async fn apply(
    site: &SiteState,
    who: &Viewer,
    csv: &str,
) -> Result<String, (ImportView, Outcome)> {
    let csv = csv.trim_start_matches('\n');
    let (store, org) = (&site.store, &site.org_id);
    let job = match import::preview(store, org, csv).await {
        Ok(preview) => import_job::start(store, org, &preview, &who.person.id, Utc::now()).await,
        Err(e) => Err(e),
    };
    let job = job.map_err(import_refused)?;
    tracing::info!(
        admin = who.person.id,
        job_id = job.id,
        rows = job.total,
        "import confirmed"
    );
    // A failure here leaves the job stalled or claimed: its page says so and offers Continue.
    let _ = import_job::advance(store, org, &job.id, FIRST_SLICE, Utc::now()).await;
    Ok(job_path(&job.id))
}

/// What a slice of work on a job came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advanced {
    Moved,
    /// No such job in this organisation.
    NotFound,
    /// It stopped on a failure (the store): the page says so and offers Continue.
    Failed,
}

/// Does a slice of a job.
pub async fn advance(site: &SiteState, id: &str) -> Advanced {
    match import_job::advance(&site.store, &site.org_id, id, SLICE, Utc::now()).await {
        Ok(_) => Advanced::Moved,
        Err(ImportError::JobNotFound) => Advanced::NotFound,
        Err(_) => Advanced::Failed,
    }
}

/// A refresh of a job's page: a slice of work when it carries this session's continue `token`
/// (see `import_job::continue_token`); `true` when that slice stopped on a failure.
pub async fn step(site: &SiteState, who: &Viewer, id: &str, token: Option<&str>) -> bool {
    let Some(token) = token else {
        return false;
    };
    if import_job::continue_token_ok(&site.secret, &who.csrf, id, token) {
        advance(site, id).await == Advanced::Failed
    } else {
        // E.g. the session was renewed since the page was rendered: show, the next refresh
        // carries a fresh token.
        tracing::info!(job_id = id, "import step token not accepted; showing only");
        false
    }
}

/// A job of this organisation (not found for any other id). `failed`: this request's attempt
/// to continue it stopped on an error.
pub async fn job(site: &SiteState, who: &Viewer, id: &str, failed: bool) -> (ImportView, Outcome) {
    let (store, org) = (&site.store, &site.org_id);
    let unavailable = |e: ImportError| {
        tracing::warn!(job_id = id, error = %e, "an import job could not be read");
        let view = ImportView::Form {
            error: Some(
                "We could not load this import just now. Everyone imported so far is kept. Please reload this page in a minute."
                    .into(),
            ),
        };
        (view, Outcome::Unavailable)
    };
    let job = match import_job::get(store, org, id).await {
        Ok(job) => job,
        Err(e @ ImportError::JobNotFound) => {
            let view = ImportView::Form {
                error: Some(e.user_message()),
            };
            return (view, Outcome::NotFound);
        }
        Err(e) => return unavailable(e),
    };
    let failures = if job.status == JobStatus::Finished {
        match import_job::failures(store, org, id).await {
            Ok(f) => f,
            Err(e) => return unavailable(e),
        }
    } else {
        Vec::new()
    };
    let stopped = failed || job.stalled;
    let refresh = (job.status == JobStatus::Running && !stopped).then(|| {
        let token = import_job::continue_token(&site.secret, &who.csrf, &job.id);
        format!("{}?step={token}", job_path(&job.id))
    });
    let outcome = if failed {
        Outcome::Unavailable
    } else {
        Outcome::Ok
    };
    let view = ImportView::Job(ImportJobView {
        job,
        failures,
        refresh,
        stopped,
    });
    (view, outcome)
}
