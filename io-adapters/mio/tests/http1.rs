//! fasterapi-http1's server machine on the mio reactor against curl and std clients on
//! loopback: keep-alive, chunked upload, bad input, many connections, back-pressure, timers,
//! graceful shutdown, and the multi-threaded `SO_REUSEPORT` server.

mod common;

use core::time::Duration;
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{BIG, connect, curl, get, read_response, read_to_close, start};
use fasterapi_mio::{DriverConfig, serve};

fn config() -> DriverConfig {
    DriverConfig::default().shutdown_grace(Duration::from_secs(2))
}

#[test]
fn curl_keep_alive_and_chunked_upload() {
    let server = start(config());
    let url = format!("http://{}/", server.addr);
    let out = curl(&["-w", "|%{num_connects}\n", &url, &url]);
    assert_eq!(
        out, "hello from fasterapi-mio\n|1\nhello from fasterapi-mio\n|0\n",
        "the second request reuses the connection"
    );
    let echo = format!("http://{}/echo", server.addr);
    let payload = "ping over chunked ".repeat(2000);
    let echoed = curl(&[
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        &payload,
        &echo,
    ]);
    assert_eq!(echoed, payload);
    let stats = server.stop();
    assert_eq!(stats.accepted, 2);
    assert_eq!(stats.failed, 0, "{stats:?}");
}

#[test]
fn bad_input_is_answered_400_then_closed() {
    let server = start(config());
    let mut sock = connect(server.addr);
    sock.write_all(b"GET / HTTP/1.1\nHost: bare-lf\r\n\r\n")
        .expect("write");
    let got = read_to_close(&mut sock);
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 400 "), "{text}");
    let stats = server.stop();
    assert_eq!((stats.accepted, stats.failed), (1, 1), "{stats:?}");
}

#[test]
fn two_hundred_concurrent_connections() {
    let server = start(config());
    let mut socks: Vec<_> = (0..200).map(|_| connect(server.addr)).collect();
    // Every connection has a request in flight before any answer is read.
    for sock in &mut socks {
        sock.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .expect("write");
    }
    for sock in &mut socks {
        let (head, body) = read_response(sock);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, b"hello from fasterapi-mio\n");
    }
    // And each is kept alive for a second request.
    for sock in &mut socks {
        let (_, body) = get(sock, "/echo");
        assert!(body.is_empty());
    }
    let stats = server.stop();
    assert_eq!(stats.accepted, 200);
    assert_eq!(stats.closed_cleanly, 200, "{stats:?}");
}

#[test]
fn large_response_to_a_slow_reader_goes_through_back_pressure() {
    let server = start(config());
    let mut sock = connect(server.addr);
    // Two pipelined requests: the second waits in the socket while the first's output is
    // blocked on a reader that does not read yet.
    sock.write_all(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("write");
    std::thread::sleep(Duration::from_millis(200));
    let (_, body) = read_response(&mut sock);
    assert_eq!(body.len(), BIG);
    assert!(body.iter().all(|&b| b == b'x'));
    let (_, body) = read_response(&mut sock);
    assert_eq!(body, b"hello from fasterapi-mio\n");
    let stats = server.stop();
    assert_eq!(stats.failed, 0, "{stats:?}");
}

#[test]
fn idle_timeout_closes_a_silent_connection() {
    // Long enough that the request always comes first, even on a loaded machine.
    let server = start(config().idle_timeout(Some(Duration::from_millis(300))));
    let mut sock = connect(server.addr);
    let (_, body) = get(&mut sock, "/");
    assert_eq!(body, b"hello from fasterapi-mio\n");
    // Nothing more is sent: the reactor's timer closes the connection.
    let rest = read_to_close(&mut sock);
    assert!(rest.is_empty(), "{rest:?}");
    let stats = server.stop();
    assert_eq!((stats.accepted, stats.timed_out), (1, 1), "{stats:?}");
}

#[test]
fn handler_timer_answers_later() {
    let server = start(config());
    let mut sock = connect(server.addr);
    let (head, body) = get(&mut sock, "/slow");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, b"slow hello\n");
    // The connection goes on after the timer's answer.
    let (_, body) = get(&mut sock, "/");
    assert_eq!(body, b"hello from fasterapi-mio\n");
    let stats = server.stop();
    assert_eq!(stats.failed, 0, "{stats:?}");
}

