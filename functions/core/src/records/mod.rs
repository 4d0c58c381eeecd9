//! Person records: a child's (or an adult's) worries in one place. A record is either the record
//! of a person on the platform (by their person id, at most one each) or of someone who is not
//! (a child named in a worry): a name, an optional date of birth, group and note. Worries are
//! linked to records from the worry's page by its readers; a worry may be linked to several
//! (the sender and the friend it names). Duplicates are merged: every link moves to the record
//! that stays, and the merge is in both records' chronologies and audit trails.
//!
//! Routing still applies inside a record. A record's chronology is built, for each viewer, from
//! the linked worries *they* may read ([`crate::worry::Worry::visible_to`]): a worry they may
//! not read is not shown, not counted, and leaves no trace, not even the record's own entries
//! naming it ("linked", "unlinked", "created from"). Every other record entry (a merge) and the
//! record's name, date of birth, group and note are shown to every safeguarding role: they may
//! link their own worries to it, and a name says nothing of the worries linked to it (the same
//! page shows a record with no worries at all and one whose worries are all hidden from them).
//! Links and unlinks are recorded in the worry's own audit trail (its readers only), never in
//! the record's audit trail, which the DSL reads whatever the worries' routing.
//!
//! Every view of a record is in its audit trail, and in the audit trail of every worry it showed.
//! The DSL reads the record's trail without the views that showed a worry hidden from them: the
//! allegations lead opening a child's record for a worry about the DSL must not tell the DSL.
//! Search is by the start of any word of the name, over an index of those words (one query), not
//! a scan of the records.

pub mod stored;
pub mod transfer;

use crate::identity::{Person, people};
use crate::keys;
use crate::org::OrgId;
use crate::roles::{Action, Role};
use crate::store::record::{from_item, to_item};
use crate::store::{Condition, Index, Item, Query, Store, StoreError, TxOp, Update, layout};
use crate::worry::case::{self, AuditEntry, CaseEvent, EventKind};
use crate::worry::records::{WorryEventRecord, WorryRecord};
use crate::worry::{Sender, Status, Worry};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde_json::Value;
use stored::{
    PersonFileAuditRecord, PersonFileEventRecord, PersonFileLinkRecord, PersonFileNameRecord,
    PersonFileRecord, PlatformPersonFileRecord,
};

/// The longest group (class, form, course) and note, in characters.
pub const MAX_GROUP_CHARS: usize = 100;
pub const MAX_NOTE_CHARS: usize = 2_000;
/// At most this many words of a name are indexed for search.
const MAX_NAME_WORDS: usize = 10;
/// At most this many records (and people) in one search's answer.
pub const MAX_RESULTS: usize = 20;
/// Reads of linked worries in flight at once while a record is built.
const CONCURRENT_READS: usize = 16;
/// Links moved per transaction by a merge (two operations each, well inside the limit).
const LINKS_PER_MERGE_TX: usize = 40;

/// A person record as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonFile {
    pub id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub group: Option<String>,
    pub note: Option<String>,
    /// The person on the platform it is the record of.
    pub person_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

/// What a new record says about the person (checked).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FileDetails {
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub group: Option<String>,
    pub note: Option<String>,
}

/// A problem with one field of a form, for the error summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The form field's name (the page links the summary to it).
    pub field: &'static str,
    pub message: String,
}

/// A new record's details as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetailsInput {
    pub name: String,
    /// `YYYY-MM-DD` (the date input's value), or empty.
    pub date_of_birth: String,
    pub group: String,
    pub note: String,
}

