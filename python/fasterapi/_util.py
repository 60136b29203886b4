"""Shared pieces of the h11-compatible API: sentinels and the protocol errors.

The names, the sentinel design and the error semantics follow h11 (MIT licensed,
https://github.com/python-hyper/h11) so that code written for h11 runs unchanged.
"""

from typing import Any, Dict, NoReturn, Tuple, Type, TypeVar, Union

__all__ = ["ProtocolError", "LocalProtocolError", "RemoteProtocolError", "Sentinel", "bytesify"]


class ProtocolError(Exception):
    """A violation of the protocol; see :class:`LocalProtocolError` and :class:`RemoteProtocolError`.

    ``error_status_hint`` is the status a server could answer with (400 by default; 431 for a
    head that is too large, 501 for an unsupported transfer coding, …).
    """

    def __init__(self, msg: str, error_status_hint: int = 400) -> None:
        if type(self) is ProtocolError:
            raise TypeError("tried to directly instantiate ProtocolError")
        Exception.__init__(self, msg)
        self.error_status_hint = error_status_hint


class LocalProtocolError(ProtocolError):
    """You tried to do something the protocol forbids (sending an event at the wrong time, …)."""

    def _reraise_as_remote_protocol_error(self) -> NoReturn:
        self.__class__ = RemoteProtocolError  # type: ignore[assignment]
        raise self


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol: close the connection (a server may answer first, with
    ``error_status_hint`` as the status)."""


_T = TypeVar("_T", bound="Sentinel")


class Sentinel(type):
    """A class that is its own type: ``type(CLIENT) is CLIENT`` (h11's sentinel design)."""

    def __new__(
        cls: Type[_T], name: str, bases: Tuple[type, ...], namespace: Dict[str, Any], **kwds: Any
    ) -> _T:
        assert bases == (Sentinel,)
        v = super().__new__(cls, name, bases, namespace, **kwds)
        v.__class__ = v  # type: ignore[assignment]
        return v

    def __repr__(self) -> str:
        return self.__name__


def bytesify(s: Union[bytes, bytearray, memoryview, int, str]) -> bytes:
    """``s`` as bytes: str is encoded as ASCII; int is refused."""
    if type(s) is bytes:
        return s
    if isinstance(s, str):
        s = s.encode("ascii")
    if isinstance(s, int):
        raise TypeError("expected bytes-like object, not int")
    return bytes(s)
