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

const HELP: &str = r#"
[[service]]
id = "emergency"
name = "Police emergency"
phone = "999"
description = "If someone is in danger now."
[[service]]
id = "ceop"
name = "CEOP"
url = "https://www.ceop.police.uk/Safety-Centre/"
description = "Report online sexual abuse."
[[service]]
id = "childline"
name = "Childline"
phone = "0800 1111"
description = "Talk to someone."
"#;

fn page(id: &str, extra_body: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\nkind = \"guide\"\naudience = [\"parents\"]\ntitle = \"Talking with {{{{org.name}}}}\"\nsummary = \"S\"\nversion = \"1.0.0\"\nsource = \"Kent policy, section 8\"\nsources = [\"NSPCC\"]\nlast_reviewed = 2026-01-01\nnext_review = 2027-01-01\nminutes = 5\n+++\n## First\n\nAsk {{{{dsl.name}}}} on {{{{dsl.phone}}}}.\n{extra_body}"
    )
}

fn files(pages: &[(&str, String)]) -> Vec<SourceFile> {
    let mut out = vec![
        SourceFile {
            path: "organisations/demo.toml".into(),
            text: ORG.into(),
        },
        SourceFile {
            path: "help.toml".into(),
            text: HELP.into(),
        },
        SourceFile {
            path: "worries.toml".into(),
            text: include_str!("../../../../content/worries.toml").into(),
        },
    ];
    for (path, text) in pages {
        out.push(SourceFile {
            path: path.to_string(),
            text: text.clone(),
        });
    }
    out
}

fn problems(pages: &[(&str, String)]) -> Vec<String> {
    load(files(pages))
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_valid_page_loads_and_substitutes_the_organisation() {
    let lib = load(files(&[(
        "guidance/talk.md",
        page("talk", "\nSee [more](/tell).\n"),
    )]))
    .unwrap();
    let org = lib.org("demo").unwrap();
    let p = lib.page(Kind::Guide, "talk").unwrap().for_org(org);
    assert_eq!(p.title, "Talking with Demo College");
    assert_eq!(p.url(), "/parents/talk");
    assert!(
        p.sections[0].html.contains("Ask Sam Lee on 01632 960100."),
        "{:?}",
        p.sections
    );
}

#[test]
fn problems_name_the_file_and_line() {
    let found = problems(&[
        (
            "guidance/a.md",
            page(
                "a",
                "\n<b>bold</b>\n\n[x](/parents/nowhere)\n\n{{dsl.shoe}}\n",
            ),
        ),
        ("guidance/b.md", page("a", "")),
    ]);
    let expect = [
        "content/guidance/a.md:18: raw HTML is not allowed",
        "content/guidance/a.md:20: link to `/parents/nowhere` does not resolve",
        "content/guidance/a.md:22: unknown placeholder `{{dsl.shoe}}`",
        "content/guidance/b.md:2: id `a` must match the file name `b.md`",
        "content/guidance/b.md:2: id `a` is already used by guidance/a.md",
    ];
    for e in expect {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "expected `{e}` in {found:#?}"
        );
    }
}

#[test]
fn front_matter_errors_point_at_the_field() {
    let bad = page("c", "").replace("audience = [\"parents\"]", "audience = [\"aliens\"]");
    let found = problems(&[("guidance/c.md", bad)]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/guidance/c.md:4:") && f.contains("aliens")),
        "{found:#?}"
    );

    let missing = "## no front matter\n".to_string();
    let found = problems(&[("guidance/d.md", missing)]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/guidance/d.md:1: missing front matter")),
        "{found:#?}"
    );

    let unknown_field = page("e", "").replace("minutes = 5", "minutes = 5\ncolour = \"red\"");
    let found = problems(&[("guidance/e.md", unknown_field)]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/guidance/e.md:13:") && f.contains("colour")),
        "{found:#?}"
    );
}

#[test]
fn modules_need_sections_and_review_dates_must_move_forward() {
    let module = page("m", "")
        .replace("kind = \"guide\"", "kind = \"module\"")
        .replace("next_review = 2027-01-01", "next_review = 2025-01-01");
    let found = problems(&[("guidance/m.md", module)]);
    assert!(
        found
            .iter()
            .any(|f| f.contains(":3: a module page belongs under content/modules/")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains(":11: next_review must be after last_reviewed")),
        "{found:#?}"
    );
}

