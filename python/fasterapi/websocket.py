"""WebSocket (RFC 6455, permessage-deflate RFC 7692) in wsproto's shape, on the Rust machine.

Switch from wsproto by changing the imports::

    from fasterapi.websocket import WSConnection, ConnectionType
    from fasterapi.websocket import Request, AcceptConnection, TextMessage, CloseConnection

    ws = WSConnection(ConnectionType.SERVER)
    ws.receive_data(data)
    for event in ws.events():
        if isinstance(event, Request):
            out = ws.send(AcceptConnection())
        elif isinstance(event, TextMessage):
            out = ws.send(TextMessage(data=event.data))

Differences from wsproto: messages arrive whole (``frame_finished`` and ``message_finished`` are
always true; the machine reassembles fragments and checks limits), and a peer's close frame is
answered by the machine: ``send(event.response())`` returns that answer.

The handshake works with any HTTP layer: :class:`ServerHandshake` takes the method and the
header list of a request and gives the 101 response fields and the :class:`Connection`;
:class:`ClientHandshake` does the client side.
"""

import enum
from typing import Generator, Iterable, List, Optional, Sequence, Tuple, Union

from . import _fasterapi
from . import http1 as _h1

__all__ = [
    "ConnectionType",
    "ConnectionState",
    "WSConnection",
    "Connection",
    "ServerHandshake",
    "ClientHandshake",
    "PerMessageDeflate",
    "Event",
    "Request",
    "AcceptConnection",
    "RejectConnection",
    "RejectData",
    "CloseConnection",
    "Message",
    "TextMessage",
    "BytesMessage",
    "Ping",
    "Pong",
    "LocalProtocolError",
    "RemoteProtocolError",
    "HandshakeError",
]

_WsError = _fasterapi.WsError
HandshakeError = _fasterapi.WsHandshakeError


class LocalProtocolError(Exception):
    """You tried to send something the protocol does not allow now."""


class RemoteProtocolError(Exception):
    """The peer broke the handshake; ``event_hint`` is the event to send in reply."""

    def __init__(self, message: str, event_hint: Optional["Event"] = None) -> None:
        super().__init__(message)
        self.event_hint = event_hint


class ConnectionType(enum.Enum):
    """Which side we are."""

    CLIENT = 1
    SERVER = 2


class ConnectionState(enum.IntEnum):
    """wsproto's connection states."""

    CONNECTING = 0
    OPEN = 1
    REMOTE_CLOSING = 2
    LOCAL_CLOSING = 3
    CLOSED = 4
    REJECTING = 5


class PerMessageDeflate:
    """permessage-deflate (RFC 7692): pass in ``extensions`` to offer or accept it."""

    name = "permessage-deflate"

    def __repr__(self) -> str:
        return "PerMessageDeflate()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PerMessageDeflate)


class Event:
    """Base class of the events."""

    __slots__: Tuple[str, ...] = ()
    _fields: Tuple[str, ...] = ()

    def __init_subclass__(cls) -> None:
        fields: List[str] = []
        for klass in reversed(cls.__mro__):
            fields.extend(f for f in klass.__dict__.get("__slots__", ()) if f not in fields)
        cls._fields = tuple(fields)

    def __init__(self, **kwargs: object) -> None:
        defaults = self._defaults()
        for name in self._fields:
            if name in kwargs:
                value = kwargs.pop(name)
            elif name in defaults:
                value = defaults[name]
                if isinstance(value, list):
                    value = list(value)
            else:
                raise TypeError("{} needs {}".format(type(self).__name__, name))
            object.__setattr__(self, name, value)
        if kwargs:
            raise TypeError("unexpected fields {}".format(sorted(kwargs)))

    @classmethod
    def _defaults(cls) -> dict:
        return {}

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("events are immutable")

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __repr__(self) -> str:
        fields = ", ".join("{}={!r}".format(f, getattr(self, f)) for f in self._fields)
        return "{}({})".format(type(self).__name__, fields)

    __hash__ = None  # type: ignore[assignment]


