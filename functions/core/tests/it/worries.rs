//! Worries from submission to closing, through the core's public interface: routing and who may
//! see what (every role against every action), notifications (delivered later when the notifier
//! was stopped, no drop and at most one repeat after a crash, failing ones kept and shown), the
//! chronology and audit trail, the sender's side, and the inbox. The main scenario runs on both
//! backends (embedded and a real DynamoDB Local).

use crate::support;

use chrono::{DateTime, Duration, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::mail::Links;
use safety_core::mail::{MailError, Mailer, Message};
use safety_core::notify::{self};
use safety_core::org::{OrgId, OrgProfile};
use safety_core::roles::Role;
use safety_core::routing::Involves;
use safety_core::store::counting::CountingStore;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::{Store, StoreError};
use safety_core::worry::case::{self, CaseAction, CaseError, EventKind, Outcome, ReferralTo};
use safety_core::worry::code::FormToken;
use safety_core::worry::inbox::{self, Filter};
use safety_core::worry::sender::{self, SenderProof};
use safety_core::worry::{self, FORM_PURPOSE, Sender, Status, WorryInput};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::dynamodb_local::DynamoDbLocal;
use support::{kinds, library, t0};

fn secret() -> Secret {
    Secret::new("worries-test-secret-worries-test-secret").unwrap()
}

fn profile() -> OrgProfile {
    library().org("demo").unwrap().clone()
}

fn links() -> Links {
    Links {
        base_url: "https://safety.example.org".into(),
    }
}

fn input(involves: Involves, text: &str, urgency: &str) -> WorryInput {
    WorryInput {
        text: text.into(),
        urgency: Some(urgency.into()),
        about: Some("someone_else".into()),
        involves: Some(involves.as_str().into()),
        // Named senders here asked to be emailed about replies (off unless chosen: see
        // tests/routing_shapes.rs).
        email_replies: Some("yes".into()),
        kind: Some("bullying".into()),
        wants_contact: Some("yes".into()),
        contact_how: "At break time".into(),
    }
}

/// Emails collected in memory; fails every send while `failing` is set, or the n-th send.
#[derive(Default)]
struct Inbox {
    sent: Mutex<Vec<Message>>,
    failing: std::sync::atomic::AtomicBool,
    fail_on_send: AtomicUsize,
    sends: AtomicUsize,
}

impl Mailer for Inbox {
    async fn send(&self, msg: &Message) -> Result<(), MailError> {
        let n = self.sends.fetch_add(1, Ordering::SeqCst) + 1;
        if self.failing.load(Ordering::SeqCst) || self.fail_on_send.load(Ordering::SeqCst) == n {
            return Err(MailError::Io("the mail service is down".into()));
        }
        self.sent.lock().unwrap().push(msg.clone());
        Ok(())
    }
}

impl Inbox {
    fn to(&self, email: &str) -> Vec<Message> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to == email)
            .cloned()
            .collect()
    }
    fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

/// One person of each role, plus someone who is both DSL and allegations lead.
struct Cast {
    chair: Person,
    learner: Person,
    staff: Person,
    parent: Person,
    dsl: Person,
    deputy: Person,
    lead: Person,
    admin: Person,
    dsl_and_lead: Person,
}

impl Cast {
    fn all(&self) -> Vec<&Person> {
        vec![
            &self.chair,
            &self.learner,
            &self.staff,
            &self.parent,
            &self.dsl,
            &self.deputy,
            &self.lead,
            &self.admin,
            &self.dsl_and_lead,
        ]
    }
}

async fn cast<S: Store>(store: &S, org: &OrgId) -> Cast {
    let mut n = 0;
    let mut add = |name: &'static str, roles: Vec<Role>| {
        n += 1;
        let email = format!("p{n}@example.org");
        async move {
            people::invite(
                store,
                org,
                &NewPerson {
                    email,
                    name: name.into(),
                    roles,
                    groups: vec![],
                },
                t0(),
            )
            .await
            .unwrap()
        }
    };
    Cast {
        chair: add("Cam Chair", vec![Role::Chair]).await,
        learner: add("Lee Learner", vec![Role::Learner]).await,
        staff: add("Sam Staff", vec![Role::Staff]).await,
        parent: add("Pat Parent", vec![Role::Parent]).await,
        dsl: add("Dana DSL", vec![Role::Dsl, Role::Staff]).await,
        deputy: add("Dev Deputy", vec![Role::DeputyDsl]).await,
        lead: add("Lou Lead", vec![Role::AllegationsLead]).await,
        admin: add("Ada Admin", vec![Role::Admin]).await,
        dsl_and_lead: add("Both Roles", vec![Role::Dsl, Role::AllegationsLead]).await,
    }
}

