//! The `respond` namespace, the classic container demo.
//!
//! `GET /respond/{string}` echoes the string. `GET /respond/hostname`
//! reports the server's hostname and OS and the client's address and OS.
//! Run in a container, the server hostname is the container's own, which
//! shows that the container has its own UTS namespace.
//!
//! A binary serves this namespace once it names the crate:
//!
//! ```
//! use nsapi_respond as _;
//! ```

use nsapi::{
    register_namespace, ClientInfo, FieldMask, HostInfo, MaskedJson, Namespace, Routes, Segment,
};
use paperclip::actix::{api_v2_operation, Apiv2Schema};
use serde::Serialize;

/// The `respond` namespace.
pub struct RespondNamespace;

impl Namespace for RespondNamespace {
    fn name(&self) -> &'static str {
        "respond"
    }

    fn description(&self) -> &'static str {
        "Echo a string, or report the hostname and OS of the server and the client"
    }

    fn routes(&self, routes: &mut Routes) {
        routes.get("/{string}", echo);
        routes.get("/hostname", hostname);
    }
}

register_namespace!(RespondNamespace);

/// The echoed string.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct Respond {
    /// The string provided.
    pub response: String,
}

/// A host on the network.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct Host {
    /// Network name or IP address.
    pub hostname_or_ip: String,
    /// OS name, such as Linux, Darwin or Windows; an empty string when unknown.
    pub system: String,
}

/// The server's host and the client's host.
#[derive(Debug, Serialize, Apiv2Schema)]
pub struct Hostname {
    /// The server that answered the request.
    pub host: Host,
    /// The client that sent the request.
    pub client: Host,
}

/// Echo the string given in the path.
///
/// The value is one path segment, percent-decoded as UTF-8.
#[api_v2_operation(operation_id = "echo_string")]
async fn echo(string: Segment, fields: FieldMask) -> MaskedJson<Respond> {
    fields.respond(Respond { response: string.into_inner() })
}

/// Report the hostname and OS of the server and the client.
///
/// The client's address is the TCP peer's; its OS comes from `User-Agent`.
#[api_v2_operation(operation_id = "get_hostname")]
async fn hostname(host: HostInfo, client: ClientInfo, fields: FieldMask) -> MaskedJson<Hostname> {
    fields.respond(Hostname {
        host: Host { hostname_or_ip: host.hostname, system: host.system },
        client: Host { hostname_or_ip: client.address, system: client.system },
    })
}
