//! A bounds check of Arrow IPC buffers before `arrow-ipc` reads them. arrow-ipc 60 slices each
//! buffer by the offset and length its metadata claims and *panics* when they lie (found by the
//! fuzz smoke: `Buffer::slice_with_length`); with `panic = "abort"` in the browser a panic is a dead
//! tab, so every message's buffers are checked against its body first. Hand-written because the
//! crate offers no checked path; it reads only the flatbuffer metadata, never the data.
//! Likewise arrow-data 60 panics (`typed_data`) when a fixed-width buffer's length is not a whole
//! number of elements, so those lengths are checked against the schema's layout.

use arrow_data::{layout, BufferSpec};
use arrow_ipc::{root_as_footer, root_as_message};
use arrow_schema::{DataType, Schema};

use crate::error::{Location, ParseError, Problem};

const CONTINUATION: u32 = 0xFFFF_FFFF;

fn corrupt(at: u64, why: impl Into<String>) -> ParseError {
    ParseError::at(
        Location::Byte(at),
        Problem::BadMagic {
            format: "Arrow IPC / Feather v2",
            why: why.into(),
        },
    )
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Read the message at `at` (with or without the continuation marker); check its buffers fit its
/// body. Returns where the next message starts (stream format), or None at an end-of-stream marker.
fn check_message(
    bytes: &[u8],
    at: usize,
    body_limit: Option<u64>,
    schema: &mut Option<Schema>,
) -> Result<Option<usize>, ParseError> {
    let pos = at as u64;
    let mut p = at;
    let mut len = read_u32(bytes, p).ok_or_else(|| corrupt(pos, "a message header is cut off"))?;
    p += 4;
    if len == CONTINUATION {
        len = read_u32(bytes, p).ok_or_else(|| corrupt(pos, "a message header is cut off"))?;
        p += 4;
    }
    let meta_end = p
        .checked_add(len as usize)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            corrupt(
                pos,
                format!("a message claims {len} metadata bytes past the end"),
            )
        })?;
    if len == 0 {
        return Ok(None); // end-of-stream marker
    }
    let message = root_as_message(&bytes[p..meta_end])
        .map_err(|e| corrupt(pos, format!("a message's metadata is corrupt ({e})")))?;
    let body = message.bodyLength();
    if body < 0 || meta_end as u64 + body as u64 > bytes.len() as u64 {
        return Err(corrupt(
            pos,
            format!("a message body of {body} bytes runs past the end of the file"),
        ));
    }
    if let Some(limit) = body_limit {
        if body as u64 > limit {
            return Err(corrupt(pos, "a record batch is longer than its block"));
        }
    }
    if let Some(fb) = message.header_as_schema() {
        *schema = Some(
            arrow_ipc::convert::try_fb_to_schema(fb)
                .map_err(|e| corrupt(pos, format!("the schema is corrupt ({e})")))?,
        );
    }
    let widths = match (message.header_as_record_batch(), schema.as_ref()) {
        (Some(_), Some(schema)) => buffer_widths(schema),
        _ => None,
    };
    if let (Some(batch), Some(schema)) = (message.header_as_record_batch(), schema.as_ref()) {
        check_lengths(batch, schema, body).map_err(|why| corrupt(pos, why))?;
    }
    let batch = message
        .header_as_record_batch()
        .or_else(|| message.header_as_dictionary_batch().and_then(|d| d.data()));
    if let Some(batch) = batch {
        if let Some(widths) = widths {
            let buffers: Vec<i64> = batch
                .buffers()
                .iter()
                .flat_map(|v| v.iter())
                .map(|b| b.length())
                .collect();
            if buffers.len() != widths.len() {
                return Err(corrupt(
                    pos,
                    format!(
                        "a record batch has {} buffers where its schema needs {}",
                        buffers.len(),
                        widths.len()
                    ),
                ));
            }
            for (len, width) in buffers.iter().zip(&widths) {
                if let Some(w) = width {
                    if len % w != 0 {
                        return Err(corrupt(
                            pos,
                            format!("a buffer of {len} bytes does not hold whole {w}-byte values"),
                        ));
                    }
                }
            }
        }
        for b in batch.buffers().iter().flat_map(|v| v.iter()) {
            let (off, len) = (b.offset(), b.length());
            if off < 0 || len < 0 || off.checked_add(len).is_none_or(|end| end > body) {
                return Err(corrupt(
                    pos,
                    format!("a buffer at offset {off} with length {len} lies outside its {body}-byte body"),
                ));
            }
        }
    }
    Ok(Some(meta_end + body as usize))
}

