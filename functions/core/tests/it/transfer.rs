//! Transfer of a child's file between organisations, through the core's public interface, on
//! both backends: what the export carries (team-queue worries the exporter may read, with their
//! chronology and decisions; never a worry in the staff, DSL or head queue, even when the
//! exporter reads it as the allegations lead; never a worry hidden from them), the audit of each
//! download, the strict check of an uploaded file (tampered, wrong format, oversized), the
//! import into a second organisation (the record, its chronology for the team only, the audit),
//! a second import of the same file (a no-op), and the refusals (roles, a deactivated DSL).

use crate::support;

use chrono::{DateTime, Duration, Utc};
use safety_core::crypto::Secret;
use safety_core::identity::{NewPerson, Person, people};
use safety_core::org::OrgId;
use safety_core::records::transfer::{self, ExportFormat, FORMAT};
use safety_core::records::{self, DetailsInput, FileError, LinkTo};
use safety_core::roles::Role;
use safety_core::routing::Involves;
use safety_core::store::Store;
use safety_core::store::embedded::EmbeddedStore;
use safety_core::worry::case::{self, CaseAction};
use safety_core::worry::code::FormToken;
use safety_core::worry::decision::{Decision, Threshold};
use safety_core::worry::{self, FORM_PURPOSE, Sender, WorryInput};
use support::dynamodb_local::DynamoDbLocal;
use support::{kinds, t0};

fn secret() -> Secret {
    Secret::new("transfer-test-secret-transfer-test-secret").unwrap()
}

