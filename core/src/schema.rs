//! Attribute definitions: cardinality, value type, uniqueness, components, indexing — stored as data.
//!
//! A schema is optional: an attribute nobody declared is cardinality one and accepts any value type.
//! Attributes are interned to compact ids ([`AttrId`]) so that index keys stay short.

use crate::{err, Error, Keyword, Result, Value};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The compact id of an attribute in index keys.
pub type AttrId = u32;

/// How many values an entity may hold for one attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Cardinality {
    /// At most one value: asserting a new one replaces the old.
    #[default]
    One,
    /// A set of values.
    Many,
}

/// What kind of uniqueness an attribute enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    /// One entity per value; transacting a tempid with an existing value upserts into that entity.
    Identity,
    /// One entity per value; a second entity asserting it is an error.
    Value,
}

/// The declared type of an attribute's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// A reference to another entity.
    Ref,
    /// `:db.type/string`.
    String,
    /// `:db.type/long` (64-bit integer).
    Long,
    /// `:db.type/double` or `:db.type/float`.
    Double,
    /// `:db.type/boolean`.
    Boolean,
    /// `:db.type/instant`.
    Instant,
    /// `:db.type/uuid`.
    Uuid,
    /// `:db.type/keyword`.
    Keyword,
    /// `:db.type/symbol`.
    Symbol,
    /// `:db.type/bytes`.
    Bytes,
    /// `:db.type/tuple` (vector values).
    Tuple,
    /// `:db.type/map` (map values that `:db/assoc` updates).
    Map,
}

impl ValueType {
    fn from_keyword(k: &Keyword) -> Option<ValueType> {
        Some(match k.as_str() {
            "db.type/ref" => ValueType::Ref,
            "db.type/string" => ValueType::String,
            "db.type/long" | "db.type/bigint" => ValueType::Long,
            "db.type/double" | "db.type/float" | "db.type/bigdec" => ValueType::Double,
            "db.type/boolean" => ValueType::Boolean,
            "db.type/instant" => ValueType::Instant,
            "db.type/uuid" => ValueType::Uuid,
            "db.type/keyword" => ValueType::Keyword,
            "db.type/symbol" => ValueType::Symbol,
            "db.type/bytes" => ValueType::Bytes,
            "db.type/tuple" => ValueType::Tuple,
            "db.type/map" => ValueType::Map,
            _ => return None,
        })
    }

    /// The keyword naming this type.
    pub fn keyword(self) -> &'static str {
        match self {
            ValueType::Ref => "db.type/ref",
            ValueType::String => "db.type/string",
            ValueType::Long => "db.type/long",
            ValueType::Double => "db.type/double",
            ValueType::Boolean => "db.type/boolean",
            ValueType::Instant => "db.type/instant",
            ValueType::Uuid => "db.type/uuid",
            ValueType::Keyword => "db.type/keyword",
            ValueType::Symbol => "db.type/symbol",
            ValueType::Bytes => "db.type/bytes",
            ValueType::Tuple => "db.type/tuple",
            ValueType::Map => "db.type/map",
        }
    }

    /// Whether `v` is a value of this type (refs are checked after resolution, as entity ids).
    pub fn accepts(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (ValueType::Ref, Value::Int(_))
                | (ValueType::String, Value::Str(_))
                | (ValueType::Long, Value::Int(_))
                | (ValueType::Double, Value::Float(_))
                | (ValueType::Boolean, Value::Bool(_))
                | (ValueType::Instant, Value::Inst(_))
                | (ValueType::Uuid, Value::Uuid(_))
                | (ValueType::Keyword, Value::Keyword(_))
                | (ValueType::Symbol, Value::Symbol(_))
                | (ValueType::Bytes, Value::Bytes(_))
                | (ValueType::Tuple, Value::Vector(_))
                | (ValueType::Map, Value::Map(_))
        )
    }
}

/// One attribute's definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// Compact id used in index keys.
    pub id: AttrId,
    /// The attribute's name.
    pub ident: Keyword,
    /// One or many.
    pub cardinality: Cardinality,
    /// Declared type, if any.
    pub value_type: Option<ValueType>,
    /// Uniqueness, if any.
    pub unique: Option<Unique>,
    /// Whether ref values are components (retracted with their owner, pulled in full).
    pub is_component: bool,
    /// `:db/index` as declared (every attribute is in AVET regardless; kept for compatibility).
    pub index: bool,
    /// `:db/doc`.
    pub doc: Option<String>,
}

impl Attribute {
    /// An undeclared attribute: cardinality one, any type.
    pub fn new(id: AttrId, ident: Keyword) -> Self {
        Attribute {
            id,
            ident,
            cardinality: Cardinality::One,
            value_type: None,
            unique: None,
            is_component: false,
            index: false,
            doc: None,
        }
    }

    /// Whether values are entity references.
    pub fn is_ref(&self) -> bool {
        self.value_type == Some(ValueType::Ref)
    }

    /// Whether the attribute is cardinality many.
    pub fn is_many(&self) -> bool {
        self.cardinality == Cardinality::Many
    }

