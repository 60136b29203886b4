"""The examples run: the trio server (fasterapi.http1 from trio) and the plain asyncio.Protocol
server, each answered over real sockets by httpx, keep-alive included."""

import pathlib
import socket
import subprocess
import sys
import time

import httpx

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("example did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_example(argv):
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_trio_example():
    port = free_port()
    proc = run_example([str(EXAMPLES / "trio_echo.py"), str(port)])
    try:
        wait_port(port)
        with httpx.Client(base_url="http://127.0.0.1:{}".format(port), timeout=10) as c:
            assert c.post("/x", content=b"hi").text == "POST /x: hi\n"
            assert c.get("/y").text == "GET /y: \n"  # same connection, next cycle
    finally:
        stop(proc)


def test_asyncio_example():
    port = free_port()
    proc = run_example([str(EXAMPLES / "asyncio_h11_server.py"), str(port)])
    try:
        wait_port(port)
        with httpx.Client(base_url="http://127.0.0.1:{}".format(port), timeout=10) as c:
            assert c.post("/", content=b"echo me").content == b"echo me"
            assert c.post("/", content=b"again").content == b"again"
    finally:
        stop(proc)
