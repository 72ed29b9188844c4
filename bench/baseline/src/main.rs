//! The baseline server of `bench/run`: the two `respond` endpoints of nsapi
//! on bare actix-web, with no framework, middleware or logging.
//!
//! The JSON bodies match nsapi's, so the benchmark compares the cost of
//! the framework and not of different work. Unlike nsapi, which caches
//! parsed `User-Agent` strings per thread, the baseline parses the
//! `User-Agent` on every request.
//!
//! Usage: `nsapi-baseline [--bind HOST:PORT | HOST:PORT] [--workers N]`.

use std::num::NonZeroUsize;
use std::process::ExitCode;

use actix_web::http::header::{self, ContentType};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde::Serialize;
use uaparser::{Parser, UserAgentParser};

/// The `uap-core` rules vendored by the nsapi crate, the same file nsapi
/// compiles.
const UAP_REGEXES: &[u8] = include_bytes!("../../../crates/nsapi/assets/uap-core/regexes.yaml");

const DEFAULT_BIND: &str = "127.0.0.1:5001";

const USAGE: &str = "usage: nsapi-baseline [--bind HOST:PORT | HOST:PORT] [--workers N]

Serves GET /respond/{string} and GET /respond/hostname on bare actix-web.

  --bind HOST:PORT  address to listen on [default: 127.0.0.1:5001]
  --workers N       number of worker threads [default: the number of CPUs]";

/// Body of `GET /respond/{string}`.
#[derive(Serialize)]
struct Echo<'a> {
    response: &'a str,
}

/// One side of `GET /respond/hostname`.
#[derive(Serialize)]
struct Host<'a> {
    hostname_or_ip: &'a str,
    system: &'a str,
}

/// Body of `GET /respond/hostname`.
#[derive(Serialize)]
struct Hostname<'a> {
    host: Host<'a>,
    client: Host<'a>,
}

/// Facts computed once at startup and shared by every worker.
struct ServerFacts {
    hostname: String,
    system: &'static str,
    os_parser: UserAgentParser,
}

/// The command line: listening address and worker count.
struct Options {
    bind: String,
    workers: Option<NonZeroUsize>,
}

fn parse_options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut bind = None;
    let mut workers = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--bind" => {
                let value = args.next().ok_or("--bind requires a value, such as 127.0.0.1:5001")?;
                bind = Some(value);
            }
            "--workers" => {
                let value = args.next().ok_or("--workers requires a value, such as 2")?;
                let count = value.parse::<NonZeroUsize>().map_err(|_| {
                    format!("invalid --workers '{value}': expected an integer >= 1")
                })?;
                workers = Some(count);
            }
            positional if !positional.starts_with('-') && bind.is_none() => {
                bind = Some(positional.to_owned());
            }
            other => return Err(format!("unexpected argument '{other}'")),
        }
    }
    Ok(Options { bind: bind.unwrap_or_else(|| DEFAULT_BIND.to_owned()), workers })
}

/// Returns the OS name as nsapi reports it for its host (Python's
/// `platform.system()` spelling on the common targets).
fn system_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Darwin",
        "windows" => "Windows",
        other => other,
    }
}

fn build_os_parser() -> Result<UserAgentParser, uaparser::Error> {
    UserAgentParser::builder()
        .with_device(false)
        .with_user_agent(false)
        .with_os(true)
        .with_unicode_support(false)
        .build_from_bytes(UAP_REGEXES)
}

