//! Quizzes as content authors write them: one `## ` heading per question, the question text,
//! a checklist of answers (`- [x]` correct, `- [ ]` wrong) and a `>` quote explaining the answer.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, html};
use serde::{Deserialize, Serialize};

/// A quiz is a bank of questions; each attempt shows [`SHOWN_PER_ATTEMPT`] of them, drawn
/// afresh, so a retry is not the same paper. A bank has at least 10 questions (issue 19), so
/// that there is a real choice of papers to draw from.
pub const MIN_QUESTIONS: usize = 10;
pub const MAX_QUESTIONS: usize = 30;
/// How many of the bank's questions one attempt shows (the pass mark is out of these).
pub const SHOWN_PER_ATTEMPT: usize = 6;
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 6;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizOption {
    /// The answer's text as HTML (inline Markdown rendered; raw HTML already escaped).
    pub html: String,
    pub correct: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The anchor of the module's section the question comes from (`(section: <anchor>)` at the
    /// end of the question's heading); a learner who fails twice is sent back to it.
    #[serde(default)]
    pub section: String,
    pub prompt_html: String,
    pub options: Vec<QuizOption>,
    pub explanation_html: String,
}

impl Question {
    /// More than one correct answer: people choose all that apply.
    pub fn multiple(&self) -> bool {
        self.options.iter().filter(|o| o.correct).count() > 1
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiz {
    pub questions: Vec<Question>,
    /// How many questions must be answered correctly to pass.
    pub pass_mark: u32,
}

/// A quiz problem at a byte offset of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuizProblem {
    pub offset: usize,
    pub reason: String,
}

#[derive(Default)]
struct Draft<'a> {
    offset: usize,
    label: String,
    prompt: Vec<Event<'a>>,
    options: Vec<(bool, Vec<Event<'a>>, usize)>,
    explanation: Vec<Event<'a>>,
    seen_options: bool,
    seen_explanation: bool,
}

fn to_html(events: Vec<Event>) -> String {
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    out.trim().to_string()
}

/// Parses a quiz body. Problems are reported, never panicked on, whatever the input.
pub fn parse(markdown: &str, pass_mark: Option<u32>) -> (Option<Quiz>, Vec<QuizProblem>) {
    with_pass_mark(parse_bank(markdown), pass_mark)
}

/// The questions of a quiz body and its problems: what depends on the body alone (the build
/// script works this out for the embedded quizzes, see `prebuilt.rs`).
pub fn parse_bank(markdown: &str) -> (Vec<Question>, Vec<QuizProblem>) {
    let mut problems = Vec::new();
    let mut drafts: Vec<Draft> = Vec::new();
    // What the events of the current top-level block are collected into.
    #[derive(Clone, Copy, PartialEq)]
    enum Into {
        Nothing,
        Heading,
        Prompt,
        Options,
        Option,
        Explanation,
    }
    let mut into = Into::Nothing;
    let mut depth = 0usize;
    let mut expect_marker = false;
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TASKLISTS | Options::ENABLE_SMART_PUNCTUATION,
    );

