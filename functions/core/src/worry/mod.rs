//! Worries: what a learner, parent or member of staff tells the platform so that it reaches the
//! people who can act on it, and nobody else.
//!
//! * [`submit`] stores a worry, routed by who it is about ([`routing`]), with the notification
//!   to send in the same transaction ([`crate::notify`] delivers it);
//! * [`sender`]: what the person who sent it can read back (status, replies) and add;
//! * [`case`]: what the routed handlers do with it (chronology, audit trail);
//! * [`inbox`]: the handlers' lists and counts.
//!
//! Rules enforced here (see `shared/DESIGN.md`):
//! * a worry is stored durably before the sender is told it was sent (`submit` returns only
//!   after the transaction committed), and its notification is part of that transaction;
//! * an anonymous worry stores no identity: no user id, IP address or user agent ([`Sender`]
//!   has nowhere to put one for it);
//! * a retried submission (same form token) stores one worry, not two;
//! * the follow-up code is shown once and stored only as a hash;
//! * worry text never goes to the log.

pub mod case;
pub mod code;
pub mod inbox;
pub mod routing;
pub mod sender;

use crate::content::WorryKind;
use crate::crypto::{self, Secret};
use crate::keys;
use crate::org::OrgId;
use crate::store::{Condition, Item, Store, StoreError, TxOp, layout};
use chrono::{DateTime, Utc};
use code::{CodeError, FollowUpCode, FormToken, TokenError};
use routing::{About, Queue};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The longest worry we accept, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// The longest "how to contact me" we accept, in characters.
pub const MAX_CONTACT_CHARS: usize = 500;
/// The form-token purpose of the worry form.
pub const FORM_PURPOSE: &str = "worry";
/// How long the record that makes a submission idempotent is kept.
const IDEMPOTENCY_DAYS: i64 = 30;

/// How urgent the sender feels it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    CanWait,
    Soon,
    Urgent,
}

impl Urgency {
    pub const ALL: [Urgency; 3] = [Urgency::CanWait, Urgency::Soon, Urgency::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::CanWait => "can_wait",
            Urgency::Soon => "soon",
            Urgency::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Urgency> {
        Urgency::ALL.into_iter().find(|u| u.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Urgency::CanWait => "It can wait a few days",
            Urgency::Soon => "I would like someone to look at it soon",
            Urgency::Urgent => "It feels urgent",
        }
    }
}

/// Where a worry is in its handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored and waiting for the safeguarding team to read it.
    New,
    /// Someone it was routed to has read it and said so.
    Acknowledged,
    /// Being acted on.
    InProgress,
    /// Finished, with an outcome.
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::Acknowledged,
        Status::InProgress,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::InProgress => "in_progress",
            Status::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// For the handlers' pages.
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::Acknowledged => "Acknowledged",
            Status::InProgress => "In progress",
            Status::Closed => "Closed",
        }
    }
    /// What the sender is told on the follow-up page.
    pub fn describe(self) -> &'static str {
        match self {
            Status::New => "Received. It is waiting for the safeguarding team to read it.",
            Status::Acknowledged => "The safeguarding team has read it.",
            Status::InProgress => "The safeguarding team is working on it.",
            Status::Closed => "The safeguarding team has finished working on it.",
        }
    }
}

/// What a person submitted, before checking (form fields as typed; `None` when not chosen).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorryInput {
    pub text: String,
    pub urgency: Option<String>,
    /// Who it is about ([`About`] names).
    pub about: Option<String>,
    /// What kind of thing (an id from `content/worries.toml`).
    pub kind: Option<String>,
    /// "yes" or "no": whether they would like someone to contact them.
    pub wants_contact: Option<String>,
    /// How and when it is safe to contact them (optional).
    pub contact_how: String,
}

