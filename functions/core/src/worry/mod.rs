//! Worries: what a learner, parent or member of staff tells the platform so that it reaches the
//! people who can act on it, and nobody else.
//!
//! * [`submit`] stores a worry, routed by who it is about ([`routing`]), with the notification
//!   to send in the same transaction ([`crate::notify`] delivers it);
//! * [`sender`]: what the person who sent it can read back (status, replies) and add;
//! * [`case`]: what the routed handlers do with it (chronology, audit trail);
//! * [`inbox`]: the handlers' lists and counts;
//! * [`counts`]: the counters behind the counts, written with every change of a worry.
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
pub mod counts;
pub mod decision;
pub mod inbox;
pub mod records;
pub mod report_entry;
pub mod review;
pub mod sender;
pub mod staff_report;

use crate::content::WorryKind;
use crate::crypto::{self, Secret};
use crate::identity::people::is_bidi_control;
use crate::keys;
use crate::org::OrgId;
use crate::routing::{self, About, Involves, Queue, Route};
use crate::store::record::to_item;
use crate::store::{Condition, Item, Store, StoreError, TxOp};
use chrono::{DateTime, Utc};
use code::{CodeError, FollowUpCode, FormToken, TokenError};
use records::{
    FollowUpRecord, FormUsedRecord, GroupLatest, SenderWorryRecord, SubmissionRecord,
    WorryGroupRecord, WorryRecord,
};
use serde::{Deserialize, Serialize};

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
    /// Who is affected ([`About`] names).
    pub about: Option<String>,
    /// Whether an adult who works or volunteers here is involved, and who ([`Involves`]
    /// names): decides where it goes.
    pub involves: Option<String>,
    /// "yes": email the named sender when there is a reply (off unless chosen).
    pub email_replies: Option<String>,
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
    #[error("no valid \"involves\" was chosen")]
    InvalidInvolves,
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
    /// Worries from one address: over the limit they are stored and grouped, never refused.
    Submissions,
    FollowUpLookups,
    /// Named worries from one account (anonymous ones are never counted per account): over the
    /// limit they are stored and grouped, never refused.
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
    /// The default (limit, window in seconds). For worries the limit only decides when many
    /// worries from one place become a group (one email for the group): a whole school often
    /// shares one address, and a worry is never refused for volume. Look-ups are refused over
    /// theirs: guessing a 125-bit code is hopeless anyway, and this keeps trying it cheap.
    pub fn policy(self) -> (u32, u64) {
        match self {
            Limited::Submissions => (60, 10 * 60),
            Limited::FollowUpLookups => (30, 15 * 60),
            Limited::AccountSubmissions => (20, 10 * 60),
        }
    }

    fn bucket_kind(self) -> &'static str {
        match self {
            Limited::Submissions => "worry-ip",
            Limited::FollowUpLookups => "follow-up-ip",
            Limited::AccountSubmissions => "worry-person",
        }
    }
}

/// Counts one look-up from `address` (a client IP) and refuses it when over `limit` per the
/// policy's window. The address is kept only as a keyed MAC in a counter that expires within
/// about an hour and a half.
pub async fn check_rate<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    what: Limited,
    limit: u32,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), WorryError> {
    let (_, window) = what.policy();
    let bucket = crate::rate_limit::bucket(secret, what.bucket_kind(), address);
    let decision = crate::rate_limit::check(store, org, &bucket, limit, window, now).await?;
    if decision.allowed {
        Ok(())
    } else {
        Err(WorryError::RateLimited {
            what,
            retry_after_secs: decision.retry_after_secs,
        })
    }
}

/// Counts one worry against its limit; over it, the id of the group it joins (the same for every
/// worry over the limit from this source in this window and queue).
#[allow(clippy::too_many_arguments)]
async fn flood_group<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    what: Limited,
    limit: u32,
    source: &str,
    queue: Queue,
    now: DateTime<Utc>,
) -> Result<Option<String>, WorryError> {
    let (_, window) = what.policy();
    let bucket = crate::rate_limit::bucket(secret, what.bucket_kind(), source);
    let decision = crate::rate_limit::check(store, org, &bucket, limit, window, now).await?;
    if decision.allowed {
        return Ok(None);
    }
    let now_secs = u64::try_from(now.timestamp()).unwrap_or(0);
    let window_start = now_secs - now_secs % window;
    Ok(Some(group_id(&format!(
        "{bucket}:{window_start}:{}",
        queue.as_str()
    ))))
}

