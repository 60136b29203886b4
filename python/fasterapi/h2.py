"""HTTP/2 with hyper-h2's names, on the Rust ``fasterapi-http2`` machine.

``H2Connection(config=H2Configuration(client_side=...))``, ``initiate_connection``,
``receive_data`` (returns events), ``send_headers``, ``send_data``, ``end_stream``,
``reset_stream``, ``ping``, ``close_connection``, ``data_to_send``: the same calls and event
names as the ``h2`` package, so most h2 code switches by changing its imports.

The difference that matters: flow control is acknowledged automatically. hyper-h2 needs
``acknowledge_received_data`` after every ``DataReceived`` or the peer stalls once a window is
used up; here the machine returns the credit itself when it hands out the data (half a window
at a time). ``H2Configuration(auto_flow_control=False)`` restores manual acknowledgement.

``send_data`` also takes any amount of data: it is queued and sent as the peer's windows allow,
so there is no ``local_flow_control_window`` bookkeeping either (it is there for those who
want it). Header values are bytes; ``str`` names and values are accepted on the way out.

No I/O and no asyncio here: feed bytes in, write ``data_to_send()`` out.
"""

from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from ._fasterapi import H2Core, H2Error

__all__ = [
    "H2Configuration",
    "H2Connection",
    "ErrorCodes",
    "Event",
    "RequestReceived",
    "ResponseReceived",
    "InformationalResponseReceived",
    "DataReceived",
    "TrailersReceived",
    "StreamEnded",
    "StreamReset",
    "SettingsAcknowledged",
    "RemoteSettingsChanged",
    "PingAckReceived",
    "ConnectionTerminated",
    "PriorityUpdated",
    "ProtocolError",
    "FlowControlError",
    "StreamClosedError",
    "TooManyStreamsError",
    "NoAvailableStreamIDError",
    "DenialOfServiceError",
]

Header = Tuple[Union[bytes, str], Union[bytes, str]]


class ErrorCodes:
    """RFC 9113 §7 error codes (the ``h2.errors.ErrorCodes`` values)."""

    NO_ERROR = 0x0
    PROTOCOL_ERROR = 0x1
    INTERNAL_ERROR = 0x2
    FLOW_CONTROL_ERROR = 0x3
    SETTINGS_TIMEOUT = 0x4
    STREAM_CLOSED = 0x5
    FRAME_SIZE_ERROR = 0x6
    REFUSED_STREAM = 0x7
    CANCEL = 0x8
    COMPRESSION_ERROR = 0x9
    CONNECT_ERROR = 0xA
    ENHANCE_YOUR_CALM = 0xB
    INADEQUATE_SECURITY = 0xC
    HTTP_1_1_REQUIRED = 0xD


# --- exceptions (h2.exceptions' names) ---------------------------------------------------------


class ProtocolError(Exception):
    """An HTTP/2 error. ``error_code`` is the RFC 9113 code, ``kind`` a stable snake_case name.

    Raised by ``receive_data`` it is a connection error: the machine has queued a GOAWAY with
    ``error_code``; write ``data_to_send()`` and close. Raised by an action it is local misuse
    and changed nothing.
    """

    error_code = ErrorCodes.PROTOCOL_ERROR

    def __init__(self, message: str, kind: str = "protocol", error_code: Optional[int] = None):
        super().__init__(message)
        self.kind = kind
        if error_code is not None:
            self.error_code = error_code


class FlowControlError(ProtocolError):
    """The peer sent beyond a window, or a window overflowed."""

    error_code = ErrorCodes.FLOW_CONTROL_ERROR


class StreamClosedError(ProtocolError):
    """The stream does not exist (any more) or cannot take this action in its state."""

    error_code = ErrorCodes.STREAM_CLOSED

    def __init__(self, message: str, kind: str = "invalid_stream_state", error_code: Optional[int] = None, stream_id: int = 0):
        super().__init__(message, kind, error_code)
        self.stream_id = stream_id


class TooManyStreamsError(ProtocolError):
    """The peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached; retry once a stream ends."""


class NoAvailableStreamIDError(ProtocolError):
    """Stream ids are exhausted, or a GOAWAY forbids new streams."""


class DenialOfServiceError(ProtocolError):
    """A flood defence or a size limit tripped (ENHANCE_YOUR_CALM)."""

    error_code = ErrorCodes.ENHANCE_YOUR_CALM


