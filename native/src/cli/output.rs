//! Printing results: EDN (one element per line for big collections), JSON (the mapping `dfdb help`
//! documents) and aligned tables.

use super::args::Format;
use super::{CliError, CliResult};
use dfdb::Value;
use std::fmt::Write as _;
use std::io::Write;

/// Writes `text` and a newline to stdout. A closed pipe (`dfdb export | head`) ends the program
/// quietly with success.
pub fn emit(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    let result = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(CliError::io(format!("cannot write to stdout: {e}"))),
    }
}

/// A value in the given format; `headers` name the columns of a query relation.
pub fn render(v: &Value, format: Format, headers: Option<&[String]>) -> String {
    match format {
        Format::Edn => edn(v),
        Format::Json => json(v),
        Format::Table => table(v, headers),
    }
}

/// EDN; a set or vector longer than a line prints one element per line.
pub fn edn(v: &Value) -> String {
    let (open, close, items): (&str, &str, Vec<&Value>) = match v {
        Value::Vector(xs) => ("[", "]", xs.iter().collect()),
        Value::Set(xs) => ("#{", "}", xs.iter().collect()),
        _ => return v.to_string(),
    };
    let flat = v.to_string();
    if items.len() < 2 || flat.len() <= 80 {
        return flat;
    }
    let mut s = String::from(open);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            s.push('\n');
            s.push_str(&" ".repeat(open.len()));
        }
        s.push_str(&x.to_string());
    }
    s.push_str(close);
    s
}

fn is_coll(v: &Value) -> bool {
    matches!(
        v,
        Value::Vector(_) | Value::List(_) | Value::Set(_) | Value::Map(_)
    )
}

/// JSON text of a value.
pub fn json(v: &Value) -> String {
    let mut s = String::new();
    write_json(v, &mut s);
    s
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) if f.is_nan() => out.push_str("\"NaN\""),
        Value::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        }),
        Value::Float(f) => {
            let s = format!("{f:?}");
            out.push_str(&s);
        }
        Value::Ref(r) => {
            let _ = write!(out, "{r}");
        }
        Value::Vector(xs) | Value::List(xs) => write_array(xs.iter(), out),
        Value::Set(xs) => write_array(xs.iter(), out),
        Value::Map(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(&key_text(k), out);
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        other => json_string(&scalar_text(other), out),
    }
}

fn write_array<'a>(xs: impl Iterator<Item = &'a Value>, out: &mut String) {
    out.push('[');
    for (i, x) in xs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(x, out);
    }
    out.push(']');
}

