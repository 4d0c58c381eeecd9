//! "My training": every module and AUP a person must do, with its status, due date and what to
//! do next. One query of the person's learning partition (`STATE#` items), whatever the count.
//!
//! Rules:
//! * nothing done: **not started**; some reading or an attempt: **in progress**;
//! * a completion (signature) that stands: **passed**; for staff items, within
//!   [`dates::EXPIRING_SOON_DAYS`] of `valid_until`: **expiring soon**; at or after it:
//!   **expired** (overdue). Learner and parent items never expire;
//! * an AUP signed for an older version: **due again** (a new version must be signed);
//! * a module completed at an older MAJOR version when the module says `recomplete_on_major`:
//!   **due again**; otherwise an older version still counts (passed) and is reported as an older
//!   version, so the person and the DSL see it;
//! * a module whose quiz is locked after two failed attempts in a row (the sections of the
//!   missed questions must be opened again first, [`super::quiz`]): the next step is
//!   **read those sections again**, named in [`TrainingItem::read_again`], not the quiz.

use super::quiz::{SectionToRead, sections_to_read};
use super::{LearningError, Required, Setting, check_org, major};
use crate::content::Page;
use crate::dates;
use crate::identity::Person;
use crate::keys;
use crate::learning_state::{
    AupState, Completion, ItemKind, ItemRef, ModuleState, Signature, StoredState,
};
use crate::store::{Query, Store};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    NotStarted,
    InProgress,
    Passed,
    /// Passed, but `valid_until` is within 30 days: renew now.
    ExpiringSoon,
    /// Passed once, but `valid_until` has passed: overdue.
    Expired,
    /// Done for an older version, and the new version must be done again.
    DueAgain,
}

impl Status {
    /// Whether the person should do it now (a pass now records a completion).
    pub fn is_due(self) -> bool {
        !matches!(self, Status::Passed)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "Not started",
            Status::InProgress => "In progress",
            Status::Passed => "Done",
            Status::ExpiringSoon => "Expiring soon",
            Status::Expired => "Expired",
            Status::DueAgain => "New version to do",
        }
    }
}

/// What the person should do next with one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextStep {
    StartReading,
    /// Resume at this section (0-based).
    ContinueReading {
        section: usize,
    },
    TakeQuiz,
    /// Failed the last attempt: read again if needed, then retake.
    RetakeQuiz,
    /// Failed two attempts in a row: the quiz opens again once the sections in
    /// [`TrainingItem::read_again`] have been opened again.
    ReadAgainFirst,
    Sign,
    /// Renew before (or after) it expires: read again and retake the quiz or sign again.
    Renew,
    /// A new version: read it and do it again.
    DoNewVersion,
    Nothing,
}

impl NextStep {
    pub fn text(&self, kind: ItemKind) -> String {
        match (self, kind) {
            (NextStep::StartReading, _) => "Start reading".into(),
            (NextStep::ContinueReading { section }, _) => {
                format!("Carry on reading from part {}", section + 1)
            }
            (NextStep::TakeQuiz, _) => "Take the quiz".into(),
            (NextStep::RetakeQuiz, _) => "Look back at the module, then try the quiz again".into(),
            (NextStep::ReadAgainFirst, _) => "Read the sections again before your next try".into(),
            (NextStep::Sign, _) => "Read and sign".into(),
            (NextStep::Renew, ItemKind::Module) => {
                "Renew: read it again and retake the quiz".into()
            }
            (NextStep::Renew, ItemKind::Aup) => "Renew: read it again and sign".into(),
            (NextStep::DoNewVersion, ItemKind::Module) => {
                "A new version is out: read it and take the quiz".into()
            }
            (NextStep::DoNewVersion, ItemKind::Aup) => {
                "A new version is out: read it and sign".into()
            }
            (NextStep::Nothing, _) => "Nothing to do".into(),
        }
    }
}

