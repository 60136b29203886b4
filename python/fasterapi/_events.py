"""h11's event classes and header list, with the same fields, validation and equality.

Events from the parser skip the validation the Rust parser already did (``_parsed``); events
you build to send are validated as h11 validates them.
"""

import re
from typing import Any, Dict, Iterable, List, Sequence, Tuple, Union, overload

from ._util import LocalProtocolError, bytesify

__all__ = [
    "Event",
    "Request",
    "InformationalResponse",
    "Response",
    "Data",
    "EndOfMessage",
    "ConnectionClosed",
    "Headers",
]

_token = rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
_field_vchar = rb"[^\x00\s]"
_field_name_re = re.compile(_token)
_field_value_re = re.compile(rb"(" + _field_vchar + rb"+(?:[ \t]+" + _field_vchar + rb"+)*)?")
_method_re = re.compile(_token)
_target_re = re.compile(rb"[\x21-\x7e]+")
_content_length_re = re.compile(rb"[0-9]+")
_CONTENT_LENGTH_MAX_DIGITS = 20

HeaderTypes = Union[
    List[Tuple[bytes, bytes]], List[Tuple[bytes, str]], List[Tuple[str, bytes]], List[Tuple[str, str]]
]


def _validate(regex: "re.Pattern[bytes]", data: bytes, msg: str) -> None:
    if regex.fullmatch(data) is None:
        raise LocalProtocolError(msg)


class Headers(Sequence[Tuple[bytes, bytes]]):
    """A list of ``(lowercased_name, value)`` pairs; :meth:`raw_items` keeps the received case."""

    __slots__ = ("_full_items", "_comma")

    def __init__(self, full_items: List[Tuple[bytes, bytes, bytes]]) -> None:
        self._full_items = full_items
        self._comma: Any = None  # the framing fields' elements, computed once (get_comma_header)

    def __bool__(self) -> bool:
        return bool(self._full_items)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other)  # type: ignore[call-overload]

    def __len__(self) -> int:
        return len(self._full_items)

    def __repr__(self) -> str:
        return "<Headers(%s)>" % repr(list(self))

    @overload
    def __getitem__(self, idx: int) -> Tuple[bytes, bytes]: ...

    @overload
    def __getitem__(self, idx: slice) -> List[Tuple[bytes, bytes]]: ...

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, slice):
            return [(n, v) for _, n, v in self._full_items[idx]]
        _, name, value = self._full_items[idx]
        return (name, value)

    def __iter__(self) -> Any:
        for _, name, value in self._full_items:
            yield (name, value)

    def raw_items(self) -> List[Tuple[bytes, bytes]]:
        """The fields as ``(name as received, value)``."""
        return [(raw, value) for raw, _, value in self._full_items]

    def get(self, name: bytes, default: Any = None) -> Any:
        """The value of the first field named ``name`` (lowercase bytes), or ``default``."""
        for _, n, v in self._full_items:
            if n == name:
                return v
        return default


def normalize_and_validate(headers: Any, _parsed: bool = False) -> Headers:
    """Validates fields as h11 does (Content-Length and Transfer-Encoding rules included)."""
    new_headers = []
    seen_content_length = None
    saw_transfer_encoding = False
    items: Iterable[Tuple[Any, Any, Any]]
    if isinstance(headers, Headers):
        items = headers._full_items
    elif _parsed:
        items = headers
    else:
        items = ((n, None, v) for n, v in headers)
    for raw_name, name, value in items:
        if not _parsed:
            raw_name = bytesify(raw_name)
            value = bytesify(value)
            if _field_name_re.fullmatch(raw_name) is None:
                raise LocalProtocolError("Illegal header name {!r}".format(raw_name))
            if _field_value_re.fullmatch(value) is None:
                raise LocalProtocolError("Illegal header value {!r}".format(value))
            name = raw_name.lower()
        if name == b"content-length":
            lengths = {length.strip() for length in value.split(b",")}
            if len(lengths) != 1:
                raise LocalProtocolError("conflicting Content-Length headers")
            value = lengths.pop()
            _validate(_content_length_re, value, "bad Content-Length")
            if len(value) > _CONTENT_LENGTH_MAX_DIGITS:
                raise LocalProtocolError("bad Content-Length")
            if seen_content_length is None:
                seen_content_length = value
                new_headers.append((raw_name, name, value))
            elif seen_content_length != value:
                raise LocalProtocolError("conflicting Content-Length headers")
        elif name == b"transfer-encoding":
            if saw_transfer_encoding:
                raise LocalProtocolError("multiple Transfer-Encoding headers", error_status_hint=501)
            value = value.lower()
            if value != b"chunked":
                raise LocalProtocolError(
                    "Only Transfer-Encoding: chunked is supported", error_status_hint=501
                )
            saw_transfer_encoding = True
            new_headers.append((raw_name, name, value))
        else:
            new_headers.append((raw_name, name, value))
    return Headers(new_headers)


