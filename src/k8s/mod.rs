//! Kubernetes access: a client for one kube context with its namespace chosen, reads
//! retried while they fail for a passing reason, every failure explained for the operator.

mod errors;
mod kubeconfig;
mod location;
mod names;
mod transient;
mod wait;

use std::fmt::Debug;
use std::time::Duration;

use anyhow::Context as _;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{
    Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams, Portforwarder, PostParams,
    ValidationDirective,
};
use kube::runtime::wait::{Condition, await_condition};
use kube::{Resource, ResourceExt as _};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use errors::{Request, Server};
pub use kubeconfig::contexts;
pub use location::{Location, SideFlags};
pub use names::validate_name;

use crate::error::{Failure, FailureKind};
use crate::retry::read_with_retries;
use wait::WaitFailure;

/// The name ecr writes under, in `managedFields` and audit logs.
pub const FIELD_MANAGER: &str = "ecr";

/// The longest ecr waits for the API server to answer one request (watches aside): the
/// connections of a server whose node died stay silent for many minutes before they break.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to one Kubernetes API server, working in one namespace. Cheap to clone.
#[derive(Clone)]
pub struct Kube {
    client: kube::Client,
    namespace: String,
    server: Server,
}

impl Kube {
    /// Resolves kubeconfig, context and namespace; sends no request yet.
    pub async fn connect(location: &Location) -> anyhow::Result<Self> {
        let mut resolved = kubeconfig::resolve(location).await?;
        resolved.config.headers.push((
            http::header::USER_AGENT,
            http::HeaderValue::from_static(crate::USER_AGENT),
        ));
        let server = Server {
            url: resolved
                .config
                .cluster_url
                .to_string()
                .trim_end_matches('/')
                .to_string(),
            context: resolved.context,
        };
        let client = kube::Client::try_from(resolved.config)
            .with_context(|| format!("setting up a client for the API server at {server}"))?;
        Ok(Self {
            client,
            namespace: resolved.namespace,
            server,
        })
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The same connection, working in another namespace.
    pub fn in_namespace(&self, namespace: &str) -> anyhow::Result<Self> {
        validate_name("namespace", namespace)?;
        Ok(Self {
            namespace: namespace.to_string(),
            ..self.clone()
        })
    }

    /// Gets a namespaced object of a built-in type; `None` when it does not exist.
    pub async fn get<K>(&self, name: &str) -> anyhow::Result<Option<K>>
    where
        K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
            + Clone
            + DeserializeOwned
            + Debug,
    {
        let api: Api<K> = Api::namespaced(self.client.clone(), &self.namespace);
        let request = Request::new(
            "get",
            qualified::<K>(&()),
            Some(&self.namespace),
            Some(name),
        );
        self.read(&request, || api.get_opt(name)).await
    }

    /// Watches a namespaced object until `condition` holds, for at most `timeout`; `None` when
    /// the time ran out (the caller says what it was waiting for). A watch, never a poll;
    /// one that fails for a passing reason is started again, as reads are retried.
    pub async fn wait_for<K>(
        &self,
        name: &str,
        timeout: Duration,
        condition: impl Condition<K>,
    ) -> anyhow::Result<Option<K>>
    where
        K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + 'static,
    {
        let api: Api<K> = Api::namespaced(self.client.clone(), &self.namespace);
        self.await_object(api, name, timeout, condition, qualified::<K>(&()))
            .await
    }

    /// Like [`Kube::wait_for`], for an object of any type as JSON: `condition` sees every
    /// version the watch brings (a caller may report progress from it).
    pub async fn wait_for_json(
        &self,
        resource: &ApiResource,
        name: &str,
        timeout: Duration,
        condition: impl Fn(Option<&Value>) -> bool,
    ) -> anyhow::Result<Option<Value>> {
        let matches = move |object: Option<&DynamicObject>| {
            let json = object.and_then(|object| serde_json::to_value(object).ok());
            condition(json.as_ref())
        };
        let api = self.dynamic_api(resource);
        let found = self
            .await_object(
                api,
                name,
                timeout,
                matches,
                qualified::<DynamicObject>(resource),
            )
            .await?;
        found.map(to_json).transpose()
    }

    async fn await_object<K>(
        &self,
        api: Api<K>,
        name: &str,
        timeout: Duration,
        condition: impl Condition<K>,
        resource: String,
    ) -> anyhow::Result<Option<K>>
    where
        K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    {
        let watch = || {
            let api = api.clone();
            let condition = &condition;
            async move {
                let matches = |object: Option<&K>| condition.matches_object(object);
                await_condition(api, name, matches)
                    .await
                    .map_err(WaitFailure::from)
            }
        };
        match tokio::time::timeout(timeout, read_with_retries(watch)).await {
            Err(_elapsed) => Ok(None),
            Ok((Ok(object), _)) => Ok(object),
            Ok((Err(WaitFailure::Request { verb, error }), attempts)) => {
                let request = Request::new(verb, resource, Some(&self.namespace), Some(name));
                Err(errors::explain(error, &request, &self.server, attempts))
            }
            Ok((Err(WaitFailure::Other(error)), _)) => {
                Err(anyhow::Error::new(error).context(format!("watching {resource}/{name}")))
            }
        }
    }

    /// Gets a namespaced object of any type as JSON; `None` when it does not exist.
    pub async fn get_json(
        &self,
        resource: &ApiResource,
        name: &str,
    ) -> anyhow::Result<Option<Value>> {
        let api = self.dynamic_api(resource);
        let request = Request::new(
            "get",
            qualified::<DynamicObject>(resource),
            Some(&self.namespace),
            Some(name),
        );
        let object = self.read(&request, || api.get_opt(name)).await?;
        object.map(to_json).transpose()
    }

    /// Creates a namespaced object. Never retried: a failure is reported, and the caller
    /// re-reads and re-plans (`AlreadyExists` is a `Conflict` failure).
    pub async fn create_json(
        &self,
        resource: &ApiResource,
        object: &Value,
    ) -> anyhow::Result<Value> {
        let api = self.dynamic_api(resource);
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let request = Request::new(
            "create",
            qualified::<DynamicObject>(resource),
            Some(&self.namespace),
            Some(name),
        );
        let object: DynamicObject =
            serde_json::from_value(object.clone()).context("encoding the object to create")?;
        let params = PostParams {
            field_manager: Some(FIELD_MANAGER.into()),
            ..PostParams::default()
        };
        let created = answered(api.create(&params, &object))
            .await
            .map_err(|error| errors::explain_write(error, &request, &self.server))?;
        to_json(created)
    }

    /// Applies a JSON merge patch (RFC 7386) to a namespaced object. A `metadata.resourceVersion`
    /// in the patch makes it conditional: someone else's write in between is a `Conflict` failure.
    pub async fn merge_patch_json(
        &self,
        resource: &ApiResource,
        name: &str,
        patch: &Value,
    ) -> anyhow::Result<Value> {
        let (request, patched) = self.strict_merge_patch(resource, name, patch, false).await;
        to_json(patched.map_err(|error| errors::explain_write(error, &request, &self.server))?)
    }

    /// The fields of a JSON merge patch that the installed CRD does not know, by a server-side
    /// dry run (nothing is written): empty when the server would take the patch. The API
    /// server names each as `unknown field "spec.a.b"`.
    pub async fn unknown_fields(
        &self,
        resource: &ApiResource,
        name: &str,
        patch: &Value,
    ) -> anyhow::Result<Vec<String>> {
        match self.strict_merge_patch(resource, name, patch, true).await {
            (_, Ok(_)) => Ok(Vec::new()),
            (_, Err(kube::Error::Api(status)))
                if status.code == 400 && status.message.contains("unknown field") =>
            {
                Ok(unknown_fields_named(&status.message))
            }
            (request, Err(error)) => Err(errors::explain_write(error, &request, &self.server)),
        }
    }

    /// A merge patch with `fieldValidation=Strict`: a field the installed CRD does not know
    /// (an older ECK) is refused, naming the field, instead of being dropped with a warning
    /// that ecr would not see. With the request, for explaining a failure.
    async fn strict_merge_patch(
        &self,
        resource: &ApiResource,
        name: &str,
        patch: &Value,
        dry_run: bool,
    ) -> (Request, Result<DynamicObject, kube::Error>) {
        let api = self.dynamic_api(resource);
        let request = Request::new(
            "patch",
            qualified::<DynamicObject>(resource),
            Some(&self.namespace),
            Some(name),
        );
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.into()),
            field_validation: Some(ValidationDirective::Strict),
            dry_run,
            ..PatchParams::default()
        };
        let answer = answered(api.patch(name, &params, &Patch::Merge(patch))).await;
        (request, answer)
    }

    /// Lists the objects of a custom resource type in the namespace. A type the API server
    /// does not know (its CRD is not installed) is a `NotFound` failure.
    pub async fn list_dynamic(&self, resource: &ApiResource) -> anyhow::Result<Vec<DynamicObject>> {
        self.list_matching(resource, &ListParams::default()).await
    }

    /// Lists the objects of any namespaced type in the namespace that carry a label
    /// (`key=value`), as JSON.
    pub async fn list_labelled_json(
        &self,
        resource: &ApiResource,
        label_selector: &str,
    ) -> anyhow::Result<Vec<Value>> {
        let params = ListParams::default().labels(label_selector);
        let objects = self.list_matching(resource, &params).await?;
        objects.into_iter().map(to_json).collect()
    }

    async fn list_matching(
        &self,
        resource: &ApiResource,
        params: &ListParams,
    ) -> anyhow::Result<Vec<DynamicObject>> {
        let api = self.dynamic_api(resource);
        let request = Request::new(
            "list",
            qualified::<DynamicObject>(resource),
            Some(&self.namespace),
            None,
        );
        let list = self.read(&request, || api.list(params)).await?;
        Ok(list.items)
    }

    /// Lists the pods of the namespace that match a label selector (`key=value,...`).
    pub async fn list_pods(&self, label_selector: &str) -> anyhow::Result<Vec<Pod>> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let request = Request::new("list", "pods", Some(&self.namespace), None);
        let params = ListParams::default().labels(label_selector);
        let list = self.read(&request, || api.list(&params)).await?;
        Ok(list.items)
    }

    /// Opens a port-forward to `ports` of a pod through the API server (a WebSocket, so it
    /// works from outside the cluster). Never retried: the caller opens another.
    pub async fn port_forward(&self, pod: &str, ports: &[u16]) -> anyhow::Result<Portforwarder> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let request = Request::new(
            "create",
            "pods/portforward",
            Some(&self.namespace),
            Some(pod),
        );
        tracing::debug!("{} {}", request.verb, request.object());
        answered(api.portforward(pod, ports))
            .await
            .map_err(|error| self.explain(error, &request))
    }

    /// Lists the objects of a custom resource type in every namespace (cluster-wide `list`).
    pub async fn list_dynamic_everywhere(
        &self,
        resource: &ApiResource,
    ) -> anyhow::Result<Vec<DynamicObject>> {
        let api: Api<DynamicObject> = Api::all_with(self.client.clone(), resource);
        let request = Request::new("list", qualified::<DynamicObject>(resource), None, None);
        let params = ListParams::default();
        Ok(self.read(&request, || api.list(&params)).await?.items)
    }

    /// Whether the namespace exists; `None` when RBAC does not let us look (common for
    /// users confined to a few namespaces), so callers can stay silent rather than guess.
    pub async fn namespace_exists(&self) -> anyhow::Result<Option<bool>> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let request = Request::new("get", "namespaces", None, Some(&self.namespace));
        match self.read(&request, || api.get_opt(&self.namespace)).await {
            Ok(found) => Ok(Some(found.is_some())),
            Err(error) if Failure::is(&error, FailureKind::Forbidden) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Names of all namespaces, for hints; empty when RBAC does not allow listing them.
    pub async fn namespace_names(&self) -> Vec<String> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let request = Request::new("list", "namespaces", None, None);
        let params = ListParams::default();
        match self.read(&request, || api.list(&params)).await {
            Ok(list) => list
                .items
                .iter()
                .map(|namespace| namespace.name_any())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A read, retried while it fails for a passing reason, explained when it fails for good.
    async fn read<T, Fut>(
        &self,
        request: &Request,
        mut read: impl FnMut() -> Fut,
    ) -> anyhow::Result<T>
    where
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        tracing::debug!("{} {}", request.verb, request.object());
        let (result, attempts) = read_with_retries(|| answered(read())).await;
        result.map_err(|error| errors::explain(error, request, &self.server, attempts))
    }

    fn explain(&self, error: kube::Error, request: &Request) -> anyhow::Error {
        errors::explain(error, request, &self.server, 1)
    }

    fn dynamic_api(&self, resource: &ApiResource) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), &self.namespace, resource)
    }
}

