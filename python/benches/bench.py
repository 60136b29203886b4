"""Benchmarks of the fasterapi Python layer against the anchors of issue 11, same inputs, same run.

    target/venv/bin/pip install -r python/benches/requirements.txt
    target/venv/bin/python python/benches/bench.py            # everything (wrk needed for the App)
    target/venv/bin/python python/benches/bench.py --quick    # fewer iterations, no wrk
    target/venv/bin/python python/benches/bench.py --h2-only  # the HTTP/2 table alone

HTTP per-operation times are the best of 30 repeats of a timed loop of 2,000 operations
(time.perf_counter); WebSocket times the median of 50 single runs.
Build the extension in release mode first (maturin develop --release).
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Callable, Dict, List, Optional, Tuple

GET = (
    b"GET /api/v1/users/12345/profile?fields=name,email,avatar&lang=en HTTP/1.1\r\n"
    b"Host: api.example.com\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0\r\n"
    b"Accept: text/html,application/json\r\n"
    b"Accept-Language: en-US,en;q=0.5\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\n"
    b"Connection: keep-alive\r\n"
    b"Cookie: session_id=abc123def4; user_pref=dark_mode; tracking=xyz789\r\n"
    b"Cache-Control: max-age=0\r\n\r\n"
)
RESPONSE_HEADERS = [
    (b"Content-Type", b"text/plain"),
    (b"Content-Length", b"13"),
    (b"Server", b"bench"),
    (b"Date", b"Thu, 26 Nov 2026 04:00:00 GMT"),
    (b"Cache-Control", b"no-cache"),
]
BODY = b"Hello, World!"


def best(fn: Callable[[int], None], n: int, repeats: int = 5) -> float:
    """Seconds per operation: the best of `repeats` runs of fn(n)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(n)
        times.append((time.perf_counter() - t0) / n)
    return min(times)


