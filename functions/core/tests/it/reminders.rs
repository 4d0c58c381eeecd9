//! Reminders through the core's public interface, on both backends (embedded and a real
//! DynamoDB Local): each stage reminded once per cycle, one email per person, nothing for
//! deactivated people, nothing sensitive in any email, the weekly summary once per ISO week to
//! the DSL and deputies, a failed email tried again, and another organisation never touched.

use crate::support;

use chrono::{DateTime, Duration, Utc};
use safety_core::content::{Kind, Library};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::learning::{self, AupDocument, Setting, SignAup};
use safety_core::mail::Links;
use safety_core::mail::{MailError, Mailer, Message};
use safety_core::org::{OrgId, OrgProfile};
use safety_core::reminders::{self, Report};
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::{Condition, Item, Key, Page, Query, Store, StoreError, TxOp, Update};
use safety_core::worry::code::FormToken;
use safety_core::worry::{self, FORM_PURPOSE, Sender, WorryInput};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use support::dynamodb_local::DynamoDbLocal;
use support::{STAFF_MODULE, kinds, library, profile_of, t0};

const WORRY_TEXT: &str = "SECRET-WORRY-TEXT about the bus stop";

fn links() -> Links {
    Links {
        base_url: "https://safety.example.org".into(),
    }
}

/// Emails collected in memory; every send fails while `failing` is set.
#[derive(Default)]
struct Inbox {
    sent: Mutex<Vec<Message>>,
    failing: AtomicBool,
}

impl Inbox {
    fn take(&self) -> Vec<Message> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

impl Mailer for Inbox {
    async fn send(&self, msg: &Message) -> Result<(), MailError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(MailError::Io("mail is down".into()));
        }
        self.sent.lock().unwrap().push(msg.clone());
        Ok(())
    }
}

/// Records the partition of every key and query the code touches (tenant isolation).
struct Watched<S> {
    inner: S,
    partitions: Mutex<Vec<String>>,
}

impl<S> Watched<S> {
    fn new(inner: S) -> Self {
        Watched {
            inner,
            partitions: Mutex::new(Vec::new()),
        }
    }
    fn seen(&self, p: &str) {
        self.partitions.lock().unwrap().push(p.to_string());
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.partitions.lock().unwrap())
    }
}

impl<S: Store> Store for Watched<S> {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.seen(&key.pk);
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.seen(item["pk"].as_str().unwrap_or_default());
        self.inner.put(item, condition).await
    }
    async fn update(
        &self,
        key: &Key,
        update: Update,
        condition: Condition,
    ) -> Result<Item, StoreError> {
        self.seen(&key.pk);
        self.inner.update(key, update, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.seen(&key.pk);
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.seen(&query.partition);
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<TxOp>) -> Result<(), StoreError> {
        for op in &ops {
            match op {
                TxOp::Put { item, .. } => self.seen(item["pk"].as_str().unwrap_or_default()),
                TxOp::Update { key, .. } | TxOp::Delete { key, .. } | TxOp::Check { key, .. } => {
                    self.seen(&key.pk)
                }
            }
        }
        self.inner.transact(ops).await
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

async fn run<S: Store>(
    store: &S,
    mail: &Inbox,
    profile: &OrgProfile,
    lib: &Library,
    at: DateTime<Utc>,
) -> Report {
    let setting = Setting {
        library: lib,
        profile,
    };
    reminders::run(store, mail, setting, &links(), at)
        .await
        .unwrap()
}

fn to<'a>(mails: &'a [Message], p: &Person) -> Vec<&'a Message> {
    mails.iter().filter(|m| m.to == p.email).collect()
}

fn reminders_only(mails: Vec<Message>) -> Vec<Message> {
    mails
        .into_iter()
        .filter(|m| !m.subject.starts_with("Weekly"))
        .collect()
}

