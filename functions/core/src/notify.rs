//! Telling the right people that a worry needs them, by email, without ever putting the worry in
//! the email (email is not a secure channel): "a new concern was submitted; sign in to read it".
//!
//! A notification is an item written **in the same transaction** as what it announces (a new
//! worry, information added by its sender, a reply, an assignment), so nothing can be stored
//! without its notification, whatever fails afterwards. Delivering it is separate:
//! * on AWS the `notify` function is triggered by the table's stream when the item is inserted,
//!   and a schedule sweeps what is still pending (retries);
//! * locally the web server runs [`deliver_pending`] in the background, woken when a worry is
//!   stored.
//!
//! Delivery is at-least-once: each recipient is recorded on the item as soon as their email has
//! gone, so a crash repeats at most the one email in flight, and never skips anyone. A
//! notification that keeps failing stays pending (retried with back-off) and is shown on the
//! handlers' inbox; it is never dropped.

use crate::identity::{Person, people};
use crate::keys;
use crate::mail::{Content, Links, Mailer, retry_delay};
use crate::org::{OrgId, OrgProfile};
use crate::roles::SAFEGUARDING_ROLES;
use crate::routing::{Queue, Readers, Route, StoredRoute};
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Index, Item, Query, Store, StoreError, TxOp, Update};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a delivered notification is kept (evidence that people were told).
const KEEP_DAYS: i64 = 400;
/// The `type` attribute of a notification item (the `notify` function's stream filter matches
/// it: see infra/template.yaml).
pub const ITEM_TYPE: &str = "notification";
/// After this many failed attempts the inbox shows the notification as failing.
pub const FAILING_AFTER: u32 = 3;

/// What a notification announces (stored as [`Reason::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A new worry: to everyone it is routed to.
    NewWorry,
    /// Its sender added information: to everyone it is routed to.
    MoreInformation,
    /// A handler replied: to the named sender.
    Reply,
    /// A handler assigned it to someone: to that person.
    Assigned,
    /// The first of many worries sent from one form, account or address in a short time: one
    /// email for the group, to everyone it is routed to.
    Flood,
    /// An urgent worry nobody acknowledged in time: again to everyone it is routed to, and to
    /// the on-duty contacts. Due later; sent only if it is still unacknowledged then.
    Escalation,
    /// A worry was moved to a stricter (or, by the chair or allegations lead, a less strict)
    /// queue: to its new readers.
    Moved,
    /// A safeguarding role changed: to the DSL, the allegations lead and the chair.
    RoleChange,
    /// A worry's review date came: to the person it is assigned to (or, when nobody is or they
    /// may no longer read it, everyone it is routed to).
    ReviewDue,
    /// A low-level concern about a member of staff was recorded: to its readers (never the
    /// person it is about), with no worry.
    LowLevelConcern,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NewWorry => "new_worry",
            Reason::MoreInformation => "more_information",
            Reason::Reply => "reply",
            Reason::Assigned => "assigned",
            Reason::Flood => "flood",
            Reason::Escalation => "escalation",
            Reason::Moved => "moved",
            Reason::RoleChange => "role_change",
            Reason::ReviewDue => "review_due",
            Reason::LowLevelConcern => "low_level_concern",
        }
    }
    pub fn parse(s: &str) -> Option<Reason> {
        [
            Reason::NewWorry,
            Reason::MoreInformation,
            Reason::Reply,
            Reason::Assigned,
            Reason::Flood,
            Reason::Escalation,
            Reason::Moved,
            Reason::RoleChange,
            Reason::ReviewDue,
            Reason::LowLevelConcern,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
    /// For the inbox's list of undelivered notifications.
    pub fn label(self) -> &'static str {
        match self {
            Reason::NewWorry => "new concern",
            Reason::MoreInformation => "more information added",
            Reason::Reply => "reply to the sender",
            Reason::Assigned => "assignment",
            Reason::Flood => "many concerns from one place",
            Reason::Escalation => "urgent concern not yet acknowledged",
            Reason::Moved => "concern moved to your queue",
            Reason::RoleChange => "safeguarding role changed",
            Reason::ReviewDue => "review due",
            Reason::LowLevelConcern => "low-level concern recorded",
        }
    }
}

