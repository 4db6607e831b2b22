//! # dfdb-web
//!
//! The WebAssembly bindings behind the npm package `dfdb`: the engine of `dfdb-core` behind a
//! JavaScript class, plus the EDN helpers. Bindings only: every function converts its arguments,
//! calls the engine, and converts the result; the JS API itself (`Database`, `Database.open`,
//! subscriptions as unsubscribe functions) lives in the package's `js/` modules.
//!
//! - [`RawDatabase`]: a database (in memory, or journaling its writes for a host to persist).
//! - [`read_edn`] / [`to_edn`]: EDN text to JS values and back, with the mapping of [`convert`].
//! - Errors are JS `Error`s named `DfdbError` with a `kind` property ([`error`]).
#![deny(missing_docs)]

pub mod convert;
pub mod database;
pub mod error;
pub mod json;
pub mod json_read;
pub mod numbers;
pub mod report_text;
pub mod storage;

pub use database::RawDatabase;

use convert::FromJs;
use error::IntoJs;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;

/// Reads one EDN form into JS values (see [`convert`]). With `options.tagged`, returns the exact
/// tagged form instead (`["int", 1n]`, `["float", 1]`, …).
#[wasm_bindgen(js_name = readEdn)]
pub fn read_edn(text: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let v = dfdb_core::edn::read(&convert::text_arg(&text, "EDN text").js()?).js()?;
    let tagged = options.is_object()
        && Reflect::get(&options, &JsValue::from_str("tagged"))
            .map(|t| t.is_truthy())
            .unwrap_or(false);
    Ok(if tagged {
        convert::to_tagged(&v)
    } else {
        convert::to_js(&v)
    })
}

/// Prints JS data (see [`convert`] for how it reads) as EDN text.
#[wasm_bindgen(js_name = toEdn)]
pub fn to_edn(value: JsValue) -> Result<String, JsValue> {
    let v = convert::from_js(&value, FromJs::default()).js()?;
    Ok(dfdb_core::edn::to_edn(&v))
}

/// Normalises EDN text: reads it and prints it back (one canonical spelling per value).
#[wasm_bindgen(js_name = canonicalEdn)]
pub fn canonical_edn(text: JsValue) -> Result<String, JsValue> {
    let text = convert::text_arg(&text, "EDN text").js()?;
    Ok(dfdb_core::edn::to_edn(&dfdb_core::edn::read(&text).js()?))
}
