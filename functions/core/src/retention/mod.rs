//! Retention: how long safeguarding records are kept, and deleting them when that time is over.
//!
//! * The organisation's profile states the periods ([`crate::org::Retention`], the guidance's
//!   defaults); the rules here turn them into the date a record falls due ([`due_on`]).
//! * A closed worry past its period is listed for review ([`review`]) to the people who may
//!   read it (its routing, as everywhere: a worry about the DSL is never listed to the DSL and
//!   is listed to the allegations lead), oldest due first, with the rule and the date. An open
//!   worry is never due (only the closed lists are read).
//! * Child protection records (the safeguarding team's queue) are kept until the child's 25th
//!   birthday, from the date of birth on a linked person record (the latest, when several are
//!   linked). Without one the record is **never due**: it is listed as needing a date of
//!   birth, because deleting on a guess could destroy a child's file years early.
//! * Allegations about adults (the staff, DSL and head queues) are kept until the person's
//!   normal retirement age (the profile's age, from the date of birth on a linked record) or
//!   10 years from the allegation, whichever is later. Without a date of birth the retirement
//!   date is unknown and may be the later one, so it is never due either (the safe, longer
//!   reading) and listed as needing a date of birth.
//! * A legal hold ([`place_hold`]) stops both listing and deletion; it is checked inside the
//!   deleting transaction with a store condition, so a stale confirmation cannot get past it.
//! * Deleting ([`delete_worry`]) removes the worry and everything it owns (chronology, audit,
//!   forms applied, links to person records and the record entries naming it, the sender's
//!   pointer, the report entry, the review date, notifications still pending) in batches inside the store's transaction
//!   limit, and writes a tombstone with no content.
//!
//! * Person records ([`records`]) are child protection records: due on the child's birthday of
//!   the profile's age, once no concern is linked to them; reviewed by the DSL.
//! * Low-level concerns about staff ([`low_level`]) are kept until the person leaves and the
//!   profile's years after: the date they left is when their account was deactivated, or, for
//!   someone not on the platform (or deactivated before that date was kept), a date a reviewer
//!   records. Until then they are never due. They are listed, held and deleted for the
//!   concern's own readers, never for the person it is about.

pub mod low_level;
pub mod records;
pub mod stored;

use crate::identity::Person;
use crate::keys;
use crate::org::{OrgId, Retention};
use crate::records::stored::{PersonFileEventRecord, PersonFileLinkRecord, PersonFileRecord};
use crate::roles::{self, Action};
use crate::routing::{Queue, Route};
use crate::store::layout::MAX_TRANSACTION_OPS;
use crate::store::record::{from_item, to_item};
use crate::store::{Condition, Index, Item, Key, Query, Store, StoreError, TxOp};
use crate::worry::records::{WorryAuditRecord, WorryRecord};
use crate::worry::{Status, is_worry_id};
use chrono::{DateTime, Months, NaiveDate, Utc};
use stored::{DeletingRecord, HoldRecord, TombstoneRecord};

/// The kind of record a hold or a deletion names, in keys: a worry...
pub const WORRY: &str = "WORRY";
/// ...or a low-level concern.
pub const LOW_LEVEL: &str = "LOWLEVEL";
/// The longest reason for a hold, in characters.
pub const MAX_REASON_CHARS: usize = 1_000;

/// Which retention rule a record falls under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A child protection record: until the child's birthday of the profile's age.
    ChildProtection,
    /// An allegation about an adult: the later of retirement age and the set years.
    Allegation,
    /// A low-level concern about a member of staff: until they leave, and the set years after.
    LowLevelConcern,
}

impl Rule {
    /// The rule for a worry in this queue.
    pub fn of(queue: Queue) -> Rule {
        match queue {
            Queue::Team => Rule::ChildProtection,
            Queue::Staff | Queue::Dsl | Queue::Head => Rule::Allegation,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ChildProtection => "child_protection",
            Rule::Allegation => "allegation",
            Rule::LowLevelConcern => "low_level_concern",
        }
    }

