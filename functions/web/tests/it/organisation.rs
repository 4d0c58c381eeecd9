//! The organisation's profile over HTTP (`/admin/organisation`, `/admin/organisation/history`),
//! on the real server with its own embedded store and the demo people. An admin's invalid edit
//! is refused (422, nothing saved, what was typed kept); a valid one shows on `/tell` at once
//! and in the history with the admin's name; a form from an older version gets the conflict
//! message; the DSL edits the contacts but cannot change the name; staff and learners are
//! refused, signed-out people sent to sign in, and a form without this session's token refused.
//! The core's tests (functions/core/tests/it/tenancy.rs) cover the rules themselves.

use crate::support;

use support::{Response, Web, csrf_in, decode_entities, get_as, post_as};

const ADMIN: &str = "admin@wexmoorvale.example.org";
const DSL: &str = "safeguarding@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const PAGE: &str = "/admin/organisation";
const HISTORY: &str = "/admin/organisation/history";
const ORG_NAME: &str = "Wexmoor Vale College (demo)";
const SESSION_KEYS: &str = "k1:organisation-test-session-secret-0123456";

fn serve(data: &std::path::Path) -> Web {
    Web::serve_embedded(
        data,
        &[
            ("APP_SESSION_KEYS", SESSION_KEYS.into()),
            ("APP_DEMO_PEOPLE", "true".into()),
        ],
    )
}

/// The value of `name="…"`-style attribute `attr` in one tag.
fn attr(tag: &str, attr: &str) -> Option<String> {
    let marker = format!(" {attr}=\"");
    let start = tag.find(&marker)? + marker.len();
    let len = tag[start..].find('"')?;
    Some(decode_entities(&tag[start..start + len]))
}

/// Every field of the profile form as the page fills it in (inputs, ticked boxes, the
/// textareas, each list's chosen option), in order: what a browser would send unchanged.
#[track_caller]
pub(crate) fn form_fields(html: &str) -> Vec<(String, String)> {
    let start = html
        .find("class=\"profile-form\"")
        .unwrap_or_else(|| panic!("no profile form in\n{}", support::cut(html)));
    let end = start + html[start..].find("</form>").expect("the form ends");
    let form = &html[start..end];
    let mut fields = Vec::new();
    for (at, _) in form.match_indices("<input") {
        let tag = &form[at..at + form[at..].find('>').expect("the tag ends")];
        let unticked =
            attr(tag, "type").as_deref() == Some("checkbox") && !tag.contains(" checked");
        if let Some(name) = attr(tag, "name")
            && !unticked
        {
            fields.push((name, attr(tag, "value").unwrap_or_default()));
        }
    }
    for (at, _) in form.match_indices("<textarea") {
        let open_end = at + form[at..].find('>').expect("the tag ends");
        let name = attr(&form[at..open_end], "name").expect("a named textarea");
        let close = open_end + form[open_end..].find("</textarea>").expect("it ends");
        fields.push((name, decode_entities(&form[open_end + 1..close])));
    }
    for (at, _) in form.match_indices("<select") {
        let open_end = at + form[at..].find('>').expect("the tag ends");
        let name = attr(&form[at..open_end], "name").expect("a named list");
        let close = at + form[at..].find("</select>").expect("it ends");
        let options: Vec<&str> = form[at..close]
            .match_indices("<option")
            .map(|(o, _)| &form[at + o..at + o + form[at + o..].find('>').unwrap()])
            .collect();
        // A browser sends the selected option, or the first.
        let chosen = options
            .iter()
            .find(|tag| tag.contains(" selected"))
            .or(options.first())
            .and_then(|tag| attr(tag, "value"))
            .unwrap_or_default();
        fields.push((name, chosen));
    }
    fields
}

/// The values sent under `name` (a ticked box each).
fn values_of<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// `fields` with the box `name` = `value` ticked.
fn tick(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out = fields.to_vec();
    out.push((name.to_string(), value.to_string()));
    out
}

/// `fields` with the box `name` = `value` unticked.
fn untick(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|(n, v)| !(n == name && v == value))
        .cloned()
        .collect()
}

pub(crate) fn value_of<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no field {name}"))
}

pub(crate) fn with(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out = fields.to_vec();
    for (name, value) in changes {
        match out.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = value.to_string(),
            None => out.push((name.to_string(), value.to_string())),
        }
    }
    out
}

