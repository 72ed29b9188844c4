//! Facts about the server host and the client, as handler extractors.
//!
//! Handlers ask for [`HostInfo`] and [`ClientInfo`] instead of reading the
//! OS or the connection themselves, so a test can pin both through
//! [`Facts::fixed`] without touching globals.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::net::IpAddr;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use paperclip::actix::OperationModifier;
use paperclip::v2::schema::Apiv2Schema;
use uaparser::{Parser, UserAgentParser};

use crate::error::ApiError;
use crate::forwarded::TrustedProxies;

/// Longest `User-Agent` prefix that is parsed, in bytes. OS tokens come
/// early in the string; the cap keeps a huge header from slowing the parse.
const MAX_PARSED_USER_AGENT: usize = 512;

/// Entries of the per-thread cache of parsed `User-Agent` strings, per generation.
const CACHE_GENERATION_SIZE: usize = 256;

/// The `uap-core` rules that map a `User-Agent` to an OS family.
const UAP_REGEXES: &[u8] = include_bytes!("../assets/uap-core/regexes.yaml");

/// The server host: its hostname and OS name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    /// Hostname as the OS reports it; in a container, the container's own.
    pub hostname: String,
    /// OS name as Python's `platform.system()` spells it, such as `Linux`.
    pub system: String,
}

impl HostInfo {
    /// Reads the hostname and OS name of the machine this process runs on.
    pub fn detect() -> Self {
        Self {
            hostname: gethostname::gethostname().to_string_lossy().into_owned(),
            system: system_name(std::env::consts::OS).to_owned(),
        }
    }
}

/// Maps Rust's `std::env::consts::OS` to the name Python's `platform.system()`
/// returns on that OS (the kernel name from `uname`, or `Windows`).
pub fn system_name(rust_os: &str) -> &str {
    match rust_os {
        "linux" | "android" => "Linux",
        "macos" | "ios" => "Darwin",
        "windows" => "Windows",
        "freebsd" => "FreeBSD",
        "netbsd" => "NetBSD",
        "openbsd" => "OpenBSD",
        "dragonfly" => "DragonFly",
        "solaris" | "illumos" => "SunOS",
        "aix" => "AIX",
        "haiku" => "Haiku",
        other => other,
    }
}

/// The client of the current request: its address and OS family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// IP address of the TCP peer without the port; empty when unknown.
    pub address: String,
    /// OS family detected from `User-Agent`, such as `Windows` or `Mac OS X`;
    /// empty when there is no `User-Agent` or no OS is recognised.
    pub system: String,
}

/// Detects the OS family of a `User-Agent` string with the `uap-core` rules.
///
/// Only the OS rules are compiled, with Unicode classes off: that builds in
/// about 13 ms and 8 MB, against about 400 ms and 138 MB for the full parser.
#[derive(Clone)]
pub struct OsDetector {
    parser: Arc<UserAgentParser>,
}

impl OsDetector {
    /// Compiles the vendored OS rules.
    pub fn new() -> Result<Self, uaparser::Error> {
        let parser = UserAgentParser::builder()
            .with_device(false)
            .with_user_agent(false)
            .with_os(true)
            .with_unicode_support(false)
            .build_from_bytes(UAP_REGEXES)?;
        Ok(Self { parser: Arc::new(parser) })
    }

    /// Returns the OS family, or an empty string when none matches.
    ///
    /// Only the first 512 bytes are parsed. Results are cached per thread,
    /// so repeat clients cost a hash lookup.
    pub fn os_family(&self, user_agent: &str) -> String {
        let user_agent = truncate_at_char_boundary(user_agent, MAX_PARSED_USER_AGENT);
        OS_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(family) = cache.get(user_agent) {
                return family;
            }
            let family = self.parse_os_family(user_agent);
            cache.insert(user_agent, &family);
            family
        })
    }

    fn parse_os_family(&self, user_agent: &str) -> String {
        let family = self.parser.parse_os(user_agent).family;
        if family == "Other" {
            String::new()
        } else {
            family.into_owned()
        }
    }
}

