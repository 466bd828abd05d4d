//! The TensorBoard projector's `projector_config.json`: a list of tensors, each a headerless
//! `vectors.tsv` or raw little-endian float32 `.bytes` (shape from `tensorShape`), with an
//! optional `metadata.tsv`. The caller resolves the paths (dropped files by name, or URLs).

use serde_json::Value;

use crate::error::{Location, ParseError, Problem};
use crate::types::{Dense, NamedSpace, Parsed};

/// One tensor of a projector config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectorTensor {
    pub name: String,
    pub shape: Option<[usize; 2]>,
    pub tensor_path: String,
    pub metadata_path: Option<String>,
}

pub fn parse_config(bytes: &[u8]) -> Result<Vec<ProjectorTensor>, ParseError> {
    let text = crate::tsv::utf8(bytes)?;
    let v: Value = serde_json::from_str(text).map_err(|e| {
        ParseError::at(
            Location::Line(e.line()),
            Problem::Unrecognised(format!("not JSON: {e}")),
        )
    })?;
    let list = v
        .get("embeddings")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ParseError::at(
                Location::Field("embeddings".into()),
                Problem::Unrecognised("missing or not a list".into()),
            )
        })?;
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let field = |k: &str| Location::Field(format!("embeddings[{i}].{k}"));
        let tensor_path = e
            .get("tensorPath")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ParseError::at(field("tensorPath"), Problem::Unrecognised("missing".into()))
            })?
            .to_owned();
        let shape = match e.get("tensorShape") {
            None | Some(Value::Null) => None,
            Some(Value::Array(s)) if s.len() == 2 => match (s[0].as_u64(), s[1].as_u64()) {
                (Some(n), Some(d)) => Some([n as usize, d as usize]),
                _ => {
                    return Err(ParseError::at(
                        field("tensorShape"),
                        Problem::Unrecognised("expected [rows, dims]".into()),
                    ))
                }
            },
            Some(_) => {
                return Err(ParseError::at(
                    field("tensorShape"),
                    Problem::Unrecognised("expected [rows, dims]".into()),
                ))
            }
        };
        out.push(ProjectorTensor {
            name: e
                .get("tensorName")
                .and_then(Value::as_str)
                .map_or_else(|| crate::file_name(&tensor_path).to_owned(), str::to_owned),
            shape,
            tensor_path,
            metadata_path: e
                .get("metadataPath")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    if out.is_empty() {
        return Err(ParseError::at(
            Location::Field("embeddings".into()),
            Problem::Unrecognised("the list is empty".into()),
        ));
    }
    Ok(out)
}

/// Load one tensor from its file (and metadata file) bytes.
pub fn load_tensor(
    t: &ProjectorTensor,
    tensor_file: &str,
    tensor: &[u8],
    metadata: Option<&[u8]>,
) -> Result<Parsed, crate::LoadError> {
    let vectors = if tensor_file.to_ascii_lowercase().ends_with(".bytes") {
        raw_f32(t, tensor).map_err(|e| e.in_file(tensor_file))?
    } else {
        let d = crate::tsv::parse_vectors(tensor, b'\t').map_err(|e| e.in_file(tensor_file))?;
        if let Some([n, dim]) = t.shape {
            if (d.rows, d.cols) != (n, dim) {
                return Err(ParseError::new(Problem::Unrecognised(format!(
                    "has {} × {} values but projector_config.json says tensorShape [{n}, {dim}]",
                    d.rows, d.cols
                )))
                .in_file(tensor_file));
            }
        }
        d
    };
    let metadata = match (metadata, &t.metadata_path) {
        (Some(bytes), Some(path)) => {
            Some(crate::tsv::parse_metadata(bytes).map_err(|e| e.in_file(crate::file_name(path)))?)
        }
        _ => None,
    };
    Ok(Parsed {
        spaces: vec![NamedSpace {
            name: t.name.clone(),
            vectors,
            dtype: "float32".into(),
        }],
        metadata,
    })
}

fn raw_f32(t: &ProjectorTensor, bytes: &[u8]) -> Result<Dense, ParseError> {
    let Some([n, d]) = t.shape else {
        return Err(Problem::Unrecognised(
            "a .bytes tensor needs tensorShape in projector_config.json".into(),
        )
        .into());
    };
    let expected = (n as u64) * (d as u64) * 4;
    if bytes.len() as u64 != expected {
        return Err(Problem::Unrecognised(format!(
            "holds {} bytes but tensorShape [{n}, {d}] needs {expected} (float32)",
            bytes.len()
        ))
        .into());
    }
    if n == 0 || d == 0 {
        return Err(Problem::NoData(format!("({n}, {d})")).into());
    }
    Ok(Dense {
        rows: n,
        cols: d,
        values: crate::npy::convert(crate::npy::Dtype::F32, false, bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_bytes_tensor() {
        let cfg = br#"{"embeddings": [{"tensorName": "words", "tensorShape": [2, 2], "tensorPath": "dir/t.bytes", "metadataPath": "m.tsv"}]}"#;
        let t = parse_config(cfg).unwrap();
        assert_eq!(t[0].name, "words");
        let bytes: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let p = load_tensor(&t[0], "t.bytes", &bytes, Some(b"a\nb\n")).unwrap();
        assert_eq!(p.spaces[0].vectors.values, vec![1., 2., 3., 4.]);
        assert_eq!(p.metadata.unwrap().rows(), 2);
        let e = load_tensor(&t[0], "t.bytes", &bytes[..12], None).unwrap_err();
        assert!(e.to_string().starts_with("t.bytes: holds 12 bytes"), "{e}");
    }
}
