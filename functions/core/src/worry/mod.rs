//! Worries: what a learner, parent or member of staff tells the platform so that it reaches the
//! people who can act on it. This first cut takes anonymous worries for an organisation and lets
//! the sender read the status back with a follow-up code. Routing, categories, DSL handling and
//! notifications build on it.
//!
//! Rules enforced here (see `shared/DESIGN.md`):
//! * a worry is stored durably before the sender is told it was sent (`submit` returns only
//!   after the transaction committed);
//! * an anonymous worry stores no identity: no user id, IP address or user agent (the types
//!   below have nowhere to put one);
//! * a retried submission (same form token) stores one worry, not two;
//! * the follow-up code is shown once and stored only as a hash.

pub mod code;
pub mod routing;

use crate::crypto::{self, Secret};
use crate::keys;
use crate::org::OrgId;
use crate::store::{Condition, Item, Store, StoreError, TxOp, layout};
use chrono::{DateTime, Utc};
use code::{CodeError, FollowUpCode, FormToken, TokenError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The longest worry we accept, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
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
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
        }
    }
    /// What the sender is told on the follow-up page.
    pub fn describe(self) -> &'static str {
        match self {
            Status::New => "Received. It is waiting for the safeguarding team to read it.",
        }
    }
}

/// What a person submitted, before checking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorryInput {
    pub text: String,
    pub urgency: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WorryError {
    #[error("the worry is empty")]
    Empty,
    #[error("the worry is {chars} characters, over the {max}-character limit")]
    TooLong { chars: usize, max: usize },
    #[error("no valid urgency was chosen")]
    InvalidUrgency,
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
}

impl std::fmt::Display for Limited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limited::Submissions => "worries",
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
            WorryError::Empty | WorryError::TooLong { .. } | WorryError::InvalidUrgency
        )
    }
}

/// A checked worry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidWorry {
    pub text: String,
    pub urgency: Urgency,
}

impl WorryInput {
    /// Checks and normalises what was typed: line endings unified, control characters other than
    /// newlines and tabs removed, surrounding blank space trimmed; nothing else is changed.
    pub fn validate(&self) -> Result<ValidWorry, WorryError> {
        let text: String = self
            .text
            .replace("\r\n", "\n")
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        let text = text.trim().to_string();
        if text.is_empty() {
            return Err(WorryError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(WorryError::TooLong {
                chars,
                max: MAX_TEXT_CHARS,
            });
        }
        let urgency = self
            .urgency
            .as_deref()
            .and_then(Urgency::parse)
            .ok_or(WorryError::InvalidUrgency)?;
        Ok(ValidWorry { text, urgency })
    }
}

/// The outcome of a submission the sender is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub worry_id: String,
    pub follow_up_code: FollowUpCode,
    pub created_at: DateTime<Utc>,
    /// True when this form had already been submitted: nothing new was stored.
    pub repeated: bool,
}

/// What the follow-up page shows: nothing of the text, only where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUpView {
    pub status: Status,
    pub urgency: Urgency,
    pub created_at: DateTime<Utc>,
}

/// Stores an anonymous worry for the organisation. Returns only once it is durably stored.
pub async fn submit_anonymous<S: Store>(
    store: &S,
    org: &OrgId,
    secret: &Secret,
    form_token: &str,
    input: &WorryInput,
    now: DateTime<Utc>,
) -> Result<Submitted, WorryError> {
    let token = FormToken::verify(secret, FORM_PURPOSE, form_token, now.timestamp())?;
    let worry = input.validate()?;
    // The same form sent again with the same words is a retry: one worry, same code. The same
    // form sent with different words (edited after going Back) is a new worry: nothing is lost.
    let digest = crypto::sha256(format!("{}\n{}", worry.urgency.as_str(), worry.text).as_bytes());
    let code = FollowUpCode::derive(secret, org.as_str(), &[&token.nonce[..], &digest].concat());
    let idem_key = keys::idempotency(
        org,
        &crypto::sha256_hex(format!("{form_token}:{}", crypto::hex(&digest)).as_bytes()),
    );

    let worry_id = uuid::Uuid::now_v7().to_string();
    let created = crate::store::timestamp(now);
    let worry_item = keys::worry(org, &worry_id).item(json!({
        "type": "worry",
        "org": org.as_str(),
        "worry_id": worry_id,
        "text": worry.text,
        "urgency": worry.urgency.as_str(),
        "status": Status::New.as_str(),
        "anonymous": true,
        "created_at": created,
        "version": 1,
        (layout::GSI1_PK): keys::worries_index(org),
        (layout::GSI1_SK): keys::worries_index_sort(&created, &worry_id),
    }));
    let follow_up_item = keys::follow_up(org, &code.hash_hex())
        .item(json!({ "type": "follow_up", "worry_id": worry_id }));
    let idem_item = idem_key.item(json!({
        "type": "idempotency",
        "worry_id": worry_id,
        (layout::TTL): (now + chrono::Duration::days(IDEMPOTENCY_DAYS)).timestamp(),
    }));
    let ops = vec![
        TxOp::Put {
            item: worry_item,
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: follow_up_item,
            condition: Condition::NotExists,
        },
        TxOp::Put {
            item: idem_item,
            condition: Condition::NotExists,
        },
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, worry_id, urgency = worry.urgency.as_str(), "anonymous worry stored");
            Ok(Submitted {
                worry_id,
                follow_up_code: code,
                created_at: now,
                repeated: false,
            })
        }
        // This form was submitted before (double click, browser retry): hand back that worry.
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&2) => {
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
            tracing::error!(%org, error = %e, "storing an anonymous worry failed");
            Err(e.into())
        }
    }
}

/// Looks a worry up by its follow-up code. `Ok(None)` when no worry has that code.
pub async fn follow_up<S: Store>(
    store: &S,
    org: &OrgId,
    code: &str,
) -> Result<Option<FollowUpView>, WorryError> {
    let code = FollowUpCode::parse(code)?;
    let Some(pointer) = store.get(&keys::follow_up(org, &code.hash_hex())).await? else {
        return Ok(None);
    };
    let worry_id = str_field(&pointer, "worry_id")?;
    let Some(worry) = store.get(&keys::worry(org, &worry_id)).await? else {
        return Err(WorryError::Corrupt(format!("worry {worry_id} is missing")));
    };
    let status = match str_field(&worry, "status")?.as_str() {
        "new" => Status::New,
        other => return Err(WorryError::Corrupt(format!("unknown status {other}"))),
    };
    let urgency = Urgency::parse(&str_field(&worry, "urgency")?)
        .ok_or_else(|| WorryError::Corrupt("unknown urgency".into()))?;
    Ok(Some(FollowUpView {
        status,
        urgency,
        created_at: time_field(&worry, "created_at")?,
    }))
}

fn str_field(item: &Item, name: &str) -> Result<String, WorryError> {
    item.get(name)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| WorryError::Corrupt(format!("missing `{name}`")))
}

fn time_field(item: &Item, name: &str) -> Result<DateTime<Utc>, WorryError> {
    DateTime::parse_from_rfc3339(&str_field(item, name)?)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| WorryError::Corrupt(format!("`{name}`: {e}")))
}

#[cfg(test)]
mod tests;