async fn submit<S: Store>(
    store: &S,
    org: &OrgId,
    involves: Involves,
    text: &str,
    who: &Sender,
    at: DateTime<Utc>,
) -> worry::Submitted {
    let token = FormToken::issue(&secret(), FORM_PURPOSE, at.timestamp());
    worry::submit(
        store,
        org,
        &secret(),
        &token,
        &input(involves, text, "urgent"),
        kinds(),
        who,
        at,
    )
    .await
    .unwrap()
}

fn form() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Every role against every worry action, for a worry of each routing queue.
#[tokio::test]
async fn every_role_against_every_worry_action() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = OrgId::parse("demo").unwrap();
    let c = cast(&store, &org).await;
    // Who reads each kind, written out for this cast. "Both Roles" is a DSL and an allegations
    // lead: a worry about the DSL (or the head) concerns both roles, so it goes to the chair,
    // the one reader who holds neither.
    let expected: [(Involves, Vec<&Person>); 5] = [
        (Involves::Nobody, vec![&c.dsl, &c.deputy, &c.dsl_and_lead]),
        (Involves::Staff, vec![&c.dsl, &c.lead, &c.dsl_and_lead]),
        (Involves::Unsure, vec![&c.dsl, &c.lead, &c.dsl_and_lead]),
        (Involves::Dsl, vec![&c.chair]),
        (Involves::Head, vec![&c.chair]),
    ];
    for (about, readers) in expected {
        let w = submit(
            &store,
            &org,
            about,
            "secret words",
            &Sender::Anonymous,
            t0(),
        )
        .await;
        for p in c.all() {
            let may = readers.iter().any(|r| r.id == p.id);
            let opened = case::open(&store, &org, p, &w.worry_id, t0()).await;
            assert_eq!(opened.is_ok(), may, "{about:?} opened by {}", p.name);
            if !may {
                assert!(matches!(opened, Err(CaseError::NotFound)));
            }
            let mut listed = inbox::list(
                &store,
                &org,
                p,
                &Filter::default(),
                inbox::Order::NewestFirst,
                None,
                t0(),
            )
            .await
            .unwrap()
            .rows;
            let closed = Filter {
                closed: true,
                ..Filter::default()
            };
            listed.extend(
                inbox::list(
                    &store,
                    &org,
                    p,
                    &closed,
                    inbox::Order::NewestFirst,
                    None,
                    t0(),
                )
                .await
                .unwrap()
                .rows,
            );
            assert_eq!(
                listed.iter().any(|r| r.worry_id == w.worry_id),
                may,
                "{about:?} in the inbox of {}",
                p.name
            );
            let actions = vec![
                CaseAction::Note("n".into()),
                CaseAction::ActionTaken("a".into()),
                CaseAction::Referral {
                    to: ReferralTo::Police,
                    reference: "R1".into(),
                    detail: "d".into(),
                },
                CaseAction::Reply("r".into()),
                CaseAction::SetStatus(Status::InProgress),
                CaseAction::Reassign(p.clone()),
                CaseAction::Acknowledge,
                CaseAction::Close {
                    outcome: Outcome::NoFurtherAction,
                    detail: "d".into(),
                },
            ];
            for action in actions {
                let what = format!("{action:?}");
                let version = case::open(&store, &org, readers[0], &w.worry_id, t0())
                    .await
                    .map(|c| c.worry.version)
                    .unwrap_or(1);
                let result =
                    case::act(&store, &org, p, &w.worry_id, &form(), version, action, t0()).await;
                match result {
                    Err(CaseError::NotFound) => assert!(!may, "{about:?} {what} by {}", p.name),
                    Ok(_) | Err(CaseError::Refused(_)) => {
                        assert!(may, "{about:?} {what} by {}", p.name)
                    }
                    Err(e) => panic!("{about:?} {what} by {}: {e}", p.name),
                }
            }
        }
    }
    // Guessing ids: nonsense and unknown ids are not found, for everyone.
    for id in ["nonsense", "../../x", &uuid::Uuid::now_v7().to_string()] {
        assert!(matches!(
            case::open(&store, &org, &c.dsl, id, t0()).await,
            Err(CaseError::NotFound)
        ));
    }
}

