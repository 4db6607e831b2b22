//! Tx-data (EDN values) into a flat list of operations on entity references.
//!
//! Nested maps become their own entities with a generated tempid; reverse attributes are turned
//! around; card-many collections become one operation per value. Entity references stay symbolic
//! here (tempids, lookup refs); `resolve` turns them into ids.

use crate::edn::{is_map, map_entries, normalize};
use crate::schema::{reverse_of, Schema};
use crate::{err, Error, Keyword, Result, Value};
use alloc::string::String;
use alloc::vec::Vec;

/// How tx-data names an entity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ERef {
    /// An explicit entity id.
    Id(u64),
    /// A tempid (string, negative integer, or generated for a map without `:db/id`).
    Temp(TempId),
    /// A lookup ref `[:unique/attr value]`.
    Lookup(Keyword, Value),
    /// The transaction entity (`"datomic.tx"` or `:db/current-tx`).
    Tx,
}

/// A temporary id, resolved consistently across one transaction.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TempId {
    /// A string tempid such as `"alice"`.
    Str(String),
    /// A negative integer tempid such as `-1`.
    Neg(i64),
    /// Generated for a map without `:db/id`.
    Auto(u32),
}

/// A value position: a plain value, or (for ref attributes) an entity reference.
#[derive(Clone, Debug, PartialEq)]
pub enum VRef {
    /// A plain value.
    Val(Value),
    /// An entity reference to resolve into an id.
    Entity(ERef),
}

/// One operation of a transaction, before resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Assert `a` = `v` on `e`.
    Add(ERef, Keyword, VRef),
    /// Retract `a` = `v` from `e`, or every value of `a` when `v` is `None`.
    Retract(ERef, Keyword, Option<VRef>),
    /// Retract every attribute of `e`, every ref to it, and its components.
    RetractEntity(ERef),
    /// Compare-and-swap: set `a` to `new` if its current value is `old` (`None`: no value).
    Cas(ERef, Keyword, Option<VRef>, VRef),
    /// Set key `k` of the map value of `a` to `v`.
    Assoc(ERef, Keyword, Value, Value),
    /// Append `v` to the vector value of `a`.
    Conj(ERef, Keyword, Value),
    /// Define or change an attribute (a map with `:db/ident`).
    Schema(Keyword, alloc::collections::BTreeMap<Value, Value>),
}

/// The parsed transaction: operations, and every tempid in order of first appearance.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Operations in tx-data order.
    pub ops: Vec<Op>,
    /// Tempids in order of first appearance (this order allocates new ids).
    pub temp_order: Vec<TempId>,
    /// How many tempids were generated for maps without `:db/id`.
    next_auto: u32,
    /// The tempids already in `temp_order` (a set, so noting stays O(log n) per reference).
    seen: alloc::collections::BTreeSet<TempId>,
}

/// Deepest nesting of entity maps accepted in tx-data.
pub const MAX_NESTING: usize = 64;

impl Parsed {
    fn note(&mut self, e: &ERef) {
        if let ERef::Temp(t) = e {
            if self.seen.insert(t.clone()) {
                self.temp_order.push(t.clone());
            }
        }
    }

    fn auto(&mut self) -> ERef {
        let t = TempId::Auto(self.next_auto);
        self.next_auto += 1;
        ERef::Temp(t)
    }
}

/// Parses tx-data: a vector (or list) of entity maps and list forms.
pub fn parse(tx_data: &Value, schema: &Schema) -> Result<Parsed> {
    let items = match tx_data {
        Value::Vector(v) | Value::List(v) => v,
        other => {
            return Err(err!(
                Parse,
                "tx-data must be a vector of maps and forms, got {other:?}"
            ))
        }
    };
    let mut p = Parsed::default();
    for item in items {
        if let Some(entries) = map_entries(item) {
            parse_map(&entries, schema, &mut p, 0)?;
            continue;
        }
        match item {
            Value::Vector(form) | Value::List(form) => parse_form(form, schema, &mut p)?,
            other => {
                return Err(err!(
                    Parse,
                    "tx-data item {other:?} is neither an entity map nor a list form"
                ))
            }
        }
    }
    Ok(p)
}

