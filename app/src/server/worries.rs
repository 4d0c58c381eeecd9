//! The worry use cases the pages and server functions share: sending one, its sender following
//! it up, and its handlers' inbox and case page. Thin: the rules (routing, who may see what,
//! the audit trail) live in `safety_core::worry`; this turns their results into what a page shows.

use super::compliance::sort::{Dir, Sort};
use super::{SiteState, Viewer, date_for_people};
use crate::model::{
    FollowUpOutcome, MessageView, OutOfHours, PhoneContact, SenderWorryView, TellOutcome,
    WorryFormState, WorrySent,
};
use chrono::{DateTime, Utc};
use safety_core::crypto::constant_time_eq;
use safety_core::identity::Person;
use safety_core::notify::Notification;
use safety_core::roles::Role;
use safety_core::routing::{Involves, Queue};
use safety_core::worry::case::{self, CaseAction, CaseError, Outcome, ReferralTo};
use safety_core::worry::decision::{
    Decision, ImageDeletion, ImageIncident, ParentsInformed, Threshold,
};
use safety_core::worry::inbox::{self, Counts, Filter, Order, Row};
use safety_core::worry::review;
use safety_core::worry::sender::{self, SenderProof, SenderView};
use safety_core::worry::{
    self, Limited, Sender, Status, Submission, SubmitPolicy, Urgency, WorryError, WorryInput,
};

pub use crate::model::TellForm;

/// A time for the handlers' and senders' pages: stored in UTC, shown in UK time (GMT or BST,
/// labelled).
pub fn time_for_people(t: DateTime<Utc>) -> String {
    safety_core::dates::show_date_time(t)
}

