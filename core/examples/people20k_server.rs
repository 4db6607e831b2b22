//! dfdb natively (memory storage, no wasm) as a variant of the Node.js bench (`npm run bench`,
//! `bench/node/native.mjs`): loads people20k, then answers timing requests over two named pipes so
//! the Node harness can interleave native samples with DataScript's in its own rounds.
//!
//! `people20k_server REQUEST_FIFO REPLY_FIFO`. Each request is one line, `K<TAB>query<TAB>inputs`
//! (the query and a vector of its non-`$` inputs, both EDN); the reply is one line,
//! `size<TAB>nanoseconds`: the result's element count and the time of running the query `K` times
//! back to back, or `error<TAB>message`. The pipes close, the server exits.
//! `people20k_server_mimalloc` is the same server with mimalloc as the global allocator.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{add_all, people};
use dfdb_core::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

/// Serves requests until the pipes close.
pub fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(req), Some(rep)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: people20k_server REQUEST_FIFO REPLY_FIFO");
        std::process::exit(2);
    };
    // The pipes first: the Node side blocks opening them until this process does.
    let requests = BufReader::new(File::open(req).expect("open the request pipe"));
    let mut replies = File::options()
        .write(true)
        .open(rep)
        .expect("open the reply pipe");
    let db = add_all(&people());
    for line in requests.lines() {
        let Ok(line) = line else { break };
        let reply = match answer(&db, &line) {
            Ok((size, ns)) => format!("{size}\t{ns}\n"),
            Err(e) => format!("error\t{}\n", e.replace(['\n', '\t'], " ")),
        };
        if replies.write_all(reply.as_bytes()).is_err() {
            break;
        }
    }
}

/// Runs one request: the result's size and the nanoseconds of `K` runs.
fn answer(db: &dfdb_core::Database, line: &str) -> Result<(usize, u128), String> {
    let mut parts = line.splitn(3, '\t');
    let (Some(k), Some(query), Some(inputs)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("want K<TAB>query<TAB>inputs, got {line:?}"));
    };
    let k: u32 = k.parse().map_err(|_| format!("bad repeat count {k:?}"))?;
    let query = dfdb_core::read(query).map_err(|e| e.to_string())?;
    let inputs = match dfdb_core::read(inputs).map_err(|e| e.to_string())? {
        Value::Vector(v) => v,
        other => return Err(format!("inputs must be a vector, got {other}")),
    };
    let mut size = 0;
    let t = Instant::now();
    for _ in 0..k.max(1) {
        let result = db.query(&query, &inputs).map_err(|e| e.to_string())?;
        size = match &result {
            Value::Set(s) => s.len(),
            Value::Vector(v) | Value::List(v) => v.len(),
            _ => 1,
        };
        std::hint::black_box(result);
    }
    Ok((size, t.elapsed().as_nanos()))
}
