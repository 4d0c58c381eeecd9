//! Quizzes as people take them: questions rendered without their answers, in an order shuffled
//! per attempt (seeded by the attempt id, so a reload shows the same order), graded on the
//! server against the content, with each question's explanation in the result.
//!
//! A quiz is a bank of at least 10 questions; an attempt shows [`SHOWN_PER_ATTEMPT`] of them,
//! drawn when it starts (a retry never draws the same paper in the same order as the attempt
//! before). The drawn ids are stored with the attempt on the server, and grading counts exactly
//! those: an answer to a bank question the attempt did not show is ignored, an unknown id
//! refused. After two failed attempts in a row, the next one waits until the person has opened
//! again the module's sections the missed questions come from ([`ReadAgain`]).
//!
//! Question ids are `q1`, `q2`, ... and option ids `a`, `b`, ... in the order the content
//! lists them; only the order they are shown in changes. A question with one correct option
//! takes exactly one choice; one with several ("choose all that apply") is right only when
//! exactly the correct options are chosen. The pass mark comes from the quiz's front matter.

use super::completion;
use super::{LearningError, Required, Setting, check_org, read_state};
use crate::content::{Page, quiz::Quiz};
use crate::crypto;
use crate::identity::Person;
use crate::learning_state::{CurrentAttempt, Graded, ItemRef, ReadAgain, StateBody, StoredState};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::content::quiz::SHOWN_PER_ATTEMPT;

/// A section of the module to read again before the next attempt, with a link's worth of
/// detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionToRead {
    /// 1-based, as in `/learn/{id}?section=N`.
    pub number: usize,
    pub anchor: String,
    pub title: String,
    /// Opened again since the second failed attempt.
    pub opened: bool,
}

/// The sections of `module` that `read_again` names, in the module's order.
pub fn sections_to_read(module: &Page, read_again: &ReadAgain) -> Vec<SectionToRead> {
    module
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| read_again.sections.contains(&s.anchor))
        .map(|(i, s)| SectionToRead {
            number: i + 1,
            anchor: s.anchor.clone(),
            title: if s.title.is_empty() {
                "Introduction".into()
            } else {
                s.title.clone()
            },
            opened: read_again.opened.contains(&s.anchor),
        })
        .collect()
}

fn anchors(module: &Page) -> Vec<&str> {
    module.sections.iter().map(|s| s.anchor.as_str()).collect()
}

/// What a person answered: question id to the chosen option ids.
pub type Answers = BTreeMap<String, Vec<String>>;

/// One option as shown: no hint of whether it is correct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionView {
    pub id: String,
    pub html: String,
}

/// One question as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionView {
    pub id: String,
    /// 1-based position on the page.
    pub number: usize,
    pub prompt_html: String,
    /// Choose all that apply (checkboxes) rather than one (radio buttons).
    pub multiple: bool,
    pub options: Vec<OptionView>,
}

/// A quiz attempt as shown to the person: never any answer or explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuizView {
    pub module_id: String,
    pub module_title: String,
    pub attempt_id: String,
    pub pass_mark: u32,
    pub out_of: u32,
    pub questions: Vec<QuestionView>,
}

/// One option in a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionResult {
    pub id: String,
    pub html: String,
    /// Whether the option is a correct one: `None` when it is not shown, that is in a question
    /// answered wrongly in an attempt that did not pass (the learner sees that the question was
    /// wrong and the explanation, not the answer, so the next attempt still tests them).
    pub correct: Option<bool>,
    pub chosen: bool,
}

/// One question in a result, with its explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionResult {
    pub id: String,
    pub number: usize,
    pub prompt_html: String,
    pub correct: bool,
    pub options: Vec<OptionResult>,
    pub explanation_html: String,
}

/// A graded attempt, as shown after submitting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuizResult {
    pub module_id: String,
    pub attempt_id: String,
    pub module_version: String,
    pub score: u32,
    pub out_of: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub questions: Vec<QuestionResult>,
    /// The completion this attempt recorded, if it did (with the certificate code).
    pub completion: Option<super::Completion>,
    /// After a second failed attempt in a row: the sections to open again before the next
    /// attempt (empty otherwise).
    pub read_again: Vec<SectionToRead>,
}

/// What [`submit_quiz`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub result: QuizResult,
    /// True when this attempt had already been submitted: nothing new was recorded.
    pub repeat: bool,
}

pub(crate) fn question_id(i: usize) -> String {
    format!("q{}", i + 1)
}

