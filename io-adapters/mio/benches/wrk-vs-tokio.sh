#!/usr/bin/env bash
# fasterapi-http1 on fasterapi-mio versus on fasterapi-tokio: the same machine and handler (a
# JSON hello, examples/hello_server.rs), the same machine, interleaved runs.
#   * req/s: wrk, HTTP/1.1 keep-alive, 64 connections, SECONDS each run, ROUNDS rounds of
#     mio then tokio (the median of each is reported), once with one request at a time per
#     connection and once pipelined x16 (wrk's pipeline script: 16 requests per write);
#   * CPU per request: the server's user + system CPU time during the run (/proc/PID/stat)
#     divided by the requests wrk completed; steadier than req/s on a machine shared with
#     other work, since it does not count the time the server waited for a CPU;
#   * memory per idle connection: the server's RSS before and after 1,000 keep-alive
#     connections that each made one request and then sit idle, divided by 1,000.
#
#   io-adapters/mio/benches/wrk-vs-tokio.sh [ROUNDS] [SECONDS] [WORKERS]   (defaults 3 5 2)
#
# Run from the repository root. Needs wrk and python3.
set -euo pipefail

rounds="${1:-3}"
secs="${2:-5}"
workers="${3:-2}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
work="$(mktemp -d)"
pid=""
client=""

cleanup() {
  [ -n "$client" ] && kill "$client" 2>/dev/null || true
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 8192

cargo build --release --quiet -p fasterapi-mio --example hello_server
bin="$target/release/examples/hello_server"

start_server() { # start_server RUNTIME: sets pid and addr
  : >"$work/out"
  "$bin" "$1" 127.0.0.1:0 "$workers" >"$work/out" &
  pid=$!
  for _ in $(seq 100); do
    addr="$(sed -n 's/^listening on //p' "$work/out")"
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  echo "the $1 server did not start" >&2
  return 1
}

stop_server() {
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# wrk sends 16 requests per write on each connection.
cat >"$work/pipeline.lua" <<'LUA'
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil, "/") end
  req = table.concat(r)
end
request = function() return req end
LUA

echo "machine: $(nproc) CPUs, $(uname -sr); workers per server: $workers; wrk -t2 -c64 -d${secs}s"
for round in $(seq "$rounds"); do
  for mode in keepalive pipelined; do
    for rt in mio tokio; do
      start_server "$rt"
      curl --silent --max-time 5 "http://$addr/" >/dev/null # warm up
      script=()
      [ "$mode" = pipelined ] && script=(-s "$work/pipeline.lua")
      cpu0="$(cpu_ticks)"
      report="$(wrk -t2 -c64 -d"${secs}s" "${script[@]}" "http://$addr/")"
      cpu1="$(cpu_ticks)"
      stop_server
      if grep -Eq "Non-2xx|Socket errors" <<<"$report"; then
        echo "wrk saw errors against $rt: $report" >&2
        exit 1
      fi
      rps="$(sed -n 's/^Requests\/sec: *//p' <<<"$report")"
      requests="$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$report")"
      us="$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
      echo "round $round  $mode  $rt  $rps req/s  $us us CPU/request"
      echo "$rps" >>"$work/$mode.$rt.rps"
      echo "$us" >>"$work/$mode.$rt.cpu"
    done
  done
done
for mode in keepalive pipelined; do
  mio_rps="$(median <"$work/$mode.mio.rps")"
  tokio_rps="$(median <"$work/$mode.tokio.rps")"
  mio_cpu="$(median <"$work/$mode.mio.cpu")"
  tokio_cpu="$(median <"$work/$mode.tokio.cpu")"
  echo "$mode median req/s: mio $mio_rps, tokio $tokio_rps, mio/tokio $(awk -v a="$mio_rps" -v b="$tokio_rps" 'BEGIN { printf "%.2f", a / b }')x"
  echo "$mode median CPU/request: mio $mio_cpu us, tokio $tokio_cpu us, tokio/mio $(awk -v a="$mio_cpu" -v b="$tokio_cpu" 'BEGIN { printf "%.2f", b / a }')x"
done

# Opens N keep-alive connections, one request each, then idles until killed.
cat >"$work/idle.py" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
socks = []
for _ in range(int(sys.argv[2])):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: b\r\n\r\n")
    socks.append(s)
for s in socks:
    got = b""
    while not got.endswith(b'"hello, world"}'):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("closed early")
        got += chunk
open(sys.argv[3], "w").write("ready")
time.sleep(60)
PY

for rt in mio tokio; do
  start_server "$rt"
  curl --silent --max-time 5 "http://$addr/" >/dev/null
  before="$(rss_kib)"
  python3 "$work/idle.py" "$addr" 1000 "$work/ready" &
  client=$!
  for _ in $(seq 300); do
    [ -f "$work/ready" ] && break
    sleep 0.1
  done
  [ -f "$work/ready" ] || { echo "idle client did not connect" >&2; exit 1; }
  sleep 0.5
  after="$(rss_kib)"
  kill "$client"
  wait "$client" 2>/dev/null || true
  client=""
  rm -f "$work/ready"
  stop_server
  echo "idle memory  $rt  RSS $before -> $after KiB over 1000 connections: $(((after - before) * 1024 / 1000)) bytes per connection"
done
