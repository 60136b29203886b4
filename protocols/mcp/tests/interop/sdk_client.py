"""The official MCP Python SDK as a client of `fasterapi mcp-stdio`.

Run with either SDK generation installed (the stage script makes one venv for each):
  mcp 2.x  -> the stateless 2026-07-28 revision (server/discover probe, per-request _meta),
              and once more forced to the legacy initialize handshake (mode="legacy");
  mcp 1.x  -> the initialize-based 2025-11-25 revision.

Usage: python sdk_client.py PATH/TO/fasterapi [http://127.0.0.1:PORT/mcp [SERVE_URL]]
With a URL, the same SDK also runs against the Streamable HTTP example server
(`cargo run -p fasterapi-mcp --example http_server`). With SERVE_URL (the `/mcp` of a running
`fasterapi serve`), every stdio check runs again over Streamable HTTP against that server,
which serves the same demo as `fasterapi mcp-stdio`.
Prints one line per check and a closing 'N passed, N failed'; exits 1 on any failure.
"""

from __future__ import annotations

import sys
from importlib.metadata import version

import anyio

BIN = sys.argv[1]
URL = sys.argv[2] if len(sys.argv) > 2 else None
SERVE_URL = sys.argv[3] if len(sys.argv) > 3 else None
SDK_MAJOR = int(version("mcp").split(".")[0])
results: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    results.append((name, bool(ok), str(detail)))
    print(f"{'ok  ' if ok else 'FAIL'} [{label}] {name} {'' if ok else detail}", flush=True)


