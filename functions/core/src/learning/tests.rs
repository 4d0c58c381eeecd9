//! Unit tests of the pure rules: grading, the shuffle, requirements and the status rules.

use super::quiz::{self, Answers, grade, option_id, order};
use super::summary::{Status, evaluate_aup, evaluate_module};
use super::*;
use crate::content::quiz::Quiz;
use crate::content::{Kind, Library};
use crate::dates;
use crate::identity::Person;
use crate::learning_state::{AupState, Completion, CurrentAttempt, Graded, ModuleState, Signature};
use chrono::{DateTime, Duration, Utc};

fn library() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(|| crate::content::load_embedded().unwrap())
}

fn profile() -> OrgProfile {
    library().org("demo").unwrap().clone()
}

fn at(s: &str) -> DateTime<Utc> {
    dates::parse(s).unwrap()
}

fn person(roles: &[Role], groups: &[&str]) -> Person {
    Person {
        org: OrgId::parse("demo").unwrap(),
        id: "0190f3a0-0000-7000-8000-000000000001".into(),
        email: "a@example.org".into(),
        name: "Ann Example".into(),
        roles: roles.to_vec(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        active: true,
        session_epoch: 0,
        created_at: at("2026-01-01T00:00:00Z"),
        version: 1,
    }
}

fn quiz_of(module: &str) -> Quiz {
    library().quiz_of(module).unwrap().quiz.clone().unwrap()
}

/// One wrong option for question `i`.
fn wrong_option(quiz: &Quiz, i: usize) -> String {
    option_id(
        (0..quiz.questions[i].options.len())
            .find(|&j| !quiz.questions[i].options[j].correct)
            .unwrap(),
    )
}

#[test]
fn grading_counts_exactly_right_questions() {
    let quiz = quiz_of("four-cs-of-online-risk");
    let n = quiz.questions.len();
    // An attempt showing the whole bank: every rule of marking, on every question.
    let every: Vec<usize> = (0..n).collect();
    let all = right_answers(&quiz);
    let (normalised, correct) = grade(&quiz, &every, &all).unwrap();
    assert_eq!(correct.len(), n);
    assert_eq!(normalised, all);

    // one wrong single-choice answer
    let mut one_wrong = all.clone();
    one_wrong.insert("q1".into(), vec![wrong_option(&quiz, 0)]);
    let (_, correct) = grade(&quiz, &every, &one_wrong).unwrap();
    assert_eq!(correct.len(), n - 1);
    assert!(!correct.contains(&"q1".to_string()));

    // "choose all that apply": a subset, or a superset, is wrong
    assert!(quiz.questions[1].multiple());
    let mut subset = all.clone();
    subset.get_mut("q2").unwrap().pop();
    assert_eq!(grade(&quiz, &every, &subset).unwrap().1.len(), n - 1);
    let mut superset = all.clone();
    superset.get_mut("q2").unwrap().push(wrong_option(&quiz, 1));
    assert_eq!(grade(&quiz, &every, &superset).unwrap().1.len(), n - 1);

    // repeats and order do not matter
    let mut shuffled = all.clone();
    let q2 = shuffled.get_mut("q2").unwrap();
    q2.reverse();
    q2.push(q2[0].clone());
    assert_eq!(grade(&quiz, &every, &shuffled).unwrap().1.len(), n);
}

#[test]
fn grading_refuses_missing_extra_and_unknown_answers() {
    let quiz = quiz_of("four-cs-of-online-risk");
    let every: Vec<usize> = (0..quiz.questions.len()).collect();
    let all = right_answers(&quiz);
    let mut missing = all.clone();
    missing.remove("q3");
    assert_eq!(
        grade(&quiz, &every, &missing),
        Err(LearningError::MissingAnswers(vec!["q3".into()]))
    );
    let mut empty = all.clone();
    empty.insert("q4".into(), vec![]);
    assert_eq!(
        grade(&quiz, &every, &empty),
        Err(LearningError::MissingAnswers(vec!["q4".into()]))
    );
    let mut extra = all.clone();
    extra.insert("q99".into(), vec!["a".into()]);
    assert_eq!(
        grade(&quiz, &every, &extra),
        Err(LearningError::ExtraAnswers(vec!["q99".into()]))
    );
    let mut flood = all.clone();
    for i in 0..500 {
        flood.insert(format!("{i}{}", "x".repeat(1000)), vec![]);
    }
    match grade(&quiz, &every, &flood) {
        Err(LearningError::ExtraAnswers(ids)) => {
            assert_eq!(ids.len(), 10, "a few named, not all");
            assert!(ids.iter().all(|i| i.chars().count() <= 20));
        }
        other => panic!("{other:?}"),
    }
    let mut two_for_one = all.clone();
    two_for_one.insert("q1".into(), vec!["a".into(), "b".into()]);
    assert_eq!(
        grade(&quiz, &every, &two_for_one),
        Err(LearningError::ExtraAnswers(vec!["q1".into()]))
    );
    let mut unknown = all.clone();
    unknown.insert("q1".into(), vec!["z".into()]);
    assert_eq!(
        grade(&quiz, &every, &unknown),
        Err(LearningError::UnknownOption {
            question: "q1".into(),
            option: "z".into()
        })
    );
    assert!(matches!(
        grade(&quiz, &every, &Answers::new()),
        Err(LearningError::MissingAnswers(m)) if m.len() == quiz.questions.len()
    ));
}

#[test]
fn the_shuffle_is_a_permutation_fixed_by_the_attempt_id() {
    let quiz = quiz_of("four-cs-of-online-risk");
    let a = order("four-cs-of-online-risk", "attempt-1", &quiz);
    assert_eq!(a, order("four-cs-of-online-risk", "attempt-1", &quiz));
    let mut qs = a.questions.clone();
    qs.sort();
    assert_eq!(qs, (0..quiz.questions.len()).collect::<Vec<_>>());
    for (qi, opts) in a.options.iter().enumerate() {
        let mut o = opts.clone();
        o.sort();
        assert_eq!(o, (0..quiz.questions[qi].options.len()).collect::<Vec<_>>());
    }
    // different attempts get different orders (all 20 the same would be a broken shuffle)
    let orders: std::collections::HashSet<Vec<usize>> = (0..20)
        .map(|i| order("four-cs-of-online-risk", &format!("attempt-{i}"), &quiz).questions)
        .collect();
    assert!(orders.len() > 10, "{}", orders.len());
    // and the seed includes the module
    assert_ne!(a, order("another-module", "attempt-1", &quiz));
}

#[test]
fn every_quiz_is_a_bank_an_attempt_draws_six_from() {
    for page in library().pages_of(Kind::Quiz) {
        let qz = page.quiz.as_ref().unwrap();
        let module = page.module.as_deref().unwrap();
        assert!(qz.questions.len() >= 5, "{}", page.id);
        let drawn = quiz::draw(module, "attempt-1", qz);
        assert_eq!(
            drawn.len(),
            quiz::SHOWN_PER_ATTEMPT.min(qz.questions.len()),
            "{}",
            page.id
        );
        let distinct: std::collections::BTreeSet<usize> = drawn.iter().copied().collect();
        assert_eq!(distinct.len(), drawn.len(), "no question twice");
        assert!(drawn.iter().all(|&i| i < qz.questions.len()));
        assert_eq!(
            drawn,
            quiz::draw(module, "attempt-1", qz),
            "fixed by the attempt"
        );
        assert!(qz.pass_mark as usize <= drawn.len());
    }
    // Different attempts draw different sets (over 20 attempts, 10 choose 6 = 210 sets), and
    // between them every question of the bank is asked.
    let qz = quiz_of("four-cs-of-online-risk");
    let draws: Vec<Vec<usize>> = (0..20)
        .map(|i| quiz::draw("four-cs-of-online-risk", &format!("attempt-{i}"), &qz))
        .collect();
    let sets: std::collections::HashSet<std::collections::BTreeSet<usize>> =
        draws.iter().map(|d| d.iter().copied().collect()).collect();
    assert!(sets.len() > 10, "{}", sets.len());
    let asked: std::collections::BTreeSet<usize> = draws.iter().flatten().copied().collect();
    assert_eq!(asked.len(), qz.questions.len());
    // What is stored with the attempt is what it shows; an old attempt without ids gets its draw.
    let stored: Vec<String> = draws[3].iter().map(|&i| quiz::question_id(i)).collect();
    assert_eq!(
        quiz::shown("four-cs-of-online-risk", "x", &stored, &qz),
        draws[3]
    );
    assert_eq!(
        quiz::shown("four-cs-of-online-risk", "attempt-3", &[], &qz),
        draws[3]
    );
}

#[test]
fn grading_counts_only_the_questions_the_attempt_showed() {
    let qz = quiz_of("four-cs-of-online-risk");
    let drawn = quiz::draw("four-cs-of-online-risk", "attempt-7", &qz);
    let not_shown: Vec<usize> = (0..qz.questions.len())
        .filter(|i| !drawn.contains(i))
        .collect();
    assert!(!not_shown.is_empty());
    // Wrong on every shown question, and (forged) right on every question not shown: the forged
    // answers neither count nor are kept.
    let mut answers = right_answers(&qz);
    for &i in &drawn {
        answers.insert(quiz::question_id(i), vec![wrong_option(&qz, i)]);
    }
    let (kept, correct) = grade(&qz, &drawn, &answers).unwrap();
    assert_eq!(correct, Vec::<String>::new());
    let shown_ids: std::collections::BTreeSet<String> =
        drawn.iter().map(|&i| quiz::question_id(i)).collect();
    assert_eq!(
        kept.keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        shown_ids
    );
    // Right on the shown ones: 6 of 6, whatever the rest says.
    let mut right = right_answers(&qz);
    for &i in &not_shown {
        right.insert(quiz::question_id(i), vec![wrong_option(&qz, i)]);
    }
    assert_eq!(grade(&qz, &drawn, &right).unwrap().1.len(), drawn.len());
    // Answers only to questions not shown: every shown one is missing.
    let only_others: Answers = not_shown
        .iter()
        .map(|&i| (quiz::question_id(i), vec![option_id(0)]))
        .collect();
    match grade(&qz, &drawn, &only_others) {
        Err(LearningError::MissingAnswers(ids)) => {
            assert_eq!(
                ids.into_iter().collect::<std::collections::BTreeSet<_>>(),
                shown_ids
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_rendered_quiz_has_no_answers_and_results_explain_each_question() {
    let lib = library();
    let module = lib.page(Kind::Module, "four-cs-of-online-risk").unwrap();
    let quiz_page = lib.quiz_of(&module.id).unwrap();
    let qz = quiz_page.quiz.as_ref().unwrap();
    let drawn = quiz::draw(&module.id, "a1", qz);
    let view = quiz::view(module, quiz_page, "a1", &drawn).unwrap();
    assert_eq!(view, quiz::view(module, quiz_page, "a1", &drawn).unwrap());
    let shown = format!("{view:?}");
    for q in &qz.questions {
        assert!(!shown.contains(&q.explanation_html), "explanation leaked");
    }
    assert!(!shown.contains("correct"));
    assert_eq!(view.out_of as usize, quiz::SHOWN_PER_ATTEMPT);
    assert_eq!(view.questions.len(), quiz::SHOWN_PER_ATTEMPT);
    assert_eq!(view.pass_mark, qz.pass_mark);

    let (answers, correct) = grade(qz, &drawn, &right_answers(qz)).unwrap();
    let graded = Graded {
        attempt_id: "a1".into(),
        module_version: module.version.clone(),
        questions: drawn.iter().map(|&i| quiz::question_id(i)).collect(),
        answers,
        score: correct.len() as u32,
        correct,
        out_of: view.out_of,
        pass_mark: view.pass_mark,
        passed: true,
        submitted_at: "2026-11-23T10:00:00.000Z".into(),
        completed: false,
    };
    let result = quiz::result(module, quiz_page, &graded, None, None).unwrap();
    // same order as the attempt showed
    let shown_ids: Vec<&str> = view.questions.iter().map(|q| q.id.as_str()).collect();
    let result_ids: Vec<&str> = result.questions.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(shown_ids, result_ids);
    for (qv, qr) in view.questions.iter().zip(&result.questions) {
        assert!(qr.correct);
        assert!(!qr.explanation_html.is_empty());
        let opts: Vec<&str> = qv.options.iter().map(|o| o.id.as_str()).collect();
        let ropts: Vec<&str> = qr.options.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(opts, ropts);
        assert!(qr.options.iter().all(|o| o.correct == Some(o.chosen)));
    }
}

#[test]
fn a_failed_attempt_shows_which_questions_were_wrong_and_why_but_not_the_right_options() {
    let lib = library();
    let module = lib.page(Kind::Module, "four-cs-of-online-risk").unwrap();
    let quiz_page = lib.quiz_of(&module.id).unwrap();
    let qz = quiz_page.quiz.as_ref().unwrap();
    let drawn = quiz::draw(&module.id, "a2", qz);
    // Right on the first two questions shown, a wrong option on every other: a fail.
    let mut answers = right_answers(qz);
    for &i in &drawn[2..] {
        answers.insert(quiz::question_id(i), vec![wrong_option(qz, i)]);
    }
    let (answers, correct) = grade(qz, &drawn, &answers).unwrap();
    let graded = |passed: bool| Graded {
        attempt_id: "a2".into(),
        module_version: module.version.clone(),
        questions: drawn.iter().map(|&i| quiz::question_id(i)).collect(),
        answers: answers.clone(),
        score: correct.len() as u32,
        correct: correct.clone(),
        out_of: drawn.len() as u32,
        pass_mark: qz.pass_mark,
        passed,
        submitted_at: "2026-12-05T10:00:00.000Z".into(),
        completed: false,
    };
    assert_eq!(correct.len(), 2);
    let failed = quiz::result(module, quiz_page, &graded(false), None, None).unwrap();
    assert_eq!(failed.questions.len(), quiz::SHOWN_PER_ATTEMPT);
    assert!(!failed.passed);
    for q in &failed.questions {
        // every explanation is there, and whether the question was right
        assert!(!q.explanation_html.is_empty());
        assert_eq!(q.correct, correct.contains(&q.id));
        if q.correct {
            // what they chose (all of it right) may be confirmed
            assert!(q.options.iter().all(|o| o.correct == Some(o.chosen)));
        } else {
            // nothing says which option is right; their own choice is still shown
            assert!(q.options.iter().all(|o| o.correct.is_none()), "{q:?}");
            assert_eq!(q.options.iter().filter(|o| o.chosen).count(), 1);
        }
    }
    // The same answers in an attempt that passed (a lower pass mark, say) show every answer.
    let passed = quiz::result(module, quiz_page, &graded(true), None, None).unwrap();
    assert!(
        passed
            .questions
            .iter()
            .all(|q| q.options.iter().all(|o| o.correct.is_some()))
    );
}

#[test]
fn requirements_come_from_the_profile_by_role_and_group() {
    let lib = library();
    let profile = profile();
    let setting = Setting {
        library: lib,
        profile: &profile,
    };
    let learner = Required::of(&setting, &person(&[Role::Learner], &[]));
    assert_eq!(learner.modules.len(), 8);
    assert_eq!(
        learner
            .aups
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        ["learner-aup"]
    );
    let staff = Required::of(&setting, &person(&[Role::Staff], &[]));
    assert_eq!(staff.modules.len(), 6);
    assert!(staff.module("four-cs-of-online-risk").is_none());
    // a college does not require the adults at risk module (`required_in = ["adult-learning"]`)
    assert!(staff.module("staff-adults-at-risk").is_none());
    assert!(staff.aup("staff-aup").is_some());
    assert!(Required::of(&setting, &person(&[Role::Dsl], &[])).is_empty());
    let parent = Required::of(&setting, &person(&[Role::Parent], &[]));
    assert!(parent.modules.is_empty());
    assert_eq!(parent.aups[0].id, "parent-visitor-aup");

    // a group requirement adds to the role's
    let mut grouped = profile.clone();
    grouped.requirements.push(crate::org::Requirement {
        role: "learner".into(),
        group: Some("Apprentices".into()),
        modules: vec!["staff-filtering-and-monitoring".into()],
        aups: vec![],
    });
    let setting = Setting {
        library: lib,
        profile: &grouped,
    };
    assert_eq!(
        Required::of(&setting, &person(&[Role::Learner], &["Apprentices"]))
            .modules
            .len(),
        9
    );
    assert_eq!(
        Required::of(&setting, &person(&[Role::Learner], &["Other"]))
            .modules
            .len(),
        8
    );

    // no requirements at all: by the content's audience
    let mut bare = profile.clone();
    bare.requirements.clear();
    let setting = Setting {
        library: lib,
        profile: &bare,
    };
    let r = Required::of(&setting, &person(&[Role::Staff], &[]));
    assert!(
        r.modules
            .iter()
            .all(|m| m.is_for(crate::content::Audience::Staff))
    );
    // every staff module, searching, screening and confiscation included, but not the one
    // meant for adult learning services
    assert_eq!(r.modules.len(), 7);
    assert!(r.module("staff-adults-at-risk").is_none());
    assert!(r.aup("staff-aup").is_some());

    // an adult learning service: its staff must also do the adults at risk module, after the
    // profile's own, and its learners do not
    let mut adult = profile.clone();
    adult.kind = "adult-learning".into();
    let setting = Setting {
        library: lib,
        profile: &adult,
    };
    let staff = Required::of(&setting, &person(&[Role::Staff], &[]));
    assert_eq!(staff.modules.len(), 7);
    assert_eq!(staff.modules[6].id, "staff-adults-at-risk");
    let learner = Required::of(&setting, &person(&[Role::Learner], &[]));
    assert!(learner.module("staff-adults-at-risk").is_none());
    assert_eq!(learner.modules.len(), 8);
    // named by the profile too: once
    adult.requirements[1]
        .modules
        .push("staff-adults-at-risk".into());
    let setting = Setting {
        library: lib,
        profile: &adult,
    };
    let staff = Required::of(&setting, &person(&[Role::Staff], &[]));
    assert_eq!(staff.modules.len(), 7);
    // and without requirements, by audience: every staff module
    adult.requirements.clear();
    let setting = Setting {
        library: lib,
        profile: &adult,
    };
    let r = Required::of(&setting, &person(&[Role::Staff], &[]));
    assert_eq!(r.modules.len(), 8);
}

fn completion(version: &str, at_: &str, valid_until: Option<&str>) -> ModuleState {
    ModuleState {
        attempts: 1,
        completion: Some(Completion {
            person_id: "p".into(),
            module_id: "m".into(),
            module_version: version.into(),
            score: 6,
            out_of: 6,
            attempts: 1,
            attempt_id: "a".into(),
            completed_at: at_.into(),
            valid_until: valid_until.map(Into::into),
            certificate_code: "0123456789ABCDEF".into(),
        }),
        ..ModuleState::default()
    }
}

#[test]
fn staff_items_pass_then_expire_soon_then_expire() {
    let lib = library();
    let profile = profile();
    let setting = Setting {
        library: lib,
        profile: &profile,
    };
    let module = lib
        .page(Kind::Module, "staff-filtering-and-monitoring")
        .unwrap();
    let done = at("2026-11-23T10:00:00Z");
    let until = completion::valid_until(&setting, module, done).unwrap();
    assert_eq!(until, at("2027-11-23T10:00:00Z"));
    let m = completion(
        &module.version,
        "2026-11-23T10:00:00.000Z",
        Some("2027-11-23T10:00:00.000Z"),
    );
    let status = |now: DateTime<Utc>| evaluate_module(module, Some(&m), now).status;
    assert_eq!(status(done), Status::Passed);
    assert_eq!(status(until - Duration::days(31)), Status::Passed);
    assert_eq!(status(until - Duration::days(30)), Status::ExpiringSoon);
    assert_eq!(status(until - Duration::seconds(1)), Status::ExpiringSoon);
    assert_eq!(status(until), Status::Expired);
    assert_eq!(status(until + Duration::days(400)), Status::Expired);
    let e = evaluate_module(module, Some(&m), until);
    assert_eq!(e.due, Some(until));
    assert!(Status::Expired.is_due() && Status::ExpiringSoon.is_due());
    assert!(!Status::Passed.is_due());

    // another renewal period
    let mut six = profile.clone();
    six.renewal_months = 6;
    let setting6 = Setting {
        library: lib,
        profile: &six,
    };
    assert_eq!(
        completion::valid_until(&setting6, module, at("2027-08-31T09:00:00Z")),
        Some(at("2028-02-29T09:00:00Z"))
    );
}

#[test]
fn learner_items_never_expire_and_progress_shows() {
    let lib = library();
    let profile = profile();
    let setting = Setting {
        library: lib,
        profile: &profile,
    };
    let module = lib.page(Kind::Module, "four-cs-of-online-risk").unwrap();
    assert_eq!(
        completion::valid_until(&setting, module, at("2026-11-23T10:00:00Z")),
        None
    );
    let m = completion(&module.version, "2016-11-23T10:00:00.000Z", None);
    let e = evaluate_module(module, Some(&m), at("2036-11-23T10:00:00Z"));
    assert_eq!(e.status, Status::Passed);
    assert_eq!(e.due, None);

    let now = at("2026-11-23T10:00:00Z");
    assert_eq!(
        evaluate_module(module, None, now).status,
        Status::NotStarted
    );
    let reading = ModuleState {
        sections_reached: 2,
        section: 1,
        reading_version: Some(module.version.clone()),
        ..ModuleState::default()
    };
    assert_eq!(
        evaluate_module(module, Some(&reading), now).status,
        Status::InProgress
    );
    let started_quiz = ModuleState {
        current_attempt: Some(CurrentAttempt {
            id: "a".into(),
            module_version: module.version.clone(),
            started_at: "2026-11-23T10:00:00.000Z".into(),
            questions: vec![],
            graded: None,
        }),
        ..ModuleState::default()
    };
    assert_eq!(
        evaluate_module(module, Some(&started_quiz), now).status,
        Status::InProgress
    );
}

#[test]
fn new_versions_are_due_again_or_reported_as_older() {
    let lib = library();
    let now = at("2026-11-23T10:00:00Z");
    let mut module = lib
        .page(Kind::Module, "four-cs-of-online-risk")
        .unwrap()
        .clone();
    let m = completion("1.0.0", "2026-11-01T10:00:00.000Z", None);

    module.version = "2.0.0".into();
    module.recomplete_on_major = false;
    let e = evaluate_module(&module, Some(&m), now);
    assert_eq!(e.status, Status::Passed);
    assert!(e.older_version);
    assert_eq!(e.done_version.as_deref(), Some("1.0.0"));

    module.recomplete_on_major = true;
    let e = evaluate_module(&module, Some(&m), now);
    assert_eq!(e.status, Status::DueAgain);
    assert!(!e.older_version);

    // a minor change never makes it due again
    module.version = "1.1.0".into();
    let e = evaluate_module(&module, Some(&m), now);
    assert_eq!(e.status, Status::Passed);
    assert!(e.older_version);

    // AUPs: a new major version must be signed again; a minor one (wording) keeps the signature
    let mut aup = lib.page(Kind::Aup, "learner-aup").unwrap().clone();
    let signed = AupState {
        signature: Some(Signature {
            signature_id: "s".into(),
            aup_id: aup.id.clone(),
            version: aup.version.clone(),
            sha256: "0".repeat(64),
            typed_name: "Ann".into(),
            signer_id: "p".into(),
            signed_at: "2026-11-01T10:00:00.000Z".into(),
            valid_until: None,
        }),
        cosignature: None,
    };
    assert_eq!(
        evaluate_aup(&aup, Some(&signed), now).status,
        Status::Passed
    );
    let signed_version = aup.version.clone();
    aup.version = "1.9.1".into();
    let e = evaluate_aup(&aup, Some(&signed), now);
    assert_eq!(
        e.status,
        Status::Passed,
        "signed {signed_version}, now 1.9.1"
    );
    assert!(e.older_version);
    aup.version = "2.0.0".into();
    let e = evaluate_aup(&aup, Some(&signed), now);
    assert_eq!(e.status, Status::DueAgain);
    assert!(!e.older_version);
    assert_eq!(evaluate_aup(&aup, None, now).status, Status::NotStarted);
}

#[test]
fn minutes_left_share_the_module_time_out_and_round_up() {
    use super::reading::minutes_left;
    assert_eq!(minutes_left(8, 0, 5), 8);
    assert_eq!(minutes_left(8, 1, 5), 7); // 6.4 -> 7
    assert_eq!(minutes_left(8, 4, 5), 2); // 1.6 -> 2
    assert_eq!(minutes_left(8, 5, 5), 0);
    assert_eq!(minutes_left(8, 0, 0), 0);
}

#[test]
fn every_refusal_has_a_plain_message() {
    let all = [
        LearningError::WrongOrganisation,
        LearningError::NotAssigned("x".into()),
        LearningError::NoQuiz("x".into()),
        LearningError::UnknownAttempt,
        LearningError::ModuleChanged,
        LearningError::MissingAnswers(vec!["q1".into(), "q2".into()]),
        LearningError::ExtraAnswers(vec![]),
        LearningError::UnknownOption {
            question: "q1".into(),
            option: "z".into(),
        },
        LearningError::UnknownSection(9),
        LearningError::NotCurrentVersion {
            offered: "1".into(),
            current: "2".into(),
        },
        LearningError::TamperedText,
        LearningError::NameDoesNotMatch,
        LearningError::DeclarationNotTicked,
        LearningError::CertificateNotFound,
        LearningError::Conflict,
        LearningError::Store(crate::store::StoreError::Unavailable("x".into())),
        LearningError::Corrupt("x".into()),
    ];
    let messages: std::collections::HashSet<String> =
        all.iter().map(LearningError::user_message).collect();
    // distinct, except the two that both mean "try again later"
    assert_eq!(messages.len(), all.len() - 1);
    assert!(
        LearningError::MissingAnswers(vec!["q1".into(), "q2".into()])
            .user_message()
            .contains("2 questions")
    );
}