pub(crate) fn post_fields(web: &Web, cookie: &str, fields: &[(String, String)]) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    post_as(web, PAGE, cookie, &borrowed)
}

/// How many versions the history page lists.
pub(crate) fn versions(web: &Web, cookie: &str) -> usize {
    let r = get_as(web, HISTORY, cookie);
    assert_eq!(r.status, 200, "{}", r.describe());
    r.text().matches("data-testid=\"version\"").count()
}

#[test]
fn an_admin_edit_is_checked_saved_shown_at_once_and_kept_in_the_history() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let page = get_as(&web, PAGE, &admin);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    let fields = form_fields(&html);
    assert_eq!(value_of(&fields, "name"), ORG_NAME);
    assert_eq!(value_of(&fields, "version"), "1");
    assert_eq!(value_of(&fields, "on_duty.0.name"), "Daniel Okafor");
    // The existing rows and two empty ones to add to each list.
    assert_eq!(value_of(&fields, "deputies.1.name"), "Hannah Cole");
    assert_eq!(value_of(&fields, "deputies.3.name"), "");
    assert!(!fields.iter().any(|(n, _)| n == "deputies.4.name"));
    assert!(
        html.contains("data-testid=\"requirements\"") && html.contains("data-testid=\"sso\""),
        "requirements and single sign-on shown"
    );
    assert_eq!(versions(&web, &admin), 1);

    // Invalid: nothing saved, the form comes back with what was typed and why.
    let bad = with(
        &fields,
        &[
            ("dsl.phone", ""),
            ("local.partnership_site", "http://not-secure.example.org"),
            ("renewal_months", "twelve"),
        ],
    );
    let r = post_fields(&web, &admin, &bad);
    assert_eq!(r.status, 422, "{}", r.describe());
    let text = r.text();
    assert!(
        text.contains("There is a problem"),
        "{}",
        support::cut(&text)
    );
    assert!(text.contains("Enter the DSL's phone number."), "{text}");
    assert!(
        text.contains("href=\"#dsl-phone\""),
        "the reason links to its field"
    );
    assert!(text.contains("must be an https:// address"), "{text}");
    assert!(
        text.contains("href=\"#renewal-months\""),
        "the reason links to its field"
    );
    let again = form_fields(&text);
    assert_eq!(
        value_of(&again, "local.partnership_site"),
        "http://not-secure.example.org"
    );
    assert_eq!(value_of(&again, "renewal_months"), "twelve");
    assert_eq!(value_of(&again, "dsl.phone"), "");
    assert_eq!(value_of(&again, "version"), "1");
    assert_eq!(versions(&web, &admin), 1, "nothing saved");
    let still = form_fields(&get_as(&web, PAGE, &admin).text());
    assert_eq!(value_of(&still, "dsl.phone"), "01632 960101");
    assert_eq!(value_of(&still, "renewal_months"), "12");

    // Nothing changed: nothing saved, and it says so.
    let r = post_fields(&web, &admin, &fields);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains("data-testid=\"no-change\""));
    assert_eq!(versions(&web, &admin), 1);

    // A valid edit: saved, the page confirms it, and /tell shows the new name at once.
    let good = with(&fields, &[("on_duty.0.name", "Samira Lee")]);
    let r = post_fields(&web, &admin, &good);
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(r.header("location"), Some("/admin/organisation?saved=2"));
    let saved = get_as(&web, "/admin/organisation?saved=2", &admin);
    assert_eq!(saved.status, 200);
    assert!(
        saved.text().contains("Saved. Version 2."),
        "{}",
        support::cut(&saved.text())
    );
    assert_eq!(value_of(&form_fields(&saved.text()), "version"), "2");
    let tell = web.get("/tell");
    assert_eq!(tell.status, 200);
    assert!(
        tell.text().contains("Samira Lee"),
        "the tell page shows the new on-duty name"
    );
    let history = get_as(&web, HISTORY, &admin).text();
    assert_eq!(history.matches("data-testid=\"version\"").count(), 2);
    let newest = &history[history.find("data-testid=\"version\"").unwrap()..];
    assert!(newest.contains("Version 2"), "{newest}");
    assert!(newest.contains("Chris Admin"), "{newest}");
    assert!(newest.contains("Daniel Okafor → Samira Lee"), "{newest}");

    // A form made from version 1 (someone else saved since): not saved, theirs shown.
    let stale = with(&fields, &[("on_duty.0.name", "Someone Older")]);
    let r = post_fields(&web, &admin, &stale);
    assert_eq!(r.status, 409, "{}", r.describe());
    let text = r.text();
    assert!(
        text.contains("data-testid=\"conflict\""),
        "{}",
        support::cut(&text)
    );
    assert!(text.contains("Someone else saved a change"));
    let theirs = form_fields(&text);
    assert_eq!(value_of(&theirs, "on_duty.0.name"), "Samira Lee");
    assert_eq!(value_of(&theirs, "version"), "2");
    assert_eq!(versions(&web, &admin), 2);

    // A row is removed by emptying it; an empty row filled in adds one.
    let current = form_fields(&get_as(&web, PAGE, &admin).text());
    let r = post_fields(
        &web,
        &admin,
        &with(
            &current,
            &[
                ("deputies.1.name", ""),
                ("deputies.1.title", ""),
                ("deputies.1.phone", ""),
                ("deputies.1.email", ""),
                ("out_of_hours_contacts.1.name", "Police (non-emergency)"),
                (
                    "out_of_hours_contacts.1.description",
                    "When it is not an emergency",
                ),
                ("out_of_hours_contacts.1.phone", "101"),
            ],
        ),
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    let now = form_fields(&get_as(&web, PAGE, &admin).text());
    assert_eq!(value_of(&now, "deputies.0.name"), "Daniel Okafor");
    assert_eq!(
        value_of(&now, "deputies.1.name"),
        "",
        "Hannah Cole's row is gone"
    );
    assert_eq!(
        value_of(&now, "out_of_hours_contacts.1.name"),
        "Police (non-emergency)"
    );
    assert!(web.get("/tell").text().contains("Police (non-emergency)"));
}

