"""An MCP server on the Rust ``fasterapi-mcp`` engine, with tools written in Python.

The engine does the protocol: revision negotiation (the stateless 2026-07-28 revision and the
legacy ``initialize`` handshake), ``tools/list`` with pagination, argument checks against each
tool's input schema (a mismatch is a tool error the model sees), JSON-RPC errors. Python gives
the tools and answers their calls::

    from fasterapi.mcp import Server

    server = Server("demo", "1.0")

    @server.tool("add", "Adds two integers",
                 {"type": "object", "properties": {"a": {"type": "integer"},
                                                   "b": {"type": "integer"}},
                  "required": ["a", "b"]},
                 output_schema={"type": "object", "properties": {"sum": {"type": "integer"}}})
    def add(a: int, b: int):
        return {"sum": a + b}

    server.run_stdio()

A tool returns a ``str`` (one text block), a ``dict`` (structured content, also given as a JSON
text block), or a ``ToolResult`` for full control. An exception becomes a tool error
(``isError: true``) with its message.

``parse_message`` and ``serialize_message`` expose the JSON-RPC 2.0 codec.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Dict, List, Optional

from fasterapi._fasterapi import McpError, McpServer, mcp_parse_message, mcp_serialize_message

__all__ = ["McpError", "Server", "ToolResult", "parse_message", "serialize_message"]


def parse_message(data: bytes) -> Any:
    """Parses one JSON-RPC 2.0 payload (a message, or a batch as a list with ``None`` for
    rejected members). Raises ``McpError(message, code)`` when it is rejected; the code is the
    one to answer with (-32700 parse error, -32600 invalid request)."""
    return json.loads(mcp_parse_message(data))


def serialize_message(message: Dict[str, Any]) -> bytes:
    """The wire form of one JSON-RPC 2.0 message (one line, no newline). Raises ``McpError``
    when ``message`` is not a valid request, notification, result or error."""
    return mcp_serialize_message(json.dumps(message))


@dataclass
class ToolResult:
    """A full ``CallToolResult``: content blocks, structured content, the error flag."""

    content: List[Dict[str, Any]] = field(default_factory=list)
    structured: Optional[Any] = None
    is_error: bool = False

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"content": self.content}
        if self.structured is not None:
            out["structuredContent"] = self.structured
        if self.is_error:
            out["isError"] = True
        return out


def _text(text: str) -> Dict[str, Any]:
    return {"type": "text", "text": text}


def _result(value: Any) -> Dict[str, Any]:
    if isinstance(value, ToolResult):
        return value.to_json()
    if isinstance(value, str):
        return {"content": [_text(value)]}
    if isinstance(value, dict):
        return {"content": [_text(json.dumps(value))], "structuredContent": value}
    raise TypeError(f"a tool must return str, dict or ToolResult, not {type(value).__name__}")


class Server:
    """An MCP server: declare tools, then run it on stdio."""

    def __init__(self, name: str, version: str, instructions: Optional[str] = None):
        self._core = McpServer(name, version, instructions)
        self._tools: Dict[str, Callable[..., Any]] = {}

    def add_tool(self, name: str, description: str, input_schema: Dict[str, Any],
                 handler: Callable[..., Any],
                 output_schema: Optional[Dict[str, Any]] = None) -> None:
        """Declares a tool. ``handler`` is called with the arguments as keywords."""
        self._core.add_tool(name, description, json.dumps(input_schema),
                            None if output_schema is None else json.dumps(output_schema))
        self._tools[name] = handler

    def tool(self, name: str, description: str, input_schema: Dict[str, Any],
             output_schema: Optional[Dict[str, Any]] = None) -> Callable[[Callable[..., Any]],
                                                                        Callable[..., Any]]:
        """``add_tool`` as a decorator."""
        def register(f: Callable[..., Any]) -> Callable[..., Any]:
            self.add_tool(name, description, input_schema, f, output_schema)
            return f
        return register

    def receive_data(self, data: bytes) -> None:
        """Feeds bytes from the client (``b""`` at end of input) and answers the tool calls
        they carry. Sans-IO: write ``data_to_send()`` afterwards."""
        self._core.receive_data(data)
        while True:
            event = self._core.next_event()
            if event is None:
                return
            if event[0] == "tool_call":
                self._call(event[1], event[2], json.loads(event[3]))

    def data_to_send(self) -> bytes:
        """Newline-delimited JSON-RPC to write to the client."""
        return self._core.data_to_send()

    @property
    def is_closed(self) -> bool:
        """Whether the session ended and everything was written."""
        return self._core.is_closed

    def _call(self, id_json: str, name: str, arguments: Dict[str, Any]) -> None:
        handler = self._tools[name]
        try:
            result = _result(handler(**arguments))
        except Exception as e:  # a tool error is visible to the model, not a protocol error
            result = ToolResult([_text(f"{type(e).__name__}: {e}")], is_error=True).to_json()
        self._core.complete(id_json, json.dumps(result))

    def run_stdio(self, stdin: Optional[BinaryIO] = None,
                  stdout: Optional[BinaryIO] = None) -> None:
        """Serves one session on stdin/stdout until end of input."""
        in_fd = (stdin or sys.stdin.buffer).fileno()
        out = stdout or sys.stdout.buffer
        while True:
            data = os.read(in_fd, 65536)
            self.receive_data(data)
            pending = self.data_to_send()
            if pending:
                out.write(pending)
                out.flush()
            if not data or self.is_closed:
                return
