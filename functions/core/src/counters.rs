//! The maintained counters behind the compliance dashboard, and the transaction operations that
//! keep them in step with the records they count.
//!
//! Below [`crate::identity`] and [`crate::learning`], which write them (a person added, moved
//! or deactivated; a learning state written), and [`crate::compliance`], which reads them: it
//! knows a person only as [`Counted`] (implemented by `identity::Person`) and a learning state
//! only as its record ([`crate::learning_state`]).
//!
//! Per cohort (one combination of roles and groups; a person is in exactly one):
//! * `PEOPLE#<cohort>`: how many active people are in it;
//! * `ITEM#<item>#<cohort>`: per module or AUP, how many of its active people have a state in
//!   each *counter*: `started` (a module read or attempted, never completed) or
//!   `d#<version>#<day>` (their latest completion or signature: the version done and the UK day
//!   it stops counting, `never` when it does not expire).
//!
//! Counters hold facts, not statuses: whether `d#1.0.0#2027-03-01` is in date, expiring, expired
//! or superseded by a new version is decided when the dashboard is read ([`crate::compliance::standing`]),
//! so a new version in the content or the passing of time needs no rewrite. Nor do they hold
//! what is required: every state of every module and AUP is counted (and indexed) whoever it is
//! required of, and the profile's requirements are applied per cohort when they are read, so a
//! change of requirements (the profile form) rewrites no counter and no list entry.
//!
//! Beside the counters, the index of states by item ([`StandingRecord`], `keys::standing`) holds
//! one entry per active person and item: in the range of their counter, or in the "not
//! started" range ([`NOT_STARTED`]) when they have no counted state, so the list behind any
//! number is one range. The "not started" entries are kept for the items its marker names
//! ([`StandingsBuiltRecord::not_started`]): every item of the content when it was built.
//!
//! Every write of a learning state adds the change of its counter to the same transaction, with
//! a check that the person's roles and groups (their `version`) are still those it was counted
//! under. A change of roles or groups, or a deactivation, moves the person's counters in one
//! transaction that checks each state's `rev`. So the counters cannot drift from the records;
//! [`crate::compliance::rebuild`] recomputes them from the records (first start, or repair) and the tests
//! compare the two.

use crate::crypto;
use crate::dates;
use crate::keys;
use crate::learning_state::{CorruptState, StateBody, StoredState};
use crate::org::OrgId;
use crate::roles::Role;
use crate::store::record::{self, Record};
use crate::store::{Condition, Key, Query, Store, StoreError, TxOp, Update};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A person as the counters see them: implemented by `identity::Person`, so the counters need
/// not know the rest of a person.
pub trait Counted {
    fn org(&self) -> &OrgId;
    fn id(&self) -> &str;
    fn roles(&self) -> &[Role];
    fn groups(&self) -> &[String];
    /// Bumped by every change of the person (roles, groups, active).
    fn version(&self) -> u64;
    /// Shown in the list behind a dashboard number ([`StandingRecord`]).
    fn name(&self) -> &str;
    fn email(&self) -> &str;
}

impl<T: Counted + ?Sized> Counted for &T {
    fn org(&self) -> &OrgId {
        (**self).org()
    }
    fn id(&self) -> &str {
        (**self).id()
    }
    fn roles(&self) -> &[Role] {
        (**self).roles()
    }
    fn groups(&self) -> &[String] {
        (**self).groups()
    }
    fn version(&self) -> u64 {
        (**self).version()
    }
    fn name(&self) -> &str {
        (**self).name()
    }
    fn email(&self) -> &str {
        (**self).email()
    }
}

/// Reading a person's states to move their counters failed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored record is malformed: {0}")]
    Corrupt(String),
}

impl From<CorruptState> for CountError {
    fn from(e: CorruptState) -> Self {
        CountError::Corrupt(format!("a stored learning record is malformed: {e}"))
    }
}

/// A module started and never completed.
pub const STARTED: &str = "started";
/// The sort key (and [`StandingRecord::counter`]) of a person's entry for an item they have no
/// counted state of: the "not started" range of the index of states by item.
pub const NOT_STARTED: &str = "none";
/// Prefix of the counters of completions and signatures.
pub const DONE_PREFIX: &str = "d#";
const NEVER: &str = "never";

/// One combination of roles and groups (stored in each aggregate item as `roles`, `groups`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cohort {
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
}

