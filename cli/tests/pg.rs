//! `fasterapi decode pg` as a black box, on bytes recorded from a real PostgreSQL 15
//! (`tests/pg_fixtures/record.py`: psql and pgbench through a relay, in clear).

mod decode_support;

use std::process::Output;

use serde_json::{Value, json};

use decode_support::lines;

const PSQL_BACKEND: &[u8] = include_bytes!("pg_fixtures/psql.backend.bin");
const PSQL_FRONTEND: &[u8] = include_bytes!("pg_fixtures/psql.frontend.bin");
const BENCH_BACKEND: &[u8] = include_bytes!("pg_fixtures/pgbench1.backend.bin");
const BENCH_FRONTEND: &[u8] = include_bytes!("pg_fixtures/pgbench1.frontend.bin");

fn decode(args: &[&str], stdin: &[u8]) -> Output {
    decode_support::decode("pg", args, stdin)
}

fn ok(role: &str, input: &[u8]) -> Vec<Value> {
    let out = decode(&["--role", role], input);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = lines(&out);
    // Every message is reported with its span; the spans tile the input exactly.
    let mut at = 0;
    for e in &events {
        assert_eq!(e["offset"], json!(at), "{e}");
        at += e["length"].as_u64().expect("length");
    }
    assert_eq!(at, input.len() as u64);
    events
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect()
}

/// The events without their spans, for comparing with expected values.
fn bare(e: &Value) -> Value {
    let mut e = e.clone();
    let o = e.as_object_mut().expect("object");
    o.remove("offset");
    o.remove("length");
    e
}

#[test]
fn psql_session_as_the_client_sees_it() {
    let events = ok("client", PSQL_BACKEND);
    let auth: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "authentication")
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(auth, ["sasl", "sasl_continue", "sasl_final", "ok"]);
    assert_eq!(
        events[0]["data"],
        json!(["SCRAM-SHA-256"]),
        "no PLUS in clear"
    );
    assert!(events.iter().any(|e| bare(e)
        == json!({"event": "parameter_status", "name": "application_name", "value": "record"})));
    let k = kinds(&events);
    let key = k
        .iter()
        .position(|&x| x == "backend_key_data")
        .expect("key data");
    assert_eq!(
        bare(&events[key + 1]),
        json!({"event": "ready_for_query", "status": "I"})
    );
    let notify = events
        .iter()
        .find(|e| e["event"] == "notification_response")
        .expect("notify");
    assert_eq!(
        (notify["channel"].clone(), notify["payload"].clone()),
        (json!("ch"), json!("hello"))
    );
    let desc = events
        .iter()
        .find(|e| e["event"] == "row_description")
        .expect("columns");
    let names: Vec<&str> = desc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["one", "nothing", "e"]);
    assert_eq!(desc["fields"][0]["type_oid"], json!(23));
    assert!(
        events
            .iter()
            .any(|e| bare(e) == json!({"event": "data_row", "values": ["1", null, "é"]}))
    );
    let err = events
        .iter()
        .find(|e| e["event"] == "error_response")
        .expect("error");
    assert_eq!(err["fields"]["code"], json!("22012"));
    assert_eq!(err["fields"]["message"], json!("division by zero"));
    assert_eq!(err["fields"]["severity"], json!("ERROR"));
    let copy_in = k
        .iter()
        .position(|&x| x == "copy_in_response")
        .expect("copy in");
    assert_eq!(
        bare(&events[copy_in + 1]),
        json!({"event": "command_complete", "tag": "COPY 2"})
    );
    let data: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "copy_data")
        .map(|e| &e["data"])
        .collect();
    assert_eq!(data, [&json!("1\tone\n"), &json!("2\ttwo\n")]);
    assert!(k.contains(&"copy_out_response") && k.contains(&"copy_done"));
    assert_eq!(*k.last().unwrap(), "ready_for_query");
}

