//! The todo namespace: its operations, errors, documents and concurrency.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use nsapi::testing::{example_facts, TestClient};
use nsapi::{Api, Namespace};
use nsapi_todo::TodoNamespace;
use serde_json::{json, Value};

#[actix_web::test]
async fn crud_round_trip() {
    static TODOS: TodoNamespace = TodoNamespace::new();
    let client = TestClient::start(&[&TODOS], example_facts()).await;

    let listed = client.get("/todos/").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json(), json!([]));

    let created = client.post_json("/todos/", &json!({ "task": "write docs" })).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json(), json!({ "id": 1, "task": "write docs" }));
    assert_eq!(created.header("location"), Some("/todos/1"));

    let second = client.post_json("/todos/", &json!({ "task": "test" })).await;
    assert_eq!(second.json()["id"], 2);

    let fetched = client.get("/todos/1").await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), json!({ "id": 1, "task": "write docs" }));

    let updated = client.put_json("/todos/1", &json!({ "task": "write more docs" })).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json(), json!({ "id": 1, "task": "write more docs" }));

    let deleted = client.delete("/todos/1").await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());

    assert_eq!(client.get("/todos/1").await.status, 404);
    assert_eq!(client.get("/todos/").await.json(), json!([{ "id": 2, "task": "test" }]));

    let third = client.post_json("/todos/", &json!({ "task": "again" })).await;
    assert_eq!(third.json()["id"], 3, "ids are not reused after a delete");
}

#[actix_web::test]
async fn errors_are_problems() {
    static TODOS: TodoNamespace = TodoNamespace::new();
    let client = TestClient::start(&[&TODOS], example_facts()).await;

    // Each row: method, path, body, expected status, text expected in the detail.
    let cases: [(&str, &str, Option<Value>, u16, &str); 13] = [
        ("GET", "/todos/42", None, 404, "todo 42 does not exist"),
        ("PUT", "/todos/42", Some(json!({ "task": "x" })), 404, "todo 42 does not exist"),
        ("DELETE", "/todos/42", None, 404, "todo 42 does not exist"),
        ("GET", "/todos/abc", None, 400, "invalid path parameter 'id'"),
        ("GET", "/todos/-1", None, 400, "invalid path parameter 'id'"),
        ("POST", "/todos/", Some(json!({})), 400, "missing field `task`"),
        ("POST", "/todos/", Some(json!({ "task": 5 })), 400, "field 'task'"),
        ("POST", "/todos/", Some(json!({ "task": "  " })), 400, "not white space"),
        (
            "POST",
            "/todos/",
            Some(json!({ "task": "x", "done": true })),
            400,
            "unknown field `done`",
        ),
        ("POST", "/todos/", Some(json!({ "task": "é".repeat(1001) })), 400, "the maximum is 1000"),
        ("POST", "/todos/", Some(json!({ "task": "\u{1c}\t" })), 400, "not white space"),
        ("GET", "/todos/01", None, 400, "no sign or leading zeros"),
        ("GET", "/todos/9007199254740993", None, 400, "from 1 to 9007199254740992"),
    ];
    for (method, path, body, status, detail) in cases {
        let response = match (method, body) {
            ("POST", Some(body)) => client.post_json(path, &body).await,
            ("PUT", Some(body)) => client.put_json(path, &body).await,
            ("DELETE", _) => client.delete(path).await,
            _ => client.get(path).await,
        };
        assert_eq!(response.status, status, "{method} {path}");
        assert_eq!(response.header("content-type"), Some("application/problem+json"));
        let problem = response.json();
        let text = problem["detail"].as_str().unwrap_or_default();
        assert!(text.contains(detail), "{method} {path}: {text}");
    }
    assert_eq!(client.get("/todos/").await.json(), json!([]), "no error stored a task");
}