def median_single(fn: Callable[[int], None], runs: int) -> float:
    """Seconds of one fn(1) call: the median of `runs` timed calls (large single operations,
    where a mean would be dominated by the first calls' page faults)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(1)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def mask_frames(payload: bytes, count: int, opcode: int) -> bytes:
    out = bytearray()
    key = b"\x37\xfa\x21\x3d"
    for _ in range(count):
        n = len(payload)
        out.append(0x80 | opcode)
        if n < 126:
            out.append(0x80 | n)
        elif n < 65536:
            out.append(0x80 | 126)
            out += n.to_bytes(2, "big")
        else:
            out.append(0x80 | 127)
            out += n.to_bytes(8, "big")
        out += key
        k = int.from_bytes(key * ((n + 3) // 4), "big") >> (8 * ((-n) % 4))
        out += (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")
    return bytes(out)


# ----- HTTP/1.1 parse -----

def parse_benches() -> Dict[str, Callable[[int], None]]:
    import h11
    import httptools

    from fasterapi import _fasterapi
    from fasterapi import http1 as fh

    out: Dict[str, Callable[[int], None]] = {}

    def h11_parse(n: int) -> None:
        for _ in range(n):
            c = h11.Connection(h11.SERVER)
            c.receive_data(GET)
            c.next_event()

    def httptools_parse(n: int) -> None:
        class P:
            def on_url(self, url: bytes) -> None:
                self.url = url

            def on_header(self, name: bytes, value: bytes) -> None:
                self.headers.append((name, value))

        for _ in range(n):
            p = P()
            p.headers = []
            httptools.HttpRequestParser(p).feed_data(GET)

    def fa_h11_parse(n: int) -> None:
        for _ in range(n):
            c = fh.Connection(fh.SERVER)
            c.receive_data(GET)
            c.next_event()

    def fa_feed(n: int) -> None:
        for _ in range(n):
            fh.Connection(fh.SERVER).feed(GET)

    def fa_fast(n: int) -> None:
        for _ in range(n):
            _fasterapi.Http1Server().receive(GET)

    out["h11"] = h11_parse
    out["httptools (llhttp, no state machine)"] = httptools_parse
    try:
        import zttp

        def zttp_parse(n: int) -> None:
            for _ in range(n):
                zttp.H1Connection(zttp.SERVER).receive_event(GET)

        out["zttp"] = zttp_parse
    except ImportError:
        pass
    out["fasterapi.http1.Connection (h11 API)"] = fa_h11_parse
    out["fasterapi.http1.Connection.feed (fused)"] = fa_feed
    out["fasterapi fast path (Http1Server.receive)"] = fa_fast
    return out


# ----- HTTP/1.1 keep-alive cycle: request in, response (5 headers, 13 B body) out -----

def cycle_benches() -> Dict[str, Callable[[int], None]]:
    import h11

    from fasterapi import _fasterapi
    from fasterapi import http1 as fh

    out: Dict[str, Callable[[int], None]] = {}

    def h11_like(mod: object) -> Callable[[int], None]:
        def run(n: int) -> None:
            c = mod.Connection(mod.SERVER)  # type: ignore[attr-defined]
            resp = mod.Response(status_code=200, headers=RESPONSE_HEADERS)  # type: ignore[attr-defined]
            data = mod.Data(data=BODY)  # type: ignore[attr-defined]
            eom = mod.EndOfMessage()  # type: ignore[attr-defined]
            for _ in range(n):
                c.receive_data(GET)
                c.next_event()
                c.next_event()
                c.send(resp)
                c.send(data)
                c.send(eom)
                c.start_next_cycle()

        return run

    def fa_fast(n: int) -> None:
        c = _fasterapi.Http1Server()
        for _ in range(n):
            c.receive(GET)
            c.respond(200, RESPONSE_HEADERS, BODY)

    out["h11"] = h11_like(h11)
    try:
        import zttp

        def zttp_cycle(n: int) -> None:
            c = zttp.H1Connection(zttp.SERVER)
            for _ in range(n):
                c.receive_event(GET)
                c.next_event()
                c.send_response(200, RESPONSE_HEADERS)
                c.send_data(BODY)
                c.end_message()
                c.data_to_send()
                c.start_next_cycle()

        out["zttp"] = zttp_cycle
    except ImportError:
        pass
    out["fasterapi.http1.Connection (h11 API)"] = h11_like(fh)
    out["fasterapi fast path (receive + respond)"] = fa_fast
    return out


# ----- WebSocket -----

def ws_benches(small: bytes, large: bytes, count: int) -> Dict[str, Tuple[Callable[[int], None], Callable[[int], None]]]:
    import wsproto
    import wsproto.events as we

    from fasterapi import _fasterapi
    from fasterapi import websocket as fw

    def wsproto_run(data: bytes) -> Callable[[int], None]:
        def run(n: int) -> None:
            for _ in range(n):
                s = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
                s.initiate_upgrade_connection([(b"host", b"a"), (b"upgrade", b"websocket"), (b"connection", b"upgrade"),
                                               (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
                                               (b"sec-websocket-version", b"13")], "/")
                list(s.events())
                s.send(we.AcceptConnection())
                s.receive_data(data)
                for _ in s.events():
                    pass
        return run

    def websockets_run(data: bytes) -> Callable[[int], None]:
        from websockets.protocol import Protocol, Side, State

        def run(n: int) -> None:
            for _ in range(n):
                p = Protocol(Side.SERVER, state=State.OPEN, max_size=None)
                p.receive_data(data)
                assert p.events_received()
        return run

    def fa_run(data: bytes) -> Callable[[int], None]:
        def run(n: int) -> None:
            for _ in range(n):
                c = fw.Connection(fw.ConnectionType.SERVER)
                c.receive_data(data)
                for _ in c.events():
                    pass
        return run

    def fa_raw(data: bytes) -> Callable[[int], None]:
        def run(n: int) -> None:
            for _ in range(n):
                _fasterapi.WsConnection(False).receive(data)
        return run

    return {
        "wsproto": (wsproto_run(small), wsproto_run(large)),
        "websockets (sans-IO protocol)": (websockets_run(small), websockets_run(large)),
        "fasterapi.websocket.Connection": (fa_run(small), fa_run(large)),
        "fasterapi raw (WsConnection.receive)": (fa_raw(small), fa_raw(large)),
    }


# ----- App vs FastAPI + uvicorn with wrk -----

FASTERAPI_APP = """
from fasterapi import App
app = App()
@app.get("/")
def hello():
    return {"message": "Hello, World!"}