def a(obj, camel: str):
    """An attribute by its 1.x (camelCase) or 2.x (snake_case) name."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in camel)
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


def text_of(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def exercise(session, call_tool, protocol: str) -> None:
    """The checks shared by every client flavour; `call_tool(name, args, **kw)`."""
    tools = await session.list_tools()
    names = sorted(t.name for t in tools.tools)
    check("tools/list", {"echo", "add", "countdown", "sleep", "in_flight"} <= set(names), names)
    add = next(t for t in tools.tools if t.name == "add")
    check("outputSchema listed", a(add, "outputSchema") is not None and "sum" in a(add, "outputSchema")["properties"], add)

    r = await call_tool("echo", {"text": "héllo"})
    check("tools/call echo", text_of(r) == "héllo" and not a(r, "isError"), r)
    r = await call_tool("add", {"a": 2, "b": 40})
    check("structured output", a(r, "structuredContent") == {"sum": 42}, r)
    r = await call_tool("echo", {})
    check("input validation is a tool error", a(r, "isError") and "text" in text_of(r), r)

    res = await session.list_resources()
    check("resources/list", [str(x.uri) for x in res.resources] == ["demo://readme"], res)
    tmpl = await session.list_resource_templates()
    check("resources/templates/list", a(a(tmpl, "resourceTemplates")[0], "uriTemplate") == "demo://greeting/{name}", tmpl)
    rd = await session.read_resource("demo://greeting/ada")
    check("resources/read via template", rd.contents[0].text == "Hello, ada!", rd)
    try:
        await session.read_resource("demo://missing")
        check("unknown resource is an error", False, "no error")
    except Exception as e:  # McpError / MCPError
        code = getattr(getattr(e, "error", None), "code", None)
        want = -32602 if protocol == "2026-07-28" else -32002
        check("unknown resource is an error", code == want, (code, e))

    prompts = await session.list_prompts()
    check("prompts/list", prompts.prompts[0].name == "greet", prompts)
    p = await session.get_prompt("greet", {"name": "Ada"})
    check("prompts/get", "Ada" in p.messages[0].content.text, p)

    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress, total, message):
        seen.append((progress, total, message))

    r = await call_tool("countdown", {"steps": 3, "interval_ms": 10}, progress_callback=on_progress)
    check("progress notifications", [s[0] for s in seen] == [1.0, 2.0, 3.0] and seen[-1][1] == 3.0, seen)
    check("deferred result after progress", text_of(r) == "counted 3", r)


async def cancel_sleep_v2(call_tool) -> None:
    # mcp 2.x sends a courtesy notifications/cancelled when it abandons a request.
    try:
        await call_tool("sleep", {"ms": 30000}, read_timeout_seconds=0.3)
        check("timed-out call raises", False, "returned")
    except Exception:
        check("timed-out call raises", True)


async def cancel_sleep_v1(session, call_tool) -> None:
    # mcp 1.x has no abandon-cancel: cancel by hand with the id it used.
    import mcp.types as t

    async with anyio.create_task_group() as tg:

        async def sleeper():
            try:
                await call_tool("sleep", {"ms": 30000})
            except Exception:
                pass

        tg.start_soon(sleeper)
        await anyio.sleep(0.3)
        request_id = session._request_id - 1
        await session.send_notification(
            t.ClientNotification(
                t.CancelledNotification(
                    method="notifications/cancelled",
                    params=t.CancelledNotificationParams(requestId=request_id, reason="test"),
                )
            )
        )
        await anyio.sleep(0.2)
        tg.cancel_scope.cancel()
    check("cancel sent", True)


async def after_cancel(call_tool) -> None:
    # Over HTTP a 2026-07-28 cancellation is the client closing the response, which the
    # server notices at its next write (an SSE keep-alive, every second): wait up to 3 s.
    for _ in range(30):
        r = await call_tool("in_flight", {})
        if text_of(r) == "0":
            break
        await anyio.sleep(0.1)
    check("cancelled call stopped on the server", text_of(r) == "0", r)
    r = await call_tool("echo", {"text": "still alive"})
    check("server healthy after cancel", text_of(r) == "still alive", r)


async def run_v2(mode: str, url: str | None = None) -> None:
    from mcp import Client, StdioServerParameters

    target = url or StdioServerParameters(command=BIN, args=["mcp-stdio"])
    async with Client(target, mode=mode) as client:
        proto = client.protocol_version
        want = "2026-07-28" if mode == "auto" else None
        check(f"negotiated {proto}", want is None or proto == want, proto)
        if mode == "auto":
            check("serverInfo per result", client.server_info is not None and client.server_info.name == "fasterapi-demo", client.server_info)

        async def call_tool(name, args, **kw):
            return await client.call_tool(name, args, **kw)

        await exercise(client, call_tool, proto)
        if mode == "auto":
            r = await client.call_tool("add", {"a": 1, "b": 1})
            check("resultType complete accepted", a(r, "structuredContent") == {"sum": 2}, r)
        await cancel_sleep_v2(call_tool)
        await anyio.sleep(0.2)
        await after_cancel(call_tool)


async def run_v1(url: str | None = None) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
    from mcp.client.streamable_http import streamablehttp_client

    params = StdioServerParameters(command=BIN, args=["mcp-stdio"])
    transport = streamablehttp_client(url) if url else stdio_client(params)
    async with transport as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check("initialize 2025-11-25", a(init, "protocolVersion") == "2025-11-25", a(init, "protocolVersion"))
            check("serverInfo", a(init, "serverInfo").name == "fasterapi-demo", a(init, "serverInfo"))
            await session.send_ping()
            check("ping", True)
            await session.set_logging_level("debug")
            check("logging/setLevel", True)
            c = await session.complete(
                __import__("mcp.types", fromlist=["PromptReference"]).PromptReference(type="ref/prompt", name="greet"),
                {"name": "name", "value": "a"},
            )
            check("completion/complete", c.completion.values == ["alice"], c)

            async def call_tool(name, args, **kw):
                return await session.call_tool(name, args, **kw)

            await exercise(session, call_tool, a(init, "protocolVersion"))
            await cancel_sleep_v1(session, call_tool)
            await after_cancel(call_tool)


async def exercise_http(session, call_tool) -> None:
    tools = await session.list_tools()
    names = sorted(t.name for t in tools.tools)
    check("http tools/list", names == ["add", "countdown", "echo", "in_flight"], names)
    r = await call_tool("echo", {"text": "über http"})
    check("http tools/call echo", text_of(r) == "über http", r)
    r = await call_tool("add", {"a": 20, "b": 22})
    check("http structured output", a(r, "structuredContent") == {"sum": 42}, r)
    seen = []

    async def on_progress(progress, total, message):
        seen.append(progress)

    r = await call_tool("countdown", {"steps": 3}, progress_callback=on_progress)
    check("http progress over SSE", seen == [1.0, 2.0, 3.0] and text_of(r) == "counted 3", (seen, r))
    rd = await session.read_resource("demo://readme")
    check("http resources/read", rd.contents[0].text == "over HTTP", rd)


async def run_http() -> None:
    global label
    if SDK_MAJOR >= 2:
        from mcp import Client

        for mode in ("auto", "legacy"):
            label = f"mcp {version('mcp')} http {mode}"
            async with Client(URL, mode=mode) as client:
                want = "2026-07-28" if mode == "auto" else "2025-11-25"
                check("http negotiated", client.protocol_version == want, client.protocol_version)

                async def call_tool(name, args, **kw):
                    return await client.call_tool(name, args, **kw)

                await exercise_http(client, call_tool)
    else:
        from mcp import ClientSession
        from mcp.client.streamable_http import streamablehttp_client

        label = f"mcp {version('mcp')} http"
        async with streamablehttp_client(URL) as (read, write, get_id):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                check("http initialize", a(init, "protocolVersion") == "2025-11-25", init)
                check("http session id", bool(get_id()), get_id())

                async def call_tool(name, args, **kw):
                    return await session.call_tool(name, args, **kw)

                await exercise_http(session, call_tool)


async def main() -> None:
    global label
    if SDK_MAJOR >= 2:
        for mode in ("auto", "legacy"):
            label = f"mcp {version('mcp')} {mode}"
            with anyio.fail_after(60):
                await run_v2(mode)
    else:
        label = f"mcp {version('mcp')}"
        with anyio.fail_after(60):
            await run_v1()
    if URL:
        with anyio.fail_after(60):
            await run_http()
    if SERVE_URL:
        if SDK_MAJOR >= 2:
            for mode in ("auto", "legacy"):
                label = f"mcp {version('mcp')} serve {mode}"
                with anyio.fail_after(60):
                    await run_v2(mode, SERVE_URL)
        else:
            label = f"mcp {version('mcp')} serve"
            with anyio.fail_after(60):
                await run_v1(SERVE_URL)


label = ""
try:
    anyio.run(main)
except Exception as e:  # a crash is a failure, reported like one
    check("client run", False, repr(e))
passed = sum(ok for _, ok, _ in results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