#[test]
fn the_dsl_edits_the_contacts_but_not_the_organisation() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let dsl = support::sign_in(&web, data.path(), DSL);
    let page = get_as(&web, PAGE, &dsl);
    assert_eq!(page.status, 200, "{}", page.describe());
    let html = page.text();
    assert!(html.contains("data-testid=\"contacts-only\""));
    let fields = form_fields(&html);
    assert!(
        !fields.iter().any(|(n, _)| n == "name"),
        "no name field for the DSL"
    );
    assert!(
        !html.contains("data-testid=\"requirements\"") && !html.contains("data-testid=\"sso\"")
    );
    assert!(!fields.iter().any(|(n, _)| n.starts_with("sso.")));

    // The name sent anyway: refused, not saved (and not a 200 pretending it was).
    let r = post_fields(
        &web,
        &dsl,
        &with(
            &fields,
            &[
                ("name", "Renamed by the DSL"),
                ("on_duty.0.name", "Samira Lee"),
            ],
        ),
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(r.text().contains("Only an administrator can change"));
    assert_eq!(versions(&web, &dsl), 1, "nothing saved");
    let home = web.get("/").text();
    assert!(home.contains(ORG_NAME) && !home.contains("Renamed by the DSL"));

    // The contacts alone: saved, by the DSL's name.
    let r = post_fields(
        &web,
        &dsl,
        &with(&fields, &[("on_duty.0.name", "Samira Lee")]),
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    assert!(web.get("/tell").text().contains("Samira Lee"));
    let history = get_as(&web, HISTORY, &dsl).text();
    assert_eq!(history.matches("data-testid=\"version\"").count(), 2);
    assert!(
        history.contains("Priya Marsh"),
        "{}",
        support::cut(&history)
    );
    assert!(
        web.get("/").text().contains(ORG_NAME),
        "the name is as it was"
    );
}

#[test]
fn others_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());

    // Signed out: to sign in, for the page, the history and a post.
    for r in [
        web.get(PAGE),
        web.get(HISTORY),
        web.post_form(PAGE, &[("name", "X")]),
    ] {
        assert_eq!(r.status, 303, "{}", r.describe());
        assert_eq!(r.header("location"), Some("/sign-in"));
    }

    // Staff and learners: refused, even with their own valid token.
    for who in [STAFF, LEARNER] {
        let cookie = support::sign_in(&web, data.path(), who);
        assert_eq!(get_as(&web, PAGE, &cookie).status, 403, "{who}");
        assert_eq!(get_as(&web, HISTORY, &cookie).status, 403, "{who}");
        let csrf = csrf_in(&get_as(&web, "/me", &cookie).text());
        let r = post_as(
            &web,
            PAGE,
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("on_duty.0.name", "Nobody"),
            ],
        );
        assert_eq!(r.status, 403, "{who}: {}", r.describe());
        let r = post_as(
            &web,
            PAGE,
            &cookie,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("requirements.0.role", "staff"),
                ("requirements.0.modules", "staff-adults-at-risk"),
            ],
        );
        assert_eq!(r.status, 403, "{who}: {}", r.describe());
    }

    // The admin without this session's token: refused, nothing saved.
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let fields = form_fields(&get_as(&web, PAGE, &admin).text());
    let changed = with(&fields, &[("on_duty.0.name", "Forged Name")]);
    let without: Vec<(String, String)> = changed
        .iter()
        .filter(|(n, _)| n != "csrf")
        .cloned()
        .collect();
    assert_eq!(post_fields(&web, &admin, &without).status, 403);
    let wrong = with(&changed, &[("csrf", "not-the-token")]);
    assert_eq!(post_fields(&web, &admin, &wrong).status, 403);
    let required: Vec<(String, String)> =
        tick(&without, "requirements.1.modules", "staff-adults-at-risk");
    assert_eq!(post_fields(&web, &admin, &required).status, 403);
    assert_eq!(versions(&web, &admin), 1, "nothing saved");
    assert!(!web.get("/tell").text().contains("Forged Name"));
}