#[test]
fn graceful_shutdown_closes_idle_keep_alive_connections() {
    let server = start(config());
    let mut socks: Vec<_> = (0..3).map(|_| connect(server.addr)).collect();
    for sock in &mut socks {
        let (head, _) = get(sock, "/");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    }
    // The connections are idle and kept alive; shutting down must close each cleanly.
    let stats = server.stop();
    for sock in &mut socks {
        assert!(read_to_close(sock).is_empty());
    }
    assert_eq!((stats.accepted, stats.closed_cleanly), (3, 3), "{stats:?}");
}

#[test]
fn reuseport_threads_share_the_port() {
    let threads = Arc::new(Mutex::new(HashSet::new()));
    let seen = Arc::clone(&threads);
    let server = serve(
        "127.0.0.1:0".parse().expect("addr"),
        config().workers(4),
        move |peer| {
            let name = std::thread::current().name().map(str::to_owned);
            seen.lock().expect("lock").insert(name);
            common::session(peer)
        },
    )
    .expect("serve");
    let url = format!("http://{}/", server.local_addr());
    let mut socks: Vec<_> = (0..64).map(|_| connect(server.local_addr())).collect();
    for sock in &mut socks {
        let (_, body) = get(sock, "/");
        assert_eq!(body, b"hello from fasterapi-mio\n");
    }
    assert_eq!(curl(&[&url]), "hello from fasterapi-mio\n");
    let stop = server.shutdown_handle();
    stop.shutdown();
    let stats = server.join().expect("join");
    assert_eq!(stats.accepted, 65);
    assert_eq!(stats.closed_cleanly, 65, "{stats:?}");
    let threads = threads.lock().expect("lock");
    // The kernel hashes each connection to one of the 4 listeners: 64 connections all on
    // one of them has probability 4^-63.
    assert!(
        threads.len() > 1,
        "one thread accepted everything: {threads:?}"
    );
    assert!(
        threads.iter().all(|t| t
            .as_deref()
            .is_some_and(|n| n.starts_with("fasterapi-mio-"))),
        "{threads:?}"
    );
}

#[test]
fn request_then_half_close_is_answered_then_closed() {
    let server = start(config());
    let mut sock = connect(server.addr);
    // The request and the end of the stream arrive together: the reactor must see both.
    sock.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("write");
    sock.shutdown(std::net::Shutdown::Write)
        .expect("half close");
    let (head, body) = read_response(&mut sock);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, b"hello from fasterapi-mio\n");
    assert!(read_to_close(&mut sock).is_empty());
    let stats = server.stop();
    assert_eq!((stats.accepted, stats.closed_cleanly), (1, 1), "{stats:?}");
}

#[test]
fn connections_past_the_limit_are_closed_at_once() {
    let server = start(config().max_connections(2));
    let mut kept: Vec<_> = (0..2).map(|_| connect(server.addr)).collect();
    for sock in &mut kept {
        let (_, body) = get(sock, "/");
        assert_eq!(body, b"hello from fasterapi-mio\n");
    }
    let mut third = connect(server.addr);
    // The request may or may not be written before the close; either way no answer comes.
    let _ = third.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    let mut rest = Vec::new();
    let read = std::io::Read::read_to_end(&mut third, &mut rest);
    assert!(
        read.is_err() || rest.is_empty(),
        "the third connection got an answer: {rest:?}"
    );
    // The two within the limit are still served.
    let (_, body) = get(&mut kept[0], "/");
    assert_eq!(body, b"hello from fasterapi-mio\n");
    let stats = server.stop();
    assert_eq!((stats.accepted, stats.rejected), (2, 1), "{stats:?}");
}

