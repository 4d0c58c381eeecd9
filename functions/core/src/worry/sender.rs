//! What the person who sent a worry can do afterwards: read where it is and the replies, and add
//! information. An anonymous sender proves it is theirs with the follow-up code; a named sender
//! by being signed in as the person who sent it. Either way they see only the status and the
//! messages between them and the team, never the handlers' notes or names.

use super::case::{self, AuditEntry, CaseEvent, EventKind};
use super::code::FollowUpCode;
use super::records::{self, FollowUpRecord, FormAppliedRecord, SenderWorryRecord, WorryRecord};
use super::{MAX_TEXT_CHARS, Sender, Status, Urgency, WorryError, check_text};
use crate::keys;
use crate::notify::{self, Reason};
use crate::org::OrgId;
use crate::store::record::to_item;
use crate::store::{Condition, Query, Store, StoreError, TxOp, Update};
use chrono::{DateTime, Duration, Utc};

/// How the sender shows the worry is theirs.
#[derive(Clone, Copy, Debug)]
pub enum SenderProof<'a> {
    /// The follow-up code as typed.
    Code(&'a str),
    /// The signed-in person's id (and the worry's id).
    Person {
        person_id: &'a str,
        worry_id: &'a str,
    },
}

/// One message between the sender and the team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub at: DateTime<Utc>,
    /// True: from the safeguarding team; false: from the sender.
    pub from_team: bool,
    pub text: String,
}

/// What the sender sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderView {
    pub worry_id: String,
    pub status: Status,
    pub urgency: Urgency,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    /// Their own words (with the code or signed in: the code is theirs alone, and they may need
    /// to check what they said before adding to it).
    pub text: Option<String>,
    pub messages: Vec<Message>,
}

/// Finds the worry the proof points to: `Ok(None)` when there is none (or not theirs).
async fn worry_id_of<S: Store>(
    store: &S,
    org: &OrgId,
    proof: SenderProof<'_>,
) -> Result<Option<String>, WorryError> {
    match proof {
        SenderProof::Code(code) => {
            let code = FollowUpCode::parse(code)?;
            Ok(store
                .get(&keys::follow_up(org, &code.hash_hex()))
                .await?
                .map(|pointer| records::read::<FollowUpRecord>(&pointer))
                .transpose()?
                .map(|p| p.worry_id))
        }
        SenderProof::Person { worry_id, .. } => Ok(Some(worry_id.to_string())),
    }
}

fn owned_by(sender: &Sender, proof: SenderProof<'_>) -> bool {
    match (sender, proof) {
        (Sender::Anonymous, SenderProof::Code(_)) => true,
        (Sender::Named { person_id, .. }, SenderProof::Person { person_id: p, .. }) => {
            person_id == p
        }
        _ => false,
    }
}

fn from_case(error: case::CaseError) -> WorryError {
    match error {
        case::CaseError::Store(e) => WorryError::Store(e),
        other => WorryError::Corrupt(other.to_string()),
    }
}

/// The sender reads their worry. The read goes in its audit trail ("read by the person who sent
/// it"), so handlers can see a reply was read.
pub async fn read<S: Store>(
    store: &S,
    org: &OrgId,
    proof: SenderProof<'_>,
    now: DateTime<Utc>,
) -> Result<Option<SenderView>, WorryError> {
    let Some(worry_id) = worry_id_of(store, org, proof).await? else {
        return Ok(None);
    };
    let Some(case) = case::load(store, org, &worry_id).await.map_err(from_case)? else {
        return match proof {
            SenderProof::Code(_) => {
                Err(WorryError::Corrupt(format!("worry {worry_id} is missing")))
            }
            SenderProof::Person { .. } => Ok(None),
        };
    };
    if !owned_by(&case.worry.sender, proof) {
        return Ok(None);
    }
    let at = crate::store::timestamp(now);
    let entry = AuditEntry {
        at: now,
        by_id: None,
        by_name: "The person who sent it".into(),
        what: match proof {
            SenderProof::Code(_) => "Read by its sender (follow-up code)".into(),
            SenderProof::Person { .. } => "Read by its sender (signed in)".into(),
        },
    };
    store
        .transact(vec![case::audit_op(org, &worry_id, &at, &entry)])
        .await?;
    let messages = case
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Reply => Some(Message {
                at: e.at,
                from_team: true,
                text: e.text.clone(),
            }),
            EventKind::SenderAdded => Some(Message {
                at: e.at,
                from_team: false,
                text: e.text.clone(),
            }),
            _ => None,
        })
        .collect();
    let w = case.worry;
    // What the sender is told follows what happened: a reply means someone has read it, even if
    // nobody pressed "Acknowledge" first.
    let replied = case.events.iter().any(|e| e.kind == EventKind::Reply);
    let status = match w.status {
        Status::New if replied => Status::Acknowledged,
        s => s,
    };
    Ok(Some(SenderView {
        worry_id: w.id,
        status,
        urgency: w.urgency,
        kind: w.kind,
        created_at: w.created_at,
        text: Some(w.text),
        messages,
    }))
}

