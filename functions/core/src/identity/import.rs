//! Importing people from a spreadsheet (CSV), in two steps so that nothing is written before the
//! admin has seen what will happen:
//!
//! 1. [`preview`] reads the file, checks every row and compares it with the people already in
//!    the organisation: each row is new, unchanged, an update (saying what changes) or an error
//!    with its line and reason. It writes nothing.
//! 2. [`super::import_job`] stores the plan as a job and writes it chunk by chunk over several
//!    requests, showing progress; [`apply`] writes it in one go (the demo people at start-up).
//!    Either way the rows without errors are written in transactions of up to [`BATCH_OPS`]
//!    operations.
//!
//! People are matched by email, so importing the same file again changes nothing, and a row
//! whose person was changed or added since the preview is refused (conditional writes), not
//! applied over the newer data.
//!
//! The file: a header `email,name,roles,groups` (any order; `groups` optional), UTF-8 with or
//! without a byte-order mark, RFC 4180 quoting (fields in double quotes may hold commas, line
//! breaks and doubled quotes), line ends CRLF or LF. Roles and groups are separated by `;`.
//!
//! Two optional columns link a learner to their parents or carers ([`super::family`]): on the
//! learner's row, `parents` lists their parents' emails (separated by `;`; each parent already
//! in the organisation, or on an earlier line of the file, with the parent role) and
//! `date_of_birth` (`YYYY-MM-DD` or `DD/MM/YYYY`) says whether a parent co-signs their learner
//! AUP (under 16). A row whose link cannot be made is an error, like any other. Links are made
//! after the row's person is written; importing the file again links nobody twice, and a link
//! left out of a later file is not removed (unlinking is done on the person's family page).

