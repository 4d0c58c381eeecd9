//! The HTTP surface of the `web` binary, served locally with the embedded store: bad input,
//! cross-site writes, error pages, security headers and the browser bundle.

use crate::support;

use support::{ORG_NAME, Response, Web, cut, follow_up_code, form, form_token, textarea_value};

/// A local server with its own empty embedded store, and no browser bundle.
fn server() -> (Web, tempfile::TempDir) {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(data.path(), &[]);
    (web, data)
}

/// The headers every response must carry.
#[track_caller]
fn assert_security_headers(what: &str, r: &Response) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy\n{}", r.describe()));
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: the CSP lacks `{directive}`: {csp}"
        );
    }
    assert!(
        !csp.contains("'unsafe-inline'"),
        "{what}: the CSP allows inline scripts: {csp}"
    );
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}: X-Content-Type-Options\n{}",
        r.describe()
    );
    assert_eq!(
        r.header("x-frame-options"),
        Some("DENY"),
        "{what}: X-Frame-Options\n{}",
        r.describe()
    );
    let id = r.header("x-request-id").unwrap_or_default();
    assert!(
        !id.is_empty() && id.len() <= 64,
        "{what}: no usable x-request-id\n{}",
        r.describe()
    );
}

#[track_caller]
fn assert_html(what: &str, r: &Response) {
    let ct = r.header("content-type").unwrap_or_default();
    assert!(
        ct.starts_with("text/html"),
        "{what}: expected an HTML page, got content-type `{ct}`\n{}",
        r.describe()
    );
    assert_security_headers(what, r);
}

#[track_caller]
fn assert_no_store(what: &str, r: &Response) {
    assert_eq!(
        r.header("cache-control"),
        Some("no-store"),
        "{what}: a form answer must not be cached\n{}",
        r.describe()
    );
}

fn post_tell(web: &Web, token: &str, text: &str, urgency: &str) -> Response {
    web.post_form(
        "/tell",
        &[
            ("token", token),
            ("text", text),
            ("urgency", urgency),
            ("about", "me"),
            ("involves", "nobody"),
            ("kind", "bullying"),
            ("wants_contact", "no"),
        ],
    )
}

#[test]
fn pages_render_with_security_headers_and_unknown_addresses_are_404() {
    let (web, _data) = server();
    let home = web.get("/");
    assert_eq!(home.status, 200, "GET /\n{}", home.describe());
    assert_html("GET /", &home);
    assert!(home.text().contains(ORG_NAME), "GET / lacks the org name");

    let tell = web.get("/tell");
    assert_eq!(tell.status, 200, "GET /tell\n{}", tell.describe());
    assert_html("GET /tell", &tell);
    assert_no_store("GET /tell (it carries a fresh token)", &tell);
    assert!(
        tell.text().contains("children&#x27;s social care")
            || tell.text().contains("children's social care"),
        "the danger box names the local children's services"
    );
    assert!(tell.text().contains("tel:01632960400"));
    let first = form_token(&tell.text());
    assert_ne!(
        first,
        form_token(&web.get("/tell").text()),
        "each form gets its own token"
    );

    let missing = web.get("/nope");
    assert_eq!(missing.status, 404, "GET /nope\n{}", missing.describe());
    assert_html("GET /nope", &missing);

    let health = web.get("/healthz");
    assert_eq!(health.status, 200, "GET /healthz\n{}", health.describe());
    assert_eq!(health.text(), "ok");
    assert_security_headers("GET /healthz", &health);
}