#[tokio::test]
async fn the_dsl_cannot_see_a_worry_about_the_dsl_in_lists_counts_by_id_or_email() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = OrgId::parse("demo").unwrap();
    let c = cast(&store, &org).await;
    let w = submit(
        &store,
        &org,
        Involves::Dsl,
        "about the DSL",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    // One DSL is also an allegations lead: every holder of either role is left out.
    for p in [&c.dsl, &c.deputy, &c.dsl_and_lead, &c.lead] {
        assert!(matches!(
            case::open(&store, &org, p, &w.worry_id, t0()).await,
            Err(CaseError::NotFound)
        ));
        let counts = inbox::counts(&store, &org, p, t0(), 30).await.unwrap();
        assert_eq!(counts.open, 0, "{}", p.name);
        let closed = Filter {
            closed: true,
            ..Filter::default()
        };
        for f in [Filter::default(), closed] {
            let page = inbox::list(&store, &org, p, &f, inbox::Order::NewestFirst, None, t0())
                .await
                .unwrap();
            assert!(page.rows.is_empty());
        }
    }
    assert_eq!(
        inbox::counts(&store, &org, &c.chair, t0(), 30)
            .await
            .unwrap()
            .open,
        1
    );
    let mail = Inbox::default();
    let mut org_profile = profile();
    org_profile.id = org.clone();
    notify::deliver_pending(&store, &mail, &org_profile, &links(), t0(), 10)
        .await
        .unwrap();
    let to: Vec<String> = mail
        .sent
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.to.clone())
        .collect();
    assert_eq!(to, vec![c.chair.email.clone()], "only the chair is told");
}

/// The notifier is stopped when a worry is stored; when it starts, the email goes out. The
/// email never contains the worry.
#[tokio::test]
async fn a_worry_stored_while_the_notifier_is_stopped_is_notified_when_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = OrgId::parse("demo").unwrap();
    let c = cast(&store, &org).await;
    let w = submit(
        &store,
        &org,
        Involves::Nobody,
        "my friend is scared",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let mail = Inbox::default();
    assert_eq!(mail.count(), 0);
    // ... the notifier starts.
    let d = notify::deliver_pending(&store, &mail, &profile(), &links(), t0(), 10)
        .await
        .unwrap();
    assert_eq!((d.notifications, d.delivered, d.emails), (1, 1, 3));
    let mut to: Vec<String> = mail
        .sent
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.to.clone())
        .collect();
    to.sort();
    let mut expected = vec![
        c.dsl.email.clone(),
        c.deputy.email.clone(),
        c.dsl_and_lead.email.clone(),
    ];
    expected.sort();
    assert_eq!(to, expected, "the DSLs and the deputy, nobody else");
    for m in mail.sent.lock().unwrap().iter() {
        assert!(
            m.subject.starts_with("URGENT: A new concern"),
            "{}",
            m.subject
        );
        assert!(m.text.contains(&format!(
            "https://safety.example.org/worries/{}",
            w.worry_id
        )));
        assert!(!m.text.contains("scared") && !m.subject.contains("scared"));
    }
    // Delivered once: another run sends nothing.
    let again = notify::deliver_pending(&store, &mail, &profile(), &links(), t0(), 10)
        .await
        .unwrap();
    assert_eq!(again.emails, 0);
    assert!(
        notify::undelivered(&store, &org, &c.dsl, 50, t0())
            .await
            .unwrap()
            .is_empty()
    );
}

/// A store that fails every update of a notification once `armed` is set: the notifier
/// "crashes" between sending an email and recording it.
struct CrashAfterSend<S> {
    inner: S,
    armed: std::sync::atomic::AtomicBool,
}

