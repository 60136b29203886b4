"""The official MCP Python SDK's own server (MCPServer in 2.x, FastMCP in 1.x) on stdio, for
fasterapi-mcp's client machine (`examples/stdio_client.rs`) to talk to; with `http PORT`, on
Streamable HTTP at http://127.0.0.1:PORT/mcp instead (for `examples/http_client.rs`)."""

from importlib.metadata import version

if int(version("mcp").split(".")[0]) >= 2:
    from mcp.server.mcpserver import MCPServer as App
else:
    from mcp.server.fastmcp import FastMCP as App

app = App("sdk-server")


@app.tool()
def add(a: int, b: int) -> int:
    """Adds two integers."""
    return a + b


@app.tool()
def shout(text: str) -> str:
    """Upper-cases text."""
    return text.upper()


@app.resource("sdk://greeting")
def greeting() -> str:
    """A fixed greeting."""
    return "hello from the SDK"


@app.prompt()
def review(code: str) -> str:
    """Asks for a review."""
    return f"Please review: {code}"


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["http"]:
        port = int(sys.argv[2])
        if int(version("mcp").split(".")[0]) >= 2:
            app.run(transport="streamable-http", host="127.0.0.1", port=port)
        else:
            app.settings.host = "127.0.0.1"
            app.settings.port = port
            app.run(transport="streamable-http")
    else:
        app.run()