app.run()
"""
FASTAPI_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/")
def hello():
    return {"message": "Hello, World!"}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server on port {} did not start".format(port))


def wrk(port: int, seconds: int, connections: int) -> float:
    out = subprocess.run(["wrk", "-t1", "-c{}".format(connections), "-d{}s".format(seconds),
                          "http://127.0.0.1:{}/".format(port)], capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    m = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if not m or "Non-2xx" in out or "Socket errors" in out and "read 0" not in out:
        print(out)
    return float(m.group(1)) if m else 0.0


def app_bench(seconds: int, connections: int) -> Dict[str, float]:
    results = {}
    with tempfile.TemporaryDirectory() as d:
        for name, src, cmd in [
            ("fasterapi App (1 process)", FASTERAPI_APP, lambda f, p: [sys.executable, f, "--port", str(p)]),
            ("FastAPI + uvicorn (1 worker)", FASTAPI_APP,
             lambda f, p: [sys.executable, "-m", "uvicorn", "bench_fastapi:app", "--port", str(p),
                           "--log-level", "warning", "--no-access-log", "--app-dir", d]),
        ]:
            fname = os.path.join(d, "bench_fastapi.py" if "FastAPI" in name else "bench_fasterapi.py")
            with open(fname, "w") as f:
                f.write(textwrap.dedent(src))
            port = free_port()
            proc = subprocess.Popen(cmd(fname, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_port(port)
                wrk(port, 1, connections)  # warm-up
                results[name] = wrk(port, seconds, connections)
            finally:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return results


def table(title: str, rows: List[Tuple[str, str]]) -> None:
    print("\n### " + title)
    for name, value in rows:
        print("  {:<48} {}".format(name, value))


# ----- HTTP/2 steady state: one GET stream in, 200 + 5 headers + 13 B body out, both ends -----

H2_REQUEST = [
    (b":method", b"GET"), (b":scheme", b"https"), (b":authority", b"api.example.com"),
    (b":path", b"/api/v1/users/12345/profile?fields=name,email,avatar&lang=en"),
    (b"user-agent", b"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"),
    (b"accept", b"text/html,application/json"),
]
H2_RESPONSE = [(b":status", b"200")] + [(k.lower(), v) for k, v in RESPONSE_HEADERS]


def h2_benches() -> Dict[str, Callable[[int], None]]:
    """Per operation: the client opens a stream with the request (END_STREAM), the server takes
    the events and answers with HEADERS + a 13 B DATA (END_STREAM), the client takes the
    response events. Both ends run in this process on one warmed-up connection pair, so an
    operation is the whole exchange, both ends' work (the bytes pass in memory)."""
    import h2.config
    import h2.connection
    import h2.events

    from fasterapi import h2 as fh2

    out: Dict[str, Callable[[int], None]] = {}

    def hyper(n: int) -> None:
        c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        s = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        c.initiate_connection()
        s.initiate_connection()
        s.receive_data(c.data_to_send())
        c.receive_data(s.data_to_send())
        s.receive_data(c.data_to_send())
        for _ in range(n):
            sid = c.get_next_available_stream_id()
            c.send_headers(sid, H2_REQUEST, end_stream=True)
            for ev in s.receive_data(c.data_to_send()):
                if isinstance(ev, h2.events.RequestReceived):
                    s.send_headers(ev.stream_id, H2_RESPONSE)
                    s.send_data(ev.stream_id, BODY, end_stream=True)
            for ev in c.receive_data(s.data_to_send()):
                if isinstance(ev, h2.events.DataReceived):  # the flow-control duty
                    c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            s.receive_data(c.data_to_send())

    def ours(n: int) -> None:
        c = fh2.H2Connection(fh2.H2Configuration(client_side=True))
        s = fh2.H2Connection(fh2.H2Configuration(client_side=False))
        s.receive_data(c.data_to_send())
        c.receive_data(s.data_to_send())
        s.receive_data(c.data_to_send())
        for _ in range(n):
            sid = c.get_next_available_stream_id()
            c.send_headers(sid, H2_REQUEST, end_stream=True)
            for ev in s.receive_data(c.data_to_send()):
                if isinstance(ev, fh2.RequestReceived):
                    s.send_headers(ev.stream_id, H2_RESPONSE)
                    s.send_data(ev.stream_id, BODY, end_stream=True)
            c.receive_data(s.data_to_send())  # window updates are the machine's job
            s.receive_data(c.data_to_send())

    out["h2 (hyper-h2)"] = hyper
    try:
        import zttp

        def zttp_h2(n: int) -> None:
            c = zttp.H2Connection(zttp.CLIENT)
            s = zttp.H2Connection(zttp.SERVER)
            c.initiate_connection()
            s.initiate_connection()
            s.receive_data(c.data_to_send())
            c.receive_data(s.data_to_send())
            s.receive_data(c.data_to_send())
            while c.next_event() is not zttp.NEED_DATA:
                pass
            while s.next_event() is not zttp.NEED_DATA:
                pass
            headers = [(b"host", b"api.example.com"), H2_REQUEST[4], H2_REQUEST[5]]
            target = H2_REQUEST[3][1]
            resp = H2_RESPONSE[1:]
            for _ in range(n):
                c.send_request(b"GET", target, b"HTTP/2", headers).end_message()
                s.receive_data(c.data_to_send())
                while True:
                    ev = s.next_event()
                    if ev is zttp.NEED_DATA:
                        break
                    if isinstance(ev, zttp.Request):
                        st = s.stream(ev.stream_id)
                        st.send_response(200, resp)
                        st.send_data(BODY)
                        st.end_message()
                c.receive_data(s.data_to_send())
                while c.next_event() is not zttp.NEED_DATA:
                    pass
                s.receive_data(c.data_to_send())

        out["zttp (H2Connection)"] = zttp_h2
    except ImportError:
        pass
    def raw(n: int) -> None:
        from fasterapi._fasterapi import H2Core, RequestReceived

        c, s = H2Core(True), H2Core(False)
        s.receive(c.data_to_send())
        c.receive(s.data_to_send())
        s.receive(c.data_to_send())
        for _ in range(n):
            c.send_request(H2_REQUEST, True)
            for ev in s.receive(c.data_to_send()):
                if isinstance(ev, RequestReceived):
                    s.send_response(ev.stream_id, H2_RESPONSE, False)
                    s.send_data(ev.stream_id, BODY, True)
            c.receive(s.data_to_send())
            s.receive(c.data_to_send())

    out["fasterapi.h2 (hyper-h2 API)"] = ours
    out["fasterapi raw (H2Core, no Python wrapper)"] = raw
    return out


