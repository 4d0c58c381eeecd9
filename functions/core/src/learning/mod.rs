//! The learning journey: reading modules, their quizzes, completions and certificates, AUP
//! sign-off, and each person's summary of what they must do. Domain logic only: the web layer
//! renders what these functions return and posts forms back to them.
//!
//! Rules enforced here:
//! * a person only does what their organisation requires of their roles and groups
//!   ([`Required::of`]), and only in their own organisation;
//! * a quiz is graded on the server, against the content; the browser never gets the answers;
//! * a refusal writes nothing; a double submission records one completion and returns the same
//!   result; a failed write can simply be retried;
//! * an AUP signature records exactly what was signed (id, version, SHA-256 of the text shown,
//!   the name typed, who, when), and the text itself is kept once per hash;
//! * staff items expire after the organisation's `renewal_months` (default 12); learner and
//!   parent items never expire; a new AUP version (and, for modules with
//!   `recomplete_on_major`, a new MAJOR version) is due again.
//!
//! Round trips (counted by the tests): [`my_training`] 1 query; [`submit_quiz`] 1 read + 1
//! transaction; [`sign_aup`] 2 reads + 1 transaction; [`start_quiz`] and [`read_module`] 1 read +
//! at most 1 write.

pub mod aup;
pub mod certificate;
pub mod completion;
pub mod cosign;
pub mod easy_read;
pub mod quiz;
pub mod reading;
pub mod roster;
pub mod summary;

pub use crate::learning_state::{Completion, ItemKind, ItemRef, Signature};
pub use aup::{AupDocument, SignAup, Signed, names_match, sign_aup, signed_text};
pub use certificate::{CertificateCode, VerifiedCertificate, verify_certificate};
pub use completion::COMPLETION_POLICY;
pub use quiz::{
    Answers, OptionView, QuestionResult, QuestionView, QuizResult, QuizView, SectionToRead,
    Submitted, quiz_result, render_quiz, right_answers, start_quiz, submit_quiz,
};
pub use reading::{ReadingView, read_module};
pub use summary::{NextStep, Status, Training, TrainingItem, my_training};

use crate::content::{Audience, Kind, Library, Page};
use crate::identity::Person;
use crate::keys;
use crate::learning_state::{CorruptState, ItemRef as Ref, StoredState};
use crate::org::{OrgId, OrgProfile};
use crate::roles::Role;
use crate::store::{Store, StoreError};

/// The content and the organisation a person learns in.
#[derive(Clone, Copy, Debug)]
pub struct Setting<'a> {
    pub library: &'a Library,
    pub profile: &'a OrgProfile,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LearningError {
    #[error("the person belongs to another organisation")]
    WrongOrganisation,
    #[error("`{0}` is not required of this person")]
    NotAssigned(String),
    #[error("the module `{0}` has no quiz")]
    NoQuiz(String),
    #[error("the attempt is not the person's current attempt (old, replaced or unknown)")]
    UnknownAttempt,
    #[error("the module changed since the attempt started")]
    ModuleChanged,
    #[error("questions without an answer: {0:?}")]
    MissingAnswers(Vec<String>),
    #[error("answers that do not belong: {0:?}")]
    ExtraAnswers(Vec<String>),
    #[error("unknown option `{option}` for question `{question}`")]
    UnknownOption { question: String, option: String },
    #[error("read these sections again before another attempt: {0:?}")]
    ReadAgainFirst(Vec<quiz::SectionToRead>),
    #[error("the module has no section {0}")]
    UnknownSection(usize),
    #[error("version {offered} is not the current version {current}")]
    NotCurrentVersion { offered: String, current: String },
    #[error("the text's hash does not match the current text")]
    TamperedText,
    #[error("the typed name does not match the person's name")]
    NameDoesNotMatch,
    #[error("the declaration was not ticked")]
    DeclarationNotTicked,
    #[error("no certificate has this code")]
    CertificateNotFound,
    #[error("the record was changed at the same time; nothing was saved")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored learning record is malformed: {0}")]
    Corrupt(String),
}

