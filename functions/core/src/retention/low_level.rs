//! Retention of low-level concerns about staff (KCSIE Part 4: kept at least until the person
//! leaves; the profile adds years after). What is due is decided by the date the person left:
//! * on the platform: the day their account was deactivated (a reactivation clears it: they
//!   are back, and the concern is kept again);
//! * someone not on the platform, or an account deactivated before the platform kept that date:
//!   unknown until a reviewer records the date they left on the concern ([`record_left_on`]).
//!   Until then the concern is never due (kept: the safe direction).
//!
//! Everything here is for the concern's own readers ([`Readers::may_read`]) among the people
//! who review retention: never the person it is about, whatever roles they hold. Holds use the
//! same hold items as worries (kind [`LOW_LEVEL`]); each hold, lift, leaving date and deletion
//! is written to the log's audit trail, visible to that concern's readers only.

use super::stored::{HoldRecord, TombstoneRecord};
use super::{Hold, LOW_LEVEL, RetentionError, Rule, Tombstone, corrupt};
use super::{add_years, hold_of, may_review};
use crate::concerns::{LowLevelAuditRecord, LowLevelConcernRecord, all_concerns};
use crate::identity::Person;
use crate::identity::people::{self, PeopleError, Presence};
use crate::keys;
use crate::org::{OrgId, Retention};
use crate::store::record::{from_item, to_item};
use crate::store::{Condition, Store, StoreError, TxOp};
use chrono::{DateTime, NaiveDate, Utc};

/// When the person a concern is about left, as far as the platform knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaving {
    /// On the platform, and their account is active.
    StillHere,
    /// Their account was deactivated on this (UK) day.
    Deactivated(NaiveDate),
    /// A reviewer recorded that they left on this day.
    Recorded(NaiveDate),
    /// Not known: someone not on the platform, or an account deactivated before the platform
    /// kept the date.
    Unknown,
}

impl Leaving {
    /// The day they left, when known.
    pub fn left_on(self) -> Option<NaiveDate> {
        match self {
            Leaving::Deactivated(d) | Leaving::Recorded(d) => Some(d),
            Leaving::StillHere | Leaving::Unknown => None,
        }
    }
}

/// The day a low-level concern falls due: the profile's years after the person left; `None`
/// while they are here or the date is unknown (never due).
pub fn due_on(leaving: Leaving, p: &Retention) -> Option<NaiveDate> {
    leaving
        .left_on()
        .map(|d| add_years(d, p.low_level_years_after_leaving))
}

/// A low-level concern, as the review lists it (to its readers: who it is about and when it
/// was recorded, never what it says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcernCandidate {
    pub concern_id: String,
    pub about_name: String,
    pub recorded_at: DateTime<Utc>,
    pub leaving: Leaving,
    pub due_on: Option<NaiveDate>,
    pub hold: Option<Hold>,
}

impl ConcernCandidate {
    /// Past its period and not held.
    pub fn is_due(&self, today: NaiveDate) -> bool {
        self.hold.is_none() && self.due_on.is_some_and(|d| d <= today)
    }
}

/// What the account of the person a concern is about says: here, or left on a day; `None`
/// when it says nothing (someone not on the platform, an account deactivated before the date
/// was kept, or no longer there).
async fn from_account<S: Store>(
    store: &S,
    org: &OrgId,
    about_id: Option<&str>,
) -> Result<Option<Leaving>, RetentionError> {
    let Some(id) = about_id else {
        return Ok(None);
    };
    match people::presence(store, org, id).await {
        Ok(Presence::Active) => Ok(Some(Leaving::StillHere)),
        Ok(Presence::Left(Some(at))) => Ok(Some(Leaving::Deactivated(
            crate::dates::to_london(at).date_naive(),
        ))),
        Ok(Presence::Left(None)) | Err(PeopleError::NotFound) => Ok(None),
        Err(PeopleError::Store(e)) => Err(e.into()),
        Err(e) => Err(corrupt(e)),
    }
}

/// When the person a concern is about left: the account's word first, then a recorded date.
fn leaving(account: Option<Leaving>, c: &LowLevelConcernRecord) -> Leaving {
    account.unwrap_or(match c.left_on {
        Some(d) => Leaving::Recorded(d),
        None => Leaving::Unknown,
    })
}

