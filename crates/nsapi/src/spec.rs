//! Builds the Swagger 2.0 and OpenAPI 3.0 documents from the mounted namespaces.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use paperclip::v2::models::{DefaultApiRaw, DefaultSchemaRaw, Info, Tag};
use serde_json::{json, Value};

use crate::config::ApiInfo;
use crate::error::PROBLEM_JSON;
use crate::registry::{ConfigError, ConfigProblem, Mount};

/// Both generated documents, serialized once at startup.
#[derive(Debug, Clone)]
pub struct Specs {
    v2: Value,
    v3: Value,
}

impl Specs {
    /// Returns the Swagger 2.0 document.
    pub fn swagger_v2(&self) -> &Value {
        &self.v2
    }

    /// Returns the OpenAPI 3.0 document.
    pub fn openapi_v3(&self) -> &Value {
        &self.v3
    }
}

/// Builds both documents and checks that every operation is documented.
pub(crate) fn build_specs(mounts: &[Mount], info: &ApiInfo) -> Result<Specs, ConfigError> {
    let mut api = DefaultApiRaw {
        info: Info {
            title: info.title.clone(),
            version: info.version.clone(),
            description: Some(info.description.clone()),
            ..Default::default()
        },
        ..Default::default()
    };

    let mut problems = Vec::new();
    let mut model_owners: BTreeMap<String, (String, DefaultSchemaRaw)> = BTreeMap::new();
    let mut operation_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for mount in mounts {
        let prefix = mount.prefix();
        let built = mount.routes().build();

        for (path, mut item) in built.paths {
            let full_path = format!("{prefix}{path}");
            for (method, operation) in &mut item.methods {
                operation.tags = vec![mount.name().to_owned()];
                let method = method.to_string().to_uppercase();
                let place = format!("{}: {method} {full_path}", mount.name());

                match &operation.operation_id {
                    Some(id) => operation_ids.entry(id.clone()).or_default().push(place),
                    None => problems.push(undocumented(mount, &method, &full_path, "operation_id")),
                }
                if operation.summary.as_deref().is_none_or(str::is_empty) {
                    problems.push(undocumented(mount, &method, &full_path, "summary"));
                }
            }
            api.paths.insert(full_path, item);
        }

        for (model, schema) in built.definitions {
            merge_model(&mut api, &mut model_owners, &mut problems, mount, model, schema);
        }
        api.tags.push(Tag {
            name: mount.name().to_owned(),
            description: Some(mount.description().to_owned()),
            external_docs: None,
        });
    }

    for (operation_id, operations) in operation_ids {
        if operations.len() > 1 {
            problems.push(ConfigProblem::DuplicateOperationId { operation_id, operations });
        }
    }
    ConfigError::from_problems(problems)?;

    api.tags.sort_by(|a, b| a.name.cmp(&b.name));
    let mut v3 = convert_to_v3(api.clone())?;
    let mut v2 = serde_json::to_value(&api).map_err(|e| conversion_failed(&e.to_string()))?;
    add_problem_responses_v2(&mut v2);
    add_problem_responses_v3(&mut v3);
    add_header_schemas_v3(&v2, &mut v3);
    add_mask_defaults_v3(&mut v3);
    apply_model_patches(mounts, &mut v2, &mut v3)?;
    relax_masked_models(&mut v2, "definitions", "#/definitions/");
    relax_masked_models(&mut v3, "components", "#/components/schemas/");
    Ok(Specs { v2, v3 })
}

/// Name of the error model in both documents.
const PROBLEM_MODEL: &str = "Problem";

const PROBLEM_RESPONSE_DESCRIPTION: &str =
    "Error: a problem document (RFC 9457) with the status, a detail for the client and the request id";

/// Returns the JSON schema of the problem body every error response has.
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "Problem details of a failed request (RFC 9457)",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {
                "type": "string",
                "description": "URI reference that identifies the problem type; about:blank for plain HTTP errors"
            },
            "title": { "type": "string", "description": "Reason phrase of the HTTP status" },
            "status": { "type": "integer", "description": "HTTP status code of the response" },
            "detail": { "type": "string", "description": "What went wrong, written for the client" },
            "request_id": {
                "type": "string",
                "description": "Id of the request, also in the X-Request-Id response header and the server log"
            }
        }
    })
}

/// Adds the problem model and documents it as the `default` response of
/// every operation, because any operation can fail with a problem body.
fn add_problem_responses_v2(document: &mut Value) {
    document["definitions"][PROBLEM_MODEL] = problem_schema();
    document["produces"] = json!(["application/json", PROBLEM_JSON]);
    let response = json!({
        "description": PROBLEM_RESPONSE_DESCRIPTION,
        "schema": { "$ref": format!("#/definitions/{PROBLEM_MODEL}") }
    });
    for operation in operations_mut(document) {
        operation["responses"]["default"] = response.clone();
    }
}

/// Does for the OpenAPI 3.0 document what [`add_problem_responses_v2`] does.
fn add_problem_responses_v3(document: &mut Value) {
    document["components"]["schemas"][PROBLEM_MODEL] = problem_schema();
    let response = json!({
        "description": PROBLEM_RESPONSE_DESCRIPTION,
        "content": {
            PROBLEM_JSON: { "schema": { "$ref": format!("#/components/schemas/{PROBLEM_MODEL}") } }
        }
    });
    for operation in operations_mut(document) {
        operation["responses"]["default"] = response.clone();
    }
}

