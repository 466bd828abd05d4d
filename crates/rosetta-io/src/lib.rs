//! Bytes in, embedding spaces and metadata out.
//!
//! Every parser takes a file name (for messages and format detection) and its bytes, never a path,
//! and returns a [`LoadError`] naming the file, the place and the problem instead of panicking.
//! No web dependency: the same code runs in the browser's worker, in the native CLI and in tests.
//! Formats: `.npy`, `.npz`, `.safetensors`, Parquet, Arrow IPC / Feather v2, TensorBoard projector
//! files (`vectors.tsv`, `metadata.tsv`, `.bytes` + `projector_config.json`), CSV/TSV with a
//! header, JSON / JSON Lines, and `.gz` of any text format.

pub mod archive;
pub mod columnar;
pub mod delimited;
mod error;
mod group;
mod ipc_check;
pub mod json;
pub mod npy;
pub mod projector;
pub mod safetensors;
pub mod tsv;
mod types;

pub use delimited::ColumnChoice;
pub use error::{LoadError, Location, ParseError, Problem};
pub use group::{group_files, merge_tables, Group};
pub use types::{Column, Dense, NamedSpace, Parsed, Table};

/// The largest file (or decompressed content) a tab accepts: loaded vectors are held in wasm32
/// memory (4 GiB at most), and computing on them needs room beside them.
pub const MAX_FILE_BYTES: u64 = 1536 << 20;

/// What a file holds, decided from its name and first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Npy,
    Npz,
    Safetensors,
    Parquet,
    ArrowIpc,
    /// Headerless numbers (TensorBoard's `vectors.tsv`), with this delimiter.
    Vectors(u8),
    /// TensorBoard's `metadata.tsv` (header only when there is more than one column).
    MetadataTsv,
    /// CSV/TSV with a header row, with this delimiter.
    Delimited(u8),
    Json,
    JsonLines,
    Gzip,
    ProjectorConfig,
    /// Raw float32 of a projector config: loaded only through the config.
    ProjectorBytes,
}

/// The last path segment of a name or URL.
pub fn file_name(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    path.rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or(path)
}

/// Decide the format of a file from its name and first bytes (a few KB are enough).
pub fn detect(name: &str, head: &[u8]) -> Result<FileKind, Problem> {
    let lower = file_name(name).to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    if head.starts_with(&[0x1f, 0x8b]) || ext == "gz" {
        return Ok(FileKind::Gzip);
    }
    if head.starts_with(b"\x93NUMPY") || ext == "npy" {
        return Ok(FileKind::Npy);
    }
    if ext == "npz" {
        return Ok(FileKind::Npz);
    }
    if ext == "safetensors" {
        return Ok(FileKind::Safetensors);
    }
    if head.starts_with(b"PAR1") || ext == "parquet" || ext == "pq" {
        return Ok(FileKind::Parquet);
    }
    if head.starts_with(b"ARROW1") || matches!(ext, "arrow" | "feather" | "arrows" | "ipc") {
        return Ok(FileKind::ArrowIpc);
    }
    if ext == "bytes" {
        return Ok(FileKind::ProjectorBytes);
    }
    if ext == "json" {
        return Ok(if lower.contains("projector_config") {
            FileKind::ProjectorConfig
        } else {
            FileKind::Json
        });
    }
    if ext == "jsonl" || ext == "ndjson" {
        return Ok(FileKind::JsonLines);
    }
    if matches!(ext, "tsv" | "txt" | "csv" | "tab") {
        let delimiter = if ext == "csv" { b',' } else { b'\t' };
        let stem = lower.trim_end_matches(&format!(".{ext}")[..]);
        if delimiter == b'\t' && (stem.contains("meta") || stem.contains("label")) {
            return Ok(FileKind::MetadataTsv);
        }
        let text = String::from_utf8_lossy(head);
        let first = text.lines().next().unwrap_or("");
        return Ok(
            if tsv::all_numeric(first, delimiter) || first.trim().is_empty() {
                FileKind::Vectors(delimiter)
            } else {
                FileKind::Delimited(delimiter)
            },
        );
    }
    Err(Problem::Unrecognised(format!(
        "unknown file type '.{ext}': Rosetta reads .npy, .npz, .safetensors, .parquet, .arrow/.feather, \
         .csv, .tsv, .json, .jsonl, projector_config.json (+ .bytes) and .gz of the text formats"
    )))
}

