//! Handling a worry: what the people it is routed to see and record. Every read writes an entry
//! in the worry's audit trail; every action is an entry in its chronology (who, when, what), in
//! one transaction with the change it makes. Access is decided by the worry's routing, never by
//! role alone, and a worry someone may not see is "not found", exactly like one that does not
//! exist (no list or id reveals it).

use super::decision::Decision;
use super::records::{self, FormAppliedRecord, WorryAuditRecord, WorryEventRecord, WorryRecord};
use super::review;
use super::{Sender, Status, Worry, WorryError, check_text, is_worry_id};
use crate::identity::Person;
use crate::keys;
use crate::notify::{self, Reason};
use crate::org::OrgId;
use crate::routing::{self, Queue, Route, StoredRoute};
use crate::store::record::to_item;
use crate::store::{Condition, Item, Query, Store, StoreError, TxOp, Update, layout};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;

/// The longest note, action, referral detail, reply or outcome, in characters.
pub const MAX_ENTRY_CHARS: usize = 5_000;
/// How long the record that a form was applied is kept.
const FORM_APPLIED_DAYS: i64 = 30;

/// Who a referral was made to (the agencies the seeds name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferralTo {
    Police,
    ChildrensSocialCare,
    Lado,
    Ceop,
    Iwf,
    Prevent,
    Other,
}

impl ReferralTo {
    pub const ALL: [ReferralTo; 7] = [
        ReferralTo::Police,
        ReferralTo::ChildrensSocialCare,
        ReferralTo::Lado,
        ReferralTo::Ceop,
        ReferralTo::Iwf,
        ReferralTo::Prevent,
        ReferralTo::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralTo::Police => "police",
            ReferralTo::ChildrensSocialCare => "childrens_social_care",
            ReferralTo::Lado => "lado",
            ReferralTo::Ceop => "ceop",
            ReferralTo::Iwf => "iwf",
            ReferralTo::Prevent => "prevent",
            ReferralTo::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<ReferralTo> {
        ReferralTo::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ReferralTo::Police => "Police",
            ReferralTo::ChildrensSocialCare => "Children's social care (or adult social care)",
            ReferralTo::Lado => "LADO (Local Authority Designated Officer)",
            ReferralTo::Ceop => "CEOP (National Crime Agency)",
            ReferralTo::Iwf => "IWF (Internet Watch Foundation)",
            ReferralTo::Prevent => "Prevent",
            ReferralTo::Other => "Another agency",
        }
    }
}

/// How a closed worry ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    ResolvedInternally,
    ReferredOn,
    NoFurtherAction,
    Duplicate,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::ResolvedInternally,
        Outcome::ReferredOn,
        Outcome::NoFurtherAction,
        Outcome::Duplicate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::ResolvedInternally => "resolved_internally",
            Outcome::ReferredOn => "referred_on",
            Outcome::NoFurtherAction => "no_further_action",
            Outcome::Duplicate => "duplicate",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Outcome::ResolvedInternally => "Resolved within the organisation",
            Outcome::ReferredOn => "Referred on to another agency",
            Outcome::NoFurtherAction => "No further action needed",
            Outcome::Duplicate => "Duplicate of another concern",
        }
    }
}

/// What a handler does to a worry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseAction {
    /// "I have read it and it is being dealt with." From new only.
    Acknowledge,
    Note(String),
    ActionTaken(String),
    Referral {
        to: ReferralTo,
        reference: String,
        detail: String,
    },
    /// To acknowledged or in progress (reopens a closed worry). Closing needs an outcome.
    SetStatus(Status),
    /// To another person the worry is routed to (the web layer reads them).
    Reassign(Person),
    /// A message the sender reads (their account, or their follow-up code).
    Reply(String),
    /// To another queue, with the reason: on to a stricter one by anyone who reads it, back to
    /// a less strict one only by the chair or the allegations lead. Routed afresh over the
    /// people as they are now; it leaves the mover's view if it is now about them.
    Move {
        to: Queue,
        reason: String,
    },
    Close {
        outcome: Outcome,
        detail: String,
    },
    /// A decision with its reason (required: it is what a later reader needs).
    Decide {
        decision: Decision,
        reason: String,
    },
    /// Sets (or moves) the date of the next review; the person it is assigned to is reminded
    /// then. Open worries only; `today` bounds it.
    SetReview {
        due: NaiveDate,
        what: String,
    },
    /// The review was done (what was found is optional): the date is cleared.
    ReviewDone(String),
}

