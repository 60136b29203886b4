"""Python h2 as the client against our server machine, for tests/peer_events.rs.

Usage: h2_cases.py MODE PORT; prints "ok" and exits 0, any failure exits non-zero.

- oversized: a request whose head is over the server's SETTINGS_MAX_HEADER_LIST_SIZE (a 40 KB
  field, sent as HEADERS + CONTINUATION, with a small field h2 adds to its dynamic table after
  it), then a normal request on the same connection that refers to that table entry: the first
  gets 431, the second 200 (RFC 9113 §10.5.1, §4.3).
- small-window: INITIAL_WINDOW_SIZE 1,000 and a 200 KB download from /stream, which the server
  only feeds as Event::SendCapacity says the window opened.

(Graceful shutdown is tested with nghttp and curl instead: h2 4.x moves to CLOSED on the first
GOAWAY and then refuses every frame but GOAWAY, the PING of §6.8 and the DATA of streams
still finishing alike.)
"""
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings

mode, port = sys.argv[1], int(sys.argv[2])
sock = socket.create_connection(("127.0.0.1", port), timeout=20)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
if mode == "small-window":
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1000})


def get(path, extra=()):
    return [(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", path), *extra]


if mode == "oversized":
    conn.send_headers(1, get("/", [("x-huge", "h" * 40_000), ("x-small", "in the table")]), end_stream=True)
    expected = {1: b"431"}
elif mode == "small-window":
    conn.send_headers(1, get("/stream"), end_stream=True)
    expected = {1: b"200"}
else:
    sys.exit(f"unknown mode {mode}")
sock.sendall(conn.data_to_send())

statuses, bodies, ended, goaways = {}, {}, set(), []
second_sent = False
while True:
    if set(expected) <= ended:
        if mode == "oversized" and not second_sent:
            # The same connection, the same HPACK tables: x-small is a table reference now.
            second_sent = True
            conn.send_headers(3, get("/", [("x-small", "in the table")]), end_stream=True)
            sock.sendall(conn.data_to_send())
            expected[3] = b"200"
            continue
        break
    data = sock.recv(65536)
    if not data:
        sys.exit(f"server closed early: {statuses} {goaways}")
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.ResponseReceived):
            statuses[ev.stream_id] = dict(ev.headers)[b":status"]
        elif isinstance(ev, h2.events.DataReceived):
            bodies[ev.stream_id] = bodies.get(ev.stream_id, b"") + ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            ended.add(ev.stream_id)
        elif isinstance(ev, h2.events.StreamReset):
            # The 431 may be followed by RST_STREAM NO_ERROR (§8.1); anything else fails.
            if ev.error_code != 0:
                sys.exit(f"stream reset: {ev}")
        elif isinstance(ev, h2.events.ConnectionTerminated):
            goaways.append(ev.last_stream_id)
            if ev.error_code != 0:
                sys.exit(f"connection error: {ev}")
    data = conn.data_to_send()
    if data:
        sock.sendall(data)

for sid, status in expected.items():
    assert statuses.get(sid) == status, (sid, statuses)
if mode == "small-window":
    assert bodies[1] == bytes(i % 251 for i in range(200_000)), len(bodies.get(1, b""))
sock.close()
print("ok")
