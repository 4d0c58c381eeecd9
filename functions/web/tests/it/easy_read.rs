//! Easy read over HTTP: the real `web` binary with its own embedded store and the demo people.
//! A learner switches to easy read (CSRF-checked, only for themselves), reads the easy-read
//! module, passes the easy-read quiz, and that is a completion of the same module: on My
//! training, on the module's roster and once in the compliance list. A DSL assigns the standard
//! version back from the person's record; a learner and a member of staff without the role
//! cannot assign, and nothing is written when they try.

use crate::support;

use support::{Response, Web, csrf_in, decode_entities, get_as, post_as};

const LEARNER: &str = "learner@wexmoorvale.example.org";
const LEARNER_NAME: &str = "Alex Rivers";
const STAFF: &str = "staff@wexmoorvale.example.org";
const STAFF_NAME: &str = "Sam Carter";
const DSL: &str = "safeguarding@wexmoorvale.example.org";
const MODULE: &str = "four-cs-of-online-risk";
const SESSION_KEYS: &str = "k1:easy-read-test-session-secret-0123456789";

#[track_caller]
fn assert_status(what: &str, r: &Response, status: u16) {
    assert_eq!(r.status, status, "{what}\n{}", r.describe());
}

fn html(r: &Response) -> String {
    decode_entities(&r.text())
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
    html[start..start + len].to_string()
}

/// The correct option ids of each question of the easy-read quiz (`q1` -> `["b"]`).
fn easy_read_answers() -> Vec<(String, Vec<String>)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../content/quizzes/easy-read")
        .join(format!("{MODULE}-quiz.md"));
    let text = std::fs::read_to_string(&path).expect("the easy-read quiz");
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

/// The questions a quiz page shows (`answer-q3` fields), each once.
fn shown_questions(html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in html.split(r#"name="answer-"#).skip(1) {
        let q: String = part.chars().take_while(|c| *c != '"').collect();
        if !out.contains(&q) {
            out.push(q);
        }
    }
    out
}

fn post_fields(web: &Web, path: &str, cookie: &str, fields: &[(String, String)]) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post_as(web, path, cookie, &borrowed)
}

/// The person id behind `name`'s link in a compliance list.
#[track_caller]
fn person_id_in(list: &str, name: &str) -> String {
    let end = list
        .find(&format!(">{name}</a>"))
        .unwrap_or_else(|| panic!("{name} is not in the list:\n{list}"));
    let start = list[..end]
        .rfind("/compliance/people/")
        .expect("a link to the person")
        + "/compliance/people/".len();
    list[start..end].trim_end_matches('"').to_string()
}

