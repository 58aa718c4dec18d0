#!/usr/bin/env bash
# Plays one target pod, as asynclab.stack.kubernetes_spec makes it from docker-compose.yml,
# with `podman kube play` on this machine: does systemd boot under the pod's settings, and
# does sshd let in the learner's key? No cluster needed; what it shows and what it does not:
# deploy/kubernetes/README.md, "A target pod on podman".
#
#   deploy/kubernetes/play-with-podman.sh [--host-users] [host]      (as root; host: web1)
#
# --host-users drops the pod's `hostUsers: false`, for a machine on cgroup v1, where systemd
# cannot own its cgroup in a user namespace. Needs podman (4.3 or newer), the target image in
# podman's store (`docker save asynclab/target:<version> | podman load`), ssh, and the
# repository's virtualenv (.venv: PyYAML, cryptography). PODMAN may add podman's own
# options, e.g. PODMAN="podman --runtime runc". Everything it makes is removed at the end.
set -euo pipefail

host_users=0
if [ "${1:-}" = --host-users ]; then host_users=1; shift; fi
host=${1:-web1}
root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
podman=${PODMAN:-podman}
# shellcheck disable=SC1091  # scripts/lib.sh, the lab's version
image=${TARGET_IMAGE:-localhost/asynclab/target:$(. "$root/scripts/lib.sh" && package_version)}
pod=labhub-play-$host
work=$(mktemp -d)
trap '$podman pod rm -f "$pod" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# The pod and the learner's keys, as the hub makes them. podman 4.3's kube play stops on a
# Secret volume, so the Secret's files go to a folder mounted in its place (read-only, the
# same items and modes); emptyDirs are podman's volumes, not memory.
PYTHONPATH="$root/src:$root/deploy/kubernetes" "$python" - "$host" "$image" "$work" "$host_users" "$root" <<'EOF'
import sys
from pathlib import Path

import yaml
from learner_keys import learner_keys

from asynclab.stack import kubernetes_spec as ks

host, image, work, host_users, root = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
lab = ks.Lab(learner="play", namespace="default", server_labels={}, target_image=image)
compose = ks.compose_services(Path(root) / "docker-compose.yml", lab)
names = ks.aliases(compose[ks.RELEASES])
files = learner_keys(names)
pod = ks.pod(lab, host, compose[host], "10.88.0.250", names)
pod["metadata"]["name"] = f"labhub-play-{host}"
for volume in pod["spec"]["volumes"]:
    if "secret" in volume:
        folder = work / volume["name"]
        folder.mkdir()
        for item in volume.pop("secret")["items"]:
            (folder / item["path"]).write_text(files[item["key"]])
            (folder / item["path"]).chmod(item["mode"])
        volume["hostPath"] = {"path": str(folder), "type": "Directory"}
if host_users:
    pod["spec"].pop("hostUsers")
(work / "pod.yaml").write_text(yaml.safe_dump(pod, sort_keys=False))
(work / "id_ed25519").write_text(files["id_ed25519"])
(work / "id_ed25519").chmod(0o600)
EOF

$podman kube play "$work/pod.yaml" >/dev/null
container=$pod-$host
echo "play-with-podman: $container started; waiting for its health check (lab-health)"
for _ in $(seq 1 60); do
  if said=$($podman exec "$container" /usr/local/sbin/lab-health 2>&1); then break; fi
  sleep 2
done
echo "play-with-podman: lab-health says: $said"
[ "$said" = ok ] || { $podman logs "$container" 2>&1 | tail -20; exit 1; }
$podman exec "$container" sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/1/status; cat /proc/1/uid_map'
address=$($podman exec "$container" hostname -I | awk '{print $1}')
ssh -i "$work/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
  -o LogLevel=ERROR "root@$address" 'echo "ssh as $(id -un) to $(hostname): systemd $(systemctl is-system-running)"'
echo "play-with-podman: $host booted systemd and let the learner's key in"
