"""fasterapi.h2 against hyper-h2 (the `h2` package) as the real peer, in memory, both roles:
our client against an h2 server and an h2 client against our server. Many streams, large
bodies, trailers, resets, flow control with small windows (automatic and manual), errors."""

import h2.config
import h2.connection
import h2.events
import h2.settings
import pytest

from fasterapi import h2 as fh2


def pump(a, b, rounds=200):
    """Moves bytes both ways until both are quiet. `a`/`b` are (connection, feed) pairs, where
    feed(bytes) hands bytes to that side and collects its events. Bounded."""
    for _ in range(rounds):
        moved = False
        for (src, _), (_, feed) in ((a, b), (b, a)):
            data = src.data_to_send()
            if data:
                moved = True
                feed(data)
        if not moved:
            return
    raise AssertionError("no quiescence after %d rounds" % rounds)


class HyperPeer:
    """A hyper-h2 connection that acknowledges what it receives (as its users must)."""

    def __init__(self, client_side, window=None, acknowledge=True):
        cfg = h2.config.H2Configuration(client_side=client_side, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=cfg)
        if window is not None:
            self.conn.local_settings = h2.settings.Settings(
                client=client_side, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window}
            )
        self.conn.initiate_connection()
        self.acknowledge = acknowledge
        self.events = []
        self.pending = {}  # stream id -> bytes not yet sent (hyper-h2 needs window bookkeeping)

    def data_to_send(self):
        self.flush()
        return self.conn.data_to_send()

    def feed(self, data):
        for ev in self.conn.receive_data(data):
            self.events.append(ev)
            if isinstance(ev, h2.events.DataReceived) and self.acknowledge and ev.flow_controlled_length:
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)

    def send_body(self, stream_id, body, end=True, trailers=None):
        self.pending[stream_id] = [body, end, trailers]
        self.flush()

    def flush(self):
        for sid, item in list(self.pending.items()):
            body, end, trailers = item
            while body:
                try:
                    window = self.conn.local_flow_control_window(sid)
                except h2.exceptions.StreamClosedError:
                    del self.pending[sid]
                    break
                n = min(window, self.conn.max_outbound_frame_size, len(body))
                if n <= 0:
                    break
                self.conn.send_data(sid, body[:n])
                body = body[n:]
            item[0] = body
            if not body and sid in self.pending:
                del self.pending[sid]
                if trailers:
                    self.conn.send_headers(sid, trailers, end_stream=True)
                elif end:
                    self.conn.end_stream(sid)


class Ours:
    def __init__(self, **kw):
        self.conn = fh2.H2Connection(config=fh2.H2Configuration(**kw))
        self.conn.initiate_connection()
        self.events = []

    def data_to_send(self):
        return self.conn.data_to_send()

    def feed(self, data):
        self.events.extend(self.conn.receive_data(data))


def bodies(events, cls):
    out = {}
    for ev in events:
        if isinstance(ev, cls):
            out[ev.stream_id] = out.get(ev.stream_id, b"") + ev.data
    return out


def req_headers(i, method=b"GET"):
    return [(b":method", method), (b":scheme", b"http"), (b":authority", b"example.com"),
            (b":path", b"/item/%d" % i), (b"x-n", b"%d" % i)]


def ended(events, cls):
    return {ev.stream_id for ev in events if isinstance(ev, cls)}


