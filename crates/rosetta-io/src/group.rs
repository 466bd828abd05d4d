//! Files dropped together → one group of spaces of the same items, with their metadata.
//!
//! Rows are matched by order. Rows with a NaN or an infinity in any space are dropped from every
//! space and from the metadata (an item must be the same row everywhere), with a warning per file.

use crate::error::{LoadError, Problem};
use crate::types::{Column, NamedSpace, Parsed, Table};

/// Spaces of the same `n` items plus their metadata, ready to become (or join) a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub n: usize,
    pub spaces: Vec<NamedSpace>,
    pub metadata: Option<Table>,
    /// Items present in the files but dropped (NaN/Inf), as 0-based rows of the input.
    pub dropped_rows: Vec<usize>,
    /// Messages the user must see (rows dropped, and from which file).
    pub warnings: Vec<String>,
}

/// Combine the parsed files of one drop. Fails, naming files and counts, when row counts differ.
pub fn group_files(files: Vec<(String, Parsed)>) -> Result<Group, LoadError> {
    let mut spaces: Vec<(String, NamedSpace)> = Vec::new();
    let mut tables: Vec<(String, Table)> = Vec::new();
    for (file, parsed) in files {
        spaces.extend(parsed.spaces.into_iter().map(|s| (file.clone(), s)));
        if let Some(t) = parsed.metadata {
            tables.push((file, t));
        }
    }
    let counts = spaces
        .iter()
        .map(|(f, s)| (f.as_str(), s.vectors.rows))
        .chain(tables.iter().map(|(f, t)| (f.as_str(), t.rows())));
    let mut first: Option<(&str, usize)> = None;
    for (file, rows) in counts {
        match first {
            None => first = Some((file, rows)),
            Some((f0, n0)) if n0 != rows => {
                return Err(LoadError {
                    file: file.to_owned(),
                    at: None,
                    problem: Problem::Unrecognised(format!(
                        "has {rows} rows but {f0} has {n0}; files dropped together must describe the same items"
                    )),
                });
            }
            Some(_) => {}
        }
    }
    let n_in = first.map_or(0, |(_, n)| n);

    let mut bad = vec![false; n_in];
    let mut warnings = Vec::new();
    for (file, space) in &spaces {
        let rows = space.vectors.non_finite_rows();
        if !rows.is_empty() {
            warnings.push(format!(
                "{file}: dropped {} of {} rows with NaN or infinite values (first: row {})",
                rows.len(),
                space.vectors.rows,
                rows[0] + 1
            ));
            for r in rows {
                bad[r] = true;
            }
        }
    }
    let keep: Vec<usize> = (0..n_in).filter(|&i| !bad[i]).collect();
    let dropped_rows: Vec<usize> = (0..n_in).filter(|&i| bad[i]).collect();
    if keep.is_empty() && !spaces.is_empty() {
        let file = spaces.first().map(|(f, _)| f.clone()).unwrap_or_default();
        return Err(LoadError {
            file,
            at: None,
            problem: Problem::NoUsableRows,
        });
    }

    let mut out_spaces = Vec::with_capacity(spaces.len());
    for (_, mut space) in spaces {
        if !dropped_rows.is_empty() {
            space.vectors.retain_rows(&keep);
        }
        out_spaces.push(space);
    }
    let metadata = merge_tables(tables).map(|mut t| {
        if !dropped_rows.is_empty() {
            t.retain_rows(&keep);
        }
        t
    });
    Ok(Group {
        n: keep.len(),
        spaces: out_spaces,
        metadata,
        dropped_rows,
        warnings,
    })
}

/// Put the columns of several tables side by side; a repeated name gets the file name appended.
pub fn merge_tables(tables: Vec<(String, Table)>) -> Option<Table> {
    let mut out = Table::default();
    for (file, table) in tables {
        for col in table.columns {
            let name = if out.column(&col.name).is_some() {
                format!("{} ({file})", col.name)
            } else {
                col.name
            };
            out.columns.push(Column {
                name,
                values: col.values,
            });
        }
    }
    (!out.columns.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Dense;

    fn space(rows: usize, cols: usize, values: Vec<f32>) -> Parsed {
        Parsed {
            spaces: vec![NamedSpace {
                name: "s".into(),
                vectors: Dense { rows, cols, values },
                dtype: "float32".into(),
            }],
            metadata: None,
        }
    }

    fn labels(values: &[&str]) -> Parsed {
        Parsed {
            spaces: vec![],
            metadata: Some(Table {
                columns: vec![Column {
                    name: "label".into(),
                    values: values.iter().map(|s| s.to_string()).collect(),
                }],
            }),
        }
    }

    #[test]
    fn counts_must_match() {
        let e = group_files(vec![
            ("a.npy".into(), space(2, 1, vec![1., 2.])),
            ("b.npy".into(), space(3, 1, vec![1., 2., 3.])),
        ])
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("b.npy")
                && msg.contains("a.npy")
                && msg.contains('3')
                && msg.contains('2'),
            "{msg}"
        );
    }

    #[test]
    fn nan_rows_dropped_everywhere() {
        let g = group_files(vec![
            ("a.npy".into(), space(3, 1, vec![1., f32::NAN, 3.])),
            ("b.npy".into(), space(3, 1, vec![4., 5., f32::INFINITY])),
            ("meta.tsv".into(), labels(&["x", "y", "z"])),
        ])
        .unwrap();
        assert_eq!(g.n, 1);
        assert_eq!(g.spaces[0].vectors.values, vec![1.]);
        assert_eq!(g.spaces[1].vectors.values, vec![4.]);
        assert_eq!(g.metadata.unwrap().columns[0].values, vec!["x"]);
        assert_eq!(g.warnings.len(), 2);
        assert!(g.warnings[0].starts_with("a.npy: dropped 1 of 3 rows"));
    }

    #[test]
    fn all_rows_bad_is_refused() {
        let e = group_files(vec![("a.npy".into(), space(1, 1, vec![f32::NAN]))]).unwrap_err();
        assert_eq!(e.problem, Problem::NoUsableRows);
    }
}
