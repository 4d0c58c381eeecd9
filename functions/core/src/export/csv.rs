//! A small CSV writer for the exports: RFC 4180 (fields separated by commas, records ended by
//! CRLF, a field with a comma, a double quote, CR or LF quoted, quotes doubled), UTF-8.
//!
//! **Byte order mark.** Every export starts with the UTF-8 BOM (`EF BB BF`): without it Excel on
//! Windows, what most UK schools open a CSV with, reads the file as Windows-1252 and turns
//! "Zoë" or "Siân" into "ZoÃ«", "SiÃ¢n". LibreOffice, Google Sheets, Numbers and CSV libraries
//! ignore it (or strip it); a program reading the file by hand should strip it too.
//!
//! **Formula injection.** A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a
//! formula (`=HYPERLINK(...)`, `=cmd|...`), and a leading tab or carriage return can hide one.
//! Names, groups and typed names come from people, so every such cell is written with a `'`
//! in front (OWASP's advice): the spreadsheet shows the text, `'` included, and runs nothing.
//! Nothing the exports write legitimately starts with these characters (no negative numbers).

/// The UTF-8 byte order mark every export starts with (see the module's notes).
pub const BOM: &str = "\u{feff}";

/// The characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as written: made inert if it could run as a formula, then quoted when it must be.
pub fn cell(value: &str) -> String {
    let inert = value.starts_with(FORMULA_STARTS);
    let needs_quotes = inert
        || value.contains([',', '"', '\r', '\n'])
        || value.starts_with(' ')
        || value.ends_with(' ');
    if !needs_quotes {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 3);
    out.push('"');
    if inert {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Writes records into a growing text.
#[derive(Debug, Default)]
pub struct CsvWriter {
    buf: String,
    records: usize,
}

impl CsvWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer whose text starts with the byte order mark.
    pub fn with_bom() -> Self {
        CsvWriter {
            buf: BOM.to_string(),
            records: 0,
        }
    }

    /// Appends one record.
    pub fn record<S: AsRef<str>>(&mut self, fields: &[S]) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.buf.push(',');
            }
            self.buf.push_str(&cell(f.as_ref()));
        }
        self.buf.push_str("\r\n");
        self.records += 1;
    }

    /// Records written so far (the header included).
    pub fn records(&self) -> usize {
        self.records
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The text written so far, leaving the writer empty (for a streamed body: one chunk).
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.buf)
    }

    pub fn finish(self) -> String {
        self.buf
    }
}

/// Reads CSV text back into records (RFC 4180, a leading BOM skipped). For the tests, and for
/// anyone checking an export: the exports never need it.
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                any = false;
            }
            c => field.push(c),
        }
    }
    if any {
        record.push(field);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(cell("Alex Rivers"), "Alex Rivers");
        assert_eq!(cell(""), "");
        assert_eq!(cell("Zoë Ó Siân"), "Zoë Ó Siân");
        assert_eq!(cell("2026-11-23"), "2026-11-23");
        assert_eq!(cell("90%"), "90%");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted_rfc_4180() {
        assert_eq!(cell("Rivers, Alex"), "\"Rivers, Alex\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("a\r\nb"), "\"a\r\nb\"");
        assert_eq!(cell(" padded "), "\" padded \"");
    }

    #[test]
    fn every_formula_start_is_made_inert() {
        for (input, written) in [
            ("=1+1", "\"'=1+1\""),
            ("+44 1234", "\"'+44 1234\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\t=cmd", "\"'\t=cmd\""),
            ("\r=cmd", "\"'\r=cmd\""),
            (
                "=HYPERLINK(\"http://x\",\"a\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\"",
            ),
            ("=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\""),
        ] {
            assert_eq!(cell(input), written, "{input:?}");
            // and it reads back as text starting with the apostrophe
            let back = parse(&format!("{written}\r\n"));
            assert_eq!(back, vec![vec![format!("'{input}")]], "{input:?}");
        }
        // only at the start
        assert_eq!(cell("a=b"), "a=b");
        assert_eq!(cell("Ann-Marie"), "Ann-Marie");
    }

    #[test]
    fn records_end_with_crlf_and_read_back() {
        let mut w = CsvWriter::with_bom();
        w.record(&["name", "email"]);
        w.record(&["Rivers, Alex", "a@example.org"]);
        w.record(&["=bad", "line\nbreak"]);
        assert_eq!(w.records(), 3);
        let text = w.finish();
        assert!(text.starts_with("\u{feff}name,email\r\n"));
        assert!(text.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));
        assert_eq!(
            parse(&text),
            vec![
                vec!["name".to_string(), "email".into()],
                vec!["Rivers, Alex".into(), "a@example.org".into()],
                vec!["'=bad".into(), "line\nbreak".into()],
            ]
        );
    }

    #[test]
    fn take_empties_the_writer_for_the_next_chunk() {
        let mut w = CsvWriter::new();
        w.record(&["a"]);
        assert_eq!(w.take(), "a\r\n");
        assert!(w.is_empty());
        w.record(&["b"]);
        assert_eq!(w.finish(), "b\r\n");
    }
}