/// Refuse a file before reading it when it cannot fit in a tab.
pub fn check_size(name: &str, size_bytes: u64) -> Result<(), LoadError> {
    if size_bytes > MAX_FILE_BYTES {
        return Err(ParseError::new(Problem::TooLarge {
            size_bytes,
            limit_bytes: MAX_FILE_BYTES,
        })
        .in_file(name));
    }
    Ok(())
}

/// Parse one file with the automatic column choice.
pub fn parse_file(name: &str, bytes: &[u8]) -> Result<Parsed, LoadError> {
    parse_file_with(name, bytes, &ColumnChoice::default())
}

/// Parse one file. `name` is used for format detection, space names and messages.
pub fn parse_file_with(
    name: &str,
    bytes: &[u8],
    choice: &ColumnChoice,
) -> Result<Parsed, LoadError> {
    let base = file_name(name);
    check_size(base, bytes.len() as u64)?;
    let kind = detect(base, &bytes[..bytes.len().min(4096)])
        .map_err(|p| ParseError::new(p).in_file(base))?;
    let parsed = match kind {
        FileKind::Npy => npy::parse(base, bytes).map(|space| Parsed {
            spaces: vec![space],
            metadata: None,
        }),
        FileKind::Npz => archive::parse_npz(base, bytes),
        FileKind::Safetensors => safetensors::parse(base, bytes),
        FileKind::Parquet => columnar::parse_parquet(base, bytes),
        FileKind::ArrowIpc => columnar::parse_arrow_ipc(base, bytes),
        FileKind::Vectors(delimiter) => tsv::parse_vectors(bytes, delimiter).map(|vectors| Parsed {
            spaces: vec![NamedSpace {
                name: base.to_owned(),
                vectors,
                dtype: "float32".into(),
            }],
            metadata: None,
        }),
        FileKind::MetadataTsv => tsv::parse_metadata(bytes).map(|table| Parsed {
            spaces: Vec::new(),
            metadata: Some(table),
        }),
        FileKind::Delimited(delimiter) => delimited::parse(base, bytes, delimiter, choice),
        FileKind::Json => json::parse(base, bytes, false),
        FileKind::JsonLines => json::parse(base, bytes, true),
        FileKind::Gzip => {
            let inner = base
                .strip_suffix(".gz")
                .or_else(|| base.strip_suffix(".GZ"))
                .unwrap_or(base);
            let data = archive::gunzip(bytes).map_err(|e| e.in_file(base))?;
            if inner == base || detect(inner, &data[..data.len().min(16)]) == Ok(FileKind::Gzip) {
                return Err(ParseError::new(Problem::Unrecognised(
                    "a .gz file must be named after what it holds, like vectors.tsv.gz".into(),
                ))
                .in_file(base));
            }
            return match parse_file_with(inner, &data, choice) {
                Ok(mut p) => {
                    for s in &mut p.spaces {
                        if let Some(rest) = s.name.strip_prefix(inner) {
                            s.name = format!("{base}{rest}");
                        }
                    }
                    Ok(p)
                }
                Err(mut e) => {
                    e.file = base.to_owned();
                    Err(e)
                }
            };
        }
        FileKind::ProjectorConfig => Err(ParseError::new(Problem::Unrecognised(
            "a projector config is loaded together with the files it names".into(),
        ))),
        FileKind::ProjectorBytes => Err(ParseError::new(Problem::Unrecognised(
            "raw .bytes tensors have no shape of their own: drop them together with projector_config.json"
                .into(),
        ))),
    };
    parsed.map_err(|e| e.in_file(base))
}

/// Parse the files of one drop: projector configs take the files they name (matched by file
/// name); every other file is parsed on its own. Results keep the input order (a config's
/// tensors in its place).
pub fn parse_files(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Result<Parsed, LoadError>)> {
    parse_files_with(files, &ColumnChoice::default())
}