/// The write that records a notification to deliver; goes in the transaction of what it
/// announces. `to_person`: one recipient (a reply, an assignment) instead of the routed people.
pub fn new_notification(
    org: &OrgId,
    worry_id: &str,
    route: &Route,
    reason: Reason,
    urgent: bool,
    to_person: Option<&str>,
    now: DateTime<Utc>,
) -> TxOp {
    notification_op(
        org, worry_id, route, reason, urgent, to_person, now, now, None,
    )
}

/// An escalation of an urgent worry, due at `due`: delivered then only if the worry is still
/// unacknowledged.
pub fn new_escalation(
    org: &OrgId,
    worry_id: &str,
    route: &Route,
    now: DateTime<Utc>,
    due: DateTime<Utc>,
) -> TxOp {
    notification_op(
        org,
        worry_id,
        route,
        Reason::Escalation,
        true,
        None,
        now,
        due,
        None,
    )
}

/// Tells the DSL, the allegations lead and the chair that a safeguarding role changed
/// (`summary`: who, which role, by whom; no worry is involved).
pub fn new_role_change(org: &OrgId, summary: &str, now: DateTime<Utc>) -> TxOp {
    notification_op(
        org,
        "",
        &Route::plain(Queue::Team),
        Reason::RoleChange,
        false,
        None,
        now,
        now,
        Some(summary),
    )
}

/// Tells the readers of a low-level concern that one was recorded (`readers`: the concern's own,
/// so never the person it is about). The email names nobody and says nothing of it.
pub fn new_low_level_concern(org: &OrgId, readers: &Readers, now: DateTime<Utc>) -> TxOp {
    let mut record = notification_record(
        org,
        "",
        &Route::plain(Queue::Team),
        Reason::LowLevelConcern,
        false,
        None,
        now,
        now,
        None,
    );
    record.readers = Some(readers.clone());
    put_new(org, record)
}

#[allow(clippy::too_many_arguments)]
fn notification_op(
    org: &OrgId,
    worry_id: &str,
    route: &Route,
    reason: Reason,
    urgent: bool,
    to_person: Option<&str>,
    now: DateTime<Utc>,
    due: DateTime<Utc>,
    summary: Option<&str>,
) -> TxOp {
    put_new(
        org,
        notification_record(
            org, worry_id, route, reason, urgent, to_person, now, due, summary,
        ),
    )
}

fn put_new(org: &OrgId, record: NotificationRecord) -> TxOp {
    TxOp::Put {
        item: to_item(&keys::notification(org, &record.notification_id), &record),
        condition: Condition::NotExists,
    }
}

#[allow(clippy::too_many_arguments)]
fn notification_record(
    org: &OrgId,
    worry_id: &str,
    route: &Route,
    reason: Reason,
    urgent: bool,
    to_person: Option<&str>,
    now: DateTime<Utc>,
    due: DateTime<Utc>,
    summary: Option<&str>,
) -> NotificationRecord {
    let id = uuid::Uuid::now_v7().to_string();
    let created = crate::store::timestamp(now);
    NotificationRecord {
        org: org.as_str().to_string(),
        notification_id: id.clone(),
        worry_id: worry_id.to_string(),
        route: route.into(),
        reason,
        urgent,
        created_at: now,
        next_attempt_at: due,
        sent_to: Vec::new(),
        attempts: 0,
        version: 1,
        gsi1pk: Some(keys::notifications_pending(org)),
        gsi1sk: Some(keys::worries_index_sort(&created, &id)),
        to_person: to_person.map(str::to_string),
        summary: summary.map(str::to_string),
        readers: None,
        last_error: None,
        delivered_at: None,
        expires_at: None,
    }
}

/// A notification (`keys::notification`), listed on gsi1 until delivered; delivery records
/// `sent_to`, `attempts`, `last_error`, `next_attempt_at` and finally `delivered_at` and the TTL
/// by updates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotificationRecord {
    pub org: String,
    pub notification_id: String,
    /// Empty for a role change.
    pub worry_id: String,
    #[serde(flatten)]
    pub route: StoredRoute,
    pub reason: Reason,
    #[serde(default)]
    pub urgent: bool,
    #[serde(with = "record::time")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "record::time")]
    pub next_attempt_at: DateTime<Utc>,
    #[serde(default)]
    pub sent_to: Vec<String>,
    #[serde(default)]
    pub attempts: u32,
    pub version: u64,
    /// `keys::notifications_pending` until delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_person: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A low-level concern's readers (its route is unused: no worry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readers: Option<Readers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "record::time_opt"
    )]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The TTL, once delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl Record for NotificationRecord {
    const TYPE: &'static str = ITEM_TYPE;
}

