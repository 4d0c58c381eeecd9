//! Decisions with reasons and review dates on a worry, through the core's public interface, on
//! both stores: each decision is a chronology entry with its own fields read back from the
//! store; a refused one stores nothing; a review date reminds the assigned person once, on the
//! day, and never someone the worry is hidden from; changing, recording or closing takes the old
//! date off the list.

use crate::support;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::mail::{Links, MailError, Mailer, Message};
use safety_core::notify;
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::routing::{Involves, Queue};
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::{Query, Store};
use safety_core::worry::case::{self, CaseAction, CaseError, EventKind};
use safety_core::worry::code::FormToken;
use safety_core::worry::decision::{
    Decision, ImageDeletion, ImageIncident, ParentsInformed, Threshold,
};
use safety_core::worry::{self, FORM_PURPOSE, Sender, WorryInput, review};
use std::sync::Mutex;
use support::dynamodb_local::DynamoDbLocal;
use support::{kinds, profile_of, t0};

#[derive(Default)]
struct Outbox(Mutex<Vec<Message>>);

impl Mailer for Outbox {
    async fn send(&self, msg: &Message) -> Result<(), MailError> {
        self.0.lock().unwrap().push(msg.clone());
        Ok(())
    }
}

impl Outbox {
    /// Who was emailed since the last call, sorted.
    fn take_to(&self) -> Vec<String> {
        let mut to: Vec<String> = std::mem::take(&mut *self.0.lock().unwrap())
            .into_iter()
            .map(|m| m.to)
            .collect();
        to.sort();
        to
    }
}

fn secret() -> Secret {
    Secret::new("decisions-test-secret-decisions-test").unwrap()
}

async fn add<S: Store>(store: &S, org: &OrgId, name: &str, roles: Vec<Role>) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
            name: name.into(),
            roles,
            groups: vec![],
        },
        t0(),
    )
    .await
    .unwrap()
}

async fn submit<S: Store>(store: &S, org: &OrgId, involves: Involves, text: &str) -> String {
    let token = FormToken::issue(&secret(), FORM_PURPOSE, t0().timestamp());
    worry::submit(
        store,
        org,
        &secret(),
        &token,
        &WorryInput {
            text: text.into(),
            urgency: Some("can_wait".into()),
            about: Some("a_friend".into()),
            involves: Some(involves.as_str().into()),
            email_replies: None,
            kind: Some("bullying".into()),
            wants_contact: Some("no".into()),
            contact_how: String::new(),
        },
        kinds(),
        &Sender::Anonymous,
        t0(),
    )
    .await
    .unwrap()
    .worry_id
}

