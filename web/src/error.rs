//! Engine errors as JavaScript `Error`s carrying the stable `kind` string.

use dfdb_core::Error;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// A JS `Error` named `DfdbError` whose `kind` is the error's stable kind (`parse`, `schema`,
/// `unique`, `lookup`, `type`, `closed`, `io`, `limit`).
pub fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("DfdbError");
    let _ = Reflect::set(
        &err,
        &JsValue::from_str("kind"),
        &JsValue::from_str(e.kind().as_str()),
    );
    err.into()
}

/// Converts an engine result for JS.
pub trait IntoJs<T> {
    /// The value, or the error as a JS `Error`.
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJs<T> for Result<T, Error> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| js_error(&e))
    }
}
