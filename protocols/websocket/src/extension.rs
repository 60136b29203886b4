//! permessage-deflate negotiation (RFC 7692 §5, §7.1): parsing `Sec-WebSocket-Extensions`
//! offers and responses and choosing parameters. Pure functions; the compression itself is in
//! the `deflate` feature.

extern crate alloc;

use alloc::string::String;
use core::fmt::Write;

/// Negotiated permessage-deflate parameters (RFC 7692 §7.1), in effect for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DeflateParams {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The largest LZ77 window (as a power of two, 8–15) the server compresses with.
    pub server_max_window_bits: u8,
    /// The largest LZ77 window (8–15) the client compresses with.
    pub client_max_window_bits: u8,
}

impl Default for DeflateParams {
    fn default() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

/// What this endpoint asks for or accepts in permessage-deflate negotiation.
///
/// As a server: the peer's offer decides, then these options tighten it (`*_no_context_takeover`
/// set here is added to the response; `server_max_window_bits` caps our compressor;
/// `client_max_window_bits` is requested when the client said it supports it). As a client:
/// these are the offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// Ask that the server resets its compressor after every message.
    pub server_no_context_takeover: bool,
    /// Ask that the client resets its compressor after every message.
    pub client_no_context_takeover: bool,
    /// Cap the server's window (8–15).
    pub server_max_window_bits: Option<u8>,
    /// Cap the client's window (8–15).
    pub client_max_window_bits: Option<u8>,
}

impl DeflateConfig {
    /// Default parameters: context takeover both ways, 15-bit windows.
    pub const fn new() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: None,
        }
    }
}

/// The parameters of one offer or response, as written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Written {
    snct: bool,
    cnct: bool,
    smwb: Option<u8>,
    /// `Some(None)`: present without a value (only allowed in an offer).
    cmwb: Option<Option<u8>>,
}

fn window_bits(v: Option<&str>) -> Option<u8> {
    let v = v?;
    // A quoted-string value is allowed (§7.1.2.1: the same grammar after unquoting).
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    if v.is_empty() || v.len() > 2 || !v.bytes().all(|b| b.is_ascii_digit()) || v.starts_with('0') {
        return None;
    }
    let n: u8 = v.parse().ok()?;
    (8..=15).contains(&n).then_some(n)
}

/// Parses the parameters of one `permessage-deflate` element; `None` if any is unknown,
/// repeated or has an invalid value (§7.1: such an offer is declined, such a response fails
/// the connection).
fn parse_params<'a>(params: impl Iterator<Item = &'a str>) -> Option<Written> {
    let mut w = Written::default();
    for p in params {
        let (name, value) = match p.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (p.trim(), None),
        };
        match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" if !w.snct && value.is_none() => w.snct = true,
            "client_no_context_takeover" if !w.cnct && value.is_none() => w.cnct = true,
            "server_max_window_bits" if w.smwb.is_none() => w.smwb = Some(window_bits(value)?),
            "client_max_window_bits" if w.cmwb.is_none() => {
                w.cmwb = Some(match value {
                    None => None,
                    v => Some(window_bits(v)?),
                });
            }
            _ => return None,
        }
    }
    Some(w)
}

/// The elements of a `Sec-WebSocket-Extensions` value, each as (name, parameters).
fn elements(value: &str) -> impl Iterator<Item = (&str, core::str::Split<'_, char>)> {
    value.split(',').filter(|e| !e.trim().is_empty()).map(|e| {
        let mut parts = e.split(';');
        let name = parts.next().unwrap_or("").trim();
        (name, parts)
    })
}

