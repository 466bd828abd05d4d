//! The subcommands. Each returns its output text, or the message the browser would show.

pub mod compare;
pub mod project;

use std::path::Path;

use rosetta_core::{MatView, Matrix, PcaParams};
use rosetta_io::{parse_file, Parsed};
use serde::Serialize;
use serde_json::json;

/// `rosetta pca` output; f32 coordinates print in their shortest f32 form.
#[derive(Serialize)]
struct PcaOut<'a> {
    explained_variance_ratio: &'a [f64],
    explained_variance: &'a [f64],
    singular_values: &'a [f64],
    coords: Vec<&'a [f32]>,
    /// The 2-D map's scores, as the page shows them (absent for a map of fewer than 2 columns or
    /// fewer than 21 items).
    quality: Option<QualityOut>,
}

#[derive(Serialize)]
pub struct QualityOut {
    trustworthiness10: f64,
    knn_preservation10: f64,
    items: usize,
}

impl From<rosetta_core::projections::quality::MapQuality> for QualityOut {
    fn from(q: rosetta_core::projections::quality::MapQuality) -> Self {
        Self {
            trustworthiness10: q.trustworthiness,
            knn_preservation10: q.knn_preservation,
            items: q.items,
        }
    }
}

/// Read and parse one file; errors read exactly as in the browser (`name: place: problem`).
pub fn load(path: &Path) -> Result<(String, Parsed), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: could not be read: {e}"))?;
    let parsed = parse_file(&name, &bytes).map_err(|e| e.to_string())?;
    Ok((name, parsed))
}

/// Read files and what projector configs among them name (relative to the config's folder),
/// then parse them as one drop would be parsed in the page.
pub fn load_all(
    paths: &[std::path::PathBuf],
    choice: &rosetta_io::ColumnChoice,
) -> Result<Vec<(String, Parsed)>, String> {
    let mut inputs = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path).map_err(|e| format!("{name}: could not be read: {e}"))?;
        if rosetta_io::detect(&name, &bytes) == Ok(rosetta_io::FileKind::ProjectorConfig) {
            if let Ok(tensors) = rosetta_io::projector::parse_config(&bytes) {
                let dir = path.parent().unwrap_or_else(|| Path::new("."));
                for p in tensors
                    .iter()
                    .flat_map(|t| std::iter::once(&t.tensor_path).chain(&t.metadata_path))
                {
                    let named = rosetta_io::file_name(p).to_owned();
                    if let Ok(b) =
                        std::fs::read(dir.join(p)).or_else(|_| std::fs::read(dir.join(&named)))
                    {
                        inputs.push((named, b));
                    }
                }
            }
        }
        inputs.push((name, bytes));
    }
    rosetta_io::parse_files_with(inputs, choice)
        .into_iter()
        .map(|(n, r)| r.map(|p| (n, p)).map_err(|e| e.to_string()))
        .collect()
}

pub fn info(
    files: &[std::path::PathBuf],
    as_json: bool,
    choice: &rosetta_io::ColumnChoice,
) -> Result<String, String> {
    let mut rows = Vec::new();
    for (file, parsed) in load_all(files, choice)? {
        // Each file as the page takes it alone: rows with NaN/Inf dropped (with a warning), a file
        // without a usable row refused.
        let group =
            rosetta_io::group_files(vec![(file.clone(), parsed)]).map_err(|e| e.to_string())?;
        for w in &group.warnings {
            eprintln!("rosetta: warning: {w}");
        }
        let parsed = Parsed {
            spaces: group.spaces,
            metadata: group.metadata,
        };
        let metadata: Vec<String> = parsed
            .metadata
            .as_ref()
            .map(|t| t.column_names())
            .unwrap_or_default();
        if parsed.spaces.is_empty() {
            rows.push(json!({
                "file": file, "name": file, "n": parsed.metadata.as_ref().map_or(0, |t| t.rows()),
                "dim": 0, "dtype": "metadata", "metadata": metadata,
            }));
        }
        for s in &parsed.spaces {
            rows.push(json!({
                "file": file, "name": s.name, "n": s.vectors.rows, "dim": s.vectors.cols,
                "dtype": s.dtype, "metadata": metadata,
            }));
        }
    }
    if as_json {
        return serde_json::to_string_pretty(&rows).map_err(|e| e.to_string());
    }
    let mut out = format!(
        "{:<40} {:>10} {:>6}  {:<10} metadata\n",
        "space", "n", "dim", "dtype"
    );
    for r in &rows {
        out.push_str(&format!(
            "{:<40} {:>10} {:>6}  {:<10} {}\n",
            r["name"].as_str().unwrap_or(""),
            r["n"].as_u64().unwrap_or(0),
            r["dim"].as_u64().unwrap_or(0),
            r["dtype"].as_str().unwrap_or(""),
            r["metadata"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ));
    }
    Ok(out.trim_end().to_owned())
}

/// The first embedding space of a file as a matrix, with the file's name for messages.
pub fn load_first(path: &Path) -> Result<(String, Matrix), String> {
    let (file, parsed) = load(path)?;
    let space = parsed
        .spaces
        .into_iter()
        .next()
        .ok_or_else(|| format!("{file}: holds no embedding space"))?;
    let v = space.vectors;
    MatView::new(&v.values, v.rows, v.cols).map_err(|e| format!("{file}: {e}"))?;
    let m = Matrix {
        data: v.values,
        n: v.rows,
        d: v.cols,
    };
    Ok((file, m))
}

pub fn pca(path: &Path, components: usize) -> Result<String, String> {
    let (file, m) = load_first(path)?;
    let view = m.view();
    let fitted = PcaParams::new(components)
        .fit(view)
        .map_err(|e| format!("{file}: PCA: {e}"))?;
    let coords = fitted
        .transform(view, 2)
        .map_err(|e| format!("{file}: {e}"))?;
    let k = fitted.n_components().min(2);
    let quality = MatView::new(&coords, m.n, k)
        .ok()
        .filter(|_| k == 2)
        .and_then(|map| rosetta_engine::maps::score(view, map).ok())
        .map(QualityOut::from);
    let out = PcaOut {
        explained_variance_ratio: &fitted.explained_variance_ratio,
        explained_variance: &fitted.explained_variance,
        singular_values: &fitted.singular_values,
        coords: coords.chunks(k.max(1)).collect(),
        quality,
    };
    serde_json::to_string(&out).map_err(|e| e.to_string())
}
