//! The EDN printer: `Display` for [`Value`], iterative so deep values cannot overflow the stack.

use alloc::collections::btree_map;
use alloc::vec::Vec;
use core::fmt::{self, Write};
use core::slice;

use super::inst;
use crate::Value;

/// The items of a collection still to print.
enum Items<'a> {
    /// A vector's, list's or set's elements.
    Seq(slice::Iter<'a, Value>),
    /// Map entries, and the value of the entry whose key was just printed.
    Map(btree_map::Iter<'a, Value, Value>, Option<&'a Value>),
}

/// An open collection being printed.
struct Frame<'a> {
    items: Items<'a>,
    close: &'static str,
    first: bool,
}

impl<'a> Frame<'a> {
    /// The next value to print and the separator to print before it.
    fn next(&mut self) -> Option<(&'a Value, &'static str)> {
        let sep = if self.first { "" } else { " " };
        let out = match &mut self.items {
            Items::Seq(it) => it.next().map(|v| (v, sep)),
            Items::Map(it, pending) => match pending.take() {
                Some(v) => Some((v, " ")),
                None => it.next().map(|(k, v)| {
                    *pending = Some(v);
                    (k, if self.first { "" } else { ", " })
                }),
            },
        };
        self.first = false;
        out
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut stack: Vec<Frame<'_>> = Vec::new();
        if let Some(frame) = open(self, f)? {
            stack.push(frame);
        }
        while let Some(top) = stack.last_mut() {
            match top.next() {
                Some((v, sep)) => {
                    f.write_str(sep)?;
                    if let Some(frame) = open(v, f)? {
                        stack.push(frame);
                    }
                }
                None => {
                    f.write_str(top.close)?;
                    stack.pop();
                }
            }
        }
        Ok(())
    }
}

/// Prints an atom whole, or a collection's opener and returns the frame that prints the rest.
fn open<'a>(v: &'a Value, f: &mut fmt::Formatter<'_>) -> Result<Option<Frame<'a>>, fmt::Error> {
    let (open, items, close) = match v {
        Value::Vector(xs) => ("[", Items::Seq(xs.iter()), "]"),
        Value::List(xs) => ("(", Items::Seq(xs.iter()), ")"),
        Value::Set(xs) => ("#{", Items::Seq(xs.iter()), "}"),
        Value::Map(m) => ("{", Items::Map(m.iter(), None), "}"),
        atom => {
            write_atom(atom, f)?;
            return Ok(None);
        }
    };
    f.write_str(open)?;
    Ok(Some(Frame {
        items,
        close,
        first: true,
    }))
}

fn write_atom(v: &Value, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v {
        Value::Nil => f.write_str("nil"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(i) => write!(f, "{i}"),
        Value::Float(x) => write_float(*x, f),
        Value::Inst(ms) => {
            f.write_str("#inst \"")?;
            inst::write(*ms, f)?;
            f.write_char('"')
        }
        Value::Str(s) => write_str(s, f),
        Value::Char(c) => write_char(*c, f),
        Value::Keyword(k) => write!(f, ":{}", k.as_str()),
        Value::Symbol(s) => f.write_str(s.as_str()),
        Value::Uuid(u) => write!(f, "#uuid \"{u}\""),
        Value::Bytes(b) => {
            f.write_str("#dfdb/bytes \"")?;
            f.write_str(&crate::codec::hex::encode(b))?;
            f.write_char('"')
        }
        Value::Ref(id) => write!(f, "#dfdb/ref {id}"),
        // Collections are printed by `open` and the frames of `Display::fmt`.
        Value::Vector(_) | Value::List(_) | Value::Set(_) | Value::Map(_) => Ok(()),
    }
}

/// Shortest round-trip text, always with a `.` or an exponent so it reads back as a float.
fn write_float(x: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("##NaN");
    }
    if x.is_infinite() {
        return f.write_str(if x > 0.0 { "##Inf" } else { "##-Inf" });
    }
    // `Debug` is the shortest text that parses back to the same f64, with an exponent for very
    // large or small magnitudes; it keeps `.0` on whole numbers, but check rather than rely on it.
    let mut out = FloatText { f, marked: false };
    write!(out, "{x:?}")?;
    if !out.marked {
        out.f.write_str(".0")?;
    }
    Ok(())
}

/// Forwards float text, noting whether it has a `.` or an exponent.
struct FloatText<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    marked: bool,
}

impl Write for FloatText<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.marked |= s.contains(['.', 'e', 'E']);
        self.f.write_str(s)
    }
}

fn write_str(s: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_char('"')?;
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            c if c.is_control() => "",
            _ => continue,
        };
        f.write_str(s.get(plain..i).unwrap_or(""))?;
        if esc.is_empty() {
            write!(f, "\\u{:04x}", u32::from(c))?;
        } else {
            f.write_str(esc)?;
        }
        plain = i + c.len_utf8();
    }
    f.write_str(s.get(plain..).unwrap_or(""))?;
    f.write_char('"')
}

fn write_char(c: char, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match c {
        '\n' => f.write_str("\\newline"),
        ' ' => f.write_str("\\space"),
        '\t' => f.write_str("\\tab"),
        '\r' => f.write_str("\\return"),
        '\u{8}' => f.write_str("\\backspace"),
        '\u{c}' => f.write_str("\\formfeed"),
        // Non-printing BMP characters; astral characters have no `\u` form and print as is
        // (the reader takes any one character after `\`).
        c if (c.is_control() || c.is_whitespace()) && u32::from(c) <= 0xFFFF => {
            write!(f, "\\u{:04x}", u32::from(c))
        }
        c => write!(f, "\\{c}"),
    }
}
