//! Sorting a table by one of its columns on the server, from the query string
//! (`?sort=<column>&dir=asc|desc`): GOV.UK's sortable table, without JavaScript. The page shows
//! each header as a link asking for the other direction and marks the sorted one with
//! `aria-sort`. A column the table does not have falls back to the table's default silently; an
//! unreadable direction is ascending.

use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dir {
    #[default]
    Asc,
    Desc,
}

impl Dir {
    pub fn parse(s: &str) -> Option<Dir> {
        match s.trim() {
            "asc" => Some(Dir::Asc),
            "desc" => Some(Dir::Desc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Asc => "asc",
            Dir::Desc => "desc",
        }
    }
}

/// One table's order: a column of its own and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: &'static str,
    pub dir: Dir,
}

impl Sort {
    pub const fn asc(column: &'static str) -> Sort {
        Sort {
            column,
            dir: Dir::Asc,
        }
    }

    /// The order asked for when `column` is one of `columns`; `default` otherwise.
    pub fn parse(
        column: Option<&str>,
        dir: Option<&str>,
        columns: &[&'static str],
        default: Sort,
    ) -> Sort {
        match column.and_then(|c| columns.iter().find(|k| **k == c.trim())) {
            Some(column) => Sort {
                column,
                dir: dir.and_then(Dir::parse).unwrap_or_default(),
            },
            None => default,
        }
    }

    /// The `aria-sort` of `column`'s header: only the sorted column has one.
    pub fn aria(&self, column: &str) -> Option<&'static str> {
        (self.column == column).then_some(match self.dir {
            Dir::Asc => "ascending",
            Dir::Desc => "descending",
        })
    }

    /// The order `column`'s header link asks for: the other way round when the table is
    /// sorted by it, else ascending.
    pub fn link(&self, column: &'static str) -> Sort {
        let dir = match (self.column == column, self.dir) {
            (true, Dir::Asc) => Dir::Desc,
            _ => Dir::Asc,
        };
        Sort { column, dir }
    }

    /// The query string's pairs of this order.
    pub fn params(&self) -> [(&'static str, String); 2] {
        [
            ("sort", self.column.to_string()),
            ("dir", self.dir.as_str().to_string()),
        ]
    }

    /// Sorts `rows` by this column (`cmp` compares two rows by a column's name), in this
    /// direction. Stable: rows that compare equal keep the order they came in (by name).
    pub fn apply<T>(&self, rows: &mut [T], cmp: impl Fn(&str, &T, &T) -> Ordering) {
        rows.sort_by(|a, b| {
            let o = cmp(self.column, a, b);
            match self.dir {
                Dir::Asc => o,
                Dir::Desc => o.reverse(),
            }
        });
    }
}

/// Text compared as people read it: case and surrounding spaces ignored.
pub fn text(a: &str, b: &str) -> Ordering {
    a.trim().to_lowercase().cmp(&b.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [&str; 3] = ["name", "email", "status"];
    const DEFAULT: Sort = Sort::asc("name");

    #[test]
    fn a_known_column_and_direction_are_taken_anything_else_is_the_default() {
        let parse = |c: Option<&str>, d: Option<&str>| Sort::parse(c, d, &COLUMNS, DEFAULT);
        assert_eq!(
            parse(Some("email"), Some("desc")),
            Sort {
                column: "email",
                dir: Dir::Desc
            }
        );
        assert_eq!(parse(Some("status"), None), Sort::asc("status"));
        assert_eq!(parse(Some("status"), Some("sideways")), Sort::asc("status"));
        for junk in ["", "nope", "NAME", "name;drop", "../email"] {
            assert_eq!(parse(Some(junk), Some("desc")), DEFAULT, "{junk}");
        }
        assert_eq!(parse(None, Some("desc")), DEFAULT);
    }

    #[test]
    fn a_header_link_turns_the_order_round_and_only_the_sorted_header_has_aria_sort() {
        let s = Sort {
            column: "email",
            dir: Dir::Asc,
        };
        assert_eq!(s.link("email").dir, Dir::Desc);
        assert_eq!(s.link("name"), Sort::asc("name"));
        assert_eq!(s.link("email").link("email").dir, Dir::Asc);
        assert_eq!(s.aria("email"), Some("ascending"));
        assert_eq!(s.link("email").aria("email"), Some("descending"));
        assert_eq!(s.aria("name"), None);
    }

    #[test]
    fn rows_are_sorted_stably_either_way() {
        let mut rows = vec![("b", 2), ("a", 1), ("c", 2)];
        let by = |col: &str, x: &(&str, i32), y: &(&str, i32)| match col {
            "n" => x.1.cmp(&y.1),
            _ => text(x.0, y.0),
        };
        Sort::asc("n").apply(&mut rows, by);
        assert_eq!(rows, [("a", 1), ("b", 2), ("c", 2)]);
        Sort {
            column: "n",
            dir: Dir::Desc,
        }
        .apply(&mut rows, by);
        assert_eq!(rows, [("b", 2), ("c", 2), ("a", 1)]);
    }
}
