"""asyncio drivers for the Rust machines: an HTTP/1.1 server protocol (with WebSocket and
server-sent-event streams) and a small HTTP/1.1 client.

The machines do no I/O; this module moves their bytes over ``asyncio`` transports. The core
modules (``fasterapi.http1``, ``fasterapi.websocket``, …) never import asyncio; other event
loops drive them the same way (see ``examples/trio_echo.py``).

Server::

    async def handle(req: Request) -> Response:
        return Response(200, [(b"content-type", b"text/plain")], b"hi")

    server = await serve(handle, "127.0.0.1", 8000)

A handler may return a :class:`Response` directly (sync) or be a coroutine function; it may
return :class:`Stream` (a streamed body: SSE) or :class:`Upgrade` (a WebSocket session).
"""

import asyncio
import collections
import inspect
import socket
from typing import Any, AsyncIterator, Awaitable, Callable, Deque, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qsl

from . import _fasterapi
from . import http1 as _h1
from . import websocket as _ws

__all__ = [
    "Request",
    "Response",
    "Stream",
    "Upgrade",
    "WebSocket",
    "HttpServerProtocol",
    "serve",
    "HttpClient",
    "ClientWebSocket",
    "connect_websocket",
]

Headers = List[Tuple[bytes, bytes]]


class Request:
    """One request: ``method``, ``path``, ``query_string``, ``headers`` (lowercase str keys),
    ``body`` (bytes), ``path_params`` (filled by the App's router)."""

    __slots__ = ("method", "target", "raw_headers", "body", "path_params", "http11", "_headers", "_query")

    def __init__(self, method: str, target: str, raw_headers: Headers, body: bytes, http11: bool = True) -> None:
        self.method = method
        self.target = target
        self.raw_headers = raw_headers
        self.body = body
        self.http11 = http11
        self.path_params: Dict[str, str] = {}
        self._headers: Optional[Dict[str, str]] = None
        self._query: Optional[Dict[str, str]] = None

    @property
    def path(self) -> str:
        i = self.target.find("?")
        return self.target if i < 0 else self.target[:i]

    @property
    def query_string(self) -> str:
        i = self.target.find("?")
        return "" if i < 0 else self.target[i + 1 :]

    @property
    def query_params(self) -> Dict[str, str]:
        if self._query is None:
            self._query = dict(parse_qsl(self.query_string, keep_blank_values=True))
        return self._query

    @property
    def headers(self) -> Dict[str, str]:
        """Header fields by lowercase name (repeated fields joined with ``, ``)."""
        if self._headers is None:
            h: Dict[str, str] = {}
            for n, v in self.raw_headers:
                k = n.decode("latin-1").lower()
                s = v.decode("latin-1")
                h[k] = h[k] + ", " + s if k in h else s
            self._headers = h
        return self._headers

    def json(self) -> Any:
        import json

        return json.loads(self.body)

    def __repr__(self) -> str:
        return "Request({} {})".format(self.method, self.target)


class Response:
    """A whole response. ``headers`` are ``(bytes, bytes)`` pairs; Content-Length is added."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int = 200, headers: Optional[Headers] = None, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers or []
        self.body = body


class Stream:
    """A streamed response: ``chunks`` is an (async) iterable of bytes (sent chunked)."""

    __slots__ = ("status", "headers", "chunks")

    def __init__(self, chunks: Any, status: int = 200, headers: Optional[Headers] = None) -> None:
        self.status = status
        self.headers = headers or []
        self.chunks = chunks


class Upgrade:
    """Accept a WebSocket handshake and run ``session(ws)`` (a coroutine function)."""

    __slots__ = ("session", "subprotocols", "deflate")

    def __init__(self, session: Callable[["WebSocket"], Awaitable[None]], subprotocols: Tuple[str, ...] = (),
                 deflate: bool = True) -> None:
        self.session = session
        self.subprotocols = subprotocols
        self.deflate = deflate


class WebSocketClosed(Exception):
    """The WebSocket was closed; ``code`` and ``reason`` say how."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__("WebSocket closed ({}) {}".format(code, reason))
        self.code = code
        self.reason = reason


