//! The people behind one number of the dashboard: everyone the item is required of (in the
//! filter) who stands where asked, judged by the same [`standing`] as the numbers. Each
//! standing is one range of the item's index of states by counter (`keys::standing`, kept with
//! the counters): in progress, done by the day it stops counting, and "not started" (an entry
//! per active person with no counted state): a couple of round trips whatever the
//! organisation's size. An index not built yet, or an item added to the content since it was
//! (for "not started"), reads the people list and the item's state lists instead (a query per
//! MB of each), never a query per person.

use super::{ComplianceError, Filter, Standing, cohort_person, library_items, standing, uk_day};
use crate::counters::{Cohort, Counter, NOT_STARTED, StandingRecord, counter_of};
use crate::dates;
use crate::identity::people;
use crate::keys;
use crate::learning::{Required, Setting, roster};
use crate::learning_state::{ItemRef, StoredState};
use crate::roles::Role;
use crate::store::Query;
use chrono::{DateTime, Duration, NaiveDate, Utc};
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

/// Whether `item` is required of a cohort (remembered per cohort).
struct RequiredOf<'a, 's> {
    setting: &'a Setting<'s>,
    item: &'a ItemRef,
    seen: HashMap<String, bool>,
}

impl RequiredOf<'_, '_> {
    fn of(&mut self, cohort: &Cohort) -> bool {
        let (setting, item) = (self.setting, self.item);
        *self.seen.entry(cohort.id()).or_insert_with(|| {
            let r = Required::of(setting, &cohort_person(&setting.profile.id, cohort));
            r.modules
                .iter()
                .chain(r.aups.iter())
                .any(|page| page.id == item.id && page.kind == item_kind(item))
        })
    }
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
    let indexed = crate::counters::standings_built(store, org)
        .await?
        .is_some_and(|built| {
            // "Not started" (alone, or in every standing) needs the item's own entries.
            wanted.is_some_and(|w| w != Standing::NotStarted)
                || built.not_started.contains(&item.key_part())
        });
    if !indexed {
        return people_in_by_reading_everyone(store, setting, item, wanted, filter, now).await;
    }
    let today = uk_day(now);
    let day = |d: NaiveDate| d.to_string();
    let ahead = today + Duration::days(filter.within_days);
    // The range of sort keys ([`Counter::sort_key`], [`NOT_STARTED`]) that holds the standing:
    // every entry read is still judged by [`standing`], so the range only has to hold them all.
    let range: Option<(String, String)> = wanted.map(|wanted| match wanted {
        Standing::NotStarted => (format!("{NOT_STARTED}#"), format!("{NOT_STARTED}#~")),
        Standing::InProgress => ("started#".to_string(), "started#~".to_string()),
        Standing::Expired => (
            "d#".into(),
            format!("d#{}#~", day(today - Duration::days(1))),
        ),
        Standing::Expiring => (format!("d#{}", day(today)), format!("d#{}#~", day(ahead))),
        Standing::InDate => (
            format!("d#{}", day(ahead + Duration::days(1))),
            "d#~".into(),
        ),
        Standing::NewVersionDue => ("d#".into(), "d#~".into()),
    });
    let mut required = RequiredOf {
        setting,
        item,
        seen: HashMap::new(),
    };
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let mut query = Query::partition(keys::standings(org, &item.key_part()))
            .limit(1000)
            .after(cursor);
        if let Some((from, to)) = &range {
            // Every standing at once is the whole partition.
            query = query.between(from.clone(), to.clone());
        }
        let result = store.query(&query).await?;
        for entry in &result.items {
            let r: StandingRecord = crate::store::record::from_item(entry)
                .map_err(|e| ComplianceError::Corrupt(e.to_string()))?;
            let cohort = Cohort {
                roles: r.roles.clone(),
                groups: r.groups.clone(),
            };
            let counter = match Counter::parse(&r.counter) {
                Some(c) => Some(c),
                None if r.counter == NOT_STARTED => None,
                None => {
                    return Err(ComplianceError::Corrupt(format!(
                        "a standing entry has the counter `{}`",
                        r.counter
                    )));
                }
            };
            let s = counter.as_ref().map_or(Standing::NotStarted, |c| {
                standing(page, c, today, filter.within_days)
            });
            if !filter.takes(&cohort) || !required.of(&cohort) || wanted.is_some_and(|w| w != s) {
                continue;
            }
            let (version, done_at, until) = match &counter {
                Some(Counter::Done { version, until }) => (
                    Some(version.clone()),
                    r.done_at
                        .as_deref()
                        .and_then(dates::parse)
                        .map(dates::show_date),
                    *until,
                ),
                _ => (None, None, None),
            };
            out.push(ListedPerson {
                person_id: r.person_id,
                name: r.name,
                email: r.email,
                roles: r.roles,
                groups: r.groups,
                standing: s,
                version,
                done_at,
                until,
            });
        }
        match result.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.sort_by_key(|p| p.name.to_lowercase());
    Ok(out)
}

/// [`people_in`] from the people list and the item's state lists (a query per MB of each):
/// what the index must always agree with (the tests compare them), and how a list is found
/// while the index is not built (for "not started": an item added to the content since).
pub async fn people_in_by_reading_everyone<S: crate::store::Store>(
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
    let mut required = RequiredOf {
        setting,
        item,
        seen: HashMap::new(),
    };
    let mut out = Vec::new();
    for p in people::list_all(store, org).await? {
        let cohort = Cohort::of(&p);
        if !p.active || !filter.takes(&cohort) || !required.of(&cohort) {
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