impl Cohort {
    pub fn of(person: &(impl Counted + ?Sized)) -> Cohort {
        Cohort {
            roles: person.roles().to_vec(),
            groups: person.groups().to_vec(),
        }
    }

    /// A short stable id: the hash of the roles and groups (groups may hold any character).
    pub fn id(&self) -> String {
        let roles: Vec<&str> = self.roles.iter().map(|r| r.as_str()).collect();
        let text = format!("{}\n{}", roles.join(","), self.groups.join("\n"));
        crypto::sha256_hex(text.as_bytes())[..20].to_string()
    }

    /// The cohort written in an aggregate item (`roles`, `groups`).
    pub(crate) fn from_item(item: &crate::store::Item) -> Option<Cohort> {
        AggregateRecord::read(item).map(|r| r.cohort)
    }
}

/// A maintained aggregate (`keys::people_aggregate`, `keys::item_aggregate`): made and counted
/// only by updates ([`Tally::into_ops`]), and put whole by a rebuild.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AggregateRecord {
    #[serde(flatten)]
    pub cohort: Cohort,
    /// `MODULE#<id>` or `AUP#<id>`: item aggregates only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Active people in the cohort: people aggregates only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<i64>,
    /// Every other attribute: the item aggregates' counters, named by [`Counter::name`] (and
    /// the key attributes, which are not counters).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl Record for AggregateRecord {
    const TYPE: &'static str = "aggregate";
}

impl AggregateRecord {
    /// The attribute of [`AggregateRecord::people`]: a counter, added to atomically.
    pub const PEOPLE: &'static str = "people";

    /// An aggregate of `cohort` (and `item`, for an item aggregate) with no counters: what every
    /// update of it writes besides its counters, so the first update makes the item whole.
    pub fn of(cohort: Cohort, item: Option<String>) -> AggregateRecord {
        AggregateRecord {
            cohort,
            item,
            people: None,
            other: BTreeMap::new(),
        }
    }

    /// An aggregate item as its record; `None` when it is not one.
    pub fn read(item: &crate::store::Item) -> Option<AggregateRecord> {
        record::from_item(item).ok()
    }

    /// Its counters, as numbers.
    pub fn counters(&self) -> Vec<(Counter, i64)> {
        self.other
            .iter()
            .filter_map(|(name, value)| Some((Counter::parse(name)?, value.as_i64()?)))
            .collect()
    }
}

/// What a counter name means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Counter {
    Started,
    /// The latest completion or signature: the version done, and the UK day it stops counting
    /// (`None`: never).
    Done {
        version: String,
        until: Option<NaiveDate>,
    },
}

impl Counter {
    pub fn name(&self) -> String {
        match self {
            Counter::Started => STARTED.into(),
            Counter::Done { version, until } => format!(
                "{DONE_PREFIX}{version}#{}",
                until.map_or_else(|| NEVER.to_string(), |d| d.to_string())
            ),
        }
    }

    /// A counter from an attribute name; `None` for any other attribute of the item.
    pub fn parse(name: &str) -> Option<Counter> {
        if name == STARTED {
            return Some(Counter::Started);
        }
        let rest = name.strip_prefix(DONE_PREFIX)?;
        let (version, day) = rest.rsplit_once('#')?;
        let until = match day {
            NEVER => None,
            d => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?),
        };
        Some(Counter::Done {
            version: version.to_string(),
            until,
        })
    }
}

impl Counter {
    /// How a counter sorts in the index of states by item ([`keys::standing`]): in progress
    /// apart, done by the UK day it stops counting (`never` after every day), then the version,
    /// so each standing but "new version due" is one range of days.
    pub fn sort_key(&self) -> String {
        match self {
            Counter::Started => STARTED.into(),
            Counter::Done { version, until } => format!(
                "{DONE_PREFIX}{}#{version}",
                until.map_or_else(|| NEVER.to_string(), |d| d.to_string())
            ),
        }
    }
}

/// One active person's counted state of one item, in the index of states by item and counter
/// (`keys::standing`): the list behind one dashboard number reads the range of its standing,
/// not every person. Written in the same transaction as the counters ([`Tally`]), rewritten
/// when the person's name, roles or groups change, gone when they are deactivated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StandingRecord {
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
    /// The counter's name ([`Counter::name`]).
    pub counter: String,
    /// When it was completed or signed (RFC 3339): done counters only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<String>,
}