/// A notification as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    /// Empty for a role change.
    pub worry_id: String,
    /// Who may read the worry it is about (its readers are its recipients).
    pub route: Route,
    /// What changed, for a role change.
    pub summary: Option<String>,
    /// A low-level concern's readers.
    pub readers: Option<Readers>,
    pub reason: Reason,
    pub urgent: bool,
    pub to_person: Option<String>,
    pub sent_to: Vec<String>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered: bool,
    pub version: u64,
}

impl Notification {
    /// Reads a stored notification ([`NotificationRecord`]).
    pub fn from_item(item: &Item) -> Result<Notification, StoreError> {
        Ok(Notification::from_record(record::from_item(item)?))
    }

    /// A stored notification as read.
    fn from_record(r: NotificationRecord) -> Notification {
        Notification {
            id: r.notification_id,
            worry_id: r.worry_id,
            route: r.route.into(),
            summary: r.summary,
            readers: r.readers,
            reason: r.reason,
            urgent: r.urgent,
            to_person: r.to_person,
            sent_to: r.sent_to,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
            next_attempt_at: r.next_attempt_at,
            delivered: r.delivered_at.is_some(),
            version: r.version,
        }
    }
}

/// The part of a worry's record delivery reads (the worry's own record is
/// `crate::worry::records::WorryRecord`, in a layer above this one).
#[derive(Serialize, Deserialize)]
struct WorryStatus {
    status: String,
}

impl Record for WorryStatus {
    const TYPE: &'static str = "worry";
}

/// What one delivery run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Notifications looked at.
    pub notifications: usize,
    /// Notifications fully delivered by this run.
    pub delivered: usize,
    /// Emails sent.
    pub emails: usize,
    /// Notifications that failed this time (kept, retried later).
    pub failed: usize,
}

/// Delivers the organisation's pending notifications that are due (oldest first, at most `max`).
pub async fn deliver_pending<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    org: &OrgProfile,
    links: &Links,
    now: DateTime<Utc>,
    max: usize,
) -> Result<Delivery, StoreError> {
    let mut total = Delivery::default();
    // The people it may go to, read once per run and only when something is due.
    let mut people: Option<Vec<Person>> = None;
    // Escalations wait in the list until due: read past them (bounded) to what is due now.
    let mut cursor = None;
    let mut due = Vec::new();
    for _ in 0..20 {
        let page = store
            .query(
                &Query::partition(keys::notifications_pending(&org.id))
                    .on_index(Index::Gsi1)
                    .limit(max.max(1))
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let n: NotificationRecord = record::from_item(item)?;
            if n.next_attempt_at <= now && due.len() < max.max(1) {
                due.push(n);
            }
        }
        match page.next {
            Some(next) if due.len() < max.max(1) => cursor = Some(next),
            _ => break,
        }
    }
    for n in due {
        total.notifications += 1;
        if people.is_none() {
            people = Some(
                people::list_all(store, &org.id)
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            );
        }
        let d = deliver(
            store,
            mailer,
            org,
            links,
            n,
            people.as_deref().unwrap_or_default(),
            now,
        )
        .await?;
        total.delivered += d.delivered;
        total.emails += d.emails;
        total.failed += d.failed;
    }
    Ok(total)
}

/// Delivers one notification by id (the stream's trigger). Already delivered: nothing happens.
pub async fn deliver_by_id<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    org: &OrgProfile,
    links: &Links,
    notification_id: &str,
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let Some(item) = store
        .get(&keys::notification(&org.id, notification_id))
        .await?
    else {
        return Ok(Delivery::default());
    };
    let n: NotificationRecord = record::from_item(&item)?;
    // An escalation is written with the worry but due later: the sweep sends it then.
    if n.delivered_at.is_some() || n.next_attempt_at > now {
        return Ok(Delivery::default());
    }
    let people = people::list_all(store, &org.id)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let mut d = deliver(store, mailer, org, links, n, &people, now).await?;
    d.notifications = 1;
    Ok(d)
}

