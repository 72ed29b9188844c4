//! The `nsapi` binary: serves every namespace linked into it.

mod cli;
mod healthcheck;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::KeepAlive;
use actix_web::rt::signal::unix::{signal, Signal, SignalKind};
use clap::Parser;
use nsapi::{Api, ApiBuilder, Limits, TrustedProxies};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::cli::{ApiArgs, Cli, Command, HealthcheckArgs, LogFormat, OpenapiArgs, ServeArgs};

// Each line links one namespace crate. Without it the linker drops the
// crate and its `register_namespace!` with it, without an error.
#[cfg(feature = "greet")]
use greet_example as _;
#[cfg(feature = "respond")]
use nsapi_respond as _;
#[cfg(feature = "todo")]
use nsapi_todo as _;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(args),
        Command::Openapi(args) => print_openapi(args),
        Command::Namespaces => print_namespaces(),
        Command::Healthcheck(args) => run_healthcheck(&args),
    }
}

fn run_healthcheck(args: &HealthcheckArgs) -> ExitCode {
    match healthcheck::check(&args.bind, args.timeout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: health check of {} failed: {error}", args.bind);
            ExitCode::FAILURE
        }
    }
}

/// Builds the API. Mistakes in the options exit with status 2, like other
/// usage errors; conflicts between namespaces exit with status 1.
fn build_api(args: &ApiArgs, builder: ApiBuilder) -> Result<Api, ExitCode> {
    args.apply(builder).build().map_err(|error| {
        eprintln!("error: {error}");
        if error.is_usage_error() {
            ExitCode::from(2)
        } else {
            ExitCode::FAILURE
        }
    })
}

fn print_namespaces() -> ExitCode {
    let namespaces = nsapi::registered_namespaces();
    let name_width = namespaces.iter().map(|ns| ns.name().len()).max().unwrap_or(0).max(4);
    let prefix_width = namespaces.iter().map(|ns| ns.prefix().len()).max().unwrap_or(0).max(6);
    let mut text = format!("{:name_width$}  {:prefix_width$}  DESCRIPTION\n", "NAME", "PREFIX");
    for namespace in namespaces {
        text.push_str(&format!(
            "{:name_width$}  {:prefix_width$}  {}\n",
            namespace.name(),
            namespace.prefix(),
            namespace.description()
        ));
    }
    write_stdout(&text)
}

