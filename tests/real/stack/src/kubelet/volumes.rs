//! A pod's volumes as a kubelet makes them, each a directory of the pod's on this machine:
//! secrets, ConfigMaps and downward-API files written the way the kubelet's atomic writer
//! writes them (a timestamped directory, `..data` pointing at it, each file a link through
//! `..data`), so that an update swaps one link and a reader never sees half of it; emptyDirs;
//! and persistent volume claims, the directory of the volume bound to the claim.

use std::collections::BTreeMap;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::{
    ConfigMap, KeyToPath, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume,
};
use kube::{Api, Client};

/// The kubelet's default file mode for secret, ConfigMap and downward-API files (0644).
const DEFAULT_MODE: i32 = 0o644;

/// What a refreshable volume holds: file path -> (content, mode).
pub type Payload = BTreeMap<String, (Vec<u8>, u32)>;

/// Makes `volume` of `pod` under `dir` (or, for a claim, finds its volume's directory) and
/// returns the directory to mount; `None` while a claim is not bound yet.
pub async fn materialize(
    client: &Client,
    pod: &Pod,
    volume: &Volume,
    dir: &Path,
) -> anyhow::Result<Option<PathBuf>> {
    if let Some(claim) = &volume.persistent_volume_claim {
        return claim_directory(client, namespace(pod), &claim.claim_name).await;
    }
    let path = dir.join(&volume.name);
    if volume.empty_dir.is_some() {
        std::fs::create_dir_all(&path)?;
        // As the kubelet makes them: writable by whichever user the container runs as.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))?;
        return Ok(Some(path));
    }
    let payload = payload(client, pod, volume).await?.with_context(|| {
        format!(
            "volume {} is of a kind this kubelet does not make",
            volume.name
        )
    })?;
    write_atomically(&path, &payload)?;
    Ok(Some(path))
}

/// The current content of a secret, ConfigMap or downward-API volume; `None` for other kinds.
pub async fn payload(
    client: &Client,
    pod: &Pod,
    volume: &Volume,
) -> anyhow::Result<Option<Payload>> {
    let ns = namespace(pod);
    if let Some(source) = &volume.secret {
        let name = source.secret_name.as_deref().unwrap_or_default();
        let secret = Api::<Secret>::namespaced(client.clone(), ns)
            .get_opt(name)
            .await?;
        let data = secret.map(|secret| {
            let data = secret.data.unwrap_or_default();
            data.into_iter().map(|(k, v)| (k, v.0)).collect()
        });
        let data = present_or_optional(
            data,
            source.optional,
            &format!("secret {ns}/{name}"),
            volume,
        )?;
        return Ok(Some(project(
            data,
            source.items.as_deref(),
            source.default_mode,
        )?));
    }
    if let Some(source) = &volume.config_map {
        let name = &source.name;
        let map = Api::<ConfigMap>::namespaced(client.clone(), ns)
            .get_opt(name)
            .await?;
        let data = map.map(|map| {
            let text = map.data.unwrap_or_default().into_iter();
            let binary = map.binary_data.unwrap_or_default().into_iter();
            text.map(|(k, v)| (k, v.into_bytes()))
                .chain(binary.map(|(k, v)| (k, v.0)))
                .collect()
        });
        let data = present_or_optional(
            data,
            source.optional,
            &format!("ConfigMap {ns}/{name}"),
            volume,
        )?;
        return Ok(Some(project(
            data,
            source.items.as_deref(),
            source.default_mode,
        )?));
    }
    if let Some(source) = &volume.downward_api {
        let mode = mode(source.default_mode);
        let mut payload = Payload::new();
        for item in source.items.iter().flatten() {
            let field = item.field_ref.as_ref().map(|f| f.field_path.as_str());
            let content = match field {
                Some("metadata.labels") => format_map(pod.metadata.labels.as_ref()),
                Some("metadata.annotations") => format_map(pod.metadata.annotations.as_ref()),
                Some(other) => super::container::field(pod, other)?,
                None => bail!("downward-API item {} has no fieldRef", item.path),
            };
            payload.insert(
                item.path.clone(),
                (content.into_bytes(), item.mode.map_or(mode, |m| m as u32)),
            );
        }
        return Ok(Some(payload));
    }
    Ok(None)
}

/// A volume's source's data; an optional source that is missing gives none, as the kubelet
/// mounts it empty.
fn present_or_optional(
    data: Option<BTreeMap<String, Vec<u8>>>,
    optional: Option<bool>,
    what: &str,
    volume: &Volume,
) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    match (data, optional.unwrap_or(false)) {
        (Some(data), _) => Ok(data),
        (None, true) => Ok(BTreeMap::new()),
        (None, false) => bail!("{what} of volume {} does not exist", volume.name),
    }
}

