//! SIMD backends against the scalar twin on random input.

use super::{Class, backends, scalar};
use crate::codec::chars::{TARGET, TCHAR, VALUE};

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn every_backend_agrees_with_scalar_on_random_input() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let classes: [&Class; 3] = [&TCHAR, &VALUE, &TARGET];
    let mut buf = [0u8; 200];
    let mut checked = 0;
    for round in 0..20_000 {
        let len = (rng.next() % 200) as usize;
        // Mostly class members with a rare outsider, so scans run long and stop anywhere.
        let class = classes[round % 3];
        for b in &mut buf[..len] {
            *b = loop {
                let r = rng.next();
                let c = (r >> 8) as u8;
                if class.contains(c) || r % 61 == 0 {
                    break c;
                }
            };
        }
        let from = if len == 0 {
            0
        } else {
            (rng.next() as usize) % (len + 1)
        };
        let want = scalar(class, &buf[..len], from);
        for (name, f) in backends() {
            assert_eq!(
                f(class, &buf[..len], from),
                want,
                "{name} len {len} from {from}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20_000);
}

#[test]
fn classes_match_their_definitions() {
    for b in 0..=255u8 {
        let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        assert_eq!(TCHAR.contains(b), tchar, "tchar {b:#x}");
        let value = b == b'\t' || (0x20..0x7F).contains(&b) || b >= 0x80;
        assert_eq!(VALUE.contains(b), value, "value {b:#x}");
    }
}