async fn person<S: Store>(store: &S, org: &OrgId, name: &str, roles: Vec<Role>) -> Person {
    let email = format!(
        "{}.{}@example.org",
        name.to_lowercase().replace(' ', "."),
        org.as_str()
    );
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

async fn submit<S: Store>(
    store: &S,
    org: &OrgId,
    involves: Involves,
    text: &str,
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
    worry::submit(
        store,
        org,
        &secret(),
        &token,
        &input,
        kinds(),
        &Sender::Anonymous,
        at,
    )
    .await
    .unwrap()
    .worry_id
}

async fn act<S: Store>(
    store: &S,
    org: &OrgId,
    who: &Person,
    worry_id: &str,
    action: CaseAction,
    at: DateTime<Utc>,
) {
    let version = case::open(store, org, who, worry_id, at)
        .await
        .unwrap()
        .worry
        .version;
    case::act(
        store,
        org,
        who,
        worry_id,
        &uuid::Uuid::new_v4().to_string(),
        version,
        action,
        at,
    )
    .await
    .unwrap();
}

fn label(kind: &str) -> String {
    format!("Kind {kind}")
}

async fn export<S: Store>(
    store: &S,
    org: &OrgId,
    by: &Person,
    record_id: &str,
    format: ExportFormat,
    at: DateTime<Utc>,
) -> Result<transfer::TransferFile, FileError> {
    transfer::export(
        store,
        org,
        "Oak School",
        &secret(),
        by,
        record_id,
        format,
        &label,
        at,
    )
    .await
}

fn new(name: &str) -> LinkTo {
    LinkTo::New(
        DetailsInput {
            name: name.into(),
            date_of_birth: "2013-04-02".into(),
            group: "Year 8".into(),
            note: String::new(),
        }
        .validate(t0().date_naive())
        .unwrap(),
    )
}

async fn scenario<S: Store>(store: &S, a: &OrgId, b: &OrgId) {
    // Oak School: the DSL (also staff), a deputy, the allegations lead, the chair.
    let dsl = person(store, a, "Dana DSL", vec![Role::Dsl, Role::Staff]).await;
    let deputy = person(store, a, "Dev Deputy", vec![Role::DeputyDsl]).await;
    let lead = person(store, a, "Lou Lead", vec![Role::AllegationsLead]).await;
    let chair = person(store, a, "Cam Chair", vec![Role::Chair]).await;
    let staff = person(store, a, "Sam Staff", vec![Role::Staff]).await;
    let team = submit(
        store,
        a,
        Involves::Nobody,
        "Amira is being messaged by a stranger",
        t0(),
    )
    .await;
    let staff_worry = submit(
        store,
        a,
        Involves::Staff,
        "A teacher kept Amira behind and took her phone",
        t0() + Duration::hours(1),
    )
    .await;
    let about_dsl = submit(
        store,
        a,
        Involves::Dsl,
        "The DSL messaged Amira privately",
        t0() + Duration::hours(2),
    )
    .await;
    let now = t0() + Duration::hours(3);
    let rec = records::link(store, a, &dsl, &team, new("Amira Noor"), now)
        .await
        .unwrap();
    records::link(
        store,
        a,
        &dsl,
        &staff_worry,
        LinkTo::File(rec.record_id.clone()),
        now,
    )
    .await
    .unwrap();
    records::link(
        store,
        a,
        &lead,
        &about_dsl,
        LinkTo::File(rec.record_id.clone()),
        now,
    )
    .await
    .unwrap();
    act(
        store,
        a,
        &dsl,
        &team,
        CaseAction::Note("Spoke to Amira <b>today</b>".into()),
        now + Duration::minutes(1),
    )
    .await;
    act(
        store,
        a,
        &dsl,
        &team,
        CaseAction::Decide {
            decision: Decision::Threshold {
                level: Threshold::EarlyHelp,
            },
            reason: "Met the early help level".into(),
        },
        now + Duration::minutes(2),
    )
    .await;
    let at = now + Duration::minutes(10);

    // The DSL's file: the team's worry only, with its note and the decision's field.
    let file = export(store, a, &dsl, &rec.record_id, ExportFormat::Json, at)
        .await
        .unwrap();
    assert_eq!(file.format, FORMAT);
    assert_eq!(file.sending_organisation, "Oak School");
    assert_eq!(file.exported_by, "Dana DSL");
    assert_eq!(file.person.name, "Amira Noor");
    assert_eq!(file.person.date_of_birth.as_deref(), Some("2013-04-02"));
    let refs: Vec<&str> = file.concerns.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, [team.as_str()], "only the team's worry leaves");
    let c = &file.concerns[0];
    assert_eq!(c.text, "Amira is being messaged by a stranger");
    assert_eq!(c.kind, "Kind bullying");
    let whats: Vec<&str> = c.entries.iter().map(|e| e.what.as_str()).collect();
    assert!(whats.contains(&"Added a note"), "{whats:?}");
    let decision = c
        .entries
        .iter()
        .find(|e| e.what.starts_with("Threshold decision"))
        .expect("the decision is in the file");
    assert_eq!(decision.text, "Met the early help level");
    assert_eq!(decision.fields[0].label, "Threshold");
    assert!(!decision.fields[0].value.is_empty());
    assert!(
        c.entries.windows(2).all(|w| w[0].at <= w[1].at),
        "entries in time order"
    );
    let json = file.to_json();
    for never in [
        "took her phone",
        "messaged Amira privately",
        &rec.record_id,
        &dsl.id,
    ] {
        assert!(!json.contains(never), "{never} left in the file");
    }

    // The allegations lead reads the staff and DSL worries but may not export at all; the
    // deputy exports only what they read in the team's queue; the chair and staff may not.
    for who in [&lead, &chair, &staff] {
        let refused = export(store, a, who, &rec.record_id, ExportFormat::Json, at).await;
        assert!(
            matches!(refused, Err(FileError::NotFound)),
            "{}: {refused:?}",
            who.name
        );
    }
    let by_deputy = export(
        store,
        a,
        &deputy,
        &rec.record_id,
        ExportFormat::Printable,
        at,
    )
    .await
    .unwrap();
    assert_eq!(by_deputy.concerns.len(), 1);
    assert_eq!(by_deputy.concerns[0].reference, team);
    let mut gone = dsl.clone();
    gone.active = false;
    assert!(matches!(
        export(store, a, &gone, &rec.record_id, ExportFormat::Json, at).await,
        Err(FileError::NotFound)
    ));
    // Another organisation's DSL does not find the record.
    let other_dsl = person(store, b, "Bea DSL", vec![Role::Dsl]).await;
    assert!(matches!(
        export(store, b, &other_dsl, &rec.record_id, ExportFormat::Json, at).await,
        Err(FileError::NotFound)
    ));

    // Each download is in the record's audit trail and in the included worry's, not the others'.
    let shown_a = records::open(store, a, &dsl, &rec.record_id, at)
        .await
        .unwrap();
    let audit: Vec<String> = shown_a
        .audit
        .clone()
        .unwrap()
        .into_iter()
        .map(|e| e.what)
        .collect();
    assert!(
        audit.contains(&"Exported for transfer (JSON file): 1 concern".to_string()),
        "{audit:?}"
    );
    assert!(
        audit.contains(&"Exported for transfer (printable page): 1 concern".to_string()),
        "{audit:?}"
    );
    let team_audit: Vec<String> = case::open(store, a, &dsl, &team, at)
        .await
        .unwrap()
        .audit
        .into_iter()
        .map(|e| e.what)
        .collect();
    assert!(
        team_audit
            .iter()
            .any(|w| w == "Exported for transfer (JSON file) in the person record of Amira Noor"),
        "{team_audit:?}"
    );
    let staff_audit: Vec<String> = case::open(store, a, &dsl, &staff_worry, at)
        .await
        .unwrap()
        .audit
        .into_iter()
        .map(|e| e.what)
        .collect();
    assert!(
        !staff_audit.iter().any(|w| w.starts_with("Exported")),
        "{staff_audit:?}"
    );

    // The check: a tampered file, another format, an oversized one, not JSON, empty.
    let bytes = json.as_bytes();
    let tampered = json.replace("messaged by a stranger", "fine");
    for (bad, says) in [
        (
            tampered.clone().into_bytes(),
            "changed after it was exported",
        ),
        (
            json.replace(FORMAT, "online-safety-file/2").into_bytes(),
            "does not read",
        ),
        (
            vec![b' '; transfer::MAX_FILE_BYTES + 1],
            "Choose the transfer file",
        ),
        (
            {
                let mut big = json.clone().into_bytes();
                big.extend(std::iter::repeat_n(b' ', transfer::MAX_FILE_BYTES));
                big
            },
            "too large",
        ),
        (b"name,date\nAmira,2013".to_vec(), "not a transfer file"),
        (
            b"{\"name\": \"Amira\"}".to_vec(),
            "does not say it is a transfer file",
        ),
    ] {
        let errors = transfer::check(&bad, &secret(), at).unwrap_err();
        assert!(errors[0].message.contains(says), "{says}: {errors:?}");
    }
    // Sealed by another deployment.
    let elsewhere = Secret::new("another-deployment-secret-another-deployment").unwrap();
    assert!(transfer::check(bytes, &elsewhere, at).is_err());

    // The import into Bright College: its DSL only.
    let b_deputy = person(store, b, "Dee Deputy", vec![Role::DeputyDsl]).await;
    let b_lead = person(store, b, "Lee Lead", vec![Role::AllegationsLead]).await;
    let b_admin = person(store, b, "Ari Admin", vec![Role::Admin]).await;
    let later = at + Duration::days(2);
    let checked = transfer::check(bytes, &secret(), later).unwrap();
    assert_eq!(checked.details.name, "Amira Noor");
    for who in [&b_deputy, &b_lead, &b_admin] {
        let refused = transfer::import(store, b, who, &checked, later).await;
        assert!(
            matches!(refused, Err(FileError::NotFound)),
            "{}: {refused:?}",
            who.name
        );
    }
    let mut left = other_dsl.clone();
    left.active = false;
    assert!(matches!(
        transfer::import(store, b, &left, &checked, later).await,
        Err(FileError::NotFound)
    ));
    let imported = transfer::import(store, b, &other_dsl, &checked, later)
        .await
        .unwrap();
    assert!(!imported.duplicate);
    assert_eq!(imported.from, "Oak School");
    // Once: the same file again (downloaded again too) stores nothing more.
    let again = transfer::import(store, b, &other_dsl, &checked, later)
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.record_id, imported.record_id);
    let redownloaded = export(
        store,
        a,
        &dsl,
        &rec.record_id,
        ExportFormat::Json,
        at + Duration::hours(1),
    )
    .await
    .unwrap();
    let checked2 = transfer::check(redownloaded.to_json().as_bytes(), &secret(), later).unwrap();
    assert_eq!(
        checked2.key, checked.key,
        "the key does not depend on when it was downloaded"
    );
    assert!(
        transfer::import(store, b, &other_dsl, &checked2, later)
            .await
            .unwrap()
            .duplicate
    );
    let found = records::search(store, b, &other_dsl, "amira", false)
        .await
        .unwrap();
    assert_eq!(found.files.len(), 1, "one record in Bright College");

    // The new record: the team reads the transferred chronology; the lead sees only its receipt.
    let shown = records::open(store, b, &other_dsl, &imported.record_id, later)
        .await
        .unwrap();
    assert_eq!(shown.file.name, "Amira Noor");
    assert!(shown.file.person_id.is_none(), "an off-platform record");
    assert!(shown.worries.is_empty(), "no worry of Bright College's");
    let whats: Vec<&str> = shown.chronology.iter().map(|e| e.what.as_str()).collect();
    assert!(
        whats
            .iter()
            .any(|w| w.starts_with("Received this record by transfer from Oak School")),
        "{whats:?}"
    );
    assert!(
        whats.iter().any(|w| w.starts_with("Sent a concern")
            && w.contains("transferred from Oak School")
            && w.contains(&team)),
        "{whats:?}"
    );
    assert!(
        whats.contains(&"Added a note (transferred from Oak School, 23 November 2026)"),
        "{whats:?}"
    );
    assert!(
        shown
            .chronology
            .iter()
            .any(|e| e.text == "Spoke to Amira <b>today</b>")
    );
    assert!(
        shown
            .chronology
            .iter()
            .any(|e| e.text.contains("Threshold: "))
    );
    assert!(shown.chronology.windows(2).all(|w| w[0].at <= w[1].at));
    let audit: Vec<String> = shown.audit.unwrap().into_iter().map(|e| e.what).collect();
    assert!(
        audit
            .iter()
            .any(|w| w.starts_with("Imported by transfer from Oak School (exported by Dana DSL")),
        "{audit:?}"
    );
    let by_deputy = records::open(store, b, &b_deputy, &imported.record_id, later)
        .await
        .unwrap();
    assert!(
        by_deputy
            .chronology
            .iter()
            .any(|e| e.text == "Amira is being messaged by a stranger")
    );
    let by_lead = records::open(store, b, &b_lead, &imported.record_id, later)
        .await
        .unwrap();
    let lead_lines: Vec<&str> = by_lead.chronology.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(lead_lines.len(), 1, "{lead_lines:?}");
    assert!(lead_lines[0].starts_with("Received this record by transfer"));
    // Oak School cannot read it, and its own record is as it was (plus the views).
    assert!(matches!(
        records::open(store, a, &dsl, &imported.record_id, later).await,
        Err(FileError::NotFound)
    ));
    let after = records::open(store, a, &dsl, &rec.record_id, later)
        .await
        .unwrap();
    assert_eq!(after.chronology, shown_a.chronology);
    assert_eq!(after.file, shown_a.file);

    // Passed on again: the received concerns go with the record, saying where they came from.
    let onward = export(
        store,
        b,
        &other_dsl,
        &imported.record_id,
        ExportFormat::Json,
        later,
    )
    .await
    .unwrap();
    assert_eq!(onward.sending_organisation, "Oak School");
    assert_eq!(onward.concerns.len(), 1);
    assert_eq!(onward.concerns[0].reference, team);
    assert_eq!(
        onward.concerns[0].transferred_from.as_deref(),
        Some("Oak School, 23 November 2026")
    );

    // Merged into another record of Bright College's, the transferred concerns go with it.
    let b_worry = submit(
        store,
        b,
        Involves::Nobody,
        "Amira was upset at lunch",
        later,
    )
    .await;
    let kept = records::link(store, b, &other_dsl, &b_worry, new("Amira N"), later)
        .await
        .unwrap();
    records::merge(
        store,
        b,
        &other_dsl,
        &kept.record_id,
        &imported.record_id,
        later,
    )
    .await
    .unwrap();
    let merged = records::open(store, b, &other_dsl, &kept.record_id, later)
        .await
        .unwrap();
    assert!(
        merged
            .chronology
            .iter()
            .any(|e| e.text == "Amira is being messaged by a stranger")
    );
    assert!(
        merged
            .chronology
            .iter()
            .any(|e| e.text == "Amira was upset at lunch")
    );
    let both = export(
        store,
        b,
        &other_dsl,
        &kept.record_id,
        ExportFormat::Json,
        later,
    )
    .await
    .unwrap();
    let refs: Vec<&str> = both.concerns.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, [team.as_str(), b_worry.as_str()], "oldest first");
}

