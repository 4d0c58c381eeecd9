//! Retention of low-level concerns about staff, through the core's public interface, on both
//! backends. A concern is kept while the person works here (their account active), and falls
//! due the profile's years after they left: the day their account was deactivated (a
//! reactivation clears it), or, for someone not on the platform or deactivated before that date
//! was kept, a date a reviewer records. A held concern is not due and a deletion of it is
//! refused, changing nothing. Everything is for the concern's own readers: the DSL never sees,
//! holds or deletes the concern about them, nor its lines in the log's audit, nor its tombstone;
//! a school whose DSL is also the head has the chair review the concern about them. Refusals:
//! staff, admin, deputy, governor, another organisation's DSL.

use crate::support;

use chrono::{DateTime, NaiveDate, Utc};
use safety_core::concerns::{self, LowLevelInput, Recorded};
use safety_core::governance;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::org::{LowLevelConcernsTo, OrgId, Retention};
use safety_core::retention::low_level::{self, Leaving};
use safety_core::retention::{self, RetentionError};
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::store::{Condition, Store, Update};
use support::dynamodb_local::DynamoDbLocal;
use support::t0;

const TO: LowLevelConcernsTo = LowLevelConcernsTo::Dsl;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> NaiveDate {
    t0().date_naive()
}

async fn add<S: Store>(store: &S, org: &OrgId, name: &str, roles: &[Role]) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: format!("{}@example.org", name.to_lowercase().replace(' ', ".")),
            name: name.into(),
            roles: roles.to_vec(),
            groups: vec![],
        },
        at("2020-01-01T09:00:00Z"),
    )
    .await
    .unwrap()
}

/// `by` records a low-level concern about `about` ("self", "other" with a name, or an id) on
/// `when`; its id.
async fn record<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    about: &str,
    other_name: &str,
    what: &str,
    when: DateTime<Utc>,
) -> String {
    let input = LowLevelInput {
        form_id: uuid::Uuid::new_v4().to_string(),
        about: about.into(),
        about_other: other_name.into(),
        what: what.into(),
        date: String::new(),
        when_unsure: Some("yes".into()),
        threshold: Some("no".into()),
    };
    match concerns::record(store, org, TO, by, &input, when)
        .await
        .unwrap()
    {
        Recorded::Stored { concern_id, .. } => concern_id,
        other => panic!("not stored: {other:?}"),
    }
}

async fn listed<S: Store>(store: &S, org: &OrgId, by: &Person) -> Vec<low_level::ConcernCandidate> {
    retention::review(store, org, by, &Retention::default(), today())
        .await
        .unwrap()
        .low_level
}

fn find<'a>(
    list: &'a [low_level::ConcernCandidate],
    id: &str,
) -> Option<&'a low_level::ConcernCandidate> {
    list.iter().find(|c| c.concern_id == id)
}

async fn exists<S: Store>(store: &S, org: &OrgId, id: &str) -> bool {
    store
        .get(&safety_core::keys::low_level_concern(org, id))
        .await
        .unwrap()
        .is_some()
}

