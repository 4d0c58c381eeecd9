//! The index of the people holding a safeguarding role (DSL, deputy DSL, allegations lead,
//! chair): everyone a worry can be routed to, or be about, so routing a worry and the case
//! page's list of who it can be assigned to read a handful of items, not every person.
//!
//! One entry per active holder (`keys::safeguarder`), written in the same transaction as every
//! change that can make or unmake one (a person added, their roles, name or groups changed,
//! deactivated, reactivated: [`index_op`], conditional like the change on the person's version),
//! so it cannot drift from the people. [`rebuild`] makes it from the people (records written
//! before it existed); until it was built for an organisation ([`ensure`]), [`list`] reads every
//! person, as routing always did.

use super::people::{self, PeopleError, Person};
use crate::keys;
use crate::org::OrgId;
use crate::roles::SAFEGUARDING_ROLES;
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Item, Key, Query, Store, StoreError, TxOp, layout};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An active person holding a safeguarding role, as routing sees them (`keys::safeguarder`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SafeguarderRecord {
    pub person_id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<crate::roles::Role>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    /// The person's version when the entry was written.
    pub version: u64,
}

impl Record for SafeguarderRecord {
    const TYPE: &'static str = "safeguarder";
}

/// That the index was built from the people (`keys::safeguarders_built`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SafeguardersBuiltRecord {
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub people: usize,
}

impl Record for SafeguardersBuiltRecord {
    const TYPE: &'static str = "safeguarders_built";
}

/// Whether a person belongs in the index: active, holding a safeguarding role.
pub fn belongs(p: &Person) -> bool {
    p.active && p.roles.iter().any(|r| SAFEGUARDING_ROLES.contains(r))
}

fn entry(p: &Person) -> TxOp {
    TxOp::Put {
        item: to_item(
            &keys::safeguarder(&p.org, &p.id),
            &SafeguarderRecord {
                person_id: p.id.clone(),
                email: p.email.clone(),
                name: p.name.clone(),
                roles: p.roles.clone(),
                groups: p.groups.clone(),
                created_at: p.created_at,
                version: p.version,
            },
        ),
        condition: Condition::Always,
    }
}

/// The write that keeps the index in step with a change of a person from `before` (`None`: a
/// new person) to `after`, for the same transaction as the change; `None` when the person is in
/// it neither before nor after.
pub fn index_op(before: Option<&Person>, after: &Person) -> Option<TxOp> {
    if belongs(after) {
        Some(entry(after))
    } else if before.is_some_and(belongs) {
        Some(TxOp::Delete {
            key: keys::safeguarder(&after.org, &after.id),
            condition: Condition::Always,
        })
    } else {
        None
    }
}

fn from_entry(org: &OrgId, r: SafeguarderRecord) -> Person {
    Person {
        org: org.clone(),
        id: r.person_id,
        email: r.email,
        name: r.name,
        roles: r.roles,
        groups: r.groups,
        active: true,
        session_epoch: 0,
        created_at: r.created_at,
        version: r.version,
    }
}

/// Every item of the index's partition (the entries and the mark that it was built).
async fn read_partition<S: Store>(store: &S, org: &OrgId) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(&Query::partition(keys::safeguarders(org)).after(cursor))
            .await?;
        items.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// The active people holding a safeguarding role (everyone routing looks at: the readers of
/// every queue and the people a worry can be about), by name: one query of the index, or, until
/// the index of the organisation was built, every person.
pub async fn list<S: Store>(store: &S, org: &OrgId) -> Result<Vec<Person>, PeopleError> {
    let items = read_partition(store, org).await?;
    let built = keys::safeguarders_built(org).sk;
    let mut is_built = false;
    let mut out = Vec::new();
    for item in &items {
        if item.get(layout::SK).and_then(Value::as_str) == Some(built.as_str()) {
            is_built = true;
        } else {
            let r: SafeguarderRecord =
                record::from_item(item).map_err(|e| PeopleError::Corrupt(e.to_string()))?;
            out.push(from_entry(org, r));
        }
    }
    if !is_built {
        out = people::list_all(store, org)
            .await?
            .into_iter()
            .filter(belongs)
            .collect();
    }
    out.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
    Ok(out)
}

/// Makes the index from the people and marks it built; returns how many entries it holds. Each
/// entry is written (or removed) in a transaction that checks the person is still as read, so a
/// change made meanwhile is never overwritten with what was read before it (run it again).
pub async fn rebuild<S: Store>(
    store: &S,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<usize, PeopleError> {
    let everyone = people::list_all(store, org).await?;
    let holders: Vec<&Person> = everyone.iter().filter(|p| belongs(p)).collect();
    let built = keys::safeguarders_built(org);
    for item in read_partition(store, org).await? {
        let key = Key::of(&item)?;
        if key == built || holders.iter().any(|p| keys::safeguarder(org, &p.id) == key) {
            continue;
        }
        store.delete(&key, Condition::Always).await?;
    }
    for p in &holders {
        let ops = vec![
            entry(p),
            TxOp::Check {
                key: keys::person(org, &p.id),
                condition: Condition::version(p.version),
            },
        ];
        match store.transact(ops).await {
            // Changed since it was read: that change wrote its own entry.
            Ok(()) | Err(StoreError::TransactionConditionFailed { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    store
        .put(
            to_item(
                &built,
                &SafeguardersBuiltRecord {
                    at: now,
                    people: holders.len(),
                },
            ),
            Condition::Always,
        )
        .await?;
    tracing::info!(%org, people = holders.len(), "safeguarding roles index built");
    Ok(holders.len())
}

/// Builds the index once, when the organisation has none yet. Costs one read when it exists.
pub async fn ensure<S: Store>(
    store: &S,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Option<usize>, PeopleError> {
    if store.get(&keys::safeguarders_built(org)).await?.is_some() {
        return Ok(None);
    }
    rebuild(store, org, now).await.map(Some)
}