pub(crate) fn kind_label(site: &SiteState, id: &str) -> String {
    site.worry_kinds
        .iter()
        .find(|k| k.id == id)
        .map(|k| k.label.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Sends a worry from `address`, by `viewer` when signed in; the answer says what to show.
pub async fn tell(
    site: &SiteState,
    form: TellForm,
    address: &str,
    viewer: Option<&Viewer>,
) -> (TellOutcome, super::Outcome) {
    let input = WorryInput {
        text: form.text.clone(),
        urgency: form.urgency.clone(),
        about: form.about.clone(),
        involves: form.involves.clone(),
        email_replies: form.email_replies.clone(),
        kind: form.kind.clone(),
        wants_contact: form.wants_contact.clone(),
        contact_how: form.contact_how.clone(),
    };
    let now = Utc::now();
    let wants_name = form.identity.as_deref() == Some("named");
    // A named worry must come from this session's own page: its replies go to this account.
    let named = viewer.filter(|v| {
        form.csrf
            .as_deref()
            .is_some_and(|c| constant_time_eq(c.as_bytes(), v.csrf.as_bytes()))
    });
    let submitted = if wants_name && named.is_none() {
        Err(None)
    } else {
        send(
            site,
            &form,
            &input,
            address,
            named.filter(|_| wants_name),
            now,
        )
        .await
        .map_err(Some)
    };
    let status = match &submitted {
        Ok(_) => super::Outcome::Ok,
        Err(Some(WorryError::Store(_) | WorryError::Corrupt(_))) => super::Outcome::Unavailable,
        Err(_) => super::Outcome::Invalid,
    };
    let outcome = match submitted {
        Ok(sent) => {
            if !sent.repeated {
                (site.on_worry_stored)();
            }
            let named = wants_name && named.is_some();
            TellOutcome::Sent(WorrySent {
                code_withheld: sent.repeated && !named && sent.follow_up_code.is_none(),
                code: sent.follow_up_code.map(|c| c.display()),
                own_link: named.then(|| format!("/me/worries/{}", sent.worry_id)),
                sent_on: date_for_people(sent.created_at),
                repeated: sent.repeated,
                phone_instead: sent
                    .reached_nobody
                    .then(|| phone_instead(site, form.involves.as_deref())),
                out_of_hours: (sent.urgency == Urgency::Urgent).then(|| out_of_hours(site)),
            })
        }
        Err(e) => {
            let message = match &e {
                None => "You are no longer signed in, so we could not send this with your name. Nothing was sent and your message is still below: sign in again in another tab, or choose to send it without your name.".to_string(),
                Some(e) => e.user_message(),
            };
            if let Some(e) = &e
                && !e.is_input_problem()
            {
                // Never the worry's text: only what went wrong.
                tracing::warn!(error = %e, "a worry was not stored");
            }
            // A refused token gets a fresh one; otherwise keep the token so a retry stays
            // idempotent.
            let token = match e {
                Some(WorryError::Form(_)) => site.new_worry_form().token,
                _ => form.token,
            };
            TellOutcome::NotSent(WorryFormState {
                token,
                text: form.text,
                urgency: form.urgency.filter(|u| Urgency::parse(u).is_some()),
                about: form.about,
                involves: form.involves,
                email_replies: form.email_replies,
                kind: form.kind,
                wants_contact: form.wants_contact,
                contact_how: form.contact_how,
                identity: form.identity,
                error: Some(message),
            })
        }
    };
    (outcome, status)
}

/// Whom to phone when nobody could be reached online: the safeguarding contacts the profile
/// names (never the person the worry is about, from the routing table), the local authority's
/// LADO and children's services.
pub(crate) fn phone_instead(site: &SiteState, involves: Option<&str>) -> Vec<PhoneContact> {
    let org = &site.org;
    let contact = |c: &safety_core::org::Contact| PhoneContact {
        name: c.name.clone(),
        what: c.title.clone(),
        phone: c.phone.clone(),
    };
    let mut list = vec![contact(&org.dsl)];
    if org.allegations_lead.phone != org.dsl.phone {
        list.push(contact(&org.allegations_lead));
    }
    list.extend(org.chair.iter().map(contact));
    list.push(PhoneContact {
        name: org.local.authority.clone(),
        what: "Local Authority Designated Officer (LADO), for worries about an adult who works with children".into(),
        phone: org.local.lado_phone.clone(),
    });
    list.push(PhoneContact {
        name: org.local.authority.clone(),
        what: "children's services (the front door)".into(),
        phone: org.local.front_door_phone.clone(),
    });
    let about = involves
        .and_then(safety_core::routing::Involves::parse)
        .map(|i| site.who_reads(i.queue()).never)
        .unwrap_or_default();
    list.retain(|c| !c.phone.trim().is_empty() && !about.iter().any(|(name, _)| *name == c.name));
    list
}

/// What to do out of hours: the profile's sentence and services.
pub(crate) fn out_of_hours(site: &SiteState) -> OutOfHours {
    OutOfHours {
        sentence: site.org.out_of_hours.clone(),
        contacts: site
            .org
            .out_of_hours_contacts
            .iter()
            .map(|c| PhoneContact {
                name: c.name.clone(),
                what: c.description.clone(),
                phone: c.phone.clone(),
            })
            .collect(),
    }
}

/// Stores the worry. Never refused for volume: many from one address (a whole school often
/// shares one) or one account are stored and grouped by the core, one email for the group.
async fn send(
    site: &SiteState,
    form: &TellForm,
    input: &WorryInput,
    address: &str,
    named: Option<&Viewer>,
    now: DateTime<Utc>,
) -> Result<worry::Submitted, WorryError> {
    let sender = match named {
        Some(v) => Sender::Named {
            person_id: v.person.id.clone(),
            name: v.person.name.clone(),
        },
        None => Sender::Anonymous,
    };
    let submission = Submission {
        form_token: &form.token,
        input,
        sender: &sender,
        address: Some(address),
        staff_report: None,
    };
    let policy = SubmitPolicy {
        escalate_after_minutes: site.org.escalate_after_minutes,
        group_after_per_address: site.worry_limit_per_address,
    };
    worry::submit_from(
        &site.store,
        &site.org_id,
        &site.secret,
        &submission,
        &site.worry_kinds,
        &policy,
        now,
    )
    .await
}

fn sender_view(site: &SiteState, v: SenderView) -> SenderWorryView {
    // A reply means it was read: never "waiting for the team to read it" above a reply, even if
    // the core's status were ever behind.
    let status = match v.status {
        Status::New if v.messages.iter().any(|m| m.from_team) => Status::Acknowledged,
        s => s,
    };
    SenderWorryView {
        worry_id: v.worry_id,
        status: status.describe().to_string(),
        urgency: v.urgency.label().to_string(),
        kind: kind_label(site, &v.kind),
        sent_on: date_for_people(v.created_at),
        text: v.text,
        messages: v
            .messages
            .into_iter()
            .map(|m| MessageView {
                when: time_for_people(m.at),
                from_team: m.from_team,
                text: m.text,
            })
            .collect(),
        add_form_id: uuid::Uuid::new_v4().to_string(),
        add_text: String::new(),
        add_error: None,
        notice: None,
    }
}

const LOOKUP_FAILED: &str = "Sorry, we could not look that up just now. Please try again in a minute. If someone is in danger now, call 999.";

/// Looks a worry up by follow-up code, from `address`.
pub async fn follow_up(site: &SiteState, code: &str, address: &str) -> FollowUpOutcome {
    let now = Utc::now();
    let found = match lookup_allowed(site, address, now).await {
        Ok(()) => sender::read(&site.store, &site.org_id, SenderProof::Code(code), now).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(Some(view)) => FollowUpOutcome::Found(Box::new(sender_view(site, view))),
        Ok(None) => FollowUpOutcome::NotFound,
        Err(e) => lookup_failed(e),
    }
}

async fn lookup_allowed(
    site: &SiteState,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), WorryError> {
    worry::check_rate(
        &site.store,
        &site.org_id,
        &site.secret,
        Limited::FollowUpLookups,
        Limited::FollowUpLookups.policy().0,
        address,
        now,
    )
    .await
}

fn lookup_failed(e: WorryError) -> FollowUpOutcome {
    match e {
        e @ WorryError::Code(_) => FollowUpOutcome::Invalid(e.user_message()),
        e @ WorryError::RateLimited { .. } => FollowUpOutcome::Paused(e.user_message()),
        e => {
            tracing::warn!(error = %e, "a follow-up look-up failed");
            FollowUpOutcome::Unavailable(LOOKUP_FAILED.into())
        }
    }
}

/// The sender adds information to their worry: by follow-up code (`viewer` `None`) or signed in.
/// The answer is the worry again, with a notice, or with the text kept and why it was refused.
pub async fn add_information(
    site: &SiteState,
    proof: SenderProof<'_>,
    form_id: &str,
    text: &str,
    address: &str,
) -> FollowUpOutcome {
    let now = Utc::now();
    if matches!(proof, SenderProof::Code(_))
        && let Err(e) = lookup_allowed(site, address, now).await
    {
        return lookup_failed(e);
    }
    let added = sender::add_information(&site.store, &site.org_id, proof, form_id, text, now).await;
    let (notice, error) = match added {
        Ok(None) => return FollowUpOutcome::NotFound,
        Ok(Some(_)) => {
            (site.on_worry_stored)();
            (
                Some("Thank you. What you added has been sent to the safeguarding team.".into()),
                None,
            )
        }
        Err(e @ (WorryError::Code(_) | WorryError::RateLimited { .. })) => {
            return lookup_failed(e);
        }
        Err(e) => {
            if !e.is_input_problem() {
                tracing::warn!(error = %e, "information added to a worry was not stored");
            }
            let message = match e {
                WorryError::Form(_) => {
                    "We could not accept this form. What you wrote is still below: please press Send again.".into()
                }
                WorryError::Store(_) | WorryError::Corrupt(_) => {
                    "Sorry, we could not save this just now. Nothing was sent and what you wrote is still below: please try again in a minute. If someone is in danger now, call 999.".into()
                }
                e => e.user_message(),
            };
            (None, Some(message))
        }
    };
    match sender::read(&site.store, &site.org_id, proof, now).await {
        Ok(Some(view)) => {
            let mut view = sender_view(site, view);
            view.notice = notice;
            if error.is_some() {
                view.add_text = text.to_string();
                view.add_form_id = form_id.to_string();
                view.add_error = error;
            }
            FollowUpOutcome::Found(Box::new(view))
        }
        Ok(None) => FollowUpOutcome::NotFound,
        Err(e) => lookup_failed(e),
    }
}

/// A signed-in sender's own worry (`None`: not theirs, or no such worry).
pub async fn own_worry(site: &SiteState, viewer: &Viewer, worry_id: &str) -> FollowUpOutcome {
    let proof = SenderProof::Person {
        person_id: &viewer.person.id,
        worry_id,
    };
    match sender::read(&site.store, &site.org_id, proof, Utc::now()).await {
        Ok(Some(view)) => FollowUpOutcome::Found(Box::new(sender_view(site, view))),
        Ok(None) => FollowUpOutcome::NotFound,
        Err(e) => lookup_failed(e),
    }
}

/// One of the signed-in person's own worries, for their list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnWorryRow {
    pub worry_id: String,
    pub sent_on: String,
    pub status: String,
    pub kind: String,
    pub replies: usize,
}

/// A signed-in person's own worries, as read for this request (or why they could not be).
#[derive(Clone, Debug)]
pub struct OwnWorries(pub Result<Vec<OwnWorryRow>, String>);

/// Why a page has nothing else to show (not found, or the store failed).
#[derive(Clone, Debug)]
pub struct PageProblem(pub String);

/// The signed-in person's own named worries (the newest 50).
pub async fn own_worries(site: &SiteState, viewer: &Viewer) -> Result<Vec<OwnWorryRow>, String> {
    match sender::own_worries(&site.store, &site.org_id, &viewer.person.id, 50).await {
        Ok(list) => Ok(list
            .into_iter()
            .map(|w| OwnWorryRow {
                sent_on: date_for_people(w.created_at),
                status: w.status.describe().to_string(),
                kind: kind_label(site, &w.kind),
                replies: w.replies,
                worry_id: w.worry_id,
            })
            .collect()),
        Err(e) => {
            tracing::warn!(error = %e, "a person's own worries could not be read");
            Err(LOOKUP_FAILED.into())
        }
    }
}

/// Whether a person receives worries at all (the inbox and its link).
pub fn handles_worries(person: &Person) -> bool {
    person.active && !Queue::visible_to(&person.roles).is_empty()
}

/// The inbox's one sortable column. The others are not sortable: the inbox pages by the
/// store's index of send times, so ordering by kind, status or anything else would mean reading
/// every open worry for each page.
pub const INBOX_SORT_COLUMNS: [&str; 1] = ["sent"];

/// The inbox's order when none (or nonsense) is asked for: newest first.
pub const INBOX_DEFAULT_SORT: Sort = Sort {
    column: "sent",
    dir: Dir::Desc,
};

/// The inbox's query string: filters, order and the page cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct InboxQuery {
    /// "closed" for closed worries.
    pub show: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub days: Option<String>,
    /// "sent" (the one sortable column), with `dir` "asc" (oldest first) or "desc".
    pub sort: Option<String>,
    pub dir: Option<String>,
    /// Newest first: the next page starts below this cursor.
    pub before: Option<String>,
    /// Oldest first: the next page starts above this cursor.
    pub after: Option<String>,
    /// After a move that took a worry out of the reader's view: the queue it went to.
    pub moved: Option<String>,
    /// After a flood group was closed: how many were closed.
    pub dismissed: Option<String>,
}

