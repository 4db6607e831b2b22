//! In-memory storage (placeholder file; implemented by the storage work).