/// One entry of the chronology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The first time each handler opened it (every read is in the audit trail).
    Viewed,
    Acknowledged,
    Note,
    ActionTaken,
    Referral {
        to: ReferralTo,
        reference: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    Reassigned {
        to_name: String,
    },
    Moved {
        from: Queue,
        to: Queue,
    },
    Reply,
    /// The sender added information.
    SenderAdded,
    Closed {
        outcome: Outcome,
    },
    Decision(Decision),
    ReviewSet {
        due: NaiveDate,
    },
    ReviewDone,
}

impl EventKind {
    fn name(&self) -> &'static str {
        match self {
            EventKind::Viewed => "viewed",
            EventKind::Acknowledged => "acknowledged",
            EventKind::Note => "note",
            EventKind::ActionTaken => "action",
            EventKind::Referral { .. } => "referral",
            EventKind::StatusChanged { .. } => "status",
            EventKind::Reassigned { .. } => "reassigned",
            EventKind::Moved { .. } => "moved",
            EventKind::Reply => "reply",
            EventKind::SenderAdded => "sender_added",
            EventKind::Closed { .. } => "closed",
            EventKind::Decision(_) => "decision",
            EventKind::ReviewSet { .. } => "review_set",
            EventKind::ReviewDone => "review_done",
        }
    }

    /// A short description for the chronology.
    pub fn describe(&self) -> String {
        match self {
            EventKind::Viewed => "Opened it for the first time".into(),
            EventKind::Acknowledged => "Acknowledged it".into(),
            EventKind::Note => "Added a note".into(),
            EventKind::ActionTaken => "Recorded an action taken".into(),
            EventKind::Referral { to, reference } if reference.is_empty() => {
                format!("Made a referral to {}", to.label())
            }
            EventKind::Referral { to, reference } => {
                format!("Made a referral to {} (reference {reference})", to.label())
            }
            EventKind::StatusChanged { from, to } => {
                format!("Changed the status from {} to {}", from.label(), to.label())
            }
            EventKind::Reassigned { to_name } => format!("Assigned it to {to_name}"),
            EventKind::Moved { from, to } => {
                format!("Moved it from \"{}\" to \"{}\"", from.label(), to.label())
            }
            EventKind::Reply => "Replied to the person who sent it".into(),
            EventKind::SenderAdded => "The person who sent it added information".into(),
            EventKind::Closed { outcome } => format!("Closed it: {}", outcome.label()),
            EventKind::Decision(d) => d.describe(),
            EventKind::ReviewSet { due } => format!("Set a review for {}", review::show(*due)),
            EventKind::ReviewDone => "Reviewed it".into(),
        }
    }

    /// An entry's own fields beyond its text, labelled (a decision's record).
    pub fn details(&self) -> Vec<(&'static str, String)> {
        match self {
            EventKind::Decision(d) => d.details(),
            _ => Vec::new(),
        }
    }
}

/// One chronology entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    /// The handler's id; `None` for the sender.
    pub by_id: Option<String>,
    pub by_name: String,
    pub kind: EventKind,
    pub text: String,
}

/// One read of the worry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub by_id: Option<String>,
    pub by_name: String,
    pub what: String,
}

/// A worry with its chronology and audit trail (oldest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub worry: Worry,
    pub events: Vec<CaseEvent>,
    pub audit: Vec<AuditEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Does not exist, or the person may not see it: the same answer for both.
    #[error("no such worry for this person")]
    NotFound,
    /// Someone changed the worry since the form was shown.
    #[error("the worry changed since the form was shown")]
    Stale,
    /// Not possible in the worry's state, or a choice that is not allowed.
    #[error("refused: {0}")]
    Refused(String),
    #[error("bad input: {0}")]
    Input(WorryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored worry is malformed: {0}")]
    Corrupt(String),
}

impl From<WorryError> for CaseError {
    fn from(e: WorryError) -> Self {
        match e {
            WorryError::Store(s) => CaseError::Store(s),
            WorryError::Corrupt(c) => CaseError::Corrupt(c),
            other => CaseError::Input(other),
        }
    }
}

impl CaseError {
    /// A plain message for the handler.
    pub fn user_message(&self) -> String {
        match self {
            CaseError::NotFound => "There is no concern at this address that you can see.".into(),
            CaseError::Stale => "Someone else changed this concern while you were looking at it. Its latest state is shown below; what you typed is kept: check it and press the button again.".into(),
            CaseError::Refused(why) => why.clone(),
            CaseError::Input(WorryError::Empty) => "Please write something in the box first.".into(),
            CaseError::Input(WorryError::TooLong { chars, max }) => format!(
                "That is {chars} characters long. Please shorten it to {max} characters or fewer."
            ),
            CaseError::Input(e) => e.user_message(),
            CaseError::Store(_) | CaseError::Corrupt(_) => "Sorry, this could not be saved or read just now. Nothing was changed and what you typed is kept: please try again in a minute.".into(),
        }
    }
}