pub(crate) fn option_id(j: usize) -> String {
    char::from(b'a' + j as u8).to_string()
}

/// The answers that pass `quiz`: every correct option of every question, by id. For the tests,
/// benchmarks and demo data that need a completed module.
pub fn right_answers(quiz: &Quiz) -> Answers {
    quiz.questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            (
                question_id(i),
                (0..q.options.len())
                    .filter(|&j| q.options[j].correct)
                    .map(option_id)
                    .collect(),
            )
        })
        .collect()
}

/// The order an attempt shows the questions in, and each question's options (indexes into the
/// content's lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub questions: Vec<usize>,
    /// By the content's question index.
    pub options: Vec<Vec<usize>>,
}

/// SplitMix64: a small, well-mixed generator; enough to shuffle, and the same everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number below `n` (n > 0); the tiny modulo bias does not matter for a display order.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn shuffle(&mut self, n: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
        v
    }
}

/// The questions an attempt draws from the bank (indexes into the content's list, in the order
/// shown): the first [`SHOWN_PER_ATTEMPT`] of the attempt's shuffled order.
pub fn draw(module_id: &str, attempt_id: &str, quiz: &Quiz) -> Vec<usize> {
    let mut questions = order(module_id, attempt_id, quiz).questions;
    questions.truncate(SHOWN_PER_ATTEMPT);
    questions
}

fn index_of(quiz: &Quiz, id: &str) -> Option<usize> {
    (0..quiz.questions.len()).find(|&i| question_id(i) == id)
}

/// The questions an attempt shows, from the ids stored with it on the server. An attempt
/// stored before banks (no ids) gets its draw from its id.
pub fn shown(module_id: &str, attempt_id: &str, stored: &[String], quiz: &Quiz) -> Vec<usize> {
    if stored.is_empty() {
        return draw(module_id, attempt_id, quiz);
    }
    stored.iter().filter_map(|id| index_of(quiz, id)).collect()
}

