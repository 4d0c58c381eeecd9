//! The learning journey through the core's public interface, on both backends (embedded and a
//! real DynamoDB Local): a module from first page to verified certificate, double submissions,
//! every refusal writing nothing, a store failure in the middle of a completion, a new AUP
//! version, staff renewal, and the round trips each step costs.

use crate::support;

use chrono::{DateTime, Duration, Utc};
use safety_core::content::{Kind, Library};
use safety_core::identity::{NewPerson, Person, people};
use safety_core::keys;
use safety_core::learning::{
    self, Answers, AupDocument, ItemKind, LearningError, NextStep, Setting, SignAup, Status,
    Training, TrainingItem,
};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::counting::CountingStore;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::{
    Condition, Index, Item, Key, Page, Query, Store, StoreError, TxOp, Update,
};
use std::sync::atomic::{AtomicU8, Ordering};
use support::dynamodb_local::DynamoDbLocal;
use support::{LEARNER_MODULE, STAFF_MODULE, library, profile_of, t0};

/// Injects a failure into the next transaction: before it is applied (nothing written), or
/// after (written, but the caller hears an error, as on a timeout).
const FAIL_NONE: u8 = 0;
const FAIL_BEFORE: u8 = 1;
const FAIL_AFTER: u8 = 2;
/// A concurrent identical request wins the race: the same writes land first, so this one's
/// conditions fail.
const LOSE_RACE: u8 = 3;

struct TestStore<S> {
    inner: CountingStore<S>,
    fail_next_transact: AtomicU8,
}

impl<S: Store> TestStore<S> {
    fn new(inner: S) -> Self {
        TestStore {
            inner: CountingStore::new(inner),
            fail_next_transact: AtomicU8::new(FAIL_NONE),
        }
    }
    fn reads(&self) -> usize {
        self.inner.reads()
    }
    fn writes(&self) -> usize {
        self.inner.writes()
    }
}

impl<S: Store> Store for TestStore<S> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
        self.inner.update(key, update, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        match self.fail_next_transact.swap(FAIL_NONE, Ordering::SeqCst) {
            FAIL_BEFORE => Err(StoreError::Unavailable("injected: before".into())),
            FAIL_AFTER => {
                self.inner.transact(ops).await?;
                Err(StoreError::Unavailable("injected: after".into()))
            }
            LOSE_RACE => {
                self.inner.transact(ops.clone()).await?;
                self.inner.transact(ops).await
            }
            _ => self.inner.transact(ops).await,
        }
    }
}

/// Round trips of one call: (reads, writes).
struct Trips {
    reads: usize,
    writes: usize,
}

impl<S: Store> TestStore<S> {
    fn mark(&self) -> (usize, usize) {
        (self.reads(), self.writes())
    }
    fn since(&self, mark: (usize, usize)) -> Trips {
        Trips {
            reads: self.reads() - mark.0,
            writes: self.writes() - mark.1,
        }
    }
}

async fn invite<S: Store>(store: &S, org: &OrgId, name: &str, roles: Vec<Role>) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: format!("{}@example.org", uuid::Uuid::new_v4()),
            name: name.into(),
            roles,
            groups: vec![],
        },
        t0(),
    )
    .await
    .unwrap()
}

/// Answers that fail: every question answered, all wrong.
fn failing_answers(lib: &Library, module: &str) -> Answers {
    let quiz = lib.quiz_of(module).unwrap().quiz.as_ref().unwrap();
    quiz.questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let j = q.options.iter().position(|o| !o.correct).unwrap();
            (
                format!("q{}", i + 1),
                vec![char::from(b'a' + j as u8).to_string()],
            )
        })
        .collect()
}

/// Everything in a person's learning partition.
async fn partition<S: Store>(store: &S, org: &OrgId, person: &Person) -> Vec<Item> {
    store
        .query(&Query::partition(keys::learning_partition(org, &person.id)).limit(1000))
        .await
        .unwrap()
        .items
}

async fn index_rows<S: Store>(store: &S, partition: String) -> Vec<Item> {
    store
        .query(
            &Query::partition(partition)
                .on_index(Index::Gsi1)
                .limit(1000),
        )
        .await
        .unwrap()
        .items
}

fn count_prefix(items: &[Item], prefix: &str) -> usize {
    items
        .iter()
        .filter(|i| i["sk"].as_str().unwrap().starts_with(prefix))
        .count()
}

fn item<'a>(t: &'a Training, id: &str) -> &'a TrainingItem {
    t.items.iter().find(|i| i.id == id).unwrap()
}

