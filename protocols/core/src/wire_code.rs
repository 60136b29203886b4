//! Open newtypes for protocol code spaces (error codes, frame types, close codes, SQLSTATE).

/// Declares an open wire-code newtype: named constants for the codes a spec assigns, and every
/// other value kept as it is, so unknown codes round-trip instead of collapsing into "other".
///
/// The type is `Copy + Eq + Ord + Hash`, converts to and from its integer with `From`, and
/// formats with `Debug` and `Display` as the constant's name when the value is known, or as
/// `Type(value)` when it is not. [`name`](#method.name) gives the name alone.
///
/// ```
/// fasterapi_core::wire_code! {
///     /// An HTTP/2 error code (RFC 9113 §7).
///     pub struct ErrorCode(u32) {
///         /// Graceful shutdown.
///         NO_ERROR = 0x0,
///         /// Generic protocol error.
///         PROTOCOL_ERROR = 0x1,
///     }
/// }
///
/// assert_eq!(format!("{:?}", ErrorCode::PROTOCOL_ERROR), "PROTOCOL_ERROR");
/// let unknown = ErrorCode::from(0xbeef);
/// assert_eq!(format!("{unknown:?}"), "ErrorCode(48879)");
/// assert_eq!(u32::from(unknown), 0xbeef); // round-trips
/// assert_eq!(ErrorCode::from(1), ErrorCode::PROTOCOL_ERROR);
/// assert_eq!(ErrorCode::NO_ERROR.name(), Some("NO_ERROR"));
/// assert!(!unknown.is_known());
/// ```
#[macro_export]
macro_rules! wire_code {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($repr:ty) {
            $(
                $(#[$cmeta:meta])*
                $code:ident = $value:expr
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        $vis struct $name($repr);

        #[allow(dead_code, reason = "a code space lists every code the spec assigns")]
        impl $name {
            $(
                $(#[$cmeta])*
                $vis const $code: Self = Self($value);
            )*

            /// Every named code, in declaration order.
            $vis const KNOWN: &'static [Self] = &[$(Self::$code),*];

            /// The code for `value`, named or not.
            $vis const fn new(value: $repr) -> Self {
                Self(value)
            }

            /// The integer on the wire.
            $vis const fn get(self) -> $repr {
                self.0
            }

            /// The constant's name for a code the spec assigns, `None` for any other value.
            $vis const fn name(self) -> ::core::option::Option<&'static str> {
                $(
                    if self.0 == $value {
                        return ::core::option::Option::Some(stringify!($code));
                    }
                )*
                ::core::option::Option::None
            }

            /// Whether the code is one of the named constants.
            $vis const fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl ::core::convert::From<$repr> for $name {
            fn from(value: $repr) -> Self {
                Self(value)
            }
        }

        impl ::core::convert::From<$name> for $repr {
            fn from(code: $name) -> Self {
                code.0
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    ::core::option::Option::Some(name) => f.write_str(name),
                    ::core::option::Option::None => {
                        write!(f, concat!(stringify!($name), "({})"), self.0)
                    }
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(self, f)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    extern crate alloc;
    use alloc::format;

    crate::wire_code! {
        /// WebSocket close codes, as a sample space with gaps.
        pub(crate) struct CloseCode(u16) {
            /// Normal closure.
            NORMAL = 1000,
            /// Going away.
            GOING_AWAY = 1001,
            /// Message too big.
            MESSAGE_TOO_BIG = 1009,
        }
    }

    #[test]
    fn known_codes_print_their_names() {
        assert_eq!(format!("{}", CloseCode::MESSAGE_TOO_BIG), "MESSAGE_TOO_BIG");
        assert_eq!(CloseCode::KNOWN.len(), 3);
        for code in CloseCode::KNOWN {
            assert_eq!(CloseCode::from(code.get()), *code);
            assert!(code.is_known());
        }
    }

    #[test]
    fn every_value_round_trips() {
        for v in 0..=u16::MAX {
            let code = CloseCode::new(v);
            assert_eq!(u16::from(code), v);
            assert_eq!(code.is_known(), matches!(v, 1000 | 1001 | 1009));
        }
        assert_eq!(format!("{:?}", CloseCode::new(4000)), "CloseCode(4000)");
    }
}