/// Who sent a worry, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    /// Nothing about the sender is stored: they get a follow-up code instead.
    Anonymous,
    /// A signed-in person who chose to give their name: replies reach their account.
    Named { person_id: String, name: String },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WorryError {
    #[error("the worry is empty")]
    Empty,
    #[error("the worry is {chars} characters, over the {max}-character limit")]
    TooLong { chars: usize, max: usize },
    #[error("no valid urgency was chosen")]
    InvalidUrgency,
    #[error("no valid \"about\" was chosen")]
    InvalidAbout,
    #[error("no valid kind was chosen")]
    InvalidKind,
    #[error("no valid contact choice was made")]
    InvalidContact,
    #[error("the contact details are {chars} characters, over the {max}-character limit")]
    ContactTooLong { chars: usize, max: usize },
    #[error("the form token was refused: {0}")]
    Form(#[from] TokenError),
    #[error("the follow-up code was refused: {0}")]
    Code(#[from] CodeError),
    #[error("too many {what} from one address; retry after {retry_after_secs} s")]
    RateLimited {
        what: Limited,
        retry_after_secs: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored worry is malformed: {0}")]
    Corrupt(String),
}

/// What a per-address rate limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    Submissions,
    FollowUpLookups,
    /// Named worries from one account (anonymous ones are never counted per account).
    AccountSubmissions,
}

impl std::fmt::Display for Limited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limited::Submissions | Limited::AccountSubmissions => "worries",
            Limited::FollowUpLookups => "follow-up look-ups",
        })
    }
}

impl Limited {
    /// The default (limit, window in seconds). Submissions are generous: a whole school or
    /// college often shares one address, and the limit is there to stop floods, never a
    /// person. Look-ups are tighter: guessing a 125-bit code is hopeless anyway, and this keeps
    /// trying it cheap.
    pub fn policy(self) -> (u32, u64) {
        match self {
            Limited::Submissions => (60, 10 * 60),
            Limited::FollowUpLookups => (30, 15 * 60),
            Limited::AccountSubmissions => (20, 10 * 60),
        }
    }
}

/// Counts one submission or look-up from `address` (a client IP) and refuses it when over
/// `limit` per the policy's window. The address is kept only as a keyed MAC in a counter that expires within about an
/// hour and a half, never with the worry.
pub async fn check_rate<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    what: Limited,
    limit: u32,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), WorryError> {
    let kind = match what {
        Limited::Submissions => "worry-ip",
        Limited::FollowUpLookups => "follow-up-ip",
        Limited::AccountSubmissions => "worry-person",
    };
    let (_, window) = what.policy();
    let bucket = crate::identity::rate_limit::bucket(secret, kind, address);
    let decision =
        crate::identity::rate_limit::check(store, org, &bucket, limit, window, now).await?;
    if decision.allowed {
        Ok(())
    } else {
        Err(WorryError::RateLimited {
            what,
            retry_after_secs: decision.retry_after_secs,
        })
    }
}

impl WorryError {
    /// A plain message for the person, saying what to do. Details stay in the log.
    pub fn user_message(&self) -> String {
        match self {
            WorryError::Empty => "Please write something in the box before you send it.".into(),
            WorryError::TooLong { chars, max } => format!(
                "Your message is {chars} characters long. Please shorten it to {max} characters or fewer, or send it in two parts."
            ),
            WorryError::InvalidUrgency => "Please choose how urgent it feels.".into(),
            WorryError::Form(TokenError::Expired) => {
                "This form was opened a long time ago, so we could not accept it safely. Your message is still below: please press Send again.".into()
            }
            WorryError::Form(_) => {
                "We could not accept this form. Your message is still below: please press Send again.".into()
            }
            WorryError::Code(e) => format!("That follow-up code does not look right: {e}. Please check it and try again."),
            WorryError::InvalidAbout => "Please choose who it is about.".into(),
            WorryError::InvalidKind => "Please choose what kind of thing it is. If you are not sure, choose \"Something else\".".into(),
            WorryError::InvalidContact => "Please say whether you would like someone to contact you.".into(),
            WorryError::ContactTooLong { chars, max } => format!(
                "How to contact you is {chars} characters long. Please shorten it to {max} characters or fewer."
            ),
            WorryError::RateLimited {
                what: Limited::AccountSubmissions,
                retry_after_secs,
            } => format!(
                "You have sent a lot of messages in the last few minutes, so sending is paused. Your message has not been sent yet and is still below: please press Send again in {} minutes. If someone is in danger now, call 999.",
                retry_after_secs.div_ceil(60)
            ),
            WorryError::RateLimited {
                what: Limited::Submissions,
                retry_after_secs,
            } => format!(
                "A lot of messages have been sent from your network in the last few minutes, so sending is paused. Your message has not been sent yet and is still below: please press Send again in {} minutes. If someone is in danger now, call 999.",
                retry_after_secs.div_ceil(60)
            ),
            WorryError::RateLimited {
                what: Limited::FollowUpLookups,
                retry_after_secs,
            } => format!(
                "Many codes have been checked from your network in the last few minutes. Please try again in {} minutes.",
                retry_after_secs.div_ceil(60)
            ),
            WorryError::Store(_) | WorryError::Corrupt(_) => {
                "Sorry, we could not save your message just now. Nothing was sent. Your message is still below: please try again in a minute. If someone is in danger now, call 999.".into()
            }
        }
    }