use super::people::{self, PeopleError, Person, PersonDetails};
use crate::org::OrgId;
use crate::roles::Role;
use crate::store::{Store, StoreError, TxOp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The most people one file may hold (an admin with more imports them in parts).
pub const MAX_ROWS: usize = 5000;
/// The largest file accepted: far above 5,000 reasonable rows.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Operations per transaction. DynamoDB allows 100. A new person takes about 22 (with their
/// "not started" entry of each module and AUP in the lists behind the dashboard's numbers), so
/// a transaction holds about 4 new people or many more updates; a conflicting row holds back
/// only its batch (written again row by row).
pub const BATCH_OPS: usize = 90;

const COLUMNS: [&str; 6] = [
    "email",
    "name",
    "roles",
    "groups",
    "parents",
    "date_of_birth",
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ImportError {
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("the file is {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("the file has no rows")]
    Empty,
    #[error("bad header: {0}")]
    Header(String),
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("the preview was made for another organisation")]
    WrongOrganisation,
    #[error("no such import job in this organisation")]
    JobNotFound,
    #[error("a stored import job is malformed: {0}")]
    Corrupt(String),
    #[error(transparent)]
    People(#[from] PeopleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    /// A plain message for the admin, saying what to do.
    pub fn user_message(&self) -> String {
        match self {
            ImportError::NotUtf8 => {
                "This file is not saved as UTF-8 text. In Excel, choose Save As and “CSV UTF-8 (Comma delimited)”, then upload it again.".into()
            }
            ImportError::TooLarge(_) => format!(
                "This file is too large. Please split it into files of at most {MAX_ROWS} people."
            ),
            ImportError::Empty => {
                "This file has no people in it. The first line must be the header email,name,roles,groups.".into()
            }
            ImportError::Header(why) => format!(
                "The first line of the file must name the columns: email,name,roles,groups. {why}"
            ),
            ImportError::Malformed { line, reason } => {
                format!("The file could not be read from line {line}: {reason}.")
            }
            ImportError::WrongOrganisation => {
                "This preview belongs to another organisation. Please upload the file again.".into()
            }
            ImportError::JobNotFound => {
                "We could not find that import. Imports are kept for 30 days; to import the file again, choose it below.".into()
            }
            ImportError::People(_) | ImportError::Store(_) | ImportError::Corrupt(_) => {
                "Sorry, the import stopped because the platform could not save just now. Any people already saved stay saved. Please preview the file again and apply it: nobody is added twice.".into()
            }
        }
    }
}

/// Turns an upload into text, with a helpful refusal for files saved in an old encoding.
pub fn decode_upload(bytes: &[u8]) -> Result<&str, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)
}

// ---------------------------------------------------------------------------------------------
// RFC 4180 reader

/// One record of the file, with the line it starts on (1-based, the header is line 1).
#[derive(Debug, PartialEq, Eq)]
struct Record {
    line: usize,
    fields: Vec<String>,
    /// Why the record could not be read (the rest of its line was skipped).
    problem: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// After a quote inside a quoted field: either an escaped quote or the field's end.
    QuoteInQuoted,
    /// After a problem: skip to the end of the physical line.
    Skip,
}

/// Reads CSV text into records. A quoted field left open at the end of the file is an error for
/// the whole file (everything after it would be swallowed); other problems mark their record.
fn parse_csv(text: &str) -> Result<Vec<Record>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut line = 1;
    let mut start_line = 1;
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut problem: Option<String> = None;
    let mut state = State::FieldStart;
    let mut chars = text.chars().peekable();

    let mut end_record = |fields: &mut Vec<String>,
                          field: &mut String,
                          problem: &mut Option<String>,
                          start: usize| {
        fields.push(std::mem::take(field));
        let blank = problem.is_none() && fields.iter().all(|f| f.trim().is_empty());
        if !blank {
            records.push(Record {
                line: start,
                fields: std::mem::take(fields),
                problem: problem.take(),
            });
        }
        fields.clear();
    };

    while let Some(c) = chars.next() {
        // A line end is LF, CRLF or a lone CR.
        let newline = c == '\n' || c == '\r';
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
        }
        match (state, c) {
            (State::Quoted, _) => {
                if newline {
                    line += 1;
                    field.push('\n');
                } else if c == '"' {
                    state = State::QuoteInQuoted;
                } else {
                    field.push(c);
                }
            }
            (State::Skip, _) => {
                if newline {
                    end_record(&mut fields, &mut field, &mut problem, start_line);
                    line += 1;
                    start_line = line;
                    state = State::FieldStart;
                }
            }
            (_, ',') => {
                fields.push(std::mem::take(&mut field));
                state = State::FieldStart;
            }
            _ if newline => {
                end_record(&mut fields, &mut field, &mut problem, start_line);
                line += 1;
                start_line = line;
                state = State::FieldStart;
            }
            (State::FieldStart, '"') => state = State::Quoted,
            (State::QuoteInQuoted, '"') => {
                field.push('"');
                state = State::Quoted;
            }
            (State::Unquoted, '"') => {
                problem = Some(
                    "a quote mark in the middle of a value: put the whole value in quotes and double the quote mark".into(),
                );
                state = State::Skip;
            }
            (State::QuoteInQuoted, _) => {
                problem = Some("text after a closing quote mark".into());
                state = State::Skip;
            }
            (State::FieldStart | State::Unquoted, c) => {
                field.push(c);
                state = State::Unquoted;
            }
        }
    }
    match state {
        State::Quoted => {
            return Err(ImportError::Malformed {
                line: start_line,
                reason: "a value starts with a quote mark that is never closed".into(),
            });
        }
        _ => {
            if !field.is_empty() || !fields.is_empty() || problem.is_some() {
                end_record(&mut fields, &mut field, &mut problem, start_line);
            }
        }
    }
    Ok(records)
}

// ---------------------------------------------------------------------------------------------
// Preview

/// What changes for an existing person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Name { from: String, to: String },
    Roles { from: Vec<Role>, to: Vec<Role> },
    Groups { from: Vec<String>, to: Vec<String> },
}

impl Change {
    /// For the preview table, e.g. `roles: staff → staff, dsl`.
    pub fn describe(&self) -> String {
        fn roles(r: &[Role]) -> String {
            r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
        }
        fn groups(g: &[String]) -> String {
            if g.is_empty() {
                "(none)".into()
            } else {
                g.join(", ")
            }
        }
        match self {
            Change::Name { from, to } => format!("name: {from} → {to}"),
            Change::Roles { from, to } => format!("roles: {} → {}", roles(from), roles(to)),
            Change::Groups { from, to } => format!("groups: {} → {}", groups(from), groups(to)),
        }
    }
}

/// The plan for one row of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowPlan {
    New {
        line: usize,
        person: PersonDetails,
    },
    Unchanged {
        line: usize,
        person_id: String,
    },
    Update {
        line: usize,
        person_id: String,
        /// The version read during the preview: the update applies only if it still holds.
        version: u64,
        changes: Vec<Change>,
        to: PersonDetails,
    },
    Error {
        line: usize,
        reason: String,
    },
}