impl InboxQuery {
    fn filter(&self) -> Filter {
        Filter {
            closed: self.show.as_deref() == Some("closed"),
            status: self.status.as_deref().and_then(Status::parse),
            kind: self.kind.clone().filter(|k| !k.is_empty()),
            within_days: self
                .days
                .as_deref()
                .and_then(|d| d.parse().ok())
                .filter(|d| *d > 0),
        }
    }

    /// The order asked for: "sent" ascending or descending; anything else (an unknown column
    /// or direction) is newest first, silently.
    pub fn sort(&self) -> Sort {
        if self.dir.as_deref().and_then(Dir::parse).is_none() {
            return INBOX_DEFAULT_SORT;
        }
        Sort::parse(
            self.sort.as_deref(),
            self.dir.as_deref(),
            &INBOX_SORT_COLUMNS,
            INBOX_DEFAULT_SORT,
        )
    }

    /// The order of the worries to list.
    pub fn order(&self) -> Order {
        match self.sort().dir {
            Dir::Asc => Order::OldestFirst,
            Dir::Desc => Order::NewestFirst,
        }
    }

    /// The cursor of this order (the other order's is ignored).
    fn cursor(&self) -> Option<&str> {
        match self.order() {
            Order::NewestFirst => self.before.as_deref(),
            Order::OldestFirst => self.after.as_deref(),
        }
        .filter(|c| !c.is_empty())
    }

