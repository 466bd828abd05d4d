//! Where an iterative map (UMAP, t-SNE) starts: the space's first two principal coordinates,
//! computed so that every platform gets the same bits.

use crate::error::CoreError;
use crate::matrix::MatView;

/// Fewest items an iterative map (UMAP, t-SNE) is made of.
pub const MIN_ITEMS: usize = 4;

/// Each principal axis is rounded to this grid before projecting: the platforms' eigensolvers
/// (SIMD widths differ) disagree around 10⁻¹², far below it.
const AXIS_GRID: f64 = 4096.0;

/// `x`'s centred rows projected on its first two principal axes (`components`, k × D
/// row-major, as [`crate::Pca::components`]; a 1-D space's one axis is padded with zeros),
/// rounded to 2⁻¹², in f64 one row after another: n × 2 interleaved, the same natively and in
/// wasm.
pub fn principal_coords(x: MatView<'_>, components: &[f64]) -> Result<Vec<f32>, CoreError> {
    let d = x.d();
    if d == 0 || components.len() < d {
        return Err(CoreError::InvalidParameter(
            "the initial layout needs a principal axis".into(),
        ));
    }
    let mut axes: Vec<f64> = components[..(2 * d).min(components.len())]
        .iter()
        .map(|c| (c * AXIS_GRID).round() / AXIS_GRID)
        .collect();
    axes.resize(2 * d, 0.0);
    let mean = x.column_means();
    let mut coords = Vec::with_capacity(2 * x.n());
    for i in 0..x.n() {
        for axis in axes.chunks_exact(d) {
            let mut s = 0.0f64;
            for ((&v, &m), &c) in x.row(i).iter().zip(&mean).zip(axis) {
                s += (f64::from(v) - m) * c;
            }
            coords.push(s as f32);
        }
    }
    Ok(coords)
}
