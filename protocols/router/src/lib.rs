//! A `no_std` path router: a tree with one node per route segment, static segments, named
//! parameters, catch-alls and method dispatch, with conflicts caught when a route is inserted.
//!
//! # What it does, and what it does not
//!
//! It maps a request path (`/repos/rust-lang/rust/pulls/1`) to the value of the best route that
//! matches it (`/repos/{owner}/{repo}/pulls/{number}`) plus the parameters, as slices of the path.
//! Matching never allocates and never panics on any path. Building the table does allocate (the
//! `alloc` feature).
//!
//! It does no I/O and knows nothing of requests: the caller passes the path (no query string,
//! still percent-encoded) and, with [`MethodRouter`], the [`Method`]. It does not normalize paths
//! (`//`, `.`, `..`, trailing slashes, case): `/a/` and `/a` are different paths, as they are
//! different routes. It does not decode `%XX`: [`percent`] does that for the values you need.
//!
//! ```text
//!                insert(route, value)                      at(path)
//!   "/users/{id}" ─────────────▶ ┌────────┐  freeze()  ┌──────────────┐ ◀──── "/users/42"
//!   "/users/me"   ─────────────▶ │ Router │ ─────────▶ │ FrozenRouter │
//!   "/static/{*p}"───────────────▶└────────┘            └──────────────┘ ────▶ Match { value,
//!                   InsertError::Conflict ◀── same shape        params: [("id", "42")], route }
//!                                                        MatchError::NotFound (404) /
//!                                                        MethodNotAllowed { allowed } (405)
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
//! - `alloc`: [`Router`], [`FrozenRouter`], [`MethodRouter`], [`Params`], [`InsertError`] and
//!   [`percent::decode`]. Without it, the crate is [`Method`], [`MethodSet`], [`Methods`],
//!   [`MatchError`] and [`percent::decode_into`].
//! - `std` (default): implies `alloc`; nothing else yet (errors implement `core::error::Error`).
//!
//! # Limits
//!
//! - Paths longer than `u32::MAX` bytes never match.
//! - The search recurses once per segment where a static match may fall back to a parameter, so
//!   its depth is bounded by the longest route, never by the path.
//!
//! See `docs/router.md` for the full guide and `docs/BENCHMARKS.md` for measurements.
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