#[actix_web::test]
async fn documents_list_todo_operations() {
    static TODOS: TodoNamespace = TodoNamespace::new();
    let client = TestClient::start(&[&TODOS], example_facts()).await;
    let v2 = client.api().specs().swagger_v2();

    let tag = &v2["tags"][0];
    assert_eq!(tag["name"], "todo");
    assert!(tag["description"].as_str().is_some_and(|d| d.contains("TODO")));

    let operations = [
        ("/todos/", "get", "list_todos"),
        ("/todos/", "post", "create_todo"),
        ("/todos/{id}", "get", "get_todo"),
        ("/todos/{id}", "put", "update_todo"),
        ("/todos/{id}", "delete", "delete_todo"),
    ];
    for (path, method, id) in operations {
        let operation = &v2["paths"][path][method];
        assert_eq!(operation["operationId"], id, "{method} {path}");
        assert_eq!(operation["tags"], json!(["todo"]), "{method} {path}");
    }

    let create = &v2["paths"]["/todos/"]["post"];
    assert_eq!(create["responses"]["201"]["schema"]["$ref"], "#/definitions/Todo");
    assert_eq!(create["responses"]["201"]["headers"]["Location"]["type"], "string");
    assert_eq!(create["parameters"][0]["in"], "body");
    assert_eq!(
        v2["paths"]["/todos/{id}"]["delete"]["responses"]["204"]["description"],
        "No Content"
    );
    let id = &v2["paths"]["/todos/{id}"]["get"]["parameters"][0];
    assert_eq!(id["type"], "integer");
    assert_eq!(id["minimum"], 1.0);
    let input = &v2["definitions"]["TodoInput"];
    assert_eq!(input["additionalProperties"], false);
    assert_eq!(input["properties"]["task"]["maxLength"], 1000);
    assert!(
        input["properties"]["task"]["description"].is_string(),
        "the patch keeps the description"
    );

    let todo = &v2["definitions"]["Todo"]["properties"];
    assert!(todo["id"]["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(todo["task"]["description"].as_str().is_some_and(|d| !d.is_empty()));

    let v3 = client.api().specs().openapi_v3();
    assert_eq!(v3["paths"]["/todos/{id}"]["put"]["operationId"], "update_todo");
    assert_eq!(v3["components"]["schemas"]["TodoInput"]["properties"]["task"]["minLength"], 1);
    let location = &v3["paths"]["/todos/"]["post"]["responses"]["201"]["headers"]["Location"];
    assert_eq!(location["schema"]["type"], "string", "{location}");
}

#[actix_web::test]
async fn location_follows_moved_prefix() {
    static TODOS: TodoNamespace = TodoNamespace::new();
    let api = Api::builder()
        .namespaces(vec![&TODOS as &'static dyn Namespace])
        .mount_at("todo", "/api/tasks")
        .facts(example_facts())
        .build()
        .expect("valid configuration");
    let client = TestClient::new(&api).await;
    let created = client.post_json("/api/tasks/", &json!({ "task": "move" })).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.header("location"), Some("/api/tasks/1"));
    assert!(api.specs().swagger_v2()["paths"]["/api/tasks/{id}"].is_object());
    assert!(api.specs().swagger_v2()["paths"]["/todos/"].is_null());
}

/// Sends one request on a new connection and returns status and body.
fn send(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.get(9..12).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[actix_web::test]
async fn concurrent_creates_lose_nothing() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 50;
    static TODOS: TodoNamespace = TodoNamespace::new();

    let api = Api::builder()
        .namespaces(vec![&TODOS as &'static dyn Namespace])
        .facts(example_facts())
        .build()
        .expect("valid configuration");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = actix_web::HttpServer::new(move || api.app())
        .workers(2)
        .listen(listener)
        .expect("listen")
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let ids = actix_web::rt::task::spawn_blocking(move || {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                std::thread::spawn(move || {
                    let mut ids = Vec::new();
                    for i in 0..PER_THREAD {
                        let body = format!(r#"{{"task": "t{thread}-{i}"}}"#);
                        let (status, response) = send(addr, "POST", "/todos/", &body);
                        assert_eq!(status, 201, "{response}");
                        let todo: Value = serde_json::from_str(&response).expect("JSON");
                        ids.push(todo["id"].as_u64().expect("id"));
                        if i % 5 == 0 {
                            let (status, _) = send(addr, "GET", "/todos/", "");
                            assert_eq!(status, 200);
                        }
                    }
                    ids
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("thread finished")).collect::<Vec<_>>()
    })
    .await
    .expect("client threads finished");

    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), THREADS * PER_THREAD);
    assert_eq!(unique.len(), ids.len(), "duplicate ids");
    assert_eq!(unique, (1..=(THREADS * PER_THREAD) as u64).collect(), "ids have gaps");

    let listed = actix_web::rt::task::spawn_blocking(move || send(addr, "GET", "/todos/", ""))
        .await
        .expect("list");
    let todos: Vec<Value> = serde_json::from_str(&listed.1).expect("JSON list");
    assert_eq!(todos.len(), THREADS * PER_THREAD, "tasks lost");
    let tasks: BTreeSet<&str> = todos.iter().filter_map(|t| t["task"].as_str()).collect();
    assert_eq!(tasks.len(), THREADS * PER_THREAD, "tasks duplicated or overwritten");
    handle.stop(true).await;
}

#[actix_web::test]
async fn store_is_bounded() {
    static TODOS: TodoNamespace = TodoNamespace::new();
    let client = TestClient::start(&[&TODOS], example_facts()).await;
    for i in 0..nsapi_todo::MAX_TODOS {
        let response = client.post_json("/todos/", &json!({ "task": format!("t{i}") })).await;
        assert_eq!(response.status, 201, "task {i}");
    }
    let full = client.post_json("/todos/", &json!({ "task": "one too many" })).await;
    assert_eq!(full.status, 507);
    assert!(full.json()["detail"].as_str().is_some_and(|d| d.contains("delete one first")));

    assert_eq!(client.delete("/todos/1").await.status, 204);
    let again = client.post_json("/todos/", &json!({ "task": "fits again" })).await;
    assert_eq!(again.status, 201);
}