impl Record for StandingRecord {
    const TYPE: &'static str = "standing";
}

/// The sort key of a person's entry in the index of states by item: their counter's
/// ([`Counter::sort_key`]), or [`NOT_STARTED`] when they have no counted state of the item.
pub fn standing_sort(counter: Option<&Counter>) -> String {
    counter.map_or_else(|| NOT_STARTED.to_string(), Counter::sort_key)
}

/// The key of a person's entry of `item` in the index of states by item and counter.
pub fn standing_key(org: &OrgId, item: &str, counter: Option<&Counter>, person_id: &str) -> Key {
    keys::standing(org, item, &standing_sort(counter), person_id)
}

/// The write of a person's entry of `item` in the index of states by item and counter
/// (`None`: the entry saying they have not started it).
pub fn standing_put(
    person: &(impl Counted + ?Sized),
    item: &str,
    counter: Option<&Counter>,
    done_at: Option<String>,
) -> TxOp {
    TxOp::Put {
        item: record::to_item(
            &standing_key(person.org(), item, counter, person.id()),
            &StandingRecord {
                person_id: person.id().to_string(),
                name: person.name().to_string(),
                email: person.email().to_string(),
                roles: person.roles().to_vec(),
                groups: person.groups().to_vec(),
                counter: counter.map_or_else(|| NOT_STARTED.to_string(), Counter::name),
                done_at: done_at.filter(|_| matches!(counter, Some(Counter::Done { .. }))),
            },
        ),
        condition: Condition::Always,
    }
}

/// The "not started" entries of a person who is new (or active again with no states): one per
/// item of the index ([`not_started_items`]).
pub fn not_started_puts(person: &(impl Counted + ?Sized), items: &[String]) -> Vec<TxOp> {
    items
        .iter()
        .map(|item| standing_put(person, item, None, None))
        .collect()
}

/// When a state was completed or signed (its latest completion or signature).
pub fn done_at(body: &StateBody) -> Option<String> {
    match body {
        StateBody::Module(m) => m.completion.as_ref().map(|c| c.completed_at.clone()),
        StateBody::Aup(a) => a.signature.as_ref().map(|s| s.signed_at.clone()),
    }
}

fn done(version: &str, valid_until: Option<&str>) -> Counter {
    Counter::Done {
        version: version.to_string(),
        until: valid_until
            .and_then(dates::parse)
            .map(|t| dates::to_london(t).date_naive()),
    }
}

/// The counter a stored state counts in; `None` for a state not written yet.
pub fn counter_of(state: &StoredState) -> Option<Counter> {
    state.rev?;
    counter_of_body(&state.body)
}

/// The counter of a state's content, written or about to be.
pub fn counter_of_body(body: &StateBody) -> Option<Counter> {
    match body {
        StateBody::Module(m) => Some(match &m.completion {
            Some(c) => done(&c.module_version, c.valid_until.as_deref()),
            None => Counter::Started,
        }),
        StateBody::Aup(a) => a
            .signature
            .as_ref()
            .map(|s| done(&s.version, s.valid_until.as_deref())),
    }
}

struct Entry {
    /// The aggregate's cohort and item ([`AggregateRecord::of`]).
    of: AggregateRecord,
    adds: BTreeMap<String, i64>,
}

/// Counter changes to apply with a write, one update per aggregate item.
#[derive(Default)]
pub struct Tally {
    entries: BTreeMap<Key, Entry>,
    /// Writes of the index of states by item and counter (a put or a delete per key).
    standings: BTreeMap<Key, TxOp>,
}

impl Tally {
    fn add(&mut self, key: Key, cohort: &Cohort, item: Option<&str>, counter: String, by: i64) {
        let entry = self.entries.entry(key).or_insert_with(|| Entry {
            of: AggregateRecord::of(cohort.clone(), item.map(str::to_string)),
            adds: BTreeMap::new(),
        });
        *entry.adds.entry(counter).or_default() += by;
    }

    /// One more (or fewer) active person in a cohort.
    pub fn people(&mut self, org: &OrgId, cohort: &Cohort, by: i64) {
        self.add(
            keys::people_aggregate(org, &cohort.id()),
            cohort,
            None,
            AggregateRecord::PEOPLE.into(),
            by,
        );
    }