    /// Whether the person can fix it by editing what they sent (shown next to the form).
    pub fn is_input_problem(&self) -> bool {
        matches!(
            self,
            WorryError::Empty
                | WorryError::TooLong { .. }
                | WorryError::InvalidUrgency
                | WorryError::InvalidAbout
                | WorryError::InvalidKind
                | WorryError::InvalidContact
                | WorryError::ContactTooLong { .. }
        )
    }
}

/// A checked worry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidWorry {
    pub text: String,
    pub urgency: Urgency,
    pub about: About,
    pub kind: String,
    pub wants_contact: bool,
    pub contact_how: String,
}

/// Line endings unified, control characters other than newlines and tabs removed, surrounding
/// blank space trimmed; nothing else is changed.
pub fn normalise_text(text: &str) -> String {
    let text: String = text
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    text.trim().to_string()
}

/// Checks a piece of free text against a limit (worries, notes, replies).
pub fn check_text(text: &str, max: usize) -> Result<String, WorryError> {
    let text = normalise_text(text);
    if text.is_empty() {
        return Err(WorryError::Empty);
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(WorryError::TooLong { chars, max });
    }
    Ok(text)
}

impl WorryInput {
    /// Checks what was typed and chosen; `kinds` is the content's list.
    pub fn validate(&self, kinds: &[WorryKind]) -> Result<ValidWorry, WorryError> {
        let text = check_text(&self.text, MAX_TEXT_CHARS)?;
        let urgency = self
            .urgency
            .as_deref()
            .and_then(Urgency::parse)
            .ok_or(WorryError::InvalidUrgency)?;
        let about = self
            .about
            .as_deref()
            .and_then(About::parse)
            .ok_or(WorryError::InvalidAbout)?;
        let kind = self
            .kind
            .as_deref()
            .filter(|k| kinds.iter().any(|known| known.id == *k))
            .ok_or(WorryError::InvalidKind)?
            .to_string();
        let wants_contact = match self.wants_contact.as_deref() {
            Some("yes") => true,
            Some("no") => false,
            _ => return Err(WorryError::InvalidContact),
        };
        let contact_how = normalise_text(&self.contact_how);
        let chars = contact_how.chars().count();
        if chars > MAX_CONTACT_CHARS {
            return Err(WorryError::ContactTooLong {
                chars,
                max: MAX_CONTACT_CHARS,
            });
        }
        Ok(ValidWorry {
            text,
            urgency,
            about,
            kind,
            wants_contact,
            contact_how,
        })
    }
}

/// The outcome of a submission the sender is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub worry_id: String,
    /// Anonymous worries only: the code to read replies with.
    pub follow_up_code: Option<FollowUpCode>,
    pub created_at: DateTime<Utc>,
    /// True when this form had already been submitted: nothing new was stored.
    pub repeated: bool,
}

