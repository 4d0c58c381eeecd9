//! The handlers' inbox: the worries routed to them, newest or oldest first (by the time they
//! were sent, the order of their index), open or closed, filtered by status, kind and age, and
//! the counts for their dashboard (from the counters of [`super::counts`]). Reads only the
//! queues the reader's roles read (see [`Queue::visible_to`]), and checks each worry's own
//! exclusions (the people it is about) before it is shown or counted.

use super::{Status, Urgency, Worry, WorryError};
use crate::identity::Person;
use crate::keys;
use crate::org::OrgId;
use crate::routing::Queue;
use crate::store::{Cursor, Index, Query, Store};
use chrono::{DateTime, Duration, Utc};

/// Worries per inbox page.
pub const PAGE_SIZE: usize = 25;
/// Store pages read per queue for one inbox page at most, when filters leave few matches.
const MAX_READS_PER_QUEUE: usize = 20;

/// What the inbox shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Closed worries instead of open ones.
    pub closed: bool,
    pub status: Option<Status>,
    /// A kind id from `content/worries.toml`.
    pub kind: Option<String>,
    /// Only worries sent within this many days (at most [`MAX_DAYS`]).
    pub within_days: Option<u32>,
}

/// The longest "sent within" filter: a hundred years (anything longer means "all").
pub const MAX_DAYS: u32 = 36_500;

/// One row of the inbox: no text (the list is not where a worry is read; opening it is audited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub worry_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub status: Status,
    pub urgency: Urgency,
    pub kind: String,
    pub queue: Queue,
    pub anonymous: bool,
    pub assigned_name: Option<String>,
    /// One of many sent from one form, account or address in a short time.
    pub group_id: Option<String>,
}

impl From<Worry> for Row {
    fn from(w: Worry) -> Row {
        Row {
            worry_id: w.id,
            created_at: w.created_at,
            updated_at: w.updated_at,
            status: w.status,
            urgency: w.urgency,
            kind: w.kind,
            queue: w.route.queue,
            anonymous: matches!(w.sender, super::Sender::Anonymous),
            assigned_name: w.assigned.map(|(_, name)| name),
            group_id: w.group_id,
        }
    }
}

/// One page of the inbox.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxPage {
    pub rows: Vec<Row>,
    /// Where the next page starts (older worries, or newer ones oldest first), if there are more.
    pub next: Option<String>,
    /// Store requests made (for the figures).
    pub reads: usize,
    /// The read limit stopped the search before the oldest worry: narrow the filter.
    pub truncated: bool,
}