impl DetailsInput {
    /// The details, or every problem with them. `today` bounds the date of birth.
    pub fn validate(&self, today: NaiveDate) -> Result<FileDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = match people::normalise_name(&self.name) {
            Ok(n) if !name_words(&n).is_empty() => n,
            Ok(_) => {
                errors.push(FieldError {
                    field: "name",
                    message: "Enter the person's name, with at least one letter or number".into(),
                });
                String::new()
            }
            Err(e) => {
                errors.push(FieldError {
                    field: "name",
                    message: match e {
                        people::PeopleError::InvalidName("it is missing") => {
                            "Enter the person's name".into()
                        }
                        people::PeopleError::InvalidName(why) => {
                            format!("The name cannot be used: {why}")
                        }
                        other => other.to_string(),
                    },
                });
                String::new()
            }
        };
        let dob = self.date_of_birth.trim();
        let date_of_birth = if dob.is_empty() {
            None
        } else {
            match NaiveDate::parse_from_str(dob, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errors.push(FieldError {
                        field: "date_of_birth",
                        message: "The date of birth must be in the past".into(),
                    });
                    None
                }
                Ok(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => {
                    errors.push(FieldError {
                        field: "date_of_birth",
                        message: "The date of birth must be after 1900".into(),
                    });
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError {
                        field: "date_of_birth",
                        message: "Enter the date of birth as a real date, for example 2012-03-27"
                            .into(),
                    });
                    None
                }
            }
        };
        let group = one_line(&self.group);
        if group.chars().count() > MAX_GROUP_CHARS {
            errors.push(FieldError {
                field: "group",
                message: format!("The group must be {MAX_GROUP_CHARS} characters or fewer"),
            });
        }
        let note = self.note.trim().replace("\r\n", "\n");
        if note.chars().count() > MAX_NOTE_CHARS {
            errors.push(FieldError {
                field: "note",
                message: format!("The note must be {MAX_NOTE_CHARS} characters or fewer"),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(FileDetails {
            name,
            date_of_birth,
            group: (!group.is_empty()).then_some(group),
            note: (!note.is_empty()).then_some(note),
        })
    }
}

/// Blank space folded, direction overrides and control characters dropped.
fn one_line(s: &str) -> String {
    s.chars()
        .filter(|c| !people::is_bidi_control(*c) && !c.is_control() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words a name is found by: lowercase, apostrophes dropped ("O'Neil" is "oneil"), split at
/// anything that is not a letter or digit ("Smith-Jones" is "smith" and "jones"), no repeats.
pub fn name_words(name: &str) -> Vec<String> {
    let folded: String = name
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}'))
        .collect();
    let mut words: Vec<String> = Vec::new();
    for w in folded.split(|c: char| !c.is_alphanumeric()) {
        if !w.is_empty() && !words.iter().any(|x| x == w) {
            words.push(w.to_string());
        }
    }
    words
}

/// Whether every word typed starts some word of the name (case and punctuation aside).
pub fn name_matches(name: &str, typed: &[String]) -> bool {
    let words = name_words(name);
    typed
        .iter()
        .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
}

/// Where a worry is linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkTo {
    /// An existing record.
    File(String),
    /// A person on the platform: their record, made now if they have none.
    Person(String),
    /// A new record of someone who is not on the platform.
    New(FileDetails),
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No such record (or worry) for this person: the same answer for both.
    #[error("no such record for this person")]
    NotFound,
    /// The record was merged into another one.
    #[error("merged into {0}")]
    MergedInto(String),
    #[error("refused: {0}")]
    Refused(String),
    #[error("invalid details")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored record is malformed: {0}")]
    Corrupt(String),
}

impl FileError {
    /// A plain message for the person.
    pub fn user_message(&self) -> String {
        match self {
            FileError::NotFound => "There is no record at this address that you can see.".into(),
            FileError::MergedInto(_) => "This record was merged into another one.".into(),
            FileError::Refused(why) => why.clone(),
            FileError::Invalid(errors) => errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(". "),
            FileError::Store(_) | FileError::Corrupt(_) => "Sorry, this could not be saved or read just now. Nothing was changed: please try again in a minute.".into(),
        }
    }
}

impl From<crate::worry::WorryError> for FileError {
    fn from(e: crate::worry::WorryError) -> Self {
        match e {
            crate::worry::WorryError::Store(s) => FileError::Store(s),
            other => FileError::Corrupt(other.to_string()),
        }
    }
}

impl From<case::CaseError> for FileError {
    fn from(e: case::CaseError) -> Self {
        match e {
            case::CaseError::Store(s) => FileError::Store(s),
            case::CaseError::NotFound => FileError::NotFound,
            other => FileError::Corrupt(other.to_string()),
        }
    }
}

fn corrupt(e: impl std::fmt::Display) -> FileError {
    FileError::Corrupt(e.to_string())
}

/// Whether this person may see and link person records at all (routing still decides which
/// worries they see in one).
pub fn may_use(person: &Person) -> bool {
    person.active && crate::roles::allows(&person.roles, Action::ViewPersonRecords)
}

/// Record ids are UUIDs: anything else is refused before it reaches a key.
pub fn is_file_id(id: &str) -> bool {
    crate::worry::is_worry_id(id)
}

fn file_of(r: PersonFileRecord) -> PersonFile {
    PersonFile {
        id: r.record_id,
        name: r.name,
        date_of_birth: r
            .date_of_birth
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
        group: r.group,
        note: r.note,
        person_id: r.person_id,
        created_at: r.created_at,
        version: r.version,
    }
}

/// The record as stored, if it exists in this organisation.
async fn head<S: Store>(
    store: &S,
    org: &OrgId,
    record_id: &str,
) -> Result<Option<PersonFileRecord>, FileError> {
    if !is_file_id(record_id) {
        return Ok(None);
    }
    match store.get(&keys::person_file(org, record_id)).await? {
        Some(item) => Ok(Some(from_item(&item).map_err(corrupt)?)),
        None => Ok(None),
    }
}

/// The record a worry can be linked to (a merged one is followed to the one it went into).
async fn live_head<S: Store>(
    store: &S,
    org: &OrgId,
    record_id: &str,
) -> Result<PersonFileRecord, FileError> {
    let mut id = record_id.to_string();
    for _ in 0..8 {
        let Some(h) = head(store, org, &id).await? else {
            return Err(FileError::NotFound);
        };
        match &h.merged_into {
            Some(into) => id = into.clone(),
            None => return Ok(h),
        }
    }
    Err(FileError::Corrupt("a chain of merges too long".into()))
}

fn event_op(org: &OrgId, record_id: &str, at: &str, e: &PersonFileEventRecord) -> TxOp {
    let id = uuid::Uuid::new_v4().to_string();
    TxOp::Put {
        item: to_item(&keys::person_file_event(org, record_id, at, &id), e),
        condition: Condition::NotExists,
    }
}

fn audit_op(org: &OrgId, record_id: &str, now: DateTime<Utc>, by: &Person, what: &str) -> TxOp {
    audit_op_showing(org, record_id, now, by, what, &[])
}

/// [`audit_op`] for a view that showed worries with these routes.
fn audit_op_showing(
    org: &OrgId,
    record_id: &str,
    now: DateTime<Utc>,
    by: &Person,
    what: &str,
    shown: &[&crate::routing::Route],
) -> TxOp {
    let mut routes: Vec<crate::routing::StoredRoute> = Vec::new();
    for r in shown {
        let stored = crate::routing::StoredRoute::from(*r);
        if !routes.contains(&stored) {
            routes.push(stored);
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    let at = crate::store::timestamp(now);
    TxOp::Put {
        item: to_item(
            &keys::person_file_audit(org, record_id, &at, &id),
            &PersonFileAuditRecord {
                at: now,
                by_name: by.name.clone(),
                by_id: Some(by.id.clone()),
                what: what.into(),
                shown: routes,
            },
        ),
        condition: Condition::NotExists,
    }
}

fn event(
    kind: &str,
    by: &Person,
    now: DateTime<Utc>,
    worry_id: Option<&str>,
) -> PersonFileEventRecord {
    PersonFileEventRecord {
        kind: kind.into(),
        at: now,
        by_name: by.name.clone(),
        by_id: Some(by.id.clone()),
        worry_id: worry_id.map(str::to_string),
        other_id: None,
        other_name: None,
    }
}

/// The index items of a record's name words.
fn name_ops(org: &OrgId, r: &PersonFileRecord) -> Vec<TxOp> {
    name_words(&r.name)
        .into_iter()
        .take(MAX_NAME_WORDS)
        .map(|w| TxOp::Put {
            item: to_item(
                &keys::person_file_name(org, &r.record_id, &w),
                &PersonFileNameRecord {
                    record_id: r.record_id.clone(),
                    name: r.name.clone(),
                    date_of_birth: r.date_of_birth.clone(),
                    group: r.group.clone(),
                    person_id: r.person_id.clone(),
                    gsi1pk: keys::person_file_names_index(org),
                    gsi1sk: keys::person_file_names_sort(&w, &r.record_id),
                },
            ),
            condition: Condition::Always,
        })
        .collect()
}

fn worry_audit(org: &OrgId, worry_id: &str, now: DateTime<Utc>, by: &Person, what: String) -> TxOp {
    case::audit_op(
        org,
        worry_id,
        &crate::store::timestamp(now),
        &AuditEntry {
            at: now,
            by_id: Some(by.id.clone()),
            by_name: by.name.clone(),
            what,
        },
    )
}

/// What a link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linked {
    pub record_id: String,
    pub name: String,
    /// A new record was made for it.
    pub created: bool,
}

/// Links a worry `by` may read to a record (an existing one, a platform person's, or a new one).
/// In one transaction: the link, the record's chronology entry, the worry's audit entry (and
/// the new record with its name index, when there is one).
pub async fn link<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
    to: LinkTo,
    now: DateTime<Utc>,
) -> Result<Linked, FileError> {
    if !may_use(by) {
        return Err(FileError::NotFound);
    }
    if case::route_for(store, org, by, worry_id).await?.is_none() {
        return Err(FileError::NotFound);
    }
    let at = crate::store::timestamp(now);
    let mut ops = Vec::new();
    let (file, created) = match to {
        LinkTo::File(id) => (live_head(store, org, &id).await?, false),
        LinkTo::Person(person_id) => {
            let person = match people::get(store, org, &person_id).await {
                Ok(p) => p,
                Err(people::PeopleError::NotFound) => {
                    return Err(FileError::Refused(
                        "There is no such person on the platform. Search again.".into(),
                    ));
                }
                Err(people::PeopleError::Store(s)) => return Err(FileError::Store(s)),
                Err(e) => return Err(corrupt(e)),
            };
            match store
                .get(&keys::platform_person_file(org, &person.id))
                .await?
            {
                Some(item) => {
                    let p: PlatformPersonFileRecord = from_item(&item).map_err(corrupt)?;
                    (live_head(store, org, &p.record_id).await?, false)
                }
                None => {
                    let r = new_record(
                        &FileDetails {
                            name: person.name.clone(),
                            group: (!person.groups.is_empty()).then(|| person.groups.join(", ")),
                            ..FileDetails::default()
                        },
                        Some(person.id.clone()),
                        by,
                        now,
                    );
                    ops.push(TxOp::Put {
                        item: to_item(
                            &keys::platform_person_file(org, &person.id),
                            &PlatformPersonFileRecord {
                                record_id: r.record_id.clone(),
                            },
                        ),
                        condition: Condition::NotExists,
                    });
                    ops.extend(create_ops(org, &r, by, now, worry_id));
                    (r, true)
                }
            }
        }
        LinkTo::New(details) => {
            let r = new_record(&details, None, by, now);
            ops.extend(create_ops(org, &r, by, now, worry_id));
            (r, true)
        }
    };
    let link_key = keys::person_file_link(org, &file.record_id, worry_id);
    if !created && store.get(&link_key).await?.is_some() {
        return Err(FileError::Refused(format!(
            "This concern is already linked to the record of {}.",
            file.name
        )));
    }
    let link_at = ops.len();
    ops.push(TxOp::Put {
        item: to_item(
            &link_key,
            &PersonFileLinkRecord {
                record_id: file.record_id.clone(),
                worry_id: worry_id.into(),
                record_name: file.name.clone(),
                linked_at: now,
                by_name: by.name.clone(),
                gsi1pk: keys::worry_links_index(org, worry_id),
                gsi1sk: file.record_id.clone(),
            },
        ),
        condition: Condition::NotExists,
    });
    if !created {
        // The record must still be there (not merged away) when the link is written...
        ops.push(TxOp::Check {
            key: keys::person_file(org, &file.record_id),
            condition: Condition::version(file.version),
        });
        // ...and not being deleted at the end of its retention period.
        ops.push(TxOp::Check {
            key: keys::retention_deleting(org, keys::RETENTION_RECORD, &file.record_id),
            condition: Condition::NotExists,
        });
    }
    ops.push(event_op(
        org,
        &file.record_id,
        &format!("{at}1"),
        &event("linked", by, now, Some(worry_id)),
    ));
    ops.push(worry_audit(
        org,
        worry_id,
        now,
        by,
        format!("Linked to the person record of {}", file.name),
    ));
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = by.id, worry_id, record_id = file.record_id, created, "worry linked to a person record");
            Ok(Linked {
                record_id: file.record_id,
                name: file.name,
                created,
            })
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&link_at) => {
            Err(FileError::Refused(format!(
                "This concern is already linked to the record of {}.",
                file.name
            )))
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(FileError::Refused(
            "The record changed while you were linking (someone merged it or made it at the same time). Nothing was saved: please search again.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

fn new_record(
    d: &FileDetails,
    person_id: Option<String>,
    by: &Person,
    now: DateTime<Utc>,
) -> PersonFileRecord {
    PersonFileRecord {
        record_id: uuid::Uuid::new_v4().to_string(),
        name: d.name.clone(),
        date_of_birth: d.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
        group: d.group.clone(),
        note: d.note.clone(),
        person_id,
        created_at: now,
        created_by_name: by.name.clone(),
        merged_into: None,
        merged_from: Vec::new(),
        version: 1,
    }
}

/// The new record, its name index and its "created" entry (naming the worry it was made from,
/// so it is hidden with that worry).
fn create_ops(
    org: &OrgId,
    r: &PersonFileRecord,
    by: &Person,
    now: DateTime<Utc>,
    from_worry: &str,
) -> Vec<TxOp> {
    let mut ops = vec![TxOp::Put {
        item: to_item(&keys::person_file(org, &r.record_id), r),
        condition: Condition::NotExists,
    }];
    ops.extend(name_ops(org, r));
    ops.push(event_op(
        org,
        &r.record_id,
        &format!("{}0", crate::store::timestamp(now)),
        &event("created", by, now, Some(from_worry)),
    ));
    ops
}

/// Unlinks a worry `by` may read from a record; recorded in the record's chronology (hidden
/// with the worry) and the worry's audit trail.
pub async fn unlink<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
    record_id: &str,
    now: DateTime<Utc>,
) -> Result<String, FileError> {
    if !may_use(by) || !is_file_id(record_id) {
        return Err(FileError::NotFound);
    }
    if case::route_for(store, org, by, worry_id).await?.is_none() {
        return Err(FileError::NotFound);
    }
    let key = keys::person_file_link(org, record_id, worry_id);
    let Some(item) = store.get(&key).await? else {
        return Err(FileError::Refused(
            "This concern is not linked to that record (someone may have unlinked it already)."
                .into(),
        ));
    };
    let l: PersonFileLinkRecord = from_item(&item).map_err(corrupt)?;
    let at = crate::store::timestamp(now);
    let ops = vec![
        TxOp::Delete {
            key,
            condition: Condition::Exists,
        },
        event_op(
            org,
            record_id,
            &at,
            &event("unlinked", by, now, Some(worry_id)),
        ),
        worry_audit(
            org,
            worry_id,
            now,
            by,
            format!("Unlinked from the person record of {}", l.record_name),
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = by.id, worry_id, record_id, "worry unlinked from a person record");
            Ok(l.record_name)
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(FileError::Refused(
            "This concern is not linked to that record (someone may have unlinked it already)."
                .into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// A record a worry is linked to, as the worry's page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedFile {
    pub record_id: String,
    pub name: String,
}

/// The records a worry `by` may read is linked to (one query of the worry's links).
pub async fn linked_to_worry<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    worry_id: &str,
) -> Result<Vec<LinkedFile>, FileError> {
    if !may_use(by) || case::route_for(store, org, by, worry_id).await?.is_none() {
        return Err(FileError::NotFound);
    }
    let items = query_all(
        store,
        Query::partition(keys::worry_links_index(org, worry_id)).on_index(Index::Gsi1),
    )
    .await?;
    let mut out = Vec::new();
    for item in &items {
        let l: PersonFileLinkRecord = from_item(item).map_err(corrupt)?;
        out.push(LinkedFile {
            record_id: l.record_id,
            name: l.record_name,
        });
    }
    out.sort_by_key(|a| a.name.to_lowercase());
    Ok(out)
}

/// [`crate::store::query_all`] in the largest pages (fewest round trips: all is wanted).
async fn query_all<S: Store>(store: &S, query: Query) -> Result<Vec<Item>, StoreError> {
    crate::store::query_all(store, query.limit(1000)).await
}

/// A record found by a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub record_id: String,
    pub name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub group: Option<String>,
    pub on_platform: bool,
    /// The linked worries the searcher may read (hidden ones are not counted).
    pub concerns: usize,
}

/// A person on the platform found by a search, who has no record yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundPerson {
    pub person_id: String,
    pub name: String,
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResult {
    pub files: Vec<Found>,
    pub people: Vec<FoundPerson>,
    /// More matched than are shown: type more of the name.
    pub more: bool,
}

/// Records whose name has a word starting with each word typed (case and punctuation aside),
/// with the number of linked worries `by` may read; and, with `with_people`, the people on the
/// platform whose name starts with what was typed and who have no record among them.
///
/// One query of the name index (by the longest word typed), one of the people index, then one
/// query and one read per linked worry of each record found, to count what `by` may read.
pub async fn search<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    typed: &str,
    with_people: bool,
) -> Result<SearchResult, FileError> {
    if !may_use(by) {
        return Err(FileError::NotFound);
    }
    let words = name_words(typed);
    let Some(longest) = words.iter().max_by_key(|w| w.chars().count()) else {
        return Err(FileError::Invalid(vec![FieldError {
            field: "q",
            message: "Enter some of the person's name, with at least one letter or number".into(),
        }]));
    };
    let mut files: Vec<PersonFileNameRecord> = Vec::new();
    let mut cursor = None;
    let mut more = false;
    loop {
        let page = store
            .query(
                &Query::partition(keys::person_file_names_index(org))
                    .on_index(Index::Gsi1)
                    .prefix(longest.clone())
                    .limit(200)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let n: PersonFileNameRecord = from_item(item).map_err(corrupt)?;
            if name_matches(&n.name, &words) && !files.iter().any(|f| f.record_id == n.record_id) {
                files.push(n);
            }
        }
        if files.len() > MAX_RESULTS {
            more = true;
            break;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    files.truncate(MAX_RESULTS);
    files.sort_by_key(|a| a.name.to_lowercase());
    let record_ids: Vec<String> = files.iter().map(|f| f.record_id.clone()).collect();
    let counts: Vec<Result<usize, FileError>> = futures_util::stream::iter(record_ids)
        .map(|id: String| async move { Ok(visible_linked(store, org, by, &id).await?.len()) })
        .buffered(4)
        .collect()
        .await;
    let mut found = Vec::new();
    for (f, count) in files.into_iter().zip(counts) {
        found.push(Found {
            on_platform: f.person_id.is_some(),
            concerns: count?,
            date_of_birth: f
                .date_of_birth
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            record_id: f.record_id,
            name: f.name,
            group: f.group,
        });
    }
    let mut people_found = Vec::new();
    if with_people {
        let prefix = one_line(typed).to_lowercase();
        let page = store
            .query(
                &Query::partition(keys::people_index(org))
                    .on_index(Index::Gsi1)
                    .prefix(prefix)
                    .limit(MAX_RESULTS + 1),
            )
            .await?;
        more |= page.items.len() > MAX_RESULTS;
        for item in page.items.iter().take(MAX_RESULTS) {
            let p: people::PersonRecord = from_item(item).map_err(corrupt)?;
            // Known by their record already: shown as that record.
            if p.active
                && store
                    .get(&keys::platform_person_file(org, &p.person_id))
                    .await?
                    .is_none()
            {
                people_found.push(FoundPerson {
                    person_id: p.person_id,
                    name: p.details.name,
                    groups: p.details.groups,
                });
            }
        }
    }
    Ok(SearchResult {
        files: found,
        people: people_found,
        more,
    })
}

/// The worries linked to a record that `by` may read.
async fn visible_linked<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
) -> Result<Vec<Worry>, FileError> {
    let links = query_all(
        store,
        Query::partition(keys::person_file_partition(org, record_id))
            .prefix(keys::PERSON_FILE_LINK_PREFIX),
    )
    .await?;
    let ids: Vec<String> = links
        .iter()
        .map(|i| from_item::<PersonFileLinkRecord>(i).map(|l| l.worry_id))
        .collect::<Result<_, _>>()
        .map_err(corrupt)?;
    let worries: Vec<Result<Option<Item>, StoreError>> = futures_util::stream::iter(ids)
        .map(|id: String| async move { store.get(&keys::worry(org, &id)).await })
        .buffered(CONCURRENT_READS)
        .collect()
        .await;
    let mut out = Vec::new();
    for w in worries {
        if let Some(item) = w? {
            let w = Worry::from_item(&item)?;
            if w.visible_to(by) {
                out.push(w);
            }
        }
    }
    Ok(out)
}

/// One entry of a record's chronology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub by_name: String,
    pub what: String,
    pub text: String,
    /// The worry it belongs to (the page links to it).
    pub worry_id: Option<String>,
}

/// A linked worry, as the record lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedWorry {
    pub worry: Worry,
    pub linked_at: DateTime<Utc>,
}

/// A record as `by` may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub file: PersonFile,
    /// Oldest first.
    pub chronology: Vec<Entry>,
    /// Oldest first.
    pub worries: Vec<LinkedWorry>,
    /// The record's audit trail, for the DSL (oldest first, this view included).
    pub audit: Option<Vec<AuditEntry>>,
}

