//! Retention review: the closed records past their period (as routing lets the viewer read
//! them), legal holds, confirming a deletion, and the tombstones. The rules (what is due, the
//! hold checked in the deleting transaction, what a deletion removes) are in
//! `safety_core::retention`.

use super::worries::time_for_people;
use super::{Outcome, SiteState, Viewer};
use chrono::{NaiveDate, Utc};
use safety_core::org::Retention;
use safety_core::retention::low_level::{self, ConcernCandidate, Leaving};
use safety_core::retention::records::{self as file_retention, RecordCandidate};
use safety_core::retention::{self, Candidate, RetentionError};
use serde::Deserialize;

/// One record, as the review lists it (no content: when it was sent, where it was routed, the
/// rule and the date).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionRow {
    pub worry_id: String,
    pub sent: String,
    pub queue: String,
    pub rule: String,
    /// "1 March 2030", or why there is no date.
    pub due: String,
    /// (reason, who, when)
    pub hold: Option<(String, String, String)>,
}

/// One low-level concern, as the review lists it to its readers: who it is about, when it was
/// recorded, when they left and when it falls due; never what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcernRow {
    pub concern_id: String,
    pub about: String,
    pub recorded: String,
    /// "Still works here", "31 July 2024 (account deactivated)", "Not known".
    pub left: String,
    /// "31 July 2024", or why there is no date.
    pub due: String,
    /// Past its period and not held: it may be deleted.
    pub is_due: bool,
    /// The date they left can be recorded here (not known from an account).
    pub may_record_left: bool,
    /// (reason, who, when)
    pub hold: Option<(String, String, String)>,
}

/// One person record, as the review lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRow {
    pub record_id: String,
    pub name: String,
    pub born: String,
    pub due: String,
    /// (reason, who, when)
    pub hold: Option<(String, String, String)>,
}

/// The person records part of the page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordsView {
    pub due: Vec<RecordRow>,
    pub held: Vec<RecordRow>,
    pub kept_while_linked: usize,
    pub without_date_of_birth: usize,
}

fn record_row(c: RecordCandidate) -> RecordRow {
    RecordRow {
        record_id: c.record_id,
        name: c.name,
        born: c.date_of_birth.map_or("Not recorded".into(), show_day),
        due: c
            .due_on
            .map_or("Never, without a date of birth".into(), show_day),
        hold: c.hold.map(|h| (h.reason, h.by_name, time_for_people(h.at))),
    }
}

/// One tombstone, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TombstoneRow {
    pub what: String,
    pub reference: String,
    pub queue: String,
    pub rule: String,
    pub due: String,
    pub deleted: String,
    pub confirmed_by: String,
    pub items: u64,
}

/// The retention page (`/retention`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionView {
    pub due: Vec<RetentionRow>,
    pub needs_dob: Vec<RetentionRow>,
    pub not_yet: Vec<RetentionRow>,
    pub held: Vec<RetentionRow>,
    /// The low-level concerns about staff the viewer reads.
    pub low_level: Vec<ConcernRow>,
    /// Person records, for those who review them (the DSL): `None` for others.
    pub records: Option<RecordsView>,
    pub tombstones: Vec<TombstoneRow>,
    /// The organisation's rules in words, and where the defaults come from.
    pub rules: Vec<String>,
    pub source: String,
    /// The record a deletion is being confirmed for (`?confirm=<id>`).
    pub confirm: Option<RetentionRow>,
    /// The low-level concern a deletion is being confirmed for (`?confirm_concern=<id>`).
    pub confirm_concern: Option<ConcernRow>,
    /// The person record a deletion is being confirmed for (`?confirm_record=<id>`).
    pub confirm_record: Option<RecordRow>,
    /// The leaving-date form sent with a problem: the concern and what was typed.
    pub left_for: Option<String>,
    pub typed_left_on: String,
    /// The hold form sent with a problem: the record and what was typed.
    pub hold_for: Option<String>,
    pub typed_reason: String,
    /// (field id, message) for the error summary.
    pub errors: Vec<(String, String)>,
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetentionQuery {
    pub confirm: String,
    pub confirm_concern: String,
    pub confirm_record: String,
}

/// The hold, lift and delete forms name a worry (`worry_id`), a low-level concern
/// (`concern_id`) or a person record (`record_id`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HoldForm {
    pub worry_id: String,
    pub concern_id: String,
    pub record_id: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiftForm {
    pub worry_id: String,
    pub concern_id: String,
    pub record_id: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub worry_id: String,
    pub concern_id: String,
    pub record_id: String,
    /// "yes" when the box naming what will be deleted was ticked.
    pub confirm: String,
}