    /// The order kept in links and the filter form: none for the default.
    pub fn kept_sort(&self) -> Option<Sort> {
        Some(self.sort()).filter(|s| *s != INBOX_DEFAULT_SORT)
    }

    /// `/worries` with the filters, `sort` and `cursor` (a named cursor and its value).
    fn href(&self, sort: Option<Sort>, cursor: Option<(&'static str, &str)>) -> String {
        let sort = sort.map(|s| s.params());
        let mut fields: Vec<(&str, &str)> = [
            ("show", self.show.as_deref()),
            ("status", self.status.as_deref()),
            ("kind", self.kind.as_deref()),
            ("days", self.days.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
        if let Some([(s, column), (d, dir)]) = &sort {
            fields.push((s, column.as_str()));
            fields.push((d, dir.as_str()));
        }
        fields.extend(cursor);
        let query = serde_urlencoded::to_string(fields).unwrap_or_default();
        format!("/worries?{query}")
    }

    /// The address of the next page, keeping the filters and the order.
    fn next_page(&self, cursor: &str) -> String {
        let name = match self.order() {
            Order::NewestFirst => "before",
            Order::OldestFirst => "after",
        };
        self.href(self.kept_sort(), Some((name, cursor)))
    }

    /// The address of the first page in `sort`'s order, keeping the filters (a header link).
    pub fn sorted_href(&self, sort: Sort) -> String {
        self.href(Some(sort), None)
    }
}

/// One row of the inbox, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxRow {
    pub worry_id: String,
    pub sent: String,
    pub updated: String,
    pub status: String,
    pub urgent: bool,
    pub urgency: String,
    pub kind: String,
    pub queue: String,
    pub anonymous: bool,
    pub assigned: Option<String>,
    /// Urgent, and nobody acknowledged it in the organisation's time.
    pub overdue: bool,
    /// One of many sent from one form, account or address in a short time.
    pub group_id: Option<String>,
}

/// One line of the inbox: a worry, or the worries of one flood group on this page together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InboxEntry {
    One(InboxRow),
    Group {
        group_id: String,
        rows: Vec<InboxRow>,
    },
}

/// Puts the rows of each flood group together, where its first row on the page is (rows keep
/// the page's order within a group).
fn group_rows(rows: Vec<InboxRow>) -> Vec<InboxEntry> {
    let mut entries: Vec<InboxEntry> = Vec::new();
    for row in rows {
        let Some(g) = row.group_id.clone() else {
            entries.push(InboxEntry::One(row));
            continue;
        };
        let existing = entries.iter_mut().find_map(|e| match e {
            InboxEntry::Group { group_id, rows } if *group_id == g => Some(rows),
            _ => None,
        });
        match existing {
            Some(rows) => rows.push(row),
            None => entries.push(InboxEntry::Group {
                group_id: g,
                rows: vec![row],
            }),
        }
    }
    entries
}

/// A notification that has not reached anyone yet (shown so a failure is never silent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undelivered {
    /// What it is about: the worry, or the low-level concerns' log.
    pub href: String,
    pub reason: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub since: String,
}

