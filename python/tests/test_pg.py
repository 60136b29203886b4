"""fasterapi.pg against a real PostgreSQL 15 server.

The fixture runs ``initdb`` and ``pg_ctl`` as the ``postgres`` user (PostgreSQL refuses root)
in a temporary directory, on a free port, with a ``scram-sha-256`` user, and stops the server
at teardown whatever the tests did.
"""

from __future__ import annotations

import datetime
import decimal
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import pytest

from fasterapi import pg

SCRAM_USER = "py_scram"
SCRAM_PASSWORD = "s3cret-pencil"


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    return os.path.join("/usr/lib/postgresql/15/bin", name)


def _as_postgres(*args: str, **kw) -> subprocess.CompletedProcess:
    cmd = ["runuser", "-u", "postgres", "--", _pg_bin(args[0]), *args[1:]]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=60, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    tmp = tempfile.mkdtemp(prefix="fasterapi-pytest-pg-")
    data = os.path.join(tmp, "data")
    port = _free_port()
    started = False
    try:
        shutil.chown(tmp, "postgres", "postgres")
        _as_postgres("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync",
                     "-E", "UTF8")
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                    f"unix_socket_directories = '{tmp}'\nfsync = off\n"
                    "synchronous_commit = off\nlog_min_messages = warning\n")
        with open(os.path.join(data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n"
                    f"host all {SCRAM_USER} 127.0.0.1/32 scram-sha-256\n")
        subprocess.run(["chown", "-R", "postgres:postgres", tmp], check=True, timeout=30)
        _as_postgres("pg_ctl", "-D", data, "-l", os.path.join(tmp, "log"), "-w", "-t", "30",
                     "start")
        started = True
        sql = (f"SET password_encryption = 'scram-sha-256';\n"
               f"CREATE ROLE {SCRAM_USER} LOGIN SUPERUSER PASSWORD '{SCRAM_PASSWORD}';\n")
        _as_postgres("psql", "-h", tmp, "-p", str(port), "-U", "postgres", "-d", "postgres",
                     "-v", "ON_ERROR_STOP=1", "-q", "-c", sql)
        yield port
    finally:
        if started:
            subprocess.run(["runuser", "-u", "postgres", "--", _pg_bin("pg_ctl"), "-D", data,
                            "-m", "immediate", "-w", "-t", "30", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


def _connect(port: int) -> pg.Client:
    return pg.connect("127.0.0.1", port, SCRAM_USER, "postgres", SCRAM_PASSWORD, timeout=10)


def test_scram_connect_and_types(server):
    with _connect(server) as c:
        assert c.process_id and c.process_id > 0
        assert c.parameters["server_version"].startswith("15")
        r = c.query(
            "SELECT 1::int2, 2147483648::int8, true, 1.5::float8, 'NaN'::float4,"
            " 12.345::numeric, 'héllo'::text, '\\x00ff'::bytea, NULL::int4,"
            " '2024-02-29'::date, '2024-02-29 12:34:56.5'::timestamp,"
            " '{\"a\": [1, 2]}'::jsonb, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid"
        )
        assert r.tags == ["SELECT 1"]
        assert [name for name, _ in r.columns][:2] == ["int2", "int8"]
        assert [oid for _, oid in r.columns][:4] == [21, 20, 16, 701]
        (row,) = r.rows
        assert row[:4] == (1, 2147483648, True, 1.5)
        assert row[4] != row[4]  # NaN
        assert row[5] == decimal.Decimal("12.345")
        assert row[6] == "héllo"
        assert row[7] == b"\x00\xff"
        assert row[8] is None
        assert row[9] == datetime.date(2024, 2, 29)
        assert row[10] == datetime.datetime(2024, 2, 29, 12, 34, 56, 500000)
        assert row[11] == {"a": [1, 2]}
        assert row[12] == uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")


def test_wrong_password_is_refused(server):
    # A startup failure ends the connection: it is raised from receive_data, with the
    # server's SQLSTATE.
    with pytest.raises(pg.PgProtocolError) as e:
        pg.connect("127.0.0.1", server, SCRAM_USER, "postgres", "wrong", timeout=10)
    assert e.value.args[1] == "28P01"
    assert "password authentication failed" in e.value.args[0]


def test_error_then_recovery(server):
    with _connect(server) as c:
        with pytest.raises(pg.DatabaseError) as e:
            c.query("SELECT * FROM no_such_table")
        assert e.value.sqlstate == "42P01"
        assert "no_such_table" in e.value.message
        assert c.query("SELECT 41 + 1").rows == [(42,)]
        with pytest.raises(pg.DatabaseError) as e:
            c.execute("SELECT 1 / $1::int", [0])
        assert e.value.sqlstate == "22012"
        assert c.execute("SELECT $1::int * 2, $2::text", [21, None]).rows == [(42, None)]


def test_pipelined_pair_and_abort(server):
    """Two parameterized statements in one write, then a failing pipeline whose rest is
    aborted up to the Sync, all driven by hand over the sans-IO Connection."""
    with _connect(server) as c:
        conn = c.conn
        a = conn.execute("SELECT $1::int + 1", [1])
        b = conn.execute("SELECT generate_series(1, $1::int)", [3])
        s1 = conn.sync()
        bad = conn.execute("SELECT 1 / $1::int", [0])
        skipped = conn.execute("SELECT 7")
        s2 = conn.sync()
        assert len({a, b, s1, bad, skipped, s2}) == 6
        assert conn.pending_requests >= 6  # Parse/Describe/Bind/Execute are counted too
        c._flush()
        ends = {}
        rows = {}
        while len(ends) < 6:
            ev = c._next()
            if isinstance(ev, pg.Rows):
                rows.setdefault(ev.request_id, []).extend(ev.rows)
            elif isinstance(ev, (pg.Done, pg.Failed, pg.Aborted)):
                ends[ev.request_id] = ev
        assert rows == {a: [(2,)], b: [(1,), (2,), (3,)]}
        assert isinstance(ends[a], pg.Done) and isinstance(ends[b], pg.Done)
        assert ends[s1].status == "I"
        assert isinstance(ends[bad], pg.Failed) and ends[bad].error.sqlstate == "22012"
        assert isinstance(ends[skipped], pg.Aborted)
        assert isinstance(ends[s2], pg.Done)
        assert conn.pending_requests == 0
        assert c.query("SELECT 'still fine'").rows == [("still fine",)]


def test_misuse_and_bad_server_bytes():
    conn = pg.Connection("nobody", "db", "pw")
    startup = conn.data_to_send()
    assert startup[4:8] in (b"\x00\x03\x00\x02", b"\x00\x03\x00\x00")  # protocol version
    with pytest.raises(pg.PgProtocolError):
        conn.query("SELECT 1")  # not ready yet
    with pytest.raises(pg.PgProtocolError):
        conn.receive_data(b"Q\x00\x00\x00\x04")  # a frontend message from the "server"
        conn.next_event()
    # The connection is finished: later bytes are dropped, requests refused.
    conn.receive_data(b"Z\x00\x00\x00\x05I")
    assert conn.next_event() is None
    assert not conn.is_ready
    with pytest.raises(pg.PgProtocolError):
        conn.query("SELECT 1")
