//! A borrowed row-major f32 matrix, and the column statistics everything else starts from.

use crate::error::CoreError;

/// A borrowed row-major `n × d` matrix of f32: row i is item i.
#[derive(Debug, Clone, Copy)]
pub struct MatView<'a> {
    data: &'a [f32],
    n: usize,
    d: usize,
}

impl<'a> MatView<'a> {
    /// Fails when `data.len() != n * d`.
    pub fn new(data: &'a [f32], n: usize, d: usize) -> Result<Self, CoreError> {
        if n.checked_mul(d) != Some(data.len()) {
            return Err(CoreError::Shape {
                rows: n,
                cols: d,
                len: data.len(),
            });
        }
        Ok(Self { data, n, d })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn d(&self) -> usize {
        self.d
    }

    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// Rows `start..end` as a view.
    pub fn rows(&self, start: usize, end: usize) -> MatView<'a> {
        MatView {
            data: &self.data[start * self.d..end * self.d],
            n: end - start,
            d: self.d,
        }
    }

    /// A copy of the given rows, in that order. O(rows·D).
    pub fn gather(&self, rows: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(rows.len() * self.d);
        for &r in rows {
            data.extend_from_slice(self.row(r));
        }
        Matrix {
            data,
            n: rows.len(),
            d: self.d,
        }
    }

    /// Column means, accumulated in f64. O(N·D).
    pub fn column_means(&self) -> Vec<f64> {
        let d = self.d;
        let mut sums = vec![0.0f64; d];
        if d == 0 {
            return sums;
        }
        // Four rows at a time, each sum held in a register across them: the same additions in
        // the same order as one row at a time (row after row), with a quarter of the loads and
        // stores of the sums (in wasm those, not the memory, set this loop's pace).
        let quads = self.data.chunks_exact(4 * d);
        let rest = quads.remainder();
        for quad in quads {
            add_four_rows(&mut sums, quad);
        }
        for row in rest.chunks_exact(d) {
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += f64::from(v);
            }
        }
        let n = self.n.max(1) as f64;
        sums.iter_mut().for_each(|s| *s /= n);
        sums
    }
}

/// `sums[j] = (((sums[j] + q0[j]) + q1[j]) + q2[j]) + q3[j]` for the four rows of `quad`: row
/// after row, as one row at a time adds them. Not inlined: V8 optimises a wasm function only from
/// its next call on, and the page takes the means once (one long call would run unoptimised).
#[inline(never)]
fn add_four_rows(sums: &mut [f64], quad: &[f32]) {
    let d = sums.len();
    let (r0, r) = quad.split_at(d);
    let (r1, r) = r.split_at(d);
    let (r2, r3) = r.split_at(d);
    for ((((s, &a), &b), &c), &e) in sums.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
        *s = *s + f64::from(a) + f64::from(b) + f64::from(c) + f64::from(e);
    }
}

/// An owned row-major f32 matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub data: Vec<f32>,
    pub n: usize,
    pub d: usize,
}

impl Matrix {
    pub fn view(&self) -> MatView<'_> {
        MatView {
            data: &self.data,
            n: self.n,
            d: self.d,
        }
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.d..(i + 1) * self.d]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn column_means_add_row_after_row_to_the_bit() {
        let mut r = Rng::new(3);
        for d in [1, 3, 8] {
            for n in 0..=9 {
                let data: Vec<f32> = (0..n * d).map(|_| (r.normal() * 1e3) as f32).collect();
                let v = MatView::new(&data, n, d).unwrap();
                let mut want = vec![0.0f64; d];
                for i in 0..n {
                    for (s, &x) in want.iter_mut().zip(v.row(i)) {
                        *s += f64::from(x);
                    }
                }
                want.iter_mut().for_each(|s| *s /= n.max(1) as f64);
                let got = v.column_means();
                let bits = |m: &[f64]| m.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "n = {n}, d = {d}");
            }
        }
    }
}