/// What the inbox page shows.
#[derive(Clone, Debug, Default)]
pub struct InboxView {
    pub query: InboxQuery,
    pub entries: Vec<InboxEntry>,
    pub next: Option<String>,
    pub truncated: bool,
    pub counts: Counts,
    pub undelivered: Vec<Undelivered>,
    /// Concerns nobody can read (a role is vacant), said without anything of the concern.
    pub unreached: Vec<String>,
    pub kinds: Vec<(String, String)>,
    /// The session's CSRF token, for the forms that close a flood group.
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// Undelivered notifications listed on the inbox at most (the oldest first).
const UNDELIVERED_SHOWN: usize = 50;

/// Notifications older than this that are still waiting are shown as late.
const LATE_AFTER_MINUTES: i64 = 5;

/// The handler's inbox: one page of the worries routed to them, the counts, any notification
/// that is failing or late, and any concern that nobody can read.
pub async fn inbox(site: &SiteState, viewer: &Viewer, query: InboxQuery) -> InboxView {
    let now = Utc::now();
    let filter = query.filter();
    let mut view = InboxView {
        kinds: site
            .worry_kinds
            .iter()
            .map(|k| (k.id.clone(), k.label.clone()))
            .collect(),
        csrf: viewer.csrf.clone(),
        notice: inbox_notice(&query),
        ..InboxView::default()
    };
    let listed = inbox::list(
        &site.store,
        &site.org_id,
        &viewer.person,
        &filter,
        query.order(),
        query.cursor(),
        now,
    )
    .await;
    let minutes = site.org.escalate_after_minutes;
    let counts = inbox::counts(&site.store, &site.org_id, &viewer.person, now, minutes).await;
    let undelivered = safety_core::notify::undelivered(
        &site.store,
        &site.org_id,
        &viewer.person,
        UNDELIVERED_SHOWN,
        now,
    )
    .await;
    match (listed, counts, undelivered) {
        (Ok(page), Ok(counts), Ok(undelivered)) => {
            view.next = page.next.as_deref().map(|c| query.next_page(c));
            view.truncated = page.truncated;
            view.entries = group_rows(
                page.rows
                    .into_iter()
                    .map(|r| inbox_row(site, r, now, minutes))
                    .collect(),
            );
            view.counts = counts;
            for n in undelivered {
                let late = n.attempts > 0
                    || now - n.created_at > chrono::Duration::minutes(LATE_AFTER_MINUTES);
                // A low-level concern's notification reaches the inbox only when it is to this
                // person (notify::undelivered), and is late like any other.
                let concern = n.reason == safety_core::notify::Reason::LowLevelConcern;
                if !concern && n.reached_nobody() && n.to_person.is_none() {
                    view.unreached.push(unreached_message(&n));
                } else if late && (concern || n.route.may_read(&viewer.person)) {
                    view.undelivered.push(undelivered_row(n));
                }
            }
        }
        (a, b, c) => {
            let e = [
                a.err().map(|e| e.to_string()),
                b.err().map(|e| e.to_string()),
                c.err().map(|e| e.to_string()),
            ];
            tracing::warn!(errors = ?e, "the inbox could not be read");
            view.error = Some("Sorry, the inbox could not be read just now. Please reload the page in a minute. If a child is in danger now, call 999.".into());
        }
    }
    view.query = query;
    view
}

/// What the inbox says after a move out of the reader's view or a closed group.
fn inbox_notice(query: &InboxQuery) -> Option<String> {
    if let Some(q) = query.moved.as_deref().and_then(Queue::parse) {
        return Some(format!(
            "Moved to \"{}\". You can no longer read it: its new readers have been emailed.",
            q.label()
        ));
    }
    let n: usize = query.dismissed.as_deref()?.parse().ok()?;
    Some(match n {
        1 => "1 concern of the group was closed (no further action), with your reason in its chronology.".into(),
        n => format!("{n} concerns of the group were closed (no further action), each with your reason in its chronology."),
    })
}

/// "A concern sent on ... has nobody who can read it: ..." Nothing of the concern itself (the
/// reader may not be allowed to read it), and no link they could not open.
fn unreached_message(n: &Notification) -> String {
    let involves = match n.route.queue {
        Queue::Team => Involves::Nobody,
        Queue::Staff => Involves::Staff,
        Queue::Dsl => Involves::Dsl,
        Queue::Head => Involves::Head,
    };
    let gap = safety_core::routing::Gap { involves }.message();
    // "worries about the DSL would reach nobody: name an active ... first"
    let todo = gap.split_once(": ").map_or(gap, |(_, todo)| todo);
    format!(
        "A concern sent on {} ({}{}) has nobody who can read it: an administrator must {todo}. It is kept, and emailed to them as soon as someone is named.",
        time_for_people(n.created_at),
        n.route.queue.label(),
        if n.urgent { ", urgent" } else { "" },
    )
}

fn inbox_row(
    site: &SiteState,
    r: Row,
    now: DateTime<Utc>,
    escalate_after_minutes: u32,
) -> InboxRow {
    InboxRow {
        sent: time_for_people(r.created_at),
        updated: time_for_people(r.updated_at),
        status: r.status.label().to_string(),
        urgent: r.urgency == Urgency::Urgent,
        overdue: r.urgency == Urgency::Urgent
            && r.status == Status::New
            && now - r.created_at >= chrono::Duration::minutes(i64::from(escalate_after_minutes)),
        urgency: r.urgency.label().to_string(),
        kind: kind_label(site, &r.kind),
        queue: r.queue.label().to_string(),
        anonymous: r.anonymous,
        assigned: r.assigned_name,
        group_id: r.group_id,
        worry_id: r.worry_id,
    }
}

fn undelivered_row(n: Notification) -> Undelivered {
    let href = if n.reason == safety_core::notify::Reason::LowLevelConcern {
        "/low-level-concerns".to_string()
    } else {
        format!("/worries/{}", n.worry_id)
    };
    Undelivered {
        href,
        reason: n.reason.label().to_string(),
        attempts: n.attempts,
        last_error: n.last_error,
        since: time_for_people(n.created_at),
    }
}

/// Closes every open worry of a flood group the handler may read, with their reason.
pub async fn dismiss_group(
    site: &SiteState,
    viewer: &Viewer,
    group_id: &str,
    reason: &str,
) -> Result<usize, CaseError> {
    let closed = case::dismiss_group(
        &site.store,
        &site.org_id,
        &viewer.person,
        group_id,
        reason,
        Utc::now(),
    )
    .await?;
    if closed > 0 {
        (site.on_worry_stored)();
    }
    Ok(closed)
}

/// What the handler typed into one of the case page's forms (kept when refused).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ActForm {
    pub action: String,
    pub text: String,
    pub to: String,
    pub reference: String,
    pub status: String,
    pub person: String,
    pub outcome: String,
    pub form_id: String,
    pub version: String,
    /// A decision's fields (see [`decision_of`]).
    pub informed: String,
    pub level: String,
    pub viewed: String,
    pub viewed_by: String,
    pub devices: String,
    pub deletion: String,
    pub police: String,
    pub police_reason: String,
    /// A review date, as typed.
    pub due: String,
}

/// One chronology or audit line, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub text: String,
    /// A decision's own fields, labelled.
    pub details: Vec<(String, String)>,
}

