//! The content check's easy-read rules, with failing fixtures.

use super::*;

const ORG: &str = r#"
id = "demo"
name = "Demo College"
kind = "college"
out_of_hours = "Call 01632 960999."
[dsl]
name = "Sam Lee"
title = "Designated Safeguarding Lead"
phone = "01632 960100"
email = "dsl@demo.example.org"
[allegations_lead]
name = "Pat Kay"
title = "Principal"
phone = "01632 960101"
email = "principal@demo.example.org"
[local]
authority = "Example County Council"
lado_phone = "01632 960200"
front_door_phone = "01632 960201"
"#;

fn files(pages: &[(&str, String)]) -> Vec<SourceFile> {
    let mut out = vec![
        SourceFile {
            path: "organisations/demo.toml".into(),
            text: ORG.into(),
        },
        SourceFile {
            path: "help.toml".into(),
            text: include_str!("../../../../content/help.toml").into(),
        },
        SourceFile {
            path: "worries.toml".into(),
            text: include_str!("../../../../content/worries.toml").into(),
        },
    ];
    out.extend(pages.iter().map(|(path, text)| SourceFile {
        path: path.to_string(),
        text: text.clone(),
    }));
    out
}

fn page(kind: &str, id: &str, title: &str, version: &str, body: &str) -> String {
    // Learner modules name the UKCIS strands they cover.
    let ukcis = if kind == "module" {
        "ukcis = [\"online-relationships\"]\n"
    } else {
        ""
    };
    format!(
        "+++\nid = \"{id}\"\nkind = \"{kind}\"\naudience = [\"learners\"]\ntitle = \"{title}\"\nsummary = \"S\"\nversion = \"{version}\"\nsource = \"Kent policy\"\nsources = [\"DfE\"]\n{ukcis}last_reviewed = 2026-01-01\nnext_review = 2099-01-01\nminutes = 5\n+++\n{body}"
    )
}

fn quiz(id: &str, module: &str, section: &str) -> String {
    let mut body = String::new();
    for n in 1..=quiz::MIN_QUESTIONS {
        body.push_str(&format!(
            "## Question {n} (section: {section})\n\nWhat do you do?\n\n- [ ] Keep it in\n- [x] Tell\n\n> Tell someone. It helps.\n\n"
        ));
    }
    format!(
        "+++\nid = \"{id}\"\nkind = \"quiz\"\nmodule = \"{module}\"\naudience = [\"learners\"]\ntitle = \"Quiz\"\nsummary = \"S\"\nversion = \"1.0.0\"\nsource = \"Kent policy\"\nsources = [\"DfE\"]\nlast_reviewed = 2026-01-01\nnext_review = 2099-01-01\nminutes = 4\npass_mark = 3\n+++\n{body}"
    )
}

/// Plain, but not easy read: Flesch reading ease between 60 and 80.
const PLAIN: &str = "## Staying safe\n\nIf something online upsets you, talk to a member of staff as soon as possible. Remember that messages, photographs and comments can travel further than you expect.\n";
/// Easy read: short sentences and short words.
const EASY: &str =
    "## Be safe\n\nTell someone you trust. It is not your fault. You can tell us now.\n";