fn group_id(seed: &str) -> String {
    crypto::sha256_hex(seed.as_bytes())[..32].to_string()
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
            WorryError::InvalidInvolves => "Please say whether an adult who works or volunteers here is involved. If you are not sure, choose \"I'm not sure\".".into(),
            WorryError::InvalidKind => "Please choose what kind of thing it is. If you are not sure, choose \"Something else\".".into(),
            WorryError::InvalidContact => "Please say whether you would like someone to contact you.".into(),
            WorryError::ContactTooLong { chars, max } => format!(
                "How to contact you is {chars} characters long. Please shorten it to {max} characters or fewer."
            ),
            // Only look-ups are ever refused for volume (worries are grouped instead).
            WorryError::RateLimited {
                retry_after_secs, ..
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
                | WorryError::InvalidInvolves
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
    pub involves: Involves,
    pub kind: String,
    pub wants_contact: bool,
    pub contact_how: String,
    pub email_replies: bool,
}

/// Line endings unified, control characters other than newlines and tabs (and direction
/// overrides) removed, surrounding blank space trimmed; nothing else is changed.
pub fn normalise_text(text: &str) -> String {
    let text: String = text
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| (!c.is_control() || *c == '\n' || *c == '\t') && !is_bidi_control(*c))
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
        let involves = self
            .involves
            .as_deref()
            .and_then(Involves::parse)
            .ok_or(WorryError::InvalidInvolves)?;
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
            involves,
            kind,
            wants_contact,
            contact_how,
            email_replies: self.email_replies.as_deref() == Some("yes"),
        })
    }
}

/// The outcome of a submission the sender is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub worry_id: String,
    /// Anonymous worries only: the code to read replies with. Shown once: a repeat within
    /// [`REPEAT_SHOWS_CODE_SECS`] (a double click) gets it again, a later one does not.
    pub follow_up_code: Option<FollowUpCode>,
    pub created_at: DateTime<Utc>,
    /// True when this form had already been submitted: nothing new was stored.
    pub repeated: bool,
    /// Nobody who may read it is active: it is stored, shown as unread to every safeguarding
    /// role, and the sender must be told to phone.
    pub reached_nobody: bool,
    pub urgency: Urgency,
}

/// How long after sending a repeat of the same form still shows the follow-up code (a double
/// click, a slow network); after that, on a shared computer, "Back" then "Resubmit" must not show
/// the code to the next person.
pub const REPEAT_SHOWS_CODE_SECS: i64 = 60;

/// What the organisation decides about submissions (from its profile).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmitPolicy {
    /// An urgent worry nobody has acknowledged after this long is escalated.
    pub escalate_after_minutes: u32,
    /// Worries from one address in the policy's window before they are grouped.
    pub group_after_per_address: u32,
}

impl Default for SubmitPolicy {
    fn default() -> Self {
        SubmitPolicy {
            escalate_after_minutes: 30,
            group_after_per_address: Limited::Submissions.policy().0,
        }
    }
}

/// One submission as it arrived.
#[derive(Clone, Copy, Debug)]
pub struct Submission<'a> {
    pub form_token: &'a str,
    pub input: &'a WorryInput,
    pub sender: &'a Sender,
    /// The network address it came from: counted (as a keyed MAC, in a counter that expires)
    /// to group floods, never stored with the worry.
    pub address: Option<&'a str>,
    /// A member of staff's report ([`staff_report`]): stored with the worry, field by field.
    pub staff_report: Option<&'a staff_report::StaffReport>,
}

/// Stores a worry for the organisation, routed by who it is about, with its notification.
/// Returns only once it is durably stored. (Tests and tools: no address, default policy.)
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
    let submission = Submission {
        form_token,
        input,
        sender,
        address: None,
        staff_report: None,
    };
    submit_from(
        store,
        org,
        secret,
        &submission,
        kinds,
        &SubmitPolicy::default(),
        now,
    )
    .await
}

