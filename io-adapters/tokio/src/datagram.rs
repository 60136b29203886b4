//! The datagram driver: any [`DatagramMachine`] over a tokio `UdpSocket`.

use core::future::Future;
use core::time::Duration;
use std::io;

use fasterapi_core::{DatagramMachine, Epoch, Timestamp};
use tokio::net::UdpSocket;

use crate::Handler;
use crate::stream::{DriveError, DriverConfig, tokio_now};

/// The largest UDP payload; the receive buffer has this size so no datagram is truncated.
const MAX_DATAGRAM: usize = 65_535;

/// Drives `machine` over `socket` until it closes.
///
/// The same loop as [`drive_stream`](crate::drive_stream): send every datagram
/// `poll_transmit` gives, hand every event to `handler`, then wait for a datagram, the earlier
/// timer, or `shutdown` (which starts the machine's graceful close). A datagram the socket
/// reports an error for (an ICMP unreachable, seen as `ConnectionRefused` on Linux) is not fatal:
/// datagram protocols expect loss.
///
/// # Errors
/// A fatal protocol error, a socket error, or a timeout of [`DriverConfig`].
pub async fn drive_datagram<M, H, S>(
    mut machine: M,
    socket: &UdpSocket,
    mut handler: H,
    config: &DriverConfig,
    shutdown: S,
) -> Result<M, DriveError<M::Error>>
where
    M: DatagramMachine,
    H: Handler<M>,
    S: Future<Output = ()>,
{
    let epoch = Epoch::at(tokio::time::Instant::now().into_std());
    let mut out = vec![0u8; MAX_DATAGRAM];
    let mut input = vec![0u8; MAX_DATAGRAM];
    let mut shutdown = core::pin::pin!(shutdown);
    let mut grace_deadline: Option<Timestamp> = None;
    let mut idle_since = tokio_now(&epoch);
    loop {
        while let Some(t) = machine.poll_transmit(tokio_now(&epoch), &mut out) {
            match socket.send_to(&out[..t.len], t.remote).await {
                Ok(_) => {}
                // Loss is normal for datagrams; the machine's timers recover.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(event) = machine.poll_event() {
            handler.on_event(&mut machine, event, tokio_now(&epoch));
            continue;
        }
        if let Some(e) = machine.poll_error() {
            return Err(DriveError::Protocol(e));
        }
        if machine.is_closed() {
            return Ok(machine);
        }
        let now = tokio_now(&epoch);
        let timers = [
            machine.poll_timeout(),
            handler.poll_timeout(),
            grace_deadline,
            config.idle_timeout.map(|d| idle_since + d),
        ];
        let deadline = timers.into_iter().flatten().min();
        let timer_due = if deadline.is_some_and(|d| d <= now) {
            true
        } else {
            let sleep = tokio::time::sleep_until(match deadline {
                Some(d) => epoch.instant(d).into(),
                None => tokio::time::Instant::now() + Duration::from_secs(86_400),
            });
            tokio::select! {
                r = socket.recv_from(&mut input) => {
                    match r {
                        Ok((n, from)) => {
                            idle_since = tokio_now(&epoch);
                            machine
                                .handle_datagram(tokio_now(&epoch), from, &input[..n])
                                .map_err(DriveError::Protocol)?;
                        }
                        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                        Err(e) => return Err(e.into()),
                    }
                    false
                }
                () = sleep, if deadline.is_some() => true,
                () = &mut shutdown, if grace_deadline.is_none() => {
                    machine.close(tokio_now(&epoch));
                    grace_deadline = Some(tokio_now(&epoch) + config.shutdown_grace);
                    false
                }
            }
        };
        if timer_due {
            let now = tokio_now(&epoch);
            if grace_deadline.is_some_and(|g| g <= now) {
                return Err(DriveError::ShutdownTimedOut);
            }
            if config.idle_timeout.is_some_and(|d| idle_since + d <= now) {
                return Err(DriveError::TimedOut);
            }
            if machine.poll_timeout().is_some_and(|t| t <= now) {
                machine.handle_timeout(now).map_err(DriveError::Protocol)?;
            }
            if handler.poll_timeout().is_some_and(|t| t <= now) {
                handler.handle_timeout(&mut machine, now);
            }
        }
    }
}