impl From<CorruptState> for LearningError {
    fn from(e: CorruptState) -> Self {
        LearningError::Corrupt(e.to_string())
    }
}

impl LearningError {
    /// A plain message for the person, saying what to do. Details stay in the log.
    pub fn user_message(&self) -> String {
        match self {
            LearningError::WrongOrganisation => {
                "This page belongs to another organisation. Please sign in to your own organisation's site.".into()
            }
            LearningError::NotAssigned(_) => {
                "This is not part of your training. Go back to My training to see what you need to do.".into()
            }
            LearningError::NoQuiz(_) => {
                "This module has no quiz yet. Please tell your administrator.".into()
            }
            LearningError::UnknownAttempt => {
                "This quiz page is out of date (perhaps it was opened twice). Please start the quiz again from the module page.".into()
            }
            LearningError::ModuleChanged => {
                "This module was updated while you were answering. Please start the quiz again: it may have new questions.".into()
            }
            LearningError::MissingAnswers(ids) => format!(
                "Please answer every question. {} not answered yet.",
                if ids.len() == 1 {
                    "One question is".to_string()
                } else {
                    format!("{} questions are", ids.len())
                }
            ),
            LearningError::ExtraAnswers(_) => {
                "Some answers did not match the questions (for questions with one answer, choose only one). Please check your answers and send them again.".into()
            }
            LearningError::UnknownOption { .. } => {
                "One of the answers was not one of the choices. Please reload the quiz and try again.".into()
            }
            LearningError::ReadAgainFirst(sections) => format!(
                "You have not passed this quiz two times in a row. Before you try again, read again the {} of the module that the questions you missed come from. Then the quiz opens again.",
                if sections.len() == 1 { "part" } else { "parts" }
            ),
            LearningError::UnknownSection(_) => {
                "That part of the module does not exist. Go back to the start of the module.".into()
            }
            LearningError::NotCurrentVersion { .. } => {
                "This policy has been updated since you opened it. Please read the new version and sign that.".into()
            }
            LearningError::TamperedText => {
                "The policy text did not match the version you are signing. Please reload the page, read it and sign again.".into()
            }
            LearningError::NameDoesNotMatch => {
                "The name you typed does not match the name we have for you. Type your full name as it appears on your account.".into()
            }
            LearningError::DeclarationNotTicked => {
                "Please tick the box to confirm you have read and agree to the policy.".into()
            }
            LearningError::CertificateNotFound => {
                "We could not find a certificate with that code. Check the code and try again.".into()
            }
            LearningError::Conflict => {
                "This was saved from another window at the same moment. Please reload the page and check.".into()
            }
            LearningError::Store(_) | LearningError::Corrupt(_) => {
                "Sorry, we could not save or load this just now. Nothing was lost: please try again in a minute.".into()
            }
        }
    }
}

/// What an organisation requires of one person: modules and AUPs, in the profile's order.
#[derive(Clone, Debug)]
pub struct Required<'a> {
    pub modules: Vec<&'a Page>,
    pub aups: Vec<&'a Page>,
}

