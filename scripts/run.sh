#!/usr/bin/env bash
# The main job: runs dfdb. Until the `dfdb` CLI lands this runs the quickstart example
# (native/examples/quickstart.rs): an in-memory database, a few transactions, entities and as-of.
#
# Usage: scripts/run.sh [ARGS...]   (ARGS go to the program)
# Shares the build cache with every other build (scripts/env.sh); run scripts/setup.sh once on a
# fresh machine first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
exec cargo run --locked -p dfdb --example quickstart -- "$@"
