//! Every method of every dated revision, with who sends it and when it existed (no alloc).

use crate::ProtocolVersion as V;

/// Whether a method is a request or a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A request (has an id, expects a response).
    Request,
    /// A notification.
    Notification,
}

/// Who sends a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The client.
    Client,
    /// The server.
    Server,
    /// Either side (`ping`, progress, cancellation, tasks).
    Both,
}

/// One method of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MethodInfo {
    /// The wire name.
    pub name: &'static str,
    /// Request or notification.
    pub kind: Kind,
    /// Who sends it.
    pub sender: Sender,
    /// The first revision that has it.
    pub since: V,
    /// The last revision that has it.
    pub until: V,
}

impl MethodInfo {
    /// Whether `version` has this method.
    pub fn in_version(&self, version: V) -> bool {
        self.since <= version && version <= self.until
    }
}

const fn m(name: &'static str, kind: Kind, sender: Sender, since: V, until: V) -> MethodInfo {
    MethodInfo {
        name,
        kind,
        sender,
        since,
        until,
    }
}

use Kind::{Notification as N, Request as R};
use Sender::{Both, Client as C, Server as S};

/// The method table, from the shared schemas of 2024-11-05 … 2026-07-28.
#[rustfmt::skip]
pub const METHODS: &[MethodInfo] = &[
    m("initialize", R, C, V::V2024_11_05, V::V2025_11_25),
    m(
        "notifications/initialized",
        N,
        C,
        V::V2024_11_05,
        V::V2025_11_25,
    ),
    m("ping", R, Both, V::V2024_11_05, V::V2025_11_25),
    m("server/discover", R, C, V::V2026_07_28, V::V2026_07_28),
    m("subscriptions/listen", R, C, V::V2026_07_28, V::V2026_07_28),
    m(
        "notifications/subscriptions/acknowledged",
        N,
        S,
        V::V2026_07_28,
        V::V2026_07_28,
    ),
    m(
        "notifications/cancelled",
        N,
        Both,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m("notifications/progress", N, Both, V::V2024_11_05, V::V2025_11_25),
    // 2026-07-28: only servers report progress (the client has no server requests to run).
    m("notifications/progress", N, S, V::V2026_07_28, V::V2026_07_28),
    m("logging/setLevel", R, C, V::V2024_11_05, V::V2025_11_25),
    m(
        "notifications/message",
        N,
        S,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m("tools/list", R, C, V::V2024_11_05, V::V2026_07_28),
    m("tools/call", R, C, V::V2024_11_05, V::V2026_07_28),
    m(
        "notifications/tools/list_changed",
        N,
        S,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m("resources/list", R, C, V::V2024_11_05, V::V2026_07_28),
    m(
        "resources/templates/list",
        R,
        C,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m("resources/read", R, C, V::V2024_11_05, V::V2026_07_28),
    m("resources/subscribe", R, C, V::V2024_11_05, V::V2025_11_25),
    m(
        "resources/unsubscribe",
        R,
        C,
        V::V2024_11_05,
        V::V2025_11_25,
    ),
    m(
        "notifications/resources/list_changed",
        N,
        S,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m(
        "notifications/resources/updated",
        N,
        S,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m("prompts/list", R, C, V::V2024_11_05, V::V2026_07_28),
    m("prompts/get", R, C, V::V2024_11_05, V::V2026_07_28),
    m(
        "notifications/prompts/list_changed",
        N,
        S,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m("completion/complete", R, C, V::V2024_11_05, V::V2026_07_28),
    // Client features: server→client requests in the legacy revisions; in 2026-07-28 the
    // same payloads travel inside `InputRequiredResult.inputRequests`.
    m(
        "sampling/createMessage",
        R,
        S,
        V::V2024_11_05,
        V::V2026_07_28,
    ),
    m("roots/list", R, S, V::V2024_11_05, V::V2026_07_28),
    m(
        "notifications/roots/list_changed",
        N,
        C,
        V::V2024_11_05,
        V::V2025_11_25,
    ),
    m("elicitation/create", R, S, V::V2025_06_18, V::V2026_07_28),
    m(
        "notifications/elicitation/complete",
        N,
        S,
        V::V2025_11_25,
        V::V2025_11_25,
    ),
    // Tasks (2025-11-25, experimental; an extension in 2026-07-28).
    m("tasks/get", R, Both, V::V2025_11_25, V::V2025_11_25),
    m("tasks/result", R, Both, V::V2025_11_25, V::V2025_11_25),
    m("tasks/list", R, Both, V::V2025_11_25, V::V2025_11_25),
    m("tasks/cancel", R, Both, V::V2025_11_25, V::V2025_11_25),
    m(
        "notifications/tasks/status",
        N,
        Both,
        V::V2025_11_25,
        V::V2025_11_25,
    ),
];

/// The method named `name` as it exists in `version`.
pub fn lookup(version: V, name: &str) -> Option<&'static MethodInfo> {
    METHODS
        .iter()
        .find(|m| m.name == name && m.in_version(version))
}
