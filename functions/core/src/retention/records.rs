//! Retention of person records (a child's file: name, date of birth, note, its own chronology
//! and audit trail, and the concerns it received by transfer from another organisation). A
//! record is a child protection record: it falls due on the child's birthday of the profile's
//! age (IRMS: 25), and only once no concern is linked to it any more (the concerns have their
//! own periods: a record is kept while one of them is). Without a date of birth it is never due.
//!
//! Reviewed by those who read the safeguarding team's concerns and review retention (the DSL):
//! transferred concerns are the team's to read. Never the person the record is of. A legal hold
//! (kind [`RECORD`]) stops deletion; once a deletion has started, no hold may be placed and no
//! concern may be linked to the record ([`crate::records::link`] checks the marker).
//!
//! Deleting removes the record's whole partition and the partitions of the records merged into
//! it, the pointer from a person on the platform to their record, and the marks of the files
//! imported into it; the tombstone keeps no name.

use super::stored::{DeletingRecord, HoldRecord, TombstoneRecord};
use super::{Hold, RetentionError, Rule, Tombstone, add_years, corrupt, hold_of, may_review};
use crate::identity::Person;
use crate::keys;
use crate::org::{OrgId, Retention};
use crate::records::stored::{PersonFileNameRecord, PersonFileRecord};
use crate::routing::{Queue, Route, StoredRoute};
use crate::store::layout::MAX_TRANSACTION_OPS;
use crate::store::record::{from_item, is, to_item};
use crate::store::{Condition, Index, Key, Query, Store, StoreError, TxOp};
use chrono::{DateTime, NaiveDate, Utc};

/// The kind of record a hold or a deletion names, in keys: a person record.
pub const RECORD: &str = keys::RETENTION_RECORD;

/// A person record, as the review lists it: its name (the reviewer reads the record anyway),
/// date of birth and when it falls due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordCandidate {
    pub record_id: String,
    pub name: String,
    /// `None` only for a held record whose date of birth was removed since.
    pub date_of_birth: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub hold: Option<Hold>,
}

/// What the review lists of person records to one reviewer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordsReview {
    /// Past their period, nothing linked, not held: oldest due first.
    pub due: Vec<RecordCandidate>,
    /// Held (whatever their dates).
    pub held: Vec<RecordCandidate>,
    /// Past their period, but kept while concerns are linked to them.
    pub kept_while_linked: usize,
    /// Records with no date of birth: never due.
    pub without_date_of_birth: usize,
}

/// Whether `by` reviews the retention of person records: they review retention and read the
/// team's concerns.
pub fn may_review_records(by: &Person) -> bool {
    may_review(by) && by.roles.iter().any(|r| Queue::Team.readers().contains(r))
}

fn dob(file: &PersonFileRecord) -> Option<NaiveDate> {
    file.date_of_birth
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// Whether any concern is linked to this record (its own partition).
async fn linked_here<S: Store>(
    store: &S,
    org: &OrgId,
    record_id: &str,
) -> Result<bool, RetentionError> {
    let page = store
        .query(
            &Query::partition(keys::person_file_partition(org, record_id))
                .prefix(keys::PERSON_FILE_LINK_PREFIX)
                .limit(1),
        )
        .await?;
    Ok(!page.items.is_empty())
}

/// Whether any concern is linked to the record or to the records merged into it (a merge
/// stopped half-way leaves some on the record merged in).
async fn any_linked<S: Store>(
    store: &S,
    org: &OrgId,
    file: &PersonFileRecord,
) -> Result<bool, RetentionError> {
    for id in std::iter::once(&file.record_id).chain(file.merged_from.iter()) {
        if linked_here(store, org, id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn get_file<S: Store>(
    store: &S,
    org: &OrgId,
    record_id: &str,
) -> Result<Option<PersonFileRecord>, RetentionError> {
    store
        .get(&keys::person_file(org, record_id))
        .await?
        .map(|i| from_item::<PersonFileRecord>(&i).map_err(corrupt))
        .transpose()
}

/// The person records `by` reviews, with when each falls due (only the due and the held are
/// listed; the others are counted). `held` are the organisation's holds.
pub(super) async fn review<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    held: &[HoldRecord],
    periods: &Retention,
    today: NaiveDate,
) -> Result<RecordsReview, RetentionError> {
    let mut out = RecordsReview::default();
    if !may_review_records(by) {
        return Ok(out);
    }
    // Every record once, from the name index (one item per word of a name).
    let names = crate::store::query_all(
        store,
        Query::partition(keys::person_file_names_index(org))
            .on_index(Index::Gsi1)
            .limit(1000),
    )
    .await?;
    let mut seen: Vec<String> = Vec::new();
    for item in &names {
        let n: PersonFileNameRecord = from_item(item).map_err(corrupt)?;
        if seen.contains(&n.record_id) {
            continue;
        }
        seen.push(n.record_id.clone());
        if n.person_id.as_deref() == Some(by.id.as_str()) {
            continue;
        }
        let hold = held
            .iter()
            .find(|h| h.kind == RECORD && h.id == n.record_id)
            .map(hold_of);
        let born = n
            .date_of_birth
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        // From the index alone (a merged-away record has left it): one query more only for a
        // record past its period, whether a concern is linked (a finished merge moved the
        // links of the records merged into it here; deleting checks theirs too).
        let c = RecordCandidate {
            record_id: n.record_id.clone(),
            name: n.name.clone(),
            date_of_birth: born,
            due_on: born.map(|d| add_years(d, periods.child_protection_until_age)),
            hold,
        };
        match (&c.hold, c.due_on) {
            (Some(_), _) => out.held.push(c),
            (None, None) => out.without_date_of_birth += 1,
            (None, Some(d)) if d <= today => {
                if linked_here(store, org, &c.record_id).await? {
                    out.kept_while_linked += 1;
                } else {
                    out.due.push(c);
                }
            }
            (None, Some(_)) => {}
        }
    }
    out.due
        .sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.name.cmp(&b.name)));
    out.held.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A record `by` reviews, as stored (not a merged-away pointer, not their own): `NotFound`
/// otherwise.
async fn readable<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
) -> Result<PersonFileRecord, RetentionError> {
    if !may_review_records(by) || uuid::Uuid::parse_str(record_id).is_err() || record_id.len() != 36
    {
        return Err(RetentionError::NotFound);
    }
    match get_file(store, org, record_id).await? {
        Some(f) if f.merged_into.is_none() && f.person_id.as_deref() != Some(by.id.as_str()) => {
            Ok(f)
        }
        _ => Err(RetentionError::NotFound),
    }
}

/// One record as the review lists it, for the confirmation page.
pub async fn candidate<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
    periods: &Retention,
) -> Result<RecordCandidate, RetentionError> {
    let file = readable(store, org, by, record_id).await?;
    let born = dob(&file);
    let hold = store
        .get(&keys::retention_hold(org, RECORD, record_id))
        .await?
        .map(|i| from_item::<HoldRecord>(&i).map_err(corrupt))
        .transpose()?;
    Ok(RecordCandidate {
        record_id: file.record_id,
        name: file.name,
        date_of_birth: born,
        due_on: born.map(|d| add_years(d, periods.child_protection_until_age)),
        hold: hold.as_ref().map(hold_of),
    })
}