#[test]
fn the_repository_content_passes_the_check() {
    if let Err(problems) = load_embedded() {
        panic!(
            "content problems:\n{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

fn kcsie(audience: &str) -> &'static str {
    if audience == "staff" {
        "kcsie = \"KCSIE 2025\"\n"
    } else {
        ""
    }
}

fn module(id: &str, audience: &str, body: &str) -> String {
    let kcsie = kcsie(audience);
    // Learner modules name the UKCIS strands they cover.
    let ukcis = if audience == "learners" {
        "ukcis = [\"online-relationships\"]\n"
    } else {
        ""
    };
    format!(
        "+++\nid = \"{id}\"\nkind = \"module\"\naudience = [\"{audience}\"]\ntitle = \"T\"\nsummary = \"S\"\nversion = \"1.0.0\"\nsource = \"Kent policy\"\nsources = [\"DfE\"]\n{kcsie}{ukcis}last_reviewed = 2026-01-01\nnext_review = 2099-01-01\nminutes = 5\n+++\n{body}"
    )
}

fn quiz_file(id: &str, module: &str, audience: &str, pass: u32, questions: usize) -> String {
    let mut body = String::new();
    for n in 1..=questions {
        body.push_str(&format!("## Question {n} (section: be-safe)\n\nWhat do you do? Ask {{{{dsl.name}}}}.\n\n- [ ] Keep it to yourself\n- [x] Tell someone\n\n> Telling helps. {{{{dsl.name}}}} & co.\n\n"));
    }
    let kcsie = kcsie(audience);
    format!(
        "+++\nid = \"{id}\"\nkind = \"quiz\"\nmodule = \"{module}\"\naudience = [\"{audience}\"]\ntitle = \"Quiz\"\nsummary = \"S\"\nversion = \"1.0.0\"\nsource = \"Kent policy\"\nsources = [\"DfE\"]\n{kcsie}last_reviewed = 2026-01-01\nnext_review = 2099-01-01\nminutes = 4\npass_mark = {pass}\n+++\n{body}"
    )
}

const EASY: &str = "## Be safe\n\nTell someone you trust. It is not your fault.\n";

#[test]
fn a_module_with_its_quiz_loads_and_the_quiz_is_reachable() {
    let lib = load(files(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        (
            "quizzes/m-quiz.md",
            quiz_file("m-quiz", "m", "learners", 3, 10),
        ),
    ]))
    .unwrap();
    let quiz = lib.quiz_of("m").unwrap();
    assert_eq!(quiz.url(), "/learn/m/quiz");
    let org = lib.org("demo").unwrap();
    let localised = quiz.for_org(org).quiz.unwrap();
    assert_eq!(
        localised.questions[0].prompt_html,
        "<p>What do you do? Ask Sam Lee.</p>"
    );
    assert_eq!(
        localised.questions[0].explanation_html,
        "<p>Telling helps. Sam Lee &amp; co.</p>"
    );
    assert_eq!(quiz.quiz.as_ref().unwrap().questions.len(), 10);
    assert_eq!(quiz.quiz.as_ref().unwrap().questions[0].section, "be-safe");
    assert!(lib.page(Kind::Module, "m").unwrap().reading_ease.unwrap() > 60.0);
}

#[test]
fn quizzes_and_modules_must_match_up() {
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        ("modules/staff/s.md", module("s", "staff", EASY)),
        (
            "quizzes/m-quiz.md",
            quiz_file("m-quiz", "m", "staff", 3, 10),
        ),
        (
            "quizzes/x-quiz.md",
            quiz_file("x-quiz", "nowhere", "staff", 7, 10),
        ),
    ]);
    for expected in [
        "content/modules/staff/s.md:2: a module ends in exactly one quiz; `s` has 0",
        "content/quizzes/m-quiz.md:2: the quiz's audience must be the same as its module's",
        "content/quizzes/x-quiz.md:2: the quiz's module `nowhere` does not exist",
        "content/quizzes/x-quiz.md:15: pass_mark 7 cannot be reached: an attempt shows 6 questions",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(expected)),
            "expected `{expected}` in {found:#?}"
        );
    }
}

#[test]
fn a_quiz_bank_below_the_minimum_is_refused() {
    let short = quiz::MIN_QUESTIONS - 1;
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        (
            "quizzes/m-quiz.md",
            quiz_file("m-quiz", "m", "learners", 3, short),
        ),
    ]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/quizzes/m-quiz.md:")
                && f.contains(&format!(
                    "the quiz has {short} questions; it needs {} to 30",
                    quiz::MIN_QUESTIONS
                ))),
        "{found:#?}"
    );
}

