//! [`Router`]: the table you build, a tree with one node per route segment.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::bytes;
use crate::error::{InsertError, MatchError};
use crate::frozen::FrozenRouter;
use crate::params::{ParamAt, Params};
use crate::route::{self, ParamShape, Segment};

/// A successful lookup: the route's value and the path's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Match<'r, 'p, T> {
    /// The value the route was inserted with.
    pub value: &'r T,
    /// The parameters, values borrowed from the path.
    pub params: Params<'r, 'p>,
    /// The route, as written at insert time (for logs and metrics).
    pub route: &'r str,
}

/// What the table keeps for each route.
#[derive(Clone, Debug)]
pub(crate) struct RouteInfo {
    pub(crate) pattern: Box<str>,
    pub(crate) names: Box<[Box<str>]>,
    pub(crate) at: Box<[ParamAt]>,
}

pub(crate) const NONE: u32 = u32::MAX;

/// The order of a node's static children: by length, then bytes.
#[inline]
fn static_order(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| bytes::cmp(a, b))
}

/// One node: a segment of one or more routes. The root stands before the first segment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Node {
    /// Static children, sorted by length, then text (lengths differ more often than bytes).
    pub(crate) statics: Vec<(Box<[u8]>, u32)>,
    /// Parameter children, in the order they are tried ([`ParamShape`]'s `Ord`).
    pub(crate) params: Vec<(ParamShape, u32)>,
    /// The route whose catch-all starts at the next segment.
    pub(crate) catch_all: Option<u32>,
    /// The route that ends with this node's segment.
    pub(crate) leaf: Option<u32>,
}

/// A path router: routes to values, with parameters.
///
/// Build it with [`insert`](Router::insert); look paths up with [`at`](Router::at), or
/// [`freeze`](Router::freeze) it first into a [`FrozenRouter`], which looks up faster.
///
/// ```
/// use fasterapi_router::Router;
///
/// let mut router = Router::new();
/// router.insert("/users/{id}", "user")?;
/// router.insert("/users/me", "me")?;
/// router.insert("/static/{*path}", "file")?;
///
/// let m = router.at("/users/42")?;
/// assert_eq!((*m.value, m.params.get("id")), ("user", Some("42")));
/// assert_eq!(*router.at("/users/me")?.value, "me"); // static beats parameter
/// assert_eq!(router.at("/static/css/site.css")?.params.get("path"), Some("css/site.css"));
/// assert!(router.at("/users/").is_err()); // a parameter is never empty
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Router<T> {
    pub(crate) nodes: Vec<Node>,
    pub(crate) routes: Vec<RouteInfo>,
    pub(crate) values: Vec<T>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router {
            nodes: alloc::vec![Node::default()],
            routes: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Router<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.routes
                    .iter()
                    .map(|r| &r.pattern)
                    .zip(self.values.iter()),
            )
            .finish()
    }
}

/// Where a route goes in the tree: its final slot, found or made.
pub(crate) enum Slot {
    /// The route's shape is new; it was recorded as the last route (the caller pushes its value).
    Vacant,
    /// A route of the same shape is already there, at this index.
    Occupied(usize),
}