_KINDS = {
    "connection_window_exceeded": FlowControlError,
    "window_overflow": FlowControlError,
    "invalid_stream_state": StreamClosedError,
    "stream_closed": StreamClosedError,
    "stream_limit": TooManyStreamsError,
    "no_new_streams": NoAvailableStreamIDError,
    "flood": DenialOfServiceError,
    "header_block_too_large": DenialOfServiceError,
    "back_pressure": DenialOfServiceError,
}


def _convert(e: H2Error, stream_id: int = 0) -> ProtocolError:
    message, kind, code = e.args
    cls = _KINDS.get(kind, ProtocolError)
    if cls is StreamClosedError:
        return StreamClosedError(message, kind, code, stream_id)
    return cls(message, kind, code)


# --- configuration -----------------------------------------------------------------------------


class H2Configuration:
    """Options of an :class:`H2Connection`.

    ``client_side``: the role. ``auto_flow_control`` (default ``True``): return receive credit
    automatically; with ``False`` call ``acknowledge_received_data`` for every
    ``DataReceived.flow_controlled_length``. The other fields are the SETTINGS we announce
    (``None``: the machine's safe defaults: 1 MiB stream window, 4 MiB connection window, 100
    concurrent streams, 16 KiB frames, 16 KiB header list).
    """

    def __init__(
        self,
        client_side: bool = True,
        auto_flow_control: bool = True,
        initial_window_size: Optional[int] = None,
        connection_window_size: Optional[int] = None,
        max_concurrent_streams: Optional[int] = None,
        max_frame_size: Optional[int] = None,
        max_header_list_size: Optional[int] = None,
        header_encoding: None = None,
    ) -> None:
        if header_encoding is not None:
            raise ValueError("header_encoding is not supported: headers are bytes")
        self.client_side = client_side
        self.auto_flow_control = auto_flow_control
        self.initial_window_size = initial_window_size
        self.connection_window_size = connection_window_size
        self.max_concurrent_streams = max_concurrent_streams
        self.max_frame_size = max_frame_size
        self.max_header_list_size = max_header_list_size


# --- events (h2.events' names and attributes) --------------------------------------------------


class Event:
    """Base class of the events ``receive_data`` returns."""

    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"<{type(self).__name__} {fields}>"


class RequestReceived(Event):
    """Server: a request head on a new stream (pseudo-headers first)."""

    __slots__ = ("stream_id", "headers", "stream_ended", "priority_updated")

    def __init__(self, stream_id: int, headers: List[Tuple[bytes, bytes]]) -> None:
        self.stream_id = stream_id
        self.headers = headers
        self.stream_ended: Optional[StreamEnded] = None
        self.priority_updated = None


class ResponseReceived(Event):
    """Client: the final response head (``:status`` first)."""

    __slots__ = ("stream_id", "headers", "stream_ended", "priority_updated")

    def __init__(self, stream_id: int, headers: List[Tuple[bytes, bytes]]) -> None:
        self.stream_id = stream_id
        self.headers = headers
        self.stream_ended: Optional[StreamEnded] = None
        self.priority_updated = None


class InformationalResponseReceived(Event):
    """Client: a 1xx response head."""

    __slots__ = ("stream_id", "headers", "priority_updated")

    def __init__(self, stream_id: int, headers: List[Tuple[bytes, bytes]]) -> None:
        self.stream_id = stream_id
        self.headers = headers
        self.priority_updated = None


class DataReceived(Event):
    """A piece of a body. With automatic flow control its credit is already returned."""

    __slots__ = ("stream_id", "data", "flow_controlled_length", "stream_ended")

    def __init__(self, stream_id: int, data: bytes) -> None:
        self.stream_id = stream_id
        self.data = data
        self.flow_controlled_length = len(data)
        self.stream_ended: Optional[StreamEnded] = None


class TrailersReceived(Event):
    """Trailer fields; the stream's receive side ends (a ``StreamEnded`` follows)."""

    __slots__ = ("stream_id", "headers", "stream_ended", "priority_updated")

    def __init__(self, stream_id: int, headers: List[Tuple[bytes, bytes]]) -> None:
        self.stream_id = stream_id
        self.headers = headers
        self.stream_ended: Optional[StreamEnded] = None
        self.priority_updated = None


class StreamEnded(Event):
    """The peer finished sending on the stream."""

    __slots__ = ("stream_id",)

    def __init__(self, stream_id: int) -> None:
        self.stream_id = stream_id


class StreamReset(Event):
    """The stream was reset: by the peer (``remote_reset``) or by us for a peer's stream error."""

    __slots__ = ("stream_id", "error_code", "remote_reset")

    def __init__(self, stream_id: int, error_code: int, remote_reset: bool) -> None:
        self.stream_id = stream_id
        self.error_code = error_code
        self.remote_reset = remote_reset


