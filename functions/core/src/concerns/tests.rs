use super::*;
use crate::identity::people::{self, NewPerson};
use crate::store::embedded::EmbeddedStore;

fn now() -> DateTime<Utc> {
    "2026-12-06T10:00:00Z".parse().unwrap()
}

fn org() -> OrgId {
    OrgId::parse("demo").unwrap()
}

fn store() -> (tempfile::TempDir, EmbeddedStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
    (dir, store)
}

async fn add(store: &EmbeddedStore, org: &OrgId, name: &str, roles: &[Role]) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
            name: name.into(),
            roles: roles.to_vec(),
            groups: vec![],
        },
        now(),
    )
    .await
    .unwrap()
}

fn about(who: &str) -> LowLevelInput {
    LowLevelInput {
        form_id: uuid::Uuid::new_v4().to_string(),
        about: who.into(),
        about_other: String::new(),
        what: "Shouted at a pupil in the corridor, then apologised.".into(),
        date: "2026-12-01".into(),
        when_unsure: None,
        threshold: Some("no".into()),
    }
}

/// The names in a reader's log, with their counts.
async fn seen_by(
    store: &EmbeddedStore,
    to: LowLevelConcernsTo,
    reader: &Person,
) -> Result<Vec<(String, usize)>, ConcernError> {
    Ok(log(store, &org(), to, reader, now())
        .await?
        .people
        .into_iter()
        .map(|p| (p.about_name, p.count))
        .collect())
}

/// A small school: Dana is the DSL, the head (allegations lead) and the admin; Chris chairs the
/// governors; Sam and Pat teach.
struct Small {
    dana: Person,
    chair: Person,
    sam: Person,
    pat: Person,
}

async fn small(store: &EmbeddedStore) -> Small {
    let o = org();
    Small {
        dana: add(
            store,
            &o,
            "Dana Head",
            &[Role::Staff, Role::Dsl, Role::AllegationsLead, Role::Admin],
        )
        .await,
        chair: add(store, &o, "Chris Chair", &[Role::Chair]).await,
        sam: add(store, &o, "Sam Teacher", &[Role::Staff]).await,
        pat: add(store, &o, "Pat Teacher", &[Role::Staff]).await,
    }
}

#[tokio::test]
async fn a_concern_about_the_dsl_who_is_also_the_head_never_reaches_them_but_the_chair() {
    let (_d, store) = store();
    let s = small(&store).await;
    for to in [LowLevelConcernsTo::Head, LowLevelConcernsTo::Dsl] {
        let r = record(&store, &org(), to, &s.sam, &about(&s.dana.id), now())
            .await
            .unwrap();
        assert!(matches!(
            r,
            Recorded::Stored {
                reached_nobody: false,
                ..
            }
        ));
    }
    for to in [LowLevelConcernsTo::Head, LowLevelConcernsTo::Dsl] {
        // Dana holds the reading role, yet sees neither concern, nor any count of them.
        let dana = seen_by(&store, to, &s.dana).await.unwrap();
        assert!(dana.is_empty(), "{dana:?}");
        let chair = seen_by(&store, to, &s.chair).await.unwrap();
        assert_eq!(chair, [("Dana Head".to_string(), 2)]);
    }
    // A concern about Pat reaches Dana (the head), and the chair does not read it.
    record(
        &store,
        &org(),
        LowLevelConcernsTo::Head,
        &s.sam,
        &about(&s.pat.id),
        now(),
    )
    .await
    .unwrap();
    let dana = seen_by(&store, LowLevelConcernsTo::Head, &s.dana)
        .await
        .unwrap();
    assert_eq!(dana, [("Pat Teacher".to_string(), 1)]);
    let chair = seen_by(&store, LowLevelConcernsTo::Head, &s.chair)
        .await
        .unwrap();
    assert_eq!(chair, [("Dana Head".to_string(), 2)]);
    // Staff do not open the log at all.
    assert_eq!(
        seen_by(&store, LowLevelConcernsTo::Head, &s.sam).await,
        Err(ConcernError::NotAllowed)
    );
}

