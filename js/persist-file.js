// File-backed persistence for Node.js: an append-only log of committed batches.
//
// Each `write` appends one record holding every operation of the batches it is given and fsyncs
// it: [u32 body length][body][0xA5], body = ops of [u8 1=put|0=delete][u32 key length][key]
// ([u32 value length][value] for puts), integers big-endian. `load` replays the records; a torn
// record at the end (a crash mid-append) is dropped, so the file always holds a prefix of the
// committed transactions. A lock file (`PATH.lock`, holding the owner's pid) keeps one writer.
import {
  closeSync, existsSync, fsyncSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync,
  ftruncateSync,
} from 'node:fs';
import { dfdbError } from './database.js';

const END = 0xa5;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function takeLock(lock) {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return;
  } catch (e) {
    if (e.code !== 'EEXIST') throw dfdbError('io', `cannot create ${lock}: ${e.message}`);
  }
  const owner = Number(readFileSync(lock, 'utf8'));
  if (owner && owner !== process.pid && alive(owner)) {
    throw dfdbError('io', `database is open in another process (pid ${owner}, lock ${lock})`);
  }
  if (owner === process.pid) {
    throw dfdbError('io', `database is already open in this process (lock ${lock})`);
  }
  writeFileSync(lock, String(process.pid));
}

function encode(batches) {
  const parts = [];
  let len = 0;
  const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    parts.push(b);
    len += 4;
  };
  const bytes = (u8) => {
    u32(u8.length);
    parts.push(u8);
    len += u8.length;
  };
  for (const batch of batches) {
    for (const [k, v] of batch) {
      parts.push(Buffer.from([v === null ? 0 : 1]));
      len += 1;
      bytes(k);
      if (v !== null) bytes(v);
    }
  }
  const head = Buffer.alloc(4);
  head.writeUInt32BE(len);
  return Buffer.concat([head, ...parts, Buffer.from([END])]);
}

/** Replays the log: the map of every live key (hex) to [key, value], and the valid length. */
function replay(buf) {
  const entries = new Map();
  let at = 0;
  while (at + 4 <= buf.length) {
    const len = buf.readUInt32BE(at);
    const end = at + 4 + len;
    if (end + 1 > buf.length || buf[end] !== END) break;
    let p = at + 4;
    const take = () => {
      const n = buf.readUInt32BE(p);
      const out = new Uint8Array(buf.subarray(p + 4, p + 4 + n));
      p += 4 + n;
      return out;
    };
    while (p < end) {
      const op = buf[p];
      p += 1;
      const k = take();
      const hex = Buffer.from(k).toString('hex');
      if (op === 1) entries.set(hex, [k, take()]);
      else entries.delete(hex);
    }
    at = end + 1;
  }
  return { entries, valid: at };
}

/** The Node.js backend of `Database.open(path)`. */
export async function fileBackend(path) {
  const lock = `${path}.lock`;
  takeLock(lock);
  let fd = null;
  return {
    async load() {
      const buf = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
      const { entries, valid } = replay(buf);
      fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
      if (valid < buf.length) ftruncateSync(fd, valid);
      closeSync(fd);
      fd = openSync(path, 'a');
      return [...entries.values()];
    },
    async write(batches) {
      if (fd === null) throw dfdbError('closed', 'the database file is closed');
      try {
        writeSync(fd, encode(batches));
        fsyncSync(fd);
      } catch (e) {
        throw dfdbError('io', `writing ${path}: ${e.message}`);
      }
    },
    async close() {
      if (fd !== null) closeSync(fd);
      fd = null;
      try {
        if (readFileSync(lock, 'utf8') === String(process.pid)) unlinkSync(lock);
      } catch {
        // already gone
      }
    },
  };
}
