//! 2026-07-28 Streamable HTTP request headers (transports/streamable-http §"Standard Request
//! Headers", §"Custom Headers from Tool Parameters"): the `=?base64?…?=` value encoding, the
//! `x-mcp-header` annotations of a tool's `inputSchema` and the `Mcp-Param-{Name}` values
//! they mirror. Both sides use it: the client to send the headers and to refuse tools with
//! invalid annotations, the server to check the headers against the body.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

const PREFIX: &str = "=?base64?";
const SUFFIX: &str = "?=";

/// JavaScript's safe integer range (§"Schema Extension": integer values MUST be within it).
const MAX_SAFE: i64 = (1 << 53) - 1;

/// A header value as sent (§"Value Encoding"): visible ASCII and inner spaces as is;
/// anything else — non-ASCII, control characters, leading or trailing whitespace, or a
/// plain value that looks like the sentinel — as `=?base64?{standard base64}?=`.
pub fn encode_value(v: &str) -> String {
    let plain = v.bytes().all(|b| b == b' ' || (0x21..0x7f).contains(&b))
        && v.trim_matches(' ') == v
        && !(v.starts_with(PREFIX) && v.ends_with(SUFFIX));
    if plain {
        v.to_string()
    } else {
        format!("{PREFIX}{}{SUFFIX}", STANDARD.encode(v))
    }
}

/// A received header value: the sentinel form decoded (strict base64: the standard
/// alphabet with its padding, and UTF-8 inside), anything else literal. `None` when the
/// value is not a valid field value or the encoding is malformed — both are rejected
/// (§"Server Behavior for Custom Headers").
pub fn decode_value(v: &str) -> Option<String> {
    if !v
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
    {
        return None;
    }
    match v.strip_prefix(PREFIX).and_then(|r| r.strip_suffix(SUFFIX)) {
        Some(b64) => STANDARD
            .decode(b64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok()),
        None => Some(v.into()),
    }
}

/// One `x-mcp-header` annotation: the header's name part and the property path to its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamHeader {
    /// The `{Name}` of `Mcp-Param-{Name}`, as the schema spells it.
    pub name: String,
    /// The chain of `properties` keys from the schema root.
    pub path: Vec<String>,
}

impl ParamHeader {
    /// The header field name, `Mcp-Param-{Name}`.
    pub fn field_name(&self) -> String {
        format!("Mcp-Param-{}", self.name)
    }