_COMMA_FIELDS = frozenset((b"connection", b"upgrade", b"expect", b"transfer-encoding", b"content-length"))


def _comma_elements(headers: Headers, name: bytes) -> List[bytes]:
    out: List[bytes] = []
    for _, found_name, found_raw_value in headers._full_items:
        if found_name == name:
            for v in found_raw_value.lower().split(b","):
                v = v.strip()
                if v:
                    out.append(v)
    return out


def comma_fields(headers: Headers) -> Dict[bytes, List[bytes]]:
    """The elements of the framing fields (Connection, Upgrade, Expect, Transfer-Encoding,
    Content-Length), lowercased, split once per header list. Do not modify the lists."""
    cache = headers._comma
    if cache is None:
        cache = {}
        for _, name, value in headers._full_items:
            if name in _COMMA_FIELDS:
                elements = cache.get(name)
                if elements is None:
                    elements = cache[name] = []
                for v in value.lower().split(b","):
                    v = v.strip()
                    if v:
                        elements.append(v)
        headers._comma = cache
    return cache


def get_comma_header(headers: Headers, name: bytes) -> List[bytes]:
    """All comma-separated elements of the fields named ``name``, lowercased."""
    if name not in _COMMA_FIELDS:
        return _comma_elements(headers, name)
    return list(comma_fields(headers).get(name, ()))


def set_comma_header(headers: Headers, name: bytes, new_values: List[bytes]) -> Headers:
    """``headers`` with the fields named ``name`` replaced by one field per value."""
    new_headers: List[Tuple[bytes, bytes]] = []
    for raw, found, value in headers._full_items:
        if found != name:
            new_headers.append((raw, value))
    for v in new_values:
        new_headers.append((name.title(), v))
    return normalize_and_validate(new_headers)


