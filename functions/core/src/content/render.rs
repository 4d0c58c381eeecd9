//! Markdown to HTML, safely: raw HTML in content is never passed through (it is shown as text),
//! link targets are limited to safe schemes, and `## ` headings split a page into sections with
//! stable anchors. Also collects what the content check needs (links, placeholders, raw HTML).

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// One `## ` section of a page. The part before the first heading has an empty title.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The anchor id, unique within the page (`what-is-content`).
    pub anchor: String,
    pub title: String,
    pub html: String,
}

/// Something in the Markdown the check reports, with the byte offset in the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    RawHtml { offset: usize },
    UnsafeLink { offset: usize, target: String },
    InternalLink { offset: usize, target: String },
    Image { offset: usize },
    Heading1 { offset: usize },
}

pub struct Rendered {
    pub sections: Vec<Section>,
    pub findings: Vec<Finding>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// Whether a link target may appear in a page: site paths, in-page anchors, and web, mail and
/// phone links. Anything else (`javascript:`, `data:`, relative paths) is refused.
pub fn is_safe_link(target: &str) -> bool {
    let lower = target.trim().to_ascii_lowercase();
    (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
        || lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
}

/// Turns a heading into an anchor: lowercase ASCII letters and digits joined by hyphens.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

/// Renders a page body into sections.
pub fn render(markdown: &str) -> Rendered {
    let mut findings = Vec::new();
    let mut sections: Vec<(String, Vec<Event>)> = vec![(String::new(), Vec::new())];
    let mut in_h2: Option<String> = None;

    for (event, range) in Parser::new_ext(markdown, options()).into_offset_iter() {
        let offset = range.start;
        let event = match event {
            // Raw HTML is content the author did not mean as markup for us: show it as text.
            Event::Html(s) | Event::InlineHtml(s) => {
                findings.push(Finding::RawHtml { offset });
                Event::Text(s)
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = if is_safe_link(&dest_url) {
                    if dest_url.starts_with('/') {
                        findings.push(Finding::InternalLink {
                            offset,
                            target: dest_url.to_string(),
                        });
                    }
                    dest_url
                } else {
                    findings.push(Finding::UnsafeLink {
                        offset,
                        target: dest_url.to_string(),
                    });
                    CowStr::Borrowed("#")
                };
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image { .. }) => {
                findings.push(Finding::Image { offset });
                // Images are not supported yet: keep the alt text only.
                continue;
            }
            Event::End(TagEnd::Image) => continue,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {
                findings.push(Finding::Heading1 { offset });
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H2,
                    id: None,
                    classes: vec![],
                    attrs: vec![],
                })
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                Event::End(TagEnd::Heading(HeadingLevel::H2))
            }
            other => other,
        };
        match &event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => {
                in_h2 = Some(String::new());
                continue;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                let title = in_h2.take().unwrap_or_default();
                sections.push((title, Vec::new()));
                continue;
            }
            Event::Text(t) | Event::Code(t) if in_h2.is_some() => {
                if let Some(h) = in_h2.as_mut() {
                    h.push_str(t);
                }
                continue;
            }
            _ if in_h2.is_some() => continue,
            _ => {}
        }
        if let Some((title, events)) = sections.last_mut() {
            // A table scrolls sideways inside its own labelled region on a narrow screen, so its
            // words are never split and the page never scrolls.
            let table_start = matches!(event, Event::Start(Tag::Table(_)));
            let table_end = matches!(event, Event::End(TagEnd::Table));
            if table_start {
                let label = if title.is_empty() {
                    "Table".to_string()
                } else {
                    format!("Table: {title}")
                };
                events.push(Event::Html(CowStr::from(format!(
                    r#"<div class="table-scroll" role="region" aria-label="{}" tabindex="0">"#,
                    escape_html(&label)
                ))));
            }
            events.push(event);
            if table_end {
                events.push(Event::Html(CowStr::Borrowed("</div>")));
            }
        }
    }

    let mut used = std::collections::HashSet::new();
    let sections = sections
        .into_iter()
        .filter(|(title, events)| !title.is_empty() || !events.is_empty())
        .map(|(title, events)| {
            let mut html_out = String::new();
            html::push_html(&mut html_out, events.into_iter());
            let base = slugify(&title);
            let mut anchor = base.clone();
            let mut n = 2;
            while !used.insert(anchor.clone()) {
                anchor = format!("{base}-{n}");
                n += 1;
            }
            Section {
                anchor,
                title,
                html: html_out,
            }
        })
        .collect();
    Rendered { sections, findings }
}

