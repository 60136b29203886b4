"""HTTP/1.1 for Python on the Rust machines: an h11-compatible :class:`Connection`.

Switch from h11 by changing the import::

    from fasterapi import http1 as h11

    conn = h11.Connection(h11.SERVER)
    conn.receive_data(data)
    event = conn.next_event()        # Request, Data, EndOfMessage, NEED_DATA, PAUSED, ...
    out = conn.send(h11.Response(status_code=200, headers=[("Content-Length", "2")]))

The names, states, events and errors are h11's (its state machine, framing and header
clean-up rules are kept; h11 is MIT licensed). Parsing is the strict ``fasterapi-http1``
codec in Rust, so bytes h11 tolerates but RFC 9112 forbids (bare LF line ends, obs-fold,
whitespace before a colon) are refused with :class:`RemoteProtocolError` (status hint 400).

The fast path: :meth:`Connection.feed` receives and returns the next event in one call.
No I/O happens here: drive it from any transport (see ``fasterapi.asyncio``).
"""

from typing import Any, Dict, List, Optional, Tuple, Type, Union

from . import _fasterapi
from ._events import (
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    Headers,
    InformationalResponse,
    Request,
    Response,
    _parsed_request,
    _parsed_response,
    comma_fields,
    get_comma_header,
    normalize_and_validate,
    set_comma_header,
)
from ._util import LocalProtocolError, ProtocolError, RemoteProtocolError, Sentinel

__all__ = [
    "Connection",
    "CLIENT",
    "SERVER",
    "IDLE",
    "SEND_RESPONSE",
    "SEND_BODY",
    "DONE",
    "MUST_CLOSE",
    "CLOSED",
    "MIGHT_SWITCH_PROTOCOL",
    "SWITCHED_PROTOCOL",
    "ERROR",
    "NEED_DATA",
    "PAUSED",
    "Event",
    "Request",
    "InformationalResponse",
    "Response",
    "Data",
    "EndOfMessage",
    "ConnectionClosed",
    "Headers",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
]

_ParseError = _fasterapi.ParseError
_new = object.__new__
_set = object.__setattr__
_Reader = _fasterapi.Http1Reader


class CLIENT(Sentinel, metaclass=Sentinel):
    pass


class SERVER(Sentinel, metaclass=Sentinel):
    pass


class IDLE(Sentinel, metaclass=Sentinel):
    pass


class SEND_RESPONSE(Sentinel, metaclass=Sentinel):
    pass


class SEND_BODY(Sentinel, metaclass=Sentinel):
    pass


class DONE(Sentinel, metaclass=Sentinel):
    pass


class MUST_CLOSE(Sentinel, metaclass=Sentinel):
    pass


class CLOSED(Sentinel, metaclass=Sentinel):
    pass


class ERROR(Sentinel, metaclass=Sentinel):
    pass


class MIGHT_SWITCH_PROTOCOL(Sentinel, metaclass=Sentinel):
    pass


class SWITCHED_PROTOCOL(Sentinel, metaclass=Sentinel):
    pass


class NEED_DATA(Sentinel, metaclass=Sentinel):
    pass


class PAUSED(Sentinel, metaclass=Sentinel):
    pass


class _SWITCH_UPGRADE(Sentinel, metaclass=Sentinel):
    pass


class _SWITCH_CONNECT(Sentinel, metaclass=Sentinel):
    pass


DEFAULT_MAX_INCOMPLETE_EVENT_SIZE = 16 * 1024

_EVENT_TRIGGERED: Dict[Any, Dict[Any, Dict[Any, Any]]] = {
    CLIENT: {
        IDLE: {Request: SEND_BODY, ConnectionClosed: CLOSED},
        SEND_BODY: {Data: SEND_BODY, EndOfMessage: DONE},
        DONE: {ConnectionClosed: CLOSED},
        MUST_CLOSE: {ConnectionClosed: CLOSED},
        CLOSED: {ConnectionClosed: CLOSED},
        MIGHT_SWITCH_PROTOCOL: {},
        SWITCHED_PROTOCOL: {},
        ERROR: {},
    },
    SERVER: {
        IDLE: {ConnectionClosed: CLOSED, Response: SEND_BODY, (Request, CLIENT): SEND_RESPONSE},
        SEND_RESPONSE: {
            InformationalResponse: SEND_RESPONSE,
            Response: SEND_BODY,
            (InformationalResponse, _SWITCH_UPGRADE): SWITCHED_PROTOCOL,
            (Response, _SWITCH_CONNECT): SWITCHED_PROTOCOL,
        },
        SEND_BODY: {Data: SEND_BODY, EndOfMessage: DONE},
        DONE: {ConnectionClosed: CLOSED},
        MUST_CLOSE: {ConnectionClosed: CLOSED},
        CLOSED: {ConnectionClosed: CLOSED},
        SWITCHED_PROTOCOL: {},
        ERROR: {},
    },
}