fn problems(pages: &[(&str, String)]) -> Vec<String> {
    match load(files(pages)) {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn an_easy_read_page_under_80_is_refused_with_its_score() {
    let score = readability::flesch_reading_ease(&readability::plain_text(PLAIN)).unwrap();
    assert!(
        (readability::LEARNER_MINIMUM..readability::EASY_READ_MINIMUM).contains(&score),
        "the fixture must be plain but not easy: {score}"
    );
    let standard = ("aups/a.md", page("aup", "a", "A", "1.0.0", PLAIN));
    // The same words pass as a standard learner page...
    assert_eq!(
        problems(std::slice::from_ref(&standard)),
        Vec::<String>::new()
    );
    // ...and are refused as its easy-read version, with the score and the minimum.
    let hard = problems(&[
        standard.clone(),
        ("aups/easy-read/a.md", page("aup", "a", "A", "1.0.0", PLAIN)),
    ]);
    assert_eq!(
        hard,
        vec![format!(
            "content/aups/easy-read/a.md:14: too hard for easy read: Flesch reading ease {score:.0}, needs 80 or more (one idea per sentence, short everyday words)"
        )]
    );
    let easy = (
        "aups/easy-read/a.md",
        page("aup", "a", "A (easy read)", "1.0.0", EASY),
    );
    assert_eq!(problems(&[standard, easy]), Vec::<String>::new());
}

#[test]
fn an_easy_read_page_retells_a_page_of_the_same_id_version_and_sections() {
    let standard = ("aups/a.md", page("aup", "a", "A", "1.0.0", PLAIN));
    let orphan = problems(&[
        standard.clone(),
        ("aups/easy-read/b.md", page("aup", "b", "B", "1.0.0", EASY)),
    ]);
    assert!(
        orphan
            .iter()
            .any(|p| p.contains("easy-read version of `b`, which is not a aup page")),
        "{orphan:?}"
    );
    let other_version = problems(&[
        standard.clone(),
        ("aups/easy-read/a.md", page("aup", "a", "A", "1.1.0", EASY)),
    ]);
    assert!(
        other_version
            .iter()
            .any(|p| p.contains("version 1.1.0 must be the version of `aups/a.md` (1.0.0)")),
        "{other_version:?}"
    );
    let two_sections = format!("{EASY}\n## More\n\nAsk us. We will help.\n");
    let more = problems(&[
        standard,
        (
            "aups/easy-read/a.md",
            page("aup", "a", "A", "1.0.0", &two_sections),
        ),
    ]);
    assert!(
        more.iter()
            .any(|p| p.contains("has 2 sections; `aups/a.md` has 1")),
        "{more:?}"
    );
}

#[test]
fn the_easy_read_library_has_the_same_ids_versions_and_anchors() {
    let lib = load(files(&[
        (
            "modules/learners/m.md",
            page("module", "m", "M", "2.0.0", PLAIN),
        ),
        ("quizzes/m-quiz.md", quiz("m-quiz", "m", "staying-safe")),
        (
            "modules/learners/easy-read/m.md",
            page("module", "m", "M (easy read)", "2.0.0", EASY),
        ),
        // Its questions name the standard module's section: both versions share anchors.
        (
            "quizzes/easy-read/m-quiz.md",
            quiz("m-quiz", "m", "staying-safe"),
        ),
    ]))
    .unwrap();
    // Easy-read pages are not extra pages: lists, requirements and compliance see one module.
    assert_eq!(lib.pages_of(Kind::Module).count(), 1);
    assert_eq!(lib.page(Kind::Module, "m").unwrap().title, "M");
    let easy = lib.in_easy_read();
    let m = easy.page(Kind::Module, "m").unwrap();
    assert_eq!(
        (m.title.as_str(), m.version.as_str()),
        ("M (easy read)", "2.0.0")
    );
    assert_eq!(m.sections[0].anchor, "staying-safe");
    assert_eq!(m.sections[0].title, "Be safe");
    assert!(m.reading_ease.unwrap() >= readability::EASY_READ_MINIMUM);
    assert_eq!(
        easy.quiz_of("m").unwrap().file,
        "quizzes/easy-read/m-quiz.md"
    );
    assert_eq!(lib.quiz_of("m").unwrap().file, "quizzes/m-quiz.md");

    // An easy-read module without its easy-read quiz is refused (the learner could not finish).
    let no_quiz = problems(&[
        (
            "modules/learners/m.md",
            page("module", "m", "M", "2.0.0", PLAIN),
        ),
        ("quizzes/m-quiz.md", quiz("m-quiz", "m", "staying-safe")),
        (
            "modules/learners/easy-read/m.md",
            page("module", "m", "M (easy read)", "2.0.0", EASY),
        ),
    ]);
    assert!(
        no_quiz.iter().any(|p| p.starts_with(
            "content/modules/learners/easy-read/m.md:2: a module ends in exactly one quiz"
        )),
        "{no_quiz:?}"
    );
}

#[test]
fn every_learner_module_its_quiz_and_the_learner_aup_have_an_easy_read_version_of_80_or_more() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let mut files = Vec::new();
    for sub in ["modules/learners", "quizzes", "aups"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap().flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("md") {
                files.push(path);
            }
        }
    }
    let learner = |text: &str| text.contains("audience = [\"learners\"]");
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        if !learner(&text) || text.contains("kind = \"guide\"") {
            continue;
        }
        let name = path.file_name().unwrap();
        let easy = path.parent().unwrap().join("easy-read").join(name);
        let easy_text = std::fs::read_to_string(&easy)
            .unwrap_or_else(|_| panic!("{} has no easy-read version", path.display()));
        let body = easy_text.splitn(3, "+++\n").nth(2).unwrap();
        let score = readability::flesch_reading_ease(&readability::plain_text(body)).unwrap();
        assert!(score >= 80.0, "{}: {score}", easy.display());
        checked += 1;
    }
    // 8 learner modules, their 8 quizzes and the learner AUP.
    assert!(checked >= 17, "{checked}");
}