/// One person (or on-duty contact) an email goes to: `id` is recorded once sent.
struct Recipient {
    id: String,
    email: String,
}

/// Who a notification goes to: active people by the worry's routing (or its one named person,
/// who must still be allowed to read the worry when they are a handler); for an escalation also
/// the on-duty contacts; for a role change the DSL, the allegations lead and the chair.
fn recipients(n: &Notification, people: &[Person], org: &OrgProfile) -> Vec<Recipient> {
    let person = |p: &Person| Recipient {
        id: p.id.clone(),
        email: p.email.clone(),
    };
    let active = people.iter().filter(|p| p.active);
    let mut out: Vec<Recipient> = match (&n.to_person, n.reason) {
        (_, Reason::RoleChange) => active
            .filter(|p| {
                p.roles.iter().any(|r| {
                    matches!(
                        r,
                        crate::roles::Role::Dsl
                            | crate::roles::Role::AllegationsLead
                            | crate::roles::Role::Chair
                    )
                })
            })
            .map(person)
            .collect(),
        (Some(id), Reason::Reply) => active.filter(|p| &p.id == id).map(person).collect(),
        (_, Reason::LowLevelConcern) => active
            .filter(|p| n.readers.as_ref().is_some_and(|r| r.may_read(p)))
            .map(person)
            .collect(),
        // The assigned person, or its readers if they are gone or may no longer read it.
        (Some(id), Reason::ReviewDue) => {
            let assigned: Vec<Recipient> = active
                .clone()
                .filter(|p| &p.id == id && n.route.may_read(p))
                .map(person)
                .collect();
            if assigned.is_empty() {
                active.filter(|p| n.route.may_read(p)).map(person).collect()
            } else {
                assigned
            }
        }
        (Some(id), _) => active
            .filter(|p| &p.id == id && n.route.may_read(p))
            .map(person)
            .collect(),
        (None, _) => active.filter(|p| n.route.may_read(p)).map(person).collect(),
    };
    if n.reason == Reason::Escalation {
        // The on-duty contacts, unless they are people the worry is hidden from.
        for duty in &org.on_duty {
            let email = duty.email.trim().to_lowercase();
            if email.is_empty() || out.iter().any(|r| r.email == email) {
                continue;
            }
            let hidden = people
                .iter()
                .any(|p| p.email == email && !n.route.may_read(p));
            if !hidden {
                out.push(Recipient {
                    id: format!("on-duty:{email}"),
                    email,
                });
            }
        }
    }
    out
}

