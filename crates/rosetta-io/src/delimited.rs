//! CSV / TSV with a header row: numeric columns form the vector, other columns are metadata; a
//! column named `id` (or chosen as the id) is always metadata. A column whose cells are bracketed
//! lists (`[0.1, 0.2, …]`, as pandas writes an embedding column) is a space of its own.

use crate::error::{Location, ParseError, Problem};
use crate::tsv::{clip, number, utf8};
use crate::types::{Column, Dense, NamedSpace, Parsed, Table};

/// The user's choice of columns, overriding the automatic one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnChoice {
    /// The id column (default: a column named `id`, any case).
    pub id_column: Option<String>,
    /// The columns that form the vector (default: every numeric column but the id).
    pub vector_columns: Option<Vec<String>>,
}

/// A column is numeric when at least this share of its non-empty cells are numbers; then every
/// other cell is an error (a typo in a vector) rather than a reason to call the column text.
const NUMERIC_SHARE: f64 = 0.9;

pub fn parse(
    name: &str,
    bytes: &[u8],
    delimiter: u8,
    choice: &ColumnChoice,
) -> Result<Parsed, ParseError> {
    let text = utf8(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = h.trim();
            if h.is_empty() {
                format!("column {}", i + 1)
            } else {
                h.to_owned()
            }
        })
        .collect();
    if headers.is_empty() {
        return Err(Problem::Empty.into());
    }
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        for (col, cell) in cells.iter_mut().zip(record.iter()) {
            col.push(cell.to_owned());
        }
    }
    let rows = cells[0].len();
    if rows == 0 {
        return Err(ParseError::at(
            Location::Line(1),
            Problem::Unrecognised("the file has a header row but no data rows".into()),
        ));
    }
    for wanted in choice
        .vector_columns
        .iter()
        .flatten()
        .chain(choice.id_column.iter())
    {
        if !headers.contains(wanted) {
            return Err(ParseError::at(
                Location::Field(wanted.clone()),
                Problem::Unrecognised(format!("no such column (columns: {})", headers.join(", "))),
            ));
        }
    }
    let id_index = match &choice.id_column {
        Some(id) => headers.iter().position(|h| h == id),
        None => headers.iter().position(|h| h.eq_ignore_ascii_case("id")),
    };

    let mut spaces = Vec::new();
    let mut metadata = Table::default();
    let mut vector_cols: Vec<usize> = Vec::new();
    for (c, header) in headers.iter().enumerate() {
        let is_id = Some(c) == id_index;
        let chosen = choice.vector_columns.as_ref().map(|v| v.contains(header));
        if !is_id && chosen != Some(false) {
            if let Some(list) = list_column(&cells[c], header)? {
                spaces.push(NamedSpace {
                    name: format!("{name}:{header}"),
                    vectors: list,
                    dtype: "float32".into(),
                });
                continue;
            }
            if chosen == Some(true) || (chosen.is_none() && is_numeric(&cells[c])) {
                vector_cols.push(c);
                continue;
            }
        }
        metadata.columns.push(Column {
            name: header.clone(),
            values: std::mem::take(&mut cells[c]),
        });
    }
    if !vector_cols.is_empty() {
        let mut values = Vec::with_capacity(rows * vector_cols.len());
        #[allow(clippy::needless_range_loop)]
        // reason: r indexes the cells of several columns at once
        for r in 0..rows {
            for &c in &vector_cols {
                let cell = &cells[c][r];
                match number(cell) {
                    Some(v) => values.push(v),
                    None => {
                        return Err(ParseError::at(
                            Location::Line(r + 2),
                            Problem::Unrecognised(format!(
                                "column '{}': '{}' is not a number",
                                headers[c],
                                clip(cell)
                            )),
                        ))
                    }
                }
            }
        }
        spaces.insert(
            0,
            NamedSpace {
                name: name.to_owned(),
                vectors: Dense {
                    rows,
                    cols: vector_cols.len(),
                    values,
                },
                dtype: "float32".into(),
            },
        );
    }
    if spaces.is_empty() && metadata.columns.is_empty() {
        return Err(Problem::Empty.into());
    }
    Ok(Parsed {
        spaces,
        metadata: (!metadata.columns.is_empty()).then_some(metadata),
    })
}

fn is_numeric(cells: &[String]) -> bool {
    let non_empty = cells.iter().filter(|c| !c.trim().is_empty()).count();
    if non_empty == 0 {
        return false;
    }
    let numeric = cells.iter().filter(|c| number(c).is_some()).count();
    numeric as f64 >= NUMERIC_SHARE * non_empty as f64
}