const SEARCHING: &str = "staff-searching-screening-and-confiscation";
const SEARCHING_TITLE: &str = "Searching, screening and confiscation of phones and devices";

/// The numbers row of a module on the compliance dashboard, if it is there.
fn dashboard_row(web: &Web, cookie: &str, module: &str) -> Option<String> {
    let r = get_as(web, "/compliance", cookie);
    assert_eq!(r.status, 200, "{}", r.describe());
    let text = r.text();
    let start = text.find(&format!("data-testid=\"numbers-{module}\""))?;
    let end = start + text[start..].find("</tr>").expect("the row ends");
    Some(text[start..end].to_string())
}

/// The number in the cell `testid` of a dashboard row.
fn cell(row: &str, testid: &str) -> u64 {
    let start = row
        .find(&format!("data-testid=\"{testid}\""))
        .unwrap_or_else(|| panic!("no {testid} in {row}"));
    row[start..]
        .split(['>', '<'])
        .map(str::trim)
        .find_map(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no number in {testid} of {row}"))
}

/// The requirement rows of the form: (role, group, modules, aups) each.
fn requirement_rows(
    fields: &[(String, String)],
) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    (0..)
        .map_while(|i| {
            let n = |f: &str| format!("requirements.{i}.{f}");
            let role = fields.iter().find(|(k, _)| *k == n("role"))?.1.clone();
            let owned = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
            Some((
                role,
                value_of(fields, &n("group")).to_string(),
                owned(values_of(fields, &n("modules"))),
                owned(values_of(fields, &n("aups"))),
            ))
        })
        .collect()
}

