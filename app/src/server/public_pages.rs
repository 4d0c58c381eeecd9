//! Public pages at static-file speed: a page that is the same for everyone signed out
//! ([`crate::routes::same_for_everyone_signed_out`]) is rendered once per version of its
//! organisation's site and kept here, with its own Content-Security-Policy and ETag; the web
//! function serves it again from memory (`functions/web/src/edge/public.rs`). Kept in the site
//! ([`super::SiteInner::public_pages`]), so a new version of the organisation's content or
//! profile, which is a new site, starts with none.
//!
//! A rendered page's inline scripts carry the response's CSP nonce. A nonce must be new on every
//! response, so a page kept for many responses has it taken out, and its policy allows each
//! inline script by its SHA-256 instead ([`super::content_security_policy_hashed`]).

use leptos::server_fn::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// At most this many pages are kept for one site. Only a page answered 200 at an address of the
/// allow-list is kept, so a site keeps at most its own public pages (a few dozen); this is a
/// guard, not a budget: once full, further pages are rendered each time, never evicted.
pub const MAX_PAGES: usize = 512;

/// A page rendered once, as it is sent.
#[derive(Debug)]
pub struct RenderedPage {
    /// The HTML, without the render's nonce.
    pub html: Bytes,
    /// Its Content-Security-Policy: the inline scripts by hash.
    pub csp: String,
    /// A strong ETag (quoted), from the SHA-256 of the HTML.
    pub etag: String,
}

impl RenderedPage {
    /// The page kept from a render whose inline scripts carry `nonce`, for a site whose forms may
    /// also lead to `form_origins`. `None` (render it each time) when the nonce is not a plain
    /// one, or is still somewhere in the page once taken out of the scripts' `nonce` attributes:
    /// a page is never kept with anything of one response in it.
    pub fn of_render(html: &str, nonce: &str, form_origins: &[String]) -> Option<RenderedPage> {
        let plain_nonce = !nonce.is_empty()
            && nonce.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'=')
            });
        if !plain_nonce {
            return None;
        }
        let html = html.replace(&format!(" nonce=\"{nonce}\""), "");
        if html.contains(nonce) {
            return None;
        }
        let hashes: Vec<String> = inline_scripts(&html)
            .into_iter()
            .map(|s| safety_core::crypto::sha256_base64(s.as_bytes()))
            .collect();
        let csp = super::content_security_policy_hashed(&hashes, form_origins);
        let digest = safety_core::crypto::sha256_hex(html.as_bytes());
        Some(RenderedPage {
            etag: format!("\"{}\"", &digest[..32]),
            html: Bytes::from(html),
            csp,
        })
    }
}

/// The text of every inline script (a `<script>` without `src`) in `html`, as a browser reads
/// it: from the end of the opening tag to the first `</script` (a script's text is not decoded),
/// which is what a CSP hash is taken of.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = find_ascii_ci(rest, "<script") {
        let after = &rest[start + "<script".len()..];
        // `<scripts>` or `<script-x>` is another element.
        if !after.starts_with(|c: char| c == '>' || c.is_ascii_whitespace() || c == '/') {
            rest = after;
            continue;
        }
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let attributes = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let end = find_ascii_ci(body, "</script").unwrap_or(body.len());
        if !has_src(attributes) {
            scripts.push(&body[..end]);
        }
        rest = &body[end..];
    }
    scripts
}