class WebSocket:
    """A server-side WebSocket session on :class:`fasterapi.websocket.Connection`."""

    def __init__(self, conn: "_ws.Connection", transport: asyncio.Transport, request: Request,
                 subprotocol: Optional[str], can_write: Optional[asyncio.Event] = None) -> None:
        self._can_write = can_write
        self._conn = conn
        self._transport = transport
        self.request = request
        self.subprotocol = subprotocol
        self._queue: "asyncio.Queue[Any]" = asyncio.Queue(maxsize=0)
        self.closed: Optional[Tuple[int, str]] = None

    def _feed(self, data: Optional[bytes]) -> None:
        self._conn.receive_data(data)
        for ev in self._conn.events():
            if isinstance(ev, _ws.Ping):
                self._write(self._conn.send(ev.response()))
            elif isinstance(ev, _ws.CloseConnection):
                if self._conn.state is _ws.ConnectionState.REMOTE_CLOSING:
                    self._write(self._conn.send(ev.response()))
                self.closed = (ev.code, ev.reason or "")
                self._queue.put_nowait(ev)
                self._transport.close()
            elif isinstance(ev, (_ws.TextMessage, _ws.BytesMessage)):
                self._queue.put_nowait(ev.data)

    def _write(self, data: bytes) -> None:
        if data and not self._transport.is_closing():
            self._transport.write(data)

    async def receive(self) -> Union[str, bytes]:
        """The next message (str or bytes); raises :class:`WebSocketClosed` after a close."""
        item = await self._queue.get()
        if isinstance(item, _ws.CloseConnection):
            self._queue.put_nowait(item)
            raise WebSocketClosed(item.code, item.reason or "")
        return item

    async def receive_text(self) -> str:
        msg = await self.receive()
        return msg if isinstance(msg, str) else msg.decode()

    async def send(self, message: Union[str, bytes]) -> None:
        if self.closed is not None:
            raise WebSocketClosed(*self.closed)
        if isinstance(message, str):
            self._write(self._conn.send(_ws.TextMessage(data=message)))
        else:
            self._write(self._conn.send(_ws.BytesMessage(data=message)))
        if self._can_write is not None:
            await self._can_write.wait()  # the peer reads slower than we send

    send_text = send
    send_bytes = send

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed is None and self._conn.state is _ws.ConnectionState.OPEN:
            self._write(self._conn.send(_ws.CloseConnection(code=code, reason=reason)))
            self.closed = (code, reason)

    def __aiter__(self) -> "WebSocket":
        return self

    async def __anext__(self) -> Union[str, bytes]:
        try:
            return await self.receive()
        except WebSocketClosed:
            raise StopAsyncIteration from None


Handler = Callable[[Request], Any]


def _finish_headers(resp: Response) -> Headers:
    return resp.headers + [(b"content-length", b"%d" % len(resp.body))]