/// The order of the inbox: by the time a worry was sent (the one order its index keeps).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// The worries routed to `reader`, in `order`, after `cursor` (the [`InboxPage::next`] of the
/// previous page in the same order: older than it when newest first, newer when oldest first).
pub async fn list<S: Store>(
    store: &S,
    org: &OrgId,
    reader: &Person,
    filter: &Filter,
    order: Order,
    cursor: Option<&str>,
    now: DateTime<Utc>,
) -> Result<InboxPage, WorryError> {
    let oldest = match filter.within_days {
        Some(days) => crate::store::timestamp(now - Duration::days(i64::from(days.min(MAX_DAYS)))),
        None => "0".to_string(),
    };
    // `~` sorts after every timestamp; a cursor is exclusive (rows equal to it were shown), so
    // it bounds the range inclusively and its own row is skipped below.
    let (lower, upper) = match order {
        Order::NewestFirst => (oldest, cursor.unwrap_or("~").to_string()),
        Order::OldestFirst => (
            cursor.map_or(oldest.clone(), |c| oldest.clone().max(c.to_string())),
            "~".to_string(),
        ),
    };
    let mut page = InboxPage::default();
    if lower > upper {
        // A cursor outside the "sent within" range: nothing more (DynamoDB refuses such a range).
        return Ok(page);
    }
    let shown = |sk: &str| match (order, cursor) {
        (_, None) => false,
        (Order::NewestFirst, Some(c)) => sk >= c,
        (Order::OldestFirst, Some(c)) => sk <= c,
    };
    let mut candidates: Vec<(String, Row)> = Vec::new();
    for queue in Queue::visible_to(&reader.roles) {
        let mut from: Option<Cursor> = None;
        let mut matches = 0;
        let mut reads = 0;
        loop {
            let mut q = Query::partition(keys::worries_index(org, queue.as_str(), !filter.closed))
                .on_index(Index::Gsi1)
                .between(lower.clone(), upper.clone())
                .limit(PAGE_SIZE + 1)
                .after(from);
            if order == Order::NewestFirst {
                q = q.descending();
            }
            let result = store.query(&q).await?;
            page.reads += 1;
            reads += 1;
            for item in &result.items {
                let sk = item
                    .get(crate::store::layout::GSI1_SK)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                if shown(&sk) {
                    continue;
                }
                let worry = Worry::from_item(item)?;
                if !worry.visible_to(reader)
                    || filter.status.is_some_and(|s| s != worry.status)
                    || filter.kind.as_ref().is_some_and(|k| k != &worry.kind)
                {
                    continue;
                }
                matches += 1;
                candidates.push((sk, worry.into()));
            }
            match result.next {
                Some(next) if matches <= PAGE_SIZE => {
                    if reads >= MAX_READS_PER_QUEUE {
                        page.truncated = true;
                        page.next = None;
                        break;
                    }
                    from = Some(next);
                }
                Some(_) => {
                    // This queue has more beyond what was read: there is a next page.
                    page.next = Some(String::new());
                    break;
                }
                None => break,
            }
        }
    }
    match order {
        Order::NewestFirst => candidates.sort_by(|a, b| b.0.cmp(&a.0)),
        Order::OldestFirst => candidates.sort_by(|a, b| a.0.cmp(&b.0)),
    }
    if candidates.len() > PAGE_SIZE || page.next.is_some() {
        candidates.truncate(PAGE_SIZE);
        page.next = candidates.last().map(|(sk, _)| sk.clone());
    }
    page.rows = candidates.into_iter().map(|(_, row)| row).collect();
    Ok(page)
}

pub use super::counts::Counts;

/// The counts of the open worries routed to a person, from the counters kept with every change
/// of a worry ([`super::counts`]): a query or two whatever the number of open worries.
pub async fn counts<S: Store>(
    store: &S,
    org: &OrgId,
    reader: &Person,
    now: DateTime<Utc>,
    escalate_after_minutes: u32,
) -> Result<Counts, WorryError> {
    super::counts::counts(store, org, reader, now, escalate_after_minutes).await
}

/// Counts the open worries routed to a person by reading each visible queue's open list (every
/// open worry): what the counters must always equal (the tests compare them).
pub async fn recount<S: Store>(
    store: &S,
    org: &OrgId,
    reader: &Person,
    now: DateTime<Utc>,
    escalate_after_minutes: u32,
) -> Result<Counts, WorryError> {
    let mut counts = Counts::default();
    for queue in Queue::visible_to(&reader.roles) {
        let mut cursor = None;
        loop {
            let result = store
                .query(
                    &Query::partition(keys::worries_index(org, queue.as_str(), true))
                        .on_index(Index::Gsi1)
                        .after(cursor),
                )
                .await?;
            for item in &result.items {
                let w = Worry::from_item(item)?;
                if !w.visible_to(reader) {
                    continue;
                }
                counts.open += 1;
                counts.overdue += usize::from(w.is_overdue(now, escalate_after_minutes));
                counts.new += usize::from(w.status == Status::New);
                counts.urgent_open += usize::from(w.urgency == Urgency::Urgent);
                counts.assigned_to_me +=
                    usize::from(w.assigned.as_ref().is_some_and(|(id, _)| id == &reader.id));
            }
            match result.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(counts)
}