/// What the case page shows.
#[derive(Clone, Debug)]
pub struct CaseView {
    pub worry_id: String,
    pub text: String,
    pub sent: String,
    pub status: Status,
    pub urgent: bool,
    pub urgency: String,
    pub about: String,
    /// Whether an adult here is involved, and who, as the sender said.
    pub involves: String,
    pub kind: String,
    pub queue: String,
    /// The queues the handler may move it to.
    pub move_to: Vec<MoveChoice>,
    pub sender: String,
    pub named: bool,
    pub wants_contact: bool,
    pub contact_how: String,
    pub assigned: Option<String>,
    /// The next review: when, and what is to be reviewed.
    pub review: Option<(String, String)>,
    pub version: u64,
    pub chronology: Vec<CaseLine>,
    pub audit: Vec<CaseLine>,
    /// (id, name) of the people it could be assigned to.
    pub assignable: Vec<(String, String)>,
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The form that was refused, as typed.
    pub typed: ActForm,
    /// Sent with the staff concern form: its fields, the child's words exactly.
    pub staff_report: Option<super::concerns::ReportLines>,
}

/// Opens a worry for its handler (audited). `Err` when not found or not theirs.
pub async fn open_case(
    site: &SiteState,
    viewer: &Viewer,
    worry_id: &str,
) -> Result<CaseView, CaseError> {
    let case = case::open(
        &site.store,
        &site.org_id,
        &viewer.person,
        worry_id,
        Utc::now(),
    )
    .await?;
    let people = case::assignable_people(&site.store, &site.org_id, &case.worry.route).await?;
    let w = case.worry;
    let line = |when: DateTime<Utc>, who: &str, what: String, text: String| CaseLine {
        when: time_for_people(when),
        who: who.to_string(),
        what,
        text,
        details: Vec::new(),
    };
    Ok(CaseView {
        text: w.text,
        sent: time_for_people(w.created_at),
        status: w.status,
        urgent: w.urgency == Urgency::Urgent,
        urgency: w.urgency.label().to_string(),
        about: w.about.label().to_string(),
        involves: w.involves.label().to_string(),
        kind: kind_label(site, &w.kind),
        queue: w.route.queue.label().to_string(),
        move_to: move_choices(&viewer.person, w.route.queue),
        named: matches!(w.sender, Sender::Named { .. }),
        sender: match w.sender {
            Sender::Anonymous => {
                "Anonymous (replies reach them through their follow-up code)".into()
            }
            Sender::Named { name, .. } => {
                format!("{name} (signed in; replies reach their account)")
            }
        },
        wants_contact: w.wants_contact,
        contact_how: w.contact_how,
        assigned: w.assigned.map(|(_, name)| name),
        review: w.review.map(|r| (review::show(r.due), r.what)),
        version: w.version,
        chronology: case
            .events
            .into_iter()
            .map(|e| CaseLine {
                details: e
                    .kind
                    .details()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                ..line(e.at, &e.by_name, e.kind.describe(), e.text)
            })
            .collect(),
        audit: case
            .audit
            .into_iter()
            .map(|a| line(a.at, &a.by_name, a.what, String::new()))
            .collect(),
        assignable: people.into_iter().map(|p| (p.id, p.name)).collect(),
        csrf: viewer.csrf.clone(),
        notice: None,
        error: None,
        typed: ActForm::default(),
        staff_report: w.staff_report.as_ref().map(super::concerns::report_lines),
        worry_id: w.id,
    })
}

/// A queue a worry may be moved to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveChoice {
    pub queue: Queue,
    /// More restricted than where it is now.
    pub stricter: bool,
}

/// The queues a handler may move a worry on to: every stricter one; the less strict ones too
/// for the chair and the allegations lead (the core decides again when it is sent).
fn move_choices(person: &Person, from: Queue) -> Vec<MoveChoice> {
    let may_relax = person
        .roles
        .iter()
        .any(|r| matches!(r, Role::Chair | Role::AllegationsLead));
    Queue::ALL
        .into_iter()
        .filter(|q| *q > from || (*q < from && may_relax))
        .map(|queue| MoveChoice {
            queue,
            stricter: queue > from,
        })
        .collect()
}

/// Turns a posted case form into the action it asks for.
async fn action_of(
    site: &SiteState,
    person: &Person,
    worry_id: &str,
    form: &ActForm,
) -> Result<CaseAction, CaseError> {
    let refused = |why: &str| CaseError::Refused(why.to_string());
    Ok(match form.action.as_str() {
        "acknowledge" => CaseAction::Acknowledge,
        "note" => CaseAction::Note(form.text.clone()),
        "action" => CaseAction::ActionTaken(form.text.clone()),
        "reply" => CaseAction::Reply(form.text.clone()),
        "referral" => CaseAction::Referral {
            to: ReferralTo::parse(&form.to)
                .ok_or_else(|| refused("Please choose who the referral was made to."))?,
            reference: form.reference.clone(),
            detail: form.text.clone(),
        },
        "status" => CaseAction::SetStatus(
            Status::parse(&form.status).ok_or_else(|| refused("Please choose a status."))?,
        ),
        "move" => CaseAction::Move {
            to: Queue::parse(&form.to).ok_or_else(|| refused("Please choose where to move it."))?,
            reason: form.text.clone(),
        },
        "close" => CaseAction::Close {
            outcome: Outcome::parse(&form.outcome)
                .ok_or_else(|| refused("Please choose an outcome before closing it."))?,
            detail: form.text.clone(),
        },
        "parents" | "threshold" | "image" => CaseAction::Decide {
            decision: decision_of(form)?,
            reason: form.text.clone(),
        },
        "review" => CaseAction::SetReview {
            due: review::parse_date(&form.due).ok_or_else(|| {
                refused("Enter the review date as a date, for example 12/3/2027.")
            })?,
            what: form.text.clone(),
        },
        "review_done" => CaseAction::ReviewDone(form.text.clone()),
        "reassign" => {
            // Only someone the worry is routed to: read from the store, never from the form.
            let Some(route) = case::route_for(&site.store, &site.org_id, person, worry_id).await?
            else {
                return Err(CaseError::NotFound);
            };
            let people = case::assignable_people(&site.store, &site.org_id, &route).await?;
            let person = people
                .into_iter()
                .find(|p| p.id == form.person)
                .ok_or_else(|| refused("Please choose someone this concern is routed to."))?;
            CaseAction::Reassign(person)
        }
        _ => {
            return Err(refused(
                "This form could not be read. Please reload the page and try again.",
            ));
        }
    })
}