/// The outcome of `request`, or a failure when the API server did not answer within
/// [`ANSWER_TIMEOUT`] (not retried: a server silent that long will not answer in a second).
async fn answered<T>(
    request: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, kube::Error> {
    tokio::time::timeout(ANSWER_TIMEOUT, request)
        .await
        .unwrap_or_else(|_elapsed| {
            Err(kube::Error::Service(Box::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {}s", ANSWER_TIMEOUT.as_secs()),
            ))))
        })
}

fn to_json(object: DynamicObject) -> anyhow::Result<Value> {
    serde_json::to_value(object).context("decoding an object from the API server")
}

/// `secrets`, or `elasticsearches.elasticsearch.k8s.elastic.co` for a resource with a group,
/// as RBAC and kubectl name them.
fn qualified<K: Resource>(dynamic_type: &K::DynamicType) -> String {
    let plural = K::plural(dynamic_type);
    let group = K::group(dynamic_type);
    if group.is_empty() {
        plural.into_owned()
    } else {
        format!("{plural}.{group}")
    }
}

/// The fields a strict decoding error names: `unknown field "spec.a.b"`, each.
fn unknown_fields_named(message: &str) -> Vec<String> {
    message
        .split("unknown field \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Secret;

    #[test]
    fn resources_are_named_as_rbac_names_them() {
        assert_eq!(qualified::<Secret>(&()), "secrets");
        let es = ApiResource {
            group: "elasticsearch.k8s.elastic.co".into(),
            version: "v1".into(),
            api_version: "elasticsearch.k8s.elastic.co/v1".into(),
            kind: "Elasticsearch".into(),
            plural: "elasticsearches".into(),
        };
        assert_eq!(
            qualified::<DynamicObject>(&es),
            "elasticsearches.elasticsearch.k8s.elastic.co"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_server_is_given_up_on_after_the_answer_timeout() {
        let started = tokio::time::Instant::now();
        let error = answered(std::future::pending::<Result<(), kube::Error>>())
            .await
            .expect_err("no answer");
        assert_eq!(started.elapsed(), ANSWER_TIMEOUT);
        assert_eq!(error.to_string(), "ServiceError: no answer within 30s");
        assert!(
            !crate::retry::Transient::is_transient(&error),
            "not retried"
        );
    }

    #[test]
    fn the_unknown_fields_of_a_strict_decoding_error_are_read() {
        let message = r#"Elasticsearch.elasticsearch.k8s.elastic.co "two" is invalid: strict decoding error: unknown field "spec.remoteClusterServer.service", unknown field "spec.x""#;
        assert_eq!(
            unknown_fields_named(message),
            ["spec.remoteClusterServer.service", "spec.x"]
        );
        assert!(unknown_fields_named("Forbidden").is_empty());
    }
}
