#!/usr/bin/env bash
# A second Docker engine that sees cgroup v2, on a cgroup v1 machine, for the tests.
#
#   cgroup-v2-engine.sh start DIR    start it; prints the DOCKER_HOST to use
#   cgroup-v2-engine.sh stop DIR     stop it and remove its network namespace
#
# dockerd runs in a network namespace of its own (its own iptables, bridges and addresses:
# nothing of the machine's engine is touched) and in a private mount namespace where
# cgroup2 is mounted at /sys/fs/cgroup. Its data root, exec root, socket and log are in DIR.
# The machine's own cgroup mounts are left as they are.
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a folder for the engine}
netns=${V2_NETNS:-asynclab-v2}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/docker.sock"

case "$action" in
start)
  ip netns add "$netns" 2>/dev/null || true
  ip netns exec "$netns" ip link set lo up
  # The engine's bridges need forwarding in its own namespace.
  ip netns exec "$netns" sysctl -qw net.ipv4.ip_forward=1
  nohup ip netns exec "$netns" unshare --mount --propagation private sh -c '
      mount -t cgroup2 cgroup2 /sys/fs/cgroup &&
      exec dockerd --data-root "$1/data" --exec-root "$1/exec" --pidfile "$1/docker.pid" \
        -H "unix://$1/docker.sock" --default-address-pool base=10.213.0.0/16,size=24 \
        --bip 10.212.0.1/24 --cgroup-parent /asynclabv2 --exec-opt native.cgroupdriver=cgroupfs' \
      sh "$dir" >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  DOCKER_HOST="unix://$sock" docker info >/dev/null 2>&1 || { tail -n 20 "$dir/dockerd.log" >&2; exit 1; }
  echo "unix://$sock"
  ;;
stop)
  if [ -f "$dir/docker.pid" ]; then
    kill "$(cat "$dir/docker.pid")" 2>/dev/null || true
    for _ in $(seq 1 40); do [ -e "$sock" ] || break; sleep 0.5; done
  fi
  ip netns del "$netns" 2>/dev/null || true
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