#[test]
fn an_admin_edits_what_people_must_complete_and_the_compliance_figures_follow() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let html = get_as(&web, PAGE, &admin).text();
    assert!(html.contains("data-testid=\"requirements\""));
    let fields = form_fields(&html);
    let rows = requirement_rows(&fields);
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["learner", "staff", "parent", ""],
        "the demo's three requirements and an empty one"
    );
    assert!(
        rows[1]
            .2
            .contains(&"staff-filtering-and-monitoring".to_string())
    );
    assert_eq!(rows[1].3, ["staff-aup"]);
    assert!(!rows[1].2.contains(&SEARCHING.to_string()));
    assert!(rows[3].2.is_empty() && rows[3].3.is_empty());
    assert!(
        html.contains(SEARCHING_TITLE),
        "the modules offered by title"
    );
    assert!(
        dashboard_row(&web, &admin, SEARCHING).is_none(),
        "required of nobody yet"
    );

    // Staff at Site A must now also do the searching module.
    let added = tick(
        &with(
            &fields,
            &[
                ("requirements.3.role", "staff"),
                ("requirements.3.group", "Site A staff"),
            ],
        ),
        "requirements.3.modules",
        SEARCHING,
    );
    let r = post_fields(&web, &admin, &added);
    assert_eq!(r.status, 303, "{}", r.describe());
    let now = form_fields(&get_as(&web, PAGE, &admin).text());
    let rows = requirement_rows(&now);
    assert_eq!(rows.len(), 5, "four and a new empty one");
    assert_eq!(
        rows[3],
        (
            "staff".to_string(),
            "Site A staff".to_string(),
            vec![SEARCHING.to_string()],
            vec![]
        )
    );
    let history = get_as(&web, HISTORY, &admin).text();
    let newest = &history[history.find("data-testid=\"version\"").unwrap()..];
    assert!(newest.contains("Chris Admin"), "{newest}");
    assert!(
        newest.contains(&format!(
            "Requirement added for Staff member, in Site A staff: modules “{SEARCHING_TITLE}”"
        )),
        "{}",
        support::cut(newest)
    );

    // The dashboard: due for exactly the three people of Site A staff, none has started.
    let row = dashboard_row(&web, &admin, SEARCHING).expect("now on the dashboard");
    assert_eq!(cell(&row, "assigned"), 3, "{row}");
    assert_eq!(cell(&row, "not-started"), 3, "{row}");
    let list = get_as(
        &web,
        &format!("/compliance/list?item=MODULE%23{SEARCHING}&standing=not-started"),
        &admin,
    );
    assert_eq!(list.status, 200, "{}", list.describe());
    let list = list.text();
    for name in ["Sam Carter", "Priya Marsh", "Daniel Okafor"] {
        assert!(list.contains(name), "{name} in\n{}", support::cut(&list));
    }
    for name in ["Chris Admin", "Dr Martin Ellery", "Alex Rivers"] {
        assert!(!list.contains(name), "{name} is not in Site A staff");
    }
    // Another requirement's numbers are as they were: every staff member must do the
    // filtering module (5 people have the staff role).
    let filtering = dashboard_row(&web, &admin, "staff-filtering-and-monitoring").unwrap();
    assert_eq!(cell(&filtering, "assigned"), 5, "{filtering}");

    // Unticked: the requirement is gone, and so is the module from the dashboard.
    let removed = untick(&now, "requirements.3.modules", SEARCHING);
    let r = post_fields(&web, &admin, &removed);
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(
        requirement_rows(&form_fields(&get_as(&web, PAGE, &admin).text())).len(),
        4
    );
    let history = get_as(&web, HISTORY, &admin).text();
    let newest = &history[history.find("data-testid=\"version\"").unwrap()..];
    assert!(
        newest.contains("Requirement removed for Staff member, in Site A staff"),
        "{}",
        support::cut(newest)
    );
    assert!(
        dashboard_row(&web, &admin, SEARCHING).is_none(),
        "no longer counted"
    );

    // Staff no longer sign the staff AUP: it leaves the dashboard, the history says so by name.
    let now = form_fields(&get_as(&web, PAGE, &admin).text());
    assert!(dashboard_row(&web, &admin, "staff-aup").is_some());
    let r = post_fields(
        &web,
        &admin,
        &untick(&now, "requirements.1.aups", "staff-aup"),
    );
    assert_eq!(r.status, 303, "{}", r.describe());
    assert!(dashboard_row(&web, &admin, "staff-aup").is_none());
    let history = get_as(&web, HISTORY, &admin).text();
    assert!(
        history.contains("Requirement for Staff member › AUPs: removed “"),
        "{}",
        support::cut(&history)
    );
    assert_eq!(versions(&web, &admin), 4);
}

