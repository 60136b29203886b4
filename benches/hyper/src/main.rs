//! A minimal hyper server answering every request with the JSON body given on the command
//! line (the same bytes `fasterapi serve` answers `GET /` with), for `run.sh`: HTTP/1.1 only,
//! or (MODE `auto`) HTTP/1.1 and HTTP/2 prior knowledge on the same port, as `fasterapi serve`
//! does (hyper-util's auto builder reads the first bytes to tell them apart).
//!
//! Usage: `hyper-hello ADDR WORKERS BODY_FILE [h1|auto]`; prints `listening on http://ADDR`.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args.next().expect("ADDR").parse().expect("an address");
    let workers: usize = args.next().expect("WORKERS").parse().expect("a number");
    let body = Bytes::from(std::fs::read(args.next().expect("BODY_FILE")).expect("body file"));
    let auto = match args.next().as_deref() {
        None | Some("h1") => false,
        Some("auto") => true,
        Some(other) => panic!("MODE is h1 or auto, not {other}"),
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(serve(addr, body, auto));
}

async fn serve(addr: SocketAddr, body: Bytes, auto: bool) {
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
            if auto {
                let mut builder = auto::Builder::new(TokioExecutor::new());
                builder.http1().pipeline_flush(true);
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            } else {
                let _ = http1::Builder::new()
                    .pipeline_flush(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            }
        });
    }
}