_STATE_TRIGGERED = {
    (MIGHT_SWITCH_PROTOCOL, SWITCHED_PROTOCOL): {CLIENT: SWITCHED_PROTOCOL},
    (CLOSED, DONE): {SERVER: MUST_CLOSE},
    (CLOSED, IDLE): {SERVER: MUST_CLOSE},
    (ERROR, DONE): {SERVER: MUST_CLOSE},
    (DONE, CLOSED): {CLIENT: MUST_CLOSE},
    (IDLE, CLOSED): {CLIENT: MUST_CLOSE},
    (DONE, ERROR): {CLIENT: MUST_CLOSE},
}


class _ConnectionState:
    """h11's joint state machine of both roles."""

    __slots__ = ("keep_alive", "pending_switch_proposals", "states")

    def __init__(self) -> None:
        self.keep_alive = True
        self.pending_switch_proposals: set = set()
        self.states: Dict[Any, Any] = {CLIENT: IDLE, SERVER: IDLE}

    def process_error(self, role: Any) -> None:
        self.states[role] = ERROR
        self._fire_state_triggered_transitions()

    def process_keep_alive_disabled(self) -> None:
        self.keep_alive = False
        self._fire_state_triggered_transitions()

    def process_client_switch_proposal(self, switch_event: Any) -> None:
        self.pending_switch_proposals.add(switch_event)
        self._fire_state_triggered_transitions()

    def process_event(self, role: Any, event_type: Any, server_switch_event: Any = None) -> None:
        _event_type = event_type
        if server_switch_event is not None:
            if server_switch_event not in self.pending_switch_proposals:
                raise LocalProtocolError(
                    "Received server {} event without a pending proposal".format(server_switch_event)
                )
            _event_type = (event_type, server_switch_event)
        if server_switch_event is None and _event_type is Response:
            self.pending_switch_proposals = set()
        self._fire_event_triggered_transitions(role, _event_type)
        if _event_type is Request:
            self._fire_event_triggered_transitions(SERVER, (Request, CLIENT))
        self._fire_state_triggered_transitions()

    def _fire_event_triggered_transitions(self, role: Any, event_type: Any) -> None:
        state = self.states[role]
        try:
            new_state = _EVENT_TRIGGERED[role][state][event_type]
        except KeyError:
            name = event_type.__name__ if isinstance(event_type, type) else event_type[0].__name__
            raise LocalProtocolError(
                "can't handle event type {} when role={} and state={}".format(name, role, state)
            ) from None
        self.states[role] = new_state

    def _fire_state_triggered_transitions(self) -> None:
        states = self.states
        while True:
            start = (states[CLIENT], states[SERVER])
            if self.pending_switch_proposals:
                if states[CLIENT] is DONE:
                    states[CLIENT] = MIGHT_SWITCH_PROTOCOL
            elif states[CLIENT] is MIGHT_SWITCH_PROTOCOL:
                states[CLIENT] = DONE
            if not self.keep_alive:
                for role in (CLIENT, SERVER):
                    if states[role] is DONE:
                        states[role] = MUST_CLOSE
            changes = _STATE_TRIGGERED.get((states[CLIENT], states[SERVER]))
            if changes:
                states.update(changes)
            if (states[CLIENT], states[SERVER]) == start:
                return

    def start_next_cycle(self) -> None:
        if self.states != {CLIENT: DONE, SERVER: DONE}:
            raise LocalProtocolError("not in a reusable state. self.states={}".format(self.states))
        self.states = {CLIENT: IDLE, SERVER: IDLE}


def _keep_alive(event: Union[Request, Response]) -> bool:
    if b"close" in comma_fields(event.headers).get(b"connection", ()):
        return False
    if event.http_version < b"1.1":
        return False
    return True


def _body_framing(request_method: Optional[bytes], event: Any) -> Tuple[str, int]:
    if type(event) is Response:
        if (
            event.status_code in (204, 304)
            or request_method == b"HEAD"
            or (request_method == b"CONNECT" and 200 <= event.status_code < 300)
        ):
            return ("content-length", 0)
    fields = comma_fields(event.headers)
    if fields.get(b"transfer-encoding"):
        return ("chunked", 0)
    content_lengths = fields.get(b"content-length")
    if content_lengths:
        return ("content-length", int(content_lengths[0]))
    if type(event) is Request:
        return ("content-length", 0)
    return ("http/1.0", 0)


