//! What the safeguarding reports count of each worry (`keys::worry_report_entry`), kept in the
//! same transaction as every write of the worry, in a partition per month the worry was sent
//! (UK time): a report reads the months it covers, small items with no text and no names,
//! instead of the worries themselves.
//!
//! The entry holds the worry's route (so each reader's report counts only the worries they may
//! read), its kind, urgency and status, when it was first acknowledged (the first move out of
//! "new"), when it was closed and with what outcome, and how many referrals were made to each
//! agency (`ref#<agency>` counters). Worries stored before the reports existed get an entry at
//! their next change (without an acknowledgement time when that happened before).

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