/// The decision a decision form asks to record (its reason is the form's text).
fn decision_of(form: &ActForm) -> Result<Decision, CaseError> {
    let refused = |why: &str| CaseError::Refused(why.to_string());
    let yes_no = |v: &str, why: &str| match v {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(refused(why)),
    };
    Ok(match form.action.as_str() {
        "parents" => Decision::Parents {
            informed: ParentsInformed::parse(&form.informed)
                .ok_or_else(|| refused("Please choose whether the parents or carers were told."))?,
        },
        "threshold" => Decision::Threshold {
            level: Threshold::parse(&form.level)
                .ok_or_else(|| refused("Please choose the threshold the concern meets."))?,
        },
        _ => Decision::ImageIncident(ImageIncident {
            viewed: yes_no(&form.viewed, "Please say whether anyone viewed the image.")?,
            viewed_by: form.viewed_by.clone(),
            devices: form.devices.clone(),
            deletion: ImageDeletion::parse(&form.deletion)
                .ok_or_else(|| refused("Please choose what happened to the image."))?,
            police: yes_no(
                &form.police,
                "Please say whether it was referred to the police.",
            )?,
            police_reason: form.police_reason.clone(),
        }),
    })
}

/// What a handler's action leads to.
#[derive(Clone, Debug)]
pub enum ActOutcome {
    /// The case again, with what happened; `true` when the action was refused.
    Shown(Box<CaseView>, bool),
    /// It was moved where the handler can no longer read it: go to this address (the inbox,
    /// saying so).
    Left(String),
}

