//! Flesch reading ease of a page, so learner content stays easy to read. 206.835 - 1.015 x
//! (words per sentence) - 84.6 x (syllables per word); 60 and over is plain English. List items,
//! headings and table cells count as sentences, as people read them that way.

use pulldown_cmark::{Event, Parser, TagEnd};

/// The lowest score learner pages may have.
pub const LEARNER_MINIMUM: f64 = 60.0;

/// The lowest score easy-read pages (`easy-read/` folders) may have: very easy to read.
pub const EASY_READ_MINIMUM: f64 = 80.0;

/// The page's text as a reader meets it, with each block ending a sentence.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::TableCell,
            ) => {
                let trimmed = out.trim_end();
                if !trimmed.is_empty() && !trimmed.ends_with(['.', '!', '?', ':']) {
                    out.truncate(trimmed.len());
                    out.push('.');
                }
                out.push(' ');
            }
            _ => {}
        }
    }
    out
}

/// Syllables of an English word, by counting vowel groups (a good estimate, as readability
/// formulas assume). One pass over the letters, lowercased, with no allocation: every content
/// load at start-up counts every word (issue 23, the cold start).
pub fn syllables(word: &str) -> usize {
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut count = 0;
    let mut letters = 0;
    // The last two letters, for the silent final "e".
    let (mut last, mut before_last) = (' ', ' ');
    let mut previous = false;
    let mut letter = |c: char| {
        let v = vowel(c);
        if v && !previous {
            count += 1;
        }
        previous = v;
        letters += 1;
        before_last = last;
        last = c;
    };
    for c in word.chars().filter(|c| c.is_alphabetic()) {
        if c.is_ascii() {
            letter(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(&mut letter);
        }
    }
    if letters == 0 {
        return 0;
    }
    // A silent final "e" (make, give), but not "le" (table) or a word like "be".
    if letters > 2 && last == 'e' && before_last != 'l' && !vowel(before_last) {
        count -= 1;
    }
    count.max(1)
}

/// The Flesch reading ease of the text; `None` when there are no words.
pub fn flesch_reading_ease(text: &str) -> Option<f64> {
    let (mut words, mut syllables_in_all) = (0usize, 0usize);
    for word in text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
    {
        words += 1;
        syllables_in_all += syllables(word);
    }
    if words == 0 {
        return None;
    }
    let sentences = text
        .split(['.', '!', '?', ':'])
        .filter(|s| s.chars().any(char::is_alphabetic))
        .count()
        .max(1);
    let syllables = syllables_in_all;
    let words = words as f64;
    Some(206.835 - 1.015 * (words / sentences as f64) - 84.6 * (syllables as f64 / words))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first way of counting (a vector of the lowercased letters), kept to check that the
    /// faster one gives the same count for every word of the content.
    fn syllables_as_first_written(word: &str) -> usize {
        let w: Vec<char> = word
            .chars()
            .filter(|c| c.is_alphabetic())
            .flat_map(char::to_lowercase)
            .collect();
        if w.is_empty() {
            return 0;
        }
        let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
        let mut count = 0;
        let mut previous = false;
        for &c in &w {
            let v = vowel(c);
            if v && !previous {
                count += 1;
            }
            previous = v;
        }
        if w.len() > 2 && w[w.len() - 1] == 'e' && w[w.len() - 2] != 'l' && !vowel(w[w.len() - 2]) {
            count -= 1;
        }
        count.max(1)
    }

    #[test]
    fn every_word_of_the_content_counts_as_before() {
        let mut words = 0;
        for file in crate::content::embedded_files() {
            for word in
                file.text
                    .split_whitespace()
                    .chain(["ÉCOLE", "Straße", "İstanbul", "e", "ee"])
            {
                assert_eq!(
                    syllables(word),
                    syllables_as_first_written(word),
                    "{word} in {}",
                    file.path
                );
                words += 1;
            }
        }
        assert!(words > 10_000, "{words} words checked");
    }

    #[test]
    fn syllables_are_estimated_sensibly() {
        for (word, n) in [
            ("cat", 1),
            ("table", 2),
            ("make", 1),
            ("water", 2),
            ("guarding", 2),
            ("be", 1),
            ("online", 2),
            ("I", 1),
        ] {
            assert_eq!(syllables(word), n, "{word}");
        }
    }

    #[test]
    fn plain_sentences_score_higher_than_dense_ones() {
        let easy =
            flesch_reading_ease("Tell someone you trust. You can do it now. It is not your fault.")
                .unwrap();
        let hard = flesch_reading_ease(
            "Notwithstanding organisational responsibilities, safeguarding considerations necessitate comprehensive documentation of disclosures.",
        )
        .unwrap();
        assert!(easy > 80.0, "{easy}");
        assert!(hard < 0.0, "{hard}");
        assert_eq!(flesch_reading_ease("  "), None);
    }

    #[test]
    fn list_items_and_headings_end_sentences() {
        let text = plain_text("## Block them\n\n- Save the messages\n- Tell someone\n");
        assert_eq!(text.trim(), "Block them. Save the messages. Tell someone.");
    }
}
