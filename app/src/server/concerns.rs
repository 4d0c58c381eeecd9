//! Staff concerns: the staff concern form ("logging a concern", a worry signed by the member of
//! staff, routed like the learner's) and the low-level concerns log. Thin: the rules live in
//! `safety_core::worry::staff_report` and `safety_core::concerns`; this turns their results into
//! what a page shows.

use super::{SiteState, Viewer, date_for_people};
use crate::model::{KindChoice, PhoneContact, WorrySent};
use chrono::Utc;
use safety_core::crypto::constant_time_eq;
use safety_core::worry::code::FormToken;
use safety_core::worry::staff_report::{self, StaffReport, StaffReportInput};
use safety_core::worry::{self, SubmitPolicy, Urgency, WorryError};
use serde::Deserialize;

/// Whether the viewer may send the staff forms: an active member of staff (or a safeguarding
/// role, an administrator) of this organisation.
pub fn is_staff(site: &SiteState, viewer: &Viewer) -> bool {
    viewer.person.active
        && viewer.person.org == site.org_id
        && staff_report::is_staff(&viewer.person.roles)
}

/// The staff concern form as posted (JavaScript off: a plain form).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct StaffConcernForm {
    pub token: String,
    pub csrf: String,
    #[serde(flatten)]
    pub report: StaffReportInput,
}

/// A report's fields for people, in the form's order: (label, value); the child's words apart,
/// shown exactly as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLines {
    pub rows: Vec<(&'static str, String)>,
    pub child_words: String,
}

pub fn report_lines(r: &StaffReport) -> ReportLines {
    let or_none = |s: &str| {
        if s.is_empty() {
            "Not given".to_string()
        } else {
            s.to_string()
        }
    };
    ReportLines {
        rows: vec![
            ("Child", r.child_name.clone()),
            ("Group or class", or_none(&r.child_group)),
            ("When it happened", r.when()),
            ("Where", r.place.clone()),
            ("What they saw or noticed", or_none(&r.noticed)),
            ("What they did and said", r.did.clone()),
            ("Who else was present", or_none(&r.present)),
            (
                "Anyone in immediate danger",
                if r.danger { "Yes" } else { "No" }.to_string(),
            ),
        ],
        child_words: r.child_words.clone(),
    }
}

/// What the staff concern page shows: the form (fresh, or back with what was typed and why),
/// or what was sent.
#[derive(Clone, Debug)]
pub struct StaffConcernView {
    pub typed: StaffReportInput,
    pub token: String,
    pub csrf: String,
    /// (field, message), in the form's order: the GOV.UK error summary links each to its field.
    pub errors: Vec<(String, String)>,
    /// A problem with the whole form (not stored: the store, a stale form, signed out).
    pub problem: Option<String>,
    pub involves: Vec<KindChoice>,
    pub sent: Option<StaffConcernSent>,
}

/// A staff concern that was stored.
#[derive(Clone, Debug)]
pub struct StaffConcernSent {
    pub confirmation: WorrySent,
    /// Someone is in immediate danger: call 999, and tell these people now.
    pub danger: bool,
    pub tell_now: Vec<PhoneContact>,
    pub report: ReportLines,
}

/// A fresh staff concern form for `viewer`.
pub fn staff_concern_form(site: &SiteState, viewer: &Viewer) -> StaffConcernView {
    StaffConcernView {
        typed: StaffReportInput::default(),
        token: FormToken::issue(&site.secret, worry::FORM_PURPOSE, Utc::now().timestamp()),
        csrf: viewer.csrf.clone(),
        errors: Vec::new(),
        problem: None,
        involves: site.worry_choices(None).involves,
        sent: None,
    }
}

fn form_back(
    site: &SiteState,
    form: StaffConcernForm,
    csrf: String,
    errors: Vec<(String, String)>,
    problem: Option<String>,
) -> StaffConcernView {
    StaffConcernView {
        typed: form.report,
        token: form.token,
        csrf,
        errors,
        problem,
        involves: site.worry_choices(None).involves,
        sent: None,
    }
}

