//! Reminders: a scheduled pass over one organisation's people that emails each person whose
//! training or AUP is due, expiring or expired, and sends the DSL and deputies a weekly summary
//! in numbers. Run by the `reminders` function on AWS (EventBridge) and, locally, by the web
//! server's interval or `web reminders`.
//!
//! Rules:
//! * each item of a person's training is in at most one **stage**: `due` (assigned, not done),
//!   `expiring` (within 30 days of `valid_until`), `expired`, `new_version` (a new version must be
//!   done again). A stage is reminded **once per cycle**: the record's key holds what the stage
//!   refers to (the `valid_until`, the version), so renewing and then expiring again is a new
//!   cycle, while a second run the same day finds the record and sends nothing;
//! * at most **one email per person per run**, listing only the items newly reminded: titles,
//!   what to do, a link to `/me/training`. No scores, no worries, nobody else's data;
//! * the weekly summary goes to every active person holding the DSL or the deputy DSL role
//!   (deputies share the DSL's duties and cover their absence, and can open the completion
//!   pages), once per ISO week (UK time). It has numbers only: per required module and AUP, how
//!   many people have not started, are in progress, expiring, expired or have a new version to
//!   do, and the number of open concerns **routed to that recipient** (a worry about the DSL is
//!   never counted in the DSL's summary);
//! * deactivated people are skipped; only the organisation's own keys are read or written.
//!
//! Delivery is at-least-once: a record is written just after its email has gone. A crash (or a
//! failed write) between the two sends that one email again on the next run; an email is never
//! recorded without having been sent, so none is lost. Two runs at the very same moment could
//! both send: on AWS the schedule starts one run a day and Lambda retries a failed run only after
//! it has ended; locally the web server's interval runs one pass at a time.

use crate::dates;
use crate::identity::{PeopleError, Person, people};
use crate::keys;
use crate::learning::{self, ItemKind, LearningError, Setting, Status, TrainingItem};
use crate::mail::Links;
use crate::mail::{Content, MailError, Mailer};
use crate::org::{OrgId, OrgProfile};
use crate::roles::Role;
use crate::routing::Queue;
use crate::store::record::{self, Record, to_item};
use crate::store::{Condition, Index, Query, Store, StoreError, TxOp, layout};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How long a record of a reminder is kept (TTL). A stage still standing after this is reminded
/// again, which is what a person who ignored it for over a year should get.
pub const KEEP_DAYS: i64 = 400;
/// People read per page of the organisation's list.
const PEOPLE_PAGE: usize = 200;
/// The `type` attribute of the records.
pub const ITEM_TYPE: &str = "reminder";

/// A reminder sent to a person: an item's stage in one cycle (`keys::reminder_sent`, TTL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReminderSentRecord {
    pub org: String,
    pub person_id: String,
    /// `MODULE#<id>` or `AUP#<id>`.
    pub item: String,
    pub stage: String,
    pub cycle: String,
    #[serde(with = "record::time")]
    pub sent_at: DateTime<Utc>,
    pub expires_at: i64,
}

impl Record for ReminderSentRecord {
    const TYPE: &'static str = ITEM_TYPE;
}

/// A weekly summary sent to a person (`keys::reminder_weekly`, TTL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeeklySummaryRecord {
    pub org: String,
    pub person_id: String,
    /// An ISO week like `2026-W48`.
    pub week: String,
    #[serde(with = "record::time")]
    pub sent_at: DateTime<Utc>,
    pub expires_at: i64,
}

impl Record for WeeklySummaryRecord {
    const TYPE: &'static str = ITEM_TYPE;
}

/// Where a person is with one item, as far as reminders go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Assigned, not done yet (not started or in progress).
    Due,
    /// Done, and `valid_until` is within 30 days.
    Expiring,
    /// Done once, and `valid_until` has passed.
    Expired,
    /// Done for an older version; the new one must be done again.
    NewVersion,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Due,
        Stage::Expiring,
        Stage::Expired,
        Stage::NewVersion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Due => "due",
            Stage::Expiring => "expiring",
            Stage::Expired => "expired",
            Stage::NewVersion => "new_version",
        }
    }
}

