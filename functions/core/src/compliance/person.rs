//! One person's record for the DSL: what they must do and where they stand (the same summary
//! they see on "My training"), and every completion and AUP signature they ever made, with the
//! version, score, certificate and the exact text signed. Two queries of their partition.

use super::ComplianceError;
use crate::content::Kind;
use crate::dates;
use crate::identity::{Person, people};
use crate::keys;
use crate::learning::{Setting, Training, my_training, signed_text};
use crate::learning_state::{
    AupCosignatureRecord, AupSignatureRecord, CoSignature, Completion, CompletionRecord, ItemKind,
    Signature,
};
use crate::org::OrgId;
use crate::store::record;
use crate::store::{Query, Store};
use chrono::{DateTime, Utc};

/// One completion or signature from a person's history, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub kind: ItemKind,
    pub item_id: String,
    /// The item's title now (its id when the content no longer has it).
    pub title: String,
    pub version: String,
    /// When, in UK time.
    pub at: String,
    pub valid_until: Option<String>,
    pub completion: Option<Completion>,
    pub signature: Option<Signature>,
    /// A parent's or carer's co-signature of the person's AUP signature (a child under 16).
    pub cosignature: Option<CoSignature>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRecord {
    pub person: Person,
    pub training: Training,
    pub history: Vec<HistoryEntry>,
}

/// The record of a person of the setting's organisation; another organisation's id is not found.
pub async fn person_record<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    person_id: &str,
    now: DateTime<Utc>,
) -> Result<PersonRecord, ComplianceError> {
    let org = &setting.profile.id;
    let person = people::get(store, org, person_id).await?;
    let training = my_training(store, *setting, &person, now).await?;
    let mut history = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::learning_partition(org, &person.id))
                    .prefix(keys::LEARNING_HISTORY_PREFIX)
                    .descending()
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            if let Some(entry) = history_entry(setting, item)? {
                history.push(entry);
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(PersonRecord {
        person,
        training,
        history,
    })
}

fn history_entry(
    setting: &Setting<'_>,
    item: &crate::store::Item,
) -> Result<Option<HistoryEntry>, ComplianceError> {
    let corrupt = |e: record::Malformed| ComplianceError::Corrupt(format!("history: {e}"));
    let title = |kind: Kind, id: &str| {
        setting
            .library
            .page(kind, id)
            .map_or_else(|| id.to_string(), |p| p.title.clone())
    };
    let shown = |at: &str| dates::parse(at).map_or_else(|| at.to_string(), dates::show_date_time);
    let until = |v: &Option<String>| v.as_deref().and_then(dates::parse).map(dates::show_date);
    Ok(if record::is::<CompletionRecord>(item) {
        let c = record::from_item::<CompletionRecord>(item)
            .map_err(corrupt)?
            .completion;
        Some(HistoryEntry {
            kind: ItemKind::Module,
            item_id: c.module_id.clone(),
            title: title(Kind::Module, &c.module_id),
            version: c.module_version.clone(),
            at: shown(&c.completed_at),
            valid_until: until(&c.valid_until),
            completion: Some(c),
            signature: None,
            cosignature: None,
        })
    } else if record::is::<AupSignatureRecord>(item) {
        let s = record::from_item::<AupSignatureRecord>(item)
            .map_err(corrupt)?
            .signature;
        Some(HistoryEntry {
            kind: ItemKind::Aup,
            item_id: s.aup_id.clone(),
            title: title(Kind::Aup, &s.aup_id),
            version: s.version.clone(),
            at: shown(&s.signed_at),
            valid_until: until(&s.valid_until),
            completion: None,
            signature: Some(s),
            cosignature: None,
        })
    } else if record::is::<AupCosignatureRecord>(item) {
        let r = record::from_item::<AupCosignatureRecord>(item).map_err(corrupt)?;
        Some(HistoryEntry {
            kind: ItemKind::Aup,
            title: title(Kind::Aup, &r.aup_id),
            item_id: r.aup_id,
            version: r.version,
            at: shown(&r.cosignature.cosigned_at),
            valid_until: None,
            completion: None,
            signature: None,
            cosignature: Some(r.cosignature),
        })
    } else {
        None
    })
}

/// The exact text a person signed, when they signed a text with that hash (so the DSL can read
/// what was signed; a hash the person never signed is not found).
pub async fn signed_text_of<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
    sha256: &str,
) -> Result<Option<(Signature, String)>, ComplianceError> {
    let person = people::get(store, org, person_id).await?;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::learning_partition(org, &person.id))
                    .prefix(format!("{}AUP#", keys::LEARNING_HISTORY_PREFIX))
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            if !record::is::<AupSignatureRecord>(item) {
                continue;
            }
            let s: Signature = record::from_item::<AupSignatureRecord>(item)
                .map_err(|e| ComplianceError::Corrupt(format!("signature: {e}")))?
                .signature;
            if s.sha256 == sha256 {
                return Ok(signed_text(store, org, sha256).await?.map(|text| (s, text)));
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(None),
        }
    }
}
