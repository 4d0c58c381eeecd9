//! Transfer of a child's file between two organisations over HTTP: org A's DSL opens the
//! printable file and downloads the JSON file of a record (only the team's concern in it, never
//! the one about staff); org B's DSL uploads it, sees the preview with the sending organisation
//! and date, confirms, and finds the record with its chronology; importing it again makes
//! nothing new; org A's record is unchanged. Refused: every other role of both organisations,
//! org A's DSL at org B, a tampered, wrong-format or oversized file (nothing stored), a stale
//! form.

use crate::organisations::{ORG_B_ADMIN, ORG_B_HOST, create_org_b, get_at, sign_in_at};
use crate::support;

use chrono::Utc;
use safety_core::identity::{NewPerson, people};
use safety_core::org::OrgId;
use safety_core::roles::Role;
use safety_core::store::embedded::EmbeddedStore;
use support::{Response, Web, csrf_in, form, form_token, get_as, post_as, textarea_value};

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const DEPUTY: &str = "d.okafor@wexmoorvale.example.org";
const LEAD: &str = "principal@wexmoorvale.example.org";
const CHAIR: &str = "chair@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const PARENT: &str = "parent@wexmoorvale.example.org";
const ADMIN: &str = "admin@wexmoorvale.example.org";

const B_DSL: &str = "dsl@orgb.example.org";
const B_DEPUTY: &str = "deputy@orgb.example.org";
const B_STAFF: &str = "staff@orgb.example.org";
const B_LEARNER: &str = "learner@orgb.example.org";
const B_PARENT: &str = "parent@orgb.example.org";
const B_GOVERNOR: &str = "governor@orgb.example.org";

const TEAM_TEXT: &str = "Amira in Year 8 is being sent messages by an older boy <script>x</script>";
const STAFF_TEXT: &str = "A teacher kept Amira behind and took her phone";

fn prepare(data: &std::path::Path) {
    create_org_b(data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = EmbeddedStore::open(&data.join("platform.redb")).unwrap();
        let org = OrgId::parse("org-b").unwrap();
        for (email, name, role) in [
            (B_DSL, "Bryony Bell", Role::Dsl),
            (B_DEPUTY, "Dara Deputy", Role::DeputyDsl),
            (B_STAFF, "Sol Staff", Role::Staff),
            (B_LEARNER, "Lee Learner", Role::Learner),
            (B_PARENT, "Pia Parent", Role::Parent),
            (B_GOVERNOR, "Gus Governor", Role::Governor),
        ] {
            people::invite(
                &store,
                &org,
                &NewPerson {
                    email: email.into(),
                    name: name.into(),
                    roles: vec![role],
                    groups: vec![],
                },
                Utc::now(),
            )
            .await
            .unwrap();
        }
    });
}

fn tell(web: &Web, text: &str, involves: &str) {
    let token = form_token(&web.get("/tell").text());
    let r = web.post_form(
        "/tell",
        &[
            ("token", &token),
            ("text", text),
            ("urgency", "soon"),
            ("about", "a_friend"),
            ("involves", involves),
            ("kind", "bullying"),
            ("wants_contact", "no"),
        ],
    );
    assert_eq!(r.status, 200, "POST /tell\n{}", r.describe());
}

