//! Evidence of completion for the people who check it (DSL, deputies, admins): the completion
//! matrix and the AUP signatures as CSV, and the printable evidence summary.
//!
//! * [`Standings::load`] reads where everyone stands on every module and AUP with one pass per
//!   item ([`crate::learning::roster::states_of`]: one query per 1 MB of states, never one per
//!   person, never a scan), and keeps only what the exports show (a few dozen bytes a cell:
//!   5,300 people × 17 items is a few MB);
//! * people come page by page from the organisation's people index
//!   ([`crate::identity::people::list`]), so a CSV is written one page of people at a time and
//!   the web layer can stream it ([`matrix::Matrix::write_rows`],
//!   [`signatures::Signatures::write_rows`]);
//! * every function takes the organisation and reads only its keys; a setting (profile) of
//!   another organisation is refused, and a person of another organisation is never written.
//!
//! Status rules are the learning core's ([`crate::learning::summary`]); what a person must do
//! is [`Required::of`]. Times are written in UK time.

pub mod csv;
pub mod evidence;
pub mod matrix;
pub mod signatures;

pub use evidence::{Evidence, ItemEvidence, Outstanding, evidence};
pub use matrix::{Matrix, matrix_csv};
pub use signatures::{Signatures, signatures_csv};

use crate::content::{Kind, Page};
use crate::dates;
use crate::identity::{PeopleError, Person, people};
use crate::learning::summary::{Status, evaluate_aup, evaluate_module};
use crate::learning::{LearningError, Required, Setting, roster};
use crate::learning_state::{ItemKind, ItemRef, Signature};
use crate::org::OrgId;
use crate::store::{Cursor, Store};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// People read per page when an export is written (one page, one chunk of a streamed CSV).
pub const PEOPLE_PAGE: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the setting is another organisation's")]
    WrongOrganisation,
    #[error(transparent)]
    Learning(#[from] LearningError),
    #[error(transparent)]
    People(#[from] PeopleError),
    #[error(transparent)]
    EasyRead(#[from] crate::learning::easy_read::EasyReadError),
}

impl ExportError {
    /// A plain message for the person. Details stay in the log.
    pub fn user_message(&self) -> String {
        match self {
            ExportError::WrongOrganisation => {
                "This export belongs to another organisation. Please sign in to your own organisation's site.".into()
            }
            _ => "Sorry, the export could not be made just now. Nothing was changed: please try again in a minute.".into(),
        }
    }
}

/// A module or AUP with a column group in the exports.
#[derive(Clone, Debug)]
pub struct Column<'a> {
    pub item: ItemRef,
    pub page: &'a Page,
}

/// Every module then every AUP of the content, in the content's order: the same columns in
/// every export (stable for spreadsheets that read them), whoever is in the organisation.
pub fn columns<'a>(setting: &Setting<'a>, kinds: &[ItemKind]) -> Vec<Column<'a>> {
    let mut out = Vec::new();
    for kind in kinds {
        let (content_kind, make): (Kind, fn(&str) -> ItemRef) = match kind {
            ItemKind::Module => (Kind::Module, ItemRef::module),
            ItemKind::Aup => (Kind::Aup, ItemRef::aup),
        };
        out.extend(setting.library.pages_of(content_kind).map(|page| Column {
            item: make(&page.id),
            page,
        }));
    }
    out
}

/// Where one person stands on one item they must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub status: Status,
    /// The version completed or signed.
    pub version: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// A module completion's score, out of.
    pub score: Option<(u32, u32)>,
    /// An AUP's latest signature.
    pub signature: Option<Box<Signature>>,
    /// A parent's or carer's co-signature of that signature (a child under 16).
    pub cosignature: Option<crate::learning_state::CoSignature>,
}

impl Cell {
    fn not_started() -> Cell {
        Cell {
            status: Status::NotStarted,
            version: None,
            done_at: None,
            valid_until: None,
            score: None,
            signature: None,
            cosignature: None,
        }
    }

    /// Done and still counting (expiring soon included).
    pub fn in_date(&self) -> bool {
        matches!(self.status, Status::Passed | Status::ExpiringSoon)
    }
}

/// Where everyone in the organisation stands on the chosen items, read once.
pub struct Standings<'a> {
    pub setting: Setting<'a>,
    pub org: OrgId,
    pub columns: Vec<Column<'a>>,
    pub now: DateTime<Utc>,
    /// By person id: one cell per column, `None` where nothing is stored.
    cells: HashMap<String, Vec<Option<Cell>>>,
}

