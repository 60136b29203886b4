#!/usr/bin/env bash
# fasterapi-mio extra stages: the reactor builds for the other pollers mio has, not only epoll.
#   scripts/stages/mio.sh quick   cargo check for x86_64-apple-darwin (kqueue) and
#                                 x86_64-pc-windows-msvc (IOCP)
#   scripts/stages/mio.sh full    clippy -D warnings for both, plus a wrk smoke run (2 s, 64
#                                 connections) against the mio hello server: every answer a 200
# Run from the repository root. Installs the rustup targets it needs itself. The loopback tests
# (curl, Python websockets, 200 connections, timers, shutdown) run in the workspace's cargo test.
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
step() { echo "-- mio: $*"; }

for target in x86_64-apple-darwin x86_64-pc-windows-msvc; do
  rustup target list --installed | grep -qx "$target" || rustup target add "$target"
  if [ "$mode" = full ]; then
    step "clippy for $target"
    CARGO_TARGET_DIR="$root_target/mio-cross" \
      cargo clippy -p fasterapi-mio --target "$target" -- -D warnings
  else
    step "check for $target"
    CARGO_TARGET_DIR="$root_target/mio-cross" cargo check -p fasterapi-mio --target "$target"
  fi
done

if [ "$mode" = full ]; then
  step "wrk smoke: 64 connections for 2 s against the mio hello server"
  command -v wrk >/dev/null || {
    echo "wrk is required (scripts/debian-packages.txt)" >&2
    exit 1
  }
  cargo build --quiet -p fasterapi-mio --example hello_server
  out="$(mktemp)"
  "$root_target/debug/examples/hello_server" mio 127.0.0.1:0 2 >"$out" &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
  addr=""
  for _ in $(seq 100); do
    addr="$(sed -n 's/^listening on //p' "$out")"
    [ -n "$addr" ] && break
    sleep 0.1
  done
  [ -n "$addr" ] || {
    echo "the hello server did not start" >&2
    exit 1
  }
  report="$(timeout 30 wrk -t2 -c64 -d2s "http://$addr/")"
  echo "$report"
  if grep -Eq "Non-2xx|Socket errors" <<<"$report"; then
    echo "wrk saw errors" >&2
    exit 1
  fi
  grep -Eq "^ +[0-9]+ requests in" <<<"$report" || {
    echo "wrk made no requests" >&2
    exit 1
  }
fi
step "ok"
