//! [`MemoryStorage`] that also journals every batch it writes, for hosts that persist the
//! database themselves: the browser binding writes the journal to IndexedDB (or a file under
//! Node.js) after each transaction; benchmarks capture the exact key/value work of a workload.

use super::{
    Cursor, Direction, EntryIter, KeyRange, MemoryStorage, ReadStorage, Storage, Visitor,
    WriteBatch,
};
use crate::Result;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;

/// The batches written since the host last took them, oldest first.
pub type Journal = Rc<RefCell<Vec<WriteBatch>>>;

/// [`MemoryStorage`] that also records each batch it writes in a [`Journal`].
#[derive(Debug)]
pub struct JournalStorage {
    inner: MemoryStorage,
    journal: Journal,
}

impl JournalStorage {
    /// A storage holding `entries` (what the host loaded), recording into `journal` from now on.
    pub fn load(entries: Vec<(Vec<u8>, Vec<u8>)>, journal: Journal) -> Result<Self> {
        let mut inner = MemoryStorage::new();
        let mut batch = WriteBatch::new();
        for (k, v) in entries {
            batch.put(k, v);
        }
        inner.write(batch)?;
        Ok(JournalStorage { inner, journal })
    }
}

impl ReadStorage for JournalStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }

    fn scan(&self, range: KeyRange, direction: Direction) -> Result<EntryIter<'_>> {
        self.inner.scan(range, direction)
    }

    fn visit(&self, range: KeyRange, f: &mut Visitor<'_>) -> Result<()> {
        self.inner.visit(range, f)
    }

    fn cursor(&self) -> Box<dyn Cursor + '_> {
        self.inner.cursor()
    }
}

impl Storage for JournalStorage {
    fn write(&mut self, batch: WriteBatch) -> Result<()> {
        if batch.is_empty() {
            return self.inner.write(batch);
        }
        self.inner.write(batch.clone())?;
        self.journal.borrow_mut().push(batch);
        Ok(())
    }

    fn snapshot(&self) -> Result<Box<dyn ReadStorage + Send + Sync>> {
        self.inner.snapshot()
    }

    fn compact(&mut self) -> Result<()> {
        self.inner.compact()
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
}
