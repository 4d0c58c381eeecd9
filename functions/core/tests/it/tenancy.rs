//! Organisations running themselves: the stored profile (seeded once, validated, versioned,
//! with its history), own policy versions (minor and major, the content check by line, who must
//! sign again), host names, and the per-process directory, on both stores.

use crate::support;
use chrono::Duration;
use safety_core::content::{self, Kind};
use safety_core::identity::{NewPerson, Person, people};
use safety_core::learning::{self, AupDocument, Setting, SignAup, Status};
use safety_core::org::{OnDuty, OrgId, OrgProfile};
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::{AnyStore, Store};
use safety_core::tenancy::policies::{self, Change, Draft, DraftProblem, PublishError};
use safety_core::tenancy::{Author, BaseContent, Directory, TenancyError, hosts, profile};
use std::sync::Arc;
use support::dynamodb_local::DynamoDbLocal;
use support::{library, profile_of, t0};

fn base() -> BaseContent {
    BaseContent {
        files: content::embedded_files(),
        library: Arc::new(library().clone()),
    }
}

fn author() -> Author {
    Author {
        id: "admin-1".into(),
        name: "Ada Admin".into(),
    }
}

async fn person<S: Store>(store: &S, org: &OrgId, name: &str, roles: Vec<Role>) -> Person {
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

/// The profile is imported once, refused when invalid (nothing saved), saved with a history
/// line per change, and never overwritten by a save made from an older version.
async fn profile_edits<S: Store>(store: &S) {
    let seed = profile_of("profile-edits");
    let org = seed.id.clone();
    let pages = &library().pages;
    assert!(
        profile::seed(store, &seed, pages, "organisations/x.toml", t0())
            .await
            .unwrap()
    );
    let stored = profile::read(store, &org).await.unwrap().unwrap();
    assert_eq!((stored.version, &stored.profile), (1, &seed));

    // An invalid change: refused with the content check's reasons, nothing saved.
    let mut bad = seed.clone();
    bad.dsl.phone = " ".into();
    bad.requirements[0].modules.push("no-such-module".into());
    let err = profile::save(store, &org, pages, 1, bad, &author(), t0())
        .await
        .unwrap_err();
    let TenancyError::Invalid(reasons) = err else {
        panic!("{err:?}")
    };
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("the DSL needs a name, a title and a phone")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("`no-such-module` is not a module")),
        "{reasons:?}"
    );
    assert_eq!(
        profile::read(store, &org).await.unwrap().unwrap().version,
        1
    );
    assert_eq!(profile::history(store, &org, 10).await.unwrap().len(), 1);

    // A valid change: the on-duty deputy.
    let mut new = seed.clone();
    new.on_duty = vec![OnDuty {
        site: "Main site".into(),
        name: "Sam Lee".into(),
        title: "Deputy DSL".into(),
        phone: "01632 960555".into(),
        email: String::new(),
    }];
    let saved = profile::save(
        store,
        &org,
        pages,
        1,
        new.clone(),
        &author(),
        t0() + Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 2);
    let history = profile::history(store, &org, 10).await.unwrap();
    assert_eq!(
        history.iter().map(|h| h.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(history[0].by_name, "Ada Admin");
    assert!(
        history[0]
            .changes
            .iter()
            .any(|c| c.starts_with("On duty 1 › name:") && c.ends_with("→ Sam Lee")),
        "{:?}",
        history[0].changes
    );
    // From the old version: someone else saved first.
    let mut stale = seed.clone();
    stale.name = "Stale".into();
    assert_eq!(
        profile::save(store, &org, pages, 1, stale, &author(), t0())
            .await
            .unwrap_err(),
        TenancyError::Conflict
    );
    // Nothing changed: nothing saved.
    assert_eq!(
        profile::save(store, &org, pages, 2, new, &author(), t0())
            .await
            .unwrap_err(),
        TenancyError::NoChange
    );
    // The seed is imported once: a restart with the file does not undo the edit.
    assert!(
        !profile::seed(store, &seed, pages, "organisations/x.toml", t0())
            .await
            .unwrap()
    );
    assert_eq!(
        profile::read(store, &org)
            .await
            .unwrap()
            .unwrap()
            .profile
            .on_duty[0]
            .name,
        "Sam Lee"
    );
    // Another organisation's id in the form is refused.
    let mut moved = profile::read(store, &org).await.unwrap().unwrap().profile;
    moved.id = OrgId::parse("someone-else").unwrap();
    assert!(matches!(
        profile::save(store, &org, pages, 2, moved, &author(), t0()).await,
        Err(TenancyError::Refused(_))
    ));
}

fn staff_aup_text() -> String {
    content::embedded_files()
        .into_iter()
        .find(|f| f.path == "aups/staff-aup.md")
        .unwrap()
        .text
}

async fn sign<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    p: &Person,
    at: chrono::DateTime<chrono::Utc>,
) -> AupDocument {
    let doc = AupDocument::for_person(setting, p, "staff-aup").unwrap();
    learning::sign_aup(
        store,
        setting,
        p,
        &SignAup {
            aup_id: doc.id.clone(),
            version: doc.version.clone(),
            sha256: doc.sha256.clone(),
            typed_name: p.name.clone(),
            declaration: true,
        },
        at,
    )
    .await
    .unwrap();
    doc
}

