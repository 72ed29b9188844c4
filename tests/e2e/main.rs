//! End-to-end tests: each starts the real `nsapi` binary on a free
//! loopback port and talks HTTP/1.1 to it over a raw socket.

mod cli;
mod contract;
mod documents;
mod respond;
mod support;
