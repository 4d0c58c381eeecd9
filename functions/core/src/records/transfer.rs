//! Transfer of a child's file to another organisation on the platform (KCSIE: the DSL sends the
//! child protection file to the new school or college, separately from the main pupil file,
//! and the new DSL confirms receipt).
//!
//! **What leaves.** The record's details (name, date of birth, group, note) and every linked
//! worry the exporter may read ([`crate::worry::Worry::visible_to`]) that is in the team's queue
//! ([`Queue::Team`]), with its text and its chronology (handling, replies, decisions with their
//! own fields), in time order. A worry in the staff (allegations), DSL or head queue never
//! leaves, whoever exports: those are about adults here and stay with this organisation. The
//! record's own bookkeeping entries (linked, unlinked, merged) and every internal id (of the
//! record, of people, of handlers) stay too; each worry keeps its id as its `reference`, so the
//! sending DSL can find it when the receiving DSL asks. Concerns a record itself received by
//! transfer are passed on as they came, with where they came from.
//!
//! **The file.** One JSON document, `"format": "online-safety-file/1"` ([`TransferFile`]),
//! sealed with the deployment's secret (an HMAC over its canonical form): a file edited after
//! it was exported, or not exported from this platform, is refused on import. The printable
//! page shows the same document. Both downloads are written to the record's audit trail and to
//! each included worry's, before the file is returned.
//!
//! **Import.** The file is checked strictly ([`check`]: size, format, the seal, dates, lengths,
//! counts) before anything is stored, then [`import`] makes an off-platform person record in the
//! receiving organisation, in one transaction with: the record's "received by transfer" entry
//! and audit entry, one read-only item per transferred concern, and the file's key (a hash of
//! its content), so importing the same file again is a no-op that names the record it made.
//!
//! **Why transferred concerns are read-only entries, not worries.** A transferred concern is
//! another organisation's record of what happened there: nobody here can acknowledge, reply to
//! or close it, and it must not enter this organisation's inbox, counts, reviews or reports as
//! if it had been raised here. So each is kept whole in the record's partition and shown in the
//! record's chronology, marked "transferred from <organisation>", to the people who read a
//! team-queue worry here (the DSL and deputies, [`Route::plain`] of [`Queue::Team`]); every
//! other safeguarding role sees the record's name and the "received" entry only.

use super::stored::{PersonFileEventRecord, PersonFileRecord};
use super::{
    CONCURRENT_READS, DetailsInput, Entry, FieldError, FileDetails, FileError, WorryWithEvents,
    audit_op, corrupt, event_op, head, load_worry, name_ops, new_record, query_all, worry_audit,
};
use crate::crypto::{Secret, constant_time_eq, hex, sha256_hex};
use crate::identity::Person;
use crate::keys;
use crate::org::OrgId;
use crate::roles::{Action, allows};
use crate::routing::{Queue, Route};
use crate::store::record::{self, Record, from_item, to_item};
use crate::store::{Condition, Item, Query, Store, StoreError, TxOp, layout};
use crate::worry::case::{CaseEvent, EventKind, MAX_ENTRY_CHARS};
use crate::worry::decision::Decision;
use crate::worry::{MAX_TEXT_CHARS, Sender, Worry};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format (and its version) a transfer file declares.
pub const FORMAT: &str = "online-safety-file/1";
/// The largest file imported, in bytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The most concerns one file carries (they are stored in one transaction with the record).
pub const MAX_CONCERNS: usize = 80;
/// The most chronology entries of one concern.
pub const MAX_ENTRIES: usize = 300;
/// One transferred concern is stored as one item: this keeps it well under DynamoDB's 400 KB.
const MAX_CONCERN_BYTES: usize = 300 * 1024;
/// Names, labels, references.
const MAX_SHORT_CHARS: usize = 200;
/// A chronology entry's description.
const MAX_WHAT_CHARS: usize = 500;
/// Fields of one entry.
const MAX_FIELDS: usize = 20;
const SEAL_PURPOSE: &str = "transfer-file/1";
/// A time in a file may be this far ahead of the receiving clock.
const CLOCK_SKEW_MINUTES: i64 = 10;

