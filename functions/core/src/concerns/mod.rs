//! Low-level concerns about staff (KCSIE Part 4 section 2): something a member of staff did that
//! does not meet the harm threshold but is not consistent with the staff code of conduct. Any
//! member of staff records one about a colleague (someone on the platform, or named in words),
//! or about themselves (a self-report, which the form encourages). Each is:
//! * shared with the head (the allegations lead), and with the DSL too when the profile says
//!   so ([`LowLevelConcernsTo`]);
//! * never read by the person it is about, whatever roles they hold or gain later (their id is
//!   kept on the concern, as a worry's `excluded`), and never by anyone holding the reading
//!   role they hold: about the DSL, never the DSL or the deputies; about the head, the chair
//!   instead;
//! * seen by its readers as a pattern: a list per member of staff with a count, the first and
//!   latest date (the log), every read of which is audited;
//! * seen again by the person who recorded it (their own, never anyone else's).
//!
//! A concern that might meet the harm threshold is not stored here: the person is sent to the
//! allegations route (the staff concern form) instead.
//!
//! Volumes are small (a few a term), so the organisation's concerns are one partition, read
//! whole ([`crate::keys::low_level_partition`]).

use crate::identity::Person;
use crate::identity::people;
use crate::keys;
use crate::org::{LowLevelConcernsTo, OrgId};
use crate::roles::Role;
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Query, Store, StoreError, TxOp};
use crate::worry::staff_report::{FieldError, is_staff};
use crate::worry::{check_text, normalise_text};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest "what happened", in characters.
pub const MAX_WHAT_CHARS: usize = 5_000;
/// The longest name of someone not on the platform, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Who may read one concern, fixed when it is recorded (like a worry's route): in `routing`,
/// so that the notification announcing it goes to the same people.
pub use crate::routing::Readers;

/// Who reads a concern about `about` (`None`: someone not on the platform) in an organisation
/// with these safeguarding people.
pub fn readers(to: LowLevelConcernsTo, about: Option<&Person>, people: &[Person]) -> Readers {
    let mut roles = match to {
        LowLevelConcernsTo::Head => vec![Role::AllegationsLead],
        LowLevelConcernsTo::Dsl => vec![Role::Dsl, Role::AllegationsLead],
    };
    let mut concerned = Vec::new();
    let mut excluded = Vec::new();
    if let Some(p) = about {
        excluded.push(p.id.clone());
        for r in &p.roles {
            if crate::roles::SAFEGUARDING_ROLES.contains(r) && !concerned.contains(r) {
                concerned.push(*r);
            }
        }
        // About the DSL: never the deputies either (the DSL manages them).
        if p.roles.contains(&Role::Dsl) && !concerned.contains(&Role::DeputyDsl) {
            concerned.push(Role::DeputyDsl);
        }
        // About the head: the chair (KCSIE), never the head.
        if p.roles.contains(&Role::AllegationsLead) {
            roles = vec![Role::Chair];
        }
    }
    concerned.sort();
    let mut readers = Readers {
        roles,
        concerned,
        excluded,
    };
    if !people.iter().any(|p| readers.may_read(p)) && !readers.roles.contains(&Role::Chair) {
        // Nobody left (the head is the person it is about, or the role is vacant): the chair.
        readers.roles.push(Role::Chair);
    }
    readers
}

/// Whether this person may open the log at all (each concern in it is still checked with
/// [`Readers::may_read`]): the roles that can read a low-level concern here.
pub fn may_open_log(p: &Person, to: LowLevelConcernsTo) -> bool {
    let roles: &[Role] = match to {
        LowLevelConcernsTo::Head => &[Role::AllegationsLead, Role::Chair],
        LowLevelConcernsTo::Dsl => &[Role::Dsl, Role::AllegationsLead, Role::Chair],
    };
    p.active && p.roles.iter().any(|r| roles.contains(r))
}

/// A low-level concern (`keys::low_level_concern`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LowLevelConcernRecord {
    pub concern_id: String,
    /// The person it is about, when they are on the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about_id: Option<String>,
    pub about_name: String,
    pub self_report: bool,
    pub what: String,
    /// When it happened (`None`: not sure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub happened_on: Option<NaiveDate>,
    pub recorded_by_id: String,
    pub recorded_by_name: String,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    pub readers: Readers,
    /// The date the person left, recorded by a reviewer for retention when the platform cannot
    /// know it (someone not on it, or an account deactivated before leaving dates were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_on: Option<NaiveDate>,
}

impl Record for LowLevelConcernRecord {
    const TYPE: &'static str = "low_level_concern";
}

