//! The stored records of worries (see [`crate::store::record`]; the keys that hold them are
//! listed in [`crate::keys`]).

use super::{Sender, Status, Urgency, Worry, WorryError};
use crate::routing::{About, Involves, Queue, StoredRoute};
use crate::store::record::{self, Record};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A worry (`keys::worry`), listed by queue on gsi1 (open or closed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorryRecord {
    pub org: String,
    pub worry_id: String,
    pub text: String,
    pub urgency: Urgency,
    /// Kept as stored: worries stored before the form asked who is involved have older values
    /// ([`About::parse_stored`]).
    pub about: String,
    /// Missing on worries stored before the form asked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub involves: Option<Involves>,
    #[serde(flatten)]
    pub route: StoredRoute,
    pub kind: String,
    #[serde(default)]
    pub wants_contact: bool,
    #[serde(default)]
    pub contact_how: String,
    #[serde(default)]
    pub email_replies: bool,
    pub status: Status,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "record::time")]
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    /// `keys::worries_index`: the queue's open or closed list.
    #[serde(default)]
    pub gsi1pk: String,
    /// `keys::worries_index_sort`.
    #[serde(default)]
    pub gsi1sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// A named sender only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// Set when someone is assigned (by an update, with `assigned_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_name: Option<String>,
    /// The next review, if one is set (with `review_what`; listed at `keys::review_due`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_due: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_what: Option<String>,
    /// Sent with the staff concern form: the report's fields (the child's words exactly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_report: Option<super::staff_report::StaffReport>,
}

impl Record for WorryRecord {
    const TYPE: &'static str = "worry";
}

impl TryFrom<WorryRecord> for Worry {
    type Error = WorryError;

    fn try_from(r: WorryRecord) -> Result<Worry, WorryError> {
        let corrupt = |what: &str| WorryError::Corrupt(format!("unknown {what}"));
        let sender = match r.sender_id {
            Some(person_id) => Sender::Named {
                person_id,
                name: r
                    .sender_name
                    .ok_or_else(|| WorryError::Corrupt("missing `sender_name`".into()))?,
            },
            None => Sender::Anonymous,
        };
        let assigned = r.assigned_id.zip(r.assigned_name);
        // Worries stored before the form asked who is involved: by their old "about".
        let involves = r.involves.unwrap_or(match r.about.as_str() {
            "a_member_of_staff" => Involves::Staff,
            "the_dsl" => Involves::Dsl,
            _ => Involves::Nobody,
        });
        Ok(Worry {
            id: r.worry_id,
            text: r.text,
            urgency: r.urgency,
            about: About::parse_stored(&r.about).ok_or_else(|| corrupt("about"))?,
            involves,
            route: r.route.into(),
            kind: r.kind,
            wants_contact: r.wants_contact,
            contact_how: r.contact_how,
            email_replies: r.email_replies,
            status: r.status,
            sender,
            assigned,
            group_id: r.group_id,
            review: r.review_due.map(|due| super::review::Review {
                due,
                what: r.review_what.unwrap_or_default(),
            }),
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            staff_report: r.staff_report,
        })
    }
}

/// An anonymous worry by the hash of its follow-up code (`keys::follow_up`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowUpRecord {
    pub worry_id: String,
}

impl Record for FollowUpRecord {
    const TYPE: &'static str = "follow_up";
}

/// A named sender's pointer to one of their worries (`keys::sender_worry`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SenderWorryRecord {
    pub worry_id: String,
}

impl Record for SenderWorryRecord {
    const TYPE: &'static str = "sender_worry";
}

/// The worry a submission (by the hash of its form token and answers) stored
/// (`keys::idempotency`, TTL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRecord {
    pub worry_id: String,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    /// The TTL attribute ([`crate::store::layout::TTL`]).
    pub expires_at: i64,
}

impl Record for SubmissionRecord {
    const TYPE: &'static str = "idempotency";
}

/// That a worry form was used (`keys::form_used`, TTL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormUsedRecord {
    pub expires_at: i64,
}

impl Record for FormUsedRecord {
    const TYPE: &'static str = "form_used";
}

/// A group of worries sent from one form, account or address in a short time
/// (`keys::worry_group`); later members add to `count` ([`WorryGroupRecord::COUNT`]) and set
/// [`GroupLatest`] by an update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorryGroupRecord {
    pub group_id: String,
    pub queue: Queue,
    #[serde(with = "record::time")]
    pub first_at: DateTime<Utc>,
    pub first_worry_id: String,
    pub count: u64,
    #[serde(flatten)]
    pub latest: GroupLatest,
}

impl Record for WorryGroupRecord {
    const TYPE: &'static str = "worry_group";
}

impl WorryGroupRecord {
    /// The attribute of [`WorryGroupRecord::count`]: a counter, added to atomically (members
    /// of a flood arrive at once).
    pub const COUNT: &'static str = "count";
}

/// The part of a [`WorryGroupRecord`] each later member sets: when the latest one came.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupLatest {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record::time_opt"
    )]
    pub last_at: Option<DateTime<Utc>>,
}

/// That a handler's or sender's form was applied to a worry (`keys::worry_form_applied`, TTL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormAppliedRecord {
    pub expires_at: i64,
}

impl Record for FormAppliedRecord {
    const TYPE: &'static str = "form_applied";
}

/// One entry of a worry's chronology (`keys::worry_event`). Which of the optional attributes
/// are set depends on `kind` (see [`super::case::EventKind`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorryEventRecord {
    pub kind: String,
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_name: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A status or a queue, by the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// A decision's own fields (kind `decision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<super::decision::Decision>,
    /// The review date set (kind `review_set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

impl Record for WorryEventRecord {
    const TYPE: &'static str = "worry_event";
}

/// One read of a worry (or a refused attempt), in its audit trail (`keys::worry_audit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorryAuditRecord {
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_name: String,
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
}

impl Record for WorryAuditRecord {
    const TYPE: &'static str = "worry_audit";
}

/// Reads an item of a worry's partition (or pointer) as its record; a malformed one is
/// [`WorryError::Corrupt`].
pub(crate) fn read<R: Record>(item: &crate::store::Item) -> Result<R, WorryError> {
    record::from_item(item).map_err(|e| WorryError::Corrupt(e.to_string()))
}
