//! The DSL's compliance view: who has done what, what is overdue or expiring, and the
//! organisation's numbers, for the DSL, deputies and admins (authorised by the caller with
//! `Action::ViewCompletion`; every function here reads one organisation's keys only).
//!
//! * [`dashboard`]: numbers per module and AUP, filtered by role, group and item, from the
//!   maintained counters ([`crate::counters`]): one query of the organisation's aggregate partition,
//!   whatever its size. Never a scan, never a read per person.
//! * [`people_in`]: the people behind one number: one range of the item's index of states by
//!   counter, kept with the counters, "not started" included (an entry per active person with
//!   no counted state of the item). A couple of round trips whatever the organisation's size.
//! * [`person_record`]: one person's assignments, completions, signatures and certificates.
//! * [`rebuild`]: recomputes the counters from the records (first start, repair).
//!
//! The standing of a completion (in date, expiring, expired, new version due) is decided by
//! [`standing`] from the UK day it stops counting, the same way for the numbers and the lists,
//! so a number and the list behind it always agree.

mod dashboard;
mod lists;
mod person;

pub use dashboard::{Dashboard, Filter, ItemNumbers, VersionCount, dashboard};
pub use lists::{ListedPerson, people_in, people_in_by_reading_everyone};
pub use person::{HistoryEntry, PersonRecord, person_record, signed_text_of};

pub use crate::counters::StandingsBuiltRecord;

use crate::content::{Kind, Library, Page};
use crate::counters::{self, AggregateRecord, Cohort, CountError, Counter, Tally};
use crate::identity::{Person, people};
use crate::keys;
use crate::learning::{LearningError, major, roster};
use crate::learning_state::{ItemRef, StoredState};
use crate::org::OrgId;
use crate::store::record::{Record, to_item};
use crate::store::{Condition, Item, Query, Store, StoreError, TxOp};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many days ahead "expiring" looks by default.
pub const DEFAULT_EXPIRING_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ComplianceError {
    #[error("no such person in this organisation")]
    PersonNotFound,
    #[error("no such module or AUP")]
    UnknownItem,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored record is malformed: {0}")]
    Corrupt(String),
}

impl From<LearningError> for ComplianceError {
    fn from(e: LearningError) -> Self {
        match e {
            LearningError::Store(s) => ComplianceError::Store(s),
            other => ComplianceError::Corrupt(other.to_string()),
        }
    }
}

impl From<CountError> for ComplianceError {
    fn from(e: CountError) -> Self {
        match e {
            CountError::Store(s) => ComplianceError::Store(s),
            CountError::Corrupt(s) => ComplianceError::Corrupt(s),
        }
    }
}

impl From<people::PeopleError> for ComplianceError {
    fn from(e: people::PeopleError) -> Self {
        match e {
            people::PeopleError::Store(s) => ComplianceError::Store(s),
            people::PeopleError::NotFound => ComplianceError::PersonNotFound,
            other => ComplianceError::Corrupt(other.to_string()),
        }
    }
}

impl ComplianceError {
    pub fn user_message(&self) -> String {
        match self {
            ComplianceError::PersonNotFound => {
                "We could not find that person in your organisation.".into()
            }
            ComplianceError::UnknownItem => "There is no such module or policy.".into(),
            ComplianceError::Store(_) | ComplianceError::Corrupt(_) => {
                "Sorry, we could not load the figures just now. Please try again in a minute."
                    .into()
            }
        }
    }
}

/// Where one person stands with one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Standing {
    /// Done and counting, not expiring within the window.
    InDate,
    /// Done and counting, but stops counting within the window (or today).
    Expiring,
    /// Done once, stopped counting before today: overdue.
    Expired,
    /// Done for an older version, and the new version must be done: overdue.
    NewVersionDue,
    InProgress,
    NotStarted,
}