    /// The value to mirror from `arguments`: `None` when absent or `null` (the header is then
    /// omitted), else the string form (§"Value Encoding": strings as is, integers in decimal,
    /// booleans `true`/`false`), not yet encoded.
    pub fn value_in(&self, arguments: &Map<String, Value>) -> Option<String> {
        let (last, parents) = self.path.split_last()?;
        let mut obj = arguments;
        for k in parents {
            obj = obj.get(k)?.as_object()?;
        }
        match obj.get(last)? {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The `x-mcp-header` annotations of a tool's `inputSchema`, checked against every
/// constraint of §"Schema Extension": a non-empty token, case-insensitively unique, on a
/// `string`, `integer` or `boolean` property reached from the root only through
/// `properties`. `Err` names the first violation: the tool definition is invalid.
pub fn param_headers(input_schema: &Value) -> Result<Vec<ParamHeader>, String> {
    let mut found = Vec::new();
    walk(input_schema, &mut Vec::new(), true, &mut found)?;
    for (i, h) in found.iter().enumerate() {
        if found[..i]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&h.name))
        {
            return Err(format!("x-mcp-header {:?} is not unique", h.name));
        }
    }
    Ok(found)
}

/// Walks a schema; `reachable` says whether the path so far is only `properties` steps.
fn walk(
    schema: &Value,
    path: &mut Vec<String>,
    reachable: bool,
    found: &mut Vec<ParamHeader>,
) -> Result<(), String> {
    let Some(obj) = schema.as_object() else {
        return Ok(());
    };
    if let Some(h) = obj.get("x-mcp-header") {
        let name = h.as_str().unwrap_or_default();
        if !reachable || path.is_empty() {
            return Err(format!(
                "x-mcp-header {name:?} is not on a property reached through properties only"
            ));
        }
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(format!("x-mcp-header {name:?} is not an HTTP token"));
        }
        let ty = obj.get("type").and_then(Value::as_str);
        if !matches!(ty, Some("string" | "integer" | "boolean")) {
            return Err(format!(
                "x-mcp-header {name:?} is on a property of type {ty:?}, not string, integer or boolean"
            ));
        }
        found.push(ParamHeader {
            name: name.into(),
            path: path.clone(),
        });
    }
    for (k, v) in obj {
        match k.as_str() {
            "properties" => {
                if let Some(props) = v.as_object() {
                    for (p, sub) in props {
                        path.push(p.clone());
                        walk(sub, path, reachable, found)?;
                        path.pop();
                    }
                }
            }
            // Any other subschema keyword: annotations below it are not statically reachable.
            "items"
            | "prefixItems"
            | "additionalProperties"
            | "patternProperties"
            | "oneOf"
            | "anyOf"
            | "allOf"
            | "not"
            | "if"
            | "then"
            | "else"
            | "$defs"
            | "definitions"
            | "dependentSchemas"
            | "contains"
            | "unevaluatedProperties"
            | "propertyNames" => {
                let subs: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    Value::Object(o)
                        if matches!(
                            k.as_str(),
                            "patternProperties" | "$defs" | "definitions" | "dependentSchemas"
                        ) =>
                    {
                        o.values().collect()
                    }
                    other => alloc::vec![other],
                };
                for sub in subs {
                    walk(sub, path, false, found)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether a decoded header value matches the body value (§"Server Validation": integers
/// compared numerically, `42.0` equals `42`).
pub fn matches_value(header: &str, body: &Value) -> bool {
    match body {
        Value::String(s) => header == s,
        Value::Bool(b) => header == if *b { "true" } else { "false" },
        Value::Number(n) => match (n.as_i64(), header.parse::<f64>()) {
            (Some(i), Ok(h)) => i.abs() <= MAX_SAFE && h == i as f64,
            _ => n.as_f64().is_some_and(|f| header.parse::<f64>() == Ok(f)),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encoding_follows_the_spec_table() {
        assert_eq!(encode_value("us-west1"), "us-west1");
        assert_eq!(
            encode_value("Hello, 世界"),
            "=?base64?SGVsbG8sIOS4lueVjA==?="
        );
        assert_eq!(encode_value(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(encode_value("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(
            encode_value("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
        for v in [
            "us-west1",
            "Hello, 世界",
            " padded ",
            "a\tb",
            "=?base64?x?=",
        ] {
            assert_eq!(decode_value(&encode_value(v)).as_deref(), Some(v));
        }
    }

    #[test]
    fn decoding_is_strict() {
        assert_eq!(
            decode_value("=?base64?SGVsbG8=?=").as_deref(),
            Some("Hello")
        );
        assert_eq!(decode_value("=?base64?SGVsbG8?="), None, "missing padding");
        assert_eq!(decode_value("=?base64?SGVs!!!bG8=?="), None, "bad alphabet");
        assert_eq!(
            decode_value("=?base64?SGVsbG8=").as_deref(),
            Some("=?base64?SGVsbG8=")
        );
        assert_eq!(decode_value("a\u{1}b"), None, "control character");
    }

    #[test]
    fn annotations_are_checked() {
        let ok = json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "n":{"type":"object","properties":{"id":{"type":"integer","x-mcp-header":"Id"}}}}});
        let h = param_headers(&ok).unwrap();
        assert_eq!(h.len(), 2);
        let args = json!({"region":"eu","n":{"id":7}});
        let args = args.as_object().unwrap();
        let vals: Vec<_> = h
            .iter()
            .map(|h| (h.field_name(), h.value_in(args)))
            .collect();
        assert!(vals.contains(&("Mcp-Param-Region".into(), Some("eu".into()))));
        assert!(vals.contains(&("Mcp-Param-Id".into(), Some("7".into()))));
        for bad in [
            json!({"properties":{"a":{"type":"string","x-mcp-header":""}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":"a b"}}}),
            json!({"properties":{"a":{"type":"number","x-mcp-header":"A"}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":"A"},"b":{"type":"string","x-mcp-header":"a"}}}),
            json!({"properties":{"a":{"type":"array","items":{"type":"string","x-mcp-header":"A"}}}}),
            json!({"anyOf":[{"properties":{"a":{"type":"string","x-mcp-header":"A"}}}]}),
        ] {
            assert!(param_headers(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_compare_numerically() {
        assert!(matches_value("42", &json!(42)));
        assert!(matches_value("42.0", &json!(42)));
        assert!(!matches_value("43", &json!(42)));
        assert!(matches_value("true", &json!(true)));
        assert!(!matches_value("True", &json!(true)));
    }
}
