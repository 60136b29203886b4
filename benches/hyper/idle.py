"""Memory per idle connection: open N keep-alive connections to URL, one request each (so the
server has set the connection's state up), hold them, and report the server's RSS growth.

Usage: idle.py PID HOST PORT N
"""
import socket
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("no VmRSS")


def main():
    pid, host, port, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    time.sleep(0.5)
    before = rss_kib(pid)
    conns = []
    request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(request)
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("server closed")
            got += chunk
        conns.append(s)
    time.sleep(1.0)
    after = rss_kib(pid)
    print(f"{(after - before) * 1024 / n:.0f} bytes/conn (RSS {before} -> {after} KiB, {n} connections)")
    for s in conns:
        s.close()


main()