    /// A state of `item` (`MODULE#<id>` / `AUP#<id>`) counted in (or out of) a counter.
    pub fn state(&mut self, org: &OrgId, cohort: &Cohort, item: &str, counter: &Counter, by: i64) {
        self.add(
            keys::item_aggregate(org, item, &cohort.id()),
            cohort,
            Some(item),
            counter.name(),
            by,
        );
    }

    /// The change of one state written by its person: out of the old counter, into the new.
    pub fn learning_change(
        &mut self,
        person: &(impl Counted + ?Sized),
        old: &StoredState,
        new: &StateBody,
    ) {
        let (from, to) = (counter_of(old), counter_of_body(new));
        let item = old.item.key_part();
        if let Some(c) = &to
            && from == to
            && done_at(&old.body) != done_at(new)
        {
            // Done again, counting to the same day: the list shows the latest.
            let key = standing_key(person.org(), &item, Some(c), person.id());
            self.standings
                .insert(key, standing_put(person, &item, Some(c), done_at(new)));
            return;
        }
        self.change(person, &item, from, to, done_at(new));
    }

    /// A person's state of `item` moving from one counter to another (`to` not a done one:
    /// reading, a quiz started; a completion or signature goes through
    /// [`Tally::learning_change`], which knows when it was done).
    pub fn counter_change(
        &mut self,
        person: &(impl Counted + ?Sized),
        item: &str,
        from: Option<Counter>,
        to: Option<Counter>,
    ) {
        self.change(person, item, from, to, None);
    }

    fn change(
        &mut self,
        person: &(impl Counted + ?Sized),
        item: &str,
        from: Option<Counter>,
        to: Option<Counter>,
        done_at: Option<String>,
    ) {
        if from == to {
            return;
        }
        let cohort = Cohort::of(person);
        let item = item.to_string();
        if let Some(c) = &from {
            self.state(person.org(), &cohort, &item, c, -1);
        }
        if let Some(c) = &to {
            self.state(person.org(), &cohort, &item, c, 1);
        }
        // The entry moves from the old range of the index to the new; no counter is the "not
        // started" range (its entry may be missing: an item not indexed yet, whose build
        // ([`crate::compliance::index_new_items`]) makes it).
        let key = standing_key(person.org(), &item, from.as_ref(), person.id());
        self.standings.insert(
            key.clone(),
            TxOp::Delete {
                key,
                condition: Condition::Always,
            },
        );
        let key = standing_key(person.org(), &item, to.as_ref(), person.id());
        self.standings
            .insert(key, standing_put(person, &item, to.as_ref(), done_at));
    }

    pub fn is_empty(&self) -> bool {
        self.standings.is_empty()
            && self
                .entries
                .values()
                .all(|e| e.adds.values().all(|by| *by == 0))
    }

    /// One update per aggregate item (a transaction may touch an item once), and the writes of
    /// the index of states by item and counter.
    pub fn into_ops(self) -> Vec<TxOp> {
        let standings = self.standings.into_values();
        self.entries
            .into_iter()
            .filter(|(_, e)| e.adds.values().any(|by| *by != 0))
            .map(|(key, e)| {
                let mut update = Update::default().set_record(&e.of);
                for (counter, by) in e.adds {
                    if by != 0 {
                        update = update.add(counter, by);
                    }
                }
                TxOp::Update {
                    key,
                    update,
                    condition: Condition::Always,
                }
            })
            .chain(standings)
            .collect()
    }
}

/// The check that a person is still as read (same roles, groups, active): written with every
/// counted learning write, so a change of roles cannot slip between the read and the write.
pub fn person_unchanged(person: &(impl Counted + ?Sized)) -> TxOp {
    TxOp::Check {
        key: keys::person(person.org(), person.id()),
        condition: Condition::version(person.version()),
    }
}