    pub fn parse(s: &str) -> Option<Rule> {
        [
            Rule::ChildProtection,
            Rule::Allegation,
            Rule::LowLevelConcern,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// The rule in words, with the organisation's periods.
    pub fn describe(self, p: &Retention) -> String {
        match self {
            Rule::ChildProtection => format!(
                "Child protection record: kept until the child's {} birthday",
                ordinal(p.child_protection_until_age)
            ),
            Rule::Allegation => format!(
                "Allegation about an adult: kept until they are {} or for {} years from the allegation, whichever is later",
                p.retirement_age, p.allegation_years
            ),
            Rule::LowLevelConcern => match p.low_level_years_after_leaving {
                0 => "Low-level concern: kept until the person leaves".into(),
                1 => "Low-level concern: kept until 1 year after the person leaves".into(),
                n => format!("Low-level concern: kept until {n} years after the person leaves"),
            },
        }
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `years` years after `d` (29 February goes to 28 February in a year that has none).
pub fn add_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_add_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(NaiveDate::MAX)
}

/// The date a record under `rule`, made on `made`, with these dates of birth of the people
/// linked to it, falls due; `None` when that cannot be known without a date of birth (it is
/// then never due).
pub fn due_on(rule: Rule, made: NaiveDate, dobs: &[NaiveDate], p: &Retention) -> Option<NaiveDate> {
    let latest_dob = dobs.iter().max()?;
    Some(match rule {
        Rule::ChildProtection => add_years(*latest_dob, p.child_protection_until_age),
        Rule::Allegation => {
            add_years(made, p.allegation_years).max(add_years(*latest_dob, p.retirement_age))
        }
        // Not from dates of birth: see `low_level::due_on`.
        Rule::LowLevelConcern => return None,
    })
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RetentionError {
    /// Not there, or not for this person (answered alike).
    #[error("no such record")]
    NotFound,
    /// Refused, with what to tell the person.
    #[error("refused: {0}")]
    Refused(String),
    /// A field of the form is wrong, with what to tell the person.
    #[error("invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored record is malformed: {0}")]
    Corrupt(String),
}

fn corrupt(e: impl std::fmt::Display) -> RetentionError {
    RetentionError::Corrupt(e.to_string())
}

/// Whether this person may review retention at all (routing still decides which records).
pub fn may_review(p: &Person) -> bool {
    p.active && roles::allows(&p.roles, Action::ReviewRetention)
}

/// A closed worry, as the review lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub worry_id: String,
    pub queue: Queue,
    pub sent_at: DateTime<Utc>,
    pub rule: Rule,
    /// `None`: needs a date of birth.
    pub due_on: Option<NaiveDate>,
    pub hold: Option<Hold>,
}

/// A legal hold, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by_name: String,
}

/// A tombstone, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tombstone {
    pub kind: String,
    pub reference: String,
    /// The worry's queue (`None`: a low-level concern, read by its own readers).
    pub queue: Option<Queue>,
    pub rule: Rule,
    pub due_on: NaiveDate,
    pub sent_at: DateTime<Utc>,
    pub deleted_at: DateTime<Utc>,
    pub confirmed_by_name: String,
    pub items_removed: u64,
}

/// What the review page lists to one person (only records they may read).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Review {
    /// Past their period and not held, oldest due first.
    pub due: Vec<Candidate>,
    /// Closed, not held, but never due until a date of birth is recorded.
    pub needs_dob: Vec<Candidate>,
    /// Closed, not held, not yet due, soonest first.
    pub not_yet: Vec<Candidate>,
    /// Held (whatever their dates).
    pub held: Vec<Candidate>,
    /// Low-level concerns: due first (oldest due first), then those whose leaving date is
    /// unknown, then those still here or not yet due, then the held.
    pub low_level: Vec<low_level::ConcernCandidate>,
    /// Person records (for those who review them: [`records::may_review_records`]).
    pub records: records::RecordsReview,
    /// Oldest first.
    pub tombstones: Vec<Tombstone>,
}

/// [`crate::store::query_all`] in the largest pages (fewest round trips: all is wanted).
async fn query_all<S: Store>(store: &S, query: Query) -> Result<Vec<Item>, StoreError> {
    crate::store::query_all(store, query.limit(1000)).await
}

