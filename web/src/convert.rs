//! Values between Rust and JavaScript: the documented JS mapping, both ways, and the exact tagged form.
//!
//! # Out (dfdb → JS)
//! | dfdb | JS |
//! | --- | --- |
//! | `nil` | `null` |
//! | boolean | `boolean` |
//! | long within ±(2^53 − 1) | `number` |
//! | long beyond | `bigint` |
//! | double | `number` |
//! | instant | `Date` |
//! | string, char | `string` |
//! | keyword `:ns/name` | `":ns/name"` (string with the colon) |
//! | symbol | its name as a `string` |
//! | uuid | `string` (lowercase, dashed) |
//! | bytes | `Uint8Array` |
//! | ref / entity id | `number` (`bigint` beyond 2^53) |
//! | vector, list | `Array` |
//! | set | `Set` |
//! | map whose keys are keywords or strings | plain object (keyword keys as `":ns/name"`) |
//! | any other map | `Map` |
//!
//! # In (JS → dfdb)
//! `null`/`undefined` → nil; booleans; a `number` with no fractional part that fits 64 bits → long,
//! any other number → double; `bigint` → long; a string starting with `:` that reads as an EDN
//! keyword → keyword, every other string → string; `Date` → instant; `Uint8Array` → bytes;
//! `Array` → vector; `Set` → set; `Map` → map (keys converted as values); a plain object → map
//! whose keys are keywords, written with or without the leading colon (`"person/name"` or
//! `":person/name"`).

use dfdb_core::{edn, Error, Keyword, Value};
use js_sys::{Array, BigInt, Date, Object, Reflect, Uint8Array};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};

/// The largest integer a JS number holds exactly.
const MAX_SAFE: i64 = (1 << 53) - 1;

/// A long or an entity id that a JS number holds exactly (within ±(2^53 − 1)); beyond, the JS
/// form is a `bigint`. The one statement of that rule for every way out (`to_js`, JSON, numbers).
pub fn safe_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Ref(r) => i64::try_from(*r).ok(),
        _ => None,
    }
    .filter(|i| (-MAX_SAFE..=MAX_SAFE).contains(i))
}

/// An integer as a JS number, or a BigInt beyond 2^53.
pub fn int_to_js(i: i64) -> JsValue {
    match safe_integer(&Value::Int(i)) {
        Some(i) => JsValue::from_f64(i as f64),
        None => BigInt::from(i).into(),
    }
}

/// An entity id as a JS number (or BigInt beyond 2^53).
pub fn eid_to_js(e: u64) -> JsValue {
    match i64::try_from(e) {
        Ok(i) => int_to_js(i),
        Err(_) => BigInt::from(e).into(),
    }
}

/// A keyword as its `":ns/name"` string.
pub fn kw_to_js(k: &Keyword) -> JsValue {
    JsValue::from_str(&format!(":{}", k.as_str()))
}