def test_our_client_against_h2_server_many_streams_large_bodies_trailers():
    client = Ours(client_side=True)
    server = HyperPeer(client_side=False)
    a, b = (client, client.feed), (server, server.feed)
    pump(a, b)
    ids = []
    for i in range(40):
        sid = client.conn.get_next_available_stream_id()
        client.conn.send_headers(sid, req_headers(i, b"POST"))
        client.conn.send_data(sid, bytes([i]) * (1000 * i + 1), end_stream=True)
        ids.append(sid)
    pump(a, b)
    reqs = {ev.stream_id: ev for ev in server.events if isinstance(ev, h2.events.RequestReceived)}
    assert sorted(reqs) == ids
    got = bodies(server.events, h2.events.DataReceived)
    for i, sid in enumerate(ids):
        assert dict(reqs[sid].headers)[b":path"] == b"/item/%d" % i
        assert got[sid] == bytes([i]) * (1000 * i + 1)
    assert ended(server.events, h2.events.StreamEnded) == set(ids)
    # The server answers each with a 300 KiB body (beyond the 64 KiB default windows) and trailers.
    big = {sid: bytes([sid % 251]) * (300 * 1024) for sid in ids}
    for sid in ids:
        server.conn.send_headers(sid, [(b":status", b"200"), (b"content-type", b"x/y")])
        server.send_body(sid, big[sid], trailers=[(b"grpc-status", b"0")])
    pump(a, b, rounds=2000)
    resp = {ev.stream_id: ev.headers for ev in client.events if isinstance(ev, fh2.ResponseReceived)}
    assert sorted(resp) == ids and resp[1] == [(b":status", b"200"), (b"content-type", b"x/y")]
    assert bodies(client.events, fh2.DataReceived) == big
    trailers = {ev.stream_id: ev.headers for ev in client.events if isinstance(ev, fh2.TrailersReceived)}
    assert trailers == {sid: [(b"grpc-status", b"0")] for sid in ids}
    assert ended(client.events, fh2.StreamEnded) == set(ids)
    assert client.conn.open_streams == 0
    assert any(isinstance(ev, fh2.RemoteSettingsChanged) for ev in client.events)
    assert any(isinstance(ev, fh2.SettingsAcknowledged) for ev in client.events)


def test_h2_client_against_our_server_with_small_windows_auto_flow_control():
    # Our server announces a 1 KiB stream window and never calls acknowledge_received_data:
    # the machine returns the credit itself, so 200 KiB uploads complete.
    server = Ours(client_side=False, initial_window_size=1024)
    client = HyperPeer(client_side=True, window=2048)
    a, b = (client, client.feed), (server, server.feed)
    pump(a, b)
    uploads = {}
    for i in range(10):
        sid = client.conn.get_next_available_stream_id()
        client.conn.send_headers(sid, req_headers(i, b"PUT"))
        uploads[sid] = bytes([65 + i]) * (200 * 1024 + i)
        client.send_body(sid, uploads[sid])
    pump(a, b, rounds=5000)
    assert bodies(server.events, fh2.DataReceived) == uploads
    assert ended(server.events, fh2.StreamEnded) == set(uploads)
    reqs = [ev for ev in server.events if isinstance(ev, fh2.RequestReceived)]
    assert [dict(r.headers)[b":method"] for r in reqs] == [b"PUT"] * 10
    assert reqs[0].headers[:4] == req_headers(0, b"PUT")[:4]
    # Echo each upload back; the h2 client's window is 2 KiB, so our queue drains as it acks.
    for sid, body in uploads.items():
        server.conn.send_headers(sid, [(b":status", b"201")])
        server.conn.send_data(sid, body[::-1], end_stream=True)
    pump(a, b, rounds=5000)
    assert bodies(client.events, h2.events.DataReceived) == {k: v[::-1] for k, v in uploads.items()}
    assert ended(client.events, h2.events.StreamEnded) == set(uploads)
    assert server.conn.open_streams == 0
    # The echoes waited on the client's window: each stream was told when it could go on.
    reopened = {ev.stream_id for ev in server.events if isinstance(ev, fh2.WindowUpdated)}
    assert reopened == set(uploads)


