//! Comparing two versions of a policy as people read them: the text someone signed (HTML, kept
//! by its hash) beside the current one, paragraph by paragraph.
//!
//! Both texts are our Markdown renderer's HTML (never raw HTML from a person), so they split at
//! the boundaries of their top-level elements into blocks that are each well-formed on their
//! own: a paragraph, a heading, a table, one item of a list (wrapped in its own list so it
//! still shows as one). The blocks are compared as they are with a longest common subsequence;
//! [`rows`] pairs them for a side-by-side view.

/// One block of the comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Diff {
    /// In both versions.
    Same(String),
    /// Only in the old version.
    Removed(String),
    /// Only in the new version.
    Added(String),
}

/// One row of a side-by-side view: the old block on the left, the new one on the right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub old: Option<String>,
    pub new: Option<String>,
    /// Whether the row is the same on both sides.
    pub same: bool,
}

/// The most blocks compared one by one (a long policy has a few hundred); beyond it, the whole
/// of the old text is shown as removed and the new as added.
const MAX_CELLS: usize = 4_000_000;

/// Void elements: they have no end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// A tag at `html[at..]` (which starts with `<`): its name, whether it closes, whether it is
/// self-contained, and where it ends. `None` when it is not a tag (a `<` in text is escaped by
/// the renderer, so this is for safety).
fn tag_at(html: &str, at: usize) -> Option<(String, bool, bool, usize)> {
    let rest = &html[at + 1..];
    let end = at + 1 + rest.find('>')? + 1;
    let inner = &html[at + 1..end - 1];
    if inner.starts_with('!') || inner.starts_with('?') {
        return Some((String::new(), false, true, end));
    }
    let closing = inner.starts_with('/');
    let name: String = inner
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if name.is_empty() {
        return None;
    }
    let selfish = inner.ends_with('/') || VOID.contains(&name.as_str());
    Some((name, closing, selfish, end))
}

/// The top-level elements of `html`, in order (text between them, other than white space, is a
/// block of its own).
fn top_level(html: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut i = 0usize;
    let bytes = html.as_bytes();
    while i < html.len() {
        if bytes[i] == b'<'
            && let Some((_, closing, selfish, end)) = tag_at(html, i)
        {
            if depth == 0 && !closing {
                let text = html[start..i].trim();
                if !text.is_empty() {
                    blocks.push(text);
                }
                start = i;
            }
            if closing {
                depth = depth.saturating_sub(1);
            } else if !selfish {
                depth += 1;
            }
            i = end;
            if depth == 0 {
                let block = html[start..i].trim();
                if !block.is_empty() {
                    blocks.push(block);
                }
                start = i;
            }
            continue;
        }
        i += html[i..].chars().next().map_or(1, char::len_utf8);
    }
    let text = html[start..].trim();
    if !text.is_empty() {
        blocks.push(text);
    }
    blocks
}

/// The blocks of a text: its top-level elements, with each item of a list as a block of its
/// own (in a list of one, keeping the list's tag).
pub fn blocks(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in top_level(html) {
        let list = ["ul", "ol"]
            .into_iter()
            .find(|t| block.starts_with(&format!("<{t}>")) || block.starts_with(&format!("<{t} ")));
        let Some(tag) = list else {
            out.push(block.to_string());
            continue;
        };
        let open_end = block.find('>').map_or(0, |e| e + 1);
        let close = format!("</{tag}>");
        let inner = block[open_end..]
            .strip_suffix(close.as_str())
            .unwrap_or(&block[open_end..]);
        let open = &block[..open_end];
        let items = top_level(inner);
        if items.is_empty() {
            out.push(block.to_string());
        }
        for item in items {
            out.push(format!("{open}{item}{close}"));
        }
    }
    out
}

/// The blocks of `old` and `new` in order, each marked as in both, removed or added (a longest
/// common subsequence of equal blocks).
pub fn diff(old: &[String], new: &[String]) -> Vec<Diff> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MAX_CELLS {
        return old
            .iter()
            .cloned()
            .map(Diff::Removed)
            .chain(new.iter().cloned().map(Diff::Added))
            .collect();
    }
    // lcs[i][j]: the longest common subsequence of old[i..] and new[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n.max(m));
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(Diff::Same(old[i].clone()));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(Diff::Added(new[j].clone()));
            j += 1;
        } else {
            out.push(Diff::Removed(old[i].clone()));
            i += 1;
        }
    }
    out
}

