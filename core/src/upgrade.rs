//! Upgrading a store written by an earlier format version, in place and in one atomic batch, when
//! [`Database::open`](crate::Database::open) finds it: a failed upgrade leaves the store as it was.
//!
//! Version 2 → 3: version 2 wrote every assertion and every retraction to the history indexes,
//! `e a v tx op` (op 1 an assertion, 0 a retraction), and one `STATS` entry per attribute.
//! Version 3 keeps in history only what the current indexes no longer show — an entry per
//! assertion that was later retracted, keyed `e a v tx` and valued with the retracting
//! transaction, and an empty-valued entry per reassertion of a datom already true — and one
//! `STATS` entry per group of [`STATS_GROUP`] attributes.

use crate::codec::{get_u32, get_u64, put_u64};
use crate::index::{space, stats_key, EntityId, FORMAT_VERSION, STATS_GROUP};
use crate::schema::AttrId;
use crate::storage::{Direction, KeyRange, Storage, WriteBatch};
use crate::{err, Result};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Upgrades a store of format `version` to [`FORMAT_VERSION`], or refuses it (kind `io`).
pub fn upgrade(storage: &mut dyn Storage, version: u64) -> Result<()> {
    match version {
        2 => from_2(storage),
        _ => Err(err!(
            Io,
            "storage holds dfdb format version {version}; this build reads version \
             {FORMAT_VERSION} and upgrades version 2"
        )),
    }
}

fn from_2(storage: &mut dyn Storage) -> Result<()> {
    // Every old key is deleted before any new one is put: a new key could equal an old one
    // (`STATS` keys have the same shape in both versions), and later operations win.
    let mut batch = WriteBatch::new();
    let mut puts = WriteBatch::new();
    for history in [space::HEAVT, space::HAEVT] {
        history_from_2(storage, history, &mut batch, &mut puts)?;
    }
    let mut counts: BTreeMap<AttrId, u64> = BTreeMap::new();
    for entry in storage.scan(KeyRange::prefix(&[space::STATS]), Direction::Forward)? {
        let (k, v) = entry?;
        let (a, _) = get_u32(k.get(1..).unwrap_or(&[]))?;
        counts.insert(a, get_u64(&v)?.0);
        batch.delete(k);
    }
    let mut groups: BTreeMap<AttrId, Vec<u8>> = BTreeMap::new();
    for (a, n) in counts {
        let value = groups.entry(a / STATS_GROUP).or_default();
        // Attributes without an entry of their own (none yet) count 0.
        while value.len() < 8 * (a % STATS_GROUP) as usize {
            put_u64(0, value);
        }
        put_u64(n, value);
    }
    batch.append(&puts);
    for (group, value) in groups {
        batch.put(stats_key(group), value);
    }
    crate::tx::put_format(&mut batch);
    storage.write(batch)
}

/// Rewrites one history index: for each (e, a, v), its operations in transaction order become
/// an entry per retracted assertion and one per reassertion; the assertion still open at the end
/// is the current datom, which the current indexes hold.
fn history_from_2(
    storage: &dyn Storage,
    history: u8,
    deletes: &mut WriteBatch,
    puts: &mut WriteBatch,
) -> Result<()> {
    let mut group: Vec<u8> = Vec::new();
    let mut open: Option<EntityId> = None;
    for entry in storage.scan(KeyRange::prefix(&[history]), Direction::Forward)? {
        let (k, _) = entry?;
        // `tag components tx:u64 op:u8`.
        let split = k.len().checked_sub(9).filter(|&n| n > 0);
        let Some((components, tail)) = split.map(|n| k.split_at(n)) else {
            return Err(err!(Io, "version-2 history key too short: {k:?}"));
        };
        let (tx, _) = get_u64(tail)?;
        let added = match tail.get(8) {
            Some(1) => true,
            Some(0) => false,
            other => return Err(err!(Io, "version-2 history op byte {other:?}")),
        };
        if components != group.as_slice() {
            group = components.to_vec();
            open = None;
        }
        let entry_key = |tx: EntityId| {
            let mut key = components.to_vec();
            put_u64(tx, &mut key);
            key
        };
        match (added, open) {
            (true, None) => open = Some(tx),
            (true, Some(_)) => puts.put(entry_key(tx), Vec::new()),
            (false, Some(asserted)) => {
                let mut retracted_by = Vec::new();
                put_u64(tx, &mut retracted_by);
                puts.put(entry_key(asserted), retracted_by);
                open = None;
            }
            (false, None) => {
                return Err(err!(
                    Io,
                    "version-2 history retracts what it never asserted: {k:?}"
                ))
            }
        }
        deletes.delete(k);
    }
    Ok(())
}
