//! The PostgreSQL 15 server the tests run against, shared by fasterapi-pgwire's tests and (through
//! `#[path]`) fasterapi-tokio-pg's: one server per test binary, started on first use in a
//! temporary directory on a free 127.0.0.1 port, with users for every authentication method and
//! TLS with a generated certificate; stopped at exit even when the process dies.
//!
//! PostgreSQL refuses to run as root, so `initdb`, `pg_ctl` and `psql` run as the `postgres`
//! user (`runuser -u postgres --`) and the directory is owned by it.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Users and their passwords; pg_hba.conf gives each one method.
pub(crate) const TRUST: &str = "u_trust";
pub(crate) const CLEAR: (&str, &str) = ("u_clear", "pw-clear");
pub(crate) const MD5: (&str, &str) = ("u_md5", "pw-md5");
pub(crate) const SCRAM: (&str, &str) = ("u_scram", "pw-scram");

/// The running server.
#[derive(Debug)]
pub(crate) struct PgServer {
    pub(crate) port: u16,
    pub(crate) dir: PathBuf,
    /// The server certificate (DER), pinned by the TLS client.
    pub(crate) cert_der: Vec<u8>,
}

static SERVER: OnceLock<PgServer> = OnceLock::new();

/// The shared server, started on first use.
pub(crate) fn server() -> &'static PgServer {
    SERVER.get_or_init(|| PgServer::start().expect("start PostgreSQL 15"))
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn as_postgres(args: &[&str]) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--", &pg_bin(args[0])])
        .args(&args[1..]);
    c
}

/// A PostgreSQL program from PATH, or from Debian's versioned directory (the `postgresql-15`
/// package does not put the server programs on PATH).
fn pg_bin(name: &str) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/lib/postgresql/15/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map_or_else(|| name.to_owned(), |p| s(&p))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

impl PgServer {
    fn start() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "{}-{}-{}",
            env!("CARGO_PKG_NAME"),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        run(Command::new("chown").args(["postgres:postgres", &s(&dir)]))?;
        let data = dir.join("data");
        run(&mut as_postgres(&[
            "initdb",
            "-D",
            &s(&data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ]))?;
        // TLS: an ECDSA P-256 certificate signed with SHA-256 (RFC 5929 → SHA-256 binding).
        let crt = data.join("server.crt");
        let key = data.join("server.key");
        run(&mut as_postgres(&[
            "openssl",
            "req",
            "-new",
            "-x509",
            "-days",
            "2",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-keyout",
            &s(&key),
            "-out",
            &s(&crt),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ]))?;
        run(&mut as_postgres(&["chmod", "600", &s(&key)]))?;
        let der = run(Command::new("openssl").args([
            "x509",
            "-in",
            &s(&crt),
            "-outform",
            "DER",
            "-out",
            &s(&dir.join("cert.der")),
        ]));
        der?;
        let cert_der = std::fs::read(dir.join("cert.der")).map_err(|e| e.to_string())?;
        let port = free_port();
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 40\n\
             shared_buffers = 32MB\nlog_min_messages = warning\n",
            s(&dir)
        );
        append(&data.join("postgresql.conf"), &conf)?;
        std::fs::write(
            data.join("pg_hba.conf"),
            format!(
                "local all all trust\n\
                 host all postgres 127.0.0.1/32 trust\n\
                 host all {TRUST} 127.0.0.1/32 trust\n\
                 host all {} 127.0.0.1/32 password\n\
                 host all {} 127.0.0.1/32 md5\n\
                 host all {} 127.0.0.1/32 scram-sha-256\n",
                CLEAR.0, MD5.0, SCRAM.0
            ),
        )
        .map_err(|e| e.to_string())?;
        run(Command::new("chown").args(["-R", "postgres:postgres", &s(&dir)]))?;
        run(&mut as_postgres(&[
            "pg_ctl",
            "-D",
            &s(&data),
            "-l",
            &s(&dir.join("log")),
            "-w",
            "-t",
            "30",
            "start",
        ]))?;
        let server = Self {
            port,
            dir,
            cert_der,
        };
        server.watch_for_exit();
        let sql = format!(
            "CREATE ROLE {TRUST} LOGIN SUPERUSER;\n\
             SET password_encryption = 'scram-sha-256';\n\
             CREATE ROLE {} LOGIN PASSWORD '{}';\n\
             CREATE ROLE {} LOGIN SUPERUSER PASSWORD '{}';\n\
             SET password_encryption = 'md5';\n\
             CREATE ROLE {} LOGIN PASSWORD '{}';\n",
            CLEAR.0, CLEAR.1, SCRAM.0, SCRAM.1, MD5.0, MD5.1
        );
        server.psql(&sql)?;
        Ok(server)
    }

    /// Stops the server when this process exits, however it exits (a panic, an abort, a
    /// signal): a detached watcher polls our pid. Statics are never dropped, so a Drop guard
    /// alone would leak the server.
    fn watch_for_exit(&self) {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; \
             runuser -u postgres -- '{pg_ctl}' -D '{data}' -m immediate -w stop; rm -rf '{dir}'",
            pg_ctl = pg_bin("pg_ctl"),
            pid = std::process::id(),
            data = s(&self.dir.join("data")),
            dir = s(&self.dir),
        );
        #[allow(
            clippy::zombie_processes,
            reason = "the watcher must outlive this process"
        )]
        let _ = Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server watcher");
    }

    /// Runs SQL as the superuser over the Unix socket (psql, not the code under test).
    pub(crate) fn psql(&self, sql: &str) -> Result<String, String> {
        run(&mut as_postgres(&[
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            &s(&self.dir),
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-At",
            "-c",
            sql,
        ]))
    }

    pub(crate) fn tcp(&self) -> TcpStream {
        let t = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to PostgreSQL");
        t.set_nodelay(true).expect("nodelay");
        t
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| e.to_string())?;
    f.write_all(text.as_bytes()).map_err(|e| e.to_string())
}