/// The comparison of two HTML texts as side-by-side rows: a block in both is one row; a run of
/// removed blocks beside the run of added blocks that replaced it, row by row.
pub fn rows(old_html: &str, new_html: &str) -> Vec<Row> {
    let d = diff(&blocks(old_html), &blocks(new_html));
    let mut out = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    let mut added: Vec<String> = Vec::new();
    let flush = |out: &mut Vec<Row>, removed: &mut Vec<String>, added: &mut Vec<String>| {
        let len = removed.len().max(added.len());
        let mut r = removed.drain(..);
        let mut a = added.drain(..);
        for _ in 0..len {
            out.push(Row {
                old: r.next(),
                new: a.next(),
                same: false,
            });
        }
    };
    for block in d {
        match block {
            Diff::Same(b) => {
                flush(&mut out, &mut removed, &mut added);
                out.push(Row {
                    old: Some(b.clone()),
                    new: Some(b),
                    same: true,
                });
            }
            Diff::Removed(b) => removed.push(b),
            Diff::Added(b) => added.push(b),
        }
    }
    flush(&mut out, &mut removed, &mut added);
    out
}

/// What a comparison shows of its rows: each change with one unchanged row on either side of
/// it, and each longer stretch of unchanged rows folded away (a long policy with two changes
/// would otherwise be fifty "in both versions" rows with the changes lost among them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// `rows[i]`, shown.
    Row(usize),
    /// `rows[range]`: unchanged rows, folded.
    Folded(std::ops::Range<usize>),
}

