//! History reads: the current and the retracted datoms of a prefix, merged into one stream of
//! operations.
//!
//! A datom's history lives in two places (storage format 3): its current assertion in a current
//! index (`EAVT` or `AEVT`), keyed `components tx`, and each closed interval in the matching
//! history index (`HEAVT` or `HAEVT`), keyed by the interval's assertion `components tx` and
//! valued with the transaction that retracted it. Both scans come in key order, that is in order
//! of components: a transaction id never starts with `0xFF`, so it cannot reorder a value with its
//! extension (see the escaping rule in [`crate::codec`]). [`Merge`]
//! takes one set of components at a time from both scans, puts its operations in transaction
//! order and hands them out before reading on: it holds one datom's history at a time, and a
//! reader that stops early reads no further.

use crate::index::{decode_current, decode_history, Index, RawDatom};
use crate::storage::{Entry, EntryIter};
use crate::Result;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::iter::Peekable;

/// Which operations a history read keeps.
pub type Keep<'a> = Box<dyn Fn(&RawDatom) -> bool + 'a>;

/// The operations of a current scan and a history scan under the same prefix, in order of
/// components, then transaction, retractions before assertions within one transaction.
pub struct Merge<'a> {
    current: Peekable<EntryIter<'a>>,
    history: Peekable<EntryIter<'a>>,
    /// The index `current` reads (`Eavt` with `HEAVT`, `Aevt` with `HAEVT`).
    index: Index,
    keep: Keep<'a>,
    /// The operations of the set of components being handed out.
    ready: VecDeque<RawDatom>,
    /// Those components (kept to reuse the buffer).
    group: Vec<u8>,
    /// Set by a read error: the merge ends after reporting it.
    failed: bool,
}

impl<'a> Merge<'a> {
    /// Merges `current` (entries of `index`) with `history` (entries of its history index), the
    /// same prefix of both.
    pub fn new(
        current: EntryIter<'a>,
        history: EntryIter<'a>,
        index: Index,
        keep: Keep<'a>,
    ) -> Self {
        Merge {
            current: current.peekable(),
            history: history.peekable(),
            index,
            keep,
            ready: VecDeque::new(),
            group: Vec::new(),
            failed: false,
        }
    }

    /// Reads the next set of components from both scans into `ready` (empty when called);
    /// `false` once both are done.
    fn fill(&mut self) -> Result<bool> {
        let next = match (peek_key(&mut self.current)?, peek_key(&mut self.history)?) {
            (None, None) => return Ok(false),
            (Some(c), None) | (None, Some(c)) => components(c),
            (Some(c), Some(h)) => components(c).min(components(h)),
        };
        self.group.clear();
        self.group.extend_from_slice(next);
        while let Some((k, _)) = take_if(&mut self.current, &self.group)? {
            self.ready.push_back(decode_current(self.index, &k)?);
        }
        while let Some((k, v)) = take_if(&mut self.history, &self.group)? {
            let (assertion, retracted_by) = decode_history(&k, &v)?;
            if let Some(tx) = retracted_by {
                self.ready.push_back(RawDatom {
                    tx,
                    added: false,
                    ..assertion.clone()
                });
            }
            self.ready.push_back(assertion);
        }
        let keep = &self.keep;
        self.ready.retain(|d| keep(d));
        self.ready
            .make_contiguous()
            .sort_by(|d, f| d.tx.cmp(&f.tx).then(d.added.cmp(&f.added)));
        Ok(true)
    }
}

impl Iterator for Merge<'_> {
    type Item = Result<RawDatom>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(d) = self.ready.pop_front() {
                return Some(Ok(d));
            }
            if self.failed {
                return None;
            }
            match self.fill() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    // Not the half-read set of components.
                    self.ready.clear();
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// A key's components: the bytes between its space byte and its transaction.
fn components(key: &[u8]) -> &[u8] {
    key.get(1..key.len().saturating_sub(8)).unwrap_or(&[])
}