class Request(Event):
    """A WebSocket handshake request."""

    __slots__ = ("host", "target", "extensions", "extra_headers", "subprotocols")

    @classmethod
    def _defaults(cls) -> dict:
        return {"extensions": [], "extra_headers": [], "subprotocols": []}


class AcceptConnection(Event):
    """Accept the handshake (server), or the server accepted it (client)."""

    __slots__ = ("subprotocol", "extensions", "extra_headers")

    @classmethod
    def _defaults(cls) -> dict:
        return {"subprotocol": None, "extensions": [], "extra_headers": []}


class RejectConnection(Event):
    """Refuse the handshake with an HTTP response."""

    __slots__ = ("status_code", "headers", "has_body")

    @classmethod
    def _defaults(cls) -> dict:
        return {"status_code": 400, "headers": [], "has_body": False}


class RejectData(Event):
    """Body of a refusal."""

    __slots__ = ("data", "body_finished")

    @classmethod
    def _defaults(cls) -> dict:
        return {"body_finished": True}


class CloseConnection(Event):
    """A close frame: ``code`` (int) and ``reason`` (str or None)."""

    __slots__ = ("code", "reason")

    @classmethod
    def _defaults(cls) -> dict:
        return {"reason": None}

    def response(self) -> "CloseConnection":
        """The close frame that answers this one."""
        return CloseConnection(code=self.code, reason=self.reason)


class Message(Event):
    """A data message; whole, so ``frame_finished`` and ``message_finished`` are true."""

    __slots__ = ("data", "frame_finished", "message_finished")

    @classmethod
    def _defaults(cls) -> dict:
        return {"frame_finished": True, "message_finished": True}


class TextMessage(Message):
    """A text message (``data`` is str)."""

    __slots__ = ()


class BytesMessage(Message):
    """A binary message (``data`` is bytes)."""

    __slots__ = ()


class Ping(Event):
    """A ping; send ``event.response()`` to answer it."""

    __slots__ = ("payload",)

    @classmethod
    def _defaults(cls) -> dict:
        return {"payload": b""}

    def response(self) -> "Pong":
        return Pong(payload=self.payload)


class Pong(Event):
    """A pong."""

    __slots__ = ("payload",)

    @classmethod
    def _defaults(cls) -> dict:
        return {"payload": b""}


_new = object.__new__
_set = object.__setattr__


def _message(cls: type, data: object) -> Event:
    ev = _new(cls)
    _set(ev, "data", data)
    _set(ev, "frame_finished", True)
    _set(ev, "message_finished", True)
    return ev  # type: ignore[no-any-return]


def _from_tuple(t: tuple) -> Event:
    kind = t[0]
    if kind == 0:
        return _message(TextMessage, t[1])
    if kind == 1:
        return _message(BytesMessage, t[1])
    if kind == 2:
        return Ping(payload=t[1])
    if kind == 3:
        return Pong(payload=t[1])
    code = 1005 if t[1] is None else t[1]
    return CloseConnection(code=code, reason=t[2] or None)


