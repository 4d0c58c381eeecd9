//! Person records through the core's public interface, on both backends: linking (to a new
//! record, an existing one, a platform person's), unlinking, merging (links moved, both
//! chronologies, the audit), routing inside a record (a worry about the DSL linked to a child's
//! record leaves no trace for the DSL and is there for the allegations lead; search counts
//! too), refusals, two organisations; and the figure for a record with 50 linked worries.

use crate::support;

use chrono::{DateTime, Duration, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::org::OrgId;
use safety_core::records::{self, DetailsInput, FileError, LinkTo};
use safety_core::roles::Role;
use safety_core::routing::Involves;
use safety_core::store::Store;
use safety_core::store::counting::CountingStore;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::worry::case::{self, CaseAction};
use safety_core::worry::code::FormToken;
use safety_core::worry::{self, FORM_PURPOSE, Sender, WorryInput};
use support::dynamodb_local::DynamoDbLocal;
use support::{kinds, t0};

fn secret() -> Secret {
    Secret::new("records-test-secret-records-test-secret").unwrap()
}

struct Cast {
    learner: Person,
    staff: Person,
    admin: Person,
    dsl: Person,
    deputy: Person,
    lead: Person,
    chair: Person,
}

async fn cast<S: Store>(store: &S, org: &OrgId) -> Cast {
    let mut n = 0;
    let mut add = |name: &'static str, roles: Vec<Role>| {
        n += 1;
        let email = format!("r{n}@example.org");
        async move {
            people::invite(
                store,
                org,
                &NewPerson {
                    email,
                    name: name.into(),
                    roles,
                    groups: vec!["Year 8".into()],
                },
                t0(),
            )
            .await
            .unwrap()
        }
    };
    Cast {
        learner: add("Kai Learner", vec![Role::Learner]).await,
        staff: add("Sam Staff", vec![Role::Staff]).await,
        admin: add("Ada Admin", vec![Role::Admin]).await,
        dsl: add("Dana DSL", vec![Role::Dsl, Role::Staff]).await,
        deputy: add("Dev Deputy", vec![Role::DeputyDsl]).await,
        lead: add("Lou Lead", vec![Role::AllegationsLead]).await,
        chair: add("Cam Chair", vec![Role::Chair]).await,
    }
}

async fn submit<S: Store>(
    store: &S,
    org: &OrgId,
    involves: Involves,
    text: &str,
    who: &Sender,
    at: DateTime<Utc>,
) -> String {
    let token = FormToken::issue(&secret(), FORM_PURPOSE, at.timestamp());
    let input = WorryInput {
        text: text.into(),
        urgency: Some("soon".into()),
        about: Some("a_friend".into()),
        involves: Some(involves.as_str().into()),
        email_replies: None,
        kind: Some("bullying".into()),
        wants_contact: Some("no".into()),
        contact_how: String::new(),
    };
    worry::submit(store, org, &secret(), &token, &input, kinds(), who, at)
        .await
        .unwrap()
        .worry_id
}

fn new(name: &str) -> LinkTo {
    LinkTo::New(
        DetailsInput {
            name: name.into(),
            ..DetailsInput::default()
        }
        .validate(t0().date_naive())
        .unwrap(),
    )
}

/// What a viewer's chronology says, without times.
fn lines(shown: &records::Shown) -> Vec<(String, String, Option<String>)> {
    shown
        .chronology
        .iter()
        .map(|e| (e.by_name.clone(), e.what.clone(), e.worry_id.clone()))
        .collect()
}

