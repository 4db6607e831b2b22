#!/usr/bin/env bash
# THE one test command: every check and every test, on every target, in order, failing fast.
# CI runs exactly this (.ci/run); run it locally before you push.
#
#   1 setup        scripts/setup.sh (installs only what is missing)
#   2 fmt          cargo fmt --check (workspace and nostd-check)
#   3 clippy       clippy on every crate, target and feature, warnings are errors
#   4 test         cargo test --workspace --all-features (native: unit, integration, doc tests)
#   5 wasm-build   dfdb-core for wasm32-unknown-unknown without default features
#   6 nostd        nostd-check/: a #![no_std] crate with its own panic handler and allocator,
#                  linking dfdb-core for wasm32 (proves the core needs no std)
#   7 wasm-test    dfdb-core's tests on wasm32 under Node.js (wasm-bindgen-test-runner)
#   8 npm-test     npm test, when package.json defines a test script
#
# Usage: scripts/test.sh [STEP ...]
#   With no arguments, every step (this is what CI runs). With step names, only those steps, in the
#   order above (e.g. `scripts/test.sh clippy wasm-test` while fixing those two).
# Build output and the compiler cache are shared with every other build (see scripts/env.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/env.sh
source scripts/env.sh
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# wasm32 test binaries run under Node.js through wasm-bindgen's runner.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner

ALL_STEPS="setup fmt clippy test wasm-build nostd wasm-test npm-test"
ONLY="$*"
for s in $ONLY; do
  case " $ALL_STEPS " in
    *" $s "*) ;;
    *) echo "scripts/test.sh: unknown step '$s' (steps: $ALL_STEPS)" >&2; exit 2 ;;
  esac
done
# Whether step $1 is to run (all are, unless steps were named on the command line).
wanted() { [ -z "$ONLY" ] || case " $ONLY " in *" $1 "*) true ;; *) false ;; esac; }

LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dfdb-test.XXXXXX")
trap 'rm -rf "$LOG_DIR"' EXIT

STEP_NAMES=()
STEP_TIMES=()
STEP_STATES=()
T0=$SECONDS

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# Sums the test counts printed by cargo test / wasm-bindgen-test-runner ("test result: ok. N passed;
# M failed; K ignored") and node's test runner ("# pass N", "# fail M", "# skipped K").
count_tests() {
  cat "$LOG_DIR"/*.log 2>/dev/null | awk '
    /^test result: / {
      for (i = 1; i <= NF; i++) {
        if ($(i) ~ /^passed;?$/) p += $(i - 1)
        if ($(i) ~ /^failed;?$/) f += $(i - 1)
        if ($(i) ~ /^ignored;?$/) s += $(i - 1)
      }
    }
    /^# pass [0-9]+$/ { p += $3 }
    /^# fail [0-9]+$/ { f += $3 }
    /^# (skipped|todo) [0-9]+$/ { s += $3 }
    END { printf "%d %d %d\n", p, f, s }'
}

summary() {
  echo
  echo "==> scripts/test.sh summary"
  local i
  for i in "${!STEP_NAMES[@]}"; do
    printf '    %-11s %-7s %s\n' "${STEP_NAMES[$i]}" "${STEP_STATES[$i]}" "$(fmt_secs "${STEP_TIMES[$i]}")"
  done
  printf '    %-11s %-7s %s\n' "total" "" "$(fmt_secs $((SECONDS - T0)))"
}

# step NAME DESCRIPTION COMMAND...: runs COMMAND, records its time, and stops everything if it fails.
step() {
  local name=$1 desc=$2
  shift 2
  wanted "$name" || return 0
  local n=$((${#STEP_NAMES[@]} + 1))
  printf '\n==> [%d] %s: %s\n' "$n" "$name" "$desc"
  local start=$SECONDS rc
  set +e
  # A subshell with -e, so a multi-command step stops at its first failing command.
  (set -e; "$@") 2>&1 | tee "$LOG_DIR/$n-$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  STEP_NAMES+=("$name")
  STEP_TIMES+=($((SECONDS - start)))
  if [ "$rc" -ne 0 ]; then
    STEP_STATES+=("FAILED")
    summary
    echo
    echo "scripts/test.sh: FAILED at step [$n] $name ($desc), exit code $rc"
    exit "$rc"
  fi
  STEP_STATES+=("ok")
}

# step SKIP: records a step that does not apply, with the reason.
skip() {
  local name=$1 why=$2
  wanted "$name" || return 0
  printf '\n==> [%d] %s: skipped (%s)\n' $((${#STEP_NAMES[@]} + 1)) "$name" "$why"
  STEP_NAMES+=("$name")
  STEP_TIMES+=(0)
  STEP_STATES+=("skipped")
}

run_setup() {
  scripts/setup.sh
}

run_fmt() {
  cargo fmt --all -- --check
  cargo fmt --manifest-path nostd-check/Cargo.toml -- --check
}

run_clippy() {
  cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
}

run_tests() {
  cargo test --workspace --all-features --locked
}

run_wasm_build() {
  cargo build -p dfdb-core --target wasm32-unknown-unknown --no-default-features --locked
}

run_nostd() {
  # No --locked: nostd-check/Cargo.lock is its own; when dfdb-core gains a dependency, cargo adds it
  # here rather than failing (commit the updated lock).
  cargo build --manifest-path nostd-check/Cargo.toml --target wasm32-unknown-unknown
}

run_wasm_tests() {
  command -v wasm-bindgen-test-runner >/dev/null 2>&1 ||
    { echo "wasm-bindgen-test-runner not found (scripts/setup.sh installs it)"; return 1; }
  cargo test -p dfdb-core --target wasm32-unknown-unknown --features testing --locked
}

run_npm_test() {
  npm test
}

has_npm_test() {
  [ -f package.json ] &&
    node -e 'const p = JSON.parse(require("fs").readFileSync("package.json", "utf8"));
             process.exit(p.scripts && p.scripts.test ? 0 : 1)'
}

step setup "install missing tools (scripts/setup.sh)" run_setup
# setup.sh may just have installed sccache: pick it up.
source scripts/env.sh
step fmt "cargo fmt --check" run_fmt
step clippy "cargo clippy --workspace --all-targets --all-features -D warnings" run_clippy
step test "cargo test --workspace --all-features (native)" run_tests
step wasm-build "cargo build -p dfdb-core --target wasm32-unknown-unknown --no-default-features" run_wasm_build
step nostd "no_std link check: nostd-check/ for wasm32" run_nostd
step wasm-test "cargo test -p dfdb-core on wasm32 under Node.js" run_wasm_tests
if has_npm_test; then
  step npm-test "npm test" run_npm_test
else
  skip npm-test "package.json defines no test script"
fi

summary
read -r passed failed skipped < <(count_tests)
echo
if [ -z "$ONLY" ]; then
  echo "scripts/test.sh: all steps passed in $(fmt_secs $((SECONDS - T0)))"
else
  echo "scripts/test.sh: the selected steps ($ONLY) passed in $(fmt_secs $((SECONDS - T0))); others not run"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