    /// Applies the definition keys of a schema map (`:db/cardinality` …) to this attribute.
    /// Keys outside the `db` namespace are ignored; unknown `db` keys are an error.
    pub fn apply_props(&mut self, props: &BTreeMap<Value, Value>) -> Result<()> {
        for (k, v) in props {
            let Some(key) = k.as_keyword() else {
                return Err(err!(
                    Schema,
                    "schema key {k:?} of {:?} is not a keyword",
                    self.ident
                ));
            };
            self.apply_prop(key.as_str(), v)?;
        }
        if self.is_component && !self.is_ref() {
            return Err(err!(
                Schema,
                "{:?}: :db/isComponent needs :db.type/ref",
                self.ident
            ));
        }
        Ok(())
    }

    /// Applies one definition key.
    pub fn apply_prop(&mut self, key: &str, v: &Value) -> Result<()> {
        let bad = |what: &str| err!(Schema, "{:?}: bad {what} {v:?}", self.ident);
        match key {
            "db/cardinality" => {
                self.cardinality = match v.as_keyword().map(Keyword::as_str) {
                    Some("db.cardinality/one") => Cardinality::One,
                    Some("db.cardinality/many") => Cardinality::Many,
                    _ => return Err(bad(":db/cardinality")),
                }
            }
            "db/valueType" => {
                let t = v.as_keyword().and_then(ValueType::from_keyword);
                self.value_type = Some(t.ok_or_else(|| bad(":db/valueType"))?);
            }
            "db/unique" => {
                self.unique = match v {
                    Value::Nil => None,
                    Value::Keyword(k) if k.as_str() == "db.unique/identity" => {
                        Some(Unique::Identity)
                    }
                    Value::Keyword(k) if k.as_str() == "db.unique/value" => Some(Unique::Value),
                    _ => return Err(bad(":db/unique")),
                }
            }
            "db/isComponent" => match v {
                Value::Bool(b) => self.is_component = *b,
                _ => return Err(bad(":db/isComponent")),
            },
            "db/index" => match v {
                Value::Bool(b) => self.index = *b,
                _ => return Err(bad(":db/index")),
            },
            "db/doc" => match v {
                Value::Str(s) => self.doc = Some(String::from(&**s)),
                _ => return Err(bad(":db/doc")),
            },
            "db/ident"
            | "db/id"
            | "db.install/_attribute"
            | "db/tupleAttrs"
            | "db/tupleType"
            | "db/tupleTypes"
            | "db/noHistory" => {}
            _ if key.starts_with("db/") || key.starts_with("db.") => {
                return Err(err!(Schema, "{:?}: unknown schema key :{key}", self.ident))
            }
            _ => {}
        }
        Ok(())
    }

    /// The definition as an EDN-style map (what `schema` reads show and storage keeps).
    pub fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        let kw = Value::kw;
        m.insert(kw("db/ident"), Value::Keyword(self.ident.clone()));
        let card = match self.cardinality {
            Cardinality::One => "db.cardinality/one",
            Cardinality::Many => "db.cardinality/many",
        };
        m.insert(kw("db/cardinality"), kw(card));
        if let Some(t) = self.value_type {
            m.insert(kw("db/valueType"), kw(t.keyword()));
        }
        if let Some(u) = self.unique {
            let u = match u {
                Unique::Identity => "db.unique/identity",
                Unique::Value => "db.unique/value",
            };
            m.insert(kw("db/unique"), kw(u));
        }
        if self.is_component {
            m.insert(kw("db/isComponent"), Value::Bool(true));
        }
        if self.index {
            m.insert(kw("db/index"), Value::Bool(true));
        }
        if let Some(d) = &self.doc {
            m.insert(kw("db/doc"), Value::str(d));
        }
        Value::Map(m)
    }

    /// Rebuilds an attribute from [`Attribute::to_value`]'s map.
    pub fn from_value(id: AttrId, v: &Value) -> Result<Attribute> {
        let Value::Map(m) = v else {
            return Err(err!(Io, "stored attribute {id} is not a map: {v:?}"));
        };
        let ident = match m.get(&Value::kw("db/ident")) {
            Some(Value::Keyword(k)) => k.clone(),
            _ => return Err(err!(Io, "stored attribute {id} has no :db/ident")),
        };
        let mut a = Attribute::new(id, ident);
        a.apply_props(m)?;
        Ok(a)
    }
}