#[test]
fn every_question_names_a_real_section_of_its_module() {
    // No `(section: ...)` on a question's heading.
    let unnamed =
        quiz_file("m-quiz", "m", "learners", 3, 10).replacen(" (section: be-safe)", "", 1);
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        ("quizzes/m-quiz.md", unnamed),
    ]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/quizzes/m-quiz.md:16:")
                && f.contains("`Question 1` does not name its section")),
        "{found:#?}"
    );
    // A section that is not a heading of the module.
    let elsewhere = quiz_file("m-quiz", "m", "learners", 3, 10).replacen(
        "(section: be-safe)",
        "(section: be-kind)",
        1,
    );
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        ("quizzes/m-quiz.md", elsewhere),
    ]);
    assert!(
        found.iter().any(|f| f.starts_with("content/quizzes/m-quiz.md:2: question 1 names section `be-kind`, which is not a `## ` heading of the module `m` (its sections: be-safe)")),
        "{found:#?}"
    );
}

#[test]
fn a_quiz_mistake_points_at_its_question() {
    let broken = quiz_file("m-quiz", "m", "learners", 3, 10).replacen(
        "- [x] Tell someone",
        "- [ ] Tell someone",
        1,
    );
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        ("quizzes/m-quiz.md", broken),
    ]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/quizzes/m-quiz.md:16:")
                && f.contains("no correct answer")),
        "{found:#?}"
    );
}

#[test]
fn hard_learner_pages_are_refused_with_their_score() {
    let hard = "## Obligations\n\nNotwithstanding organisational responsibilities, safeguarding considerations necessitate comprehensive documentation of disclosures.\n";
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", hard)),
        (
            "quizzes/m-quiz.md",
            quiz_file("m-quiz", "m", "learners", 3, 10),
        ),
    ]);
    assert!(
        found
            .iter()
            .any(|f| f
                .starts_with("content/modules/learners/m.md:15: too hard to read for learners")),
        "{found:#?}"
    );
    // Staff pages have no threshold.
    load(files(&[
        ("modules/staff/s.md", module("s", "staff", hard)),
        (
            "quizzes/s-quiz.md",
            quiz_file("s-quiz", "s", "staff", 3, 10)
                .replace("(section: be-safe)", "(section: obligations)"),
        ),
    ]))
    .unwrap();
}

#[test]
fn a_past_review_date_is_a_warning_not_a_failure() {
    let old = page("old", "").replace("next_review = 2027-01-01", "next_review = 2026-02-01");
    let lib = load(files(&[("guidance/old.md", old)])).unwrap();
    assert!(
        lib.warnings.iter().any(|w| w
            .to_string()
            .starts_with("content/guidance/old.md:2: overdue: review was due on 2026-02-01")),
        "{:?}",
        lib.warnings
    );
}

#[test]
fn every_page_names_its_sources_and_staff_pages_their_kcsie_edition() {
    let no_sources = page("a", "").replace("sources = [\"NSPCC\"]\n", "");
    let found = problems(&[("guidance/a.md", no_sources)]);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content/guidance/a.md:8: `sources` is missing")),
        "{found:#?}"
    );
    let empty = page("a", "").replace("sources = [\"NSPCC\"]", "sources = [\"  \"]");
    let found = problems(&[("guidance/a.md", empty)]);
    assert!(
        found
            .iter()
            .any(|f| f.contains("each of `sources` must be 1 to 300 characters")),
        "{found:#?}"
    );
    // A staff module and quiz without `kcsie`, and one with a badly written edition.
    let found = problems(&[
        (
            "modules/staff/s.md",
            module("s", "staff", EASY).replace("kcsie = \"KCSIE 2025\"\n", ""),
        ),
        (
            "quizzes/s-quiz.md",
            quiz_file("s-quiz", "s", "staff", 3, 10).replace("KCSIE 2025", "Sept 2025"),
        ),
    ]);
    assert!(
        found.iter().any(|f| f.starts_with(
            "content/modules/staff/s.md:4: a staff page must say which edition of Keeping Children Safe in Education"
        )),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|f| f.starts_with(
            "content/quizzes/s-quiz.md:11: kcsie `Sept 2025` must be written `KCSIE YYYY`"
        )),
        "{found:#?}"
    );
    // Learner pages do not carry it.
    let found = problems(&[
        (
            "modules/learners/m.md",
            module("m", "learners", EASY).replace(
                "sources = [\"DfE\"]\n",
                "sources = [\"DfE\"]\nkcsie = \"KCSIE 2025\"\n",
            ),
        ),
        (
            "quizzes/m-quiz.md",
            quiz_file("m-quiz", "m", "learners", 3, 10),
        ),
    ]);
    assert!(
        found
            .iter()
            .any(|f| f.contains("only staff pages have `kcsie`")),
        "{found:#?}"
    );
    let lib = load(files(&[
        ("modules/staff/s.md", module("s", "staff", EASY)),
        (
            "quizzes/s-quiz.md",
            quiz_file("s-quiz", "s", "staff", 3, 10),
        ),
    ]))
    .unwrap();
    let s = lib.page(Kind::Module, "s").unwrap();
    assert_eq!(
        (s.kcsie.as_deref(), s.sources.clone()),
        (Some("KCSIE 2025"), vec!["DfE".to_string()])
    );
}

