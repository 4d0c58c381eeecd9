//! Parents linked to their children and co-signing a child's learner AUP, through the core's
//! public interface on the embedded store: only an admin links, only a linked parent co-signs,
//! only for their own child under 16, never across organisations; the co-signature shows in
//! the compliance record and the signatures export.

use crate::support;

use chrono::{Duration, NaiveDate};
use safety_core::compliance::person_record;
use safety_core::export::signatures_csv;
use safety_core::identity::family::{self, FamilyError};
use safety_core::identity::{NewPerson, Person, people};
use safety_core::learning::cosign::{self, CoSign, CoSignError};
use safety_core::learning::{AupDocument, Setting, SignAup, sign_aup};
use safety_core::org::{OrgId, OrgProfile};
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use support::{library, profile_of, t0};

const AUP: &str = "learner-aup";

async fn person(store: &EmbeddedStore, org: &OrgId, name: &str, roles: &[Role]) -> Person {
    let email = format!(
        "{}@{}.example.org",
        name.to_lowercase().replace(' ', "."),
        org.as_str()
    );
    people::invite(
        store,
        org,
        &NewPerson {
            email,
            name: name.into(),
            roles: roles.to_vec(),
            groups: vec![],
        },
        t0(),
    )
    .await
    .unwrap()
}

struct Org {
    profile: OrgProfile,
    admin: Person,
    parent: Person,
    child: Person,
}

async fn org(store: &EmbeddedStore, id: &str) -> Org {
    let profile = profile_of(id);
    let o = profile.id.clone();
    Org {
        admin: person(store, &o, "Ada Admin", &[Role::Admin]).await,
        parent: person(store, &o, "Pat Parent", &[Role::Parent]).await,
        child: person(store, &o, "Kit Child", &[Role::Learner]).await,
        profile,
    }
}

async fn child_signs(store: &EmbeddedStore, setting: &Setting<'_>, child: &Person) -> String {
    let doc = AupDocument::for_person(setting, child, AUP).unwrap();
    let signed = sign_aup(
        store,
        setting,
        child,
        &SignAup {
            aup_id: AUP.into(),
            version: doc.version,
            sha256: doc.sha256,
            typed_name: child.name.clone(),
            declaration: true,
        },
        t0(),
    )
    .await
    .unwrap();
    signed.signature.signature_id
}

fn form(child: &Person, signature_id: &str, name: &str) -> CoSign {
    CoSign {
        child_id: child.id.clone(),
        aup_id: AUP.into(),
        signature_id: signature_id.into(),
        typed_name: name.into(),
        declaration: true,
    }
}