/// A worry and its chronology.
type WorryWithEvents = (Worry, Vec<CaseEvent>);

/// A worry's record and chronology, without its audit trail (which grows with every view).
async fn load_worry<S: Store>(
    store: &S,
    org: &OrgId,
    worry_id: &str,
) -> Result<Option<WorryWithEvents>, FileError> {
    if !crate::worry::is_worry_id(worry_id) {
        return Ok(None);
    }
    // `EVENT#…`, `IDEM#…`, `WORRY` sort after `AUDIT#…`.
    let items = query_all(
        store,
        Query::partition(keys::worry_partition(org, worry_id))
            .between(keys::WORRY_EVENT_PREFIX, "WORRY"),
    )
    .await?;
    let mut worry = None;
    let mut events = Vec::new();
    for item in &items {
        let sk = item
            .get(layout::SK)
            .and_then(Value::as_str)
            .unwrap_or_default();
        if sk == "WORRY" {
            let r: WorryRecord = from_item(item).map_err(corrupt)?;
            worry = Some(Worry::try_from(r)?);
        } else if sk.starts_with(keys::WORRY_EVENT_PREFIX) {
            let r: WorryEventRecord = from_item(item).map_err(corrupt)?;
            events.push(CaseEvent::try_from(r)?);
        }
    }
    Ok(worry.map(|w| (w, events)))
}

