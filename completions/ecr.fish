# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ecr_global_optspecs
    string join \n kubeconfig= context= n/namespace= o/output= y/yes dry-run v/verbose q/quiet h/help V/version
end

function __fish_ecr_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ecr_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ecr_using_subcommand
    set -l cmd (__fish_ecr_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ecr -n "__fish_ecr_needs_command" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_needs_command" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_needs_command" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_needs_command" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_needs_command" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_needs_command" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_needs_command" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_needs_command" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecr -n "__fish_ecr_needs_command" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "ca" -d 'Read a cluster\'s transport CA (step 1 of the recipe)'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "trust" -d 'Trust a remote cluster\'s transport CA, or stop trusting it (step 2 of the recipe)'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "expose" -d 'Expose a cluster\'s transport layer and print its address (step 3 of the recipe)'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "connect" -d 'Connect a remote cluster and prove the connection (step 4 of the recipe)'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "disconnect" -d 'Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "status" -d 'Show a cluster\'s trust, exposure and remotes, and what needs attention'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "setup" -d 'Do the whole recipe between two clusters: trust, expose, connect, and prove the links'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "sandbox" -d 'Try ecr without a cluster: an emulated Kubernetes API with ECK and two clusters'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "completions" -d 'Print shell completions for bash, zsh, fish, powershell or elvish'
complete -c ecr -n "__fish_ecr_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -f -a "extract" -d 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and not __fish_seen_subcommand_from extract help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -l out -d 'Write the PEM to FILE instead of stdout' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from extract" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from help" -f -a "extract" -d 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)'
complete -c ecr -n "__fish_ecr_using_subcommand ca; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -f -a "add" -d 'Trust a remote cluster\'s transport CA in CLUSTER (step 2 of the recipe)'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -f -a "remove" -d 'Stop trusting a remote\'s CA: changes only the secret (or ConfigMap), never restarts'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -f -a "sync" -d 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and not __fish_seen_subcommand_from add remove sync help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l from -d 'The ECK-managed remote cluster whose transport CA to trust' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l from-namespace -d 'Namespace of REMOTE [default: CLUSTER\'s namespace, or --from-context\'s namespace]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l from-context -d 'Kube context of REMOTE, when it runs in another Kubernetes cluster [default: --context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l ca-file -d 'The CA (PEM) of a cluster outside Kubernetes; needs --alias' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l via -d 'How the cluster is made to trust the CAs' -r -f -a "secret-mount\t'A secret mounted into every selected nodeSet, listed in certificate_authorities (ECK\'s documented recipe; the first time rolls the pods)'
config-map\t'A ConfigMap named in spec.transport.tls.certificateAuthorities (ECK 2.8+; no restart ever)'"
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l secret -d 'The secret (or, with --via config-map, the ConfigMap) holding the trusted CAs' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l mount-path -d 'Where the secret is mounted, under /usr/share/elasticsearch/config/' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l alias -d 'Name of this remote\'s CA in the secret, usually its remote-cluster alias [default: REMOTE]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l node-set -d 'Only these nodeSets (repeatable) [default: every nodeSet]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l mutual -d 'Also trust CLUSTER\'s CA in REMOTE (REMOTE must be ECK-managed)'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -l alias -d 'The remote\'s CA to remove, by the name it was added under' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -l via -d 'How the cluster is made to trust the CAs' -r -f -a "secret-mount\t'A secret mounted into every selected nodeSet, listed in certificate_authorities (ECK\'s documented recipe; the first time rolls the pods)'
config-map\t'A ConfigMap named in spec.transport.tls.certificateAuthorities (ECK 2.8+; no restart ever)'"
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -l secret -d 'The secret (or, with --via config-map, the ConfigMap) holding the trusted CAs' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -l mount-path -d 'Where the secret is mounted, under /usr/share/elasticsearch/config/' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -l via -d 'How CLUSTER trusts the CAs, to find its store' -r -f -a "secret-mount\t'A secret mounted into every selected nodeSet, listed in certificate_authorities (ECK\'s documented recipe; the first time rolls the pods)'
config-map\t'A ConfigMap named in spec.transport.tls.certificateAuthorities (ECK 2.8+; no restart ever)'"
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -l secret -d 'The secret (or, with --via config-map, the ConfigMap) holding CLUSTER\'s trusted CAs' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s A -l all-namespaces -d 'Refresh every store labelled app.kubernetes.io/managed-by=ecr, in every namespace you may list (those you may not are skipped with a warning)'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -l prune -d 'Drop the replaced certificates now, rather than when they expire'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from sync" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "add" -d 'Trust a remote cluster\'s transport CA in CLUSTER (step 2 of the recipe)'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Stop trusting a remote\'s CA: changes only the secret (or ConfigMap), never restarts'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "sync" -d 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store'
complete -c ecr -n "__fish_ecr_using_subcommand trust; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand expose" -l type -d 'How to expose it' -r -f -a "LoadBalancer\t'A cloud (or MetalLB) load balancer with its own address'
NodePort\t'A port on every node of the Kubernetes cluster'"
complete -c ecr -n "__fish_ecr_using_subcommand expose" -l annotation -d 'An annotation for the transport service (repeatable), e.g. for an internal load balancer: service.beta.kubernetes.io/aws-load-balancer-scheme=internal, networking.gke.io/load-balancer-type=Internal, service.beta.kubernetes.io/azure-load-balancer-internal=true' -r
complete -c ecr -n "__fish_ecr_using_subcommand expose" -l timeout -d 'How long to wait for the address, e.g. 90s or 5m' -r
complete -c ecr -n "__fish_ecr_using_subcommand expose" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand expose" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand expose" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand expose" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand expose" -l no-wait -d 'Return once the change is made, without waiting for the address'
complete -c ecr -n "__fish_ecr_using_subcommand expose" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand expose" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand expose" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand expose" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand expose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecr -n "__fish_ecr_using_subcommand expose" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l proxy -d 'Connect in proxy mode to ADDRESS (HOST or HOST:PORT, port 9300 by default, IPv6 as [ADDRESS]:PORT); without ADDRESS, to the address `ecr expose` reports for --remote' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l ref -d 'Connect through spec.remoteClusters to this ECK cluster of the same Kubernetes cluster' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l ca-file -d 'With --api-key and --proxy: PEM file of the CA that signed the certificate of the remote\'s remote cluster server (a remote outside ECK)' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l search -d 'Index patterns the API key lets this cluster search on the remote (repeatable)' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l replication -d 'Index patterns the API key lets this cluster replicate from the remote (repeatable)' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l key-expiration -d 'Lifetime of a new API key, as Elasticsearch reads it (e.g. 90d or 12h) [default: it never expires]; a key in place is kept until --rotate-key' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l remote-es-url -d 'Reach the remote\'s Elasticsearch at this URL instead of through a port-forward (with --api-key, to make the key: as a user with a password, never an API key; for a remote outside ECK, from ES_USERNAME and ES_PASSWORD)' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l remote-es-ca-file -d 'PEM file of the CA of the remote\'s HTTP certificate, with --remote-es-url [default: the system\'s trusted roots, or ECK\'s for an ECK remote]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l roll-timeout -d 'How long to wait for each cluster\'s rolling restart (--api-key), e.g. 30m or 3h' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l remote -d 'The remote ECK cluster whose exposed address --proxy connects to' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l remote-namespace -d 'Namespace of the remote [default: the namespace of CLUSTER, or --remote-context\'s]' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l remote-context -d 'Kube context of the remote [default: --context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l alias -d 'The remote\'s alias in this cluster [default: the remote\'s name]' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l server-name -d 'TLS server name (SNI) to send, for a proxy or ingress that routes by it; a cluster that checks host names (verification_mode: full) checks it against the remote\'s certificate before the proxy address\'s host' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l skip-unavailable -d 'Let searches skip this remote when it is unavailable (true when given without a value)' -r -f -a "true\t''
false\t''"
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l proxy-socket-connections -d 'How many sockets to open to the proxy [Elasticsearch\'s default: 18]' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l timeout -d 'How long to wait for the connection, e.g. 60s or 5m (a CA just added to a mounted secret reaches the nodes in about a minute)' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l es-url -d 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster\'s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster\'s spec.http.tls says, verified against the HTTP service\'s name CLUSTER-es-http.NS.svc, or a name the user\'s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l es-ca-file -d 'PEM file of the CA(s) that signed Elasticsearch\'s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user\'s own certificate may come without one: then the system\'s trusted roots); with --es-url alone, the system\'s trusted roots]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l es-client-cert -d 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l es-client-key -d 'PEM file of the private key of --es-client-cert' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l es-client-cert-secret -d 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand connect" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l api-key -d 'Connect through a cross-cluster API key (Elasticsearch 8.14+, enterprise or trial license on both sides) to the ECK cluster --remote: its remote cluster server is turned on and exposed (port 9443, one rolling restart of the remote), a key with the access of --search and --replication is made there and put in this cluster\'s keystore, with the remote\'s CA trusted by the remote cluster client only (one rolling restart of this cluster); then the settings, and the proof'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l rotate-key -d 'Make a new API key even if the one in place works: the new key is installed and the link proven before the old one is invalidated'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l no-verify -d 'Do not wait for the connection to be proven'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l insecure -d 'Do not verify Elasticsearch\'s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand connect" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l alias -d 'The remote\'s alias' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l remote -d 'The remote ECK cluster of an API-key link: the keys ecr made for the link are invalidated there' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l remote-namespace -d 'Namespace of the remote [default: the namespace of CLUSTER, or --remote-context\'s]' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l remote-context -d 'Kube context of the remote [default: --context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l remote-es-url -d 'Reach the remote\'s Elasticsearch at this URL instead of through a port-forward; without --remote, the remote of an API-key link outside ECK, as a user of ES_USERNAME and ES_PASSWORD: the keys ecr made for the link are invalidated there' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l remote-es-ca-file -d 'PEM file of the CA of the remote\'s HTTP certificate, with --remote-es-url [default: the system\'s trusted roots, or ECK\'s for an ECK remote]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l es-url -d 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster\'s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster\'s spec.http.tls says, verified against the HTTP service\'s name CLUSTER-es-http.NS.svc, or a name the user\'s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l es-ca-file -d 'PEM file of the CA(s) that signed Elasticsearch\'s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user\'s own certificate may come without one: then the system\'s trusted roots); with --es-url alone, the system\'s trusted roots]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l es-client-cert -d 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l es-client-key -d 'PEM file of the private key of --es-client-cert' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l es-client-cert-secret -d 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l ref -d 'Remove the spec.remoteClusters entry instead of the settings'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l insecure -d 'Do not verify Elasticsearch\'s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand disconnect" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand status" -l es-url -d 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster\'s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster\'s spec.http.tls says, verified against the HTTP service\'s name CLUSTER-es-http.NS.svc, or a name the user\'s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes' -r
complete -c ecr -n "__fish_ecr_using_subcommand status" -l es-ca-file -d 'PEM file of the CA(s) that signed Elasticsearch\'s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user\'s own certificate may come without one: then the system\'s trusted roots); with --es-url alone, the system\'s trusted roots]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand status" -l es-client-cert -d 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand status" -l es-client-key -d 'PEM file of the private key of --es-client-cert' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand status" -l es-client-cert-secret -d 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key' -r
complete -c ecr -n "__fish_ecr_using_subcommand status" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand status" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand status" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand status" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand status" -l insecure -d 'Do not verify Elasticsearch\'s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes'
complete -c ecr -n "__fish_ecr_using_subcommand status" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand status" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand status" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand status" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand status" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand status" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l local -d 'The cluster that connects to the remote [on a terminal: chosen from those ecr finds]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l local-namespace -d 'Namespace of the local cluster [default: -n, then the context\'s]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l local-context -d 'Kube context of the local cluster [default: --context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l local-es-url -d 'Reach the local Elasticsearch at this URL instead of through a port-forward' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l remote -d 'The remote cluster [on a terminal: chosen from those ecr finds]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l remote-namespace -d 'Namespace of the remote cluster [default: the local one\'s in the same context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l remote-context -d 'Kube context of the remote cluster [default: --context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l remote-es-url -d 'Reach the remote Elasticsearch at this URL instead of through a port-forward' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l local-es-client-cert -d 'PEM file of the client certificate (leaf first, then its chain) to show the local Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --local-es-client-key' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l local-es-client-key -d 'PEM file of the private key of --local-es-client-cert' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l local-es-client-cert-secret -d 'Secret with the local side\'s client certificate (tls.crt) and its key (tls.key), in the local cluster\'s namespace, instead of --local-es-client-cert and --local-es-client-key' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l remote-es-client-cert -d 'PEM file of the client certificate to show the remote Elasticsearch when it requires one; needs --remote-es-client-key' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l remote-es-client-key -d 'PEM file of the private key of --remote-es-client-cert' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l remote-es-client-cert-secret -d 'Secret with the remote side\'s client certificate (tls.crt) and its key (tls.key), in the remote cluster\'s namespace, instead of --remote-es-client-cert and --remote-es-client-key' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l search -d 'With --api-key: index patterns each cluster may search on the other (repeatable)' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l replication -d 'With --api-key: index patterns each cluster may replicate from the other (repeatable)' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l timeout -d 'How long to wait for each load balancer and each connection, e.g. 90s or 5m' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l roll-timeout -d 'How long to wait for each cluster\'s rolling restart after a first trust (ECK restarts one pod at a time, waiting for green: minutes per pod), e.g. 30m or 3h' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand setup" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l one-way -d 'Only the local cluster connects to the remote'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l api-key -d 'Link by cross-cluster API keys (Elasticsearch 8.14+, enterprise or trial license on both), as ecr connect --api-key does for each direction, instead of trusting transport CAs: each cluster rolls once, for all it needs'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand setup" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -f -a "up" -d 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -f -a "demo" -d 'Run the recipe against a fresh sandbox, showing each command and its result'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and not __fish_seen_subcommand_from up demo help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -l kubeconfig-out -d 'Where to write the kubeconfig [default: ecr-sandbox/kubeconfig in the temp directory]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from up" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from demo" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "up" -d 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "demo" -d 'Run the recipe against a fresh sandbox, showing each command and its result'
complete -c ecr -n "__fish_ecr_using_subcommand sandbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand completions" -l kubeconfig -d 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod\'s service account]' -r -F
complete -c ecr -n "__fish_ecr_using_subcommand completions" -l context -d 'Kubeconfig context to use [default: the current context]' -r
complete -c ecr -n "__fish_ecr_using_subcommand completions" -s n -l namespace -d 'Namespace of the cluster [default: the context\'s namespace, then "default"]' -r
complete -c ecr -n "__fish_ecr_using_subcommand completions" -s o -l output -d 'Output format: text for people, json (stable and complete) for scripts' -r -f -a "text\t''
json\t''"
complete -c ecr -n "__fish_ecr_using_subcommand completions" -s y -l yes -d 'Apply changes without asking for confirmation'
complete -c ecr -n "__fish_ecr_using_subcommand completions" -l dry-run -d 'Show what would change, and change nothing'
complete -c ecr -n "__fish_ecr_using_subcommand completions" -s v -l verbose -d 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
complete -c ecr -n "__fish_ecr_using_subcommand completions" -s q -l quiet -d 'Print only results and errors'
complete -c ecr -n "__fish_ecr_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ecr -n "__fish_ecr_using_subcommand completions" -s V -l version -d 'Print version'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "ca" -d 'Read a cluster\'s transport CA (step 1 of the recipe)'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "trust" -d 'Trust a remote cluster\'s transport CA, or stop trusting it (step 2 of the recipe)'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "expose" -d 'Expose a cluster\'s transport layer and print its address (step 3 of the recipe)'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "connect" -d 'Connect a remote cluster and prove the connection (step 4 of the recipe)'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "disconnect" -d 'Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "status" -d 'Show a cluster\'s trust, exposure and remotes, and what needs attention'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "setup" -d 'Do the whole recipe between two clusters: trust, expose, connect, and prove the links'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "sandbox" -d 'Try ecr without a cluster: an emulated Kubernetes API with ECK and two clusters'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "completions" -d 'Print shell completions for bash, zsh, fish, powershell or elvish'
complete -c ecr -n "__fish_ecr_using_subcommand help; and not __fish_seen_subcommand_from ca trust expose connect disconnect status setup sandbox completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecr -n "__fish_ecr_using_subcommand help; and __fish_seen_subcommand_from ca" -f -a "extract" -d 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)'
complete -c ecr -n "__fish_ecr_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "add" -d 'Trust a remote cluster\'s transport CA in CLUSTER (step 2 of the recipe)'
complete -c ecr -n "__fish_ecr_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "remove" -d 'Stop trusting a remote\'s CA: changes only the secret (or ConfigMap), never restarts'
complete -c ecr -n "__fish_ecr_using_subcommand help; and __fish_seen_subcommand_from trust" -f -a "sync" -d 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store'
complete -c ecr -n "__fish_ecr_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "up" -d 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it'
complete -c ecr -n "__fish_ecr_using_subcommand help; and __fish_seen_subcommand_from sandbox" -f -a "demo" -d 'Run the recipe against a fresh sandbox, showing each command and its result'
