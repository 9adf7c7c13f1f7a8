#!/usr/bin/env bash
# The manual recipe of ECK's documentation (remote clusters with the certificate security
# model, clusters in two Kubernetes clusters), both ways, with kubectl and curl, as an operator
# scripts it. The benchmark runs it against the sandbox and times it against ecr.
#
# Everything comes from the environment; each side (ONE, TWO) has
#   <SIDE>_CONTEXT, <SIDE>_NAMESPACE, <SIDE>_NAME: where the Elasticsearch resource is;
#   <SIDE>_MANIFEST: the operator's manifest of that resource, edited as the docs say (the
#     remote-certs volume and mount, the file in certificate_authorities, a LoadBalancer
#     transport service); the editing is not timed;
#   <SIDE>_ES_URL: how the operator reaches Elasticsearch (the docs port-forward; the sandbox
#     serves the URL directly, which spares the recipe a port-forward).
# WORK is a directory for the CA files.
set -euo pipefail

side() { local variable="$1_$2"; printf '%s' "${!variable}"; }
k() { local s=$1; shift; kubectl --context "$(side "$s" CONTEXT)" --namespace "$(side "$s" NAMESPACE)" "$@"; }
other() { if [ "$1" = ONE ]; then echo TWO; else echo ONE; fi; }

# 1. Extract each cluster's transport CA.
for s in ONE TWO; do
  k $s get secret "$(side $s NAME)-es-transport-certs-public" \
    -o go-template='{{index .data "ca.crt" | base64decode}}' > "$WORK/$s.ca.crt"
done

# 2. Trust the other's CA: the secret remote-certs next to each cluster, then the edited
# manifest (mount and certificate_authorities; 3. the LoadBalancer transport in the same edit).
for s in ONE TWO; do
  k $s create secret generic remote-certs --from-file=remote.ca.crt="$WORK/$(other $s).ca.crt"
done
for s in ONE TWO; do
  k $s apply -f "$(side $s MANIFEST)"
done

# 3. Wait for each transport service's load balancer address.
for s in ONE TWO; do
  service="service/$(side $s NAME)-es-transport"
  k $s wait --for=jsonpath='{.status.loadBalancer.ingress}' "$service" --timeout=60s
  declare "${s}_ADDRESS=$(k $s get "$service" -o jsonpath='{.status.loadBalancer.ingress[0].ip}'):9300"
done

# 4. Connect each cluster to the other in proxy mode, as the elastic user.
for s in ONE TWO; do
  declare "${s}_PASSWORD=$(k $s get secret "$(side $s NAME)-es-elastic-user" \
    -o go-template='{{.data.elastic | base64decode}}')"
done
es() { local s=$1; shift; curl -sS -k -u "elastic:$(side "$s" PASSWORD)" "$@"; }
for s in ONE TWO; do
  o=$(other $s)
  es $s --fail-with-body -X PUT "$(side $s ES_URL)/_cluster/settings" \
    -H 'Content-Type: application/json' \
    -d "{\"persistent\": {\"cluster.remote.$(side $o NAME).mode\": \"proxy\",
         \"cluster.remote.$(side $o NAME).proxy_address\": \"$(side $o ADDRESS)\"}}"
  echo
done

# Then _remote/info until each says connected (every 250 ms, as ecr polls; 60 s at most).
for s in ONE TWO; do
  alias=$(side "$(other $s)" NAME)
  for _ in $(seq 240); do
    es $s "$(side $s ES_URL)/_remote/info" | grep -q "\"$alias\":{[^}]*\"connected\":true" && continue 2
    sleep 0.25
  done
  echo "$(side $s NAME) never connected to $alias" >&2
  exit 1
done
echo "both links connected"