class SettingsAcknowledged(Event):
    """The peer acknowledged our SETTINGS."""

    __slots__ = ()


class RemoteSettingsChanged(Event):
    """The peer's SETTINGS were applied; ``settings`` holds all of its current values."""

    __slots__ = ("settings",)

    def __init__(self, settings: Dict[str, Any]) -> None:
        self.settings = settings


class PingAckReceived(Event):
    """The answer to :meth:`H2Connection.ping`."""

    __slots__ = ("ping_data",)

    def __init__(self, ping_data: bytes) -> None:
        self.ping_data = ping_data


class ConnectionTerminated(Event):
    """The peer sent GOAWAY. Streams above ``last_stream_id`` were refused (reported first as
    ``StreamReset`` with REFUSED_STREAM; they may be retried elsewhere)."""

    __slots__ = ("error_code", "last_stream_id", "additional_data")

    def __init__(self, error_code: int, last_stream_id: int, additional_data: bytes) -> None:
        self.error_code = error_code
        self.last_stream_id = last_stream_id
        self.additional_data = additional_data


class PriorityUpdated(Event):
    """An RFC 9218 PRIORITY_UPDATE changed a stream's urgency (0-7) and incremental flag."""

    __slots__ = ("stream_id", "urgency", "incremental")

    def __init__(self, stream_id: int, urgency: int, incremental: bool) -> None:
        self.stream_id = stream_id
        self.urgency = urgency
        self.incremental = incremental


def _ended(ev: Any, out: List[Event]) -> None:
    end = StreamEnded(ev.stream_id)
    ev.stream_ended = end
    out.append(ev)
    out.append(end)


# --- the connection ----------------------------------------------------------------------------