impl<T> Router<T> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of routes.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The routes as written, with their values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.routes
            .iter()
            .map(|r| &*r.pattern)
            .zip(self.values.iter())
    }

    /// Adds `route` with `value`.
    ///
    /// Fails, changing nothing, if the route breaks the syntax or conflicts with a route already
    /// there (see the crate docs for both).
    pub fn insert(&mut self, route: &str, value: T) -> Result<(), InsertError> {
        match self.slot(route)? {
            Slot::Vacant => {
                self.values.push(value);
                Ok(())
            }
            Slot::Occupied(i) => Err(InsertError::Conflict {
                route: route.into(),
                existing: self.routes[i].pattern.clone(),
            }),
        }
    }

    /// Finds or makes the slot for `route`. On `Vacant`, the route is recorded and the caller must
    /// push its value (so `values.len() == routes.len()` again).
    pub(crate) fn slot(&mut self, route: &str) -> Result<Slot, InsertError> {
        let parsed = route::parse(route)?;
        // A conflict needs every segment to exist already, so a failed insert creates no node.
        let index = self.routes.len() as u32;
        let mut node = 0usize;
        let last = parsed.segments.len() - 1;
        for (i, seg) in parsed.segments.iter().enumerate() {
            let found = match seg {
                Segment::CatchAll => {
                    debug_assert_eq!(i, last);
                    match self.nodes[node].catch_all {
                        Some(r) => return Ok(Slot::Occupied(r as usize)),
                        None => {
                            self.nodes[node].catch_all = Some(index);
                            break;
                        }
                    }
                }
                Segment::Static(text) => {
                    let n = &self.nodes[node];
                    match n.statics.binary_search_by(|(t, _)| static_order(t, text)) {
                        Ok(at) => Ok(n.statics[at].1),
                        Err(at) => Err(at),
                    }
                }
                Segment::Param(shape) => {
                    let n = &self.nodes[node];
                    match n.params.binary_search_by(|(s, _)| s.cmp(shape)) {
                        Ok(at) => Ok(n.params[at].1),
                        Err(at) => Err(at),
                    }
                }
            };
            let child = match found {
                Ok(child) => child as usize,
                Err(at) => {
                    let child = self.nodes.len();
                    self.nodes.push(Node::default());
                    let n = &mut self.nodes[node];
                    match seg {
                        Segment::Static(text) => n.statics.insert(at, (text.clone(), child as u32)),
                        Segment::Param(shape) => n.params.insert(at, (shape.clone(), child as u32)),
                        Segment::CatchAll => unreachable!("handled above"),
                    }
                    child
                }
            };
            node = child;
            if i == last {
                match self.nodes[node].leaf {
                    Some(r) => return Ok(Slot::Occupied(r as usize)),
                    None => self.nodes[node].leaf = Some(index),
                }
            }
        }
        self.routes.push(RouteInfo {
            pattern: route.into(),
            names: parsed.names.into_boxed_slice(),
            at: parsed.at.into_boxed_slice(),
        });
        Ok(Slot::Vacant)
    }

    /// Looks `path` up: the best route that matches it, by the priority rules in the crate docs.
    ///
    /// `path` is the path as it came in: still percent-encoded, no query string.
    pub fn at<'r, 'p>(&'r self, path: &'p str) -> Result<Match<'r, 'p, T>, MatchError> {
        let r = self.find(path.as_bytes()).ok_or(MatchError::NotFound)?;
        let info = &self.routes[r];
        Ok(Match {
            value: &self.values[r],
            params: Params::new(path, &info.names, &info.at),
            route: &info.pattern,
        })
    }

    /// Mutable access to the value of the route that matches `path`.
    pub fn at_mut(&mut self, path: &str) -> Result<&mut T, MatchError> {
        let r = self.find(path.as_bytes()).ok_or(MatchError::NotFound)?;
        Ok(&mut self.values[r])
    }

    fn find(&self, path: &[u8]) -> Option<usize> {
        if path.first() != Some(&b'/') {
            return None;
        }
        self.walk(0, path, 1).map(|r| r as usize)
    }

    /// Matches the segment starting at `pos` (just after a `/`) against `node`'s children,
    /// depth first in priority order; returns the route index.
    fn walk(&self, node: usize, path: &[u8], pos: usize) -> Option<u32> {
        let n = &self.nodes[node];
        let end = path[pos..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(path.len(), |i| pos + i);
        let seg = &path[pos..end];
        if let Ok(at) = n.statics.binary_search_by(|(t, _)| static_order(t, seg)) {
            if let Some(r) = self.descend(n.statics[at].1, path, end) {
                return Some(r);
            }
        }
        for (shape, child) in &n.params {
            if shape.matches(seg) {
                if let Some(r) = self.descend(*child, path, end) {
                    return Some(r);
                }
            }
        }
        n.catch_all.filter(|_| pos < path.len())
    }

    fn descend(&self, child: u32, path: &[u8], end: usize) -> Option<u32> {
        if end == path.len() {
            self.nodes[child as usize].leaf
        } else {
            self.walk(child as usize, path, end + 1)
        }
    }

    /// Compiles the table into its frozen form, which looks up faster and can no longer change.
    pub fn freeze(self) -> FrozenRouter<T> {
        FrozenRouter::new(self)
    }
}