def test_manual_flow_control_opt_out_stalls_until_acknowledged():
    server = Ours(client_side=False, initial_window_size=4096, auto_flow_control=False)
    client = HyperPeer(client_side=True)
    a, b = (client, client.feed), (server, server.feed)
    pump(a, b)
    sid = client.conn.get_next_available_stream_id()
    client.conn.send_headers(sid, req_headers(0, b"POST"))
    body = bytes(range(256)) * 80
    client.send_body(sid, body)
    pump(a, b)
    # Without acknowledgements only the first stream window arrives; the h2 client waits.
    assert len(bodies(server.events, fh2.DataReceived)[sid]) == 4096
    assert client.pending
    received = b""
    for _ in range(50):
        got = [ev for ev in server.events if isinstance(ev, fh2.DataReceived)]
        server.events.clear()
        for ev in got:
            received += ev.data
            server.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        if len(received) == len(body):
            break
        pump(a, b)
    assert received == body and not client.pending
    # Credit beyond what was received is refused (it would overflow the peer's window).
    with pytest.raises(fh2.ProtocolError):
        server.conn.acknowledge_received_data(1, sid)


def test_resets_both_ways():
    client = Ours(client_side=True)
    server = HyperPeer(client_side=False)
    a, b = (client, client.feed), (server, server.feed)
    pump(a, b)
    s1 = client.conn.get_next_available_stream_id()
    client.conn.send_headers(s1, req_headers(1))
    s3 = client.conn.get_next_available_stream_id()
    client.conn.send_headers(s3, req_headers(3))
    assert (s1, s3) == (1, 3)
    pump(a, b)
    # We reset stream 1; the h2 server resets stream 3.
    client.conn.reset_stream(s1, fh2.ErrorCodes.CANCEL)
    server.conn.reset_stream(s3, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
    pump(a, b)
    resets = [ev for ev in server.events if isinstance(ev, h2.events.StreamReset)]
    assert [(r.stream_id, r.error_code) for r in resets] == [(1, h2.errors.ErrorCodes.CANCEL)]
    ours = [ev for ev in client.events if isinstance(ev, fh2.StreamReset)]
    assert [(r.stream_id, r.error_code, r.remote_reset) for r in ours] == [(3, 7, True)]
    assert client.conn.open_streams == 0
    with pytest.raises(fh2.StreamClosedError) as e:
        client.conn.send_data(s3, b"late")
    assert e.value.stream_id == 3


def test_ping_and_graceful_close():
    client = Ours(client_side=True)
    server = HyperPeer(client_side=False)
    a, b = (client, client.feed), (server, server.feed)
    pump(a, b)
    client.conn.ping(b"12345678")
    server.conn.ping(b"abcdefgh")
    pump(a, b)
    assert [ev.ping_data for ev in client.events if isinstance(ev, fh2.PingAckReceived)] == [b"12345678"]
    assert [ev.ping_data for ev in server.events if isinstance(ev, h2.events.PingAckReceived)] == [b"abcdefgh"]
    server.conn.close_connection(error_code=h2.errors.ErrorCodes.NO_ERROR, last_stream_id=0)
    pump(a, b)
    term = [ev for ev in client.events if isinstance(ev, fh2.ConnectionTerminated)]
    assert [(t.error_code, t.last_stream_id) for t in term] == [(0, 0)]
    with pytest.raises(fh2.NoAvailableStreamIDError):
        client.conn.send_headers(1, req_headers(0))
    # Our side's graceful close reaches hyper-h2 as a GOAWAY too.
    client.conn.close_connection()
    pump(a, b)
    assert any(isinstance(ev, h2.events.ConnectionTerminated) for ev in server.events)


def test_peer_protocol_error_raises_and_queues_goaway():
    server = Ours(client_side=False)
    client = HyperPeer(client_side=True)
    pump((client, client.feed), (server, server.feed))
    # A DATA frame on stream 2 (server-initiated, idle): a connection error (§5.1.1).
    bad = b"\x00\x00\x01\x00\x00\x00\x00\x00\x02x"
    with pytest.raises(fh2.ProtocolError) as e:
        server.conn.receive_data(bad)
    assert e.value.error_code == fh2.ErrorCodes.PROTOCOL_ERROR and e.value.kind
    client.feed(server.conn.data_to_send())
    term = [ev for ev in client.events if isinstance(ev, h2.events.ConnectionTerminated)]
    assert term and term[0].error_code == h2.errors.ErrorCodes.PROTOCOL_ERROR


def test_flow_control_violations():
    # Manual flow control, 64 KiB stream windows, a 200,000 B connection window; the DATA
    # frames are hand-written past them.
    server = Ours(client_side=False, auto_flow_control=False, initial_window_size=65535,
                  connection_window_size=200000)
    client = HyperPeer(client_side=True)
    pump((client, client.feed), (server, server.feed))
    for i in range(4):
        client.conn.send_headers(client.conn.get_next_available_stream_id(), req_headers(i, b"POST"))
    server.feed(client.conn.data_to_send())

    def data(sid, n):
        return n.to_bytes(3, "big") + b"\x00\x00" + sid.to_bytes(4, "big") + b"q" * n

    # Beyond the stream window: a stream error, the stream is reset with FLOW_CONTROL_ERROR.
    server.feed(data(1, 16384) * 3 + data(1, 16383) + data(1, 1))
    resets = [ev for ev in server.events if isinstance(ev, fh2.StreamReset)]
    assert [(r.stream_id, r.error_code, r.remote_reset) for r in resets] == [(1, 3, False)]
    # Beyond the connection window (the reset stream's octets still count): a connection error.
    full = data(3, 16384) * 3 + data(3, 16383) + data(5, 16384) * 3 + data(5, 16383)
    server.feed(full)  # exactly the stream windows: no error
    assert {k: len(v) for k, v in bodies(server.events, fh2.DataReceived).items()} == {1: 65535, 3: 65535, 5: 65535}
    assert len([ev for ev in server.events if isinstance(ev, fh2.StreamReset)]) == 1
    with pytest.raises(fh2.FlowControlError) as e:
        server.conn.receive_data(data(7, 16384))
    assert e.value.error_code == fh2.ErrorCodes.FLOW_CONTROL_ERROR
    client.feed(server.conn.data_to_send())
    term = [ev for ev in client.events if isinstance(ev, h2.events.ConnectionTerminated)]
    assert term and term[0].error_code == h2.errors.ErrorCodes.FLOW_CONTROL_ERROR


def test_local_misuse_raises_and_changes_nothing():
    c = fh2.H2Connection(config=fh2.H2Configuration(client_side=True))
    with pytest.raises(fh2.ProtocolError):
        c.send_headers(5, req_headers(0))  # not the next stream id
    with pytest.raises(fh2.ProtocolError):
        c.send_headers(1, [(b":method", b"GET"), (b":path", b"/"), (b"Bad-Upper", b"x")])
    with pytest.raises(fh2.ProtocolError):
        c.ping(b"short")
    with pytest.raises(fh2.StreamClosedError):
        c.send_data(7, b"x")
    with pytest.raises(fh2.ProtocolError):
        c.send_headers(1, [(b"trailer", b"x")])  # trailers need end_stream
    c.send_headers(1, [(":method", "GET"), (":scheme", "https"), (":path", "/"), (":authority", "a")], end_stream=True)
    assert c.get_next_available_stream_id() == 3 and c.open_streams == 1
    c.send_headers(3, [(b":path", b"/p"), (b":authority", b"a"), (b":method", b"GET"), (b":scheme", b"http")])
    assert c.get_next_available_stream_id() == 5 and c.open_streams == 2
    s = fh2.H2Connection(config=fh2.H2Configuration(client_side=False))
    with pytest.raises(fh2.StreamClosedError):
        s.send_headers(1, [(b":status", b"200")])
    with pytest.raises(ValueError):
        fh2.H2Configuration(header_encoding="utf-8")


def summary(events):
    """Events of either library as comparable tuples (name, stream, payload)."""
    out = []
    for ev in events:
        name = type(ev).__name__
        if name in ("RemoteSettingsChanged", "SettingsAcknowledged", "WindowUpdated"):
            continue
        sid = getattr(ev, "stream_id", None)
        payload = getattr(ev, "headers", None) or getattr(ev, "data", None)
        if name == "StreamReset":
            payload = ev.error_code
        out.append((name, sid, payload))
    # hyper-h2 splits DATA by frame like we do; join neighbours to compare bodies, not framing
    joined = []
    for item in out:
        if joined and item[0] == "DataReceived" and joined[-1][0] == "DataReceived" and joined[-1][1] == item[1]:
            joined[-1] = (item[0], item[1], joined[-1][2] + item[2])
        else:
            joined.append(item)
    return joined


def exchange(chunk=None):
    """Three POSTs with bodies and trailers from our client; hyper-h2 answers each with a 100,
    a 200, a body and trailers, and pings. Every transfer is fed in `chunk`-byte pieces
    (whole with None). Returns both sides' event summaries."""
    client = Ours(client_side=True)
    server = HyperPeer(client_side=False)

    def split(side):
        def feed(data):
            step = chunk or len(data)
            for i in range(0, len(data), step):
                side.feed(data[i:i + step])
        return feed

    a, b = (client, split(client)), (server, split(server))
    pump(a, b)
    for i in range(3):
        sid = client.conn.get_next_available_stream_id()
        client.conn.send_headers(sid, req_headers(i, b"POST") + [(b"expect", b"100-continue")])
        client.conn.send_data(sid, b"body-%d" % i * 500)
        client.conn.send_headers(sid, [(b"x-checksum", b"%d" % i)], end_stream=True)
    pump(a, b)
    for sid in (1, 3, 5):
        server.conn.send_headers(sid, [(b":status", b"100")])
        server.conn.send_headers(sid, [(b":status", b"200"), (b"x-s", b"%d" % sid)])
        server.send_body(sid, b"r%d" % sid * 3000, trailers=[(b"x-t", b"%d" % sid)])
    server.conn.ping(b"pingpong")
    pump(a, b)
    return summary(client.events), summary(server.events)


def test_exchange_with_interim_responses_and_trailers():
    ours, theirs = exchange()
    assert [e[0] for e in theirs if e[1] == 1] == ["RequestReceived", "DataReceived", "TrailersReceived", "StreamEnded"]
    assert ("DataReceived", 1, b"body-0" * 500) in theirs
    assert ("TrailersReceived", 5, [(b"x-checksum", b"2")]) in theirs
    assert [e[0] for e in ours if e[1] == 3] == ["InformationalResponseReceived", "ResponseReceived", "DataReceived",
                                                 "TrailersReceived", "StreamEnded"]
    assert ("DataReceived", 5, b"r5" * 3000) in ours and ("TrailersReceived", 5, [(b"x-t", b"5")]) in ours
    assert ("InformationalResponseReceived", 1, [(b":status", b"100")]) in ours
    assert ("ResponseReceived", 1, [(b":status", b"200"), (b"x-s", b"1")]) in ours


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_split_input_gives_the_same_events(chunk):
    # Fed in pieces (every byte at chunk=1), both sides see what they see with whole input.
    assert exchange(chunk) == exchange()


def test_peer_stream_limit_is_too_many_streams():
    client = Ours(client_side=True)
    server = HyperPeer(client_side=False)
    server.conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 5})
    a, b = (client, client.feed), (server, server.feed)
    pump(a, b)
    assert client.conn.remote_settings["max_concurrent_streams"] == 5
    for i in range(5):
        client.conn.send_headers(client.conn.get_next_available_stream_id(), req_headers(i))
    with pytest.raises(fh2.TooManyStreamsError):
        client.conn.send_headers(client.conn.get_next_available_stream_id(), req_headers(5))
    # Once one stream ends, a new one may open.
    pump(a, b)
    server.conn.send_headers(1, [(b":status", b"204")], end_stream=True)
    pump(a, b)
    client.conn.end_stream(1)
    pump(a, b)
    assert client.conn.open_streams == 4
    client.conn.send_headers(client.conn.get_next_available_stream_id(), req_headers(6))
    assert client.conn.get_next_available_stream_id() == 13