/// A learner from the first page to a verified certificate, with the round trips of each step.
async fn journey<S: Store>(store: &TestStore<S>) {
    let profile = profile_of("journey");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let lee = invite(store, &org, "Lee O'Learner", vec![Role::Learner]).await;
    let lib = library();

    // nothing done yet: 1 query
    let mark = store.mark();
    let training = learning::my_training(store, setting, &lee, t0())
        .await
        .unwrap();
    let trips = store.since(mark);
    eprintln!(
        "my_training ({} items): {} reads, {} writes",
        training.items.len(),
        trips.reads,
        trips.writes
    );
    assert_eq!((trips.reads, trips.writes), (1, 0));
    assert_eq!(training.items.len(), 9);
    assert_eq!(training.to_do(), 9);
    assert!(
        training
            .items
            .iter()
            .all(|i| i.status == Status::NotStarted)
    );
    let first = item(&training, LEARNER_MODULE);
    assert_eq!(first.next, NextStep::StartReading);
    assert_eq!(item(&training, "learner-aup").next, NextStep::Sign);
    assert_eq!(item(&training, "learner-aup").kind, ItemKind::Aup);

    // reading: start, next, leave, resume where left
    let page = learning::read_module(store, &setting, &lee, LEARNER_MODULE, None)
        .await
        .unwrap();
    assert_eq!((page.index, page.previous, page.next), (0, None, Some(1)));
    let count = page.count;
    assert!(count >= 3);
    let module = lib.page(Kind::Module, LEARNER_MODULE).unwrap();
    assert_eq!(page.minutes_left, module.minutes);
    assert!(
        !page.section.html.contains("{{"),
        "placeholders substituted"
    );
    let mark = store.mark();
    let page = learning::read_module(store, &setting, &lee, LEARNER_MODULE, Some(2))
        .await
        .unwrap();
    let trips = store.since(mark);
    eprintln!(
        "read_module (move): {} reads, {} writes",
        trips.reads, trips.writes
    );
    assert_eq!((trips.reads, trips.writes), (1, 1));
    assert_eq!((page.index, page.previous), (2, Some(1)));
    assert!(page.minutes_left < module.minutes);
    let resumed = learning::read_module(store, &setting, &lee, LEARNER_MODULE, None)
        .await
        .unwrap();
    assert_eq!(resumed.index, 2, "resumes where left");
    assert_eq!(resumed.reached, 3);
    let training = learning::my_training(store, setting, &lee, t0())
        .await
        .unwrap();
    assert_eq!(item(&training, LEARNER_MODULE).status, Status::InProgress);
    assert_eq!(
        item(&training, LEARNER_MODULE).next,
        NextStep::ContinueReading { section: 2 }
    );
    let last = learning::read_module(store, &setting, &lee, LEARNER_MODULE, Some(count - 1))
        .await
        .unwrap();
    assert_eq!(last.next, None, "the quiz comes next");
    assert!(matches!(
        learning::read_module(store, &setting, &lee, LEARNER_MODULE, Some(count)).await,
        Err(LearningError::UnknownSection(_))
    ));

    // the quiz: a reload gives the same attempt in the same order
    let quiz = learning::start_quiz(store, &setting, &lee, LEARNER_MODULE, t0())
        .await
        .unwrap();
    let again = learning::start_quiz(store, &setting, &lee, LEARNER_MODULE, t0())
        .await
        .unwrap();
    assert_eq!(quiz, again);
    let rendered = learning::render_quiz(store, &setting, &lee, LEARNER_MODULE, &quiz.attempt_id)
        .await
        .unwrap();
    assert_eq!(quiz, rendered);

    // a failed attempt is kept, records no completion
    let t1 = t0() + Duration::minutes(10);
    let failed = learning::submit_quiz(
        store,
        &setting,
        &lee,
        LEARNER_MODULE,
        &quiz.attempt_id,
        &failing_answers(lib, LEARNER_MODULE),
        t1,
    )
    .await
    .unwrap();
    assert!(!failed.result.passed && !failed.repeat);
    assert_eq!(failed.result.score, 0);
    assert!(failed.result.completion.is_none());
    assert!(
        failed
            .result
            .questions
            .iter()
            .all(|q| !q.correct && !q.explanation_html.is_empty())
    );
    let training = learning::my_training(store, setting, &lee, t1)
        .await
        .unwrap();
    assert_eq!(item(&training, LEARNER_MODULE).status, Status::InProgress);
    assert_eq!(item(&training, LEARNER_MODULE).next, NextStep::RetakeQuiz);

    // a new attempt, passed: 1 read + 1 transaction, completion and certificate
    let retry = learning::start_quiz(store, &setting, &lee, LEARNER_MODULE, t1)
        .await
        .unwrap();
    assert_ne!(retry.attempt_id, quiz.attempt_id);
    let t2 = t1 + Duration::minutes(5);
    let mark = store.mark();
    let passed = learning::submit_quiz(
        store,
        &setting,
        &lee,
        LEARNER_MODULE,
        &retry.attempt_id,
        &support::right_answers(LEARNER_MODULE),
        t2,
    )
    .await
    .unwrap();
    let trips = store.since(mark);
    eprintln!(
        "submit_quiz (completing): {} reads, {} writes",
        trips.reads, trips.writes
    );
    assert_eq!((trips.reads, trips.writes), (1, 1));
    assert!(passed.result.passed && !passed.repeat);
    assert_eq!(passed.result.score, passed.result.out_of);
    let completion = passed.result.completion.clone().unwrap();
    assert_eq!(completion.attempts, 2);
    assert_eq!(completion.module_version, module.version);
    assert_eq!(completion.valid_until, None, "learner modules never expire");

    // the certificate checks out, and shows only name, what, when
    let code = learning::CertificateCode::parse(&completion.certificate_code).unwrap();
    let mark = store.mark();
    let cert = learning::verify_certificate(store, &org, &code.display())
        .await
        .unwrap();
    assert_eq!(store.since(mark).reads, 1);
    assert_eq!(cert.name, "Lee O'Learner");
    assert!(cert.what.contains(&module.title) && cert.what.contains(&module.version));
    assert_eq!(cert.when, t2);
    assert_eq!(cert.when_shown(), "23 November 2026");
    assert_eq!(
        learning::verify_certificate(store, &profile_of("elsewhere").id, &code.display()).await,
        Err(LearningError::CertificateNotFound),
        "another organisation's code is not found"
    );
    assert_eq!(
        learning::verify_certificate(store, &org, "0000-0000-0000-0000").await,
        Err(LearningError::CertificateNotFound)
    );

    // submitted again (a double click, a resent form): the same result, nothing recorded
    let mark = store.mark();
    let repeat = learning::submit_quiz(
        store,
        &setting,
        &lee,
        LEARNER_MODULE,
        &retry.attempt_id,
        &support::right_answers(LEARNER_MODULE),
        t2 + Duration::seconds(3),
    )
    .await
    .unwrap();
    assert_eq!(store.since(mark).writes, 0);
    assert!(repeat.repeat);
    assert_eq!(repeat.result, passed.result);
    let shown = learning::quiz_result(store, &setting, &lee, LEARNER_MODULE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown, passed.result);

    // a practice attempt after passing: kept, no second completion
    let practice = learning::start_quiz(store, &setting, &lee, LEARNER_MODULE, t2)
        .await
        .unwrap();
    let p = learning::submit_quiz(
        store,
        &setting,
        &lee,
        LEARNER_MODULE,
        &practice.attempt_id,
        &support::right_answers(LEARNER_MODULE),
        t2 + Duration::minutes(1),
    )
    .await
    .unwrap();
    assert!(p.result.passed && p.result.completion.is_none());

    let items = partition(store, &org, &lee).await;
    assert_eq!(count_prefix(&items, "ATTEMPT#"), 3, "every attempt kept");
    assert_eq!(count_prefix(&items, "HISTORY#MODULE#"), 1, "one completion");
    let rows = index_rows(store, keys::completions_index(&org, LEARNER_MODULE)).await;
    assert_eq!(rows.len(), 1, "the DSL's list of completions of the module");
    assert!(rows[0].get("expires_at").is_none());
    // The roster the DSL reads: the person's name, and the version flagged once it is old.
    let current = &lib.page(Kind::Module, LEARNER_MODULE).unwrap().version;
    let roster = learning::roster::completions_of(store, &org, LEARNER_MODULE, current)
        .await
        .unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].name, "Lee O'Learner");
    assert_eq!(&roster[0].completion.module_version, current);
    assert!(!roster[0].older_version);
    let later = learning::roster::completions_of(store, &org, LEARNER_MODULE, "99.0.0")
        .await
        .unwrap();
    assert!(
        later[0].older_version,
        "a newer version makes this one older"
    );

    let training = learning::my_training(store, setting, &lee, t2)
        .await
        .unwrap();
    let done = item(&training, LEARNER_MODULE);
    assert_eq!(done.status, Status::Passed);
    assert_eq!(done.next, NextStep::Nothing);
    assert_eq!((done.best_score, done.last_score), (Some(6), Some(6)));
    assert_eq!(done.attempts, 3);
    assert_eq!(done.due, None);
    assert_eq!(training.to_do(), 8);

    // the learner AUP: 2 reads + 1 transaction, the text kept by its hash
    let doc = AupDocument::for_person(&setting, &lee, "learner-aup").unwrap();
    assert!(!doc.html.contains("{{"));
    let form = SignAup {
        aup_id: doc.id.clone(),
        version: doc.version.clone(),
        sha256: doc.sha256.clone(),
        typed_name: "  lee o’learner ".into(),
        declaration: true,
    };
    let mark = store.mark();
    let signed = learning::sign_aup(store, &setting, &lee, &form, t2)
        .await
        .unwrap();
    let trips = store.since(mark);
    eprintln!("sign_aup: {} reads, {} writes", trips.reads, trips.writes);
    assert_eq!((trips.reads, trips.writes), (2, 1));
    assert!(!signed.repeat);
    let s = &signed.signature;
    assert_eq!(
        (s.aup_id.as_str(), s.version.as_str(), s.sha256.as_str()),
        ("learner-aup", doc.version.as_str(), doc.sha256.as_str())
    );
    assert_eq!(s.typed_name, "lee o’learner");
    assert_eq!(s.signer_id, lee.id);
    assert_eq!(s.valid_until, None);
    assert_eq!(
        learning::signed_text(store, &org, &s.sha256).await.unwrap(),
        Some(doc.html.clone())
    );
    let mark = store.mark();
    let again = learning::sign_aup(store, &setting, &lee, &form, t2 + Duration::seconds(2))
        .await
        .unwrap();
    assert!(again.repeat);
    assert_eq!(again.signature, signed.signature);
    assert_eq!(store.since(mark).writes, 0);
    let rows = index_rows(store, keys::aup_signed_index(&org, "learner-aup")).await;
    assert_eq!(rows.len(), 1);
    let training = learning::my_training(store, setting, &lee, t2)
        .await
        .unwrap();
    assert_eq!(item(&training, "learner-aup").status, Status::Passed);
}