/// A quiz whose correct options are the longest in `giveaways` of its 12 single-answer questions.
fn quiz_with_giveaways(giveaways: usize) -> String {
    let mut body = String::new();
    for n in 1..=12 {
        let options = if n <= giveaways {
            "- [ ] Ignore it\n- [x] Tell a trusted adult what happened\n- [ ] Reply\n"
        } else {
            "- [ ] Ignore it and hope it stops\n- [x] Tell a trusted adult\n- [ ] Reply to them angrily\n"
        };
        body.push_str(&format!(
            "## Question {n} (section: be-safe)\n\nWhat do you do?\n\n{options}\n> Telling helps.\n\n"
        ));
    }
    quiz_file("m-quiz", "m", "learners", 4, 10)
        .split("+++\n## Question 1 ")
        .next()
        .unwrap()
        .to_string()
        + "+++\n"
        + &body
}

#[test]
fn a_quiz_whose_answers_are_the_longest_options_is_refused() {
    // 5 of 12 single-answer questions give the answer away by its length: more than a third.
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        ("quizzes/m-quiz.md", quiz_with_giveaways(5)),
    ]);
    assert!(
        found.iter().any(|f| f.starts_with(
            "content/quizzes/m-quiz.md:16: the answer is given away by its length: in 5 of 12 single-answer questions"
        )),
        "{found:#?}"
    );
    // 4 of 12 is a third: allowed.
    let lib = load(files(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        ("quizzes/m-quiz.md", quiz_with_giveaways(4)),
    ]))
    .unwrap();
    let quiz = lib.quiz_of("m").unwrap().quiz.as_ref().unwrap();
    assert_eq!(quiz::longest_is_correct(quiz), (4, 12));
    // Equal longest options give nothing away; "choose all that apply" questions do not count.
    let q = |options: &str| quiz::Question {
        section: String::new(),
        prompt_html: String::new(),
        explanation_html: String::new(),
        options: options
            .split('|')
            .map(|o| quiz::QuizOption {
                html: format!("<em>{}</em>", o.trim_start_matches('*')),
                correct: o.starts_with('*'),
            })
            .collect(),
    };
    let quiz = quiz::Quiz {
        pass_mark: 1,
        questions: vec![q("*abcd|wxyz|a"), q("*abcd|*wxyz|a"), q("*abcde|wxyz")],
    };
    assert_eq!(quiz::longest_is_correct(&quiz), (1, 2));
}