/// The canonical text of a UUID.
pub fn uuid_text(u: u128) -> String {
    let h = format!("{u:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A value in the documented JS mapping.
pub fn to_js(v: &Value) -> JsValue {
    Out::default().value(v)
}

/// Strings no longer than this are remembered during one conversion.
const CACHED_STR_MAX: usize = 64;
/// At most this many distinct strings are remembered during one conversion.
const CACHED_STRS: usize = 4096;

/// One conversion out to JS. A result repeats the same keywords (every pulled map's keys) and
/// often the same short strings; each costs a UTF-8 decode and a copy across the boundary, so
/// one conversion makes each JS string once and reuses it.
#[derive(Default)]
struct Out {
    strings: HashMap<Value, JsValue>,
    /// Strings made so far: small results (one pulled entity) skip the cache's own cost.
    made: usize,
}

/// Strings are made directly until this many have been; the cache starts after.
const CACHE_AFTER: usize = 32;

impl Out {
    fn value(&mut self, v: &Value) -> JsValue {
        match v {
            Value::Nil => JsValue::NULL,
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Int(i) => int_to_js(*i),
            Value::Float(f) => JsValue::from_f64(*f),
            Value::Inst(ms) => Date::new(&JsValue::from_f64(*ms as f64)).into(),
            Value::Str(s) if s.len() <= CACHED_STR_MAX => self.cached(v, || JsValue::from_str(s)),
            Value::Str(s) => JsValue::from_str(s),
            Value::Char(c) => JsValue::from_str(c.encode_utf8(&mut [0; 4])),
            Value::Keyword(k) => self.cached(v, || kw_to_js(k)),
            Value::Symbol(s) => JsValue::from_str(s.as_str()),
            Value::Uuid(u) => JsValue::from_str(&uuid_text(u.get())),
            Value::Bytes(b) => Uint8Array::from(&b[..]).into(),
            Value::Ref(r) => eid_to_js(*r),
            Value::Vector(xs) | Value::List(xs) => {
                xs.iter().map(|x| self.value(x)).collect::<Array>().into()
            }
            Value::Set(s) => {
                let set = js_sys::Set::new(&JsValue::UNDEFINED);
                for x in s {
                    set.add(&self.value(x));
                }
                set.into()
            }
            Value::Map(m) => self.map(m),
        }
    }

    /// The JS string of `v` (a keyword or a short string), made once per conversion.
    fn cached(&mut self, v: &Value, make: impl FnOnce() -> JsValue) -> JsValue {
        if self.made < CACHE_AFTER {
            self.made += 1;
            return make();
        }
        if let Some(js) = self.strings.get(v) {
            return js.clone();
        }
        let js = make();
        if self.strings.len() < CACHED_STRS {
            self.strings.insert(v.clone(), js.clone());
        }
        js
    }

    fn map(&mut self, m: &BTreeMap<Value, Value>) -> JsValue {
        if m.keys().all(is_object_key) {
            let obj = Object::new();
            for (k, v) in m {
                // An object key is the keyword's string (with its colon) or the string itself,
                // exactly the JS string `value` makes for them.
                let key = self.value(k);
                let _ = Reflect::set(&obj, &key, &self.value(v));
            }
            obj.into()
        } else {
            let map = js_sys::Map::new();
            for (k, v) in m {
                map.set(&self.value(k), &self.value(v));
            }
            map.into()
        }
    }
}

/// Whether a map key can be an object key without colliding: keywords (as `":ns/name"`) and
/// strings that do not start with `:`. `__proto__` never (it would set the prototype).
pub fn is_object_key(k: &Value) -> bool {
    match k {
        Value::Keyword(_) => true,
        Value::Str(s) => !s.starts_with(':') && &**s != "__proto__",
        _ => false,
    }
}

/// A value in the exact tagged form: `["int", 1n]`, `["float", 1]`, `["str", "s"]`, `["kw", "ns/n"]`,
/// `["sym", "s"]`, `["inst", ms]`, `["uuid", "…"]`, `["char", "c"]`, `["bytes", "0aff"]`, `["ref", n]`,
/// `["bool", b]`, `["nil"]`, `["vec", [...]]`, `["list", [...]]`, `["set", [...]]`,
/// `["map", [[k, v], ...]]`.
pub fn to_tagged(v: &Value) -> JsValue {
    let pair = |tag: &str, x: JsValue| -> JsValue {
        let a = Array::new();
        a.push(&JsValue::from_str(tag));
        a.push(&x);
        a.into()
    };
    let seq = |xs: &mut dyn Iterator<Item = &Value>| -> JsValue {
        xs.map(to_tagged).collect::<Array>().into()
    };
    match v {
        Value::Nil => {
            let a = Array::new();
            a.push(&JsValue::from_str("nil"));
            a.into()
        }
        Value::Bool(b) => pair("bool", JsValue::from_bool(*b)),
        Value::Int(i) => pair("int", BigInt::from(*i).into()),
        Value::Float(f) => pair("float", JsValue::from_f64(*f)),
        Value::Inst(ms) => pair("inst", BigInt::from(*ms).into()),
        Value::Str(s) => pair("str", JsValue::from_str(s)),
        Value::Char(c) => pair("char", JsValue::from_str(c.encode_utf8(&mut [0; 4]))),
        Value::Keyword(k) => pair("kw", JsValue::from_str(k.as_str())),
        Value::Symbol(s) => pair("sym", JsValue::from_str(s.as_str())),
        Value::Uuid(u) => pair("uuid", JsValue::from_str(&uuid_text(u.get()))),
        Value::Bytes(b) => pair(
            "bytes",
            JsValue::from_str(&dfdb_core::codec::hex::encode(b)),
        ),
        Value::Ref(r) => pair("ref", BigInt::from(*r).into()),
        Value::Vector(xs) => pair("vec", seq(&mut xs.iter())),
        Value::List(xs) => pair("list", seq(&mut xs.iter())),
        Value::Set(s) => pair("set", seq(&mut s.iter())),
        Value::Map(m) => {
            let entries: Array = m
                .iter()
                .map(|(k, v)| -> JsValue {
                    let e = Array::new();
                    e.push(&to_tagged(k));
                    e.push(&to_tagged(v));
                    e.into()
                })
                .collect();
            pair("map", entries.into())
        }
    }
}

/// How to read JS data.
#[derive(Clone, Copy, Debug, Default)]
pub struct FromJs {
    /// Plain objects become `(dfdb/ordered-map k v …)` lists keeping their key order (tx-data, so
    /// entity ids follow written order).
    pub ordered_maps: bool,
}

fn type_error(msg: String) -> Error {
    Error::Type(msg)
}

/// Deepest nesting of JS data accepted (the same as the EDN reader's default).
pub(crate) const MAX_DEPTH: usize = edn::ReadOptions::DEFAULT_MAX_DEPTH;

/// A keyword from a string written with or without its colon, if it reads as one.
pub fn keyword_from(s: &str) -> Option<Keyword> {
    // Tx-data names the same few attributes in every map, and the EDN reader is the costliest
    // step of reading one: the answers for recent names are remembered.
    KEYWORDS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(k) = cache.get(s) {
            return k.clone();
        }
        let text = if s.starts_with(':') {
            s.to_string()
        } else {
            format!(":{s}")
        };
        let k = match edn::read(&text) {
            Ok(Value::Keyword(k)) => Some(k),
            _ => None,
        };
        if s.len() <= CACHED_NAME_MAX {
            if cache.len() >= CACHED_NAMES {
                cache.clear();
            }
            cache.insert(s.to_string(), k.clone());
        }
        k
    })
}