/// When the person `c` is about left.
async fn leaving_of<S: Store>(
    store: &S,
    org: &OrgId,
    c: &LowLevelConcernRecord,
) -> Result<Leaving, RetentionError> {
    Ok(leaving(
        from_account(store, org, c.about_id.as_deref()).await?,
        c,
    ))
}

/// The low-level concerns `by` may read, with when each falls due; `held` are the
/// organisation's holds (read once by the caller).
pub(super) async fn review<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    held: &[HoldRecord],
    periods: &Retention,
    today: NaiveDate,
) -> Result<Vec<ConcernCandidate>, RetentionError> {
    let concerns = all_concerns(store, org).await.map_err(corrupt_concern)?;
    let mut out = Vec::new();
    // One read per person the readable concerns are about (several concerns, one person).
    let mut accounts: Vec<(Option<String>, Option<Leaving>)> = Vec::new();
    for c in concerns.iter().filter(|c| c.readers.may_read(by)) {
        let account = match accounts.iter().find(|(id, _)| *id == c.about_id) {
            Some((_, a)) => *a,
            None => {
                let a = from_account(store, org, c.about_id.as_deref()).await?;
                accounts.push((c.about_id.clone(), a));
                a
            }
        };
        let leaving = leaving(account, c);
        out.push(ConcernCandidate {
            concern_id: c.concern_id.clone(),
            about_name: c.about_name.clone(),
            recorded_at: c.created_at,
            due_on: due_on(leaving, periods),
            leaving,
            hold: held
                .iter()
                .find(|h| h.kind == LOW_LEVEL && h.id == c.concern_id)
                .map(hold_of),
        });
    }
    // Due first (oldest due first), then unknown leaving dates, then the rest, then the held.
    let rank = |c: &ConcernCandidate| match (&c.hold, c.leaving, c.is_due(today)) {
        (Some(_), ..) => 3,
        (None, _, true) => 0,
        (None, Leaving::Unknown, _) => 1,
        _ => 2,
    };
    out.sort_by_key(|c| (rank(c), c.due_on, c.recorded_at));
    Ok(out)
}

fn corrupt_concern(e: crate::concerns::ConcernError) -> RetentionError {
    match e {
        crate::concerns::ConcernError::Store(s) => RetentionError::Store(s),
        other => corrupt(other),
    }
}

/// A low-level concern `by` may read and review, as stored: `NotFound` otherwise (also for
/// the person it is about: answered as if it did not exist).
async fn readable<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    concern_id: &str,
) -> Result<LowLevelConcernRecord, RetentionError> {
    if !may_review(by) || uuid::Uuid::parse_str(concern_id).is_err() || concern_id.len() != 36 {
        return Err(RetentionError::NotFound);
    }
    let Some(item) = store.get(&keys::low_level_concern(org, concern_id)).await? else {
        return Err(RetentionError::NotFound);
    };
    let c: LowLevelConcernRecord = from_item(&item).map_err(corrupt)?;
    if !c.readers.may_read(by) {
        tracing::warn!(%org, person_id = by.id, concern_id, "refused: retention of a low-level concern this person may not read");
        return Err(RetentionError::NotFound);
    }
    Ok(c)
}

/// One concern as the review lists it, for the confirmation page.
pub async fn candidate<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    concern_id: &str,
    periods: &Retention,
) -> Result<ConcernCandidate, RetentionError> {
    let c = readable(store, org, by, concern_id).await?;
    let leaving = leaving_of(store, org, &c).await?;
    let hold = store
        .get(&keys::retention_hold(org, LOW_LEVEL, concern_id))
        .await?
        .map(|i| from_item::<HoldRecord>(&i).map_err(corrupt))
        .transpose()?;
    Ok(ConcernCandidate {
        concern_id: c.concern_id,
        about_name: c.about_name,
        recorded_at: c.created_at,
        due_on: due_on(leaving, periods),
        leaving,
        hold: hold.as_ref().map(hold_of),
    })
}