fn describe(e: &PersonFileEventRecord) -> String {
    let other = e.other_name.clone().unwrap_or_default();
    match e.kind.as_str() {
        "created" => "Created this record, from a concern".into(),
        "linked" => "Linked a concern to this record".into(),
        "unlinked" => "Unlinked a concern from this record".into(),
        "merged_in" => format!("Merged the record of {other} into this one"),
        "merged_into" => format!("Merged this record into the record of {other}"),
        "transferred_in" => format!("Received this record by transfer from {other}"),
        other => other.to_string(),
    }
}

/// Opens a record for `by`: its details, one chronology across every linked worry they may read
/// (and the record's own entries that name no worry or one they may read), in time order. The
/// view is written to the record's audit trail and to each shown worry's, before it is returned.
pub async fn open<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
    now: DateTime<Utc>,
) -> Result<Shown, FileError> {
    if !may_use(by) {
        return Err(FileError::NotFound);
    }
    let Some(h) = head(store, org, record_id).await? else {
        return Err(FileError::NotFound);
    };
    if let Some(into) = h.merged_into {
        return Err(FileError::MergedInto(into));
    }
    // The record's links and entries (its audit trail sorts before them and is not read).
    let items = query_all(
        store,
        Query::partition(keys::person_file_partition(org, record_id)).between(
            keys::PERSON_FILE_EVENT_PREFIX,
            keys::PERSON_FILE_NAME_PREFIX,
        ),
    )
    .await?;
    let mut links = Vec::new();
    let mut own = Vec::new();
    let mut inbound = Vec::new();
    for item in &items {
        let sk = item
            .get(layout::SK)
            .and_then(Value::as_str)
            .unwrap_or_default();
        if sk.starts_with(keys::PERSON_FILE_LINK_PREFIX) {
            links.push(from_item::<PersonFileLinkRecord>(item).map_err(corrupt)?);
        } else if sk.starts_with(keys::PERSON_FILE_EVENT_PREFIX) {
            own.push(from_item::<PersonFileEventRecord>(item).map_err(corrupt)?);
        } else if sk.starts_with(keys::PERSON_FILE_TRANSFER_PREFIX) {
            inbound.push(item);
        }
    }
    // The entries of the records merged into this one.
    for absorbed in &h.merged_from {
        for item in query_all(
            store,
            Query::partition(keys::person_file_partition(org, absorbed))
                .prefix(keys::PERSON_FILE_EVENT_PREFIX),
        )
        .await?
        {
            own.push(from_item::<PersonFileEventRecord>(&item).map_err(corrupt)?);
        }
    }
    let mut ids: Vec<String> = links.iter().map(|l| l.worry_id.clone()).collect();
    for e in &own {
        if let Some(w) = &e.worry_id
            && !ids.contains(w)
        {
            ids.push(w.clone());
        }
    }
    let loaded: Vec<Result<Option<WorryWithEvents>, FileError>> = futures_util::stream::iter(ids)
        .map(|id: String| async move { load_worry(store, org, &id).await })
        .buffered(CONCURRENT_READS)
        .collect()
        .await;
    let mut visible: Vec<WorryWithEvents> = Vec::new();
    for l in loaded {
        if let Some((w, events)) = l?
            && w.visible_to(by)
        {
            visible.push((w, events));
        }
    }
    let may_read = |id: &str| visible.iter().any(|(w, _)| w.id == id);
    let mut chronology: Vec<Entry> = own
        .iter()
        .filter(|e| e.worry_id.as_deref().is_none_or(may_read))
        .map(|e| Entry {
            at: e.at,
            by_name: e.by_name.clone(),
            what: describe(e),
            text: String::new(),
            worry_id: e.worry_id.clone(),
        })
        .collect();
    let mut worries = Vec::new();
    for l in &links {
        let Some((w, events)) = visible.iter().find(|(w, _)| w.id == l.worry_id) else {
            continue;
        };
        chronology.push(Entry {
            at: w.created_at,
            by_name: match &w.sender {
                Sender::Named { name, .. } => name.clone(),
                Sender::Anonymous => "Anonymous".into(),
            },
            what: "Sent the concern".into(),
            text: w.text.clone(),
            worry_id: Some(w.id.clone()),
        });
        for e in events {
            if e.kind == EventKind::Viewed {
                continue;
            }
            chronology.push(Entry {
                at: e.at,
                by_name: e.by_name.clone(),
                what: e.kind.describe(),
                text: e.text.clone(),
                worry_id: Some(w.id.clone()),
            });
        }
        worries.push(LinkedWorry {
            worry: w.clone(),
            linked_at: l.linked_at,
        });
    }
    // Concerns received by transfer (read-only, for the readers of a team-queue worry): this
    // record's were read above, the absorbed records' are read now.
    chronology
        .extend(transfer::transferred_entries(store, org, by, &inbound, &h.merged_from).await?);
    chronology.sort_by_key(|a| a.at);
    worries.sort_by_key(|a| a.worry.created_at);
    // The view, in the record's audit trail and each shown worry's, before anything is shown.
    let routes: Vec<&crate::routing::Route> = worries.iter().map(|lw| &lw.worry.route).collect();
    let mut ops = vec![audit_op_showing(org, record_id, now, by, "Viewed", &routes)];
    for lw in &worries {
        ops.push(worry_audit(
            org,
            &lw.worry.id,
            now,
            by,
            format!("Viewed in the person record of {}", h.name),
        ));
    }
    for chunk in ops.chunks(layout::MAX_TRANSACTION_OPS) {
        store.transact(chunk.to_vec()).await?;
    }
    tracing::info!(%org, person_id = by.id, record_id, worries = worries.len(), "person record viewed");
    let audit = if by.roles.contains(&Role::Dsl) {
        let items = query_all(
            store,
            Query::partition(keys::person_file_partition(org, record_id))
                .prefix(keys::PERSON_FILE_AUDIT_PREFIX),
        )
        .await?;
        let mut audit = Vec::new();
        for item in &items {
            let a: PersonFileAuditRecord = from_item(item).map_err(corrupt)?;
            let hides_something = a
                .shown
                .iter()
                .any(|r| !crate::routing::Route::from(r.clone()).may_read(by));
            if hides_something {
                continue;
            }
            audit.push(AuditEntry {
                at: a.at,
                by_id: a.by_id,
                by_name: a.by_name,
                what: a.what,
            });
        }
        Some(audit)
    } else {
        None
    };
    Ok(Shown {
        file: file_of(h),
        chronology,
        worries,
        audit,
    })
}