async fn status_of<S: Store>(
    store: &S,
    setting: &Setting<'_>,
    p: &Person,
    at: chrono::DateTime<chrono::Utc>,
) -> Status {
    let t = learning::my_training(store, *setting, p, at).await.unwrap();
    t.items.iter().find(|i| i.id == "staff-aup").unwrap().status
}

/// An organisation's own AUP: the content check by line, minor keeps signatures, major makes it
/// due again for exactly those who signed, the old signed text stays readable.
async fn own_policies<S: Store>(store: &S) {
    let seed = profile_of("own-policies");
    let org = seed.id.clone();
    let base = base();
    profile::seed(store, &seed, &library().pages, "seed", t0())
        .await
        .unwrap();
    let signer = person(store, &org, "Sid Signer", vec![Role::Staff]).await;
    let newcomer = person(store, &org, "Nel Newcomer", vec![Role::Staff]).await;
    let setting = Setting {
        library: &base.library,
        profile: &seed,
    };
    let first = sign(store, &setting, &signer, t0()).await;

    // A draft with a broken front matter: refused, with the file and line, nothing stored.
    let broken = staff_aup_text().replace("minutes = 8", "minutes = \"eight\"");
    let err = policies::publish(
        store,
        &base,
        &seed,
        &Draft {
            path: "aups/staff-aup.md".into(),
            text: broken,
            change: Change::Minor,
            summary: String::new(),
        },
        &author(),
        t0(),
    )
    .await
    .unwrap_err();
    let PublishError::Draft(DraftProblem::Content(problems)) = err else {
        panic!("{err:?}")
    };
    assert_eq!(problems[0].file, "aups/staff-aup.md");
    assert!(problems[0].line > 1, "{problems:?}");
    assert!(policies::current(store, &org).await.unwrap().is_empty());

    // A major version needs a "what changed".
    let text = staff_aup_text().replace(
        "## About this policy",
        "## About this policy\n\nOur own rule: no personal phones in classrooms.",
    );
    let major = |summary: &str| Draft {
        path: "aups/staff-aup.md".into(),
        text: text.clone(),
        change: Change::Major,
        summary: summary.into(),
    };
    assert!(matches!(
        policies::publish(store, &base, &seed, &major(""), &author(), t0()).await,
        Err(PublishError::Draft(DraftProblem::Refused(_)))
    ));

    // A minor version: the signature stands.
    let minor = policies::publish(
        store,
        &base,
        &seed,
        &Draft {
            path: "aups/staff-aup.md".into(),
            text: text.clone(),
            change: Change::Minor,
            summary: String::new(),
        },
        &author(),
        t0(),
    )
    .await
    .unwrap();
    assert_eq!((minor.number, minor.version.as_str()), (1, "1.1.0"));
    let own = policies::current(store, &org).await.unwrap();
    let lib = policies::org_library(&base.files, &own).unwrap();
    let setting = Setting {
        library: &lib,
        profile: &seed,
    };
    let at = t0() + Duration::days(1);
    assert_eq!(
        status_of(store, &setting, &signer, at).await,
        Status::Passed
    );
    assert_eq!(
        status_of(store, &setting, &newcomer, at).await,
        Status::NotStarted
    );

    // A major version: due again for the signer only; the newcomer is as before.
    let published = policies::publish(
        store,
        &base,
        &seed,
        &major("Personal phones stay out of classrooms."),
        &author(),
        at,
    )
    .await
    .unwrap();
    assert_eq!((published.number, published.version.as_str()), (2, "2.0.0"));
    let own = policies::current(store, &org).await.unwrap();
    assert_eq!(own.len(), 1);
    let lib = policies::org_library(&base.files, &own).unwrap();
    let page = lib.page(Kind::Aup, "staff-aup").unwrap();
    assert_eq!(page.version, "2.0.0");
    let setting = Setting {
        library: &lib,
        profile: &seed,
    };
    assert_eq!(
        status_of(store, &setting, &signer, at).await,
        Status::DueAgain
    );
    assert_eq!(
        status_of(store, &setting, &newcomer, at).await,
        Status::NotStarted
    );
    // The text signed before stays readable by its hash.
    let old = learning::signed_text(store, &org, &first.sha256)
        .await
        .unwrap()
        .unwrap();
    assert!(!old.contains("no personal phones in classrooms"));
    // Signing the new version makes it done, with the new text.
    let second = sign(store, &setting, &signer, at).await;
    assert_ne!(second.sha256, first.sha256);
    assert_eq!(
        status_of(store, &setting, &signer, at).await,
        Status::Passed
    );
    assert_eq!(
        policies::versions_of(store, &org, "aups/staff-aup.md")
            .await
            .unwrap()
            .len(),
        2
    );

    // An own page: a guide, published as new.
    let own_page = "+++\nid = \"our-phone-rules\"\nkind = \"guide\"\naudience = [\"parents\"]\ntitle = \"Our rules for phones\"\nsummary = \"When phones may be used at {{org.name}}.\"\nversion = \"0.0.1\"\nsource = \"Our own policy\"\nsources = [\"Our behaviour policy (2026)\"]\nlast_reviewed = 2026-11-23\nnext_review = 2027-11-23\nminutes = 2\n+++\nPhones stay in bags during lessons.\n";
    let added = policies::publish(
        store,
        &base,
        &seed,
        &Draft {
            path: "guidance/our-phone-rules.md".into(),
            text: own_page.into(),
            change: Change::New,
            summary: String::new(),
        },
        &author(),
        at,
    )
    .await
    .unwrap();
    assert_eq!(added.version, "1.0.0");
    // Paths outside the editable folders are refused.
    for path in [
        "quizzes/x.md",
        "own/x.md",
        "organisations/demo.toml",
        "../etc/passwd",
        "aups/easy-read/learner-aup.md",
    ] {
        assert!(!policies::is_editable(path), "{path}");
    }
}