fn message(n: &Notification, org: &OrgProfile, links: &Links) -> Content {
    let org_name: String = org
        .name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let urgent = if n.urgent { "URGENT: " } else { "" };
    let never = "For the safety of the person who sent it, this email does not contain what they wrote: email is not a secure channel. Please do not forward this email.";
    match n.reason {
        Reason::NewWorry => Content {
            subject: format!("{urgent}A new concern was submitted to {org_name}"),
            text: format!(
                "A new concern was submitted on {org_name}'s online safety platform, and you are one of the people it was routed to.\n\n\
                 {}Sign in to read it and record what you do:\n\n{}\n\n{never}\n",
                if n.urgent {
                    "The person who sent it said it feels urgent. "
                } else {
                    ""
                },
                links.worry(&n.worry_id)
            ),
        },
        Reason::Flood => Content {
            subject: format!("{urgent}Many concerns were sent from one place to {org_name}"),
            text: format!(
                "Many concerns were sent on {org_name}'s online safety platform in a short time from one form, account or network. Every one is stored and shown as a group in your inbox; this is the only email for the group. Some may be genuine: please read each one.\n\n\
                 The first:\n\n{}\n\nThe inbox:\n\n{}\n\n{never}\n",
                links.worry(&n.worry_id),
                links.inbox()
            ),
        },
        Reason::Escalation => Content {
            subject: format!("URGENT: a concern at {org_name} has not been acknowledged"),
            text: format!(
                "An urgent concern was submitted on {org_name}'s online safety platform and nobody has acknowledged it yet. You are one of the people it was routed to, or on safeguarding duty.\n\n\
                 Sign in to read it and acknowledge it:\n\n{}\n\nIf you cannot open it, it is not routed to you: make sure someone who can has seen it.\n\n{never}\n",
                links.worry(&n.worry_id)
            ),
        },
        Reason::Moved => Content {
            subject: format!("{urgent}A concern at {org_name} was moved to you"),
            text: format!(
                "A concern on {org_name}'s online safety platform was moved to a queue you read.\n\nSign in to read it:\n\n{}\n\n{never}\n",
                links.worry(&n.worry_id)
            ),
        },
        Reason::MoreInformation => Content {
            subject: format!("{urgent}More information was added to a concern at {org_name}"),
            text: format!(
                "The person who sent a concern routed to you has added more information.\n\nSign in to read it:\n\n{}\n\n{never}\n",
                links.worry(&n.worry_id)
            ),
        },
        Reason::ReviewDue => Content {
            subject: format!("A concern at {org_name} is due for review"),
            text: format!(
                "A review date set on a concern on {org_name}'s online safety platform has come. You are the person it is assigned to, or one of the people it is routed to.\n\nSign in to read it and record the review:\n\n{}\n\n{never}\n",
                links.worry(&n.worry_id)
            ),
        },
        Reason::Assigned => Content {
            subject: format!("{urgent}A concern at {org_name} was assigned to you"),
            text: format!(
                "A concern on {org_name}'s online safety platform was assigned to you.\n\nSign in to read it:\n\n{}\n\n{never}\n",
                links.worry(&n.worry_id)
            ),
        },
        // A mailbox a parent or anyone else may read: no organisation, no safeguarding words.
        Reason::Reply => Content {
            subject: "You have a new message".into(),
            text: format!(
                "You have a new message. Sign in to read it:\n\n{}\n",
                links.own_worry(&n.worry_id)
            ),
        },
        Reason::LowLevelConcern => Content {
            subject: format!("A low-level concern was recorded at {org_name}"),
            text: format!(
                "A member of staff recorded a low-level concern about a colleague (or about themselves) on {org_name}'s online safety platform, and you are one of the people who read them.\n\n\
                 Sign in to read it, and to see it beside any others about the same person:\n\n{}\n\n\
                 This email does not say who it is about or what happened: email is not a secure channel. Please do not forward it.\n",
                links.low_level_concerns()
            ),
        },
        Reason::RoleChange => Content {
            subject: format!("A safeguarding role changed at {org_name}"),
            text: format!(
                "A safeguarding role was changed on {org_name}'s online safety platform:\n\n{}\n\n\
                 Every change is kept in the safeguarding roles record:\n\n{}\n\n\
                 If you did not expect this change, tell the chair or the allegations lead at once.\n",
                n.summary.as_deref().unwrap_or("(no summary)"),
                links.role_changes()
            ),
        },
    }
}

async fn deliver<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    org: &OrgProfile,
    links: &Links,
    mut stored: NotificationRecord,
    people: &[Person],
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let n = Notification::from_record(stored.clone());
    let key = keys::notification(&org.id, &n.id);
    let mut out = Delivery::default();
    if n.reason == Reason::Escalation && !still_unacknowledged(store, &org.id, &n.worry_id).await? {
        // Acknowledged in time: nothing to send.
        finish(store, &key, &stored, now).await?;
        tracing::info!(org = %org.id, notification_id = n.id, worry_id = n.worry_id, "escalation not needed: the worry was acknowledged");
        out.delivered = 1;
        return Ok(out);
    }
    let content = message(&n, org, links);
    let everyone = recipients(&n, people, org);
    if everyone.is_empty() {
        // Nobody holds the roles it is routed to: keep it, say so loudly, show it to every
        // safeguarding role, retry later (someone may be given the role).
        tracing::error!(org = %org.id, notification_id = n.id, worry_id = n.worry_id, queue = n.route.queue.as_str(),
            "a notification has nobody to go to: no active person holds the roles it is routed to");
        record_failure(
            store,
            &key,
            &stored,
            "nobody who may read it holds the roles it is routed to",
            now,
        )
        .await?;
        out.failed = 1;
        return Ok(out);
    }
    for person in everyone {
        if stored.sent_to.contains(&person.id) {
            continue;
        }
        if let Err(e) = mailer.send(&content.clone().to(person.email.clone())).await {
            tracing::warn!(org = %org.id, notification_id = n.id, person_id = person.id, error = %e, attempts = n.attempts + 1,
                "a notification email failed: kept, to retry");
            record_failure(store, &key, &stored, &e.to_string(), now).await?;
            out.failed = 1;
            return Ok(out);
        }
        out.emails += 1;
        // Recorded at once, so a crash from here on never emails this person again.
        let mut sent = stored.clone();
        sent.sent_to.push(person.id.clone());
        store
            .update(
                &key,
                Update::changes(&stored, &sent).bump_version(),
                Condition::version(stored.version),
            )
            .await?;
        sent.version += 1;
        stored = sent;
    }
    finish(store, &key, &stored, now).await?;
    tracing::info!(org = %org.id, notification_id = n.id, worry_id = n.worry_id, reason = n.reason.as_str(),
        recipients = stored.sent_to.len(), latency_ms = (now - n.created_at).num_milliseconds(), "notification delivered");
    out.delivered = 1;
    Ok(out)
}

