//! A `no_std` path router: a tree with one node per route segment, static segments, named
//! parameters, catch-alls and method dispatch, with conflicts caught when a route is inserted.
//!
//! # What it does, and what it does not
//!
//! It maps a request path (`/repos/rust-lang/rust/pulls/1`) to the value of the best route that
//! matches it (`/repos/{owner}/{repo}/pulls/{number}`) and the route's parameters, as slices of
//! the path. Matching never allocates and never panics, whatever the path. Building the table
//! allocates (the `alloc` feature).
//!
//! It does no I/O and knows nothing of requests: the caller passes the path (no query string,
//! still percent-encoded) and, with [`MethodRouter`], the [`Method`]. It does not normalize paths
//! (`//`, `.`, `..`, trailing slashes, case): `/a/` and `/a` are different paths, as they are
//! different routes. It does not decode `%XX`: [`percent`] does that for the values you need.
//!
//! ```text
//!                 insert(route, value)                        at(path)
//!  "/users/{id}"  ──────────▶ ┌────────┐  freeze()  ┌──────────────┐ ◀──── "/users/42"
//!  "/users/me"    ──────────▶ │ Router │ ─────────▶ │ FrozenRouter │
//!  "/static/{*p}" ──────────▶ └────────┘            └──────────────┘ ────▶ Match { value, route,
//!         InsertError::Conflict ◀─┘ (same shape)          │             params: id = "42" }
//!         InsertError::InvalidRoute                       └───────────▶ MatchError::NotFound (404)
//!                                      MethodRouter adds: MatchError::MethodNotAllowed (405, Allow)
//! ```
//!
//! # The driving loop
//!
//! Build the table once, freeze it, then look up each request's path. A server holds the frozen
//! table (it is `Send + Sync` when the values are) and calls [`FrozenRouter::at`] per request:
//!
//! ```
//! use fasterapi_router::{MatchError, Method, MethodRouter, percent};
//!
//! #[derive(Debug, PartialEq)]
//! enum Handler { ListUsers, ShowUser, CreateUser, Asset }
//!
//! let mut table = MethodRouter::new();
//! table.insert(Method::Get, "/users", Handler::ListUsers)?;
//! table.insert(Method::Post, "/users", Handler::CreateUser)?;
//! table.insert(Method::Get, "/users/{id}", Handler::ShowUser)?;
//! table.insert(Method::Get, "/assets/{*file}", Handler::Asset)?;
//! let table = table.freeze();
//!
//! // What a server's request loop does with each request line's method and path.
//! let requests = [("GET", "/users/caf%C3%A9"), ("POST", "/users"), ("DELETE", "/users"), ("GET", "/nope")];
//! let mut responses = Vec::new();
//! for (method, target) in requests {
//!     let path = target.split('?').next().unwrap_or(target); // the query is not routed
//!     let Some(method) = Method::from_bytes(method.as_bytes()) else { continue };
//!     match table.at(method, path) {
//!         Ok(m) => {
//!             let id = m.params.get("id").map(percent::decode).transpose()?;
//!             responses.push(format!("200 {:?} {:?}", m.value, id.as_deref()));
//!         }
//!         Err(MatchError::MethodNotAllowed { allowed }) => responses.push(format!("405 Allow: {allowed}")),
//!         Err(e) => responses.push(format!("{}", e.status())),
//!     }
//! }
//! assert_eq!(responses, [
//!     r#"200 ShowUser Some("café")"#,
//!     "200 CreateUser None",
//!     "405 Allow: GET, HEAD, POST",
//!     "404",
//! ]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Route syntax
//!
//! A route is `/` then segments separated by `/`. A segment is static text (possibly empty, as
//! in the trailing slash of `/users/`), or one parameter `{name}` with optional static text
//! before and after it in the segment (`{id}`, `v{version}`, `{file}.json`), or, as the whole
//! last segment, a catch-all `{*name}`. `{{` and `}}` are literal braces.
//!
//! - a parameter matches one or more bytes of one path segment (never `/`, never empty);
//! - a catch-all matches the rest of the path, one or more bytes, `/` included.
//!
//! # Priority
//!
//! Segment by segment from the left, the first segment that differs decides: static text beats a
//! parameter, which beats a catch-all. Among parameters that could both match one segment, the
//! one with more static text around it wins (`{name}.tar.gz` over `{name}.gz` over `{name}`),
//! then the longer prefix, then the bytewise smaller text. A route that wins on a segment but
//! fails further on falls back to the next candidate, so a path matches whenever any route
//! matches it:
//!
//! ```
//! use fasterapi_router::Router;
//!
//! let mut router = Router::new();
//! router.insert("/users/me", "me")?;
//! router.insert("/users/{id}", "user")?;
//! router.insert("/users/{id}/posts", "posts")?;
//! router.insert("/{*rest}", "fallback")?;
//! let router = router.freeze();
//!
//! assert_eq!(*router.at("/users/me")?.value, "me");
//! assert_eq!(*router.at("/users/7")?.value, "user");
//! assert_eq!(*router.at("/users/me/posts")?.value, "posts"); // `me` failed over to `{id}`
//! assert_eq!(*router.at("/users/7/likes")?.value, "fallback");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conflicts
//!
//! Two routes conflict when they have the same segments, parameter names aside: they would match
//! exactly the same paths at the same priority. The second insert fails with
//! [`InsertError::Conflict`], naming both routes, and changes nothing. Every other combination is
//! allowed, because the priority rules order it.
//!
//! ```
//! use fasterapi_router::Router;
//!
//! let mut router = Router::new();
//! router.insert("/users/{id}", 1)?;
//! let err = router.insert("/users/{name}", 2).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "route `/users/{name}` conflicts with route `/users/{id}`: they match the same paths"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//!
//! - `alloc`: [`Router`], [`FrozenRouter`], [`MethodRouter`], [`FrozenMethodRouter`],
//!   [`Params`], [`InsertError`] and [`percent::decode`]. Without it the crate is [`Method`],
//!   [`MethodSet`], [`Methods`], [`MatchError`] and [`percent::decode_into`].
//! - `std` (default): implies `alloc`; nothing else yet (errors implement `core::error::Error`).
//!
//! # Limits
//!
//! There is nothing to configure: a lookup's cost is bounded by the table, not by the path.
//!
//! - Matching reads the path once per segment it walks; parameters are not recorded while
//!   matching but cut out of the path when read ([`Params`]), so a lookup is allocation-free and
//!   a [`Match`] is a few words.
//! - The search recurses only where a static segment may fail over to a parameter or catch-all,
//!   so its depth is bounded by the longest route, never by the path.
//! - Routes may have any number of parameters, but one per segment.
//!
//! # Why not matchit
//!
//! matchit is the fastest Rust router we know of. This crate adds what FasterAPI needs (`no_std`,
//! method dispatch with 405s, a documented total priority order instead of rejecting overlaps
//! like `{x}.json` beside `v{x}`) and, frozen, looks up matchit's own GitHub benchmark faster:
//! see `docs/BENCHMARKS.md` (`## fasterapi-router`) and `docs/router.md` for the full guide.
#![no_std]
#![deny(unsafe_code)]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;

#[cfg(feature = "alloc")]
mod bytes;
mod error;
mod method;
pub mod percent;

#[cfg(feature = "alloc")]
mod dispatch;
#[cfg(feature = "alloc")]
mod frozen;
#[cfg(feature = "alloc")]
mod params;
#[cfg(feature = "alloc")]
mod route;
#[cfg(feature = "alloc")]
mod tree;

// The public interface.
#[cfg(feature = "alloc")]
pub use dispatch::{FrozenMethodRouter, MethodRouter};
#[cfg(feature = "alloc")]
pub use error::InsertError;
pub use error::{MatchError, RouteErrorKind};
#[cfg(feature = "alloc")]
pub use frozen::FrozenRouter;
pub use method::{Method, MethodSet, Methods};
#[cfg(feature = "alloc")]
pub use params::{Params, ParamsIter};
#[cfg(feature = "alloc")]
pub use tree::{Match, Router};

/// The examples of `docs/router.md`, run as doctests.
#[cfg(all(doctest, feature = "alloc"))]
#[doc = include_str!("../../../docs/router.md")]
struct RouterGuide;