/// One module or AUP in a person's summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingItem {
    pub kind: ItemKind,
    pub id: String,
    pub title: String,
    pub url: String,
    /// The version in the content now.
    pub version: String,
    pub status: Status,
    /// When it must be (re)done by: `valid_until` of a completion that expires. None for items
    /// not done yet (due now) and items that never expire.
    pub due: Option<DateTime<Utc>>,
    /// `due` in UK time, as shown.
    pub due_shown: Option<String>,
    /// The version the person completed or signed, when they did.
    pub done_version: Option<String>,
    /// Done, and still counting, but for an older version than the content's.
    pub older_version: bool,
    pub done_at: Option<DateTime<Utc>>,
    pub best_score: Option<u32>,
    pub last_score: Option<u32>,
    pub attempts: u32,
    pub next: NextStep,
    pub next_text: String,
    /// A module's latest completion (with its certificate code), when there is one.
    pub completion: Option<Completion>,
    /// An AUP's latest signature (with the hash of the text signed), when there is one.
    pub signature: Option<Signature>,
    /// A module whose quiz is locked after two failed attempts in a row: the sections still to
    /// open again before the next attempt (empty otherwise).
    pub read_again: Vec<SectionToRead>,
}

/// A person's whole summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Training {
    /// Modules first, then AUPs, each in the organisation's order.
    pub items: Vec<TrainingItem>,
}

impl Training {
    /// Items to do now (anything not passed).
    pub fn to_do(&self) -> usize {
        self.items.iter().filter(|i| i.status.is_due()).count()
    }
}

/// The status of a module for a person, with its due date and the version done.
pub(crate) struct Evaluated {
    pub status: Status,
    pub due: Option<DateTime<Utc>>,
    pub done_version: Option<String>,
    pub older_version: bool,
    pub done_at: Option<DateTime<Utc>>,
}

fn by_expiry(valid_until: Option<&str>, now: DateTime<Utc>) -> (Status, Option<DateTime<Utc>>) {
    match valid_until.and_then(dates::parse) {
        None => (Status::Passed, None),
        Some(until) if now >= until => (Status::Expired, Some(until)),
        Some(until) if until - now <= Duration::days(dates::EXPIRING_SOON_DAYS) => {
            (Status::ExpiringSoon, Some(until))
        }
        Some(until) => (Status::Passed, Some(until)),
    }
}

pub(crate) fn evaluate_module(
    module: &Page,
    state: Option<&ModuleState>,
    now: DateTime<Utc>,
) -> Evaluated {
    let Some(m) = state else {
        return Evaluated {
            status: Status::NotStarted,
            due: None,
            done_version: None,
            older_version: false,
            done_at: None,
        };
    };
    match &m.completion {
        None => {
            let started = m.sections_reached > 0 || m.attempts > 0 || m.current_attempt.is_some();
            Evaluated {
                status: if started {
                    Status::InProgress
                } else {
                    Status::NotStarted
                },
                due: None,
                done_version: None,
                older_version: false,
                done_at: None,
            }
        }
        Some(c) => {
            let older = c.module_version != module.version;
            let (status, due) = if module.recomplete_on_major
                && major(&c.module_version) < major(&module.version)
            {
                (Status::DueAgain, None)
            } else {
                by_expiry(c.valid_until.as_deref(), now)
            };
            Evaluated {
                status,
                due,
                done_version: Some(c.module_version.clone()),
                older_version: older && status != Status::DueAgain,
                done_at: dates::parse(&c.completed_at),
            }
        }
    }
}

pub(crate) fn evaluate_aup(aup: &Page, state: Option<&AupState>, now: DateTime<Utc>) -> Evaluated {
    match state.and_then(|a| a.signature.as_ref()) {
        None => Evaluated {
            status: Status::NotStarted,
            due: None,
            done_version: None,
            older_version: false,
            done_at: None,
        },
        Some(s) => {
            // A new major version must be signed again; a minor one (wording) keeps the
            // signature, shown as of an older version.
            let (status, due) = if major(&s.version) != major(&aup.version) {
                (Status::DueAgain, None)
            } else {
                by_expiry(s.valid_until.as_deref(), now)
            };
            Evaluated {
                status,
                due,
                done_version: Some(s.version.clone()),
                older_version: s.version != aup.version && status != Status::DueAgain,
                done_at: dates::parse(&s.signed_at),
            }
        }
    }
}

