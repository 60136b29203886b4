//! Every example of RFC 7541 Appendix C (C.2–C.6), parsed from the RFC text itself: the decoded
//! header list and the dynamic table after each block, decoded whole and split at every octet,
//! and our encoder reproducing the request and response encodings.

mod common;

use fasterapi_hpack::{Decoder, DecoderConfig, Encoder, EncoderConfig, Field};

struct Example {
    id: String,
    wire: Vec<u8>,
    headers: Vec<(String, String)>,
    /// `None` when the RFC prints "empty".
    table: Vec<(String, String)>,
    table_size: usize,
}

fn rfc_text() -> String {
    let path = common::shared().join("specs/rfc7541.txt");
    let text = std::fs::read_to_string(path).expect("RFC 7541 text in shared/specs");
    // Drop page breaks (footer, form feed, header) so that blocks split by them join up.
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("Peon & Ruellan") {
            // Skip the footer, the header after it, and blank lines around them.
            while out.ends_with("\n\n") {
                out.pop();
            }
            for l in lines.by_ref() {
                if l.starts_with("RFC 7541") {
                    break;
                }
            }
            while lines.peek().is_some_and(|l| l.trim().is_empty()) {
                lines.next();
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn parse_pairs(lines: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for l in lines {
        if l.starts_with("      ") {
            // A wrapped value: the RFC breaks long lines at a space.
            out.last_mut()
                .expect("continuation after an entry")
                .1
                .push_str(&format!(" {}", l.trim()));
            continue;
        }
        let l = l.trim();
        let l = match l.find(") ") {
            Some(i) if l.starts_with('[') => &l[i + 2..],
            _ => l,
        };
        let i = l[1..]
            .find(':')
            .unwrap_or_else(|| panic!("name: value in {l:?}"))
            + 1;
        out.push((l[..i].to_string(), l[i + 1..].trim_start().to_string()));
    }
    out
}

fn examples(section: &str) -> Vec<Example> {
    let text = rfc_text();
    let start = text.find("\nAppendix C.  Examples").unwrap();
    let end = text.find("\nAcknowledgments").unwrap();
    let text = &text[start..end];
    let mut out = Vec::new();
    let mut rest = text;
    let marker = format!("\n{section}.");
    while let Some(i) = rest.find(&marker) {
        let body = &rest[i + 1..];
        let id: String = body
            .split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('.')
            .to_string();
        if id.matches('.').count() != 2 {
            rest = &body[1..];
            continue;
        }
        let end = body[1..].find("\nC.").map_or(body.len(), |e| e + 1);
        let sec = &body[..end];
        rest = &body[end..];
        let lines: Vec<&str> = sec.lines().collect();
        let block = |title: &str| -> Vec<&str> {
            let at = lines
                .iter()
                .position(|l| l.trim_start().starts_with(title))
                .unwrap_or_else(|| panic!("{id}: {title}"));
            lines[at + 1..]
                .iter()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty() && !l.trim_end().ends_with(':'))
                .copied()
                .collect()
        };
        let mut wire = Vec::new();
        for l in block("Hex dump of encoded data:") {
            let hex = l.split('|').next().unwrap();
            if !hex.chars().all(|c| c.is_ascii_hexdigit() || c == ' ') {
                break;
            }
            for g in hex.split_whitespace() {
                for k in (0..g.len()).step_by(2) {
                    wire.push(
                        u8::from_str_radix(&g[k..k + 2], 16)
                            .unwrap_or_else(|e| panic!("{id}: {l:?}: {e}")),
                    );
                }
            }
        }
        let headers = parse_pairs(&block("Decoded header list:"));
        let dyn_title = lines
            .iter()
            .find(|l| l.to_lowercase().contains("dynamic table (after decoding):"))
            .unwrap();
        let (table, table_size) = if dyn_title.contains("empty") {
            (Vec::new(), 0)
        } else {
            let b = block("Dynamic Table (after decoding):");
            let size_line = b.iter().find(|l| l.contains("Table size:")).unwrap();
            let size = size_line.split(':').nth(1).unwrap().trim().parse().unwrap();
            let entries: Vec<&str> = b
                .iter()
                .filter(|l| !l.contains("Table size:"))
                .copied()
                .collect();
            (parse_pairs(&entries), size)
        };
        out.push(Example {
            id,
            wire,
            headers,
            table,
            table_size,
        });
    }
    out
}

fn fields_of(d: &mut Decoder<Vec<u8>>, wire: &[u8], split: Option<usize>) -> Vec<(String, String)> {
    let mut got = Vec::new();
    let mut push = |f: Field<'_>| {
        got.push((
            String::from_utf8(f.name.to_vec()).unwrap(),
            String::from_utf8(f.value.to_vec()).unwrap(),
        ))
    };
    match split {
        None => d.decode_block(wire, &mut push).unwrap(),
        Some(k) => {
            d.decode_fragment(&wire[..k], false, &mut push).unwrap();
            d.decode_fragment(&wire[k..], true, &mut push).unwrap();
        }
    }
    got
}

/// Decodes a sequence sharing one context; `table_size` below 4,096 is set by a size-update-only
/// block first (the RFC's response examples assume a 256-octet table).
fn check_sequence(section: &str, expected_count: usize, table_size: u32, split: Option<usize>) {
    let exs = examples(section);
    assert_eq!(exs.len(), expected_count, "{section}: examples found");
    let mut d = Decoder::new(DecoderConfig::default());
    if table_size != 4096 {
        let mut update = vec![0u8; 0];
        update.extend_from_slice(&[0x3f, 0xe1, 0x01]); // size update to 256 (5-bit prefix)
        assert_eq!(table_size, 256);
        d.decode_block(&update, |_| panic!("no fields")).unwrap();
    }
    for ex in &exs {
        let split = split.map(|k| k.min(ex.wire.len()));
        assert_eq!(fields_of(&mut d, &ex.wire, split), ex.headers, "{}", ex.id);
        let t = d.table();
        let table: Vec<(String, String)> = t
            .iter()
            .map(|(n, v)| {
                (
                    String::from_utf8(n.to_vec()).unwrap(),
                    String::from_utf8(v.to_vec()).unwrap(),
                )
            })
            .collect();
        assert_eq!(table, ex.table, "{} table", ex.id);
        assert_eq!(t.size(), ex.table_size, "{} table size", ex.id);
    }
}

#[test]
fn c2_field_representations() {
    // Each C.2 example starts from an empty table.
    let exs = examples("C.2");
    assert_eq!(exs.len(), 4);
    for ex in &exs {
        let mut d = Decoder::new(DecoderConfig::default());
        let mut fields = Vec::new();
        d.decode_block(&ex.wire, |f| {
            fields.push(fasterapi_hpack::OwnedField::from(f))
        })
        .unwrap();
        let got: Vec<(String, String)> = fields
            .iter()
            .map(|f| {
                (
                    String::from_utf8(f.name.clone()).unwrap(),
                    String::from_utf8(f.value.clone()).unwrap(),
                )
            })
            .collect();
        assert_eq!(got, ex.headers, "{}", ex.id);
        // C.2.3 is the never-indexed literal: reported as such.
        assert_eq!(fields[0].never_indexed, ex.id == "C.2.3", "{}", ex.id);
        let t = d.table();
        assert_eq!(t.size(), ex.table_size, "{}", ex.id);
        assert_eq!(t.len(), ex.table.len(), "{}", ex.id);
    }
}

#[test]
fn c3_to_c6_sequences_whole_and_split_everywhere() {
    for (section, size) in [("C.3", 4096), ("C.4", 4096), ("C.5", 256), ("C.6", 256)] {
        check_sequence(section, 3, size, None);
        let longest = examples(section)
            .iter()
            .map(|e| e.wire.len())
            .max()
            .unwrap();
        for k in 0..=longest {
            check_sequence(section, 3, size, Some(k));
        }
    }
}

#[test]
fn encoder_reproduces_the_rfc_encodings() {
    for (section, huffman, size) in [
        ("C.3", false, 4096),
        ("C.4", true, 4096),
        ("C.5", false, 256),
        ("C.6", true, 256),
    ] {
        let config = EncoderConfig::default()
            .with_huffman(huffman)
            .with_max_table_size(size);
        let mut e = Encoder::new(config);
        for (k, ex) in examples(section).iter().enumerate() {
            let mut out = Vec::new();
            e.encode(
                ex.headers
                    .iter()
                    .map(|(n, v)| Field::new(n.as_bytes(), v.as_bytes())),
                &mut out,
            );
            let mut expected = Vec::new();
            if size == 256 && k == 0 {
                // Our encoder announces its 256-octet table (the peer starts from 4,096).
                expected.extend_from_slice(&[0x3f, 0xe1, 0x01]);
            }
            expected.extend_from_slice(&ex.wire);
            assert_eq!(out, expected, "{}", ex.id);
            assert_eq!(e.table().size(), ex.table_size, "{} table size", ex.id);
        }
    }
}