#[tokio::test]
async fn the_profile_setting_decides_whether_the_dsl_reads_and_never_about_the_dsl() {
    let (_d, store) = store();
    let o = org();
    let dsl = add(&store, &o, "Priya Dsl", &[Role::Staff, Role::Dsl]).await;
    let deputy = add(&store, &o, "Dan Deputy", &[Role::Staff, Role::DeputyDsl]).await;
    let head = add(
        &store,
        &o,
        "Martin Head",
        &[Role::Staff, Role::AllegationsLead],
    )
    .await;
    let chair = add(&store, &o, "Ruth Chair", &[Role::Chair]).await;
    let sam = add(&store, &o, "Sam Teacher", &[Role::Staff]).await;
    for to in [LowLevelConcernsTo::Head, LowLevelConcernsTo::Dsl] {
        record(&store, &o, to, &sam, &about("other"), now())
            .await
            .unwrap_err();
    }
    let mut other = about("other");
    other.about_other = "Visiting coach".into();
    record(&store, &o, LowLevelConcernsTo::Head, &sam, &other, now())
        .await
        .unwrap();
    let mut other = about("other");
    other.about_other = "Visiting Coach".into();
    record(&store, &o, LowLevelConcernsTo::Dsl, &sam, &other, now())
        .await
        .unwrap();
    record(
        &store,
        &o,
        LowLevelConcernsTo::Dsl,
        &sam,
        &about(&dsl.id),
        now(),
    )
    .await
    .unwrap();
    let to = LowLevelConcernsTo::Dsl;
    // The head reads both about the coach (one person, whatever the capitals) and the one about
    // the DSL; the DSL reads only the one recorded while the profile shared them with the DSL.
    let head_sees: Vec<(String, usize)> = seen_by(&store, to, &head)
        .await
        .unwrap()
        .into_iter()
        .map(|(name, n)| (name.to_lowercase(), n))
        .collect();
    assert_eq!(
        head_sees,
        [
            ("visiting coach".to_string(), 2),
            ("priya dsl".to_string(), 1)
        ]
    );
    assert_eq!(
        seen_by(&store, to, &dsl).await.unwrap(),
        [("Visiting Coach".to_string(), 1)]
    );
    // With the profile saying "the head", the DSL does not open the log; deputies never do.
    assert_eq!(
        seen_by(&store, LowLevelConcernsTo::Head, &dsl).await,
        Err(ConcernError::NotAllowed)
    );
    assert_eq!(
        seen_by(&store, to, &deputy).await,
        Err(ConcernError::NotAllowed)
    );
    // The chair opens the log but reads nothing the head can read.
    assert!(seen_by(&store, to, &chair).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_self_report_is_kept_and_its_recorder_sees_their_own_only() {
    let (_d, store) = store();
    let s = small(&store).await;
    let to = LowLevelConcernsTo::Head;
    record(&store, &org(), to, &s.sam, &about("self"), now())
        .await
        .unwrap();
    record(&store, &org(), to, &s.pat, &about(&s.sam.id), now())
        .await
        .unwrap();
    let sam_own = own(&store, &org(), &s.sam).await.unwrap();
    assert_eq!(sam_own.len(), 1);
    assert!(sam_own[0].self_report);
    assert_eq!(sam_own[0].about_name, "Sam Teacher");
    let pat_own = own(&store, &org(), &s.pat).await.unwrap();
    assert_eq!(pat_own.len(), 1);
    assert!(!pat_own[0].self_report);
    let l = log(&store, &org(), to, &s.dana, now()).await.unwrap();
    assert_eq!(l.people.len(), 1);
    assert_eq!(l.people[0].count, 2);
    assert_eq!(l.people[0].self_reports, 1);
    // The read was audited, and the audit is shown to the reader.
    assert!(
        l.audit[0].what.contains("2 concerns about 1 person"),
        "{:?}",
        l.audit
    );
    assert_eq!(l.audit[0].by_name, "Dana Head");
    // The head's own self-report: never in the head's log, the chair reads it.
    record(&store, &org(), to, &s.dana, &about("self"), now())
        .await
        .unwrap();
    assert_eq!(
        seen_by(&store, to, &s.dana).await.unwrap(),
        [("Sam Teacher".to_string(), 2)]
    );
    assert_eq!(
        seen_by(&store, to, &s.chair).await.unwrap(),
        [("Dana Head".to_string(), 1)]
    );
}

#[tokio::test]
async fn above_the_threshold_nothing_is_kept_and_a_resent_form_is_kept_once() {
    let (_d, store) = store();
    let s = small(&store).await;
    let to = LowLevelConcernsTo::Head;
    let mut above = about(&s.pat.id);
    above.threshold = Some("yes".into());
    assert_eq!(
        record(&store, &org(), to, &s.sam, &above, now()).await,
        Ok(Recorded::AboveThreshold)
    );
    let once = about(&s.pat.id);
    assert!(matches!(
        record(&store, &org(), to, &s.sam, &once, now()).await,
        Ok(Recorded::Stored { .. })
    ));
    assert!(matches!(
        record(&store, &org(), to, &s.sam, &once, now()).await,
        Ok(Recorded::Repeated { .. })
    ));
    assert_eq!(
        seen_by(&store, to, &s.dana).await.unwrap(),
        [("Pat Teacher".to_string(), 1)]
    );
    // Every missing answer is named, and nothing is stored.
    let blank = LowLevelInput::default();
    let Err(ConcernError::Invalid(errors)) =
        record(&store, &org(), to, &s.sam, &blank, now()).await
    else {
        panic!("a blank form was accepted");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["about", "what", "date", "threshold", "form"]);
    assert_eq!(seen_by(&store, to, &s.dana).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_deactivated_reader_reads_nothing_and_learners_record_nothing() {
    let (_d, store) = store();
    let s = small(&store).await;
    let to = LowLevelConcernsTo::Head;
    record(&store, &org(), to, &s.sam, &about(&s.pat.id), now())
        .await
        .unwrap();
    let gone = people::deactivate(&store, &org(), &s.dana.id)
        .await
        .unwrap();
    assert_eq!(
        seen_by(&store, to, &gone).await,
        Err(ConcernError::NotAllowed)
    );
    let learner = add(&store, &org(), "Alex Learner", &[Role::Learner]).await;
    assert_eq!(
        record(&store, &org(), to, &learner, &about(&s.pat.id), now()).await,
        Err(ConcernError::NotAllowed)
    );
    // With the head gone, a new concern has no reader but the chair.
    record(&store, &org(), to, &s.sam, &about(&s.pat.id), now())
        .await
        .unwrap();
    assert_eq!(
        seen_by(&store, to, &s.chair).await.unwrap(),
        [("Pat Teacher".to_string(), 1)]
    );
}

#[tokio::test]
async fn two_organisations_side_by_side_never_see_each_others_concerns() {
    let (_d, store) = store();
    let s = small(&store).await;
    let b = OrgId::parse("orgb").unwrap();
    let head_b = add(
        &store,
        &b,
        "Bea Head",
        &[Role::Staff, Role::AllegationsLead],
    )
    .await;
    let staff_b = add(&store, &b, "Ben Teacher", &[Role::Staff]).await;
    let to = LowLevelConcernsTo::Head;
    record(&store, &org(), to, &s.sam, &about(&s.pat.id), now())
        .await
        .unwrap();
    // Someone of org A cannot be named from org B by id.
    let Err(ConcernError::Invalid(errors)) =
        record(&store, &b, to, &staff_b, &about(&s.pat.id), now()).await
    else {
        panic!("another organisation's person was accepted");
    };
    assert_eq!(errors[0].field, "about");
    let l = log(&store, &b, to, &head_b, now()).await.unwrap();
    assert!(l.people.is_empty());
    // A reader of org A asking for org B's log is refused.
    assert_eq!(
        log(&store, &b, to, &s.dana, now()).await,
        Err(ConcernError::NotAllowed)
    );
}
