//! Encoders refuse what would be invalid on the wire (response splitting, header injection).

use crate::{
    ChunkHeader, Error, Header, RequestHead, ResponseHead, Version, write_request_head,
    write_response_head, write_trailers,
};

fn request(method: &[u8], target: &[u8], name: &[u8], value: &[u8]) -> Result<usize, Error> {
    let headers = [Header { name, value }];
    let head = RequestHead {
        method,
        target,
        version: Version::Http11,
        headers: &headers,
    };
    write_request_head(&head, &mut [0u8; 256])
}

fn response(status: u16, reason: &[u8], name: &[u8], value: &[u8]) -> Result<usize, Error> {
    let headers = [Header { name, value }];
    let head = ResponseHead {
        version: Version::Http11,
        status,
        reason,
        headers: &headers,
    };
    write_response_head(&head, &mut [0u8; 256])
}

#[test]
fn injection_is_refused() {
    assert!(request(b"GET", b"/", b"X", b"ok").is_ok());
    for (method, target, name, value) in [
        (&b"GE T"[..], &b"/"[..], &b"X"[..], &b"v"[..]),
        (b"", b"/", b"X", b"v"),
        (b"GET", b"/ HTTP/1.1\r\nX: y", b"X", b"v"),
        (b"GET", b"", b"X", b"v"),
        (b"GET", b"/", b"X\r\nEvil", b"v"),
        (b"GET", b"/", b"X:", b"v"),
        (b"GET", b"/", b"", b"v"),
        (b"GET", b"/", b"X", b"v\r\nEvil: 1"),
        (b"GET", b"/", b"X", b"v\nEvil: 1"),
        (b"GET", b"/", b"X", b"v\0"),
        (b"GET", b"/", b"X", b" leading"),
        (b"GET", b"/", b"X", b"trailing\t"),
    ] {
        assert_eq!(
            request(method, target, name, value),
            Err(Error::InvalidToSend)
        );
    }
    assert!(response(200, b"OK", b"X", b"ok").is_ok());
    assert_eq!(response(99, b"", b"X", b"v"), Err(Error::InvalidToSend));
    assert_eq!(response(600, b"", b"X", b"v"), Err(Error::InvalidToSend));
    assert_eq!(
        response(200, b"OK\r\nEvil: 1", b"X", b"v"),
        Err(Error::InvalidToSend)
    );
    assert_eq!(
        write_trailers(
            &[Header {
                name: b"A",
                value: b"\r\n"
            }],
            &mut [0u8; 64]
        ),
        Err(Error::InvalidToSend)
    );
}

#[test]
fn small_buffers_say_what_they_need() {
    let headers = [Header {
        name: b"Host",
        value: b"example.com",
    }];
    let head = RequestHead {
        method: b"GET",
        target: b"/",
        version: Version::Http11,
        headers: &headers,
    };
    let mut out = [0u8; 10];
    assert_eq!(
        write_request_head(&head, &mut out),
        Err(Error::BufferTooSmall { needed: 37 })
    );
    assert_eq!(out, [0u8; 10], "nothing written on error");
    let mut out = [0u8; 37];
    assert_eq!(write_request_head(&head, &mut out), Ok(37));
}

#[test]
fn chunk_headers() {
    assert_eq!(ChunkHeader::new(0).as_bytes(), b"0\r\n");
    assert_eq!(ChunkHeader::new(10).as_bytes(), b"a\r\n");
    assert_eq!(ChunkHeader::new(4096).as_bytes(), b"1000\r\n");
    assert_eq!(
        ChunkHeader::new(u64::MAX).as_bytes(),
        b"ffffffffffffffff\r\n"
    );
}