#[test]
fn shutdown_grace_ends_a_connection_that_does_not_finish() {
    let server = start(DriverConfig::default().shutdown_grace(Duration::from_millis(200)));
    let mut sock = connect(server.addr);
    // Half a request body: the exchange cannot finish until the rest comes, which it never
    // does.
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nhalf")
        .expect("write");
    // Time for the reactor to read it (generous: the machine is shared), before the shutdown.
    std::thread::sleep(Duration::from_millis(300));
    let stats = server.stop();
    let _ = read_to_close(&mut sock);
    assert_eq!((stats.accepted, stats.failed), (1, 1), "{stats:?}");
}

#[test]
fn a_panicking_handler_loses_only_its_connection() {
    let server = start(config());
    let mut other = connect(server.addr);
    let (_, body) = get(&mut other, "/");
    assert_eq!(body, b"hello from fasterapi-mio\n");
    let mut sock = connect(server.addr);
    sock.write_all(b"GET /panic HTTP/1.1\r\nHost: t\r\n\r\n")
        .expect("write");
    assert!(read_to_close(&mut sock).is_empty());
    // The reactor goes on: the other connection and new ones are served.
    let (_, body) = get(&mut other, "/");
    assert_eq!(body, b"hello from fasterapi-mio\n");
    let (_, body) = get(&mut connect(server.addr), "/");
    assert_eq!(body, b"hello from fasterapi-mio\n");
    let stats = server.stop();
    assert_eq!((stats.accepted, stats.failed), (3, 1), "{stats:?}");
}

#[test]
fn a_client_machine_on_a_reactor_of_its_own() {
    use core::cell::RefCell;
    use std::rc::Rc;

    use fasterapi_http1::{ClientConnection, ConnectionConfig, Event, Header};
    use fasterapi_mio::Reactor;

    let server = start(config());
    let mut client = ClientConnection::new(ConnectionConfig::default());
    let headers = [
        Header {
            name: b"host",
            value: b"t",
        },
        Header {
            name: b"connection",
            value: b"close",
        },
    ];
    client
        .send_request(b"GET", b"/", &headers)
        .expect("request");
    let body = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&body);
    let handler = move |_: &mut ClientConnection, event: Event| {
        if let Event::Data(data) = event {
            seen.borrow_mut().extend_from_slice(&data);
        }
    };
    let mut reactor = Reactor::new(config()).expect("reactor");
    let stream = std::net::TcpStream::connect(server.addr).expect("connect");
    reactor
        .register(stream, (client, handler))
        .expect("register");
    // No listener: run returns once the only connection has ended.
    let stats = reactor.run().expect("run");
    assert_eq!(&body.borrow()[..], b"hello from fasterapi-mio\n");
    assert_eq!(stats.closed_cleanly, 1, "{stats:?}");
    assert_eq!(server.stop().closed_cleanly, 1);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = start(config());
    let mut sock = connect(server.addr);
    let mut requests = Vec::new();
    for i in 0..16 {
        let body = format!("request {i}");
        requests.extend_from_slice(
            format!(
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
    }
    // All sixteen in one write: the answers are gathered and leave together.
    sock.write_all(&requests).expect("write");
    for i in 0..16 {
        let (_, body) = read_response(&mut sock);
        assert_eq!(body, format!("request {i}").as_bytes());
    }
    let stats = server.stop();
    assert_eq!(stats.failed, 0, "{stats:?}");
}

#[test]
fn a_busy_port_is_an_error_even_for_another_reuseport_server() {
    let first = serve(
        "127.0.0.1:0".parse().expect("addr"),
        config().workers(2),
        common::session,
    )
    .expect("serve");
    let second = serve(first.local_addr(), config().workers(2), common::session);
    let err = second.expect_err("the port is taken");
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
    let plain = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let err = serve(plain.local_addr().expect("addr"), config(), common::session)
        .expect_err("the port is taken");
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "{err}");
    first.shutdown();
    assert_eq!(first.join().expect("join").accepted, 0);
}
