//! Command-line interface of the `nsapi` binary.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use nsapi::{ApiBuilder, ApiInfo, ForwardedHeader};

/// Serves HTTP APIs built from pluggable namespaces, with OpenAPI docs.
///
/// Without a command, `nsapi` runs `nsapi serve`.
#[derive(Debug, Parser)]
#[command(name = "nsapi", version, args_conflicts_with_subcommands = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    #[command(flatten)]
    pub(crate) serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve every linked namespace, the OpenAPI documents and the docs UI (default).
    Serve(ServeArgs),
    /// Print the Swagger 2.0 document (or OpenAPI 3.0 with --v3) without
    /// opening a socket.
    Openapi(OpenapiArgs),
    /// List the namespaces compiled into this binary with their prefix and description.
    Namespaces,
    /// Exit 0 when the server on --bind responds 200 to GET /healthz, 1 otherwise.
    ///
    /// For container health checks: the image has no shell and no HTTP client.
    Healthcheck(HealthcheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct HealthcheckArgs {
    /// Address the server listens on; 0.0.0.0 and [::] are probed on loopback.
    #[arg(long, env = "NSAPI_BIND", default_value = "127.0.0.1:5000", value_name = "HOST:PORT",
          value_parser = parse_bind)]
    pub(crate) bind: String,

    /// Maximum time in seconds to wait for the response.
    #[arg(long, default_value = "2", value_name = "SECONDS", value_parser = parse_positive_seconds)]
    pub(crate) timeout: Duration,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on, as HOST:PORT; port 0 picks a free port.
    #[arg(long, env = "NSAPI_BIND", default_value = "127.0.0.1:5000", value_name = "HOST:PORT",
          value_parser = parse_bind)]
    pub(crate) bind: String,

    /// Number of worker threads, 1 to 512 [default: the number of CPUs].
    #[arg(long, env = "NSAPI_WORKERS", value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=512))]
    pub(crate) workers: Option<u16>,

    /// Maximum time in seconds that in-flight requests get to finish after
    /// SIGTERM or SIGINT.
    #[arg(
        long,
        env = "NSAPI_SHUTDOWN_TIMEOUT",
        default_value = "30",
        value_name = "SECONDS",
        value_parser = parse_seconds
    )]
    pub(crate) shutdown_timeout: Duration,

    /// Trusted reverse proxy, as a CIDR block or an IP address (repeatable;
    /// comma-separated in the environment variable). Only requests from
    /// these peers may set the client address, through the header that
    /// --forwarded-header names; without this option it is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "NSAPI_TRUSTED_PROXIES",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub(crate) trusted_proxies: Vec<String>,

    /// Header that the trusted proxies set. The other one is ignored,
    /// because a proxy that appends to one header passes a client's copy of
    /// the other through unchanged.
    #[arg(long, env = "NSAPI_FORWARDED_HEADER", value_enum, default_value_t = ForwardedHeaderArg::XForwardedFor)]
    pub(crate) forwarded_header: ForwardedHeaderArg,

    /// Maximum size in bytes of the request line and headers; larger requests get 431.
    #[arg(long, env = "NSAPI_MAX_HEADER_SIZE", default_value_t = 16 * 1024, value_name = "BYTES",
          value_parser = clap::value_parser!(u32).range(1024..=131_072))]
    pub(crate) max_header_size: u32,

    /// Maximum size in bytes of a request body; larger bodies get 413.
    #[arg(long, env = "NSAPI_MAX_BODY_SIZE", default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub(crate) max_body_size: usize,

    /// Maximum time in seconds a handler waits for a JSON request body;
    /// slower bodies get 408.
    #[arg(long, env = "NSAPI_BODY_TIMEOUT", default_value = "30", value_name = "SECONDS",
          value_parser = parse_positive_seconds)]
    pub(crate) body_timeout: Duration,

    /// Maximum time in seconds a client gets to send the request line and
    /// headers; slower connections get 408 and are closed. 0 turns the limit off.
    #[arg(long, env = "NSAPI_CLIENT_REQUEST_TIMEOUT", default_value = "5", value_name = "SECONDS",
          value_parser = parse_seconds)]
    pub(crate) client_request_timeout: Duration,

    /// Time in seconds an idle keep-alive connection stays open; 0 turns keep-alive off.
    #[arg(long, env = "NSAPI_KEEP_ALIVE", default_value = "5", value_name = "SECONDS",
          value_parser = parse_seconds)]
    pub(crate) keep_alive: Duration,

    /// Maximum number of open connections per worker; further connections
    /// wait in the accept queue. Keep the total under the process's open
    /// file limit (`ulimit -n`).
    #[arg(long, env = "NSAPI_MAX_CONNECTIONS", default_value_t = 25_000, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_connections: u32,

    /// Format of the log lines on stderr; the level comes from RUST_LOG
    /// (default: info).
    #[arg(long, env = "NSAPI_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,

    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

#[derive(Debug, Args)]
pub(crate) struct OpenapiArgs {
    /// Print the OpenAPI 3.0 document instead of Swagger 2.0.
    #[arg(long)]
    pub(crate) v3: bool,

    #[command(flatten)]
    pub(crate) api: ApiArgs,
}