/// The ids after `prefix` in the page's links, in order, once each.
fn ids_after(html: &str, prefix: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for part in html.split(&format!("href=\"{prefix}")).skip(1) {
        let id: String = part
            .chars()
            .take_while(|c| *c != '"' && *c != '/')
            .collect();
        if id.len() == 36 && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn at_b(web: &Web, method: &str, path: &str, cookie: &str, ctype: &str, body: &[u8]) -> Response {
    web.request(
        method,
        path,
        &[
            ("Host", ORG_B_HOST),
            ("Cookie", cookie),
            ("Content-Type", ctype),
        ],
        body,
    )
}

/// Uploads a file to the import's preview at org B, as the browser's multipart form does.
fn upload(web: &Web, cookie: &str, csrf: &str, file: &[u8]) -> Response {
    let b = "----transfer-test-5e2a";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"transfer.json\"\r\n\
         Content-Type: application/json\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    at_b(
        web,
        "POST",
        "/transfers/import",
        cookie,
        &format!("multipart/form-data; boundary={b}"),
        &body,
    )
}

fn confirm(web: &Web, cookie: &str, csrf: &str, json: &str) -> Response {
    at_b(
        web,
        "POST",
        "/transfers/import/confirm",
        cookie,
        "application/x-www-form-urlencoded",
        form(&[("csrf", csrf), ("file", json)]).as_bytes(),
    )
}

/// The chronology section of a record page.
fn chronology(html: &str) -> String {
    let start = html
        .find("id=\"chronology-heading\"")
        .expect("a chronology");
    let end = html[start..]
        .find("id=\"merge-heading\"")
        .map_or(html.len(), |e| start + e);
    html[start..end].to_string()
}

/// How many records org B's DSL finds by this name.
fn found_at_b(web: &Web, cookie: &str, q: &str) -> usize {
    let html = get_at(web, ORG_B_HOST, &format!("/records?q={q}"), Some(cookie)).text();
    ids_after(&html, "/records/").len()
}

#[test]
fn transfer_round_trip_between_two_organisations() {
    let data = tempfile::tempdir().unwrap();
    prepare(data.path());
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    tell(&web, TEAM_TEXT, "nobody");
    tell(&web, STAFF_TEXT, "staff");
    let dsl = support::sign_in(&web, data.path(), DSL);
    let worries = ids_after(&get_as(&web, "/worries", &dsl).text(), "/worries/");
    assert_eq!(worries.len(), 2, "the DSL reads both");
    let lead = support::sign_in(&web, data.path(), LEAD);
    let about_staff = ids_after(&get_as(&web, "/worries", &lead).text(), "/worries/");
    assert_eq!(about_staff.len(), 1, "the lead reads the one about staff");
    let team = worries
        .iter()
        .find(|w| **w != about_staff[0])
        .unwrap()
        .clone();
    // Both linked to a new record of Amira by the DSL (who reads the one about staff too).
    let link = |worry: &str, fields: &[(&str, &str)]| {
        let path = format!("/worries/{worry}/people");
        let csrf = csrf_in(&get_as(&web, &path, &dsl).text());
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let r = post_as(&web, &path, &dsl, &all);
        assert_eq!(r.status, 200, "{}", r.describe());
        r.text()
    };
    let html = link(
        &team,
        &[
            ("name", "Amira Noor"),
            ("date_of_birth", "2013-04-02"),
            ("group", "Year 8"),
        ],
    );
    let record = ids_after(&html, "/records/")[0].clone();
    link(&about_staff[0], &[("record_id", &record)]);
    let record_path = format!("/records/{record}");
    let page = get_as(&web, &record_path, &dsl).text();
    assert!(
        page.contains(&format!("href=\"/records/{record}/transfer\"")),
        "the record links to its transfer"
    );
    let before = chronology(&page);
    assert!(
        before.contains("took her phone"),
        "the DSL reads both in the record"
    );

    // The printable file: the team's concern, never the one about staff; text escaped.
    let printable = get_as(&web, &format!("{record_path}/transfer"), &dsl);
    assert_eq!(printable.status, 200, "{}", printable.describe());
    assert_eq!(printable.header("cache-control"), Some("no-store"));
    let html = printable.text();
    assert!(html.contains("Child protection file: "));
    assert!(html.contains("Wexmoor Vale College (demo)"));
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "escaped");
    assert!(!html.contains("<script>x</script>"));
    assert!(
        !html.contains("took her phone"),
        "the concern about staff never leaves"
    );
    // The JSON file: a download, versioned, the same content, no record id.
    let file = get_as(&web, &format!("{record_path}/transfer.json"), &dsl);
    assert_eq!(file.status, 200, "{}", file.describe());
    assert_eq!(
        file.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert!(
        file.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"transfer-amira-noor-")),
        "{:?}",
        file.header("content-disposition")
    );
    let json = file.text();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format"], "online-safety-file/1");
    assert_eq!(v["sending_organisation"], "Wexmoor Vale College (demo)");
    assert_eq!(v["person"]["name"], "Amira Noor");
    assert_eq!(v["concerns"].as_array().unwrap().len(), 1);
    assert_eq!(v["concerns"][0]["text"], TEAM_TEXT);
    assert!(!json.contains("took her phone") && !json.contains(&record));
    // Both downloads are in the record's audit trail.
    let audit = get_as(&web, &record_path, &dsl).text();
    assert!(audit.contains("Exported for transfer (printable page): 1 concern"));
    assert!(audit.contains("Exported for transfer (JSON file): 1 concern"));

    // Refused at org A: signed out, and every role but the DSL and deputies.
    let r = web.get(&format!("{record_path}/transfer.json"));
    assert_eq!(r.status, 303, "signed out: to sign in");
    for email in [LEARNER, STAFF, PARENT, ADMIN, LEAD, CHAIR] {
        let who = support::sign_in(&web, data.path(), email);
        for path in [
            format!("{record_path}/transfer"),
            format!("{record_path}/transfer.json"),
            "/transfers/import".to_string(),
        ] {
            let r = get_as(&web, &path, &who);
            assert_eq!(r.status, 403, "{email} {path}");
        }
        if email == LEAD {
            let page = get_as(&web, &record_path, &who).text();
            assert!(
                !page.contains("/transfer\""),
                "no transfer link for the lead"
            );
        }
    }
    // The deputy exports (the team's concern) but does not import.
    let deputy = support::sign_in(&web, data.path(), DEPUTY);
    let by_deputy = get_as(&web, &format!("{record_path}/transfer.json"), &deputy);
    assert_eq!(by_deputy.status, 200);
    assert!(by_deputy.text().contains("older boy"));
    assert_eq!(get_as(&web, "/transfers/import", &deputy).status, 403);
    assert_eq!(
        get_as(&web, &format!("/records/{team}/transfer"), &dsl).status,
        404,
        "not a record"
    );

    // Org B.
    let (b_dsl, _) = sign_in_at(&web, data.path(), ORG_B_HOST, B_DSL);
    let form_page = get_at(&web, ORG_B_HOST, "/transfers/import", Some(&b_dsl));
    assert_eq!(form_page.status, 200, "{}", form_page.describe());
    assert!(form_page.text().contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_in(&form_page.text());
    assert!(
        get_at(&web, ORG_B_HOST, "/records", Some(&b_dsl))
            .text()
            .contains("href=\"/transfers/import\""),
        "the DSL's records page links to the import"
    );
    // Org A's session is nobody at org B; org A's DSL cannot import into org B.
    let r = at_b(&web, "GET", "/transfers/import", &dsl, "text/plain", b"");
    assert_ne!(r.status, 200, "{}", r.describe());
    let r = confirm(
        &web,
        &dsl,
        &csrf_in(&get_as(&web, "/me", &dsl).text()),
        &json,
    );
    assert!(r.status == 403 || r.status == 303, "{}", r.describe());
    // Refused files: each says why, keeps the form, and stores nothing.
    let big = |extra: usize| {
        let mut b = json.clone().into_bytes();
        b.extend(std::iter::repeat_n(b' ', extra));
        b
    };
    for (bad, status, says) in [
        (
            json.replace("older boy", "older girl").into_bytes(),
            422,
            "changed after it was exported",
        ),
        (
            json.replace("online-safety-file/1", "online-safety-file/9")
                .into_bytes(),
            422,
            "which this platform does not read",
        ),
        (
            b"email,name\nx@y.z,X".to_vec(),
            422,
            "is not a transfer file",
        ),
        (big(1024 * 1024), 422, "is at most 1 MB"),
        (big(2 * 1024 * 1024), 413, "is at most 1 MB"),
    ] {
        let r = upload(&web, &b_dsl, &csrf, &bad);
        assert_eq!(r.status, status, "{says}\n{}", support::cut(&r.text()));
        let html = r.text();
        assert!(
            html.contains("There is a problem") && html.contains(says),
            "{says}: {}",
            support::cut(&html)
        );
        assert!(
            html.contains("href=\"#file\""),
            "the summary links to the field"
        );
        assert!(html.contains("type=\"file\""), "the form again");
    }
    // A tampered file posted straight to the confirm is checked again.
    let r = confirm(
        &web,
        &b_dsl,
        &csrf,
        &json.replace("older boy", "older girl"),
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    assert_eq!(found_at_b(&web, &b_dsl, "amira"), 0, "nothing stored");
    // A stale form: refused, nothing stored.
    let r = upload(&web, &b_dsl, "not-the-token", json.as_bytes());
    assert_eq!(r.status, 403, "{}", r.describe());
    let r = confirm(&web, &b_dsl, "not-the-token", &json);
    assert_eq!(r.status, 403, "{}", r.describe());
    assert_eq!(found_at_b(&web, &b_dsl, "amira"), 0, "nothing stored");

    // The preview: who sent it and when (to confirm receipt), what is in it; nothing stored.
    let preview = upload(&web, &b_dsl, &csrf, json.as_bytes());
    assert_eq!(preview.status, 200, "{}", support::cut(&preview.text()));
    let html = preview.text();
    assert!(
        html.contains("Sent by Wexmoor Vale College (demo), exported "),
        "{}",
        support::cut(&html)
    );
    assert!(
        html.contains("&lt;script&gt;x&lt;/script&gt;") && !html.contains("<script>x</script>")
    );
    assert_eq!(
        found_at_b(&web, &b_dsl, "amira"),
        0,
        "a preview stores nothing"
    );
    let posted = textarea_value(&html);
    assert_eq!(posted, json, "the file goes back exactly as uploaded");
    let done = confirm(&web, &b_dsl, &csrf, &posted);
    assert_eq!(done.status, 200, "{}", done.describe());
    let html = done.text();
    assert!(html.contains("File imported"), "{}", support::cut(&html));
    let imported = ids_after(&html, "/records/")[0].clone();
    assert_ne!(imported, record);
    // Again: nothing new (the same file, and the file downloaded again).
    let again = confirm(&web, &b_dsl, &csrf, &posted);
    assert_eq!(again.status, 200);
    assert!(again.text().contains("This file was imported already"));
    assert_eq!(ids_after(&again.text(), "/records/")[0], imported);
    let redownloaded = get_as(&web, &format!("{record_path}/transfer.json"), &dsl).text();
    let preview = upload(&web, &b_dsl, &csrf, redownloaded.as_bytes()).text();
    assert!(
        preview.contains("This file was imported already"),
        "{}",
        support::cut(&preview)
    );
    let again = confirm(&web, &b_dsl, &csrf, &redownloaded);
    assert!(again.text().contains("This file was imported already"));
    assert_eq!(found_at_b(&web, &b_dsl, "amira"), 1, "one record at org B");

    // Org B's record: the transferred chronology, for the DSL and the deputy.
    let page = get_at(
        &web,
        ORG_B_HOST,
        &format!("/records/{imported}"),
        Some(&b_dsl),
    );
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    assert!(html.contains("Amira Noor") && html.contains("2 April 2013"));
    let chron = chronology(&html);
    assert!(chron.contains("Received this record by transfer from Wexmoor Vale College (demo)"));
    assert!(chron.contains("transferred from Wexmoor Vale College (demo)"));
    assert!(chron.contains("&lt;script&gt;x&lt;/script&gt;") && !chron.contains("<script>x"));
    assert!(!chron.contains("took her phone"));
    assert!(
        html.contains("Imported by transfer from Wexmoor Vale College (demo)"),
        "in the audit"
    );
    let (b_deputy, _) = sign_in_at(&web, data.path(), ORG_B_HOST, B_DEPUTY);
    let by_deputy = get_at(
        &web,
        ORG_B_HOST,
        &format!("/records/{imported}"),
        Some(&b_deputy),
    )
    .text();
    assert!(by_deputy.contains("older boy"));
    // Org B's other roles: refused everywhere new; the deputy may not import.
    for email in [
        B_STAFF,
        B_LEARNER,
        B_PARENT,
        B_GOVERNOR,
        ORG_B_ADMIN,
        B_DEPUTY,
    ] {
        let (who, _) = sign_in_at(&web, data.path(), ORG_B_HOST, email);
        let r = get_at(&web, ORG_B_HOST, "/transfers/import", Some(&who));
        assert_eq!(r.status, 403, "{email}");
        let their_csrf = csrf_in(&get_at(&web, ORG_B_HOST, "/me", Some(&who)).text());
        let r = upload(&web, &who, &their_csrf, json.as_bytes());
        assert_eq!(r.status, 403, "{email} upload");
        let r = confirm(&web, &who, &their_csrf, &json);
        assert_eq!(r.status, 403, "{email} confirm");
        if email != B_DEPUTY {
            for path in [
                format!("/records/{imported}/transfer"),
                format!("/records/{imported}/transfer.json"),
            ] {
                let r = get_at(&web, ORG_B_HOST, &path, Some(&who));
                assert_eq!(r.status, 403, "{email} {path}");
            }
        }
    }
    // Org A cannot reach org B's record; org A's record is as it was.
    assert_eq!(
        get_as(&web, &format!("/records/{imported}"), &dsl).status,
        404
    );
    assert_eq!(
        get_as(&web, &format!("/records/{imported}/transfer.json"), &dsl).status,
        404
    );
    let after = get_as(&web, &record_path, &dsl).text();
    assert_eq!(chronology(&after), before, "org A's record is unchanged");
}
