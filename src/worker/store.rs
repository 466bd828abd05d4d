//! The worker's data: collections of spaces, owned here so the page never holds the vectors.
//! Pure Rust (no browser API), so it is tested natively.

use rosetta_core::{MatView, Matrix, PcaParams};
use rosetta_io::{group_files, LoadError, Parsed, Table};

use super::protocol::{CollectionId, CollectionInfo, LoadOutcome, MetaColumn, SpaceId, SpaceInfo};

/// Components kept by the projection (scree, later issues) — the plot uses the first two.
pub const PCA_COMPONENTS: usize = 10;

#[derive(Debug)]
pub struct StoredSpace {
    pub id: SpaceId,
    pub name: String,
    pub dtype: String,
    pub matrix: Matrix,
}

#[derive(Debug)]
pub struct StoredCollection {
    pub id: CollectionId,
    pub name: String,
    pub n: usize,
    pub spaces: Vec<StoredSpace>,
    pub metadata: Option<Table>,
    /// Rows of the original files dropped for NaN/Inf, so later metadata of the full length fits.
    pub dropped_rows: Vec<usize>,
}

#[derive(Debug, Default)]
pub struct Store {
    pub collections: Vec<StoredCollection>,
    next_collection: CollectionId,
    next_space: SpaceId,
}

/// The result of a projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub n: usize,
    /// n × 2, interleaved.
    pub coords: Vec<f32>,
    pub explained_variance_ratio: Vec<f64>,
}

impl Store {
    pub fn collection(&self, id: CollectionId) -> Option<&StoredCollection> {
        self.collections.iter().find(|c| c.id == id)
    }

    pub fn space(&self, id: SpaceId) -> Option<&StoredSpace> {
        self.collections
            .iter()
            .flat_map(|c| &c.spaces)
            .find(|s| s.id == id)
    }

    /// Add the files of one drop. Unreadable files are reported and skipped; the readable ones join
    /// collection `into` when they describe as many items, and otherwise form a new collection.
    /// Nothing already loaded is removed.
    pub fn load(
        &mut self,
        files: Vec<(String, Result<Parsed, LoadError>)>,
        into: Option<CollectionId>,
    ) -> LoadOutcome {
        let mut outcome = LoadOutcome::default();
        let mut ok = Vec::new();
        for (name, parsed) in files {
            match parsed {
                Ok(p) => ok.push((name, p)),
                Err(e) => outcome.errors.push(e.to_string()),
            }
        }
        if ok.is_empty() {
            return outcome;
        }
        let names: Vec<String> = ok.iter().map(|(n, _)| n.clone()).collect();
        let group = match group_files(ok) {
            Ok(g) => g,
            Err(e) => {
                outcome.errors.push(e.to_string());
                return outcome;
            }
        };
        outcome.warnings.extend(group.warnings);

        if group.spaces.is_empty() {
            let Some(table) = group.metadata else {
                return outcome;
            };
            match self.attach_metadata(into, table, &names.join(", ")) {
                Ok(id) => outcome.collection = self.collection(id).map(info),
                Err(msg) => outcome.errors.push(msg),
            }
            return outcome;
        }

        let target = into
            .and_then(|id| self.collections.iter().position(|c| c.id == id))
            .filter(|&i| self.collections[i].n == group.n);
        let index = match target {
            Some(i) => i,
            None => {
                self.next_collection += 1;
                self.collections.push(StoredCollection {
                    id: self.next_collection,
                    name: collection_name(&names),
                    n: group.n,
                    spaces: Vec::new(),
                    metadata: None,
                    dropped_rows: group.dropped_rows.clone(),
                });
                self.collections.len() - 1
            }
        };
        let collection = &mut self.collections[index];
        for space in group.spaces {
            self.next_space += 1;
            outcome.added.push(self.next_space);
            collection.spaces.push(StoredSpace {
                id: self.next_space,
                name: space.name,
                dtype: space.dtype,
                matrix: Matrix {
                    n: space.vectors.rows,
                    d: space.vectors.cols,
                    data: space.vectors.values,
                },
            });
        }
        if let Some(table) = group.metadata {
            merge_into(&mut collection.metadata, table);
        }
        outcome.collection = Some(info(collection));
        outcome
    }

    /// Metadata dropped alone belongs to the collection on screen, if the row counts agree.
    fn attach_metadata(
        &mut self,
        into: Option<CollectionId>,
        mut table: Table,
        file: &str,
    ) -> Result<CollectionId, String> {
        let Some(c) = into.and_then(|id| self.collections.iter_mut().find(|c| c.id == id)) else {
            return Err(format!(
                "{file}: metadata needs a collection of embeddings to describe; drop it together with its vectors"
            ));
        };
        let rows = table.rows();
        if rows == c.n + c.dropped_rows.len() && !c.dropped_rows.is_empty() {
            let keep: Vec<usize> = (0..rows)
                .filter(|r| c.dropped_rows.binary_search(r).is_err())
                .collect();
            table.retain_rows(&keep);
        } else if rows != c.n {
            return Err(format!(
                "{file}: has {rows} rows but the collection '{}' has {} items",
                c.name, c.n
            ));
        }
        merge_into(&mut c.metadata, table);
        Ok(c.id)
    }

