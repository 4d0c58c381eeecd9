//! The completion matrix: one row per active person of the organisation (by name), with their
//! name, email, roles and groups, then five columns per module and AUP of the content:
//! `<id> status`, `<id> version`, `<id> completed`, `<id> valid until`, `<id> score`. An item
//! the person does not have to do says `not required` (in its status column; the other four
//! are empty). Statuses: `done`, `expiring soon`, `expired`, `new version to do`,
//! `in progress`, `not started`.
//!
//! Last, `easy read`: whether the person reads the easy-read versions, and why
//! ([`crate::learning::easy_read`]): `no`, `yes: chosen` (by themselves), `yes: assigned by
//! <name>` (a DSL, deputy or admin), `yes: group <group>` (a group of theirs is set to easy
//! read). Added at the end so the columns before it keep their places.

use super::csv::CsvWriter;
use super::{Cell, ExportError, NOT_REQUIRED, Standings, csv_date, people_page, status_text};
use crate::identity::Person;
use crate::learning::Setting;
use crate::learning::easy_read::{self, Because, ReadingLevel};
use crate::learning_state::ItemKind;
use crate::org::OrgId;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The columns about the person, first.
pub const PERSON_COLUMNS: [&str; 4] = ["name", "email", "roles", "groups"];
/// The columns of each item, after its id.
pub const ITEM_COLUMNS: [&str; 5] = ["status", "version", "completed", "valid until", "score"];

/// The last column: whether the person reads easy read, and why.
pub const EASY_READ_COLUMN: &str = "easy read";

/// The completion matrix, ready to be written page by page of people.
pub struct Matrix<'a> {
    pub standings: Standings<'a>,
    /// Everyone's own reading level, by person id (those who have one).
    levels: HashMap<String, ReadingLevel>,
    /// The groups set to easy read.
    easy_read_groups: Vec<String>,
}

/// The `easy read` cell of a person.
pub fn easy_read_cell(
    person: &Person,
    own: Option<&ReadingLevel>,
    easy_read_groups: &[String],
) -> String {
    let reading = easy_read::decide(own.cloned(), person, easy_read_groups);
    if !reading.easy_read {
        return "no".into();
    }
    match reading.because {
        Because::Chosen => "yes: chosen".into(),
        Because::Assigned { by } => format!("yes: assigned by {by}"),
        Because::Group(g) => format!("yes: group {g}"),
        // Not reached (easy read is always someone's or a group's decision).
        Because::Default => "yes".into(),
    }
}

impl<'a> Matrix<'a> {
    /// Reads where everyone stands on every module and AUP (one pass per item), and everyone's
    /// reading level (one pass, and one read of the groups set to easy read).
    pub async fn load<S: Store>(
        store: &S,
        setting: Setting<'a>,
        org: &OrgId,
        now: DateTime<Utc>,
    ) -> Result<Matrix<'a>, ExportError> {
        let standings =
            Standings::load(store, setting, org, &[ItemKind::Module, ItemKind::Aup], now).await?;
        Ok(Matrix {
            standings,
            levels: easy_read::levels_of_org(store, org).await?,
            easy_read_groups: easy_read::easy_read_groups(store, org).await?,
        })
    }

    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = PERSON_COLUMNS.iter().map(|c| c.to_string()).collect();
        for col in &self.standings.columns {
            h.extend(ITEM_COLUMNS.iter().map(|c| format!("{} {c}", col.item.id)));
        }
        h.push(EASY_READ_COLUMN.to_string());
        h
    }

    /// Writes the header record.
    pub fn write_header(&self, w: &mut CsvWriter) {
        w.record(&self.header());
    }

    /// Writes the rows of the active people of this organisation among `people`; returns how
    /// many.
    pub fn write_rows(&self, people: &[Person], w: &mut CsvWriter) -> usize {
        let mut rows = 0;
        for person in people.iter().filter(|p| p.active) {
            let Some(required) = self.standings.required_of(person) else {
                continue;
            };
            let mut record: Vec<String> = vec![
                person.name.clone(),
                person.email.clone(),
                person
                    .roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                person.groups.join("; "),
            ];
            for i in 0..self.standings.columns.len() {
                match self.standings.cell(person, &required, i) {
                    None => record.extend([
                        NOT_REQUIRED.to_string(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]),
                    Some(cell) => record.extend(cells_of(&cell)),
                }
            }
            record.push(easy_read_cell(
                person,
                self.levels.get(&person.id),
                &self.easy_read_groups,
            ));
            w.record(&record);
            rows += 1;
        }
        rows
    }
}

fn cells_of(cell: &Cell) -> [String; 5] {
    [
        status_text(cell.status).to_string(),
        cell.version.clone().unwrap_or_default(),
        cell.done_at.map(csv_date).unwrap_or_default(),
        cell.valid_until.map(csv_date).unwrap_or_default(),
        cell.score
            .map(|(score, out_of)| format!("{}%", (score * 100 + out_of / 2) / out_of.max(1)))
            .unwrap_or_default(),
    ]
}

/// The whole matrix as one CSV text (with the BOM), and the number of people rows. The web
/// layer streams it page by page instead; this is the same thing in one piece.
pub async fn matrix_csv<S: Store>(
    store: &S,
    setting: Setting<'_>,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<(String, usize), ExportError> {
    let matrix = Matrix::load(store, setting, org, now).await?;
    let mut w = CsvWriter::with_bom();
    matrix.write_header(&mut w);
    let mut rows = 0;
    let mut cursor = None;
    loop {
        let (people, next) = people_page(store, org, cursor).await?;
        rows += matrix.write_rows(&people, &mut w);
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok((w.finish(), rows))
}
