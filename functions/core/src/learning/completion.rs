//! Completions: what one quiz attempt writes, all in one transaction.
//!
//! # Policy
//!
//! * **Every attempt is kept**: each submission writes `ATTEMPT#<module>#<attempt id>` (answers,
//!   score, pass or fail), create-once, so the same attempt is never recorded twice.
//! * **The first passing attempt while the module is due records the completion.** Due means
//!   not started, in progress, expired, expiring within 30 days, or due again because of a new
//!   version (see [`super::summary::Status`]). A pass while the completion still stands is
//!   practice: kept as an attempt, no new completion.
//! * A completion holds the person, the module id and version, the passing attempt's score,
//!   the number of attempts it took (since the previous completion), `completed_at`, and
//!   `valid_until`: `completed_at` + the organisation's `renewal_months` for staff modules,
//!   none for learner and parent modules (they never expire).
//! * **Best and last score**: the state keeps the best and the last score over all attempts of
//!   the module (any version), and the attempt count, for the person's page and the DSL.
//! * Each completion is also written to the person's history (`HISTORY#MODULE#<id>#<at>#<attempt>`)
//!   and gets a certificate (`CERT#<sha256(code)>`); the state item is the entry of the gsi1
//!   list `COMPLETIONS#<module>` (one row per person: their latest completion).
//! * **Two failed attempts in a row send the person back to the module**: the sections (anchors)
//!   of the questions missed in those attempts are kept in the state as [`ReadAgain`], and the
//!   next attempt waits until each has been opened again (see `quiz::start_quiz` and
//!   `reading::read_module`). A pass clears the count.
//! * All of it is one transaction, conditional on the state's `rev`: a double submission
//!   records one completion; a failed write writes nothing and can be resubmitted.

use super::certificate::{self, CertificateCode};
use super::summary::{self};
use super::{LearningError, Setting, expires};
use crate::content::Page;
use crate::dates;
use crate::identity::Person;
use crate::keys;
use crate::learning_state::{
    Completion, CompletionRecord, CurrentAttempt, Graded, ItemRef, QuizAttemptRecord, ReadAgain,
    StateBody, StoredState,
};
use crate::store::record::to_item;
use crate::store::{Condition, TxOp};
use chrono::{DateTime, Utc};

/// The completion policy in one sentence, for pages that explain it.
pub const COMPLETION_POLICY: &str = "Every attempt is kept. The first pass while a module is due for you records your completion and certificate; the best and last scores are kept.";

/// What recording one attempt writes, and what it recorded.
pub(crate) struct Recorded {
    pub ops: Vec<TxOp>,
    pub graded: Graded,
    pub completion: Option<Completion>,
    /// Set when this attempt was the second failed one in a row.
    pub read_again: Option<ReadAgain>,
}

/// When a completion or signature made at `at` stops counting.
pub(crate) fn valid_until(
    setting: &Setting,
    page: &Page,
    at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    expires(page).then(|| dates::add_months(at, setting.profile.renewal_months))
}

/// The writes of one graded attempt: the attempt, the new state and, when it completes the
/// module, the history entry and the certificate. `missed_sections`: the sections of the
/// questions the attempt got wrong.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_attempt(
    setting: &Setting,
    person: &Person,
    module: &Page,
    state: &StoredState,
    current: &CurrentAttempt,
    mut graded: Graded,
    missed_sections: &[String],
    now: DateTime<Utc>,
) -> Result<Recorded, LearningError> {
    let org = &person.org;
    let before = state
        .module()
        .ok_or_else(|| LearningError::Corrupt("module state expected".into()))?;
    let due = summary::evaluate_module(module, Some(before), now)
        .status
        .is_due();
    let mut m = before.clone();
    m.attempts += 1;
    m.cycle_attempts += 1;
    m.last_score = Some(graded.score);
    m.best_score = Some(m.best_score.map_or(graded.score, |b| b.max(graded.score)));
    let at = crate::store::timestamp(now);
    if graded.passed {
        m.fails_in_row = 0;
        m.missed_sections.clear();
        m.read_again = None;
    } else {
        m.fails_in_row += 1;
        for s in missed_sections {
            if !m.missed_sections.contains(s) {
                m.missed_sections.push(s.clone());
            }
        }
        if m.fails_in_row % 2 == 0 {
            let sections = module
                .sections
                .iter()
                .map(|s| s.anchor.clone())
                .filter(|a| m.missed_sections.contains(a))
                .collect();
            m.missed_sections.clear();
            m.read_again = Some(ReadAgain {
                sections,
                opened: Vec::new(),
                since: at.clone(),
            });
        }
    }
    let read_again = m.read_again.clone();
    let mut ops = Vec::with_capacity(4);
    let mut completion = None;
    if graded.passed && due {
        let code = CertificateCode::generate();
        let c = Completion {
            person_id: person.id.clone(),
            module_id: module.id.clone(),
            module_version: module.version.clone(),
            score: graded.score,
            out_of: graded.out_of,
            attempts: m.cycle_attempts,
            attempt_id: graded.attempt_id.clone(),
            completed_at: at.clone(),
            valid_until: valid_until(setting, module, now).map(crate::store::timestamp),
            certificate_code: code.as_str().to_string(),
        };
        graded.completed = true;
        m.cycle_attempts = 0;
        let item = ItemRef::module(&module.id);
        ops.push(TxOp::Put {
            item: to_item(
                &keys::learning_history(org, &person.id, &item.key_part(), &at, &c.attempt_id),
                &CompletionRecord {
                    completion: c.clone(),
                    valid_until: c.valid_until.clone(),
                },
            ),
            condition: Condition::NotExists,
        });
        ops.push(TxOp::Put {
            item: certificate::certificate_item(
                org,
                &code,
                &person.name,
                &format!("{} (version {})", module.title, module.version),
                &at,
            ),
            condition: Condition::NotExists,
        });
        m.completion = Some(c.clone());
        completion = Some(c);
    }
    m.current_attempt = Some(CurrentAttempt {
        graded: Some(graded.clone()),
        ..current.clone()
    });
    ops.insert(
        0,
        TxOp::Put {
            item: to_item(
                &keys::learning_attempt(org, &person.id, &module.id, &graded.attempt_id),
                &QuizAttemptRecord {
                    person_id: person.id.clone(),
                    module_id: module.id.clone(),
                    started_at: current.started_at.clone(),
                    attempt: graded.clone(),
                },
            ),
            condition: Condition::NotExists,
        },
    );
    let new_state = StoredState {
        item: state.item.clone(),
        rev: state.rev,
        body: StateBody::Module(m),
    };
    ops.insert(1, new_state.put_op(org, &person.id));
    // The dashboard's counters move in the same transaction (see `crate::counters`).
    let mut counts = crate::counters::Tally::default();
    counts.learning_change(person, state, &new_state.body);
    if !counts.is_empty() {
        ops.push(crate::counters::person_unchanged(person));
        ops.extend(counts.into_ops());
    }
    Ok(Recorded {
        ops,
        graded,
        completion,
        read_again,
    })
}
