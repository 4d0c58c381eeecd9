//! The handlers' side of worry routing, end to end over HTTP: the real `web` binary with its own
//! embedded store and the demo people (a DSL, a deputy, an allegations lead, a chair), worries
//! sent through the form, handlers signed in through the outbox. Moving a worry to a stricter
//! queue takes it out of the mover's view and to its new readers; moving it back is for the
//! chair and the allegations lead only; refused looks are in its audit list; flood groups are
//! shown together and closed together; urgent worries nobody acknowledged are marked overdue;
//! the safeguarding roles record is for the DSL, the allegations lead and the chair only.

use crate::support;

use std::path::{Path, PathBuf};
use support::{Response, Web, csrf_in, cut, form_token, get_as, outbox, post_as};

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const DSL_NAME: &str = "Priya Marsh";
const DEPUTY: &str = "d.okafor@wexmoorvale.example.org";
const DEPUTY_NAME: &str = "Daniel Okafor";
const LEAD: &str = "principal@wexmoorvale.example.org";
const CHAIR: &str = "chair@wexmoorvale.example.org";
const LEARNER: &str = "learner@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";
const ADMIN: &str = "admin@wexmoorvale.example.org";

/// A server with its own data folder and the demo people; the notifier looks every second.
struct Site {
    web: Web,
    data: tempfile::TempDir,
}

impl Site {
    fn start(extra: &[(&str, String)]) -> Site {
        let data = tempfile::tempdir().expect("temp dir");
        let mut envs = vec![
            ("APP_DEMO_PEOPLE", "true".to_string()),
            ("APP_NOTIFY_INTERVAL_SECS", "1".to_string()),
        ];
        envs.extend(extra.iter().cloned());
        let web = Web::serve_embedded(data.path(), &envs);
        Site { web, data }
    }

    /// Signs `email` in through the emailed link (read from the outbox, where notifications
    /// about worries arrive at the same time); returns the cookie to send.
    #[track_caller]
    fn sign_in(&self, email: &str) -> String {
        let before = outbox(self.data.path());
        let r = self.web.post_form("/sign-in", &[("email", email)]);
        assert_eq!(r.status, 200, "POST /sign-in\n{}", r.describe());
        let mail = wait_for_new_mail(self.data.path(), &before, email, "/sign-in/link?token=");
        let token = mail
            .split_whitespace()
            .find_map(|w| w.split_once("/sign-in/link?token=").map(|(_, t)| t))
            .expect("a sign-in link")
            .to_string();
        let r = self.web.post_form("/sign-in/link", &[("token", &token)]);
        assert_eq!(r.status, 303, "signing in {email}\n{}", r.describe());
        r.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .find(|c| c.starts_with("session=") && c.len() > "session=".len())
            .expect("a session cookie")
            .to_string()
    }

    /// This session's CSRF token (from the sign-out form of its account page).
    #[track_caller]
    fn csrf(&self, cookie: &str) -> String {
        csrf_in(&get_as(&self.web, "/me", cookie).text())
    }

    /// Sends a worry anonymously through the form (JavaScript off); returns nothing: its id is
    /// read from a handler's inbox.
    #[track_caller]
    fn tell(&self, text: &str, involves: &str, urgency: &str) {
        let page = self.web.get("/tell");
        assert_eq!(page.status, 200, "GET /tell\n{}", page.describe());
        let token = form_token(&page.text());
        let r = self.web.post_form(
            "/tell",
            &[
                ("token", &token),
                ("text", text),
                ("urgency", urgency),
                ("about", "a_friend"),
                ("involves", involves),
                ("kind", "bullying"),
                ("wants_contact", "no"),
            ],
        );
        assert_eq!(r.status, 200, "POST /tell\n{}", r.describe());
    }
}