/// Every refusal, and that none of them writes anything.
async fn refusals<S: Store>(store: &TestStore<S>) {
    let profile = profile_of("refusals");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let lib = library();
    let lee = invite(store, &org, "Lee Learner", vec![Role::Learner]).await;
    let quiz = learning::start_quiz(store, &setting, &lee, LEARNER_MODULE, t0())
        .await
        .unwrap();
    let before = partition(store, &org, &lee).await;
    let writes = store.writes();
    let right = support::right_answers(LEARNER_MODULE);
    let submit = |module: &'static str, attempt: String, answers: Answers, who: Person| async move {
        learning::submit_quiz(store, &setting, &who, module, &attempt, &answers, t0())
            .await
            .map(|_| ())
    };

    // a module not assigned to the person
    assert!(matches!(
        submit(
            STAFF_MODULE,
            quiz.attempt_id.clone(),
            right.clone(),
            lee.clone()
        )
        .await,
        Err(LearningError::NotAssigned(_))
    ));
    assert!(matches!(
        learning::start_quiz(store, &setting, &lee, STAFF_MODULE, t0()).await,
        Err(LearningError::NotAssigned(_))
    ));
    assert!(matches!(
        learning::read_module(store, &setting, &lee, "no-such-module", None).await,
        Err(LearningError::NotAssigned(_))
    ));
    // another organisation's person (or this person in another organisation's setting)
    let other_profile = profile_of("refusals-other");
    let other_setting = Setting {
        library: lib,
        profile: &other_profile,
    };
    assert_eq!(
        learning::submit_quiz(
            store,
            &other_setting,
            &lee,
            LEARNER_MODULE,
            &quiz.attempt_id,
            &right,
            t0()
        )
        .await
        .map(|_| ()),
        Err(LearningError::WrongOrganisation)
    );
    assert_eq!(
        learning::my_training(store, other_setting, &lee, t0())
            .await
            .map(|_| ()),
        Err(LearningError::WrongOrganisation)
    );
    // unknown attempts: not an id, an id never issued
    for bogus in ["", "not-an-id", &uuid::Uuid::new_v4().to_string()] {
        assert_eq!(
            submit(
                LEARNER_MODULE,
                bogus.to_string(),
                right.clone(),
                lee.clone()
            )
            .await,
            Err(LearningError::UnknownAttempt),
            "{bogus}"
        );
    }
    // missing, extra and unknown answers (the attempt shows 6 of the bank: a question it
    // shows left unanswered is missing; an id that is no question of the quiz is refused)
    let shown_first = quiz.questions[0].id.clone();
    let mut missing = right.clone();
    missing.remove(&shown_first);
    assert_eq!(
        submit(
            LEARNER_MODULE,
            quiz.attempt_id.clone(),
            missing,
            lee.clone()
        )
        .await,
        Err(LearningError::MissingAnswers(vec![shown_first.clone()]))
    );
    let mut extra = right.clone();
    extra.insert("q99".into(), vec!["a".into()]);
    assert_eq!(
        submit(LEARNER_MODULE, quiz.attempt_id.clone(), extra, lee.clone()).await,
        Err(LearningError::ExtraAnswers(vec!["q99".into()]))
    );
    let mut unknown = right.clone();
    unknown.insert(shown_first.clone(), vec!["<script>".into()]);
    assert!(matches!(
        submit(
            LEARNER_MODULE,
            quiz.attempt_id.clone(),
            unknown,
            lee.clone()
        )
        .await,
        Err(LearningError::UnknownOption { .. })
    ));

    // AUP refusals
    let doc = AupDocument::for_person(&setting, &lee, "learner-aup").unwrap();
    let good = SignAup {
        aup_id: doc.id.clone(),
        version: doc.version.clone(),
        sha256: doc.sha256.clone(),
        typed_name: "Lee Learner".into(),
        declaration: true,
    };
    let cases: Vec<(SignAup, LearningError)> = vec![
        (
            SignAup {
                version: "0.9.0".into(),
                ..good.clone()
            },
            LearningError::NotCurrentVersion {
                offered: "0.9.0".into(),
                current: doc.version.clone(),
            },
        ),
        (
            SignAup {
                sha256: "0".repeat(64),
                ..good.clone()
            },
            LearningError::TamperedText,
        ),
        (
            SignAup {
                typed_name: "Lea Learner".into(),
                ..good.clone()
            },
            LearningError::NameDoesNotMatch,
        ),
        (
            SignAup {
                typed_name: "".into(),
                ..good.clone()
            },
            LearningError::NameDoesNotMatch,
        ),
        (
            SignAup {
                declaration: false,
                ..good.clone()
            },
            LearningError::DeclarationNotTicked,
        ),
        (
            SignAup {
                aup_id: "staff-aup".into(),
                ..good.clone()
            },
            LearningError::NotAssigned("staff-aup".into()),
        ),
    ];
    for (form, expected) in cases {
        assert_eq!(
            learning::sign_aup(store, &setting, &lee, &form, t0())
                .await
                .map(|_| ()),
            Err(expected)
        );
    }
    assert_eq!(
        learning::sign_aup(store, &other_setting, &lee, &good, t0())
            .await
            .map(|_| ()),
        Err(LearningError::WrongOrganisation)
    );

    assert_eq!(store.writes(), writes, "no refusal wrote anything");
    assert_eq!(partition(store, &org, &lee).await, before);
    assert!(
        index_rows(store, keys::completions_index(&org, LEARNER_MODULE))
            .await
            .is_empty()
    );
    assert!(
        index_rows(store, keys::aup_signed_index(&org, "learner-aup"))
            .await
            .is_empty()
    );

    // an old attempt: replaced by a new one after being submitted
    let t1 = t0() + Duration::minutes(1);
    learning::submit_quiz(
        store,
        &setting,
        &lee,
        LEARNER_MODULE,
        &quiz.attempt_id,
        &failing_answers(lib, LEARNER_MODULE),
        t1,
    )
    .await
    .unwrap();
    let newer = learning::start_quiz(store, &setting, &lee, LEARNER_MODULE, t1)
        .await
        .unwrap();
    let before = partition(store, &org, &lee).await;
    let writes = store.writes();
    assert_eq!(
        submit(
            LEARNER_MODULE,
            quiz.attempt_id.clone(),
            right.clone(),
            lee.clone()
        )
        .await,
        Err(LearningError::UnknownAttempt),
        "the old attempt cannot be resubmitted with better answers"
    );
    assert!(matches!(
        learning::render_quiz(store, &setting, &lee, LEARNER_MODULE, &quiz.attempt_id).await,
        Err(LearningError::UnknownAttempt)
    ));
    // another person's attempt id is unknown to this person
    let ann = invite(store, &org, "Ann Other", vec![Role::Learner]).await;
    let writes = writes + 1;
    assert_eq!(
        submit(
            LEARNER_MODULE,
            newer.attempt_id.clone(),
            right.clone(),
            ann.clone()
        )
        .await,
        Err(LearningError::UnknownAttempt)
    );
    // a module changed since the attempt began
    let mut changed_lib = library().clone();
    changed_lib
        .pages
        .iter_mut()
        .find(|p| p.kind == Kind::Module && p.id == LEARNER_MODULE)
        .unwrap()
        .version = "9.0.0".into();
    let changed = Setting {
        library: &changed_lib,
        profile: &profile,
    };
    assert_eq!(
        learning::submit_quiz(
            store,
            &changed,
            &lee,
            LEARNER_MODULE,
            &newer.attempt_id,
            &right,
            t1
        )
        .await
        .map(|_| ()),
        Err(LearningError::ModuleChanged)
    );
    assert_eq!(store.writes(), writes, "no refusal wrote anything");
    assert_eq!(partition(store, &org, &lee).await, before);
}

