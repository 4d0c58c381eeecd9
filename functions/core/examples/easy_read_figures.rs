//! Prints the Flesch reading ease of each easy-read page beside its standard version's:
//! `cargo run -q -p safety-core --example easy_read_figures [content]`.

use safety_core::content::readability::{flesch_reading_ease, plain_text};
use std::path::Path;

fn body(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?.replace("\r\n", "\n");
    let after = text.strip_prefix("+++\n")?;
    let close = after.find("\n+++\n")?;
    Some(after[close + 5..].to_string())
}

fn score(path: &Path) -> String {
    body(path)
        .and_then(|b| flesch_reading_ease(&plain_text(&b)))
        .map(|s| format!("{s:.0}"))
        .unwrap_or_else(|| "-".into())
}

fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| "content".into());
    println!(
        "{:<62} {:>9} {:>8}",
        "easy-read page", "easy read", "standard"
    );
    for dir in ["modules/learners", "quizzes", "aups"] {
        let easy = Path::new(&root).join(dir).join("easy-read");
        let Ok(entries) = std::fs::read_dir(&easy) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let standard = Path::new(&root)
                .join(dir)
                .join(f.file_name().unwrap_or_default());
            println!(
                "{:<62} {:>9} {:>8}",
                f.strip_prefix(&root).unwrap_or(&f).display(),
                score(&f),
                score(&standard)
            );
        }
    }
}
