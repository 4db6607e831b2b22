// The browser entry of the npm package `dfdb`: fetches and instantiates the WebAssembly module
// (top-level await), and offers IndexedDB-backed persistent databases (`Database.open(name)`).
import init from '../pkg/web/dfdb_web.js';
import { setDefaultBackend } from './database.js';
import { indexedDbBackend } from './persist-idb.js';

await init({ module_or_path: new URL('../pkg/web/dfdb_web_bg.wasm', import.meta.url) });
setDefaultBackend(indexedDbBackend);

export { Database, DatabaseView } from './database.js';
export { readEdn, toEdn, canonicalEdn } from '../pkg/web/dfdb_web.js';