/// The sender adds information: a chronology entry and a notification to the people it is
/// routed to, in one transaction. `form_id` makes a resubmitted form apply once. `Ok(None)` when
/// the proof finds no worry of theirs.
pub async fn add_information<S: Store>(
    store: &S,
    org: &OrgId,
    proof: SenderProof<'_>,
    form_id: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Option<bool>, WorryError> {
    let text = check_text(text, MAX_TEXT_CHARS)?;
    if uuid::Uuid::parse_str(form_id).is_err() {
        return Err(WorryError::Form(super::code::TokenError::Malformed));
    }
    let Some(worry_id) = worry_id_of(store, org, proof).await? else {
        return Ok(None);
    };
    let Some((case, stored)) = case::load_stored(store, org, &worry_id)
        .await
        .map_err(from_case)?
    else {
        return Ok(None);
    };
    if !owned_by(&case.worry.sender, proof) {
        return Ok(None);
    }
    let at = crate::store::timestamp(now);
    let touched = WorryRecord {
        updated_at: now,
        ..stored.clone()
    };
    let event = CaseEvent {
        at: now,
        by_id: None,
        by_name: "The person who sent it".into(),
        kind: EventKind::SenderAdded,
        text,
    };
    let ops = vec![
        TxOp::Update {
            key: keys::worry(org, &worry_id),
            update: Update::changes(&stored, &touched).bump_version(),
            condition: Condition::Exists,
        },
        TxOp::Put {
            item: to_item(
                &keys::worry_form_applied(org, &worry_id, form_id),
                &FormAppliedRecord {
                    expires_at: (now + Duration::days(30)).timestamp(),
                },
            ),
            condition: Condition::NotExists,
        },
        case::event_op(org, &worry_id, &at, &event),
        notify::new_notification(
            org,
            &worry_id,
            &case.worry.route,
            Reason::MoreInformation,
            case.worry.urgency == Urgency::Urgent,
            None,
            now,
        ),
    ];
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, worry_id, "the sender added information to a worry");
            Ok(Some(false))
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&1) => {
            Ok(Some(true))
        }
        Err(e) => Err(e.into()),
    }
}

/// One of a named sender's own worries, for their list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnWorry {
    pub worry_id: String,
    pub created_at: DateTime<Utc>,
    pub status: Status,
    pub kind: String,
    pub replies: usize,
}

/// A signed-in person's own named worries, newest first (at most `limit`).
pub async fn own_worries<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
    limit: usize,
) -> Result<Vec<OwnWorry>, WorryError> {
    let page = store
        .query(
            &Query::partition(keys::sender_worries(org, person_id))
                .descending()
                .limit(limit.max(1)),
        )
        .await?;
    let mut out = Vec::new();
    for pointer in &page.items {
        let id = records::read::<SenderWorryRecord>(pointer)?.worry_id;
        if let Some(case) = case::load(store, org, &id).await.map_err(from_case)? {
            let replies = case
                .events
                .iter()
                .filter(|e| e.kind == EventKind::Reply)
                .count();
            out.push(OwnWorry {
                worry_id: id,
                created_at: case.worry.created_at,
                status: match case.worry.status {
                    Status::New if replies > 0 => Status::Acknowledged,
                    s => s,
                },
                kind: case.worry.kind,
                replies,
            });
        }
    }
    Ok(out)
}