#[test]
fn psql_session_as_the_server_sees_it() {
    let events = ok("server", PSQL_FRONTEND);
    assert_eq!(events[0]["event"], "startup");
    assert_eq!(events[0]["version"], json!("3.0"));
    let params = events[0]["params"].as_array().unwrap();
    assert!(
        params.contains(&json!(["user", "rec"]))
            && params.contains(&json!(["database", "postgres"]))
    );
    // `p` bodies depend on the request they answer: raw here. The first is the SASL initial
    // response: the mechanism, then its length and the client-first-message.
    let auth: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "auth_response")
        .collect();
    assert_eq!(auth.len(), 2);
    let first = match &auth[0]["data"] {
        Value::String(s) => s.clone().into_bytes(),
        v => hex_bytes(v["hex"].as_str().unwrap()),
    };
    assert!(first.starts_with(b"SCRAM-SHA-256\0"));
    let queries: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "query")
        .map(|e| e["query"].as_str().unwrap())
        .collect();
    assert!(queries.contains(&"SELECT 1/0;"), "{queries:?}");
    assert!(
        events
            .iter()
            .any(|e| bare(e) == json!({"event": "copy_data", "data": "1\tone\n2\ttwo\n\\.\n"}))
    );
    assert!(kinds(&events).contains(&"copy_done"));
    assert_eq!(*kinds(&events).last().unwrap(), "terminate");
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn extended_protocol_from_pgbench() {
    let front = ok("server", BENCH_FRONTEND);
    let k = kinds(&front);
    for kind in ["parse", "bind", "describe", "execute", "sync"] {
        assert!(k.contains(&kind), "{kind} in {k:?}");
    }
    let parse = front.iter().find(|e| e["event"] == "parse").unwrap();
    assert!(parse["query"].as_str().unwrap().contains("$1"), "{parse}");
    let bind = front.iter().find(|e| e["event"] == "bind").unwrap();
    assert_eq!(bind["params"], json!(["7"]));
    let back = ok("client", BENCH_BACKEND);
    let k = kinds(&back);
    for kind in [
        "parse_complete",
        "bind_complete",
        "row_description",
        "data_row",
        "command_complete",
    ] {
        assert!(k.contains(&kind), "{kind} in {k:?}");
    }
    assert!(
        back.iter()
            .any(|e| bare(e) == json!({"event": "data_row", "values": ["8", "text"]}))
    );
}

#[test]
fn errors_and_hex() {
    // Cut inside a message: the messages before it, then `truncated` at its start.
    let cut = &PSQL_BACKEND[..PSQL_BACKEND.len() - 3];
    let out = decode(&["--role", "client"], cut);
    assert_eq!(out.status.code(), Some(2));
    let l = lines(&out);
    let last = l.last().unwrap();
    assert_eq!(last["error"]["kind"], json!("truncated"));
    assert_eq!(last["error"]["codec"], json!("pg"));
    assert_eq!(
        last["error"]["offset"],
        json!(PSQL_BACKEND.len() - 6),
        "ReadyForQuery is 6 bytes"
    );
    // A length over the limit is refused from the header.
    let out = decode(&["--role", "client"], b"D\x7f\xff\xff\xff");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out)[0]["error"]["kind"], json!("too_large"));
    // A type byte the backend never sends.
    let out = decode(&["--role", "client"], b"x\x00\x00\x00\x04");
    assert_eq!(lines(&out)[0]["error"]["kind"], json!("unknown_message"));
    // A startup length below the minimum.
    let out = decode(&["--role", "server"], b"\x00\x00\x00\x02");
    assert_eq!(lines(&out)[0]["error"]["kind"], json!("bad_length"));
    // Hex input: ReadyForQuery (idle) and an SSLRequest.
    let out = decode(&["--role", "client", "--hex"], b"5a 00000005 49\n");
    assert_eq!(
        lines(&out).iter().map(bare).collect::<Vec<_>>(),
        [json!({"event": "ready_for_query", "status": "I"})]
    );
    let out = decode(
        &["--role", "server", "--hex"],
        b"00000008 04d2162f # SSLRequest\n",
    );
    assert_eq!(bare(&lines(&out)[0]), json!({"event": "ssl_request"}));
}
