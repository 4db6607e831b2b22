//! The EDN reader: iterative, with an explicit stack of open collections and pending tags.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::lex::{parse_uuid, Atom};
use super::{inst, limit, snippet, value_snippet, ReadOptions};
use crate::value::Uuid;
use crate::{Error, Result, Value};

/// A tag the reader knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Inst,
    Uuid,
    Ref,
    Bytes,
}

impl Tag {
    fn name(self) -> &'static str {
        match self {
            Tag::Inst => "#inst",
            Tag::Uuid => "#uuid",
            Tag::Ref => "#dfdb/ref",
            Tag::Bytes => "#dfdb/bytes",
        }
    }
}

/// The items gathered so far by an open collection.
enum Items {
    List(Vec<Value>),
    Vector(Vec<Value>),
    Set(BTreeSet<Value>),
    /// The map so far and a key waiting for its value (with the key's position).
    Map(BTreeMap<Value, Value>, Option<(Value, usize)>, Vec<Value>),
}

impl Items {
    fn opener(&self) -> &'static str {
        match self {
            Items::List(_) => "(",
            Items::Vector(_) => "[",
            Items::Set(_) => "#{",
            Items::Map(..) => "{",
        }
    }

    fn closer(&self) -> char {
        match self {
            Items::List(_) => ')',
            Items::Vector(_) => ']',
            Items::Set(_) | Items::Map(..) => '}',
        }
    }
}

/// Something waiting for the next complete form.
enum Frame {
    /// An open collection and the position of its opener.
    Coll(Items, usize),
    /// A tag and its position: the next form is its argument.
    Tag(Tag, usize),
    /// `#_` and its position: the next form is dropped.
    Discard(usize),
}

/// Reads forms one at a time from a text.
pub(super) struct Reader<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
    max_depth: usize,
    ordered_maps: bool,
}

fn is_ws(c: char) -> bool {
    c.is_whitespace() || c == ','
}

/// Whether `c` ends a token (symbol, keyword, number, tag name, character name).
fn is_delim(c: char) -> bool {
    is_ws(c) || matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"' | ';' | '\\')
}

