//! The worker's data: collections of spaces, owned here so the page never holds the vectors.

use std::rc::Rc;

use rosetta_core::anchors::{select_anchors, AnchorParams, AnchorStrategy};
use rosetta_core::{MatView, Matrix, Metric, Pca, PcaParams};
use rosetta_io::{group_files, LoadError, Parsed, Table};

use crate::protocol::{CollectionId, CollectionInfo, LoadOutcome, MetaColumn, SpaceId, SpaceInfo};
use crate::EngineError;

/// Components kept by the projection (scree, later issues) — the plot uses the first two.
pub const PCA_COMPONENTS: usize = 10;

#[derive(Debug)]
pub struct StoredSpace {
    pub id: SpaceId,
    pub name: String,
    pub dtype: String,
    /// Shared so a kernel split among the pool's helpers can hold it across their answers.
    pub matrix: Rc<Matrix>,
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
                matrix: Rc::new(Matrix {
                    n: space.vectors.rows,
                    d: space.vectors.cols,
                    data: space.vectors.values,
                }),
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

    /// The vectors of space `id` (shared, so a pooled kernel can hold them) and its name.
    pub fn space_matrix(&self, id: SpaceId) -> Result<(Rc<Matrix>, String), EngineError> {
        let space = self.space(id).ok_or(EngineError::NoSpace(id))?;
        Ok((space.matrix.clone(), space.name.clone()))
    }
}

impl Store {
    /// Space `id` drawn in the PCA frame of space `reference` (same items): B is aligned onto A by
    /// orthogonal Procrustes (centred, unit Frobenius norm, zero-padded), brought back to A's scale
    /// and mean, then projected on A's principal axes. O(N·Da·Db + N·Da·k).
    pub fn project_aligned(
        &self,
        id: SpaceId,
        reference: SpaceId,
    ) -> Result<Projection, EngineError> {
        let b = self.space(id).ok_or(EngineError::NoSpace(id))?;
        let a = self
            .space(reference)
            .ok_or(EngineError::NoSpace(reference))?;
        let (ma, mb) = (&a.matrix, &b.matrix);
        let (va, vb) = (ma.view(), mb.view());
        let fit = rosetta_core::align::procrustes::fit_procrustes(vb, va).map_err(|e| {
            EngineError::during(format!("{} onto {}: Procrustes", b.name, a.name), e)
        })?;
        let aligned = fit.align_x(vb);
        let mut in_a = Vec::with_capacity(ma.n * ma.d);
        for row in aligned.data.chunks_exact(aligned.d.max(1)) {
            in_a.extend(
                row[..ma.d]
                    .iter()
                    .zip(&fit.mean_y)
                    .map(|(&v, &mean)| (f64::from(v) * fit.scale_y + mean) as f32),
            );
        }
        let vz = MatView::new(&in_a, ma.n, ma.d)?;
        let pca = PcaParams::new(PCA_COMPONENTS)
            .fit(va)
            .map_err(|e| EngineError::during(format!("{}: PCA", a.name), e))?;
        let mut coords = pca.transform(vz, 2)?;
        if pca.n_components() < 2 {
            coords = coords.iter().flat_map(|&x| [x, 0.0]).collect();
        }
        Ok(Projection {
            n: mb.n,
            coords,
            explained_variance_ratio: pca.explained_variance_ratio,
        })
    }

    /// The k nearest neighbours of `item` in space `id` (itself excluded). O(N·D).
    pub fn neighbors(
        &self,
        id: SpaceId,
        item: u32,
        k: usize,
        metric: Metric,
    ) -> Result<(Vec<u32>, Vec<f64>), EngineError> {
        let space = self.space(id).ok_or(EngineError::NoSpace(id))?;
        let nb = rosetta_core::knn_of(space.matrix.view(), &[item as usize], k, metric)
            .map_err(|e| EngineError::during(format!("{}: neighbours", space.name), e))?;
        Ok((nb.row(0).to_vec(), nb.scores[..nb.k].to_vec()))
    }
}

impl Store {
    fn pair(&self, a: SpaceId, b: SpaceId) -> Result<(&StoredSpace, &StoredSpace), EngineError> {
        let x = self.space(a).ok_or(EngineError::NoSpace(a))?;
        let y = self.space(b).ok_or(EngineError::NoSpace(b))?;
        if x.matrix.n != y.matrix.n {
            return Err(EngineError::NotSameItems {
                a: x.name.clone(),
                na: x.matrix.n,
                b: y.name.clone(),
                nb: y.matrix.n,
            });
        }
        Ok((x, y))
    }

