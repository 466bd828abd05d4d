//! Relative representations (Moschella et al., ICLR 2023): each item described by its similarity to
//! a set of anchor items, `rel[i, j] = cos(x_i, a_j)`. Invariant to rotations and rescaling of the
//! space; centring first (an option) also removes a shared offset such as ReLU's non-negativity.

use crate::error::CoreError;
use crate::kernels::linalg::{centred_block, dot_tile_into, norm64, normalized_rows};
use crate::matrix::{MatView, Matrix};

/// How an item is compared with an anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Similarity {
    /// Cosine similarity (the paper's choice).
    Cosine,
    /// Euclidean distance (translation-invariant).
    Euclidean,
    /// Manhattan (L1) distance.
    L1,
    /// Chebyshev (L∞) distance.
    Linf,
}

impl Similarity {
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "cosine" | "cos" => Some(Self::Cosine),
            "euclidean" | "l2" => Some(Self::Euclidean),
            "l1" | "manhattan" => Some(Self::L1),
            "linf" | "l∞" | "chebyshev" => Some(Self::Linf),
            _ => None,
        }
    }

    /// The name `parse` reads back.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cosine => "cosine",
            Self::Euclidean => "euclidean",
            Self::L1 => "l1",
            Self::Linf => "linf",
        }
    }
}

/// Parameters of a relative representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelativeParams {
    pub similarity: Similarity,
    /// Subtract the column means (over all items) before comparing.
    pub center: bool,
}

impl Default for RelativeParams {
    fn default() -> Self {
        Self {
            similarity: Similarity::Cosine,
            center: false,
        }
    }
}

/// Rows per block of the cosine product (and of centring, so no centred N×D copy is made).
const BLOCK: usize = 1024;

/// A relative representation fitted on one space: the anchor vectors (centred, and unit length for
/// cosine) and the column means when centring. It applies to any block of that space's rows, so
/// row blocks can be transformed apart (in a pool of workers) and give the same rows as one pass.
#[derive(Debug, Clone, PartialEq)]
pub struct RelativeBasis {
    similarity: Similarity,
    /// Column means over all items, subtracted from every row first (`center`).
    means: Option<Vec<f64>>,
    /// K × D: unit rows for cosine, the (centred) anchor rows for distances.
    anchors: Matrix,
}

impl RelativeParams {
    /// Fit on `x` with the anchor rows `anchors` (in that order). O(N·D) to centre, else O(K·D).
    pub fn fit(&self, x: MatView<'_>, anchors: &[usize]) -> Result<RelativeBasis, CoreError> {
        let n = x.n();
        if anchors.is_empty() {
            return Err(CoreError::InvalidParameter(
                "at least one anchor is needed".into(),
            ));
        }
        if let Some(&bad) = anchors.iter().find(|&&a| a >= n) {
            return Err(CoreError::InvalidParameter(format!(
                "anchor row {bad} is out of range (N = {n})"
            )));
        }
        let means = self.center.then(|| x.column_means());
        let mut rows = x.gather(anchors);
        if let Some(m) = &means {
            let raw = rows.data;
            rows.data = Vec::new();
            centred_block(
                MatView::new(&raw, anchors.len(), x.d())?,
                m,
                0,
                anchors.len(),
                &mut rows.data,
            );
        }
        let anchors = match self.similarity {
            Similarity::Cosine => normalized_rows(rows.view()),
            _ => rows,
        };
        Ok(RelativeBasis {
            similarity: self.similarity,
            means,
            anchors,
        })
    }
}

impl RelativeBasis {
    /// A basis from its parts (as `parts` gave them, e.g. after a trip to another worker).
    pub fn from_parts(
        similarity: Similarity,
        means: Option<Vec<f64>>,
        anchors: Matrix,
    ) -> Result<Self, CoreError> {
        MatView::new(&anchors.data, anchors.n, anchors.d)?;
        if anchors.n == 0 {
            return Err(CoreError::InvalidParameter(
                "at least one anchor is needed".into(),
            ));
        }
        if means.as_ref().is_some_and(|m| m.len() != anchors.d) {
            return Err(CoreError::InvalidParameter(format!(
                "{} column means for {} columns",
                means.map_or(0, |m| m.len()),
                anchors.d
            )));
        }
        Ok(Self {
            similarity,
            means,
            anchors,
        })
    }

    /// The similarity, the column means (when centring) and the K × D anchor vectors.
    pub fn parts(&self) -> (Similarity, Option<&[f64]>, &Matrix) {
        (self.similarity, self.means.as_deref(), &self.anchors)
    }

    /// Number of anchors (the width of the output).
    pub fn k(&self) -> usize {
        self.anchors.n
    }

    /// The rows' relative representation (rows × K). O(rows·K·D): f32 GEMM blocks for cosine.
    /// Zero vectors have cosine 0.
    pub fn transform(&self, x: MatView<'_>) -> Result<Matrix, CoreError> {
        let (n, d, k) = (x.n(), x.d(), self.anchors.n);
        if d != self.anchors.d {
            return Err(CoreError::InvalidParameter(format!(
                "the rows have {d} columns and the anchors {}",
                self.anchors.d
            )));
        }
        let mut out = vec![0.0f32; n * k];
        let mut centred = Vec::new();
        for r0 in (0..n).step_by(BLOCK) {
            let r1 = (r0 + BLOCK).min(n);
            let block = match &self.means {
                Some(m) => {
                    centred_block(x, m, r0, r1, &mut centred);
                    &centred[..]
                }
                None => &x.data()[r0 * d..r1 * d],
            };
            self.block_into(block, r1 - r0, d, &mut out[r0 * k..r1 * k]);
        }
        Ok(Matrix { data: out, n, d: k })
    }