/// Every known attribute, by name and by id.
///
/// Every transaction works on its own copy (committed only if it succeeds), and most transactions
/// define no attribute: the definitions are shared behind `Arc`s and copied only when one changes,
/// so the per-transaction copy is two reference counts and the counts vector.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    by_ident: Arc<BTreeMap<Keyword, AttrId>>,
    attrs: Arc<Vec<Attribute>>,
    /// Current datoms per attribute (index statistics for the query planner).
    counts: Vec<u64>,
    /// How many attributes are references (`retractEntity` looks for references only if any).
    refs: usize,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// The attribute named `ident`, if known.
    pub fn get(&self, ident: &Keyword) -> Option<&Attribute> {
        self.by_ident.get(ident).and_then(|id| self.by_id(*id))
    }

    /// The attribute with compact id `id`.
    pub fn by_id(&self, id: AttrId) -> Option<&Attribute> {
        self.attrs.get(id as usize)
    }

    /// The attribute with compact id `id`, or an `io` error (ids come from storage).
    pub fn attr(&self, id: AttrId) -> Result<&Attribute> {
        self.by_id(id)
            .ok_or_else(|| err!(Io, "index refers to unknown attribute id {id}"))
    }

    /// How many current datoms attribute `a` has.
    pub fn count(&self, a: AttrId) -> u64 {
        self.counts.get(a as usize).copied().unwrap_or(0)
    }

    /// Sets the current datom count of attribute `a` (kept by transactions, loaded on open).
    pub fn set_count(&mut self, a: AttrId, n: u64) {
        if let Some(c) = self.counts.get_mut(a as usize) {
            *c = n;
        }
    }

    /// All attributes, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Attribute> {
        self.attrs.iter()
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.attrs.len()
    }

    /// Whether no attribute is known.
    pub fn is_empty(&self) -> bool {
        self.attrs.is_empty()
    }

    /// Whether any attribute is a reference.
    pub fn has_refs(&self) -> bool {
        self.refs > 0
    }

    /// The id `ident` has, interning it as an undeclared attribute if new.
    /// Returns the id and whether it was new.
    pub fn intern(&mut self, ident: &Keyword) -> Result<(AttrId, bool)> {
        if let Some(id) = self.by_ident.get(ident) {
            return Ok((*id, false));
        }
        let id = AttrId::try_from(self.attrs.len())
            .map_err(|_| err!(Limit, "too many attributes (at {ident:?})"))?;
        Arc::make_mut(&mut self.attrs).push(Attribute::new(id, ident.clone()));
        self.counts.push(0);
        Arc::make_mut(&mut self.by_ident).insert(ident.clone(), id);
        Ok((id, true))
    }

    /// Replaces the definition of an existing attribute (same id).
    pub fn set(&mut self, attr: Attribute) -> Result<()> {
        let slot = Arc::make_mut(&mut self.attrs)
            .get_mut(attr.id as usize)
            .ok_or_else(|| err!(Schema, "no attribute with id {}", attr.id))?;
        self.refs = self.refs + usize::from(attr.is_ref()) - usize::from(slot.is_ref());
        *slot = attr;
        Ok(())
    }

    /// Adds an attribute loaded from storage; ids must arrive in order.
    pub fn push_loaded(&mut self, attr: Attribute) -> Result<()> {
        if attr.id as usize != self.attrs.len() {
            return Err(err!(
                Io,
                "attribute ids out of order in storage at {:?}",
                attr.ident
            ));
        }
        Arc::make_mut(&mut self.by_ident).insert(attr.ident.clone(), attr.id);
        self.refs += usize::from(attr.is_ref());
        Arc::make_mut(&mut self.attrs).push(attr);
        self.counts.push(0);
        Ok(())
    }

    /// Parses a schema map `{:attr {:db/cardinality … } …}` into attribute definitions.
    pub fn parse_map(schema: &Value) -> Result<Vec<(Keyword, BTreeMap<Value, Value>)>> {
        let Value::Map(m) = schema else {
            return Err(err!(
                Schema,
                "a schema must be a map of attribute to definition, got {schema:?}"
            ));
        };
        let mut out = Vec::with_capacity(m.len());
        for (k, v) in m {
            let (Value::Keyword(ident), Value::Map(props)) = (k, v) else {
                return Err(err!(
                    Schema,
                    "bad schema entry {k:?} {v:?}: want :attr {{…}}"
                ));
            };
            out.push((ident.clone(), props.clone()));
        }
        Ok(out)
    }
}

/// Is `a` a reverse attribute like `:person/_friends`? Returns the forward attribute.
pub fn reverse_of(a: &Keyword) -> Option<Keyword> {
    let name = a.name();
    let rest = name.strip_prefix('_')?;
    if rest.is_empty() {
        return None;
    }
    Some(Keyword::with_ns(a.namespace(), rest))
}

/// Checks that `v` suits `attr`'s declared type.
pub fn check_type(attr: &Attribute, v: &Value) -> Result<()> {
    if let Some(t) = attr.value_type {
        if !t.accepts(v) {
            return Err(Error::Type(alloc::format!(
                "value {v:?} of type {} does not suit {:?}, declared :{}",
                v.type_name(),
                attr.ident,
                t.keyword()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `has_refs` follows every way an attribute arrives or changes.
    #[test]
    fn has_refs_follows_definitions() {
        let mut s = Schema::new();
        let (id, _) = s.intern(&Keyword::new("friend")).expect("intern");
        assert!(!s.has_refs());
        let mut friend = Attribute::new(id, Keyword::new("friend"));
        friend.value_type = Some(ValueType::Ref);
        s.set(friend.clone()).expect("set");
        assert!(s.has_refs());
        s.set(Attribute::new(id, Keyword::new("friend")))
            .expect("set back");
        assert!(!s.has_refs());
        let mut loaded = Schema::new();
        loaded.push_loaded(friend).expect("load");
        assert!(loaded.has_refs());
    }
}