class Connection:
    """A WebSocket connection after the handshake (wsproto.connection.Connection's shape)."""

    def __init__(self, connection_type: ConnectionType, _native: Optional[object] = None) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        self._ws = _native if _native is not None else _fasterapi.WsConnection(self.client)
        self._state = ConnectionState.OPEN
        self._events: List[Event] = []

    @property
    def state(self) -> ConnectionState:
        return self._state

    def receive_data(self, data: Optional[bytes]) -> None:
        """Feeds received bytes; ``None`` means the peer closed the TCP connection."""
        if data is None:
            if self._state not in (ConnectionState.CLOSED,):
                try:
                    got = self._ws.receive_eof()
                except _WsError:
                    got = []
                self._events.extend(_from_tuple(t) for t in got)
                if self._state is not ConnectionState.CLOSED:
                    self._events.append(CloseConnection(code=1006, reason=None))
                self._state = ConnectionState.CLOSED
            return
        if self._state is ConnectionState.CLOSED:
            raise LocalProtocolError("Connection already closed.")
        try:
            got = self._ws.receive(data if type(data) is bytes else bytes(data))
        except _WsError as e:
            message, code = e.args
            self._events.append(CloseConnection(code=code or 1002, reason=message))
            self._state = ConnectionState.REMOTE_CLOSING
            return
        events = self._events
        for t in got:
            kind = t[0]
            if kind == 0:
                events.append(_message(TextMessage, t[1]))
            elif kind == 1:
                events.append(_message(BytesMessage, t[1]))
            else:
                ev = _from_tuple(t)
                if kind == 4:
                    if self._state is ConnectionState.LOCAL_CLOSING:
                        self._state = ConnectionState.CLOSED
                    else:
                        self._state = ConnectionState.REMOTE_CLOSING
                events.append(ev)

    def events(self) -> Generator[Event, None, None]:
        """The events the received bytes completed."""
        events = self._events
        self._events = []
        yield from events
        while self._events:  # events received while the caller iterated
            more = self._events
            self._events = []
            yield from more

    def send(self, event: Event) -> bytes:
        """The bytes for ``event``."""
        ws = self._ws
        etype = type(event)
        if etype is CloseConnection:
            if self._state is ConnectionState.REMOTE_CLOSING:
                self._state = ConnectionState.CLOSED
                return ws.take_output()  # the machine queued the answer already
            if self._state is not ConnectionState.OPEN:
                raise LocalProtocolError("Connection cannot be closed in state {}".format(self._state))
            if event.code in (1005, None):  # type: ignore[attr-defined]
                ws.close_now()
            else:
                ws.close(event.code, event.reason or "")  # type: ignore[attr-defined]
            self._state = ConnectionState.LOCAL_CLOSING
            return ws.take_output()
        if self._state is not ConnectionState.OPEN:
            raise LocalProtocolError("Event {} cannot be sent in state {}.".format(event, self._state))
        if etype is TextMessage:
            ws.send_text(event.data)  # type: ignore[attr-defined]
        elif etype is BytesMessage or etype is Message:
            data = event.data  # type: ignore[attr-defined]
            if isinstance(data, str):
                ws.send_text(data)
            else:
                ws.send_binary(data if type(data) is bytes else bytes(data))
        elif etype is Ping:
            ws.send_ping(bytes(event.payload))  # type: ignore[attr-defined]
        elif etype is Pong:
            ws.send_pong(bytes(event.payload))  # type: ignore[attr-defined]
        else:
            raise LocalProtocolError("Event {} cannot be sent.".format(event))
        return ws.take_output()


def _wants_deflate(extensions: Sequence[object]) -> bool:
    return any(getattr(e, "name", e) == "permessage-deflate" for e in extensions)


class ServerHandshake:
    """The server's side of the HTTP/1.1 handshake for any HTTP layer.

    ``headers`` is the request's ``[(name, value)]`` (bytes or str). Raises
    :class:`HandshakeError` with ``(message, status)`` args (400 or 426).
    """

    def __init__(self, method: Union[bytes, str], headers: Iterable[Tuple[object, object]],
                 subprotocols: Sequence[str] = (), extensions: Sequence[object] = ()) -> None:
        hs = [(_b(n), _b(v)) for n, v in headers]
        m = _b(method)
        self._native = _fasterapi.WsServerHandshake(m, hs, list(subprotocols), _wants_deflate(extensions))

    @property
    def subprotocol(self) -> Optional[str]:
        return self._native.protocol

    @property
    def response_headers(self) -> List[Tuple[str, str]]:
        """The 101 response fields (Upgrade, Connection, Sec-WebSocket-Accept, …)."""
        return self._native.response_headers()

    def connection(self, max_message_size: int = 64 << 20) -> Connection:
        return Connection(ConnectionType.SERVER, self._native.connection(max_message_size))


