"""FasterAPI for Python: sans-IO protocol machines written in Rust, and a small App on top.

- :mod:`fasterapi.http1`: an h11-compatible HTTP/1.1 ``Connection``.
- :mod:`fasterapi.websocket`: a wsproto-shaped WebSocket connection and handshakes.
- :mod:`fasterapi.h2`: an h2-shaped (hyper-h2) HTTP/2 connection, flow control automatic.
- :mod:`fasterapi.sse`: the server-sent-events parser and encoder.
- :mod:`fasterapi.router`: the path router.
- :mod:`fasterapi.asyncio`: asyncio drivers (server protocol, client).
- :class:`App`: routes, sync and async handlers, WebSocket and SSE routes, ``app.run()``.

The protocol modules do no I/O and do not import asyncio; ``App`` is imported lazily.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["App", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("App", "Request", "Response", "HTTPException", "WebSocket"):
        from . import app

        return getattr(app, name)
    raise AttributeError(name)