/// Host names: an organisation created with its hosts and first admin; a host serves one
/// organisation; creating it twice is refused.
async fn hosts_and_creation<S: Store>(store: &S) {
    let pages = &library().pages;
    let new = hosts::NewOrganisation {
        profile: profile_of("org-a"),
        hosts: vec!["Org-A.localhost:3000".into()],
        admin_email: "admin@org-a.example".into(),
        admin_name: "Anne Admin".into(),
    };
    let admin = hosts::create(store, pages, &new, t0()).await.unwrap();
    assert_eq!(admin.roles, vec![Role::Admin]);
    let a = OrgId::parse("org-a").unwrap();
    assert_eq!(
        hosts::org_of_host(store, "org-a.localhost").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        hosts::org_of_host(store, "ORG-A.localhost:8080")
            .await
            .unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        hosts::org_of_host(store, "org-b.localhost").await.unwrap(),
        None
    );
    assert!(matches!(
        hosts::create(store, pages, &new, t0()).await,
        Err(TenancyError::Refused(_))
    ));
    // Another organisation cannot take org A's host.
    let taken = hosts::NewOrganisation {
        profile: profile_of("org-b"),
        ..new.clone()
    };
    assert!(matches!(
        hosts::create(store, pages, &taken, t0()).await,
        Err(TenancyError::Refused(_))
    ));
    assert!(
        profile::read(store, &OrgId::parse("org-b").unwrap())
            .await
            .unwrap()
            .is_none(),
        "nothing of org B written"
    );
    let b = hosts::NewOrganisation {
        profile: profile_of("org-b"),
        hosts: vec!["org-b.localhost".into()],
        admin_email: "admin@org-b.example".into(),
        admin_name: "Ben Admin".into(),
    };
    hosts::create(store, pages, &b, t0()).await.unwrap();
    let listed: Vec<String> = hosts::list(store)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.org.to_string())
        .collect();
    assert!(listed.contains(&"org-a".to_string()) && listed.contains(&"org-b".to_string()));
    assert_eq!(
        hosts::entry(store, &a)
            .await
            .unwrap()
            .unwrap()
            .base_url
            .as_deref(),
        Some("https://org-a.localhost")
    );
    // An invalid seed creates nothing.
    let mut bad: OrgProfile = profile_of("org-c");
    bad.kind = "castle".into();
    let c = hosts::NewOrganisation {
        profile: bad,
        hosts: vec!["org-c.localhost".into()],
        ..b
    };
    assert!(matches!(
        hosts::create(store, pages, &c, t0()).await,
        Err(TenancyError::Invalid(_))
    ));
    assert_eq!(
        hosts::org_of_host(store, "org-c.localhost").await.unwrap(),
        None
    );
}

