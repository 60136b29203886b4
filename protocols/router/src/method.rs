//! Method dispatch: [`Method`], [`MethodSet`] (for `Allow`), and the per-route table [`Methods`].

use core::fmt;

/// The HTTP methods of RFC 9110 §9 plus PATCH (RFC 5789). Other methods are not routed by method:
/// register the route with [`MethodRouter::insert_any`](crate::MethodRouter::insert_any) and
/// dispatch on the method in the handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // reason: the variants are the method names
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
    Connect,
    Options,
    Trace,
    Patch,
}

impl Method {
    /// Every method, in the order [`MethodSet`] lists them.
    pub const ALL: [Method; 9] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Connect,
        Method::Options,
        Method::Trace,
        Method::Patch,
    ];

    /// The method for a request-line token (case-sensitive, as RFC 9110 §9.1 says), or `None` for
    /// any other token.
    pub fn from_bytes(token: &[u8]) -> Option<Method> {
        Some(match token {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"CONNECT" => Method::Connect,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            b"PATCH" => Method::Patch,
            _ => return None,
        })
    }

    /// The method's token, upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Connect => "CONNECT",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Patch => "PATCH",
        }
    }

    #[inline]
    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Method`]s, as a bit set. `Display` writes it as an `Allow` header value
/// (`GET, HEAD, POST`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MethodSet(u16);

impl MethodSet {
    /// The empty set.
    pub const EMPTY: MethodSet = MethodSet(0);

    /// Whether `m` is in the set.
    #[inline]
    pub const fn contains(self, m: Method) -> bool {
        self.0 & (1 << m.index()) != 0
    }

    /// The set with `m` added.
    #[inline]
    #[must_use]
    pub const fn with(self, m: Method) -> MethodSet {
        MethodSet(self.0 | (1 << m.index()))
    }

    /// Whether the set is empty.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of methods in the set.
    #[inline]
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The methods in the set, in [`Method::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Method> + Clone {
        Method::ALL.into_iter().filter(move |m| self.contains(*m))
    }
}

impl FromIterator<Method> for MethodSet {
    fn from_iter<I: IntoIterator<Item = Method>>(iter: I) -> Self {
        iter.into_iter().fold(MethodSet::EMPTY, MethodSet::with)
    }
}

impl fmt::Display for MethodSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, m) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(m.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for MethodSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The values of one route, by method, plus an optional value for every other method.
///
/// `HEAD` falls back to the `GET` value when it has none of its own (RFC 9110 §9.3.2: HEAD is GET
/// without the body), and then to the any-method value.
#[derive(Clone, Debug)]
pub struct Methods<T> {
    by_method: [Option<T>; 9],
    any: Option<T>,
}

impl<T> Default for Methods<T> {
    fn default() -> Self {
        Methods {
            by_method: Default::default(),
            any: None,
        }
    }
}

impl<T> Methods<T> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value for `m`, with the fallbacks described on the type.
    #[inline]
    pub fn get(&self, m: Method) -> Option<&T> {
        let own = self.by_method[m.index()].as_ref();
        let own = match (own, m) {
            (None, Method::Head) => self.by_method[Method::Get.index()].as_ref(),
            _ => own,
        };
        own.or(self.any.as_ref())
    }

    /// The value registered for `m` itself (no fallback).
    pub fn get_exact(&self, m: Method) -> Option<&T> {
        self.by_method[m.index()].as_ref()
    }

    /// The value for methods without their own, if any.
    pub fn any(&self) -> Option<&T> {
        self.any.as_ref()
    }

    /// Sets the value for `m`; gives back `value` if `m` already had one.
    pub fn set(&mut self, m: Method, value: T) -> Result<(), T> {
        match &mut self.by_method[m.index()] {
            Some(_) => Err(value),
            slot => {
                *slot = Some(value);
                Ok(())
            }
        }
    }

    /// Sets the value for every method without its own; gives back `value` if there is one.
    pub fn set_any(&mut self, value: T) -> Result<(), T> {
        match &mut self.any {
            Some(_) => Err(value),
            slot => {
                *slot = Some(value);
                Ok(())
            }
        }
    }

    /// The methods with their own value (with `HEAD` when `GET` has one). All methods when there is
    /// an any-method value.
    pub fn allowed(&self) -> MethodSet {
        if self.any.is_some() {
            return Method::ALL.into_iter().collect();
        }
        let mut set: MethodSet = Method::ALL
            .into_iter()
            .filter(|m| self.by_method[m.index()].is_some())
            .collect();
        if set.contains(Method::Get) {
            set = set.with(Method::Head);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::from_bytes(m.as_str().as_bytes()), Some(m));
        }
        assert_eq!(Method::from_bytes(b"get"), None);
        assert_eq!(Method::from_bytes(b"PROPFIND"), None);
    }

    #[test]
    fn set_display() {
        let s: MethodSet = [Method::Post, Method::Get].into_iter().collect();
        assert_eq!(alloc::format!("{s}"), "GET, POST");
        assert_eq!(s.len(), 2);
        assert!(!s.contains(Method::Put));
        assert_eq!(alloc::format!("{}", MethodSet::EMPTY), "");
    }

    #[test]
    fn head_falls_back_to_get_then_any() {
        let mut m = Methods::new();
        m.set(Method::Get, 1).unwrap();
        assert_eq!(m.get(Method::Head), Some(&1));
        assert_eq!(m.get(Method::Post), None);
        assert_eq!(
            m.allowed().iter().collect::<alloc::vec::Vec<_>>(),
            [Method::Get, Method::Head]
        );
        m.set_any(9).unwrap();
        assert_eq!(m.get(Method::Post), Some(&9));
        m.set(Method::Head, 2).unwrap();
        assert_eq!(m.get(Method::Head), Some(&2));
        assert_eq!(m.set(Method::Get, 3), Err(3));
        assert_eq!(m.set_any(3), Err(3));
        assert_eq!(m.allowed().len(), 9);
    }
}
