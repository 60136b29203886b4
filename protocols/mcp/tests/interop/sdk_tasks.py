"""The official MCP Python SDK 1.x (`mcp<2`, revision 2025-11-25) as a tasks client of the
conformance fixture server (`cargo run -p fasterapi-mcp --example conformance_server`), over
Streamable HTTP: the SDK's experimental task API (`session.experimental`) drives our engine's
2025-11-25 tasks — capability, task-augmented tools/call, tasks/get polling, the blocking
tasks/result, tasks/list, tasks/cancel, and an elicitation the task needs, delivered on the
tasks/result stream with the related-task _meta.

Usage: python sdk_tasks.py http://127.0.0.1:PORT/mcp
Prints one line per check and a closing 'N passed, N failed'; exits 1 on any failure.
"""

from __future__ import annotations

import logging
import sys

import anyio
import mcp.types as t
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

URL = sys.argv[1]
# The last status notification (on the session's GET stream) can land while the SDK closes
# the session; its transport then logs the closed stream with a traceback. The checks are over
# by then, so that teardown race is not reported.
logging.getLogger("mcp.client.streamable_http").setLevel(logging.CRITICAL)
results: list[bool] = []
elicited: list[dict] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} [sdk1 tasks] {name} {'' if ok else detail}", flush=True)


def text_of(result) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


async def on_elicit(context, params):
    elicited.append(params.model_dump(by_alias=True))
    return t.ElicitResult(action="accept", content={"confirm": True})


async def main() -> None:
    async with streamablehttp_client(URL) as (read, write, _):
        async with ClientSession(read, write, elicitation_callback=on_elicit) as session:
            init = await session.initialize()
            check("negotiated 2025-11-25", init.protocolVersion == "2025-11-25", init.protocolVersion)
            caps = init.capabilities.tasks
            check(
                "tasks capability (list, cancel, requests.tools.call)",
                caps is not None and caps.list is not None and caps.cancel is not None
                and caps.requests is not None and caps.requests.tools is not None
                and caps.requests.tools.call is not None,
                caps,
            )
            tools = {tool.name: tool for tool in (await session.list_tools()).tools}
            slow = tools.get("slow_compute")
            check(
                "execution.taskSupport listed",
                slow is not None and slow.execution is not None and slow.execution.taskSupport == "optional",
                slow,
            )

            exp = session.experimental
            created = await exp.call_tool_as_task("slow_compute", {"seconds": 0.3, "label": "sdk"}, ttl=30_000)
            task = created.task
            check("CreateTaskResult", task.status == "working" and task.ttl == 30_000 and task.taskId, task)
            seen = [s.status async for s in exp.poll_task(task.taskId)]
            check("tasks/get polled to completed", seen and seen[-1] == "completed", seen)
            result = await exp.get_task_result(task.taskId, t.CallToolResult)
            check("tasks/result is the tool result", text_of(result) == "computed sdk", result)
            meta = (result.meta or {}).get("io.modelcontextprotocol/related-task")
            check("related-task _meta on tasks/result", meta == {"taskId": task.taskId}, result.meta)

            # tasks/result blocks while the task runs, then answers.
            created = await exp.call_tool_as_task("slow_compute", {"seconds": 0.5, "label": "blocking"})
            result = await exp.get_task_result(created.task.taskId, t.CallToolResult)
            check("blocking tasks/result", text_of(result) == "computed blocking", result)

            listed = await exp.list_tasks()
            ids = [x.taskId for x in listed.tasks]
            check("tasks/list", task.taskId in ids and created.task.taskId in ids, ids)

            long = (await exp.call_tool_as_task("slow_compute", {"seconds": 60, "label": "long"})).task
            cancelled = await exp.cancel_task(long.taskId)
            check("tasks/cancel", cancelled.status == "cancelled", cancelled)
            status = await exp.get_task(long.taskId)
            check("stays cancelled", status.status == "cancelled", status)
            try:
                await exp.cancel_task(long.taskId)
                check("cancel of a terminal task is -32602", False, "no error")
            except Exception as e:  # McpError
                code = getattr(getattr(e, "error", None), "code", None)
                check("cancel of a terminal task is -32602", code == -32602, e)

            # A tool run only as a task, which needs the user's confirmation on the way.
            try:
                await session.call_tool("confirm_delete", {"filename": "x.txt"})
                check("required tool without a task is -32601", False, "no error")
            except Exception as e:
                code = getattr(getattr(e, "error", None), "code", None)
                check("required tool without a task is -32601", code == -32601, e)
            created = await exp.call_tool_as_task("confirm_delete", {"filename": "x.txt"})
            tid = created.task.taskId
            with anyio.fail_after(10):
                while (await exp.get_task(tid)).status != "input_required":
                    await anyio.sleep(0.05)
            result = await exp.get_task_result(tid, t.CallToolResult)
            check("elicitation delivered on tasks/result", len(elicited) == 1, elicited)
            related = elicited[0].get("_meta", {}).get("io.modelcontextprotocol/related-task") if elicited else None
            check("elicitation carries related-task", related == {"taskId": tid}, elicited)
            check("task finished with the answer", text_of(result) == "Deleted x.txt", result)


anyio.run(main)
failed = results.count(False)
print(f"{len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
