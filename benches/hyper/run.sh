#!/usr/bin/env bash
# `fasterapi serve` against a minimal hyper server answering the same JSON hello, same
# machine, same run, interleaved: wrk HTTP/1.1 keep-alive (64 connections) and pipelined x16,
# h2load over h2c (prior knowledge; 64 streams: 4 connections x 16 concurrent streams) against
# hyper serving HTTP/1.1 and HTTP/2 on one port like `fasterapi serve`, then the memory of an
# idle keep-alive connection. A benchmark, not a test.
#
# Usage: benches/hyper/run.sh [SECONDS=10] [ROUNDS=3] [WORKERS=2] [IDLE_CONNECTIONS=2000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-10}
rounds=${2:-3}
workers=${3:-2}
idle=${4:-2000}
target=${CARGO_TARGET_DIR:-$root/target/bench-serve}
export CARGO_TARGET_DIR=$target

cargo build -q --release -p fasterapi-cli --manifest-path "$root/Cargo.toml"
CARGO_TARGET_DIR=$target-hyper cargo build -q --release --manifest-path "$here/Cargo.toml"
fa=$target/release/fasterapi
hy=$target-hyper/release/hyper-hello

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Starts "$@" with its output in the file $1, waits for the URL it prints; sets $pid and $url.
start() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.:]*' "$log" | head -1 || true)
    [ -n "$url" ] && return
    sleep 0.1
  done
  echo "server did not start: $(cat "$log")" >&2
  exit 1
}

start "$tmp/fa.log" "$fa" serve --addr 127.0.0.1:0 --workers "$workers"
fa_pid=$pid fa_url=$url
curl -sS "$fa_url/" >"$tmp/body.json"
start "$tmp/hy.log" "$hy" 127.0.0.1:0 "$workers" "$tmp/body.json"
hy_pid=$pid hy_url=$url
# Over h2 the hello says "protocol":"HTTP/2": the h2 anchor answers those bytes.
curl -sS --http2-prior-knowledge "$fa_url/" >"$tmp/body-h2.json"
start "$tmp/hy2.log" "$hy" 127.0.0.1:0 "$workers" "$tmp/body-h2.json" auto
hy2_url=$url
cmp <(curl -sS --http2-prior-knowledge "$fa_url/") <(curl -sS --http2-prior-knowledge "$hy2_url/") ||
  { echo "the h2 bodies differ" >&2; exit 1; }
cmp <(curl -sS "$fa_url/") <(curl -sS "$hy_url/") || { echo "the bodies differ" >&2; exit 1; }

rps() { awk '/Requests\/sec/ {print $2}'; }
# h2load's "finished in Xs, N req/s"; a run with failed requests counts as 0.
h2rps() { awk '/^finished in/ {r=$4} /^requests:/ && $10 != "0" {bad=1} END {print bad ? 0 : r}'; }
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg); workers=$workers, wrk -t2 -c64 -d${secs}s"
printf '%-8s %-10s %12s %12s\n' round mode fasterapi hyper
for r in $(seq "$rounds"); do
  for mode in keepalive pipeline16 h2c-m16; do
    if [ "$mode" = h2c-m16 ]; then
      args=(-t2 -c4 -m16 -D"$secs")
      a=$(h2load "${args[@]}" "$fa_url/" | h2rps)
      b=$(h2load "${args[@]}" "$hy2_url/" | h2rps)
    else
      args=(-t2 -c64 -d"${secs}s")
      [ "$mode" = pipeline16 ] && args+=(-s "$here/pipeline.lua")
      a=$(wrk "${args[@]}" "$fa_url/" | rps)
      b=$(wrk "${args[@]}" "$hy_url/" | rps)
    fi
    printf "%-8s %-10s %12s %12s   ratio %.2fx\n" "$r" "$mode" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')"
    echo "$mode $a $b" >>"$tmp/results"
  done
done
# Medians over the rounds (the machine's load moves single rounds a lot).
for mode in keepalive pipeline16 h2c-m16; do
  median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
  a=$(awk -v m="$mode" '$1==m {print $2}' "$tmp/results" | median)
  b=$(awk -v m="$mode" '$1==m {print $3}' "$tmp/results" | median)
  r=$(awk -v m="$mode" '$1==m {print $2/$3}' "$tmp/results" | median)
  printf '%-8s %-10s %12.0f %12.0f   median of ratios %.2fx\n' median "$mode" "$a" "$b" "$r"
done

echo "# memory per idle keep-alive connection ($idle connections, one request each)"
ulimit -n 65536 2>/dev/null || true
fa_port=${fa_url##*:}
hy_port=${hy_url##*:}
echo "fasterapi: $(python3 "$here/idle.py" "$fa_pid" 127.0.0.1 "$fa_port" "$idle")"
echo "hyper:     $(python3 "$here/idle.py" "$hy_pid" 127.0.0.1 "$hy_port" "$idle")"
