#!/usr/bin/env bash
# fasterapi-pool extra stages: no_std build for thumbv7em, loom models, miri.
#   scripts/stages/pool.sh quick   no_std build + loom models (miri skipped: its sysroot build alone
#                                  takes minutes on a fresh machine)
#   scripts/stages/pool.sh full    no_std build + loom models + miri on every test of the crate
# Run from the repository root. Installs what it needs (rustup target/components) itself.
set -euo pipefail

mode="${1:-quick}"
case "$mode" in
  quick | full) ;;
  *)
    echo "usage: $0 quick|full" >&2
    exit 2
    ;;
esac

root_target="${CARGO_TARGET_DIR:-$PWD/target}"
# Separate target dirs: --cfg loom and miri builds must not evict the normal build artifacts.
loom_target="${POOL_LOOM_TARGET_DIR:-$root_target/pool-loom}"
miri_target="${POOL_MIRI_TARGET_DIR:-$root_target/pool-miri}"

step() { echo "-- pool: $*"; }

step "no_std build for thumbv7em-none-eabihf (no features)"
rustup target list --installed | grep -qx thumbv7em-none-eabihf ||
  rustup target add thumbv7em-none-eabihf
cargo build -p fasterapi-pool --target thumbv7em-none-eabihf --no-default-features

# The models are small enough to explore exhaustively (no preemption bound): about 2 s.
step "loom models (exhaustive)"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$loom_target" \
  cargo test -p fasterapi-pool --test loom --release

if [ "$mode" = quick ]; then
  step "miri skipped (quick); run: $0 full"
  step "ok ($mode)"
  exit 0
fi

step "miri setup (nightly miri + rust-src)"
installed=$(rustup +nightly component list --installed)
for c in miri rust-src; do
  grep -q "^$c" <<<"$installed" || rustup +nightly component add "$c"
done
CARGO_TARGET_DIR="$miri_target" cargo +nightly miri setup

# Stress tests shrink their iteration counts under cfg(miri); proptest runs 2 short cases.
# Isolation is disabled because proptest asks the OS for the working directory (its failure
# persistence) and for its RNG seed; the crate itself does no I/O.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
step "miri: every test of the crate"
CARGO_TARGET_DIR="$miri_target" cargo +nightly miri test -p fasterapi-pool
step "ok ($mode)"
