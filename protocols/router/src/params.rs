//! The parameters of a match: names from the route, values borrowed from the path.

use alloc::boxed::Box;
use core::fmt;
use core::iter::FusedIterator;

use crate::route::MAX_PARAMS as CAP;

/// The parameters a path matched, in route order: names from the route, values as slices of the
/// path (still percent-encoded; see [`percent`](crate::percent)).
///
/// Kept inline (no allocation): at most [`MAX_PARAMS`](crate::MAX_PARAMS) of them.
#[derive(Clone, Copy)]
pub struct Params<'r, 'p> {
    path: &'p str,
    names: &'r [Box<str>],
    /// Value `i` is `path[spans[i].0..spans[i].1]`.
    spans: [(u32, u32); CAP],
    len: usize,
}

impl<'r, 'p> Params<'r, 'p> {
    #[inline]
    pub(crate) fn new(path: &'p str) -> Self {
        Params {
            path,
            names: &[],
            spans: [(0, 0); CAP],
            len: 0,
        }
    }

    /// Appends a value. The route's parameter count bounds the calls, and no route has more than
    /// `CAP` parameters (checked at insert), so `len < CAP` here.
    #[inline]
    pub(crate) fn push(&mut self, start: usize, end: usize) {
        // Paths over 4 GiB never reach here: matching turns them away first.
        self.spans[self.len] = (start as u32, end as u32);
        self.len += 1;
    }

    #[inline]
    pub(crate) fn saved(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn restore(&mut self, len: usize) {
        self.len = len;
    }

    #[inline]
    pub(crate) fn set_names(&mut self, names: &'r [Box<str>]) {
        debug_assert_eq!(names.len(), self.len);
        self.names = names;
    }

    #[inline]
    fn value(&self, i: usize) -> &'p str {
        let (s, e) = self.spans[i];
        self.path
            .get(s as usize..e as usize)
            .expect("parameter bounds lie on `/` or on the edges of UTF-8 route text")
    }

    /// The number of parameters.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the route had no parameters.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of the parameter called `name`, if the route has one.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&'p str> {
        self.names
            .iter()
            .position(|n| **n == *name)
            .map(|i| self.value(i))
    }

    /// The `i`-th parameter (in route order) as `(name, value)`.
    #[inline]
    pub fn get_index(&self, i: usize) -> Option<(&'r str, &'p str)> {
        (i < self.len).then(|| (&*self.names[i], self.value(i)))
    }

    /// The parameters in route order, as `(name, value)`.
    pub fn iter(&self) -> ParamsIter<'_, 'r, 'p> {
        ParamsIter {
            params: self,
            next: 0,
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

impl<'a, 'r, 'p> IntoIterator for &'a Params<'r, 'p> {
    type Item = (&'r str, &'p str);
    type IntoIter = ParamsIter<'a, 'r, 'p>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// An iterator over [`Params`], in route order.
#[derive(Debug, Clone)]
pub struct ParamsIter<'a, 'r, 'p> {
    params: &'a Params<'r, 'p>,
    next: usize,
}

impl<'r, 'p> Iterator for ParamsIter<'_, 'r, 'p> {
    type Item = (&'r str, &'p str);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let item = self.params.get_index(self.next)?;
        self.next += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.params.len - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for ParamsIter<'_, '_, '_> {}
impl FusedIterator for ParamsIter<'_, '_, '_> {}
