//! The feature checks both example clients run against the Python SDK's demo server (tools,
//! resources, prompts), whatever the transport.

use serde_json::{Value, json};

/// Calls `tools/list`, two tools, `resources/read` and `prompts/get` through `call`, and reports
/// each result to `check`.
pub(crate) fn feature_checks(
    call: &mut dyn FnMut(&str, Value) -> Result<Value, String>,
    check: &mut dyn FnMut(&str, bool, &dyn core::fmt::Debug),
) {
    let r = call("tools/list", json!({}));
    let names: Vec<String> = r
        .as_ref()
        .map(|v| {
            v["tools"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    check(
        "tools/list",
        names.contains(&"add".into()) && names.contains(&"shout".into()),
        &r,
    );
    let r = call(
        "tools/call",
        json!({"name":"add","arguments":{"a":40,"b":2}}),
    );
    check(
        "tools/call add",
        r.as_ref().is_ok_and(|v| v["content"][0]["text"] == "42"),
        &r,
    );
    let r = call(
        "tools/call",
        json!({"name":"shout","arguments":{"text":"hey"}}),
    );
    check(
        "tools/call shout",
        r.as_ref().is_ok_and(|v| v["content"][0]["text"] == "HEY"),
        &r,
    );
    let r = call("resources/read", json!({"uri":"sdk://greeting"}));
    check(
        "resources/read",
        r.as_ref()
            .is_ok_and(|v| v["contents"][0]["text"] == "hello from the SDK"),
        &r,
    );
    let r = call(
        "prompts/get",
        json!({"name":"review","arguments":{"code":"x = 1"}}),
    );
    check(
        "prompts/get",
        r.as_ref().is_ok_and(|v| {
            v["messages"][0]["content"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("x = 1"))
        }),
        &r,
    );
}