impl<S: Store> Store for CrashAfterSend<S> {
    async fn get(
        &self,
        key: &safety_core::store::Key,
    ) -> Result<Option<safety_core::store::Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(
        &self,
        item: safety_core::store::Item,
        c: safety_core::store::Condition,
    ) -> Result<(), StoreError> {
        self.inner.put(item, c).await
    }
    async fn update(
        &self,
        key: &safety_core::store::Key,
        u: safety_core::store::Update,
        c: safety_core::store::Condition,
    ) -> Result<safety_core::store::Item, StoreError> {
        if key.pk.contains("#NOTIFY#") && self.armed.swap(false, Ordering::SeqCst) {
            return Err(StoreError::Unavailable("crashed".into()));
        }
        self.inner.update(key, u, c).await
    }
    async fn delete(
        &self,
        key: &safety_core::store::Key,
        c: safety_core::store::Condition,
    ) -> Result<(), StoreError> {
        self.inner.delete(key, c).await
    }
    async fn query(
        &self,
        q: &safety_core::store::Query,
    ) -> Result<safety_core::store::Page, StoreError> {
        self.inner.query(q).await
    }
    async fn transact(&self, ops: Vec<safety_core::store::TxOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
}

#[tokio::test]
async fn a_crash_mid_batch_drops_nobody_and_repeats_at_most_the_email_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let store = CrashAfterSend {
        inner: EmbeddedStore::open(&dir.path().join("s.redb")).unwrap(),
        armed: false.into(),
    };
    let org = OrgId::parse("demo").unwrap();
    let c = cast(&store, &org).await;
    for i in 0..3 {
        submit(
            &store,
            &org,
            Involves::Nobody,
            &format!("worry {i}"),
            &Sender::Anonymous,
            t0(),
        )
        .await;
    }
    let mail = Inbox::default();
    // 1. The mail service fails on the 4th email (second worry, first recipient): the run stops
    //    that notification and keeps it.
    mail.fail_on_send.store(4, Ordering::SeqCst);
    let first = notify::deliver_pending(&store, &mail, &profile(), &links(), t0(), 10)
        .await
        .unwrap();
    assert_eq!(first.failed, 1);
    // 2. The notifier crashes after sending an email, before recording it.
    store.armed.store(true, Ordering::SeqCst);
    let later = t0() + Duration::minutes(5);
    assert!(
        notify::deliver_pending(&store, &mail, &profile(), &links(), later, 10)
            .await
            .is_err()
    );
    // 3. It restarts and finishes.
    let last = notify::deliver_pending(&store, &mail, &profile(), &links(), later, 10)
        .await
        .unwrap();
    assert_eq!(last.failed, 0);
    // 3 worries x 3 handlers: everyone got each at least once; one email (the one in flight at
    // the crash) was repeated, no more.
    for p in [&c.dsl, &c.deputy, &c.dsl_and_lead] {
        let got = mail.to(&p.email).len();
        assert!((3..=4).contains(&got), "{}: {got}", p.name);
    }
    assert_eq!(
        mail.count(),
        10,
        "9 emails + the one repeated after the crash"
    );
    assert!(
        notify::undelivered(&store, &org, &c.dsl, 50, t0())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_notification_that_keeps_failing_is_kept_shown_and_retried_with_back_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = OrgId::parse("demo").unwrap();
    let c = cast(&store, &org).await;
    submit(
        &store,
        &org,
        Involves::Nobody,
        "x",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let mail = Inbox::default();
    mail.failing.store(true, Ordering::SeqCst);
    let mut now = t0();
    for attempt in 1..=4u32 {
        let d = notify::deliver_pending(&store, &mail, &profile(), &links(), now, 10)
            .await
            .unwrap();
        assert_eq!(d.failed, 1, "attempt {attempt}");
        // Not due again straight away: backs off.
        let soon = notify::deliver_pending(&store, &mail, &profile(), &links(), now, 10)
            .await
            .unwrap();
        assert_eq!(soon.notifications, 0);
        now += safety_core::mail::retry_delay(attempt);
    }
    let shown = notify::undelivered(&store, &org, &c.deputy, 50, t0())
        .await
        .unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].attempts, 4);
    assert!(shown[0].last_error.as_deref().unwrap().contains("down"));
    // Shown only to those the worry is routed to.
    assert!(
        notify::undelivered(&store, &org, &c.lead, 50, t0())
            .await
            .unwrap()
            .is_empty()
    );
    mail.failing.store(false, Ordering::SeqCst);
    let d = notify::deliver_pending(&store, &mail, &profile(), &links(), now, 10)
        .await
        .unwrap();
    assert_eq!(d.delivered, 1);
    assert!(
        notify::undelivered(&store, &org, &c.deputy, 50, t0())
            .await
            .unwrap()
            .is_empty()
    );
}

