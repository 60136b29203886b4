#!/usr/bin/env python3
"""Records one h2c connection between real peers, both directions, for `fasterapi decode h2`.

Starts `nghttpd --no-tls` (Debian nghttp2-server) on a free loopback port, puts a recording
relay in front of it, and runs two clients through it, one connection each:

* `curl --http2-prior-knowledge`, one GET (nghttp2's encoder sends `authorization` as a
  never-indexed literal);
* `nghttp -d FILE` with two POSTs on one connection (request bodies in DATA, RFC 7540 PRIORITY
  frames, the second request's fields from the dynamic table, a 404, a GOAWAY at the end).

For each CLIENT (curl, nghttp) it writes:

  OUT/h2c-CLIENT-client.bin   what the client sent (preface + frames): `decode h2 --role server`
  OUT/h2c-CLIENT-server.bin   what the server sent (frames):           `decode h2 --role client`

Usage: python3 cli/samples/h2-capture.py cli/samples
Every wait is bounded; the peers are stopped at the end.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pump(src, dst, record):
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        if not data:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return
        record.extend(data)
        dst.sendall(data)


def capture(out, name, port, argv):
    """One client run through the relay; writes OUT/h2c-NAME-client.bin and -server.bin."""
    relay = socket.socket()
    relay.bind(("127.0.0.1", 0))
    relay.listen(1)
    relay.settimeout(10)
    base = f"http://127.0.0.1:{relay.getsockname()[1]}"
    client = subprocess.Popen(argv(base), stdout=subprocess.DEVNULL)
    conn, _ = relay.accept()
    upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    sent, received = bytearray(), bytearray()
    threads = [
        threading.Thread(target=pump, args=(conn, upstream, sent)),
        threading.Thread(target=pump, args=(upstream, conn, received)),
    ]
    for t in threads:
        t.start()
    client.wait(timeout=15)
    # The client has closed its side; give the server's last frames time to pass, then stop.
    for t in threads:
        t.join(timeout=5)
    for s in (conn, upstream, relay):
        s.close()
    with open(os.path.join(out, f"h2c-{name}-client.bin"), "wb") as f:
        f.write(sent)
    with open(os.path.join(out, f"h2c-{name}-server.bin"), "wb") as f:
        f.write(received)
    print(f"{name}: client sent {len(sent)} bytes, server sent {len(received)} bytes")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    root = tempfile.mkdtemp()
    with open(os.path.join(root, "hello.txt"), "w") as f:
        f.write("hello from nghttpd\n")
    port = free_port()
    server = subprocess.Popen(
        ["nghttpd", "--no-tls", "-a", "127.0.0.1", "-d", root, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        capture(out, "curl", port, lambda base: [
            "curl", "-s", "--max-time", "10", "--http2-prior-knowledge",
            "-H", "x-trace: capture", "-H", "authorization: Bearer secret",
            "-o", "/dev/null", f"{base}/hello.txt",
        ])
        capture(out, "nghttp", port, lambda base: [
            "nghttp", "-t", "10", "-H", "authorization: Bearer secret",
            "-d", os.path.join(root, "hello.txt"), f"{base}/hello.txt", f"{base}/missing",
        ])
    finally:
        server.terminate()
        server.wait(timeout=5)


if __name__ == "__main__":
    main()
