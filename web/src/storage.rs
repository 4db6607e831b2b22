//! The storage behind a persistent database: [`MemoryStorage`] as the working set, plus a journal
//! of every batch written since the host last took it.
//!
//! The host (the JS module `persist.js`) loads every stored entry at open ([`JournalStorage::load`]),
//! and after each transaction takes the journal ([`JournalStorage`]'s shared [`Journal`]) and writes
//! it to IndexedDB or a file as one atomic unit. The engine itself never waits for the host.

use dfdb_core::storage::{
    BatchOp, Direction, EntryIter, KeyRange, MemoryStorage, ReadStorage, Storage, WriteBatch,
};
use dfdb_core::Result;
use std::cell::RefCell;
use std::rc::Rc;

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
        batch.ops = entries
            .into_iter()
            .map(|(k, v)| BatchOp::Put(k, v))
            .collect();
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
