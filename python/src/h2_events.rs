//! The events of `fasterapi.h2`, with hyper-h2's class names and attributes, built in Rust
//! (a Python `__init__` per event cost more than the protocol work; see docs/BENCHMARKS.md).
//!
//! All are immutable and subclass [`Event`], so `isinstance(ev, h2.Event)` works.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

/// Base class of the events `receive_data` returns.
#[pyclass(module = "fasterapi.h2", subclass, frozen)]
#[derive(Debug)]
pub struct Event;

macro_rules! event {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[pyclass(module = "fasterapi.h2", extends = Event, frozen, get_all)]
        #[derive(Debug)]
        pub struct $name {
            $($(#[$fdoc])* pub(crate) $field: $ty,)*
        }

        impl $name {
            /// Wraps it as a Python object.
            #[allow(dead_code)] // reason: StreamEnded is built through the linking closure
            pub(crate) fn into_py_event(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                let init = PyClassInitializer::from(Event).add_subclass(self);
                Ok(Bound::new(py, init)?.into_any().unbind())
            }
        }

        #[pymethods]
        impl $name {
            #[allow(unused_variables)] // reason: `slf` is unused for field-less events
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                let mut s = format!("<{}", stringify!($name));
                $(
                    s.push_str(&format!(" {}={}", stringify!($field),
                        slf.getattr(stringify!($field))?.repr()?));
                )*
                s.push('>');
                Ok(s)
            }
        }
    };
}

event!(
    /// Server: a request head on a new stream (pseudo-headers first).
    RequestReceived {
        /// The stream.
        stream_id: u32,
        /// `(name, value)` bytes pairs.
        headers: Py<PyList>,
        /// The `StreamEnded` that follows when the request has no body.
        stream_ended: Option<Py<StreamEnded>>,
        /// Always `None` (priority changes come as `PriorityUpdated`).
        priority_updated: Option<Py<PyAny>>,
    }
);

event!(
    /// Client: the final response head (`:status` first).
    ResponseReceived {
        /// The stream.
        stream_id: u32,
        /// `(name, value)` bytes pairs.
        headers: Py<PyList>,
        /// The `StreamEnded` that follows when the response has no body.
        stream_ended: Option<Py<StreamEnded>>,
        /// Always `None`.
        priority_updated: Option<Py<PyAny>>,
    }
);

event!(
    /// Client: a 1xx response head.
    InformationalResponseReceived {
        /// The stream.
        stream_id: u32,
        /// `(name, value)` bytes pairs.
        headers: Py<PyList>,
        /// Always `None`.
        priority_updated: Option<Py<PyAny>>,
    }
);

event!(
    /// A piece of a body. With automatic flow control its credit is already returned.
    DataReceived {
        /// The stream.
        stream_id: u32,
        /// The bytes.
        data: Py<PyBytes>,
        /// The octets to acknowledge with manual flow control (padding is returned by the
        /// machine itself).
        flow_controlled_length: usize,
        /// The `StreamEnded` that follows when the body ends here.
        stream_ended: Option<Py<StreamEnded>>,
    }
);

event!(
    /// Trailer fields; a `StreamEnded` follows.
    TrailersReceived {
        /// The stream.
        stream_id: u32,
        /// `(name, value)` bytes pairs.
        headers: Py<PyList>,
        /// The `StreamEnded` that follows.
        stream_ended: Option<Py<StreamEnded>>,
        /// Always `None`.
        priority_updated: Option<Py<PyAny>>,
    }
);

event!(
    /// The peer finished sending on the stream.
    StreamEnded {
        /// The stream.
        stream_id: u32,
    }
);

event!(
    /// The stream was reset: by the peer (`remote_reset`) or by us for a peer's stream error.
    StreamReset {
        /// The stream.
        stream_id: u32,
        /// The RFC 9113 §7 code.
        error_code: u32,
        /// Whether the peer sent the RST_STREAM (or refused the stream with GOAWAY).
        remote_reset: bool,
    }
);

event!(
    /// The peer acknowledged our SETTINGS.
    SettingsAcknowledged {}
);

event!(
    /// The peer's SETTINGS were applied; `settings` holds all of its current values by name.
    RemoteSettingsChanged {
        /// Name → value.
        settings: Py<PyDict>,
    }
);

event!(
    /// The answer to `ping`.
    PingAckReceived {
        /// The 8 opaque bytes.
        ping_data: Py<PyBytes>,
    }
);

event!(
    /// The peer sent GOAWAY. Streams above `last_stream_id` were refused (reported first as
    /// `StreamReset` with REFUSED_STREAM).
    ConnectionTerminated {
        /// The RFC 9113 §7 code.
        error_code: u32,
        /// The last stream the peer processes.
        last_stream_id: u32,
        /// The peer's diagnostic data.
        additional_data: Py<PyBytes>,
    }
);

event!(
    /// An RFC 9218 PRIORITY_UPDATE changed a stream's urgency (0-7) and incremental flag.
    PriorityUpdated {
        /// The stream.
        stream_id: u32,
        /// 0 (highest) to 7.
        urgency: u8,
        /// Incremental delivery.
        incremental: bool,
    }
);

event!(
    /// Flow control let a stream whose queued DATA was waiting for a window send again (a
    /// WINDOW_UPDATE or a larger SETTINGS_INITIAL_WINDOW_SIZE). hyper-h2 raises this for every
    /// WINDOW_UPDATE with its increment; here it comes when it matters, and `delta` is how much
    /// more can be queued now without waiting (0 while earlier data still waits).
    WindowUpdated {
        /// The stream.
        stream_id: u32,
        /// Bytes that can be sent now beyond what is queued.
        delta: u32,
    }
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Event>()?;
    m.add_class::<RequestReceived>()?;
    m.add_class::<ResponseReceived>()?;
    m.add_class::<InformationalResponseReceived>()?;
    m.add_class::<DataReceived>()?;
    m.add_class::<TrailersReceived>()?;
    m.add_class::<StreamEnded>()?;
    m.add_class::<StreamReset>()?;
    m.add_class::<SettingsAcknowledged>()?;
    m.add_class::<RemoteSettingsChanged>()?;
    m.add_class::<PingAckReceived>()?;
    m.add_class::<ConnectionTerminated>()?;
    m.add_class::<PriorityUpdated>()?;
    m.add_class::<WindowUpdated>()?;
    Ok(())
}