/// What an action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acted {
    /// The form had already been applied (double click): nothing new was recorded.
    pub repeated: bool,
    /// What to tell the handler.
    pub notice: String,
}

/// Reads a worry's partition: the worry, its chronology and audit trail.
pub(crate) async fn load<S: Store>(
    store: &S,
    org: &OrgId,
    worry_id: &str,
) -> Result<Option<Case>, CaseError> {
    Ok(load_stored(store, org, worry_id)
        .await?
        .map(|(case, _)| case))
}

/// [`load`], with the worry's record as stored (what an update changes).
pub(crate) async fn load_stored<S: Store>(
    store: &S,
    org: &OrgId,
    worry_id: &str,
) -> Result<Option<(Case, WorryRecord)>, CaseError> {
    if !is_worry_id(worry_id) {
        return Ok(None);
    }
    let mut worry = None;
    let mut events = Vec::new();
    let mut audit = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(&Query::partition(keys::worry_partition(org, worry_id)).after(cursor))
            .await?;
        for item in &page.items {
            let sk = item
                .get(layout::SK)
                .and_then(Value::as_str)
                .unwrap_or_default();
            if sk == "WORRY" {
                let stored: WorryRecord = records::read(item)?;
                worry = Some((Worry::try_from(stored.clone())?, stored));
            } else if sk.starts_with(keys::WORRY_EVENT_PREFIX) {
                events.push(event_from_item(item)?);
            } else if sk.starts_with(keys::WORRY_AUDIT_PREFIX) {
                audit.push(audit_from_item(item)?);
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(worry.map(|(worry, stored)| {
        (
            Case {
                worry,
                events,
                audit,
            },
            stored,
        )
    }))
}

/// Opens a worry for a handler: refused (not found) unless it is routed to them; the read is
/// written to the audit trail first (no read without its record), and their first read to the
/// chronology too.
pub async fn open<S: Store>(
    store: &S,
    org: &OrgId,
    handler: &Person,
    worry_id: &str,
    now: DateTime<Utc>,
) -> Result<Case, CaseError> {
    let Some(mut case) = load(store, org, worry_id).await? else {
        return Err(CaseError::NotFound);
    };
    if !case.worry.visible_to(handler) {
        tracing::warn!(%org, person_id = handler.id, worry_id, "refused: a worry not routed to this person");
        record_refusal(
            store,
            org,
            handler,
            worry_id,
            "Tried to open it: refused (not routed to them)",
            now,
        )
        .await?;
        return Err(CaseError::NotFound);
    }
    let at = crate::store::timestamp(now);
    let entry = AuditEntry {
        at: now,
        by_id: Some(handler.id.clone()),
        by_name: handler.name.clone(),
        what: "Viewed".into(),
    };
    let mut ops = vec![audit_op(org, worry_id, &at, &entry)];
    let first_view = !case
        .audit
        .iter()
        .any(|a| a.what == "Viewed" && a.by_id.as_deref() == Some(handler.id.as_str()));
    let viewed = CaseEvent {
        at: now,
        by_id: Some(handler.id.clone()),
        by_name: handler.name.clone(),
        kind: EventKind::Viewed,
        text: String::new(),
    };
    if first_view {
        ops.push(event_op(org, worry_id, &at, &viewed));
    }
    store.transact(ops).await?;
    tracing::info!(%org, person_id = handler.id, worry_id, "worry viewed");
    case.audit.push(entry);
    if first_view {
        case.events.push(viewed);
    }
    Ok(case)
}

/// Applies a handler's action, if the worry is routed to them and (for changes of state) has not
/// changed since `version`. `form_id` makes a resubmitted form apply once.
#[allow(clippy::too_many_arguments)]
pub async fn act<S: Store>(
    store: &S,
    org: &OrgId,
    handler: &Person,
    worry_id: &str,
    form_id: &str,
    version: u64,
    action: CaseAction,
    now: DateTime<Utc>,
) -> Result<Acted, CaseError> {
    if uuid::Uuid::parse_str(form_id).is_err() {
        return Err(CaseError::Refused(
            "This form could not be read. Please reload the page and try again.".into(),
        ));
    }
    let Some((case, stored)) = load_stored(store, org, worry_id).await? else {
        return Err(CaseError::NotFound);
    };
    let worry = &case.worry;
    // A form already applied (a double click on "Move", after which the mover may no longer
    // read it) is answered as a repeat, not as a refused attempt. Form ids are random per form.
    let applied_key = keys::worry_form_applied(org, worry_id, form_id);
    if store.get(&applied_key).await?.is_some() {
        return Ok(Acted {
            repeated: true,
            notice: "That was already saved (the form was sent twice); it is recorded once.".into(),
        });
    }
    if !worry.visible_to(handler) {
        tracing::warn!(%org, person_id = handler.id, worry_id, "refused: an action on a worry not routed to this person");
        record_refusal(
            store,
            org,
            handler,
            worry_id,
            "Tried to change it: refused (not routed to them)",
            now,
        )
        .await?;
        return Err(CaseError::NotFound);
    }
    let entry = |kind: EventKind, text: String| CaseEvent {
        at: now,
        by_id: Some(handler.id.clone()),
        by_name: handler.name.clone(),
        kind,
        text,
    };
    // (chronology entries, new status, whether the current version must match, notice)
    // The worry as it will be stored: the update is the change from `stored`.
    let mut changed = stored.clone();
    let mut extra = Vec::new();
    let (events, new_status, strict, notice) = match action {
        CaseAction::Acknowledge => {
            if worry.status != Status::New {
                return Err(CaseError::Refused(format!(
                    "This concern is already {}.",
                    worry.status.label().to_lowercase()
                )));
            }
            (
                vec![entry(EventKind::Acknowledged, String::new())],
                Some(Status::Acknowledged),
                true,
                "Acknowledged.".to_string(),
            )
        }
        CaseAction::Note(text) => (
            vec![entry(EventKind::Note, check_text(&text, MAX_ENTRY_CHARS)?)],
            None,
            false,
            "Note added.".into(),
        ),
        CaseAction::ActionTaken(text) => (
            vec![entry(
                EventKind::ActionTaken,
                check_text(&text, MAX_ENTRY_CHARS)?,
            )],
            None,
            false,
            "Action recorded.".into(),
        ),
        CaseAction::Referral {
            to,
            reference,
            detail,
        } => {
            let reference = super::normalise_text(&reference);
            if reference.chars().count() > 100 || reference.contains('\n') {
                return Err(CaseError::Refused(
                    "The reference must be one line of at most 100 characters.".into(),
                ));
            }
            (
                vec![entry(
                    EventKind::Referral { to, reference },
                    check_text(&detail, MAX_ENTRY_CHARS)?,
                )],
                None,
                false,
                format!("Referral to {} recorded.", to.label()),
            )
        }
        CaseAction::SetStatus(to) => {
            if to == Status::Closed || to == Status::New {
                return Err(CaseError::Refused(
                    "Choose Acknowledged or In progress. To close a concern, record its outcome."
                        .into(),
                ));
            }
            if to == worry.status {
                return Err(CaseError::Refused(format!(
                    "This concern is already {}.",
                    to.label().to_lowercase()
                )));
            }
            (
                vec![entry(
                    EventKind::StatusChanged {
                        from: worry.status,
                        to,
                    },
                    String::new(),
                )],
                Some(to),
                true,
                format!("Status changed to {}.", to.label().to_lowercase()),
            )
        }
        CaseAction::Reassign(to) => {
            if !worry.visible_to(&to) {
                return Err(CaseError::Refused(format!(
                    "{} cannot be given this concern: it is not routed to them.",
                    to.name
                )));
            }
            if worry.assigned.as_ref().map(|(id, _)| id) == Some(&to.id) {
                return Err(CaseError::Refused(format!(
                    "It is already assigned to {}.",
                    to.name
                )));
            }
            changed.assigned_id = Some(to.id.clone());
            changed.assigned_name = Some(to.name.clone());
            if to.id != handler.id {
                extra.push(notify::new_notification(
                    org,
                    worry_id,
                    &worry.route,
                    Reason::Assigned,
                    worry.urgency == super::Urgency::Urgent,
                    Some(&to.id),
                    now,
                ));
            }
            (
                vec![entry(
                    EventKind::Reassigned {
                        to_name: to.name.clone(),
                    },
                    String::new(),
                )],
                None,
                true,
                format!("Assigned to {}.", to.name),
            )
        }
        CaseAction::Reply(text) => {
            let text = check_text(&text, MAX_ENTRY_CHARS)?;
            let notice = match &worry.sender {
                Sender::Named { person_id, name } => {
                    if worry.email_replies {
                        extra.push(notify::new_notification(
                            org,
                            worry_id,
                            &worry.route,
                            Reason::Reply,
                            false,
                            Some(person_id),
                            now,
                        ));
                        format!("Reply sent. {name} asked to be emailed: the email says only \"You have a new message\" and a link. They read it when signed in.")
                    } else {
                        format!("Reply sent. {name} reads it when signed in (they did not ask to be emailed, so no email is sent).")
                    }
                }
                Sender::Anonymous => "Reply saved. The person who sent it reads it when they look up their follow-up code; we cannot tell them it is there.".into(),
            };
            (vec![entry(EventKind::Reply, text)], None, false, notice)
        }
        CaseAction::Move { to, reason } => {
            let from = worry.queue();
            if to == from {
                return Err(CaseError::Refused(format!(
                    "It is already in \"{}\".",
                    from.label()
                )));
            }
            let may_relax = handler.roles.iter().any(|r| {
                matches!(
                    r,
                    crate::roles::Role::Chair | crate::roles::Role::AllegationsLead
                )
            });
            if to < from && !may_relax {
                return Err(CaseError::Refused(
                    "Only the chair or the allegations lead can move a concern back to a less restricted queue. You can move it on to a stricter one.".into(),
                ));
            }
            let reason = check_text(&reason, MAX_ENTRY_CHARS).map_err(|e| match e {
                super::WorryError::Empty => CaseError::Refused(
                    "Please give the reason for moving it: it is kept in the chronology.".into(),
                ),
                other => other.into(),
            })?;
            let people = crate::identity::safeguarders::list(store, org)
                .await
                .map_err(|e| match e {
                    crate::identity::PeopleError::Store(s) => CaseError::Store(s),
                    other => CaseError::Corrupt(other.to_string()),
                })?;
            let mut route = routing::route(to, &people);
            if to > from {
                // On to a stricter queue: whoever it was hidden from stays hidden from.
                for e in &worry.route.excluded {
                    if !route.excluded.contains(e) {
                        route.excluded.push(e.clone());
                    }
                }
                for r in &worry.route.concerned {
                    if !route.concerned.contains(r) {
                        route.concerned.push(*r);
                    }
                }
                route.concerned.sort();
            }
            if route.readers(&people).is_empty() {
                return Err(CaseError::Refused(format!(
                    "Nobody could read it in \"{}\": {}.",
                    to.label(),
                    routing::gaps(&people)
                        .first()
                        .map(|g| g.message())
                        .unwrap_or("its roles are vacant")
                )));
            }
            let is_open = worry.status != Status::Closed;
            changed.route = StoredRoute::from(&route);
            changed.gsi1pk = keys::worries_index(org, route.queue.as_str(), is_open);
            // Whoever it is assigned to may no longer read it.
            if let Some((id, _)) = &worry.assigned
                && let Some(p) = people.iter().find(|p| &p.id == id)
                && !route.may_read(p)
            {
                changed.assigned_id = None;
                changed.assigned_name = None;
            }
            extra.push(notify::new_notification(
                org,
                worry_id,
                &route,
                Reason::Moved,
                worry.urgency == super::Urgency::Urgent,
                None,
                now,
            ));
            let notice = if route.may_read(handler) {
                format!("Moved to \"{}\".", route.queue.label())
            } else {
                format!(
                    "Moved to \"{}\". You can no longer read it: its new readers have been emailed.",
                    route.queue.label()
                )
            };
            (
                vec![entry(
                    EventKind::Moved {
                        from,
                        to: route.queue,
                    },
                    reason,
                )],
                None,
                true,
                notice,
            )
        }
        CaseAction::Close { outcome, detail } => {
            if worry.status == Status::Closed {
                return Err(CaseError::Refused("This concern is already closed.".into()));
            }
            (
                vec![entry(
                    EventKind::Closed { outcome },
                    check_text(&detail, MAX_ENTRY_CHARS)?,
                )],
                Some(Status::Closed),
                true,
                match &worry.review {
                    Some(r) => format!(
                        "Closed. Its review on {} is cancelled.",
                        review::show(r.due)
                    ),
                    None => "Closed.".into(),
                },
            )
        }
        CaseAction::Decide { decision, reason } => {
            let decision = decision.checked()?;
            let reason = check_text(&reason, MAX_ENTRY_CHARS).map_err(|e| match e {
                super::WorryError::Empty => CaseError::Refused(
                    "Please give the reason for the decision: it is kept in the chronology.".into(),
                ),
                other => other.into(),
            })?;
            (
                vec![entry(EventKind::Decision(decision), reason)],
                None,
                false,
                "Decision recorded.".into(),
            )
        }
        CaseAction::SetReview { due, what } => {
            if worry.status == Status::Closed {
                return Err(CaseError::Refused(
                    "A closed concern is not reviewed: reopen it first.".into(),
                ));
            }
            let today = crate::dates::to_london(now).date_naive();
            if due < today {
                return Err(CaseError::Refused(
                    "The review date must be today or later.".into(),
                ));
            }
            if (due - today).num_days() > review::MAX_DAYS_AHEAD {
                return Err(CaseError::Refused(
                    "The review date must be within two years.".into(),
                ));
            }
            let what = check_text(&what, MAX_ENTRY_CHARS).map_err(|e| match e {
                super::WorryError::Empty => CaseError::Refused(
                    "Please say what is to be reviewed (for example, the support plan).".into(),
                ),
                other => other.into(),
            })?;
            if let Some(old) = &worry.review {
                extra.push(review::delete_op(org, worry_id, old.due));
            }
            extra.push(review::put_op(org, worry_id, due));
            changed.review_due = Some(due);
            changed.review_what = Some(what.clone());
            let who = match &worry.assigned {
                Some((_, name)) => format!("{name} is reminded then"),
                None => "everyone it is routed to is reminded then (nobody is assigned)".into(),
            };
            (
                vec![entry(EventKind::ReviewSet { due }, what)],
                None,
                true,
                format!("Review set for {}: {who}.", review::show(due)),
            )
        }
        CaseAction::ReviewDone(text) => {
            let Some(old) = &worry.review else {
                return Err(CaseError::Refused(
                    "There is no review set for this concern.".into(),
                ));
            };
            extra.push(review::delete_op(org, worry_id, old.due));
            changed.review_due = None;
            changed.review_what = None;
            (
                vec![entry(
                    EventKind::ReviewDone,
                    // What was found is optional.
                    if super::normalise_text(&text).trim().is_empty() {
                        String::new()
                    } else {
                        check_text(&text, MAX_ENTRY_CHARS)?
                    },
                )],
                None,
                true,
                "Review recorded. Set another date if it is to be reviewed again.".into(),
            )
        }
    };
    if strict && version != worry.version {
        return Err(CaseError::Stale);
    }
    let at = crate::store::timestamp(now);
    changed.updated_at = now;
    if let Some(status) = new_status {
        changed.status = status;
        // Closing and reopening move it between the queue's open and closed lists.
        let was_open = worry.status != Status::Closed;
        let is_open = status != Status::Closed;
        if was_open != is_open {
            changed.gsi1pk = keys::worries_index(org, worry.queue().as_str(), is_open);
        }
        // A closed worry is not reviewed: its date leaves the list.
        if !is_open && let Some(old) = &worry.review {
            changed.review_due = None;
            changed.review_what = None;
            extra.push(review::delete_op(org, worry_id, old.due));
        }
    }
    let update = Update::changes(&stored, &changed).bump_version();
    let condition = if strict {
        Condition::version(worry.version)
    } else {
        Condition::Exists
    };
    let mut ops = vec![
        TxOp::Update {
            key: keys::worry(org, worry_id),
            update,
            condition,
        },
        TxOp::Put {
            item: to_item(
                &applied_key,
                &FormAppliedRecord {
                    expires_at: (now + Duration::days(FORM_APPLIED_DAYS)).timestamp(),
                },
            ),
            condition: Condition::NotExists,
        },
    ];
    for (n, e) in events.iter().enumerate() {
        // Several entries of one action keep their order within the same instant.
        ops.push(event_op(org, worry_id, &format!("{at}{n}"), e));
    }
    ops.extend(extra);
    // The inbox counters move with it, in the same transaction.
    ops.extend(super::counts::count_ops(org, Some(&stored), &changed));
    // And what the reports count of it.
    ops.extend(super::report_entry::entry_op(
        org,
        Some(&stored),
        &changed,
        &events,
    ));
    match store.transact(ops).await {
        Ok(()) => {
            tracing::info!(%org, person_id = handler.id, worry_id, action = events[0].kind.name(), "worry action recorded");
            Ok(Acted {
                repeated: false,
                notice,
            })
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&1) => {
            Ok(Acted {
                repeated: true,
                notice: "That was already saved (the form was sent twice); it is recorded once."
                    .into(),
            })
        }
        Err(StoreError::TransactionConditionFailed { failed }) if failed.contains(&0) => {
            Err(CaseError::Stale)
        }
        Err(e) => Err(e.into()),
    }
}

/// The route of a worry `handler` may read (`None`: no such worry, or not theirs).
pub async fn route_for<S: Store>(
    store: &S,
    org: &OrgId,
    handler: &Person,
    worry_id: &str,
) -> Result<Option<Route>, CaseError> {
    if !is_worry_id(worry_id) {
        return Ok(None);
    }
    let Some(item) = store.get(&keys::worry(org, worry_id)).await? else {
        return Ok(None);
    };
    let worry = Worry::from_item(&item)?;
    Ok(worry.visible_to(handler).then_some(worry.route))
}

/// The people of the organisation a worry routed this way could be assigned to: its readers
/// among the holders of safeguarding roles (one query of their index,
/// [`crate::identity::safeguarders`], whatever the number of people).
pub async fn assignable_people<S: Store>(
    store: &S,
    org: &OrgId,
    route: &Route,
) -> Result<Vec<Person>, CaseError> {
    let people = crate::identity::safeguarders::list(store, org)
        .await
        .map_err(|e| match e {
            crate::identity::PeopleError::Store(s) => CaseError::Store(s),
            other => CaseError::Corrupt(other.to_string()),
        })?;
    Ok(route.readers(&people).into_iter().cloned().collect())
}

/// Writes a refused attempt to open or change a worry into its audit trail, so its readers see
/// who tried (the worry itself stays "not found" to them).
async fn record_refusal<S: Store>(
    store: &S,
    org: &OrgId,
    person: &Person,
    worry_id: &str,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), CaseError> {
    let entry = AuditEntry {
        at: now,
        by_id: Some(person.id.clone()),
        by_name: person.name.clone(),
        what: what.into(),
    };
    store
        .transact(vec![audit_op(
            org,
            worry_id,
            &crate::store::timestamp(now),
            &entry,
        )])
        .await?;
    Ok(())
}

pub(crate) fn event_op(org: &OrgId, worry_id: &str, at: &str, e: &CaseEvent) -> TxOp {
    let id = uuid::Uuid::new_v4().to_string();
    TxOp::Put {
        item: to_item(
            &keys::worry_event(org, worry_id, at, &id),
            &WorryEventRecord::from(e),
        ),
        condition: Condition::NotExists,
    }
}

pub(crate) fn audit_op(org: &OrgId, worry_id: &str, at: &str, a: &AuditEntry) -> TxOp {
    let id = uuid::Uuid::new_v4().to_string();
    let record = WorryAuditRecord {
        at: a.at,
        by_name: a.by_name.clone(),
        what: a.what.clone(),
        by_id: a.by_id.clone(),
    };
    TxOp::Put {
        item: to_item(&keys::worry_audit(org, worry_id, at, &id), &record),
        condition: Condition::NotExists,
    }
}

impl From<&CaseEvent> for WorryEventRecord {
    fn from(e: &CaseEvent) -> Self {
        let mut r = WorryEventRecord {
            kind: e.kind.name().to_string(),
            at: e.at,
            by_name: e.by_name.clone(),
            text: e.text.clone(),
            by_id: e.by_id.clone(),
            referral_to: None,
            reference: None,
            from: None,
            to: None,
            to_name: None,
            outcome: None,
            decision: None,
            due: None,
        };
        match &e.kind {
            EventKind::Referral { to, reference } => {
                r.referral_to = Some(to.as_str().into());
                r.reference = Some(reference.clone());
            }
            EventKind::StatusChanged { from, to } => {
                r.from = Some(from.as_str().into());
                r.to = Some(to.as_str().into());
            }
            EventKind::Reassigned { to_name } => r.to_name = Some(to_name.clone()),
            EventKind::Moved { from, to } => {
                r.from = Some(from.as_str().into());
                r.to = Some(to.as_str().into());
            }
            EventKind::Closed { outcome } => r.outcome = Some(outcome.as_str().into()),
            EventKind::Decision(d) => r.decision = Some(d.clone()),
            EventKind::ReviewSet { due } => r.due = Some(*due),
            _ => {}
        }
        r
    }
}

impl TryFrom<WorryEventRecord> for CaseEvent {
    type Error = CaseError;

    fn try_from(r: WorryEventRecord) -> Result<CaseEvent, CaseError> {
        let bad = |what: &str| CaseError::Corrupt(format!("event: bad `{what}`"));
        let need = |v: Option<String>, what: &str| v.ok_or_else(|| bad(what));
        let status =
            |v: Option<String>, what: &str| Status::parse(&need(v, what)?).ok_or_else(|| bad(what));
        let queue =
            |v: Option<String>, what: &str| Queue::parse(&need(v, what)?).ok_or_else(|| bad(what));
        let kind = match r.kind.as_str() {
            "viewed" => EventKind::Viewed,
            "acknowledged" => EventKind::Acknowledged,
            "note" => EventKind::Note,
            "action" => EventKind::ActionTaken,
            "referral" => EventKind::Referral {
                to: ReferralTo::parse(&need(r.referral_to, "referral_to")?)
                    .ok_or_else(|| bad("referral_to"))?,
                reference: need(r.reference, "reference")?,
            },
            "status" => EventKind::StatusChanged {
                from: status(r.from, "from")?,
                to: status(r.to, "to")?,
            },
            "reassigned" => EventKind::Reassigned {
                to_name: need(r.to_name, "to_name")?,
            },
            "moved" => EventKind::Moved {
                from: queue(r.from, "from")?,
                to: queue(r.to, "to")?,
            },
            "reply" => EventKind::Reply,
            "sender_added" => EventKind::SenderAdded,
            "closed" => EventKind::Closed {
                outcome: Outcome::parse(&need(r.outcome, "outcome")?)
                    .ok_or_else(|| bad("outcome"))?,
            },
            "decision" => EventKind::Decision(r.decision.ok_or_else(|| bad("decision"))?),
            "review_set" => EventKind::ReviewSet {
                due: r.due.ok_or_else(|| bad("due"))?,
            },
            "review_done" => EventKind::ReviewDone,
            _ => return Err(bad("kind")),
        };
        Ok(CaseEvent {
            at: r.at,
            by_id: r.by_id,
            by_name: r.by_name,
            kind,
            text: r.text,
        })
    }
}

pub(super) fn event_from_item(item: &Item) -> Result<CaseEvent, CaseError> {
    records::read::<WorryEventRecord>(item)?.try_into()
}

fn audit_from_item(item: &Item) -> Result<AuditEntry, CaseError> {
    let r: WorryAuditRecord = records::read(item)?;
    Ok(AuditEntry {
        at: r.at,
        by_id: r.by_id,
        by_name: r.by_name,
        what: r.what,
    })
}

/// Closes every open worry of a flood group that `handler` may read, each with its own
/// chronology entry ("no further action", with the reason): what a DSL does after reading a
/// group that a prank or a script sent. Worries of the group they may not read are left alone.
/// Returns how many were closed.
pub async fn dismiss_group<S: Store>(
    store: &S,
    org: &OrgId,
    handler: &Person,
    group_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, CaseError> {
    if group_id.len() != 32 || !group_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CaseError::NotFound);
    }
    let reason = check_text(reason, MAX_ENTRY_CHARS).map_err(|e| match e {
        super::WorryError::Empty => CaseError::Refused(
            "Please say why the group is being closed: it is kept in each concern's chronology."
                .into(),
        ),
        other => other.into(),
    })?;
    let mut members = Vec::new();
    for queue in Queue::visible_to(&handler.roles) {
        let mut cursor = None;
        loop {
            let page = store
                .query(
                    &Query::partition(keys::worries_index(org, queue.as_str(), true))
                        .on_index(crate::store::Index::Gsi1)
                        .after(cursor),
                )
                .await?;
            for item in &page.items {
                let w = Worry::from_item(item)?;
                if w.group_id.as_deref() == Some(group_id) && w.visible_to(handler) {
                    members.push(w);
                }
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    if members.is_empty() {
        return Err(CaseError::NotFound);
    }
    let mut closed = 0;
    for w in members {
        let form_id = uuid::Uuid::new_v4().to_string();
        let acted = act(
            store,
            org,
            handler,
            &w.id,
            &form_id,
            w.version,
            CaseAction::Close {
                outcome: Outcome::NoFurtherAction,
                detail: format!("Closed with its group: {reason}"),
            },
            now,
        )
        .await;
        match acted {
            Ok(_) => closed += 1,
            // Changed in between (someone is working on it): left open for them.
            Err(CaseError::Stale | CaseError::Refused(_)) => {}
            Err(e) => return Err(e),
        }
    }
    tracing::info!(%org, person_id = handler.id, group_id, closed, "worry group dismissed");
    Ok(closed)
}
