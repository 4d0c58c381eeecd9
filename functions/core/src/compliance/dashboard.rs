//! The organisation's numbers, from the maintained counters: one query of the aggregate
//! partition (a page per MB; a few items per cohort and item), whatever the number of people.

use super::{
    ComplianceError, Standing, cohort_person, counters_in, item_of, library_items, standing, uk_day,
};
use crate::counters::{AggregateRecord, Cohort};
use crate::keys;
use crate::learning::{Required, Setting};
use crate::learning_state::{ItemKind, ItemRef};
use crate::roles::Role;
use crate::store::{Item, Query, Store};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which part of the organisation to count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub role: Option<Role>,
    pub group: Option<String>,
    pub item: Option<ItemRef>,
    /// "Expiring" looks this many days ahead.
    pub within_days: i64,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            role: None,
            group: None,
            item: None,
            within_days: super::DEFAULT_EXPIRING_DAYS,
        }
    }
}

impl Filter {
    pub(crate) fn takes(&self, cohort: &Cohort) -> bool {
        self.role.is_none_or(|r| cohort.roles.contains(&r))
            && self
                .group
                .as_ref()
                .is_none_or(|g| cohort.groups.contains(g))
    }

    pub(crate) fn takes_item(&self, item: &ItemRef) -> bool {
        self.item.as_ref().is_none_or(|i| i == item)
    }
}

/// How many people hold one version of an item (AUP coverage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionCount {
    pub version: String,
    pub current: bool,
    pub people: u64,
}

/// The numbers of one module or AUP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemNumbers {
    pub item: ItemRef,
    pub title: String,
    /// The version in the content now.
    pub version: String,
    /// People it is required of (in the filter).
    pub assigned: u64,
    pub counts: BTreeMap<Standing, u64>,
    /// Of the people it is required of: how many hold each version done (newest first).
    pub versions: Vec<VersionCount>,
}

impl ItemNumbers {
    pub fn count(&self, s: Standing) -> u64 {
        self.counts.get(&s).copied().unwrap_or(0)
    }
    /// Done and counting (in date or expiring).
    pub fn done(&self) -> u64 {
        self.count(Standing::InDate) + self.count(Standing::Expiring)
    }
    pub fn overdue(&self) -> u64 {
        self.count(Standing::Expired) + self.count(Standing::NewVersionDue)
    }
    /// Done, as a whole percentage of those assigned.
    pub fn percent_done(&self) -> u64 {
        (self.done() * 100).checked_div(self.assigned).unwrap_or(0)
    }
    /// AUPs: signed the current version / signed only an older one / never signed.
    pub fn signed_current(&self) -> u64 {
        self.versions
            .iter()
            .filter(|v| v.current)
            .map(|v| v.people)
            .sum()
    }
    pub fn signed_older_only(&self) -> u64 {
        self.versions
            .iter()
            .filter(|v| !v.current)
            .map(|v| v.people)
            .sum()
    }
    pub fn never_signed(&self) -> u64 {
        self.assigned
            .saturating_sub(self.signed_current() + self.signed_older_only())
    }
}

/// The dashboard's numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dashboard {
    /// The UK day the standings are for.
    pub today: NaiveDate,
    pub filter: Filter,
    /// Active people in the filter.
    pub people: u64,
    /// Modules first, then AUPs, in the library's order: those required of someone.
    pub items: Vec<ItemNumbers>,
    /// The roles and groups people hold, for the filter's choices.
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
    /// Store pages read (one query; more only past 1 MB of counters).
    pub pages_read: usize,
    pub items_read: usize,
}

impl Dashboard {
    pub fn modules(&self) -> impl Iterator<Item = &ItemNumbers> {
        self.items
            .iter()
            .filter(|i| i.item.kind == ItemKind::Module)
    }
    pub fn aups(&self) -> impl Iterator<Item = &ItemNumbers> {
        self.items.iter().filter(|i| i.item.kind == ItemKind::Aup)
    }
}

/// Every aggregate item of the organisation.
async fn read_aggregates<S: Store>(
    store: &S,
    setting: &Setting<'_>,
) -> Result<(Vec<Item>, usize), ComplianceError> {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::aggregates(&setting.profile.id))
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        pages += 1;
        items.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((items, pages)),
        }
    }
}

