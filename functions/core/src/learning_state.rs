//! The per-person learning state items: one `STATE#MODULE#<id>` or `STATE#AUP#<id>` item per
//! module or AUP a person has touched, holding everything [`crate::learning::my_training`]
//! needs, so the whole summary is one query of the person's learning partition.
//!
//! The records only, below [`crate::counters`] (which counts them) and [`crate::identity`]
//! (whose changes of roles move their counts); the rules that write them are in
//! [`crate::learning`].
//!
//! Each state item carries `rev`, bumped by every write; writes are conditional on the `rev`
//! they read (or on the item not existing yet), so two concurrent submissions cannot both win.

use crate::keys;
use crate::org::OrgId;
use crate::store::record::{Record, from_item, to_item};
use crate::store::{Condition, Item, Key, TxOp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Whether an item is a module (read, then pass its quiz) or an AUP (read and sign).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Module,
    Aup,
}

/// A module or an AUP, by id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemRef {
    pub kind: ItemKind,
    pub id: String,
}

impl ItemRef {
    pub fn module(id: &str) -> ItemRef {
        ItemRef {
            kind: ItemKind::Module,
            id: id.to_string(),
        }
    }
    pub fn aup(id: &str) -> ItemRef {
        ItemRef {
            kind: ItemKind::Aup,
            id: id.to_string(),
        }
    }
    /// How the item is written in sort keys: `MODULE#<id>` or `AUP#<id>`.
    pub fn key_part(&self) -> String {
        match self.kind {
            ItemKind::Module => format!("MODULE#{}", self.id),
            ItemKind::Aup => format!("AUP#{}", self.id),
        }
    }
    /// Reads [`Self::key_part`] back.
    pub fn parse(part: &str) -> Option<ItemRef> {
        let (kind, id) = part.split_once('#')?;
        let kind = match kind {
            "MODULE" => ItemKind::Module,
            "AUP" => ItemKind::Aup,
            _ => return None,
        };
        (!id.is_empty() && !id.contains('#')).then(|| ItemRef {
            kind,
            id: id.to_string(),
        })
    }
}

/// The quiz attempt a person is on (or last submitted), for one module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentAttempt {
    pub id: String,
    /// The module version the attempt was started on; a changed module refuses it.
    pub module_version: String,
    pub started_at: String,
    /// The question ids the attempt shows, in the order shown: drawn from the quiz's bank when
    /// the attempt starts and kept here, so grading counts exactly these (never a list the
    /// browser sends). Empty in attempts stored before banks: derived from the id then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    /// Set once submitted: a second submission of the same attempt gets this back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graded: Option<Graded>,
}

/// A graded attempt, compactly: what was chosen and what was right, by question and option id
/// (the text comes from the content when the result is shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graded {
    pub attempt_id: String,
    pub module_version: String,
    /// The question ids the attempt showed, in the order shown (empty in older records).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    /// The chosen option ids of each question id.
    pub answers: BTreeMap<String, Vec<String>>,
    /// The ids of the questions answered correctly.
    pub correct: Vec<String>,
    pub score: u32,
    pub out_of: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub submitted_at: String,
    /// Whether this attempt recorded a completion.
    pub completed: bool,
}

/// A completion: the person passed the module's quiz while it was due for them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub person_id: String,
    pub module_id: String,
    pub module_version: String,
    /// The passing attempt's score, out of `out_of`.
    pub score: u32,
    pub out_of: u32,
    /// Attempts it took, counting from the previous completion (or the first attempt).
    pub attempts: u32,
    pub attempt_id: String,
    pub completed_at: String,
    /// When it stops counting; none: never (learner and parent items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// The certificate's verification code (the store keeps only its hash under `CERT#`).
    pub certificate_code: String,
}