def http1_and_websocket(args: argparse.Namespace, n: int, repeats: int) -> None:
    parse = parse_benches()
    times = {k: best(f, n, repeats) for k, f in parse.items()}
    ref = times["h11"]
    table("parse the GET (fresh connection per parse)",
          [(k, "{:7.2f} us  ({:5.1f}x h11)".format(v * 1e6, ref / v)) for k, v in times.items()])

    cycle = cycle_benches()
    times = {k: best(f, n, repeats) for k, f in cycle.items()}
    ref = times["h11"]
    table("keep-alive cycle: GET in, 200 + 5 headers + 13 B body out",
          [(k, "{:7.2f} us  ({:5.1f}x h11)".format(v * 1e6, ref / v)) for k, v in times.items()])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-wrk", action="store_true")
    ap.add_argument("--h2-only", action="store_true", help="only the HTTP/2 table")
    args = ap.parse_args()
    # Many short repeats: on a shared machine the best repeat is the one least disturbed.
    n, repeats = (1000, 5) if args.quick else (2000, 30)
    print("python", sys.version.split()[0], "| GET is", len(GET), "bytes")

    if not args.h2_only:
        http1_and_websocket(args, n, repeats)
    # Short loops, many repeats: under load a 2,000-operation loop is rarely left alone.
    times = {k: best(f, 200, 20 if args.quick else 60) for k, f in h2_benches().items()}
    ref = times["h2 (hyper-h2)"]
    table("HTTP/2 steady state: GET stream in, 200 + 5 headers + 13 B body out (both ends)",
          [(k, "{:7.2f} us  ({:5.1f}x hyper-h2)".format(v * 1e6, ref / v)) for k, v in times.items()])
    if args.h2_only:
        return

    small = mask_frames(b"x" * 125, 1000, 0x1)
    large = mask_frames(os.urandom(1 << 20), 1, 0x2)
    rows_small, rows_large = [], []
    for name, (fs, fl) in ws_benches(small, large, 1000).items():
        t_small = median_single(fs, 10 if args.quick else 50) / 1000
        t_large = median_single(fl, 10 if args.quick else 50)
        rows_small.append((name, "{:7.3f} us per frame".format(t_small * 1e6)))
        rows_large.append((name, "{:7.2f} GB/s".format((1 << 20) / t_large / 1e9)))
    table("WebSocket: 1,000 masked 125-byte text frames, fresh server connection (per frame, median of runs)", rows_small)
    table("WebSocket: one masked 1 MiB binary frame, fresh server connection (median of runs)", rows_large)

    if not args.no_wrk and not args.quick:
        res = app_bench(10, 50)
        table("App hello world: wrk -t1 -c50 -d10s (req/s)", [(k, "{:10.0f}".format(v)) for k, v in res.items()])
        a, b = res.get("fasterapi App (1 process)", 0), res.get("FastAPI + uvicorn (1 worker)", 0)
        if b:
            print("  ratio: {:.2f}x".format(a / b))


if __name__ == "__main__":
    main()
