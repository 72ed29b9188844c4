//! The app on a real socket: panics, graceful shutdown and request bodies.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::HttpServer;
use nsapi::{Api, ApiError, ClientInfo, Facts, HostInfo, JsonBody, Limits, Namespace, Routes};
use paperclip::actix::{api_v2_operation, web::Json, Apiv2Schema};
use serde::{Deserialize, Serialize};

/// A status message.
#[derive(Serialize, Apiv2Schema)]
struct Message {
    /// The message text.
    text: String,
}

/// A note to store.
#[derive(Deserialize, Apiv2Schema)]
struct Note {
    /// Title of the note.
    title: String,
    /// Priority from 1 to 5.
    priority: u8,
}

/// Panic inside the handler.
#[api_v2_operation(operation_id = "panic_now")]
async fn boom() -> Json<Message> {
    panic!("deliberate test panic")
}

/// Respond after one second.
#[api_v2_operation(operation_id = "slow_answer")]
async fn slow() -> Json<Message> {
    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    Json(Message { text: "finished".into() })
}

/// Store a note and echo its title.
#[api_v2_operation(operation_id = "create_note")]
async fn create(note: JsonBody<Note>) -> Result<Json<Message>, ApiError> {
    if !(1..=5).contains(&note.priority) {
        return Err(ApiError::bad_request("field 'priority' must be between 1 and 5"));
    }
    Ok(Json(Message { text: note.title.clone() }))
}

struct TestServerNamespace;

impl Namespace for TestServerNamespace {
    fn name(&self) -> &'static str {
        "test"
    }

    fn description(&self) -> &'static str {
        "Routes that panic, sleep or read a body"
    }

    fn routes(&self, routes: &mut Routes) {
        routes.get("/boom", boom);
        routes.get("/slow", slow);
        routes.post("/notes", create);
    }
}

static NAMESPACE: TestServerNamespace = TestServerNamespace;

/// Starts the app on a free loopback port with one worker.
fn start() -> (SocketAddr, ServerHandle) {
    let api = Api::builder()
        .namespaces(vec![&NAMESPACE as &'static dyn Namespace])
        .facts(Facts::fixed(
            HostInfo { hostname: "h".into(), system: "Linux".into() },
            ClientInfo { address: String::new(), system: String::new() },
        ))
        .limits(Limits {
            max_body_bytes: 64,
            body_timeout: Duration::from_secs(1),
            ..Limits::default()
        })
        .build()
        .expect("valid configuration");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local address");
    let server = HttpServer::new(move || api.app())
        .workers(1)
        .shutdown_timeout(5)
        .listen(listener)
        .expect("listen")
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (addr, handle)
}

/// Sends a raw request from a blocking thread and returns status and body.
async fn send(addr: SocketAddr, request: String) -> std::io::Result<(u16, String)> {
    actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.write_all(request.as_bytes())?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response.get(9..12).and_then(|code| code.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned());
        Ok((status, body.unwrap_or_default()))
    })
    .await
    .expect("client thread finished")
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
}

fn post_json(path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[actix_web::test]
async fn handler_panic_gives_problem_and_server_survives() {
    let (addr, handle) = start();

    let (status, body) = send(addr, get("/test/boom")).await.expect("a response");
    assert_eq!(status, 500);
    let problem: serde_json::Value = serde_json::from_str(&body).expect("problem JSON");
    assert_eq!(problem["status"], 500);
    let detail = problem["detail"].as_str().expect("detail");
    assert!(!detail.contains("deliberate"), "panic text leaked to the client: {detail}");
    assert!(problem["request_id"].as_str().is_some_and(|id| !id.is_empty()));

    for _ in 0..3 {
        let (status, _) = send(addr, get("/test/boom")).await.expect("a response");
        assert_eq!(status, 500);
    }
    let (status, _) = send(addr, get("/openapi.json")).await.expect("a response");
    assert_eq!(status, 200, "the worker still serves after panics");
    handle.stop(true).await;
}

#[actix_web::test]
async fn graceful_stop_finishes_request_in_flight() {
    let (addr, handle) = start();
    let in_flight = actix_web::rt::spawn(send(addr, get("/test/slow")));
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;

    // The same graceful stop that actix-web runs on SIGTERM and SIGINT.
    let stopping = actix_web::rt::spawn(handle.stop(true));
    let (status, body) = in_flight.await.expect("task").expect("a response");
    assert_eq!(status, 200);
    assert!(body.contains("finished"), "{body}");

    stopping.await.expect("server stopped");
    assert!(TcpStream::connect(addr).is_err(), "no new connections after the stop");
}

#[actix_web::test]
async fn request_bodies_are_checked() {
    let (addr, handle) = start();
    // Each row: body, expected status, text expected in the detail.
    let cases = [
        (r#"{"title": "a", "priority": 2}"#, 200, "a"),
        (r#"{"title": "a"}"#, 400, "priority"),
        (r#"{"title": "a", "priority": "high"}"#, 400, "priority"),
        (r#"{"title": "a", "priority": 9}"#, 400, "between 1 and 5"),
        ("{not json", 400, "invalid JSON body"),
        (&format!(r#"{{"title": "{}", "priority": 1}}"#, "x".repeat(100)), 413, "larger than"),
    ];
    for (body, status, detail) in cases {
        let (actual, response) =
            send(addr, post_json("/test/notes", body)).await.expect("a response");
        assert_eq!(actual, status, "POST {body}: {response}");
        assert!(response.contains(detail), "POST {body}: {response}");
    }

    let wrong_type = "POST /test/notes HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
                      Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi";
    let (status, response) = send(addr, wrong_type.into()).await.expect("a response");
    assert_eq!(status, 400, "{response}");
    assert!(response.contains("Content-Type"), "{response}");
    handle.stop(true).await;
}

#[actix_web::test]
async fn slow_or_broken_bodies_are_rejected() {
    let (addr, handle) = start();

    // Each row: request bytes, expected status, text expected in the body.
    let head = "POST /test/notes HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
                Content-Type: application/json\r\n";
    let cases = [
        (format!("{head}Content-Length: 40\r\n\r\n{{\"title\""), 408, "within 1 s"),
        (format!("{head}Transfer-Encoding: chunked\r\n\r\n5\r\n{{\"tit\r\nzz\r\n"), 400, ""),
        (
            format!("{head}Content-Encoding: gzip\r\nContent-Length: 5\r\n\r\nabcde"),
            400,
            "Content-Encoding",
        ),
    ];
    for (request, status, text) in cases {
        let (actual, body) = send(addr, request.clone()).await.expect("a response");
        assert_eq!(actual, status, "{request:?}: {body}");
        assert!(body.contains(text), "{request:?}: {body}");
        assert!(!body.contains("Some("), "internal detail: {body}");
        assert!(!body.contains("None"), "internal detail: {body}");
    }
    handle.stop(true).await;
}