/// The stage of one item and the cycle it belongs to (what the record is keyed by), or None
/// when there is nothing to remind (done and standing).
pub fn stage_of(item: &TrainingItem) -> Option<(Stage, String)> {
    let until = || {
        item.due
            .map(crate::store::timestamp)
            .unwrap_or_else(|| "-".into())
    };
    match item.status {
        Status::Passed => None,
        // Once: a never-done item has one cycle (the TTL brings it back after a long time).
        Status::NotStarted | Status::InProgress => Some((Stage::Due, "assigned".into())),
        Status::ExpiringSoon => Some((Stage::Expiring, until())),
        Status::Expired => Some((Stage::Expired, until())),
        Status::DueAgain => Some((Stage::NewVersion, item.version.clone())),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    People(#[from] PeopleError),
    #[error(transparent)]
    Learning(#[from] LearningError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("the email was sent but could not be recorded (it will be sent again): {0}")]
    NotRecorded(StoreError),
}

/// Reminders sent, per stage.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StageCounts {
    pub due: usize,
    pub expiring: usize,
    pub expired: usize,
    pub new_version: usize,
}

impl StageCounts {
    fn add(&mut self, stage: Stage) {
        match stage {
            Stage::Due => self.due += 1,
            Stage::Expiring => self.expiring += 1,
            Stage::Expired => self.expired += 1,
            Stage::NewVersion => self.new_version += 1,
        }
    }
}

/// Where the organisation's people are with one required module or AUP: numbers only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ItemCounts {
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    /// Active people it is required of.
    pub assigned: usize,
    pub done: usize,
    pub not_started: usize,
    pub in_progress: usize,
    /// Done, expiring within 30 days.
    pub expiring: usize,
    /// Done once, expired: overdue.
    pub expired: usize,
    pub new_version: usize,
}

impl ItemCounts {
    /// Anything the DSL should look at.
    pub fn needs_attention(&self) -> usize {
        self.not_started + self.in_progress + self.expiring + self.expired + self.new_version
    }
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub org: String,
    /// Active people whose training was evaluated.
    pub people_checked: usize,
    /// Deactivated people, skipped.
    pub people_inactive: usize,
    /// Reminder emails sent (one per person at most).
    pub emails_sent: usize,
    /// Items newly reminded, per stage.
    pub reminded: StageCounts,
    /// Weekly summaries sent to the DSL and deputies.
    pub summaries_sent: usize,
    /// People (or summaries) that failed this time: not recorded, tried again next run.
    pub failures: usize,
    /// The organisation in numbers, per required item (what the summaries say).
    pub items: Vec<ItemCounts>,
}

/// Numbers per required item, in the order first met (modules, then AUPs, profile order).
#[derive(Default)]
struct Tally {
    items: Vec<ItemCounts>,
    index: HashMap<(ItemKind, String), usize>,
}

impl Tally {
    fn add(&mut self, items: &[TrainingItem]) {
        for it in items {
            let at = *self
                .index
                .entry((it.kind, it.id.clone()))
                .or_insert_with(|| {
                    self.items.push(ItemCounts {
                        kind: match it.kind {
                            ItemKind::Module => "module",
                            ItemKind::Aup => "aup",
                        },
                        id: it.id.clone(),
                        title: it.title.clone(),
                        ..ItemCounts::default()
                    });
                    self.items.len() - 1
                });
            let c = &mut self.items[at];
            c.assigned += 1;
            match it.status {
                Status::Passed => c.done += 1,
                Status::NotStarted => c.not_started += 1,
                Status::InProgress => c.in_progress += 1,
                Status::ExpiringSoon => c.expiring += 1,
                Status::Expired => c.expired += 1,
                Status::DueAgain => c.new_version += 1,
            }
        }
    }

    fn sorted(mut self) -> Vec<ItemCounts> {
        // modules first, then AUPs, each in the order met
        self.items.sort_by_key(|c| c.kind != "module");
        self.items
    }
}

/// Whether a person gets the weekly summary.
pub fn gets_summary(person: &Person) -> bool {
    person.active
        && person
            .roles
            .iter()
            .any(|r| matches!(r, Role::Dsl | Role::DeputyDsl))
}

/// The ISO week of an instant in UK time, as recorded: `2026-W48`.
pub fn iso_week(now: DateTime<Utc>) -> String {
    let w = dates::to_london(now).date_naive().iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

fn week_start(now: DateTime<Utc>) -> Option<NaiveDate> {
    let w = dates::to_london(now).date_naive().iso_week();
    NaiveDate::from_isoywd_opt(w.year(), w.week(), Weekday::Mon)
}

/// Runs the reminders of one organisation (the setting's profile): every active person's
/// training is evaluated, new reminders sent and recorded, then the weekly summaries. Fails
/// only when the list of people (or the concern counts) cannot be read; a person whose email
/// or record fails is counted in `failures` and tried again on the next run.
///
/// Store calls: `query` (people on gsi1, each person's learning states and reminder records,
/// open concerns on gsi1), `get` (a weekly summary's record), `put` (a summary's record) and
/// `transact` of puts (a person's reminder records). Never `update` or `delete`.
pub async fn run<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    setting: Setting<'_>,
    links: &Links,
    now: DateTime<Utc>,
) -> Result<Report, ReminderError> {
    let org = &setting.profile.id;
    let mut report = Report {
        org: org.as_str().to_string(),
        ..Report::default()
    };
    let mut tally = Tally::default();
    let mut leads: Vec<Person> = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = people::list(store, org, cursor, PEOPLE_PAGE).await?;
        for person in page {
            if !person.active {
                report.people_inactive += 1;
                continue;
            }
            if gets_summary(&person) {
                leads.push(person.clone());
            }
            report.people_checked += 1;
            let training = match learning::my_training(store, setting, &person, now).await {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(org = %org, person_id = person.id, error = %e,
                        "reminders: a person's training could not be read");
                    report.failures += 1;
                    continue;
                }
            };
            tally.add(&training.items);
            let due: Vec<Due> = training
                .items
                .iter()
                .filter_map(|i| {
                    stage_of(i).map(|(stage, cycle)| Due {
                        item: i,
                        stage,
                        cycle,
                    })
                })
                .collect();
            if due.is_empty() {
                continue;
            }
            match remind(store, mailer, setting.profile, links, &person, &due, now).await {
                Ok(None) => {}
                Ok(Some(stages)) => {
                    report.emails_sent += 1;
                    stages.into_iter().for_each(|s| report.reminded.add(s));
                }
                Err(ReminderError::NotRecorded(e)) => {
                    tracing::error!(org = %org, person_id = person.id, error = %e,
                        "reminder sent but not recorded: it will be sent again next run");
                    report.emails_sent += 1;
                    report.failures += 1;
                }
                Err(e) => {
                    tracing::warn!(org = %org, person_id = person.id, error = %e,
                        "reminder not sent: tried again next run");
                    report.failures += 1;
                }
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    report.items = tally.sorted();

    let week = iso_week(now);
    let mut open: Option<Vec<crate::routing::Route>> = None;
    for lead in &leads {
        let key = keys::reminder_weekly(org, &lead.id, &week);
        match store.get(&key).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(org = %org, person_id = lead.id, error = %e, "weekly summary not checked");
                report.failures += 1;
                continue;
            }
        }
        if open.is_none() {
            open = Some(open_concerns(store, org).await?);
        }
        // Only the worries this lead may read (a worry about them is never counted for them).
        let concerns: usize = open
            .as_ref()
            .map(|o| o.iter().filter(|r| r.may_read(lead)).count())
            .unwrap_or(0);
        let content = summary_message(setting.profile, links, &report.items, concerns, now);
        if let Err(e) = mailer.send(&content.to(lead.email.clone())).await {
            tracing::warn!(org = %org, person_id = lead.id, error = %e, "weekly summary not sent: tried again next run");
            report.failures += 1;
            continue;
        }
        report.summaries_sent += 1;
        // Recorded just after sending (see the module's comment: at least once).
        let record = to_item(
            &key,
            &WeeklySummaryRecord {
                org: org.as_str().to_string(),
                person_id: lead.id.clone(),
                week: week.clone(),
                sent_at: now,
                expires_at: (now + Duration::days(KEEP_DAYS)).timestamp(),
            },
        );
        if let Err(e) = store.put(record, Condition::Always).await {
            tracing::error!(org = %org, person_id = lead.id, error = %e,
                "weekly summary sent but not recorded: it will be sent again next run");
            report.failures += 1;
        }
    }
    tracing::info!(
        org = %org,
        people_checked = report.people_checked,
        people_inactive = report.people_inactive,
        emails_sent = report.emails_sent,
        due = report.reminded.due,
        expiring = report.reminded.expiring,
        expired = report.reminded.expired,
        new_version = report.reminded.new_version,
        summaries_sent = report.summaries_sent,
        failures = report.failures,
        "reminders run done"
    );
    Ok(report)
}