/// Stores a worry: never refused for volume (a flood from one form, address or account is
/// stored and grouped, one email for the group), routed over the organisation's people as they
/// are now, with its notification (and an escalation when urgent) in the same transaction.
pub async fn submit_from<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    submission: &Submission<'_>,
    kinds: &[WorryKind],
    policy: &SubmitPolicy,
    now: DateTime<Utc>,
) -> Result<Submitted, WorryError> {
    let Submission {
        form_token,
        input,
        sender,
        address,
        staff_report,
    } = *submission;
    let token = FormToken::verify(secret, FORM_PURPOSE, form_token, now.timestamp())?;
    let worry = input.validate(kinds)?;
    // The same form sent again with the same answers is a retry: one worry. The same form sent
    // with different answers (edited after going Back, or a script) is stored too, grouped with
    // the first: nothing is lost, nothing is sent twice.
    let sender_part = match sender {
        Sender::Anonymous => String::new(),
        Sender::Named { person_id, .. } => person_id.clone(),
    };
    let report_part = staff_report.map(|r| r.digest_part());
    let mut parts = vec![
        worry.urgency.as_str(),
        worry.about.as_str(),
        worry.involves.as_str(),
        &worry.kind,
        if worry.wants_contact { "yes" } else { "no" },
        &worry.contact_how,
        if worry.email_replies { "yes" } else { "no" },
        &sender_part,
        &worry.text,
    ];
    // Only a staff report adds a part: every other worry's digest is what it always was.
    parts.extend(report_part.as_deref());
    let digest = crypto::sha256(parts.join("\n").as_bytes());
    let idem_key = keys::idempotency(
        org,
        &crypto::sha256_hex(format!("{form_token}:{}", crypto::hex(&digest)).as_bytes()),
    );
    let code = match sender {
        Sender::Anonymous => Some(FollowUpCode::derive(
            secret,
            org.as_str(),
            &[&token.nonce[..], &digest].concat(),
        )),
        Sender::Named { .. } => None,
    };
    if let Some(earlier) = store.get(&idem_key).await? {
        return repeated(store, org, &earlier, code, now).await;
    }

    // Routing looks at the holders of safeguarding roles only (every queue's readers, and the
    // people a worry can be about): their index, not every person.
    let people = crate::identity::safeguarders::list(store, org)
        .await
        .map_err(|e| match e {
            crate::identity::PeopleError::Store(s) => WorryError::Store(s),
            other => WorryError::Corrupt(other.to_string()),
        })?;
    let route = routing::route(worry.involves.queue(), &people);
    let reached_nobody = route.readers(&people).is_empty();
    let queue = route.queue;

    // Floods: a form used before, or too many from one account or address, join a group.
    let form_key = keys::form_used(org, &crypto::hex(&token.nonce));
    let form_reused = store.get(&form_key).await?.is_some();
    let group = if form_reused {
        Some(group_id(&format!(
            "form:{}:{}",
            crypto::hex(&token.nonce),
            queue.as_str()
        )))
    } else {
        match (sender, address) {
            (Sender::Named { person_id, .. }, _) => {
                let (limit, _) = Limited::AccountSubmissions.policy();
                flood_group(
                    store,
                    org,
                    secret,
                    Limited::AccountSubmissions,
                    limit,
                    person_id,
                    queue,
                    now,
                )
                .await?
            }
            (Sender::Anonymous, Some(address)) => {
                flood_group(
                    store,
                    org,
                    secret,
                    Limited::Submissions,
                    policy.group_after_per_address,
                    address,
                    queue,
                    now,
                )
                .await?
            }
            (Sender::Anonymous, None) => None,
        }
    };

    let worry_id = uuid::Uuid::now_v7().to_string();
    let created = crate::store::timestamp(now);
    let (sender_id, sender_name) = match sender {
        Sender::Named { person_id, name } => (Some(person_id.clone()), Some(name.clone())),
        Sender::Anonymous => (None, None),
    };
    let record = WorryRecord {
        org: org.as_str().to_string(),
        worry_id: worry_id.clone(),
        text: worry.text.clone(),
        urgency: worry.urgency,
        about: worry.about.as_str().to_string(),
        involves: Some(worry.involves),
        route: (&route).into(),
        kind: worry.kind.clone(),
        wants_contact: worry.wants_contact,
        contact_how: worry.contact_how.clone(),
        email_replies: worry.email_replies && matches!(sender, Sender::Named { .. }),
        status: Status::New,
        anonymous: matches!(sender, Sender::Anonymous),
        created_at: now,
        updated_at: now,
        version: 1,
        gsi1pk: keys::worries_index(org, queue.as_str(), true),
        gsi1sk: keys::worries_index_sort(&created, &worry_id),
        group_id: group.clone(),
        sender_id,
        sender_name,
        assigned_id: None,
        assigned_name: None,
        review_due: None,
        review_what: None,
        staff_report: staff_report.cloned(),
    };
    let pointer = match (&code, sender) {
        (Some(code), _) => to_item(
            &keys::follow_up(org, &code.hash_hex()),
            &FollowUpRecord {
                worry_id: worry_id.clone(),
            },
        ),
        (None, Sender::Named { person_id, .. }) => to_item(
            &keys::sender_worry(org, person_id, &created, &worry_id),
            &SenderWorryRecord {
                worry_id: worry_id.clone(),
            },
        ),
        (None, Sender::Anonymous) => unreachable!("anonymous worries always get a code"),
    };
    let expires_at = (now + chrono::Duration::days(IDEMPOTENCY_DAYS)).timestamp();
    let idem_item = to_item(
        &idem_key,
        &SubmissionRecord {
            worry_id: worry_id.clone(),
            created_at: now,
            expires_at,
        },
    );
    let urgent = worry.urgency == Urgency::Urgent;
    let mut ops = vec![
        TxOp::Put {
            item: to_item(&keys::worry(org, &worry_id), &record),
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
    ];
    // The inbox counters count it in the same transaction.
    ops.extend(counts::count_ops(org, None, &record));
    // And the reports count it.
    ops.extend(report_entry::entry_op(org, None, &record, &[]));
    if !form_reused {
        ops.push(TxOp::Put {
            item: to_item(&form_key, &FormUsedRecord { expires_at }),
            condition: Condition::Always,
        });
    }
    // One email per group: the group's first worry carries it (the group item is created once);
    // the others only count themselves in.
    let notify_this = match &group {
        None => true,
        Some(g) => {
            let group_key = keys::worry_group(org, g);
            let first = store.get(&group_key).await?.is_none();
            if first {
                ops.push(TxOp::Put {
                    item: to_item(
                        &group_key,
                        &WorryGroupRecord {
                            group_id: g.clone(),
                            queue,
                            first_at: now,
                            first_worry_id: worry_id.clone(),
                            count: 1,
                            latest: GroupLatest::default(),
                        },
                    ),
                    condition: Condition::NotExists,
                });
            } else {
                ops.push(TxOp::Update {
                    key: group_key,
                    update: crate::store::Update::default()
                        .add(WorryGroupRecord::COUNT, 1)
                        .set_fields(&GroupLatest { last_at: Some(now) }),
                    condition: Condition::Exists,
                });
            }
            first
        }
    };
    if notify_this {
        ops.push(crate::notify::new_notification(
            org,
            &worry_id,
            &route,
            if group.is_some() {
                crate::notify::Reason::Flood
            } else {
                crate::notify::Reason::NewWorry
            },
            urgent,
            None,
            now,
        ));
    }
    if urgent {
        // Sent only if nobody has acknowledged it by then (see `notify`).
        ops.push(crate::notify::new_escalation(
            org,
            &worry_id,
            &route,
            now,
            now + chrono::Duration::minutes(i64::from(policy.escalate_after_minutes)),
        ));
    }
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(
                %org,
                worry_id,
                queue = queue.as_str(),
                urgency = worry.urgency.as_str(),
                anonymous = code.is_some(),
                grouped = group.is_some(),
                reached_nobody,
                "worry stored"
            );
            if reached_nobody {
                tracing::error!(%org, worry_id, queue = queue.as_str(),
                    "a worry was stored that no active person may read: the safeguarding roles must be filled");
            }
            Ok(Submitted {
                worry_id,
                follow_up_code: code,
                created_at: now,
                repeated: false,
                reached_nobody,
                urgency: worry.urgency,
            })
        }
        // Sent at the same instant twice (double click racing itself): hand back that worry.
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&1) => {
            let earlier = store
                .get(&idem_key)
                .await?
                .ok_or_else(|| WorryError::Corrupt("idempotency record vanished".into()))?;
            repeated(store, org, &earlier, code, now).await
        }
        // Two of a flood's first worries raced for the group: count this one in and retry.
        Err(StoreError::TransactionConditionFailed { .. }) if group.is_some() => {
            Box::pin(submit_from(
                store, org, secret, submission, kinds, policy, now,
            ))
            .await
        }
        Err(e) => {
            tracing::error!(%org, error = %e, "storing a worry failed");
            Err(e.into())
        }
    }
}

