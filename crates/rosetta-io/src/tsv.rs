//! TensorBoard projector text files: headerless `vectors.tsv` and `metadata.tsv`.

use crate::error::{Location, ParseError, Problem};
use crate::types::{Column, Dense, Table};

/// Iterate the lines of a text, without line ends (`\n` or `\r\n`), dropping one final empty line.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let body = body.strip_suffix('\r').unwrap_or(body);
    let empty = body.is_empty();
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(move |_| !empty)
}

pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    if bytes.is_empty() {
        return Err(Problem::Empty.into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        ParseError::at(Location::Line(line), Problem::NotUtf8)
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Parse one number the way numpy's text readers accept it (`nan`, `inf`, `-1e-3`, surrounding spaces).
pub(crate) fn number(cell: &str) -> Option<f32> {
    let t = cell.trim();
    t.parse::<f32>()
        .ok()
        .or_else(|| match t.to_ascii_lowercase().as_str() {
            "nan" => Some(f32::NAN),
            "inf" | "+inf" | "infinity" => Some(f32::INFINITY),
            "-inf" | "-infinity" => Some(f32::NEG_INFINITY),
            _ => None,
        })
}

/// Headerless delimited numbers (tab for `vectors.tsv`), one item per line.
pub fn parse_vectors(bytes: &[u8], delimiter: u8) -> Result<Dense, ParseError> {
    let delimiter = char::from(delimiter);
    let text = utf8(bytes)?;
    let mut values = Vec::new();
    let mut cols = 0usize;
    let mut rows = 0usize;
    for (index, line) in lines(text).enumerate() {
        let line_no = index + 1;
        let before = values.len();
        for cell in line.split(delimiter) {
            match number(cell) {
                Some(v) => values.push(v),
                None => {
                    return Err(ParseError::at(
                        Location::Line(line_no),
                        Problem::NotANumber { cell: clip(cell) },
                    ))
                }
            }
        }
        let found = values.len() - before;
        if rows == 0 {
            cols = found;
        } else if found != cols {
            return Err(ParseError::at(
                Location::Line(line_no),
                Problem::Ragged {
                    expected: cols,
                    found,
                },
            ));
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(Problem::Empty.into());
    }
    Ok(Dense { rows, cols, values })
}

/// The projector's metadata rule: a header row only when there is more than one column.
pub fn parse_metadata(bytes: &[u8]) -> Result<Table, ParseError> {
    let text = utf8(bytes)?;
    let mut it = lines(text).enumerate().peekable();
    let Some((_, first)) = it.peek().copied() else {
        return Err(Problem::Empty.into());
    };
    if !first.contains('\t') {
        let values: Vec<String> = it.map(|(_, l)| l.to_owned()).collect();
        return Ok(Table {
            columns: vec![Column {
                name: "label".into(),
                values,
            }],
        });
    }
    it.next();
    let names: Vec<String> = first.split('\t').map(|h| h.trim().to_owned()).collect();
    let mut columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Column {
            name: if n.is_empty() {
                format!("column {}", i + 1)
            } else {
                n.clone()
            },
            values: Vec::new(),
        })
        .collect();
    for (index, line) in it {
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != columns.len() {
            return Err(ParseError::at(
                Location::Line(index + 1),
                Problem::Ragged {
                    expected: columns.len(),
                    found: cells.len(),
                },
            ));
        }
        for (col, cell) in columns.iter_mut().zip(cells) {
            col.values.push(cell.to_owned());
        }
    }
    if columns[0].values.is_empty() {
        return Err(ParseError::at(
            Location::Line(1),
            Problem::Unrecognised("the metadata has a header row but no data rows".into()),
        ));
    }
    Ok(Table { columns })
}

/// Quote at most 40 characters of a cell in a message.
pub(crate) fn clip(cell: &str) -> String {
    let mut out: String = cell.chars().take(40).collect();
    if out.len() < cell.len() {
        out.push('…');
    }
    out
}

/// True when every cell of the line reads as a number (so it is data, not a header).
pub(crate) fn all_numeric(line: &str, delimiter: u8) -> bool {
    !line.trim().is_empty()
        && line
            .split(char::from(delimiter))
            .all(|c| number(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_vectors_tab(bytes: &[u8]) -> Result<Dense, ParseError> {
        parse_vectors(bytes, b'\t')
    }

    #[test]
    fn vectors_basic() {
        let d = parse_vectors_tab(b"1\t2\t3\n4\t5\t6\n").unwrap();
        assert_eq!((d.rows, d.cols), (2, 3));
        assert_eq!(d.values, vec![1., 2., 3., 4., 5., 6.]);
    }

    #[test]
    fn vectors_crlf_and_no_final_newline() {
        let d = parse_vectors_tab(b"1\t2\r\n3\t4").unwrap();
        assert_eq!(d.values, vec![1., 2., 3., 4.]);
    }

    #[test]
    fn ragged_names_the_line() {
        let e = parse_vectors_tab(b"1\t2\n3\n").unwrap_err();
        assert_eq!(e.at, Some(Location::Line(2)));
        assert_eq!(
            e.problem,
            Problem::Ragged {
                expected: 2,
                found: 1
            }
        );
    }

    #[test]
    fn non_numeric_names_the_cell() {
        let e = parse_vectors_tab(b"1\t2\n3\tabc\n").unwrap_err();
        assert_eq!(e.at, Some(Location::Line(2)));
        assert_eq!(e.problem, Problem::NotANumber { cell: "abc".into() });
    }

    #[test]
    fn metadata_single_column_has_no_header() {
        let t = parse_metadata(b"cat\ndog\n").unwrap();
        assert_eq!(t.columns[0].values, vec!["cat", "dog"]);
    }

    #[test]
    fn metadata_multi_column_has_header() {
        let t = parse_metadata(b"word\tpos\ncat\tN\nrun\tV\n").unwrap();
        assert_eq!(t.column_names(), vec!["word", "pos"]);
        assert_eq!(t.columns[1].values, vec!["N", "V"]);
    }

    #[test]
    fn empty_is_an_error() {
        assert_eq!(parse_vectors_tab(b"").unwrap_err().problem, Problem::Empty);
        assert_eq!(parse_metadata(b"").unwrap_err().problem, Problem::Empty);
    }
}