fn has_src(attributes: &str) -> bool {
    attributes
        .to_ascii_lowercase()
        .split(|c: char| c.is_ascii_whitespace())
        .any(|a| a == "src" || a.starts_with("src="))
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The pages kept for one version of a site, by address (the path; a request with a query
/// string is never served from here).
#[derive(Default)]
pub struct PublicPages {
    pages: RwLock<HashMap<String, Arc<RenderedPage>>>,
    served: AtomicU64,
}

impl PublicPages {
    /// The page kept at `path`, if any.
    pub fn get(&self, path: &str) -> Option<Arc<RenderedPage>> {
        let page = self
            .pages
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        if page.is_some() {
            self.served.fetch_add(1, Ordering::Relaxed);
        }
        page
    }

    /// Keeps `page` at `path` (unless one is kept there already, which is then the answer, or
    /// [`MAX_PAGES`] are kept).
    pub fn keep(&self, path: &str, page: RenderedPage) -> Arc<RenderedPage> {
        let mut pages = self.pages.write().unwrap_or_else(|e| e.into_inner());
        if let Some(kept) = pages.get(path) {
            return kept.clone();
        }
        let page = Arc::new(page);
        if pages.len() < MAX_PAGES {
            pages.insert(path.to_string(), page.clone());
        }
        page
    }

    /// How many pages are kept.
    pub fn len(&self) -> usize {
        self.pages.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many times a kept page was served.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "Q2hhbmdlc0V2ZXJ5VGltZQ";

    fn page() -> String {
        format!(
            "<html><head><script nonce=\"{NONCE}\">alert(1)</script>\
             <script type=\"module\" src=\"/pkg/boot.js\"></script></head>\
             <body><p>text</p><SCRIPT nonce=\"{NONCE}\">var a = '&amp;';</SCRIPT></body></html>"
        )
    }

    #[test]
    fn the_nonce_is_taken_out_and_each_inline_script_allowed_by_its_hash() {
        let kept =
            RenderedPage::of_render(&page(), NONCE, &["https://idp.example".into()]).expect("kept");
        let html = std::str::from_utf8(&kept.html).unwrap();
        assert!(!html.contains(NONCE) && !html.contains("nonce="), "{html}");
        assert_eq!(
            inline_scripts(html),
            vec!["alert(1)", "var a = '&amp;';"],
            "the src script is not inline"
        );
        for script in ["alert(1)", "var a = '&amp;';"] {
            let hash = safety_core::crypto::sha256_base64(script.as_bytes());
            assert!(
                kept.csp.contains(&format!("'sha256-{hash}'")),
                "{}",
                kept.csp
            );
        }
        assert!(!kept.csp.contains("nonce") && !kept.csp.contains("unsafe-inline"));
        assert!(kept.csp.contains("form-action 'self' https://idp.example"));
        assert!(kept.etag.starts_with('"') && kept.etag.ends_with('"') && kept.etag.len() == 34);
    }

    #[test]
    fn the_same_html_has_the_same_etag_and_other_html_another() {
        let a = RenderedPage::of_render(&page(), NONCE, &[]).unwrap();
        let b = RenderedPage::of_render(&page(), NONCE, &[]).unwrap();
        let other = RenderedPage::of_render(&page().replace("text", "other"), NONCE, &[]).unwrap();
        assert_eq!(a.etag, b.etag);
        assert_ne!(a.etag, other.etag);
    }

    #[test]
    fn a_page_with_the_nonce_anywhere_else_is_not_kept() {
        let leaked = page().replace("<p>text</p>", &format!("<p>{NONCE}</p>"));
        assert!(RenderedPage::of_render(&leaked, NONCE, &[]).is_none());
        assert!(RenderedPage::of_render(&page(), "", &[]).is_none());
        assert!(RenderedPage::of_render(&page(), "a\"b", &[]).is_none());
    }

    #[test]
    fn a_kept_page_stays_the_first_one_and_the_count_is_bounded() {
        let pages = PublicPages::default();
        let first = pages.keep("/", RenderedPage::of_render(&page(), NONCE, &[]).unwrap());
        let other = page().replace("text", "other");
        let second = pages.keep("/", RenderedPage::of_render(&other, NONCE, &[]).unwrap());
        assert_eq!(first.etag, second.etag);
        assert_eq!(pages.served(), 0);
        assert!(pages.get("/").is_some() && pages.get("/learn").is_none());
        assert_eq!(pages.served(), 1);
        for i in 0..MAX_PAGES + 10 {
            pages.keep(
                &format!("/p/{i}"),
                RenderedPage::of_render(&page(), NONCE, &[]).unwrap(),
            );
        }
        assert_eq!(pages.len(), MAX_PAGES);
    }
}