/// Sends the staff concern form. `viewer` is `None` when the session ended while it was being
/// typed: then nothing is stored and the form comes back with everything typed. Learners and
/// parents are refused before this is called (the edge's permission).
pub async fn send_staff_concern(
    site: &SiteState,
    viewer: Option<&Viewer>,
    form: StaffConcernForm,
    address: &str,
) -> (StaffConcernView, super::Outcome) {
    let Some(viewer) = viewer else {
        let view = form_back(
            site,
            form,
            String::new(),
            Vec::new(),
            Some("You are no longer signed in, so nothing was sent. Everything you typed is still below: sign in again in another tab, then come back here and press Send again.".into()),
        );
        return (view, super::Outcome::Invalid);
    };
    if !constant_time_eq(form.csrf.as_bytes(), viewer.csrf.as_bytes()) {
        // An old page (signed in again since): nothing stored; the form comes back with this
        // session's token so pressing Send again works.
        let view = form_back(
            site,
            form,
            viewer.csrf.clone(),
            Vec::new(),
            Some("This form was opened in an earlier session, so nothing was sent. Everything you typed is still below: please check it and press Send again.".into()),
        );
        return (view, super::Outcome::Invalid);
    }
    let now = Utc::now();
    let report = match form.report.validate(now) {
        Ok(r) => r,
        Err(errors) => {
            let errors = errors
                .into_iter()
                .map(|e| (e.field.to_string(), e.message))
                .collect();
            let view = form_back(site, form, viewer.csrf.clone(), errors, None);
            return (view, super::Outcome::Invalid);
        }
    };
    let involves = form.report.involves.clone().unwrap_or_default();
    let policy = SubmitPolicy {
        escalate_after_minutes: site.org.escalate_after_minutes,
        group_after_per_address: site.worry_limit_per_address,
    };
    let sent = staff_report::submit(
        &site.store,
        &site.org_id,
        &site.secret,
        &form.token,
        &report,
        &involves,
        &viewer.person,
        Some(address),
        &site.worry_kinds,
        &policy,
        now,
    )
    .await;
    match sent {
        Ok(sent) => {
            if !sent.repeated {
                (site.on_worry_stored)();
            }
            let tell_now = super::worries::phone_instead(site, Some(involves.as_str()));
            let confirmation = WorrySent {
                code: None,
                code_withheld: false,
                own_link: Some(format!("/me/worries/{}", sent.worry_id)),
                sent_on: date_for_people(sent.created_at),
                repeated: sent.repeated,
                phone_instead: sent.reached_nobody.then(|| tell_now.clone()),
                out_of_hours: (sent.urgency == Urgency::Urgent)
                    .then(|| super::worries::out_of_hours(site)),
            };
            let view = StaffConcernView {
                typed: StaffReportInput::default(),
                token: String::new(),
                csrf: viewer.csrf.clone(),
                errors: Vec::new(),
                problem: None,
                involves: Vec::new(),
                sent: Some(StaffConcernSent {
                    confirmation,
                    danger: report.danger,
                    tell_now,
                    report: report_lines(&report),
                }),
            };
            (view, super::Outcome::Ok)
        }
        Err(e) => {
            // Never the report's text: only what went wrong.
            tracing::warn!(error = %e, "a staff concern was not stored");
            let ending = match e {
                WorryError::Store(_) | WorryError::Corrupt(_) => super::Outcome::Unavailable,
                _ => super::Outcome::Invalid,
            };
            let mut form = form;
            if matches!(e, WorryError::Form(_)) {
                form.token = FormToken::issue(&site.secret, worry::FORM_PURPOSE, now.timestamp());
            }
            let message = match e {
                WorryError::Store(_) | WorryError::Corrupt(_) => "Sorry, we could not save your report just now, so nothing was sent. Everything you typed is still below: please press Send again in a minute. If a child is in danger now, call 999 and tell the DSL in person or by phone.".to_string(),
                e => e.user_message(),
            };
            let view = form_back(site, form, viewer.csrf.clone(), Vec::new(), Some(message));
            (view, ending)
        }
    }
}

// Low-level concerns about staff.

use safety_core::concerns::{self, ConcernError, LowLevelInput, Recorded};
use safety_core::org::LowLevelConcernsTo;

/// The low-level concern form as posted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LowLevelForm {
    pub csrf: String,
    #[serde(flatten)]
    pub input: LowLevelInput,
}

