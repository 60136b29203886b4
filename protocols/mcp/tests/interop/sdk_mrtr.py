"""The official MCP Python SDK 2.x (`mcp>=2`, revision 2026-07-28 in its default `auto` mode)
against our multi round-trip requests, over Streamable HTTP on the conformance fixture server
(`cargo run -p fasterapi-mcp --example conformance_server`): the SDK's own input-required
driver answers our `InputRequiredResult`s through its elicitation, sampling and roots
callbacks and retries with `inputResponses` and the sealed `requestState`, for tools (one
input, three at once, two rounds, handler state) and for `prompts/get`; a client without the
elicitation capability gets -32021.

Usage: python sdk_mrtr.py http://127.0.0.1:PORT/mcp
Prints one line per check and a closing 'N passed, N failed'; exits 1 on any failure.
"""

from __future__ import annotations

import sys

import anyio
import mcp.types as t
from mcp import Client

URL = sys.argv[1]
results: list[bool] = []
asked: list[str] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} [sdk2 mrtr] {name} {'' if ok else detail}", flush=True)


def text_of(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def on_elicit(context, params):
    asked.append("elicitation")
    props = params.model_dump(by_alias=True).get("requestedSchema", {}).get("properties", {})
    content = {}
    for key, schema in props.items():
        kind = schema.get("type")
        content[key] = True if kind == "boolean" else ("Ada" if key == "name" else f"{key}-value")
    return t.ElicitResult(action="accept", content=content)


async def on_sample(context, params):
    asked.append("sampling")
    return t.CreateMessageResult(
        role="assistant",
        content=t.TextContent(type="text", text="Paris"),
        model="sdk-test",
        stopReason="endTurn",
    )


async def on_roots(context):
    asked.append("roots")
    return t.ListRootsResult(roots=[t.Root(uri="file:///tmp/sdk-root", name="sdk")])


async def main() -> None:
    async with Client(
        URL,
        elicitation_callback=on_elicit,
        sampling_callback=on_sample,
        list_roots_callback=on_roots,
    ) as client:
        r = await client.call_tool("test_input_required_result_elicitation", {})
        check("elicitation round trip", text_of(r) == "Hello, Ada!", r)
        r = await client.call_tool("test_input_required_result_sampling", {})
        check("sampling round trip", "Paris" in text_of(r), r)
        r = await client.call_tool("test_input_required_result_list_roots", {})
        check("roots round trip", "file:///tmp/sdk-root" in text_of(r), r)
        r = await client.call_tool("test_input_required_result_request_state", {})
        check("the handler's sealed state comes back", "state-ok" in text_of(r), r)
        asked.clear()
        r = await client.call_tool("test_input_required_result_multiple_inputs", {})
        check("three inputs in one round", not r.is_error and sorted(asked) == ["elicitation", "roots", "sampling"], (r, asked))
        asked.clear()
        r = await client.call_tool("test_input_required_result_multi_round", {})
        check("two rounds", "completed" in text_of(r) and asked == ["elicitation", "elicitation"], (r, asked))
        p = await client.get_prompt("test_input_required_result_prompt", {})
        check("prompts/get asks too", any("context" in getattr(m.content, "text", "") for m in p.messages), p)
    # Without the elicitation callback the SDK declares no elicitation: the server refuses.
    async with Client(URL) as client:
        try:
            r = await client.call_tool("test_input_required_result_elicitation", {})
            check("undeclared capability is -32021", False, r)
        except Exception as e:  # the SDK raises its MCPError
            code = getattr(getattr(e, "error", None), "code", None)
            check("undeclared capability is -32021", code == -32021 or "-32021" in str(e), repr(e))


anyio.run(main)
passed = sum(results)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