/// Names longer than this are not remembered by [`keyword_from`].
const CACHED_NAME_MAX: usize = 128;
/// [`keyword_from`] remembers at most this many names (then starts over).
const CACHED_NAMES: usize = 1024;

thread_local! {
    static KEYWORDS: std::cell::RefCell<HashMap<String, Option<Keyword>>> =
        std::cell::RefCell::new(HashMap::new());
}

/// A JS string as a value: a keyword when it starts with `:` and reads as one, else a string.
pub fn string_value(s: &str) -> Value {
    if s.starts_with(':') {
        if let Some(k) = keyword_from(s) {
            return Value::Keyword(k);
        }
    }
    Value::Str(Arc::from(s))
}

/// JS data as a value (see the module docs).
pub fn from_js(v: &JsValue, opts: FromJs) -> Result<Value, Error> {
    from_js_at(v, opts, 0)
}

/// A string argument (`what` names it in the error). Entry points take strings as `JsValue` and
/// check them here: a `&str` parameter trusts the JS caller, and wasm-bindgen's glue handed a
/// number to the allocator as a length, trapping inside it (and leaving the instance unusable)
/// instead of reporting the call.
pub fn text_arg(v: &JsValue, what: &str) -> Result<String, Error> {
    v.as_string().ok_or_else(|| {
        let kind = match v.is_null() {
            true => "null".into(),
            false => v.js_typeof().as_string().unwrap_or_default(),
        };
        type_error(format!("{what} must be a string, got {kind}"))
    })
}

/// The error for JS data nested deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep() -> Error {
    Error::Limit(format!("JS data nested deeper than {MAX_DEPTH} levels"))
}

/// A plain object's key as the keyword it names (with or without its colon).
pub(crate) fn object_key(key: &str) -> Result<Value, Error> {
    keyword_from(key)
        .map(Value::Keyword)
        .ok_or_else(|| Error::parse(format!("object key {key:?} is not a keyword name")))
}