/// One read of the log (`keys::low_level_audit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LowLevelAuditRecord {
    #[serde(with = "record::time")]
    pub at: DateTime<Utc>,
    pub by_id: String,
    pub by_name: String,
    pub what: String,
    /// Who may see this line, when it is about one concern (a hold, a deletion): that
    /// concern's readers, so the person it is about never learns of it from the log's audit.
    /// `None`: every reader of the log (a read of the log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readers: Option<Readers>,
}

impl Record for LowLevelAuditRecord {
    const TYPE: &'static str = "low_level_audit";
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConcernError {
    #[error("the form has problems")]
    Invalid(Vec<FieldError>),
    #[error("not allowed")]
    NotAllowed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored low-level concern is malformed: {0}")]
    Corrupt(String),
}

impl From<people::PeopleError> for ConcernError {
    fn from(e: people::PeopleError) -> Self {
        match e {
            people::PeopleError::Store(s) => ConcernError::Store(s),
            other => ConcernError::Corrupt(other.to_string()),
        }
    }
}

/// The form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LowLevelInput {
    /// A fresh UUID per form: a resubmitted form stores one concern.
    pub form_id: String,
    /// "self", "other", or a person's id.
    pub about: String,
    /// The name of someone not on the platform (with `about` = "other").
    pub about_other: String,
    pub what: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// "yes": not sure when.
    pub when_unsure: Option<String>,
    /// "no": below the harm threshold; "yes": might meet it.
    pub threshold: Option<String>,
}

/// What became of a recorded concern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Stored; `reached_nobody` when no active person may read it (the roles must be filled).
    Stored {
        concern_id: String,
        reached_nobody: bool,
    },
    /// This form had been sent before: that concern.
    Repeated { concern_id: String },
    /// It might meet the harm threshold: nothing stored, the allegations route instead.
    AboveThreshold,
}