async fn pass_module<S: Store>(store: &S, setting: &Setting<'_>, p: &Person, module: &str) {
    let quiz = learning::start_quiz(store, setting, p, module, t0())
        .await
        .unwrap();
    let answers = support::right_answers(module);
    let done = learning::submit_quiz(store, setting, p, module, &quiz.attempt_id, &answers, t0())
        .await
        .unwrap();
    assert!(done.result.completion.is_some());
}

/// A learner who has not started gets one email listing their items; a second run that day,
/// and the next day, sends nothing.
async fn not_started_once<S: Store>(store: &S) {
    let profile = profile_of("rem-once");
    let org = profile.id.clone();
    let mail = Inbox::default();
    let lee = invite(store, &org, "Lee Learner", vec![Role::Learner]).await;
    let r = run(store, &mail, &profile, library(), t0()).await;
    let mails = mail.take();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0].to, lee.email);
    let required = profile.required_of(&["learner"], &[]);
    let n = required.0.len() + required.1.len();
    assert_eq!(r.emails_sent, 1);
    assert_eq!(r.reminded.due, n);
    assert_eq!(r.people_checked, 1);
    assert_eq!(r.failures, 0);
    assert!(
        mails[0]
            .text
            .contains("https://safety.example.org/me/training")
    );
    assert_eq!(mails[0].text.matches("\n- ").count(), n);
    assert_eq!(r.items.len(), n);
    assert!(
        r.items
            .iter()
            .all(|c| c.not_started == 1 && c.assigned == 1)
    );

    for at in [t0() + Duration::hours(1), t0() + Duration::days(1)] {
        let r = run(store, &mail, &profile, library(), at).await;
        assert_eq!((r.emails_sent, r.reminded.due), (0, 0));
        assert!(mail.take().is_empty());
    }
}

/// Staff training 20 days from expiry: `expiring` once; past `valid_until`: `expired` once.
async fn expiring_then_expired<S: Store>(store: &S) {
    let profile = profile_of("rem-expiry");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let mail = Inbox::default();
    let sam = invite(store, &org, "Sam Staff", vec![Role::Staff]).await;
    pass_module(store, &setting, &sam, STAFF_MODULE).await;
    // the rest is due: reminded once, now
    let r = run(store, &mail, &profile, library(), t0()).await;
    assert_eq!((r.emails_sent, r.reminded.expiring), (1, 0));
    assert!(!mail.take()[0].text.contains("Filtering and monitoring"));

    let until = t0() + Duration::days(365); // 12 months from 23 November 2026
    let r = run(
        store,
        &mail,
        &profile,
        library(),
        until - Duration::days(20),
    )
    .await;
    assert_eq!(r.emails_sent, 1);
    assert_eq!(
        (r.reminded.due, r.reminded.expiring, r.reminded.expired),
        (0, 1, 0)
    );
    let mails = mail.take();
    assert_eq!(
        mails[0].text.matches("\n- ").count(),
        1,
        "{}",
        mails[0].text
    );
    assert!(
        mails[0].text.contains("expires on 23 November 2027"),
        "{}",
        mails[0].text
    );
    let r = run(
        store,
        &mail,
        &profile,
        library(),
        until - Duration::days(19),
    )
    .await;
    assert_eq!(r.emails_sent, 0);

    let r = run(
        store,
        &mail,
        &profile,
        library(),
        until + Duration::hours(1),
    )
    .await;
    assert_eq!((r.emails_sent, r.reminded.expired), (1, 1));
    assert!(mail.take()[0].text.contains("expired on 23 November 2027"));
    let r = run(store, &mail, &profile, library(), until + Duration::days(1)).await;
    assert_eq!(r.emails_sent, 0);
    assert!(mail.take().is_empty());
    let item = r.items.iter().find(|c| c.id == STAFF_MODULE).unwrap();
    assert_eq!((item.expired, item.assigned), (1, 1));
}