impl RowPlan {
    pub fn line(&self) -> usize {
        match self {
            RowPlan::New { line, .. }
            | RowPlan::Unchanged { line, .. }
            | RowPlan::Update { line, .. }
            | RowPlan::Error { line, .. } => *line,
        }
    }
}

/// Everything [`apply`] needs, and what the admin is shown before applying. Serializable, so
/// the web layer can keep it between the preview and the apply request; [`apply`] checks every
/// row again, so a preview that was tampered with cannot store anything invalid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub org: OrgId,
    pub rows: Vec<RowPlan>,
    /// The rows that link a learner to parents or record a date of birth (rows without an
    /// error only), made once the people are written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub family: Vec<FamilyPlan>,
}

/// What one learner's row says of their family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyPlan {
    pub line: usize,
    pub child_email: String,
    /// Normalised, no repeats.
    pub parent_emails: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<chrono::NaiveDate>,
}

impl FamilyPlan {
    /// For the preview table, e.g. `parents: a@x.org; born 2014-03-02`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.parent_emails.is_empty() {
            parts.push(format!("linked to {}", self.parent_emails.join(", ")));
        }
        if let Some(b) = self.birth_date {
            parts.push(format!("born {}", b.format("%Y-%m-%d")));
        }
        parts.join("; ")
    }
}

/// How many rows of each kind a preview has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PreviewCounts {
    pub new: usize,
    pub update: usize,
    pub unchanged: usize,
    pub errors: usize,
}

impl ImportPreview {
    pub fn counts(&self) -> PreviewCounts {
        let mut c = PreviewCounts::default();
        for row in &self.rows {
            match row {
                RowPlan::New { .. } => c.new += 1,
                RowPlan::Update { .. } => c.update += 1,
                RowPlan::Unchanged { .. } => c.unchanged += 1,
                RowPlan::Error { .. } => c.errors += 1,
            }
        }
        c
    }
}

/// Where each column is in the file.
struct Columns {
    email: usize,
    name: usize,
    roles: usize,
    groups: Option<usize>,
    parents: Option<usize>,
    birth: Option<usize>,
    count: usize,
}

fn read_header(record: &Record) -> Result<Columns, ImportError> {
    if let Some(problem) = &record.problem {
        return Err(ImportError::Header(format!(
            "It could not be read: {problem}."
        )));
    }
    let mut found: HashMap<&str, usize> = HashMap::new();
    for (i, raw) in record.fields.iter().enumerate() {
        let name = raw.trim().to_lowercase();
        let Some(known) = COLUMNS.iter().find(|c| **c == name) else {
            return Err(ImportError::Header(format!(
                "The column “{}” is not one of them.",
                raw.trim()
            )));
        };
        if found.insert(known, i).is_some() {
            return Err(ImportError::Header(format!(
                "The column “{known}” appears twice."
            )));
        }
    }
    let need = |name: &str| {
        found
            .get(name)
            .copied()
            .ok_or_else(|| ImportError::Header(format!("The column “{name}” is missing.")))
    };
    Ok(Columns {
        email: need("email")?,
        name: need("name")?,
        roles: need("roles")?,
        groups: found.get("groups").copied(),
        parents: found.get("parents").copied(),
        birth: found.get("date_of_birth").copied(),
        count: record.fields.len(),
    })
}

fn parse_roles(cell: &str) -> Result<Vec<Role>, String> {
    let mut roles = Vec::new();
    for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match Role::parse(part) {
            Some(r) => roles.push(r),
            None => {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                return Err(format!("unknown role “{part}”: use {}", known.join(", ")));
            }
        }
    }
    if roles.is_empty() {
        return Err("no role given: use at least one, e.g. learner".into());
    }
    people::normalise_roles(&roles).map_err(|e| e.to_string())
}