impl<'a> Reader<'a> {
    /// A reader over `text`, or a limit error if the text is longer than `max_size`.
    pub(super) fn new(text: &'a str, opts: &ReadOptions) -> Result<Self> {
        if text.len() > opts.max_size {
            return Err(limit(format!(
                "EDN input is {} bytes, more than the max_size of {} bytes",
                text.len(),
                opts.max_size
            )));
        }
        Ok(Reader {
            text,
            pos: 0,
            max_depth: opts.max_depth,
            ordered_maps: opts.ordered_maps,
        })
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    /// The 1-based line and column (in characters) of byte offset `at`.
    fn line_col(&self, at: usize) -> (u32, u32) {
        let before = self.text.get(..at).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        (clamp(line), clamp(column))
    }

    /// A parse error at byte offset `at`.
    pub(super) fn error_at(&self, at: usize, message: impl Into<String>) -> Error {
        let (line, column) = self.line_col(at);
        Error::Parse {
            message: message.into(),
            line,
            column,
        }
    }

    /// A parse error at the current position.
    pub(super) fn error_here(&self, message: impl Into<String>) -> Error {
        self.error_at(self.pos, message)
    }

    /// Skips whitespace, commas and `;` comments.
    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += c.len_utf8();
            } else if c == ';' {
                self.pos = self
                    .rest()
                    .find('\n')
                    .map_or(self.text.len(), |i| self.pos + i);
            } else {
                break;
            }
        }
    }

    /// The end of the token starting at `from`.
    pub(super) fn token_end(&self, from: usize) -> usize {
        let rest = self.text.get(from..).unwrap_or("");
        rest.find(is_delim).map_or(self.text.len(), |i| from + i)
    }

    /// The token (up to the next delimiter) starting at `from`, for error messages.
    pub(super) fn token_at(&self, from: usize) -> &'a str {
        let first = self.text.get(from..).and_then(|r| r.chars().next());
        let end = self
            .token_end(from)
            .max(from + first.map_or(0, char::len_utf8));
        self.text.get(from..end).unwrap_or("")
    }

    /// Fails unless only blanks and discarded forms remain.
    pub(super) fn expect_end(&mut self) -> Result<()> {
        self.skip_blank();
        let after = self.pos;
        match self.next_form()? {
            None => Ok(()),
            Some(_) => Err(self.error_at(
                after,
                format!(
                    "expected the end of the input after the form, found `{}`",
                    snippet(self.token_at(after))
                ),
            )),
        }
    }

    /// Reads the next complete form, or `None` at the end of the input.
    pub(super) fn next_form(&mut self) -> Result<Option<Value>> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut depth = 0usize;
        loop {
            self.skip_blank();
            let start = self.pos;
            let Some(c) = self.peek() else {
                return match stack.last() {
                    None => Ok(None),
                    Some(frame) => Err(self.unfinished(frame)),
                };
            };
            let mut value_start = start;
            let value = match c {
                '(' | '[' | '{' => {
                    self.pos += 1;
                    let items = match c {
                        '(' => Items::List(Vec::new()),
                        '[' => Items::Vector(Vec::new()),
                        _ => Items::Map(BTreeMap::new(), None, Vec::new()),
                    };
                    self.open(&mut stack, &mut depth, items, start)?;
                    continue;
                }
                ')' | ']' | '}' => {
                    self.pos += 1;
                    let (items, open_at) = match stack.pop() {
                        Some(Frame::Coll(items, at)) => (items, at),
                        Some(Frame::Tag(tag, _)) => {
                            return Err(self.error_at(
                                start,
                                format!("expected a form after {}, found `{c}`", tag.name()),
                            ))
                        }
                        Some(Frame::Discard(_)) => {
                            return Err(self
                                .error_at(start, format!("expected a form after #_, found `{c}`")))
                        }
                        None => return Err(self.error_at(start, format!("unexpected `{c}`"))),
                    };
                    if items.closer() != c {
                        let (l, col) = self.line_col(open_at);
                        return Err(self.error_at(
                            start,
                            format!(
                                "unexpected `{c}`: expected `{}` to close the `{}` at line {l}, column {col}",
                                items.closer(),
                                items.opener()
                            ),
                        ));
                    }
                    depth -= 1;
                    value_start = open_at;
                    match items {
                        Items::List(v) => Value::List(v),
                        Items::Vector(v) => Value::Vector(v),
                        Items::Set(s) => Value::Set(s.into()),
                        Items::Map(mut m, None, order) if self.ordered_maps => {
                            let mut items = Vec::with_capacity(1 + 2 * order.len());
                            items.push(Value::sym(super::ORDERED_MAP));
                            for k in order {
                                let v = m.remove(&k).unwrap_or(Value::Nil);
                                items.push(k);
                                items.push(v);
                            }
                            Value::List(items)
                        }
                        Items::Map(m, None, _) => Value::Map(m),
                        Items::Map(_, Some((k, at)), _) => {
                            return Err(self.error_at(
                                at,
                                format!(
                                    "map has an odd number of forms: key `{}` has no value",
                                    value_snippet(&k)
                                ),
                            ))
                        }
                    }
                }
                '#' => match self.peek2() {
                    Some('{') => {
                        self.pos += 2;
                        self.open(&mut stack, &mut depth, Items::Set(BTreeSet::new()), start)?;
                        continue;
                    }
                    Some('_') => {
                        self.pos += 2;
                        stack.push(Frame::Discard(start));
                        continue;
                    }
                    Some('#') => self.symbolic(start)?,
                    _ => {
                        let end = self.token_end(start + 1);
                        let name = self.text.get(start + 1..end).unwrap_or("");
                        let tag = match name {
                            "inst" => Tag::Inst,
                            "uuid" => Tag::Uuid,
                            "dfdb/ref" => Tag::Ref,
                            "dfdb/bytes" => Tag::Bytes,
                            "" => return Err(self.error_at(start, "expected a tag name after `#`")),
                            _ => {
                                return Err(self
                                    .error_at(start, format!("unknown tag `#{}`", snippet(name))))
                            }
                        };
                        self.pos = end;
                        stack.push(Frame::Tag(tag, start));
                        continue;
                    }
                },
                '"' => self.string(start)?,
                '\\' => self.character(start)?,
                _ => {
                    let for_ref = matches!(stack.last(), Some(Frame::Tag(Tag::Ref, _)));
                    match self.atom(start, for_ref)? {
                        Atom::Value(v) => v,
                        Atom::RefId(id) => {
                            if let Some(Frame::Tag(_, at)) = stack.pop() {
                                value_start = at;
                            }
                            Value::Ref(id)
                        }
                    }
                }
            };
            // Deliver the finished form to whatever waits for it.
            let mut value = value;
            loop {
                match stack.last_mut() {
                    None => return Ok(Some(value)),
                    Some(Frame::Discard(_)) => {
                        stack.pop();
                        break;
                    }
                    Some(Frame::Tag(tag, at)) => {
                        let (tag, at) = (*tag, *at);
                        stack.pop();
                        value = self.apply_tag(tag, value, value_start)?;
                        value_start = at;
                    }
                    Some(Frame::Coll(items, _)) => {
                        self.add(items, value, value_start)?;
                        break;
                    }
                }
            }
        }
    }

    fn open(
        &self,
        stack: &mut Vec<Frame>,
        depth: &mut usize,
        items: Items,
        at: usize,
    ) -> Result<()> {
        *depth += 1;
        if *depth > self.max_depth {
            let (line, column) = self.line_col(at);
            return Err(limit(format!(
                "EDN nested deeper than the max_depth of {} at line {line}, column {column}",
                self.max_depth
            )));
        }
        stack.push(Frame::Coll(items, at));
        Ok(())
    }

    /// The error for input that ends while `frame` still waits.
    fn unfinished(&self, frame: &Frame) -> Error {
        match frame {
            Frame::Coll(items, at) => self.error_at(
                *at,
                format!(
                    "unclosed `{}`: no matching `{}` before the end of the input",
                    items.opener(),
                    items.closer()
                ),
            ),
            Frame::Tag(tag, at) => self.error_at(
                *at,
                format!(
                    "expected a form after {}, found the end of the input",
                    tag.name()
                ),
            ),
            Frame::Discard(at) => {
                self.error_at(*at, "expected a form after #_, found the end of the input")
            }
        }
    }

    /// Adds a finished form (that started at `at`) to an open collection.
    fn add(&self, items: &mut Items, value: Value, at: usize) -> Result<()> {
        match items {
            Items::List(v) | Items::Vector(v) => v.push(value),
            Items::Set(s) => {
                if s.contains(&value) {
                    let msg = format!("duplicate set element `{}`", value_snippet(&value));
                    return Err(self.error_at(at, msg));
                }
                s.insert(value);
            }
            Items::Map(m, pending, order) => match pending.take() {
                None => {
                    if m.contains_key(&value) {
                        let msg = format!("duplicate map key `{}`", value_snippet(&value));
                        return Err(self.error_at(at, msg));
                    }
                    *pending = Some((value, at));
                }
                Some((k, _)) => {
                    if self.ordered_maps {
                        order.push(k.clone());
                    }
                    m.insert(k, value);
                }
            },
        }
        Ok(())
    }

    fn apply_tag(&self, tag: Tag, value: Value, at: usize) -> Result<Value> {
        let bad = |what: &str| {
            self.error_at(
                at,
                format!(
                    "{} expects {what}, found `{}`",
                    tag.name(),
                    value_snippet(&value)
                ),
            )
        };
        match (tag, &value) {
            (Tag::Inst, Value::Str(s)) => inst::parse(s).map(Value::Inst).map_err(|e| match e {
                Error::Parse { message, .. } => self.error_at(at, message),
                other => other,
            }),
            (Tag::Inst, _) => Err(bad("an RFC 3339 string")),
            (Tag::Uuid, Value::Str(s)) => parse_uuid(s)
                .map(|u| Value::Uuid(Uuid::new(u)))
                .ok_or_else(|| self.error_at(at, format!("invalid #uuid `\"{}\"`", snippet(s)))),
            (Tag::Uuid, _) => Err(bad("a string")),
            (Tag::Bytes, Value::Str(s)) => crate::codec::hex::decode(s)
                .map(|b| Value::Bytes(Arc::from(b)))
                .ok_or_else(|| {
                    self.error_at(at, format!("invalid #dfdb/bytes hex `\"{}\"`", snippet(s)))
                }),
            (Tag::Bytes, _) => Err(bad("a hex string")),
            (Tag::Ref, _) => Err(bad("a non-negative integer")),
        }
    }
}