/// The handling scenario, run on each backend.
async fn handling_scenario<S: Store>(store: &S, org: &OrgId) {
    let c = cast(store, org).await;
    let mail = Inbox::default();
    let mut profile = profile();
    profile.id = org.clone();
    let named = Sender::Named {
        person_id: c.learner.id.clone(),
        name: c.learner.name.clone(),
    };
    let w = submit(store, org, Involves::Nobody, "named worry", &named, t0()).await;
    assert!(w.follow_up_code.is_none());
    let anon = submit(
        store,
        org,
        Involves::Nobody,
        "anonymous worry",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let code = anon.follow_up_code.clone().unwrap().display();

    // The DSL opens it twice: two audit entries, one "viewed" in the chronology.
    let first = case::open(store, org, &c.dsl, &w.worry_id, t0())
        .await
        .unwrap();
    assert_eq!(first.worry.text, "named worry");
    assert_eq!(first.worry.status, Status::New);
    let second = case::open(store, org, &c.dsl, &w.worry_id, t0() + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(second.audit.len(), 2);
    assert_eq!(
        second
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Viewed)
            .count(),
        1
    );
    let v = second.worry.version;
    let at = |s: i64| t0() + Duration::seconds(s);
    let (dsl, wid) = (&c.dsl, w.worry_id.as_str());
    let act = |action: CaseAction, version: u64, s: i64| {
        let form = form();
        async move { case::act(store, org, dsl, wid, &form, version, action, at(s)).await }
    };
    act(CaseAction::Acknowledge, v, 2).await.unwrap();
    // A form shown before that change is stale for a change of state...
    assert!(matches!(
        act(CaseAction::SetStatus(Status::InProgress), v, 3).await,
        Err(CaseError::Stale)
    ));
    // ... but a note is simply added.
    act(CaseAction::Note("Spoke to tutor".into()), v, 3)
        .await
        .unwrap();
    // A double-submitted form records once.
    let f = form();
    let once = case::act(
        store,
        org,
        &c.dsl,
        &w.worry_id,
        &f,
        v,
        CaseAction::Note("twice".into()),
        at(4),
    )
    .await
    .unwrap();
    let again = case::act(
        store,
        org,
        &c.dsl,
        &w.worry_id,
        &f,
        v,
        CaseAction::Note("twice".into()),
        at(4),
    )
    .await
    .unwrap();
    assert!(!once.repeated && again.repeated);
    act(
        CaseAction::Referral {
            to: ReferralTo::ChildrensSocialCare,
            reference: "CSC-42".into(),
            detail: "Called the front door".into(),
        },
        0,
        5,
    )
    .await
    .unwrap();
    act(CaseAction::Reply("Thank you for telling us.".into()), 0, 6)
        .await
        .unwrap();
    // Empty and over-long entries are refused, nothing recorded.
    assert!(matches!(
        act(CaseAction::Note("  ".into()), 0, 7).await,
        Err(CaseError::Input(_))
    ));
    assert!(matches!(
        act(
            CaseAction::Note("x".repeat(case::MAX_ENTRY_CHARS + 1)),
            0,
            7
        )
        .await,
        Err(CaseError::Input(_))
    ));
    // The reply notification goes to the named sender, and says nothing of the reply.
    notify::deliver_pending(store, &mail, &profile, &links(), at(8), 20)
        .await
        .unwrap();
    let to_learner = mail.to(&c.learner.email);
    assert_eq!(to_learner.len(), 1);
    assert!(
        to_learner[0]
            .text
            .contains(&format!("/me/worries/{}", w.worry_id))
    );
    assert!(!to_learner[0].text.contains("Thank you"));
    // A mailbox a parent may read: no organisation, nothing about safeguarding.
    assert_eq!(to_learner[0].subject, "You have a new message");
    for word in ["safeguarding", "concern", "Wexmoor", "worry "] {
        assert!(!to_learner[0].text.contains(word), "{word}");
    }

    // The sender reads the reply signed in, and adds information; another person cannot.
    let me = SenderProof::Person {
        person_id: &c.learner.id,
        worry_id: &w.worry_id,
    };
    let view = sender::read(store, org, me, at(9)).await.unwrap().unwrap();
    assert_eq!(view.status, Status::Acknowledged);
    assert_eq!(view.messages.len(), 1);
    assert!(view.messages[0].from_team);
    assert_eq!(view.text.as_deref(), Some("named worry"));
    let not_mine = SenderProof::Person {
        person_id: &c.staff.id,
        worry_id: &w.worry_id,
    };
    assert_eq!(
        sender::read(store, org, not_mine, at(9)).await.unwrap(),
        None
    );
    assert_eq!(
        sender::add_information(store, org, not_mine, &form(), "x", at(9))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        sender::add_information(store, org, me, &form(), "It happened again", at(10))
            .await
            .unwrap(),
        Some(false)
    );
    let own = sender::own_worries(store, org, &c.learner.id, 10)
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].replies, 1);
    // The anonymous sender with their code: status, their own words again, can add.
    let by_code = sender::read(store, org, SenderProof::Code(&code), at(11))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_code.text.as_deref(), Some("anonymous worry"));
    assert_eq!(by_code.status, Status::New);

    // Reassign to the deputy: the deputy is emailed; not to someone it is not routed to.
    act(
        CaseAction::Reassign(c.deputy.clone()),
        case::open(store, org, &c.dsl, &w.worry_id, at(12))
            .await
            .unwrap()
            .worry
            .version,
        12,
    )
    .await
    .unwrap();
    let v = case::open(store, org, &c.dsl, &w.worry_id, at(13))
        .await
        .unwrap()
        .worry
        .version;
    assert!(matches!(
        act(CaseAction::Reassign(c.lead.clone()), v, 13).await,
        Err(CaseError::Refused(_))
    ));
    act(
        CaseAction::Close {
            outcome: Outcome::ReferredOn,
            detail: "Social care leading".into(),
        },
        v,
        14,
    )
    .await
    .unwrap();
    let closed = case::open(store, org, &c.deputy, &w.worry_id, at(15))
        .await
        .unwrap();
    assert_eq!(closed.worry.status, Status::Closed);
    assert_eq!(closed.worry.assigned.as_ref().unwrap().1, c.deputy.name);
    let kinds: Vec<&str> = closed
        .events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Viewed => "viewed",
            EventKind::Acknowledged => "acknowledged",
            EventKind::Note => "note",
            EventKind::Referral { .. } => "referral",
            EventKind::Reply => "reply",
            EventKind::SenderAdded => "sender_added",
            EventKind::Reassigned { .. } => "reassigned",
            EventKind::Closed { .. } => "closed",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "viewed",
            "acknowledged",
            "note",
            "note",
            "referral",
            "reply",
            "sender_added",
            "reassigned",
            "closed",
            "viewed"
        ]
    );
    // Every read is audited, including the sender's.
    assert!(closed.audit.iter().any(|a| a.what.contains("sender")));
    // Closed: out of the open list, in the closed one.
    let open = inbox::list(
        store,
        org,
        &c.dsl,
        &Filter::default(),
        inbox::Order::NewestFirst,
        None,
        at(16),
    )
    .await
    .unwrap();
    assert_eq!(open.rows.len(), 1);
    assert_eq!(open.rows[0].worry_id, anon.worry_id);
    let closed_list = inbox::list(
        store,
        org,
        &c.dsl,
        &Filter {
            closed: true,
            ..Filter::default()
        },
        inbox::Order::NewestFirst,
        None,
        at(16),
    )
    .await
    .unwrap();
    assert_eq!(closed_list.rows.len(), 1);
    assert_eq!(closed_list.rows[0].worry_id, w.worry_id);
    // Everything was notified: new worries, the sender's addition, the reassignment.
    notify::deliver_pending(store, &mail, &profile, &links(), at(17), 50)
        .await
        .unwrap();
    assert!(
        notify::undelivered(store, org, &c.dsl, 50, t0())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        mail.to(&c.deputy.email)
            .iter()
            .any(|m| m.subject.contains("was assigned to you"))
    );
    assert!(
        mail.to(&c.dsl.email)
            .iter()
            .any(|m| m.subject.contains("More information"))
    );
}