/// The record's audit line (kept until the record goes).
fn audit_op(org: &OrgId, record_id: &str, by: &Person, what: String, now: DateTime<Utc>) -> TxOp {
    TxOp::Put {
        item: to_item(
            &keys::person_file_audit(
                org,
                record_id,
                &crate::store::timestamp(now),
                &uuid::Uuid::now_v7().to_string(),
            ),
            &crate::records::stored::PersonFileAuditRecord {
                at: now,
                by_name: by.name.clone(),
                by_id: Some(by.id.clone()),
                what,
                shown: Vec::new(),
            },
        ),
        condition: Condition::NotExists,
    }
}

/// Places a legal hold on a person record `by` reviews, with the reason; in its audit trail.
pub async fn place_hold<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), RetentionError> {
    readable(store, org, by, record_id).await?;
    let reason = super::check_reason(reason)?;
    let hold = HoldRecord {
        kind: RECORD.into(),
        id: record_id.into(),
        reason: reason.clone(),
        at: now,
        by_name: by.name.clone(),
        by_id: by.id.clone(),
    };
    let ops = vec![
        TxOp::Put {
            item: to_item(&keys::retention_hold(org, RECORD, record_id), &hold),
            condition: Condition::NotExists,
        },
        TxOp::Check {
            key: keys::retention_deleting(org, RECORD, record_id),
            condition: Condition::NotExists,
        },
        TxOp::Check {
            key: keys::person_file(org, record_id),
            condition: Condition::Exists,
        },
        audit_op(
            org,
            record_id,
            by,
            format!("Placed a legal hold: {reason}"),
            now,
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, record_id, by = by.id, "legal hold placed on a person record");
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

/// Lifts the legal hold on a person record `by` reviews; in its audit trail.
pub async fn lift_hold<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
    now: DateTime<Utc>,
) -> Result<(), RetentionError> {
    readable(store, org, by, record_id).await?;
    let ops = vec![
        TxOp::Delete {
            key: keys::retention_hold(org, RECORD, record_id),
            condition: Condition::Exists,
        },
        audit_op(org, record_id, by, "Lifted the legal hold".into(), now),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, record_id, by = by.id, "legal hold lifted from a person record");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(RetentionError::Refused(
            "This record is not held (someone may have lifted the hold already).".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a person record past its period with nothing linked, that `by` reviews, with
/// everything it holds, and writes its tombstone (no name). Refused, changing nothing, when it
/// has no date of birth, is not due, has a concern linked, or is held; the hold is checked by a
/// condition in the transaction that starts the deletion.
pub async fn delete_record<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
    periods: &Retention,
    now: DateTime<Utc>,
) -> Result<Tombstone, RetentionError> {
    let file = readable(store, org, by, record_id).await?;
    let deleting_key = keys::retention_deleting(org, RECORD, record_id);
    let not_now = |e: RetentionError| async {
        store.delete(&deleting_key, Condition::Always).await?;
        Err::<Tombstone, _>(e)
    };
    let Some(born) = dob(&file) else {
        return not_now(RetentionError::Refused(
            "This record has no date of birth, so it is never due for deletion.".into(),
        ))
        .await;
    };
    let due = add_years(born, periods.child_protection_until_age);
    let today = crate::dates::to_london(now).date_naive();
    if due > today {
        return not_now(RetentionError::Refused(format!(
            "This record is not due for deletion until {}.",
            due.format("%-d %B %Y")
        )))
        .await;
    }
    let linked = || {
        RetentionError::Refused(
            "Concerns are still linked to this record: it is kept while they are. Nothing was deleted.".into(),
        )
    };
    if any_linked(store, org, &file).await? {
        return not_now(linked()).await;
    }
    let file_key = keys::person_file(org, record_id);
    let version = Condition::version(file.version);
    // Start: no hold, the record as read; from now on no hold and no link can be added.
    let start = vec![
        TxOp::Check {
            key: keys::retention_hold(org, RECORD, record_id),
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: to_item(
                &deleting_key,
                &DeletingRecord {
                    id: record_id.into(),
                    at: now,
                    by_id: by.id.clone(),
                },
            ),
            condition: Condition::Always,
        },
        TxOp::Check {
            key: file_key.clone(),
            condition: version.clone(),
        },
    ];
    match store.transact(start).await {
        Ok(()) => {}
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&0) => {
            tracing::warn!(%org, record_id, by = by.id, "refused: deleting a person record under a legal hold");
            return Err(RetentionError::Refused(
                "This record is under a legal hold: it cannot be deleted. Nothing was deleted."
                    .into(),
            ));
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            return Err(RetentionError::Refused(
                "This record changed since the page was loaded. Nothing was deleted: please review it again.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }

    // Everything it holds: its partition (but the record, deleted last), the partitions of the
    // records merged into it, their people's pointers and the marks of files imported into them.
    let mut owned: Vec<Key> = Vec::new();
    let mut people = file.person_id.iter().cloned().collect::<Vec<_>>();
    for id in std::iter::once(&file.record_id).chain(file.merged_from.iter()) {
        for item in crate::store::query_all(
            store,
            Query::partition(keys::person_file_partition(org, id)).limit(1000),
        )
        .await?
        {
            let key = Key::of(&item)?;
            if key == file_key {
                continue;
            }
            if key.sk.starts_with(keys::PERSON_FILE_LINK_PREFIX) {
                // Linked between the check and the start: kept.
                store.delete(&deleting_key, Condition::Always).await?;
                return Err(linked());
            }
            if let Some((file_key_hex, _)) = key
                .sk
                .strip_prefix(keys::PERSON_FILE_TRANSFER_PREFIX)
                .and_then(|rest| rest.split_once('#'))
            {
                owned.push(keys::transfer_imported(org, file_key_hex));
            }
            if is::<PersonFileRecord>(&item) {
                let absorbed: PersonFileRecord = from_item(&item).map_err(corrupt)?;
                people.extend(absorbed.person_id);
            }
            owned.push(key);
        }
    }
    for p in &people {
        owned.push(keys::platform_person_file(org, p));
    }
    owned.sort();
    owned.dedup();
    let items_removed = owned.len() as u64 + 1;
    for batch in owned.chunks(MAX_TRANSACTION_OPS - 2) {
        let mut ops = vec![
            TxOp::Check {
                key: deleting_key.clone(),
                condition: Condition::Exists,
            },
            TxOp::Check {
                key: file_key.clone(),
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
                tracing::error!(%org, record_id, "a person record changed while it was being deleted");
                return Err(RetentionError::Refused(
                    "This record changed while it was being deleted. Please review it again."
                        .into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let tombstone_id = uuid::Uuid::now_v7().to_string();
    let record = TombstoneRecord {
        tombstone_id: tombstone_id.clone(),
        kind: "person_record".into(),
        reference: record_id.into(),
        route: Some(StoredRoute::from(&Route::plain(Queue::Team))),
        readers: None,
        rule: Rule::ChildProtection.as_str().into(),
        due_on: due,
        sent_at: file.created_at,
        deleted_at: now,
        confirmed_by_name: by.name.clone(),
        confirmed_by_id: by.id.clone(),
        items_removed,
    };
    let last = vec![
        TxOp::Delete {
            key: file_key,
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
                "This record changed while it was being deleted. Please review it again.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(%org, record_id, by = by.id, items_removed, "person record deleted at the end of its retention period");
    Ok(Tombstone {
        kind: record.kind,
        reference: record.reference,
        queue: Some(Queue::Team),
        rule: Rule::ChildProtection,
        due_on: due,
        sent_at: file.created_at,
        deleted_at: now,
        confirmed_by_name: record.confirmed_by_name,
        items_removed,
    })
}
