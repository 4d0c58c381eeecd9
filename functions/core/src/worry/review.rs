//! Review dates of open worries (a support plan to look at again, a case to check on): set and
//! cleared by the case actions ([`super::case::CaseAction::SetReview`], `ReviewDone`, closing),
//! each date also written to the organisation's list of review dates in the same transaction,
//! so the reminder run reads only the dates that are due ([`remind_due`]), never every worry.

use super::case::CaseError;
use super::{Status, Worry};
use crate::keys;
use crate::notify::{self, Reason};
use crate::org::OrgId;
use crate::store::record::{Record, from_item, to_item};
use crate::store::{Condition, Query, Store, StoreError, TxOp};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How far ahead a review may be set.
pub const MAX_DAYS_AHEAD: i64 = 2 * 366;

/// A worry's next review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub due: NaiveDate,
    /// What is to be reviewed (the support plan, whether the referral was taken up, ...).
    pub what: String,
}

/// One open worry's review date in the organisation's list (`keys::review_due`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewDueRecord {
    pub worry_id: String,
    pub due: NaiveDate,
}

impl Record for ReviewDueRecord {
    const TYPE: &'static str = "review_due";
}

/// A date as stored in keys: `2027-03-12`.
pub fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date as people in the UK read it: "12 March 2027".
pub fn show(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Reads a date as typed: `2027-03-12` (a date field), `12/3/2027` or `12-03-2027`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
        // "12/3/27" reads as the year 27: refused rather than guessed.
        .filter(|d| d.year() >= 2000)
}

/// The write that lists a review date.
pub(crate) fn put_op(org: &OrgId, worry_id: &str, due: NaiveDate) -> TxOp {
    TxOp::Put {
        item: to_item(
            &keys::review_due(org, &day(due), worry_id),
            &ReviewDueRecord {
                worry_id: worry_id.to_string(),
                due,
            },
        ),
        condition: Condition::Always,
    }
}

/// The write that takes a review date off the list.
pub(crate) fn delete_op(org: &OrgId, worry_id: &str, due: NaiveDate) -> TxOp {
    TxOp::Delete {
        key: keys::review_due(org, &day(due), worry_id),
        condition: Condition::Always,
    }
}

/// Sends a reminder for every review due on or before `today` (UK date): to the person the
/// worry is assigned to, or to everyone it is routed to when nobody is (or the assigned person
/// may no longer read it: the delivery then falls back to its readers). Each date leaves the
/// list in the transaction that writes its notification, so a date is reminded once; a worry
/// closed or given another date meanwhile only leaves the list. Returns how many reminders
/// were written.
pub async fn remind_due<S: Store>(
    store: &S,
    org: &OrgId,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, CaseError> {
    let (from, to) = keys::reviews_due_until(&day(today));
    let mut reminded = 0;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::reviews(org))
                    .between(from.clone(), to.clone())
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let r: ReviewDueRecord =
                from_item(item).map_err(|e| CaseError::Corrupt(e.to_string()))?;
            let listed = keys::review_due(org, &day(r.due), &r.worry_id);
            let worry = match store.get(&keys::worry(org, &r.worry_id)).await? {
                Some(w) => Some(Worry::from_item(&w)?),
                None => None,
            };
            let mut ops = vec![TxOp::Delete {
                key: listed,
                condition: Condition::Exists,
            }];
            let still_due = worry.as_ref().filter(|w| {
                w.status != Status::Closed && w.review.as_ref().map(|v| v.due) == Some(r.due)
            });
            if let Some(w) = still_due {
                ops.push(notify::new_notification(
                    org,
                    &w.id,
                    &w.route,
                    Reason::ReviewDue,
                    false,
                    w.assigned.as_ref().map(|(id, _)| id.as_str()),
                    now,
                ));
            }
            match store.transact(ops).await {
                Ok(()) if still_due.is_some() => {
                    reminded += 1;
                    tracing::info!(%org, worry_id = r.worry_id, due = %r.due, "review reminder written");
                }
                Ok(()) => {}
                // Another run took it first.
                Err(StoreError::TransactionConditionFailed { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(reminded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_people_type_them() {
        let d = NaiveDate::from_ymd_opt(2027, 3, 12).unwrap();
        assert_eq!(parse_date("2027-03-12"), Some(d));
        assert_eq!(parse_date(" 12/3/2027 "), Some(d));
        assert_eq!(parse_date("12-03-2027"), Some(d));
        assert_eq!(parse_date("31/02/2027"), None);
        assert_eq!(parse_date("12/3/27"), None, "a two-digit year is ambiguous");
        assert_eq!(parse_date("next week"), None);
        assert_eq!(show(d), "12 March 2027");
        assert_eq!(day(d), "2027-03-12");
    }

    #[test]
    fn the_due_range_includes_the_whole_day_and_nothing_after() {
        let org = OrgId::parse("demo").unwrap();
        let (from, to) = keys::reviews_due_until("2027-03-12");
        let sk = |due: &str| {
            keys::review_due(&org, due, "0b6c7e5e-5d2f-4a55-9f6e-8e0d3c2b1a00")
                .sk
                .clone()
        };
        for due in ["2026-12-01", "2027-03-12"] {
            assert!(sk(due) >= from && sk(due) <= to, "{due} is due");
        }
        assert!(sk("2027-03-13") > to, "the next day is not due");
    }
}
