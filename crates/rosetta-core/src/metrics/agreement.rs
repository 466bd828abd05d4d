//! How far two spaces agree on each item's neighbourhood: mutual-kNN (Huh et al. 2024) and kNN
//! Jaccard, overall and per item (for colouring points by agreement).

use crate::error::CoreError;
use crate::screens::knn::Neighbors;

/// `|NN_X(i) ∩ NN_Y(i)|` for every item. O(N·k).
pub(crate) fn intersections(a: &Neighbors, b: &Neighbors) -> Result<Vec<usize>, CoreError> {
    if a.rows() != b.rows() || a.k != b.k {
        return Err(CoreError::InvalidParameter(format!(
            "neighbour lists differ in shape ({} × {} and {} × {})",
            a.rows(),
            a.k,
            b.rows(),
            b.k
        )));
    }
    let n = a.rows();
    let top = a
        .indices
        .iter()
        .chain(&b.indices)
        .map(|&j| j as usize + 1)
        .max()
        .unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    // A stamp per item avoids clearing a set between rows.
    let mut mark = vec![u32::MAX; top.max(n)];
    for i in 0..n {
        for &j in a.row(i) {
            mark[j as usize] = i as u32;
        }
        out.push(
            b.row(i)
                .iter()
                .filter(|&&j| mark[j as usize] == i as u32)
                .count(),
        );
    }
    Ok(out)
}

/// Per item: overlap / k (the mutual-kNN share).
pub fn overlap_per_item(a: &Neighbors, b: &Neighbors) -> Result<Vec<f64>, CoreError> {
    let k = a.k.max(1) as f64;
    Ok(intersections(a, b)?
        .into_iter()
        .map(|c| c as f64 / k)
        .collect())
}

/// Mutual-kNN@k: `mean_i |NN_X(i) ∩ NN_Y(i)| / k`.
pub fn mutual_knn(a: &Neighbors, b: &Neighbors) -> Result<f64, CoreError> {
    Ok(mean(&overlap_per_item(a, b)?))
}

/// Per item: `|∩| / |∪|` of the two neighbour sets.
pub(crate) fn jaccard_per_item(a: &Neighbors, b: &Neighbors) -> Result<Vec<f64>, CoreError> {
    let k = a.k as f64;
    Ok(intersections(a, b)?
        .into_iter()
        .map(|c| {
            let c = c as f64;
            if k > 0.0 {
                c / (2.0 * k - c)
            } else {
                0.0
            }
        })
        .collect())
}

/// kNN-Jaccard@k: the mean of the per-item Jaccard index.
pub fn jaccard(a: &Neighbors, b: &Neighbors) -> Result<f64, CoreError> {
    Ok(mean(&jaccard_per_item(a, b)?))
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nb(k: usize, rows: &[&[u32]]) -> Neighbors {
        Neighbors {
            k,
            indices: rows.iter().flat_map(|r| r.iter().copied()).collect(),
            scores: vec![0.0; rows.len() * k],
        }
    }

    #[test]
    fn overlap_and_jaccard() {
        let a = nb(2, &[&[1, 2], &[0, 2], &[0, 1]]);
        let b = nb(2, &[&[2, 1], &[2, 3], &[3, 4]]);
        assert_eq!(intersections(&a, &b).unwrap(), vec![2, 1, 0]);
        assert!((mutual_knn(&a, &b).unwrap() - 0.5).abs() < 1e-12);
        let j = jaccard_per_item(&a, &b).unwrap();
        assert_eq!(j, vec![1.0, 1.0 / 3.0, 0.0]);
    }
}
