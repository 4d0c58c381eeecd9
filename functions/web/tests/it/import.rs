//! Importing people from a CSV file over HTTP, as a job: the real `web` binary with its own
//! embedded store and the demo people. The upload, the preview, the confirmation (a job), its
//! page with a `<progress>` element that refreshes itself to continue, and the summary; who may
//! do it; and that a job of another organisation, or an unknown one, is not found.

use crate::support;

use safety_core::identity::{import, import_job, people};
use safety_core::org::OrgId;
use safety_core::store::embedded::EmbeddedStore;
use std::path::{Path, PathBuf};
use support::{Response, TEST_SECRET, Web, csrf_in, cut, decode_entities, get_as, post_as};

const ADMIN: &str = "admin@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const SESSION_KEYS: &str = "k1:import-test-session-secret-0123456789";

/// A server on its own data folder (kept, so the store can be opened once it has stopped).
struct Site {
    web: Web,
    data: tempfile::TempDir,
}

impl Site {
    fn start() -> Site {
        Site::start_in(tempfile::tempdir().expect("temp dir"))
    }

    fn start_in(data: tempfile::TempDir) -> Site {
        let web = Web::serve_embedded(
            data.path(),
            &[
                ("APP_SESSION_KEYS", SESSION_KEYS.into()),
                ("APP_DEMO_PEOPLE", "true".into()),
            ],
        );
        Site { web, data }
    }

    /// Stops the server and opens its store.
    fn stop_and_open(self) -> (tempfile::TempDir, EmbeddedStore) {
        drop(self.web);
        let store = EmbeddedStore::open(&store_path(self.data.path())).expect("open the store");
        (self.data, store)
    }
}

fn store_path(data: &Path) -> PathBuf {
    data.join("platform.redb")
}

fn demo() -> OrgId {
    OrgId::parse("demo").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Signing in (through the outbox) and requests with the session cookie

/// Signs `email` in through an emailed link; returns the cookie to send.
#[track_caller]
fn sign_in(site: &Site, email: &str) -> String {
    support::sign_in(&site.web, site.data.path(), email)
}

/// Uploads a file to the preview, as the browser's multipart form does.
fn upload(web: &Web, cookie: &str, csrf: &str, csv: &str) -> Response {
    let b = "----import-test-7d1b0c";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    );
    web.request(
        "POST",
        "/admin/people/import",
        &[
            ("Cookie", cookie),
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={b}"),
            ),
        ],
        body.as_bytes(),
    )
}

/// The inner text of the element with this `data-testid` (tags dropped; the element must not
/// hold another of its own kind).
fn testid_text(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"data-testid="{id}""#))?;
    let start = html[..at].rfind('<')? + 1;
    let name: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let open = at + html[at..].find('>')? + 1;
    let close = open + html[open..].find(&format!("</{name}>"))?;
    let mut out = String::new();
    let mut in_tag = false;
    for c in html[open..close].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    Some(decode_entities(&out).trim().to_string())
}

