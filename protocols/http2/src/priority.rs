//! RFC 9218 priorities: the `priority` field and PRIORITY_UPDATE values.

/// An RFC 9218 priority: urgency 0 (highest) to 7 (lowest), and whether the response may be
/// interleaved with others of the same urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Priority {
    /// Urgency, 0..=7 (RFC 9218 §4.1). Default 3.
    pub urgency: u8,
    /// Incremental delivery (RFC 9218 §4.2). Default false.
    pub incremental: bool,
}

impl Default for Priority {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Priority {
    /// `u=3`, not incremental (RFC 9218 §4).
    pub const DEFAULT: Self = Self {
        urgency: 3,
        incremental: false,
    };

    /// Parses a Priority Field Value (a Structured Fields dictionary, RFC 9218 §4) on top of
    /// `base`: `u=N` with N in 0..=7 and `i` / `i=?1` / `i=?0` are applied; unknown keys,
    /// out-of-range values and members that are not well formed are ignored, as §4 requires
    /// ("MUST ignore").
    pub fn parse_onto(mut self, value: &[u8]) -> Self {
        for member in value.split(|&b| b == b',') {
            let member = trim(member);
            let (key, val) = match member.iter().position(|&b| b == b'=') {
                Some(i) => (&member[..i], Some(&member[i + 1..])),
                None => (member, None),
            };
            // Parameters (";...") of a member are ignored.
            let val = val.map(|v| v.split(|&b| b == b';').next().unwrap_or(v));
            match (key, val) {
                (b"u", Some([d])) if (b'0'..=b'7').contains(d) => self.urgency = d - b'0',
                (b"i", None | Some(b"?1")) => self.incremental = true,
                (b"i", Some(b"?0")) => self.incremental = false,
                _ => {}
            }
        }
        self
    }

    /// Parses a Priority Field Value onto the defaults.
    pub fn parse(value: &[u8]) -> Self {
        Self::DEFAULT.parse_onto(value)
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::Priority;

    #[test]
    fn parses_rfc9218_examples() {
        assert_eq!(
            Priority::parse(b"u=5, i"),
            Priority {
                urgency: 5,
                incremental: true
            }
        );
        assert_eq!(
            Priority::parse(b"u=0"),
            Priority {
                urgency: 0,
                incremental: false
            }
        );
        assert_eq!(
            Priority::parse(b"i=?0, u=7"),
            Priority {
                urgency: 7,
                incremental: false
            }
        );
        // out of range, malformed and unknown members are ignored
        assert_eq!(Priority::parse(b"u=8, x=1, u=, i=3"), Priority::DEFAULT);
        let base = Priority {
            urgency: 1,
            incremental: true,
        };
        assert_eq!(
            base.parse_onto(b"i=?0"),
            Priority {
                urgency: 1,
                incremental: false
            }
        );
    }
}