#[test]
fn an_invalid_requirement_is_refused_with_what_was_typed_kept() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let fields = form_fields(&get_as(&web, PAGE, &admin).text());
    // A module for nobody (no role chosen), a module and a role that do not exist (as a
    // hand-made form would send them).
    let bad = tick(
        &tick(
            &with(
                &fields,
                &[
                    ("requirements.3.group", "Site B staff"),
                    ("requirements.2.role", "wizard"),
                ],
            ),
            "requirements.3.modules",
            SEARCHING,
        ),
        "requirements.0.modules",
        "no-such-module",
    );
    let r = post_fields(&web, &admin, &bad);
    assert_eq!(r.status, 422, "{}", r.describe());
    let text = r.text();
    assert!(
        text.contains("There is a problem"),
        "{}",
        support::cut(&text)
    );
    for (reason, field) in [
        ("Choose who requirement 4 is for.", "requirements-3-role"),
        (
            "Requirement 1: there is no module “no-such-module”",
            "requirements-0-modules",
        ),
        (
            "Requirement 3: “wizard” is not a role.",
            "requirements-2-role",
        ),
    ] {
        assert!(
            decode_entities(&text).contains(reason),
            "{reason}\n{}",
            support::cut(&text)
        );
        assert!(
            text.contains(&format!("href=\"#{field}\"")),
            "{reason} links to its field"
        );
        assert!(
            text.contains(&format!("id=\"{field}\"")),
            "{field} is there"
        );
    }
    assert_eq!(
        text.matches("Choose who requirement 4 is for.").count(),
        2,
        "said once in the summary and once at the field"
    );
    let again = form_fields(&text);
    let rows = requirement_rows(&again);
    assert_eq!(rows[3].1, "Site B staff");
    assert_eq!(rows[3].2, [SEARCHING]);
    assert!(rows[0].2.contains(&"no-such-module".to_string()), "kept");
    assert_eq!(rows[2].0, "wizard", "kept");
    assert_eq!(value_of(&again, "version"), "1");
    assert_eq!(versions(&web, &admin), 1, "nothing saved");
    let still = requirement_rows(&form_fields(&get_as(&web, PAGE, &admin).text()));
    assert_eq!(still.len(), 4);
    assert_eq!(still[2].0, "parent");
}

#[test]
fn the_dsl_cannot_change_what_people_must_complete() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let dsl = support::sign_in(&web, data.path(), DSL);
    let html = get_as(&web, PAGE, &dsl).text();
    assert!(!html.contains("data-testid=\"requirements\""));
    let fields = form_fields(&html);
    assert!(!fields.iter().any(|(n, _)| n.starts_with("requirements.")));
    // The admin's form's requirements, as they are.
    let as_stored: Vec<(String, String)> = form_fields(&get_as(&web, PAGE, &admin).text())
        .into_iter()
        .filter(|(n, _)| n.starts_with("requirements."))
        .collect();
    let contacts = with(&fields, &[("on_duty.0.name", "Samira Lee")]);

    // Sent changed: refused, nothing saved.
    let mut forged = contacts.clone();
    forged.extend(tick(&as_stored, "requirements.3.role", "parent"));
    forged.push(("requirements.3.aups".into(), "staff-aup".into()));
    let r = post_fields(&web, &dsl, &forged);
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(
        r.text()
            .contains("Only an administrator can change what people must complete")
    );
    assert_eq!(versions(&web, &dsl), 1, "nothing saved");
    // A single sign-on provider, sent by hand: refused too.
    let mut provider = contacts.clone();
    provider.extend(as_stored.clone());
    for (f, v) in [
        ("id", "demo"),
        ("kind", "oidc"),
        ("label", "Sign in"),
        ("client_id", "stolen"),
        ("issuer", "https://idp.example.org"),
    ] {
        provider.push((format!("sso.0.{f}"), v.into()));
    }
    let r = post_fields(&web, &dsl, &provider);
    assert_eq!(r.status, 403, "{}", r.describe());
    assert!(
        r.text()
            .contains("Only an administrator can change single sign-on")
    );
    assert_eq!(versions(&web, &dsl), 1, "nothing saved");
    // Only a new empty requirement list (every requirement removed): refused too.
    let mut emptied = contacts.clone();
    emptied.push(("requirements.0.role".into(), "learner".into()));
    assert_eq!(post_fields(&web, &dsl, &emptied).status, 403);
    assert_eq!(versions(&web, &dsl), 1, "nothing saved");

    // Sent as they are: ignored, and the contacts saved.
    let mut same = contacts.clone();
    same.extend(as_stored);
    let r = post_fields(&web, &dsl, &same);
    assert_eq!(r.status, 303, "{}", r.describe());
    let rows = requirement_rows(&form_fields(&get_as(&web, PAGE, &admin).text()));
    assert_eq!(rows.len(), 4, "the three requirements as they were");
    let history = get_as(&web, HISTORY, &dsl).text();
    let newest = &history[history.find("data-testid=\"version\"").unwrap()..];
    assert!(newest.contains("Priya Marsh") && !newest.contains("Requirement"));
}

/// Posts the profile form at `host` with `cookie`.
fn post_at(web: &Web, host: &str, cookie: &str, fields: &[(String, String)]) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    web.request(
        "POST",
        PAGE,
        &[
            ("Host", host),
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        support::form(&borrowed).as_bytes(),
    )
}

