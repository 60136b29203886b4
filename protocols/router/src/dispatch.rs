//! [`MethodRouter`]: a [`Router`] whose routes hold one value per method.

use alloc::boxed::Box;
use alloc::format;

use crate::error::{InsertError, MatchError};
use crate::frozen::FrozenRouter;
use crate::method::{Method, Methods};
use crate::tree::{Match, Router, Slot};

/// A router that dispatches on the method too: 404 when no route matches the path, 405 with the
/// allowed methods when one does but not for this method.
///
/// ```
/// use fasterapi_router::{Method, MethodRouter, MatchError};
///
/// let mut router = MethodRouter::new();
/// router.insert(Method::Get, "/users/{id}", "show")?;
/// router.insert(Method::Delete, "/users/{id}", "delete")?;
///
/// assert_eq!(*router.at(Method::Get, "/users/7")?.value, "show");
/// assert_eq!(*router.at(Method::Head, "/users/7")?.value, "show"); // HEAD uses GET's
/// match router.at(Method::Post, "/users/7") {
///     Err(e @ MatchError::MethodNotAllowed { allowed }) => {
///         assert_eq!(e.status(), 405);
///         assert_eq!(allowed.to_string(), "GET, HEAD, DELETE");
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(router.at(Method::Get, "/nope").unwrap_err(), MatchError::NotFound);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct MethodRouter<T> {
    router: Router<Methods<T>>,
}

impl<T> Default for MethodRouter<T> {
    fn default() -> Self {
        MethodRouter {
            router: Router::new(),
        }
    }
}

impl<T> MethodRouter<T> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` for `method` on `route`.
    ///
    /// One route may hold several methods if it is written the same way each time; a route of the
    /// same shape written with other parameter names is a conflict, as is a method given twice.
    pub fn insert(&mut self, method: Method, route: &str, value: T) -> Result<(), InsertError> {
        self.insert_with(route, Some(method), |m| m.set(method, value).map_err(drop))
    }

    /// Adds `value` for every method `route` has no value of its own for.
    pub fn insert_any(&mut self, route: &str, value: T) -> Result<(), InsertError> {
        self.insert_with(route, None, |m| m.set_any(value).map_err(drop))
    }

    fn insert_with(
        &mut self,
        route: &str,
        method: Option<Method>,
        set: impl FnOnce(&mut Methods<T>) -> Result<(), ()>,
    ) -> Result<(), InsertError> {
        let label = |route: &str| -> Box<str> {
            match method {
                Some(m) => format!("{m} {route}").into(),
                None => format!("* {route}").into(),
            }
        };
        match self.router.slot(route)? {
            Slot::Vacant => {
                let mut methods = Methods::new();
                set(&mut methods).expect("a new table is empty");
                self.router.values.push(methods);
                Ok(())
            }
            Slot::Occupied(i) => {
                let existing = &self.router.routes[i].pattern;
                if **existing != *route {
                    // Same shape, other parameter names: the names would depend on the method.
                    return Err(InsertError::Conflict {
                        route: route.into(),
                        existing: existing.clone(),
                    });
                }
                set(&mut self.router.values[i]).map_err(|()| InsertError::Conflict {
                    route: label(route),
                    existing: label(existing),
                })
            }
        }
    }

    /// Looks up `path`, then `method` on the route found.
    pub fn at<'r, 'p>(
        &'r self,
        method: Method,
        path: &'p str,
    ) -> Result<Match<'r, 'p, T>, MatchError> {
        pick(self.router.at(path)?, method)
    }

    /// The underlying path router, whose values are the per-method tables.
    pub fn router(&self) -> &Router<Methods<T>> {
        &self.router
    }

    /// Compiles the table into its frozen form; see [`FrozenRouter`].
    pub fn freeze(self) -> FrozenMethodRouter<T> {
        FrozenMethodRouter {
            router: self.router.freeze(),
        }
    }
}

fn pick<'r, 'p, T>(
    m: Match<'r, 'p, Methods<T>>,
    method: Method,
) -> Result<Match<'r, 'p, T>, MatchError> {
    match m.value.get(method) {
        Some(value) => Ok(Match {
            value,
            params: m.params,
            route: m.route,
        }),
        None => Err(MatchError::MethodNotAllowed {
            allowed: m.value.allowed(),
        }),
    }
}

/// A [`MethodRouter`] compiled for lookups; see [`FrozenRouter`].
#[derive(Clone, Debug)]
pub struct FrozenMethodRouter<T> {
    router: FrozenRouter<Methods<T>>,
}

impl<T> FrozenMethodRouter<T> {
    /// Looks up `path`, then `method` on the route found.
    #[inline]
    pub fn at<'r, 'p>(
        &'r self,
        method: Method,
        path: &'p str,
    ) -> Result<Match<'r, 'p, T>, MatchError> {
        pick(self.router.at(path)?, method)
    }

    /// The underlying path router, whose values are the per-method tables.
    pub fn router(&self) -> &FrozenRouter<Methods<T>> {
        &self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn conflicts_name_both_routes_and_methods() {
        let mut r = MethodRouter::new();
        r.insert(Method::Get, "/users/{id}", 1).unwrap();
        r.insert(Method::Post, "/users/{id}", 2).unwrap();
        let e = r.insert(Method::Get, "/users/{id}", 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "route `GET /users/{id}` is already in the table"
        );
        let e = r.insert(Method::Put, "/users/{name}", 3).unwrap_err();
        assert_eq!(
            e.to_string(),
            "route `/users/{name}` conflicts with route `/users/{id}`: they match the same paths"
        );
        r.insert_any("/users/{id}", 4).unwrap();
        assert!(r.insert_any("/users/{id}", 5).is_err());
        let f = r.freeze();
        assert_eq!(*f.at(Method::Patch, "/users/1").unwrap().value, 4);
        assert_eq!(*f.at(Method::Post, "/users/1").unwrap().value, 2);
        assert_eq!(
            f.at(Method::Post, "/users/1").unwrap().params.get("id"),
            Some("1")
        );
        assert_eq!(
            f.at(Method::Post, "/user/1").unwrap_err(),
            MatchError::NotFound
        );
    }
}
