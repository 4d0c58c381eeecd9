//! The inbox counts, kept in step with the worries they count: every write of a worry adds the
//! change of its counters to the same transaction ([`count_ops`]), so the handlers' numbers are
//! one query of the organisation's count partition, whatever the number of open worries.
//!
//! Per route (a queue with the people and roles a worry must never reach: every worry routed
//! the same way is read by the same people), one item `ROUTE#<route id>` counts the open worries:
//! `open`, `new`, `urgent` (open and urgent), `urgent_new` (urgent and nobody acknowledged it),
//! and `a#<person id>` (open and assigned to that person). A reader's counts add up the routes
//! they may read ([`crate::routing::Route::may_read`]), so the people a worry is about never
//! count it.
//!
//! Whether an urgent new worry is overdue depends on the time it is read: each one has a
//! pointer `URGENTNEW#<created_at>#<id>` (with its route) while it is urgent, open and new, and
//! the overdue count is the routes' `urgent_new` less those sent within the organisation's time
//! (a query of the pointers sent since then: the last minutes' worth).
//!
//! [`rebuild`] recomputes the counters from the worries (records written before the counters
//! existed, or repair); [`ensure_counters`] does it once per organisation; [`super::inbox::recount`]
//! counts by reading every open worry, and the tests compare the two.

use super::records::{self, WorryRecord};
use super::{Status, Urgency, WorryError};
use crate::crypto;
use crate::identity::Person;
use crate::keys;
use crate::org::OrgId;
use crate::routing::{Queue, Route, StoredRoute};
use crate::store::record::{self as record_mod, Record, to_item};
use crate::store::{Condition, Index, Item, Key, Query, Store, TxOp, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Open worries of the route.
pub const OPEN: &str = "open";
/// Open worries nobody acknowledged yet.
pub const NEW: &str = "new";
/// Open urgent worries.
pub const URGENT: &str = "urgent";
/// Urgent worries nobody acknowledged yet (overdue once older than the organisation's time).
pub const URGENT_NEW: &str = "urgent_new";
/// Prefix of the counters of open worries assigned to one person.
pub const ASSIGNED_PREFIX: &str = "a#";

/// A route's counters (`keys::worry_route_count`): made and counted only by updates
/// ([`count_ops`]), and put whole by a rebuild.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouteCountRecord {
    #[serde(flatten)]
    pub route: StoredRoute,
    /// The counters, named [`OPEN`], [`NEW`], [`URGENT`], [`URGENT_NEW`] and
    /// `a#<person id>` (and the key attributes, which are not counters).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl Record for RouteCountRecord {
    const TYPE: &'static str = "worry_route_count";
}

impl RouteCountRecord {
    fn of(route: &Route) -> RouteCountRecord {
        RouteCountRecord {
            route: StoredRoute::from(route),
            other: BTreeMap::new(),
        }
    }

    /// A counter's value (0 when missing).
    pub fn counter(&self, name: &str) -> i64 {
        self.other.get(name).and_then(Value::as_i64).unwrap_or(0)
    }
}

/// An urgent worry nobody has acknowledged yet (`keys::worry_urgent_new`): there while the worry
/// is open, urgent and new.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UrgentNewRecord {
    pub worry_id: String,
    #[serde(with = "record_mod::time")]
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub route: StoredRoute,
}

impl Record for UrgentNewRecord {
    const TYPE: &'static str = "worry_urgent_new";
}

/// When the inbox counters were (re)built from the worries (`keys::worry_counts_built`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorryCountsBuiltRecord {
    #[serde(with = "record_mod::time")]
    pub at: DateTime<Utc>,
    pub open: usize,
}

impl Record for WorryCountsBuiltRecord {
    const TYPE: &'static str = "worry_counts_built";
}

/// A short stable id of a route: the hash of its queue, the roles and the people it never
/// reaches.
pub fn route_id(route: &Route) -> String {
    let mut concerned: Vec<&str> = route.concerned.iter().map(|r| r.as_str()).collect();
    concerned.sort_unstable();
    let mut excluded: Vec<&str> = route.excluded.iter().map(String::as_str).collect();
    excluded.sort_unstable();
    let text = format!(
        "{}\n{}\n{}",
        route.queue.as_str(),
        concerned.join(","),
        excluded.join("\n")
    );
    crypto::sha256_hex(text.as_bytes())[..20].to_string()
}

/// What one stored worry adds to the counters: nothing once closed.
struct Counted {
    route: Route,
    counters: Vec<String>,
    urgent_new: bool,
}