    for (event, range) in parser.into_offset_iter() {
        let offset = range.start;
        // Raw HTML is shown as text, as everywhere else.
        let event = match event {
            Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
            other => other,
        };
        match &event {
            Event::Start(tag) if depth == 0 => {
                depth += 1;
                let last = drafts.last_mut();
                into = match (tag, last) {
                    (
                        Tag::Heading {
                            level: HeadingLevel::H2,
                            ..
                        },
                        _,
                    ) => {
                        drafts.push(Draft {
                            offset,
                            ..Draft::default()
                        });
                        Into::Heading
                    }
                    (_, None) => {
                        problems.push(QuizProblem {
                            offset,
                            reason: "text before the first question: start each question with a `## ` heading".into(),
                        });
                        Into::Nothing
                    }
                    (Tag::List(None), Some(d)) if !d.seen_options => {
                        d.seen_options = true;
                        Into::Options
                    }
                    (Tag::BlockQuote(_), Some(d)) if !d.seen_explanation => {
                        if !d.seen_options {
                            problems.push(QuizProblem {
                                offset,
                                reason: "the explanation (`>`) must come after the answers".into(),
                            });
                        }
                        d.seen_explanation = true;
                        Into::Explanation
                    }
                    (_, Some(d)) if d.seen_options || d.seen_explanation => {
                        problems.push(QuizProblem {
                            offset,
                            reason: "unexpected text after the answers: each question is its text, then `- [ ]` answers, then one `>` explanation".into(),
                        });
                        Into::Nothing
                    }
                    (_, Some(_)) => Into::Prompt,
                };
                if into != Into::Prompt {
                    continue;
                }
            }
            Event::Start(Tag::Item) if depth == 1 && into == Into::Options => {
                depth += 1;
                if let Some(d) = drafts.last_mut() {
                    d.options.push((false, Vec::new(), offset));
                }
                into = Into::Option;
                expect_marker = true;
                continue;
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let closing_prompt = into == Into::Prompt;
                    into = Into::Nothing;
                    if !closing_prompt {
                        continue;
                    }
                    if let Some(d) = drafts.last_mut() {
                        d.prompt.push(event);
                    }
                    continue;
                }
                if depth == 1 && into == Into::Option {
                    if expect_marker {
                        problems.push(QuizProblem {
                            offset,
                            reason: "each answer must start with `[ ]` or `[x]`".into(),
                        });
                        expect_marker = false;
                    }
                    into = Into::Options;
                    continue;
                }
            }
            Event::TaskListMarker(checked) => {
                if expect_marker
                    && let Some(option) = drafts.last_mut().and_then(|d| d.options.last_mut())
                {
                    option.0 = *checked;
                }
                expect_marker = false;
                continue;
            }
            _ => {
                if expect_marker {
                    problems.push(QuizProblem {
                        offset,
                        reason: "each answer must start with `[ ]` or `[x]`".into(),
                    });
                    expect_marker = false;
                }
            }
        }
        let Some(d) = drafts.last_mut() else { continue };
        match into {
            Into::Heading => {
                if let Event::Text(t) | Event::Code(t) = &event {
                    d.label.push_str(t);
                }
            }
            Into::Prompt => d.prompt.push(event),
            Into::Option => {
                if let Some(o) = d.options.last_mut() {
                    o.1.push(event);
                }
            }
            Into::Explanation => d.explanation.push(event),
            Into::Options | Into::Nothing => {}
        }
    }

    let mut questions = Vec::new();
    for d in drafts {
        let label = if d.label.trim().is_empty() {
            "a question".to_string()
        } else {
            format!("`{}`", d.label.trim())
        };
        let section = section_of(&d.label);
        let mut bad = false;
        let mut problem = |reason: String| {
            problems.push(QuizProblem {
                offset: d.offset,
                reason,
            });
            bad = true;
        };
        if d.prompt.is_empty() {
            problem(format!("{label} has no question text"));
        }
        if section.is_none() {
            problem(format!(
                "{label} does not name its section: end the heading with `(section: <anchor>)`, the anchor of the module's `## ` heading the question comes from (e.g. `## Question 1 (section: key-points)`)"
            ));
        }
        if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&d.options.len()) {
            problem(format!(
                "{label} has {} answers; a question needs {MIN_OPTIONS} to {MAX_OPTIONS}, written `- [ ]` or `- [x]`",
                d.options.len()
            ));
        }
        if !d.options.is_empty() && !d.options.iter().any(|o| o.0) {
            problem(format!(
                "{label} has no correct answer: mark at least one with `[x]`"
            ));
        }
        if d.options.iter().any(|o| {
            o.1.iter()
                .all(|e| matches!(e, Event::SoftBreak | Event::HardBreak))
        }) {
            problem(format!("{label} has an empty answer"));
        }
        if d.explanation.is_empty() {
            problem(format!(
                "{label} has no explanation: add a `>` quote after the answers"
            ));
        }
        if !bad {
            questions.push(Question {
                section: section.unwrap_or_default(),
                prompt_html: to_html(d.prompt),
                options: d
                    .options
                    .into_iter()
                    .map(|(correct, events, _)| QuizOption {
                        html: to_html(events),
                        correct,
                    })
                    .collect(),
                explanation_html: to_html(d.explanation),
            });
        }
    }
    (questions, problems)
}

