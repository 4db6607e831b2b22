#!/usr/bin/env bash
# The main job: runs the `dfdb` command-line program (native/src/main.rs), built in the dev
# profile (the shared cache already holds RocksDB built that way).
#
# Usage: scripts/run.sh [ARGS...]
#   With ARGS: runs `dfdb ARGS...` (e.g. `scripts/run.sh query '[:find ...]'`, `scripts/run.sh help`).
#   Without:   loads the demo shop into ./dfdb-data (or $DFDB_PATH) when it is empty, then starts the
#              interactive shell when stdin is a terminal, or prints the demo queries' answers when
#              it is not.
# Relative paths in ARGS are relative to the current directory. Shares the build cache with every
# other build (scripts/env.sh); run scripts/setup.sh once on a fresh machine first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"
cargo build --locked --quiet --manifest-path "$ROOT/Cargo.toml" -p dfdb --bin dfdb
DFDB="$CARGO_TARGET_DIR/debug/dfdb"

if [ $# -gt 0 ]; then
  exec "$DFDB" "$@"
fi

# No arguments: something useful for a new user. `demo` loads the shop only into an empty database
# (and fails, changing nothing, when the database holds other data).
if [ -t 0 ]; then
  "$DFDB" demo || true
  exec "$DFDB" repl
fi
"$DFDB" --format table demo --answers && exit 0
echo "run.sh: ${DFDB_PATH:-./dfdb-data} holds other data; its statistics instead:" >&2
exec "$DFDB" stats
