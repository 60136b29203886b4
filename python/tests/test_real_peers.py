"""The client sides against servers that are not ours, over real sockets: the asyncio
HttpClient (fasterapi.http1) against the standard library's http.server, and a
fasterapi.websocket client against a `websockets` server (with permessage-deflate)."""

import asyncio
import http.server
import threading

import websockets

from fasterapi import websocket as fw
from fasterapi.asyncio import HttpClient


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def do_GET(self):
        body = ("you asked for " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[::-1])

    def log_message(self, *args):
        pass


def test_http_client_against_stdlib_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        async def main():
            c = await HttpClient.connect("127.0.0.1", srv.server_address[1])
            async with c:
                results = []
                for i in range(5):  # one keep-alive connection
                    results.append(await c.request("GET", "/n/%d" % i))
                results.append(await c.request("POST", "/", body=b"abc"))
                return results

        results = asyncio.run(asyncio.wait_for(main(), 20))
        assert [r[2] for r in results[:5]] == [b"you asked for /n/%d" % i for i in range(5)]
        assert results[0][0] == 200 and (b"content-type", b"text/plain") in results[0][1]
        assert results[5][:1] == (201,) and results[5][2] == b"cba"
    finally:
        srv.shutdown()
        srv.server_close()


def test_websocket_client_against_websockets_server():
    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async def main():
        async with websockets.serve(echo, "127.0.0.1", 0, compression="deflate") as server:
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            ws = fw.WSConnection(fw.ConnectionType.CLIENT)
            writer.write(ws.send(fw.Request(host="127.0.0.1:%d" % port, target="/",
                                            extensions=[fw.PerMessageDeflate()])))
            events = []

            async def pump(until):
                while not any(until(e) for e in events):
                    data = await reader.read(65536)
                    ws.receive_data(data or None)
                    events.extend(ws.events())
                    if not data:
                        break

            await pump(lambda e: isinstance(e, fw.AcceptConnection))
            accepted = [e for e in events if isinstance(e, fw.AcceptConnection)][0]
            assert accepted.extensions  # permessage-deflate negotiated
            payload = "héllo " * 1000
            writer.write(ws.send(fw.TextMessage(data=payload)) + ws.send(fw.BytesMessage(data=b"\x00" * 70000)))
            await pump(lambda e: isinstance(e, fw.BytesMessage))
            msgs = [e.data for e in events if isinstance(e, (fw.TextMessage, fw.BytesMessage))]
            assert msgs == [payload, b"\x00" * 70000]
            writer.write(ws.send(fw.CloseConnection(code=1000, reason="done")))
            await pump(lambda e: isinstance(e, fw.CloseConnection))
            close = [e for e in events if isinstance(e, fw.CloseConnection)][0]
            assert close.code == 1000
            assert ws.state is fw.ConnectionState.CLOSED
            writer.close()

    asyncio.run(asyncio.wait_for(main(), 20))


def test_connect_websocket_against_websockets_server():
    from fasterapi.asyncio import WebSocketClosed, connect_websocket

    async def echo(ws):
        async for message in ws:
            if message == "close":
                await ws.close(4000, "asked")
                return
            await ws.send(message)

    async def main():
        async with websockets.serve(echo, "127.0.0.1", 0, compression="deflate",
                                    subprotocols=["chat"]) as server:
            port = server.sockets[0].getsockname()[1]
            ws = await connect_websocket("127.0.0.1", port, "/", subprotocols=("chat",))
            assert ws.subprotocol == "chat"
            await ws.send("one")
            assert await ws.receive() == "one"
            await ws.send(b"\x01" * 100000)
            assert await ws.receive() == b"\x01" * 100000
            await ws.send("close")
            try:
                await ws.receive()
                raise AssertionError("expected the close")
            except WebSocketClosed as e:
                assert e.code == 4000 and e.reason == "asked"
            # and a clean close from our side on a second connection
            async with await connect_websocket("127.0.0.1", port, "/", subprotocols=("chat",)) as ws2:
                await ws2.send("x")
                assert await ws2.receive() == "x"

    asyncio.run(asyncio.wait_for(main(), 20))


def test_connect_websocket_refused():
    from fasterapi import websocket as fw2
    from fasterapi.asyncio import connect_websocket

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)  # plain HTTP: answers 200
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        async def main():
            try:
                await connect_websocket("127.0.0.1", srv.server_address[1], "/")
            except fw2.RemoteProtocolError as e:
                return e
            raise AssertionError("expected a refusal")

        err = asyncio.run(asyncio.wait_for(main(), 20))
        assert err.event_hint.status_code == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_client_fast_path_against_stdlib_server():
    """_fasterapi.Http1Client (the Rust ClientConnection) over a blocking socket, keep-alive."""
    import socket

    from fasterapi import _fasterapi

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        host = b"127.0.0.1:%d" % srv.server_address[1]
        conn = _fasterapi.Http1Client()
        with socket.create_connection(srv.server_address, timeout=10) as s:
            for i, (method, body) in enumerate([(b"GET", None), (b"POST", b"xyz"), (b"GET", None)]):
                assert conn.is_ready
                fields = [(b"host", host)]
                if body:
                    fields.append((b"content-length", b"%d" % len(body)))
                s.sendall(conn.request(method, b"/r/%d" % i, fields, body))
                events = []
                while not events or events[-1][0] != 3:
                    events.extend(conn.receive(s.recv(65536)))
                status, headers = events[0][1], events[0][2]
                data = b"".join(e[1] for e in events if e[0] == 2)
                if method == b"GET":
                    assert status == 200 and data == b"you asked for /r/%d" % i
                    assert headers.get("content-type") == b"text/plain"
                else:
                    assert status == 201 and data == b"zyx"
    finally:
        srv.shutdown()
        srv.server_close()