/// A JSON object key: strings as is, keywords `:ns/name`, anything else its EDN text.
fn key_text(k: &Value) -> String {
    match k {
        Value::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// The plain text of a scalar, as JSON strings and table cells show it: strings without quotes,
/// instants and UUIDs without their tags, bytes as hex, everything else as EDN.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Char(c) => c.to_string(),
        Value::Symbol(s) => s.as_str().to_string(),
        Value::Inst(ms) => dfdb::edn::inst::format(*ms),
        Value::Uuid(_) => {
            let s = v.to_string();
            s.trim_start_matches("#uuid ").trim_matches('"').to_string()
        }
        Value::Bytes(b) => dfdb::codec::hex::encode(b),
        other => other.to_string(),
    }
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A table cell: scalars as plain text, collections as EDN.
fn cell(v: &Value) -> String {
    if is_coll(v) {
        v.to_string()
    } else {
        scalar_text(v)
    }
}

/// Aligned columns. A set or vector of tuples is one row per tuple (columns named by `headers`,
/// or numbered); of maps, one column per key; a map is two columns (key, value); anything else
/// one cell.
pub fn table(v: &Value, headers: Option<&[String]>) -> String {
    let items: Option<Vec<&Value>> = match v {
        Value::Vector(xs) | Value::List(xs) => Some(xs.iter().collect()),
        Value::Set(xs) => Some(xs.iter().collect()),
        _ => None,
    };
    let (head, rows): (Vec<String>, Vec<Vec<String>>) = match (v, items) {
        (_, Some(items)) if !items.is_empty() && items.iter().all(|x| x.as_seq().is_some()) => {
            let width = items
                .iter()
                .filter_map(|x| x.as_seq().map(<[Value]>::len))
                .max()
                .unwrap_or(0);
            let head = match headers {
                Some(h) if h.len() == width => h.to_vec(),
                _ => (1..=width).map(|i| i.to_string()).collect(),
            };
            let rows = items
                .iter()
                .map(|x| x.as_seq().unwrap_or(&[]).iter().map(cell).collect())
                .collect();
            (head, rows)
        }
        (_, Some(items))
            if !items.is_empty() && items.iter().all(|x| matches!(x, Value::Map(_))) =>
        {
            let mut head: Vec<&Value> = Vec::new();
            for x in &items {
                if let Value::Map(m) = x {
                    for k in m.keys() {
                        if !head.contains(&k) {
                            head.push(k);
                        }
                    }
                }
            }
            let rows = items
                .iter()
                .map(|x| {
                    head.iter()
                        .map(|k| match x {
                            Value::Map(m) => m.get(*k).map(cell).unwrap_or_default(),
                            _ => String::new(),
                        })
                        .collect()
                })
                .collect();
            (head.iter().map(|k| cell(k)).collect(), rows)
        }
        (_, Some(items)) => {
            let head = match headers {
                Some([h]) => vec![h.clone()],
                _ => vec!["value".to_string()],
            };
            (head, items.iter().map(|x| vec![cell(x)]).collect())
        }
        (Value::Map(m), None) => (
            vec!["key".to_string(), "value".to_string()],
            m.iter().map(|(k, v)| vec![cell(k), cell(v)]).collect(),
        ),
        (other, None) => {
            let head = match headers {
                Some([h]) => vec![h.clone()],
                _ => vec!["value".to_string()],
            };
            (head, vec![vec![cell(other)]])
        }
    };
    format_table(&head, &rows)
}

/// Columns padded to their widest cell, a header and a rule under it.
pub fn format_table(head: &[String], rows: &[Vec<String>]) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            // Multi-line cells are shown on one line.
            let w = width(c);
            match widths.get_mut(i) {
                Some(x) => *x = (*x).max(w),
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let mut l = String::new();
        for (i, w) in widths.iter().enumerate() {
            let c = cells.get(i).map(String::as_str).unwrap_or("");
            let c = c.replace('\n', "\\n");
            if i > 0 {
                l.push_str("  ");
            }
            l.push_str(&c);
            l.push_str(&" ".repeat(w.saturating_sub(width(&c))));
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(head, &mut out);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat((*w).max(1))).collect();
    line(&rule, &mut out);
    for row in rows {
        line(row, &mut out);
    }
    out.push_str(&format!(
        "({} row{})",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    out
}

/// The column names of a query's `:find`: each element's EDN text (`?name`, `(count ?e)`),
/// inside a tuple or collection find too. `None` when the query has no `:find` to read.
pub fn find_headers(query: &Value) -> Option<Vec<String>> {
    let q = match query {
        Value::Map(m) => match m.get(&Value::kw("query")) {
            Some(inner) => inner,
            None => query,
        },
        _ => query,
    };
    let elems: Vec<&Value> = match q {
        Value::Vector(xs) | Value::List(xs) => xs
            .iter()
            .skip_while(|x| **x != Value::kw("find"))
            .skip(1)
            .take_while(|x| x.as_keyword().is_none())
            .collect(),
        Value::Map(m) => m.get(&Value::kw("find"))?.as_seq()?.iter().collect(),
        _ => return None,
    };
    let mut out = Vec::new();
    for e in elems {
        match e {
            Value::Vector(inner) => out.extend(
                inner
                    .iter()
                    .filter(|x| !is_dots(x))
                    .map(ToString::to_string),
            ),
            x if is_dots(x) => {}
            x => out.push(x.to_string()),
        }
    }
    Some(out)
}

fn is_dots(v: &Value) -> bool {
    matches!(v, Value::Symbol(s) if s.as_str() == "." || s.as_str() == "...")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Value {
        dfdb::edn::read(s).unwrap()
    }

    #[test]
    fn json_mapping() {
        let v = read(r#"{:a/b #{1 2} "s" [nil true 1.5 #inst "2024-05-01T00:00:00Z" :k] 3 \c}"#);
        assert_eq!(
            json(&v),
            r#"{"3":"c","s":[null,true,1.5,"2024-05-01T00:00:00.000Z",":k"],":a/b":[1,2]}"#
        );
    }

    #[test]
    fn table_of_relation() {
        let v = read(r#"#{["Ann" 31] ["Bob" 7]}"#);
        let h = find_headers(&read("[:find ?name ?age :where [?p :n ?name]]")).unwrap();
        assert_eq!(
            table(&v, Some(&h)),
            "?name  ?age\n-----  ----\nAnn    31\nBob    7\n(2 rows)"
        );
    }

    #[test]
    fn headers_of_finds() {
        let h = |q: &str| find_headers(&read(q)).unwrap();
        assert_eq!(h("[:find ?a . :where]"), vec!["?a"]);
        assert_eq!(h("[:find [?a ...] :where]"), vec!["?a"]);
        assert_eq!(
            h("{:find [?a (count ?b)] :where []}"),
            vec!["?a", "(count ?b)"]
        );
    }
}