#[test]
fn a_learner_switches_to_easy_read_passes_and_it_counts_as_the_same_module() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    );
    let web = &web;
    let learner = support::sign_in(web, data.path(), LEARNER);
    let staff = support::sign_in(web, data.path(), STAFF);
    let dsl = support::sign_in(web, data.path(), DSL);
    let module_path = format!("/learn/{MODULE}");

    // The DSL finds the learner's and the staff member's ids in the compliance lists.
    let list = html(&get_as(
        web,
        &format!("/compliance/list?item=MODULE%23{MODULE}"),
        &dsl,
    ));
    let learner_id = person_id_in(&list, LEARNER_NAME);
    let staff_list = html(&get_as(
        web,
        "/compliance/list?item=MODULE%23staff-roles-and-responsibilities",
        &dsl,
    ));
    let staff_id = person_id_in(&staff_list, STAFF_NAME);

    // Standard to begin with, and the switch is on the module page and on My training.
    let page = get_as(web, &module_path, &learner);
    assert_status("the module", &page, 200);
    let text = html(&page);
    assert!(
        text.contains("You are reading the standard version."),
        "{text}"
    );
    assert!(text.contains("Use easy read"));
    assert!(!text.contains("(easy read)"));
    let csrf = csrf_in(&text);
    assert!(
        html(&get_as(web, "/me/training", &learner)).contains("Use easy read"),
        "the switch is on My training too"
    );

    // Without the CSRF token: refused, nothing changes.
    let r = post_as(
        web,
        "/me/reading-level",
        &learner,
        &[("level", "easy"), ("return_to", &module_path)],
    );
    assert_status("switching without the CSRF token", &r, 403);
    assert!(
        html(&get_as(web, &module_path, &learner))
            .contains("You are reading the standard version.")
    );

    // Another person's token does not work either.
    let staff_csrf = csrf_in(&html(&get_as(web, "/me/training", &staff)));
    let r = post_as(
        web,
        "/me/reading-level",
        &learner,
        &[("csrf", &staff_csrf), ("level", "easy")],
    );
    assert_status("switching with another session's token", &r, 403);

    // A value that is not a level: refused.
    let r = post_as(
        web,
        "/me/reading-level",
        &learner,
        &[("csrf", &csrf), ("level", "huge")],
    );
    assert_status("an unknown level", &r, 422);

    // The switch: back to the module page (never to an address from outside). A person id sent
    // along is ignored: the switch is only ever the signed-in person's own.
    let r = post_as(
        web,
        "/me/reading-level",
        &learner,
        &[
            ("csrf", &csrf),
            ("level", "easy"),
            ("return_to", &module_path),
            ("person", &staff_id),
        ],
    );
    assert_status("switching to easy read", &r, 303);
    assert_eq!(r.header("location"), Some(module_path.as_str()));
    let staff_record = html(&get_as(
        web,
        &format!("/compliance/people/{staff_id}"),
        &dsl,
    ));
    assert!(
        staff_record.contains("Nobody has chosen: the standard version."),
        "the staff member's level is untouched:\n{staff_record}"
    );
    let r = post_as(
        web,
        "/me/reading-level",
        &learner,
        &[
            ("csrf", &csrf),
            ("level", "easy"),
            ("return_to", "https://example.com/phish"),
        ],
    );
    assert_eq!(r.header("location"), Some("/me/training"));

    // The easy-read module: its own words, the same sections.
    let text = html(&get_as(web, &module_path, &learner));
    assert!(
        text.contains("The four Cs of online risk (easy read)"),
        "{text}"
    );
    assert!(text.contains("You are reading the easy-read version."));
    assert!(text.contains("You chose this."));
    assert!(
        text.contains("Part 1 of 5"),
        "same sections as the standard module"
    );
    let last = get_as(web, &format!("{module_path}?section=5"), &learner);
    assert_status("the last section", &last, 200);
    assert!(html(&last).contains("Take the quiz"));

    // The easy-read quiz, passed.
    let quiz_path = format!("{module_path}/quiz");
    let quiz = html(&get_as(web, &quiz_path, &learner));
    assert!(
        quiz.contains("Which C is this?")
            || quiz.contains("What do you do?")
            || quiz.contains("Whose fault is it?"),
        "easy-read questions:\n{quiz}"
    );
    let attempt = hidden(&quiz, "attempt");
    let shown = shown_questions(&quiz);
    assert!(!shown.is_empty());
    let correct = easy_read_answers();
    let mut fields = vec![
        ("csrf".to_string(), csrf.clone()),
        ("attempt".to_string(), attempt),
    ];
    for q in &shown {
        let (_, options) = correct
            .iter()
            .find(|(id, _)| id == q)
            .unwrap_or_else(|| panic!("{q} is a question of the easy-read bank"));
        fields.extend(options.iter().map(|o| (format!("answer-{q}"), o.clone())));
    }
    let passed = post_fields(web, &quiz_path, &learner, &fields);
    assert_status("the easy-read quiz", &passed, 200);
    assert!(html(&passed).contains("You passed"), "{}", html(&passed));

    // The same module, done: on My training, on its roster, once in the compliance list.
    let training = html(&get_as(web, "/me/training", &learner));
    let row_start = training
        .find(&format!(r#"data-testid="training-{MODULE}""#))
        .expect("the module's row");
    let row = &training[row_start..row_start + training[row_start..].find("</tr>").unwrap()];
    assert!(row.contains("Done"), "{row}");
    let roster = html(&get_as(web, &format!("/completions/{MODULE}"), &dsl));
    assert_eq!(roster.matches(LEARNER_NAME).count(), 1, "{roster}");
    let done = html(&get_as(
        web,
        &format!("/compliance/list?item=MODULE%23{MODULE}&standing=in-date"),
        &dsl,
    ));
    assert_eq!(
        done.matches(&format!(">{LEARNER_NAME}</a>")).count(),
        1,
        "counted once:\n{done}"
    );

    // The DSL sees the learner chose easy read, and sets the standard version for them.
    let record = html(&get_as(
        web,
        &format!("/compliance/people/{learner_id}"),
        &dsl,
    ));
    assert!(record.contains("They chose it themselves."), "{record}");
    let assign_path = format!("/compliance/people/{learner_id}/reading-level");
    let dsl_csrf = csrf_in(&record);

    // Refused: a learner assigning (for someone else or themselves), a member of staff without
    // the role, and the DSL without the CSRF token. Nothing changes.
    let to_staff = format!("/compliance/people/{staff_id}/reading-level");
    assert_status(
        "a learner assigning easy read to someone else",
        &post_as(
            web,
            &to_staff,
            &learner,
            &[("csrf", &csrf), ("level", "easy")],
        ),
        403,
    );
    assert_status(
        "a member of staff assigning easy read",
        &post_as(
            web,
            &assign_path,
            &staff,
            &[("csrf", &staff_csrf), ("level", "standard")],
        ),
        403,
    );
    assert_status(
        "the DSL without the CSRF token",
        &post_as(web, &assign_path, &dsl, &[("level", "standard")]),
        403,
    );
    assert!(
        html(&get_as(
            web,
            &format!("/compliance/people/{staff_id}"),
            &dsl
        ))
        .contains("Nobody has chosen: the standard version.")
    );
    assert!(
        html(&get_as(web, &module_path, &learner))
            .contains("You are reading the easy-read version.")
    );

    // The DSL assigns: it stands until the learner switches again.
    let r = post_as(
        web,
        &assign_path,
        &dsl,
        &[("csrf", &dsl_csrf), ("level", "standard")],
    );
    assert_status("the DSL assigning", &r, 303);
    let text = html(&get_as(web, &module_path, &learner));
    assert!(
        text.contains("You are reading the standard version."),
        "{text}"
    );
    assert!(
        text.contains("set this for you. You can still change it."),
        "{text}"
    );
    assert!(
        html(&get_as(
            web,
            &format!("/compliance/people/{learner_id}"),
            &dsl
        ))
        .contains("Set by ")
    );
    // A group: a member of staff without the role is refused; the DSL sets the learner's group
    // to easy read from the record (the learner's own assignment still stands over it).
    let group = "Sept 2026 intake";
    assert_status(
        "a member of staff setting a group",
        &post_as(
            web,
            "/compliance/reading-level/group",
            &staff,
            &[("csrf", &staff_csrf), ("group", group), ("level", "easy")],
        ),
        403,
    );
    let record = html(&get_as(
        web,
        &format!("/compliance/people/{learner_id}"),
        &dsl,
    ));
    assert!(
        record.contains(&format!("Set easy read for everyone in the group {group}")),
        "{record}"
    );
    let r = post_as(
        web,
        "/compliance/reading-level/group",
        &dsl,
        &[
            ("csrf", &dsl_csrf),
            ("group", group),
            ("person", &learner_id),
            ("level", "easy"),
        ],
    );
    assert_status("the DSL setting a group", &r, 303);
    assert_eq!(
        r.header("location"),
        Some(format!("/compliance/people/{learner_id}").as_str())
    );
    let record = html(&get_as(
        web,
        &format!("/compliance/people/{learner_id}"),
        &dsl,
    ));
    assert!(
        record.contains(&format!("Take easy read off for the group {group}")),
        "{record}"
    );
    assert!(
        html(&get_as(web, &module_path, &learner))
            .contains("You are reading the standard version."),
        "the DSL's assignment to the person stands over the group"
    );

    // Unknown person: 404.
    assert_status(
        "assigning to nobody",
        &post_as(
            web,
            "/compliance/people/0190f3a0-0000-7000-8000-00000000beef/reading-level",
            &dsl,
            &[("csrf", &dsl_csrf), ("level", "easy")],
        ),
        404,
    );
}

#[test]
fn a_learner_on_easy_read_signs_the_easy_read_learner_aup_and_it_counts_as_the_same_aup() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    );
    let web = &web;
    let learner = support::sign_in(web, data.path(), LEARNER);
    let dsl = support::sign_in(web, data.path(), DSL);
    let aup_path = "/aup/learner-aup";
    let list_path = "/compliance/list?item=AUP%23learner-aup";

    // The standard text first: its version and hash.
    let standard = html(&get_as(web, aup_path, &learner));
    assert!(!standard.contains("(easy read)"), "{standard}");
    let standard_sha = hidden(&standard, "sha256");
    let csrf = csrf_in(&standard);
    let learner_id = person_id_in(&html(&get_as(web, list_path, &dsl)), LEARNER_NAME);
    let signed_before = html(&get_as(web, &format!("{list_path}&standing=in-date"), &dsl));
    assert!(
        !signed_before.contains(&format!(">{LEARNER_NAME}</a>")),
        "not signed yet:\n{signed_before}"
    );

    // The learner switches to easy read: the AUP page is the easy-read text, same id and
    // version, another hash (another text).
    let r = post_as(
        web,
        "/me/reading-level",
        &learner,
        &[
            ("csrf", &csrf),
            ("level", "easy"),
            ("return_to", "/me/training"),
        ],
    );
    assert_status("switching to easy read", &r, 303);
    let page = get_as(web, aup_path, &learner);
    assert_status("the easy-read AUP", &page, 200);
    let easy = html(&page);
    assert!(
        easy.contains("Learner rules for using computers and phones (easy read)"),
        "{easy}"
    );
    let version = hidden(&easy, "version");
    assert_eq!(version, hidden(&standard, "version"), "the same version");
    let sha = hidden(&easy, "sha256");
    assert_ne!(sha, standard_sha, "the easy-read text is another text");

    // Signing with the standard text's hash while on easy read is refused: the hash must be of
    // the text shown.
    let sign = |sha: &str| {
        post_as(
            web,
            aup_path,
            &learner,
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("sha256", sha),
                ("typed_name", LEARNER_NAME),
                ("declaration", "yes"),
            ],
        )
    };
    assert_status("the standard hash on easy read", &sign(&standard_sha), 422);

    // Signed: the exact easy-read text is kept.
    let r = sign(&sha);
    assert_status("signing the easy-read AUP", &r, 200);
    assert!(html(&r).contains("Signed on"), "{}", html(&r));
    let signed_text = html(&get_as(
        web,
        &format!("/aup/learner-aup/signed/{sha}"),
        &learner,
    ));
    assert!(
        signed_text.contains("These rules help keep you safe online."),
        "the easy-read text is what was signed:\n{signed_text}"
    );
    assert!(
        !signed_text.contains("This agreement helps keep you, and everyone at"),
        "not the standard text:\n{signed_text}"
    );

    // In compliance it is the learner AUP, signed, once; the record shows the signature of that
    // AUP; the completion export says signed, current version.
    let signed = html(&get_as(web, &format!("{list_path}&standing=in-date"), &dsl));
    assert_eq!(
        signed.matches(&format!(">{LEARNER_NAME}</a>")).count(),
        1,
        "counted once as the learner AUP:\n{signed}"
    );
    let record = html(&get_as(
        web,
        &format!("/compliance/people/{learner_id}"),
        &dsl,
    ));
    assert!(
        record.contains(&format!("Signed as “{LEARNER_NAME}”")),
        "{record}"
    );
    assert!(record.contains(&format!("/compliance/people/{learner_id}/signed/{sha}")));
    let csv = get_as(web, "/compliance/export/completion.csv", &dsl).text();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = lines
        .find(|l| l.starts_with(LEARNER_NAME))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(row[col("learner-aup status")], "done", "{row:?}");
    assert_eq!(row[col("learner-aup version")], version, "{row:?}");

    // Back on the standard version, the AUP still stands as signed: the same AUP.
    let r = post_as(
        web,
        "/me/reading-level",
        &learner,
        &[("csrf", &csrf), ("level", "standard")],
    );
    assert_status("switching back", &r, 303);
    let training = html(&get_as(web, "/me/training", &learner));
    let row_start = training
        .find(r#"data-testid="training-learner-aup""#)
        .unwrap_or_else(|| panic!("the AUP's row on My training:\n{training}"));
    let row = &training[row_start..row_start + training[row_start..].find("</tr>").unwrap()];
    assert!(row.contains("Done") || row.contains("Signed"), "{row}");
}
