//! The `nsapi` binary: serves every namespace linked into it.

mod cli;
mod healthcheck;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use actix_web::http::KeepAlive;
use clap::Parser;
use nsapi::{Api, ApiBuilder, Limits, TrustedProxies};

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
    let proxies = TrustedProxies::parse(args.trusted_proxies.iter().map(String::as_str)).map_err(
        |error| {
            eprintln!("error: {error}");
            ExitCode::from(2)
        },
    )?;
    let limits = Limits {
        max_header_bytes: args.max_header_size as usize,
        max_body_bytes: args.max_body_size,
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
    init_tracing(args.log_format);
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
            tracing::error!(bind = %args.bind, %error, "server failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run_server(api: Api, args: &ServeArgs) -> io::Result<()> {
    let app_api = api.clone();
    let mut server = actix_web::HttpServer::new(move || app_api.app())
        .shutdown_timeout(args.shutdown_timeout.as_secs())
        .client_request_timeout(args.client_request_timeout)
        .keep_alive(keep_alive(args.keep_alive))
        .bind(&args.bind)
        .map_err(|error| {
            io::Error::new(error.kind(), format!("failed to listen on {}: {error}", args.bind))
        })?;
    if let Some(workers) = args.workers {
        server = server.workers(workers.get());
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

    server.run().await
}

fn keep_alive(timeout: Duration) -> KeepAlive {
    if timeout.is_zero() {
        KeepAlive::Disabled
    } else {
        KeepAlive::Timeout(timeout)
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// Seconds a worker waits for in-flight requests after SIGTERM or SIGINT.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: u64 =
        text.parse().map_err(|_| format!("'{text}' is not a whole number of seconds"))?;
    Ok(Duration::from_secs(seconds))
}
