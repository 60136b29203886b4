//! Route syntax: parsing a route pattern into segments.
//!
//! A route is `/` followed by segments separated by `/`. Each segment is one of:
//!
//! - static text (`users`, `v1.json`, or empty as in the trailing slash of `/users/`);
//! - one parameter with an optional static prefix and suffix (`{id}`, `img-{id}.png`);
//! - a catch-all `{*rest}`, only as the whole last segment.
//!
//! `{{` and `}}` stand for literal braces anywhere in static text.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::bytes;
use crate::error::{InsertError, RouteErrorKind};
use crate::params::{CATCH_ALL, ParamAt};

/// One parsed segment of a route.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Segment {
    /// Static text, unescaped. Matches a path segment equal to it byte for byte.
    Static(Box<[u8]>),
    /// A parameter: matches a path segment that starts with `prefix`, ends with `suffix`, and has
    /// at least one byte between them (the value). No `/` inside.
    Param(ParamShape),
    /// `{*name}`: matches the rest of the path (one byte or more, `/` included).
    CatchAll,
}

/// The static text around a parameter within one segment: `img-{id}.png` has prefix `img-` and
/// suffix `.png`; a plain `{id}` has both empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ParamShape {
    pub(crate) prefix: Box<[u8]>,
    pub(crate) suffix: Box<[u8]>,
}

impl ParamShape {
    /// The order in which parameter children of one node are tried: more static text first, then
    /// the longer prefix, then bytewise. Total, so the first match is always the same one.
    pub(crate) fn priority_key(
        &self,
    ) -> (
        core::cmp::Reverse<usize>,
        core::cmp::Reverse<usize>,
        &[u8],
        &[u8],
    ) {
        (
            core::cmp::Reverse(self.prefix.len() + self.suffix.len()),
            core::cmp::Reverse(self.prefix.len()),
            &self.prefix,
            &self.suffix,
        )
    }

    /// Whether the path segment `seg` matches this shape.
    #[inline]
    pub(crate) fn matches(&self, seg: &[u8]) -> bool {
        let (p, s) = (self.prefix.len(), self.suffix.len());
        seg.len() > p + s
            && bytes::eq(&seg[..p], &self.prefix)
            && bytes::eq(&seg[seg.len() - s..], &self.suffix)
    }
}

impl PartialOrd for ParamShape {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ParamShape {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.priority_key().cmp(&other.priority_key())
    }
}

/// A route split into segments, with its parameter names in order.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) segments: Vec<Segment>,
    pub(crate) names: Vec<Box<str>>,
    /// Where each parameter sits, in the order of `names`.
    pub(crate) at: Vec<ParamAt>,
}

fn invalid(route: &str, at: usize, kind: RouteErrorKind) -> InsertError {
    InsertError::InvalidRoute {
        route: route.into(),
        at,
        kind,
    }
}

