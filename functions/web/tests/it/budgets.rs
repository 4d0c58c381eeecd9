//! Page weight budgets, on the built bundle (`target/site`, from `scripts/build-assets.sh`) and
//! the rendered HTML: everything a page makes the browser fetch (its HTML, the stylesheet and
//! any script, WASM and JS glue it loads), each counted gzip-compressed. Module and guidance
//! pages ≤ 30 KB, `/tell` ≤ 60 KB, no page over 100 KB (public pages, and signed-in pages of
//! a learner, the DSL and an admin). Run with `--nocapture` for the figures.

use crate::support::{self, Web};
use std::io::Write;

const KB: usize = 1024;

fn gzip_len(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip").len()
}

/// The `/pkg/` files a page's HTML refers to (stylesheet and scripts).
fn assets_of(html: &str) -> Vec<String> {
    html.match_indices("\"/pkg/")
        .map(|(i, _)| {
            let rest = &html[i + 6..];
            rest[..rest.find('"').expect("closing quote")].to_string()
        })
        .collect()
}

struct Weight {
    html: usize,
    css: usize,
    js: usize,
    wasm: usize,
}

impl Weight {
    fn total(&self) -> usize {
        self.html + self.css + self.js + self.wasm
    }
}

fn weigh(web: &Web, manifest: &serde_json::Value, path: &str, cookie: Option<&str>) -> Weight {
    let r = match cookie {
        Some(c) => support::get_as(web, path, c),
        None => web.get(path),
    };
    assert_eq!(r.status, 200, "{path}\n{}", r.describe());
    let html = r.text();
    let pkg = support::site_dir().join("pkg");
    let gz = |file: &str| {
        std::fs::read(pkg.join(format!("{file}.gz")))
            .unwrap_or_else(|e| panic!("{file}.gz ({e}): run scripts/build-assets.sh"))
            .len()
    };
    let mut w = Weight {
        html: gzip_len(html.as_bytes()),
        css: 0,
        js: 0,
        wasm: 0,
    };
    let mut files = assets_of(&html);
    // The boot script loads the JS glue and the WASM: all of the bundle.
    if files
        .iter()
        .any(|f| Some(f.as_str()) == manifest["boot"].as_str())
    {
        files = manifest["files"]
            .as_array()
            .expect("manifest.files")
            .iter()
            .map(|f| f.as_str().expect("name").to_string())
            .collect();
    }
    for f in &files {
        match f.rsplit('.').next() {
            Some("css") => w.css += gz(f),
            Some("js") => w.js += gz(f),
            Some("wasm") => w.wasm += gz(f),
            _ => panic!("{path} refers to an unexpected file /pkg/{f}"),
        }
    }
    w
}

#[test]
fn pages_stay_within_their_weight_budgets() {
    let site = support::site_dir();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.join("manifest.json"))
            .expect("target/site/manifest.json: run scripts/build-assets.sh"),
    )
    .expect("manifest.json");
    let data = tempfile::tempdir().expect("temp dir");
    let web = Web::serve(&[
        ("APP_STORE", "embedded".into()),
        ("APP_DATA_DIR", data.path().display().to_string()),
        ("APP_SITE_DIR", site.display().to_string()),
    ]);

    // Every module and guidance page linked from the lists.
    let linked = |list: &str, prefix: &str| -> Vec<String> {
        let html = web.get(list).text();
        let mut paths: Vec<String> = html
            .match_indices(&format!("href=\"{prefix}"))
            .map(|(i, _)| {
                let rest = &html[i + 6..];
                rest[..rest.find('"').expect("quote")].to_string()
            })
            .filter(|p| !p.ends_with("/quiz") && !p.contains('#'))
            .collect();
        paths.sort();
        paths.dedup();
        assert!(!paths.is_empty(), "{list} links to no {prefix} page");
        paths
    };
    let modules = linked("/learn", "/learn/");
    let guidance = linked("/parents", "/parents/");

    let mut failures = Vec::new();
    let mut check_as = |kind: &str, path: &str, budget: usize, cookie: Option<&str>| {
        let w = weigh(&web, &manifest, path, cookie);
        println!(
            "{kind:<9} {path:<45} html {:>6}  css {:>6}  js {:>6}  wasm {:>7}  total {:>7} (budget {} KB)",
            w.html,
            w.css,
            w.js,
            w.wasm,
            w.total(),
            budget / KB
        );
        if w.total() > budget {
            failures.push(format!(
                "{path}: {} bytes gzip, over its {} KB budget",
                w.total(),
                budget / KB
            ));
        }
    };
    let mut check = |kind: &str, path: &str, budget: usize| check_as(kind, path, budget, None);
    for p in &modules {
        check("module", p, 30 * KB);
    }
    for p in &guidance {
        check("guidance", p, 30 * KB);
    }
    check("tell", "/tell", 60 * KB);
    for p in [
        "/",
        "/learn",
        "/parents",
        "/curriculum",
        "/verify",
        "/follow-up",
        "/sign-in",
    ] {
        check("page", p, 100 * KB);
    }
    // Signed in, each role's own pages.
    for (email, paths) in [
        (
            "learner@wexmoorvale.example.org",
            &[
                "/me",
                "/me/training",
                "/tell",
                "/learn/four-cs-of-online-risk",
            ][..],
        ),
        (
            "safeguarding@wexmoorvale.example.org",
            &["/worries", "/compliance", "/safeguarding-roles"][..],
        ),
        ("admin@wexmoorvale.example.org", &["/admin/people"][..]),
    ] {
        let cookie = support::sign_in(&web, data.path(), email);
        let role = email.split('@').next().unwrap_or_default();
        for p in paths {
            let budget = if *p == "/tell" { 60 * KB } else { 100 * KB };
            check_as(role, p, budget, Some(&cookie));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