/// Every page is a whole document: "page – service" in its title, a meta description and a
/// favicon in its head, and nothing after `</html>` (Leptos's resource scripts are moved into
/// the body). The learning index lists the four Cs first (the content's `order`).
#[test]
fn pages_have_a_service_title_a_description_a_favicon_and_nothing_after_the_document() {
    let (web, _data) = server();
    let service = format!("Online safety at {ORG_NAME}");
    for (path, title) in [
        ("/", service.clone()),
        ("/learn", format!("Learning – {service}")),
        ("/tell", format!("Tell someone – {service}")),
        ("/nope", format!("Page not found – {service}")),
    ] {
        let page = web.get(path);
        let html = page.text();
        let title_html = title.replace('\'', "&#x27;");
        assert!(
            html.contains(&format!("<title>{title_html}</title>")),
            "GET {path}: the title is \"{title}\"\n{}",
            cut(&html)
        );
        let head = &html[..html.find("</head>").expect("a head")];
        assert!(
            head.contains(r#"<meta name="description" content=""#),
            "GET {path}: a meta description"
        );
        assert!(
            head.contains(r#"<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,"#),
            "GET {path}: a favicon"
        );
        assert!(
            html.trim_end().ends_with("</html>"),
            "GET {path}: nothing after </html>:\n{}",
            &html[html.rfind("</html>").unwrap_or(0)..]
        );
        assert_eq!(
            html.matches("</html>").count(),
            1,
            "GET {path}: one </html>"
        );
    }
    let learn = web.get("/learn").text();
    let four_cs = learn
        .find("/learn/four-cs-of-online-risk")
        .expect("the four Cs listed");
    let bullying = learn
        .find("/learn/bullying-harassment-and-hate")
        .expect("bullying listed");
    assert!(four_cs < bullying, "the four Cs (order = 1) come first");
}

/// The public curriculum page lists each UKCIS strand with the modules tagged with it, and the
/// footer of every page links to it.
#[test]
fn the_curriculum_page_lists_the_ukcis_strands_and_their_modules() {
    let (web, _data) = server();
    let page = web.get("/curriculum");
    assert_eq!(page.status, 200, "GET /curriculum\n{}", page.describe());
    assert_html("GET /curriculum", &page);
    let html = page.text();
    // From this strand's term to the next one: its modules.
    let start = html
        .find(r#"<dt id="strand-online-bullying">"#)
        .unwrap_or_else(|| panic!("no online bullying strand in\n{}", cut(&html)));
    let strand = &html[start..];
    let strand = &strand[..strand[4..].find("<dt ").map_or(strand.len(), |i| i + 4)];
    assert!(strand.contains("Online bullying"), "{strand}");
    assert!(
        strand.contains(
            r#"<a href="/learn/bullying-harassment-and-hate">Bullying, harassment and hate</a>"#
        ),
        "the strand lists the module that covers it: {strand}"
    );
    assert!(strand.contains("For learners"), "{strand}");
    for name in [
        "Self-image and identity",
        "Health, well-being and lifestyle",
        "Copyright and ownership",
    ] {
        assert!(
            html.contains(name),
            "GET /curriculum lacks the strand {name}"
        );
    }
    assert!(
        !html.contains("<script type=\"module\""),
        "a content page loads no JavaScript bundle"
    );
    assert!(
        web.get("/").text().contains(r#"href="/curriculum""#),
        "the footer links to the curriculum page"
    );
}

#[test]
fn a_worry_is_sent_and_can_be_looked_up() {
    let (web, _data) = server();
    let token = form_token(&web.get("/tell").text());
    let sent = post_tell(
        &web,
        &token,
        "Someone I met in a game asks for photos.",
        "soon",
    );
    assert_eq!(sent.status, 200, "POST /tell\n{}", sent.describe());
    assert_html("POST /tell", &sent);
    assert_no_store("POST /tell", &sent);
    let code = follow_up_code(&sent.text())
        .unwrap_or_else(|| panic!("no follow-up code:\n{}", cut(&sent.text())));
    // With JavaScript off the answer to Send starts with the confirmation (on a phone, the
    // first screen), before the emergency box and the rest of the page.
    let html = sent.text();
    let main = html.find("<main").expect("a <main>");
    let heading = html.find(r#"id="sent-heading""#).expect("the confirmation");
    let danger = html[main..].find("danger-box").map(|at| main + at);
    assert!(
        danger.is_some_and(|d| heading < d),
        "the confirmation comes first in <main>"
    );

    // Sent twice (a double click, a retry): the same worry, the same code.
    let again = post_tell(
        &web,
        &token,
        "Someone I met in a game asks for photos.",
        "soon",
    );
    assert_eq!(again.status, 200, "POST /tell again\n{}", again.describe());
    assert_eq!(
        follow_up_code(&again.text()).as_deref(),
        Some(code.as_str())
    );
    assert!(again.text().contains("already been sent"));

    // A code is read as typed by a person: lower case, no hyphens.
    let typed = code.replace('-', "").to_lowercase();
    let found = web.post_form("/follow-up", &[("code", &typed)]);
    assert_eq!(found.status, 200, "POST /follow-up\n{}", found.describe());
    assert_html("POST /follow-up", &found);
    assert_no_store("POST /follow-up", &found);
    assert!(
        found.text().contains(r#"data-testid="status""#),
        "the status is shown:\n{}",
        cut(&found.text())
    );
    // The sender's own words are shown again; the code stays only in the hidden field of the
    // "add something" form, not in the look-up box (a shared computer).
    let html = found.text();
    assert!(html.contains("Someone I met in a game asks for photos."));
    let input = html
        .split("<input")
        .find(|tag| tag.contains(r#"id="code""#))
        .expect("the look-up box");
    let input = &input[..input.find('>').unwrap_or(input.len())];
    assert!(
        !input.contains(&typed),
        "the code is left in the look-up box: <input{input}>"
    );
    assert!(
        html.contains(&format!(r#"type="hidden" name="code" value="{typed}""#)),
        "the add form carries the code"
    );
}

#[test]
fn a_json_body_gets_a_400_page_with_a_clear_message_and_a_fresh_form() {
    let (web, _data) = server();
    let r = web.request(
        "POST",
        "/tell",
        &[("Content-Type", "application/json")],
        br#"{"token":"x","text":"hello","urgency":"soon"}"#,
    );
    assert_eq!(r.status, 400, "JSON to /tell\n{}", r.describe());
    assert_html("JSON to /tell", &r);
    assert_no_store("JSON to /tell", &r);
    let html = r.text();
    assert!(
        html.contains("We could not read what was sent, so nothing was stored"),
        "no clear message:\n{}",
        cut(&html)
    );
    // The fresh form works.
    let token = form_token(&html);
    let sent = post_tell(
        &web,
        &token,
        "Sent with the form from the 400 page.",
        "can_wait",
    );
    assert_eq!(
        sent.status,
        200,
        "the 400 page's form token must be usable\n{}",
        sent.describe()
    );

    let r = web.request(
        "POST",
        "/follow-up",
        &[("Content-Type", "application/json")],
        br#"{"code":"x"}"#,
    );
    assert_eq!(r.status, 400, "JSON to /follow-up\n{}", r.describe());
    assert_html("JSON to /follow-up", &r);
}

#[test]
fn an_oversized_body_is_refused_and_the_server_keeps_answering() {
    let (mut web, _data) = server();
    let token = form_token(&web.get("/tell").text());
    let text = "a".repeat(300 * 1024);
    let body = form(&[
        ("token", &token),
        ("text", &text),
        ("urgency", "soon"),
        ("about", "me"),
        ("involves", "nobody"),
        ("kind", "bullying"),
        ("wants_contact", "no"),
    ]);
    assert!(body.len() > 300 * 1024);

    let r = web.request(
        "POST",
        "/tell",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    );
    assert!(
        (400..500).contains(&r.status),
        "a 300 KB form must be refused with a 4xx\n{}",
        r.describe()
    );
    assert_security_headers("300 KB form", &r);

    // The same without a Content-Length (chunked): the limit holds while reading.
    let r = web.request(
        "POST",
        "/tell",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Transfer-Encoding", "chunked"),
        ],
        body.as_bytes(),
    );
    assert!(
        (400..500).contains(&r.status),
        "a chunked 300 KB form must be refused with a 4xx\n{}",
        r.describe()
    );

    assert!(web.exited().is_none(), "web died:\n{}", web.output());
    let health = web.get("/healthz");
    assert_eq!(health.status, 200, "still answering\n{}", health.describe());
    // Nothing was stored: the token is still unused.
    let sent = post_tell(&web, &token, "After the big one.", "soon");
    assert_eq!(sent.status, 200, "{}", sent.describe());
    assert!(!sent.text().contains("already been sent"));
}

#[test]
fn a_forged_or_garbled_token_gets_a_422_with_the_text_kept() {
    let (web, _data) = server();
    let real = form_token(&web.get("/tell").text());
    let text = "He said he'd share it <3 & I don't know what to do 😟";
    let mut forged = real.clone();
    // Change one character of the signature.
    let last = forged.pop().expect("a token");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for token in [
        forged.as_str(),
        "garbled",
        "",
        "a.b.c",
        "AAAA.99999999999.AAAA",
    ] {
        let r = post_tell(&web, token, text, "urgent");
        assert_eq!(r.status, 422, "token `{token}`\n{}", r.describe());
        assert_html("bad token", &r);
        assert_no_store("bad token", &r);
        let html = r.text();
        assert!(
            html.contains("We could not accept this form"),
            "token `{token}`: no message:\n{}",
            cut(&html)
        );
        assert_eq!(textarea_value(&html), text, "token `{token}`: text kept");
        assert!(
            html.contains(r#"value="urgent" checked"#),
            "token `{token}`: the urgency choice is kept"
        );
        assert!(
            follow_up_code(&html).is_none(),
            "token `{token}`: nothing was sent"
        );
        // A new, valid token comes with the form.
        let fresh = form_token(&html);
        assert_ne!(fresh, token);
        assert_ne!(fresh, real);
    }
}

#[test]
fn bad_input_is_refused_with_422_and_the_form_kept() {
    let (web, _data) = server();
    let token = form_token(&web.get("/tell").text());
    for (text, urgency, message) in [
        ("   \n\t ", "soon", "Please write something"),
        (
            "Something happened.",
            "whenever",
            "Please choose how urgent",
        ),
        (&"x".repeat(10_001) as &str, "soon", "characters long"),
    ] {
        let r = post_tell(&web, &token, text, urgency);
        assert_eq!(r.status, 422, "text {:?}\n{}", cut(text), r.describe());
        assert_no_store("bad input", &r);
        let html = r.text();
        assert!(html.contains(message), "no `{message}`:\n{}", cut(&html));
        assert_eq!(
            form_token(&html),
            token,
            "an input problem keeps the token, so the fixed form is the same submission"
        );
    }
    let sent = post_tell(&web, &token, "Fixed now.", "soon");
    assert_eq!(sent.status, 200, "{}", sent.describe());
}

/// A worry's text comes back in the `<textarea>` when it was not sent. It must be escaped like
/// any text: otherwise `</textarea>` in what someone typed ends the box and the rest of their
/// message becomes markup in the page (and the text they would resend is changed).
#[test]
fn a_kept_worry_text_cannot_break_out_of_the_textarea() {
    let (web, _data) = server();
    let text = "a</textarea><h1 id=\"injected\">x</h1> &amp; b";
    let r = post_tell(&web, "garbled", text, "soon");
    assert_eq!(r.status, 422, "{}", r.describe());
    let html = r.text();
    assert!(
        !html.contains(r#"<h1 id="injected">"#),
        "the typed text became markup in the page: the <textarea> content is not HTML-escaped \
         (tachys 0.2 renders <textarea> children raw, ESCAPE_CHILDREN = false; see \
         app/src/islands.rs WorryForm):\n{}",
        textarea_context(&html)
    );
    assert_eq!(
        textarea_value(&html),
        text,
        "the textarea must show exactly what was typed"
    );
}

fn textarea_context(html: &str) -> String {
    let at = html.find("<textarea").unwrap_or(0);
    html[at..].chars().take(300).collect()
}

#[test]
fn cross_site_writes_are_refused_with_403() {
    let (web, _data) = server();
    let token = form_token(&web.get("/tell").text());
    let body = form(&[
        ("token", &token),
        ("text", "cross-site"),
        ("urgency", "soon"),
        ("about", "me"),
        ("involves", "nobody"),
        ("kind", "bullying"),
        ("wants_contact", "no"),
    ]);
    let form_type = ("Content-Type", "application/x-www-form-urlencoded");
    for (path, header) in [
        ("/tell", ("Origin", "https://evil.example")),
        ("/tell", ("Sec-Fetch-Site", "cross-site")),
        ("/tell", ("Sec-Fetch-Site", "same-site")),
        ("/tell", ("Origin", "null")),
        ("/follow-up", ("Origin", "https://evil.example")),
        ("/follow-up", ("Sec-Fetch-Site", "cross-site")),
    ] {
        let r = web.request("POST", path, &[form_type, header], body.as_bytes());
        assert_eq!(r.status, 403, "{path} with {header:?}\n{}", r.describe());
        assert_security_headers("403", &r);
        assert!(
            r.text().contains("sent from another website"),
            "{path} with {header:?}: the 403 says why\n{}",
            r.describe()
        );
    }
    // None of them was stored: the token is unused. The same post from our own page works.
    let origin = format!("http://{}", web.addr());
    let r = web.request(
        "POST",
        "/tell",
        &[
            form_type,
            ("Origin", &origin),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200, "a same-origin post\n{}", r.describe());
    assert!(
        !r.text().contains("already been sent"),
        "a refused cross-site post must not have stored the worry"
    );
}

/// A whole school often shares one address: past the per-address limit, worries are stored and
/// grouped (one email for the group), never refused. Only follow-up look-ups are limited.
#[test]
fn worries_over_the_address_limit_are_stored_and_only_look_ups_are_limited() {
    // The worry (10 minutes) and look-up (15 minutes) windows.
    support::away_from_window_edges(&[600, 900]);
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(data.path(), &[("APP_WORRY_LIMIT", "2".into())]);
    let mut code = String::new();
    for n in 1..=4 {
        let token = form_token(&web.get("/tell").text());
        let text = format!("Worry number {n}, which must not be lost");
        let r = post_tell(&web, &token, &text, "urgent");
        assert_eq!(r.status, 200, "worry {n}\n{}", r.describe());
        assert!(!r.text().contains("paused"), "{}", cut(&r.text()));
        code = follow_up_code(&r.text()).unwrap_or_else(|| panic!("worry {n}: no code"));
    }
    // The last one, over the limit, is stored: its code finds it.
    let found = web.post_form("/follow-up", &[("code", &code)]);
    assert_eq!(found.status, 200, "{}", found.describe());
    assert!(
        found
            .text()
            .contains("Worry number 4, which must not be lost")
    );

    // Look-ups have their own limit: 30 in the window, whatever the code.
    for n in 2..=30 {
        let r = web.post_form("/follow-up", &[("code", &code)]);
        assert_eq!(r.status, 200, "look-up {n}\n{}", r.describe());
    }
    let r = web.post_form("/follow-up", &[("code", &code)]);
    assert_eq!(r.status, 429, "{}", r.describe());
    assert!(r.text().contains("Many codes have been checked"));
    assert!(
        !web.output().contains("which must not be lost"),
        "worry text never reaches the log"
    );
}

/// 80 anonymous worries from one address (a class on the school's one connection) with the
/// default settings: every one stored, none refused.
#[test]
fn eighty_anonymous_worries_from_one_address_are_all_stored() {
    support::away_from_window_edges(&[600]);
    let (web, _data) = server();
    let mut codes = Vec::new();
    for n in 1..=80 {
        let token = form_token(&web.get("/tell").text());
        let r = post_tell(
            &web,
            &token,
            &format!("Worry {n} from the classroom"),
            "soon",
        );
        assert_eq!(r.status, 200, "worry {n}\n{}", r.describe());
        codes.push(follow_up_code(&r.text()).unwrap_or_else(|| panic!("worry {n}: no code")));
    }
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 80, "80 different worries, 80 codes");
    // The first and the last (grouped, past the default 60) can both be read back.
    for (n, code) in [(1, &codes[0]), (80, &codes[79])] {
        let r = web.post_form("/follow-up", &[("code", code)]);
        assert_eq!(r.status, 200, "look-up of worry {n}\n{}", r.describe());
        assert!(
            r.text().contains(&format!("Worry {n} from the classroom")),
            "worry {n} reads back:\n{}",
            cut(&r.text())
        );
    }
}

/// With nobody in post who may read it (here: no people at all), a worry is still stored, and the
/// sender is told plainly to phone: the named contacts, the local authority's LADO and
/// children's services, and 999.
#[test]
fn a_worry_nobody_can_read_is_stored_and_the_sender_is_told_whom_to_phone() {
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve_embedded(data.path(), &[("APP_DEMO_PEOPLE", "false".into())]);
    let token = form_token(&web.get("/tell").text());
    let r = post_tell(&web, &token, "Nobody is here to read this.", "urgent");
    assert_eq!(r.status, 200, "{}", r.describe());
    let html = r.text();
    let box_at = html
        .find(r#"data-testid="reached-nobody""#)
        .unwrap_or_else(|| panic!("no \"phone instead\" box:\n{}", cut(&html)));
    let phone_box = &html[box_at..];
    let phone_box = &phone_box[..phone_box.find("</div>").unwrap_or(phone_box.len())];
    assert!(phone_box.contains("Nobody could be reached online right now"));
    for (who, tel) in [
        ("the DSL", "tel:01632960101"),
        ("the allegations lead", "tel:01632960100"),
        ("the chair", "tel:01632960105"),
        ("the LADO", "tel:01632960500"),
        ("children's services", "tel:01632960400"),
        ("999", "tel:999"),
    ] {
        assert!(
            phone_box.contains(&format!(r#"href="{tel}""#)),
            "{who} ({tel}) is not offered:\n{phone_box}"
        );
    }
    // Stored all the same: its code finds it.
    let code = follow_up_code(&html).expect("a code: the worry is stored");
    let found = web.post_form("/follow-up", &[("code", &code)]);
    assert_eq!(found.status, 200, "{}", found.describe());
    assert!(found.text().contains("Nobody is here to read this."));

    // About the DSL: the DSL is never the one to phone.
    let token = form_token(&web.get("/tell").text());
    let r = web.post_form(
        "/tell",
        &[
            ("token", &token),
            ("text", "It is about the DSL."),
            ("urgency", "urgent"),
            ("about", "me"),
            ("involves", "dsl"),
            ("kind", "other"),
            ("wants_contact", "no"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    let html = r.text();
    let phone_box = &html[html
        .find(r#"data-testid="reached-nobody""#)
        .expect("the box")..];
    let phone_box = &phone_box[..phone_box.find("</div>").unwrap_or(phone_box.len())];
    assert!(
        phone_box.contains(r#"href="tel:01632960100""#),
        "{phone_box}"
    );
    assert!(
        !phone_box.contains("tel:01632960101") && !phone_box.contains("Priya Marsh"),
        "a worry about the DSL must not send the sender to the DSL:\n{phone_box}"
    );
}

/// The browser no longer cuts a long text (no `maxlength`): the server refuses it, says why, and
/// gives the whole text back.
#[test]
fn a_20001_character_worry_is_refused_with_422_and_kept_whole() {
    let (web, _data) = server();
    let token = form_token(&web.get("/tell").text());
    let text: String = "Pasted from my notes. "
        .repeat(1000)
        .chars()
        .take(20_001)
        .collect();
    assert_eq!(text.chars().count(), 20_001);
    let r = post_tell(&web, &token, &text, "urgent");
    assert_eq!(r.status, 422, "{}", r.describe());
    assert_no_store("a too-long worry", &r);
    let html = r.text();
    assert!(
        html.contains("Your message is 20001 characters long")
            && html.contains("10000 characters or fewer"),
        "a clear message:\n{}",
        cut(&html)
    );
    assert_eq!(textarea_value(&html), text, "the whole text is kept");
    assert!(follow_up_code(&html).is_none(), "nothing was sent");
    assert!(
        !textarea_context(&html).contains("maxlength"),
        "the box must not cut a long paste: {}",
        textarea_context(&html)
    );
}

#[test]
fn follow_up_codes_malformed_422_unknown_404() {
    let (web, _data) = server();
    for code in ["abc", "ABCDE-12345-FGHJK-67890-MNPQ!", &"A".repeat(500)] {
        let r = web.post_form("/follow-up", &[("code", code)]);
        assert_eq!(r.status, 422, "code {code:?}\n{}", r.describe());
        assert_html("malformed code", &r);
        assert_no_store("malformed code", &r);
        assert!(
            r.text().contains("does not look right"),
            "code {code:?}:\n{}",
            cut(&r.text())
        );
    }
    // What was typed goes back into an attribute: escaped.
    let r = web.post_form("/follow-up", &[("code", r#"x"><script>alert(1)</script>"#)]);
    assert_eq!(r.status, 422, "{}", r.describe());
    assert!(
        !r.text().contains("<script>alert(1)"),
        "the typed code must be escaped in the page"
    );

    let r = web.post_form("/follow-up", &[("code", "ABCDE-12345-FGHJK-67890-MNPQR")]);
    assert_eq!(r.status, 404, "unknown code\n{}", r.describe());
    assert_html("unknown code", &r);
    assert!(r.text().contains("No message found with that code"));

    let r = web.post_form("/follow-up", &[("other", "x")]);
    assert_eq!(r.status, 400, "no code field\n{}", r.describe());
}

#[test]
fn request_ids_are_echoed_only_when_safe() {
    let (web, _data) = server();
    let r = web.request("GET", "/", &[("X-Request-Id", "test-abc-123")], b"");
    assert_eq!(r.header("x-request-id"), Some("test-abc-123"));
    for bad in ["has space", "semi;colon", &"a".repeat(65)] {
        let r = web.request("GET", "/", &[("X-Request-Id", bad)], b"");
        let id = r.header("x-request-id").unwrap_or_default();
        assert_ne!(id, bad, "an unsafe request id must be replaced");
        assert_eq!(id.len(), 36, "replaced by a UUID, got `{id}`");
    }
}

/// The browser bundle from `target/site` (built by `scripts/build-assets.sh`).
#[test]
fn browser_bundle_is_served_with_long_caching() {
    let site = support::site_dir();
    let manifest_path = site.join("manifest.json");
    let manifest: serde_json::Value = match std::fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", manifest_path.display())),
        Err(e) => panic!(
            "{} is missing ({e}): run ./scripts/build-assets.sh first to build the browser bundle",
            manifest_path.display()
        ),
    };
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve(&[
        ("APP_STORE", "embedded".into()),
        ("APP_DATA_DIR", data.path().display().to_string()),
        ("APP_SITE_DIR", site.display().to_string()),
    ]);

    let files: Vec<&str> = manifest["files"]
        .as_array()
        .expect("manifest.files")
        .iter()
        .map(|f| f.as_str().expect("file name"))
        .collect();
    assert!(!files.is_empty(), "the manifest lists no files");
    for file in &files {
        let r = web.get(&format!("/pkg/{file}"));
        assert_eq!(r.status, 200, "/pkg/{file}\n{}", r.describe());
        let want = match file.rsplit('.').next() {
            Some("js") => "text/javascript",
            Some("wasm") => "application/wasm",
            Some("css") => "text/css",
            other => panic!("unexpected file type {other:?} in the manifest: {file}"),
        };
        let ct = r.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with(want),
            "/pkg/{file}: content-type `{ct}`, expected {want}"
        );
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "/pkg/{file}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        let on_disk = std::fs::read(site.join("pkg").join(file)).expect("the file is on disk");
        assert!(r.body == on_disk, "/pkg/{file}: body differs from the file");

        // Pre-compressed: brotli when accepted, else gzip, else the plain file.
        for (accept, encoding, suffix) in [
            ("gzip, deflate, br, zstd", Some("br"), "br"),
            ("gzip", Some("gzip"), "gz"),
            ("identity", None, ""),
        ] {
            let r = web.request(
                "GET",
                &format!("/pkg/{file}"),
                &[("Accept-Encoding", accept)],
                b"",
            );
            assert_eq!(r.status, 200, "/pkg/{file} ({accept})");
            assert_eq!(
                r.header("content-encoding"),
                encoding,
                "/pkg/{file} ({accept})"
            );
            assert!(
                r.headers
                    .iter()
                    .any(|(n, v)| n == "vary" && v.to_ascii_lowercase().contains("accept-encoding")),
                "/pkg/{file} ({accept}): Vary: Accept-Encoding"
            );
            let want = if suffix.is_empty() {
                on_disk.clone()
            } else {
                std::fs::read(site.join("pkg").join(format!("{file}.{suffix}")))
                    .expect("the build writes .br and .gz beside each file")
            };
            assert!(
                r.body == want,
                "/pkg/{file} ({accept}): not the pre-compressed file"
            );
        }
    }

    // The pages point at the bundle: the stylesheet everywhere, the islands' boot script on
    // pages with islands.
    let css = manifest["css"].as_str().expect("manifest.css");
    let boot = manifest["boot"].as_str().expect("manifest.boot");
    let home = web.get("/").text();
    assert!(
        home.contains(&format!(r#"href="/pkg/{css}""#)),
        "the home page does not link the stylesheet /pkg/{css}"
    );
    // No page needs the islands now (see `ISLAND_PAGES` in app/src/shell.rs).
    for path in ["/", "/tell", "/learn/four-cs-of-online-risk"] {
        let html = web.get(path).text();
        assert!(
            !html.contains(&format!(r#"src="/pkg/{boot}""#)) && !html.contains(r#"src="/pkg/"#),
            "{path} loads a script"
        );
    }

    for path in [
        "/pkg/x.js",
        "/pkg/..%2Fmanifest.json",
        "/pkg/.manifest.json",
        "/pkg/manifest.json",
    ] {
        let r = web.get(path);
        assert_eq!(r.status, 404, "{path}\n{}", r.describe());
        assert_security_headers(path, &r);
        assert_ne!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}: a 404 must not be cached for a year"
        );
    }
}
