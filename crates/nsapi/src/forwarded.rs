//! The client address behind trusted reverse proxies.
//!
//! Any client can set `Forwarded` (RFC 7239) and `X-Forwarded-For`, so
//! they count only when the TCP peer is a proxy the operator named. Only
//! the one header the operator names counts, because a proxy that appends
//! to `X-Forwarded-For` usually passes a client's `Forwarded` through as it is. Then the client is the nearest hop, walking from the
//! peer towards the original client, that is not a trusted proxy.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::http::header::{HeaderMap, HeaderName};
use ipnet::IpNet;

const FORWARDED: HeaderName = HeaderName::from_static("forwarded");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The header that trusted proxies set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`, set by most proxies.
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// Networks whose peers may set the client address through a forwarding header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// Trusts peers in these networks. An empty list trusts no peer.
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self { networks, header: ForwardedHeader::default() }
    }

    /// Reads the client address from `header`; the other header is ignored.
    pub fn with_header(mut self, header: ForwardedHeader) -> Self {
        self.header = header;
        self
    }

    /// Parses CIDR blocks such as `10.0.0.0/8` or `::1/128`; a bare address
    /// is a single host.
    pub fn parse<'a>(blocks: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut networks = Vec::new();
        for block in blocks.into_iter().map(str::trim).filter(|block| !block.is_empty()) {
            let network = IpNet::from_str(block)
                .or_else(|_| IpAddr::from_str(block).map(IpNet::from))
                .map_err(|_| {
                    format!("invalid trusted proxy '{block}': expected a CIDR block such as 10.0.0.0/8 or an IP address")
                })?;
            networks.push(network);
        }
        Ok(Self::new(networks))
    }

    /// Returns the trusted networks.
    pub fn networks(&self) -> &[IpNet] {
        &self.networks
    }

    /// Returns the header the client address is read from.
    pub fn header(&self) -> ForwardedHeader {
        self.header
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.networks.iter().any(|network| network.contains(&address))
    }

    /// Returns the client address of a request from `peer` with these headers.
    ///
    /// A malformed or hidden hop (`unknown`, `_secret`) ends the walk, and
    /// the last address that could be read is returned, because nothing
    /// beyond such a hop can be trusted.
    /// An IPv4-mapped IPv6 peer (`::ffff:192.0.2.1`, seen on a dual-stack
    /// socket) is returned as IPv4.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }

        let hops = match self.header {
            ForwardedHeader::XForwardedFor => x_forwarded_for_hops(headers),
            ForwardedHeader::Forwarded => forwarded_hops(headers),
        };
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(address) => {
                    client = *address;
                    if !self.trusts(*address) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// Maps an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) to IPv4, so one
/// network matches a client whichever socket family it arrived on.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// Returns the hops of all `Forwarded` lines, original client first.
///
/// `None` marks a hop that names no readable IP address. A line that is not
/// visible ASCII is one such hop, so it hides every hop before it.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let mut hops = Vec::new();
    for value in headers.get_all(FORWARDED) {
        match value.to_str() {
            Ok(line) => hops.extend(
                split_outside_quotes(line, ',')
                    .iter()
                    .map(|element| forwarded_for(element).and_then(|node| parse_node(&node))),
            ),
            Err(_) => hops.push(None),
        }
    }
    hops
}

/// Returns the hops of all `X-Forwarded-For` lines, original client first.
/// Empty elements, as in `a, , b`, are skipped.
fn x_forwarded_for_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let mut hops = Vec::new();
    for value in headers.get_all(X_FORWARDED_FOR) {
        match value.to_str() {
            Ok(line) => hops.extend(
                line.split(',').map(str::trim).filter(|node| !node.is_empty()).map(parse_node),
            ),
            Err(_) => hops.push(None),
        }
    }
    hops
}

/// Returns the `for` parameter of one `Forwarded` element, unquoted, or
/// `None` when it has none or more than one.
fn forwarded_for(element: &str) -> Option<String> {
    let mut values = split_outside_quotes(element, ';').into_iter().filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        let value = value.trim();
        let unquoted = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        Some(unquoted.to_owned())
    });
    let first = values.next()?;
    values.next().is_none().then_some(first)
}

/// Splits on `separator` except inside double quotes.
fn split_outside_quotes(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c == separator && !quoted => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts.into_iter().map(|part| part.trim().to_owned()).filter(|part| !part.is_empty()).collect()
}

/// Parses a node: `192.0.2.1`, `192.0.2.1:8080`, `[2001:db8::1]`,
/// `[2001:db8::1]:4711` or a bare IPv6 address.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        let valid_port = after.is_empty() || after.strip_prefix(':').is_some_and(is_port);
        return if valid_port { IpAddr::from_str(address).ok().map(canonical) } else { None };
    }
    if let Ok(address) = IpAddr::from_str(node) {
        return Some(canonical(address));
    }
    let (address, port) = node.rsplit_once(':')?;
    if !is_port(port) {
        return None;
    }
    address.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("valid address")
    }

    fn headers(lines: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in lines {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn parse_node_forms() {
        assert_eq!(parse_node("192.0.2.1"), Some(ip("192.0.2.1")));
        assert_eq!(parse_node("192.0.2.1:8080"), Some(ip("192.0.2.1")));
        assert_eq!(parse_node("[2001:db8::1]:4711"), Some(ip("2001:db8::1")));
        assert_eq!(parse_node("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(parse_node("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(parse_node("::ffff:192.0.2.9"), Some(ip("192.0.2.9")));
        for invalid in ["unknown", "_hidden", "", "1.2.3", "[::1]x", "1.2.3.4:port", "a.b.c.d"] {
            assert_eq!(parse_node(invalid), None, "node {invalid:?}");
        }
    }

    #[test]
    fn trusted_proxies_parse_errors() {
        assert!(TrustedProxies::parse(["10.0.0.0/8", "::1", " 192.0.2.1 "]).is_ok());
        let error = TrustedProxies::parse(["10.0.0.0/33"]).expect_err("prefix too long");
        assert!(error.contains("10.0.0.0/33"), "{error}");
        assert!(TrustedProxies::parse(["proxy.example"]).is_err());
    }

    #[test]
    fn client_address_cases() {
        let xff = TrustedProxies::parse(["10.0.0.0/8", "fd00::/8"]).expect("valid blocks");
        let fwd = xff.clone().with_header(ForwardedHeader::Forwarded);
        let proxy = ip("10.0.0.5");
        let outsider = ip("198.51.100.1");
        // Each row: configuration, peer, header name, header value, expected client, why.
        let cases = [
            (&xff, outsider, "x-forwarded-for", "1.2.3.4", "198.51.100.1", "untrusted peer spoofs"),
            (&fwd, outsider, "forwarded", "for=1.2.3.4", "198.51.100.1", "untrusted peer spoofs"),
            (&xff, proxy, "x-forwarded-for", "203.0.113.9", "203.0.113.9", "one trusted hop"),
            (
                &xff,
                proxy,
                "x-forwarded-for",
                "6.6.6.6, 203.0.113.9, 10.0.0.7",
                "203.0.113.9",
                "spoofed left part ignored",
            ),
            (&xff, proxy, "x-forwarded-for", "10.0.0.8, 10.0.0.7", "10.0.0.8", "all hops trusted"),
            (&xff, proxy, "x-forwarded-for", "garbage", "10.0.0.5", "malformed hop"),
            (
                &xff,
                proxy,
                "x-forwarded-for",
                "203.0.113.1, garbage",
                "10.0.0.5",
                "malformed hop hides the rest",
            ),
            (
                &xff,
                proxy,
                "x-forwarded-for",
                "203.0.113.1, ,",
                "203.0.113.1",
                "empty elements are skipped",
            ),
            (
                &xff,
                proxy,
                "forwarded",
                "for=6.6.6.6",
                "10.0.0.5",
                "Forwarded ignored when X-Forwarded-For is configured",
            ),
            (
                &fwd,
                proxy,
                "x-forwarded-for",
                "6.6.6.6",
                "10.0.0.5",
                "X-Forwarded-For ignored when Forwarded is configured",
            ),
            (
                &fwd,
                proxy,
                "forwarded",
                r#"for="[2001:db8::7]:4711";proto=https"#,
                "2001:db8::7",
                "IPv6 node with port",
            ),
            (
                &fwd,
                proxy,
                "forwarded",
                "for=203.0.113.3, for=10.0.0.9",
                "203.0.113.3",
                "two elements",
            ),
            (&fwd, proxy, "forwarded", "for=_hidden", "10.0.0.5", "obfuscated node"),
            (
                &fwd,
                proxy,
                "forwarded",
                "for=6.6.6.6;for=203.0.113.3",
                "10.0.0.5",
                "two for parameters in one element",
            ),
            (
                &fwd,
                proxy,
                "forwarded",
                r#"by=x;for="203.0.113.4,5""#,
                "10.0.0.5",
                "quoted comma is no separator",
            ),
            (
                &xff,
                ip("fd00::1"),
                "x-forwarded-for",
                "2001:db8::5",
                "2001:db8::5",
                "trusted IPv6 peer",
            ),
            (
                &xff,
                ip("::ffff:10.0.0.5"),
                "x-forwarded-for",
                "203.0.113.9",
                "203.0.113.9",
                "IPv4-mapped peer",
            ),
            (
                &xff,
                ip("::ffff:192.0.2.1"),
                "x-other",
                "x",
                "192.0.2.1",
                "IPv4-mapped untrusted peer",
            ),
            (&xff, proxy, "x-other", "x", "10.0.0.5", "trusted peer without forwarding headers"),
        ];
        for (trusted, peer, name, value, expected, why) in cases {
            let mut map = HeaderMap::new();
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
            assert_eq!(trusted.client_address(peer, &map), ip(expected), "{why}");
        }

        let repeated =
            headers(&[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(xff.client_address(proxy, &repeated), ip("203.0.113.9"), "repeated lines");

        let mut non_ascii = HeaderMap::new();
        let value = HeaderValue::from_bytes(b"for=\xe9, for=5.5.5.5").expect("header value");
        non_ascii.append(FORWARDED, value);
        non_ascii.append(X_FORWARDED_FOR, HeaderValue::from_static("6.6.6.6"));
        assert_eq!(fwd.client_address(proxy, &non_ascii), proxy, "unreadable Forwarded line");
    }

    #[test]
    fn no_trusted_proxies_ignore_headers() {
        let nobody = TrustedProxies::default();
        let map = headers(&[("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.8")]);
        assert_eq!(nobody.client_address(ip("127.0.0.1"), &map), ip("127.0.0.1"));
        let forwarded = nobody.with_header(ForwardedHeader::Forwarded);
        assert_eq!(forwarded.client_address(ip("127.0.0.1"), &map), ip("127.0.0.1"));
    }
}