/// A store failure in the middle of a completion: an error, then a resubmission records exactly
/// one completion, whether the failed write was applied or not.
async fn store_failure_then_resubmit<S: Store>(store: &TestStore<S>) {
    let profile = profile_of("failures");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let _lib = library();
    let right = support::right_answers(LEARNER_MODULE);
    for (name, mode) in [
        ("Before Failure", FAIL_BEFORE),
        ("After Failure", FAIL_AFTER),
    ] {
        let p = invite(store, &org, name, vec![Role::Learner]).await;
        let quiz = learning::start_quiz(store, &setting, &p, LEARNER_MODULE, t0())
            .await
            .unwrap();
        store.fail_next_transact.store(mode, Ordering::SeqCst);
        let failed = learning::submit_quiz(
            store,
            &setting,
            &p,
            LEARNER_MODULE,
            &quiz.attempt_id,
            &right,
            t0(),
        )
        .await;
        assert!(
            matches!(
                failed,
                Err(LearningError::Store(StoreError::Unavailable(_)))
            ),
            "{failed:?}"
        );
        let again = learning::submit_quiz(
            store,
            &setting,
            &p,
            LEARNER_MODULE,
            &quiz.attempt_id,
            &right,
            t0() + Duration::seconds(5),
        )
        .await
        .unwrap();
        assert!(again.result.passed);
        assert!(again.result.completion.is_some());
        assert_eq!(again.repeat, mode == FAIL_AFTER);
        let items = partition(store, &org, &p).await;
        assert_eq!(count_prefix(&items, "ATTEMPT#"), 1, "{name}");
        assert_eq!(count_prefix(&items, "HISTORY#MODULE#"), 1, "{name}");
    }
    assert_eq!(
        index_rows(store, keys::completions_index(&org, LEARNER_MODULE))
            .await
            .len(),
        2
    );

    // losing the race to an identical submission: its result, one record
    let p = invite(store, &org, "Race Loser", vec![Role::Learner]).await;
    let quiz = learning::start_quiz(store, &setting, &p, LEARNER_MODULE, t0())
        .await
        .unwrap();
    store.fail_next_transact.store(LOSE_RACE, Ordering::SeqCst);
    let lost = learning::submit_quiz(
        store,
        &setting,
        &p,
        LEARNER_MODULE,
        &quiz.attempt_id,
        &right,
        t0(),
    )
    .await
    .unwrap();
    assert!(lost.repeat && lost.result.passed && lost.result.completion.is_some());
    let items = partition(store, &org, &p).await;
    assert_eq!(count_prefix(&items, "ATTEMPT#"), 1);
    assert_eq!(count_prefix(&items, "HISTORY#MODULE#"), 1);
    // the same for a signature
    let doc = AupDocument::for_person(&setting, &p, "learner-aup").unwrap();
    let form = SignAup {
        aup_id: doc.id.clone(),
        version: doc.version.clone(),
        sha256: doc.sha256.clone(),
        typed_name: "Race Loser".into(),
        declaration: true,
    };
    store.fail_next_transact.store(LOSE_RACE, Ordering::SeqCst);
    let signed = learning::sign_aup(store, &setting, &p, &form, t0())
        .await
        .unwrap();
    assert!(signed.repeat);
    assert_eq!(
        count_prefix(&partition(store, &org, &p).await, "HISTORY#AUP#"),
        1
    );

    // the same for signing
    let p = invite(store, &org, "Sign Failure", vec![Role::Learner]).await;
    let doc = AupDocument::for_person(&setting, &p, "learner-aup").unwrap();
    let form = SignAup {
        aup_id: doc.id.clone(),
        version: doc.version.clone(),
        sha256: doc.sha256.clone(),
        typed_name: "Sign Failure".into(),
        declaration: true,
    };
    store
        .fail_next_transact
        .store(FAIL_BEFORE, Ordering::SeqCst);
    assert!(matches!(
        learning::sign_aup(store, &setting, &p, &form, t0()).await,
        Err(LearningError::Store(_))
    ));
    assert!(partition(store, &org, &p).await.is_empty());
    assert!(
        !learning::sign_aup(store, &setting, &p, &form, t0())
            .await
            .unwrap()
            .repeat
    );
    assert_eq!(
        count_prefix(&partition(store, &org, &p).await, "HISTORY#AUP#"),
        1
    );
}

