//! The DSL's inbox sorted by its "Sent" column without JavaScript (issue 20, item 1): newest
//! first by default, oldest first with `?sort=sent&dir=asc`, the header a sort link marked with
//! `aria-sort`, the next page and the filter form keeping the order, nonsense falling back to
//! newest first, and the inbox still refused to staff. The real `web` server with its own
//! embedded store and the demo people; worries sent through the form.

use crate::support;

use support::{Web, cut, decode_entities, form_token, get_as, sign_in};

const DSL: &str = "safeguarding@wexmoorvale.example.org";
const STAFF: &str = "staff@wexmoorvale.example.org";

/// Sends a worry anonymously through the form (JavaScript off).
#[track_caller]
fn tell(web: &Web, text: &str) {
    let page = web.get("/tell");
    assert_eq!(page.status, 200, "GET /tell\n{}", page.describe());
    let token = form_token(&page.text());
    let r = web.post_form(
        "/tell",
        &[
            ("token", &token),
            ("text", text),
            ("urgency", "soon"),
            ("about", "a_friend"),
            ("involves", "nobody"),
            ("kind", "bullying"),
            ("wants_contact", "no"),
        ],
    );
    assert_eq!(r.status, 200, "POST /tell\n{}", r.describe());
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

/// The `href` of the `rel="next"` link, decoded, if there is one.
fn next_link(html: &str) -> Option<String> {
    let at = html.find(r#"rel="next""#)?;
    let start = html[..at].rfind("<a ")?;
    let tag = &html[start..at];
    let href = tag.split_once(r#"href=""#)?.1;
    Some(decode_entities(&href[..href.find('"')?]))
}

/// The "Sent" header cell (`<th ...>...</th>`).
fn sent_header(html: &str) -> String {
    let at = html
        .find(">Sent</a>")
        .unwrap_or_else(|| panic!("{}", cut(html)));
    let start = html[..at].rfind("<th").expect("a th");
    let end = at + html[at..].find("</th>").expect("its end");
    html[start..end].to_string()
}

#[test]
fn the_dsl_sorts_the_inbox_by_sent_either_way_and_pages_keep_the_order() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(
        data.path(),
        &[
            ("APP_DEMO_PEOPLE", "true".to_string()),
            // 27 worries from one address: none of them a flood group.
            ("APP_WORRY_LIMIT", "1000".to_string()),
        ],
    );
    // One more than a page, and one more again: two pages either way.
    for n in 0..27 {
        tell(&web, &format!("Worry number {n} for the inbox order."));
    }
    let dsl = sign_in(&web, data.path(), DSL);

    // Newest first by default: the header is a link asking for oldest first.
    let first = get_as(&web, "/worries", &dsl);
    assert_eq!(first.status, 200, "{}", first.describe());
    let html = first.text();
    let newest_1 = worry_links(&html);
    assert_eq!(newest_1.len(), 25, "{}", cut(&html));
    let th = sent_header(&html);
    assert!(th.contains(r#"aria-sort="descending""#), "{th}");
    assert!(
        th.contains(r#"href="/worries?sort=sent&amp;dir=asc""#),
        "{th}"
    );
    assert!(html.contains("Concerns, newest first"));
    let next = next_link(&html).expect("a next page");
    assert!(
        next.contains("before=") && !next.contains("sort="),
        "{next}"
    );
    let newest_2 = worry_links(&get_as(&web, &next, &dsl).text());
    assert_eq!(newest_2.len(), 2);
    let newest: Vec<String> = newest_1.iter().chain(&newest_2).cloned().collect();

    // Oldest first: the other way round, page for page, the order kept by the next link.
    let first = get_as(&web, "/worries?sort=sent&dir=asc", &dsl);
    assert_eq!(first.status, 200, "{}", first.describe());
    let html = first.text();
    let oldest_1 = worry_links(&html);
    assert_eq!(oldest_1.len(), 25);
    let th = sent_header(&html);
    assert!(th.contains(r#"aria-sort="ascending""#), "{th}");
    assert!(
        th.contains(r#"href="/worries?sort=sent&amp;dir=desc""#),
        "{th}"
    );
    assert!(html.contains("Concerns, oldest first"));
    let next = next_link(&html).expect("a next page");
    assert!(
        next.starts_with("/worries?sort=sent&dir=asc&after="),
        "{next}"
    );
    let page_2 = get_as(&web, &next, &dsl);
    assert_eq!(page_2.status, 200, "{}", page_2.describe());
    let oldest_2 = worry_links(&page_2.text());
    assert_eq!(oldest_2.len(), 2);
    assert_eq!(next_link(&page_2.text()), None, "the last page");
    let mut oldest: Vec<String> = oldest_1.iter().chain(&oldest_2).cloned().collect();
    oldest.reverse();
    assert_eq!(oldest, newest, "oldest first is newest first reversed");
    assert_eq!(oldest_1[0], newest[26], "the first worry sent comes first");

    // The filter form keeps the order; the filters are kept by the header link and next link.
    assert!(
        html.contains(r#"<input type="hidden" name="sort" value="sent""#)
            && html.contains(r#"<input type="hidden" name="dir" value="asc""#),
        "{}",
        cut(&html)
    );
    let filtered = get_as(
        &web,
        "/worries?kind=bullying&days=7&sort=sent&dir=asc",
        &dsl,
    )
    .text();
    assert_eq!(worry_links(&filtered), oldest_1);
    let next = next_link(&filtered).expect("a next page");
    assert!(
        next.starts_with("/worries?kind=bullying&days=7&sort=sent&dir=asc&after="),
        "{next}"
    );
    assert!(
        sent_header(&filtered)
            .contains(r#"href="/worries?kind=bullying&amp;days=7&amp;sort=sent&amp;dir=desc""#)
    );

    // Nonsense is newest first, silently.
    for junk in [
        "?sort=x&dir=y",
        "?sort=sent&dir=sideways",
        "?sort=kind&dir=asc",
        "?dir=asc",
    ] {
        let r = get_as(&web, &format!("/worries{junk}"), &dsl);
        assert_eq!(r.status, 200, "{junk}\n{}", r.describe());
        let html = r.text();
        assert_eq!(worry_links(&html), newest_1, "{junk}");
        assert!(
            sent_header(&html).contains(r#"aria-sort="descending""#),
            "{junk}"
        );
        assert!(!html.contains(r#"name="sort""#), "{junk}");
    }

    // Staff are still refused the inbox, in either order.
    let staff = sign_in(&web, data.path(), STAFF);
    for path in ["/worries", "/worries?sort=sent&dir=asc"] {
        let r = get_as(&web, path, &staff);
        assert_eq!(r.status, 403, "{path}\n{}", r.describe());
        assert!(worry_links(&r.text()).is_empty(), "{path}");
    }
}