/// A quiz from its bank and the front matter's pass mark, or every problem found.
pub fn with_pass_mark(
    (questions, mut problems): (Vec<Question>, Vec<QuizProblem>),
    pass_mark: Option<u32>,
) -> (Option<Quiz>, Vec<QuizProblem>) {
    let count = questions.len();
    let failed_before = !problems.is_empty();
    if !failed_before && !(MIN_QUESTIONS..=MAX_QUESTIONS).contains(&count) {
        problems.push(QuizProblem {
            offset: 0,
            reason: format!(
                "the quiz has {count} questions; it needs {MIN_QUESTIONS} to {MAX_QUESTIONS} (a bank: each attempt shows {SHOWN_PER_ATTEMPT} of them)"
            ),
        });
    }
    match pass_mark {
        None => problems.push(QuizProblem {
            offset: 0,
            reason: "a quiz needs `pass_mark` in its front matter".into(),
        }),
        Some(0) => problems.push(QuizProblem {
            offset: 0,
            reason: "pass_mark must be at least 1".into(),
        }),
        Some(p) if !failed_before && p as usize > count.min(SHOWN_PER_ATTEMPT) => {
            problems.push(QuizProblem {
                offset: 0,
                reason: format!(
                    "pass_mark {p} cannot be reached: an attempt shows {} questions",
                    count.min(SHOWN_PER_ATTEMPT)
                ),
            })
        }
        _ => {}
    }
    if problems.is_empty() {
        (
            Some(Quiz {
                questions,
                pass_mark: pass_mark.unwrap_or_default(),
            }),
            problems,
        )
    } else {
        (None, problems)
    }
}

/// The section a question's heading names: `Question 3 (section: spotting-a-scam)` gives
/// `spotting-a-scam` (lowercase letters, digits and hyphens, as anchors are written).
pub fn section_of(label: &str) -> Option<String> {
    let inner = label.trim().strip_suffix(')')?;
    let (_, anchor) = inner.rsplit_once("(section:")?;
    let anchor = anchor.trim();
    (!anchor.is_empty()
        && anchor
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    .then(|| anchor.to_string())
}

/// The text of an option without its markup, as a learner sees it.
fn visible_len(html: &str) -> usize {
    let mut inside = false;
    let mut n = 0;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            _ if !inside => n += 1,
            _ => {}
        }
    }
    n
}

