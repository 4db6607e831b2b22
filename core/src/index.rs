//! Datom keys: how each index lays a datom out in the storage's ordered byte space.
//!
//! Every key starts with one byte naming its space. Current-state indexes hold only datoms that are
//! true now, so current reads never step over retracted history. The history indexes hold the rest
//! of every datom's story, for `as_of` and `history`: an entry per datom that stopped being true,
//! keyed by its assertion and valued with the transaction that retracted it (plus, for transactions
//! carrying time dimensions, assertions of datoms already true). A datom's assertion is written
//! once, to the current indexes; only its retraction moves it to history, so an assertion costs
//! the three or four current keys and nothing more.
//!
//! | space | key | value |
//! |---|---|---|
//! | `EAVT` | e:u64 a:u32 v tx:u64 | — |
//! | `AEVT` | a:u32 e:u64 v tx:u64 | — |
//! | `AVET` | a:u32 v e:u64 tx:u64 | — |
//! | `VAET` | v:u64 a:u32 e:u64 tx:u64 (ref attributes only) | — |
//! | `HEAVT` | e a v tx (tx: the assertion) | the retracting tx:u64, or nothing (a reassertion) |
//! | `HAEVT` | a e v tx (tx: the assertion) | as `HEAVT` |
//! | `TXLOG` | tx a e v op:u8 (transactions carrying an indexed dimension) | — |
//! | `META` | name | counters, format version |
//! | `ATTR` | a:u32 | the attribute's definition (compact encoding) |
//! | `TX` | tx:u64 | the transaction's instant (compact encoding) |
//! | `TX_DIMS` | tx:u64 | the transaction's time-dimension values (compact map) |
//! | `DIM_INDEX` | dimension value tx:u64 | — (indexed dimensions only: range reads by time) |
//! | `STATS` | group:u32 | the current datom counts (u64 each) of attributes `64·group` to `64·group + 63` |
//!
//! `v` is the codec's order-preserving key encoding, so keys sort as datoms do and a prefix of
//! components is a prefix of bytes. The transaction id is the key's last component (not the stored
//! value) so that reading an index needs no second lookup.

use crate::codec::{decode_key, encode_key, get_u32, get_u64, put_u32, put_u64};
use crate::schema::AttrId;
use crate::storage::KeyRange;
use crate::{err, Result, Value};
use alloc::vec::Vec;

/// An entity id (transactions are entities too; their ids start at [`TX0`]).
pub type EntityId = u64;

/// The storage format this build writes and reads (stored under the `format` metadata key).
///
/// Version 2 added `TXLOG` (a version-1 store lacks it, and range reads along indexed dimensions
/// would silently miss its transactions) and keeps the counters under one `META` key. Version 3
/// writes history only when a datom is retracted and keeps the statistics per group of
/// attributes; opening a version-2 store upgrades it (`upgrade.rs`).
pub const FORMAT_VERSION: u64 = 3;

/// The first transaction id: transaction entities do not use the user entity sequence.
pub const TX0: EntityId = 1 << 42;

/// Key-space tag bytes. Their values are part of the storage format.
pub mod space {
    /// Metadata: format version and counters.
    pub const META: u8 = 0x01;
    /// Attribute definitions by id.
    pub const ATTR: u8 = 0x02;
    /// Transaction instants by tx id.
    pub const TX: u8 = 0x03;
    /// Time-dimension values of a transaction, by tx id.
    pub const TX_DIMS: u8 = 0x04;
    /// Indexed time dimensions: dimension, value, tx.
    pub const DIM_INDEX: u8 = 0x05;
    /// Current datom counts per group of 64 attributes (planner statistics).
    pub const STATS: u8 = 0x06;
    /// Current datoms, entity first.
    pub const EAVT: u8 = 0x10;
    /// Current datoms, attribute first.
    pub const AEVT: u8 = 0x11;
    /// Current datoms, attribute then value.
    pub const AVET: u8 = 0x12;
    /// Current ref datoms, target entity first.
    pub const VAET: u8 = 0x13;
    /// Retracted datoms (their assertion and retraction) and reassertions, entity first.
    pub const HEAVT: u8 = 0x20;
    /// The same as `HEAVT`, attribute first.
    pub const HAEVT: u8 = 0x21;
    /// The assertions and retractions of each transaction that carried an indexed time
    /// dimension, transaction first: a range of such a dimension's values joins to its datoms.
    pub const TXLOG: u8 = 0x22;
}

/// The four current-state indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Index {
    /// Entity, attribute, value, tx.
    Eavt,
    /// Attribute, entity, value, tx.
    Aevt,
    /// Attribute, value, entity, tx.
    Avet,
    /// Value (a ref), attribute, entity, tx.
    Vaet,
}

