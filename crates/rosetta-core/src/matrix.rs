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
        let mut sums = vec![0.0f64; self.d];
        if self.d == 0 {
            return sums;
        }
        for row in self.data.chunks_exact(self.d) {
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += f64::from(v);
            }
        }
        let n = self.n.max(1) as f64;
        sums.iter_mut().for_each(|s| *s /= n);
        sums
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
