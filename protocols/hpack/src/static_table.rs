//! The static table (RFC 7541 Appendix A) and the encoder's lookup into it.

/// The 61 static entries; HPACK index `i` (1-based) is `STATIC[i - 1]`.
pub(crate) static STATIC: [(&[u8], &[u8]); 61] = [
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

/// The static indexes `first..=last` whose name is `name`, if any (dispatching on the length
/// first, so a lookup compares against at most a few names).
pub(crate) fn name_range(name: &[u8]) -> Option<(u8, u8)> {
    Some(match name.len() {
        3 => match name {
            b"age" => (21, 21),
            b"via" => (60, 60),
            _ => return None,
        },
        4 => match name {
            b"date" => (33, 33),
            b"etag" => (34, 34),
            b"from" => (37, 37),
            b"host" => (38, 38),
            b"link" => (45, 45),
            b"vary" => (59, 59),
            _ => return None,
        },
        5 => match name {
            b":path" => (4, 5),
            b"allow" => (22, 22),
            b"range" => (50, 50),
            _ => return None,
        },
        6 => match name {
            b"accept" => (19, 19),
            b"cookie" => (32, 32),
            b"expect" => (35, 35),
            b"server" => (54, 54),
            _ => return None,
        },
        7 => match name {
            b":method" => (2, 3),
            b":scheme" => (6, 7),
            b":status" => (8, 14),
            b"expires" => (36, 36),
            b"referer" => (51, 51),
            b"refresh" => (52, 52),
            _ => return None,
        },
        8 => match name {
            b"if-match" => (39, 39),
            b"if-range" => (42, 42),
            b"location" => (46, 46),
            _ => return None,
        },
        10 => match name {
            b":authority" => (1, 1),
            b"set-cookie" => (55, 55),
            b"user-agent" => (58, 58),
            _ => return None,
        },
        11 => match name {
            b"retry-after" => (53, 53),
            _ => return None,
        },
        12 => match name {
            b"content-type" => (31, 31),
            b"max-forwards" => (47, 47),
            _ => return None,
        },
        13 => match name {
            b"accept-ranges" => (18, 18),
            b"authorization" => (23, 23),
            b"cache-control" => (24, 24),
            b"content-range" => (30, 30),
            b"if-none-match" => (41, 41),
            b"last-modified" => (44, 44),
            _ => return None,
        },
        14 => match name {
            b"accept-charset" => (15, 15),
            b"content-length" => (28, 28),
            _ => return None,
        },
        15 => match name {
            b"accept-encoding" => (16, 16),
            b"accept-language" => (17, 17),
            _ => return None,
        },
        16 => match name {
            b"content-encoding" => (26, 26),
            b"content-language" => (27, 27),
            b"content-location" => (29, 29),
            b"www-authenticate" => (61, 61),
            _ => return None,
        },
        17 => match name {
            b"if-modified-since" => (40, 40),
            b"transfer-encoding" => (57, 57),
            _ => return None,
        },
        18 => match name {
            b"proxy-authenticate" => (48, 48),
            _ => return None,
        },
        19 => match name {
            b"content-disposition" => (25, 25),
            b"if-unmodified-since" => (43, 43),
            b"proxy-authorization" => (49, 49),
            _ => return None,
        },
        25 => match name {
            b"strict-transport-security" => (56, 56),
            _ => return None,
        },
        27 => match name {
            b"access-control-allow-origin" => (20, 20),
            _ => return None,
        },
        _ => return None,
    })
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