/// A new version of a signed AUP: `new_version` once.
async fn new_aup_version<S: Store>(store: &S) {
    let profile = profile_of("rem-version");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let mail = Inbox::default();
    let vera = invite(store, &org, "Vera Version", vec![Role::Learner]).await;
    let doc = AupDocument::for_person(&setting, &vera, "learner-aup").unwrap();
    learning::sign_aup(
        store,
        &setting,
        &vera,
        &SignAup {
            aup_id: doc.id.clone(),
            version: doc.version.clone(),
            sha256: doc.sha256.clone(),
            typed_name: "Vera Version".into(),
            declaration: true,
        },
        t0(),
    )
    .await
    .unwrap();
    run(store, &mail, &profile, library(), t0()).await;
    assert!(!mail.take()[0].text.contains("acceptable use"));

    let mut lib2 = library().clone();
    let page = lib2
        .pages
        .iter_mut()
        .find(|p| p.kind == Kind::Aup && p.id == "learner-aup")
        .unwrap();
    page.version = "9.0.0".into();
    let r = run(store, &mail, &profile, &lib2, t0() + Duration::days(40)).await;
    assert_eq!(
        (r.emails_sent, r.reminded.new_version, r.reminded.due),
        (1, 1, 0)
    );
    assert!(mail.take()[0].text.contains("a new version is out"));
    let r = run(store, &mail, &profile, &lib2, t0() + Duration::days(41)).await;
    assert_eq!(r.emails_sent, 0);
}

/// Deactivated people get nothing; the emails hold no worry text and nobody else's name; the
/// weekly summary goes once per ISO week to the DSL and the deputy, with counts they may see.
async fn people_and_privacy<S: Store>(store: &S) {
    let profile = profile_of("rem-privacy");
    let org = profile.id.clone();
    let mail = Inbox::default();
    let lee = invite(store, &org, "Lee Learner", vec![Role::Learner]).await;
    let gone = invite(store, &org, "Gone Away", vec![Role::Learner]).await;
    people::deactivate(store, &org, &gone.id).await.unwrap();
    let dana = invite(store, &org, "Dana Lead", vec![Role::Dsl, Role::Staff]).await;
    let dev = invite(store, &org, "Dev Deputy", vec![Role::DeputyDsl]).await;
    let lou = invite(store, &org, "Lou Head", vec![Role::AllegationsLead]).await;
    let secret = Secret::new("reminders-test-secret-reminders-test").unwrap();
    // one concern for the team, one about the DSL (never counted for the DSL or the deputy)
    for involves in ["nobody", "dsl"] {
        let token = FormToken::issue(&secret, FORM_PURPOSE, t0().timestamp());
        worry::submit(
            store,
            &org,
            &secret,
            &token,
            &WorryInput {
                text: WORRY_TEXT.into(),
                urgency: Some("urgent".into()),
                about: Some("me".into()),
                involves: Some(involves.into()),
                email_replies: None,
                kind: Some("bullying".into()),
                wants_contact: Some("no".into()),
                contact_how: String::new(),
            },
            kinds(),
            &Sender::Named {
                person_id: lee.id.clone(),
                name: lee.name.clone(),
            },
            t0(),
        )
        .await
        .unwrap();
    }

    let r = run(store, &mail, &profile, library(), t0()).await;
    let mails = mail.take();
    assert_eq!(r.people_inactive, 1);
    assert_eq!(r.people_checked, 4);
    assert!(to(&mails, &gone).is_empty(), "deactivated: nothing");
    assert!(to(&mails, &lou).is_empty(), "no requirements, no summary");
    for m in &mails {
        assert!(!m.text.contains("SECRET-WORRY-TEXT") && !m.subject.contains("SECRET"));
        assert!(!m.text.contains("bus stop"));
        for p in [&lee, &gone, &dana, &dev, &lou] {
            assert!(!m.text.contains(&p.name), "no names: {}", m.text);
        }
    }
    assert_eq!(to(&mails, &lee).len(), 1);
    let weekly = |mails: &[Message], p: &Person| {
        mails
            .iter()
            .filter(|m| m.to == p.email && m.subject.starts_with("Weekly"))
            .cloned()
            .collect::<Vec<_>>()
    };
    let d = weekly(&mails, &dana);
    assert_eq!(d.len(), 1);
    assert!(
        d[0].text.contains("Open concerns routed to you: 1\n"),
        "{}",
        d[0].text
    );
    assert!(d[0].text.contains("https://safety.example.org/compliance"));
    assert!(
        d[0].text.contains("(1 people): 1 not started"),
        "{}",
        d[0].text
    );
    assert_eq!(weekly(&mails, &dev).len(), 1);
    assert_eq!(r.summaries_sent, 2);
    // dana (staff) gets her own reminder besides the summary: two emails, one of each
    assert_eq!(
        reminders_only(to(&mails, &dana).into_iter().cloned().collect()).len(),
        1
    );

    // later the same week: nothing; the next ISO week: the summaries again, reminders not
    let r = run(store, &mail, &profile, library(), t0() + Duration::days(6)).await;
    assert_eq!((r.emails_sent, r.summaries_sent), (0, 0));
    assert!(mail.take().is_empty());
    let r = run(store, &mail, &profile, library(), t0() + Duration::days(7)).await;
    assert_eq!((r.emails_sent, r.summaries_sent), (0, 2));
    let mails = mail.take();
    assert_eq!(weekly(&mails, &dana).len(), 1);
    assert_eq!(weekly(&mails, &dev).len(), 1);
}

