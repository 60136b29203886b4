//! `GET /events`: an SSE ticker. Each event is encoded by `fasterapi-sse`'s codec straight
//! into the `Bytes` the HTTP/1.1 machine sends as one chunk (no intermediate stream buffer:
//! the machine writes that `Bytes` as its vectored payload); ticks come from the connection
//! handler's timer.

use core::time::Duration;

use bytes::{Bytes, BytesMut};
use fasterapi_core::Timestamp;
use fasterapi_http1::{Header, ServerConnection};
use fasterapi_sse::{Message, encode_comment};

/// Time between two ticks (frequent enough that no keep-alive comment is ever needed).
pub(crate) const TICK: Duration = Duration::from_secs(1);

/// One open event stream.
#[derive(Debug)]
pub(crate) struct Ticker {
    next_id: u64,
    next_tick: Timestamp,
    start: Timestamp,
}

/// What a ticker has to send at a given time.
#[derive(Debug)]
pub(crate) enum Tick {
    /// Nothing yet.
    NotYet,
    /// This event.
    Event(Bytes),
    /// The event could not be encoded: end the stream.
    End,
}

impl Ticker {
    /// A ticker whose first event is due `now`; `last_id` is the client's `Last-Event-ID`:
    /// the count resumes after it.
    pub(crate) fn new(now: Timestamp, last_id: Option<&[u8]>) -> Self {
        let next_id = last_id
            .and_then(|v| core::str::from_utf8(v).ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(1, |id| id.saturating_add(1));
        Self {
            next_id,
            next_tick: now,
            start: now,
        }
    }

    /// The comment that opens every stream.
    pub(crate) fn comment() -> Option<Bytes> {
        let comment = "fasterapi ticker";
        let mut buf = BytesMut::zeroed(comment.len() + 3);
        let n = encode_comment(comment, &mut buf).ok()?;
        buf.truncate(n);
        Some(buf.freeze())
    }

    /// The event due at `now`, if any; the next one is then due a [`TICK`] later.
    pub(crate) fn due(&mut self, now: Timestamp) -> Tick {
        if now < self.next_tick {
            return Tick::NotYet;
        }
        let id = self.next_id.to_string();
        let elapsed_ms = now.as_nanos().saturating_sub(self.start.as_nanos()) / 1_000_000;
        let data =
            serde_json::json!({ "tick": self.next_id, "elapsed_ms": elapsed_ms }).to_string();
        let msg = Message::new(&data).with_id(&id);
        let Some(event) = encode(&msg) else {
            return Tick::End;
        };
        self.next_id += 1;
        self.next_tick = now.saturating_add(TICK);
        Tick::Event(event)
    }

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
        let mut ticker = Self::new(now, last_id);
        if let Some(comment) = Self::comment() {
            let _ = conn.send_data(comment);
        }
        ticker.on_timeout(conn, now).then_some(ticker)
    }

    /// The next tick.
    pub(crate) fn poll_timeout(&self) -> Option<Timestamp> {
        Some(self.next_tick)
    }

    /// Sends the tick that is due; returns false when the stream ended.
    pub(crate) fn on_timeout(&mut self, conn: &mut ServerConnection, now: Timestamp) -> bool {
        match self.due(now) {
            Tick::NotYet => true,
            Tick::Event(event) => conn.send_data(event).is_ok(),
            Tick::End => self.finish(conn),
        }
    }

    /// Ends the stream (server shutting down): the last chunk.
    pub(crate) fn finish(&mut self, conn: &mut ServerConnection) -> bool {
        let _ = conn.end_body();
        false
    }
}

/// One event, encoded into exactly the bytes it takes.
fn encode(msg: &Message<'_>) -> Option<Bytes> {
    let mut buf = BytesMut::zeroed(msg.encoded_len().ok()?);
    let n = msg.encode(&mut buf).ok()?;
    buf.truncate(n);
    Some(buf.freeze())
}
