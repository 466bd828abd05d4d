//! `.safetensors` (Hugging Face): every 2-D F32, F16, BF16 or F64 tensor becomes a space named
//! `file:tensor`. Other tensors are skipped; a file with none usable is refused, naming what it had.

use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors};

use crate::error::{Location, ParseError, Problem};
use crate::types::{Dense, NamedSpace, Parsed};

pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(Problem::Empty.into());
    }
    let st = SafeTensors::deserialize(bytes).map_err(error)?;
    let mut tensors = st.tensors();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let mut spaces = Vec::new();
    let mut skipped = Vec::new();
    for (tensor, view) in tensors {
        let shape = view.shape().to_vec();
        let dtype = view.dtype();
        let usable = matches!(dtype, Dtype::F32 | Dtype::F16 | Dtype::BF16 | Dtype::F64);
        if !usable || shape.len() != 2 || shape[0] == 0 || shape[1] == 0 {
            skipped.push(format!("{tensor} ({dtype:?} {shape:?})"));
            continue;
        }
        let data = view.data();
        let values: Vec<f32> = match dtype {
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Dtype::F16 => data
                .chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            Dtype::BF16 => data
                .chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            _ => data
                .chunks_exact(8)
                .map(|c| {
                    f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32
                })
                .collect(),
        };
        if values.len() != shape[0] * shape[1] {
            return Err(ParseError::at(
                Location::Field(tensor),
                Problem::Truncated {
                    expected: (shape[0] * shape[1]) as u64,
                    found: values.len() as u64,
                },
            ));
        }
        spaces.push(NamedSpace {
            name: format!("{name}:{tensor}"),
            vectors: Dense {
                rows: shape[0],
                cols: shape[1],
                values,
            },
            dtype: format!("{dtype:?}").to_ascii_lowercase(),
        });
    }
    if spaces.is_empty() {
        return Err(Problem::Unrecognised(format!(
            "no 2-D float tensor (F32, F16, BF16, F64) to load; found: {}",
            if skipped.is_empty() {
                "nothing".to_owned()
            } else {
                skipped.join(", ")
            }
        ))
        .into());
    }
    Ok(Parsed {
        spaces,
        metadata: None,
    })
}

fn error(e: SafeTensorError) -> ParseError {
    let problem = match e {
        SafeTensorError::HeaderTooSmall
        | SafeTensorError::HeaderTooLarge
        | SafeTensorError::InvalidHeaderLength => Problem::BadMagic {
            format: ".safetensors",
            why: "the 8-byte header length does not fit the file".into(),
        },
        SafeTensorError::MetadataIncompleteBuffer => Problem::Unrecognised(
            "the file is cut short: the header describes more data than the file holds".into(),
        ),
        SafeTensorError::InvalidTensorView(dtype, shape, len) => Problem::Unrecognised(format!(
            "a {dtype:?} tensor of shape {shape:?} cannot hold {len} bytes"
        )),
        SafeTensorError::TensorInvalidInfo => {
            Problem::Unrecognised("a tensor's byte range does not match its dtype and shape".into())
        }
        other => Problem::BadHeader(other.to_string()),
    };
    ParseError::at(Location::Field("header".into()), problem)
}

/// Write a safetensors file of f32 tensors (tests and benchmarks).
pub fn write_f32(tensors: &[(&str, usize, usize, &[f32])]) -> Vec<u8> {
    let mut header = String::from("{");
    let mut offset = 0usize;
    for (i, (name, r, c, v)) in tensors.iter().enumerate() {
        if i > 0 {
            header.push(',');
        }
        let end = offset + v.len() * 4;
        header.push_str(&format!(
            "\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{r},{c}],\"data_offsets\":[{offset},{end}]}}"
        ));
        offset = end;
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    for (_, _, _, v) in tensors {
        for x in *v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_d_tensors_become_spaces() {
        let bytes = write_f32(&[
            ("emb", 2, 3, &[1., 2., 3., 4., 5., 6.]),
            ("bias", 1, 1, &[0.5]),
        ]);
        let p = parse("m.safetensors", &bytes).unwrap();
        let names: Vec<&str> = p.spaces.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["m.safetensors:bias", "m.safetensors:emb"]);
        assert_eq!(p.spaces[1].vectors.values, vec![1., 2., 3., 4., 5., 6.]);
    }

    #[test]
    fn bf16_with_an_odd_byte_length_is_refused() {
        let header = r#"{"t":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,3]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0, 0, 0]);
        let e = parse("m.safetensors", &bytes).unwrap_err();
        assert!(e.problem.to_string().contains("tensor"), "{e:?}");
    }
}
