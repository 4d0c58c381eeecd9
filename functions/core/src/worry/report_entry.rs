//! What the safeguarding reports count of each worry (`keys::worry_report_entry`), kept in the
//! same transaction as every write of the worry, in a partition per month the worry was sent
//! (UK time): a report reads the months it covers, small items with no text and no names,
//! instead of the worries themselves.
//!
//! The entry holds the worry's route (so each reader's report counts only the worries they may
//! read), its kind, urgency and status, when it was first acknowledged (the first move out of
//! "new"), when it was closed and with what outcome, and how many referrals were made to each
//! agency (`ref#<agency>` counters). Worries stored before the reports existed get theirs from
//! their record and chronology, once per organisation ([`ensure_built`], run by the local
//! start-up and the daily reminders run).

use super::case::{CaseEvent, EventKind};
use super::records::WorryRecord;
use super::{Status, Urgency};
use crate::keys;
use crate::org::OrgId;
use crate::routing::StoredRoute;
use crate::store::record::{self, Record};
use crate::store::{Condition, TxOp, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Prefix of the counter of referrals to one agency (`ref#police`).
pub const REFERRAL_PREFIX: &str = "ref#";

/// The part of an entry that follows the worry as it is now (set whole by every change).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportedState {
    #[serde(flatten)]
    pub route: StoredRoute,
    pub kind: String,
    pub urgency: Urgency,
    pub status: Status,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
}

impl ReportedState {
    fn of(w: &WorryRecord) -> ReportedState {
        ReportedState {
            route: w.route.clone(),
            kind: w.kind.clone(),
            urgency: w.urgency,
            status: w.status,
            created_at: w.created_at,
        }
    }
}

/// One worry as the reports count it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportEntryRecord {
    #[serde(flatten)]
    pub state: ReportedState,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record::time_opt"
    )]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record::time_opt"
    )]
    pub closed_at: Option<DateTime<Utc>>,
    /// [`super::case::Outcome::as_str`] while closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The `ref#<agency>` counters (and the key attributes, which are not counters).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl Record for ReportEntryRecord {
    const TYPE: &'static str = "worry_report_entry";
}

impl ReportEntryRecord {
    /// The referrals made, by agency ([`super::case::ReferralTo::as_str`]).
    pub fn referrals(&self) -> impl Iterator<Item = (&str, i64)> {
        self.other.iter().filter_map(|(k, v)| {
            let agency = k.strip_prefix(REFERRAL_PREFIX)?;
            Some((agency, v.as_i64().unwrap_or(0)))
        })
    }
}

/// The month (UK time) a worry sent at `t` is reported in: `YYYY-MM`.
pub fn month_of(t: DateTime<Utc>) -> String {
    crate::dates::to_london(t).format("%Y-%m").to_string()
}

