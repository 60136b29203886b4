//! The crate's errors: building a table ([`InsertError`]) and looking a path up ([`MatchError`]).

#[cfg(feature = "alloc")]
use alloc::boxed::Box;
use core::fmt;

use crate::method::MethodSet;

/// Why a path did not match. Matching itself never fails any other way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchError {
    /// No route matches the path: HTTP 404.
    NotFound,
    /// A route matches the path, but not for this method: HTTP 405, with `allowed` for the
    /// `Allow` header. Only [`MethodRouter`](crate::MethodRouter) returns it.
    MethodNotAllowed {
        /// The methods the matching route does accept.
        allowed: MethodSet,
    },
}

impl MatchError {
    /// The HTTP status code for this error: 404 or 405.
    pub const fn status(&self) -> u16 {
        match self {
            MatchError::NotFound => 404,
            MatchError::MethodNotAllowed { .. } => 405,
        }
    }
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchError::NotFound => f.write_str("no route matches the path"),
            MatchError::MethodNotAllowed { allowed } => {
                write!(
                    f,
                    "the route does not accept this method (allowed: {allowed})"
                )
            }
        }
    }
}

impl core::error::Error for MatchError {}

/// Which rule of the route syntax a route broke (see [`InsertError::InvalidRoute`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteErrorKind {
    /// The route does not start with `/`.
    MissingLeadingSlash,
    /// A `}` that closes nothing (write `}}` for a literal brace).
    UnmatchedClose,
    /// A `{` with no `}` before the end of the segment (write `{{` for a literal brace).
    UnclosedParam,
    /// `{}` or `{*}`.
    EmptyName,
    /// A parameter name holds `{`, `*` or `/`.
    InvalidNameChar,
    /// Two parameters in one segment, like `{a}{b}` or `{a}-{b}`: where one ends is ambiguous.
    TwoParamsInSegment,
    /// Two parameters of one route share a name.
    DuplicateName,
    /// A catch-all with static text beside it in its segment, like `x{*rest}`.
    CatchAllNotWholeSegment,
    /// A catch-all that is not the last segment.
    CatchAllNotLast,
}

impl RouteErrorKind {
    const fn describe(self) -> &'static str {
        match self {
            RouteErrorKind::MissingLeadingSlash => "a route must start with `/`",
            RouteErrorKind::UnmatchedClose => "`}` closes nothing (write `}}` for a literal `}`)",
            RouteErrorKind::UnclosedParam => {
                "`{` is not closed within its segment (write `{{` for a literal `{`)"
            }
            RouteErrorKind::EmptyName => "a parameter needs a name",
            RouteErrorKind::InvalidNameChar => "a parameter name may not hold `{`, `*` or `/`",
            RouteErrorKind::TwoParamsInSegment => "only one parameter per segment",
            RouteErrorKind::DuplicateName => "two parameters share this name",
            RouteErrorKind::CatchAllNotWholeSegment => "a catch-all must be a whole segment",
            RouteErrorKind::CatchAllNotLast => "a catch-all must be the last segment",
        }
    }
}

impl fmt::Display for RouteErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Why a route could not be inserted. Nothing is changed when insertion fails.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InsertError {
    /// The route matches exactly the paths an existing route matches, with the same priority
    /// (the same segments, parameter names aside): which one a path meant would be ambiguous.
    Conflict {
        /// The route being inserted, as written.
        route: Box<str>,
        /// The route already in the table, as written.
        existing: Box<str>,
    },
    /// The route breaks the route syntax.
    InvalidRoute {
        /// The route, as written.
        route: Box<str>,
        /// The byte offset in `route` where the problem is.
        at: usize,
        /// Which rule it broke.
        kind: RouteErrorKind,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for InsertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsertError::Conflict { route, existing } if route == existing => {
                write!(f, "route `{route}` is already in the table")
            }
            InsertError::Conflict { route, existing } => write!(
                f,
                "route `{route}` conflicts with route `{existing}`: they match the same paths"
            ),
            InsertError::InvalidRoute { route, at, kind } => {
                write!(f, "invalid route `{route}` at byte {at}: {kind}")
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for InsertError {}