    fn block_into(&self, block: &[f32], rows: usize, d: usize, out: &mut [f32]) {
        let k = self.anchors.n;
        match self.similarity {
            Similarity::Cosine => {
                // cos(x_i, a_j) = (x_i · â_j) / ‖x_i‖: the product runs on the rows as they are
                // and each output row is scaled after, so no normalised copy is made.
                dot_tile_into(block, rows, &self.anchors.data, k, d, out);
                for (x, row) in block.chunks_exact(d.max(1)).zip(out.chunks_exact_mut(k)) {
                    let norm = norm64(x);
                    let inv = if norm > 0.0 { (1.0 / norm) as f32 } else { 0.0 };
                    row.iter_mut().for_each(|v| *v *= inv);
                }
            }
            sim => {
                for (x, row) in block.chunks_exact(d.max(1)).zip(out.chunks_exact_mut(k)) {
                    for (o, a) in row.iter_mut().zip(self.anchors.data.chunks_exact(d.max(1))) {
                        *o = distance(sim, x, a) as f32;
                    }
                }
            }
        }
    }
}

/// The N×K relative representation of `x` with respect to the anchor rows `anchors` (in that order):
/// `params.fit(x, anchors)?.transform(x)`. O(N·K·D); cosine as f32 GEMM blocks. Zero vectors
/// have cosine 0.
pub fn relative(
    x: MatView<'_>,
    anchors: &[usize],
    params: RelativeParams,
) -> Result<Matrix, CoreError> {
    params.fit(x, anchors)?.transform(x)
}

fn distance(sim: Similarity, a: &[f32], b: &[f32]) -> f64 {
    let diffs = a
        .iter()
        .zip(b)
        .map(|(&p, &q)| (f64::from(p) - f64::from(q)).abs());
    match sim {
        Similarity::Euclidean => diffs.map(|t| t * t).sum::<f64>().sqrt(),
        Similarity::L1 => diffs.sum(),
        Similarity::Linf => diffs.fold(0.0, f64::max),
        Similarity::Cosine => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn anchor_rows_have_cosine_one_with_themselves() {
        let mut r = Rng::new(2);
        let x: Vec<f32> = (0..40 * 6).map(|_| r.normal() as f32).collect();
        let rel = relative(
            MatView::new(&x, 40, 6).unwrap(),
            &[3, 17],
            RelativeParams::default(),
        )
        .unwrap();
        assert_eq!((rel.n, rel.d), (40, 2));
        assert!((rel.row(3)[0] - 1.0).abs() < 1e-6);
        assert!((rel.row(17)[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn distances_to_self_are_zero() {
        let x = vec![1.0f32, 2.0, 4.0, 6.0];
        for sim in [Similarity::Euclidean, Similarity::L1, Similarity::Linf] {
            let p = RelativeParams {
                similarity: sim,
                center: false,
            };
            let rel = relative(MatView::new(&x, 2, 2).unwrap(), &[0], p).unwrap();
            assert_eq!(rel.data[0], 0.0);
        }
        let l1 = relative(
            MatView::new(&x, 2, 2).unwrap(),
            &[0],
            RelativeParams {
                similarity: Similarity::L1,
                center: false,
            },
        )
        .unwrap();
        assert_eq!(l1.data[1], 7.0);
    }

    #[test]
    fn row_blocks_transform_like_one_pass() {
        // What a pool of workers does: fit once, transform row blocks apart, join them.
        let mut r = Rng::new(4);
        let (n, d) = (2600, 7);
        let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32 + 0.5).collect();
        let v = MatView::new(&x, n, d).unwrap();
        for similarity in [Similarity::Cosine, Similarity::Euclidean] {
            for center in [false, true] {
                let p = RelativeParams { similarity, center };
                let whole = relative(v, &[5, 2000, 9], p).unwrap();
                let basis = p.fit(v, &[5, 2000, 9]).unwrap();
                let (sim, means, anchors) = basis.parts();
                let moved =
                    RelativeBasis::from_parts(sim, means.map(<[f64]>::to_vec), anchors.clone())
                        .unwrap();
                let mut joined = Vec::new();
                for (r0, r1) in [(0, 1500), (1500, 1501), (1501, n)] {
                    joined.extend(moved.transform(v.rows(r0, r1)).unwrap().data);
                }
                // Natively faer's kernels may round a row differently by its place in the block.
                assert_eq!(joined.len(), whole.data.len());
                for (a, b) in joined.iter().zip(&whole.data) {
                    let tol = 1e-6 * b.abs().max(1.0);
                    assert!(
                        (a - b).abs() <= tol,
                        "{similarity:?}, centred {center}: {a} {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_basis_checks_its_parts_and_the_rows() {
        let anchors = Matrix {
            data: vec![1.0; 6],
            n: 2,
            d: 3,
        };
        let bad_means = RelativeBasis::from_parts(Similarity::Cosine, Some(vec![0.0]), anchors);
        assert!(bad_means.is_err());
        let x = vec![1.0f32; 8];
        let basis = RelativeParams::default()
            .fit(MatView::new(&x, 4, 2).unwrap(), &[0])
            .unwrap();
        let wrong_width = vec![1.0f32; 9];
        assert!(basis
            .transform(MatView::new(&wrong_width, 3, 3).unwrap())
            .is_err());
    }

    #[test]
    fn out_of_range_anchor_is_an_error() {
        let x = vec![1.0f32; 4];
        assert!(relative(
            MatView::new(&x, 2, 2).unwrap(),
            &[2],
            RelativeParams::default()
        )
        .is_err());
    }
}