/// A child's file as it leaves: the JSON document, and what the printable page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The sending organisation's name.
    pub sending_organisation: String,
    /// RFC 3339.
    pub exported_at: String,
    /// The name of the person who exported it.
    pub exported_by: String,
    pub person: TransferPerson,
    /// Oldest first.
    pub concerns: Vec<TransferConcern>,
    /// HMAC-SHA-256 (hex) of the file with this field empty, by the platform's secret.
    pub seal: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferPerson {
    pub name: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One concern (a worry of the sending organisation) with its chronology.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferConcern {
    /// The sending organisation's reference for it (its worry id), for cross-reference.
    pub reference: String,
    /// Set when the sending organisation had itself received it by transfer: from where, when.
    #[serde(default)]
    pub transferred_from: Option<String>,
    /// RFC 3339.
    pub sent_at: String,
    /// The sender's name, or "Anonymous".
    pub sent_by: String,
    pub kind: String,
    pub urgency: String,
    pub status: String,
    pub text: String,
    /// Oldest first.
    pub entries: Vec<TransferEntry>,
}

/// One entry of a concern's chronology.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferEntry {
    /// RFC 3339.
    pub at: String,
    pub by: String,
    pub what: String,
    #[serde(default)]
    pub text: String,
    /// A decision's (or referral's) own fields, labelled.
    #[serde(default)]
    pub fields: Vec<TransferField>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferField {
    pub label: String,
    pub value: String,
}

impl TransferFile {
    /// The bytes the seal covers: the file as this platform writes it, seal empty.
    fn canonical(&self) -> Vec<u8> {
        let mut f = self.clone();
        f.seal = String::new();
        serde_json::to_vec(&f).unwrap_or_default()
    }

    fn seal_with(&self, secret: &Secret) -> String {
        hex(&secret.mac(SEAL_PURPOSE, &[&self.canonical()]))
    }

    /// The file's key: a hash of what it says (not when or by whom it was downloaded), so the
    /// same file downloaded twice is imported once.
    pub fn key(&self) -> String {
        let content = serde_json::to_vec(&(
            &self.format,
            &self.sending_organisation,
            &self.person,
            &self.concerns,
        ))
        .unwrap_or_default();
        sha256_hex(&content)
    }

    /// The JSON file (indented, for people who open it).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Which download was made (for the audit trails).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Printable,
    Json,
}

impl ExportFormat {
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Printable => "printable page",
            ExportFormat::Json => "JSON file",
        }
    }
}

/// Whether this person may export a file for transfer (routing still decides what is in it).
pub fn may_export(person: &Person) -> bool {
    person.active && allows(&person.roles, Action::TransferPersonFiles)
}

/// Whether this person may import a transferred file.
pub fn may_import(person: &Person) -> bool {
    person.active && allows(&person.roles, Action::ImportPersonFiles)
}

/// Whether a worry leaves in a file `by` exports: in the team's queue and readable by them.
pub fn leaves(w: &Worry, by: &Person) -> bool {
    w.route.queue == Queue::Team && w.visible_to(by)
}

/// Who reads transferred concerns here: the readers of a team-queue worry.
pub fn reads_transferred(by: &Person) -> bool {
    Route::plain(Queue::Team).may_read(by)
}

fn fields_of(kind: &EventKind) -> Vec<TransferField> {
    let field = |label: &str, value: String| TransferField {
        label: label.into(),
        value,
    };
    match kind {
        EventKind::Decision(Decision::Parents { informed }) => {
            vec![field("Parents or carers", informed.label().into())]
        }
        EventKind::Decision(Decision::Threshold { level }) => {
            vec![field("Threshold", level.label().into())]
        }
        EventKind::Referral { to, reference } => {
            let mut out = vec![field("Referred to", to.label().into())];
            if !reference.is_empty() {
                out.push(field("Reference", reference.clone()));
            }
            out
        }
        other => other
            .details()
            .into_iter()
            .map(|(l, v)| field(l, v))
            .collect(),
    }
}