impl<'a> Required<'a> {
    /// The modules and AUPs the person's roles (and groups) require: the profile's
    /// `[[requirements]]`. A profile without any requirements falls back to the content's
    /// audience: learners get the learner items, staff the staff items, parents the parent ones.
    ///
    /// A module with `required_in` (kinds of organisation) is required of its audience in every
    /// organisation of those kinds, after the profile's own; other kinds do not get it by default.
    pub fn of(setting: &Setting<'a>, person: &Person) -> Required<'a> {
        let lib = setting.library;
        let profile = setting.profile;
        let audiences: Vec<Audience> = person
            .roles
            .iter()
            .filter_map(|r| match r {
                Role::Learner => Some(Audience::Learners),
                Role::Staff => Some(Audience::Staff),
                Role::Parent => Some(Audience::Parents),
                _ => None,
            })
            .collect();
        let for_person = |p: &Page| audiences.iter().any(|a| p.is_for(*a));
        if profile.requirements.is_empty() {
            let of_kind = |kind: Kind| {
                lib.pages_of(kind)
                    .filter(|p| {
                        for_person(p)
                            && (p.required_in.is_empty() || profile.is_one_of(&p.required_in))
                    })
                    .collect::<Vec<_>>()
            };
            return Required {
                modules: of_kind(Kind::Module),
                aups: of_kind(Kind::Aup),
            };
        }
        let roles: Vec<&str> = person.roles.iter().map(|r| r.as_str()).collect();
        let (modules, aups) = profile.required_of(&roles, &person.groups);
        let mut modules: Vec<&'a Page> = modules
            .iter()
            .filter_map(|m| lib.page(Kind::Module, m))
            .collect();
        for p in lib.pages_of(Kind::Module) {
            if profile.is_one_of(&p.required_in)
                && for_person(p)
                && !modules.iter().any(|m| m.id == p.id)
            {
                modules.push(p);
            }
        }
        Required {
            modules,
            aups: aups.iter().filter_map(|a| lib.page(Kind::Aup, a)).collect(),
        }
    }

    pub fn module(&self, id: &str) -> Option<&'a Page> {
        self.modules.iter().copied().find(|p| p.id == id)
    }

    pub fn aup(&self, id: &str) -> Option<&'a Page> {
        self.aups.iter().copied().find(|p| p.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty() && self.aups.is_empty()
    }
}

/// Refuses a person of another organisation than the setting's.
pub(crate) fn check_org(setting: &Setting, person: &Person) -> Result<(), LearningError> {
    if person.org != setting.profile.id {
        return Err(LearningError::WrongOrganisation);
    }
    Ok(())
}

/// Whether an item expires: items for staff do, after the organisation's renewal period.
pub(crate) fn expires(page: &Page) -> bool {
    page.is_for(Audience::Staff)
}

/// Reads one state item (one `get`); a missing item is a fresh state.
pub(crate) async fn read_state<S: Store>(
    store: &S,
    org: &OrgId,
    person_id: &str,
    item: Ref,
) -> Result<StoredState, LearningError> {
    match store
        .get(&keys::learning_state(org, person_id, &item.key_part()))
        .await?
    {
        Some(i) => Ok(StoredState::from_item(&i)?),
        None => Ok(StoredState::new(item)),
    }
}

/// Writes a state the person changed (reading position, a quiz started), conditional on it being
/// as read. When its dashboard counter changes (first reading, first attempt), the counters move
/// in the same transaction, checked against the person's roles as read. A condition that fails
/// is `StoreError::ConditionFailed`, as for a single put.
pub(crate) async fn write_state<S: Store>(
    store: &S,
    person: &Person,
    counted_before: Option<crate::counters::Counter>,
    state: &StoredState,
) -> Result<(), StoreError> {
    let mut counts = crate::counters::Tally::default();
    counts.counter_change(
        person,
        &state.item.key_part(),
        counted_before,
        crate::counters::counter_of_body(&state.body),
    );
    if counts.is_empty() {
        return store
            .put(state.to_item(&person.org, &person.id), state.condition())
            .await;
    }
    let mut ops = vec![
        state.put_op(&person.org, &person.id),
        crate::counters::person_unchanged(person),
    ];
    ops.extend(counts.into_ops());
    match store.transact(ops).await {
        Err(StoreError::TransactionConditionFailed { .. }) => Err(StoreError::ConditionFailed),
        other => other,
    }
}

/// The MAJOR part of a MAJOR.MINOR.PATCH version (0 when unreadable).
pub(crate) fn major(version: &str) -> u64 {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