/// A school: Dana is the DSL, Hana the head (allegations lead), Cam chairs, Ada administers,
/// Dev is a deputy, Gil a governor; Sam, Tess and Uma teach. Concerns are read by the DSL and
/// the head (the profile's choice).
async fn school<S: Store>(store: &S, org: &OrgId, other: &OrgId) {
    let dana = add(store, org, "Dana DSL", &[Role::Dsl, Role::Staff]).await;
    let hana = add(
        store,
        org,
        "Hana Head",
        &[Role::AllegationsLead, Role::Staff],
    )
    .await;
    let cam = add(store, org, "Cam Chair", &[Role::Chair]).await;
    let ada = add(store, org, "Ada Admin", &[Role::Admin]).await;
    let dev = add(store, org, "Dev Deputy", &[Role::DeputyDsl, Role::Staff]).await;
    let gil = add(store, org, "Gil Governor", &[Role::Governor]).await;
    let sam = add(store, org, "Sam Staff", &[Role::Staff]).await;
    let tess = add(store, org, "Tess Teacher", &[Role::Staff]).await;
    let uma = add(store, org, "Uma Usher", &[Role::Staff]).await;

    let about_tess = record(
        store,
        org,
        &sam,
        &tess.id,
        "",
        "Tess-words: messaged a pupil late",
        at("2023-03-01T12:00:00Z"),
    )
    .await;
    let about_sam = record(
        store,
        org,
        &tess,
        &sam.id,
        "",
        "Sam-words: left a class alone",
        at("2023-05-01T12:00:00Z"),
    )
    .await;
    let about_dana = record(
        store,
        org,
        &sam,
        &dana.id,
        "",
        "Dana-words: favoured one pupil",
        at("2023-06-01T12:00:00Z"),
    )
    .await;
    let about_volunteer = record(
        store,
        org,
        &sam,
        "other",
        "Vic Volunteer",
        "Vic-words: took a photo",
        at("2022-01-10T12:00:00Z"),
    )
    .await;
    let about_uma = record(
        store,
        org,
        &sam,
        &uma.id,
        "",
        "Uma-words: shared a phone number",
        at("2021-02-01T12:00:00Z"),
    )
    .await;

    // Tess leaves on 31 July 2024: her account is deactivated that day.
    governance::deactivate(store, org, &ada, &tess.id, at("2024-07-31T16:00:00Z"))
        .await
        .unwrap();
    // Sam left and came back: reactivated, so he has not left.
    governance::deactivate(store, org, &ada, &sam.id, at("2024-01-31T16:00:00Z"))
        .await
        .unwrap();
    governance::reactivate(store, org, &ada, &sam.id, at("2024-02-05T09:00:00Z"))
        .await
        .unwrap();
    let sam_item = store
        .get(&safety_core::keys::person(org, &sam.id))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !sam_item.contains_key("deactivated_at"),
        "cleared when he came back"
    );
    let tess_item = store
        .get(&safety_core::keys::person(org, &tess.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tess_item["deactivated_at"], "2024-07-31T16:00:00.000Z");
    // Uma was deactivated before the platform kept the date: the attribute is absent.
    governance::deactivate(store, org, &ada, &uma.id, at("2022-07-20T16:00:00Z"))
        .await
        .unwrap();
    store
        .update(
            &safety_core::keys::person(org, &uma.id),
            Update::default().remove("deactivated_at"),
            Condition::Exists,
        )
        .await
        .unwrap();

    // What the DSL sees: every concern but the one about her.
    let seen = listed(store, org, &dana).await;
    assert!(
        find(&seen, &about_dana).is_none(),
        "the DSL never sees the concern about her"
    );
    let t = find(&seen, &about_tess).unwrap();
    assert_eq!(t.leaving, Leaving::Deactivated(day("2024-07-31")));
    assert_eq!(t.due_on, Some(day("2024-07-31")), "0 years after leaving");
    assert!(t.is_due(today()));
    assert_eq!(t.about_name, "Tess Teacher");
    let s = find(&seen, &about_sam).unwrap();
    assert_eq!(
        (s.leaving, s.due_on),
        (Leaving::StillHere, None),
        "reactivated: here"
    );
    let v = find(&seen, &about_volunteer).unwrap();
    assert_eq!((v.leaving, v.due_on), (Leaving::Unknown, None));
    let u = find(&seen, &about_uma).unwrap();
    assert_eq!(
        (u.leaving, u.due_on),
        (Leaving::Unknown, None),
        "no date kept"
    );
    // Due first, then the unknown dates, then the rest.
    let order: Vec<&str> = seen.iter().map(|c| c.concern_id.as_str()).collect();
    assert_eq!(order[0], about_tess);
    assert_eq!(order.last().copied(), Some(about_sam.as_str()));
    // The head sees the concern about the DSL too (Dana is active: not due).
    let seen = listed(store, org, &hana).await;
    assert_eq!(seen.len(), 5);
    assert_eq!(
        find(&seen, &about_dana).unwrap().leaving,
        Leaving::StillHere
    );
    // The chair reviews retention but reads none of these (the DSL and the head do).
    assert!(listed(store, org, &cam).await.is_empty());
    // The profile's years after leaving move the date.
    let three = Retention {
        low_level_years_after_leaving: 3,
        ..Retention::default()
    };
    let r = retention::review(store, org, &dana, &three, today())
        .await
        .unwrap();
    let t = find(&r.low_level, &about_tess).unwrap();
    assert_eq!(t.due_on, Some(day("2027-07-31")));
    assert!(!t.is_due(today()));
    assert_eq!(
        low_level::delete_concern(store, org, &dana, &about_tess, &three, t0()).await,
        Err(RetentionError::Refused(
            "This concern is not due for deletion until 31 July 2027.".into()
        ))
    );

    // Refused: not due (still here), unknown date; nothing changes.
    let p = Retention::default();
    assert!(matches!(
        low_level::delete_concern(store, org, &dana, &about_sam, &p, t0()).await,
        Err(RetentionError::Refused(m)) if m.contains("still works here")
    ));
    assert!(matches!(
        low_level::delete_concern(store, org, &dana, &about_volunteer, &p, t0()).await,
        Err(RetentionError::Refused(m)) if m.contains("Record the date they left")
    ));
    assert!(exists(store, org, &about_sam).await && exists(store, org, &about_volunteer).await);

    // The leaving date of someone not on the platform: checked, then recorded.
    for (typed, says) in [
        ("", "Enter the date they left."),
        ("31/07/2023", "as a real date"),
        ("2027-01-01", "today or in the past"),
    ] {
        match low_level::record_left_on(store, org, &dana, &about_volunteer, typed, t0()).await {
            Err(RetentionError::Invalid(m)) => assert!(m.contains(says), "{typed}: {m}"),
            other => panic!("{typed}: {other:?}"),
        }
    }
    assert_eq!(
        find(&listed(store, org, &dana).await, &about_volunteer)
            .unwrap()
            .leaving,
        Leaving::Unknown,
        "a refused date changes nothing"
    );
    // Not for someone whose account says they are here, or whose deactivation date is known.
    assert!(matches!(
        low_level::record_left_on(store, org, &dana, &about_sam, "2023-01-01", t0()).await,
        Err(RetentionError::Refused(m)) if m.contains("active account")
    ));
    assert!(matches!(
        low_level::record_left_on(store, org, &dana, &about_tess, "2023-01-01", t0()).await,
        Err(RetentionError::Refused(m)) if m.contains("31 July 2024")
    ));
    assert_eq!(
        low_level::record_left_on(store, org, &dana, &about_volunteer, " 2023-07-21 ", t0()).await,
        Ok(day("2023-07-21"))
    );
    assert_eq!(
        low_level::record_left_on(store, org, &hana, &about_uma, "2022-07-20", t0()).await,
        Ok(day("2022-07-20")),
        "an account deactivated before the date was kept"
    );
    let seen = listed(store, org, &dana).await;
    let v = find(&seen, &about_volunteer).unwrap();
    assert_eq!(v.leaving, Leaving::Recorded(day("2023-07-21")));
    assert!(v.is_due(today()));
    assert!(find(&seen, &about_uma).unwrap().is_due(today()));

    // A legal hold: no longer due; a deletion is refused and changes nothing.
    assert!(matches!(
        low_level::place_hold(store, org, &dana, &about_tess, "  ", t0()).await,
        Err(RetentionError::Invalid(_))
    ));
    low_level::place_hold(store, org, &dana, &about_tess, "Employment tribunal", t0())
        .await
        .unwrap();
    assert!(matches!(
        low_level::place_hold(store, org, &hana, &about_tess, "again", t0()).await,
        Err(RetentionError::Refused(_))
    ));
    let t = find(&listed(store, org, &hana).await, &about_tess)
        .unwrap()
        .clone();
    assert!(!t.is_due(today()));
    assert_eq!(t.hold.as_ref().unwrap().reason, "Employment tribunal");
    assert!(matches!(
        low_level::delete_concern(store, org, &dana, &about_tess, &p, t0()).await,
        Err(RetentionError::Refused(m)) if m.contains("legal hold")
    ));
    assert!(exists(store, org, &about_tess).await);
    low_level::lift_hold(store, org, &hana, &about_tess, t0())
        .await
        .unwrap();
    assert!(matches!(
        low_level::lift_hold(store, org, &hana, &about_tess, t0()).await,
        Err(RetentionError::Refused(_))
    ));

    // The concern about the DSL: the DSL can neither hold, date nor delete it (as if absent).
    for attempt in [
        low_level::place_hold(store, org, &dana, &about_dana, "mine", t0()).await,
        low_level::lift_hold(store, org, &dana, &about_dana, t0()).await,
        low_level::record_left_on(store, org, &dana, &about_dana, "2024-01-01", t0())
            .await
            .map(|_| ()),
        low_level::delete_concern(store, org, &dana, &about_dana, &p, t0())
            .await
            .map(|_| ()),
    ] {
        assert_eq!(attempt, Err(RetentionError::NotFound));
    }
    // The head holds it: the line is in the log's audit for the head, never for the DSL.
    low_level::place_hold(store, org, &hana, &about_dana, "Under investigation", t0())
        .await
        .unwrap();
    let head_log = concerns::log(store, org, TO, &hana, t0()).await.unwrap();
    assert!(
        head_log
            .audit
            .iter()
            .any(|a| a.what.contains("legal hold") && a.what.contains("Dana DSL")),
        "{:?}",
        head_log.audit
    );
    let dsl_log = concerns::log(store, org, TO, &dana, t0()).await.unwrap();
    assert!(
        !dsl_log.audit.iter().any(|a| a.what.contains("Dana DSL")
            || a.what.contains(&about_dana)
            || a.what.contains("Under investigation")),
        "{:?}",
        dsl_log.audit
    );

    // Refused for those who do not review retention, or not here.
    for who in [&sam, &ada, &dev, &gil] {
        assert_eq!(
            retention::review(store, org, who, &p, today())
                .await
                .map(|_| ()),
            Err(RetentionError::NotFound),
            "{}",
            who.name
        );
        assert_eq!(
            low_level::delete_concern(store, org, who, &about_tess, &p, t0())
                .await
                .map(|_| ()),
            Err(RetentionError::NotFound)
        );
        assert_eq!(
            low_level::place_hold(store, org, who, &about_tess, "x", t0()).await,
            Err(RetentionError::NotFound)
        );
    }
    // Another organisation's DSL (also its head and admin) cannot reach org A's concern.
    let olive = add(
        store,
        other,
        "Olive Other",
        &[Role::Dsl, Role::AllegationsLead, Role::Admin, Role::Staff],
    )
    .await;
    assert!(listed(store, other, &olive).await.is_empty());
    assert_eq!(
        low_level::delete_concern(store, other, &olive, &about_tess, &p, t0())
            .await
            .map(|_| ()),
        Err(RetentionError::NotFound)
    );
    assert_eq!(
        low_level::record_left_on(store, other, &olive, &about_volunteer, "2020-01-01", t0())
            .await
            .map(|_| ()),
        Err(RetentionError::NotFound)
    );
    assert!(exists(store, org, &about_tess).await);

    // Deleted, once confirmed: the concern is gone, a tombstone is left, no text of it.
    let done = low_level::delete_concern(store, org, &dana, &about_tess, &p, t0())
        .await
        .unwrap();
    assert_eq!(done.reference, about_tess);
    assert_eq!(done.queue, None);
    assert_eq!(done.rule, retention::Rule::LowLevelConcern);
    assert_eq!(done.due_on, day("2024-07-31"));
    assert!(!exists(store, org, &about_tess).await);
    assert_eq!(
        low_level::delete_concern(store, org, &dana, &about_tess, &p, t0())
            .await
            .map(|_| ()),
        Err(RetentionError::NotFound),
        "twice"
    );
    let head_log = concerns::log(store, org, TO, &hana, t0()).await.unwrap();
    assert!(
        !head_log
            .people
            .iter()
            .any(|p| p.about_name == "Tess Teacher"),
        "gone from the log"
    );
    assert!(
        head_log
            .audit
            .iter()
            .any(|a| a.what.contains("Deleted a low-level concern")
                && a.what.contains(&about_tess)
                && !a.what.contains("Tess"))
    );
    let r = retention::review(store, org, &hana, &p, today())
        .await
        .unwrap();
    let tomb = r
        .tombstones
        .iter()
        .find(|t| t.reference == about_tess)
        .unwrap();
    assert_eq!(tomb.confirmed_by_name, "Dana DSL");
    assert_eq!(tomb.kind, "low_level_concern");
    let all_tombs = store
        .query(
            &safety_core::store::Query::partition(safety_core::keys::retention_partition(org))
                .prefix(safety_core::keys::RETENTION_TOMBSTONE_PREFIX),
        )
        .await
        .unwrap();
    let text = serde_json::to_string(&all_tombs.items).unwrap();
    assert!(
        !text.contains("Tess-words") && !text.contains("Tess Teacher"),
        "{text}"
    );
    // Its tombstone is listed to its readers only: not the chair.
    assert!(
        retention::review(store, org, &cam, &p, today())
            .await
            .unwrap()
            .tombstones
            .is_empty()
    );

    // The concern about the DSL, once she leaves and it falls due, is deleted by the head; its
    // tombstone is never listed to the DSL (were she to come back).
    low_level::lift_hold(store, org, &hana, &about_dana, t0())
        .await
        .unwrap();
    let alex = add(store, org, "Alex Acting", &[Role::Dsl, Role::Staff]).await;
    governance::deactivate(store, org, &ada, &dana.id, at("2025-08-31T16:00:00Z"))
        .await
        .unwrap();
    low_level::delete_concern(store, org, &hana, &about_dana, &p, t0())
        .await
        .unwrap();
    governance::reactivate(store, org, &ada, &dana.id, t0())
        .await
        .unwrap();
    let dana = people::get(store, org, &dana.id).await.unwrap();
    let r = retention::review(store, org, &dana, &p, today())
        .await
        .unwrap();
    assert!(!r.tombstones.iter().any(|t| t.reference == about_dana));
    assert!(r.tombstones.iter().any(|t| t.reference == about_tess));
    let r = retention::review(store, org, &alex, &p, today())
        .await
        .unwrap();
    assert!(
        !r.tombstones.iter().any(|t| t.reference == about_dana),
        "a concern about the DSL is never read by a DSL (its routing), nor its tombstone"
    );
    let r = retention::review(store, org, &hana, &p, today())
        .await
        .unwrap();
    assert!(r.tombstones.iter().any(|t| t.reference == about_dana));
}