/// Stores a worry for the organisation, routed by who it is about, with its notification.
/// Returns only once it is durably stored.
#[allow(clippy::too_many_arguments)]
pub async fn submit<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    form_token: &str,
    input: &WorryInput,
    kinds: &[WorryKind],
    sender: &Sender,
    now: DateTime<Utc>,
) -> Result<Submitted, WorryError> {
    let token = FormToken::verify(secret, FORM_PURPOSE, form_token, now.timestamp())?;
    let worry = input.validate(kinds)?;
    // The same form sent again with the same answers is a retry: one worry, same code. The same
    // form sent with different answers (edited after going Back) is a new worry: nothing is lost.
    let sender_part = match sender {
        Sender::Anonymous => String::new(),
        Sender::Named { person_id, .. } => person_id.clone(),
    };
    let digest = crypto::sha256(
        [
            worry.urgency.as_str(),
            worry.about.as_str(),
            &worry.kind,
            if worry.wants_contact { "yes" } else { "no" },
            &worry.contact_how,
            &sender_part,
            &worry.text,
        ]
        .join("\n")
        .as_bytes(),
    );
    let idem_key = keys::idempotency(
        org,
        &crypto::sha256_hex(format!("{form_token}:{}", crypto::hex(&digest)).as_bytes()),
    );

    let worry_id = uuid::Uuid::now_v7().to_string();
    let created = crate::store::timestamp(now);
    let queue = worry.about.queue();
    let mut fields = json!({
        "type": "worry",
        "org": org.as_str(),
        "worry_id": worry_id,
        "text": worry.text,
        "urgency": worry.urgency.as_str(),
        "about": worry.about.as_str(),
        "queue": queue.as_str(),
        "kind": worry.kind,
        "wants_contact": worry.wants_contact,
        "contact_how": worry.contact_how,
        "status": Status::New.as_str(),
        "anonymous": matches!(sender, Sender::Anonymous),
        "created_at": created,
        "updated_at": created,
        "version": 1,
        (layout::GSI1_PK): keys::worries_index(org, queue.as_str(), true),
        (layout::GSI1_SK): keys::worries_index_sort(&created, &worry_id),
    });
    let code = match sender {
        Sender::Anonymous => Some(FollowUpCode::derive(
            secret,
            org.as_str(),
            &[&token.nonce[..], &digest].concat(),
        )),
        Sender::Named { person_id, name } => {
            fields["sender_id"] = json!(person_id);
            fields["sender_name"] = json!(name);
            None
        }
    };
    let pointer = match (&code, sender) {
        (Some(code), _) => keys::follow_up(org, &code.hash_hex())
            .item(json!({ "type": "follow_up", "worry_id": worry_id })),
        (None, Sender::Named { person_id, .. }) => {
            keys::sender_worry(org, person_id, &created, &worry_id)
                .item(json!({ "type": "sender_worry", "worry_id": worry_id }))
        }
        (None, Sender::Anonymous) => unreachable!("anonymous worries always get a code"),
    };
    let idem_item = idem_key.item(json!({
        "type": "idempotency",
        "worry_id": worry_id,
        (layout::TTL): (now + chrono::Duration::days(IDEMPOTENCY_DAYS)).timestamp(),
    }));
    let notification = crate::notify::new_notification(
        org,
        &worry_id,
        queue,
        crate::notify::Reason::NewWorry,
        worry.urgency == Urgency::Urgent,
        None,
        now,
    );
    let ops = vec![
        TxOp::Put {
            item: keys::worry(org, &worry_id).item(fields),
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: idem_item,
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: pointer,
            condition: Condition::NotExists,
        },
        notification,
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(
                %org,
                worry_id,
                queue = queue.as_str(),
                urgency = worry.urgency.as_str(),
                anonymous = code.is_some(),
                "worry stored"
            );
            Ok(Submitted {
                worry_id,
                follow_up_code: code,
                created_at: now,
                repeated: false,
            })
        }
        // This form was submitted before (double click, browser retry): hand back that worry.
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&1) => {
            let earlier = store
                .get(&idem_key)
                .await?
                .ok_or_else(|| WorryError::Corrupt("idempotency record vanished".into()))?;
            let worry_id = str_field(&earlier, "worry_id")?;
            let stored = store
                .get(&keys::worry(org, &worry_id))
                .await?
                .ok_or_else(|| WorryError::Corrupt(format!("worry {worry_id} is missing")))?;
            tracing::info!(%org, worry_id, "repeated worry submission: returned the stored worry");
            Ok(Submitted {
                created_at: time_field(&stored, "created_at")?,
                worry_id,
                follow_up_code: code,
                repeated: true,
            })
        }
        Err(e) => {
            tracing::error!(%org, error = %e, "storing a worry failed");
            Err(e.into())
        }
    }
}

