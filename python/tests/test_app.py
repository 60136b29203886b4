"""The App end to end over real sockets: httpx and websockets clients, curl-free; an asyncio
server under concurrent load; a --workers run with SO_REUSEPORT processes."""

import asyncio
import os
import socket
import subprocess
import sys
import textwrap
import time

import httpx
import pytest
import websockets

from fasterapi import App, HTTPException
from fasterapi.asyncio import HttpClient


def make_app() -> App:
    app = App()

    @app.get("/")
    def hello(req):
        return {"message": "Hello, World!"}

    @app.get("/users/{user_id}")
    async def user(req):
        await asyncio.sleep(0)
        return {"id": req.path_params["user_id"], "q": req.query_params.get("q")}

    @app.post("/echo")
    async def echo(req):
        return {"len": len(req.body), "json": req.json(), "ct": req.headers.get("content-type")}

    @app.get("/text")
    def text():
        return "plain"

    @app.get("/items/{item_id}/tags/{tag}")
    async def item_tag(item_id, tag):  # parameters by name, FastAPI-style
        return [item_id, tag]

    @app.get("/teapot")
    def teapot(req):
        raise HTTPException(418, "short and stout")

    @app.get("/boom")
    def boom(req):
        raise RuntimeError("handler bug")

    @app.get("/slow/{ms}")
    async def slow(req):
        await asyncio.sleep(int(req.path_params["ms"]) / 1000)
        return {"slept": req.path_params["ms"]}

    @app.websocket("/ws")
    async def ws_echo(ws):
        async for message in ws:
            if message == "bye":
                await ws.close(1000, "see you")
                return
            await ws.send(message)

    @app.sse("/events")
    async def events(req):
        for i in range(3):
            yield {"data": {"n": i}, "event": "tick", "id": str(i)}

    return app


@pytest.fixture
def server():
    """The App on 127.0.0.1, a free port, in a background event loop thread."""
    import threading

    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder = {}

    def run():
        asyncio.set_event_loop(loop)

        async def start():
            holder["srv"] = await make_app().serve("127.0.0.1", 0)
            holder["port"] = holder["srv"].sockets[0].getsockname()[1]
            started.set()

        loop.run_until_complete(start())
        loop.run_forever()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert started.wait(10)
    yield "127.0.0.1", holder["port"]
    loop.call_soon_threadsafe(loop.stop)
    t.join(10)


def test_http_routes_with_httpx(server):
    host, port = server
    base = "http://{}:{}".format(host, port)
    with httpx.Client(base_url=base, timeout=10) as c:
        r = c.get("/")
        assert r.status_code == 200 and r.json() == {"message": "Hello, World!"}
        assert r.headers["content-type"] == "application/json"
        assert c.get("/users/42?q=x").json() == {"id": "42", "q": "x"}
        assert c.get("/users/caf%C3%A9").json()["id"] == "café"
        r = c.post("/echo", content=b'{"a": [1, 2]}', headers={"content-type": "application/json"})
        assert r.json() == {"len": 13, "json": {"a": [1, 2]}, "ct": "application/json"}
        assert c.get("/text").text == "plain"
        assert c.get("/items/3/tags/red").json() == ["3", "red"]
        r = c.head("/")  # HEAD on a GET route: the head only, with the GET's Content-Length
        assert r.status_code == 200 and r.headers["content-length"] == "27" and r.content == b""
        assert c.get("/missing").status_code == 404
        r = c.delete("/")
        assert r.status_code == 405 and "GET" in r.headers["allow"]
        r = c.get("/teapot")
        assert r.status_code == 418 and r.json() == {"detail": "short and stout"}
        assert c.get("/boom").status_code == 500
        assert c.get("/").status_code == 200  # the connection survived the failures
        # a chunked request body
        r = c.post("/echo", content=iter([b'{"k":', b' "v"}']), headers={"content-type": "application/json"})
        assert r.json()["json"] == {"k": "v"}


def test_sse_route(server):
    host, port = server
    from fasterapi.sse import EventParser

    with httpx.Client(timeout=10) as c:
        with c.stream("GET", "http://{}:{}/events".format(host, port)) as r:
            assert r.headers["content-type"] == "text/event-stream"
            parser = EventParser()
            events = []
            for chunk in r.iter_raw():
                events.extend(parser.feed(chunk))
    assert [(e.event, e.data, e.id) for e in events] == [("tick", '{"n":%d}' % i, str(i)) for i in range(3)]


def test_websocket_route(server):
    host, port = server

    async def main():
        async with websockets.connect("ws://{}:{}/ws".format(host, port), compression="deflate") as ws:
            await ws.send("hello")
            assert await ws.recv() == "hello"
            await ws.send(b"\x00\x01" * 5000)
            assert await ws.recv() == b"\x00\x01" * 5000
            await ws.send("bye")
            with pytest.raises(websockets.ConnectionClosedOK):
                await ws.recv()
            assert ws.close_code == 1000 and ws.close_reason == "see you"

    asyncio.run(asyncio.wait_for(main(), 20))


