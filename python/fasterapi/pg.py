"""A sans-IO PostgreSQL client on the Rust ``fasterapi-pgwire`` machine.

``Connection`` does no I/O: feed it what the socket received with ``receive_data``, send what
``data_to_send`` returns, read events with ``next_event``. Startup (including SCRAM-SHA-256
authentication) begins at construction. ``query(sql)`` and ``execute(sql, params)`` return a
request id that every result event carries; each request ends with ``Done``, ``Failed`` or
``Aborted``. Values arrive in PostgreSQL's text format and are decoded to Python types from the
column's type oid (see ``decode``).

``connect(host, port, ...)`` gives a small blocking ``Client`` that drives a ``Connection``
over a TCP socket.
"""

from __future__ import annotations

import datetime
import decimal
import json
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from fasterapi._fasterapi import PgConnection, PgProtocolError

__all__ = [
    "Aborted",
    "Client",
    "Columns",
    "CommandComplete",
    "Connection",
    "DatabaseError",
    "Done",
    "EmptyQuery",
    "Event",
    "Failed",
    "Notice",
    "Notification",
    "ParameterStatus",
    "PgProtocolError",
    "Ready",
    "Rows",
    "connect",
    "decode",
]


class DatabaseError(Exception):
    """A server ErrorResponse: ``sqlstate`` (e.g. ``"42P01"``), ``severity``, ``message``
    and every field by its one-letter code in ``fields``."""

    def __init__(self, sqlstate: str, severity: str, message: str, fields: Dict[str, str]):
        super().__init__(f"{severity} {sqlstate}: {message}")
        self.sqlstate = sqlstate
        self.severity = severity
        self.message = message
        self.fields = fields


def _db_error(t: Tuple[str, str, str, List[Tuple[str, str]]]) -> DatabaseError:
    return DatabaseError(t[0], t[1], t[2], dict(t[3]))


@dataclass
class Ready:
    """The session is ready for requests."""

    protocol: str
    process_id: int


@dataclass
class ParameterStatus:
    """A run-time parameter's value (at startup and on every change)."""

    name: str
    value: str


@dataclass
class Notice:
    """A NoticeResponse (a warning or a notice)."""

    notice: DatabaseError


@dataclass
class Notification:
    """A NOTIFY on a channel this session LISTENs to."""

    process_id: int
    channel: str
    payload: str


@dataclass
class Columns:
    """The columns of the rows that follow for ``request_id``: ``(name, type oid)`` pairs."""

    request_id: int
    columns: List[Tuple[str, int]]


@dataclass
class Rows:
    """Rows of ``request_id``, each a tuple of decoded values (``None`` for NULL)."""

    request_id: int
    rows: List[Tuple[Any, ...]]


@dataclass
class CommandComplete:
    """One statement of ``request_id`` finished with this command tag (``SELECT 3``)."""

    request_id: int
    tag: str


@dataclass
class EmptyQuery:
    """A statement of ``request_id`` was empty."""

    request_id: int


@dataclass
class Done:
    """``request_id`` finished; ``status`` is the transaction status (``I``, ``T``, ``E``)
    for requests that end at ReadyForQuery, else ``None``."""

    request_id: int
    status: Optional[str]


@dataclass
class Failed:
    """``request_id`` failed with ``error``."""

    request_id: int
    error: DatabaseError


@dataclass
class Aborted:
    """``request_id`` never ran: an earlier request in its pipeline failed."""

    request_id: int


@dataclass
class Other:
    """An event this module does not model yet (COPY, a suspended portal), as its Rust debug
    form."""

    description: str


Event = Union[
    Ready, ParameterStatus, Notice, Notification, Columns, Rows, CommandComplete, EmptyQuery,
    Done, Failed, Aborted, Other,
]


def _bool(s: str) -> bool:
    return s == "t"


def _bytea(s: str) -> bytes:
    if s.startswith("\\x"):
        return bytes.fromhex(s[2:])
    raise ValueError("bytea not in hex format")


def _timestamptz(s: str) -> datetime.datetime:
    # PostgreSQL gives "+00" offsets; Python 3.11's fromisoformat takes them.
    return datetime.datetime.fromisoformat(s)


_DECODERS: Dict[int, Callable[[str], Any]] = {
    16: _bool,
    17: _bytea,
    20: int,
    21: int,
    23: int,
    26: int,
    114: json.loads,
    700: float,
    701: float,
    1082: datetime.date.fromisoformat,
    1083: datetime.time.fromisoformat,
    1114: datetime.datetime.fromisoformat,
    1184: _timestamptz,
    1700: decimal.Decimal,
    2950: uuid.UUID,
    3802: json.loads,
}


def decode(type_oid: int, value: Optional[bytes]) -> Any:
    """One text-format value as a Python object: bool, int (int2/4/8, oid), float
    (float4/8, including ``nan``/``inf``), ``decimal.Decimal`` (numeric), bytes (bytea),
    ``datetime`` date/time/timestamp/timestamptz, ``uuid.UUID``, json/jsonb parsed; any other
    type as its text (``str``)."""
    if value is None:
        return None
    text = value.decode("utf-8")
    f = _DECODERS.get(type_oid)
    if f is None:
        return text
    if type_oid in (700, 701):
        return float(text.replace("Infinity", "inf"))
    return f(text)