impl Index {
    /// The key-space byte of this index.
    pub fn space(self) -> u8 {
        match self {
            Index::Eavt => space::EAVT,
            Index::Aevt => space::AEVT,
            Index::Avet => space::AVET,
            Index::Vaet => space::VAET,
        }
    }

    /// Parses `eavt`, `:eavt`, `EAVT`…
    pub fn parse(s: &str) -> Result<Index> {
        let s = s.trim_start_matches(':');
        Ok(match () {
            _ if s.eq_ignore_ascii_case("eavt") => Index::Eavt,
            _ if s.eq_ignore_ascii_case("aevt") => Index::Aevt,
            _ if s.eq_ignore_ascii_case("avet") => Index::Avet,
            _ if s.eq_ignore_ascii_case("vaet") => Index::Vaet,
            _ => {
                return Err(err!(
                    Parse,
                    "unknown index {s:?}: want eavt, aevt, avet or vaet"
                ))
            }
        })
    }
}

/// A datom as stored: attribute by compact id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RawDatom {
    /// Entity.
    pub e: EntityId,
    /// Attribute id.
    pub a: AttrId,
    /// Value (refs as `Value::Int` of the target id).
    pub v: Value,
    /// Transaction that asserted (or, in history, asserted or retracted) it.
    pub tx: EntityId,
    /// `true` for an assertion, `false` for a retraction.
    pub added: bool,
}

/// Encodes a ref value's entity id for VAET; refs are stored as non-negative `Int`s.
pub fn ref_target(v: &Value) -> Option<EntityId> {
    match v {
        Value::Int(i) => u64::try_from(*i).ok(),
        _ => None,
    }
}

/// The key of `d` in current-state index `index`.
pub fn current_key(index: Index, d: &RawDatom) -> Result<Vec<u8>> {
    let mut k = Vec::with_capacity(32);
    write_current_key(index, d, &mut k)?;
    Ok(k)
}

/// [`current_key`], appended to `k` (a write batch's buffer).
pub fn write_current_key(index: Index, d: &RawDatom, k: &mut Vec<u8>) -> Result<()> {
    k.push(index.space());
    match index {
        Index::Eavt => {
            put_u64(d.e, k);
            put_u32(d.a, k);
            encode_key(&d.v, k);
        }
        Index::Aevt => {
            put_u32(d.a, k);
            put_u64(d.e, k);
            encode_key(&d.v, k);
        }
        Index::Avet => {
            put_u32(d.a, k);
            encode_key(&d.v, k);
            put_u64(d.e, k);
        }
        Index::Vaet => {
            let target = ref_target(&d.v)
                .ok_or_else(|| err!(Type, "ref value {:?} is not an entity id", d.v))?;
            put_u64(target, k);
            put_u32(d.a, k);
            put_u64(d.e, k);
        }
    }
    put_u64(d.tx, k);
    Ok(())
}

/// The id (an entity or a transaction) stored big-endian at byte `at` of `key`: for readers that
/// know the layout and skip decoding the rest (the entity after an `AVET` prefix of attribute and
/// value, the transaction at the end of a current key).
pub fn id_at(key: &[u8], at: usize) -> Result<EntityId> {
    key.get(at..)
        .and_then(|b| b.first_chunk::<8>())
        .map(|b| u64::from_be_bytes(*b))
        .ok_or_else(|| err!(Io, "index key truncated"))
}

/// Decodes a current-state key of `index` (tag byte included).
pub fn decode_current(index: Index, key: &[u8]) -> Result<RawDatom> {
    let body = tail(key, 1)?;
    let (e, a, v, rest) = match index {
        Index::Eavt => {
            let (e, n) = get_u64(body)?;
            let (a, m) = get_u32(tail(body, n)?)?;
            let (v, l) = decode_key(tail(body, n + m)?)?;
            (e, a, v, tail(body, n + m + l)?)
        }
        Index::Aevt => {
            let (a, n) = get_u32(body)?;
            let (e, m) = get_u64(tail(body, n)?)?;
            let (v, l) = decode_key(tail(body, n + m)?)?;
            (e, a, v, tail(body, n + m + l)?)
        }
        Index::Avet => {
            let (a, n) = get_u32(body)?;
            let (v, m) = decode_key(tail(body, n)?)?;
            let (e, l) = get_u64(tail(body, n + m)?)?;
            (e, a, v, tail(body, n + m + l)?)
        }
        Index::Vaet => {
            let (target, n) = get_u64(body)?;
            let (a, m) = get_u32(tail(body, n)?)?;
            let (e, l) = get_u64(tail(body, n + m)?)?;
            let v = Value::Int(
                i64::try_from(target).map_err(|_| err!(Io, "ref id {target} too large"))?,
            );
            (e, a, v, tail(body, n + m + l)?)
        }
    };
    let (tx, _) = get_u64(rest)?;
    Ok(RawDatom {
        e,
        a,
        v,
        tx,
        added: true,
    })
}