def _write_headers(headers: Headers, out: List[bytes]) -> None:
    items = headers._full_items
    for raw, name, value in items:
        if name == b"host":
            out.append(b"%s: %s\r\n" % (raw, value))
    for raw, name, value in items:
        if name != b"host":
            out.append(b"%s: %s\r\n" % (raw, value))
    out.append(b"\r\n")


class _BodyWriter:
    __slots__ = ("kind", "left")

    def __init__(self, kind: str, length: int) -> None:
        self.kind = kind
        self.left = length

    def write(self, event: Any, out: List[Any]) -> None:
        kind = self.kind
        if type(event) is Data:
            data = event.data
            if kind == "content-length":
                self.left -= len(data)
                if self.left < 0:
                    raise LocalProtocolError("Too much data for declared Content-Length")
                out.append(data)
            elif kind == "chunked":
                if data:
                    out.append(b"%x\r\n" % len(data))
                    out.append(data)
                    out.append(b"\r\n")
            else:
                out.append(data)
        else:
            headers = event.headers
            if kind == "content-length":
                if self.left != 0:
                    raise LocalProtocolError("Too little data for declared Content-Length")
                if headers:
                    raise LocalProtocolError("Content-Length and trailers don't mix")
            elif kind == "chunked":
                out.append(b"0\r\n")
                _write_headers(headers, out)
            elif headers:
                raise LocalProtocolError("can't send trailers to HTTP/1.0 client")


def _has_expect_100_continue(request: Request) -> bool:
    if request.http_version < b"1.1":
        return False
    return b"100-continue" in comma_fields(request.headers).get(b"expect", ())