/// The files of a secret or ConfigMap volume: every key, or the listed ones at their paths.
fn project(
    data: BTreeMap<String, Vec<u8>>,
    items: Option<&[KeyToPath]>,
    default_mode: Option<i32>,
) -> anyhow::Result<Payload> {
    let mode = mode(default_mode);
    let Some(items) = items else {
        return Ok(data.into_iter().map(|(k, v)| (k, (v, mode))).collect());
    };
    items
        .iter()
        .map(|item| {
            let content = data
                .get(&item.key)
                .with_context(|| format!("key {} is not in the volume's source", item.key))?;
            Ok((
                item.path.clone(),
                (content.clone(), item.mode.map_or(mode, |m| m as u32)),
            ))
        })
        .collect()
}

fn mode(default_mode: Option<i32>) -> u32 {
    default_mode.unwrap_or(DEFAULT_MODE) as u32
}

/// Labels or annotations as the kubelet writes them: `key="value"` lines, sorted, quoted.
fn format_map(map: Option<&BTreeMap<String, String>>) -> String {
    map.into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", serde_json::Value::String(v.clone())))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The payload the volume at `dir` holds now (empty when it was never written).
pub fn current(dir: &Path) -> Payload {
    let data = dir.join("..data");
    let mut payload = Payload::new();
    collect(&data, &data, &mut payload);
    payload
}

fn collect(root: &Path, dir: &Path, payload: &mut Payload) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, payload);
        } else if let (Ok(content), Ok(meta), Ok(relative)) = (
            std::fs::read(&path),
            entry.metadata(),
            path.strip_prefix(root),
        ) {
            let mode = meta.permissions().mode() & 0o7777;
            payload.insert(relative.to_string_lossy().into_owned(), (content, mode));
        }
    }
}

/// Writes `payload` into `dir` as the kubelet's atomic writer does; nothing when it is there
/// already. Returns whether it wrote.
pub fn write_atomically(dir: &Path, payload: &Payload) -> anyhow::Result<bool> {
    if dir.join("..data").exists() && current(dir) == *payload {
        return Ok(false);
    }
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    let stamp = format!(
        "..{}",
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    );
    let version = dir.join(&stamp);
    for (path, (content, mode)) in payload {
        let file = version.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, content).with_context(|| format!("writing {}", file.display()))?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(*mode))?;
    }
    std::fs::set_permissions(&version, std::fs::Permissions::from_mode(0o755))?;
    let previous = std::fs::read_link(dir.join("..data")).ok();
    let staged = dir.join("..data_tmp");
    let _ = std::fs::remove_file(&staged);
    symlink(&stamp, &staged)?;
    std::fs::rename(&staged, dir.join("..data"))?;
    // The top-level names, each a link through ..data; names no longer in the payload go.
    let tops: std::collections::BTreeSet<String> = payload
        .keys()
        .filter_map(|p| p.split('/').next().map(str::to_string))
        .collect();
    for entry in std::fs::read_dir(dir)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("..") && !tops.contains(&name) {
            std::fs::remove_file(entry.path())?;
        }
    }
    for top in &tops {
        let link = dir.join(top);
        if std::fs::symlink_metadata(&link).is_err() {
            symlink(Path::new("..data").join(top), &link)?;
        }
    }
    if let Some(previous) = previous {
        let _ = std::fs::remove_dir_all(dir.join(previous));
    }
    Ok(true)
}

/// The directory of the volume bound to a claim (the stack's provisioner makes them with a
/// hostPath); `None` until the claim is bound.
async fn claim_directory(
    client: &Client,
    namespace: &str,
    claim: &str,
) -> anyhow::Result<Option<PathBuf>> {
    let claims = Api::<PersistentVolumeClaim>::namespaced(client.clone(), namespace);
    let Some(volume) = claims
        .get_opt(claim)
        .await?
        .and_then(|c| c.spec?.volume_name)
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let volume = Api::<PersistentVolume>::all(client.clone())
        .get(&volume)
        .await?;
    let path = volume
        .spec
        .and_then(|s| s.host_path)
        .map(|h| PathBuf::from(h.path))
        .with_context(|| {
            format!("the volume bound to claim {namespace}/{claim} is not a hostPath")
        })?;
    std::fs::create_dir_all(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))?;
    Ok(Some(path))
}

fn namespace(pod: &Pod) -> &str {
    pod.metadata.namespace.as_deref().unwrap_or("default")
}
