//! The static table (RFC 7541 Appendix A) and the encoder's lookup into it.

/// The 61 static entries; HPACK index `i` (1-based) is `STATIC[i - 1]`.
pub(crate) static STATIC: [(&[u8], &[u8]); 61] = TABLE;

const TABLE: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// Multiplier of the static names' perfect hash: found by search so that the 52 distinct names
/// land in 52 different slots of [`NAME_SLOTS`] (the table's build fails otherwise).
const NAME_MUL: u64 = 0x90dc_e9d4_d541_b52d;

/// The hash slot of a name of at least 2 octets: its length and first two and last two octets.
#[inline]
const fn name_slot(name: &[u8]) -> usize {
    let n = name.len();
    let key = n as u64
        | (name[0] as u64) << 8
        | (name[1] as u64) << 16
        | (name[n - 1] as u64) << 24
        | (name[n - 2] as u64) << 32;
    (key.wrapping_mul(NAME_MUL) >> 56) as usize
}

/// Per hash slot, the static indexes `(first, last)` of one name (0 = no name).
static NAME_SLOTS: [(u8, u8); 256] = {
    let mut t = [(0u8, 0u8); 256];
    let mut i = 0;
    while i < TABLE.len() {
        let name = TABLE[i].0;
        let h = name_slot(name);
        if t[h].0 == 0 {
            t[h] = (i as u8 + 1, i as u8 + 1);
        } else {
            // Only entries with the same name (always consecutive) may share a slot.
            assert!(t[h].1 as usize == i && bytes_eq(TABLE[i - 1].0, name));
            t[h].1 = i as u8 + 1;
        }
        i += 1;
    }
    t
};

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The static indexes `first..=last` whose name is `name`, if any: one perfect-hash lookup and
/// one comparison (no branch on the name's length, which mispredicts on real header lists).
#[inline]
pub(crate) fn name_range(name: &[u8]) -> Option<(u8, u8)> {
    // The static names are 3 to 27 octets long.
    if !(3..=27).contains(&name.len()) {
        return None;
    }
    let (first, last) = NAME_SLOTS[name_slot(name)];
    (first != 0 && STATIC[first as usize - 1].0 == name).then_some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_range_matches_the_table() {
        for (i, (name, _)) in STATIC.iter().enumerate() {
            let (first, last) = name_range(name).unwrap();
            assert!((first as usize..=last as usize).contains(&(i + 1)));
            assert_eq!(STATIC[first as usize - 1].0, *name);
            assert_eq!(STATIC[last as usize - 1].0, *name);
        }
        assert_eq!(name_range(b"x-custom"), None);
        assert_eq!(name_range(b""), None);
        assert_eq!(name_range(b"ag"), None);
        // Same length and same first and last two octets as a static name.
        assert_eq!(name_range(b"coolie"), None);
        assert_eq!(name_range(b"cookie"), Some((32, 32)));
        assert_eq!(name_range(b":status"), Some((8, 14)));
    }

    /// Re-parses RFC 7541 Appendix A and compares it with `STATIC`.
    #[test]
    fn static_table_matches_rfc() {
        extern crate std;
        let next_to_repo = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/specs/rfc7541.txt"
        );
        let path = if std::path::Path::new(next_to_repo).exists() {
            next_to_repo
        } else {
            "/work/shared/specs/rfc7541.txt"
        };
        let text = std::fs::read_to_string(path).expect("RFC 7541 text in shared/specs");
        let start = text.find("Appendix A.  Static Table Definition").unwrap();
        let end = text.find("Appendix B.  Huffman Code").unwrap();
        let mut n = 0;
        for line in text[start..end].lines() {
            let cols: std::vec::Vec<&str> = line.split('|').map(str::trim).collect();
            if cols.len() != 5 {
                continue;
            }
            let Ok(index) = cols[1].parse::<usize>() else {
                continue;
            };
            assert_eq!(
                STATIC[index - 1],
                (cols[2].as_bytes(), cols[3].as_bytes()),
                "index {index}"
            );
            n += 1;
        }
        assert_eq!(n, 61);
    }
}
