//! Bytes in, embedding spaces and metadata out.
//!
//! Every parser takes a file name (for messages and format detection) and its bytes, never a path,
//! and returns a [`LoadError`] naming the file, the place and the problem instead of panicking.
//! No web dependency: the same code runs in the browser's worker, in the native CLI and in tests.

mod error;
mod group;
pub mod npy;
pub mod tsv;
mod types;

pub use error::{LoadError, Location, ParseError, Problem};
pub use group::{group_files, Group};
pub use types::{Column, Dense, NamedSpace, Parsed, Table};

/// What a file holds, decided from its name (and, where names are ambiguous, its first bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Npy,
    VectorsTsv,
    MetadataTsv,
}

/// Decide the format of a file from its name and first bytes.
pub fn detect(name: &str, head: &[u8]) -> Result<FileKind, Problem> {
    let lower = name.to_ascii_lowercase();
    if head.starts_with(b"\x93NUMPY") || lower.ends_with(".npy") {
        return Ok(FileKind::Npy);
    }
    if lower.ends_with(".tsv") || lower.ends_with(".txt") {
        let stem = lower.rsplit('/').next().unwrap_or(&lower);
        return Ok(if stem.contains("meta") || stem.contains("label") {
            FileKind::MetadataTsv
        } else {
            FileKind::VectorsTsv
        });
    }
    Err(Problem::Unrecognised(format!(
        "unknown file type '{}': expected .npy, vectors .tsv or metadata .tsv",
        lower.rsplit_once('.').map_or("", |(_, ext)| ext)
    )))
}

/// Parse one file. `name` is used for format detection, space names and messages.
pub fn parse_file(name: &str, bytes: &[u8]) -> Result<Parsed, LoadError> {
    let kind = detect(name, &bytes[..bytes.len().min(16)])
        .map_err(|p| ParseError::new(p).in_file(name))?;
    let parsed = match kind {
        FileKind::Npy => npy::parse(name, bytes).map(|space| Parsed {
            spaces: vec![space],
            metadata: None,
        }),
        FileKind::VectorsTsv => tsv::parse_vectors(bytes).map(|vectors| Parsed {
            spaces: vec![NamedSpace {
                name: name.to_owned(),
                vectors,
                dtype: "float32".into(),
            }],
            metadata: None,
        }),
        FileKind::MetadataTsv => tsv::parse_metadata(bytes).map(|table| Parsed {
            spaces: Vec::new(),
            metadata: Some(table),
        }),
    };
    parsed.map_err(|e| e.in_file(name))
}