/// Writes to stdout; a closed pipe, as in `nsapi openapi | head`, is no error.
fn write_stdout(text: &str) -> ExitCode {
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: failed to write to stdout: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Applies the serve options that shape the app: trusted proxies and limits.
fn serve_builder(args: &ServeArgs) -> Result<ApiBuilder, ExitCode> {
    let proxies = TrustedProxies::parse(args.trusted_proxies.iter().map(String::as_str))
        .map_err(|error| {
            eprintln!("error: {error}");
            ExitCode::from(2)
        })?
        .with_header(args.forwarded_header.into());
    let limits = Limits {
        max_header_bytes: args.max_header_size as usize,
        max_body_bytes: args.max_body_size,
        body_timeout: args.body_timeout,
    };
    Ok(Api::builder().trusted_proxies(proxies).limits(limits))
}

fn print_openapi(args: OpenapiArgs) -> ExitCode {
    let api = match build_api(&args.api, Api::builder()) {
        Ok(api) => api,
        Err(code) => return code,
    };
    let document = if args.v3 { api.specs().openapi_v3() } else { api.specs().swagger_v2() };
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    write_stdout(&text)
}

fn serve(args: ServeArgs) -> ExitCode {
    let _log_guard = init_tracing(args.log_format);
    let api = match serve_builder(&args).and_then(|builder| build_api(&args.api, builder)) {
        Ok(api) => api,
        Err(code) => return code,
    };

    let result = actix_web::rt::System::new().block_on(run_server(api, &args));
    match result {
        Ok(()) => {
            tracing::info!("server stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            // The log line is for collectors; stderr may be the log itself,
            // so the message is printed only when logging is off.
            tracing::error!(bind = %args.bind, %error, "server failed");
            if !tracing::enabled!(tracing::Level::ERROR) {
                eprintln!("error: {error}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run_server(api: Api, args: &ServeArgs) -> io::Result<()> {
    let app_api = api.clone();
    let mut server = actix_web::HttpServer::new(move || app_api.app())
        .disable_signals()
        .shutdown_timeout(args.shutdown_timeout.as_secs())
        .client_request_timeout(args.client_request_timeout)
        .keep_alive(keep_alive(args.keep_alive))
        .max_connections(args.max_connections as usize)
        .bind(&args.bind)
        .map_err(|error| {
            io::Error::new(error.kind(), format!("failed to listen on {}: {error}", args.bind))
        })?;
    if let Some(workers) = args.workers {
        server = server.workers(usize::from(workers));
    }

    for mount in api.mounts() {
        tracing::info!(namespace = mount.name(), prefix = %mount.prefix(), "mounted namespace");
    }
    let mounted: Vec<&str> = api.mounts().iter().map(|mount| mount.name()).collect();
    tracing::info!(namespaces = %mounted.join(","), count = mounted.len(), "namespaces mounted");
    if api.mounts().is_empty() {
        tracing::warn!("no namespaces are linked into this binary; only the documents are served");
    }
    for addr in server.addrs() {
        match api.docs_path() {
            Some(docs) => tracing::info!("listening on http://{addr}, docs UI at {docs}"),
            None => tracing::info!("listening on http://{addr}"),
        }
    }

    let server = server.run();
    actix_web::rt::spawn(stop_on_signals(server.handle(), args.shutdown_timeout));
    server.await
}

/// Stops the server gracefully on the first SIGTERM or SIGINT, and at once
/// on a second one.
///
/// actix-web's own handling stops gracefully only on SIGTERM and drops
/// requests in flight on SIGINT, so the server handles both itself.
async fn stop_on_signals(server: ServerHandle, timeout: Duration) {
    let (Ok(mut terminate), Ok(mut interrupt)) =
        (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        tracing::error!(
            "failed to install the SIGTERM and SIGINT handlers; stop the server with SIGKILL"
        );
        return;
    };
    wait_for_signal(&mut terminate, &mut interrupt).await;
    tracing::info!(
        timeout_s = timeout.as_secs(),
        "stopping: no new connections; requests in flight may finish (signal again to stop at once)"
    );
    let graceful = actix_web::rt::spawn(server.stop(true));
    wait_for_signal(&mut terminate, &mut interrupt).await;
    tracing::warn!("second signal: stopping at once, dropping requests in flight");
    server.stop(false).await;
    drop(graceful);
}

async fn wait_for_signal(terminate: &mut Signal, interrupt: &mut Signal) {
    let terminate = std::pin::pin!(terminate.recv());
    let interrupt = std::pin::pin!(interrupt.recv());
    futures_util::future::select(terminate, interrupt).await;
}

/// Parses `RUST_LOG` as comma-separated `target=level` directives, such as
/// `info` or `warn,nsapi::access=off`; `info` when unset or invalid.
///
/// `Targets` rather than `EnvFilter`: the latter needs regex-automata's DFA
/// features, which also slow the User-Agent rules' compilation at startup.
fn log_filter(directives: Option<&str>) -> Targets {
    let default = Targets::new().with_default(LevelFilter::INFO);
    match directives.map(str::trim).filter(|text| !text.is_empty()) {
        None => default,
        Some(text) => text.parse().unwrap_or_else(|error| {
            eprintln!("warning: ignoring RUST_LOG={text:?} ({error}); logging at info");
            default
        }),
    }
}

fn keep_alive(timeout: Duration) -> KeepAlive {
    if timeout.is_zero() {
        KeepAlive::Disabled
    } else {
        KeepAlive::Timeout(timeout)
    }
}

/// Maximum number of log lines waiting for the writer thread. When it is
/// full, workers wait rather than drop lines. The queue's slots are
/// allocated up front, so it stays small.
const LOG_QUEUE_LINES: usize = 8 * 1024;

/// Sets up logging to stderr and returns the guard that flushes the
/// queued lines when it is dropped, so keep it until the process exits.
///
/// A writer thread does the writes: one `write` call per access log line
/// on the worker threads would cost a large share of a small request.
fn init_tracing(format: LogFormat) -> WorkerGuard {
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    // The writer thread flushes after each batch it takes from the queue,
    // so the buffer turns a burst of lines into one write.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .thread_name("nsapi-log-writer")
        .finish(io::BufWriter::new(io::stderr()));
    let ansi = io::stderr().is_terminal();
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(ansi))
            .init(),
        LogFormat::Json => registry
            .with(tracing_subscriber::fmt::layer().json().flatten_event(true).with_writer(writer))
            .init(),
    }
    guard
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn log_filter_reads_directives() {
        let default = log_filter(None);
        assert!(default.would_enable("nsapi::access", &Level::INFO));
        assert!(!default.would_enable("nsapi::access", &Level::DEBUG));

        let quiet = log_filter(Some("info,nsapi::access=off"));
        assert!(!quiet.would_enable("nsapi::access", &Level::INFO));
        assert!(quiet.would_enable("nsapi", &Level::INFO));

        let invalid = log_filter(Some("info,=nonsense=="));
        assert!(invalid.would_enable("nsapi::access", &Level::INFO));
        assert!(log_filter(Some("  ")).would_enable("nsapi", &Level::INFO));
    }
}