/// The worry ids linked from a page, in order, once each.
fn worry_links(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for part in html.split(r#"href="/worries/"#).skip(1) {
        let id: String = part.chars().take_while(|c| *c != '"').collect();
        if id.len() == 36 && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The text of the element with this `data-testid` (tags stripped).
fn testid_text(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"data-testid="{id}""#))?;
    let open = at + html[at..].find('>')? + 1;
    let mut depth = 0;
    let mut out = String::new();
    let mut rest = &html[open..];
    // Up to the end of the element: count nested tags of any name.
    while !rest.is_empty() {
        if rest.starts_with("</") {
            if depth == 0 {
                break;
            }
            depth -= 1;
            rest = &rest[rest.find('>').map_or(rest.len(), |e| e + 1)..];
        } else if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = &rest[..end];
            let void = tag.ends_with("/>")
                || ["<br", "<input", "<meta", "<link", "<img", "<!--"]
                    .iter()
                    .any(|v| tag.starts_with(v));
            if !void {
                depth += 1;
            }
            rest = &rest[end..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    Some(support::decode_entities(out.trim()))
}

/// The value of the case page's hidden `version` input.
fn version_in(html: &str) -> String {
    let marker = r#"name="version" value=""#;
    let start = html.find(marker).expect("a version field") + marker.len();
    let len = html[start..].find('"').expect("the value ends");
    html[start..start + len].to_string()
}

fn new_form_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Opens a worry as `cookie` (200 expected) and returns its page.
#[track_caller]
fn open(web: &Web, cookie: &str, id: &str) -> String {
    let r = get_as(web, &format!("/worries/{id}"), cookie);
    assert_eq!(r.status, 200, "GET /worries/{id}\n{}", r.describe());
    r.text()
}

/// Posts the case page's move form.
fn post_move(web: &Web, cookie: &str, id: &str, page: &str, to: &str, reason: &str) -> Response {
    post_as(
        web,
        &format!("/worries/{id}/act"),
        cookie,
        &[
            ("csrf", &csrf_in(page)),
            ("form_id", &new_form_id()),
            ("version", &version_in(page)),
            ("action", "move"),
            ("to", to),
            ("text", reason),
        ],
    )
}

/// The `<option>` values of the case page's "Move it to" select.
fn move_options(page: &str) -> Vec<String> {
    let Some(at) = page.find(r#"id="move-to""#) else {
        return Vec::new();
    };
    let end = at + page[at..].find("</select>").expect("the select ends");
    page[at..end]
        .split(r#"<option value=""#)
        .skip(1)
        .map(|o| o.chars().take_while(|c| *c != '"').collect::<String>())
        .filter(|v| !v.is_empty())
        .collect()
}

#[track_caller]
fn assert_redirect(what: &str, r: &Response, to: &str) {
    assert!(
        matches!(r.status, 302 | 303 | 307),
        "{what}: expected a redirect to {to}\n{}",
        r.describe()
    );
    assert_eq!(r.header("location"), Some(to), "{what}\n{}", r.describe());
}

/// Waits until an email to `to` whose text contains `needle` is in the outbox; returns it.
#[track_caller]
fn wait_for_mail(data: &Path, to: &str, needle: &str) -> String {
    wait_for_new_mail(data, &[], to, needle)
}

/// [`wait_for_mail`], for an email not among `before`.
#[track_caller]
fn wait_for_new_mail(data: &Path, before: &[PathBuf], to: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + support::WAIT;
    loop {
        for path in outbox(data).into_iter().filter(|p| !before.contains(p)) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if text.contains(&format!("To: {to}")) && text.contains(needle) {
                return text;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no email to {to} with `{needle}` in the outbox: {:?}",
            outbox(data)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn the_dsl_moves_a_worry_to_about_the_dsl_and_loses_it_and_only_the_lead_or_chair_moves_it_back() {
    let site = Site::start(&[]);
    let web = &site.web;
    site.tell(
        "The way the safeguarding lead spoke to my friend worries me.",
        "nobody",
        "soon",
    );
    let dsl = site.sign_in(DSL);
    let inbox = get_as(web, "/worries", &dsl);
    assert_eq!(inbox.status, 200, "{}", inbox.describe());
    let ids = worry_links(&inbox.text());
    assert_eq!(
        ids.len(),
        1,
        "one worry in the DSL's inbox:\n{}",
        cut(&inbox.text())
    );
    let id = ids[0].clone();
    let page = open(web, &dsl, &id);
    assert_eq!(
        testid_text(&page, "case-queue").as_deref(),
        Some("Safeguarding team")
    );
    // Beside "Record a referral": the local authority's services, from the demo profile.
    for number in [
        "tel:01632960500",
        "tel:01632960400",
        "https://safeguarding.wexmoor.example.org",
    ] {
        assert!(page.contains(number), "the case page lacks {number}");
    }
    // The DSL may move it on to any stricter queue, never back (it is in the least strict).
    assert_eq!(move_options(&page), ["staff", "dsl", "head"]);

    // A move without a reason is refused and changes nothing.
    let r = post_move(web, &dsl, &id, &page, "dsl", "  ");
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(r.text().contains("give the reason"), "{}", cut(&r.text()));

    let before_mail = outbox(site.data.path());
    let page = open(web, &dsl, &id);
    let r = post_move(
        web,
        &dsl,
        &id,
        &page,
        "dsl",
        "Reading it, it is about me: the allegations lead must deal with it.",
    );
    assert_redirect(
        "the DSL moves it about themselves",
        &r,
        "/worries?moved=dsl",
    );
    let after = get_as(web, "/worries?moved=dsl", &dsl);
    assert_eq!(after.status, 200);
    let notice = testid_text(&after.text(), "notice").expect("a notice");
    assert!(
        notice.contains("About the DSL") && notice.contains("no longer read it"),
        "{notice}"
    );
    assert!(
        worry_links(&after.text()).is_empty(),
        "it left the DSL's inbox"
    );
    assert_eq!(
        testid_text(&after.text(), "count-open").as_deref(),
        Some("0")
    );
    let r = get_as(web, &format!("/worries/{id}"), &dsl);
    assert_eq!(
        r.status,
        404,
        "the DSL can no longer open it\n{}",
        r.describe()
    );

    // Its new reader, the allegations lead, is emailed (without its text) and finds it.
    let mail = wait_for_mail(site.data.path(), LEAD, &id);
    assert!(mail.contains("was moved to you"), "{mail}");
    assert!(!mail.contains("spoke to my friend"), "{mail}");
    assert!(
        outbox(site.data.path())
            .iter()
            .filter(|p| !before_mail.contains(p))
            .all(|p| !std::fs::read_to_string(p)
                .unwrap_or_default()
                .contains(&format!("To: {DSL}"))),
        "the DSL is not emailed about the move"
    );
    let lead = site.sign_in(LEAD);
    assert!(worry_links(&get_as(web, "/worries", &lead).text()).contains(&id));
    let page = open(web, &lead, &id);
    assert_eq!(
        testid_text(&page, "case-queue").as_deref(),
        Some("About the DSL")
    );
    let chronology = testid_text(&page, "chronology").expect("a chronology");
    assert!(
        chronology.contains(r#"Moved it from "Safeguarding team" to "About the DSL""#)
            && chronology.contains("it is about me")
            && chronology.contains(DSL_NAME),
        "{chronology}"
    );
    // The DSL's refused look is in the audit list for its readers.
    let audit = testid_text(&page, "audit").expect("an audit list");
    assert!(
        audit.contains(DSL_NAME) && audit.contains("Tried to open it: refused"),
        "{audit}"
    );

    // A deputy cannot read it, nor move it back: refused as not found, and the try is audited.
    let deputy = site.sign_in(DEPUTY);
    assert_eq!(get_as(web, &format!("/worries/{id}"), &deputy).status, 404);
    let deputy_csrf = site.csrf(&deputy);
    let r = post_as(
        web,
        &format!("/worries/{id}/act"),
        &deputy,
        &[
            ("csrf", &deputy_csrf),
            ("form_id", &new_form_id()),
            ("version", "1"),
            ("action", "move"),
            ("to", "team"),
            ("text", "Back to the team"),
        ],
    );
    assert_eq!(r.status, 404, "{}", r.describe());
    let page = open(web, &lead, &id);
    let audit = testid_text(&page, "audit").expect("an audit list");
    assert!(
        audit.contains(DEPUTY_NAME) && audit.contains("Tried to change it: refused"),
        "{audit}"
    );
    assert_eq!(
        testid_text(&page, "case-queue").as_deref(),
        Some("About the DSL")
    );

    // The allegations lead may move it back to a less restricted queue.
    let options = move_options(&page);
    assert!(
        options.contains(&"team".to_string()) && options.contains(&"head".to_string()),
        "{options:?}"
    );
    let r = post_move(
        web,
        &lead,
        &id,
        &page,
        "team",
        "Spoke to the learner: it is about another adult outside college.",
    );
    // The allegations lead does not read the team's queue: it leaves their view in turn.
    assert_redirect("the lead moves it back", &r, "/worries?moved=team");
    let page = open(web, &dsl, &id);
    assert_eq!(
        testid_text(&page, "case-queue").as_deref(),
        Some("Safeguarding team")
    );

    // The DSL moves it on to "about staff" (which they still read), then cannot move it back.
    let r = post_move(
        web,
        &dsl,
        &id,
        &page,
        "staff",
        "It names a teacher after all.",
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let page = r.text();
    assert_eq!(
        testid_text(&page, "case-queue").as_deref(),
        Some("About a member of staff")
    );
    assert_eq!(move_options(&page), ["dsl", "head"], "no way back offered");
    let r = post_move(web, &dsl, &id, &page, "team", "Back again");
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(
        r.text().contains("Only the chair or the allegations lead"),
        "{}",
        cut(&r.text())
    );
    assert_eq!(
        testid_text(&r.text(), "case-queue").as_deref(),
        Some("About a member of staff"),
        "nothing changed"
    );
}

#[test]
fn who_may_see_the_inbox_and_the_safeguarding_roles_record() {
    let site = Site::start(&[]);
    let web = &site.web;
    // Signed out: to sign in.
    for path in ["/worries", "/safeguarding-roles"] {
        assert_redirect(path, &web.get(path), "/sign-in");
    }
    // The chair reads the head's queue: the inbox, its worries, and the record (linked from the
    // menu). A worry about the head is theirs and the DSL's, never the allegations lead's.
    site.tell(
        "I am worried about something the principal did.",
        "head",
        "soon",
    );
    let chair = site.sign_in(CHAIR);
    let r = get_as(web, "/worries", &chair);
    assert_eq!(r.status, 200, "{}", r.describe());
    let ids = worry_links(&r.text());
    assert_eq!(ids.len(), 1, "{}", cut(&r.text()));
    let page = open(web, &chair, &ids[0]);
    assert_eq!(
        testid_text(&page, "case-queue").as_deref(),
        Some("About the head or managing director")
    );
    // The chair may move it back to a less restricted queue.
    assert_eq!(move_options(&page), ["team", "staff", "dsl"]);
    let lead = site.sign_in(LEAD);
    assert!(worry_links(&get_as(web, "/worries", &lead).text()).is_empty());
    assert_eq!(
        get_as(web, &format!("/worries/{}", ids[0]), &lead).status,
        404
    );
    assert!(r.text().contains(r#"href="/worries""#), "the Concerns link");
    assert!(
        r.text().contains(r#"href="/safeguarding-roles""#),
        "the record's link"
    );
    let r = get_as(web, "/safeguarding-roles", &chair);
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.text().contains("Safeguarding roles record"));
    assert!(
        r.text().contains(r#"data-testid="roles-empty""#),
        "nothing changed yet"
    );
    assert_eq!(get_as(web, "/safeguarding-roles", &lead).status, 200);
    let dsl = site.sign_in(DSL);
    assert_eq!(get_as(web, "/safeguarding-roles", &dsl).status, 200);
    // Everyone else, the admin and the deputy included, is refused and given no link.
    for email in [LEARNER, STAFF, ADMIN, DEPUTY] {
        let cookie = site.sign_in(email);
        let r = get_as(web, "/safeguarding-roles", &cookie);
        assert_eq!(r.status, 403, "{email}\n{}", r.describe());
        let home = get_as(web, "/", &cookie);
        assert!(
            !home.text().contains(r#"href="/safeguarding-roles""#),
            "{email}"
        );
    }
    // A "sent within" filter of any size answers (it used to overflow the date arithmetic).
    for days in ["106751990", "4294967295", "99999999999999", "-1", "x"] {
        let r = get_as(web, &format!("/worries?days={days}"), &dsl);
        assert_eq!(r.status, 200, "days={days}\n{}", r.describe());
    }
}

/// A copy of the content with the demo organisation's escalation time set to `minutes`.
fn content_with_escalation(dir: &Path, minutes: u32) -> std::path::PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let to = dir.join("content");
    copy_dir(&from, &to);
    let profile = to.join("organisations/demo.toml");
    let text = std::fs::read_to_string(&profile).expect("the demo profile");
    assert!(
        text.contains("escalate_after_minutes = 30"),
        "the demo profile's escalation time"
    );
    std::fs::write(
        &profile,
        text.replace(
            "escalate_after_minutes = 30",
            &format!("escalate_after_minutes = {minutes}"),
        ),
    )
    .expect("write the profile");
    to
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

#[test]
fn a_flood_is_shown_as_one_group_and_closed_together_and_unacknowledged_urgent_worries_are_overdue()
{
    let content = tempfile::tempdir().expect("temp dir");
    let content_dir = content_with_escalation(content.path(), 0);
    // Two worries from one address, then the rest of the flood joins a group.
    let site = Site::start(&[
        ("APP_CONTENT_DIR", content_dir.display().to_string()),
        ("APP_WORRY_LIMIT", "2".to_string()),
    ]);
    let web = &site.web;
    support::away_from_window_edges(&[600]);
    site.tell(
        "An urgent worry that nobody has acknowledged yet.",
        "nobody",
        "urgent",
    );
    site.tell("A second worry, not part of any flood.", "nobody", "soon");
    for n in 0..4 {
        site.tell(&format!("Flood number {n}"), "nobody", "can_wait");
    }
    let dsl = site.sign_in(DSL);
    let inbox = get_as(web, "/worries", &dsl);
    assert_eq!(inbox.status, 200, "{}", inbox.describe());
    let html = inbox.text();
    assert_eq!(
        worry_links(&html).len(),
        6,
        "every worry is stored and listed"
    );
    assert_eq!(testid_text(&html, "count-open").as_deref(), Some("6"));
    assert_eq!(testid_text(&html, "count-overdue").as_deref(), Some("1"));
    assert_eq!(
        html.matches(r#"data-testid="overdue""#).count(),
        1,
        "one row is tagged"
    );
    assert_eq!(
        html.matches(r#"data-testid="group""#).count(),
        1,
        "one group"
    );
    assert_eq!(testid_text(&html, "group-count").as_deref(), Some("4"));
    let action_at = html
        .find(r#"action="/worries/groups/"#)
        .expect("a form to close the group");
    let action: String = html[action_at + r#"action=""#.len()..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let csrf = csrf_in(&html);

    // Refused: without this session's token, without a reason, by a learner, an unknown group.
    let r = post_as(web, &action, &dsl, &[("csrf", "forged"), ("text", "prank")]);
    assert_eq!(r.status, 403, "{}", r.describe());
    let r = post_as(web, &action, &dsl, &[("csrf", &csrf), ("text", " ")]);
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(
        r.text().contains("say why the group is being closed"),
        "{}",
        cut(&r.text())
    );
    let learner = site.sign_in(LEARNER);
    let r = post_as(web, &action, &learner, &[("csrf", "x"), ("text", "x")]);
    assert_eq!(r.status, 403, "{}", r.describe());
    let r = post_as(
        web,
        "/worries/groups/00000000000000000000000000000000/dismiss",
        &dsl,
        &[("csrf", &csrf), ("text", "prank")],
    );
    assert_eq!(r.status, 404, "{}", r.describe());
    // The chair reads no worry of the team's queue: nothing of the group to close.
    let chair = site.sign_in(CHAIR);
    let chair_csrf = site.csrf(&chair);
    let r = post_as(
        web,
        &action,
        &chair,
        &[("csrf", &chair_csrf), ("text", "x")],
    );
    assert_eq!(r.status, 404, "{}", r.describe());
    assert_eq!(
        testid_text(&get_as(web, "/worries", &dsl).text(), "count-open").as_deref(),
        Some("6"),
        "nothing was closed"
    );

    let r = post_as(
        web,
        &action,
        &dsl,
        &[
            ("csrf", &csrf),
            (
                "text",
                "The same message sent again and again from one tablet.",
            ),
        ],
    );
    assert_redirect("the group is closed", &r, "/worries?dismissed=4");
    let html = get_as(web, "/worries?dismissed=4", &dsl).text();
    assert!(
        testid_text(&html, "notice")
            .is_some_and(|n| n.contains("4 concerns of the group were closed")),
        "{}",
        cut(&html)
    );
    assert_eq!(
        testid_text(&html, "count-open").as_deref(),
        Some("2"),
        "the other two stay open"
    );
    let closed = get_as(web, "/worries?show=closed", &dsl).text();
    let closed_ids = worry_links(&closed);
    assert_eq!(closed_ids.len(), 4);
    let chronology =
        testid_text(&open(web, &dsl, &closed_ids[0]), "chronology").expect("chronology");
    assert!(
        chronology.contains("Closed it: No further action needed")
            && chronology.contains("Closed with its group: The same message sent again"),
        "{chronology}"
    );

    // The overdue worry was escalated to its readers by email too.
    wait_for_mail(site.data.path(), DSL, "has not been acknowledged");
}