/// The order for one attempt: the same attempt id always gives the same order.
pub fn order(module_id: &str, attempt_id: &str, quiz: &Quiz) -> Order {
    let digest = crypto::sha256(format!("quiz-order\0{module_id}\0{attempt_id}").as_bytes());
    let mut rng = SplitMix(u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")));
    let questions = rng.shuffle(quiz.questions.len());
    let options = quiz
        .questions
        .iter()
        .map(|q| rng.shuffle(q.options.len()))
        .collect();
    Order { questions, options }
}

/// The attempt's questions (`shown`, in that order), options shuffled, without answers.
pub fn view(
    module: &Page,
    quiz_page: &Page,
    attempt_id: &str,
    shown: &[usize],
) -> Option<QuizView> {
    let quiz = quiz_page.quiz.as_ref()?;
    let order = order(&module.id, attempt_id, quiz);
    let questions = shown
        .iter()
        .enumerate()
        .map(|(n, &qi)| {
            let q = &quiz.questions[qi];
            QuestionView {
                id: question_id(qi),
                number: n + 1,
                prompt_html: q.prompt_html.clone(),
                multiple: q.multiple(),
                options: order.options[qi]
                    .iter()
                    .map(|&oj| OptionView {
                        id: option_id(oj),
                        html: q.options[oj].html.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    Some(QuizView {
        module_id: module.id.clone(),
        module_title: module.title.clone(),
        attempt_id: attempt_id.to_string(),
        pass_mark: quiz.pass_mark,
        out_of: shown.len() as u32,
        questions,
    })
}

/// How many wrong ids an error names at most.
const MAX_REPORTED: usize = 10;

/// Marked answers: the answers normalised (each choice once, in id order) and the ids of the
/// questions answered correctly.
pub type Marked = (Answers, Vec<String>);

/// Checks the answers to the questions the attempt showed (`shown`, from the server's record of
/// the attempt) and marks them. A shown question without an answer, an id that is no question
/// of the quiz, or an unknown option is refused; an answer to a bank question the attempt did
/// not show is ignored (it is neither marked nor kept).
pub fn grade(quiz: &Quiz, shown: &[usize], answers: &Answers) -> Result<Marked, LearningError> {
    let bank: Vec<String> = (0..quiz.questions.len()).map(question_id).collect();
    // At most a few, each cut short: the error may be logged, and the input is the sender's.
    let extra: Vec<String> = answers
        .keys()
        .filter(|k| !bank.contains(k))
        .take(MAX_REPORTED)
        .map(|k| k.chars().take(20).collect())
        .collect();
    if !extra.is_empty() {
        return Err(LearningError::ExtraAnswers(extra));
    }
    let missing: Vec<String> = shown
        .iter()
        .map(|&qi| &bank[qi])
        .filter(|id| answers.get(*id).is_none_or(|a| a.is_empty()))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(LearningError::MissingAnswers(missing));
    }
    let mut normalised = BTreeMap::new();
    let mut correct = Vec::new();
    let mut too_many = Vec::new();
    for &qi in shown {
        let q = &quiz.questions[qi];
        let id = &bank[qi];
        let mut chosen = BTreeSet::new();
        for option in &answers[id] {
            let j = (0..q.options.len()).find(|&j| option_id(j) == *option);
            match j {
                Some(j) => {
                    chosen.insert(j);
                }
                None => {
                    return Err(LearningError::UnknownOption {
                        question: id.clone(),
                        option: option.chars().take(20).collect(),
                    });
                }
            }
        }
        if !q.multiple() && chosen.len() > 1 {
            too_many.push(id.clone());
        }
        let right: BTreeSet<usize> = (0..q.options.len())
            .filter(|&j| q.options[j].correct)
            .collect();
        if chosen == right {
            correct.push(id.clone());
        }
        normalised.insert(
            id.clone(),
            chosen.into_iter().map(option_id).collect::<Vec<_>>(),
        );
    }
    if !too_many.is_empty() {
        return Err(LearningError::ExtraAnswers(too_many));
    }
    Ok((normalised, correct))
}

/// The full result of a graded attempt, in the order the attempt showed the questions. A pass
/// shows every correct option; a fail shows which questions were wrong and every explanation,
/// but the correct options only of the questions answered rightly (which the learner chose).
pub fn result(
    module: &Page,
    quiz_page: &Page,
    graded: &Graded,
    completion: Option<super::Completion>,
    read_again: Option<&ReadAgain>,
) -> Option<QuizResult> {
    let quiz = quiz_page.quiz.as_ref()?;
    let order = order(&module.id, &graded.attempt_id, quiz);
    let shown: Vec<usize> = if graded.questions.is_empty() {
        // Recorded before banks: every question answered, in the attempt's order.
        order
            .questions
            .iter()
            .copied()
            .filter(|&qi| graded.answers.contains_key(&question_id(qi)))
            .collect()
    } else {
        graded
            .questions
            .iter()
            .filter_map(|id| index_of(quiz, id))
            .collect()
    };
    let questions = shown
        .iter()
        .enumerate()
        .map(|(n, &qi)| {
            let q = &quiz.questions[qi];
            let id = question_id(qi);
            let chosen = graded.answers.get(&id).cloned().unwrap_or_default();
            let right = graded.correct.contains(&id);
            let shown = graded.passed || right;
            QuestionResult {
                number: n + 1,
                prompt_html: q.prompt_html.clone(),
                correct: right,
                options: order.options[qi]
                    .iter()
                    .map(|&oj| OptionResult {
                        id: option_id(oj),
                        html: q.options[oj].html.clone(),
                        correct: shown.then_some(q.options[oj].correct),
                        chosen: chosen.contains(&option_id(oj)),
                    })
                    .collect(),
                explanation_html: q.explanation_html.clone(),
                id,
            }
        })
        .collect();
    Some(QuizResult {
        module_id: module.id.clone(),
        attempt_id: graded.attempt_id.clone(),
        module_version: graded.module_version.clone(),
        score: graded.score,
        out_of: graded.out_of,
        pass_mark: graded.pass_mark,
        passed: graded.passed,
        questions,
        completion,
        read_again: read_again
            .map(|r| sections_to_read(module, r))
            .unwrap_or_default(),
    })
}

/// The module (required of the person) and its quiz, both with the organisation's names in.
fn module_and_quiz(
    setting: &Setting,
    person: &Person,
    module_id: &str,
) -> Result<(Page, Page), LearningError> {
    check_org(setting, person)?;
    let module = Required::of(setting, person)
        .module(module_id)
        .ok_or_else(|| LearningError::NotAssigned(module_id.chars().take(80).collect()))?;
    let quiz = setting
        .library
        .quiz_of(module_id)
        .filter(|q| q.quiz.is_some())
        .ok_or_else(|| LearningError::NoQuiz(module_id.to_string()))?;
    Ok((
        module.for_org(setting.profile),
        quiz.for_org(setting.profile),
    ))
}

/// Renders an attempt again by its id (a reload): the same questions in the same order. Only
/// for the person's current attempt.
pub async fn render_quiz<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    person: &Person,
    module_id: &str,
    attempt_id: &str,
) -> Result<QuizView, LearningError> {
    let (module, quiz) = module_and_quiz(setting, person, module_id)?;
    let state = read_state(store, &person.org, &person.id, ItemRef::module(module_id)).await?;
    match state.module().and_then(|m| m.current_attempt.as_ref()) {
        Some(a) if a.id == attempt_id && a.graded.is_none() => {
            let bank = quiz
                .quiz
                .as_ref()
                .ok_or(LearningError::NoQuiz(module.id.clone()))?;
            let shown = shown(&module.id, &a.id, &a.questions, bank);
            view(&module, &quiz, attempt_id, &shown).ok_or(LearningError::NoQuiz(module.id.clone()))
        }
        _ => Err(LearningError::UnknownAttempt),
    }
}

/// Starts a quiz attempt, or returns the one in progress (a reload or a second tab gets the
/// same attempt, in the same order). A new attempt draws its questions from the bank (never the
/// same questions in the same order as the attempt before) and stores their ids with it. After
/// two failed attempts in a row it is refused ([`LearningError::ReadAgainFirst`]) until the
/// person has opened again the sections the missed questions come from. 1 read, and 1 write
/// when a new attempt starts.
pub async fn start_quiz<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    person: &Person,
    module_id: &str,
    now: DateTime<Utc>,
) -> Result<QuizView, LearningError> {
    let (module, quiz) = module_and_quiz(setting, person, module_id)?;
    let mut state = read_state(store, &person.org, &person.id, ItemRef::module(module_id)).await?;
    let counted_before = crate::counters::counter_of(&state);
    let StateBody::Module(m) = &mut state.body else {
        return Err(LearningError::Corrupt("module state expected".into()));
    };
    let bank = quiz
        .quiz
        .as_ref()
        .ok_or(LearningError::NoQuiz(module.id.clone()))?;
    if let Some(a) = &m.current_attempt
        && a.graded.is_none()
        && a.module_version == module.version
    {
        let shown = shown(&module.id, &a.id, &a.questions, bank);
        return view(&module, &quiz, &a.id, &shown).ok_or(LearningError::NoQuiz(module.id.clone()));
    }
    if let Some(r) = &m.read_again
        && !r.done(&anchors(&module))
    {
        return Err(LearningError::ReadAgainFirst(sections_to_read(&module, r)));
    }
    let before: Vec<String> = m
        .current_attempt
        .as_ref()
        .map(|a| {
            let shown = shown(&module.id, &a.id, &a.questions, bank);
            shown.into_iter().map(question_id).collect()
        })
        .unwrap_or_default();
    // A new draw until it differs from the attempt before (with a bank of 10 and 6 shown, the
    // first draw nearly always does).
    let (attempt_id, drawn) = (0..32)
        .map(|_| {
            let id = uuid::Uuid::new_v4().to_string();
            let drawn = draw(&module.id, &id, bank);
            (id, drawn)
        })
        .find(|(_, drawn)| drawn.iter().copied().map(question_id).collect::<Vec<_>>() != before)
        .ok_or_else(|| LearningError::Corrupt("no new draw of the quiz".into()))?;
    m.read_again = None;
    m.current_attempt = Some(CurrentAttempt {
        id: attempt_id.clone(),
        module_version: module.version.clone(),
        started_at: crate::store::timestamp(now),
        questions: drawn.iter().copied().map(question_id).collect(),
        graded: None,
    });
    match super::write_state(store, person, counted_before, &state).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => return Err(LearningError::Conflict),
        Err(e) => return Err(e.into()),
    }
    view(&module, &quiz, &attempt_id, &drawn).ok_or(LearningError::NoQuiz(module.id.clone()))
}

/// Grades an attempt and records it; the first passing attempt while the module is due records
/// the completion and its certificate (see [`completion::COMPLETION_POLICY`]).
///
/// Refused, writing nothing: another organisation, a module not required of the person, an
/// attempt that is not their current one, a module changed since the attempt began, missing,
/// extra or unknown answers. A second submission of the same attempt returns the first result
/// and records nothing. 1 read + 1 transaction.
pub async fn submit_quiz<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    person: &Person,
    module_id: &str,
    attempt_id: &str,
    answers: &Answers,
    now: DateTime<Utc>,
) -> Result<Submitted, LearningError> {
    let (module, quiz_page) = module_and_quiz(setting, person, module_id)?;
    if uuid::Uuid::parse_str(attempt_id).is_err() {
        return Err(LearningError::UnknownAttempt);
    }
    let state = read_state(store, &person.org, &person.id, ItemRef::module(module_id)).await?;
    if let Some(done) = already_submitted(&module, &quiz_page, &state, attempt_id)? {
        return Ok(done);
    }
    let current = state
        .module()
        .and_then(|m| m.current_attempt.clone())
        .filter(|a| a.id == attempt_id && a.graded.is_none())
        .ok_or(LearningError::UnknownAttempt)?;
    if current.module_version != module.version {
        return Err(LearningError::ModuleChanged);
    }
    let quiz = quiz_page.quiz.as_ref().expect("checked in module_and_quiz");
    let shown = shown(&module.id, &current.id, &current.questions, quiz);
    let (normalised, correct) = grade(quiz, &shown, answers)?;
    let score = correct.len() as u32;
    let missed_sections: Vec<String> = shown
        .iter()
        .filter(|&&qi| !correct.contains(&question_id(qi)))
        .map(|&qi| quiz.questions[qi].section.clone())
        .collect();
    let graded = Graded {
        attempt_id: attempt_id.to_string(),
        module_version: module.version.clone(),
        questions: shown.iter().copied().map(question_id).collect(),
        answers: normalised,
        correct,
        score,
        out_of: shown.len() as u32,
        pass_mark: quiz.pass_mark,
        passed: score >= quiz.pass_mark,
        submitted_at: crate::store::timestamp(now),
        completed: false,
    };
    let recorded = completion::record_attempt(
        setting,
        person,
        &module,
        &state,
        &current,
        graded,
        &missed_sections,
        now,
    )?;
    match store.transact(recorded.ops).await {
        Ok(()) => {
            tracing::info!(
                org = %person.org,
                person_id = person.id,
                module_id,
                passed = recorded.graded.passed,
                completed = recorded.completion.is_some(),
                "quiz attempt recorded"
            );
            let result = result(
                &module,
                &quiz_page,
                &recorded.graded,
                recorded.completion,
                recorded.read_again.as_ref(),
            )
            .ok_or(LearningError::NoQuiz(module.id.clone()))?;
            Ok(Submitted {
                result,
                repeat: false,
            })
        }
        Err(StoreError::TransactionConditionFailed { .. }) => {
            // Someone wrote the state since it was read: a second submission of this attempt
            // that won the race (return its result), or another change (refuse; retry).
            let state =
                read_state(store, &person.org, &person.id, ItemRef::module(module_id)).await?;
            already_submitted(&module, &quiz_page, &state, attempt_id)?
                .ok_or(LearningError::Conflict)
        }
        Err(e) => Err(e.into()),
    }
}

/// The stored result when this attempt was already submitted.
fn already_submitted(
    module: &Page,
    quiz_page: &Page,
    state: &StoredState,
    attempt_id: &str,
) -> Result<Option<Submitted>, LearningError> {
    let Some(m) = state.module() else {
        return Ok(None);
    };
    match &m.current_attempt {
        Some(a) if a.id == attempt_id => match &a.graded {
            Some(g) => {
                let completion = m
                    .completion
                    .clone()
                    .filter(|c| g.completed && c.attempt_id == g.attempt_id);
                let result = result(module, quiz_page, g, completion, m.read_again.as_ref())
                    .ok_or(LearningError::NoQuiz(module.id.clone()))?;
                Ok(Some(Submitted {
                    result,
                    repeat: true,
                }))
            }
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The result of the person's last submitted attempt of a module, if any (the page after a
/// submission, and a reload of it). 1 read.
pub async fn quiz_result<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    person: &Person,
    module_id: &str,
) -> Result<Option<QuizResult>, LearningError> {
    let (module, quiz_page) = module_and_quiz(setting, person, module_id)?;
    let state = read_state(store, &person.org, &person.id, ItemRef::module(module_id)).await?;
    let Some(id) = state
        .module()
        .and_then(|m| m.current_attempt.as_ref())
        .map(|a| a.id.clone())
    else {
        return Ok(None);
    };
    Ok(already_submitted(&module, &quiz_page, &state, &id)?.map(|s| s.result))
}
