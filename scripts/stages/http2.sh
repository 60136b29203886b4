#!/usr/bin/env bash
# fasterapi-http2 extra stage: an h2load run against the example server over real TCP (the
# cargo tests already run a 4,000-request h2load smoke, curl, nghttp, nghttpd and Python h2).
#   scripts/stages/http2.sh quick   nothing beyond the cargo tests
#   scripts/stages/http2.sh full    release build of examples/hello_server, h2load -n 100000
# Run from the repository root. Needs h2load (Debian nghttp2-client, scripts/debian-packages.txt).
set -euo pipefail

mode="${1:-quick}"
case "$mode" in
  quick) echo "-- http2: quick mode has nothing beyond the cargo tests"; exit 0 ;;
  full) ;;
  *)
    echo "usage: $0 quick|full" >&2
    exit 2
    ;;
esac

target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --locked --release -p fasterapi-http2 --example hello_server
out=$(mktemp)
"$target/release/examples/hello_server" 127.0.0.1:0 >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
addr=$(head -1 "$out")
echo "-- http2: h2load -n 100000 -c 4 -m 32 against http://$addr/"
result=$(timeout 120 h2load -n 100000 -c 4 -m 32 -t 2 "http://$addr/")
echo "$result" | grep -E "finished in|requests:|status codes:"
echo "$result" | grep -q "100000 succeeded, 0 failed, 0 errored" || {
  echo "h2load: not every request succeeded" >&2
  exit 1
}