fn truncate_at_char_boundary(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

thread_local! {
    static OS_CACHE: RefCell<GenerationCache> = RefCell::new(GenerationCache::default());
}

/// A bounded cache of two generations: a hit in the old generation moves
/// the entry to the current one, and a full current generation replaces the
/// old one. It contains at most `2 * CACHE_GENERATION_SIZE` entries.
#[derive(Default)]
struct GenerationCache {
    current: HashMap<String, String>,
    previous: HashMap<String, String>,
}

impl GenerationCache {
    fn get(&mut self, key: &str) -> Option<String> {
        if let Some(value) = self.current.get(key) {
            return Some(value.clone());
        }
        let value = self.previous.remove(key)?;
        self.insert(key, &value);
        Some(value)
    }

    fn insert(&mut self, key: &str, value: &str) {
        if self.current.len() >= CACHE_GENERATION_SIZE {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key.to_owned(), value.to_owned());
    }
}

/// Source of the facts that the extractors return. The app stores one.
#[derive(Clone)]
pub struct Facts {
    host: HostInfo,
    client: ClientSource,
    proxies: TrustedProxies,
}

#[derive(Clone)]
enum ClientSource {
    Detect(OsDetector),
    Fixed(ClientInfo),
}

impl Facts {
    /// Facts read from the machine and from each request.
    pub fn detect() -> Result<Self, uaparser::Error> {
        Self::with_host(HostInfo::detect())
    }

    /// Returns fixed facts, for tests: every request gets this host and this client.
    pub fn fixed(host: HostInfo, client: ClientInfo) -> Self {
        Self { host, client: ClientSource::Fixed(client), proxies: TrustedProxies::default() }
    }

    /// Detected client facts with a fixed host.
    pub fn with_host(host: HostInfo) -> Result<Self, uaparser::Error> {
        Ok(Self {
            host,
            client: ClientSource::Detect(OsDetector::new()?),
            proxies: TrustedProxies::default(),
        })
    }

    /// Lets peers in these networks set the client address through
    /// `Forwarded` or `X-Forwarded-For`; fixed client facts ignore it.
    pub(crate) fn set_trusted_proxies(&mut self, proxies: TrustedProxies) {
        self.proxies = proxies;
    }

    fn client_of(&self, req: &HttpRequest) -> ClientInfo {
        match &self.client {
            ClientSource::Fixed(client) => client.clone(),
            ClientSource::Detect(detector) => {
                let address = req
                    .peer_addr()
                    .map(|peer| self.client_address(peer.ip(), req))
                    .unwrap_or_default();
                let system = req
                    .headers()
                    .get(header::USER_AGENT)
                    .and_then(|value| value.to_str().ok())
                    .map(|agent| detector.os_family(agent))
                    .unwrap_or_default();
                ClientInfo { address, system }
            }
        }
    }
}

impl Facts {
    fn client_address(&self, peer: IpAddr, req: &HttpRequest) -> String {
        self.proxies.client_address(peer, req.headers()).to_string()
    }
}

fn facts_of(req: &HttpRequest) -> Result<&Facts, ApiError> {
    req.app_data::<web::Data<Facts>>()
        .map(|data| data.get_ref())
        .ok_or_else(|| ApiError::internal("the app has no Facts; build it with nsapi::Api"))
}

impl FromRequest for HostInfo {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(facts_of(req).map(|facts| facts.host.clone()))
    }
}

impl FromRequest for ClientInfo {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(facts_of(req).map(|facts| facts.client_of(req)))
    }
}

// The extractors add nothing to the OpenAPI documents.
impl Apiv2Schema for HostInfo {}
impl OperationModifier for HostInfo {}
impl Apiv2Schema for ClientInfo {}
impl OperationModifier for ClientInfo {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_name_matches_python_spelling() {
        assert_eq!(system_name("linux"), "Linux");
        assert_eq!(system_name("macos"), "Darwin");
        assert_eq!(system_name("windows"), "Windows");
        assert_eq!(system_name("freebsd"), "FreeBSD");
    }

    #[test]
    fn os_detector_families() {
        let detector = OsDetector::new().expect("vendored rules compile");
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36", "Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15", "Mac OS X"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Linux"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36", "Android"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit", "iOS"),
            ("curl/8.5.0", ""),
            ("", ""),
        ];
        for (agent, family) in cases {
            assert_eq!(detector.os_family(agent), family, "User-Agent {agent:?}");
            assert_eq!(detector.os_family(agent), family, "cached User-Agent {agent:?}");
        }
    }

    #[test]
    fn long_user_agent_is_truncated() {
        let detector = OsDetector::new().expect("vendored rules compile");
        let agent = format!("Mozilla/5.0 (Windows NT 10.0) {}", "é".repeat(100_000));
        assert_eq!(detector.os_family(&agent), "Windows");
        assert_eq!(truncate_at_char_boundary("aé", 2), "a");
    }

    #[test]
    fn generation_cache_is_bounded() {
        let mut cache = GenerationCache::default();
        for i in 0..CACHE_GENERATION_SIZE * 5 {
            cache.insert(&i.to_string(), "x");
            assert!(cache.current.len() + cache.previous.len() <= 2 * CACHE_GENERATION_SIZE);
        }
        let newest = (CACHE_GENERATION_SIZE * 5 - 1).to_string();
        assert_eq!(cache.get(&newest).as_deref(), Some("x"));
        assert_eq!(cache.get("0"), None);
    }
}