impl Standing {
    pub const ALL: [Standing; 6] = [
        Standing::InDate,
        Standing::Expiring,
        Standing::Expired,
        Standing::NewVersionDue,
        Standing::InProgress,
        Standing::NotStarted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Standing::InDate => "in-date",
            Standing::Expiring => "expiring",
            Standing::Expired => "expired",
            Standing::NewVersionDue => "new-version",
            Standing::InProgress => "in-progress",
            Standing::NotStarted => "not-started",
        }
    }

    pub fn parse(s: &str) -> Option<Standing> {
        Standing::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::InDate => "Done, in date",
            Standing::Expiring => "Expiring soon",
            Standing::Expired => "Expired",
            Standing::NewVersionDue => "New version to do",
            Standing::InProgress => "In progress",
            Standing::NotStarted => "Not started",
        }
    }

    /// Counts as done now (in date or expiring).
    pub fn is_done(self) -> bool {
        matches!(self, Standing::InDate | Standing::Expiring)
    }

    /// Overdue: expired, or a new version due.
    pub fn is_overdue(self) -> bool {
        matches!(self, Standing::Expired | Standing::NewVersionDue)
    }
}

/// The standing of a counter against the item as it is in the content now. `today` is the UK
/// day; a completion counts to the end of the UK day it stops counting.
pub fn standing(page: &Page, counter: &Counter, today: NaiveDate, within_days: i64) -> Standing {
    match counter {
        Counter::Started => Standing::InProgress,
        Counter::Done { version, until } => {
            let superseded = match page.kind {
                // A signature counts until a new major version (a minor one is wording).
                Kind::Aup => major(version) != major(&page.version),
                _ => page.recomplete_on_major && major(version) < major(&page.version),
            };
            if superseded {
                return Standing::NewVersionDue;
            }
            match until {
                None => Standing::InDate,
                Some(day) if *day < today => Standing::Expired,
                Some(day) if *day <= today + Duration::days(within_days) => Standing::Expiring,
                Some(_) => Standing::InDate,
            }
        }
    }
}

/// The UK day of a time.
pub fn uk_day(now: DateTime<Utc>) -> NaiveDate {
    crate::dates::to_london(now).date_naive()
}

/// The modules and AUPs of the library, in the library's order, as items.
pub(crate) fn library_items(library: &Library) -> Vec<(ItemRef, &Page)> {
    library
        .pages_of(Kind::Module)
        .map(|p| (ItemRef::module(&p.id), p))
        .chain(
            library
                .pages_of(Kind::Aup)
                .map(|p| (ItemRef::aup(&p.id), p)),
        )
        .collect()
}

/// A person with a cohort's roles and groups: what [`crate::learning::Required::of`] needs.
pub(crate) fn cohort_person(org: &OrgId, cohort: &Cohort) -> Person {
    Person {
        org: org.clone(),
        id: String::new(),
        email: String::new(),
        name: String::new(),
        roles: cohort.roles.clone(),
        groups: cohort.groups.clone(),
        active: true,
        session_epoch: 0,
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        version: 0,
    }
}

/// What [`rebuild`] found and wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuilt {
    pub people: usize,
    pub states: usize,
    pub aggregates: usize,
}

/// The counters as they should be, computed from the records: active people per cohort, and
/// every state of an active person of a library item in its counter. Keyed like the store.
pub async fn computed_counters<S: Store>(
    store: &S,
    library: &Library,
    org: &OrgId,
) -> Result<(BTreeMap<crate::store::Key, Item>, usize, usize), ComplianceError> {
    let everyone = people::list_all(store, org).await?;
    let active: BTreeMap<&str, &Person> = everyone
        .iter()
        .filter(|p| p.active)
        .map(|p| (p.id.as_str(), p))
        .collect();
    let mut tally = Tally::default();
    for p in active.values() {
        tally.people(org, &Cohort::of(p), 1);
    }
    let mut states = 0;
    for (item, _) in library_items(library) {
        for ps in roster::states_of(store, org, &item).await? {
            let Some(p) = active.get(ps.person_id.as_str()) else {
                continue;
            };
            if let Some(counter) = counters::counter_of(&ps.state) {
                tally.state(org, &Cohort::of(p), &item.key_part(), &counter, 1);
                states += 1;
            }
        }
    }
    let mut out = BTreeMap::new();
    for op in tally.into_ops() {
        if let TxOp::Update { key, update, .. } = op {
            let mut item = Item::new();
            crate::store::apply_update(&mut item, &key, &update)?;
            out.insert(key, item);
        }
    }
    Ok((out, active.len(), states))
}

/// When the counters were (re)built from the records, and from how many (`keys::aggregates_built`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AggregatesBuiltRecord {
    #[serde(with = "crate::store::record::time")]
    pub at: DateTime<Utc>,
    pub people: usize,
    pub states: usize,
}

impl Record for AggregatesBuiltRecord {
    const TYPE: &'static str = "aggregates_built";
}