/// Server side: picks the first acceptable `permessage-deflate` offer from the request's
/// `Sec-WebSocket-Extensions` values and returns the parameters and the response value.
/// Offers with unknown or invalid parameters are declined (§7.1); `None` when none is left.
pub fn negotiate_server<'a>(
    offers: impl IntoIterator<Item = &'a str>,
    config: &DeflateConfig,
) -> Option<(DeflateParams, String)> {
    for value in offers {
        for (name, params) in elements(value) {
            if !name.eq_ignore_ascii_case("permessage-deflate") {
                continue;
            }
            let Some(offer) = parse_params(params) else {
                continue;
            };
            let mut p = DeflateParams {
                server_no_context_takeover: offer.snct || config.server_no_context_takeover,
                client_no_context_takeover: offer.cnct || config.client_no_context_takeover,
                ..DeflateParams::default()
            };
            let mut resp = String::from("permessage-deflate");
            if p.server_no_context_takeover {
                resp.push_str("; server_no_context_takeover");
            }
            if p.client_no_context_takeover {
                resp.push_str("; client_no_context_takeover");
            }
            let own_cap = config.server_max_window_bits.map(|b| b.clamp(8, 15));
            if offer.smwb.is_some() || own_cap.is_some_and(|b| b < 15) {
                let bits = offer.smwb.unwrap_or(15).min(own_cap.unwrap_or(15));
                p.server_max_window_bits = bits;
                let _ = write!(resp, "; server_max_window_bits={bits}");
            }
            if let Some(offered) = offer.cmwb {
                let want = config.client_max_window_bits.map(|b| b.clamp(8, 15));
                if want.is_some() || offered.is_some() {
                    let bits = offered.unwrap_or(15).min(want.unwrap_or(15));
                    p.client_max_window_bits = bits;
                    let _ = write!(resp, "; client_max_window_bits={bits}");
                }
            }
            return Some((p, resp));
        }
    }
    None
}

/// Client side: the `Sec-WebSocket-Extensions` offer for `config`. It always says
/// `client_max_window_bits` (we can honour any limit the server sets).
pub fn client_offer(config: &DeflateConfig) -> String {
    let mut s = String::from("permessage-deflate");
    if config.server_no_context_takeover {
        s.push_str("; server_no_context_takeover");
    }
    if config.client_no_context_takeover {
        s.push_str("; client_no_context_takeover");
    }
    if let Some(b) = config.server_max_window_bits {
        let _ = write!(s, "; server_max_window_bits={}", b.clamp(8, 15));
    }
    match config.client_max_window_bits {
        Some(b) => {
            let _ = write!(s, "; client_max_window_bits={}", b.clamp(8, 15));
        }
        None => s.push_str("; client_max_window_bits"),
    }
    s
}

/// Why a server's `Sec-WebSocket-Extensions` response is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtensionError {
    /// An extension we did not offer.
    NotOffered,
    /// `permessage-deflate` twice.
    Duplicate,
    /// A parameter that is unknown, repeated, out of range, or not allowed in a response.
    InvalidParameter,
}

impl core::fmt::Display for ExtensionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::NotOffered => "server accepted an extension that was not offered",
            Self::Duplicate => "server accepted permessage-deflate twice",
            Self::InvalidParameter => "invalid permessage-deflate parameter in the response",
        })
    }
}

impl core::error::Error for ExtensionError {}

/// Client side: checks the server's response against what `offer` (a `Some` config means
/// permessage-deflate was offered) and returns the parameters in effect.
///
/// # Errors
/// An [`ExtensionError`] when the response accepts what was not offered or breaks §7.1
/// (the client must then fail the connection).
pub fn accept_response<'a>(
    responses: impl IntoIterator<Item = &'a str>,
    offer: Option<&DeflateConfig>,
) -> Result<Option<DeflateParams>, ExtensionError> {
    let mut found: Option<DeflateParams> = None;
    for value in responses {
        for (name, params) in elements(value) {
            let Some(cfg) = offer.filter(|_| name.eq_ignore_ascii_case("permessage-deflate"))
            else {
                return Err(ExtensionError::NotOffered);
            };
            if found.is_some() {
                return Err(ExtensionError::Duplicate);
            }
            let w = parse_params(params).ok_or(ExtensionError::InvalidParameter)?;
            let cmwb = match w.cmwb {
                Some(None) => return Err(ExtensionError::InvalidParameter),
                Some(Some(b)) => {
                    if cfg.client_max_window_bits.is_some_and(|mine| b > mine) {
                        return Err(ExtensionError::InvalidParameter);
                    }
                    b
                }
                None => cfg.client_max_window_bits.unwrap_or(15),
            };
            let smwb = match (w.smwb, cfg.server_max_window_bits) {
                (Some(b), Some(asked)) if b > asked => {
                    return Err(ExtensionError::InvalidParameter);
                }
                (None, Some(_)) => return Err(ExtensionError::InvalidParameter),
                (b, _) => b.unwrap_or(15),
            };
            if cfg.server_no_context_takeover && !w.snct {
                return Err(ExtensionError::InvalidParameter);
            }
            found = Some(DeflateParams {
                server_no_context_takeover: w.snct,
                client_no_context_takeover: w.cnct || cfg.client_no_context_takeover,
                server_max_window_bits: smwb,
                client_max_window_bits: cmwb,
            });
        }
    }
    Ok(found)
}