fn counted(w: &WorryRecord) -> Option<Counted> {
    if w.status == Status::Closed {
        return None;
    }
    let route = Route::from(w.route.clone());
    let urgent = w.urgency == Urgency::Urgent;
    let new = w.status == Status::New;
    let mut counters = vec![OPEN.to_string()];
    if new {
        counters.push(NEW.into());
    }
    if urgent {
        counters.push(URGENT.into());
    }
    if urgent && new {
        counters.push(URGENT_NEW.into());
    }
    if let (Some(id), Some(_)) = (&w.assigned_id, &w.assigned_name) {
        counters.push(format!("{ASSIGNED_PREFIX}{id}"));
    }
    Some(Counted {
        route,
        counters,
        urgent_new: urgent && new,
    })
}

/// The operations that move the counters from the worry as stored (`None`: a new worry) to the
/// worry as it will be, for the same transaction as the write of the worry. Empty when nothing
/// counted changed.
pub fn count_ops(org: &OrgId, before: Option<&WorryRecord>, after: &WorryRecord) -> Vec<TxOp> {
    let (was, is) = (before.and_then(counted), counted(after));
    let mut adds: BTreeMap<String, (Route, BTreeMap<String, i64>)> = BTreeMap::new();
    for (c, by) in [(&was, -1), (&is, 1)] {
        if let Some(c) = c {
            let entry = adds
                .entry(route_id(&c.route))
                .or_insert_with(|| (c.route.clone(), BTreeMap::new()));
            for name in &c.counters {
                *entry.1.entry(name.clone()).or_default() += by;
            }
        }
    }
    let mut ops = Vec::new();
    for (id, (route, counters)) in adds {
        let mut update = Update::default().set_record(&RouteCountRecord::of(&route));
        let mut any = false;
        for (name, by) in counters {
            if by != 0 {
                update = update.add(name, by);
                any = true;
            }
        }
        if any {
            ops.push(TxOp::Update {
                key: keys::worry_route_count(org, &id),
                update,
                condition: Condition::Always,
            });
        }
    }
    let pointer = keys::worry_urgent_new(
        org,
        &crate::store::timestamp(after.created_at),
        &after.worry_id,
    );
    let was_route = was.as_ref().filter(|c| c.urgent_new).map(|c| &c.route);
    let is_route = is.as_ref().filter(|c| c.urgent_new).map(|c| &c.route);
    match (was_route, is_route) {
        // Still waiting, routed as before: the pointer stays as it is.
        (Some(from), Some(to)) if from == to => {}
        (_, Some(to)) => ops.push(urgent_new_put(pointer, after, to)),
        (Some(_), None) => ops.push(TxOp::Delete {
            key: pointer,
            condition: Condition::Always,
        }),
        (None, None) => {}
    }
    ops
}

fn urgent_new_put(key: Key, w: &WorryRecord, route: &Route) -> TxOp {
    TxOp::Put {
        item: to_item(
            &key,
            &UrgentNewRecord {
                worry_id: w.worry_id.clone(),
                created_at: w.created_at,
                route: StoredRoute::from(route),
            },
        ),
        condition: Condition::Always,
    }
}

/// The numbers on a handler's dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub open: usize,
    pub new: usize,
    pub urgent_open: usize,
    /// Open worries assigned to the reader.
    pub assigned_to_me: usize,
    /// Urgent worries nobody acknowledged in the organisation's time.
    pub overdue: usize,
}

fn as_count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// Every item of one sort-key range of the count partition.
pub(super) async fn read_all<S: Store>(store: &S, query: Query) -> Result<Vec<Item>, WorryError> {
    Ok(crate::store::query_all(store, query).await?)
}

/// The counts of the open worries `reader` may read, from the counters: one query of the
/// routes' counters, and one of the urgent worries sent within the organisation's time when
/// any urgent one is unacknowledged. Until the counters of the organisation were built
/// ([`ensure_counters`]: worries stored before they existed may not be counted), by reading
/// every open worry ([`super::inbox::recount`]).
pub async fn counts<S: Store>(
    store: &S,
    org: &OrgId,
    reader: &Person,
    now: DateTime<Utc>,
    escalate_after_minutes: u32,
) -> Result<Counts, WorryError> {
    let mut counts = Counts::default();
    if Queue::visible_to(&reader.roles).is_empty() {
        return Ok(counts);
    }
    let mine = format!("{ASSIGNED_PREFIX}{}", reader.id);
    let mut urgent_new = 0;
    // `BUILT` sorts before `ROUTE#` (and `URGENTNEW#` after): the mark and the counters in one.
    let mut routes = read_all(
        store,
        Query::partition(keys::worry_counts(org)).between(
            keys::worry_counts_built(org).sk,
            format!("{}~", keys::WORRY_ROUTE_COUNT_PREFIX),
        ),
    )
    .await?;
    let built = keys::worry_counts_built(org).sk;
    let before = routes.len();
    routes.retain(|item| {
        item.get(crate::store::layout::SK).and_then(Value::as_str) != Some(built.as_str())
    });
    if routes.len() == before {
        return super::inbox::recount(store, org, reader, now, escalate_after_minutes).await;
    }
    for item in &routes {
        let r: RouteCountRecord = records::read(item)?;
        if !Route::from(r.route.clone()).may_read(reader) {
            continue;
        }
        counts.open += as_count(r.counter(OPEN));
        counts.new += as_count(r.counter(NEW));
        counts.urgent_open += as_count(r.counter(URGENT));
        counts.assigned_to_me += as_count(r.counter(&mine));
        urgent_new += as_count(r.counter(URGENT_NEW));
    }
    if urgent_new > 0 {
        // Not overdue yet: sent after the cutoff (a second earlier in the key, checked exactly).
        let window = chrono::Duration::minutes(i64::from(escalate_after_minutes));
        let from = crate::store::timestamp(now - window - chrono::Duration::seconds(1));
        let recent = read_all(
            store,
            Query::partition(keys::worry_counts(org)).between(
                format!("{}{from}", keys::WORRY_URGENT_NEW_PREFIX),
                format!("{}~", keys::WORRY_URGENT_NEW_PREFIX),
            ),
        )
        .await?;
        let mut waiting = 0;
        for item in &recent {
            let p: UrgentNewRecord = records::read(item)?;
            if now - p.created_at < window && Route::from(p.route).may_read(reader) {
                waiting += 1;
            }
        }
        counts.overdue = urgent_new.saturating_sub(waiting);
    }
    Ok(counts)
}