/// The next entry's key, or the scan's error (taken from it).
fn peek_key<'i>(scan: &'i mut Peekable<EntryIter<'_>>) -> Result<Option<&'i [u8]>> {
    if let Some(Err(_)) = scan.peek() {
        if let Some(Err(e)) = scan.next() {
            return Err(e);
        }
    }
    Ok(match scan.peek() {
        Some(Ok((k, _))) => Some(k),
        _ => None,
    })
}

/// The next entry if its components are `wanted`.
fn take_if(scan: &mut Peekable<EntryIter<'_>>, wanted: &[u8]) -> Result<Option<Entry>> {
    match peek_key(scan)? {
        Some(k) if components(k) == wanted => scan.next().transpose(),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::Merge;
    use crate::index::{current_key, history_key, history_value, Index, RawDatom};
    use crate::storage::{Entry, EntryIter};
    use crate::{err, Result, Value};
    use alloc::boxed::Box;
    use alloc::vec;
    use alloc::vec::Vec;

    fn datom(e: u64, v: i64, tx: u64) -> RawDatom {
        RawDatom {
            e,
            a: 7,
            v: Value::Int(v),
            tx,
            added: true,
        }
    }

    fn current(d: &RawDatom) -> Result<Entry> {
        Ok((current_key(Index::Eavt, d)?, Vec::new()))
    }

    fn closed(d: &RawDatom, by: u64) -> Result<Entry> {
        Ok((history_key(true, d), history_value(Some(by))))
    }

    fn scan(entries: Vec<Result<Entry>>) -> EntryIter<'static> {
        Box::new(entries.into_iter())
    }

    fn ops(m: Merge<'_>) -> Vec<(u64, i64, u64, bool)> {
        m.map(|d| {
            let d = d.expect("op");
            let Value::Int(v) = d.v else { panic!("value") };
            (d.e, v, d.tx, d.added)
        })
        .collect()
    }

    #[test]
    fn one_datoms_history_at_a_time_in_transaction_order() {
        // Entity 1 value 5: asserted at 10, retracted at 20, asserted again at 30 (current).
        // Entity 1 value 6: asserted at 15, retracted at 16. Entity 2 value 5: current since 12.
        let cur = scan(vec![current(&datom(1, 5, 30)), current(&datom(2, 5, 12))]);
        let hist = scan(vec![
            closed(&datom(1, 5, 10), 20),
            closed(&datom(1, 6, 15), 16),
        ]);
        let m = Merge::new(cur, hist, Index::Eavt, Box::new(|_| true));
        assert_eq!(
            ops(m),
            vec![
                (1, 5, 10, true),
                (1, 5, 20, false),
                (1, 5, 30, true),
                (1, 6, 15, true),
                (1, 6, 16, false),
                (2, 5, 12, true),
            ]
        );
        let keep_late = Box::new(|d: &RawDatom| d.tx >= 16);
        let cur = scan(vec![current(&datom(1, 5, 30))]);
        let hist = scan(vec![closed(&datom(1, 5, 10), 20)]);
        let m = Merge::new(cur, hist, Index::Eavt, keep_late);
        assert_eq!(ops(m), vec![(1, 5, 20, false), (1, 5, 30, true)]);
    }

    #[test]
    fn reads_no_further_than_asked_and_passes_errors_on() {
        let broken = || Err(err!(Io, "disk gone"));
        let cur = scan(vec![
            current(&datom(1, 5, 30)),
            current(&datom(3, 5, 12)),
            broken(),
        ]);
        let hist = scan(vec![closed(&datom(2, 5, 10), 20)]);
        let mut m = Merge::new(cur, hist, Index::Eavt, Box::new(|_| true));
        // Entity 1's history is whole before entity 2's is read: the error lies beyond.
        assert_eq!(
            m.next().map(|d| d.map(|d| d.e)).transpose().ok(),
            Some(Some(1))
        );
        // Then entity 2's two operations, then the error met while gathering entity 3's, and
        // nothing after it.
        let rest: Vec<Result<RawDatom>> = m.collect();
        assert_eq!(rest.len(), 3);
        assert!(rest
            .iter()
            .take(2)
            .all(|d| d.as_ref().is_ok_and(|d| d.e == 2)));
        assert!(matches!(rest.last(), Some(Err(e)) if e.kind() == crate::ErrorKind::Io));
    }
}