fn field(field: &'static str, message: &str) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// The active staff of the organisation a concern may be about, by name (not `recorder`: a
/// self-report is its own choice).
pub async fn staff_choices<S: Store>(
    store: &S,
    org: &OrgId,
    recorder: &Person,
) -> Result<Vec<(String, String)>, ConcernError> {
    let mut all: Vec<(String, String)> = people::list_all(store, org)
        .await?
        .into_iter()
        .filter(|p| p.active && p.id != recorder.id && is_staff(&p.roles))
        .map(|p| (p.id, p.name))
        .collect();
    all.sort_by_key(|a| a.1.to_lowercase());
    Ok(all)
}

/// Records a low-level concern by `recorder` (a member of staff of `org`: checked by the
/// caller's permission and again here).
pub async fn record<S: Store>(
    store: &S,
    org: &OrgId,
    to: LowLevelConcernsTo,
    recorder: &Person,
    input: &LowLevelInput,
    now: DateTime<Utc>,
) -> Result<Recorded, ConcernError> {
    if !recorder.active || recorder.org != *org || !is_staff(&recorder.roles) {
        return Err(ConcernError::NotAllowed);
    }
    let mut errors = Vec::new();
    let form_ok = uuid::Uuid::parse_str(&input.form_id).is_ok() && input.form_id.len() == 36;
    // Who it is about.
    let about: Option<(Option<Person>, String, bool)> = match input.about.as_str() {
        "self" => Some((Some(recorder.clone()), recorder.name.clone(), true)),
        "other" => match check_text(&input.about_other, MAX_NAME_CHARS) {
            Ok(name) => Some((None, name, false)),
            Err(_) => {
                errors.push(field(
                    "about_other",
                    "Enter the name of the person it is about (up to 200 characters).",
                ));
                None
            }
        },
        "" => {
            errors.push(field(
                "about",
                "Choose who it is about: a colleague, someone not on the list, or yourself.",
            ));
            None
        }
        id => match people::get(store, org, id).await {
            Ok(p) if p.active && is_staff(&p.roles) => {
                let own = p.id == recorder.id;
                let name = p.name.clone();
                Some((Some(p), name, own))
            }
            Ok(_) | Err(people::PeopleError::NotFound) => {
                errors.push(field(
                    "about",
                    "That person is not a member of staff here any more. Choose someone from the list, or name them under \"Someone not on the list\".",
                ));
                None
            }
            Err(e) => return Err(e.into()),
        },
    };
    let what = match check_text(&input.what, MAX_WHAT_CHARS) {
        Ok(t) => t,
        Err(crate::worry::WorryError::TooLong { chars, max }) => {
            errors.push(FieldError {
                field: "what",
                message: format!("What happened is {chars} characters long. Please shorten it to {max} characters or fewer."),
            });
            String::new()
        }
        Err(_) => {
            errors.push(field("what", "Write what happened."));
            String::new()
        }
    };
    let unsure = input.when_unsure.as_deref() == Some("yes");
    let typed_date = normalise_text(&input.date);
    let happened_on = if unsure {
        None
    } else if typed_date.is_empty() {
        errors.push(field(
            "date",
            "Enter the date it happened, or tick \"I'm not sure when\".",
        ));
        None
    } else {
        match NaiveDate::parse_from_str(&typed_date, "%Y-%m-%d") {
            Ok(d) if d > crate::dates::to_london(now).date_naive() => {
                errors.push(field(
                    "date",
                    "The date it happened must be today or in the past.",
                ));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(field(
                    "date",
                    "Enter the date as a real date, or tick \"I'm not sure when\".",
                ));
                None
            }
        }
    };
    let threshold = match input.threshold.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => {
            errors.push(field(
                "threshold",
                "Say whether it might have harmed a child or might be a crime.",
            ));
            None
        }
    };
    // Above the threshold it is not a low-level concern whatever else was typed: nothing kept.
    if threshold == Some(true) {
        return Ok(Recorded::AboveThreshold);
    }
    if !form_ok {
        errors.push(field(
            "form",
            "This form could not be accepted. Everything you typed is still below: please press Record again.",
        ));
    }
    let Some((about_person, about_name, self_report)) = about.filter(|_| errors.is_empty()) else {
        return Err(ConcernError::Invalid(errors));
    };
    let safeguarders = crate::identity::safeguarders::list(store, org).await?;
    let readers = readers(to, about_person.as_ref(), &safeguarders);
    let reached_nobody = !safeguarders.iter().any(|p| readers.may_read(p));
    let concern_id = input.form_id.clone();
    let rec = LowLevelConcernRecord {
        concern_id: concern_id.clone(),
        about_id: about_person.map(|p| p.id),
        about_name,
        self_report,
        what,
        happened_on,
        recorded_by_id: recorder.id.clone(),
        recorded_by_name: recorder.name.clone(),
        created_at: now,
        readers,
        left_on: None,
    };
    let op = TxOp::Put {
        item: to_item(&keys::low_level_concern(org, &concern_id), &rec),
        condition: Condition::NotExists,
    };
    // Its readers are emailed (a link to the log, nothing of the concern), in the same
    // transaction: a repeated form stores and announces nothing.
    let announce = crate::notify::new_low_level_concern(org, &rec.readers, now);
    match store.transact(vec![op, announce]).await {
        Ok(()) => {
            tracing::info!(%org, concern_id, reached_nobody, "low-level concern recorded");
            if reached_nobody {
                tracing::error!(%org, concern_id, "a low-level concern was stored that no active person may read: the safeguarding roles must be filled");
            }
            Ok(Recorded::Stored {
                concern_id,
                reached_nobody,
            })
        }
        Err(StoreError::TransactionConditionFailed { .. }) => Ok(Recorded::Repeated { concern_id }),
        Err(e) => Err(e.into()),
    }
}

/// Every stored concern of the organisation (few), oldest first.
pub(crate) async fn all_concerns<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<Vec<LowLevelConcernRecord>, ConcernError> {
    let items = crate::store::query_all(
        store,
        Query::partition(keys::low_level_partition(org))
            .prefix(keys::LOW_LEVEL_CONCERN_PREFIX)
            .limit(1000),
    )
    .await?;
    let mut out = items
        .iter()
        .map(|item| {
            record::from_item::<LowLevelConcernRecord>(item)
                .map_err(|e| ConcernError::Corrupt(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|a| a.created_at);
    Ok(out)
}

/// One concern in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub concern_id: String,
    pub happened_on: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
    pub what: String,
    pub recorded_by: String,
    pub self_report: bool,
}

/// The concerns about one member of staff: the pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonPattern {
    pub about_name: String,
    /// On the platform.
    pub on_platform: bool,
    pub count: usize,
    pub first: DateTime<Utc>,
    pub latest: DateTime<Utc>,
    pub self_reports: usize,
    /// Oldest first.
    pub entries: Vec<LogEntry>,
}

/// A read of the log, for its readers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub by_name: String,
    pub what: String,
}

/// What a reader sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    /// Most concerns first, then the most recent.
    pub people: Vec<PersonPattern>,
    /// The latest reads, newest first.
    pub audit: Vec<AuditLine>,
}