/// The key of a history entry of `d`, entity first (`entity_first`) or attribute first: the bytes
/// of its current `EAVT` (or `AEVT`) key under the history space, `d.tx` being the transaction that
/// asserted it. The entry's value is a [`history_value`].
pub fn history_key(entity_first: bool, d: &RawDatom) -> Vec<u8> {
    let mut k = Vec::with_capacity(40);
    write_history_key(entity_first, d, &mut k);
    k
}

/// [`history_key`], appended to `k` (a write batch's buffer).
pub fn write_history_key(entity_first: bool, d: &RawDatom, k: &mut Vec<u8>) {
    if entity_first {
        k.push(space::HEAVT);
        put_u64(d.e, k);
        put_u32(d.a, k);
    } else {
        k.push(space::HAEVT);
        put_u32(d.a, k);
        put_u64(d.e, k);
    }
    encode_key(&d.v, k);
    put_u64(d.tx, k);
}

/// The value of a history entry: the transaction that retracted the datom (an interval that is
/// over), or nothing for an assertion of a datom that was already true (recorded for
/// transactions carrying time dimensions; the datom's own interval records its retraction).
pub fn history_value(retracted_by: Option<EntityId>) -> Vec<u8> {
    let mut b = Vec::new();
    if let Some(tx) = retracted_by {
        put_u64(tx, &mut b);
    }
    b
}

/// Decodes a history entry ([`history_key`], [`history_value`]): the assertion, and the
/// transaction that retracted it if it did.
pub fn decode_history(key: &[u8], value: &[u8]) -> Result<(RawDatom, Option<EntityId>)> {
    let index = match key.first() {
        Some(&space::HEAVT) => Index::Eavt,
        Some(&space::HAEVT) => Index::Aevt,
        other => return Err(err!(Io, "not a history key: tag {other:?}")),
    };
    let assertion = decode_current(index, key)?;
    let retracted_by = match value {
        [] => None,
        [_, _, _, _, _, _, _, _] => Some(get_u64(value)?.0),
        other => return Err(err!(Io, "history entry value of {} bytes", other.len())),
    };
    Ok((assertion, retracted_by))
}

/// The key of `d` in its transaction's log (`d.tx` first, then attribute and entity).
pub fn log_key(d: &RawDatom) -> Vec<u8> {
    let mut k = Vec::with_capacity(40);
    k.push(space::TXLOG);
    put_u64(d.tx, &mut k);
    put_u32(d.a, &mut k);
    put_u64(d.e, &mut k);
    encode_key(&d.v, &mut k);
    k.push(u8::from(d.added));
    k
}

/// Decodes a [`log_key`].
pub fn decode_log(key: &[u8]) -> Result<RawDatom> {
    let body = tail(key, 1)?;
    let (tx, n) = get_u64(body)?;
    let (a, m) = get_u32(tail(body, n)?)?;
    let (e, l) = get_u64(tail(body, n + m)?)?;
    let (v, w) = decode_key(tail(body, n + m + l)?)?;
    Ok(RawDatom {
        e,
        a,
        v,
        tx,
        added: op_byte(tail(body, n + m + l + w)?)?,
    })
}

fn op_byte(b: &[u8]) -> Result<bool> {
    match b {
        [0] => Ok(false),
        [1] => Ok(true),
        other => Err(err!(Io, "bad op byte(s) {other:?}")),
    }
}

/// `b` after its first `n` bytes (after the tag byte, for `n = 1`).
fn tail(b: &[u8], n: usize) -> Result<&[u8]> {
    b.get(n..).ok_or_else(|| err!(Io, "index key truncated"))
}

/// Builds key prefixes from leading components.
pub struct Prefix {
    bytes: Vec<u8>,
    /// Whether the last component is a value (see [`Prefix::range`]).
    value_last: bool,
}

