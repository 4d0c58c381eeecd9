//! Several organisations on one deployment, each found by its host name: an operator creates
//! one with `web create-org`; each host shows its own organisation's pages and people; a
//! session of one organisation is nobody at the other; an unknown host is the default
//! organisation (`APP_ORG`).

use crate::support;

use std::path::Path;
use support::{Response, Web, form, outbox};

pub(crate) const ORG_B_HOST: &str = "org-b.localhost";
pub(crate) const ORG_B_ADMIN: &str = "bea.admin@orgb.example.org";

/// The demo profile as another organisation (its own id, name and DSL).
pub(crate) fn org_b_profile(dir: &Path) -> std::path::PathBuf {
    let demo = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/organisations/demo.toml"),
    )
    .unwrap();
    let text = demo
        .replacen("id = \"demo\"", "id = \"org-b\"", 1)
        .replacen(
            "name = \"Wexmoor Vale College (demo)\"",
            "name = \"Bramblefield School (test)\"",
            1,
        )
        .replacen("name = \"Priya Marsh\"", "name = \"Bryony Bell\"", 1);
    assert!(text.contains("Bramblefield") && text.contains("Bryony Bell"));
    let file = dir.join("org-b.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// Org B created with `web create-org` on the data folder `data` (its admin ORG_B_ADMIN, served
/// at ORG_B_HOST), before the server is started on it.
#[track_caller]
pub(crate) fn create_org_b(data: &Path) {
    let file = org_b_profile(data);
    let mut create = Web::spawn(
        &[
            ("APP_STORE", "embedded".to_string()),
            ("APP_DATA_DIR", data.display().to_string()),
            ("APP_DEMO_PEOPLE", "false".to_string()),
        ],
        &[
            "create-org",
            file.to_str().unwrap(),
            ORG_B_ADMIN,
            "Bea Admin",
            ORG_B_HOST,
        ],
    );
    assert!(create.wait_for_exit().success(), "{}", create.output());
}

pub(crate) fn get_at(web: &Web, host: &str, path: &str, cookie: Option<&str>) -> Response {
    let mut headers = vec![("Host", host)];
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    web.request("GET", path, &headers, b"")
}

fn post_at(web: &Web, host: &str, path: &str, fields: &[(&str, &str)]) -> Response {
    web.request(
        "POST",
        path,
        &[
            ("Host", host),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        form(fields).as_bytes(),
    )
}

/// Signs `email` in at `host` through the emailed link; the link names the organisation's own
/// address. Returns the session cookie.
#[track_caller]
pub(crate) fn sign_in_at(web: &Web, data: &Path, host: &str, email: &str) -> (String, String) {
    let before = outbox(data);
    let r = post_at(web, host, "/sign-in", &[("email", email)]);
    assert_eq!(r.status, 200, "{}", r.describe());
    let mails = support::wait_for_new_mail(data, &before, 1);
    let text = mails
        .iter()
        .map(|m| std::fs::read_to_string(m).unwrap())
        .find(|t| t.contains("/sign-in/link?token="))
        .expect("a sign-in email");
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/sign-in/link?token="))
        .unwrap()
        .to_string();
    let token = link.split_once("token=").unwrap().1.to_string();
    let r = post_at(web, host, "/sign-in/link", &[("token", &token)]);
    assert_eq!(r.status, 303, "signing in {email}\n{}", r.describe());
    let cookie = r
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .filter_map(|(_, v)| v.split(';').next())
        .find(|c| c.starts_with("session=") && c.len() > "session=".len())
        .expect("a session cookie")
        .to_string();
    (cookie, link)
}

#[test]
fn two_organisations_on_one_deployment_each_see_only_their_own() {
    let data = tempfile::tempdir().unwrap();
    let file = org_b_profile(data.path());
    let envs = [
        ("APP_STORE", "embedded".to_string()),
        ("APP_DATA_DIR", data.path().display().to_string()),
        ("APP_DEMO_PEOPLE", "false".to_string()),
    ];
    let create = |host: &str| {
        let mut web = Web::spawn(
            &envs,
            &[
                "create-org",
                file.to_str().unwrap(),
                ORG_B_ADMIN,
                "Bea Admin",
                host,
            ],
        );
        let ok = web.wait_for_exit().success();
        (ok, web.output())
    };
    let (ok, output) = create(ORG_B_HOST);
    assert!(ok, "{output}");
    assert!(output.contains("created `org-b`"), "{output}");
    // Once only: the same organisation again is refused, and says why.
    let (ok, output) = create("other.localhost");
    assert!(!ok && output.contains("exists already"), "{output}");
    let mut usage = Web::spawn(&envs, &["create-org", file.to_str().unwrap()]);
    assert!(!usage.wait_for_exit().success());
    assert!(
        usage.output().contains("usage: web create-org"),
        "{}",
        usage.output()
    );
    drop(usage);

    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    let default_host = format!("127.0.0.1:{}", web.addr().port());

    // Each host its own organisation's pages (the name and the DSL substituted in).
    let home_b = get_at(&web, ORG_B_HOST, "/", None);
    assert_eq!(home_b.status, 200, "{}", home_b.describe());
    assert!(home_b.text().contains("Bramblefield School (test)"));
    assert!(!home_b.text().contains("Wexmoor Vale"));
    let tell_b = get_at(&web, &format!("{ORG_B_HOST}:8080"), "/tell", None).text();
    assert!(
        tell_b.contains("Bryony Bell") && !tell_b.contains("Priya Marsh"),
        "with a port too"
    );
    let home_a = get_at(&web, &default_host, "/", None).text();
    assert!(home_a.contains("Wexmoor Vale") && !home_a.contains("Bramblefield"));
    // A host no organisation is mapped to: the default organisation (APP_ORG).
    let unknown = get_at(&web, "unknown.localhost", "/", None).text();
    assert!(unknown.contains("Wexmoor Vale"));

    // Org B's administrator signs in at org B's address; the link names that address.
    let (cookie_b, link) = sign_in_at(&web, data.path(), ORG_B_HOST, ORG_B_ADMIN);
    // On a local run its *.localhost name at the local server's port (on AWS https://<host>).
    assert!(
        link.starts_with(&format!(
            "http://org-b.localhost:{}/sign-in/link",
            web.addr().port()
        )),
        "{link}"
    );
    let people_b = get_at(&web, ORG_B_HOST, "/admin/people", Some(&cookie_b));
    assert_eq!(people_b.status, 200, "{}", people_b.describe());
    let text = people_b.text();
    assert!(text.contains("Bea Admin"));
    assert!(
        !text.contains("Priya Marsh"),
        "no demo person in org B's list"
    );
    // Just created, its DSL has no account: the page says worries would reach nobody.
    assert!(
        text.contains("data-testid=\"role-gaps\"")
            && text.contains("Worries would reach nobody: name an active DSL or deputy DSL first."),
        "{text}"
    );

    // Org A's administrator: org A's people only, and nobody at org B's address.
    let (cookie_a, _) = sign_in_at(
        &web,
        data.path(),
        &default_host,
        "admin@wexmoorvale.example.org",
    );
    let people_a = get_at(&web, &default_host, "/admin/people", Some(&cookie_a)).text();
    assert!(people_a.contains("Priya Marsh") && !people_a.contains("Bea Admin"));
    assert!(
        !people_a.contains("role-gaps"),
        "every kind of worry has a reader in the demo organisation"
    );
    for (host, cookie) in [(ORG_B_HOST, &cookie_a), (default_host.as_str(), &cookie_b)] {
        let r = get_at(&web, host, "/admin/people", Some(cookie));
        assert_ne!(r.status, 200, "another organisation's session at {host}");
        assert!(!r.text().contains("Bea Admin") && !r.text().contains("Priya Marsh"));
    }
    // Org A's email is unknown at org B: the same answer, and no email is sent for it.
    let before = outbox(data.path());
    let r = post_at(
        &web,
        ORG_B_HOST,
        "/sign-in",
        &[("email", "admin@wexmoorvale.example.org")],
    );
    assert_eq!(r.status, 200);
    let settled = support::let_mail_settle(data.path());
    assert!(
        settled.iter().filter(|p| !before.contains(p)).all(|p| {
            !std::fs::read_to_string(p)
                .unwrap()
                .contains("org-b.localhost")
        }),
        "no sign-in link of org B for a person of org A"
    );
}