/// What became of the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LowLevelDone {
    Recorded {
        repeated: bool,
        reached_nobody: bool,
    },
    /// It might meet the harm threshold: nothing kept, the allegations route instead.
    AboveThreshold,
}

/// One concern its recorder sees again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnConcernRow {
    pub recorded_on: String,
    pub about: String,
    pub self_report: bool,
    pub when: String,
    pub what: String,
}

/// The low-level concern page: the form, what became of the last one, and the person's own.
#[derive(Clone, Debug)]
pub struct LowLevelView {
    pub typed: LowLevelInput,
    pub csrf: String,
    /// (id, name) of the colleagues a concern may be about.
    pub staff: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
    pub problem: Option<String>,
    pub done: Option<LowLevelDone>,
    /// Who reads it, in words, with this organisation's names.
    pub readers: String,
    pub own: Vec<OwnConcernRow>,
}

fn day(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|| "Not sure".into())
}

/// Who reads a low-level concern here, in words.
fn readers_in_words(site: &SiteState) -> String {
    let org = &site.org;
    let head = format!(
        "{} ({})",
        org.allegations_lead.name, org.allegations_lead.title
    );
    let chair = org
        .chair
        .as_ref()
        .map(|c| format!("; if it is about them, {} ({}) instead", c.name, c.title))
        .unwrap_or_default();
    match org.low_level_concerns_to {
        LowLevelConcernsTo::Head => format!("{head}{chair}"),
        LowLevelConcernsTo::Dsl => {
            format!("{} ({}) and {head}{chair}", org.dsl.name, org.dsl.title)
        }
    }
}

fn fresh_input() -> LowLevelInput {
    LowLevelInput {
        form_id: uuid::Uuid::new_v4().to_string(),
        ..LowLevelInput::default()
    }
}

async fn low_level_view(
    site: &SiteState,
    viewer: &Viewer,
    typed: LowLevelInput,
) -> (LowLevelView, super::Outcome) {
    let staff = concerns::staff_choices(&site.store, &site.org_id, &viewer.person).await;
    let own = concerns::own(&site.store, &site.org_id, &viewer.person).await;
    let failed = staff.is_err() || own.is_err();
    let view = LowLevelView {
        typed,
        csrf: viewer.csrf.clone(),
        staff: staff.unwrap_or_default(),
        errors: Vec::new(),
        problem: failed.then(|| {
            "Sorry, we could not load everything on this page just now. Please try again in a minute.".to_string()
        }),
        done: None,
        readers: readers_in_words(site),
        own: own
            .unwrap_or_default()
            .into_iter()
            .map(|c| OwnConcernRow {
                recorded_on: date_for_people(c.recorded_at),
                about: c.about_name,
                self_report: c.self_report,
                when: day(c.happened_on),
                what: c.what,
            })
            .collect(),
    };
    let ending = if failed {
        super::Outcome::Unavailable
    } else {
        super::Outcome::Ok
    };
    (view, ending)
}

/// The low-level concern form, fresh.
pub async fn low_level_form(site: &SiteState, viewer: &Viewer) -> (LowLevelView, super::Outcome) {
    low_level_view(site, viewer, fresh_input()).await
}

