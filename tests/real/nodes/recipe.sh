#!/usr/bin/env bash
# The recipe of ECK's page "Remote clusters" for clusters in different Kubernetes clusters, done
# by hand with kubectl and curl as the page gives it, both ways, between ES1 in NS1 and ES2 in
# NS2 (environment; KUBECONFIG points at the real stack). Ends when each cluster's
# _remote/info says connected: true for the other; prints both _remote/info answers.
set -euo pipefail
: "${NS1:?}" "${ES1:?}" "${NS2:?}" "${ES2:?}" "${VERSION:?}" "${HEAP:?}" "${NODE_SETTINGS:?}"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# 1. The transport CA of each cluster.
ca() { # NS ES FILE
  kubectl -n "$1" get secret "$2-es-transport-certs-public" -o go-template='{{index .data "ca.crt" | base64decode}}' > "$3"
}
ca "$NS1" "$ES1" "$work/ca-1.crt"
ca "$NS2" "$ES2" "$work/ca-2.crt"

# 2. Each cluster trusts the other's CA: a secret beside it, mounted into its pods and listed in
# its transport's certificate_authorities; 3. its transport service becomes a LoadBalancer.
# (The manifest is the one the stack created, with the recipe's additions; NODE_SETTINGS are the
# lines of elasticsearch.yml every node of the stack has for this machine.)
trust() { # NS ES OTHER_CA
  kubectl -n "$1" create secret generic remote-certs --from-file=remote.ca.crt="$3"
  kubectl -n "$1" apply -f - <<EOF
apiVersion: elasticsearch.k8s.elastic.co/v1
kind: Elasticsearch
metadata:
  name: $2
spec:
  version: $VERSION
  transport:
    service:
      spec:
        type: LoadBalancer
  nodeSets:
  - name: default
    count: 1
    config:
$(sed 's/^/      /' <<<"$NODE_SETTINGS")
      xpack.security.transport.ssl.certificate_authorities:
      - /usr/share/elasticsearch/config/other/remote.ca.crt
    podTemplate:
      metadata:
        labels:
          real-stack.ecr.test/kubelet: "true"
      spec:
        containers:
        - name: elasticsearch
          env:
          - name: ES_JAVA_OPTS
            value: "-Xms$HEAP -Xmx$HEAP"
          volumeMounts:
          - mountPath: /usr/share/elasticsearch/config/other
            name: remote-certs
        volumes:
        - name: remote-certs
          secret:
            secretName: remote-certs
EOF
}
trust "$NS1" "$ES1" "$work/ca-2.crt"
trust "$NS2" "$ES2" "$work/ca-1.crt"

address() { # NS ES: the transport load balancer's address, once it has one
  local ip=""
  for _ in $(seq 300); do
    ip=$(kubectl -n "$1" get service "$2-es-transport" -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)
    [ -n "$ip" ] && break
    sleep 1
  done
  [ -n "$ip" ] || { echo "no load-balancer address for $1/$2-es-transport" >&2; exit 1; }
  echo "$ip"
}
address_1=$(address "$NS1" "$ES1")
address_2=$(address "$NS2" "$ES2")

# ECK rolls the pods to mount the secret: wait until it has, and the cluster is green again.
# (Until ECK and the StatefulSet controller have seen the new spec, their status is the old
# one's, green and Ready: compare generations.)
rolled() { # NS ES
  for _ in $(seq 600); do
    local es set
    es=$(kubectl -n "$1" get elasticsearch "$2" -o jsonpath='{.metadata.generation}/{.status.observedGeneration}/{.status.phase}/{.status.health}')
    set=$(kubectl -n "$1" get statefulset "$2-es-default" -o jsonpath='{.metadata.generation}/{.status.observedGeneration}/{.status.updatedReplicas}/{.status.readyReplicas}')
    IFS=/ read -r generation observed phase health <<< "$es"
    IFS=/ read -r set_generation set_observed updated ready <<< "$set"
    [ "$generation" = "$observed" ] && [ "$phase" = Ready ] && [ "$health" = green ] &&
      [ "$set_generation" = "$set_observed" ] && [ "$updated/$ready" = 1/1 ] && return
    sleep 1
  done
  echo "ECK did not finish rolling $1/$2" >&2
  exit 1
}
rolled "$NS1" "$ES1"
rolled "$NS2" "$ES2"

# 4. On each cluster, PUT _cluster/settings through a port-forward, with the elastic user
# (curl reads the credentials from stdin: they never appear in a process list).
forward() { # NS ES: starts a port-forward, prints its local port
  local log="$work/forward-$1.log"
  kubectl -n "$1" port-forward "service/$2-es-http" :9200 > "$log" 2>&1 &
  for _ in $(seq 100); do
    local port
    port=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && { echo "$port"; return; }
    sleep 0.1
  done
  echo "kubectl port-forward to $1/$2 did not start: $(cat "$log")" >&2
  exit 1
}
es() { # NS ES PORT METHOD PATH [BODY]
  local password
  password=$(kubectl -n "$1" get secret "$2-es-elastic-user" -o go-template='{{.data.elastic | base64decode}}')
  printf 'user = "elastic:%s"\n' "$password" | curl -sS -K - -k -X "$4" "https://127.0.0.1:$3$5" \
    -H 'Content-Type: application/json' ${6:+-d "$6"}
}
port_1=$(forward "$NS1" "$ES1")
port_2=$(forward "$NS2" "$ES2")
settings() { # ALIAS ADDRESS
  printf '{"persistent":{"cluster":{"remote":{"%s":{"mode":"proxy","proxy_address":"%s:9300"}}}}}' "$1" "$2"
}
es "$NS1" "$ES1" "$port_1" PUT /_cluster/settings "$(settings "$ES2" "$address_2")" > /dev/null
es "$NS2" "$ES2" "$port_2" PUT /_cluster/settings "$(settings "$ES1" "$address_1")" > /dev/null

# Connected both ways: _remote/info reports each link once a connection is made.
for _ in $(seq 120); do
  info_1=$(es "$NS1" "$ES1" "$port_1" GET /_remote/info)
  info_2=$(es "$NS2" "$ES2" "$port_2" GET /_remote/info)
  if [[ $info_1 == *'"connected":true'* && $info_2 == *'"connected":true'* ]]; then
    echo "$info_1"
    echo "$info_2"
    exit 0
  fi
  sleep 1
done
echo "not connected: $info_1 / $info_2" >&2
exit 1