/// What [`rebuild`] found and wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuilt {
    /// Open worries counted.
    pub open: usize,
    /// Route counter items written.
    pub routes: usize,
    /// Urgent worries nobody acknowledged yet.
    pub urgent_new: usize,
}

/// The counter items and pointers as they should be, computed from the open worries of every
/// queue. Keyed like the store.
pub async fn computed_counters<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<(BTreeMap<Key, Item>, usize), WorryError> {
    let mut out: BTreeMap<Key, Item> = BTreeMap::new();
    let mut open = 0;
    for queue in Queue::ALL {
        let worries = read_all(
            store,
            Query::partition(keys::worries_index(org, queue.as_str(), true))
                .on_index(Index::Gsi1)
                .limit(1000),
        )
        .await?;
        for item in &worries {
            let w: WorryRecord = records::read(item)?;
            if w.status == Status::Closed {
                continue;
            }
            open += 1;
            for op in count_ops(org, None, &w) {
                match op {
                    TxOp::Update { key, update, .. } => {
                        let item = out.entry(key.clone()).or_default();
                        crate::store::apply_update(item, &key, &update)?;
                    }
                    TxOp::Put { item, .. } => {
                        out.insert(Key::of(&item)?, item);
                    }
                    _ => {}
                }
            }
        }
    }
    Ok((out, open))
}

/// Recomputes the inbox counters from the worries and replaces the stored ones. For records
/// written before the counters existed, and for repair; not atomic, so run it when nobody is
/// handling worries (a change during it may be counted twice or not at all: run it again).
pub async fn rebuild<S: Store>(
    store: &S,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Rebuilt, WorryError> {
    let (computed, open) = computed_counters(store, org).await?;
    for item in read_all(store, Query::partition(keys::worry_counts(org))).await? {
        let key = Key::of(&item)?;
        if !computed.contains_key(&key) {
            store.delete(&key, Condition::Always).await?;
        }
    }
    let routes = computed
        .keys()
        .filter(|k| k.sk.starts_with(keys::WORRY_ROUTE_COUNT_PREFIX))
        .count();
    let urgent_new = computed.len() - routes;
    for (_, item) in computed {
        store.put(item, Condition::Always).await?;
    }
    store
        .put(
            to_item(
                &keys::worry_counts_built(org),
                &WorryCountsBuiltRecord { at: now, open },
            ),
            Condition::Always,
        )
        .await?;
    tracing::info!(%org, open, routes, urgent_new, "inbox counters rebuilt");
    Ok(Rebuilt {
        open,
        routes,
        urgent_new,
    })
}

/// Builds the inbox counters once, when an organisation has none yet (a new table, or worries
/// stored before the counters existed), and the index of the people holding safeguarding roles
/// that routing and the reassign list read ([`crate::identity::safeguarders::ensure`]). Costs two
/// reads when both exist. For the local start-up, like [`crate::compliance::ensure_counters`].
pub async fn ensure_counters<S: Store>(
    store: &S,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Option<Rebuilt>, WorryError> {
    crate::identity::safeguarders::ensure(store, org, now)
        .await
        .map_err(|e| match e {
            crate::identity::PeopleError::Store(s) => WorryError::Store(s),
            other => WorryError::Corrupt(other.to_string()),
        })?;
    if store.get(&keys::worry_counts_built(org)).await?.is_some() {
        return Ok(None);
    }
    rebuild(store, org, now).await.map(Some)
}
