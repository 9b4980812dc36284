//! Fetching the preview bundle (same origin) as text.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

fn js_error(e: wasm_bindgen::JsValue) -> String {
    e.as_string().or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string())).unwrap_or_else(|| "the request failed".into())
}

async fn fetch(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| format!("cannot reach the preview server ({})", js_error(e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "the answer is not an HTTP response".to_string())?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {} {}", response.status(), response.status_text()));
    }
    let text = JsFuture::from(response.text().map_err(js_error)?).await.map_err(js_error)?;
    text.as_string().ok_or_else(|| "the answer is not text".into())
}

/// Fetches `url` and hands the body (or why not) to `done`.
pub fn fetch_text(url: String, done: Callback<Result<String, String>>) {
    yew::platform::spawn_local(async move {
        let r = fetch(&url).await;
        done.emit(r);
    });
}
