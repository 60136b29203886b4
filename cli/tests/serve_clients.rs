//! fasterapi-tokio's own clients against `fasterapi serve`: `HttpClient` (keep-alive, a
//! streamed upload echoed back) and `WebSocketClient` (echo with permessage-deflate, then the
//! server's 1001 "going away" close on SIGINT).

mod serve_support;

use core::time::Duration;

use bytes::{Bytes, BytesMut};
use fasterapi_http1::Header;
use fasterapi_tokio::{HttpClient, WebSocketClient};
use fasterapi_websocket::handshake::ClientOptions;
use fasterapi_websocket::{CloseCode, DeflateConfig, Event};
use serve_support::{Server, both_runtimes};

both_runtimes!(
    http_client_keep_alive_and_streamed_echo,
    websocket_client_echo_then_going_away_on_sigint,
);

fn http_client_keep_alive_and_streamed_echo(runtime: &str) {
    block_on(http_client_echo(runtime));
}

fn websocket_client_echo_then_going_away_on_sigint(runtime: &str) {
    block_on(websocket_client_echo_then_going_away(runtime));
}

/// Runs a client test on a current-thread tokio runtime (the server runs on `runtime`).
fn block_on<F: Future>(test: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(test)
}

fn port(server: &Server) -> u16 {
    server
        .addr
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("a port")
}

async fn http_client_echo(runtime: &str) {
    let server = Server::start_on(runtime);
    let mut client = HttpClient::connect("127.0.0.1", port(&server), None)
        .await
        .expect("connect");
    let (response, body) = client.get("/users/42").await.expect("GET");
    assert_eq!(response.status, 200);
    let user: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(user["id"], "42");
    assert!(client.is_reusable());

    let headers = [Header {
        name: b"Transfer-Encoding",
        value: b"chunked",
    }];
    client
        .send_request(b"POST", b"/echo", &headers)
        .await
        .expect("POST");
    let mut sent = BytesMut::new();
    for i in 0..20u8 {
        let chunk = Bytes::from(vec![i; 3000]);
        sent.extend_from_slice(&chunk);
        client.send_data(chunk).await.expect("chunk");
    }
    client.end_body().await.expect("end");
    let response = client.response().await.expect("response");
    assert_eq!(response.status, 200);
    let mut echoed = BytesMut::new();
    while let Some(piece) = client.data().await.expect("body") {
        echoed.extend_from_slice(&piece);
    }
    assert!(echoed == sent, "{} of {} bytes", echoed.len(), sent.len());
    assert!(client.is_reusable());
}

async fn websocket_client_echo_then_going_away(runtime: &str) {
    let mut server = Server::start_on(runtime);
    let options = ClientOptions::new().deflate(Some(DeflateConfig::new()));
    let mut ws = WebSocketClient::connect("127.0.0.1", port(&server), "/ws", None, options)
        .await
        .expect("handshake");
    assert!(ws.accepted().deflate.is_some());
    ws.send_text("hello serve").await.expect("send");
    match ws.recv().await.expect("recv") {
        Some(Event::Text(text)) => assert_eq!(text, "hello serve"),
        other => panic!("expected the echo, got {other:?}"),
    }
    server.signal("INT");
    let close = tokio::time::timeout(Duration::from_secs(10), ws.recv())
        .await
        .expect("the close frame comes within 10 s")
        .expect("a clean close");
    match close {
        Some(Event::Close { code, reason }) => {
            assert_eq!(code, Some(CloseCode::GOING_AWAY));
            assert_eq!(reason, "server shutting down");
        }
        other => panic!("expected the close frame, got {other:?}"),
    }
    // The machine answered the close; the connection ends.
    let end = tokio::time::timeout(Duration::from_secs(10), ws.recv())
        .await
        .expect("ends");
    assert!(matches!(end, Ok(None)), "{end:?}");
    let status = server.wait(Duration::from_secs(8));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
}
