"""Python h2 as the client against our server machine (started by tests/interop.rs).

Usage: h2_client.py PORT. Sends GET / and POST /echo (with a body and trailers) on one
connection, checks the answers, prints "ok" and exits 0; any failure exits non-zero.
"""
import socket
import sys

import h2.config
import h2.connection
import h2.events

port = int(sys.argv[1])
sock = socket.create_connection(("127.0.0.1", port), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
conn.initiate_connection()
conn.send_headers(1, [(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", "/")], end_stream=True)
conn.send_headers(3, [(":method", "POST"), (":scheme", "http"), (":authority", "localhost"), (":path", "/echo")])
body = b"x" * 100_000  # larger than the initial 65,535 window: needs our WINDOW_UPDATEs
sent = 0
sock.sendall(conn.data_to_send())

responses = {}
bodies = {1: b"", 3: b""}
ended = set()
while len(ended) < 2:
    # Send as much of the body as the windows allow.
    while sent < len(body):
        window = min(conn.local_flow_control_window(3), conn.max_outbound_frame_size)
        if window <= 0:
            break
        chunk = body[sent:sent + window]
        conn.send_data(3, chunk)
        sent += len(chunk)
        if sent == len(body):
            conn.send_headers(3, [("x-trailer", "done")], end_stream=True)
    sock.sendall(conn.data_to_send())
    data = sock.recv(65536)
    if not data:
        sys.exit("server closed early")
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.ResponseReceived):
            responses[ev.stream_id] = dict(ev.headers)
        elif isinstance(ev, h2.events.DataReceived):
            bodies[ev.stream_id] += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            ended.add(ev.stream_id)
        elif isinstance(ev, h2.events.StreamReset):
            sys.exit(f"stream reset: {ev}")
    sock.sendall(conn.data_to_send())

assert responses[1][b":status"] == b"200", responses
assert bodies[1] == b"hello from fasterapi\n", bodies[1]
assert responses[3][b":status"] == b"200", responses
assert bodies[3] == body, len(bodies[3])
conn.close_connection()
sock.sendall(conn.data_to_send())
sock.close()
print("ok")
