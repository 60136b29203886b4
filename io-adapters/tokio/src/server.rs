//! Accepting connections: one task per connection, each driven by [`drive_stream`], with a
//! graceful shutdown that reaches every connection.

use core::future::Future;
use core::net::SocketAddr;
use std::io;

use fasterapi_core::StreamMachine;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::Handler;
use crate::stream::{DriveError, DriverConfig, drive_stream};

/// What [`serve_tcp`] did, once it has shut down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections whose machine closed cleanly.
    pub closed_cleanly: u64,
    /// Connections that ended with a protocol error, a transport error or a timeout.
    pub failed: u64,
}

/// Accepts connections on `listener` until `shutdown` completes, driving each with the machine
/// and handler `make(peer)` returns, on its own task.
///
/// On `shutdown` it stops accepting, starts every open machine's graceful close (a GOAWAY,
/// `Connection: close`, a close frame), waits for all of them to finish (each within
/// [`DriverConfig::shutdown_grace`]), and returns what happened.
///
/// # Errors
/// Only an error of the listener itself; errors of single connections are counted in
/// [`ServeStats::failed`].
pub async fn serve_tcp<M, H, F, S>(
    listener: TcpListener,
    config: DriverConfig,
    make: F,
    shutdown: S,
) -> io::Result<ServeStats>
where
    M: StreamMachine + Send + 'static,
    M::Error: Send,
    M::Payload: Send,
    H: Handler<M> + Send + 'static,
    F: Fn(SocketAddr) -> (M, H),
    S: Future<Output = ()>,
{
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks: JoinSet<bool> = JoinSet::new();
    let mut stats = ServeStats::default();
    let mut shutdown = core::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    // A connection that died before accept (ECONNABORTED) or a full fd table:
                    // not the listener's fault; keep serving.
                    Err(e) if is_per_connection(&e) => continue,
                    Err(e) => return Err(e),
                };
                stats.accepted += 1;
                let (machine, handler) = make(peer);
                let config = config.clone();
                let stop = stop_rx.clone();
                tasks.spawn(async move { connection(machine, handler, stream, config, stop).await });
            }
            Some(done) = tasks.join_next(), if !tasks.is_empty() => count(&mut stats, done),
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    // Every connection sees the signal, closes gracefully, and ends within its grace period.
    let _ = stop_tx.send(true);
    while let Some(done) = tasks.join_next().await {
        count(&mut stats, done);
    }
    Ok(stats)
}

async fn connection<M, H>(
    machine: M,
    handler: H,
    stream: TcpStream,
    config: DriverConfig,
    mut stop: watch::Receiver<bool>,
) -> bool
where
    M: StreamMachine,
    H: Handler<M>,
{
    let _ = stream.set_nodelay(true);
    let signal = async move {
        // Resolves once the server stops; a dropped sender also means stop.
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    match drive_stream(machine, stream, handler, &config, signal).await {
        Ok(_) => true,
        Err(DriveError::Io(_) | DriveError::Protocol(_) | _) => false,
    }
}

fn count(stats: &mut ServeStats, done: Result<bool, tokio::task::JoinError>) {
    match done {
        Ok(true) => stats.closed_cleanly += 1,
        // A panicking connection task counts as failed; the server keeps running.
        Ok(false) | Err(_) => stats.failed += 1,
    }
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) || e.raw_os_error() == Some(24) // EMFILE: too many open files, transient
}
