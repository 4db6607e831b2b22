//! Tokens: strings, characters, numbers, symbols, keywords and the text inside tags.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;

use super::read::Reader;
use super::snippet;
use crate::{Result, Value};

impl Reader<'_> {
    /// `##Inf`, `##-Inf`, `##NaN`.
    pub(super) fn symbolic(&mut self, start: usize) -> Result<Value> {
        let end = self.token_end(start + 2);
        let v = match self.text.get(start + 2..end).unwrap_or("") {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            other => {
                return Err(self.error_at(
                    start,
                    format!("unknown symbolic value `##{}`", snippet(other)),
                ))
            }
        };
        self.pos = end;
        Ok(Value::float(v))
    }

    /// A string literal; `self.pos` is at the opening quote.
    pub(super) fn string(&mut self, start: usize) -> Result<Value> {
        let mut out = String::new();
        let mut i = start + 1;
        loop {
            let rest = self.text.get(i..).unwrap_or("");
            let Some(j) = rest.find(['"', '\\']) else {
                return Err(self.error_at(start, "unterminated string: no closing `\"`"));
            };
            out.push_str(rest.get(..j).unwrap_or(""));
            i += j;
            if rest.as_bytes().get(j) == Some(&b'"') {
                self.pos = i + 1;
                return Ok(Value::Str(Arc::from(out.as_str())));
            }
            // A backslash escape at `i`.
            let esc = self.text.get(i + 1..).and_then(|r| r.chars().next());
            let c = match esc {
                Some('t') => '\t',
                Some('r') => '\r',
                Some('n') => '\n',
                Some('\\') => '\\',
                Some('"') => '"',
                Some('b') => '\u{8}',
                Some('f') => '\u{c}',
                Some('u') => {
                    let (c, len) = self.unicode_escape(i)?;
                    out.push(c);
                    i += len;
                    continue;
                }
                Some(other) => {
                    return Err(self.error_at(i, format!("unknown string escape `\\{other}`")))
                }
                None => return Err(self.error_at(start, "unterminated string: no closing `\"`")),
            };
            out.push(c);
            i += 2;
        }
    }

    /// A `\uXXXX` escape at byte `at` (combining a surrogate pair); the char and bytes consumed.
    fn unicode_escape(&self, at: usize) -> Result<(char, usize)> {
        let hi = self.hex4(at)?;
        if (0xD800..0xDC00).contains(&hi) {
            let lo = match self.text.get(at + 6..at + 8) {
                Some("\\u") => self.hex4(at + 6)?,
                _ => {
                    return Err(self.error_at(
                        at,
                        format!(
                            "`\\u{hi:04X}` is a high surrogate without a low surrogate after it"
                        ),
                    ))
                }
            };
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(self.error_at(
                    at,
                    format!(
                        "`\\u{hi:04X}` is followed by `\\u{lo:04X}`, which is not a low surrogate"
                    ),
                ));
            }
            let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return char::from_u32(code)
                .map(|c| (c, 12))
                .ok_or_else(|| self.error_at(at, "invalid surrogate pair"));
        }
        char::from_u32(hi)
            .map(|c| (c, 6))
            .ok_or_else(|| self.error_at(at, format!("`\\u{hi:04X}` is a lone low surrogate")))
    }

    /// The four hex digits after the `\u` at byte `at`.
    fn hex4(&self, at: usize) -> Result<u32> {
        let digits = self
            .text
            .get(at + 2..at + 6)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(n) => Ok(n),
            None => Err(self.error_at(
                at,
                format!(
                    "`\\u` needs four hex digits, found `{}`",
                    snippet(self.token_at(at))
                ),
            )),
        }
    }

    /// A character literal; `self.pos` is at the backslash.
    pub(super) fn character(&mut self, start: usize) -> Result<Value> {
        let Some(first) = self.text.get(start + 1..).and_then(|r| r.chars().next()) else {
            return Err(self.error_at(start, "expected a character after `\\`"));
        };
        let name_start = start + 1;
        let end = self.token_end(name_start + first.len_utf8());
        let name = self.text.get(name_start..end).unwrap_or("");
        let c = if name.len() == first.len_utf8() {
            Some(first)
        } else {
            match name {
                "newline" => Some('\n'),
                "space" => Some(' '),
                "tab" => Some('\t'),
                "return" => Some('\r'),
                "backspace" => Some('\u{8}'),
                "formfeed" => Some('\u{c}'),
                _ => match name.strip_prefix('u') {
                    Some(h) if h.len() == 4 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                        u32::from_str_radix(h, 16).ok().and_then(char::from_u32)
                    }
                    _ => None,
                },
            }
        };
        match c {
            Some(c) => {
                self.pos = end;
                Ok(Value::Char(c))
            }
            None => Err(self.error_at(start, format!("unknown character `\\{}`", snippet(name)))),
        }
    }

    /// A symbol, keyword, number, `nil`, `true` or `false`.
    pub(super) fn atom(&mut self, start: usize, for_ref: bool) -> Result<Atom> {
        let mut end = self.token_end(start);
        if end == start {
            end += self.peek().map_or(1, char::len_utf8);
        }
        let tok = self.text.get(start..end).unwrap_or("");
        let bytes = tok.as_bytes();
        let numeric = match bytes {
            [b'+' | b'-', d, ..] | [d, ..] => d.is_ascii_digit(),
            [] => false,
        };
        let v = if numeric {
            if for_ref {
                let digits = tok.strip_suffix('N').unwrap_or(tok);
                return match digits.parse::<u64>() {
                    Ok(id) => {
                        self.pos = end;
                        Ok(Atom::RefId(id))
                    }
                    Err(_) => Err(self.error_at(
                        start,
                        format!(
                            "#dfdb/ref expects a non-negative integer, found `{}`",
                            snippet(tok)
                        ),
                    )),
                };
            }
            number(tok).map_err(|m| self.error_at(start, m))?
        } else if let Some(name) = tok.strip_prefix(':') {
            if !valid_name(name) {
                return Err(self.error_at(start, format!("invalid keyword `{}`", snippet(tok))));
            }
            Value::kw(name)
        } else {
            match tok {
                "nil" => Value::Nil,
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ if valid_name(tok) => Value::sym(tok),
                _ => return Err(self.error_at(start, format!("invalid symbol `{}`", snippet(tok)))),
            }
        };
        self.pos = end;
        Ok(Atom::Value(v))
    }
}

