//! Bytes from a `File` (read in slices, so progress shows and a cancel is noticed between slices)
//! or from a URL (streamed, likewise). Runs in the worker.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, ReadableStreamDefaultReader, Response};

use super::js_error_text;

/// Bytes per `File.slice` read.
const SLICE_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// Why a read stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    Cancelled,
    Failed(String),
}

/// All bytes of a dropped or picked file. `progress(done, total)` after each slice; `cancelled()`
/// is asked between slices.
pub async fn read_file(
    file: &File,
    progress: &dyn Fn(f64, f64),
    cancelled: &dyn Fn() -> bool,
) -> Result<Vec<u8>, ReadError> {
    let size = file.size();
    let mut out = Vec::with_capacity(size as usize);
    let mut start = 0.0;
    while start < size {
        if cancelled() {
            return Err(ReadError::Cancelled);
        }
        let end = (start + SLICE_BYTES).min(size);
        let blob = file
            .slice_with_f64_and_f64(start, end)
            .map_err(|e| ReadError::Failed(format!("could not be read: {}", js_error_text(&e))))?;
        let buf = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|e| ReadError::Failed(format!("could not be read: {}", js_error_text(&e))))?;
        let chunk = Uint8Array::new(&buf);
        let offset = out.len();
        out.resize(offset + chunk.length() as usize, 0);
        chunk.copy_to(&mut out[offset..]);
        start = end;
        progress(start, size);
    }
    Ok(out)
}

/// The last path segment of a URL, used as the file name.
pub fn url_file_name(url: &str) -> String {
    rosetta_io::file_name(url).to_owned()
}

/// Fetch a URL, streaming the body. CORS and network failures are explained plainly.
pub async fn fetch_bytes(
    url: &str,
    progress: &dyn Fn(f64, f64),
    cancelled: &dyn Fn() -> bool,
) -> Result<Vec<u8>, ReadError> {
    let global = js_sys::global();
    let fetch = Reflect::get(&global, &"fetch".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| ReadError::Failed("this browser has no fetch()".into()))?;
    let promise: js_sys::Promise = fetch
        .call1(&global, &url.into())
        .map_err(|e| ReadError::Failed(js_error_text(&e)))?
        .unchecked_into();
    let resp: Response = JsFuture::from(promise)
        .await
        .map_err(|_| {
            ReadError::Failed(
                "could not be fetched. The server is unreachable, or it does not let other sites read the \
                 file (CORS: it must send Access-Control-Allow-Origin). Download the file and drop it instead."
                    .into(),
            )
        })?
        .unchecked_into();
    if !resp.ok() {
        return Err(ReadError::Failed(format!(
            "the server answered {} {}",
            resp.status(),
            resp.status_text()
        )));
    }
    let total = resp
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    if total > rosetta_io::MAX_FILE_BYTES as f64 {
        if let Err(e) = rosetta_io::check_size(&url_file_name(url), total as u64) {
            return Err(ReadError::Failed(e.problem.to_string()));
        }
    }
    let Some(body) = resp.body() else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| ReadError::Failed("the download cannot be read".into()))?;
    let mut out = Vec::with_capacity(total as usize);
    loop {
        if cancelled() {
            let _ = reader.cancel();
            return Err(ReadError::Cancelled);
        }
        let step = JsFuture::from(reader.read()).await.map_err(|e| {
            ReadError::Failed(format!("the download failed: {}", js_error_text(&e)))
        })?;
        let done = Reflect::get(&step, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        if let Ok(value) = Reflect::get(&step, &"value".into()) {
            let chunk = Uint8Array::new(&value);
            let offset = out.len();
            out.resize(offset + chunk.length() as usize, 0);
            chunk.copy_to(&mut out[offset..]);
            if out.len() as u64 > rosetta_io::MAX_FILE_BYTES {
                let _ = reader.cancel();
                if let Err(e) = rosetta_io::check_size(&url_file_name(url), out.len() as u64) {
                    return Err(ReadError::Failed(e.problem.to_string()));
                }
            }
        }
        // A gzip-encoded answer's Content-Length counts the compressed bytes: past it, the
        // total is unknown.
        let done = out.len() as f64;
        progress(done, if done > total { 0.0 } else { total });
    }
    Ok(out)
}