/// A person's state of one module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleState {
    /// The section (0-based) the person is on: where reading resumes.
    #[serde(default)]
    pub section: usize,
    /// How many sections the person has reached (the furthest section + 1).
    #[serde(default)]
    pub sections_reached: usize,
    /// The module version the reading position belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_attempt: Option<CurrentAttempt>,
    /// Every submitted attempt, ever.
    #[serde(default)]
    pub attempts: u32,
    /// Submitted attempts since the last completion.
    #[serde(default)]
    pub cycle_attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_score: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_score: Option<u32>,
    /// The latest completion (every completion is also kept in the person's history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<Completion>,
    /// Failed attempts in a row (since the last pass).
    #[serde(default)]
    pub fails_in_row: u32,
    /// The sections (anchors) of the questions missed in failed attempts not yet sent back for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missed_sections: Vec<String>,
    /// After two failed attempts in a row: the sections to read again before the next attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_again: Option<ReadAgain>,
}

/// Sections a person must open again before their next quiz attempt (after two fails in a row).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadAgain {
    /// The sections' anchors, in the module's order.
    pub sections: Vec<String>,
    /// Those opened since (anchors).
    #[serde(default)]
    pub opened: Vec<String>,
    /// When it was set (the second failed attempt's submission).
    pub since: String,
}

impl ReadAgain {
    /// Whether every section has been opened again (anchors no longer in the module count as
    /// opened: there is nothing to read).
    pub fn done(&self, anchors: &[&str]) -> bool {
        self.sections
            .iter()
            .all(|s| self.opened.contains(s) || !anchors.contains(&s.as_str()))
    }
}

/// One AUP signature: exactly what was signed, by whom, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub signature_id: String,
    pub aup_id: String,
    pub version: String,
    /// SHA-256 (hex) of the exact text shown; the text is kept under `AUPTEXT#<sha256>`.
    pub sha256: String,
    /// The name as the person typed it.
    pub typed_name: String,
    pub signer_id: String,
    pub signed_at: String,
    /// When it stops counting; none: until a new version (learner and parent AUPs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// A person's state of one AUP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AupState {
    /// The latest signature (every signature is also kept in the person's history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// A linked parent's or carer's co-signature of that signature (a child under 16's learner
    /// AUP); cleared when the child signs again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosignature: Option<CoSignature>,
}

/// A parent's or carer's co-signature of their child's AUP signature: which signature, by whom
/// (their id and the name as they typed it), when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoSignature {
    /// The child's signature it co-signs.
    pub signature_id: String,
    pub parent_id: String,
    pub typed_name: String,
    pub cosigned_at: String,
}

/// What a state item holds. (Few and short-lived: the size difference does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateBody {
    Module(ModuleState),
    Aup(AupState),
}

/// The attribute of a learning state that a write is conditional on (its own version).
pub const REV: &str = "rev";

/// A person's state of one module (`S` = [`ModuleState`]) or AUP ([`AupState`]), in their
/// learning partition (`keys::learning_state`). A completed module or a signed AUP is also an
/// entry of gsi1 (`COMPLETIONS#<module>` / `AUPSIGNED#<aup>`), a module started but never
/// completed one of `INPROGRESS#<module>`; a completed one carries its expiry as `valid_until`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "S: Serialize + serde::de::DeserializeOwned")]
pub struct LearningStateRecord<S> {
    pub org: String,
    pub person_id: String,
    /// `MODULE#<id>` or `AUP#<id>` ([`ItemRef::key_part`]).
    pub item: String,
    pub rev: u64,
    pub state: S,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

impl LearningStateRecord<()> {
    fn with_state<S>(self, state: S) -> LearningStateRecord<S> {
        LearningStateRecord {
            org: self.org,
            person_id: self.person_id,
            item: self.item,
            rev: self.rev,
            state,
            gsi1pk: self.gsi1pk,
            gsi1sk: self.gsi1sk,
            valid_until: self.valid_until,
        }
    }
}

impl Record for LearningStateRecord<ModuleState> {
    const TYPE: &'static str = "learning_state";
}

impl Record for LearningStateRecord<AupState> {
    const TYPE: &'static str = "learning_state";
}

/// A completion, kept for good in the person's history (`keys::learning_history`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompletionRecord {
    pub completion: Completion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

impl Record for CompletionRecord {
    const TYPE: &'static str = "completion";
}

/// An AUP signature, kept for good in the person's history (`keys::learning_history`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AupSignatureRecord {
    pub signature: Signature,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

impl Record for AupSignatureRecord {
    const TYPE: &'static str = "aup_signature";
}

/// A parent's or carer's co-signature, kept for good in the child's history
/// (`keys::learning_history`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AupCosignatureRecord {
    #[serde(default)]
    pub aup_id: String,
    /// The version of the AUP the co-signed signature is of.
    #[serde(default)]
    pub version: String,
    pub cosignature: CoSignature,
}

