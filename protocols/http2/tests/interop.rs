//! Real peers against our machines over loopback TCP, driven by fasterapi-core's
//! BlockingDriver: curl --http2-prior-knowledge, nghttp and h2load against our server; our
//! client against nghttpd (h2c); Python h2 in both roles. Every peer process is started here,
//! bounded by `timeout`, and killed when the test ends. A missing peer fails the test.

use core::net::SocketAddr;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;

use bytes::Bytes;
use core::time::Duration;
use fasterapi_core::{BlockingDriver, DriverConfig, Machine};
use fasterapi_http2::{Config, Connection, Event, OutgoingRequest, StreamId};

const HELLO: &[u8] = b"hello from fasterapi\n";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch_dir(name: &str) -> PathBuf {
    let d = std::env::var_os("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("http2-interop-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn python() -> PathBuf {
    let p = workspace().join("target/venv/bin/python");
    assert!(
        p.exists(),
        "{} missing: scripts/test creates the venv from scripts/requirements.txt",
        p.display()
    );
    p
}

/// A child process killed when dropped.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn driver_config() -> DriverConfig {
    DriverConfig::default().idle_timeout(Some(Duration::from_secs(15)))
}

/// Serves one connection: GET / answers HELLO; any request with a body gets it echoed.
fn serve_connection(stream: TcpStream) {
    stream.set_nodelay(true).unwrap();
    let driver = BlockingDriver::with_config(
        Connection::server(Config::default()),
        stream,
        driver_config(),
    );
    let mut bodies: HashMap<StreamId, Vec<u8>> = HashMap::new();
    let respond = |m: &mut Connection, id: StreamId, body: Option<Vec<u8>>| {
        let body = body.map_or(Bytes::from_static(HELLO), Bytes::from);
        let len = body.len().to_string();
        m.send_response(
            id,
            200,
            &[
                (b"content-length", len.as_bytes()),
                (b"server", b"fasterapi"),
            ],
            false,
        )
        .unwrap();
        m.send_data(id, body, true).unwrap();
    };
    let result = driver.run(|m, ev| match ev {
        Event::Request {
            stream_id,
            end_stream: true,
            ..
        } => respond(m, stream_id, None),
        Event::Request { stream_id, .. } => {
            bodies.insert(stream_id, Vec::new());
        }
        Event::Data {
            stream_id,
            data,
            end_stream,
        } => {
            bodies
                .entry(stream_id)
                .or_default()
                .extend_from_slice(&data);
            if end_stream {
                let b = bodies.remove(&stream_id);
                respond(m, stream_id, b);
            }
        }
        Event::Trailers { stream_id, .. } => {
            let b = bodies.remove(&stream_id);
            respond(m, stream_id, b);
        }
        _ => {}
    });
    if let Err(e) = result {
        panic!("server connection failed: {e}");
    }
}

/// Our server on a free port, one thread per connection, for `connections` connections.
fn server(connections: usize) -> (SocketAddr, thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let h = thread::spawn(move || {
        let workers: Vec<_> = (0..connections)
            .map(|_| {
                let (s, _) = l.accept().unwrap();
                thread::spawn(move || serve_connection(s))
            })
            .collect();
        for w in workers {
            w.join().expect("a connection thread panicked");
        }
    });
    (addr, h)
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (is it installed?)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn bounded(program: &str) -> Command {
    let mut c = Command::new("timeout");
    c.arg("30").arg(program);
    c
}

#[test]
fn curl_prior_knowledge_against_our_server() {
    let (addr, h) = server(2);
    let got = run(bounded("curl")
        .args(["-sS", "--http2-prior-knowledge"])
        .arg(format!("http://{addr}/")));
    assert_eq!(got, HELLO);
    let dir = scratch_dir("curl");
    let body: Vec<u8> = (0..300_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    std::fs::write(dir.join("body"), &body).unwrap();
    let got = run(bounded("curl")
        .args(["-sS", "--http2-prior-knowledge", "--data-binary"])
        .arg(format!("@{}", dir.join("body").display()))
        .arg(format!("http://{addr}/echo")));
    assert_eq!(got.len(), body.len());
    assert!(got == body);
    h.join().unwrap();
}

#[test]
fn nghttp_against_our_server() {
    let (addr, h) = server(1);
    let dir = scratch_dir("nghttp");
    let body = vec![b'z'; 100_000];
    std::fs::write(dir.join("body"), &body).unwrap();
    // Ten concurrent uploads on one connection, each echoed back.
    let got = run(bounded("nghttp")
        .args(["-m", "10", "-d"])
        .arg(dir.join("body"))
        .arg(format!("http://{addr}/echo")));
    assert_eq!(got.len(), 10 * body.len());
    h.join().unwrap();
}

#[test]
fn h2load_smoke_against_our_server() {
    let (addr, h) = server(4);
    let out = run(bounded("h2load")
        .args(["-n", "4000", "-c", "4", "-m", "10"])
        .arg(format!("http://{addr}/")));
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed, 0 errored"),
        "{text}"
    );
    h.join().unwrap();
}

#[test]
fn python_h2_client_against_our_server() {
    let (addr, h) = server(1);
    let out = run(Command::new("timeout")
        .arg("30")
        .arg(python())
        .arg(workspace().join("protocols/http2/tests/h2_client.py"))
        .arg(addr.port().to_string()));
    assert_eq!(String::from_utf8_lossy(&out).trim(), "ok");
    h.join().unwrap();
}

/// What our client received on one stream.
#[derive(Debug, Default)]
struct Reply {
    status: u16,
    body: Vec<u8>,
    trailers: Vec<(Vec<u8>, Vec<u8>)>,
    done: bool,
}

/// Runs `requests` (path, body) on one connection with our client; returns the replies.
fn client_requests(addr: SocketAddr, requests: &[(&str, Option<Bytes>)]) -> Vec<Reply> {
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut d =
        BlockingDriver::with_config(Connection::client(Config::default()), tcp, driver_config());
    let authority = addr.to_string();
    let mut ids = Vec::new();
    for (path, body) in requests {
        let method: &[u8] = if body.is_some() { b"POST" } else { b"GET" };
        let req = OutgoingRequest::new(method, b"http", authority.as_bytes(), path.as_bytes());
        let m = d.machine_mut();
        let id = m.send_request(&req, body.is_none()).unwrap();
        if let Some(b) = body {
            m.send_data(id, b.clone(), true).unwrap();
        }
        ids.push(id);
    }
    let mut replies: HashMap<StreamId, Reply> = HashMap::new();
    while replies.values().filter(|r| r.done).count() < ids.len() {
        let ev = d.next_event().unwrap().expect("the connection ended early");
        match ev {
            Event::Response {
                stream_id,
                head,
                end_stream,
            } => {
                let r = replies.entry(stream_id).or_default();
                r.status = head.status;
                r.done = end_stream;
            }
            Event::Data {
                stream_id,
                data,
                end_stream,
            } => {
                let r = replies.entry(stream_id).or_default();
                r.body.extend_from_slice(&data);
                r.done = end_stream;
            }
            Event::Trailers {
                stream_id,
                trailers,
            } => {
                let r = replies.entry(stream_id).or_default();
                r.trailers = trailers
                    .iter()
                    .map(|(n, v)| (n.to_vec(), v.to_vec()))
                    .collect();
                r.done = true;
            }
            Event::StreamReset {
                stream_id, code, ..
            } => panic!("stream {stream_id} reset: {code}"),
            _ => {}
        }
    }
    let now = d.now();
    d.machine_mut().close(now);
    d.flush().unwrap();
    ids.iter().map(|id| replies.remove(id).unwrap()).collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(addr: SocketAddr) {
    for _ in 0..100 {
        if TcpStream::connect(addr).is_ok() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on {addr}");
}

#[test]
fn our_client_against_nghttpd() {
    let dir = scratch_dir("nghttpd");
    let file: Vec<u8> = (0..500_000u32).map(|i| (i * 7) as u8).collect();
    std::fs::write(dir.join("file.bin"), &file).unwrap();
    std::fs::write(dir.join("index.html"), b"<p>hi</p>\n").unwrap();
    let port = free_port();
    let _peer = Peer(
        Command::new("timeout")
            .args(["60", "nghttpd", "--no-tls", "-a", "127.0.0.1", "-d"])
            .arg(&dir)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nghttpd (Debian nghttp2-server) must be installed"),
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for(addr);
    let replies = client_requests(
        addr,
        &[
            ("/file.bin", None),
            ("/index.html", None),
            ("/missing", None),
        ],
    );
    assert_eq!(replies[0].status, 200);
    assert!(
        replies[0].body == file,
        "file body differs ({} octets)",
        replies[0].body.len()
    );
    assert_eq!(replies[1].body, b"<p>hi</p>\n");
    assert_eq!(replies[2].status, 404);
}

#[test]
fn our_client_against_python_h2_server() {
    let mut child = Command::new("timeout")
        .arg("30")
        .arg(python())
        .arg(workspace().join("protocols/http2/tests/h2_server.py"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _peer = Peer(child);
    let addr: SocketAddr = format!("127.0.0.1:{}", line.trim()).parse().unwrap();
    let upload = Bytes::from(vec![b'q'; 200_000]);
    let replies = client_requests(addr, &[("/", None), ("/echo", Some(upload.clone()))]);
    assert_eq!(replies[0].status, 200);
    assert_eq!(replies[0].body, b"hello from h2\n");
    assert_eq!(replies[1].body, upload);
    assert_eq!(
        replies[1].trailers,
        vec![(b"x-echo-length".to_vec(), b"200000".to_vec())]
    );
}