/// The rows to show, in order: a run of unchanged rows keeps its first row when a change comes
/// before it and its last when a change comes after it; what is left of it is folded when it
/// is two rows or more (one row is shown: a fold would be no shorter).
pub fn folded(rows: &[Row]) -> Vec<Shown> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        if !rows[i].same {
            out.push(Shown::Row(i));
            i += 1;
            continue;
        }
        let start = i;
        while i < rows.len() && rows[i].same {
            i += 1;
        }
        let end = i;
        let keep_first = start > 0;
        let keep_last = end < rows.len();
        let from = start + usize::from(keep_first);
        let to = end.saturating_sub(usize::from(keep_last)).max(from);
        if keep_first {
            out.push(Shown::Row(start));
        }
        match to - from {
            0 => {}
            1 => out.push(Shown::Row(from)),
            _ => out.push(Shown::Folded(from..to)),
        }
        if keep_last && end > from.max(to) {
            out.push(Shown::Row(end - 1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn unchanged_stretches_are_folded_with_one_row_of_context_beside_each_change() {
        use super::{Row, Shown, folded};
        let rows = |pattern: &str| -> Vec<Row> {
            pattern
                .chars()
                .map(|c| Row {
                    old: None,
                    new: Some(c.to_string()),
                    same: c == '=',
                })
                .collect()
        };
        use Shown::{Folded, Row as R};
        // Two changes in a long text: context around each, the rest folded.
        assert_eq!(
            folded(&rows("=====x=====x=====")),
            vec![
                Folded(0..4),
                R(4),
                R(5),
                R(6),
                Folded(7..10),
                R(10),
                R(11),
                R(12),
                Folded(13..17)
            ]
        );
        // Nothing changed: all folded. Everything changed: all shown.
        assert_eq!(folded(&rows("====")), vec![Folded(0..4)]);
        assert_eq!(folded(&rows("xx")), vec![R(0), R(1)]);
        // Short stretches are shown whole, each row once.
        assert_eq!(folded(&rows("x=x")), vec![R(0), R(1), R(2)]);
        assert_eq!(folded(&rows("x==x")), vec![R(0), R(1), R(2), R(3)]);
        assert_eq!(folded(&rows("x===x")), vec![R(0), R(1), R(2), R(3), R(4)]);
        assert_eq!(
            folded(&rows("x====x")),
            vec![R(0), R(1), Folded(2..4), R(4), R(5)]
        );
        assert_eq!(folded(&rows("=x")), vec![R(0), R(1)]);
        assert_eq!(folded(&rows("==x")), vec![R(0), R(1), R(2)]);
        assert_eq!(folded(&rows("===x")), vec![Folded(0..2), R(2), R(3)]);
        assert_eq!(folded(&rows("")), vec![]);
        // Every row appears exactly once, in order.
        for p in ["=x==x===x====", "x=========", "==========x", "=x=x=x="] {
            let r = rows(p);
            let mut seen = Vec::new();
            for s in folded(&r) {
                match s {
                    R(i) => seen.push(i),
                    Folded(range) => seen.extend(range),
                }
            }
            assert_eq!(seen, (0..r.len()).collect::<Vec<_>>(), "{p}");
        }
    }

    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn splits_at_top_level_elements_and_list_items() {
        let html = "<h2 id=\"a\">About</h2>\n<p>One <strong>two</strong>.</p>\n<ul>\n<li>x</li>\n<li>y <em>z</em></li>\n</ul>\n<p>Line<br>break</p><hr>";
        assert_eq!(
            blocks(html),
            s(&[
                "<h2 id=\"a\">About</h2>",
                "<p>One <strong>two</strong>.</p>",
                "<ul><li>x</li></ul>",
                "<ul><li>y <em>z</em></li></ul>",
                "<p>Line<br>break</p>",
                "<hr>",
            ])
        );
        assert_eq!(
            blocks("<ol start=\"2\"><li>a</li></ol>"),
            s(&["<ol start=\"2\"><li>a</li></ol>"])
        );
        assert_eq!(blocks("plain text"), s(&["plain text"]));
        assert!(blocks("  \n").is_empty());
        // A nested list stays inside its item.
        assert_eq!(
            blocks("<ul><li>a<ul><li>b</li></ul></li></ul>"),
            s(&["<ul><li>a<ul><li>b</li></ul></li></ul>"])
        );
    }

    #[test]
    fn unchanged_text_is_all_the_same() {
        let a = s(&["<p>a</p>", "<p>b</p>"]);
        assert_eq!(
            diff(&a, &a),
            vec![Diff::Same("<p>a</p>".into()), Diff::Same("<p>b</p>".into())]
        );
    }

    #[test]
    fn finds_added_removed_and_replaced_paragraphs() {
        let old = s(&["a", "b", "c", "d"]);
        let new = s(&["a", "c", "x", "d", "e"]);
        assert_eq!(
            diff(&old, &new),
            vec![
                Diff::Same("a".into()),
                Diff::Removed("b".into()),
                Diff::Same("c".into()),
                Diff::Added("x".into()),
                Diff::Same("d".into()),
                Diff::Added("e".into()),
            ]
        );
        assert_eq!(diff(&[], &s(&["a"])), vec![Diff::Added("a".into())]);
        assert_eq!(diff(&s(&["a"]), &[]), vec![Diff::Removed("a".into())]);
    }

    #[test]
    fn every_block_appears_once_in_order() {
        let old = s(&["p", "q", "r", "s", "t", "q"]);
        let new = s(&["q", "p", "r", "u", "t", "t"]);
        let d = diff(&old, &new);
        let olds: Vec<&String> = d
            .iter()
            .filter_map(|x| match x {
                Diff::Same(b) | Diff::Removed(b) => Some(b),
                Diff::Added(_) => None,
            })
            .collect();
        let news: Vec<&String> = d
            .iter()
            .filter_map(|x| match x {
                Diff::Same(b) | Diff::Added(b) => Some(b),
                Diff::Removed(_) => None,
            })
            .collect();
        assert_eq!(olds, old.iter().collect::<Vec<_>>());
        assert_eq!(news, new.iter().collect::<Vec<_>>());
        // p, r, t kept (or q, r, t): three blocks in common, the most there are.
        assert_eq!(d.iter().filter(|x| matches!(x, Diff::Same(_))).count(), 3);
    }

    #[test]
    fn rows_pair_a_replaced_paragraph_beside_its_replacement() {
        let old = "<h2>Rules</h2><p>Old rule.</p><p>Kept.</p><p>Gone.</p>";
        let new = "<h2>Rules</h2><p>New rule.</p><p>Kept.</p>";
        let r = rows(old, new);
        assert_eq!(r.len(), 4);
        assert!(r[0].same);
        assert_eq!(
            (r[1].old.as_deref(), r[1].new.as_deref(), r[1].same),
            (Some("<p>Old rule.</p>"), Some("<p>New rule.</p>"), false)
        );
        assert!(r[2].same);
        assert_eq!(
            (r[3].old.as_deref(), r[3].new.as_deref()),
            (Some("<p>Gone.</p>"), None)
        );
    }
}