/// One item of a person's training in a stage to remind.
struct Due<'a> {
    item: &'a TrainingItem,
    stage: Stage,
    cycle: String,
}

/// Sends one person the reminders not sent before, then records them. `Some(stages)`: the email
/// went, with these items; `None`: nothing new.
async fn remind<S: Store, M: Mailer>(
    store: &S,
    mailer: &M,
    profile: &OrgProfile,
    links: &Links,
    person: &Person,
    due: &[Due<'_>],
    now: DateTime<Utc>,
) -> Result<Option<Vec<Stage>>, ReminderError> {
    let org = &person.org;
    let sent = sent_records(store, org, &person.id).await?;
    let key_of = |d: &Due| {
        let item = learning::ItemRef {
            kind: d.item.kind,
            id: d.item.id.clone(),
        }
        .key_part();
        (
            keys::reminder_sent(org, &person.id, &item, d.stage.as_str(), &d.cycle),
            item,
        )
    };
    let new: Vec<&Due> = due
        .iter()
        .filter(|d| !sent.contains(&key_of(d).0.sk))
        .collect();
    if new.is_empty() {
        return Ok(None);
    }
    let content = reminder_message(profile, links, &new);
    mailer.send(&content.to(person.email.clone())).await?;
    // Recorded at once, after sending: a failure here repeats this one email next run, never
    // loses it. Plain puts (no condition): a record is a fact, writing it twice is harmless.
    let expires = (now + Duration::days(KEEP_DAYS)).timestamp();
    let ops: Vec<TxOp> = new
        .iter()
        .map(|d| {
            let (key, item) = key_of(d);
            TxOp::Put {
                item: to_item(
                    &key,
                    &ReminderSentRecord {
                        org: org.as_str().to_string(),
                        person_id: person.id.clone(),
                        item,
                        stage: d.stage.as_str().to_string(),
                        cycle: d.cycle.clone(),
                        sent_at: now,
                        expires_at: expires,
                    },
                ),
                condition: Condition::Always,
            }
        })
        .collect();
    for chunk in ops.chunks(layout::MAX_TRANSACTION_OPS) {
        store
            .transact(chunk.to_vec())
            .await
            .map_err(ReminderError::NotRecorded)?;
    }
    Ok(Some(new.iter().map(|d| d.stage).collect()))
}

/// The sort keys of a person's reminder records (1 query per 1000).
async fn sent_records<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
) -> Result<HashSet<String>, StoreError> {
    let mut out = HashSet::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::reminders_partition(org, person_id))
                    .prefix(keys::REMINDER_SENT_PREFIX)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        out.extend(page.items.iter().filter_map(|i| {
            i.get(layout::SK)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        }));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// Open concerns per queue: counted, never read for their content.