#[tokio::test]
async fn only_a_linked_parent_cosigns_for_their_own_child_under_16_and_compliance_shows_both() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let a = org(&store, "family-a").await;
    let b = org(&store, "family-b").await;
    let org_a = a.profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &a.profile,
    };
    let other_parent = person(&store, &org_a, "Olly Otherparent", &[Role::Parent]).await;
    let other_child = person(&store, &org_a, "Ona Otherchild", &[Role::Learner]).await;

    // Only an admin links: a learner linking themselves, a parent linking, both refused.
    for actor in [&a.child, &a.parent] {
        assert_eq!(
            family::link(&store, &org_a, actor, &a.parent.id, &a.child.id, t0()).await,
            Err(FamilyError::NotAllowed)
        );
        assert_eq!(
            family::set_birth_date(
                &store,
                &org_a,
                actor,
                &a.child.id,
                Some(t0().date_naive()),
                t0()
            )
            .await,
            Err(FamilyError::NotAllowed)
        );
    }
    // A learner is not a parent; a parent is not a child; nobody is their own parent.
    assert_eq!(
        family::link(&store, &org_a, &a.admin, &a.child.id, &other_child.id, t0()).await,
        Err(FamilyError::NotAParent)
    );
    assert_eq!(
        family::link(
            &store,
            &org_a,
            &a.admin,
            &a.parent.id,
            &other_parent.id,
            t0()
        )
        .await,
        Err(FamilyError::NotALearner)
    );
    // Never across organisations: org B's admin cannot link org A's people, nor A's admin a
    // child of B (not found through A's keys).
    assert!(matches!(
        family::link(
            &store,
            &b.profile.id,
            &b.admin,
            &a.parent.id,
            &a.child.id,
            t0()
        )
        .await,
        Err(FamilyError::People(_))
    ));
    assert!(matches!(
        family::link(&store, &org_a, &a.admin, &a.parent.id, &b.child.id, t0()).await,
        Err(FamilyError::People(_))
    ));
    assert_eq!(
        family::link(&store, &org_a, &b.admin, &a.parent.id, &a.child.id, t0()).await,
        Err(FamilyError::NotAllowed),
        "an admin of another organisation"
    );

    // The admin links Pat to Kit (twice: harmless) and Olly to Ona.
    family::link(&store, &org_a, &a.admin, &a.parent.id, &a.child.id, t0())
        .await
        .unwrap();
    family::link(&store, &org_a, &a.admin, &a.parent.id, &a.child.id, t0())
        .await
        .unwrap();
    family::link(
        &store,
        &org_a,
        &a.admin,
        &other_parent.id,
        &other_child.id,
        t0(),
    )
    .await
    .unwrap();
    let f = family::family_of(&store, &org_a, &a.child.id)
        .await
        .unwrap();
    assert_eq!(
        f.parents.iter().map(|p| &p.id).collect::<Vec<_>>(),
        [&a.parent.id]
    );
    assert!(
        family::family_of(&store, &b.profile.id, &b.child.id)
            .await
            .unwrap()
            .parents
            .is_empty()
    );

    let sig = child_signs(&store, &setting, &a.child).await;
    let other_sig = child_signs(&store, &setting, &other_child).await;

    // No date of birth yet: co-signing is not offered and refused.
    let kids = cosign::my_children(&store, &setting, &a.parent, t0())
        .await
        .unwrap();
    assert_eq!(kids.len(), 1);
    assert_eq!(kids[0].under_16, None);
    assert!(!kids[0].aups[0].can_cosign);
    assert_eq!(
        cosign::cosign_aup(
            &store,
            &setting,
            &a.parent,
            &form(&a.child, &sig, "Pat Parent"),
            t0()
        )
        .await,
        Err(CoSignError::NoBirthDate)
    );
    // 16 today: signs alone.
    let sixteen_today = NaiveDate::from_ymd_opt(2010, 11, 23).unwrap();
    family::set_birth_date(
        &store,
        &org_a,
        &a.admin,
        &a.child.id,
        Some(sixteen_today),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(
        cosign::cosign_aup(
            &store,
            &setting,
            &a.parent,
            &form(&a.child, &sig, "Pat Parent"),
            t0()
        )
        .await,
        Err(CoSignError::NotUnder16)
    );
    let thirteen = NaiveDate::from_ymd_opt(2013, 9, 1).unwrap();
    family::set_birth_date(&store, &org_a, &a.admin, &a.child.id, Some(thirteen), t0())
        .await
        .unwrap();
    family::set_birth_date(
        &store,
        &org_a,
        &a.admin,
        &other_child.id,
        Some(thirteen),
        t0(),
    )
    .await
    .unwrap();

    // A parent co-signing another family's child: refused. An unlinked parent: refused. A
    // parent of another organisation: refused. A learner: refused.
    assert_eq!(
        cosign::cosign_aup(
            &store,
            &setting,
            &a.parent,
            &form(&other_child, &other_sig, "Pat Parent"),
            t0()
        )
        .await,
        Err(CoSignError::NotLinked)
    );
    let unlinked = person(&store, &org_a, "Una Unlinked", &[Role::Parent]).await;
    assert_eq!(
        cosign::cosign_aup(
            &store,
            &setting,
            &unlinked,
            &form(&a.child, &sig, "Una Unlinked"),
            t0()
        )
        .await,
        Err(CoSignError::NotLinked)
    );
    let setting_b = Setting {
        library: library(),
        profile: &b.profile,
    };
    assert!(
        cosign::cosign_aup(
            &store,
            &setting_b,
            &b.parent,
            &form(&a.child, &sig, "Pat Parent"),
            t0()
        )
        .await
        .is_err()
    );
    assert_eq!(
        cosign::cosign_aup(
            &store,
            &setting,
            &a.child,
            &form(&a.child, &sig, "Kit Child"),
            t0()
        )
        .await,
        Err(CoSignError::NotAParent)
    );
    // The wrong name, an old signature id: refused.
    assert!(
        cosign::cosign_aup(
            &store,
            &setting,
            &a.parent,
            &form(&a.child, &sig, "Kit Child"),
            t0()
        )
        .await
        .is_err()
    );
    assert_eq!(
        cosign::cosign_aup(
            &store,
            &setting,
            &a.parent,
            &form(&a.child, "not-it", "Pat Parent"),
            t0()
        )
        .await,
        Err(CoSignError::ChildNotSigned)
    );
    let kids = cosign::my_children(&store, &setting, &a.parent, t0())
        .await
        .unwrap();
    assert!(kids[0].aups[0].can_cosign && kids[0].aups[0].cosignature.is_none());

    // The linked parent co-signs; again: the same co-signature, nothing written.
    let later = t0() + Duration::minutes(5);
    let done = cosign::cosign_aup(
        &store,
        &setting,
        &a.parent,
        &form(&a.child, &sig, "pat parent"),
        later,
    )
    .await
    .unwrap();
    assert!(!done.repeat);
    assert_eq!(done.cosignature.parent_id, a.parent.id);
    let again = cosign::cosign_aup(
        &store,
        &setting,
        &a.parent,
        &form(&a.child, &sig, "Pat Parent"),
        later,
    )
    .await
    .unwrap();
    assert!(again.repeat);
    let kids = cosign::my_children(&store, &setting, &a.parent, later)
        .await
        .unwrap();
    assert!(kids[0].aups[0].cosignature.is_some() && !kids[0].aups[0].can_cosign);

    // Compliance: the child's record has the signature and the co-signature; the export too.
    let record = person_record(&store, &setting, &a.child.id, later)
        .await
        .unwrap();
    assert!(
        record
            .history
            .iter()
            .any(|h| h.signature.as_ref().is_some_and(|s| s.signature_id == sig))
    );
    assert!(record.history.iter().any(|h| {
        h.cosignature
            .as_ref()
            .is_some_and(|c| c.parent_id == a.parent.id)
    }));
    let (csv, _) = signatures_csv(&store, setting, &org_a, later)
        .await
        .unwrap();
    let kit = csv.lines().find(|l| l.starts_with("Kit Child")).unwrap();
    assert!(kit.contains("pat parent"), "{kit}");
    let ona = csv
        .lines()
        .find(|l| l.starts_with("Ona Otherchild"))
        .unwrap();
    assert!(ona.ends_with(",,"), "not co-signed: {ona}");

    // Unlinked by the admin: the parent no longer sees the child nor co-signs.
    assert_eq!(
        family::unlink(&store, &org_a, &a.parent, &a.parent.id, &a.child.id).await,
        Err(FamilyError::NotAllowed)
    );
    family::unlink(&store, &org_a, &a.admin, &a.parent.id, &a.child.id)
        .await
        .unwrap();
    assert_eq!(
        family::unlink(&store, &org_a, &a.admin, &a.parent.id, &a.child.id).await,
        Err(FamilyError::NotLinked)
    );
    assert!(
        cosign::my_children(&store, &setting, &a.parent, later)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_import_links_learners_to_parents_and_records_dates_of_birth() {
    use safety_core::identity::import;
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    let o = OrgId::parse("family-import").unwrap();
    let csv = "email,name,roles,parents,date_of_birth\n\
        mum@x.org,Mo Mum,parent,,\n\
        kid@x.org,Kay Kid,learner,mum@x.org,2014-03-02\n\
        kid2@x.org,Kim Kid,learner,later@x.org,\n\
        later@x.org,Lee Later,parent,,\n\
        staff@x.org,Sol Staff,staff,mum@x.org,\n\
        kid3@x.org,Kai Kid,learner,nobody@x.org,\n\
        kid4@x.org,Kes Kid,learner,,31/02/2014\n";
    let preview = import::preview(&store, &o, csv).await.unwrap();
    let errors: Vec<usize> = preview
        .rows
        .iter()
        .filter(|r| matches!(r, import::RowPlan::Error { .. }))
        .map(|r| r.line())
        .collect();
    assert_eq!(
        errors,
        [4, 6, 7, 8],
        "parent on a later line, not a learner, unknown parent, bad date"
    );
    assert_eq!(preview.family.len(), 1);
    let result = import::apply(&store, &o, &preview, t0(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(result.created, 3);
    assert!(result.family_failures.is_empty());
    let kid = people::find_by_email(&store, &o, "kid@x.org")
        .await
        .unwrap()
        .unwrap();
    let f = family::family_of(&store, &o, &kid.id).await.unwrap();
    assert_eq!(f.parents.len(), 1);
    assert_eq!(f.parents[0].email, "mum@x.org");
    assert_eq!(f.birth_date, NaiveDate::from_ymd_opt(2014, 3, 2));
    // Again: nobody linked twice.
    let preview = import::preview(&store, &o, csv).await.unwrap();
    import::apply(&store, &o, &preview, t0(), |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        family::family_of(&store, &o, &kid.id)
            .await
            .unwrap()
            .parents
            .len(),
        1
    );
}
