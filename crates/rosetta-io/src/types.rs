//! What parsers produce: dense f32 matrices and string metadata tables.

/// A row-major `rows × cols` matrix of f32 (every input dtype is converted to f32 storage).
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub rows: usize,
    pub cols: usize,
    pub values: Vec<f32>,
}

impl Dense {
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// 0-based indices of rows holding a NaN or an infinity.
    pub fn non_finite_rows(&self) -> Vec<usize> {
        if self.cols == 0 {
            return Vec::new();
        }
        self.values
            .chunks_exact(self.cols)
            .enumerate()
            .filter(|(_, row)| row.iter().any(|v| !v.is_finite()))
            .map(|(i, _)| i)
            .collect()
    }

    /// Keep only the given rows (ascending 0-based indices), in place.
    pub fn retain_rows(&mut self, keep: &[usize]) {
        let cols = self.cols;
        let mut out = Vec::with_capacity(keep.len() * cols);
        for &i in keep {
            out.extend_from_slice(&self.values[i * cols..(i + 1) * cols]);
        }
        self.values = out;
        self.rows = keep.len();
    }
}

/// One embedding matrix found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSpace {
    /// The file name, or `file:key` when a file holds several arrays.
    pub name: String,
    pub vectors: Dense,
    /// The dtype as stored in the file (`float32`, `float16`, `int64`, …).
    pub dtype: String,
}

/// A metadata column: one string per item, shown as text, never as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub values: Vec<String>,
}

/// Per-item metadata (labels, ids, splits…), column-major.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub columns: Vec<Column>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// Keep only the given rows (ascending 0-based indices).
    pub fn retain_rows(&mut self, keep: &[usize]) {
        for col in &mut self.columns {
            col.values = keep.iter().map(|&i| col.values[i].clone()).collect();
        }
    }
}

/// Everything one file contributed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub spaces: Vec<NamedSpace>,
    pub metadata: Option<Table>,
}