class ClientHandshake:
    """The client's side: :attr:`request_headers` to send with ``GET``, then :meth:`verify`."""

    def __init__(self, subprotocols: Sequence[str] = (), extensions: Sequence[object] = ()) -> None:
        self._native = _fasterapi.WsClientHandshake(list(subprotocols), _wants_deflate(extensions))

    @property
    def request_headers(self) -> List[Tuple[str, str]]:
        return self._native.request_headers()

    def verify(self, status: int, headers: Iterable[Tuple[object, object]],
               max_message_size: int = 64 << 20) -> Tuple[Optional[str], Connection]:
        """Checks the answer; returns ``(subprotocol, connection)``."""
        protocol, native = self._native.verify(status, [(_b(n), _b(v)) for n, v in headers], max_message_size)
        return protocol, Connection(ConnectionType.CLIENT, native)


def _b(s: object) -> bytes:
    if isinstance(s, str):
        return s.encode("latin-1")
    return bytes(s)  # type: ignore[call-overload]


def _split_header(headers: object, name: bytes) -> List[str]:
    out: List[str] = []
    for n, v in headers:  # type: ignore[attr-defined]
        if n == name:
            out.extend(x.strip().decode("latin-1") for x in v.split(b",") if x.strip())
    return out


class WSConnection:
    """A WebSocket connection including its HTTP/1.1 handshake (wsproto.WSConnection)."""

    def __init__(self, connection_type: ConnectionType) -> None:
        self.client = connection_type is ConnectionType.CLIENT
        self._type = connection_type
        self._h11 = _h1.Connection(_h1.CLIENT if self.client else _h1.SERVER)
        self._conn: Optional[Connection] = None
        self._state = ConnectionState.CONNECTING
        self._events: List[Event] = []
        self._request: Optional[_h1.Request] = None
        self._client_hs: Optional[ClientHandshake] = None
        self._initiating_request: Optional[Request] = None

    @property
    def state(self) -> ConnectionState:
        if self._conn is not None:
            return self._conn.state
        return self._state

    def initiate_upgrade_connection(self, headers: Iterable[Tuple[object, object]], path: Union[bytes, str]) -> None:
        """Server: start from a request another HTTP layer already parsed (h2c-style upgrade)."""
        req = _h1.Request(method="GET", target=path, headers=[(_b(n), _b(v)) for n, v in headers])
        self._h11 = _h1.Connection(_h1.SERVER)
        self._handle_request(req)

    def receive_data(self, data: Optional[bytes]) -> None:
        """Feeds received bytes (``None``: the peer closed the connection)."""
        if self._conn is not None:
            self._conn.receive_data(data)
            self._events.extend(self._conn.events())
            return
        self._h11.receive_data(b"" if data is None else data)
        try:
            while True:
                ev = self._h11.next_event()
                if ev is _h1.NEED_DATA or ev is _h1.PAUSED:
                    break
                if isinstance(ev, _h1.Request):
                    self._handle_request(ev)
                elif isinstance(ev, _h1.InformationalResponse) and self.client:
                    self._handle_101(ev)
                    break
                elif isinstance(ev, _h1.Response) and self.client:
                    self._state = ConnectionState.REJECTING
                    self._events.append(RejectConnection(
                        status_code=ev.status_code, headers=list(ev.headers), has_body=True))
                elif isinstance(ev, _h1.Data) and self._state is ConnectionState.REJECTING:
                    self._events.append(RejectData(data=ev.data, body_finished=False))
                elif isinstance(ev, _h1.EndOfMessage) and self._state is ConnectionState.REJECTING:
                    self._events.append(RejectData(data=b"", body_finished=True))
                    self._state = ConnectionState.CLOSED
                elif isinstance(ev, _h1.ConnectionClosed):
                    self._state = ConnectionState.CLOSED
                    break
        except _h1.RemoteProtocolError as e:
            raise RemoteProtocolError(str(e), RejectConnection(status_code=e.error_status_hint)) from None

    def _handle_request(self, ev: "_h1.Request") -> None:
        headers = list(ev.headers)
        try:
            self._server_hs_input = (ev.method, headers)
            _fasterapi.WsServerHandshake(ev.method, headers, [], False)  # validate now
        except HandshakeError as e:
            raise RemoteProtocolError(e.args[0], RejectConnection(status_code=e.args[1] or 400)) from None
        host = dict(headers).get(b"host", b"").decode("latin-1")
        self._request = ev
        self._events.append(Request(
            host=host,
            target=ev.target.decode("latin-1"),
            extensions=_split_header(headers, b"sec-websocket-extensions"),
            extra_headers=[(n, v) for n, v in headers],
            subprotocols=_split_header(headers, b"sec-websocket-protocol"),
        ))

    def _handle_101(self, ev: "_h1.InformationalResponse") -> None:
        assert self._client_hs is not None
        try:
            protocol, conn = self._client_hs.verify(ev.status_code, list(ev.headers))
        except HandshakeError as e:
            raise RemoteProtocolError(e.args[0]) from None
        self._conn = conn
        extensions = [PerMessageDeflate()] if conn._ws.is_compressed() else []
        self._events.append(AcceptConnection(
            subprotocol=protocol, extensions=extensions, extra_headers=list(ev.headers)))
        trailing, closed = self._h11.trailing_data
        if trailing:
            conn.receive_data(trailing)
            self._events.extend(conn.events())
        if closed:
            conn.receive_data(None)

    def events(self) -> Generator[Event, None, None]:
        while self._events:
            yield self._events.pop(0)
        if self._conn is not None:
            yield from self._conn.events()

    def send(self, event: Event) -> bytes:
        if self._conn is not None:
            return self._conn.send(event)
        etype = type(event)
        if etype is Request and self.client:
            hs = ClientHandshake(event.subprotocols, event.extensions)  # type: ignore[attr-defined]
            self._client_hs = hs
            headers = [("Host", event.host)] + hs.request_headers + list(event.extra_headers)  # type: ignore[attr-defined]
            out = self._h11.send(_h1.Request(method="GET", target=event.target, headers=headers))  # type: ignore[attr-defined]
            return out or b""
        if etype is AcceptConnection and not self.client and self._request is not None:
            method, headers = self._server_hs_input
            protocols = [event.subprotocol] if event.subprotocol else []  # type: ignore[attr-defined]
            hs = ServerHandshake(method, headers, protocols, event.extensions)  # type: ignore[attr-defined]
            fields = hs.response_headers + [(_s(n), _s(v)) for n, v in event.extra_headers]  # type: ignore[attr-defined]
            out = self._h11.send(_h1.InformationalResponse(status_code=101, headers=fields))
            self._conn = hs.connection()
            trailing, closed = self._h11.trailing_data
            if trailing:
                self._conn.receive_data(trailing)
            if closed:
                self._conn.receive_data(None)
            return out or b""
        if etype is RejectConnection and not self.client:
            headers = list(event.headers)  # type: ignore[attr-defined]
            if not event.has_body:  # type: ignore[attr-defined]
                headers.append((b"content-length", b"0"))
            out = self._h11.send(_h1.Response(status_code=event.status_code, headers=headers))  # type: ignore[attr-defined]
            self._state = ConnectionState.REJECTING if event.has_body else ConnectionState.CLOSED  # type: ignore[attr-defined]
            if not event.has_body:  # type: ignore[attr-defined]
                out = (out or b"") + (self._h11.send(_h1.EndOfMessage()) or b"")
            return out or b""
        if etype is RejectData and not self.client and self._state is ConnectionState.REJECTING:
            out = self._h11.send(_h1.Data(data=event.data)) or b""  # type: ignore[attr-defined]
            if event.body_finished:  # type: ignore[attr-defined]
                out += self._h11.send(_h1.EndOfMessage()) or b""
                self._state = ConnectionState.CLOSED
            return out
        raise LocalProtocolError("Event {} cannot be sent in state {}.".format(event, self.state))


def _s(x: object) -> str:
    return x.decode("latin-1") if isinstance(x, bytes) else str(x)