/// A failed email is not recorded: the next run sends it.
async fn failed_mail_is_retried<S: Store>(store: &S) {
    let profile = profile_of("rem-retry");
    let org = profile.id.clone();
    let mail = Inbox::default();
    let lee = invite(store, &org, "Lee Learner", vec![Role::Learner]).await;
    mail.failing.store(true, Ordering::SeqCst);
    let r = run(store, &mail, &profile, library(), t0()).await;
    assert_eq!((r.emails_sent, r.failures), (0, 1));
    mail.failing.store(false, Ordering::SeqCst);
    let r = run(store, &mail, &profile, library(), t0() + Duration::hours(1)).await;
    assert_eq!((r.emails_sent, r.failures), (1, 0));
    assert_eq!(to(&mail.take(), &lee).len(), 1);
}

/// Running one organisation's reminders never reads, writes or emails another's.
async fn tenant_isolation<S: Store>(store: &Watched<S>) {
    let a = profile_of("rem-tenant-a");
    let b = profile_of("rem-tenant-b");
    let mail = Inbox::default();
    let ann = invite(store, &a.id, "Ann A", vec![Role::Learner]).await;
    let bob = invite(store, &b.id, "Bob B", vec![Role::Learner, Role::Dsl]).await;
    store.take();
    let r = run(store, &mail, &a, library(), t0()).await;
    let mails = mail.take();
    assert_eq!(r.people_checked, 1);
    assert!(to(&mails, &bob).is_empty());
    assert_eq!(to(&mails, &ann).len(), 1);
    let touched = store.take();
    assert!(!touched.is_empty());
    for p in &touched {
        assert!(p.starts_with("ORG#rem-tenant-a#"), "touched {p}");
    }
    // and B's own run still reminds Bob: A's run recorded nothing of B's
    let r = run(store, &mail, &b, library(), t0()).await;
    assert_eq!((r.emails_sent, r.summaries_sent), (1, 1));
}

async fn all_scenarios<S: Store>(store: &Watched<S>) {
    not_started_once(store).await;
    expiring_then_expired(store).await;
    new_aup_version(store).await;
    people_and_privacy(store).await;
    failed_mail_is_retried(store).await;
    tenant_isolation(store).await;
}

#[tokio::test]
async fn reminders_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Watched::new(EmbeddedStore::open(&dir.path().join("s.redb")).unwrap());
    all_scenarios(&store).await;
}

#[tokio::test]
async fn reminders_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "reminders").await;
    all_scenarios(&Watched::new(store)).await;
}
