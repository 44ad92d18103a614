#!/bin/sh
# One-shot: waits for the cluster to answer and makes sure the service's
# namespace exists with the configured retention.
set -eu
address=${TEMPORAL_ADDRESS:-temporal:7233}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_RETENTION:-7d}

tries=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -ge 60 ] && { echo "Temporal at $address did not become healthy"; exit 1; }
  echo "waiting for Temporal at $address"
  sleep 5
done

if temporal operator namespace describe --address "$address" -n "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --address "$address" -n "$namespace" --retention "$retention"
  echo "namespace $namespace created"
fi

# A new namespace reaches the frontend's namespace cache some seconds later;
# until then search attribute calls answer "Namespace ... is not found".
tries=0
until existing=$(temporal operator search-attribute list --address "$address" -n "$namespace" 2>&1); do
  tries=$((tries + 1))
  [ "$tries" -ge 30 ] && { echo "namespace $namespace not usable: $existing"; exit 1; }
  echo "waiting for namespace $namespace to be usable"
  sleep 2
done

# The search attributes of the event runs (README, "Temporal UI"); a start
# naming an unregistered one fails.
for name in CompanyId CounterpartyId EventType NotifyState; do
  if echo "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$address" -n "$namespace" --name "$name" --type Keyword
    echo "search attribute $name created"
  fi
done