impl Record for AupCosignatureRecord {
    const TYPE: &'static str = "aup_cosignature";
}

/// One submitted quiz attempt (`keys::learning_attempt`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuizAttemptRecord {
    pub person_id: String,
    pub module_id: String,
    pub started_at: String,
    pub attempt: Graded,
}

impl Record for QuizAttemptRecord {
    const TYPE: &'static str = "quiz_attempt";
}

/// The exact text of an AUP as signed, once per hash (`keys::aup_text`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AupTextRecord {
    pub aup_id: String,
    pub version: String,
    pub text: String,
}

impl Record for AupTextRecord {
    const TYPE: &'static str = "aup_text";
}

/// A stored state item, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredState {
    pub item: ItemRef,
    /// The `rev` read; `None` when the item does not exist yet.
    pub rev: Option<u64>,
    pub body: StateBody,
}

/// A stored state that cannot be read (`LearningError::Corrupt` in the learning core).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("learning state: {0}")]
pub struct CorruptState(pub String);

fn corrupt(what: impl std::fmt::Display) -> CorruptState {
    CorruptState(what.to_string())
}

impl StoredState {
    /// A state that does not exist yet.
    pub fn new(item: ItemRef) -> StoredState {
        let body = match item.kind {
            ItemKind::Module => StateBody::Module(ModuleState::default()),
            ItemKind::Aup => StateBody::Aup(AupState::default()),
        };
        StoredState {
            item,
            rev: None,
            body,
        }
    }

    /// Parses a state item (any item of the partition whose sort key starts with `STATE#`).
    pub fn from_item(item: &Item) -> Result<StoredState, CorruptState> {
        Ok(StoredState::read(item)?.1)
    }

    /// [`Self::from_item`], with the id of the person whose state it is.
    pub fn read(item: &Item) -> Result<(String, StoredState), CorruptState> {
        let sk = Key::of(item).map_err(corrupt)?.sk;
        let part = sk
            .strip_prefix(keys::LEARNING_STATE_PREFIX)
            .ok_or_else(|| corrupt(format!("`{sk}` is not a state")))?;
        let item_ref = ItemRef::parse(part).ok_or_else(|| corrupt(format!("bad item `{part}`")))?;
        let (person_id, rev, body) = match item_ref.kind {
            ItemKind::Module => {
                let r: LearningStateRecord<ModuleState> = from_item(item).map_err(corrupt)?;
                (r.person_id, r.rev, StateBody::Module(r.state))
            }
            ItemKind::Aup => {
                let r: LearningStateRecord<AupState> = from_item(item).map_err(corrupt)?;
                (r.person_id, r.rev, StateBody::Aup(r.state))
            }
        };
        Ok((
            person_id,
            StoredState {
                item: item_ref,
                rev: Some(rev),
                body,
            },
        ))
    }

    pub fn module(&self) -> Option<&ModuleState> {
        match &self.body {
            StateBody::Module(m) => Some(m),
            StateBody::Aup(_) => None,
        }
    }
    pub fn aup(&self) -> Option<&AupState> {
        match &self.body {
            StateBody::Aup(a) => Some(a),
            StateBody::Module(_) => None,
        }
    }