/// Settings shared by `serve` and `openapi`, so both produce the same documents.
#[derive(Debug, Args)]
pub(crate) struct ApiArgs {
    /// Mount only this namespace (repeatable; comma-separated in the
    /// environment variable) [default: every namespace in the build].
    #[arg(
        long = "namespace",
        env = "NSAPI_NAMESPACES",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub(crate) namespaces: Vec<String>,

    /// Mount namespace NAME under PREFIX instead of its own prefix
    /// (repeatable), for example --mount respond=/api/respond.
    #[arg(long = "mount", env = "NSAPI_MOUNTS", value_name = "NAME=PREFIX", value_delimiter = ',',
          value_parser = parse_mount)]
    pub(crate) mounts: Vec<Mount>,

    /// API title in the documents and the docs UI [default: nsapi].
    #[arg(long, env = "NSAPI_TITLE")]
    pub(crate) title: Option<String>,

    /// API version in the documents [default: the nsapi version].
    #[arg(long, env = "NSAPI_API_VERSION", value_name = "VERSION")]
    pub(crate) api_version: Option<String>,

    /// API description in the documents.
    #[arg(long, env = "NSAPI_DESCRIPTION", value_name = "TEXT")]
    pub(crate) description: Option<String>,

    /// Path of the docs UI page, such as / or /docs.
    #[arg(long, env = "NSAPI_DOCS_PATH", default_value = "/", value_name = "PATH")]
    pub(crate) docs_path: String,

    /// Do not serve the docs UI; the documents are still served. The
    /// variable takes true/false, yes/no, on/off or 1/0.
    #[arg(long, env = "NSAPI_NO_DOCS", action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) no_docs: bool,
}

impl ApiArgs {
    pub(crate) fn info(&self) -> ApiInfo {
        let defaults = ApiInfo::default();
        ApiInfo {
            title: self.title.clone().unwrap_or(defaults.title),
            version: self.api_version.clone().unwrap_or(defaults.version),
            description: self.description.clone().unwrap_or(defaults.description),
        }
    }

    pub(crate) fn docs_path(&self) -> Option<&str> {
        (!self.no_docs).then_some(self.docs_path.as_str())
    }

    /// Applies the namespace selection, the moved prefixes, the API info and
    /// the docs path.
    pub(crate) fn apply(&self, mut builder: ApiBuilder) -> ApiBuilder {
        // An empty entry, as from NSAPI_NAMESPACES= in a template, names nothing.
        let names: Vec<&String> = self.namespaces.iter().filter(|name| !name.is_empty()).collect();
        if !names.is_empty() {
            builder = builder.select(names.into_iter().cloned());
        }
        for MountArg { name, prefix } in self.mounts.iter().flatten() {
            builder = builder.mount_at(name.clone(), prefix.clone());
        }
        builder.info(self.info()).docs_path(self.docs_path())
    }
}

/// One `--mount NAME=PREFIX`; `None` for an empty entry, as from
/// `NSAPI_MOUNTS=` in a template.
pub(crate) type Mount = Option<MountArg>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountArg {
    name: String,
    prefix: String,
}

fn parse_mount(text: &str) -> Result<Mount, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match text.split_once('=') {
        Some((name, prefix)) if !name.is_empty() && !prefix.is_empty() => {
            Ok(Some(MountArg { name: name.to_owned(), prefix: prefix.to_owned() }))
        }
        _ => Err(format!("'{text}' is not NAME=PREFIX, such as respond=/api/respond")),
    }
}

/// Maximum timeout the options take: one day, in seconds. actix-web panics
/// on durations near 2^63 seconds, far above any useful value.
const MAX_SECONDS: u64 = 86_400;

/// Parses a whole number of seconds from 0 to one day.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: u64 =
        text.trim().parse().map_err(|_| format!("'{text}' is not a whole number of seconds"))?;
    if seconds > MAX_SECONDS {
        return Err(format!("{seconds} s is more than the maximum of {MAX_SECONDS} s (one day)"));
    }
    Ok(Duration::from_secs(seconds))
}

fn parse_positive_seconds(text: &str) -> Result<Duration, String> {
    let duration = parse_seconds(text)?;
    if duration.is_zero() {
        return Err("the timeout must be at least 1 s".into());
    }
    Ok(duration)
}

/// Checks that an address has the form HOST:PORT, such as 127.0.0.1:5000,
/// [::1]:5000 or localhost:5000; the host is resolved when the server binds.
fn parse_bind(text: &str) -> Result<String, String> {
    let invalid =
        || format!("'{text}' is not HOST:PORT, such as 127.0.0.1:5000, [::1]:5000 or 0.0.0.0:5000");
    if text.parse::<SocketAddr>().is_ok() {
        return Ok(text.to_owned());
    }
    let (host, port) = text.rsplit_once(':').ok_or_else(invalid)?;
    let valid_host = !host.is_empty() && !host.contains(':') && !host.contains(char::is_whitespace);
    if valid_host && port.parse::<u16>().is_ok() {
        Ok(text.to_owned())
    } else {
        Err(invalid())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ForwardedHeaderArg {
    /// X-Forwarded-For: client, proxy1, proxy2
    XForwardedFor,
    /// Forwarded: for=client, for=proxy1 (RFC 7239)
    Forwarded,
}

impl From<ForwardedHeaderArg> for ForwardedHeader {
    fn from(header: ForwardedHeaderArg) -> Self {
        match header {
            ForwardedHeaderArg::XForwardedFor => Self::XForwardedFor,
            ForwardedHeaderArg::Forwarded => Self::Forwarded,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}