/// The answer to a form sent again with the same answers: the stored worry, and its code only
/// within a minute of the first send.
async fn repeated<S: Store>(
    store: &S,
    org: &OrgId,
    earlier: &Item,
    code: Option<FollowUpCode>,
    now: DateTime<Utc>,
) -> Result<Submitted, WorryError> {
    let worry_id = records::read::<SubmissionRecord>(earlier)?.worry_id;
    let stored: WorryRecord = records::read(
        &store
            .get(&keys::worry(org, &worry_id))
            .await?
            .ok_or_else(|| WorryError::Corrupt(format!("worry {worry_id} is missing")))?,
    )?;
    let created_at = stored.created_at;
    let show_code = (now - created_at).num_seconds() <= REPEAT_SHOWS_CODE_SECS;
    tracing::info!(%org, worry_id, show_code, "repeated worry submission: returned the stored worry");
    let urgency = stored.urgency;
    Ok(Submitted {
        created_at,
        worry_id,
        follow_up_code: code.filter(|_| show_code),
        repeated: true,
        reached_nobody: false,
        urgency,
    })
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
    pub involves: Involves,
    /// Its queue and who must never read it.
    pub route: Route,
    pub kind: String,
    pub wants_contact: bool,
    pub contact_how: String,
    /// The named sender chose to be emailed when there is a reply.
    pub email_replies: bool,
    pub status: Status,
    pub sender: Sender,
    /// The routed person handling it, if someone was assigned: (person id, name).
    pub assigned: Option<(String, String)>,
    /// One of many sent from one form, account or address in a short time.
    pub group_id: Option<String>,
    /// When it is next to be reviewed, if a handler set a date.
    pub review: Option<review::Review>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic locking: changed by every action.
    pub version: u64,
    /// Sent with the staff concern form: its fields ([`staff_report`]).
    pub staff_report: Option<staff_report::StaffReport>,
}

impl Worry {
    /// Reads a stored worry ([`WorryRecord`]).
    pub fn from_item(item: &Item) -> Result<Worry, WorryError> {
        records::read::<WorryRecord>(item)?.try_into()
    }

    /// Its queue.
    pub fn queue(&self) -> Queue {
        self.route.queue
    }

    /// Whether this person may read (and handle) it: its routing, never role alone.
    pub fn visible_to(&self, person: &crate::identity::Person) -> bool {
        self.route.may_read(person)
    }

    /// An urgent worry nobody has acknowledged within the organisation's time.
    pub fn is_overdue(&self, now: DateTime<Utc>, escalate_after_minutes: u32) -> bool {
        self.urgency == Urgency::Urgent
            && self.status == Status::New
            && now - self.created_at >= chrono::Duration::minutes(i64::from(escalate_after_minutes))
    }
}

/// Worry ids are UUIDs: anything else is refused before it reaches a key.
pub fn is_worry_id(id: &str) -> bool {
    id.len() == 36 && uuid::Uuid::parse_str(id).is_ok()
}

#[cfg(test)]
mod tests;
