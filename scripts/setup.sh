#!/usr/bin/env bash
# Installs everything a fresh Debian machine needs to build and test dfdb on every target.
# Idempotent: each step checks first and does nothing when its tool is already there, so a warm
# machine runs this in a second or two. Nothing here downloads prebuilt binaries at run time: tools
# come from Debian's packages, crates.io (built from source) and the npm registry only.
#
# Usage: scripts/setup.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root (CI, this machine kind), else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# --- 1. Debian packages -------------------------------------------------------------------------
# libclang-dev: bindgen for the bundled RocksDB; sccache: compiler cache shared by CI and local
# builds; chromium + chromium-driver: headless browser tests of the wasm build.
APT_PACKAGES=(libclang-dev sccache chromium chromium-driver)
# Node.js (with npm) only when no `node` is on PATH: a newer Node from elsewhere is left alone.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  APT_PACKAGES+=(nodejs npm)
fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt: installing missing packages: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  log "apt: all present (${APT_PACKAGES[*]})"
fi

# Build settings (after apt, so a freshly installed sccache is picked up as RUSTC_WRAPPER).
# shellcheck source=scripts/env.sh
source scripts/env.sh

# --- 2. Rust toolchain pieces --------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust stable with rustup first"
if command -v rustup >/dev/null 2>&1; then
  if rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
    log "rustup: wasm32-unknown-unknown present"
  else
    log "rustup: adding target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  for comp in rustfmt clippy; do
    if rustup component list --installed | grep -q "^${comp}"; then
      log "rustup: ${comp} present"
    else
      log "rustup: adding component ${comp}"
      rustup component add "$comp"
    fi
  done
else
  # Without rustup (e.g. a distribution's Rust) we can only check.
  rustc --print target-list >/dev/null
  cargo fmt --version >/dev/null 2>&1 || die "cargo fmt missing (install rustfmt)"
  cargo clippy --version >/dev/null 2>&1 || die "cargo clippy missing (install clippy)"
  log "rustup not found: assuming the wasm32-unknown-unknown target, rustfmt and clippy are installed"
fi

# --- 3. wasm-bindgen-cli at exactly the version in Cargo.lock ------------------------------------
# The CLI and the `wasm-bindgen` crate must match to the patch version, or the bindings and tests fail.
lock_version() {
  # Prints the locked version of package $1 (the first entry if several).
  awk -v name="$1" '
    $0 == "[[package]]" { in_pkg = 1; found = 0; next }
    in_pkg && $1 == "name" && $3 == "\"" name "\"" { found = 1; next }
    in_pkg && found && $1 == "version" { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock
}
WB_VERSION=""
[ -f Cargo.lock ] && WB_VERSION=$(lock_version wasm-bindgen)
if [ -z "$WB_VERSION" ]; then
  log "wasm-bindgen-cli: no wasm-bindgen in Cargo.lock, skipping"
else
  have=""
  if command -v wasm-bindgen >/dev/null 2>&1 && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    have=$(wasm-bindgen --version | awk '{print $2}')
  fi
  if [ "$have" = "$WB_VERSION" ]; then
    log "wasm-bindgen-cli: $WB_VERSION present"
  else
    log "wasm-bindgen-cli: installing $WB_VERSION (have: ${have:-none}); builds from source, ~6 CPU-min"
    # --locked pins the tool's own dependencies; it fails when the registry lacks one of them,
    # so fall back to a fresh resolution. Built in a temporary dir, not in the shared target dir.
    if ! env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "=$WB_VERSION" --locked --force; then
      log "wasm-bindgen-cli: --locked install failed, retrying without --locked"
      env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "=$WB_VERSION" --force
    fi
    have=$(wasm-bindgen --version | awk '{print $2}')
    [ "$have" = "$WB_VERSION" ] || die "wasm-bindgen-cli: installed $have but Cargo.lock wants $WB_VERSION"
  fi
fi

# --- 4. npm dependencies -------------------------------------------------------------------------
# `npm ci` only when package.json or package-lock.json changed since the last install (a stamp in
# node_modules records their hash), so a warm run does not touch the network.
if [ -f package.json ]; then
  stamp=node_modules/.dfdb-setup.stamp
  want=$(cat package.json package-lock.json 2>/dev/null | sha256sum | awk '{print $1}')
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "npm: node_modules up to date"
  else
    if [ -f package-lock.json ]; then
      log "npm: npm ci"
      npm ci --no-audit --no-fund
    else
      log "npm: no package-lock.json, npm install"
      npm install --no-audit --no-fund
    fi
    mkdir -p node_modules
    printf '%s\n' "$want" >"$stamp"
  fi
else
  log "npm: no package.json, skipping"
fi

log "done"