/// Checks one row on its own.
fn read_row(cols: &Columns, record: &Record) -> Result<PersonDetails, String> {
    if let Some(problem) = &record.problem {
        return Err(problem.clone());
    }
    if record.fields.len() != cols.count {
        return Err(format!(
            "this row has {} values but the header has {}; a value with a comma in it needs quotes around it",
            record.fields.len(),
            cols.count
        ));
    }
    let email = people::normalise_email(&record.fields[cols.email]).map_err(|e| match e {
        PeopleError::InvalidEmail(why) => format!("bad email ({why})"),
        e => e.to_string(),
    })?;
    let name = people::normalise_name(&record.fields[cols.name]).map_err(|e| match e {
        PeopleError::InvalidName("it is missing") => "missing name".to_string(),
        PeopleError::InvalidName(why) => format!("bad name ({why})"),
        e => e.to_string(),
    })?;
    let roles = parse_roles(&record.fields[cols.roles])?;
    let groups = match cols.groups {
        Some(i) => {
            let cell: Vec<String> = record.fields[i].split(';').map(str::to_string).collect();
            people::normalise_groups(&cell).map_err(|e| e.to_string())?
        }
        None => Vec::new(),
    };
    Ok(PersonDetails {
        email,
        name,
        roles,
        groups,
    })
}

/// Reads a row's `parents` and `date_of_birth` cells (the row itself already read).
fn read_family(
    cols: &Columns,
    record: &Record,
    details: &PersonDetails,
    today: chrono::NaiveDate,
) -> Result<Option<FamilyPlan>, String> {
    let cell = |i: Option<usize>| i.map(|i| record.fields[i].trim()).unwrap_or_default();
    let mut parent_emails = Vec::new();
    for part in cell(cols.parents)
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let email = people::normalise_email(part).map_err(|e| match e {
            PeopleError::InvalidEmail(why) => format!("bad parent email “{part}” ({why})"),
            e => e.to_string(),
        })?;
        if email == details.email {
            return Err("a person cannot be their own parent".into());
        }
        if !parent_emails.contains(&email) {
            parent_emails.push(email);
        }
    }
    if parent_emails.len() > super::family::MAX_LINKS {
        return Err(format!(
            "at most {} parents per person",
            super::family::MAX_LINKS
        ));
    }
    let birth = cell(cols.birth);
    let birth_date = if birth.is_empty() {
        None
    } else {
        Some(
            super::family::parse_birth_date(birth, today)
                .map_err(|e| format!("date_of_birth: {e}"))?,
        )
    };
    if parent_emails.is_empty() && birth_date.is_none() {
        return Ok(None);
    }
    if !details.roles.contains(&Role::Learner) {
        return Err(
            "parents and a date of birth are given only for a learner: add the learner role or leave them empty"
                .into(),
        );
    }
    Ok(Some(FamilyPlan {
        line: record.line,
        child_email: details.email.clone(),
        parent_emails,
        birth_date,
    }))
}

fn changes(existing: &Person, to: &PersonDetails) -> Vec<Change> {
    let mut out = Vec::new();
    if existing.name != to.name {
        out.push(Change::Name {
            from: existing.name.clone(),
            to: to.name.clone(),
        });
    }
    if existing.roles != to.roles {
        out.push(Change::Roles {
            from: existing.roles.clone(),
            to: to.roles.clone(),
        });
    }
    if existing.groups != to.groups {
        out.push(Change::Groups {
            from: existing.groups.clone(),
            to: to.groups.clone(),
        });
    }
    out
}

/// Reads the file and plans every row against the organisation's people. Writes nothing.
///
/// Reads the organisation's whole people list once (a few paged queries) rather than one lookup
/// per row: a 2,000-row file costs a handful of round trips, not 4,000.
pub async fn preview<S: Store>(
    store: &S,
    org: &OrgId,
    text: &str,
) -> Result<ImportPreview, ImportError> {
    preview_with(store, org, text, false).await
}

/// [`preview`] for the platform's own seeding (the demo people at start-up), which may give
/// safeguarding roles: an admin's import may not (those are given one at a time on the person's
/// page, where each change is recorded and the safeguarding leads are told).
pub async fn preview_seed<S: Store>(
    store: &S,
    org: &OrgId,
    text: &str,
) -> Result<ImportPreview, ImportError> {
    preview_with(store, org, text, true).await
}