#[tokio::test]
async fn handling_a_worry_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    handling_scenario(&store, &OrgId::parse("demo").unwrap()).await;
}

#[tokio::test]
async fn handling_a_worry_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "worries").await;
    handling_scenario(&store, &OrgId::parse("demo").unwrap()).await;
    inbox_pages_and_filters(&store, &OrgId::parse("other").unwrap(), || 0).await;
}

/// 60 worries: pages of 25 newest first without repeats, kind and age filters, round trips.
async fn inbox_pages_and_filters<S: Store>(store: &S, org: &OrgId, reads: impl Fn() -> usize) {
    let c = cast(store, org).await;
    let kinds_cycle = ["bullying", "scams", "other"];
    for i in 0..60i64 {
        let at = t0() - Duration::days(59 - i);
        let token = FormToken::issue(&secret(), FORM_PURPOSE, at.timestamp());
        let mut inp = input(Involves::Nobody, &format!("w{i}"), "soon");
        inp.kind = Some(kinds_cycle[i as usize % 3].into());
        worry::submit(
            store,
            org,
            &secret(),
            &token,
            &inp,
            kinds(),
            &Sender::Anonymous,
            at,
        )
        .await
        .unwrap();
    }
    let now = t0();
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let page = inbox::list(
            store,
            org,
            &c.deputy,
            &Filter::default(),
            inbox::Order::NewestFirst,
            before.as_deref(),
            now,
        )
        .await
        .unwrap();
        sizes.push(page.rows.len());
        seen.extend(page.rows.iter().map(|r| r.created_at));
        match page.next {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    assert_eq!(sizes, [25, 25, 10]);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    sorted.dedup();
    assert_eq!(sorted.len(), 60, "no worry twice, none missed");
    let scams = inbox::list(
        store,
        org,
        &c.deputy,
        &Filter {
            kind: Some("scams".into()),
            within_days: Some(30),
            ..Filter::default()
        },
        inbox::Order::NewestFirst,
        None,
        now,
    )
    .await
    .unwrap();
    assert_eq!(scams.rows.len(), 10, "{:?}", scams.rows.len());
    assert!(
        scams
            .rows
            .iter()
            .all(|r| r.kind == "scams" && r.created_at >= now - Duration::days(30))
    );
    let before = reads();
    let page = inbox::list(
        store,
        org,
        &c.dsl,
        &Filter::default(),
        inbox::Order::NewestFirst,
        None,
        now,
    )
    .await
    .unwrap();
    let used = reads() - before;
    eprintln!(
        "inbox page of {} rows: {used} store requests",
        page.rows.len()
    );
    assert!(
        used <= 3,
        "one query per queue the DSL reads (team, staff, head): {used}"
    );
    oldest_first_across_queues(store, org, &c, now).await;
}

/// Every page of a reader's inbox in `order`, followed by its cursors: the rows and the size of
/// each page.
async fn every_page<S: Store>(
    store: &S,
    org: &OrgId,
    reader: &Person,
    filter: &Filter,
    order: inbox::Order,
    now: DateTime<Utc>,
) -> (Vec<inbox::Row>, Vec<usize>) {
    let mut rows = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = inbox::list(store, org, reader, filter, order, cursor.as_deref(), now)
            .await
            .unwrap();
        assert!(!page.truncated);
        sizes.push(page.rows.len());
        rows.extend(page.rows);
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
        assert!(sizes.len() < 20, "the pages end");
    }
    (rows, sizes)
}