/// Merges the counter updates of several writes batched into one transaction (an import writes
/// many people of one cohort at once; a transaction may touch an item only once).
pub fn merge_counter_updates(ops: Vec<TxOp>) -> Vec<TxOp> {
    let mut out: Vec<TxOp> = Vec::with_capacity(ops.len());
    let mut at: BTreeMap<Key, usize> = BTreeMap::new();
    for op in ops {
        let merged = match &op {
            TxOp::Update {
                key,
                update,
                condition: Condition::Always,
            } if key.pk.ends_with("#AGG") => match at.get(key) {
                Some(&i) => {
                    if let TxOp::Update { update: into, .. } = &mut out[i] {
                        for (name, by) in &update.add {
                            match into.add.iter_mut().find(|(n, _)| n == name) {
                                Some((_, total)) => *total += by,
                                None => into.add.push((name.clone(), *by)),
                            }
                        }
                        for (name, value) in &update.set {
                            into.set.insert(name.clone(), value.clone());
                        }
                    }
                    true
                }
                None => {
                    at.insert(key.clone(), out.len());
                    false
                }
            },
            _ => false,
        };
        if !merged {
            out.push(op);
        }
    }
    out
}

/// Every state of one person (one query of their learning partition).
async fn states_of_person<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
) -> Result<Vec<StoredState>, CountError> {
    let mut states = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::learning_partition(org, person_id))
                    .prefix(keys::LEARNING_STATE_PREFIX)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            states.push(StoredState::from_item(item)?);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(states),
        }
    }
}

/// That the index of states by item and counter was built from the records
/// (`keys::standings_built`), and which items it has "not started" entries for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StandingsBuiltRecord {
    #[serde(with = "crate::store::record::time")]
    pub at: chrono::DateTime<chrono::Utc>,
    pub entries: usize,
    /// The items (`MODULE#<id>` / `AUP#<id>`) whose "not started" entries are kept: every
    /// active person has one unless they have a counted state of it. Items added to the content
    /// later are not in it until they are built ([`crate::compliance::index_new_items`]); a
    /// marker from before these entries has none.
    #[serde(default)]
    pub not_started: Vec<String>,
    /// Items whose "not started" entries are being made: kept by every write of a person, not
    /// read by the lists until they move to `not_started`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub building: Vec<String>,
}

impl Record for StandingsBuiltRecord {
    const TYPE: &'static str = "standings_built";
}

/// The marker of the index of states by item (`None`: not built).
pub async fn standings_built<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<Option<StandingsBuiltRecord>, CountError> {
    match store.get(&keys::standings_built(org)).await? {
        Some(item) => record::from_item(&item)
            .map(Some)
            .map_err(|e| CountError::Corrupt(e.to_string())),
        None => Ok(None),
    }
}

/// The items whose "not started" entries every write of a person keeps: those built and those
/// being built (one read).
pub async fn not_started_items<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<Vec<String>, CountError> {
    Ok(standings_built(store, org)
        .await?
        .map(|b| {
            let mut items = b.not_started;
            for item in b.building {
                if !items.contains(&item) {
                    items.push(item);
                }
            }
            items
        })
        .unwrap_or_default())
}

