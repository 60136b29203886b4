#!/usr/bin/env bash
# fasterapi-http1 extra stages: every SIMD backend of the codec runs the codec tests, not only the
# one this CPU picks at run time.
#   scripts/stages/http1.sh quick   scalar and SSSE3 parser paths on x86_64 (compile-time choice)
#   scripts/stages/http1.sh full    the same, plus the NEON path on aarch64 under qemu-user
# Run from the repository root. Installs what it needs (rustup target, Debian packages) itself.
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
step() { echo "-- http1: $*"; }

# Without `std` the backend is chosen at compile time: plain x86_64 (SSE2 only) gives the table
# scanner, `+ssse3` gives the SSSE3 scanner. The default build (std) already tests AVX2/SSSE3
# against the scalar twin and runs the parser with the run-time choice.
step "codec tests, scalar backend (no std, x86_64 baseline)"
CARGO_TARGET_DIR="$root_target/http1-scalar" \
  cargo test -p fasterapi-http1 --lib --no-default-features --features alloc

step "codec tests, SSSE3 backend (no std, +ssse3)"
RUSTFLAGS="-C target-feature=+ssse3" CARGO_TARGET_DIR="$root_target/http1-ssse3" \
  cargo test -p fasterapi-http1 --lib --no-default-features --features alloc

if [ "$mode" = full ]; then
  step "codec tests, NEON backend (aarch64 under qemu-user)"
  rustup target list --installed | grep -qx aarch64-unknown-linux-gnu ||
    rustup target add aarch64-unknown-linux-gnu
  if ! command -v qemu-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  fi
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
    CARGO_TARGET_DIR="$root_target/http1-aarch64" \
    cargo test -p fasterapi-http1 --lib --target aarch64-unknown-linux-gnu
fi
step "ok"