/// Reads an entity position: id, tempid, lookup ref or the tx entity.
pub fn entity_ref(v: &Value) -> Result<ERef> {
    match v {
        Value::Int(i) if *i > 0 => Ok(ERef::Id(*i as u64)),
        Value::Int(i) if *i < 0 => Ok(ERef::Temp(TempId::Neg(*i))),
        Value::Ref(r) => Ok(ERef::Id(*r)),
        Value::Str(s) if &**s == "datomic.tx" => Ok(ERef::Tx),
        Value::Str(s) => Ok(ERef::Temp(TempId::Str(String::from(&**s)))),
        Value::Keyword(k) if k.as_str() == "db/current-tx" => Ok(ERef::Tx),
        Value::Vector(lr) | Value::List(lr) => match lr.as_slice() {
            [Value::Keyword(a), val] => {
                if val.is_nil() {
                    return Err(err!(Type, "lookup ref [{a:?} nil] has a nil value"));
                }
                Ok(ERef::Lookup(a.clone(), normalize(val)))
            }
            _ => Err(err!(
                Parse,
                "bad lookup ref {v:?}: want [:unique/attr value]"
            )),
        },
        other => Err(err!(
            Parse,
            "{other:?} does not name an entity (want an id, tempid or lookup ref)"
        )),
    }
}

fn attr_kw(v: &Value) -> Result<Keyword> {
    match v {
        Value::Keyword(k) => Ok(k.clone()),
        other => Err(err!(Parse, "attribute {other:?} is not a keyword")),
    }
}

fn is_lookup_ref(v: &Value) -> bool {
    matches!(v, Value::Vector(x) | Value::List(x) if matches!(x.as_slice(), [Value::Keyword(_), _]))
}

/// A value position for attribute `a`: for ref attributes, an entity reference.
fn value_ref(
    a: &Keyword,
    v: &Value,
    schema: &Schema,
    p: &mut Parsed,
    depth: usize,
) -> Result<VRef> {
    if v.is_nil() {
        return Err(err!(Type, "nil is not a valid value for {a:?}"));
    }
    let is_ref = schema.get(a).is_some_and(|x| x.is_ref());
    if !is_ref {
        return Ok(VRef::Val(normalize(v)));
    }
    match map_entries(v) {
        Some(entries) => Ok(VRef::Entity(parse_map(&entries, schema, p, depth + 1)?)),
        None => Ok(VRef::Entity(entity_ref(v)?)),
    }
}

/// The values of one map entry: a collection for card-many attributes (unless it is a lookup ref,
/// or a single nested entity map, which tx-data read with ordered maps holds as a list).
fn entry_values<'v>(a: &Keyword, v: &'v Value, schema: &Schema) -> Vec<&'v Value> {
    let attr = schema.get(a);
    let many = attr.is_some_and(|x| x.is_many());
    let is_ref = attr.is_some_and(|x| x.is_ref());
    if is_map(v) {
        return alloc::vec![v];
    }
    match v {
        Value::Set(s) if many => s.iter().collect(),
        Value::Vector(xs) | Value::List(xs) if many && !(is_ref && is_lookup_ref(v)) => {
            xs.iter().collect()
        }
        _ => alloc::vec![v],
    }
}

