//! Tx data in from JS as JSON text, when it has a JSON form.
//!
//! `convert::from_js` reads JS data one boundary call at a time (a type check, then the value;
//! for an object, its entries, then each key and value): a five-attribute entity map cost about a
//! dozen calls, an eighth of a small transaction's time. `js/database.js` sends tx data that
//! JSON says exactly (strings, finite numbers, booleans, `null`, arrays, plain objects; no
//! `undefined` object values, `Date`s, bigints, bytes, `Set`s, `Map`s, class instances, functions)
//! as one `JSON.stringify` string, and [`read`] turns it into the values `from_js` would have
//! built from the same data: numbers through `convert::number_value`, strings through
//! `convert::string_value` (keywords from a leading colon), arrays as vectors, objects as maps
//! whose keys are keyword names (in order, as `(dfdb/ordered-map …)` when asked).

use crate::convert::{
    map_value, number_value, object_key, string_value, too_deep, FromJs, MAX_DEPTH,
};
use dfdb_core::{Error, Value};

/// The value of JSON `text`, read as `from_js` reads the JS value it came from.
///
/// Errors name what is wrong: text that is not JSON (never produced by `JSON.stringify`; the
/// reader is lenient about some of it, such as leading zeros), an object key that is not a
/// keyword name, nesting deeper than the JS-data limit.
pub fn read(text: &str, opts: FromJs) -> Result<Value, Error> {
    let mut r = Reader {
        bytes: text.as_bytes(),
        text,
        at: 0,
        opts,
    };
    let v = r.value(0)?;
    r.space();
    if r.at != r.bytes.len() {
        return Err(r.error("text after the value"));
    }
    Ok(v)
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    opts: FromJs,
}

impl Reader<'_> {
    fn error(&self, what: &str) -> Error {
        Error::parse(format!("tx data JSON: {what} at byte {}", self.at))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.space();
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, Error> {
        if self.text.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            Ok(v)
        } else {
            Err(self.error("not a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        self.space();
        match self.peek() {
            Some(b'"') => Ok(string_value(&self.string()?)),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected , or ]"));
                        }
                    }
                }
                Ok(Value::Vector(items))
            }
            Some(b'{') => {
                self.at += 1;
                let mut entries = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.space();
                        if self.peek() != Some(b'"') {
                            return Err(self.error("expected an object key"));
                        }
                        let key = object_key(&self.string()?)?;
                        if !self.eat(b':') {
                            return Err(self.error("expected :"));
                        }
                        entries.push((key, self.value(depth + 1)?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error("expected , or }"));
                        }
                    }
                }
                Ok(map_value(entries, self.opts))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("not a JSON value")),
        }
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.at;
        while matches!(
            self.peek(),
            Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        ) {
            self.at += 1;
        }
        let digits = self.text.get(start..self.at).unwrap_or_default();
        // Up to 15 digits with no fraction or exponent is an integer a double holds exactly,
        // which `number_value` makes a long: read it as one, skipping the float parser.
        let magnitude = digits.strip_prefix('-').unwrap_or(digits);
        if (1..=15).contains(&magnitude.len()) && magnitude.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = digits.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        }
        // `JSON.stringify` writes the shortest text that reads back as the same double.
        digits
            .parse::<f64>()
            .map(number_value)
            .map_err(|_| self.error("not a number"))
    }

    /// A JSON string at the cursor (which is on its opening quote), unescaped.
    fn string(&mut self) -> Result<String, Error> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let run = self.at;
            while !matches!(self.peek(), Some(b'"' | b'\\') | None) {
                self.at += 1;
            }
            // The run ends at an ASCII byte or the end, so it is whole UTF-8.
            out.push_str(self.text.get(run..self.at).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                _ => return Err(self.error("unterminated string")),
            }
        }
    }

    fn escape(&mut self) -> Result<char, Error> {
        let b = self
            .peek()
            .ok_or_else(|| self.error("unterminated string"))?;
        self.at += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                let pair_follows = self
                    .text
                    .get(self.at..)
                    .is_some_and(|rest| rest.starts_with("\\u"));
                if (0xD800..0xDC00).contains(&hi) && pair_follows {
                    let save = self.at;
                    self.at += 2;
                    let lo = self.hex4()?;
                    if (0xDC00..0xE000).contains(&lo) {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    self.at = save;
                }
                // A lone surrogate: JS strings cross into Rust with it replaced, as here.
                char::from_u32(hi).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            _ => return Err(self.error("bad escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .ok_or_else(|| self.error("short \\u escape"))?;
        let n = u32::from_str_radix(digits, 16).map_err(|_| self.error("bad \\u escape"))?;
        self.at += 4;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfdb_core::edn;

    fn read_plain(text: &str) -> Result<Value, Error> {
        read(
            text,
            FromJs {
                ordered_maps: false,
            },
        )
    }

    #[test]
    fn reads_values_as_from_js_would() {
        let v = read_plain(
            r#"[{"name":"Ivan",":age":12,"sex":":male","w":1.5,"n":null,"ok":true},-0,1e21,[]]"#,
        )
        .expect("json");
        let want =
            edn::read(r#"[{:name "Ivan" :age 12 :sex :male :w 1.5 :n nil :ok true} 0 1.0E21 []]"#)
                .expect("edn");
        assert_eq!(v, want);
    }

    #[test]
    fn integers_read_as_the_float_path_would() {
        for text in [
            "0",
            "-0",
            "7",
            "-12",
            "999999999999999",
            "-999999999999999",
            "9007199254740993",
            "1234567890123456789",
            "1e3",
            "1.0",
            "0.5",
            "-1.5e-7",
            "1e300",
        ] {
            let by_float = number_value(text.parse::<f64>().expect("number"));
            assert_eq!(read_plain(text).expect("json"), by_float, "{text}");
        }
    }

    #[test]
    fn unescapes_strings() {
        let v = read_plain(r#"["a\"b\\c\/\n\t\u00e9\ud83d\ude00", "\ud800x", "é"]"#).expect("json");
        let want = Value::Vector(vec![
            Value::str("a\"b\\c/\n\té😀"),
            Value::str("\u{FFFD}x"),
            Value::str("é"),
        ]);
        assert_eq!(v, want);
    }

    #[test]
    fn keeps_key_order_for_tx_data() {
        let v = read(r#"{"b":1,"a":2}"#, FromJs { ordered_maps: true }).expect("json");
        let want = edn::read("(dfdb/ordered-map :b 1 :a 2)").expect("edn");
        assert_eq!(v, want);
    }

    #[test]
    fn refuses_what_is_not_json_or_not_tx_data() {
        for bad in [
            "",
            "[1,",
            "[1 2]",
            "{\"a\" 1}",
            "tru",
            "\"abc",
            "[1]x",
            "{1:2}",
            "\"\\x\"",
            "\"\\u12\"",
        ] {
            assert!(read_plain(bad).is_err(), "{bad:?} should be refused");
        }
        let e = read_plain(r#"{"not a keyword":1}"#).expect_err("key");
        assert!(e.to_string().contains("not a keyword name"), "{e}");
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert!(matches!(read_plain(&deep), Err(Error::Limit(_))));
    }
}