impl Prefix {
    /// Starts a prefix in `space`.
    pub fn new(space: u8) -> Self {
        let mut bytes = Vec::with_capacity(32);
        bytes.push(space);
        Prefix {
            bytes,
            value_last: false,
        }
    }
    /// Appends an entity id.
    pub fn e(mut self, e: EntityId) -> Self {
        put_u64(e, &mut self.bytes);
        self.value_last = false;
        self
    }
    /// Appends an attribute id.
    pub fn a(mut self, a: AttrId) -> Self {
        put_u32(a, &mut self.bytes);
        self.value_last = false;
        self
    }
    /// Appends a transaction id.
    pub fn tx(mut self, tx: EntityId) -> Self {
        put_u64(tx, &mut self.bytes);
        self.value_last = false;
        self
    }
    /// Appends a value in key encoding.
    pub fn v(mut self, v: &Value) -> Self {
        encode_key(v, &mut self.bytes);
        self.value_last = true;
        self
    }
    /// The prefix bytes.
    pub fn bytes(self) -> Vec<u8> {
        self.bytes
    }
    /// The keys with exactly these leading components. After a value, that is not every key with
    /// these bytes first: an escaped string's encoding is a byte prefix of its extensions by a zero
    /// byte (`"ab"` ends `61 62 00`, `"ab\0c"` is `61 62 00 FF 63 00`), which continue with `0xFF`,
    /// whereas what follows a whole value in an index key (an id, a tag, an op byte) never starts
    /// with `0xFF` (see [`crate::codec`]). So the range ends before `prefix ++ 0xFF`.
    pub fn range(self) -> KeyRange {
        if self.value_last {
            let mut end = self.bytes.clone();
            end.push(0xFF);
            KeyRange {
                start: self.bytes,
                end: Some(end),
            }
        } else {
            KeyRange {
                end: crate::storage::prefix_successor(&self.bytes),
                start: self.bytes,
            }
        }
    }
}

/// An empty key of `space` with room for `len` bytes (the space byte included): a transaction
/// builds a few small keys, and growing each from one byte cost an allocation more.
fn key_of(space: u8, len: usize) -> Vec<u8> {
    let mut k = Vec::with_capacity(len);
    k.push(space);
    k
}

/// The key of a metadata entry.
pub fn meta_key(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + name.len());
    write_meta_key(name, &mut k);
    k
}

/// [`meta_key`], appended to `k` (a write batch's buffer).
pub fn write_meta_key(name: &str, k: &mut Vec<u8>) {
    k.push(space::META);
    k.extend_from_slice(name.as_bytes());
}

/// The key of an attribute definition.
pub fn attr_key(a: AttrId) -> Vec<u8> {
    let mut k = key_of(space::ATTR, 5);
    put_u32(a, &mut k);
    k
}

/// The key of a transaction's instant.
pub fn tx_key(tx: EntityId) -> [u8; 9] {
    let mut k = [space::TX; 9];
    k[1..].copy_from_slice(&tx.to_be_bytes());
    k
}

/// The key of a transaction's time-dimension values.
pub fn tx_dims_key(tx: EntityId) -> Vec<u8> {
    let mut k = key_of(space::TX_DIMS, 9);
    put_u64(tx, &mut k);
    k
}

/// The key of one indexed dimension value of a transaction.
pub fn dim_index_key(dim: &crate::Keyword, value: &Value, tx: EntityId) -> Vec<u8> {
    let mut k = key_of(space::DIM_INDEX, 32);
    encode_key(&Value::Keyword(dim.clone()), &mut k);
    encode_key(value, &mut k);
    put_u64(tx, &mut k);
    k
}

/// Decodes a [`dim_index_key`] into its value and transaction.
pub fn decode_dim_index(key: &[u8]) -> Result<(Value, EntityId)> {
    let body = tail(key, 1)?;
    let (_, n) = decode_key(body)?;
    let (v, m) = decode_key(tail(body, n)?)?;
    let (tx, _) = get_u64(tail(body, n + m)?)?;
    Ok((v, tx))
}

/// The keys under `prefix` (built anew by each call) whose next component is a value in
/// `[lo, hi]`, either bound optional.
pub fn value_bounds(
    prefix: impl Fn() -> Prefix,
    lo: Option<&Value>,
    hi: Option<&Value>,
) -> KeyRange {
    let start = match lo {
        Some(l) => prefix().v(l).bytes(),
        None => prefix().bytes(),
    };
    let end = match hi {
        Some(h) => prefix().v(h).range().end,
        None => prefix().range().end,
    };
    KeyRange { start, end }
}

/// The AVET keys of attribute `a` with values in `[lo, hi]`.
pub fn avet_range(a: AttrId, lo: Option<&Value>, hi: Option<&Value>) -> KeyRange {
    value_bounds(|| Prefix::new(space::AVET).a(a), lo, hi)
}

/// Attributes per `STATS` entry.
pub const STATS_GROUP: AttrId = 64;

/// The key of the datom counts of attribute group `group` (the attributes whose id divided by
/// [`STATS_GROUP`] is `group`): a transaction rewrites one entry per group it changed, not one
/// per attribute, and the counts stay exact.
pub fn stats_key(group: AttrId) -> [u8; 5] {
    let mut k = [space::STATS; 5];
    k[1..].copy_from_slice(&group.to_be_bytes());
    k
}