/// `(giveaways, single)`: of the quiz's `single` single-answer questions, in how many the
/// correct option is the only longest one (a test-wise learner's guess). The content check
/// refuses a quiz where that is more than a third.
pub fn longest_is_correct(quiz: &Quiz) -> (usize, usize) {
    let single: Vec<&Question> = quiz.questions.iter().filter(|q| !q.multiple()).collect();
    let giveaways = single
        .iter()
        .filter(|q| {
            let lens: Vec<usize> = q.options.iter().map(|o| visible_len(&o.html)).collect();
            let max = lens.iter().copied().max().unwrap_or(0);
            lens.iter().filter(|&&l| l == max).count() == 1
                && q.options
                    .iter()
                    .zip(&lens)
                    .any(|(o, &l)| o.correct && l == max)
        })
        .count();
    (giveaways, single.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(n: usize, answers: &str) -> String {
        format!(
            "## Question {n} (section: what-to-do)\n\nWhat do you do?\n\n{answers}\n> Because it is safest.\n\n"
        )
    }

    fn quiz(questions: usize) -> String {
        (1..=questions)
            .map(|n| question(n, "- [ ] Ignore it\n- [x] Tell someone\n"))
            .collect()
    }

    #[test]
    fn a_well_formed_quiz_parses_with_single_and_multiple_choice() {
        let mut body = quiz(9);
        body.push_str(&question(
            10,
            "- [x] Save it\n- [x] Block them\n- [ ] Reply *angrily*\n",
        ));
        let (quiz, problems) = parse(&body, Some(3));
        assert_eq!(problems, vec![]);
        let quiz = quiz.unwrap();
        assert_eq!(quiz.questions.len(), 10);
        assert!(!quiz.questions[0].multiple());
        assert!(quiz.questions[9].multiple());
        assert_eq!(quiz.questions[9].options[2].html, "Reply <em>angrily</em>");
        assert_eq!(quiz.questions[0].section, "what-to-do");
        assert_eq!(quiz.questions[0].prompt_html, "<p>What do you do?</p>");
        assert_eq!(
            quiz.questions[0].explanation_html,
            "<p>Because it is safest.</p>"
        );
    }

    fn reasons(body: &str, pass: Option<u32>) -> Vec<String> {
        parse(body, pass).1.into_iter().map(|p| p.reason).collect()
    }

    #[test]
    fn mistakes_are_reported_with_reasons() {
        let no_correct = format!("{}{}", quiz(9), question(10, "- [ ] A\n- [ ] B\n"));
        assert!(
            reasons(&no_correct, Some(3))
                .iter()
                .any(|r| r.contains("no correct answer")),
            "{:?}",
            reasons(&no_correct, Some(3))
        );
        let one_answer = format!("{}{}", quiz(9), question(10, "- [x] A\n"));
        assert!(
            reasons(&one_answer, Some(3))
                .iter()
                .any(|r| r.contains("has 1 answers"))
        );
        let plain_list = format!("{}{}", quiz(9), question(10, "- A\n- B\n"));
        assert!(
            reasons(&plain_list, Some(3))
                .iter()
                .any(|r| r.contains("must start with `[ ]` or `[x]`"))
        );
        // The pass mark is out of the questions an attempt shows, not the whole bank.
        assert!(
            reasons(&quiz(12), Some(7))
                .iter()
                .any(|r| r.contains("pass_mark 7 cannot be reached: an attempt shows 6"))
        );
        assert_eq!(reasons(&quiz(12), Some(6)), Vec::<String>::new());
        assert!(
            reasons(&quiz(10), None)
                .iter()
                .any(|r| r.contains("needs `pass_mark`"))
        );
        // A bank smaller than the minimum is refused; the minimum is enough.
        assert!(
            reasons(&quiz(MIN_QUESTIONS - 1), Some(3))
                .iter()
                .any(|r| r.contains(&format!(
                    "{} questions; it needs {MIN_QUESTIONS} to 30",
                    MIN_QUESTIONS - 1
                ))),
            "{:?}",
            reasons(&quiz(MIN_QUESTIONS - 1), Some(3))
        );
        assert_eq!(reasons(&quiz(MIN_QUESTIONS), Some(3)), Vec::<String>::new());
        let no_explanation = quiz(10).replacen("> Because it is safest.", "", 1);
        assert!(
            reasons(&no_explanation, Some(3))
                .iter()
                .any(|r| r.contains("no explanation"))
        );
        let preamble = format!("Intro text\n\n{}", quiz(10));
        assert!(
            reasons(&preamble, Some(3))
                .iter()
                .any(|r| r.contains("before the first question"))
        );
        let no_section = quiz(10).replacen(" (section: what-to-do)", "", 1);
        assert!(
            reasons(&no_section, Some(3))
                .iter()
                .any(|r| r.contains("`Question 1` does not name its section"))
        );
    }

    #[test]
    fn a_heading_names_its_section_as_an_anchor() {
        assert_eq!(
            section_of("Question 3 (section: spotting-a-scam)").as_deref(),
            Some("spotting-a-scam")
        );
        assert_eq!(
            section_of("Question 3 (section:key-points) ").as_deref(),
            Some("key-points")
        );
        for bad in [
            "Question 3",
            "Question 3 (section: )",
            "Question 3 (section: Spotting a scam)",
            "Question 3 (section: a#b)",
            "(section: x) Question 3",
        ] {
            assert_eq!(section_of(bad), None, "{bad}");
        }
    }
}
