//! A page file's text split into its TOML front matter and its Markdown body, and the
//! fingerprint of a body. A leaf module (no `crate::` paths): the core's build script includes it
//! too, to work out the bodies of the embedded pages at build time (see [`super::prebuilt`]).

/// Why a page's text has no front matter to split off.
pub enum SplitError {
    /// The file does not start with a line `+++`.
    NotOpened,
    /// No line `+++` closes it.
    NotClosed,
}

/// A page's text (with `\n` line ends) as (front matter, body, the body's byte offset in the
/// text). The front matter keeps its last line end.
pub fn split(text: &str) -> Result<(&str, &str, usize), SplitError> {
    let after_open = text.strip_prefix("+++\n").ok_or(SplitError::NotOpened)?;
    let close = after_open
        .find("\n+++\n")
        .or_else(|| after_open.ends_with("\n+++").then(|| after_open.len() - 4))
        .ok_or(SplitError::NotClosed)?;
    let body = after_open.get(close + 5..).unwrap_or("");
    Ok((&after_open[..close + 1], body, 4 + close + 5))
}

/// A 64-bit fingerprint of a body, eight bytes at a time (a multiply-rotate hash, as rustc's
/// FxHash): fast enough to run over every page at start-up. With the body's length it keys the
/// build-time results; it guards against a stale table, not an attacker (content is ours).
pub fn fingerprint(body: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut hash = body.len() as u64;
    let mut chunks = body.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
    for &byte in chunks.remainder() {
        hash = (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(K);
    }
    hash
}