/// Oldest first, on top of the 60 team worries of [`inbox_pages_and_filters`]: 20 about staff
/// (a second queue the DSL reads, their times between the team's) and 5 about the head (in a
/// queue the DSL reads, but hidden from this cast's DSL: "Both Roles" holds the allegations
/// lead's role too). Each order pages through every worry the reader may see exactly once, in
/// its order, the one the reverse of the other, with and without filters; nobody sees a worry
/// hidden from them in either order.
async fn oldest_first_across_queues<S: Store>(
    store: &S,
    org: &OrgId,
    c: &Cast,
    now: DateTime<Utc>,
) {
    let kinds_cycle = ["bullying", "scams", "other"];
    for j in 0..20i64 {
        let at = now - Duration::days(59) + Duration::hours(12) + Duration::days(3 * j);
        let token = FormToken::issue(&secret(), FORM_PURPOSE, at.timestamp());
        let mut inp = input(Involves::Staff, &format!("s{j}"), "soon");
        inp.kind = Some(kinds_cycle[j as usize % 3].into());
        worry::submit(
            store,
            org,
            &secret(),
            &token,
            &inp,
            kinds(),
            &Sender::Anonymous,
            at,
        )
        .await
        .unwrap();
    }
    let mut hidden = Vec::new();
    for j in 0..5i64 {
        let at = now - Duration::days(50) + Duration::hours(6) + Duration::days(10 * j);
        hidden.push(
            submit(
                store,
                org,
                Involves::Head,
                "about the head",
                &Sender::Anonymous,
                at,
            )
            .await
            .worry_id,
        );
    }
    use inbox::Order::{NewestFirst, OldestFirst};
    let ids = |rows: &[inbox::Row]| rows.iter().map(|r| r.worry_id.clone()).collect::<Vec<_>>();
    let day = |d: i64| now - Duration::days(d);
    let filters = [
        (Filter::default(), 80),
        (
            Filter {
                within_days: Some(40),
                ..Filter::default()
            },
            // The team's of days 40..=0 and the staff's sent from day 38.5 on.
            41 + (0..20).filter(|j| 59 * 24 - 12 - 72 * j <= 40 * 24).count(),
        ),
        (
            Filter {
                kind: Some("scams".into()),
                within_days: Some(45),
                ..Filter::default()
            },
            (0..60).filter(|i| i % 3 == 1 && 59 - i <= 45).count()
                + (0..20)
                    .filter(|j| j % 3 == 1 && 59 * 24 - 12 - 72 * j <= 45 * 24)
                    .count(),
        ),
    ];
    for (filter, expected) in &filters {
        let (oldest, sizes) = every_page(store, org, &c.dsl, filter, OldestFirst, now).await;
        let (newest, newest_sizes) = every_page(store, org, &c.dsl, filter, NewestFirst, now).await;
        assert_eq!(oldest.len(), *expected, "{filter:?}");
        let pages = expected.div_ceil(inbox::PAGE_SIZE);
        assert_eq!(sizes.len(), pages, "{filter:?}: {sizes:?}");
        assert!(
            sizes[..pages - 1].iter().all(|n| *n == inbox::PAGE_SIZE),
            "{filter:?}: {sizes:?}"
        );
        assert_eq!(newest_sizes, sizes, "{filter:?}");
        let times: Vec<_> = oldest.iter().map(|r| r.created_at).collect();
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "oldest first: {filter:?}"
        );
        let mut unique = ids(&oldest);
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), oldest.len(), "none twice: {filter:?}");
        let mut reversed = ids(&newest);
        reversed.reverse();
        assert_eq!(ids(&oldest), reversed, "{filter:?}");
        assert!(oldest.iter().all(|r| !hidden.contains(&r.worry_id)));
        assert!(oldest.iter().all(|r| {
            filter.kind.as_ref().is_none_or(|k| &r.kind == k)
                && filter
                    .within_days
                    .is_none_or(|d| r.created_at >= day(i64::from(d)))
        }));
        let queues: Vec<_> = oldest.iter().map(|r| r.queue).collect();
        assert!(queues.contains(&safety_core::routing::Queue::Team));
        assert!(queues.contains(&safety_core::routing::Queue::Staff));
    }
    // The first page oldest first begins with the very first worry (the team's of day 59).
    let first = inbox::list(
        store,
        org,
        &c.dsl,
        &Filter::default(),
        OldestFirst,
        None,
        now,
    )
    .await
    .unwrap();
    assert_eq!(first.rows[0].created_at, day(59));
    assert_eq!(first.rows[1].created_at, day(59) + Duration::hours(12));
    // Who may not read the head's worries never sees them, in either order; the chair sees
    // exactly them.
    for p in c.all() {
        for order in [NewestFirst, OldestFirst] {
            let (rows, _) = every_page(store, org, p, &Filter::default(), order, now).await;
            let seen = ids(&rows);
            let may_read = p.id == c.chair.id;
            for h in &hidden {
                assert_eq!(seen.contains(h), may_read, "{} {order:?}", p.name);
            }
            if may_read {
                let mut sorted = hidden.clone();
                if order == NewestFirst {
                    sorted.reverse();
                }
                assert_eq!(seen, sorted, "{order:?}");
            }
        }
    }
}

#[tokio::test]
async fn inbox_pages_and_filters_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = CountingStore::new(EmbeddedStore::open(&dir.path().join("s.redb")).unwrap());
    inbox_pages_and_filters(&store, &OrgId::parse("demo").unwrap(), || store.reads()).await;
}
