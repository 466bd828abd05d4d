//! Loading: the files of a drop or the bytes behind URLs, read in slices (so progress shows and a
//! cancel is seen between them), then parsed and added to the store in one step.

use js_sys::Array;
use rosetta_engine::protocol::{CollectionId, ColumnOverride, Reply};
use rosetta_engine::EngineError;
use rosetta_io::{FileKind, LoadError};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::File;

use super::entry::{Answer, Ctx};
use crate::web::files::{fetch_bytes, read_file, url_file_name, ReadError};

/// The files that came with a `LoadFiles` request.
pub async fn files(
    ctx: &Ctx<'_>,
    files: &JsValue,
    into: Option<CollectionId>,
    columns: &ColumnOverride,
) -> Result<Answer, EngineError> {
    let files: Vec<File> = files
        .dyn_ref::<Array>()
        .map(|a| a.iter().filter_map(|f| f.dyn_into::<File>().ok()).collect())
        .unwrap_or_default();
    let total: f64 = files.iter().map(|f| f.size()).sum();
    let (mut inputs, mut errors) = (Vec::new(), Vec::new());
    let mut before = 0.0;
    for file in &files {
        let name = file.name();
        if let Err(e) = rosetta_io::check_size(&name, file.size() as u64) {
            errors.push(e.to_string());
            continue;
        }
        let show = |done: f64, _: f64| {
            let phase = format!("reading {name}: {}", mb_of(before + done, total));
            ctx.progress(&phase, before + done, total);
        };
        match read_file(file, &show, &|| ctx.cancelled()).await {
            Ok(bytes) => inputs.push((name, bytes)),
            Err(ReadError::Cancelled) => return Err(EngineError::Cancelled),
            Err(ReadError::Failed(m)) => errors.push(format!("{name}: {m}")),
        }
        before += file.size();
    }
    Ok(parse_and_add(ctx, inputs, errors, into, columns))
}

/// The bytes behind URLs; a projector config's tensors are fetched too, relative to it.
pub async fn urls(
    ctx: &Ctx<'_>,
    mut queue: Vec<String>,
    into: Option<CollectionId>,
    columns: &ColumnOverride,
) -> Result<Answer, EngineError> {
    let (mut inputs, mut errors) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < queue.len() {
        let url = queue[i].clone();
        i += 1;
        let name = url_file_name(&url);
        let show = |done: f64, total: f64| {
            let phase = format!("fetching {name}: {}", mb_of(done, total));
            ctx.progress(&phase, done, total);
        };
        match fetch_bytes(&url, &show, &|| ctx.cancelled()).await {
            Ok(bytes) => {
                queue.extend(projector_tensors(&name, &bytes, &url));
                inputs.push((name, bytes));
            }
            Err(ReadError::Cancelled) => return Err(EngineError::Cancelled),
            Err(ReadError::Failed(m)) => errors.push(format!("{url}: {m}")),
        }
    }
    Ok(parse_and_add(ctx, inputs, errors, into, columns))
}

/// The URLs of the tensors and metadata a projector config names (none for another file).
fn projector_tensors(name: &str, bytes: &[u8], base: &str) -> Vec<String> {
    if rosetta_io::detect(name, bytes) != Ok(FileKind::ProjectorConfig) {
        return Vec::new();
    }
    let Ok(tensors) = rosetta_io::projector::parse_config(bytes) else {
        return Vec::new();
    };
    tensors
        .into_iter()
        .flat_map(|t| std::iter::once(t.tensor_path).chain(t.metadata_path))
        .map(|p| resolve(&p, base))
        .collect()
}

/// Parse what was read and add it to the store: the `Loaded` reply, with every file's problem.
fn parse_and_add(
    ctx: &Ctx<'_>,
    inputs: Vec<(String, Vec<u8>)>,
    read_errors: Vec<String>,
    into: Option<CollectionId>,
    columns: &ColumnOverride,
) -> Answer {
    let total = inputs.len() as f64;
    ctx.progress("parsing", 0.0, total);
    let parsed: Vec<(String, Result<rosetta_io::Parsed, LoadError>)> =
        rosetta_io::parse_files_with(inputs, &columns.to_choice());
    let rows: usize = parsed
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flat_map(|p| p.spaces.iter().map(|s| s.vectors.rows))
        .sum();
    ctx.progress(&format!("parsed {rows} rows"), total, total);
    let mut outcome = ctx.state.store.borrow_mut().load(parsed, into);
    outcome.errors.splice(0..0, read_errors);
    Reply::Loaded(outcome).into()
}

/// "12.0 MB of 307.2 MB".
fn mb_of(done: f64, total: f64) -> String {
    if total > 0.0 {
        format!("{:.1} MB of {:.1} MB", done / 1e6, total / 1e6)
    } else {
        format!("{:.1} MB", done / 1e6)
    }
}

/// A path from a projector config, relative to the config's URL.
fn resolve(path: &str, base: &str) -> String {
    web_sys::Url::new_with_base(path, base)
        .map(|u| u.href())
        .unwrap_or_else(|_| path.to_owned())
}
