# Sourced by every build script: shared build settings, so CI and local builds reuse one warm cache.
# Build output and the compiler cache live outside the clone (safe: keyed by content and path).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dfdb/target}"
export SCCACHE_DIR="${SCCACHE_DIR:-$HOME/.cache/dfdb/sccache}"
export CARGO_INCREMENTAL=0
if command -v sccache >/dev/null 2>&1; then
  export RUSTC_WRAPPER="${RUSTC_WRAPPER:-sccache}"
fi
