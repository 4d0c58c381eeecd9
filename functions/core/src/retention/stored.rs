//! The stored records of retention (see [`crate::store::record`]; the keys are in
//! [`crate::keys`], "Retention").

use crate::routing::{Readers, StoredRoute};
use crate::store::record::{self, Record};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A legal hold on a record (`keys::retention_hold`): while it exists the record is never
/// listed as due and never deleted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldRecord {
    /// `WORRY` or `LOWLEVEL`.
    pub kind: String,
    pub id: String,
    pub reason: String,
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_name: String,
    pub by_id: String,
}

impl Record for HoldRecord {
    const TYPE: &'static str = "retention_hold";
}

/// That the deletion of a record has started (`keys::retention_deleting`): placing a hold
/// checks it is absent, in the same transaction as the hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeletingRecord {
    pub id: String,
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_id: String,
}

impl Record for DeletingRecord {
    const TYPE: &'static str = "retention_deleting";
}

/// What was deleted (`keys::retention_tombstone`): the kind of record, its reference, the rule
/// applied, when and by whose confirmation. No content: no text, no names of anyone in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TombstoneRecord {
    pub tombstone_id: String,
    /// `worry` or `low_level_concern`.
    pub kind: String,
    /// The deleted record's id.
    pub reference: String,
    /// Who could read a worry (so the tombstone is listed only to them): queue and
    /// exclusions, as the worry had them. `None` for a low-level concern.
    #[serde(flatten)]
    pub route: Option<StoredRoute>,
    /// Who could read a low-level concern, as it had them (`None` for a worry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readers: Option<Readers>,
    /// [`super::Rule::as_str`].
    pub rule: String,
    /// The date it fell due under the rule.
    pub due_on: NaiveDate,
    #[serde(with = "record::time")]
    pub sent_at: DateTime<Utc>,
    #[serde(with = "record::time")]
    pub deleted_at: DateTime<Utc>,
    pub confirmed_by_name: String,
    pub confirmed_by_id: String,
    /// How many stored items were removed with it (the record, its chronology, audit, links
    /// and index entries; 1 for a low-level concern).
    pub items_removed: u64,
}

impl Record for TombstoneRecord {
    const TYPE: &'static str = "tombstone";
}