fn json_response(body: &impl Serialize) -> HttpResponse {
    match serde_json::to_vec(body) {
        Ok(bytes) => HttpResponse::Ok().insert_header(ContentType::json()).body(bytes),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

async fn echo(path: web::Path<String>) -> HttpResponse {
    json_response(&Echo { response: path.as_str() })
}

async fn hostname(req: HttpRequest, facts: web::Data<ServerFacts>) -> HttpResponse {
    let peer = req.peer_addr().map(|addr| addr.ip().to_string()).unwrap_or_default();
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|value| value.to_str().ok());
    let family = user_agent.map(|agent| facts.os_parser.parse_os(agent).family);
    let client_system = match family.as_deref() {
        None | Some("Other") => "",
        Some(family) => family,
    };
    json_response(&Hostname {
        host: Host { hostname_or_ip: &facts.hostname, system: facts.system },
        client: Host { hostname_or_ip: &peer, system: client_system },
    })
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let os_parser = match build_os_parser() {
        Ok(parser) => parser,
        Err(error) => {
            eprintln!("error: failed to compile the uap-core OS rules: {error}");
            return ExitCode::FAILURE;
        }
    };
    let facts = web::Data::new(ServerFacts {
        hostname: gethostname::gethostname().to_string_lossy().into_owned(),
        system: system_name(),
        os_parser,
    });

    match actix_web::rt::System::new().block_on(run_server(facts, &options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: server on {} failed: {error}", options.bind);
            ExitCode::FAILURE
        }
    }
}

async fn run_server(facts: web::Data<ServerFacts>, options: &Options) -> std::io::Result<()> {
    let mut server = HttpServer::new(move || {
        // The static route comes first, so /respond/hostname is not echoed.
        App::new()
            .app_data(facts.clone())
            .route("/respond/hostname", web::get().to(hostname))
            .route("/respond/{string}", web::get().to(echo))
    });
    if let Some(workers) = options.workers {
        server = server.workers(workers.get());
    }
    server.bind(&options.bind)?.run().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        parse_options(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn options_defaults() {
        let options = parse(&[]).expect("no arguments are valid");
        assert_eq!(options.bind, DEFAULT_BIND);
        assert!(options.workers.is_none());
    }

    #[test]
    fn options_bind_and_workers() {
        let options = parse(&["--bind", "127.0.0.1:0", "--workers", "3"]).expect("valid");
        assert_eq!(options.bind, "127.0.0.1:0");
        assert_eq!(options.workers.map(NonZeroUsize::get), Some(3));
        let options = parse(&["127.0.0.1:9"]).expect("positional bind is valid");
        assert_eq!(options.bind, "127.0.0.1:9");
    }

    #[test]
    fn options_invalid() {
        assert!(parse(&["--workers", "0"]).is_err());
        assert!(parse(&["--workers"]).is_err());
        assert!(parse(&["--bind"]).is_err());
        assert!(parse(&["--verbose"]).is_err());
        assert!(parse(&["a:1", "b:2"]).is_err());
    }

    #[test]
    fn os_parser_families() {
        let parser = build_os_parser().expect("vendored rules compile");
        let family = |agent: &str| parser.parse_os(agent).family.into_owned();
        assert_eq!(
            family("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"),
            "Windows"
        );
        assert_eq!(family("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101"), "Linux");
        assert_eq!(family("curl/8.5.0"), "Other");
    }

    #[actix_web::test]
    async fn hostname_body_matches_nsapi_shape() {
        let parser = build_os_parser().expect("vendored rules compile");
        let facts = web::Data::new(ServerFacts {
            hostname: "box".to_owned(),
            system: "Linux",
            os_parser: parser,
        });
        let app = actix_web::test::init_service(
            App::new()
                .app_data(facts)
                .route("/respond/hostname", web::get().to(hostname))
                .route("/respond/{string}", web::get().to(echo)),
        )
        .await;

        let request = actix_web::test::TestRequest::get()
            .uri("/respond/hostname")
            .peer_addr("192.0.2.7:40000".parse().expect("valid address"))
            .insert_header((header::USER_AGENT, "curl/8.5.0"))
            .to_request();
        let body: serde_json::Value = actix_web::test::call_and_read_body_json(&app, request).await;
        let expected = serde_json::json!({
            "host": {"hostname_or_ip": "box", "system": "Linux"},
            "client": {"hostname_or_ip": "192.0.2.7", "system": ""},
        });
        assert_eq!(body, expected);

        let request = actix_web::test::TestRequest::get().uri("/respond/hello").to_request();
        let body: serde_json::Value = actix_web::test::call_and_read_body_json(&app, request).await;
        assert_eq!(body, serde_json::json!({"response": "hello"}));
    }
}
