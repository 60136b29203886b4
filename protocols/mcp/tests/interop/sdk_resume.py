"""The official MCP Python SDK 1.x (`mcp<2`, revision 2025-11-25) against our server-side SSE
resumption, over Streamable HTTP on the conformance fixture server
(`cargo run -p fasterapi-mcp --example conformance_server`): `test_reconnection`'s POST stream
is ended by the server after its priming event and a `retry` (`HttpServer::pause_stream`); the
SDK must come back with `GET` + `Last-Event-ID` (seen through an httpx event hook) and get the
tool's answer on the resumed stream. A second call checks the session still works after it.

Usage: python sdk_resume.py http://127.0.0.1:PORT/mcp
Prints one line per check and a closing 'N passed, N failed'; exits 1 on any failure.
"""

from __future__ import annotations

import sys

import anyio
import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

URL = sys.argv[1]
results: list[bool] = []
requests: list[tuple[str, str | None, str]] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} [sdk1 resume] {name} {'' if ok else detail}", flush=True)


async def record(request: httpx.Request) -> None:
    body = request.content.decode(errors="replace") if request.method == "POST" else ""
    requests.append((request.method, request.headers.get("last-event-id"), body))


def factory(headers=None, timeout=None, auth=None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers=headers,
        timeout=timeout if timeout is not None else httpx.Timeout(30.0),
        auth=auth,
        follow_redirects=True,
        event_hooks={"request": [record]},
    )


def text_of(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def main() -> None:
    async with streamablehttp_client(URL, httpx_client_factory=factory) as (read, write, _):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check("negotiated 2025-11-25", init.protocolVersion == "2025-11-25", init.protocolVersion)
            with anyio.fail_after(20):
                result = await session.call_tool("test_reconnection", {})
            check("the answer arrives after the server ended the stream", not result.isError, result)
            resumed = [r for r in requests if r[0] == "GET" and r[1]]
            check("resumed with GET + Last-Event-ID", len(resumed) >= 1, requests)
            check(
                "the id names the POST stream ({stream}-{n})",
                all(r[1].count("-") == 1 and all(p.isdigit() for p in r[1].split("-")) for r in resumed),
                resumed,
            )
            after = await session.call_tool("test_simple_text", {})
            check("the session goes on", text_of(after).startswith("This is a simple text"), after)


anyio.run(main)
passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
