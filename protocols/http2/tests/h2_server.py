"""Python h2 as the server for our client machine (started by tests/interop.rs).

Prints the port it listens on, serves one connection: GET / gets "hello from h2\n", any other
request gets its body echoed back with a trailer. Exits after the client closes, or after 20 s.
"""
import socket
import sys

import h2.config
import h2.connection
import h2.events

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
listener.settimeout(20)
print(listener.getsockname()[1], flush=True)
sock, _ = listener.accept()
sock.settimeout(20)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
conn.initiate_connection()
sock.sendall(conn.data_to_send())
bodies = {}
paths = {}
pending = {}  # stream -> bytes still to send

def flush():
    for sid in list(pending):
        data = pending[sid]
        while data:
            window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            if window <= 0:
                break
            conn.send_data(sid, data[:window])
            data = data[window:]
        if data:
            pending[sid] = data
        else:
            del pending[sid]
            conn.send_headers(sid, [("x-echo-length", str(len(bodies[sid])))], end_stream=True)
    sock.sendall(conn.data_to_send())

while True:
    data = sock.recv(65536)
    if not data:
        break
    for ev in conn.receive_data(data):
        if isinstance(ev, h2.events.RequestReceived):
            h = dict(ev.headers)
            paths[ev.stream_id] = h[b":path"]
            bodies[ev.stream_id] = b""
        elif isinstance(ev, h2.events.DataReceived):
            bodies[ev.stream_id] += ev.data
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            sid = ev.stream_id
            if paths[sid] == b"/":
                conn.send_headers(sid, [(":status", "200"), ("content-length", "14")])
                conn.send_data(sid, b"hello from h2\n", end_stream=True)
            else:
                conn.send_headers(sid, [(":status", "200")])
                pending[sid] = bodies[sid]
        elif isinstance(ev, h2.events.ConnectionTerminated):
            flush()
            sock.close()
            sys.exit(0)
    flush()
sock.close()
