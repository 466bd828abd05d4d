//! NumPy `.npy` (format versions 1–3): float16/32/64 and integer dtypes, C and Fortran order, either
//! byte order. Hand-written rather than npyz: npyz multiplies the shape unchecked (a hostile header
//! panics in debug builds) and allocates the declared header length before checking the file size;
//! the bulk conversion here is a straight slice loop that runs at memory speed.

use crate::error::{Location, ParseError, Problem};
use crate::types::{Dense, NamedSpace};

const MAGIC: &[u8] = b"\x93NUMPY";

/// Element type of the array as declared by `descr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    F16,
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl Dtype {
    pub fn size_bytes(self) -> usize {
        match self {
            Dtype::I8 | Dtype::U8 => 1,
            Dtype::F16 | Dtype::I16 | Dtype::U16 => 2,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dtype::F16 => "float16",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
            Dtype::I8 => "int8",
            Dtype::I16 => "int16",
            Dtype::I32 => "int32",
            Dtype::I64 => "int64",
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::U32 => "uint32",
            Dtype::U64 => "uint64",
        }
    }
}

/// The parsed header of an `.npy` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    pub dtype: Dtype,
    pub big_endian: bool,
    pub fortran_order: bool,
    pub shape: Vec<u64>,
    /// Offset of the first data byte.
    pub data_offset: usize,
}

/// Parse the header; `bytes` needs to hold only the header (the data may follow or not).
pub fn parse_header(bytes: &[u8]) -> Result<NpyHeader, ParseError> {
    if bytes.is_empty() {
        return Err(Problem::Empty.into());
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad_magic("it does not start with \\x93NUMPY"));
    }
    let (major, len_bytes) = match bytes.get(6..8) {
        Some([1, _]) => (1, 2usize),
        Some([2, _]) | Some([3, _]) => (bytes[6], 4usize),
        Some([v, _]) => return Err(bad_header(format!("unknown format version {v}"))),
        _ => return Err(truncated(10, bytes.len())),
    };
    let text_start = 8 + len_bytes;
    let Some(len_field) = bytes.get(8..text_start) else {
        return Err(truncated(text_start as u64, bytes.len()));
    };
    let header_len = len_field
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let Some(text) = text_start
        .checked_add(header_len)
        .and_then(|end| bytes.get(text_start..end))
    else {
        return Err(ParseError::at(
            Location::Field("header".into()),
            Problem::Truncated {
                expected: (text_start + header_len) as u64,
                found: bytes.len() as u64,
            },
        ));
    };
    let text = if major >= 3 {
        std::str::from_utf8(text).map_err(|_| bad_header("the header is not UTF-8".into()))?
    } else {
        std::str::from_utf8(text).map_err(|_| bad_header("the header is not ASCII".into()))?
    };
    let (descr, fortran_order, shape) = parse_dict(text)?;
    let (dtype, big_endian) = parse_descr(&descr)?;
    Ok(NpyHeader {
        dtype,
        big_endian,
        fortran_order,
        shape,
        data_offset: text_start + header_len,
    })
}

/// Parse a whole `.npy` file into one space.
pub fn parse(name: &str, bytes: &[u8]) -> Result<NamedSpace, ParseError> {
    let header = parse_header(bytes)?;
    let vectors = read_data(&header, &bytes[header.data_offset..])?;
    Ok(NamedSpace {
        name: name.to_owned(),
        vectors,
        dtype: header.dtype.name().to_owned(),
    })
}

/// Convert the data section (everything after the header) into a row-major f32 matrix.
pub fn read_data(header: &NpyHeader, data: &[u8]) -> Result<Dense, ParseError> {
    let shape_text = shape_text(&header.shape);
    let (rows, cols) = match header.shape.as_slice() {
        [r, c] => (*r, *c),
        _ => return Err(Problem::WrongRank(shape_text).into()),
    };
    if rows == 0 || cols == 0 {
        return Err(Problem::NoData(shape_text).into());
    }
    let count = rows
        .checked_mul(cols)
        .ok_or_else(|| bad_header(format!("shape {shape_text} is too large")))?;
    let expected = count
        .checked_mul(header.dtype.size_bytes() as u64)
        .ok_or_else(|| bad_header(format!("shape {shape_text} is too large")))?;
    if (data.len() as u64) < expected {
        return Err(truncated(expected, data.len()));
    }
    let (rows, cols) = (rows as usize, cols as usize);
    let data = &data[..expected as usize];
    let values = convert(header.dtype, header.big_endian, data);
    let values = if header.fortran_order {
        fortran_to_row_major(&values, rows, cols)
    } else {
        values
    };
    Ok(Dense { rows, cols, values })
}