/// Parses `route`, checking every rule of the syntax.
pub(crate) fn parse(route: &str) -> Result<Parsed, InsertError> {
    let bytes = route.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(invalid(route, 0, RouteErrorKind::MissingLeadingSlash));
    }
    let mut segments = Vec::new();
    let mut names: Vec<Box<str>> = Vec::new();
    let mut at = Vec::new();
    let mut i = 1;
    loop {
        // One segment: bytes up to the next unbraced `/` or the end.
        let seg_start = i;
        let mut text: Vec<u8> = Vec::new();
        let mut param: Option<(Vec<u8>, usize)> = None; // (prefix, name start)
        let mut catch_all = false;
        while i < bytes.len() && bytes[i] != b'/' {
            match bytes[i] {
                b'{' if bytes.get(i + 1) == Some(&b'{') => {
                    text.push(b'{');
                    i += 2;
                }
                b'}' if bytes.get(i + 1) == Some(&b'}') => {
                    text.push(b'}');
                    i += 2;
                }
                b'}' => return Err(invalid(route, i, RouteErrorKind::UnmatchedClose)),
                b'{' => {
                    if param.is_some() || catch_all {
                        return Err(invalid(route, i, RouteErrorKind::TwoParamsInSegment));
                    }
                    let open = i;
                    let star = bytes.get(i + 1) == Some(&b'*');
                    let name_start = i + 1 + usize::from(star);
                    let mut j = name_start;
                    while j < bytes.len() && !matches!(bytes[j], b'}' | b'{' | b'/' | b'*') {
                        j += 1;
                    }
                    if bytes.get(j) != Some(&b'}') {
                        let kind = if j < bytes.len() && bytes[j] != b'/' {
                            RouteErrorKind::InvalidNameChar
                        } else {
                            RouteErrorKind::UnclosedParam
                        };
                        return Err(invalid(route, j.min(bytes.len()), kind));
                    }
                    if j == name_start {
                        return Err(invalid(route, open, RouteErrorKind::EmptyName));
                    }
                    let name = &route[name_start..j];
                    if names.iter().any(|n| &**n == name) {
                        return Err(invalid(route, open, RouteErrorKind::DuplicateName));
                    }
                    names.push(name.into());
                    if star {
                        if i != seg_start || !text.is_empty() {
                            return Err(invalid(
                                route,
                                open,
                                RouteErrorKind::CatchAllNotWholeSegment,
                            ));
                        }
                        catch_all = true;
                    } else {
                        param = Some((core::mem::take(&mut text), open));
                    }
                    i = j + 1;
                }
                b => {
                    if catch_all {
                        return Err(invalid(route, i, RouteErrorKind::CatchAllNotWholeSegment));
                    }
                    text.push(b);
                    i += 1;
                }
            }
        }
        let segment = segments.len() as u32;
        if catch_all {
            if i < bytes.len() {
                return Err(invalid(route, i, RouteErrorKind::CatchAllNotLast));
            }
            at.push(ParamAt {
                segment,
                prefix: 0,
                suffix: CATCH_ALL,
            });
            segments.push(Segment::CatchAll);
        } else if let Some((prefix, _)) = param {
            at.push(ParamAt {
                segment,
                prefix: prefix.len() as u32,
                suffix: text.len() as u32,
            });
            segments.push(Segment::Param(ParamShape {
                prefix: prefix.into(),
                suffix: text.into(),
            }));
        } else {
            segments.push(Segment::Static(text.into()));
        }
        if i >= bytes.len() {
            break;
        }
        i += 1; // the `/`
    }
    Ok(Parsed {
        segments,
        names,
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn st(s: &str) -> Segment {
        Segment::Static(s.as_bytes().into())
    }
    fn pa(p: &str, s: &str) -> Segment {
        Segment::Param(ParamShape {
            prefix: p.as_bytes().into(),
            suffix: s.as_bytes().into(),
        })
    }
    fn kind(route: &str) -> RouteErrorKind {
        match parse(route).unwrap_err() {
            InsertError::InvalidRoute { kind, .. } => kind,
            e => panic!("{e}"),
        }
    }

    #[test]
    fn segments() {
        assert_eq!(parse("/").unwrap().segments, vec![st("")]);
        assert_eq!(
            parse("/a/b/").unwrap().segments,
            vec![st("a"), st("b"), st("")]
        );
        assert_eq!(parse("//").unwrap().segments, vec![st(""), st("")]);
        let p = parse("/users/{id}/img-{n}.png/{*rest}").unwrap();
        assert_eq!(
            p.segments,
            vec![
                st("users"),
                pa("", ""),
                pa("img-", ".png"),
                Segment::CatchAll
            ]
        );
        assert_eq!(
            p.names,
            vec!["id".into(), "n".into(), "rest".into()] as Vec<Box<str>>
        );
        assert_eq!(
            parse("/{{x}}/a{{b").unwrap().segments,
            vec![st("{x}"), st("a{b")]
        );
        assert_eq!(parse("/{{{x}}}").unwrap().segments, vec![pa("{", "}")]);
    }

    #[test]
    fn errors() {
        assert_eq!(kind(""), RouteErrorKind::MissingLeadingSlash);
        assert_eq!(kind("a"), RouteErrorKind::MissingLeadingSlash);
        assert_eq!(kind("/a}"), RouteErrorKind::UnmatchedClose);
        assert_eq!(kind("/{a"), RouteErrorKind::UnclosedParam);
        assert_eq!(kind("/{a/b}"), RouteErrorKind::UnclosedParam);
        assert_eq!(kind("/{}"), RouteErrorKind::EmptyName);
        assert_eq!(kind("/{*}"), RouteErrorKind::EmptyName);
        assert_eq!(kind("/{a*b}"), RouteErrorKind::InvalidNameChar);
        assert_eq!(kind("/{a{b}"), RouteErrorKind::InvalidNameChar);
        assert_eq!(kind("/{a}{b}"), RouteErrorKind::TwoParamsInSegment);
        assert_eq!(kind("/{a}-{b}"), RouteErrorKind::TwoParamsInSegment);
        assert_eq!(kind("/{a}/{a}"), RouteErrorKind::DuplicateName);
        assert_eq!(kind("/x{*a}"), RouteErrorKind::CatchAllNotWholeSegment);
        assert_eq!(kind("/{*a}x"), RouteErrorKind::CatchAllNotWholeSegment);
        assert_eq!(kind("/{*a}/b"), RouteErrorKind::CatchAllNotLast);
        assert_eq!(kind("/{*a}/"), RouteErrorKind::CatchAllNotLast);
    }

    #[test]
    fn param_priority() {
        let mut v = vec![
            pa("", ""),
            pa("a", ""),
            pa("", "bb"),
            pa("ab", ""),
            pa("", "b"),
        ];
        v.sort();
        assert_eq!(
            v,
            vec![
                pa("ab", ""),
                pa("", "bb"),
                pa("a", ""),
                pa("", "b"),
                pa("", "")
            ]
        );
    }
}
