"""fasterapi.h2 over real sockets: the asyncio server of examples/asyncio_h2_server.py (loopback,
port 0) answered by curl --http2-prior-knowledge and nghttp (many streams on one connection,
a 3 MiB upload echoed back with a trailer). Every peer process runs under a timeout."""

import asyncio
import hashlib
import importlib.util
import pathlib
import re
import shutil

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "asyncio_h2_server.py"
_spec = importlib.util.spec_from_file_location("asyncio_h2_server", EXAMPLE)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)


def need(tool):
    path = shutil.which(tool)
    if path is None:  # never a silent skip: scripts/test installs curl and nghttp2-client
        pytest.fail("%s is not installed (scripts/debian-packages.txt)" % tool)
    return path


async def run(*argv, timeout=20):
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, (argv, proc.returncode, err.decode(errors="replace"))
    return out, err


def with_server(body):
    async def main():
        server = await example.serve("127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await body("http://127.0.0.1:%d" % port)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(asyncio.wait_for(main(), 60))


def test_curl_prior_knowledge_get_and_post():
    curl = need("curl")

    async def body(base):
        out, _ = await run(curl, "-sS", "--http2-prior-knowledge", "-D", "-", base + "/hello?x=1")
        head, _, text = out.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/2 200")
        assert b"content-type: text/plain" in head
        assert text == b"you asked for /hello?x=1"
        data = bytes(range(256)) * 4096  # 1 MiB: beyond the 64 KiB default windows
        proc = await asyncio.create_subprocess_exec(
            curl, "-sS", "--http2-prior-knowledge", "--data-binary", "@-", "-o", "-", base + "/echo",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            echoed, err = await asyncio.wait_for(proc.communicate(data), 20)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        assert proc.returncode == 0, err
        assert echoed == data

    with_server(body)


def test_nghttp_many_streams_and_large_upload_with_trailer(tmp_path):
    nghttp = need("nghttp")
    upload = tmp_path / "upload.bin"
    data = hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32)  # 3 MiB
    upload.write_bytes(data)

    async def body(base):
        # 30 GETs multiplexed on one connection.
        urls = [base + "/n/%d" % i for i in range(30)]
        out, _ = await run(nghttp, "-v", "-n", "-m", "1", *urls)
        text = out.decode(errors="replace")
        statuses = re.findall(r"recv \(stream_id=(\d+)\) :status: 200", text)
        assert len(set(statuses)) == 30
        assert "recv GOAWAY" not in text and "RST_STREAM" not in text
        # A 3 MiB POST: echoed back, with the x-body-length trailer.
        out, _ = await run(nghttp, "-v", "-d", str(upload), base + "/echo", timeout=30)
        text = out.decode(errors="replace")
        # (nghttp opens the request on stream 13, after its RFC 7540 priority anchors)
        assert re.search(r"recv \(stream_id=\d+\) :status: 200", text)
        assert re.search(r"recv \(stream_id=\d+\) x-body-length: %d\n" % len(data), text)
        out, _ = await run(nghttp, "-d", str(upload), base + "/echo", timeout=30)
        assert out == data

    with_server(body)