#[test]
fn another_organisations_host_cannot_change_this_ones_requirements() {
    use crate::organisations::{ORG_B_ADMIN, ORG_B_HOST, get_at, sign_in_at};
    let data = tempfile::tempdir().unwrap();
    crate::organisations::create_org_b(data.path());
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "true".to_string())]);
    let host_a = format!("127.0.0.1:{}", web.addr().port());
    let (cookie_a, _) = sign_in_at(&web, data.path(), &host_a, ADMIN);
    let (cookie_b, _) = sign_in_at(&web, data.path(), ORG_B_HOST, ORG_B_ADMIN);
    let page_at = |host: &str, cookie: &str| get_at(&web, host, PAGE, Some(cookie));
    let versions_at = |host: &str, cookie: &str| {
        let r = get_at(&web, host, HISTORY, Some(cookie));
        assert_eq!(r.status, 200, "{}", r.describe());
        r.text().matches("data-testid=\"version\"").count()
    };
    let fields_a = form_fields(&page_at(&host_a, &cookie_a).text());
    let fields_b = form_fields(&page_at(ORG_B_HOST, &cookie_b).text());
    let add_searching = |fields: &[(String, String)]| {
        tick(
            &with(fields, &[("requirements.3.role", "staff")]),
            "requirements.3.modules",
            SEARCHING,
        )
    };

    // Org A's administrator, at org B's address (with org A's form and token): nobody there.
    assert_ne!(page_at(ORG_B_HOST, &cookie_a).status, 200);
    let refused = |r: Response| {
        assert!(
            r.status == 403 || r.header("location") == Some("/sign-in"),
            "{}",
            r.describe()
        );
    };
    refused(post_at(
        &web,
        ORG_B_HOST,
        &cookie_a,
        &add_searching(&fields_a),
    ));
    // Org B's administrator at org A's address: the same.
    refused(post_at(&web, &host_a, &cookie_b, &add_searching(&fields_b)));
    assert_eq!(versions_at(&host_a, &cookie_a), 1, "org A unchanged");
    assert_eq!(versions_at(ORG_B_HOST, &cookie_b), 1, "org B unchanged");

    // Org B's administrator at org B's address changes org B's, and only org B's.
    let r = post_at(&web, ORG_B_HOST, &cookie_b, &add_searching(&fields_b));
    assert_eq!(r.status, 303, "{}", r.describe());
    assert_eq!(versions_at(ORG_B_HOST, &cookie_b), 2);
    let rows_b = requirement_rows(&form_fields(&page_at(ORG_B_HOST, &cookie_b).text()));
    assert_eq!(rows_b[3].2, [SEARCHING]);
    assert_eq!(versions_at(&host_a, &cookie_a), 1);
    let rows_a = requirement_rows(&form_fields(&page_at(&host_a, &cookie_a).text()));
    assert_eq!(
        rows_a.len(),
        4,
        "org A's three requirements and an empty one"
    );
    // Each organisation's client secrets have their own variables.
    assert!(
        page_at(ORG_B_HOST, &cookie_b)
            .text()
            .contains("<code>APP_SSO_ORG_B__DEMO_CLIENT_SECRET</code>")
    );
    assert!(
        page_at(&host_a, &cookie_a)
            .text()
            .contains("<code>APP_SSO_DEMO_CLIENT_SECRET</code>")
    );
    assert!(rows_a.iter().all(|r| !r.2.contains(&SEARCHING.to_string())));
}

