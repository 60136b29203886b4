//! `Pool`: a bounded set of connections, each with its own statement cache.

use core::ops::Deref;
use core::time::Duration;
use std::sync::Arc;

use fasterapi_pool::mpmc::ArrayQueue;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::{Client, ConnectConfig, Error};

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// At most this many connections exist (checked out or idle). Default 10.
    pub max_size: usize,
    /// An idle connection older than this is closed instead of reused. Default 10 minutes.
    pub idle_timeout: Duration,
    /// Run a round trip (an empty query) on checkout before handing a connection out. A
    /// connection whose task has ended is always discarded. Default on.
    pub health_check: bool,
    /// How long `get` waits for a free slot. Default 30 s.
    pub wait_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            idle_timeout: Duration::from_secs(600),
            health_check: true,
            wait_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug)]
struct Idle {
    client: Client,
    since: Instant,
}

#[derive(Debug)]
struct Inner {
    config: ConnectConfig,
    options: PoolOptions,
    idle: ArrayQueue<Idle>,
    slots: Arc<Semaphore>,
}

/// A bounded connection pool. Clone it freely (it is a handle).
#[derive(Debug, Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl Pool {
    /// A pool connecting with `config`; no connection is opened until needed.
    ///
    /// # Errors
    /// `max_size` is 0.
    pub fn new(config: ConnectConfig, options: PoolOptions) -> Result<Self, Error> {
        if options.max_size == 0 {
            return Err(Error::Config("a pool needs max_size >= 1".into()));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                idle: ArrayQueue::new(options.max_size),
                slots: Arc::new(Semaphore::new(options.max_size)),
                config,
                options,
            }),
        })
    }

    /// Idle connections right now.
    pub fn idle(&self) -> usize {
        self.inner.idle.len()
    }

    /// Connections that can still be checked out or opened.
    pub fn available(&self) -> usize {
        self.inner.slots.available_permits()
    }

    /// A connection: an idle one that passes the checks, or a new one. Waits (up to
    /// `wait_timeout`) while `max_size` are checked out.
    ///
    /// # Errors
    /// The wait timed out ([`Error::Timeout`]), or a new connection failed.
    pub async fn get(&self) -> Result<PooledClient, Error> {
        let inner = &self.inner;
        let permit = tokio::time::timeout(
            inner.options.wait_timeout,
            inner.slots.clone().acquire_owned(),
        )
        .await
        .map_err(|_| Error::Timeout)?
        .map_err(|_| Error::Closed)?;
        while let Some(idle) = inner.idle.pop() {
            if idle.client.is_closed() || idle.since.elapsed() > inner.options.idle_timeout {
                idle.client.close();
                continue;
            }
            if inner.options.health_check && idle.client.simple_query("").await.is_err() {
                continue;
            }
            return Ok(PooledClient {
                client: Some(idle.client),
                pool: inner.clone(),
                _permit: permit,
            });
        }
        let client = Client::connect(&inner.config).await?;
        Ok(PooledClient {
            client: Some(client),
            pool: inner.clone(),
            _permit: permit,
        })
    }
}

/// A checked-out connection; returns to the pool when dropped (unless closed or left inside
/// a transaction, which closes it).
#[derive(Debug)]
pub struct PooledClient {
    client: Option<Client>,
    pool: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
}

impl PooledClient {
    /// Keeps the connection out of the pool: it closes when dropped.
    pub fn detach(mut self) -> Client {
        self.client.take().expect("present until dropped")
    }
}

impl Deref for PooledClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("present until dropped")
    }
}

impl Drop for PooledClient {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if client.is_closed() || !client.is_idle() {
            client.close();
            return;
        }
        // The queue holds max_size and at most max_size connections exist: it never fills.
        if let Err(idle) = self.pool.idle.push(Idle {
            client,
            since: Instant::now(),
        }) {
            idle.client.close();
        }
    }
}
