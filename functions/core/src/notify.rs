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

use crate::identity::mail::{Content, Mailer};
use crate::identity::{Person, people};
use crate::keys;
use crate::org::{OrgId, OrgProfile};
use crate::store::{Condition, Index, Item, Query, Store, StoreError, TxOp, Update, layout};
use crate::worry::routing::{Queue, may_see};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// How long a delivered notification is kept (evidence that people were told).
const KEEP_DAYS: i64 = 400;
/// The `type` attribute of a notification item (the `notify` function's stream filter matches
/// it: see infra/template.yaml).
pub const ITEM_TYPE: &str = "notification";
/// After this many failed attempts the inbox shows the notification as failing.
pub const FAILING_AFTER: u32 = 3;

/// What a notification announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A new worry: to everyone it is routed to.
    NewWorry,
    /// Its sender added information: to everyone it is routed to.
    MoreInformation,
    /// A handler replied: to the named sender.
    Reply,
    /// A handler assigned it to someone: to that person.
    Assigned,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NewWorry => "new_worry",
            Reason::MoreInformation => "more_information",
            Reason::Reply => "reply",
            Reason::Assigned => "assigned",
        }
    }
    pub fn parse(s: &str) -> Option<Reason> {
        [
            Reason::NewWorry,
            Reason::MoreInformation,
            Reason::Reply,
            Reason::Assigned,
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
        }
    }
}

/// The write that records a notification to deliver; goes in the transaction of what it
/// announces. `to_person`: one recipient (a reply, an assignment) instead of the routed people.
pub fn new_notification(
    org: &OrgId,
    worry_id: &str,
    queue: Queue,
    reason: Reason,
    urgent: bool,
    to_person: Option<&str>,
    now: DateTime<Utc>,
) -> TxOp {
    let id = uuid::Uuid::now_v7().to_string();
    let created = crate::store::timestamp(now);
    let mut fields = json!({
        "type": ITEM_TYPE,
        "org": org.as_str(),
        "notification_id": id,
        "worry_id": worry_id,
        "queue": queue.as_str(),
        "reason": reason.as_str(),
        "urgent": urgent,
        "created_at": created,
        "next_attempt_at": created,
        "sent_to": [],
        "attempts": 0,
        "version": 1,
        (layout::GSI1_PK): keys::notifications_pending(org),
        (layout::GSI1_SK): keys::worries_index_sort(&created, &id),
    });
    if let Some(p) = to_person {
        fields["to_person"] = json!(p);
    }
    TxOp::Put {
        item: keys::notification(org, &id).item(fields),
        condition: Condition::NotExists,
    }
}

/// A notification as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub worry_id: String,
    pub queue: Queue,
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

fn corrupt(what: &str) -> StoreError {
    StoreError::InvalidItem(format!("notification: bad or missing `{what}`"))
}

impl Notification {
    pub fn from_item(item: &Item) -> Result<Notification, StoreError> {
        let s = |name: &str| {
            item.get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| corrupt(name))
        };
        let t = |name: &str| {
            DateTime::parse_from_rfc3339(&s(name)?)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| corrupt(name))
        };
        Ok(Notification {
            id: s("notification_id")?,
            worry_id: s("worry_id")?,
            queue: Queue::parse(&s("queue")?).ok_or_else(|| corrupt("queue"))?,
            reason: Reason::parse(&s("reason")?).ok_or_else(|| corrupt("reason"))?,
            urgent: item.get("urgent").and_then(Value::as_bool).unwrap_or(false),
            to_person: item
                .get("to_person")
                .and_then(Value::as_str)
                .map(str::to_string),
            sent_to: item
                .get("sent_to")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            attempts: item.get("attempts").and_then(Value::as_u64).unwrap_or(0) as u32,
            last_error: item
                .get("last_error")
                .and_then(Value::as_str)
                .map(str::to_string),
            created_at: t("created_at")?,
            next_attempt_at: t("next_attempt_at")?,
            delivered: item.get("delivered_at").is_some(),
            version: item
                .get("version")
                .and_then(Value::as_u64)
                .ok_or_else(|| corrupt("version"))?,
        })
    }
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

/// Where a notifier sends people: the public address of the site.
#[derive(Clone, Debug)]
pub struct Links {
    pub base_url: String,
}

impl Links {
    fn worry(&self, id: &str) -> String {
        format!("{}/worries/{id}", self.base_url.trim_end_matches('/'))
    }
    fn own_worry(&self, id: &str) -> String {
        format!("{}/me/worries/{id}", self.base_url.trim_end_matches('/'))
    }
}

/// Back-off before the next attempt after `attempts` failures: 30 s, 1, 2, 4, 8 minutes...,
/// at most an hour.
pub fn retry_delay(attempts: u32) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(10));
    Duration::seconds(secs.min(3600))
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
    let page = store
        .query(
            &Query::partition(keys::notifications_pending(&org.id))
                .on_index(Index::Gsi1)
                .limit(max.max(1)),
        )
        .await?;
    let mut total = Delivery::default();
    // The people it may go to, read once per run and only when something is due.
    let mut people: Option<Vec<Person>> = None;
    for item in &page.items {
        let n = Notification::from_item(item)?;
        if n.next_attempt_at > now {
            continue;
        }
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
            people.as_deref().unwrap(),
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
    let n = Notification::from_item(&item)?;
    if n.delivered {
        return Ok(Delivery::default());
    }
    let people = people::list_all(store, &org.id)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let mut d = deliver(store, mailer, org, links, n, &people, now).await?;
    d.notifications = 1;
    Ok(d)
}

