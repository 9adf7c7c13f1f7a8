//! Where a cluster is, as the command line says it: a kubeconfig, a kube context and a
//! namespace; and the one rule that places the two clusters of a link.

use std::path::PathBuf;

/// Where to find a cluster: `None` leaves a part to kubectl's rules (`KUBECONFIG`, the current
/// context, the context's namespace).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// The context and namespace given for one side of a link by that side's own flags
/// (`--local-context`, `--remote-namespace`, `--from-context`, a recorded CA source...);
/// `None` where there is none.
#[derive(Debug, Clone, Copy, Default)]
pub struct SideFlags<'a> {
    pub context: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

impl Location {
    /// Where the local and the remote cluster of a link are, `self` being the global options
    /// (`--kubeconfig`, `--context`, `-n`). The one rule every command follows:
    ///
    /// - both sides are read with the same kubeconfig;
    /// - a side's context is its own flag, else `--context`;
    /// - a side's namespace is its own flag; else, for the local side, `-n`; for the remote
    ///   side, the local side's namespace when both are in the same context (their contexts,
    ///   so worked out, are equal), else none: the remote context's own namespace.
    ///
    /// What is left `None` is resolved as kubectl does: the current context, the context's
    /// namespace, then `default`.
    pub fn locate_link(&self, local: SideFlags, remote: SideFlags) -> (Location, Location) {
        let local = self.side(local, self.namespace.clone());
        let remote_context = remote.context.map(str::to_string).or(self.context.clone());
        let shared_namespace = (remote_context == local.context)
            .then(|| local.namespace.clone())
            .flatten();
        let remote = self.side(remote, shared_namespace);
        (local, remote)
    }

    /// Where the remote of a link is when the local cluster is where the global options say
    /// (`connect --remote`, `trust add --from`, a recorded CA source).
    pub fn remote(&self, remote: SideFlags) -> Location {
        self.locate_link(SideFlags::default(), remote).1
    }

    /// One side: its own flags, else `--context` and `namespace`.
    fn side(&self, own: SideFlags, namespace: Option<String>) -> Location {
        Location {
            kubeconfig: self.kubeconfig.clone(),
            context: own.context.map(str::to_string).or(self.context.clone()),
            namespace: own.namespace.map(str::to_string).or(namespace),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(context: Option<&str>, namespace: Option<&str>) -> Location {
        Location {
            kubeconfig: Some("kubeconfig".into()),
            context: context.map(str::to_string),
            namespace: namespace.map(str::to_string),
        }
    }

    fn flags<'a>(context: Option<&'a str>, namespace: Option<&'a str>) -> SideFlags<'a> {
        SideFlags { context, namespace }
    }

    #[test]
    fn without_flags_of_its_own_each_side_is_where_the_global_options_say() {
        let global = global(Some("a"), Some("ns-one"));
        let (local, remote) = global.locate_link(SideFlags::default(), SideFlags::default());
        assert_eq!(local, global);
        assert_eq!(remote, global);
    }

    #[test]
    fn a_side_s_own_flags_win() {
        let global = global(Some("a"), Some("ns-one"));
        let (local, remote) = global.locate_link(
            flags(Some("b"), Some("ns-local")),
            flags(Some("c"), Some("ns-remote")),
        );
        assert_eq!(local, self::global(Some("b"), Some("ns-local")));
        assert_eq!(remote, self::global(Some("c"), Some("ns-remote")));
    }

    #[test]
    fn in_the_same_context_the_remote_is_in_the_local_side_s_namespace() {
        let global = global(None, Some("ns-one"));
        let (_, remote) = global.locate_link(SideFlags::default(), SideFlags::default());
        assert_eq!(remote.namespace.as_deref(), Some("ns-one"));
        // setup's --local-namespace, not only -n, is the local side's namespace.
        let (_, remote) = global.locate_link(flags(None, Some("ns-local")), SideFlags::default());
        assert_eq!(remote.namespace.as_deref(), Some("ns-local"));
        // Naming the local side's context again is the same context.
        let global = self::global(Some("a"), Some("ns-one"));
        let (_, remote) = global.locate_link(SideFlags::default(), flags(Some("a"), None));
        assert_eq!(remote.namespace.as_deref(), Some("ns-one"));
    }

    #[test]
    fn in_another_context_the_remote_is_in_that_context_s_namespace() {
        let global = global(Some("a"), Some("ns-one"));
        let (_, remote) = global.locate_link(SideFlags::default(), flags(Some("b"), None));
        assert_eq!(remote, self::global(Some("b"), None));
        // setup's --local-context moves the local side away from the remote's --context.
        let (local, remote) = global.locate_link(flags(Some("b"), None), SideFlags::default());
        assert_eq!(local, self::global(Some("b"), Some("ns-one")));
        assert_eq!(remote, self::global(Some("a"), None));
    }
}
