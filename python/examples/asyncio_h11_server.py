"""An asyncio server driving the h11-compatible fasterapi.http1.Connection from a plain
asyncio.Protocol (your own transport), without the App. Run: python asyncio_h11_server.py [port]"""

import asyncio
import sys

from fasterapi import http1 as h11


class Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.conn = h11.Connection(h11.SERVER)
        self.body = b""

    def data_received(self, data: bytes) -> None:
        self.conn.receive_data(data)
        try:
            self.drain()
        except h11.RemoteProtocolError as e:
            self.transport.write(b"HTTP/1.1 %d Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
                                 % e.error_status_hint)
            self.transport.close()

    def drain(self) -> None:
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                return
            if event is h11.PAUSED:
                self.conn.start_next_cycle()
                continue
            if isinstance(event, h11.Data):
                self.body += event.data
            elif isinstance(event, h11.EndOfMessage):
                out = self.conn.send(h11.Response(status_code=200, headers=[("Content-Length", str(len(self.body)))]))
                out += self.conn.send(h11.Data(data=self.body)) + self.conn.send(h11.EndOfMessage())
                self.transport.write(out)
                self.body = b""
                if self.conn.our_state is h11.MUST_CLOSE:
                    self.transport.close()
                    return
                self.conn.start_next_cycle()
            elif isinstance(event, h11.ConnectionClosed):
                self.transport.close()
                return


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8002))
