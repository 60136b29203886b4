"""Server-sent events (the HTML ``text/event-stream`` format) on the Rust codec.

>>> from fasterapi.sse import EventParser, encode
>>> p = EventParser()
>>> p.feed(b"event: tick\\ndata: 1\\n\\n")
[ServerSentEvent(event='tick', data='1', id='')]
>>> encode("a\\nb", event="update", id="7")
b'event: update\\nid: 7\\ndata: a\\ndata: b\\n\\n'
"""

from typing import List, NamedTuple, Optional, Union

from . import _fasterapi

__all__ = ["EventParser", "ServerSentEvent", "Retry", "Comment", "encode", "comment", "SseError", "KEEP_ALIVE"]

SseError = _fasterapi.SseError
KEEP_ALIVE = b":\n\n"


class ServerSentEvent(NamedTuple):
    """A dispatched event: its type (``message`` by default), data and last event ID."""

    event: str
    data: str
    id: str


class Retry(NamedTuple):
    """A ``retry:`` field: the reconnection time in milliseconds."""

    milliseconds: int


class Comment(NamedTuple):
    """A comment line (reported only with ``comments=True``)."""

    text: str


class EventParser:
    """The stream parser: :meth:`feed` chunks of the body, of any size; the events do not
    depend on how the stream was split. Limits on line and event size raise :class:`SseError`."""

    def __init__(self, last_event_id: str = "", comments: bool = False) -> None:
        self._p = _fasterapi.SseParser(last_event_id, comments)

    def feed(self, data: bytes) -> List[Union[ServerSentEvent, Retry, Comment]]:
        out: List[Union[ServerSentEvent, Retry, Comment]] = []
        for t in self._p.feed(data if type(data) is bytes else bytes(data)):
            if t[0] == "event":
                out.append(ServerSentEvent(t[1], t[2], t[3]))
            elif t[0] == "retry":
                out.append(Retry(t[1]))
            else:
                out.append(Comment(t[1]))
        return out

    def finish(self) -> bool:
        """The stream ended: whether an incomplete event was dropped."""
        return self._p.finish()

    @property
    def last_event_id(self) -> str:
        return self._p.last_event_id


def encode(data: Optional[str] = None, event: Optional[str] = None, id: Optional[str] = None,
           retry: Optional[int] = None) -> bytes:
    """One event block; multi-line data becomes several ``data:`` lines."""
    return _fasterapi.sse_encode(data, event, id, retry)


def comment(text: str) -> bytes:
    """A comment block (keeps idle connections open)."""
    if "\n" in text or "\r" in text:
        raise SseError("a comment cannot contain a line break")
    return b": " + text.encode() + b"\n\n"