class H2Connection:
    """One HTTP/2 connection, client or server, with hyper-h2's method names."""

    def __init__(self, config: Optional[H2Configuration] = None) -> None:
        self.config = config = config or H2Configuration()
        self.client_side = config.client_side
        self._core = H2Core(
            config.client_side,
            config.auto_flow_control,
            config.initial_window_size,
            config.connection_window_size,
            config.max_concurrent_streams,
            config.max_frame_size,
            config.max_header_list_size,
        )
        self._next_stream_id = 1
        self.remote_settings: Dict[str, Any] = {}

    # -- setup --

    def initiate_connection(self) -> None:
        """Kept for h2 compatibility: the preface and SETTINGS are queued on creation."""

    def get_next_available_stream_id(self) -> int:
        """Client: the id the next ``send_headers`` on a new stream opens."""
        return self._next_stream_id

    # -- input --

    def receive_data(self, data: bytes) -> List[Event]:
        """Feeds received bytes; returns the events they completed.

        Raises :class:`ProtocolError` (or a subclass) on a connection error; the GOAWAY to send
        is then in ``data_to_send()``.
        """
        try:
            raw = self._core.receive(data)
        except H2Error as e:
            raise _convert(e) from None
        return self._events(raw)

    def receive_eof(self) -> List[Event]:
        """The peer closed the transport. Raises :class:`ProtocolError` if streams were open."""
        try:
            raw = self._core.receive_eof()
        except H2Error as e:
            raise _convert(e) from None
        return self._events(raw)

    def handle_timeout(self) -> List[Event]:
        """Runs the SETTINGS-acknowledgement and zero-window-stall timers (call it when
        :meth:`timeout_in` says); returns the events (stalled streams are reset)."""
        try:
            raw = self._core.handle_timeout()
        except H2Error as e:
            raise _convert(e) from None
        return self._events(raw)

    def timeout_in(self) -> Optional[float]:
        """Seconds until :meth:`handle_timeout` is due, or ``None``."""
        return self._core.timeout_in()

    def _events(self, raw: List[tuple]) -> List[Event]:
        out: List[Event] = []
        append = out.append
        for t in raw:
            kind = t[0]
            if kind == 3:
                ev = DataReceived(t[1], t[2])
                if t[3]:
                    _ended(ev, out)
                else:
                    append(ev)
            elif kind == 0:
                ev = RequestReceived(t[1], t[2])
                _ended(ev, out) if t[3] else append(ev)
            elif kind == 1:
                ev = ResponseReceived(t[1], t[2])
                _ended(ev, out) if t[3] else append(ev)
            elif kind == 2:
                append(InformationalResponseReceived(t[1], t[2]))
            elif kind == 4:
                _ended(TrailersReceived(t[1], t[2]), out)
            elif kind == 5:
                append(StreamReset(t[1], t[2], t[3]))
            elif kind == 6:
                self.remote_settings = t[1]
                append(RemoteSettingsChanged(t[1]))
            elif kind == 7:
                append(SettingsAcknowledged())
            elif kind == 8:
                append(PingAckReceived(t[1]))
            elif kind == 9:
                append(ConnectionTerminated(t[1], t[2], t[3]))
            elif kind == 10:
                append(PriorityUpdated(t[1], t[2], t[3]))
        return out

    # -- actions --

    def send_headers(self, stream_id: int, headers: Iterable[Header], end_stream: bool = False) -> None:
        """Sends a field block on ``stream_id``: a request (client, new stream: ``:method``
        among the headers), a response (server: ``:status``), or trailers (neither; they end
        the stream, so ``end_stream`` must be true)."""
        if type(headers) is not list:
            headers = list(headers)
        first = headers[0][0] if headers else b""
        try:
            if self.client_side and first in (b":method", ":method"):
                if stream_id != self._next_stream_id:
                    raise ProtocolError(
                        f"the next new stream is {self._next_stream_id}, not {stream_id}",
                        "bad_stream_id",
                    )
                got = self._core.send_request(headers, end_stream)
                self._next_stream_id = got + 2
            elif not self.client_side and first in (b":status", ":status"):
                self._core.send_response(stream_id, headers, end_stream)
            else:
                if not end_stream:
                    raise ProtocolError("trailers end the stream: pass end_stream=True", "invalid_field")
                self._core.send_trailers(stream_id, headers)
        except H2Error as e:
            raise _convert(e, stream_id) from None

    def send_data(self, stream_id: int, data: bytes, end_stream: bool = False, pad_length: None = None) -> None:
        """Queues body bytes; they go out as the peer's windows allow (no size limit here)."""
        try:
            self._core.send_data(stream_id, data, end_stream)
        except H2Error as e:
            raise _convert(e, stream_id) from None

    def end_stream(self, stream_id: int) -> None:
        """Ends our side of the stream (after the queued data)."""
        self.send_data(stream_id, b"", True)

    def reset_stream(self, stream_id: int, error_code: int = 0) -> None:
        """Resets the stream with RST_STREAM ``error_code``."""
        try:
            self._core.reset_stream(stream_id, int(error_code))
        except H2Error as e:
            raise _convert(e, stream_id) from None

    def ping(self, opaque_data: bytes) -> None:
        """Sends a PING with 8 opaque bytes; a :class:`PingAckReceived` answers it."""
        try:
            self._core.ping(opaque_data)
        except H2Error as e:
            raise _convert(e) from None

    def close_connection(self, error_code: int = 0, additional_data: Optional[bytes] = None, last_stream_id: Optional[int] = None) -> None:
        """Sends GOAWAY (NO_ERROR) so that open streams finish and no new ones start.

        Only a graceful close is offered: the machine sends GOAWAY with an error code only
        for a connection error it detected itself.
        """
        if error_code != 0 or additional_data or last_stream_id is not None:
            raise ProtocolError("only a graceful close (error_code=0) is supported", "invalid_field")
        self._core.close()

    def acknowledge_received_data(self, acknowledged_size: int, stream_id: int) -> None:
        """Returns receive credit. Needed only with ``auto_flow_control=False``; with automatic
        flow control the credit is already returned and this does nothing.

        Raises :class:`ProtocolError` for more than the stream's data received and not yet
        acknowledged (the peer's window would overflow)."""
        if self.config.auto_flow_control:
            return
        try:
            self._core.acknowledge_received_data(acknowledged_size, stream_id)
        except H2Error as e:
            raise _convert(e, stream_id) from None

    def local_flow_control_window(self, stream_id: int) -> int:
        """How many octets may be sent on ``stream_id`` right now (data queued beyond it waits)."""
        try:
            return max(0, min(self._core.send_window(stream_id), self._core.send_window(None)))
        except H2Error as e:
            raise _convert(e, stream_id) from None

    @property
    def open_streams(self) -> int:
        """Streams that are open or half-closed."""
        return self._core.open_streams()

    def is_closed(self) -> bool:
        """Whether the connection is over and all its output was taken."""
        return self._core.is_closed()

    def data_to_send(self, amount: Optional[int] = None) -> bytes:
        """The bytes to write to the transport (at most ``amount``)."""
        return self._core.data_to_send(amount)
