//! Server-side printing: `meta.k8s.io/v1` `Table` responses (what `kubectl get` asks for)
//! with the columns the real API server prints for each built-in type, and the CRD's
//! printer columns for Elasticsearch resources.

use serde_json::{Value, json};

use super::crd;
use super::json;
use super::resources::{
    CONFIGMAPS, ELASTICSEARCHES, NAMESPACES, PODS, ResourceType, SECRETS, SERVICES, STATEFULSETS,
};

/// What each row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    None,
    #[default]
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// Whether the `Accept` header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
}

type Cell = fn(&Value) -> Value;

struct Column {
    name: String,
    column_type: &'static str,
    format: &'static str,
    priority: u32,
    cell: CellSource,
}

enum CellSource {
    Computed(Cell),
    /// A CRD printer column: a simple `.a.b.c` path, ages for dates.
    Path {
        path: String,
        date: bool,
    },
}

fn column(name: &str, column_type: &'static str, priority: u32, cell: Cell) -> Column {
    Column {
        name: name.to_string(),
        column_type,
        format: "",
        priority,
        cell: CellSource::Computed(cell),
    }
}

/// A Table of these objects (one for a get, many for a list).
pub fn table(
    rt: &ResourceType,
    objects: &[Value],
    resource_version: u64,
    include: IncludeObject,
) -> Value {
    let columns = columns(rt);
    let definitions: Vec<Value> = columns
        .iter()
        .map(|c| json!({"name": c.name, "type": c.column_type, "format": c.format, "description": "", "priority": c.priority}))
        .collect();
    let rows: Vec<Value> = objects.iter().map(|o| row(&columns, o, include)).collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

fn row(columns: &[Column], object: &Value, include: IncludeObject) -> Value {
    let cells: Vec<Value> = columns
        .iter()
        .map(|c| match &c.cell {
            CellSource::Computed(cell) => cell(object),
            CellSource::Path { path, date } => {
                let value = path
                    .split('.')
                    .filter(|p| !p.is_empty())
                    .fold(object, |v, key| &v[key]);
                match (date, value.as_str()) {
                    (true, Some(timestamp)) => json!(age_of(timestamp)),
                    _ => value.clone(),
                }
            }
        })
        .collect();
    let mut row = json!({"cells": cells});
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => {
            row["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": object["metadata"],
            });
        }
        IncludeObject::Object => row["object"] = object.clone(),
    }
    row
}

fn columns(rt: &ResourceType) -> Vec<Column> {
    let mut columns = vec![Column {
        format: "name",
        ..column("Name", "string", 0, |o| json!(json::name(o)))
    }];
    if rt == &ELASTICSEARCHES {
        columns.extend(crd::elasticsearch().printer_columns.iter().map(|c| Column {
            name: c.name.clone(),
            column_type: if c.column_type == "integer" {
                "integer"
            } else {
                "string"
            },
            format: "",
            priority: c.priority,
            cell: CellSource::Path {
                path: c.json_path.clone(),
                date: c.column_type == "date",
            },
        }));
        return columns;
    }
    if rt == &NAMESPACES {
        columns.push(column("Status", "string", 0, |o| {
            o["status"]["phase"].clone()
        }));
    } else if rt == &SECRETS {
        columns.push(column("Type", "string", 0, |o| o["type"].clone()));
        columns.push(column("Data", "integer", 0, |o| json!(count(&o["data"]))));
    } else if rt == &CONFIGMAPS {
        columns.push(column("Data", "integer", 0, |o| {
            json!(count(&o["data"]) + count(&o["binaryData"]))
        }));
    } else if rt == &SERVICES {
        columns.push(column("Type", "string", 0, |o| o["spec"]["type"].clone()));
        columns.push(column("Cluster-IP", "string", 0, |o| {
            o["spec"]["clusterIP"].clone()
        }));
        columns.push(column("External-IP", "string", 0, external_ip));
        columns.push(column("Port(s)", "string", 0, ports));
    } else if rt == &STATEFULSETS {
        columns.push(column("Ready", "string", 0, |o| {
            let ready = o["status"]["readyReplicas"].as_u64().unwrap_or(0);
            json!(format!(
                "{ready}/{}",
                o["spec"]["replicas"].as_u64().unwrap_or(0)
            ))
        }));
    } else if rt == &PODS {
        columns.push(column("Ready", "string", 0, ready));
        columns.push(column("Status", "string", 0, |o| {
            o["status"]["phase"].clone()
        }));
        columns.push(column("Restarts", "string", 0, |_| json!("0")));
    }
    columns.push(column("Age", "string", 0, |o| {
        json!(age_of(json::meta_str(o, "creationTimestamp")))
    }));
    if rt == &PODS {
        columns.push(column("IP", "string", 1, |o| o["status"]["podIP"].clone()));
    } else if rt == &STATEFULSETS {
        columns.push(column("Containers", "string", 1, |o| {
            container_field(o, "name")
        }));
        columns.push(column("Images", "string", 1, |o| {
            container_field(o, "image")
        }));
    }
    columns
}

/// A field of every container of a workload's pod template, comma-separated.
fn container_field(workload: &Value, field: &str) -> Value {
    let values: Vec<&str> = workload["spec"]["template"]["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c[field].as_str())
        .collect();
    json!(values.join(","))
}

fn count(map: &Value) -> usize {
    map.as_object().map_or(0, |m| m.len())
}

fn external_ip(service: &Value) -> Value {
    let ingress: Vec<&str> = service["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["ip"].as_str().or_else(|| i["hostname"].as_str()))
        .collect();
    match (service["spec"]["type"].as_str(), ingress.is_empty()) {
        (Some("LoadBalancer"), true) => json!("<pending>"),
        (_, false) => json!(ingress.join(",")),
        _ => json!("<none>"),
    }
}

fn ports(service: &Value) -> Value {
    let ports: Vec<String> = service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let protocol = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_u64() {
                Some(node_port) => format!("{}:{node_port}/{protocol}", p["port"]),
                None => format!("{}/{protocol}", p["port"]),
            }
        })
        .collect();
    json!(if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    })
}

fn ready(pod: &Value) -> Value {
    let statuses = pod["status"]["containerStatuses"].as_array();
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = statuses
        .into_iter()
        .flatten()
        .filter(|s| s["ready"] == true)
        .count();
    json!(format!("{ready}/{total}"))
}

fn age_of(timestamp: &str) -> String {
    json::seconds_since(timestamp).map_or_else(|| "<unknown>".to_string(), human_duration)
}

/// Kubernetes' short human form of a duration (`45s`, `3m12s`, `5h`, `12d`, `2y3d`).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    let s = seconds.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86_400);
    match () {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 && s % 60 != 0 => format!("{m}m{}s", s % 60),
        _ if m < 180 => format!("{m}m"),
        _ if h < 8 && m % 60 != 0 => format!("{h}h{}m", m % 60),
        _ if h < 48 => format!("{h}h"),
        _ if h < 192 && h % 24 != 0 => format!("{d}d{}h", h % 24),
        _ if h < 24 * 365 * 2 => format!("{d}d"),
        _ if h < 24 * 365 * 8 && d % 365 != 0 => format!("{}y{}d", d / 365, d % 365),
        _ => format!("{}y", d / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(192), "3m12s");
        assert_eq!(human_duration(3600 * 5), "5h");
        assert_eq!(human_duration(86_400 * 12), "12d");
    }
}
