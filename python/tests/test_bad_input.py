"""Random mutations of valid inputs (fixed seed, bounded): every entry point answers with its
documented exception or events, never another exception (a Rust panic would surface as
pyo3_runtime.PanicException and fail here)."""

import random

from fasterapi import _fasterapi
from fasterapi import http1 as fh
from fasterapi import sse
from fasterapi import websocket as fw

SEEDS = [
    b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: y\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204 No Content\r\n\r\n",
]


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randint(0, 3)
        i = rng.randrange(len(b) or 1)
        if op == 0 and b:
            b[i] = rng.randrange(256)
        elif op == 1:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2 and b:
            del b[i : i + rng.randint(1, 8)]
        else:
            b[i:i] = rng.choice([b"\r\n", b"\n", b":", b" ", b"\x00", b"chunked", b"999999999999999999999"])
    return bytes(b)


def drain(conn):
    for _ in range(100):
        ev = conn.next_event()
        if ev is fh.NEED_DATA or ev is fh.PAUSED:
            return
        if isinstance(ev, fh.ConnectionClosed):
            return


def test_http1_connection_mutations():
    rng = random.Random(1234)
    for n in range(1500):
        data = mutate(rng, rng.choice(SEEDS))
        role = fh.SERVER if data.startswith((b"GET", b"POST")) or rng.random() < 0.5 else fh.CLIENT
        conn = fh.Connection(role)
        try:
            if role is fh.CLIENT:
                conn.send(fh.Request(method="GET", target="/", headers=[("Host", "a")]))
                conn.send(fh.EndOfMessage())
            cut = rng.randrange(len(data) + 1)
            pieces = [p for p in (data[:cut], data[cut:]) if p] + [b""]  # b"" is the EOF
            for piece in pieces:
                conn.receive_data(piece)
                drain(conn)
        except fh.RemoteProtocolError as e:
            assert 400 <= e.error_status_hint <= 505
        except fh.LocalProtocolError:
            pass  # our own follow-up send in a state the mutated exchange left


def test_http1_server_fast_path_mutations():
    rng = random.Random(99)
    for _ in range(1500):
        data = mutate(rng, rng.choice(SEEDS[:2]))
        conn = _fasterapi.Http1Server()
        try:
            for ev in conn.receive(data):
                if ev[0] == 2 and conn.awaiting_response:
                    conn.respond(200, [(b"content-length", b"0")], None)
            conn.receive(b"")
        except _fasterapi.Http1Error as e:
            assert 400 <= e.args[1] <= 505 or e.args[1] == 500
            out = conn.take_output()
            assert out == b"" or out.startswith(b"HTTP/1.1 ")


def test_websocket_mutations():
    rng = random.Random(7)
    good = bytes([0x81, 0x85, 1, 2, 3, 4]) + bytes(b ^ k for b, k in zip(b"hello", b"\x01\x02\x03\x04\x01"))
    good += bytes([0x89, 0x80, 0, 0, 0, 0]) + bytes([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8])
    for _ in range(1500):
        conn = fw.Connection(fw.ConnectionType.SERVER)
        conn.receive_data(mutate(rng, good))
        for ev in conn.events():
            assert isinstance(ev, (fw.TextMessage, fw.BytesMessage, fw.Ping, fw.Pong, fw.CloseConnection))
            if isinstance(ev, fw.CloseConnection):
                assert 1000 <= ev.code <= 4999


def test_sse_mutations():
    rng = random.Random(5)
    stream = b"event: a\ndata: 1\nid: 7\nretry: 10\n\n: c\ndata: x\r\n\r\n"
    for _ in range(1500):
        p = sse.EventParser(comments=True)
        try:
            p.feed(mutate(rng, stream))
            p.finish()
        except sse.SseError:
            pass


def test_rust_panic_becomes_exception():
    """A panic inside the extension is an exception, not an abort of the interpreter."""
    import pytest

    with pytest.raises(BaseException) as info:
        _fasterapi._panic_for_tests("deliberate")
    assert type(info.value).__name__ == "PanicException"
    assert "deliberate" in str(info.value)
    # and the module still works afterwards
    assert _fasterapi.Http1Server().receive(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")[0][1] == "GET"
