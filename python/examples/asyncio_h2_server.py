"""An HTTP/2 (h2c, prior knowledge) server on fasterapi.h2 from a plain asyncio.Protocol.

GET answers with the path; POST/PUT echo the body back with a trailer carrying its length.
No acknowledge_received_data anywhere: fasterapi.h2 returns flow-control credit itself.

    python asyncio_h2_server.py [port]
    curl --http2-prior-knowledge http://127.0.0.1:8080/hello
"""

import asyncio
import sys
from typing import Dict, List

from fasterapi import h2


class H2Server(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.conn = h2.H2Connection(config=h2.H2Configuration(client_side=False))
        self.conn.initiate_connection()
        self.requests: Dict[int, List] = {}  # stream id -> [headers, body chunks]
        self.flush()

    def data_received(self, data: bytes) -> None:
        try:
            events = self.conn.receive_data(data)
        except h2.ProtocolError:
            self.flush()  # the GOAWAY
            self.transport.close()
            return
        for event in events:
            if isinstance(event, h2.RequestReceived):
                self.requests[event.stream_id] = [dict(event.headers), []]
            elif isinstance(event, h2.DataReceived):
                self.requests[event.stream_id][1].append(event.data)
            elif isinstance(event, h2.StreamEnded):
                self.respond(event.stream_id)
            elif isinstance(event, h2.StreamReset):
                self.requests.pop(event.stream_id, None)
        self.flush()

    def respond(self, stream_id: int) -> None:
        headers, chunks = self.requests.pop(stream_id)
        if headers[b":method"] in (b"POST", b"PUT"):
            body = b"".join(chunks)
            self.conn.send_headers(stream_id, [(b":status", b"200"), (b"content-type", b"application/octet-stream")])
            self.conn.send_data(stream_id, body)  # any size: sent as the client's windows allow
            self.conn.send_headers(stream_id, [(b"x-body-length", b"%d" % len(body))], end_stream=True)
        else:
            body = b"you asked for " + headers[b":path"]
            self.conn.send_headers(stream_id, [(b":status", b"200"), (b"content-type", b"text/plain"),
                                               (b"content-length", b"%d" % len(body))])
            self.conn.send_data(stream_id, body, end_stream=True)

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.transport.write(data)

    def eof_received(self) -> None:
        self.transport.close()


async def serve(host: str, port: int) -> asyncio.AbstractServer:
    loop = asyncio.get_running_loop()
    return await loop.create_server(H2Server, host, port)


async def main(port: int) -> None:
    server = await serve("127.0.0.1", port)
    print("listening on http://127.0.0.1:%d (h2c prior knowledge)" % port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