/// The dates of birth on the person records a worry is linked to (a merged record's, from the
/// record it went into), with the keys of the links.
async fn linked<S: Store>(
    store: &S,
    org: &OrgId,
    worry_id: &str,
) -> Result<(Vec<NaiveDate>, Vec<(Key, PersonFileLinkRecord)>), RetentionError> {
    let items = query_all(
        store,
        Query::partition(keys::worry_links_index(org, worry_id)).on_index(Index::Gsi1),
    )
    .await?;
    let mut dobs = Vec::new();
    let mut links = Vec::new();
    for item in &items {
        let link: PersonFileLinkRecord = from_item(item).map_err(corrupt)?;
        let mut record_id = link.record_id.clone();
        // At most a few hops: a merge points once, to the record kept.
        for _ in 0..4 {
            let Some(item) = store.get(&keys::person_file(org, &record_id)).await? else {
                break;
            };
            let file: PersonFileRecord = from_item(&item).map_err(corrupt)?;
            if let Some(into) = file.merged_into {
                record_id = into;
                continue;
            }
            if let Some(d) = file
                .date_of_birth
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            {
                dobs.push(d);
            }
            break;
        }
        links.push((Key::of(item)?, link));
    }
    Ok((dobs, links))
}

async fn holds<S: Store>(store: &S, org: &OrgId) -> Result<Vec<HoldRecord>, RetentionError> {
    query_all(
        store,
        Query::partition(keys::retention_partition(org)).prefix(keys::RETENTION_HOLD_PREFIX),
    )
    .await?
    .iter()
    .map(|i| from_item(i).map_err(corrupt))
    .collect()
}

fn hold_of(h: &HoldRecord) -> Hold {
    Hold {
        reason: h.reason.clone(),
        at: h.at,
        by_name: h.by_name.clone(),
    }
}

/// The closed worries `by` may read, with when each falls due, and the tombstones of the
/// records they could read. `today` is the UK date.
pub async fn review<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    periods: &Retention,
    today: NaiveDate,
) -> Result<Review, RetentionError> {
    if !may_review(by) {
        return Err(RetentionError::NotFound);
    }
    let held = holds(store, org).await?;
    let mut out = Review::default();
    for queue in Queue::ALL {
        if !by.roles.iter().any(|r| queue.readers().contains(r)) {
            continue;
        }
        let items = query_all(
            store,
            Query::partition(keys::worries_index(org, queue.as_str(), false)).on_index(Index::Gsi1),
        )
        .await?;
        for item in &items {
            let w: WorryRecord = from_item(item).map_err(corrupt)?;
            let route = Route::from(w.route.clone());
            // The closed list of a queue holds only closed worries; the status is checked too.
            if w.status != Status::Closed || !route.may_read(by) {
                continue;
            }
            let rule = Rule::of(route.queue);
            let (dobs, _) = linked(store, org, &w.worry_id).await?;
            let hold = held
                .iter()
                .find(|h| h.kind == WORRY && h.id == w.worry_id)
                .map(hold_of);
            let c = Candidate {
                due_on: due_on(
                    rule,
                    crate::dates::to_london(w.created_at).date_naive(),
                    &dobs,
                    periods,
                ),
                worry_id: w.worry_id,
                queue: route.queue,
                sent_at: w.created_at,
                rule,
                hold,
            };
            match (&c.hold, c.due_on) {
                (Some(_), _) => out.held.push(c),
                (None, None) => out.needs_dob.push(c),
                (None, Some(d)) if d <= today => out.due.push(c),
                (None, Some(_)) => out.not_yet.push(c),
            }
        }
    }
    out.due.sort_by_key(|c| (c.due_on, c.sent_at));
    out.not_yet.sort_by_key(|c| (c.due_on, c.sent_at));
    out.needs_dob.sort_by_key(|c| c.sent_at);
    out.held.sort_by_key(|c| c.sent_at);
    out.low_level = low_level::review(store, org, by, &held, periods, today).await?;
    out.records = records::review(store, org, by, &held, periods, today).await?;
    out.tombstones = tombstones(store, org, by).await?;
    Ok(out)
}