fn from_js_at(v: &JsValue, opts: FromJs, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    // Each check below is a call into JS: the common kinds (numbers, strings, arrays, plain
    // objects) are tried first. The kinds are disjoint, so the order changes no answer.
    if let Some(f) = v.as_f64() {
        return Ok(number_value(f));
    }
    if let Some(s) = v.as_string() {
        return Ok(string_value(&s));
    }
    let next = depth + 1;
    if Array::is_array(v) {
        return array_value(v, opts, next);
    }
    if is_plain_object(v) {
        return object_value(v, opts, next);
    }
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Nil);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if v.is_bigint() {
        let text = BigInt::unchecked_from_js_ref(v)
            .to_string(10)
            .map(String::from)
            .unwrap_or_default();
        return text
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| type_error(format!("{text}n does not fit in a 64-bit integer")));
    }
    if let Some(d) = v.dyn_ref::<Date>() {
        let ms = d.get_time();
        if !ms.is_finite() {
            return Err(type_error("an invalid Date is not an instant".into()));
        }
        return Ok(Value::Inst(ms as i64));
    }
    if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        return Ok(Value::Bytes(Arc::from(bytes.to_vec())));
    }
    if let Some(set) = v.dyn_ref::<js_sys::Set>() {
        let mut out = Vec::new();
        let mut err = None;
        set.for_each(&mut |x, _, _| {
            if err.is_none() {
                match from_js_at(&x, opts, next) {
                    Ok(x) => out.push(x),
                    Err(e) => err = Some(e),
                }
            }
        });
        return match err {
            Some(e) => Err(e),
            None => Ok(Value::Set(out.into_iter().collect())),
        };
    }
    if let Some(map) = v.dyn_ref::<js_sys::Map>() {
        let mut entries = Vec::new();
        let mut err = None;
        map.for_each(&mut |val, key| {
            if err.is_none() {
                match (from_js_at(&key, opts, next), from_js_at(&val, opts, next)) {
                    (Ok(k), Ok(v)) => entries.push((k, v)),
                    (Err(e), _) | (_, Err(e)) => err = Some(e),
                }
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        return Ok(map_value(entries, opts));
    }
    if v.is_object() && !v.is_function() {
        // Any other object (one without `Object.prototype`, or a class instance) reads as a
        // plain object, by its own enumerable properties.
        return object_value(v, opts, next);
    }
    Err(type_error(format!(
        "a JS {} has no dfdb value",
        v.js_typeof().as_string().unwrap_or_default()
    )))
}

fn array_value(v: &JsValue, opts: FromJs, depth: usize) -> Result<Value, Error> {
    let a = Array::unchecked_from_js_ref(v);
    let mut out = Vec::with_capacity(a.length() as usize);
    for x in a.iter() {
        out.push(from_js_at(&x, opts, depth)?);
    }
    Ok(Value::Vector(out))
}

fn object_value(v: &JsValue, opts: FromJs, depth: usize) -> Result<Value, Error> {
    let mut entries = Vec::new();
    for pair in Object::entries(Object::unchecked_from_js_ref(v)).iter() {
        let pair: Array = Array::unchecked_from_js(pair);
        let key = object_key(&pair.get(0).as_string().unwrap_or_default())?;
        entries.push((key, from_js_at(&pair.get(1), opts, depth)?));
    }
    Ok(map_value(entries, opts))
}

/// Whether `v`'s prototype is `Object.prototype` (an object literal, `JSON.parse` output).
fn is_plain_object(v: &JsValue) -> bool {
    if !v.is_object() {
        return false;
    }
    OBJECT_PROTOTYPE.with(|proto| JsValue::from(Object::get_prototype_of(v)) == *proto)
}

thread_local! {
    static OBJECT_PROTOTYPE: JsValue = Object::get_prototype_of(&Object::new()).into();
}

/// A JS number: a long when integral and within 64 bits, else a double.
pub fn number_value(f: f64) -> Value {
    // 2^63 is exact as an f64; integral floats in [-2^63, 2^63) convert exactly.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f) {
        Value::Int(f as i64)
    } else {
        Value::float(f)
    }
}

/// A plain object's entries as a map, or as an ordered-map list for tx data.
pub(crate) fn map_value(entries: Vec<(Value, Value)>, opts: FromJs) -> Value {
    if opts.ordered_maps {
        let mut items = vec![Value::sym(edn::ORDERED_MAP)];
        for (k, v) in entries {
            items.push(k);
            items.push(v);
        }
        Value::List(items)
    } else {
        Value::Map(entries.into_iter().collect())
    }
}
