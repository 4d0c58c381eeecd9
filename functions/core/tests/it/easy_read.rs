//! Who decides what a person reads (easy read or the standard pages), on the embedded store:
//! a group set to easy read is the default, the person's own choice or a DSL's assignment stands
//! over it (the most recent of those two wins), and only a DSL, deputy or admin assigns.

use chrono::{Duration, TimeZone, Utc};
use safety_core::identity::{NewPerson, Person, people};
use safety_core::learning::easy_read::{self, Because, EasyReadError};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;

async fn invite(
    store: &EmbeddedStore,
    org: &OrgId,
    name: &str,
    roles: Vec<Role>,
    groups: Vec<String>,
) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: format!("{}@example.org", uuid::Uuid::new_v4()),
            name: name.into(),
            roles,
            groups,
        },
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_group_default_the_learners_choice_and_a_dsl_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let org = OrgId::parse("demo").unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap();
    let lee = invite(
        &store,
        &org,
        "Lee Learner",
        vec![Role::Learner],
        vec!["Entry 1".into()],
    )
    .await;
    let ann = invite(&store, &org, "Ann Other", vec![Role::Learner], vec![]).await;
    let dana = invite(&store, &org, "Dana DSL", vec![Role::Dsl], vec![]).await;
    let sam = invite(&store, &org, "Sam Staff", vec![Role::Staff], vec![]).await;

    // Nobody chose: the standard pages.
    let r = easy_read::reading_of(&store, &lee).await.unwrap();
    assert_eq!((r.easy_read, r.because), (false, Because::Default));

    // Refused, writing nothing: a learner or a member of staff assigning, a group for them too.
    for who in [&ann, &sam] {
        assert_eq!(
            easy_read::assign(&store, who, &lee.id, true, now).await,
            Err(EasyReadError::NotAllowed)
        );
        assert_eq!(
            easy_read::assign_group(&store, who, "Entry 1", true).await,
            Err(EasyReadError::NotAllowed)
        );
    }
    assert!(!easy_read::reading_of(&store, &lee).await.unwrap().easy_read);
    assert_eq!(
        easy_read::assign(
            &store,
            &dana,
            "0190f3a0-0000-7000-8000-00000000beef",
            true,
            now
        )
        .await,
        Err(EasyReadError::NotFound)
    );

    // The DSL sets the group: its people read easy read; others do not.
    assert_eq!(
        easy_read::assign_group(&store, &dana, " Entry 1 ", true)
            .await
            .unwrap(),
        vec!["Entry 1".to_string()]
    );
    let r = easy_read::reading_of(&store, &lee).await.unwrap();
    assert_eq!(
        (r.easy_read, r.because),
        (true, Because::Group("Entry 1".into()))
    );
    assert!(!easy_read::reading_of(&store, &ann).await.unwrap().easy_read);

    // The learner may still switch back; their choice stands over the group.
    easy_read::choose(&store, &lee, false, now).await.unwrap();
    let r = easy_read::reading_of(&store, &lee).await.unwrap();
    assert_eq!((r.easy_read, r.because), (false, Because::Chosen));

    // A later assignment by the DSL stands over that choice, and says who set it.
    easy_read::assign(&store, &dana, &lee.id, true, now + Duration::minutes(1))
        .await
        .unwrap();
    let r = easy_read::reading_of(&store, &lee).await.unwrap();
    assert_eq!(
        (r.easy_read, r.because),
        (
            true,
            Because::Assigned {
                by: "Dana DSL".into()
            }
        )
    );

    // The group taken off: Ann (no level of her own) is unaffected; Lee keeps the assignment.
    assert!(
        easy_read::assign_group(&store, &dana, "Entry 1", false)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(easy_read::reading_of(&store, &lee).await.unwrap().easy_read);
}