async fn scenario<S: Store>(store: &S, org: &OrgId, other_org: &OrgId) {
    let c = cast(store, org).await;
    let named = Sender::Named {
        person_id: c.learner.id.clone(),
        name: c.learner.name.clone(),
    };
    let w1 = submit(
        store,
        org,
        Involves::Nobody,
        "Kai's friend is being messaged by a stranger",
        &named,
        t0(),
    )
    .await;
    let w2 = submit(
        store,
        org,
        Involves::Nobody,
        "Someone shared a photo of Amira",
        &Sender::Anonymous,
        t0() + Duration::hours(1),
    )
    .await;
    // About the DSL: the allegations lead reads it, the DSL and deputies never do.
    let w3 = submit(
        store,
        org,
        Involves::Dsl,
        "The DSL messaged Amira on Snapchat",
        &Sender::Anonymous,
        t0() + Duration::hours(2),
    )
    .await;
    let now = t0() + Duration::hours(3);

    // Link w1 to a new record for the friend it names, then w2 to the same record.
    let amira = records::link(store, org, &c.dsl, &w1, new("Amira  O'Neil"), now)
        .await
        .unwrap();
    assert!(amira.created);
    assert_eq!(amira.name, "Amira O'Neil");
    let again = records::link(
        store,
        org,
        &c.dsl,
        &w2,
        LinkTo::File(amira.record_id.clone()),
        now,
    )
    .await
    .unwrap();
    assert!(!again.created);
    assert_eq!(again.record_id, amira.record_id);
    let twice = records::link(
        store,
        org,
        &c.dsl,
        &w2,
        LinkTo::File(amira.record_id.clone()),
        now,
    )
    .await;
    assert!(matches!(twice, Err(FileError::Refused(_))), "{twice:?}");
    // The DSL's view before the worry about the DSL is linked.
    case::act(
        store,
        org,
        &c.dsl,
        &w1,
        &uuid::Uuid::new_v4().to_string(),
        1,
        CaseAction::Note("Spoke to Amira".into()),
        now,
    )
    .await
    .unwrap();
    let before = records::open(store, org, &c.dsl, &amira.record_id, now)
        .await
        .unwrap();
    let ids: Vec<&str> = before.worries.iter().map(|w| w.worry.id.as_str()).collect();
    assert_eq!(ids, [w1.as_str(), w2.as_str()]);
    assert!(
        lines(&before)
            .iter()
            .any(|(_, what, w)| what == "Added a note" && w.as_deref() == Some(w1.as_str()))
    );
    assert!(
        lines(&before)
            .iter()
            .any(|(by, what, _)| by == "Anonymous" && what == "Sent the concern")
    );

    // The DSL cannot link w3 (not routed to them); the allegations lead links it.
    let refused = records::link(
        store,
        org,
        &c.dsl,
        &w3,
        LinkTo::File(amira.record_id.clone()),
        now,
    )
    .await;
    assert!(matches!(refused, Err(FileError::NotFound)), "{refused:?}");
    records::link(
        store,
        org,
        &c.lead,
        &w3,
        LinkTo::File(amira.record_id.clone()),
        now,
    )
    .await
    .unwrap();

    // The DSL opens the record: w3 is absent and leaves no trace (the chronology is exactly
    // what it was before it was linked).
    let dsl_view = records::open(store, org, &c.dsl, &amira.record_id, now)
        .await
        .unwrap();
    assert_eq!(lines(&dsl_view), lines(&before));
    assert_eq!(dsl_view.worries.len(), 2);
    assert!(
        dsl_view
            .chronology
            .iter()
            .all(|e| e.worry_id.as_deref() != Some(w3.as_str()) && !e.text.contains("Snapchat"))
    );
    // The allegations lead sees w3 (and not the team's worries, which are not routed to them).
    let lead_view = records::open(store, org, &c.lead, &amira.record_id, now)
        .await
        .unwrap();
    let ids: Vec<&str> = lead_view
        .worries
        .iter()
        .map(|w| w.worry.id.as_str())
        .collect();
    assert_eq!(ids, [w3.as_str()]);
    assert!(
        lead_view
            .chronology
            .iter()
            .any(|e| e.text.contains("Snapchat"))
    );
    assert!(
        lead_view
            .chronology
            .iter()
            .any(|e| e.what == "Linked a concern to this record" && e.by_name == "Lou Lead")
    );
    assert!(lead_view.audit.is_none(), "the record's audit is the DSL's");
    // Deputies see the team's worries; the chair none.
    let deputy_view = records::open(store, org, &c.deputy, &amira.record_id, now)
        .await
        .unwrap();
    assert_eq!(deputy_view.worries.len(), 2);
    let chair_view = records::open(store, org, &c.chair, &amira.record_id, now)
        .await
        .unwrap();
    assert!(chair_view.worries.is_empty());
    assert!(
        chair_view.chronology.is_empty(),
        "{:?}",
        chair_view.chronology
    );

    // Search counts only what the searcher may read.
    for (who, expected) in [(&c.dsl, 2), (&c.deputy, 2), (&c.lead, 1), (&c.chair, 0)] {
        let found = records::search(store, org, who, "oneil am", true)
            .await
            .unwrap();
        assert_eq!(found.files.len(), 1, "{}", who.name);
        assert_eq!(found.files[0].concerns, expected, "{}", who.name);
    }
    assert!(
        records::search(store, org, &c.dsl, "bob", false)
            .await
            .unwrap()
            .files
            .is_empty()
    );
    assert!(matches!(
        records::search(store, org, &c.dsl, " ' ", false).await,
        Err(FileError::Invalid(_))
    ));
    // Platform people by the start of their name, with no record yet.
    let people_found = records::search(store, org, &c.dsl, "kai", true)
        .await
        .unwrap();
    assert_eq!(
        people_found
            .people
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Kai Learner"]
    );

    // Every view is audited: the record's trail (the DSL sees it), each shown worry's trail.
    let again = records::open(store, org, &c.dsl, &amira.record_id, now)
        .await
        .unwrap();
    let audit = again.audit.clone().unwrap();
    let viewed_by = |name: &str| {
        audit
            .iter()
            .any(|a| a.what == "Viewed" && a.by_name == name)
    };
    assert!(viewed_by("Dana DSL") && viewed_by("Dev Deputy") && viewed_by("Cam Chair"));
    // The lead's view showed only the worry about the DSL: the DSL is not told of it.
    assert!(!audit.iter().any(|a| a.by_name == "Lou Lead"), "{audit:?}");
    let w1_case = case::open(store, org, &c.dsl, &w1, now).await.unwrap();
    assert!(
        w1_case
            .audit
            .iter()
            .any(|a| a.what == "Viewed in the person record of Amira O'Neil"
                && a.by_name == "Dev Deputy")
    );
    assert!(
        w1_case
            .audit
            .iter()
            .any(|a| a.what == "Linked to the person record of Amira O'Neil")
    );
    let w3_case = case::open(store, org, &c.lead, &w3, now).await.unwrap();
    assert!(
        !w3_case
            .audit
            .iter()
            .any(|a| a.by_name == "Dana DSL" && a.what.contains("person record"))
    );

    // Refusals: people without a safeguarding role, the other organisation's DSL.
    for who in [&c.learner, &c.staff, &c.admin] {
        assert!(
            matches!(
                records::open(store, org, who, &amira.record_id, now).await,
                Err(FileError::NotFound)
            ),
            "{}",
            who.name
        );
        assert!(matches!(
            records::link(store, org, who, &w1, new("X"), now).await,
            Err(FileError::NotFound)
        ));
        assert!(matches!(
            records::search(store, org, who, "amira", true).await,
            Err(FileError::NotFound)
        ));
    }
    let other_dsl = people::invite(
        store,
        other_org,
        &NewPerson {
            email: "b@example.org".into(),
            name: "Bea DSL".into(),
            roles: vec![Role::Dsl],
            groups: vec![],
        },
        t0(),
    )
    .await
    .unwrap();
    assert!(matches!(
        records::open(store, other_org, &other_dsl, &amira.record_id, now).await,
        Err(FileError::NotFound)
    ));
    assert!(
        records::search(store, other_org, &other_dsl, "amira", true)
            .await
            .unwrap()
            .files
            .is_empty()
    );
    let mut gone = c.dsl.clone();
    gone.active = false;
    assert!(matches!(
        records::open(store, org, &gone, &amira.record_id, now).await,
        Err(FileError::NotFound)
    ));

    // Unlink: recorded in the chronology and the worry's audit trail.
    records::unlink(store, org, &c.dsl, &w2, &amira.record_id, now)
        .await
        .unwrap();
    let after = records::open(store, org, &c.dsl, &amira.record_id, now)
        .await
        .unwrap();
    assert_eq!(after.worries.len(), 1);
    assert!(
        after
            .chronology
            .iter()
            .any(|e| e.what == "Unlinked a concern from this record"
                && e.worry_id.as_deref() == Some(w2.as_str()))
    );
    assert!(matches!(
        records::unlink(store, org, &c.dsl, &w2, &amira.record_id, now).await,
        Err(FileError::Refused(_))
    ));

    // A duplicate made by the deputy, merged into the first: links move, both chronologies
    // and audit trails say so, the duplicate then points to the one kept.
    let dup = records::link(store, org, &c.deputy, &w2, new("Amira O Neil"), now)
        .await
        .unwrap();
    records::link(
        store,
        org,
        &c.deputy,
        &w1,
        LinkTo::File(dup.record_id.clone()),
        now,
    )
    .await
    .unwrap();
    let later = now + Duration::minutes(5);
    records::merge(store, org, &c.dsl, &amira.record_id, &dup.record_id, later)
        .await
        .unwrap();
    let merged = records::open(store, org, &c.dsl, &amira.record_id, later)
        .await
        .unwrap();
    let ids: Vec<&str> = merged.worries.iter().map(|w| w.worry.id.as_str()).collect();
    assert_eq!(
        ids,
        [w1.as_str(), w2.as_str()],
        "w1 linked to both stays once"
    );
    assert!(
        merged
            .chronology
            .iter()
            .any(|e| e.what == "Merged the record of Amira O Neil into this one")
    );
    assert!(
        merged
            .chronology
            .iter()
            .any(|e| e.what == "Merged this record into the record of Amira O'Neil")
    );
    assert!(
        merged
            .chronology
            .iter()
            .any(|e| e.by_name == "Dev Deputy" && e.what == "Created this record, from a concern")
    );
    assert!(
        merged
            .audit
            .unwrap()
            .iter()
            .any(|a| a.what == "Merged the record of Amira O Neil into this one")
    );
    assert!(
        matches!(records::open(store, org, &c.dsl, &dup.record_id, later).await, Err(FileError::MergedInto(id)) if id == amira.record_id)
    );
    let found = records::search(store, org, &c.dsl, "amira", false)
        .await
        .unwrap();
    assert_eq!(found.files.len(), 1, "the duplicate left the index");
    let links = records::linked_to_worry(store, org, &c.dsl, &w2)
        .await
        .unwrap();
    assert_eq!(
        links
            .iter()
            .map(|l| l.record_id.as_str())
            .collect::<Vec<_>>(),
        [amira.record_id.as_str()]
    );
    // The lead still sees w3, still linked, after the merge.
    let lead_after = records::open(store, org, &c.lead, &amira.record_id, later)
        .await
        .unwrap();
    assert_eq!(lead_after.worries.len(), 1);

    // A platform person's record: made once, found again, absorbs an off-platform record; the
    // other way round is refused.
    let kai = records::link(
        store,
        org,
        &c.dsl,
        &w1,
        LinkTo::Person(c.learner.id.clone()),
        later,
    )
    .await
    .unwrap();
    assert!(kai.created);
    let kai_again = records::link(
        store,
        org,
        &c.dsl,
        &w2,
        LinkTo::Person(c.learner.id.clone()),
        later,
    )
    .await
    .unwrap();
    assert_eq!(
        (kai_again.record_id.as_str(), kai_again.created),
        (kai.record_id.as_str(), false)
    );
    let refused = records::merge(store, org, &c.dsl, &amira.record_id, &kai.record_id, later).await;
    assert!(matches!(refused, Err(FileError::Refused(_))), "{refused:?}");
    assert!(matches!(
        records::merge(store, org, &c.dsl, &kai.record_id, &kai.record_id, later).await,
        Err(FileError::Refused(_))
    ));
}