fn concern_of(
    w: &Worry,
    events: &[CaseEvent],
    kind_label: &(dyn Fn(&str) -> String + Sync),
) -> TransferConcern {
    let mut events: Vec<&CaseEvent> = events
        .iter()
        .filter(|e| e.kind != EventKind::Viewed)
        .collect();
    events.sort_by_key(|e| e.at);
    TransferConcern {
        reference: w.id.clone(),
        transferred_from: None,
        sent_at: crate::store::timestamp(w.created_at),
        sent_by: match &w.sender {
            Sender::Named { name, .. } => name.clone(),
            Sender::Anonymous => "Anonymous".into(),
        },
        kind: kind_label(&w.kind),
        urgency: w.urgency.label().into(),
        status: w.status.label().into(),
        text: w.text.clone(),
        entries: events
            .into_iter()
            .map(|e| TransferEntry {
                at: crate::store::timestamp(e.at),
                by: e.by_name.clone(),
                what: e.kind.describe(),
                text: e.text.clone(),
                fields: fields_of(&e.kind),
            })
            .collect(),
    }
}

/// A concern received by transfer (`keys::person_file_transferred`): the concern whole (as JSON:
/// it is read only as a whole), and where and when it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransferredConcernRecord {
    /// The sending organisation's name.
    pub from: String,
    /// When the file was exported (RFC 3339, as the file says).
    pub exported_at: String,
    #[serde(with = "record::time")]
    pub received_at: DateTime<Utc>,
    pub concern_json: String,
}

impl Record for TransferredConcernRecord {
    const TYPE: &'static str = "transferred_concern";
}

/// A file imported here (`keys::transfer_imported`), so the same file is imported once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransferImportedRecord {
    pub record_id: String,
    pub name: String,
    pub from: String,
    pub exported_at: String,
    #[serde(with = "record::time")]
    pub imported_at: DateTime<Utc>,
    pub by_name: String,
}

impl Record for TransferImportedRecord {
    const TYPE: &'static str = "transfer_imported";
}

/// The concerns the records `record_ids` received by transfer.
async fn received<S: Store>(
    store: &S,
    org: &OrgId,
    record_ids: &[String],
) -> Result<Vec<(TransferredConcernRecord, TransferConcern)>, FileError> {
    let mut out = Vec::new();
    for id in record_ids {
        for item in query_all(
            store,
            Query::partition(keys::person_file_partition(org, id))
                .prefix(keys::PERSON_FILE_TRANSFER_PREFIX),
        )
        .await?
        {
            out.push(concern_in(&item)?);
        }
    }
    Ok(out)
}

fn concern_in(item: &Item) -> Result<(TransferredConcernRecord, TransferConcern), FileError> {
    let r: TransferredConcernRecord = from_item(item).map_err(corrupt)?;
    let c: TransferConcern = serde_json::from_str(&r.concern_json).map_err(corrupt)?;
    Ok((r, c))
}

fn concerns_in_words(n: usize) -> String {
    match n {
        1 => "1 concern".into(),
        n => format!("{n} concerns"),
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "Oak School, 7 December 2026".
fn from_words(from: &str, exported_at: &str) -> String {
    match parse_time(exported_at) {
        Some(t) => format!("{from}, {}", crate::dates::show_date(t)),
        None => from.to_string(),
    }
}

/// The chronology entries of the concerns a record received by transfer (`items`, read with
/// the record) and those the records merged into it received (`absorbed`, read now), for `by`:
/// none unless they read team-queue worries. The record's page adds them to its own.
pub(super) async fn transferred_entries<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    items: &[&Item],
    absorbed: &[String],
) -> Result<Vec<Entry>, FileError> {
    if !reads_transferred(by) {
        return Ok(Vec::new());
    }
    let mut all = Vec::new();
    for item in items {
        all.push(concern_in(item)?);
    }
    all.extend(received(store, org, absorbed).await?);
    let mut out = Vec::new();
    for (r, c) in all {
        let from = c
            .transferred_from
            .clone()
            .unwrap_or_else(|| from_words(&r.from, &r.exported_at));
        out.push(Entry {
            at: parse_time(&c.sent_at).unwrap_or(r.received_at),
            by_name: c.sent_by.clone(),
            what: format!(
                "Sent a concern ({}; transferred from {from}, their reference {})",
                c.kind, c.reference
            ),
            text: c.text.clone(),
            worry_id: None,
        });
        for e in &c.entries {
            let mut text = e.text.clone();
            for f in &e.fields {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!("{}: {}", f.label, f.value));
            }
            out.push(Entry {
                at: parse_time(&e.at).unwrap_or(r.received_at),
                by_name: e.by.clone(),
                what: format!("{} (transferred from {from})", e.what),
                text,
                worry_id: None,
            });
        }
    }
    Ok(out)
}

