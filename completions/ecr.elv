
use builtin;
use str;

set edit:completion:arg-completer[ecr] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ecr'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ecr'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand ca 'Read a cluster''s transport CA (step 1 of the recipe)'
            cand trust 'Trust a remote cluster''s transport CA, or stop trusting it (step 2 of the recipe)'
            cand expose 'Expose a cluster''s transport layer and print its address (step 3 of the recipe)'
            cand connect 'Connect a remote cluster and prove the connection (step 4 of the recipe)'
            cand disconnect 'Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry'
            cand status 'Show a cluster''s trust, exposure and remotes, and what needs attention'
            cand setup 'Do the whole recipe between two clusters: trust, expose, connect, and prove the links'
            cand sandbox 'Try ecr without a cluster: an emulated Kubernetes API with ECK and two clusters'
            cand completions 'Print shell completions for bash, zsh, fish, powershell or elvish'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;ca'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand extract 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;ca;extract'= {
            cand --out 'Write the PEM to FILE instead of stdout'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;ca;help'= {
            cand extract 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;ca;help;extract'= {
        }
        &'ecr;ca;help;help'= {
        }
        &'ecr;trust'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Trust a remote cluster''s transport CA in CLUSTER (step 2 of the recipe)'
            cand remove 'Stop trusting a remote''s CA: changes only the secret (or ConfigMap), never restarts'
            cand sync 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;trust;add'= {
            cand --from 'The ECK-managed remote cluster whose transport CA to trust'
            cand --from-namespace 'Namespace of REMOTE [default: CLUSTER''s namespace, or --from-context''s namespace]'
            cand --from-context 'Kube context of REMOTE, when it runs in another Kubernetes cluster [default: --context]'
            cand --ca-file 'The CA (PEM) of a cluster outside Kubernetes; needs --alias'
            cand --via 'How the cluster is made to trust the CAs'
            cand --secret 'The secret (or, with --via config-map, the ConfigMap) holding the trusted CAs'
            cand --mount-path 'Where the secret is mounted, under /usr/share/elasticsearch/config/'
            cand --alias 'Name of this remote''s CA in the secret, usually its remote-cluster alias [default: REMOTE]'
            cand --node-set 'Only these nodeSets (repeatable) [default: every nodeSet]'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand --mutual 'Also trust CLUSTER''s CA in REMOTE (REMOTE must be ECK-managed)'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;trust;remove'= {
            cand --alias 'The remote''s CA to remove, by the name it was added under'
            cand --via 'How the cluster is made to trust the CAs'
            cand --secret 'The secret (or, with --via config-map, the ConfigMap) holding the trusted CAs'
            cand --mount-path 'Where the secret is mounted, under /usr/share/elasticsearch/config/'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;trust;sync'= {
            cand --via 'How CLUSTER trusts the CAs, to find its store'
            cand --secret 'The secret (or, with --via config-map, the ConfigMap) holding CLUSTER''s trusted CAs'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -A 'Refresh every store labelled app.kubernetes.io/managed-by=ecr, in every namespace you may list (those you may not are skipped with a warning)'
            cand --all-namespaces 'Refresh every store labelled app.kubernetes.io/managed-by=ecr, in every namespace you may list (those you may not are skipped with a warning)'
            cand --prune 'Drop the replaced certificates now, rather than when they expire'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;trust;help'= {
            cand add 'Trust a remote cluster''s transport CA in CLUSTER (step 2 of the recipe)'
            cand remove 'Stop trusting a remote''s CA: changes only the secret (or ConfigMap), never restarts'
            cand sync 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;trust;help;add'= {
        }
        &'ecr;trust;help;remove'= {
        }
        &'ecr;trust;help;sync'= {
        }
        &'ecr;trust;help;help'= {
        }
        &'ecr;expose'= {
            cand --type 'How to expose it'
            cand --annotation 'An annotation for the transport service (repeatable), e.g. for an internal load balancer: service.beta.kubernetes.io/aws-load-balancer-scheme=internal, networking.gke.io/load-balancer-type=Internal, service.beta.kubernetes.io/azure-load-balancer-internal=true'
            cand --timeout 'How long to wait for the address, e.g. 90s or 5m'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand --no-wait 'Return once the change is made, without waiting for the address'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;connect'= {
            cand --proxy 'Connect in proxy mode to ADDRESS (HOST or HOST:PORT, port 9300 by default, IPv6 as [ADDRESS]:PORT); without ADDRESS, to the address `ecr expose` reports for --remote'
            cand --ref 'Connect through spec.remoteClusters to this ECK cluster of the same Kubernetes cluster'
            cand --ca-file 'With --api-key and --proxy: PEM file of the CA that signed the certificate of the remote''s remote cluster server (a remote outside ECK)'
            cand --search 'Index patterns the API key lets this cluster search on the remote (repeatable)'
            cand --replication 'Index patterns the API key lets this cluster replicate from the remote (repeatable)'
            cand --key-expiration 'Lifetime of a new API key, as Elasticsearch reads it (e.g. 90d or 12h) [default: it never expires]; a key in place is kept until --rotate-key'
            cand --remote-es-url 'Reach the remote''s Elasticsearch at this URL instead of through a port-forward (with --api-key, to make the key: as a user with a password, never an API key; for a remote outside ECK, from ES_USERNAME and ES_PASSWORD)'
            cand --remote-es-ca-file 'PEM file of the CA of the remote''s HTTP certificate, with --remote-es-url [default: the system''s trusted roots, or ECK''s for an ECK remote]'
            cand --roll-timeout 'How long to wait for each cluster''s rolling restart (--api-key), e.g. 30m or 3h'
            cand --remote 'The remote ECK cluster whose exposed address --proxy connects to'
            cand --remote-namespace 'Namespace of the remote [default: the namespace of CLUSTER, or --remote-context''s]'
            cand --remote-context 'Kube context of the remote [default: --context]'
            cand --alias 'The remote''s alias in this cluster [default: the remote''s name]'
            cand --server-name 'TLS server name (SNI) to send, for a proxy or ingress that routes by it; a cluster that checks host names (verification_mode: full) checks it against the remote''s certificate before the proxy address''s host'
            cand --skip-unavailable 'Let searches skip this remote when it is unavailable (true when given without a value)'
            cand --proxy-socket-connections 'How many sockets to open to the proxy [Elasticsearch''s default: 18]'
            cand --timeout 'How long to wait for the connection, e.g. 60s or 5m (a CA just added to a mounted secret reaches the nodes in about a minute)'
            cand --es-url 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster''s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster''s spec.http.tls says, verified against the HTTP service''s name CLUSTER-es-http.NS.svc, or a name the user''s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes'
            cand --es-ca-file 'PEM file of the CA(s) that signed Elasticsearch''s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user''s own certificate may come without one: then the system''s trusted roots); with --es-url alone, the system''s trusted roots]'
            cand --es-client-cert 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key'
            cand --es-client-key 'PEM file of the private key of --es-client-cert'
            cand --es-client-cert-secret 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand --api-key 'Connect through a cross-cluster API key (Elasticsearch 8.14+, enterprise or trial license on both sides) to the ECK cluster --remote: its remote cluster server is turned on and exposed (port 9443, one rolling restart of the remote), a key with the access of --search and --replication is made there and put in this cluster''s keystore, with the remote''s CA trusted by the remote cluster client only (one rolling restart of this cluster); then the settings, and the proof'
            cand --rotate-key 'Make a new API key even if the one in place works: the new key is installed and the link proven before the old one is invalidated'
            cand --no-verify 'Do not wait for the connection to be proven'
            cand --insecure 'Do not verify Elasticsearch''s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;disconnect'= {
            cand --alias 'The remote''s alias'
            cand --remote 'The remote ECK cluster of an API-key link: the keys ecr made for the link are invalidated there'
            cand --remote-namespace 'Namespace of the remote [default: the namespace of CLUSTER, or --remote-context''s]'
            cand --remote-context 'Kube context of the remote [default: --context]'
            cand --remote-es-url 'Reach the remote''s Elasticsearch at this URL instead of through a port-forward; without --remote, the remote of an API-key link outside ECK, as a user of ES_USERNAME and ES_PASSWORD: the keys ecr made for the link are invalidated there'
            cand --remote-es-ca-file 'PEM file of the CA of the remote''s HTTP certificate, with --remote-es-url [default: the system''s trusted roots, or ECK''s for an ECK remote]'
            cand --es-url 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster''s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster''s spec.http.tls says, verified against the HTTP service''s name CLUSTER-es-http.NS.svc, or a name the user''s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes'
            cand --es-ca-file 'PEM file of the CA(s) that signed Elasticsearch''s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user''s own certificate may come without one: then the system''s trusted roots); with --es-url alone, the system''s trusted roots]'
            cand --es-client-cert 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key'
            cand --es-client-key 'PEM file of the private key of --es-client-cert'
            cand --es-client-cert-secret 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand --ref 'Remove the spec.remoteClusters entry instead of the settings'
            cand --insecure 'Do not verify Elasticsearch''s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;status'= {
            cand --es-url 'Reach Elasticsearch at this http(s) URL instead of through a port-forward to one of the cluster''s pods [default: a port-forward over the Kubernetes API to port 9200 of a running pod with the remote_cluster_client role, in HTTPS or plain HTTP as the cluster''s spec.http.tls says, verified against the HTTP service''s name CLUSTER-es-http.NS.svc, or a name the user''s own certificate carries]. With a CLUSTER, its elastic password and HTTP CA are still used; without one, any Elasticsearch, also outside Kubernetes'
            cand --es-ca-file 'PEM file of the CA(s) that signed Elasticsearch''s HTTP certificate [default: the ca.crt of the secret CLUSTER-es-http-certs-public, which ECK publishes (a user''s own certificate may come without one: then the system''s trusted roots); with --es-url alone, the system''s trusted roots]'
            cand --es-client-cert 'PEM file of the client certificate (leaf first, then its chain) to show Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --es-client-key'
            cand --es-client-key 'PEM file of the private key of --es-client-cert'
            cand --es-client-cert-secret 'Secret with the client certificate (tls.crt) and its key (tls.key), in the namespace of the cluster ecr reaches, instead of --es-client-cert and --es-client-key'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand --insecure 'Do not verify Elasticsearch''s certificate at all. Never the default, warned about on every use: whoever sits on the path can read the credentials and change what ecr reads and writes'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;setup'= {
            cand --local 'The cluster that connects to the remote [on a terminal: chosen from those ecr finds]'
            cand --local-namespace 'Namespace of the local cluster [default: -n, then the context''s]'
            cand --local-context 'Kube context of the local cluster [default: --context]'
            cand --local-es-url 'Reach the local Elasticsearch at this URL instead of through a port-forward'
            cand --remote 'The remote cluster [on a terminal: chosen from those ecr finds]'
            cand --remote-namespace 'Namespace of the remote cluster [default: the local one''s in the same context]'
            cand --remote-context 'Kube context of the remote cluster [default: --context]'
            cand --remote-es-url 'Reach the remote Elasticsearch at this URL instead of through a port-forward'
            cand --local-es-client-cert 'PEM file of the client certificate (leaf first, then its chain) to show the local Elasticsearch when it requires one (spec.http.tls.client.authentication); needs --local-es-client-key'
            cand --local-es-client-key 'PEM file of the private key of --local-es-client-cert'
            cand --local-es-client-cert-secret 'Secret with the local side''s client certificate (tls.crt) and its key (tls.key), in the local cluster''s namespace, instead of --local-es-client-cert and --local-es-client-key'
            cand --remote-es-client-cert 'PEM file of the client certificate to show the remote Elasticsearch when it requires one; needs --remote-es-client-key'
            cand --remote-es-client-key 'PEM file of the private key of --remote-es-client-cert'
            cand --remote-es-client-cert-secret 'Secret with the remote side''s client certificate (tls.crt) and its key (tls.key), in the remote cluster''s namespace, instead of --remote-es-client-cert and --remote-es-client-key'
            cand --search 'With --api-key: index patterns each cluster may search on the other (repeatable)'
            cand --replication 'With --api-key: index patterns each cluster may replicate from the other (repeatable)'
            cand --timeout 'How long to wait for each load balancer and each connection, e.g. 90s or 5m'
            cand --roll-timeout 'How long to wait for each cluster''s rolling restart after a first trust (ECK restarts one pod at a time, waiting for green: minutes per pod), e.g. 30m or 3h'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand --one-way 'Only the local cluster connects to the remote'
            cand --api-key 'Link by cross-cluster API keys (Elasticsearch 8.14+, enterprise or trial license on both), as ecr connect --api-key does for each direction, instead of trusting transport CAs: each cluster rolls once, for all it needs'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;sandbox'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand up 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it'
            cand demo 'Run the recipe against a fresh sandbox, showing each command and its result'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;sandbox;up'= {
            cand --kubeconfig-out 'Where to write the kubeconfig [default: ecr-sandbox/kubeconfig in the temp directory]'
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;sandbox;demo'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;sandbox;help'= {
            cand up 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it'
            cand demo 'Run the recipe against a fresh sandbox, showing each command and its result'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;sandbox;help;up'= {
        }
        &'ecr;sandbox;help;demo'= {
        }
        &'ecr;sandbox;help;help'= {
        }
        &'ecr;completions'= {
            cand --kubeconfig 'Kubeconfig file [default: $KUBECONFIG (several files are merged), then ~/.kube/config, then the pod''s service account]'
            cand --context 'Kubeconfig context to use [default: the current context]'
            cand -n 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand --namespace 'Namespace of the cluster [default: the context''s namespace, then "default"]'
            cand -o 'Output format: text for people, json (stable and complete) for scripts'
            cand --output 'Output format: text for people, json (stable and complete) for scripts'
            cand -y 'Apply changes without asking for confirmation'
            cand --yes 'Apply changes without asking for confirmation'
            cand --dry-run 'Show what would change, and change nothing'
            cand -v 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand --verbose 'Explain each step on stderr (-vv: also each HTTP request); secrets are never shown'
            cand -q 'Print only results and errors'
            cand --quiet 'Print only results and errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ecr;help'= {
            cand ca 'Read a cluster''s transport CA (step 1 of the recipe)'
            cand trust 'Trust a remote cluster''s transport CA, or stop trusting it (step 2 of the recipe)'
            cand expose 'Expose a cluster''s transport layer and print its address (step 3 of the recipe)'
            cand connect 'Connect a remote cluster and prove the connection (step 4 of the recipe)'
            cand disconnect 'Remove a remote cluster: every setting of its alias, or its spec.remoteClusters entry'
            cand status 'Show a cluster''s trust, exposure and remotes, and what needs attention'
            cand setup 'Do the whole recipe between two clusters: trust, expose, connect, and prove the links'
            cand sandbox 'Try ecr without a cluster: an emulated Kubernetes API with ECK and two clusters'
            cand completions 'Print shell completions for bash, zsh, fish, powershell or elvish'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecr;help;ca'= {
            cand extract 'Print the transport CA of a cluster (PEM, byte for byte as ECK stores it)'
        }
        &'ecr;help;ca;extract'= {
        }
        &'ecr;help;trust'= {
            cand add 'Trust a remote cluster''s transport CA in CLUSTER (step 2 of the recipe)'
            cand remove 'Stop trusting a remote''s CA: changes only the secret (or ConfigMap), never restarts'
            cand sync 'Refresh the trusted CAs from their sources, after a CA rotation: writes only the store'
        }
        &'ecr;help;trust;add'= {
        }
        &'ecr;help;trust;remove'= {
        }
        &'ecr;help;trust;sync'= {
        }
        &'ecr;help;expose'= {
        }
        &'ecr;help;connect'= {
        }
        &'ecr;help;disconnect'= {
        }
        &'ecr;help;status'= {
        }
        &'ecr;help;setup'= {
        }
        &'ecr;help;sandbox'= {
            cand up 'Run the sandbox in the foreground until Ctrl-C, and write a kubeconfig for it'
            cand demo 'Run the recipe against a fresh sandbox, showing each command and its result'
        }
        &'ecr;help;sandbox;up'= {
        }
        &'ecr;help;sandbox;demo'= {
        }
        &'ecr;help;completions'= {
        }
        &'ecr;help;help'= {
        }
    ]
    $completions[$command]
}