class HttpServerProtocol(asyncio.Protocol):
    """One HTTP/1.1 connection on the Rust ``ServerConnection`` machine (fused fast path)."""

    __slots__ = ("handler", "conn", "transport", "_req", "_body", "_busy", "_backlog", "_ws", "_loop",
                 "_last", "_timer", "idle_timeout", "_can_write", "_reading_paused")

    def __init__(self, handler: Handler, idle_timeout: float = 60.0) -> None:
        self.handler = handler
        self.conn = _fasterapi.Http1Server()
        self.transport: Optional[asyncio.Transport] = None
        self._req: Optional[Tuple[str, str, bool, Headers]] = None
        self._body: List[bytes] = []
        self._busy = False
        self._backlog: Deque[tuple] = collections.deque()
        self._ws: Optional[WebSocket] = None
        self._loop = asyncio.get_running_loop()
        # A connection that sends nothing for idle_timeout seconds (between requests, or in the
        # middle of a head: slowloris) is closed; checked by one timer, not reset per read.
        self.idle_timeout = idle_timeout
        self._last = self._loop.time()
        self._timer: Optional[asyncio.TimerHandle] = None
        # Flow control: the transport's write buffer is over its high-water mark while this is
        # clear (streams and WebSocket sends wait); reading pauses while bytes are held back.
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._reading_paused = False

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._timer = self._loop.call_later(self.idle_timeout, self._check_idle)

    def _check_idle(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        idle = self._loop.time() - self._last
        if idle >= self.idle_timeout and not self._busy and self._ws is None:
            transport.close()
            return
        self._timer = self._loop.call_later(max(self.idle_timeout - idle, 0.05), self._check_idle)

    def data_received(self, data: bytes) -> None:
        self._last = self._loop.time()
        if self._ws is not None:
            self._ws._feed(data)
            return
        try:
            events = self.conn.receive(data)
        except _fasterapi.Http1Error:
            self._fail()
            return
        if self.conn.has_pending and not self._reading_paused and self.transport is not None:
            self.transport.pause_reading()  # resumed once the held-back bytes are taken
            self._reading_paused = True
        self._process(events)

    def eof_received(self) -> Optional[bool]:
        if self._ws is not None:
            self._ws._feed(None)
            return None
        try:
            self._process(self.conn.receive(b""))
        except _fasterapi.Http1Error:
            self._fail()
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._can_write.set()  # wake writers; their transport is closing
        if self._ws is not None and self._ws.closed is None:
            self._ws.closed = (1006, "")
            self._ws._queue.put_nowait(_ws.CloseConnection(code=1006, reason=None))

    def _fail(self) -> None:
        assert self.transport is not None
        out = self.conn.take_output()
        if out:
            self.transport.write(out)
        self.transport.close()

    def _process(self, events: list) -> None:
        while True:
            answered = False
            for ev in events:
                if self._busy:
                    self._backlog.append(ev)
                    continue
                kind = ev[0]
                if kind == 0:
                    self._req = (ev[1], ev[2], ev[3], ev[4])
                    self._body = []
                elif kind == 1:
                    self._body.append(ev[1])
                elif kind == 2:
                    self._dispatch()
                    answered = not self._busy
                elif kind == 4:
                    if self.transport is not None:
                        self.transport.close()
            transport = self.transport
            if not answered or self._busy or transport is None or transport.is_closing():
                return
            # The response went out at once: the machine hands over the next pipelined request
            # only now (it keeps one exchange at a time), so ask for it here instead of waiting
            # for more bytes that may never come. A loop, not recursion: pipelines can be long.
            try:
                events = self.conn.resume()
            except _fasterapi.Http1Error:
                self._fail()
                return
            if self._reading_paused and not self.conn.has_pending:
                transport.resume_reading()
                self._reading_paused = False
            if not events:
                return

    def _dispatch(self) -> None:
        assert self._req is not None
        method, target, http11, headers = self._req
        body = b"".join(self._body) if self._body else b""
        req = Request(method, target, headers, body, http11)
        try:
            result = self.handler(req)
        except Exception as exc:  # the handler failed: answer 500, keep serving
            result = _error_response(exc)
        if isinstance(result, Response):
            self._write_response(result)
            return
        self._busy = True
        self._loop.create_task(self._run(req, result))

    async def _run(self, req: Request, result: Any) -> None:
        try:
            if inspect.isawaitable(result):
                result = await result
            if isinstance(result, Response):
                self._write_response(result)
            elif isinstance(result, Stream):
                await self._stream(result)
            elif isinstance(result, Upgrade):
                await self._upgrade(req, result)
                return
            else:
                raise TypeError("handler returned {!r}".format(result))
        except Exception as exc:
            if self.conn.awaiting_response:
                self._write_response(_error_response(exc))
            elif self.transport is not None:
                self.transport.close()
        self._busy = False
        backlog = list(self._backlog)
        self._backlog.clear()
        self._process(backlog)
        if not self._busy:
            try:
                self._process(self.conn.resume())
            except _fasterapi.Http1Error:
                self._fail()
                return
            if self._reading_paused and not self.conn.has_pending and self.transport is not None \
                    and not self.transport.is_closing():
                self.transport.resume_reading()
                self._reading_paused = False

    def _write_response(self, resp: Response) -> None:
        transport = self.transport
        assert transport is not None
        try:
            out = self.conn.respond(resp.status, _finish_headers(resp), resp.body)
        except _fasterapi.Http1Error:
            self._fail()
            return
        transport.write(out)
        if not self.conn.keep_alive:
            transport.close()

    async def _stream(self, s: Stream) -> None:
        transport = self.transport
        assert transport is not None
        transport.write(self.conn.send_head(s.status, s.headers))
        chunks = s.chunks
        if hasattr(chunks, "__aiter__"):
            async for chunk in chunks:
                if transport.is_closing():
                    break
                transport.write(self.conn.send_data(chunk))
                await self._can_write.wait()
        else:
            for chunk in chunks:
                if transport.is_closing():
                    break
                transport.write(self.conn.send_data(chunk))
                await self._can_write.wait()
        if not transport.is_closing():
            transport.write(self.conn.end())
            if not self.conn.keep_alive:
                transport.close()

    async def _upgrade(self, req: Request, up: Upgrade) -> None:
        transport = self.transport
        assert transport is not None
        try:
            hs = _ws.ServerHandshake(req.method, req.raw_headers, up.subprotocols,
                                     [_ws.PerMessageDeflate()] if up.deflate else [])
        except _ws.HandshakeError as e:
            status = e.args[1] or 400
            extra = [(b"sec-websocket-version", b"13")] if status == 426 else []
            self._write_response(Response(status, extra, e.args[0].encode()))
            self._busy = False
            return
        fields = [(n.encode(), v.encode()) for n, v in hs.response_headers]
        transport.write(self.conn.respond(101, fields, None))
        leftover = b""
        for ev in self.conn.resume():
            if ev[0] == 3:
                leftover = ev[1]
        leftover += self.conn.take_pending()  # bytes the machine had held back
        if self._reading_paused:
            transport.resume_reading()
            self._reading_paused = False
        ws = WebSocket(hs.connection(), transport, req, hs.subprotocol, self._can_write)
        self._ws = ws
        if leftover:
            ws._feed(leftover)
        try:
            await up.session(ws)
            await ws.close()
        except WebSocketClosed:
            pass
        except Exception:
            if ws.closed is None:
                ws._write(ws._conn.send(_ws.CloseConnection(code=1011, reason="internal error")))
                ws.closed = (1011, "internal error")
        finally:
            if ws.closed is not None and ws._conn.state is _ws.ConnectionState.CLOSED:
                transport.close()
            else:
                self._loop.call_later(5.0, transport.close)


def _error_response(exc: BaseException) -> Response:
    return Response(500, [(b"content-type", b"text/plain; charset=utf-8")], b"Internal Server Error")


async def serve(handler: Handler, host: str = "127.0.0.1", port: int = 8000, *,
                sock: Optional[socket.socket] = None, reuse_port: bool = False,
                backlog: int = 1024, idle_timeout: float = 60.0) -> asyncio.AbstractServer:
    """Starts an HTTP/1.1 server; returns the ``asyncio.Server`` (``port=0`` picks a free one).
    Connections silent for ``idle_timeout`` seconds are closed."""
    loop = asyncio.get_running_loop()

    def factory() -> HttpServerProtocol:
        return HttpServerProtocol(handler, idle_timeout)

    if sock is not None:
        return await loop.create_server(factory, sock=sock, backlog=backlog)
    return await loop.create_server(factory, host, port, reuse_port=reuse_port or None, backlog=backlog)


class _ClientProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.conn = _h1.Connection(_h1.CLIENT)
        self.transport: Optional[asyncio.Transport] = None
        self.waiter: Optional[asyncio.Future] = None
        self.events: Deque[Any] = collections.deque()
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.conn.receive_data(data)
        self._wake()

    def eof_received(self) -> Optional[bool]:
        self.conn.receive_data(b"")
        self._wake()
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.lost = True
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class HttpClient:
    """A keep-alive HTTP/1.1 client connection on :class:`fasterapi.http1.Connection`.

    >>> # async with await HttpClient.connect("127.0.0.1", 8000) as c:
    >>> #     status, headers, body = await c.request("GET", "/")
    """

    def __init__(self, proto: _ClientProtocol, host: str) -> None:
        self._p = proto
        self._host = host

    @classmethod
    async def connect(cls, host: str, port: int) -> "HttpClient":
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(_ClientProtocol, host, port)
        return cls(proto, "{}:{}".format(host, port))

    async def request(self, method: str, target: str, headers: Optional[List[Tuple[str, str]]] = None,
                      body: bytes = b"") -> Tuple[int, List[Tuple[bytes, bytes]], bytes]:
        p = self._p
        conn = p.conn
        assert p.transport is not None
        if conn.our_state is _h1.DONE and conn.their_state is _h1.DONE:
            conn.start_next_cycle()
        fields = [("Host", self._host)] + list(headers or [])
        if body:
            fields.append(("Content-Length", str(len(body))))
        out = conn.send(_h1.Request(method=method, target=target, headers=fields))
        if body:
            out = (out or b"") + (conn.send(_h1.Data(data=body)) or b"")
        out = (out or b"") + (conn.send(_h1.EndOfMessage()) or b"")
        p.transport.write(out)
        status = 0
        resp_headers: List[Tuple[bytes, bytes]] = []
        chunks: List[bytes] = []
        while True:
            ev = conn.next_event()
            if ev is _h1.NEED_DATA:
                if p.lost:
                    raise ConnectionError("connection lost before the response ended")
                p.waiter = asyncio.get_running_loop().create_future()
                await p.waiter
                continue
            if isinstance(ev, _h1.Response):
                status = ev.status_code
                resp_headers = list(ev.headers)
            elif isinstance(ev, _h1.Data):
                chunks.append(ev.data)
            elif isinstance(ev, (_h1.EndOfMessage, _h1.ConnectionClosed)):
                return status, resp_headers, b"".join(chunks)

    async def close(self) -> None:
        if self._p.transport is not None:
            self._p.transport.close()

    async def __aenter__(self) -> "HttpClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


class _WsClientProtocol(asyncio.Protocol):
    def __init__(self, ws: "_ws.WSConnection") -> None:
        self.ws = ws
        self.transport: Optional[asyncio.Transport] = None
        self.queue: "asyncio.Queue[Any]" = asyncio.Queue()
        self.error: Optional[BaseException] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._feed(data)

    def eof_received(self) -> Optional[bool]:
        self._feed(None)
        return None

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.queue.put_nowait(_ws.CloseConnection(code=1006, reason=None))

    def _feed(self, data: Optional[bytes]) -> None:
        try:
            self.ws.receive_data(data)
        except _ws.RemoteProtocolError as e:
            self.queue.put_nowait(e)
            return
        for ev in self.ws.events():
            if isinstance(ev, _ws.Ping) and self.transport is not None:
                self.transport.write(self.ws.send(ev.response()))
                continue
            if isinstance(ev, _ws.CloseConnection) and self.ws.state is _ws.ConnectionState.REMOTE_CLOSING:
                if self.transport is not None:
                    self.transport.write(self.ws.send(ev.response()))
                    self.transport.close()
            self.queue.put_nowait(ev)


class ClientWebSocket:
    """A WebSocket client connection (``connect_websocket``): ``send``, ``receive``, ``close``,
    ``async for message in ws``."""

    def __init__(self, proto: _WsClientProtocol, subprotocol: Optional[str]) -> None:
        self._p = proto
        self.subprotocol = subprotocol
        self.closed: Optional[Tuple[int, str]] = None

    async def send(self, message: Union[str, bytes]) -> None:
        if self.closed is not None:
            raise WebSocketClosed(*self.closed)
        event = _ws.TextMessage(data=message) if isinstance(message, str) else _ws.BytesMessage(data=message)
        assert self._p.transport is not None
        self._p.transport.write(self._p.ws.send(event))

    async def receive(self) -> Union[str, bytes]:
        while True:
            ev = await self._p.queue.get()
            if isinstance(ev, (_ws.TextMessage, _ws.BytesMessage)):
                return ev.data
            if isinstance(ev, _ws.CloseConnection):
                self.closed = (ev.code, ev.reason or "")
                self._p.queue.put_nowait(ev)
                raise WebSocketClosed(ev.code, ev.reason or "")
            if isinstance(ev, BaseException):
                raise ev

    async def close(self, code: int = 1000, reason: str = "", timeout: float = 5.0) -> None:
        """Sends a close frame and waits (up to ``timeout``) for the peer's answer."""
        p = self._p
        if p.ws.state is _ws.ConnectionState.OPEN and p.transport is not None:
            p.transport.write(p.ws.send(_ws.CloseConnection(code=code, reason=reason)))
            try:
                while True:
                    ev = await asyncio.wait_for(p.queue.get(), timeout)
                    if isinstance(ev, _ws.CloseConnection):
                        break
            except asyncio.TimeoutError:
                pass
        self.closed = self.closed or (code, reason)
        if p.transport is not None:
            p.transport.close()

    def __aiter__(self) -> "ClientWebSocket":
        return self

    async def __anext__(self) -> Union[str, bytes]:
        try:
            return await self.receive()
        except WebSocketClosed:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> "ClientWebSocket":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


async def connect_websocket(host: str, port: int, path: str = "/", *, subprotocols: Tuple[str, ...] = (),
                            deflate: bool = True, timeout: float = 10.0) -> ClientWebSocket:
    """Opens a WebSocket (``ws://host:port/path``) on :class:`fasterapi.websocket.WSConnection`.
    Raises :class:`fasterapi.websocket.RemoteProtocolError` when the server refuses."""
    loop = asyncio.get_running_loop()
    ws = _ws.WSConnection(_ws.ConnectionType.CLIENT)
    _, proto = await loop.create_connection(lambda: _WsClientProtocol(ws), host, port)
    extensions = [_ws.PerMessageDeflate()] if deflate else []
    assert proto.transport is not None
    proto.transport.write(ws.send(_ws.Request(host="{}:{}".format(host, port), target=path,
                                              subprotocols=list(subprotocols), extensions=extensions)))
    ev = await asyncio.wait_for(proto.queue.get(), timeout)
    if isinstance(ev, _ws.AcceptConnection):
        return ClientWebSocket(proto, ev.subprotocol)
    proto.transport.close()
    if isinstance(ev, BaseException):
        raise ev
    status = getattr(ev, "status_code", None)
    raise _ws.RemoteProtocolError("the server refused the WebSocket handshake (status {})".format(status), ev)
