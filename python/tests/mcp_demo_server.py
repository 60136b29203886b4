"""A stdio MCP server written with fasterapi.mcp, for test_mcp.py (run as a subprocess)."""

from fasterapi.mcp import Server, ToolResult

server = Server("py-demo", "0.1", instructions="Test tools.")


@server.tool("echo", "Echoes its text",
             {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]})
def echo(text: str) -> str:
    return text


@server.tool("add", "Adds two integers",
             {"type": "object",
              "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
              "required": ["a", "b"]},
             output_schema={"type": "object", "properties": {"sum": {"type": "integer"}},
                            "required": ["sum"]})
def add(a: int, b: int) -> dict:
    return {"sum": a + b}


@server.tool("boom", "Always fails", {"type": "object", "properties": {}})
def boom() -> str:
    raise RuntimeError("the tool broke")


@server.tool("two", "Two text blocks", {"type": "object", "properties": {}})
def two() -> ToolResult:
    return ToolResult([{"type": "text", "text": "one"}, {"type": "text", "text": "two"}])


if __name__ == "__main__":
    server.run_stdio()