fn parse_map(
    m: &[(&Value, &Value)],
    schema: &Schema,
    p: &mut Parsed,
    depth: usize,
) -> Result<ERef> {
    if depth > MAX_NESTING {
        return Err(err!(Limit, "entity maps nested deeper than {MAX_NESTING}"));
    }
    let get = |key: &str| {
        m.iter()
            .find(|(k, _)| matches!(k, Value::Keyword(x) if x.as_str() == key))
            .map(|(_, v)| *v)
    };
    if let Some(Value::Keyword(ident)) = get("db/ident") {
        let defines = m.iter().any(|(k, _)| {
            matches!(k.as_keyword(), Some(k) if k.as_str().starts_with("db/") && k.as_str() != "db/ident" && k.as_str() != "db/id")
        });
        if defines {
            let props = m
                .iter()
                .map(|(k, v)| (normalize(k), normalize(v)))
                .collect();
            p.ops.push(Op::Schema(ident.clone(), props));
            return Ok(ERef::Tx);
        }
        return Err(err!(Schema, "{ident:?}: a :db/ident map must define an attribute (:db/cardinality, :db/valueType …)"));
    }
    let e = match get("db/id") {
        Some(id) => entity_ref(id)?,
        None => p.auto(),
    };
    p.note(&e);
    for &(k, v) in m {
        let a = attr_kw(k)?;
        if a.as_str() == "db/id" {
            continue;
        }
        if let Some(fwd) = reverse_of(&a) {
            let targets: Vec<&Value> = match v {
                _ if is_map(v) => alloc::vec![v],
                Value::Vector(xs) | Value::List(xs) if !is_lookup_ref(v) => xs.iter().collect(),
                Value::Set(s) => s.iter().collect(),
                _ => alloc::vec![v],
            };
            for t in targets {
                let owner = match map_entries(t) {
                    Some(nested) => parse_map(&nested, schema, p, depth + 1)?,
                    None => entity_ref(t)?,
                };
                p.note(&owner);
                p.ops
                    .push(Op::Add(owner, fwd.clone(), VRef::Entity(e.clone())));
            }
            continue;
        }
        for val in entry_values(&a, v, schema) {
            let vr = value_ref(&a, val, schema, p, depth)?;
            p.ops.push(Op::Add(e.clone(), a.clone(), vr));
        }
    }
    Ok(e)
}

fn parse_form(form: &[Value], schema: &Schema, p: &mut Parsed) -> Result<()> {
    let (op, args) = form
        .split_first()
        .ok_or_else(|| err!(Parse, "empty list form in tx-data"))?;
    let op = match op {
        Value::Keyword(k) => k.as_str(),
        other => {
            return Err(err!(
                Parse,
                "tx form must start with an operation keyword, got {other:?}"
            ))
        }
    };
    let arity = |n: usize| -> Result<()> {
        if args.len() == n {
            Ok(())
        } else {
            Err(err!(
                Parse,
                "[:{op} …] takes {n} arguments, got {}",
                args.len()
            ))
        }
    };
    let e = || -> Result<ERef> { entity_ref(args.first().unwrap_or(&Value::Nil)) };
    let a = || attr_kw(args.get(1).unwrap_or(&Value::Nil));
    match op {
        "db/add" => {
            arity(3)?;
            let (e, a) = (e()?, a()?);
            p.note(&e);
            let v = value_ref(&a, &args[2], schema, p, 0)?;
            p.ops.push(Op::Add(e, a, v));
        }
        "db/retract" => {
            if args.len() != 2 && args.len() != 3 {
                return Err(err!(
                    Parse,
                    "[:db/retract e a v?] takes 2 or 3 arguments, got {}",
                    args.len()
                ));
            }
            let (e, a) = (e()?, a()?);
            let v = match args.get(2) {
                Some(v) => Some(value_ref(&a, v, schema, p, 0)?),
                None => None,
            };
            p.ops.push(Op::Retract(e, a, v));
        }
        "db/retractEntity" | "db.fn/retractEntity" => {
            arity(1)?;
            p.ops.push(Op::RetractEntity(e()?));
        }
        "db/retractAttribute" | "db.fn/retractAttribute" => {
            arity(2)?;
            p.ops.push(Op::Retract(e()?, a()?, None));
        }
        "db/cas" | "db.fn/cas" => {
            arity(4)?;
            let (e, a) = (e()?, a()?);
            let old = match &args[2] {
                Value::Nil => None,
                v => Some(value_ref(&a, v, schema, p, 0)?),
            };
            let new = value_ref(&a, &args[3], schema, p, 0)?;
            p.ops.push(Op::Cas(e, a, old, new));
        }
        "db/assoc" => {
            arity(4)?;
            if args[3].is_nil() {
                return Err(err!(Type, "nil is not a valid value for :db/assoc"));
            }
            p.ops.push(Op::Assoc(
                e()?,
                a()?,
                normalize(&args[2]),
                normalize(&args[3]),
            ));
        }
        "db/conj" => {
            arity(3)?;
            if args[2].is_nil() {
                return Err(err!(Type, "nil is not a valid value for :db/conj"));
            }
            p.ops.push(Op::Conj(e()?, a()?, normalize(&args[2])));
        }
        other => {
            return Err(Error::parse(alloc::format!(
                "unknown tx operation :{other}"
            )))
        }
    }
    Ok(())
}
