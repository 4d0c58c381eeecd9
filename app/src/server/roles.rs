//! The safeguarding roles record: every change to a role that reads worries (DSL, deputy DSL,
//! allegations lead, chair), for the DSL, the allegations lead and the chair. The rules (who
//! may read it, what is recorded) are in `safety_core::governance`.

use super::Viewer;
use super::worries::time_for_people;
use safety_core::governance;
use safety_core::roles::Role;

/// How many changes the page lists (newest first).
pub const SHOWN: usize = 200;

/// One change, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleChangeRow {
    pub when: String,
    pub by: String,
    pub person: String,
    pub given: Vec<String>,
    pub removed: Vec<String>,
}

/// What the record page shows.
#[derive(Clone, Debug, Default)]
pub struct RolesRecordView {
    pub rows: Vec<RoleChangeRow>,
    /// Whether there may be older changes than those shown.
    pub more: bool,
    pub error: Option<String>,
}

/// Whether the person may read the record (the page and its link).
pub fn may_read(viewer: &Viewer) -> bool {
    governance::may_read_record(&viewer.person)
}

fn labels(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|r| r.label().to_string()).collect()
}

/// The record, newest first; `None` when the viewer may not read it.
pub async fn record(site: &super::SiteState, viewer: &Viewer) -> Option<RolesRecordView> {
    match governance::record(&site.store, &site.org_id, &viewer.person, SHOWN).await {
        Ok(None) => None,
        Ok(Some(changes)) => Some(RolesRecordView {
            more: changes.len() >= SHOWN,
            rows: changes
                .into_iter()
                .map(|c| RoleChangeRow {
                    when: time_for_people(c.at),
                    by: c.by_name,
                    person: c.person_name,
                    given: labels(&c.added),
                    removed: labels(&c.removed),
                })
                .collect(),
            error: None,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "the safeguarding roles record could not be read");
            Some(RolesRecordView {
                error: Some(
                    "Sorry, the record could not be read just now. Please reload the page in a minute."
                        .into(),
                ),
                ..RolesRecordView::default()
            })
        }
    }
}