/// The address of the page's `<meta http-equiv="refresh">`, if it has one.
fn refresh_url(html: &str) -> Option<String> {
    let at = html.find(r#"http-equiv="refresh""#)?;
    let open = html[..at].rfind("<meta")?;
    let close = at + html[at..].find('>')?;
    let tag = &html[open..close];
    let content = tag.split(r#"content=""#).nth(1)?.split('"').next()?;
    let url = decode_entities(content).split_once("url=")?.1.to_string();
    Some(url)
}

/// `<progress max=".." value="..">` of the page.
fn progress(html: &str) -> Option<(usize, usize)> {
    let at = html.find("<progress")?;
    let tag = &html[at..at + html[at..].find('>')?];
    let attr = |name: &str| -> Option<usize> {
        tag.split(&format!(r#" {name}=""#))
            .nth(1)?
            .split('"')
            .next()?
            .parse()
            .ok()
    };
    Some((attr("value")?, attr("max")?))
}

/// `rows` new people, then a row with an error.
fn file(rows: usize) -> String {
    let mut text = String::from("email,name,roles,groups\r\n");
    for i in 0..rows {
        text.push_str(&format!(
            "imported{i}@wexmoorvale.example.org,\"Imported, Person {i}\",learner,Year {}\r\n",
            7 + i % 5
        ));
    }
    text.push_str("broken-row,No Email,learner,\r\n");
    text
}

/// The admin's CSRF token (from the import form).
fn import_csrf(web: &Web, cookie: &str) -> String {
    let r = get_as(web, "/admin/people/import", cookie);
    assert_eq!(r.status, 200, "{}", r.describe());
    csrf_in(&r.text())
}

/// Uploads, checks the preview, confirms; returns the job's address.
#[track_caller]
fn confirm(web: &Web, cookie: &str, csv: &str) -> String {
    let csrf = import_csrf(web, cookie);
    let preview = upload(web, cookie, &csrf, csv);
    assert_eq!(preview.status, 200, "{}", preview.describe());
    let html = preview.text();
    let sent_back = support::textarea_value(&html);
    let r = post_as(
        web,
        "/admin/people/import/apply",
        cookie,
        &[("csrf", &csrf_in(&html)), ("csv", &sent_back)],
    );
    assert_eq!(r.status, 303, "POST apply\n{}", r.describe());
    let location = r.header("location").expect("a location").to_string();
    let id = location
        .strip_prefix("/admin/people/import/jobs/")
        .unwrap_or_else(|| panic!("not a job page: {location}"));
    assert!(uuid_like(id), "{id}");
    location
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

// ---------------------------------------------------------------------------------------------

#[test]
fn an_admin_confirms_a_file_and_its_job_page_shows_progress_until_the_summary() {
    let site = Site::start();
    let web = &site.web;
    let admin = sign_in(&site, ADMIN);
    let csv = file(450);

    let csrf = import_csrf(web, &admin);
    let preview = upload(web, &admin, &csrf, &csv);
    assert_eq!(preview.status, 200, "{}", preview.describe());
    let counts = testid_text(&preview.text(), "import-counts").unwrap();
    assert!(counts.contains("450 new"), "{counts}");
    assert!(counts.contains("1 with errors"), "{counts}");

    let job = confirm(web, &admin, &csv);
    // The confirming request did the first chunk (200 rows); showing the page does no more.
    let pages: Vec<Response> = (0..2).map(|_| get_as(web, &job, &admin)).collect();
    for page in &pages {
        assert_eq!(page.status, 200, "{}", page.describe());
        assert_eq!(
            progress(&page.text()),
            Some((200, 451)),
            "{}",
            cut(&page.text())
        );
    }
    let page = &pages[1];
    let html = page.text();
    assert_eq!(
        testid_text(&html, "import-progress").as_deref(),
        Some("Imported 200 of 451 people")
    );
    assert_eq!(
        testid_text(&html, "import-counts-so-far").as_deref(),
        Some("So far: 200 added, 0 updated, 0 unchanged, 0 not imported.")
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let next = refresh_url(&html).expect("a running job's page refreshes itself");
    assert!(next.starts_with(&format!("{job}?step=")), "{next}");
    assert!(
        html.contains(r#"content="1;url="#),
        "refreshes after a second"
    );
    // A step token of another job or session continues nothing.
    let forged = format!("{job}?step=AAAA");
    assert_eq!(
        progress(&get_as(web, &forged, &admin).text()),
        Some((200, 451))
    );

    // Following the refresh continues the job: 250 rows are one slice on the embedded store.
    let done = get_as(web, &next, &admin);
    assert_eq!(done.status, 200, "{}", done.describe());
    let html = done.text();
    assert_eq!(refresh_url(&html), None, "a finished job's page stays");
    assert_eq!(
        testid_text(&html, "import-result").as_deref(),
        Some("450 added, 0 updated, 0 unchanged, 1 not imported.")
    );
    let failures = testid_text(&html, "import-failures").unwrap();
    assert!(
        failures.contains("Line 452: bad email (it needs exactly one @)"),
        "{failures}"
    );
    assert!(
        html.contains(r#"href="/admin/people""#),
        "a link back to People"
    );
    // Refreshing the step address again changes nothing.
    let again = get_as(web, &next, &admin);
    assert_eq!(
        testid_text(&again.text(), "import-result").as_deref(),
        Some("450 added, 0 updated, 0 unchanged, 1 not imported.")
    );

    // The same file again: all unchanged, so there is nothing to confirm.
    let csrf = import_csrf(web, &admin);
    let repeat = upload(web, &admin, &csrf, &csv);
    let counts = testid_text(&repeat.text(), "import-counts").unwrap();
    assert!(
        counts.contains("0 new") && counts.contains("450 unchanged"),
        "{counts}"
    );
    assert!(!repeat.text().contains("/admin/people/import/apply"));

    // Log lines for start, chunks and finish, with counts and without emails.
    let log = web.stdout();
    for line in [
        "import job started",
        "import chunk applied",
        "import job finished",
    ] {
        assert!(log.contains(line), "`{line}` in the log:\n{log}");
    }
    assert!(!log.contains("imported1@"), "no imported email in the log");

    let (_data, store) = site.stop_and_open();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let imported = rt.block_on(async {
        let mut n = 0;
        let mut cursor = None;
        loop {
            let (page, next) = people::list(&store, &demo(), cursor, 1000).await.unwrap();
            n += page
                .iter()
                .filter(|p| p.email.starts_with("imported"))
                .count();
            match next {
                Some(c) => cursor = Some(c),
                None => break n,
            }
        }
    });
    assert_eq!(imported, 450, "everyone once");
}

#[test]
fn only_an_admin_with_this_sessions_form_token_can_import_or_see_a_job() {
    let site = Site::start();
    let web = &site.web;
    let admin = sign_in(&site, ADMIN);
    let learner = sign_in(&site, LEARNER);
    let csv = file(3);
    let job = confirm(web, &admin, &csv);
    let continue_path = format!("{job}/continue");

    // A learner: refused everything, with their own valid form token.
    let learner_csrf = csrf_in(&get_as(web, "/me", &learner).text());
    let page = get_as(web, &job, &learner);
    assert_eq!(page.status, 403, "{}", page.describe());
    assert!(!page.text().contains("Imported"), "{}", page.describe());
    for (path, fields) in [
        (
            "/admin/people/import/apply",
            vec![("csrf", learner_csrf.as_str()), ("csv", csv.as_str())],
        ),
        (
            continue_path.as_str(),
            vec![("csrf", learner_csrf.as_str())],
        ),
    ] {
        let r = post_as(web, path, &learner, &fields);
        assert_eq!(r.status, 403, "learner POST {path}\n{}", r.describe());
    }
    let r = get_as(web, "/admin/people/import", &learner);
    assert_eq!(r.status, 403, "{}", r.describe());

    // Signed out: sent to sign in.
    let r = web.get(&job);
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(r.header("location"), Some("/sign-in"));

    // The admin without the form token, or with someone else's: refused, nothing started.
    let other = file(5).replace("imported", "never");
    for csrf in ["", "not-the-token", learner_csrf.as_str()] {
        let r = post_as(
            web,
            "/admin/people/import/apply",
            &admin,
            &[("csrf", csrf), ("csv", &other)],
        );
        assert_eq!(r.status, 403, "apply with csrf `{csrf}`\n{}", r.describe());
        assert!(
            r.text().contains("This form has expired"),
            "{}",
            r.describe()
        );
        let r = post_as(web, &continue_path, &admin, &[("csrf", csrf)]);
        assert_eq!(
            r.status,
            403,
            "continue with csrf `{csrf}`\n{}",
            r.describe()
        );
    }
    // A cross-site confirmation is refused before anything else.
    let r = web.request(
        "POST",
        "/admin/people/import/apply",
        &[
            ("Cookie", &admin),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
        support::form(&[("csrf", &import_csrf(web, &admin)), ("csv", &other)]).as_bytes(),
    );
    assert_eq!(r.status, 403, "{}", r.describe());

    // With its token, Continue works and goes back to the page.
    let r = post_as(
        web,
        &continue_path,
        &admin,
        &[("csrf", &import_csrf(web, &admin))],
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(r.header("location"), Some(job.as_str()));

    let (_data, store) = site.stop_and_open();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let never = rt.block_on(people::find_by_email(
        &store,
        &demo(),
        "never0@wexmoorvale.example.org",
    ));
    assert_eq!(never, Ok(None), "no refused confirmation imported anyone");
}

#[test]
fn a_job_of_another_organisation_or_an_unknown_job_is_not_found() {
    // Another organisation's job in the same table, made before the server opens the store.
    let data = tempfile::tempdir().unwrap();
    let other_org = OrgId::parse("other-college").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let theirs = rt.block_on(async {
        let store = EmbeddedStore::open(&store_path(data.path())).unwrap();
        let text = "email,name,roles\nx@other.example.org,X,learner\n";
        let preview = import::preview(&store, &other_org, text).await.unwrap();
        import_job::start(&store, &other_org, &preview, "someone", chrono::Utc::now())
            .await
            .unwrap()
    });

    let site = Site::start_in(data);
    let web = &site.web;
    let admin = sign_in(&site, ADMIN);
    let csrf = import_csrf(web, &admin);
    // Even with a valid step token (the test knows the server's secret), it is not found.
    let secret = safety_core::crypto::Secret::new(TEST_SECRET).unwrap();
    let step = import_job::continue_token(&secret, &csrf, &theirs.id);
    let unknown = uuid_of(7);
    for path in [
        format!("/admin/people/import/jobs/{}", theirs.id),
        format!("/admin/people/import/jobs/{}?step={step}", theirs.id),
        format!("/admin/people/import/jobs/{unknown}"),
        "/admin/people/import/jobs/not-a-job".to_string(),
        "/admin/people/import/jobs/%2E%2E%2Fx".to_string(),
    ] {
        let r = get_as(web, &path, &admin);
        assert_eq!(r.status, 404, "GET {path}\n{}", r.describe());
        assert!(
            r.text().contains("We could not find that import"),
            "{}",
            r.describe()
        );
        assert!(!r.text().contains("<progress"), "{}", r.describe());
    }
    let r = post_as(
        web,
        &format!("/admin/people/import/jobs/{}/continue", theirs.id),
        &admin,
        &[("csrf", &csrf)],
    );
    assert_eq!(r.status, 404, "{}", r.describe());

    let (_data, store) = site.stop_and_open();
    let after = rt
        .block_on(import_job::get(&store, &other_org, &theirs.id))
        .unwrap();
    assert_eq!(
        after, theirs,
        "the other organisation's job was not touched"
    );
    let someone = rt.block_on(people::find_by_email(
        &store,
        &other_org,
        "x@other.example.org",
    ));
    assert_eq!(someone, Ok(None));
}

/// A well-formed id no job has.
fn uuid_of(n: u8) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

#[test]
fn a_job_stopped_by_a_store_failure_says_so_and_continue_finishes_it() {
    // A job as a store failure leaves it: confirmed, nothing applied, marked stalled.
    let data = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let job = rt.block_on(async {
        use safety_core::store::{Condition, Store, Update};
        let store = EmbeddedStore::open(&store_path(data.path())).unwrap();
        let preview = import::preview(&store, &demo(), &file(250)).await.unwrap();
        let job = import_job::start(&store, &demo(), &preview, "someone", chrono::Utc::now())
            .await
            .unwrap();
        let stalled = Update::default().set("stalled", true).add("version", 1);
        store
            .update(
                &safety_core::keys::import_job(&demo(), &job.id),
                stalled,
                Condition::Always,
            )
            .await
            .unwrap();
        job
    });

    let site = Site::start_in(data);
    let web = &site.web;
    let admin = sign_in(&site, ADMIN);
    let path = format!("/admin/people/import/jobs/{}", job.id);
    let page = get_as(web, &path, &admin);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    assert!(html.contains("The import has stopped"), "{}", cut(&html));
    assert!(html.contains(r#"role="alert""#));
    assert_eq!(
        refresh_url(&html),
        None,
        "a stopped job does not refresh by itself"
    );
    assert_eq!(progress(&html), Some((0, 251)));

    let r = post_as(
        web,
        &format!("{path}/continue"),
        &admin,
        &[("csrf", &csrf_in(&html))],
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(r.header("location"), Some(path.as_str()));
    let done = get_as(web, &path, &admin);
    assert_eq!(
        testid_text(&done.text(), "import-result").as_deref(),
        Some("250 added, 0 updated, 0 unchanged, 1 not imported."),
        "{}",
        cut(&done.text())
    );
}
