//! The command a new deployment's first administrator is made with (infra/README.md).

use crate::support;

use support::Web;

#[test]
fn add_admin_adds_an_administrator_once() {
    let data = tempfile::tempdir().expect("temp dir");
    let envs = [
        ("APP_STORE", "embedded".to_string()),
        ("APP_DATA_DIR", data.path().display().to_string()),
        ("APP_DEMO_PEOPLE", "false".to_string()),
    ];
    let mut first = Web::spawn(
        &envs,
        &["add-admin", "head@college.example.org", "Ada Head"],
    );
    assert!(first.wait_for_exit().success(), "{}", first.output());
    assert!(
        first.output().contains("administrator added"),
        "{}",
        first.output()
    );
    drop(first);

    let mut again = Web::spawn(
        &envs,
        &["add-admin", "head@college.example.org", "Ada Head"],
    );
    assert!(!again.wait_for_exit().success(), "{}", again.output());
    assert!(
        again
            .output()
            .contains("head@college.example.org could not be added"),
        "{}",
        again.output()
    );
    drop(again);

    let mut usage = Web::spawn(&envs, &["add-admin", "only-an-email@college.example.org"]);
    assert!(!usage.wait_for_exit().success());
    assert!(
        usage.output().contains("usage: web add-admin"),
        "{}",
        usage.output()
    );
}
