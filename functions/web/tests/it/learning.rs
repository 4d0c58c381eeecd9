//! The learning journey over HTTP: the real `web` binary with its own embedded store and the
//! demo people. Checks the pages answer with the right statuses and `no-store`, and that what
//! must be refused is: a quiz of a module not assigned, signed out, without the CSRF token, an
//! old attempt, missing answers (kept as ticked); an AUP with a stale version or a tampered
//! hash (the typed name kept); another person's certificate or signed text. The core's own
//! tests cover the rules themselves.

use crate::support;

use std::path::Path;
use support::{Response, Web, csrf_in, decode_entities, get_as, post_as};

const LEARNER: &str = "learner@wexmoorvale.example.org";
const LEARNER_NAME: &str = "Alex Rivers";
const STAFF: &str = "staff@wexmoorvale.example.org";
const STAFF_NAME: &str = "Sam Carter";
const MODULE: &str = "four-cs-of-online-risk";
const STAFF_MODULE: &str = "staff-roles-and-responsibilities";
const SESSION_KEYS: &str = "k1:learning-test-session-secret-0123456789";

struct Site {
    web: Web,
    data: tempfile::TempDir,
}

impl Site {
    fn start() -> Site {
        let data = tempfile::tempdir().expect("temp dir");
        let web = Web::serve_embedded(
            data.path(),
            &[
                ("APP_SESSION_KEYS", SESSION_KEYS.into()),
                ("APP_DEMO_PEOPLE", "true".into()),
            ],
        );
        Site { web, data }
    }

    /// Signs `email` in through the emailed link; returns the cookie to send.
    #[track_caller]
    fn sign_in(&self, email: &str) -> String {
        support::sign_in(&self.web, self.data.path(), email)
    }

    fn data(&self) -> &Path {
        self.data.path()
    }
}

#[track_caller]
fn assert_status(what: &str, r: &Response, status: u16) {
    assert_eq!(r.status, status, "{what}\n{}", r.describe());
}

#[track_caller]
fn assert_no_store(what: &str, r: &Response) {
    assert_eq!(
        r.header("cache-control"),
        Some("no-store"),
        "{what} is not kept by browsers or proxies"
    );
}

#[track_caller]
fn assert_redirect_to_sign_in(what: &str, r: &Response) {
    assert!(
        matches!(r.status, 303 | 302 | 307),
        "{what}: {}",
        r.describe()
    );
    assert_eq!(r.header("location"), Some("/sign-in"), "{what}");
}

/// The value of the hidden input `name` in a page.
#[track_caller]
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no `{name}` field in the page:\n{html}"))
        + marker.len();
    let len = html[start..].find('"').expect("the value ends");
    decode_entities(&html[start..start + len])
}

/// The correct option ids of each question of a quiz, from its content file (`q1` -> `["c"]`).
fn correct_answers(quiz_file: &str) -> Vec<(String, Vec<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../content/quizzes")
        .join(quiz_file);
    let text = std::fs::read_to_string(&path).expect("the quiz content");
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut option = 0u8;
    for line in text.lines() {
        if line.starts_with("## ") {
            out.push((format!("q{}", out.len() + 1), Vec::new()));
            option = 0;
        } else if let Some(rest) = line.strip_prefix("- [") {
            let id = ((b'a' + option) as char).to_string();
            option += 1;
            if rest.starts_with('x') {
                out.last_mut().expect("a question").1.push(id);
            }
        }
    }
    out
}

fn answer_fields(answers: &[(String, Vec<String>)]) -> Vec<(String, String)> {
    answers
        .iter()
        .flat_map(|(q, options)| {
            options
                .iter()
                .map(move |o| (format!("answer-{q}"), o.clone()))
        })
        .collect()
}

fn post_fields(web: &Web, path: &str, cookie: &str, fields: &[(String, String)]) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post_as(web, path, cookie, &borrowed)
}

