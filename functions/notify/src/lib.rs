//! The `notify` function: tells the people a worry is routed to that it needs them, by email,
//! without the worry's content (the emails are written by [`safety_core::notify`]).
//!
//! It also sends the emailed sign-in links asked for on the site
//! ([`safety_core::identity::sign_in_mail`]), so the sign-in page answers in the same time
//! whether or not an address is registered.
//!
//! Several organisations share one deployment: each item carries its organisation (`org`), and
//! each is delivered with that organisation's profile as stored (edited in the app), its own
//! policies, and links to its own address (`base_url`, else the deployment's `APP_BASE_URL`),
//! read through a [`Deployment`] refreshed when the organisation's stamp moves. The default
//! organisation (`APP_ORG`) is seeded from its file in the content the first time it is needed
//! without a stored profile, so a fresh deployment works whichever function starts first.
//!
//! One handler for two kinds of event:
//! * a **DynamoDB Streams batch** from the table: each new notification item (written in the
//!   same transaction as the worry, reply or assignment it announces) is delivered at once with
//!   [`notify::deliver_by_id`], for its own organisation. A record whose delivery fails, or
//!   whose organisation has no stored profile (yet), is reported back in `batchItemFailures`
//!   (partial batch response), so Lambda retries from that record and the records before it are
//!   not handed over again. A new sign-in request is delivered the same way
//!   ([`sign_in_mail::deliver`]);
//! * an **EventBridge scheduled event** (every 5 minutes): for every organisation of the
//!   deployment ([`Deployment::organisations`]), [`notify::deliver_pending`] sweeps the notifications still
//!   pending whose retry time has come (back-off after failures, anything the stream gave up
//!   on), and the sign-in emails whose retry time has come. One organisation's failure does not
//!   stop the others; the invocation fails at the end (the error alarm counts it).
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
use safety_core::org::OrgId;
use safety_core::store::Store;
use safety_core::tenancy::{Deployment, DeploymentConfig, OrgContent};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// At most this many notifications (and as many sign-in emails) per organisation per scheduled
/// sweep (the oldest first); the next sweep takes the rest.
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
    /// Deliver the notification with this id, of this organisation.
    Deliver { org: OrgId, id: String },
    /// Send the sign-in email asked for by the request with this id, of this organisation.
    SignIn { org: OrgId, id: String },
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

/// The organisation an item belongs to: its `org` attribute, else the one its key starts with
/// (`ORG#<org>#...`).
fn item_org(image: &Map<String, Value>) -> Option<OrgId> {
    string_attribute(image, "org")
        .or_else(|| {
            string_attribute(image, "pk")?
                .strip_prefix("ORG#")?
                .split('#')
                .next()
        })
        .and_then(OrgId::parse)
}

