//! The `notify` function: tells the people a worry is routed to that it needs them, by email,
//! without the worry's content (the emails are written by [`safety_core::notify`]).
//!
//! It also sends the emailed sign-in links asked for on the site
//! ([`safety_core::identity::sign_in_mail`]), so the sign-in page answers in the same time
//! whether or not an address is registered.
//!
//! One handler for two kinds of event:
//! * a **DynamoDB Streams batch** from the table: each new notification item (written in the
//!   same transaction as the worry, reply or assignment it announces) is delivered at once with
//!   [`notify::deliver_by_id`]. A record whose delivery fails is reported back in
//!   `batchItemFailures` (partial batch response), so Lambda retries from that record and the
//!   records before it are not handed over again. A new sign-in request is delivered the same
//!   way ([`sign_in_mail::deliver`]);
//! * an **EventBridge scheduled event** (every 5 minutes): [`notify::deliver_pending`] sweeps the
//!   notifications still pending whose retry time has come (back-off after failures, anything the
//!   stream gave up on), and the sign-in emails whose retry time has come.
//!
//! Delivery is idempotent per recipient (each one is recorded on the item as soon as their email
//! has gone), so a record seen twice, or a sweep racing the stream, repeats at most the one
//! email in flight. Nothing of a worry is ever logged: the handler logs ids and counts only, never
//! an event or an image.

use chrono::{DateTime, Utc};
use safety_core::identity::sign_in_mail;
use safety_core::mail::Links;
use safety_core::mail::Mailer;
use safety_core::notify::{self, Delivery};
use safety_core::org::OrgProfile;
use safety_core::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// At most this many notifications per scheduled sweep (the oldest first); the next sweep takes
/// the rest.
pub const SWEEP_MAX: usize = 100;

/// A batch of DynamoDB stream records, as Lambda hands it over (only the fields used here).
#[derive(Debug, Deserialize)]
pub struct StreamBatch {
    #[serde(rename = "Records")]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    #[serde(rename = "eventName", default)]
    pub event_name: String,
    #[serde(default)]
    pub dynamodb: StreamData,
}

#[derive(Debug, Default, Deserialize)]
pub struct StreamData {
    /// What a partial batch response names a failed record by.
    #[serde(rename = "SequenceNumber", default)]
    pub sequence_number: String,
    /// The item after the change, in DynamoDB JSON (`{"S": "..."}`, `{"N": "..."}`, ...).
    #[serde(rename = "NewImage", default)]
    pub new_image: Option<Map<String, Value>>,
}

pub use safety_core::function_main::ScheduledEvent;

/// The events the function accepts.
#[derive(Debug)]
pub enum Event {
    Stream(StreamBatch),
    Scheduled(ScheduledEvent),
}

impl Event {
    pub fn parse(value: Value) -> Result<Event, String> {
        if value.get("Records").is_some() {
            return serde_json::from_value(value)
                .map(Event::Stream)
                .map_err(|e| format!("not a DynamoDB stream batch: {e}"));
        }
        if value.get("detail-type").is_some() {
            return ScheduledEvent::parse(value).map(Event::Scheduled);
        }
        Err("unknown event: expected a DynamoDB stream batch (`Records`) or an EventBridge scheduled event (`detail-type`)".into())
    }
}

/// What the handler does with one stream record.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Deliver the notification with this id.
    Deliver(String),
    /// Send the sign-in email asked for by the request with this id.
    SignIn(String),
    /// Not for this function (another item type, a removal, already delivered...).
    Ignore(&'static str),
    /// A notification item without what delivery needs: logged as an error, not retried
    /// (retrying cannot mend it; if it is pending, the inbox shows it).
    Malformed(&'static str),
}

/// A string attribute of a stream image (`{"S": "..."}`).
fn string_attribute<'a>(image: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    image.get(name)?.get("S")?.as_str()
}

impl StreamRecord {
    /// An inserted or modified notification not yet delivered, of this organisation, whose
    /// (re)try time has come, is delivered; anything else is ignored. (A failed attempt writes
    /// its back-off into `next_attempt_at`, so the record of that write waits for the sweep
    /// instead of retrying at once.)
    pub fn action(&self, org: &OrgProfile, now: DateTime<Utc>) -> Action {
        if !matches!(self.event_name.as_str(), "INSERT" | "MODIFY") {
            return Action::Ignore("not an insert or a modification");
        }
        let Some(image) = &self.dynamodb.new_image else {
            return Action::Ignore("no new image");
        };
        if string_attribute(image, "org").is_some_and(|o| o != org.id.as_str()) {
            return Action::Ignore("another organisation's item");
        }
        if string_attribute(image, "type") == Some(sign_in_mail::ITEM_TYPE) {
            return match string_attribute(image, "request_id") {
                Some(id) if !id.trim().is_empty() => Action::SignIn(id.to_string()),
                _ => Action::Malformed("a sign-in request without a `request_id`"),
            };
        }
        if string_attribute(image, "type") != Some(notify::ITEM_TYPE) {
            return Action::Ignore("not a notification");
        }
        if image.contains_key("delivered_at") {
            return Action::Ignore("already delivered");
        }
        if let Some(next) = string_attribute(image, "next_attempt_at")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            && next.with_timezone(&Utc) > now
        {
            return Action::Ignore("waiting for its retry time");
        }
        match string_attribute(image, "notification_id") {
            Some(id) if !id.trim().is_empty() => Action::Deliver(id.to_string()),
            _ => Action::Malformed("a notification without a `notification_id`"),
        }
    }
}