#[test]
fn reviews_warn_60_days_ahead_and_a_past_one_is_overdue() {
    let lib = load(files(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        (
            "quizzes/m-quiz.md",
            quiz_file("m-quiz", "m", "learners", 3, 10),
        ),
    ]))
    .unwrap();
    // The module is due on 2099-01-01; its quiz is reviewed with it and never listed.
    let at = |s: &str| {
        review_warnings(
            &lib.pages,
            NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap(),
        )
        .iter()
        .map(|p| (p.to_string(), p.is_overdue_review()))
        .collect::<Vec<_>>()
    };
    assert_eq!(at("2098-11-01"), []);
    assert_eq!(
        at("2098-11-02"),
        [(
            "content/modules/learners/m.md:2: warning: review due on 2099-01-01 (in 60 days)"
                .into(),
            false
        )]
    );
    assert_eq!(
        at("2099-01-01"),
        [(
            "content/modules/learners/m.md:2: warning: review due on 2099-01-01 (in 0 days)".into(),
            false
        )]
    );
    let overdue = at("2099-01-02");
    assert_eq!(overdue.len(), 1);
    assert!(
        overdue[0]
            .0
            .starts_with("content/modules/learners/m.md:2: overdue: review was due on 2099-01-01"),
        "{overdue:?}"
    );
    assert!(overdue[0].1);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Whatever an author types, the check answers with problems, never a panic.
        #[test]
        fn any_text_in_any_kind_of_file_never_panics(text in "\\PC{0,400}", kind in 0usize..4) {
            let path = ["guidance/x.md", "quizzes/x.md", "modules/learners/x.md", "organisations/x.toml"][kind];
            let _ = load(vec![SourceFile { path: path.into(), text }]);
        }

        /// Valid files with random cuts and insertions: the worst real typos.
        #[test]
        fn damaged_quiz_files_never_panic(cut in 0usize..900, len in 0usize..40, insert in "[+=\\[\\]x>#\\-\n \"a-z0-9{}]{0,12}") {
            let mut text = quiz_file("m-quiz", "m", "learners", 3, 10);
            let start = cut.min(text.len());
            let end = (start + len).min(text.len());
            if text.is_char_boundary(start) && text.is_char_boundary(end) {
                text.replace_range(start..end, &insert);
            }
            let _ = load(files(&[("modules/learners/m.md", module("m", "learners", EASY)), ("quizzes/m-quiz.md", text.clone())]));
            let _ = quiz::parse(&text, Some(3));
        }
    }
}

#[test]
fn organisation_requirements_and_sso_entries_are_checked() {
    let org = format!(
        "{ORG}\n[[requirements]]\nrole = \"learner\"\nmodules = [\"a-guide\", \"missing\"]\naups = [\"nope\"]\n\
         [[requirements]]\nrole = \"wizard\"\n\
         [[sso]]\nid = \"Bad Id\"\nlabel = \"x\"\nkind = \"oidc\"\nissuer = \"https://idp.example.org\"\nclient_id = \"c\"\n\
         [[sso]]\nid = \"plain\"\nlabel = \"x\"\nkind = \"oidc\"\nissuer = \"http://idp.example.org\"\nclient_id = \"c\"\n\
         [[sso]]\nid = \"ms\"\nlabel = \"x\"\nkind = \"entra\"\nclient_id = \"c\"\n\
         [[on_duty]]\nsite = \"Site B\"\nname = \"D\"\ntitle = \"Deputy\"\nphone = \" \"\n\
         [[out_of_hours_contacts]]\nname = \"EDT\"\ndescription = \"\"\nphone = \"1\"\n"
    );
    let mut all = files(&[("guidance/a-guide.md", page("a-guide", ""))]);
    all[0].text = org;
    let found: Vec<String> = load(all)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        "`a-guide` is not a module",
        "`missing` is not a module",
        "`nope` is not an AUP",
        "unknown role `wizard`",
        "sso id `Bad Id`",
        "sso `plain`: the issuer must be an https address",
        "sso `ms`: an `entra` provider needs `tenant`",
        "an `on_duty` entry needs a site, name, title and phone (site `Site B`)",
        "an `out_of_hours_contacts` entry needs a name, description and phone (`EDT`)",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "expected a problem containing {expected:?} in {found:#?}"
        );
    }
}

#[test]
fn local_services_are_checked() {
    let problems_of = |org: String| -> Vec<String> {
        let mut all = files(&[("guidance/a-guide.md", page("a-guide", ""))]);
        all[0].text = org;
        match load(all) {
            Ok(_) => Vec::new(),
            Err(found) => found.iter().map(ToString::to_string).collect(),
        }
    };
    let with_site = ORG.replace(
        "[local]\n",
        "[local]\npartnership_site = \"http://partnership.example.org\"\n",
    );
    assert!(
        with_site.contains("partnership_site"),
        "the fixture has a [local] table"
    );
    let found = problems_of(with_site);
    assert!(
        found
            .iter()
            .any(|p| p.contains("`local.partnership_site` must be an https:// address")),
        "{found:#?}"
    );
    // An adult learning service must give adult social care's number; a college need not.
    let adult = ORG.replace("kind = \"college\"", "kind = \"adult-learning\"");
    let found = problems_of(adult.clone());
    assert!(
        found
            .iter()
            .any(|p| p.contains("needs `local.adult_services_phone`")),
        "{found:#?}"
    );
    let given = adult.replace(
        "[local]\n",
        "[local]\nadult_services_phone = \"01632 960450\"\n",
    );
    assert!(
        !problems_of(given)
            .iter()
            .any(|p| p.contains("adult_services_phone")),
        "given, it is accepted"
    );
    assert!(
        !problems_of(ORG.to_string())
            .iter()
            .any(|p| p.contains("local."))
    );
}

