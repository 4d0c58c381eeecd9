//! The exports' use cases for the pages and handlers: who may export, the export page, the
//! evidence summary, and opening a CSV export. The rules are in `safety_core::export`.
//!
//! Every export is authorised here on every request: the viewer must be active, hold a role
//! allowed [`Action::ExportCompletion`] (DSL, deputy DSL, admin) and belong to this site's
//! organisation; everyone else is refused (403).

use super::compliance::sort::{self, Sort};
use super::{SiteState, Viewer};
use chrono::{DateTime, Utc};
use safety_core::compliance::Filter;
use safety_core::export::{self as core, Evidence, ExportError, ItemEvidence, Matrix, Signatures};
use safety_core::identity::Person;
use safety_core::roles::Role;
use std::cmp::Ordering;

/// The exports' filter (`?role=&group=`), as on the compliance dashboard: the CSV files hold only
/// the people in it. Anything unreadable is everyone, never an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ExportQuery {
    pub role: Option<String>,
    pub group: Option<String>,
}

impl ExportQuery {
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }

    pub fn group(&self) -> Option<&str> {
        self.group
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
    }

    /// Whether a person is in the selection.
    pub fn keeps(&self, p: &Person) -> bool {
        self.role().is_none_or(|r| p.roles.contains(&r))
            && self.group().is_none_or(|g| p.groups.iter().any(|x| x == g))
    }

    /// The query string of the selection (empty for everyone), for the download links.
    pub fn query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if let Some(r) = self.role() {
            parts.push(("role", r.as_str().to_string()));
        }
        if let Some(g) = self.group() {
            parts.push(("group", g.to_string()));
        }
        serde_urlencoded::to_string(parts).unwrap_or_default()
    }

    fn filter(&self) -> Filter {
        Filter {
            role: self.role(),
            group: self.group().map(str::to_string),
            ..Filter::default()
        }
    }
}

/// What the files hold for the selection (from the dashboard's counters: one query).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportContents {
    /// Active people in the selection.
    pub people: u64,
    /// The modules and policies required of someone in it, by title.
    pub modules: Vec<String>,
    pub aups: Vec<String>,
}

/// What `/compliance/export` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportScreen {
    pub org_name: String,
    pub matrix_file: String,
    pub signatures_file: String,
    /// The selection, and the choices of the filter.
    pub query: ExportQuery,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
    /// `None` when it could not be counted (the files still download).
    pub contents: Option<ExportContents>,
}

pub async fn export_screen(
    site: &SiteState,
    query: ExportQuery,
    now: DateTime<Utc>,
) -> ExportScreen {
    let counted =
        safety_core::compliance::dashboard(&site.store, &site.setting(), &query.filter(), now)
            .await
            .map_err(|e| tracing::warn!(error = %e, "the exports' contents could not be counted"))
            .ok();
    let (roles, groups) = counted
        .as_ref()
        .map(|d| (d.roles.clone(), d.groups.clone()))
        .unwrap_or_default();
    let contents = counted.map(|d| ExportContents {
        people: d.people,
        modules: d.modules().map(|n| n.title.clone()).collect(),
        aups: d.aups().map(|n| n.title.clone()).collect(),
    });
    ExportScreen {
        org_name: site.org.name.clone(),
        matrix_file: core::file_name("completion", &site.org_id, now),
        signatures_file: core::file_name("aup-signatures", &site.org_id, now),
        query,
        roles,
        groups,
        contents,
    }
}

/// What `/compliance/evidence` shows: the summary, or why it could not be made; and the
/// order of its items (none: the content's own).
#[derive(Clone, Debug)]
pub struct EvidenceScreen(pub Result<Evidence, String>, pub Option<Sort>);

/// The evidence summary's query string: the totals' order (`?sort=&dir=`), as on the
/// dashboard. Anything unreadable is the content's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct EvidenceQuery {
    pub sort: Option<String>,
    pub dir: Option<String>,
}

/// The columns the evidence summary's totals sort by.
pub const EVIDENCE_COLUMNS: [&str; 7] = [
    "title",
    "assigned",
    "done",
    "expiring",
    "overdue",
    "in-progress",
    "not-started",
];

impl EvidenceQuery {
    pub fn sort(&self) -> Option<Sort> {
        let none = Sort::asc("");
        Some(Sort::parse(
            self.sort.as_deref(),
            self.dir.as_deref(),
            &EVIDENCE_COLUMNS,
            none,
        ))
        .filter(|s| *s != none)
    }
}

fn evidence_order(column: &str, a: &ItemEvidence, b: &ItemEvidence) -> Ordering {
    match column {
        "assigned" => a.assigned.cmp(&b.assigned),
        "done" => a.done_in_date.cmp(&b.done_in_date),
        "expiring" => a.expiring.cmp(&b.expiring),
        "overdue" => a.overdue.cmp(&b.overdue),
        "in-progress" => a.in_progress.cmp(&b.in_progress),
        "not-started" => a.not_started.cmp(&b.not_started),
        _ => sort::text(&a.title, &b.title),
    }
}

pub async fn evidence(
    site: &SiteState,
    viewer: &Viewer,
    query: &EvidenceQuery,
    now: DateTime<Utc>,
) -> EvidenceScreen {
    let sort = query.sort();
    let made = core::evidence(
        &site.store,
        site.setting(),
        &site.org_id,
        &viewer.person,
        now,
    )
    .await
    .map(|mut e| {
        if let Some(sort) = sort {
            sort.apply(&mut e.items, evidence_order);
        }
        e
    })
    .map_err(|e| {
        tracing::error!(error = %e, "the evidence summary could not be made");
        e.user_message()
    });
    EvidenceScreen(made, sort)
}

/// Which CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvKind {
    Completion,
    Signatures,
}

impl CsvKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvKind::Completion => "completion",
            CsvKind::Signatures => "aup-signatures",
        }
    }
}

/// An export ready to be written page by page of people (the standings are read), of the
/// people in its selection.
pub struct CsvExport<'a> {
    file: CsvFile<'a>,
    query: ExportQuery,
}

enum CsvFile<'a> {
    Completion(Matrix<'a>),
    Signatures(Signatures<'a>),
}

impl<'a> CsvExport<'a> {
    /// Reads where everyone stands (one pass per item); the people come page by page after.
    pub async fn open(
        site: &'a SiteState,
        kind: CsvKind,
        query: ExportQuery,
        now: DateTime<Utc>,
    ) -> Result<CsvExport<'a>, ExportError> {
        let file = match kind {
            CsvKind::Completion => CsvFile::Completion(
                Matrix::load(&site.store, site.setting(), &site.org_id, now).await?,
            ),
            CsvKind::Signatures => CsvFile::Signatures(
                Signatures::load(&site.store, site.setting(), &site.org_id, now).await?,
            ),
        };
        Ok(CsvExport { file, query })
    }

    pub fn write_header(&self, w: &mut core::csv::CsvWriter) {
        match &self.file {
            CsvFile::Completion(m) => m.write_header(w),
            CsvFile::Signatures(s) => s.write_header(w),
        }
    }

    /// Writes the rows of those of `people` in the selection; returns how many.
    pub fn write_rows(&self, people: &[Person], w: &mut core::csv::CsvWriter) -> usize {
        let people: Vec<Person> = people
            .iter()
            .filter(|p| self.query.keeps(p))
            .cloned()
            .collect();
        match &self.file {
            CsvFile::Completion(m) => m.write_rows(&people, w),
            CsvFile::Signatures(s) => s.write_rows(&people, w),
        }
    }
}