/// The operations that move a person's counters from how they were counted (`before`; `None`:
/// not counted, i.e. new or deactivated) to how they will be (`after`; `None`: deactivated),
/// with a check of each state's `rev`, to go in the same transaction as the change of the
/// person; and the rewrite of their entries in the index of states by item and counter (which
/// shows their name, roles and groups), including the "not started" entries of the indexed
/// items they have no counted state of, each with a check that it is still so (a first
/// reading in between would otherwise leave both entries). Reads the index's marker and the
/// person's states (a get and a query) unless nothing counted or shown changes.
pub async fn person_moves<S: Store, P: Counted + ?Sized>(
    store: &S,
    org: &OrgId,
    person_id: &str,
    before: Option<&P>,
    after: Option<&P>,
) -> Result<Vec<TxOp>, CountError> {
    let (from, to) = (before.map(Cohort::of), after.map(Cohort::of));
    let shown = |p: &P| (p.name().to_string(), p.email().to_string());
    if from == to && before.map(shown) == after.map(shown) {
        return Ok(Vec::new());
    }
    let (indexed, states) = futures_util::future::join(
        not_started_items(store, org),
        states_of_person(store, org, person_id),
    )
    .await;
    let (indexed, states) = (indexed?, states?);
    let mut tally = Tally::default();
    let mut checks = Vec::new();
    let mut standings = Vec::new();
    if from != to {
        if let Some(c) = &from {
            tally.people(org, c, -1);
        }
        if let Some(c) = &to {
            tally.people(org, c, 1);
        }
    }
    let mut counted = std::collections::BTreeSet::new();
    for state in &states {
        let item = state.item.key_part();
        let Some(counter) = counter_of(state) else {
            continue;
        };
        if from != to {
            if let Some(c) = &from {
                tally.state(org, c, &item, &counter, -1);
            }
            if let Some(c) = &to {
                tally.state(org, c, &item, &counter, 1);
            }
        }
        standings.push(match after {
            Some(p) => standing_put(p, &item, Some(&counter), done_at(&state.body)),
            None => TxOp::Delete {
                key: standing_key(org, &item, Some(&counter), person_id),
                condition: Condition::Always,
            },
        });
        checks.push(TxOp::Check {
            key: keys::learning_state(org, person_id, &item),
            condition: state.condition(),
        });
        counted.insert(item);
    }
    for item in indexed.iter().filter(|i| !counted.contains(*i)) {
        standings.push(match after {
            Some(p) => standing_put(p, item, None, None),
            None => TxOp::Delete {
                key: standing_key(org, item, None, person_id),
                condition: Condition::Always,
            },
        });
        // Still no counted state: as read, or still none stored.
        let condition = states
            .iter()
            .find(|s| s.item.key_part() == *item)
            .map_or(Condition::NotExists, StoredState::condition);
        checks.push(TxOp::Check {
            key: keys::learning_state(org, person_id, item),
            condition,
        });
    }
    let mut ops = tally.into_ops();
    ops.extend(standings);
    ops.extend(checks);
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_read_back() {
        for c in [
            Counter::Started,
            Counter::Done {
                version: "1.2.0".into(),
                until: None,
            },
            Counter::Done {
                version: "2.0".into(),
                until: NaiveDate::from_ymd_opt(2027, 3, 1),
            },
        ] {
            assert_eq!(Counter::parse(&c.name()), Some(c));
        }
        for other in ["people", "roles", "d#", "d#1.0#2027-13-01", "type"] {
            assert_eq!(Counter::parse(other), None, "{other}");
        }
    }

    #[test]
    fn cohort_ids_differ_by_roles_and_groups() {
        let a = Cohort {
            roles: vec![Role::Staff],
            groups: vec!["Site A".into()],
        };
        let b = Cohort {
            roles: vec![Role::Staff],
            groups: vec!["Site B".into()],
        };
        let c = Cohort {
            roles: vec![Role::Staff, Role::Dsl],
            groups: vec!["Site A".into()],
        };
        assert_ne!(a.id(), b.id());
        assert_ne!(a.id(), c.id());
        assert_eq!(a.id(), a.clone().id());
    }

    #[test]
    fn merged_updates_add_up_per_item() {
        let org = OrgId::parse("demo").unwrap();
        let cohort = Cohort {
            roles: vec![Role::Learner],
            groups: vec![],
        };
        let mut one = Tally::default();
        one.people(&org, &cohort, 1);
        let mut two = Tally::default();
        two.people(&org, &cohort, 1);
        let ops = merge_counter_updates([one.into_ops(), two.into_ops()].concat());
        assert_eq!(ops.len(), 1);
        let TxOp::Update { update, .. } = &ops[0] else {
            panic!()
        };
        assert_eq!(update.add, vec![("people".to_string(), 2)]);
    }

    #[test]
    fn an_aggregate_item_reads_as_its_record() {
        let item = Key::new("ORG#o#AGG", "ITEM#MODULE#m#c").item(serde_json::json!({
            "type": "aggregate",
            "roles": ["staff", "deputy_dsl"],
            "groups": ["Year 7"],
            "item": "MODULE#m",
            "started": 2,
            "d#1.0#never": 3,
        }));
        let r = AggregateRecord::read(&item).unwrap();
        assert_eq!(r.cohort.roles, [Role::Staff, Role::DeputyDsl]);
        assert_eq!(r.cohort.groups, ["Year 7"]);
        assert_eq!(r.item.as_deref(), Some("MODULE#m"));
        assert_eq!(r.people, None);
        let mut counters = r.counters();
        counters.sort_by_key(|(c, _)| c.name());
        assert_eq!(
            counters,
            [
                (
                    Counter::Done {
                        version: "1.0".into(),
                        until: None
                    },
                    3
                ),
                (Counter::Started, 2)
            ]
        );
        let update = Update::default().set_fields(&r.cohort);
        assert_eq!(
            update.set["roles"],
            serde_json::json!(["staff", "deputy_dsl"])
        );
        assert_eq!(update.set["groups"], serde_json::json!(["Year 7"]));
    }
}
