//! Parquet and Arrow IPC (Feather v2): each column of `list<float>`, `large_list<float>` or
//! `fixed_size_list<float>` is a space (how Hugging Face `datasets` stores embeddings); scalar
//! columns are metadata. Compression: snappy, gzip, lz4 and brotli (pure Rust, so it runs in wasm);
//! zstd-compressed files are refused with a hint.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float16Type, Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};

use crate::error::{Location, ParseError, Problem};
use crate::types::{Column, Dense, NamedSpace, Parsed, Table};

pub fn parse_parquet(name: &str, bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(Problem::Empty.into());
    }
    if bytes.len() < 8 || &bytes[..4] != b"PAR1" || &bytes[bytes.len() - 4..] != b"PAR1" {
        return Err(Problem::BadMagic {
            format: "Parquet",
            why: "it does not start and end with PAR1 (cut short, or another format)".into(),
        }
        .into());
    }
    let data = bytes::Bytes::copy_from_slice(bytes);
    check_parquet_pages(data.clone()).map_err(parquet_error)?;
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(data)
        .map_err(parquet_error)?;
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(parquet_error)?;
    let mut batches = Vec::new();
    for batch in reader {
        batches.push(batch.map_err(|e| parquet_error(e.into()))?);
    }
    from_batches(name, &schema, &batches)
}

pub fn parse_arrow_ipc(name: &str, bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(Problem::Empty.into());
    }
    let cursor = std::io::Cursor::new(bytes);
    let (schema, batches) = if bytes.starts_with(b"ARROW1") {
        crate::ipc_check::check_file(bytes)?;
        let reader = arrow_ipc::reader::FileReader::try_new(cursor, None).map_err(arrow_error)?;
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(arrow_error)?;
        (schema, batches)
    } else {
        let reader = arrow_ipc::reader::StreamReader::try_new(cursor, None).map_err(|e| {
            ParseError::new(Problem::BadMagic {
                format: "Arrow IPC / Feather v2",
                why: format!("neither an Arrow file (ARROW1) nor a readable Arrow stream ({e})"),
            })
        })?;
        crate::ipc_check::check_stream(bytes)?;
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(arrow_error)?;
        (schema, batches)
    };
    from_batches(name, &schema, &batches)
}

/// parquet 60 panics ("Decoder for dict should have been set") when a data page says it is
/// dictionary-encoded but its column chunk has no dictionary page (found by the fuzz smoke). A
/// panic kills the tab, so walk every page header first and refuse such a file. The pages are
/// decompressed twice; snappy/gzip run at hundreds of MB/s, so this costs little next to decoding.
fn check_parquet_pages(data: bytes::Bytes) -> Result<(), parquet::errors::ParquetError> {
    use parquet::basic::Encoding;
    use parquet::column::page::Page;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    // Column chunks with negative or out-of-file byte ranges panic in `byte_range` (fuzz finding).
    let meta = parquet::file::metadata::ParquetMetaDataReader::new().parse_and_finish(&data)?;
    let file_len = data.len() as i64;
    for (g, group) in meta.row_groups().iter().enumerate() {
        for (c, chunk) in group.columns().iter().enumerate() {
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or(chunk.data_page_offset());
            let size = chunk.compressed_size();
            if start < 0 || size < 0 || start.saturating_add(size) > file_len {
                return Err(parquet::errors::ParquetError::General(format!(
                    "row group {g}, column {c}: its data lies outside the file \
                     (offset {start}, {size} bytes; the file is damaged)"
                )));
            }
        }
    }
    let reader = SerializedFileReader::new(data)?;
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g)?;
        for c in 0..group.num_columns() {
            let mut seen_dictionary = false;
            for page in group.get_column_page_reader(c)? {
                let encoding = match page? {
                    Page::DictionaryPage { .. } => {
                        seen_dictionary = true;
                        continue;
                    }
                    Page::DataPage { encoding, .. } | Page::DataPageV2 { encoding, .. } => encoding,
                };
                let dictionary_encoded = matches!(
                    encoding,
                    Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY
                );
                if dictionary_encoded && !seen_dictionary {
                    return Err(parquet::errors::ParquetError::General(format!(
                        "row group {g}, column {c}: a dictionary-encoded page comes without its \
                         dictionary page (the file is damaged)"
                    )));
                }
            }
        }
    }
    Ok(())
}

fn parquet_error(e: parquet::errors::ParquetError) -> ParseError {
    let text = e.to_string();
    let problem = if text.to_ascii_lowercase().contains("zstd") {
        Problem::Unrecognised(
            "the file is compressed with zstd, which Rosetta cannot decompress in the browser; \
             re-save it with snappy (pyarrow's default) or gzip"
                .into(),
        )
    } else {
        Problem::Unrecognised(format!("the Parquet data cannot be read: {text}"))
    };
    ParseError::new(problem)
}

fn arrow_error(e: arrow_schema::ArrowError) -> ParseError {
    ParseError::new(Problem::Unrecognised(format!(
        "the Arrow data cannot be read: {e}"
    )))
}