fn image(viewed_by: &str) -> Decision {
    Decision::ImageIncident(ImageIncident {
        viewed: true,
        viewed_by: viewed_by.into(),
        devices: "Her phone (Snapchat); his phone".into(),
        deletion: ImageDeletion::AskedToDelete,
        police: false,
        police_reason: "Both 15, no adult involved, no coercion or threat".into(),
    })
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The review dates listed for the organisation.
async fn listed<S: Store>(store: &S, org: &OrgId) -> usize {
    store
        .query(&Query::partition(safety_core::keys::reviews(org)))
        .await
        .unwrap()
        .items
        .len()
}

async fn decisions_and_reviews<S: Store>(store: &S, org: &OrgId) {
    let dsl = add(store, org, "Dana Dsl", vec![Role::Dsl, Role::Staff]).await;
    let deputy = add(store, org, "Dev Deputy", vec![Role::DeputyDsl]).await;
    let lead = add(store, org, "Lou Lead", vec![Role::AllegationsLead]).await;
    let mut profile = profile_of(org.as_str());
    profile.id = org.clone();
    let links = Links {
        base_url: "https://safety.example.org".into(),
    };
    let mail = Outbox::default();
    // The notifications of the new worries go first, so only reminders are counted below.
    let wid = submit(
        store,
        org,
        Involves::Nobody,
        "Photos shared in a group chat",
    )
    .await;
    notify::deliver_pending(store, &mail, &profile, &links, t0(), 50)
        .await
        .unwrap();
    mail.take_to();

    let at = |s: i64| t0() + Duration::seconds(s);
    let act = |who: &Person, action: CaseAction, s: i64| {
        let (who, wid) = (who.clone(), wid.clone());
        async move {
            let version = case::open(store, org, &who, &wid, at(s))
                .await?
                .worry
                .version;
            let form = uuid::Uuid::new_v4().to_string();
            case::act(store, org, &who, &wid, &form, version, action, at(s)).await
        }
    };

    // Decisions: a reason is required, an image viewed needs who and why; refused ones store
    // nothing.
    let before = case::open(store, org, &dsl, &wid, at(1)).await.unwrap();
    let refused = act(
        &dsl,
        CaseAction::Decide {
            decision: Decision::Parents {
                informed: ParentsInformed::No,
            },
            reason: "   ".into(),
        },
        2,
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.user_message(),
        "Please give the reason for the decision: it is kept in the chronology."
    );
    let refused = act(
        &dsl,
        CaseAction::Decide {
            decision: image(""),
            reason: "Handled in school".into(),
        },
        3,
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.user_message(),
        "Please say who viewed the image and why."
    );
    let after_refusals = case::open(store, org, &dsl, &wid, at(4)).await.unwrap();
    assert_eq!(
        after_refusals.events.len(),
        before.events.len(),
        "a refused decision stores nothing"
    );

    for (s, decision, reason) in [
        (
            5,
            Decision::Parents {
                informed: ParentsInformed::No,
            },
            "Telling her father could put her at risk: social care advised against it",
        ),
        (
            6,
            Decision::Threshold {
                level: Threshold::EarlyHelp,
            },
            "Met the early help level of the partnership's threshold document",
        ),
        (
            7,
            image("The DSL, to decide on a referral: nobody could describe it"),
            "Handled in school under the UKCIS advice",
        ),
    ] {
        let acted = act(
            &dsl,
            CaseAction::Decide {
                decision,
                reason: reason.into(),
            },
            s,
        )
        .await
        .unwrap();
        assert_eq!(acted.notice, "Decision recorded.");
    }
    let case = case::open(store, org, &deputy, &wid, at(8)).await.unwrap();
    let decisions: Vec<_> = case
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Decision(d) => Some((d.clone(), e.text.clone(), e.by_name.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(decisions.len(), 3, "read back from the store");
    assert_eq!(
        decisions[0].0,
        Decision::Parents {
            informed: ParentsInformed::No
        }
    );
    assert_eq!(
        decisions[0].1,
        "Telling her father could put her at risk: social care advised against it"
    );
    assert_eq!(decisions[0].2, "Dana Dsl");
    assert_eq!(
        decisions[2].0,
        image("The DSL, to decide on a referral: nobody could describe it")
    );
    let details = case
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::Decision(Decision::ImageIncident(_))))
        .unwrap()
        .kind
        .details();
    assert!(details.contains(&(
        "Who viewed it and why",
        "The DSL, to decide on a referral: nobody could describe it".to_string()
    )));
    assert!(details.contains(&("Police", "Not referred to the police".to_string())));

    // Review dates: today or later, within two years, open worries only.
    let today = day(2026, 11, 23);
    for (due, why) in [
        (day(2026, 11, 22), "The review date must be today or later."),
        (day(2029, 1, 1), "The review date must be within two years."),
    ] {
        let e = act(
            &dsl,
            CaseAction::SetReview {
                due,
                what: "The support plan".into(),
            },
            9,
        )
        .await
        .unwrap_err();
        assert_eq!(e.user_message(), why);
    }
    assert_eq!(listed(store, org).await, 0, "a refused date is not listed");
    // Assigned to the deputy, due in a week.
    act(&dsl, CaseAction::Reassign(deputy.clone()), 10)
        .await
        .unwrap();
    let acted = act(
        &dsl,
        CaseAction::SetReview {
            due: today + Duration::days(7),
            what: "Whether the early help assessment started".into(),
        },
        11,
    )
    .await
    .unwrap();
    assert_eq!(
        acted.notice,
        "Review set for 30 November 2026: Dev Deputy is reminded then."
    );
    assert_eq!(listed(store, org).await, 1);
    // (The email that it was assigned to the deputy.)
    notify::deliver_pending(store, &mail, &profile, &links, at(12), 50)
        .await
        .unwrap();
    mail.take_to();
    let w = case::open(store, org, &dsl, &wid, at(12))
        .await
        .unwrap()
        .worry;
    assert_eq!(
        w.review,
        Some(review::Review {
            due: day(2026, 11, 30),
            what: "Whether the early help assessment started".into()
        })
    );

    // Nothing before the day; on the day, one reminder, to the deputy only; once.
    assert_eq!(
        review::remind_due(store, org, day(2026, 11, 29), at(13))
            .await
            .unwrap(),
        0
    );
    let on_the_day = t0() + Duration::days(7);
    assert_eq!(
        review::remind_due(store, org, day(2026, 11, 30), on_the_day)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        review::remind_due(store, org, day(2026, 12, 1), on_the_day)
            .await
            .unwrap(),
        0,
        "reminded once"
    );
    notify::deliver_pending(store, &mail, &profile, &links, on_the_day, 50)
        .await
        .unwrap();
    assert_eq!(mail.take_to(), vec![deputy.email.clone()]);

    // A new date replaces the old one in the list; recording the review clears it.
    act(
        &deputy,
        CaseAction::SetReview {
            due: day(2026, 12, 14),
            what: "Again after the assessment".into(),
        },
        14,
    )
    .await
    .unwrap();
    act(
        &deputy,
        CaseAction::SetReview {
            due: day(2026, 12, 21),
            what: "Moved: the assessment was delayed".into(),
        },
        15,
    )
    .await
    .unwrap();
    assert_eq!(listed(store, org).await, 1, "the old date left the list");
    assert_eq!(
        review::remind_due(store, org, day(2026, 12, 14), at(16))
            .await
            .unwrap(),
        0,
        "the replaced date reminds nobody"
    );
    act(
        &deputy,
        CaseAction::ReviewDone("The assessment started; support plan in place".into()),
        17,
    )
    .await
    .unwrap();
    assert_eq!(listed(store, org).await, 0);
    let again = act(&deputy, CaseAction::ReviewDone(String::new()), 18)
        .await
        .unwrap_err();
    assert_eq!(
        again.user_message(),
        "There is no review set for this concern."
    );
    let case = case::open(store, org, &dsl, &wid, at(19)).await.unwrap();
    assert_eq!(case.worry.review, None);
    let kinds: Vec<&EventKind> = case.events.iter().map(|e| &e.kind).collect();
    assert!(kinds.contains(&&EventKind::ReviewSet {
        due: day(2026, 12, 21)
    }));
    assert!(kinds.contains(&&EventKind::ReviewDone));

    // Closing cancels a pending review.
    act(
        &dsl,
        CaseAction::SetReview {
            due: day(2027, 1, 11),
            what: "After the holidays".into(),
        },
        20,
    )
    .await
    .unwrap();
    let closed = act(
        &dsl,
        CaseAction::Close {
            outcome: case::Outcome::ResolvedInternally,
            detail: "Taken down; support plan ended".into(),
        },
        21,
    )
    .await
    .unwrap();
    assert_eq!(
        closed.notice,
        "Closed. Its review on 11 January 2027 is cancelled."
    );
    assert_eq!(listed(store, org).await, 0);
    assert!(matches!(
        act(
            &dsl,
            CaseAction::SetReview {
                due: day(2027, 1, 11),
                what: "x".into()
            },
            22
        )
        .await,
        Err(CaseError::Refused(_))
    ));

    // A worry about the DSL: its review reminds its readers, never the DSL, and the deputy
    // (who cannot read it) cannot record a decision on it.
    let about_dsl = submit(store, org, Involves::Dsl, "About the DSL").await;
    notify::deliver_pending(store, &mail, &profile, &links, at(23), 50)
        .await
        .unwrap();
    mail.take_to();
    let open = case::open(store, org, &lead, &about_dsl, at(24))
        .await
        .unwrap();
    assert_eq!(open.worry.queue(), Queue::Dsl);
    case::act(
        store,
        org,
        &lead,
        &about_dsl,
        &uuid::Uuid::new_v4().to_string(),
        open.worry.version,
        CaseAction::SetReview {
            due: day(2026, 12, 1),
            what: "Check the LADO's advice".into(),
        },
        at(25),
    )
    .await
    .unwrap();
    for hidden in [&dsl, &deputy] {
        let refused = case::act(
            store,
            org,
            hidden,
            &about_dsl,
            &uuid::Uuid::new_v4().to_string(),
            0,
            CaseAction::Decide {
                decision: Decision::Threshold {
                    level: Threshold::WithinOrganisation,
                },
                reason: "x".into(),
            },
            at(26),
        )
        .await;
        assert!(matches!(refused, Err(CaseError::NotFound)));
    }
    let when = t0() + Duration::days(8);
    assert_eq!(
        review::remind_due(store, org, day(2026, 12, 1), when)
            .await
            .unwrap(),
        1
    );
    notify::deliver_pending(store, &mail, &profile, &links, when, 50)
        .await
        .unwrap();
    let to = mail.take_to();
    assert!(to.contains(&lead.email), "{to:?}");
    assert!(
        !to.contains(&dsl.email),
        "never the DSL it is about: {to:?}"
    );
    assert!(!to.contains(&deputy.email), "{to:?}");
}

/// The person it is assigned to was deactivated before the day: the reminder goes to its
/// readers instead of nobody.
async fn a_review_of_a_deactivated_assignee_reaches_the_readers<S: Store>(store: &S, org: &OrgId) {
    let dsl = add(store, org, "Dee Dsl", vec![Role::Dsl]).await;
    let deputy = add(store, org, "Don Deputy", vec![Role::DeputyDsl]).await;
    let mut profile = profile_of(org.as_str());
    profile.id = org.clone();
    let links = Links {
        base_url: "https://safety.example.org".into(),
    };
    let mail = Outbox::default();
    let wid = submit(store, org, Involves::Nobody, "A worry").await;
    let v = case::open(store, org, &dsl, &wid, t0())
        .await
        .unwrap()
        .worry
        .version;
    let form = || uuid::Uuid::new_v4().to_string();
    case::act(
        store,
        org,
        &dsl,
        &wid,
        &form(),
        v,
        CaseAction::Reassign(deputy.clone()),
        t0(),
    )
    .await
    .unwrap();
    case::act(
        store,
        org,
        &dsl,
        &wid,
        &form(),
        v + 1,
        CaseAction::SetReview {
            due: day(2026, 11, 24),
            what: "Check in with her".into(),
        },
        t0(),
    )
    .await
    .unwrap();
    people::deactivate(store, org, &deputy.id).await.unwrap();
    notify::deliver_pending(store, &mail, &profile, &links, t0(), 50)
        .await
        .unwrap();
    mail.take_to();
    let next_day = t0() + Duration::days(1);
    review::remind_due(store, org, day(2026, 11, 24), next_day)
        .await
        .unwrap();
    notify::deliver_pending(store, &mail, &profile, &links, next_day, 50)
        .await
        .unwrap();
    assert_eq!(mail.take_to(), vec![dsl.email.clone()]);
}

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn decisions_and_reviews_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    decisions_and_reviews(&store, &OrgId::parse("demo").unwrap()).await;
    a_review_of_a_deactivated_assignee_reaches_the_readers(&store, &OrgId::parse("other").unwrap())
        .await;
    // Two organisations side by side: the other's dates are not this one's.
    assert_eq!(
        review::remind_due(
            &store,
            &OrgId::parse("demo").unwrap(),
            day(2027, 12, 31),
            ts("2027-12-31T08:00:00Z")
        )
        .await
        .unwrap(),
        0
    );
}

#[tokio::test]
async fn decisions_and_reviews_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "decisions").await;
    decisions_and_reviews(&store, &OrgId::parse("demo").unwrap()).await;
    a_review_of_a_deactivated_assignee_reaches_the_readers(&store, &OrgId::parse("other").unwrap())
        .await;
}