/// The numbers for the filter, now.
pub async fn dashboard<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Dashboard, ComplianceError> {
    let org = &setting.profile.id;
    let (stored, pages_read) = read_aggregates(store, setting).await?;
    let today = uk_day(now);
    let sk = |i: &Item| {
        i.get(crate::store::layout::SK)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let items = library_items(setting.library);
    let mut numbers: Vec<ItemNumbers> = items
        .iter()
        .map(|(item, page)| ItemNumbers {
            item: item.clone(),
            title: page.title.clone(),
            version: page.version.clone(),
            assigned: 0,
            counts: BTreeMap::new(),
            versions: Vec::new(),
        })
        .collect();
    let position: HashMap<ItemRef, usize> = items
        .iter()
        .enumerate()
        .map(|(i, (item, _))| (item.clone(), i))
        .collect();
    // What each cohort must do, worked out once per cohort.
    let mut required: HashMap<String, BTreeSet<ItemRef>> = HashMap::new();
    let mut required_of = |cohort: &Cohort| -> BTreeSet<ItemRef> {
        required
            .entry(cohort.id())
            .or_insert_with(|| {
                let r = Required::of(setting, &cohort_person(org, cohort));
                r.modules
                    .iter()
                    .map(|p| ItemRef::module(&p.id))
                    .chain(r.aups.iter().map(|p| ItemRef::aup(&p.id)))
                    .collect()
            })
            .clone()
    };
    let mut people = 0;
    let mut roles = BTreeSet::new();
    let mut groups = BTreeSet::new();
    let mut done_people: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); items.len()];
    for agg in &stored {
        let Some(cohort) = Cohort::from_item(agg) else {
            continue;
        };
        let key = sk(agg);
        if key.starts_with("PEOPLE#") {
            let n = AggregateRecord::read(agg)
                .and_then(|r| r.people)
                .unwrap_or(0)
                .max(0) as u64;
            if n == 0 {
                continue;
            }
            roles.extend(cohort.roles.iter().copied());
            groups.extend(cohort.groups.iter().cloned());
            if !filter.takes(&cohort) {
                continue;
            }
            people += n;
            for item in required_of(&cohort) {
                if let Some(&i) = position.get(&item)
                    && filter.takes_item(&item)
                {
                    numbers[i].assigned += n;
                }
            }
        } else if key.starts_with("ITEM#") {
            let Some(item) = item_of(agg) else { continue };
            let Some(&i) = position.get(&item) else {
                continue;
            };
            if !filter.takes(&cohort)
                || !filter.takes_item(&item)
                || !required_of(&cohort).contains(&item)
            {
                continue;
            }
            let page = items[i].1;
            for (counter, n) in counters_in(agg) {
                let n = n.max(0) as u64;
                if n == 0 {
                    continue;
                }
                let s = standing(page, &counter, today, filter.within_days);
                *numbers[i].counts.entry(s).or_default() += n;
                if let crate::counters::Counter::Done { version, .. } = &counter {
                    *done_people[i].entry(version.clone()).or_default() += n;
                }
            }
        }
    }
    for (i, n) in numbers.iter_mut().enumerate() {
        let counted: u64 = n.counts.values().sum();
        n.counts
            .insert(Standing::NotStarted, n.assigned.saturating_sub(counted));
        let mut versions: Vec<VersionCount> = done_people[i]
            .iter()
            .map(|(v, people)| VersionCount {
                version: v.clone(),
                current: *v == n.version,
                people: *people,
            })
            .collect();
        versions.sort_by_key(|v| std::cmp::Reverse(version_order(&v.version)));
        n.versions = versions;
    }
    numbers.retain(|n| n.assigned > 0 || filter.item.as_ref() == Some(&n.item));
    Ok(Dashboard {
        today,
        filter: filter.clone(),
        people,
        items: numbers,
        roles: roles.into_iter().collect(),
        groups: groups.into_iter().collect(),
        pages_read,
        items_read: stored.len(),
    })
}

/// Versions compared by their numbers (1.10 after 1.9).
fn version_order(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}
