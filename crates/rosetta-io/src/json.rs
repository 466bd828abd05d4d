//! JSON and JSON Lines: an array of arrays (one space), an array of objects (every field holding a
//! list of numbers is a space, scalar fields are metadata), or an object of columns
//! (`{"embedding": [[…], …], "label": […]}`). JSON Lines: one array or object per line.

use serde_json::Value;

use crate::error::{Location, ParseError, Problem};
use crate::tsv::{clip, lines, utf8};
use crate::types::{Column, Dense, NamedSpace, Parsed, Table};

pub fn parse(name: &str, bytes: &[u8], json_lines: bool) -> Result<Parsed, ParseError> {
    let text = utf8(bytes)?;
    let rows: Vec<Value> = if json_lines {
        let mut out = Vec::new();
        for (i, line) in lines(text).enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            out.push(serde_json::from_str(line).map_err(|e| {
                ParseError::at(
                    Location::Line(i + 1),
                    Problem::Unrecognised(format!("not JSON: {e}")),
                )
            })?);
        }
        out
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items,
            Ok(Value::Object(map)) => return columns(name, map),
            Ok(_) => {
                return Err(Problem::Unrecognised(
                    "expected an array of rows or an object of columns".into(),
                )
                .into())
            }
            Err(e) => {
                return Err(ParseError::at(
                    Location::Line(e.line()),
                    Problem::Unrecognised(format!("not JSON: {e}")),
                ))
            }
        }
    };
    if rows.is_empty() {
        return Err(Problem::Empty.into());
    }
    records(name, &rows, json_lines)
}

/// Rows: arrays of numbers, or objects.
fn records(name: &str, rows: &[Value], json_lines: bool) -> Result<Parsed, ParseError> {
    let locate = |i: usize| {
        if json_lines {
            Location::Line(i + 1)
        } else {
            Location::Row(i + 1)
        }
    };
    if rows[0].is_array() {
        let mut builder = MatrixBuilder::default();
        for (i, row) in rows.iter().enumerate() {
            builder.push(row, locate(i))?;
        }
        return Ok(Parsed {
            spaces: vec![builder.finish(name.to_owned())],
            metadata: None,
        });
    }
    let Some(first) = rows[0].as_object() else {
        return Err(ParseError::at(
            locate(0),
            Problem::Unrecognised("expected an array of numbers or an object".into()),
        ));
    };
    let keys: Vec<String> = first.keys().cloned().collect();
    let mut spaces = Vec::new();
    let mut metadata = Table::default();
    for key in keys {
        if matches!(first.get(&key), Some(Value::Array(_))) {
            let mut builder = MatrixBuilder::default();
            for (i, row) in rows.iter().enumerate() {
                let cell = row.get(&key).unwrap_or(&Value::Null);
                builder
                    .push(cell, locate(i))
                    .map_err(|e| field_error(e, &key))?;
            }
            spaces.push(builder.finish(format!("{name}:{key}")));
        } else {
            let values = rows
                .iter()
                .map(|row| scalar_text(row.get(&key).unwrap_or(&Value::Null)))
                .collect();
            metadata.columns.push(Column { name: key, values });
        }
    }
    if spaces.is_empty() {
        return Err(Problem::Unrecognised(
            "no field holds a list of numbers (an embedding)".into(),
        )
        .into());
    }
    Ok(Parsed {
        spaces,
        metadata: (!metadata.columns.is_empty()).then_some(metadata),
    })
}

/// `{"embedding": [[…]], "label": […]}`: list-of-lists keys are spaces, lists of scalars metadata.
fn columns(name: &str, map: serde_json::Map<String, Value>) -> Result<Parsed, ParseError> {
    let mut spaces = Vec::new();
    let mut metadata = Table::default();
    for (key, value) in map {
        let Value::Array(items) = value else { continue };
        if items.first().is_some_and(Value::is_array) {
            let mut builder = MatrixBuilder::default();
            for (i, row) in items.iter().enumerate() {
                builder
                    .push(row, Location::Row(i + 1))
                    .map_err(|e| field_error(e, &key))?;
            }
            spaces.push(builder.finish(format!("{name}:{key}")));
        } else {
            metadata.columns.push(Column {
                name: key,
                values: items.iter().map(scalar_text).collect(),
            });
        }
    }
    if spaces.is_empty() {
        return Err(Problem::Unrecognised("no key holds a list of vectors".into()).into());
    }
    Ok(Parsed {
        spaces,
        metadata: (!metadata.columns.is_empty()).then_some(metadata),
    })
}