/// Gives every response header of the OpenAPI 3.0 document a schema.
///
/// paperclip's conversion leaves the header without one (an invalid
/// document), so the type comes from the Swagger 2.0 header.
fn add_header_schemas_v3(v2: &Value, v3: &mut Value) {
    let Some(paths) = v3.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for (name, header) in headers.iter_mut() {
                    if header.get("schema").is_some() {
                        continue;
                    }
                    let v2_header =
                        &v2["paths"][path][method]["responses"][status]["headers"][name];
                    let kind = v2_header["type"].as_str().unwrap_or("string");
                    header["schema"] = json!({ "type": kind });
                    if let Some(object) = header.as_object_mut() {
                        object.remove("content");
                    }
                }
            }
        }
    }
}

/// Gives the `X-Fields` parameters of the OpenAPI 3.0 document their
/// default and an example, which paperclip's conversion drops. Without them
/// Swagger UI builds a sample from the pattern, and its nested repetitions
/// make that take minutes.
fn add_mask_defaults_v3(document: &mut Value) {
    for operation in operations_mut(document) {
        let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) else {
            continue;
        };
        for parameter in
            parameters.iter_mut().filter(|p| p["in"] == "header" && p["name"] == "X-Fields")
        {
            parameter["schema"]["default"] = json!("");
            parameter["example"] = json!("");
        }
    }
}

/// Applies each namespace's model patches to both documents.
fn apply_model_patches(
    mounts: &[Mount],
    v2: &mut Value,
    v3: &mut Value,
) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    for mount in mounts {
        for (model, patch) in mount.namespace().model_patches() {
            let v2_model = &mut v2["definitions"][model];
            let v3_model = &mut v3["components"]["schemas"][model];
            if !v2_model.is_object() || !v3_model.is_object() {
                problems.push(ConfigProblem::UnknownModel {
                    namespace: mount.name().to_owned(),
                    model: model.to_owned(),
                });
                continue;
            }
            merge_patch(v2_model, &patch);
            merge_patch(v3_model, &patch);
        }
    }
    ConfigError::from_problems(problems)
}

/// Applies a JSON merge patch (RFC 7386): objects merge key by key, `null`
/// removes a key, and any other value replaces the target.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let Some(target) = target.as_object_mut() else {
        return;
    };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Drops `required` from the response models of operations that accept
/// `X-Fields`, because a mask can leave any field out of the response.
fn relax_masked_models(document: &mut Value, models_key: &str, reference_prefix: &str) {
    let mut models = Vec::new();
    for operation in operations_mut(document) {
        let masked = operation["parameters"].as_array().is_some_and(|parameters| {
            parameters.iter().any(|p| p["in"] == "header" && p["name"] == "X-Fields")
        });
        if !masked {
            continue;
        }
        let responses = operation["responses"].as_object().into_iter().flatten();
        for (_, response) in responses.filter(|(status, _)| status.starts_with('2')) {
            let schema = match response.get("content") {
                Some(content) => &content["application/json"]["schema"],
                None => &response["schema"],
            };
            if let Some(name) =
                schema["$ref"].as_str().and_then(|r| r.strip_prefix(reference_prefix))
            {
                models.push(name.to_owned());
            }
        }
    }

    let definitions = if models_key == "components" {
        &mut document["components"]["schemas"]
    } else {
        &mut document[models_key]
    };
    for name in models {
        let model = &mut definitions[&name];
        remove_required(model);
        let note = "Any field can be left out of a response with the X-Fields header.";
        let description = model["description"].as_str().unwrap_or_default();
        model["description"] = Value::String(format!("{description} {note}").trim().to_owned());
    }
}

fn remove_required(schema: &mut Value) {
    if let Some(object) = schema.as_object_mut() {
        object.remove("required");
        if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
            properties.values_mut().for_each(remove_required);
        }
        if let Some(items) = object.get_mut("items") {
            remove_required(items);
        }
    }
}

/// Returns every operation object of a document's `paths`.
fn operations_mut(document: &mut Value) -> impl Iterator<Item = &mut Value> {
    const METHODS: [&str; 8] =
        ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.iter_mut())
        .filter(|(key, _)| METHODS.contains(&key.as_str()))
        .map(|(_, operation)| operation)
}

fn undocumented(mount: &Mount, method: &str, path: &str, missing: &'static str) -> ConfigProblem {
    ConfigProblem::UndocumentedOperation {
        namespace: mount.name().to_owned(),
        method: method.to_owned(),
        path: path.to_owned(),
        missing,
    }
}

/// Adds a model, or records a conflict when another namespace defined a
/// different model under the same name.
fn merge_model(
    api: &mut DefaultApiRaw,
    owners: &mut BTreeMap<String, (String, DefaultSchemaRaw)>,
    problems: &mut Vec<ConfigProblem>,
    mount: &Mount,
    model: String,
    schema: DefaultSchemaRaw,
) {
    if let Some((owner, existing)) = owners.get(&model) {
        let same = serde_json::to_value(existing).ok() == serde_json::to_value(&schema).ok();
        if !same && owner != mount.name() {
            problems.push(ConfigProblem::ConflictingModel {
                model,
                namespaces: vec![owner.clone(), mount.name().to_owned()],
            });
        }
        return;
    }
    owners.insert(model.clone(), (mount.name().to_owned(), schema.clone()));
    api.definitions.insert(model, schema);
}

/// Converts with paperclip, which asserts on shapes it cannot convert; a
/// panic there becomes a configuration error instead of a crash.
fn convert_to_v3(api: DefaultApiRaw) -> Result<Value, ConfigError> {
    let converted = catch_unwind(AssertUnwindSafe(|| paperclip_core::v3::openapiv2_to_v3(api)))
        .map_err(|_| conversion_failed("the converter panicked"))?;
    serde_json::to_value(converted).map_err(|e| conversion_failed(&e.to_string()))
}

fn conversion_failed(reason: &str) -> ConfigError {
    ConfigError::single(ConfigProblem::DocumentGeneration { reason: reason.to_owned() })
}
