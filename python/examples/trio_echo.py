"""A trio HTTP/1.1 server on fasterapi.http1 (h11's API): the machine does no I/O, so any
event loop drives it. Run: python trio_echo.py [port]; then curl -d hi localhost:8001/

This is the h11 example loop with the import changed.
"""

import sys

import trio

from fasterapi import http1 as h11

MAX_RECV = 64 * 1024


async def handle(stream: trio.SocketStream) -> None:
    conn = h11.Connection(h11.SERVER)
    while True:
        body = b""
        request = None
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(MAX_RECV))
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                break
        if request is None:
            return
        reply = b"%s %s: %s\n" % (request.method, request.target, body)
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(reply)))]
        await stream.send_all(conn.send(h11.Response(status_code=200, headers=headers)))
        await stream.send_all(conn.send(h11.Data(data=reply)))
        await stream.send_all(conn.send(h11.EndOfMessage()))
        if conn.our_state is h11.MUST_CLOSE:
            return
        conn.start_next_cycle()


async def serve(port: int) -> None:
    async def guarded(stream: trio.SocketStream) -> None:
        try:
            await handle(stream)
        except (h11.RemoteProtocolError, trio.BrokenResourceError):
            pass
        finally:
            await stream.aclose()

    await trio.serve_tcp(guarded, port, host="127.0.0.1")


if __name__ == "__main__":
    trio.run(serve, int(sys.argv[1]) if len(sys.argv) > 1 else 8001)
