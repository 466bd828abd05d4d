//! Bytes from a `File` or a URL. Runs in the worker.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, Response};

use super::js_error_text;

/// All bytes of a dropped or picked file.
pub async fn read_file(file: &File) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{}: could not be read: {}", file.name(), js_error_text(&e)))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// The last path segment of a URL, used as the file name.
pub fn url_file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(url)
        .to_owned()
}

/// Fetch a URL from the worker's global scope. CORS and network failures are explained plainly.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let global = js_sys::global();
    let fetch = js_sys::Reflect::get(&global, &"fetch".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("this browser has no fetch()")?;
    let promise: js_sys::Promise = fetch
        .call1(&global, &url.into())
        .map_err(|e| js_error_text(&e))?
        .unchecked_into();
    let resp: Response = JsFuture::from(promise)
        .await
        .map_err(|_| {
            format!(
                "{url}: could not be fetched. The server is unreachable, or it does not allow other sites to read \
                 the file (CORS: it must send Access-Control-Allow-Origin). Download the file and drop it instead."
            )
        })?
        .unchecked_into();
    if !resp.ok() {
        return Err(format!(
            "{url}: the server answered {} {}",
            resp.status(),
            resp.status_text()
        ));
    }
    let buf_promise = resp.array_buffer().map_err(|e| js_error_text(&e))?;
    let buf = JsFuture::from(buf_promise)
        .await
        .map_err(|e| format!("{url}: the download failed: {}", js_error_text(&e)))?;
    Ok(Uint8Array::new(&buf).to_vec())
}
