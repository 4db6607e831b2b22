// IndexedDB persistence for browsers.
//
// One IndexedDB database per dfdb database (named `dfdb:NAME`), with one object store `kv` of the
// engine's key/value entries (binary keys, `Uint8Array` values). `load` reads every entry; each
// `write` applies the batches of one dfdb transaction in one IndexedDB readwrite transaction and
// resolves when it commits (durability "strict"). A failure (quota, a closed connection) rejects with
// kind `io`; IndexedDB then rolls the whole transaction back, so storage keeps every earlier one.
//
// Single writer: the database holds the Web Lock `dfdb:NAME` (navigator.locks) while open; opening it
// in a second tab fails at once with kind `io`. Without the Web Locks API (insecure contexts) there
// is no guard.
import { dfdbError } from './database.js';

const STORE = 'kv';

const request = (req) =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

function io(what, e) {
  return dfdbError('io', `IndexedDB ${what} failed: ${e && (e.message || e.name) ? e.message || e.name : e}`);
}

async function lock(name) {
  const locks = globalThis.navigator && globalThis.navigator.locks;
  if (!locks) return () => {};
  const release = await new Promise((resolve, reject) => {
    locks
      .request(`dfdb:${name}`, { ifAvailable: true }, (held) => {
        if (!held) {
          resolve(null);
          return undefined;
        }
        return new Promise((done) => resolve(done));
      })
      .catch(reject);
  });
  if (!release) {
    throw dfdbError('io', `database ${JSON.stringify(name)} is open in another tab or window (one writer at a time)`);
  }
  return release;
}

/** The browser backend of `Database.open(name)`. */
export async function indexedDbBackend(name) {
  if (!globalThis.indexedDB) throw dfdbError('io', 'IndexedDB is not available here');
  const release = await lock(name);
  let idb;
  try {
    const open = indexedDB.open(`dfdb:${name}`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    idb = await request(open);
  } catch (e) {
    release();
    throw io('open', e);
  }
  idb.onversionchange = () => idb.close();
  return {
    async load() {
      try {
        const tx = idb.transaction(STORE, 'readonly');
        const store = tx.objectStore(STORE);
        const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
        return keys.map((k, i) => [new Uint8Array(k), values[i]]);
      } catch (e) {
        throw io('read', e);
      }
    },
    write(batches) {
      return new Promise((resolve, reject) => {
        let tx;
        try {
          tx = idb.transaction(STORE, 'readwrite', { durability: 'strict' });
          const store = tx.objectStore(STORE);
          for (const batch of batches) {
            for (const [k, v] of batch) {
              if (v === null) store.delete(k);
              else store.put(v, k);
            }
          }
        } catch (e) {
          if (tx) tx.abort();
          reject(io('write', e));
          return;
        }
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(io('write', tx.error));
        tx.onabort = () => reject(io('write', tx.error || 'aborted'));
      });
    },
    async close() {
      idb.close();
      release();
    },
  };
}

/** Deletes a persistent database's IndexedDB storage (it must not be open). */
export async function deleteIndexedDb(name) {
  await request(indexedDB.deleteDatabase(`dfdb:${name}`));
}
