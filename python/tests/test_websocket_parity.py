"""Parity with wsproto: handshakes both ways (with permessage-deflate and subprotocols), the
same frames read by wsproto and by fasterapi.websocket give the same messages, whole and split
at every byte; protocol errors close with the code wsproto uses."""

import wsproto
import wsproto.events as we
from wsproto.extensions import PerMessageDeflate as WsprotoDeflate
from wsproto.frame_protocol import FrameProtocol

import pytest

from fasterapi import websocket as fw


def messages(events):
    """Comparable (kind, payload) with wsproto's partial frames joined."""
    out = []
    buf = None
    for e in events:
        name = type(e).__name__
        if name in ("TextMessage", "BytesMessage"):
            buf = e.data if buf is None else buf + e.data
            if e.message_finished:
                out.append((name, buf))
                buf = None
        elif name in ("Ping", "Pong"):
            out.append((name, bytes(e.payload)))
        elif name == "CloseConnection":
            out.append((name, int(e.code), e.reason or ""))
    return out


def client_frames(extensions=()):
    """Frames a wsproto client sends: text, binary, fragmented text, ping, close."""
    proto = FrameProtocol(client=True, extensions=list(extensions))
    out = [
        proto.send_data("héllo wörld"),
        proto.send_data(b"\x00\x01\x02" * 50),
        proto.send_data("frag", fin=False) + proto.send_data("mented", fin=True),
        proto.ping(b"are you there"),
        proto.send_data("x" * 70000),
        proto.close(1000, "done"),
    ]
    return b"".join(out)


def wsproto_server_open(extensions=False):
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server.receive_data(client.send(we.Request(host="h", target="/")))
    list(server.events())
    server.send(we.AcceptConnection())
    return server


def fasterapi_server_open():
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = fw.WSConnection(fw.ConnectionType.SERVER)
    server.receive_data(client.send(we.Request(host="h", target="/")))
    assert [type(e).__name__ for e in server.events()] == ["Request"]
    server.send(fw.AcceptConnection())
    return server