/// Two submissions of the same attempt at the same moment: one completion, the same result.
async fn concurrent_double_submit<S: Store>(store: &TestStore<S>) {
    let profile = profile_of("doubles");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let _lib = library();
    let p = invite(store, &org, "Double Clicker", vec![Role::Learner]).await;
    let quiz = learning::start_quiz(store, &setting, &p, LEARNER_MODULE, t0())
        .await
        .unwrap();
    let right = support::right_answers(LEARNER_MODULE);
    let (a, b) = tokio::join!(
        learning::submit_quiz(
            store,
            &setting,
            &p,
            LEARNER_MODULE,
            &quiz.attempt_id,
            &right,
            t0()
        ),
        learning::submit_quiz(
            store,
            &setting,
            &p,
            LEARNER_MODULE,
            &quiz.attempt_id,
            &right,
            t0() + Duration::milliseconds(1)
        ),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.result, b.result);
    assert!(a.repeat != b.repeat, "exactly one of them recorded it");
    let items = partition(store, &org, &p).await;
    assert_eq!(count_prefix(&items, "ATTEMPT#"), 1);
    assert_eq!(count_prefix(&items, "HISTORY#MODULE#"), 1);
}

/// A new AUP version makes it due again; the old text stays readable by its hash.
async fn new_aup_version<S: Store>(store: &TestStore<S>) {
    let profile = profile_of("versions");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let p = invite(store, &org, "Vera Version", vec![Role::Learner]).await;
    let doc = AupDocument::for_person(&setting, &p, "learner-aup").unwrap();
    let sign = |doc: &AupDocument| SignAup {
        aup_id: doc.id.clone(),
        version: doc.version.clone(),
        sha256: doc.sha256.clone(),
        typed_name: "Vera Version".into(),
        declaration: true,
    };
    learning::sign_aup(store, &setting, &p, &sign(&doc), t0())
        .await
        .unwrap();

    let mut lib2 = library().clone();
    let page = lib2
        .pages
        .iter_mut()
        .find(|p| p.kind == Kind::Aup && p.id == "learner-aup")
        .unwrap();
    page.version = "9.0.0".into();
    page.sections[0]
        .html
        .push_str("<p>A new rule about AI tools.</p>");
    let setting2 = Setting {
        library: &lib2,
        profile: &profile,
    };
    let t1 = t0() + Duration::days(40);
    let training = learning::my_training(store, setting2, &p, t1)
        .await
        .unwrap();
    let aup = item(&training, "learner-aup");
    assert_eq!(aup.status, Status::DueAgain);
    assert_eq!(aup.next, NextStep::DoNewVersion);
    assert_eq!(aup.done_version.as_deref(), Some(doc.version.as_str()));

    // the old version can no longer be signed, the new one can
    assert!(matches!(
        learning::sign_aup(store, &setting2, &p, &sign(&doc), t1).await,
        Err(LearningError::NotCurrentVersion { .. })
    ));
    let doc2 = AupDocument::for_person(&setting2, &p, "learner-aup").unwrap();
    assert_ne!(doc2.sha256, doc.sha256);
    let signed = learning::sign_aup(store, &setting2, &p, &sign(&doc2), t1)
        .await
        .unwrap();
    assert!(!signed.repeat);
    assert_eq!(signed.signature.version, "9.0.0");
    let training = learning::my_training(store, setting2, &p, t1)
        .await
        .unwrap();
    assert_eq!(item(&training, "learner-aup").status, Status::Passed);
    // both texts, exactly as signed
    assert_eq!(
        learning::signed_text(store, &org, &doc.sha256)
            .await
            .unwrap(),
        Some(doc.html.clone())
    );
    assert_eq!(
        learning::signed_text(store, &org, &doc2.sha256)
            .await
            .unwrap(),
        Some(doc2.html.clone())
    );
    assert_eq!(
        count_prefix(&partition(store, &org, &p).await, "HISTORY#AUP#"),
        2,
        "both signatures kept"
    );

    // a second signer of the same text: the text is not written again (2 reads + 1 tx still)
    let q = invite(store, &org, "Quinn Second", vec![Role::Learner]).await;
    let mut form = sign(&doc2);
    form.typed_name = "Quinn Second".into();
    let mark = store.mark();
    learning::sign_aup(store, &setting2, &q, &form, t1)
        .await
        .unwrap();
    let trips = store.since(mark);
    assert_eq!((trips.reads, trips.writes), (2, 1));
}