def test_mutated_input_only_raises_protocol_errors():
    # A real hyper-h2 client's bytes (preface, SETTINGS, requests with bodies and trailers,
    # PING, RST_STREAM), mutated with fixed seeds: only ProtocolError (and subclasses) come
    # out of receive_data, never another exception or a Rust panic, and the connection stays
    # usable for data_to_send().
    import random

    client = HyperPeer(client_side=True)
    for i in range(4):
        sid = client.conn.get_next_available_stream_id()
        client.conn.send_headers(sid, req_headers(i, b"POST"))
        client.conn.send_data(sid, b"d" * (100 * i + 1))
        client.conn.send_headers(sid, [(b"x-t", b"1")], end_stream=True)
    client.conn.ping(b"12345678")
    client.conn.reset_stream(7)
    wire = client.conn.data_to_send()
    rng = random.Random(11)
    errors = 0
    for _ in range(1500):
        data = bytearray(wire)
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            at = rng.randrange(len(data))
            if op < 0.6:
                data[at] = rng.randrange(256)
            elif op < 0.8:
                del data[at:at + rng.randint(1, 8)]
            else:
                data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        server = fh2.H2Connection(config=fh2.H2Configuration(client_side=False))
        try:
            cut = rng.randrange(len(data))
            server.receive_data(bytes(data[:cut]))
            server.receive_data(bytes(data[cut:]))
        except fh2.ProtocolError as e:
            errors += 1
            assert isinstance(e.error_code, int) and e.kind
        server.data_to_send()
    assert errors > 500  # most mutations break the preface, a frame or HPACK


