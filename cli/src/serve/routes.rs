//! The route table and the answers of the simple routes.

use bytes::Bytes;
use fasterapi_http1::{Header, ServerConnection};
use fasterapi_router::{FrozenMethodRouter, MatchError, Method, MethodRouter, percent};

/// What a request is routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `GET /`: a JSON hello.
    Hello,
    /// `GET /users/{id}`: the parameter echoed in JSON.
    User,
    /// `POST /echo`: the request body streamed back.
    Echo,
    /// `GET /events`: an SSE ticker.
    Events,
    /// `GET /ws`: WebSocket echo.
    Ws,
    /// `GET /demo.html`: the browser page.
    Page,
    /// `POST /demo-result`: what the page saw, printed on stdout.
    DemoResult,
    /// `POST`, `GET`, `DELETE /mcp`: the demo MCP server over Streamable HTTP.
    Mcp,
}

/// Every route with its method, path and a sample URL path (printed at start).
pub(crate) const ROUTES: [(Method, &str, Route, &str); 10] = [
    (Method::Get, "/", Route::Hello, "/"),
    (Method::Get, "/users/{id}", Route::User, "/users/42"),
    (Method::Post, "/echo", Route::Echo, "/echo"),
    (Method::Get, "/events", Route::Events, "/events"),
    (Method::Get, "/ws", Route::Ws, "/ws"),
    (Method::Get, "/demo.html", Route::Page, "/demo.html"),
    (
        Method::Post,
        "/demo-result",
        Route::DemoResult,
        "/demo-result",
    ),
    (Method::Post, "/mcp", Route::Mcp, "/mcp"),
    (Method::Get, "/mcp", Route::Mcp, "/mcp"),
    (Method::Delete, "/mcp", Route::Mcp, "/mcp"),
];

/// The frozen table.
pub(crate) fn table() -> FrozenMethodRouter<Route> {
    let mut table = MethodRouter::new();
    for (method, path, route, _) in ROUTES {
        // The routes above are fixed and distinct; a failure is a bug caught by the tests.
        table
            .insert(method, path, route)
            .expect("the built-in routes are valid and distinct");
    }
    table.freeze()
}

/// A routing decision.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Routed {
    /// A route, with the decoded `{id}` parameter when it has one.
    Found(Route, Option<String>),
    /// No route: 404.
    NotFound,
    /// The path exists for other methods: 405 with this `Allow` value.
    NotAllowed(String),
    /// A method this server does not know: 501.
    UnknownMethod,
    /// A path that is not valid UTF-8 or a bad percent-encoding: 400.
    BadPath,
}

/// Routes `method` and `target` (the query string is ignored).
pub(crate) fn route(table: &FrozenMethodRouter<Route>, method: &[u8], target: &[u8]) -> Routed {
    let Some(method) = Method::from_bytes(method) else {
        return Routed::UnknownMethod;
    };
    let Ok(target) = core::str::from_utf8(target) else {
        return Routed::BadPath;
    };
    let path = target.split('?').next().unwrap_or(target);
    match table.at(method, path) {
        Ok(m) => {
            let id = match m.params.get("id").map(percent::decode).transpose() {
                Ok(id) => id.map(|id| id.into_owned()),
                Err(_) => return Routed::BadPath,
            };
            Routed::Found(*m.value, id)
        }
        Err(MatchError::MethodNotAllowed { allowed }) => Routed::NotAllowed(allowed.to_string()),
        Err(_) => Routed::NotFound,
    }
}

/// Sends a whole response with a `Content-Length` (no body bytes for HEAD).
pub(crate) fn respond(
    conn: &mut ServerConnection,
    head: bool,
    status: u16,
    content_type: &str,
    extra: &[Header<'_>],
    body: Bytes,
) {
    let len = body.len().to_string();
    let mut headers = vec![
        Header {
            name: b"Content-Type",
            value: content_type.as_bytes(),
        },
        Header {
            name: b"Content-Length",
            value: len.as_bytes(),
        },
    ];
    headers.extend_from_slice(extra);
    // The machine refuses only when no response is owed (the peer already failed the
    // connection); there is nothing to answer then.
    if conn.send_response(status, &headers).is_err() {
        return;
    }
    if !head {
        let _ = conn.send_data(body);
    }
    let _ = conn.end_body();
}

/// A JSON body from a value, with a final newline.
pub(crate) fn json(value: &serde_json::Value) -> Bytes {
    let mut text = value.to_string();
    text.push('\n');
    Bytes::from(text)
}

/// `GET /`.
pub(crate) fn hello(base_url: &str) -> Bytes {
    json(&serde_json::json!({
        "hello": "fasterapi",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": "HTTP/1.1",
        "routes": routes_listed(),
        "demo": format!("{base_url}/demo.html"),
    }))
}

/// Each route path once (a path served for several methods is listed once).
fn routes_listed() -> Vec<&'static str> {
    let mut paths: Vec<&str> = ROUTES.iter().map(|(_, path, _, _)| *path).collect();
    paths.dedup();
    paths
}

/// `GET /users/{id}`.
pub(crate) fn user(id: &str) -> Bytes {
    json(&serde_json::json!({ "id": id, "name": format!("user {id}") }))
}

/// The body of an error response.
pub(crate) fn error(status: u16, message: &str) -> Bytes {
    json(&serde_json::json!({ "error": { "status": status, "message": message } }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_and_refuse() {
        let t = table();
        assert_eq!(route(&t, b"GET", b"/"), Routed::Found(Route::Hello, None));
        assert_eq!(
            route(&t, b"GET", b"/users/caf%C3%A9?x=1"),
            Routed::Found(Route::User, Some("café".into()))
        );
        assert_eq!(
            route(&t, b"HEAD", b"/events"),
            Routed::Found(Route::Events, None)
        );
        assert_eq!(route(&t, b"GET", b"/nope"), Routed::NotFound);
        assert_eq!(
            route(&t, b"GET", b"/echo"),
            Routed::NotAllowed("POST".into())
        );
        assert_eq!(route(&t, b"BREW", b"/"), Routed::UnknownMethod);
        assert_eq!(route(&t, b"GET", b"/users/%zz"), Routed::BadPath);
    }
}
