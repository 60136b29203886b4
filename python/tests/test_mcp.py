"""fasterapi.mcp: the JSON-RPC codec, and a Python-tool server on stdio driven by the official
MCP Python SDK (mcp 2.x, from scripts/requirements.txt) in both its modes: the stateless
2026-07-28 revision and the legacy initialize handshake."""

from __future__ import annotations

import json
import os
import sys

import anyio
import pytest

from fasterapi import mcp as fmcp

SERVER = os.path.join(os.path.dirname(__file__), "mcp_demo_server.py")
sys.path.insert(0, os.path.dirname(__file__))


def test_codec_round_trip_and_rejections():
    req = {"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {}}
    wire = fmcp.serialize_message(req)
    assert b"\n" not in wire
    assert fmcp.parse_message(wire) == req
    batch = fmcp.parse_message(b'[{"jsonrpc":"2.0","method":"x"}, 5]')
    assert batch[0] == {"jsonrpc": "2.0", "method": "x"} and batch[1] is None
    with pytest.raises(fmcp.McpError) as e:
        fmcp.parse_message(b"{not json")
    assert e.value.args[1] == -32700
    with pytest.raises(fmcp.McpError) as e:
        fmcp.parse_message(b'{"jsonrpc":"1.0","id":1,"method":"x"}')
    assert e.value.args[1] == -32600
    with pytest.raises(fmcp.McpError):
        fmcp.serialize_message({"id": 1, "method": "x"})  # no "jsonrpc": "2.0"


def test_sans_io_legacy_session():
    """The server without a transport: initialize, tools/list, a call, end of input."""
    from mcp_demo_server import server

    def send(msg):
        server.receive_data(json.dumps(msg).encode() + b"\n")
        return [json.loads(line) for line in server.data_to_send().splitlines()]

    (init,) = send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                    "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                               "clientInfo": {"name": "t", "version": "1"}}})
    assert init["result"]["serverInfo"]["name"] == "py-demo"
    assert send({"jsonrpc": "2.0", "method": "notifications/initialized"}) == []
    (listed,) = send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    assert {t["name"] for t in listed["result"]["tools"]} == {"echo", "add", "boom", "two"}
    (called,) = send({"jsonrpc": "2.0", "id": "c", "method": "tools/call",
                      "params": {"name": "add", "arguments": {"a": 1, "b": 2}}})
    assert called["id"] == "c" and called["result"]["structuredContent"] == {"sum": 3}
    (unknown,) = send({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                       "params": {"name": "nope", "arguments": {}}})
    assert unknown["error"]["code"] == -32602
    server.receive_data(b"")
    server.data_to_send()
    assert server.is_closed


def _text(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def _exercise(mode: str):
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(command=sys.executable, args=[SERVER])
    with anyio.fail_after(20):
        async with Client(params, mode=mode) as client:
            tools = await client.list_tools()
            assert sorted(t.name for t in tools.tools) == ["add", "boom", "echo", "two"]
            add = next(t for t in tools.tools if t.name == "add")
            assert add.output_schema["properties"]["sum"]["type"] == "integer"
            r = await client.call_tool("echo", {"text": "héllo"})
            assert _text(r) == "héllo" and not r.is_error
            r = await client.call_tool("add", {"a": 2, "b": 40})
            assert r.structured_content == {"sum": 42}
            r = await client.call_tool("echo", {})  # schema check by the engine
            assert r.is_error and "text" in _text(r)
            r = await client.call_tool("boom", {})
            assert r.is_error and "the tool broke" in _text(r)
            r = await client.call_tool("two", {})
            assert [c.text for c in r.content] == ["one", "two"]
            return client.protocol_version


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_official_sdk_over_stdio(mode):
    version = anyio.run(_exercise, mode)
    if mode == "auto":
        assert version == "2026-07-28"
    else:
        assert version != "2026-07-28"