/// Stores a worry from someone not signed in (or choosing to stay anonymous).
pub async fn submit_anonymous<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    form_token: &str,
    input: &WorryInput,
    kinds: &[WorryKind],
    now: DateTime<Utc>,
) -> Result<Submitted, WorryError> {
    submit(
        store,
        org,
        secret,
        form_token,
        input,
        kinds,
        &Sender::Anonymous,
        now,
    )
    .await
}

/// A stored worry, as its handlers (and, in part, its sender) see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worry {
    pub id: String,
    pub text: String,
    pub urgency: Urgency,
    pub about: About,
    pub queue: Queue,
    pub kind: String,
    pub wants_contact: bool,
    pub contact_how: String,
    pub status: Status,
    pub sender: Sender,
    /// The routed person handling it, if someone was assigned: (person id, name).
    pub assigned: Option<(String, String)>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic locking: changed by every action.
    pub version: u64,
}

impl Worry {
    pub fn from_item(item: &Item) -> Result<Worry, WorryError> {
        let corrupt = |what: &str| WorryError::Corrupt(format!("unknown {what}"));
        let sender = match item.get("sender_id").and_then(Value::as_str) {
            Some(id) => Sender::Named {
                person_id: id.to_string(),
                name: str_field(item, "sender_name")?,
            },
            None => Sender::Anonymous,
        };
        let assigned = match (
            item.get("assigned_id").and_then(Value::as_str),
            item.get("assigned_name").and_then(Value::as_str),
        ) {
            (Some(id), Some(name)) => Some((id.to_string(), name.to_string())),
            _ => None,
        };
        Ok(Worry {
            id: str_field(item, "worry_id")?,
            text: str_field(item, "text")?,
            urgency: Urgency::parse(&str_field(item, "urgency")?)
                .ok_or_else(|| corrupt("urgency"))?,
            about: About::parse(&str_field(item, "about")?).ok_or_else(|| corrupt("about"))?,
            queue: Queue::parse(&str_field(item, "queue")?).ok_or_else(|| corrupt("queue"))?,
            kind: str_field(item, "kind")?,
            wants_contact: item
                .get("wants_contact")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            contact_how: item
                .get("contact_how")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            status: Status::parse(&str_field(item, "status")?).ok_or_else(|| corrupt("status"))?,
            sender,
            assigned,
            created_at: time_field(item, "created_at")?,
            updated_at: time_field(item, "updated_at")?,
            version: item
                .get("version")
                .and_then(Value::as_u64)
                .ok_or_else(|| WorryError::Corrupt("missing `version`".into()))?,
        })
    }

    /// Whether a person holding `roles` may see this worry (its routing, never role alone).
    pub fn visible_to(&self, roles: &[crate::identity::Role]) -> bool {
        routing::may_see(&self.queue.routing(), roles)
    }
}

/// Worry ids are UUIDs: anything else is refused before it reaches a key.
pub fn is_worry_id(id: &str) -> bool {
    id.len() == 36 && uuid::Uuid::parse_str(id).is_ok()
}

pub(crate) fn str_field(item: &Item, name: &str) -> Result<String, WorryError> {
    item.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| WorryError::Corrupt(format!("missing `{name}`")))
}

pub(crate) fn time_field(item: &Item, name: &str) -> Result<DateTime<Utc>, WorryError> {
    DateTime::parse_from_rfc3339(&str_field(item, name)?)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| WorryError::Corrupt(format!("`{name}`: {e}")))
}

#[cfg(test)]
mod tests;
