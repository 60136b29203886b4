//! The `fasterapi-router` path router with method dispatch ([`Router`]), for
//! `fasterapi.router` and the App.

use fasterapi_router::{FrozenMethodRouter, MatchError, Method, MethodRouter};
use pyo3::create_exception;
use pyo3::exceptions::{PyLookupError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

create_exception!(
    _fasterapi,
    RouteError,
    PyValueError,
    "A route is malformed or conflicts with one already inserted."
);
create_exception!(
    _fasterapi,
    NoMatch,
    PyLookupError,
    "No route matches: args are (message, status 404 or 405, allowed methods)."
);

#[derive(Debug)]
enum Table {
    Building(MethodRouter<Py<PyAny>>),
    Frozen(FrozenMethodRouter<Py<PyAny>>),
}

/// A path router: `insert(method, "/users/{id}", value)`, then `at(method, path)`.
///
/// The first lookup freezes the table (a compact form for matching); inserting after that
/// raises `RouteError`.
#[pyclass(module = "fasterapi._fasterapi")]
#[derive(Debug)]
pub struct Router {
    table: Table,
}

fn method(m: &str) -> PyResult<Method> {
    Method::from_bytes(m.as_bytes())
        .ok_or_else(|| RouteError::new_err(format!("unknown method {m:?}")))
}

#[pymethods]
impl Router {
    #[new]
    fn new() -> Self {
        Self {
            table: Table::Building(MethodRouter::new()),
        }
    }

    /// Adds a route for `method` (or every method with `"*"`).
    fn insert(&mut self, method_name: &str, route: &str, value: Py<PyAny>) -> PyResult<()> {
        let Table::Building(table) = &mut self.table else {
            return Err(RouteError::new_err(
                "the router is frozen (it was used for lookups)",
            ));
        };
        let res = if method_name == "*" {
            table.insert_any(route, value)
        } else {
            table.insert(method(method_name)?, route, value)
        };
        res.map_err(|e| RouteError::new_err(e.to_string()))
    }

    /// `(value, {name: raw value})` for the best route; raises `NoMatch(message, status,
    /// allowed)`. Parameters are still percent-encoded.
    fn at<'py>(
        &mut self,
        py: Python<'py>,
        method_name: &str,
        path: &str,
    ) -> PyResult<(Py<PyAny>, Bound<'py, PyDict>)> {
        if let Table::Building(table) = &mut self.table {
            let built = core::mem::take(table);
            self.table = Table::Frozen(built.freeze());
        }
        let Table::Frozen(table) = &self.table else {
            unreachable!("frozen just above");
        };
        let Some(m) = Method::from_bytes(method_name.as_bytes()) else {
            return Err(NoMatch::new_err((
                format!("unknown method {method_name:?}"),
                405u16,
                String::new(),
            )));
        };
        match table.at(m, path) {
            Ok(found) => {
                let params = PyDict::new(py);
                for (k, v) in found.params.iter() {
                    params.set_item(k, v)?;
                }
                Ok((found.value.clone_ref(py), params))
            }
            Err(e) => {
                let allowed = match e {
                    MatchError::MethodNotAllowed { allowed } => allowed.to_string(),
                    _ => String::new(),
                };
                Err(NoMatch::new_err((e.to_string(), e.status(), allowed)))
            }
        }
    }
}

/// Registers the router classes.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Router>()?;
    m.add("RouteError", m.py().get_type::<RouteError>())?;
    m.add("NoMatch", m.py().get_type::<NoMatch>())?;
    Ok(())
}