#[test]
fn a_learner_reads_fails_and_passes_a_quiz_and_gets_a_certificate_others_cannot_see() {
    let site = Site::start();
    let web = &site.web;
    let quiz_path = format!("/learn/{MODULE}/quiz");

    // Signed out: the public module page is unchanged; the personal pages send to sign in.
    let public = web.get(&format!("/learn/{MODULE}"));
    assert_status("the public module page", &public, 200);
    assert!(
        public
            .text()
            .contains("<details><summary>In this module</summary>"),
        "the contents fold in a <details>"
    );
    assert_redirect_to_sign_in("my training signed out", &web.get("/me/training"));
    assert_redirect_to_sign_in("the quiz signed out", &web.get(&quiz_path));
    assert_redirect_to_sign_in(
        "sending a quiz signed out",
        &web.post_form(&quiz_path, &[("attempt", "x")]),
    );
    assert_redirect_to_sign_in("a certificate signed out", &web.get("/certificates/x"));

    let learner = site.sign_in(LEARNER);
    let me = get_as(web, "/me", &learner);
    assert!(
        me.text().contains(r#"href="/me/training""#),
        "/me links to My training"
    );
    let training = get_as(web, "/me/training", &learner);
    assert_status("my training", &training, 200);
    assert_no_store("my training", &training);
    let text = training.text();
    assert!(text.contains("What to do next"), "{text}");
    assert!(text.contains("The four Cs"), "{text}");
    assert!(text.contains("Not started"), "{text}");

    // Reading: section by section, the position kept on the server.
    let first = get_as(web, &format!("/learn/{MODULE}"), &learner);
    assert_status("the first section", &first, 200);
    assert_no_store("a section", &first);
    assert!(first.text().contains("Part 1 of"), "{}", first.text());
    let csrf = csrf_in(&first.text());
    let second = post_as(
        web,
        &format!("/learn/{MODULE}"),
        &learner,
        &[("csrf", &csrf), ("section", "2")],
    );
    assert_status("next", &second, 200);
    assert!(second.text().contains("Part 2 of"));
    let resumed = get_as(web, &format!("/learn/{MODULE}"), &learner);
    assert!(
        resumed.text().contains("Part 2 of"),
        "coming back resumes where they stopped"
    );
    let no_csrf = post_as(
        web,
        &format!("/learn/{MODULE}"),
        &learner,
        &[("section", "3")],
    );
    assert_status("next without the CSRF token", &no_csrf, 403);
    let beyond = get_as(web, &format!("/learn/{MODULE}?section=99"), &learner);
    assert_status("a section that does not exist", &beyond, 404);

    // A module not assigned.
    let not_mine = get_as(web, &format!("/learn/{STAFF_MODULE}/quiz"), &learner);
    assert_status("the quiz of a staff module", &not_mine, 403);
    assert!(not_mine.text().contains("not part of your training"));

    // The quiz: no answers in the page; the same attempt on a reload.
    let quiz = get_as(web, &quiz_path, &learner);
    assert_status("the quiz", &quiz, 200);
    assert_no_store("the quiz", &quiz);
    let html = quiz.text();
    assert!(
        !html.contains("This is a content risk"),
        "no explanation in the quiz page"
    );
    assert!(
        !html.contains("correct"),
        "nothing says which answer is correct"
    );
    let attempt = hidden(&html, "attempt");
    let csrf = csrf_in(&html);
    assert_eq!(
        hidden(&get_as(web, &quiz_path, &learner).text(), "attempt"),
        attempt,
        "a reload shows the same attempt"
    );

    let correct = correct_answers("four-cs-of-online-risk-quiz.md");
    assert!(correct.len() >= 5, "{correct:?}");
    let mut fields = vec![
        ("csrf".to_string(), csrf.clone()),
        ("attempt".to_string(), attempt.clone()),
    ];
    fields.extend(answer_fields(&correct));

    // Without the CSRF token, or another session's: refused, nothing graded.
    let without: Vec<(String, String)> = fields[1..].to_vec();
    assert_status(
        "answers without the CSRF token",
        &post_fields(web, &quiz_path, &learner, &without),
        403,
    );

    // Missing answers: 422, the ticked answer kept. (An attempt shows 6 of the bank's
    // questions: tick one of those.)
    let first_q = correct
        .iter()
        .find(|(q, _)| html.contains(&format!(r#"name="answer-{q}""#)))
        .expect("a question of the bank is shown");
    let partial = vec![
        ("csrf".to_string(), csrf.clone()),
        ("attempt".to_string(), attempt.clone()),
        (format!("answer-{}", first_q.0), first_q.1[0].clone()),
    ];
    let r = post_fields(web, &quiz_path, &learner, &partial);
    assert_status("missing answers", &r, 422);
    assert_no_store("the quiz sent back", &r);
    assert!(
        r.text().contains("Please answer every question"),
        "{}",
        r.text()
    );
    let ticked_id = format!(r#"id="{}-{}""#, first_q.0, first_q.1[0]);
    let tag_start = r
        .text()
        .find(&ticked_id)
        .expect("the ticked option is there");
    let tag = &r.text()[r.text()[..tag_start].rfind('<').unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    assert!(tag.contains("checked"), "the ticked answer is kept: {tag}");

    // An unknown attempt: 409.
    let mut unknown = fields.clone();
    unknown[1].1 = "00000000-0000-4000-8000-000000000000".into();
    assert_status(
        "an unknown attempt",
        &post_fields(web, &quiz_path, &learner, &unknown),
        409,
    );

    // Fail: everything wrong where possible (choose an option not correct for each question).
    let wrong: Vec<(String, Vec<String>)> = correct
        .iter()
        .map(|(q, c)| {
            let pick = ["a", "b", "c", "d"]
                .iter()
                .find(|o| !c.contains(&o.to_string()))
                .unwrap()
                .to_string();
            (q.clone(), vec![pick])
        })
        .collect();
    let mut failing = fields[..2].to_vec();
    failing.extend(answer_fields(&wrong));
    let failed = post_fields(web, &quiz_path, &learner, &failing);
    assert_status("a failed attempt", &failed, 200);
    assert!(
        failed.text().contains("Not passed this time"),
        "{}",
        failed.text()
    );
    // The explanations of the questions this attempt showed (6 of the bank).
    let quiz_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../content/quizzes/four-cs-of-online-risk-quiz.md"),
    )
    .expect("the quiz content");
    let explained = quiz_text
        .lines()
        .filter_map(|l| l.strip_prefix("> "))
        .map(|l| l.split('.').next().unwrap_or_default())
        .filter(|first| !first.contains(['"', '{', '\'']))
        .filter(|first| failed.text().contains(first))
        .count();
    assert!(explained >= 1, "explanations in the result");
    assert!(!failed.text().contains("/certificates/"));
    let again = post_fields(web, &quiz_path, &learner, &failing);
    assert_status("the same attempt sent twice", &again, 200);
    assert!(again.text().contains("already been sent"));

    // The old attempt cannot be sent with other answers; a new attempt passes.
    assert_status(
        "an old attempt with other answers",
        &post_fields(web, &quiz_path, &learner, &fields),
        200,
    );
    let retry = get_as(web, &quiz_path, &learner);
    let attempt2 = hidden(&retry.text(), "attempt");
    assert_ne!(attempt2, attempt, "a retry is a new attempt");
    let mut passing = vec![
        ("csrf".to_string(), csrf.clone()),
        ("attempt".to_string(), attempt2),
    ];
    passing.extend(answer_fields(&correct));
    let passed = post_fields(web, &quiz_path, &learner, &passing);
    assert_status("a passing attempt", &passed, 200);
    assert!(passed.text().contains("You passed"), "{}", passed.text());
    let cert_start = passed
        .text()
        .find("/certificates/")
        .expect("a certificate link");
    let cert_path: String = passed.text()[cert_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();

    let cert = get_as(web, &cert_path, &learner);
    assert_status("the certificate", &cert, 200);
    assert_no_store("the certificate", &cert);
    assert!(cert.text().contains(LEARNER_NAME));
    let code = cert_path.trim_start_matches("/certificates/").to_string();
    // What a printed certificate needs: the organisation, the signatory (the DSL), the full
    // address that checks it (the site's own address, as in emails) and its QR code.
    let shown = code
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join("-");
    let printed = cert.text();
    for needed in [
        "Wexmoor Vale College (demo)".to_string(),
        "Priya Marsh".to_string(),
        "Designated Safeguarding Lead".to_string(),
        format!("http://{}/verify?code={shown}", web.addr()),
        "<svg".to_string(),
    ] {
        assert!(printed.contains(&needed), "the certificate lacks {needed}");
    }
    let training = get_as(web, "/me/training", &learner).text();
    assert!(
        training.contains(&cert_path),
        "My training links the certificate"
    );

    // Another person's certificate: not found.
    let staff = site.sign_in(STAFF);
    let other = get_as(web, &cert_path, &staff);
    assert_status("another person's certificate", &other, 404);
    assert!(!other.text().contains(LEARNER_NAME));
    assert_status(
        "a made-up certificate",
        &get_as(web, "/certificates/0000-0000-0000-0000", &learner),
        404,
    );

    // The public check: name, what, when.
    let verified = web.get(&format!("/verify?code={code}"));
    assert_status("checking the code", &verified, 200);
    assert!(verified.text().contains(LEARNER_NAME));
    assert!(verified.text().contains("four Cs"));
    let posted = web.post_form("/verify", &[("code", &code.to_lowercase())]);
    assert_status("checking the code by POST, in lower case", &posted, 200);
    let unknown = web.get("/verify?code=0000-0000-0000-0000");
    assert_status("an unknown code", &unknown, 404);
    assert!(!unknown.text().contains(LEARNER_NAME));
    assert_status("the empty form", &web.get("/verify"), 200);
    let _ = site.data();
}

#[test]
fn staff_sign_their_aup_and_stale_or_tampered_forms_are_refused() {
    let site = Site::start();
    let web = &site.web;
    let staff = site.sign_in(STAFF);
    let path = "/aup/staff-aup";

    let page = get_as(web, path, &staff);
    assert_status("the AUP to sign", &page, 200);
    assert_no_store("the AUP to sign", &page);
    let html = page.text();
    let csrf = csrf_in(&html);
    let version = hidden(&html, "version");
    let sha = hidden(&html, "sha256");
    assert_eq!(sha.len(), 64);
    let sign = |fields: &[(&str, &str)]| post_as(web, path, &staff, fields);
    let base = |version: &str, sha: &str, name: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("version".to_string(), version.to_string()),
            ("sha256".to_string(), sha.to_string()),
            ("typed_name".to_string(), name.to_string()),
            ("declaration".to_string(), "yes".to_string()),
        ]
    };

    // Without the CSRF token.
    let r = sign(&[
        ("version", &version),
        ("sha256", &sha),
        ("typed_name", STAFF_NAME),
        ("declaration", "yes"),
    ]);
    assert_status("signing without the CSRF token", &r, 403);

    // A stale version: 409, the typed name kept.
    let r = post_fields(web, path, &staff, &base("0.0.1", &sha, STAFF_NAME));
    assert_status("a stale version", &r, 409);
    assert!(r.text().contains("has been updated"), "{}", r.text());
    assert!(r.text().contains(&format!(r#"value="{STAFF_NAME}""#)));

    // A tampered hash: 422.
    let tampered = format!(
        "{}{}",
        &sha[..63],
        if sha.ends_with('0') { "1" } else { "0" }
    );
    let r = post_fields(web, path, &staff, &base(&version, &tampered, STAFF_NAME));
    assert_status("a tampered hash", &r, 422);
    assert!(r.text().contains("did not match"), "{}", r.text());

    // Another name, and the declaration not ticked.
    let r = post_fields(web, path, &staff, &base(&version, &sha, "Someone Else"));
    assert_status("another name", &r, 422);
    assert!(r.text().contains(r#"value="Someone Else""#));
    let mut unticked = base(&version, &sha, STAFF_NAME);
    unticked.pop();
    assert_status(
        "the declaration not ticked",
        &post_fields(web, path, &staff, &unticked),
        422,
    );

    // Signed: the date and a link to exactly what was signed.
    let r = post_fields(web, path, &staff, &base(&version, &sha, "sam  carter"));
    assert_status("signing", &r, 200);
    assert!(r.text().contains("Signed on"), "{}", r.text());
    let signed_path = format!("/aup/staff-aup/signed/{sha}");
    assert!(r.text().contains(&signed_path));
    let shown_start = html.find(r#"data-testid="aup-text""#).unwrap();
    let shown = &html[shown_start..];
    let shown = &shown[shown.find('>').unwrap() + 1..];
    let signed = get_as(web, &signed_path, &staff);
    assert_status("the signed text", &signed, 200);
    assert_no_store("the signed text", &signed);
    let text_start = signed.text().find(r#"data-testid="signed-text""#).unwrap();
    let stored = &signed.text()[text_start..];
    let stored = stored[stored.find('>').unwrap() + 1..].to_string();
    let inner = &stored[..stored.find("</div><p>").unwrap_or(stored.len())];
    assert!(
        shown.starts_with(inner),
        "the signed text is exactly the text shown"
    );

    // Signing twice: the same signature. Another person cannot read it.
    let again = post_fields(web, path, &staff, &base(&version, &sha, STAFF_NAME));
    assert_status("signing again", &again, 200);
    let learner = site.sign_in(LEARNER);
    assert_status(
        "another person's signed text",
        &get_as(web, &signed_path, &learner),
        404,
    );
    assert_status(
        "signing an AUP that is not the learner's",
        &post_fields(web, path, &learner, &{
            let mut f = base(&version, &sha, LEARNER_NAME);
            f[0].1 = csrf_in(&get_as(web, "/me", &learner).text());
            f
        }),
        403,
    );
    let training = get_as(web, "/me/training", &staff).text();
    assert!(
        training.contains(&signed_path),
        "My training links what was signed"
    );
}

#[test]
fn certificate_checks_from_one_address_are_limited() {
    // 30 checks per 15 minutes per address (functions/web/src/learning.rs).
    support::away_from_window_edges(&[15 * 60]);
    let site = Site::start();
    let web = &site.web;
    for i in 0..30 {
        let r = web.get("/verify?code=0000-0000-0000-0000");
        assert_status(&format!("check {}", i + 1), &r, 404);
        assert_no_store("a check", &r);
    }
    let r = web.get("/verify?code=0000-0000-0000-0000");
    assert_status("the 31st check", &r, 429);
    assert!(r.text().contains("Too many certificates were checked"));
    assert_status("the empty form is not counted", &web.get("/verify"), 200);
}

/// The row of `id` on My training.
#[track_caller]
fn training_row(html: &str, id: &str) -> String {
    let start = html
        .find(&format!(r#"data-testid="training-{id}""#))
        .unwrap_or_else(|| panic!("no row for {id}:\n{html}"));
    let len = html[start..].find("</tr>").expect("the row ends");
    html[start..start + len].to_string()
}

/// The `/learn/...?section=N` links in a piece of a page.
fn section_links(html: &str, module: &str) -> Vec<String> {
    let marker = format!(r#"href="/learn/{module}?section="#);
    html.match_indices(&marker)
        .map(|(at, _)| {
            let from = at + r#"href=""#.len();
            html[from..from + html[from..].find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn after_two_failed_attempts_my_training_says_to_read_the_sections_again_not_the_quiz() {
    let site = Site::start();
    let web = &site.web;
    let learner = site.sign_in(LEARNER);
    let quiz_path = format!("/learn/{MODULE}/quiz");
    let correct = correct_answers("four-cs-of-online-risk-quiz.md");
    let text = |r: Response| decode_entities(&r.text());

    // Fails an attempt: a wrong option for every question shown.
    let fail = || {
        let quiz = text(get_as(web, &quiz_path, &learner));
        let mut fields = vec![
            ("csrf".to_string(), csrf_in(&quiz)),
            ("attempt".to_string(), hidden(&quiz, "attempt")),
        ];
        let mut shown: Vec<String> = Vec::new();
        for part in quiz.split(r#"name="answer-"#).skip(1) {
            let q: String = part.chars().take_while(|c| *c != '"').collect();
            if !shown.contains(&q) {
                shown.push(q);
            }
        }
        assert!(!shown.is_empty(), "{quiz}");
        for q in &shown {
            let (_, right) = correct.iter().find(|(id, _)| id == q).unwrap();
            let pick = ["a", "b", "c", "d"]
                .into_iter()
                .find(|o| !right.iter().any(|r| r == o))
                .unwrap();
            fields.push((format!("answer-{q}"), pick.to_string()));
        }
        let r = post_fields(web, &quiz_path, &learner, &fields);
        assert_status("a failed attempt", &r, 200);
        assert!(text(r).contains("Not passed this time"));
    };

    // One fail: My training offers the quiz again.
    fail();
    let training = text(get_as(web, "/me/training", &learner));
    let row = training_row(&training, MODULE);
    assert!(row.contains(&format!(r#"href="{quiz_path}""#)), "{row}");
    assert!(!row.contains("read-again-first"), "{row}");

    // Two fails in a row: the quiz is locked, and My training says so in plain words, with a
    // link to each section to read again, and no link to the quiz (in the row or the next step).
    fail();
    assert_status(
        "the quiz while locked",
        &get_as(web, &quiz_path, &learner),
        409,
    );
    let training = text(get_as(web, "/me/training", &learner));
    let row = training_row(&training, MODULE);
    assert!(
        row.contains("Read the sections again before your next try: "),
        "{row}"
    );
    assert!(!row.contains(&format!(r#"href="{quiz_path}""#)), "{row}");
    let links = section_links(&row, MODULE);
    assert!(!links.is_empty(), "links to the sections: {row}");
    let next_start = training.find(r#"data-testid="next-step""#).unwrap();
    let next_step =
        &training[next_start..next_start + training[next_start..].find("</div>").unwrap()];
    assert!(
        next_step.contains("Read the sections again before your next try"),
        "{next_step}"
    );
    assert!(
        !next_step.contains(&format!(r#"href="{quiz_path}""#)),
        "{next_step}"
    );
    assert!(
        next_step.contains(&format!(r#"href="{}""#, links[0])),
        "{next_step}"
    );
    // The section titles named are the module's (each link's text is a title shown in it).
    for link in &links {
        let r = get_as(web, link, &learner);
        assert_status("a section to read again", &r, 200);
        let page = text(r);
        let at = row.find(&format!(r#"href="{link}""#)).unwrap();
        let title = &row[at + row[at..].find('>').unwrap() + 1..];
        let title = &title[..title.find("</a>").unwrap()];
        assert!(page.contains(title), "the section {link} is titled {title}");
    }

    // Every section opened again: the quiz is offered once more.
    let training = text(get_as(web, "/me/training", &learner));
    let row = training_row(&training, MODULE);
    assert!(!row.contains("read-again-first"), "{row}");
    assert!(row.contains(&format!(r#"href="{quiz_path}""#)), "{row}");
    assert_status(
        "the quiz after reading again",
        &get_as(web, &quiz_path, &learner),
        200,
    );
}