/// The partial batch response: the records to retry (Lambda resumes from the lowest).
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchResponse {
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<ItemFailure>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct ItemFailure {
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// Everything delivery needs, built once per cold start.
pub struct Notifier<S, M> {
    pub store: S,
    pub mailer: M,
    pub org: OrgProfile,
    pub links: Links,
}

fn add(total: &mut Delivery, d: &Delivery) {
    total.notifications += d.notifications;
    total.delivered += d.delivered;
    total.emails += d.emails;
    total.failed += d.failed;
}

impl<S: Store, M: Mailer> Notifier<S, M> {
    /// Handles one invocation: a stream batch answers with its partial batch response, a
    /// scheduled sweep with its counts. An event of neither shape, or a sweep that cannot read
    /// the store, is an error (the invocation fails and the function's error alarm counts it).
    pub async fn handle(&self, event: Value, now: DateTime<Utc>) -> Result<Value, String> {
        match Event::parse(event)? {
            Event::Stream(batch) => {
                let response = self.stream(&batch, now).await;
                Ok(serde_json::to_value(response).expect("a batch response is JSON"))
            }
            Event::Scheduled(_) => {
                let d = self.sweep(now).await.map_err(|e| {
                    tracing::error!(org = %self.org.id, error = %e, "notification sweep failed");
                    format!("notification sweep failed: {e}")
                })?;
                Ok(json!({
                    "notifications": d.notifications,
                    "delivered": d.delivered,
                    "emails": d.emails,
                    "failed": d.failed,
                }))
            }
        }
    }

    /// Delivers the batch's new notifications; each one at most once per batch.
    pub async fn stream(&self, batch: &StreamBatch, now: DateTime<Utc>) -> BatchResponse {
        let mut response = BatchResponse::default();
        let mut total = Delivery::default();
        let mut outcome: HashMap<String, bool> = HashMap::new();
        let (mut ignored, mut malformed) = (0usize, 0usize);
        for record in &batch.records {
            let id = match record.action(&self.org, now) {
                Action::Deliver(id) => id,
                Action::SignIn(id) => {
                    if !self.sign_in(&id, now).await {
                        response.batch_item_failures.push(ItemFailure {
                            item_identifier: record.dynamodb.sequence_number.clone(),
                        });
                    }
                    continue;
                }
                Action::Ignore(_) => {
                    ignored += 1;
                    continue;
                }
                Action::Malformed(why) => {
                    malformed += 1;
                    tracing::error!(org = %self.org.id, sequence_number = record.dynamodb.sequence_number, problem = why,
                        "stream record skipped: it cannot be delivered");
                    continue;
                }
            };
            let ok = match outcome.get(&id) {
                Some(ok) => *ok,
                None => {
                    let ok = match notify::deliver_by_id(
                        &self.store,
                        &self.mailer,
                        &self.org,
                        &self.links,
                        &id,
                        now,
                    )
                    .await
                    {
                        Ok(d) => {
                            add(&mut total, &d);
                            d.failed == 0
                        }
                        Err(e) => {
                            tracing::error!(org = %self.org.id, notification_id = id, error = %e,
                                "notification delivery failed: the record is retried");
                            total.failed += 1;
                            false
                        }
                    };
                    outcome.insert(id, ok);
                    ok
                }
            };
            if !ok {
                response.batch_item_failures.push(ItemFailure {
                    item_identifier: record.dynamodb.sequence_number.clone(),
                });
            }
        }
        tracing::info!(
            org = %self.org.id,
            records = batch.records.len(),
            ignored,
            malformed,
            notifications = total.notifications,
            delivered = total.delivered,
            emails = total.emails,
            failed = total.failed,
            retried_records = response.batch_item_failures.len(),
            "stream batch handled"
        );
        response
    }

    /// Sends one requested sign-in email; false when the store failed (the record is retried).
    /// A refused email is not a failure here: the request keeps its back-off for the sweep.
    async fn sign_in(&self, request_id: &str, now: DateTime<Utc>) -> bool {
        match sign_in_mail::deliver(
            &self.store,
            &self.mailer,
            &self.org,
            &self.links,
            request_id,
            now,
        )
        .await
        {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(org = %self.org.id, request_id, error = %e,
                    "sign-in request could not be handled: the record is retried");
                false
            }
        }
    }

    /// Delivers the pending notifications that are due, then the sign-in emails due a retry.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<Delivery, StoreError> {
        let sign_ins = sign_in_mail::deliver_pending(
            &self.store,
            &self.mailer,
            &self.org,
            &self.links,
            now,
            SWEEP_MAX,
        )
        .await?;
        if sign_ins.requests > 0 {
            tracing::info!(org = %self.org.id, requests = sign_ins.requests, sent = sign_ins.sent,
                no_account = sign_ins.no_account, failed = sign_ins.failed, too_old = sign_ins.too_old,
                "sign-in sweep done");
        }
        let d = notify::deliver_pending(
            &self.store,
            &self.mailer,
            &self.org,
            &self.links,
            now,
            SWEEP_MAX,
        )
        .await?;
        tracing::info!(
            org = %self.org.id,
            notifications = d.notifications,
            delivered = d.delivered,
            emails = d.emails,
            failed = d.failed,
            "notification sweep done"
        );
        Ok(d)
    }
}

#[cfg(test)]
mod tests;