/// Staff training expires after the organisation's renewal period; renewing early is allowed
/// while it is expiring, and records a new completion.
async fn staff_renewal<S: Store>(store: &TestStore<S>) {
    let profile = profile_of("renewal");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let _lib = library();
    let sam = invite(store, &org, "Sam Staff", vec![Role::Staff]).await;
    let quiz = learning::start_quiz(store, &setting, &sam, STAFF_MODULE, t0())
        .await
        .unwrap();
    let first = learning::submit_quiz(
        store,
        &setting,
        &sam,
        STAFF_MODULE,
        &quiz.attempt_id,
        &support::right_answers(STAFF_MODULE),
        t0(),
    )
    .await
    .unwrap();
    let c = first.result.completion.unwrap();
    assert_eq!(c.valid_until.as_deref(), Some("2027-11-23T10:00:00.000Z"));
    let state = partition(store, &org, &sam)
        .await
        .into_iter()
        .find(|i| i["sk"] == "STATE#MODULE#staff-filtering-and-monitoring")
        .unwrap();
    assert_eq!(state["valid_until"], "2027-11-23T10:00:00.000Z");
    assert!(state.get("expires_at").is_none(), "never the TTL attribute");

    let sam_ref = &sam;
    let status_at = |at: DateTime<Utc>| async move {
        let t = learning::my_training(store, setting, sam_ref, at)
            .await
            .unwrap();
        let i = item(&t, STAFF_MODULE).clone();
        (i.status, i.due, i.due_shown)
    };
    let until = DateTime::parse_from_rfc3339("2027-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        status_at(t0() + Duration::days(300)).await.0,
        Status::Passed
    );
    let (status, due, shown) = status_at(until - Duration::days(10)).await;
    assert_eq!(status, Status::ExpiringSoon);
    assert_eq!(due, Some(until));
    assert_eq!(shown.as_deref(), Some("23 November 2027"));
    assert_eq!(
        status_at(until + Duration::days(1)).await.0,
        Status::Expired
    );

    // a retake while it still stands is practice; while expiring it renews
    let practice = learning::start_quiz(store, &setting, &sam, STAFF_MODULE, t0())
        .await
        .unwrap();
    let p = learning::submit_quiz(
        store,
        &setting,
        &sam,
        STAFF_MODULE,
        &practice.attempt_id,
        &support::right_answers(STAFF_MODULE),
        t0() + Duration::days(100),
    )
    .await
    .unwrap();
    assert!(p.result.completion.is_none());
    let renew_at = until - Duration::days(10);
    let renewal = learning::start_quiz(store, &setting, &sam, STAFF_MODULE, renew_at)
        .await
        .unwrap();
    let r = learning::submit_quiz(
        store,
        &setting,
        &sam,
        STAFF_MODULE,
        &renewal.attempt_id,
        &support::right_answers(STAFF_MODULE),
        renew_at,
    )
    .await
    .unwrap();
    let c2 = r.result.completion.unwrap();
    assert_eq!(c2.valid_until.as_deref(), Some("2028-11-13T10:00:00.000Z"));
    assert_eq!(status_at(until + Duration::days(1)).await.0, Status::Passed);
    assert_eq!(
        count_prefix(&partition(store, &org, &sam).await, "HISTORY#MODULE#"),
        2
    );
    let rows = index_rows(store, keys::completions_index(&org, STAFF_MODULE)).await;
    assert_eq!(rows.len(), 1, "one row per person: the latest completion");
    assert_eq!(rows[0]["valid_until"], "2028-11-13T10:00:00.000Z");

    // the staff AUP expires too
    let doc = AupDocument::for_person(&setting, &sam, "staff-aup").unwrap();
    let form = SignAup {
        aup_id: doc.id.clone(),
        version: doc.version.clone(),
        sha256: doc.sha256.clone(),
        typed_name: "sam staff".into(),
        declaration: true,
    };
    let s = learning::sign_aup(store, &setting, &sam, &form, t0())
        .await
        .unwrap();
    assert_eq!(
        s.signature.valid_until.as_deref(),
        Some("2027-11-23T10:00:00.000Z")
    );
    let t = learning::my_training(store, setting, &sam, until)
        .await
        .unwrap();
    assert_eq!(item(&t, "staff-aup").status, Status::Expired);
    assert_eq!(item(&t, "staff-aup").next, NextStep::Renew);
    let again = learning::sign_aup(store, &setting, &sam, &form, until)
        .await
        .unwrap();
    assert!(!again.repeat, "an expired signature is renewed");
    let t = learning::my_training(store, setting, &sam, until)
        .await
        .unwrap();
    assert_eq!(item(&t, "staff-aup").status, Status::Passed);
}

