#!/usr/bin/env bash
# `fasterapi serve --tls --runtime mio` against `--runtime tokio`, one worker each, h2load as the
# client (HTTP/2 with 16 connections x 10 streams; HTTP/1.1 with 16 keep-alive connections).
#   tls-vs-tokio.sh rounds N        N interleaved rounds (tokio, mio, tokio, mio, ...), req/s
#   tls-vs-tokio.sh strace RUNTIME  syscalls per request: strace -c -f on the server's threads
#                                   over 20,000 requests, HTTP/2 then HTTP/1.1
# FA names the binary (default target/release/fasterapi); N2/N1 the requests per h2/h1 run.
# Every server runs under `timeout` and is stopped with SIGTERM at the end.
set -euo pipefail

fa="${FA:-target/release/fasterapi}"
n2="${N2:-400000}"
n1="${N1:-60000}"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

start() { # NAME RUNTIME -> prints the URL
  timeout 900 "$fa" serve --addr 127.0.0.1:0 --workers 1 --runtime "$2" --tls >"$d/$1.out" 2>&1 &
  echo $! >"$d/$1.pid"
  for _ in $(seq 100); do grep -q https "$d/$1.out" && break; sleep 0.1; done
  grep -o 'https://[0-9.:]*' "$d/$1.out" | head -1
}
stop() { kill -TERM "$(pgrep -P "$(cat "$d/$1.pid")")" 2>/dev/null || true; }
load() { # h2|h1 URL REQUESTS
  if [ "$1" = h2 ]; then h2load -n "$3" -c 16 -m 10 "$2/"; else h2load --h1 -n "$3" -c 16 "$2/"; fi
}

case "${1:-}" in
  rounds)
    declare -A url
    for rt in tokio mio; do url[$rt]=$(start "$rt" "$rt"); done
    for r in $(seq "${2:-5}"); do
      for rt in tokio mio; do
        h2=$(load h2 "${url[$rt]}" "$n2" | grep -o '[0-9.]* req/s')
        h1=$(load h1 "${url[$rt]}" "$n1" | grep -o '[0-9.]* req/s')
        echo "round $r $rt h2 $h2 h1 $h1"
      done
    done
    for rt in tokio mio; do stop "$rt"; done
    ;;
  strace)
    rt="${2:?runtime}"
    n=20000
    for mode in h2 h1; do
      url=$(start "$rt" "$rt")
      load "$mode" "$url" 100 >/dev/null # the first connection's lazy set-up is not counted
      srv=$(pgrep -P "$(cat "$d/$rt.pid")")
      # shellcheck disable=SC2046
      strace -c -f $(ls /proc/"$srv"/task | sed 's/^/-p /') -o "$d/strace" 2>/dev/null &
      st=$!
      sleep 1
      load "$mode" "$url" "$n" | grep -E 'succeeded'
      sleep 0.5
      kill -TERM "$st"
      wait "$st" || true
      stop "$rt"
      echo "$rt $mode: syscalls per request"
      awk -v n="$n" '$NF ~ /^(read|recvfrom|write|writev|sendto|epoll_wait)$/ {
        printf "  %-10s %7d %.3f\n", $NF, $4, $4 / n }' "$d/strace"
    done
    ;;
  *)
    echo "usage: $0 rounds N | strace mio|tokio" >&2
    exit 2
    ;;
esac
wait