/// The file of a record for transfer, as `by` may export it (see the module's notes), sealed;
/// the download (`format`) is written to the record's audit trail and to every included
/// worry's before it is returned. `kind_label` names a worry's kind as the pages do.
#[allow(clippy::too_many_arguments)]
pub async fn export<S: Store>(
    store: &S,
    org: &OrgId,
    sending_organisation: &str,
    secret: &Secret,
    by: &Person,
    record_id: &str,
    format: ExportFormat,
    kind_label: &(dyn Fn(&str) -> String + Sync),
    now: DateTime<Utc>,
) -> Result<TransferFile, FileError> {
    if !may_export(by) {
        return Err(FileError::NotFound);
    }
    let Some(h) = head(store, org, record_id).await? else {
        return Err(FileError::NotFound);
    };
    if let Some(into) = h.merged_into {
        return Err(FileError::MergedInto(into));
    }
    let links = query_all(
        store,
        Query::partition(keys::person_file_partition(org, record_id))
            .prefix(keys::PERSON_FILE_LINK_PREFIX),
    )
    .await?;
    let ids: Vec<String> = links
        .iter()
        .map(|i| from_item::<super::stored::PersonFileLinkRecord>(i).map(|l| l.worry_id))
        .collect::<Result<_, _>>()
        .map_err(corrupt)?;
    let loaded: Vec<Result<Option<WorryWithEvents>, FileError>> = futures_util::stream::iter(ids)
        .map(|id: String| async move { load_worry(store, org, &id).await })
        .buffered(CONCURRENT_READS)
        .collect()
        .await;
    let mut worries = Vec::new();
    for l in loaded {
        if let Some((w, events)) = l?
            && leaves(&w, by)
        {
            worries.push((w, events));
        }
    }
    worries.sort_by_key(|(w, _)| w.created_at);
    let mut concerns: Vec<TransferConcern> = worries
        .iter()
        .map(|(w, e)| concern_of(w, e, kind_label))
        .collect();
    if reads_transferred(by) {
        let mut ids = vec![record_id.to_string()];
        ids.extend(h.merged_from.iter().cloned());
        for (r, mut c) in received(store, org, &ids).await? {
            if c.transferred_from.is_none() {
                c.transferred_from = Some(from_words(&r.from, &r.exported_at));
            }
            concerns.push(c);
        }
    }
    concerns.sort_by_key(|c| parse_time(&c.sent_at));
    if concerns.len() > MAX_CONCERNS {
        return Err(FileError::Refused(format!(
            "This record has {} concerns that would be transferred: one file carries at most {MAX_CONCERNS}. Ask the platform's support team to transfer it.",
            concerns.len()
        )));
    }
    let mut file = TransferFile {
        format: FORMAT.into(),
        sending_organisation: sending_organisation.into(),
        exported_at: crate::store::timestamp(now),
        exported_by: by.name.clone(),
        person: TransferPerson {
            name: h.name.clone(),
            date_of_birth: h.date_of_birth.clone(),
            group: h.group.clone(),
            note: h.note.clone(),
        },
        concerns,
        seal: String::new(),
    };
    file.seal = file.seal_with(secret);
    // The download, in the record's audit trail and each included worry's, before it is made.
    let mut ops = vec![audit_op(
        org,
        record_id,
        now,
        by,
        &format!(
            "Exported for transfer ({}): {}",
            format.label(),
            concerns_in_words(file.concerns.len())
        ),
    )];
    for (w, _) in &worries {
        ops.push(worry_audit(
            org,
            &w.id,
            now,
            by,
            format!(
                "Exported for transfer ({}) in the person record of {}",
                format.label(),
                h.name
            ),
        ));
    }
    for chunk in ops.chunks(layout::MAX_TRANSACTION_OPS) {
        store.transact(chunk.to_vec()).await?;
    }
    tracing::info!(%org, person_id = by.id, record_id, concerns = file.concerns.len(), format = format.label(), "person record exported for transfer");
    Ok(file)
}