/// Two failed attempts in a row: the third waits until the sections of the missed questions
/// have been opened again; each attempt shows 6 of the bank, a retry a different draw.
async fn two_fails_then_read_again<S: Store>(store: &TestStore<S>) {
    let profile = profile_of("read-again");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let robin = invite(store, &org, "Robin Retry", vec![Role::Learner]).await;
    let lib = library();
    let module = lib.page(Kind::Module, LEARNER_MODULE).unwrap();
    let bank = lib.quiz_of(LEARNER_MODULE).unwrap().quiz.clone().unwrap();
    assert!(bank.questions.len() >= 10);
    let section_of = |id: &str| {
        let i: usize = id[1..].parse::<usize>().unwrap() - 1;
        bank.questions[i].section.clone()
    };
    let mut missed = std::collections::BTreeSet::new();
    let mut papers: Vec<Vec<String>> = Vec::new();
    for n in 1..=2 {
        let quiz = learning::start_quiz(store, &setting, &robin, LEARNER_MODULE, t0())
            .await
            .unwrap();
        let ids: Vec<String> = quiz.questions.iter().map(|q| q.id.clone()).collect();
        assert_eq!(ids.len(), 6, "an attempt shows 6 of the bank");
        assert_eq!(quiz.out_of, 6);
        // Wrong on everything, the questions not shown included: those are ignored.
        let failed = learning::submit_quiz(
            store,
            &setting,
            &robin,
            LEARNER_MODULE,
            &quiz.attempt_id,
            &failing_answers(lib, LEARNER_MODULE),
            t0(),
        )
        .await
        .unwrap()
        .result;
        assert!(!failed.passed);
        assert_eq!((failed.score, failed.out_of), (0, 6));
        let graded: Vec<String> = failed.questions.iter().map(|q| q.id.clone()).collect();
        assert_eq!(graded, ids, "graded exactly what was shown");
        missed.extend(ids.iter().map(|id| section_of(id)));
        papers.push(ids);
        if n == 1 {
            assert!(failed.read_again.is_empty(), "one fail: try again at once");
        } else {
            let expected: Vec<String> = module
                .sections
                .iter()
                .map(|s| s.anchor.clone())
                .filter(|a| missed.contains(a))
                .collect();
            let got: Vec<String> = failed.read_again.iter().map(|s| s.anchor.clone()).collect();
            assert_eq!(got, expected);
            assert!(failed.read_again.iter().all(|s| !s.opened));
        }
    }
    assert_ne!(papers[0], papers[1], "a retry draws a different paper");
    // The third attempt is refused until each section has been opened again.
    let sections = match learning::start_quiz(store, &setting, &robin, LEARNER_MODULE, t0()).await {
        Err(LearningError::ReadAgainFirst(s)) => s,
        other => panic!("{other:?}"),
    };
    assert!(!sections.is_empty());
    for (k, s) in sections.iter().enumerate() {
        let page =
            learning::read_module(store, &setting, &robin, LEARNER_MODULE, Some(s.number - 1))
                .await
                .unwrap();
        assert_eq!(page.section.anchor, s.anchor);
        let after = learning::start_quiz(store, &setting, &robin, LEARNER_MODULE, t0()).await;
        if k + 1 < sections.len() {
            match after {
                Err(LearningError::ReadAgainFirst(left)) => {
                    assert_eq!(left.iter().filter(|l| l.opened).count(), k + 1)
                }
                other => panic!("still refused: {other:?}"),
            }
        } else {
            let third = after.expect("every section opened: the third attempt starts");
            assert_eq!(third.questions.len(), 6);
        }
    }
}

async fn all_scenarios<S: Store>(store: &TestStore<S>) {
    journey(store).await;
    two_fails_then_read_again(store).await;
    refusals(store).await;
    store_failure_then_resubmit(store).await;
    concurrent_double_submit(store).await;
    new_aup_version(store).await;
    staff_renewal(store).await;
}

#[tokio::test]
async fn the_learning_journey_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = TestStore::new(EmbeddedStore::open(&dir.path().join("s.redb")).unwrap());
    all_scenarios(&store).await;
}

#[tokio::test]
async fn the_learning_journey_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "learning").await;
    all_scenarios(&TestStore::new(store)).await;
}
