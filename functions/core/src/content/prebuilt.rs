//! The embedded pages' Markdown, rendered and scored at build time (`build.rs` runs the same
//! [`render`], [`readability`] and [`quiz`] code over `content/`): a cold start takes each page's
//! results from this table instead of parsing its Markdown two or three times (issue 23). A body is found by its length
//! and fingerprint, so a body the table does not know (content read from a folder, an edit
//! without a rebuild) is worked out as before; the results are the same either way (tested).

use super::{page_text, quiz, readability, render};

/// What `build.rs` wrote for one body. Strings are `'static`: they live in the binary.
pub(super) struct Body {
    len: usize,
    fingerprint: u64,
    reading_ease: Option<f64>,
    /// (anchor, title, html) of each section.
    sections: &'static [(&'static str, &'static str, &'static str)],
    findings: &'static [Found],
    /// A quiz's questions (worked out for the files in `quizzes/`).
    bank: Option<Bank>,
}

/// [`quiz::parse_bank`]'s result with `'static` strings.
struct Bank {
    questions: &'static [Asked],
    /// (offset, reason)
    problems: &'static [(usize, &'static str)],
}

/// A [`quiz::Question`] with `'static` strings; options are (html, correct).
struct Asked {
    section: &'static str,
    prompt_html: &'static str,
    explanation_html: &'static str,
    options: &'static [(&'static str, bool)],
}

/// [`render::Finding`] with `'static` strings.
// Only links are found in content that passes its check; the other kinds are built by the table
// only for a page that fails it (the server then refuses to start, as before).
#[allow(dead_code)]
pub(super) enum Found {
    RawHtml(usize),
    UnsafeLink(usize, &'static str),
    InternalLink(usize, &'static str),
    Image(usize),
    Heading1(usize),
}

mod table {
    use super::{Asked, Bank, Body, Found};
    include!(concat!(env!("OUT_DIR"), "/prebuilt_bodies.rs"));
}

fn built(body: &str) -> Option<&'static Body> {
    let (len, fingerprint) = (body.len(), page_text::fingerprint(body));
    table::BODIES
        .iter()
        .find(|b| b.len == len && b.fingerprint == fingerprint)
}

/// A page body rendered into sections, and its Flesch reading ease.
pub fn render_and_score(body: &str) -> (render::Rendered, Option<f64>) {
    let Some(built) = built(body) else {
        let ease = readability::flesch_reading_ease(&readability::plain_text(body));
        return (render::render(body), ease);
    };
    let sections = built
        .sections
        .iter()
        .map(|(anchor, title, html)| render::Section {
            anchor: anchor.to_string(),
            title: title.to_string(),
            html: html.to_string(),
        })
        .collect();
    let findings = built
        .findings
        .iter()
        .map(|found| match *found {
            Found::RawHtml(offset) => render::Finding::RawHtml { offset },
            Found::UnsafeLink(offset, target) => render::Finding::UnsafeLink {
                offset,
                target: target.to_string(),
            },
            Found::InternalLink(offset, target) => render::Finding::InternalLink {
                offset,
                target: target.to_string(),
            },
            Found::Image(offset) => render::Finding::Image { offset },
            Found::Heading1(offset) => render::Finding::Heading1 { offset },
        })
        .collect();
    (render::Rendered { sections, findings }, built.reading_ease)
}

/// A quiz body's questions and problems, as [`quiz::parse_bank`] gives them.
pub fn quiz_bank(body: &str) -> (Vec<quiz::Question>, Vec<quiz::QuizProblem>) {
    let Some(bank) = built(body).and_then(|b| b.bank.as_ref()) else {
        return quiz::parse_bank(body);
    };
    let questions = bank
        .questions
        .iter()
        .map(|q| quiz::Question {
            section: q.section.to_string(),
            prompt_html: q.prompt_html.to_string(),
            explanation_html: q.explanation_html.to_string(),
            options: q
                .options
                .iter()
                .map(|(html, correct)| quiz::QuizOption {
                    html: html.to_string(),
                    correct: *correct,
                })
                .collect(),
        })
        .collect();
    let problems = bank
        .problems
        .iter()
        .map(|(offset, reason)| quiz::QuizProblem {
            offset: *offset,
            reason: reason.to_string(),
        })
        .collect();
    (questions, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every embedded page is in the table, and its results are exactly what the core's own code
    /// gives now: a table built by older code, or by a build script that drifted, fails here.
    #[test]
    fn the_table_gives_what_the_code_gives_for_every_embedded_page() {
        let (mut pages, mut quizzes) = (0, 0);
        for file in super::super::embedded_files() {
            if !file.path.ends_with(".md") {
                continue;
            }
            let text = file.text.replace("\r\n", "\n");
            let Ok((_, body, _)) = page_text::split(&text) else {
                continue;
            };
            pages += 1;
            assert!(built(body).is_some(), "{} is not in the table", file.path);
            let (rendered, ease) = render_and_score(body);
            let now = render::render(body);
            assert_eq!(rendered.sections, now.sections, "{}", file.path);
            assert_eq!(rendered.findings, now.findings, "{}", file.path);
            assert_eq!(
                ease,
                readability::flesch_reading_ease(&readability::plain_text(body)),
                "{}",
                file.path
            );
            if file.path.starts_with("quizzes/") {
                quizzes += 1;
                assert!(built(body).is_some_and(|b| b.bank.is_some()));
                assert_eq!(quiz_bank(body), quiz::parse_bank(body), "{}", file.path);
            }
        }
        assert!(pages > 40, "only {pages} pages were checked");
        assert!(quizzes > 10, "only {quizzes} quizzes were checked");
    }

    /// A body the table does not know is rendered and scored as it stands, so an edited page
    /// never gets an old page's results.
    #[test]
    fn a_body_the_table_does_not_know_is_worked_out() {
        let body = "Intro.\n\n## A heading\n\nSee [the page](/learn/x).\n";
        assert!(built(body).is_none());
        let (rendered, ease) = render_and_score(body);
        assert_eq!(rendered.sections.len(), 2);
        assert_eq!(rendered.sections[1].anchor, "a-heading");
        assert!(matches!(
            &rendered.findings[..],
            [render::Finding::InternalLink { target, .. }] if target == "/learn/x"
        ));
        assert!(ease.is_some());
        // One byte changed in an embedded body: not found, worked out afresh.
        let file = super::super::embedded_files()
            .into_iter()
            .find(|f| f.path.starts_with("modules/"))
            .unwrap();
        let text = file.text.replace("\r\n", "\n");
        let (_, body, _) = page_text::split(&text).ok().unwrap();
        let edited = body.replacen(' ', "  ", 1);
        assert!(built(body).is_some());
        assert!(built(&edited).is_none());
    }
}
