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

from ._fasterapi import (
    ConnectionTerminated,
    DataReceived,
    Event,
    H2Core,
    H2Error,
    InformationalResponseReceived,
    PingAckReceived,
    PriorityUpdated,
    RemoteSettingsChanged,
    RequestReceived,
    ResponseReceived,
    SettingsAcknowledged,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)

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
    "WindowUpdated",
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


def _has_status(headers: List[Header]) -> bool:
    return any(name in (b":status", ":status") for name, _ in headers)


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
#
# Built in Rust (fasterapi/_fasterapi.pyi lists their attributes): immutable, all subclasses of
# Event. An event that ends a stream is followed by a StreamEnded, which it also links as
# `.stream_ended`, as in hyper-h2.


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

    @property
    def remote_settings(self) -> Dict[str, Any]:
        """The peer's settings as applied so far, by name (RFC 9113 §6.5.2 initial values
        until its SETTINGS arrives)."""
        return self._core.remote_settings()

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
            return self._core.receive(data)
        except H2Error as e:
            raise _convert(e) from None

    def receive_eof(self) -> List[Event]:
        """The peer closed the transport. Raises :class:`ProtocolError` if streams were open."""
        try:
            return self._core.receive_eof()
        except H2Error as e:
            raise _convert(e) from None

    def handle_timeout(self) -> List[Event]:
        """Runs the SETTINGS-acknowledgement and zero-window-stall timers (call it when
        :meth:`timeout_in` says); returns the events (stalled streams are reset)."""
        try:
            return self._core.handle_timeout()
        except H2Error as e:
            raise _convert(e) from None

    def timeout_in(self) -> Optional[float]:
        """Seconds until :meth:`handle_timeout` is due, or ``None``."""
        return self._core.timeout_in()

    # -- actions --

    def send_headers(self, stream_id: int, headers: Iterable[Header], end_stream: bool = False) -> None:
        """Sends a field block on ``stream_id``: a request (client, on the new stream
        ``get_next_available_stream_id()``), a response (server, ``:status`` among the
        headers; 1xx first if wanted), or trailers (otherwise; they end the stream, so
        ``end_stream`` must be true)."""
        if type(headers) is not list:
            headers = list(headers)
        try:
            if self.client_side:
                if stream_id >= self._next_stream_id:  # a new stream: the request
                    if stream_id != self._next_stream_id:
                        raise ProtocolError(
                            f"the next new stream is {self._next_stream_id}, not {stream_id}",
                            "bad_stream_id",
                        )
                    got = self._core.send_request(headers, end_stream)
                    self._next_stream_id = got + 2
                    return
            elif headers and (headers[0][0] in (b":status", ":status") or _has_status(headers)):
                self._core.send_response(stream_id, headers, end_stream)
                return
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