/// Records a low-level concern; the form comes back with what was typed when refused.
pub async fn record_low_level(
    site: &SiteState,
    viewer: &Viewer,
    form: LowLevelForm,
) -> (LowLevelView, super::Outcome) {
    let result = concerns::record(
        &site.store,
        &site.org_id,
        site.org.low_level_concerns_to,
        &viewer.person,
        &form.input,
        Utc::now(),
    )
    .await;
    let (done, typed, errors, problem, ending) = match result {
        Ok(Recorded::Stored { reached_nobody, .. }) => (
            Some(LowLevelDone::Recorded {
                repeated: false,
                reached_nobody,
            }),
            fresh_input(),
            Vec::new(),
            None,
            super::Outcome::Ok,
        ),
        Ok(Recorded::Repeated { .. }) => (
            Some(LowLevelDone::Recorded {
                repeated: true,
                reached_nobody: false,
            }),
            fresh_input(),
            Vec::new(),
            None,
            super::Outcome::Ok,
        ),
        Ok(Recorded::AboveThreshold) => (
            Some(LowLevelDone::AboveThreshold),
            form.input,
            Vec::new(),
            None,
            super::Outcome::Ok,
        ),
        Err(ConcernError::Invalid(errors)) => {
            let mut input = form.input;
            if uuid::Uuid::parse_str(&input.form_id).is_err() {
                input.form_id = uuid::Uuid::new_v4().to_string();
            }
            (
                None,
                input,
                errors
                    .into_iter()
                    .map(|e| (e.field.to_string(), e.message))
                    .collect(),
                None,
                super::Outcome::Invalid,
            )
        }
        Err(ConcernError::NotAllowed) => (
            None,
            form.input,
            Vec::new(),
            Some("Only staff of this organisation can record a low-level concern.".into()),
            super::Outcome::Forbidden,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "a low-level concern was not stored");
            (
                None,
                form.input,
                Vec::new(),
                Some("Sorry, we could not save it just now, so nothing was recorded. Everything you typed is still below: please press Record again in a minute.".into()),
                super::Outcome::Unavailable,
            )
        }
    };
    let (mut view, loaded) = low_level_view(site, viewer, typed).await;
    view.errors = errors;
    view.done = done;
    if problem.is_some() {
        view.problem = problem;
    }
    let ending = match (ending, loaded) {
        (super::Outcome::Ok, other) => other,
        (e, _) => e,
    };
    (view, ending)
}

/// Whether the viewer may open the low-level concerns log here.
pub fn may_open_log(site: &SiteState, viewer: &Viewer) -> bool {
    viewer.person.org == site.org_id
        && concerns::may_open_log(&viewer.person, site.org.low_level_concerns_to)
}

/// One concern in the log, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntryRow {
    pub when: String,
    pub recorded_on: String,
    pub what: String,
    pub recorded_by: String,
    pub self_report: bool,
}

/// One member of staff's concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternRow {
    pub name: String,
    pub on_platform: bool,
    pub count: usize,
    pub self_reports: usize,
    pub first: String,
    pub latest: String,
    pub entries: Vec<LogEntryRow>,
}

/// The log page.
#[derive(Clone, Debug)]
pub struct LowLevelLogView {
    pub people: Vec<PatternRow>,
    /// (when, who, what), newest first.
    pub audit: Vec<(String, String, String)>,
    pub readers: String,
    pub error: Option<String>,
}

/// The log as the viewer may read it (audited).
pub async fn low_level_log(site: &SiteState, viewer: &Viewer) -> (LowLevelLogView, super::Outcome) {
    let result = concerns::log(
        &site.store,
        &site.org_id,
        site.org.low_level_concerns_to,
        &viewer.person,
        Utc::now(),
    )
    .await;
    let readers = readers_in_words(site);
    match result {
        Ok(log) => (
            LowLevelLogView {
                people: log
                    .people
                    .into_iter()
                    .map(|p| PatternRow {
                        name: p.about_name,
                        on_platform: p.on_platform,
                        count: p.count,
                        self_reports: p.self_reports,
                        first: date_for_people(p.first),
                        latest: date_for_people(p.latest),
                        entries: p
                            .entries
                            .into_iter()
                            .map(|e| LogEntryRow {
                                when: day(e.happened_on),
                                recorded_on: date_for_people(e.recorded_at),
                                what: e.what,
                                recorded_by: e.recorded_by,
                                self_report: e.self_report,
                            })
                            .collect(),
                    })
                    .collect(),
                audit: log
                    .audit
                    .into_iter()
                    .map(|a| (super::worries::time_for_people(a.at), a.by_name, a.what))
                    .collect(),
                readers,
                error: None,
            },
            super::Outcome::Ok,
        ),
        Err(e) => {
            let ending = match e {
                ConcernError::NotAllowed => super::Outcome::Forbidden,
                _ => super::Outcome::Unavailable,
            };
            tracing::warn!(error = %e, "the low-level concerns log was not shown");
            (
                LowLevelLogView {
                    people: Vec::new(),
                    audit: Vec::new(),
                    readers,
                    error: Some(match ending {
                        super::Outcome::Forbidden => "This log is only for the people low-level concerns are shared with.".into(),
                        _ => "Sorry, we could not load the log just now. Please try again in a minute.".into(),
                    }),
                },
                ending,
            )
        }
    }
}
