//! What the client machine tells the application.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::codec::{Format, List, ProtocolVersion, RowField, TransactionStatus};
use crate::error::DbError;
use crate::types::{Decode, TypeError};

/// Names one request: every action returns one, and every event about its results carries
/// it. Each request ends with exactly one of [`Event::Done`], [`Event::Failed`],
/// [`Event::Aborted`] or [`Event::Suspended`].
pub type RequestId = u64;

/// A result column (from RowDescription).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The name.
    pub name: String,
    /// The table's oid, or 0.
    pub table_oid: u32,
    /// The attribute number, or 0.
    pub column_id: i16,
    /// The type's oid (see [`crate::types::oid`]).
    pub type_oid: u32,
    /// `typlen`.
    pub type_size: i16,
    /// `atttypmod`.
    pub type_modifier: i32,
    /// The format values of this column arrive in.
    pub format: Format,
}

impl Column {
    pub(crate) fn from_field(f: &RowField<'_>) -> Self {
        Self {
            name: String::from_utf8_lossy(f.name).into_owned(),
            table_oid: f.table_oid,
            column_id: f.column_id,
            type_oid: f.type_oid,
            type_size: f.type_size,
            type_modifier: f.type_modifier,
            format: f.format,
        }
    }
}

/// Rows that arrived together, in one buffer: one allocation per batch, not per row or value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RowBatch {
    data: Vec<u8>,
    /// (end offset in `data`, value count) per row.
    rows: Vec<(u32, u16)>,
}

impl RowBatch {
    pub(crate) fn push(&mut self, values: &List<'_, Option<&[u8]>>, body: &[u8]) {
        // `body` is the DataRow body: the Int16 count, then the values.
        self.data.extend_from_slice(&body[2..]);
        let end = u32::try_from(self.data.len()).unwrap_or(u32::MAX);
        self.rows
            .push((end, u16::try_from(values.len()).unwrap_or(u16::MAX)));
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Option<Row<'_>> {
        let &(end, count) = self.rows.get(i)?;
        let start = if i == 0 {
            0
        } else {
            self.rows[i - 1].0 as usize
        };
        Some(Row {
            values: List::from_validated(&self.data[start..end as usize], usize::from(count)),
        })
    }

    /// Every row in order.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.row(i))
    }
}

impl fmt::Debug for RowBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One row, borrowing its values from the batch (`None` is SQL NULL). Decode values with
/// [`crate::types`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    values: List<'a, Option<&'a [u8]>>,
}

impl<'a> Row<'a> {
    /// How many values.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether the row has no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Value `i` (outer `None`: no such column; inner `None`: NULL).
    pub fn get(&self, i: usize) -> Option<Option<&'a [u8]>> {
        self.values.get(i)
    }
    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&'a [u8]>> + 'a {
        self.values.iter()
    }

    /// Decodes value `i` of `columns` (from [`Event::Columns`]) with its type and format,
    /// borrowing from the row where the type allows (`&str`, `&[u8]`, `Json`).
    ///
    /// # Errors
    /// No such column, NULL into a non-`Option` type, or a value that does not decode.
    pub fn decode<T: Decode<'a>>(&self, i: usize, columns: &[Column]) -> Result<T, TypeError> {
        let (Some(raw), Some(c)) = (self.get(i), columns.get(i)) else {
            return Err(TypeError::Invalid("no such column"));
        };
        T::decode_nullable(c.type_oid, c.format, raw)
    }
}

impl fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.values, f)
    }
}

/// Something the application must know or act on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Start TLS on the transport now, then call
    /// [`tls_established`](crate::ClientConnection::tls_established). No input is taken
    /// until then.
    StartTls,
    /// The session is ready for requests.
    Ready {
        /// The protocol version in use (3.0 after a fall-back).
        protocol: ProtocolVersion,
        /// The backend's process id.
        process_id: i32,
    },
    /// A run-time parameter's value (at startup and whenever it changes).
    ParameterStatus {
        /// The parameter.
        name: String,
        /// Its value.
        value: String,
    },
    /// A NoticeResponse (a warning, a notice).
    Notice(DbError),
    /// A NOTIFY on a channel this session LISTENs to.
    Notification {
        /// The notifying backend's process id.
        process_id: i32,
        /// The channel.
        channel: String,
        /// The payload.
        payload: String,
    },
    /// The columns of the rows that follow for `id`.
    Columns {
        /// The request.
        id: RequestId,
        /// The columns.
        columns: Arc<[Column]>,
    },
    /// Rows of `id`.
    Rows {
        /// The request.
        id: RequestId,
        /// The rows.
        rows: RowBatch,
    },
    /// One statement of `id` finished with this command tag (`SELECT 3`, `INSERT 0 1`).
    CommandComplete {
        /// The request.
        id: RequestId,
        /// The tag.
        tag: String,
    },
    /// A statement of `id` was empty.
    EmptyQuery {
        /// The request.
        id: RequestId,
    },
    /// A described statement: its parameter types and result columns.
    Described {
        /// The request.
        id: RequestId,
        /// Parameter type oids.
        params: Vec<u32>,
        /// Result columns (empty for statements without rows).
        columns: Arc<[Column]>,
    },
    /// COPY FROM STDIN began: send [`copy_data`](crate::ClientConnection::copy_data), then
    /// `copy_done` or `copy_fail`.
    CopyIn {
        /// The request.
        id: RequestId,
        /// 0 text, 1 binary.
        format: u8,
        /// Per-column formats.
        column_formats: Vec<i16>,
    },
    /// COPY TO STDOUT began: [`Event::CopyData`] follows, then [`Event::CopyDone`].
    CopyOut {
        /// The request.
        id: RequestId,
        /// 0 text, 1 binary.
        format: u8,
        /// Per-column formats.
        column_formats: Vec<i16>,
    },
    /// COPY TO STDOUT data.
    CopyData {
        /// The request.
        id: RequestId,
        /// The data.
        data: Vec<u8>,
    },
    /// COPY TO STDOUT ended.
    CopyDone {
        /// The request.
        id: RequestId,
    },
    /// `id` finished successfully. For a Sync (or a simple query) this is its ReadyForQuery.
    Done {
        /// The request.
        id: RequestId,
        /// The transaction status, for requests that end with ReadyForQuery.
        status: Option<TransactionStatus>,
    },
    /// `id` failed with this server error. In a pipeline, the server skips what follows up to
    /// the next Sync: those requests get [`Event::Aborted`]. A simple query's failure comes
    /// with its ReadyForQuery (after the results of the statements before the failing one).
    Failed {
        /// The request.
        id: RequestId,
        /// The error.
        error: DbError,
    },
    /// `id` never ran: an earlier request in its pipeline failed.
    Aborted {
        /// The request.
        id: RequestId,
    },
    /// An Execute reached its row limit; execute the portal again for more.
    Suspended {
        /// The request.
        id: RequestId,
    },
}
