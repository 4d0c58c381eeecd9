//! Retention review: the closed records past their period (as routing lets the viewer read
//! them), legal holds, confirming a deletion, and the tombstones. The rules (what is due, the
//! hold checked in the deleting transaction, what a deletion removes) are in
//! `safety_core::retention`.

use super::worries::time_for_people;
use super::{Outcome, SiteState, Viewer};
use chrono::{NaiveDate, Utc};
use safety_core::org::Retention;
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
    pub tombstones: Vec<TombstoneRow>,
    /// The organisation's rules in words, and where the defaults come from.
    pub rules: Vec<String>,
    pub source: String,
    /// The record a deletion is being confirmed for (`?confirm=<id>`).
    pub confirm: Option<RetentionRow>,
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
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HoldForm {
    pub worry_id: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiftForm {
    pub worry_id: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub worry_id: String,
    /// "yes" when the box naming what will be deleted was ticked.
    pub confirm: String,
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
            "Low-level concerns: kept at least until the person leaves, then {} more years. They are not listed here yet: the platform does not record when someone left.",
            p.low_level_years_after_leaving
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
            view.tombstones = r
                .tombstones
                .into_iter()
                .map(|t| TombstoneRow {
                    what: "Concern".into(),
                    reference: t.reference,
                    queue: t.queue.label().into(),
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
    (view, Outcome::Ok)
}

/// Places a hold; the page again, saying what happened (the reason kept when refused).
pub async fn hold(site: &SiteState, viewer: &Viewer, form: HoldForm) -> (RetentionView, Outcome) {
    let done = retention::place_hold(
        &site.store,
        &site.org_id,
        &viewer.person,
        form.worry_id.trim(),
        &form.reason,
        Utc::now(),
    )
    .await;
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
            let field = format!("reason-{}", form.worry_id.trim());
            view.errors = vec![(field, e.user_message())];
            view.hold_for = Some(form.worry_id.trim().to_string());
            view.typed_reason = form.reason;
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
    let done = retention::lift_hold(
        &site.store,
        &site.org_id,
        &viewer.person,
        form.worry_id.trim(),
        Utc::now(),
    )
    .await;
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
    let id = form.worry_id.trim().to_string();
    if form.confirm != "yes" {
        let (mut view, outcome) = page(
            site,
            viewer,
            &RetentionQuery {
                confirm: id.clone(),
            },
        )
        .await;
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
    let done = retention::delete_worry(
        &site.store,
        &site.org_id,
        &viewer.person,
        &id,
        &p,
        Utc::now(),
    )
    .await;
    let (mut view, outcome) = page(site, viewer, &RetentionQuery::default()).await;
    if outcome != Outcome::Ok {
        return (view, outcome);
    }
    match done {
        Ok(t) => {
            view.notice = Some(format!(
                "Deleted: the concern {} and everything recorded on it ({} items). Its tombstone is listed below.",
                t.reference, t.items_removed
            ));
            (view, Outcome::Ok)
        }
        Err(e) => {
            view.error = Some(e.user_message());
            (view, outcome_of(&e))
        }
    }
}