/// The DSL who is also the head (allegations lead) and the admin: a worry about the DSL goes to
/// the chair, and stays out of that person's view of a record it is linked to.
async fn one_person_many_roles<S: Store>(store: &S, org: &OrgId) {
    let mut n = 0;
    let mut add = |name: &'static str, roles: Vec<Role>| {
        n += 1;
        let email = format!("m{n}@example.org");
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
    let head = add(
        "Hal Head",
        vec![Role::Dsl, Role::AllegationsLead, Role::Admin, Role::Staff],
    )
    .await;
    let chair = add("Cam Chair", vec![Role::Chair]).await;
    let deputy = add("Dev Deputy", vec![Role::DeputyDsl]).await;
    let w1 = submit(
        store,
        org,
        Involves::Nobody,
        "Noor is being bullied in a group chat",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let w2 = submit(
        store,
        org,
        Involves::Dsl,
        "The DSL shouted at Noor",
        &Sender::Anonymous,
        t0(),
    )
    .await;
    let noor = records::link(store, org, &head, &w1, new("Noor Ali"), t0())
        .await
        .unwrap();
    assert!(matches!(
        records::link(
            store,
            org,
            &head,
            &w2,
            LinkTo::File(noor.record_id.clone()),
            t0()
        )
        .await,
        Err(FileError::NotFound)
    ));
    records::link(
        store,
        org,
        &chair,
        &w2,
        LinkTo::File(noor.record_id.clone()),
        t0(),
    )
    .await
    .unwrap();
    let seen = |shown: records::Shown| {
        shown
            .worries
            .into_iter()
            .map(|w| w.worry.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        seen(
            records::open(store, org, &head, &noor.record_id, t0())
                .await
                .unwrap()
        ),
        std::slice::from_ref(&w1)
    );
    assert_eq!(
        seen(
            records::open(store, org, &deputy, &noor.record_id, t0())
                .await
                .unwrap()
        ),
        std::slice::from_ref(&w1)
    );
    assert_eq!(
        seen(
            records::open(store, org, &chair, &noor.record_id, t0())
                .await
                .unwrap()
        ),
        std::slice::from_ref(&w2)
    );
    let head_view = records::open(store, org, &head, &noor.record_id, t0())
        .await
        .unwrap();
    assert!(
        head_view
            .chronology
            .iter()
            .all(|e| e.worry_id.as_deref() != Some(w2.as_str()))
    );
    assert!(head_view.audit.is_some(), "they are the DSL");
    for (who, count) in [(&head, 1), (&chair, 1), (&deputy, 1)] {
        assert_eq!(
            records::search(store, org, who, "noor", false)
                .await
                .unwrap()
                .files[0]
                .concerns,
            count,
            "{}",
            who.name
        );
    }
}

#[tokio::test]
async fn person_records_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    scenario(
        &store,
        &OrgId::parse("demo").unwrap(),
        &OrgId::parse("other").unwrap(),
    )
    .await;
    one_person_many_roles(&store, &OrgId::parse("many").unwrap()).await;
    fifty_worries(store, &OrgId::parse("fifty").unwrap(), "embedded").await;
}

#[tokio::test]
async fn person_records_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "records").await;
    scenario(
        &store,
        &OrgId::parse("demo").unwrap(),
        &OrgId::parse("other").unwrap(),
    )
    .await;
    one_person_many_roles(&store, &OrgId::parse("many").unwrap()).await;
    fifty_worries(store, &OrgId::parse("fifty").unwrap(), "DynamoDB Local").await;
}

