//! The people behind one number of the dashboard: everyone the item is required of (in the
//! filter) who stands where asked. Reads the people list and the item's state lists (a query per
//! MB of each), never a query per person; judged by the same [`standing`] as the numbers.

use super::{ComplianceError, Filter, Standing, cohort_person, library_items, standing, uk_day};
use crate::counters::{Cohort, counter_of};
use crate::dates;
use crate::identity::people;
use crate::learning::{Required, Setting, roster};
use crate::learning_state::{ItemRef, StoredState};
use crate::roles::Role;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// One person in a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedPerson {
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
    pub standing: Standing,
    /// The version they completed or signed, when they did.
    pub version: Option<String>,
    /// When, in UK time.
    pub done_at: Option<String>,
    /// The UK day it stops counting (none: never, or not done).
    pub until: Option<NaiveDate>,
}

/// The people the item is required of, in the filter, standing as `wanted` (every standing
/// when `None`), by name.
pub async fn people_in<S: crate::store::Store>(
    store: &S,
    setting: &Setting<'_>,
    item: &ItemRef,
    wanted: Option<Standing>,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<ListedPerson>, ComplianceError> {
    let org = &setting.profile.id;
    let page = library_items(setting.library)
        .into_iter()
        .find(|(i, _)| i == item)
        .map(|(_, p)| p)
        .ok_or(ComplianceError::UnknownItem)?;
    let today = uk_day(now);
    let states: HashMap<String, StoredState> = roster::states_of(store, org, item)
        .await?
        .into_iter()
        .map(|ps| (ps.person_id, ps.state))
        .collect();
    let mut required: HashMap<String, bool> = HashMap::new();
    let mut out = Vec::new();
    for p in people::list_all(store, org).await? {
        let cohort = Cohort::of(&p);
        if !p.active || !filter.takes(&cohort) {
            continue;
        }
        let is_required = *required.entry(cohort.id()).or_insert_with(|| {
            let r = Required::of(setting, &cohort_person(org, &cohort));
            r.modules
                .iter()
                .chain(r.aups.iter())
                .any(|page| page.id == item.id && page.kind == item_kind(item))
        });
        if !is_required {
            continue;
        }
        let state = states.get(&p.id);
        let counter = state.and_then(counter_of);
        let s = counter.as_ref().map_or(Standing::NotStarted, |c| {
            standing(page, c, today, filter.within_days)
        });
        if wanted.is_some_and(|w| w != s) {
            continue;
        }
        let (version, done_at, until) = match (state, &counter) {
            (Some(st), Some(crate::counters::Counter::Done { version, until })) => {
                let at = st
                    .module()
                    .and_then(|m| m.completion.as_ref().map(|c| c.completed_at.clone()))
                    .or_else(|| {
                        st.aup()
                            .and_then(|a| a.signature.as_ref().map(|s| s.signed_at.clone()))
                    });
                (
                    Some(version.clone()),
                    at.as_deref().and_then(dates::parse).map(dates::show_date),
                    *until,
                )
            }
            _ => (None, None, None),
        };
        out.push(ListedPerson {
            person_id: p.id,
            name: p.name,
            email: p.email,
            roles: p.roles,
            groups: p.groups,
            standing: s,
            version,
            done_at,
            until,
        });
    }
    out.sort_by_key(|p| p.name.to_lowercase());
    Ok(out)
}

fn item_kind(item: &ItemRef) -> crate::content::Kind {
    match item.kind {
        crate::learning::ItemKind::Module => crate::content::Kind::Module,
        crate::learning::ItemKind::Aup => crate::content::Kind::Aup,
    }
}
