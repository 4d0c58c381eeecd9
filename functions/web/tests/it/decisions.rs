//! Decisions with reasons and review dates on the case page, over HTTP with JavaScript off: the
//! real `web` server on its embedded store with the demo people. A refused decision comes back
//! with what was typed and stores nothing; a recorded one shows its own fields in the
//! chronology, escaped; a review date due today emails the worry's readers; someone the worry is
//! not routed to, a signed-out request and a stale session's form are refused.

use crate::support;

use support::{Web, csrf_in, form_token, get_as, outbox, post_as, sign_in};

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const DEPUTY: &str = "d.okafor@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";

fn version_in(html: &str) -> String {
    let marker = r#"name="version" value=""#;
    let start = html.find(marker).expect("a version field") + marker.len();
    let len = html[start..].find('"').expect("the value ends");
    html[start..start + len].to_string()
}

/// The part of the page from the chronology's heading to the audit's.
fn chronology(html: &str) -> &str {
    let start = html
        .find(r#"id="chronology-heading""#)
        .expect("a chronology");
    let end = html.find(r#"id="audit-heading""#).expect("an audit list");
    &html[start..end]
}

#[test]
fn decisions_and_a_review_date_on_the_case_page() {
    let data = tempfile::tempdir().unwrap();
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_DEMO_PEOPLE", "true".to_string()),
            ("APP_NOTIFY_INTERVAL_SECS", "1".to_string()),
        ],
    );
    // A worry sent anonymously through the form.
    let token = form_token(&web.get("/tell").text());
    let told = web.post_form(
        "/tell",
        &[
            ("token", &token),
            (
                "text",
                "A photo of her is going round the year 10 group chat",
            ),
            ("urgency", "soon"),
            ("about", "a_friend"),
            ("involves", "nobody"),
            ("kind", "bullying"),
            ("wants_contact", "no"),
        ],
    );
    assert_eq!(told.status, 200, "{}", told.describe());
    let dsl = sign_in(&web, data.path(), DSL);
    let inbox = get_as(&web, "/worries", &dsl).text();
    let id: String = inbox
        .split(r#"href="/worries/"#)
        .nth(1)
        .expect("a worry in the inbox")
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let url = format!("/worries/{id}");
    let act = format!("/worries/{id}/act");
    let page = get_as(&web, &url, &dsl).text();
    for summary in [
        "Decision: parents or carers told",
        "Decision: the threshold",
        "Record an image incident (nudes or semi-nudes)",
        "Set a review date",
    ] {
        assert!(page.contains(summary), "the case page offers {summary}");
    }

    // Refused: an image viewed, but not who viewed it. What was typed comes back; nothing is
    // recorded.
    let image = |page: &str, viewed_by: &str| {
        vec![
            ("csrf", csrf_in(page)),
            ("form_id", uuid::Uuid::new_v4().to_string()),
            ("version", version_in(page)),
            ("action", "image".to_string()),
            ("viewed", "yes".to_string()),
            ("viewed_by", viewed_by.to_string()),
            ("devices", "Her phone <Snapchat> & his".to_string()),
            ("deletion", "asked_to_delete".to_string()),
            ("police", "no".to_string()),
            (
                "police_reason",
                "Both 15, no adult involved, no coercion".to_string(),
            ),
            (
                "text",
                "Handled in school under the UKCIS advice".to_string(),
            ),
        ]
    };
    let fields = image(&page, "");
    let as_ref: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = post_as(&web, &act, &dsl, &as_ref);
    assert_eq!(refused.status, 422, "{}", refused.describe());
    let body = refused.text();
    assert!(body.contains("Please say who viewed the image and why."));
    assert!(
        body.contains("Her phone &lt;Snapchat&gt; &amp; his"),
        "what was typed is kept, escaped"
    );
    assert!(!chronology(&body).contains("Image incident recorded"));

    let fields = image(&body, "The DSL, to decide on a referral <b>only</b>");
    let as_ref: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = post_as(&web, &act, &dsl, &as_ref);
    assert_eq!(done.status, 200, "{}", done.describe());
    let body = done.text();
    let chron = chronology(&body);
    assert!(chron.contains("Image incident recorded (UKCIS): not referred to the police"));
    assert!(chron.contains("Who viewed it and why"));
    assert!(chron.contains("The DSL, to decide on a referral &lt;b&gt;only&lt;/b&gt;"));
    assert!(!chron.contains("<b>only</b>"), "never raw HTML");

    // The parents' decision needs its reason.
    let parents = |page: &str, reason: &str| {
        post_as(
            &web,
            &act,
            &dsl,
            &[
                ("csrf", &csrf_in(page)),
                ("form_id", &uuid::Uuid::new_v4().to_string()),
                ("version", &version_in(page)),
                ("action", "parents"),
                ("informed", "no"),
                ("text", reason),
            ],
        )
    };
    let r = parents(&body, "");
    assert_eq!(r.status, 422);
    assert!(r.text().contains("Please give the reason for the decision"));
    let r = parents(
        &body,
        "Her father is the risk: social care advised against telling him",
    );
    assert_eq!(r.status, 200);
    assert!(
        chronology(&r.text()).contains("Decision: Parents or carers are not being told"),
        "{}",
        support::cut(&r.text())
    );

    // Someone it is not routed to (a member of staff), a signed-out post and another session's
    // token are refused, and record nothing.
    let staff = sign_in(&web, data.path(), STAFF);
    let staff_csrf = csrf_in(&get_as(&web, "/me", &staff).text());
    let r = post_as(
        &web,
        &act,
        &staff,
        &[
            ("csrf", &staff_csrf),
            ("form_id", &uuid::Uuid::new_v4().to_string()),
            ("version", "0"),
            ("action", "threshold"),
            ("level", "within_organisation"),
            ("text", "not mine to decide"),
        ],
    );
    assert!(matches!(r.status, 403 | 404), "{}", r.describe());
    let r = web.post_form(
        &act,
        &[
            ("action", "threshold"),
            ("level", "within_organisation"),
            ("text", "signed out"),
        ],
    );
    assert!(
        matches!(r.status, 303 | 401 | 403),
        "signed out: {}",
        r.describe()
    );
    let r = post_as(
        &web,
        &act,
        &dsl,
        &[
            ("csrf", &staff_csrf),
            ("form_id", &uuid::Uuid::new_v4().to_string()),
            ("version", "0"),
            ("action", "threshold"),
            ("level", "within_organisation"),
            ("text", "another session's token"),
        ],
    );
    assert_eq!(r.status, 403, "{}", r.describe());
    let page = get_as(&web, &url, &dsl).text();
    assert!(!page.contains("Threshold decision"), "nothing was recorded");

    // A review date: a date that is not one is refused; today's reminds its readers (nobody is
    // assigned) at the next sweep.
    let review = |page: &str, due: &str| {
        post_as(
            &web,
            &act,
            &dsl,
            &[
                ("csrf", &csrf_in(page)),
                ("form_id", &uuid::Uuid::new_v4().to_string()),
                ("version", &version_in(page)),
                ("action", "review"),
                ("due", due),
                ("text", "Whether the image was taken down"),
            ],
        )
    };
    let r = review(&page, "next week");
    assert_eq!(r.status, 422);
    assert!(
        r.text()
            .contains("Enter the review date as a date, for example 12/3/2027.")
    );
    let before = outbox(data.path());
    let today = safety_core::dates::to_london(chrono::Utc::now()).date_naive();
    let r = review(&page, &today.format("%d/%m/%Y").to_string());
    assert_eq!(r.status, 200, "{}", r.describe());
    let body = r.text();
    assert!(body.contains(r#"data-testid="case-review""#));
    assert!(body.contains(&safety_core::worry::review::show(today)));
    let deadline = std::time::Instant::now() + support::WAIT;
    let reminded = loop {
        let new: Vec<String> = outbox(data.path())
            .into_iter()
            .filter(|p| !before.contains(p))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|t| t.contains("is due for review"))
            .collect();
        if new.len() >= 2 || std::time::Instant::now() > deadline {
            break new;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let to: Vec<&str> = reminded.iter().filter_map(|t| t.lines().next()).collect();
    assert!(to.contains(&format!("To: {DSL}").as_str()), "{to:?}");
    assert!(to.contains(&format!("To: {DEPUTY}").as_str()), "{to:?}");
    assert!(
        reminded
            .iter()
            .all(|t| !t.contains("group chat") && t.contains(&url)),
        "a link, never what was written"
    );
}