#[test]
fn worry_kinds_are_checked() {
    let kind = |id: &str, label: &str| WorryKind {
        id: id.into(),
        label: label.into(),
        hint: "h".into(),
    };
    assert!(check_worry_kinds(&[kind("bullying", "B"), kind("other", "O")]).is_empty());
    let problems = check_worry_kinds(&[kind("Bad Id", "B"), kind("x", ""), kind("x", "X")]);
    assert!(
        problems.iter().any(|p| p.contains("`Bad Id`: use 1 to 40")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`x` needs a label")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`x` is listed twice")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("`other` is missing")),
        "{problems:?}"
    );
    // The real list loads, in the form's order, with `other` last.
    let lib = load(files(&[])).unwrap();
    assert_eq!(lib.worry_kinds.last().map(|k| k.id.as_str()), Some("other"));
    assert_eq!(lib.worry_kinds.len(), 11);
    for id in ["self-harm", "parent-carer", "filtering"] {
        assert!(lib.worry_kinds.iter().any(|k| k.id == id), "{id}");
    }
}

#[test]
fn recomplete_on_major_is_read_for_modules_only() {
    let with = module("m", "learners", EASY)
        .replace("minutes = 5\n", "minutes = 5\nrecomplete_on_major = true\n");
    let lib = load(files(&[
        ("modules/learners/m.md", with),
        ("modules/learners/n.md", module("n", "learners", EASY)),
        (
            "quizzes/m-quiz.md",
            quiz_file("m-quiz", "m", "learners", 3, 10),
        ),
        (
            "quizzes/n-quiz.md",
            quiz_file("n-quiz", "n", "learners", 3, 10),
        ),
    ]))
    .unwrap();
    assert!(lib.page(Kind::Module, "m").unwrap().recomplete_on_major);
    assert!(!lib.page(Kind::Module, "n").unwrap().recomplete_on_major);
    let bad = quiz_file("m-quiz", "m", "learners", 3, 10).replace(
        "pass_mark = 3\n",
        "pass_mark = 3\nrecomplete_on_major = false\n",
    );
    let found = problems(&[
        ("modules/learners/m.md", module("m", "learners", EASY)),
        ("quizzes/m-quiz.md", bad),
    ]);
    assert!(
        found
            .iter()
            .any(|p| p.contains("only modules have `recomplete_on_major`")),
        "{found:?}"
    );
}

#[test]
fn learner_modules_name_known_ukcis_strands() {
    let with = |strands: &str| {
        module("m", "learners", EASY).replace(
            "ukcis = [\"online-relationships\"]\n",
            &format!("ukcis = [{strands}]\n"),
        )
    };
    let quiz = || quiz_file("m-quiz", "m", "learners", 3, 10);
    let lib = load(files(&[
        (
            "modules/learners/m.md",
            with("\"privacy-and-security\", \"online-bullying\""),
        ),
        ("quizzes/m-quiz.md", quiz()),
    ]))
    .unwrap();
    assert_eq!(
        lib.page(Kind::Module, "m").unwrap().ukcis,
        ["privacy-and-security", "online-bullying"]
    );
    assert_eq!(UKCIS_STRANDS.len(), 8);

    // An unknown strand, a strand twice, and a learner module with none: each a problem.
    let found = problems(&[
        (
            "modules/learners/m.md",
            with("\"online-safety\", \"online-bullying\", \"online-bullying\""),
        ),
        ("quizzes/m-quiz.md", quiz()),
    ]);
    assert!(
        found.iter().any(|p| p.starts_with(
            "content/modules/learners/m.md:10: unknown UKCIS strand `online-safety`; the eight strands of Education for a Connected World (2020) are: self-image-and-identity,"
        )),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("UKCIS strand `online-bullying` is listed twice")),
        "{found:#?}"
    );
    let found = problems(&[
        ("modules/learners/m.md", with("")),
        ("quizzes/m-quiz.md", quiz()),
    ]);
    assert!(
        found.iter().any(|p| p.starts_with(
            "content/modules/learners/m.md:4: a learner module must name the UKCIS Education for a Connected World strands it covers"
        )),
        "{found:#?}"
    );
    // Staff modules may leave them out; other kinds of page may not have them.
    let staff = module("s", "staff", EASY);
    let guide = page("g", "").replace(
        "minutes = 5\n",
        "minutes = 5\nukcis = [\"online-reputation\"]\n",
    );
    let found = problems(&[
        ("modules/staff/s.md", staff),
        (
            "quizzes/s-quiz.md",
            quiz_file("s-quiz", "s", "staff", 3, 10),
        ),
        ("guidance/g.md", guide),
    ]);
    assert_eq!(
        found,
        ["content/guidance/g.md:13: only modules have `ukcis`"],
        "{found:#?}"
    );
}