async fn preview_with<S: Store>(
    store: &S,
    org: &OrgId,
    text: &str,
    allow_safeguarding: bool,
) -> Result<ImportPreview, ImportError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(text.len()));
    }
    let records = parse_csv(text)?;
    let Some((header, rows)) = records.split_first() else {
        return Err(ImportError::Empty);
    };
    let cols = read_header(header)?;
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }

    let existing: HashMap<String, Person> = people::list_all(store, org)
        .await?
        .into_iter()
        .map(|p| (p.email.clone(), p))
        .collect();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    // Emails of the file's rows (without errors so far) that will be parents.
    let mut parents_in_file: HashMap<String, usize> = HashMap::new();
    let mut family = Vec::new();
    let today = Utc::now().date_naive();
    let mut plans = Vec::with_capacity(rows.len());
    for (n, record) in rows.iter().enumerate() {
        let line = record.line;
        if n >= MAX_ROWS {
            plans.push(RowPlan::Error {
                line,
                reason: format!(
                    "over the {MAX_ROWS}-row limit of one import: import the rest in a second file"
                ),
            });
            continue;
        }
        let details = match read_row(&cols, record) {
            Ok(d) => d,
            Err(reason) => {
                plans.push(RowPlan::Error { line, reason });
                continue;
            }
        };
        if let Some(first) = first_line_of.get(&details.email) {
            plans.push(RowPlan::Error {
                line,
                reason: format!("the same email is also on line {first}"),
            });
            continue;
        }
        first_line_of.insert(details.email.clone(), line);
        let family_plan = match read_family(&cols, record, &details, today) {
            Ok(f) => f,
            Err(reason) => {
                plans.push(RowPlan::Error { line, reason });
                continue;
            }
        };
        if let Some(f) = &family_plan {
            let missing = f.parent_emails.iter().find(|e| {
                let existing_parent = existing
                    .get(*e)
                    .is_some_and(|p| p.active && p.roles.contains(&Role::Parent));
                !existing_parent && !parents_in_file.contains_key(*e)
            });
            if let Some(e) = missing {
                plans.push(RowPlan::Error {
                    line,
                    reason: format!(
                        "the parent {e} is not an active parent or carer here, nor on an earlier line of this file with the parent role"
                    ),
                });
                continue;
            }
        }
        let sg = |roles: &[Role]| -> Vec<Role> {
            roles
                .iter()
                .copied()
                .filter(|r| crate::roles::SAFEGUARDING_ROLES.contains(r))
                .collect()
        };
        let before_sg = existing
            .get(&details.email)
            .map(|p| sg(&p.roles))
            .unwrap_or_default();
        if !allow_safeguarding && sg(&details.roles) != before_sg {
            plans.push(RowPlan::Error {
                line,
                reason: "safeguarding roles (DSL, deputy DSL, allegations lead, chair) are given or taken on the person's page, one at a time, where each change is recorded and the DSL, allegations lead and chair are told: the row was left out".into(),
            });
            continue;
        }
        let plan = match existing.get(&details.email) {
            None => RowPlan::New {
                line,
                person: details,
            },
            Some(p) if !p.active => RowPlan::Error {
                line,
                reason: "this person has been deactivated; the row was left out".into(),
            },
            Some(p) => {
                let changes = changes(p, &details);
                if changes.is_empty() {
                    RowPlan::Unchanged {
                        line,
                        person_id: p.id.clone(),
                    }
                } else {
                    RowPlan::Update {
                        line,
                        person_id: p.id.clone(),
                        version: p.version,
                        changes,
                        to: details,
                    }
                }
            }
        };
        if !matches!(plan, RowPlan::Error { .. }) {
            if let Some(f) = family_plan {
                family.push(f);
            }
            if details_is_parent(&plan) {
                parents_in_file.insert(plan_email(&plan), line);
            }
        }
        plans.push(plan);
    }
    Ok(ImportPreview {
        org: org.clone(),
        rows: plans,
        family,
    })
}

/// Whether the row, once written, makes a parent.
fn details_is_parent(plan: &RowPlan) -> bool {
    match plan {
        RowPlan::New { person, .. } => person.roles.contains(&Role::Parent),
        RowPlan::Update { to, .. } => to.roles.contains(&Role::Parent),
        // Unchanged: already in `existing` with their roles.
        RowPlan::Unchanged { .. } | RowPlan::Error { .. } => false,
    }
}

fn plan_email(plan: &RowPlan) -> String {
    match plan {
        RowPlan::New { person, .. } => person.email.clone(),
        RowPlan::Update { to, .. } => to.email.clone(),
        RowPlan::Unchanged { .. } | RowPlan::Error { .. } => String::new(),
    }
}

