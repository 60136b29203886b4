//! Server-sent events: the `fasterapi-sse` stream parser ([`SseParser`]) and encoder
//! ([`sse_encode`]), for `fasterapi.sse`.

use fasterapi_sse::{EventParser, Message, Parsed};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

create_exception!(
    _fasterapi,
    SseError,
    PyValueError,
    "An event stream broke a limit, or a field to encode is invalid."
);

/// The `text/event-stream` parser (HTML §9.2.6): feed body chunks of any size.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct SseParser {
    parser: EventParser,
}

#[pymethods]
impl SseParser {
    /// A parser; `last_event_id` continues a reconnected stream; `comments` reports comments.
    #[new]
    #[pyo3(signature = (last_event_id = "", comments = false))]
    fn new(last_event_id: &str, comments: bool) -> Self {
        Self {
            parser: EventParser::new()
                .with_last_event_id(last_event_id)
                .report_comments(comments),
        }
    }

    /// Parses a chunk; returns `("event", type, data, id)`, `("retry", ms)` and
    /// `("comment", text)` tuples. Raises `SseError` past a limit.
    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        let mut failed = None;
        let res = self.parser.feed(data, |p| {
            let item = match p {
                Parsed::Event(e) => ("event", &*e.event_type, &*e.data, &*e.id).into_pyobject(py),
                Parsed::Retry(ms) => ("retry", ms).into_pyobject(py),
                Parsed::Comment(c) => ("comment", &*c).into_pyobject(py),
                _ => return,
            };
            if let Err(e) = item.and_then(|t| list.append(t)) {
                failed = Some(e);
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        res.map_err(|e| SseError::new_err(e.to_string()))?;
        Ok(list)
    }

    /// The stream ended: whether an incomplete event was dropped (§9.2.6 drops it).
    fn finish(&mut self) -> bool {
        self.parser.finish()
    }

    /// The last event ID seen on the stream (for `Last-Event-ID` when reconnecting).
    #[getter]
    fn last_event_id(&self) -> String {
        self.parser.last_event_id().to_string()
    }
}

/// Encodes one event block; raises `SseError` for an `event`/`id` with a line break.
#[pyfunction]
#[pyo3(signature = (data = None, event = None, id = None, retry = None))]
pub fn sse_encode<'py>(
    py: Python<'py>,
    data: Option<&str>,
    event: Option<&str>,
    id: Option<&str>,
    retry: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut msg = Message::empty();
    msg.data = data;
    msg.event = event;
    msg.id = id;
    msg.retry = retry;
    let len = msg
        .encoded_len()
        .map_err(|e| SseError::new_err(e.to_string()))?;
    PyBytes::new_with(py, len, |out| {
        msg.encode(out)
            .map(|_| ())
            .map_err(|e| SseError::new_err(e.to_string()))
    })
}

/// Registers the SSE classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SseParser>()?;
    m.add_function(wrap_pyfunction!(sse_encode, m)?)?;
    m.add("SseError", m.py().get_type::<SseError>())?;
    Ok(())
}