/// Finds `{{name}}` placeholders: (byte offset, name).
pub fn placeholders(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(start) = text[rest..].find("{{") {
        let open = rest + start;
        match text[open + 2..].find("}}") {
            Some(len) => {
                out.push((open, text[open + 2..open + 2 + len].trim()));
                rest = open + 2 + len + 2;
            }
            None => break,
        }
    }
    out
}

/// Replaces placeholders in rendered HTML with HTML-escaped values. Unknown names are left as
/// they are (the content check refuses them before they can reach a page).
pub fn substitute(html: &str, value_of: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = 0;
    for (offset, name) in placeholders(html) {
        let end = offset + html[offset..].find("}}").map(|i| i + 2).unwrap_or(0);
        out.push_str(&html[rest..offset]);
        match value_of(name) {
            Some(v) => out.push_str(&escape_html(&v)),
            None => out.push_str(&html[offset..end]),
        }
        rest = end;
    }
    out.push_str(&html[rest..]);
    out
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_shown_as_text_not_markup() {
        let r = render("Hello <script>alert(1)</script>\n\n<div onclick=x>hi</div>\n");
        let html: String = r.sections.iter().map(|s| s.html.as_str()).collect();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert_eq!(
            r.findings
                .iter()
                .filter(|f| matches!(f, Finding::RawHtml { .. }))
                .count(),
            3
        );
    }

    #[test]
    fn unsafe_link_targets_are_neutralised() {
        let r = render("[click](javascript:alert(1)) and [ok](/tell)");
        let html = &r.sections[0].html;
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains(r#"href="/tell""#), "{html}");
        assert!(r.findings.contains(&Finding::UnsafeLink {
            offset: 0,
            target: "javascript:alert(1)".into()
        }));
    }

    #[test]
    fn h2_headings_split_sections_with_unique_anchors() {
        let r = render(
            "Intro\n\n## What is *content*?\n\nA\n\n## Key points\n\nB\n\n## Key points\n\nC\n",
        );
        let titles: Vec<_> = r.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["", "What is content?", "Key points", "Key points"]);
        let anchors: Vec<_> = r.sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            ["section", "what-is-content", "key-points", "key-points-2"]
        );
        assert!(r.sections[1].html.contains("<p>A</p>"));
    }

    #[test]
    fn a_table_scrolls_inside_a_region_named_after_its_section() {
        let r = render(
            "## Who to call\n\n| Service | Number |\n| --- | --- |\n| Childline | 0800 1111 |\n",
        );
        let html = &r.sections[0].html;
        assert!(
            html.starts_with(r#"<div class="table-scroll" role="region" aria-label="Table: Who to call" tabindex="0"><table>"#),
            "{html}"
        );
        assert!(
            html.trim_end().ends_with("</table>\n</div>")
                || html.trim_end().ends_with("</table></div>"),
            "{html}"
        );
    }

    #[test]
    fn substitution_escapes_values() {
        let html = "<p>Talk to {{dsl.name}} or {{unknown}}</p>";
        let out = substitute(html, |n| (n == "dsl.name").then(|| "A <b>& B".to_string()));
        assert_eq!(out, "<p>Talk to A &lt;b&gt;&amp; B or {{unknown}}</p>");
    }
}
