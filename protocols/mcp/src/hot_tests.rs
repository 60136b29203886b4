use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::encode_tool_response;
use crate::ProtocolVersion;
use crate::engine::{Ctx, Engine, EngineConfig, finish_result};
use crate::jsonrpc::{Id, Message};
use crate::server::Server;
use crate::types::{CallToolResult, Content, Extra};

/// What the general path sends for a `tools/call` answered with `r`.
/// Whether serde_json's maps are sorted. Its `preserve_order` feature (which the CLI turns on,
/// so `cargo test --workspace` unifies it into this crate) keeps insertion order instead: the
/// general path's members then come out in the order they were inserted and the direct
/// encoding can only be compared as JSON, not byte for byte. Member order carries no meaning
/// in JSON (RFC 8259 §4), so both are the same answer.
fn sorted_maps() -> bool {
    let mut m = Map::new();
    m.insert("b".into(), Value::Null);
    m.insert("a".into(), Value::Null);
    m.keys().next().map(String::as_str) == Some("a")
}

fn general(engine: &Engine, id: &Id, version: ProtocolVersion, r: &CallToolResult) -> Vec<u8> {
    let ctx = Ctx {
        version,
        client_caps: Arc::new(Map::new()),
        log_level: None,
    };
    let v = engine.tool_result(&ctx, r.clone());
    let v = finish_result(engine.server(), engine.config(), &ctx, "tools/call", v);
    let mut out = Vec::new();
    Message::Response {
        id: id.clone(),
        result: v,
    }
    .encode(&mut out);
    out
}

fn text() -> impl Strategy<Value = String> {
    // Quotes, backslashes, control characters, non-ASCII: everything JSON escapes.
    "[a-z\"\\\\\n\t\u{1}\u{7f}é€😀 ]{0,12}"
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        3 => Just(Extra::new()),
        1 => proptest::collection::btree_map(
            prop_oneof![Just("_meta".into()), Just("zz".into()), text()],
            json_value(),
            1..3,
        )
        .prop_map(|m| m.into_iter().collect()),
    ]
}

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        4 => (text(), extra()).prop_map(|(text, extra)| Content::Text { text, extra }),
        1 => (text(), extra()).prop_map(|(data, extra)| Content::Image {
            data,
            mime_type: "image/png".into(),
            extra,
        }),
        1 => (text(), text()).prop_map(|(uri, name)| Content::ResourceLink {
            uri,
            name,
            extra: Extra::new(),
        }),
    ]
}

fn result() -> impl Strategy<Value = CallToolResult> {
    (
        proptest::collection::vec(content(), 0..4),
        proptest::option::of(json_value()),
        proptest::option::of(any::<bool>()),
        extra(),
    )
        .prop_map(
            |(content, structured_content, is_error, extra)| CallToolResult {
                content,
                structured_content,
                is_error,
                extra,
            },
        )
}

fn id() -> impl Strategy<Value = Id> {
    prop_oneof![
        any::<i64>().prop_map(Id::Number),
        text().prop_map(Id::String)
    ]
}

proptest! {
    #[test]
    fn fast_encoding_matches_the_general_path(
        id in id(),
        version in proptest::sample::select(ProtocolVersion::ALL.to_vec()),
        r in result(),
        info_extra in extra(),
    ) {
        let mut server = Server::new("srv \"x\"", "1.0");
        server.info.extra = info_extra;
        let engine = Engine::new(Arc::new(server), EngineConfig::default());
        let expected = general(&engine, &id, version, &r);
        let mut out = b"prefix".to_vec();
        let done = encode_tool_response(&id, version, &engine.server().info, &r, &mut out);
        if done && sorted_maps() {
            prop_assert_eq!(
                core::str::from_utf8(&out[6..]).unwrap(),
                core::str::from_utf8(&expected).unwrap()
            );
        } else if done {
            prop_assert_eq!(
                serde_json::from_slice::<Value>(&out[6..]).unwrap(),
                serde_json::from_slice::<Value>(&expected).unwrap()
            );
        } else {
            prop_assert!(!r.extra.is_empty(), "declined only for extra members");
            prop_assert_eq!(&out[..], b"prefix", "nothing written when declined");
        }
    }
}

#[test]
fn a_plain_text_result_is_encoded_in_both_eras() {
    let engine = Engine::new(Arc::new(Server::new("s", "1")), EngineConfig::default());
    let r = CallToolResult::text("1013");
    for (version, want) in [
        (
            ProtocolVersion::V2025_11_25,
            json!({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"1013"}]}}),
        ),
        (
            ProtocolVersion::V2026_07_28,
            json!({"jsonrpc":"2.0","id":7,"result":{
                "content":[{"type":"text","text":"1013"}],
                "resultType":"complete",
                "_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}}}}),
        ),
    ] {
        let mut out = Vec::new();
        assert!(encode_tool_response(
            &Id::Number(7),
            version,
            &engine.server().info,
            &r,
            &mut out
        ));
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), want);
        let expected = general(&engine, &Id::Number(7), version, &r);
        if sorted_maps() {
            assert_eq!(out, expected);
        } else {
            assert_eq!(
                serde_json::from_slice::<Value>(&out).unwrap(),
                serde_json::from_slice::<Value>(&expected).unwrap()
            );
        }
    }
}

