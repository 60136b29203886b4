extern crate alloc;
extern crate std;

use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;

fn frame_backend(m: &Backend<'_>) -> Vec<u8> {
    let mut v = Vec::new();
    m.emit(&mut v);
    v
}

/// Encoded bytes → parse → emit gives the same bytes, and parse of the output gives an equal
/// message.
fn backend_round_trip(m: &Backend<'_>) {
    let bytes = frame_backend(m);
    let (frame, used) = read_frame(&bytes, u32::MAX >> 1).unwrap().unwrap();
    assert_eq!(used, bytes.len());
    let parsed = Backend::parse(frame.tag, frame.body).unwrap();
    assert_eq!(&parsed, m);
    assert_eq!(frame_backend(&parsed), bytes);
    let mut count = CountSink::default();
    m.emit(&mut count);
    assert_eq!(count.0, bytes.len());
}

fn frontend_round_trip(m: &Frontend<'_>) {
    let mut bytes = Vec::new();
    m.emit(&mut bytes);
    let (frame, used) = read_frame(&bytes, u32::MAX >> 1).unwrap().unwrap();
    assert_eq!(used, bytes.len());
    let parsed = Frontend::parse(frame.tag, frame.body).unwrap();
    assert_eq!(&parsed, m);
    let mut again = Vec::new();
    parsed.emit(&mut again);
    assert_eq!(again, bytes);
}

fn cstring() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=255, 0..12)
}

fn values() -> impl Strategy<Value = Vec<Option<Vec<u8>>>> {
    proptest::collection::vec(
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
        0..12,
    )
}

