//! The line protocol driven by `BlockingDriver` over real TCP sockets on 127.0.0.1.

mod line;

use core::time::Duration;
use std::net::{TcpListener, TcpStream};
use std::thread;

use fasterapi_core::{BlockingDriver, DriveError, DriverConfig, StreamMachine};
use line::{LineClient, LineError, LineServer, ServerConfig};

/// What the server thread returns: the lines it heard and how its driver ended.
type ServerOutcome = (Vec<String>, Result<(), DriveError<LineError>>);

/// Serves one connection on a fresh loopback port.
fn serve_once(config: ServerConfig) -> (core::net::SocketAddr, thread::JoinHandle<ServerOutcome>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut heard = Vec::new();
        let driver = BlockingDriver::new(LineServer::new(config), stream);
        let result = driver.run(|_, line| heard.push(line)).map(drop);
        (heard, result)
    });
    (addr, handle)
}

fn client(addr: core::net::SocketAddr) -> BlockingDriver<LineClient, TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    BlockingDriver::with_config(
        LineClient::new(),
        stream,
        DriverConfig::default().idle_timeout(Some(Duration::from_secs(10))),
    )
}

fn collect(driver: &mut BlockingDriver<LineClient, TcpStream>) -> Vec<String> {
    let mut got = Vec::new();
    while let Some(line) = driver.next_event().expect("client driver") {
        got.push(line);
    }
    got
}

#[test]
fn conversation_over_loopback() {
    let (addr, server) = serve_once(ServerConfig::default());
    let mut c = client(addr);
    for line in ["PING", "ECHO hello world", "NOPE", "QUIT"] {
        c.machine_mut().send(line);
    }
    c.flush().expect("flush");
    assert_eq!(
        collect(&mut c),
        ["PONG", "hello world", "ERR unknown command", "BYE"]
    );
    let (heard, result) = server.join().expect("server thread");
    result.expect("server ended cleanly");
    assert_eq!(heard, ["PING", "ECHO hello world", "NOPE", "QUIT"]);
}

#[test]
fn actions_between_events() {
    let (addr, server) = serve_once(ServerConfig::default());
    let mut c = client(addr);
    c.machine_mut().send("ECHO 1");
    // Each answer triggers the next request: the driver writes what the action queued.
    let mut got = Vec::new();
    while let Some(line) = c.next_event().expect("client") {
        let n: u32 = line.parse().unwrap_or(0);
        got.push(line);
        if n < 5 {
            c.machine_mut().send(&format!("ECHO {}", n + 1));
        } else if n == 5 {
            c.machine_mut().send("QUIT");
        }
    }
    assert_eq!(got, ["1", "2", "3", "4", "5", "BYE"]);
    server.join().expect("server thread").1.expect("server ok");
}

#[test]
fn server_timer_fires_through_the_driver() {
    let config = ServerConfig {
        idle_timeout: Duration::from_millis(150),
        ..Default::default()
    };
    let (addr, server) = serve_once(config);
    let mut c = client(addr);
    // Say nothing: the server's idle timer must fire and close the connection.
    assert_eq!(collect(&mut c), ["BYE idle"]);
    let (heard, result) = server.join().expect("server thread");
    assert!(heard.is_empty());
    result.expect("an idle close is a clean end");
}

#[test]
fn protocol_error_sends_the_reaction_first() {
    let (addr, server) = serve_once(ServerConfig {
        max_line: 16,
        ..Default::default()
    });
    let mut c = client(addr);
    c.machine_mut().send("ECHO this line is far too long");
    c.flush().expect("flush");
    assert_eq!(collect(&mut c), ["ERR line too long"]);
    let (_, result) = server.join().expect("server thread");
    match result {
        Err(DriveError::Protocol(LineError::TooLong { limit: 16 })) => {}
        other => panic!("expected a TooLong protocol error, got {other:?}"),
    }
}

#[test]
fn driver_idle_timeout_when_peer_is_silent() {
    // A peer that accepts and never writes, and a client machine with no timers of its own.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let holder = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        thread::sleep(Duration::from_millis(600));
        drop(stream);
    });
    let stream = TcpStream::connect(addr).expect("connect");
    let mut c = BlockingDriver::with_config(
        LineClient::new(),
        stream,
        DriverConfig::default().idle_timeout(Some(Duration::from_millis(100))),
    );
    match c.next_event() {
        Err(DriveError::TimedOut) => {}
        other => panic!("expected TimedOut, got {other:?}"),
    }
    holder.join().expect("holder thread");
}

#[test]
fn truncated_stream_is_an_error() {
    let (addr, server) = serve_once(ServerConfig::default());
    let mut stream = TcpStream::connect(addr).expect("connect");
    std::io::Write::write_all(&mut stream, b"PIN").expect("write");
    stream
        .shutdown(std::net::Shutdown::Write)
        .expect("shutdown");
    let (_, result) = server.join().expect("server thread");
    assert!(
        matches!(result, Err(DriveError::Protocol(LineError::Truncated))),
        "{result:?}"
    );
}

#[cfg(unix)]
#[test]
fn unix_socket_and_untimed_transport() {
    use fasterapi_core::Untimed;
    use std::os::unix::net::UnixStream;

    let (a, b) = UnixStream::pair().expect("socketpair");
    let server = thread::spawn(move || {
        let mut heard = Vec::new();
        // The server side runs over the Untimed wrapper: any Read + Write works.
        let driver = BlockingDriver::new(LineServer::new(ServerConfig::default()), Untimed(b));
        let result = driver.run(|_, line| heard.push(line)).map(drop);
        (heard, result)
    });
    let mut c = BlockingDriver::new(LineClient::new(), a);
    c.machine_mut().send("ECHO over a unix socket");
    c.machine_mut().send("QUIT");
    let mut got = Vec::new();
    while let Some(line) = c.next_event().expect("client") {
        got.push(line);
    }
    assert_eq!(got, ["over a unix socket", "BYE"]);
    let (heard, result) = server.join().expect("server thread");
    result.expect("server ok");
    assert_eq!(heard, ["ECHO over a unix socket", "QUIT"]);
}

#[test]
fn hand_off_returns_the_open_transport() {
    use std::io::{Read, Write};

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut driver = BlockingDriver::new(LineServer::new(ServerConfig::default()), stream);
        let mut heard = Vec::new();
        while let Some(line) = driver.next_event().expect("server") {
            heard.push(line);
        }
        assert!(driver.machine().is_handed_off());
        // The transport is still open: speak the "new protocol" on it.
        let (mut machine, mut stream) = driver.into_parts();
        let mut rest = machine.take_leftover();
        while rest.len() < 5 {
            let mut b = [0u8; 16];
            let n = stream.read(&mut b).expect("read after hand-off");
            assert!(n > 0, "stream still open");
            rest.extend_from_slice(&b[..n]);
        }
        stream.write_all(b"raw!").expect("write after hand-off");
        (heard, rest)
    });
    let mut sock = TcpStream::connect(addr).expect("connect");
    sock.write_all(b"SWITCH\nhel").expect("write");
    let mut got = [0u8; 9];
    sock.read_exact(&mut got).expect("switched line");
    assert_eq!(&got, b"SWITCHED\n");
    sock.write_all(b"lo").expect("write more");
    let mut raw = [0u8; 4];
    sock.read_exact(&mut raw).expect("raw reply");
    assert_eq!(&raw, b"raw!");
    let (heard, rest) = server.join().expect("server thread");
    assert_eq!(heard, ["SWITCH"]);
    assert_eq!(rest, b"hello");
}
