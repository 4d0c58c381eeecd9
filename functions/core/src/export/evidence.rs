//! The evidence summary for an inspection: for each module and AUP, how many people must do it,
//! how many have done it and it still counts (of which expiring within 30 days), how many are
//! overdue (expired, or a new version to do), in progress, not started; who is outstanding;
//! when it was made and by whom. Active people only.

use super::{Cell, ExportError, Standings, people_page};
use crate::dates;
use crate::identity::Person;
use crate::learning::Setting;
use crate::learning::summary::Status;
use crate::learning_state::ItemKind;
use crate::org::OrgId;
use crate::store::Store;
use chrono::{DateTime, Utc};

/// One person who has not done an item (or whose completion no longer counts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outstanding {
    pub name: String,
    pub email: String,
    pub status: Status,
    /// When it stopped counting (expired), in UK time.
    pub expired_on: Option<String>,
}

/// The numbers of one module or AUP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemEvidence {
    pub kind: ItemKind,
    pub id: String,
    pub title: String,
    pub version: String,
    /// People who must do it.
    pub assigned: usize,
    /// Done and still counting (includes `expiring`).
    pub done_in_date: usize,
    /// Done, but it stops counting within 30 days.
    pub expiring: usize,
    /// Expired, or done for an older version that must be done again.
    pub overdue: usize,
    pub in_progress: usize,
    pub not_started: usize,
    /// Everyone not done in date, by name.
    pub outstanding: Vec<Outstanding>,
}

/// The whole summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub org_name: String,
    /// Active people.
    pub people: usize,
    pub items: Vec<ItemEvidence>,
    pub generated_at: DateTime<Utc>,
    /// `generated_at` in UK time.
    pub generated_at_shown: String,
    pub generated_by: String,
}

/// Builds the summary for `by` (the person asking; named on it). One pass per item, and the
/// people page by page.
pub async fn evidence<S: Store>(
    store: &S,
    setting: Setting<'_>,
    org: &OrgId,
    by: &Person,
    now: DateTime<Utc>,
) -> Result<Evidence, ExportError> {
    if by.org != *org {
        return Err(ExportError::WrongOrganisation);
    }
    let standings =
        Standings::load(store, setting, org, &[ItemKind::Module, ItemKind::Aup], now).await?;
    let mut items: Vec<ItemEvidence> = standings
        .columns
        .iter()
        .map(|c| ItemEvidence {
            kind: c.item.kind,
            id: c.item.id.clone(),
            title: c.page.for_org(setting.profile).title,
            version: c.page.version.clone(),
            assigned: 0,
            done_in_date: 0,
            expiring: 0,
            overdue: 0,
            in_progress: 0,
            not_started: 0,
            outstanding: Vec::new(),
        })
        .collect();
    let mut active = 0;
    let mut cursor = None;
    loop {
        let (people, next) = people_page(store, org, cursor).await?;
        for person in people.iter().filter(|p| p.active) {
            let Some(required) = standings.required_of(person) else {
                continue;
            };
            active += 1;
            for (i, item) in items.iter_mut().enumerate() {
                if let Some(cell) = standings.cell(person, &required, i) {
                    count(item, person, &cell);
                }
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // Items nobody must do say nothing: leave them out.
    items.retain(|i| i.assigned > 0);
    Ok(Evidence {
        org_name: setting.profile.name.clone(),
        people: active,
        items,
        generated_at: now,
        generated_at_shown: dates::show_date_time(now),
        generated_by: by.name.clone(),
    })
}

fn count(item: &mut ItemEvidence, person: &Person, cell: &Cell) {
    item.assigned += 1;
    match cell.status {
        Status::Passed => item.done_in_date += 1,
        Status::ExpiringSoon => {
            item.done_in_date += 1;
            item.expiring += 1;
        }
        Status::Expired | Status::DueAgain => item.overdue += 1,
        Status::InProgress => item.in_progress += 1,
        Status::NotStarted => item.not_started += 1,
    }
    if !cell.in_date() {
        item.outstanding.push(Outstanding {
            name: person.name.clone(),
            email: person.email.clone(),
            status: cell.status,
            expired_on: (cell.status == Status::Expired)
                .then(|| cell.valid_until.map(dates::show_date))
                .flatten(),
        });
    }
}