/// Merges `absorbed` into `kept`: every link moves to `kept` (a worry linked to both stays
/// linked once), `kept` takes the date of birth, group and note it lacks, the merge is in both
/// chronologies and audit trails, and `absorbed` then only points to `kept` (its name leaves the
/// search index). A platform person's record can absorb an off-platform record, not the other
/// way round, and two platform people's records are never merged.
///
/// Links are moved in transactions of [`LINKS_PER_MERGE_TX`] before the last one marks the
/// merge: if it stops half-way, the links moved so far are on `kept` and merging again finishes.
pub async fn merge<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    kept_id: &str,
    absorbed_id: &str,
    now: DateTime<Utc>,
) -> Result<(), FileError> {
    if !may_use(by) {
        return Err(FileError::NotFound);
    }
    if kept_id == absorbed_id {
        return Err(FileError::Refused(
            "A record cannot be merged into itself. Choose the duplicate.".into(),
        ));
    }
    let Some(kept) = head(store, org, kept_id).await? else {
        return Err(FileError::NotFound);
    };
    let Some(absorbed) = head(store, org, absorbed_id).await? else {
        return Err(FileError::NotFound);
    };
    if kept.merged_into.is_some() || absorbed.merged_into.is_some() {
        return Err(FileError::Refused(
            "One of these records was already merged into another. Search again.".into(),
        ));
    }
    match (&kept.person_id, &absorbed.person_id) {
        (Some(_), Some(_)) => {
            return Err(FileError::Refused(
                "Both records are of people on the platform, so they are different people: they cannot be merged.".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(FileError::Refused(format!(
                "{} is on the platform: open their record and merge this one into it.",
                absorbed.name
            )));
        }
        _ => {}
    }
    let links_of = |id: &str| {
        query_all(
            store,
            Query::partition(keys::person_file_partition(org, id))
                .prefix(keys::PERSON_FILE_LINK_PREFIX),
        )
    };
    let kept_links: Vec<String> = links_of(kept_id)
        .await?
        .iter()
        .map(|i| from_item::<PersonFileLinkRecord>(i).map(|l| l.worry_id))
        .collect::<Result<_, _>>()
        .map_err(corrupt)?;
    let moving: Vec<PersonFileLinkRecord> = links_of(absorbed_id)
        .await?
        .iter()
        .map(from_item::<PersonFileLinkRecord>)
        .collect::<Result<_, _>>()
        .map_err(corrupt)?;
    for chunk in moving.chunks(LINKS_PER_MERGE_TX) {
        let mut ops = Vec::new();
        for l in chunk {
            ops.push(TxOp::Delete {
                key: keys::person_file_link(org, absorbed_id, &l.worry_id),
                condition: Condition::Always,
            });
            if !kept_links.contains(&l.worry_id) {
                ops.push(TxOp::Put {
                    item: to_item(
                        &keys::person_file_link(org, kept_id, &l.worry_id),
                        &PersonFileLinkRecord {
                            record_id: kept_id.into(),
                            record_name: kept.name.clone(),
                            gsi1sk: kept_id.into(),
                            ..l.clone()
                        },
                    ),
                    condition: Condition::Always,
                });
            }
        }
        store.transact(ops).await?;
    }
    let at = crate::store::timestamp(now);
    let mut kept_after = kept.clone();
    kept_after.date_of_birth = kept
        .date_of_birth
        .clone()
        .or(absorbed.date_of_birth.clone());
    kept_after.group = kept.group.clone().or(absorbed.group.clone());
    kept_after.note = match (&kept.note, &absorbed.note) {
        (Some(a), Some(b)) if a != b => Some(format!("{a}\n\n{b}")),
        (a, b) => a.clone().or(b.clone()),
    };
    kept_after.merged_from.push(absorbed_id.into());
    kept_after
        .merged_from
        .extend(absorbed.merged_from.iter().cloned());
    let mut absorbed_after = absorbed.clone();
    absorbed_after.merged_into = Some(kept_id.into());
    let mut ops = vec![
        TxOp::Update {
            key: keys::person_file(org, kept_id),
            update: Update::changes(&kept, &kept_after).bump_version(),
            condition: Condition::version(kept.version),
        },
        TxOp::Update {
            key: keys::person_file(org, absorbed_id),
            update: Update::changes(&absorbed, &absorbed_after).bump_version(),
            condition: Condition::version(absorbed.version),
        },
    ];
    let mut merged_in = event("merged_in", by, now, None);
    merged_in.other_id = Some(absorbed_id.into());
    merged_in.other_name = Some(absorbed.name.clone());
    let mut merged_into = event("merged_into", by, now, None);
    merged_into.other_id = Some(kept_id.into());
    merged_into.other_name = Some(kept.name.clone());
    ops.push(event_op(org, kept_id, &at, &merged_in));
    ops.push(event_op(org, absorbed_id, &at, &merged_into));
    ops.push(audit_op(
        org,
        kept_id,
        now,
        by,
        &format!("Merged the record of {} into this one", absorbed.name),
    ));
    ops.push(audit_op(
        org,
        absorbed_id,
        now,
        by,
        &format!("Merged this record into the record of {}", kept.name),
    ));
    // The absorbed name leaves the index; the kept one is written again with what it gained.
    for w in name_words(&absorbed.name).into_iter().take(MAX_NAME_WORDS) {
        ops.push(TxOp::Delete {
            key: keys::person_file_name(org, absorbed_id, &w),
            condition: Condition::Always,
        });
    }
    ops.extend(name_ops(org, &kept_after));
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = by.id, kept_id, absorbed_id, moved = moving.len(), "person records merged");
            Ok(())
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Err(FileError::Refused(
            "One of the records changed while you were merging. Nothing more was changed: please check and merge again.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Whether a worry is open (for the record's list of concerns).
pub fn is_open(w: &Worry) -> bool {
    w.status != Status::Closed
}

#[cfg(test)]
mod tests;
