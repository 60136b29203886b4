#!/usr/bin/env bash
# fasterapi-websocket extra stage: the Autobahn|Testsuite cases (run by `kosoku`, PyPI)
# against our echo server (fuzzingclient mode) and our client (fuzzingserver mode).
#   scripts/stages/websocket.sh quick   a subset of each section, debug build
#   scripts/stages/websocket.sh full    all 517 cases in both roles, release build
# Fails on any FAILED, NON-STRICT, UNIMPLEMENTED or ERROR verdict (INFORMATIONAL is fine).
# Run from the repository root. Installs kosoku into $VENV itself when it is missing.
# Reports go to $CARGO_TARGET_DIR/autobahn/{server,client}; summaries are printed.
set -euo pipefail

mode="${1:-quick}"
case "$mode" in
  quick | full) ;;
  *)
    echo "usage: $0 quick|full" >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${VENV:-$root/target/venv}"
out="$target/autobahn"

step() { echo "-- websocket: $*"; }

if [ ! -x "$venv/bin/kosoku" ]; then
  step "installing kosoku into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check kosoku
fi

if [ "$mode" = full ]; then
  profile=release
  cases=()
  parallel=2
else
  profile=debug
  # One slice of every section, including compression (12.x, 13.x) and a 1 MiB case (9.1.5).
  cases=(-i '1.*' -i '2.*' -i '3.*' -i '4.*' -i '5.*' -i '6.1.*' -i '6.4.*' -i '6.12.*'
    -i '7.*' -i '9.1.5' -i '10.*' -i '12.1.1' -i '12.5.1' -i '13.1.1' -i '13.3.1' -i '13.7.1')
  parallel=2
fi
step "building the echo example ($profile)"
if [ "$profile" = release ]; then
  cargo build --locked --release -p fasterapi-websocket --example autobahn
else
  cargo build --locked -p fasterapi-websocket --example autobahn
fi
bin="$target/$profile/examples/autobahn"

free_port() {
  "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# summary DIR ROLE: counts per verdict; fails on anything but OK / INFORMATIONAL.
summary() {
  "$venv/bin/python" - "$1" "$2" <<'EOF'
import collections, json, sys
index = json.load(open(f"{sys.argv[1]}/index.json"))
bad = []
for agent, cases in index.items():
    behavior = collections.Counter(v["behavior"] for v in cases.values())
    close = collections.Counter(v["behaviorClose"] for v in cases.values())
    print(f"{sys.argv[2]}: {len(cases)} cases; behavior {dict(behavior)}; close {dict(close)}")
    for case, v in cases.items():
        if v["behavior"] not in ("OK", "INFORMATIONAL") or v["behaviorClose"] not in ("OK", "INFORMATIONAL"):
            bad.append(f"{case}: {v['behavior']} / {v['behaviorClose']}")
for b in bad:
    print("  not OK:", b)
sys.exit(1 if bad else 0)
EOF
}

mkdir -p "$out"
t0=$SECONDS
step "our server against kosoku (fuzzingclient)"
port=$(free_port)
"$bin" server "127.0.0.1:$port" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
rm -rf "$out/server"
rc=0
"$venv/bin/kosoku" "127.0.0.1:$port" "${cases[@]}" -p "$parallel" -o "$out/server" >"$out.server.log" 2>&1 || rc=$?
tail -n 2 "$out.server.log"
summary "$out/server" server || rc=1
step "server: $((SECONDS - t0))s"
[ "$rc" = 0 ] || { echo "kosoku found problems with our server" >&2; exit 1; }

t0=$SECONDS
step "our client against kosoku (fuzzingserver)"
port=$(free_port)
rm -rf "$out/client"
"$venv/bin/kosoku" -m fuzzingserver "127.0.0.1:$port" "${cases[@]}" -o "$out/client" >"$out.client.log" 2>&1 &
fuzzer=$!
pids+=($fuzzer)
# Wait for "fuzzingserver listening" rather than probing the port, which would be a client.
for _ in $(seq 100); do
  grep -q listening "$out.client.log" && break
  sleep 0.1
done
rc=0
"$bin" client "127.0.0.1:$port" fasterapi "$parallel" 2>/dev/null || rc=$?
wait "$fuzzer" || rc=$?
tail -n 2 "$out.client.log"
summary "$out/client" client || rc=1
step "client: $((SECONDS - t0))s"
[ "$rc" = 0 ] || { echo "kosoku found problems with our client" >&2; exit 1; }
