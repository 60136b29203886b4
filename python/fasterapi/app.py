"""The App: routes, handlers and a multi-process server on the Rust machines.

::

    from fasterapi import App

    app = App(port=8000)

    @app.get("/")
    def hello(req):
        return {"message": "Hello, World!"}

    @app.get("/users/{user_id}")
    async def user(req):
        return {"id": req.path_params["user_id"]}

    @app.websocket("/ws")
    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    @app.sse("/events")
    async def ticks(req):
        for i in range(3):
            yield {"data": str(i)}

    app.run()          # python app.py --workers 4 --port 8000

Handlers take the request, nothing, or the route's parameters by name (``def user(user_id)``),
sync or async. They return a dict or list (JSON), str
(text/plain), bytes, ``None`` (JSON null), or a :class:`Response` / ``(status, body)`` tuple.
"""

import argparse
import asyncio
import inspect
import json
import os
import re
import signal
import socket
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import sse as _sse
from .asyncio import Request, Response, Stream, Upgrade, WebSocket, WebSocketClosed, serve
from .router import NoMatch, Router

__all__ = ["App", "Request", "Response", "WebSocket", "WebSocketClosed", "HTTPException"]

_JSON = [(b"content-type", b"application/json")]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_BYTES = [(b"content-type", b"application/octet-stream")]
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class HTTPException(Exception):
    """Raise in a handler to answer with ``status`` and ``detail`` (JSON ``{"detail": ...}``)."""

    def __init__(self, status: int, detail: Any = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _to_response(value: Any) -> Response:
    t = type(value)
    if t is dict or t is list:
        return Response(200, _JSON, _dumps(value).encode())
    if t is Response:
        return value
    if t is str:
        return Response(200, _TEXT, value.encode())
    if t is bytes:
        return Response(200, _BYTES, value)
    if value is None:
        return Response(200, _JSON, b"null")
    if t is tuple and len(value) == 2:
        r = _to_response(value[1])
        r.status = int(value[0])
        return r
    return Response(200, _JSON, _dumps(value).encode())


def _http_error(status: int, detail: Any, extra: Optional[List[Tuple[bytes, bytes]]] = None) -> Response:
    return Response(status, _JSON + (extra or []), _dumps({"detail": detail}).encode())


_PARAM = re.compile(r"\{\*?([^}]+)\}")


class _Route:
    __slots__ = ("func", "is_async", "takes_request", "by_name", "kind", "options")

    def __init__(self, func: Callable[..., Any], kind: str, options: Dict[str, Any], path: str = "") -> None:
        self.func = func
        self.kind = kind
        self.options = options
        self.is_async = inspect.iscoroutinefunction(func)
        params = [p for p in inspect.signature(func).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        names = set(_PARAM.findall(path))
        # `def user(user_id)`: parameters named after the route's parameters get their values
        # (FastAPI's style); otherwise the one parameter is the request.
        self.by_name = bool(params) and all(p.name in names for p in params)
        self.takes_request = bool(params) and not self.by_name

    def call(self, req: Request) -> Any:
        if self.by_name:
            return self.func(**req.path_params)
        return self.func(req) if self.takes_request else self.func()


class App:
    """An application: routes by method and path, run by :meth:`run` (or :meth:`serve`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
        self.host = host
        self.port = port
        self.workers = workers
        self._router = Router()
        self._routes: List[Tuple[str, str]] = []

    # ----- routes -----

    def route(self, path: str, methods: Sequence[str] = ("GET",)) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            r = _Route(func, "http", {}, path)
            for m in methods:
                self._router.insert(m.upper(), path, r)
                self._routes.append((m.upper(), path))
            return func

        return register

    def get(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ("GET",))

    def post(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ("POST",))

    def put(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ("PUT",))

    def delete(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ("DELETE",))

    def patch(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return self.route(path, ("PATCH",))

    def websocket(self, path: str, subprotocols: Sequence[str] = (), deflate: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A WebSocket route: ``async def handler(ws)``, with ``ws.request`` the handshake."""

        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            self._router.insert("GET", path, _Route(func, "ws", {"subprotocols": tuple(subprotocols), "deflate": deflate}))
            return func

        return register

    def sse(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A server-sent-events route: the handler is an (async) generator of str (data) or
        dicts with ``data``/``event``/``id``/``retry``."""

        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            self._router.insert("GET", path, _Route(func, "sse", {}, path))
            return func

        return register

    # ----- dispatch -----

    def __call__(self, req: Request) -> Any:
        """Handles one request (the server calls this): a Response, or an awaitable."""
        try:
            route, params = self._router.at(req.method, req.path)
        except NoMatch as e:
            if e.status == 405:
                return _http_error(405, "Method Not Allowed", [(b"allow", e.allowed.encode())])
            return _http_error(404, "Not Found")
        except UnicodeDecodeError:
            return _http_error(400, "Bad percent-encoding in path")
        req.path_params = params
        kind = route.kind
        if kind == "http":
            if route.is_async:
                return self._run_async(route, req)
            try:
                value = route.call(req)
            except HTTPException as e:
                return _http_error(e.status, e.detail)
            return _to_response(value)
        if kind == "ws":
            return Upgrade(route.func, route.options["subprotocols"], route.options["deflate"])
        return Stream(self._sse_chunks(route, req), 200,
                      [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")])

    async def _run_async(self, route: _Route, req: Request) -> Response:
        try:
            value = await route.call(req)
        except HTTPException as e:
            return _http_error(e.status, e.detail)
        return _to_response(value)

    async def _sse_chunks(self, route: _Route, req: Request) -> Any:
        gen = route.call(req)
        if hasattr(gen, "__aiter__"):
            async for item in gen:
                yield _sse_item(item)
        else:
            for item in gen:
                yield _sse_item(item)

    # ----- running -----

    async def serve(self, host: Optional[str] = None, port: Optional[int] = None, *,
                    sock: Optional[socket.socket] = None) -> asyncio.AbstractServer:
        """Starts serving on the running loop; returns the server (``port=0``: a free port)."""
        return await serve(self, host or self.host, self.port if port is None else port, sock=sock)

    def run(self, host: Optional[str] = None, port: Optional[int] = None, workers: Optional[int] = None) -> None:
        """Serves until interrupted. ``--host``, ``--port`` and ``--workers N`` on the command
        line override; with N > 1, N processes share the port through SO_REUSEPORT."""
        args = _parse_args(sys.argv[1:])
        host = args.host or host or self.host
        port = args.port if args.port is not None else (self.port if port is None else port)
        workers = args.workers or workers or self.workers
        socks = _bind(host, port, reuse_port=workers > 1)
        if workers <= 1:
            _serve_forever(self, socks)
            return
        children = []
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:
                try:
                    _serve_forever(self, socks)
                finally:
                    os._exit(0)
            children.append(pid)
        for s in socks:
            s.close()

        def stop(signum: int, frame: Any) -> None:
            for pid in children:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _sse_item(item: Any) -> bytes:
    if isinstance(item, (bytes, bytearray)):
        return bytes(item)
    if isinstance(item, str):
        return _sse.encode(item)
    if isinstance(item, dict):
        data = item.get("data")
        if data is not None and not isinstance(data, str):
            data = _dumps(data)
        return _sse.encode(data, event=item.get("event"), id=item.get("id"), retry=item.get("retry"))
    return _sse.encode(_dumps(item))


def _parse_args(argv: List[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int)
    args, _ = p.parse_known_args(argv)
    return args


def _bind(host: str, port: int, reuse_port: bool) -> List[socket.socket]:
    """The listening socket. With SO_REUSEPORT (workers) the parent's socket is bound but never
    listens: it only reserves the port (and resolves port 0); each worker binds and listens on
    its own socket, so the kernel spreads connections over the workers only."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((host, port))
    if not reuse_port:
        s.listen(1024)
    s.setblocking(False)
    return [s]


def _serve_forever(app: App, socks: List[socket.socket]) -> None:
    name = socks[0].getsockname()

    async def main() -> None:
        servers = []
        for s in socks:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT):
                # Each worker process gets its own listening socket on the same port; the
                # inherited one (bound, not listening) is closed here.
                own = socket.socket(s.family, socket.SOCK_STREAM)
                own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                own.bind(s.getsockname()[:2])
                own.listen(1024)
                own.setblocking(False)
                s.close()
                s = own
            servers.append(await serve(app, sock=s))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print("fasterapi: serving on http://{}:{} (pid {})".format(name[0], name[1], os.getpid()), flush=True)
        await stop.wait()
        for srv in servers:
            srv.close()

    asyncio.run(main())