#[test]
fn required_in_names_known_kinds_of_organisation() {
    let staff = |kinds: &str| {
        module("s", "staff", EASY).replace(
            "minutes = 5\n",
            &format!("minutes = 5\nrequired_in = [{kinds}]\n"),
        )
    };
    let quiz = || quiz_file("s-quiz", "s", "staff", 3, 10);
    let lib = load(files(&[
        ("modules/staff/s.md", staff("\"adult-learning\"")),
        ("quizzes/s-quiz.md", quiz()),
    ]))
    .unwrap();
    assert_eq!(
        lib.page(Kind::Module, "s").unwrap().required_in,
        ["adult-learning"]
    );
    let found = problems(&[
        ("modules/staff/s.md", staff("\"adult-education\"")),
        ("quizzes/s-quiz.md", quiz()),
    ]);
    assert!(
        found.iter().any(|p| p.contains(
            "unknown kind of organisation `adult-education` in `required_in` (kinds: school, college, adult-learning, training-provider)"
        )),
        "{found:#?}"
    );
    // A profile's kind is one of the same list.
    let mut all = files(&[]);
    all[0].text = ORG.replace("kind = \"college\"", "kind = \"academy\"");
    let found: Vec<String> = load(all)
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        found
            .iter()
            .any(|p| p.contains("unknown kind of organisation `academy`")),
        "{found:#?}"
    );
}

#[test]
fn a_page_without_next_review_fails_naming_the_file_and_the_field() {
    let no_review = page("norev", "").replace("next_review = 2027-01-01\n", "");
    let found = problems(&[("guidance/norev.md", no_review)]);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("content/guidance/norev.md:") && p.contains("next_review")),
        "{found:?}"
    );
}

/// The demo organisation's profile, as the repository has it.
fn demo_org() -> OrgProfile {
    toml::from_str(include_str!("../../../../content/organisations/demo.toml")).unwrap()
}

#[test]
fn routing_placeholders_name_the_people_the_routing_sends_to() {
    let org = demo_org();
    let value = |name: &str| crate::routing::placeholder(&org, name).unwrap();
    assert_eq!(
        value("routing.team"),
        "Priya Marsh (Designated Safeguarding Lead) and the deputies, Daniel Okafor and Hannah Cole"
    );
    assert_eq!(
        value("routing.staff"),
        "Dr Martin Ellery (Principal) and Priya Marsh (Designated Safeguarding Lead)"
    );
    assert_eq!(
        value("routing.dsl"),
        "Dr Martin Ellery (Principal) only, never Priya Marsh (Designated Safeguarding Lead) or the deputies, Daniel Okafor and Hannah Cole"
    );
    assert_eq!(
        value("routing.head"),
        "Mrs Ruth Adeyemi (Chair of the Corporation (governors)) and Priya Marsh (Designated Safeguarding Lead), never Dr Martin Ellery (Principal)"
    );
    assert_eq!(value("chair.name"), "Mrs Ruth Adeyemi");
    assert_eq!(value("chair.title"), "Chair of the Corporation (governors)");
    assert_eq!(
        value("local.authority"),
        "Wexmoor (fictional) County Council"
    );
    assert_eq!(value("local.lado_phone"), "01632 960500");
    assert_eq!(value("local.front_door_phone"), "01632 960400");

    // Whatever the wording, the words follow the routing itself: everyone the routing sends a
    // worry in the queue to is named before "never", and the people it is about only after.
    use crate::routing::{Queue, route};
    let people = crate::routing::safeguarding_people(&org);
    for queue in Queue::ALL {
        let words = value(&format!("routing.{}", queue.as_str()));
        let (reads, never) = words.split_once(", never ").unwrap_or((&words, ""));
        let route = route(queue, &people);
        for p in &people {
            if route.may_read(p) {
                assert!(
                    reads.contains(&p.name),
                    "{queue:?}: {} in {words:?}",
                    p.name
                );
            } else {
                assert!(
                    !reads.contains(&p.name),
                    "{queue:?}: {} in {words:?}",
                    p.name
                );
            }
            if route.excluded.contains(&p.id) {
                assert!(
                    never.contains(&p.name),
                    "{queue:?}: {} in {words:?}",
                    p.name
                );
            }
        }
    }
}

