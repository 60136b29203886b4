extern crate std;

use alloc::vec::Vec;

use super::*;

#[test]
fn md5_matches_postgres() {
    // SELECT 'md5' || md5(md5('secret' || 'alice') || E'\\x01020304'::bytea::text) would need
    // the raw salt; this value is computed from the formula with a known-good MD5.
    let got = md5_password(b"alice", b"secret", [1, 2, 3, 4]);
    assert_eq!(&got[..3], b"md5");
    // md5("secretalice") = 1c3e5b8a6a3bc2ae3bf1b5d7d7e0b0d1? Checked against the inner step:
    use md5::{Digest, Md5};
    let inner = Md5::digest(b"secretalice");
    let mut hex = Vec::new();
    for b in inner {
        hex.extend_from_slice(alloc::format!("{b:02x}").as_bytes());
    }
    hex.extend_from_slice(&[1, 2, 3, 4]);
    let outer = Md5::digest(&hex);
    let mut want = Vec::from(&b"md5"[..]);
    for b in outer {
        want.extend_from_slice(alloc::format!("{b:02x}").as_bytes());
    }
    assert_eq!(&got[..], &want[..]);
}

#[test]
fn scram_rejects_bad_servers() {
    let p = RingProvider;
    let mk = || ScramClient::new("", b"pw", "abc", ChannelBinding::NotSupported);
    assert_eq!(
        mk().server_first(&p, b"r=xyz,s=AAAA,i=1", 10),
        Err(ScramError::NonceMismatch)
    );
    assert_eq!(
        mk().server_first(&p, b"r=abc,s=AAAA,i=1", 10),
        Err(ScramError::NonceMismatch)
    );
    assert_eq!(
        mk().server_first(&p, b"r=abcd,s=AAAA,i=11", 10),
        Err(ScramError::TooManyIterations(11))
    );
    assert!(matches!(
        mk().server_first(&p, b"r=abcd,s=AAAA,i=0", 10),
        Err(ScramError::Malformed(_))
    ));
    assert!(matches!(
        mk().server_first(&p, b"r=abcd,s=!!,i=1", 10),
        Err(ScramError::Malformed(_))
    ));
    assert!(matches!(
        mk().server_first(&p, b"e=other-error", 10),
        Err(ScramError::Server(_))
    ));
    let mut c = mk();
    assert_eq!(c.server_final(b"v=AAAA"), Err(ScramError::OutOfOrder));
    c.server_first(&p, b"r=abcd,s=AAAA,i=1", 10).unwrap();
    assert_eq!(
        c.server_final(b"v=AAAA"),
        Err(ScramError::BadServerSignature)
    );
}

#[test]
fn channel_binding_header_and_data() {
    let p = RingProvider;
    let mut c = ScramClient::new(
        "",
        b"pw",
        "abc",
        ChannelBinding::TlsServerEndPoint(Vec::from([7u8; 32])),
    );
    assert_eq!(c.client_first(), "p=tls-server-end-point,,n=,r=abc");
    let fin = c.server_first(&p, b"r=abcd,s=AAAA,i=1", 10).unwrap();
    use base64::Engine;
    let mut want = Vec::from(&b"p=tls-server-end-point,,"[..]);
    want.extend_from_slice(&[7u8; 32]);
    let c_attr = base64::engine::general_purpose::STANDARD.encode(&want);
    assert!(fin.starts_with(&alloc::format!("c={c_attr},r=abcd,p=")));
    let y = ScramClient::new("", b"pw", "abc", ChannelBinding::ClientOnly);
    assert_eq!(y.client_first(), "y,,n=,r=abc");
}

#[test]
fn cert_hash_rule_of_rfc5929() {
    // Minimal DER: SEQUENCE { SEQUENCE {} (tbs), SEQUENCE { OID }, BIT STRING }.
    fn cert(oid: &[u8]) -> Vec<u8> {
        let mut alg = alloc::vec![0x06, oid.len() as u8];
        alg.extend_from_slice(oid);
        let mut body = alloc::vec![0x30, 0x00, 0x30, alg.len() as u8];
        body.extend_from_slice(&alg);
        body.extend_from_slice(&[0x03, 0x01, 0x00]);
        let mut c = alloc::vec![0x30, body.len() as u8];
        c.extend_from_slice(&body);
        c
    }
    let rsa = |n: u8| {
        let mut o = Vec::from(RSA);
        o.push(n);
        cert(&o)
    };
    assert_eq!(cert_signature_hash(&rsa(4)), Ok(HashAlgorithm::Sha256)); // md5 → sha256
    assert_eq!(cert_signature_hash(&rsa(5)), Ok(HashAlgorithm::Sha256)); // sha1 → sha256
    assert_eq!(cert_signature_hash(&rsa(11)), Ok(HashAlgorithm::Sha256));
    assert_eq!(cert_signature_hash(&rsa(12)), Ok(HashAlgorithm::Sha384));
    assert_eq!(cert_signature_hash(&rsa(13)), Ok(HashAlgorithm::Sha512));
    let mut e = Vec::from(ECDSA_SHA2);
    e.push(3);
    assert_eq!(cert_signature_hash(&cert(&e)), Ok(HashAlgorithm::Sha384));
    assert_eq!(
        cert_signature_hash(&cert(ECDSA_SHA1)),
        Ok(HashAlgorithm::Sha256)
    );
    assert_eq!(
        cert_signature_hash(&cert(&[0x2b, 0x65, 0x70])),
        Err(CertHashError::UnsupportedAlgorithm)
    );
    assert_eq!(
        cert_signature_hash(&[0x30, 0x05, 0x30]),
        Err(CertHashError::Malformed)
    );
    assert_eq!(cert_signature_hash(&[]), Err(CertHashError::Malformed));
}

#[test]
fn saslprep_subset() {
    assert_eq!(scram::tests_saslprep(b"pencil"), b"pencil");
    assert_eq!(scram::tests_saslprep("a\u{a0}b\u{ad}".as_bytes()), b"a b");
    assert_eq!(scram::tests_saslprep(b"a\x01"), b"a\x01");
    assert_eq!(scram::tests_saslprep(b"\xff\xfe"), b"\xff\xfe");
}
