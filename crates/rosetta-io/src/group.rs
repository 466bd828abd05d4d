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

/// One file's contribution: its spaces and metadata share rows.
struct Part {
    file: String,
    spaces: Vec<NamedSpace>,
    metadata: Option<Table>,
    rows: usize,
}

impl Part {
    fn ids(&self) -> Option<&[String]> {
        let t = self.metadata.as_ref()?;
        t.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case("id"))
            .map(|c| c.values.as_slice())
    }

    fn retain(&mut self, keep: &[usize]) {
        for s in &mut self.spaces {
            s.vectors.retain_rows(keep);
        }
        if let Some(t) = &mut self.metadata {
            t.retain_rows(keep);
        }
        self.rows = keep.len();
    }
}

/// Combine the parsed files of one drop. Files align by an `id` column when every file has one
/// (keeping the items they share, with a note of what each lost); otherwise by row order, and then
/// their row counts must agree.
pub fn group_files(files: Vec<(String, Parsed)>) -> Result<Group, LoadError> {
    let mut parts: Vec<Part> = files
        .into_iter()
        .map(|(file, p)| {
            let rows = p
                .spaces
                .first()
                .map(|s| s.vectors.rows)
                .or_else(|| p.metadata.as_ref().map(Table::rows))
                .unwrap_or(0);
            Part {
                file,
                spaces: p.spaces,
                metadata: p.metadata,
                rows,
            }
        })
        .collect();
    let mut warnings = Vec::new();
    for part in &parts {
        if let Some(s) = part.spaces.iter().find(|s| s.vectors.rows != part.rows) {
            return Err(mismatch(&part.file, s.vectors.rows, &s.name, part.rows));
        }
        if let Some(t) = part.metadata.as_ref().filter(|t| t.rows() != part.rows) {
            return Err(mismatch(&part.file, t.rows(), "its metadata", part.rows));
        }
        if let Some(ids) = part.ids() {
            check_unique(&part.file, ids)?;
        }
    }
    if parts.len() > 1 && parts.iter().all(|p| p.ids().is_some()) {
        align_by_id(&mut parts, &mut warnings)?;
    } else if let Some(first) = parts.first() {
        let (f0, n0) = (first.file.clone(), first.rows);
        if let Some(p) = parts.iter().find(|p| p.rows != n0) {
            return Err(LoadError {
                file: p.file.clone(),
                at: None,
                problem: Problem::Unrecognised(format!(
                    "has {} rows but {f0} has {n0}; files dropped together must describe the same items \
                     (same rows, or an 'id' column in every file)",
                    p.rows
                )),
            });
        }
    }
    let n_in = parts.first().map_or(0, |p| p.rows);
    let mut bad = vec![false; n_in];
    for part in &parts {
        for space in &part.spaces {
            let rows = space.vectors.non_finite_rows();
            if !rows.is_empty() {
                warnings.push(format!(
                    "{}: dropped {} of {} rows with NaN or infinite values (first: row {})",
                    part.file,
                    rows.len(),
                    space.vectors.rows,
                    rows[0] + 1
                ));
                for r in rows {
                    bad[r] = true;
                }
            }
        }
    }
    let keep: Vec<usize> = (0..n_in).filter(|&i| !bad[i]).collect();
    let dropped_rows: Vec<usize> = (0..n_in).filter(|&i| bad[i]).collect();
    if keep.is_empty() && parts.iter().any(|p| !p.spaces.is_empty()) {
        let file = parts
            .iter()
            .find(|p| !p.spaces.is_empty())
            .map(|p| p.file.clone())
            .unwrap_or_default();
        return Err(LoadError {
            file,
            at: None,
            problem: Problem::NoUsableRows,
        });
    }
    if !dropped_rows.is_empty() {
        for part in &mut parts {
            part.retain(&keep);
        }
    }
    let mut spaces = Vec::new();
    let mut tables = Vec::new();
    for part in parts {
        spaces.extend(part.spaces);
        if let Some(t) = part.metadata {
            tables.push((part.file, t));
        }
    }
    Ok(Group {
        n: keep.len(),
        spaces,
        metadata: merge_tables(tables),
        dropped_rows,
        warnings,
    })
}