/// The tombstones of records `by` could have read, oldest first.
pub async fn tombstones<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
) -> Result<Vec<Tombstone>, RetentionError> {
    if !may_review(by) {
        return Err(RetentionError::NotFound);
    }
    let items = query_all(
        store,
        Query::partition(keys::retention_partition(org)).prefix(keys::RETENTION_TOMBSTONE_PREFIX),
    )
    .await?;
    let mut out = Vec::new();
    for item in &items {
        let t: TombstoneRecord = from_item(item).map_err(corrupt)?;
        // Listed to who could have read the record: a worry's route, a concern's readers.
        let queue = match (&t.readers, &t.route) {
            (Some(readers), _) if readers.may_read(by) => None,
            (None, Some(route)) if Route::from(route.clone()).may_read(by) => Some(route.queue),
            _ => continue,
        };
        out.push(Tombstone {
            kind: t.kind,
            reference: t.reference,
            queue,
            rule: Rule::parse(&t.rule).ok_or_else(|| corrupt("unknown rule"))?,
            due_on: t.due_on,
            sent_at: t.sent_at,
            deleted_at: t.deleted_at,
            confirmed_by_name: t.confirmed_by_name,
            items_removed: t.items_removed,
        });
    }
    Ok(out)
}

/// A closed worry `by` may read, as stored: `NotFound` otherwise.
async fn readable<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
) -> Result<WorryRecord, RetentionError> {
    if !may_review(by) || !is_worry_id(worry_id) {
        return Err(RetentionError::NotFound);
    }
    let Some(item) = store.get(&keys::worry(org, worry_id)).await? else {
        return Err(RetentionError::NotFound);
    };
    let w: WorryRecord = from_item(&item).map_err(corrupt)?;
    if !Route::from(w.route.clone()).may_read(by) {
        tracing::warn!(%org, person_id = by.id, worry_id, "refused: retention of a worry not routed to this person");
        return Err(RetentionError::NotFound);
    }
    Ok(w)
}

/// The reason for a hold, checked: there, and not too long.
fn check_reason(reason: &str) -> Result<String, RetentionError> {
    crate::worry::check_text(reason, MAX_REASON_CHARS).map_err(|e| match e {
        crate::worry::WorryError::Empty => RetentionError::Invalid(
            "Enter why the record must be kept (the reason for the hold).".into(),
        ),
        _ => RetentionError::Invalid(format!(
            "The reason for the hold must be {MAX_REASON_CHARS} characters or fewer."
        )),
    })
}

fn audit_op(org: &OrgId, worry_id: &str, by: &Person, what: String, now: DateTime<Utc>) -> TxOp {
    TxOp::Put {
        item: to_item(
            &keys::worry_audit(
                org,
                worry_id,
                &crate::store::timestamp(now),
                &uuid::Uuid::now_v7().to_string(),
            ),
            &WorryAuditRecord {
                at: now,
                by_name: by.name.clone(),
                what,
                by_id: Some(by.id.clone()),
            },
        ),
        condition: Condition::NotExists,
    }
}

