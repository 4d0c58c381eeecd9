//! Embeds `content/` into the binary so a Lambda needs no files beside it and nothing is read
//! from disk per request. Parsing happens once, at start-up, except the pages' Markdown: its
//! rendering and reading ease are worked out here, at build time, by the same code the core
//! runs (included below), so a cold start does not spend most of its content load in
//! pulldown-cmark (issue 23). The core checks each body's fingerprint before using the results.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// Leaf modules of the core (no `crate::` paths): the very code the core runs at start-up.
#[allow(dead_code)]
#[path = "src/content/page_text.rs"]
mod page_text;
#[allow(dead_code)]
#[path = "src/content/quiz.rs"]
mod quiz;
#[allow(dead_code)]
#[path = "src/content/readability.rs"]
mod readability;
#[allow(dead_code)]
#[path = "src/content/render.rs"]
mod render;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../content");
    let root = root
        .canonicalize()
        .expect("the content/ folder exists at the workspace root");
    println!("cargo:rerun-if-changed={}", root.display());
    // The table is the output of this code: a change to it must rebuild the table too.
    for module in ["page_text", "quiz", "readability", "render"] {
        println!("cargo:rerun-if-changed=src/content/{module}.rs");
    }
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("pub static FILES: &[(&str, &str)] = &[\n");
    let mut bodies = String::from("pub(super) static BODIES: &[Body] = &[\n");
    for (rel, abs) in files {
        if rel.ends_with(".md") {
            let text = std::fs::read_to_string(&abs).expect("a content file is UTF-8 text");
            let is_quiz = rel.starts_with("quizzes/");
            bodies.push_str(&prebuilt_body(&text.replace("\r\n", "\n"), is_quiz));
        }
        println!("cargo:rerun-if-changed={}", abs.display());
        out.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    bodies.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out_dir.join("content_files.rs"), out).unwrap();
    std::fs::write(out_dir.join("prebuilt_bodies.rs"), bodies).unwrap();
}

/// One page's body, rendered and scored (and a quiz's bank parsed), as a `Body` of
/// `src/content/prebuilt.rs` (`{:?}` writes strings, numbers and options as Rust literals).
/// Nothing for a file without front matter: the content check reports it at start-up.
fn prebuilt_body(text: &str, is_quiz: bool) -> String {
    let Ok((_, body, _)) = page_text::split(text) else {
        return String::new();
    };
    let rendered = render::render(body);
    let ease = readability::flesch_reading_ease(&readability::plain_text(body));
    let mut out = format!(
        "    Body {{ len: {}, fingerprint: {:#x}, reading_ease: {ease:?}, sections: &[",
        body.len(),
        page_text::fingerprint(body)
    );
    for s in &rendered.sections {
        write!(out, "({:?}, {:?}, {:?}), ", s.anchor, s.title, s.html).unwrap();
    }
    out.push_str("], findings: &[");
    for f in &rendered.findings {
        let found = match f {
            render::Finding::RawHtml { offset } => format!("Found::RawHtml({offset})"),
            render::Finding::UnsafeLink { offset, target } => {
                format!("Found::UnsafeLink({offset}, {target:?})")
            }
            render::Finding::InternalLink { offset, target } => {
                format!("Found::InternalLink({offset}, {target:?})")
            }
            render::Finding::Image { offset } => format!("Found::Image({offset})"),
            render::Finding::Heading1 { offset } => format!("Found::Heading1({offset})"),
        };
        write!(out, "{found}, ").unwrap();
    }
    out.push_str("], bank: ");
    if is_quiz {
        let (questions, problems) = quiz::parse_bank(body);
        out.push_str("Some(Bank { questions: &[");
        for q in &questions {
            write!(
                out,
                "Asked {{ section: {:?}, prompt_html: {:?}, explanation_html: {:?}, options: &[",
                q.section, q.prompt_html, q.explanation_html
            )
            .unwrap();
            for o in &q.options {
                write!(out, "({:?}, {}), ", o.html, o.correct).unwrap();
            }
            out.push_str("] }, ");
        }
        out.push_str("], problems: &[");
        for p in &problems {
            write!(out, "({}, {:?}), ", p.offset, p.reason).unwrap();
        }
        out.push_str("] })");
    } else {
        out.push_str("None");
    }
    out.push_str(" },\n");
    out
}

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, root, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "toml")
        ) && path.file_name().and_then(|n| n.to_str()) != Some("README.md")
        {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path));
        }
    }
}