/// What [`Reader::atom`] read.
pub(super) enum Atom {
    Value(Value),
    /// An integer read as the argument of a `#dfdb/ref` tag (which it completes).
    RefId(u64),
}

/// Whether `c` may appear in a symbol or keyword. `@` (not first) is beyond the EDN spec: the
/// printer writes `(keyword "ann@x.org")` as `:ann@x.org`, as DataScript does, and what is
/// written must read back.
fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || ".*+!-_?$%&=<>/:#'@".contains(c)
}

/// Whether one part (namespace or name) of a symbol is valid.
fn valid_part(s: &str) -> bool {
    let mut cs = s.chars();
    let Some(first) = cs.next() else { return false };
    if first.is_ascii_digit() || matches!(first, ':' | '#' | '\'' | '@') {
        return false;
    }
    if matches!(first, '+' | '-' | '.') && cs.next().is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    s.chars().all(is_name_char)
}

/// Whether `s` is a valid symbol text (also the text of a keyword after its colon).
fn valid_name(s: &str) -> bool {
    if s == "/" {
        return true;
    }
    match s.split_once('/') {
        None => valid_part(s),
        Some((ns, name)) => {
            valid_part(ns) && (name == "/" || (valid_part(name) && !name.contains('/')))
        }
    }
}

/// An integer or float token.
fn number(tok: &str) -> core::result::Result<Value, String> {
    let bad = || format!("invalid number `{}`", snippet(tok));
    let (body, suffix) = match tok.as_bytes().last() {
        Some(b'N') => (tok.get(..tok.len() - 1).unwrap_or(""), Some('N')),
        Some(b'M') => (tok.get(..tok.len() - 1).unwrap_or(""), Some('M')),
        _ => (tok, None),
    };
    let b = body.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 {
        return Err(bad());
    }
    if n > 1 && b.get(int_start) == Some(&b'0') {
        return Err(format!("invalid number `{}`: leading zero", snippet(tok)));
    }
    let mut is_float = false;
    if b.get(i) == Some(&b'.') {
        i += 1;
        digits(&mut i);
        is_float = true;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err(bad());
        }
        is_float = true;
    }
    if i != b.len() || (is_float && suffix == Some('N')) {
        return Err(bad());
    }
    if is_float || suffix == Some('M') {
        body.parse::<f64>().map(Value::float).map_err(|_| bad())
    } else {
        body.parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("integer `{}` is outside the 64-bit range", snippet(tok)))
    }
}

/// A UUID in the 8-4-4-4-12 hex form, either case.
pub(super) fn parse_uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut n: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
        } else {
            n = (n << 4) | u128::from(char::from(c).to_digit(16)?);
        }
    }
    Some(n)
}