/// The figure for the note: a record with 50 linked worries (each with a note), opened by the
/// DSL: round trips and server time.
async fn fifty_worries<S: Store>(store: S, org: &OrgId, backend: &str) {
    let store = CountingStore::new(store);
    let c = cast(&store, org).await;
    let mut record = None;
    for i in 0..50 {
        let w = submit(
            &store,
            org,
            Involves::Nobody,
            &format!("worry {i} about Zed"),
            &Sender::Anonymous,
            t0() + Duration::minutes(i),
        )
        .await;
        case::act(
            &store,
            org,
            &c.dsl,
            &w,
            &uuid::Uuid::new_v4().to_string(),
            1,
            CaseAction::Note(format!("note {i}")),
            t0(),
        )
        .await
        .unwrap();
        let to = match &record {
            None => new("Zed Example"),
            Some(id) => LinkTo::File(String::clone(id)),
        };
        record = Some(
            records::link(&store, org, &c.dsl, &w, to, t0())
                .await
                .unwrap()
                .record_id,
        );
    }
    let id = record.unwrap();
    let (reads, writes) = (store.reads(), store.writes());
    let started = std::time::Instant::now();
    let shown = records::open(&store, org, &c.dsl, &id, t0() + Duration::days(1))
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(shown.worries.len(), 50);
    // sent + note per worry, the record's "created" and its 50 "linked" entries
    assert_eq!(shown.chronology.len(), 151);
    let (r, w) = (store.reads() - reads, store.writes() - writes);
    println!(
        "FIGURE person record with 50 linked worries on {backend}: {r} reads, {w} writes, {took:?}"
    );
    assert!(r <= 54 && w <= 1, "{r} reads, {w} writes");
    let started = std::time::Instant::now();
    let reads = store.reads();
    let found = records::search(&store, org, &c.dsl, "zed", false)
        .await
        .unwrap();
    println!(
        "FIGURE search finding that record on {backend}: {} reads, {:?}",
        store.reads() - reads,
        started.elapsed()
    );
    assert_eq!(found.files[0].concerns, 50);
}
