#!/usr/bin/env python3
"""Records real PostgreSQL 15 wire traffic for the `decode pg` tests.

Starts a throwaway server (initdb as user `postgres`, a free 127.0.0.1 port, SCRAM), puts a
byte-copying relay in front of it, and runs psql (simple query, an error, COPY both ways,
NOTIFY) and pgbench -M extended (Parse/Bind/Describe/Execute/Sync) through it in clear
(sslmode=disable). Each connection's two directions are written as
`<name>.frontend.bin` (client → server) and `<name>.backend.bin` (server → client).

Run as root from this directory: python3 record.py
"""
import os, shutil, socket, subprocess, sys, tempfile, threading

BIN = "/usr/lib/postgresql/15/bin"
HERE = os.path.dirname(os.path.abspath(__file__))


def pg(*args, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accept_all(listener, upstream_port, name, threads):
    """One relay per connection: `<name>.…` for the first, `<name>1.…` for a second."""
    i = 0
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        t = threading.Thread(target=relay, args=(conn, upstream_port, name + (str(i) if i else "")))
        t.start()
        threads.append(t)
        i += 1


def relay(conn, upstream_port, name):
    up = socket.create_connection(("127.0.0.1", upstream_port))
    out = {"frontend": bytearray(), "backend": bytearray()}

    def pump(src, dst, key):
        while True:
            b = src.recv(65536)
            if not b:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            out[key] += b
            dst.sendall(b)

    t = [threading.Thread(target=pump, args=(conn, up, "frontend")),
         threading.Thread(target=pump, args=(up, conn, "backend"))]
    for x in t:
        x.start()
    for x in t:
        x.join(timeout=30)
    for key, data in out.items():
        with open(os.path.join(HERE, f"{name}.{key}.bin"), "wb") as f:
            f.write(data)


def through_relay(port, name, cmd, env):
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    rport = lst.getsockname()[1]
    threads = []
    threading.Thread(target=accept_all, args=(lst, port, name, threads), daemon=True).start()
    subprocess.run([a.replace("RPORT", str(rport)) for a in cmd], check=True, env=env, timeout=60,
                   stdin=subprocess.DEVNULL)
    lst.close()
    for t in threads:
        t.join(30)


def main():
    d = tempfile.mkdtemp(prefix="pg-record-")
    shutil.chown(d, "postgres", "postgres")
    data = os.path.join(d, "data")
    port = free_port()
    pg(f"{BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
       stdout=subprocess.DEVNULL)
    with open(os.path.join(data, "postgresql.conf"), "a") as f:
        f.write(f"listen_addresses='127.0.0.1'\nport={port}\nunix_socket_directories='{d}'\nfsync=off\n")
    with open(os.path.join(data, "pg_hba.conf"), "w") as f:
        f.write("local all all trust\nhost all rec 127.0.0.1/32 scram-sha-256\n")
    pg(f"{BIN}/pg_ctl", "-D", data, "-l", os.path.join(d, "log"), "-w", "start", stdout=subprocess.DEVNULL)
    try:
        pg(f"{BIN}/psql", "-X", "-q", "-h", d, "-p", str(port), "-U", "postgres", "-d", "postgres", "-c",
           "SET password_encryption='scram-sha-256'; CREATE ROLE rec LOGIN SUPERUSER PASSWORD 'pw-rec'; "
           "CREATE TABLE t (id int4, name text)")
        env = dict(os.environ, PGPASSWORD="pw-rec", PGSSLMODE="disable", PGAPPNAME="record")
        sql = ("LISTEN ch; NOTIFY ch, 'hello'; SELECT 1 AS one, NULL::text AS nothing, 'é'::text AS e; "
               "SELECT 1/0; COPY t FROM STDIN; COPY (SELECT * FROM t ORDER BY id) TO STDOUT;")
        script = os.path.join(d, "in.sql")
        with open(script, "w") as f:
            f.write(sql.replace("COPY t FROM STDIN;", "COPY t FROM STDIN;\n1\tone\n2\ttwo\n\\.\n")
                    .replace("SELECT 1/0;", "\\set ON_ERROR_STOP 0\nSELECT 1/0;\n"))
        shutil.chown(script, "postgres", "postgres")
        through_relay(port, "psql", [f"{BIN}/psql", "-X", "-h", "127.0.0.1", "-p", "RPORT", "-U", "rec",
                                     "-d", "postgres", "-f", script], env)
        bench = os.path.join(d, "bench.sql")
        with open(bench, "w") as f:
            f.write("\\set x 7\nSELECT :x::int4 + 1, 'text';\n")
        through_relay(port, "pgbench", [f"{BIN}/pgbench", "-n", "-M", "extended", "-t", "2", "-c", "1",
                                        "-f", bench, "-h", "127.0.0.1", "-p", "RPORT", "-U", "rec",
                                        "postgres"], env)
    finally:
        pg(f"{BIN}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", stdout=subprocess.DEVNULL)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
