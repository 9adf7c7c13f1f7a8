//! What a container runtime does for an Elasticsearch pod, with what this machine has: a pod is
//! a PID, UTS and mount namespace of its own inside its network namespace, its containers run
//! in turn (init containers to completion, then `elasticsearch`), each in a mount namespace
//! where the Elasticsearch image is at `/usr/share/elasticsearch` and the pod's volumes are at
//! their `mountPath`s, as a non-root user, with the environment the pod spec gives.
//!
//! The pod is written out as shell scripts (in the pod's directory, to read when something
//! fails) and run with `unshare(1)` and `setpriv(1)`; this needs root, as a kubelet does.

use std::path::{Path, PathBuf};

use anyhow::bail;
use k8s_openapi::api::core::v1::{Container, Pod};

/// Where the Elasticsearch image keeps its home (the Docker image's layout).
pub const IMAGE_HOME: &str = "/usr/share/elasticsearch";
/// The image's entry point, where a container names no command: the Docker image's
/// `docker-entrypoint.sh` ends by running it (its other work, turning environment variables
/// into settings, is for users of `docker run`; ECK passes none).
const ENTRY_POINT: &str = "/usr/share/elasticsearch/bin/elasticsearch";

/// The user the containers run as (the Docker image's `elasticsearch` user is uid 1000;
/// Elasticsearch refuses to run as root).
#[derive(Debug, Clone, Copy)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
}

/// A volume mount, resolved: the directory (or file, with a subPath) on this machine.
#[derive(Debug, Clone)]
pub struct Mount {
    pub source: PathBuf,
    pub target: String,
    pub read_only: bool,
}

/// The value of a downward-API field of the pod (`fieldRef.fieldPath`).
pub fn field(pod: &Pod, path: &str) -> anyhow::Result<String> {
    let status = pod.status.as_ref();
    let spec = pod.spec.as_ref();
    let value = match path {
        "metadata.name" => pod.metadata.name.clone(),
        "metadata.namespace" => pod.metadata.namespace.clone(),
        "metadata.uid" => pod.metadata.uid.clone(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()),
        "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()),
        "status.podIP" => status.and_then(|s| s.pod_ip.clone()),
        "status.hostIP" => status.and_then(|s| s.host_ip.clone()),
        other => {
            let (map, key) = if let Some(key) = other.strip_prefix("metadata.labels['") {
                (pod.metadata.labels.as_ref(), key)
            } else if let Some(key) = other.strip_prefix("metadata.annotations['") {
                (pod.metadata.annotations.as_ref(), key)
            } else {
                bail!("field {other} of the downward API is not supported here")
            };
            let key = key.trim_end_matches("']");
            Some(map.and_then(|m| m.get(key)).cloned().unwrap_or_default())
        }
    };
    Ok(value.unwrap_or_default())
}

/// The container's environment: the image's, then the pod spec's (values and downward-API
/// fields, which is all ECK's pods use).
pub fn environment(pod: &Pod, container: &Container) -> anyhow::Result<Vec<(String, String)>> {
    let mut env = vec![
        (
            "PATH".to_string(),
            format!(
                "{IMAGE_HOME}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
            ),
        ),
        ("HOME".to_string(), IMAGE_HOME.to_string()),
    ];
    for var in container.env.iter().flatten() {
        let value = match (&var.value, &var.value_from) {
            (Some(value), _) => value.clone(),
            (None, Some(from)) => match &from.field_ref {
                Some(field_ref) => field(pod, &field_ref.field_path)?,
                None => bail!(
                    "environment variable {} takes its value from a source this kubelet does not read",
                    var.name
                ),
            },
            (None, None) => String::new(),
        };
        env.retain(|(name, _)| name != &var.name);
        env.push((var.name.clone(), value));
    }
    Ok(env)
}

/// Where a container script sees this machine's root while it mounts: a view taken before the
/// container mounts anything, so that the container's own `/tmp`, `/mnt` and volumes never
/// hide the paths it reads (a checkout under `/tmp` had its pods' volumes hidden so). It lies
/// on the container's own `/run`, and is gone before the container's command starts.
const HOST_VIEW: &str = "/run/host";

/// Where the container finds the preloaded library (`KubeletOptions::preload`): copied onto
/// its own `/run`, out of the image and of this machine's paths.
pub const PRELOAD_IN_CONTAINER: &str = "/run/ecr/libecr-nofile.so";