/// Who a notification goes to: active people, by its routing (or its one named person, who must
/// still be allowed to see the worry when they are a handler).
fn recipients<'p>(n: &Notification, people: &'p [Person]) -> Vec<&'p Person> {
    let routing = n.queue.routing();
    people
        .iter()
        .filter(|p| p.active)
        .filter(|p| match (&n.to_person, n.reason) {
            (Some(id), Reason::Reply) => &p.id == id,
            (Some(id), _) => &p.id == id && may_see(&routing, &p.roles),
            (None, _) => may_see(&routing, &p.roles),
        })
        .collect()
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
        Reason::MoreInformation => Content {
            subject: format!("{urgent}More information was added to a concern at {org_name}"),
            text: format!(
                "The person who sent a concern routed to you has added more information.\n\nSign in to read it:\n\n{}\n\n{never}\n",
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
        Reason::Reply => Content {
            subject: format!("You have a reply from the safeguarding team at {org_name}"),
            text: format!(
                "The safeguarding team replied to the message you sent them.\n\nSign in to read it:\n\n{}\n\n\
                 If you or someone else is in danger right now, call 999.\n",
                links.own_worry(&n.worry_id)
            ),
        },
    }
}

async fn deliver<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    org: &OrgProfile,
    links: &Links,
    mut n: Notification,
    people: &[Person],
    now: DateTime<Utc>,
) -> Result<Delivery, StoreError> {
    let key = keys::notification(&org.id, &n.id);
    let content = message(&n, org, links);
    let mut out = Delivery::default();
    let everyone = recipients(&n, people);
    if everyone.is_empty() {
        // Nobody holds the roles it is routed to: keep it, say so loudly, retry later (someone
        // may be given the role).
        tracing::error!(org = %org.id, notification_id = n.id, worry_id = n.worry_id, queue = n.queue.as_str(),
            "a notification has nobody to go to: no active person holds the roles it is routed to");
        record_failure(
            store,
            &key,
            &n,
            "nobody holds the roles it is routed to",
            now,
        )
        .await?;
        out.failed = 1;
        return Ok(out);
    }
    for person in everyone {
        if n.sent_to.contains(&person.id) {
            continue;
        }
        if let Err(e) = mailer.send(&content.clone().to(person.email.clone())).await {
            tracing::warn!(org = %org.id, notification_id = n.id, person_id = person.id, error = %e, attempts = n.attempts + 1,
                "a notification email failed: kept, to retry");
            record_failure(store, &key, &n, &e.to_string(), now).await?;
            out.failed = 1;
            return Ok(out);
        }
        out.emails += 1;
        // Recorded at once, so a crash from here on never emails this person again.
        n.sent_to.push(person.id.clone());
        store
            .update(
                &key,
                Update::default()
                    .set("sent_to", json!(n.sent_to))
                    .add("version", 1),
                Condition::Equals("version".into(), json!(n.version)),
            )
            .await?;
        n.version += 1;
    }
    store
        .update(
            &key,
            Update::default()
                .set("delivered_at", crate::store::timestamp(now))
                .set(layout::TTL, (now + Duration::days(KEEP_DAYS)).timestamp())
                .add("version", 1)
                .remove(layout::GSI1_PK)
                .remove(layout::GSI1_SK),
            Condition::Equals("version".into(), json!(n.version)),
        )
        .await?;
    tracing::info!(org = %org.id, notification_id = n.id, worry_id = n.worry_id, reason = n.reason.as_str(),
        recipients = n.sent_to.len(), latency_ms = (now - n.created_at).num_milliseconds(), "notification delivered");
    out.delivered = 1;
    Ok(out)
}

async fn record_failure<S: Store>(
    store: &S,
    key: &crate::store::Key,
    n: &Notification,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let attempts = n.attempts + 1;
    let error: String = error.chars().take(300).collect();
    store
        .update(
            key,
            Update::default()
                .set("attempts", attempts)
                .set("last_error", error)
                .set(
                    "next_attempt_at",
                    crate::store::timestamp(now + retry_delay(attempts)),
                )
                .add("version", 1),
            Condition::Equals("version".into(), json!(n.version)),
        )
        .await?;
    Ok(())
}

/// The notifications not yet delivered that a person holding `roles` may know about (those
/// about worries routed to them), oldest first, at most `max` (the store is read until `max`
/// are found or the list ends). For the inbox: a failing notification is shown there, never
/// silently dropped.
pub async fn undelivered<S: Store>(
    store: &S,
    org: &OrgId,
    roles: &[crate::identity::Role],
    max: usize,
) -> Result<Vec<Notification>, StoreError> {
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
            if may_see(&n.queue.routing(), roles) {
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