    /// The item as it is written back, with `rev` one higher than read. A completed module or a
    /// signed AUP is also an entry of gsi1 (`COMPLETIONS#<module>` / `AUPSIGNED#<aup>`), a module
    /// started but never completed one of `INPROGRESS#<module>`; a completed one
    /// carries its expiry as `valid_until` (never `expires_at`: that is the table's TTL).
    pub fn to_item(&self, org: &OrgId, person_id: &str) -> Item {
        let key = keys::learning_state(org, person_id, &self.item.key_part());
        let index = match &self.body {
            StateBody::Module(m) => match &m.completion {
                Some(c) => Some((
                    keys::completions_index(org, &self.item.id),
                    keys::learning_index_sort(&c.completed_at, person_id),
                    c.valid_until.clone(),
                )),
                // Started, never completed: on the module's in-progress list, so a dashboard
                // or an export reads every state of a module with two queries, not one per
                // person.
                None => Some((
                    keys::in_progress_index(org, &self.item.id),
                    person_id.to_string(),
                    None,
                )),
            },
            StateBody::Aup(a) => a.signature.as_ref().map(|s| {
                (
                    keys::aup_signed_index(org, &self.item.id),
                    keys::learning_index_sort(&s.signed_at, person_id),
                    s.valid_until.clone(),
                )
            }),
        };
        let (gsi1pk, gsi1sk, valid_until) = match index {
            Some((pk, sk, valid_until)) => (Some(pk), Some(sk), valid_until),
            None => (None, None, None),
        };
        let record = LearningStateRecord {
            org: org.as_str().to_string(),
            person_id: person_id.to_string(),
            item: self.item.key_part(),
            rev: self.rev.map_or(1, |r| r + 1),
            state: (),
            gsi1pk,
            gsi1sk,
            valid_until,
        };
        match &self.body {
            StateBody::Module(m) => to_item(&key, &record.with_state(m.clone())),
            StateBody::Aup(a) => to_item(&key, &record.with_state(a.clone())),
        }
    }

    /// The write of this state, conditional on nobody having written it since it was read.
    pub fn put_op(&self, org: &OrgId, person_id: &str) -> TxOp {
        TxOp::Put {
            item: self.to_item(org, person_id),
            condition: self.condition(),
        }
    }

    pub fn condition(&self) -> Condition {
        match self.rev {
            None => Condition::NotExists,
            Some(rev) => Condition::Equals(REV.into(), Value::from(rev)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::layout;
    use serde_json::json;

    #[test]
    fn item_refs_read_back_and_refuse_nonsense() {
        for r in [ItemRef::module("four-cs"), ItemRef::aup("staff-aup")] {
            assert_eq!(ItemRef::parse(&r.key_part()), Some(r));
        }
        for bad in ["", "MODULE", "MODULE#", "QUIZ#x", "AUP#a#b"] {
            assert_eq!(ItemRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn states_round_trip_through_items_with_index_and_valid_until() {
        let org = OrgId::parse("demo").unwrap();
        let mut s = StoredState::new(ItemRef::module("m"));
        if let StateBody::Module(m) = &mut s.body {
            m.attempts = 2;
            m.completion = Some(Completion {
                person_id: "p".into(),
                module_id: "m".into(),
                module_version: "1.0.0".into(),
                score: 5,
                out_of: 6,
                attempts: 2,
                attempt_id: "a".into(),
                completed_at: "2026-11-23T10:00:00.000Z".into(),
                valid_until: Some("2027-11-23T10:00:00.000Z".into()),
                certificate_code: "0123456789ABCDEF".into(),
            });
        }
        let item = s.to_item(&org, "p");
        assert_eq!(item["rev"], json!(1));
        assert_eq!(item["valid_until"], json!("2027-11-23T10:00:00.000Z"));
        assert!(item.get(layout::TTL).is_none());
        assert_eq!(item[layout::GSI1_PK], json!("ORG#demo#COMPLETIONS#m"));
        let back = StoredState::from_item(&item).unwrap();
        assert_eq!(back.rev, Some(1));
        assert_eq!(back.body, s.body);
        assert_eq!(back.condition(), Condition::Equals("rev".into(), json!(1)));
        assert_eq!(s.condition(), Condition::NotExists);
    }
}
