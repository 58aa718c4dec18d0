#!/usr/bin/env bash
# wait-healthy.sh TIMEOUT [SERVICE...]: wait until the stack's containers are healthy.
# With no services named, every long-running service of the project is waited for.
set -euo pipefail
timeout=${1:-300}; shift || true
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
compose=$(compose_command)
deadline=$((SECONDS + timeout))
while :; do
  ids=$($compose ps -q "$@" 2>/dev/null || true)
  pending=()
  for id in $ids; do
    read -r name state health < <(docker inspect -f '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
    case "$name" in *keygen*) continue ;; esac
    [ "$state" = running ] && [ "$health" = healthy ] || pending+=("${name#/}:$state/$health")
    # A target that refused to boot (images/target/rootfs/usr/local/sbin/lab-init) says why.
    if [ "$state" != running ] || [ "$health" = starting ]; then
      said=$(docker logs --tail 5 "$id" 2>&1 | grep '^lab target:' || true)
      if [ -n "$said" ]; then echo "${name#/} did not start:" >&2; echo "$said" | sort -u >&2; exit 1; fi
    fi
  done
  if [ -n "$ids" ] && [ ${#pending[@]} -eq 0 ]; then echo "all healthy"; exit 0; fi
  if [ $SECONDS -ge $deadline ]; then
    echo "not healthy after ${timeout}s: ${pending[*]:-no containers}" >&2
    $compose ps >&2 || true
    exit 1
  fi
  sleep 1
done