fn mismatch(file: &str, rows: usize, what: &str, expected: usize) -> LoadError {
    LoadError {
        file: file.to_owned(),
        at: None,
        problem: Problem::Unrecognised(format!(
            "{what} has {rows} rows but the file's other columns have {expected}"
        )),
    }
}

fn check_unique(file: &str, ids: &[String]) -> Result<(), LoadError> {
    let mut seen = std::collections::HashMap::with_capacity(ids.len());
    for (row, id) in ids.iter().enumerate() {
        if let Some(first) = seen.insert(id.as_str(), row) {
            return Err(LoadError {
                file: file.to_owned(),
                at: Some(crate::Location::Row(row + 1)),
                problem: Problem::Unrecognised(format!(
                    "the id '{}' appears twice (rows {} and {}); ids must be unique",
                    crate::tsv::clip(id),
                    first + 1,
                    row + 1
                )),
            });
        }
    }
    Ok(())
}

/// Keep the ids every file has, in the first file's order; note what each file lost.
fn align_by_id(parts: &mut [Part], warnings: &mut Vec<String>) -> Result<(), LoadError> {
    let maps: Vec<std::collections::HashMap<String, usize>> = parts
        .iter()
        .map(|p| {
            p.ids()
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect()
        })
        .collect();
    let order: Vec<String> = parts[0]
        .ids()
        .unwrap_or(&[])
        .iter()
        .filter(|id| maps.iter().all(|m| m.contains_key(*id)))
        .cloned()
        .collect();
    if order.is_empty() {
        return Err(LoadError {
            file: parts
                .iter()
                .map(|p| p.file.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            at: None,
            problem: Problem::Unrecognised(
                "no id is shared by all the files dropped together".into(),
            ),
        });
    }
    let total = order.len();
    for (part, map) in parts.iter_mut().zip(&maps) {
        let keep: Vec<usize> = order.iter().map(|id| map[id]).collect();
        if part.rows != total {
            warnings.push(format!(
                "{}: {} of its {} items are not in every file and were left out (aligned by id: {total} items)",
                part.file,
                part.rows - total,
                part.rows
            ));
        }
        part.retain(&keep);
    }
    Ok(())
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

    fn with_ids(ids: &[&str], values: Vec<f32>) -> Parsed {
        let mut p = space(ids.len(), 1, values);
        p.metadata = Some(Table {
            columns: vec![Column {
                name: "id".into(),
                values: ids.iter().map(|s| s.to_string()).collect(),
            }],
        });
        p
    }

    #[test]
    fn ids_align_files_and_report_the_intersection() {
        let g = group_files(vec![
            ("a.csv".into(), with_ids(&["x", "y", "z"], vec![1., 2., 3.])),
            (
                "b.csv".into(),
                with_ids(&["z", "x", "w", "v"], vec![30., 10., 0., 0.]),
            ),
        ])
        .unwrap();
        assert_eq!(g.n, 2);
        assert_eq!(g.spaces[0].vectors.values, vec![1., 3.]);
        assert_eq!(g.spaces[1].vectors.values, vec![10., 30.]);
        assert_eq!(g.warnings.len(), 2);
        assert!(
            g.warnings[1].contains("b.csv: 2 of its 4 items"),
            "{:?}",
            g.warnings
        );
    }

    #[test]
    fn duplicate_ids_are_named() {
        let e = group_files(vec![(
            "a.csv".into(),
            with_ids(&["x", "y", "x"], vec![1., 2., 3.]),
        )])
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("a.csv")
                && msg.contains("'x' appears twice")
                && msg.contains("rows 1 and 3"),
            "{msg}"
        );
    }

    #[test]
    fn all_rows_bad_is_refused() {
        let e = group_files(vec![("a.npy".into(), space(1, 1, vec![f32::NAN]))]).unwrap_err();
        assert_eq!(e.problem, Problem::NoUsableRows);
    }
}