/// The script of one container: its mounts, its limits, then its command as `user`. The image
/// is the lower layer of an overlay whose upper layer is the container's own (`layer`), as a
/// container runtime does: what the container writes there, and the mount points of its
/// volumes, stay out of the image the other pods share.
pub fn container_script(
    image: &Path,
    layer: &Path,
    mounts: &[Mount],
    preload: &Path,
    container: &Container,
    env: &[(String, String)],
    user: User,
) -> String {
    let mut script = format!(
        "#!/bin/bash\n# container {}: the image, tmpfs on /run and /mnt, then the pod's volumes\nset -eu\n",
        container.name
    );
    script += &format!(
        "mount -t tmpfs -o mode=755 tmpfs /run\nmkdir {HOST_VIEW}\nmount --rbind / {HOST_VIEW}\n"
    );
    let (upper, work) = (layer.join("upper"), layer.join("work"));
    script += &format!(
        "mkdir -p {upper} {work}\nmount -t overlay overlay -o lowerdir={image},upperdir={upper},workdir={work} {IMAGE_HOME}\n",
        upper = host_path(&upper),
        work = host_path(&work),
        image = host_path(image),
    );
    script += "mount -t tmpfs -o mode=755 tmpfs /mnt\n";
    let mut mounts = mounts.to_vec();
    // Parents first: a volume mounted inside another one lands on top of it.
    mounts.sort_by_key(|m| m.target.matches('/').count());
    for mount in &mounts {
        let target = quote(&mount.target);
        if mount.source.is_dir() {
            script += &format!("mkdir -p {target}\n");
        } else {
            script += &format!("mkdir -p \"$(dirname {target})\" && touch {target}\n");
        }
        script += &format!("mount --bind {} {target}\n", host_path(&mount.source));
        if mount.read_only {
            script += &format!("mount -o remount,bind,ro {target}\n");
        }
    }
    script += &format!(
        "mkdir -p \"$(dirname {in_container})\"\ncp {preload} {in_container}\numount --lazy {HOST_VIEW}\n",
        in_container = quote(PRELOAD_IN_CONTAINER),
        preload = host_path(preload),
    );
    // As many open files as this machine allows: a container runtime gives 1048576, and
    // Elasticsearch's bootstrap checks want 65535 at least when it binds beyond loopback.
    script += "ulimit -n \"$(ulimit -Hn)\"\n";
    let workdir = container.working_dir.as_deref().unwrap_or(IMAGE_HOME);
    script += &format!("cd {}\n", quote(workdir));
    let mut command: Vec<String> = container.command.clone().unwrap_or_default();
    if command.is_empty() {
        command.push(ENTRY_POINT.to_string());
    }
    command.extend(container.args.clone().unwrap_or_default());
    script += &format!(
        "exec setpriv --reuid={} --regid={} --clear-groups env -i",
        user.uid, user.gid
    );
    for (name, value) in env {
        script += &format!(" {}", quote(&format!("{name}={value}")));
    }
    for word in &command {
        script += &format!(" {}", quote(word));
    }
    script.push('\n');
    script
}

/// The pod's script, PID 1 of its PID namespace: its hostname and hosts file, each init
/// container to completion, then the main container, waited for. The stack stops a pod by
/// signalling the processes in its network namespace; this one, with no handler, ignores it.
pub fn pod_script(hostname: &str, hosts: &Path, init: &[PathBuf], main: &Path) -> String {
    let mut script = format!(
        "#!/bin/bash\nset -eu\nhostname {}\nmount --make-rprivate /\nmount --bind {} /etc/hosts\n",
        quote(hostname),
        quote(&hosts.display().to_string())
    );
    let run = |script: &Path| {
        format!(
            "unshare --mount --propagation private bash {}",
            quote(&script.display().to_string())
        )
    };
    for container in init {
        script += &format!(
            "echo \"init container {}\"\n{}\n",
            container.display(),
            run(container)
        );
    }
    script += &format!("{} &\nwait $!\n", run(main));
    script
}

/// The pod's `/etc/hosts`, as the kubelet writes it for a pod with a hostname and subdomain,
/// plus the name without the cluster domain that cluster DNS would answer (ECK makes the
/// nodes publish `POD.SUBDOMAIN.NAMESPACE.svc`).
pub fn hosts_file(pod: &Pod) -> String {
    let spec = pod.spec.as_ref();
    let address = pod
        .status
        .as_ref()
        .and_then(|s| s.pod_ip.clone())
        .unwrap_or_default();
    let hostname = spec
        .and_then(|s| s.hostname.clone())
        .or_else(|| pod.metadata.name.clone())
        .unwrap_or_default();
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut names = Vec::new();
    if let Some(subdomain) = spec.and_then(|s| s.subdomain.as_deref()) {
        let fqdn = format!("{hostname}.{subdomain}.{namespace}.svc");
        names.push(format!("{fqdn}.cluster.local"));
        names.push(fqdn);
    }
    names.push(hostname);
    format!(
        "# Kubernetes-managed hosts file (the real stack's kubelet).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{address}\t{}\n",
        names.join(" ")
    )
}

/// A path of this machine as the container script reads it, through [`HOST_VIEW`], quoted.
fn host_path(path: &Path) -> String {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    quote(&format!("{HOST_VIEW}{}", path.display()))
}

/// A word for bash, in single quotes.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