// ------------------------------------------------------------------ the typed parse

use alloc::string::ToString;
use alloc::vec;

use fasterapi_core::Timestamp;

use super::{GENERAL_ONLY, parse_tools_call};
use crate::engine::{Event, Output};
use crate::jsonrpc::{CodecLimits, Payload};
use crate::server::{ToolReply, schema};

/// A member as JSON text: `"key":value`, the key sometimes escaped.
fn member(
    keys: &'static [&'static str],
    values: Vec<&'static str>,
) -> impl Strategy<Value = String> {
    (
        proptest::sample::select(keys.to_vec()),
        pick(values),
        proptest::bool::weighted(0.05),
    )
        .prop_map(|(k, v, escape)| {
            let key = if escape {
                // `\u0061` for the first letter: the same key once unescaped.
                let mut chars = k.chars();
                let first = chars.next().map_or(0, u32::from);
                alloc::format!("\\u{first:04x}{}", chars.as_str())
            } else {
                k.to_string()
            };
            alloc::format!("\"{key}\":{v}")
        })
}

/// Mostly the first value, sometimes one of the others.
fn pick(values: Vec<&'static str>) -> impl Strategy<Value = &'static str> {
    let first = values[0];
    prop_oneof![6 => Just(first), 1 => proptest::sample::select(values)]
}

fn shuffled(members: Vec<String>, seed: u64) -> String {
    let mut members = members;
    if seed % 4 == 0 {
        // Sometimes another order (params before method, …).
        let n = members.len().max(1);
        members.rotate_left((seed as usize / 4) % n);
    }
    alloc::format!("{{{}}}", members.join(","))
}

fn params() -> impl Strategy<Value = String> {
    let meta = vec![
        r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#,
        r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"sampling":{}},"progressToken":7,"io.modelcontextprotocol/logLevel":"debug"}"#,
        r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}"#,
        r#"{"io.modelcontextprotocol/protocolVersion":"1999-01-01","io.modelcontextprotocol/clientCapabilities":{}}"#,
        r#"{"io.modelcontextprotocol/protocolVersion":2026,"io.modelcontextprotocol/clientCapabilities":{}}"#,
        r#"{"progressToken":"p"}"#,
        r#"{}"#,
        r#"5"#,
        r#"null"#,
    ];
    let name = member(
        &["name"],
        vec![
            r#""echo""#,
            r#""defer""#,
            r#""fail""#,
            r#""ask""#,
            r#""nope""#,
            r#""ec\u0068o""#,
            "5",
            "null",
        ],
    );
    let arguments = member(
        &["arguments"],
        vec![
            r#"{"text":"hi"}"#,
            r#"{"text":"a\"\\b\u00e9"}"#,
            r#"{"text":5}"#,
            "{}",
            "null",
            "[]",
            r#""x""#,
            r#"{"text":"a","text":"b"}"#,
            r#"{"text":"x","n":1.5e300,"deep":[[[{}]]]}"#,
        ],
    );
    let other = member(
        &[
            "task",
            "inputResponses",
            "requestState",
            "cursor",
            "name",
            "_meta",
        ],
        vec!["{}", r#""s""#, "null"],
    );
    let canonical = (
        name,
        proptest::option::weighted(0.8, arguments),
        proptest::option::weighted(0.6, member(&["_meta"], meta)),
        proptest::option::weighted(0.1, other),
        any::<u64>(),
    )
        .prop_map(|(n, a, m, o, seed)| {
            let members = [Some(n), a, m, o].into_iter().flatten().collect();
            shuffled(members, seed)
        });
    prop_oneof![
        12 => canonical,
        1 => Just("[]".to_string()),
        1 => Just(r#""x""#.to_string()),
        1 => Just("null".to_string()),
        1 => Just("{}".to_string()),
    ]
}

fn envelope() -> impl Strategy<Value = String> {
    let jsonrpc = pick(vec![r#""2.0""#, r#""1.0""#, "2.0", r#""2\u002e0""#]);
    let id = pick(vec![
        "1",
        "-5",
        r#""a""#,
        "9223372036854775807",
        "9223372036854775808",
        "1.0",
        "1e3",
        r#""\u0061""#,
        "null",
        "[]",
    ]);
    let method = pick(vec![
        r#""tools/call""#,
        r#""tools/list""#,
        r#""tools\/call""#,
        "7",
    ]);
    let extra = member(
        &["result", "error", "x", "id", "jsonrpc", "method"],
        vec!["{}", "[[[[1]]]]", "null", r#""2.0""#],
    );
    (
        proptest::option::weighted(0.95, jsonrpc),
        proptest::option::weighted(0.95, id),
        proptest::option::weighted(0.95, method),
        params(),
        proptest::option::weighted(0.1, extra),
        any::<u64>(),
    )
        .prop_map(|(j, i, m, p, x, seed)| {
            let members = [
                j.map(|j| alloc::format!(r#""jsonrpc":{j}"#)),
                i.map(|i| alloc::format!(r#""id":{i}"#)),
                m.map(|m| alloc::format!(r#""method":{m}"#)),
                Some(alloc::format!(r#""params":{p}"#)),
                x,
            ];
            shuffled(members.into_iter().flatten().collect(), seed)
        })
}

/// A well-formed envelope, or one cut short or with a byte changed.
fn input() -> impl Strategy<Value = Vec<u8>> {
    (envelope(), 0usize..6, any::<usize>(), any::<u8>()).prop_map(|(text, how, at, byte)| {
        let mut bytes = text.into_bytes();
        let at = at % bytes.len().max(1);
        match how {
            1 => bytes.truncate(at),
            2 => bytes[at] = byte,
            _ => {}
        }
        bytes
    })
}

fn test_server() -> Server {
    let text = || schema::object().required("text", schema::string("text"));
    Server::new("t", "1")
        .tool("echo", "echo", text(), |c| {
            let mut r = CallToolResult::text(c.arguments["text"].as_str().unwrap_or(""));
            // What the handler saw, so both paths must hand it the same.
            r.structured_content =
                Some(json!({ "args": c.arguments, "meta": c.meta, "v": c.version.as_str() }));
            ToolReply::Done(r)
        })
        .tool("defer", "later", text(), |_| ToolReply::Defer)
        .tool("fail", "error", schema::object(), |_| {
            ToolReply::Error(crate::jsonrpc::ErrorObject::internal("boom"))
        })
        .tool("ask", "input", schema::object(), |_| {
            ToolReply::InputRequired {
                input_requests: Map::new(),
                request_state: None,
            }
        })
}

fn engine(initialized: bool) -> Engine {
    let mut e = Engine::new(Arc::new(test_server()), EngineConfig::default());
    if initialized {
        e.handle_payload(
            Timestamp::ZERO,
            br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#,
        );
        e.handle_payload(
            Timestamp::ZERO,
            br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        );
        while e.poll_output().is_some() {}
        while e.poll_event().is_some() {}
    }
    e
}

/// An output as bytes, with the request it belongs to and whether it is final.
type Sent = (Vec<u8>, Option<Id>, bool);

/// Everything the engine produced: encoded outputs and events.
fn drain(e: &mut Engine) -> (Vec<Sent>, Vec<Event>) {
    let mut out = vec![];
    while let Some(Output {
        payload,
        related,
        is_final,
    }) = e.poll_output()
    {
        let mut bytes = vec![];
        payload.encode(&mut bytes);
        out.push((bytes, related, is_final));
    }
    let mut events = vec![];
    while let Some(ev) = e.poll_event() {
        events.push(ev);
    }
    (out, events)
}

fn general_only<T>(f: impl FnOnce() -> T) -> T {
    GENERAL_ONLY.with(|g| g.set(true));
    let r = f();
    GENERAL_ONLY.with(|g| g.set(false));
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn typed_parse_agrees_with_the_general_parse(input in input()) {
        let limits = CodecLimits::default();
        if let Some(request) = parse_tools_call(&input, &limits) {
            let general = Payload::parse(&input, &limits);
            prop_assert_eq!(general, Ok(Payload::Single(Message::Request(request))));
        }
    }

    #[test]
    fn fast_and_general_engines_answer_the_same(
        inputs in proptest::collection::vec(input(), 1..4),
        initialized in any::<bool>(),
    ) {
        let (mut fast, mut slow) = (engine(initialized), engine(initialized));
        for input in &inputs {
            fast.handle_payload(Timestamp::ZERO, input);
            general_only(|| slow.handle_payload(Timestamp::ZERO, input));
            prop_assert_eq!(drain(&mut fast), drain(&mut slow));
        }
    }
}

#[test]
fn the_plain_shape_takes_the_fast_path() {
    let limits = CodecLimits::default();
    let ok = [
        &br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#[..],
        br#"{"id":"x","jsonrpc":"2.0","method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}},"arguments":null,"name":"echo"}}"#,
        br#" {"method":"tools/call","params":{"name":"e"},"id":-3,"jsonrpc":"2.0"} "#,
    ];
    for input in ok {
        assert!(
            parse_tools_call(input, &limits).is_some(),
            "{}",
            core::str::from_utf8(input).unwrap()
        );
    }
    let declined = [
        // params before method, a duplicate, another member, an escaped name, task
        &br#"{"jsonrpc":"2.0","id":1,"params":{"name":"echo"},"method":"tools/call"}"#[..],
        br#"{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"echo"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"},"x":1}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\u0065cho"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","task":{}}}"#,
        br#"{"jsonrpc":"2.0","id":1.0,"method":"tools/call","params":{"name":"echo"}}"#,
        br#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo"}}"#,
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"\xff\"}}",
        br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}]"#,
    ];
    for input in declined {
        assert!(
            parse_tools_call(input, &limits).is_none(),
            "{}",
            String::from_utf8_lossy(input)
        );
    }
    let small = CodecLimits {
        max_message_len: 10,
        ..CodecLimits::default()
    };
    assert!(
        parse_tools_call(ok[0], &small).is_none(),
        "over the limit: the general path refuses it"
    );
}