/// Bytes of one dtype → f32, element by element (a straight loop the compiler vectorises).
pub fn convert(dtype: Dtype, big_endian: bool, data: &[u8]) -> Vec<f32> {
    macro_rules! conv {
        ($n:literal, $f:expr) => {
            data.chunks_exact($n)
                .map(|c| {
                    let mut b = [0u8; $n];
                    b.copy_from_slice(c);
                    if big_endian {
                        b.reverse();
                    }
                    #[allow(clippy::redundant_closure_call)]
                    // reason: the macro passes the converter as a closure
                    $f(b)
                })
                .collect()
        };
    }
    match dtype {
        Dtype::F32 if !big_endian => data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F32 => conv!(4, f32::from_le_bytes),
        Dtype::F64 => conv!(8, |b| f64::from_le_bytes(b) as f32),
        Dtype::F16 => conv!(2, |b| half::f16::from_le_bytes(b).to_f32()),
        Dtype::I8 => data.iter().map(|&b| f32::from(b as i8)).collect(),
        Dtype::U8 => data.iter().map(|&b| f32::from(b)).collect(),
        Dtype::I16 => conv!(2, |b| f32::from(i16::from_le_bytes(b))),
        Dtype::U16 => conv!(2, |b| f32::from(u16::from_le_bytes(b))),
        Dtype::I32 => conv!(4, |b| i32::from_le_bytes(b) as f32),
        Dtype::U32 => conv!(4, |b| u32::from_le_bytes(b) as f32),
        Dtype::I64 => conv!(8, |b| i64::from_le_bytes(b) as f32),
        Dtype::U64 => conv!(8, |b| u64::from_le_bytes(b) as f32),
    }
}

/// Column-major (Fortran) `rows × cols` → row-major, in cache-sized tiles.
fn fortran_to_row_major(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; src.len()];
    const TILE: usize = 32;
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(cols) {
                    out[r * cols + c] = src[c * rows + r];
                }
            }
        }
    }
    out
}

fn shape_text(shape: &[u64]) -> String {
    let parts: Vec<String> = shape.iter().map(u64::to_string).collect();
    format!("({})", parts.join(", "))
}

fn bad_magic(why: &str) -> ParseError {
    Problem::BadMagic {
        format: ".npy",
        why: why.to_owned(),
    }
    .into()
}

fn bad_header(why: String) -> ParseError {
    ParseError::at(Location::Field("header".into()), Problem::BadHeader(why))
}

fn truncated(expected: u64, found: usize) -> ParseError {
    Problem::Truncated {
        expected,
        found: found as u64,
    }
    .into()
}

/// `'<f4'` → (F32, little endian).
fn parse_descr(descr: &str) -> Result<(Dtype, bool), ParseError> {
    let unsupported = || ParseError::new(Problem::UnsupportedDtype(descr.to_owned()));
    let mut chars = descr.chars();
    let (big_endian, rest) = match chars.next() {
        Some('<') | Some('|') | Some('=') => (false, chars.as_str()),
        Some('>') => (true, chars.as_str()),
        _ => (false, descr),
    };
    let dtype = match rest {
        "f2" | "e" => Dtype::F16,
        "f4" | "f" => Dtype::F32,
        "f8" | "d" => Dtype::F64,
        "i1" | "b" => Dtype::I8,
        "i2" | "h" => Dtype::I16,
        "i4" | "i" => Dtype::I32,
        "i8" | "q" | "l" => Dtype::I64,
        "u1" | "B" => Dtype::U8,
        "u2" | "H" => Dtype::U16,
        "u4" | "I" => Dtype::U32,
        "u8" | "Q" | "L" => Dtype::U64,
        _ => return Err(unsupported()),
    };
    Ok((dtype, big_endian))
}