fn module_next(status: Status, m: Option<&ModuleState>, version: &str) -> NextStep {
    match status {
        Status::Passed => NextStep::Nothing,
        Status::ExpiringSoon | Status::Expired => NextStep::Renew,
        Status::DueAgain => NextStep::DoNewVersion,
        Status::NotStarted => NextStep::StartReading,
        Status::InProgress => {
            let m = m.expect("in progress has a state");
            let failed = m
                .current_attempt
                .as_ref()
                .and_then(|a| a.graded.as_ref())
                .is_some_and(|g| !g.passed);
            if failed {
                NextStep::RetakeQuiz
            } else if m.current_attempt.is_some() {
                NextStep::TakeQuiz
            } else if m.reading_version.as_deref() == Some(version) {
                NextStep::ContinueReading { section: m.section }
            } else {
                NextStep::StartReading
            }
        }
    }
}

/// When the module's quiz is locked (two failed attempts in a row, sections not yet all opened
/// again): the sections still to open, in the module's order. Empty when the quiz is open.
fn locked_quiz(module: &Page, m: Option<&ModuleState>) -> Vec<SectionToRead> {
    let Some(r) = m.and_then(|m| m.read_again.as_ref()) else {
        return Vec::new();
    };
    let anchors: Vec<&str> = module.sections.iter().map(|s| s.anchor.as_str()).collect();
    if r.done(&anchors) {
        return Vec::new();
    }
    sections_to_read(module, r)
        .into_iter()
        .filter(|s| !s.opened)
        .collect()
}

/// Everything the person must do, with status, due date and next step. 1 query.
pub async fn my_training<S: Store>(
    store: &S,
    setting: Setting<'_>,
    person: &Person,
    now: DateTime<Utc>,
) -> Result<Training, LearningError> {
    check_org(&setting, person)?;
    let required = Required::of(&setting, person);
    let mut states: HashMap<ItemRef, StoredState> = HashMap::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                &Query::partition(keys::learning_partition(&person.org, &person.id))
                    .prefix(keys::LEARNING_STATE_PREFIX)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let s = StoredState::from_item(item)?;
            states.insert(s.item.clone(), s);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut items = Vec::new();
    for module in &required.modules {
        let m = states
            .get(&ItemRef::module(&module.id))
            .and_then(StoredState::module);
        let e = evaluate_module(module, m, now);
        let read_again = locked_quiz(module, m);
        let next = if read_again.is_empty() {
            module_next(e.status, m, &module.version)
        } else {
            NextStep::ReadAgainFirst
        };
        let mut it = item(&setting, ItemKind::Module, module, e, m, next);
        it.completion = m.and_then(|m| m.completion.clone());
        it.read_again = read_again;
        items.push(it);
    }
    for aup in &required.aups {
        let a = states
            .get(&ItemRef::aup(&aup.id))
            .and_then(StoredState::aup);
        let e = evaluate_aup(aup, a, now);
        let next = match e.status {
            Status::Passed => NextStep::Nothing,
            Status::ExpiringSoon | Status::Expired => NextStep::Renew,
            Status::DueAgain => NextStep::DoNewVersion,
            Status::NotStarted | Status::InProgress => NextStep::Sign,
        };
        let mut it = item(&setting, ItemKind::Aup, aup, e, None, next);
        it.signature = a.and_then(|a| a.signature.clone());
        items.push(it);
    }
    Ok(Training { items })
}

fn item(
    setting: &Setting,
    kind: ItemKind,
    page: &Page,
    e: Evaluated,
    m: Option<&ModuleState>,
    next: NextStep,
) -> TrainingItem {
    TrainingItem {
        kind,
        id: page.id.clone(),
        title: page.for_org(setting.profile).title,
        url: page.url(),
        version: page.version.clone(),
        status: e.status,
        due: e.due,
        due_shown: e.due.map(dates::show_date),
        done_version: e.done_version,
        older_version: e.older_version,
        done_at: e.done_at,
        best_score: m.and_then(|m| m.best_score),
        last_score: m.and_then(|m| m.last_score),
        attempts: m.map_or(0, |m| m.attempts),
        next_text: next.text(kind),
        next,
        completion: None,
        signature: None,
        read_again: Vec::new(),
    }
}