fn field_error(e: ParseError, key: &str) -> ParseError {
    ParseError {
        at: e.at,
        problem: match e.problem {
            Problem::Unrecognised(m) => Problem::Unrecognised(format!("field '{key}': {m}")),
            other => other,
        },
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Default)]
struct MatrixBuilder {
    values: Vec<f32>,
    rows: usize,
    cols: usize,
}

impl MatrixBuilder {
    fn push(&mut self, row: &Value, at: Location) -> Result<(), ParseError> {
        let Value::Array(items) = row else {
            return Err(ParseError::at(
                at,
                Problem::Unrecognised("expected a list of numbers".into()),
            ));
        };
        if self.rows > 0 && items.len() != self.cols {
            return Err(ParseError::at(
                at,
                Problem::Ragged {
                    expected: self.cols,
                    found: items.len(),
                },
            ));
        }
        for item in items {
            let v = match item {
                Value::Number(n) => n.as_f64().map(|f| f as f32),
                // JSON has no NaN/Infinity; writers emit them as strings or null.
                Value::String(s) => crate::tsv::number(s),
                Value::Null => Some(f32::NAN),
                _ => None,
            };
            match v {
                Some(v) => self.values.push(v),
                None => {
                    return Err(ParseError::at(
                        at,
                        Problem::NotANumber {
                            cell: clip(&item.to_string()),
                        },
                    ))
                }
            }
        }
        self.cols = items.len();
        self.rows += 1;
        Ok(())
    }

    fn finish(self, name: String) -> NamedSpace {
        NamedSpace {
            name,
            vectors: Dense {
                rows: self.rows,
                cols: self.cols,
                values: self.values,
            },
            dtype: "float32".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_of_arrays() {
        let p = parse("a.json", b"[[1, 2], [3, 4.5]]", false).unwrap();
        assert_eq!(p.spaces[0].vectors.values, vec![1.0, 2.0, 3.0, 4.5]);
    }

    #[test]
    fn objects_with_a_vector_field() {
        let p = parse(
            "a.json",
            br#"[{"id": "x", "emb": [1, 2]}, {"id": "y", "emb": [3, 4]}]"#,
            false,
        )
        .unwrap();
        assert_eq!(p.spaces[0].name, "a.json:emb");
        assert_eq!(p.metadata.unwrap().columns[0].values, vec!["x", "y"]);
    }

    #[test]
    fn json_lines_name_the_line() {
        let e = parse("a.jsonl", b"{\"v\": [1, 2]}\n{\"v\": [1]}\n", true).unwrap_err();
        assert_eq!(e.at, Some(Location::Line(2)));
        let p = parse("a.jsonl", b"[1, 2]\n[3, 4]\n", true).unwrap();
        assert_eq!(p.spaces[0].vectors.rows, 2);
    }

    #[test]
    fn object_of_columns() {
        let p = parse(
            "a.json",
            br#"{"embedding": [[1, 2], [3, 4]], "label": ["a", "b"]}"#,
            false,
        )
        .unwrap();
        assert_eq!(p.spaces[0].vectors.cols, 2);
        assert_eq!(p.metadata.unwrap().columns[0].name, "label");
    }

    #[test]
    fn non_numbers_are_named() {
        let e = parse("a.json", br#"[[1, 2], [3, true]]"#, false).unwrap_err();
        assert_eq!(e.at, Some(Location::Row(2)));
        assert!(matches!(e.problem, Problem::NotANumber { .. }));
    }
}