@pytest.mark.parametrize("split", ["whole", "bytewise", "halves"])
def test_same_messages_as_wsproto(split):
    data = client_frames()
    if split == "whole":
        pieces = [data]
    elif split == "bytewise":
        pieces = [data[i : i + 1] for i in range(0, 2000)] + [data[2000:]]
    else:
        pieces = [data[: len(data) // 2], data[len(data) // 2 :]]
    ref = wsproto_server_open()
    got = fasterapi_server_open()
    ref_events, got_events = [], []
    for p in pieces:
        ref.receive_data(p)
        ref_events.extend(ref.events())
        got.receive_data(p)
        got_events.extend(got.events())
    assert messages(got_events) == messages(ref_events)
    assert len(messages(got_events)) == 6
    assert got.state == fw.ConnectionState.REMOTE_CLOSING
    assert ref.state.value == got.state.value


@pytest.mark.parametrize("with_deflate", [False, True])
def test_wsproto_client_fasterapi_server(with_deflate):
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = fw.WSConnection(fw.ConnectionType.SERVER)
    ext = [WsprotoDeflate()] if with_deflate else []
    server.receive_data(client.send(we.Request(host="h", target="/chat?x=1", subprotocols=["a", "b"], extensions=ext)))
    (req,) = list(server.events())
    assert isinstance(req, fw.Request)
    assert req.target == "/chat?x=1" and req.host == "h" and req.subprotocols == ["a", "b"]
    accept_ext = [fw.PerMessageDeflate()] if with_deflate else []
    client.receive_data(server.send(fw.AcceptConnection(subprotocol="b", extensions=accept_ext)))
    (acc,) = list(client.events())
    assert isinstance(acc, we.AcceptConnection) and acc.subprotocol == "b"
    assert bool(acc.extensions) == with_deflate
    payload = "compress me " * 200
    client.receive_data(server.send(fw.TextMessage(data=payload)) + server.send(fw.BytesMessage(data=b"\xff" * 10)))
    assert messages(client.events()) == [("TextMessage", payload), ("BytesMessage", b"\xff" * 10)]
    server.receive_data(client.send(we.TextMessage(data=payload)) + client.send(we.Ping(payload=b"1")))
    evs = list(server.events())
    assert messages(evs) == [("TextMessage", payload), ("Ping", b"1")]
    client.receive_data(server.send(evs[1].response()))
    assert messages(client.events()) == [("Pong", b"1")]
    client.receive_data(server.send(fw.CloseConnection(code=1001, reason="away")))
    (close,) = list(client.events())
    assert close.code == 1001 and close.reason == "away"
    server.receive_data(client.send(close.response()))
    assert [type(e).__name__ for e in server.events()] == ["CloseConnection"]
    assert server.state == fw.ConnectionState.CLOSED


@pytest.mark.parametrize("with_deflate", [False, True])
def test_fasterapi_client_wsproto_server(with_deflate):
    client = fw.WSConnection(fw.ConnectionType.CLIENT)
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    ext = [fw.PerMessageDeflate()] if with_deflate else []
    server.receive_data(client.send(fw.Request(host="h", target="/", subprotocols=["chat"], extensions=ext)))
    (req,) = list(server.events())
    assert req.subprotocols == ["chat"]
    accept_ext = [WsprotoDeflate()] if with_deflate else []
    out = server.send(we.AcceptConnection(subprotocol="chat", extensions=accept_ext))
    out += server.send(we.TextMessage(data="first"))  # arrives together with the 101
    client.receive_data(out)
    evs = list(client.events())
    assert isinstance(evs[0], fw.AcceptConnection) and evs[0].subprotocol == "chat"
    assert bool(evs[0].extensions) == with_deflate
    assert messages(evs[1:]) == [("TextMessage", "first")]
    server.receive_data(client.send(fw.BytesMessage(data=b"abc" * 1000)))
    assert messages(server.events()) == [("BytesMessage", b"abc" * 1000)]


def test_rejects_bad_handshake_with_status():
    server = fw.WSConnection(fw.ConnectionType.SERVER)
    with pytest.raises(fw.RemoteProtocolError) as info:
        server.receive_data(b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            b"Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n")
    assert info.value.event_hint.status_code == 400
    with pytest.raises(fw.HandshakeError) as info2:
        fw.ServerHandshake("GET", [("Host", "a"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                   ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "8")])
    assert info2.value.args[1] == 426


def test_handshake_from_any_http_layer():
    hs = fw.ServerHandshake(b"GET", [(b"Host", b"a"), (b"Upgrade", b"websocket"), (b"Connection", b"Upgrade"),
                                      (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="), (b"Sec-WebSocket-Version", b"13")])
    assert ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") in hs.response_headers  # RFC 6455 §1.3
    conn = hs.connection()
    conn.receive_data(bytes([0x81, 0x82, 1, 2, 3, 4, ord("h") ^ 1, ord("i") ^ 2]))
    assert messages(conn.events()) == [("TextMessage", "hi")]
    assert conn.send(fw.TextMessage(data="hello")) == b"\x81\x05hello"


@pytest.mark.parametrize(
    "frame, code",
    [
        (b"\x81\x02hi", 1002),  # unmasked frame from a client (§5.1)
        (bytes([0x83, 0x80, 0, 0, 0, 0]), 1002),  # reserved opcode
        (bytes([0x81, 0x82, 0, 0, 0, 0, 0xC3, 0x28]), 1007),  # invalid UTF-8
        (bytes([0x89, 0xFE, 0, 200, 0, 0, 0, 0]) + b"\x00" * 200, 1002),  # control frame > 125
    ],
)
def test_protocol_errors_close_like_wsproto(frame, code):
    ref = wsproto_server_open()
    ref.receive_data(frame)
    ref_events = list(ref.events())
    got = fasterapi_server_open()
    got.receive_data(frame)
    got_events = list(got.events())
    assert type(got_events[-1]).__name__ == "CloseConnection" == type(ref_events[-1]).__name__
    assert got_events[-1].code == code == int(ref_events[-1].code)
    # the close frame the machine answers with carries the same code
    out = got.send(got_events[-1].response())
    assert out[0] == 0x88 and int.from_bytes(out[2:4], "big") == code