/// The header is a Python dict literal as written by `repr()`:
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (1797, 64), }`.
fn parse_dict(text: &str) -> Result<(String, bool, Vec<u64>), ParseError> {
    let mut p = DictParser {
        s: text.trim_end_matches(['\n', ' ', '\0']).as_bytes(),
        i: 0,
    };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    p.skip_ws();
    p.expect(b'{')?;
    loop {
        p.skip_ws();
        if p.eat(b'}') {
            break;
        }
        let key = p.string()?;
        p.skip_ws();
        p.expect(b':')?;
        p.skip_ws();
        match key.as_str() {
            "descr" => {
                if p.peek() == Some(b'[') {
                    return Err(Problem::UnsupportedDtype(
                        "a structured dtype (record array)".into(),
                    )
                    .into());
                }
                descr = Some(p.string()?);
            }
            "fortran_order" => fortran = Some(p.boolean()?),
            "shape" => shape = Some(p.tuple()?),
            other => return Err(bad_header(format!("unexpected key '{other}'"))),
        }
        p.skip_ws();
        if !p.eat(b',') {
            p.skip_ws();
            p.expect(b'}')?;
            break;
        }
    }
    let missing = |k: &str| bad_header(format!("the key '{k}' is missing"));
    Ok((
        descr.ok_or_else(|| missing("descr"))?,
        fortran.ok_or_else(|| missing("fortran_order"))?,
        shape.ok_or_else(|| missing("shape"))?,
    ))
}

struct DictParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl DictParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(bad_header(format!(
                "expected '{}' at character {}",
                c as char,
                self.i + 1
            )))
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => {
                return Err(bad_header(format!(
                    "expected a quoted string at character {}",
                    self.i + 1
                )))
            }
        };
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == quote {
                let out = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                self.i += 1;
                return Ok(out);
            }
            self.i += 1;
        }
        Err(bad_header("an unterminated string".into()))
    }

    fn boolean(&mut self) -> Result<bool, ParseError> {
        for (word, value) in [(&b"True"[..], true), (&b"False"[..], false)] {
            if self.s[self.i..].starts_with(word) {
                self.i += word.len();
                return Ok(value);
            }
        }
        Err(bad_header("fortran_order is not True or False".into()))
    }

    fn tuple(&mut self) -> Result<Vec<u64>, ParseError> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(b')') {
                return Ok(dims);
            }
            let start = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            // Python 2 wrote longs as `64L`.
            let digits = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
            let _ = self.eat(b'L');
            let dim: u64 = digits.parse().map_err(|_| {
                bad_header(format!(
                    "the shape has a bad entry at character {}",
                    start + 1
                ))
            })?;
            dims.push(dim);
            self.skip_ws();
            if !self.eat(b',') {
                self.skip_ws();
                self.expect(b')')?;
                return Ok(dims);
            }
        }
    }
}

/// Write a C-order little-endian float32 `.npy` (used by tests, benchmarks and the CLI).
pub fn write_f32(rows: usize, cols: usize, values: &[f32]) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    let mut header_len = dict.len() + 1;
    header_len += (64 - (10 + header_len) % 64) % 64;
    let mut out = Vec::with_capacity(10 + header_len + values.len() * 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(10 + header_len - 1, b' ');
    out.push(b'\n');
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_f32() {
        let bytes = write_f32(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let s = parse("a.npy", &bytes).unwrap();
        assert_eq!((s.vectors.rows, s.vectors.cols), (2, 3));
        assert_eq!(s.vectors.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(s.dtype, "float32");
    }

    #[test]
    fn header_is_64_byte_aligned() {
        let bytes = write_f32(1797, 64, &vec![0.0; 1797 * 64]);
        let h = parse_header(&bytes).unwrap();
        assert_eq!(h.data_offset % 64, 0);
    }

    #[test]
    fn fortran_order_transposes() {
        // logical [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6
        let mut bytes = write_f32(2, 3, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let pos = bytes.windows(5).position(|w| w == b"False").unwrap();
        bytes.splice(pos..pos + 5, b"True ".iter().copied());
        let s = parse("f.npy", &bytes).unwrap();
        assert_eq!(s.vectors.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn descr_variants() {
        assert_eq!(parse_descr("<f2").unwrap(), (Dtype::F16, false));
        assert_eq!(parse_descr(">f8").unwrap(), (Dtype::F64, true));
        assert_eq!(parse_descr("|u1").unwrap(), (Dtype::U8, false));
        assert!(parse_descr("<c8").is_err());
        assert!(parse_descr("|S7").is_err());
    }

    #[test]
    fn hostile_shape_is_an_error_not_a_panic() {
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551615, 18446744073709551615), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        let err = parse("h.npy", &bytes).unwrap_err();
        assert!(matches!(err.problem, Problem::BadHeader(_)), "{err:?}");
    }
}
