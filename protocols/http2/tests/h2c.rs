//! h2c by HTTP/1.1 `Upgrade` (fasterapi-http1 hands the connection over): curl `--http2` and
//! `nghttp -u` against our server, and our client against our server in memory.

use core::net::SocketAddr;
use core::time::Duration;
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::thread;

use bytes::Bytes;
use fasterapi_core::testing::Pair;
use fasterapi_core::{BlockingDriver, DriverConfig, StreamMachine};
use fasterapi_http1::{ClientConnection, ConnectionConfig, Header, ServerConnection};
use fasterapi_http2::upgrade::{
    accept_h2c, client_after_upgrade, h2c_request_headers, server_after_upgrade,
};
use fasterapi_http2::{Config, Event, StreamId};

const BODY: &[u8] = b"hello over h2c\n";

fn cfg() -> DriverConfig {
    DriverConfig::default().idle_timeout(Some(Duration::from_secs(15)))
}

/// One connection: HTTP/1.1 until the upgrade, then HTTP/2 on the same socket.
fn serve(tcp: TcpStream) {
    let mut h1 = BlockingDriver::with_config(
        ServerConnection::new(ConnectionConfig::default()),
        tcp,
        cfg(),
    );
    let mut accepted = None;
    let mut leftover = Bytes::new();
    while let Some(ev) = h1.next_event().unwrap() {
        match ev {
            fasterapi_http1::Event::Request(req) => {
                accepted = Some(accept_h2c(h1.machine_mut(), &req).expect("an h2c upgrade"));
            }
            fasterapi_http1::Event::Switched { leftover: l } => leftover = l,
            _ => {}
        }
    }
    assert!(h1.machine().is_handed_off());
    let (_, tcp) = h1.into_parts();
    let mut conn = server_after_upgrade(Config::default(), accepted.unwrap()).unwrap();
    conn.handle_input(fasterapi_core::Timestamp::ZERO, &leftover)
        .unwrap();
    let h2 = BlockingDriver::with_config(conn, tcp, cfg());
    h2.run(|m, ev| {
        if let Event::Request {
            stream_id, head, ..
        } = ev
        {
            assert_eq!(head.scheme.as_deref(), Some(&b"http"[..]));
            m.send_response(stream_id, 200, &[], false).unwrap();
            m.send_data(stream_id, Bytes::from_static(BODY), true)
                .unwrap();
        }
    })
    .unwrap();
}

fn server() -> (SocketAddr, thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    (addr, thread::spawn(move || serve(l.accept().unwrap().0)))
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn curl_upgrades_to_h2c() {
    let (addr, h) = server();
    let out = run(Command::new("timeout").args([
        "30",
        "curl",
        "-sS",
        "--http2",
        "-w",
        "%{http_version}",
        &format!("http://{addr}/up"),
    ]));
    let mut expected = BODY.to_vec();
    expected.extend_from_slice(b"2"); // curl's %{http_version}: the answer came over HTTP/2
    assert_eq!(out, expected);
    h.join().unwrap();
}

#[test]
fn nghttp_upgrades_to_h2c() {
    let (addr, h) = server();
    let out = run(Command::new("timeout").args(["30", "nghttp", "-u", &format!("http://{addr}/")]));
    assert_eq!(out, BODY);
    h.join().unwrap();
}

#[test]
fn our_client_upgrades_in_memory() {
    // HTTP/1.1 first.
    let mut p = Pair::new(
        ClientConnection::new(ConnectionConfig::default()),
        ServerConnection::new(ConnectionConfig::default()),
    );
    let fields = h2c_request_headers(&Config::default());
    let mut headers = vec![Header {
        name: b"Host",
        value: b"example.com",
    }];
    headers.extend(fields.iter().map(|(n, v)| Header {
        name: n.as_bytes(),
        value: v.as_bytes(),
    }));
    p.client
        .machine
        .send_request(b"GET", b"/index", &headers)
        .unwrap();
    p.drive();
    let req = match p.server.take_events().remove(0) {
        fasterapi_http1::Event::Request(r) => r,
        e => panic!("{e:?}"),
    };
    let accepted = accept_h2c(&mut p.server.machine, &req).unwrap();
    assert_eq!(accepted.head().path.as_deref(), Some(&b"/index"[..]));
    assert_eq!(
        accepted.head().authority.as_deref(),
        Some(&b"example.com"[..])
    );
    p.drive();
    assert!(p.client.is_handed_off() && p.server.is_handed_off());
    let left = |ev: Vec<fasterapi_http1::Event>| {
        ev.into_iter()
            .find_map(|e| match e {
                fasterapi_http1::Event::Switched { leftover } => Some(leftover),
                _ => None,
            })
            .expect("switched")
    };
    let (cl, sl) = (left(p.client.take_events()), left(p.server.take_events()));
    let (cin, sin) = (p.client.take_inbound(), p.server.take_inbound());
    // Then HTTP/2 on the same "transport".
    let mut client = client_after_upgrade(Config::default(), false);
    let mut server = server_after_upgrade(Config::default(), accepted).unwrap();
    let now = fasterapi_core::Timestamp::ZERO;
    client
        .handle_input(now, &[&cl[..], &cin[..]].concat())
        .unwrap();
    server
        .handle_input(now, &[&sl[..], &sin[..]].concat())
        .unwrap();
    let mut p = Pair::new(client, server);
    p.drive();
    let ev = p.server.take_events();
    let id = StreamId::new(1);
    assert!(ev.iter().any(
        |e| matches!(e, Event::Request { stream_id, end_stream: true, .. } if *stream_id == id)
    ));
    p.server.machine.send_response(id, 200, &[], false).unwrap();
    p.server
        .machine
        .send_data(id, Bytes::from_static(BODY), true)
        .unwrap();
    p.drive();
    let ev = p.client.take_events();
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Response { head, .. } if head.status == 200))
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Data { data, end_stream: true, .. } if &data[..] == BODY))
    );
    // New streams continue at 3.
    let req = fasterapi_http2::OutgoingRequest::new(b"GET", b"http", b"example.com", b"/2");
    assert_eq!(
        p.client.machine.send_request(&req, true).unwrap(),
        StreamId::new(3)
    );
}

#[test]
fn non_h2c_requests_are_declined() {
    let mut p = Pair::new(
        ClientConnection::new(ConnectionConfig::default()),
        ServerConnection::new(ConnectionConfig::default()),
    );
    p.client
        .machine
        .send_request(
            b"GET",
            b"/",
            &[
                Header {
                    name: b"Host",
                    value: b"a",
                },
                Header {
                    name: b"Upgrade",
                    value: b"h2c",
                },
                Header {
                    name: b"Connection",
                    value: b"Upgrade",
                },
            ],
        )
        .unwrap();
    p.drive();
    let req = match p.server.take_events().remove(0) {
        fasterapi_http1::Event::Request(r) => r,
        e => panic!("{e:?}"),
    };
    assert_eq!(
        accept_h2c(&mut p.server.machine, &req).unwrap_err(),
        fasterapi_http2::upgrade::UpgradeError::NotH2c
    );
}