/// A line in the log's audit trail about one concern, shown to its readers only.
fn audit_op(
    org: &OrgId,
    c: &LowLevelConcernRecord,
    by: &Person,
    what: String,
    now: DateTime<Utc>,
) -> TxOp {
    TxOp::Put {
        item: to_item(
            &keys::low_level_audit(
                org,
                &crate::store::timestamp(now),
                &uuid::Uuid::now_v7().to_string(),
            ),
            &LowLevelAuditRecord {
                at: now,
                by_id: by.id.clone(),
                by_name: by.name.clone(),
                what,
                readers: Some(c.readers.clone()),
            },
        ),
        condition: Condition::NotExists,
    }
}

/// How a concern is named in the audit trail and messages: who it is about and when it was
/// recorded (its readers know both), never what it says.
fn named(c: &LowLevelConcernRecord) -> String {
    format!(
        "the low-level concern about {} recorded {}",
        c.about_name,
        crate::dates::to_london(c.created_at).format("%-d %B %Y")
    )
}

/// Places a legal hold on a low-level concern `by` may read, with the reason.
pub async fn place_hold<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    concern_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), RetentionError> {
    let c = readable(store, org, by, concern_id).await?;
    let reason = super::check_reason(reason)?;
    let hold = HoldRecord {
        kind: LOW_LEVEL.into(),
        id: concern_id.into(),
        reason: reason.clone(),
        at: now,
        by_name: by.name.clone(),
        by_id: by.id.clone(),
    };
    let ops = vec![
        TxOp::Put {
            item: to_item(&keys::retention_hold(org, LOW_LEVEL, concern_id), &hold),
            condition: Condition::NotExists,
        },
        TxOp::Check {
            key: keys::low_level_concern(org, concern_id),
            condition: Condition::Exists,
        },
        audit_op(
            org,
            &c,
            by,
            format!("Placed a legal hold on {}: {reason}", named(&c)),
            now,
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, concern_id, by = by.id, "legal hold placed on a low-level concern");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&0) => Err(
            RetentionError::Refused("This record is already held.".into()),
        ),
        Err(StoreError::TransactionConditionFailed { .. }) => Err(RetentionError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Lifts the legal hold on a low-level concern `by` may read.
pub async fn lift_hold<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    concern_id: &str,
    now: DateTime<Utc>,
) -> Result<(), RetentionError> {
    let c = readable(store, org, by, concern_id).await?;
    let ops = vec![
        TxOp::Delete {
            key: keys::retention_hold(org, LOW_LEVEL, concern_id),
            condition: Condition::Exists,
        },
        audit_op(
            org,
            &c,
            by,
            format!("Lifted the legal hold on {}", named(&c)),
            now,
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, concern_id, by = by.id, "legal hold lifted from a low-level concern");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(RetentionError::Refused(
            "This record is not held (someone may have lifted the hold already).".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Records the day the person a concern is about left, where the platform cannot know it
/// (someone not on it, or an account deactivated before leaving dates were kept). `typed` is
/// `YYYY-MM-DD`, today or earlier. Refused for someone whose account is active (deactivate it
/// when they leave) or whose deactivation date is known (that date stands).
pub async fn record_left_on<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    concern_id: &str,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<NaiveDate, RetentionError> {
    let c = readable(store, org, by, concern_id).await?;
    match leaving_of(store, org, &c).await? {
        Leaving::StillHere => {
            return Err(RetentionError::Refused(format!(
                "{} still has an active account here. Deactivate their account when they leave: that date is used.",
                c.about_name
            )));
        }
        Leaving::Deactivated(d) => {
            return Err(RetentionError::Refused(format!(
                "{} left on {}, when their account was deactivated: that date is used.",
                c.about_name,
                d.format("%-d %B %Y")
            )));
        }
        Leaving::Recorded(_) | Leaving::Unknown => {}
    }
    let today = crate::dates::to_london(now).date_naive();
    let on = match NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            return Err(RetentionError::Invalid(
                "The date they left must be today or in the past.".into(),
            ));
        }
        Ok(d) => d,
        Err(_) if typed.trim().is_empty() => {
            return Err(RetentionError::Invalid("Enter the date they left.".into()));
        }
        Err(_) => {
            return Err(RetentionError::Invalid(
                "Enter the date they left as a real date, for example 2024-07-31.".into(),
            ));
        }
    };
    let key = keys::low_level_concern(org, concern_id);
    let after = LowLevelConcernRecord {
        left_on: Some(on),
        ..c.clone()
    };
    let ops = vec![
        TxOp::Update {
            key: key.clone(),
            update: crate::store::Update::changes(&c, &after),
            // Two reviewers recording at once: the later date stands, both are in the audit.
            condition: Condition::Exists,
        },
        audit_op(
            org,
            &c,
            by,
            format!(
                "Recorded that {} left on {} (for the retention of {})",
                c.about_name,
                on.format("%-d %B %Y"),
                named(&c)
            ),
            now,
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, concern_id, by = by.id, "leaving date recorded on a low-level concern");
            Ok(on)
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(RetentionError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a low-level concern past its period that `by` may read, and writes its tombstone
/// (no content) and a line in the log's audit trail, in one transaction that checks no hold
/// exists. Refused, changing nothing, when it is not due or held.
pub async fn delete_concern<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    concern_id: &str,
    periods: &Retention,
    now: DateTime<Utc>,
) -> Result<Tombstone, RetentionError> {
    let c = readable(store, org, by, concern_id).await?;
    let leaving = leaving_of(store, org, &c).await?;
    let today = crate::dates::to_london(now).date_naive();
    let due = match (leaving, due_on(leaving, periods)) {
        (Leaving::StillHere, _) => {
            return Err(RetentionError::Refused(format!(
                "{} still works here: a low-level concern about them is kept until they leave.",
                c.about_name
            )));
        }
        (_, None) => {
            return Err(RetentionError::Refused(
                "The date this person left is not known, so this concern is never due for deletion. Record the date they left first.".into(),
            ));
        }
        (_, Some(d)) if d > today => {
            return Err(RetentionError::Refused(format!(
                "This concern is not due for deletion until {}.",
                d.format("%-d %B %Y")
            )));
        }
        (_, Some(d)) => d,
    };
    let tombstone_id = uuid::Uuid::now_v7().to_string();
    let record = TombstoneRecord {
        tombstone_id: tombstone_id.clone(),
        kind: "low_level_concern".into(),
        reference: concern_id.into(),
        route: None,
        readers: Some(c.readers.clone()),
        rule: Rule::LowLevelConcern.as_str().into(),
        due_on: due,
        sent_at: c.created_at,
        deleted_at: now,
        confirmed_by_name: by.name.clone(),
        confirmed_by_id: by.id.clone(),
        items_removed: 1,
    };
    let ops = vec![
        TxOp::Check {
            key: keys::retention_hold(org, LOW_LEVEL, concern_id),
            condition: Condition::NotExists,
        },
        TxOp::Delete {
            key: keys::low_level_concern(org, concern_id),
            condition: Condition::Exists,
        },
        TxOp::Put {
            item: to_item(
                &keys::retention_tombstone(org, &crate::store::timestamp(now), &tombstone_id),
                &record,
            ),
            condition: Condition::NotExists,
        },
        audit_op(
            org,
            &c,
            by,
            format!(
                "Deleted a low-level concern recorded {} at the end of its retention period (reference {concern_id})",
                crate::dates::to_london(c.created_at).format("%-d %B %Y")
            ),
            now,
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {}
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&0) => {
            tracing::warn!(%org, concern_id, by = by.id, "refused: deleting a low-level concern under a legal hold");
            return Err(RetentionError::Refused(
                "This record is under a legal hold: it cannot be deleted. Nothing was deleted."
                    .into(),
            ));
        }
        Err(StoreError::TransactionConditionFailed { .. }) => return Err(RetentionError::NotFound),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(%org, concern_id, by = by.id, "low-level concern deleted at the end of its retention period");
    Ok(Tombstone {
        kind: record.kind,
        reference: record.reference,
        queue: None,
        rule: Rule::LowLevelConcern,
        due_on: due,
        sent_at: c.created_at,
        deleted_at: now,
        confirmed_by_name: record.confirmed_by_name,
        items_removed: 1,
    })
}
