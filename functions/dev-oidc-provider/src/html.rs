//! The provider's HTML pages. Every interpolated value goes through [`escape`].

use std::fmt::Write;

use crate::authorize::AuthRequest;

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;color:#1b1b1b;background:#f4f4f4}\
main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;border:1px solid #bbb}\
h1{font-size:1.5rem;margin-top:0}h2{font-size:1.1rem}\
.note{background:#fff4ce;border-left:4px solid #8a6d00;padding:.5rem .75rem}\
.error{background:#fde7e9;border-left:4px solid #a4262c;padding:.5rem .75rem}\
label{display:block;font-weight:600;margin-top:1rem}\
input[type=email]{display:block;width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem;margin:.25rem 0 1rem}\
button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}\
:focus-visible{outline:3px solid #005a9e;outline-offset:2px}";

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        title = escape(title),
    )
}

const DEV_NOTE: &str = "<p class=\"note\"><strong>Local development provider.</strong> \
    This sign-in page is for development and testing only. It asks for no password: \
    do not use it for real accounts.</p>\n";

/// The sign-in form, optionally re-shown with an error about the entered email.
pub(crate) fn sign_in_page(
    request: &AuthRequest,
    users: &[(String, String)],
    email: &str,
    error: Option<&str>,
) -> String {
    let title = "Demo identity provider — sign in";
    let mut body = format!("<h1>{}</h1>\n{DEV_NOTE}", escape(title));
    let _ = writeln!(
        body,
        "<p>Sign in to continue to <strong>{}</strong>.</p>",
        escape(&request.client_id)
    );
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<div class=\"error\" id=\"email-error\" role=\"alert\"><p>{}</p></div>",
            escape(error)
        );
    }
    body.push_str("<form method=\"post\" action=\"/authorize\">\n");
    for (name, value) in request.hidden_fields() {
        let _ = writeln!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }
    // Keep this prefix as it is: tests and the e2e suite find the field by it.
    body.push_str(
        "<label for=\"email\">Email address</label>\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required",
    );
    if !email.is_empty() {
        let _ = write!(body, " value=\"{}\"", escape(email));
    }
    if error.is_some() {
        body.push_str(" aria-invalid=\"true\" aria-describedby=\"email-error\"");
    }
    if !users.is_empty() {
        body.push_str(" list=\"demo-users\"");
    }
    body.push_str(">\n");
    if !users.is_empty() {
        body.push_str("<datalist id=\"demo-users\">\n");
        for (email, name) in users {
            let _ = writeln!(
                body,
                "<option value=\"{}\">{}</option>",
                escape(email),
                escape(name)
            );
        }
        body.push_str("</datalist>\n");
    }
    // The first submit button is the one Enter triggers, so "Sign in" comes first.
    body.push_str(
        "<button type=\"submit\">Sign in</button>\
         <button type=\"submit\" name=\"deny\" value=\"1\" formnovalidate>Cancel and deny access</button>\n\
         </form>\n",
    );
    // Datalists are not reliably announced by screen readers, so the accounts are also listed.
    if !users.is_empty() {
        body.push_str("<h2>Demo accounts</h2>\n<ul>\n");
        for (email, name) in users {
            let _ = writeln!(body, "<li>{} — {}</li>", escape(email), escape(name));
        }
        body.push_str("</ul>\n");
    }
    page(title, &body)
}

/// A page for requests that cannot be sent back to the application.
pub(crate) fn error_page(message: &str) -> String {
    let title = "Demo identity provider — sign-in request refused";
    let body = format!(
        "<h1>{}</h1>\n{DEV_NOTE}<p role=\"alert\">{}</p>\n\
         <p>The request did not come from a registered application, so you have not been sent back to it.</p>\n",
        escape(title),
        escape(message),
    );
    page(title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn sign_in_page_escapes_request_values() {
        let request = AuthRequest {
            client_id: "demo".into(),
            redirect_uri: "http://127.0.0.1/cb".into(),
            scope: "openid".into(),
            state: "\"><script>alert(1)</script>".into(),
            nonce: "n".into(),
            code_challenge: "c".into(),
        };
        let users = [("a@example.org".to_owned(), "<b>A</b>".to_owned())];
        let html = sign_in_page(&request, &users, "x\"y", Some("bad <email>"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>A</b>"));
        assert!(html.contains("value=\"x&quot;y\""));
        assert!(html.contains("bad &lt;email&gt;"));
        assert!(html.contains("<title>Demo identity provider — sign in</title>"));
    }
}
