//! How a [`RocksDbStorage`](crate::RocksDbStorage) is configured: [`RocksDbOptions`] and its defaults.

use dfdb_core::{Error, Result};
use std::path::PathBuf;

/// The block compression of the SST files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// No compression.
    None,
    /// Snappy.
    Snappy,
    /// LZ4: fast, the default.
    #[default]
    Lz4,
    /// Zstandard: smaller files, more CPU.
    Zstd,
}

impl Compression {
    /// Parses `none`, `snappy`, `lz4` or `zstd` (any case).
    ///
    /// ```
    /// use dfdb::Compression;
    /// assert_eq!(Compression::parse("ZSTD").unwrap(), Compression::Zstd);
    /// assert!(Compression::parse("gzip").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "none" => Compression::None,
            "snappy" => Compression::Snappy,
            "lz4" => Compression::Lz4,
            "zstd" => Compression::Zstd,
            _ => {
                return Err(Error::parse(format!(
                    "unknown compression {s:?}: want none, snappy, lz4 or zstd"
                )))
            }
        })
    }

    /// The name [`Compression::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    pub(crate) fn to_rocksdb(self) -> rocksdb::DBCompressionType {
        match self {
            Compression::None => rocksdb::DBCompressionType::None,
            Compression::Snappy => rocksdb::DBCompressionType::Snappy,
            Compression::Lz4 => rocksdb::DBCompressionType::Lz4,
            Compression::Zstd => rocksdb::DBCompressionType::Zstd,
        }
    }
}

/// Everything [`RocksDbStorage::open`](crate::RocksDbStorage::open) needs. Build it with
/// [`RocksDbOptions::new`] and change the fields you care about; every other field keeps the
/// default documented on it.
///
/// ```
/// use dfdb::{Compression, RocksDbOptions};
/// let mut o = RocksDbOptions::new("/tmp/my-db");
/// o.compression = Compression::Zstd;
/// o.sync = false; // faster writes; a machine crash may lose the last acknowledged ones
/// assert!(o.create_if_missing);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RocksDbOptions {
    /// The database directory. Required: an empty path is refused when opening.
    pub path: PathBuf,
    /// Create the directory and an empty database when missing. Default `true`; when `false`,
    /// opening a missing database fails with kind `io`.
    pub create_if_missing: bool,
    /// SST block compression. Default [`Compression::Lz4`].
    pub compression: Compression,
    /// Bytes a memtable holds before it is flushed to an SST file. Default 64 MiB.
    pub write_buffer_size: usize,
    /// Most SST files kept open at once; `-1` keeps every file open. Default `-1`.
    pub max_open_files: i32,
    /// Bytes of the LRU block cache (data, index and filter blocks). Default 32 MiB.
    pub block_cache_size: usize,
    /// Bits per key of the SST Bloom filters (whole keys and key prefixes); `0.0` disables them.
    /// Default `10.0` (about 1% false positives).
    pub bloom_bits_per_key: f64,
    /// Put the first [`PREFIX_LEN`] bytes of every key (the index tag and, for entity-first
    /// indexes, the entity id) into the Bloom filters, so scans of one entity skip SST files that
    /// do not hold it. Default `true`.
    pub prefix_bloom: bool,
    /// Make every write durable before it returns (WAL `fsync`). Default `true`. With `false`,
    /// an acknowledged write survives a crash of the process but may be lost if the machine stops.
    pub sync: bool,
}

/// Length of the key prefix the prefix Bloom filter covers: the tag byte plus a 64-bit id.
pub const PREFIX_LEN: usize = 9;

impl RocksDbOptions {
    /// The defaults, for the database at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        RocksDbOptions {
            path: path.into(),
            create_if_missing: true,
            compression: Compression::Lz4,
            write_buffer_size: 64 << 20,
            max_open_files: -1,
            block_cache_size: 32 << 20,
            bloom_bits_per_key: 10.0,
            prefix_bloom: true,
            sync: true,
        }
    }

    /// The RocksDB options these settings stand for.
    pub(crate) fn to_rocksdb(&self) -> rocksdb::Options {
        let mut o = rocksdb::Options::default();
        o.create_if_missing(self.create_if_missing);
        o.set_compression_type(self.compression.to_rocksdb());
        o.set_write_buffer_size(self.write_buffer_size);
        o.set_max_open_files(self.max_open_files);
        let mut table = rocksdb::BlockBasedOptions::default();
        let cache = rocksdb::Cache::new_lru_cache(self.block_cache_size);
        table.set_block_cache(&cache);
        table.set_cache_index_and_filter_blocks(true);
        table.set_pin_l0_filter_and_index_blocks_in_cache(true);
        if self.bloom_bits_per_key > 0.0 {
            table.set_bloom_filter(self.bloom_bits_per_key, false);
            table.set_whole_key_filtering(true);
            if self.prefix_bloom {
                o.set_prefix_extractor(rocksdb::SliceTransform::create_fixed_prefix(PREFIX_LEN));
                o.set_memtable_prefix_bloom_ratio(0.05);
            }
        }
        o.set_block_based_table_factory(&table);
        o
    }

    /// Whether scans may use prefix mode (see [`RocksDbOptions::prefix_bloom`]).
    pub(crate) fn prefix_mode(&self) -> bool {
        self.prefix_bloom && self.bloom_bits_per_key > 0.0
    }
}

impl Default for RocksDbOptions {
    /// The defaults with an empty path: set [`RocksDbOptions::path`] before opening (or pass the
    /// path to [`crate::open`], which sets it).
    fn default() -> Self {
        RocksDbOptions::new(PathBuf::new())
    }
}