class Event:
    """Base class of the events."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("events are immutable (cannot assign to field {!r})".format(name))

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    def __repr__(self) -> str:
        fields = ", ".join("{}={!r}".format(f, getattr(self, f)) for f in self.__slots__)
        return "{}({})".format(type(self).__name__, fields)

    __hash__ = None  # type: ignore[assignment]


_set = object.__setattr__
_new = object.__new__


class Request(Event):
    """A request head: ``method``, ``target``, ``headers``, ``http_version`` (bytes)."""

    __slots__ = ("method", "headers", "target", "http_version")
    method: bytes
    headers: Headers
    target: bytes
    http_version: bytes

    def __init__(
        self,
        *,
        method: Union[bytes, str],
        headers: Union[Headers, HeaderTypes],
        target: Union[bytes, str],
        http_version: Union[bytes, str] = b"1.1",
        _parsed: bool = False,
    ) -> None:
        if isinstance(headers, Headers):
            _set(self, "headers", headers)
        else:
            _set(self, "headers", normalize_and_validate(headers, _parsed=_parsed))
        _set(self, "method", bytesify(method))
        _set(self, "target", bytesify(target))
        _set(self, "http_version", bytesify(http_version))
        host_count = 0
        for _, name, _ in self.headers._full_items:
            if name == b"host":
                host_count += 1
        if self.http_version == b"1.1" and host_count == 0:
            raise LocalProtocolError("Missing mandatory Host: header")
        if host_count > 1:
            raise LocalProtocolError("Found multiple Host: headers")
        if not _parsed:
            _validate(_method_re, self.method, "Illegal method characters")
            _validate(_target_re, self.target, "Illegal target characters")


class _ResponseBase(Event):
    __slots__ = ("headers", "http_version", "reason", "status_code")
    headers: Headers
    http_version: bytes
    reason: bytes
    status_code: int

    def __init__(
        self,
        *,
        headers: Union[Headers, HeaderTypes],
        status_code: int,
        http_version: Union[bytes, str] = b"1.1",
        reason: Union[bytes, str] = b"",
        _parsed: bool = False,
    ) -> None:
        if isinstance(headers, Headers):
            _set(self, "headers", headers)
        else:
            _set(self, "headers", normalize_and_validate(headers, _parsed=_parsed))
        if not _parsed:
            if not isinstance(status_code, int):
                raise LocalProtocolError("status code must be integer")
            status_code = int(status_code)
            _set(self, "reason", bytesify(reason))
            _set(self, "http_version", bytesify(http_version))
        else:
            _set(self, "reason", reason)
            _set(self, "http_version", http_version)
        _set(self, "status_code", status_code)
        self._check()

    def _check(self) -> None:
        pass


class InformationalResponse(_ResponseBase):
    """A 1xx response head."""

    __slots__ = ()

    def _check(self) -> None:
        if not (100 <= self.status_code < 200):
            raise LocalProtocolError(
                "InformationalResponse status_code should be in range "
                "[100, 200), not {}".format(self.status_code)
            )


class Response(_ResponseBase):
    """A final response head (status 200..999)."""

    __slots__ = ()

    def _check(self) -> None:
        if not (200 <= self.status_code < 1000):
            raise LocalProtocolError(
                "Response status_code should be in range [200, 1000), not {}".format(self.status_code)
            )


class Data(Event):
    """A piece of a message body; ``chunk_start``/``chunk_end`` mark chunk boundaries."""

    __slots__ = ("data", "chunk_start", "chunk_end")
    data: bytes
    chunk_start: bool
    chunk_end: bool

    def __init__(self, data: Any, chunk_start: bool = False, chunk_end: bool = False) -> None:
        _set(self, "data", data)
        _set(self, "chunk_start", chunk_start)
        _set(self, "chunk_end", chunk_end)


class EndOfMessage(Event):
    """The end of a message, with the trailer fields of a chunked body."""

    __slots__ = ("headers",)
    headers: Headers

    def __init__(self, *, headers: Union[Headers, HeaderTypes, None] = None, _parsed: bool = False) -> None:
        if headers is None:
            headers = Headers([])
        elif not isinstance(headers, Headers):
            headers = normalize_and_validate(headers, _parsed=_parsed)
        _set(self, "headers", headers)


class ConnectionClosed(Event):
    """The peer closed its side of the connection."""

    __slots__ = ()


def _parsed_request(method: bytes, target: bytes, version: bytes, items: list, hosts: int, framing: bool) -> Request:
    """A Request from the Rust parser: fields already validated there; ``hosts`` counts the
    Host fields and ``framing`` says whether Content-Length or Transfer-Encoding is present."""
    r = _new(Request)
    headers = normalize_and_validate(items, _parsed=True) if framing else Headers(items)
    _set(r, "headers", headers)
    _set(r, "method", method)
    _set(r, "target", target)
    _set(r, "http_version", version)
    if hosts == 0 and version == b"1.1":
        raise LocalProtocolError("Missing mandatory Host: header")
    if hosts > 1:
        raise LocalProtocolError("Found multiple Host: headers")
    return r


def _parsed_response(status: int, reason: bytes, version: bytes, items: list, hosts: int, framing: bool) -> _ResponseBase:
    cls = InformationalResponse if status < 200 else Response
    r = _new(cls)
    _set(r, "headers", normalize_and_validate(items, _parsed=True) if framing else Headers(items))
    _set(r, "status_code", status)
    _set(r, "reason", reason)
    _set(r, "http_version", version)
    return r