/// A file that passed every check, ready to import (and to preview).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub file: TransferFile,
    /// [`TransferFile::key`].
    pub key: String,
    /// The person's details, as a new record takes them.
    pub details: FileDetails,
    pub exported_at: DateTime<Utc>,
}

fn problem(message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError {
        field: "file",
        message: message.into(),
    }]
}

/// Checks an uploaded file strictly: its size, that it is JSON of [`FORMAT`] laid out as the
/// format says, its seal, every date (real, not in the future), every length and count. Every
/// problem is named (up to ten); nothing is stored either way.
pub fn check(
    bytes: &[u8],
    secret: &Secret,
    now: DateTime<Utc>,
) -> Result<Checked, Vec<FieldError>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(problem("Choose the transfer file to import"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(problem(format!(
            "The file is too large: a transfer file is at most {} MB",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return Err(problem(
            "The file is not a transfer file: it must be the JSON file downloaded from \"Transfer this file\" on a person record",
        ));
    };
    match value.get("format").and_then(Value::as_str) {
        Some(FORMAT) => {}
        Some(other) => {
            let other: String = other.chars().take(40).collect();
            return Err(problem(format!(
                "The file is in the format \"{other}\", which this platform does not read: it reads \"{FORMAT}\""
            )));
        }
        None => {
            return Err(problem(format!(
                "The file does not say it is a transfer file (\"format\": \"{FORMAT}\")"
            )));
        }
    }
    let file: TransferFile = match serde_json::from_value(value) {
        Ok(f) => f,
        Err(e) => {
            let why: String = e.to_string().chars().take(160).collect();
            return Err(problem(format!(
                "The file is not laid out as a \"{FORMAT}\" file: {why}"
            )));
        }
    };
    if !constant_time_eq(file.seal.as_bytes(), file.seal_with(secret).as_bytes()) {
        return Err(problem(
            "The file was changed after it was exported, or was not exported from this platform. Ask the sending organisation's DSL for the file as they downloaded it",
        ));
    }
    let mut errors: Vec<String> = Vec::new();
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(now);
    let latest = now + chrono::Duration::minutes(CLOCK_SKEW_MINUTES);
    let date = |what: String, s: &str, errors: &mut Vec<String>| -> Option<DateTime<Utc>> {
        match parse_time(s) {
            Some(t) if t < earliest || t > latest => {
                errors.push(format!("{what} is not a date between 2000 and today"));
                None
            }
            Some(t) => Some(t),
            None => {
                errors.push(format!("{what} is not a real date and time"));
                None
            }
        }
    };
    let length = |what: String, s: &str, max: usize, required: bool, errors: &mut Vec<String>| {
        let n = s.trim().chars().count();
        if required && n == 0 {
            errors.push(format!("{what} is missing"));
        } else if n > max {
            errors.push(format!("{what} is longer than {max} characters"));
        }
    };
    let exported_at = date(
        "The date it was exported".into(),
        &file.exported_at,
        &mut errors,
    );
    length(
        "The sending organisation's name".into(),
        &file.sending_organisation,
        MAX_SHORT_CHARS,
        true,
        &mut errors,
    );
    length(
        "The name of who exported it".into(),
        &file.exported_by,
        MAX_SHORT_CHARS,
        true,
        &mut errors,
    );
    let details = DetailsInput {
        name: file.person.name.clone(),
        date_of_birth: file.person.date_of_birth.clone().unwrap_or_default(),
        group: file.person.group.clone().unwrap_or_default(),
        note: file.person.note.clone().unwrap_or_default(),
    }
    .validate(now.date_naive());
    let details = match details {
        Ok(d) => Some(d),
        Err(es) => {
            errors.extend(
                es.into_iter()
                    .map(|e| format!("The person's details: {}", e.message)),
            );
            None
        }
    };
    if file.concerns.len() > MAX_CONCERNS {
        errors.push(format!(
            "The file has {} concerns: one file carries at most {MAX_CONCERNS}",
            file.concerns.len()
        ));
    }
    for (i, c) in file.concerns.iter().enumerate().take(MAX_CONCERNS) {
        let n = i + 1;
        date(
            format!("Concern {n}: the date it was sent"),
            &c.sent_at,
            &mut errors,
        );
        length(
            format!("Concern {n}: its reference"),
            &c.reference,
            MAX_SHORT_CHARS,
            true,
            &mut errors,
        );
        length(
            format!("Concern {n}: who sent it"),
            &c.sent_by,
            MAX_SHORT_CHARS,
            true,
            &mut errors,
        );
        length(
            format!("Concern {n}: its kind"),
            &c.kind,
            MAX_SHORT_CHARS,
            false,
            &mut errors,
        );
        length(
            format!("Concern {n}: its urgency"),
            &c.urgency,
            MAX_SHORT_CHARS,
            false,
            &mut errors,
        );
        length(
            format!("Concern {n}: its status"),
            &c.status,
            MAX_SHORT_CHARS,
            false,
            &mut errors,
        );
        length(
            format!("Concern {n}: its text"),
            &c.text,
            MAX_TEXT_CHARS,
            true,
            &mut errors,
        );
        if let Some(from) = &c.transferred_from {
            length(
                format!("Concern {n}: where it was transferred from"),
                from,
                MAX_SHORT_CHARS,
                true,
                &mut errors,
            );
        }
        if c.entries.len() > MAX_ENTRIES {
            errors.push(format!(
                "Concern {n} has {} entries: at most {MAX_ENTRIES}",
                c.entries.len()
            ));
        }
        for (j, e) in c.entries.iter().enumerate().take(MAX_ENTRIES) {
            let m = j + 1;
            date(
                format!("Concern {n}, entry {m}: its date"),
                &e.at,
                &mut errors,
            );
            length(
                format!("Concern {n}, entry {m}: who made it"),
                &e.by,
                MAX_SHORT_CHARS,
                true,
                &mut errors,
            );
            length(
                format!("Concern {n}, entry {m}: what it was"),
                &e.what,
                MAX_WHAT_CHARS,
                true,
                &mut errors,
            );
            length(
                format!("Concern {n}, entry {m}: its text"),
                &e.text,
                MAX_ENTRY_CHARS,
                false,
                &mut errors,
            );
            if e.fields.len() > MAX_FIELDS {
                errors.push(format!(
                    "Concern {n}, entry {m} has more than {MAX_FIELDS} fields"
                ));
            }
            for f in e.fields.iter().take(MAX_FIELDS) {
                length(
                    format!("Concern {n}, entry {m}: a field's name"),
                    &f.label,
                    MAX_SHORT_CHARS,
                    true,
                    &mut errors,
                );
                length(
                    format!("Concern {n}, entry {m}: a field's value"),
                    &f.value,
                    MAX_ENTRY_CHARS,
                    false,
                    &mut errors,
                );
            }
        }
        if serde_json::to_vec(c).map(|b| b.len()).unwrap_or(usize::MAX) > MAX_CONCERN_BYTES {
            errors.push(format!(
                "Concern {n} is too large to store (more than {} KB)",
                MAX_CONCERN_BYTES / 1024
            ));
        }
        if errors.len() >= 10 {
            break;
        }
    }
    match (errors.is_empty(), details, exported_at) {
        (true, Some(details), Some(exported_at)) => Ok(Checked {
            key: file.key(),
            file,
            details,
            exported_at,
        }),
        _ => Err(errors
            .into_iter()
            .take(10)
            .map(|message| FieldError {
                field: "file",
                message,
            })
            .collect()),
    }
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    pub record_id: String,
    pub name: String,
    /// The file had been imported already: nothing new was stored.
    pub duplicate: bool,
    pub from: String,
    pub exported_at: String,
}

/// The record a file was imported into here, if it was.
pub async fn imported_already<S: Store>(
    store: &S,
    org: &OrgId,
    key: &str,
) -> Result<Option<TransferImportedRecord>, FileError> {
    match store.get(&keys::transfer_imported(org, key)).await? {
        Some(item) => Ok(Some(from_item(&item).map_err(corrupt)?)),
        None => Ok(None),
    }
}

fn duplicate(r: TransferImportedRecord) -> Imported {
    Imported {
        record_id: r.record_id,
        name: r.name,
        duplicate: true,
        from: r.from,
        exported_at: r.exported_at,
    }
}

/// Imports a checked file: an off-platform record with the transferred concerns, its "received
/// by transfer" entry and audit entry, and the file's key, in one transaction. A file imported
/// already stores nothing and answers with the record it made.
pub async fn import<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    checked: &Checked,
    now: DateTime<Utc>,
) -> Result<Imported, FileError> {
    if !may_import(by) {
        return Err(FileError::NotFound);
    }
    if let Some(r) = imported_already(store, org, &checked.key).await? {
        return Ok(duplicate(r));
    }
    let file = &checked.file;
    let r: PersonFileRecord = new_record(&checked.details, None, by, now);
    let at = crate::store::timestamp(now);
    let mut ops = vec![TxOp::Put {
        item: to_item(&keys::person_file(org, &r.record_id), &r),
        condition: Condition::NotExists,
    }];
    ops.extend(name_ops(org, &r));
    ops.push(event_op(
        org,
        &r.record_id,
        &format!("{at}0"),
        &PersonFileEventRecord {
            kind: "transferred_in".into(),
            at: now,
            by_name: by.name.clone(),
            by_id: Some(by.id.clone()),
            worry_id: None,
            other_id: None,
            other_name: Some(from_words(&file.sending_organisation, &file.exported_at)),
        },
    ));
    ops.push(audit_op(
        org,
        &r.record_id,
        now,
        by,
        &format!(
            "Imported by transfer from {} (exported by {} on {}): {}",
            file.sending_organisation,
            file.exported_by,
            crate::dates::show_date(checked.exported_at),
            concerns_in_words(file.concerns.len())
        ),
    ));
    let idem_at = ops.len();
    ops.push(TxOp::Put {
        item: to_item(
            &keys::transfer_imported(org, &checked.key),
            &TransferImportedRecord {
                record_id: r.record_id.clone(),
                name: r.name.clone(),
                from: file.sending_organisation.clone(),
                exported_at: file.exported_at.clone(),
                imported_at: now,
                by_name: by.name.clone(),
            },
        ),
        condition: Condition::NotExists,
    });
    for (n, c) in file.concerns.iter().enumerate() {
        ops.push(TxOp::Put {
            item: to_item(
                &keys::person_file_transferred(org, &r.record_id, &checked.key, n),
                &TransferredConcernRecord {
                    from: file.sending_organisation.clone(),
                    exported_at: file.exported_at.clone(),
                    received_at: now,
                    concern_json: serde_json::to_string(c).map_err(corrupt)?,
                },
            ),
            condition: Condition::NotExists,
        });
    }
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = by.id, record_id = r.record_id, concerns = file.concerns.len(), "person record imported by transfer");
            Ok(Imported {
                record_id: r.record_id,
                name: r.name,
                duplicate: false,
                from: file.sending_organisation.clone(),
                exported_at: file.exported_at.clone(),
            })
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&idem_at) => {
            // Imported at the same moment by someone else.
            match imported_already(store, org, &checked.key).await? {
                Some(r) => Ok(duplicate(r)),
                None => Err(FileError::Refused(
                    "The file could not be imported just now. Nothing was stored: please try again."
                        .into(),
                )),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("transfer-unit-secret-transfer-unit-secret").unwrap()
    }

    fn now() -> DateTime<Utc> {
        parse_time("2026-12-07T10:00:00Z").unwrap()
    }

    fn file() -> TransferFile {
        TransferFile {
            format: FORMAT.into(),
            sending_organisation: "Oak School".into(),
            exported_at: "2026-12-06T09:00:00.000Z".into(),
            exported_by: "Dana DSL".into(),
            person: TransferPerson {
                name: "Amira Noor".into(),
                date_of_birth: Some("2013-04-02".into()),
                group: None,
                note: None,
            },
            concerns: vec![TransferConcern {
                reference: "0b0c4c1e-0000-4000-8000-000000000001".into(),
                transferred_from: None,
                sent_at: "2026-11-23T10:00:00.000Z".into(),
                sent_by: "Anonymous".into(),
                kind: "Bullying".into(),
                urgency: "Soon".into(),
                status: "New".into(),
                text: "A stranger messaged her".into(),
                entries: vec![TransferEntry {
                    at: "2026-11-23T11:00:00.000Z".into(),
                    by: "Dana DSL".into(),
                    what: "Added a note".into(),
                    text: "Spoke to her".into(),
                    fields: vec![],
                }],
            }],
            seal: String::new(),
        }
    }

    /// The file as the platform would write it, sealed after `change`.
    fn sealed(change: impl FnOnce(&mut TransferFile)) -> Vec<u8> {
        let mut f = file();
        change(&mut f);
        f.seal = f.seal_with(&secret());
        f.to_json().into_bytes()
    }

    fn first_error(bytes: &[u8]) -> String {
        check(bytes, &secret(), now()).unwrap_err()[0]
            .message
            .clone()
    }

    #[test]
    fn a_sealed_file_passes_and_reads_back_the_same() {
        let checked = check(&sealed(|_| {}), &secret(), now()).unwrap();
        assert_eq!(checked.file.concerns, file().concerns);
        assert_eq!(checked.details.name, "Amira Noor");
        assert_eq!(checked.key, file().key());
    }

    #[test]
    fn the_key_ignores_when_and_by_whom_it_was_downloaded_but_not_the_content() {
        let mut later = file();
        later.exported_at = "2026-12-07T09:00:00.000Z".into();
        later.exported_by = "Dev Deputy".into();
        assert_eq!(later.key(), file().key());
        later.concerns[0].text.push('!');
        assert_ne!(later.key(), file().key());
    }

    #[test]
    fn a_sealed_file_with_bad_content_is_still_refused() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                sealed(|f| f.concerns[0].sent_at = "2026-02-30T10:00:00Z".into()),
                "Concern 1: the date it was sent is not a real date and time",
            ),
            (
                sealed(|f| f.exported_at = "2027-06-01T10:00:00Z".into()),
                "The date it was exported is not a date between 2000 and today",
            ),
            (
                sealed(|f| f.concerns[0].text = "x".repeat(MAX_TEXT_CHARS + 1)),
                "Concern 1: its text is longer than 10000 characters",
            ),
            (
                sealed(|f| f.concerns[0].entries[0].text = "x".repeat(MAX_ENTRY_CHARS + 1)),
                "Concern 1, entry 1: its text is longer than 5000 characters",
            ),
            (
                sealed(|f| f.person.name = "   ".into()),
                "The person's details: Enter the person's name",
            ),
            (
                sealed(|f| f.person.date_of_birth = Some("2030-01-01".into())),
                "The person's details: The date of birth must be in the past",
            ),
            (
                sealed(|f| f.sending_organisation = String::new()),
                "The sending organisation's name is missing",
            ),
            (
                sealed(|f| {
                    let c = f.concerns[0].clone();
                    f.concerns = vec![c; MAX_CONCERNS + 1];
                }),
                "The file has 81 concerns: one file carries at most 80",
            ),
        ];
        for (bytes, says) in cases {
            assert_eq!(first_error(&bytes), says);
        }
    }

    #[test]
    fn an_unknown_field_or_a_missing_one_is_refused() {
        let mut v: Value = serde_json::from_slice(&sealed(|_| {})).unwrap();
        v["extra"] = Value::from("x");
        assert!(
            first_error(&serde_json::to_vec(&v).unwrap()).starts_with("The file is not laid out")
        );
        let mut v: Value = serde_json::from_slice(&sealed(|_| {})).unwrap();
        v.as_object_mut().unwrap().remove("seal");
        assert!(
            first_error(&serde_json::to_vec(&v).unwrap()).starts_with("The file is not laid out")
        );
    }

    #[test]
    fn an_edit_after_export_breaks_the_seal() {
        let bytes = String::from_utf8(sealed(|_| {})).unwrap();
        let edited = bytes.replace("Spoke to her", "Spoke to him");
        assert!(
            first_error(edited.as_bytes())
                .starts_with("The file was changed after it was exported")
        );
        // Layout alone (spaces, order of lines) is not an edit.
        let compact = serde_json::to_vec(&serde_json::from_str::<Value>(&bytes).unwrap()).unwrap();
        assert!(check(&compact, &secret(), now()).is_ok());
    }
}