fn is_float(t: &DataType) -> bool {
    matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64)
}

fn vector_field(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            is_float(f.data_type())
        }
        _ => false,
    }
}

fn from_batches(
    name: &str,
    schema: &Arc<Schema>,
    batches: &[RecordBatch],
) -> Result<Parsed, ParseError> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut spaces = Vec::new();
    let mut metadata = Table::default();
    let mut skipped = Vec::new();
    for (c, field) in schema.fields().iter().enumerate() {
        let arrays: Vec<&ArrayRef> = batches.iter().map(|b| b.column(c)).collect();
        if vector_field(field.data_type()) {
            let vectors = list_matrix(field.name(), &arrays)?;
            if vectors.rows > 0 {
                spaces.push(NamedSpace {
                    name: format!("{name}:{}", field.name()),
                    dtype: match field.data_type() {
                        DataType::List(f)
                        | DataType::LargeList(f)
                        | DataType::FixedSizeList(f, _) => {
                            format!("{}", f.data_type()).to_ascii_lowercase()
                        }
                        _ => String::new(),
                    },
                    vectors,
                });
            }
        } else if let Some(values) = scalar_strings(&arrays) {
            metadata.columns.push(Column {
                name: field.name().clone(),
                values,
            });
        } else {
            skipped.push(format!("{} ({})", field.name(), field.data_type()));
        }
    }
    if spaces.is_empty() {
        return Err(Problem::Unrecognised(format!(
            "no vector column: embeddings must be a list<float>, large_list<float> or \
             fixed_size_list<float> column (columns: {})",
            schema
                .fields()
                .iter()
                .map(|f| format!("{} {}", f.name(), f.data_type()))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    if rows == 0 {
        return Err(Problem::NoData(format!("({rows} rows)")).into());
    }
    Ok(Parsed {
        spaces,
        metadata: (!metadata.columns.is_empty()).then_some(metadata),
    })
}

/// Rows of a list-of-floats column as one matrix; every row must have the same length.
fn list_matrix(column: &str, arrays: &[&ArrayRef]) -> Result<Dense, ParseError> {
    let mut values = Vec::new();
    let mut cols: Option<usize> = None;
    let mut row = 0usize;
    for array in arrays {
        for i in 0..array.len() {
            row += 1;
            let at = || Location::Field(format!("{column}, row {row}"));
            if array.is_null(i) {
                return Err(ParseError::at(
                    at(),
                    Problem::Unrecognised("the vector is missing (null)".into()),
                ));
            }
            let item: ArrayRef = match array.data_type() {
                DataType::List(_) => array.as_list::<i32>().value(i),
                DataType::LargeList(_) => array.as_list::<i64>().value(i),
                DataType::FixedSizeList(_, _) => array.as_fixed_size_list().value(i),
                _ => {
                    return Err(ParseError::at(
                        at(),
                        Problem::Unrecognised("not a list column".into()),
                    ))
                }
            };
            let before = values.len();
            push_floats(&item, &mut values);
            let found = values.len() - before;
            match cols {
                None => cols = Some(found),
                Some(c) if c != found => {
                    return Err(ParseError::at(at(), Problem::Ragged { expected: c, found }));
                }
                _ => {}
            }
        }
    }
    Ok(Dense {
        rows: row,
        cols: cols.unwrap_or(0),
        values,
    })
}

/// Append the values of a float array (nulls become NaN, so the row is dropped with a warning).
fn push_floats(a: &ArrayRef, out: &mut Vec<f32>) {
    match a.data_type() {
        DataType::Float32 => {
            let p = a.as_primitive::<Float32Type>();
            out.extend((0..p.len()).map(|i| if p.is_null(i) { f32::NAN } else { p.value(i) }));
        }
        DataType::Float64 => {
            let p = a.as_primitive::<Float64Type>();
            out.extend((0..p.len()).map(|i| {
                if p.is_null(i) {
                    f32::NAN
                } else {
                    p.value(i) as f32
                }
            }));
        }
        DataType::Float16 => {
            let p = a.as_primitive::<Float16Type>();
            out.extend((0..p.len()).map(|i| {
                if p.is_null(i) {
                    f32::NAN
                } else {
                    p.value(i).to_f32()
                }
            }));
        }
        _ => {}
    }
}

/// Scalar columns as text (None for types that are not shown as metadata).
fn scalar_strings(arrays: &[&ArrayRef]) -> Option<Vec<String>> {
    use arrow_array::types::*;
    let mut out = Vec::new();
    for a in arrays {
        macro_rules! prim {
            ($t:ty) => {{
                let p = a.as_primitive::<$t>();
                out.extend((0..p.len()).map(|i| {
                    if p.is_null(i) {
                        String::new()
                    } else {
                        p.value(i).to_string()
                    }
                }));
            }};
        }
        match a.data_type() {
            DataType::Utf8 => {
                let s = a.as_string::<i32>();
                out.extend((0..s.len()).map(|i| {
                    if s.is_null(i) {
                        String::new()
                    } else {
                        s.value(i).to_owned()
                    }
                }));
            }
            DataType::LargeUtf8 => {
                let s = a.as_string::<i64>();
                out.extend((0..s.len()).map(|i| {
                    if s.is_null(i) {
                        String::new()
                    } else {
                        s.value(i).to_owned()
                    }
                }));
            }
            DataType::Utf8View => {
                let s = a.as_string_view();
                out.extend((0..s.len()).map(|i| {
                    if s.is_null(i) {
                        String::new()
                    } else {
                        s.value(i).to_owned()
                    }
                }));
            }
            DataType::Boolean => {
                let b = a.as_boolean();
                out.extend((0..b.len()).map(|i| {
                    if b.is_null(i) {
                        String::new()
                    } else {
                        b.value(i).to_string()
                    }
                }));
            }
            DataType::Int8 => prim!(Int8Type),
            DataType::Int16 => prim!(Int16Type),
            DataType::Int32 => prim!(Int32Type),
            DataType::Int64 => prim!(Int64Type),
            DataType::UInt8 => prim!(UInt8Type),
            DataType::UInt16 => prim!(UInt16Type),
            DataType::UInt32 => prim!(UInt32Type),
            DataType::UInt64 => prim!(UInt64Type),
            DataType::Float32 => prim!(Float32Type),
            DataType::Float64 => prim!(Float64Type),
            DataType::Dictionary(_, value) if matches!(value.as_ref(), DataType::Utf8) => {
                let d = a.as_any_dictionary();
                let keys = d.normalized_keys();
                let dict_values = d.values().as_string::<i32>();
                out.extend((0..a.len()).map(|i| {
                    if a.is_null(i) {
                        String::new()
                    } else {
                        dict_values.value(keys[i]).to_owned()
                    }
                }));
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{FixedSizeListBuilder, Float32Builder, ListBuilder};
    use arrow_array::StringArray;
    use arrow_schema::Field;

    fn batch() -> RecordBatch {
        let mut fixed = FixedSizeListBuilder::new(Float32Builder::new(), 2);
        let mut list = ListBuilder::new(Float32Builder::new());
        for r in 0..3 {
            fixed.values().append_slice(&[r as f32, 1.0]);
            fixed.append(true);
            list.values().append_slice(&[2.0 * r as f32, 0.0, 1.0]);
            list.append(true);
        }
        let fixed = fixed.finish();
        let list = list.finish();
        let labels = StringArray::from(vec!["a", "b", "c"]);
        let schema = Schema::new(vec![
            Field::new("emb", fixed.data_type().clone(), false),
            Field::new("emb2", list.data_type().clone(), true),
            Field::new("label", DataType::Utf8, false),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(fixed), Arc::new(list), Arc::new(labels)],
        )
        .unwrap()
    }

    #[test]
    fn parquet_vector_columns_are_spaces() {
        let b = batch();
        let mut buf = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, b.schema(), None).unwrap();
        w.write(&b).unwrap();
        w.close().unwrap();
        let p = parse_parquet("d.parquet", &buf).unwrap();
        assert_eq!(p.spaces.len(), 2);
        assert_eq!(p.spaces[0].name, "d.parquet:emb");
        assert_eq!(p.spaces[0].vectors.values, vec![0., 1., 1., 1., 2., 1.]);
        assert_eq!(p.spaces[1].vectors.cols, 3);
        assert_eq!(p.metadata.unwrap().columns[0].values, vec!["a", "b", "c"]);
    }

    #[test]
    fn arrow_ipc_file_and_stream() {
        let b = batch();
        let mut file = Vec::new();
        let mut w = arrow_ipc::writer::FileWriter::try_new(&mut file, &b.schema()).unwrap();
        w.write(&b).unwrap();
        w.finish().unwrap();
        drop(w);
        assert_eq!(parse_arrow_ipc("d.arrow", &file).unwrap().spaces.len(), 2);
        let mut stream = Vec::new();
        let mut s = arrow_ipc::writer::StreamWriter::try_new(&mut stream, &b.schema()).unwrap();
        s.write(&b).unwrap();
        s.finish().unwrap();
        drop(s);
        assert_eq!(
            parse_arrow_ipc("d.arrows", &stream).unwrap().spaces.len(),
            2
        );
    }

    #[test]
    fn no_vector_column_is_named() {
        let labels = StringArray::from(vec!["a"]);
        let schema = Schema::new(vec![Field::new("label", DataType::Utf8, false)]);
        let b = RecordBatch::try_new(Arc::new(schema), vec![Arc::new(labels)]).unwrap();
        let mut buf = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, b.schema(), None).unwrap();
        w.write(&b).unwrap();
        w.close().unwrap();
        let e = parse_parquet("d.parquet", &buf).unwrap_err();
        assert!(e.problem.to_string().contains("no vector column"), "{e:?}");
    }
}
