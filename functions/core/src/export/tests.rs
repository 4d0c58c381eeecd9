//! The exports on the embedded store: a learner passed, one in progress, one not started (whose
//! name would run as a formula), a member of staff whose training expired, an AUP signed at an
//! older version, a deactivated person, and another organisation's people who must not appear.

use super::csv::parse;
use super::*;
use crate::content::Library;
use crate::identity::NewPerson;
use crate::learning::{self, AupDocument, SignAup};
use crate::org::OrgProfile;
use crate::roles::Role;
use crate::store::embedded::EmbeddedStore;
use chrono::Duration;

const LEARNER_MODULE: &str = "four-cs-of-online-risk";
const STAFF_MODULE: &str = "staff-filtering-and-monitoring";

fn library() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(|| crate::content::load_embedded().unwrap())
}

fn profile_of(org: &str) -> OrgProfile {
    let mut p = library().org("demo").unwrap().clone();
    p.id = OrgId::parse(org).unwrap();
    p
}

fn t0() -> DateTime<Utc> {
    dates::parse("2026-01-10T10:00:00Z").unwrap()
}

async fn invite(
    store: &EmbeddedStore,
    org: &OrgId,
    name: &str,
    email: &str,
    roles: Vec<Role>,
) -> Person {
    people::invite(
        store,
        org,
        &NewPerson {
            email: email.into(),
            name: name.into(),
            roles,
            groups: vec!["Year 10".into()],
        },
        t0(),
    )
    .await
    .unwrap()
}

async fn pass(
    store: &EmbeddedStore,
    setting: &Setting<'_>,
    p: &Person,
    module: &str,
    at: DateTime<Utc>,
) {
    let quiz = learning::start_quiz(store, setting, p, module, at)
        .await
        .unwrap();
    let done = learning::submit_quiz(
        store,
        setting,
        p,
        module,
        &quiz.attempt_id,
        &learning::right_answers(
            setting
                .library
                .quiz_of(module)
                .unwrap()
                .quiz
                .as_ref()
                .unwrap(),
        ),
        at,
    )
    .await
    .unwrap();
    assert!(done.result.passed);
}

async fn sign(
    store: &EmbeddedStore,
    setting: &Setting<'_>,
    p: &Person,
    aup: &str,
    at: DateTime<Utc>,
) {
    let doc = AupDocument::for_person(setting, p, aup).unwrap();
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
}

struct World {
    _dir: tempfile::TempDir,
    store: EmbeddedStore,
    profile: OrgProfile,
    /// The content with the learner AUP at a new version.
    lib2: Library,
}

/// The people and their learning, as the module's notes say.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("test.redb")).unwrap();
    let profile = profile_of("exporting");
    let other = profile_of("other-college");
    let org = profile.id.clone();
    let setting = Setting {
        library: library(),
        profile: &profile,
    };
    let lee = invite(
        &store,
        &org,
        "Lee Passed",
        "lee@example.org",
        vec![Role::Learner],
    )
    .await;
    pass(&store, &setting, &lee, LEARNER_MODULE, t0()).await;
    sign(&store, &setting, &lee, "learner-aup", t0()).await;
    let ina = invite(
        &store,
        &org,
        "Ina Progress",
        "ina@example.org",
        vec![Role::Learner],
    )
    .await;
    learning::read_module(&store, &setting, &ina, LEARNER_MODULE, Some(1))
        .await
        .unwrap();
    invite(
        &store,
        &org,
        "=HYPERLINK(\"http://evil.example\",\"Nat\")",
        "nat@example.org",
        vec![Role::Learner],
    )
    .await;
    let sam = invite(
        &store,
        &org,
        "Sam Staff",
        "sam@example.org",
        vec![Role::Staff],
    )
    .await;
    pass(&store, &setting, &sam, STAFF_MODULE, t0()).await;
    sign(&store, &setting, &sam, "staff-aup", t0()).await;
    let gone = invite(
        &store,
        &org,
        "Gus Gone",
        "gus@example.org",
        vec![Role::Learner],
    )
    .await;
    pass(&store, &setting, &gone, LEARNER_MODULE, t0()).await;
    people::deactivate(&store, &org, &gone.id).await.unwrap();
    invite(&store, &org, "Dee Lead", "dsl@example.org", vec![Role::Dsl]).await;

    // another organisation, in the same table, with the same modules done
    let other_setting = Setting {
        library: library(),
        profile: &other,
    };
    let oli = invite(
        &store,
        &other.id,
        "Oli Other",
        "oli@other.example.org",
        vec![Role::Learner],
    )
    .await;
    pass(&store, &other_setting, &oli, LEARNER_MODULE, t0()).await;
    sign(&store, &other_setting, &oli, "learner-aup", t0()).await;
    let ost = invite(
        &store,
        &other.id,
        "Ola Otherstaff",
        "ola@other.example.org",
        vec![Role::Staff],
    )
    .await;
    sign(&store, &other_setting, &ost, "staff-aup", t0()).await;

    let mut lib2 = library().clone();
    lib2.pages
        .iter_mut()
        .find(|p| p.kind == Kind::Aup && p.id == "learner-aup")
        .unwrap()
        .version = "9.0.0".into();
    World {
        _dir: dir,
        store,
        profile,
        lib2,
    }
}