/// One person is the DSL, the head and the admin: the concern about them is read, reviewed and
/// deleted by the chair, never by them.
async fn one_person_many_roles<S: Store>(store: &S, org: &OrgId) {
    let alex = add(
        store,
        org,
        "Alex All",
        &[Role::Dsl, Role::AllegationsLead, Role::Admin, Role::Staff],
    )
    .await;
    let chris = add(store, org, "Chris Chair", &[Role::Chair]).await;
    let sam = add(store, org, "Sam Staff", &[Role::Staff]).await;
    let about_alex = record(
        store,
        org,
        &sam,
        &alex.id,
        "",
        "Alex-words",
        at("2022-02-02T12:00:00Z"),
    )
    .await;
    let seen = listed(store, org, &chris).await;
    assert_eq!(
        find(&seen, &about_alex).unwrap().leaving,
        Leaving::StillHere
    );
    assert!(listed(store, org, &alex).await.is_empty());
    let p = Retention::default();
    assert_eq!(
        low_level::place_hold(store, org, &alex, &about_alex, "mine", t0()).await,
        Err(RetentionError::NotFound)
    );
    // A new head and DSL takes over, and Alex leaves at the end of term.
    let nia = add(
        store,
        org,
        "Nia New",
        &[Role::Dsl, Role::AllegationsLead, Role::Admin, Role::Staff],
    )
    .await;
    governance::deactivate(store, org, &nia, &alex.id, at("2025-12-19T16:00:00Z"))
        .await
        .unwrap();
    let c = find(&listed(store, org, &chris).await, &about_alex)
        .unwrap()
        .clone();
    assert_eq!(c.leaving, Leaving::Deactivated(day("2025-12-19")));
    assert!(c.is_due(today()));
    // It was routed to the chair when recorded (it was about the head), and stays so: the new
    // head does not review it.
    assert!(find(&listed(store, org, &nia).await, &about_alex).is_none());
    low_level::delete_concern(store, org, &chris, &about_alex, &p, t0())
        .await
        .unwrap();
    assert!(!exists(store, org, &about_alex).await);
}

#[tokio::test]
async fn low_level_retention_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    school(
        &store,
        &OrgId::parse("demo").unwrap(),
        &OrgId::parse("other").unwrap(),
    )
    .await;
    one_person_many_roles(&store, &OrgId::parse("many").unwrap()).await;
}

#[tokio::test]
async fn low_level_retention_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "retention-low-level").await;
    school(
        &store,
        &OrgId::parse("demo").unwrap(),
        &OrgId::parse("other").unwrap(),
    )
    .await;
    one_person_many_roles(&store, &OrgId::parse("many").unwrap()).await;
}
