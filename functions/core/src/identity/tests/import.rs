use super::*;
use crate::identity::import::*;
use crate::identity::people::{self, deactivate, set_roles};
use crate::store::counting::CountingStore;

fn counting() -> (
    tempfile::TempDir,
    CountingStore<crate::store::embedded::EmbeddedStore>,
) {
    let (d, inner) = store();
    (d, CountingStore::new(inner))
}

fn errors(p: &ImportPreview) -> Vec<(usize, String)> {
    p.rows
        .iter()
        .filter_map(|r| match r {
            RowPlan::Error { line, reason } => Some((*line, reason.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_preview_reports_each_bad_row_and_writes_nothing() {
    let (_d, store) = counting();
    let text = "\u{feff}Email,Name,Roles,Groups\r\n\
        ada@example.org,Ada Lovelace,learner,Sept 2026 intake\r\n\
        not-an-email,Bob,learner,\r\n\
        carol@example.org,Carol,teacher,\r\n\
        dan@example.org,,staff,\r\n\
        ADA@example.org,Ada Again,staff,\r\n\
        erin@example.org,Erin,,\r\n\
        \"fay@example.org\",\"Fay, \"\"the\"\" Deputy\",\"Deputy DSL; staff\",\"Site A;Site B;\"\r\n\
        gus@example.org,Gus,learner\r\n";
    let preview = preview(&store, &org_a(), text).await.unwrap();
    assert_eq!(store.writes(), 0, "a preview writes nothing");
    assert_eq!(
        errors(&preview),
        vec![
            (3, "bad email (it needs exactly one @)".to_string()),
            (4, "unknown role “teacher”: use learner, staff, parent, dsl, deputy_dsl, allegations_lead, chair, admin, governor".into()),
            (5, "missing name".into()),
            (6, "the same email is also on line 2".into()),
            (7, "no role given: use at least one, e.g. learner".into()),
            // An admin's import gives no safeguarding role: that is done on the person's page,
            // recorded, with the safeguarding leads told.
            (8, "safeguarding roles (DSL, deputy DSL, allegations lead, chair) are given or taken on the person's page, one at a time, where each change is recorded and the DSL, allegations lead and chair are told: the row was left out".into()),
            (9, "this row has 3 values but the header has 4; a value with a comma in it needs quotes around it".into()),
        ]
    );
    assert_eq!(
        preview.counts(),
        PreviewCounts {
            new: 1,
            update: 0,
            unchanged: 0,
            errors: 7
        }
    );
    // The platform's own seeding may (the demo's people); the quoted row reads back as written.
    let seeded = preview_seed(&store, &org_a(), text).await.unwrap();
    let fay = seeded.rows.iter().find_map(|r| match r {
        RowPlan::New { line: 8, person } => Some(person.clone()),
        _ => None,
    });
    let fay = fay.expect("quoted row is new");
    assert_eq!(fay.name, "Fay, \"the\" Deputy");
    assert_eq!(fay.roles, vec![Role::Staff, Role::DeputyDsl]);
    assert_eq!(fay.groups, vec!["Site A".to_string(), "Site B".into()]);
}

#[tokio::test]
async fn file_level_problems_are_refused_plainly() {
    let (_d, store) = store();
    for (text, expected) in [
        ("", ImportError::Empty),
        ("email,name,roles\n", ImportError::Empty),
        (
            "email,name\nx@example.org,X\n",
            ImportError::Header("The column “roles” is missing.".into()),
        ),
        (
            "email,name,roles,phone\n",
            ImportError::Header("The column “phone” is not one of them.".into()),
        ),
        (
            "email,name,roles,email\n",
            ImportError::Header("The column “email” appears twice.".into()),
        ),
    ] {
        let got = preview(&store, &org_a(), text).await.unwrap_err();
        assert_eq!(got, expected, "{text:?}");
        assert!(!got.user_message().is_empty());
    }
    assert_eq!(decode_upload(b"email,name\xff"), Err(ImportError::NotUtf8));
}

#[tokio::test]
async fn rows_over_the_limit_are_errors() {
    let (_d, store) = store();
    let mut text = String::from("email,name,roles\n");
    for i in 0..MAX_ROWS + 2 {
        text.push_str(&format!("p{i}@example.org,P {i},learner\n"));
    }
    let p = preview(&store, &org_a(), &text).await.unwrap();
    let c = p.counts();
    assert_eq!((c.new, c.errors), (MAX_ROWS, 2));
    assert_eq!(
        errors(&p)[0].0,
        MAX_ROWS + 2,
        "line of the first row over the limit"
    );
}

#[tokio::test]
async fn updates_say_what_changes_and_deactivated_people_are_left_alone() {
    let (_d, store) = store();
    let ada = ada(&store, &org_a()).await;
    let bob = invite(
        &store,
        &org_a(),
        &person_input("bob@example.org", "Bob", &[Role::Staff]),
        now(),
    )
    .await
    .unwrap();
    deactivate(&store, &org_a(), &bob.id).await.unwrap();
    let text = "email,name,roles,groups\n\
                ada@example.org,Ada King,learner;parent,Year 9\n\
                bob@example.org,Bob,staff,\n";
    let p = preview(&store, &org_a(), text).await.unwrap();
    match &p.rows[0] {
        RowPlan::Update {
            person_id, changes, ..
        } => {
            assert_eq!(person_id, &ada.id);
            let described: Vec<String> = changes.iter().map(|c| c.describe()).collect();
            assert_eq!(
                described,
                [
                    "name: Ada Lovelace → Ada King",
                    "roles: learner → learner, parent",
                    "groups: (none) → Year 9"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&p.rows[1], RowPlan::Error { line: 3, .. }));

    let result = apply(&store, &org_a(), &p, now(), |_, _| {}).await.unwrap();
    assert_eq!((result.created, result.updated, result.failed), (0, 1, 1));
    let after = people::get(&store, &org_a(), &ada.id).await.unwrap();
    assert_eq!(after.name, "Ada King");
    assert_eq!(after.groups, vec!["Year 9".to_string()]);
    // The list follows the new name.
    let (listed, _) = people::list(&store, &org_a(), None, 10).await.unwrap();
    assert_eq!(
        listed.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Ada King", "Bob"]
    );
}

#[tokio::test]
async fn rows_changed_since_the_preview_are_refused_not_overwritten() {
    let (_d, store) = store();
    let ada = ada(&store, &org_a()).await;
    let text = "email,name,roles\n\
                ada@example.org,Ada King,learner\n\
                new1@example.org,New One,learner\n\
                new2@example.org,New Two,learner\n";
    let p = preview(&store, &org_a(), text).await.unwrap();
    // Meanwhile another admin changes Ada and invites new2.
    set_roles(&store, &org_a(), &ada.id, &[Role::Staff], ada.version)
        .await
        .unwrap();
    invite(
        &store,
        &org_a(),
        &person_input("new2@example.org", "Two", &[Role::Parent]),
        now(),
    )
    .await
    .unwrap();
    let result = apply(&store, &org_a(), &p, now(), |_, _| {}).await.unwrap();
    assert_eq!((result.created, result.updated, result.failed), (1, 0, 2));
    assert_eq!(
        result.failures,
        vec![
            RowFailure {
                line: 2,
                reason: "this person was changed since the preview: preview the file again".into()
            },
            RowFailure {
                line: 4,
                reason: "someone with this email was added since the preview".into()
            },
        ]
    );
    let now_ada = people::get(&store, &org_a(), &ada.id).await.unwrap();
    assert_eq!(
        (now_ada.name.as_str(), now_ada.roles.as_slice()),
        ("Ada Lovelace", &[Role::Staff][..])
    );
    // Applying the same preview twice adds nobody twice.
    let twice = apply(&store, &org_a(), &p, now(), |_, _| {}).await.unwrap();
    assert_eq!(twice.created, 0);
    let (all, _) = people::list(&store, &org_a(), None, 100).await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn a_preview_applies_only_to_its_own_organisation() {
    let (_d, store) = store();
    let p = preview(
        &store,
        &org_a(),
        "email,name,roles\nx@example.org,X,learner\n",
    )
    .await
    .unwrap();
    assert_eq!(
        apply(&store, &org_b(), &p, now(), |_, _| {}).await,
        Err(ImportError::WrongOrganisation)
    );
    let (listed, _) = people::list(&store, &org_b(), None, 10).await.unwrap();
    assert!(listed.is_empty());
}