/// The index of states by item and counter as it should be for the library's items, computed
/// from the records: an entry for every counted state of an active person, and a "not started"
/// entry for every active person with no counted state. Keyed like the store.
pub async fn computed_standings<S: Store>(
    store: &S,
    library: &Library,
    org: &OrgId,
) -> Result<BTreeMap<crate::store::Key, Item>, ComplianceError> {
    computed_standings_of(store, org, &item_parts(library)).await
}

/// [`computed_standings`] of some items.
async fn computed_standings_of<S: Store>(
    store: &S,
    org: &OrgId,
    items: &[ItemRef],
) -> Result<BTreeMap<crate::store::Key, Item>, ComplianceError> {
    let everyone = people::list_all(store, org).await?;
    let active: BTreeMap<&str, &Person> = everyone
        .iter()
        .filter(|p| p.active)
        .map(|p| (p.id.as_str(), p))
        .collect();
    let mut out = BTreeMap::new();
    for item in items {
        let mut counted: BTreeMap<&str, (Counter, Option<String>)> = BTreeMap::new();
        let states = roster::states_of(store, org, item).await?;
        for ps in &states {
            if let Some(counter) = counters::counter_of(&ps.state) {
                counted.insert(
                    ps.person_id.as_str(),
                    (counter, counters::done_at(&ps.state.body)),
                );
            }
        }
        for p in active.values() {
            let (counter, done_at) = match counted.remove(p.id.as_str()) {
                Some((c, at)) => (Some(c), at),
                None => (None, None),
            };
            if let TxOp::Put { item: entry, .. } =
                counters::standing_put(*p, &item.key_part(), counter.as_ref(), done_at)
            {
                out.insert(crate::store::Key::of(&entry)?, entry);
            }
        }
    }
    Ok(out)
}

/// The items of the library, as the index's marker names them.
fn item_parts(library: &Library) -> Vec<ItemRef> {
    library_items(library).into_iter().map(|(i, _)| i).collect()
}