/// Makes a row's family links and records its date of birth, once its person is written:
/// resolves the emails (now all in the store), then links. Returns why it could not, if so.
pub(crate) async fn apply_family<S: Store>(
    store: &S,
    org: &OrgId,
    plan: &FamilyPlan,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Option<RowFailure>, ImportError> {
    use super::family::{self, FamilyError};
    let fail = |reason: String| {
        Ok(Some(RowFailure {
            line: plan.line,
            reason,
        }))
    };
    let Some(child) = people::find_by_email(store, org, &plan.child_email).await? else {
        return fail("the person was not added, so no parent was linked".into());
    };
    for email in &plan.parent_emails {
        let Some(parent) = people::find_by_email(store, org, email).await? else {
            return fail(format!(
                "the parent {email} was not added, so was not linked"
            ));
        };
        match family::link_people(store, &parent, &child, by, now).await {
            Ok(()) => {}
            Err(FamilyError::Store(e)) => return Err(e.into()),
            Err(FamilyError::People(PeopleError::Store(e))) => return Err(e.into()),
            Err(e) => {
                return fail(format!(
                    "added, but not linked to {email}: {}",
                    e.user_message()
                ));
            }
        }
    }
    if let Some(date) = plan.birth_date {
        match family::set_birth_date_of(store, &child, Some(date), by, now).await {
            Ok(()) => {}
            Err(FamilyError::Store(e)) => return Err(e.into()),
            Err(e) => {
                return fail(format!(
                    "added, but the date of birth was not recorded: {}",
                    e.user_message()
                ));
            }
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// Apply

/// A row that was not written, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFailure {
    pub line: usize,
    pub reason: String,
}

/// What an import did. `created + updated + unchanged + failed` is the number of rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows with an error in the preview, or refused when written.
    pub failed: usize,
    pub failures: Vec<RowFailure>,
    /// Write requests sent to the store (each a transaction).
    pub store_writes: usize,
    /// Items written by those requests.
    pub items_written: usize,
    /// Rows whose person was written but whose family link could not be made (not counted in
    /// `failed`: the row's person is in `created`, `updated` or `unchanged`).
    pub family_failures: Vec<RowFailure>,
}

impl ImportResult {
    /// Sorts the failures by line and counts them.
    pub(crate) fn finish(&mut self) {
        self.failures.sort_by_key(|f| f.line);
        self.failed = self.failures.len();
    }
}

/// One row's writes, kept together in one transaction.
pub(crate) struct Unit {
    line: usize,
    person_id: String,
    /// For an update: the version it applies to and the details it sets. `None`: a new person.
    update: Option<(u64, PersonDetails)>,
    /// For a new person: the person it makes.
    created: Option<Person>,
    ops: Vec<TxOp>,
}

impl Unit {
    /// Why the row's write was refused, from which of its operations failed.
    fn refusal(&self, failed: &[usize]) -> String {
        match self.update {
            None if failed.contains(&1) => {
                "someone with this email was added since the preview".into()
            }
            None => "the person could not be created".into(),
            Some(_) => "this person was changed since the preview: preview the file again".into(),
        }
    }
}

/// Turns one planned row into its writes, or counts it when there is nothing to write.
/// `new_id` is the id a new person gets (a job plans it once, so that applying the row again
/// finds the person it made); `None` makes a fresh one.
pub(crate) fn plan_unit(
    org: &OrgId,
    row: &RowPlan,
    new_id: Option<&str>,
    now: DateTime<Utc>,
    result: &mut ImportResult,
) -> Option<Unit> {
    let fail = |result: &mut ImportResult, line: usize, reason: String| {
        result.failures.push(RowFailure { line, reason });
        None
    };
    match row {
        RowPlan::New { line, person } => match person.revalidate() {
            Ok(details) => {
                let mut p = people::new_person(org, details, now);
                if let Some(id) = new_id {
                    p.id = id.to_string();
                }
                Some(Unit {
                    line: *line,
                    person_id: p.id.clone(),
                    update: None,
                    ops: people::create_ops(&p),
                    created: Some(p),
                })
            }
            Err(e) => fail(result, *line, e.to_string()),
        },
        RowPlan::Update {
            line,
            person_id,
            version,
            to,
            ..
        } => match to.revalidate() {
            Ok(details) => Some(Unit {
                line: *line,
                person_id: person_id.clone(),
                ops: vec![people::update_details_op(
                    org, person_id, *version, &details, now,
                )],
                update: Some((*version, details)),
                created: None,
            }),
            Err(e) => fail(result, *line, e.to_string()),
        },
        RowPlan::Unchanged { .. } => {
            result.unchanged += 1;
            None
        }
        RowPlan::Error { line, reason } => fail(result, *line, reason.clone()),
    }
}

fn count_error(e: crate::counters::CountError) -> ImportError {
    match e {
        crate::counters::CountError::Store(s) => ImportError::from(s),
        other => ImportError::from(StoreError::Backend(other.to_string())),
    }
}

/// Whether a refused row's write is already in the store: its new person exists (ids are
/// planned per row, so only this row made it), or its update is exactly one version on and
/// holds the row's details. Read only for refused rows.
async fn already_written<S: Store>(
    store: &S,
    org: &OrgId,
    unit: &Unit,
) -> Result<bool, ImportError> {
    let person = match people::get(store, org, &unit.person_id).await {
        Ok(p) => p,
        Err(PeopleError::NotFound) => return Ok(false),
        Err(PeopleError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(e.into()),
    };
    Ok(match &unit.update {
        None => true,
        Some((version, to)) => {
            person.version == version + 1
                && person.name == to.name
                && person.roles == to.roles
                && person.groups == to.groups
        }
    })
}

/// Writes the units in transactions of up to [`BATCH_OPS`] operations. `progress(done, total)`
/// is called before the first write and after each transaction. A row whose write is refused
/// but is found already written (applied before, e.g. by an interrupted attempt) counts as
/// written, so applying the same planned rows again adds nobody twice and counts the same.
pub(crate) async fn write_units<S: Store>(
    store: &S,
    org: &OrgId,
    units: &[Unit],
    result: &mut ImportResult,
    mut progress: impl FnMut(usize, usize),
) -> Result<(), ImportError> {
    let total = units.len();
    let mut done = 0;
    progress(done, total);
    // An update that changes someone's roles or groups moves their dashboard counters in the
    // same transaction (read now: one read per updated row, one query when the cohort changes).
    let mut units_with_moves = Vec::with_capacity(units.len());
    // A new person's "not started" entries in the lists behind the dashboard's numbers.
    let indexed = if units.iter().any(|u| u.created.is_some()) {
        crate::counters::not_started_items(store, org)
            .await
            .map_err(count_error)?
    } else {
        Vec::new()
    };
    for unit in units {
        let mut ops = unit.ops.clone();
        if let Some(person) = &unit.created {
            ops.extend(crate::counters::not_started_puts(person, &indexed));
        }
        if let Some((version, to)) = &unit.update {
            match people::get(store, org, &unit.person_id).await {
                Ok(before) if before.version == *version && before.active => {
                    // The index of safeguarding roles, the dashboard's counters and the lists
                    // behind its numbers follow a new name, roles or groups.
                    let after = people::Person {
                        name: to.name.clone(),
                        roles: to.roles.clone(),
                        groups: to.groups.clone(),
                        version: before.version + 1,
                        ..before.clone()
                    };
                    ops.extend(super::safeguarders::index_op(Some(&before), &after));
                    let moves = crate::counters::person_moves(
                        store,
                        org,
                        &unit.person_id,
                        Some(&before),
                        Some(&after),
                    )
                    .await
                    .map_err(count_error)?;
                    ops.extend(moves);
                }
                // Changed or gone since the preview: the row's own condition refuses it.
                Ok(_) | Err(PeopleError::NotFound) => {}
                Err(PeopleError::Store(e)) => return Err(e.into()),
                Err(e) => return Err(e.into()),
            }
        }
        units_with_moves.push((unit, ops));
    }
    let mut rest = &units_with_moves[..];
    while !rest.is_empty() {
        // Counted as merged: the counter updates of a cohort become one operation.
        let mut take = 0;
        let mut ops = 0;
        let mut counters = std::collections::BTreeSet::new();
        while take < rest.len() {
            let unit_ops = &rest[take].1;
            let new_counters: std::collections::BTreeSet<_> = unit_ops
                .iter()
                .filter_map(|op| match op {
                    TxOp::Update { key, .. } if key.pk.ends_with("#AGG") => Some(key.clone()),
                    _ => None,
                })
                .filter(|k| !counters.contains(k))
                .collect();
            let others = unit_ops
                .iter()
                .filter(|op| !matches!(op, TxOp::Update { key, .. } if key.pk.ends_with("#AGG")))
                .count();
            if ops + others + new_counters.len() > BATCH_OPS {
                break;
            }
            ops += others + new_counters.len();
            counters.extend(new_counters);
            take += 1;
        }
        let (batch, tail) = rest.split_at(take.max(1));
        rest = tail;
        // People of one cohort share its counter: one update per counter item per transaction.
        let all: Vec<TxOp> = crate::counters::merge_counter_updates(
            batch
                .iter()
                .flat_map(|(_, ops)| ops.iter().cloned())
                .collect(),
        );
        let count = all.len();
        result.store_writes += 1;
        match store.transact(all).await {
            Ok(()) => {
                result.items_written += count;
                for (unit, _) in batch {
                    record_written(result, unit);
                }
            }
            // One row's condition failed and cancelled the batch: write the rows one by one so
            // only that row is refused.
            Err(StoreError::TransactionConditionFailed { .. }) => {
                for (unit, ops) in batch {
                    result.store_writes += 1;
                    match store.transact(ops.clone()).await {
                        Ok(()) => {
                            result.items_written += ops.len();
                            record_written(result, unit);
                        }
                        Err(StoreError::TransactionConditionFailed { failed }) => {
                            if already_written(store, org, unit).await? {
                                record_written(result, unit);
                            } else {
                                result.failures.push(RowFailure {
                                    line: unit.line,
                                    reason: unit.refusal(&failed),
                                })
                            }
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Err(e) => {
                tracing::error!(%org, error = %e, done, total, "import stopped");
                return Err(e.into());
            }
        }
        done += batch.len();
        progress(done, total);
    }
    Ok(())
}

/// Writes the rows of the preview that have no error, in one go. `progress(done, total)` is
/// called before the first write and after each transaction, with rows to write as the unit.
/// The admin pages import through a job instead ([`super::import_job`]), which spreads the
/// work over requests and survives interruptions.
pub async fn apply<S: Store>(
    store: &S,
    org: &OrgId,
    preview: &ImportPreview,
    now: DateTime<Utc>,
    progress: impl FnMut(usize, usize),
) -> Result<ImportResult, ImportError> {
    if preview.org != *org {
        return Err(ImportError::WrongOrganisation);
    }
    let mut result = ImportResult::default();
    let units: Vec<Unit> = preview
        .rows
        .iter()
        .filter_map(|row| plan_unit(org, row, None, now, &mut result))
        .collect();
    write_units(store, org, &units, &mut result, progress).await?;
    for plan in &preview.family {
        if result.failures.iter().any(|f| f.line == plan.line) {
            continue;
        }
        if let Some(failure) = apply_family(store, org, plan, "import", now).await? {
            result.family_failures.push(failure);
        }
    }
    result.finish();
    tracing::info!(
        %org,
        created = result.created,
        updated = result.updated,
        unchanged = result.unchanged,
        failed = result.failed,
        store_writes = result.store_writes,
        "people imported"
    );
    Ok(result)
}

fn record_written(result: &mut ImportResult, unit: &Unit) {
    if unit.update.is_none() {
        result.created += 1;
    } else {
        result.updated += 1;
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    fn fields(text: &str) -> Vec<(usize, Vec<String>)> {
        parse_csv(text)
            .unwrap()
            .into_iter()
            .map(|r| {
                assert_eq!(r.problem, None, "line {}", r.line);
                (r.line, r.fields)
            })
            .collect()
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let text = "\u{feff}a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",z\n\nlast,\"\"";
        assert_eq!(
            fields(text),
            vec![
                (1, vec!["a".to_string(), "b".into()]),
                (2, vec!["x, y".into(), "say \"hi\"".into()]),
                (3, vec!["two\nlines".into(), "z".into()]),
                (6, vec!["last".into(), "".into()]),
            ]
        );
    }

    #[test]
    fn lone_cr_and_missing_final_newline_are_read() {
        assert_eq!(
            fields("a,b\rc,d"),
            vec![
                (1, vec!["a".to_string(), "b".into()]),
                (2, vec!["c".into(), "d".into()])
            ]
        );
    }

    #[test]
    fn stray_quotes_mark_only_their_row() {
        let records = parse_csv("a,b\nx\"y,z\n\"q\"r,s\nok,fine\n").unwrap();
        assert_eq!(records.len(), 4);
        assert!(records[1].problem.is_some());
        assert!(records[2].problem.is_some());
        assert_eq!(records[3].fields, vec!["ok", "fine"]);
        assert_eq!(records[3].line, 4);
    }

    #[test]
    fn an_unclosed_quote_is_a_file_error_with_its_line() {
        assert_eq!(
            parse_csv("a,b\nc,\"never closed\nmore\n"),
            Err(ImportError::Malformed {
                line: 2,
                reason: "a value starts with a quote mark that is never closed".into()
            })
        );
    }
}
