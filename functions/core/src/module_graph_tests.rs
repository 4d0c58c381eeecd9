//! The core imports one way: a scan of `src/` that fails on a cycle between its top-level
//! modules (the layering is written at the top of `lib.rs`).
//!
//! Each top-level module declared in `lib.rs` is a node; a file under module `a` that names
//! `crate::b` (a path, a `use`, or a member of a `use crate::{b, ...}` group, or a `super::`
//! chain that climbs to the crate root and goes down into `b`) is an edge `a → b`. Comments,
//! doc comments included, are left out: an intra-doc link is not an import. Plain text
//! scanning, no parser: the core's `use` lines are simple, and a false edge only makes the test
//! stricter.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// `crate` followed by `::`, spelled so this file does not match its own scan.
const ROOT: &str = concat!("crate", "::");

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules declared in `lib.rs` (`mod x;` / `pub mod x;`, any attributes).
fn top_level_modules(lib: &str) -> BTreeSet<String> {
    strip_comments(lib)
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("pub(crate) mod "))
                .or_else(|| line.strip_prefix("mod "))?;
            let name = rest.strip_suffix(';')?.trim();
            Some(name.to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source with `//` comments (and `/* */` blocks) blanked out, line breaks kept so line
/// numbers still match. String literals are kept as they are, but skipped over so a `//`
/// inside one (a URL) does not start a comment.
fn strip_comments(src: &str) -> String {
    let bytes = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                if bytes[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == b'"' {
            // A string literal (raw strings of the core hold no `"` that would confuse this).
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            out.push_str(&src[start..i]);
        } else if c == b'\'' && bytes.get(i + 2) == Some(&b'\'') {
            // A character literal such as '"' (not a lifetime).
            out.push_str(&src[i..i + 3]);
            i += 3;
        } else {
            let ch = src[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident_at(text: &str) -> &str {
    let end = text.find(|c: char| !is_ident(c)).unwrap_or(text.len());
    &text[..end]
}

/// The first path segments of a `{...}` group starting at `text` (just after `{`).
fn group_heads(text: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut at_start = true;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_start = true,
            c if c.is_whitespace() => {}
            _ if at_start && depth == 0 => {
                at_start = false;
                let id = ident_at(&text[i..]);
                if !id.is_empty() {
                    heads.push(id.to_string());
                }
            }
            _ => {}
        }
    }
    heads
}

/// The module path of a file below `src/` (`identity/tests/mod.rs` → `[identity, tests]`).
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_string());
    }
    parts
}

/// The top-level modules a file names, each with the first line that names it.
fn mentions(src: &str, module: &[String]) -> BTreeMap<String, usize> {
    let text = strip_comments(src);
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let mut note = |name: String, at: usize| {
        found.entry(name).or_insert_with(|| line_of(at));
    };
    for (at, _) in text.match_indices(ROOT) {
        if at > 0 && text[..at].ends_with(|c: char| is_ident(c) || c == ':') {
            continue; // `$crate::`, `foo::crate::` (not the crate root)
        }
        let rest = &text[at + ROOT.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            for head in group_heads(group) {
                note(head, at);
            }
        } else {
            note(ident_at(rest).to_string(), at);
        }
    }
    // `super::super::x` from deep enough to reach the crate root.
    for (at, _) in text.match_indices("super::") {
        if at > 0 && text[..at].ends_with(|c: char| is_ident(c) || c == ':') {
            continue;
        }
        let mut rest = &text[at..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        if ups == module.len() {
            let heads = match rest.strip_prefix('{') {
                Some(group) => group_heads(group),
                None => vec![ident_at(rest).to_string()],
            };
            for head in heads {
                note(head, at);
            }
        }
    }
    found
}

/// `from → to → files (with the line) that make the edge`.
type Graph = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn graph() -> Graph {
    let src = src_dir();
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let nodes = top_level_modules(&lib);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: Graph = nodes.iter().map(|n| (n.clone(), BTreeMap::new())).collect();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = module_path(relative);
        let Some(from) = module.first().filter(|m| nodes.contains(*m)) else {
            continue; // lib.rs, src/bin/*
        };
        if from == "module_graph_tests" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (to, line) in mentions(&text, &module) {
            if &to != from && nodes.contains(&to) {
                graph
                    .get_mut(from)
                    .unwrap()
                    .entry(to)
                    .or_default()
                    .push(format!("{}:{line}", relative.display()));
            }
        }
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph[v].keys() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// A shortest cycle through `start` inside `component`.
fn shortest_cycle(graph: &Graph, component: &[String], start: &str) -> Vec<String> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for w in graph[v].keys() {
            if !component.contains(w) {
                continue;
            }
            if w == start {
                let mut path = vec![start.to_string()];
                let mut at = v;
                while at != start {
                    path.push(at.to_string());
                    at = came_from[at];
                }
                path.push(start.to_string());
                path.reverse();
                return path;
            }
            if !came_from.contains_key(w.as_str()) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("{start} is in a cycle")
}

/// What the cycles are, each edge with the files that make it.
fn report(graph: &Graph, components: &[Vec<String>]) -> String {
    let mut out = String::new();
    for component in components {
        out += &format!("modules importing each other: {}\n", component.join(", "));
        for from in component {
            for (to, files) in &graph[from] {
                if component.contains(to) {
                    out += &format!("  edge {from} → {to}: {}\n", files.join(", "));
                }
            }
        }
        let mut shown = BTreeSet::new();
        for start in component {
            let cycle = shortest_cycle(graph, component, start);
            if !shown.insert(cycle.iter().skip(1).cloned().collect::<BTreeSet<_>>()) {
                continue;
            }
            out += &format!("  cycle: {}\n", cycle.join(" → "));
            for pair in cycle.windows(2) {
                let files = &graph[&pair[0]][&pair[1]];
                out += &format!("    {} → {}: {}\n", pair[0], pair[1], files.join(", "));
            }
        }
    }
    out
}

#[test]
fn top_level_modules_import_one_way() {
    let graph = graph();
    assert!(graph.len() > 10, "lib.rs declares the modules: {graph:?}");
    let components = cycles(&graph);
    assert!(
        components.is_empty(),
        "the core's top-level modules must import one way (see the layering in lib.rs):\n{}",
        report(&graph, &components)
    );
}

#[test]
fn the_scan_finds_paths_groups_and_supers() {
    let src = format!(
        "use {r}a::X;\nuse {r}{{b::{{Y, Z}}, c}};\n// {r}d::ignored\nfn f() {{ {r}e::g(); \"{r}f\"; }}\nuse super::super::h::I;\n",
        r = ROOT
    );
    let found = mentions(&src, &["x".into(), "y".into()]);
    let names: Vec<&str> = found.keys().map(String::as_str).collect();
    assert_eq!(names, ["a", "b", "c", "e", "f", "h"]);
    assert_eq!(found["c"], 2);
    let g: Graph = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(from, to)| {
        (
            from.to_string(),
            to.into_iter()
                .map(|t| (t.to_string(), vec![format!("{from}.rs:1")]))
                .collect(),
        )
    })
    .collect();
    assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    assert!(report(&g, &cycles(&g)).contains("a → b → c → a"));
}