/// A single sign-on provider's service (kind, issuer, tenant, domain) is fixed for its id, in
/// one save or by removing it and adding it again: its secret is configured by id.
async fn sign_in_services_stay<S: Store>(store: &S) {
    use safety_core::org::SsoKind;
    let seed = profile_of("sso-moves");
    let org = seed.id.clone();
    let pages = &library().pages;
    assert!(
        profile::seed(store, &seed, pages, "organisations/x.toml", t0())
            .await
            .unwrap()
    );
    assert_eq!(seed.sso[0].id, "demo");
    let org = &org;
    let save = |version: u64, p: safety_core::org::OrgProfile| async move {
        profile::save(store, org, pages, version, p, &author(), t0()).await
    };
    let refused = |r: Result<profile::ProfileRecord, TenancyError>| match r {
        Err(TenancyError::Invalid(reasons)) => {
            assert!(
                reasons
                    .iter()
                    .any(|r| r.contains("its sign-in service cannot be changed")),
                "{reasons:?}"
            );
        }
        other => panic!("not refused: {other:?}"),
    };
    // Another issuer for the same id: refused, nothing saved.
    let mut moved = seed.clone();
    moved.sso[0].issuer = Some("https://idp.attacker.example".into());
    refused(save(1, moved).await);
    assert_eq!(profile::read(store, org).await.unwrap().unwrap().version, 1);
    // Its words may change.
    let mut relabelled = seed.clone();
    relabelled.sso[0].label = "Sign in with your college account".into();
    assert_eq!(save(1, relabelled.clone()).await.unwrap().version, 2);
    // Removed, then added again with another issuer: still refused (from the history).
    let mut removed = relabelled.clone();
    removed.sso.clear();
    assert_eq!(save(2, removed.clone()).await.unwrap().version, 3);
    let mut again = removed.clone();
    let mut provider = seed.sso[0].clone();
    provider.issuer = Some("https://idp.attacker.example".into());
    again.sso.push(provider);
    refused(save(3, again).await);
    // Added again as it was: allowed.
    let mut back = removed.clone();
    back.sso.push(seed.sso[0].clone());
    assert_eq!(save(3, back.clone()).await.unwrap().version, 4);
    // A new id, a new service: allowed; then moving it to Entra is refused.
    let mut added = back.clone();
    let mut other = seed.sso[0].clone();
    other.id = "college".into();
    other.issuer = Some("https://idp.example.org".into());
    added.sso.push(other);
    assert_eq!(save(4, added.clone()).await.unwrap().version, 5);
    let mut to_entra = added.clone();
    to_entra.sso[1].kind = SsoKind::Entra;
    to_entra.sso[1].issuer = None;
    to_entra.sso[1].tenant = Some("00000000-0000-0000-0000-000000000001".into());
    refused(save(5, to_entra).await);
}

async fn all<S: Store>(store: &S) {
    sign_in_services_stay(store).await;
    profile_edits(store).await;
    own_policies(store).await;
    hosts_and_creation(store).await;
}

#[tokio::test]
async fn organisations_run_themselves_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    all(&EmbeddedStore::open(&dir.path().join("s.redb")).unwrap()).await;
}

#[tokio::test]
async fn organisations_run_themselves_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    all(&support::dynamo_table(&local, "tenancy").await).await;
}

/// The directory serves from memory, sees a change made here at once (forget) and another
/// process's change once its stamp moved (after the refresh interval).
#[tokio::test]
async fn the_directory_refreshes_when_the_stamp_moves() {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::Embedded(EmbeddedStore::open(&dir.path().join("s.redb")).unwrap());
    let seed = profile_of("cached");
    let org = seed.id.clone();
    profile::seed(&store, &seed, &library().pages, "seed", t0())
        .await
        .unwrap();
    let base = Arc::new(base());
    let slow = Directory::new(
        store.clone(),
        base.clone(),
        Some(org.clone()),
        std::time::Duration::from_secs(3600),
        |c| c.profile.name.clone(),
    );
    let quick = Directory::new(store.clone(), base, None, std::time::Duration::ZERO, |c| {
        c.profile.name.clone()
    });
    assert_eq!(*slow.get(&org).await.unwrap().unwrap(), seed.name);
    assert_eq!(*quick.get(&org).await.unwrap().unwrap(), seed.name);
    let mut renamed = seed.clone();
    renamed.name = "Renamed College".into();
    profile::save(&store, &org, &library().pages, 1, renamed, &author(), t0())
        .await
        .unwrap();
    assert_eq!(
        *slow.get(&org).await.unwrap().unwrap(),
        seed.name,
        "within the interval: from memory"
    );
    assert_eq!(
        *quick.get(&org).await.unwrap().unwrap(),
        "Renamed College",
        "the stamp moved"
    );
    slow.forget(&org);
    assert_eq!(*slow.get(&org).await.unwrap().unwrap(), "Renamed College");
    assert!(
        slow.get(&OrgId::parse("nobody").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        slow.org_for_host(Some("unknown.example")).await.unwrap(),
        Some(org.clone()),
        "the default"
    );
    assert_eq!(
        quick.org_for_host(Some("unknown.example")).await.unwrap(),
        None
    );
}