/// One person who is the DSL, the allegations lead and the admin: they read the worry about
/// staff, and it still never leaves.
async fn one_person_many_roles<S: Store>(store: &S, org: &OrgId) {
    let head = person(
        store,
        org,
        "Pat Head",
        vec![Role::Dsl, Role::AllegationsLead, Role::Admin],
    )
    .await;
    let team = submit(
        store,
        org,
        Involves::Nobody,
        "A stranger asked for photos",
        t0(),
    )
    .await;
    let staff = submit(
        store,
        org,
        Involves::Staff,
        "A coach shared a photo of the team",
        t0(),
    )
    .await;
    let head_worry = submit(store, org, Involves::Head, "The head shouted at Noor", t0()).await;
    let now = t0() + Duration::hours(1);
    let rec = records::link(store, org, &head, &team, new("Noor Hale"), now)
        .await
        .unwrap();
    records::link(
        store,
        org,
        &head,
        &staff,
        LinkTo::File(rec.record_id.clone()),
        now,
    )
    .await
    .unwrap();
    let linked_head = records::link(
        store,
        org,
        &head,
        &head_worry,
        LinkTo::File(rec.record_id.clone()),
        now,
    )
    .await;
    assert!(
        linked_head.is_err(),
        "the head never reads a worry about the head"
    );
    let shown = records::open(store, org, &head, &rec.record_id, now)
        .await
        .unwrap();
    assert_eq!(shown.worries.len(), 2, "they read the worry about staff");
    let file = export(store, org, &head, &rec.record_id, ExportFormat::Json, now)
        .await
        .unwrap();
    let refs: Vec<&str> = file.concerns.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(refs, [team.as_str()]);
    assert!(!file.to_json().contains("coach"));
}

#[tokio::test]
async fn transfer_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("s.redb")).unwrap();
    scenario(
        &store,
        &OrgId::parse("oak").unwrap(),
        &OrgId::parse("bright").unwrap(),
    )
    .await;
    one_person_many_roles(&store, &OrgId::parse("many").unwrap()).await;
}

#[tokio::test]
async fn transfer_on_dynamodb_local() {
    let local = DynamoDbLocal::start();
    let store = support::dynamo_table(&local, "transfer").await;
    scenario(
        &store,
        &OrgId::parse("oak").unwrap(),
        &OrgId::parse("bright").unwrap(),
    )
    .await;
    one_person_many_roles(&store, &OrgId::parse("many").unwrap()).await;
}
