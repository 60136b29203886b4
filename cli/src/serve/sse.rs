//! `GET /events`: an SSE ticker. Events are encoded by `fasterapi-sse`'s server stream (raw
//! framing, no head: the HTTP/1.1 machine sends the head and the chunked framing), ticks and
//! keep-alive comments are scheduled through the connection handler's timer.

use core::time::Duration;

use bytes::Bytes;
use fasterapi_core::{Machine, StreamMachine, Timestamp};
use fasterapi_http1::{Header, ServerConnection};
use fasterapi_sse::{Framing, Message, Server, ServerConfig};

/// Time between two ticks.
pub(crate) const TICK: Duration = Duration::from_secs(1);
/// Idle time after which a keep-alive comment is sent (only with ticks slower than this).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One open event stream.
#[derive(Debug)]
pub(crate) struct Ticker {
    stream: Server,
    next_id: u64,
    next_tick: Timestamp,
}

impl Ticker {
    /// Sends the response head and the first event. `last_id` is the client's
    /// `Last-Event-ID`: the count resumes after it.
    pub(crate) fn start(
        conn: &mut ServerConnection,
        now: Timestamp,
        last_id: Option<&[u8]>,
        head: bool,
    ) -> Option<Self> {
        let headers = [
            Header {
                name: b"Content-Type",
                value: b"text/event-stream",
            },
            Header {
                name: b"Cache-Control",
                value: b"no-cache",
            },
        ];
        conn.send_response(200, &headers).ok()?;
        if head {
            let _ = conn.end_body();
            return None;
        }
        let mut config = ServerConfig::default();
        config.framing = Framing::Raw;
        config.send_head = false;
        config.keep_alive = Some(KEEP_ALIVE);
        let next_id = last_id
            .and_then(|v| core::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(1, |id| id.saturating_add(1));
        let mut ticker = Self {
            stream: Server::new(now, config),
            next_id,
            next_tick: now,
        };
        let _ = ticker.stream.send_comment(now, "fasterapi ticker");
        ticker.on_timeout(conn, now);
        Some(ticker)
    }

    /// The next tick or keep-alive.
    pub(crate) fn poll_timeout(&mut self) -> Option<Timestamp> {
        let keep_alive = self.stream.poll_timeout();
        Some(keep_alive.map_or(self.next_tick, |k| k.min(self.next_tick)))
    }

    /// Sends the ticks and keep-alives that are due; returns false when the stream ended.
    pub(crate) fn on_timeout(&mut self, conn: &mut ServerConnection, now: Timestamp) -> bool {
        if now >= self.next_tick {
            let id = self.next_id.to_string();
            let data = serde_json::json!({ "tick": self.next_id, "elapsed_ms": now.as_nanos() / 1_000_000 })
                .to_string();
            let msg = Message::new(&data).with_id(&id);
            if self.stream.send(now, &msg).is_err() {
                return self.finish(conn);
            }
            self.next_id += 1;
            self.next_tick = now.saturating_add(TICK);
        }
        if self.stream.poll_timeout().is_some_and(|t| t <= now) {
            let _ = self.stream.handle_timeout(now);
        }
        self.pump(conn, now)
    }

    /// Ends the stream (server shutting down).
    pub(crate) fn finish(&mut self, conn: &mut ServerConnection) -> bool {
        self.stream.close(Timestamp::ZERO);
        let _ = conn.end_body();
        false
    }

    /// Moves the encoded bytes into the HTTP/1.1 body (one chunk per drain).
    fn pump(&mut self, conn: &mut ServerConnection, now: Timestamp) -> bool {
        let mut buf = vec![0u8; self.stream.buffered().max(1)];
        let n = self.stream.poll_transmit(now, &mut buf);
        if n > 0 {
            buf.truncate(n);
            if conn.send_data(Bytes::from(buf)).is_err() {
                return false;
            }
        }
        true
    }
}
