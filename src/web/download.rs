//! Downloads made in the page: a text file (CSV, JSON) or a picture of a plot.

use wasm_bindgen::{Clamped, JsCast};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, ImageData, Url};

use crate::render::canvas2d::rasterize;
use crate::render::Viewport;

fn document() -> Result<web_sys::Document, String> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| "no document".to_owned())
}

/// Click a temporary `<a download>` for `href`.
fn click_download(href: &str, file_name: &str) -> Result<(), String> {
    let a: HtmlAnchorElement = document()?
        .create_element("a")
        .map_err(|_| "cannot create a link")?
        .dyn_into()
        .map_err(|_| "not a link")?;
    a.set_href(href);
    a.set_download(file_name);
    a.set_attribute("style", "display:none").ok();
    let body = document()?.body().ok_or("no body")?;
    body.append_child(&a)
        .map_err(|_| "cannot attach the link")?;
    a.click();
    a.remove();
    Ok(())
}

/// Download `text` as a file of the given MIME type.
pub fn download_text(text: &str, file_name: &str, mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| crate::web::js_error_text(&e))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| crate::web::js_error_text(&e))?;
    let result = click_download(&url, file_name);
    // The click has started the download; the URL can go once the event loop turns.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000);
    }
    result
}

/// A PNG of the points as the viewport shows them, at `scale` × the CSS size, on white.
pub fn scatter_png(
    vp: &Viewport,
    scale: f64,
    xs: &[f32],
    ys: &[f32],
    rgba: &[[u8; 4]],
    flags: &[u8],
) -> Result<String, String> {
    let (w, h) = (
        (vp.width_css * scale).round().max(1.0) as usize,
        (vp.height_css * scale).round().max(1.0) as usize,
    );
    let mut big = *vp;
    big.dpr = scale;
    let mut pixels = vec![255u8; w * h * 4];
    rasterize(&mut pixels, (w, h), &big, xs, ys, rgba, flags);
    let canvas: HtmlCanvasElement = document()?
        .create_element("canvas")
        .map_err(|_| "cannot create a canvas")?
        .dyn_into()
        .map_err(|_| "not a canvas")?;
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let ctx = crate::render::context_2d(&canvas)?;
    let img = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), w as u32, h as u32)
        .map_err(|e| crate::web::js_error_text(&e))?;
    ctx.put_image_data(&img, 0.0, 0.0)
        .map_err(|e| crate::web::js_error_text(&e))?;
    canvas
        .to_data_url_with_type("image/png")
        .map_err(|e| crate::web::js_error_text(&e))
}

/// Download a data URL (a PNG from [`scatter_png`]).
pub fn download_data_url(url: &str, file_name: &str) -> Result<(), String> {
    click_download(url, file_name)
}