/// Applies a handler's action and shows the case again, with what happened. `Err` only when the
/// worry is not found (or not theirs): the page answers 404.
pub async fn act(
    site: &SiteState,
    viewer: &Viewer,
    worry_id: &str,
    form: ActForm,
) -> Result<ActOutcome, CaseError> {
    let version = form.version.parse::<u64>().unwrap_or(0);
    let result = match action_of(site, &viewer.person, worry_id, &form).await {
        Ok(action) => {
            case::act(
                &site.store,
                &site.org_id,
                &viewer.person,
                worry_id,
                &form.form_id,
                version,
                action,
                Utc::now(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    let (notice, error) = match result {
        Ok(acted) => {
            if !acted.repeated {
                (site.on_worry_stored)();
            }
            if form.action == "move"
                && case::route_for(&site.store, &site.org_id, &viewer.person, worry_id)
                    .await?
                    .is_none()
            {
                // Now about them (or in a queue they do not read): opening it again would be
                // refused, so it is not tried.
                let to = Queue::parse(&form.to).map_or("", Queue::as_str);
                return Ok(ActOutcome::Left(format!("/worries?moved={to}")));
            }
            (Some(acted.notice), None)
        }
        Err(CaseError::NotFound) => return Err(CaseError::NotFound),
        Err(e) => {
            if matches!(e, CaseError::Store(_) | CaseError::Corrupt(_)) {
                tracing::warn!(error = %e, worry_id, "a worry action was not saved");
            }
            (None, Some(e.user_message()))
        }
    };
    let mut view = open_case(site, viewer, worry_id).await?;
    let refused = error.is_some();
    view.notice = notice;
    view.error = error;
    if refused {
        view.typed = form;
    }
    Ok(ActOutcome::Shown(Box::new(view), refused))
}

/// How a follow-up page ended (the sender's look-up, or what they added).
pub fn outcome_of_follow_up(outcome: &FollowUpOutcome) -> super::Outcome {
    use super::Outcome as O;
    match outcome {
        FollowUpOutcome::Found(f) if f.add_error.is_some() => O::Invalid,
        FollowUpOutcome::Found(_) => O::Ok,
        FollowUpOutcome::NotFound => O::NotFound,
        FollowUpOutcome::Invalid(_) => O::Invalid,
        FollowUpOutcome::Paused(_) => O::TooMany,
        FollowUpOutcome::Unavailable(_) => O::Unavailable,
    }
}

/// How opening or acting on a case ended when it failed; failures of the store are logged.
pub fn outcome_of_case(e: &CaseError) -> super::Outcome {
    match e {
        CaseError::NotFound => super::Outcome::NotFound,
        CaseError::Store(_) | CaseError::Corrupt(_) => {
            tracing::warn!(error = %e, "a worry could not be opened or changed");
            super::Outcome::Unavailable
        }
        _ => super::Outcome::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::{InboxEntry, InboxQuery, InboxRow, group_rows, unreached_message};
    use chrono::TimeZone;
    use safety_core::notify::{Notification, Reason};
    use safety_core::routing::{Queue, Route};

    fn row(id: &str, group: Option<&str>) -> InboxRow {
        InboxRow {
            worry_id: id.into(),
            sent: String::new(),
            updated: String::new(),
            status: "New".into(),
            urgent: false,
            urgency: String::new(),
            kind: String::new(),
            queue: String::new(),
            anonymous: true,
            assigned: None,
            overdue: false,
            group_id: group.map(str::to_string),
        }
    }

    /// The rows of a flood group are shown together where its newest is, in their order.
    #[test]
    fn a_groups_rows_are_shown_together_where_its_newest_row_is() {
        let entries = group_rows(vec![
            row("a", Some("g")),
            row("b", None),
            row("c", Some("g")),
            row("d", Some("h")),
        ]);
        let ids = |rows: &[InboxRow]| rows.iter().map(|r| r.worry_id.clone()).collect::<Vec<_>>();
        match entries.as_slice() {
            [
                InboxEntry::Group {
                    group_id: g,
                    rows: first,
                },
                InboxEntry::One(b),
                InboxEntry::Group {
                    group_id: h,
                    rows: second,
                },
            ] => {
                assert_eq!(
                    (g.as_str(), ids(first)),
                    ("g", vec!["a".into(), "c".into()])
                );
                assert_eq!(b.worry_id, "b");
                assert_eq!((h.as_str(), ids(second)), ("h", vec!["d".into()]));
            }
            other => panic!("{other:#?}"),
        }
    }

    /// A concern nobody can read is announced by when, where and what to do: nothing of the
    /// concern, and no link.
    #[test]
    fn a_concern_nobody_can_read_is_announced_without_its_content() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 5, 9, 30, 0).unwrap();
        let n = Notification {
            id: "n1".into(),
            worry_id: "0190f5c2-1111-7000-8000-000000000000".into(),
            route: Route::plain(Queue::Dsl),
            summary: None,
            readers: None,
            reason: Reason::NewWorry,
            urgent: true,
            to_person: None,
            sent_to: Vec::new(),
            attempts: 1,
            last_error: Some("nobody who may read it holds the roles it is routed to".into()),
            created_at: at,
            next_attempt_at: at,
            delivered: false,
            version: 2,
        };
        assert!(n.reached_nobody());
        let message = unreached_message(&n);
        assert!(
            message.starts_with(
                "A concern sent on 5 December 2026, 09:30 GMT (About the DSL, urgent) has nobody who can read it: an administrator must name an active allegations lead who is not the DSL, or a chair, first."
            ),
            "{message}"
        );
        assert!(!message.contains(&n.worry_id), "{message}");
    }

    /// The next page keeps the filters and carries the cursor, each value encoded so that it
    /// reads back as it was.
    #[test]
    fn the_next_page_keeps_the_filters_and_encodes_the_cursor() {
        let query = InboxQuery {
            show: None,
            status: Some("open".into()),
            kind: Some("online & offline".into()),
            days: Some(String::new()),
            before: Some("old-cursor".into()),
            moved: Some("dsl".into()),
            ..InboxQuery::default()
        };
        let next = query.next_page("2026-11-23T10:00:00Z#a/b+c=");
        let (path, q) = next.split_once('?').unwrap();
        assert_eq!(path, "/worries");
        let back: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap();
        assert_eq!(
            back,
            vec![
                ("status".to_string(), "open".to_string()),
                ("kind".to_string(), "online & offline".to_string()),
                (
                    "before".to_string(),
                    "2026-11-23T10:00:00Z#a/b+c=".to_string()
                ),
            ]
        );
        assert!(!q.contains('#') && !q.contains(' '), "{q}");
    }

    /// Oldest first is "sent" ascending; anything else is newest first, silently. The next page
    /// keeps the order and the filters, with the cursor of its order.
    #[test]
    fn the_order_is_sent_either_way_and_the_next_page_keeps_it() {
        use safety_core::worry::inbox::Order;
        let ask = |sort: Option<&str>, dir: Option<&str>| InboxQuery {
            sort: sort.map(str::to_string),
            dir: dir.map(str::to_string),
            ..InboxQuery::default()
        };
        assert_eq!(ask(None, None).order(), Order::NewestFirst);
        assert_eq!(ask(Some("sent"), Some("asc")).order(), Order::OldestFirst);
        assert_eq!(ask(Some("sent"), Some("desc")).order(), Order::NewestFirst);
        for (sort, dir) in [
            (Some("x"), Some("y")),
            (Some("sent"), Some("sideways")),
            (Some("sent"), None),
            (Some("kind"), Some("asc")),
            (None, Some("asc")),
        ] {
            let q = ask(sort, dir);
            assert_eq!(q.order(), Order::NewestFirst, "{sort:?} {dir:?}");
            assert_eq!(q.kept_sort(), None, "{sort:?} {dir:?}");
        }
        let oldest = InboxQuery {
            kind: Some("scams".into()),
            days: Some("30".into()),
            before: Some("ignored".into()),
            after: Some("2026-11-01T00:00:00Z#a".into()),
            ..ask(Some("sent"), Some("asc"))
        };
        assert_eq!(oldest.cursor(), Some("2026-11-01T00:00:00Z#a"));
        let next = oldest.next_page("2026-11-23T10:00:00Z#b");
        let back: Vec<(String, String)> =
            serde_urlencoded::from_str(next.split_once('?').unwrap().1).unwrap();
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            back,
            pairs(&[
                ("kind", "scams"),
                ("days", "30"),
                ("sort", "sent"),
                ("dir", "asc"),
                ("after", "2026-11-23T10:00:00Z#b"),
            ])
        );
        // The header link asks for the other order, from the first page, filters kept.
        let link = oldest.sorted_href(oldest.sort().link("sent"));
        assert_eq!(link, "/worries?kind=scams&days=30&sort=sent&dir=desc");
        let newest = ask(None, None);
        assert_eq!(
            newest.sorted_href(newest.sort().link("sent")),
            "/worries?sort=sent&dir=asc"
        );
    }
}