class Connection:
    """A sans-IO PostgreSQL client connection (protocol 3.2, falling back to 3.0)."""

    def __init__(self, user: str, database: Optional[str] = None,
                 password: Optional[str] = None, application_name: Optional[str] = None):
        self._conn = PgConnection(user, database, password, application_name)
        self._columns: Dict[int, List[Tuple[str, int]]] = {}

    def receive_data(self, data: bytes) -> None:
        """Feeds bytes the server sent; ``b""`` when it closed the connection. Raises
        ``PgProtocolError`` on a protocol violation (the connection is then unusable)."""
        self._conn.receive_data(data)

    def data_to_send(self) -> bytes:
        """Everything queued for the server."""
        return self._conn.data_to_send()

    def next_event(self) -> Optional[Event]:
        """The next event, or ``None`` when more input is needed."""
        t = self._conn.next_event()
        if t is None:
            return None
        kind = t[0]
        if kind == "rows":
            cols = self._columns.get(t[1], [])
            oids = [c[1] for c in cols]
            rows = [tuple(decode(oids[i] if i < len(oids) else 25, v) for i, v in enumerate(r))
                    for r in t[2]]
            return Rows(t[1], rows)
        if kind == "columns":
            self._columns[t[1]] = list(t[2])
            return Columns(t[1], list(t[2]))
        if kind == "command_complete":
            return CommandComplete(t[1], t[2])
        if kind in ("done", "failed", "aborted"):
            self._columns.pop(t[1], None)
            if kind == "done":
                return Done(t[1], t[2])
            if kind == "failed":
                return Failed(t[1], _db_error(t[2]))
            return Aborted(t[1])
        if kind == "ready":
            return Ready(t[1], t[2])
        if kind == "parameter_status":
            return ParameterStatus(t[1], t[2])
        if kind == "notice":
            return Notice(_db_error(t[1]))
        if kind == "notification":
            return Notification(t[1], t[2], t[3])
        if kind == "empty_query":
            return EmptyQuery(t[1])
        return Other(repr(t))

    def query(self, sql: str) -> int:
        """Sends a simple query (one or more statements); returns its request id."""
        return self._conn.query(sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Sends ``sql`` with ``$1``… parameters through the extended protocol (prepared once
        per connection, then reused); returns its request id. Parameters go as text: ``None``
        is NULL, bytes are sent as given, ``bool`` as ``t``/``f``, anything else as ``str()``.
        Call ``sync()`` after one or several (a pipeline)."""
        return self._conn.execute(sql, [_encode(p) for p in params])

    def sync(self) -> int:
        """Ends a pipeline; returns the Sync's request id (its ``Done`` carries the transaction
        status)."""
        return self._conn.sync()

    def close(self) -> None:
        """Queues a Terminate."""
        self._conn.close()

    @property
    def is_ready(self) -> bool:
        """Whether the session accepts requests."""
        return self._conn.is_ready

    @property
    def pending_requests(self) -> int:
        """Requests sent whose last event has not arrived."""
        return self._conn.pending_requests


def _encode(p: Any) -> Optional[bytes]:
    if p is None:
        return None
    if isinstance(p, (bytes, bytearray)):
        return bytes(p)
    if isinstance(p, bool):
        return b"t" if p else b"f"
    if isinstance(p, (dict, list)):
        return json.dumps(p).encode()
    return str(p).encode()


@dataclass
class Result:
    """What one request returned: its columns, rows and command tags."""

    columns: List[Tuple[str, int]] = field(default_factory=list)
    rows: List[Tuple[Any, ...]] = field(default_factory=list)
    tags: List[str] = field(default_factory=list)


class Client:
    """A blocking client: a ``Connection`` driven over a connected socket."""

    def __init__(self, sock: socket.socket, conn: Connection):
        self.sock = sock
        self.conn = conn
        self.process_id: Optional[int] = None
        self.parameters: Dict[str, str] = {}
        self._flush()
        while self.process_id is None:
            ev = self._next()
            if isinstance(ev, Ready):
                self.process_id = ev.process_id

    def _flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def _next(self) -> Event:
        while True:
            ev = self.conn.next_event()
            if ev is not None:
                if isinstance(ev, ParameterStatus):
                    self.parameters[ev.name] = ev.value
                return ev
            self._flush()
            data = self.sock.recv(65536)
            self.conn.receive_data(data)
            if not data:
                ev = self.conn.next_event()
                if ev is not None:
                    return ev
                raise ConnectionError("the server closed the connection")

    def wait(self, request_id: int) -> Result:
        """Reads events until ``request_id`` ends; raises ``DatabaseError`` if it failed."""
        self._flush()
        result = Result()
        while True:
            ev = self._next()
            if getattr(ev, "request_id", None) != request_id:
                continue
            if isinstance(ev, Columns):
                result.columns = ev.columns
            elif isinstance(ev, Rows):
                result.rows.extend(ev.rows)
            elif isinstance(ev, CommandComplete):
                result.tags.append(ev.tag)
            elif isinstance(ev, Done):
                return result
            elif isinstance(ev, Failed):
                raise ev.error
            elif isinstance(ev, Aborted):
                raise DatabaseError("57014", "ERROR", "aborted: an earlier request failed", {})

    def query(self, sql: str) -> Result:
        """Runs a simple query and returns its result."""
        return self.wait(self.conn.query(sql))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        """Runs one parameterized statement (execute + sync) and returns its result."""
        rid = self.conn.execute(sql, params)
        sync = self.conn.sync()
        try:
            return self.wait(rid)
        finally:
            self.wait(sync)

    def close(self) -> None:
        """Sends Terminate and closes the socket."""
        self.conn.close()
        try:
            self._flush()
        finally:
            self.sock.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(host: str, port: int, user: str, database: Optional[str] = None,
            password: Optional[str] = None, timeout: Optional[float] = 30.0) -> Client:
    """Connects over TCP (no TLS), authenticates and waits for the session to be ready."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        return Client(sock, Connection(user, database, password))
    except BaseException:
        sock.close()
        raise