/// `[0.1, 0.2]` / `[0.1 0.2]` cells → a matrix, when every cell of the column is such a list.
fn list_column(cells: &[String], header: &str) -> Result<Option<Dense>, ParseError> {
    let is_list = |c: &str| {
        let t = c.trim();
        t.starts_with('[') && t.ends_with(']')
    };
    if cells.is_empty() || !cells.iter().all(|c| is_list(c)) {
        return Ok(None);
    }
    let mut values = Vec::new();
    let mut cols = None;
    for (r, cell) in cells.iter().enumerate() {
        let inner = cell.trim().trim_start_matches('[').trim_end_matches(']');
        let before = values.len();
        for part in inner
            .split(|ch: char| ch == ',' || ch.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            values.push(number(part).ok_or_else(|| {
                ParseError::at(
                    Location::Line(r + 2),
                    Problem::Unrecognised(format!(
                        "column '{header}': '{}' is not a number",
                        clip(part)
                    )),
                )
            })?);
        }
        let found = values.len() - before;
        match cols {
            None => cols = Some(found),
            Some(c) if c != found => {
                return Err(ParseError::at(
                    Location::Line(r + 2),
                    Problem::Ragged { expected: c, found },
                ))
            }
            _ => {}
        }
    }
    let cols = cols.unwrap_or(0);
    if cols == 0 {
        return Ok(None);
    }
    Ok(Some(Dense {
        rows: cells.len(),
        cols,
        values,
    }))
}

fn csv_error(e: csv::Error) -> ParseError {
    let line = e.position().map(|p| p.line() as usize);
    let problem = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Problem::Ragged {
            expected: *expected_len as usize,
            found: *len as usize,
        },
        csv::ErrorKind::Utf8 { .. } => Problem::NotUtf8,
        _ => Problem::Unrecognised(e.to_string()),
    };
    match line {
        Some(l) => ParseError::at(Location::Line(l), problem),
        None => ParseError::new(problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_csv(text: &str) -> Result<Parsed, ParseError> {
        parse("t.csv", text.as_bytes(), b',', &ColumnChoice::default())
    }

    #[test]
    fn numeric_columns_become_the_vector_and_id_stays_metadata() {
        let p = parse_csv("id,x,y,label\n1,0.5,1.5,cat\n2,2,3,dog\n").unwrap();
        assert_eq!(p.spaces.len(), 1);
        assert_eq!(p.spaces[0].vectors.cols, 2);
        assert_eq!(p.spaces[0].vectors.values, vec![0.5, 1.5, 2.0, 3.0]);
        let meta = p.metadata.unwrap();
        assert_eq!(meta.column_names(), vec!["id", "label"]);
    }

    #[test]
    fn list_cells_form_a_space() {
        let p =
            parse_csv("text,embedding\nhello,\"[0.1, 0.2, 0.3]\"\nbye,\"[1, 2, 3]\"\n").unwrap();
        assert_eq!(p.spaces[0].name, "t.csv:embedding");
        assert_eq!(p.spaces[0].vectors.cols, 3);
    }

    #[test]
    fn a_typo_in_a_numeric_column_is_named() {
        let mut text = String::from("a,b\n");
        for i in 0..20 {
            text.push_str(&format!("{i},{i}\n"));
        }
        text.push_str("7,x7\n");
        let e = parse_csv(&text).unwrap_err();
        assert_eq!(e.at, Some(Location::Line(22)));
        assert!(e.problem.to_string().contains("'x7'"), "{e:?}");
    }

    #[test]
    fn ragged_rows_name_the_line() {
        let e = parse_csv("a,b\n1,2\n3\n").unwrap_err();
        assert_eq!(e.at, Some(Location::Line(3)));
        assert!(matches!(
            e.problem,
            Problem::Ragged {
                expected: 2,
                found: 1
            }
        ));
    }

    #[test]
    fn header_only_is_refused() {
        let e = parse_csv("a,b\n").unwrap_err();
        assert!(e.problem.to_string().contains("no data rows"));
    }

    #[test]
    fn the_user_can_choose_columns() {
        let choice = ColumnChoice {
            id_column: Some("x".into()),
            vector_columns: Some(vec!["y".into()]),
        };
        let p = parse("t.csv", b"x,y,z\n1,2,3\n4,5,6\n", b',', &choice).unwrap();
        assert_eq!(p.spaces[0].vectors.cols, 1);
        assert_eq!(p.metadata.unwrap().column_names(), vec!["x", "z"]);
        let bad = ColumnChoice {
            id_column: Some("nope".into()),
            vector_columns: None,
        };
        assert!(parse("t.csv", b"x\n1\n", b',', &bad).is_err());
    }
}