    /// Anchor items of space `id` (seed 0): the same rows serve every space of the collection.
    pub fn anchors(
        &self,
        id: SpaceId,
        k: usize,
        strategy: AnchorStrategy,
        labels: Option<&[String]>,
    ) -> Result<Vec<u32>, EngineError> {
        let s = self.space(id).ok_or(EngineError::NoSpace(id))?;
        let params = AnchorParams {
            strategy,
            k,
            seed: 0,
        };
        let rows = select_anchors(s.matrix.view(), params, labels)?;
        Ok(rows.into_iter().map(|r| r as u32).collect())
    }

    /// Names and vectors of the spaces of a collection, held apart from the store (for
    /// [`crate::shares::cka_matrix`]).
    pub fn collection_matrices(
        &self,
        id: CollectionId,
    ) -> Result<(Vec<String>, Vec<Rc<Matrix>>), EngineError> {
        let c = self.collection(id).ok_or(EngineError::NoCollection(id))?;
        let names = c.spaces.iter().map(|s| s.name.clone()).collect();
        Ok((names, c.spaces.iter().map(|s| s.matrix.clone()).collect()))
    }

    /// The vectors of two spaces of the same items, held apart from the store (for [`crate::analysis::agreement`]).
    pub fn pair_matrices(
        &self,
        a: SpaceId,
        b: SpaceId,
    ) -> Result<(Rc<Matrix>, Rc<Matrix>), EngineError> {
        let (x, y) = self.pair(a, b)?;
        Ok((x.matrix.clone(), y.matrix.clone()))
    }
}

/// The first two PCA coordinates of `m` and the explained-variance ratios.
pub fn projection_with(pca: &Pca, m: &Matrix) -> Result<Projection, EngineError> {
    let mut coords = pca.transform(m.view(), 2)?;
    if pca.n_components() < 2 {
        // A 1-D space: spread it along x, y = 0.
        coords = coords.iter().flat_map(|&x| [x, 0.0]).collect();
    }
    Ok(Projection {
        n: m.n,
        coords,
        explained_variance_ratio: pca.explained_variance_ratio.clone(),
    })
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
mod aligned_tests {
    use super::*;
    use crate::shares::pca_fit;
    use crate::testing::{now, Local};

    /// The projection as the worker makes it (`shares::pca_fit`), here without helpers.
    pub(super) fn project(store: &Store, id: SpaceId) -> Projection {
        let (m, _) = store.space_matrix(id).unwrap();
        let params = PcaParams::new(PCA_COMPONENTS);
        let pca = now(pca_fit(&Local::new(0), m.view(), params, |_, _| {})).unwrap();
        projection_with(&pca, &m).unwrap()
    }

    /// A rotated, rescaled copy of a space lands exactly on the original in aligned mode.
    #[test]
    fn a_rotated_copy_aligns_onto_the_original() {
        let (n, d) = (40, 3);
        let a: Vec<f32> = (0..n * d)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.3 + (i % d) as f32)
            .collect();
        let (c, s) = (0.6f32, 0.8f32);
        let b: Vec<f32> = a
            .chunks(d)
            .flat_map(|r| {
                [
                    2.0 * (c * r[0] - s * r[1]),
                    2.0 * (s * r[0] + c * r[1]),
                    2.0 * r[2],
                    1.0,
                ]
            })
            .collect();
        let mut store = Store::default();
        let parsed = |name: &str, data: Vec<f32>, cols: usize| {
            let vectors = rosetta_io::Dense {
                values: data,
                rows: n,
                cols,
            };
            (
                name.to_owned(),
                Ok(Parsed {
                    spaces: vec![rosetta_io::NamedSpace {
                        name: name.to_owned(),
                        vectors,
                        dtype: "float32".into(),
                    }],
                    metadata: None,
                }),
            )
        };
        let out = store.load(vec![parsed("a.npy", a, d), parsed("b.npy", b, d + 1)], None);
        let ids = out.added;
        let plain = project(&store, ids[0]);
        let aligned = store.project_aligned(ids[1], ids[0]).unwrap();
        for (p, q) in plain.coords.iter().zip(&aligned.coords) {
            assert!((p - q).abs() < 1e-3, "{p} vs {q}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::aligned_tests::project;
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
        let p = project(&s, out.added[0]);
        assert_eq!(p.n, 50);
        assert_eq!(p.coords.len(), 100);
        assert!(p.explained_variance_ratio[0] >= p.explained_variance_ratio[1]);
    }
}
