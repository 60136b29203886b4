#!/usr/bin/env bash
# The cost of one request to a running server, independent of how loaded the machine is:
# system calls, epoll_waits and context switches per request (perf's syscall tracepoints on
# every thread of PID), and user / system CPU microseconds per request (/proc/PID/stat), over
# one wrk run (2 threads; 1 with one connection). Dividing by the requests wrk counted makes
# the numbers per request, so a slow round on a busy machine moves requests/s but not these.
# A benchmark helper, not a test.
#
# Usage: benches/hyper/syscalls.sh PID URL [CONNECTIONS=64] [SECONDS=4] [wrk args...]
# (root or perf_event_paranoid <= 1 for the tracepoints; wrk and perf on PATH)
set -euo pipefail
pid=$1 url=$2 conns=${3:-64} secs=${4:-4}
shift $(($# < 4 ? $# : 4))
events=raw_syscalls:sys_enter,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_recvfrom
events+=,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_write
events+=,syscalls:sys_enter_futex,context-switches
out=$(mktemp)
trap 'rm -f "$out"' EXIT
perf stat -x, -e "$events" -p "$pid" -o "$out" -- sleep $((secs + 1)) &
perf_pid=$!
sleep 0.3
read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
requests=$(wrk -t"$((conns < 2 ? conns : 2))" -c"$conns" -d"${secs}s" "$@" "$url/" | awk '/requests in/ {print $1}')
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
wait "$perf_pid"
awk -F, -v r="$requests" -v secs="$secs" -v u=$((u1 - u0)) -v k=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" '
  BEGIN { printf "requests %d (%.0f/s); CPU per request: user %.2f us, system %.2f us\n",
            r, r / secs, u * 1e6 / hz / r, k * 1e6 / hz / r }
  $1 ~ /^[0-9]+$/ { name = $3; sub(/^(raw_)?syscalls:sys_enter_?/, "", name); if (name == "") name = "all syscalls"
                    printf "  %-18s %10d  %.3f per request\n", name, $1, $1 / r }' "$out"