#[test]
fn a_profile_without_a_chair_still_renders_sensibly() {
    let mut org = demo_org();
    org.chair = None;
    let value = |name: &str| crate::routing::placeholder(&org, name).unwrap();
    assert_eq!(value("chair.name"), "");
    assert!(
        value("chair.title").contains("chair"),
        "{}",
        value("chair.title")
    );
    // Worries about the head are read by the DSL alone, never by the head.
    assert_eq!(
        value("routing.head"),
        "Priya Marsh (Designated Safeguarding Lead) only, never Dr Martin Ellery (Principal)"
    );
    assert_eq!(
        value("routing.dsl"),
        "Dr Martin Ellery (Principal) only, never Priya Marsh (Designated Safeguarding Lead) or the deputies, Daniel Okafor and Hannah Cole"
    );

    // The test profile has no chair and no deputies: every placeholder still renders on a page.
    let body: String = crate::org::PLACEHOLDERS
        .iter()
        .map(|p| format!("- {p}: {{{{{p}}}}}\n"))
        .collect();
    let body = format!("\n{body}");
    let lib = load(files(&[("guidance/all.md", page("all", &body))])).unwrap();
    let org = lib.org("demo").unwrap();
    let html = &lib.page(Kind::Guide, "all").unwrap().for_org(org).sections[0].html;
    assert!(!html.contains("{{"), "{html}");
    assert!(
        html.contains("routing.team: Sam Lee (Designated Safeguarding Lead)</li>"),
        "{html}"
    );
    assert!(
        html.contains("routing.head: Sam Lee (Designated Safeguarding Lead) only, never Pat Kay (Principal)</li>"),
        "{html}"
    );
}

#[test]
fn an_unknown_routing_placeholder_fails_with_file_and_line() {
    let found = problems(&[(
        "guidance/r.md",
        page("r", "\n{{routing.staff}} reads it.\n\n{{routing.nobody}}\n"),
    )]);
    assert!(
        found
            .iter()
            .any(|f| f
                .starts_with("content/guidance/r.md:20: unknown placeholder `{{routing.nobody}}`")),
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|f| f.contains("`{{routing.staff}}`")),
        "{found:#?}"
    );
}

#[test]
fn the_pages_about_worries_say_who_reads_them_as_the_routing_does() {
    let lib = load_embedded().unwrap();
    let org = lib.org("demo").unwrap();
    let text = |kind: Kind, id: &str| -> String {
        let page = lib.page(kind, id).unwrap().for_org(org);
        page.sections.iter().map(|s| s.html.as_str()).collect()
    };
    let words = |name: &str| {
        crate::content::render::escape_html(&crate::routing::placeholder(org, name).unwrap())
    };
    let learners = text(Kind::Module, "reporting-a-worry");
    for queue in ["team", "staff", "dsl", "head"] {
        assert!(
            learners.contains(&words(&format!("routing.{queue}"))),
            "{queue}"
        );
    }
    assert!(learners.contains("Is an adult who works or volunteers here involved?"));
    let staff = text(Kind::Module, "staff-responding-to-an-incident");
    for name in [
        "routing.staff",
        "routing.dsl",
        "routing.head",
        "local.lado_phone",
        "local.front_door_phone",
        "local.adult_services_phone",
        "local.partnership_site",
    ] {
        assert!(staff.contains(&words(name)), "{name}");
    }
    assert!(
        !staff.contains("Do not use the"),
        "the form is for worries about the DSL too"
    );
    let aup = text(Kind::Aup, "learner-aup");
    assert!(aup.contains(&words("routing.staff")));
}