/// Check an Arrow IPC file (`ARROW1` … footer … `ARROW1`).
pub fn check_file(bytes: &[u8]) -> Result<(), ParseError> {
    let n = bytes.len();
    if n < 18 || !bytes.ends_with(b"ARROW1") {
        return Err(corrupt(
            n as u64,
            "the file does not end with the ARROW1 footer marker",
        ));
    }
    let footer_len = read_u32(bytes, n - 10).unwrap_or(0) as usize;
    let footer_start = (n - 10)
        .checked_sub(footer_len)
        .ok_or_else(|| corrupt((n - 10) as u64, "the footer length is larger than the file"))?;
    let footer = root_as_footer(&bytes[footer_start..n - 10])
        .map_err(|e| corrupt(footer_start as u64, format!("the footer is corrupt ({e})")))?;
    let mut schema = footer
        .schema()
        .map(arrow_ipc::convert::try_fb_to_schema)
        .transpose()
        .map_err(|e| corrupt(footer_start as u64, format!("the schema is corrupt ({e})")))?;
    let blocks = footer
        .recordBatches()
        .into_iter()
        .flat_map(|v| v.iter())
        .chain(footer.dictionaries().into_iter().flat_map(|v| v.iter()));
    for block in blocks {
        let (off, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
        if off < 0 || meta < 0 || body < 0 || off as u64 + meta as u64 + body as u64 > n as u64 {
            return Err(corrupt(
                off.max(0) as u64,
                "a record batch block lies outside the file",
            ));
        }
        check_message(bytes, off as usize, Some(body as u64), &mut schema)?;
    }
    Ok(())
}

/// Check an Arrow IPC stream: messages back to back until the end or an end-of-stream marker.
pub fn check_stream(bytes: &[u8]) -> Result<(), ParseError> {
    let mut at = 0;
    let mut schema = None;
    while at + 8 <= bytes.len() {
        match check_message(bytes, at, None, &mut schema)? {
            Some(next) => at = next,
            None => break,
        }
    }
    Ok(())
}

/// The IPC buffers of a record batch of `schema`, in order: `Some(width)` for a buffer that must
/// hold whole values of that many bytes (2, 4 or 8: offsets and numbers), `None` for the others.
/// None for layouts this check does not model (views, unions, run-end encoding).
fn buffer_widths(schema: &Schema) -> Option<Vec<Option<i64>>> {
    fn walk(dt: &DataType, out: &mut Vec<Option<i64>>) -> Option<()> {
        if matches!(
            dt,
            DataType::Union(..)
                | DataType::RunEndEncoded(..)
                | DataType::BinaryView
                | DataType::Utf8View
                | DataType::ListView(_)
                | DataType::LargeListView(_)
        ) {
            return None;
        }
        if *dt == DataType::Null {
            return Some(());
        }
        out.push(None); // validity bitmap
        for spec in layout(dt).buffers {
            out.push(match spec {
                BufferSpec::FixedWidth { byte_width, .. } if matches!(byte_width, 2 | 4 | 8) => {
                    Some(byte_width as i64)
                }
                _ => None,
            });
        }
        match dt {
            DataType::List(f)
            | DataType::LargeList(f)
            | DataType::FixedSizeList(f, _)
            | DataType::Map(f, _) => walk(f.data_type(), out),
            DataType::Struct(fields) => fields.iter().try_for_each(|f| walk(f.data_type(), out)),
            _ => Some(()),
        }
    }
    let mut out = Vec::new();
    for f in schema.fields() {
        walk(f.data_type(), &mut out)?;
    }
    Some(out)
}

/// Field-node lengths must be possible for the body they come with (a value takes at least one
/// bit), and a fixed-size list's length × size must fit a 32-bit count: arrow-data 60 `expect`s
/// that product (fuzz finding), and in the browser usize is 32 bits.
fn check_lengths(
    batch: arrow_ipc::RecordBatch<'_>,
    schema: &Schema,
    body: i64,
) -> Result<(), String> {
    fn walk(dt: &DataType, out: &mut Vec<(bool, i64)>) {
        let size = match dt {
            DataType::FixedSizeList(_, n) => i64::from(*n),
            _ => 1,
        };
        out.push((*dt == DataType::Null, size));
        match dt {
            DataType::List(f)
            | DataType::LargeList(f)
            | DataType::ListView(f)
            | DataType::LargeListView(f)
            | DataType::FixedSizeList(f, _)
            | DataType::Map(f, _) => walk(f.data_type(), out),
            DataType::Struct(fields) => fields.iter().for_each(|f| walk(f.data_type(), out)),
            _ => {}
        }
    }
    // arrow-ipc slices a union's type-id buffer by the node length unchecked (fuzz finding);
    // embeddings never come as unions, so refuse them.
    fn has_union(dt: &DataType) -> bool {
        match dt {
            DataType::Union(..) => true,
            DataType::List(f)
            | DataType::LargeList(f)
            | DataType::ListView(f)
            | DataType::LargeListView(f)
            | DataType::FixedSizeList(f, _)
            | DataType::Map(f, _) => has_union(f.data_type()),
            DataType::Struct(fields) => fields.iter().any(|f| has_union(f.data_type())),
            DataType::Dictionary(_, v) => has_union(v),
            DataType::RunEndEncoded(_, v) => has_union(v.data_type()),
            _ => false,
        }
    }
    if let Some(f) = schema.fields().iter().find(|f| has_union(f.data_type())) {
        return Err(format!(
            "column '{}' is a union, which Rosetta does not read",
            f.name()
        ));
    }
    let mut shape = Vec::new();
    for f in schema.fields() {
        walk(f.data_type(), &mut shape);
    }
    let limit_values = body.saturating_mul(8).saturating_add(64);
    if batch.length() < 0 || batch.length() > i64::from(u32::MAX) {
        return Err(format!("a record batch claims {} rows", batch.length()));
    }
    for (node, &(is_null, size)) in batch.nodes().iter().flat_map(|v| v.iter()).zip(&shape) {
        let len = node.length();
        if len < 0 || node.null_count() < 0 || (!is_null && len > limit_values) {
            return Err(format!(
                "a column claims {len} values in a {body}-byte body"
            ));
        }
        if size < 0
            || len
                .checked_mul(size)
                .is_none_or(|v| v > i64::from(u32::MAX))
        {
            return Err(format!(
                "a fixed-size list of {len} × {size} values is too large"
            ));
        }
    }
    Ok(())
}