/// The date someone a low-level concern is about left (`YYYY-MM-DD`, a date input).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LeftForm {
    pub concern_id: String,
    pub left_on: String,
}

/// How a refusal ends.
pub fn outcome_of(e: &RetentionError) -> Outcome {
    match e {
        RetentionError::NotFound => Outcome::NotFound,
        RetentionError::Refused(_) => Outcome::Conflict,
        RetentionError::Invalid(_) => Outcome::Invalid,
        RetentionError::Store(_) | RetentionError::Corrupt(_) => {
            tracing::warn!(error = %e, "retention could not be read or changed");
            Outcome::Unavailable
        }
    }
}

fn show_day(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn row(c: Candidate, p: &Retention) -> RetentionRow {
    RetentionRow {
        due: match c.due_on {
            Some(d) => show_day(d),
            None => "Never, until a date of birth is on a linked person record".into(),
        },
        worry_id: c.worry_id,
        sent: time_for_people(c.sent_at),
        queue: c.queue.label().into(),
        rule: c.rule.describe(p),
        hold: c.hold.map(|h| (h.reason, h.by_name, time_for_people(h.at))),
    }
}

fn concern_row(c: ConcernCandidate, today: NaiveDate) -> ConcernRow {
    let is_due = c.is_due(today);
    let (left, may_record_left) = match c.leaving {
        Leaving::StillHere => ("Still works here".to_string(), false),
        Leaving::Deactivated(d) => (format!("{} (account deactivated)", show_day(d)), false),
        Leaving::Recorded(d) => (format!("{} (recorded here)", show_day(d)), true),
        Leaving::Unknown => ("Not known".to_string(), true),
    };
    ConcernRow {
        due: match (c.due_on, c.leaving) {
            (Some(d), _) => show_day(d),
            (None, Leaving::StillHere) => "Not while they work here".into(),
            (None, _) => "Never, until the date they left is recorded".into(),
        },
        concern_id: c.concern_id,
        about: c.about_name,
        recorded: time_for_people(c.recorded_at),
        left,
        is_due,
        may_record_left,
        hold: c.hold.map(|h| (h.reason, h.by_name, time_for_people(h.at))),
    }
}

/// The organisation's rules in words.
pub fn rules_of(p: &Retention) -> Vec<String> {
    vec![
        format!(
            "{}. A concern in the safeguarding team's queue is a child protection record; the date of birth comes from a person record linked to it (the latest, when several are). Without one it is never deleted: it is listed as needing a date of birth.",
            retention::Rule::ChildProtection.describe(p)
        ),
        format!(
            "{}. A concern about a member of staff, the DSL or the head is an allegation record. The platform does not know anyone's retirement date: it uses the age above with the date of birth on a linked person record, and without one it is never deleted (the later date could be the retirement one).",
            retention::Rule::Allegation.describe(p)
        ),
        format!(
            "{}. The date they left is the day their account was deactivated (reactivating it means they are here again). For someone not on the platform, or whose account was deactivated before the platform kept that date, record the date they left: until then the concern is never deleted.",
            retention::Rule::LowLevelConcern.describe(p)
        ),
        format!(
            "Person records: {}. A record is kept while any concern is linked to it; without a date of birth it is never deleted. Deleting one removes it with its own chronology, audit trail, the records merged into it and the concerns it received by transfer.",
            retention::Rule::ChildProtection.describe(p).to_lowercase()
        ),
        "An open concern is never deleted. A concern under a legal hold is never listed as due and never deleted until the hold is lifted.".into(),
    ]
}

/// The review page: what the viewer may read, with a confirmation when `confirm` names a record.
pub async fn page(
    site: &SiteState,
    viewer: &Viewer,
    query: &RetentionQuery,
) -> (RetentionView, Outcome) {
    let p = site.org.retention;
    let mut view = RetentionView {
        rules: rules_of(&p),
        source: Retention::SOURCE.into(),
        csrf: viewer.csrf.clone(),
        ..RetentionView::default()
    };
    let today = safety_core::dates::to_london(Utc::now()).date_naive();
    match retention::review(&site.store, &site.org_id, &viewer.person, &p, today).await {
        Ok(r) => {
            view.due = r.due.into_iter().map(|c| row(c, &p)).collect();
            view.needs_dob = r.needs_dob.into_iter().map(|c| row(c, &p)).collect();
            view.not_yet = r.not_yet.into_iter().map(|c| row(c, &p)).collect();
            view.held = r.held.into_iter().map(|c| row(c, &p)).collect();
            view.low_level = r
                .low_level
                .into_iter()
                .map(|c| concern_row(c, today))
                .collect();
            view.records =
                file_retention::may_review_records(&viewer.person).then(|| RecordsView {
                    due: r.records.due.into_iter().map(record_row).collect(),
                    held: r.records.held.into_iter().map(record_row).collect(),
                    kept_while_linked: r.records.kept_while_linked,
                    without_date_of_birth: r.records.without_date_of_birth,
                });
            view.tombstones = r
                .tombstones
                .into_iter()
                .map(|t| TombstoneRow {
                    what: match t.kind.as_str() {
                        "person_record" => "Person record",
                        "low_level_concern" => "Low-level concern",
                        _ => "Concern",
                    }
                    .into(),
                    reference: t.reference,
                    queue: match t.queue {
                        Some(q) => q.label(),
                        None => "Low-level concerns log",
                    }
                    .into(),
                    rule: t.rule.describe(&p),
                    due: show_day(t.due_on),
                    deleted: time_for_people(t.deleted_at),
                    confirmed_by: t.confirmed_by_name,
                    items: t.items_removed,
                })
                .collect();
        }
        Err(e) => {
            view.error = Some(e.user_message());
            let outcome = outcome_of(&e);
            return (view, outcome);
        }
    }
    let confirm = query.confirm.trim();
    if !confirm.is_empty() {
        // Only a record listed as due to this viewer can be confirmed.
        match view.due.iter().find(|r| r.worry_id == confirm) {
            Some(r) => view.confirm = Some(r.clone()),
            None => {
                view.error = Some(
                    "That record is not due for deletion (it may be held, open, not yet due, or already deleted).".into(),
                );
                return (view, Outcome::NotFound);
            }
        }
    }
    let confirm = query.confirm_concern.trim();
    if !confirm.is_empty() {
        match view
            .low_level
            .iter()
            .find(|r| r.concern_id == confirm && r.is_due)
        {
            Some(r) => view.confirm_concern = Some(r.clone()),
            None => {
                view.error = Some(
                    "That low-level concern is not due for deletion (it may be held, about someone still here, not yet due, or already deleted).".into(),
                );
                return (view, Outcome::NotFound);
            }
        }
    }
    let confirm = query.confirm_record.trim();
    if !confirm.is_empty() {
        match view
            .records
            .as_ref()
            .and_then(|r| r.due.iter().find(|r| r.record_id == confirm))
        {
            Some(r) => view.confirm_record = Some(r.clone()),
            None => {
                view.error = Some(
                    "That person record is not due for deletion (it may be held, have concerns linked, not yet be due, or be deleted already).".into(),
                );
                return (view, Outcome::NotFound);
            }
        }
    }
    (view, Outcome::Ok)
}

/// What a hold, lift or delete form names: a worry (`worry_id`), a low-level concern
/// (`concern_id`) or a person record (`record_id`).
enum Target {
    Worry(String),
    Concern(String),
    Record(String),
}

impl Target {
    fn of(worry_id: &str, concern_id: &str, record_id: &str) -> Target {
        match (concern_id.trim(), record_id.trim()) {
            ("", "") => Target::Worry(worry_id.trim().into()),
            ("", r) => Target::Record(r.into()),
            (c, _) => Target::Concern(c.into()),
        }
    }

    fn id(&self) -> &str {
        match self {
            Target::Worry(id) | Target::Concern(id) | Target::Record(id) => id,
        }
    }
}

/// Places a hold; the page again, saying what happened (the reason kept when refused).
pub async fn hold(site: &SiteState, viewer: &Viewer, form: HoldForm) -> (RetentionView, Outcome) {
    let target = Target::of(&form.worry_id, &form.concern_id, &form.record_id);
    let (store, org, by, now) = (&site.store, &site.org_id, &viewer.person, Utc::now());
    let done = match &target {
        Target::Worry(id) => retention::place_hold(store, org, by, id, &form.reason, now).await,
        Target::Concern(id) => low_level::place_hold(store, org, by, id, &form.reason, now).await,
        Target::Record(id) => {
            file_retention::place_hold(store, org, by, id, &form.reason, now).await
        }
    };
    let (mut view, outcome) = page(site, viewer, &RetentionQuery::default()).await;
    if outcome != Outcome::Ok {
        return (view, outcome);
    }
    match done {
        Ok(()) => {
            view.notice = Some(
                "Legal hold placed: the record will not be deleted until the hold is lifted."
                    .into(),
            );
            (view, Outcome::Ok)
        }
        Err(e @ RetentionError::Invalid(_)) => {
            let id = target.id();
            view.errors = vec![(format!("reason-{id}"), e.user_message())];
            view.hold_for = Some(id.to_string());
            view.typed_reason = form.reason.clone();
            (view, Outcome::Invalid)
        }
        Err(e) => {
            view.error = Some(e.user_message());
            (view, outcome_of(&e))
        }
    }
}

/// Lifts a hold; the page again.
pub async fn lift(site: &SiteState, viewer: &Viewer, form: LiftForm) -> (RetentionView, Outcome) {
    let (store, org, by, now) = (&site.store, &site.org_id, &viewer.person, Utc::now());
    let done = match Target::of(&form.worry_id, &form.concern_id, &form.record_id) {
        Target::Worry(id) => retention::lift_hold(store, org, by, &id, now).await,
        Target::Concern(id) => low_level::lift_hold(store, org, by, &id, now).await,
        Target::Record(id) => file_retention::lift_hold(store, org, by, &id, now).await,
    };
    let (mut view, outcome) = page(site, viewer, &RetentionQuery::default()).await;
    if outcome != Outcome::Ok {
        return (view, outcome);
    }
    match done {
        Ok(()) => {
            view.notice = Some("Legal hold lifted.".into());
            (view, Outcome::Ok)
        }
        Err(e) => {
            view.error = Some(e.user_message());
            (view, outcome_of(&e))
        }
    }
}

/// Deletes a record once the box naming it was ticked; the page again, with the tombstone.
pub async fn delete(
    site: &SiteState,
    viewer: &Viewer,
    form: DeleteForm,
) -> (RetentionView, Outcome) {
    let target = Target::of(&form.worry_id, &form.concern_id, &form.record_id);
    if form.confirm != "yes" {
        let mut query = RetentionQuery::default();
        match &target {
            Target::Worry(id) => query.confirm = id.clone(),
            Target::Concern(id) => query.confirm_concern = id.clone(),
            Target::Record(id) => query.confirm_record = id.clone(),
        }
        let (mut view, outcome) = page(site, viewer, &query).await;
        if outcome != Outcome::Ok {
            return (view, outcome);
        }
        view.errors = vec![(
            "confirm-delete".into(),
            "Tick the box to confirm that this record is to be deleted.".into(),
        )];
        return (view, Outcome::Invalid);
    }
    let p = site.org.retention;
    let (store, org, by, now) = (&site.store, &site.org_id, &viewer.person, Utc::now());
    let done = match &target {
        Target::Worry(id) => retention::delete_worry(store, org, by, id, &p, now).await,
        Target::Concern(id) => low_level::delete_concern(store, org, by, id, &p, now).await,
        Target::Record(id) => file_retention::delete_record(store, org, by, id, &p, now).await,
    };
    let (mut view, outcome) = page(site, viewer, &RetentionQuery::default()).await;
    if outcome != Outcome::Ok {
        return (view, outcome);
    }
    match (done, &target) {
        (Ok(t), Target::Concern(_)) => {
            view.notice = Some(format!(
                "Deleted: the low-level concern {}. Its tombstone is listed below.",
                t.reference
            ));
            (view, Outcome::Ok)
        }
        (Ok(t), Target::Record(_)) => {
            view.notice = Some(format!(
                "Deleted: the person record {} and everything in it ({} items). Its tombstone is listed below.",
                t.reference, t.items_removed
            ));
            (view, Outcome::Ok)
        }
        (Ok(t), Target::Worry(_)) => {
            view.notice = Some(format!(
                "Deleted: the concern {} and everything recorded on it ({} items). Its tombstone is listed below.",
                t.reference, t.items_removed
            ));
            (view, Outcome::Ok)
        }
        (Err(e), _) => {
            view.error = Some(e.user_message());
            (view, outcome_of(&e))
        }
    }
}

/// Records the date someone a low-level concern is about left; the page again (what was typed
/// kept when refused).
pub async fn left(site: &SiteState, viewer: &Viewer, form: LeftForm) -> (RetentionView, Outcome) {
    let id = form.concern_id.trim().to_string();
    let done = low_level::record_left_on(
        &site.store,
        &site.org_id,
        &viewer.person,
        &id,
        &form.left_on,
        Utc::now(),
    )
    .await;
    let (mut view, outcome) = page(site, viewer, &RetentionQuery::default()).await;
    if outcome != Outcome::Ok {
        return (view, outcome);
    }
    match done {
        Ok(on) => {
            view.notice = Some(format!(
                "Recorded: they left on {}. The concern's date for deletion follows from it.",
                show_day(on)
            ));
            (view, Outcome::Ok)
        }
        Err(e @ RetentionError::Invalid(_)) => {
            view.errors = vec![(format!("left-{id}"), e.user_message())];
            view.left_for = Some(id);
            view.typed_left_on = form.left_on;
            (view, Outcome::Invalid)
        }
        Err(e) => {
            view.error = Some(e.user_message());
            (view, outcome_of(&e))
        }
    }
}