/// Marks a notification delivered: it leaves the pending list and expires in time.
async fn finish<S: Store>(
    store: &S,
    key: &crate::store::Key,
    n: &NotificationRecord,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let delivered = NotificationRecord {
        delivered_at: Some(now),
        expires_at: Some((now + Duration::days(KEEP_DAYS)).timestamp()),
        gsi1pk: None,
        gsi1sk: None,
        ..n.clone()
    };
    store
        .update(
            key,
            Update::changes(n, &delivered).bump_version(),
            Condition::version(n.version),
        )
        .await?;
    Ok(())
}

async fn still_unacknowledged<S: Store>(
    store: &S,
    org: &OrgId,
    worry_id: &str,
) -> Result<bool, StoreError> {
    Ok(store
        .get(&keys::worry(org, worry_id))
        .await?
        .and_then(|w| record::from_item::<WorryStatus>(&w).ok())
        .is_some_and(|w| w.status == "new"))
}

async fn record_failure<S: Store>(
    store: &S,
    key: &crate::store::Key,
    n: &NotificationRecord,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let attempts = n.attempts + 1;
    let failed = NotificationRecord {
        attempts,
        last_error: Some(error.chars().take(300).collect()),
        next_attempt_at: now + retry_delay(attempts),
        ..n.clone()
    };
    store
        .update(
            key,
            Update::changes(n, &failed).bump_version(),
            Condition::version(n.version),
        )
        .await?;
    Ok(())
}

/// The notifications not yet delivered that this person may know about, oldest first, at most
/// `max`: those about worries they may read, and those that reached nobody (shown to every
/// safeguarding role, without anything of the worry, so someone fills the role). For the inbox:
/// a failing notification is shown there, never silently dropped. Escalations not yet due are
/// not failures and are left out.
pub async fn undelivered<S: Store>(
    store: &S,
    org: &OrgId,
    person: &Person,
    max: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Notification>, StoreError> {
    let safeguarding = person.active && person.roles.iter().any(|r| SAFEGUARDING_ROLES.contains(r));
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::notifications_pending(org))
                    .on_index(Index::Gsi1)
                    .limit(max.max(1))
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let n = Notification::from_item(item)?;
            if n.reason == Reason::Escalation && n.attempts == 0 && n.next_attempt_at > now {
                continue;
            }
            if n.reason == Reason::RoleChange {
                continue;
            }
            // Only its readers ever hear of a low-level concern (not even that one reached
            // nobody: it may be about them).
            if n.reason == Reason::LowLevelConcern {
                if n.readers.as_ref().is_some_and(|r| r.may_read(person)) {
                    out.push(n);
                    if out.len() >= max {
                        return Ok(out);
                    }
                }
                continue;
            }
            if n.route.may_read(person) || (safeguarding && n.reached_nobody()) {
                out.push(n);
                if out.len() >= max {
                    return Ok(out);
                }
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

impl Notification {
    /// Its last attempt found nobody who may read the worry.
    pub fn reached_nobody(&self) -> bool {
        self.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("nobody who may read it"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_at_most_an_hour() {
        let secs: Vec<i64> = (1..=10).map(|a| retry_delay(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(retry_delay(u32::MAX).num_seconds(), 3600);
    }
}
