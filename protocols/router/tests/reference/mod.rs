//! A naive reference matcher: it tries every route against the path and keeps the best by the
//! priority rules, written as plainly as possible. The proptests and the fuzz target check the
//! router against it (the fuzz target includes this file by path).
#![allow(dead_code, unreachable_pub)] // reason: each includer uses a different part
#![allow(clippy::type_complexity)] // reason: plain tuples keep the reference plain

/// One segment of a route, as structure (rendered to route syntax by [`render`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefSeg {
    Static(String),
    Param {
        name: String,
        prefix: String,
        suffix: String,
    },
    CatchAll {
        name: String,
    },
}

/// What decides priority and conflicts: a segment without its parameter name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// Static segments all rank first; at most one can match a given path segment.
    Static(String),
    /// Parameters: more static text first, then the longer prefix, then bytewise.
    Param(
        core::cmp::Reverse<usize>,
        core::cmp::Reverse<usize>,
        String,
        String,
    ),
    CatchAll,
}

impl RefSeg {
    pub fn rank(&self) -> Rank {
        match self {
            RefSeg::Static(s) => Rank::Static(s.clone()),
            RefSeg::Param { prefix, suffix, .. } => Rank::Param(
                core::cmp::Reverse(prefix.len() + suffix.len()),
                core::cmp::Reverse(prefix.len()),
                prefix.clone(),
                suffix.clone(),
            ),
            RefSeg::CatchAll { .. } => Rank::CatchAll,
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

/// The route in the router's syntax.
pub fn render(segs: &[RefSeg]) -> String {
    let mut out = String::new();
    for seg in segs {
        out.push('/');
        match seg {
            RefSeg::Static(s) => out.push_str(&escape(s)),
            RefSeg::Param {
                name,
                prefix,
                suffix,
            } => {
                out.push_str(&escape(prefix));
                out.push('{');
                out.push_str(name);
                out.push('}');
                out.push_str(&escape(suffix));
            }
            RefSeg::CatchAll { name } => {
                out.push_str("{*");
                out.push_str(name);
                out.push('}');
            }
        }
    }
    out
}

/// Whether the router must accept the route (the syntax rules, minus conflicts).
pub fn valid(segs: &[RefSeg]) -> bool {
    if segs.is_empty() {
        return false;
    }
    let mut names = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        let name = match seg {
            RefSeg::Static(s) => {
                if s.contains('/') {
                    return false;
                }
                continue;
            }
            RefSeg::Param {
                name,
                prefix,
                suffix,
            } => {
                if prefix.contains('/') || suffix.contains('/') {
                    return false;
                }
                name
            }
            RefSeg::CatchAll { name } => {
                if i + 1 != segs.len() {
                    return false;
                }
                name
            }
        };
        if name.is_empty() || name.contains(['{', '}', '*', '/']) || names.contains(&name) {
            return false;
        }
        names.push(name);
    }
    true
}

/// The routes' shapes are equal: they match the same paths at the same priority.
pub fn conflicts(a: &[RefSeg], b: &[RefSeg]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.rank() == y.rank())
}

/// The parameters if `segs` matches `path`, in route order.
pub fn matches<'p>(segs: &[RefSeg], path: &'p str) -> Option<Vec<(String, &'p str)>> {
    let rest = path.strip_prefix('/')?;
    let parts: Vec<&str> = rest.split('/').collect();
    let mut params = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        if let RefSeg::CatchAll { name } = seg {
            if i >= parts.len() {
                return None;
            }
            // The rest of the path from the start of segment `i`.
            let start = parts[..i].iter().map(|p| p.len() + 1).sum::<usize>();
            let tail = &rest[start..];
            if tail.is_empty() {
                return None;
            }
            params.push((name.clone(), tail));
            return Some(params);
        }
        let part = *parts.get(i)?;
        match seg {
            RefSeg::Static(s) => {
                if part != s {
                    return None;
                }
            }
            RefSeg::Param {
                name,
                prefix,
                suffix,
            } => {
                if part.len() <= prefix.len() + suffix.len()
                    || !part.starts_with(prefix.as_str())
                    || !part.ends_with(suffix.as_str())
                {
                    return None;
                }
                params.push((name.clone(), &part[prefix.len()..part.len() - suffix.len()]));
            }
            RefSeg::CatchAll { .. } => unreachable!(),
        }
    }
    (parts.len() == segs.len()).then_some(params)
}

/// The index of the best route in `routes` that matches `path`, and its parameters.
pub fn best<'p>(routes: &[Vec<RefSeg>], path: &'p str) -> Option<(usize, Vec<(String, &'p str)>)> {
    let mut found: Option<(Vec<Rank>, usize, Vec<(String, &'p str)>)> = None;
    for (i, route) in routes.iter().enumerate() {
        let Some(params) = matches(route, path) else {
            continue;
        };
        let key: Vec<Rank> = route.iter().map(RefSeg::rank).collect();
        match &found {
            Some((best, ..)) if *best < key => {}
            Some((best, ..)) if *best == key => {
                panic!("two routes of one shape were both accepted")
            }
            _ => found = Some((key, i, params)),
        }
    }
    found.map(|(_, i, p)| (i, p))
}