/// The route of every open worry (who may read it; nothing of what it says).
async fn open_concerns<S: Store>(
    store: &S,
    org: &OrgId,
) -> Result<Vec<crate::routing::Route>, StoreError> {
    let mut out = Vec::new();
    for queue in Queue::ALL {
        let mut cursor = None;
        loop {
            let page = store
                .query(
                    &Query::partition(keys::worries_index(org, queue.as_str(), true))
                        .on_index(Index::Gsi1)
                        .limit(1000)
                        .after(cursor),
                )
                .await?;
            for item in &page.items {
                let w = crate::worry::Worry::from_item(item)
                    .map_err(|e| StoreError::InvalidItem(e.to_string()))?;
                out.push(w.route);
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(out)
}

/// Text from configuration or content, made safe for one line.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn url(links: &Links, path: &str) -> String {
    format!("{}{path}", links.base_url.trim_end_matches('/'))
}

fn what_to_do(d: &Due) -> String {
    let date = d.item.due.map(dates::show_date).unwrap_or_default();
    match (d.stage, d.item.kind) {
        (Stage::Due, ItemKind::Module) => "to do: read it and pass the quiz".into(),
        (Stage::Due, ItemKind::Aup) => "to do: read it and sign it".into(),
        (Stage::Expiring, _) => format!("expires on {date}: please renew it before then"),
        (Stage::Expired, _) => format!("expired on {date}: please renew it now"),
        (Stage::NewVersion, ItemKind::Module) => {
            "a new version is out: please read it and take the quiz again".into()
        }
        (Stage::NewVersion, ItemKind::Aup) => {
            "a new version is out: please read it and sign it again".into()
        }
    }
}

/// The reminder email: the items' titles and what to do, and the link. Nothing else.
fn reminder_message(profile: &OrgProfile, links: &Links, new: &[&Due]) -> Content {
    let org_name = one_line(&profile.name);
    let list: String = new
        .iter()
        .map(|d| format!("- {}: {}\n", one_line(&d.item.title), what_to_do(d)))
        .collect();
    Content {
        subject: format!("Online safety training to do for {org_name}"),
        text: format!(
            "Hello,\n\n\
             This is a reminder from {org_name}'s online safety platform. Please sign in and do:\n\n\
             {list}\n\
             Everything you need to do, with the dates, is on your training page:\n\n\
             {}\n\n\
             You get one reminder for each of these. If you have done it since, you can ignore this email.\n",
            url(links, "/me/training")
        ),
    }
}

/// The weekly summary: numbers only, no names, nothing of any concern but how many are open.
fn summary_message(
    profile: &OrgProfile,
    links: &Links,
    items: &[ItemCounts],
    open_concerns: usize,
    now: DateTime<Utc>,
) -> Content {
    let org_name = one_line(&profile.name);
    let week = week_start(now)
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_default();
    let mut lines = String::new();
    for c in items {
        lines.push_str(&format!(
            "- {} ({} people): {} not started, {} in progress, {} expiring within {} days, {} expired, {} with a new version to do\n",
            one_line(&c.title),
            c.assigned,
            c.not_started,
            c.in_progress,
            c.expiring,
            dates::EXPIRING_SOON_DAYS,
            c.expired,
            c.new_version
        ));
    }
    if lines.is_empty() {
        lines.push_str("- Nobody has any training or policy to do.\n");
    }
    Content {
        subject: format!("Weekly online safety summary for {org_name}"),
        text: format!(
            "Hello,\n\n\
             This is the weekly summary of {org_name}'s online safety training for the week beginning {week}. \
             It has numbers only: sign in to see who and what.\n\n\
             Training and policies:\n\n\
             {lines}\n\
             Open concerns routed to you: {open_concerns}\n\n\
             Completion dashboard: {}\n\
             Concerns: {}\n\n\
             Please do not forward this email.\n",
            url(links, "/compliance"),
            url(links, "/worries"),
        ),
    }
}

#[cfg(test)]
mod tests;
