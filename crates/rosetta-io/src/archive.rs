//! Containers: `.npz` (a zip of `.npy` arrays, each 2-D array a space named `file:key`) and `.gz`
//! (any text format, decompressed then parsed by its inner name). Decompression is capped so a
//! small file cannot expand beyond the memory budget.

use std::io::Read;

use crate::error::{Location, ParseError, Problem};
use crate::types::Parsed;

/// Largest decompressed size accepted (the same budget as a loaded file).
pub const MAX_EXPANDED_BYTES: u64 = crate::MAX_FILE_BYTES;

pub fn parse_npz(name: &str, bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(Problem::Empty.into());
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        ParseError::new(Problem::BadMagic {
            format: ".npz",
            why: format!("not a readable zip archive ({e})"),
        })
    })?;
    let mut spaces = Vec::new();
    let mut skipped = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| {
            ParseError::at(
                Location::Field(format!("entry {}", i + 1)),
                Problem::Unrecognised(e.to_string()),
            )
        })?;
        let key = match entry.name().trim_end_matches(".npy") {
            "" => format!("entry {}", i + 1),
            n => n.to_owned(),
        };
        total += entry.size();
        if total > MAX_EXPANDED_BYTES {
            return Err(ParseError::at(
                Location::Field(key),
                Problem::TooLarge {
                    size_bytes: total,
                    limit_bytes: MAX_EXPANDED_BYTES,
                },
            ));
        }
        let mut data = Vec::with_capacity(entry.size().min(MAX_EXPANDED_BYTES) as usize);
        entry
            .by_ref()
            .take(MAX_EXPANDED_BYTES)
            .read_to_end(&mut data)
            .map_err(|e| {
                ParseError::at(
                    Location::Field(key.clone()),
                    Problem::Unrecognised(format!("cannot be decompressed: {e}")),
                )
            })?;
        let header = crate::npy::parse_header(&data).map_err(|e| at_key(e, &key))?;
        if header.shape.len() != 2 {
            skipped.push(format!("{key} (shape {:?})", header.shape));
            continue;
        }
        let mut space =
            crate::npy::parse(&format!("{name}:{key}"), &data).map_err(|e| at_key(e, &key))?;
        space.name = format!("{name}:{key}");
        spaces.push(space);
    }
    if spaces.is_empty() {
        return Err(Problem::Unrecognised(format!(
            "no 2-D array in the archive{}",
            if skipped.is_empty() {
                String::new()
            } else {
                format!(" (found {})", skipped.join(", "))
            }
        ))
        .into());
    }
    Ok(Parsed {
        spaces,
        metadata: None,
    })
}

fn at_key(e: ParseError, key: &str) -> ParseError {
    ParseError {
        at: Some(Location::Field(match e.at {
            Some(at) => format!("{key}, {at}"),
            None => key.to_owned(),
        })),
        problem: e.problem,
    }
}

/// Decompress a gzip file (concatenated members allowed).
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, ParseError> {
    if bytes.is_empty() {
        return Err(Problem::Empty.into());
    }
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(Problem::BadMagic {
            format: "gzip",
            why: "it does not start with the gzip signature 1f 8b".into(),
        }
        .into());
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_EXPANDED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            ParseError::new(Problem::Unrecognised(format!(
                "the gzip data is damaged: {e}"
            )))
        })?;
    if out.len() as u64 > MAX_EXPANDED_BYTES {
        return Err(Problem::TooLarge {
            size_bytes: out.len() as u64,
            limit_bytes: MAX_EXPANDED_BYTES,
        }
        .into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn npz_arrays_become_spaces() {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file("a.npy", opts).unwrap();
            z.write_all(&crate::npy::write_f32(2, 2, &[1., 2., 3., 4.]))
                .unwrap();
            z.start_file("b.npy", opts).unwrap();
            z.write_all(&crate::npy::write_f32(2, 1, &[5., 6.]))
                .unwrap();
            z.finish().unwrap();
        }
        let p = parse_npz("x.npz", buf.get_ref()).unwrap();
        assert_eq!(p.spaces.len(), 2);
        assert_eq!(p.spaces[0].name, "x.npz:a");
        assert_eq!(p.spaces[1].vectors.values, vec![5., 6.]);
    }

    #[test]
    fn gzip_round_trip_and_bad_magic() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"1\t2\n").unwrap();
        assert_eq!(gunzip(&e.finish().unwrap()).unwrap(), b"1\t2\n");
        assert!(matches!(
            gunzip(b"not gzip").unwrap_err().problem,
            Problem::BadMagic { .. }
        ));
    }
}