    /// Exact PCA of one space: its first two coordinates and the explained-variance ratios.
    pub fn project(&self, id: SpaceId) -> Result<Projection, String> {
        let space = self
            .space(id)
            .ok_or_else(|| format!("no space with id {id}"))?;
        let m = &space.matrix;
        let view = MatView::new(&m.data, m.n, m.d).map_err(|e| e.to_string())?;
        let pca = PcaParams::new(PCA_COMPONENTS)
            .fit(view)
            .map_err(|e| format!("{}: PCA: {e}", space.name))?;
        let mut coords = pca.transform(view, 2).map_err(|e| e.to_string())?;
        if pca.n_components() < 2 {
            // A 1-D space: spread it along x, y = 0.
            coords = coords.iter().flat_map(|&x| [x, 0.0]).collect();
        }
        Ok(Projection {
            n: m.n,
            coords,
            explained_variance_ratio: pca.explained_variance_ratio,
        })
    }
}

fn merge_into(slot: &mut Option<Table>, table: Table) {
    match slot {
        None => *slot = Some(table),
        Some(existing) => {
            for col in table.columns {
                let mut name = col.name;
                while existing.column(&name).is_some() {
                    name.push('\'');
                }
                existing.columns.push(rosetta_io::Column {
                    name,
                    values: col.values,
                });
            }
        }
    }
}

fn collection_name(files: &[String]) -> String {
    let first = files.first().map_or("collection", |s| s.as_str());
    let stem = first.rsplit('/').next().unwrap_or(first);
    match files.len() {
        0 | 1 => stem.to_owned(),
        n => format!("{stem} + {}", n - 1),
    }
}

/// The page's view of a collection.
pub fn info(c: &StoredCollection) -> CollectionInfo {
    CollectionInfo {
        id: c.id,
        name: c.name.clone(),
        n: c.n,
        spaces: c
            .spaces
            .iter()
            .map(|s| SpaceInfo {
                id: s.id,
                name: s.name.clone(),
                n: s.matrix.n,
                d: s.matrix.d,
                dtype: s.dtype.clone(),
            })
            .collect(),
        metadata: c
            .metadata
            .iter()
            .flat_map(|t| &t.columns)
            .map(|col| MetaColumn {
                name: col.name.clone(),
                values: col.values.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosetta_io::parse_file;

    fn npy(rows: usize, cols: usize) -> Vec<u8> {
        let values: Vec<f32> = (0..rows * cols).map(|i| ((i * 31) % 17) as f32).collect();
        rosetta_io::npy::write_f32(rows, cols, &values)
    }

    fn file(name: &str, bytes: &[u8]) -> (String, Result<Parsed, LoadError>) {
        (name.to_owned(), parse_file(name, bytes))
    }

    #[test]
    fn same_count_joins_the_collection_on_screen() {
        let mut s = Store::default();
        let a = s.load(
            vec![file("a.npy", &npy(10, 3)), file("b.npy", &npy(10, 5))],
            None,
        );
        let c = a.collection.unwrap();
        assert_eq!(c.spaces.len(), 2);
        let b = s.load(vec![file("c.npy", &npy(10, 4))], Some(c.id));
        assert_eq!(b.collection.unwrap().id, c.id);
        assert_eq!(s.collections.len(), 1);
        assert_eq!(s.collections[0].spaces.len(), 3);
    }

    #[test]
    fn different_count_starts_a_new_collection() {
        let mut s = Store::default();
        let a = s
            .load(vec![file("a.npy", &npy(10, 3))], None)
            .collection
            .unwrap();
        let b = s
            .load(vec![file("b.npy", &npy(12, 3))], Some(a.id))
            .collection
            .unwrap();
        assert_ne!(a.id, b.id);
        assert_eq!(s.collections.len(), 2);
        assert_eq!(s.collections[0].spaces.len(), 1);
    }

    #[test]
    fn corrupt_file_is_reported_and_the_rest_loads() {
        let mut s = Store::default();
        let out = s.load(
            vec![
                file("a.npy", &npy(10, 3)),
                file("bad.npy", b"\x93NUMPYgarbage"),
            ],
            None,
        );
        assert_eq!(out.errors.len(), 1);
        assert!(out.errors[0].starts_with("bad.npy:"), "{}", out.errors[0]);
        assert_eq!(out.collection.unwrap().spaces.len(), 1);
    }

    #[test]
    fn metadata_alone_attaches_when_counts_match() {
        let mut s = Store::default();
        let c = s
            .load(vec![file("a.npy", &npy(2, 3))], None)
            .collection
            .unwrap();
        let bad = s.load(vec![file("metadata.tsv", b"x\ny\nz\n")], Some(c.id));
        assert!(
            bad.errors[0].contains("3 rows") && bad.errors[0].contains("2 items"),
            "{:?}",
            bad.errors
        );
        let good = s.load(vec![file("metadata.tsv", b"x\ny\n")], Some(c.id));
        assert!(good.errors.is_empty());
        assert_eq!(good.collection.unwrap().metadata[0].values, vec!["x", "y"]);
    }

    #[test]
    fn projection_has_one_point_per_item() {
        let mut s = Store::default();
        let out = s.load(vec![file("a.npy", &npy(50, 6))], None);
        let p = s.project(out.added[0]).unwrap();
        assert_eq!(p.n, 50);
        assert_eq!(p.coords.len(), 100);
        assert!(p.explained_variance_ratio[0] >= p.explained_variance_ratio[1]);
    }
}