class Connection:
    """The state of one HTTP/1.1 connection, for a client (``CLIENT``) or a server (``SERVER``).

    ``max_incomplete_event_size`` bounds an incomplete head: beyond it :meth:`next_event`
    raises :class:`RemoteProtocolError` with ``error_status_hint`` 431.
    """

    def __init__(self, our_role: Any, max_incomplete_event_size: int = DEFAULT_MAX_INCOMPLETE_EVENT_SIZE) -> None:
        self._max_incomplete_event_size = max_incomplete_event_size
        if our_role not in (CLIENT, SERVER):
            raise ValueError("expected CLIENT or SERVER, not {!r}".format(our_role))
        self.our_role = our_role
        self.their_role = SERVER if our_role is CLIENT else CLIENT
        self._cstate = _ConnectionState()
        self._writer: Optional[_BodyWriter] = None
        # The server reads requests; the head limit is enforced by the Rust parser too.
        self._reader = _Reader(our_role is SERVER, max_incomplete_event_size + 1)
        self._receive_buffer_closed = False
        self.their_http_version: Optional[bytes] = None
        self._request_method: Optional[bytes] = None
        self.client_is_waiting_for_100_continue = False

    @property
    def states(self) -> Dict[Any, Any]:
        """``{CLIENT: <client state>, SERVER: <server state>}``."""
        return dict(self._cstate.states)

    @property
    def our_state(self) -> Any:
        """The state of our role."""
        return self._cstate.states[self.our_role]

    @property
    def their_state(self) -> Any:
        """The state of the peer's role."""
        return self._cstate.states[self.their_role]

    @property
    def they_are_waiting_for_100_continue(self) -> bool:
        return self.their_role is CLIENT and self.client_is_waiting_for_100_continue

    @property
    def trailing_data(self) -> Tuple[bytes, bool]:
        """``(unprocessed received bytes, whether the peer closed)``: after a protocol switch,
        the bytes that belong to the new protocol."""
        return (self._reader.peek(), self._receive_buffer_closed)

    def start_next_cycle(self) -> None:
        """Resets both sides from ``DONE`` to ``IDLE`` for the next request/response cycle
        (keep-alive); raises :class:`LocalProtocolError` in any other state."""
        old = self._snapshot()
        self._cstate.start_next_cycle()
        self._request_method = None
        self._respond_to_state_changes(old)

    def _process_error(self, role: Any) -> None:
        old = self._snapshot()
        self._cstate.process_error(role)
        self._respond_to_state_changes(old)

    def _server_switch_event(self, event: Event) -> Any:
        if type(event) is InformationalResponse and event.status_code == 101:
            return _SWITCH_UPGRADE
        if type(event) is Response:
            if _SWITCH_CONNECT in self._cstate.pending_switch_proposals and 200 <= event.status_code < 300:
                return _SWITCH_CONNECT
        return None

    def _process_event(self, role: Any, event: Event) -> None:
        cstate = self._cstate
        old = self._snapshot()
        etype = type(event)
        if role is CLIENT and etype is Request:
            if event.method == b"CONNECT":  # type: ignore[attr-defined]
                cstate.process_client_switch_proposal(_SWITCH_CONNECT)
            if comma_fields(event.headers).get(b"upgrade"):  # type: ignore[attr-defined]
                cstate.process_client_switch_proposal(_SWITCH_UPGRADE)
        server_switch_event = None
        if role is SERVER:
            server_switch_event = self._server_switch_event(event)
        cstate.process_event(role, etype, server_switch_event)

        if etype is Request:
            self._request_method = event.method  # type: ignore[attr-defined]
        if role is self.their_role and etype in (Request, Response, InformationalResponse):
            self.their_http_version = event.http_version  # type: ignore[attr-defined]
        if etype in (Request, Response) and not _keep_alive(event):  # type: ignore[arg-type]
            cstate.process_keep_alive_disabled()
        if etype is Request and _has_expect_100_continue(event):  # type: ignore[arg-type]
            self.client_is_waiting_for_100_continue = True
        if etype in (InformationalResponse, Response):
            self.client_is_waiting_for_100_continue = False
        if role is CLIENT and etype in (Data, EndOfMessage):
            self.client_is_waiting_for_100_continue = False
        self._respond_to_state_changes(old, event)

    def _snapshot(self) -> Tuple[Any, Any]:
        states = self._cstate.states
        return (states[self.our_role], states[self.their_role])

    def _respond_to_state_changes(self, old: Tuple[Any, Any], event: Optional[Event] = None) -> None:
        states = self._cstate.states
        if states[self.our_role] is not old[0]:
            if states[self.our_role] is SEND_BODY:
                kind, length = _body_framing(self._request_method, event)
                self._writer = _BodyWriter(kind, length)
            else:
                self._writer = None
        if states[self.their_role] is not old[1] and states[self.their_role] is SEND_BODY:
            kind, length = _body_framing(self._request_method, event)
            self._reader.start_body(kind, length)

    def receive_data(self, data: bytes) -> None:
        """Adds received bytes to the buffer; ``b""`` means the peer closed the connection.
        Call :meth:`next_event` to process them."""
        if data:
            if self._receive_buffer_closed:
                raise RuntimeError("received close, then received more data?")
            self._reader.extend(data if type(data) is bytes else bytes(data))
        else:
            self._receive_buffer_closed = True

    def _extract_next_receive_event(self) -> Any:
        state = self.their_state
        reader = self._reader
        if state is DONE and len(reader):
            return PAUSED
        if state is MIGHT_SWITCH_PROTOCOL or state is SWITCHED_PROTOCOL:
            return PAUSED
        event: Any = None
        if state is SEND_BODY:
            try:
                got = reader.read_body()
            except _ParseError as e:
                msg, status = e.args
                raise RemoteProtocolError(msg, error_status_hint=status) from None
            if got is not None:
                if type(got) is tuple:
                    event = Data(got[0], got[1], got[2])
                else:
                    event = _new(EndOfMessage)
                    _set(event, "headers", normalize_and_validate(got, _parsed=True) if got else Headers(got))
            elif not len(reader) and self._receive_buffer_closed:
                eof = reader.body_eof_state()
                if eof == "eom":
                    event = EndOfMessage()
                elif eof == "incomplete chunked read":
                    raise RemoteProtocolError(
                        "peer closed connection without sending complete message body "
                        "(incomplete chunked read)"
                    )
                else:
                    raise RemoteProtocolError(
                        "peer closed connection without sending complete message body "
                        "({})".format(eof)
                    )
        elif state is IDLE or (state is SEND_RESPONSE and self.their_role is SERVER):
            if len(reader):
                if reader.starts_with_empty_line():
                    reader.take(1 if reader.peek()[:1] == b"\n" else 2)
                    kind = "request" if self.their_role is CLIENT else "response"
                    raise LocalProtocolError("no {} line received".format(kind))
                try:
                    head = reader.read_head()
                except _ParseError as e:
                    msg, status = e.args
                    raise RemoteProtocolError(msg, error_status_hint=status) from None
                if head is not None:
                    if self.their_role is CLIENT:
                        event = _parsed_request(*head)
                    else:
                        event = _parsed_response(*head)
            if event is None and not len(reader) and self._receive_buffer_closed:
                event = ConnectionClosed()
        else:  # DONE, MUST_CLOSE, CLOSED: nothing more is expected
            if len(reader):
                raise LocalProtocolError("Got data when expecting EOF")
            if self._receive_buffer_closed:
                event = ConnectionClosed()
        if event is None:
            return NEED_DATA
        return event

    def next_event(self) -> Any:
        """Parses the next event from the receive buffer: an event, :data:`NEED_DATA` or
        :data:`PAUSED`. Raises :class:`RemoteProtocolError` when the peer broke the protocol
        (then ``their_state`` is ``ERROR``)."""
        if self.their_state is ERROR:
            raise RemoteProtocolError("Can't receive data when peer state is ERROR")
        try:
            event = self._extract_next_receive_event()
            if event is not NEED_DATA and event is not PAUSED:
                self._process_event(self.their_role, event)
            elif event is NEED_DATA:
                if len(self._reader) > self._max_incomplete_event_size:
                    raise RemoteProtocolError("Receive buffer too long", error_status_hint=431)
                if self._receive_buffer_closed:
                    raise RemoteProtocolError("peer unexpectedly closed connection")
            return event
        except BaseException as exc:
            self._process_error(self.their_role)
            if isinstance(exc, LocalProtocolError):
                exc._reraise_as_remote_protocol_error()
            raise

    def feed(self, data: bytes) -> Any:
        """The fast path: :meth:`receive_data` then :meth:`next_event`, in one call."""
        self.receive_data(data)
        return self.next_event()

    def send(self, event: Event) -> Optional[bytes]:
        """The bytes for ``event`` (``None`` for :class:`ConnectionClosed`), updating the state.
        Raises :class:`LocalProtocolError` for an event the protocol does not allow now (then
        ``our_state`` is ``ERROR``)."""
        data_list = self.send_with_data_passthrough(event)
        if data_list is None:
            return None
        return b"".join(data_list)

    def send_with_data_passthrough(self, event: Event) -> Optional[List[Any]]:
        """Like :meth:`send`, but returns a list of bytes-like pieces; a :class:`Data` event's
        payload is in it as the very object passed (no copy)."""
        if self.our_state is ERROR:
            raise LocalProtocolError("Can't send data when our state is ERROR")
        try:
            etype = type(event)
            if etype is Response:
                event = self._clean_up_response_headers_for_sending(event)  # type: ignore[arg-type]
            state = self.our_state
            writer = self._writer
            self._process_event(self.our_role, event)
            if etype is ConnectionClosed:
                return None
            out: List[Any] = []
            if state is SEND_BODY:
                assert writer is not None
                writer.write(event, out)
            elif etype is Request:
                if event.http_version != b"1.1":  # type: ignore[attr-defined]
                    raise LocalProtocolError("I only send HTTP/1.1")
                out.append(b"%s %s HTTP/1.1\r\n" % (event.method, event.target))  # type: ignore[attr-defined]
                _write_headers(event.headers, out)  # type: ignore[attr-defined]
            else:
                if event.http_version != b"1.1":  # type: ignore[attr-defined]
                    raise LocalProtocolError("I only send HTTP/1.1")
                out.append(b"HTTP/1.1 %d %s\r\n" % (event.status_code, event.reason))  # type: ignore[attr-defined]
                _write_headers(event.headers, out)  # type: ignore[attr-defined]
            return out
        except BaseException:
            self._process_error(self.our_role)
            raise

    def send_failed(self) -> None:
        """Tells the machine the bytes from :meth:`send` could not be sent: ``our_state``
        becomes ``ERROR``."""
        self._process_error(self.our_role)

    def _clean_up_response_headers_for_sending(self, response: Response) -> Response:
        headers = response.headers
        need_close = False
        method = self._request_method
        if method == b"HEAD":
            method = b"GET"
        framing, _ = _body_framing(method, response)
        if framing in ("chunked", "http/1.0"):
            headers = set_comma_header(headers, b"content-length", [])
            if self.their_http_version is None or self.their_http_version < b"1.1":
                headers = set_comma_header(headers, b"transfer-encoding", [])
                if self._request_method != b"HEAD":
                    need_close = True
            else:
                headers = set_comma_header(headers, b"transfer-encoding", [b"chunked"])
        if not self._cstate.keep_alive or need_close:
            connection = set(get_comma_header(headers, b"connection"))
            connection.discard(b"keep-alive")
            connection.add(b"close")
            headers = set_comma_header(headers, b"connection", sorted(connection))
        if headers is response.headers:
            return response
        return Response(
            headers=headers,
            status_code=response.status_code,
            http_version=response.http_version,
            reason=response.reason,
        )