/// The update of the worry's report entry for a write of the worry from `before` (`None`: a
/// new worry) to `after` with these chronology entries; `None` when nothing reported changed.
pub fn entry_op(
    org: &OrgId,
    before: Option<&WorryRecord>,
    after: &WorryRecord,
    events: &[CaseEvent],
) -> Option<TxOp> {
    let state = ReportedState::of(after);
    let mut update = Update::default();
    let mut changed = before.map(ReportedState::of).as_ref() != Some(&state);
    let was = before.map(|b| b.status);
    if was == Some(Status::New) && after.status != Status::New {
        update = update.set("acknowledged_at", crate::store::timestamp(after.updated_at));
        changed = true;
    }
    if after.status == Status::Closed && was != Some(Status::Closed) {
        update = update.set("closed_at", crate::store::timestamp(after.updated_at));
        if let Some(outcome) = events.iter().find_map(|e| match &e.kind {
            EventKind::Closed { outcome } => Some(outcome.as_str()),
            _ => None,
        }) {
            update = update.set("outcome", outcome);
        }
        changed = true;
    }
    if was == Some(Status::Closed) && after.status != Status::Closed {
        update = update.remove("closed_at").remove("outcome");
        changed = true;
    }
    for e in events {
        if let EventKind::Referral { to, .. } = &e.kind {
            update = update.add(format!("{REFERRAL_PREFIX}{}", to.as_str()), 1);
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    Some(TxOp::Update {
        key: keys::worry_report_entry(org, &month_of(after.created_at), &after.worry_id),
        update: update
            .set(crate::store::record::TYPE, ReportEntryRecord::TYPE)
            .set_fields(&state),
        condition: Condition::Always,
    })
}

/// The entry of a worry made from its record and its whole chronology: what the writes of the
/// worry would have left had the entries always existed.
pub fn entry_from_history(w: &WorryRecord, events: &[CaseEvent]) -> ReportEntryRecord {
    let mut ordered: Vec<&CaseEvent> = events.iter().collect();
    ordered.sort_by_key(|e| e.at);
    // The first move out of "new": acknowledging, a status change from new, or closing.
    let acknowledged_at = (w.status != Status::New)
        .then(|| {
            ordered.iter().find_map(|e| match &e.kind {
                EventKind::Acknowledged
                | EventKind::StatusChanged {
                    from: Status::New, ..
                }
                | EventKind::Closed { .. } => Some(e.at),
                _ => None,
            })
        })
        .flatten();
    let closed = (w.status == Status::Closed)
        .then(|| {
            ordered.iter().rev().find_map(|e| match &e.kind {
                EventKind::Closed { outcome } => Some((e.at, outcome.as_str().to_string())),
                _ => None,
            })
        })
        .flatten();
    let mut other = BTreeMap::new();
    for e in &ordered {
        if let EventKind::Referral { to, .. } = &e.kind {
            let counter = other
                .entry(format!("{REFERRAL_PREFIX}{}", to.as_str()))
                .or_insert(Value::from(0));
            *counter = Value::from(counter.as_i64().unwrap_or(0) + 1);
        }
    }
    ReportEntryRecord {
        state: ReportedState::of(w),
        acknowledged_at,
        closed_at: closed.as_ref().map(|(at, _)| *at),
        outcome: closed.map(|(_, outcome)| outcome),
        other,
    }
}

/// When the entries were made from the worries' records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportEntriesBuiltRecord {
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub worries: usize,
}

impl Record for ReportEntriesBuiltRecord {
    const TYPE: &'static str = "report_entries_built";
}

/// Makes every worry's report entry from its record and chronology, once per organisation:
/// worries stored before the entries existed have none (or, if changed since, one without what
/// happened before), and the reports would count them short. `None` when already done (one
/// read). For the local start-up and the daily reminders run.
///
/// Each entry is written in a transaction that checks the worry's version is still the one
/// read, so a worry changed meanwhile (whose change wrote its own entry) is read again and made
/// again, never overwritten with an older picture.
pub async fn ensure_built<S: crate::store::Store>(
    store: &S,
    org: &OrgId,
    now: DateTime<Utc>,
) -> Result<Option<usize>, super::WorryError> {
    if store.get(&keys::report_entries_built(org)).await?.is_some() {
        return Ok(None);
    }
    let mut worries = 0;
    for queue in crate::routing::Queue::ALL {
        for open in [true, false] {
            let listed = super::counts::read_all(
                store,
                crate::store::Query::partition(keys::worries_index(org, queue.as_str(), open))
                    .on_index(crate::store::Index::Gsi1)
                    .limit(1000),
            )
            .await?;
            for item in &listed {
                let w: WorryRecord = super::records::read(item)?;
                rebuild_one(store, org, &w.worry_id).await?;
                worries += 1;
                if worries % 500 == 0 {
                    tracing::info!(%org, worries, "report entries: made so far");
                }
            }
        }
    }
    store
        .put(
            crate::store::record::to_item(
                &keys::report_entries_built(org),
                &ReportEntriesBuiltRecord { at: now, worries },
            ),
            Condition::Always,
        )
        .await?;
    tracing::info!(%org, worries, "report entries made from the worries' records");
    Ok(Some(worries))
}

/// Makes one worry's entry from its record and chronology (read again if it changes meanwhile).
async fn rebuild_one<S: crate::store::Store>(
    store: &S,
    org: &OrgId,
    worry_id: &str,
) -> Result<(), super::WorryError> {
    for _ in 0..5 {
        let Some(item) = store.get(&keys::worry(org, worry_id)).await? else {
            return Ok(());
        };
        let w: WorryRecord = super::records::read(&item)?;
        let events = super::counts::read_all(
            store,
            crate::store::Query::partition(keys::worry_partition(org, worry_id))
                .prefix(keys::WORRY_EVENT_PREFIX),
        )
        .await?
        .iter()
        .map(super::case::event_from_item)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| super::WorryError::Corrupt(e.to_string()))?;
        let entry = entry_from_history(&w, &events);
        let key = keys::worry_report_entry(org, &month_of(w.created_at), worry_id);
        let ops = vec![
            TxOp::Check {
                key: keys::worry(org, worry_id),
                condition: Condition::version(w.version),
            },
            TxOp::Put {
                item: crate::store::record::to_item(&key, &entry),
                condition: Condition::Always,
            },
        ];
        match store.transact(ops).await {
            Ok(()) => return Ok(()),
            Err(crate::store::StoreError::TransactionConditionFailed { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(super::WorryError::Corrupt(format!(
        "the worry {worry_id} kept changing while its report entry was made"
    )))
}
