//! Serves the `greet` namespace on 127.0.0.1:5001 with the docs UI at `/`.

// Names the library crate so the linker keeps its registration.
use greet_example as _;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let api = nsapi::Api::builder().build().map_err(std::io::Error::other)?;
    println!("serving on http://127.0.0.1:5001/");
    actix_web::HttpServer::new(move || api.app()).bind("127.0.0.1:5001")?.run().await
}