impl<'a> Standings<'a> {
    /// Reads every stored state of each item of `kinds`: one pass per item.
    pub async fn load<S: Store>(
        store: &S,
        setting: Setting<'a>,
        org: &OrgId,
        kinds: &[ItemKind],
        now: DateTime<Utc>,
    ) -> Result<Standings<'a>, ExportError> {
        if setting.profile.id != *org {
            return Err(ExportError::WrongOrganisation);
        }
        let columns = columns(&setting, kinds);
        let n = columns.len();
        let mut cells: HashMap<String, Vec<Option<Cell>>> = HashMap::new();
        for (i, col) in columns.iter().enumerate() {
            for ps in roster::states_of(store, org, &col.item).await? {
                let cell = match col.item.kind {
                    ItemKind::Module => {
                        let m = ps.state.module();
                        let e = evaluate_module(col.page, m, now);
                        let c = m.and_then(|m| m.completion.as_ref());
                        Cell {
                            status: e.status,
                            version: e.done_version,
                            done_at: e.done_at,
                            valid_until: c
                                .and_then(|c| c.valid_until.as_deref())
                                .and_then(dates::parse),
                            score: c.map(|c| (c.score, c.out_of)),
                            signature: None,
                            cosignature: None,
                        }
                    }
                    ItemKind::Aup => {
                        let a = ps.state.aup();
                        let e = evaluate_aup(col.page, a, now);
                        let s = a.and_then(|a| a.signature.clone());
                        Cell {
                            status: e.status,
                            version: e.done_version,
                            done_at: e.done_at,
                            valid_until: s
                                .as_ref()
                                .and_then(|s| s.valid_until.as_deref())
                                .and_then(dates::parse),
                            score: None,
                            cosignature: a.and_then(|a| a.cosignature.clone()).filter(|c| {
                                s.as_ref().is_some_and(|s| s.signature_id == c.signature_id)
                            }),
                            signature: s.map(Box::new),
                        }
                    }
                };
                cells.entry(ps.person_id).or_insert_with(|| vec![None; n])[i] = Some(cell);
            }
        }
        Ok(Standings {
            setting,
            org: org.clone(),
            columns,
            now,
            cells,
        })
    }

    /// The person's standing on column `i`: `None` when they do not have to do it.
    pub fn cell(&self, person: &Person, required: &Required<'_>, i: usize) -> Option<Cell> {
        let col = &self.columns[i];
        let is_required = match col.item.kind {
            ItemKind::Module => required.module(&col.item.id).is_some(),
            ItemKind::Aup => required.aup(&col.item.id).is_some(),
        };
        if !is_required {
            return None;
        }
        Some(
            self.cells
                .get(&person.id)
                .and_then(|row| row[i].clone())
                .unwrap_or_else(Cell::not_started),
        )
    }

    /// The stored cell of column `i`, required or not (for the signatures: what was signed).
    pub fn stored(&self, person_id: &str, i: usize) -> Option<&Cell> {
        self.cells.get(person_id).and_then(|row| row[i].as_ref())
    }

    /// What the person must do (only a person of this organisation has any).
    pub fn required_of(&self, person: &Person) -> Option<Required<'a>> {
        (person.org == self.org).then(|| Required::of(&self.setting, person))
    }
}

/// One page of the organisation's people (by name), for writing an export page by page.
pub async fn people_page<S: Store>(
    store: &S,
    org: &OrgId,
    cursor: Option<Cursor>,
) -> Result<(Vec<Person>, Option<Cursor>), ExportError> {
    Ok(people::list(store, org, cursor, PEOPLE_PAGE).await?)
}

/// A status as the CSV writes it: stable, lower case.
pub fn status_text(status: Status) -> &'static str {
    match status {
        Status::NotStarted => "not started",
        Status::InProgress => "in progress",
        Status::Passed => "done",
        Status::ExpiringSoon => "expiring soon",
        Status::Expired => "expired",
        Status::DueAgain => "new version to do",
    }
}

/// What a cell of an item a person does not have to do says.
pub const NOT_REQUIRED: &str = "not required";

/// A date in a CSV: the UK calendar date, `2026-11-23` (sorts, and every spreadsheet reads it).
pub fn csv_date(t: DateTime<Utc>) -> String {
    dates::to_london(t).format("%Y-%m-%d").to_string()
}

/// A time in a CSV: UK time with its zone, `2026-11-23 10:00 GMT`.
pub fn csv_date_time(t: DateTime<Utc>) -> String {
    let zone = if dates::is_bst(t) { "BST" } else { "GMT" };
    format!("{} {zone}", dates::to_london(t).format("%Y-%m-%d %H:%M"))
}

/// The file name of an export: `completion-<org>-<UK date>.csv`.
pub fn file_name(what: &str, org: &OrgId, now: DateTime<Utc>) -> String {
    format!("{what}-{}-{}.csv", org.as_str(), csv_date(now))
}

#[cfg(test)]
mod tests;