/// [`parse_files`] with the user's column choice for CSV/TSV tables with a header.
pub fn parse_files_with(
    files: Vec<(String, Vec<u8>)>,
    choice: &ColumnChoice,
) -> Vec<(String, Result<Parsed, LoadError>)> {
    let mut used = vec![false; files.len()];
    let mut out: Vec<(usize, String, Result<Parsed, LoadError>)> = Vec::new();
    for (i, (name, bytes)) in files.iter().enumerate() {
        if detect(name, bytes) != Ok(FileKind::ProjectorConfig) {
            continue;
        }
        used[i] = true;
        let tensors = match projector::parse_config(bytes) {
            Ok(t) => t,
            Err(e) => {
                out.push((i, name.clone(), Err(e.in_file(file_name(name)))));
                continue;
            }
        };
        let find = |path: &str| {
            let want = file_name(path);
            files.iter().position(|(n, _)| file_name(n) == want)
        };
        for t in tensors {
            let Some(ti) = find(&t.tensor_path) else {
                let e = ParseError::new(Problem::Unrecognised(format!(
                    "names '{}' for tensor '{}': drop that file together with the config",
                    t.tensor_path, t.name
                )));
                out.push((i, name.clone(), Err(e.in_file(file_name(name)))));
                continue;
            };
            used[ti] = true;
            let mi = t.metadata_path.as_deref().and_then(find);
            if let Some(m) = mi {
                used[m] = true;
            }
            let result = projector::load_tensor(
                &t,
                file_name(&files[ti].0),
                &files[ti].1,
                mi.map(|m| files[m].1.as_slice()),
            );
            out.push((i, t.name.clone(), result));
        }
    }
    for (i, (name, bytes)) in files.iter().enumerate() {
        if !used[i] {
            out.push((
                i,
                file_name(name).to_owned(),
                parse_file_with(name, bytes, choice),
            ));
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, n, r)| (n, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_name_and_content() {
        assert_eq!(detect("a.npy", b""), Ok(FileKind::Npy));
        assert_eq!(detect("weird", b"\x93NUMPY"), Ok(FileKind::Npy));
        assert_eq!(detect("x.tsv", b"1\t2\n"), Ok(FileKind::Vectors(b'\t')));
        assert_eq!(
            detect("x.tsv", b"a\tb\n1\t2\n"),
            Ok(FileKind::Delimited(b'\t'))
        );
        assert_eq!(detect("metadata.tsv", b"1\n2\n"), Ok(FileKind::MetadataTsv));
        assert_eq!(detect("x.csv", b"id,x\n"), Ok(FileKind::Delimited(b',')));
        assert_eq!(
            detect("d/projector_config.json", b"{"),
            Ok(FileKind::ProjectorConfig)
        );
        assert_eq!(detect("v.tsv.gz", b"\x1f\x8b"), Ok(FileKind::Gzip));
        assert!(detect("model.pt", b"PK").is_err());
    }

    #[test]
    fn two_gigabytes_are_refused_up_front() {
        let e = check_size("huge.npy", 2 << 30).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("huge.npy: 2147483648 bytes") && msg.contains("limit"),
            "{msg}"
        );
    }

    #[test]
    fn projector_drop_resolves_files_by_name() {
        let cfg = br#"{"embeddings": [{"tensorName": "t", "tensorShape": [2, 1], "tensorPath": "oss/t.bytes", "metadataPath": "oss/meta.tsv"}]}"#;
        let bytes: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let out = parse_files(vec![
            ("projector_config.json".into(), cfg.to_vec()),
            ("t.bytes".into(), bytes),
            ("meta.tsv".into(), b"x\ny\n".to_vec()),
        ]);
        assert_eq!(out.len(), 1);
        let p = out[0].1.as_ref().unwrap();
        assert_eq!(p.spaces[0].name, "t");
        assert_eq!(p.metadata.as_ref().unwrap().rows(), 2);
    }
}
