use super::*;
use crate::identity::people::*;
use crate::keys;
use crate::store::Store;

#[tokio::test]
async fn invite_normalises_and_reads_back() {
    let (_d, store) = store();
    let mut new = person_input(
        "  Ada@Example.ORG ",
        "  Ada \n Lovelace ",
        &[Role::Staff, Role::Dsl, Role::Staff],
    );
    new.groups = vec![
        "Site B".into(),
        " ".into(),
        "Site A".into(),
        "Site B".into(),
    ];
    let p = invite(&store, &org_a(), &new, now()).await.unwrap();
    assert_eq!(p.email, "ada@example.org");
    assert_eq!(p.name, "Ada Lovelace");
    assert_eq!(p.roles, vec![Role::Staff, Role::Dsl]);
    assert_eq!(p.groups, vec!["Site A".to_string(), "Site B".into()]);
    assert!(p.active);
    assert_eq!((p.session_epoch, p.version), (0, 1));
    assert_eq!(uuid::Uuid::parse_str(&p.id).unwrap().get_version_num(), 7);

    assert_eq!(get(&store, &org_a(), &p.id).await.unwrap(), p);
    assert_eq!(
        find_by_email(&store, &org_a(), "ADA@example.org ")
            .await
            .unwrap(),
        Some(p.clone())
    );
    assert_eq!(
        find_by_email(&store, &org_a(), "bob@example.org")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        find_by_email(&store, &org_a(), "not an email")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn an_email_is_unique_within_an_organisation_only() {
    let (_d, store) = store();
    ada(&store, &org_a()).await;
    let again = invite(
        &store,
        &org_a(),
        &person_input("ada@example.org", "Someone Else", &[Role::Parent]),
        now(),
    )
    .await;
    assert_eq!(again, Err(PeopleError::DuplicateEmail));
    let (all, _) = list(&store, &org_a(), None, 100).await.unwrap();
    assert_eq!(all.len(), 1, "nothing of the refused invite was written");
    // The same email in another organisation is another person.
    ada(&store, &org_b()).await;
}

#[tokio::test]
async fn bad_details_are_refused_with_plain_messages() {
    let (_d, store) = store();
    let cases: Vec<(NewPerson, PeopleError)> = vec![
        (
            person_input("no-at.example.org", "A", &[Role::Learner]),
            PeopleError::InvalidEmail("it needs exactly one @"),
        ),
        (
            person_input("a@b@example.org", "A", &[Role::Learner]),
            PeopleError::InvalidEmail("it needs exactly one @"),
        ),
        (
            person_input("a b@example.org", "A", &[Role::Learner]),
            PeopleError::InvalidEmail("it has a space in it"),
        ),
        (
            person_input(
                &format!("{}@example.org", "a".repeat(250)),
                "A",
                &[Role::Learner],
            ),
            PeopleError::InvalidEmail("it is over 254 characters"),
        ),
        (
            person_input("a@localhost", "A", &[Role::Learner]),
            PeopleError::InvalidEmail("the part after the @ is not a domain"),
        ),
        (
            person_input("a@example.org", "  ", &[Role::Learner]),
            PeopleError::InvalidName("it is missing"),
        ),
        (
            person_input("a@example.org", &"n".repeat(101), &[Role::Learner]),
            PeopleError::InvalidName("it is over 100 characters"),
        ),
        (
            person_input("a@example.org", "A", &[]),
            PeopleError::NoRoles,
        ),
    ];
    for (new, expected) in cases {
        let got = invite(&store, &org_a(), &new, now()).await.unwrap_err();
        assert_eq!(got, expected, "{new:?}");
        assert!(!got.user_message().is_empty());
    }
    let mut long_group = person_input("a@example.org", "A", &[Role::Learner]);
    long_group.groups = vec!["g".repeat(61)];
    assert!(matches!(
        invite(&store, &org_a(), &long_group, now()).await,
        Err(PeopleError::InvalidGroup(_))
    ));
    long_group.groups = vec!["Site A; Site B".into()];
    assert!(matches!(
        invite(&store, &org_a(), &long_group, now()).await,
        Err(PeopleError::InvalidGroup(_))
    ));
    let (all, _) = list(&store, &org_a(), None, 100).await.unwrap();
    assert!(all.is_empty());
}

#[tokio::test]
async fn people_are_listed_by_name_in_pages() {
    let (_d, store) = store();
    for (i, name) in ["Zoe", "ada", "Bob", "Carol", "dan"].iter().enumerate() {
        invite(
            &store,
            &org_a(),
            &person_input(&format!("p{i}@example.org"), name, &[Role::Learner]),
            now(),
        )
        .await
        .unwrap();
    }
    ada(&store, &org_b()).await;
    let mut names = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let (page, next) = list(&store, &org_a(), cursor, 2).await.unwrap();
        names.extend(page.into_iter().map(|p| p.name));
        pages += 1;
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(names, ["ada", "Bob", "Carol", "dan", "Zoe"]);
    assert!(pages >= 3);
    // A cursor of organisation A's list is refused on B's list.
    let (_, next) = list(&store, &org_a(), None, 2).await.unwrap();
    assert_eq!(
        list(&store, &org_b(), next, 2).await.unwrap_err(),
        PeopleError::InvalidCursor
    );
}

#[tokio::test]
async fn roles_change_with_optimistic_locking() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let changed = set_roles(
        &store,
        &org_a(),
        &p.id,
        &[Role::Staff, Role::Dsl],
        p.version,
    )
    .await
    .unwrap();
    assert_eq!(changed.roles, vec![Role::Staff, Role::Dsl]);
    assert_eq!(changed.version, p.version + 1);
    // A second admin working from the old version is told, and changes nothing.
    assert_eq!(
        set_roles(&store, &org_a(), &p.id, &[Role::Admin], p.version).await,
        Err(PeopleError::VersionConflict)
    );
    assert_eq!(
        set_roles(&store, &org_a(), &p.id, &[], changed.version).await,
        Err(PeopleError::NoRoles)
    );
    assert_eq!(get(&store, &org_a(), &p.id).await.unwrap(), changed);
}

#[tokio::test]
async fn groups_change_with_the_roles_and_bad_groups_change_nothing() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let groups = vec![
        "Site B".to_string(),
        " Sept 2026 intake ".into(),
        "Site B".into(),
    ];
    let changed = set_roles_and_groups(&store, &org_a(), &p.id, &p.roles, Some(&groups), p.version)
        .await
        .unwrap();
    assert_eq!(changed.groups, vec!["Sept 2026 intake", "Site B"]);
    let bad = vec!["A; B".to_string()];
    assert!(matches!(
        set_roles_and_groups(
            &store,
            &org_a(),
            &p.id,
            &p.roles,
            Some(&bad),
            changed.version
        )
        .await,
        Err(PeopleError::InvalidGroup(_))
    ));
    assert_eq!(get(&store, &org_a(), &p.id).await.unwrap(), changed);
    // Another organisation cannot change them, even with the id and version.
    assert_eq!(
        set_roles_and_groups(
            &store,
            &org_b(),
            &p.id,
            &p.roles,
            Some(&groups),
            changed.version
        )
        .await,
        Err(PeopleError::NotFound)
    );
}

