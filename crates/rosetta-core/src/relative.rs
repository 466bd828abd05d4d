//! Relative representations (Moschella et al., ICLR 2023): each item described by its similarity to
//! a set of anchor items, `rel[i, j] = cos(x_i, a_j)`. Invariant to rotations and rescaling of the
//! space; centring first (an option) also removes a shared offset such as ReLU's non-negativity.

use crate::error::CoreError;
use crate::linalg::{centred, dot_tile_into, norm64, normalized_rows};
use crate::matrix::{MatView, Matrix};

/// How an item is compared with an anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Rows per block of the cosine product.
const BLOCK: usize = 1024;

/// The N×K relative representation of `x` with respect to the anchor rows `anchors` (in that order).
/// Cosine: O(N·K·D) as f32 GEMM blocks; distances: O(N·K·D) direct. Zero vectors have cosine 0.
pub fn relative(
    x: MatView<'_>,
    anchors: &[usize],
    params: RelativeParams,
) -> Result<Matrix, CoreError> {
    let (n, d) = (x.n(), x.d());
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
    let centred_data;
    let x = if params.center {
        centred_data = centred(x);
        centred_data.view()
    } else {
        x
    };
    let k = anchors.len();
    let mut out = Vec::with_capacity(n * k);
    match params.similarity {
        Similarity::Cosine => {
            // cos(x_i, a_j) = (x_i · â_j) / ‖x_i‖: the product runs on the rows as they are and
            // each output row is scaled after, so no normalised N×D copy is made.
            let unit_anchors = normalized_rows(x.gather(anchors).view());
            out.resize(n * k, 0.0);
            for r0 in (0..n).step_by(BLOCK) {
                let r1 = (r0 + BLOCK).min(n);
                let tile = &mut out[r0 * k..r1 * k];
                dot_tile_into(
                    &x.data()[r0 * d..r1 * d],
                    r1 - r0,
                    &unit_anchors.data,
                    k,
                    d,
                    tile,
                );
                for (i, row) in (r0..r1).zip(tile.chunks_exact_mut(k)) {
                    let norm = norm64(x.row(i));
                    let inv = if norm > 0.0 { (1.0 / norm) as f32 } else { 0.0 };
                    row.iter_mut().for_each(|v| *v *= inv);
                }
            }
        }
        sim => {
            for i in 0..n {
                let row = x.row(i);
                for &a in anchors {
                    out.push(distance(sim, row, x.row(a)) as f32);
                }
            }
        }
    }
    Ok(Matrix { data: out, n, d: k })
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