#[test]
fn an_admin_edits_single_sign_on_and_never_a_client_secret() {
    let data = tempfile::tempdir().unwrap();
    let web = serve(data.path());
    let admin = support::sign_in(&web, data.path(), ADMIN);
    let html = get_as(&web, PAGE, &admin).text();
    let fields = form_fields(&html);
    assert_eq!(value_of(&fields, "sso.0.id"), "demo");
    assert_eq!(value_of(&fields, "sso.0.kind"), "oidc");
    assert_eq!(value_of(&fields, "sso.0.client_id"), "demo-web");
    assert_eq!(value_of(&fields, "sso.1.id"), "", "an empty one to add one");
    assert!(
        !fields.iter().any(|(n, _)| n.contains("secret")),
        "no box for a secret"
    );
    assert!(
        html.contains("<code>APP_SSO_DEMO_CLIENT_SECRET</code>"),
        "the default organisation's variable"
    );
    assert!(html.contains("<code>APP_SSO_&lt;ID&gt;_CLIENT_SECRET</code>"));

    // Invalid: a Google provider without its domain, an id that cannot be one, the same id
    // twice, a kind not chosen. Nothing saved, what was typed kept.
    let bad = with(
        &fields,
        &[
            ("sso.0.id", "Demo IdP"),
            ("sso.1.id", "google"),
            ("sso.1.kind", "google"),
            ("sso.1.label", "Sign in with Google"),
            ("sso.1.client_id", "g-client"),
            ("sso.2.id", "google"),
            ("sso.2.label", "Again"),
        ],
    );
    let r = post_fields(&web, &admin, &bad);
    assert_eq!(r.status, 422, "{}", r.describe());
    let text = decode_entities(&r.text());
    for (reason, field) in [
        (
            "Enter a short name for provider 1: 1 to 20 lowercase letters",
            "sso-0-id",
        ),
        (
            "Enter the Google Workspace domain for provider 2.",
            "sso-1-domain",
        ),
        (
            "Choose the kind of sign-in service for provider 3.",
            "sso-2-kind",
        ),
    ] {
        assert!(text.contains(reason), "{reason}\n{}", support::cut(&text));
        assert!(
            text.contains(&format!("href=\"#{field}\"")),
            "{reason} links to its field"
        );
    }
    let again = form_fields(&r.text());
    assert_eq!(value_of(&again, "sso.0.id"), "Demo IdP");
    assert_eq!(value_of(&again, "sso.1.kind"), "google");
    assert_eq!(value_of(&again, "sso.2.label"), "Again");
    assert_eq!(versions(&web, &admin), 1, "nothing saved");

    // The same id twice.
    let twice = with(
        &fields,
        &[
            ("sso.1.id", "demo"),
            ("sso.1.kind", "google"),
            ("sso.1.label", "Sign in with Google"),
            ("sso.1.client_id", "g-client"),
            ("sso.1.domain", "wexmoorvale.example.org"),
        ],
    );
    let r = post_fields(&web, &admin, &twice);
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(
        r.text().contains("href=\"#sso-1-id\""),
        "{}",
        support::cut(&r.text())
    );

    // A Microsoft provider added (a stray issuer typed is not kept: not its kind's box).
    let added = with(
        &fields,
        &[
            ("sso.1.id", "microsoft"),
            ("sso.1.kind", "entra"),
            ("sso.1.label", "Sign in with your college Microsoft account"),
            ("sso.1.client_id", "11111111-2222-3333-4444-555555555555"),
            ("sso.1.tenant", "00000000-0000-0000-0000-000000000000"),
            ("sso.1.issuer", "https://stray.example.org"),
            ("sso.1.secret", "never-stored"),
        ],
    );
    let r = post_fields(&web, &admin, &added);
    assert_eq!(r.status, 303, "{}", r.describe());
    let html = get_as(&web, PAGE, &admin).text();
    let now = form_fields(&html);
    assert_eq!(value_of(&now, "sso.1.id"), "microsoft");
    assert_eq!(
        value_of(&now, "sso.1.tenant"),
        "00000000-0000-0000-0000-000000000000"
    );
    assert_eq!(value_of(&now, "sso.1.issuer"), "");
    assert!(html.contains("<code>APP_SSO_MICROSOFT_CLIENT_SECRET</code>"));
    assert!(!html.contains("never-stored"));
    let history = get_as(&web, HISTORY, &admin).text();
    let newest = &history[history.find("data-testid=\"version\"").unwrap()..];
    assert!(
        decode_entities(newest).contains(
            "Single sign-on added: `microsoft` (Microsoft Entra ID, “Sign in with your college Microsoft account”)"
        ),
        "{}",
        support::cut(newest)
    );
    assert!(!history.contains("never-stored"));

    // Removed by emptying it.
    let mut emptied = now.clone();
    for f in [
        "id",
        "kind",
        "label",
        "client_id",
        "tenant",
        "issuer",
        "domain",
    ] {
        emptied = with(&emptied, &[(&format!("sso.1.{f}"), "")]);
    }
    let r = post_fields(&web, &admin, &emptied);
    assert_eq!(r.status, 303, "{}", r.describe());
    let now = form_fields(&get_as(&web, PAGE, &admin).text());
    assert_eq!(value_of(&now, "sso.1.id"), "");
    assert!(
        get_as(&web, HISTORY, &admin)
            .text()
            .contains("Single sign-on removed: `microsoft`")
    );
}