def test_eof_with_open_streams_is_an_error_and_clean_eof_is_not():
    server = Ours(client_side=False)
    client = HyperPeer(client_side=True)
    pump((client, client.feed), (server, server.feed))
    assert server.conn.receive_eof() == []  # no stream open: a clean end
    server = Ours(client_side=False)
    client = HyperPeer(client_side=True)
    pump((client, client.feed), (server, server.feed))
    client.conn.send_headers(1, req_headers(0, b"POST"))
    server.feed(client.conn.data_to_send())
    with pytest.raises(fh2.ProtocolError) as e:
        server.conn.receive_eof()
    assert e.value.kind == "unexpected_eof"


def test_events_link_stream_ended_and_are_immutable():
    c = fh2.H2Connection(fh2.H2Configuration(client_side=True))
    s = fh2.H2Connection(fh2.H2Configuration(client_side=False))
    s.receive_data(c.data_to_send())
    c.receive_data(s.data_to_send())
    c.send_headers(1, [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "a")], end_stream=True)
    evs = [e for e in s.receive_data(c.data_to_send()) if not isinstance(e, fh2.SettingsAcknowledged)]
    assert [type(e) for e in evs] == [fh2.RequestReceived, fh2.StreamEnded]
    assert evs[0].stream_ended is evs[1] and evs[1].stream_id == 1
    assert all(isinstance(e, fh2.Event) for e in evs)
    assert "stream_id=1" in repr(evs[0])
    with pytest.raises(AttributeError):
        evs[0].stream_id = 3
    s.send_headers(1, [(b":status", b"200")])
    s.send_data(1, b"ok", end_stream=False)
    evs = c.receive_data(s.data_to_send())
    assert [type(e) for e in evs] == [fh2.ResponseReceived, fh2.DataReceived]
    assert evs[0].stream_ended is None and evs[1].data == b"ok" and evs[1].flow_controlled_length == 2
    assert c.remote_settings["max_concurrent_streams"] == 100
