//! The datagram driver over real UDP sockets on loopback, with a small echo machine.

use core::net::SocketAddr;
use core::time::Duration;
use std::collections::VecDeque;

use fasterapi_core::{DatagramMachine, DatagramTransmit, Machine, Timestamp};
use fasterapi_tokio::{DriveError, DriverConfig, drive_datagram};
use tokio::net::UdpSocket;

/// Echoes each datagram upper-cased; closes after `idle` without input, or on "BYE".
struct Shouter {
    out: VecDeque<(SocketAddr, Vec<u8>)>,
    events: VecDeque<String>,
    idle: Duration,
    last: Timestamp,
    closed: bool,
}

impl Machine for Shouter {
    type Event = String;
    type Error = core::convert::Infallible;

    fn handle_timeout(&mut self, now: Timestamp) -> Result<(), Self::Error> {
        if now >= self.last + self.idle {
            self.closed = true;
        }
        Ok(())
    }
    fn poll_timeout(&mut self) -> Option<Timestamp> {
        (!self.closed).then_some(self.last + self.idle)
    }
    fn poll_event(&mut self) -> Option<String> {
        self.events.pop_front()
    }
    fn close(&mut self, _now: Timestamp) {
        self.closed = true;
    }
    fn is_closed(&self) -> bool {
        self.closed && self.out.is_empty()
    }
}

impl DatagramMachine for Shouter {
    fn handle_datagram(
        &mut self,
        now: Timestamp,
        remote: SocketAddr,
        datagram: &[u8],
    ) -> Result<(), Self::Error> {
        self.last = now;
        let text = String::from_utf8_lossy(datagram).into_owned();
        self.out
            .push_back((remote, text.to_uppercase().into_bytes()));
        if text == "BYE" {
            self.closed = true;
        }
        self.events.push_back(text);
        Ok(())
    }
    fn poll_transmit(&mut self, _now: Timestamp, buf: &mut [u8]) -> Option<DatagramTransmit> {
        let (to, data) = self.out.pop_front()?;
        buf[..data.len()].copy_from_slice(&data);
        Some(DatagramTransmit::new(to, data.len()))
    }
}

fn shouter(idle: Duration) -> Shouter {
    Shouter {
        out: VecDeque::new(),
        events: VecDeque::new(),
        idle,
        last: Timestamp::ZERO,
        closed: false,
    }
}

#[tokio::test]
async fn echo_over_udp_until_bye() {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = server.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let mut heard = Vec::new();
        let r = drive_datagram(
            shouter(Duration::from_secs(30)),
            &server,
            |_: &mut Shouter, e: String| heard.push(e),
            &DriverConfig::default(),
            core::future::pending(),
        )
        .await
        .map(drop);
        (heard, r)
    });
    let client = UdpSocket::bind("127.0.0.1:0").await.expect("bind client");
    client.connect(addr).await.expect("connect");
    let mut buf = [0u8; 64];
    for word in ["hello", "udp", "BYE"] {
        client.send(word.as_bytes()).await.expect("send");
        let n = tokio::time::timeout(Duration::from_secs(5), client.recv(&mut buf))
            .await
            .expect("answer")
            .expect("recv");
        assert_eq!(&buf[..n], word.to_uppercase().as_bytes());
    }
    let (heard, r) = task.await.expect("server task");
    r.expect("closed cleanly");
    assert_eq!(heard, ["hello", "udp", "BYE"]);
}

#[tokio::test(start_paused = true)]
async fn machine_timer_ends_the_driver_on_virtual_time() {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let r = drive_datagram(
        shouter(Duration::from_secs(3600)),
        &server,
        |_: &mut Shouter, _: String| {},
        &DriverConfig::default(),
        core::future::pending(),
    )
    .await;
    // An hour of idleness passes instantly on tokio's paused clock.
    assert!(r.expect("clean close").is_closed());
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_of_the_driver() {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let config = DriverConfig::default().idle_timeout(Some(Duration::from_secs(1)));
    let r = drive_datagram(
        shouter(Duration::from_secs(3600)),
        &server,
        |_: &mut Shouter, _: String| {},
        &config,
        core::future::pending(),
    )
    .await;
    assert!(matches!(r, Err(DriveError::TimedOut)), "{:?}", r.err());
}
