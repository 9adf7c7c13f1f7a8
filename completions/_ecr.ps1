
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ecr' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ecr'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ecr' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('ca', 'ca', [CompletionResultType]::ParameterValue, 'Read a cluster''s transport CA (step 1 of the recipe)')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Trust a remote cluster''s transport CA, or stop trusting it (step 2 of the recipe)')
            [CompletionResult]::new('expose', 'expose', [CompletionResultType]::ParameterValue, 'Expose a cluster''s transport layer and print its address (step 3 of the recipe)')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect a remote cluster and prove the connection (step 4 of the recipe)')
            [CompletionResult]::new('disconnect', 'disconnect', [CompletionResultType]::ParameterValue, 'Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a cluster''s trust, exposure and remotes, and what needs attention')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Do the whole recipe between two clusters: trust, expose, connect, and prove the links')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Try ecr without a cluster: an emulated Kubernetes API with ECK and two clusters')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;ca' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('extract', 'extract', [CompletionResultType]::ParameterValue, 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;ca;extract' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the PEM to FILE instead of stdout')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;ca;help' {
            [CompletionResult]::new('extract', 'extract', [CompletionResultType]::ParameterValue, 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;ca;help;extract' {
            break
        }
        'ecr;ca;help;help' {
            break
        }
        'ecr;trust' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust a remote cluster''s transport CA in CLUSTER (step 2 of the recipe)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop trusting a remote''s CA: changes only the secret (or ConfigMap), never restarts')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;trust;add' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The ECK-managed remote cluster whose transport CA to trust')
            [CompletionResult]::new('--from-namespace', '--from-namespace', [CompletionResultType]::ParameterName, 'Namespace of REMOTE [default: CLUSTER''s namespace, or --from-context''s namespace]')
            [CompletionResult]::new('--from-context', '--from-context', [CompletionResultType]::ParameterName, 'Kube context of REMOTE, when it runs in another Kubernetes cluster [default: --context]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'The CA (PEM) of a cluster outside Kubernetes; needs --alias')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How the cluster is made to trust the CAs')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret (or, with --via config-map, the ConfigMap) holding the trusted CAs')
            [CompletionResult]::new('--mount-path', '--mount-path', [CompletionResultType]::ParameterName, 'Where the secret is mounted, under /usr/share/elasticsearch/config/')
            [CompletionResult]::new('--alias', '--alias', [CompletionResultType]::ParameterName, 'Name of this remote''s CA in the secret, usually its remote-cluster alias [default: REMOTE]')
            [CompletionResult]::new('--node-set', '--node-set', [CompletionResultType]::ParameterName, 'Only these nodeSets (repeatable) [default: every nodeSet]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--mutual', '--mutual', [CompletionResultType]::ParameterName, 'Also trust CLUSTER''s CA in REMOTE (REMOTE must be ECK-managed)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;trust;remove' {
            [CompletionResult]::new('--alias', '--alias', [CompletionResultType]::ParameterName, 'The remote''s CA to remove, by the name it was added under')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How the cluster is made to trust the CAs')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret (or, with --via config-map, the ConfigMap) holding the trusted CAs')
            [CompletionResult]::new('--mount-path', '--mount-path', [CompletionResultType]::ParameterName, 'Where the secret is mounted, under /usr/share/elasticsearch/config/')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;trust;sync' {
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'How CLUSTER trusts the CAs, to find its store')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The secret (or, with --via config-map, the ConfigMap) holding CLUSTER''s trusted CAs')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Refresh every store labelled app.kubernetes.io/managed-by=ecr, in every namespace you may list (those you may not are skipped with a warning)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Refresh every store labelled app.kubernetes.io/managed-by=ecr, in every namespace you may list (those you may not are skipped with a warning)')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Drop the replaced certificates now, rather than when they expire')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;trust;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust a remote cluster''s transport CA in CLUSTER (step 2 of the recipe)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop trusting a remote''s CA: changes only the secret (or ConfigMap), never restarts')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;trust;help;add' {
            break
        }
        'ecr;trust;help;remove' {
            break
        }
        'ecr;trust;help;sync' {
            break
        }
        'ecr;trust;help;help' {
            break
        }
        'ecr;expose' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'How to expose it')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'An annotation for the transport service (repeatable), e.g. for an internal load balancer: service.beta.kubernetes.io/aws-load-balancer-scheme=internal, networking.gke.io/load-balancer-type=Internal, service.beta.kubernetes.io/azure-load-balancer-internal=true')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the address, e.g. 90s or 5m')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Return once the change is made, without waiting for the address')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;connect' {
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Connect in proxy mode to ADDRESS (HOST or HOST:PORT, port 9300 by default, IPv6 as [ADDRESS]:PORT); without ADDRESS, to the address `ecr expose` reports for --remote')
            [CompletionResult]::new('--ref', '--ref', [CompletionResultType]::ParameterName, 'Connect through spec.remoteClusters to this ECK cluster of the same Kubernetes cluster')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'With --api-key and --proxy: PEM file of the CA that signed the certificate of the remote''s remote cluster server (a remote outside ECK)')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Index patterns the API key lets this cluster search on the remote (repeatable)')
            [CompletionResult]::new('--replication', '--replication', [CompletionResultType]::ParameterName, 'Index patterns the API key lets this cluster replicate from the remote (repeatable)')
            [CompletionResult]::new('--key-expiration', '--key-expiration', [CompletionResultType]::ParameterName, 'Lifetime of a new API key, as Elasticsearch reads it (e.g. 90d or 12h) [default: it never expires]; a key in place is kept until --rotate-key')
            [CompletionResult]::new('--remote-es-url', '--remote-es-url', [CompletionResultType]::ParameterName, 'Reach the remote''s Elasticsearch at this URL instead of through a port-forward (with --api-key, to make the key: as a user with a password, never an API key; for a remote outside ECK, from ES_USERNAME and ES_PASSWORD)')
            [CompletionResult]::new('--remote-es-ca-file', '--remote-es-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA of the remote''s HTTP certificate, with --remote-es-url [default: the system''s trusted roots, or ECK''s for an ECK remote]')
            [CompletionResult]::new('--roll-timeout', '--roll-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each cluster''s rolling restart (--api-key), e.g. 30m or 3h')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'The remote ECK cluster whose exposed address --proxy connects to')
            [CompletionResult]::new('--remote-namespace', '--remote-namespace', [CompletionResultType]::ParameterName, 'Namespace of the remote [default: the namespace of CLUSTER, or --remote-context''s]')
            [CompletionResult]::new('--remote-context', '--remote-context', [CompletionResultType]::ParameterName, 'Kube context of the remote [default: --context]')
            [CompletionResult]::new('--alias', '--alias', [CompletionResultType]::ParameterName, 'The remote''s alias in this cluster [default: the remote''s name]')
            [CompletionResult]::new('--server-name', '--server-name', [CompletionResultType]::ParameterName, 'TLS server name (SNI) to send, for a proxy or ingress that routes by it; a cluster that checks host names (verification_mode: full) checks it against the remote''s certificate before the proxy address''s host')
            [CompletionResult]::new('--skip-unavailable', '--skip-unavailable', [CompletionResultType]::ParameterName, 'Let searches skip this remote when it is unavailable (true when given without a value)')
            [CompletionResult]::new('--proxy-socket-connections', '--proxy-socket-connections', [CompletionResultType]::ParameterName, 'How many sockets to open to the proxy [Elasticsearch''s default: 18]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the connection, e.g. 60s or 5m (a CA just added to a mounted secret reaches the nodes in about a minute)')
            [CompletionResult]::new('--es-url', '--es-url', [CompletionResultType]::ParameterName, 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster''s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster''s spec.http.tls says, verified against the HTTP service''s name CLUSTER-es-http.NS.svc, or a name the user''s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes')
            [CompletionResult]::new('--es-ca-file', '--es-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA(s) that signed Elasticsearch''s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user''s own certificate may come without one: then the system''s trusted roots); with --es-url alone, the system''s trusted roots]')
            [CompletionResult]::new('--es-client-cert', '--es-client-cert', [CompletionResultType]::ParameterName, 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key')
            [CompletionResult]::new('--es-client-key', '--es-client-key', [CompletionResultType]::ParameterName, 'PEM file of the private key of --es-client-cert')
            [CompletionResult]::new('--es-client-cert-secret', '--es-client-cert-secret', [CompletionResultType]::ParameterName, 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Connect through a cross-cluster API key (Elasticsearch 8.14+, enterprise or trial license on both sides) to the ECK cluster --remote: its remote cluster server is turned on and exposed (port 9443, one rolling restart of the remote), a key with the access of --search and --replication is made there and put in this cluster''s keystore, with the remote''s CA trusted by the remote cluster client only (one rolling restart of this cluster); then the settings, and the proof')
            [CompletionResult]::new('--rotate-key', '--rotate-key', [CompletionResultType]::ParameterName, 'Make a new API key even if the one in place works: the new key is installed and the link proven before the old one is invalidated')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Do not wait for the connection to be proven')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify Elasticsearch''s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;disconnect' {
            [CompletionResult]::new('--alias', '--alias', [CompletionResultType]::ParameterName, 'The remote''s alias')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'The remote ECK cluster of an API-key link: the keys ecr made for the link are invalidated there')
            [CompletionResult]::new('--remote-namespace', '--remote-namespace', [CompletionResultType]::ParameterName, 'Namespace of the remote [default: the namespace of CLUSTER, or --remote-context''s]')
            [CompletionResult]::new('--remote-context', '--remote-context', [CompletionResultType]::ParameterName, 'Kube context of the remote [default: --context]')
            [CompletionResult]::new('--remote-es-url', '--remote-es-url', [CompletionResultType]::ParameterName, 'Reach the remote''s Elasticsearch at this URL instead of through a port-forward; without --remote, the remote of an API-key link outside ECK, as a user of ES_USERNAME and ES_PASSWORD: the keys ecr made for the link are invalidated there')
            [CompletionResult]::new('--remote-es-ca-file', '--remote-es-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA of the remote''s HTTP certificate, with --remote-es-url [default: the system''s trusted roots, or ECK''s for an ECK remote]')
            [CompletionResult]::new('--es-url', '--es-url', [CompletionResultType]::ParameterName, 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster''s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster''s spec.http.tls says, verified against the HTTP service''s name CLUSTER-es-http.NS.svc, or a name the user''s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes')
            [CompletionResult]::new('--es-ca-file', '--es-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA(s) that signed Elasticsearch''s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user''s own certificate may come without one: then the system''s trusted roots); with --es-url alone, the system''s trusted roots]')
            [CompletionResult]::new('--es-client-cert', '--es-client-cert', [CompletionResultType]::ParameterName, 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key')
            [CompletionResult]::new('--es-client-key', '--es-client-key', [CompletionResultType]::ParameterName, 'PEM file of the private key of --es-client-cert')
            [CompletionResult]::new('--es-client-cert-secret', '--es-client-cert-secret', [CompletionResultType]::ParameterName, 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--ref', '--ref', [CompletionResultType]::ParameterName, 'Remove the spec.remoteClusters entry instead of the settings')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify Elasticsearch''s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;status' {
            [CompletionResult]::new('--es-url', '--es-url', [CompletionResultType]::ParameterName, 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster''s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster''s spec.http.tls says, verified against the HTTP service''s name CLUSTER-es-http.NS.svc, or a name the user''s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes')
            [CompletionResult]::new('--es-ca-file', '--es-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA(s) that signed Elasticsearch''s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user''s own certificate may come without one: then the system''s trusted roots); with --es-url alone, the system''s trusted roots]')
            [CompletionResult]::new('--es-client-cert', '--es-client-cert', [CompletionResultType]::ParameterName, 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key')
            [CompletionResult]::new('--es-client-key', '--es-client-key', [CompletionResultType]::ParameterName, 'PEM file of the private key of --es-client-cert')
            [CompletionResult]::new('--es-client-cert-secret', '--es-client-cert-secret', [CompletionResultType]::ParameterName, 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify Elasticsearch''s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;setup' {
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'The cluster that connects to the remote [on a terminal: chosen from those ecr finds]')
            [CompletionResult]::new('--local-namespace', '--local-namespace', [CompletionResultType]::ParameterName, 'Namespace of the local cluster [default: -n, then the context''s]')
            [CompletionResult]::new('--local-context', '--local-context', [CompletionResultType]::ParameterName, 'Kube context of the local cluster [default: --context]')
            [CompletionResult]::new('--local-es-url', '--local-es-url', [CompletionResultType]::ParameterName, 'Reach the local Elasticsearch at this URL instead of through a port-forward')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'The remote cluster [on a terminal: chosen from those ecr finds]')
            [CompletionResult]::new('--remote-namespace', '--remote-namespace', [CompletionResultType]::ParameterName, 'Namespace of the remote cluster [default: the local one''s in the same context]')
            [CompletionResult]::new('--remote-context', '--remote-context', [CompletionResultType]::ParameterName, 'Kube context of the remote cluster [default: --context]')
            [CompletionResult]::new('--remote-es-url', '--remote-es-url', [CompletionResultType]::ParameterName, 'Reach the remote Elasticsearch at this URL instead of through a port-forward')
            [CompletionResult]::new('--local-es-client-cert', '--local-es-client-cert', [CompletionResultType]::ParameterName, 'PEM file of the client certificate (leaf first, then its chain) to show the local Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --local-es-client-key')
            [CompletionResult]::new('--local-es-client-key', '--local-es-client-key', [CompletionResultType]::ParameterName, 'PEM file of the private key of --local-es-client-cert')
            [CompletionResult]::new('--local-es-client-cert-secret', '--local-es-client-cert-secret', [CompletionResultType]::ParameterName, 'Secret with the local side''s client certificate (tls.crt) and its key (tls.key), in the local cluster''s namespace, instead of --local-es-client-cert and --local-es-client-key')
            [CompletionResult]::new('--remote-es-client-cert', '--remote-es-client-cert', [CompletionResultType]::ParameterName, 'PEM file of the client certificate to show the remote Elasticsearch when it requires one; needs --remote-es-client-key')
            [CompletionResult]::new('--remote-es-client-key', '--remote-es-client-key', [CompletionResultType]::ParameterName, 'PEM file of the private key of --remote-es-client-cert')
            [CompletionResult]::new('--remote-es-client-cert-secret', '--remote-es-client-cert-secret', [CompletionResultType]::ParameterName, 'Secret with the remote side''s client certificate (tls.crt) and its key (tls.key), in the remote cluster''s namespace, instead of --remote-es-client-cert and --remote-es-client-key')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'With --api-key: index patterns each cluster may search on the other (repeatable)')
            [CompletionResult]::new('--replication', '--replication', [CompletionResultType]::ParameterName, 'With --api-key: index patterns each cluster may replicate from the other (repeatable)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each load balancer and each connection, e.g. 90s or 5m')
            [CompletionResult]::new('--roll-timeout', '--roll-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each cluster''s rolling restart after a first trust (ECK restarts one pod at a time, waiting for green: minutes per pod), e.g. 30m or 3h')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--one-way', '--one-way', [CompletionResultType]::ParameterName, 'Only the local cluster connects to the remote')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'Link by cross-cluster API keys (Elasticsearch 8.14+, enterprise or trial license on both), as ecr connect --api-key does for each direction, instead of trusting transport CAs: each cluster rolls once, for all it needs')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;sandbox' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the recipe against a fresh sandbox, showing each command and its result')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;sandbox;up' {
            [CompletionResult]::new('--kubeconfig-out', '--kubeconfig-out', [CompletionResultType]::ParameterName, 'Where to write the kubeconfig [default: ecr-sandbox/kubeconfig in the temp directory]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;sandbox;demo' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;sandbox;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the recipe against a fresh sandbox, showing each command and its result')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;sandbox;help;up' {
            break
        }
        'ecr;sandbox;help;demo' {
            break
        }
        'ecr;sandbox;help;help' {
            break
        }
        'ecr;completions' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use [default: the current context]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the cluster [default: the context''s namespace, then "default"]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: text for people, json (stable and complete) for scripts')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply changes without asking for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results and errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ecr;help' {
            [CompletionResult]::new('ca', 'ca', [CompletionResultType]::ParameterValue, 'Read a cluster''s transport CA (step 1 of the recipe)')
            [CompletionResult]::new('trust', 'trust', [CompletionResultType]::ParameterValue, 'Trust a remote cluster''s transport CA, or stop trusting it (step 2 of the recipe)')
            [CompletionResult]::new('expose', 'expose', [CompletionResultType]::ParameterValue, 'Expose a cluster''s transport layer and print its address (step 3 of the recipe)')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect a remote cluster and prove the connection (step 4 of the recipe)')
            [CompletionResult]::new('disconnect', 'disconnect', [CompletionResultType]::ParameterValue, 'Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a cluster''s trust, exposure and remotes, and what needs attention')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Do the whole recipe between two clusters: trust, expose, connect, and prove the links')
            [CompletionResult]::new('sandbox', 'sandbox', [CompletionResultType]::ParameterValue, 'Try ecr without a cluster: an emulated Kubernetes API with ECK and two clusters')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions for bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecr;help;ca' {
            [CompletionResult]::new('extract', 'extract', [CompletionResultType]::ParameterValue, 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)')
            break
        }
        'ecr;help;ca;extract' {
            break
        }
        'ecr;help;trust' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Trust a remote cluster''s transport CA in CLUSTER (step 2 of the recipe)')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Stop trusting a remote''s CA: changes only the secret (or ConfigMap), never restarts')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store')
            break
        }
        'ecr;help;trust;add' {
            break
        }
        'ecr;help;trust;remove' {
            break
        }
        'ecr;help;trust;sync' {
            break
        }
        'ecr;help;expose' {
            break
        }
        'ecr;help;connect' {
            break
        }
        'ecr;help;disconnect' {
            break
        }
        'ecr;help;status' {
            break
        }
        'ecr;help;setup' {
            break
        }
        'ecr;help;sandbox' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the recipe against a fresh sandbox, showing each command and its result')
            break
        }
        'ecr;help;sandbox;up' {
            break
        }
        'ecr;help;sandbox;demo' {
            break
        }
        'ecr;help;completions' {
            break
        }
        'ecr;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