def test_bad_requests_get_status_and_close(server):
    host, port = server
    cases = [
        (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 20000 + b"\r\n\r\n", b"431"),
    ]
    for raw, status in cases:
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(raw)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            assert data.split(b" ")[1] == status, (raw[:40], data)


def test_pipelining_keeps_order(server):
    host, port = server
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"GET /slow/50 HTTP/1.1\r\nHost: a\r\n\r\nGET /users/7 HTTP/1.1\r\nHost: a\r\n\r\n"
                  b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    bodies = [part.split(b"\r\n\r\n", 1)[1] for part in data.split(b"HTTP/1.1 ")[1:]]
    assert bodies == [b'{"slept":"50"}', b'{"id":"7","q":null}', b'{"message":"Hello, World!"}']


def test_concurrent_load(server):
    """200 keep-alive connections x 20 requests each, sync and async routes, all answered."""
    host, port = server

    async def one(i):
        c = await HttpClient.connect(host, port)
        async with c:
            for j in range(20):
                path = "/users/{}".format(i * 100 + j) if j % 2 else "/"
                status, _, body = await c.request("GET", path)
                assert status == 200, body
        return 20

    async def main():
        return sum(await asyncio.gather(*(one(i) for i in range(200))))

    assert asyncio.run(asyncio.wait_for(main(), 60)) == 4000


def test_workers_with_reuseport(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "app.py"
    script.write_text(textwrap.dedent("""
        import os
        from fasterapi import App
        app = App()
        @app.get("/pid")
        def pid():
            return {"pid": os.getpid()}
        app.run()
    """))
    proc = subprocess.Popen([sys.executable, str(script), "--port", str(port), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:  # until the workers listen
            try:
                httpx.get("http://127.0.0.1:{}/pid".format(port), timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "workers did not start"
                time.sleep(0.1)
        time.sleep(0.5)  # the second worker may start a moment later
        pids = []
        for _ in range(40):
            # a new connection each time: the kernel spreads them over the workers; every one
            # is answered at once (no socket in the group that nobody accepts on)
            r = httpx.get("http://127.0.0.1:{}/pid".format(port), timeout=5)
            pids.append(r.json()["pid"])
        assert len(set(pids)) == 2 and proc.pid not in pids
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_idle_connection_is_closed():
    """A client that opens a connection and sends half a head is cut off after idle_timeout."""
    from fasterapi.asyncio import serve

    async def main():
        srv = await serve(make_app(), "127.0.0.1", 0, idle_timeout=0.3)
        port = srv.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHo")
        started = asyncio.get_running_loop().time()
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
        waited = asyncio.get_running_loop().time() - started
        writer.close()
        srv.close()
        return waited

    assert asyncio.run(main()) < 10


def test_pipelined_flood_is_held_back_not_buffered(server):
    """3,000 pipelined requests (about 100 KiB, more than the machine's 64 KiB buffer) to an
    async route: reading pauses while bytes are held back, and every response comes, in order."""
    host, port = server
    n = 3000
    raw = b"".join(b"GET /users/%d HTTP/1.1\r\nHost: a\r\n\r\n" % i for i in range(n))
    assert len(raw) > 64 * 1024
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(raw + b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    ids = [int(m) for m in __import__("re").findall(rb'\{"id":"(\d+)"', data)]
    assert ids == list(range(n))
    assert data.endswith(b'{"message":"Hello, World!"}')


def test_websocket_frames_sent_with_the_handshake(server):
    """Frames that arrive in the same read as the upgrade request go to the WebSocket."""
    host, port = server
    key = b"dGhlIHNhbXBsZSBub25jZQ=="
    frame = bytes([0x81, 0x85, 1, 2, 3, 4]) + bytes(b ^ k for b, k in zip(b"early", b"\x01\x02\x03\x04\x01"))
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n" + frame)
        data = b""
        while b"early" not in data:
            chunk = s.recv(4096)
            assert chunk, data
            data += chunk
    assert data.startswith(b"HTTP/1.1 101 ")
    assert b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in data
    assert data.endswith(b"\x81\x05early")


def test_head_keeps_the_connection_open(server):
    # HEAD on a GET route answers the head only; the same connection then serves the next
    # request, pipelined or not (the body the handler returned is dropped, not an error).
    import socket

    host, port = server
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(65536)
        assert got.startswith(b"HTTP/1.1 200 ") and b"content-length: 27" in got.lower()
        s.sendall(b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        rest = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
    assert rest.count(b"HTTP/1.1 ") == 3, rest
    assert rest.startswith(b"HTTP/1.1 404 ")
    assert rest.endswith(b'{"message": "Hello, World!"}') or rest.endswith(b'{"message":"Hello, World!"}'), rest