/// How many reads of the log its page shows.
pub const AUDIT_SHOWN: usize = 50;

/// The log as `reader` may read it: only the concerns they may read, grouped per member of
/// staff; the read is audited (in the same partition, newest shown first).
pub async fn log<S: Store>(
    store: &S,
    org: &OrgId,
    to: LowLevelConcernsTo,
    reader: &Person,
    now: DateTime<Utc>,
) -> Result<Log, ConcernError> {
    if reader.org != *org || !may_open_log(reader, to) {
        return Err(ConcernError::NotAllowed);
    }
    let all = all_concerns(store, org).await?;
    let mut people: Vec<(String, PersonPattern)> = Vec::new();
    for c in all.into_iter().filter(|c| c.readers.may_read(reader)) {
        let key = match &c.about_id {
            Some(id) => format!("id:{id}"),
            None => format!("name:{}", c.about_name.to_lowercase()),
        };
        let entry = LogEntry {
            concern_id: c.concern_id.clone(),
            happened_on: c.happened_on,
            recorded_at: c.created_at,
            what: c.what.clone(),
            recorded_by: c.recorded_by_name.clone(),
            self_report: c.self_report,
        };
        match people.iter_mut().find(|(k, _)| *k == key) {
            Some((_, p)) => {
                p.count += 1;
                p.latest = p.latest.max(c.created_at);
                p.first = p.first.min(c.created_at);
                p.self_reports += usize::from(c.self_report);
                p.entries.push(entry);
            }
            None => people.push((
                key,
                PersonPattern {
                    about_name: c.about_name.clone(),
                    on_platform: c.about_id.is_some(),
                    count: 1,
                    first: c.created_at,
                    latest: c.created_at,
                    self_reports: usize::from(c.self_report),
                    entries: vec![entry],
                },
            )),
        }
    }
    let mut people: Vec<PersonPattern> = people.into_iter().map(|(_, p)| p).collect();
    people.sort_by(|a, b| b.count.cmp(&a.count).then(b.latest.cmp(&a.latest)));
    let shown: usize = people.iter().map(|p| p.count).sum();
    let at = crate::store::timestamp(now);
    let entry = LowLevelAuditRecord {
        at: now,
        by_id: reader.id.clone(),
        by_name: reader.name.clone(),
        readers: None,
        what: format!(
            "Read the low-level concerns log ({shown} concern{} about {} {})",
            if shown == 1 { "" } else { "s" },
            people.len(),
            if people.len() == 1 {
                "person"
            } else {
                "people"
            }
        ),
    };
    store
        .put(
            to_item(
                &keys::low_level_audit(org, &at, &uuid::Uuid::now_v7().to_string()),
                &entry,
            ),
            Condition::Always,
        )
        .await?;
    let page = store
        .query(
            &Query::partition(keys::low_level_partition(org))
                .prefix(keys::LOW_LEVEL_AUDIT_PREFIX)
                .descending()
                .limit(AUDIT_SHOWN),
        )
        .await?;
    let mut audit = Vec::new();
    for i in &page.items {
        let a = record::from_item::<LowLevelAuditRecord>(i)
            .map_err(|e| ConcernError::Corrupt(e.to_string()))?;
        // A line about one concern is shown to that concern's readers only.
        if a.readers.as_ref().is_some_and(|r| !r.may_read(reader)) {
            continue;
        }
        audit.push(AuditLine {
            at: a.at,
            by_name: a.by_name,
            what: a.what,
        });
    }
    Ok(Log { people, audit })
}

/// A concern its recorder sees again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnConcern {
    pub recorded_at: DateTime<Utc>,
    pub about_name: String,
    pub self_report: bool,
    pub happened_on: Option<NaiveDate>,
    pub what: String,
}

/// The concerns `person` recorded, newest first (never anyone else's).
pub async fn own<S: Store>(
    store: &S,
    org: &OrgId,
    person: &Person,
) -> Result<Vec<OwnConcern>, ConcernError> {
    if person.org != *org {
        return Err(ConcernError::NotAllowed);
    }
    let mut own: Vec<OwnConcern> = all_concerns(store, org)
        .await?
        .into_iter()
        .filter(|c| c.recorded_by_id == person.id)
        .map(|c| OwnConcern {
            recorded_at: c.created_at,
            about_name: c.about_name,
            self_report: c.self_report,
            happened_on: c.happened_on,
            what: c.what,
        })
        .collect();
    own.reverse();
    Ok(own)
}

#[cfg(test)]
mod tests;
