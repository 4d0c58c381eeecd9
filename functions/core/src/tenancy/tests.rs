//! The pure parts: versions, host names, what changed.

use super::hosts::normalise_host;
use super::policies::{Change, front_matter_version, is_editable, next_version, with_version};
use super::profile::describe_changes;

#[test]
fn versions_move_on_by_the_kind_of_change() {
    assert_eq!(next_version("1.3.1", Change::Major), "2.0.0");
    assert_eq!(next_version("1.3.1", Change::Minor), "1.4.0");
    assert_eq!(next_version("9.0.0", Change::New), "1.0.0");
    let text = "+++\nid = \"x\"\nversion = \"1.0.0\"\n+++\nBody version = \"kept\"\n";
    let v2 = with_version(text, "2.0.0");
    assert_eq!(front_matter_version(&v2).as_deref(), Some("2.0.0"));
    assert!(
        v2.ends_with("Body version = \"kept\"\n"),
        "the body is untouched: {v2}"
    );
    let none = with_version("+++\nid = \"x\"\n+++\nBody\n", "1.0.0");
    assert_eq!(front_matter_version(&none).as_deref(), Some("1.0.0"));
    assert_eq!(with_version("no front matter", "1.0.0"), "no front matter");
    assert_eq!(
        with_version("+++\r\nversion = \"1.0.0\"\r\n+++\r\nA\r\n", "1.1.0"),
        "+++\nversion = \"1.1.0\"\n+++\nA\n",
        "Windows line ends from a browser's textarea"
    );
}

#[test]
fn only_pages_people_read_can_be_edited() {
    for ok in [
        "aups/staff-aup.md",
        "guidance/our-phones.md",
        "modules/staff/x.md",
    ] {
        assert!(is_editable(ok), "{ok}");
    }
    for bad in [
        "quizzes/x.md",
        "organisations/demo.toml",
        "help.toml",
        "aups/../help.toml",
        "aups/easy-read/learner-aup.md",
        "aups/Staff.md",
        "aups/x.toml",
    ] {
        assert!(!is_editable(bad), "{bad}");
    }
}

#[test]
fn host_names_are_compared_without_case_port_or_trailing_dot() {
    assert_eq!(
        normalise_host("Org-A.Example.org:8443").as_deref(),
        Some("org-a.example.org")
    );
    assert_eq!(
        normalise_host("org-a.example.org.").as_deref(),
        Some("org-a.example.org")
    );
    assert_eq!(normalise_host("localhost").as_deref(), Some("localhost"));
    for bad in [
        "",
        "[::1]:3000",
        "a..b",
        "a b",
        "host:port",
        "a/b",
        &"a".repeat(64),
    ] {
        assert_eq!(normalise_host(bad), None, "{bad}");
    }
}

#[test]
fn what_changed_is_one_line_per_value_in_words() {
    let lib = crate::content::load_embedded().unwrap();
    let before = lib.org("demo").unwrap().clone();
    let mut after = before.clone();
    after.dsl.phone = "01632 960999".into();
    after.deputies.pop();
    after.local.lado_phone = "01632 960777".into();
    let lines = describe_changes(&before, &after);
    assert!(
        lines.contains(&format!("DSL › phone: {} → 01632 960999", before.dsl.phone)),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Local services › LADO phone:")),
        "{lines:?}"
    );
    let removed = before.deputies.last().unwrap();
    assert!(
        lines.contains(&format!(
            "Deputy {} › name: {} → (none)",
            before.deputies.len(),
            removed.name
        )),
        "{lines:?}"
    );
    assert!(describe_changes(&before, &before).is_empty());
}

#[test]
fn requirements_and_sign_on_changes_are_said_by_who_and_by_name() {
    use super::profile::describe_changes_in;
    use crate::org::{Requirement, SsoKind, SsoProvider};
    let lib = crate::content::load_embedded().unwrap();
    let before = lib.org("demo").unwrap().clone();
    let title = |id: &str| {
        lib.pages
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.title.clone())
            .unwrap()
    };
    let mut after = before.clone();
    // A new requirement in front: the others are not said to change.
    after.requirements.insert(
        0,
        Requirement {
            role: "staff".into(),
            group: Some("Site A staff".into()),
            modules: vec!["staff-adults-at-risk".into()],
            aups: vec![],
        },
    );
    after.requirements[2].aups.clear();
    after.requirements[2]
        .modules
        .retain(|m| m != "staff-filtering-and-monitoring");
    after.requirements[2]
        .modules
        .push("staff-searching-screening-and-confiscation".into());
    after.requirements.pop();
    let lines = describe_changes_in(&before, &after, &lib.pages);
    assert_eq!(
        lines,
        [
            format!(
                "Requirement added for Staff member, in Site A staff: modules “{}”",
                title("staff-adults-at-risk")
            ),
            format!(
                "Requirement for Staff member › modules: added “{}”; removed “{}”",
                title("staff-searching-screening-and-confiscation"),
                title("staff-filtering-and-monitoring")
            ),
            format!(
                "Requirement for Staff member › AUPs: removed “{}”",
                title("staff-aup")
            ),
            format!(
                "Requirement removed for Parent or carer: AUPs “{}”",
                title("parent-visitor-aup")
            ),
        ],
    );
    // Without the content: by id.
    assert!(
        describe_changes(&before, &after)[0].ends_with("modules `staff-adults-at-risk`"),
        "{:?}",
        describe_changes(&before, &after)
    );

    // Single sign-on, by the provider's id.
    let mut sso = before.clone();
    sso.sso.insert(
        0,
        SsoProvider {
            id: "microsoft".into(),
            label: "Sign in with Microsoft".into(),
            kind: SsoKind::Entra,
            issuer: None,
            tenant: Some("t".into()),
            domain: None,
            client_id: "c".into(),
        },
    );
    sso.sso[1].client_id = "new-client".into();
    let lines = describe_changes(&before, &sso);
    assert_eq!(
        lines,
        [
            "Single sign-on added: `microsoft` (Microsoft Entra ID, “Sign in with Microsoft”)"
                .to_string(),
            format!(
                "Single sign-on `demo` › client id: {} → new-client",
                before.sso[0].client_id
            ),
        ]
    );
    let gone = describe_changes(&sso, &before);
    assert!(
        gone.contains(
            &"Single sign-on removed: `microsoft` (Microsoft Entra ID, “Sign in with Microsoft”)"
                .to_string()
        )
    );
}