/// Thirteen months on: staff training (12 months) has expired.
fn later() -> DateTime<Utc> {
    t0() + Duration::days(400)
}

fn row<'r>(records: &'r [Vec<String>], name: &str) -> &'r Vec<String> {
    records
        .iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row for {name}: {records:?}"))
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {header:?}"))
}

#[tokio::test]
async fn the_matrix_has_a_row_per_active_person_and_stable_columns() {
    let w = world().await;
    let org = w.profile.id.clone();
    let setting = Setting {
        library: &w.lib2,
        profile: &w.profile,
    };
    // Easy read: Ina chose it; the DSL assigned it to Nat, set the group Year 10 to it (Sam and
    // the DSL are in it) and assigned Lee the standard pages (their own level stands over the
    // group's). Oli, of another organisation, chose it too.
    use crate::learning::easy_read;
    let by_email = |e: &'static str| {
        let store = &w.store;
        let org = org.clone();
        async move {
            people::find_by_email(store, &org, e)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let dsl = by_email("dsl@example.org").await;
    easy_read::choose(&w.store, &by_email("ina@example.org").await, true, t0())
        .await
        .unwrap();
    let nat = by_email("nat@example.org").await;
    easy_read::assign(&w.store, &dsl, &nat.id, true, t0())
        .await
        .unwrap();
    let lee = by_email("lee@example.org").await;
    easy_read::assign(&w.store, &dsl, &lee.id, false, t0())
        .await
        .unwrap();
    easy_read::assign_group(&w.store, &dsl, "Year 10", true)
        .await
        .unwrap();
    let other = OrgId::parse("other-college").unwrap();
    let oli = people::find_by_email(&w.store, &other, "oli@other.example.org")
        .await
        .unwrap()
        .unwrap();
    easy_read::choose(&w.store, &oli, true, t0()).await.unwrap();

    let (text, rows) = matrix_csv(&w.store, setting, &org, later()).await.unwrap();
    assert!(text.starts_with(csv::BOM), "starts with the BOM for Excel");
    let records = parse(&text);
    let header = &records[0];
    assert_eq!(&header[..4], &["name", "email", "roles", "groups"]);
    for suffix in ["status", "version", "completed", "valid until", "score"] {
        col(header, &format!("{LEARNER_MODULE} {suffix}"));
        col(header, &format!("{STAFF_MODULE} {suffix}"));
        col(header, &format!("learner-aup {suffix}"));
    }
    let n_items = library().pages_of(Kind::Module).count() + library().pages_of(Kind::Aup).count();
    assert_eq!(header.len(), 4 + 5 * n_items + 1);
    assert_eq!(
        header.last().map(String::as_str),
        Some("easy read"),
        "the easy read column comes last, after every item's columns"
    );
    assert_eq!(
        header[4],
        format!(
            "{} status",
            library().pages_of(Kind::Module).next().unwrap().id
        ),
        "the items' columns start where they did"
    );
    assert!(
        records.iter().all(|r| r.len() == header.len()),
        "every row is complete"
    );
    assert_eq!(
        rows, 5,
        "Lee, Ina, Nat, Sam and the DSL; not the deactivated person"
    );
    assert_eq!(records.len(), rows + 1);

    let m = |suffix: &str| col(header, &format!("{LEARNER_MODULE} {suffix}"));
    let lee = row(&records, "Lee Passed");
    assert_eq!(lee[1], "lee@example.org");
    assert_eq!(lee[2], "learner");
    assert_eq!(lee[3], "Year 10");
    assert_eq!(lee[m("status")], "done");
    assert_eq!(
        lee[m("version")],
        library()
            .page(Kind::Module, LEARNER_MODULE)
            .unwrap()
            .version
    );
    assert_eq!(lee[m("completed")], "2026-01-10");
    assert_eq!(lee[m("valid until")], "", "learner items never expire");
    assert_eq!(lee[m("score")], "100%");
    // signed the learner AUP at 1.x; it is 9.0.0 now
    let aup = |suffix: &str| col(header, &format!("learner-aup {suffix}"));
    assert_eq!(lee[aup("status")], "new version to do");
    assert_ne!(lee[aup("version")], "9.0.0");
    assert_eq!(lee[aup("completed")], "2026-01-10");
    // a staff module is not required of a learner
    let s = |suffix: &str| col(header, &format!("{STAFF_MODULE} {suffix}"));
    assert_eq!(lee[s("status")], "not required");
    assert_eq!(lee[s("version")], "");

    let ina = row(&records, "Ina Progress");
    assert_eq!(ina[m("status")], "in progress");
    assert_eq!(ina[m("completed")], "");
    assert_eq!(ina[aup("status")], "not started");

    // the formula is written inert
    let nat = row(&records, "'=HYPERLINK(\"http://evil.example\",\"Nat\")");
    assert_eq!(nat[m("status")], "not started");
    assert!(text.contains("\"'=HYPERLINK("));
    assert!(!text.contains(",=HYPERLINK") && !text.contains("\n=HYPERLINK"));

    let sam = row(&records, "Sam Staff");
    assert_eq!(sam[s("status")], "expired");
    assert_eq!(sam[s("completed")], "2026-01-10");
    assert_eq!(sam[s("valid until")], "2027-01-10");
    assert_eq!(sam[col(header, "staff-aup status")], "expired");
    assert_eq!(sam[m("status")], "not required");

    let dsl = row(&records, "Dee Lead");
    assert!(
        dsl[4..header.len() - 1]
            .iter()
            .all(|c| c == "not required" || c.is_empty())
    );

    // Who reads easy read, and why.
    let easy = col(header, "easy read");
    assert_eq!(row(&records, "Ina Progress")[easy], "yes: chosen");
    assert_eq!(nat[easy], "yes: assigned by Dee Lead");
    assert_eq!(lee[easy], "no", "their own level stands over the group's");
    assert_eq!(sam[easy], "yes: group Year 10");
    assert_eq!(dsl[easy], "yes: group Year 10");

    // nothing of the other organisation, nor the deactivated person
    for absent in ["Oli Other", "oli@other.example.org", "Ola", "Gus Gone"] {
        assert!(!text.contains(absent), "{absent} must not be exported");
    }
}

#[tokio::test]
async fn the_signatures_list_every_latest_signature_with_its_hash() {
    let w = world().await;
    let org = w.profile.id.clone();
    let setting = Setting {
        library: &w.lib2,
        profile: &w.profile,
    };
    let (text, rows) = signatures_csv(&w.store, setting, &org, later())
        .await
        .unwrap();
    let records = parse(&text);
    assert_eq!(records[0], signatures::COLUMNS.map(String::from).to_vec());
    assert_eq!(rows, 2, "Lee's and Sam's");
    let lee = row(&records, "Lee Passed");
    assert_eq!(lee[2], "learner-aup");
    assert_eq!(lee[4], "no", "signed an older version than 9.0.0");
    assert_eq!(lee[5], "2026-01-10 10:00 GMT");
    assert_eq!(lee[6], "");
    assert_eq!(lee[7].len(), 64);
    assert_eq!(lee[8], "Lee Passed");
    let sam = row(&records, "Sam Staff");
    assert_eq!(sam[2], "staff-aup");
    assert_eq!(sam[4], "yes");
    assert_eq!(sam[6], "2027-01-10");
    for absent in ["Oli", "Ola", "other.example.org"] {
        assert!(!text.contains(absent), "{absent} must not be exported");
    }
}

#[tokio::test]
async fn the_evidence_counts_each_item_and_names_who_is_outstanding() {
    let w = world().await;
    let org = w.profile.id.clone();
    let setting = Setting {
        library: &w.lib2,
        profile: &w.profile,
    };
    let dsl = people::find_by_email(&w.store, &org, "dsl@example.org")
        .await
        .unwrap()
        .unwrap();
    let e = evidence(&w.store, setting, &org, &dsl, later())
        .await
        .unwrap();
    assert_eq!(e.generated_by, "Dee Lead");
    assert_eq!(e.people, 5);
    assert_eq!(e.org_name, w.profile.name);
    let item = |id: &str| e.items.iter().find(|i| i.id == id).unwrap();
    let m = item(LEARNER_MODULE);
    assert_eq!(
        (
            m.assigned,
            m.done_in_date,
            m.in_progress,
            m.not_started,
            m.overdue
        ),
        (3, 1, 1, 1, 0)
    );
    let names: Vec<&str> = m.outstanding.iter().map(|o| o.name.as_str()).collect();
    assert!(names.contains(&"Ina Progress") && !names.contains(&"Lee Passed"));
    let s = item(STAFF_MODULE);
    assert_eq!((s.assigned, s.overdue, s.done_in_date), (1, 1, 0));
    assert_eq!(s.outstanding[0].status, Status::Expired);
    assert_eq!(
        s.outstanding[0].expired_on.as_deref(),
        Some("10 January 2027")
    );
    let a = item("learner-aup");
    assert_eq!((a.assigned, a.overdue, a.not_started), (3, 1, 2));
    assert!(
        e.items.iter().all(|i| i.id != "parent-visitor-aup"),
        "nobody must do it"
    );
    // expiring soon: 20 days before the staff module expires
    let soon = dates::parse("2026-12-21T10:00:00Z").unwrap();
    let e = evidence(&w.store, setting, &org, &dsl, soon).await.unwrap();
    let s = e.items.iter().find(|i| i.id == STAFF_MODULE).unwrap();
    assert_eq!((s.done_in_date, s.expiring, s.overdue), (1, 1, 0));
    assert!(s.outstanding.is_empty());
}

#[tokio::test]
async fn another_organisations_setting_or_person_is_refused() {
    let w = world().await;
    let other = profile_of("other-college");
    let org = w.profile.id.clone();
    // the setting of org B asking for org A's keys
    let setting_b = Setting {
        library: library(),
        profile: &other,
    };
    assert!(matches!(
        matrix_csv(&w.store, setting_b, &org, later()).await,
        Err(ExportError::WrongOrganisation)
    ));
    assert!(matches!(
        signatures_csv(&w.store, setting_b, &org, later()).await,
        Err(ExportError::WrongOrganisation)
    ));
    // org B's export has only org B's people
    let (text, rows) = matrix_csv(&w.store, setting_b, &other.id, later())
        .await
        .unwrap();
    assert_eq!(rows, 2);
    assert!(text.contains("Oli Other") && !text.contains("Lee Passed"));
    // org B's DSL asking for org A's evidence
    let dsl_b = invite(
        &w.store,
        &other.id,
        "Bea Other DSL",
        "bea@other.example.org",
        vec![Role::Dsl],
    )
    .await;
    let setting_a = Setting {
        library: library(),
        profile: &w.profile,
    };
    assert!(matches!(
        evidence(&w.store, setting_a, &org, &dsl_b, later()).await,
        Err(ExportError::WrongOrganisation)
    ));
    // and org A's rows writer skips a person of org B handed to it
    let matrix = Matrix::load(&w.store, setting_a, &org, later())
        .await
        .unwrap();
    let mut out = csv::CsvWriter::new();
    assert_eq!(matrix.write_rows(&[dsl_b], &mut out), 0);
    assert!(out.is_empty());
}

#[test]
fn file_names_and_dates_are_uk_dates() {
    let org = OrgId::parse("demo").unwrap();
    // 23:30 UTC on 30 June is 1 July in London
    let t = dates::parse("2026-06-30T23:30:00Z").unwrap();
    assert_eq!(
        file_name("completion", &org, t),
        "completion-demo-2026-07-01.csv"
    );
    assert_eq!(csv_date_time(t), "2026-07-01 00:30 BST");
    assert_eq!(
        csv_date_time(dates::parse("2026-11-23T10:00:00Z").unwrap()),
        "2026-11-23 10:00 GMT"
    );
}