impl StreamRecord {
    /// An inserted or modified notification not yet delivered whose (re)try time has come is
    /// delivered, for the organisation it belongs to; anything else is ignored. (A failed
    /// attempt writes its back-off into `next_attempt_at`, so the record of that write waits
    /// for the sweep instead of retrying at once.)
    pub fn action(&self, now: DateTime<Utc>) -> Action {
        if !matches!(self.event_name.as_str(), "INSERT" | "MODIFY") {
            return Action::Ignore("not an insert or a modification");
        }
        let Some(image) = &self.dynamodb.new_image else {
            return Action::Ignore("no new image");
        };
        if string_attribute(image, "type") == Some(sign_in_mail::ITEM_TYPE) {
            let Some(org) = item_org(image) else {
                return Action::Malformed("a sign-in request without an organisation");
            };
            return match string_attribute(image, "request_id") {
                Some(id) if !id.trim().is_empty() => Action::SignIn {
                    org,
                    id: id.to_string(),
                },
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
        let Some(org) = item_org(image) else {
            return Action::Malformed("a notification without an organisation");
        };
        match string_attribute(image, "notification_id") {
            Some(id) if !id.trim().is_empty() => Action::Deliver {
                org,
                id: id.to_string(),
            },
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

/// Everything delivery needs, built once per cold start: the deployment's organisations (each
/// one's stored profile and own policies, refreshed when its stamp moves, and its address) and
/// the mailer.
pub struct Notifier<S, M> {
    pub deployment: Deployment<S>,
    pub mailer: M,
}

fn add(total: &mut Delivery, d: &Delivery) {
    total.notifications += d.notifications;
    total.delivered += d.delivered;
    total.emails += d.emails;
    total.failed += d.failed;
}

/// Per batch: each organisation's content, read once (`None`: it cannot be delivered for now).
type BatchOrgs = HashMap<OrgId, Option<Arc<OrgContent>>>;

impl<S: Store, M: Mailer> Notifier<S, M> {
    pub fn new(store: S, mailer: M, config: DeploymentConfig) -> Self {
        Notifier {
            deployment: Deployment::new(store, config),
            mailer,
        }
    }

    pub fn store(&self) -> &S {
        self.deployment.store()
    }

    /// The default organisation (`APP_ORG`).
    pub fn default_org(&self) -> &OrgId {
        self.deployment.default_org()
    }

    fn links_of(&self, content: &OrgContent) -> Links {
        self.deployment.links_of(content)
    }

    /// The organisation's content for this batch (read once per batch); `None`, logged, when it
    /// cannot be read or has no stored profile: its records are retried.
    async fn batch_content(
        &self,
        seen: &mut BatchOrgs,
        org: &OrgId,
        now: DateTime<Utc>,
    ) -> Option<Arc<OrgContent>> {
        if let Some(known) = seen.get(org) {
            return known.clone();
        }
        let content = match self.deployment.content(org, now).await {
            Ok(Some(content)) => Some(content),
            Ok(None) => {
                tracing::error!(org = %org,
                    "an item of an organisation without a stored profile: its records are retried");
                None
            }
            Err(e) => {
                tracing::error!(org = %org, error = %e,
                    "the organisation could not be read: its records are retried");
                None
            }
        };
        seen.insert(org.clone(), content.clone());
        content
    }

    /// Handles one invocation: a stream batch answers with its partial batch response, a
    /// scheduled sweep with its counts (over every organisation). An event of neither shape, or
    /// a sweep that failed for an organisation, is an error (the invocation fails and the
    /// function's error alarm counts it).
    pub async fn handle(&self, event: Value, now: DateTime<Utc>) -> Result<Value, String> {
        match Event::parse(event)? {
            Event::Stream(batch) => {
                let response = self.stream(&batch, now).await;
                Ok(serde_json::to_value(response).expect("a batch response is JSON"))
            }
            Event::Scheduled(_) => {
                let d = self.sweep(now).await?;
                Ok(json!({
                    "notifications": d.notifications,
                    "delivered": d.delivered,
                    "emails": d.emails,
                    "failed": d.failed,
                }))
            }
        }
    }

    /// Delivers the batch's new notifications, each for its own organisation; each one at most
    /// once per batch.
    pub async fn stream(&self, batch: &StreamBatch, now: DateTime<Utc>) -> BatchResponse {
        let mut response = BatchResponse::default();
        let mut total = Delivery::default();
        let mut outcome: HashMap<(OrgId, String), bool> = HashMap::new();
        let mut seen = BatchOrgs::new();
        let (mut ignored, mut malformed, mut sign_ins) = (0usize, 0usize, 0usize);
        for record in &batch.records {
            let ok = match record.action(now) {
                Action::Deliver { org, id } => {
                    let key = (org, id);
                    match outcome.get(&key) {
                        Some(ok) => *ok,
                        None => {
                            let ok = match self.batch_content(&mut seen, &key.0, now).await {
                                Some(content) => {
                                    self.deliver(&content, &key.1, now, &mut total).await
                                }
                                None => false,
                            };
                            outcome.insert(key, ok);
                            ok
                        }
                    }
                }
                Action::SignIn { org, id } => {
                    sign_ins += 1;
                    match self.batch_content(&mut seen, &org, now).await {
                        Some(content) => self.sign_in(&content, &id, now).await,
                        None => false,
                    }
                }
                Action::Ignore(_) => {
                    ignored += 1;
                    continue;
                }
                Action::Malformed(why) => {
                    malformed += 1;
                    tracing::error!(
                        sequence_number = record.dynamodb.sequence_number,
                        problem = why,
                        "stream record skipped: it cannot be delivered"
                    );
                    continue;
                }
            };
            if !ok {
                response.batch_item_failures.push(ItemFailure {
                    item_identifier: record.dynamodb.sequence_number.clone(),
                });
            }
        }
        let mut orgs: Vec<&str> = seen.keys().map(OrgId::as_str).collect();
        orgs.sort_unstable();
        tracing::info!(
            org = orgs.join(","),
            records = batch.records.len(),
            ignored,
            malformed,
            sign_ins,
            notifications = total.notifications,
            delivered = total.delivered,
            emails = total.emails,
            failed = total.failed,
            retried_records = response.batch_item_failures.len(),
            "stream batch handled"
        );
        response
    }

    /// Delivers one notification; false when it is to be retried.
    async fn deliver(
        &self,
        content: &OrgContent,
        id: &str,
        now: DateTime<Utc>,
        total: &mut Delivery,
    ) -> bool {
        let links = self.links_of(content);
        match notify::deliver_by_id(
            self.store(),
            &self.mailer,
            &content.profile,
            &links,
            id,
            now,
        )
        .await
        {
            Ok(d) => {
                add(total, &d);
                d.failed == 0
            }
            Err(e) => {
                tracing::error!(org = %content.org, notification_id = id, error = %e,
                    "notification delivery failed: the record is retried");
                total.failed += 1;
                false
            }
        }
    }

    /// Sends one requested sign-in email; false when the store failed (the record is retried).
    /// A refused email is not a failure here: the request keeps its back-off for the sweep.
    async fn sign_in(&self, content: &OrgContent, request_id: &str, now: DateTime<Utc>) -> bool {
        let links = self.links_of(content);
        match sign_in_mail::deliver(
            self.store(),
            &self.mailer,
            &content.profile,
            &links,
            request_id,
            now,
        )
        .await
        {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(org = %content.org, request_id, error = %e,
                    "sign-in request could not be handled: the record is retried");
                false
            }
        }
    }

    /// For every organisation of the deployment: delivers the pending notifications that are
    /// due, then the sign-in emails due a retry. An organisation that fails is logged and the
    /// others are swept; the answer is then an error naming the ones that failed.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<Delivery, String> {
        let orgs = self.deployment.organisations().await.map_err(|e| {
            tracing::error!(error = %e, "notification sweep failed: the organisations could not be listed");
            format!("notification sweep failed: the organisations could not be listed: {e}")
        })?;
        let mut total = Delivery::default();
        let mut failed = Vec::new();
        for org in &orgs {
            let outcome = match self.deployment.content(org, now).await {
                Ok(Some(content)) => self
                    .sweep_org(&content, now)
                    .await
                    .map_err(|e| e.to_string()),
                Ok(None) => Err("it has no stored profile".to_string()),
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(d) => add(&mut total, &d),
                Err(e) => {
                    tracing::error!(org = %org, error = %e, "notification sweep failed");
                    failed.push(format!("{org}: {e}"));
                }
            }
        }
        if failed.is_empty() {
            Ok(total)
        } else {
            Err(format!(
                "notification sweep failed for {} of {} organisations: {}",
                failed.len(),
                orgs.len(),
                failed.join("; ")
            ))
        }
    }

    /// One organisation's sweep.
    async fn sweep_org(
        &self,
        content: &OrgContent,
        now: DateTime<Utc>,
    ) -> Result<Delivery, safety_core::store::StoreError> {
        let links = self.links_of(content);
        let org = &content.profile;
        let sign_ins =
            sign_in_mail::deliver_pending(self.store(), &self.mailer, org, &links, now, SWEEP_MAX)
                .await?;
        if sign_ins.requests > 0 {
            tracing::info!(org = %org.id, requests = sign_ins.requests, sent = sign_ins.sent,
                no_account = sign_ins.no_account, failed = sign_ins.failed, too_old = sign_ins.too_old,
                "sign-in sweep done");
        }
        // Review dates that came: their reminders are written first, then delivered below.
        let today = safety_core::dates::to_london(now).date_naive();
        match safety_core::worry::review::remind_due(self.store(), &org.id, today, now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(org = %org.id, reminders = n, "review reminders written"),
            Err(e) => {
                tracing::error!(org = %org.id, error = %e, "review reminders could not be written; retried at the next sweep")
            }
        }
        let d = notify::deliver_pending(self.store(), &self.mailer, org, &links, now, SWEEP_MAX)
            .await?;
        tracing::info!(
            org = %org.id,
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