#[tokio::test]
async fn deactivation_keeps_the_record_and_moves_the_session_epoch() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let off = deactivate(&store, &org_a(), &p.id).await.unwrap();
    assert!(!off.active);
    assert_eq!(off.session_epoch, p.session_epoch + 1);
    assert_eq!(off.email, p.email);
    assert_eq!(get(&store, &org_a(), &p.id).await.unwrap(), off);
    // The email stays taken: the record is the same person.
    assert_eq!(
        invite(
            &store,
            &org_a(),
            &person_input("ada@example.org", "Ada", &[Role::Learner]),
            now()
        )
        .await,
        Err(PeopleError::DuplicateEmail)
    );
}

#[tokio::test]
async fn reactivation_lets_them_back_without_reviving_old_sessions() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let off = deactivate(&store, &org_a(), &p.id).await.unwrap();
    let on = reactivate(&store, &org_a(), &p.id).await.unwrap();
    assert!(on.active);
    assert_eq!(on.version, off.version + 1);
    // The epoch stays moved on: a session from before the deactivation stays refused.
    assert_eq!(on.session_epoch, off.session_epoch);
    assert_eq!((on.email.as_str(), &on.roles), (p.email.as_str(), &p.roles));
    assert_eq!(get(&store, &org_a(), &p.id).await.unwrap(), on);
    // Reactivating someone active writes nothing.
    assert_eq!(reactivate(&store, &org_a(), &p.id).await.unwrap(), on);
    assert_eq!(
        get(&store, &org_a(), &p.id).await.unwrap().version,
        on.version
    );
    // Another organisation cannot reactivate them, even with the id.
    let off = deactivate(&store, &org_a(), &p.id).await.unwrap();
    assert_eq!(
        reactivate(&store, &org_b(), &p.id).await,
        Err(PeopleError::NotFound)
    );
    assert_eq!(
        store.get(&keys::person(&org_b(), &p.id)).await.unwrap(),
        None
    );
    assert_eq!(get(&store, &org_a(), &p.id).await.unwrap(), off);
    for bad in ["", "x", "../x", &format!("{}#x", p.id)] {
        assert_eq!(
            reactivate(&store, &org_a(), bad).await,
            Err(PeopleError::NotFound),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn another_organisation_cannot_read_or_change_a_person_even_with_the_id() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let b = org_b();
    assert_eq!(get(&store, &b, &p.id).await, Err(PeopleError::NotFound));
    assert_eq!(find_by_email(&store, &b, &p.email).await, Ok(None));
    assert_eq!(
        set_roles(&store, &b, &p.id, &[Role::Admin], p.version).await,
        Err(PeopleError::NotFound)
    );
    assert_eq!(
        deactivate(&store, &b, &p.id).await,
        Err(PeopleError::NotFound)
    );
    let (listed, _) = list(&store, &b, None, 100).await.unwrap();
    assert!(listed.is_empty());
    // Nothing was created under B by the attempts, and A's person is untouched.
    assert_eq!(store.get(&keys::person(&b, &p.id)).await.unwrap(), None);
    assert_eq!(get(&store, &org_a(), &p.id).await.unwrap(), p);
    // Ids that are not canonical UUIDs never reach a key.
    for bad in [
        "",
        "x",
        "../x",
        &format!("{}#x", p.id),
        &p.id.to_uppercase(),
    ] {
        assert_eq!(
            get(&store, &org_a(), bad).await,
            Err(PeopleError::NotFound),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn ending_sessions_bumps_the_epoch_and_keeps_the_person_active() {
    let (_dir, store) = store();
    let p = invite(
        &store,
        &org_a(),
        &person_input("end@example.org", "End Sessions", &[Role::Staff]),
        now(),
    )
    .await
    .unwrap();
    let after = end_sessions(&store, &org_a(), &p.id).await.unwrap();
    assert_eq!(after.session_epoch, p.session_epoch + 1);
    assert!(after.active);
    assert_eq!(
        end_sessions(&store, &org_b(), &p.id).await.unwrap_err(),
        PeopleError::NotFound
    );
}