/// Recomputes the index of states by item and counter from the records, replaces the stored
/// one and marks it built for every item of the library (until then [`people_in`] reads every
/// person). Like [`rebuild`], not atomic: run it when nobody is learning.
pub async fn rebuild_standings<S: Store>(
    store: &S,
    library: &Library,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<usize, ComplianceError> {
    let items = item_parts(library);
    let computed = computed_standings_of(store, org, &items).await?;
    for item in &items {
        let mut cursor = None;
        loop {
            let page = store
                .query(
                    &Query::partition(keys::standings(org, &item.key_part()))
                        .limit(1000)
                        .after(cursor),
                )
                .await?;
            for entry in &page.items {
                let key = crate::store::Key::of(entry)?;
                if !computed.contains_key(&key) {
                    store.delete(&key, Condition::Always).await?;
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    let entries = computed.len();
    let puts: Vec<TxOp> = computed
        .into_values()
        .map(|item| TxOp::Put {
            item,
            condition: Condition::Always,
        })
        .collect();
    for chunk in puts.chunks(crate::store::layout::MAX_TRANSACTION_OPS) {
        store.transact(chunk.to_vec()).await?;
    }
    store
        .put(
            to_item(
                &keys::standings_built(org),
                &StandingsBuiltRecord {
                    at: now,
                    entries,
                    not_started: items.iter().map(ItemRef::key_part).collect(),
                    building: Vec::new(),
                },
            ),
            Condition::Always,
        )
        .await?;
    tracing::info!(%org, entries, "compliance lists index rebuilt");
    Ok(entries)
}

/// Makes the "not started" entries of the library's items that the index does not have yet (a
/// module or AUP added to the content since it was built), and adds them to its marker.
/// Nothing when the index is not built (see [`ensure_counters`]) or has every item: one read.
///
/// The marker first names them as being built, so every write of a person from then on keeps
/// their entries (while the lists still read them from everyone); then each active person with
/// no counted state gets theirs, in one transaction with a check that they are still as read
/// (same version) and still have no counted state of it (a person changed in between is read
/// again); people added meanwhile are caught by a second read of the list. Only then does the
/// marker name them as built. A build that stops half way is taken up again by the next one.
/// Returns how many entries were written.
pub async fn index_new_items<S: Store>(
    store: &S,
    library: &Library,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<usize, ComplianceError> {
    let Some(mut built) = counters::standings_built(store, org).await? else {
        return Ok(0);
    };
    let new: Vec<ItemRef> = item_parts(library)
        .into_iter()
        .filter(|i| !built.not_started.contains(&i.key_part()))
        .collect();
    if new.is_empty() {
        return Ok(0);
    }
    let parts: Vec<String> = new.iter().map(ItemRef::key_part).collect();
    if built.building != parts {
        built.building = parts.clone();
        store
            .put(
                to_item(&keys::standings_built(org), &built),
                Condition::Always,
            )
            .await?;
    }
    // A few items at a time, so that one person's writes fit in a transaction.
    let everyone = people::list_all(store, org).await?;
    let mut written = 0;
    for new in new.chunks(NEW_ITEMS_AT_ONCE) {
        // The items' states as read now (a query per MB of each); a person whose write is
        // refused, or who was added since, has theirs read one by one.
        let mut states: BTreeMap<(String, String), StoredState> = BTreeMap::new();
        for item in new {
            for ps in roster::states_of(store, org, item).await? {
                states.insert((ps.person_id, item.key_part()), ps.state);
            }
        }
        // Many people per transaction; a transaction refused (someone changed meanwhile) is
        // done again person by person.
        let mut batch: Vec<(Person, usize)> = Vec::new();
        let mut ops: Vec<TxOp> = Vec::new();
        for person in &everyone {
            let own = new_items_ops(person, new, &states);
            if own.is_empty() {
                continue;
            }
            if ops.len() + own.len() > crate::store::layout::MAX_TRANSACTION_OPS {
                let full = (std::mem::take(&mut batch), std::mem::take(&mut ops));
                written += write_batch(store, full.0, full.1, new, &mut states).await?;
            }
            batch.push((person.clone(), (own.len() - 1) / 2));
            ops.extend(own);
        }
        written += write_batch(store, batch, ops, new, &mut states).await?;
    }
    // People added while the marker was being written may have read it before: the list again.
    let seen: std::collections::BTreeSet<&str> = everyone.iter().map(|p| p.id.as_str()).collect();
    for person in people::list_all(store, org).await? {
        if seen.contains(person.id.as_str()) {
            continue;
        }
        for new in new.chunks(NEW_ITEMS_AT_ONCE) {
            let mut states = BTreeMap::new();
            written +=
                not_started_of_new_items(store, person.clone(), new, &mut states, true).await?;
        }
    }
    built.not_started.extend(parts);
    built.building.clear();
    built.at = now;
    store
        .put(
            to_item(&keys::standings_built(org), &built),
            Condition::Always,
        )
        .await?;
    tracing::info!(%org, items = new.len(), entries = written, "compliance lists index: new items built");
    Ok(written)
}

/// New items built together: a person's writes of them (a put and a check each, and a check
/// of the person) fit in one transaction.
const NEW_ITEMS_AT_ONCE: usize = 40;

/// The writes of an active person's "not started" entries of `new` items they have no counted
/// state of (as in `states`), with a check of their version and of each state; none when there
/// is nothing to write.
fn new_items_ops(
    person: &Person,
    new: &[ItemRef],
    states: &BTreeMap<(String, String), StoredState>,
) -> Vec<TxOp> {
    if !person.active {
        return Vec::new();
    }
    let mut ops = vec![counters::person_unchanged(person)];
    for item in new {
        let state = states.get(&(person.id.clone(), item.key_part()));
        if state.and_then(counters::counter_of).is_some() {
            continue;
        }
        ops.push(TxOp::Check {
            key: keys::learning_state(&person.org, &person.id, &item.key_part()),
            condition: state.map_or(Condition::NotExists, StoredState::condition),
        });
        ops.push(counters::standing_put(person, &item.key_part(), None, None));
    }
    if ops.len() == 1 { Vec::new() } else { ops }
}

/// Writes a batch of people's [`new_items_ops`] in one transaction; when it is refused, each
/// person on their own ([`not_started_of_new_items`]). Returns the entries written.
async fn write_batch<S: Store>(
    store: &S,
    batch: Vec<(Person, usize)>,
    ops: Vec<TxOp>,
    new: &[ItemRef],
    states: &mut BTreeMap<(String, String), StoredState>,
) -> Result<usize, ComplianceError> {
    if ops.is_empty() {
        return Ok(0);
    }
    match store.transact(ops).await {
        Ok(()) => Ok(batch.iter().map(|(_, entries)| entries).sum()),
        Err(StoreError::TransactionConditionFailed { .. }) => {
            let mut written = 0;
            for (person, _) in batch {
                written += not_started_of_new_items(store, person, new, states, false).await?;
            }
            Ok(written)
        }
        Err(e) => Err(e.into()),
    }
}

/// One person's "not started" entries of `new` items ([`index_new_items`]), in their own
/// transaction, read again when it is refused (up to three tries); `read_states`: their states
/// of them are not in `states` yet.
async fn not_started_of_new_items<S: Store>(
    store: &S,
    mut person: Person,
    new: &[ItemRef],
    states: &mut BTreeMap<(String, String), StoredState>,
    mut read_states: bool,
) -> Result<usize, ComplianceError> {
    let org = person.org.clone();
    for attempt in 0..3 {
        if !person.active {
            return Ok(0);
        }
        if read_states {
            for item in new {
                let state =
                    crate::learning::read_state(store, &org, &person.id, item.clone()).await?;
                states.insert((person.id.clone(), item.key_part()), state);
            }
        }
        let ops = new_items_ops(&person, new, states);
        if ops.is_empty() {
            return Ok(0);
        }
        let entries = (ops.len() - 1) / 2;
        match store.transact(ops).await {
            Ok(()) => return Ok(entries),
            Err(StoreError::TransactionConditionFailed { .. }) if attempt < 2 => {
                person = match people::get(store, &org, &person.id).await {
                    Ok(p) => p,
                    Err(people::PeopleError::NotFound) => return Ok(0),
                    Err(e) => return Err(e.into()),
                };
                read_states = true;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(0)
}

/// Recomputes every counter from the records and replaces the stored ones. For the first start
/// of an organisation and for repair; not atomic, so run it when nobody is learning (a write
/// during it may be counted twice or not at all: run it again).
pub async fn rebuild<S: Store>(
    store: &S,
    library: &Library,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Rebuilt, ComplianceError> {
    let (computed, people, states) = computed_counters(store, library, org).await?;
    // Remove what is stored, then write what was computed.
    let mut cursor = None;
    loop {
        let page = store
            .query(&Query::partition(keys::aggregates(org)).after(cursor))
            .await?;
        for item in &page.items {
            let key = crate::store::Key::of(item)?;
            if !computed.contains_key(&key) {
                store.delete(&key, Condition::Always).await?;
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let aggregates = computed.len();
    for (_, item) in computed {
        store.put(item, Condition::Always).await?;
    }
    store
        .put(
            to_item(
                &keys::aggregates_built(org),
                &AggregatesBuiltRecord {
                    at: now,
                    people,
                    states,
                },
            ),
            Condition::Always,
        )
        .await?;
    rebuild_standings(store, library, org, now).await?;
    tracing::info!(%org, people, states, aggregates, "compliance counters rebuilt");
    Ok(Rebuilt {
        people,
        states,
        aggregates,
    })
}

/// Builds the counters once, when an organisation has none yet (a new table, or records written
/// before the counters existed), and the index of states by item and counter behind the lists
/// ([`rebuild_standings`]) when it was not built yet, or the "not started" entries of items
/// added to the content since ([`index_new_items`]). Costs three reads when all exist.
pub async fn ensure_counters<S: Store>(
    store: &S,
    library: &Library,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Option<Rebuilt>, ComplianceError> {
    if store.get(&keys::aggregates_built(org)).await?.is_some() {
        if store.get(&keys::standings_built(org)).await?.is_none() {
            rebuild_standings(store, library, org, now).await?;
        } else {
            index_new_items(store, library, org, now).await?;
        }
        return Ok(None);
    }
    rebuild(store, library, org, now).await.map(Some)
}

/// The counter attributes of a stored aggregate item, as numbers.
pub(crate) fn counters_in(item: &Item) -> Vec<(Counter, i64)> {
    AggregateRecord::read(item).map_or_else(Vec::new, |r| r.counters())
}

/// The item part (`MODULE#<id>` / `AUP#<id>`) of an aggregate item.
pub(crate) fn item_of(item: &Item) -> Option<ItemRef> {
    AggregateRecord::read(item)?
        .item
        .as_deref()
        .and_then(ItemRef::parse)
}

#[cfg(test)]
mod tests;
