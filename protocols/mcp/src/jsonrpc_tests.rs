use super::*;
use proptest::prelude::*;
use serde_json::json;

fn parse(s: &str) -> Result<Payload, Rejected> {
    Payload::parse(s.as_bytes(), &CodecLimits::default())
}

fn single(s: &str) -> Message {
    match parse(s) {
        Ok(Payload::Single(m)) => m,
        other => panic!("{s}: {other:?}"),
    }
}

#[test]
fn kinds_are_classified() {
    assert!(matches!(
        single(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
        Message::Request(Request {
            id: Id::Number(1),
            ..
        })
    ));
    assert!(matches!(
        single(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
        Message::Notification(_)
    ));
    assert!(matches!(
        single(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#),
        Message::Response {
            id: Id::String(_),
            ..
        }
    ));
    let Message::Error { id, error } =
        single(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#)
    else {
        panic!()
    };
    assert_eq!((id, error.code), (None, ErrorCode::PARSE_ERROR));
}

#[test]
fn invalid_json_is_a_parse_error_with_null_id() {
    let e = parse("{\"jsonrpc\":").unwrap_err();
    assert_eq!((e.id, e.code), (None, ErrorCode::PARSE_ERROR));
}

#[test]
fn invalid_requests_keep_the_id_they_could_read() {
    for (input, id) in [
        (
            r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#,
            Some(Id::Number(7)),
        ),
        (
            r#"{"jsonrpc":"2.0","id":7,"method":5}"#,
            Some(Id::Number(7)),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"q","params":3,"method":"x"}"#,
            Some(Id::from("q")),
        ),
        (r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#, None),
        (r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#, None),
        (r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#, None),
        (r#"{"jsonrpc":"2.0","id":1}"#, Some(Id::Number(1))),
        (r#"{"jsonrpc":"2.0","result":{}}"#, None),
        (
            r#"{"jsonrpc":"2.0","id":2,"error":{"code":"x","message":"m"}}"#,
            Some(Id::Number(2)),
        ),
        ("[]", None),
        ("3", None),
    ] {
        let e = parse(input).unwrap_err();
        assert_eq!(e.code, ErrorCode::INVALID_REQUEST, "{input}");
        assert_eq!(e.id, id, "{input}");
    }
}

#[test]
fn batches_parse_element_by_element() {
    let Ok(Payload::Batch(items)) =
        parse(r#"[{"jsonrpc":"2.0","id":1,"method":"a"},1,{"jsonrpc":"2.0","method":"n"}]"#)
    else {
        panic!()
    };
    assert_eq!(items.len(), 3);
    assert!(items[0].is_ok() && items[1].is_err() && items[2].is_ok());
}

#[test]
fn limits_are_checked_before_parsing() {
    let limits = CodecLimits {
        max_message_len: 10,
        max_batch_len: 2,
    };
    let e = Payload::parse(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, &limits).unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_REQUEST);
    let limits = CodecLimits {
        max_message_len: 1000,
        max_batch_len: 2,
    };
    let e = Payload::parse(b"[1,2,3]", &limits).unwrap_err();
    assert!(e.message.contains("batch"));
    // Deep nesting is refused by serde_json's recursion limit, not a stack overflow.
    let deep = "[".repeat(100_000);
    assert_eq!(
        Payload::parse(
            deep.as_bytes(),
            &CodecLimits {
                max_message_len: 1 << 20,
                ..limits
            }
        )
        .unwrap_err()
        .code,
        ErrorCode::PARSE_ERROR
    );
}

#[test]
fn unknown_codes_round_trip() {
    let m = single(r#"{"jsonrpc":"2.0","id":1,"error":{"code":-1234,"message":"m","data":[1]}}"#);
    let mut out = Vec::new();
    m.encode(&mut out);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        json!({"jsonrpc":"2.0","id":1,"error":{"code":-1234,"message":"m","data":[1]}})
    );
}

fn arb_id() -> impl Strategy<Value = Id> {
    prop_oneof![
        any::<i64>().prop_map(Id::Number),
        "[a-z\\n\"]{0,8}".prop_map(Id::String)
    ]
}

fn arb_params() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        ("[a-z_]{1,6}", "[ -~\\n]{0,10}")
            .prop_map(|(k, v)| Some(json!({ k: v, "_meta": {"x": 1} })))
    ]
}

fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (arb_id(), "[a-z/]{1,12}", arb_params())
            .prop_map(|(id, method, params)| Message::Request(Request { id, method, params })),
        ("[a-z/]{1,12}", arb_params())
            .prop_map(|(method, params)| Message::Notification(Notification { method, params })),
        (arb_id(), arb_params()).prop_map(|(id, r)| Message::Response {
            id,
            result: r.unwrap_or(json!({}))
        }),
        (proptest::option::of(arb_id()), any::<i64>(), "[ -~]{0,10}").prop_map(|(id, c, m)| {
            Message::Error {
                id,
                error: ErrorObject::new(ErrorCode::new(c), m),
            }
        }),
    ]
}

proptest! {
    #[test]
    fn encode_then_parse_is_identity(m in arb_message()) {
        let mut out = Vec::new();
        m.encode(&mut out);
        prop_assert!(!out.contains(&b'\n'), "stdio forbids embedded newlines");
        prop_assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), m.to_value());
        prop_assert_eq!(parse(core::str::from_utf8(&out).unwrap()).unwrap(), Payload::Single(m));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Payload::parse(&bytes, &CodecLimits::default());
    }
}