proptest! {
    #[test]
    fn data_row_round_trips(vals in values()) {
        let items: Vec<Option<&[u8]>> = vals.iter().map(|v| v.as_deref()).collect();
        backend_round_trip(&Backend::DataRow(List::new(&items)));
    }

    #[test]
    fn row_description_round_trips(fields in proptest::collection::vec(
        (cstring(), any::<u32>(), any::<i16>(), any::<u32>(), any::<i16>(), any::<i32>(), 0i16..2), 0..8)) {
        let items: Vec<RowField<'_>> = fields.iter().map(|f| RowField {
            name: &f.0, table_oid: f.1, column_id: f.2, type_oid: f.3, type_size: f.4,
            type_modifier: f.5, format: Format(f.6),
        }).collect();
        backend_round_trip(&Backend::RowDescription(List::new(&items)));
    }

    #[test]
    fn error_and_notice_round_trip(fields in proptest::collection::vec((1u8..=255, cstring()), 0..8)) {
        let items: Vec<ErrorField<'_>> =
            fields.iter().map(|f| ErrorField { code: f.0, value: &f.1 }).collect();
        backend_round_trip(&Backend::ErrorResponse(List::new(&items)));
        backend_round_trip(&Backend::NoticeResponse(List::new(&items)));
    }

    #[test]
    fn small_backend_messages_round_trip(
        a in cstring(), b in cstring(), data in proptest::collection::vec(any::<u8>(), 0..40),
        key in proptest::collection::vec(any::<u8>(), 4..=256), pid in any::<i32>(),
        salt in any::<[u8; 4]>(), minor in any::<i32>(),
        mechs in proptest::collection::vec(proptest::collection::vec(1u8..=255, 1..10), 0..4),
        oids in proptest::collection::vec(any::<u32>(), 0..10),
        formats in proptest::collection::vec(0i16..2, 0..10),
        v in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..10)),
    ) {
        let mech_refs: Vec<&[u8]> = mechs.iter().map(Vec::as_slice).collect();
        let fmts: Vec<Format> = formats.iter().map(|&f| Format(f)).collect();
        let copy = CopyResponse { format: 1, column_formats: List::new(&fmts) };
        for m in [
            Backend::Authentication(Authentication::Ok),
            Backend::Authentication(Authentication::CleartextPassword),
            Backend::Authentication(Authentication::KerberosV5),
            Backend::Authentication(Authentication::Gss),
            Backend::Authentication(Authentication::Sspi),
            Backend::Authentication(Authentication::Md5Password { salt }),
            Backend::Authentication(Authentication::Sasl(List::new(&mech_refs))),
            Backend::Authentication(Authentication::SaslContinue(&data)),
            Backend::Authentication(Authentication::SaslFinal(&data)),
            Backend::Authentication(Authentication::GssContinue(&data)),
            Backend::BackendKeyData(BackendKeyData { process_id: pid, secret_key: &key }),
            Backend::BindComplete, Backend::CloseComplete, Backend::CopyDone, Backend::NoData,
            Backend::EmptyQueryResponse, Backend::ParseComplete, Backend::PortalSuspended,
            Backend::CommandComplete(&a),
            Backend::CopyData(&data),
            Backend::CopyInResponse(copy), Backend::CopyOutResponse(copy),
            Backend::CopyBothResponse(copy),
            Backend::FunctionCallResponse(v.as_deref()),
            Backend::NegotiateProtocolVersion { newest_minor: minor, unrecognized: List::new(&mech_refs) },
            Backend::NotificationResponse { process_id: pid, channel: &a, payload: &b },
            Backend::ParameterDescription(List::new(&oids)),
            Backend::ParameterStatus { name: &a, value: &b },
            Backend::ReadyForQuery(TransactionStatus::Idle),
            Backend::ReadyForQuery(TransactionStatus::InTransaction),
            Backend::ReadyForQuery(TransactionStatus::Failed),
        ] {
            backend_round_trip(&m);
        }
    }

    #[test]
    fn frontend_messages_round_trip(
        a in cstring(), b in cstring(), data in proptest::collection::vec(any::<u8>(), 0..40),
        vals in values(), formats in proptest::collection::vec(0i16..2, 0..6),
        oids in proptest::collection::vec(any::<u32>(), 0..10), n in any::<i32>(),
    ) {
        let items: Vec<Option<&[u8]>> = vals.iter().map(|v| v.as_deref()).collect();
        let fmts: Vec<Format> = formats.iter().map(|&f| Format(f)).collect();
        for m in [
            Frontend::Bind(Bind { portal: &a, statement: &b, param_formats: List::new(&fmts),
                params: List::new(&items), result_formats: List::new(&fmts) }),
            Frontend::Close { target: Target::Statement, name: &a },
            Frontend::Close { target: Target::Portal, name: &a },
            Frontend::Describe { target: Target::Statement, name: &b },
            Frontend::CopyData(&data), Frontend::CopyDone, Frontend::CopyFail(&a),
            Frontend::Execute { portal: &a, max_rows: n }, Frontend::Flush, Frontend::Sync,
            Frontend::Terminate, Frontend::Query(&a),
            Frontend::FunctionCall { function_oid: 42, arg_formats: List::new(&fmts),
                args: List::new(&items), result_format: Format::BINARY },
            Frontend::Parse { name: &a, query: &b, param_types: List::new(&oids) },
            Frontend::AuthResponse(AuthResponse(&data)),
        ] {
            frontend_round_trip(&m);
        }
        // The `p` family parses as an AuthResponse read in context.
        let mut v = Vec::new();
        Frontend::SaslInitialResponse { mechanism: &a, data: Some(&data) }.emit(&mut v);
        let (f, _) = read_frame(&v, 1 << 20).unwrap().unwrap();
        let Frontend::AuthResponse(r) = Frontend::parse(f.tag, f.body).unwrap() else { panic!() };
        prop_assert_eq!(r.sasl_initial().unwrap(), (&a[..], Some(&data[..])));
        v.clear();
        Frontend::PasswordMessage(&b).emit(&mut v);
        let (f, _) = read_frame(&v, 1 << 20).unwrap().unwrap();
        let Frontend::AuthResponse(r) = Frontend::parse(f.tag, f.body).unwrap() else { panic!() };
        prop_assert_eq!(r.password().unwrap(), &b[..]);
    }

    #[test]
    fn startup_messages_round_trip(
        params in proptest::collection::vec((proptest::collection::vec(1u8..=255, 1..8), cstring()), 0..6),
        key in proptest::collection::vec(any::<u8>(), 4..=256), pid in any::<i32>(), minor in 0u16..3,
    ) {
        let items: Vec<StartupParam<'_>> =
            params.iter().map(|p| StartupParam { name: &p.0, value: &p.1 }).collect();
        for m in [
            Startup::Startup { version: ProtocolVersion::v3(minor), params: List::new(&items) },
            Startup::SslRequest, Startup::GssEncRequest,
            Startup::Cancel(CancelRequest { process_id: pid, secret_key: &key }),
        ] {
            let mut v = Vec::new();
            m.emit(&mut v);
            let (body, used) = read_startup_frame(&v, 1 << 20).unwrap().unwrap();
            prop_assert_eq!(used, v.len());
            prop_assert_eq!(Startup::parse(body).unwrap(), m);
        }
    }

    /// Any bytes: parsing never panics, and whatever parses re-emits to the same bytes.
    #[test]
    fn arbitrary_bytes_parse_or_fail_cleanly(tag in prop::sample::select(b"RK23CdcGHWDIEVvnNAtS1sZTBfHFPpQX".to_vec()),
                                            body in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(m) = Backend::parse(tag, &body) {
            let out = frame_backend(&m);
            prop_assert_eq!(&out[5..], &body[..]);
        }
        if let Ok(m) = Frontend::parse(tag, &body) {
            let mut out = Vec::new();
            m.emit(&mut out);
            prop_assert_eq!(&out[5..], &body[..]);
        }
        let _ = Startup::parse(&body);
    }

    /// The reader gives the same messages whatever the split of the stream.
    #[test]
    fn reader_is_split_invariant(vals in values(), split in 0usize..200) {
        let items: Vec<Option<&[u8]>> = vals.iter().map(|v| v.as_deref()).collect();
        let mut stream = Vec::new();
        Backend::DataRow(List::new(&items)).emit(&mut stream);
        Backend::CommandComplete(b"SELECT 1").emit(&mut stream);
        Backend::ReadyForQuery(TransactionStatus::Idle).emit(&mut stream);
        let split = split.min(stream.len());
        let mut reader = MessageReader::new(Direction::Backend, 1 << 20);
        let mut buf = Vec::from(&stream[..split]);
        let mut rest = &stream[split..];
        let mut tags = Vec::new();
        loop {
            match reader.next(&buf).unwrap() {
                Some((Message::Backend(m), used)) => { tags.push(m.tag()); buf.drain(..used); }
                Some(_) => unreachable!(),
                None if rest.is_empty() => break,
                None => { buf.extend_from_slice(rest); rest = &[]; }
            }
        }
        prop_assert_eq!(tags, b"DCZ".to_vec());
    }
}

