//! JSON-RPC 2.0 and MCP error codes (no alloc).

fasterapi_core::wire_code! {
    /// A JSON-RPC error code: the five standard ones (JSON-RPC 2.0 §5.1) and the codes MCP
    /// allocates (2026-07-28 basic §"Error Codes"). Unknown values round-trip.
    pub struct ErrorCode(i64) {
        /// Invalid JSON was received.
        PARSE_ERROR = -32700,
        /// The JSON sent is not a valid request object.
        INVALID_REQUEST = -32600,
        /// The method does not exist or is not available.
        METHOD_NOT_FOUND = -32601,
        /// Invalid method parameters.
        INVALID_PARAMS = -32602,
        /// Internal JSON-RPC error.
        INTERNAL_ERROR = -32603,
        /// Resource not found (2025-11-25 and earlier; 2026-07-28 uses `INVALID_PARAMS`).
        RESOURCE_NOT_FOUND = -32002,
        /// The request timed out (the legacy SDK code, `-32001`).
        REQUEST_TIMEOUT = -32001,
        /// An `Mcp-Method` / `Mcp-Name` header disagrees with the body (2026-07-28).
        HEADER_MISMATCH = -32020,
        /// The request needs a client capability the client did not declare (2026-07-28).
        MISSING_REQUIRED_CLIENT_CAPABILITY = -32021,
        /// The requested protocol version is not supported (2026-07-28).
        UNSUPPORTED_PROTOCOL_VERSION = -32022,
        /// URL elicitation required (2025-11-25 only).
        URL_ELICITATION_REQUIRED = -32042,
    }
}