/// Places a legal hold on a worry `by` may read (open or closed), with the reason; recorded in
/// the worry's audit trail. Refused once its deletion has started.
pub async fn place_hold<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), RetentionError> {
    readable(store, org, by, worry_id).await?;
    let reason = check_reason(reason)?;
    let hold = HoldRecord {
        kind: WORRY.into(),
        id: worry_id.into(),
        reason: reason.clone(),
        at: now,
        by_name: by.name.clone(),
        by_id: by.id.clone(),
    };
    let ops = vec![
        TxOp::Put {
            item: to_item(&keys::retention_hold(org, WORRY, worry_id), &hold),
            condition: Condition::NotExists,
        },
        TxOp::Check {
            key: keys::retention_deleting(org, WORRY, worry_id),
            condition: Condition::NotExists,
        },
        TxOp::Check {
            key: keys::worry(org, worry_id),
            condition: Condition::Exists,
        },
        audit_op(
            org,
            worry_id,
            by,
            format!("Placed a legal hold: {reason}"),
            now,
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, worry_id, by = by.id, "legal hold placed");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&0) => Err(
            RetentionError::Refused("This record is already held.".into()),
        ),
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&1) => {
            Err(RetentionError::Refused(
                "This record is being deleted: a hold can no longer be placed on it.".into(),
            ))
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(RetentionError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Lifts the legal hold on a worry `by` may read; recorded in its audit trail.
pub async fn lift_hold<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
    now: DateTime<Utc>,
) -> Result<(), RetentionError> {
    readable(store, org, by, worry_id).await?;
    let ops = vec![
        TxOp::Delete {
            key: keys::retention_hold(org, WORRY, worry_id),
            condition: Condition::Exists,
        },
        audit_op(org, worry_id, by, "Lifted the legal hold".into(), now),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, worry_id, by = by.id, "legal hold lifted");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(RetentionError::Refused(
            "This record is not held (someone may have lifted the hold already).".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// What a confirmation page names about a worry before it is deleted (nothing of its content).
pub async fn candidate<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
    periods: &Retention,
) -> Result<Candidate, RetentionError> {
    let w = readable(store, org, by, worry_id).await?;
    let route = Route::from(w.route.clone());
    let rule = Rule::of(route.queue);
    let (dobs, _) = linked(store, org, worry_id).await?;
    let hold = store
        .get(&keys::retention_hold(org, WORRY, worry_id))
        .await?
        .map(|i| from_item::<HoldRecord>(&i).map_err(corrupt))
        .transpose()?
        .as_ref()
        .map(hold_of);
    let due = if w.status == Status::Closed {
        due_on(
            rule,
            crate::dates::to_london(w.created_at).date_naive(),
            &dobs,
            periods,
        )
    } else {
        None
    };
    Ok(Candidate {
        worry_id: w.worry_id,
        queue: route.queue,
        sent_at: w.created_at,
        rule,
        due_on: due,
        hold,
    })
}

/// Deletes a closed worry past its period that `by` may read, with everything it owns, and
/// writes its tombstone. Refused (changing nothing) when it is open, not due, held, or changed
/// since; the hold is checked by a condition in the transaction that starts the deletion.
pub async fn delete_worry<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
    periods: &Retention,
    now: DateTime<Utc>,
) -> Result<Tombstone, RetentionError> {
    let w = readable(store, org, by, worry_id).await?;
    // A deletion interrupted earlier (a worry changed, or reopened, while it ran) leaves its
    // marker; a worry that cannot be deleted now must be open to a hold again.
    let deleting_key = keys::retention_deleting(org, WORRY, worry_id);
    let not_now = |e: RetentionError| async {
        store.delete(&deleting_key, Condition::Always).await?;
        Err::<Tombstone, _>(e)
    };
    if w.status != Status::Closed {
        return not_now(RetentionError::Refused(
            "This concern is open: an open concern is never deleted.".into(),
        ))
        .await;
    }
    let route = Route::from(w.route.clone());
    let rule = Rule::of(route.queue);
    let (dobs, links) = linked(store, org, worry_id).await?;
    let today = crate::dates::to_london(now).date_naive();
    let made = crate::dates::to_london(w.created_at).date_naive();
    let due = match due_on(rule, made, &dobs, periods) {
        None => {
            return not_now(RetentionError::Refused(
                "This concern has no date of birth on a linked person record, so it is never due for deletion.".into(),
            ))
            .await;
        }
        Some(d) if d > today => {
            return not_now(RetentionError::Refused(format!(
                "This concern is not due for deletion until {}.",
                d.format("%-d %B %Y")
            )))
            .await;
        }
        Some(d) => d,
    };
    let worry_key = keys::worry(org, worry_id);
    let version = Condition::Equals(crate::store::VERSION.into(), w.version.into());
    // Start: no hold, the worry as read; from now on no hold can be placed.
    let start = vec![
        TxOp::Check {
            key: keys::retention_hold(org, WORRY, worry_id),
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: to_item(
                &deleting_key,
                &DeletingRecord {
                    id: worry_id.into(),
                    at: now,
                    by_id: by.id.clone(),
                },
            ),
            condition: Condition::Always,
        },
        TxOp::Check {
            key: worry_key.clone(),
            condition: version.clone(),
        },
    ];
    match store.transact(start).await {
        Ok(()) => {}
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&0) => {
            tracing::warn!(%org, worry_id, by = by.id, "refused: deleting a worry under a legal hold");
            return Err(RetentionError::Refused(
                "This record is under a legal hold: it cannot be deleted. Nothing was deleted."
                    .into(),
            ));
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            return Err(RetentionError::Refused(
                "This concern changed since the page was loaded. Nothing was deleted: please review it again.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }

    // Everything the worry owns, but the worry itself (deleted last, with the tombstone).
    let mut owned: Vec<Key> = Vec::new();
    for item in query_all(
        store,
        Query::partition(keys::worry_partition(org, worry_id)),
    )
    .await?
    {
        let key = Key::of(&item)?;
        if key != worry_key {
            owned.push(key);
        }
    }
    for (key, link) in &links {
        owned.push(key.clone());
        // The record's own chronology entries naming this worry (linked, unlinked).
        let events = query_all(
            store,
            Query::partition(keys::person_file_partition(org, &link.record_id))
                .prefix(keys::PERSON_FILE_EVENT_PREFIX),
        )
        .await?;
        for item in &events {
            let e: PersonFileEventRecord = from_item(item).map_err(corrupt)?;
            if e.worry_id.as_deref() == Some(worry_id) {
                owned.push(Key::of(item)?);
            }
        }
    }
    // Notifications still pending for it (a delivered one expires by TTL, 400 days after).
    for item in query_all(
        store,
        Query::partition(keys::notifications_pending(org)).on_index(Index::Gsi1),
    )
    .await?
    {
        let n: crate::notify::NotificationRecord = from_item(&item).map_err(corrupt)?;
        if n.worry_id == worry_id {
            owned.push(Key::of(&item)?);
        }
    }
    let created = crate::store::timestamp(w.created_at);
    if let Some(sender) = &w.sender_id {
        owned.push(keys::sender_worry(org, sender, &created, worry_id));
    }
    owned.push(keys::worry_report_entry(
        org,
        &crate::worry::report_entry::month_of(w.created_at),
        worry_id,
    ));
    if let Some(due) = w.review_due {
        owned.push(keys::review_due(
            org,
            &due.format("%Y-%m-%d").to_string(),
            worry_id,
        ));
    }
    owned.sort();
    owned.dedup();
    let items_removed = owned.len() as u64 + 1;
    // Batches inside the transaction limit, each checking the deletion is still the one begun
    // and the worry unchanged. Deleting an item that is not there is not an error.
    for batch in owned.chunks(MAX_TRANSACTION_OPS - 2) {
        let mut ops = vec![
            TxOp::Check {
                key: deleting_key.clone(),
                condition: Condition::Exists,
            },
            TxOp::Check {
                key: worry_key.clone(),
                condition: version.clone(),
            },
        ];
        ops.extend(batch.iter().map(|k| TxOp::Delete {
            key: k.clone(),
            condition: Condition::Always,
        }));
        match store.transact(ops).await {
            Ok(()) => {}
            Err(StoreError::TransactionConditionFailed { .. }) => {
                tracing::error!(%org, worry_id, "a worry changed while it was being deleted");
                return Err(RetentionError::Refused(
                    "This concern changed while it was being deleted. Please review it again."
                        .into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let tombstone_id = uuid::Uuid::now_v7().to_string();
    let record = TombstoneRecord {
        tombstone_id: tombstone_id.clone(),
        kind: "worry".into(),
        reference: worry_id.into(),
        route: Some(w.route.clone()),
        readers: None,
        rule: rule.as_str().into(),
        due_on: due,
        sent_at: w.created_at,
        deleted_at: now,
        confirmed_by_name: by.name.clone(),
        confirmed_by_id: by.id.clone(),
        items_removed,
    };
    let last = vec![
        TxOp::Delete {
            key: worry_key,
            condition: version,
        },
        TxOp::Delete {
            key: deleting_key,
            condition: Condition::Exists,
        },
        TxOp::Put {
            item: to_item(
                &keys::retention_tombstone(org, &crate::store::timestamp(now), &tombstone_id),
                &record,
            ),
            condition: Condition::NotExists,
        },
    ];
    match store.transact(last).await {
        Ok(()) => {}
        Err(StoreError::TransactionConditionFailed { .. }) => {
            return Err(RetentionError::Refused(
                "This concern changed while it was being deleted. Please review it again.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(%org, worry_id, by = by.id, items_removed, rule = rule.as_str(), "worry deleted at the end of its retention period");
    Ok(Tombstone {
        kind: record.kind,
        reference: record.reference,
        queue: Some(route.queue),
        rule,
        due_on: due,
        sent_at: w.created_at,
        deleted_at: now,
        confirmed_by_name: record.confirmed_by_name,
        items_removed,
    })
}

impl RetentionError {
    /// A plain message for the person.
    pub fn user_message(&self) -> String {
        match self {
            RetentionError::NotFound => "There is no such record, or you may not see it.".into(),
            RetentionError::Refused(m) | RetentionError::Invalid(m) => m.clone(),
            RetentionError::Store(_) | RetentionError::Corrupt(_) => {
                "Sorry, the records could not be read or changed just now. Nothing was deleted. Please try again in a minute.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests;
