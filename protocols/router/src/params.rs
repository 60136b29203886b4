//! The parameters of a match: names from the route, values borrowed from the path.
//!
//! Nothing is recorded while matching: the route says which path segment each parameter sits in
//! and how much static text surrounds it, so a value is cut out of the path when it is asked for.
//! Matching stays free of bookkeeping (and of backtracking it), and a [`Params`] is three words.

use alloc::boxed::Box;
use core::fmt;
use core::iter::FusedIterator;

/// Where a parameter of a route sits: which path segment (0 is the one after the leading `/`) and
/// how many bytes of static text come before and after it there. A catch-all has `suffix ==
/// CATCH_ALL` and runs to the end of the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ParamAt {
    pub(crate) segment: u32,
    pub(crate) prefix: u32,
    pub(crate) suffix: u32,
}

pub(crate) const CATCH_ALL: u32 = u32::MAX;

/// The parameters a path matched, in route order: names from the route, values as slices of the
/// path (still percent-encoded; see [`percent`](crate::percent)).
///
/// Values are cut out of the path on demand (a scan of the path up to the parameter's segment);
/// nothing is allocated or stored per match.
#[derive(Clone, Copy)]
pub struct Params<'r, 'p> {
    path: &'p str,
    names: &'r [Box<str>],
    at: &'r [ParamAt],
}

/// The start of the segment after the one that starts at `pos` (past its `/`), or `None`.
#[inline]
fn next_segment(path: &[u8], pos: usize) -> Option<usize> {
    path[pos..]
        .iter()
        .position(|&b| b == b'/')
        .map(|i| pos + i + 1)
}

impl<'r, 'p> Params<'r, 'p> {
    #[inline]
    pub(crate) fn new(path: &'p str, names: &'r [Box<str>], at: &'r [ParamAt]) -> Self {
        debug_assert_eq!(names.len(), at.len());
        Params { path, names, at }
    }

    /// The value of parameter `i`, scanning from segment `seg`, which starts at byte `pos`
    /// (`seg <= at[i].segment`). Returns the value and the segment it is in, with its start.
    fn value_from(&self, i: usize, mut seg: u32, mut pos: usize) -> (&'p str, u32, usize) {
        let bytes = self.path.as_bytes();
        let at = self.at[i];
        while seg < at.segment {
            pos = next_segment(bytes, pos).expect("the path matched: it has the segment");
            seg += 1;
        }
        let (start, end) = if at.suffix == CATCH_ALL {
            (pos, bytes.len())
        } else {
            let end = bytes[pos..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(bytes.len(), |e| pos + e);
            (pos + at.prefix as usize, end - at.suffix as usize)
        };
        let value = self
            .path
            .get(start..end)
            .expect("the path matched: bounds lie on `/` or on the edges of UTF-8 route text");
        (value, seg, pos)
    }

    /// The number of parameters.
    #[inline]
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Whether the route had no parameters.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    /// The value of the parameter called `name`, if the route has one.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&'p str> {
        let i = self.names.iter().position(|n| **n == *name)?;
        Some(self.value_from(i, 0, 1).0)
    }

    /// The `i`-th parameter (in route order) as `(name, value)`.
    #[inline]
    pub fn get_index(&self, i: usize) -> Option<(&'r str, &'p str)> {
        (i < self.at.len()).then(|| (&*self.names[i], self.value_from(i, 0, 1).0))
    }

    /// The parameters in route order, as `(name, value)`, in one pass over the path.
    pub fn iter(&self) -> ParamsIter<'r, 'p> {
        ParamsIter {
            params: *self,
            next: 0,
            seg: 0,
            pos: 1,
        }
    }
}

impl fmt::Debug for Params<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Params<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Params<'_, '_> {}

impl<'r, 'p> IntoIterator for &Params<'r, 'p> {
    type Item = (&'r str, &'p str);
    type IntoIter = ParamsIter<'r, 'p>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An iterator over [`Params`], in route order.
#[derive(Debug, Clone)]
pub struct ParamsIter<'r, 'p> {
    params: Params<'r, 'p>,
    next: usize,
    /// The segment the scan has reached, and where it starts.
    seg: u32,
    pos: usize,
}

impl<'r, 'p> Iterator for ParamsIter<'r, 'p> {
    type Item = (&'r str, &'p str);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let i = self.next;
        let name = self.params.names.get(i)?;
        let (value, seg, pos) = self.params.value_from(i, self.seg, self.pos);
        (self.seg, self.pos) = (seg, pos);
        self.next += 1;
        Some((name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.params.len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ParamsIter<'_, '_> {}
impl FusedIterator for ParamsIter<'_, '_> {}
