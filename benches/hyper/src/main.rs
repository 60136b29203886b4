//! A minimal hyper HTTP/1.1 server answering every request with the JSON body given on the
//! command line (the same bytes `fasterapi serve` answers `GET /` with), for `run.sh`.
//!
//! Usage: `hyper-hello ADDR WORKERS BODY_FILE`; prints `listening on http://ADDR`.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args.next().expect("ADDR").parse().expect("an address");
    let workers: usize = args.next().expect("WORKERS").parse().expect("a number");
    let body = Bytes::from(std::fs::read(args.next().expect("BODY_FILE")).expect("body file"));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(serve(addr, body));
}

async fn serve(addr: SocketAddr, body: Bytes) {
    let listener = TcpListener::bind(addr).await.expect("bind");
    println!(
        "listening on http://{}",
        listener.local_addr().expect("addr")
    );
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(_) => continue,
        };
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_req: Request<hyper::body::Incoming>| {
                let body = body.clone();
                async move {
                    Ok::<_, Infallible>(
                        Response::builder()
                            .header("Content-Type", "application/json")
                            .body(Full::new(body))
                            .expect("a valid response"),
                    )
                }
            });
            let _ = http1::Builder::new()
                .pipeline_flush(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
