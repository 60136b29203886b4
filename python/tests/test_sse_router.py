"""fasterapi.sse and fasterapi.router: spec vectors, split input, round trips, errors."""

import doctest

import pytest

import fasterapi.router
import fasterapi.sse
from fasterapi.router import NoMatch, RouteError, Router
from fasterapi.sse import Comment, EventParser, Retry, ServerSentEvent, SseError, encode

# The examples of the HTML standard, §9.2.6 (event stream interpretation).
STREAM = (
    b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
    b"data:  third event\n\ndata\n\ndata\ndata\n\ndata:\n\nevent: add\ndata: 73857293\r\n\r"
    b"retry: 2500\nretry: x\ndata: YHOO\ndata: +2\ndata: 10\n\n"
)
EXPECTED = [
    ServerSentEvent("message", "first event", "1"),
    ServerSentEvent("message", "second event", ""),
    ServerSentEvent("message", " third event", ""),
    ServerSentEvent("message", "", ""),
    ServerSentEvent("message", "\n", ""),
    ServerSentEvent("message", "", ""),
    ServerSentEvent("add", "73857293", ""),
    Retry(2500),
    ServerSentEvent("message", "YHOO\n+2\n10", ""),
]


def test_doctests():
    assert doctest.testmod(fasterapi.sse).failed == 0
    assert doctest.testmod(fasterapi.router).failed == 0


def test_spec_stream_whole_and_split():
    assert EventParser().feed(STREAM) == EXPECTED
    p = EventParser()
    got = []
    for i in range(len(STREAM)):
        got.extend(p.feed(STREAM[i : i + 1]))
    assert got == EXPECTED
    for cut in range(1, len(STREAM)):
        p = EventParser()
        assert p.feed(STREAM[:cut]) + p.feed(STREAM[cut:]) == EXPECTED


def test_comments_last_event_id_and_finish():
    p = EventParser(last_event_id="41", comments=True)
    assert p.feed(b": hi\ndata: x\n\n") == [Comment(" hi"), ServerSentEvent("message", "x", "41")]
    assert p.feed(b"id: 42\ndata: done\n\n") == [ServerSentEvent("message", "done", "42")]
    assert p.last_event_id == "42"
    assert p.feed(b"id: 43\ndata: partial") == []
    assert p.finish() is True  # the incomplete event is dropped


def test_encode_round_trip():
    for data, event, id_ in [("one", None, None), ("multi\nline\r\ndata", "upd", "9"), ("", "e", "")]:
        wire = encode(data, event=event, id=id_)
        (ev,) = EventParser().feed(wire)
        assert ev.data == data.replace("\r\n", "\n") and ev.event == (event or "message")
    assert encode(retry=1000) == b"retry: 1000\n\n"
    with pytest.raises(SseError):
        encode("x", event="bad\nname")


def test_line_limit():
    p = EventParser()
    with pytest.raises(SseError):
        p.feed(b"data: " + b"x" * (2 << 20))


def test_router():
    r = Router()
    r.insert("GET", "/users/{id}", "show")
    r.insert("POST", "/users", "create")
    r.insert("GET", "/users/me", "me")
    r.insert("*", "/static/{*path}", "static")
    with pytest.raises(RouteError):
        r.insert("GET", "/users/{name}", "conflict")
    with pytest.raises(RouteError):
        r.insert("GET", "no-slash", "x")
    assert r.at("GET", "/users/caf%C3%A9") == ("show", {"id": "café"})
    assert r.at("GET", "/users/caf%C3%A9", decode=False) == ("show", {"id": "caf%C3%A9"})
    assert r.at("GET", "/users/me") == ("me", {})
    assert r.at("DELETE", "/static/a/b.css") == ("static", {"path": "a/b.css"})
    with pytest.raises(NoMatch) as e:
        r.at("GET", "/nope")
    assert e.value.status == 404
    with pytest.raises(NoMatch) as e:
        r.at("DELETE", "/users")
    assert e.value.status == 405 and "POST" in e.value.allowed
    with pytest.raises(RouteError):
        r.insert("GET", "/late", "frozen")