#[test]
fn limit_is_checked_from_the_header() {
    // A 1 GiB DataRow announced in 5 bytes is refused before any body arrives.
    let head = [b'D', 0x40, 0, 0, 4];
    assert_eq!(
        read_frame(&head, 1 << 20),
        Err(CodecError::TooLarge {
            tag: b'D',
            len: 0x4000_0000,
            limit: 1 << 20
        })
    );
    assert_eq!(
        read_frame(&[b'Z', 0, 0, 0, 3], 100),
        Err(CodecError::BadLength { tag: b'Z', len: 3 })
    );
    assert_eq!(read_frame(&[b'Z', 0, 0, 0], 100), Ok(None));
    assert_eq!(
        read_startup_frame(&[0, 0, 0, 7], 100),
        Err(CodecError::BadLength { tag: 0, len: 7 })
    );
}

#[test]
fn cancel_key_length_rules() {
    let four = CancelRequest {
        process_id: 1,
        secret_key: &[1, 2, 3, 4],
    };
    let long = CancelRequest {
        process_id: 1,
        secret_key: &[7; 32],
    };
    assert!(four.key_allowed(ProtocolVersion::V3_0));
    assert!(!long.key_allowed(ProtocolVersion::V3_0));
    assert!(long.key_allowed(ProtocolVersion::V3_2));
    // Parsing refuses keys outside 4..=256 in every version.
    let mut v = Vec::new();
    Startup::Cancel(CancelRequest {
        process_id: 1,
        secret_key: &[0; 257],
    })
    .emit(&mut v);
    let (body, _) = read_startup_frame(&v, 1 << 20).unwrap().unwrap();
    assert!(Startup::parse(body).is_err());
    let k = BackendKeyData {
        process_id: 1,
        secret_key: &[0; 3],
    };
    assert!(!k.key_allowed(ProtocolVersion::V3_2));
}

#[test]
fn known_bytes() {
    // SSLRequest is exactly these 8 bytes (§54.7).
    let mut v = Vec::new();
    Startup::SslRequest.emit(&mut v);
    assert_eq!(v, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    let mut s = [0u8; 3];
    let mut sink = SliceSink::new(&mut s);
    Frontend::Sync.emit(&mut sink);
    assert_eq!(sink.finish(), Err(5));
    let mut s = [0u8; 5];
    let mut sink = SliceSink::new(&mut s);
    Frontend::Sync.emit(&mut sink);
    assert_eq!(sink.finish(), Ok(5));
    assert_eq!(s, [b'S', 0, 0, 0, 4]);
    // Unknown types are typed errors, not panics.
    assert_eq!(
        Backend::parse(b'@', &[]),
        Err(CodecError::UnknownMessage(b'@'))
    );
    assert!(matches!(
        Backend::parse(b'D', &[0xff, 0xff]),
        Err(CodecError::Malformed { .. })
    ));
}
