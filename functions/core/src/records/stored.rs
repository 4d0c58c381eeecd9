//! The stored records of person records (see [`crate::store::record`]; the keys are in
//! [`crate::keys`], "Person records").

use crate::store::record::{self, Record};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person record (`keys::person_file`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonFileRecord {
    pub record_id: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The person on the platform this is the record of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    pub created_by_name: String,
    /// Set when it was merged into another record (it then only points there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// The records merged into this one (their own chronology entries are read with it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    pub version: u64,
}

impl Record for PersonFileRecord {
    const TYPE: &'static str = "person_file";
}

/// A worry linked to a record (`keys::person_file_link`), listed by worry on gsi1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonFileLinkRecord {
    pub record_id: String,
    pub worry_id: String,
    /// The record's name, for the worry's page (one query, no read per record).
    pub record_name: String,
    #[serde(with = "record::time")]
    pub linked_at: DateTime<Utc>,
    pub by_name: String,
    /// `keys::worry_links_index`.
    pub gsi1pk: String,
    /// The record id.
    pub gsi1sk: String,
}

impl Record for PersonFileLinkRecord {
    const TYPE: &'static str = "person_file_link";
}

/// One entry of a record's own chronology (`keys::person_file_event`): created, linked,
/// unlinked, merged. An entry naming a worry is shown only to those who may read that worry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonFileEventRecord {
    pub kind: String,
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worry_id: Option<String>,
    /// The other record of a merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_name: Option<String>,
}

impl Record for PersonFileEventRecord {
    const TYPE: &'static str = "person_file_event";
}

/// One view of a record, or a change to it (`keys::person_file_audit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonFileAuditRecord {
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    pub what: String,
    /// For a view: the routes of the worries it showed (each once). The DSL reads the record's
    /// audit trail; a view that showed a worry hidden from them (about them) is left out of it,
    /// or it would tell them someone is looking at a worry about them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<crate::routing::StoredRoute>,
}

impl Record for PersonFileAuditRecord {
    const TYPE: &'static str = "person_file_audit";
}

/// One word of a record's name (`keys::person_file_name`), listed on gsi1 by the word, with what
/// a search result shows (so a search is one query, no read per record).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonFileNameRecord {
    pub record_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    /// `keys::person_file_names_index`.
    pub gsi1pk: String,
    /// `keys::person_file_names_sort`.
    pub gsi1sk: String,
}

impl Record for PersonFileNameRecord {
    const TYPE: &'static str = "person_file_name";
}

/// The record of a person on the platform (`keys::platform_person_file`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlatformPersonFileRecord {
    pub record_id: String,
}

impl Record for PlatformPersonFileRecord {
    const TYPE: &'static str = "platform_person_file";
}
